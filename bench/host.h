/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host side of the benchmark: ordinary sockets on 127.0.0.1 that the
 * back-end's flows reach (through the gateway address, which the back-ends
 * map to loopback) or that reach the guest (through a -t forward).
 *
 * Theory of operation.  A struct bench_peer is one thread with one role:
 *  - TCP_SINK / UDP_SINK: listen (or bind) on an ephemeral port, read
 *    everything, count bytes;
 *  - TCP_SOURCE: connect N times to a given port (the back-end's forward,
 *    or a sink for the loopback ceiling) and write as fast as it can;
 *  - TCP_ECHO / UDP_ECHO: send every byte or datagram straight back (the
 *    request/response scenarios), accepting any number of connections.
 * The thread polls at most BENCH_PEER_MAX_FDS sockets with a short timeout
 * and checks its stop flag every round, so bench_peer_stop() returns in
 * bounded time.  Byte counters are atomics the measuring thread samples.
 * Nothing here talks to anything but 127.0.0.1.
 */
#ifndef VUNET_BENCH_HOST_H
#define VUNET_BENCH_HOST_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define BENCH_PEER_MAX_FDS 16

enum bench_peer_role {
	BENCH_TCP_SINK,
	BENCH_TCP_SOURCE,
	BENCH_TCP_ECHO,
	BENCH_UDP_SINK,
	BENCH_UDP_ECHO,
};

struct bench_peer {
	enum bench_peer_role role;
	uint16_t port;        /* listening/bound port, or the one to connect to */
	unsigned n_flows;     /* TCP_SOURCE: connections to open */
	int listen_fd;
	int fds[BENCH_PEER_MAX_FDS];
	unsigned n_fds;
	uint64_t bytes;       /* atomic: bytes read (sinks) or written */
	bool stop;            /* atomic */
	bool started;
	pthread_t thread;
	uint8_t *buf;
};

/* Starts P (role and, for TCP_SOURCE, port and n_flows set by the
 * caller).  Listening roles bind 127.0.0.1:0 and set P->port.  0 or a
 * negative errno (printed). */
int bench_peer_start(struct bench_peer *p);
void bench_peer_stop(struct bench_peer *p);
uint64_t bench_peer_bytes(struct bench_peer *p);

/* A free TCP+UDP port on 127.0.0.1 right now (for -t/-u), or 0. */
uint16_t bench_free_port(void);

#endif /* VUNET_BENCH_HOST_H */
