/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ICMP and ICMPv6 echo relay through unprivileged ping sockets: see
 * icmp.c.
 */
#ifndef VUNET_BACKEND_ICMP_H
#define VUNET_BACKEND_ICMP_H

#include <time.h>

#include "backend/epoll_ref.h"

struct ctx;
struct tap_frame;

/* Echo flows kept at once; the oldest idle ones expire first. */
#define ICMP_MAX_FLOWS 256
/* An echo flow unused this long is closed (passt uses the same). */
#define ICMP_FLOW_TIMEOUT_S 60

/* Handles one ICMP or ICMPv6 message from the guest (echo requests are
 * relayed).  Returns 0 if it was used, or -1 if dropped (reason counted). */
int icmp_tap_handler(struct ctx *c, const struct tap_frame *f);

/* Reads echo replies on the ping socket REF names (EPOLL_TYPE_ICMP) and
 * sends them to the guest. */
void icmp_sock_handler(struct ctx *c, union epoll_ref ref);

/* Closes flows idle for ICMP_FLOW_TIMEOUT_S (NOW: CLOCK_MONOTONIC). */
void icmp_timer(struct ctx *c, const struct timespec *now);

/* Flows currently open (for statistics and tests). */
unsigned icmp_flow_count(void);

#endif /* VUNET_BACKEND_ICMP_H */
