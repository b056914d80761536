// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tests of the QMP client (src/qemu/qemu_monitor.c) against a scripted
 * peer on the other end of a socketpair.
 *
 * Theory of operation: the client numbers its commands 1, 2, 3... (the
 * capabilities negotiation is 1), so most exchanges can be written into
 * the peer's end before the client runs; the socket buffer holds them.
 * The test then reads what the client sent from the peer's end and
 * checks it.  Exchanges that do not fit in a socket buffer, or that need
 * bytes to arrive in pieces, use a forked writer that exits when done.
 * What is checked is what a caller sees: the return value, the reply
 * member, queued events in order, and the reported error text.  Real
 * QEMU is exercised by tests/e2e/test-launcher.sh.
 */
#include "tests/harness.h"

#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qemu/qemu_monitor.h"
#include "util/error.h"

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, " \
	"\"minor\": 2, \"major\": 7}}, \"capabilities\": [\"oob\"]}}\r\n"
#define CAPS_OK "{\"return\": {}, \"id\": 1}\r\n"
#define TIMEOUT_MS 2000

static int pair[2];

static void make_pair(void)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
		perror("socketpair");
		exit(1);
	}
}

static void peer_says(const char *text)
{
	size_t len = strlen(text);

	if (write(pair[1], text, len) != (ssize_t)len) {
		perror("peer write");
		exit(1);
	}
}

/* What the client has sent so far (non-blocking read of the peer end). */
static const char *client_sent(void)
{
	static char buf[65536];
	ssize_t n = recv(pair[1], buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static struct qemu_monitor *open_ready_monitor(void)
{
	make_pair();
	peer_says(GREETING CAPS_OK);
	return qemu_monitor_open_fd(pair[0], TIMEOUT_MS);
}

static long long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000LL +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

TEST(greeting_then_capabilities_negotiated)
{
	struct qemu_monitor *mon = open_ready_monitor();
	const char *sent;

	CHECK(mon);
	sent = client_sent();
	CHECK_MSG(strstr(sent, "\"execute\":\"qmp_capabilities\""),
		  "client sent: %s", sent);
	CHECK_MSG(strstr(sent, "\"id\":1"), "client sent: %s", sent);
	CHECK(sent[strlen(sent) - 1] == '\n');
	qemu_monitor_close(mon);
}

TEST(command_before_greeting_is_refused)
{
	make_pair();
	peer_says("{\"return\": {}, \"id\": 1}\r\n");
	CHECK(!qemu_monitor_open_fd(pair[0], TIMEOUT_MS));
	CHECK_MSG(strstr(vn_error_message(), "greeting expected"),
		  "error: %s", vn_error_message());
}

TEST(capabilities_error_fails_open)
{
	make_pair();
	peer_says(GREETING "{\"error\": {\"class\": \"CommandNotFound\", "
		  "\"desc\": \"no caps\"}, \"id\": 1}\r\n");
	CHECK(!qemu_monitor_open_fd(pair[0], TIMEOUT_MS));
	CHECK_STR(vn_error_message(), "internal error: unable to execute "
		  "QEMU command 'qmp_capabilities': no caps");
}

TEST(reply_matched_by_id_across_events_and_stale_replies)
{
	struct qemu_monitor *mon = open_ready_monitor();
	json_object *ret = NULL, *ev = NULL, *status;

	CHECK(mon);
	client_sent();
	peer_says("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, "
		  "\"event\": \"RESUME\"}\r\n"
		  "{\"return\": {\"status\": \"stale\"}, \"id\": 99}\r\n"
		  "\r\n"
		  "{\"event\": \"NIC_RX_FILTER_CHANGED\", \"data\": {}}\r\n"
		  "{\"return\": {\"status\": \"running\"}, \"id\": 2}\r\n");
	CHECK_INT(qemu_monitor_execute(mon, "query-status", NULL, &ret,
				       TIMEOUT_MS), 0);
	CHECK(json_object_object_get_ex(ret, "status", &status));
	CHECK_STR(json_object_get_string(status), "running");
	json_object_put(ret);
	CHECK_MSG(strstr(client_sent(), "\"id\":2"), "second command id");
	CHECK_INT(qemu_monitor_next_event(mon, &ev, 0), 1);
	CHECK_STR(qemu_monitor_event_name(ev), "RESUME");
	json_object_put(ev);
	CHECK_INT(qemu_monitor_next_event(mon, &ev, 0), 1);
	CHECK_STR(qemu_monitor_event_name(ev), "NIC_RX_FILTER_CHANGED");
	json_object_put(ev);
	CHECK_INT(qemu_monitor_next_event(mon, &ev, 0), 0);
	qemu_monitor_close(mon);
}

TEST(arguments_are_sent_with_the_command)
{
	struct qemu_monitor *mon = open_ready_monitor();
	json_object *args = json_object_new_object();
	const char *sent;

	CHECK(mon);
	client_sent();
	json_object_object_add(args, "id", json_object_new_string("net0"));
	peer_says("{\"return\": {}, \"id\": 2}\r\n");
	CHECK_INT(qemu_monitor_execute(mon, "device_del", args, NULL,
				       TIMEOUT_MS), 0);
	sent = client_sent();
	CHECK_MSG(strstr(sent, "\"arguments\":{\"id\":\"net0\"}"),
		  "client sent: %s", sent);
	qemu_monitor_close(mon);
}

TEST(error_reply_reported_and_connection_stays_usable)
{
	struct qemu_monitor *mon = open_ready_monitor();

	CHECK(mon);
	peer_says("{\"error\": {\"class\": \"GenericError\", \"desc\": "
		  "\"Device 'nope' not found\"}, \"id\": 2}\r\n"
		  "{\"return\": {}, \"id\": 3}\r\n");
	CHECK_INT(qemu_monitor_execute(mon, "device_del", NULL, NULL,
				       TIMEOUT_MS), -1);
	CHECK_STR(vn_error_message(), "internal error: unable to execute "
		  "QEMU command 'device_del': Device 'nope' not found");
	CHECK_INT(qemu_monitor_execute(mon, "cont", NULL, NULL, TIMEOUT_MS), 0);
	qemu_monitor_close(mon);
}

TEST(silent_peer_times_out_within_the_limit)
{
	struct qemu_monitor *mon = open_ready_monitor();
	struct timespec start;
	long long ms;

	CHECK(mon);
	clock_gettime(CLOCK_MONOTONIC, &start);
	CHECK_INT(qemu_monitor_execute(mon, "cont", NULL, NULL, 200), -1);
	ms = elapsed_ms(&start);
	CHECK_MSG(ms >= 180 && ms < 1500, "waited %lld ms", ms);
	CHECK_STR(vn_error_message(), "operation failed: QEMU monitor did "
		  "not answer 'cont' within 200 ms");
	qemu_monitor_close(mon);
}

TEST(missing_greeting_times_out)
{
	make_pair();
	CHECK(!qemu_monitor_open_fd(pair[0], 100));
	CHECK_MSG(strstr(vn_error_message(), "no greeting"), "error: %s",
		  vn_error_message());
}

TEST(malformed_json_breaks_the_connection)
{
	struct qemu_monitor *mon = open_ready_monitor();

	CHECK(mon);
	peer_says("{\"return\": {}, \"id\": 2\r\n{\"return\": {}, \"id\": 2}\r\n");
	CHECK_INT(qemu_monitor_execute(mon, "cont", NULL, NULL, TIMEOUT_MS), -1);
	CHECK_MSG(strstr(vn_error_message(), "cannot parse QEMU monitor message"),
		  "error: %s", vn_error_message());
	CHECK_INT(qemu_monitor_execute(mon, "cont", NULL, NULL, TIMEOUT_MS), -1);
	qemu_monitor_close(mon);
}

TEST(json_that_is_not_an_object_is_refused)
{
	struct qemu_monitor *mon = open_ready_monitor();

	CHECK(mon);
	peer_says("[1, 2, 3]\r\n");
	CHECK_INT(qemu_monitor_execute(mon, "cont", NULL, NULL, TIMEOUT_MS), -1);
	CHECK_MSG(strstr(vn_error_message(), "not a JSON object"), "error: %s",
		  vn_error_message());
	qemu_monitor_close(mon);
}

TEST(trailing_garbage_after_json_is_refused)
{
	struct qemu_monitor *mon = open_ready_monitor();

	CHECK(mon);
	peer_says("{\"return\": {}, \"id\": 2} junk\r\n");
	CHECK_INT(qemu_monitor_execute(mon, "cont", NULL, NULL, TIMEOUT_MS), -1);
	qemu_monitor_close(mon);
}

TEST(peer_closing_is_end_of_file)
{
	struct qemu_monitor *mon = open_ready_monitor();
	json_object *ev = NULL;

	CHECK(mon);
	close(pair[1]);
	CHECK_INT(qemu_monitor_execute(mon, "quit", NULL, NULL, TIMEOUT_MS), -1);
	CHECK_MSG(strstr(vn_error_message(), "End of file from qemu monitor") ||
		  strstr(vn_error_message(), "Broken pipe"),
		  "error: %s", vn_error_message());
	CHECK_INT(qemu_monitor_next_event(mon, &ev, 0), -1);
	qemu_monitor_close(mon);
}

TEST(peer_closing_after_greeting_fails_open)
{
	make_pair();
	peer_says(GREETING);
	shutdown(pair[1], SHUT_WR);
	CHECK(!qemu_monitor_open_fd(pair[0], TIMEOUT_MS));
	CHECK_STR(vn_error_message(), "internal error: End of file from qemu monitor");
}

TEST(event_queue_is_bounded_oldest_dropped)
{
	struct qemu_monitor *mon = open_ready_monitor();
	json_object *ev = NULL, *data, *n;
	char line[128];
	int i;

	CHECK(mon);
	for (i = 0; i < QEMU_MONITOR_MAX_EVENTS + 6; i++) {
		snprintf(line, sizeof(line),
			 "{\"event\": \"X\", \"data\": {\"n\": %d}}\r\n", i);
		peer_says(line);
	}
	peer_says("{\"return\": {}, \"id\": 2}\r\n");
	CHECK_INT(qemu_monitor_execute(mon, "cont", NULL, NULL, TIMEOUT_MS), 0);
	CHECK_INT(qemu_monitor_dropped_events(mon), 6);
	CHECK_INT(qemu_monitor_next_event(mon, &ev, 0), 1);
	CHECK(json_object_object_get_ex(ev, "data", &data));
	CHECK(json_object_object_get_ex(data, "n", &n));
	CHECK_INT(json_object_get_int(n), 6);
	json_object_put(ev);
	qemu_monitor_close(mon);
}

TEST(event_waited_for_arrives)
{
	struct qemu_monitor *mon = open_ready_monitor();
	json_object *ev = NULL;

	CHECK(mon);
	peer_says("{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true}}\r\n");
	CHECK_INT(qemu_monitor_next_event(mon, &ev, TIMEOUT_MS), 1);
	CHECK_STR(qemu_monitor_event_name(ev), "SHUTDOWN");
	json_object_put(ev);
	CHECK_INT(qemu_monitor_next_event(mon, &ev, 50), 0);
	qemu_monitor_close(mon);
}

/* A forked peer writing TEXT one byte at a time. */
static pid_t trickle(const char *text)
{
	pid_t pid = fork();
	size_t i;

	if (pid == 0) {
		for (i = 0; text[i]; i++) {
			if (write(pair[1], &text[i], 1) != 1)
				_exit(1);
			if (i % 16 == 0)
				usleep(200);
		}
		_exit(0);
	}
	return pid;
}

TEST(messages_split_across_reads_are_reassembled)
{
	struct qemu_monitor *mon;
	pid_t pid;

	make_pair();
	pid = trickle(GREETING CAPS_OK "{\"return\": {\"x\": 1}, \"id\": 2}\r\n");
	CHECK(pid > 0);
	mon = qemu_monitor_open_fd(pair[0], TIMEOUT_MS);
	CHECK_MSG(mon, "open: %s", vn_error_message());
	CHECK_INT(qemu_monitor_execute(mon, "cont", NULL, NULL, TIMEOUT_MS), 0);
	qemu_monitor_close(mon);
	waitpid(pid, NULL, 0);
}

TEST(over_long_message_is_refused)
{
	struct qemu_monitor *mon = open_ready_monitor();
	pid_t pid;

	CHECK(mon);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		static char chunk[65536];
		size_t sent = 0;

		memset(chunk, ' ', sizeof(chunk));
		/* Stops once the client gives up and closes its end. */
		while (sent < 2 * QEMU_MONITOR_MAX_LINE &&
		       send(pair[1], chunk, sizeof(chunk), MSG_NOSIGNAL) > 0)
			sent += sizeof(chunk);
		_exit(0);
	}
	CHECK_INT(qemu_monitor_execute(mon, "cont", NULL, NULL, 5000), -1);
	CHECK_MSG(strstr(vn_error_message(), "longer than"), "error: %s",
		  vn_error_message());
	qemu_monitor_close(mon);
	close(pair[1]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

TEST(open_missing_socket_fails_after_timeout)
{
	struct timespec start;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &start);
	CHECK(!qemu_monitor_open("/nonexistent/vunet-test/monitor.sock", 150));
	ms = elapsed_ms(&start);
	CHECK_MSG(ms >= 140 && ms < 2000, "waited %lld ms", ms);
	CHECK_MSG(strstr(vn_error_message(), "failed to connect to monitor "
			 "socket '/nonexistent/vunet-test/monitor.sock'"),
		  "error: %s", vn_error_message());
}

int main(int argc, char **argv) { return test_main(argc, argv); }
