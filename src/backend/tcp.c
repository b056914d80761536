// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TCP: guest connections onto ordinary host sockets, without a TCP/IP
 * stack of our own (passt's model).
 *
 * Theory of operation.  Each guest connection is a flow (flow.c) with one
 * non-blocking host socket.  vunetd speaks TCP to the guest only as far as
 * needed to mirror what the host kernel does with that socket:
 *  - Opening: a SYN from the guest starts a connect() to the translated
 *    destination (flow_host_sockaddr()).  The guest gets its SYN-ACK only
 *    when the host connection is up; a refusal gets it a RST at once.
 *  - Guest to host: segment payloads are handed to sendmsg() straight from
 *    the frame's iovec (guest memory), whatever their size (a guest with
 *    HOST_TSO sends up to 64 KiB at once); a checksum the guest left to
 *    the device (checksum offload) is not verified.  Only what the socket accepted is
 *    acknowledged, so the guest itself keeps (and retransmits) whatever
 *    did not fit: vunetd buffers nothing.  The window announced to the
 *    guest is the free space in the socket's send buffer.  ACKs are sent
 *    once per flow at the end of each batch of guest frames, or a little
 *    later (below).
 *  - Host to guest: data is read with MSG_PEEK into the frames for the
 *    guest, so it stays in the kernel's receive queue until the guest
 *    acknowledges it; only then is it dropped from the socket (recv with
 *    MSG_TRUNC, no copy).  Retransmission (timeout, or three duplicate
 *    ACKs) just peeks again from the first unacknowledged byte.  While
 *    the guest's window is zero and data waits, the timer probes it (an
 *    ACK at an old sequence number, answered with its window), backing
 *    off from TCP_RTO_MS to TCP_PROBE_MAX_INTERVAL_MS while it stays shut.  Where
 *    the kernel keeps a peek offset for TCP (SO_PEEK_OFF, Linux 6.9+)
 *    peeks continue from it; otherwise each peek starts at the queue head
 *    and the bytes already sent are read into a scratch buffer and thrown
 *    away, which is why that mode keeps at most FALLBACK_INFLIGHT_SEGMENTS
 *    segments in flight (the cost of a byte sent stays bounded).
 *  - Closing: a FIN from the guest becomes shutdown(SHUT_WR) once its data
 *    is all in the socket; the host peer's FIN (EPOLLRDHUP, or a peek of
 *    0 bytes) becomes a FIN to the guest once all data before it was sent.
 *    The flow ends when both FINs are acknowledged; a RST either way, a
 *    socket error, too many retransmissions or inactivity end it at once
 *    (a RST to the guest, an abortive close towards the host).
 *  - Inbound (-t): each forwarded host port has a listening socket; an
 *    accepted connection becomes a SYN to the guest's port for it, from
 *    the peer's address (the host itself, loopback or the address it
 *    shares with the guest, appears as the gateway address).  The guest's
 *    SYN-ACK establishes the flow; from there it is like any other.
 *    Out of file descriptors, a listener pauses for a second (counted in
 *    accept_no_fd) rather than spin on a connection it cannot take.
 *
 * Sequence numbers: seq_to_guest is the next byte we send, and
 * seq_acked_by_guest the first one the guest has not acknowledged: the
 * bytes between are exactly those at the head of the socket's receive
 * queue that were peeked (the peek offset).  seq_from_guest is the next
 * byte the guest sends, i.e. our ACK number.
 *
 * Host sockets are in epoll edge-triggered: data left in the queue on
 * purpose would otherwise wake the loop forever.  New data wakes it;
 * window openings arrive as guest ACKs, which resume sending directly.
 * A peek that found the socket drained is remembered until the next
 * socket event (or a rewind), so the guest ACKs in between (one per
 * request/response exchange) cost no peek.
 *
 * Delayed ACKs.  In a request/response exchange a pure ACK of the
 * request, then the response, wakes the guest twice; held back a little,
 * the ACK rides on the response.  A flow counts as request/response
 * (TCP_EV_INTERACTIVE) once host data went to the guest within
 * TCP_ACK_DELAY_MS of guest data reaching the socket, and stops counting
 * when a held-back ACK had to be sent alone (Linux's "pingpong" mode, so
 * a one-way small-write flow never waits: with Nagle's algorithm, its
 * sender would).  The ACK of a guest segment is held back only when all
 * of: the flow is interactive; the segment came in order, carries PSH
 * (the sender's write is complete: it now waits) and the socket took all
 * of it; no other ACK of the flow is held back or queued (so at most one
 * segment, at most one MSS, goes unacknowledged: a second one, a bulk
 * transfer, is acknowledged at its batch end as before); the guest keeps
 * at least half of the window we announced; the socket was not full.
 * Everything else is acknowledged at the batch end: FINs, repeated or
 * out-of-order data (the duplicate ACK asks for a retransmission), zero
 * window probes, keep-alives, data the socket took only in part.  Held
 * back ACKs wait in one queue for all flows, in the order they are due
 * (all wait the same time), behind one timerfd armed for the head; any
 * segment to the guest with ACK makes a queued entry void, and entries
 * of closed flows are recognised by their generation, so nothing is ever
 * removed from the middle.  A full queue means ACK at once.
 *
 * Frames for the guest: over vhost-user, data is peeked straight into
 * guest RX buffers reserved with vu_rx_reserve() (headers written in front,
 * checksum computed over the guest buffers), one frame per reservation.
 * When the guest negotiated checksum offload (GUEST_CSUM) the payload is
 * not summed at all: the frame is marked NEEDS_CSUM (csum_start/offset:
 * the TCP header) and the checksum field holds the pseudo-header sum, which
 * the guest completes or forwards as a partial checksum (DATA_VALID would
 * have it trust, and forward, that sum as a checksum); with segmentation
 * offload too (GUEST_TSO4/6) a frame carries up to 64 KiB, whole MSS-sized segments the guest sees
 * as such (gso_size = its MSS, partial checksum), within its window: one
 * peek and one frame where there would be dozens.  The IP header always
 * carries its full checksum.  Over the stream protocol (no virtio-net
 * header, so no offloads: full checksums), one peek fills up to
 * TCP_FRAMES_PER_PEEK static frames, queued with tap_send_frame().
 * A frame is as long as the guest's posted buffers allow: with fewer
 * merged buffers than a full one needs (a Linux guest's are 1536 bytes
 * and up, a 64 KiB frame takes some 43), a shorter segment goes now and
 * the rest follows in the buffers the guest adds; nothing waits for room
 * that may never come.  When the guest has no room at all, sending stops
 * (TCP_EV_GUEST_RX_FULL) and resumes on tcp_guest_rx_ready() or, should
 * that not come, at the next timer tick.
 *
 * Data path: no allocation, no logging, one tap_flush() per event.  Not
 * done: TCP options beyond MSS and window scaling (no timestamps, no
 * SACK), passt's splicing of loopback-to-loopback connections.
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "backend/checksum.h"
#include "backend/ctx.h"
#include "backend/flow.h"
#include "backend/ip.h"
#include "backend/tap.h"
#include "backend/tcp.h"
#include "backend/vhost_user.h"
#include "util/log.h"

#define TCP_HDR_LEN 20       /* what we send: no options but in SYN-ACK */
#define TCP_SYNACK_OPT_LEN 8 /* MSS (4), NOP (1), window scale (3) */
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10
#define TCP_OPT_END 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define TCP_OPT_WS 3
#define TCP_WSCALE_MAX 14    /* RFC 7323 */
#define MSS_WITHOUT_OPTION 536 /* RFC 9293: no MSS option */
#define TCP_MTU_DEFAULT 65520
#define TCP_DUP_ACKS_RETRANSMIT 3
#define TCP_CSUM_OFFSET 16   /* of the checksum field in the TCP header */

/* iovec entries a guest segment may span (guest TX descriptor chains). */
#define TCP_MAX_IOV TAP_FRAME_MAX_IOV
/* Frames built per peek: bounds the static buffers (1 MiB). */
#define TCP_FRAMES_PER_PEEK 16
/* Without a peek offset, every peek reads again, into a scratch buffer
 * (repeated in the iovec), all the bytes sent and not yet acknowledged:
 * the cost of sending a segment grows with the data in flight, and a
 * window of W bytes sent in segments of MSS costs about W * W / MSS / 2
 * bytes of copying.  So in that mode the data in flight is capped at
 * FALLBACK_INFLIGHT_SEGMENTS segments: each byte sent costs at most that
 * many bytes of re-reading, at the price of a smaller window for the
 * guest (kernels before 6.9 only). */
#define FALLBACK_INFLIGHT_SEGMENTS 32
#define DISCARD_BUF_LEN 65536
#define DISCARD_IOV FALLBACK_INFLIGHT_SEGMENTS /* a segment is < 64 KiB */
/* Destination entries of one peek: the larger of the two output paths. */
#define PEEK_MAX_IOV (TCP_FRAMES_PER_PEEK > VU_RX_MAX_IOV ? \
		      TCP_FRAMES_PER_PEEK : VU_RX_MAX_IOV)
#define FALLBACK_MAX_INFLIGHT ((uint32_t)DISCARD_BUF_LEN * DISCARD_IOV)
_Static_assert(FALLBACK_INFLIGHT_SEGMENTS * 65535ULL <= FALLBACK_MAX_INFLIGHT,
	       "the discard iovec covers the fallback's largest window");
/* Connections taken from one listening socket per event. */
#define ACCEPTS_PER_EVENT 16
/* Flows whose ACK waits for the end of the batch. */
#define ACK_BATCH_MAX 256
/* Delayed ACKs queued at once, all flows.  A flow has at most one live
 * entry, but every exchange answered in time leaves a void one until it
 * is due: at 20000 exchanges a second (more than one loop does) that is
 * 200 entries per TCP_ACK_DELAY_MS. */
#define ACK_DELAY_QUEUE 1024

static uint8_t data_frames[TCP_FRAMES_PER_PEEK][TAP_FRAME_MAX];
static uint8_t ctl_frame[IP6_L4_OFF + TCP_HDR_LEN + TCP_SYNACK_OPT_LEN];
static uint8_t discard_buf[DISCARD_BUF_LEN];
static uint32_t ack_batch[ACK_BATCH_MAX];
static unsigned n_ack_batch;

/* An ACK held back: for flow IDX (generation GEN), due at DUE_MS, of the
 * guest's data up to SEQ (void once an ACK covered it). */
struct delayed_ack {
	uint64_t due_ms;
	uint32_t idx;
	uint32_t seq;
	uint16_t gen;
};

/* The delayed-ACK queue: a ring, oldest (and first due) at delack_head. */
static struct delayed_ack delack_q[ACK_DELAY_QUEUE];
static unsigned delack_head, delack_len;
static int delack_timer = -1;

/* -1: not probed yet, 0: fallback, 1: SO_PEEK_OFF works on TCP */
static int peek_offset_state = -1;

/* Sequence number arithmetic, modulo 2^32. */
static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

bool tcp_peek_offset_usable(void)
{
	return peek_offset_state == 1;
}

void tcp_set_peek_offset(bool usable)
{
	peek_offset_state = usable ? 1 : 0;
}

/* Probes SO_PEEK_OFF on socket S once (the answer is per kernel). */
static void probe_peek_offset(int s)
{
	int zero = 0;

	if (peek_offset_state < 0)
		peek_offset_state =
			!setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &zero,
				    sizeof(zero));
}

/* --- Frames to the guest ------------------------------------------------ */

static bool flow_is_v4(const struct flow *fl)
{
	return flow_addr_is_v4(&fl->key.gaddr);
}

static size_t l4_off_of(const struct flow *fl)
{
	return flow_is_v4(fl) ? IP4_L4_OFF : IP6_L4_OFF;
}

/* The IPv4 header of a segment for the guest: flow's remote side to the
 * guest (a v4 flow keeps its addresses v4-mapped). */
static void ip4_fill(uint8_t *l3, const struct flow *fl, size_t l4_len)
{
	struct in_addr saddr, daddr;

	memcpy(&saddr, &fl->key.raddr.s6_addr[12], sizeof(saddr));
	memcpy(&daddr, &fl->key.gaddr.s6_addr[12], sizeof(daddr));
	ip_v4_hdr_fill(l3, saddr, daddr, IPPROTO_TCP, l4_len);
}

/* Free space in the socket's send buffer, in payload bytes: the window
 * for the guest.  The kernel accounts the buffer in memory used, headers
 * and bookkeeping included (SO_MEMINFO), so the free memory is converted
 * at the payload-to-memory ratio of what is queued now (half, when
 * nothing is: small segments cost about twice their size).  What the
 * socket still does not take is simply not acknowledged. */
static uint32_t sock_send_space(const struct flow *fl)
{
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t sl = sizeof(mem);
	uint64_t free_mem, queued_mem;
	int outq = 0;

	if (getsockopt(fl->sock, SOL_SOCKET, SO_MEMINFO, mem, &sl) ||
	    ioctl(fl->sock, SIOCOUTQ, &outq) || outq < 0)
		return 0;
	queued_mem = mem[SK_MEMINFO_WMEM_QUEUED];
	if (mem[SK_MEMINFO_SNDBUF] <= queued_mem)
		return 0;
	free_mem = mem[SK_MEMINFO_SNDBUF] - queued_mem;
	if (!queued_mem || !outq)
		return (uint32_t)(free_mem / 2);
	if ((uint64_t)outq > queued_mem)
		return (uint32_t)free_mem;
	return (uint32_t)(free_mem * (uint64_t)outq / queued_mem);
}

/* The window field for a segment to the guest (scaled, except in SYNs);
 * remembers the window announced. */
static uint16_t window_field(struct flow *fl, bool syn)
{
	uint32_t wnd = sock_send_space(fl);
	uint8_t shift = syn ? 0 : fl->tcp.wscale_to_guest;

	wnd >>= shift;
	if (wnd > 0xffff)
		wnd = 0xffff;
	fl->tcp.wnd_to_guest = wnd << shift;
	return (uint16_t)wnd;
}

/* A segment's payload: PLEN bytes in IOV (wherever they are). */
struct payload {
	const struct iovec *iov;
	size_t iovcnt;
	size_t len;
	/* The guest takes the frame with checksum offload (a partial
	 * checksum, NEEDS_CSUM): the TCP checksum field gets the pseudo-header
	 * sum only, and the payload is never read. */
	bool csum_offloaded;
};

/* The TCP checksum field of a segment: the full checksum over pseudo
 * header SUM, the TCP header TH (TH_LEN bytes) and payload P; or, for an
 * offloaded checksum, the pseudo-header sum alone, folded but not
 * complemented, as virtio's NEEDS_CSUM expects it to be completed. */
static uint16_t tcp_csum_field(uint32_t sum, const uint8_t *th, size_t th_len,
			       const struct payload *p)
{
	if (!p)
		return csum_l4_field(sum, th, th_len, NULL, 0, 0, false);
	return csum_l4_field(sum, th, th_len, p->iov, p->iovcnt, p->len,
			     p->csum_offloaded);
}

/* Writes Ethernet, IP and TCP headers at FRAME for a segment of FL with
 * FLAGS at SEQ, TCP options OPTS (OPT_LEN, a multiple of 4) and payload
 * P (NULL: none), which the checksum covers unless it is offloaded.
 * Returns the header length. */
static size_t fill_segment(struct ctx *c, struct flow *fl, uint8_t *frame,
			   uint8_t flags, uint32_t seq, const uint8_t *opts,
			   size_t opt_len, const struct payload *p)
{
	size_t plen = p ? p->len : 0;
	size_t l4_off = l4_off_of(fl);
	size_t l4_len = TCP_HDR_LEN + opt_len + plen;
	uint8_t *th = frame + l4_off;
	uint32_t sum;
	uint16_t csum;

	ip_eth_fill(frame, tap_guest_mac(c), c->our_tap_mac,
		    flow_is_v4(fl) ? ETH_P_IP : ETH_P_IPV6);
	if (flow_is_v4(fl))
		ip4_fill(frame + ETH_HDR_LEN, fl, l4_len);
	else
		ip_v6_hdr_fill(frame + ETH_HDR_LEN, &fl->key.raddr,
			       &fl->key.gaddr, IPPROTO_TCP, l4_len);

	ip_put_be16(th, fl->key.rport);
	ip_put_be16(th + 2, fl->key.gport);
	ip_put_be32(th + 4, seq);
	ip_put_be32(th + 8, (flags & TCP_FLAG_ACK) ? fl->tcp.seq_from_guest : 0);
	th[12] = (uint8_t)(((TCP_HDR_LEN + opt_len) / 4) << 4);
	th[13] = flags;
	ip_put_be16(th + 14, window_field(fl, flags & TCP_FLAG_SYN));
	memset(th + 16, 0, 4);
	if (opt_len)
		memcpy(th + TCP_HDR_LEN, opts, opt_len);

	if (flow_is_v4(fl))
		sum = csum_add_pseudo4(0, flow_addr_v4(&fl->key.raddr),
				       flow_addr_v4(&fl->key.gaddr),
				       IPPROTO_TCP, l4_len);
	else
		sum = csum_add_pseudo6(0, &fl->key.raddr, &fl->key.gaddr,
				       IPPROTO_TCP, l4_len);
	csum = tcp_csum_field(sum, th, TCP_HDR_LEN + opt_len, p);
	memcpy(th + 16, &csum, 2);

	if (flags & TCP_FLAG_ACK) {
		fl->tcp.seq_acked_to_guest = fl->tcp.seq_from_guest;
		/* a queued delayed ACK of this flow has nothing left to do */
		fl->tcp.events &= ~(uint32_t)TCP_EV_ACK_DELAYED;
	}
	return l4_off + TCP_HDR_LEN + opt_len;
}

/* Sends a segment without payload (SYN-ACK, ACK, FIN, RST) for FL. */
static int send_ctl(struct ctx *c, struct flow *fl, uint8_t flags,
		    uint32_t seq)
{
	uint8_t opts[TCP_SYNACK_OPT_LEN];
	size_t opt_len = 0;
	struct iovec iov = { .iov_base = ctl_frame };

	if (flags & TCP_FLAG_SYN) {
		opts[0] = TCP_OPT_MSS;
		opts[1] = 4;
		ip_put_be16(opts + 2, fl->tcp.mss_to_guest);
		opts[4] = TCP_OPT_NOP;
		opts[5] = TCP_OPT_WS;
		opts[6] = 3;
		opts[7] = fl->tcp.wscale_to_guest;
		/* No scaling offered by the guest: we may not use it. */
		opt_len = fl->tcp.wscale_to_guest ? 8 : 4;
	}
	iov.iov_len = fill_segment(c, fl, ctl_frame, flags, seq, opts, opt_len,
				   NULL);
	return tap_send_frame(c, &iov, 1);
}

/* Answers a segment that belongs to no connection with a RST (RFC 9293
 * 3.10.7.1), addressed from the segment itself. */
static void send_rst_reply(struct ctx *c, const struct tap_frame *f,
			   uint32_t seg_seq, uint32_t seg_ack, uint8_t flags,
			   size_t plen)
{
	struct flow probe = { 0 };
	uint32_t seq = 0;

	if (flags & TCP_FLAG_RST)
		return;
	flow_key_set(&probe.key, IPPROTO_TCP, f->family, &f->saddr, f->sport,
		     &f->daddr, f->dport);
	probe.sock = -1;
	probe.tcp.seq_from_guest = seg_seq + (uint32_t)plen +
				   !!(flags & TCP_FLAG_SYN) +
				   !!(flags & TCP_FLAG_FIN);
	if (flags & TCP_FLAG_ACK)
		seq = seg_ack;
	send_ctl(c, &probe, (flags & TCP_FLAG_ACK) ? TCP_FLAG_RST :
			     (TCP_FLAG_RST | TCP_FLAG_ACK), seq);
}

/* --- Flow lifetime ------------------------------------------------------ */

static int sock_epoll(struct ctx *c, struct flow *fl, int op, uint32_t events)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_TCP, .idx = flow_idx(fl),
				.gen = fl->gen };
	struct epoll_event ev = { .events = events | EPOLLET,
				  .data.u64 = ref.u64 };

	return epoll_ctl(c->epollfd, op, fl->sock, &ev) ? -errno : 0;
}

static void flow_close(struct ctx *c, struct flow *fl, bool abortive)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (fl->sock >= 0) {
		epoll_ctl(c->epollfd, EPOLL_CTL_DEL, fl->sock, NULL);
		/* Linger 0: the host peer gets a RST, as the guest did. */
		if (abortive)
			setsockopt(fl->sock, SOL_SOCKET, SO_LINGER, &lg,
				   sizeof(lg));
		close(fl->sock);
	}
	flow_free(fl);
}

/* Resets the connection both ways and forgets it. */
static void flow_reset(struct ctx *c, struct flow *fl)
{
	send_ctl(c, fl, TCP_FLAG_RST | TCP_FLAG_ACK, fl->tcp.seq_to_guest);
	flow_close(c, fl, true);
}

static bool flow_done(const struct flow *fl)
{
	uint32_t all = TCP_EV_GUEST_FIN_RCVD | TCP_EV_GUEST_FIN_ACKED;

	return (fl->tcp.events & all) == all;
}

/* After announcing a zero window: asks for EPOLLOUT, so the guest hears
 * when the socket has room again (instead of waiting for its own window
 * probes).  Only for a zero window: the kernel reports EPOLLOUT for any
 * free space, and a smaller threshold would wake the loop for nothing. */
static void watch_send_space(struct ctx *c, struct flow *fl)
{
	if ((fl->tcp.events & TCP_EV_WANT_OUT) || fl->tcp.wnd_to_guest)
		return;
	fl->tcp.events |= TCP_EV_WANT_OUT;
	sock_epoll(c, fl, EPOLL_CTL_MOD, EPOLLIN | EPOLLRDHUP | EPOLLOUT);
}

static void queue_ack(struct ctx *c, struct flow *fl)
{
	if (fl->tcp.events & TCP_EV_ACK_PENDING)
		return;
	if (n_ack_batch == ACK_BATCH_MAX) {
		send_ctl(c, fl, TCP_FLAG_ACK, fl->tcp.seq_to_guest);
		return;
	}
	fl->tcp.events |= TCP_EV_ACK_PENDING;
	ack_batch[n_ack_batch++] = flow_idx(fl);
}

/* --- Delayed ACKs (see the theory of operation) ------------------------- */

/* Arms the delayed-ACK timer for DUE_MS on the monotonic clock. */
static void arm_delack_timer(uint64_t due_ms)
{
	struct itimerspec it = {
		.it_value.tv_sec = (time_t)(due_ms / 1000),
		.it_value.tv_nsec = (long)(due_ms % 1000) * 1000000L,
	};

	timerfd_settime(delack_timer, TFD_TIMER_ABSTIME, &it, NULL);
}

/* Whether the ACK of the segment the socket just took from the guest (all
 * of it, in order) may wait for host data: see the theory of operation. */
static bool ack_may_wait(const struct flow *fl, bool psh)
{
	const struct flow_tcp *t = &fl->tcp;
	uint32_t unacked = t->seq_from_guest - t->seq_acked_to_guest;
	uint32_t busy = TCP_EV_ACK_DELAYED | TCP_EV_ACK_PENDING |
			TCP_EV_WANT_OUT;

	return psh && delack_timer >= 0 && (t->events & TCP_EV_INTERACTIVE) &&
	       !(t->events & busy) && unacked <= t->mss_to_guest &&
	       unacked <= t->wnd_to_guest / 2;
}

/* Holds FL's ACK back for TCP_ACK_DELAY_MS.  Returns false when the queue
 * is full: the caller acknowledges at once. */
static bool delay_ack(struct ctx *c, struct flow *fl)
{
	struct delayed_ack *d;

	if (delack_len == ACK_DELAY_QUEUE)
		return false;
	d = &delack_q[(delack_head + delack_len++) % ACK_DELAY_QUEUE];
	d->due_ms = flow_now_ms() + TCP_ACK_DELAY_MS;
	d->idx = flow_idx(fl);
	d->seq = fl->tcp.seq_from_guest;
	d->gen = fl->gen;
	fl->tcp.events |= TCP_EV_ACK_DELAYED;
	if (delack_len == 1)
		arm_delack_timer(d->due_ms);
	c->stats.ack_delayed++;
	return true;
}

/* The flow entry D holds back an ACK for, if that ACK is still owed. */
static struct flow *delayed_ack_owed(const struct delayed_ack *d)
{
	struct flow *fl = flow_at(d->idx);

	if (!fl || fl->type != FLOW_TCP || fl->gen != d->gen ||
	    !(fl->tcp.events & TCP_EV_ACK_DELAYED) ||
	    !seq_lt(fl->tcp.seq_acked_to_guest, d->seq))
		return NULL;
	return fl;
}

void tcp_ack_timer_handler(struct ctx *c)
{
	uint64_t expirations, now_ms = flow_now_ms();

	if (read(delack_timer, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		return;
	while (delack_len && delack_q[delack_head].due_ms <= now_ms) {
		struct flow *fl = delayed_ack_owed(&delack_q[delack_head]);

		delack_head = (delack_head + 1) % ACK_DELAY_QUEUE;
		delack_len--;
		if (!fl)
			continue;
		/* no answer in time: not request/response after all */
		fl->tcp.events &= ~(uint32_t)TCP_EV_INTERACTIVE;
		send_ctl(c, fl, TCP_FLAG_ACK, fl->tcp.seq_to_guest);
		watch_send_space(c, fl);
		c->stats.ack_delay_expired++;
	}
	if (delack_len)
		arm_delack_timer(delack_q[delack_head].due_ms);
	tap_flush(c);
}

int tcp_init(struct ctx *c)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_TCP_ACK_TIMER };
	struct epoll_event ev = { .events = EPOLLIN };
	int rc;

	delack_head = delack_len = 0;
	delack_timer = timerfd_create(CLOCK_MONOTONIC,
				      TFD_NONBLOCK | TFD_CLOEXEC);
	if (delack_timer < 0)
		return -errno;
	ref.fd = delack_timer;
	ev.data.u64 = ref.u64;
	if (epoll_ctl(c->epollfd, EPOLL_CTL_ADD, delack_timer, &ev)) {
		rc = -errno;
		close(delack_timer);
		delack_timer = -1;
		return rc;
	}
	return 0;
}

void tcp_fini(struct ctx *c)
{
	if (delack_timer < 0)
		return;
	epoll_ctl(c->epollfd, EPOLL_CTL_DEL, delack_timer, NULL);
	close(delack_timer);
	delack_timer = -1;
	delack_len = 0;
}

/* --- Host to guest ------------------------------------------------------ */

/* Bytes the guest's window still lets us send. */
static uint32_t window_left(const struct flow *fl)
{
	uint32_t inflight = fl->tcp.seq_to_guest - fl->tcp.seq_acked_by_guest;
	uint32_t wnd = fl->tcp.wnd_from_guest;

	uint32_t cap = (uint32_t)fl->tcp.mss_to_guest * FALLBACK_INFLIGHT_SEGMENTS;

	if (!tcp_peek_offset_usable() && wnd > cap)
		wnd = cap;
	return wnd > inflight ? wnd - inflight : 0;
}

/* Peeks new bytes (after those already sent) into DST.  Returns the new
 * bytes read, 0 at end of data, or a negative errno (-EAGAIN: none). */
static ssize_t peek_new_data(struct flow *fl, const struct iovec *dst,
			     size_t n_dst)
{
	struct iovec iov[DISCARD_IOV + PEEK_MAX_IOV];
	uint32_t already = fl->tcp.seq_to_guest - fl->tcp.seq_acked_by_guest;
	int off = (int)already;
	size_t n_iov = 0, i;
	ssize_t n;

	if (tcp_peek_offset_usable()) {
		/* Set every time: a frame the guest could not take leaves
		 * the kernel's offset ahead of seq_to_guest. */
		if (setsockopt(fl->sock, SOL_SOCKET, SO_PEEK_OFF, &off,
			       sizeof(off)))
			return -errno;
		already = 0;
	}
	if (already > FALLBACK_MAX_INFLIGHT || n_dst > PEEK_MAX_IOV)
		return -EAGAIN; /* cannot happen: the callers cap both */
	for (i = 0; i < already; i += DISCARD_BUF_LEN) {
		iov[n_iov].iov_base = discard_buf;
		iov[n_iov++].iov_len = already - i < DISCARD_BUF_LEN ?
				       already - i : DISCARD_BUF_LEN;
	}
	memcpy(iov + n_iov, dst, n_dst * sizeof(*dst));
	n_iov += n_dst;
	n = recvmsg(fl->sock, &(struct msghdr){ .msg_iov = iov,
						 .msg_iovlen = n_iov },
		    MSG_PEEK | MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	return (size_t)n > already ? n - (ssize_t)already : 0;
}

/* Results of the two output paths, besides a negative errno. */
enum {
	SENT_MORE_LEFT = 0, /* stopped by the window, or the guest's room */
	SENT_DRAINED = 1,   /* everything the socket held went out */
	SENT_GUEST_FULL = 2, /* no frame could be built for the guest now */
};

/* MODE_STREAM: peeks up to WANT bytes at once into static frames and
 * queues them.  Returns SENT_* or a negative errno (-EAGAIN: no data). */
static ssize_t stream_data_to_guest(struct ctx *c, struct flow *fl,
				    uint32_t want)
{
	size_t hdr_len = l4_off_of(fl) + TCP_HDR_LEN, mss = fl->tcp.mss_to_guest;
	struct iovec dst[TCP_FRAMES_PER_PEEK];
	size_t n_dst = 0, left = want, i;
	ssize_t n;

	for (n_dst = 0; left && n_dst < TCP_FRAMES_PER_PEEK; n_dst++) {
		dst[n_dst].iov_base = data_frames[n_dst] + hdr_len;
		dst[n_dst].iov_len = left < mss ? left : mss;
		left -= dst[n_dst].iov_len;
	}
	n = peek_new_data(fl, dst, n_dst);
	for (i = 0; n > 0 && (size_t)n > i * mss; i++) {
		size_t plen = (size_t)n - i * mss < mss ? (size_t)n - i * mss :
							  mss;
		struct iovec piov = { .iov_base = dst[i].iov_base,
				      .iov_len = plen };
		struct payload p = { .iov = &piov, .iovcnt = 1, .len = plen };
		struct iovec frame = { .iov_base = data_frames[i] };
		uint8_t flags = TCP_FLAG_ACK;

		if ((i + 1) * mss >= (size_t)n)
			flags |= TCP_FLAG_PSH;
		frame.iov_len = fill_segment(c, fl, data_frames[i], flags,
					     fl->tcp.seq_to_guest, NULL, 0,
					     &p) + plen;
		if (tap_send_frame(c, &frame, 1))
			return SENT_GUEST_FULL;
		fl->tcp.seq_to_guest += (uint32_t)plen;
	}
	if (n < 0)
		return n;
	return (size_t)n < want ? SENT_DRAINED : SENT_MORE_LEFT;
}

/* The part of reserved frame RF after HDR_LEN bytes, up to LEN bytes, as
 * an iovec in DST (VU_RX_MAX_IOV entries).  Returns the entry count. */
static size_t payload_iov(const struct vu_rx_frame *rf, size_t hdr_len,
			  size_t len, struct iovec *dst)
{
	size_t n = 0, i, skip = hdr_len;

	for (i = 0; i < rf->iovcnt && len; i++) {
		size_t seg = rf->iov[i].iov_len;

		if (skip >= seg) {
			skip -= seg;
			continue;
		}
		dst[n].iov_base = (uint8_t *)rf->iov[i].iov_base + skip;
		dst[n].iov_len = seg - skip < len ? seg - skip : len;
		len -= dst[n++].iov_len;
		skip = 0;
	}
	return n;
}

/* Copies LEN bytes from SRC to the start of IOV (CNT entries, at least
 * LEN bytes in all). */
static void copy_to_iov_start(const struct iovec *iov, size_t cnt,
			      const uint8_t *src, size_t len)
{
	size_t i;

	for (i = 0; i < cnt && len; i++) {
		size_t n = iov[i].iov_len < len ? iov[i].iov_len : len;

		memcpy(iov[i].iov_base, src, n);
		src += n;
		len -= n;
	}
}

/* The most payload one frame to the guest carries: one MSS; with the
 * guest's segmentation offload for the flow's family (TSO over
 * vhost-user), as many whole MSS as fit in one 64 KiB frame, which the
 * guest takes as that many segments. */
static size_t frame_payload_max(const struct flow *fl, unsigned offloads)
{
	size_t mss = fl->tcp.mss_to_guest;
	size_t tso_max = TAP_FRAME_MAX - l4_off_of(fl) - TCP_HDR_LEN;
	unsigned tso = flow_is_v4(fl) ? VU_RX_TSO4 : VU_RX_TSO6;

	if (!(offloads & tso) || !mss || tso_max < mss)
		return mss;
	return tso_max / mss * mss;
}

/* Marks reserved frame O for the guest's offloads: a partial checksum
 * (NEEDS_CSUM, completed from csum_start), and for a frame above one MSS
 * (TSO) segments of the MSS, as virtio requires of them (5.1.6.4).  Not
 * DATA_VALID, although the guest would take it: the checksum field holds
 * only the pseudo-header sum, and a guest forwarding such a frame out of
 * another interface would send that sum as the checksum. */
static void mark_offloads(struct vu_rx_offload *o, const struct flow *fl,
			  size_t plen, unsigned offloads)
{
	if (!(offloads & VU_RX_CSUM))
		return;
	vu_rx_offload_partial_csum(o, l4_off_of(fl), TCP_CSUM_OFFSET,
				   l4_off_of(fl) + TCP_HDR_LEN);
	if (plen <= fl->tcp.mss_to_guest)
		return;
	o->gso_size = fl->tcp.mss_to_guest;
	o->gso_v6 = !flow_is_v4(fl);
}

/* MODE_VU, zero copy: peeks straight into guest RX buffers, one reserved
 * frame at a time, headers written in front (built aside and copied when
 * the first buffer is too short for them).  With the guest's offloads
 * the payload is not summed and a frame holds up to 64 KiB (see
 * frame_payload_max()).  Returns SENT_* or a negative errno (-EAGAIN: no
 * data). */
static ssize_t vu_data_to_guest(struct ctx *c, struct flow *fl, uint32_t want)
{
	static struct vu_rx_frame rf;
	static uint8_t hdr_aside[IP6_L4_OFF + TCP_HDR_LEN];
	unsigned offloads = vu_rx_offloads(c->vdev);
	size_t hdr_len = l4_off_of(fl) + TCP_HDR_LEN;
	size_t max_plen = frame_payload_max(fl, offloads);
	ssize_t n;
	int i;

	for (i = 0; want && i < TCP_FRAMES_PER_PEEK; i++) {
		size_t room = want < max_plen ? want : max_plen;
		ssize_t cap = vu_rx_reserve(c->vdev, &rf, hdr_len + room);
		struct iovec dst[VU_RX_MAX_IOV];
		struct payload p = { .iov = dst,
				     .csum_offloaded = offloads & VU_RX_CSUM };
		bool split_hdr;

		if (cap < 0)
			return SENT_GUEST_FULL; /* no buffers: rx_ready resumes */
		if (rf.iovcnt < 1 || (size_t)cap <= hdr_len) {
			/* Too little room for now: the buffers go back, and
			 * the timer tries again (see flow_timer()). */
			vu_rx_commit(c->vdev, &rf, 0);
			return SENT_GUEST_FULL;
		}
		split_hdr = rf.iov[0].iov_len < hdr_len;
		if ((size_t)cap - hdr_len < room)
			room = (size_t)cap - hdr_len;
		p.iovcnt = payload_iov(&rf, hdr_len, room, dst);
		n = peek_new_data(fl, dst, p.iovcnt);
		if (n <= 0) {
			vu_rx_commit(c->vdev, &rf, 0);
			return n ? n : SENT_DRAINED;
		}
		p.len = (size_t)n;
		fill_segment(c, fl, split_hdr ? hdr_aside : rf.iov[0].iov_base,
			     TCP_FLAG_ACK | ((size_t)n < room ? TCP_FLAG_PSH : 0),
			     fl->tcp.seq_to_guest, NULL, 0, &p);
		if (split_hdr)
			copy_to_iov_start(rf.iov, rf.iovcnt, hdr_aside, hdr_len);
		mark_offloads(&rf.offload, fl, (size_t)n, offloads);
		vu_rx_commit(c->vdev, &rf, hdr_len + (size_t)n);
		c->stats.frames_to_guest++;
		c->stats.bytes_to_guest += hdr_len + (size_t)n;
		fl->tcp.seq_to_guest += (uint32_t)n;
		want -= (uint32_t)n;
		if ((size_t)n < room)
			return SENT_DRAINED;
	}
	return SENT_MORE_LEFT;
}

static void send_fin_if_due(struct ctx *c, struct flow *fl)
{
	uint32_t ev = fl->tcp.events;

	if (!(ev & TCP_EV_SOCK_FIN_RCVD) || (ev & TCP_EV_GUEST_FIN_SENT))
		return;
	if (send_ctl(c, fl, TCP_FLAG_FIN | TCP_FLAG_ACK, fl->tcp.seq_to_guest))
		return;
	fl->tcp.events |= TCP_EV_GUEST_FIN_SENT;
	fl->tcp.seq_to_guest++;
	fl->tcp.data_sent_ms = flow_now_ms();
}

/* WANT bounded by the new bytes FL's socket holds (SIOCINQ counts those
 * peeked and not yet acknowledged too), plus one: a guest RX reservation
 * sized for 64 KiB would pop, and give back, dozens of small merged
 * buffers for a short segment.  The byte more makes the last peek come
 * back short, which tells the socket drained (PSH, and the FIN may
 * follow).  Unchanged when nothing new is known to wait. */
static uint32_t want_bounded_by_waiting(const struct flow *fl, uint32_t want)
{
	uint32_t inflight = fl->tcp.seq_to_guest - fl->tcp.seq_acked_by_guest;
	uint32_t waiting;
	int inq = 0;

	if (ioctl(fl->sock, SIOCINQ, &inq) || inq <= 0 ||
	    (uint32_t)inq <= inflight)
		return want;
	waiting = (uint32_t)inq - inflight;
	return waiting < want ? waiting + 1 : want;
}

/* Sends what the socket holds and the guest's window allows.  Returns
 * false if the flow was closed. */
static bool data_to_guest(struct ctx *c, struct flow *fl)
{
	uint32_t before = fl->tcp.seq_to_guest, want = window_left(fl);
	unsigned offloads = c->mode == MODE_VU && c->vdev ?
			    vu_rx_offloads(c->vdev) : 0;
	uint32_t max = (uint32_t)frame_payload_max(fl, offloads) *
		       TCP_FRAMES_PER_PEEK;
	ssize_t n;

	if (!(fl->tcp.events & TCP_EV_GUEST_SYN_ACKED) ||
	    (fl->tcp.events & TCP_EV_GUEST_FIN_SENT))
		return true;
	if (want > max)
		want = max;
	if (!want)
		return true;

	/* A guest ACK after the socket was drained (a request/response
	 * exchange, every time) finds nothing new: new data would have
	 * brought a socket event.  Skip the peek (and its offset set). */
	if (fl->tcp.events & TCP_EV_SOCK_DRAINED)
		n = SENT_DRAINED;
	else if (c->mode == MODE_VU)
		n = c->vdev ? vu_data_to_guest(c, fl,
					       want_bounded_by_waiting(fl, want)) :
			      SENT_GUEST_FULL;
	else
		n = stream_data_to_guest(c, fl, want);
	if (n < 0 && n != -EAGAIN && n != -EWOULDBLOCK) {
		flow_reset(c, fl);
		return false;
	}
	/* The guest's buffers stopped us: rx_ready may come, and if it does
	 * not (no notification asked for, buffers too small), the timer
	 * tries again. */
	if (n == SENT_GUEST_FULL)
		fl->tcp.events |= TCP_EV_GUEST_RX_FULL;
	else
		fl->tcp.events &= ~(uint32_t)TCP_EV_GUEST_RX_FULL;
	if (n == SENT_DRAINED || n < 0)
		fl->tcp.events |= TCP_EV_SOCK_DRAINED;
	if (fl->tcp.seq_to_guest != before) {
		uint64_t now_ms = flow_now_ms();

		fl->tcp.data_sent_ms = fl->tcp.active_ms = now_ms;
		/* the host answers the guest: its ACKs may wait for data */
		if (now_ms - fl->tcp.data_from_guest_ms <= TCP_ACK_DELAY_MS)
			fl->tcp.events |= TCP_EV_INTERACTIVE;
	}
	/* Everything before the host's FIN is out: the FIN may follow. */
	if (n == SENT_DRAINED)
		send_fin_if_due(c, fl);
	return true;
}

/* Drops from the socket the data the guest acknowledged up to ACK. */
static int discard_acked(struct flow *fl, uint32_t ack)
{
	uint32_t data_end = fl->tcp.seq_to_guest;
	uint32_t len;
	int i;

	if (fl->tcp.events & TCP_EV_GUEST_FIN_SENT)
		data_end--; /* the FIN takes a sequence number, not a byte */
	if (seq_lt(data_end, ack))
		ack = data_end;
	len = ack - fl->tcp.seq_acked_by_guest;
	for (i = 0; len && i < 8; i++) {
		ssize_t n = recv(fl->sock, NULL, len, MSG_TRUNC | MSG_DONTWAIT);

		if (n <= 0)
			return n ? -errno : -EIO;
		len -= (uint32_t)n;
	}
	return len ? -EIO : 0;
}

/* Rewinds to the first unacknowledged byte: it is sent again next. */
static void rewind_to_acked(struct flow *fl)
{
	uint32_t data_end = fl->tcp.seq_to_guest;

	if ((fl->tcp.events & TCP_EV_GUEST_FIN_SENT) &&
	    !(fl->tcp.events & TCP_EV_GUEST_FIN_ACKED)) {
		fl->tcp.events &= ~(uint32_t)TCP_EV_GUEST_FIN_SENT;
		data_end--; /* a FIN acknowledged now would be one unsent */
	}
	if (seq_lt(fl->tcp.seq_max_to_guest, data_end))
		fl->tcp.seq_max_to_guest = data_end;
	fl->tcp.seq_to_guest = fl->tcp.seq_acked_by_guest;
	fl->tcp.dup_acks = 0;
	fl->tcp.events &= ~(uint32_t)TCP_EV_SOCK_DRAINED; /* peek again */
}

/* The guest acknowledged ACK with window WND.  Returns false if the flow
 * was closed. */
static bool guest_acked(struct ctx *c, struct flow *fl, uint32_t ack,
			uint32_t wnd, bool pure_ack)
{
	struct flow_tcp *t = &fl->tcp;
	bool dup = pure_ack && ack == t->seq_acked_by_guest &&
		   wnd == t->wnd_from_guest && ack != t->seq_to_guest;

	if (!seq_lt(t->seq_to_guest, t->seq_max_to_guest))
		t->seq_max_to_guest = t->seq_to_guest;
	if (seq_lt(t->seq_max_to_guest, ack))
		return true; /* acknowledges what we never sent: ignore */
	if (seq_lt(t->seq_to_guest, ack)) {
		/* Sent before a rewind, and the guest had it after all:
		 * ignoring this ACK would have every later one ignored too,
		 * until the retransmission got past it, while the timer
		 * rewound again (a slow guest got reset that way). */
		t->seq_to_guest = ack;
	}
	if (seq_lt(t->seq_acked_by_guest, ack)) {
		if (discard_acked(fl, ack)) {
			flow_reset(c, fl);
			return false;
		}
		if ((t->events & TCP_EV_GUEST_FIN_SENT) &&
		    ack == t->seq_to_guest)
			t->events |= TCP_EV_GUEST_FIN_ACKED;
		t->seq_acked_by_guest = ack;
		t->dup_acks = 0;
		t->retries = 0;
	} else if (dup && ++t->dup_acks == TCP_DUP_ACKS_RETRANSMIT) {
		rewind_to_acked(fl);
	}
	t->wnd_from_guest = wnd;
	if (wnd)
		t->probes = 0;
	return data_to_guest(c, fl);
}

/* --- Guest to host ------------------------------------------------------ */

/* Hands the guest's payload to the socket; acknowledges what it took,
 * at the batch end or, for the last segment of a request (PSH), maybe a
 * little later (see "Delayed ACKs" above). */
static bool data_from_guest(struct ctx *c, struct flow *fl,
			    const struct tap_frame *f, uint32_t seq,
			    size_t plen, bool psh)
{
	struct iovec iov[TCP_MAX_IOV];
	uint32_t skip = fl->tcp.seq_from_guest - seq;
	ssize_t n;
	int n_iov;

	/* Nothing follows a FIN (RFC 9293 3.10.7.4: ignore it); the socket
	 * is shut down for writing and would fail, resetting both ways.  A
	 * gap or a repeat earns a duplicate ACK, at once. */
	if (seq_lt(fl->tcp.seq_from_guest, seq) || skip >= plen ||
	    (fl->tcp.events & TCP_EV_GUEST_FIN_RCVD)) {
		queue_ack(c, fl);
		return true;
	}
	n_iov = tap_frame_iov_from(f, f->payload_off + skip,
				   f->payload_off + plen, iov, TCP_MAX_IOV);
	if (n_iov < 0) {
		queue_ack(c, fl);
		ctx_drop(c, DROP_BAD_L4);
		return true;
	}
	n = sendmsg(fl->sock, &(struct msghdr){ .msg_iov = iov,
						 .msg_iovlen = (size_t)n_iov },
		    MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
		flow_reset(c, fl);
		return false;
	}
	if (n < 0)
		n = 0;
	if (n)
		fl->tcp.data_from_guest_ms = flow_now_ms();
	fl->tcp.seq_from_guest += (uint32_t)n;
	if (!skip && (size_t)n == plen && ack_may_wait(fl, psh) &&
	    delay_ack(c, fl))
		return true;
	queue_ack(c, fl);
	if ((size_t)n < plen - skip && !(fl->tcp.events & TCP_EV_WANT_OUT)) {
		/* Tell the guest when there is room again. */
		fl->tcp.events |= TCP_EV_WANT_OUT;
		sock_epoll(c, fl, EPOLL_CTL_MOD,
			   EPOLLIN | EPOLLRDHUP | EPOLLOUT);
	}
	return true;
}

static void fin_from_guest(struct ctx *c, struct flow *fl, uint32_t fin_seq)
{
	if (fl->tcp.events & TCP_EV_GUEST_FIN_RCVD) {
		queue_ack(c, fl); /* a repeat: our ACK of it was lost */
		return;
	}
	if (fin_seq != fl->tcp.seq_from_guest)
		return; /* data before it is still missing */
	shutdown(fl->sock, SHUT_WR);
	fl->tcp.events |= TCP_EV_GUEST_FIN_RCVD;
	fl->tcp.seq_from_guest++;
	queue_ack(c, fl);
}

/* --- Opening ------------------------------------------------------------ */

struct syn_opts {
	uint16_t mss;
	int wscale; /* -1: no window scale option */
};

/* Reads MSS and window scale from the options of the SYN in F. */
static void parse_syn_opts(const struct tap_frame *f, struct syn_opts *o)
{
	const uint8_t *p = f->hdr + f->l4_off + TCP_HDR_LEN;
	const uint8_t *end = f->hdr + f->payload_off;

	o->mss = MSS_WITHOUT_OPTION;
	o->wscale = -1;
	while (p < end && *p != TCP_OPT_END) {
		if (*p == TCP_OPT_NOP) {
			p++;
			continue;
		}
		if (end - p < 2 || p[1] < 2 || p[1] > end - p)
			break;
		if (p[0] == TCP_OPT_MSS && p[1] == 4 && ip_get_be16(p + 2))
			o->mss = ip_get_be16(p + 2);
		if (p[0] == TCP_OPT_WS && p[1] == 3)
			o->wscale = p[2] > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : p[2];
		p += p[1];
	}
}

/* The largest payload we put in one frame for the guest. */
static uint16_t mss_for_guest(const struct ctx *c, int af, uint16_t guest_mss)
{
	size_t mtu = c->mtu > 0 ? (size_t)c->mtu : TCP_MTU_DEFAULT;
	size_t l3 = af == AF_INET ? 20 : IP6_HDR_LEN;
	size_t mss = mtu - l3 - TCP_HDR_LEN;

	if (mss > TAP_FRAME_MAX - ETH_HDR_LEN - l3 - TCP_HDR_LEN)
		mss = TAP_FRAME_MAX - ETH_HDR_LEN - l3 - TCP_HDR_LEN;
	return (uint16_t)(guest_mss < mss ? guest_mss : mss);
}

/* Options every host socket of a flow gets, connected or accepted:
 * keepalive, so a host peer that vanished without a FIN or RST is found
 * by the kernel (within tcp_keepalive_time) instead of only by our
 * inactivity timeout. */
static void sock_set_options(int s)
{
	int one = 1;

	probe_peek_offset(s);
	setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
}

static int open_socket(struct ctx *c, struct flow *fl,
		       const union flow_sockaddr *dst, socklen_t dst_len)
{
	int s, rc = 0;

	s = socket(dst->sa.sa_family,
		   SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (s < 0)
		return -errno;
	fl->sock = s;
	sock_set_options(s);
	rc = flow_bind_outbound(c, s, dst, 0);
	if (!rc && connect(s, &dst->sa, dst_len) < 0 && errno != EINPROGRESS)
		rc = -errno;
	if (!rc)
		rc = sock_epoll(c, fl, EPOLL_CTL_ADD, EPOLLOUT | EPOLLRDHUP);
	if (rc) {
		close(s);
		fl->sock = -1;
	}
	return rc;
}

/* A SYN from the guest for a new connection. */
static void conn_from_guest(struct ctx *c, const struct tap_frame *f,
			    const struct flow_key *key, uint32_t seq,
			    uint16_t wnd)
{
	union flow_sockaddr dst;
	socklen_t dst_len = flow_host_sockaddr(c, key, &dst);
	struct syn_opts o;
	struct flow *fl;
	uint32_t isn;

	fl = dst_len ? flow_new(key, FLOW_TCP) : NULL;
	if (!fl) {
		ctx_drop(c, dst_len ? DROP_NO_FLOW : DROP_UNHANDLED);
		send_rst_reply(c, f, seq, 0, TCP_FLAG_SYN, 0);
		return;
	}
	parse_syn_opts(f, &o);
	if (getrandom(&isn, sizeof(isn), GRND_NONBLOCK) != sizeof(isn))
		isn = (uint32_t)flow_now_ms() * 64000U;
	fl->af = (uint8_t)f->family;
	fl->tcp.events = TCP_EV_GUEST_SYN;
	fl->tcp.seq_from_guest = seq + 1;
	fl->tcp.seq_to_guest = fl->tcp.seq_acked_by_guest = isn;
	fl->tcp.seq_max_to_guest = isn;
	fl->tcp.wnd_from_guest = wnd; /* never scaled in a SYN */
	fl->tcp.mss_to_guest = mss_for_guest(c, f->family, o.mss);
	fl->tcp.wscale_from_guest = o.wscale < 0 ? 0 : (uint8_t)o.wscale;
	fl->tcp.wscale_to_guest = o.wscale < 0 ? 0 : TCP_WSCALE_TO_GUEST;
	fl->tcp.active_ms = flow_now_ms();
	if (open_socket(c, fl, &dst, dst_len)) {
		ctx_drop(c, DROP_HOST_ERROR);
		flow_reset(c, fl);
	}
}

/* The host socket of FL finished connecting (or failed to). */
static void sock_connected(struct ctx *c, struct flow *fl)
{
	union flow_sockaddr peer;
	socklen_t peer_len = sizeof(peer);
	int err = 0;
	socklen_t sl = sizeof(err);

	if (getsockopt(fl->sock, SOL_SOCKET, SO_ERROR, &err, &sl))
		err = errno;
	if (!err && getpeername(fl->sock, &peer.sa, &peer_len) &&
	    errno == ENOTCONN)
		return; /* still in progress: the event was another socket's,
			 * from a batch where this slot and fd were reused */
	if (err || sock_epoll(c, fl, EPOLL_CTL_MOD, EPOLLIN | EPOLLRDHUP)) {
		/* refused or unreachable: tell the guest now */
		flow_reset(c, fl);
		return;
	}
	fl->tcp.events |= TCP_EV_ESTABLISHED;
	send_ctl(c, fl, TCP_FLAG_SYN | TCP_FLAG_ACK, fl->tcp.seq_to_guest);
	fl->tcp.seq_to_guest++;
	fl->tcp.seq_acked_by_guest = fl->tcp.seq_to_guest;
	fl->tcp.data_sent_ms = fl->tcp.active_ms = flow_now_ms();
}

/* --- Inbound (-t) ------------------------------------------------------- */

/* The listening sockets of the forwarded ports. */
static struct flow_listeners listeners;

/* When accept4() runs out of descriptors (EMFILE, ENFILE), the connection
 * stays in the listen queue and the level-triggered listener would wake
 * the loop again at once, for as long as the shortage lasts.  Instead the
 * listener stops asking for EPOLLIN, and the timer turns it back on after
 * ACCEPT_PAUSE_MS: the waiting clients are accepted then, or when they
 * give up, the kernel drops them. */
#define ACCEPT_PAUSE_MS 1000
#define ACCEPT_PAUSE_LOG_INTERVAL_MS 60000
/* Each listener resumes ACCEPT_PAUSE_MS after its own pause; this is the
 * earliest pause still on (0: none), so that the timer looks through the
 * listeners only when one is due. */
static uint64_t accept_paused_ms;
static uint64_t accept_pause_logged_ms;

/* Sets the events listener IDX (of listeners) asks for. */
static int listener_epoll(struct ctx *c, unsigned idx, uint32_t events)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_TCP_LISTEN, .idx = idx,
				.fd = listeners.l[idx].fd };
	struct epoll_event ev = { .events = events, .data.u64 = ref.u64 };

	return epoll_ctl(c->epollfd, EPOLL_CTL_MOD, ref.fd, &ev) ? -errno : 0;
}

/* Out of descriptors while accepting on listener IDX: pause it (see
 * above). */
static void pause_listener(struct ctx *c, unsigned idx, int err)
{
	uint64_t now_ms = flow_now_ms();

	c->stats.accept_no_fd++;
	listener_epoll(c, idx, 0);
	listeners.l[idx].paused_ms = now_ms ? now_ms : 1;
	if (!accept_paused_ms)
		accept_paused_ms = listeners.l[idx].paused_ms;
	if (!accept_pause_logged_ms ||
	    now_ms - accept_pause_logged_ms >= ACCEPT_PAUSE_LOG_INTERVAL_MS) {
		warn("TCP port %u: cannot accept: %s; pausing it",
		     listeners.l[idx].port, strerror(err));
		accept_pause_logged_ms = now_ms ? now_ms : 1;
	}
}

/* The listeners whose pause is over (at NOW_MS) ask for EPOLLIN again. */
static void resume_listeners(struct ctx *c, uint64_t now_ms)
{
	uint64_t earliest = 0;

	if (!accept_paused_ms || now_ms < accept_paused_ms + ACCEPT_PAUSE_MS)
		return;
	for (unsigned i = 0; i < listeners.n; i++) {
		struct flow_listener *l = &listeners.l[i];

		if (!l->paused_ms)
			continue;
		if (now_ms >= l->paused_ms + ACCEPT_PAUSE_MS) {
			l->paused_ms = 0;
			listener_epoll(c, i, EPOLLIN);
		} else if (!earliest || l->paused_ms < earliest) {
			earliest = l->paused_ms;
		}
	}
	accept_paused_ms = earliest;
}

/* Ends an accepted connection we cannot give the guest. */
static void refuse_accepted(int s)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(s);
}

/* Host connection S, from PEER to forwarded host PORT: SYN to the guest. */
static void conn_from_host(struct ctx *c, int s,
			   const union flow_sockaddr *peer, unsigned port)
{
	union flow_ipaddr raddr, gaddr;
	struct flow_key key;
	struct flow *fl = NULL;
	uint16_t rport = 0;
	uint32_t isn;
	int af = flow_inbound_addrs(c, peer, &gaddr, &raddr, &rport);

	if (af) {
		flow_key_set(&key, IPPROTO_TCP, af, &gaddr,
			     (uint16_t)fwd_guest_port(&c->tcp_fwd, port),
			     &raddr, rport);
		fl = flow_lookup(&key) ? NULL : flow_new(&key, FLOW_TCP);
	}
	if (!fl) {
		ctx_drop(c, DROP_NO_FLOW);
		refuse_accepted(s);
		return;
	}
	if (getrandom(&isn, sizeof(isn), GRND_NONBLOCK) != sizeof(isn))
		isn = (uint32_t)flow_now_ms() * 64000U;
	fl->sock = s;
	fl->af = (uint8_t)af;
	fl->tcp.events = TCP_EV_SOCK_ACCEPTED;
	fl->tcp.mss_to_guest = mss_for_guest(c, af, UINT16_MAX);
	fl->tcp.wscale_to_guest = TCP_WSCALE_TO_GUEST;
	fl->tcp.seq_to_guest = fl->tcp.seq_max_to_guest = isn;
	sock_set_options(s);
	if (sock_epoll(c, fl, EPOLL_CTL_ADD, EPOLLIN | EPOLLRDHUP)) {
		flow_close(c, fl, true);
		return;
	}
	send_ctl(c, fl, TCP_FLAG_SYN, isn);
	fl->tcp.seq_to_guest = fl->tcp.seq_acked_by_guest = isn + 1;
	fl->tcp.data_sent_ms = fl->tcp.active_ms = flow_now_ms();
}

int tcp_listen_init(struct ctx *c)
{
	return flow_listen_forwarded(c, &c->tcp_fwd, SOCK_STREAM,
				     EPOLL_TYPE_TCP_LISTEN, &listeners);
}

void tcp_listen_close(struct ctx *c)
{
	flow_listen_close(c, &listeners);
	accept_paused_ms = 0;
}

void tcp_listen_handler(struct ctx *c, union epoll_ref ref, uint32_t events)
{
	const struct flow_listener *l = flow_listener_at(&listeners, ref.idx,
							 ref.fd);
	int i;

	if (!l)
		return;
	for (i = 0; i < ACCEPTS_PER_EVENT; i++) {
		union flow_sockaddr peer;
		socklen_t sl = sizeof(peer);
		int s = accept4(ref.fd, &peer.sa, &sl,
				SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (s < 0) {
			if (errno == EMFILE || errno == ENFILE)
				pause_listener(c, ref.idx, errno);
			break;
		}
		if (c->no_tcp) {
			refuse_accepted(s);
			continue;
		}
		conn_from_host(c, s, &peer, l->port);
	}
	tap_flush(c);
}

/* --- Guest segments ----------------------------------------------------- */

static bool tcp_checksum_ok(const struct tap_frame *f)
{
	struct iovec iov[TCP_MAX_IOV];
	uint32_t sum;
	int n = tap_frame_iov_from(f, f->l4_off, f->l4_off + f->l4_len, iov,
				   TCP_MAX_IOV);

	if (n < 0)
		return false;
	if (f->family == AF_INET)
		sum = csum_add_pseudo4(0, f->saddr.a4, f->daddr.a4,
				       IPPROTO_TCP, f->l4_len);
	else
		sum = csum_add_pseudo6(0, &f->saddr.a6, &f->daddr.a6,
				       IPPROTO_TCP, f->l4_len);
	return csum_fold(csum_add_iov(sum, iov, (size_t)n, f->l4_len)) == 0;
}

/* The guest's SYN-ACK for an inbound connection (our SYN at
 * seq_to_guest - 1): the connection is established both ways. */
static void synack_from_guest(struct ctx *c, struct flow *fl,
			      const struct tap_frame *f, uint32_t seq,
			      uint32_t ack, uint16_t wnd_raw)
{
	struct flow_tcp *t = &fl->tcp;
	struct syn_opts o;

	parse_syn_opts(f, &o);
	t->seq_from_guest = seq + 1;
	t->seq_acked_by_guest = ack;
	t->wnd_from_guest = wnd_raw; /* never scaled in a SYN */
	t->mss_to_guest = mss_for_guest(c, f->family, o.mss);
	/* Scaling holds only if both sides offered it (RFC 7323). */
	t->wscale_from_guest = o.wscale < 0 ? 0 : (uint8_t)o.wscale;
	if (o.wscale < 0)
		t->wscale_to_guest = 0;
	t->events |= TCP_EV_ESTABLISHED | TCP_EV_GUEST_SYN_ACKED;
	t->retries = 0;
	queue_ack(c, fl);
	data_to_guest(c, fl); /* the host may have written already */
}

/* A SYN on an existing flow: a repeated SYN (our SYN-ACK was lost), or
 * the guest's SYN-ACK (or a repeat of it) for an inbound connection. */
static void syn_for_flow(struct ctx *c, struct flow *fl,
			 const struct tap_frame *f, uint8_t flags, uint32_t seq,
			 uint32_t ack, uint16_t wnd_raw)
{
	uint32_t ev = fl->tcp.events;

	if (!(ev & TCP_EV_SOCK_ACCEPTED) && !(flags & TCP_FLAG_ACK) &&
	    seq != fl->tcp.seq_from_guest - 1 && (ev & TCP_EV_GUEST_SYN_ACKED)) {
		/* A new connection on the same ports (a rebooted guest):
		 * the old one is over. */
		struct flow_key key = fl->key;

		flow_close(c, fl, true);
		conn_from_guest(c, f, &key, seq, wnd_raw);
		return;
	}
	if (!(ev & TCP_EV_SOCK_ACCEPTED)) {
		if ((ev & TCP_EV_ESTABLISHED) && !(ev & TCP_EV_GUEST_SYN_ACKED))
			send_ctl(c, fl, TCP_FLAG_SYN | TCP_FLAG_ACK,
				 fl->tcp.seq_to_guest - 1);
		return;
	}
	if (!(flags & TCP_FLAG_ACK))
		return;
	if (!(ev & TCP_EV_ESTABLISHED) && ack == fl->tcp.seq_to_guest)
		synack_from_guest(c, fl, f, seq, ack, wnd_raw);
	else if (ev & TCP_EV_ESTABLISHED)
		queue_ack(c, fl); /* our ACK of it was lost */
}

/* A segment for an existing connection. */
static void segment_for_flow(struct ctx *c, struct flow *fl,
			     const struct tap_frame *f, uint8_t flags,
			     uint32_t seq, uint32_t ack, uint16_t wnd_raw,
			     size_t plen)
{
	uint32_t wnd = (uint32_t)wnd_raw << fl->tcp.wscale_from_guest;

	/* Before the host connect() completed, active_ms stays the time of
	 * the guest's first SYN: the connect timeout runs from there, not
	 * from its latest retransmission. */
	if (fl->tcp.events & TCP_EV_ESTABLISHED)
		fl->tcp.active_ms = flow_now_ms();
	if (flags & TCP_FLAG_RST) {
		flow_close(c, fl, true);
		return;
	}
	if (flags & TCP_FLAG_SYN) {
		syn_for_flow(c, fl, f, flags, seq, ack, wnd_raw);
		return;
	}
	if (!(fl->tcp.events & TCP_EV_ESTABLISHED) || !(flags & TCP_FLAG_ACK))
		return;
	if (!(fl->tcp.events & TCP_EV_GUEST_SYN_ACKED)) {
		if (ack != fl->tcp.seq_to_guest)
			return;
		fl->tcp.events |= TCP_EV_GUEST_SYN_ACKED;
	}
	if (plen && !data_from_guest(c, fl, f, seq, plen,
				     flags & TCP_FLAG_PSH))
		return;
	if (flags & TCP_FLAG_FIN)
		fin_from_guest(c, fl, seq + (uint32_t)plen);
	if (!guest_acked(c, fl, ack, wnd, !plen && !(flags & TCP_FLAG_FIN)))
		return;
	if (flow_done(fl)) {
		/* flush the final ACK before the flow goes */
		if (fl->tcp.events & TCP_EV_ACK_PENDING)
			send_ctl(c, fl, TCP_FLAG_ACK, fl->tcp.seq_to_guest);
		fl->tcp.events &= ~(uint32_t)TCP_EV_ACK_PENDING;
		flow_close(c, fl, false);
	}
}

int tcp_tap_handler(struct ctx *c, const struct tap_frame *f)
{
	const uint8_t *th = f->hdr + f->l4_off;
	struct flow_key key;
	struct flow *fl;
	uint32_t seq, ack;
	uint8_t flags;
	size_t plen;

	if (f->payload_off > f->hdr_len || f->payload_off < f->l4_off +
	    TCP_HDR_LEN || f->payload_off > f->l4_off + f->l4_len) {
		ctx_drop(c, DROP_BAD_L4);
		return -1;
	}
	if (!f->csum_valid && !tcp_checksum_ok(f)) {
		ctx_drop(c, DROP_BAD_CSUM);
		return -1;
	}
	flow_guest_addr_seen(c, f->family, &f->saddr);
	seq = ip_get_be32(th + 4);
	ack = ip_get_be32(th + 8);
	flags = th[13];
	plen = f->l4_off + f->l4_len - f->payload_off;

	flow_key_set(&key, IPPROTO_TCP, f->family, &f->saddr, f->sport,
		     &f->daddr, f->dport);
	fl = flow_lookup(&key);
	if (fl)
		segment_for_flow(c, fl, f, flags, seq, ack,
				 ip_get_be16(th + 14), plen);
	else if ((flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) ==
		 TCP_FLAG_SYN)
		conn_from_guest(c, f, &key, seq, ip_get_be16(th + 14));
	else
		send_rst_reply(c, f, seq, ack, flags, plen);
	tap_flush(c);
	return 0;
}

void tcp_batch_done(struct ctx *c)
{
	unsigned i;

	for (i = 0; i < n_ack_batch; i++) {
		struct flow *fl = flow_at(ack_batch[i]);

		if (!fl || fl->type != FLOW_TCP ||
		    !(fl->tcp.events & TCP_EV_ACK_PENDING))
			continue;
		fl->tcp.events &= ~(uint32_t)TCP_EV_ACK_PENDING;
		send_ctl(c, fl, TCP_FLAG_ACK, fl->tcp.seq_to_guest);
		watch_send_space(c, fl);
	}
	n_ack_batch = 0;
	tap_flush(c);
}

/* --- Host socket events and timers -------------------------------------- */

void tcp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events)
{
	struct flow *fl = flow_at(ref.idx);

	/* An event of a flow closed earlier in this batch is stale: its
	 * slot (and descriptor number) may belong to a new flow by now. */
	if (!fl || fl->type != FLOW_TCP || fl->gen != ref.gen)
		return;
	if (!(fl->tcp.events & TCP_EV_ESTABLISHED)) {
		if (!(fl->tcp.events & TCP_EV_SOCK_ACCEPTED))
			sock_connected(c, fl);
		else if (events & (EPOLLERR | EPOLLHUP))
			flow_reset(c, fl);
		else if (events & EPOLLRDHUP)
			fl->tcp.events |= TCP_EV_SOCK_FIN_RCVD;
		/* data waits in the socket for the guest's SYN-ACK */
		goto out;
	}
	if (events & EPOLLERR) {
		flow_reset(c, fl);
		goto out;
	}
	fl->tcp.active_ms = flow_now_ms();
	fl->tcp.events &= ~(uint32_t)TCP_EV_SOCK_DRAINED; /* maybe new data */
	if (events & (EPOLLRDHUP | EPOLLHUP))
		fl->tcp.events |= TCP_EV_SOCK_FIN_RCVD;
	if ((events & EPOLLOUT) && (fl->tcp.events & TCP_EV_WANT_OUT)) {
		fl->tcp.events &= ~(uint32_t)TCP_EV_WANT_OUT;
		if (sock_epoll(c, fl, EPOLL_CTL_MOD, EPOLLIN | EPOLLRDHUP)) {
			flow_reset(c, fl);
			goto out;
		}
		send_ctl(c, fl, TCP_FLAG_ACK, fl->tcp.seq_to_guest);
	}
	data_to_guest(c, fl);
out:
	tap_flush(c);
}

/* Whether FL has host data waiting for the guest's window to open. */
static bool zero_window_with_data(const struct flow *fl)
{
	int queued = 0;

	if (fl->tcp.wnd_from_guest ||
	    (fl->tcp.events & TCP_EV_GUEST_FIN_SENT))
		return false;
	return !ioctl(fl->sock, SIOCINQ, &queued) && queued > 0;
}

/* How long unacknowledged data waits for the guest's ACK before it is
 * sent again: TCP_RTO_MS, doubled at each retransmission without an ACK
 * in between (RFC 6298 5.5), as a fixed second gave a guest that could
 * not run for six seconds a reset. */
uint64_t tcp_data_rto_ms(unsigned retries)
{
	return (uint64_t)TCP_RTO_MS << (retries < TCP_MAX_RETRIES ?
					retries : TCP_MAX_RETRIES);
}

/* Interval before zero-window probe number PROBES (0: the first). */
static uint64_t probe_interval_ms(unsigned probes)
{
	uint64_t ms = (uint64_t)TCP_RTO_MS << (probes < 16 ? probes : 16);

	return ms < TCP_PROBE_MAX_INTERVAL_MS ? ms : TCP_PROBE_MAX_INTERVAL_MS;
}

/* Timeouts of one flow at NOW_MS. */
static void flow_timer(struct ctx *c, struct flow *fl, uint64_t now_ms)
{
	struct flow_tcp *t = &fl->tcp;
	bool unacked = t->seq_to_guest != t->seq_acked_by_guest;

	if (!(t->events & TCP_EV_ESTABLISHED) &&
	    (t->events & TCP_EV_SOCK_ACCEPTED)) {
		/* our SYN to the guest is unanswered */
		if (now_ms - t->data_sent_ms < TCP_RTO_MS)
			return;
		if (++t->retries > TCP_MAX_RETRIES) {
			flow_reset(c, fl);
			return;
		}
		send_ctl(c, fl, TCP_FLAG_SYN, t->seq_to_guest - 1);
		t->data_sent_ms = now_ms;
		return;
	}
	if (!(t->events & TCP_EV_ESTABLISHED)) {
		if (now_ms - t->active_ms >= TCP_CONNECT_TIMEOUT_MS)
			flow_reset(c, fl);
		return;
	}
	if (now_ms - t->active_ms >= TCP_IDLE_TIMEOUT_MS) {
		flow_reset(c, fl);
		return;
	}
	if (!(t->events & TCP_EV_GUEST_SYN_ACKED)) {
		if (now_ms - t->data_sent_ms < TCP_RTO_MS)
			return;
		if (++t->retries > TCP_MAX_RETRIES) {
			flow_reset(c, fl);
			return;
		}
		send_ctl(c, fl, TCP_FLAG_SYN | TCP_FLAG_ACK,
			 t->seq_to_guest - 1);
		t->data_sent_ms = now_ms;
		return;
	}
	if (unacked &&
	    now_ms - t->data_sent_ms >= tcp_data_rto_ms(t->retries)) {
		if (++t->retries > TCP_MAX_RETRIES) {
			flow_reset(c, fl);
			return;
		}
		rewind_to_acked(fl);
		t->data_sent_ms = now_ms;
		data_to_guest(c, fl);
	} else if (t->events & TCP_EV_GUEST_RX_FULL) {
		data_to_guest(c, fl);
	} else if (!unacked &&
		   now_ms - t->data_sent_ms >= probe_interval_ms(t->probes) &&
		   zero_window_with_data(fl)) {
		/* The guest's window update may have been lost: probe with
		 * an old sequence number, as Linux does; the guest answers
		 * with an ACK that carries its window. */
		send_ctl(c, fl, TCP_FLAG_ACK, t->seq_to_guest - 1);
		t->data_sent_ms = now_ms;
		if (t->probes < UINT8_MAX)
			t->probes++;
	}
}

void tcp_timer(struct ctx *c, const struct timespec *now)
{
	uint64_t now_ms = flow_timespec_ms(now);
	unsigned i;

	resume_listeners(c, now_ms);
	for (i = 0; i < flow_end(); i++) {
		struct flow *fl = flow_at(i);

		if (fl && fl->type == FLOW_TCP)
			flow_timer(c, fl, now_ms);
	}
	tap_flush(c);
}

void tcp_guest_rx_ready(struct ctx *c)
{
	unsigned i;

	for (i = 0; i < flow_end(); i++) {
		struct flow *fl = flow_at(i);

		if (fl && fl->type == FLOW_TCP)
			data_to_guest(c, fl);
	}
	tap_flush(c);
}

void tcp_close_all(struct ctx *c)
{
	unsigned i;

	for (i = 0; i < flow_end(); i++) {
		struct flow *fl = flow_at(i);

		if (fl && fl->type == FLOW_TCP)
			flow_reset(c, fl);
	}
	n_ack_batch = 0;
	delack_len = 0;
	tap_flush(c);
}
