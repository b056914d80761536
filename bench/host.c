// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Loopback peers for the benchmark (see host.h for the roles).
 *
 * Each peer thread runs one poll loop over its listening socket (if any)
 * and its connections.  Sockets are non-blocking so a slow or vanished
 * flow never stalls the others or the stop check; a connection that ends
 * or fails is closed and dropped from the set.  Buffers are sized for the
 * largest datagram (64 KiB) and allocated once at start.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/host.h"

#define PEER_BUF_BYTES (1 << 17)
#define PEER_POLL_MS 20

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void add_fd(struct bench_peer *p, int fd)
{
	int one = 1;

	if (p->n_fds == BENCH_PEER_MAX_FDS) {
		close(fd);
		return;
	}
	set_nonblock(fd);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	p->fds[p->n_fds++] = fd;
}

static void drop_fd(struct bench_peer *p, unsigned i)
{
	close(p->fds[i]);
	p->fds[i] = p->fds[--p->n_fds];
}

uint64_t bench_peer_bytes(struct bench_peer *p)
{
	return __atomic_load_n(&p->bytes, __ATOMIC_RELAXED);
}

static void count(struct bench_peer *p, size_t n)
{
	__atomic_fetch_add(&p->bytes, n, __ATOMIC_RELAXED);
}

/* Serves connection I once it polled ready.  Returns false to drop it. */
static bool serve_tcp(struct bench_peer *p, unsigned i)
{
	ssize_t n;

	if (p->role == BENCH_TCP_SOURCE) {
		n = send(p->fds[i], p->buf, PEER_BUF_BYTES, MSG_NOSIGNAL);
		if (n > 0)
			count(p, (size_t)n);
		return n > 0 || errno == EAGAIN;
	}
	n = recv(p->fds[i], p->buf, PEER_BUF_BYTES, 0);
	if (n <= 0)
		return n < 0 && errno == EAGAIN;
	count(p, (size_t)n);
	if (p->role == BENCH_TCP_ECHO)
		send(p->fds[i], p->buf, (size_t)n, MSG_NOSIGNAL);
	return true;
}

static void serve_udp(struct bench_peer *p)
{
	struct sockaddr_in from;
	socklen_t from_len = sizeof(from);
	ssize_t n;
	unsigned burst;

	/* Bounded burst: the stop flag is checked between bursts. */
	for (burst = 0; burst < 1024; burst++) {
		n = recvfrom(p->listen_fd, p->buf, PEER_BUF_BYTES, 0,
			     (struct sockaddr *)&from, &from_len);
		if (n < 0)
			return;
		count(p, (size_t)n);
		if (p->role == BENCH_UDP_ECHO)
			sendto(p->listen_fd, p->buf, (size_t)n, 0,
			       (struct sockaddr *)&from, from_len);
	}
}

static void poll_round(struct bench_peer *p)
{
	struct pollfd pfd[BENCH_PEER_MAX_FDS + 1];
	short ev = p->role == BENCH_TCP_SOURCE ? POLLOUT : POLLIN;
	unsigned i, n = 0;

	if (p->listen_fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = p->listen_fd, .events = POLLIN };
	for (i = 0; i < p->n_fds; i++)
		pfd[n++] = (struct pollfd){ .fd = p->fds[i], .events = ev };
	if (poll(pfd, n, PEER_POLL_MS) <= 0)
		return;
	if (p->listen_fd >= 0 && pfd[0].revents) {
		if (p->role == BENCH_UDP_SINK || p->role == BENCH_UDP_ECHO) {
			serve_udp(p);
		} else {
			int fd = accept(p->listen_fd, NULL, NULL);

			if (fd >= 0)
				add_fd(p, fd);
		}
	}
	/* From the end, so dropping (which moves the last in) is safe. */
	for (i = p->n_fds; i-- > 0;)
		if (pfd[i + (p->listen_fd >= 0)].revents &&
		    !serve_tcp(p, i))
			drop_fd(p, i);
}

static void *peer_main(void *arg)
{
	struct bench_peer *p = arg;

	while (!__atomic_load_n(&p->stop, __ATOMIC_RELAXED))
		poll_round(p);
	return NULL;
}

static int open_listener(struct bench_peer *p)
{
	bool udp = p->role == BENCH_UDP_SINK || p->role == BENCH_UDP_ECHO;
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) |
			SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int bufsize = 4 << 20;

	if (fd < 0)
		return -errno;
	if (udp)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    (!udp && listen(fd, 64)) ||
	    getsockname(fd, (struct sockaddr *)&a, &len)) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	p->listen_fd = fd;
	p->port = ntohs(a.sin_port);
	return 0;
}

static int open_sources(struct bench_peer *p)
{
	struct sockaddr_in a = loopback(p->port);
	unsigned i;

	for (i = 0; i < p->n_flows && i < BENCH_PEER_MAX_FDS; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
			int rc = -errno;

			if (fd >= 0)
				close(fd);
			return rc;
		}
		add_fd(p, fd);
	}
	return 0;
}

int bench_peer_start(struct bench_peer *p)
{
	int rc;

	p->listen_fd = -1;
	p->n_fds = 0;
	p->bytes = 0;
	p->stop = false;
	p->buf = calloc(1, PEER_BUF_BYTES);
	if (!p->buf)
		return -ENOMEM;
	rc = p->role == BENCH_TCP_SOURCE ? open_sources(p) : open_listener(p);
	if (!rc)
		rc = -pthread_create(&p->thread, NULL, peer_main, p);
	if (rc) {
		fprintf(stderr, "vunet-bench: loopback peer on port %u: %s\n",
			p->port, strerror(-rc));
		bench_peer_stop(p);
		return rc;
	}
	p->started = true;
	return 0;
}

void bench_peer_stop(struct bench_peer *p)
{
	if (p->started) {
		__atomic_store_n(&p->stop, true, __ATOMIC_RELAXED);
		pthread_join(p->thread, NULL);
		p->started = false;
	}
	while (p->n_fds)
		drop_fd(p, p->n_fds - 1);
	if (p->listen_fd >= 0)
		close(p->listen_fd);
	p->listen_fd = -1;
	free(p->buf);
	p->buf = NULL;
}

uint16_t bench_free_port(void)
{
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof(a);
	uint16_t port = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}
