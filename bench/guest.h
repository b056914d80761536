/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The benchmark's guest: just enough of an IPv4 host to load a vhost-user
 * network back-end, running on the test front-end (tests/backend/frontend.h)
 * instead of an emulated CPU.
 *
 * Theory of operation.  struct bench_guest owns the front-end and a small
 * table of TCP connections and one UDP endpoint.  bench_guest_poll() is the
 * whole "guest kernel": it refills the RX ring, parses every received frame
 * (ARP replies, TCP segments, UDP datagrams for our address), sends the ACKs
 * the batch asked for, retransmits on a timeout (go-back-N: the back-ends
 * only drop when a host socket is full, so nothing smarter is needed), and
 * waits briefly on the call eventfds when nothing moved.  Senders push data
 * with bench_tcp_push()/bench_udp_send(); received in-order bytes are only
 * counted (payload is zeros and never inspected), unless a connection has
 * data hooks (struct bench_tcp_data): then its payload comes from the
 * hook's generator and in-order received bytes are handed to its sink, so
 * a test can check what went through (the cost is the test's, not the
 * benchmark's: connections without hooks keep zero payloads).
 *
 * TCP as far as a benchmark needs it: active open (SYN with MSS and window
 * scale options), passive open for connections the back-end forwards (-t),
 * in-order data with cumulative ACKs and a large fixed receive window, FIN
 * in both directions.  No SACK, no congestion control (loopback behind the
 * back-end; the back-end's window is the only limit), no timestamps.
 *
 * Offloads, as a Linux guest's virtio-net driver negotiates them, when the
 * back-end offers them (otherwise everything is as without them): with
 * CSUM our TCP/UDP frames carry NEEDS_CSUM and only the pseudo-header sum;
 * with HOST_TSO4 a TCP frame carries up to 64 KiB (gso_size = the
 * back-end's MSS) whatever the MTU; with GUEST_CSUM/GUEST_TSO4 the
 * back-end may send DATA_VALID, partial-checksum and 64 KiB frames, taken
 * as they come (received checksums are never verified anyway; a large
 * frame counts as the segments it stands for, as GRO would).
 *
 * Every wait is bounded; nothing here allocates after bench_guest_new().
 * Addresses are fixed: guest 10.0.2.15, gateway 10.0.2.2 (the back-ends
 * are started with -a/-g so, and map the gateway to the host's loopback).
 */
#ifndef VUNET_BENCH_GUEST_H
#define VUNET_BENCH_GUEST_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "tests/backend/frontend.h"

#define BENCH_MAX_CONNS 8

enum bench_tcp_state {
	BENCH_TCP_CLOSED,
	BENCH_TCP_SYN_SENT,
	BENCH_TCP_ESTABLISHED,
	BENCH_TCP_FIN_SENT,   /* our FIN out, waiting for its ACK / peer FIN */
	BENCH_TCP_DONE,       /* both FINs exchanged and acknowledged */
};

/* Optional payload hooks of a connection (tests that check the data).
 * fill() writes LEN bytes of the outgoing stream from byte OFFSET (it is
 * asked again for retransmitted bytes: it must give the same bytes);
 * sink() gets the received stream, in order, each byte once. */
struct bench_tcp_data {
	void (*fill)(void *opaque, uint64_t offset, uint8_t *dst, uint32_t len);
	void (*sink)(void *opaque, const uint8_t *data, uint32_t len);
	void *opaque;
};

struct bench_tcp_conn {
	enum bench_tcp_state state;
	const struct bench_tcp_data *data; /* NULL: zero payloads, counted */
	uint32_t snd_base;            /* sequence number of stream byte 0 */
	bool passive;                 /* opened by the back-end (-t) */
	bool accepted;                /* passive: handed to the caller */
	bool fin_received, fin_acked;
	bool probing;                 /* a loss probe ending at probe_end is out */
	uint32_t probe_end;
	bool ack_now;                 /* out-of-order data or FIN: ACK at once */
	uint16_t lport, rport;
	uint32_t snd_una, snd_nxt, snd_end; /* snd_end: bytes queued so far */
	uint32_t snd_wnd_bytes;       /* peer's window, scaled */
	uint32_t rcv_nxt;
	uint8_t peer_wscale;
	uint16_t mss;
	unsigned dupacks, unacked_segs;
	uint64_t last_ack_ns;         /* last progress of snd_una */
	uint64_t rx_bytes;            /* in-order payload received */
	uint64_t acked_bytes;
};

struct bench_guest {
	struct fe *fe;
	uint8_t mac[6], gw_mac[6];
	bool gw_mac_known;
	struct in_addr addr, gw;
	unsigned mtu;
	uint32_t rx_buf_len;          /* bytes per posted RX buffer */
	bool tx_csum;                 /* CSUM: send partial checksums */
	bool tx_tso;                  /* HOST_TSO4: send up to 64 KiB frames */
	/* Scratch frames: TCP, UDP (payload areas stay zero), received. */
	uint8_t *tx_frame, *udp_frame, *rx_frame;
	uint16_t listen_port;         /* accepting forwarded SYNs, 0: none */
	/* Data hooks of connections accepted from now on (NULL: none); set
	 * before bench_tcp_accept(): data may follow the handshake at once. */
	const struct bench_tcp_data *accept_data;
	struct bench_tcp_conn conn[BENCH_MAX_CONNS];
	unsigned n_conns;
	uint16_t next_port;
	/* UDP: one local port; counts what came back. */
	uint16_t udp_lport;
	uint64_t udp_rx_datagrams, udp_rx_bytes;
	/* Counters of what this guest saw go wrong. */
	uint64_t tx_ring_full, rx_bad, retransmits;
	uint64_t rx_bad_csum; /* TCP checksums wrong (checked connections) */
};

/* Creates guest memory sized for MTU, connects to the back-end's socket
 * (waiting up to TIMEOUT_MS for it) and does QEMU's handshake, asking for
 * the checksum and segmentation offloads if OFFLOADS.  NULL on error
 * (printed). */
struct bench_guest *bench_guest_new(const char *socket_path, unsigned mtu,
				    unsigned queue_size, int timeout_ms,
				    bool offloads);
void bench_guest_free(struct bench_guest *g);
/* The offloads negotiated, as "csum+guest_csum+..." or "none", in BUF. */
const char *bench_guest_offloads(const struct bench_guest *g, char *buf,
				 size_t size);

/* Learns the gateway's MAC with ARP.  0 or -ETIMEDOUT. */
int bench_guest_arp(struct bench_guest *g, int timeout_ms);

/* One round of the guest's work; waits up to WAIT_MS when idle. */
void bench_guest_poll(struct bench_guest *g, int wait_ms);

/* Opens a connection to the gateway's PORT.  Returns the connection or
 * NULL (table full); bench_tcp_wait_established() waits for it. */
struct bench_tcp_conn *bench_tcp_connect(struct bench_guest *g,
					 uint16_t port);
int bench_tcp_wait_established(struct bench_guest *g,
			       struct bench_tcp_conn *c, int timeout_ms);
/* Accepts the back-end's connection to local PORT (a -t forward), waiting
 * up to TIMEOUT_MS for its SYN.  NULL on timeout.  From the first call on,
 * SYNs to PORT are answered, so several flows can be accepted in turn. */
struct bench_tcp_conn *bench_tcp_accept(struct bench_guest *g, uint16_t port,
					int timeout_ms);
/* Queues LEN more bytes to send on C (sent as window and ring allow). */
void bench_tcp_push(struct bench_tcp_conn *c, uint32_t len);
/* Sends our FIN once queued data is out; then waits (bounded) until both
 * sides closed.  0 or -ETIMEDOUT. */
int bench_tcp_close(struct bench_guest *g, struct bench_tcp_conn *c,
		    int timeout_ms);
/* Forgets every connection (after a scenario). */
void bench_tcp_reset_table(struct bench_guest *g);

/* Sends one UDP datagram of LEN zero bytes to the gateway's PORT from
 * g->udp_lport.  0, or -ENOSPC when the TX ring is full. */
int bench_udp_send(struct bench_guest *g, uint16_t port, unsigned len);

#endif /* VUNET_BENCH_GUEST_H */
