/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-domain supervisor: a small process that lives exactly as long
 * as its domain's QEMU (as podman's conmon does), restarts a backend that
 * died while QEMU runs, and cleans up when QEMU exits.  libvirt has no
 * such thing; the name "monitor" is QMP's in this code, hence supervisor.
 *
 * Theory of operation.  "vunet start" forks it as its last step, handing
 * it a pidfd of QEMU (our unreaped child then, so the pid was QEMU's).
 * The supervisor detaches from everything it was started with: its own
 * session (no terminal), stdin/stdout/stderr on /dev/null, every other
 * inherited descriptor closed (above all the alive lock, which must stay
 * QEMU's alone, and the start's job lock), SIGHUP/SIGINT/SIGPIPE ignored.
 * It holds NAME.supervisor locked while it lives (qemu_state.h), so a
 * stop waits for it without trusting a pid, and names itself
 * "vunet-supervise" (comm).  It is a child subreaper: a backend it
 * restarts daemonizes into a child of it, whose exit status it can then
 * reap and log; the backends "vunet start" and attach-device ran are not
 * its children, so their status is logged as unknown.
 *
 * One poll() loop over: QEMU's pidfd, a pidfd per passt-backed
 * interface's backend (pidfd_open(2) on the pid in its pidfile, verified
 * as qemu_process.c verifies a backend before signalling it), and an
 * inotify watch on the state directory for NAME.xml, which attach-device
 * and detach-device rewrite: the supervisor then watches the interfaces
 * the live XML lists.  Events, each logged to the domain log NAME.log
 * (QEMU's output; both append):
 *   - a backend died: after a short grace (QEMU exiting takes its one-off
 *     backends with it), under the job lock, the live XML is read again.
 *     An interface no longer listed was detached (detach-device rewrites
 *     the XML under the same lock before it stops the backend): not
 *     restarted.  Otherwise the backend is run again with the argv the
 *     launch plan builds for that interface (qemu_passt_build_argv, the
 *     start's own code path, synchronously), on the same socket; QEMU's
 *     vhost-user chardev reconnects by itself.  QEMU before 8.0 cannot
 *     reconnect a stream netdev (type='user'): such a backend is not
 *     restarted (it would hold the forwarded ports for nobody) and the
 *     log says the interface is down.  At most
 *     QEMU_SUPERVISOR_RESTART_MAX restarts per interface within
 *     QEMU_SUPERVISOR_RESTART_WINDOW_MS; then it gives up (logged).
 *   - QEMU exited: under the job lock, if the domain is still the one it
 *     watches (same id) and nobody cleaned up yet, everything is removed
 *     as a stop would; then the supervisor exits.  Whoever holds the job
 *     lock cleans; shutdown/destroy release it, then wait for the
 *     supervisor to be gone.
 * Every wait is bounded except the loop itself, which ends with QEMU.
 */
#ifndef VUNET_QEMU_QEMU_SUPERVISOR_H
#define VUNET_QEMU_QEMU_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf/domain_conf.h"

/* A backend that crashes at once must not be restarted forever. */
#define QEMU_SUPERVISOR_RESTART_MAX 5
#define QEMU_SUPERVISOR_RESTART_WINDOW_MS 60000

struct qemu_supervisor_opts {
	const char *state_dir;           /* qemu_paths.h */
	const char *backend;             /* backend program for restarts */
	unsigned long long qemu_version; /* QEMU_VERSION() encoding */
};

/* Forks the supervisor of the just started domain DOM whose QEMU is
 * QEMU_PID, watched through QEMU_PIDFD (still the caller's to close).
 * The caller holds the job lock.  0, or -1 (reported). */
int qemu_supervisor_spawn(const struct vn_domain *dom, int qemu_pidfd,
			  pid_t qemu_pid,
			  const struct qemu_supervisor_opts *opts);

/* The restart times of one interface's backend, most recent last. */
struct qemu_supervisor_budget {
	long long at_ms[QEMU_SUPERVISOR_RESTART_MAX];
	size_t n, next;
};

/* True, and the restart at NOW_MS recorded, when fewer than
 * QEMU_SUPERVISOR_RESTART_MAX restarts happened in the window before. */
bool qemu_supervisor_restart_allowed(struct qemu_supervisor_budget *budget,
				     long long now_ms);

/* "exited with status N", "killed by signal N (SIGNAME)", or (KNOWN
 * false) that the status is unknown, for a wait(2) STATUS. */
void qemu_supervisor_describe_exit(char *buf, size_t size, bool known,
				   int status);

#endif /* VUNET_QEMU_QEMU_SUPERVISOR_H */
