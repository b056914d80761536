/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NDP router and neighbour responder: see ndp.c.
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
