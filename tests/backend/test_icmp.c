// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ICMP/ICMPv6 echo relay through ping sockets.
 *
 * Each case runs in its own network namespace (netns.h: with a user
 * namespace unless root; created in the case's forked child), where it
 * may set net.ipv4.ping_group_range without touching the machine: echo
 * requests to the gateway address go to that namespace's loopback and
 * nowhere else.
 * Where namespaces cannot be created (a chroot, a locked-down kernel) the
 * cases that need them are skipped with the reason.
 *
 * The echo request goes through the real tap.c stream path; the test
 * then waits on the epoll set icmp.c registered its ping sockets in and
 * hands each event to icmp_sock_handler(), as vunetd's loop does.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backend/icmp.h"
#include "backend/ip.h"
#include "backend/tap.h"
#include "tests/backend/netns.h"
#include "tests/backend/proto_harness.h"
#include "tests/harness.h"

/* Our group inside the namespace, gid 0 (root's, or ours mapped to 0):
 * only mapped ids can be in the range (the kernel refuses "0 2147483647"
 * in a user namespace with one id). */
#define PING_RANGE_ALLOWED "0 0"
/* A new network namespace starts with the kernel's default, "1 0": no
 * group may open ping sockets.  (It cannot be written from inside: gid 1
 * is not mapped.)  NULL below means "leave the default". */
#define PING_RANGE_REFUSED NULL

/* Enters a private network namespace (netns.h) with the given ping group
 * range (NULL: the default).  Returns NULL, or why it could not. */
static const char *enter_netns(const char *ping_range)
{
	const char *why = netns_enter();
	int fd;

	if (why || !ping_range)
		return why;
	fd = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, ping_range, strlen(ping_range)) !=
			      (ssize_t)strlen(ping_range))
		why = "cannot set net.ipv4.ping_group_range in the namespace";
	if (fd >= 0)
		close(fd);
	return why;
}

static size_t echo4(uint8_t *frame, const char *dst, uint16_t id,
		    uint16_t seq, uint8_t type)
{
	uint8_t msg[8 + 10] = { type };

	ip_put_be16(msg + 4, id);
	ip_put_be16(msg + 6, seq);
	memcpy(msg + 8, "vunet-ping", 10);
	return pt_icmp4(frame, pt_a4("192.0.2.2"), pt_a4(dst), msg,
			sizeof(msg));
}

static size_t echo6(uint8_t *frame, const char *dst, uint16_t id,
		    uint16_t seq)
{
	uint8_t msg[8 + 10] = { ICMP6_ECHO_REQUEST };
	struct in6_addr s = pt_a6("2001:db8::2"), d = pt_a6(dst);

	ip_put_be16(msg + 4, id);
	ip_put_be16(msg + 6, seq);
	memcpy(msg + 8, "vunet-ping", 10);
	return pt_icmp6(frame, &s, &d, msg, sizeof(msg));
}

/* Waits for ping socket events and lets icmp.c handle them, until a
 * frame for the guest is out or TIMEOUT_MS pass.  Returns its length. */
static ssize_t relay_reply(struct ctx *c, uint8_t *r, size_t size,
			   int timeout_ms)
{
	struct epoll_event ev[8];
	int i, n, rounds;

	for (rounds = 0; rounds < 10; rounds++) {
		n = epoll_wait(c->epollfd, ev, 8, timeout_ms / 10);
		for (i = 0; i < n; i++) {
			union epoll_ref ref = { .u64 = ev[i].data.u64 };

			if (ref.type == EPOLL_TYPE_ICMP)
				icmp_sock_handler(c, ref);
		}
		/* no tap_flush() here: a socket event ends its own batch,
		 * as vunetd's loop expects */
		if (n > 0)
			return pt_from_vunetd(r, size, 500);
	}
	return -1;
}

static int setup_in_netns(struct ctx *c, const char *range, const char **why)
{
	*why = enter_netns(range);
	if (*why)
		return -1;
	if (pt_setup(c))
		return -2;
	c->epollfd = epoll_create1(EPOLL_CLOEXEC);
	return c->epollfd < 0 ? -2 : 0;
}

TEST(icmp_echo_to_gateway_reaches_host_loopback)
{
	uint8_t f[128], r[2048];
	struct in_addr gw = pt_a4("192.0.2.1"), guest = pt_a4("192.0.2.2");
	const char *why;
	struct ctx c;
	ssize_t n;
	int rc = setup_in_netns(&c, PING_RANGE_ALLOWED, &why);

	if (rc == -1)
		SKIP("%s", why);
	CHECK_INT(rc, 0);
	pt_to_vunetd(&c, f, echo4(f, "192.0.2.1", 0x1234, 1, ICMP_ECHO));
	CHECK_INT(pt_drops(&c), 0);
	n = relay_reply(&c, r, sizeof(r), 2000);
	CHECK_INT(n, IP4_L4_OFF + 18);
	CHECK(pt_ip4_checksums_ok(r, (size_t)n));
	CHECK(!memcmp(r + ETH_HDR_LEN + 12, &gw, 4));   /* from the gateway */
	CHECK(!memcmp(r + ETH_HDR_LEN + 16, &guest, 4));
	CHECK_INT(r[IP4_L4_OFF], ICMP_ECHOREPLY);
	CHECK_INT(ip_get_be16(r + IP4_L4_OFF + 4), 0x1234); /* guest's id */
	CHECK_INT(ip_get_be16(r + IP4_L4_OFF + 6), 1);
	CHECK(!memcmp(r + IP4_L4_OFF + 8, "vunet-ping", 10));
	CHECK(!memcmp(r, pt_guest_mac, 6));
	CHECK(!memcmp(&c.ip4.addr_seen, &guest, 4)); /* learnt from it */
}

TEST(icmp6_echo_to_gateway_reaches_host_loopback)
{
	uint8_t f[128], r[2048];
	struct in6_addr gw = pt_a6("fe80::1"), guest = pt_a6("2001:db8::2");
	const char *why;
	struct ctx c;
	ssize_t n;
	int rc = setup_in_netns(&c, PING_RANGE_ALLOWED, &why);

	if (rc == -1)
		SKIP("%s", why);
	CHECK_INT(rc, 0);
	pt_to_vunetd(&c, f, echo6(f, "fe80::1", 0x4321, 7));
	CHECK_INT(pt_drops(&c), 0);
	n = relay_reply(&c, r, sizeof(r), 2000);
	CHECK_INT(n, IP6_L4_OFF + 18);
	CHECK(pt_ip6_checksums_ok(r, (size_t)n));
	CHECK(!memcmp(r + ETH_HDR_LEN + 8, &gw, 16));
	CHECK(!memcmp(r + ETH_HDR_LEN + 24, &guest, 16));
	CHECK_INT(r[IP6_L4_OFF], ICMP6_ECHO_REPLY);
	CHECK_INT(ip_get_be16(r + IP6_L4_OFF + 4), 0x4321);
	CHECK_INT(ip_get_be16(r + IP6_L4_OFF + 6), 7);
	CHECK(!memcmp(r + IP6_L4_OFF + 8, "vunet-ping", 10));
}

/* As a virtio-net guest may hand a frame over: its bytes spread over
 * many descriptors, here SEGMENTS iovecs (more than the 16 icmp.c once
 * allowed, within the 64 a TX chain may have). */
#define SEGMENTS 40

TEST(icmp_echo_in_many_segments_is_relayed_whole)
{
	uint8_t f[ETH_HDR_LEN + 20 + 8 + 400], msg[8 + 400] = { ICMP_ECHO };
	struct iovec iov[SEGMENTS];
	uint8_t r[2048];
	size_t len, seg, off = 0;
	const char *why;
	struct ctx c;
	ssize_t n;
	int i, rc = setup_in_netns(&c, PING_RANGE_ALLOWED, &why);

	if (rc == -1)
		SKIP("%s", why);
	CHECK_INT(rc, 0);
	ip_put_be16(msg + 4, 0x2222);
	ip_put_be16(msg + 6, 3);
	for (i = 8; i < (int)sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	len = pt_icmp4(f, pt_a4("192.0.2.2"), pt_a4("192.0.2.1"), msg,
		       sizeof(msg));
	seg = (len + SEGMENTS - 1) / SEGMENTS;
	for (i = 0; i < SEGMENTS; i++) {
		size_t l = len - off < seg ? len - off : seg;

		iov[i].iov_base = f + off;
		iov[i].iov_len = l;
		off += l;
	}
	CHECK_INT(off, len);
	tap_handler(&c, iov, SEGMENTS, len, 0);
	CHECK_INT(pt_drops(&c), 0);
	n = relay_reply(&c, r, sizeof(r), 2000);
	CHECK_INT(n, IP4_L4_OFF + (ssize_t)sizeof(msg));
	CHECK(pt_ip4_checksums_ok(r, (size_t)n));
	CHECK(!memcmp(r + IP4_L4_OFF + 8, msg + 8, sizeof(msg) - 8));
}

TEST(icmp_same_id_and_destination_reuse_one_flow)
{
	uint8_t f[128], r[2048];
	const char *why;
	struct ctx c;
	int rc = setup_in_netns(&c, PING_RANGE_ALLOWED, &why);

	if (rc == -1)
		SKIP("%s", why);
	CHECK_INT(rc, 0);
	pt_to_vunetd(&c, f, echo4(f, "192.0.2.1", 0x1234, 1, ICMP_ECHO));
	CHECK(relay_reply(&c, r, sizeof(r), 2000) > 0);
	pt_to_vunetd(&c, f, echo4(f, "192.0.2.1", 0x1234, 2, ICMP_ECHO));
	CHECK(relay_reply(&c, r, sizeof(r), 2000) > 0);
	CHECK_INT(ip_get_be16(r + IP4_L4_OFF + 6), 2);
	CHECK_INT(icmp_flow_count(), 1);
	pt_to_vunetd(&c, f, echo4(f, "192.0.2.1", 0x9999, 1, ICMP_ECHO));
	CHECK_INT(icmp_flow_count(), 2);
}

TEST(icmp_idle_flow_expires)
{
	uint8_t f[128], r[2048];
	struct timespec now;
	const char *why;
	struct ctx c;
	int rc = setup_in_netns(&c, PING_RANGE_ALLOWED, &why);

	if (rc == -1)
		SKIP("%s", why);
	CHECK_INT(rc, 0);
	pt_to_vunetd(&c, f, echo4(f, "192.0.2.1", 0x1234, 1, ICMP_ECHO));
	CHECK(relay_reply(&c, r, sizeof(r), 2000) > 0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	icmp_timer(&c, &now);
	CHECK_INT(icmp_flow_count(), 1);
	now.tv_sec += ICMP_FLOW_TIMEOUT_S + 1;
	icmp_timer(&c, &now);
	CHECK_INT(icmp_flow_count(), 0);
}

TEST(icmp_full_table_drops_new_flows)
{
	uint8_t f[128];
	const char *why;
	struct ctx c;
	int i, rc = setup_in_netns(&c, PING_RANGE_ALLOWED, &why);

	if (rc == -1)
		SKIP("%s", why);
	CHECK_INT(rc, 0);
	for (i = 0; i < ICMP_MAX_FLOWS; i++)
		pt_to_vunetd(&c, f, echo4(f, "192.0.2.1", (uint16_t)i, 1,
					  ICMP_ECHO));
	CHECK_INT(icmp_flow_count(), ICMP_MAX_FLOWS);
	CHECK_INT(pt_drops(&c), 0);
	pt_to_vunetd(&c, f, echo4(f, "192.0.2.1", 60000, 1, ICMP_ECHO));
	CHECK_INT(c.stats.drops[DROP_NO_FLOW], 1);
}

TEST(icmp_refused_ping_sockets_drop_and_log_once)
{
	uint8_t f[128], r[2048], log[4096];
	FILE *tmp = tmpfile();
	const char *why, *p;
	struct ctx c;
	int saved, rc, lines = 0;
	ssize_t n;

	CHECK(tmp);
	rc = setup_in_netns(&c, PING_RANGE_REFUSED, &why);
	if (rc == -1)
		SKIP("%s", why);
	CHECK_INT(rc, 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	pt_to_vunetd(&c, f, echo4(f, "192.0.2.1", 1, 1, ICMP_ECHO));
	pt_to_vunetd(&c, f, echo4(f, "192.0.2.1", 2, 1, ICMP_ECHO));
	pt_to_vunetd(&c, f, echo6(f, "fe80::1", 3, 1));
	dup2(saved, 2);
	CHECK_INT(c.stats.drops[DROP_HOST_ERROR], 3);
	CHECK_INT(icmp_flow_count(), 0);
	CHECK_INT(pt_from_vunetd(r, sizeof(r), 100), -1);
	n = pread(fileno(tmp), log, sizeof(log) - 1, 0);
	CHECK(n > 0);
	log[n] = '\0';
	for (p = (char *)log; (p = strstr(p, "ping_group_range")); p++)
		lines++;
	CHECK_INT(lines, 1);
}

TEST(icmp_echo_to_unreachable_destination_dropped)
{
	uint8_t f[128];
	const char *why;
	struct ctx c;
	int rc = setup_in_netns(&c, PING_RANGE_ALLOWED, &why);

	if (rc == -1)
		SKIP("%s", why);
	CHECK_INT(rc, 0);
	pt_to_vunetd(&c, f, echo4(f, "224.0.0.1", 1, 1, ICMP_ECHO));
	pt_to_vunetd(&c, f, echo6(f, "fe80::99", 1, 1));
	CHECK_INT(c.stats.drops[DROP_UNHANDLED], 2);
	CHECK_INT(icmp_flow_count(), 0);
}

TEST(icmp_disabled_drops_echo_requests)
{
	uint8_t f[128];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	c.no_icmp = true;
	pt_to_vunetd(&c, f, echo4(f, "192.0.2.1", 1, 1, ICMP_ECHO));
	CHECK_INT(c.stats.drops[DROP_DISABLED], 1);
	CHECK_INT(icmp_flow_count(), 0);
}

TEST(icmp_only_echo_requests_are_relayed)
{
	uint8_t f[128];
	struct ctx c;

	CHECK_INT(pt_setup(&c), 0);
	pt_to_vunetd(&c, f, echo4(f, "192.0.2.1", 1, 1, ICMP_TIMESTAMP));
	CHECK_INT(c.stats.drops[DROP_UNHANDLED], 1);
	CHECK_INT(icmp_flow_count(), 0);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
