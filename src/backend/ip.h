/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Building the headers of frames vunetd sends to the guest: Ethernet,
 * IPv4, IPv6, UDP, ICMP, ICMPv6, and the DNS name encoding that DHCP,
 * DHCPv6 and NDP options share.
 *
 * Model: the caller owns a flat buffer for the whole frame, writes the L4
 * payload (or the whole ICMP message) at the fixed offset the constants
 * below give, then calls one ip_*_frame() function that fills in every
 * header in front of it, lengths and checksums included, and returns the
 * frame length.  Headers have no options and no extension headers, so
 * the offsets are constants and nothing needs to be moved.
 *
 * Frames parsed from the guest come through tap.c (struct tap_frame),
 * which has already checked that the headers fit; this file only
 * provides the small readers those parsers share (big-endian loads from
 * unaligned bytes).
 *
 * Assumptions: buffers are large enough for the offsets plus the payload
 * length the caller passes (the caller sizes them with these constants);
 * payload lengths are at most 65535 - headers.  Nothing here allocates,
 * logs or fails.
 */
#ifndef VUNET_BACKEND_IP_H
#define VUNET_BACKEND_IP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_ADDR_LEN 6
#define ETH_HDR_LEN 14
#define IP4_HDR_LEN 20 /* no options in what we build */
#define IP6_HDR_LEN 40
#define UDP_HDR_LEN 8
#define ICMP_ECHO_HDR_LEN 8 /* type, code, checksum, id, sequence */

/* Where the L4 header starts in frames built here. */
#define IP4_L4_OFF (ETH_HDR_LEN + IP4_HDR_LEN)
#define IP6_L4_OFF (ETH_HDR_LEN + IP6_HDR_LEN)
/* Where a UDP payload starts in frames built here. */
#define UDP4_PAYLOAD_OFF (IP4_L4_OFF + UDP_HDR_LEN)
#define UDP6_PAYLOAD_OFF (IP6_L4_OFF + UDP_HDR_LEN)

/* TTL / hop limit of what we send: NDP requires 255 (RFC 4861 checks
 * it); passt uses 255 for everything it originates on the link too. */
#define IP_TTL_LINK 255

extern const uint8_t ip_mac_broadcast[ETH_ADDR_LEN];

/* Fills the Ethernet header at FRAME. */
void ip_eth_fill(uint8_t *frame, const uint8_t *dst_mac,
		 const uint8_t *src_mac, uint16_t ethertype);

/* Fills an option-less IPv4 header at L3 for L4_LEN bytes of protocol
 * PROTO: TTL IP_TTL_LINK, "don't fragment" (our frames are never
 * fragmented), header checksum included. */
void ip_v4_hdr_fill(uint8_t *l3, struct in_addr saddr, struct in_addr daddr,
		    uint8_t proto, size_t l4_len);
/* Fills an IPv6 header without extension headers at L3 for L4_LEN bytes
 * of protocol PROTO: hop limit IP_TTL_LINK, traffic class and flow label
 * 0. */
void ip_v6_hdr_fill(uint8_t *l3, const struct in6_addr *saddr,
		    const struct in6_addr *daddr, uint8_t proto,
		    size_t l4_len);

/* Builds Ethernet + IPv4 + UDP headers in front of PAYLOAD_LEN bytes
 * already at FRAME + UDP4_PAYLOAD_OFF.  Returns the frame length. */
size_t ip_udp4_frame(uint8_t *frame, const uint8_t *dst_mac,
		     const uint8_t *src_mac, struct in_addr saddr,
		     uint16_t sport, struct in_addr daddr, uint16_t dport,
		     size_t payload_len);
/* The same over IPv6, payload at FRAME + UDP6_PAYLOAD_OFF. */
size_t ip_udp6_frame(uint8_t *frame, const uint8_t *dst_mac,
		     const uint8_t *src_mac, const struct in6_addr *saddr,
		     uint16_t sport, const struct in6_addr *daddr,
		     uint16_t dport, size_t payload_len);
/* Builds Ethernet + IPv4 headers in front of an ICMP message of L4_LEN
 * bytes at FRAME + IP4_L4_OFF and sets its checksum.  Returns the frame
 * length. */
size_t ip_icmp4_frame(uint8_t *frame, const uint8_t *dst_mac,
		      const uint8_t *src_mac, struct in_addr saddr,
		      struct in_addr daddr, size_t l4_len);
/* The same for ICMPv6 at FRAME + IP6_L4_OFF (pseudo-header checksum). */
size_t ip_icmp6_frame(uint8_t *frame, const uint8_t *dst_mac,
		      const uint8_t *src_mac, const struct in6_addr *saddr,
		      const struct in6_addr *daddr, size_t l4_len);

/* Big-endian readers and writers on unaligned bytes. */
uint16_t ip_get_be16(const uint8_t *p);
uint32_t ip_get_be32(const uint8_t *p);
void ip_put_be16(uint8_t *p, uint16_t v);
void ip_put_be32(uint8_t *p, uint32_t v);

/* Writes NAME ("example.com", a trailing dot allowed) in DNS wire format
 * (RFC 1035 3.1: length-prefixed labels, zero-length root label last) at
 * OUT, at most SIZE bytes.  Returns the bytes written, or -1 if NAME is
 * empty, has an empty or over-long label (63), is longer than a DNS name
 * may be (255), or does not fit. */
int ip_dns_name_encode(uint8_t *out, size_t size, const char *name);

#endif /* VUNET_BACKEND_IP_H */
