/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The backend command line of a passt-backed interface: the exact
 * options, in the exact order, that libvirt gives passt, so that vunetd
 * (which accepts passt's command line) or passt itself can be run from it.
 *
 * Theory of operation: one pure function turns (domain, interface, state
 * directory, program) into an argv:
 *
 *   PROGRAM [--vhost-user] --one-off --socket SOCKET --pid PIDFILE
 *           [--mtu N] [--interface DEV] [--log-file F] [--hostname H]
 *           [--fqdn F] {--address A [--netmask P]} {--gateway G}
 *           {--tcp-ports|--udp-ports SPEC}
 *
 * --vhost-user for type='vhostuser' (type='user' speaks QEMU's stream
 * protocol); --netmask only follows an IPv4 address with a prefix; one
 * --gateway per <route gateway=>, in document order; one -t/-u option
 * per <portForward>, its SPEC built by qemu_passt_port_spec():
 *
 *   [ADDRESS][%DEV]/   when either is given (prefix of the whole spec)
 *   all                when the element has no <range>, else ranges
 *   [~]START[-END][:TO[-TO+END-START]] joined by commas
 *
 * Socket and pidfile come from qemu_paths.c.  The definition is assumed
 * validated (one address per family, no IPv6 prefix, proto tcp|udp).
 */
#ifndef VUNET_QEMU_QEMU_PASST_H
#define VUNET_QEMU_QEMU_PASST_H

#include "conf/domain_conf.h"
#include "qemu/qemu_argv.h"

/* The SPEC of one <portForward>.  Caller frees; NULL on ENOMEM, an
 * unparseable address or a mapped range whose target end is not a port
 * (reported). */
char *qemu_passt_port_spec(const struct vn_port_forward *pf);

/* The backend argv for NET.  NULL on error (reported). */
struct qemu_argv *qemu_passt_build_argv(const struct vn_domain *dom,
					const struct vn_net *net,
					const char *state_dir,
					const char *program);

#endif /* VUNET_QEMU_QEMU_PASST_H */
