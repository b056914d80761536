// SPDX-License-Identifier: GPL-2.0-or-later
/* TCP and UDP through the real vunetd program: the test is QEMU's
 * "stream" front-end on vunetd's unix socket (4-byte length + frame) and
 * the host-side peers are loopback sockets.  This checks what the unit
 * tests cannot: that vunetd's loop wires the flow table, the handlers,
 * the socket events and -t/-u forwarding together; and, in a private
 * network namespace with only lo (netns.h), that local mode gives the
 * guest a working lease and way to the host. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/ip.h"
#include "tests/backend/netns.h"
#include "tests/backend/test_flow_harness.h"
#include "tests/harness.h"

#define GUEST "10.0.2.15"
#define GATEWAY "10.0.2.2"
#define GUEST_PORT 40000
#define GUEST_ISN 1000u
/* Local mode's addresses (passt's), and the guest's link-local one. */
#define LOCAL_GUEST "169.254.2.1"
#define LOCAL_GATEWAY "169.254.2.2"
#define GUEST_LL "fe80::5054:ff:fe12:3456"

static char sock_path[108];
static pid_t daemon_pid = -1;
static int fe = -1;
static uint8_t rec[4 + PT_FRAME_MAX];

static void stop_vunetd(void)
{
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, NULL, 0);
	}
	if (sock_path[0])
		unlink(sock_path);
}

#define MAX_ARGS 24

/* Starts vunetd in the foreground on our socket with ARGS (NULL-ended)
 * and connects to it.  Returns 0 or -1. */
static int start_vunetd_args(const char *const *args)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *argv[MAX_ARGS] = { "vunetd", "-f", "-s", sock_path };
	int i, n = 4;

	snprintf(sock_path, sizeof(sock_path), "/tmp/vunet-tcpd-%d.sock",
		 (int)getpid());
	unlink(sock_path);
	atexit(stop_vunetd);
	daemon_pid = fork();
	if (daemon_pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		/* a case that crashes or times out must not leave it running */
		prctl(PR_SET_PDEATHSIG, SIGTERM);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		while (*args && n < MAX_ARGS - 1)
			argv[n++] = *args++;
		argv[n] = NULL;
		execv(VUNETD_PATH, (char **)argv);
		_exit(127);
	}
	strcpy(sa.sun_path, sock_path);
	for (i = 0; i < 200; i++) {
		fe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (!connect(fe, (struct sockaddr *)&sa, sizeof(sa)))
			return 0;
		close(fe);
		fe = -1;
		usleep(10000);
	}
	return -1;
}

/* Starts vunetd with the test's addresses and EXTRA arguments (NULL or
 * one option and its value).  Returns 0 or -1. */
static int start_vunetd(const char *opt, const char *val)
{
	return start_vunetd_args((const char *[]){ "-a", GUEST, "-n", "24",
		"-g", GATEWAY, "-4", opt, val, NULL });
}

static void to_vunetd(const uint8_t *frame, size_t len)
{
	ip_put_be32(rec, (uint32_t)len);
	memcpy(rec + 4, frame, len);
	if (write(fe, rec, 4 + len) != (ssize_t)(4 + len))
		perror("write");
}

static int read_exact(uint8_t *buf, size_t len, int timeout_ms)
{
	while (len) {
		struct pollfd p = { fe, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, timeout_ms) != 1)
			return -1;
		n = read(fe, buf, len);
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The next frame from vunetd; its length, or -1. */
static ssize_t from_vunetd(uint8_t *buf, size_t size, int timeout_ms)
{
	uint8_t lenb[4];
	uint32_t len;

	if (read_exact(lenb, 4, timeout_ms))
		return -1;
	len = ip_get_be32(lenb);
	if (len > size || read_exact(buf, len, 2000))
		return -1;
	return (ssize_t)len;
}

/* The next TCP segment to the guest (others skipped). */
static int recv_tcp(uint8_t *buf, struct ft_seg *s)
{
	int i;

	for (i = 0; i < 20; i++) {
		ssize_t n = from_vunetd(buf, PT_FRAME_MAX, 3000);

		if (n < 0)
			return -1;
		if (!ft_tcp_parse(buf, (size_t)n, s))
			return 0;
	}
	return -1;
}

/* A guest segment of family AF from SRC to DST. */
static struct ft_seg seg_af(int af, const char *src, const char *dst,
			    uint16_t sport, uint16_t dport, uint32_t seq,
			    uint32_t ack, uint8_t flags)
{
	struct ft_seg s = { .af = af, .sport = sport, .dport = dport,
			    .seq = seq, .ack = ack, .flags = flags,
			    .wnd = 65535, .wscale = -1 };

	if (af == AF_INET) {
		s.saddr.a4 = pt_a4(src);
		s.daddr.a4 = pt_a4(dst);
	} else {
		s.saddr.a6 = pt_a6(src);
		s.daddr.a6 = pt_a6(dst);
	}
	return s;
}

static struct ft_seg seg(uint16_t sport, uint16_t dport, uint32_t seq,
			 uint32_t ack, uint8_t flags)
{
	return seg_af(AF_INET, GUEST, GATEWAY, sport, dport, seq, ack, flags);
}

static void send_seg(const struct ft_seg *s)
{
	static uint8_t frame[PT_FRAME_MAX];

	to_vunetd(frame, ft_tcp_frame(frame, s));
}

/* The next TCP segment to the guest from host port PORT (others, such
 * as the end of an earlier connection, skipped). */
static int recv_tcp_from(uint8_t *buf, struct ft_seg *s, uint16_t port)
{
	int i;

	for (i = 0; i < 20; i++) {
		if (recv_tcp(buf, s))
			return -1;
		if (s->sport == port)
			return 0;
	}
	return -1;
}

/* The guest (SRC, family AF) connects to DST:PORT, which vunetd maps to
 * the host's loopback where listener L waits: "ping" reaches the host,
 * "pong" comes back.  Failures are recorded (test_failed()). */
static void ping_pong_with_host(int af, const char *src, const char *dst,
				int l, uint16_t port)
{
	static uint8_t buf[PT_FRAME_MAX];
	struct ft_seg s, r;
	char got[32];
	int h;

	s = seg_af(af, src, dst, GUEST_PORT, port, GUEST_ISN, 0, FT_SYN);
	s.mss = 1460;
	send_seg(&s);
	CHECK_INT(recv_tcp_from(buf, &r, port), 0);
	CHECK_INT(r.flags, FT_SYN | FT_ACK);
	CHECK_INT(r.ack, GUEST_ISN + 1);
	CHECK(!memcmp(&r.saddr, &s.daddr, af == AF_INET ? 4 : 16));
	s = seg_af(af, src, dst, GUEST_PORT, port, GUEST_ISN + 1, r.seq + 1,
		   FT_ACK | FT_PSH);
	s.payload = (const uint8_t *)"ping";
	s.len = 4;
	send_seg(&s);
	h = accept(l, NULL, NULL);
	CHECK(h >= 0);
	CHECK_INT(recv(h, got, sizeof(got), 0), 4);
	CHECK(!memcmp(got, "ping", 4));
	CHECK(send(h, "pong", 4, 0) == 4);
	do
		CHECK_INT(recv_tcp_from(buf, &r, port), 0);
	while (!r.len);
	CHECK_INT(r.len, 4);
	CHECK(!memcmp(r.payload, "pong", 4));
	CHECK_INT(r.ack, GUEST_ISN + 5);
	close(h);
}

#define NEED_VUNETD()                                                     \
	do {                                                              \
		if (access(VUNETD_PATH, X_OK))                            \
			SKIP("%s is not built", VUNETD_PATH);             \
	} while (0)

TEST(guest_connection_through_vunetd_carries_data_both_ways)
{
	uint16_t port;
	int l;

	NEED_VUNETD();
	NETNS_NEED_ROUTES(); /* -a applies */
	l = ft_listen_tcp(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(start_vunetd(NULL, NULL), 0);
	ping_pong_with_host(AF_INET, GUEST, GATEWAY, l, port);
}

/* Sends DHCP message M from the guest.  Returns the length of the DHCP
 * payload of the reply (at UDP4_PAYLOAD_OFF in BUF), or -1. */
static ssize_t dhcp_exchange(const struct pt_dhcp_msg *m, uint8_t *buf)
{
	static uint8_t frame[PT_FRAME_MAX];
	int i;

	to_vunetd(frame, pt_udp4(frame, pt_a4("0.0.0.0"), 68,
				 pt_a4("255.255.255.255"), 67, m->m, m->len));
	for (i = 0; i < 20; i++) {
		ssize_t n = from_vunetd(buf, PT_FRAME_MAX, 3000);

		if (n < 0)
			return -1;
		if (n > UDP4_PAYLOAD_OFF && ip_get_be16(buf + 12) == 0x0800 &&
		    buf[ETH_HDR_LEN + 9] == IPPROTO_UDP &&
		    ip_get_be16(buf + IP4_L4_OFF) == 67)
			return n - UDP4_PAYLOAD_OFF;
	}
	return -1;
}

/* Whether DHCP reply P (LEN bytes) is of TYPE and leases ADDR/16 with
 * router GW. */
static bool lease_is(const uint8_t *p, ssize_t len, uint8_t type,
		     const char *addr, const char *gw)
{
	struct in_addr a = pt_a4(addr), g = pt_a4(gw);
	const uint8_t *t, *mask, *router;
	uint8_t tl = 0, ml = 0, rl = 0;

	if (len <= PT_DHCP_OPTS)
		return false;
	t = pt_dhcp_opt(p, (size_t)len, 53, &tl);
	mask = pt_dhcp_opt(p, (size_t)len, 1, &ml);
	router = pt_dhcp_opt(p, (size_t)len, 3, &rl);
	return t && tl == 1 && t[0] == type && !memcmp(p + 16, &a, 4) &&
	       mask && ml == 4 && !memcmp(mask, "\xff\xff\0\0", 4) &&
	       router && rl == 4 && !memcmp(router, &g, 4);
}

/* An offline host (a namespace with only lo): vunetd runs in local mode,
 * as passt.  The guest's lease is 169.254.2.1/16 via 169.254.2.2; that
 * gateway leads to the host's 127.0.0.1, and fe80::1 to its ::1. */
TEST(local_mode_guest_gets_link_local_lease_and_reaches_host_loopback)
{
	static uint8_t buf[PT_FRAME_MAX];
	struct pt_dhcp_msg m;
	struct in_addr server;
	uint16_t port4, port6;
	const char *why;
	int l4, l6;
	ssize_t n;

	NEED_VUNETD();
	why = netns_enter();
	if (why)
		SKIP("%s", why);
	l4 = ft_listen_tcp(AF_INET, &port4);
	l6 = ft_listen_tcp(AF_INET6, &port6);
	CHECK(l4 >= 0 && l6 >= 0);
	CHECK_INT(start_vunetd_args((const char *[]){ NULL }), 0);
	pt_dhcp_init(&m, 1); /* DISCOVER */
	pt_dhcp_end(&m);
	n = dhcp_exchange(&m, buf);
	CHECK(lease_is(buf + UDP4_PAYLOAD_OFF, n, 2, LOCAL_GUEST,
		       LOCAL_GATEWAY));
	server = pt_a4(LOCAL_GATEWAY);
	pt_dhcp_init(&m, 3); /* REQUEST */
	pt_dhcp_add(&m, 50, buf + UDP4_PAYLOAD_OFF + 16, 4);
	pt_dhcp_add(&m, 54, &server, 4);
	pt_dhcp_end(&m);
	n = dhcp_exchange(&m, buf);
	CHECK(lease_is(buf + UDP4_PAYLOAD_OFF, n, 5, LOCAL_GUEST,
		       LOCAL_GATEWAY));
	ping_pong_with_host(AF_INET, LOCAL_GUEST, LOCAL_GATEWAY, l4, port4);
	if (test_failed())
		return;
	ping_pong_with_host(AF_INET6, GUEST_LL, "fe80::1", l6, port6);
}

TEST(forwarded_port_through_vunetd_reaches_guest)
{
	static uint8_t buf[PT_FRAME_MAX];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct ft_seg r;
	char spec[16];
	uint16_t port = ft_closed_port(AF_INET, SOCK_STREAM);
	int h, i;

	NEED_VUNETD();
	NETNS_NEED_ROUTES(); /* -a applies */
	snprintf(spec, sizeof(spec), "%u", port);
	CHECK_INT(start_vunetd("-t", spec), 0);
	/* a frame from the guest first: vunetd learns its MAC */
	{
		struct ft_seg s = seg(GUEST_PORT, 9, 1, 0, FT_RST);

		send_seg(&s);
	}
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* the unix socket listens before the forwarded ports do */
	for (i = 0, h = -1; i < 200 && h < 0; i++) {
		h = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		CHECK(h >= 0);
		if (connect(h, (struct sockaddr *)&sin, sizeof(sin))) {
			close(h);
			h = -1;
			usleep(10000);
		}
	}
	CHECK(h >= 0);
	CHECK_INT(recv_tcp(buf, &r), 0);
	CHECK_INT(r.flags, FT_SYN);
	CHECK_INT(r.dport, port);
	CHECK(!memcmp(&r.saddr.a4, &(struct in_addr){ pt_a4(GATEWAY).s_addr },
		      4));
	close(h);
}

TEST(udp_through_vunetd_gets_a_reply)
{
	static uint8_t buf[PT_FRAME_MAX], frame[PT_FRAME_MAX];
	struct sockaddr_in from;
	socklen_t sl = sizeof(from);
	struct pollfd p;
	uint16_t port;
	char got[16];
	ssize_t n;
	int s, i;

	NEED_VUNETD();
	NETNS_NEED_ROUTES(); /* -a applies */
	s = ft_bind_udp(AF_INET, &port);
	CHECK(s >= 0);
	CHECK_INT(start_vunetd(NULL, NULL), 0);
	to_vunetd(frame, pt_udp4(frame, pt_a4(GUEST), GUEST_PORT,
				 pt_a4(GATEWAY), port, "q?", 2));
	p.fd = s;
	p.events = POLLIN;
	CHECK_INT(poll(&p, 1, 3000), 1);
	CHECK_INT(recvfrom(s, got, sizeof(got), 0, (struct sockaddr *)&from,
			   &sl), 2);
	CHECK(sendto(s, "a!", 2, 0, (struct sockaddr *)&from, sl) == 2);
	for (i = 0; i < 20; i++) {
		n = from_vunetd(buf, sizeof(buf), 3000);
		CHECK(n > 0);
		if (ip_get_be16(buf + 12) == 0x0800 &&
		    buf[ETH_HDR_LEN + 9] == IPPROTO_UDP)
			break;
	}
	CHECK(i < 20);
	CHECK(pt_ip4_checksums_ok(buf, (size_t)n));
	CHECK(!memcmp(buf + UDP4_PAYLOAD_OFF, "a!", 2));
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
