/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The flow table: one entry per conversation between the guest and the
 * outside world, shared by TCP, UDP (and ICMP echo).
 *
 * A flow is named by its key: protocol, the guest's address and port, and
 * the remote address and port the guest talks to (as the guest sees them:
 * the gateway address stays the gateway address, even though the host
 * socket behind it is connected to loopback).  IPv4 addresses are stored
 * IPv4-mapped, so one key type serves both families.
 *
 * The table is sized once, at start (flow_init()), and never allocates
 * afterwards: a fixed array of flows, a stack of free indexes, and an
 * open-addressing hash index (linear probing, at most half full) from key
 * to flow index.  A flow's index is stable for its lifetime, so epoll
 * references carry it and handlers never search (see epoll_ref.h); a slot's
 * generation (gen), bumped by flow_new(), tells an event of the flow now in
 * a slot from a late one of the flow that had it before.
 *
 * When the table is full, flow_new() returns NULL: the protocol refuses the
 * new conversation (TCP RST, ICMP unreachable), existing flows are not
 * touched, and a line is logged at most once per FLOW_FULL_LOG_INTERVAL_S.
 *
 * The per-protocol state lives here as plain data (struct flow_tcp,
 * struct flow_udp) so every flow has the same size; its meaning belongs to
 * tcp.c and udp.c.  The table knows nothing of sockets: freeing a flow
 * whose socket is still open is the protocol's bug, not the table's.
 *
 * Also here, because TCP and UDP share it: the translation between the
 * guest's view of a flow and its host socket (flow_host_sockaddr(),
 * flow_bind_outbound(), flow_inbound_addrs()): the gateway address means
 * the host's loopback (unless --map-host-loopback none), the
 * --map-guest-addr address means the host's own address (which the guest
 * shares), the --dns-forward address means the host's resolver, and -o /
 * --outbound-if choose the source.
 */
#ifndef VUNET_BACKEND_FLOW_H
#define VUNET_BACKEND_FLOW_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

struct ctx;
struct fwd_bind;
struct fwd_ports;

/* passt's default is of the same order; a few MiB of memory. */
#define FLOW_DEFAULT_CAPACITY 65536
/* The epoll reference has 24 bits for a flow index. */
#define FLOW_MAX_CAPACITY (1U << 24)
#define FLOW_FULL_LOG_INTERVAL_S 1

enum flow_type {
	FLOW_FREE = 0,
	FLOW_TCP,
	FLOW_UDP,
	FLOW_ICMP,
};

/* Compared with memcmp(): build keys with flow_key_set() only. */
struct flow_key {
	struct in6_addr gaddr; /* guest side */
	struct in6_addr raddr; /* remote side, as the guest addresses it */
	uint16_t gport, rport;
	uint8_t proto;         /* IPPROTO_TCP, IPPROTO_UDP, ... */
	uint8_t pad[3];
};

/* TCP state, used by tcp.c (see its theory of operation). */
struct flow_tcp {
	uint32_t events;        /* TCP_EV_* reached so far */
	uint32_t seq_to_guest;  /* next sequence number we send */
	uint32_t seq_acked_by_guest; /* guest's latest ACK: data before it
				      * has been taken off the socket */
	uint32_t seq_max_to_guest; /* end of the data sent before the latest
				    * rewind: the guest may acknowledge up
				    * to it, ahead of seq_to_guest */
	uint32_t seq_from_guest; /* next byte expected from the guest */
	uint32_t seq_acked_to_guest; /* last ACK number sent to the guest */
	uint32_t wnd_from_guest; /* guest's receive window, in bytes */
	uint32_t wnd_to_guest;  /* window we last announced, in bytes */
	uint16_t mss_to_guest;  /* largest payload the guest accepts */
	uint8_t wscale_from_guest; /* shift for the guest's windows */
	uint8_t wscale_to_guest;   /* shift for the windows we announce */
	uint8_t dup_acks;
	uint8_t retries;
	uint8_t probes;         /* zero-window probes since the window shut */
	uint64_t data_sent_ms;  /* last time data went to the guest */
	uint64_t active_ms;     /* last time anything happened */
	uint64_t data_from_guest_ms; /* last time the socket took guest data */
};

/* UDP state, used by udp.c. */
struct flow_udp {
	uint64_t active_ms;
	uint16_t bound_port;    /* host socket's local port */
	bool guest_rx_full;     /* not read (no EPOLLIN) until the guest
				 * has room: see udp.c */
};

struct flow {
	struct flow_key key;
	uint8_t type; /* enum flow_type; FLOW_FREE for an unused slot */
	uint8_t af;   /* AF_INET or AF_INET6, for the protocols' convenience */
	uint16_t gen; /* bumped each time the slot is taken: tells a flow
		       * from an earlier one in the same slot (epoll_ref.h) */
	int sock;     /* host socket, -1 if none */
	union {
		struct flow_tcp tcp;
		struct flow_udp udp;
	};
};

/* Builds a key.  AF: AF_INET (addresses are struct in_addr *) or AF_INET6
 * (struct in6_addr *).  Ports in host order. */
void flow_key_set(struct flow_key *key, uint8_t proto, int af,
		  const void *gaddr, uint16_t gport, const void *raddr,
		  uint16_t rport);

/* Allocates the table for CAPACITY flows (0: FLOW_DEFAULT_CAPACITY).
 * Returns 0, -EINVAL (capacity too large) or -ENOMEM. */
int flow_init(unsigned capacity);
/* Releases the table (the protocols have closed their sockets). */
void flow_fini(void);

/* The flow with KEY, or NULL. */
struct flow *flow_lookup(const struct flow_key *key);
/* A new, zeroed flow of TYPE for KEY (which must not be in the table),
 * with sock = -1.  NULL when the table is full (counted and logged,
 * rate-limited). */
struct flow *flow_new(const struct flow_key *key, enum flow_type type);
/* Returns F's slot to the table. */
void flow_free(struct flow *f);

/* Index of F, for epoll references. */
unsigned flow_idx(const struct flow *f);
/* The flow at IDX, or NULL if IDX is out of range or free. */
struct flow *flow_at(unsigned idx);
/* One past the highest index ever used: iterate [0, flow_end()) with
 * flow_at() to visit every flow. */
unsigned flow_end(void);

unsigned flow_count(void);
unsigned flow_capacity(void);
/* New flows refused because the table was full. */
uint64_t flow_refused_full(void);

union flow_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

/* Where the host socket of a guest-initiated flow with KEY connects (see
 * above).  Returns the address length, or 0 if the guest's destination is
 * not one vunetd reaches: unspecified, multicast, broadcast, or loopback
 * (the guest's loopback is its own). */
socklen_t flow_host_sockaddr(const struct ctx *c, const struct flow_key *key,
			     union flow_sockaddr *sa);
/* Binds socket S, about to connect to DST, for a guest-initiated flow:
 * the outbound address and interface when configured (not towards
 * loopback), and PORT when nonzero (the guest's source port, kept where
 * the host allows it: if it is taken, any port will do).  Returns 0 or a
 * negative errno. */
int flow_bind_outbound(const struct ctx *c, int s,
		       const union flow_sockaddr *dst, uint16_t port);
/* A socket of TYPE (SOCK_STREAM, SOCK_DGRAM) bound to forwarded host
 * PORT on the address and interface of bind B (a -t/-u spec's), with
 * SO_REUSEADDR.  Any address means the enabled families: one IPv6 socket
 * for both, IPv6 only (IPV6_V6ONLY) if IPv4 is disabled, IPv4 only if
 * IPv6 is.  Returns the socket (non-blocking) or a negative errno:
 * -EAFNOSUPPORT for an address of a disabled family. */
int flow_bind_forwarded(const struct ctx *c, const struct fwd_bind *b,
			unsigned port, int type);

/* A socket listening on a forwarded host port. */
struct flow_listener {
	int fd;
	uint16_t port;
	uint64_t paused_ms; /* TCP: when accept() ran out of descriptors
			     * and it stopped asking for EPOLLIN; 0: not */
	bool guest_rx_full; /* UDP: not read (no EPOLLIN) until the guest
			     * has room */
};

/* The listening sockets of one protocol's forwarded ports (-t or -u),
 * kept by tcp.c and udp.c: an epoll reference's index is an entry's. */
struct flow_listeners {
	struct flow_listener *l; /* sized once, by flow_listen_forwarded() */
	unsigned n;
};

/* Opens a socket of TYPE (SOCK_STREAM: listening) on each forwarded port
 * of FWD, on each of its addresses (flow_bind_forwarded()), into LS, in
 * C's epoll loop with EPOLL_TYPE and the entry's index.  As passt: a port
 * named explicitly that cannot be bound is an error ("Failed to bind
 * port P (why) for option '-t SPEC'"); with "all" (or only "~"
 * exclusions) ports that cannot be bound are left out, and it is an error
 * only when none could be bound; running out of descriptors is always
 * one.  An address of a disabled family is logged once and skipped.
 * Returns how many sockets were opened, or a negative errno (logged;
 * LS is then empty again); -EBUSY if LS already holds some. */
int flow_listen_forwarded(struct ctx *c, const struct fwd_ports *fwd,
			  int type, int epoll_type, struct flow_listeners *ls);
/* Closes LS's sockets and empties it. */
void flow_listen_close(struct ctx *c, struct flow_listeners *ls);
/* The entry of LS an epoll event with index IDX and descriptor FD is for,
 * or NULL if it is not (any more) one of LS's. */
const struct flow_listener *flow_listener_at(const struct flow_listeners *ls,
					     unsigned idx, int fd);

/* Records ADDR (family AF), the source of a packet from the guest (TCP,
 * UDP, ICMP echo, NDP; an ARP sender), as the address the guest uses
 * (ctx's "seen" fields): inbound flows and replies go to it.  Unspecified
 * and multicast sources teach nothing; an IPv6 link-local one is kept
 * apart (addr_ll_seen). */
void flow_guest_addr_seen(struct ctx *c, int af, const void *addr);

/* An address of either family, as IP headers carry it. */
union flow_ipaddr {
	struct in_addr a4;
	struct in6_addr a6;
};

/* For a connection or datagram from host peer PEER to a forwarded port
 * (-t / -u): the guest's address GADDR, and the remote address RADDR and
 * port RPORT as the guest sees them: the peer's own, except the host
 * itself: loopback appears as the gateway address, the address the host
 * shares with the guest as the --map-guest-addr address (else as the
 * gateway too).  Returns the family the guest sees
 * (AF_INET for IPv4-mapped peers), or 0 if it cannot be shown to the
 * guest (family disabled; no guest IPv6 address known yet, as in local
 * mode without -a; or host-local with --map-host-loopback none). */
int flow_inbound_addrs(const struct ctx *c, const union flow_sockaddr *peer,
		       union flow_ipaddr *gaddr, union flow_ipaddr *raddr,
		       uint16_t *rport);
/* The IPv4 address in a key address, for AF_INET flows. */
static inline struct in_addr flow_addr_v4(const struct in6_addr *a)
{
	struct in_addr v4;

	__builtin_memcpy(&v4, &a->s6_addr[12], sizeof(v4));
	return v4;
}

static inline uint64_t flow_timespec_ms(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000 + (uint64_t)ts->tv_nsec / 1000000;
}

/* Monotonic time in ms for the activity stamps (a vDSO call: no
 * syscall, cheap enough per batch). */
static inline uint64_t flow_now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return flow_timespec_ms(&now);
}

static inline bool flow_addr_is_v4(const struct in6_addr *a)
{
	return IN6_IS_ADDR_V4MAPPED(a);
}

#endif /* VUNET_BACKEND_FLOW_H */
