// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * e2e-net: the small network tool of the e2e test guest.
 *
 * Theory of operation: busybox gives the guest wget, nc (TCP only), httpd
 * and nslookup, but no UDP client or server, no way to open hundreds of
 * connections at once and no way to time a refused connect.  This tool
 * fills exactly those gaps, one subcommand each, so the guest halves of
 * the data-path tests stay shell scripts:
 *   udp-ask ADDR PORT TEXT      send TEXT in one datagram, print the reply
 *   udp-echo PORT SECONDS       answer every datagram with its own payload
 *                               (IPv4 and IPv6) until SECONDS have passed
 *   tcp-many ADDR PORT N SECONDS
 *                               open N connections at once to an echo
 *                               service, send a distinct line on each,
 *                               expect it back; print how many completed
 *   tcp-connect ADDR PORT SECONDS
 *                               one connect: print "connected", or the
 *                               error, with the time it took in ms
 *   tcp-bulk ADDR PORT SENDFILE RECVFILE SECONDS
 *                               one connection: send SENDFILE, half-close,
 *                               and store everything received in RECVFILE
 *                               (both directions at once)
 * It is built statically on the host (build-guest.sh) and lands in the
 * initramfs as /bin/e2e-net.  Every wait is bounded by the SECONDS given;
 * exit status 0 means the operation did what it says, 1 that it did not,
 * 2 a usage error.  It is test code: it exits on the first setup error
 * with a message on stderr (the guest console).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1024
#define LINE_BYTES 64

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Parses a numeric ADDR PORT into *ss (no resolver: the binary is
 * static); exits on a bad address. */
static socklen_t parse_addr(const char *addr, const char *port,
			    struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	int p = atoi(port);

	memset(ss, 0, sizeof(*ss));
	if (p > 0 && p < 65536 && inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p);
		return sizeof(*sin);
	}
	if (p > 0 && p < 65536 && inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		return sizeof(*sin6);
	}
	fprintf(stderr, "e2e-net: bad address %s port %s\n", addr, port);
	exit(2);
}

static int udp_ask(char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len = parse_addr(argv[0], argv[1], &ss);
	struct pollfd pfd;
	char buf[2048];
	ssize_t n;
	int tries;

	pfd.fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	pfd.events = POLLIN;
	if (pfd.fd < 0 || connect(pfd.fd, (struct sockaddr *)&ss, len) < 0)
		die("udp-ask: socket/connect");
	/* UDP may lose the first datagram while ARP/NDP resolve: 3 tries. */
	for (tries = 0; tries < 3; tries++) {
		if (send(pfd.fd, argv[2], strlen(argv[2]), 0) < 0)
			die("udp-ask: send");
		if (poll(&pfd, 1, 2000) == 1) {
			n = recv(pfd.fd, buf, sizeof(buf) - 1, 0);
			if (n < 0)
				die("udp-ask: recv");
			buf[n] = '\0';
			printf("%s\n", buf);
			return 0;
		}
	}
	fprintf(stderr, "udp-ask: no reply after %d tries\n", tries);
	return 1;
}

static int udp_bind(int family, int port)
{
	struct sockaddr_storage ss = { .ss_family = family };
	int one = 1, fd = socket(family, SOCK_DGRAM, 0);

	if (fd < 0)
		die("udp-echo: socket");
	if (family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	} else {
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	}
	if (bind(fd, (struct sockaddr *)&ss, sizeof(ss)) < 0)
		die("udp-echo: bind");
	return fd;
}

static int udp_echo(char **argv)
{
	struct pollfd pfd[2];
	long end = now_ms() + atol(argv[1]) * 1000L;
	int port = atoi(argv[0]), i;
	unsigned long answered = 0;

	pfd[0].fd = udp_bind(AF_INET, port);
	pfd[1].fd = udp_bind(AF_INET6, port);
	pfd[0].events = pfd[1].events = POLLIN;
	printf("udp-echo: listening on %d\n", port);
	fflush(stdout);
	while (now_ms() < end) {
		if (poll(pfd, 2, 200) <= 0)
			continue;
		for (i = 0; i < 2; i++) {
			struct sockaddr_storage peer;
			socklen_t plen = sizeof(peer);
			char buf[2048];
			ssize_t n;

			if (!(pfd[i].revents & POLLIN))
				continue;
			n = recvfrom(pfd[i].fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&peer, &plen);
			if (n >= 0 && sendto(pfd[i].fd, buf, n, 0,
					     (struct sockaddr *)&peer, plen) == n)
				answered++;
		}
	}
	printf("udp-echo: answered %lu datagrams\n", answered);
	return 0;
}

struct conn {
	int fd;
	int connected;
	size_t got;
	char line[LINE_BYTES];
	size_t len;
};

/* Advances one connection; returns 1 when it completed, -1 on error. */
static int tcp_many_step(struct conn *c, short revents)
{
	char buf[LINE_BYTES];
	ssize_t n;

	if (revents & (POLLERR | POLLHUP) && !(revents & POLLIN))
		return -1;
	if (!c->connected && (revents & POLLOUT)) {
		int err = 0;
		socklen_t el = sizeof(err);

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err)
			return -1;
		c->connected = 1;
		if (send(c->fd, c->line, c->len, 0) != (ssize_t)c->len)
			return -1;
	}
	if (revents & POLLIN) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n <= 0 || c->got + n > c->len ||
		    memcmp(buf, c->line + c->got, n) != 0)
			return -1;
		c->got += n;
		if (c->got == c->len)
			return 1;
	}
	return 0;
}

static int tcp_many(char **argv)
{
	static struct conn conns[MAX_CONNS];
	static struct pollfd pfd[MAX_CONNS];
	struct sockaddr_storage ss;
	socklen_t len = parse_addr(argv[0], argv[1], &ss);
	int n = atoi(argv[2]), i, done = 0, failed = 0, open_left;
	long end = now_ms() + atol(argv[3]) * 1000L;

	if (n < 1 || n > MAX_CONNS)
		return 2;
	for (i = 0; i < n; i++) {
		conns[i].fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (conns[i].fd < 0)
			die("tcp-many: socket");
		conns[i].len = snprintf(conns[i].line, LINE_BYTES,
					"connection %d of %d\n", i + 1, n);
		if (connect(conns[i].fd, (struct sockaddr *)&ss, len) < 0 &&
		    errno != EINPROGRESS)
			die("tcp-many: connect");
		pfd[i].fd = conns[i].fd;
		pfd[i].events = POLLIN | POLLOUT;
	}
	open_left = n;
	while (open_left > 0 && now_ms() < end) {
		if (poll(pfd, n, 200) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			int r;

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			r = tcp_many_step(&conns[i], pfd[i].revents);
			if (conns[i].connected)
				pfd[i].events = POLLIN;
			if (r == 0)
				continue;
			r > 0 ? done++ : failed++;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			open_left--;
		}
	}
	printf("%d of %d connections completed, %d failed, %d unfinished\n",
	       done, n, failed, open_left);
	return done == n ? 0 : 1;
}

static int tcp_connect(char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len = parse_addr(argv[0], argv[1], &ss);
	struct pollfd pfd = { .events = POLLOUT };
	long start = now_ms(), timeout_ms = atol(argv[2]) * 1000L;
	int err = ETIMEDOUT;
	socklen_t el = sizeof(err);

	pfd.fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (pfd.fd < 0)
		die("tcp-connect: socket");
	if (connect(pfd.fd, (struct sockaddr *)&ss, len) == 0)
		err = 0;
	else if (errno != EINPROGRESS)
		err = errno;
	else if (poll(&pfd, 1, timeout_ms) == 1)
		getsockopt(pfd.fd, SOL_SOCKET, SO_ERROR, &err, &el);
	printf("%s after %ld ms\n", err ? strerror(err) : "connected",
	       now_ms() - start);
	return err ? 1 : 0;
}

/* Writes all of buf[0..n) to fd; returns 0 or -1. */
static int write_all(int fd, const char *buf, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w <= 0)
			return -1;
		buf += w;
		n -= w;
	}
	return 0;
}

static int tcp_bulk(char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len = parse_addr(argv[0], argv[1], &ss);
	int in = open(argv[2], O_RDONLY);
	int out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	long end = now_ms() + atol(argv[4]) * 1000L;
	struct pollfd pfd = { .events = POLLIN | POLLOUT };
	static char sbuf[65536], rbuf[65536];
	ssize_t spos = 0, slen = 0, n;
	int sending = 1, receiving = 1;
	unsigned long long sent = 0, got = 0;

	pfd.fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (in < 0 || out < 0 || pfd.fd < 0)
		die("tcp-bulk: open/socket");
	if (connect(pfd.fd, (struct sockaddr *)&ss, len) < 0)
		die("tcp-bulk: connect");
	fcntl(pfd.fd, F_SETFL, O_NONBLOCK);
	while ((sending || receiving) && now_ms() < end) {
		pfd.events = (sending ? POLLOUT : 0) | (receiving ? POLLIN : 0);
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		if (sending && (pfd.revents & (POLLOUT | POLLERR | POLLHUP))) {
			if (spos == slen) {
				slen = read(in, sbuf, sizeof(sbuf));
				spos = 0;
				if (slen <= 0) {
					shutdown(pfd.fd, SHUT_WR);
					sending = 0;
					slen = 0;
				}
			}
			if (slen > spos) {
				n = send(pfd.fd, sbuf + spos, slen - spos, 0);
				if (n < 0 && errno != EAGAIN) {
					perror("tcp-bulk: send");
					break;
				}
				if (n > 0) {
					spos += n;
					sent += n;
				}
			}
		}
		if (receiving && (pfd.revents & (POLLIN | POLLERR | POLLHUP))) {
			n = recv(pfd.fd, rbuf, sizeof(rbuf), 0);
			if (n < 0 && errno != EAGAIN) {
				/* Say how far it got: that locates the bug. */
				perror("tcp-bulk: recv");
				break;
			}
			if (n == 0)
				receiving = 0;
			if (n > 0 && write_all(out, rbuf, n) < 0)
				die("tcp-bulk: write");
			if (n > 0)
				got += n;
		}
	}
	printf("sent %llu bytes, received %llu bytes%s\n", sent, got,
	       sending || receiving ? ", not finished" : "");
	return sending || receiving ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int nargs;
		int (*run)(char **argv);
	} cmds[] = {
		{ "udp-ask", 3, udp_ask },
		{ "udp-echo", 2, udp_echo },
		{ "tcp-many", 4, tcp_many },
		{ "tcp-connect", 3, tcp_connect },
		{ "tcp-bulk", 5, tcp_bulk },
	};
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; argc > 1 && i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) == 0 &&
		    argc - 2 == cmds[i].nargs)
			return cmds[i].run(argv + 2);
	}
	fprintf(stderr, "usage: e2e-net udp-ask|udp-echo|tcp-many|tcp-connect|tcp-bulk ARGS\n");
	return 2;
}
