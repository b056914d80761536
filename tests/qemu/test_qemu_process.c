// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tests of process handling in src/qemu/qemu_process.c that need no
 * guest: how a backend's start is judged, and the files a start makes
 * and a stop removes.
 *
 * Theory of operation: a "backend" here is /bin/sh with a one-line
 * script, run through qemu_process_start_backend() exactly as a start or
 * a hot-plug runs the real one; its exit status is what says whether it
 * started.  Each case runs in its own forked child (the harness), so one
 * that changes the SIGCHLD disposition affects nobody else.  The RAM
 * directory case starts this machine's QEMU (TCG, no kernel, no NIC: the
 * firmware finds nothing to boot and idles) through qemu_process_start()
 * and destroys it; it is skipped without QEMU.  Backends with guests are
 * exercised by tests/e2e/test-launcher.sh.
 */
#include "tests/harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/domain_conf.h"
#include "qemu/qemu_argv.h"
#include "qemu/qemu_process.h"
#include "qemu/qemu_validate.h"
#include "tests/qemu/scratch.h"
#include "util/error.h"

#define QEMU_BIN "/usr/bin/qemu-system-x86_64"

static int run_backend_script(const char *script)
{
	struct qemu_argv *argv = qemu_argv_new("/bin/sh");
	int ret;

	qemu_argv_add(argv, "-c");
	qemu_argv_add(argv, script);
	ret = qemu_process_start_backend(argv);
	qemu_argv_free(argv);
	return ret;
}

TEST(backend_exiting_0_has_started)
{
	CHECK_MSG(run_backend_script("exit 0") == 0, "%s", vn_error_message());
}

TEST(backend_failure_quotes_its_stderr)
{
	CHECK_INT(run_backend_script("echo 'cannot bind' >&2; exit 1"), -1);
	CHECK_STR(vn_error_message(),
		  "internal error: Could not start 'sh': cannot bind");
}

/* With SIGCHLD ignored (inherited across exec from whoever started
 * vunet) the kernel reaps the child and waitpid() fails: that must not
 * pass for a successful start. */
TEST(backend_failure_is_not_success_when_its_status_is_lost)
{
	signal(SIGCHLD, SIG_IGN);
	CHECK_INT(run_backend_script("exit 1"), -1);
	CHECK_MSG(strstr(vn_error_message(), "Could not start 'sh': cannot wait for process"),
		  "%s", vn_error_message());
}

/* A descriptor vunet inherited without close-on-exec (a shell's 7>file)
 * must not reach the backend: only stdio may be open there. */
TEST(backend_inherits_no_descriptor_of_ours)
{
	int fd = open("/dev/null", O_RDONLY);

	CHECK(fd >= 0);
	CHECK(dup2(fd, 40) == 40 && dup2(fd, 41) == 41);
	CHECK_INT(run_backend_script(
		"for f in 0 1 2 40 41; do [ -e /proc/self/fd/$f ] && printf ' %s' $f; done >&2; exit 1"),
		  -1);
	CHECK_STR(vn_error_message(),
		  "internal error: Could not start 'sh':  0 1 2");
}

/* The supervisor ignores SIGHUP, SIGINT and SIGPIPE; a backend it
 * restarts must not inherit that (ignored dispositions survive exec). */
TEST(backend_starts_with_default_signal_dispositions)
{
	const char *msg, *mask;
	unsigned long long ignored;

	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	CHECK_INT(run_backend_script("grep SigIgn: /proc/self/status >&2; exit 1"),
		  -1);
	msg = vn_error_message();
	mask = strstr(msg, "SigIgn:");
	CHECK_MSG(mask, "%s", msg);
	ignored = strtoull(mask + strlen("SigIgn:"), NULL, 16);
	CHECK_MSG(!(ignored & (1ULL << (SIGHUP - 1) | 1ULL << (SIGINT - 1) |
			       1ULL << (SIGPIPE - 1))),
		  "the backend ignores signals: %s", mask);
}

static const char *const file_ram_xml =
	"<domain type='qemu'><name>ram1</name><memory unit='MiB'>64</memory>"
	"<memoryBacking><source type='file'/><access mode='shared'/>"
	"</memoryBacking>"
	"<os><type arch='x86_64' machine='pc'>hvm</type></os>"
	"<devices><emulator>" QEMU_BIN "</emulator>"
	"<memballoon model='none'/></devices></domain>";

/* While QEMU runs: its RAM directory is private and holds its RAM file.
 * Returns at the first failed check; the caller cleans up either way. */
static void check_running_ram_dir(const char *ram_dir, const char *ram_file)
{
	struct stat st;

	CHECK_MSG(stat(ram_dir, &st) == 0, "no %s: %s", ram_dir,
		  strerror(errno));
	CHECK_MSG(S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
		  "%s mode %o", ram_dir, st.st_mode & 0777);
	CHECK_MSG(access(ram_file, F_OK) == 0, "QEMU made no %s", ram_file);
}

TEST(file_backed_ram_gets_a_private_directory_removed_at_stop)
{
	struct vn_domain *dom = vn_domain_parse_string(file_ram_xml);
	char base[] = "/tmp/vunet-ram-test.XXXXXX", dir[64], ram_dir[128];
	char ram_file[160], cmd[96], why[256] = "";
	struct qemu_process_opts opts = {
		.backend = "/bin/false",
		.qemu_version = QEMU_VERSION(7, 2, 0),
	};
	char log_dir[64];
	int started, destroyed = -1;
	bool left_behind;

	if (access(QEMU_BIN, X_OK) < 0)
		SKIP("no %s on this machine", QEMU_BIN);
	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK(mkdtemp(base));
	snprintf(dir, sizeof(dir), "%s/s", base);
	snprintf(log_dir, sizeof(log_dir), "%s/log", base);
	opts.state_dir = dir;
	opts.log_dir = log_dir;
	started = qemu_process_start(dom, &opts);
	if (started < 0)
		snprintf(why, sizeof(why), "%s",
			 vn_error_message());
	snprintf(ram_dir, sizeof(ram_dir), "%s/ram/%d-ram1", dir, dom->id);
	snprintf(ram_file, sizeof(ram_file), "%s/pc.ram", ram_dir);
	vn_domain_free(dom);
	/* Checked with QEMU running; whatever they find, it is destroyed
	 * and the directory removed before this case reports. */
	if (started == 0) {
		check_running_ram_dir(ram_dir, ram_file);
		destroyed = qemu_process_destroy(dir, "ram1");
		if (destroyed < 0)
			snprintf(why, sizeof(why), "%s",
				 vn_error_message());
	}
	left_behind = access(ram_dir, F_OK) == 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	CHECK(system(cmd) == 0);
	CHECK_MSG(started == 0, "start: %s", why);
	CHECK_MSG(destroyed == 0, "destroy: %s", why);
	CHECK_MSG(!left_behind, "%s left after destroy", ram_dir);
}

/* ---- the domain log ---- */

struct log_env {
	char base[64], dir[96], log_dir[96], log[128], link[128], qemu[128];
};

static void log_env_init(struct log_env *e)
{
	snprintf(e->base, sizeof(e->base), "/tmp/vunet-log-test.XXXXXX");
	if (!mkdtemp(e->base))
		e->base[0] = '\0';
	snprintf(e->dir, sizeof(e->dir), "%s/s", e->base);
	snprintf(e->log_dir, sizeof(e->log_dir), "%s/log", e->base);
	snprintf(e->log, sizeof(e->log), "%s/log/l1.log", e->base);
	snprintf(e->link, sizeof(e->link), "%s/s/l1.log", e->base);
	snprintf(e->qemu, sizeof(e->qemu), "%s/fake-qemu", e->base);
}

static void log_env_remove(const struct log_env *e)
{
	scratch_remove(e->base);
}

/* Domain l1 with EMULATOR and no device that needs a backend. */
static struct vn_domain *log_domain(const char *emulator)
{
	char xml[512];

	snprintf(xml, sizeof(xml),
		 "<domain type='qemu'><name>l1</name><memory unit='MiB'>64</memory>"
		 "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
		 "<devices><emulator>%s</emulator>"
		 "<memballoon model='none'/></devices></domain>", emulator);
	return vn_domain_parse_string(xml);
}

static int start_l1(const struct log_env *e, const char *emulator)
{
	struct vn_domain *dom = log_domain(emulator);
	struct qemu_process_opts opts = {
		.state_dir = e->dir, .log_dir = e->log_dir,
		.backend = "/bin/false", .qemu_version = QEMU_VERSION(7, 2, 0),
	};
	int ret = dom ? qemu_process_start(dom, &opts) : -1;

	vn_domain_free(dom);
	return ret;
}

/* PATH's content, NUL-terminated; caller frees; NULL if unreadable. */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (!f)
		return NULL;
	out = open_memstream(&text, &len);
	for (int c; out && (c = fgetc(f)) != EOF;)
		fputc(c, out);
	if (out)
		fclose(out);
	fclose(f);
	return text;
}

static int count_lines_with(const char *text, const char *needle)
{
	int n = 0;

	for (text = strstr(text, needle); text; text = strstr(text + 1, needle))
		n++;
	return n;
}

/* A QEMU that fails at once, saying which start it is. */
static int write_failing_qemu(const struct log_env *e, const char *said)
{
	FILE *f = fopen(e->qemu, "w");

	if (!f)
		return -1;
	fprintf(f, "#!/bin/sh\necho '%s' >&2\nexit 1\n", said);
	return fclose(f) == 0 ? chmod(e->qemu, 0755) : -1;
}

TEST(failed_start_quotes_only_its_own_qemu_output_and_keeps_the_log)
{
	struct log_env e;
	char *log;

	log_env_init(&e);
	CHECK(e.base[0]);
	CHECK(write_failing_qemu(&e, "first run: no such kernel") == 0);
	CHECK_INT(start_l1(&e, e.qemu), -1);
	CHECK_STR(vn_error_message(),
		  "internal error: process exited while connecting to monitor: first run: no such kernel");
	CHECK(write_failing_qemu(&e, "second run: bad option") == 0);
	CHECK_INT(start_l1(&e, e.qemu), -1);
	CHECK_STR(vn_error_message(),
		  "internal error: process exited while connecting to monitor: second run: bad option");
	CHECK_MSG(access(e.link, F_OK) < 0 && errno == ENOENT,
		  "%s left in the state directory", e.link);
	log = read_text(e.log);
	CHECK_MSG(log, "no %s", e.log);
	CHECK_INT(count_lines_with(log, ": starting up vunet version: "), 2);
	CHECK_INT(count_lines_with(log, "\nLC_ALL=C \\\n"), 2);
	CHECK_INT(count_lines_with(log, ": shutting down, reason=failed\n"), 2);
	CHECK_MSG(strstr(log, "vunet start: internal error: process exited while connecting to monitor: second run: bad option\n"),
		  "%s", log);
	CHECK_MSG(strstr(log, "first run: no such kernel\n") <
		  strstr(log, "second run: bad option\n"), "%s", log);
	free(log);
	log_env_remove(&e);
}

TEST(log_dir_open_to_others_or_equal_to_the_state_dir_is_refused)
{
	struct log_env e;

	log_env_init(&e);
	CHECK(e.base[0]);
	CHECK(mkdir(e.log_dir, 0755) == 0);
	CHECK_INT(start_l1(&e, "/bin/false"), -1);
	CHECK_MSG(strstr(vn_error_message(), "log directory '") &&
		  strstr(vn_error_message(), "no access for others"), "%s",
		  vn_error_message());
	snprintf(e.log_dir, sizeof(e.log_dir), "%s", e.dir);
	CHECK_INT(start_l1(&e, "/bin/false"), -1);
	CHECK_MSG(strstr(vn_error_message(), "must not be the state directory"),
		  "%s", vn_error_message());
	log_env_remove(&e);
}

TEST(domain_log_outlives_the_stop_with_the_reason)
{
	struct log_env e;
	struct stat st;
	char *log;

	if (access(QEMU_BIN, X_OK) < 0)
		SKIP("no %s on this machine", QEMU_BIN);
	log_env_init(&e);
	CHECK(e.base[0]);
	CHECK_MSG(start_l1(&e, QEMU_BIN) == 0, "%s", vn_error_message());
	CHECK_MSG(lstat(e.link, &st) == 0 && S_ISLNK(st.st_mode),
		  "%s is not a link to the log", e.link);
	CHECK_MSG(stat(e.log_dir, &st) == 0 && (st.st_mode & 0777) == 0700,
		  "%s mode %o", e.log_dir, st.st_mode & 0777);
	CHECK_MSG(qemu_process_destroy(e.dir, "l1") == 0, "%s",
		  vn_error_message());
	CHECK_MSG(access(e.link, F_OK) < 0, "%s left after destroy", e.link);
	log = read_text(e.log);
	CHECK_MSG(log, "no %s", e.log);
	CHECK_MSG(strstr(log, "vunet destroy: stopping QEMU\n") &&
		  strstr(log, ": shutting down, reason=destroyed\n"), "%s", log);
	CHECK_MSG(strstr(log, QEMU_BIN " \\\n-name guest=l1"), "%s", log);
	free(log);
	log_env_remove(&e);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
