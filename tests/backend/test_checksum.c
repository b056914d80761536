// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Internet checksum (checksum.c) and the frame and DNS-name builders
 * (ip.c) the protocol modules share.
 *
 * The checksum is checked against RFC 1071's worked example, not against
 * itself; the builders are checked by verifying the checksums they wrote
 * (a correct checksum sums to zero over the covered bytes) and the length
 * fields they filled.  DNS names are checked byte for byte against their
 * RFC 1035 wire form, and for refusal of what a DNS name cannot be.
 * Pure functions: no set-up, no I/O.
 */
#include <arpa/inet.h>
#include <string.h>

#include "backend/checksum.h"
#include "backend/ip.h"
#include "tests/harness.h"

/* RFC 1071 section 3's worked example: the words 0001 f203 f4f5 f6f7 sum
 * (with end-around carry) to 0xddf2, so the checksum is 0x220d. */
TEST(csum_matches_rfc1071_example)
{
	const uint8_t data[] = { 0x00, 0x01, 0xf2, 0x03,
				 0xf4, 0xf5, 0xf6, 0xf7 };
	uint16_t c = csum_buf(data, sizeof(data));

	CHECK_INT(ntohs(c), 0x220d);
}

TEST(csum_odd_length_pads_with_zero)
{
	const uint8_t odd[] = { 0x12, 0x34, 0x56 };
	const uint8_t even[] = { 0x12, 0x34, 0x56, 0x00 };

	CHECK_INT(csum_buf(odd, 3), csum_buf(even, 4));
}

TEST(csum_iov_split_at_odd_offsets_matches_flat)
{
	uint8_t data[101];
	struct iovec iov[4] = {
		{ data, 3 }, { data + 3, 1 }, { data + 4, 57 }, { data + 61, 40 },
	};
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 37 + 11);
	CHECK_INT(csum_fold(csum_add_iov(0, iov, 4, sizeof(data))),
		  csum_buf(data, sizeof(data)));
	/* a shorter length stops inside an entry */
	CHECK_INT(csum_fold(csum_add_iov(0, iov, 4, 50)), csum_buf(data, 50));
}

TEST(csum_over_correct_checksum_is_zero)
{
	uint8_t frame[UDP4_PAYLOAD_OFF + 5] = { 0 };
	struct in_addr s, d;
	uint32_t sum;

	inet_pton(AF_INET, "192.0.2.1", &s);
	inet_pton(AF_INET, "192.0.2.2", &d);
	memcpy(frame + UDP4_PAYLOAD_OFF, "hello", 5);
	CHECK_INT(ip_udp4_frame(frame, ip_mac_broadcast, ip_mac_broadcast, s,
				67, d, 68, 5), sizeof(frame));
	CHECK_INT(csum_buf(frame + ETH_HDR_LEN, IP4_HDR_LEN), 0);
	sum = csum_add_pseudo4(0, s, d, IPPROTO_UDP, UDP_HDR_LEN + 5);
	CHECK_INT(csum_fold(csum_add_buf(sum, frame + IP4_L4_OFF,
					 UDP_HDR_LEN + 5)), 0);
}

/* A partial field, completed over the segment as a receiver does, gives
 * the full checksum; the full one verifies on its own. */
TEST(csum_l4_field_partial_completes_to_the_full_one)
{
	uint8_t seg[8 + 7] = { 0x12, 0x34, 0x56, 0x78, 0, 15, 0, 0,
			       1, 2, 3, 4, 5, 6, 7 };
	struct iovec payload = { seg + 8, 7 };
	struct in_addr s = { htonl(0xc0000201) }, d = { htonl(0xc0000202) };
	uint32_t pseudo = csum_add_pseudo4(0, s, d, IPPROTO_UDP, sizeof(seg));
	uint16_t full, partial, done;

	full = csum_l4_field(pseudo, seg, 8, &payload, 1, 7, false);
	partial = csum_l4_field(pseudo, seg, 8, &payload, 1, 7, true);
	CHECK_INT(partial, (uint16_t)~csum_fold(pseudo));
	memcpy(seg + 6, &partial, 2);
	done = csum_buf(seg, sizeof(seg));
	CHECK_INT(done, full);
	memcpy(seg + 6, &full, 2);
	CHECK_INT(csum_fold(csum_add_buf(pseudo, seg, sizeof(seg))), 0);
}

TEST(udp6_frame_has_lengths_and_valid_checksum)
{
	uint8_t frame[UDP6_PAYLOAD_OFF + 3] = { 0 };
	struct in6_addr s, d;
	uint32_t sum;

	inet_pton(AF_INET6, "fe80::1", &s);
	inet_pton(AF_INET6, "fe80::2", &d);
	CHECK_INT(ip_udp6_frame(frame, ip_mac_broadcast, ip_mac_broadcast, &s,
				547, &d, 546, 3), sizeof(frame));
	CHECK_INT(ip_get_be16(frame + 12), 0x86dd);
	CHECK_INT(ip_get_be16(frame + ETH_HDR_LEN + 4), UDP_HDR_LEN + 3);
	CHECK_INT(ip_get_be16(frame + IP6_L4_OFF + 4), UDP_HDR_LEN + 3);
	sum = csum_add_pseudo6(0, &s, &d, IPPROTO_UDP, UDP_HDR_LEN + 3);
	CHECK_INT(csum_fold(csum_add_buf(sum, frame + IP6_L4_OFF,
					 UDP_HDR_LEN + 3)), 0);
}

TEST(dns_name_encodes_labels_and_root)
{
	uint8_t out[32];

	CHECK_INT(ip_dns_name_encode(out, sizeof(out), "example.com."), 13);
	CHECK(!memcmp(out, "\x07" "example" "\x03" "com" "\x00", 13));
	CHECK_INT(ip_dns_name_encode(out, sizeof(out), "a"), 3);
}

TEST(dns_name_rejects_empty_and_long_labels)
{
	uint8_t out[300];
	char long_label[70];

	memset(long_label, 'x', 64);
	long_label[64] = '\0';
	CHECK_INT(ip_dns_name_encode(out, sizeof(out), ""), -1);
	CHECK_INT(ip_dns_name_encode(out, sizeof(out), "a..b"), -1);
	CHECK_INT(ip_dns_name_encode(out, sizeof(out), ".a"), -1);
	CHECK_INT(ip_dns_name_encode(out, sizeof(out), long_label), -1);
}

TEST(dns_name_refuses_what_does_not_fit)
{
	uint8_t out[8];

	CHECK_INT(ip_dns_name_encode(out, sizeof(out), "example.com"), -1);
	CHECK_INT(ip_dns_name_encode(out, sizeof(out), "abc.de"), 8);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
