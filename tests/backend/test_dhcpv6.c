// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DHCPv6: the guest gets its address and configuration.
 *
 * Client messages (type, transaction id, options) are built here and sent
 * from the guest's link-local address, port 546, to ff02::1:2 port 547
 * through the real tap.c stream path.  Replies are parsed with an
 * independent option walker.  One behaviour per case: reply types
 * (ADVERTISE, rapid-commit REPLY, REPLY), IA_NA contents, identifiers,
 * DNS/domain/FQDN options, CONFIRM status, the server-id check, and drops
 * for truncated options, missing client id, short messages and
 * --no-dhcpv6.
 */
#include <string.h>

#include "backend/ip.h"
#include "tests/backend/proto_harness.h"
#include "tests/harness.h"

#define GUEST_LL "fe80::5054:ff:fe12:3456"
#define HDR 4

struct msg6 {
	uint8_t m[2048];
	size_t len;
};

static void msg_init(struct msg6 *m, uint8_t type)
{
	memset(m, 0, sizeof(*m));
	m->m[0] = type;
	m->m[1] = 0x12;
	m->m[2] = 0x34;
	m->m[3] = 0x56;
	m->len = HDR;
}

static void msg_opt(struct msg6 *m, uint16_t code, const void *v,
		    uint16_t len)
{
	ip_put_be16(m->m + m->len, code);
	ip_put_be16(m->m + m->len + 2, len);
	if (len)
		memcpy(m->m + m->len + 4, v, len);
	m->len += 4 + (size_t)len;
}

static const uint8_t client_duid[] = { 0, 3, 0, 1, 0x52, 0x54, 0, 0x12,
				       0x34, 0x56 };

/* A client message with client id and an IA_NA (IAID 7). */
static void msg_client(struct msg6 *m, uint8_t type)
{
	uint8_t ia[12] = { 0, 0, 0, 7 };

	msg_init(m, type);
	msg_opt(m, 1, client_duid, sizeof(client_duid));
	msg_opt(m, 3, ia, sizeof(ia));
}

/* Sends M; returns the reply's DHCPv6 payload length or -1, frame in F. */
static ssize_t exchange(struct ctx *c, const struct msg6 *m, uint8_t *f)
{
	static uint8_t frame[4096];
	struct in6_addr s = pt_a6(GUEST_LL), d = pt_a6("ff02::1:2");
	ssize_t n;

	pt_to_vunetd(c, frame, pt_udp6(frame, &s, 546, &d, 547, m->m, m->len));
	n = pt_from_vunetd(f, 4096, 500);
	if (n < UDP6_PAYLOAD_OFF)
		return -1;
	return n - UDP6_PAYLOAD_OFF;
}

/* Option CODE in the options at P (LEN bytes), or NULL. */
static const uint8_t *opt6(const uint8_t *p, size_t len, uint16_t code,
			   uint16_t *olen)
{
	size_t i = 0;

	while (i + 4 <= len) {
		uint16_t l = ip_get_be16(p + i + 2);

		if (i + 4 + l > len)
			return NULL;
		if (ip_get_be16(p + i) == code) {
			*olen = l;
			return p + i + 4;
		}
		i += 4 + (size_t)l;
	}
	return NULL;
}

#define BODY(f) ((f) + UDP6_PAYLOAD_OFF)
#define OPT(f, n, code, l) opt6(BODY(f) + HDR, (size_t)(n) - HDR, code, l)

TEST(dhcpv6_solicit_gets_advertise_with_address)
{
	struct in6_addr a = pt_a6("2001:db8::2"), guest = pt_a6(GUEST_LL);
	uint8_t f[4096];
	const uint8_t *ia, *addr;
	uint16_t l, al;
	struct ctx c;
	struct msg6 m;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	msg_client(&m, 1);
	n = exchange(&c, &m, f);
	CHECK(n > HDR);
	CHECK(pt_ip6_checksums_ok(f, (size_t)n + UDP6_PAYLOAD_OFF));
	CHECK_INT(BODY(f)[0], 2); /* ADVERTISE */
	CHECK(!memcmp(BODY(f) + 1, "\x12\x34\x56", 3));
	CHECK(!memcmp(f + ETH_HDR_LEN + 24, &guest, 16));
	CHECK_INT(ip_get_be16(f + IP6_L4_OFF), 547);
	CHECK_INT(ip_get_be16(f + IP6_L4_OFF + 2), 546);
	ia = OPT(f, n, 3, &l);
	CHECK(ia && l >= 12 + 4 + 24);
	CHECK_INT(ip_get_be32(ia), 7); /* the client's IAID */
	addr = opt6(ia + 12, l - 12, 5, &al);
	CHECK(addr && al == 24);
	CHECK(!memcmp(addr, &a, 16));
	CHECK_INT(ip_get_be32(addr + 16), 0xffffffffU);
}

TEST(dhcpv6_reply_echoes_client_id_and_gives_duid_ll_server_id)
{
	uint8_t f[4096];
	const uint8_t *v;
	uint16_t l;
	struct ctx c;
	struct msg6 m;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	msg_client(&m, 1);
	n = exchange(&c, &m, f);
	v = OPT(f, n, 1, &l);
	CHECK(v && l == sizeof(client_duid) && !memcmp(v, client_duid, l));
	v = OPT(f, n, 2, &l);
	CHECK(v && l == 10);
	CHECK_INT(ip_get_be16(v), 3);
	CHECK_INT(ip_get_be16(v + 2), 1);
	CHECK(!memcmp(v + 4, pt_our_mac, 6));
}

TEST(dhcpv6_rapid_commit_solicit_gets_reply)
{
	uint8_t f[4096];
	uint16_t l;
	struct ctx c;
	struct msg6 m;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	msg_client(&m, 1);
	msg_opt(&m, 14, NULL, 0);
	n = exchange(&c, &m, f);
	CHECK(n > HDR);
	CHECK_INT(BODY(f)[0], 7); /* REPLY */
	CHECK(OPT(f, n, 14, &l));
	CHECK(OPT(f, n, 3, &l));
}

TEST(dhcpv6_request_with_our_server_id_gets_reply)
{
	uint8_t f[4096], sid[10] = { 0, 3, 0, 1 };
	uint16_t l;
	struct ctx c;
	struct msg6 m;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	memcpy(sid + 4, pt_our_mac, 6);
	msg_client(&m, 3);
	msg_opt(&m, 2, sid, sizeof(sid));
	n = exchange(&c, &m, f);
	CHECK(n > HDR);
	CHECK_INT(BODY(f)[0], 7);
	CHECK(OPT(f, n, 3, &l));
}

TEST(dhcpv6_request_for_another_server_is_ignored)
{
	uint8_t f[4096], sid[10] = { 0, 3, 0, 1, 1, 2, 3, 4, 5, 6 };
	struct ctx c;
	struct msg6 m;

	CHECK_INT(pt_setup(&c), 0);
	msg_client(&m, 3);
	msg_opt(&m, 2, sid, sizeof(sid));
	CHECK_INT(exchange(&c, &m, f), -1);
	CHECK_INT(c.stats.drops[DROP_UNHANDLED], 1);
}

TEST(dhcpv6_renew_and_rebind_get_reply)
{
	uint8_t f[4096];
	struct ctx c;
	struct msg6 m;

	CHECK_INT(pt_setup(&c), 0);
	msg_client(&m, 5);
	CHECK(exchange(&c, &m, f) > HDR);
	CHECK_INT(BODY(f)[0], 7);
	msg_client(&m, 6);
	CHECK(exchange(&c, &m, f) > HDR);
	CHECK_INT(BODY(f)[0], 7);
}

TEST(dhcpv6_reply_carries_dns_and_domain_list)
{
	struct in6_addr dns = pt_a6("2001:db8::53");
	uint8_t f[4096];
	const uint8_t *v;
	uint16_t l;
	struct ctx c;
	struct msg6 m;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	strcpy(c.search[0], "example.org");
	c.n_search = 1;
	msg_client(&m, 1);
	n = exchange(&c, &m, f);
	v = OPT(f, n, 23, &l);
	CHECK(v && l == 16 && !memcmp(v, &dns, 16));
	v = OPT(f, n, 24, &l);
	CHECK(v && l == 13 && !memcmp(v, "\x07" "example\x03org\x00", 13));
}

TEST(dhcpv6_reply_carries_fqdn)
{
	uint8_t f[4096];
	const uint8_t *v;
	uint16_t l;
	struct ctx c;
	struct msg6 m;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	strcpy(c.fqdn, "guest.example.org");
	msg_client(&m, 3);
	n = exchange(&c, &m, f);
	v = OPT(f, n, 39, &l);
	CHECK(v && l == 1 + 19);
	CHECK_INT(v[0], 0); /* no flags, as passt */
	CHECK(!memcmp(v + 1, "\x05guest\x07" "example\x03org\x00", 19));
}

TEST(dhcpv6_information_request_gets_configuration_only)
{
	uint8_t f[4096];
	uint16_t l;
	struct ctx c;
	struct msg6 m;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	msg_init(&m, 11);
	n = exchange(&c, &m, f);
	CHECK(n > HDR);
	CHECK_INT(BODY(f)[0], 7);
	CHECK(OPT(f, n, 23, &l));
	CHECK(!OPT(f, n, 3, &l));
	CHECK(!OPT(f, n, 1, &l));
}

TEST(dhcpv6_confirm_of_guest_address_succeeds)
{
	uint8_t f[4096], ia[12 + 4 + 24] = { 0, 0, 0, 7 };
	struct in6_addr a = pt_a6("2001:db8::2");
	const uint8_t *v;
	uint16_t l;
	struct ctx c;
	struct msg6 m;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	ip_put_be16(ia + 12, 5);
	ip_put_be16(ia + 14, 24);
	memcpy(ia + 16, &a, 16);
	msg_init(&m, 4);
	msg_opt(&m, 1, client_duid, sizeof(client_duid));
	msg_opt(&m, 3, ia, sizeof(ia));
	n = exchange(&c, &m, f);
	v = OPT(f, n, 13, &l);
	CHECK(v && l >= 2 && ip_get_be16(v) == 0);
}

TEST(dhcpv6_confirm_of_other_address_is_not_on_link)
{
	uint8_t f[4096], ia[12 + 4 + 24] = { 0, 0, 0, 7 };
	struct in6_addr a = pt_a6("2001:db8:1::9");
	const uint8_t *v;
	uint16_t l;
	struct ctx c;
	struct msg6 m;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	ip_put_be16(ia + 12, 5);
	ip_put_be16(ia + 14, 24);
	memcpy(ia + 16, &a, 16);
	msg_init(&m, 4);
	msg_opt(&m, 1, client_duid, sizeof(client_duid));
	msg_opt(&m, 3, ia, sizeof(ia));
	n = exchange(&c, &m, f);
	v = OPT(f, n, 13, &l);
	CHECK(v && l >= 2 && ip_get_be16(v) == 4);
}

/* An IA_NA value (IAID 7) holding the addresses A[0..N). */
static uint16_t ia_with(uint8_t *ia, const char *const *a, unsigned n)
{
	uint16_t len = 12;
	unsigned i;

	memset(ia, 0, 12);
	ia[3] = 7;
	for (i = 0; i < n; i++) {
		struct in6_addr x = pt_a6(a[i]);

		ip_put_be16(ia + len, 5);
		ip_put_be16(ia + len + 2, 24);
		memcpy(ia + len + 4, &x, 16);
		memset(ia + len + 20, 0xff, 8);
		len += 28;
	}
	return len;
}

/* The status a CONFIRM with IA_NAs of those addresses gets (-1: none). */
static int confirm_status(struct ctx *c, const char *const *ia1, unsigned n1,
			  const char *const *ia2, unsigned n2)
{
	uint8_t f[4096], ia[12 + 3 * 28];
	const uint8_t *v;
	struct msg6 m;
	uint16_t l;
	ssize_t n;

	msg_init(&m, 4);
	msg_opt(&m, 1, client_duid, sizeof(client_duid));
	msg_opt(&m, 3, ia, ia_with(ia, ia1, n1));
	if (ia2)
		msg_opt(&m, 3, ia, ia_with(ia, ia2, n2));
	n = exchange(c, &m, f);
	if (n < 0)
		return -1;
	v = OPT(f, n, 13, &l);
	return v && l >= 2 ? ip_get_be16(v) : -2;
}

/* RFC 8415 18.3.3: every address counts, not only the first. */
TEST(dhcpv6_confirm_with_any_other_address_is_not_on_link)
{
	static const char *const guest_then_other[] = { "2001:db8::2",
							"2001:db8:1::9" };
	static const char *const guest[] = { "2001:db8::2" };
	static const char *const other[] = { "2001:db8:1::9" };
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	CHECK_INT(confirm_status(&c, guest_then_other, 2, NULL, 0), 4);
	CHECK_INT(confirm_status(&c, guest, 1, other, 1), 4);
	CHECK_INT(confirm_status(&c, guest, 1, guest, 1), 0);
}

TEST(dhcpv6_confirm_without_addresses_gets_no_reply)
{
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	CHECK_INT(confirm_status(&c, NULL, 0, NULL, 0), -1);
	CHECK_INT(c.stats.drops[DROP_UNHANDLED], 1);
}

/* A request is read up to its UDP length: an option across byte 1500
 * is not taken as truncated. */
TEST(dhcpv6_request_longer_than_1500_bytes_is_read_whole)
{
	uint8_t f[4096], pad[1600] = { 0 };
	struct ctx c;
	struct msg6 m;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	msg_client(&m, 1);
	msg_opt(&m, 16, pad, sizeof(pad)); /* vendor class, long */
	n = exchange(&c, &m, f);
	CHECK(n > HDR);
	CHECK_INT(BODY(f)[0], 2); /* ADVERTISE */
	CHECK_INT(pt_drops(&c), 0);
}

TEST(dhcpv6_solicit_without_ia_na_gets_no_addrs_avail)
{
	uint8_t f[4096];
	const uint8_t *v;
	uint16_t l;
	struct ctx c;
	struct msg6 m;
	ssize_t n;

	CHECK_INT(pt_setup(&c), 0);
	msg_init(&m, 1);
	msg_opt(&m, 1, client_duid, sizeof(client_duid));
	n = exchange(&c, &m, f);
	v = OPT(f, n, 13, &l);
	CHECK(v && ip_get_be16(v) == 2);
}

TEST(dhcpv6_drops_truncated_option)
{
	uint8_t f[4096];
	struct ctx c;
	struct msg6 m;

	CHECK_INT(pt_setup(&c), 0);
	msg_client(&m, 1);
	ip_put_be16(m.m + m.len, 23);
	ip_put_be16(m.m + m.len + 2, 100); /* claims 100, has 2 */
	m.len += 6;
	CHECK_INT(exchange(&c, &m, f), -1);
	CHECK_INT(c.stats.drops[DROP_BAD_L4], 1);
}

TEST(dhcpv6_drops_solicit_without_client_id)
{
	uint8_t f[4096];
	struct ctx c;
	struct msg6 m;

	CHECK_INT(pt_setup(&c), 0);
	msg_init(&m, 1);
	CHECK_INT(exchange(&c, &m, f), -1);
	CHECK_INT(c.stats.drops[DROP_BAD_L4], 1);
}

TEST(dhcpv6_drops_message_shorter_than_header)
{
	uint8_t f[4096];
	struct ctx c;
	struct msg6 m;

	CHECK_INT(pt_setup(&c), 0);
	msg_init(&m, 1);
	m.len = 3;
	CHECK_INT(exchange(&c, &m, f), -1);
	CHECK_INT(c.stats.drops[DROP_TOO_SHORT], 1);
}

TEST(dhcpv6_ignores_server_messages)
{
	uint8_t f[4096];
	struct ctx c;
	struct msg6 m;

	CHECK_INT(pt_setup(&c), 0);
	msg_client(&m, 7); /* a REPLY from the guest */
	CHECK_INT(exchange(&c, &m, f), -1);
	CHECK_INT(c.stats.drops[DROP_UNHANDLED], 1);
}

TEST(dhcpv6_disabled_drops_requests)
{
	uint8_t f[4096];
	struct ctx c;
	struct msg6 m;

	CHECK_INT(pt_setup(&c), 0);
	c.no_dhcpv6 = true;
	msg_client(&m, 1);
	CHECK_INT(exchange(&c, &m, f), -1);
	CHECK_INT(c.stats.drops[DROP_DISABLED], 1);
}

/* Local mode without -a: no address to hand out, so no server, as
 * passt (not even for information requests). */
TEST(dhcpv6_without_guest_address_answers_nothing)
{
	uint8_t f[4096];
	struct ctx c;
	struct msg6 m;

	CHECK_INT(pt_setup(&c), 0);
	c.ip6.addr = in6addr_any;
	msg_client(&m, 1);
	CHECK_INT(exchange(&c, &m, f), -1);
	msg_init(&m, 11); /* INFORMATION-REQUEST */
	msg_opt(&m, 1, client_duid, sizeof(client_duid));
	CHECK_INT(exchange(&c, &m, f), -1);
	CHECK_INT(c.stats.drops[DROP_UNHANDLED], 2);
}

/* Thousands of corrupted client messages (see the DHCPv4 equivalent):
 * answered or dropped, never a read outside the message. */
TEST(dhcpv6_survives_corrupted_messages)
{
	static uint8_t frame[1024];
	struct in6_addr s = pt_a6(GUEST_LL), d = pt_a6("ff02::1:2");
	uint8_t sid[10] = { 0, 3, 0, 1 }, ia[12 + 4 + 24] = { 0, 0, 0, 7 };
	uint32_t seed = 0x7654321;
	struct ctx c;
	struct msg6 m, x;
	int i;

	CHECK_INT(pt_setup(&c), 0);
	strcpy(c.fqdn, "guest.example.org");
	memcpy(sid + 4, pt_our_mac, 6);
	ip_put_be16(ia + 12, 5);
	ip_put_be16(ia + 14, 24);
	msg_init(&m, 4);
	msg_opt(&m, 1, client_duid, sizeof(client_duid));
	msg_opt(&m, 2, sid, sizeof(sid));
	msg_opt(&m, 3, ia, sizeof(ia));
	msg_opt(&m, 14, NULL, 0);
	for (i = 0; i < 5000; i++) {
		x = m;
		pt_mutate(x.m, x.len, &seed);
		x.m[0] = (uint8_t)(1 + i % 11); /* every message type */
		pt_to_vunetd(&c, frame, pt_udp6(frame, &s, 546, &d, 547, x.m,
						x.len - (size_t)(i % 5)));
		pt_drain();
	}
	CHECK(c.stats.frames_from_guest == 5000);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
