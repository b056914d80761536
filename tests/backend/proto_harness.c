// SPDX-License-Identifier: GPL-2.0-or-later
/* Set-up for the protocol tests: see the theory of operation in
 * proto_harness.h. */
#include "tests/backend/proto_harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/arp.h"
#include "backend/checksum.h"
#include "backend/dhcp.h"
#include "backend/dhcpv6.h"
#include "backend/icmp.h"
#include "backend/ip.h"
#include "backend/ndp.h"
#include "backend/tap.h"

const uint8_t pt_guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
const uint8_t pt_our_mac[6] = { 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55 };

/* The table vunetd installs, limited to the modules these tests cover. */
static const struct tap_handlers pt_handlers = {
	.arp = arp_handler,
	.dhcp = dhcp_handler,
	.dhcpv6 = dhcpv6_handler,
	.ndp = ndp_handler,
	.icmp = icmp_tap_handler,
};

static int frontend_fd = -1;

struct in_addr pt_a4(const char *s)
{
	struct in_addr a = { 0 };

	inet_pton(AF_INET, s, &a);
	return a;
}

struct in6_addr pt_a6(const char *s)
{
	struct in6_addr a = IN6ADDR_ANY_INIT;

	inet_pton(AF_INET6, s, &a);
	return a;
}

int pt_setup(struct ctx *c)
{
	int sv[2];

	memset(c, 0, sizeof(*c));
	c->mode = MODE_STREAM;
	c->epollfd = -1;
	c->fd_listen = c->fd_conn = -1;
	memcpy(c->our_tap_mac, pt_our_mac, 6);
	c->mtu = 65520;
	c->ip4.enabled = true;
	c->ip4.addr = pt_a4("192.0.2.2");
	c->ip4.prefix_len = 24;
	c->ip4.gw = pt_a4("192.0.2.1");
	c->ip4.map_host_loopback = c->ip4.gw;
	c->ip4.dns[0] = pt_a4("192.0.2.53");
	c->ip4.n_dns = 1;
	c->ip6.enabled = true;
	c->ip6.addr = pt_a6("2001:db8::2");
	c->ip6.prefix_len = 64;
	c->ip6.gw = pt_a6("fe80::1");
	c->ip6.our_tap_ll = pt_a6("fe80::1");
	c->ip6.map_host_loopback = c->ip6.gw;
	c->ip6.dns[0] = pt_a6("2001:db8::53");
	c->ip6.n_dns = 1;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("socketpair");
		return -1;
	}
	frontend_fd = sv[1];
	if (tap_stream_attach(c, sv[0]) < 0) {
		fprintf(stderr, "tap_stream_attach failed\n");
		return -1;
	}
	tap_set_handlers(&pt_handlers);
	return 0;
}

void pt_to_vunetd(struct ctx *c, const void *frame, size_t len)
{
	static uint8_t rec[4 + PT_FRAME_MAX];

	if (len > PT_FRAME_MAX)
		return;
	ip_put_be32(rec, (uint32_t)len);
	memcpy(rec + 4, frame, len);
	if (write(frontend_fd, rec, 4 + len) != (ssize_t)(4 + len))
		perror("write to vunetd");
	tap_stream_input(c);
	tap_batch_done(c);
}

void pt_to_vunetd_raw(struct ctx *c, const void *bytes, size_t len)
{
	if (write(frontend_fd, bytes, len) != (ssize_t)len)
		perror("write to vunetd");
	tap_stream_input(c);
}

/* Reads exactly LEN bytes, waiting up to TIMEOUT_MS for the first. */
static int read_exact(void *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { frontend_fd, POLLIN, 0 };
	uint8_t *b = buf;

	while (len) {
		ssize_t n;

		if (poll(&p, 1, timeout_ms) != 1)
			return -1;
		n = read(frontend_fd, b, len);
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t pt_from_vunetd(uint8_t *buf, size_t size, int timeout_ms)
{
	uint8_t lenb[4];
	uint32_t len;

	if (read_exact(lenb, 4, timeout_ms) < 0)
		return -1;
	len = ip_get_be32(lenb);
	if (len > size || read_exact(buf, len, 1000) < 0)
		return -1;
	return (ssize_t)len;
}

int pt_frontend_fd(void)
{
	return frontend_fd;
}

uint64_t pt_drops(const struct ctx *c)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < DROP_NUM_REASONS; i++)
		n += c->stats.drops[i];
	return n;
}

static void guest_to_us(uint8_t *frame, uint16_t ethertype)
{
	ip_eth_fill(frame, pt_our_mac, pt_guest_mac, ethertype);
}

size_t pt_udp4(uint8_t *frame, struct in_addr src, uint16_t sport,
	       struct in_addr dst, uint16_t dport, const void *payload,
	       size_t len)
{
	size_t n;

	memcpy(frame + UDP4_PAYLOAD_OFF, payload, len);
	n = ip_udp4_frame(frame, pt_our_mac, pt_guest_mac, src, sport, dst,
			  dport, len);
	guest_to_us(frame, ETH_P_IP);
	return n;
}

size_t pt_udp6(uint8_t *frame, const struct in6_addr *src, uint16_t sport,
	       const struct in6_addr *dst, uint16_t dport,
	       const void *payload, size_t len)
{
	size_t n;

	memcpy(frame + UDP6_PAYLOAD_OFF, payload, len);
	n = ip_udp6_frame(frame, pt_our_mac, pt_guest_mac, src, sport, dst,
			  dport, len);
	guest_to_us(frame, ETH_P_IPV6);
	return n;
}

size_t pt_icmp6(uint8_t *frame, const struct in6_addr *src,
		const struct in6_addr *dst, const void *msg, size_t len)
{
	memcpy(frame + IP6_L4_OFF, msg, len);
	return ip_icmp6_frame(frame, pt_our_mac, pt_guest_mac, src, dst, len);
}

size_t pt_icmp4(uint8_t *frame, struct in_addr src, struct in_addr dst,
		const void *msg, size_t len)
{
	memcpy(frame + IP4_L4_OFF, msg, len);
	return ip_icmp4_frame(frame, pt_our_mac, pt_guest_mac, src, dst, len);
}

int pt_ip4_checksums_ok(const uint8_t *frame, size_t len)
{
	const uint8_t *ip = frame + ETH_HDR_LEN;
	size_t l4_len = ip_get_be16(ip + 2) - IP4_HDR_LEN;
	struct in_addr s, d;
	uint32_t sum = 0;

	if (len < IP4_L4_OFF + l4_len || csum_buf(ip, IP4_HDR_LEN))
		return 0;
	memcpy(&s, ip + 12, 4);
	memcpy(&d, ip + 16, 4);
	if (ip[9] == IPPROTO_UDP)
		sum = csum_add_pseudo4(0, s, d, IPPROTO_UDP, l4_len);
	return csum_fold(csum_add_buf(sum, ip + IP4_HDR_LEN, l4_len)) == 0;
}

int pt_ip6_checksums_ok(const uint8_t *frame, size_t len)
{
	const uint8_t *ip = frame + ETH_HDR_LEN;
	size_t l4_len = ip_get_be16(ip + 4);
	struct in6_addr s, d;
	uint32_t sum;

	if (len < IP6_L4_OFF + l4_len)
		return 0;
	memcpy(&s, ip + 8, 16);
	memcpy(&d, ip + 24, 16);
	sum = csum_add_pseudo6(0, &s, &d, ip[6], l4_len);
	return csum_fold(csum_add_buf(sum, ip + IP6_HDR_LEN, l4_len)) == 0;
}

/* xorshift32: small, deterministic, good enough to pick bytes. */
static uint32_t next_rand(uint32_t *seed)
{
	uint32_t x = *seed ? *seed : 1;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*seed = x;
	return x;
}

void pt_mutate(uint8_t *buf, size_t len, uint32_t *seed)
{
	unsigned i, changes = 1 + next_rand(seed) % 4;

	for (i = 0; i < changes && len; i++) {
		uint32_t r = next_rand(seed);
		size_t pos = r % len;

		/* lengths and counts are what parsers trip on: favour
		 * extreme values over random ones */
		switch ((r >> 24) % 4) {
		case 0:
			buf[pos] = 0xff;
			break;
		case 1:
			buf[pos] = 0;
			break;
		default:
			buf[pos] = (uint8_t)(r >> 8);
			break;
		}
	}
}

void pt_drain(void)
{
	static uint8_t sink[PT_FRAME_MAX];
	int i;

	for (i = 0; i < 64 && pt_from_vunetd(sink, sizeof(sink), 0) >= 0; i++)
		;
}

void pt_dhcp_init(struct pt_dhcp_msg *r, uint8_t type)
{
	memset(r, 0, sizeof(*r));
	r->m[0] = 1; /* BOOTREQUEST */
	r->m[1] = 1; /* Ethernet */
	r->m[2] = 6;
	ip_put_be32(r->m + 4, 0xdeadbeef);
	memcpy(r->m + 28, pt_guest_mac, 6);
	ip_put_be32(r->m + 236, PT_DHCP_MAGIC);
	r->len = PT_DHCP_OPTS;
	if (type) {
		r->m[r->len++] = 53;
		r->m[r->len++] = 1;
		r->m[r->len++] = type;
	}
}

void pt_dhcp_add(struct pt_dhcp_msg *r, uint8_t code, const void *v,
		 uint8_t len)
{
	r->m[r->len++] = code;
	r->m[r->len++] = len;
	memcpy(r->m + r->len, v, len);
	r->len += len;
}

void pt_dhcp_end(struct pt_dhcp_msg *r)
{
	r->m[r->len++] = 255;
}

const uint8_t *pt_dhcp_opt(const uint8_t *m, size_t len, uint8_t code,
			   uint8_t *olen)
{
	size_t i = PT_DHCP_OPTS;

	while (i < len && m[i] != 255) {
		if (m[i] == 0) {
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + m[i + 1] > len)
			return NULL;
		if (m[i] == code) {
			*olen = m[i + 1];
			return m + i + 2;
		}
		i += 2 + m[i + 1];
	}
	return NULL;
}
