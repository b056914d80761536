// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The built command lines run: a guest boots from what qemu_plan_build()
 * produces, with the QEMU on this machine.
 *
 * Theory of operation: each case writes a small definition (a Debian
 * kernel from /boot, no disk, the serial port to a file), builds the
 * plan with the installed QEMU's version and a fresh state directory,
 * starts the backends it lists (vunetd, built beside vunet), then QEMU.
 * QEMU starts paused (-S); the test speaks QMP on the monitor socket the
 * plan names (qmp_capabilities, cont), waits for the kernel's banner on
 * the serial port, then quits QEMU over QMP.  Every wait is bounded; the
 * processes started here are killed by PID on the way out.  Without QEMU
 * or a kernel the cases skip with the reason.
 *
 * The vhost-user case is the one QEMU 7.2 crashes on without
 * "vectors":0 under TCG once the guest drives the NIC; here it shows
 * that QEMU accepts the plan's vhost-user options and completes the
 * vhost-user handshake with the planned backend before the guest runs.
 */
#include "tests/harness.h"

#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf/domain_conf.h"
#include "qemu/qemu_capabilities.h"
#include "qemu/qemu_paths.h"
#include "qemu/qemu_plan.h"
#include "util/error.h"

#define QEMU_BIN "/usr/bin/qemu-system-x86_64"
#define SOCKET_WAIT_MS 15000
#define BOOT_WAIT_MS 90000
#define EXIT_WAIT_MS 10000
#define POLL_STEP_MS 100
#define QMP_REPLY_MAX 8192

struct boot_env {
	char state_dir[64];
	char serial[128];
	char kernel[256];
	struct vn_domain *dom;
	struct qemu_plan *plan;
	pid_t qemu;
	pid_t backend_pids[4];
	size_t n_backends;
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static bool find_kernel(char *out, size_t size)
{
	glob_t g;
	bool found = false;

	if (glob("/boot/vmlinuz-*", 0, NULL, &g) == 0 && g.gl_pathc > 0) {
		snprintf(out, size, "%s", g.gl_pathv[0]);
		found = access(out, R_OK) == 0;
	}
	globfree(&g);
	return found;
}

static pid_t spawn(const struct qemu_argv *argv, const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execvp(argv->v[0], argv->v);
		_exit(127);
	}
	return pid;
}

/* Waits for PID to exit; kills it after TIMEOUT_MS.  Returns its status. */
static int reap(pid_t pid, long timeout_ms)
{
	int status = -1;
	long waited;

	for (waited = 0; waited < timeout_ms; waited += POLL_STEP_MS) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		sleep_ms(POLL_STEP_MS);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

static bool wait_for_path(const char *path, long timeout_ms)
{
	long waited;

	for (waited = 0; waited < timeout_ms; waited += POLL_STEP_MS) {
		if (access(path, F_OK) == 0)
			return true;
		sleep_ms(POLL_STEP_MS);
	}
	return false;
}

static bool file_contains(const char *path, const char *needle)
{
	char buf[16384];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

/* Copies the end of a log into stderr, before the state dir goes. */
static void dump_file(const char *path)
{
	char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	if (ftell(f) > (long)sizeof(buf))
		fseek(f, -(long)sizeof(buf), SEEK_END);
	else
		fseek(f, 0, SEEK_SET);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	fprintf(stderr, "---- %s ----\n%.*s\n", path, (int)n, buf);
}

static int qmp_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Reads until a line containing "return" or "error" (events are skipped)
 * or the greeting ("QMP"), within the time limit.  Returns 0 when the
 * line has NEEDLE. */
static int qmp_expect(int fd, const char *needle)
{
	char buf[QMP_REPLY_MAX];
	size_t len = 0;
	long waited;

	for (waited = 0; waited < SOCKET_WAIT_MS; waited += POLL_STEP_MS) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		char *nl;

		if (poll(&pfd, 1, POLL_STEP_MS) <= 0)
			continue;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return -1;
		len += n;
		buf[len] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			if (strstr(buf, needle))
				return 0;
			if (strstr(buf, "\"error\""))
				return -1;
			len -= nl + 1 - buf;
			memmove(buf, nl + 1, len + 1);
		}
		if (len >= sizeof(buf) - 1)
			len = 0;
	}
	return -1;
}

static int qmp_run(int fd, const char *command, const char *needle)
{
	char line[128];
	int len = snprintf(line, sizeof(line), "{\"execute\":\"%s\"}\n", command);

	if (write(fd, line, len) != len)
		return -1;
	return qmp_expect(fd, needle);
}

static int make_dirs(const struct boot_env *env)
{
	char path[256];
	char *domain_dir = qemu_paths_domain_dir(env->state_dir, env->dom);
	int ret = -1;

	snprintf(path, sizeof(path), "%s/passt", env->state_dir);
	if (domain_dir && mkdir(path, 0700) == 0 && mkdir(domain_dir, 0700) == 0)
		ret = 0;
	free(domain_dir);
	return ret;
}

/* One guest: NAME, with MEMORY_BACKING and INTERFACE as given, the
 * kernel found in /boot and the serial port logged to a file. */
struct guest {
	const char *name;
	const char *memory_backing;
	const char *interface;
};

/* Parses the definition of GUEST and builds its plan.  Returns 0 or -1
 * (reason on stderr). */
static int env_setup(struct boot_env *env, const struct guest *guest)
{
	struct qemu_build_opts opts = { .state_dir = env->state_dir };
	char xml[4096];

	snprintf(env->state_dir, sizeof(env->state_dir),
		 "/tmp/vunet-boot-XXXXXX");
	if (!mkdtemp(env->state_dir))
		return -1;
	/* The backend may drop root for nobody: let it reach its socket. */
	chmod(env->state_dir, 0755);
	snprintf(env->serial, sizeof(env->serial), "%s/serial.log",
		 env->state_dir);
	snprintf(xml, sizeof(xml),
		 "<domain type='qemu'><name>%s</name>"
		 "<memory unit='MiB'>256</memory>%s<vcpu>1</vcpu>"
		 "<os><type arch='x86_64' machine='pc'>hvm</type>"
		 "<kernel>%s</kernel>"
		 "<cmdline>console=ttyS0 panic=-1</cmdline></os>"
		 "<devices><emulator>" QEMU_BIN "</emulator>%s"
		 "<serial type='file'><source path='%s'/></serial>"
		 "<memballoon model='virtio'/></devices></domain>",
		 guest->name, guest->memory_backing, env->kernel,
		 guest->interface, env->serial);
	env->dom = vn_domain_parse_string(xml);
	if (!env->dom ||
	    qemu_caps_query_version(QEMU_BIN, &opts.qemu_version) < 0 ||
	    make_dirs(env) < 0)
		goto fail;
	chmod(env->state_dir, 0755);
	env->plan = qemu_plan_build(env->dom, &opts, VUNETD_BIN);
	if (!env->plan)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "setup: %s\n", vn_error_message());
	return -1;
}

static void remove_tree(const char *dir)
{
	char cmd[128];

	/* The directory is ours (mkdtemp) and has a fixed prefix. */
	if (!strncmp(dir, "/tmp/vunet-boot-", 16)) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
}

/* True if PID still runs the backend we started (not a reused PID). */
static bool is_backend_process(pid_t pid)
{
	char path[64], comm[64] = "";
	FILE *f;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strncmp(comm, "vunetd", 6);
}

static void env_teardown(struct boot_env *env)
{
	size_t i;

	if (env->qemu > 0)
		reap(env->qemu, 0);
	/* A one-off backend has normally left with QEMU already. */
	for (i = 0; i < env->n_backends; i++)
		if (is_backend_process(env->backend_pids[i]))
			kill(env->backend_pids[i], SIGTERM);
	qemu_plan_free(env->plan);
	vn_domain_free(env->dom);
	if (env->state_dir[0])
		remove_tree(env->state_dir);
}

static pid_t read_pidfile(const char *path)
{
	FILE *f = fopen(path, "r");
	int pid = -1;

	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = -1;
		fclose(f);
	}
	return pid;
}

/* Starts each planned backend and waits for its socket and pidfile. */
static int start_backends(struct boot_env *env)
{
	char log[128];
	size_t i;

	snprintf(log, sizeof(log), "%s/backend.log", env->state_dir);
	for (i = 0; i < env->plan->n_backends && i < 4; i++) {
		const struct qemu_argv *argv = env->plan->backends[i].argv;
		char *socket = qemu_paths_passt_socket(env->state_dir, env->dom,
						       env->plan->backends[i].net);
		char *pidfile = qemu_paths_passt_pidfile(env->state_dir,
							 env->dom,
							 env->plan->backends[i].net);
		pid_t pid = spawn(argv, log);
		bool up;

		/* vunetd, like passt, daemonizes once its socket listens. */
		reap(pid, SOCKET_WAIT_MS);
		up = socket && pidfile && wait_for_path(socket, SOCKET_WAIT_MS) &&
		     wait_for_path(pidfile, SOCKET_WAIT_MS);
		if (up)
			env->backend_pids[env->n_backends++] =
				read_pidfile(pidfile);
		free(socket);
		free(pidfile);
		if (!up) {
			fprintf(stderr, "backend %zu did not come up\n", i);
			dump_file(log);
			return -1;
		}
	}
	return 0;
}

/* Starts QEMU, resumes it over QMP and waits for the kernel banner.
 * Returns 0 when the guest booted. */
static int boot(struct boot_env *env)
{
	char *monitor = qemu_paths_monitor_socket(env->state_dir, env->dom);
	char log[128];
	int fd = -1, ret = -1;
	long waited;

	snprintf(log, sizeof(log), "%s/qemu.log", env->state_dir);
	env->qemu = spawn(env->plan->qemu, log);
	if (!monitor || !wait_for_path(monitor, SOCKET_WAIT_MS))
		goto out;
	fd = qmp_connect(monitor);
	if (fd < 0 || qmp_expect(fd, "\"QMP\"") < 0 ||
	    qmp_run(fd, "qmp_capabilities", "\"return\"") < 0 ||
	    qmp_run(fd, "query-status", "\"prelaunch\"") < 0 ||
	    qmp_run(fd, "cont", "\"return\"") < 0)
		goto out;
	for (waited = 0; waited < BOOT_WAIT_MS; waited += POLL_STEP_MS * 5) {
		if (file_contains(env->serial, "Linux version")) {
			ret = 0;
			break;
		}
		sleep_ms(POLL_STEP_MS * 5);
	}
	if (qmp_run(fd, "quit", "\"return\"") == 0) {
		reap(env->qemu, EXIT_WAIT_MS);
		env->qemu = 0;
	}
out:
	if (ret < 0) {
		fprintf(stderr, "QEMU did not boot\n");
		dump_file(log);
		dump_file(env->serial);
	}
	if (fd >= 0)
		close(fd);
	free(monitor);
	return ret;
}

static bool prerequisites(struct boot_env *env, char *why, size_t size)
{
	memset(env, 0, sizeof(*env));
	if (access(QEMU_BIN, X_OK) < 0)
		snprintf(why, size, "%s is not installed", QEMU_BIN);
	else if (!find_kernel(env->kernel, sizeof(env->kernel)))
		snprintf(why, size, "no readable /boot/vmlinuz-* kernel");
	else
		return true;
	return false;
}

TEST(guest_boots_from_the_built_command_line)
{
	static const struct guest guest = {
		.name = "vunet-boot-user",
		.memory_backing = "",
		.interface = "<interface type='user'>"
			     "<model type='virtio'/></interface>",
	};
	struct boot_env env;
	char why[128];
	int booted;

	if (!prerequisites(&env, why, sizeof(why)))
		SKIP("%s", why);
	booted = env_setup(&env, &guest) == 0 && boot(&env) == 0;
	env_teardown(&env);
	CHECK(booted);
}

TEST(vhost_user_guest_boots_with_the_planned_backend)
{
	static const struct guest guest = {
		.name = "vunet-boot-vhostuser",
		.memory_backing = "<memoryBacking><source type='memfd'/>"
				  "<access mode='shared'/></memoryBacking>",
		.interface = "<interface type='vhostuser'>"
			     "<backend type='passt'/>"
			     "<model type='virtio'/></interface>",
	};
	struct boot_env env;
	char why[128];
	int booted;

	if (!prerequisites(&env, why, sizeof(why)))
		SKIP("%s", why);
	if (access(VUNETD_BIN, X_OK) < 0)
		SKIP("%s is not built", VUNETD_BIN);
	booted = env_setup(&env, &guest) == 0 && start_backends(&env) == 0 &&
		 boot(&env) == 0;
	env_teardown(&env);
	CHECK(booted);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
