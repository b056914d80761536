// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolation.c: --runas parsing, the switch away from root, and the
 * seccomp deny list (when vunetd is built with libseccomp).  Each case
 * runs in its own forked child, so dropping privileges or installing a
 * filter here does not affect the other cases.
 */
#include <errno.h>
#include <pwd.h>
#include <sys/wait.h>
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
	CHECK_INT(isolation_drop_user(65534, 65534), 0);
	CHECK_INT(geteuid(), 65534);
	CHECK_INT(getegid(), 65534);
	CHECK(setuid(0) != 0);
}

TEST(other_users_keep_their_identity)
{
	uid_t before;

	/* as root, become someone else first (this child only) */
	if (geteuid() == 0)
		CHECK_INT(setresuid(65533, 65533, 65533), 0);
	before = geteuid();
	CHECK_INT(isolation_drop_user(12345, 12345), 0);
	CHECK_INT(geteuid(), before);
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
