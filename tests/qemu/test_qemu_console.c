// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tests of "vunet console" (src/qemu/qemu_console.c) on a pseudo-terminal.
 *
 * Theory of operation: a case sets up what a running domain looks like
 * to the console: a state directory with the live XML and status, the
 * alive lock held by the test, a stand-in QMP monitor (fake_qmp.h) whose
 * query-chardev names a Unix socket the test listens on as the serial
 * console.  The console runs in a forked child whose stdin is the slave
 * side of a pty; the test watches that terminal's modes from its own
 * descriptor of the same slave.  Once the child has connected and the
 * terminal is raw, the test sends it a signal and checks that the
 * terminal is back in its usual (canonical, echoing) mode and that the
 * signal still ended the child.
 */
#include "tests/harness.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "conf/domain_conf.h"
#include "qemu/qemu_console.h"
#include "qemu/qemu_paths.h"
#include "qemu/qemu_state.h"
#include "tests/qemu/fake_qmp.h"
#include "tests/qemu/scratch.h"
#include "util/error.h"

#define WAIT_MS 5000

static char base[256], dir[300], console_path[400], log_path[400];

static const char *const domain_xml =
	"<domain type='qemu'><name>c1</name><memory>262144</memory>"
	"<os><type arch='x86_64' machine='pc'>hvm</type></os>"
	"<devices><serial type='pty'/></devices></domain>";

static void answer(const char *command, json_object *args,
		   struct fake_qmp_reply *reply, void *opaque)
{
	json_object *list, *dev;
	char filename[450];

	if (strcmp(command, "query-chardev"))
		return;
	snprintf(filename, sizeof(filename), "unix:%s,server=on",
		 console_path);
	list = json_object_new_array();
	dev = json_object_new_object();
	json_object_object_add(dev, "label",
			       json_object_new_string("charserial0"));
	json_object_object_add(dev, "filename",
			       json_object_new_string(filename));
	json_object_array_add(list, dev);
	reply->ret = list;
}

static int listen_unix(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (strlen(path) >= sizeof(addr.sun_path))
		return -1;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, 1) < 0)
		return -1;
	return fd;
}

/* The running domain c1 and its monitor; the alive lock's fd or -1. */
static int make_running_domain(struct fake_qmp *fq)
{
	scratch_make(base, sizeof(base), dir, sizeof(dir),
		     "vunet-console-test");
	snprintf(console_path, sizeof(console_path), "%s/console.sock", base);
	snprintf(log_path, sizeof(log_path), "%s/qmp.log", base);
	return fake_qmp_start_domain(fq, dir, domain_xml, log_path, answer,
				     NULL, NULL);
}

static bool is_raw(int tty)
{
	struct termios t;

	return tcgetattr(tty, &t) == 0 && !(t.c_lflag & (ICANON | ECHO));
}

/* Runs the console in a child on the pty; the test keeps SLAVE. */
static pid_t start_console(int slave)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null_fd = open("/dev/null", O_WRONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setsid();
		dup2(slave, STDIN_FILENO);
		dup2(null_fd, STDOUT_FILENO);
		_exit(qemu_console_attach(dir, "c1") == 0 ? 0 : 1);
	}
	return pid;
}

static void check_signal_restores_terminal(int sig)
{
	struct fake_qmp fq = { .pid = -1 };
	int alive = make_running_domain(&fq);
	int listen_fd = listen_unix(console_path), master = -1, slave = -1;
	int conn = -1, status = 0, i;
	struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };
	pid_t child = -1;

	CHECK_MSG(alive >= 0 && listen_fd >= 0, "setup: %s", vn_error_message());
	CHECK(openpty(&master, &slave, NULL, NULL, NULL) == 0);
	CHECK_MSG(!is_raw(slave), "a fresh pty starts canonical");
	child = start_console(slave);
	CHECK(child > 0);
	CHECK_MSG(poll(&pfd, 1, WAIT_MS) == 1, "console never connected");
	conn = accept(listen_fd, NULL, NULL);
	for (i = 0; i < WAIT_MS / 10 && !is_raw(slave); i++)
		usleep(10000);
	CHECK_MSG(is_raw(slave), "the console never made the terminal raw");
	kill(child, sig);
	CHECK(waitpid(child, &status, 0) == child);
	CHECK_MSG(!is_raw(slave), "terminal left raw after signal %d", sig);
	CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == sig,
		  "the console did not end by signal %d (status 0x%x)", sig,
		  status);
	close(conn);
	close(master);
	close(slave);
	close(listen_fd);
	fake_qmp_stop(&fq);
	close(alive);
	scratch_remove(base);
}

TEST(sigterm_restores_the_terminal_and_still_ends_the_console)
{
	check_signal_restores_terminal(SIGTERM);
}

TEST(sighup_restores_the_terminal_and_still_ends_the_console)
{
	check_signal_restores_terminal(SIGHUP);
}

/* The console's peer stops reading (a QEMU going away): the next
 * keystroke's write fails.  That must end the session with the
 * terminal restored, not kill vunet by SIGPIPE with it raw. */
TEST(a_peer_that_stops_reading_ends_the_console_with_the_terminal_restored)
{
	struct fake_qmp fq = { .pid = -1 };
	int alive = make_running_domain(&fq);
	int listen_fd = listen_unix(console_path), master = -1, slave = -1;
	int conn = -1, status = 0, i;
	struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };
	pid_t child = -1;

	CHECK_MSG(alive >= 0 && listen_fd >= 0, "setup: %s", vn_error_message());
	CHECK(openpty(&master, &slave, NULL, NULL, NULL) == 0);
	child = start_console(slave);
	CHECK(child > 0);
	CHECK_MSG(poll(&pfd, 1, WAIT_MS) == 1, "console never connected");
	conn = accept(listen_fd, NULL, NULL);
	CHECK(conn >= 0);
	for (i = 0; i < WAIT_MS / 10 && !is_raw(slave); i++)
		usleep(10000);
	CHECK_MSG(is_raw(slave), "the console never made the terminal raw");
	/* The console's reads still wait; its writes now fail (EPIPE). */
	CHECK(shutdown(conn, SHUT_RD) == 0);
	CHECK(write(master, "x", 1) == 1);
	for (i = 0; i < WAIT_MS / 10 && waitpid(child, &status, WNOHANG) == 0;
	     i++)
		usleep(10000);
	if (i == WAIT_MS / 10) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
	}
	CHECK_MSG(!is_raw(slave), "terminal left raw");
	CHECK_MSG(WIFEXITED(status), "the console ended by signal %d",
		  WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	close(conn);
	close(master);
	close(slave);
	close(listen_fd);
	fake_qmp_stop(&fq);
	close(alive);
	scratch_remove(base);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
