// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runtime paths of a domain and the backend program: see qemu_paths.h for
 * the scheme.
 *
 * The short name is cut by characters, not bytes, as libvirt does (it
 * converts to wide characters), so a UTF-8 name is never split in the
 * middle of a character; bytes that are not valid UTF-8 count as one
 * character each.  Socket paths are checked against sun_path here, where
 * they are made, so no caller can hand QEMU or the backend a path that
 * the kernel would refuse or silently shorten.
 *
 * Only three functions look outside their arguments: the default state
 * and log directories (environment, /run/user, the password database)
 * and the backend lookup (environment, the launcher's own directory).
 * Each has a pure variant or explicit inputs for the tests.
 */
#include "qemu/qemu_paths.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/error.h"

#define BACKEND_NAME "vunetd"

static char *format_path(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *format_path(const char *fmt, ...)
{
	char *path = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&path, fmt, ap) < 0)
		path = NULL;
	va_end(ap);
	if (!path)
		vn_error_report_errno(ENOMEM, "cannot build a path");
	return path;
}

/* Length in bytes of the UTF-8 sequence starting at S (1 if invalid). */
static size_t utf8_char_len(const unsigned char *s)
{
	size_t len, i;

	if (*s < 0x80)
		return 1;
	if ((*s & 0xe0) == 0xc0)
		len = 2;
	else if ((*s & 0xf0) == 0xe0)
		len = 3;
	else if ((*s & 0xf8) == 0xf0)
		len = 4;
	else
		return 1;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 1;
	return len;
}

char *qemu_paths_short_name(const struct vn_domain *dom)
{
	const char *name = dom->name ? dom->name : "";
	const unsigned char *p = (const unsigned char *)name;
	size_t chars = 0;

	while (*p && chars < QEMU_SHORT_NAME_MAX) {
		p += utf8_char_len(p);
		chars++;
	}
	return format_path("%d-%.*s", dom->id,
			   (int)(p - (const unsigned char *)name), name);
}

int qemu_paths_check_socket(const char *path)
{
	struct sockaddr_un addr;

	if (strlen(path) < sizeof(addr.sun_path))
		return 0;
	vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
			"UNIX socket path '%s' too long (%zu bytes, at most %zu)",
			path, strlen(path), sizeof(addr.sun_path) - 1);
	return -1;
}

static bool is_directory(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *qemu_paths_state_dir_for(unsigned uid, const char *xdg,
			       const char *tmpdir, const char *run_user)
{
	char *user_dir;
	bool exists;

	if (uid == 0)
		return format_path("/run/vunet");
	if (xdg && *xdg == '/')
		return format_path("%s/vunet", xdg);
	user_dir = format_path("%s/%u", run_user, uid);
	if (!user_dir)
		return NULL;
	exists = is_directory(user_dir);
	free(user_dir);
	if (exists)
		return format_path("%s/%u/vunet", run_user, uid);
	if (!tmpdir || *tmpdir != '/')
		tmpdir = "/tmp";
	return format_path("%s/vunet-%u", tmpdir, uid);
}

char *qemu_paths_default_state_dir(void)
{
	return qemu_paths_state_dir_for(getuid(), getenv("XDG_RUNTIME_DIR"),
					getenv("TMPDIR"), "/run/user");
}

char *qemu_paths_log_dir_for(unsigned uid, const char *xdg_cache,
			     const char *home)
{
	if (uid == 0)
		return format_path("/var/log/vunet");
	if (xdg_cache && *xdg_cache == '/')
		return format_path("%s/vunet/log", xdg_cache);
	if (home && *home == '/')
		return format_path("%s/.cache/vunet/log", home);
	vn_error_report(VN_ERR_OPERATION_FAILED,
			"cannot find the log directory of uid %u: neither XDG_CACHE_HOME nor a home directory is known (use --log-dir)",
			uid);
	return NULL;
}

char *qemu_paths_default_log_dir(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (!home || *home != '/') {
		pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	return qemu_paths_log_dir_for(getuid(), getenv("XDG_CACHE_HOME"), home);
}

char *qemu_paths_domain_log(const char *log_dir, const char *name)
{
	return format_path("%s/%s.log", log_dir, name);
}

/* DIR/SUBDIR/SHORT-ALIAS + SUFFIX */
static char *passt_path(const char *state_dir, const struct vn_domain *dom,
			const struct vn_net *net, const char *suffix)
{
	char *short_name = qemu_paths_short_name(dom);
	char *path = NULL;

	if (short_name)
		path = format_path("%s/passt/%s-%s%s", state_dir, short_name,
				   net->alias ? net->alias : "", suffix);
	free(short_name);
	return path;
}

/* Frees PATH and returns NULL if it cannot be a socket address. */
static char *checked_socket(char *path)
{
	if (path && qemu_paths_check_socket(path) < 0) {
		free(path);
		return NULL;
	}
	return path;
}

char *qemu_paths_passt_socket(const char *state_dir,
			      const struct vn_domain *dom,
			      const struct vn_net *net)
{
	return checked_socket(passt_path(state_dir, dom, net, ".socket"));
}

char *qemu_paths_passt_pidfile(const char *state_dir,
			       const struct vn_domain *dom,
			       const struct vn_net *net)
{
	return passt_path(state_dir, dom, net, "-passt.pid");
}

char *qemu_paths_domain_dir(const char *state_dir, const struct vn_domain *dom)
{
	char *short_name = qemu_paths_short_name(dom);
	char *path = NULL;

	if (short_name)
		path = format_path("%s/domain-%s", state_dir, short_name);
	free(short_name);
	return path;
}

char *qemu_paths_monitor_socket(const char *state_dir,
				const struct vn_domain *dom)
{
	char *dir = qemu_paths_domain_dir(state_dir, dom);
	char *path = NULL;

	if (dir)
		path = format_path("%s/monitor.sock", dir);
	free(dir);
	return checked_socket(path);
}

char *qemu_paths_ram_dir(const char *state_dir, const struct vn_domain *dom)
{
	char *short_name = qemu_paths_short_name(dom);
	char *path = NULL;

	if (short_name)
		path = format_path("%s/ram/%s", state_dir, short_name);
	free(short_name);
	return path;
}

char *qemu_paths_ram_file(const char *state_dir, const struct vn_domain *dom,
			  const char *id)
{
	char *dir = qemu_paths_ram_dir(state_dir, dom);
	char *path = NULL;

	if (dir)
		path = format_path("%s/%s", dir, id);
	free(dir);
	return path;
}

/* "DIR/vunetd" for the directory holding SELF_EXE, if executable. */
static char *sibling_backend(const char *self_exe)
{
	char exe[PATH_MAX];
	ssize_t len;
	char *slash, *path;

	if (!self_exe)
		return NULL;
	len = readlink(self_exe, exe, sizeof(exe) - 1);
	if (len < 0) {
		/* Not a symlink: take it as the path itself. */
		if (strlen(self_exe) >= sizeof(exe))
			return NULL;
		strcpy(exe, self_exe);
	} else {
		exe[len] = '\0';
	}
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	path = format_path("%s/" BACKEND_NAME, exe);
	if (path && access(path, X_OK) < 0) {
		free(path);
		path = NULL;
	}
	return path;
}

char *qemu_paths_backend_program(const char *override, const char *self_exe)
{
	const char *env = getenv("VUNET_BACKEND");
	char *path;

	if (override && *override)
		return format_path("%s", override);
	if (env && *env)
		return format_path("%s", env);
	path = sibling_backend(self_exe);
	if (path)
		return path;
	return format_path(BACKEND_NAME);
}
