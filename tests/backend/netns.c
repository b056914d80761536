// SPDX-License-Identifier: GPL-2.0-or-later
/* A private network namespace for a test case: see netns.h. */
#include "tests/backend/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = -1;

	if (fd < 0)
		return -1;
	if (write(fd, text, strlen(text)) == (ssize_t)strlen(text))
		rc = 0;
	close(fd);
	return rc;
}

/* Writes "0 ID 1" (our id as root, nothing else mapped) to PATH. */
static int write_id_map(const char *path, unsigned id)
{
	char text[64];

	snprintf(text, sizeof(text), "0 %u 1", id);
	return write_file(path, text);
}

static int lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (s < 0)
		return -1;
	if (!ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return rc;
}

const char *netns_enter(void)
{
	static char why[160];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int flags = CLONE_NEWNET | (uid ? CLONE_NEWUSER : 0);

	if (unshare(flags)) {
		snprintf(why, sizeof(why),
			 "cannot create a network namespace (unshare): %s",
			 strerror(errno));
		return why;
	}
	if (uid && (write_file("/proc/self/setgroups", "deny") ||
		    write_id_map("/proc/self/uid_map", uid) ||
		    write_id_map("/proc/self/gid_map", gid)))
		return "cannot map our user in the new user namespace";
	if (lo_up())
		return "cannot bring lo up in the namespace";
	return NULL;
}

const char *netns_enter_routed(void)
{
	static const char *setup =
		"ip link add vt0 type veth peer name vt1 && "
		"ip link set vt1 up && "
		"ip addr add 192.0.2.77/25 dev vt0 && "
		"ip -6 addr add fd99::77/64 dev vt0 nodad && "
		"ip link set vt0 up && "
		"ip route add default via 192.0.2.1 dev vt0 && "
		"ip -6 route add default via fd99::1 dev vt0";
	const char *why = netns_enter();

	if (why)
		return why;
	if (system("command -v ip >/dev/null 2>&1"))
		return "the ip tool is not installed";
	if (system(setup))
		return "cannot set up veth, addresses and routes in the namespace";
	return NULL;
}

/* Whether the routing table PATH (/proc/net/route or ipv6_route) has a
 * default route not through lo: a line whose destination field DST_FIELD
 * and prefix field LEN_FIELD (0-based) are all zeroes. */
static bool has_default_route(const char *path, int dst_field, int len_field)
{
	FILE *f = fopen(path, "re");
	char line[512];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *field[16], *save = NULL, *t;
		int n = 0;

		for (t = strtok_r(line, " \t\n", &save); t && n < 16;
		     t = strtok_r(NULL, " \t\n", &save))
			field[n++] = t;
		if (n <= dst_field || n <= len_field)
			continue;
		/* the interface is the first field (IPv4) or the last */
		if (!strcmp(field[0], "lo") || !strcmp(field[n - 1], "lo"))
			continue;
		found = strspn(field[dst_field], "0") == strlen(field[dst_field]) &&
			strspn(field[len_field], "0") == strlen(field[len_field]);
	}
	fclose(f);
	return found;
}

const char *netns_need_routes(void)
{
	/* /proc/net/route: Iface Destination Gateway Flags RefCnt Use
	 * Metric Mask ...; ipv6_route: destination, prefix length, ... */
	if (has_default_route("/proc/net/route", 1, 7) &&
	    has_default_route("/proc/net/ipv6_route", 0, 1))
		return NULL;
	return netns_enter_routed();
}
