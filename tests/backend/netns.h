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
 */
#ifndef VUNET_TESTS_NETNS_H
#define VUNET_TESTS_NETNS_H

/* Returns NULL, or why the namespace could not be made (for SKIP()). */
const char *netns_enter(void);

#endif /* VUNET_TESTS_NETNS_H */
