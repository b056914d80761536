// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Logging to a file: each line arrives whole, stamped, in one write().
 *
 * Several processes may append to the same log file (a daemon and its
 * launcher, two vunetd instances given one -l): a line written in two
 * pieces can be split by another process's line.  To see how many
 * write() calls a line takes, this program defines write() itself: the
 * log code, linked statically into it, calls this one, which counts the
 * calls made on the log file's descriptor and forwards every call to the
 * kernel unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/harness.h"
#include "util/log.h"

static int counted_fd = -1;
static unsigned counted_writes;

ssize_t write(int fd, const void *buf, size_t len)
{
	if (fd == counted_fd)
		counted_writes++;
	return syscall(SYS_write, fd, buf, len);
}

/* The descriptor, other than NOT_FD, open on PATH: the one
 * log_open_file() got.  -1 if none. */
static int fd_on(const char *path, int not_fd)
{
	char link[64], target[256];
	int fd;

	for (fd = 3; fd < 1024; fd++) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (fd == not_fd || n < 0)
			continue;
		target[n] = '\0';
		if (!strcmp(target, path))
			return fd;
	}
	return -1;
}

static int is_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

TEST(log_file_line_is_one_write_with_its_stamp)
{
	char path[] = "/tmp/vunet-test-log-XXXXXX", buf[512], *dot, *sp;
	int fd = mkstemp(path);
	ssize_t n;

	CHECK(fd >= 0);
	log_init("vunetd");
	log_stop_stderr();
	CHECK_INT(log_open_file(path), 0);
	counted_fd = fd_on(path, fd);
	CHECK(counted_fd >= 0);
	info("first %d", 1);
	warn("second");
	CHECK_INT(counted_writes, 2);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	CHECK(n > 0);
	buf[n] = '\0';
	/* "SECONDS.MILLIS vunetd: first 1\n" then the warning */
	dot = strchr(buf, '.');
	sp = strchr(buf, ' ');
	CHECK(dot && sp && dot < sp && is_digits(buf, (size_t)(dot - buf)) &&
	      is_digits(dot + 1, 3) && sp == dot + 4);
	CHECK(!strncmp(sp + 1, "vunetd: first 1\n", 16));
	sp = strchr(sp + 17, ' ');
	CHECK(sp && !strcmp(sp + 1, "vunetd: warning: second\n"));
	close(fd);
	unlink(path);
}

TEST(log_file_line_cut_at_its_limit_still_ends_the_line)
{
	char path[] = "/tmp/vunet-test-log-XXXXXX", buf[4096], big[3000];
	int fd = mkstemp(path);
	ssize_t n;

	CHECK(fd >= 0);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_init("vunetd");
	log_stop_stderr();
	CHECK_INT(log_open_file(path), 0);
	counted_fd = fd_on(path, fd);
	CHECK(counted_fd >= 0);
	info("%s", big);
	CHECK_INT(counted_writes, 1);
	n = pread(fd, buf, sizeof(buf), 0);
	CHECK(n > 0 && n < 1024 + 48);
	CHECK_INT(buf[n - 1], '\n');
	CHECK(!memchr(buf, '\n', (size_t)n - 1));
	close(fd);
	unlink(path);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
