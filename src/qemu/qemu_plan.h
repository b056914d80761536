/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The launch plan of a domain: every command vunet would run to start
 * it, in the order it would run them.
 *
 * Theory of operation: a plan is one backend argv per passt-backed
 * interface (document order), then QEMU's argv.  Backends come first
 * because QEMU connects to their sockets (vhost-user chardevs and stream
 * netdevs are clients).  Building a plan is pure: nothing is started,
 * created or probed (the QEMU version and state directory come in
 * struct qemu_build_opts), so "vunet domxml-to-native" prints exactly
 * what "vunet start" will execute.  The text form, in the style of
 * libvirt's .args files, is:
 *
 *   # backend net0
 *   /usr/bin/vunetd \
 *   --vhost-user \
 *   ...
 *
 *   # qemu
 *   /usr/bin/qemu-system-x86_64 \
 *   -name guest=... \
 *   ...
 */
#ifndef VUNET_QEMU_QEMU_PLAN_H
#define VUNET_QEMU_QEMU_PLAN_H

#include "conf/domain_conf.h"
#include "qemu/qemu_argv.h"
#include "qemu/qemu_command.h"

struct qemu_plan_backend {
	const struct vn_net *net; /* borrowed from the domain */
	struct qemu_argv *argv;
};

struct qemu_plan {
	struct qemu_plan_backend *backends;
	size_t n_backends;
	struct qemu_argv *qemu;
};

/* NULL on error (reported). BACKEND is the backend program. */
struct qemu_plan *qemu_plan_build(const struct vn_domain *dom,
				  const struct qemu_build_opts *opts,
				  const char *backend);
/* The text above; caller frees; NULL on ENOMEM (reported). */
char *qemu_plan_format(const struct qemu_plan *plan);
void qemu_plan_free(struct qemu_plan *plan);

#endif /* VUNET_QEMU_QEMU_PLAN_H */
