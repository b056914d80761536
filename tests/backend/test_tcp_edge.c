// SPDX-License-Identifier: GPL-2.0-or-later
/* TCP translation at its edges: running out of file descriptors, host
 * sockets' options, timers measured from the right moment, events that
 * arrive for a socket that is gone, frames that cannot be built yet, and
 * the cost bound of the no-peek-offset fallback.  Same set-up as
 * test_tcp.c (the real stream transport, loopback peers). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/epoll_ref.h"
#include "backend/flow.h"
#include "backend/fwd.h"
#include "backend/tcp.h"
#include "tests/backend/test_flow_harness.h"
#include "tests/harness.h"

#define GUEST_PORT 42000
#define GUEST_ISN 5000000u

static uint8_t rxbuf[PT_FRAME_MAX];

static struct ft_seg guest_seg(uint16_t dport, uint32_t seq, uint32_t ack,
			       uint8_t flags)
{
	struct ft_seg s = { .af = AF_INET, .sport = GUEST_PORT,
			    .dport = dport, .seq = seq, .ack = ack,
			    .flags = flags, .wnd = 65535, .wscale = -1 };

	s.saddr.a4 = pt_a4("192.0.2.2");
	s.daddr.a4 = pt_a4("192.0.2.1");
	return s;
}

/* The only TCP flow in the table, or NULL. */
static struct flow *only_tcp_flow(void)
{
	unsigned i;

	for (i = 0; i < flow_end(); i++) {
		struct flow *fl = flow_at(i);

		if (fl && fl->type == FLOW_TCP)
			return fl;
	}
	return NULL;
}

static struct timespec ms_to_timespec(uint64_t ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000),
			       .tv_nsec = (long)(ms % 1000) * 1000000 };

	return ts;
}

/* A host client connecting (non-blocking) to loopback PORT. */
static int host_connect(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (s >= 0 && connect(s, (struct sockaddr *)&sin, sizeof(sin)) &&
	    errno != EINPROGRESS) {
		close(s);
		s = -1;
	}
	return s;
}

/* Forwards host port PORT to the guest's same port.  0 or -1. */
static int forward_port(struct ctx *c, uint16_t port)
{
	char spec[16], err[256];

	snprintf(spec, sizeof(spec), "%u", port);
	if (fwd_parse_spec(&c->tcp_fwd, spec, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", spec, err);
		return -1;
	}
	return tcp_listen_init(c) == 1 ? 0 : -1;
}

TEST(accepted_host_sockets_use_keepalive)
{
	struct ctx c;
	struct ft_seg s;
	struct flow *fl;
	uint16_t port = ft_closed_port(AF_INET, SOCK_STREAM);
	int on = 0;
	socklen_t sl = sizeof(on);

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(forward_port(&c, port), 0);
	CHECK(host_connect(port) >= 0);
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
	CHECK_INT(s.flags, FT_SYN);
	fl = only_tcp_flow();
	CHECK(fl != NULL);
	CHECK(!getsockopt(fl->sock, SOL_SOCKET, SO_KEEPALIVE, &on, &sl));
	CHECK(on);
	tcp_close_all(&c);
	tcp_listen_close(&c);
}

/* The guest retransmits its SYN while the host connect() is pending: the
 * connect timeout still runs from the first SYN, so a guest that keeps
 * retrying cannot keep a dead connection attempt alive forever. */
TEST(connect_timeout_runs_from_the_first_syn)
{
	struct ctx c;
	struct ft_seg s;
	struct timespec deadline;
	uint16_t port;
	uint64_t first_syn_ms;
	int l;

	CHECK_INT(ft_setup(&c, 64), 0);
	l = ft_listen_tcp(AF_INET, &port);
	CHECK(l >= 0);
	s = guest_seg(port, GUEST_ISN, 0, FT_SYN);
	/* The loop is not pumped: the connect's completion is never seen,
	 * so the flow stays in its connecting state. */
	ft_tcp_send(&c, &s);
	first_syn_ms = flow_now_ms();
	CHECK(only_tcp_flow() != NULL);
	usleep(200 * 1000);
	ft_tcp_send(&c, &s);
	deadline = ms_to_timespec(first_syn_ms + TCP_CONNECT_TIMEOUT_MS);
	tcp_timer(&c, &deadline);
	CHECK_INT(flow_count(), 0);
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
	CHECK(s.flags & FT_RST);
	close(l);
}

/* Opens a connection from guest port GPORT to the host listener on PORT
 * (not accepted: it waits in the listen queue) and returns its flow once
 * vunetd answered with its SYN-ACK, or NULL. */
static struct flow *guest_connection(struct ctx *c, uint16_t gport,
				     uint16_t port)
{
	struct ft_seg s = guest_seg(port, GUEST_ISN, 0, FT_SYN);

	s.sport = gport;
	ft_tcp_send(c, &s);
	if (ft_tcp_recv(c, rxbuf, sizeof(rxbuf), &s, 2000) ||
	    s.flags != (FT_SYN | FT_ACK))
		return NULL;
	return only_tcp_flow();
}

/* One epoll batch can hold an error event of a flow, then a guest frame
 * that closes it and opens another, which takes the same flow slot and
 * the same descriptor number: the error must not reach the new flow. */
TEST(stale_socket_event_does_not_reach_the_next_flow_in_its_slot)
{
	struct ctx c;
	struct ft_seg s;
	struct flow *fl;
	union epoll_ref stale = { .type = EPOLL_TYPE_TCP };
	uint16_t port;
	int l, old_sock;

	CHECK_INT(ft_setup(&c, 64), 0);
	l = ft_listen_tcp(AF_INET, &port);
	CHECK(l >= 0);
	fl = guest_connection(&c, GUEST_PORT, port);
	CHECK(fl != NULL);
	stale.idx = flow_idx(fl);
	stale.gen = fl->gen;
	old_sock = fl->sock;
	s = guest_seg(port, GUEST_ISN + 1, 0, FT_RST);
	ft_tcp_send(&c, &s);
	CHECK_INT(flow_count(), 0);

	fl = guest_connection(&c, GUEST_PORT + 1, port);
	CHECK(fl != NULL);
	/* the situation this is about: same slot, same descriptor */
	CHECK_INT(flow_idx(fl), stale.idx);
	CHECK_INT(fl->sock, old_sock);
	tcp_sock_handler(&c, stale, EPOLLERR | EPOLLHUP);
	CHECK_INT(flow_count(), 1);
	CHECK(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 200) < 0);
	tcp_close_all(&c);
	close(l);
}

/* Without SO_PEEK_OFF every peek re-reads all unacknowledged bytes: the
 * data in flight is capped at 32 segments, whatever window the guest
 * offers, so that the re-reading per byte sent stays bounded. */
TEST(fallback_without_peek_offset_caps_data_in_flight)
{
	static uint8_t data[4096];
	struct ctx c;
	struct ft_seg s;
	struct pollfd p;
	uint32_t first, end;
	uint16_t port;
	int l, h, rounds;
	const uint32_t mss = 536; /* no MSS option in the SYN */

	tcp_set_peek_offset(false);
	CHECK_INT(ft_setup(&c, 64), 0);
	l = ft_listen_tcp(AF_INET, &port);
	CHECK(l >= 0);
	s = guest_seg(port, GUEST_ISN, 0, FT_SYN);
	ft_tcp_send(&c, &s);
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
	CHECK_INT(s.flags, FT_SYN | FT_ACK);
	first = end = s.seq + 1;
	s = guest_seg(port, GUEST_ISN + 1, first, FT_ACK);
	ft_tcp_send(&c, &s);
	p.fd = l;
	p.events = POLLIN;
	CHECK_INT(poll(&p, 1, 2000), 1);
	h = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	CHECK(h >= 0);
	/* The host writes in chunks, each one new data for vunetd to send;
	 * the guest takes everything sent and acknowledges nothing. */
	for (rounds = 0; rounds < 1000; rounds++) {
		if (rounds < 64)
			CHECK(send(h, data, 4096, MSG_DONTWAIT) == 4096);
		if (ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s,
				rounds < 64 ? 50 : 300)) {
			if (rounds >= 64)
				break;
			continue;
		}
		if (s.len && (int32_t)(s.seq + (uint32_t)s.len - end) > 0)
			end = s.seq + (uint32_t)s.len;
	}
	CHECK(end - first > 0);
	CHECK_MSG(end - first <= 32 * mss, "%u bytes in flight",
		  end - first);
	close(h);
	close(l);
	tcp_close_all(&c);
}

/* Whether the loop has an event for a listening socket right now. */
static bool listener_event_pending(struct ctx *c)
{
	struct epoll_event ev[16];
	int n = epoll_wait(c->epollfd, ev, 16, 0), i;

	for (i = 0; i < n; i++) {
		union epoll_ref ref = { .u64 = ev[i].data.u64 };

		if (ref.type == EPOLL_TYPE_TCP_LISTEN)
			return true;
	}
	return false;
}

/* accept4() failing with EMFILE leaves the connection queued; the
 * level-triggered listener must not wake the loop again and again. */
TEST(listener_out_of_descriptors_pauses_instead_of_spinning)
{
	struct ctx c;
	struct ft_seg s;
	struct rlimit saved, low;
	struct timespec later;
	uint16_t port = ft_closed_port(AF_INET, SOCK_STREAM);
	int lowest_free;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(forward_port(&c, port), 0);
	CHECK(host_connect(port) >= 0);
	/* No descriptor above those open now: accept4() gets EMFILE. */
	lowest_free = dup(0);
	CHECK(lowest_free >= 0);
	close(lowest_free);
	CHECK(!getrlimit(RLIMIT_NOFILE, &saved));
	low = saved;
	low.rlim_cur = (rlim_t)lowest_free;
	CHECK(!setrlimit(RLIMIT_NOFILE, &low));
	ft_pump(&c, 1000);
	CHECK_INT(c.stats.accept_no_fd, 1);
	CHECK(!listener_event_pending(&c));
	CHECK(!setrlimit(RLIMIT_NOFILE, &saved));

	/* After the pause, the waiting client is accepted. */
	later = ms_to_timespec(flow_now_ms() + 1000);
	tcp_timer(&c, &later);
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
	CHECK_INT(s.flags, FT_SYN);
	CHECK_INT(s.dport, port);
	tcp_close_all(&c);
	tcp_listen_close(&c);
}

/* Makes accept4() fail with EMFILE (no descriptor above those open now),
 * saving the limit in SAVED.  Returns 0 or -1. */
static int run_out_of_descriptors(struct rlimit *saved)
{
	struct rlimit low;
	int lowest_free = dup(0);

	if (lowest_free < 0 || getrlimit(RLIMIT_NOFILE, saved))
		return -1;
	close(lowest_free);
	low = *saved;
	low.rlim_cur = (rlim_t)lowest_free;
	return setrlimit(RLIMIT_NOFILE, &low);
}

/* Which of host ports P[0], P[1] the guest got a SYN for, in frames
 * coming at most TIMEOUT_MS apart (a few frames at most): bit 0, bit 1. */
static unsigned guest_syns_for(struct ctx *c, const uint16_t p[2],
			       int timeout_ms)
{
	struct ft_seg s;
	unsigned seen = 0;
	int i;

	for (i = 0; i < 8; i++) {
		if (ft_tcp_recv(c, rxbuf, sizeof(rxbuf), &s, timeout_ms))
			break;
		if (s.flags == FT_SYN && s.dport == p[0])
			seen |= 1;
		if (s.flags == FT_SYN && s.dport == p[1])
			seen |= 2;
	}
	return seen;
}

/* Each listener pauses for its own second: one that ran out of
 * descriptors later does not resume with the first. */
TEST(listener_paused_later_resumes_a_whole_pause_after_its_own)
{
	struct ctx c;
	struct rlimit saved;
	struct timespec t;
	uint16_t p1 = ft_closed_port(AF_INET, SOCK_STREAM), p2;
	uint16_t ports[2];
	char spec[32], err[256];
	uint64_t first_paused_by;

	CHECK_INT(ft_setup(&c, 64), 0);
	do
		p2 = ft_closed_port(AF_INET, SOCK_STREAM);
	while (p2 == p1);
	ports[0] = p1;
	ports[1] = p2;
	snprintf(spec, sizeof(spec), "%u,%u", p1, p2);
	CHECK_INT(fwd_parse_spec(&c.tcp_fwd, spec, err, sizeof(err)), 0);
	CHECK_INT(tcp_listen_init(&c), 2);

	CHECK(host_connect(p1) >= 0);
	CHECK_INT(run_out_of_descriptors(&saved), 0);
	ft_pump(&c, 300);
	CHECK_INT(c.stats.accept_no_fd, 1);
	first_paused_by = flow_now_ms();
	CHECK(!setrlimit(RLIMIT_NOFILE, &saved));
	usleep(50 * 1000);
	CHECK(host_connect(p2) >= 0);
	CHECK_INT(run_out_of_descriptors(&saved), 0);
	ft_pump(&c, 300);
	CHECK_INT(c.stats.accept_no_fd, 2);
	CHECK(!setrlimit(RLIMIT_NOFILE, &saved));

	/* the first one's second is over, not the second one's */
	t = ms_to_timespec(first_paused_by + 1000);
	tcp_timer(&c, &t);
	CHECK_INT((int)guest_syns_for(&c, ports, 300), 1);
	t = ms_to_timespec(flow_now_ms() + 1000);
	tcp_timer(&c, &t);
	CHECK(guest_syns_for(&c, ports, 300) & 2);
	tcp_close_all(&c);
	tcp_listen_close(&c);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
