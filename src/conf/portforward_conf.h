/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The <portForward> element family of a passt-backed interface.
 *
 *   <portForward proto='tcp|udp' [address='HOST-ADDR'] [dev='HOST-IF']>
 *     <range start='N' [end='M'] [to='T'] [exclude='yes|no']/>
 *   </portForward>
 *
 * A port number of 0 means "absent" (libvirt treats start='0' the same).
 * The model is what the user wrote; turning it into passt's -t/-u SPEC is
 * the job of the passt command builder in src/qemu.
 */
#ifndef VUNET_CONF_PORTFORWARD_CONF_H
#define VUNET_CONF_PORTFORWARD_CONF_H

#include <stdbool.h>
#include <stddef.h>

enum vn_port_forward_proto {
	VN_PORT_FORWARD_TCP,
	VN_PORT_FORWARD_UDP,
};

struct vn_port_forward_range {
	unsigned start;
	unsigned end;
	unsigned to;
	bool exclude; /* exclude='yes' */
	bool has_exclude; /* the attribute was written (for dumpxml) */
};

struct vn_port_forward {
	enum vn_port_forward_proto proto;
	char *address; /* host-side address, NULL when absent */
	char *dev;     /* host-side interface, NULL when absent */
	struct vn_port_forward_range *ranges;
	size_t n_ranges;
};

void vn_port_forward_clear(struct vn_port_forward *pf);

#endif /* VUNET_CONF_PORTFORWARD_CONF_H */
