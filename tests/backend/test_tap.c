// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tap.c: which handler each guest frame reaches, what a handler sees in
 * struct tap_frame, which malformed frames are dropped (and under which
 * counter) before any handler sees them, and the qemu stream protocol both
 * ways over a socketpair: records split across reads, several per read,
 * zero and oversized lengths, a length that ends the connection.
 *
 * The handlers installed here only record what they were given: the test
 * checks tap.c's dispatch, not the protocols.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/ctx.h"
#include "backend/tap.h"
#include "tests/harness.h"

static struct ctx c;

/* What the recording handlers saw. */
static struct {
	const char *last;     /* name of the handler called last */
	int calls;
	struct tap_frame f;   /* copy of the last frame (iov not valid) */
	uint8_t payload[64];  /* first payload bytes, read through f->iov */
} seen;

#define RECORDER(name)                                                    \
	static int rec_##name(struct ctx *ctx, const struct tap_frame *f) \
	{                                                                 \
		(void)ctx;                                                \
		seen.last = #name;                                        \
		seen.calls++;                                             \
		seen.f = *f;                                              \
		if (f->len > f->payload_off)                              \
			tap_frame_copy(f, f->payload_off, seen.payload,   \
				       f->len - f->payload_off <          \
				       sizeof(seen.payload) ?             \
				       f->len - f->payload_off :          \
				       sizeof(seen.payload));             \
		return 0;                                                 \
	}

RECORDER(arp)
RECORDER(dhcp)
RECORDER(dhcpv6)
RECORDER(ndp)
RECORDER(icmp)
RECORDER(tcp)
RECORDER(udp)

static const struct tap_handlers recorders = {
	.arp = rec_arp, .dhcp = rec_dhcp, .dhcpv6 = rec_dhcpv6, .ndp = rec_ndp,
	.icmp = rec_icmp, .tcp = rec_tcp, .udp = rec_udp,
};

static void setup(void)
{
	memset(&c, 0, sizeof(c));
	memset(&seen, 0, sizeof(seen));
	c.mode = MODE_STREAM;
	c.epollfd = -1;
	c.fd_conn = -1;
	c.fd_listen = -1;
	c.ip4.enabled = c.ip6.enabled = true;
	tap_set_handlers(&recorders);
}

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static size_t put_eth(uint8_t *p, uint16_t type)
{
	memset(p, 0xff, 6);
	memcpy(p + 6, guest_mac, 6);
	p[12] = type >> 8;
	p[13] = type & 0xff;
	return ETH_HLEN;
}

static uint16_t csum16(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* Writes an IPv4 header (no options) for L4_LEN bytes of PROTO. */
static size_t put_ip4(uint8_t *p, uint8_t proto, size_t l4_len)
{
	uint16_t sum;

	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (20 + l4_len) >> 8;
	p[3] = (20 + l4_len) & 0xff;
	p[8] = 64;
	p[9] = proto;
	inet_pton(AF_INET, "192.0.2.2", p + 12);
	inet_pton(AF_INET, "192.0.2.1", p + 16);
	sum = csum16(p, 20);
	p[10] = sum >> 8;
	p[11] = sum & 0xff;
	return 20;
}

static size_t put_ip6(uint8_t *p, uint8_t nh, size_t l4_len)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[4] = l4_len >> 8;
	p[5] = l4_len & 0xff;
	p[6] = nh;
	p[7] = 255;
	inet_pton(AF_INET6, "fe80::1", p + 8);
	inet_pton(AF_INET6, "ff02::2", p + 24);
	return 40;
}

static size_t put_udp(uint8_t *p, uint16_t sport, uint16_t dport,
		      size_t payload)
{
	memset(p, 0, 8);
	p[0] = sport >> 8;
	p[1] = sport & 0xff;
	p[2] = dport >> 8;
	p[3] = dport & 0xff;
	p[4] = (8 + payload) >> 8;
	p[5] = (8 + payload) & 0xff;
	memset(p + 8, 'u', payload);
	return 8 + payload;
}

static size_t put_tcp(uint8_t *p, uint16_t sport, uint16_t dport,
		      size_t opt_len, size_t payload)
{
	memset(p, 0, 20 + opt_len);
	p[0] = sport >> 8;
	p[1] = sport & 0xff;
	p[2] = dport >> 8;
	p[3] = dport & 0xff;
	p[12] = ((20 + opt_len) / 4) << 4;
	memset(p + 20 + opt_len, 'P', payload);
	return 20 + opt_len + payload;
}

/* Builds an IPv4 UDP frame in BUF.  Returns its length. */
static size_t udp4_frame(uint8_t *buf, uint16_t dport, size_t payload)
{
	size_t n = put_eth(buf, ETH_P_IP);

	n += put_ip4(buf + n, IPPROTO_UDP, 8 + payload);
	return n + put_udp(buf + n, 40000, dport, payload);
}

static void deliver(uint8_t *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	tap_handler(&c, &iov, 1, len, 0);
}

TEST(arp_reaches_the_arp_handler)
{
	uint8_t f[64] = { 0 };
	size_t n = put_eth(f, ETH_P_ARP) + 28;

	setup();
	deliver(f, n);
	CHECK_STR(seen.last, "arp");
	CHECK_INT(seen.f.l3_off, ETH_HLEN);
	CHECK_INT(seen.f.ethertype, ETH_P_ARP);
}

TEST(short_arp_is_dropped)
{
	uint8_t f[64] = { 0 };

	setup();
	deliver(f, put_eth(f, ETH_P_ARP) + 20);
	CHECK_INT(seen.calls, 0);
	CHECK_INT(c.stats.drops[DROP_TOO_SHORT], 1);
}

TEST(udp_to_port_67_reaches_dhcp_other_udp_reaches_udp)
{
	uint8_t f[128];

	setup();
	deliver(f, udp4_frame(f, 67, 10));
	CHECK_STR(seen.last, "dhcp");
	deliver(f, udp4_frame(f, 53, 10));
	CHECK_STR(seen.last, "udp");
	CHECK_INT(seen.f.family, AF_INET);
	CHECK_INT(seen.f.sport, 40000);
	CHECK_INT(seen.f.dport, 53);
	CHECK_INT(seen.f.l4_off, ETH_HLEN + 20);
	CHECK_INT(seen.f.payload_off, ETH_HLEN + 28);
	CHECK_INT(seen.f.l4_len, 18);
	CHECK(seen.payload[0] == 'u');
	CHECK_INT(seen.f.saddr.a4.s_addr, inet_addr("192.0.2.2"));
	CHECK_INT(seen.f.daddr.a4.s_addr, inet_addr("192.0.2.1"));
}

TEST(tcp_with_options_sets_payload_offset)
{
	uint8_t f[200];
	size_t n = put_eth(f, ETH_P_IP);

	setup();
	n += put_ip4(f + n, IPPROTO_TCP, 20 + 12 + 5);
	n += put_tcp(f + n, 1234, 80, 12, 5);
	deliver(f, n);
	CHECK_STR(seen.last, "tcp");
	CHECK_INT(seen.f.payload_off, ETH_HLEN + 20 + 32);
	CHECK_INT(seen.f.dport, 80);
	CHECK(seen.payload[0] == 'P');
}

TEST(ethernet_padding_is_not_payload)
{
	uint8_t f[128] = { 0 };
	size_t n = udp4_frame(f, 53, 2);

	setup();
	deliver(f, 60); /* minimum Ethernet frame: padded */
	CHECK_STR(seen.last, "udp");
	CHECK_INT(seen.f.l4_len, 10);
	CHECK_INT(seen.f.l4_off + seen.f.l4_len, n);
}

TEST(icmp_echo_request_reaches_icmp_other_icmp_is_unhandled)
{
	uint8_t f[128];
	size_t n = put_eth(f, ETH_P_IP);

	setup();
	n += put_ip4(f + n, IPPROTO_ICMP, 16);
	memset(f + n, 0, 16);
	f[n] = 8; /* echo request */
	deliver(f, n + 16);
	CHECK_STR(seen.last, "icmp");
	f[n] = 0; /* echo reply: nothing for us */
	deliver(f, n + 16);
	CHECK_INT(seen.calls, 1);
	CHECK_INT(c.stats.drops[DROP_UNHANDLED], 1);
}

TEST(icmpv6_inside_ipv4_is_unhandled_not_an_echo_request)
{
	uint8_t f[128];
	size_t n = put_eth(f, ETH_P_IP);

	setup();
	n += put_ip4(f + n, IPPROTO_ICMPV6, 16);
	memset(f + n, 0, 16);
	f[n] = 8; /* would be an ICMPv4 echo request */
	deliver(f, n + 16);
	CHECK_INT(seen.calls, 0);
	CHECK_INT(c.stats.drops[DROP_UNHANDLED], 1);
}

TEST(icmpv4_inside_ipv6_is_unhandled_not_an_echo_request)
{
	uint8_t f[128];
	size_t n = put_eth(f, ETH_P_IPV6);
	size_t l4 = n + 40;

	setup();
	put_ip6(f + n, IPPROTO_ICMP, 16);
	memset(f + l4, 0, 16);
	f[l4] = 128; /* would be an ICMPv6 echo request */
	deliver(f, l4 + 16);
	f[l4] = 133; /* would be a router solicitation */
	deliver(f, l4 + 16);
	CHECK_INT(seen.calls, 0);
	CHECK_INT(c.stats.drops[DROP_UNHANDLED], 2);
}

TEST(ipv6_ndp_echo_and_dhcpv6)
{
	uint8_t f[200];
	size_t n = put_eth(f, ETH_P_IPV6);
	size_t l4 = n + 40;

	setup();
	put_ip6(f + n, IPPROTO_ICMPV6, 16);
	memset(f + l4, 0, 16);
	f[l4] = 133; /* router solicitation */
	deliver(f, l4 + 16);
	CHECK_STR(seen.last, "ndp");
	CHECK_INT(seen.f.family, AF_INET6);
	f[l4] = 128;
	deliver(f, l4 + 16);
	CHECK_STR(seen.last, "icmp");

	put_ip6(f + n, IPPROTO_UDP, 8 + 4);
	put_udp(f + l4, 546, 547, 4);
	deliver(f, l4 + 12);
	CHECK_STR(seen.last, "dhcpv6");
}

TEST(ipv6_extension_headers_are_skipped)
{
	uint8_t f[200];
	size_t n = put_eth(f, ETH_P_IPV6);
	size_t ext = n + 40;

	setup();
	put_ip6(f + n, IPPROTO_HOPOPTS, 8 + 8 + 3);
	memset(f + ext, 0, 8);
	f[ext] = IPPROTO_UDP; /* next header after hop-by-hop */
	put_udp(f + ext + 8, 1000, 2000, 3);
	deliver(f, ext + 8 + 11);
	CHECK_STR(seen.last, "udp");
	CHECK_INT(seen.f.l4_off, ext + 8);
	CHECK_INT(seen.f.l4_len, 11);
}

TEST(ipv6_fragment_is_dropped)
{
	uint8_t f[200] = { 0 };
	size_t n = put_eth(f, ETH_P_IPV6);

	setup();
	put_ip6(f + n, IPPROTO_FRAGMENT, 16);
	deliver(f, n + 40 + 16);
	CHECK_INT(seen.calls, 0);
	CHECK_INT(c.stats.drops[DROP_BAD_L3], 1);
}

TEST(frame_shorter_than_ethernet_header_is_dropped)
{
	uint8_t f[10] = { 0 };

	setup();
	deliver(f, sizeof(f));
	CHECK_INT(c.stats.drops[DROP_TOO_SHORT], 1);
	CHECK_INT(c.stats.frames_from_guest, 1);
	CHECK_INT(c.stats.bytes_from_guest, 10);
}

TEST(unknown_ethertype_is_bad_l2)
{
	uint8_t f[60] = { 0 };

	setup();
	deliver(f, put_eth(f, 0x88cc) + 40); /* LLDP */
	CHECK_INT(c.stats.drops[DROP_BAD_L2], 1);
}

TEST(bad_ipv4_checksum_is_dropped)
{
	uint8_t f[128];
	size_t n = udp4_frame(f, 53, 4);

	setup();
	f[ETH_HLEN + 10] ^= 0x55;
	deliver(f, n);
	CHECK_INT(seen.calls, 0);
	CHECK_INT(c.stats.drops[DROP_BAD_CSUM], 1);
}

TEST(ipv4_fragment_is_dropped)
{
	uint8_t f[128];
	size_t n = put_eth(f, ETH_P_IP);
	uint16_t sum;

	setup();
	n += put_ip4(f + n, IPPROTO_UDP, 12);
	put_udp(f + n, 1, 2, 4);
	f[ETH_HLEN + 6] = 0x20; /* more fragments */
	f[ETH_HLEN + 10] = f[ETH_HLEN + 11] = 0;
	sum = csum16(f + ETH_HLEN, 20);
	f[ETH_HLEN + 10] = sum >> 8;
	f[ETH_HLEN + 11] = sum & 0xff;
	deliver(f, n + 12);
	CHECK_INT(c.stats.drops[DROP_BAD_L3], 1);
}

TEST(ipv4_length_beyond_frame_is_too_short)
{
	uint8_t f[128];
	size_t n = udp4_frame(f, 53, 20);

	setup();
	deliver(f, n - 5);
	CHECK_INT(c.stats.drops[DROP_TOO_SHORT], 1);
}

TEST(ipv4_bad_version_or_ihl_is_bad_l3)
{
	uint8_t f[128];
	size_t n = udp4_frame(f, 53, 20);

	setup();
	f[ETH_HLEN] = 0x44; /* IHL 4: shorter than the fixed header */
	deliver(f, n);
	CHECK_INT(c.stats.drops[DROP_BAD_L3], 1);
}

TEST(tcp_data_offset_below_five_is_bad_l4)
{
	uint8_t f[128];
	size_t n = put_eth(f, ETH_P_IP);

	setup();
	n += put_ip4(f + n, IPPROTO_TCP, 20);
	n += put_tcp(f + n, 1, 2, 0, 0);
	f[ETH_HLEN + 20 + 12] = 0x40;
	deliver(f, n);
	CHECK_INT(c.stats.drops[DROP_BAD_L4], 1);
}

TEST(tcp_header_cut_short_is_too_short)
{
	uint8_t f[128];
	size_t n = put_eth(f, ETH_P_IP);

	setup();
	n += put_ip4(f + n, IPPROTO_TCP, 12);
	memset(f + n, 0, 12);
	deliver(f, n + 12);
	CHECK_INT(c.stats.drops[DROP_TOO_SHORT], 1);
}

TEST(udp_length_beyond_ip_length_is_bad_l4)
{
	uint8_t f[128];
	size_t n = udp4_frame(f, 53, 4);

	setup();
	f[ETH_HLEN + 20 + 5] = 40;
	deliver(f, n);
	CHECK_INT(c.stats.drops[DROP_BAD_L4], 1);
}

TEST(disabled_protocol_is_counted_as_disabled)
{
	uint8_t f[128];

	setup();
	c.no_udp = true;
	c.no_dhcp = true;
	deliver(f, udp4_frame(f, 53, 4));
	deliver(f, udp4_frame(f, 67, 4));
	CHECK_INT(seen.calls, 0);
	CHECK_INT(c.stats.drops[DROP_DISABLED], 2);
	c.ip4.enabled = false;
	c.no_udp = false;
	deliver(f, udp4_frame(f, 53, 4));
	CHECK_INT(c.stats.drops[DROP_DISABLED], 3);
}

TEST(missing_handler_is_counted_as_unhandled)
{
	static const struct tap_handlers only_arp = { .arp = rec_arp };
	uint8_t f[128];

	setup();
	tap_set_handlers(&only_arp);
	deliver(f, udp4_frame(f, 53, 4));
	CHECK_INT(c.stats.drops[DROP_UNHANDLED], 1);
}

TEST(guest_mac_is_learnt_from_unicast_sources)
{
	uint8_t f[128];

	setup();
	deliver(f, udp4_frame(f, 53, 4));
	CHECK(c.guest_mac_known);
	CHECK(!memcmp(c.guest_mac, guest_mac, 6));
}

TEST(headers_split_across_iovecs_are_joined)
{
	uint8_t f[200];
	size_t n = put_eth(f, ETH_P_IP);
	struct iovec iov[4], out[4];
	struct tap_frame tf = { 0 };
	int cnt;

	setup();
	n += put_ip4(f + n, IPPROTO_TCP, 20 + 30);
	n += put_tcp(f + n, 1234, 80, 0, 30);
	iov[0] = (struct iovec){ f, 5 };
	iov[1] = (struct iovec){ f + 5, 20 };
	iov[2] = (struct iovec){ f + 25, 40 };
	iov[3] = (struct iovec){ f + 65, n - 65 };
	tap_handler(&c, iov, 4, n, 0);
	CHECK_STR(seen.last, "tcp");
	CHECK_INT(seen.f.dport, 80);
	CHECK(!memcmp(seen.payload, "PPPP", 4));

	/* the payload as iovecs into the original buffers, no copy */
	tf.iov = iov;
	tf.iovcnt = 4;
	tf.len = n;
	cnt = tap_frame_iov_from(&tf, ETH_HLEN + 40, n, out, 4);
	CHECK_INT(cnt, 2);
	CHECK(out[0].iov_base == f + 54);
	CHECK_INT(out[0].iov_len, 11);
	CHECK_INT(out[0].iov_len + out[1].iov_len, 30);
	CHECK_INT(tap_frame_iov_from(&tf, ETH_HLEN + 40, n, out, 1), -1);
	CHECK_INT(tap_frame_iov_from(&tf, 0, n + 1, out, 4), -1);
	CHECK_INT(tap_frame_copy(&tf, n - 2, out, 3), -1);
}

/* Stream protocol: a socketpair, tap.c on one end, the test on the other. */
static int peer = -1;

static void stream_setup(void)
{
	int sv[2];

	setup();
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	peer = sv[1];
	tap_stream_attach(&c, sv[0]);
}

/* Appends a record (4-byte big-endian LEN + LEN bytes of a UDP frame) to
 * BUF.  Returns the record length. */
static size_t record(uint8_t *buf, uint16_t dport)
{
	size_t len = udp4_frame(buf + 4, dport, 10);

	buf[0] = buf[1] = 0;
	buf[2] = len >> 8;
	buf[3] = len & 0xff;
	return len + 4;
}

static void send_all(const void *buf, size_t len)
{
	if (write(peer, buf, len) != (ssize_t)len)
		abort();
}

TEST(stream_several_records_in_one_read)
{
	uint8_t buf[512];
	size_t n = 0;

	stream_setup();
	n += record(buf + n, 1001);
	n += record(buf + n, 1002);
	n += record(buf + n, 1003);
	send_all(buf, n);
	CHECK(tap_stream_input(&c));
	CHECK_INT(seen.calls, 3);
	CHECK_INT(seen.f.dport, 1003);
}

TEST(stream_record_split_across_reads)
{
	uint8_t buf[512];
	size_t n = record(buf, 1001);

	stream_setup();
	send_all(buf, 2); /* half the length prefix */
	CHECK(tap_stream_input(&c));
	CHECK_INT(seen.calls, 0);
	send_all(buf + 2, 10);
	CHECK(tap_stream_input(&c));
	CHECK_INT(seen.calls, 0);
	send_all(buf + 12, n - 12);
	CHECK(tap_stream_input(&c));
	CHECK_INT(seen.calls, 1);
	CHECK_INT(seen.f.dport, 1001);
}

TEST(stream_zero_length_is_counted_and_skipped)
{
	uint8_t buf[512] = { 0 };
	size_t n = 4;

	stream_setup();
	n += record(buf + n, 1001);
	send_all(buf, n);
	CHECK(tap_stream_input(&c));
	CHECK_INT(c.stats.drops[DROP_BAD_STREAM], 1);
	CHECK_INT(seen.calls, 1);
}

TEST(stream_oversized_record_is_skipped_and_stream_stays_in_step)
{
	static uint8_t big[4 + 70000];
	uint8_t buf[512];
	uint32_t len = sizeof(big) - 4;

	stream_setup();
	big[0] = len >> 24;
	big[1] = len >> 16;
	big[2] = len >> 8;
	big[3] = len;
	memset(big + 4, 0xab, len);
	for (size_t off = 0; off < sizeof(big);) {
		ssize_t w = write(peer, big + off, sizeof(big) - off);

		CHECK(w > 0);
		off += w;
		CHECK(tap_stream_input(&c));
	}
	send_all(buf, record(buf, 1001));
	CHECK(tap_stream_input(&c));
	CHECK_INT(c.stats.drops[DROP_BAD_STREAM], 1);
	CHECK_INT(seen.calls, 1);
	CHECK_INT(seen.f.dport, 1001);
}

TEST(stream_absurd_length_ends_the_connection)
{
	uint8_t buf[4] = { 0x7f, 0xff, 0xff, 0xff };

	stream_setup();
	send_all(buf, 4);
	CHECK(!tap_stream_input(&c));
	CHECK_INT(c.stats.drops[DROP_BAD_STREAM], 1);
}

TEST(stream_peer_close_ends_the_connection)
{
	stream_setup();
	close(peer);
	CHECK(!tap_stream_input(&c));
	tap_stream_detach(&c);
	CHECK_INT(c.fd_conn, -1);
}

TEST(stream_frames_to_guest_carry_a_length_prefix)
{
	uint8_t frame[100], got[256];
	struct iovec iov[2] = { { frame, 30 }, { frame + 30, 70 } };
	ssize_t n;

	stream_setup();
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = i;
	CHECK_INT(tap_send_frame(&c, iov, 2), 0);
	CHECK_INT(tap_send_frame(&c, iov, 1), 0);
	tap_flush(&c);
	n = read(peer, got, sizeof(got));
	CHECK_INT(n, 4 + 100 + 4 + 30);
	CHECK(!memcmp(got, "\0\0\0\x64", 4));
	CHECK(!memcmp(got + 4, frame, 100));
	CHECK(!memcmp(got + 104, "\0\0\0\x1e", 4));
	CHECK_INT(c.stats.frames_to_guest, 2);
	CHECK_INT(c.stats.bytes_to_guest, 130);
}

TEST(stream_full_socket_keeps_records_whole)
{
	static uint8_t frame[60000];
	struct iovec iov = { frame, sizeof(frame) };
	int sent = 0, size = 4096;
	uint8_t hdr[4];
	size_t total = 0;

	stream_setup();
	setsockopt(peer, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(c.fd_conn, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	/* far more than the socket takes: the rest waits or is dropped */
	for (int i = 0; i < 20; i++) {
		if (!tap_send_frame(&c, &iov, 1))
			sent++;
		tap_flush(&c);
	}
	CHECK(sent > 0);
	CHECK_INT(sent + c.stats.drops[DROP_RX_NO_BUFFERS], 20);
	/* drain: every record must come out whole */
	fcntl(peer, F_SETFL, O_NONBLOCK);
	for (int rounds = 0; rounds < 10000 && total < (size_t)sent; rounds++) {
		static uint8_t body[sizeof(frame)];
		size_t got = 0;

		tap_stream_output(&c);
		if (read(peer, hdr, 4) != 4)
			continue;
		CHECK_INT(hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3],
			  sizeof(frame));
		for (int tries = 0; got < sizeof(frame) && tries < 100000;
		     tries++) {
			ssize_t r = read(peer, body + got, sizeof(frame) - got);

			if (r > 0)
				got += r;
			else
				tap_stream_output(&c);
		}
		CHECK_INT(got, sizeof(frame));
		total++;
	}
	CHECK_INT(total, sent);
}

TEST(frames_to_guest_outside_ethernet_sizes_are_refused)
{
	uint8_t frame[10];
	struct iovec iov = { frame, sizeof(frame) };

	stream_setup();
	CHECK(tap_send_frame(&c, &iov, 1) < 0);
	CHECK_INT(c.stats.frames_to_guest, 0);
}

TEST(no_front_end_means_frames_are_dropped)
{
	uint8_t frame[60] = { 0 };
	struct iovec iov = { frame, sizeof(frame) };

	setup();
	CHECK_INT(tap_send_frame(&c, &iov, 1), -ENOTCONN);
	CHECK_INT(c.stats.drops[DROP_RX_NO_BUFFERS], 1);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
