// SPDX-License-Identifier: GPL-2.0-or-later
/* UDP over vhost-user, batched: the guest datagrams of one TX round leave
 * with one sendmmsg() per flow, straight from guest memory, and host
 * datagrams arrive with one recvmmsg() straight into a batch of guest RX
 * buffers; nothing is lost or reordered on the way, also when the kernel
 * takes only part of a batch or refuses the rest of it, or when the guest
 * runs out of RX buffers (the datagrams wait in their socket).  A guest
 * that takes checksum offload gets the UDP checksum to complete.
 *
 * The test front-end (frontend.h) plays the guest's virtio-net driver
 * against the real vhost_user.c, tap.c and udp.c in this process; a small
 * loop (vu_harness.h) stands in for vunetd's.  The host side is loopback UDP
 * sockets.  sendmmsg() and recvmmsg() are wrapped here (this executable's
 * definitions come before libc's): the wrappers count the calls and can
 * cap how many datagrams one call sends, or refuse with EAGAIN, as a busy
 * kernel would. */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "backend/checksum.h"
#include "backend/epoll_ref.h"
#include "backend/flow.h"
#include "backend/ip.h"
#include "backend/tap.h"
#include "backend/udp.h"
#include "backend/vhost_user.h"
#include "tests/backend/frontend.h"
#include "tests/backend/test_flow_harness.h"
#include "tests/backend/vu_harness.h"
#include "tests/harness.h"

#define GUEST_PORT 41000
#define QUEUE_SIZE 64
/* Guest buffers that hold a whole 64 KiB datagram, as the load generator
 * and a guest without merged buffers post them. */
#define BIG_BUF (64 * 1024 + 4096)
#define SMALL_BUF 2048
#define N_DGRAMS 8

/* What the wrappers do, and what they saw. */
static struct {
	unsigned sendmmsg_calls, recvmmsg_calls;
	size_t recv_iov_max;     /* guest buffers one datagram was given */
	unsigned sendmmsg_cap;   /* datagrams per call at most; 0: any */
	int eagain_after;        /* calls that succeed before EAGAIN; -1 */
} sys = { .eagain_after = -1 };

int sendmmsg(int fd, struct mmsghdr *m, unsigned int n, int flags)
{
	static int (*real)(int, struct mmsghdr *, unsigned int, int);

	if (!real)
		real = (int (*)(int, struct mmsghdr *, unsigned int, int))
			dlsym(RTLD_NEXT, "sendmmsg");
	sys.sendmmsg_calls++;
	if (sys.eagain_after >= 0 && sys.eagain_after-- == 0) {
		errno = EAGAIN;
		return -1;
	}
	if (sys.sendmmsg_cap && n > sys.sendmmsg_cap)
		n = sys.sendmmsg_cap;
	return real(fd, m, n, flags);
}

int recvmmsg(int fd, struct mmsghdr *m, unsigned int n, int flags,
	     struct timespec *timeout)
{
	static int (*real)(int, struct mmsghdr *, unsigned int, int,
			   struct timespec *);

	if (!real)
		real = (int (*)(int, struct mmsghdr *, unsigned int, int,
				struct timespec *))dlsym(RTLD_NEXT, "recvmmsg");
	sys.recvmmsg_calls++;
	for (unsigned i = 0; i < n; i++)
		if (m[i].msg_hdr.msg_iovlen > sys.recv_iov_max)
			sys.recv_iov_max = m[i].msg_hdr.msg_iovlen;
	return real(fd, m, n, flags, timeout);
}

struct vu {
	struct vu_harness h;
	struct fe *fe;
};

static struct vu vu;
static uint8_t frame[PT_FRAME_MAX], rxbuf[PT_FRAME_MAX];

/* What a Linux guest negotiates, and the same with checksum offload. */
#define BASE_FEATURES ((1ULL << FE_F_VERSION_1) | \
		       (1ULL << FE_F_NET_MRG_RXBUF) | \
		       (1ULL << FE_F_EVENT_IDX) | \
		       (1ULL << FE_F_INDIRECT_DESC) | \
		       (1ULL << FE_F_PROTOCOL_FEATURES))
#define CSUM_FEATURES (BASE_FEATURES | (1ULL << FE_F_NET_GUEST_CSUM))

/* The vhost-user device and a started front-end negotiating FEATURES (0:
 * the front-end's usual set, no offloads) with RX_BUFFERS of BUF_LEN
 * bytes posted.  Returns 0 or -1. */
static int vu_setup_with(unsigned rx_buffers, uint32_t buf_len,
			 uint64_t features)
{
	struct fe_config cfg = { .queue_size = QUEUE_SIZE,
				 .buf_size = BIG_BUF,
				 .region_size = { 24 << 20 },
				 .features = features };

	if (vu_harness_start(&vu.h, "udpvu"))
		return -1;
	vu.fe = fe_new(&cfg);
	if (!vu.fe || vu_harness_connect(&vu.h, vu.fe))
		return -1;
	if (rx_buffers && fe_rx_post(vu.fe, rx_buffers, buf_len))
		return -1;
	vu_harness_pump(&vu.h);
	return 0;
}

static int vu_setup(unsigned rx_buffers, uint32_t buf_len)
{
	return vu_setup_with(rx_buffers, buf_len, 0);
}

/* Puts one guest datagram "<tag><i>" to host PORT from guest port SPORT
 * on the TX ring, without letting the device run. */
static void guest_queue(uint16_t sport, uint16_t port, char tag, int i)
{
	char payload[16];
	int len = snprintf(payload, sizeof(payload), "%c%d", tag, i);

	fe_tx_send(vu.fe, frame, pt_udp4(frame, pt_a4("192.0.2.2"), sport,
					 pt_a4("192.0.2.1"), port, payload,
					 (size_t)len));
}

/* The next datagram on host socket S as a string, or "" after 2 s. */
static const char *host_next(int s)
{
	static char buf[64];
	struct pollfd p = { s, POLLIN, 0 };
	ssize_t n;

	buf[0] = 0;
	if (poll(&p, 1, 2000) != 1)
		return buf;
	n = recv(s, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

/* True if host socket S has nothing more after a short wait. */
static bool host_empty(int s)
{
	struct pollfd p = { s, POLLIN, 0 };

	return poll(&p, 1, 50) == 0;
}

/* The payload of the next UDP frame for the guest, as a string, pumping
 * up to 2 s; "" if none.  *SPORT gets its source port. */
static const char *guest_next(uint16_t *sport)
{
	static char out[64];
	int waited, n = -EAGAIN;
	size_t plen;

	out[0] = 0;
	for (waited = 0; waited <= 2000 && n == -EAGAIN; waited += 5) {
		vu_harness_pump(&vu.h);
		n = fe_rx_recv(vu.fe, rxbuf, sizeof(rxbuf), NULL);
		if (n == -EAGAIN)
			epoll_wait(vu.h.c.epollfd, &(struct epoll_event){ 0 }, 1,
				   5);
	}
	if (n < UDP4_PAYLOAD_OFF || !pt_ip4_checksums_ok(rxbuf, (size_t)n))
		return out;
	plen = (size_t)n - UDP4_PAYLOAD_OFF;
	if (plen >= sizeof(out))
		plen = sizeof(out) - 1;
	memcpy(out, rxbuf + UDP4_PAYLOAD_OFF, plen);
	out[plen] = 0;
	if (sport)
		*sport = ip_get_be16(rxbuf + IP4_L4_OFF);
	return out;
}

/* The guest sends one datagram from GPORT to host socket S (bound to
 * PORT) so that a flow exists; returns the flow's address as the host
 * sees it in FROM. */
static int open_flow(int s, uint16_t port, uint16_t gport,
		     struct sockaddr_storage *from)
{
	socklen_t sl = sizeof(*from);
	struct pollfd p = { s, POLLIN, 0 };
	char buf[8];

	guest_queue(gport, port, 'o', 0);
	vu_harness_pump(&vu.h);
	if (poll(&p, 1, 2000) != 1)
		return -1;
	return recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)from,
			&sl) > 0 ? 0 : -1;
}

static char expect[16];

static const char *tag(char t, int i)
{
	snprintf(expect, sizeof(expect), "%c%d", t, i);
	return expect;
}

TEST(guest_datagrams_of_one_flow_leave_with_one_sendmmsg)
{
	uint16_t port;
	int s, i;

	CHECK_INT(vu_setup(0, 0), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	for (i = 0; i < N_DGRAMS; i++)
		guest_queue(GUEST_PORT, port, 'a', i);
	sys.sendmmsg_calls = 0;
	vu_harness_pump(&vu.h);
	CHECK_INT(sys.sendmmsg_calls, 1);
	for (i = 0; i < N_DGRAMS; i++)
		CHECK_STR(host_next(s), tag('a', i));
	CHECK(host_empty(s));
	CHECK_INT(pt_drops(&vu.h.c), 0);
	udp_close_all(&vu.h.c);
}

TEST(large_guest_datagrams_leave_before_the_batch_outgrows_the_cache)
{
	static char big[40000];
	uint16_t port;
	int s, i;
	char buf[64];

	CHECK_INT(vu_setup(0, 0), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &(int){ 4 << 20 }, sizeof(int));
	for (i = 0; i < N_DGRAMS; i++) {
		memset(big, 'a' + i, sizeof(big));
		fe_tx_send(vu.fe, frame, pt_udp4(frame, pt_a4("192.0.2.2"),
						 GUEST_PORT, pt_a4("192.0.2.1"),
						 port, big, sizeof(big)));
	}
	sys.sendmmsg_calls = 0;
	vu_harness_pump(&vu.h);
	/* 7 x 40000 bytes pass 256 KiB: sent, then the eighth alone */
	CHECK_INT(sys.sendmmsg_calls, 2);
	for (i = 0; i < N_DGRAMS; i++) {
		struct pollfd p = { s, POLLIN, 0 };

		CHECK_INT(poll(&p, 1, 2000), 1);
		CHECK_INT(recv(s, big, sizeof(big), 0), sizeof(big));
		CHECK_INT(big[0], 'a' + i);
	}
	CHECK_INT(recv(s, buf, sizeof(buf), MSG_DONTWAIT), -1);
	CHECK_INT(pt_drops(&vu.h.c), 0);
	udp_close_all(&vu.h.c);
}

TEST(interleaved_flows_get_one_sendmmsg_each_in_guest_order)
{
	uint16_t pa, pb;
	int a, b, i;

	CHECK_INT(vu_setup(0, 0), 0);
	a = ft_bind_udp(AF_INET, &pa);
	b = ft_bind_udp(AF_INET, &pb);
	CHECK(a >= 0 && b >= 0);
	for (i = 0; i < N_DGRAMS; i++) {
		guest_queue(GUEST_PORT, pa, 'a', i);
		guest_queue(GUEST_PORT, pb, 'b', i);
	}
	sys.sendmmsg_calls = 0;
	vu_harness_pump(&vu.h);
	CHECK_INT(sys.sendmmsg_calls, 2);
	for (i = 0; i < N_DGRAMS; i++) {
		CHECK_STR(host_next(a), tag('a', i));
		CHECK_STR(host_next(b), tag('b', i));
	}
	CHECK(host_empty(a) && host_empty(b));
	CHECK_INT(pt_drops(&vu.h.c), 0);
	udp_close_all(&vu.h.c);
}

TEST(partial_sendmmsg_sends_the_rest_in_order)
{
	uint16_t port;
	int s, i;

	CHECK_INT(vu_setup(0, 0), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	for (i = 0; i < N_DGRAMS; i++)
		guest_queue(GUEST_PORT, port, 'p', i);
	sys.sendmmsg_calls = 0;
	sys.sendmmsg_cap = 3;
	vu_harness_pump(&vu.h);
	sys.sendmmsg_cap = 0;
	CHECK_INT(sys.sendmmsg_calls, 3); /* 3 + 3 + 2 */
	for (i = 0; i < N_DGRAMS; i++)
		CHECK_STR(host_next(s), tag('p', i));
	CHECK(host_empty(s));
	CHECK_INT(pt_drops(&vu.h.c), 0);
	udp_close_all(&vu.h.c);
}

TEST(eagain_mid_batch_drops_the_rest_counted_and_later_batches_go)
{
	uint16_t port;
	int s, i;

	CHECK_INT(vu_setup(0, 0), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	for (i = 0; i < N_DGRAMS; i++)
		guest_queue(GUEST_PORT, port, 'e', i);
	sys.sendmmsg_cap = 3;
	sys.eagain_after = 1;
	vu_harness_pump(&vu.h);
	sys.sendmmsg_cap = 0;
	sys.eagain_after = -1;
	for (i = 0; i < 3; i++)
		CHECK_STR(host_next(s), tag('e', i));
	CHECK(host_empty(s));
	CHECK_INT(vu.h.c.stats.drops[DROP_HOST_ERROR], N_DGRAMS - 3);
	/* every TX buffer came back: the guest can go on */
	CHECK_INT(fe_used_idx(&vu.fe->tx), N_DGRAMS);
	guest_queue(GUEST_PORT, port, 'f', 0);
	vu_harness_pump(&vu.h);
	CHECK_STR(host_next(s), tag('f', 0));
	udp_close_all(&vu.h.c);
}

TEST(host_datagrams_reach_guest_buffers_with_one_recvmmsg)
{
	struct sockaddr_storage from;
	uint16_t port, sport;
	int s, i;
	char msg[16];

	CHECK_INT(vu_setup(2 * N_DGRAMS, BIG_BUF), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	CHECK_INT(open_flow(s, port, GUEST_PORT, &from), 0);
	for (i = 0; i < N_DGRAMS; i++) {
		int len = snprintf(msg, sizeof(msg), "r%d", i);

		CHECK(sendto(s, msg, (size_t)len, 0, (struct sockaddr *)&from,
			     sizeof(struct sockaddr_in)) == len);
	}
	sys.recvmmsg_calls = 0;
	for (i = 0; i < N_DGRAMS; i++) {
		CHECK_STR(guest_next(&sport), tag('r', i));
		CHECK_INT(sport, port);
	}
	CHECK_INT(sys.recvmmsg_calls, 1);
	CHECK_INT(vu.h.c.stats.frames_to_guest, N_DGRAMS);
	CHECK_INT(pt_drops(&vu.h.c), 0);
	/* the buffers the batch did not fill were given back: more
	 * datagrams still arrive, in order, than the batch had frames for */
	for (i = 0; i < N_DGRAMS; i++) {
		int len = snprintf(msg, sizeof(msg), "s%d", i);

		CHECK(sendto(s, msg, (size_t)len, 0, (struct sockaddr *)&from,
			     sizeof(struct sockaddr_in)) == len);
	}
	for (i = 0; i < N_DGRAMS; i++)
		CHECK_STR(guest_next(NULL), tag('s', i));
	CHECK_INT(pt_drops(&vu.h.c), 0);
	udp_close_all(&vu.h.c);
}

/* Sends N datagrams "<tag><i>" from host socket S to the flow at FROM. */
static int host_send_tagged(int s, const struct sockaddr_storage *from,
			    char t, int first, int n)
{
	char msg[16];
	int i;

	for (i = first; i < first + n; i++) {
		int len = snprintf(msg, sizeof(msg), "%c%d", t, i);

		if (sendto(s, msg, (size_t)len, 0, (const struct sockaddr *)from,
			   sizeof(struct sockaddr_in)) != len)
			return -1;
	}
	return 0;
}

/* Events vunetd's loop would get now for flow sockets (EPOLL_TYPE_UDP). */
static int udp_socket_events(void)
{
	struct epoll_event ev[16];
	int n = epoll_wait(vu.h.c.epollfd, ev, 16, 0), i, udp = 0;

	for (i = 0; i < n; i++)
		udp += ((union epoll_ref){ .u64 = ev[i].data.u64 }).type ==
		       EPOLL_TYPE_UDP;
	return udp;
}

#define BURST 40

TEST(host_burst_beyond_the_guest_buffers_waits_in_the_socket_and_arrives_in_order)
{
	struct sockaddr_storage from;
	uint16_t port;
	int s, i;

	CHECK_INT(vu_setup(5, BIG_BUF), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	CHECK_INT(open_flow(s, port, GUEST_PORT, &from), 0);
	CHECK_INT(host_send_tagged(s, &from, 'd', 0, BURST), 0);
	for (i = 0; i < 5; i++)
		CHECK_STR(guest_next(NULL), tag('d', i));
	CHECK_STR(guest_next(NULL), "");
	CHECK_INT(pt_drops(&vu.h.c), 0);
	/* the rest waits in the socket, which the loop does not watch
	 * meanwhile: a readable socket it cannot empty would spin it */
	CHECK_INT(udp_socket_events(), 0);
	/* the guest posts buffers (and kicks): everything arrives */
	CHECK_INT(fe_rx_post(vu.fe, BURST - 5 + 1, BIG_BUF), 0);
	for (i = 5; i < BURST; i++)
		CHECK_STR(guest_next(NULL), tag('d', i));
	CHECK_INT(pt_drops(&vu.h.c), 0);
	/* and the socket is watched again: a later datagram comes by itself */
	CHECK_INT(host_send_tagged(s, &from, 'e', 0, 1), 0);
	CHECK_STR(guest_next(NULL), "e0");
	CHECK_INT(pt_drops(&vu.h.c), 0);
	udp_close_all(&vu.h.c);
}

/* The next frame for the guest in rxbuf, pumping up to 2 s; *HDR gets
 * its virtio-net header.  Returns its length, or -1. */
static int guest_frame(struct fe_net_hdr *hdr)
{
	int waited, n = -EAGAIN;

	for (waited = 0; waited <= 2000 && n == -EAGAIN; waited += 5) {
		vu_harness_pump(&vu.h);
		n = fe_rx_recv_hdr(vu.fe, rxbuf, sizeof(rxbuf), hdr);
		if (n == -EAGAIN)
			epoll_wait(vu.h.c.epollfd, &(struct epoll_event){ 0 }, 1,
				   5);
	}
	return n < 0 ? -1 : n;
}

TEST(datagram_larger_than_the_merged_buffers_posted_waits_for_more)
{
	static char big[6000];
	struct sockaddr_storage from;
	struct fe_net_hdr h;
	uint16_t port;
	int s, i, n;

	CHECK_INT(vu_setup(2, SMALL_BUF), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	CHECK_INT(open_flow(s, port, GUEST_PORT, &from), 0);
	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	CHECK(sendto(s, big, sizeof(big), 0, (struct sockaddr *)&from,
		     sizeof(struct sockaddr_in)) == sizeof(big));
	CHECK_INT(host_send_tagged(s, &from, 'm', 0, 1), 0);
	for (i = 0; i < 20; i++) {
		vu_harness_pump(&vu.h);
		usleep(5000);
	}
	/* two buffers cannot hold it, more merged ones will: it waits */
	CHECK_INT(fe_rx_recv(vu.fe, rxbuf, sizeof(rxbuf), NULL), -EAGAIN);
	CHECK_INT(pt_drops(&vu.h.c), 0);
	CHECK_INT(fe_rx_post(vu.fe, 4, SMALL_BUF), 0);
	n = guest_frame(&h);
	CHECK_INT(n, UDP4_PAYLOAD_OFF + (int)sizeof(big));
	CHECK(h.num_buffers > 2);
	CHECK(pt_ip4_checksums_ok(rxbuf, (size_t)n));
	CHECK(!memcmp(rxbuf + UDP4_PAYLOAD_OFF, big, sizeof(big)));
	CHECK_STR(guest_next(NULL), "m0");
	CHECK_INT(pt_drops(&vu.h.c), 0);
	udp_close_all(&vu.h.c);
}

TEST(datagram_no_guest_buffer_could_hold_is_dropped_and_the_next_arrives)
{
	static char big[3000];
	struct sockaddr_storage from;
	uint16_t port;
	int s;

	/* without merged buffers a frame is one buffer, of the size posted */
	CHECK_INT(vu_setup_with(4, 1024, BASE_FEATURES &
				~(1ULL << FE_F_NET_MRG_RXBUF)), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	CHECK_INT(open_flow(s, port, GUEST_PORT, &from), 0);
	memset(big, 'x', sizeof(big));
	CHECK(sendto(s, big, sizeof(big), 0, (struct sockaddr *)&from,
		     sizeof(struct sockaddr_in)) == sizeof(big));
	CHECK_INT(host_send_tagged(s, &from, 'n', 0, 1), 0);
	CHECK_STR(guest_next(NULL), "n0");
	CHECK_INT(vu.h.c.stats.drops[DROP_RX_NO_BUFFERS], 1);
	udp_close_all(&vu.h.c);
}

/* A 999-byte payload (odd: the last byte is summed padded), varied. */
static void fill_payload(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (char)(i * 7 + 3);
}

TEST(reply_to_a_guest_with_guest_csum_leaves_it_a_partial_checksum)
{
	static char payload[999];
	struct sockaddr_storage from;
	struct fe_net_hdr h;
	uint16_t port, field, partial;
	int s, n;

	CHECK_INT(vu_setup_with(4, BIG_BUF, CSUM_FEATURES), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	CHECK_INT(open_flow(s, port, GUEST_PORT, &from), 0);
	fill_payload(payload, sizeof(payload));
	CHECK(sendto(s, payload, sizeof(payload), 0, (struct sockaddr *)&from,
		     sizeof(struct sockaddr_in)) == sizeof(payload));
	n = guest_frame(&h);
	CHECK_INT(n, UDP4_PAYLOAD_OFF + (int)sizeof(payload));
	CHECK_INT(h.flags, FE_NET_HDR_F_NEEDS_CSUM);
	CHECK_INT(h.csum_start, IP4_L4_OFF);
	CHECK_INT(h.csum_offset, 6);
	CHECK_INT(h.gso_type, FE_NET_HDR_GSO_NONE);
	/* the field holds the pseudo-header sum (gateway to guest) */
	partial = (uint16_t)~csum_fold(csum_add_pseudo4(
		0, pt_a4("192.0.2.1"), pt_a4("192.0.2.2"), IPPROTO_UDP,
		UDP_HDR_LEN + sizeof(payload)));
	memcpy(&field, rxbuf + IP4_L4_OFF + 6, 2);
	CHECK_INT(field, partial);
	/* which the guest completes into the right checksum */
	CHECK_INT(fe_rx_complete_csum(rxbuf, (size_t)n, &h), 0);
	CHECK(pt_ip4_checksums_ok(rxbuf, (size_t)n));
	CHECK(!memcmp(rxbuf + UDP4_PAYLOAD_OFF, payload, sizeof(payload)));
	udp_close_all(&vu.h.c);
}

TEST(ipv6_reply_to_a_guest_with_guest_csum_leaves_it_a_partial_checksum)
{
	static char payload[999];
	struct in6_addr gw = pt_a6("fe80::1"), guest = pt_a6("2001:db8::2");
	struct sockaddr_storage from;
	socklen_t sl = sizeof(from);
	struct fe_net_hdr h;
	uint16_t port, field, partial;
	char buf[8];
	int s, n;

	CHECK_INT(vu_setup_with(4, BIG_BUF, CSUM_FEATURES), 0);
	s = ft_bind_udp(AF_INET6, &port);
	if (s < 0)
		SKIP("no IPv6 loopback on this machine");
	fe_tx_send(vu.fe, frame, pt_udp6(frame, &guest, GUEST_PORT, &gw, port,
					 "o", 1));
	vu_harness_pump(&vu.h);
	CHECK(recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		       &sl) == 1);
	fill_payload(payload, sizeof(payload));
	CHECK(sendto(s, payload, sizeof(payload), 0, (struct sockaddr *)&from,
		     sl) == sizeof(payload));
	n = guest_frame(&h);
	CHECK_INT(n, UDP6_PAYLOAD_OFF + (int)sizeof(payload));
	CHECK_INT(h.flags, FE_NET_HDR_F_NEEDS_CSUM);
	CHECK_INT(h.csum_start, IP6_L4_OFF);
	CHECK_INT(h.csum_offset, 6);
	partial = (uint16_t)~csum_fold(csum_add_pseudo6(
		0, &gw, &guest, IPPROTO_UDP, UDP_HDR_LEN + sizeof(payload)));
	memcpy(&field, rxbuf + IP6_L4_OFF + 6, 2);
	CHECK_INT(field, partial);
	CHECK_INT(fe_rx_complete_csum(rxbuf, (size_t)n, &h), 0);
	CHECK(pt_ip6_checksums_ok(rxbuf, (size_t)n));
	udp_close_all(&vu.h.c);
}

TEST(reply_to_a_guest_without_guest_csum_carries_the_full_checksum)
{
	static char payload[999];
	struct sockaddr_storage from;
	struct fe_net_hdr h;
	uint16_t port;
	int s, n;

	CHECK_INT(vu_setup_with(4, BIG_BUF, BASE_FEATURES), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	CHECK_INT(open_flow(s, port, GUEST_PORT, &from), 0);
	fill_payload(payload, sizeof(payload));
	CHECK(sendto(s, payload, sizeof(payload), 0, (struct sockaddr *)&from,
		     sizeof(struct sockaddr_in)) == sizeof(payload));
	n = guest_frame(&h);
	CHECK_INT(n, UDP4_PAYLOAD_OFF + (int)sizeof(payload));
	CHECK_INT(h.flags, 0);
	CHECK(pt_ip4_checksums_ok(rxbuf, (size_t)n));
	udp_close_all(&vu.h.c);
}

TEST(small_merged_guest_buffers_take_host_datagrams_one_at_a_time)
{
	static char big[3000];
	struct sockaddr_storage from;
	int s, i, n;
	uint16_t port;
	char msg[16];

	CHECK_INT(vu_setup(QUEUE_SIZE, SMALL_BUF), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	CHECK_INT(open_flow(s, port, GUEST_PORT, &from), 0);
	memset(big, 'x', sizeof(big));
	for (i = 0; i < N_DGRAMS; i++) {
		int len = snprintf(msg, sizeof(msg), "m%d", i);

		CHECK(sendto(s, msg, (size_t)len, 0, (struct sockaddr *)&from,
			     sizeof(struct sockaddr_in)) == len);
	}
	CHECK(sendto(s, big, sizeof(big), 0, (struct sockaddr *)&from,
		     sizeof(struct sockaddr_in)) == sizeof(big));
	sys.recvmmsg_calls = 0;
	for (i = 0; i < N_DGRAMS; i++)
		CHECK_STR(guest_next(NULL), tag('m', i));
	/* a datagram larger than one buffer spans merged buffers */
	vu_harness_pump(&vu.h);
	n = fe_rx_recv(vu.fe, rxbuf, sizeof(rxbuf), NULL);
	CHECK_INT(n, UDP4_PAYLOAD_OFF + (int)sizeof(big));
	CHECK(pt_ip4_checksums_ok(rxbuf, (size_t)n));
	CHECK(!memcmp(rxbuf + UDP4_PAYLOAD_OFF, big, sizeof(big)));
	CHECK(sys.recvmmsg_calls >= N_DGRAMS + 1);
	CHECK_INT(pt_drops(&vu.h.c), 0);
	udp_close_all(&vu.h.c);
}

/* A Linux guest with merged buffers posts ~1.5 KiB ones: a small datagram
 * takes one of them, not as many as a 64 KiB datagram would need (popped
 * and given back each time). */
TEST(small_datagram_reserves_one_small_merged_buffer)
{
	struct sockaddr_storage from;
	uint16_t port;
	int s, i;

	CHECK_INT(vu_setup(QUEUE_SIZE, 1536), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	CHECK_INT(open_flow(s, port, GUEST_PORT, &from), 0);
	for (i = 0; i < 4; i++) {
		char msg[16];
		int len = snprintf(msg, sizeof(msg), "m%d", i);

		sys.recv_iov_max = 0;
		CHECK(sendto(s, msg, (size_t)len, 0, (struct sockaddr *)&from,
			     sizeof(struct sockaddr_in)) == len);
		CHECK_STR(guest_next(NULL), tag('m', i));
		CHECK_INT((int)sys.recv_iov_max, 1);
	}
	CHECK_INT(pt_drops(&vu.h.c), 0);
	udp_close_all(&vu.h.c);
}

/* 12 bytes of virtio-net header, 42 of Ethernet, IPv4 and UDP headers:
 * 1482 payload bytes fill a 1536-byte buffer to its last byte and are
 * given just that buffer (FIONREAD sizes the reservation); one byte more
 * takes a second. */
TEST(datagram_filling_a_1536_byte_merged_buffer_exactly_takes_one)
{
	static char data[1483];
	struct sockaddr_storage from;
	unsigned nb = 0;
	uint16_t port;
	size_t len;
	int s;

	CHECK_INT(vu_setup(QUEUE_SIZE, 1536), 0);
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	CHECK_INT(open_flow(s, port, GUEST_PORT, &from), 0);
	memset(data, 'e', sizeof(data));
	for (len = 1482; len <= 1483; len++) {
		int n = -EAGAIN, waited;

		sys.recv_iov_max = 0;
		CHECK(sendto(s, data, len, 0, (struct sockaddr *)&from,
			     sizeof(struct sockaddr_in)) == (ssize_t)len);
		for (waited = 0; waited < 2000 && n == -EAGAIN; waited += 5) {
			vu_harness_pump(&vu.h);
			n = fe_rx_recv(vu.fe, rxbuf, sizeof(rxbuf), &nb);
			if (n == -EAGAIN)
				usleep(5000);
		}
		CHECK_INT(n, UDP4_PAYLOAD_OFF + len);
		CHECK(pt_ip4_checksums_ok(rxbuf, (size_t)n));
		CHECK(!memcmp(rxbuf + UDP4_PAYLOAD_OFF, data, len));
		CHECK_INT(nb, len - 1481);
		CHECK_INT((int)sys.recv_iov_max, (int)(len - 1481));
	}
	CHECK_INT(pt_drops(&vu.h.c), 0);
	udp_close_all(&vu.h.c);
}

/* The payload of the next IPv6 frame for the guest as a string, or "". */
static const char *guest_next6(void)
{
	static char out[64];
	int waited, n = -EAGAIN;
	size_t plen;

	out[0] = 0;
	for (waited = 0; waited <= 2000 && n == -EAGAIN; waited += 5) {
		vu_harness_pump(&vu.h);
		n = fe_rx_recv(vu.fe, rxbuf, sizeof(rxbuf), NULL);
		if (n == -EAGAIN)
			epoll_wait(vu.h.c.epollfd, &(struct epoll_event){ 0 }, 1,
				   5);
	}
	if (n < UDP6_PAYLOAD_OFF)
		return out;
	plen = (size_t)n - UDP6_PAYLOAD_OFF;
	if (plen >= sizeof(out))
		plen = sizeof(out) - 1;
	memcpy(out, rxbuf + UDP6_PAYLOAD_OFF, plen);
	out[plen] = 0;
	return out;
}

TEST(datagram_too_big_for_a_frame_mid_batch_is_dropped_and_the_rest_keep_order)
{
	static char big[65500]; /* fits IPv6, not a frame with its headers */
	struct in6_addr gw = pt_a6("fe80::1"), guest = pt_a6("2001:db8::2");
	struct sockaddr_storage from;
	socklen_t sl = sizeof(from);
	uint16_t port;
	char buf[8];
	int s, i;

	CHECK_INT(vu_setup(2 * N_DGRAMS, BIG_BUF), 0);
	s = ft_bind_udp(AF_INET6, &port);
	if (s < 0)
		SKIP("no IPv6 loopback on this machine");
	fe_tx_send(vu.fe, frame, pt_udp6(frame, &guest, GUEST_PORT, &gw, port,
					 "o", 1));
	vu_harness_pump(&vu.h);
	CHECK(recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		       &sl) == 1);
	memset(big, 'x', sizeof(big));
	for (i = 0; i < 4; i++) {
		char msg[8];
		int len = snprintf(msg, sizeof(msg), "t%d", i);

		if (i == 1)
			CHECK(sendto(s, big, sizeof(big), 0,
				     (struct sockaddr *)&from, sl) ==
			      sizeof(big));
		CHECK(sendto(s, msg, (size_t)len, 0, (struct sockaddr *)&from,
			     sl) == len);
	}
	sys.recvmmsg_calls = 0;
	for (i = 0; i < 4; i++)
		CHECK_STR(guest_next6(), tag('t', i));
	CHECK_STR(guest_next6(), "");
	CHECK_INT(sys.recvmmsg_calls, 1);
	CHECK_INT(vu.h.c.stats.drops[DROP_TOO_BIG], 1);
	CHECK_INT(vu.h.c.stats.frames_to_guest, 4);
	udp_close_all(&vu.h.c);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
