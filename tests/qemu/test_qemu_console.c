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

/* A running c1's console in a child on a fresh pty, connected to our
 * serial socket: the test watches the terminal from SLAVE and writes
 * keystrokes to MASTER. */
struct session {
	struct fake_qmp fq;
	int alive, listen_fd, master, slave, conn;
	pid_t child;
};

/* Starts S and waits until the console has connected and made the
 * terminal raw.  NULL, or what went wrong (session_end() still due). */
static const char *session_start(struct session *s)
{
	struct pollfd pfd = { .events = POLLIN };
	int i;

	*s = (struct session){ .fq = { .pid = -1 }, .master = -1,
			       .slave = -1, .conn = -1, .child = -1 };
	s->alive = make_running_domain(&s->fq);
	s->listen_fd = listen_unix(console_path);
	if (s->alive < 0 || s->listen_fd < 0)
		return "setup failed";
	if (openpty(&s->master, &s->slave, NULL, NULL, NULL) < 0)
		return "openpty failed";
	if (is_raw(s->slave))
		return "a fresh pty is raw";
	s->child = start_console(s->slave);
	if (s->child < 0)
		return "fork failed";
	pfd.fd = s->listen_fd;
	if (poll(&pfd, 1, WAIT_MS) != 1)
		return "console never connected";
	s->conn = accept(s->listen_fd, NULL, NULL);
	if (s->conn < 0)
		return "accept failed";
	for (i = 0; i < WAIT_MS / 10 && !is_raw(s->slave); i++)
		usleep(10000);
	return is_raw(s->slave) ? NULL :
	       "the console never made the terminal raw";
}

static void session_end(struct session *s)
{
	if (s->conn >= 0)
		close(s->conn);
	if (s->master >= 0)
		close(s->master);
	if (s->slave >= 0)
		close(s->slave);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	fake_qmp_stop(&s->fq);
	if (s->alive >= 0)
		close(s->alive);
	scratch_remove(base);
}

static void check_signal_restores_terminal(int sig)
{
	struct session s;
	const char *why = session_start(&s);
	int status = 0;

	CHECK_MSG(!why, "%s: %s", why, vn_error_message());
	kill(s.child, sig);
	CHECK(waitpid(s.child, &status, 0) == s.child);
	CHECK_MSG(!is_raw(s.slave), "terminal left raw after signal %d", sig);
	CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == sig,
		  "the console did not end by signal %d (status 0x%x)", sig,
		  status);
	session_end(&s);
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
	struct session s;
	const char *why = session_start(&s);
	int status = 0, i;

	CHECK_MSG(!why, "%s: %s", why, vn_error_message());
	/* The console's reads still wait; its writes now fail (EPIPE). */
	CHECK(shutdown(s.conn, SHUT_RD) == 0);
	CHECK(write(s.master, "x", 1) == 1);
	for (i = 0; i < WAIT_MS / 10 &&
	     waitpid(s.child, &status, WNOHANG) == 0; i++)
		usleep(10000);
	if (i == WAIT_MS / 10) {
		kill(s.child, SIGKILL);
		waitpid(s.child, &status, 0);
	}
	CHECK_MSG(!is_raw(s.slave), "terminal left raw");
	CHECK_MSG(WIFEXITED(status), "the console ended by signal %d",
		  WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	session_end(&s);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
