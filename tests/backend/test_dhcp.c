// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DHCPv4: the guest gets its lease, with passt's options.
 *
 * Requests are built field by field (struct pt_dhcp_msg, proto_harness.h)
 * and sent as UDP from 0.0.0.0:68 to 255.255.255.255:67 through the real
 * tap.c stream path; replies are parsed with a small, independent option
 * walker (pt_dhcp_opt()).
 * One behaviour per case: message types and NAK, each option's value and
 * encoding (RFC 2132, 3397, 3396 splitting, 3442, 4702), option order,
 * unicast/broadcast replies, BOOTP minimum size, overloaded fields, and
 * drops for truncated options, bad cookies, short messages and --no-dhcp.
 */
#include <arpa/inet.h>
#include <string.h>

#include "backend/ip.h"
#include "tests/backend/proto_harness.h"
#include "tests/harness.h"

/* Sends the request, returns the reply's UDP payload length (or -1) with
 * the frame in F. */
static ssize_t exchange(struct ctx *c, struct pt_dhcp_msg *r, uint8_t *f)
{
	static uint8_t frame[4096];
	ssize_t n;

	pt_to_vunetd(c, frame, pt_udp4(frame, pt_a4("0.0.0.0"), 68,
				       pt_a4("255.255.255.255"), 67, r->m,
				       r->len));
	n = pt_from_vunetd(f, 2048, 1000);
	if (n < UDP4_PAYLOAD_OFF)
		return -1;
	return n - UDP4_PAYLOAD_OFF;
}

#define REPLY(f) ((f) + UDP4_PAYLOAD_OFF)

TEST(dhcp_discover_gets_offer_of_guest_address)
{
	uint8_t f[2048], l;
	struct in_addr yi = pt_a4("192.0.2.2");
	const uint8_t *v;
	struct ctx c;
	struct pt_dhcp_msg r;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 1);
	pt_dhcp_end(&r);
	n = exchange(&c, &r, f);
	CHECK(n > 0);
	CHECK_INT(REPLY(f)[0], 2); /* BOOTREPLY */
	CHECK_INT(ip_get_be32(REPLY(f) + 4), 0xdeadbeef);
	CHECK(!memcmp(REPLY(f) + 16, &yi, 4));
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 53, &l);
	CHECK(v && l == 1 && v[0] == 2); /* OFFER */
	CHECK(pt_ip4_checksums_ok(f, (size_t)n + UDP4_PAYLOAD_OFF));
	CHECK_INT(ip_get_be16(f + IP4_L4_OFF), 67);
	CHECK_INT(ip_get_be16(f + IP4_L4_OFF + 2), 68);
}

TEST(dhcp_offer_carries_mtu_65520)
{
	uint8_t f[2048], l;
	const uint8_t *v;
	struct ctx c;
	struct pt_dhcp_msg r;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 1);
	pt_dhcp_end(&r);
	n = exchange(&c, &r, f);
	CHECK(n > 0);
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 26, &l);
	CHECK(v && l == 2);
	CHECK_INT(ip_get_be16(v), 65520);
}

TEST(dhcp_offer_has_no_mtu_when_unset)
{
	uint8_t f[2048], l;
	struct ctx c;
	struct pt_dhcp_msg r;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	c.mtu = 0;
	pt_dhcp_init(&r, 1);
	pt_dhcp_end(&r);
	n = exchange(&c, &r, f);
	CHECK(n > 0);
	CHECK(!pt_dhcp_opt(REPLY(f), (size_t)n, 26, &l));
}

TEST(dhcp_offer_carries_mask_router_dns_lease_and_server_id)
{
	uint8_t f[2048], l;
	struct in_addr gw = pt_a4("192.0.2.1"), dns = pt_a4("192.0.2.53");
	const uint8_t *v;
	struct ctx c;
	struct pt_dhcp_msg r;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 1);
	pt_dhcp_end(&r);
	n = exchange(&c, &r, f);
	CHECK(n > 0);
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 1, &l);
	CHECK(v && l == 4 && ip_get_be32(v) == 0xffffff00U);
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 3, &l);
	CHECK(v && l == 4 && !memcmp(v, &gw, 4));
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 6, &l);
	CHECK(v && l == 4 && !memcmp(v, &dns, 4));
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 51, &l);
	CHECK(v && l == 4 && ip_get_be32(v) == 0xffffffffU);
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 54, &l);
	CHECK(v && l == 4 && !memcmp(v, &gw, 4));
	CHECK(!pt_dhcp_opt(REPLY(f), (size_t)n, 121, &l)); /* gateway is on-link */
}

TEST(dhcp_offer_gives_dns_forward_address)
{
	uint8_t f[2048], l;
	struct in_addr fwd = pt_a4("192.0.2.3");
	const uint8_t *v;
	struct ctx c;
	struct pt_dhcp_msg r;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	c.ip4.dns_match = fwd;
	pt_dhcp_init(&r, 1);
	pt_dhcp_end(&r);
	n = exchange(&c, &r, f);
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 6, &l);
	CHECK(v && l == 4 && !memcmp(v, &fwd, 4));
}

TEST(dhcp_no_dns_option_when_guest_gets_no_dns)
{
	uint8_t f[2048], l;
	struct ctx c;
	struct pt_dhcp_msg r;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	c.ip4.n_dns = 0; /* --no-dhcp-dns */
	c.ip4.dns_match = pt_a4("192.0.2.3");
	pt_dhcp_init(&r, 1);
	pt_dhcp_end(&r);
	n = exchange(&c, &r, f);
	CHECK(n > 0);
	CHECK(!pt_dhcp_opt(REPLY(f), (size_t)n, 6, &l));
}

TEST(dhcp_request_gets_ack)
{
	uint8_t f[2048], l;
	struct in_addr want = pt_a4("192.0.2.2");
	const uint8_t *v;
	struct ctx c;
	struct pt_dhcp_msg r;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 3);
	pt_dhcp_add(&r, 50, &want, 4);
	pt_dhcp_end(&r);
	n = exchange(&c, &r, f);
	CHECK(n > 0);
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 53, &l);
	CHECK(v && v[0] == 5); /* ACK */
	CHECK(!memcmp(REPLY(f) + 16, &want, 4));
}

TEST(dhcp_request_for_other_address_gets_nak)
{
	uint8_t f[2048], l;
	struct in_addr want = pt_a4("192.0.2.99"), any = { 0 };
	const uint8_t *v;
	struct ctx c;
	struct pt_dhcp_msg r;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 3);
	pt_dhcp_add(&r, 50, &want, 4);
	pt_dhcp_end(&r);
	n = exchange(&c, &r, f);
	CHECK(n > 0);
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 53, &l);
	CHECK(v && v[0] == 6); /* NAK */
	CHECK(!memcmp(REPLY(f) + 16, &any, 4));
	CHECK(!pt_dhcp_opt(REPLY(f), (size_t)n, 51, &l));
}

/* RFC 2131 table 3: a DHCPNAK's ciaddr is 0, whatever the client sent. */
TEST(dhcp_nak_has_ciaddr_zero)
{
	uint8_t f[2048], l;
	struct in_addr want = pt_a4("192.0.2.99"), any = { 0 };
	const uint8_t *v;
	struct ctx c;
	struct pt_dhcp_msg r;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 3);
	memcpy(r.m + 12, &want, 4); /* RENEWING an address not the guest's */
	pt_dhcp_add(&r, 50, &want, 4);
	pt_dhcp_end(&r);
	n = exchange(&c, &r, f);
	CHECK(n > 0);
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 53, &l);
	CHECK(v && v[0] == 6); /* NAK */
	CHECK(!memcmp(REPLY(f) + 12, &any, 4));
	CHECK(!memcmp(REPLY(f) + 16, &any, 4));
}

/* Clients may send more than 1500 bytes (long vendor or client-id
 * options): the request is read up to its UDP length, so an option
 * across byte 1500 is read whole rather than taken as truncated. */
TEST(dhcp_request_longer_than_1500_bytes_is_read_whole)
{
	uint8_t f[2048], l, vendor[255];
	const uint8_t *v;
	struct ctx c;
	struct pt_dhcp_msg r;
	ssize_t n;
	int i;

	CHECK_INT(pt_setup(&c), 0);
	memset(vendor, 'v', sizeof(vendor));
	pt_dhcp_init(&r, 0);
	for (i = 0; i < 6; i++) /* 240 + 6 * 257: the sixth crosses 1500 */
		pt_dhcp_add(&r, 60, vendor, sizeof(vendor));
	CHECK(r.len > 1500 + 2);
	pt_dhcp_add(&r, 53, "\x01", 1); /* DISCOVER, after the cut */
	pt_dhcp_end(&r);
	n = exchange(&c, &r, f);
	CHECK(n > 0);
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 53, &l);
	CHECK(v && l == 1 && v[0] == 2); /* OFFER */
	CHECK_INT(pt_drops(&c), 0);
}

TEST(dhcp_bootp_request_without_type_gets_ack)
{
	uint8_t f[2048], l;
	const uint8_t *v;
	struct ctx c;
	struct pt_dhcp_msg r;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 0);
	pt_dhcp_end(&r);
	n = exchange(&c, &r, f);
	CHECK(n > 0);
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 53, &l);
	CHECK(v && v[0] == 5);
}

TEST(dhcp_release_is_not_answered)
{
	uint8_t f[2048];
	struct ctx c;
	struct pt_dhcp_msg r;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 7);
	pt_dhcp_end(&r);
	CHECK_INT(exchange(&c, &r, f), -1);
	CHECK_INT(pt_drops(&c), 0);
}

TEST(dhcp_reply_is_broadcast_when_client_asks)
{
	uint8_t f[2048];
	struct ctx c;
	struct pt_dhcp_msg r;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 1);
	ip_put_be16(r.m + 10, 0x8000);
	pt_dhcp_end(&r);
	CHECK(exchange(&c, &r, f) > 0);
	CHECK_INT(ip_get_be32(f + ETH_HDR_LEN + 16), 0xffffffffU);
	CHECK(!memcmp(f, ip_mac_broadcast, 6));
}

TEST(dhcp_reply_is_unicast_to_chaddr_without_broadcast_flag)
{
	uint8_t f[2048];
	struct in_addr yi = pt_a4("192.0.2.2");
	struct ctx c;
	struct pt_dhcp_msg r;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 1);
	pt_dhcp_end(&r);
	CHECK(exchange(&c, &r, f) > 0);
	CHECK(!memcmp(f + ETH_HDR_LEN + 16, &yi, 4));
	CHECK(!memcmp(f, pt_guest_mac, 6));
}

TEST(dhcp_reply_is_at_least_bootp_size)
{
	uint8_t f[2048];
	struct ctx c;
	struct pt_dhcp_msg r;

	CHECK_INT(pt_setup(&c), 0);
	c.mtu = 0;
	c.ip4.n_dns = 0;
	pt_dhcp_init(&r, 1);
	pt_dhcp_end(&r);
	CHECK(exchange(&c, &r, f) >= 300);
}

TEST(dhcp_options_follow_parameter_request_order)
{
	const uint8_t prl[] = { 6, 26, 1 };
	uint8_t f[2048];
	struct ctx c;
	struct pt_dhcp_msg r;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 1);
	pt_dhcp_add(&r, 55, prl, sizeof(prl));
	pt_dhcp_end(&r);
	n = exchange(&c, &r, f);
	CHECK(n > PT_DHCP_OPTS + 20);
	CHECK_INT(REPLY(f)[PT_DHCP_OPTS], 53);       /* type first */
	CHECK_INT(REPLY(f)[PT_DHCP_OPTS + 3], 6);    /* then DNS */
	CHECK_INT(REPLY(f)[PT_DHCP_OPTS + 3 + 6], 26); /* then MTU */
	CHECK_INT(REPLY(f)[PT_DHCP_OPTS + 3 + 6 + 4], 1);
}

TEST(dhcp_offer_carries_hostname_and_fqdn)
{
	uint8_t f[2048], l;
	const uint8_t *v;
	struct ctx c;
	struct pt_dhcp_msg r;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	strcpy(c.hostname, "guest");
	strcpy(c.fqdn, "guest.example.org");
	pt_dhcp_init(&r, 1);
	pt_dhcp_end(&r);
	n = exchange(&c, &r, f);
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 12, &l);
	CHECK(v && l == 5 && !memcmp(v, "guest", 5));
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 81, &l);
	CHECK(v && l == 3 + 19);
	CHECK_INT(v[0], 0x04); /* E (wire format), as passt */
	CHECK_INT(v[1], 255);
	CHECK_INT(v[2], 255);
	CHECK(!memcmp(v + 3, "\x05guest\x07" "example\x03org\x00", 19));
}

TEST(dhcp_search_list_uses_rfc3397_encoding)
{
	uint8_t f[2048], l;
	const uint8_t *v;
	struct ctx c;
	struct pt_dhcp_msg r;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	strcpy(c.search[0], "example.org");
	strcpy(c.search[1], "lab");
	c.n_search = 2;
	pt_dhcp_init(&r, 1);
	pt_dhcp_end(&r);
	n = exchange(&c, &r, f);
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 119, &l);
	CHECK(v && l == 13 + 5);
	CHECK(!memcmp(v, "\x07" "example\x03org\x00\x03lab\x00", 18));
}

TEST(dhcp_long_search_list_is_split_in_255_byte_options)
{
	uint8_t f[2048], l;
	const uint8_t *v;
	struct ctx c;
	struct pt_dhcp_msg r;
	ssize_t n;
	int i;

	CHECK_INT(pt_setup(&c), 0);
	for (i = 0; i < 5; i++) {
		memset(c.search[i], 'a' + i, 60);
		strcpy(c.search[i] + 60, ".test");
	}
	c.n_search = 5; /* 5 x 67 encoded bytes = 335 */
	pt_dhcp_init(&r, 1);
	pt_dhcp_end(&r);
	n = exchange(&c, &r, f);
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 119, &l);
	CHECK(v && l == 255);
	CHECK_INT(v[255], 119); /* the rest follows in a second instance */
	CHECK_INT(v[256], 335 - 255);
}

TEST(dhcp_classless_route_when_gateway_outside_subnet)
{
	const uint8_t expect[] = { 32, 198, 51, 100, 1, 0, 0, 0, 0,
				   0, 198, 51, 100, 1 };
	uint8_t f[2048], l;
	const uint8_t *v;
	struct ctx c;
	struct pt_dhcp_msg r;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	c.ip4.gw = pt_a4("198.51.100.1");
	pt_dhcp_init(&r, 1);
	pt_dhcp_end(&r);
	n = exchange(&c, &r, f);
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 121, &l);
	CHECK(v && l == sizeof(expect) && !memcmp(v, expect, l));
}

TEST(dhcp_message_type_in_overloaded_file_field)
{
	uint8_t f[2048], l, ov = 1;
	const uint8_t *v;
	struct ctx c;
	struct pt_dhcp_msg r;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 0);
	pt_dhcp_add(&r, 52, &ov, 1);
	pt_dhcp_end(&r);
	r.m[108] = 53; /* file field: DISCOVER, end */
	r.m[109] = 1;
	r.m[110] = 1;
	r.m[111] = 255;
	n = exchange(&c, &r, f);
	CHECK(n > 0);
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 53, &l);
	CHECK(v && v[0] == 2);
}

TEST(dhcp_learns_guest_mac_from_chaddr)
{
	const uint8_t other[6] = { 0x02, 0, 0, 0, 0, 0x42 };
	uint8_t f[2048];
	struct ctx c;
	struct pt_dhcp_msg r;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 1);
	memcpy(r.m + 28, other, 6);
	pt_dhcp_end(&r);
	CHECK(exchange(&c, &r, f) > 0);
	CHECK(!memcmp(c.guest_mac, other, 6));
	CHECK(!memcmp(f, other, 6)); /* the offer goes to chaddr */
}

TEST(dhcp_renewal_with_ciaddr_gets_unicast_ack)
{
	uint8_t f[2048], l;
	struct in_addr yi = pt_a4("192.0.2.2");
	const uint8_t *v;
	struct ctx c;
	struct pt_dhcp_msg r;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 3);
	memcpy(r.m + 12, &yi, 4); /* RENEWING: ciaddr set, no option 50 */
	pt_dhcp_end(&r);
	n = exchange(&c, &r, f);
	CHECK(n > 0);
	v = pt_dhcp_opt(REPLY(f), (size_t)n, 53, &l);
	CHECK(v && v[0] == 5);
	CHECK(!memcmp(REPLY(f) + 12, &yi, 4));
	CHECK(!memcmp(f + ETH_HDR_LEN + 16, &yi, 4));
}

TEST(dhcp_drops_truncated_option)
{
	uint8_t f[2048];
	struct ctx c;
	struct pt_dhcp_msg r;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 1);
	r.m[r.len++] = 12; /* hostname claiming 40 bytes, 3 present */
	r.m[r.len++] = 40;
	memcpy(r.m + r.len, "abc", 3);
	r.len += 3;
	CHECK_INT(exchange(&c, &r, f), -1);
	CHECK_INT(c.stats.drops[DROP_BAD_L4], 1);
}

TEST(dhcp_drops_truncated_option_in_overloaded_sname)
{
	uint8_t f[2048], ov = 2;
	struct ctx c;
	struct pt_dhcp_msg r;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 1);
	pt_dhcp_add(&r, 52, &ov, 1);
	pt_dhcp_end(&r);
	r.m[44 + 62] = 12; /* an option running past the 64-byte sname */
	r.m[44 + 63] = 10;
	memset(r.m + 44, 0, 62);
	CHECK_INT(exchange(&c, &r, f), -1);
	CHECK_INT(c.stats.drops[DROP_BAD_L4], 1);
}

TEST(dhcp_drops_bad_magic_cookie)
{
	uint8_t f[2048];
	struct ctx c;
	struct pt_dhcp_msg r;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 1);
	pt_dhcp_end(&r);
	ip_put_be32(r.m + 236, 0x12345678);
	CHECK_INT(exchange(&c, &r, f), -1);
	CHECK_INT(c.stats.drops[DROP_BAD_L4], 1);
}

TEST(dhcp_drops_message_shorter_than_fixed_part)
{
	uint8_t f[2048];
	struct ctx c;
	struct pt_dhcp_msg r;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 0);
	r.len = 200;
	CHECK_INT(exchange(&c, &r, f), -1);
	CHECK_INT(c.stats.drops[DROP_TOO_SHORT], 1);
}

TEST(dhcp_drops_bad_message_type_length)
{
	uint8_t f[2048];
	const uint8_t two[2] = { 1, 1 };
	struct ctx c;
	struct pt_dhcp_msg r;

	CHECK_INT(pt_setup(&c), 0);
	pt_dhcp_init(&r, 0);
	pt_dhcp_add(&r, 53, two, 2);
	pt_dhcp_end(&r);
	CHECK_INT(exchange(&c, &r, f), -1);
	CHECK_INT(c.stats.drops[DROP_BAD_L4], 1);
}

TEST(dhcp_disabled_drops_requests)
{
	uint8_t f[2048];
	struct ctx c;
	struct pt_dhcp_msg r;

	CHECK_INT(pt_setup(&c), 0);
	c.no_dhcp = true;
	pt_dhcp_init(&r, 1);
	pt_dhcp_end(&r);
	CHECK_INT(exchange(&c, &r, f), -1);
	CHECK_INT(c.stats.drops[DROP_DISABLED], 1);
}

/* Thousands of corrupted requests, under the sanitizers in the ASan run:
 * whatever the bytes, the handler answers or drops, never reads outside
 * the message or crashes. */
TEST(dhcp_survives_corrupted_requests)
{
	static uint8_t frame[2048];
	const uint8_t prl[] = { 1, 3, 6, 12, 15, 26, 119 };
	uint32_t seed = 0x1234567;
	struct ctx c;
	struct pt_dhcp_msg r, m;
	int i;

	CHECK_INT(pt_setup(&c), 0);
	strcpy(c.fqdn, "guest.example.org");
	strcpy(c.search[0], "example.org");
	c.n_search = 1;
	pt_dhcp_init(&r, 3);
	pt_dhcp_add(&r, 55, prl, sizeof(prl));
	pt_dhcp_add(&r, 50, &c.ip4.addr, 4);
	pt_dhcp_end(&r);
	for (i = 0; i < 5000; i++) {
		m = r;
		/* sometimes the fixed part, mostly the options */
		if (i % 4)
			pt_mutate(m.m + PT_DHCP_OPTS, m.len - PT_DHCP_OPTS, &seed);
		else
			pt_mutate(m.m, m.len, &seed);
		m.len -= (size_t)(seed % 7 == 0 ? seed % (m.len - PT_DHCP_OPTS) : 0);
		pt_to_vunetd(&c, frame, pt_udp4(frame, pt_a4("0.0.0.0"), 68,
						pt_a4("255.255.255.255"), 67,
						m.m, m.len));
		pt_drain();
	}
	CHECK(c.stats.frames_from_guest == 5000);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
