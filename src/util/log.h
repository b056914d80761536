/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging shared by vunet and vunetd.
 *
 * Theory of operation: one process-wide sink.  Until log_open_file() is
 * called, messages go to stderr prefixed with the program name.  A log file
 * (vunetd's --log-file, the launcher's domain log) gets a timestamp on each
 * line.  A daemon without a log file would lose its messages with its
 * stderr: log_open_syslog() sends them to syslog(3) instead, as passt does.
 * Levels: error, warning, info, debug; log_set_level() picks the lowest
 * printed (vunetd's --quiet and --debug).  Above them, LOG_LEVEL_ALWAYS is
 * for the few lines a user asked for explicitly (vunetd's counters on
 * SIGUSR1 and at exit): no level hides them.  Nothing here allocates,
 * so the functions may be called from vunetd's data path for rare events;
 * per-packet events are counted, not logged (see the backend's counters).
 */
#ifndef VUNET_UTIL_LOG_H
#define VUNET_UTIL_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ALWAYS, /* asked-for output: never filtered */
	LOG_LEVEL_ERR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

void log_init(const char *prog);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Returns 0, or a negative errno if PATH cannot be opened for appending. */
int log_open_file(const char *path);
/* Sends further messages to the log file only (after daemonizing). */
void log_stop_stderr(void);
/* Sends further messages to syslog(3) as well, under the program name (a
 * daemon without a log file).  The connection is opened now, before any
 * sandboxing. */
void log_open_syslog(void);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap);

#define log_always(...) log_msg(LOG_LEVEL_ALWAYS, __VA_ARGS__)
#define err(...) log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif /* VUNET_UTIL_LOG_H */
