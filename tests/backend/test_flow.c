// SPDX-License-Identifier: GPL-2.0-or-later
/* The flow table: lookup by key, fixed capacity, refusal when full. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/ctx.h"

#include "backend/flow.h"
#include "tests/harness.h"

static void key4(struct flow_key *k, uint8_t proto, const char *g,
		 uint16_t gport, const char *r, uint16_t rport)
{
	struct in_addr ga, ra;

	inet_pton(AF_INET, g, &ga);
	inet_pton(AF_INET, r, &ra);
	flow_key_set(k, proto, AF_INET, &ga, gport, &ra, rport);
}

static void key6(struct flow_key *k, uint8_t proto, const char *g,
		 uint16_t gport, const char *r, uint16_t rport)
{
	struct in6_addr ga, ra;

	inet_pton(AF_INET6, g, &ga);
	inet_pton(AF_INET6, r, &ra);
	flow_key_set(k, proto, AF_INET6, &ga, gport, &ra, rport);
}

TEST(default_capacity_is_at_least_64k)
{
	CHECK_INT(flow_init(0), 0);
	CHECK(flow_capacity() >= 65536);
	CHECK_INT(flow_count(), 0);
	flow_fini();
}

TEST(capacity_beyond_epoll_index_is_refused)
{
	CHECK_INT(flow_init(FLOW_MAX_CAPACITY + 1), -EINVAL);
}

TEST(new_flow_is_found_by_its_key)
{
	struct flow_key k;
	struct flow *f;

	CHECK_INT(flow_init(16), 0);
	key4(&k, IPPROTO_TCP, "192.0.2.2", 40000, "192.0.2.1", 80);
	f = flow_new(&k, FLOW_TCP);
	CHECK(f);
	CHECK_INT(f->sock, -1);
	CHECK(flow_lookup(&k) == f);
	CHECK(flow_at(flow_idx(f)) == f);
	CHECK_INT(flow_count(), 1);
	flow_fini();
}

TEST(protocol_and_ports_distinguish_flows)
{
	struct flow_key tcp, udp, other_port;

	CHECK_INT(flow_init(16), 0);
	key4(&tcp, IPPROTO_TCP, "192.0.2.2", 40000, "192.0.2.1", 53);
	key4(&udp, IPPROTO_UDP, "192.0.2.2", 40000, "192.0.2.1", 53);
	key4(&other_port, IPPROTO_TCP, "192.0.2.2", 40001, "192.0.2.1", 53);
	CHECK(flow_new(&tcp, FLOW_TCP));
	CHECK(!flow_lookup(&udp));
	CHECK(!flow_lookup(&other_port));
	CHECK(flow_new(&udp, FLOW_UDP));
	CHECK(flow_lookup(&udp) != flow_lookup(&tcp));
	flow_fini();
}

TEST(ipv6_and_ipv4_keys_coexist)
{
	struct flow_key k4, k6;
	struct flow *f4, *f6;

	CHECK_INT(flow_init(16), 0);
	key4(&k4, IPPROTO_UDP, "192.0.2.2", 1, "192.0.2.1", 2);
	key6(&k6, IPPROTO_UDP, "2001:db8::2", 1, "2001:db8::1", 2);
	f4 = flow_new(&k4, FLOW_UDP);
	f6 = flow_new(&k6, FLOW_UDP);
	CHECK(f4 && f6 && f4 != f6);
	CHECK(flow_addr_is_v4(&f4->key.gaddr));
	CHECK(!flow_addr_is_v4(&f6->key.gaddr));
	CHECK(flow_lookup(&k6) == f6);
	flow_fini();
}

TEST(full_table_refuses_new_flows_and_keeps_old_ones)
{
	struct flow_key k;
	struct flow *first = NULL;
	unsigned i;

	CHECK_INT(flow_init(8), 0);
	for (i = 0; i < 8; i++) {
		struct flow *f;

		key4(&k, IPPROTO_TCP, "192.0.2.2", 1000 + i, "192.0.2.1", 80);
		f = flow_new(&k, FLOW_TCP);
		CHECK(f);
		if (!first)
			first = f;
	}
	key4(&k, IPPROTO_TCP, "192.0.2.2", 2000, "192.0.2.1", 80);
	CHECK(!flow_new(&k, FLOW_TCP));
	CHECK(!flow_new(&k, FLOW_TCP));
	CHECK_INT(flow_refused_full(), 2);
	key4(&k, IPPROTO_TCP, "192.0.2.2", 1000, "192.0.2.1", 80);
	CHECK(flow_lookup(&k) == first);
	flow_fini();
}

TEST(freed_slot_is_reused_and_its_key_forgotten)
{
	struct flow_key a, b;
	struct flow *fa, *fb;

	CHECK_INT(flow_init(1), 0);
	key4(&a, IPPROTO_UDP, "192.0.2.2", 1, "192.0.2.1", 2);
	key4(&b, IPPROTO_UDP, "192.0.2.2", 3, "192.0.2.1", 4);
	fa = flow_new(&a, FLOW_UDP);
	CHECK(fa);
	flow_free(fa);
	CHECK(!flow_lookup(&a));
	CHECK(!flow_at(0));
	CHECK_INT(flow_end(), 0);
	fb = flow_new(&b, FLOW_UDP);
	CHECK(fb == fa);
	CHECK(flow_lookup(&b) == fb);
	flow_fini();
}

/* Many inserts and deletes in a table much smaller than the port space:
 * long probe runs form and are cut, and every survivor stays reachable. */
TEST(lookups_survive_heavy_churn)
{
	enum { CAP = 1024, ROUNDS = 20000 };
	static uint16_t live_port[CAP];
	static struct flow *live[CAP];
	struct flow_key k;
	unsigned n = 0, i, seed = 12345;

	CHECK_INT(flow_init(CAP), 0);
	for (i = 0; i < ROUNDS; i++) {
		seed = seed * 1103515245 + 12345;
		if (n < CAP && (n == 0 || (seed >> 16) % 3)) {
			uint16_t port = (uint16_t)(i + 1);

			key4(&k, IPPROTO_UDP, "192.0.2.2", port, "192.0.2.1", 7);
			live[n] = flow_new(&k, FLOW_UDP);
			CHECK(live[n]);
			live_port[n++] = port;
		} else {
			unsigned victim = (seed >> 8) % n;

			flow_free(live[victim]);
			live[victim] = live[n - 1];
			live_port[victim] = live_port[n - 1];
			n--;
		}
	}
	CHECK_INT(flow_count(), n);
	for (i = 0; i < n; i++) {
		key4(&k, IPPROTO_UDP, "192.0.2.2", live_port[i], "192.0.2.1", 7);
		CHECK_MSG(flow_lookup(&k) == live[i], "port %u lost",
			  live_port[i]);
	}
	flow_fini();
}

/* Binds a fresh UDP socket as for a flow to DST; returns its local
 * address in *LOCAL, or -1. */
static int bound_for(const struct ctx *c, const char *dst, uint16_t port,
		     struct sockaddr_in *local)
{
	union flow_sockaddr sa = { .sin = { .sin_family = AF_INET,
					    .sin_port = htons(9) } };
	socklen_t sl = sizeof(*local);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	inet_pton(AF_INET, dst, &sa.sin.sin_addr);
	rc = flow_bind_outbound(c, s, &sa, port);
	if (!rc)
		rc = getsockname(s, (struct sockaddr *)local, &sl);
	close(s);
	return rc ? -1 : 0;
}

TEST(outbound_address_is_the_source_towards_other_hosts)
{
	struct ctx c;
	struct sockaddr_in local;

	memset(&c, 0, sizeof(c));
	/* -o 127.0.0.2: a local address, so the bind works anywhere; no
	 * datagram is sent */
	inet_pton(AF_INET, "127.0.0.2", &c.ip4.addr_out);
	CHECK_INT(bound_for(&c, "192.0.2.1", 0, &local), 0);
	CHECK_INT(ntohl(local.sin_addr.s_addr), 0x7f000002);
}

TEST(outbound_address_is_not_used_towards_loopback)
{
	struct ctx c;
	struct sockaddr_in local;

	memset(&c, 0, sizeof(c));
	inet_pton(AF_INET, "127.0.0.2", &c.ip4.addr_out);
	CHECK_INT(bound_for(&c, "127.0.0.1", 40999, &local), 0);
	CHECK_INT(local.sin_addr.s_addr, 0);
	CHECK_INT(ntohs(local.sin_port), 40999);
}

TEST(taken_guest_port_falls_back_to_any_port)
{
	struct ctx c;
	struct sockaddr_in local, taken = { .sin_family = AF_INET };
	socklen_t sl = sizeof(taken);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(&c, 0, sizeof(c));
	inet_pton(AF_INET, "127.0.0.2", &c.ip4.addr_out);
	taken.sin_addr.s_addr = htonl(0x7f000002);
	CHECK(!bind(s, (struct sockaddr *)&taken, sizeof(taken)));
	CHECK(!getsockname(s, (struct sockaddr *)&taken, &sl));
	CHECK_INT(bound_for(&c, "192.0.2.1", ntohs(taken.sin_port), &local),
		  0);
	CHECK(local.sin_port != taken.sin_port);
	CHECK_INT(ntohl(local.sin_addr.s_addr), 0x7f000002);
	close(s);
}

TEST(gateway_means_host_loopback_unless_disabled)
{
	struct ctx c;
	struct flow_key k;
	union flow_sockaddr sa;

	memset(&c, 0, sizeof(c));
	inet_pton(AF_INET, "192.0.2.1", &c.ip4.map_host_loopback);
	key4(&k, IPPROTO_TCP, "192.0.2.2", 40000, "192.0.2.1", 80);
	CHECK_INT(flow_host_sockaddr(&c, &k, &sa), sizeof(struct sockaddr_in));
	CHECK_INT(ntohl(sa.sin.sin_addr.s_addr), INADDR_LOOPBACK);
	CHECK_INT(ntohs(sa.sin.sin_port), 80);
	c.no_map_gw = true;
	CHECK_INT(flow_host_sockaddr(&c, &k, &sa), sizeof(struct sockaddr_in));
	CHECK_INT(ntohl(sa.sin.sin_addr.s_addr), 0xc0000201);
}

TEST(guest_cannot_reach_loopback_or_multicast_directly)
{
	struct ctx c;
	struct flow_key k;
	union flow_sockaddr sa;

	memset(&c, 0, sizeof(c));
	key4(&k, IPPROTO_UDP, "192.0.2.2", 1, "127.0.0.1", 2);
	CHECK_INT(flow_host_sockaddr(&c, &k, &sa), 0);
	key4(&k, IPPROTO_UDP, "192.0.2.2", 1, "224.0.0.251", 5353);
	CHECK_INT(flow_host_sockaddr(&c, &k, &sa), 0);
	key6(&k, IPPROTO_UDP, "2001:db8::2", 1, "::1", 2);
	CHECK_INT(flow_host_sockaddr(&c, &k, &sa), 0);
}

/* Local mode without -a gives the guest no IPv6 address: a forwarded
 * connection waits for the one the guest uses, rather than going to ::. */
TEST(inbound_ipv6_needs_a_guest_address)
{
	union flow_sockaddr peer = { .sin6 = { .sin6_family = AF_INET6,
					       .sin6_port = htons(5000) } };
	union flow_ipaddr gaddr, raddr;
	struct ctx c;
	uint16_t rport;

	memset(&c, 0, sizeof(c));
	c.ip6.enabled = true;
	inet_pton(AF_INET6, "fe80::1", &c.ip6.map_host_loopback);
	inet_pton(AF_INET6, "fe80::1", &c.ip6.our_tap_ll);
	inet_pton(AF_INET6, "::1", &peer.sin6.sin6_addr);
	CHECK_INT(flow_inbound_addrs(&c, &peer, &gaddr, &raddr, &rport), 0);
	inet_pton(AF_INET6, "fe80::5054:ff:fe12:3456", &c.ip6.addr_ll_seen);
	CHECK_INT(flow_inbound_addrs(&c, &peer, &gaddr, &raddr, &rport),
		  AF_INET6);
	CHECK(!memcmp(&gaddr.a6, &c.ip6.addr_ll_seen, 16));
	CHECK(!memcmp(&raddr.a6, &c.ip6.our_tap_ll, 16));
	CHECK_INT(rport, 5000);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
