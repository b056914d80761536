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

/* Room kept before the line for the log file's "SECONDS.MILLIS " stamp. */
#define LOG_STAMP_MAX 48

/* Puts the time stamp right before LINE (which has LOG_STAMP_MAX bytes
 * free in front of it) and returns where the stamped line starts. */
static char *stamp_before(char *line)
{
	char stamp[LOG_STAMP_MAX];
	struct timespec ts;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	n = snprintf(stamp, sizeof(stamp), "%lld.%03ld ",
		     (long long)ts.tv_sec, ts.tv_nsec / 1000000);
	if (n < 0 || n >= (int)sizeof(stamp))
		n = 0;
	memcpy(line - n, stamp, (size_t)n);
	return line - n;
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char buf[LOG_STAMP_MAX + LOG_LINE_MAX];
	char *line = buf + LOG_STAMP_MAX;
	int saved_errno = errno;
	int head, len;

	if (level > log_level)
		return;
	head = snprintf(line, LOG_LINE_MAX, "%s: %s", log_prog,
			level_name(level));
	len = vsnprintf(line + head, LOG_LINE_MAX - head - 1, fmt, ap);
	len = len < 0 ? head : head + len;
	if (len > LOG_LINE_MAX - 2)
		len = LOG_LINE_MAX - 2;
	line[len++] = '\n';

	if (log_to_stderr)
		write_all(STDERR_FILENO, line, len);
	/* syslog names the program itself: skip our "prog: " prefix */
	if (log_to_syslog)
		syslog(syslog_priority(level), "%.*s",
		       len - 1 - (int)strlen(log_prog) - 2,
		       line + strlen(log_prog) + 2);
	if (log_file_fd >= 0) {
		/* stamp and line in one write(): lines of processes sharing
		 * the file never interleave */
		char *stamped = stamp_before(line);

		write_all(log_file_fd, stamped, len + (size_t)(line - stamped));
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
