// SPDX-License-Identifier: GPL-2.0-or-later
/* Set-up and helpers for the TCP and UDP tests: see the theory of
 * operation in test_flow_harness.h. */
#include "tests/backend/test_flow_harness.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backend/checksum.h"
#include "backend/epoll_ref.h"
#include "backend/flow.h"
#include "backend/ip.h"
#include "backend/tap.h"
#include "backend/tcp.h"
#include "backend/udp.h"

#define FT_EVENTS 64

/* As vunetd's: both modules that batch their sends. */
static void ft_batch_done(struct ctx *c)
{
	tcp_batch_done(c);
	udp_batch_done(c);
}

/* As vunetd's: both modules that wait for the guest's room. */
static void ft_rx_ready(struct ctx *c)
{
	tcp_guest_rx_ready(c);
	udp_guest_rx_ready(c);
}

static const struct tap_handlers ft_handlers = {
	.tcp = tcp_tap_handler,
	.udp = udp_tap_handler,
	.batch_done = ft_batch_done,
	.rx_ready = ft_rx_ready,
};

int ft_setup(struct ctx *c, unsigned capacity)
{
	if (pt_setup(c) < 0)
		return -1;
	c->epollfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epollfd < 0) {
		perror("epoll_create1");
		return -1;
	}
	if (flow_init(capacity) < 0) {
		fprintf(stderr, "flow_init(%u) failed\n", capacity);
		return -1;
	}
	if (tcp_init(c) < 0) {
		fprintf(stderr, "tcp_init failed\n");
		return -1;
	}
	tap_set_handlers(&ft_handlers);
	return 0;
}

void ft_pump(struct ctx *c, int timeout_ms)
{
	struct epoll_event ev[FT_EVENTS];
	int n, i;

	n = epoll_wait(c->epollfd, ev, FT_EVENTS, timeout_ms);
	for (i = 0; i < n; i++) {
		union epoll_ref ref = { .u64 = ev[i].data.u64 };

		if (ref.type == EPOLL_TYPE_TCP)
			tcp_sock_handler(c, ref, ev[i].events);
		else if (ref.type == EPOLL_TYPE_TCP_LISTEN)
			tcp_listen_handler(c, ref, ev[i].events);
		else if (ref.type == EPOLL_TYPE_UDP)
			udp_sock_handler(c, ref, ev[i].events);
		else if (ref.type == EPOLL_TYPE_UDP_LISTEN)
			udp_listen_handler(c, ref, ev[i].events);
		else if (ref.type == EPOLL_TYPE_TCP_ACK_TIMER)
			tcp_ack_timer_handler(c);
	}
}

static long long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000LL +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

ssize_t ft_recv(struct ctx *c, uint8_t *buf, size_t size, int timeout_ms)
{
	struct timespec start;
	ssize_t n;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		n = pt_from_vunetd(buf, size, 0);
		if (n >= 0 || elapsed_ms(&start) >= timeout_ms)
			return n;
		ft_pump(c, 10);
	}
}

static void put_opts(uint8_t *p, const struct ft_seg *seg, size_t *len)
{
	*len = 0;
	if (seg->mss) {
		p[0] = 2;
		p[1] = 4;
		ip_put_be16(p + 2, seg->mss);
		*len = 4;
	}
	if (seg->wscale >= 0) {
		p[*len] = 1;
		p[*len + 1] = 3;
		p[*len + 2] = 3;
		p[*len + 3] = (uint8_t)seg->wscale;
		*len += 4;
	}
}

size_t ft_tcp_frame(uint8_t *frame, const struct ft_seg *seg)
{
	bool v4 = seg->af == AF_INET;
	size_t l3 = v4 ? 20 : IP6_HDR_LEN, opt_len, l4_len;
	uint8_t *ip = frame + ETH_HDR_LEN, *th = ip + l3;
	uint32_t sum;
	uint16_t csum;

	ip_eth_fill(frame, pt_our_mac, pt_guest_mac, v4 ? ETH_P_IP : ETH_P_IPV6);
	memset(th, 0, 20);
	put_opts(th + 20, seg, &opt_len);
	l4_len = 20 + opt_len + seg->len;
	ip_put_be16(th, seg->sport);
	ip_put_be16(th + 2, seg->dport);
	ip_put_be32(th + 4, seg->seq);
	ip_put_be32(th + 8, seg->ack);
	th[12] = (uint8_t)(((20 + opt_len) / 4) << 4);
	th[13] = seg->flags;
	ip_put_be16(th + 14, seg->wnd);
	if (seg->len)
		memcpy(th + 20 + opt_len, seg->payload, seg->len);
	memset(ip, 0, l3);
	if (v4) {
		ip[0] = 0x45;
		ip_put_be16(ip + 2, (uint16_t)(20 + l4_len));
		ip[8] = 64;
		ip[9] = IPPROTO_TCP;
		memcpy(ip + 12, &seg->saddr.a4, 4);
		memcpy(ip + 16, &seg->daddr.a4, 4);
		csum = csum_buf(ip, 20);
		memcpy(ip + 10, &csum, 2);
		sum = csum_add_pseudo4(0, seg->saddr.a4, seg->daddr.a4,
				       IPPROTO_TCP, l4_len);
	} else {
		ip[0] = 0x60;
		ip_put_be16(ip + 4, (uint16_t)l4_len);
		ip[6] = IPPROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, &seg->saddr.a6, 16);
		memcpy(ip + 24, &seg->daddr.a6, 16);
		sum = csum_add_pseudo6(0, &seg->saddr.a6, &seg->daddr.a6,
				       IPPROTO_TCP, l4_len);
	}
	csum = csum_fold(csum_add_buf(sum, th, l4_len));
	memcpy(th + 16, &csum, 2);
	return ETH_HDR_LEN + l3 + l4_len;
}

static void parse_opts(const uint8_t *p, const uint8_t *end,
		       struct ft_seg *seg)
{
	while (p < end && *p) {
		if (*p == 1) {
			p++;
			continue;
		}
		if (end - p < 2 || p[1] < 2 || p[1] > end - p)
			return;
		if (p[0] == 2 && p[1] == 4)
			seg->mss = ip_get_be16(p + 2);
		if (p[0] == 3 && p[1] == 3)
			seg->wscale = p[2];
		p += p[1];
	}
}

int ft_tcp_parse(const uint8_t *frame, size_t len, struct ft_seg *seg)
{
	const uint8_t *ip = frame + ETH_HDR_LEN, *th;
	size_t l3, l4_len, doff;
	uint32_t sum;

	memset(seg, 0, sizeof(*seg));
	seg->wscale = -1;
	if (len < ETH_HDR_LEN + 20)
		return -1;
	if (ip_get_be16(frame + 12) == ETH_P_IP) {
		seg->af = AF_INET;
		l3 = 20;
		if (ip[9] != IPPROTO_TCP || csum_buf(ip, 20))
			return -1;
		l4_len = ip_get_be16(ip + 2) - 20u;
		memcpy(&seg->saddr.a4, ip + 12, 4);
		memcpy(&seg->daddr.a4, ip + 16, 4);
		sum = csum_add_pseudo4(0, seg->saddr.a4, seg->daddr.a4,
				       IPPROTO_TCP, l4_len);
	} else {
		seg->af = AF_INET6;
		l3 = IP6_HDR_LEN;
		if (len < ETH_HDR_LEN + l3 || ip[6] != IPPROTO_TCP)
			return -1;
		l4_len = ip_get_be16(ip + 4);
		memcpy(&seg->saddr.a6, ip + 8, 16);
		memcpy(&seg->daddr.a6, ip + 24, 16);
		sum = csum_add_pseudo6(0, &seg->saddr.a6, &seg->daddr.a6,
				       IPPROTO_TCP, l4_len);
	}
	th = ip + l3;
	if (len < ETH_HDR_LEN + l3 + l4_len || l4_len < 20)
		return -1;
	if (csum_fold(csum_add_buf(sum, th, l4_len)))
		return -1;
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < 20 || doff > l4_len)
		return -1;
	seg->sport = ip_get_be16(th);
	seg->dport = ip_get_be16(th + 2);
	seg->seq = ip_get_be32(th + 4);
	seg->ack = ip_get_be32(th + 8);
	seg->flags = th[13];
	seg->wnd = ip_get_be16(th + 14);
	parse_opts(th + 20, th + doff, seg);
	seg->payload = th + doff;
	seg->len = l4_len - doff;
	return 0;
}

void ft_tcp_send(struct ctx *c, const struct ft_seg *seg)
{
	static uint8_t frame[PT_FRAME_MAX];

	pt_to_vunetd(c, frame, ft_tcp_frame(frame, seg));
}

int ft_tcp_recv(struct ctx *c, uint8_t *buf, size_t size, struct ft_seg *seg,
		int timeout_ms)
{
	ssize_t n = ft_recv(c, buf, size, timeout_ms);

	if (n < 0)
		return -1;
	return ft_tcp_parse(buf, (size_t)n, seg);
}

static int loopback_socket(int af, int type, uint16_t *port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl = af == AF_INET ? sizeof(*sin) : sizeof(*sin6);
	int s = socket(af, type | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -1;
	if (af == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
	}
	if (bind(s, (struct sockaddr *)&ss, sl) ||
	    getsockname(s, (struct sockaddr *)&ss, &sl)) {
		close(s);
		return -1;
	}
	*port = ntohs(af == AF_INET ? sin->sin_port : sin6->sin6_port);
	return s;
}

int ft_listen_tcp(int af, uint16_t *port)
{
	int s = loopback_socket(af, SOCK_STREAM, port);

	if (s >= 0 && listen(s, 16)) {
		close(s);
		s = -1;
	}
	return s;
}

int ft_bind_udp(int af, uint16_t *port)
{
	return loopback_socket(af, SOCK_DGRAM, port);
}

uint16_t ft_closed_port(int af, int type)
{
	uint16_t port = 0;
	int s = loopback_socket(af, type, &port);

	if (s >= 0)
		close(s);
	return port;
}
