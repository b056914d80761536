/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DHCPv4 server for the guest, as passt's: one lease, the configured
 * guest address (c->ip4.addr), infinite, with the gateway, DNS servers,
 * search list, hostname/FQDN and MTU from struct ctx.
 *
 * Caller: tap.c, for IPv4 UDP datagrams to port 67, after checking the
 * IP and UDP headers.  The handler copies the message into its own
 * bounded buffer, parses the options (including overloaded sname/file
 * fields), and answers DISCOVER with OFFER and REQUEST with ACK or NAK
 * through tap_send_frame().  INFORM, RELEASE and DECLINE get no answer.
 * Malformed messages are dropped and counted (DROP_TOO_SHORT,
 * DROP_BAD_L4).  No state beyond the guest's MAC, learnt from chaddr.
 * The options, their order and encodings are described in dhcp.c.
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
