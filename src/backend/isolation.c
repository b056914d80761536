// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Keeping vunetd's privileges to what it needs: none.
 *
 * vunetd never needs a capability: it opens ordinary sockets and serves a
 * unix socket.  When started as root anyway (libvirt's system instance may
 * do so), it switches for good to an unprivileged user before it reads a
 * single guest frame: "nobody" by default, or --runas.  The switch is done
 * after the listening socket, pid file and log file are opened (so they
 * may live in root-only directories) and before the event loop starts.
 * Started as any other user, vunetd keeps that user and --runas is only
 * checked for syntax, as in passt.  Being uid 0 inside a user namespace
 * other than the initial one (`unshare -r`, a rootless container) is not
 * real root: the capabilities only reach that namespace's own resources,
 * and the namespace usually maps no "nobody" to switch to.  As passt does,
 * vunetd keeps its identity there; the initial namespace is recognised by
 * its identity uid_map ("0 0 4294967295").
 *
 * The optional seccomp filter (built when libseccomp is available) is a
 * deny list rather than an allow list: it refuses, with EPERM, system
 * calls that a network backend never has a reason to make (running
 * programs, tracing, mounting, loading kernel code, entering other
 * namespaces, changing identity again).  A deny list cannot break a
 * legitimate data path the other modules add later, while still taking
 * the most useful tools away from an attacker who got code execution
 * through a guest frame.
 */
#include "backend/isolation.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(VUNETD_SECCOMP)
#include <seccomp.h>
#endif

#define RUNAS_MAX 256

/* Parses a decimal id, or returns -1. */
static long parse_id(const char *s)
{
	char *end;
	long v;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v >= (long)(uid_t)-1)
		return -1;
	return v;
}

int isolation_parse_runas(const char *spec, uid_t *uid, gid_t *gid)
{
	char buf[RUNAS_MAX];
	char *group;
	struct passwd *pw;
	long id;

	if (!spec || strlen(spec) >= sizeof(buf) || !*spec)
		return -1;
	strcpy(buf, spec);
	group = strchr(buf, ':');
	if (group)
		*group++ = '\0';

	id = parse_id(buf);
	pw = id < 0 ? getpwnam(buf) : getpwuid(id);
	if (id < 0 && !pw)
		return -1;
	*uid = pw ? pw->pw_uid : (uid_t)id;
	*gid = pw ? pw->pw_gid : (gid_t)id;

	if (group) {
		struct group *gr;

		id = parse_id(group);
		gr = id < 0 ? getgrnam(group) : NULL;
		if (id < 0 && !gr)
			return -1;
		*gid = gr ? gr->gr_gid : (gid_t)id;
	}
	return 0;
}

/* The initial user namespace maps every id to itself in one line. */
#define UID_MAP_PATH "/proc/self/uid_map"
#define UID_MAP_LINE_MAX 128

bool isolation_in_initial_userns(void)
{
	char line[UID_MAP_LINE_MAX];
	unsigned long inner, outer, count;
	bool initial = true; /* if the map cannot be read: assume real root */
	FILE *f = fopen(UID_MAP_PATH, "re");

	if (!f)
		return true;
	if (fgets(line, sizeof(line), f) &&
	    sscanf(line, "%lu %lu %lu", &inner, &outer, &count) == 3)
		initial = inner == 0 && outer == 0 && count == 4294967295UL;
	fclose(f);
	return initial;
}

int isolation_drop_user(uid_t uid, gid_t gid)
{
	if (geteuid() != 0 || !isolation_in_initial_userns())
		return 0;
	if (setgroups(0, NULL) || setgid(gid) || setuid(uid))
		return -errno;
	/* "for good": regaining root must be impossible */
	if (uid != 0 && setuid(0) == 0)
		return -EPERM;
	return 0;
}

#if defined(VUNETD_SECCOMP)
/* LeakSanitizer inspects the process at exit with ptrace() from a helper:
 * sanitizer builds (tests only) must leave it allowed. */
#if defined(__SANITIZE_ADDRESS__)
#define DENY_PTRACE
#else
#define DENY_PTRACE SCMP_SYS(ptrace),
#endif

/* System calls a network backend has no use for once running. */
static const int denied_syscalls[] = {
	SCMP_SYS(execve), SCMP_SYS(execveat), DENY_PTRACE
	SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
	SCMP_SYS(mount), SCMP_SYS(umount2), SCMP_SYS(pivot_root),
	SCMP_SYS(chroot), SCMP_SYS(unshare), SCMP_SYS(setns),
	SCMP_SYS(init_module), SCMP_SYS(finit_module),
	SCMP_SYS(delete_module), SCMP_SYS(kexec_load),
	SCMP_SYS(kexec_file_load), SCMP_SYS(reboot), SCMP_SYS(swapon),
	SCMP_SYS(swapoff), SCMP_SYS(bpf), SCMP_SYS(perf_event_open),
	SCMP_SYS(keyctl), SCMP_SYS(add_key), SCMP_SYS(request_key),
	SCMP_SYS(setuid), SCMP_SYS(setgid), SCMP_SYS(setreuid),
	SCMP_SYS(setregid), SCMP_SYS(setresuid), SCMP_SYS(setresgid),
	SCMP_SYS(setgroups), SCMP_SYS(personality), SCMP_SYS(userfaultfd),
	SCMP_SYS(open_by_handle_at), SCMP_SYS(name_to_handle_at),
};

int isolation_seccomp(void)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
	int rc = -ENOMEM;

	if (!f)
		goto out;
	for (size_t i = 0;
	     i < sizeof(denied_syscalls) / sizeof(denied_syscalls[0]); i++) {
		rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM),
				      denied_syscalls[i], 0);
		if (rc)
			goto out;
	}
	rc = seccomp_load(f);
out:
	if (f)
		seccomp_release(f);
	return rc;
}
#else
int isolation_seccomp(void)
{
	return -ENOSYS;
}
#endif
