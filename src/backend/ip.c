// SPDX-License-Identifier: GPL-2.0-or-later
/* Frame header building: see the theory of operation in ip.h. */
#include "backend/ip.h"

#include <linux/if_ether.h>
#include <string.h>

#include "backend/checksum.h"

/* RFC 1035 2.3.4 limits. */
#define DNS_LABEL_MAX 63
#define DNS_NAME_MAX 255

const uint8_t ip_mac_broadcast[ETH_ADDR_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff
};

uint16_t ip_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t ip_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void ip_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

void ip_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

void ip_eth_fill(uint8_t *frame, const uint8_t *dst_mac,
		 const uint8_t *src_mac, uint16_t ethertype)
{
	memcpy(frame, dst_mac, ETH_ADDR_LEN);
	memcpy(frame + ETH_ADDR_LEN, src_mac, ETH_ADDR_LEN);
	ip_put_be16(frame + 2 * ETH_ADDR_LEN, ethertype);
}

/* IPv4 header without options; "don't fragment" set, as our frames are
 * never fragmented and the guest should not fragment replies to them. */
void ip_v4_hdr_fill(uint8_t *l3, struct in_addr saddr,
		    struct in_addr daddr, uint8_t proto, size_t l4_len)
{
	uint16_t csum;

	memset(l3, 0, IP4_HDR_LEN);
	l3[0] = 0x45; /* version 4, 5 words */
	ip_put_be16(l3 + 2, (uint16_t)(IP4_HDR_LEN + l4_len));
	ip_put_be16(l3 + 6, 0x4000); /* DF, offset 0 */
	l3[8] = IP_TTL_LINK;
	l3[9] = proto;
	memcpy(l3 + 12, &saddr, 4);
	memcpy(l3 + 16, &daddr, 4);
	csum = csum_buf(l3, IP4_HDR_LEN);
	memcpy(l3 + 10, &csum, 2);
}

void ip_v6_hdr_fill(uint8_t *l3, const struct in6_addr *saddr,
			 const struct in6_addr *daddr, uint8_t proto,
			 size_t l4_len)
{
	memset(l3, 0, IP6_HDR_LEN);
	l3[0] = 0x60; /* version 6, traffic class and flow label 0 */
	ip_put_be16(l3 + 4, (uint16_t)l4_len);
	l3[6] = proto;
	l3[7] = IP_TTL_LINK;
	memcpy(l3 + 8, saddr, 16);
	memcpy(l3 + 24, daddr, 16);
}

static void udp_hdr_fill(uint8_t *l4, uint16_t sport, uint16_t dport,
			 size_t l4_len)
{
	ip_put_be16(l4, sport);
	ip_put_be16(l4 + 2, dport);
	ip_put_be16(l4 + 4, (uint16_t)l4_len);
	memset(l4 + 6, 0, 2);
}

/* A computed UDP checksum of 0 is sent as 0xffff: 0 means "none". */
static void udp_csum_store(uint8_t *l4, uint16_t csum)
{
	if (!csum)
		csum = 0xffff;
	memcpy(l4 + 6, &csum, 2);
}

size_t ip_udp4_frame(uint8_t *frame, const uint8_t *dst_mac,
		     const uint8_t *src_mac, struct in_addr saddr,
		     uint16_t sport, struct in_addr daddr, uint16_t dport,
		     size_t payload_len)
{
	uint8_t *l4 = frame + IP4_L4_OFF;
	size_t l4_len = UDP_HDR_LEN + payload_len;
	uint32_t sum;

	ip_eth_fill(frame, dst_mac, src_mac, ETH_P_IP);
	ip_v4_hdr_fill(frame + ETH_HDR_LEN, saddr, daddr, IPPROTO_UDP, l4_len);
	udp_hdr_fill(l4, sport, dport, l4_len);
	sum = csum_add_pseudo4(0, saddr, daddr, IPPROTO_UDP, l4_len);
	udp_csum_store(l4, csum_fold(csum_add_buf(sum, l4, l4_len)));
	return IP4_L4_OFF + l4_len;
}

size_t ip_udp6_frame(uint8_t *frame, const uint8_t *dst_mac,
		     const uint8_t *src_mac, const struct in6_addr *saddr,
		     uint16_t sport, const struct in6_addr *daddr,
		     uint16_t dport, size_t payload_len)
{
	uint8_t *l4 = frame + IP6_L4_OFF;
	size_t l4_len = UDP_HDR_LEN + payload_len;
	uint32_t sum;

	ip_eth_fill(frame, dst_mac, src_mac, ETH_P_IPV6);
	ip_v6_hdr_fill(frame + ETH_HDR_LEN, saddr, daddr, IPPROTO_UDP, l4_len);
	udp_hdr_fill(l4, sport, dport, l4_len);
	sum = csum_add_pseudo6(0, saddr, daddr, IPPROTO_UDP, l4_len);
	udp_csum_store(l4, csum_fold(csum_add_buf(sum, l4, l4_len)));
	return IP6_L4_OFF + l4_len;
}

size_t ip_icmp4_frame(uint8_t *frame, const uint8_t *dst_mac,
		      const uint8_t *src_mac, struct in_addr saddr,
		      struct in_addr daddr, size_t l4_len)
{
	uint8_t *l4 = frame + IP4_L4_OFF;
	uint16_t csum;

	ip_eth_fill(frame, dst_mac, src_mac, ETH_P_IP);
	ip_v4_hdr_fill(frame + ETH_HDR_LEN, saddr, daddr, IPPROTO_ICMP, l4_len);
	memset(l4 + 2, 0, 2);
	csum = csum_buf(l4, l4_len); /* ICMPv4: no pseudo header */
	memcpy(l4 + 2, &csum, 2);
	return IP4_L4_OFF + l4_len;
}

size_t ip_icmp6_frame(uint8_t *frame, const uint8_t *dst_mac,
		      const uint8_t *src_mac, const struct in6_addr *saddr,
		      const struct in6_addr *daddr, size_t l4_len)
{
	uint8_t *l4 = frame + IP6_L4_OFF;
	uint32_t sum;
	uint16_t csum;

	ip_eth_fill(frame, dst_mac, src_mac, ETH_P_IPV6);
	ip_v6_hdr_fill(frame + ETH_HDR_LEN, saddr, daddr, IPPROTO_ICMPV6,
		     l4_len);
	memset(l4 + 2, 0, 2);
	sum = csum_add_pseudo6(0, saddr, daddr, IPPROTO_ICMPV6, l4_len);
	csum = csum_fold(csum_add_buf(sum, l4, l4_len));
	memcpy(l4 + 2, &csum, 2);
	return IP6_L4_OFF + l4_len;
}

int ip_dns_name_encode(uint8_t *out, size_t size, const char *name)
{
	size_t name_len = strnlen(name, DNS_NAME_MAX + 1);
	size_t pos = 0;
	const char *p = name;

	if (name_len && name[name_len - 1] == '.')
		name_len--; /* "example.com." is the same name */
	/* every label gets a length byte; the root label adds one more */
	if (!name_len || name_len + 2 > DNS_NAME_MAX || name_len + 2 > size)
		return -1;
	while (p < name + name_len) {
		const char *dot = memchr(p, '.', name + name_len - p);
		size_t label = (dot ? dot : name + name_len) - p;

		if (!label || label > DNS_LABEL_MAX)
			return -1;
		out[pos++] = (uint8_t)label;
		memcpy(out + pos, p, label);
		pos += label;
		p += label + (dot ? 1 : 0);
		if (dot && p == name + name_len)
			return -1; /* "a..": empty label before the end */
	}
	out[pos++] = 0;
	return (int)pos;
}
