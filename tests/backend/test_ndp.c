// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NDP: router advertisements and neighbour advertisements for the guest.
 *
 * Router and neighbour solicitations are built here and sent through the
 * real tap.c stream path from the guest's link-local (or unspecified)
 * address; the advertisements that come back are checked option by
 * option, checksum included.  Also covered: duplicate address detection
 * and the guest's own addresses get no answer, truncated or multicast
 * targets are dropped, --no-ra / --no-ndp, address learning, and the
 * pace of unsolicited advertisements driven through ndp_timer() with a
 * synthetic clock.
 */
#include <netinet/icmp6.h>
#include <string.h>

#include "backend/ip.h"
#include "backend/ndp.h"
#include "backend/tap.h"
#include "tests/backend/proto_harness.h"
#include "tests/harness.h"

#define GUEST_LL "fe80::5054:ff:fe12:3456"

/* Sends a router solicitation from SRC; returns the reply length or -1,
 * with the frame in R. */
static ssize_t solicit_router(struct ctx *c, const char *src, uint8_t *r)
{
	uint8_t frame[256], rs[16] = { ND_ROUTER_SOLICIT };
	struct in6_addr s = pt_a6(src), d = pt_a6("ff02::2");

	/* source link-layer option */
	rs[8] = 1;
	rs[9] = 1;
	memcpy(rs + 10, pt_guest_mac, 6);
	pt_to_vunetd(c, frame, pt_icmp6(frame, &s, &d, rs, sizeof(rs)));
	return pt_from_vunetd(r, 2048, 1000);
}

static ssize_t solicit_neighbour(struct ctx *c, const char *src,
				 const char *target, size_t len, uint8_t *r)
{
	uint8_t frame[256], ns[32] = { ND_NEIGHBOR_SOLICIT };
	struct in6_addr s = pt_a6(src), t = pt_a6(target);
	struct in6_addr d = pt_a6("ff02::1:ff00:1");

	memcpy(ns + 8, &t, 16);
	ns[24] = 1;
	ns[25] = 1;
	memcpy(ns + 26, pt_guest_mac, 6);
	pt_to_vunetd(c, frame, pt_icmp6(frame, &s, &d, ns, len));
	return pt_from_vunetd(r, 2048, 300);
}

/* Finds NDP option TYPE in the message at M (LEN bytes, options from
 * FIXED on). */
static const uint8_t *ndp_opt(const uint8_t *m, size_t len, size_t fixed,
			      uint8_t type)
{
	size_t i = fixed;

	while (i + 2 <= len && m[i + 1]) {
		if (i + 8 * (size_t)m[i + 1] > len)
			return NULL;
		if (m[i] == type)
			return m + i;
		i += 8 * (size_t)m[i + 1];
	}
	return NULL;
}

#define RA(r) ((r) + IP6_L4_OFF)

TEST(ndp_ra_carries_prefix_and_rdnss)
{
	struct in6_addr prefix = pt_a6("2001:db8::"), dns = pt_a6("2001:db8::53");
	uint8_t r[2048];
	const uint8_t *o;
	struct ctx c;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	n = solicit_router(&c, GUEST_LL, r);
	CHECK(n > IP6_L4_OFF + 16);
	CHECK(pt_ip6_checksums_ok(r, (size_t)n));
	CHECK_INT(RA(r)[0], ND_ROUTER_ADVERT);
	CHECK_INT(ip_get_be16(RA(r) + 6), 65535);
	o = ndp_opt(RA(r), (size_t)n - IP6_L4_OFF, 16, 3);
	CHECK(o && o[1] == 4);
	CHECK_INT(o[2], 64);
	CHECK_INT(o[3], 0xc0); /* on-link, autonomous */
	CHECK_INT(ip_get_be32(o + 4), 0xffffffffU);
	CHECK(!memcmp(o + 16, &prefix, 16));
	o = ndp_opt(RA(r), (size_t)n - IP6_L4_OFF, 16, 25);
	CHECK(o && o[1] == 3);
	CHECK(!memcmp(o + 8, &dns, 16));
}

TEST(ndp_ra_rdnss_gives_dns_forward_address_or_nothing)
{
	struct in6_addr fwd = pt_a6("2001:db8::3");
	uint8_t r[2048];
	const uint8_t *o;
	struct ctx c;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	c.ip6.dns_match = fwd;
	n = solicit_router(&c, GUEST_LL, r);
	o = ndp_opt(RA(r), (size_t)n - IP6_L4_OFF, 16, 25);
	CHECK(o && o[1] == 3 && !memcmp(o + 8, &fwd, 16));
	c.ip6.n_dns = 0; /* --no-dhcp-dns */
	n = solicit_router(&c, GUEST_LL, r);
	CHECK(n > 0);
	CHECK(!ndp_opt(RA(r), (size_t)n - IP6_L4_OFF, 16, 25));
}

TEST(ndp_ra_goes_from_our_link_local_with_hop_limit_255)
{
	struct in6_addr ll = pt_a6("fe80::1"), guest = pt_a6(GUEST_LL);
	uint8_t r[2048];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	CHECK(solicit_router(&c, GUEST_LL, r) > 0);
	CHECK_INT(r[ETH_HDR_LEN + 7], 255);
	CHECK(!memcmp(r + ETH_HDR_LEN + 8, &ll, 16));
	CHECK(!memcmp(r + ETH_HDR_LEN + 24, &guest, 16));
	CHECK(!memcmp(r, pt_guest_mac, 6));
}

TEST(ndp_ra_to_all_nodes_for_unspecified_source)
{
	struct in6_addr all = pt_a6("ff02::1");
	uint8_t r[2048];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	CHECK(solicit_router(&c, "::", r) > 0);
	CHECK(!memcmp(r + ETH_HDR_LEN + 24, &all, 16));
}

TEST(ndp_ra_carries_mtu_and_source_link_layer)
{
	uint8_t r[2048];
	const uint8_t *o;
	struct ctx c;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	n = solicit_router(&c, GUEST_LL, r);
	o = ndp_opt(RA(r), (size_t)n - IP6_L4_OFF, 16, 5);
	CHECK(o && ip_get_be32(o + 4) == 65520);
	o = ndp_opt(RA(r), (size_t)n - IP6_L4_OFF, 16, 1);
	CHECK(o && !memcmp(o + 2, pt_our_mac, 6));
}

TEST(ndp_ra_sets_managed_while_dhcpv6_is_on)
{
	uint8_t r[2048];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	CHECK(solicit_router(&c, GUEST_LL, r) > 0);
	CHECK_INT(RA(r)[5], 0x80);
	c.no_dhcpv6 = true;
	CHECK(solicit_router(&c, GUEST_LL, r) > 0);
	CHECK_INT(RA(r)[5], 0);
}

/* Local mode without -a: no prefix to give, no DHCPv6 server to point
 * to; the guest keeps its link-local address, we stay its router. */
TEST(ndp_ra_without_guest_address_has_no_prefix_and_no_managed_flag)
{
	struct in6_addr ll = pt_a6("fe80::1");
	uint8_t r[2048];
	struct ctx c;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	c.ip6.addr = in6addr_any;
	n = solicit_router(&c, GUEST_LL, r);
	CHECK(n > IP6_L4_OFF + 16);
	CHECK(pt_ip6_checksums_ok(r, (size_t)n));
	CHECK_INT(RA(r)[0], ND_ROUTER_ADVERT);
	CHECK_INT(ip_get_be16(RA(r) + 6), 65535);
	CHECK_INT(RA(r)[5], 0);
	CHECK(!ndp_opt(RA(r), (size_t)n - IP6_L4_OFF, 16, 3));
	CHECK(ndp_opt(RA(r), (size_t)n - IP6_L4_OFF, 16, 1));
	CHECK(!memcmp(r + ETH_HDR_LEN + 8, &ll, 16));
}

TEST(ndp_ra_carries_dnssl_padded)
{
	uint8_t r[2048];
	const uint8_t *o;
	struct ctx c;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	strcpy(c.search[0], "example.org");
	c.n_search = 1;
	n = solicit_router(&c, GUEST_LL, r);
	o = ndp_opt(RA(r), (size_t)n - IP6_L4_OFF, 16, 31);
	CHECK(o);
	CHECK_INT(o[1], 3); /* 8 + 13 bytes, padded to 24 */
	CHECK(!memcmp(o + 8, "\x07" "example\x03org\x00\x00\x00\x00", 16));
}

TEST(ndp_no_ra_suppresses_advertisements)
{
	uint8_t r[2048];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	c.no_ra = true;
	CHECK_INT(solicit_router(&c, GUEST_LL, r), -1);
	CHECK_INT(c.stats.drops[DROP_DISABLED], 1);
}

TEST(ndp_ns_for_gateway_gets_na_with_our_mac)
{
	struct in6_addr gw = pt_a6("fe80::1"), guest = pt_a6(GUEST_LL);
	uint8_t r[2048];
	const uint8_t *o;
	struct ctx c;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	n = solicit_neighbour(&c, GUEST_LL, "fe80::1", 32, r);
	CHECK_INT(n, IP6_L4_OFF + 32);
	CHECK(pt_ip6_checksums_ok(r, (size_t)n));
	CHECK_INT(RA(r)[0], ND_NEIGHBOR_ADVERT);
	CHECK_INT(RA(r)[4], 0xe0); /* router, solicited, override */
	CHECK(!memcmp(RA(r) + 8, &gw, 16));
	CHECK(!memcmp(r + ETH_HDR_LEN + 24, &guest, 16));
	o = ndp_opt(RA(r), 32, 24, 2);
	CHECK(o && !memcmp(o + 2, pt_our_mac, 6));
}

TEST(ndp_ns_for_remote_global_address_answered)
{
	uint8_t r[2048];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	CHECK_INT(solicit_neighbour(&c, "2001:db8::2", "2001:db8::77", 32, r),
		  IP6_L4_OFF + 32);
}

TEST(ndp_ns_for_guest_address_ignored)
{
	uint8_t r[2048];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	CHECK_INT(solicit_neighbour(&c, GUEST_LL, "2001:db8::2", 32, r), -1);
	CHECK_INT(c.stats.drops[DROP_UNHANDLED], 1);
}

TEST(ndp_duplicate_address_detection_ignored)
{
	uint8_t r[2048];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	CHECK_INT(solicit_neighbour(&c, "::", "fe80::1234", 24, r), -1);
}

TEST(ndp_drops_truncated_ns)
{
	uint8_t r[2048];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	CHECK_INT(solicit_neighbour(&c, GUEST_LL, "fe80::1", 16, r), -1);
	CHECK_INT(c.stats.drops[DROP_TOO_SHORT], 1);
}

TEST(ndp_drops_multicast_target)
{
	uint8_t r[2048];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	CHECK_INT(solicit_neighbour(&c, GUEST_LL, "ff02::1", 32, r), -1);
	CHECK_INT(c.stats.drops[DROP_BAD_L4], 1);
}

TEST(ndp_learns_guest_addresses)
{
	struct in6_addr ll = pt_a6(GUEST_LL), gl = pt_a6("2001:db8::2");
	uint8_t r[2048];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	solicit_router(&c, GUEST_LL, r);
	CHECK(!memcmp(&c.ip6.addr_ll_seen, &ll, 16));
	solicit_neighbour(&c, "2001:db8::2", "2001:db8::1", 32, r);
	CHECK(!memcmp(&c.ip6.addr_seen, &gl, 16));
}

TEST(ndp_no_ndp_drops_everything)
{
	uint8_t r[2048];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	c.no_ndp = true;
	CHECK_INT(solicit_router(&c, GUEST_LL, r), -1);
	CHECK_INT(solicit_neighbour(&c, GUEST_LL, "fe80::1", 32, r), -1);
	CHECK_INT(c.stats.drops[DROP_DISABLED], 2);
}

/* The timer's RA reaches the guest without anyone else flushing. */
TEST(ndp_timer_sends_unsolicited_ra_once_guest_is_seen)
{
	struct in6_addr all = pt_a6("ff02::1");
	struct timespec now = { .tv_sec = 1000 };
	uint8_t r[2048];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	ndp_timer(&c, &now);
	CHECK_INT(pt_from_vunetd(r, sizeof(r), 100), -1); /* no guest yet */
	c.ip6.addr_ll_seen = pt_a6(GUEST_LL);
	ndp_timer(&c, &now);          /* schedules the first */
	now.tv_sec += 16;
	ndp_timer(&c, &now);
	CHECK(pt_from_vunetd(r, sizeof(r), 1000) > 0);
	CHECK_INT(RA(r)[0], ND_ROUTER_ADVERT);
	CHECK(!memcmp(r + ETH_HDR_LEN + 24, &all, 16));
	now.tv_sec += 1;              /* not due again so soon */
	ndp_timer(&c, &now);
	CHECK_INT(pt_from_vunetd(r, sizeof(r), 100), -1);
}

TEST(ndp_timer_spaces_later_ras_200_to_600_s)
{
	struct timespec now = { .tv_sec = 1000, .tv_nsec = 12345 };
	uint8_t r[2048];
	struct ctx c;
	int i, sent = 0;

	CHECK_INT(pt_setup(&c), 0);
	c.ip6.addr_ll_seen = pt_a6(GUEST_LL);
	ndp_timer(&c, &now);
	/* 3 initial RAs 16 s apart, then none for at least 200 s */
	for (i = 0; i < 3 * 16 + 199; i++) {
		now.tv_sec++;
		ndp_timer(&c, &now);
		while (pt_from_vunetd(r, sizeof(r), 0) > 0)
			sent++;
	}
	CHECK_INT(sent, 3);
	for (i = 0; i < 600; i++) {
		now.tv_sec++;
		ndp_timer(&c, &now);
		while (pt_from_vunetd(r, sizeof(r), 0) > 0)
			sent++;
	}
	CHECK(sent >= 4);
}

/* Corrupted solicitations of every NDP type and length: answered or
 * dropped, never a read outside the message. */
TEST(ndp_survives_corrupted_messages)
{
	static uint8_t frame[256];
	struct in6_addr s = pt_a6(GUEST_LL), d = pt_a6("ff02::2");
	uint8_t ns[32] = { ND_NEIGHBOR_SOLICIT }, x[32];
	uint32_t seed = 0xabcdef;
	struct ctx c;
	int i;

	CHECK_INT(pt_setup(&c), 0);
	memcpy(ns + 8, &d, 16);
	ns[8] = 0xfe; /* a link-local target */
	ns[24] = 1;
	ns[25] = 1;
	for (i = 0; i < 5000; i++) {
		memcpy(x, ns, sizeof(x));
		pt_mutate(x, sizeof(x), &seed);
		x[0] = (uint8_t)(133 + i % 5);
		if (i % 3)
			x[1] = 0;
		pt_to_vunetd(&c, frame, pt_icmp6(frame, &s, &d, x,
						 8 + (size_t)(i % 25)));
		pt_drain();
	}
	CHECK(c.stats.frames_from_guest == 5000);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
