// SPDX-License-Identifier: GPL-2.0-or-later
/* TCP translation: guest connections through the gateway address reach
 * loopback listeners; data flows both ways with correct sequence numbers,
 * acknowledgements and checksums, over the real stream transport. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/sockios.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/flow.h"
#include "backend/fwd.h"
#include "backend/tcp.h"
#include "tests/backend/test_flow_harness.h"
#include "tests/harness.h"

#define GUEST_PORT 41000
#define GUEST_ISN 1000000u
#define GUEST_WND 65535
#define GUEST_WSCALE 7

static uint8_t rxbuf[PT_FRAME_MAX];

/* One guest connection as the test (playing the guest) sees it. */
struct conn {
	int af;
	uint16_t port;     /* host listener port = guest's destination */
	int host;          /* accepted socket on the host side */
	uint32_t seq;      /* guest's next sequence number */
	uint32_t ack;      /* next byte expected from vunetd */
	uint16_t mss;      /* MSS vunetd announced */
};

static struct ft_seg guest_seg(const struct conn *cn, uint8_t flags)
{
	struct ft_seg s = { .af = cn->af, .sport = GUEST_PORT,
			    .dport = cn->port, .seq = cn->seq, .ack = cn->ack,
			    .flags = flags, .wnd = GUEST_WND, .wscale = -1 };

	if (cn->af == AF_INET) {
		s.saddr.a4 = pt_a4("192.0.2.2");
		s.daddr.a4 = pt_a4("192.0.2.1");
	} else {
		s.saddr.a6 = pt_a6("2001:db8::2");
		s.daddr.a6 = pt_a6("fe80::1");
	}
	return s;
}

static void send_flags(struct ctx *c, const struct conn *cn, uint8_t flags)
{
	struct ft_seg s = guest_seg(cn, flags);

	ft_tcp_send(c, &s);
}

static void send_data(struct ctx *c, struct conn *cn, const void *data,
		      size_t len)
{
	struct ft_seg s = guest_seg(cn, FT_ACK | FT_PSH);

	s.payload = data;
	s.len = len;
	ft_tcp_send(c, &s);
	cn->seq += (uint32_t)len;
}

static int accept_host(int l)
{
	struct pollfd p = { l, POLLIN, 0 };

	if (poll(&p, 1, 2000) != 1)
		return -1;
	return accept4(l, NULL, NULL, SOCK_CLOEXEC);
}

/* Opens a connection from the guest to the gateway, port of listener L,
 * offering MSS (0: none) and window scaling.  Returns 0 or -1. */
static int guest_connect(struct ctx *c, struct conn *cn, int af, int l,
			 uint16_t port, uint16_t mss)
{
	struct ft_seg s;

	static uint32_t isn = GUEST_ISN; /* each connection its own */

	memset(cn, 0, sizeof(*cn));
	cn->af = af;
	cn->port = port;
	cn->seq = isn;
	isn += 1000000;
	s = guest_seg(cn, FT_SYN);
	s.mss = mss;
	s.wscale = GUEST_WSCALE;
	ft_tcp_send(c, &s);
	if (ft_tcp_recv(c, rxbuf, sizeof(rxbuf), &s, 3000) ||
	    s.flags != (FT_SYN | FT_ACK) || s.ack != cn->seq + 1)
		return -1;
	cn->seq++;
	cn->ack = s.seq + 1;
	cn->mss = s.mss;
	cn->host = accept_host(l);
	if (cn->host < 0)
		return -1;
	send_flags(c, cn, FT_ACK);
	return 0;
}

/* Receives host data as the guest, in order, acknowledging each segment
 * if ACK, until at least LEN bytes arrived in BUF (room for CAP).
 * Returns the bytes received. */
static size_t guest_read_into(struct ctx *c, struct conn *cn, uint8_t *buf,
			      size_t cap, size_t len, bool ack)
{
	size_t got = 0;
	struct ft_seg s;
	int rounds;

	for (rounds = 0; got < len && rounds < 10000; rounds++) {
		if (ft_tcp_recv(c, rxbuf, sizeof(rxbuf), &s, 2000))
			break;
		if (s.seq != cn->ack || !s.len)
			continue;
		if (s.len > cap - got)
			break;
		memcpy(buf + got, s.payload, s.len);
		got += s.len;
		cn->ack += (uint32_t)s.len;
		if (ack)
			send_flags(c, cn, FT_ACK);
	}
	return got;
}

/* Reads LEN bytes on the host socket S (blocking with a time limit). */
static size_t host_read(struct ctx *c, int s, uint8_t *buf, size_t len)
{
	size_t got = 0;
	int rounds;

	for (rounds = 0; got < len && rounds < 1000; rounds++) {
		struct pollfd p = { s, POLLIN, 0 };
		ssize_t n;

		ft_pump(c, 0);
		if (poll(&p, 1, 10) != 1)
			continue;
		n = recv(s, buf + got, len - got, MSG_DONTWAIT);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

static size_t guest_read(struct ctx *c, struct conn *cn, uint8_t *buf,
			 size_t len, bool ack)
{
	return guest_read_into(c, cn, buf, len, len, ack);
}

static void fill_pattern(uint8_t *buf, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)((i * 131 + seed) ^ (i >> 9));
}

static int listener(int af, uint16_t *port)
{
	return ft_listen_tcp(af, port);
}

TEST(guest_syn_gets_synack_only_after_host_connect)
{
	struct ctx c;
	struct conn cn;
	uint16_t port;
	int l;

	CHECK_INT(ft_setup(&c, 64), 0);
	l = listener(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(guest_connect(&c, &cn, AF_INET, l, port, 1460), 0);
	CHECK_INT(cn.mss, 1460);
	CHECK_INT(flow_count(), 1);
	tcp_close_all(&c);
}

TEST(synack_announces_mss_for_the_mtu_when_guest_offers_more)
{
	struct ctx c;
	struct conn cn;
	uint16_t port;
	int l;

	CHECK_INT(ft_setup(&c, 64), 0);
	c.mtu = 1500;
	l = listener(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(guest_connect(&c, &cn, AF_INET, l, port, 9000), 0);
	CHECK_INT(cn.mss, 1460);
	tcp_close_all(&c);
}

TEST(refused_connection_gets_rst_promptly)
{
	struct ctx c;
	struct conn cn = { .af = AF_INET, .seq = GUEST_ISN };
	struct ft_seg s;

	CHECK_INT(ft_setup(&c, 64), 0);
	cn.port = ft_closed_port(AF_INET, SOCK_STREAM);
	send_flags(&c, &cn, FT_SYN);
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
	CHECK(s.flags & FT_RST);
	CHECK(s.flags & FT_ACK);
	CHECK_INT(s.ack, GUEST_ISN + 1);
	CHECK_INT(s.sport, cn.port);
	CHECK_INT(flow_count(), 0);
}

TEST(segment_for_unknown_connection_gets_rst)
{
	struct ctx c;
	struct conn cn = { .af = AF_INET, .port = 80, .seq = 5, .ack = 77 };
	struct ft_seg s;

	CHECK_INT(ft_setup(&c, 64), 0);
	send_flags(&c, &cn, FT_ACK);
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
	CHECK_INT(s.flags, FT_RST);
	CHECK_INT(s.seq, 77);
}

TEST(full_table_refuses_new_connection_with_rst)
{
	struct ctx c;
	struct conn cn, second = { .af = AF_INET, .seq = GUEST_ISN };
	struct ft_seg s;
	uint16_t port;
	int l;

	CHECK_INT(ft_setup(&c, 1), 0);
	l = listener(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(guest_connect(&c, &cn, AF_INET, l, port, 1460), 0);
	second.port = port;
	s = guest_seg(&second, FT_SYN);
	s.sport = GUEST_PORT + 1;
	ft_tcp_send(&c, &s);
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
	CHECK(s.flags & FT_RST);
	CHECK_INT(c.stats.drops[DROP_NO_FLOW], 1);
	/* the first connection is untouched */
	send_data(&c, &cn, "still", 5);
	{
		uint8_t buf[5];

		CHECK_INT(host_read(&c, cn.host, buf, 5), 5);
		CHECK(!memcmp(buf, "still", 5));
	}
	tcp_close_all(&c);
}

TEST(guest_data_reaches_host_and_is_acknowledged)
{
	struct ctx c;
	struct conn cn;
	struct ft_seg s;
	uint8_t buf[16];
	uint16_t port;
	int l;

	CHECK_INT(ft_setup(&c, 64), 0);
	l = listener(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(guest_connect(&c, &cn, AF_INET, l, port, 1460), 0);
	send_data(&c, &cn, "hello, host", 11);
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
	CHECK_INT(s.flags, FT_ACK);
	CHECK_INT(s.ack, cn.seq);
	CHECK(s.wnd > 0);
	CHECK_INT(host_read(&c, cn.host, buf, 11), 11);
	CHECK(!memcmp(buf, "hello, host", 11));
	tcp_close_all(&c);
}

TEST(bad_guest_checksum_is_dropped_not_acknowledged)
{
	struct ctx c;
	struct conn cn;
	uint8_t frame[256];
	struct ft_seg s;
	uint16_t port;
	size_t len;
	int l;

	CHECK_INT(ft_setup(&c, 64), 0);
	l = listener(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(guest_connect(&c, &cn, AF_INET, l, port, 1460), 0);
	s = guest_seg(&cn, FT_ACK | FT_PSH);
	s.payload = (const uint8_t *)"corrupt";
	s.len = 7;
	len = ft_tcp_frame(frame, &s);
	frame[len - 1] ^= 1;
	pt_to_vunetd(&c, frame, len);
	CHECK_INT(c.stats.drops[DROP_BAD_CSUM], 1);
	CHECK(ft_recv(&c, rxbuf, sizeof(rxbuf), 200) < 0);
	tcp_close_all(&c);
}

TEST(retransmitted_guest_data_is_not_duplicated)
{
	struct ctx c;
	struct conn cn;
	uint8_t buf[16];
	uint32_t seq0;
	uint16_t port;
	int l;

	CHECK_INT(ft_setup(&c, 64), 0);
	l = listener(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(guest_connect(&c, &cn, AF_INET, l, port, 1460), 0);
	seq0 = cn.seq;
	send_data(&c, &cn, "abcd", 4);
	cn.seq = seq0; /* the same segment again, then its continuation */
	send_data(&c, &cn, "abcdef", 6);
	CHECK_INT(host_read(&c, cn.host, buf, 6), 6);
	CHECK(!memcmp(buf, "abcdef", 6));
	tcp_close_all(&c);
}

/* Host to guest, with and without the kernel's peek offset. */
static void host_data_reaches_guest(bool peek_offset, int af, size_t total)
{
	static uint8_t out[1 << 20], in[1 << 20];
	struct ctx c;
	struct conn cn;
	uint16_t port;
	size_t sent = 0, got = 0;
	int l, rounds;

	tcp_set_peek_offset(peek_offset);
	CHECK_INT(ft_setup(&c, 64), 0);
	l = listener(af, &port);
	if (l < 0 && af == AF_INET6)
		SKIP("no IPv6 loopback on this machine");
	CHECK(l >= 0);
	CHECK_INT(guest_connect(&c, &cn, af, l, port, 1460), 0);
	fill_pattern(out, total, 7);
	fcntl(cn.host, F_SETFL, O_NONBLOCK);
	for (rounds = 0; got < total && rounds < 20000; rounds++) {
		if (sent < total) {
			ssize_t n = send(cn.host, out + sent, total - sent,
					 MSG_DONTWAIT);

			if (n > 0)
				sent += (size_t)n;
		}
		got += guest_read_into(&c, &cn, in + got, total - got,
				       total - got < 1460 ? total - got : 1460,
				       true);
	}
	CHECK_INT(got, total);
	CHECK(!memcmp(in, out, total));
	tcp_close_all(&c);
}

TEST(host_data_reaches_guest_with_peek_offset)
{
	struct ctx c;
	int s = socket(AF_INET, SOCK_STREAM, 0), zero = 0;

	(void)c;
	if (setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero)))
		SKIP("this kernel has no SO_PEEK_OFF for TCP (before 6.9)");
	close(s);
	host_data_reaches_guest(true, AF_INET, 300000);
}

TEST(host_data_reaches_guest_without_peek_offset)
{
	host_data_reaches_guest(false, AF_INET, 300000);
}

TEST(ipv6_host_data_reaches_guest)
{
	host_data_reaches_guest(false, AF_INET6, 300000);
}

TEST(host_data_stays_in_kernel_until_guest_acknowledges)
{
	struct ctx c;
	struct conn cn;
	struct flow_key key;
	struct flow *fl;
	struct in_addr g = pt_a4("192.0.2.2"), gw = pt_a4("192.0.2.1");
	uint8_t buf[100];
	uint16_t port;
	int l, queued = -1;

	CHECK_INT(ft_setup(&c, 64), 0);
	l = listener(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(guest_connect(&c, &cn, AF_INET, l, port, 1460), 0);
	CHECK(send(cn.host, "0123456789", 10, 0) == 10);
	CHECK_INT(guest_read(&c, &cn, buf, 10, false), 10);
	flow_key_set(&key, IPPROTO_TCP, AF_INET, &g, GUEST_PORT, &gw, port);
	fl = flow_lookup(&key);
	CHECK(fl);
	CHECK(!ioctl(fl->sock, SIOCINQ, &queued));
	CHECK_INT(queued, 10);
	send_flags(&c, &cn, FT_ACK);
	CHECK(!ioctl(fl->sock, SIOCINQ, &queued));
	CHECK_INT(queued, 0);
	tcp_close_all(&c);
}

static void unacked_data_is_retransmitted_on_timeout(bool peek_offset)
{
	struct ctx c;
	struct conn cn;
	struct ft_seg s;
	struct timespec now;
	uint8_t buf[16];
	uint32_t first_seq;
	uint16_t port;
	int l;

	tcp_set_peek_offset(peek_offset);
	CHECK_INT(ft_setup(&c, 64), 0);
	l = listener(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(guest_connect(&c, &cn, AF_INET, l, port, 1460), 0);
	CHECK(send(cn.host, "lost", 4, 0) == 4);
	first_seq = cn.ack;
	CHECK_INT(guest_read(&c, &cn, buf, 4, false), 4);
	CHECK(send(cn.host, "more", 4, 0) == 4);
	CHECK_INT(guest_read(&c, &cn, buf, 4, false), 4);
	clock_gettime(CLOCK_MONOTONIC, &now);
	now.tv_sec += TCP_RTO_MS / 1000 + 1;
	tcp_timer(&c, &now);
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
	CHECK_INT(s.seq, first_seq);
	CHECK_INT(s.len, 8);
	CHECK(!memcmp(s.payload, "lostmore", 8));
	tcp_close_all(&c);
}

TEST(unacked_data_is_retransmitted_on_timeout_with_peek_offset)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), zero = 0;

	if (setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero)))
		SKIP("this kernel has no SO_PEEK_OFF for TCP (before 6.9)");
	close(s);
	unacked_data_is_retransmitted_on_timeout(true);
}

TEST(unacked_data_is_retransmitted_on_timeout_without_peek_offset)
{
	unacked_data_is_retransmitted_on_timeout(false);
}

TEST(three_duplicate_acks_trigger_retransmission)
{
	struct ctx c;
	struct conn cn;
	struct ft_seg s;
	uint8_t buf[16];
	uint32_t lost_seq;
	uint16_t port;
	int l, i;

	tcp_set_peek_offset(false);
	CHECK_INT(ft_setup(&c, 64), 0);
	l = listener(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(guest_connect(&c, &cn, AF_INET, l, port, 1460), 0);
	lost_seq = cn.ack;
	CHECK(send(cn.host, "AAAA", 4, 0) == 4);
	CHECK_INT(guest_read(&c, &cn, buf, 4, false), 4);
	CHECK(send(cn.host, "BBBB", 4, 0) == 4);
	CHECK_INT(guest_read(&c, &cn, buf, 4, false), 4);
	cn.ack = lost_seq; /* the guest lost "AAAA" */
	for (i = 0; i < 3; i++)
		send_flags(&c, &cn, FT_ACK);
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
	CHECK_INT(s.seq, lost_seq);
	CHECK(s.len >= 4);
	CHECK(!memcmp(s.payload, "AAAA", 4));
	tcp_close_all(&c);
}

TEST(guest_fin_half_closes_and_host_can_still_send)
{
	struct ctx c;
	struct conn cn;
	struct ft_seg s;
	uint8_t buf[16];
	uint16_t port;
	int l;

	CHECK_INT(ft_setup(&c, 64), 0);
	l = listener(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(guest_connect(&c, &cn, AF_INET, l, port, 1460), 0);
	send_flags(&c, &cn, FT_ACK | FT_FIN);
	cn.seq++;
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
	CHECK_INT(s.ack, cn.seq); /* the FIN is acknowledged */
	{
		struct pollfd p = { cn.host, POLLIN, 0 };

		CHECK_INT(poll(&p, 1, 2000), 1);
		CHECK_INT(recv(cn.host, buf, sizeof(buf), 0), 0); /* EOF */
	}
	CHECK(send(cn.host, "reply", 5, 0) == 5);
	CHECK_INT(guest_read(&c, &cn, buf, 5, true), 5);
	CHECK(!memcmp(buf, "reply", 5));
	tcp_close_all(&c);
}

TEST(host_close_sends_fin_after_data_and_flow_ends)
{
	struct ctx c;
	struct conn cn;
	struct ft_seg s;
	uint8_t buf[16];
	uint16_t port;
	int l, rounds;

	CHECK_INT(ft_setup(&c, 64), 0);
	l = listener(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(guest_connect(&c, &cn, AF_INET, l, port, 1460), 0);
	CHECK(send(cn.host, "bye", 3, 0) == 3);
	close(cn.host);
	CHECK_INT(guest_read(&c, &cn, buf, 3, true), 3);
	for (rounds = 0; rounds < 50; rounds++) {
		CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
		if (s.flags & FT_FIN)
			break;
	}
	CHECK(s.flags & FT_FIN);
	CHECK_INT(s.seq, cn.ack);
	cn.ack++;
	send_flags(&c, &cn, FT_ACK | FT_FIN);
	cn.seq++;
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
	CHECK_INT(s.ack, cn.seq);
	CHECK_INT(flow_count(), 0);
}

TEST(guest_rst_resets_host_connection)
{
	struct ctx c;
	struct conn cn;
	uint8_t buf[4];
	struct pollfd p;
	uint16_t port;
	int l;

	CHECK_INT(ft_setup(&c, 64), 0);
	l = listener(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(guest_connect(&c, &cn, AF_INET, l, port, 1460), 0);
	send_flags(&c, &cn, FT_RST);
	CHECK_INT(flow_count(), 0);
	p.fd = cn.host;
	p.events = POLLIN;
	CHECK_INT(poll(&p, 1, 2000), 1);
	CHECK(recv(cn.host, buf, sizeof(buf), 0) < 0);
	CHECK_INT(errno, ECONNRESET);
}

TEST(host_reset_gives_guest_rst)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct ctx c;
	struct conn cn;
	struct ft_seg s;
	uint16_t port;
	int l, rounds;

	CHECK_INT(ft_setup(&c, 64), 0);
	l = listener(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(guest_connect(&c, &cn, AF_INET, l, port, 1460), 0);
	setsockopt(cn.host, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(cn.host);
	for (rounds = 0; rounds < 10; rounds++) {
		CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
		if (s.flags & FT_RST)
			break;
	}
	CHECK(s.flags & FT_RST);
	CHECK_INT(flow_count(), 0);
}

TEST(large_guest_upload_arrives_intact)
{
	static uint8_t out[1 << 20], in[1 << 20];
	enum { TOTAL = 1 << 20, SEG = 1460 };
	struct ctx c;
	struct conn cn;
	struct ft_seg s;
	uint16_t port;
	size_t acked = 0, got = 0;
	int l, rounds;

	CHECK_INT(ft_setup(&c, 64), 0);
	l = listener(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(guest_connect(&c, &cn, AF_INET, l, port, 1460), 0);
	fill_pattern(out, TOTAL, 3);
	fcntl(cn.host, F_SETFL, O_NONBLOCK);
	/* A guest that sends one segment at a time from its last ACK, as
	 * a window-limited sender would, and resends what was not taken. */
	for (rounds = 0; got < TOTAL && rounds < 100000; rounds++) {
		size_t len = TOTAL - acked < SEG ? TOTAL - acked : SEG;
		ssize_t n;

		if (acked < TOTAL) {
			cn.seq = GUEST_ISN + 1 + (uint32_t)acked;
			send_data(&c, &cn, out + acked, len);
			while (!ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 0))
				acked = s.ack - (GUEST_ISN + 1);
		}
		n = recv(cn.host, in + got, TOTAL - got, MSG_DONTWAIT);
		if (n > 0)
			got += (size_t)n;
	}
	CHECK_INT(got, TOTAL);
	CHECK(!memcmp(in, out, TOTAL));
	tcp_close_all(&c);
}

TEST(window_update_follows_when_host_drains_a_full_socket)
{
	static uint8_t chunk[1460], sink[1 << 16];
	struct ctx c;
	struct conn cn;
	struct ft_seg s;
	uint16_t port;
	uint32_t acked = GUEST_ISN + 1;
	bool zero = false;
	int l, small = 4096, i;

	CHECK_INT(ft_setup(&c, 64), 0);
	l = listener(AF_INET, &port);
	CHECK(l >= 0);
	/* a small receive buffer on the host side fills quickly */
	setsockopt(l, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	CHECK_INT(guest_connect(&c, &cn, AF_INET, l, port, 1460), 0);
	memset(chunk, 'w', sizeof(chunk));
	/* The host socket's send buffer autotunes up to tcp_wmem's maximum
	 * (4 MiB by default), about 2900 segments: allow well beyond it. */
	for (i = 0; i < 10000 && !zero; i++) {
		cn.seq = acked;
		send_data(&c, &cn, chunk, sizeof(chunk));
		while (!ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 0)) {
			acked = s.ack;
			zero = !s.wnd;
		}
	}
	CHECK_MSG(zero, "no zero window after %d segments", i);
	/* the host application reads: the guest hears of the room */
	fcntl(cn.host, F_SETFL, O_NONBLOCK);
	for (i = 0; i < 100; i++) {
		while (recv(cn.host, sink, sizeof(sink), 0) > 0)
			;
		if (!ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 20) && s.wnd)
			break;
	}
	CHECK(i < 100);
	CHECK_INT(s.flags, FT_ACK);
	CHECK_INT(s.ack, acked);
	tcp_close_all(&c);
}

TEST(new_syn_on_same_ports_replaces_a_stale_connection)
{
	struct ctx c;
	struct conn cn, again;
	uint16_t port;
	uint8_t buf[4];
	struct pollfd p;
	int l;

	CHECK_INT(ft_setup(&c, 64), 0);
	l = listener(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(guest_connect(&c, &cn, AF_INET, l, port, 1460), 0);
	/* the guest rebooted and connects again from the same port */
	CHECK_INT(guest_connect(&c, &again, AF_INET, l, port, 1460), 0);
	CHECK_INT(flow_count(), 1);
	p.fd = cn.host;
	p.events = POLLIN;
	CHECK_INT(poll(&p, 1, 2000), 1);
	CHECK(recv(cn.host, buf, sizeof(buf), 0) < 0); /* reset */
	send_data(&c, &again, "new", 3);
	CHECK_INT(host_read(&c, again.host, buf, 3), 3);
	CHECK(!memcmp(buf, "new", 3));
	tcp_close_all(&c);
}

/* The host socket of the connection CN, from the flow table. */
static int host_side_socket(const struct conn *cn)
{
	struct in_addr g = pt_a4("192.0.2.2"), gw = pt_a4("192.0.2.1");
	struct flow_key key;
	struct flow *fl;

	flow_key_set(&key, IPPROTO_TCP, AF_INET, &g, GUEST_PORT, &gw,
		     cn->port);
	fl = flow_lookup(&key);
	return fl ? fl->sock : -1;
}

TEST(host_sockets_use_keepalive)
{
	struct ctx c;
	struct conn cn;
	uint16_t port;
	int l, s, on = 0;
	socklen_t sl = sizeof(on);

	CHECK_INT(ft_setup(&c, 64), 0);
	l = listener(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(guest_connect(&c, &cn, AF_INET, l, port, 1460), 0);
	s = host_side_socket(&cn);
	CHECK(s >= 0);
	CHECK(!getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &on, &sl));
	CHECK(on);
	tcp_close_all(&c);
}

TEST(idle_connection_is_reset_after_inactivity_timeout)
{
	struct ctx c;
	struct conn cn;
	struct ft_seg s;
	struct timespec now;
	uint16_t port;
	int l;

	CHECK_INT(ft_setup(&c, 64), 0);
	l = listener(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(guest_connect(&c, &cn, AF_INET, l, port, 1460), 0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	tcp_timer(&c, &now);
	CHECK_INT(flow_count(), 1);
	now.tv_sec += TCP_IDLE_TIMEOUT_MS / 1000 + 1;
	tcp_timer(&c, &now);
	CHECK_INT(flow_count(), 0);
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
	CHECK(s.flags & FT_RST);
}

/* A host client connecting (non-blocking) to loopback PORT. */
static int host_connect(int af, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons(port) };
	int s = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin6.sin6_addr = in6addr_loopback;
	if (s >= 0 &&
	    connect(s, af == AF_INET ? (struct sockaddr *)&sin :
				       (struct sockaddr *)&sin6,
		    af == AF_INET ? sizeof(sin) : sizeof(sin6)) &&
	    errno != EINPROGRESS) {
		close(s);
		s = -1;
	}
	return s;
}

/* Forwards host port PORT per SPEC (-t syntax); returns 0 or -1. */
static int forward(struct ctx *c, const char *spec)
{
	char err[256];

	if (fwd_parse_spec(&c->tcp_fwd, spec, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", spec, err);
		return -1;
	}
	return tcp_listen_init(c) == 1 ? 0 : -1;
}

TEST(forwarded_port_connection_arrives_as_syn_from_gateway)
{
	struct ctx c;
	struct conn cn = { .af = AF_INET };
	struct ft_seg s;
	uint8_t buf[8];
	char spec[16];
	uint16_t port = ft_closed_port(AF_INET, SOCK_STREAM);
	int h;

	CHECK_INT(ft_setup(&c, 64), 0);
	snprintf(spec, sizeof(spec), "%u", port);
	CHECK_INT(forward(&c, spec), 0);
	h = host_connect(AF_INET, port);
	CHECK(h >= 0);
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
	CHECK_INT(s.flags, FT_SYN);
	CHECK_INT(s.dport, port);
	CHECK(!memcmp(&s.saddr.a4, "\xc0\x00\x02\x01", 4)); /* gateway */
	CHECK(!memcmp(&s.daddr.a4, "\xc0\x00\x02\x02", 4)); /* guest */
	CHECK(s.mss > 0);

	/* the guest answers, as the connection's server */
	cn.port = s.sport; /* guest_seg() swaps roles: fix ports below */
	cn.seq = GUEST_ISN;
	cn.ack = s.seq + 1;
	{
		struct ft_seg a = guest_seg(&cn, FT_SYN | FT_ACK);

		a.sport = port;
		a.dport = s.sport;
		a.mss = 1460;
		a.wscale = GUEST_WSCALE;
		ft_tcp_send(&c, &a);
		CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
		CHECK_INT(s.flags, FT_ACK);
		CHECK_INT(s.ack, GUEST_ISN + 1);

		CHECK(send(h, "hi", 2, 0) == 2);
		CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
		CHECK_INT(s.len, 2);
		CHECK(!memcmp(s.payload, "hi", 2));
		CHECK_INT(s.seq, cn.ack);

		a = guest_seg(&cn, FT_ACK | FT_PSH);
		a.sport = port;
		a.dport = s.sport;
		a.seq = GUEST_ISN + 1;
		a.ack = cn.ack + 2;
		a.payload = (const uint8_t *)"yo";
		a.len = 2;
		ft_tcp_send(&c, &a);
	}
	CHECK_INT(host_read(&c, h, buf, 2), 2);
	CHECK(!memcmp(buf, "yo", 2));
	tcp_close_all(&c);
	tcp_listen_close(&c);
}

TEST(forwarded_port_goes_to_remapped_guest_port)
{
	struct ctx c;
	struct ft_seg s;
	char spec[32];
	uint16_t port = ft_closed_port(AF_INET, SOCK_STREAM);

	CHECK_INT(ft_setup(&c, 64), 0);
	snprintf(spec, sizeof(spec), "%u:8080", port);
	CHECK_INT(forward(&c, spec), 0);
	CHECK(host_connect(AF_INET, port) >= 0);
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
	CHECK_INT(s.flags, FT_SYN);
	CHECK_INT(s.dport, 8080);
	/* the guest has not spoken yet: its MAC is unknown */
	CHECK(!memcmp(rxbuf, "\xff\xff\xff\xff\xff\xff", 6));
	tcp_close_all(&c);
	tcp_listen_close(&c);
}

TEST(ipv6_forwarded_connection_comes_from_ipv6_gateway)
{
	struct ctx c;
	struct ft_seg s;
	struct in6_addr gw = pt_a6("fe80::1"), guest = pt_a6("2001:db8::2");
	char spec[16];
	uint16_t port = ft_closed_port(AF_INET6, SOCK_STREAM);

	if (!port)
		SKIP("no IPv6 loopback on this machine");
	CHECK_INT(ft_setup(&c, 64), 0);
	snprintf(spec, sizeof(spec), "%u", port);
	CHECK_INT(forward(&c, spec), 0);
	CHECK(host_connect(AF_INET6, port) >= 0);
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
	CHECK_INT(s.af, AF_INET6);
	CHECK_INT(s.flags, FT_SYN);
	CHECK(!memcmp(&s.saddr.a6, &gw, 16));
	CHECK(!memcmp(&s.daddr.a6, &guest, 16));
	tcp_close_all(&c);
	tcp_listen_close(&c);
}

/* A SYN for host port PORT reached the guest. */
static int syn_reaches_guest(struct ctx *c, uint16_t port)
{
	struct ft_seg s;

	if (ft_tcp_recv(c, rxbuf, sizeof(rxbuf), &s, 2000))
		return 0;
	return s.flags == FT_SYN && s.dport == port;
}

TEST(same_port_on_ipv4_and_ipv6_loopback_listens_on_both)
{
	struct ctx c;
	char spec[32];
	uint16_t port = ft_closed_port(AF_INET6, SOCK_STREAM);
	char err[256];

	if (!port)
		SKIP("no IPv6 loopback on this machine");
	CHECK_INT(ft_setup(&c, 64), 0);
	snprintf(spec, sizeof(spec), "127.0.0.1/%u", port);
	CHECK_INT(fwd_parse_spec(&c.tcp_fwd, spec, err, sizeof(err)), 0);
	snprintf(spec, sizeof(spec), "::1/%u", port);
	CHECK_INT(fwd_parse_spec(&c.tcp_fwd, spec, err, sizeof(err)), 0);
	CHECK_INT(tcp_listen_init(&c), 2);
	CHECK(host_connect(AF_INET, port) >= 0);
	CHECK(syn_reaches_guest(&c, port));
	CHECK(host_connect(AF_INET6, port) >= 0);
	CHECK(syn_reaches_guest(&c, port));
	tcp_close_all(&c);
	tcp_listen_close(&c);
}

/* Whether an IPv4 socket can take loopback port PORT. */
static bool ipv4_port_free(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	int s = socket(AF_INET, SOCK_STREAM, 0), rc;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = bind(s, (struct sockaddr *)&sin, sizeof(sin));
	close(s);
	return rc == 0;
}

TEST(forwarded_port_with_ipv4_disabled_listens_on_ipv6_only)
{
	struct ctx c;
	char spec[16];
	uint16_t port = ft_closed_port(AF_INET6, SOCK_STREAM);

	if (!port)
		SKIP("no IPv6 loopback on this machine");
	CHECK_INT(ft_setup(&c, 64), 0);
	c.ip4.enabled = false;
	snprintf(spec, sizeof(spec), "%u", port);
	CHECK_INT(forward(&c, spec), 0);
	CHECK(ipv4_port_free(port));
	CHECK(host_connect(AF_INET6, port) >= 0);
	CHECK(syn_reaches_guest(&c, port));
	tcp_close_all(&c);
	tcp_listen_close(&c);
}

/* passt's rule: an explicitly named port that cannot be bound fails the
 * whole set-up, and the ports already opened are closed again. */
TEST(forwarded_port_in_use_fails_and_closes_the_others)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int holder = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t a = ft_closed_port(AF_INET, SOCK_STREAM), b, lo, busy;
	char spec[32], err[256];
	struct ctx c;

	do
		b = ft_closed_port(AF_INET, SOCK_STREAM);
	while (b == a);
	/* ports open in ascending order: the free one first, then the
	 * busy one fails */
	lo = a < b ? a : b;
	busy = a < b ? b : a;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(busy);
	CHECK(!bind(holder, (struct sockaddr *)&sin, sizeof(sin)));
	CHECK_INT(ft_setup(&c, 64), 0);
	snprintf(spec, sizeof(spec), "%u,%u", lo, busy);
	CHECK_INT(fwd_parse_spec(&c.tcp_fwd, spec, err, sizeof(err)), 0);
	CHECK_INT(tcp_listen_init(&c), -EADDRINUSE);
	CHECK(ipv4_port_free(lo));
	close(holder);
	tcp_listen_close(&c);
}

TEST(forwarded_address_of_a_disabled_family_is_not_listened_on)
{
	struct ctx c;
	char spec[32], err[256];
	uint16_t port = ft_closed_port(AF_INET, SOCK_STREAM);

	CHECK_INT(ft_setup(&c, 64), 0);
	c.ip4.enabled = false;
	snprintf(spec, sizeof(spec), "127.0.0.1/%u", port);
	CHECK_INT(fwd_parse_spec(&c.tcp_fwd, spec, err, sizeof(err)), 0);
	CHECK_INT(tcp_listen_init(&c), 0);
	CHECK(ipv4_port_free(port));
	tcp_listen_close(&c);
}

TEST(guest_rst_to_forwarded_syn_resets_host_client)
{
	struct ctx c;
	struct ft_seg s, r;
	struct pollfd p;
	char spec[16], buf[4];
	uint16_t port = ft_closed_port(AF_INET, SOCK_STREAM);
	int h;

	CHECK_INT(ft_setup(&c, 64), 0);
	snprintf(spec, sizeof(spec), "%u", port);
	CHECK_INT(forward(&c, spec), 0);
	h = host_connect(AF_INET, port);
	CHECK(h >= 0);
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
	memset(&r, 0, sizeof(r));
	r.af = AF_INET;
	r.saddr.a4 = s.daddr.a4;
	r.daddr.a4 = s.saddr.a4;
	r.sport = s.dport;
	r.dport = s.sport;
	r.ack = s.seq + 1;
	r.flags = FT_RST | FT_ACK;
	r.wscale = -1;
	ft_tcp_send(&c, &r);
	CHECK_INT(flow_count(), 0);
	p.fd = h;
	p.events = POLLIN;
	CHECK_INT(poll(&p, 1, 2000), 1);
	CHECK(recv(h, buf, sizeof(buf), 0) < 0);
	CHECK_INT(errno, ECONNRESET);
	tcp_listen_close(&c);
}

TEST(unanswered_forwarded_syn_is_retransmitted)
{
	struct ctx c;
	struct ft_seg s, again;
	struct timespec now;
	char spec[16];
	uint16_t port = ft_closed_port(AF_INET, SOCK_STREAM);

	CHECK_INT(ft_setup(&c, 64), 0);
	snprintf(spec, sizeof(spec), "%u", port);
	CHECK_INT(forward(&c, spec), 0);
	CHECK(host_connect(AF_INET, port) >= 0);
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &s, 2000), 0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	now.tv_sec += TCP_RTO_MS / 1000 + 1;
	tcp_timer(&c, &now);
	CHECK_INT(ft_tcp_recv(&c, rxbuf, sizeof(rxbuf), &again, 2000), 0);
	CHECK_INT(again.flags, FT_SYN);
	CHECK_INT(again.seq, s.seq);
	tcp_close_all(&c);
	tcp_listen_close(&c);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
