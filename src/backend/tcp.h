/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TCP translation between the guest and host sockets: the interface the
 * rest of vunetd uses (the model and its invariants are in tcp.c).
 *
 * Callers and what they promise:
 *  - tap.c hands every TCP segment from the guest to tcp_tap_handler(),
 *    with headers already bounds-checked into a struct tap_frame, and
 *    calls tcp_batch_done() at the end of each batch of guest frames
 *    (ACKs are sent there, once per flow, unless one is held back);
 *  - the event loop passes EPOLL_TYPE_TCP events to tcp_sock_handler(),
 *    EPOLL_TYPE_TCP_LISTEN events to tcp_listen_handler() and
 *    EPOLL_TYPE_TCP_ACK_TIMER events to tcp_ack_timer_handler() (the
 *    delayed ACKs), calls tcp_timer() about once a second, and
 *    tcp_guest_rx_ready() when the guest can take frames again
 *    (vhost-user rx_ready, stream drained);
 *  - at start, after flow_init(): tcp_init() (the delayed-ACK timer, in
 *    the epoll instance), then tcp_listen_init() for the -t ports (before
 *    privileges are dropped, for ports below 1024); at exit,
 *    tcp_close_all(), tcp_listen_close() and tcp_fini().
 * Everything runs on the loop's single thread.
 */
#ifndef VUNET_BACKEND_TCP_H
#define VUNET_BACKEND_TCP_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "backend/epoll_ref.h"

struct ctx;
struct tap_frame;

/* Retransmission timeout for data, SYN-ACK and FIN sent to the guest.
 * A virtio link loses nothing by itself: a timeout means the guest had no
 * buffers or dropped the segment, and one second is plenty for both. */
#define TCP_RTO_MS 1000
/* Retransmissions before the connection is given up (RST both ways).
 * Data retransmissions back off (TCP_RTO_MS doubled each time, see
 * tcp_data_rto_ms()), so a guest that acknowledges nothing is given
 * 1 + 2 + 4 + 8 + 16 + 32 = 63 s: a guest starved of CPU on a loaded host
 * stops acknowledging for seconds without having gone away. */
#define TCP_MAX_RETRIES 5
/* Zero-window probes back off like data retransmissions: TCP_RTO_MS,
 * doubled after each probe while the window stays shut, up to this
 * interval (Linux's persist timer also backs off, to two minutes); a
 * guest that keeps answering with a zero window is probed on, never
 * reset, as a Linux peer would be. */
#define TCP_PROBE_MAX_INTERVAL_MS 60000
/* A host connect() that has not completed in this time is refused. */
#define TCP_CONNECT_TIMEOUT_MS 10000
/* Established connections with no traffic at all for this long are reset
 * (passt's inactivity timeout; keepalive covers dead peers earlier). */
#define TCP_IDLE_TIMEOUT_MS (2 * 3600 * 1000ULL)
/* Window scale we announce when the guest offers scaling. */
#define TCP_WSCALE_TO_GUEST 8
/* How long an ACK of guest data may wait for host data to carry it (see
 * "Delayed ACKs" in tcp.c), and how soon after guest data the host must
 * answer for the flow to count as request/response.  Below Linux's
 * shortest delayed ACK (40 ms), passt's ACK check interval. */
#define TCP_ACK_DELAY_MS 10

/* Events a TCP flow has seen (struct flow_tcp.events). */
enum tcp_event {
	TCP_EV_GUEST_SYN = 1 << 0,       /* SYN from the guest: connecting */
	TCP_EV_ESTABLISHED = 1 << 1,     /* socket connected, SYN-ACK sent */
	TCP_EV_GUEST_SYN_ACKED = 1 << 2, /* guest acknowledged our SYN-ACK */
	TCP_EV_SOCK_FIN_RCVD = 1 << 3,   /* host peer closed its side */
	TCP_EV_GUEST_FIN_SENT = 1 << 4,  /* FIN sent to the guest */
	TCP_EV_GUEST_FIN_ACKED = 1 << 5, /* ... and acknowledged */
	TCP_EV_GUEST_FIN_RCVD = 1 << 6,  /* guest closed: socket shut down */
	TCP_EV_ACK_PENDING = 1 << 7,     /* ACK queued for the batch end */
	TCP_EV_WANT_OUT = 1 << 8,        /* socket buffer was full */
	TCP_EV_SOCK_ACCEPTED = 1 << 9,   /* inbound (-t): SYN sent to guest */
	TCP_EV_GUEST_RX_FULL = 1 << 10,  /* sending stopped: guest had no room */
	TCP_EV_SOCK_DRAINED = 1 << 11,   /* last peek found nothing new, and no
					  * socket event or rewind since */
	TCP_EV_ACK_DELAYED = 1 << 12,    /* an ACK waits in the delayed-ACK
					  * queue: none sent since */
	TCP_EV_INTERACTIVE = 1 << 13,    /* the host answered guest data within
					  * TCP_ACK_DELAY_MS: ACKs may wait */
};

/* Creates the delayed-ACK timer and adds it to c->epollfd
 * (EPOLL_TYPE_TCP_ACK_TIMER).  Returns 0 or a negative errno; without it
 * every ACK goes out at the end of its batch. */
int tcp_init(struct ctx *c);
/* Closes it (at exit, after tcp_close_all()). */
void tcp_fini(struct ctx *c);
/* EPOLL_TYPE_TCP_ACK_TIMER: sends the delayed ACKs that are due and no
 * host data carried in the meantime. */
void tcp_ack_timer_handler(struct ctx *c);
/* A TCP segment from the guest (tap.h's handler signature).  Returns 0,
 * or -1 when dropped (counted). */
int tcp_tap_handler(struct ctx *c, const struct tap_frame *f);
/* End of a batch of guest frames: sends the ACKs the batch earned, one
 * per flow (tap_handlers.batch_done). */
void tcp_batch_done(struct ctx *c);
/* Opens the listening sockets for the -t ports (c->tcp_fwd), in the
 * epoll loop as EPOLL_TYPE_TCP_LISTEN.  Which bind failures are
 * errors: flow_listen_forwarded().  Returns the number of
 * sockets listening, or a negative errno. */
int tcp_listen_init(struct ctx *c);
/* Closes them (at exit, and between tests). */
void tcp_listen_close(struct ctx *c);
/* EPOLL_TYPE_TCP_LISTEN: connections to a forwarded port; each becomes a
 * SYN to the guest, from the peer's address (loopback appears as the
 * gateway address), to the guest's port for it. */
void tcp_listen_handler(struct ctx *c, union epoll_ref ref, uint32_t events);
/* EPOLL_TYPE_TCP: a flow's host socket connected, has data, or closed. */
void tcp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events);
/* The guest has room for frames again (vhost-user rx_ready, or the
 * stream socket drained): resume sending where frames were refused. */
void tcp_guest_rx_ready(struct ctx *c);
/* Retransmissions and timeouts; call about once a second (or more). */
void tcp_timer(struct ctx *c, const struct timespec *now);
/* Wait for an ACK of data after RETRIES retransmissions without one. */
uint64_t tcp_data_rto_ms(unsigned retries);
/* Resets and closes every TCP flow (at exit, and between tests). */
void tcp_close_all(struct ctx *c);

/* Whether host sockets keep a peek offset (SO_PEEK_OFF on TCP, Linux
 * 6.9+).  Probed on the first connection; tests force the fallback
 * (peek from the start of the queue, discarding what was sent) with
 * tcp_set_peek_offset(false). */
bool tcp_peek_offset_usable(void);
void tcp_set_peek_offset(bool usable);

#endif /* VUNET_BACKEND_TCP_H */
