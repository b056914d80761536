// SPDX-License-Identifier: GPL-2.0-or-later
/* Delayed ACKs towards the guest (tcp.c, "Delayed ACKs"): once the host
 * answers the guest promptly, the ACK of the guest's next request waits
 * up to TCP_ACK_DELAY_MS for the answer to carry it, and goes out alone
 * when no answer comes; everything else is still acknowledged at once.
 *
 * The test plays the guest (test_tcp_guest.h) over the real stream
 * transport, with the delayed-ACK timer in the loop (ft_setup() calls
 * tcp_init(), ft_pump() runs its handler).  "At once" means the ACK is
 * already in the stream when the guest's send returns, before the loop
 * ran again: read without waiting.  The host answers with plain socket
 * calls that do not run vunetd, so vunetd sees the answer only when the
 * test pumps it.  Times are checked from below only (an ACK held back
 * never comes before its delay): a loaded machine makes things late,
 * never early. */
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/flow.h"
#include "backend/tcp.h"
#include "tests/backend/test_tcp_guest.h"
#include "tests/harness.h"

/* How long "nothing happens" is watched for: well past the delay. */
#define QUIET_MS (TCP_ACK_DELAY_MS * 5)
/* Exchanges tried before a flow must have become interactive (one is
 * enough unless the machine stalls the test past TCP_ACK_DELAY_MS). */
#define EXCHANGES_MAX 20
/* Attempts at an exchange the host answers within the delay. */
#define PROMPT_TRIES 5

static long long ms_since(const struct timespec *t0)
{
	struct timespec now = tg_now();

	return (now.tv_sec - t0->tv_sec) * 1000LL +
	       (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static bool interactive(const struct tg_conn *cn)
{
	const struct flow *fl = tg_flow(cn);

	return fl && (fl->tcp.events & TCP_EV_INTERACTIVE);
}

/* The host reads LEN bytes of request, without running vunetd.  Returns
 * 0 or -1. */
static int host_take(const struct tg_conn *cn, size_t len)
{
	uint8_t buf[4096];
	struct pollfd p = { .fd = cn->host, .events = POLLIN };
	size_t got = 0;

	while (got < len && poll(&p, 1, TG_WAIT_MS) == 1) {
		ssize_t n = recv(cn->host, buf, sizeof(buf), MSG_DONTWAIT);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return got == len ? 0 : -1;
}

/* The host answers "ok", without running vunetd.  Returns 0 or -1. */
static int host_answer(const struct tg_conn *cn)
{
	return send(cn->host, "ok", 2, MSG_NOSIGNAL) == 2 ? 0 : -1;
}

/* The guest takes data segment S (advancing cn->ack) and acknowledges
 * it. */
static void guest_ack(struct ctx *c, struct tg_conn *cn,
		      const struct ft_seg *s)
{
	cn->ack = s->seq + (uint32_t)s->len;
	tg_send(c, cn, FT_ACK, NULL, 0);
}

/* Request/response exchanges until the flow counts as interactive: the
 * guest sends a request, the host answers at once.  Returns 0 or -1. */
static int make_interactive(struct ctx *c, struct tg_conn *cn)
{
	struct ft_seg s;
	int i;

	for (i = 0; i < EXCHANGES_MAX && !interactive(cn); i++) {
		tg_send(c, cn, FT_ACK | FT_PSH, "req", 3);
		if (host_take(cn, 3) || host_answer(cn) ||
		    tg_recv_flags(c, &s, FT_PSH, TG_WAIT_MS))
			return -1;
		guest_ack(c, cn, &s);
	}
	/* an ACK still held back (the last request's) is void: answered */
	while (!tg_recv(c, &s, 0))
		;
	return interactive(cn) ? 0 : -1;
}

static int connect_interactive(struct ctx *c, struct tg_conn *cn)
{
	if (ft_setup(c, 64) || tg_connect(c, cn, AF_INET))
		return -1;
	return make_interactive(c, cn);
}

/* Checks that the guest got a pure ACK of everything it sent, at once. */
static void check_acked_at_once(struct ctx *c, const struct tg_conn *cn)
{
	struct ft_seg s;

	CHECK_MSG(!tg_recv(c, &s, 0), "no ACK at once");
	CHECK_INT(s.flags, FT_ACK);
	CHECK_INT(s.len, 0);
	CHECK_INT(s.ack, cn->seq);
}

TEST(first_request_of_a_connection_is_acknowledged_at_once)
{
	struct ctx c;
	struct tg_conn cn;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	CHECK(!interactive(&cn));
	tg_send(&c, &cn, FT_ACK | FT_PSH, "req", 3);
	check_acked_at_once(&c, &cn);
	CHECK_INT(c.stats.ack_delayed, 0);
	tcp_close_all(&c);
}

TEST(prompt_answer_makes_the_flow_interactive)
{
	struct ctx c;
	struct tg_conn cn;

	CHECK_INT(connect_interactive(&c, &cn), 0);
	tcp_close_all(&c);
}

TEST(ack_of_a_request_rides_on_a_prompt_answer)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	uint64_t delayed;
	int try;

	CHECK_INT(connect_interactive(&c, &cn), 0);
	for (try = 0; try < PROMPT_TRIES; try++) {
		struct timespec t0 = tg_now();

		delayed = c.stats.ack_delayed;
		tg_send(&c, &cn, FT_ACK | FT_PSH, "req", 3);
		CHECK_MSG(tg_recv(&c, &s, 0), "the ACK of a request came at once");
		CHECK_INT(c.stats.ack_delayed, delayed + 1);
		CHECK_INT(host_take(&cn, 3), 0);
		CHECK_INT(host_answer(&cn), 0);
		CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
		if (s.len)
			break;
		/* a pure ACK first: only if the test was late to answer */
		CHECK_MSG(ms_since(&t0) >= TCP_ACK_DELAY_MS - 1,
			  "pure ACK %lld ms after the request", ms_since(&t0));
		CHECK_INT(tg_recv_flags(&c, &s, FT_PSH, TG_WAIT_MS), 0);
		guest_ack(&c, &cn, &s);
		CHECK_INT(make_interactive(&c, &cn), 0);
	}
	CHECK_MSG(try < PROMPT_TRIES, "never answered within %d ms",
		  TCP_ACK_DELAY_MS);
	CHECK_INT(s.flags & FT_ACK, FT_ACK);
	CHECK_INT(s.ack, cn.seq);
	CHECK_INT(s.len, 2);
	CHECK(!memcmp(s.payload, "ok", 2));
	guest_ack(&c, &cn, &s);
	/* the ACK held back is void: nothing follows */
	CHECK(tg_quiet(&c, QUIET_MS));
	CHECK(interactive(&cn));
	CHECK_INT(c.stats.ack_delay_expired, 0);
	/* and the next request's ACK waits again */
	tg_send(&c, &cn, FT_ACK | FT_PSH, "req", 3);
	CHECK_MSG(tg_recv(&c, &s, 0), "the ACK of a request came at once");
	CHECK_INT(host_take(&cn, 3), 0);
	tcp_close_all(&c);
}

TEST(unanswered_request_is_acknowledged_after_the_delay)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	struct timespec t0;

	CHECK_INT(connect_interactive(&c, &cn), 0);
	t0 = tg_now();
	tg_send(&c, &cn, FT_ACK | FT_PSH, "req", 3);
	CHECK_MSG(tg_recv(&c, &s, 0), "the ACK of a request came at once");
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_MSG(ms_since(&t0) >= TCP_ACK_DELAY_MS - 1,
		  "ACK %lld ms after the request", ms_since(&t0));
	CHECK_INT(s.flags, FT_ACK);
	CHECK_INT(s.len, 0);
	CHECK_INT(s.ack, cn.seq);
	CHECK_INT(c.stats.ack_delay_expired, 1);
	CHECK(tg_quiet(&c, QUIET_MS)); /* one ACK, not one per tick */
	/* no answer in time: the next request is acknowledged at once */
	CHECK(!interactive(&cn));
	tg_send(&c, &cn, FT_ACK | FT_PSH, "req", 3);
	check_acked_at_once(&c, &cn);
	CHECK_INT(host_take(&cn, 6), 0);
	tcp_close_all(&c);
}

/* A request whose ACK was held back and answered a little later, then,
 * while the first request's queue entry is still pending, an unanswered
 * one: its ACK waits its own full delay (the first entry is void, and
 * must not send the second one's ACK early). */
TEST(next_request_after_an_answered_one_waits_its_own_delay)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	struct timespec t0;
	int try;

	CHECK_INT(connect_interactive(&c, &cn), 0);
	for (try = 0; try < PROMPT_TRIES; try++) {
		t0 = tg_now();
		tg_send(&c, &cn, FT_ACK | FT_PSH, "one", 3);
		CHECK_MSG(tg_recv(&c, &s, 0), "the ACK of a request came at once");
		usleep(TCP_ACK_DELAY_MS * 1000 / 2);
		CHECK_INT(host_take(&cn, 3), 0);
		CHECK_INT(host_answer(&cn), 0);
		CHECK_INT(tg_recv_flags(&c, &s, FT_PSH, TG_WAIT_MS), 0);
		guest_ack(&c, &cn, &s);
		if (s.ack == cn.seq && ms_since(&t0) < TCP_ACK_DELAY_MS - 1)
			break; /* rode on the answer, and the entry is pending */
		CHECK_INT(make_interactive(&c, &cn), 0);
	}
	CHECK_MSG(try < PROMPT_TRIES, "never answered within %d ms",
		  TCP_ACK_DELAY_MS);
	t0 = tg_now();
	tg_send(&c, &cn, FT_ACK | FT_PSH, "two", 3);
	CHECK_MSG(tg_recv(&c, &s, 0), "the ACK of a request came at once");
	CHECK_INT(tg_recv(&c, &s, TG_WAIT_MS), 0);
	CHECK_INT(s.flags, FT_ACK);
	CHECK_INT(s.ack, cn.seq);
	CHECK_MSG(ms_since(&t0) >= TCP_ACK_DELAY_MS - 1,
		  "ACK %lld ms after the request", ms_since(&t0));
	CHECK_INT(host_take(&cn, 3), 0);
	tcp_close_all(&c);
}

TEST(segment_without_psh_is_acknowledged_at_once)
{
	struct ctx c;
	struct tg_conn cn;

	CHECK_INT(connect_interactive(&c, &cn), 0);
	tg_send(&c, &cn, FT_ACK, "part", 4);
	check_acked_at_once(&c, &cn);
	CHECK_INT(host_take(&cn, 4), 0);
	tcp_close_all(&c);
}

TEST(second_segment_while_an_ack_is_held_back_is_acknowledged_at_once)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;

	CHECK_INT(connect_interactive(&c, &cn), 0);
	tg_send(&c, &cn, FT_ACK | FT_PSH, "one", 3);
	CHECK_MSG(tg_recv(&c, &s, 0), "the ACK of a request came at once");
	tg_send(&c, &cn, FT_ACK | FT_PSH, "two", 3);
	check_acked_at_once(&c, &cn); /* covers both */
	CHECK_INT(host_take(&cn, 6), 0);
	/* the first one's delayed ACK is void */
	CHECK(tg_quiet(&c, QUIET_MS));
	CHECK_INT(c.stats.ack_delay_expired, 0);
	tcp_close_all(&c);
}

TEST(more_than_one_mss_unacknowledged_is_acknowledged_at_once)
{
	static uint8_t big[TG_GUEST_MSS + 100];
	struct ctx c;
	struct tg_conn cn;

	CHECK_INT(connect_interactive(&c, &cn), 0);
	CHECK(sizeof(big) > tg_flow(&cn)->tcp.mss_to_guest);
	memset(big, 'x', sizeof(big));
	tg_send(&c, &cn, FT_ACK | FT_PSH, big, sizeof(big));
	check_acked_at_once(&c, &cn);
	CHECK_INT(host_take(&cn, sizeof(big)), 0);
	tcp_close_all(&c);
}

TEST(request_using_half_the_announced_window_is_acknowledged_at_once)
{
	static uint8_t req[1200];
	int small = 2048;
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;

	CHECK_INT(ft_setup(&c, 64), 0);
	CHECK_INT(tg_connect(&c, &cn, AF_INET), 0);
	/* about 2 KiB of window from now on (the kernel doubles SNDBUF) */
	CHECK_INT(setsockopt(tg_flow(&cn)->sock, SOL_SOCKET, SO_SNDBUF,
			     &small, sizeof(small)), 0);
	CHECK_INT(make_interactive(&c, &cn), 0);
	CHECK(tg_flow(&cn)->tcp.wnd_to_guest < 2 * sizeof(req));
	CHECK(tg_flow(&cn)->tcp.wnd_to_guest >= sizeof(req));
	memset(req, 'x', sizeof(req));
	tg_send(&c, &cn, FT_ACK | FT_PSH, req, sizeof(req));
	CHECK_MSG(!tg_recv(&c, &s, 0), "no ACK at once");
	CHECK_INT(s.ack, cn.seq);
	CHECK_INT(host_take(&cn, sizeof(req)), 0);
	tcp_close_all(&c);
}

TEST(fin_after_a_held_back_ack_is_acknowledged_at_once)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;

	CHECK_INT(connect_interactive(&c, &cn), 0);
	tg_send(&c, &cn, FT_ACK | FT_PSH, "bye", 3);
	CHECK_MSG(tg_recv(&c, &s, 0), "the ACK of a request came at once");
	tg_send(&c, &cn, FT_ACK | FT_FIN, NULL, 0);
	check_acked_at_once(&c, &cn);
	CHECK(tg_host_state_is(&c, cn.host, TCP_CLOSE_WAIT, TG_WAIT_MS));
	tcp_close_all(&c);
}

TEST(repeat_of_a_held_back_segment_gets_an_ack_at_once)
{
	struct ctx c;
	struct tg_conn cn;
	struct ft_seg s;
	uint32_t seq;

	CHECK_INT(connect_interactive(&c, &cn), 0);
	seq = cn.seq;
	tg_send(&c, &cn, FT_ACK | FT_PSH, "req", 3);
	CHECK_MSG(tg_recv(&c, &s, 0), "the ACK of a request came at once");
	tg_send_at(&c, &cn, seq, FT_ACK | FT_PSH, "req", 3);
	check_acked_at_once(&c, &cn);
	CHECK_INT(host_take(&cn, 3), 0);
	tcp_close_all(&c);
}

TEST(out_of_order_segment_gets_a_duplicate_ack_at_once)
{
	struct ctx c;
	struct tg_conn cn;

	CHECK_INT(connect_interactive(&c, &cn), 0);
	tg_send_at(&c, &cn, cn.seq + 10, FT_ACK | FT_PSH, "late", 4);
	check_acked_at_once(&c, &cn); /* ack = cn.seq: the gap's start */
	tcp_close_all(&c);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
