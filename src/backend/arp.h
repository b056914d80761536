/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ARP responder: see arp.c.
 */
#ifndef VUNET_BACKEND_ARP_H
#define VUNET_BACKEND_ARP_H

struct ctx;
struct tap_frame;

/* Handles one ARP frame from the guest (tap.c dispatches ETH_P_ARP here).
 * Returns 0 if it was used, or -1 if it was dropped (reason counted). */
int arp_handler(struct ctx *c, const struct tap_frame *f);

#endif /* VUNET_BACKEND_ARP_H */
