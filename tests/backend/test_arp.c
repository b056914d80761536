// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ARP: vunetd answers for every address but the guest's.
 *
 * Each case sends one crafted ARP frame from the guest through the real
 * tap.c stream path (proto_harness.h) and looks at what comes back to the
 * guest, or that nothing does and the drop was counted for the right
 * reason.  Covered: replies for the gateway and for any other address
 * with our MAC, silence for the guest's own address, for announcements
 * and for replies, answers to probes, refusal of non-Ethernet/IPv4 ARP
 * and of truncated frames, and learning of the guest's MAC.
 */
#include <linux/if_ether.h>
#include <net/if_arp.h>
#include <string.h>

#include "backend/ip.h"
#include "tests/backend/proto_harness.h"
#include "tests/harness.h"

/* An ARP request from the guest: "who has TPA? tell SPA". */
static size_t arp_request(uint8_t *f, const char *spa, const char *tpa,
			  uint16_t op)
{
	struct in_addr s = pt_a4(spa), t = pt_a4(tpa);

	ip_eth_fill(f, ip_mac_broadcast, pt_guest_mac, ETH_P_ARP);
	ip_put_be16(f + 14, ARPHRD_ETHER);
	ip_put_be16(f + 16, ETH_P_IP);
	f[18] = 6;
	f[19] = 4;
	ip_put_be16(f + 20, op);
	memcpy(f + 22, pt_guest_mac, 6);
	memcpy(f + 28, &s, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, &t, 4);
	return 42;
}

TEST(arp_replies_with_our_mac_for_gateway)
{
	uint8_t f[64], r[128];
	struct in_addr gw = pt_a4("192.0.2.1"), guest = pt_a4("192.0.2.2");
	struct ctx c;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	pt_to_vunetd(&c, f, arp_request(f, "192.0.2.2", "192.0.2.1",
					ARPOP_REQUEST));
	n = pt_from_vunetd(r, sizeof(r), 1000);
	CHECK_INT(n, 42);
	CHECK(!memcmp(r, pt_guest_mac, 6));          /* to the guest */
	CHECK(!memcmp(r + 6, pt_our_mac, 6));
	CHECK_INT(ip_get_be16(r + 12), ETH_P_ARP);
	CHECK_INT(ip_get_be16(r + 20), ARPOP_REPLY);
	CHECK(!memcmp(r + 22, pt_our_mac, 6));       /* gateway is at us */
	CHECK(!memcmp(r + 28, &gw, 4));
	CHECK(!memcmp(r + 32, pt_guest_mac, 6));
	CHECK(!memcmp(r + 38, &guest, 4));
}

TEST(arp_replies_for_any_other_address)
{
	uint8_t f[64], r[128];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	pt_to_vunetd(&c, f, arp_request(f, "192.0.2.2", "192.0.2.77",
					ARPOP_REQUEST));
	CHECK_INT(pt_from_vunetd(r, sizeof(r), 1000), 42);
	CHECK(!memcmp(r + 22, pt_our_mac, 6));
}

TEST(arp_ignores_request_for_guest_address)
{
	uint8_t f[64], r[128];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	pt_to_vunetd(&c, f, arp_request(f, "192.0.2.9", "192.0.2.2",
					ARPOP_REQUEST));
	CHECK_INT(pt_from_vunetd(r, sizeof(r), 200), -1);
	CHECK_INT(c.stats.drops[DROP_UNHANDLED], 1);
}

TEST(arp_ignores_announcement)
{
	uint8_t f[64], r[128];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	pt_to_vunetd(&c, f, arp_request(f, "192.0.2.5", "192.0.2.5",
					ARPOP_REQUEST));
	CHECK_INT(pt_from_vunetd(r, sizeof(r), 200), -1);
}

TEST(arp_answers_probe_from_unspecified_address)
{
	uint8_t f[64], r[128];
	struct in_addr any = { 0 };
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	pt_to_vunetd(&c, f, arp_request(f, "0.0.0.0", "192.0.2.1",
					ARPOP_REQUEST));
	CHECK_INT(pt_from_vunetd(r, sizeof(r), 1000), 42);
	CHECK(!memcmp(r + 38, &any, 4));
}

TEST(arp_ignores_replies_from_guest)
{
	uint8_t f[64], r[128];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	pt_to_vunetd(&c, f, arp_request(f, "192.0.2.2", "192.0.2.1",
					ARPOP_REPLY));
	CHECK_INT(pt_from_vunetd(r, sizeof(r), 200), -1);
	CHECK_INT(c.stats.drops[DROP_UNHANDLED], 1);
}

TEST(arp_drops_non_ethernet_ipv4_arp)
{
	uint8_t f[64], r[128];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	arp_request(f, "192.0.2.2", "192.0.2.1", ARPOP_REQUEST);
	f[18] = 8; /* hardware address length 8 */
	pt_to_vunetd(&c, f, 42);
	CHECK_INT(pt_from_vunetd(r, sizeof(r), 200), -1);
	CHECK_INT(c.stats.drops[DROP_BAD_L2], 1);
}

TEST(arp_drops_truncated_request)
{
	uint8_t f[64], r[128];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	arp_request(f, "192.0.2.2", "192.0.2.1", ARPOP_REQUEST);
	pt_to_vunetd(&c, f, 40);
	CHECK_INT(pt_from_vunetd(r, sizeof(r), 200), -1);
	CHECK_INT(c.stats.drops[DROP_TOO_SHORT], 1);
}

TEST(arp_learns_guest_mac)
{
	uint8_t f[64];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	pt_to_vunetd(&c, f, arp_request(f, "192.0.2.2", "192.0.2.1",
					ARPOP_REQUEST));
	CHECK(c.guest_mac_known);
	CHECK(!memcmp(c.guest_mac, pt_guest_mac, 6));
}

TEST(arp_learns_guest_address_but_not_from_probes)
{
	uint8_t f[64];
	struct in_addr seen = pt_a4("192.0.2.7");
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	pt_to_vunetd(&c, f, arp_request(f, "0.0.0.0", "192.0.2.7",
					ARPOP_REQUEST));
	CHECK_INT(c.ip4.addr_seen.s_addr, 0);
	pt_to_vunetd(&c, f, arp_request(f, "192.0.2.7", "192.0.2.1",
					ARPOP_REQUEST));
	CHECK(!memcmp(&c.ip4.addr_seen, &seen, 4));
}

/* Corrupted ARP frames of every length: answered or dropped, never a
 * read outside the frame. */
TEST(arp_survives_corrupted_frames)
{
	uint8_t f[64];
	uint32_t seed = 0x55aa55;
	struct ctx c;
	int i;

	CHECK_INT(pt_setup(&c), 0);
	for (i = 0; i < 5000; i++) {
		arp_request(f, "192.0.2.2", "192.0.2.1", ARPOP_REQUEST);
		pt_mutate(f + 14, 28, &seed);
		pt_to_vunetd(&c, f, 14 + (size_t)(i % 40));
		pt_drain();
	}
	CHECK(c.stats.frames_from_guest == 5000);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
