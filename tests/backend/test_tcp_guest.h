/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest's end of one TCP connection, for the TCP state-machine tests.
 *
 * On top of test_flow_harness.h (the real stream transport, tcp.c and
 * flow.c in this process, host peers on loopback), a struct tg_conn keeps
 * what a guest's TCP would keep: its next sequence number, the next byte
 * it expects from vunetd, the window it announces.  Helpers send segments
 * from that state without advancing it (a test that wants to advance it
 * says so), so repeated, old and future segments are one line each.
 *
 * The host side of a connection is a loopback listener owned by the
 * test, and the socket accepted from it (cn->host).  tg_host_state()
 * reads that socket's TCP state (TCP_INFO), which is how a test sees that
 * the host peer got a FIN or a RST without racing the kernel.
 *
 * Time: tcp_timer() is called with a time the test chooses
 * (tg_timer_after()), so retransmission and timeouts are tested without
 * sleeping; tcp.c stamps its own events with the real monotonic clock.
 *
 * Everything is bounded: every wait has a timeout in milliseconds.
 */
#ifndef VUNET_TESTS_TCP_GUEST_H
#define VUNET_TESTS_TCP_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/ctx.h"
#include "backend/flow.h"
#include "tests/backend/test_flow_harness.h"

#define TG_GUEST_PORT 43000
#define TG_GUEST_MSS 1460
#define TG_GUEST_WSCALE 7
/* The window the guest announces, in the (scaled) header field. */
#define TG_GUEST_WND 512
/* How long a test waits for a frame it expects. */
#define TG_WAIT_MS 2000

struct tg_conn {
	int af;
	uint16_t gport;    /* the guest's port */
	uint16_t port;     /* the host listener's port: the destination */
	int listener;      /* host listener, -1 if none */
	int host;          /* accepted host socket, -1 before */
	uint32_t isn;      /* the guest's initial sequence number */
	uint32_t seq;      /* the guest's next sequence number */
	uint32_t ack;      /* the next byte the guest expects */
	uint32_t peer_isn; /* vunetd's initial sequence number */
	uint16_t wnd;      /* window field the guest sends */
	uint16_t mss;      /* MSS vunetd announced */
};

/* Shared receive buffer: payload pointers of received segments point
 * into it until the next receive. */
extern uint8_t tg_rxbuf[PT_FRAME_MAX];

/* Fresh connection state for AF (AF_INET, AF_INET6) with a loopback
 * listener.  Returns 0, or -1 if the family has no loopback. */
int tg_init(struct tg_conn *cn, int af);
/* The segment the guest would send now with FLAGS (no options). */
struct ft_seg tg_seg(const struct tg_conn *cn, uint8_t flags);
/* Sends FLAGS with LEN bytes of DATA at sequence number SEQ, without
 * touching CN's state. */
void tg_send_at(struct ctx *c, const struct tg_conn *cn, uint32_t seq,
		uint8_t flags, const void *data, size_t len);
/* Sends FLAGS (and DATA) at cn->seq; advances cn->seq by LEN and by one
 * for SYN and FIN. */
void tg_send(struct ctx *c, struct tg_conn *cn, uint8_t flags,
	     const void *data, size_t len);
/* Sends the SYN (MSS and window scale options) at cn->isn. */
void tg_send_syn(struct ctx *c, const struct tg_conn *cn);
/* SYN, SYN-ACK (checked: flags, ack, options) and the host's accept;
 * the final ACK only if ACK_IT.  Returns 0 or -1. */
int tg_handshake(struct ctx *c, struct tg_conn *cn, bool ack_it);
/* tg_init() and a complete handshake.  Returns 0 or -1. */
int tg_connect(struct ctx *c, struct tg_conn *cn, int af);

/* The next segment for the guest (checksums verified), waiting up to
 * TIMEOUT_MS.  Returns 0 or -1. */
int tg_recv(struct ctx *c, struct ft_seg *s, int timeout_ms);
/* The next segment with any of FLAGS set, skipping others (at most a
 * few dozen).  Returns 0 or -1. */
int tg_recv_flags(struct ctx *c, struct ft_seg *s, uint8_t flags,
		  int timeout_ms);
/* Whether nothing at all reaches the guest for QUIET_MS. */
bool tg_quiet(struct ctx *c, int quiet_ms);
/* Reads host data as the guest into BUF until LEN bytes arrived in
 * order, acknowledging each segment if ACK_IT.  Returns the bytes read. */
size_t tg_read(struct ctx *c, struct tg_conn *cn, uint8_t *buf, size_t len,
	       bool ack_it);

/* Reads LEN bytes on host socket S, pumping vunetd meanwhile.  Returns
 * the bytes read (fewer at EOF, error or after TIMEOUT_MS). */
size_t tg_host_read(struct ctx *c, int s, uint8_t *buf, size_t len,
		    int timeout_ms);
/* Waits (pumping vunetd) until host socket S is in TCP state STATE
 * (TCP_CLOSE, TCP_CLOSE_WAIT...).  Returns true if it got there. */
bool tg_host_state_is(struct ctx *c, int s, int state, int timeout_ms);
/* Bytes queued in host socket S's send queue, not yet acknowledged by
 * vunetd's socket (SIOCOUTQ). */
int tg_host_unacked(int s);

/* The flow of CN, or NULL. */
struct flow *tg_flow(const struct tg_conn *cn);
/* Bytes waiting in the receive queue of CN's flow socket (data from the
 * host not yet acknowledged by the guest), or -1. */
int tg_flow_inq(const struct tg_conn *cn);
/* Runs tcp_timer() at START + MS. */
void tg_timer_after(struct ctx *c, const struct timespec *start, long ms);
/* The current monotonic time. */
struct timespec tg_now(void);

/* A loopback listener whose accept queue is full: connections to it stay
 * in progress (the kernel drops their SYNs).  *FILLER gets the client
 * socket that fills it.  Returns the listener or -1. */
int tg_blocked_listener(int af, uint16_t *port, int *filler);

#endif /* VUNET_TESTS_TCP_GUEST_H */
