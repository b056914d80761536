// SPDX-License-Identifier: GPL-2.0-or-later
/* TCP and UDP through the real vunetd program: the test is QEMU's
 * "stream" front-end on vunetd's unix socket (4-byte length + frame) and
 * the host-side peers are loopback sockets.  This checks what the unit
 * tests cannot: that vunetd's loop wires the flow table, the handlers,
 * the socket events and -t/-u forwarding together. */
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
#include "tests/backend/test_flow_harness.h"
#include "tests/harness.h"

#define GUEST "10.0.2.15"
#define GATEWAY "10.0.2.2"
#define GUEST_PORT 40000
#define GUEST_ISN 1000u

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

/* Starts vunetd in the foreground with EXTRA arguments (NULL or one
 * option and its value) and connects to it.  Returns 0 or -1. */
static int start_vunetd(const char *opt, const char *val)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int i;

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
		execl(VUNETD_PATH, "vunetd", "-a", GUEST, "-n", "24", "-g",
		      GATEWAY, "-4", "-f", "-s", sock_path, opt, val,
		      (char *)NULL);
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

static struct ft_seg seg(uint16_t sport, uint16_t dport, uint32_t seq,
			 uint32_t ack, uint8_t flags)
{
	struct ft_seg s = { .af = AF_INET, .sport = sport, .dport = dport,
			    .seq = seq, .ack = ack, .flags = flags,
			    .wnd = 65535, .wscale = -1 };

	s.saddr.a4 = pt_a4(GUEST);
	s.daddr.a4 = pt_a4(GATEWAY);
	return s;
}

static void send_seg(const struct ft_seg *s)
{
	static uint8_t frame[PT_FRAME_MAX];

	to_vunetd(frame, ft_tcp_frame(frame, s));
}

#define NEED_VUNETD()                                                     \
	do {                                                              \
		if (access(VUNETD_PATH, X_OK))                            \
			SKIP("%s is not built", VUNETD_PATH);             \
	} while (0)

TEST(guest_connection_through_vunetd_carries_data_both_ways)
{
	static uint8_t buf[PT_FRAME_MAX];
	struct ft_seg s, r;
	uint16_t port;
	char got[32];
	int l, h;

	NEED_VUNETD();
	l = ft_listen_tcp(AF_INET, &port);
	CHECK(l >= 0);
	CHECK_INT(start_vunetd(NULL, NULL), 0);
	s = seg(GUEST_PORT, port, GUEST_ISN, 0, FT_SYN);
	s.mss = 1460;
	send_seg(&s);
	CHECK_INT(recv_tcp(buf, &r), 0);
	CHECK_INT(r.flags, FT_SYN | FT_ACK);
	CHECK_INT(r.ack, GUEST_ISN + 1);
	s = seg(GUEST_PORT, port, GUEST_ISN + 1, r.seq + 1, FT_ACK | FT_PSH);
	s.payload = (const uint8_t *)"ping";
	s.len = 4;
	send_seg(&s);
	h = accept(l, NULL, NULL);
	CHECK(h >= 0);
	CHECK_INT(recv(h, got, sizeof(got), 0), 4);
	CHECK(!memcmp(got, "ping", 4));
	CHECK(send(h, "pong", 4, 0) == 4);
	do
		CHECK_INT(recv_tcp(buf, &r), 0);
	while (!r.len);
	CHECK_INT(r.len, 4);
	CHECK(!memcmp(r.payload, "pong", 4));
	CHECK_INT(r.ack, GUEST_ISN + 5);
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
