// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The real vunetd binary (VUNETD_PATH, set by meson) as a caller sees it:
 * what it prints and its exit status for --version, --help,
 * --print-capabilities and bad command lines; that it daemonizes only once
 * its socket listens and its pid file is written; that SIGTERM removes
 * both; --one-off and -F exits; one front-end at a time; the counters line
 * on SIGUSR1; the stream protocol end to end (an ARP request answered
 * by vunetd, after zero-length and oversized records it survived); and
 * local mode's messages and refusals on a host without routes.
 *
 * Everything runs in a private directory; all traffic stays on unix
 * sockets.  Each wait is bounded (WAIT_MS).  Addresses are given with -a
 * so that the host's routes do not matter, except for local mode (no
 * route at all), run in a private network namespace with only lo.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/backend/netns.h"
#include "tests/harness.h"

#define WAIT_MS 5000
#define MAX_ARGS 40

static char dir[64], sock[100], pidfile[100], logfile[100];
static char output[16384]; /* what the child printed (stdout + stderr) */
static int out_fd = -1;

#define REQUIRE_BINARY()                                                  \
	do {                                                              \
		if (access(VUNETD_PATH, X_OK))                            \
			SKIP("%s is not built", VUNETD_PATH);             \
		make_dir();                                               \
	} while (0)

/* A private directory, writable by everybody: started as root, vunetd
 * drops to nobody and must still be able to remove its files. */
static void make_dir(void)
{
	strcpy(dir, "/tmp/vunetd-cli-XXXXXX");
	if (!mkdtemp(dir) || chmod(dir, 0777))
		abort();
	test_remove_at_exit(dir);
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
	snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
	snprintf(logfile, sizeof(logfile), "%s/log", dir);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* Starts vunetd with ARGS (NULL-terminated, without argv[0]); its
 * stdout and stderr go to a memory file read by read_output().  EXTRA_FD,
 * if >= 0, stays open in the child. */
static pid_t spawn(const char **args, int extra_fd)
{
	const char *argv[MAX_ARGS];
	int n = 0;
	pid_t pid;

	argv[n++] = "vunetd";
	while (*args && n < MAX_ARGS - 1)
		argv[n++] = *args++;
	argv[n] = NULL;
	if (out_fd < 0)
		out_fd = memfd_create("out", 0);
	pid = fork();
	if (pid == 0) {
		dup2(out_fd, STDOUT_FILENO);
		dup2(out_fd, STDERR_FILENO);
		if (extra_fd >= 0)
			fcntl(extra_fd, F_SETFD, 0);
		execv(VUNETD_PATH, (char **)argv);
		_exit(127);
	}
	return pid;
}

static const char *read_output(void)
{
	ssize_t n = pread(out_fd, output, sizeof(output) - 1, 0);

	output[n > 0 ? n : 0] = '\0';
	return output;
}

/* Waits up to WAIT_MS for PID to exit.  Returns its wait status, or -1
 * (the process is then killed). */
static int wait_exit(pid_t pid)
{
	long end = now_ms() + WAIT_MS;
	int status;

	while (now_ms() < end) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* Runs vunetd to completion; returns its exit code, or -1. */
static int run(const char **args)
{
	int status = wait_exit(spawn(args, -1));

	read_output();
	return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define RUN(...) run((const char *[]){ __VA_ARGS__, NULL })
#define SPAWN(...) spawn((const char *[]){ __VA_ARGS__, NULL }, -1)
#define ADDRS "-a", "10.0.2.15", "-n", "24", "-g", "10.0.2.2", "-4"

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Waits until PATH accepts connections.  Returns a connected fd or -1. */
static int connect_when_ready(const char *path)
{
	long end = now_ms() + WAIT_MS;

	while (now_ms() < end) {
		int fd = connect_unix(path);

		if (fd >= 0)
			return fd;
		usleep(10000);
	}
	return -1;
}

static bool file_contains(const char *path, const char *needle)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return strstr(buf, needle) != NULL;
}

static bool wait_file_contains(const char *path, const char *needle)
{
	long end = now_ms() + WAIT_MS;

	while (now_ms() < end) {
		if (file_contains(path, needle))
			return true;
		usleep(20000);
	}
	return false;
}

static bool wait_gone(const char *path)
{
	long end = now_ms() + WAIT_MS;

	while (now_ms() < end) {
		if (access(path, F_OK))
			return true;
		usleep(10000);
	}
	return false;
}

/* Sends one stream record: 4-byte big-endian LEN, then LEN bytes of
 * DATA (which may be shorter: the rest is zeroes). */
static void send_record(int fd, uint32_t len, const void *data,
			size_t data_len)
{
	static uint8_t zeroes[4096];
	uint8_t hdr[4] = { len >> 24, len >> 16, len >> 8, len };
	size_t left = len - data_len;

	if (write(fd, hdr, 4) != 4 ||
	    (data_len && write(fd, data, data_len) != (ssize_t)data_len))
		abort();
	while (left) {
		size_t n = left < sizeof(zeroes) ? left : sizeof(zeroes);

		if (write(fd, zeroes, n) != (ssize_t)n)
			abort();
		left -= n;
	}
}

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* An ARP request from the guest (10.0.2.15) for the gateway. */
static size_t arp_request(uint8_t *f)
{
	static const uint8_t arp_hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };

	memset(f, 0xff, 6);
	memcpy(f + 6, guest_mac, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	memcpy(f + 14, arp_hdr, 8);
	memcpy(f + 22, guest_mac, 6);
	inet_pton(AF_INET, "10.0.2.15", f + 28);
	memset(f + 32, 0, 6);
	inet_pton(AF_INET, "10.0.2.2", f + 38);
	memset(f + 42, 0, 18); /* padding to 60 bytes */
	return 60;
}

/* Reads one record from FD within WAIT_MS into BUF.  Returns its
 * length, or -1. */
static ssize_t read_record(int fd, uint8_t *buf, size_t size)
{
	long end = now_ms() + WAIT_MS;
	size_t got = 0, want = 4;
	uint32_t len = 0;

	while (got < want && now_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, buf + got, want - got);
		if (n <= 0)
			return -1;
		got += n;
		if (got == 4 && want == 4) {
			len = (uint32_t)buf[0] << 24 | buf[1] << 16 |
			      buf[2] << 8 | buf[3];
			if (len + 4 > size)
				return -1;
			want = 4 + len;
		}
	}
	return got == want && want > 4 ? (ssize_t)len : -1;
}

/* Sends an ARP request on FD and checks vunetd's reply. */
static bool arp_answered(int fd)
{
	uint8_t req[64], reply[256];
	ssize_t len;

	send_record(fd, arp_request(req), req, 60);
	len = read_record(fd, reply, sizeof(reply));
	return len >= 42 && reply[4 + 12] == 0x08 && reply[4 + 13] == 0x06 &&
	       reply[4 + 21] == 2 /* reply */ &&
	       !memcmp(reply + 4, guest_mac, 6) &&
	       !memcmp(reply + 4 + 22, "\x9a\x55\x9a\x55\x9a\x55", 6);
}

TEST(version_prints_name_and_version)
{
	REQUIRE_BINARY();
	CHECK_INT(RUN("--version"), 0);
	CHECK_STR(output, "vunetd " VUNET_VERSION "\n");
}

TEST(print_capabilities_prints_vhost_user_json)
{
	REQUIRE_BINARY();
	CHECK_INT(RUN("--print-capabilities"), 0);
	CHECK_STR(output, "{\n  \"type\": \"net\"\n}\n");
}

TEST(help_exits_successfully)
{
	REQUIRE_BINARY();
	CHECK_INT(RUN("--help"), 0);
	CHECK(strstr(output, "--vhost-user"));
}

TEST(unknown_option_exits_1_with_usage)
{
	REQUIRE_BINARY();
	CHECK_INT(RUN("--no-such-option"), 1);
	CHECK(strstr(output, "unrecognized option '--no-such-option'"));
	CHECK(strstr(output, "Usage:"));
}

TEST(bad_value_exits_1_with_its_message)
{
	REQUIRE_BINARY();
	CHECK_INT(RUN("-m", "abc"), 1);
	CHECK_MSG(strstr(output, "Invalid MTU: abc"), "output: %s", output);
	CHECK_INT(RUN(ADDRS, "-t", "22-10"), 1);
	CHECK(strstr(output, "Invalid port specifier 22-10"));
}

TEST(daemonizes_once_socket_listens_with_pid_file)
{
	char pidtext[32] = "";
	int fd, status;
	pid_t daemon_pid;

	REQUIRE_BINARY();
	/* the parent exits only when the daemon is ready */
	CHECK_INT(RUN(ADDRS, "-s", sock, "-P", pidfile, "-l", logfile), 0);
	CHECK_MSG(!access(sock, F_OK), "no socket after start: %s", output);
	fd = open(pidfile, O_RDONLY);
	CHECK(fd >= 0);
	CHECK(read(fd, pidtext, sizeof(pidtext) - 1) > 0);
	close(fd);
	daemon_pid = atoi(pidtext);
	CHECK(daemon_pid > 1);
	CHECK_INT(kill(daemon_pid, 0), 0);
	fd = connect_unix(sock);
	CHECK(fd >= 0);
	CHECK(arp_answered(fd));
	close(fd);

	CHECK_INT(kill(daemon_pid, SIGTERM), 0);
	CHECK_MSG(wait_gone(pidfile), "pid file left behind");
	CHECK_MSG(wait_gone(sock), "socket left behind");
	(void)status;
}

TEST(foreground_prints_the_socket_path)
{
	pid_t pid;

	REQUIRE_BINARY();
	pid = SPAWN(ADDRS, "-f", "-s", sock);
	CHECK(connect_when_ready(sock) >= 0);
	kill(pid, SIGTERM);
	CHECK(wait_exit(pid) >= 0);
	read_output();
	CHECK(strstr(output, "UNIX domain socket bound at "));
	CHECK(strstr(output, sock));
}

TEST(default_socket_path_is_tmp_vunetd_n)
{
	pid_t pid;
	char *p, path[108];
	long end = now_ms() + WAIT_MS;

	REQUIRE_BINARY();
	pid = SPAWN(ADDRS, "-f");
	while (!strstr(read_output(), "bound at ") && now_ms() < end)
		usleep(10000);
	p = strstr(output, "bound at /tmp/vunetd_");
	CHECK_MSG(p, "output: %s", output);
	sscanf(p + 9, "%107s", path);
	CHECK(strstr(path, ".socket"));
	CHECK(!access(path, F_OK));
	kill(pid, SIGTERM);
	CHECK(wait_exit(pid) >= 0);
	/* started as root, vunetd runs as nobody, which may not remove a
	 * root-owned file from sticky /tmp: remove it for it */
	if (geteuid() == 0)
		unlink(path);
	else
		CHECK(wait_gone(path));
}

TEST(sigterm_exits_cleanly_with_counters)
{
	pid_t pid;
	int status;

	REQUIRE_BINARY();
	pid = SPAWN(ADDRS, "-f", "-s", sock);
	CHECK(connect_when_ready(sock) >= 0);
	kill(pid, SIGTERM);
	status = wait_exit(pid);
	CHECK(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	read_output();
	CHECK(strstr(output, "counters: frames_from_guest="));
	CHECK(access(sock, F_OK));
}

/* QEMU's -netdev passt passes --quiet; the counters were asked for. */
TEST(quiet_still_logs_the_counters_at_exit)
{
	pid_t pid;
	int status;

	REQUIRE_BINARY();
	pid = SPAWN(ADDRS, "-f", "--quiet", "-s", sock);
	CHECK(connect_when_ready(sock) >= 0);
	kill(pid, SIGTERM);
	status = wait_exit(pid);
	CHECK(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	read_output();
	CHECK(strstr(output, "counters: frames_from_guest="));
	CHECK(!strstr(output, "UNIX domain socket bound")); /* info hidden */
}

TEST(one_off_exits_when_the_front_end_disconnects)
{
	pid_t pid;
	int fd, status;

	REQUIRE_BINARY();
	pid = SPAWN(ADDRS, "-f", "-1", "-s", sock);
	fd = connect_when_ready(sock);
	CHECK(fd >= 0);
	CHECK(arp_answered(fd));
	close(fd);
	status = wait_exit(pid);
	CHECK_MSG(status >= 0 && WIFEXITED(status) && !WEXITSTATUS(status),
		  "status %d", status);
	CHECK(access(sock, F_OK));
}

TEST(without_one_off_the_next_client_is_served)
{
	pid_t pid;
	int fd;

	REQUIRE_BINARY();
	pid = SPAWN(ADDRS, "-f", "-s", sock);
	fd = connect_when_ready(sock);
	CHECK(fd >= 0);
	CHECK(arp_answered(fd));
	close(fd);
	usleep(100000);
	CHECK_INT(waitpid(pid, NULL, WNOHANG), 0);
	fd = connect_when_ready(sock);
	CHECK(fd >= 0);
	CHECK(arp_answered(fd));
	close(fd);
	kill(pid, SIGTERM);
	CHECK(wait_exit(pid) >= 0);
}

TEST(second_client_is_turned_away_while_one_is_connected)
{
	pid_t pid;
	int first, second;
	char byte;

	REQUIRE_BINARY();
	pid = SPAWN(ADDRS, "-f", "-s", sock);
	first = connect_when_ready(sock);
	CHECK(first >= 0);
	CHECK(arp_answered(first));
	second = connect_unix(sock);
	CHECK(second >= 0);
	{
		struct pollfd p = { .fd = second, .events = POLLIN };

		CHECK(poll(&p, 1, WAIT_MS) == 1);
		CHECK_INT(read(second, &byte, 1), 0);
	}
	CHECK(arp_answered(first));
	kill(pid, SIGTERM);
	CHECK(wait_exit(pid) >= 0);
}

TEST(sigusr1_logs_counters_and_bad_records_are_survived)
{
	uint8_t lldp[60] = { 0 };
	pid_t pid;
	int fd;

	REQUIRE_BINARY();
	pid = SPAWN(ADDRS, "-f", "-s", sock, "-l", logfile);
	fd = connect_when_ready(sock);
	CHECK(fd >= 0);
	lldp[12] = 0x88;
	lldp[13] = 0xcc;
	send_record(fd, sizeof(lldp), lldp, sizeof(lldp)); /* bad_l2 */
	send_record(fd, 0, NULL, 0);                       /* bad_stream */
	send_record(fd, 70000, NULL, 0);                   /* bad_stream */
	CHECK(arp_answered(fd));
	kill(pid, SIGUSR1);
	CHECK_MSG(wait_file_contains(logfile, "counters: frames_from_guest=2 "),
		  "no counters line in the log");
	CHECK(file_contains(logfile, " drop_bad_l2=1 "));
	CHECK(file_contains(logfile, " drop_bad_stream=2"));
	CHECK(file_contains(logfile, " frames_to_guest=1 "));
	close(fd);
	kill(pid, SIGTERM);
	CHECK(wait_exit(pid) >= 0);
}

TEST(absurd_record_length_ends_only_that_connection)
{
	uint8_t hdr[4] = { 0x40, 0, 0, 0 };
	pid_t pid;
	int fd;
	char byte;

	REQUIRE_BINARY();
	pid = SPAWN(ADDRS, "-f", "-s", sock);
	fd = connect_when_ready(sock);
	CHECK(fd >= 0);
	CHECK_INT(write(fd, hdr, 4), 4);
	{
		struct pollfd p = { .fd = fd, .events = POLLIN };

		CHECK(poll(&p, 1, WAIT_MS) == 1);
		CHECK(read(fd, &byte, 1) <= 0);
	}
	close(fd);
	fd = connect_when_ready(sock);
	CHECK(fd >= 0);
	CHECK(arp_answered(fd));
	kill(pid, SIGTERM);
	CHECK(wait_exit(pid) >= 0);
}

TEST(fd_option_serves_a_passed_socket_and_exits_with_it)
{
	int sv[2], status;
	char num[16];
	pid_t pid;

	REQUIRE_BINARY();
	CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	snprintf(num, sizeof(num), "%d", sv[1]);
	pid = spawn((const char *[]){ ADDRS, "-f", "-F", num, NULL }, sv[1]);
	close(sv[1]);
	CHECK(arp_answered(sv[0]));
	close(sv[0]);
	status = wait_exit(pid);
	CHECK(status >= 0 && WIFEXITED(status) && !WEXITSTATUS(status));
}

/* A file, not a socket, passed with -F: refused once the pid file is
 * written.  Returns vunetd's exit code (-1: it did not exit). */
static int run_with_file_as_front_end(const char *mode)
{
	const char *args[] = { ADDRS, "-f", "-P", pidfile, "-F", NULL, mode,
			       NULL };
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC), status;
	char num[16];

	snprintf(num, sizeof(num), "%d", fd);
	args[sizeof(args) / sizeof(args[0]) - 3] = num;
	status = wait_exit(spawn(args, fd));
	close(fd);
	read_output();
	return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(refused_fd_front_end_fails_the_start_and_removes_the_pid_file)
{
	REQUIRE_BINARY();
	CHECK_INT(run_with_file_as_front_end(NULL), 1);
	CHECK_MSG(access(pidfile, F_OK), "stream: pid file left behind");
	CHECK_INT(run_with_file_as_front_end("--vhost-user"), 1);
	CHECK(strstr(output, "cannot watch the front-end connection"));
	CHECK_MSG(access(pidfile, F_OK), "vhost-user: pid file left behind");
}

TEST(unwritable_pid_file_fails_before_daemonizing)
{
	REQUIRE_BINARY();
	CHECK_INT(RUN(ADDRS, "-s", sock, "-P", "/nonexistent/dir/pid"), 1);
	CHECK(strstr(output, "Couldn't open PID file /nonexistent/dir/pid"));
	CHECK(access(sock, F_OK));
}

TEST(socket_in_use_is_not_taken_over)
{
	pid_t pid;

	REQUIRE_BINARY();
	pid = SPAWN(ADDRS, "-f", "-s", sock);
	CHECK(connect_when_ready(sock) >= 0);
	CHECK_INT(RUN(ADDRS, "-f", "-s", sock), 1);
	CHECK(strstr(output, "Failed to bind UNIX domain socket"));
	kill(pid, SIGTERM);
	CHECK(wait_exit(pid) >= 0);
}

TEST(stale_socket_file_is_replaced)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	REQUIRE_BINARY();
	strncpy(sa.sun_path, sock, sizeof(sa.sun_path) - 1);
	CHECK(!bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	close(fd); /* bound, never listened: a dead server's leftover */
	pid = SPAWN(ADDRS, "-f", "-s", sock);
	fd = connect_when_ready(sock);
	CHECK(fd >= 0);
	CHECK(arp_answered(fd));
	kill(pid, SIGTERM);
	CHECK(wait_exit(pid) >= 0);
}

/* A free TCP port on loopback, found by letting the kernel pick one. */
static int free_tcp_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (!bind(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    !getsockname(fd, (struct sockaddr *)&sa, &len))
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

TEST(forwarded_ports_listen_when_the_daemon_is_ready)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char spec[64], pidtext[32] = "";
	int port = free_tcp_port(), fd;

	REQUIRE_BINARY();
	CHECK(port > 0);
	snprintf(spec, sizeof(spec), "127.0.0.1/%d", port);
	CHECK_INT(RUN(ADDRS, "-s", sock, "-P", pidfile, "-t", spec, "-u",
		      spec), 0);
	sa.sin_port = htons(port);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_MSG(!connect(fd, (struct sockaddr *)&sa, sizeof(sa)),
		  "port %d not listening: %s", port, strerror(errno));
	close(fd);
	/* the UDP port is taken too: binding it again fails */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0);
	CHECK_INT(errno, EADDRINUSE);
	close(fd);
	fd = open(pidfile, O_RDONLY);
	CHECK(fd >= 0 && read(fd, pidtext, sizeof(pidtext) - 1) > 0);
	close(fd);
	CHECK_INT(kill(atoi(pidtext), SIGTERM), 0);
	CHECK(wait_gone(sock));
}

/* As passt: a port named in -t that another socket holds (here a bound,
 * never listening one, as a client's connection would hold it) fails the
 * start with the port and the option, and leaves no socket or pid file. */
TEST(forwarded_port_in_use_fails_the_start_with_the_option)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	char spec[32], want[160];
	int holder = socket(AF_INET, SOCK_STREAM, 0), port;

	REQUIRE_BINARY();
	CHECK(!bind(holder, (struct sockaddr *)&sa, sizeof(sa)));
	CHECK(!getsockname(holder, (struct sockaddr *)&sa, &len));
	port = ntohs(sa.sin_port);
	snprintf(spec, sizeof(spec), "%d,%d", port == 1 ? 2 : port - 1, port);
	/* in the foreground: a start that wrongly succeeds is killed by
	 * run() rather than left running as a daemon */
	CHECK_INT(RUN(ADDRS, "-f", "-s", sock, "-P", pidfile, "-t", spec), 1);
	snprintf(want, sizeof(want),
		 "Failed to bind port %d (Address already in use) for option '-t %s'",
		 port, spec);
	CHECK_MSG(strstr(output, want), "output: %s", output);
	CHECK_MSG(access(sock, F_OK), "socket file left behind");
	CHECK_MSG(access(pidfile, F_OK), "pid file left behind");
	close(holder);
}

TEST(started_as_root_runs_as_nobody)
{
	char path[64], line[256];
	FILE *f;
	pid_t pid;
	int fd;
	bool found = false;

	REQUIRE_BINARY();
	if (geteuid() != 0)
		SKIP("not running as root: nothing to drop");
	pid = SPAWN(ADDRS, "-f", "-s", sock);
	fd = connect_when_ready(sock);
	CHECK(fd >= 0);
	CHECK(arp_answered(fd)); /* the loop runs: privileges are dropped */
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	CHECK(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Uid:", 4))
			found = !strstr(line, "\t0\t");
	fclose(f);
	kill(pid, SIGTERM);
	CHECK(wait_exit(pid) >= 0);
	CHECK_MSG(found, "vunetd still runs with uid 0");
}

/* Whether the strings of NEEDLES (NULL-terminated) are all in OUTPUT,
 * in that order. */
static bool output_has_in_order(const char *const *needles)
{
	const char *p = output;

	for (; *needles; needles++) {
		p = strstr(p, *needles);
		if (!p)
			return false;
		p += strlen(*needles);
	}
	return true;
}

/* In a namespace with only lo (an offline host), as passt: local mode,
 * said before the socket listens, then link-local addressing. */
TEST(without_any_route_runs_in_local_mode)
{
	static const char *const expected[] = {
		"No interfaces with usable IPv4 routes",
		"No interfaces with usable IPv6 routes",
		"No external interface as template, switch to local mode",
		"UNIX domain socket bound at ",
		"IPv4: guest 169.254.2.1/16, gateway 169.254.2.2",
		"NAT to host 127.0.0.1: 169.254.2.2",
		"IPv6: guest ::, gateway fe80::1",
		"our link-local: fe80::1",
		"NAT to host ::1: fe80::1",
		NULL,
	};
	const char *why;
	pid_t pid;
	int fd, status;

	REQUIRE_BINARY();
	why = netns_enter();
	if (why)
		SKIP("%s", why);
	pid = SPAWN("-f", "-s", sock);
	fd = connect_when_ready(sock);
	CHECK_MSG(fd >= 0, "vunetd did not start: %s", read_output());
	CHECK(arp_answered(fd));
	kill(pid, SIGTERM);
	status = wait_exit(pid);
	CHECK(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	read_output();
	CHECK_MSG(output_has_in_order(expected), "output: %s", output);
	CHECK(!strstr(output, "No routable interface"));
}

/* As passt: in local mode there is no interface for host sockets. */
TEST(outbound_interface_in_local_mode_exits_1)
{
	const char *why;

	REQUIRE_BINARY();
	why = netns_enter();
	if (why)
		SKIP("%s", why);
	CHECK_INT(RUN("-f", "-s", sock, "--outbound-if6", "lo"), 1);
	CHECK_MSG(strstr(output, "External interface not usable"),
		  "output: %s", output);
	CHECK(!strstr(output, "local mode"));
	CHECK(access(sock, F_OK));
}

int main(int argc, char **argv) { return test_main(argc, argv); }
