// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tests of the per-domain supervisor (src/qemu/qemu_supervisor.c) and
 * what it builds on: the restart budget, exit descriptions, a backend's
 * pidfile turned into a verified pidfd, waiting for the job lock and for
 * a supervisor to leave, and the supervisor itself against stand-ins.
 *
 * Theory of operation: the pure parts are called directly.  The process
 * cases work in a fresh state directory under $TMPDIR (or /tmp) with
 * stand-ins instead of QEMU and a backend, so no VM is needed: "QEMU" is
 * a sleep(1) child holding the domain's alive lock, as QEMU holds it;
 * the "backend" is a shell script that, like a passt-compatible backend,
 * leaves a daemon whose command line names its pidfile (a sleep(1) whose
 * argv[0] is the pidfile's path) and writes its pid there, then exits 0.  Every wait is bounded (WAIT_MS) and every
 * stand-in sleeps at most STAND_IN_S, so nothing outlives a failed case
 * for long; a case kills its stand-ins on the way out.  Real QEMU and
 * vunetd: tests/e2e/test-supervise.sh.
 */
#include "tests/harness.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf/domain_conf.h"
#include "qemu/qemu_passt.h"
#include "qemu/qemu_paths.h"
#include "qemu/qemu_process.h"
#include "qemu/qemu_state.h"
#include "qemu/qemu_supervisor.h"
#include "tests/qemu/scratch.h"
#include "util/error.h"

#define WAIT_MS 10000
#define STAND_IN_S "60"
#define STEP_US 20000

static char base[256];
static char dir[300];

static void fresh_dir(void)
{
	scratch_make(base, sizeof(base), dir, sizeof(dir), "vunet-supervisor-test");
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- restart budget and exit descriptions ---- */

TEST(budget_allows_max_restarts_within_the_window)
{
	struct qemu_supervisor_budget b = { 0 };
	int i;

	for (i = 0; i < QEMU_SUPERVISOR_RESTART_MAX; i++)
		CHECK(qemu_supervisor_restart_allowed(&b, 1000 + i));
}

TEST(budget_refuses_one_more_within_the_window)
{
	struct qemu_supervisor_budget b = { 0 };
	int i;

	for (i = 0; i < QEMU_SUPERVISOR_RESTART_MAX; i++)
		CHECK(qemu_supervisor_restart_allowed(&b, 1000 + i));
	CHECK(!qemu_supervisor_restart_allowed(
		&b, 1000 + QEMU_SUPERVISOR_RESTART_WINDOW_MS - 1));
	/* A refusal is not a restart: it does not push the window on. */
	CHECK(qemu_supervisor_restart_allowed(
		&b, 1000 + QEMU_SUPERVISOR_RESTART_WINDOW_MS));
}

TEST(budget_allows_again_once_the_oldest_leaves_the_window)
{
	struct qemu_supervisor_budget b = { 0 };
	long long t = 5000;
	int i;

	for (i = 0; i < QEMU_SUPERVISOR_RESTART_MAX; i++)
		CHECK(qemu_supervisor_restart_allowed(&b, t + i * 10000LL));
	/* The first restart (at t) left the window; the second has not. */
	t += QEMU_SUPERVISOR_RESTART_WINDOW_MS;
	CHECK(qemu_supervisor_restart_allowed(&b, t));
	CHECK(!qemu_supervisor_restart_allowed(&b, t + 1));
}

TEST(budget_spaced_restarts_never_run_out)
{
	struct qemu_supervisor_budget b = { 0 };
	long long spacing = QEMU_SUPERVISOR_RESTART_WINDOW_MS /
			    QEMU_SUPERVISOR_RESTART_MAX + 1;
	int i;

	for (i = 0; i < 100; i++)
		CHECK_MSG(qemu_supervisor_restart_allowed(&b, i * spacing),
			  "restart %d refused", i);
}

TEST(exit_description_names_the_signal)
{
	char buf[128];

	qemu_supervisor_describe_exit(buf, sizeof(buf), true, SIGKILL);
	CHECK_STR(buf, "killed by signal 9 (SIGKILL)");
}

TEST(exit_description_gives_the_status)
{
	char buf[128];

	qemu_supervisor_describe_exit(buf, sizeof(buf), true, 3 << 8);
	CHECK_STR(buf, "exited with status 3");
}

TEST(exit_description_says_when_unknown)
{
	char buf[128];

	qemu_supervisor_describe_exit(buf, sizeof(buf), false, 0);
	CHECK_STR(buf, "exit status unknown (not the supervisor's child)");
}

/* ---- pidfile -> pidfd ---- */

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void write_pid(const char *path, pid_t pid)
{
	char text[32];

	snprintf(text, sizeof(text), "%ld\n", (long)pid);
	write_text(path, text);
}

/* A child whose command line carries ARG as a whole argument. */
static pid_t spawn_sleeper(const char *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* argv[0] is anything we like: ARG. */
		execlp("sleep", arg, STAND_IN_S, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void stop_child(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* Waits until /proc shows PID exec'd (its cmdline is no longer ours). */
static void wait_exec(pid_t pid, const char *arg)
{
	char path[64], buf[4096];
	long long deadline = now_ms() + WAIT_MS;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	while (now_ms() < deadline) {
		fd = open(path, O_RDONLY);
		n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n > 0 && memmem(buf, (size_t)n, arg, strlen(arg)))
			return;
		usleep(STEP_US);
	}
}

TEST(pidfd_for_a_process_naming_its_pidfile)
{
	char pidfile[400];
	pid_t pid, got = 0;
	int fd;

	fresh_dir();
	CHECK(mkdir(dir, 0700) == 0);
	snprintf(pidfile, sizeof(pidfile), "%s/b-passt.pid", dir);
	pid = spawn_sleeper(pidfile);
	wait_exec(pid, pidfile);
	write_pid(pidfile, pid);
	fd = qemu_process_open_backend_pidfd(pidfile, &got);
	stop_child(pid);
	CHECK(fd >= 0);
	CHECK_INT(got, pid);
	close(fd);
	scratch_remove(base);
}

TEST(pidfd_refused_for_a_process_not_naming_the_pidfile)
{
	char pidfile[400], other[400];
	pid_t pid, got = 0;
	int fd;

	fresh_dir();
	CHECK(mkdir(dir, 0700) == 0);
	snprintf(pidfile, sizeof(pidfile), "%s/b-passt.pid", dir);
	snprintf(other, sizeof(other), "%s/other-passt.pid", dir);
	pid = spawn_sleeper(other);
	wait_exec(pid, other);
	write_pid(pidfile, pid);
	fd = qemu_process_open_backend_pidfd(pidfile, &got);
	stop_child(pid);
	CHECK_INT(fd, -1);
	scratch_remove(base);
}

TEST(pidfd_refused_for_a_process_that_is_gone)
{
	char pidfile[400];
	pid_t pid, got = 0;

	fresh_dir();
	CHECK(mkdir(dir, 0700) == 0);
	snprintf(pidfile, sizeof(pidfile), "%s/b-passt.pid", dir);
	pid = spawn_sleeper(pidfile);
	wait_exec(pid, pidfile);
	write_pid(pidfile, pid);
	stop_child(pid);
	CHECK_INT(qemu_process_open_backend_pidfd(pidfile, &got), -1);
	scratch_remove(base);
}

TEST(pidfd_refused_for_a_garbage_or_missing_pidfile)
{
	char pidfile[400];
	pid_t got = 0;

	fresh_dir();
	CHECK(mkdir(dir, 0700) == 0);
	snprintf(pidfile, sizeof(pidfile), "%s/b-passt.pid", dir);
	CHECK_INT(qemu_process_open_backend_pidfd(pidfile, &got), -1);
	write_text(pidfile, "not a pid\n");
	CHECK_INT(qemu_process_open_backend_pidfd(pidfile, &got), -1);
	write_text(pidfile, "1\n"); /* init: never a backend of ours */
	CHECK_INT(qemu_process_open_backend_pidfd(pidfile, &got), -1);
	scratch_remove(base);
}

/* ---- locks ---- */

/* A child that holds NAME's job lock for HOLD_MS, then exits. */
static pid_t hold_job_lock(const char *name, int hold_ms)
{
	int fd = qemu_state_lock_job(dir, name, false);
	pid_t pid;

	if (fd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		usleep((useconds_t)hold_ms * 1000);
		_exit(0);
	}
	close(fd); /* the child's copy keeps the lock */
	return pid;
}

TEST(job_wait_gets_the_lock_once_the_holder_leaves)
{
	long long started;
	pid_t holder;
	int fd;

	fresh_dir();
	CHECK_INT(qemu_state_prepare(dir), 0);
	holder = hold_job_lock("d1", 300);
	CHECK(holder > 0);
	started = now_ms();
	fd = qemu_state_wait_job(dir, "d1", WAIT_MS);
	waitpid(holder, NULL, 0);
	CHECK_MSG(fd >= 0, "error: %s", vn_error_message());
	CHECK(now_ms() - started >= 200);
	close(fd);
	scratch_remove(base);
}

TEST(job_wait_gives_up_after_its_timeout)
{
	pid_t holder;
	int fd;

	fresh_dir();
	CHECK_INT(qemu_state_prepare(dir), 0);
	holder = hold_job_lock("d1", 2000);
	CHECK(holder > 0);
	fd = qemu_state_wait_job(dir, "d1", 200);
	stop_child(holder);
	CHECK_INT(fd, -1);
	CHECK_STR(vn_error_message(),
		  "operation failed: domain 'd1' is busy with another command (cannot acquire state change lock)");
	scratch_remove(base);
}

TEST(supervisor_lock_is_waited_for_even_once_unlinked)
{
	int lock_fd, wait_fd;
	pid_t holder;

	fresh_dir();
	CHECK_INT(qemu_state_prepare(dir), 0);
	lock_fd = qemu_state_lock_supervisor(dir, "d1");
	CHECK(lock_fd >= 0);
	holder = fork();
	if (holder == 0) {
		usleep(300 * 1000);
		_exit(0);
	}
	close(lock_fd);
	wait_fd = qemu_state_open_supervisor(dir, "d1");
	CHECK(wait_fd >= 0);
	qemu_state_remove(dir, "d1", false);
	CHECK(!qemu_state_wait_supervisor_gone(wait_fd, 50));
	CHECK(qemu_state_wait_supervisor_gone(wait_fd, WAIT_MS));
	waitpid(holder, NULL, 0);
	close(wait_fd);
	scratch_remove(base);
}

/* ---- the supervisor against stand-ins ---- */

#define DOMAIN_NAME "sup"
#define DOMAIN_ID 7

/* The domain with one passt-backed interface of TYPE: vhostuser, or
 * user (QEMU's stream netdev). */
#define DOMAIN_XML(type)                                                  \
	"<domain type='qemu'><name>" DOMAIN_NAME "</name>"                \
	"<memory unit='MiB'>64</memory>"                                  \
	"<os><type arch='x86_64' machine='pc'>hvm</type></os>"            \
	"<devices><interface type='" type "'><backend type='passt'/>"     \
	"<model type='virtio'/></interface></devices></domain>"

/* The stand-in backend: a daemon named after its pidfile, its pid in the
 * pidfile, and it listens on nothing (the supervisor only watches). */
static const char *const fake_backend =
	"#!/bin/bash\n"
	"pidfile=\n"
	"while [ $# -gt 0 ]; do\n"
	"  [ \"$1\" = --pid ] && pidfile=$2\n"
	"  shift\n"
	"done\n"
	"bash -c 'exec -a \"$1\" sleep " STAND_IN_S "' fake-backend \"$pidfile\" "
	"</dev/null >/dev/null 2>&1 &\n"
	"# Ready once exec'd, as a daemon writes its pidfile once it runs.\n"
	"for i in $(seq 100); do\n"
	"  [ \"$(tr '\\0' '\\n' < /proc/$!/cmdline | head -n 1)\" = \"$pidfile\" ] && break\n"
	"  sleep 0.01\n"
	"done\n"
	"echo $! > \"$pidfile\"\n";

/* The same, but its daemon dies after a moment: a backend crashing at
 * once. */
static const char *const crashing_backend =
	"#!/bin/bash\n"
	"pidfile=\n"
	"while [ $# -gt 0 ]; do\n"
	"  [ \"$1\" = --pid ] && pidfile=$2\n"
	"  shift\n"
	"done\n"
	"bash -c 'exec -a \"$1\" sleep 0.2' fake-backend \"$pidfile\" "
	"</dev/null >/dev/null 2>&1 &\n"
	"echo $! > \"$pidfile\"\n";

/* The program the supervisor restarts backends with: the stand-in
 * backend unless a case sets another script. */
static const char *restart_script;
/* The supervisor is given the backend as ./fake-backend, relative to
 * the directory the start runs in. */
static bool relative_backend;

struct stand_ins {
	struct vn_domain *dom;
	char backend[400], restart_backend[400];
	char *pidfile, *socket;
	pid_t qemu;
	int qemu_pidfd;
	int supervisor_fd; /* to wait for it */
};

/* "QEMU": a sleeper holding the alive lock, as QEMU inherits it. */
static pid_t spawn_fake_qemu(void)
{
	int alive = qemu_state_lock_alive(dir, DOMAIN_NAME);
	pid_t pid;

	if (alive < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		fcntl(alive, F_SETFD, 0);
		execlp("sleep", "sleep", STAND_IN_S, (char *)NULL);
		_exit(127);
	}
	close(alive);
	return pid;
}

static struct qemu_supervisor_opts sup_opts;

/* Records the domain (its interface of NET_TYPE) as a start does, runs
 * its backend and "QEMU" (version 7.2), and forks the supervisor.  0 or
 * -1. */
static int start_stand_ins_typed(struct stand_ins *si, const char *net_type)
{
	struct qemu_argv *argv;
	char *log;
	int ret;

	memset(si, 0, sizeof(*si));
	si->qemu_pidfd = si->supervisor_fd = -1;
	if (qemu_state_prepare(dir) < 0)
		return -1;
	snprintf(si->backend, sizeof(si->backend), "%s/fake-backend", base);
	write_text(si->backend, fake_backend);
	chmod(si->backend, 0755);
	si->dom = vn_domain_parse_string(strcmp(net_type, "user") ?
					 DOMAIN_XML("vhostuser") :
					 DOMAIN_XML("user"));
	if (!si->dom)
		return -1;
	si->dom->id = DOMAIN_ID;
	si->pidfile = qemu_paths_passt_pidfile(dir, si->dom, si->dom->nets[0]);
	si->socket = qemu_paths_passt_socket(dir, si->dom, si->dom->nets[0]);
	if (qemu_state_write_xml(dir, si->dom) < 0)
		return -1;
	argv = qemu_passt_build_argv(si->dom, si->dom->nets[0], dir,
				     si->backend);
	ret = argv ? qemu_process_start_backend(argv) : -1;
	qemu_argv_free(argv);
	if (ret < 0)
		return -1;
	si->qemu = spawn_fake_qemu();
	if (si->qemu < 0 ||
	    qemu_state_write_status(dir, DOMAIN_NAME, DOMAIN_ID, si->qemu) < 0)
		return -1;
	/* QEMU's log, which the supervisor appends to. */
	log = qemu_state_file(dir, DOMAIN_NAME, "log");
	if (log)
		write_text(log, "");
	free(log);
	si->qemu_pidfd = (int)syscall(SYS_pidfd_open, si->qemu, 0);
	sup_opts = (struct qemu_supervisor_opts){
		.state_dir = dir, .backend = si->backend,
		.qemu_version = 7002000 };
	if (relative_backend) {
		/* As "vunet start" run in the directory of ./vunetd. */
		if (chdir(base) < 0)
			return -1;
		sup_opts.backend = "./fake-backend";
	}
	if (restart_script) {
		snprintf(si->restart_backend, sizeof(si->restart_backend),
			 "%s/restart-backend", base);
		write_text(si->restart_backend, restart_script);
		chmod(si->restart_backend, 0755);
		sup_opts.backend = si->restart_backend;
	}
	if (si->qemu_pidfd < 0 ||
	    qemu_supervisor_spawn(si->dom, si->qemu_pidfd, si->qemu,
				  &sup_opts) < 0)
		return -1;
	si->supervisor_fd = qemu_state_open_supervisor(dir, DOMAIN_NAME);
	return 0;
}

static int start_stand_ins(struct stand_ins *si)
{
	return start_stand_ins_typed(si, "vhostuser");
}

static void stop_stand_ins(struct stand_ins *si)
{
	pid_t pid = 0;

	/* "QEMU" leaving makes the supervisor clean up and leave. */
	stop_child(si->qemu);
	if (si->supervisor_fd >= 0) {
		qemu_state_wait_supervisor_gone(si->supervisor_fd, WAIT_MS);
		close(si->supervisor_fd);
	}
	if (si->pidfile) {
		int fd = qemu_process_open_backend_pidfd(si->pidfile, &pid);

		if (fd >= 0) {
			kill(pid, SIGKILL);
			close(fd);
		}
	}
	if (si->qemu_pidfd >= 0)
		close(si->qemu_pidfd);
	free(si->pidfile);
	free(si->socket);
	vn_domain_free(si->dom);
}

/* The running backend's pid, or 0. */
static pid_t backend_pid(const struct stand_ins *si)
{
	pid_t pid = 0;
	int fd = qemu_process_open_backend_pidfd(si->pidfile, &pid);

	if (fd < 0)
		return 0;
	close(fd);
	return pid;
}

/* Waits for a running backend other than OLD; its pid or 0. */
static pid_t wait_new_backend(const struct stand_ins *si, pid_t old,
			      int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	pid_t pid;

	while (now_ms() < deadline) {
		pid = backend_pid(si);
		if (pid > 0 && pid != old)
			return pid;
		usleep(STEP_US);
	}
	return 0;
}

static bool log_has(const char *text)
{
	char *path = qemu_state_file(dir, DOMAIN_NAME, "log");
	char buf[16384];
	ssize_t n = -1;
	int fd = path ? open(path, O_RDONLY) : -1;

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	free(path);
	buf[n > 0 ? n : 0] = '\0';
	return strstr(buf, text) != NULL;
}

static bool wait_log(const char *text)
{
	long long deadline = now_ms() + WAIT_MS;

	while (now_ms() < deadline) {
		if (log_has(text))
			return true;
		usleep(STEP_US);
	}
	return false;
}

static bool state_exists(const char *suffix)
{
	char *path = qemu_state_file(dir, DOMAIN_NAME, suffix);
	bool there = path && access(path, F_OK) == 0;

	free(path);
	return there;
}

static void restart_case(struct stand_ins *si)
{
	pid_t first, second, third;

	CHECK_MSG(start_stand_ins(si) == 0, "setup: %s", vn_error_message());
	first = backend_pid(si);
	CHECK(first > 0);
	CHECK(wait_log("watching the backend of interface net0"));
	kill(first, SIGKILL);
	second = wait_new_backend(si, first, WAIT_MS);
	CHECK_MSG(second > 0, "no new backend within %d ms", WAIT_MS);
	CHECK(wait_log("restarted the backend of interface net0 on "));
	/* The first was not the supervisor's child: status unknown. */
	CHECK(log_has("exit status unknown"));
	/* A restarted one is: its signal is logged. */
	kill(second, SIGKILL);
	third = wait_new_backend(si, second, WAIT_MS);
	CHECK(third > 0);
	CHECK(wait_log("killed by signal 9 (SIGKILL)"));
}

TEST(supervisor_restarts_a_killed_backend_and_logs_it)
{
	struct stand_ins si;

	fresh_dir();
	restart_case(&si);
	stop_stand_ins(&si);
	scratch_remove(base);
}

static const char *proc_stat(pid_t pid)
{
	static char buf[512];
	char path[64];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* Exited, even if its parent (init, here) has not reaped it yet. */
static bool runs(pid_t pid)
{
	const char *stat = proc_stat(pid);
	const char *end = strrchr(stat, ')');

	return end && end[1] == ' ' && end[2] != 'Z';
}

static void cleanup_case(struct stand_ins *si)
{
	pid_t backend;

	CHECK_MSG(start_stand_ins(si) == 0, "setup: %s", vn_error_message());
	backend = backend_pid(si);
	CHECK(backend > 0);
	CHECK(wait_log("watching the backend"));
	stop_child(si->qemu);
	si->qemu = 0;
	CHECK_MSG(qemu_state_wait_supervisor_gone(si->supervisor_fd, WAIT_MS),
		  "supervisor still there %d ms after QEMU", WAIT_MS);
	CHECK(!state_exists("xml"));
	CHECK(!state_exists("status"));
	CHECK(!state_exists("log"));
	CHECK(!state_exists("lock"));
	CHECK(!state_exists("job"));
	CHECK(!state_exists("supervisor"));
	CHECK(access(si->pidfile, F_OK) != 0);
	CHECK_MSG(!runs(backend), "backend still runs: %s", proc_stat(backend));
}

TEST(supervisor_cleans_up_when_qemu_exits_and_leaves)
{
	struct stand_ins si;

	fresh_dir();
	cleanup_case(&si);
	stop_stand_ins(&si);
	scratch_remove(base);
}

/* QEMU 7.2 cannot reconnect a stream netdev: its backend is not
 * restarted (it would hold the forwarded ports for no guest) and the log
 * says the interface is down. */
static void stream_case(struct stand_ins *si)
{
	pid_t first;

	CHECK_MSG(start_stand_ins_typed(si, "user") == 0, "setup: %s",
		  vn_error_message());
	first = backend_pid(si);
	CHECK(first > 0);
	CHECK(wait_log("watching the backend of interface net0"));
	kill(first, SIGKILL);
	CHECK(wait_log("interface net0 is down: QEMU 7.2.0 cannot reconnect a stream netdev"));
	usleep(1500 * 1000); /* past a restart's retry delay */
	CHECK_INT(backend_pid(si), 0);
	CHECK(!log_has("restarted the backend"));
}

TEST(supervisor_does_not_restart_a_stream_backend_qemu_cannot_reconnect)
{
	struct stand_ins si;

	fresh_dir();
	stream_case(&si);
	stop_stand_ins(&si);
	scratch_remove(base);
}

static void give_up_case(struct stand_ins *si)
{
	char line[200];
	pid_t first;

	restart_script = crashing_backend;
	CHECK_MSG(start_stand_ins(si) == 0, "setup: %s", vn_error_message());
	first = backend_pid(si);
	CHECK(first > 0);
	CHECK(wait_log("watching the backend of interface net0"));
	kill(first, SIGKILL);
	snprintf(line, sizeof(line),
		 "the backend of interface net0 was restarted %d times within %d s: giving up",
		 QEMU_SUPERVISOR_RESTART_MAX,
		 QEMU_SUPERVISOR_RESTART_WINDOW_MS / 1000);
	CHECK_MSG(wait_log(line), "no '%s' in the log", line);
	/* Given up: no further restart. */
	usleep(1500 * 1000);
	CHECK_INT(backend_pid(si), 0);
	/* Each crash of a restarted one was logged with its status. */
	CHECK(log_has("exited with status 0"));
}

TEST(supervisor_gives_up_on_a_backend_that_keeps_crashing)
{
	struct stand_ins si;

	fresh_dir();
	give_up_case(&si);
	stop_stand_ins(&si);
	scratch_remove(base);
}

/* The live XML is unreadable when the supervisor looks after a dead
 * backend: it says so and tries again, and once the XML reads again the
 * backend is restarted (the domain is not taken for gone). */
static void unreadable_case(struct stand_ins *si)
{
	char *xml = qemu_state_file(dir, DOMAIN_NAME, "xml");
	pid_t first;
	int job_fd;

	CHECK_MSG(start_stand_ins(si) == 0, "setup: %s", vn_error_message());
	first = backend_pid(si);
	CHECK(first > 0 && xml);
	CHECK(wait_log("watching the backend of interface net0"));
	job_fd = qemu_state_wait_job(dir, DOMAIN_NAME, WAIT_MS);
	CHECK(job_fd >= 0);
	write_text(xml, "<domain");
	kill(first, SIGKILL);
	usleep(700 * 1000); /* past the supervisor's grace for QEMU */
	close(job_fd);
	CHECK(wait_log("cannot read the domain's records"));
	CHECK_INT(qemu_state_write_xml(dir, si->dom), 0);
	CHECK_MSG(wait_new_backend(si, first, WAIT_MS) > 0,
		  "no backend restarted once the live XML reads again");
	CHECK(!log_has("no longer supervising"));
	free(xml);
}

TEST(supervisor_retries_when_the_live_xml_cannot_be_read)
{
	struct stand_ins si;

	fresh_dir();
	unreadable_case(&si);
	stop_stand_ins(&si);
	scratch_remove(base);
}

/* The supervisor's pid, from its first log line, or 0. */
static pid_t supervisor_pid(void)
{
	char *path = qemu_state_file(dir, DOMAIN_NAME, "log");
	char buf[4096], *line;
	long qemu = 0, pid = 0;
	ssize_t n = -1;
	int fd = path ? open(path, O_RDONLY) : -1;

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	free(path);
	buf[n > 0 ? n : 0] = '\0';
	line = strstr(buf, "supervising QEMU (pid ");
	if (!line || sscanf(line, "supervising QEMU (pid %ld), pid %ld", &qemu,
			    &pid) != 2)
		return 0;
	return (pid_t)pid;
}

/* Started from the backend's directory with a relative backend path,
 * the supervisor still restarts it, from "/" (it holds no directory of
 * the start's, which may be removed or unmounted while the domain runs). */
static void relative_case(struct stand_ins *si)
{
	char proc[64], cwd[PATH_MAX];
	ssize_t n;
	pid_t first, sup;

	relative_backend = true;
	CHECK_MSG(start_stand_ins(si) == 0, "setup: %s", vn_error_message());
	CHECK(wait_log("watching the backend of interface net0"));
	sup = supervisor_pid();
	CHECK(sup > 0);
	snprintf(proc, sizeof(proc), "/proc/%ld/cwd", (long)sup);
	n = readlink(proc, cwd, sizeof(cwd) - 1);
	CHECK(n > 0);
	cwd[n] = '\0';
	CHECK_STR(cwd, "/");
	first = backend_pid(si);
	CHECK(first > 0);
	kill(first, SIGKILL);
	CHECK_MSG(wait_new_backend(si, first, WAIT_MS) > 0,
		  "the backend given as ./fake-backend was not restarted");
}

TEST(supervisor_leaves_the_start_directory_and_still_restarts)
{
	struct stand_ins si;

	fresh_dir();
	relative_case(&si);
	stop_stand_ins(&si);
	scratch_remove(base);
}

/* As detach-device does: under the job lock, the backend stopped, then
 * the interface dropped from the live XML. */
static void detach_case(struct stand_ins *si)
{
	pid_t backend;
	int job_fd;

	CHECK_MSG(start_stand_ins(si) == 0, "setup: %s", vn_error_message());
	backend = backend_pid(si);
	CHECK(backend > 0);
	CHECK(wait_log("watching the backend"));
	job_fd = qemu_state_wait_job(dir, DOMAIN_NAME, WAIT_MS);
	CHECK(job_fd >= 0);
	qemu_process_stop_backend(si->socket, si->pidfile);
	usleep(700 * 1000); /* past the supervisor's grace for QEMU */
	vn_net_free(si->dom->nets[0]);
	si->dom->n_nets = 0;
	CHECK_INT(qemu_state_write_xml(dir, si->dom), 0);
	close(job_fd);
	CHECK(wait_log("interface net0 was detached"));
	usleep(500 * 1000);
	CHECK_INT(backend_pid(si), 0);
	CHECK(!log_has("restarted the backend"));
}

TEST(supervisor_does_not_restart_a_detached_interface)
{
	struct stand_ins si;

	fresh_dir();
	detach_case(&si);
	stop_stand_ins(&si);
	scratch_remove(base);
}

/* A stop holds the job lock while QEMU goes; the supervisor waits, then
 * finds the files gone and leaves without re-creating any. */
static void stop_race_case(struct stand_ins *si)
{
	int job_fd;

	CHECK_MSG(start_stand_ins(si) == 0, "setup: %s", vn_error_message());
	CHECK(wait_log("watching the backend"));
	job_fd = qemu_state_wait_job(dir, DOMAIN_NAME, WAIT_MS);
	CHECK(job_fd >= 0);
	stop_child(si->qemu);
	si->qemu = 0;
	usleep(300 * 1000);
	qemu_process_clear_stopped(dir, DOMAIN_NAME);
	close(job_fd);
	CHECK(qemu_state_wait_supervisor_gone(si->supervisor_fd, WAIT_MS));
	CHECK(!state_exists("job"));
	CHECK(!state_exists("lock"));
	CHECK(!state_exists("xml"));
}

TEST(supervisor_leaves_a_stop_its_clean_up_and_no_files)
{
	struct stand_ins si;

	fresh_dir();
	stop_race_case(&si);
	stop_stand_ins(&si);
	scratch_remove(base);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
