/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host's routes and addresses, read with rtnetlink (see netlink.c).
 * Used once at start by conf.c to pick the guest's defaults.
 */
#ifndef VUNET_BACKEND_NETLINK_H
#define VUNET_BACKEND_NETLINK_H

#include <stdbool.h>

/* Finds the default route of FAMILY (AF_INET or AF_INET6) with the lowest
 * metric; if *IFINDEX is not 0, only routes through that interface count.
 * Stores its interface in *IFINDEX and its gateway in GW (struct in_addr
 * or struct in6_addr; zeroes if the route has none).  Returns 0, -ENOENT
 * if there is no such route, or another negative errno. */
int nl_default_route(int family, unsigned *ifindex, void *gw);

/* Finds the first address of FAMILY on interface IFINDEX: a link-local one
 * if LINK_LOCAL (IPv6), else one of global scope.  Stores it in ADDR and
 * its prefix length in *PREFIX_LEN.  Returns 0, -ENOENT, or a negative
 * errno. */
int nl_first_addr(int family, unsigned ifindex, bool link_local, void *addr,
		  int *prefix_len);

/* Whether the host has a route of FAMILY that can lead off this machine:
 * a unicast route of the main table, through an interface other than
 * loopback, to destinations that are not all link-local.  Returns 1 if
 * there is one, 0 if there is none, or a negative errno. */
int nl_usable_route(int family);

#endif /* VUNET_BACKEND_NETLINK_H */
