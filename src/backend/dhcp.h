/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DHCPv4 server for the guest: see dhcp.c.
 */
#ifndef VUNET_BACKEND_DHCP_H
#define VUNET_BACKEND_DHCP_H

struct ctx;
struct tap_frame;

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68

/* Handles one UDP datagram to port 67 from the guest.  Returns 0 if it
 * was used (answered, or deliberately ignored as passt does), or -1 if it
 * was dropped (reason counted). */
int dhcp_handler(struct ctx *c, const struct tap_frame *f);

#endif /* VUNET_BACKEND_DHCP_H */
