// SPDX-License-Identifier: GPL-2.0-or-later
/* The runner behind tests/harness.h: see the theory of operation there. */
#include "harness.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <libgen.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_MAX_CASES 1024
#define TEST_MAX_REMOVALS 16
/* A single case that runs longer than this is a hang: fail it. */
#define TEST_CASE_TIMEOUT_S 120
/* Exit codes a case's child uses once it has printed its own result line. */
#define EXIT_CASE_FAILED 10
#define EXIT_CASE_SKIPPED 11

static struct test_case cases[TEST_MAX_CASES];
static unsigned n_cases;
static const char *program = "test";
static const char *current;
static int case_failed;
static int case_skipped;
static char removals[TEST_MAX_REMOVALS][PATH_MAX];
static unsigned n_removals;

void test_register(const char *name, void (*fn)(void))
{
	if (n_cases == TEST_MAX_CASES) {
		fprintf(stderr, "harness: too many test cases\n");
		abort();
	}
	cases[n_cases].name = name;
	cases[n_cases].fn = fn;
	n_cases++;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void remove_registered(void)
{
	for (unsigned i = 0; i < n_removals; i++)
		nftw(removals[i], remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

void test_remove_at_exit(const char *path)
{
	if (n_removals == TEST_MAX_REMOVALS) {
		fprintf(stderr, "harness: too many paths to remove\n");
		abort();
	}
	if (!n_removals)
		atexit(remove_registered);
	snprintf(removals[n_removals++], PATH_MAX, "%s", path);
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (case_failed++)
		return;
	printf("FAIL %s/%s: %s:%d: ", program, current, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void test_skip(const char *fmt, ...)
{
	va_list ap;

	case_skipped = 1;
	printf("SKIP %s/%s: ", program, current);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

int test_failed(void)
{
	return case_failed;
}

/* Runs one case in a child; returns 1 if it failed, else 0. */
static int run_case(const struct test_case *tc)
{
	int status;
	pid_t pid;

	current = tc->name;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		printf("FAIL %s/%s: fork: %s\n", program, tc->name, strerror(errno));
		return 1;
	}
	if (pid == 0) {
		alarm(TEST_CASE_TIMEOUT_S);
		tc->fn();
		fflush(stdout);
		/* exit(), not _exit(): the case's atexit() clean-ups (helper
		 * processes it started) must run, and so must LeakSanitizer's
		 * check, which then fails a leaking case with ASan's exit
		 * code.  The parent flushed its buffers before the fork. */
		exit(case_failed ? EXIT_CASE_FAILED :
		      case_skipped ? EXIT_CASE_SKIPPED : 0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status)) {
		switch (WEXITSTATUS(status)) {
		case 0:
			printf("PASS %s/%s\n", program, tc->name);
			return 0;
		case EXIT_CASE_SKIPPED:
			return 0;
		case EXIT_CASE_FAILED:
			return 1;
		}
		printf("FAIL %s/%s: exited with status %d (sanitizer report?)\n",
		       program, tc->name, WEXITSTATUS(status));
		return 1;
	}
	printf("FAIL %s/%s: killed by signal %d (%s)\n", program, tc->name,
	       WTERMSIG(status), strsignal(WTERMSIG(status)));
	return 1;
}

int test_main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int failures = 0;
	unsigned i;

	program = basename(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < n_cases; i++) {
		if (filter && !strstr(cases[i].name, filter))
			continue;
		failures += run_case(&cases[i]);
	}
	fflush(stdout);
	return failures ? 1 : 0;
}
