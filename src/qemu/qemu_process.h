/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Starting and stopping a domain: the backends, QEMU, and their files.
 *
 * Theory of operation.  Start, as libvirt does it for a transient domain:
 *   1. job lock, refuse a name that is active, clear leftovers of a
 *      previous run of the name (qemu_state.h);
 *   2. a new domain id, the launch plan built with it (qemu_plan.h), so
 *      every socket/pidfile path carries ID-NAME and two domains with the
 *      same aliases never collide;
 *   3. alive lock, live XML and status written (so any later failure is
 *      cleaned up from the same records a later command would use), and
 *      for file-backed guest RAM its directory DIR/ram/ID-NAME (0700);
 *   4. each backend run with the plan's exact argv and waited for: it
 *      daemonizes once its socket listens, so its exit status says whether
 *      it started; a failure aborts with its stderr in libvirt's message
 *      "Could not start 'PROGRAM': STDERR";
 *   5. the domain log LOGDIR/NAME.log (qemu_paths.h; DIR/NAME.log links
 *      to it) opened for appending, with libvirt's header: a "starting
 *      up" line and QEMU's command line; QEMU spawned (the plan has -S:
 *      paused) in its own session, with LC_ALL=C, stdout/stderr appended
 *      to that log and the alive lock inherited;
 *   6. QMP connected (QEMU exiting meanwhile is reported with what it
 *      wrote to the log during this start), "cont", status written with
 *      QEMU's pid.
 * Any failure rolls back: QEMU killed, every backend stopped through its
 * pidfile, every socket (including a passt backend's SOCKET.repair),
 * pidfile and state file removed, the RAM directory with the files QEMU
 * left in it, so the name is free again; the log keeps "shutting down,
 * reason=failed".  SIGINT,
 * SIGTERM and SIGHUP are held back during the start (children get them
 * unblocked); one that arrived meanwhile rolls the start back, then
 * takes effect: an interrupted start leaves nothing either.
 *
 *   7. the domain's supervisor forked (qemu_supervisor.h): the last
 *      step, so a failed start never leaves one.
 *
 * No daemon watches the domains; each domain's supervisor watches its
 * QEMU and backends.  vunet does not pass -no-shutdown, so a guest
 * power-off ends QEMU; the backends run --one-off and leave when QEMU
 * disconnects; the supervisor then removes what is left (failing that,
 * the next command touching the name: list, start, shutdown, destroy).
 *
 * Shutdown asks the guest (QMP system_powerdown), waits up to the
 * timeout for QEMU to exit, then sends "quit", then SIGKILL.  Destroy
 * sends "quit" at once, then SIGTERM and SIGKILL.  Both finish with the
 * same clean-up as a failed start, after libvirt's last line in the log:
 * "shutting down, reason=shutdown" (or "destroyed": destroy, or a guest
 * that did not power off).  A run that ended by itself (guest power-off,
 * crash, signal: told apart only by QEMU's parent, which vunet is not
 * for long) ends with "reason=unknown", written by whoever cleans up.
 * They wait (bounded) for the job lock,
 * which the supervisor holds while it restarts a backend, and once done
 * for the supervisor to leave.  All waits are bounded.
 */
#ifndef VUNET_QEMU_QEMU_PROCESS_H
#define VUNET_QEMU_QEMU_PROCESS_H

#include "conf/domain_conf.h"
#include "qemu/qemu_argv.h"

/* Default for "vunet shutdown --timeout": a busybox or systemd guest
 * with ACPI powers off well within it; a guest ignoring the request is
 * then stopped with "quit". */
#define QEMU_PROCESS_SHUTDOWN_TIMEOUT_S 30

struct qemu_process_opts {
	const char *state_dir;           /* qemu_paths.h */
	const char *log_dir;             /* where NAME.log stays (required) */
	const char *backend;             /* backend program */
	unsigned long long qemu_version; /* QEMU_VERSION() encoding */
};

/* Starts DOM (validated).  Sets DOM->id.  0 or -1 (reported, rolled back). */
int qemu_process_start(struct vn_domain *dom,
		       const struct qemu_process_opts *opts);
/* 0 when NAME has stopped and its files are gone, -1 (reported). */
int qemu_process_shutdown(const char *state_dir, const char *name,
			  int timeout_s);
int qemu_process_destroy(const char *state_dir, const char *name);
/* Removes the leftovers of NAME if its QEMU is gone (no-op while it runs
 * or while another command holds its job lock).  Returns 1 if NAME is
 * still active, 0 otherwise. */
int qemu_process_reap(const char *state_dir, const char *name);

/* One backend, as the start runs it (hot-plug): waits until it has
 * daemonized; 0 or -1 reported as "Could not start 'PROGRAM': STDERR". */
int qemu_process_start_backend(const struct qemu_argv *argv);
/* Stops the backend of PIDFILE if it still runs, removes its files. */
void qemu_process_stop_backend(const char *socket_path, const char *pidfile);

/* A pidfd for the backend whose pidfile is PIDFILE, verified as the
 * stop is: its /proc/PID/cmdline names PIDFILE (checked while the pidfd
 * shows it running, so a reused pid cannot pass).  *PID set.  The fd
 * (close-on-exec), or -1 (not reported) when no such backend runs. */
int qemu_process_open_backend_pidfd(const char *pidfile, pid_t *pid);
/* Removes every file of NAME, whose QEMU is gone; the caller holds the
 * job lock (the supervisor after QEMU exited). */
void qemu_process_clear_stopped(const char *state_dir, const char *name);

#endif /* VUNET_QEMU_QEMU_PROCESS_H */
