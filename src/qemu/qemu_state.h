/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The launcher's runtime state: what lets separate "vunet" commands
 * (start, list, shutdown, ...) agree on which domains run, with no daemon.
 *
 * Theory of operation.  Everything lives in one state directory, chosen
 * by qemu_paths_default_state_dir() (or --state-dir), created mode 0700
 * and refused unless it is a real directory owned by the caller and
 * closed to others (in /tmp anyone could have made it first).  Per
 * running domain NAME it holds:
 *
 *   NAME.xml      the live definition (id, aliases, MACs filled in)
 *   NAME.status   "id=N" and "pid=P" (QEMU's pid) lines
 *   NAME.log      a symbolic link to the domain log (qemu_paths.h:
 *                 LOGDIR/NAME.log, which stays): QEMU's stdout/stderr,
 *                 the start's header, supervisor events, the stop's
 *                 "shutting down, reason=..." line
 *   NAME.lock     the "alive" lock: flock()ed by vunet start and inherited
 *                 by QEMU, so it is held exactly as long as QEMU runs (a
 *                 recycled pid can never look like a running domain)
 *   NAME.job      the "job" lock: held by the one command changing the
 *                 domain (start, shutdown, destroy, hot-plug, stale
 *                 clean-up) or by the domain's supervisor while it acts
 *   NAME.supervisor  locked by the domain's supervisor process for as long
 *                 as it lives (qemu_supervisor.h), so a stop can wait
 *                 for it to be gone without trusting a pid
 *   ids           the domain id counter, as virsh list's Id column
 *   passt/, domain-ID-NAME/   backend and QMP paths (qemu_paths.h)
 *
 * A domain is active when NAME.lock is locked by someone.  Files of a
 * domain whose lock is free are leftovers of a QEMU that exited by itself
 * (guest power-off); qemu_process.c removes them under the job lock.
 * Lock files are removed while the job lock is held; a command that
 * locked a file another one had just unlinked notices (the inode differs
 * from the path's) and retries.
 *
 * Functions return 0 / -1 or a pointer / NULL and report errors once.
 */
#ifndef VUNET_QEMU_QEMU_STATE_H
#define VUNET_QEMU_QEMU_STATE_H

#include <stdarg.h>
#include <stdbool.h>
#include <sys/types.h>

#include "conf/domain_conf.h"

/* Creates DIR (mode 0700, parents as needed) and DIR/passt, and checks
 * that DIR is a directory owned by us and closed to others. */
int qemu_state_prepare(const char *dir);

/* libvirt's wait for a domain's job lock (a command, or the supervisor
 * restarting a backend, holds it). */
#define QEMU_STATE_JOB_WAIT_MS 30000

/* Creates LOG_DIR (mode 0700, parents as needed) and checks it as the
 * state directory is checked; it must not be STATE_DIR itself. */
int qemu_state_prepare_log_dir(const char *log_dir, const char *state_dir);
/* Makes DIR/NAME.log a symbolic link to LOG_PATH (replacing an old
 * one).  0 or -1 (reported). */
int qemu_state_link_log(const char *dir, const char *name,
			const char *log_path);
/* Opens NAME's domain log through DIR/NAME.log for appending; -1 (not
 * reported) when the domain has none. */
int qemu_state_open_log(const char *dir, const char *name);
/* Appends "YYYY-MM-DD HH:MM:SS.mmm+0000: TEXT" to the log open as FD
 * (nothing when FD < 0), in one write, as libvirt prefixes its own lines
 * in a domain log. */
void qemu_state_log_fd(int fd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void qemu_state_vlog_fd(int fd, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* The same through DIR/NAME.log, if the domain has one. */
void qemu_state_log(const char *dir, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "DIR/NAME.SUFFIX"; caller frees; NULL on ENOMEM (reported). */
char *qemu_state_file(const char *dir, const char *name, const char *suffix);

/* Takes NAME's job lock without waiting.  Returns the lock's fd (close it
 * to release), or -1: reported, as "already being started" for START. */
int qemu_state_lock_job(const char *dir, const char *name, bool start);
/* The same, waiting up to TIMEOUT_MS for a holder (another command, the
 * supervisor restarting a backend) to finish; -1 (reported as "busy")
 * when it does not. */
int qemu_state_wait_job(const char *dir, const char *name, int timeout_ms);
/* Takes NAME's alive lock without waiting (vunet start).  Returns its fd
 * (close-on-exec; the caller passes it to QEMU), or -1 (reported). */
int qemu_state_lock_alive(const char *dir, const char *name);
/* True while NAME's alive lock is held, i.e. its QEMU runs. */
bool qemu_state_is_active(const char *dir, const char *name);
/* Takes NAME's supervisor lock (a new supervisor; the start holds the
 * job lock).  Its fd (close-on-exec), or -1 (reported). */
int qemu_state_lock_supervisor(const char *dir, const char *name);
/* Opens NAME's supervisor lock file to wait on it later (it may be
 * unlinked meanwhile); -1 when there is none (not reported). */
int qemu_state_open_supervisor(const char *dir, const char *name);
/* Waits up to TIMEOUT_MS until no process holds the supervisor lock
 * open as FD (from qemu_state_open_supervisor); true when none does. */
bool qemu_state_wait_supervisor_gone(int fd, int timeout_ms);

/* Hands out the next domain id (1, 2, ...). -1 on error (reported). */
int qemu_state_next_id(const char *dir);

/* NAME.status: id and QEMU pid (0 while QEMU is not started yet). */
int qemu_state_write_status(const char *dir, const char *name, int id,
			    pid_t pid);
/* 0, or -1 (not reported) when there is no readable status. */
int qemu_state_read_status(const char *dir, const char *name, int *id,
			   pid_t *pid);

/* Writes DOM's live XML to NAME.xml (aliases shown, as libvirt's live
 * XML does). */
int qemu_state_write_xml(const char *dir, struct vn_domain *dom);
/* The live XML text of NAME; NULL (reported as libvirt's "no domain with
 * matching name") when there is none. */
char *qemu_state_read_xml(const char *dir, const char *name);
/* NAME's live definition with its id from NAME.status; NULL (reported). */
struct vn_domain *qemu_state_load_domain(const char *dir, const char *name);

/* Names of the domains that have a live XML in DIR, sorted; *N_NAMES set.
 * Caller frees each and the array.  -1 on error (reported). */
int qemu_state_list_names(const char *dir, char ***names, size_t *n_names);

/* Removes NAME's files in DIR (xml, status, the log link, the
 * supervisor lock file) and, unless KEEP_LOCKS (a start clearing a
 * previous run under its job lock), the alive and job lock files. */
void qemu_state_remove(const char *dir, const char *name, bool keep_locks);

#endif /* VUNET_QEMU_QEMU_STATE_H */
