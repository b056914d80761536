/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stateful DHCPv6 server for the guest, as passt's: the guest's one
 * global address (c->ip6.addr) in an IA_NA with infinite lifetimes, plus
 * DNS servers, domain search list and FQDN from struct ctx.
 *
 * Caller: tap.c, for IPv6 UDP datagrams to port 547, after checking the
 * IP and UDP headers.  The handler copies the message into a bounded
 * buffer, walks its options with every length checked, and answers
 * SOLICIT, REQUEST, CONFIRM, RENEW, REBIND, RELEASE, DECLINE and
 * INFORMATION-REQUEST through tap_send_frame(), from our link-local
 * address to the client's.  Our server identifier is a DUID-LL built
 * from our MAC.  Malformed messages are dropped and counted; messages for
 * another server are ignored (DROP_UNHANDLED).  No lease state is kept:
 * there is only one address to give.
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
