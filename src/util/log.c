// SPDX-License-Identifier: GPL-2.0-or-later
/* Process-wide logging: see the theory of operation in log.h. */
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* One line is formatted into a fixed buffer so that it reaches the file in
 * a single write(), whole, even when several processes share the file. */
#define LOG_LINE_MAX 1024

static const char *log_prog = "vunet";
static enum log_level log_level = LOG_LEVEL_INFO;
static int log_file_fd = -1;
static int log_to_stderr = 1;
static int log_to_syslog;

void log_init(const char *prog)
{
	log_prog = prog;
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

int log_open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	if (log_file_fd >= 0)
		close(log_file_fd);
	log_file_fd = fd;
	return 0;
}

void log_stop_stderr(void)
{
	log_to_stderr = 0;
}

void log_open_syslog(void)
{
	openlog(log_prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_to_syslog = 1;
}

static int syslog_priority(enum log_level level)
{
	switch (level) {
	case LOG_LEVEL_ALWAYS:
		return LOG_NOTICE;
	case LOG_LEVEL_ERR:
		return LOG_ERR;
	case LOG_LEVEL_WARN:
		return LOG_WARNING;
	case LOG_LEVEL_INFO:
		return LOG_INFO;
	default:
		return LOG_DEBUG;
	}
}

static const char *level_name(enum log_level level)
{
	switch (level) {
	case LOG_LEVEL_ERR:
		return "error: ";
	case LOG_LEVEL_WARN:
		return "warning: ";
	default:
		return "";
	}
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int saved_errno = errno;
	int head, len;

	if (level > log_level)
		return;
	head = snprintf(line, sizeof(line), "%s: %s", log_prog, level_name(level));
	len = vsnprintf(line + head, sizeof(line) - head - 1, fmt, ap);
	len = len < 0 ? head : head + len;
	if (len > (int)sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';

	if (log_to_stderr)
		write_all(STDERR_FILENO, line, len);
	/* syslog names the program itself: skip our "prog: " prefix */
	if (log_to_syslog)
		syslog(syslog_priority(level), "%.*s",
		       len - 1 - (int)strlen(log_prog) - 2,
		       line + strlen(log_prog) + 2);
	if (log_file_fd >= 0) {
		char stamp[48];
		struct timespec ts;
		int n;

		clock_gettime(CLOCK_REALTIME, &ts);
		n = snprintf(stamp, sizeof(stamp), "%lld.%03ld ",
			     (long long)ts.tv_sec, ts.tv_nsec / 1000000);
		write_all(log_file_fd, stamp, n);
		write_all(log_file_fd, line, len);
	}
	errno = saved_errno;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
