/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DHCPv6 server for the guest: see dhcpv6.c.
 */
#ifndef VUNET_BACKEND_DHCPV6_H
#define VUNET_BACKEND_DHCPV6_H

struct ctx;
struct tap_frame;

#define DHCPV6_CLIENT_PORT 546
#define DHCPV6_SERVER_PORT 547

/* Handles one UDP datagram to port 547 from the guest.  Returns 0 if it
 * was used, or -1 if it was dropped (reason counted). */
int dhcpv6_handler(struct ctx *c, const struct tap_frame *f);

#endif /* VUNET_BACKEND_DHCPV6_H */
