// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The flow table (see flow.h for the model).
 *
 * Theory of operation:
 *  - flows[] holds every slot; free slots have type FLOW_FREE.  free_idx[]
 *    is a stack of free indexes, filled so the lowest indexes are handed
 *    out first and the most recently freed slot is reused next: active
 *    flows stay packed at the start, and flow_end() (the high-water mark)
 *    keeps scans by the protocols' timers short.
 *  - hash[] maps keys to indexes.  Its size is a power of two at least
 *    twice the capacity, so it is never more than half full and a probe
 *    sequence always ends at an empty slot quickly.  Deletion shifts later
 *    entries of the same probe run back (no tombstones), so lookups stay
 *    short however long vunetd runs.
 *  - The hash is keyed with a random seed drawn at start: a guest choosing
 *    its ports cannot aim for collisions it cannot compute.
 *
 * Nothing here allocates after flow_init() or logs per packet.  The
 * address translation at the end only computes addresses and binds a
 * socket the protocol has just created.  The forwarded ports' sockets
 * (flow_listen_forwarded()) are opened once, at start, into a table
 * allocated for them then; TCP and UDP each keep one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "backend/ctx.h"
#include "backend/epoll_ref.h"
#include "backend/flow.h"
#include "backend/fwd.h"
#include "util/log.h"

#define HASH_EMPTY UINT32_MAX

static struct {
	struct flow *flows;
	unsigned capacity;
	uint32_t *free_idx; /* stack of free indexes */
	unsigned n_free;
	unsigned end;       /* high-water mark */
	uint32_t *hash;     /* flow index per slot, HASH_EMPTY if none */
	uint32_t hash_mask;
	uint64_t seed[2];
	uint64_t refused_full;
	time_t full_logged_s;
} table;

void flow_key_set(struct flow_key *key, uint8_t proto, int af,
		  const void *gaddr, uint16_t gport, const void *raddr,
		  uint16_t rport)
{
	memset(key, 0, sizeof(*key));
	if (af == AF_INET) {
		key->gaddr.s6_addr[10] = key->gaddr.s6_addr[11] = 0xff;
		key->raddr.s6_addr[10] = key->raddr.s6_addr[11] = 0xff;
		memcpy(&key->gaddr.s6_addr[12], gaddr, 4);
		memcpy(&key->raddr.s6_addr[12], raddr, 4);
	} else {
		memcpy(&key->gaddr, gaddr, sizeof(key->gaddr));
		memcpy(&key->raddr, raddr, sizeof(key->raddr));
	}
	key->gport = gport;
	key->rport = rport;
	key->proto = proto;
}

static uint64_t mix64(uint64_t h)
{
	/* A 64-bit finalizer: every input bit affects every output bit. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint32_t key_hash(const struct flow_key *key)
{
	uint64_t words[sizeof(*key) / sizeof(uint64_t)];
	uint64_t h = table.seed[0];
	size_t i;

	memcpy(words, key, sizeof(words));
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		h = mix64(h ^ words[i] ^ table.seed[1]);
	return (uint32_t)h;
}

static unsigned next_pow2(unsigned long n)
{
	unsigned long p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

int flow_init(unsigned capacity)
{
	unsigned hash_size, i;
	int rc = -ENOMEM;

	if (!capacity)
		capacity = FLOW_DEFAULT_CAPACITY;
	if (capacity > FLOW_MAX_CAPACITY)
		return -EINVAL;

	flow_fini();
	hash_size = next_pow2(2UL * capacity);
	table.flows = calloc(capacity, sizeof(*table.flows));
	table.free_idx = calloc(capacity, sizeof(*table.free_idx));
	table.hash = malloc(hash_size * sizeof(*table.hash));
	if (!table.flows || !table.free_idx || !table.hash)
		goto out;

	memset(table.hash, 0xff, hash_size * sizeof(*table.hash));
	table.hash_mask = hash_size - 1;
	table.capacity = capacity;
	for (i = 0; i < capacity; i++)
		table.free_idx[i] = capacity - 1 - i;
	table.n_free = capacity;
	table.end = 0;
	table.refused_full = 0;
	table.full_logged_s = 0;
	if (getrandom(table.seed, sizeof(table.seed), 0) != sizeof(table.seed))
		table.seed[0] = (uint64_t)time(NULL) ^ (uintptr_t)&table;
	rc = 0;
out:
	if (rc)
		flow_fini();
	return rc;
}

void flow_fini(void)
{
	free(table.flows);
	free(table.free_idx);
	free(table.hash);
	memset(&table, 0, sizeof(table));
}

/* The hash slot holding KEY, or the empty slot where it would go. */
static uint32_t hash_probe(const struct flow_key *key)
{
	uint32_t slot = key_hash(key) & table.hash_mask;

	while (table.hash[slot] != HASH_EMPTY &&
	       memcmp(&table.flows[table.hash[slot]].key, key, sizeof(*key)))
		slot = (slot + 1) & table.hash_mask;
	return slot;
}

struct flow *flow_lookup(const struct flow_key *key)
{
	uint32_t slot;

	if (!table.capacity)
		return NULL;
	slot = hash_probe(key);
	if (table.hash[slot] == HASH_EMPTY)
		return NULL;
	return &table.flows[table.hash[slot]];
}

static void log_table_full(void)
{
	struct timespec now;

	table.refused_full++;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (table.full_logged_s &&
	    now.tv_sec - table.full_logged_s < FLOW_FULL_LOG_INTERVAL_S)
		return;
	table.full_logged_s = now.tv_sec ? now.tv_sec : 1;
	warn("flow table full (%u flows): refusing new flows (%llu so far)",
	     table.capacity, (unsigned long long)table.refused_full);
}

struct flow *flow_new(const struct flow_key *key, enum flow_type type)
{
	struct flow *f;
	uint32_t idx;
	uint16_t gen;

	if (!table.n_free) {
		if (table.capacity)
			log_table_full();
		return NULL;
	}
	idx = table.free_idx[--table.n_free];
	if (idx >= table.end)
		table.end = idx + 1;

	f = &table.flows[idx];
	gen = f->gen;
	memset(f, 0, sizeof(*f));
	f->gen = (uint16_t)(gen + 1);
	f->key = *key;
	f->type = type;
	f->sock = -1;
	table.hash[hash_probe(key)] = idx;
	return f;
}

/* Removes the entry at SLOT, shifting back later entries of its probe run
 * that would otherwise become unreachable. */
static void hash_remove_slot(uint32_t slot)
{
	uint32_t gap = slot, next = slot, home;

	for (;;) {
		next = (next + 1) & table.hash_mask;
		if (table.hash[next] == HASH_EMPTY)
			break;
		home = key_hash(&table.flows[table.hash[next]].key) &
		       table.hash_mask;
		/* The entry at NEXT may move to GAP only if its home slot is
		 * not cyclically within (GAP, NEXT]. */
		if (((next - home) & table.hash_mask) >=
		    ((next - gap) & table.hash_mask)) {
			table.hash[gap] = table.hash[next];
			gap = next;
		}
	}
	table.hash[gap] = HASH_EMPTY;
}

void flow_free(struct flow *f)
{
	unsigned idx = flow_idx(f);
	uint32_t slot;

	if (f->type == FLOW_FREE)
		return;
	slot = hash_probe(&f->key);
	if (table.hash[slot] == idx)
		hash_remove_slot(slot);
	f->type = FLOW_FREE;
	f->sock = -1;
	table.free_idx[table.n_free++] = idx;
	while (table.end && table.flows[table.end - 1].type == FLOW_FREE)
		table.end--;
}

unsigned flow_idx(const struct flow *f)
{
	return (unsigned)(f - table.flows);
}

struct flow *flow_at(unsigned idx)
{
	if (idx >= table.end || table.flows[idx].type == FLOW_FREE)
		return NULL;
	return &table.flows[idx];
}

unsigned flow_end(void)
{
	return table.end;
}

unsigned flow_count(void)
{
	return table.capacity - table.n_free;
}

unsigned flow_capacity(void)
{
	return table.capacity;
}

uint64_t flow_refused_full(void)
{
	return table.refused_full;
}

static bool v4_is_unreachable(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);

	return h == INADDR_ANY || h == INADDR_BROADCAST || IN_MULTICAST(h) ||
	       (h >> 24) == IN_LOOPBACKNET;
}

static socklen_t host_sockaddr4(const struct ctx *c,
				const struct flow_key *key,
				struct sockaddr_in *sin)
{
	struct in_addr dst = flow_addr_v4(&key->raddr);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(key->rport);
	if (!c->no_map_gw && c->ip4.map_host_loopback.s_addr &&
	    dst.s_addr == c->ip4.map_host_loopback.s_addr) {
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*sin);
	}
	/* --map-guest-addr: the host's own address, which the guest
	 * shares by default and so cannot reach directly. */
	if (c->ip4.map_guest_addr.s_addr &&
	    dst.s_addr == c->ip4.map_guest_addr.s_addr) {
		sin->sin_addr = c->ip4.addr;
		return sizeof(*sin);
	}
	/* The host's resolver may well be on loopback (127.0.0.53). */
	if (key->rport == 53 && c->ip4.dns_match.s_addr &&
	    dst.s_addr == c->ip4.dns_match.s_addr) {
		sin->sin_addr = c->ip4.dns_host;
		return sizeof(*sin);
	}
	if (v4_is_unreachable(dst))
		return 0;
	sin->sin_addr = dst;
	return sizeof(*sin);
}

static socklen_t host_sockaddr6(const struct ctx *c,
				const struct flow_key *key,
				struct sockaddr_in6 *sin6)
{
	const struct in6_addr *dst = &key->raddr;

	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(key->rport);
	if (!c->no_map_gw &&
	    !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_host_loopback) &&
	    IN6_ARE_ADDR_EQUAL(dst, &c->ip6.map_host_loopback)) {
		sin6->sin6_addr = in6addr_loopback;
		return sizeof(*sin6);
	}
	if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_guest_addr) &&
	    IN6_ARE_ADDR_EQUAL(dst, &c->ip6.map_guest_addr)) {
		sin6->sin6_addr = c->ip6.addr;
		return sizeof(*sin6);
	}
	if (key->rport == 53 && !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_match) &&
	    IN6_ARE_ADDR_EQUAL(dst, &c->ip6.dns_match)) {
		sin6->sin6_addr = c->ip6.dns_host;
		return sizeof(*sin6);
	}
	/* Link-local destinations other than the gateway would need the
	 * guest's link: nothing on the host side answers for them. */
	if (IN6_IS_ADDR_UNSPECIFIED(dst) || IN6_IS_ADDR_LOOPBACK(dst) ||
	    IN6_IS_ADDR_MULTICAST(dst) || IN6_IS_ADDR_LINKLOCAL(dst) ||
	    IN6_IS_ADDR_V4MAPPED(dst))
		return 0;
	sin6->sin6_addr = *dst;
	return sizeof(*sin6);
}

socklen_t flow_host_sockaddr(const struct ctx *c, const struct flow_key *key,
			     union flow_sockaddr *sa)
{
	if (flow_addr_is_v4(&key->raddr))
		return host_sockaddr4(c, key, &sa->sin);
	return host_sockaddr6(c, key, &sa->sin6);
}

static bool sockaddr_is_loopback(const union flow_sockaddr *sa)
{
	if (sa->sa.sa_family == AF_INET)
		return (ntohl(sa->sin.sin_addr.s_addr) >> 24) == IN_LOOPBACKNET;
	return IN6_IS_ADDR_LOOPBACK(&sa->sin6.sin6_addr);
}

/* The local address to bind to: the outbound one, or any. */
static socklen_t local_sockaddr(const struct ctx *c,
				const union flow_sockaddr *dst, bool loopback,
				uint16_t port, union flow_sockaddr *local)
{
	memset(local, 0, sizeof(*local));
	if (dst->sa.sa_family == AF_INET) {
		local->sin.sin_family = AF_INET;
		local->sin.sin_port = htons(port);
		if (!loopback)
			local->sin.sin_addr = c->ip4.addr_out;
		return sizeof(local->sin);
	}
	local->sin6.sin6_family = AF_INET6;
	local->sin6.sin6_port = htons(port);
	if (!loopback)
		local->sin6.sin6_addr = c->ip6.addr_out;
	return sizeof(local->sin6);
}

static bool local_is_any(const union flow_sockaddr *local)
{
	if (local->sa.sa_family == AF_INET)
		return !local->sin.sin_addr.s_addr;
	return IN6_IS_ADDR_UNSPECIFIED(&local->sin6.sin6_addr);
}

int flow_bind_outbound(const struct ctx *c, int s,
		       const union flow_sockaddr *dst, uint16_t port)
{
	bool loopback = sockaddr_is_loopback(dst);
	const char *ifname = dst->sa.sa_family == AF_INET ?
			     c->ip4.ifname_out : c->ip6.ifname_out;
	union flow_sockaddr local;
	socklen_t len;
	int rc = 0;

	if (!loopback && ifname[0] &&
	    setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       strnlen(ifname, IFNAMSIZ)) < 0) {
		rc = -errno;
		goto out;
	}
	len = local_sockaddr(c, dst, loopback, port, &local);
	if (!port && local_is_any(&local))
		goto out; /* connect() picks both */
	if (!bind(s, &local.sa, len))
		goto out;
	if (errno != EADDRINUSE && errno != EACCES) {
		rc = -errno;
		goto out;
	}
	/* The guest's port is taken (or privileged) on the host. */
	if (local_is_any(&local))
		goto out;
	local_sockaddr(c, dst, loopback, 0, &local);
	if (bind(s, &local.sa, len) < 0)
		rc = -errno;
out:
	return rc;
}

/* The guest's address of family AF: the one it uses.  Before the guest
 * used a global IPv6 address, its link-local one (from router or
 * neighbour solicitations) is the one it surely has: a SLAAC guest may
 * never take the address it was offered. */
static void guest_addr(const struct ctx *c, int af, union flow_ipaddr *a)
{
	if (af == AF_INET)
		a->a4 = c->ip4.addr_seen.s_addr ? c->ip4.addr_seen :
						  c->ip4.addr;
	else if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr_seen))
		a->a6 = c->ip6.addr_seen;
	else if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr_ll_seen))
		a->a6 = c->ip6.addr_ll_seen;
	else
		a->a6 = c->ip6.addr;
}

static int inbound_addrs4(const struct ctx *c, struct in_addr peer,
			  union flow_ipaddr *gaddr, union flow_ipaddr *raddr)
{
	bool host_shared = peer.s_addr == c->ip4.addr.s_addr;

	if (!c->ip4.enabled)
		return 0;
	guest_addr(c, AF_INET, gaddr);
	raddr->a4 = peer;
	if (host_shared && c->ip4.map_guest_addr.s_addr) {
		raddr->a4 = c->ip4.map_guest_addr;
		return AF_INET;
	}
	if ((ntohl(peer.s_addr) >> 24) == IN_LOOPBACKNET || host_shared) {
		if (c->no_map_gw || !c->ip4.map_host_loopback.s_addr)
			return 0;
		raddr->a4 = c->ip4.map_host_loopback;
	}
	return AF_INET;
}

static int inbound_addrs6(const struct ctx *c, const struct in6_addr *peer,
			  union flow_ipaddr *gaddr, union flow_ipaddr *raddr)
{
	bool host_shared = IN6_ARE_ADDR_EQUAL(peer, &c->ip6.addr);

	if (!c->ip6.enabled)
		return 0;
	guest_addr(c, AF_INET6, gaddr);
	/* local mode without -a: no address until the guest shows one */
	if (IN6_IS_ADDR_UNSPECIFIED(&gaddr->a6))
		return 0;
	raddr->a6 = *peer;
	if (host_shared && !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_guest_addr)) {
		raddr->a6 = c->ip6.map_guest_addr;
		return AF_INET6;
	}
	if (!IN6_IS_ADDR_LOOPBACK(peer) && !host_shared)
		return AF_INET6;
	if (c->no_map_gw || IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_host_loopback))
		return 0;
	raddr->a6 = c->ip6.map_host_loopback;
	/* To the guest's link-local address, the host speaks from our own
	 * link-local one: the guest answers from the address it was
	 * reached at only if both are of the same scope. */
	if (IN6_IS_ADDR_LINKLOCAL(&gaddr->a6) &&
	    !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.our_tap_ll))
		raddr->a6 = c->ip6.our_tap_ll;
	return AF_INET6;
}

int flow_inbound_addrs(const struct ctx *c, const union flow_sockaddr *peer,
		       union flow_ipaddr *gaddr, union flow_ipaddr *raddr,
		       uint16_t *rport)
{
	const struct in6_addr *a6 = &peer->sin6.sin6_addr;
	struct in_addr a4;

	if (peer->sa.sa_family == AF_INET) {
		*rport = ntohs(peer->sin.sin_port);
		return inbound_addrs4(c, peer->sin.sin_addr, gaddr, raddr);
	}
	*rport = ntohs(peer->sin6.sin6_port);
	if (IN6_IS_ADDR_V4MAPPED(a6)) {
		memcpy(&a4, &a6->s6_addr[12], sizeof(a4));
		return inbound_addrs4(c, a4, gaddr, raddr);
	}
	return inbound_addrs6(c, a6, gaddr, raddr);
}

/* Whether bind B's address is of a family vunetd serves (any address:
 * at least one is enabled, conf.c makes sure). */
static bool bind_family_enabled(const struct ctx *c, const struct fwd_bind *b)
{
	return (b->family != AF_INET || c->ip4.enabled) &&
	       (b->family != AF_INET6 || c->ip6.enabled);
}

int flow_bind_forwarded(const struct ctx *c, const struct fwd_bind *b,
			unsigned port, int type)
{
	union flow_sockaddr sa;
	socklen_t sl = sizeof(sa.sin6);
	int one = 1, v6only, s, rc = 0, af = AF_INET6;

	if (!bind_family_enabled(c, b))
		return -EAFNOSUPPORT;
	memset(&sa, 0, sizeof(sa));
	if (b->family == AF_INET) {
		af = AF_INET;
		sa.sin.sin_addr = b->addr.a4;
	} else if (b->family == AF_INET6) {
		sa.sin6.sin6_addr = b->addr.a6;
	} else if (!c->ip6.enabled) {
		af = AF_INET;
	}
	if (af == AF_INET)
		sl = sizeof(sa.sin);
	sa.sa.sa_family = (sa_family_t)af;
	sa.sin.sin_port = htons((uint16_t)port); /* same place in both */
	s = socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Any address: one socket serves both families, unless IPv4 is
	 * disabled (then the IPv4 port stays free for others). */
	v6only = b->family == AF_INET6 || !c->ip4.enabled;
	if (af == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
			   sizeof(v6only));
	if ((b->ifname[0] &&
	     setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, b->ifname,
			strnlen(b->ifname, IFNAMSIZ))) ||
	    bind(s, &sa.sa, sl)) {
		rc = -errno;
		close(s);
	}
	return rc ? rc : s;
}

/* Opens forwarded PORT's socket on bind B as LS's next entry.  Returns 0
 * or a negative errno (nothing logged: the caller knows the option). */
static int listener_open(struct ctx *c, const struct fwd_bind *b,
			 unsigned port, int type, int epoll_type,
			 struct flow_listeners *ls)
{
	union epoll_ref ref = { .type = (uint32_t)epoll_type };
	struct epoll_event ev = { .events = EPOLLIN };
	int s = flow_bind_forwarded(c, b, port, type);

	if (s >= 0 && type == SOCK_STREAM && listen(s, SOMAXCONN)) {
		close(s);
		s = -errno;
	}
	if (s < 0)
		return s;
	ref.idx = ls->n;
	ref.fd = s;
	ev.data.u64 = ref.u64;
	if (epoll_ctl(c->epollfd, EPOLL_CTL_ADD, s, &ev)) {
		int rc = -errno;

		close(s);
		return rc;
	}
	ls->l[ls->n].fd = s;
	ls->l[ls->n].port = (uint16_t)port;
	ls->l[ls->n].paused_ms = 0;
	ls->n++;
	return 0;
}

/* The -t or -u option of FWD forwarding PORT on bind BI, as given. */
static const char *option_text(const struct fwd_ports *fwd, int bi,
			       unsigned port)
{
	const char *text = fwd_option_of(fwd, bi, port);

	return text ? text : "?";
}

/* Opens every forwarded port of FWD on its usable binds into LS (sized
 * for them).  Returns 0, or a negative errno once reported. */
static int listeners_open(struct ctx *c, const struct fwd_ports *fwd,
			  unsigned usable, int type, int epoll_type,
			  struct flow_listeners *ls)
{
	char opt = type == SOCK_STREAM ? 't' : 'u';
	unsigned failed = 0;
	int rc;

	for (unsigned port = 1; port < FWD_NUM_PORTS; port++) {
		for (int bi = 0; bi < fwd->n_binds; bi++) {
			if (!(fwd->binds_of[port] & usable & (1U << bi)))
				continue;
			rc = listener_open(c, &fwd->binds[bi], port, type,
					   epoll_type, ls);
			if (rc == -ENFILE || rc == -EMFILE) {
				err("Can't open enough sockets for port specifier: %s",
				    option_text(fwd, bi, port));
				return rc;
			}
			if (rc && fwd->mode == FWD_SPEC) {
				err("Failed to bind port %u (%s) for option '-%c %s'",
				    port, strerror(-rc), opt,
				    option_text(fwd, bi, port));
				return rc;
			}
			failed += rc != 0;
		}
	}
	if (!ls->n && failed) {
		/* only "all" (or "~..."), one option, may leave ports out */
		err("Failed to bind any port for '-%c %s', exiting", opt,
		    option_text(fwd, 0, 0));
		return -EADDRINUSE;
	}
	if (failed)
		info("-%c: %u ports could not be bound, not forwarded", opt,
		     failed);
	return 0;
}

int flow_listen_forwarded(struct ctx *c, const struct fwd_ports *fwd,
			  int type, int epoll_type, struct flow_listeners *ls)
{
	unsigned port, max = 0, usable = 0;
	int rc;

	if (ls->l)
		return -EBUSY;
	for (int bi = 0; bi < fwd->n_binds; bi++) {
		if (bind_family_enabled(c, &fwd->binds[bi]))
			usable |= 1U << bi;
		else
			warn("%s: not listening on %s addresses: that family is disabled",
			     type == SOCK_STREAM ? "-t" : "-u",
			     fwd->binds[bi].family == AF_INET ? "IPv4" : "IPv6");
	}
	for (port = 1; port < FWD_NUM_PORTS; port++)
		max += (unsigned)__builtin_popcount(fwd->binds_of[port] &
						    usable);
	ls->l = calloc(max ? max : 1, sizeof(*ls->l));
	if (!ls->l)
		return -ENOMEM;
	rc = listeners_open(c, fwd, usable, type, epoll_type, ls);
	if (rc) {
		flow_listen_close(c, ls);
		return rc;
	}
	return (int)ls->n;
}

void flow_listen_close(struct ctx *c, struct flow_listeners *ls)
{
	for (unsigned i = 0; i < ls->n; i++) {
		epoll_ctl(c->epollfd, EPOLL_CTL_DEL, ls->l[i].fd, NULL);
		close(ls->l[i].fd);
	}
	free(ls->l);
	ls->l = NULL;
	ls->n = 0;
}

const struct flow_listener *flow_listener_at(const struct flow_listeners *ls,
					     unsigned idx, int fd)
{
	return idx < ls->n && ls->l[idx].fd == fd ? &ls->l[idx] : NULL;
}

void flow_guest_addr_seen(struct ctx *c, int af, const void *addr)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (af == AF_INET) {
		memcpy(&a4, addr, sizeof(a4));
		if (a4.s_addr && a4.s_addr != c->ip4.addr_seen.s_addr)
			c->ip4.addr_seen = a4;
		return;
	}
	memcpy(&a6, addr, sizeof(a6));
	if (IN6_IS_ADDR_UNSPECIFIED(&a6) || IN6_IS_ADDR_MULTICAST(&a6))
		return;
	if (IN6_IS_ADDR_LINKLOCAL(&a6))
		c->ip6.addr_ll_seen = a6;
	else
		c->ip6.addr_seen = a6;
}
