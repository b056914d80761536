/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * UDP translation between the guest and host sockets: the interface the
 * rest of vunetd uses (the model is in udp.c).
 *
 * Callers and what they promise:
 *  - tap.c hands every UDP datagram from the guest that is not DHCP or
 *    DHCPv6 to udp_tap_handler(), headers bounds-checked into a struct
 *    tap_frame, and calls udp_batch_done() at the end of each batch of
 *    guest frames, while their buffers are still valid;
 *  - the event loop passes EPOLL_TYPE_UDP events to udp_sock_handler()
 *    and EPOLL_TYPE_UDP_LISTEN events to udp_listen_handler(), calls
 *    udp_timer() about once a second, and udp_guest_rx_ready() when the
 *    guest can take frames again (tap_rx_ready());
 *  - at start, after flow_init(): udp_listen_init() for the -u ports; at
 *    exit, udp_close_all() and udp_listen_close().
 * Everything runs on the loop's single thread.
 */
#ifndef VUNET_BACKEND_UDP_H
#define VUNET_BACKEND_UDP_H

#include <stdint.h>
#include <time.h>

#include "backend/epoll_ref.h"

struct ctx;
struct tap_frame;

/* A flow with no datagram either way for this long is closed (passt's
 * value: long enough for DNS retries and most request/response
 * protocols, short enough that a busy guest does not fill the table). */
#define UDP_FLOW_TIMEOUT_S 180
/* Datagrams read from one host socket per event: fairness between flows. */
#define UDP_SOCK_BATCH 32

/* A UDP datagram from the guest (tap.h's handler signature).  Returns 0,
 * or -1 when dropped (counted). */
int udp_tap_handler(struct ctx *c, const struct tap_frame *f);
/* The end of a batch of guest frames (tap_handlers.batch_done): sends the
 * datagrams udp_tap_handler() collected, one sendmmsg() per flow.  Until
 * then their payloads stay in the guest's buffers, so the transport must
 * call it before it reuses or gives those buffers back. */
void udp_batch_done(struct ctx *c);
/* EPOLL_TYPE_UDP: datagrams or an error on a flow's host socket. */
void udp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events);
/* Opens the sockets for the -u ports (c->udp_fwd), in the epoll loop as
 * EPOLL_TYPE_UDP_LISTEN.  Which bind failures are errors:
 * flow_listen_forwarded().  Returns the number of sockets
 * bound, or a negative errno. */
int udp_listen_init(struct ctx *c);
/* Closes them (at exit, and between tests). */
void udp_listen_close(struct ctx *c);
/* EPOLL_TYPE_UDP_LISTEN: datagrams to a forwarded port; each peer gets a
 * flow (the guest sees host-local peers as the gateway) whose socket,
 * bound to the same port and connected to the peer, carries the rest. */
void udp_listen_handler(struct ctx *c, union epoll_ref ref, uint32_t events);
/* The guest has room for frames again (vhost-user rx_ready, the stream
 * socket drained): host sockets left unread for lack of it are read. */
void udp_guest_rx_ready(struct ctx *c);
/* Closes flows idle for UDP_FLOW_TIMEOUT_S; call about once a second. */
void udp_timer(struct ctx *c, const struct timespec *now);
/* Closes every UDP flow (at exit, and between tests). */
void udp_close_all(struct ctx *c);

#endif /* VUNET_BACKEND_UDP_H */
