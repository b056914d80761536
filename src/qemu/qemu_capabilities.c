// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU's version and the capabilities derived from it: see
 * qemu_capabilities.h.
 *
 * The probe runs the emulator once with --version (a bare name is looked
 * up in PATH), reading at most VERSION_OUTPUT_MAX bytes for at most
 * VERSION_TIMEOUT_MS; a binary that prints nothing useful, hangs or is
 * missing gives an error naming it, and a hung one is killed.
 *
 * The thresholds below are the QEMU releases that introduced each
 * feature; each predicate carries the reason it matters to vunet.  They
 * are the only place a version number appears in the builders' logic.
 */
#include "qemu/qemu_capabilities.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/error.h"

/* "QEMU emulator version 7.2.19 (Debian ...)" fits easily. */
#define VERSION_OUTPUT_MAX 4096
/* QEMU prints its version without initialising anything; a second is a
 * lot, ten is generous for a loaded CI machine. */
#define VERSION_TIMEOUT_MS 10000
#define VERSION_PREFIX "QEMU emulator version "
/* The child's status when exec itself failed (the shell's convention). */
#define EXIT_NOT_RUN 127

/* Each component is bounded as libvirt's encoding requires (minor and
 * micro below 1000). */
static int parse_component(const char **p, unsigned limit, unsigned *out)
{
	char *end;
	unsigned long value;

	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	value = strtoul(*p, &end, 10);
	if (errno || value >= limit)
		return -1;
	*out = value;
	*p = end;
	return 0;
}

/* Parses X.Y[.Z] at the start of TEXT; *END is set past it. */
static int parse_version_prefix(const char *text, const char **end,
				unsigned long long *version)
{
	const char *p = text;
	unsigned major, minor, micro = 0;

	if (parse_component(&p, 1000, &major) < 0 || *p++ != '.' ||
	    parse_component(&p, 1000, &minor) < 0)
		return -1;
	if (*p == '.') {
		p++;
		if (parse_component(&p, 1000, &micro) < 0)
			return -1;
	}
	*end = p;
	*version = QEMU_VERSION(major, minor, micro);
	return 0;
}

int qemu_caps_parse_version_string(const char *text,
				   unsigned long long *version)
{
	const char *end;

	if (parse_version_prefix(text, &end, version) < 0 || *end) {
		vn_error_report(VN_ERR_INVALID_ARG,
				"'%s' is not a QEMU version (expected X.Y.Z)",
				text);
		return -1;
	}
	return 0;
}

int qemu_caps_parse_version_output(const char *output,
				   unsigned long long *version)
{
	const char *start = strstr(output, VERSION_PREFIX);
	const char *end;

	if (!start ||
	    parse_version_prefix(start + strlen(VERSION_PREFIX), &end,
				 version) < 0) {
		vn_error_report(VN_ERR_INTERNAL_ERROR,
				"cannot parse QEMU version from '%.80s'",
				output);
		return -1;
	}
	return 0;
}

/* Reads the child's output into BUF (NUL-terminated) until EOF, the size
 * limit or the deadline.  Returns 0, or -1 on timeout. */
static int read_bounded(int fd, char *buf, size_t size)
{
	long long deadline = vn_now_ms() + VERSION_TIMEOUT_MS;
	size_t len = 0;
	int ret = -1;

	while (len + 1 < size) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline - vn_now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			goto out;
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	ret = 0;
out:
	buf[len] = '\0';
	return ret;
}

static pid_t spawn_version(const char *emulator, int *out_fd)
{
	int pipefd[2];
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		dup2(devnull, STDIN_FILENO);
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		execlp(emulator, emulator, "--version", (char *)NULL);
		_exit(EXIT_NOT_RUN);
	}
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		return -1;
	}
	*out_fd = pipefd[0];
	return pid;
}

/* Waits for the probe; true if it could not even be executed. */
static bool reap_probe(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == EXIT_NOT_RUN;
}

int qemu_caps_query_version(const char *emulator, unsigned long long *version)
{
	char output[VERSION_OUTPUT_MAX];
	bool timed_out, not_run;
	int fd = -1;
	pid_t pid;

	/* A path must name an executable; a bare name is looked up in PATH
	 * by the child. */
	if (strchr(emulator, '/') && access(emulator, X_OK) < 0) {
		vn_error_report_errno(errno, "Cannot find QEMU binary %s",
				      emulator);
		return -1;
	}
	pid = spawn_version(emulator, &fd);
	if (pid < 0) {
		vn_error_report_errno(errno, "cannot run %s --version",
				      emulator);
		return -1;
	}
	timed_out = read_bounded(fd, output, sizeof(output)) < 0;
	if (timed_out)
		kill(pid, SIGKILL);
	close(fd);
	not_run = reap_probe(pid);
	if (timed_out) {
		vn_error_report(VN_ERR_OPERATION_FAILED,
				"%s --version did not answer within %d ms",
				emulator, VERSION_TIMEOUT_MS);
		return -1;
	}
	if (not_run && !output[0]) {
		vn_error_report(VN_ERR_OPERATION_FAILED,
				"Cannot find QEMU binary %s", emulator);
		return -1;
	}
	return qemu_caps_parse_version_output(output, version);
}

bool qemu_caps_has_machine_acpi(unsigned long long version)
{
	/* libvirt moves from -no-acpi to the machine property with 8.0,
	 * where -no-acpi was deprecated. */
	return version >= QEMU_VERSION(8, 0, 0);
}

bool qemu_caps_has_chardev_reconnect_ms(unsigned long long version)
{
	/* 9.2 added reconnect-ms and deprecated reconnect (seconds). */
	return version >= QEMU_VERSION(9, 2, 0);
}

bool qemu_caps_has_stream_reconnect(unsigned long long version)
{
	/* The stream netdev learnt to reconnect in 8.0; 7.2 has no such
	 * option, so a restarted backend needs a restarted guest NIC. */
	return version >= QEMU_VERSION(8, 0, 0);
}

bool qemu_caps_has_stream_reconnect_ms(unsigned long long version)
{
	return version >= QEMU_VERSION(9, 2, 0);
}

bool qemu_caps_can_elide_raw_format(unsigned long long version)
{
	/* libvirt drops the "raw" format node once block jobs can mask the
	 * protocol node (backing-mask-protocol, QEMU 9.0). */
	return version >= QEMU_VERSION(9, 0, 0);
}

bool qemu_caps_vhost_user_msix_safe_on_tcg(unsigned long long version)
{
	/* 7.2 was seen crashing (SIGSEGV in vhost_net_start); 10.0 was seen
	 * working.  The project treats every release before 8.0 as affected,
	 * which costs those guests MSI-X on vhost-user NICs, nothing more. */
	return version >= QEMU_VERSION(8, 0, 0);
}
