// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Domain start/stop: see qemu_process.h for the sequence and the
 * failure model.
 *
 * Processes.  A backend is forked with stdin/stdout on /dev/null and
 * stderr in an anonymous memory file, so its complaint can be quoted
 * even after it daemonized (the daemon's copy of stderr cannot block us
 * the way a pipe held open by it would).  QEMU is forked into its own
 * session (a Ctrl-C at vunet's terminal must not reach it) and keeps
 * only the alive lock among our descriptors; a backend keeps none.  Both
 * close whatever else is open above stderr, including what whoever ran
 * vunet left without close-on-exec.  When vunet exits QEMU is
 * reparented; later commands reach it only through QMP, its pid and the
 * alive lock, which tells whether that pid is still our QEMU.
 *
 * A process we did not fork is killed only if it is still what we think
 * it is: QEMU while its alive lock is held, a backend when its
 * /proc/PID/cmdline names its own pidfile.  Every wait polls a condition
 * every WAIT_STEP_MS up to a limit.
 */
#include "qemu/qemu_process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qemu/qemu_monitor.h"
#include "qemu/qemu_paths.h"
#include "qemu/qemu_plan.h"
#include "qemu/qemu_state.h"
#include "qemu/qemu_supervisor.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/fd.h"

#define WAIT_STEP_MS 20
/* A backend daemonizes once its socket listens: well under a second
 * normally, more under a sanitizer. */
#define BACKEND_START_TIMEOUT_MS 20000
/* QEMU creates its QMP socket early in its start-up. */
#define MONITOR_TIMEOUT_MS 30000
#define COMMAND_TIMEOUT_MS 5000
/* After "quit" (or SIGTERM), how long QEMU gets to exit. */
#define QUIT_WAIT_MS 5000
#define BACKEND_EXIT_WAIT_MS 2000
/* How long shutdown/destroy wait for the job lock (the supervisor may
 * be restarting a backend, which a backend's start bounds) and, once
 * done, for the supervisor to leave. */
#define STOP_JOB_WAIT_MS QEMU_STATE_JOB_WAIT_MS
#define SUPERVISOR_EXIT_WAIT_MS 5000
/* How much of a backend's stderr or QEMU's log an error message quotes. */
#define MESSAGE_TAIL_MAX 1024

static void sleep_step(void)
{
	usleep(WAIT_STEP_MS * 1000);
}

/* ---- reading what a process said ---- */

/* The last SIZE - 1 bytes of FD's content from offset FROM on, trailing
 * blanks cut. */
static void read_tail_from(int fd, off_t from, char *out, size_t size)
{
	off_t end = lseek(fd, 0, SEEK_END);
	off_t start = end > (off_t)size - 1 ? end - (off_t)size + 1 : 0;
	ssize_t n;

	if (start < from)
		start = from;
	n = end > start ? pread(fd, out, (size_t)(end - start), start) : 0;

	out[n > 0 ? n : 0] = '\0';
	n = (ssize_t)strlen(out);
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' ||
			 out[n - 1] == ' '))
		out[--n] = '\0';
}

static void read_tail(int fd, char *out, size_t size)
{
	read_tail_from(fd, 0, out, size);
}

/* ---- waiting ---- */

enum child_wait {
	CHILD_EXITED,  /* *STATUS is its wait status */
	CHILD_RUNNING, /* still running at the deadline */
	CHILD_UNKNOWN, /* waitpid() failed (errno): how it ended is unknown,
			* e.g. SIGCHLD ignored by whoever started us, so the
			* kernel reaped it */
};

/* Waits for our child PID to exit, up to TIMEOUT_MS. */
static enum child_wait wait_child(pid_t pid, int timeout_ms, int *status)
{
	long long deadline = vn_now_ms() + timeout_ms;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return CHILD_EXITED;
		if (r < 0 && errno != EINTR)
			return CHILD_UNKNOWN;
		if (vn_now_ms() >= deadline)
			return CHILD_RUNNING;
		sleep_step();
	}
}

static bool wait_inactive(const char *dir, const char *name, int timeout_ms)
{
	long long deadline = vn_now_ms() + timeout_ms;

	while (qemu_state_is_active(dir, name)) {
		if (vn_now_ms() >= deadline)
			return false;
		sleep_step();
	}
	return true;
}

/* Reads the start of /proc/PID/FILE into BUF (SIZE bytes, NUL-terminated:
 * empty when it cannot be read).  Returns the bytes read; <= 0: none. */
static ssize_t read_proc_file(pid_t pid, const char *file, char *buf,
			      size_t size)
{
	char path[64];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* A zombie has exited: it only waits for its parent (the supervisor, for
 * a backend it restarted) to reap it. */
static bool is_zombie(pid_t pid)
{
	char buf[512], *state;

	read_proc_file(pid, "stat", buf, sizeof(buf));
	/* "PID (COMM) STATE ...": COMM may hold anything, even ")". */
	state = strrchr(buf, ')');
	return state && state[1] == ' ' && state[2] == 'Z';
}

static bool process_exists(pid_t pid)
{
	return (kill(pid, 0) == 0 || errno == EPERM) && !is_zombie(pid);
}

static bool wait_gone(pid_t pid, int timeout_ms)
{
	long long deadline = vn_now_ms() + timeout_ms;

	while (process_exists(pid)) {
		if (vn_now_ms() >= deadline)
			return false;
		sleep_step();
	}
	return true;
}

/* ---- backends ---- */

/* True if /proc/PID/cmdline contains NEEDLE as a whole argument. */
static bool cmdline_has(pid_t pid, const char *needle)
{
	char buf[8192];
	ssize_t n = read_proc_file(pid, "cmdline", buf, sizeof(buf));
	size_t off = 0;

	if (n <= 0)
		return false;
	while (off < (size_t)n) {
		if (!strcmp(buf + off, needle))
			return true;
		off += strlen(buf + off) + 1;
	}
	return false;
}

static pid_t read_pidfile(const char *path)
{
	char buf[32];
	long pid = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 1 && pid < 0x7fffffff ? (pid_t)pid : 0;
}

/* Stops the backend whose pidfile is PIDFILE if it still runs (one-off
 * backends normally left with QEMU), then removes its files. */
static void stop_backend(const char *socket_path, const char *pidfile)
{
	pid_t pid = read_pidfile(pidfile);
	char *repair = NULL;

	if (pid > 0 && cmdline_has(pid, pidfile)) {
		kill(pid, SIGTERM);
		if (!wait_gone(pid, BACKEND_EXIT_WAIT_MS) &&
		    cmdline_has(pid, pidfile))
			kill(pid, SIGKILL);
	}
	unlink(pidfile);
	if (socket_path) {
		unlink(socket_path);
		/* passt's socket for its migration helper (passt-repair). */
		if (asprintf(&repair, "%s.repair", socket_path) >= 0) {
			unlink(repair);
			free(repair);
		}
	}
}

static void stop_backends(const char *dir, const struct vn_domain *dom)
{
	size_t i;

	for (i = 0; i < dom->n_nets; i++) {
		const struct vn_net *net = dom->nets[i];
		char *socket_path, *pidfile;

		if (!vn_net_is_passt(net))
			continue;
		socket_path = qemu_paths_passt_socket(dir, dom, net);
		pidfile = qemu_paths_passt_pidfile(dir, dom, net);
		if (pidfile)
			stop_backend(socket_path, pidfile);
		free(socket_path);
		free(pidfile);
	}
}

/* ---- file-backed guest RAM ---- */

/* Whether QEMU keeps DOM's RAM in files (memory-backend-file, mem-path
 * under qemu_paths_ram_dir()). */
static bool has_ram_files(const struct vn_domain *dom)
{
	return dom->mem_source == VN_MEMORY_SOURCE_FILE;
}

/* DIR/ram and DIR/ram/ID-NAME, mode 0700 (guest memory is nobody
 * else's business), as libvirt makes its ram/ directory per domain.
 * 0 or -1 (reported). */
static int create_ram_dir(const char *dir, const struct vn_domain *dom)
{
	char *ram_dir = qemu_paths_ram_dir(dir, dom);
	char *slash = ram_dir ? strrchr(ram_dir, '/') : NULL;
	int ret = -1;

	if (!slash)
		goto out;
	*slash = '\0';
	if (mkdir(ram_dir, 0700) < 0 && errno != EEXIST) {
		vn_error_report_errno(errno, "cannot create directory '%s'",
				      ram_dir);
		goto out;
	}
	*slash = '/';
	if (mkdir(ram_dir, 0700) < 0 && errno != EEXIST) {
		vn_error_report_errno(errno, "cannot create directory '%s'",
				      ram_dir);
		goto out;
	}
	ret = 0;
out:
	free(ram_dir);
	return ret;
}

/* Removes DIR/ram/ID-NAME and the RAM files QEMU left in it (it does not
 * remove a mem-path file it created).  QEMU makes no subdirectories. */
static void remove_ram_dir(const char *dir, const struct vn_domain *dom)
{
	char *ram_dir = qemu_paths_ram_dir(dir, dom);
	DIR *d = ram_dir ? opendir(ram_dir) : NULL;
	struct dirent *ent;

	while (d && (ent = readdir(d)))
		if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, ".."))
			unlinkat(dirfd(d), ent->d_name, 0);
	if (d)
		closedir(d);
	if (ram_dir)
		rmdir(ram_dir);
	free(ram_dir);
}

/* Removes everything DOM's run left in DIR (QEMU must be gone). */
static void remove_domain_files(const char *dir, const struct vn_domain *dom,
				bool keep_locks)
{
	char *monitor = qemu_paths_monitor_socket(dir, dom);
	char *domain_dir = qemu_paths_domain_dir(dir, dom);

	stop_backends(dir, dom);
	if (has_ram_files(dom))
		remove_ram_dir(dir, dom);
	if (monitor)
		unlink(monitor);
	if (domain_dir)
		rmdir(domain_dir);
	free(monitor);
	free(domain_dir);
	qemu_state_remove(dir, dom->name, keep_locks);
}

static const char *program_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* In the forked child: stdin/stdout to /dev/null, stderr to ERR_FD. */
static void child_redirect(int out_fd, int err_fd)
{
	int null_fd = open("/dev/null", O_RDWR);

	if (null_fd >= 0) {
		dup2(null_fd, STDIN_FILENO);
		dup2(out_fd >= 0 ? out_fd : null_fd, STDOUT_FILENO);
		if (null_fd > STDERR_FILENO)
			close(null_fd);
	}
	dup2(err_fd, STDERR_FILENO);
}

/* In the forked child: runs ARGV with only stdio and PASS_FD (or -1)
 * of our descriptors, whatever whoever ran vunet left open. */
static void child_exec(char *const *argv, int pass_fd)
{
	sigset_t none;

	vn_close_fds_except(&pass_fd, 1);
	/* Ignored signals survive exec: the supervisor, which restarts
	 * backends, ignores these for itself. */
	signal(SIGHUP, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	/* The start blocks termination signals; the child must not inherit
	 * that across exec. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execvp(argv[0], argv);
	dprintf(STDERR_FILENO, "cannot execute '%s': %s\n", argv[0],
		strerror(errno));
	_exit(127);
}

/* Runs one backend and waits for it to daemonize.  0 or -1 (reported). */
static int start_backend(const struct qemu_argv *argv)
{
	const char *prog = program_name(argv->v[0]);
	char said[MESSAGE_TAIL_MAX];
	int err_fd = memfd_create("vunet-backend-stderr", MFD_CLOEXEC);
	int status = 0, ret = -1;
	enum child_wait waited;
	pid_t pid;

	if (err_fd < 0) {
		vn_error_report_errno(errno, "cannot start '%s'", prog);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		child_redirect(-1, err_fd);
		child_exec(argv->v, -1);
	}
	if (pid < 0) {
		vn_error_report_errno(errno, "cannot fork '%s'", prog);
		goto out;
	}
	waited = wait_child(pid, BACKEND_START_TIMEOUT_MS, &status);
	if (waited == CHILD_RUNNING) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		vn_error_report(VN_ERR_INTERNAL_ERROR,
				"Could not start '%s': no answer within %d ms",
				prog, BACKEND_START_TIMEOUT_MS);
		goto out;
	}
	if (waited == CHILD_UNKNOWN) {
		/* Its exit status is what says it started: without it a
		 * failed backend would pass for a running one. */
		vn_error_report_errno(errno, "Could not start '%s': cannot wait for process %ld",
				      prog, (long)pid);
		goto out;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		ret = 0;
		goto out;
	}
	read_tail(err_fd, said, sizeof(said));
	vn_error_report(VN_ERR_INTERNAL_ERROR, "Could not start '%s': %s", prog,
			said);
out:
	close(err_fd);
	return ret;
}

/* ---- QEMU ---- */

/* Drops -no-shutdown: without a daemon to act on a paused, powered-off
 * guest, QEMU itself must end when the guest powers off. */
static void drop_no_shutdown(struct qemu_argv *argv)
{
	size_t i;

	for (i = 1; i < argv->n; i++) {
		if (strcmp(argv->v[i], "-no-shutdown"))
			continue;
		free(argv->v[i]);
		memmove(&argv->v[i], &argv->v[i + 1],
			(argv->n - i) * sizeof(argv->v[0]));
		argv->n--;
		break;
	}
}

/* Forks QEMU with its output appended to the domain log LOG_FD and the
 * alive lock ALIVE_FD inherited.  Returns its pid or -1 (reported). */
static pid_t spawn_qemu(const struct qemu_argv *argv, int log_fd,
			int alive_fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		setsid();
		child_redirect(log_fd, log_fd);
		fcntl(alive_fd, F_SETFD, 0);
		/* As libvirt runs QEMU: its messages in the log untranslated. */
		setenv("LC_ALL", "C", 1);
		child_exec(argv->v, alive_fd);
	}
	if (pid < 0)
		vn_error_report_errno(errno, "cannot fork '%s'", argv->v[0]);
	return pid;
}

/* Quotes what QEMU wrote to the log since LOG_START: this start's part
 * only, not an earlier run's. */
static void report_qemu_exit(int log_fd, off_t log_start)
{
	char said[MESSAGE_TAIL_MAX];

	read_tail_from(log_fd, log_start, said, sizeof(said));
	vn_error_report(VN_ERR_INTERNAL_ERROR,
			"process exited while connecting to monitor: %s", said);
}

/* Connects QMP while checking that QEMU (our child *PID) still runs.
 * NULL on failure (reported, with QEMU's log when it exited; *PID is
 * then 0, the child reaped). */
static struct qemu_monitor *connect_monitor(const char *path, pid_t *pid,
					    int log_fd, off_t log_start)
{
	long long deadline = vn_now_ms() + MONITOR_TIMEOUT_MS;
	struct qemu_monitor *mon = NULL;
	struct stat st;
	int status;

	for (;;) {
		pid_t r = waitpid(*pid, NULL, WNOHANG);

		/* ECHILD: the kernel reaped it (SIGCHLD ignored), it is gone. */
		if (r == *pid || (r < 0 && errno == ECHILD)) {
			*pid = 0;
			report_qemu_exit(log_fd, log_start);
			return NULL;
		}
		if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			break;
		if (vn_now_ms() >= deadline) {
			vn_error_report(VN_ERR_INTERNAL_ERROR,
					"QEMU did not create its monitor socket '%s' within %d ms",
					path, MONITOR_TIMEOUT_MS);
			return NULL;
		}
		sleep_step();
	}
	mon = qemu_monitor_open(path, (int)(deadline - vn_now_ms() > 0 ?
					    deadline - vn_now_ms() : 0));
	/* QEMU may have listened, then failed (a missing kernel): its log
	 * says why better than the broken connection does. */
	if (!mon && wait_child(*pid, QUIT_WAIT_MS, &status) == CHILD_EXITED) {
		*pid = 0;
		report_qemu_exit(log_fd, log_start);
	}
	return mon;
}

/* Writes the records a failed start or a later command cleans up from. */
static int record_domain(const char *dir, struct vn_domain *dom)
{
	char *domain_dir = qemu_paths_domain_dir(dir, dom);
	int ret = -1;

	if (!domain_dir)
		return -1;
	if (mkdir(domain_dir, 0700) < 0 && errno != EEXIST)
		vn_error_report_errno(errno, "cannot create directory '%s'",
				      domain_dir);
	else if ((!has_ram_files(dom) || create_ram_dir(dir, dom) == 0) &&
		 qemu_state_write_xml(dir, dom) == 0 &&
		 qemu_state_write_status(dir, dom->name, dom->id, 0) == 0)
		ret = 0;
	free(domain_dir);
	return ret;
}

static int start_backends(const struct qemu_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n_backends; i++)
		if (start_backend(plan->backends[i].argv) < 0)
			return -1;
	return 0;
}

/* Steps 4-6 of the start (qemu_process.h), with QEMU's output in the
 * domain log LOG_FD from offset LOG_START on.  *QEMU_PID is set as soon
 * as QEMU runs, for the caller's rollback. */
static int launch(const char *dir, struct vn_domain *dom,
		  struct qemu_plan *plan, int alive_fd, int log_fd,
		  off_t log_start, pid_t *qemu_pid)
{
	char *monitor_path = qemu_paths_monitor_socket(dir, dom);
	struct qemu_monitor *mon = NULL;
	int ret = -1;

	if (!monitor_path || start_backends(plan) < 0)
		goto out;
	*qemu_pid = spawn_qemu(plan->qemu, log_fd, alive_fd);
	if (*qemu_pid < 0)
		goto out;
	if (qemu_state_write_status(dir, dom->name, dom->id, *qemu_pid) < 0)
		goto out;
	mon = connect_monitor(monitor_path, qemu_pid, log_fd, log_start);
	if (!mon || qemu_monitor_execute(mon, "cont", NULL, NULL,
					 COMMAND_TIMEOUT_MS) < 0)
		goto out;
	ret = 0;
out:
	qemu_monitor_close(mon);
	free(monitor_path);
	return ret;
}

static void report_already_active(const char *dir, const char *name)
{
	struct vn_domain *running = qemu_state_load_domain(dir, name);
	char uuid[37] = "";
	const unsigned char *u;

	if (running) {
		u = running->uuid;
		snprintf(uuid, sizeof(uuid),
			 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8],
			 u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	}
	vn_domain_free(running);
	vn_error_report(VN_ERR_OPERATION_FAILED,
			"domain '%s' already exists with uuid %s", name, uuid);
}

/* Removes the leftovers of a run of NAME whose QEMU is gone; the job
 * lock is held (and kept when KEEP_LOCKS). */
static void clear_leftovers(const char *dir, const char *name,
			    bool keep_locks)
{
	struct vn_domain *old = qemu_state_load_domain(dir, name);

	/* Nobody stopped it through vunet: a guest power-off, a crash or a
	 * signal, which only QEMU's parent could tell apart. */
	qemu_state_log(dir, name, "shutting down, reason=unknown");
	if (old)
		remove_domain_files(dir, old, keep_locks);
	else
		qemu_state_remove(dir, name, keep_locks);
	vn_domain_free(old);
	vn_error_reset();
}

static bool has_leftovers(const char *dir, const char *name)
{
	char *path = qemu_state_file(dir, name, "xml");
	bool exists = path && access(path, F_OK) == 0;

	free(path);
	return exists;
}

/* True if one of SIGNALS (blocked) arrived meanwhile. */
static bool interrupted(const sigset_t *signals)
{
	sigset_t pending;
	int sig;

	if (sigpending(&pending) < 0)
		return false;
	for (sig = 1; sig < NSIG; sig++)
		if (sigismember(signals, sig) == 1 &&
		    sigismember(&pending, sig) == 1)
			return true;
	return false;
}

/* Links DIR/NAME.log to the domain log in LOG_DIR, opens it and appends
 * libvirt's header: what starts, and QEMU's command line with the
 * environment we set.  *LOG_START is where QEMU's output will begin.
 * The fd, or -1 (reported). */
static int open_domain_log(const char *dir, const char *log_dir,
			   const struct vn_domain *dom,
			   const struct qemu_plan *plan,
			   unsigned long long qemu_version, off_t *log_start)
{
	char *log_path = qemu_paths_domain_log(log_dir, dom->name);
	char *args = qemu_argv_format(plan->qemu);
	char host[256] = "";
	struct utsname uts;
	int fd = -1;

	if (!log_path || !args)
		goto out;
	/* Read too: a failed start quotes what QEMU wrote. */
	fd = open(log_path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		vn_error_report_errno(errno, "cannot open domain log '%s'",
				      log_path);
		goto out;
	}
	if (qemu_state_link_log(dir, dom->name, log_path) < 0) {
		close(fd);
		fd = -1;
		goto out;
	}
	if (uname(&uts) < 0)
		memset(&uts, 0, sizeof(uts));
	gethostname(host, sizeof(host) - 1);
	qemu_state_log_fd(fd, "starting up vunet version: %s, qemu version: %llu.%llu.%llu, kernel: %s, hostname: %s",
			  VUNET_VERSION, qemu_version / 1000000,
			  qemu_version / 1000 % 1000, qemu_version % 1000,
			  uts.release, host);
	dprintf(fd, "LC_ALL=C \\\n%s", args);
	*log_start = lseek(fd, 0, SEEK_END);
out:
	free(args);
	free(log_path);
	return fd;
}

/* Forks the domain's supervisor (qemu_supervisor.h) for our child QEMU
 * PID.  0 or -1 (reported). */
static int spawn_supervisor(const struct vn_domain *dom,
			    const struct qemu_process_opts *opts, pid_t qemu_pid)
{
	struct qemu_supervisor_opts sup = { .state_dir = opts->state_dir,
					    .backend = opts->backend,
					    .qemu_version = opts->qemu_version };
	/* QEMU is our unreaped child: the pid cannot name anything else. */
	int qemu_pidfd = (int)syscall(SYS_pidfd_open, qemu_pid, 0);
	int ret;

	if (qemu_pidfd < 0) {
		vn_error_report_errno(errno, "cannot watch QEMU (pid %ld)",
				      (long)qemu_pid);
		return -1;
	}
	ret = qemu_supervisor_spawn(dom, qemu_pidfd, qemu_pid, &sup);
	close(qemu_pidfd);
	return ret;
}

int qemu_process_start(struct vn_domain *dom,
		       const struct qemu_process_opts *opts)
{
	const char *dir = opts->state_dir;
	struct qemu_build_opts build = { .qemu_version = opts->qemu_version,
					 .state_dir = dir };
	struct qemu_plan *plan = NULL;
	int job_fd = -1, alive_fd = -1, log_fd = -1, ret = -1;
	off_t log_start = 0;
	pid_t qemu_pid = -1;
	bool recorded = false;
	sigset_t stop_signals, saved_mask;

	/* A Ctrl-C in the middle must not leave half a domain: it takes
	 * effect once the start has finished or been rolled back. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop_signals, &saved_mask);
	if (!opts->log_dir) {
		vn_error_report(VN_ERR_INTERNAL_ERROR, "no log directory given");
		goto out;
	}
	if (qemu_state_prepare(dir) < 0 ||
	    qemu_state_prepare_log_dir(opts->log_dir, dir) < 0)
		goto out;
	job_fd = qemu_state_lock_job(dir, dom->name, true);
	if (job_fd < 0)
		goto out;
	if (qemu_state_is_active(dir, dom->name)) {
		report_already_active(dir, dom->name);
		goto out;
	}
	if (has_leftovers(dir, dom->name))
		clear_leftovers(dir, dom->name, true);
	dom->id = qemu_state_next_id(dir);
	if (dom->id < 0)
		goto out;
	plan = qemu_plan_build(dom, &build, opts->backend);
	if (!plan)
		goto out;
	drop_no_shutdown(plan->qemu);
	alive_fd = qemu_state_lock_alive(dir, dom->name);
	if (alive_fd < 0)
		goto out;
	recorded = true;
	if (record_domain(dir, dom) < 0)
		goto out;
	log_fd = open_domain_log(dir, opts->log_dir, dom, plan,
				 opts->qemu_version, &log_start);
	if (log_fd < 0 ||
	    launch(dir, dom, plan, alive_fd, log_fd, log_start, &qemu_pid) < 0)
		goto out;
	if (interrupted(&stop_signals)) {
		vn_error_report(VN_ERR_OPERATION_FAILED,
				"start of domain '%s' interrupted", dom->name);
		goto out;
	}
	/* Last, so that no failure can follow it: a failed start leaves
	 * no supervisor. */
	if (spawn_supervisor(dom, opts, qemu_pid) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0 && qemu_pid > 0) {
		kill(qemu_pid, SIGKILL);
		waitpid(qemu_pid, NULL, 0);
	}
	if (alive_fd >= 0)
		close(alive_fd);
	if (ret < 0 && vn_error_code() != VN_ERR_NONE)
		qemu_state_log_fd(log_fd, "vunet start: %s", vn_error_message());
	if (ret < 0)
		qemu_state_log_fd(log_fd, "shutting down, reason=failed");
	if (log_fd >= 0)
		close(log_fd);
	if (ret < 0 && recorded)
		remove_domain_files(dir, dom, false);
	if (job_fd >= 0)
		close(job_fd);
	qemu_plan_free(plan);
	sigprocmask(SIG_SETMASK, &saved_mask, NULL);
	return ret;
}

/* ---- stopping ---- */

/* Sends COMMAND over NAME's QMP socket.  0 or -1 (reported). */
static int send_monitor_command(const char *dir, const struct vn_domain *dom,
				const char *command)
{
	char *path = qemu_paths_monitor_socket(dir, dom);
	struct qemu_monitor *mon = path ? qemu_monitor_open(path,
						COMMAND_TIMEOUT_MS) : NULL;
	int ret = -1;

	if (mon)
		ret = qemu_monitor_execute(mon, command, NULL, NULL,
					   COMMAND_TIMEOUT_MS);
	qemu_monitor_close(mon);
	free(path);
	return ret;
}

/* SIGTERM, then SIGKILL, to QEMU PID while NAME's alive lock shows it is
 * still our QEMU.  True once it is gone. */
static bool kill_qemu(const char *dir, const char *name, pid_t pid)
{
	if (pid <= 0 || !qemu_state_is_active(dir, name))
		return wait_inactive(dir, name, 0);
	kill(pid, SIGTERM);
	if (wait_inactive(dir, name, QUIT_WAIT_MS))
		return true;
	if (qemu_state_is_active(dir, name))
		kill(pid, SIGKILL);
	return wait_inactive(dir, name, QUIT_WAIT_MS);
}

/* Releases the job lock, then waits for the supervisor, which acts on
 * QEMU's exit only under that lock, to find the domain gone and leave. */
static void end_stop(int job_fd, int supervisor_fd)
{
	if (job_fd >= 0)
		close(job_fd);
	if (supervisor_fd >= 0) {
		qemu_state_wait_supervisor_gone(supervisor_fd,
						SUPERVISOR_EXIT_WAIT_MS);
		close(supervisor_fd);
	}
}

/* Locks NAME for a stop and loads its live definition; NULL (reported)
 * when it is not running, with whatever it took released.  *JOB_FD gets
 * the job lock, *SUPERVISOR_FD the supervisor's lock file (or -1), for
 * end_stop. */
static struct vn_domain *begin_stop(const char *dir, const char *name,
				    int *job_fd, int *supervisor_fd)
{
	struct vn_domain *dom = NULL;

	*job_fd = -1;
	*supervisor_fd = -1;
	if (!has_leftovers(dir, name)) {
		vn_error_report(VN_ERR_NO_DOMAIN,
				"no domain with matching name '%s'", name);
		return NULL;
	}
	*job_fd = qemu_state_wait_job(dir, name, STOP_JOB_WAIT_MS);
	if (*job_fd < 0)
		return NULL;
	/* Opened before the clean-up unlinks it: end_stop waits on it. */
	*supervisor_fd = qemu_state_open_supervisor(dir, name);
	if (!qemu_state_is_active(dir, name)) {
		/* QEMU ended by itself: a transient domain is gone then. */
		clear_leftovers(dir, name, false);
		vn_error_report(VN_ERR_NO_DOMAIN,
				"no domain with matching name '%s'", name);
	} else {
		dom = qemu_state_load_domain(dir, name);
	}
	if (!dom) {
		end_stop(*job_fd, *supervisor_fd);
		*job_fd = -1;
		*supervisor_fd = -1;
	}
	return dom;
}

/* Ends QEMU the hard way if need be, then removes every file.  REASON
 * (libvirt's word: "shutdown", "destroyed") ends the run's log. */
static int finish_stop(const char *dir, struct vn_domain *dom, int job_fd,
		       int supervisor_fd, const char *reason)
{
	pid_t pid = 0;
	int id, ret = 0;

	if (qemu_state_is_active(dir, dom->name) &&
	    qemu_state_read_status(dir, dom->name, &id, &pid) == 0 &&
	    !kill_qemu(dir, dom->name, pid)) {
		vn_error_report(VN_ERR_OPERATION_FAILED,
				"failed to terminate process %ld of domain '%s'",
				(long)pid, dom->name);
		ret = -1;
	}
	if (ret == 0) {
		qemu_state_log(dir, dom->name, "shutting down, reason=%s",
			       reason);
		remove_domain_files(dir, dom, false);
	}
	end_stop(job_fd, supervisor_fd);
	vn_domain_free(dom);
	return ret;
}

int qemu_process_shutdown(const char *state_dir, const char *name,
			  int timeout_s)
{
	const char *reason = "shutdown";
	int job_fd, supervisor_fd;
	struct vn_domain *dom = begin_stop(state_dir, name, &job_fd,
					   &supervisor_fd);

	if (!dom)
		return -1;
	qemu_state_log(state_dir, name, "vunet shutdown: asking the guest to power off (timeout %d s)",
		       timeout_s);
	if (send_monitor_command(state_dir, dom, "system_powerdown") < 0 ||
	    !wait_inactive(state_dir, name, timeout_s * 1000)) {
		/* The guest ignored the request (no ACPI, no handler). */
		qemu_state_log(state_dir, name, "vunet shutdown: the guest did not power off: stopping QEMU");
		reason = "destroyed";
		send_monitor_command(state_dir, dom, "quit");
		wait_inactive(state_dir, name, QUIT_WAIT_MS);
	}
	vn_error_reset();
	return finish_stop(state_dir, dom, job_fd, supervisor_fd, reason);
}

int qemu_process_destroy(const char *state_dir, const char *name)
{
	int job_fd, supervisor_fd;
	struct vn_domain *dom = begin_stop(state_dir, name, &job_fd,
					   &supervisor_fd);

	if (!dom)
		return -1;
	qemu_state_log(state_dir, name, "vunet destroy: stopping QEMU");
	if (send_monitor_command(state_dir, dom, "quit") == 0)
		wait_inactive(state_dir, name, QUIT_WAIT_MS);
	vn_error_reset();
	return finish_stop(state_dir, dom, job_fd, supervisor_fd, "destroyed");
}

int qemu_process_reap(const char *state_dir, const char *name)
{
	int job_fd;

	if (qemu_state_is_active(state_dir, name))
		return 1;
	job_fd = qemu_state_lock_job(state_dir, name, false);
	if (job_fd < 0) {
		vn_error_reset();
		return 0;
	}
	if (qemu_state_is_active(state_dir, name)) {
		close(job_fd);
		return 1;
	}
	clear_leftovers(state_dir, name, false);
	close(job_fd);
	return 0;
}

/* ---- for hot-plug (qemu_hotplug.c) ---- */

int qemu_process_start_backend(const struct qemu_argv *argv)
{
	return start_backend(argv);
}

void qemu_process_stop_backend(const char *socket_path, const char *pidfile)
{
	stop_backend(socket_path, pidfile);
}

/* ---- for the supervisor (qemu_supervisor.c) ---- */

int qemu_process_open_backend_pidfd(const char *pidfile, pid_t *pid)
{
	pid_t found = read_pidfile(pidfile);
	struct pollfd exited;
	int fd;

	if (found <= 0)
		return -1;
	fd = (int)syscall(SYS_pidfd_open, found, 0);
	if (fd < 0)
		return -1;
	/* The cmdline read was the pidfd's process only if that process
	 * still runs after the check: until it is gone its pid cannot be
	 * reused. */
	exited = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (!cmdline_has(found, pidfile) || poll(&exited, 1, 0) != 0) {
		close(fd);
		return -1;
	}
	*pid = found;
	return fd;
}

void qemu_process_clear_stopped(const char *state_dir, const char *name)
{
	clear_leftovers(state_dir, name, false);
}
