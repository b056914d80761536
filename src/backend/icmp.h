/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ICMP and ICMPv6 echo relay through unprivileged ping sockets.
 *
 * The guest's echo requests (from tap.c) are sent by vunetd from a ping
 * socket (SOCK_DGRAM + IPPROTO_ICMP/ICMPV6, no privileges needed when
 * net.ipv4.ping_group_range allows our group); replies read on that
 * socket go back to the guest with its own echo identifier and as coming
 * from the address it pinged.  The gateway address maps to the host's
 * loopback, as for TCP and UDP.
 *
 * State: a fixed table of ICMP_MAX_FLOWS echo flows, one ping socket
 * each, registered in epoll as EPOLL_TYPE_ICMP with the flow's index;
 * the event loop calls icmp_sock_handler() for them and icmp_timer() from
 * its periodic timer to close idle flows.  Refused ping sockets are
 * logged once and the requests counted as DROP_HOST_ERROR.
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
