/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where a domain's runtime files live, and which backend program runs.
 *
 * Theory of operation: libvirt derives every runtime path of a domain
 * from a state directory and the domain's "short name", ID-NAME with NAME
 * cut to 20 characters (ID is -1 for a domain that is not running).  vunet
 * keeps the same scheme so that, given libvirt's state directory
 * (/var/run/libvirt/qemu), its paths equal libvirt's byte for byte:
 *
 *   DIR/passt/SHORT-ALIAS.socket        the backend's vhost-user/stream socket
 *   DIR/passt/SHORT-ALIAS-passt.pid     the backend's pidfile
 *   DIR/domain-SHORT/monitor.sock       QEMU's QMP monitor (libvirt: fd=)
 *   DIR/ram/SHORT/pc.ram                file-backed guest RAM (or ram-nodeN)
 *
 * The state directory is per user and needs no privilege (see
 * qemu_paths_default_state_dir()).  A Unix socket path longer than
 * sun_path can hold is refused with an error that names it: silently
 * truncating it would make QEMU and the backend disagree on the socket.
 *
 * The domain log is kept apart from that runtime state, as libvirt keeps
 * its domain logs (/var/log/libvirt/qemu/NAME.log, or a session's
 * $XDG_CACHE_HOME/libvirt/qemu/log/NAME.log): LOGDIR/NAME.log, appended
 * by every run of NAME, so that it outlives the stop that removes the
 * state (see qemu_paths_default_log_dir()).
 *
 * Everything here is pure string building except the lookups that
 * consult the environment and the file system (state dir, log dir,
 * backend).
 */
#ifndef VUNET_QEMU_QEMU_PATHS_H
#define VUNET_QEMU_QEMU_PATHS_H

#include "conf/domain_conf.h"

/* libvirt's VIR_DOMAIN_SHORT_NAME_MAX, in characters. */
#define QEMU_SHORT_NAME_MAX 20

/* "ID-NAME" with NAME cut to QEMU_SHORT_NAME_MAX UTF-8 characters.
 * Caller frees; NULL on ENOMEM (reported). */
char *qemu_paths_short_name(const struct vn_domain *dom);

/* The default state directory: $XDG_RUNTIME_DIR/vunet, else
 * /run/user/UID/vunet if /run/user/UID exists, else ${TMPDIR:-/tmp}/vunet-UID;
 * /run/vunet for root.  Caller frees; NULL on ENOMEM (reported). */
char *qemu_paths_default_state_dir(void);
/* The same decision with its inputs explicit (for tests): RUN_USER is the
 * directory holding per-user runtime directories ("/run/user"); XDG and
 * TMPDIR may be NULL. */
char *qemu_paths_state_dir_for(unsigned uid, const char *xdg,
			       const char *tmpdir, const char *run_user);

/* The default log directory: /var/log/vunet for root, else
 * $XDG_CACHE_HOME/vunet/log, else HOME/.cache/vunet/log with HOME from
 * the environment or, without it, the password database.  Caller frees;
 * NULL (reported) on ENOMEM or when no home directory is known. */
char *qemu_paths_default_log_dir(void);
/* The same decision with its inputs explicit (for tests); XDG_CACHE and
 * HOME may be NULL, and count only as absolute paths. */
char *qemu_paths_log_dir_for(unsigned uid, const char *xdg_cache,
			     const char *home);
/* LOG_DIR/NAME.log, the log every run of domain NAME appends to (the
 * full name, as libvirt names its logs).  Caller frees; NULL on ENOMEM
 * (reported). */
char *qemu_paths_domain_log(const char *log_dir, const char *name);

/* The backend's socket and pidfile for NET, as above.  The socket path
 * is checked against sun_path.  Caller frees; NULL (reported) on ENOMEM
 * or when the socket path is too long. */
char *qemu_paths_passt_socket(const char *state_dir,
			      const struct vn_domain *dom,
			      const struct vn_net *net);
char *qemu_paths_passt_pidfile(const char *state_dir,
			       const struct vn_domain *dom,
			       const struct vn_net *net);
/* QEMU's QMP socket (checked against sun_path), and the domain's
 * private directory that holds it. */
char *qemu_paths_domain_dir(const char *state_dir, const struct vn_domain *dom);
char *qemu_paths_monitor_socket(const char *state_dir,
				const struct vn_domain *dom);
/* The directory holding a domain's file-backed guest RAM (DIR/ram/SHORT),
 * and the file in it behind <memoryBacking><source type='file'/> for
 * the RAM backend called ID ("pc.ram", "ram-node0"). */
char *qemu_paths_ram_dir(const char *state_dir, const struct vn_domain *dom);
char *qemu_paths_ram_file(const char *state_dir, const struct vn_domain *dom,
			  const char *id);

/* Returns 0 if PATH fits in sockaddr_un.sun_path with its NUL, else -1
 * with an error naming PATH. */
int qemu_paths_check_socket(const char *path);

/* The backend program: OVERRIDE (--backend) if given, else $VUNET_BACKEND,
 * else "vunetd" in the directory of SELF_EXE (normally /proc/self/exe)
 * if it is executable there, else "vunetd" (looked up in PATH at exec
 * time).  Caller frees; NULL on ENOMEM (reported). */
char *qemu_paths_backend_program(const char *override, const char *self_exe);

#endif /* VUNET_QEMU_QEMU_PATHS_H */
