// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading the host's default routes and interface addresses over a
 * NETLINK_ROUTE socket, without any library.
 *
 * Each query opens its own socket, sends one dump request (RTM_GETROUTE or
 * RTM_GETADDR, NLM_F_DUMP) and reads the multi-part answer into a fixed
 * buffer until NLMSG_DONE.  Every message and every attribute is checked
 * against the bytes actually received (NLMSG_OK / RTA_OK) before use.  The
 * number of reads is bounded, so a host with an absurd number of routes
 * gives an error rather than a hang.
 *
 * Only the main routing table is considered, as the guest's view is "the
 * host's default route"; policy routing is out of scope, as in passt.  A
 * multipath (ECMP) default route counts with its first next hop (through
 * the requested interface, if any), as passt takes it.
 *
 * nl_usable_route() answers a wider question, whether the host has any
 * route of a family at all that could lead off this machine: any unicast
 * route of the main table, default or not, except those through a
 * loopback interface and those to link-local destinations only (every
 * interface with IPv6 up has fe80::/64).  Without one, passt finds no
 * template interface for the family (conf.c then may switch to local
 * mode).
 * This runs once at start-up, never in the data path.
 */
#include "backend/netlink.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define NL_BUF_SIZE 65536
/* Reads of one dump before giving up: each holds dozens of messages. */
#define NL_MAX_READS 4096

struct nl_query {
	int family;
	unsigned ifindex;      /* route: filter (0 any); addr: required */
	bool link_local;
	bool any_route;        /* route: any usable one, not the default */
	bool found;
	uint32_t best_metric;
	unsigned out_ifindex;
	uint8_t addr[16];      /* gateway or address */
	int prefix_len;
};

static size_t family_addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* The first next hop of multipath attribute MP usable for Q (through
 * Q's interface, if one is set), as passt takes it: its interface in
 * *OIF, its gateway (or NULL) in *GW; *OIF stays 0 if there is none. */
static void first_nexthop(const struct nl_query *q, const struct rtattr *mp,
			  unsigned *oif, const void **gw)
{
	const struct rtnexthop *nh = RTA_DATA(mp);
	int len = (int)RTA_PAYLOAD(mp);

	/* RTNH_OK reads rtnh_len: check that it is there first */
	for (; len >= (int)sizeof(*nh) && RTNH_OK(nh, len);
	     len -= RTNH_ALIGN(nh->rtnh_len), nh = RTNH_NEXT(nh)) {
		const struct rtattr *rta = RTNH_DATA(nh);
		int alen = nh->rtnh_len - RTNH_LENGTH(0);

		if (nh->rtnh_ifindex <= 0 ||
		    (q->ifindex && (unsigned)nh->rtnh_ifindex != q->ifindex))
			continue;
		*oif = (unsigned)nh->rtnh_ifindex;
		*gw = NULL;
		for (; RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen))
			if (rta->rta_type == RTA_GATEWAY &&
			    RTA_PAYLOAD(rta) >= family_addr_len(q->family))
				*gw = RTA_DATA(rta);
		return;
	}
}

/* Whether interface IFINDEX is a loopback one (false if unknown). */
static bool is_loopback(unsigned ifindex)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool lo = false;

	if (fd < 0)
		return false;
	if (if_indextoname(ifindex, ifr.ifr_name) &&
	    !ioctl(fd, SIOCGIFFLAGS, &ifr))
		lo = ifr.ifr_flags & IFF_LOOPBACK;
	close(fd);
	return lo;
}

/* Whether a route to DST/DST_LEN (DST NULL: the default route) leads
 * only to link-local addresses: 169.254.0.0/16 or fe80::/10. */
static bool link_local_only(int family, const uint8_t *dst, unsigned dst_len)
{
	if (!dst)
		return false;
	if (family == AF_INET)
		return dst_len >= 16 && dst[0] == 169 && dst[1] == 254;
	return dst_len >= 10 && dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80;
}

static void on_route(struct nl_query *q, const struct nlmsghdr *nh)
{
	const struct rtmsg *rtm = NLMSG_DATA(nh);
	int len = RTM_PAYLOAD(nh);
	const struct rtattr *rta, *multipath = NULL;
	uint32_t table = rtm->rtm_table, metric = 0;
	unsigned oif = 0;
	const void *gw = NULL;
	const uint8_t *dst = NULL;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)) ||
	    rtm->rtm_family != q->family ||
	    (rtm->rtm_dst_len != 0 && !q->any_route) ||
	    rtm->rtm_type != RTN_UNICAST)
		return;
	for (rta = RTM_RTA(rtm); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		size_t plen = RTA_PAYLOAD(rta);

		if (rta->rta_type == RTA_DST &&
		    plen >= family_addr_len(q->family))
			dst = RTA_DATA(rta);
		else if (rta->rta_type == RTA_TABLE && plen >= 4)
			memcpy(&table, RTA_DATA(rta), 4);
		else if (rta->rta_type == RTA_OIF && plen >= 4)
			memcpy(&oif, RTA_DATA(rta), 4);
		else if (rta->rta_type == RTA_PRIORITY && plen >= 4)
			memcpy(&metric, RTA_DATA(rta), 4);
		else if (rta->rta_type == RTA_GATEWAY &&
			 plen >= family_addr_len(q->family))
			gw = RTA_DATA(rta);
		else if (rta->rta_type == RTA_MULTIPATH)
			multipath = rta;
	}
	/* an ECMP route has its next hops, each with interface and
	 * gateway, in RTA_MULTIPATH instead */
	if (!oif && multipath)
		first_nexthop(q, multipath, &oif, &gw);
	if (table != RT_TABLE_MAIN || !oif || (q->ifindex && oif != q->ifindex))
		return;
	if (q->any_route) {
		if (!q->found && !is_loopback(oif) &&
		    !link_local_only(q->family, dst, rtm->rtm_dst_len))
			q->found = true;
		return;
	}
	if (q->found && metric >= q->best_metric)
		return;
	q->found = true;
	q->best_metric = metric;
	q->out_ifindex = oif;
	memset(q->addr, 0, sizeof(q->addr));
	if (gw)
		memcpy(q->addr, gw, family_addr_len(q->family));
}

static bool is_link_local6(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static void on_addr(struct nl_query *q, const struct nlmsghdr *nh)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	int len = IFA_PAYLOAD(nh);
	const struct rtattr *rta;
	const uint8_t *addr = NULL, *local = NULL;

	if (q->found || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    ifa->ifa_family != q->family || ifa->ifa_index != q->ifindex)
		return;
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (RTA_PAYLOAD(rta) < family_addr_len(q->family))
			continue;
		if (rta->rta_type == IFA_ADDRESS)
			addr = RTA_DATA(rta);
		else if (rta->rta_type == IFA_LOCAL)
			local = RTA_DATA(rta);
	}
	/* on point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL ours */
	if (local)
		addr = local;
	if (!addr)
		return;
	if (q->family == AF_INET6 && is_link_local6(addr) != q->link_local)
		return;
	if (q->family == AF_INET && ifa->ifa_scope != RT_SCOPE_UNIVERSE)
		return;
	q->found = true;
	memcpy(q->addr, addr, family_addr_len(q->family));
	q->prefix_len = ifa->ifa_prefixlen;
}

/* Sends a dump request of TYPE and feeds each answer to Q.
 * Returns 0 or a negative errno. */
static int nl_dump(int type, struct nl_query *q)
{
	static uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct {
		struct nlmsghdr nh;
		struct rtgenmsg g;
		uint8_t pad[16]; /* room for the larger rtmsg/ifaddrmsg */
	} req = {
		.nh.nlmsg_len = NLMSG_LENGTH(type == RTM_GETROUTE ?
					     sizeof(struct rtmsg) :
					     sizeof(struct ifaddrmsg)),
		.nh.nlmsg_type = type,
		.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		.nh.nlmsg_seq = 1,
		.g.rtgen_family = q->family,
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
		rc = -errno;
		goto out;
	}
	for (int reads = 0;; reads++) {
		ssize_t n = reads < NL_MAX_READS ? recv(fd, buf, sizeof(buf), 0)
						 : -1;
		const struct nlmsghdr *nh = (const struct nlmsghdr *)buf;
		int left = (int)n;

		if (n <= 0) {
			rc = n < 0 && reads < NL_MAX_READS ? -errno : -EIO;
			goto out;
		}
		for (; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
			if (nh->nlmsg_type == NLMSG_DONE)
				goto out;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				rc = -EIO;
				goto out;
			}
			if (nh->nlmsg_type == RTM_NEWROUTE)
				on_route(q, nh);
			else if (nh->nlmsg_type == RTM_NEWADDR)
				on_addr(q, nh);
		}
	}
out:
	close(fd);
	return rc;
}

int nl_default_route(int family, unsigned *ifindex, void *gw)
{
	struct nl_query q = { .family = family, .ifindex = *ifindex };
	int rc = nl_dump(RTM_GETROUTE, &q);

	if (rc)
		return rc;
	if (!q.found)
		return -ENOENT;
	*ifindex = q.out_ifindex;
	memcpy(gw, q.addr, family_addr_len(family));
	return 0;
}

int nl_first_addr(int family, unsigned ifindex, bool link_local, void *addr,
		  int *prefix_len)
{
	struct nl_query q = { .family = family, .ifindex = ifindex,
			      .link_local = link_local };
	int rc = nl_dump(RTM_GETADDR, &q);

	if (rc)
		return rc;
	if (!q.found)
		return -ENOENT;
	memcpy(addr, q.addr, family_addr_len(family));
	*prefix_len = q.prefix_len;
	return 0;
}

int nl_usable_route(int family)
{
	struct nl_query q = { .family = family, .any_route = true };
	int rc = nl_dump(RTM_GETROUTE, &q);

	return rc ? rc : q.found;
}
