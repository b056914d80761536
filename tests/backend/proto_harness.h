/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared set-up for the link-level protocol tests (ARP, DHCP, NDP,
 * DHCPv6, ICMP).
 *
 * Frames travel the real path: the test plays the front-end (QEMU's
 * "stream" netdev) on one end of a socketpair, the real tap.c in stream
 * mode owns the other end and dispatches, through the same handler table
 * vunetd installs, to the protocol modules under test.  pt_to_vunetd()
 * writes one "4-byte length + frame" record and lets tap.c read it;
 * pt_from_vunetd() reads back what vunetd sent to the guest.
 *
 * The configuration is passt's default shape on this machine: guest
 * 192.0.2.2/24 via 192.0.2.1 (mapped to the host's loopback), IPv6
 * 2001:db8::2/64 via fe80::1, our MAC 9a:55:9a:55:9a:55, MTU 65520.
 * Each test case runs in its own forked child, so the modules' static
 * state starts fresh in every case.
 */
#ifndef VUNET_TESTS_PROTO_HARNESS_H
#define VUNET_TESTS_PROTO_HARNESS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "backend/ctx.h"

#define PT_FRAME_MAX 70000

extern const uint8_t pt_guest_mac[6];
extern const uint8_t pt_our_mac[6];

/* Fills C with the test configuration and connects the stream.  Returns
 * 0, or -1 (with a message on stderr). */
int pt_setup(struct ctx *c);
/* Sends FRAME (Ethernet header first) from the guest to vunetd. */
void pt_to_vunetd(struct ctx *c, const void *frame, size_t len);
/* Writes LEN raw bytes (records, or parts of them) to vunetd's stream
 * socket in one write, then lets tap.c read them. */
void pt_to_vunetd_raw(struct ctx *c, const void *bytes, size_t len);
/* Reads the next frame vunetd sent to the guest, waiting up to
 * TIMEOUT_MS.  Returns its length, or -1 if none came. */
ssize_t pt_from_vunetd(uint8_t *buf, size_t size, int timeout_ms);
/* Total drops counted in C, all reasons. */
uint64_t pt_drops(const struct ctx *c);
/* The test's end of the stream (for tests that read it their own way). */
int pt_frontend_fd(void);

/* Builders for guest frames, from the guest's MAC to ours. */
size_t pt_udp4(uint8_t *frame, struct in_addr src, uint16_t sport,
	       struct in_addr dst, uint16_t dport, const void *payload,
	       size_t len);
size_t pt_udp6(uint8_t *frame, const struct in6_addr *src, uint16_t sport,
	       const struct in6_addr *dst, uint16_t dport,
	       const void *payload, size_t len);
size_t pt_icmp6(uint8_t *frame, const struct in6_addr *src,
		const struct in6_addr *dst, const void *msg, size_t len);
size_t pt_icmp4(uint8_t *frame, struct in_addr src, struct in_addr dst,
		const void *msg, size_t len);

/* DHCPv4 messages from the guest (RFC 2131), built field by field: a
 * BOOTREQUEST from pt_guest_mac, transaction id 0xdeadbeef, the magic
 * cookie, then options. */
#define PT_DHCP_OPTS 240 /* where options start */
#define PT_DHCP_MAGIC 0x63825363U

struct pt_dhcp_msg {
	uint8_t m[2048];
	size_t len;
};

/* Starts a message with option 53 = TYPE (none if 0). */
void pt_dhcp_init(struct pt_dhcp_msg *r, uint8_t type);
void pt_dhcp_add(struct pt_dhcp_msg *r, uint8_t code, const void *v,
		 uint8_t len);
/* Adds the end option. */
void pt_dhcp_end(struct pt_dhcp_msg *r);
/* The value of option CODE in a DHCP payload M (LEN bytes) and its length
 * in *OLEN, or NULL. */
const uint8_t *pt_dhcp_opt(const uint8_t *m, size_t len, uint8_t code,
			   uint8_t *olen);

/* Mutates LEN bytes at BUF in place with a few random byte changes,
 * from the caller's SEED (deterministic: a failure can be replayed). */
void pt_mutate(uint8_t *buf, size_t len, uint32_t *seed);
/* Reads and discards every frame vunetd has sent so far. */
void pt_drain(void);

struct in_addr pt_a4(const char *s);
struct in6_addr pt_a6(const char *s);

/* Whether the IPv4/UDP/ICMP or IPv6 checksums of FRAME verify. */
int pt_ip4_checksums_ok(const uint8_t *frame, size_t len);
int pt_ip6_checksums_ok(const uint8_t *frame, size_t len);

#endif /* VUNET_TESTS_PROTO_HARNESS_H */
