// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tests of process handling in src/qemu/qemu_process.c that need no
 * guest: how a backend's start is judged.
 *
 * Theory of operation: a "backend" here is /bin/sh with a one-line
 * script, run through qemu_process_start_backend() exactly as a start or
 * a hot-plug runs the real one; its exit status is what says whether it
 * started.  Each case runs in its own forked child (the harness), so one
 * that changes the SIGCHLD disposition affects nobody else.  Real
 * backends and QEMU are exercised by tests/e2e/test-launcher.sh.
 */
#include "tests/harness.h"

#include <signal.h>

#include "qemu/qemu_argv.h"
#include "qemu/qemu_process.h"
#include "util/error.h"

static int run_backend_script(const char *script)
{
	struct qemu_argv *argv = qemu_argv_new("/bin/sh");
	int ret;

	qemu_argv_add(argv, "-c");
	qemu_argv_add(argv, script);
	ret = qemu_process_start_backend(argv);
	qemu_argv_free(argv);
	return ret;
}

TEST(backend_exiting_0_has_started)
{
	CHECK_MSG(run_backend_script("exit 0") == 0, "%s", vn_error_message());
}

TEST(backend_failure_quotes_its_stderr)
{
	CHECK_INT(run_backend_script("echo 'cannot bind' >&2; exit 1"), -1);
	CHECK_STR(vn_error_message(),
		  "internal error: Could not start 'sh': cannot bind");
}

/* With SIGCHLD ignored (inherited across exec from whoever started
 * vunet) the kernel reaps the child and waitpid() fails: that must not
 * pass for a successful start. */
TEST(backend_failure_is_not_success_when_its_status_is_lost)
{
	signal(SIGCHLD, SIG_IGN);
	CHECK_INT(run_backend_script("exit 1"), -1);
	CHECK_MSG(strstr(vn_error_message(), "Could not start 'sh': cannot wait for process"),
		  "%s", vn_error_message());
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
