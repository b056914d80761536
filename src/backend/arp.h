/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ARP responder for the guest's IPv4 link.
 *
 * The guest thinks it shares an Ethernet segment with its gateway and
 * neighbours; vunetd is all of them.  arp_handler() answers the guest's
 * requests for any IPv4 address but its own with our MAC
 * (c->our_tap_mac), so every IPv4 frame the guest sends comes to us, and
 * learns the guest's MAC from its requests.
 *
 * Caller: tap.c, for frames with ethertype ETH_P_ARP, after checking that
 * an Ethernet/IPv4 ARP body fits.  Replies leave through
 * tap_send_frame().  Nothing is kept but the guest's MAC in struct ctx.
 * Announcements, replies and requests for the guest's own address are
 * not answered (counted as DROP_UNHANDLED); see arp.c for why.
 */
#ifndef VUNET_BACKEND_ARP_H
#define VUNET_BACKEND_ARP_H

struct ctx;
struct tap_frame;

/* Handles one ARP frame from the guest (tap.c dispatches ETH_P_ARP here).
 * Returns 0 if it was used, or -1 if it was dropped (reason counted). */
int arp_handler(struct ctx *c, const struct tap_frame *f);

#endif /* VUNET_BACKEND_ARP_H */
