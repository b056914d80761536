/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vunetd's process: start-up (socket, daemon, pid file, privileges) and
 * the event loop.  See vunetd.c.
 */
#ifndef VUNET_BACKEND_VUNETD_H
#define VUNET_BACKEND_VUNETD_H

#include <stddef.h>

struct ctx;

/* First and last N tried for the default socket path /tmp/vunetd_N.socket
 * (passt's scheme, with our name). */
#define VUNETD_SOCK_FIRST 1
#define VUNETD_SOCK_LAST 64
#define VUNETD_SOCK_FMT "/tmp/vunetd_%d.socket"

/* Opens the socket, log and pid files, daemonizes (unless -f), drops
 * privileges and sets up the event loop.  Returns 0, or -1 after reporting
 * why (before daemonizing: on stderr, and the program exits 1).  In the
 * parent of a daemonizing start, this does not return: the parent exits
 * with 0 once the daemon is ready, or 1 if it failed. */
int vunetd_start(struct ctx *c);

/* Runs the event loop until SIGTERM/SIGINT, or until the front-end goes
 * away with --one-off or --fd.  Cleans up (socket, pid file), logs the
 * counters and returns the process exit status. */
int vunetd_run(struct ctx *c);

/* Formats the counters line (see vunetd(1)) into BUF.  Returns its length
 * (truncated to SIZE - 1 if needed). */
size_t vunetd_format_counters(const struct ctx *c, char *buf, size_t size);

#endif /* VUNET_BACKEND_VUNETD_H */
