// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runtime state of the launcher: see qemu_state.h for the files and the
 * locking model.
 *
 * NAME.log is a symbolic link to the domain log in the log directory
 * (qemu_paths_domain_log()): whoever writes to the log of a running
 * domain opens it through the state directory, and removing the state
 * removes the link only, never the log.
 *
 * Small files are written whole to NAME.tmp-PID and renamed into place,
 * so a reader never sees half a status or half a definition.  The id
 * counter is read, incremented and rewritten under flock() on the
 * counter file itself.  Every file is created close-on-exec and mode
 * 0600: only the alive lock is meant to reach QEMU, and qemu_process.c
 * hands it over explicitly.
 */
#include "qemu/qemu_state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/error.h"

/* A lock file can be unlinked by the command that held it just before we
 * lock it; a few retries settle that race. */
#define LOCK_ATTEMPTS 5
/* Status and id files are a few bytes; anything bigger is not ours. */
#define SMALL_FILE_MAX 256
/* A live definition is bounded like a definition file. */
#define LIVE_XML_MAX (10 * 1024 * 1024)
/* Index of "lock" in qemu_state_remove()'s list of suffixes. */
#define FIRST_LOCK_SUFFIX 4
/* One line of the domain log. */
#define LOG_LINE_MAX 2048
/* How often a wait for a lock looks again. */
#define LOCK_POLL_MS 50

char *qemu_state_file(const char *dir, const char *name, const char *suffix)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%s.%s", dir, name, suffix) < 0) {
		vn_error_report_errno(ENOMEM, "cannot build a state file path");
		return NULL;
	}
	return path;
}

/* mkdir -p with MODE for the components that do not exist yet. */
static int make_dirs(const char *path, mode_t mode)
{
	char *copy = strdup(path);
	char *p;
	int ret = -1;

	if (!copy) {
		vn_error_report_errno(ENOMEM, "cannot create '%s'", path);
		return -1;
	}
	for (p = copy + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST) {
			vn_error_report_errno(errno, "cannot create directory '%s'",
					      copy);
			goto out;
		}
		*p = saved;
		if (!saved)
			break;
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

/* KIND ("state", "log") names the directory in messages. */
static int check_private_dir(const char *dir, const char *kind)
{
	struct stat st;

	if (lstat(dir, &st) < 0) {
		vn_error_report_errno(errno, "cannot stat %s directory '%s'",
				      kind, dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077)) {
		vn_error_report(VN_ERR_OPERATION_FAILED,
				"%s directory '%s' must be a directory owned by uid %u with no access for others (mode 0700)",
				kind, dir, (unsigned)geteuid());
		return -1;
	}
	return 0;
}

int qemu_state_prepare(const char *dir)
{
	char *passt = NULL;
	int ret = -1;

	if (make_dirs(dir, 0700) < 0 || check_private_dir(dir, "state") < 0)
		return -1;
	if (asprintf(&passt, "%s/passt", dir) < 0) {
		vn_error_report_errno(ENOMEM, "cannot prepare '%s'", dir);
		return -1;
	}
	if (mkdir(passt, 0700) < 0 && errno != EEXIST)
		vn_error_report_errno(errno, "cannot create directory '%s'", passt);
	else
		ret = 0;
	free(passt);
	return ret;
}

int qemu_state_prepare_log_dir(const char *log_dir, const char *state_dir)
{
	struct stat log_st, state_st;

	if (make_dirs(log_dir, 0700) < 0 || check_private_dir(log_dir, "log") < 0)
		return -1;
	/* NAME.log in the state directory links to LOG_DIR/NAME.log: the
	 * same directory would make it a link to itself. */
	if (stat(log_dir, &log_st) == 0 && stat(state_dir, &state_st) == 0 &&
	    log_st.st_dev == state_st.st_dev && log_st.st_ino == state_st.st_ino) {
		vn_error_report(VN_ERR_OPERATION_INVALID,
				"log directory '%s' must not be the state directory",
				log_dir);
		return -1;
	}
	return 0;
}

int qemu_state_link_log(const char *dir, const char *name,
			const char *log_path)
{
	char *link_path = qemu_state_file(dir, name, "log");
	int ret = -1;

	if (!link_path)
		return -1;
	unlink(link_path);
	if (symlink(log_path, link_path) < 0)
		vn_error_report_errno(errno, "cannot link '%s' to '%s'",
				      link_path, log_path);
	else
		ret = 0;
	free(link_path);
	return ret;
}

int qemu_state_open_log(const char *dir, const char *name)
{
	char *path = qemu_state_file(dir, name, "log");
	int fd = path ? open(path, O_WRONLY | O_APPEND | O_CLOEXEC) : -1;

	free(path);
	return fd;
}

void qemu_state_vlog_fd(int fd, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	size_t n;

	if (fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ld+0000: ",
			      ts.tv_nsec / 1000000);
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	n = strlen(line);
	line[n++] = '\n';
	/* One write(): with O_APPEND, QEMU's output and other writers'
	 * lines never interleave within it. */
	if (write(fd, line, n) < 0) {
		/* A log that cannot be written has nobody to tell. */
	}
}

void qemu_state_log_fd(int fd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	qemu_state_vlog_fd(fd, fmt, ap);
	va_end(ap);
}

void qemu_state_log(const char *dir, const char *name, const char *fmt, ...)
{
	int fd = qemu_state_open_log(dir, name);
	va_list ap;

	va_start(ap, fmt);
	qemu_state_vlog_fd(fd, fmt, ap);
	va_end(ap);
	if (fd >= 0)
		close(fd);
}

/* Opens and flock()s PATH with OP | LOCK_NB, making sure the locked inode
 * is still the one at PATH.  Returns the fd, -1 with errno EWOULDBLOCK
 * when someone else holds it, or -1 with another errno. */
static int lock_path(const char *path, int op)
{
	struct stat fst, pst;
	int attempt, fd = -1;

	for (attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return -1;
		if (flock(fd, op | LOCK_NB) < 0) {
			int saved = errno;

			close(fd);
			errno = saved;
			return -1;
		}
		if (fstat(fd, &fst) == 0 && stat(path, &pst) == 0 &&
		    fst.st_ino == pst.st_ino && fst.st_dev == pst.st_dev)
			return fd;
		close(fd);
	}
	errno = EAGAIN;
	return -1;
}

/* What "vunet" commands are told when another one holds the job lock. */
#define JOB_BUSY_MSG \
	"domain '%s' is busy with another command (cannot acquire state change lock)"

/* Takes DIR/NAME.SUFFIX exclusively, looking again every LOCK_POLL_MS for
 * up to WAIT_MS (0: once) while someone else holds it.  Returns the fd,
 * or -1 reported with the path (EBUSY for a lock still held); but a lock
 * still held without REPORT_BUSY is left for the caller to report in its
 * own words: -1 with errno EWOULDBLOCK. */
static int lock_state_file(const char *dir, const char *name,
			   const char *suffix, int wait_ms, bool report_busy)
{
	char *path = qemu_state_file(dir, name, suffix);
	long long deadline = vn_now_ms() + wait_ms;
	int fd, saved;

	if (!path) {
		errno = ENOMEM;
		return -1;
	}
	while ((fd = lock_path(path, LOCK_EX)) < 0 && errno == EWOULDBLOCK &&
	       vn_now_ms() < deadline)
		usleep(LOCK_POLL_MS * 1000);
	saved = errno;
	if (fd < 0 && (saved != EWOULDBLOCK || report_busy))
		vn_error_report_errno(saved == EWOULDBLOCK ? EBUSY : saved,
				      "cannot lock '%s'", path);
	free(path);
	errno = saved;
	return fd;
}

int qemu_state_lock_job(const char *dir, const char *name, bool start)
{
	int fd = lock_state_file(dir, name, "job", 0, false);

	if (fd < 0 && errno == EWOULDBLOCK)
		vn_error_report(VN_ERR_OPERATION_FAILED, start ?
				"domain '%s' is already being started" :
				JOB_BUSY_MSG, name);
	return fd;
}

int qemu_state_wait_job(const char *dir, const char *name, int timeout_ms)
{
	int fd = lock_state_file(dir, name, "job", timeout_ms, false);

	if (fd < 0 && errno == EWOULDBLOCK)
		vn_error_report(VN_ERR_OPERATION_FAILED, JOB_BUSY_MSG, name);
	return fd;
}

int qemu_state_lock_supervisor(const char *dir, const char *name)
{
	return lock_state_file(dir, name, "supervisor", 0, true);
}

int qemu_state_open_supervisor(const char *dir, const char *name)
{
	char *path = qemu_state_file(dir, name, "supervisor");
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;

	free(path);
	return fd;
}

bool qemu_state_wait_supervisor_gone(int fd, int timeout_ms)
{
	long long deadline = vn_now_ms() + timeout_ms;

	for (;;) {
		/* Our shared lock is granted once the supervisor's exclusive
		 * one went with its last descriptor. */
		if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
			flock(fd, LOCK_UN);
			return true;
		}
		if (errno != EWOULDBLOCK && errno != EINTR)
			return true;
		if (vn_now_ms() >= deadline)
			return false;
		usleep(LOCK_POLL_MS * 1000);
	}
}

int qemu_state_lock_alive(const char *dir, const char *name)
{
	int fd = lock_state_file(dir, name, "lock", 0, false);

	if (fd < 0 && errno == EWOULDBLOCK)
		vn_error_report(VN_ERR_OPERATION_INVALID,
				"domain '%s' is already active", name);
	return fd;
}

bool qemu_state_is_active(const char *dir, const char *name)
{
	char *path = qemu_state_file(dir, name, "lock");
	bool active = false;
	int fd;

	if (!path)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		active = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
		close(fd);
	}
	free(path);
	return active;
}

/* Reads a small file into BUF (NUL-terminated).  0 or -1 with errno. */
static int read_small_fd(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

int qemu_state_next_id(const char *dir)
{
	char *path = NULL;
	char buf[SMALL_FILE_MAX];
	int fd = -1, id = -1;
	long last = 0;

	if (asprintf(&path, "%s/ids", dir) < 0) {
		vn_error_report_errno(ENOMEM, "cannot allocate a domain id");
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0 ||
	    read_small_fd(fd, buf, sizeof(buf)) < 0) {
		vn_error_report_errno(errno, "cannot read domain id counter '%s'",
				      path);
		goto out;
	}
	last = strtol(buf, NULL, 10);
	if (last < 0 || last >= 0x7fffffff)
		last = 0;
	snprintf(buf, sizeof(buf), "%ld\n", last + 1);
	if (ftruncate(fd, 0) < 0 ||
	    pwrite(fd, buf, strlen(buf), 0) != (ssize_t)strlen(buf)) {
		vn_error_report_errno(errno, "cannot update domain id counter '%s'",
				      path);
		goto out;
	}
	id = (int)(last + 1);
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return id;
}

/* Writes TEXT to DIR/NAME.SUFFIX atomically (temporary file + rename). */
static int write_state_file(const char *dir, const char *name,
			    const char *suffix, const char *text)
{
	char *path = qemu_state_file(dir, name, suffix);
	char *tmp = NULL;
	size_t len = strlen(text);
	int fd = -1, ret = -1;

	if (!path || asprintf(&tmp, "%s.tmp-%ld", path, (long)getpid()) < 0) {
		tmp = NULL;
		vn_error_report_errno(ENOMEM, "cannot write state of '%s'", name);
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len ||
	    close(fd) < 0 || rename(tmp, path) < 0) {
		vn_error_report_errno(errno, "cannot write '%s'", path);
		if (fd >= 0)
			unlink(tmp);
		fd = -1;
		goto out;
	}
	fd = -1;
	ret = 0;
out:
	free(tmp);
	free(path);
	return ret;
}

int qemu_state_write_status(const char *dir, const char *name, int id,
			    pid_t pid)
{
	char text[SMALL_FILE_MAX];

	snprintf(text, sizeof(text), "id=%d\npid=%ld\n", id, (long)pid);
	return write_state_file(dir, name, "status", text);
}

int qemu_state_read_status(const char *dir, const char *name, int *id,
			   pid_t *pid)
{
	char *path = qemu_state_file(dir, name, "status");
	char buf[SMALL_FILE_MAX];
	long read_id = -1, read_pid = -1;
	int fd, ret = -1;

	if (!path)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && read_small_fd(fd, buf, sizeof(buf)) == 0 &&
	    sscanf(buf, "id=%ld\npid=%ld", &read_id, &read_pid) == 2 &&
	    read_id > 0 && read_id < 0x7fffffff && read_pid >= 0 &&
	    read_pid < 0x7fffffff) {
		*id = (int)read_id;
		*pid = (pid_t)read_pid;
		ret = 0;
	}
	if (fd >= 0)
		close(fd);
	free(path);
	return ret;
}

/* Live XML shows every device alias, as libvirt's does for a running
 * domain; it is read back with VN_PARSE_STATUS, which keeps them as
 * written (a position-based renumbering would rename the interfaces
 * after one that was detached). */
static void show_aliases(struct vn_domain *dom)
{
	size_t i;

	for (i = 0; i < dom->n_nets; i++)
		dom->nets[i]->alias_generated = false;
	for (i = 0; i < dom->n_disks; i++)
		dom->disks[i].alias_generated = false;
	for (i = 0; i < dom->n_chrs; i++)
		dom->chrs[i].alias_generated = false;
}

int qemu_state_write_xml(const char *dir, struct vn_domain *dom)
{
	char *xml;
	int ret;

	show_aliases(dom);
	xml = vn_domain_format(dom);
	if (!xml) {
		vn_error_report_errno(ENOMEM, "cannot format domain '%s'",
				      dom->name);
		return -1;
	}
	ret = write_state_file(dir, dom->name, "xml", xml);
	free(xml);
	return ret;
}

static void report_no_domain(const char *name)
{
	vn_error_report(VN_ERR_NO_DOMAIN, "no domain with matching name '%s'",
			name);
}

char *qemu_state_read_xml(const char *dir, const char *name)
{
	char *path = qemu_state_file(dir, name, "xml");
	char *text = NULL;
	struct stat st;
	int fd = -1;

	if (!path)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size > LIVE_XML_MAX) {
		report_no_domain(name);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text || read(fd, text, (size_t)st.st_size) != st.st_size) {
		vn_error_report_errno(text ? errno : ENOMEM, "cannot read '%s'",
				      path);
		free(text);
		text = NULL;
		goto out;
	}
	text[st.st_size] = '\0';
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return text;
}

struct vn_domain *qemu_state_load_domain(const char *dir, const char *name)
{
	char *xml = qemu_state_read_xml(dir, name);
	struct vn_domain *dom = xml ?
		vn_domain_parse_string_flags(xml, VN_PARSE_STATUS) : NULL;
	pid_t pid;
	int id;

	free(xml);
	if (!dom)
		return NULL;
	if (qemu_state_read_status(dir, name, &id, &pid) < 0) {
		vn_error_report(VN_ERR_INTERNAL_ERROR,
				"domain '%s' has no readable status in '%s'",
				name, dir);
		vn_domain_free(dom);
		return NULL;
	}
	dom->id = id;
	return dom;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends NAME to *NAMES; -1 on ENOMEM. */
static int add_name(char ***names, size_t *n, const char *name, size_t len)
{
	char **grown = realloc(*names, (*n + 1) * sizeof(**names));

	if (!grown)
		return -1;
	*names = grown;
	grown[*n] = strndup(name, len);
	if (!grown[*n])
		return -1;
	(*n)++;
	return 0;
}

int qemu_state_list_names(const char *dir, char ***names, size_t *n_names)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	int ret = 0;

	*names = NULL;
	*n_names = 0;
	if (!d && errno == ENOENT)
		return 0; /* nothing ever ran here */
	if (!d) {
		vn_error_report_errno(errno, "cannot open state directory '%s'",
				      dir);
		return -1;
	}
	while ((ent = readdir(d))) {
		size_t len = strlen(ent->d_name);

		if (len <= 4 || ent->d_name[0] == '.' ||
		    strcmp(ent->d_name + len - 4, ".xml"))
			continue;
		if (add_name(names, n_names, ent->d_name, len - 4) < 0) {
			vn_error_report_errno(ENOMEM, "cannot list domains");
			ret = -1;
			break;
		}
	}
	closedir(d);
	if (*names)
		qsort(*names, *n_names, sizeof(**names), compare_names);
	return ret;
}

void qemu_state_remove(const char *dir, const char *name, bool keep_locks)
{
	/* The lock files come last, from FIRST_LOCK_SUFFIX on. */
	static const char *const suffixes[] = { "xml", "status", "log",
						"supervisor", "lock", "job" };
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if (keep_locks && i >= FIRST_LOCK_SUFFIX)
			break;
		char *path = qemu_state_file(dir, name, suffixes[i]);

		if (path)
			unlink(path);
		free(path);
	}
}
