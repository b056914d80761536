// SPDX-License-Identifier: GPL-2.0-or-later
/* TCP state machine: each transition of a guest connection, including the
 * unusual ones a real guest produces under loss, races and full buffers:
 * repeated SYNs, connect timeouts, out-of-window segments, zero windows,
 * a RST from either side in each state, crossing FINs, duplicate ACKs,
 * and a forwarded (-t) connection before the guest has answered.
 *
 * The test plays the guest (test_tcp_guest.h) over the real stream
 * transport; the host peer is a loopback socket the test owns.  Every
 * case checks what the guest receives (flags, sequence and ACK numbers,
 * window, checksums: ft_tcp_parse() verifies them), what the host socket
 * sees (data, EOF, reset: its TCP state), and the flow table. */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/epoll_ref.h"
#include "backend/flow.h"
#include "backend/fwd.h"
#include "backend/tcp.h"
#include "tests/backend/test_tcp_guest.h"
#include "tests/harness.h"

/* How long "nothing happens" is watched for. */
#define QUIET_MS 200
/* Small socket buffers make the host socket full after a few segments. */
#define SMALL_BUF 4096
/* Guest segments sent at once, ignoring vunetd's window. */
#define BURST_SEGMENTS 64

static uint8_t pattern[1 << 20];

static void fill_pattern(void)
{
	size_t i;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 29 + (i >> 10));
}

/* Open file descriptors of this process (host sockets included). */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static bool have_peek_offset(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), zero = 0;
	bool ok = s >= 0 &&
		  !setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero));

	if (s >= 0)
		close(s);
	return ok;
}

static bool have_loopback(int af)
{
	uint16_t port;
	int s = ft_listen_tcp(af, &port);

	if (s >= 0)
		close(s);
	return s >= 0;
}

/* --- Opening: repeated SYNs, connect timeout, stale events -------------- */

/* A guest SYN towards a destination whose connect() stays in progress. */
struct pending {
	struct tg_conn cn;
	int filler;
};

/* The destination only.  Returns 0 or -1. */
static int prepare_pending(struct pending *p)
{
	memset(p, 0, sizeof(*p));
	if (tg_init(&p->cn, AF_INET))
		return -1;
	close(p->cn.listener);
	p->cn.listener = tg_blocked_listener(AF_INET, &p->cn.port, &p->filler);
	return p->cn.listener < 0 ? -1 : 0;
}

static int start_pending_connect(struct ctx *c, struct pending *p)
{
	if (prepare_pending(p))
		return -1;
	tg_send_syn(c, &p->cn);
	return tg_flow(&p->cn) ? 0 : -1;
}

TEST(connecting_flow_answers_nothing_until_the_host_connects)
{
	struct ctx c;
	struct pending p;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(start_pending_connect(&c, &p), 0);
	CHECK(tg_quiet(&c, QUIET_MS));
	CHECK_INT(flow_count(), 1);
	tcp_close_all(&c);
}

TEST(duplicate_syn_while_connecting_opens_no_second_socket)
{
	struct ctx c;
	struct pending p;
	int fds, sock;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(start_pending_connect(&c, &p), 0);
	sock = tg_flow(&p.cn)->sock;
	fds = open_fds();
	tg_send_syn(&c, &p.cn);
	tg_send_syn(&c, &p.cn);
	CHECK_INT(flow_count(), 1);
	CHECK_INT(tg_flow(&p.cn)->sock, sock);
	CHECK_INT(open_fds(), fds);
	CHECK(tg_quiet(&c, QUIET_MS));
	tcp_close_all(&c);
}

TEST(unreachable_destination_gets_rst_after_the_connect_timeout)
{
	struct timespec t0 = tg_now();
	struct ctx c;
	struct pending p;
	struct ft_seg s;
	int fds;

	CHECK_INT(ft_setup(&c, 64), 0);
	fds = open_fds();
	CHECK_INT(start_pending_connect(&c, &p), 0);
	tg_timer_after(&c, &t0, TCP_CONNECT_TIMEOUT_MS - 1000);
	CHECK_INT(flow_count(), 1);
	CHECK(tg_quiet(&c, QUIET_MS));
	t0 = tg_now();
	tg_timer_after(&c, &t0, TCP_CONNECT_TIMEOUT_MS);
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	/* acceptable to a guest in SYN-SENT: RST with an ACK of its SYN */
	CHECK_INT(s.flags, FT_RST | FT_ACK);
	CHECK_INT(s.ack, p.cn.isn + 1);
	CHECK_INT(s.dport, p.cn.gport);
	CHECK_INT(flow_count(), 0);
	/* the host socket is gone (the listener and filler remain) */
	CHECK_INT(open_fds(), fds + 2);
}

TEST(duplicate_syn_does_not_extend_the_connect_timeout)
{
	/* The guest repeats its SYN after REPEAT_MS (real time: tcp.c stamps
	 * segments with the monotonic clock); the timer runs SLACK_MS past
	 * the timeout counted from the first SYN, which is before the
	 * timeout counted from the repeat. */
	enum { REPEAT_MS = 600, SLACK_MS = 300 };
	struct timespec t0;
	struct ctx c;
	struct pending p;
	struct ft_seg s;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(prepare_pending(&p), 0);
	t0 = tg_now();
	tg_send_syn(&c, &p.cn);
	CHECK_INT(flow_count(), 1);
	usleep(REPEAT_MS * 1000);
	tg_send_syn(&c, &p.cn);
	tg_timer_after(&c, &t0, TCP_CONNECT_TIMEOUT_MS + SLACK_MS);
	CHECK_MSG(!tg_recv(&c, &s, TG_WAIT_MS),
		  "no RST %d ms after the first SYN: the repeated SYN "
		  "restarted the connect timeout",
		  TCP_CONNECT_TIMEOUT_MS + SLACK_MS);
	CHECK(s.flags & FT_RST);
	CHECK_INT(flow_count(), 0);
}

TEST(guest_rst_while_connecting_forgets_the_flow_and_its_socket)
{
	struct ctx c;
	struct pending p;
	int fds;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(start_pending_connect(&c, &p), 0);
	fds = open_fds();
	tg_send_at(&c, &p.cn, p.cn.isn + 1, FT_RST, NULL, 0);
	CHECK_INT(flow_count(), 0);
	CHECK_INT(open_fds(), fds - 1);
	CHECK(tg_quiet(&c, QUIET_MS));
}

TEST(host_refusal_while_connecting_gets_guest_rst)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_init(&cn, AF_INET), 0);
	close(cn.listener);
	cn.port = ft_closed_port(AF_INET, SOCK_STREAM);
	tg_send_syn(&c, &cn);
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.flags, FT_RST | FT_ACK);
	CHECK_INT(s.ack, cn.isn + 1);
	CHECK_INT(flow_count(), 0);
}

TEST(duplicate_syn_after_lost_synack_gets_the_same_synack)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	struct pollfd p;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_init(&cn, AF_INET), 0);
	CHECK_INT(tg_handshake(&c, &cn, false), 0);
	tg_send_syn(&c, &cn);
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.flags, FT_SYN | FT_ACK);
	CHECK_INT(s.seq, cn.peer_isn);
	CHECK_INT(s.ack, cn.isn + 1);
	CHECK_INT(s.mss, cn.mss);
	CHECK_INT(s.wscale, TCP_WSCALE_TO_GUEST);
	CHECK_INT(flow_count(), 1);
	/* no second host connection */
	p.fd = cn.listener;
	p.events = POLLIN;
	CHECK_INT(poll(&p, 1, QUIET_MS), 0);
	/* the guest's ACK completes the one connection */
	tg_send(&c, &cn, FT_ACK | FT_PSH, "ok", 2);
	{
		uint8_t buf[2];

		CHECK_INT(tg_host_read(&c, cn.host, buf, 2, TG_WAIT_MS), 2);
		CHECK(!memcmp(buf, "ok", 2));
	}
	tcp_close_all(&c);
}

TEST(duplicate_syn_after_established_keeps_the_connection)
{
	struct ctx c;
	struct tg_conn cn;
	struct pollfd p;
	uint8_t buf[4];
	int sock;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	sock = tg_flow(&cn)->sock;
	tg_send_syn(&c, &cn);
	CHECK_INT(flow_count(), 1);
	CHECK_INT(tg_flow(&cn)->sock, sock);
	p.fd = cn.listener;
	p.events = POLLIN;
	CHECK_INT(poll(&p, 1, QUIET_MS), 0);
	CHECK(tg_host_state_is(&c, cn.host, TCP_ESTABLISHED, 0));
	tg_send(&c, &cn, FT_ACK | FT_PSH, "same", 4);
	CHECK_INT(tg_host_read(&c, cn.host, buf, 4, TG_WAIT_MS), 4);
	CHECK(!memcmp(buf, "same", 4));
	tcp_close_all(&c);
}

TEST(stale_socket_event_does_not_complete_a_pending_connect)
{
	struct ctx c;
	struct tg_conn old;
	struct pending p;
	struct flow *fl;
	union epoll_ref stale = { .type = EPOLL_TYPE_TCP };
	int old_fd;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &old, AF_INET), 0);
	CHECK_INT(prepare_pending(&p), 0);
	fl = tg_flow(&old);
	old_fd = fl->sock;
	/* the reference tcp.c registered for the old socket */
	stale.idx = flow_idx(fl) & 0xffffff;
	stale.gen = fl->gen;
	/* The guest resets the old connection and opens a new one in the
	 * same batch; the loop still holds an event of the old socket. */
	tg_send_at(&c, &old, old.seq, FT_RST, NULL, 0);
	tg_send_syn(&c, &p.cn);
	fl = tg_flow(&p.cn);
	CHECK(fl);
	CHECK_MSG(flow_idx(fl) == stale.idx && fl->sock == old_fd,
		  "slot and descriptor were not reused: cannot stage the race");
	tcp_sock_handler(&c, stale, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
	CHECK_MSG(tg_quiet(&c, QUIET_MS),
		  "the guest got a segment while the host connect is still "
		  "in progress");
	tcp_close_all(&c);
}

/* --- Out-of-window segments ------------------------------------------- */

TEST(guest_data_beyond_the_expected_sequence_is_not_delivered)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	uint8_t buf[8];

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	tg_send_at(&c, &cn, cn.seq + 100, FT_ACK | FT_PSH, "later", 5);
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.flags, FT_ACK);
	CHECK_INT(s.ack, cn.seq); /* a duplicate ACK: the gap is missing */
	CHECK_INT(tg_host_read(&c, cn.host, buf, 5, QUIET_MS), 0);
	tg_send(&c, &cn, FT_ACK | FT_PSH, "now", 3);
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.ack, cn.seq);
	CHECK_INT(tg_host_read(&c, cn.host, buf, 8, QUIET_MS), 3);
	CHECK(!memcmp(buf, "now", 3));
	tcp_close_all(&c);
}

TEST(old_duplicate_segment_is_acknowledged_not_delivered_again)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	uint8_t buf[8];
	uint32_t first;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	first = cn.seq;
	tg_send(&c, &cn, FT_ACK | FT_PSH, "once", 4);
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.ack, cn.seq);
	tg_send_at(&c, &cn, first, FT_ACK | FT_PSH, "once", 4);
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.flags, FT_ACK);
	CHECK_INT(s.ack, cn.seq);
	CHECK_INT(tg_host_read(&c, cn.host, buf, 8, QUIET_MS), 4);
	CHECK(!memcmp(buf, "once", 4));
	tcp_close_all(&c);
}

TEST(ack_of_unsent_data_is_ignored)
{
	struct timespec t0;
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	uint8_t buf[10];
	uint32_t acked;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	CHECK(send(cn.host, "0123456789", 10, 0) == 10);
	acked = cn.ack;
	CHECK_INT(tg_read(&c, &cn, buf, 10, false), 10);
	cn.ack += 1000;
	tg_send(&c, &cn, FT_ACK, NULL, 0);
	CHECK_INT(flow_count(), 1);
	CHECK_INT(tg_flow_inq(&cn), 10); /* nothing dropped from the kernel */
	/* the data is still retransmitted from where the guest really is */
	t0 = tg_now();
	tg_timer_after(&c, &t0, TCP_RTO_MS + 100);
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.seq, acked);
	CHECK_INT(s.len, 10);
	CHECK(!memcmp(s.payload, "0123456789", 10));
	cn.ack = acked + 10;
	tg_send(&c, &cn, FT_ACK, NULL, 0);
	CHECK_INT(tg_flow_inq(&cn), 0);
	tcp_close_all(&c);
}

/* Connects with small buffers on both host sockets, so that the socket
 * vunetd writes to fills after a few segments. */
static int connect_small_buffers(struct ctx *c, struct tg_conn *cn)
{
	int small = SMALL_BUF;
	struct flow *fl;

	if (tg_init(cn, AF_INET) ||
	    setsockopt(cn->listener, SOL_SOCKET, SO_RCVBUF, &small,
		       sizeof(small)) ||
	    tg_handshake(c, cn, true))
		return -1;
	fl = tg_flow(cn);
	if (!fl || setsockopt(fl->sock, SOL_SOCKET, SO_SNDBUF, &small,
			      sizeof(small)))
		return -1;
	return 0;
}

/* Sends guest data from the pattern in order, one segment per ACK, from
 * the last byte acknowledged, until vunetd announces a zero window.
 * Returns 0 (cn->seq is then the first byte not taken) or -1. */
static int fill_to_zero_window(struct ctx *c, struct tg_conn *cn)
{
	uint32_t start = cn->seq;
	struct ft_seg s;
	int i;

	for (i = 0; i < 1000; i++) {
		size_t off = cn->seq - start;

		tg_send_at(c, cn, cn->seq, FT_ACK, pattern + off, cn->mss);
		if (tg_recv(c, &s, TG_WAIT_MS) || !(s.flags & FT_ACK))
			return -1;
		cn->seq = s.ack;
		if (!s.wnd)
			return 0;
	}
	return -1;
}

TEST(guest_data_beyond_the_window_is_not_acknowledged_nor_lost)
{
	static uint8_t got[1 << 20];
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	uint32_t start, acked;
	size_t total, n;
	int i, rounds;

	fill_pattern();
	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(connect_small_buffers(&c, &cn), 0);
	start = acked = cn.seq;
	/* a burst far beyond the window, ignoring it */
	for (i = 0; i < BURST_SEGMENTS; i++)
		tg_send_at(&c, &cn, start + (uint32_t)i * cn.mss, FT_ACK,
			   pattern + (size_t)i * cn.mss, cn.mss);
	while (!tg_recv(&c, &s, 50))
		if ((int32_t)(s.ack - acked) > 0)
			acked = s.ack;
	total = (size_t)BURST_SEGMENTS * cn.mss;
	CHECK_MSG(acked - start < total, "all %zu bytes acknowledged", total);
	/* the host gets exactly what was acknowledged, nothing more */
	n = tg_host_read(&c, cn.host, got, total, 500);
	CHECK_INT(n, acked - start);
	CHECK(!memcmp(got, pattern, n));
	/* the guest retransmits the rest: it all arrives, in order */
	fcntl(cn.host, F_SETFL, O_NONBLOCK);
	for (rounds = 0; n < total && rounds < 5000; rounds++) {
		ssize_t r;

		if (acked - start < total)
			tg_send_at(&c, &cn, acked, FT_ACK,
				   pattern + (acked - start), cn.mss);
		while (!tg_recv(&c, &s, 0))
			if ((int32_t)(s.ack - acked) > 0)
				acked = s.ack;
		r = recv(cn.host, got + n, total - n, 0);
		if (r > 0)
			n += (size_t)r;
	}
	CHECK_INT(n, total);
	CHECK(!memcmp(got, pattern, total));
	tcp_close_all(&c);
}

/* --- Zero window ------------------------------------------------------ */

TEST(zero_window_from_guest_keeps_host_data_in_the_kernel)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	cn.wnd = 0;
	tg_send(&c, &cn, FT_ACK, NULL, 0);
	CHECK(send(cn.host, "waiting", 7, 0) == 7);
	CHECK(tg_quiet(&c, QUIET_MS));
	CHECK_INT(tg_flow_inq(&cn), 7);
	CHECK_INT(tg_host_unacked(cn.host), 0); /* vunetd's socket has it */
	/* the window opens: the data follows at once */
	cn.wnd = TG_GUEST_WND;
	tg_send(&c, &cn, FT_ACK, NULL, 0);
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.seq, cn.ack);
	CHECK_INT(s.len, 7);
	CHECK(!memcmp(s.payload, "waiting", 7));
	tcp_close_all(&c);
}

/* A zero window probe: a segment the guest must answer with an ACK
 * carrying its window, either one byte of new data or an old sequence
 * number without data (what Linux sends). */
static bool is_window_probe(const struct ft_seg *s, uint32_t next)
{
	return (s->flags & FT_ACK) && !(s->flags & (FT_SYN | FT_FIN | FT_RST)) &&
	       ((s->seq == next && s->len == 1) ||
		(s->seq == next - 1 && !s->len));
}

/* The interval before zero-window probe I (0: the first). */
static long probe_gap_ms(int i)
{
	long ms = (long)TCP_RTO_MS << i;

	return ms < TCP_PROBE_MAX_INTERVAL_MS ? ms : TCP_PROBE_MAX_INTERVAL_MS;
}

/* The guest shuts its window, then the host writes DATA, which vunetd
 * must hold back.  Returns 0, or -1 if something went to the guest. */
static int window_shut_with_data_waiting(struct ctx *c, struct tg_conn *cn,
					 const char *data)
{
	size_t len = strlen(data);

	cn->wnd = 0;
	tg_send(c, cn, FT_ACK, NULL, 0);
	if (send(cn->host, data, len, 0) != (ssize_t)len)
		return -1;
	return tg_quiet(c, QUIET_MS) ? 0 : -1;
}

TEST(zero_window_from_guest_is_probed_and_connection_kept)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	struct timespec t0;
	long at = 0;
	int i;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	CHECK_INT(window_shut_with_data_waiting(&c, &cn, "stuck"), 0);
	t0 = tg_now();
	/* The guest's window update could be lost: vunetd must ask, less
	 * often each time the window is still shut, and never give up. */
	for (i = 0; i <= TCP_MAX_RETRIES + 3; i++) {
		if (i) {
			tg_timer_after(&c, &t0, at + probe_gap_ms(i) - 100);
			CHECK_MSG(tg_recv(&c, &s, QUIET_MS),
				  "probe %d came before %ld ms", i,
				  probe_gap_ms(i));
		}
		at += probe_gap_ms(i) + 100;
		tg_timer_after(&c, &t0, at);
		CHECK_MSG(!tg_recv(&c, &s, QUIET_MS),
			  "no window probe %d after %ld ms", i,
			  probe_gap_ms(i));
		CHECK_MSG(is_window_probe(&s, cn.ack),
			  "not a window probe: flags %#x seq %u (next %u) "
			  "len %zu", s.flags, s.seq, cn.ack, s.len);
		tg_send(&c, &cn, FT_ACK, NULL, 0); /* still zero */
	}
	CHECK_INT(flow_count(), 1);
	CHECK_INT(tg_flow_inq(&cn), 5);
	cn.wnd = TG_GUEST_WND;
	tg_send(&c, &cn, FT_ACK, NULL, 0);
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.seq, cn.ack);
	CHECK_INT(s.len, 5);
	tcp_close_all(&c);
}

/* A window that opened and shut again is probed from the first interval
 * again, not from where the last closed spell's backoff had got to. */
TEST(zero_window_probe_backoff_restarts_when_the_window_opened)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	struct timespec t0;
	long at = 0;
	int i;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	CHECK_INT(window_shut_with_data_waiting(&c, &cn, "stuck"), 0);
	t0 = tg_now();
	for (i = 0; i < 4; i++) {
		at += probe_gap_ms(i) + 100;
		tg_timer_after(&c, &t0, at);
		CHECK_INT(tg_recv(&c, &s, QUIET_MS), 0);
		tg_send(&c, &cn, FT_ACK, NULL, 0);
	}
	/* open (the data comes), take it, shut again with more waiting */
	cn.wnd = TG_GUEST_WND;
	tg_send(&c, &cn, FT_ACK, NULL, 0);
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.len, 5);
	cn.ack += 5;
	CHECK_INT(window_shut_with_data_waiting(&c, &cn, "again"), 0);
	t0 = tg_now();
	tg_timer_after(&c, &t0, TCP_RTO_MS + 100);
	CHECK_MSG(!tg_recv(&c, &s, QUIET_MS),
		  "no probe one interval after the window shut again");
	CHECK(is_window_probe(&s, cn.ack));
	tcp_close_all(&c);
}

TEST(zero_window_with_data_in_flight_does_not_count_as_lost)
{
	static uint8_t out[3 * TG_GUEST_MSS], in[sizeof(out)];
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	struct timespec t0;
	uint32_t first;
	int i;

	fill_pattern();
	memcpy(out, pattern, sizeof(out));
	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	CHECK(send(cn.host, out, sizeof(out), 0) == (ssize_t)sizeof(out));
	first = cn.ack;
	CHECK_INT(tg_read(&c, &cn, in, sizeof(out), false), sizeof(out));
	/* The guest's buffer filled after the first segment: it dropped
	 * the others and says so with a zero window. */
	cn.ack = first + TG_GUEST_MSS;
	cn.wnd = 0;
	tg_send(&c, &cn, FT_ACK, NULL, 0);
	t0 = tg_now();
	for (i = 1; i <= TCP_MAX_RETRIES + 3; i++) {
		tg_timer_after(&c, &t0, (long)i * (TCP_RTO_MS + 100));
		while (!tg_recv(&c, &s, 50))
			CHECK_MSG(!(s.flags & FT_RST),
				  "reset after %d timeouts at a zero window",
				  i);
		tg_send(&c, &cn, FT_ACK, NULL, 0); /* still zero */
	}
	CHECK_INT(flow_count(), 1);
	CHECK(tg_host_state_is(&c, cn.host, TCP_ESTABLISHED, 0));
	/* the window opens: the rest comes, from the first byte missing */
	cn.wnd = TG_GUEST_WND;
	tg_send(&c, &cn, FT_ACK, NULL, 0);
	CHECK_INT(tg_read(&c, &cn, in + TG_GUEST_MSS, 2 * TG_GUEST_MSS, true),
		  2 * TG_GUEST_MSS);
	CHECK(!memcmp(in, out, sizeof(out)));
	tcp_close_all(&c);
}

/* A guest that acknowledges nothing for a while (starved of CPU on a
 * loaded host) is not reset after a few seconds: the retransmissions of
 * its data back off, and only after all TCP_MAX_RETRIES of them, a minute
 * on, is the connection given up. */
TEST(unacked_data_retransmissions_back_off_before_reset)
{
	static uint8_t in[64];
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	long silent_ms = 0, waited;
	int i;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	CHECK(send(cn.host, "starved", 7, 0) == 7);
	CHECK_INT(tg_read(&c, &cn, in, 7, false), 7);
	/* Each wait is timed from the latest (re)transmission, which vunetd
	 * stamps with the real clock: ticks every 500 ms from there on. */
	for (i = 0; i <= TCP_MAX_RETRIES; i++) {
		struct timespec t0 = tg_now();
		bool got = false;

		for (waited = 500; !got && waited <= 70000; waited += 500) {
			tg_timer_after(&c, &t0, waited);
			got = !tg_recv(&c, &s, 10);
		}
		CHECK_MSG(got, "nothing %ld ms after transmission %d",
			  waited, i);
		waited -= 500;
		silent_ms += waited;
		CHECK_MSG(waited >= (long)tcp_data_rto_ms((unsigned)i),
			  "wait %d: %ld ms", i, waited);
		if (i < TCP_MAX_RETRIES)
			CHECK_MSG(!(s.flags & FT_RST) && s.len == 7 &&
				  s.seq == cn.ack - 7,
				  "not a retransmission after %ld ms of "
				  "silence: flags %#x len %zu", silent_ms,
				  s.flags, s.len);
	}
	CHECK(s.flags & FT_RST);
	CHECK(silent_ms >= 60000);
	CHECK_INT(flow_count(), 0);
	tcp_close_all(&c);
}

/* After a retransmission timeout rewound to the first unacknowledged
 * byte, the guest acknowledges everything sent before the rewind (it had
 * it all, just late): that ACK counts, nothing is sent twice, and new
 * data follows at once. */
TEST(ack_of_data_sent_before_a_rewind_is_taken)
{
	static uint8_t out[3 * TG_GUEST_MSS], in[sizeof(out)];
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	struct timespec t0;
	uint32_t first;

	fill_pattern();
	memcpy(out, pattern, sizeof(out));
	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	CHECK(send(cn.host, out, sizeof(out), 0) == (ssize_t)sizeof(out));
	first = cn.ack;
	CHECK_INT(tg_read(&c, &cn, in, sizeof(out), false), sizeof(out));
	/* a slow guest: its window is shut while it works through them */
	cn.ack = first;
	cn.wnd = 0;
	tg_send(&c, &cn, FT_ACK, NULL, 0);
	t0 = tg_now();
	tg_timer_after(&c, &t0, TCP_RTO_MS + 100); /* rewinds; window 0 */
	CHECK(tg_quiet(&c, QUIET_MS));
	cn.ack = first + sizeof(out);
	cn.wnd = TG_GUEST_WND;
	tg_send(&c, &cn, FT_ACK, NULL, 0);
	CHECK_INT(tg_flow_inq(&cn), 0); /* all acknowledged, off the socket */
	CHECK(send(cn.host, "next", 4, 0) == 4);
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_MSG(s.seq == cn.ack && s.len == 4,
		  "seq %u len %zu, expected the new data at %u", s.seq,
		  s.len, cn.ack);
	CHECK(!memcmp(s.payload, "next", 4));
	tcp_close_all(&c);
}

TEST(zero_window_to_guest_answers_guest_window_probe)
{
	static uint8_t sink[1 << 16];
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	int i;

	fill_pattern();
	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(connect_small_buffers(&c, &cn), 0);
	CHECK_INT(fill_to_zero_window(&c, &cn), 0);
	/* the guest's persist timer: one byte beyond the window */
	tg_send_at(&c, &cn, cn.seq, FT_ACK, "p", 1);
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.flags, FT_ACK);
	CHECK(s.ack == cn.seq || s.ack == cn.seq + 1);
	cn.seq = s.ack;
	/* the host application reads: a window update follows */
	fcntl(cn.host, F_SETFL, O_NONBLOCK);
	for (i = 0; i < 100; i++) {
		while (recv(cn.host, sink, sizeof(sink), 0) > 0)
			;
		if (!tg_recv(&c, &s, 20) && s.wnd)
			break;
	}
	CHECK(i < 100);
	CHECK_INT(s.flags, FT_ACK);
	CHECK_INT(s.ack, cn.seq);
	tcp_close_all(&c);
}

/* --- RST in each state ------------------------------------------------- */

enum conn_state {
	ST_ESTABLISHED,
	ST_GUEST_HALF_CLOSED, /* guest sent FIN, acknowledged */
	ST_HOST_HALF_CLOSED,  /* host sent FIN, guest acknowledged it */
	ST_CLOSING,           /* both FINs sent, vunetd's not acknowledged */
};

/* Brings a new connection CN into STATE.  Returns 0 or -1. */
static int reach_state(struct ctx *c, struct tg_conn *cn, int af,
		       enum conn_state state)
{
	struct ft_seg s;

	if (tg_connect(c, cn, af))
		return -1;
	if (state == ST_GUEST_HALF_CLOSED || state == ST_CLOSING) {
		tg_send(c, cn, FT_ACK | FT_FIN, NULL, 0);
		if (tg_recv(c, &s, TG_WAIT_MS) || s.ack != cn->seq ||
		    !tg_host_state_is(c, cn->host, TCP_CLOSE_WAIT, TG_WAIT_MS))
			return -1;
	}
	if (state == ST_HOST_HALF_CLOSED || state == ST_CLOSING) {
		if (shutdown(cn->host, SHUT_WR) ||
		    tg_recv_flags(c, &s, FT_FIN, TG_WAIT_MS) ||
		    s.seq != cn->ack || s.ack != cn->seq)
			return -1;
		cn->ack++;
	}
	if (state == ST_HOST_HALF_CLOSED) {
		tg_send(c, cn, FT_ACK, NULL, 0);
		if (!tg_host_state_is(c, cn->host, TCP_FIN_WAIT2, TG_WAIT_MS))
			return -1;
	}
	return 0;
}

/* The guest resets a connection of family AF in STATE: the flow is
 * gone, the host peer is reset (when it still had a connection), nothing
 * follows. */
static void guest_rst_in(int af, enum conn_state state)
{
	struct timespec t0 = tg_now();
	struct ctx c;
	struct tg_conn cn;

	if (!have_loopback(af))
		SKIP("no IPv6 loopback on this machine");
	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(reach_state(&c, &cn, af, state), 0);
	tg_send_at(&c, &cn, cn.seq, FT_RST, NULL, 0);
	CHECK_INT(flow_count(), 0);
	CHECK_MSG(tg_host_state_is(&c, cn.host, TCP_CLOSE, TG_WAIT_MS),
		  "host socket not reset");
	if (state == ST_ESTABLISHED || state == ST_HOST_HALF_CLOSED) {
		char b;

		CHECK(recv(cn.host, &b, 1, MSG_DONTWAIT) < 0);
		CHECK_INT(errno, ECONNRESET);
	}
	if (state == ST_GUEST_HALF_CLOSED) {
		/* it had read the guest's FIN: the reset shows on send */
		CHECK(send(cn.host, "x", 1, MSG_NOSIGNAL) < 0);
		CHECK_INT(errno, EPIPE);
	}
	tg_timer_after(&c, &t0, TCP_RTO_MS * 3);
	CHECK(tg_quiet(&c, QUIET_MS));
}

TEST(guest_rst_when_established_resets_host)
{
	guest_rst_in(AF_INET, ST_ESTABLISHED);
}

TEST(guest_rst_after_guest_fin_resets_host)
{
	guest_rst_in(AF_INET, ST_GUEST_HALF_CLOSED);
}

TEST(guest_rst_after_host_fin_resets_host)
{
	guest_rst_in(AF_INET, ST_HOST_HALF_CLOSED);
}

TEST(guest_rst_when_closing_ends_flow_without_retransmission)
{
	guest_rst_in(AF_INET, ST_CLOSING);
}

/* The host peer resets a connection of family AF in STATE: the guest
 * gets a RST at the sequence number it expects, and the flow is gone. */
static void host_rst_in(int af, enum conn_state state)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;

	if (!have_loopback(af))
		SKIP("no IPv6 loopback on this machine");
	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(reach_state(&c, &cn, af, state), 0);
	CHECK(!setsockopt(cn.host, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	CHECK(!close(cn.host));
	CHECK_MSG(!tg_recv_flags(&c, &s, FT_RST, TG_WAIT_MS),
		  "no RST to the guest");
	CHECK_INT(s.seq, cn.ack);
	CHECK_INT(flow_count(), 0);
}

TEST(host_rst_when_established_gives_guest_rst)
{
	host_rst_in(AF_INET, ST_ESTABLISHED);
}

TEST(host_rst_after_guest_fin_gives_guest_rst)
{
	host_rst_in(AF_INET, ST_GUEST_HALF_CLOSED);
}

TEST(host_rst_after_host_fin_gives_guest_rst)
{
	host_rst_in(AF_INET, ST_HOST_HALF_CLOSED);
}

TEST(ipv6_guest_rst_when_established_resets_host)
{
	guest_rst_in(AF_INET6, ST_ESTABLISHED);
}

TEST(ipv6_guest_rst_after_host_fin_resets_host)
{
	guest_rst_in(AF_INET6, ST_HOST_HALF_CLOSED);
}

TEST(ipv6_host_rst_after_guest_fin_gives_guest_rst)
{
	host_rst_in(AF_INET6, ST_GUEST_HALF_CLOSED);
}

TEST(ipv6_guest_rst_when_closing_ends_flow_without_retransmission)
{
	guest_rst_in(AF_INET6, ST_CLOSING);
}

TEST(host_rst_with_data_in_flight_gives_guest_rst)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	uint8_t buf[4];

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	CHECK(send(cn.host, "data", 4, 0) == 4);
	CHECK_INT(tg_read(&c, &cn, buf, 4, false), 4); /* not acknowledged */
	CHECK(!setsockopt(cn.host, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	CHECK(!close(cn.host));
	CHECK_INT(tg_recv_flags(&c, &s, FT_RST, TG_WAIT_MS), 0);
	CHECK_INT(flow_count(), 0);
}

/* --- FIN races --------------------------------------------------------- */

TEST(simultaneous_close_ends_the_flow_when_both_fins_are_acked)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	bool fin = false, fin_acked = false;
	int i;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	/* both sides close before either hears of the other */
	CHECK(!shutdown(cn.host, SHUT_WR));
	tg_send(&c, &cn, FT_ACK | FT_FIN, NULL, 0);
	for (i = 0; i < 4 && !(fin && fin_acked); i++) {
		CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
		fin_acked |= s.ack == cn.seq;
		if (s.flags & FT_FIN) {
			CHECK_INT(s.seq, cn.ack);
			fin = true;
		}
	}
	CHECK(fin && fin_acked);
	CHECK_INT(flow_count(), 1); /* vunetd's FIN is not acknowledged yet */
	cn.ack++;
	tg_send(&c, &cn, FT_ACK, NULL, 0);
	CHECK_INT(flow_count(), 0);
	CHECK(tg_host_state_is(&c, cn.host, TCP_CLOSE, TG_WAIT_MS));
	CHECK(tg_quiet(&c, QUIET_MS));
}

TEST(crossing_fins_each_get_acknowledged_and_unacked_fin_is_resent)
{
	struct timespec t0;
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	uint32_t fin_seq;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	CHECK(!shutdown(cn.host, SHUT_WR));
	CHECK_INT(tg_recv_flags(&c, &s, FT_FIN, TG_WAIT_MS), 0);
	fin_seq = s.seq;
	/* the guest's FIN crosses vunetd's: it does not acknowledge it */
	tg_send(&c, &cn, FT_ACK | FT_FIN, NULL, 0);
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.ack, cn.seq);
	CHECK_INT(flow_count(), 1);
	t0 = tg_now();
	tg_timer_after(&c, &t0, TCP_RTO_MS + 100);
	CHECK_INT(tg_recv_flags(&c, &s, FT_FIN, TG_WAIT_MS), 0);
	CHECK_INT(s.seq, fin_seq);
	cn.ack = fin_seq + 1;
	tg_send(&c, &cn, FT_ACK, NULL, 0);
	CHECK_INT(flow_count(), 0);
}

TEST(guest_fin_with_host_data_in_flight_keeps_that_data_reliable)
{
	struct timespec t0;
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	uint8_t buf[8];
	uint32_t data_seq;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	CHECK(send(cn.host, "inflight", 8, 0) == 8);
	data_seq = cn.ack;
	CHECK_INT(tg_read(&c, &cn, buf, 8, false), 8);
	/* the guest closes, its FIN acknowledging none of that data */
	cn.ack = data_seq;
	tg_send(&c, &cn, FT_ACK | FT_FIN, NULL, 0);
	cn.ack = data_seq + 8;
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.ack, cn.seq);
	CHECK_INT(tg_host_read(&c, cn.host, buf, 1, TG_WAIT_MS), 0); /* EOF */
	CHECK(tg_host_state_is(&c, cn.host, TCP_CLOSE_WAIT, 0));
	/* the data is retransmitted until the guest has it */
	t0 = tg_now();
	tg_timer_after(&c, &t0, TCP_RTO_MS + 100);
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.seq, data_seq);
	CHECK_INT(s.len, 8);
	CHECK(!memcmp(s.payload, "inflight", 8));
	tg_send(&c, &cn, FT_ACK, NULL, 0);
	CHECK_INT(tg_flow_inq(&cn), 0);
	/* then the host closes too, and the flow ends */
	CHECK(!close(cn.host));
	CHECK_INT(tg_recv_flags(&c, &s, FT_FIN, TG_WAIT_MS), 0);
	CHECK_INT(s.seq, cn.ack);
	cn.ack++;
	tg_send(&c, &cn, FT_ACK, NULL, 0);
	CHECK_INT(flow_count(), 0);
}

TEST(host_fin_while_guest_data_is_unacknowledged_comes_after_it)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	uint8_t buf[8];

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	/* the host closes its side while guest data is on its way */
	CHECK(!shutdown(cn.host, SHUT_WR));
	tg_send(&c, &cn, FT_ACK | FT_PSH, "upload", 6);
	CHECK_INT(tg_recv_flags(&c, &s, FT_FIN, TG_WAIT_MS), 0);
	CHECK_INT(s.seq, cn.ack);
	CHECK_INT(s.ack, cn.seq); /* the data is acknowledged with it */
	CHECK_INT(tg_host_read(&c, cn.host, buf, 6, TG_WAIT_MS), 6);
	CHECK(!memcmp(buf, "upload", 6));
	cn.ack++;
	tg_send(&c, &cn, FT_ACK, NULL, 0);
	/* the guest may go on sending on its half */
	tg_send(&c, &cn, FT_ACK | FT_PSH, "more", 4);
	CHECK_INT(tg_host_read(&c, cn.host, buf, 4, TG_WAIT_MS), 4);
	CHECK(!memcmp(buf, "more", 4));
	pt_drain(); /* the ACK of "more" */
	tg_send(&c, &cn, FT_ACK | FT_FIN, NULL, 0);
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.ack, cn.seq);
	CHECK_INT(flow_count(), 0);
}

TEST(guest_data_after_its_fin_is_ignored_not_a_reset)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	uint8_t buf[8];

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(reach_state(&c, &cn, AF_INET, ST_GUEST_HALF_CLOSED), 0);
	tg_send_at(&c, &cn, cn.seq, FT_ACK | FT_PSH, "late", 4);
	CHECK_MSG(flow_count() == 1, "data after FIN ended the connection");
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.flags, FT_ACK);
	CHECK_INT(s.ack, cn.seq);
	CHECK(tg_host_state_is(&c, cn.host, TCP_CLOSE_WAIT, 0));
	/* the host's direction still works */
	CHECK(send(cn.host, "reply", 5, 0) == 5);
	CHECK_INT(tg_read(&c, &cn, buf, 5, true), 5);
	CHECK(!memcmp(buf, "reply", 5));
	tcp_close_all(&c);
}

TEST(repeated_guest_fin_is_acknowledged_again)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(reach_state(&c, &cn, AF_INET, ST_GUEST_HALF_CLOSED), 0);
	/* the guest did not get our ACK of its FIN: it sends it again */
	tg_send_at(&c, &cn, cn.seq - 1, FT_ACK | FT_FIN, NULL, 0);
	CHECK_MSG(!tg_recv(&c, &s, TG_WAIT_MS),
		  "the repeated FIN got no ACK");
	CHECK_INT(s.flags, FT_ACK);
	CHECK_INT(s.ack, cn.seq);
	CHECK_INT(flow_count(), 1);
	tcp_close_all(&c);
}

/* --- Duplicate ACKs ----------------------------------------------------- */

/* Host data "AAAA" then "BBBB", both read by the guest, none acked.
 * Returns 0 (*LOST_SEQ: the sequence number of "AAAA") or -1. */
static int two_segments_in_flight(struct ctx *c, struct tg_conn *cn,
				  uint32_t *lost_seq)
{
	uint8_t buf[4];

	*lost_seq = cn->ack;
	if (send(cn->host, "AAAA", 4, 0) != 4 ||
	    tg_read(c, cn, buf, 4, false) != 4 ||
	    send(cn->host, "BBBB", 4, 0) != 4 ||
	    tg_read(c, cn, buf, 4, false) != 4)
		return -1;
	cn->ack = *lost_seq; /* the guest lost "AAAA" */
	return 0;
}

static void fast_retransmit(bool peek_offset)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	uint32_t lost;
	uint8_t buf[4];
	int i;

	tcp_set_peek_offset(peek_offset);
	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	CHECK_INT(two_segments_in_flight(&c, &cn, &lost), 0);
	for (i = 0; i < 2; i++)
		tg_send(&c, &cn, FT_ACK, NULL, 0);
	CHECK(tg_quiet(&c, QUIET_MS)); /* two are not enough */
	tg_send(&c, &cn, FT_ACK, NULL, 0);
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.seq, lost);
	CHECK_INT(s.len, 8); /* from the kernel's queue: both segments */
	CHECK(!memcmp(s.payload, "AAAABBBB", 8));
	cn.ack = lost + 8;
	tg_send(&c, &cn, FT_ACK, NULL, 0);
	CHECK_INT(tg_flow_inq(&cn), 0);
	/* the stream goes on where it was */
	CHECK(send(cn.host, "next", 4, 0) == 4);
	CHECK_INT(tg_read(&c, &cn, buf, 4, true), 4);
	CHECK(!memcmp(buf, "next", 4));
	CHECK(tg_quiet(&c, QUIET_MS));
	tcp_close_all(&c);
}

TEST(three_duplicate_acks_retransmit_from_kernel_queue_with_peek_offset)
{
	if (!have_peek_offset())
		SKIP("this kernel has no SO_PEEK_OFF for TCP (before 6.9)");
	fast_retransmit(true);
}

TEST(three_duplicate_acks_retransmit_from_kernel_queue_without_peek_offset)
{
	fast_retransmit(false);
}

TEST(acks_that_change_the_window_are_not_duplicates)
{
	struct ctx c;
	struct tg_conn cn;
	uint32_t lost;
	int i;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	CHECK_INT(two_segments_in_flight(&c, &cn, &lost), 0);
	for (i = 0; i < 4; i++) {
		cn.wnd = (uint16_t)(TG_GUEST_WND + i + 1);
		tg_send(&c, &cn, FT_ACK, NULL, 0);
	}
	CHECK(tg_quiet(&c, QUIET_MS));
	tcp_close_all(&c);
}

TEST(acks_carrying_data_are_not_duplicates)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	uint8_t buf[3];
	uint32_t lost;
	int i;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	CHECK_INT(two_segments_in_flight(&c, &cn, &lost), 0);
	for (i = 0; i < 3; i++) {
		tg_send(&c, &cn, FT_ACK | FT_PSH, "x", 1);
		CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
		CHECK_INT(s.len, 0); /* the ACK of the data, no retransmission */
		CHECK_INT(s.ack, cn.seq);
	}
	CHECK(tg_quiet(&c, QUIET_MS));
	CHECK_INT(tg_host_read(&c, cn.host, buf, 3, TG_WAIT_MS), 3);
	tcp_close_all(&c);
}

/* --- Inbound (-t): transitions before the guest answers --------------- */

/* A host client connected to a forwarded port, and the guest's side of
 * that connection once vunetd's SYN reached it. */
struct inbound {
	struct tg_conn cn;
	int client;
	uint32_t syn_seq; /* vunetd's SYN */
};

/* Forwards a free loopback port and connects a host client to it; the
 * SYN to the guest fills IN.  Returns 0 or -1. */
static int inbound_syn(struct ctx *c, struct inbound *in)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint16_t port = ft_closed_port(AF_INET, SOCK_STREAM);
	char spec[16], err[128];
	struct ft_seg s;

	memset(in, 0, sizeof(*in));
	snprintf(spec, sizeof(spec), "%u", port);
	if (!port || fwd_parse_spec(&c->tcp_fwd, spec, err, sizeof(err)) ||
	    tcp_listen_init(c) != 1)
		return -1;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	in->client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (in->client < 0 ||
	    connect(in->client, (struct sockaddr *)&sin, sizeof(sin)) ||
	    tg_recv(c, &s, TG_WAIT_MS) || s.flags != FT_SYN)
		return -1;
	/* the guest is the server: its port is the destination */
	in->cn.af = AF_INET;
	in->cn.gport = s.dport;
	in->cn.port = s.sport;
	in->cn.listener = in->cn.host = -1;
	in->cn.isn = 0x20000000u;
	in->cn.seq = in->cn.isn;
	in->cn.ack = s.seq + 1;
	in->cn.wnd = TG_GUEST_WND;
	in->syn_seq = s.seq;
	return 0;
}

/* The guest's SYN-ACK (MSS, window scale) for IN. */
static void inbound_synack(struct ctx *c, struct inbound *in)
{
	struct ft_seg a = tg_seg(&in->cn, FT_SYN | FT_ACK);

	a.seq = in->cn.isn;
	a.wnd = 65535;
	a.mss = TG_GUEST_MSS;
	a.wscale = TG_GUEST_WSCALE;
	ft_tcp_send(c, &a);
	in->cn.seq = in->cn.isn + 1;
}

TEST(inbound_repeated_guest_synack_is_acknowledged_again)
{
	struct ctx c;
	struct inbound in;
	struct ft_seg s;
	int i;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(inbound_syn(&c, &in), 0);
	for (i = 0; i < 2; i++) {
		inbound_synack(&c, &in);
		CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
		CHECK_INT(s.flags, FT_ACK);
		CHECK_INT(s.seq, in.syn_seq + 1);
		CHECK_INT(s.ack, in.cn.isn + 1);
	}
	CHECK_INT(flow_count(), 1);
	tcp_close_all(&c);
	tcp_listen_close(&c);
}

TEST(inbound_host_data_and_fin_before_the_guest_answers_follow_its_synack)
{
	struct ctx c;
	struct inbound in;
	struct ft_seg s;
	uint8_t buf[2];

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(inbound_syn(&c, &in), 0);
	CHECK(send(in.client, "hi", 2, 0) == 2);
	CHECK(!shutdown(in.client, SHUT_WR));
	CHECK(tg_quiet(&c, QUIET_MS)); /* all of it waits for the guest */
	inbound_synack(&c, &in);
	CHECK_INT(tg_read(&c, &in.cn, buf, 2, true), 2);
	CHECK(!memcmp(buf, "hi", 2));
	CHECK_INT(tg_recv_flags(&c, &s, FT_FIN, TG_WAIT_MS), 0);
	CHECK_INT(s.seq, in.cn.ack);
	in.cn.ack++;
	pt_drain(); /* the ACK of the SYN-ACK, sent at the batch end */
	tg_send(&c, &in.cn, FT_ACK | FT_FIN, NULL, 0);
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.ack, in.cn.seq);
	CHECK_INT(flow_count(), 0);
	tcp_listen_close(&c);
}

TEST(inbound_host_reset_before_the_guest_answers_gives_guest_rst)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct ctx c;
	struct inbound in;
	struct ft_seg s;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(inbound_syn(&c, &in), 0);
	CHECK(!setsockopt(in.client, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	CHECK(!close(in.client));
	CHECK_INT(tg_recv_flags(&c, &s, FT_RST, TG_WAIT_MS), 0);
	CHECK_INT(flow_count(), 0);
	tcp_listen_close(&c);
}

TEST(inbound_syn_unanswered_gives_up_with_rst_both_ways)
{
	struct timespec t0 = tg_now();
	struct ctx c;
	struct inbound in;
	struct ft_seg s;
	int i, syns = 0;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(inbound_syn(&c, &in), 0);
	for (i = 1; i <= TCP_MAX_RETRIES + 1; i++) {
		tg_timer_after(&c, &t0, (long)i * (TCP_RTO_MS + 100));
		if (tg_recv(&c, &s, QUIET_MS))
			continue;
		if (s.flags == FT_SYN && s.seq == in.syn_seq)
			syns++;
		else
			break;
	}
	CHECK_INT(syns, TCP_MAX_RETRIES);
	CHECK(s.flags & FT_RST);
	CHECK_INT(flow_count(), 0);
	CHECK(tg_host_state_is(&c, in.client, TCP_CLOSE, TG_WAIT_MS));
	tcp_listen_close(&c);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
