// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NDP (RFC 4861) for the guest: vunetd plays its IPv6 router and every
 * neighbour on its link.
 *
 * Router solicitation -> router advertisement, to the soliciting address
 * (or all-nodes if it had none), from our link-local address
 * (c->ip6.our_tap_ll), with: the guest's /64 prefix (on-link and
 * autonomous, infinite lifetimes, so SLAAC gives the guest an address in
 * it), the MTU when c->mtu is set and valid for IPv6, RDNSS (RFC 8106:
 * c->ip6.dns, or instead the --dns-forward address; none if n_dns is 0),
 * DNSSL with the search domains, and our MAC as source link-layer address.  Router lifetime is
 * the largest (RFC 8319); M is set while the DHCPv6 server is on (passt
 * sets only M: DHCPv6 answers information requests all the same).
 * Without a guest address (local mode without -a, see conf.c) there is
 * no prefix to announce and no DHCPv6 server: the guest keeps its
 * link-local address and reaches us as its router.
 *
 * Neighbour solicitation for any target but the guest's own addresses ->
 * neighbour advertisement (router, solicited, override) with our MAC.
 * Solicitations from the unspecified address are duplicate address
 * detection: answering would make the guest give up its address, so they
 * are not answered.
 *
 * Unsolicited advertisements (ndp_timer): once the guest has shown up on
 * IPv6, a few at short intervals (RFC 4861 6.2.4: 3 at most 16 s apart),
 * then one every 200-600 s (MinRtrAdvInterval..MaxRtrAdvInterval).
 *
 * The guest's addresses are learnt from the sources of its NDP messages:
 * link-local into c->ip6.addr_ll_seen, others into c->ip6.addr_seen.
 * --no-ndp turns all of this off, --no-ra only the advertisements.
 *
 * The message is read into a bounded local copy; anything short, with a
 * non-zero code or a multicast target is dropped and counted.  State: the
 * time of the next unsolicited advertisement.  No allocation.
 */
#include "backend/ndp.h"

#include <netinet/icmp6.h>
#include <string.h>

#include "backend/ctx.h"
#include "backend/flow.h"
#include "backend/ip.h"
#include "backend/tap.h"

/* What the reason-returning helpers say when the frame was used. */
#define NOT_DROPPED DROP_NUM_REASONS

#define NDP_RS_LEN 8  /* type, code, checksum, reserved */
#define NDP_NS_LEN 24 /* ... and the target address */
#define NDP_RA_FIXED_LEN 16
#define NDP_NA_LEN (24 + 8) /* with the target link-layer option */

/* RFC 4861 4.6 option types and RFC 8106's. */
#define NDP_OPT_SRC_LL 1
#define NDP_OPT_TGT_LL 2
#define NDP_OPT_PREFIX 3
#define NDP_OPT_MTU 5
#define NDP_OPT_RDNSS 25
#define NDP_OPT_DNSSL 31

#define RA_FLAG_MANAGED 0x80
#define PREFIX_FLAG_ONLINK 0x80
#define PREFIX_FLAG_AUTO 0x40
#define NA_FLAG_ROUTER 0x80
#define NA_FLAG_SOLICITED 0x40
#define NA_FLAG_OVERRIDE 0x20

/* RFC 8319: a router lifetime up to 65535 s. */
#define RA_ROUTER_LIFETIME_S 65535
#define NDP_LIFETIME_INFINITE 0xffffffffU
/* RFC 8106 5.1: DNS lifetimes of at least 3 x MaxRtrAdvInterval. */
#define RA_DNS_LIFETIME_S (3 * RA_MAX_INTERVAL_S)
/* RFC 4861 6.2.1 and 10 defaults. */
#define RA_MAX_INTERVAL_S 600
#define RA_MIN_INTERVAL_S 200
#define RA_INITIAL_COUNT 3
#define RA_INITIAL_INTERVAL_S 16
#define IPV6_MIN_MTU 1280

/* Room for the RA: fixed part, prefix, MTU, source LL, RDNSS with every
 * server, DNSSL with every search domain. */
#define NDP_RA_MAX (NDP_RA_FIXED_LEN + 32 + 8 + 8 + 8 + 16 * CTX_MAX_DNS + \
		    8 + CTX_MAX_SEARCH * (CTX_NAME_MAX + 2) + 8)

static const struct in6_addr ndp_all_nodes = {
	.s6_addr = { 0xff, 0x02, [15] = 0x01 }
};

static struct timespec ndp_next_ra;
static int ndp_initial_ras_sent;

static size_t ndp_opt_prefix(const struct ctx *c, uint8_t *o)
{
	memset(o, 0, 32);
	o[0] = NDP_OPT_PREFIX;
	o[1] = 4;
	o[2] = 64; /* the guest always gets a /64 */
	o[3] = PREFIX_FLAG_ONLINK | PREFIX_FLAG_AUTO;
	ip_put_be32(o + 4, NDP_LIFETIME_INFINITE);
	ip_put_be32(o + 8, NDP_LIFETIME_INFINITE);
	memcpy(o + 16, &c->ip6.addr, 8);
	return 32;
}

static size_t ndp_opt_mtu(const struct ctx *c, uint8_t *o)
{
	if (c->mtu < IPV6_MIN_MTU)
		return 0;
	memset(o, 0, 8);
	o[0] = NDP_OPT_MTU;
	o[1] = 1;
	ip_put_be32(o + 4, (uint32_t)c->mtu);
	return 8;
}

static size_t ndp_opt_ll(const struct ctx *c, uint8_t *o, uint8_t type)
{
	o[0] = type;
	o[1] = 1;
	memcpy(o + 2, c->our_tap_mac, ETH_ADDR_LEN);
	return 8;
}

static size_t ndp_opt_rdnss(const struct ctx *c, uint8_t *o)
{
	const struct in6_addr *dns = c->ip6.dns;
	int n = c->ip6.n_dns;

	if (n <= 0 || n > CTX_MAX_DNS)
		return 0; /* none, or --no-dhcp-dns */
	if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_match)) {
		dns = &c->ip6.dns_match; /* forwarded: the guest uses that */
		n = 1;
	}
	memset(o, 0, 8);
	o[0] = NDP_OPT_RDNSS;
	o[1] = (uint8_t)(1 + 2 * n);
	ip_put_be32(o + 4, RA_DNS_LIFETIME_S);
	memcpy(o + 8, dns, 16 * (size_t)n);
	return 8 + 16 * (size_t)n;
}

static size_t ndp_opt_dnssl(const struct ctx *c, uint8_t *o, size_t room)
{
	size_t len = 8;
	int i, n;

	if (c->n_search <= 0 || room < 8)
		return 0;
	memset(o, 0, room);
	for (i = 0; i < c->n_search && i < CTX_MAX_SEARCH; i++) {
		n = ip_dns_name_encode(o + len, room - len, c->search[i]);
		if (n > 0)
			len += (size_t)n;
	}
	if (len == 8)
		return 0;
	len = (len + 7) & ~(size_t)7; /* zero-padded to 8-byte units */
	if (len > room || len / 8 > 255)
		return 0;
	o[0] = NDP_OPT_DNSSL;
	o[1] = (uint8_t)(len / 8);
	ip_put_be32(o + 4, RA_DNS_LIFETIME_S);
	return len;
}

static void ndp_send_ra(struct ctx *c, const struct in6_addr *dst)
{
	static uint8_t frame[IP6_L4_OFF + NDP_RA_MAX];
	uint8_t *ra = frame + IP6_L4_OFF;
	size_t len = NDP_RA_FIXED_LEN;
	struct iovec iov = { frame, 0 };
	bool have_addr = !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr);

	memset(ra, 0, NDP_RA_FIXED_LEN);
	ra[0] = ND_ROUTER_ADVERT;
	ra[4] = IP_TTL_LINK; /* hop limit the guest should use */
	if (!c->no_dhcpv6 && have_addr)
		ra[5] = RA_FLAG_MANAGED; /* as passt: addresses from DHCPv6 too */
	ip_put_be16(ra + 6, RA_ROUTER_LIFETIME_S);
	if (have_addr)
		len += ndp_opt_prefix(c, ra + len);
	len += ndp_opt_mtu(c, ra + len);
	len += ndp_opt_rdnss(c, ra + len);
	len += ndp_opt_dnssl(c, ra + len, NDP_RA_MAX - 8 - len);
	len += ndp_opt_ll(c, ra + len, NDP_OPT_SRC_LL);
	iov.iov_len = ip_icmp6_frame(frame,
				     tap_guest_mac(c), c->our_tap_mac,
				     &c->ip6.our_tap_ll, dst, len);
	tap_send_frame(c, &iov, 1);
}

static void ndp_send_na(struct ctx *c, const struct in6_addr *dst,
			const uint8_t *target)
{
	uint8_t frame[IP6_L4_OFF + NDP_NA_LEN];
	uint8_t *na = frame + IP6_L4_OFF;
	const struct in6_addr *src = &c->ip6.our_tap_ll;
	struct iovec iov = { frame, 0 };

	memset(na, 0, NDP_NA_LEN);
	na[0] = ND_NEIGHBOR_ADVERT;
	na[4] = NA_FLAG_ROUTER | NA_FLAG_SOLICITED | NA_FLAG_OVERRIDE;
	memcpy(na + 8, target, 16);
	ndp_opt_ll(c, na + 24, NDP_OPT_TGT_LL);
	if (IN6_IS_ADDR_UNSPECIFIED(src))
		src = (const struct in6_addr *)(na + 8);
	iov.iov_len = ip_icmp6_frame(frame, tap_guest_mac(c), c->our_tap_mac,
				     src, dst, NDP_NA_LEN);
	tap_send_frame(c, &iov, 1);
}

static bool ndp_is_guest_addr(const struct ctx *c, const uint8_t *a)
{
	return !memcmp(a, &c->ip6.addr, 16) ||
	       !memcmp(a, &c->ip6.addr_seen, 16) ||
	       !memcmp(a, &c->ip6.addr_ll_seen, 16);
}

/* Returns NOT_DROPPED if answered, or the drop reason. */
static int ndp_on_ns(struct ctx *c, const struct tap_frame *f,
		     const uint8_t *msg, size_t len)
{
	const uint8_t *target = msg + 8;

	if (len < NDP_NS_LEN)
		return DROP_TOO_SHORT;
	if (target[0] == 0xff)
		return DROP_BAD_L4; /* RFC 4861 7.1.1: no multicast target */
	if (IN6_IS_ADDR_UNSPECIFIED(&f->saddr.a6) ||
	    ndp_is_guest_addr(c, target))
		return DROP_UNHANDLED;
	ndp_send_na(c, &f->saddr.a6, target);
	return NOT_DROPPED;
}

static int ndp_on_rs(struct ctx *c, const struct tap_frame *f, size_t len)
{
	if (len < NDP_RS_LEN)
		return DROP_TOO_SHORT;
	if (c->no_ra)
		return DROP_DISABLED;
	ndp_send_ra(c, IN6_IS_ADDR_UNSPECIFIED(&f->saddr.a6) ? &ndp_all_nodes
							     : &f->saddr.a6);
	return NOT_DROPPED;
}

int ndp_handler(struct ctx *c, const struct tap_frame *f)
{
	uint8_t msg[NDP_NS_LEN];
	size_t len = f->l4_len < sizeof(msg) ? f->l4_len : sizeof(msg);
	int reason;

	if (c->no_ndp || !c->ip6.enabled) {
		reason = DROP_DISABLED;
		goto out;
	}
	if (len < NDP_RS_LEN || tap_frame_copy(f, f->l4_off, msg, len) < 0) {
		reason = DROP_TOO_SHORT;
		goto out;
	}
	if (msg[1] != 0) {
		reason = DROP_BAD_L4;
		goto out;
	}
	flow_guest_addr_seen(c, AF_INET6, &f->saddr.a6);
	if (msg[0] == ND_ROUTER_SOLICIT)
		reason = ndp_on_rs(c, f, f->l4_len);
	else if (msg[0] == ND_NEIGHBOR_SOLICIT)
		reason = ndp_on_ns(c, f, msg, len);
	else
		reason = DROP_UNHANDLED; /* RA, NA, redirect: not for us */
out:
	if (reason != NOT_DROPPED)
		ctx_drop(c, (enum drop_reason)reason);
	return reason != NOT_DROPPED ? -1 : 0;
}

/* Pseudo-random spread of the next interval, as RFC 4861 6.2.4 wants
 * (so routers on one link do not synchronise); no syscall needed. */
static long ndp_ra_interval_s(const struct timespec *now)
{
	unsigned long mix = (unsigned long)now->tv_nsec * 2654435761UL;

	if (ndp_initial_ras_sent < RA_INITIAL_COUNT)
		return RA_INITIAL_INTERVAL_S;
	return RA_MIN_INTERVAL_S +
	       (long)((mix >> 8) % (RA_MAX_INTERVAL_S - RA_MIN_INTERVAL_S));
}

void ndp_timer(struct ctx *c, const struct timespec *now)
{
	if (c->no_ndp || c->no_ra || !c->ip6.enabled ||
	    IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr_ll_seen))
		return; /* nobody to advertise to yet */
	if (now->tv_sec < ndp_next_ra.tv_sec)
		return;
	if (ndp_next_ra.tv_sec) { /* not the first call: one is due */
		ndp_send_ra(c, &ndp_all_nodes);
		tap_flush(c); /* the timer is its own batch */
		ndp_initial_ras_sent++;
	}
	ndp_next_ra.tv_sec = now->tv_sec + ndp_ra_interval_s(now);
}
