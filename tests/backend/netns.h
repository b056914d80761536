/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A private network namespace for a test case, so that what the case
 * sets up (addresses, routes, sysctls) and the traffic it makes never
 * touch the machine.
 *
 * netns_enter() moves the calling process (a test case's forked child)
 * into a new network namespace with only lo, brought up.  When not root
 * it also makes a new user namespace, in which our uid and gid are mapped
 * to root: the ip tool and a vunetd started from here keep the
 * capabilities they need inside.  As root it makes no user namespace,
 * so it works in a chroot too (where the kernel refuses new user
 * namespaces).  Children started afterwards share the namespace.
 * netns_enter_routed() adds a veth pair with addresses and default routes
 * (nothing answers behind them), for cases that need a host with routes.
 */
#ifndef VUNET_TESTS_NETNS_H
#define VUNET_TESTS_NETNS_H

/* Returns NULL, or why the namespace could not be made (for SKIP()). */
const char *netns_enter(void);

/* netns_enter(), then a veth pair: vt0 192.0.2.77/25 via 192.0.2.1,
 * fd99::77/64 via fd99::1 (the ip tool sets them up).  NULL, or why not. */
const char *netns_enter_routed(void);

/* For cases that start vunetd with -a and expect it to apply: on a host
 * without a route off it vunetd runs in local mode, which ignores an IPv4
 * -a (as passt).  Stays where it is if this namespace has a default route
 * of each family (not through lo), else enters a routed one.  NULL, or
 * why neither is possible. */
const char *netns_need_routes(void);

/* netns_need_routes() in a test case (tests/harness.h), skipping it with
 * the reason when neither is possible. */
#define NETNS_NEED_ROUTES()                                               \
	do {                                                              \
		const char *why_ = netns_need_routes();                   \
		if (why_)                                                 \
			SKIP("no route off this host (vunetd would run in " \
			     "local mode), and %s", why_);                 \
	} while (0)

#endif /* VUNET_TESTS_NETNS_H */
