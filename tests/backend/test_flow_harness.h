/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared set-up for the TCP and UDP tests.
 *
 * On top of proto_harness.h (the test is QEMU's "stream" front-end on a
 * socketpair; the real tap.c dispatches), this installs the TCP and UDP
 * handlers, gives the context an epoll instance for the flows' host
 * sockets (and tcp.c's delayed-ACK timer, tcp_init()), and provides
 * ft_pump(), a bounded stand-in for vunetd's event loop that hands socket
 * events to tcp_sock_handler()/udp_sock_handler() and the timer's to
 * tcp_ack_timer_handler().
 * The host-side peers are ordinary loopback sockets owned by the test, so
 * every byte crosses real kernel sockets.
 *
 * It also builds TCP segments from the guest and parses the ones vunetd
 * sends back, checking their IP and TCP checksums.
 */
#ifndef VUNET_TESTS_FLOW_HARNESS_H
#define VUNET_TESTS_FLOW_HARNESS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "backend/ctx.h"
#include "tests/backend/proto_harness.h"

#define FT_FIN 0x01
#define FT_SYN 0x02
#define FT_RST 0x04
#define FT_PSH 0x08
#define FT_ACK 0x10

/* Sets up C (see above) with a flow table of CAPACITY flows.  Returns 0
 * or -1 with a message on stderr. */
int ft_setup(struct ctx *c, unsigned capacity);
/* Runs the event loop for at most TIMEOUT_MS (returns after the first
 * batch of events). */
void ft_pump(struct ctx *c, int timeout_ms);
/* Next frame vunetd sends the guest, pumping the loop while waiting up
 * to TIMEOUT_MS.  Returns its length, or -1. */
ssize_t ft_recv(struct ctx *c, uint8_t *buf, size_t size, int timeout_ms);

/* A TCP segment from or to the guest. */
struct ft_seg {
	int af;
	union {
		struct in_addr a4;
		struct in6_addr a6;
	} saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	uint16_t mss;   /* MSS option, 0 if none */
	int wscale;     /* window scale option, -1 if none */
	const uint8_t *payload;
	size_t len;
};

/* Builds a guest frame for SEG (ports, addresses, flags...; mss/wscale
 * add those options when set).  Returns the frame length. */
size_t ft_tcp_frame(uint8_t *frame, const struct ft_seg *seg);
/* Parses FRAME as a TCP segment to the guest.  Returns 0, or -1 if it is
 * not TCP or a checksum is wrong. */
int ft_tcp_parse(const uint8_t *frame, size_t len, struct ft_seg *seg);
/* Sends SEG from the guest. */
void ft_tcp_send(struct ctx *c, const struct ft_seg *seg);
/* Receives the next TCP segment to the guest into SEG (payload pointing
 * into BUF).  Returns 0, or -1 on timeout or a bad frame. */
int ft_tcp_recv(struct ctx *c, uint8_t *buf, size_t size, struct ft_seg *seg,
		int timeout_ms);

/* A loopback TCP listener on an ephemeral port; returns the fd. */
int ft_listen_tcp(int af, uint16_t *port);
/* A loopback UDP socket on an ephemeral port; returns the fd. */
int ft_bind_udp(int af, uint16_t *port);
/* A loopback port nothing listens on (TCP and UDP). */
uint16_t ft_closed_port(int af, int type);

#endif /* VUNET_TESTS_FLOW_HARNESS_H */
