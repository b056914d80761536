// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Serial console attachment: see qemu_console.h.
 *
 * The copy loop is a single poll() over stdin and the console, with
 * blocking writes (a terminal or pty drains quickly; a stalled one
 * stalls the user's own session, nothing else).  The escape byte is
 * looked for in what stdin delivered; bytes before it are still sent.
 *
 * While the terminal is raw, the signals that end a session from outside
 * (SIGTERM, SIGHUP, SIGINT, SIGQUIT: raw mode turns Ctrl-C into a byte,
 * but kill(1) and a closed terminal still send them) are blocked and
 * read from a signalfd in the same poll(): the loop ends, the terminal
 * is restored, then the signal is unblocked and takes its usual effect.
 * A raw terminal left behind would be unusable for the user's shell.
 * For the same reason SIGPIPE is ignored while relaying: a console
 * socket or stdout whose reader went away ends the loop with a failed
 * write instead of killing vunet.
 */
#include "qemu/qemu_console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "qemu/qemu_monitor.h"
#include "qemu/qemu_paths.h"
#include "qemu/qemu_state.h"
#include "util/error.h"

#define QUERY_TIMEOUT_MS 5000
#define COPY_BUF_BYTES 4096

/* The "filename" of the first serial chardev in a query-chardev reply,
 * with its label in *LABEL; NULL when there is none. */
static const char *serial_filename(json_object *chardevs, const char **label)
{
	size_t i, n = json_object_is_type(chardevs, json_type_array) ?
		json_object_array_length(chardevs) : 0;

	for (i = 0; i < n; i++) {
		json_object *dev = json_object_array_get_idx(chardevs, i);
		json_object *lab, *file;

		if (!json_object_object_get_ex(dev, "label", &lab) ||
		    !json_object_object_get_ex(dev, "filename", &file) ||
		    strncmp(json_object_get_string(lab), "charserial", 10))
			continue;
		*label = json_object_get_string(lab);
		return json_object_get_string(file);
	}
	return NULL;
}

static int connect_unix(const char *spec)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t len = strcspn(spec, ",");
	int fd;

	if (len >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(addr.sun_path, spec, len);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		fd = -1;
	}
	return fd;
}

/* Our end of the pty passes bytes through untouched: no line editing
 * (a prompt without a newline must show), no echo, no CR/LF mapping. */
static void make_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
}

/* Opens the console's host side.  Returns an fd or -1 (reported). */
static int open_console(const char *dir, const struct vn_domain *dom)
{
	char *mon_path = qemu_paths_monitor_socket(dir, dom);
	struct qemu_monitor *mon = mon_path ?
		qemu_monitor_open(mon_path, QUERY_TIMEOUT_MS) : NULL;
	json_object *chardevs = NULL;
	const char *file, *label = "serial0";
	int fd = -1;

	if (!mon || qemu_monitor_execute(mon, "query-chardev", NULL, &chardevs,
					 QUERY_TIMEOUT_MS) < 0)
		goto out;
	file = serial_filename(chardevs, &label);
	if (file && !strncmp(file, "pty:", 4)) {
		fd = open(file + 4, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			vn_error_report_errno(errno, "cannot open console '%s'",
					      file + 4);
		else
			make_raw(fd);
	} else if (file && !strncmp(file, "unix:", 5)) {
		fd = connect_unix(file + 5);
		if (fd < 0)
			vn_error_report_errno(errno, "cannot connect to console '%s'",
					      file + 5);
	} else if (!file) {
		vn_error_report(VN_ERR_INTERNAL_ERROR,
				"cannot find character device <null>");
	} else {
		vn_error_report(VN_ERR_OPERATION_FAILED,
				"character device %s is not using a PTY",
				label + 4);
	}
out:
	json_object_put(chardevs);
	qemu_monitor_close(mon);
	free(mon_path);
	return fd;
}

/* Copies what FROM has to TO.  Returns bytes read (0: end of file), or -1
 * on error.  With ESCAPE, stops before the escape byte and returns -2. */
static ssize_t copy_once(int from, int to, bool escape)
{
	char buf[COPY_BUF_BYTES];
	ssize_t n = read(from, buf, sizeof(buf)), off = 0;
	ssize_t len = n;
	char *esc;

	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN) ? 1 : n;
	esc = escape ? memchr(buf, QEMU_CONSOLE_ESCAPE, (size_t)n) : NULL;
	if (esc)
		len = esc - buf;
	while (off < len) {
		ssize_t w = write(to, buf + off, (size_t)(len - off));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += w;
	}
	return esc ? -2 : n;
}

/* Copies until the domain stops, either side closes, the escape byte
 * comes, or SIGNAL_FD (-1: none) has a signal. */
static void relay(const char *dir, const char *name, int console_fd,
		  int signal_fd)
{
	struct pollfd fds[3] = {
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = console_fd, .events = POLLIN },
		{ .fd = signal_fd, .events = POLLIN },
	};

	while (qemu_state_is_active(dir, name)) {
		int n = poll(fds, 3, QEMU_CONSOLE_POLL_MS);

		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0)
			continue;
		if (fds[2].revents)
			break; /* left pending: it acts once unblocked */
		if (fds[1].revents &&
		    copy_once(console_fd, STDOUT_FILENO, false) <= 0)
			break;
		if (fds[0].revents &&
		    copy_once(STDIN_FILENO, console_fd, true) <= 0)
			break;
	}
}

/* Blocks the session-ending signals (the old mask in *SAVED) and
 * returns a signalfd for them, or -1 (then they stay unblocked). */
static int catch_session_signals(sigset_t *saved)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &set, saved) < 0)
		return -1;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		sigprocmask(SIG_SETMASK, saved, NULL);
	return fd;
}

int qemu_console_attach(const char *state_dir, const char *name)
{
	struct vn_domain *dom = NULL;
	struct termios saved, raw;
	struct sigaction saved_pipe;
	sigset_t saved_mask;
	bool is_tty = isatty(STDIN_FILENO);
	int fd = -1, signal_fd = -1, ret = -1;

	if (!qemu_state_is_active(state_dir, name)) {
		vn_error_report(VN_ERR_NO_DOMAIN,
				"no domain with matching name '%s'", name);
		return -1;
	}
	dom = qemu_state_load_domain(state_dir, name);
	if (dom)
		fd = open_console(state_dir, dom);
	if (fd < 0)
		goto out;
	printf("Connected to domain '%s'\nEscape character is ^] (Ctrl + ])\n",
	       name);
	fflush(stdout);
	if (is_tty && tcgetattr(STDIN_FILENO, &saved) == 0) {
		/* Signals first: none may end us between raw and restore. */
		signal_fd = catch_session_signals(&saved_mask);
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
	} else {
		is_tty = false;
	}
	/* A peer or an stdout that went away fails the write (the session
	 * ends, the terminal is restored) instead of killing us raw. */
	sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = SIG_IGN },
		  &saved_pipe);
	relay(state_dir, name, fd, signal_fd);
	sigaction(SIGPIPE, &saved_pipe, NULL);
	if (is_tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	printf("\n");
	fflush(stdout);
	if (signal_fd >= 0) {
		close(signal_fd);
		/* A signal that ended the relay is delivered here. */
		sigprocmask(SIG_SETMASK, &saved_mask, NULL);
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	vn_domain_free(dom);
	return ret;
}
