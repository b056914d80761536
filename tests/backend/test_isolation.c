// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolation.c: --runas parsing, the switch away from root (only real
 * root: uid 0 of a user namespace created by `unshare -r` keeps its
 * identity, in-process and for the real vunetd binary), and the seccomp
 * deny list (when vunetd is built with libseccomp).  Each case runs in its
 * own forked child, so dropping privileges, entering a user namespace or
 * installing a filter here does not affect the other cases.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/isolation.h"
#include "tests/harness.h"

TEST(runas_numeric_user_and_group)
{
	uid_t uid;
	gid_t gid;

	CHECK_INT(isolation_parse_runas("1234:5678", &uid, &gid), 0);
	CHECK_INT(uid, 1234);
	CHECK_INT(gid, 5678);
}

TEST(runas_user_name_takes_its_group)
{
	struct passwd *pw = getpwnam("nobody");
	uid_t uid;
	gid_t gid;

	if (!pw)
		SKIP("no user \"nobody\" on this machine");
	CHECK_INT(isolation_parse_runas("nobody", &uid, &gid), 0);
	CHECK_INT(uid, pw->pw_uid);
	CHECK_INT(gid, pw->pw_gid);
}

TEST(runas_refuses_unknown_names_and_garbage)
{
	uid_t uid;
	gid_t gid;

	CHECK_INT(isolation_parse_runas("no-such-user-x", &uid, &gid), -1);
	CHECK_INT(isolation_parse_runas("0:no-such-group-x", &uid, &gid), -1);
	CHECK_INT(isolation_parse_runas("", &uid, &gid), -1);
	CHECK_INT(isolation_parse_runas("-1", &uid, &gid), -1);
}

TEST(root_switches_for_good)
{
	if (geteuid() != 0)
		SKIP("not running as root: nothing to drop");
	if (!isolation_in_initial_userns())
		SKIP("uid 0 of a user namespace, not real root");
	CHECK_INT(isolation_drop_user(65534, 65534), 0);
	CHECK_INT(geteuid(), 65534);
	CHECK_INT(getegid(), 65534);
	CHECK(setuid(0) != 0);
}

TEST(other_users_keep_their_identity)
{
	uid_t before;

	/* as root, become someone else first (this child only) */
	if (geteuid() == 0 && isolation_in_initial_userns())
		CHECK_INT(setresuid(65533, 65533, 65533), 0);
	before = geteuid();
	CHECK_INT(isolation_drop_user(12345, 12345), 0);
	CHECK_INT(geteuid(), before);
}

/* Writes one line to a /proc/self file; 0 or -1. */
static int write_proc_self(const char *file, const char *line)
{
	char path[64];
	int fd, rc = -1;

	snprintf(path, sizeof(path), "/proc/self/%s", file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, line, strlen(line)) == (ssize_t)strlen(line))
		rc = 0;
	close(fd);
	return rc;
}

/* Becomes uid 0 of a new user namespace, as `unshare -r` does; 0 or -1. */
static int become_root_of_new_userns(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWUSER))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	if (write_proc_self("uid_map", map) ||
	    write_proc_self("setgroups", "deny\n"))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	return write_proc_self("gid_map", map);
}

TEST(a_new_user_namespace_is_not_the_initial_one)
{
	if (become_root_of_new_userns())
		SKIP("cannot create a user namespace: %s", strerror(errno));
	CHECK(!isolation_in_initial_userns());
}

TEST(root_of_a_user_namespace_keeps_its_identity)
{
	if (become_root_of_new_userns())
		SKIP("cannot create a user namespace: %s", strerror(errno));
	CHECK_INT(geteuid(), 0);
	/* "nobody" is not even mapped here: switching would fail (EINVAL) */
	CHECK_INT(isolation_drop_user(65534, 65534), 0);
	CHECK_INT(geteuid(), 0);
	CHECK_INT(getegid(), 0);
}

#define DAEMON_WAIT_MS 5000  /* start-up of a sanitizer build included */
#define DAEMON_SETTLE_MS 300 /* a failed switch exits well within this */

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* Connects to the unix socket PATH once it listens, within
 * DAEMON_WAIT_MS.  Returns the socket, or -1. */
static int connect_when_listening(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	long end = now_ms() + DAEMON_WAIT_MS;
	int fd = -1;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	while (now_ms() < end) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return fd;
		if (fd >= 0)
			close(fd);
		usleep(10000);
	}
	return -1;
}

/* vunetd run by an ordinary user under `unshare -r` (what tests/e2e does
 * when not root) used to fail with "Can't switch to user nobody". */
TEST(vunetd_as_root_of_a_user_namespace_serves)
{
	char sock[64];
	pid_t pid;
	int fd, status;
	long end;

	if (access(VUNETD_PATH, X_OK))
		SKIP("%s is not built", VUNETD_PATH);
	if (become_root_of_new_userns())
		SKIP("cannot create a user namespace: %s", strerror(errno));
	snprintf(sock, sizeof(sock), "/tmp/vunet-test-iso-%d.sock",
		 (int)getpid());
	pid = fork();
	if (pid == 0) {
		/* LeakSanitizer cannot work under vunetd's seccomp filter */
		const char *asan = getenv("ASAN_OPTIONS");
		char opts[512];

		snprintf(opts, sizeof(opts), "%s%sdetect_leaks=0",
			 asan ? asan : "", asan && *asan ? ":" : "");
		setenv("ASAN_OPTIONS", opts, 1);
		execl(VUNETD_PATH, "vunetd", "-f", "-q", "-4", "-a",
		      "10.0.2.15", "-n", "24", "-g", "10.0.2.2", "-s", sock,
		      (char *)NULL);
		_exit(127);
	}
	CHECK(pid > 0);
	fd = connect_when_listening(sock);
	CHECK(fd >= 0);
	/* a refused identity switch makes it exit right after listening */
	end = now_ms() + DAEMON_SETTLE_MS;
	while (now_ms() < end)
		usleep(10000);
	CHECK_INT(waitpid(pid, &status, WNOHANG), 0);
	kill(pid, SIGTERM);
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
	unlink(sock);
}

TEST(seccomp_refuses_running_programs)
{
	int rc = isolation_seccomp();
	char *const argv[] = { (char *)"true", NULL };

	if (rc == -ENOSYS)
		SKIP("vunetd built without libseccomp");
	CHECK_INT(rc, 0);
	CHECK_INT(execv("/bin/true", argv), -1);
	CHECK_INT(errno, EPERM);
	/* ordinary work still goes on */
	CHECK(getpid() > 0);
	CHECK(write(STDERR_FILENO, "", 0) == 0);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
