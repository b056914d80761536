// SPDX-License-Identifier: GPL-2.0-or-later
/* UDP translation: guest datagrams reach loopback sockets through the
 * gateway address, replies come back as the guest addressed them. */
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/epoll_ref.h"
#include "backend/flow.h"
#include "backend/fwd.h"
#include "backend/ip.h"
#include "backend/tap.h"
#include "backend/udp.h"
#include "tests/backend/test_flow_harness.h"
#include "tests/harness.h"

#define GUEST_PORT 40123

static uint8_t frame[PT_FRAME_MAX], reply[PT_FRAME_MAX];

/* Waits for a datagram on S; returns its length or -1. */
static ssize_t host_recv(int s, void *buf, size_t size,
			 struct sockaddr_storage *from)
{
	struct pollfd p = { s, POLLIN, 0 };
	socklen_t sl = sizeof(*from);

	if (poll(&p, 1, 2000) != 1)
		return -1;
	return recvfrom(s, buf, size, MSG_DONTWAIT, (struct sockaddr *)from,
			&sl);
}

static uint16_t sockaddr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

TEST(datagram_to_gateway_reaches_host_loopback_and_reply_returns)
{
	struct sockaddr_storage from;
	struct ctx c;
	uint16_t port;
	char buf[64];
	ssize_t n;
	int s;

	CHECK_INT(ft_setup(&c, 64), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	pt_to_vunetd(&c, frame, pt_udp4(frame, pt_a4("192.0.2.2"), GUEST_PORT,
					pt_a4("192.0.2.1"), port, "ping", 4));
	n = host_recv(s, buf, sizeof(buf), &from);
	CHECK_INT(n, 4);
	CHECK(!memcmp(buf, "ping", 4));
	CHECK(sendto(s, "pong!", 5, 0, (struct sockaddr *)&from,
		     sizeof(struct sockaddr_in)) == 5);

	n = ft_recv(&c, reply, sizeof(reply), 2000);
	CHECK_INT(n, UDP4_PAYLOAD_OFF + 5);
	CHECK(pt_ip4_checksums_ok(reply, (size_t)n));
	CHECK(!memcmp(reply, pt_guest_mac, 6));
	CHECK(!memcmp(reply + 6, pt_our_mac, 6));
	/* source: the gateway and the port the guest sent to */
	CHECK(!memcmp(reply + ETH_HDR_LEN + 12, "\xc0\x00\x02\x01", 4));
	CHECK(!memcmp(reply + ETH_HDR_LEN + 16, "\xc0\x00\x02\x02", 4));
	CHECK_INT(ip_get_be16(reply + IP4_L4_OFF), port);
	CHECK_INT(ip_get_be16(reply + IP4_L4_OFF + 2), GUEST_PORT);
	CHECK(!memcmp(reply + UDP4_PAYLOAD_OFF, "pong!", 5));
	udp_close_all(&c);
	CHECK_INT(flow_count(), 0);
}

TEST(stream_records_of_one_read_are_sent_before_the_partial_one_moves)
{
	static uint8_t bytes[3 * (4 + 128)];
	struct sockaddr_storage from;
	const char *words[3] = { "one", "two", "three" };
	size_t len = 0;
	struct ctx c;
	uint16_t port;
	char buf[16];
	int s, i;

	CHECK_INT(ft_setup(&c, 64), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	for (i = 0; i < 3; i++) {
		size_t n = pt_udp4(frame, pt_a4("192.0.2.2"), GUEST_PORT,
				   pt_a4("192.0.2.1"), port, words[i],
				   strlen(words[i]));

		ip_put_be32(bytes + len, (uint32_t)n);
		memcpy(bytes + len + 4, frame, n);
		len += 4 + n;
	}
	/* two whole records and all but the last byte of the third in one
	 * read: the datagrams of the first two point into the buffer whose
	 * tail is then moved to its front, over the first one */
	pt_to_vunetd_raw(&c, bytes, len - 1);
	pt_to_vunetd_raw(&c, bytes + len - 1, 1);
	for (i = 0; i < 3; i++) {
		ssize_t n = host_recv(s, buf, sizeof(buf) - 1, &from);

		CHECK(n > 0);
		buf[n > 0 ? n : 0] = 0;
		CHECK_STR(buf, words[i]);
	}
	udp_close_all(&c);
}

/* Back-pressure on the stream: datagrams of BIG_DGRAM bytes, more than
 * vunetd's transmit buffer holds, with a front-end that does not read
 * meanwhile; vunetd's end of the stream gets a small send buffer so its
 * own buffer is what fills. */
#define BIG_DGRAM 20000
#define BURST 40

/* The next record vunetd wrote to the stream, read as it comes: when
 * none is complete, vunetd is given the EPOLLOUT its loop would get
 * (this harness does not watch the stream).  Returns the frame's length
 * (in BUF), or -1 after 2 s. */
static ssize_t stream_next(struct ctx *c, uint8_t *buf, size_t size)
{
	static uint8_t acc[4 + PT_FRAME_MAX];
	static size_t fill;
	int waited;

	for (waited = 0; waited < 2000; waited++) {
		uint32_t len = fill >= 4 ? ip_get_be32(acc) : 0;
		ssize_t n;

		if (fill >= 4 && (len > size || len > PT_FRAME_MAX))
			return -1;
		if (fill >= 4 && fill >= 4 + len) {
			memcpy(buf, acc + 4, len);
			fill -= 4 + len;
			memmove(acc, acc + 4 + len, fill);
			return (ssize_t)len;
		}
		n = recv(pt_frontend_fd(), acc + fill,
			 (fill >= 4 ? 4 + len : 4) - fill, MSG_DONTWAIT);
		if (n > 0) {
			fill += (size_t)n;
			continue;
		}
		tap_stream_output(c);
		ft_pump(c, 1);
	}
	return -1;
}

/* Numbers in front of the datagrams of a second burst. */
#define SECOND 1000

/* Reads N records of BIG_DGRAM-byte datagrams, numbered 0.. and, if
 * N > BURST, SECOND..: true if each numbering comes in order (the two
 * sockets' datagrams may interleave). */
static bool stream_brings_bursts_in_order(struct ctx *c, int n)
{
	int i, next[2] = { 0, SECOND };

	for (i = 0; i < n; i++) {
		ssize_t len = stream_next(c, reply, sizeof(reply));
		int k = ip_get_be16(reply + UDP4_PAYLOAD_OFF);

		if (len != UDP4_PAYLOAD_OFF + BIG_DGRAM ||
		    !pt_ip4_checksums_ok(reply, (size_t)len) ||
		    k != next[k >= SECOND])
			return false;
		next[k >= SECOND]++;
	}
	return true;
}

/* Sends N datagrams from S to TO, numbered from FIRST in front. */
static int send_burst(int s, const struct sockaddr *to, socklen_t to_len,
		      int first, int n)
{
	static uint8_t big[BIG_DGRAM];
	int i;

	for (i = first; i < first + n; i++) {
		ip_put_be16(big, (uint16_t)i);
		if (sendto(s, big, sizeof(big), 0, to, to_len) != BIG_DGRAM)
			return -1;
	}
	return 0;
}

/* With a guest flow from GUEST_PORT to host socket S, and vunetd's end
 * of the stream made small: fills the stream with a burst from S, the
 * rest waiting in the flow's socket (made large enough for it). */
static int fill_stream(struct ctx *c, int s)
{
	struct sockaddr_storage from;
	uint16_t port = 0;
	socklen_t sl = sizeof(from);
	char buf[8];
	unsigned i;

	getsockname(s, (struct sockaddr *)&from, &sl);
	port = ntohs(((struct sockaddr_in *)&from)->sin_port);
	pt_to_vunetd(c, frame, pt_udp4(frame, pt_a4("192.0.2.2"), GUEST_PORT,
				       pt_a4("192.0.2.1"), port, "o", 1));
	if (host_recv(s, buf, sizeof(buf), &from) != 1)
		return -1;
	setsockopt(c->fd_conn, SOL_SOCKET, SO_SNDBUF, &(int){ 4096 },
		   sizeof(int));
	for (i = 0; i < flow_end(); i++)
		if (flow_at(i) && flow_at(i)->type == FLOW_UDP)
			setsockopt(flow_at(i)->sock, SOL_SOCKET, SO_RCVBUF,
				   &(int){ 4 << 20 }, sizeof(int));
	if (send_burst(s, (struct sockaddr *)&from, sizeof(struct sockaddr_in),
		       0, BURST))
		return -1;
	for (i = 0; i < 10; i++)
		ft_pump(c, 5);
	return 0;
}

/* Events vunetd's loop would get now for UDP sockets. */
static int udp_socket_events(const struct ctx *c)
{
	struct epoll_event ev[16];
	int n = epoll_wait(c->epollfd, ev, 16, 0), i, udp = 0;

	for (i = 0; i < n; i++) {
		union epoll_ref ref = { .u64 = ev[i].data.u64 };

		udp += ref.type == EPOLL_TYPE_UDP ||
		       ref.type == EPOLL_TYPE_UDP_LISTEN;
	}
	return udp;
}

TEST(full_stream_leaves_host_datagrams_in_their_socket_until_it_drains)
{
	struct ctx c;
	uint16_t port;
	int s;

	CHECK_INT(ft_setup(&c, 64), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	CHECK_INT(fill_stream(&c, s), 0);
	CHECK_INT(pt_drops(&c), 0);
	CHECK_INT(udp_socket_events(&c), 0); /* not watched while it waits */
	CHECK(stream_brings_bursts_in_order(&c, BURST));
	CHECK_INT(pt_drops(&c), 0);
	udp_close_all(&c);
}

TEST(guest_source_port_is_kept_on_the_host)
{
	struct sockaddr_storage from;
	struct ctx c;
	uint16_t port, gport;
	char buf[8];
	int s;

	CHECK_INT(ft_setup(&c, 64), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	gport = ft_closed_port(AF_INET, SOCK_DGRAM);
	pt_to_vunetd(&c, frame, pt_udp4(frame, pt_a4("192.0.2.2"), gport,
					pt_a4("192.0.2.1"), port, "x", 1));
	CHECK_INT(host_recv(s, buf, sizeof(buf), &from), 1);
	CHECK_INT(sockaddr_port(&from), gport);
	udp_close_all(&c);
}

TEST(ipv6_datagram_to_gateway_reaches_host_loopback_and_reply_returns)
{
	struct sockaddr_storage from;
	struct in6_addr gw = pt_a6("fe80::1"), guest = pt_a6("2001:db8::2");
	struct ctx c;
	uint16_t port;
	char buf[64];
	ssize_t n;
	int s;

	CHECK_INT(ft_setup(&c, 64), 0);
	s = ft_bind_udp(AF_INET6, &port);
	if (s < 0)
		SKIP("no IPv6 loopback on this machine");
	pt_to_vunetd(&c, frame, pt_udp6(frame, &guest, GUEST_PORT, &gw, port,
					"ping6", 5));
	n = host_recv(s, buf, sizeof(buf), &from);
	CHECK_INT(n, 5);
	CHECK(sendto(s, "pong6", 5, 0, (struct sockaddr *)&from,
		     sizeof(struct sockaddr_in6)) == 5);
	n = ft_recv(&c, reply, sizeof(reply), 2000);
	CHECK_INT(n, UDP6_PAYLOAD_OFF + 5);
	CHECK(pt_ip6_checksums_ok(reply, (size_t)n));
	CHECK(!memcmp(reply + ETH_HDR_LEN + 8, &gw, 16));
	CHECK(!memcmp(reply + ETH_HDR_LEN + 24, &guest, 16));
	CHECK(!memcmp(reply + UDP6_PAYLOAD_OFF, "pong6", 5));
	udp_close_all(&c);
}

/* An IPv6 frame of TAP_FRAME_MAX bytes carries at most this payload. */
#define IPV6_FRAME_PAYLOAD_MAX (TAP_FRAME_MAX - UDP6_PAYLOAD_OFF)

TEST(ipv6_reply_too_large_for_a_frame_is_counted_as_too_big)
{
	static char big[IPV6_FRAME_PAYLOAD_MAX + 1];
	struct sockaddr_storage from;
	struct in6_addr gw = pt_a6("fe80::1"), guest = pt_a6("2001:db8::2");
	struct ctx c;
	uint16_t port;
	char buf[64];
	ssize_t n;
	int s;

	CHECK_INT(ft_setup(&c, 64), 0);
	s = ft_bind_udp(AF_INET6, &port);
	if (s < 0)
		SKIP("no IPv6 loopback on this machine");
	pt_to_vunetd(&c, frame, pt_udp6(frame, &guest, GUEST_PORT, &gw, port,
					"ping6", 5));
	CHECK_INT(host_recv(s, buf, sizeof(buf), &from), 5);
	/* the largest that fits, then one byte more */
	CHECK(sendto(s, big, sizeof(big) - 1, 0, (struct sockaddr *)&from,
		     sizeof(struct sockaddr_in6)) == sizeof(big) - 1);
	n = ft_recv(&c, reply, sizeof(reply), 2000);
	CHECK_INT(n, TAP_FRAME_MAX);
	CHECK(sendto(s, big, sizeof(big), 0, (struct sockaddr *)&from,
		     sizeof(struct sockaddr_in6)) == sizeof(big));
	CHECK(sendto(s, "pong6", 5, 0, (struct sockaddr *)&from,
		     sizeof(struct sockaddr_in6)) == 5);
	n = ft_recv(&c, reply, sizeof(reply), 2000);
	CHECK_INT(n, UDP6_PAYLOAD_OFF + 5);
	CHECK_INT(c.stats.drops[DROP_TOO_BIG], 1);
	CHECK_INT(c.stats.drops[DROP_UNHANDLED], 0);
	udp_close_all(&c);
}

TEST(closed_host_port_gives_guest_icmp_port_unreachable)
{
	struct ctx c;
	uint16_t port = ft_closed_port(AF_INET, SOCK_DGRAM);
	const uint8_t *icmp = reply + IP4_L4_OFF;
	ssize_t n = -1;
	int i;

	CHECK_INT(ft_setup(&c, 64), 0);
	pt_to_vunetd(&c, frame, pt_udp4(frame, pt_a4("192.0.2.2"), GUEST_PORT,
					pt_a4("192.0.2.1"), port, "x", 1));
	/* The refusal is reported on the socket; a second datagram would
	 * also carry it back. */
	for (i = 0; i < 3 && n < 0; i++)
		n = ft_recv(&c, reply, sizeof(reply), 500);
	CHECK(n > 0);
	CHECK(pt_ip4_checksums_ok(reply, (size_t)n));
	CHECK_INT(reply[ETH_HDR_LEN + 9], IPPROTO_ICMP);
	CHECK_INT(icmp[0], ICMP_DEST_UNREACH);
	CHECK_INT(icmp[1], ICMP_PORT_UNREACH);
	/* the quoted UDP header names the guest's datagram */
	CHECK_INT(ip_get_be16(icmp + 8 + 20), GUEST_PORT);
	CHECK_INT(ip_get_be16(icmp + 8 + 22), port);
	CHECK_INT(icmp[8 + 9], IPPROTO_UDP);
	CHECK(!memcmp(icmp + 8 + 12, "\xc0\x00\x02\x02", 4)); /* guest */
	CHECK(!memcmp(icmp + 8 + 16, "\xc0\x00\x02\x01", 4)); /* gateway */
	udp_close_all(&c);
}

TEST(ipv6_closed_port_gives_icmpv6_port_unreachable)
{
	struct in6_addr gw = pt_a6("fe80::1"), guest = pt_a6("2001:db8::2");
	struct ctx c;
	uint16_t port = ft_closed_port(AF_INET6, SOCK_DGRAM);
	const uint8_t *icmp = reply + IP6_L4_OFF;
	ssize_t n;

	if (!port)
		SKIP("no IPv6 loopback on this machine");
	CHECK_INT(ft_setup(&c, 64), 0);
	pt_to_vunetd(&c, frame, pt_udp6(frame, &guest, GUEST_PORT, &gw, port,
					"x", 1));
	n = ft_recv(&c, reply, sizeof(reply), 2000);
	CHECK(n > 0);
	CHECK(pt_ip6_checksums_ok(reply, (size_t)n));
	CHECK_INT(reply[ETH_HDR_LEN + 6], IPPROTO_ICMPV6);
	CHECK_INT(icmp[0], ICMP6_DST_UNREACH);
	CHECK_INT(icmp[1], ICMP6_DST_UNREACH_NOPORT);
	/* the quoted headers name the guest's datagram */
	CHECK_INT(icmp[8 + 6], IPPROTO_UDP);
	CHECK(!memcmp(icmp + 8 + 8, &guest, 16));
	CHECK(!memcmp(icmp + 8 + 24, &gw, 16));
	CHECK_INT(ip_get_be16(icmp + 8 + 40), GUEST_PORT);
	CHECK_INT(ip_get_be16(icmp + 8 + 42), port);
	udp_close_all(&c);
}

TEST(idle_flow_is_closed_after_timeout)
{
	struct sockaddr_storage from;
	struct timespec now;
	struct ctx c;
	uint16_t port;
	char buf[8];
	int s;

	CHECK_INT(ft_setup(&c, 64), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	pt_to_vunetd(&c, frame, pt_udp4(frame, pt_a4("192.0.2.2"), GUEST_PORT,
					pt_a4("192.0.2.1"), port, "x", 1));
	CHECK_INT(host_recv(s, buf, sizeof(buf), &from), 1);
	CHECK_INT(flow_count(), 1);
	clock_gettime(CLOCK_MONOTONIC, &now);
	udp_timer(&c, &now);
	CHECK_INT(flow_count(), 1);
	now.tv_sec += UDP_FLOW_TIMEOUT_S + 1;
	udp_timer(&c, &now);
	CHECK_INT(flow_count(), 0);
}

/* The flow of guest port GPORT to the gateway's PORT, or NULL. */
static struct flow *gateway_flow(uint16_t gport, uint16_t port)
{
	struct in_addr g = pt_a4("192.0.2.2"), gw = pt_a4("192.0.2.1");
	struct flow_key key;

	flow_key_set(&key, IPPROTO_UDP, AF_INET, &g, gport, &gw, port);
	return flow_lookup(&key);
}

/* A datagram from guest port GPORT to the gateway's PORT, which host
 * socket S receives; FROM gets its source.  Returns 0 or -1. */
static int guest_datagram(struct ctx *c, uint16_t gport, int s,
			  uint16_t port, struct sockaddr_storage *from)
{
	char buf[8];

	pt_to_vunetd(c, frame, pt_udp4(frame, pt_a4("192.0.2.2"), gport,
				       pt_a4("192.0.2.1"), port, "q", 1));
	return host_recv(s, buf, sizeof(buf), from) == 1 ? 0 : -1;
}

static void expire_udp_flows(struct ctx *c)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	now.tv_sec += UDP_FLOW_TIMEOUT_S + 1;
	udp_timer(c, &now);
}

TEST(late_reply_after_expiry_does_not_reach_the_guest)
{
	struct sockaddr_storage from;
	struct pollfd p;
	struct ctx c;
	uint16_t port, gport;
	char buf[8];
	ssize_t n;
	int s;

	CHECK_INT(ft_setup(&c, 64), 0);
	/* a guest port free on the host, so the flow's socket keeps it */
	gport = ft_closed_port(AF_INET, SOCK_DGRAM);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	CHECK_INT(guest_datagram(&c, gport, s, port, &from), 0);
	expire_udp_flows(&c);
	CHECK_INT(flow_count(), 0);
	/* The host's answer comes too late: the flow's socket is closed,
	 * so the answer is refused (the peer, connected, sees it) and
	 * nothing reaches the guest. */
	CHECK(!connect(s, (struct sockaddr *)&from, sizeof(struct sockaddr_in)));
	CHECK(send(s, "late", 4, 0) == 4);
	p.fd = s;
	p.events = POLLIN;
	CHECK_INT(poll(&p, 1, 2000), 1);
	CHECK(recv(s, buf, sizeof(buf), MSG_DONTWAIT) < 0);
	CHECK_INT(errno, ECONNREFUSED);
	CHECK(ft_recv(&c, reply, sizeof(reply), 300) < 0);
	CHECK_INT(flow_count(), 0);
	/* The guest asks again (a peer that is not connected to the old
	 * port): a new flow, and the reply gets through. */
	close(s);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	CHECK_INT(guest_datagram(&c, gport, s, port, &from), 0);
	CHECK(sendto(s, "again", 5, 0, (struct sockaddr *)&from,
		     sizeof(struct sockaddr_in)) == 5);
	n = ft_recv(&c, reply, sizeof(reply), 2000);
	CHECK_INT(n, UDP4_PAYLOAD_OFF + 5);
	CHECK(!memcmp(reply + UDP4_PAYLOAD_OFF, "again", 5));
	udp_close_all(&c);
}

TEST(expired_slot_and_port_reused_take_no_late_reply_of_the_old_flow)
{
	struct sockaddr_storage from_a, from_b;
	union epoll_ref stale = { .type = EPOLL_TYPE_UDP };
	struct ctx c;
	struct flow *fl;
	uint16_t port_a, port_b, gport;
	ssize_t n;
	int a, b;

	CHECK_INT(ft_setup(&c, 64), 0);
	/* a guest port free on the host, so the flows' sockets keep it */
	gport = ft_closed_port(AF_INET, SOCK_DGRAM);
	a = ft_bind_udp(AF_INET, &port_a);
	b = ft_bind_udp(AF_INET, &port_b);
	CHECK(a >= 0 && b >= 0);
	CHECK_INT(guest_datagram(&c, gport, a, port_a, &from_a), 0);
	fl = gateway_flow(gport, port_a);
	CHECK(fl);
	stale.idx = flow_idx(fl) & 0xffffff;
	stale.fd = fl->sock;
	expire_udp_flows(&c);
	/* The same guest port now talks to another peer: the new flow
	 * takes the old slot, descriptor number and host port. */
	CHECK_INT(guest_datagram(&c, gport, b, port_b, &from_b), 0);
	fl = gateway_flow(gport, port_b);
	CHECK(fl);
	CHECK_INT(flow_idx(fl), stale.idx);
	CHECK_INT(fl->sock, stale.fd);
	CHECK_INT(sockaddr_port(&from_b), sockaddr_port(&from_a));
	/* the old peer's late reply, and an event left from the old socket */
	CHECK(sendto(a, "stale", 5, 0, (struct sockaddr *)&from_a,
		     sizeof(struct sockaddr_in)) == 5);
	udp_sock_handler(&c, stale, EPOLLIN);
	CHECK(ft_recv(&c, reply, sizeof(reply), 300) < 0);
	/* the new peer's reply arrives, from the new peer's port */
	CHECK(sendto(b, "fresh", 5, 0, (struct sockaddr *)&from_b,
		     sizeof(struct sockaddr_in)) == 5);
	n = ft_recv(&c, reply, sizeof(reply), 2000);
	CHECK_INT(n, UDP4_PAYLOAD_OFF + 5);
	CHECK(!memcmp(reply + UDP4_PAYLOAD_OFF, "fresh", 5));
	CHECK_INT(ip_get_be16(reply + IP4_L4_OFF), port_b);
	CHECK_INT(ip_get_be16(reply + IP4_L4_OFF + 2), gport);
	CHECK(ft_recv(&c, reply, sizeof(reply), 100) < 0);
	udp_close_all(&c);
}

TEST(second_datagram_reuses_the_flow)
{
	struct sockaddr_storage from;
	struct ctx c;
	uint16_t port, first_port;
	char buf[8];
	int s;

	CHECK_INT(ft_setup(&c, 64), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	pt_to_vunetd(&c, frame, pt_udp4(frame, pt_a4("192.0.2.2"), GUEST_PORT,
					pt_a4("192.0.2.1"), port, "1", 1));
	CHECK_INT(host_recv(s, buf, sizeof(buf), &from), 1);
	first_port = sockaddr_port(&from);
	pt_to_vunetd(&c, frame, pt_udp4(frame, pt_a4("192.0.2.2"), GUEST_PORT,
					pt_a4("192.0.2.1"), port, "2", 1));
	CHECK_INT(host_recv(s, buf, sizeof(buf), &from), 1);
	CHECK_INT(sockaddr_port(&from), first_port);
	CHECK_INT(flow_count(), 1);
	udp_close_all(&c);
}

TEST(bad_checksum_is_dropped_and_counted)
{
	struct ctx c;
	uint16_t port;
	size_t len;
	int s;

	CHECK_INT(ft_setup(&c, 64), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	len = pt_udp4(frame, pt_a4("192.0.2.2"), GUEST_PORT, pt_a4("192.0.2.1"),
		      port, "data", 4);
	frame[UDP4_PAYLOAD_OFF] ^= 0x40;
	pt_to_vunetd(&c, frame, len);
	CHECK_INT(c.stats.drops[DROP_BAD_CSUM], 1);
	CHECK_INT(flow_count(), 0);
}

TEST(udp_length_beyond_ip_payload_is_dropped)
{
	struct ctx c;
	size_t len;

	CHECK_INT(ft_setup(&c, 64), 0);
	len = pt_udp4(frame, pt_a4("192.0.2.2"), GUEST_PORT, pt_a4("192.0.2.1"),
		      9, "data", 4);
	ip_put_be16(frame + IP4_L4_OFF + 4, 200);
	pt_to_vunetd(&c, frame, len);
	CHECK_INT(flow_count(), 0);
	CHECK(pt_drops(&c) >= 1);
}

TEST(loopback_destination_from_guest_is_refused)
{
	struct ctx c;

	CHECK_INT(ft_setup(&c, 64), 0);
	pt_to_vunetd(&c, frame, pt_udp4(frame, pt_a4("192.0.2.2"), GUEST_PORT,
					pt_a4("127.0.0.1"), 9, "x", 1));
	CHECK_INT(flow_count(), 0);
	CHECK_INT(c.stats.drops[DROP_UNHANDLED], 1);
}

TEST(full_table_gets_guest_an_administratively_prohibited_unreachable)
{
	struct sockaddr_storage from;
	struct ctx c;
	uint16_t port;
	char buf[8];
	ssize_t n;
	int s;

	CHECK_INT(ft_setup(&c, 1), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	pt_to_vunetd(&c, frame, pt_udp4(frame, pt_a4("192.0.2.2"), GUEST_PORT,
					pt_a4("192.0.2.1"), port, "1", 1));
	CHECK_INT(host_recv(s, buf, sizeof(buf), &from), 1);
	pt_to_vunetd(&c, frame, pt_udp4(frame, pt_a4("192.0.2.2"),
					GUEST_PORT + 1, pt_a4("192.0.2.1"),
					port, "2", 1));
	n = ft_recv(&c, reply, sizeof(reply), 1000);
	CHECK(n > 0);
	CHECK_INT(reply[IP4_L4_OFF], ICMP_DEST_UNREACH);
	CHECK_INT(reply[IP4_L4_OFF + 1], ICMP_PKT_FILTERED);
	CHECK_INT(c.stats.drops[DROP_NO_FLOW], 1);
	/* the existing flow still works */
	pt_to_vunetd(&c, frame, pt_udp4(frame, pt_a4("192.0.2.2"), GUEST_PORT,
					pt_a4("192.0.2.1"), port, "3", 1));
	CHECK_INT(host_recv(s, buf, sizeof(buf), &from), 1);
	CHECK(buf[0] == '3');
	udp_close_all(&c);
}

TEST(dns_forward_address_goes_to_the_host_resolver)
{
	struct sockaddr_storage from;
	struct ctx c;
	uint16_t port;
	char buf[8];
	int s;

	CHECK_INT(ft_setup(&c, 64), 0);
	/* --dns-forward 192.0.2.53 with the host's resolver on loopback:
	 * only port 53 is translated, so a port-53 listener is needed. */
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(s >= 0);
	{
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_port = htons(53) };

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1);
		if (bind(s, (struct sockaddr *)&sin, sizeof(sin)))
			SKIP("cannot bind 127.0.0.2:53 here (%s)",
			     strerror(errno));
	}
	port = 53;
	c.ip4.dns_match = pt_a4("192.0.2.53");
	c.ip4.dns_host = pt_a4("127.0.0.2");
	pt_to_vunetd(&c, frame, pt_udp4(frame, pt_a4("192.0.2.2"), GUEST_PORT,
					pt_a4("192.0.2.53"), port, "q", 1));
	CHECK_INT(host_recv(s, buf, sizeof(buf), &from), 1);
	CHECK(sendto(s, "a", 1, 0, (struct sockaddr *)&from,
		     sizeof(struct sockaddr_in)) == 1);
	CHECK(ft_recv(&c, reply, sizeof(reply), 2000) > 0);
	CHECK(!memcmp(reply + ETH_HDR_LEN + 12, "\xc0\x00\x02\x35", 4));
	CHECK_INT(ip_get_be16(reply + IP4_L4_OFF), 53);
	udp_close_all(&c);
}

/* Forwards host UDP ports per SPEC (-u syntax); returns 0 or -1. */
static int forward(struct ctx *c, const char *spec)
{
	char err[256];

	if (fwd_parse_spec(&c->udp_fwd, spec, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", spec, err);
		return -1;
	}
	return udp_listen_init(c) == 1 ? 0 : -1;
}

TEST(full_stream_leaves_datagrams_to_a_forwarded_port_in_its_socket)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct ctx c;
	uint16_t port = ft_closed_port(AF_INET, SOCK_DGRAM), cport, sport;
	char spec[16];
	int s, h, i;

	CHECK_INT(ft_setup(&c, 64), 0);
	snprintf(spec, sizeof(spec), "%u", port);
	CHECK_INT(forward(&c, spec), 0);
	s = ft_bind_udp(AF_INET, &sport);
	h = ft_bind_udp(AF_INET, &cport);
	CHECK(s >= 0 && h >= 0);
	CHECK_INT(fill_stream(&c, s), 0);
	/* a new peer's datagrams wait on the port's own socket: a few, its
	 * receive buffer is the default one */
	to.sin_port = htons(port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_INT(send_burst(h, (struct sockaddr *)&to, sizeof(to), SECOND, 4),
		  0);
	for (i = 0; i < 10; i++)
		ft_pump(&c, 5);
	CHECK_INT(pt_drops(&c), 0);
	CHECK_INT(udp_socket_events(&c), 0);
	CHECK(stream_brings_bursts_in_order(&c, BURST + 4));
	CHECK_INT(pt_drops(&c), 0);
	udp_close_all(&c);
	udp_listen_close(&c);
}

TEST(forwarded_port_datagram_reaches_guest_and_reply_returns)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct sockaddr_storage from;
	struct ctx c;
	uint16_t port = ft_closed_port(AF_INET, SOCK_DGRAM), cport;
	char spec[16], buf[16];
	ssize_t n;
	int h;

	CHECK_INT(ft_setup(&c, 64), 0);
	snprintf(spec, sizeof(spec), "%u", port);
	CHECK_INT(forward(&c, spec), 0);
	h = ft_bind_udp(AF_INET, &cport);
	CHECK(h >= 0);
	to.sin_port = htons(port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(sendto(h, "knock", 5, 0, (struct sockaddr *)&to,
		     sizeof(to)) == 5);

	n = ft_recv(&c, reply, sizeof(reply), 2000);
	CHECK_INT(n, UDP4_PAYLOAD_OFF + 5);
	CHECK(pt_ip4_checksums_ok(reply, (size_t)n));
	/* from the gateway and the client's port, to the guest's port */
	CHECK(!memcmp(reply + ETH_HDR_LEN + 12, "\xc0\x00\x02\x01", 4));
	CHECK(!memcmp(reply + ETH_HDR_LEN + 16, "\xc0\x00\x02\x02", 4));
	CHECK_INT(ip_get_be16(reply + IP4_L4_OFF), cport);
	CHECK_INT(ip_get_be16(reply + IP4_L4_OFF + 2), port);
	CHECK(!memcmp(reply + UDP4_PAYLOAD_OFF, "knock", 5));

	pt_to_vunetd(&c, frame, pt_udp4(frame, pt_a4("192.0.2.2"), port,
					pt_a4("192.0.2.1"), cport, "who", 3));
	CHECK_INT(host_recv(h, buf, sizeof(buf), &from), 3);
	CHECK(!memcmp(buf, "who", 3));
	CHECK_INT(sockaddr_port(&from), port); /* from the port it wrote to */

	/* later datagrams use the flow's own socket */
	CHECK(sendto(h, "again", 5, 0, (struct sockaddr *)&to,
		     sizeof(to)) == 5);
	n = ft_recv(&c, reply, sizeof(reply), 2000);
	CHECK_INT(n, UDP4_PAYLOAD_OFF + 5);
	CHECK(!memcmp(reply + UDP4_PAYLOAD_OFF, "again", 5));
	CHECK_INT(flow_count(), 1);
	udp_close_all(&c);
	udp_listen_close(&c);
}

TEST(forwarded_port_goes_to_remapped_guest_port)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct ctx c;
	uint16_t port = ft_closed_port(AF_INET, SOCK_DGRAM), cport;
	char spec[32];
	ssize_t n;
	int h;

	CHECK_INT(ft_setup(&c, 64), 0);
	snprintf(spec, sizeof(spec), "%u:5353", port);
	CHECK_INT(forward(&c, spec), 0);
	h = ft_bind_udp(AF_INET, &cport);
	CHECK(h >= 0);
	to.sin_port = htons(port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(sendto(h, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) == 1);
	n = ft_recv(&c, reply, sizeof(reply), 2000);
	CHECK(n > 0);
	CHECK_INT(ip_get_be16(reply + IP4_L4_OFF + 2), 5353);
	udp_close_all(&c);
	udp_listen_close(&c);
}

TEST(map_guest_addr_reaches_the_host_address)
{
	struct sockaddr_storage from;
	struct ctx c;
	uint16_t port;
	char buf[8];
	int s;

	CHECK_INT(ft_setup(&c, 64), 0);
	/* The "host address" the guest shares is loopback here, so the
	 * test needs no other interface. */
	c.ip4.addr = pt_a4("127.0.0.1");
	c.ip4.map_guest_addr = pt_a4("192.0.2.99");
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	pt_to_vunetd(&c, frame, pt_udp4(frame, pt_a4("192.0.2.2"), GUEST_PORT,
					pt_a4("192.0.2.99"), port, "m", 1));
	CHECK_INT(host_recv(s, buf, sizeof(buf), &from), 1);
	CHECK(sendto(s, "r", 1, 0, (struct sockaddr *)&from,
		     sizeof(struct sockaddr_in)) == 1);
	CHECK(ft_recv(&c, reply, sizeof(reply), 2000) > 0);
	CHECK(!memcmp(reply + ETH_HDR_LEN + 12, "\xc0\x00\x02\x63", 4));
	udp_close_all(&c);
}

TEST(inbound_datagram_goes_to_the_address_the_guest_uses)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6,
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct in6_addr gw = pt_a6("fe80::1"), slaac = pt_a6("2001:db8::abcd");
	struct sockaddr_storage from;
	struct ctx c;
	uint16_t port = ft_closed_port(AF_INET6, SOCK_DGRAM), sport, cport;
	char spec[16], buf[8];
	ssize_t n;
	int s, h;

	if (!port)
		SKIP("no IPv6 loopback on this machine");
	CHECK_INT(ft_setup(&c, 64), 0);
	snprintf(spec, sizeof(spec), "%u", port);
	CHECK_INT(forward(&c, spec), 0);
	/* the guest speaks from an address of its own choosing (SLAAC) */
	s = ft_bind_udp(AF_INET6, &sport);
	CHECK(s >= 0);
	pt_to_vunetd(&c, frame, pt_udp6(frame, &slaac, GUEST_PORT, &gw, sport,
					"hi", 2));
	CHECK_INT(host_recv(s, buf, sizeof(buf), &from), 2);

	h = ft_bind_udp(AF_INET6, &cport);
	CHECK(h >= 0);
	to.sin6_port = htons(port);
	CHECK(sendto(h, "in", 2, 0, (struct sockaddr *)&to, sizeof(to)) == 2);
	n = ft_recv(&c, reply, sizeof(reply), 2000);
	CHECK_INT(n, UDP6_PAYLOAD_OFF + 2);
	CHECK(!memcmp(reply + ETH_HDR_LEN + 24, &slaac, 16));
	udp_close_all(&c);
	udp_listen_close(&c);
}

TEST(inbound_before_any_global_address_goes_to_guest_link_local)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6,
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct in6_addr ll = pt_a6("fe80::5054:ff:fe12:3456");
	struct in6_addr ours = pt_a6("fe80::99");
	struct ctx c;
	uint16_t port = ft_closed_port(AF_INET6, SOCK_DGRAM), cport;
	char spec[16];
	ssize_t n;
	int h;

	if (!port)
		SKIP("no IPv6 loopback on this machine");
	CHECK_INT(ft_setup(&c, 64), 0);
	c.ip6.addr_ll_seen = ll;  /* learnt from its solicitations */
	c.ip6.our_tap_ll = ours;
	snprintf(spec, sizeof(spec), "%u", port);
	CHECK_INT(forward(&c, spec), 0);
	h = ft_bind_udp(AF_INET6, &cport);
	CHECK(h >= 0);
	to.sin6_port = htons(port);
	CHECK(sendto(h, "ll", 2, 0, (struct sockaddr *)&to, sizeof(to)) == 2);
	n = ft_recv(&c, reply, sizeof(reply), 2000);
	CHECK_INT(n, UDP6_PAYLOAD_OFF + 2);
	CHECK(pt_ip6_checksums_ok(reply, (size_t)n));
	CHECK(!memcmp(reply + ETH_HDR_LEN + 8, &ours, 16));
	CHECK(!memcmp(reply + ETH_HDR_LEN + 24, &ll, 16));
	udp_close_all(&c);
	udp_listen_close(&c);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
