/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NDP (RFC 4861) for the guest: vunetd is its IPv6 router and every
 * neighbour on its link.
 *
 * ndp_handler() gets ICMPv6 types 133-137 from tap.c (IP header checked):
 * router solicitations get a router advertisement with the guest's /64
 * prefix, MTU, RDNSS, DNSSL and our MAC; neighbour solicitations for any
 * address but the guest's get a neighbour advertisement with our MAC.
 * It also records the guest's link-local and global addresses as seen.
 *
 * ndp_timer() is called from the periodic timer of the event loop and
 * sends unsolicited advertisements at the RFC 4861 pace once the guest
 * has shown up.  --no-ndp disables both, --no-ra the advertisements.
 * The only state is the time of the next unsolicited advertisement.
 */
#ifndef VUNET_BACKEND_NDP_H
#define VUNET_BACKEND_NDP_H

#include <time.h>

struct ctx;
struct tap_frame;

/* Handles one ICMPv6 NDP message (types 133-137) from the guest.
 * Returns 0 if it was used, or -1 if it was dropped (reason counted). */
int ndp_handler(struct ctx *c, const struct tap_frame *f);

/* Sends an unsolicited router advertisement when one is due (call it from
 * the periodic timer; NOW from CLOCK_MONOTONIC). */
void ndp_timer(struct ctx *c, const struct timespec *now);

#endif /* VUNET_BACKEND_NDP_H */
