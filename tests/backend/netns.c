// SPDX-License-Identifier: GPL-2.0-or-later
/* A private network namespace for a test case: see netns.h. */
#include "tests/backend/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
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
