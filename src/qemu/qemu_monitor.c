// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QMP client: see qemu_monitor.h for the protocol and the model.
 *
 * Reading: bytes from the socket accumulate in a growing buffer (capped
 * at QEMU_MONITOR_MAX_LINE); each complete line ('\n'-terminated, QEMU
 * ends them with "\r\n") is one JSON message.  Blank lines are skipped.
 * A message is classified by its members: "QMP" (greeting), "event",
 * or "return"/"error" (a reply, matched by "id").
 *
 * Time: every public call turns its timeout into a CLOCK_MONOTONIC
 * deadline, and each poll() waits only for what remains of it, so a
 * peer trickling bytes cannot stretch a wait.  Writes go through the
 * same deadline (the socket is non-blocking).  SIGPIPE is avoided with
 * MSG_NOSIGNAL, so a closed peer is an EPIPE error, not a dead launcher.
 */
#include "qemu/qemu_monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/error.h"

/* Pause between connection attempts while QEMU creates its socket. */
#define CONNECT_RETRY_MS 20

struct qemu_monitor {
	int fd;
	char *buf;         /* unparsed bytes */
	size_t len, cap;
	unsigned long next_id;
	json_object *events[QEMU_MONITOR_MAX_EVENTS]; /* ring */
	size_t ev_head, ev_count;
	unsigned long dropped_events;
	bool broken;       /* a transport or protocol error happened */
};

static int remaining_ms(long long deadline)
{
	long long left = deadline - vn_now_ms();

	return left < 0 ? 0 : (int)left;
}

static void mark_broken(struct qemu_monitor *mon)
{
	mon->broken = true;
}

/* Waits for EVENTS on the socket until DEADLINE.  1 ready, 0 timed out,
 * -1 error (reported). */
static int wait_socket(struct qemu_monitor *mon, short events,
		       long long deadline)
{
	struct pollfd pfd = { .fd = mon->fd, .events = events };
	int n;

	do {
		n = poll(&pfd, 1, remaining_ms(deadline));
	} while (n < 0 && errno == EINTR && remaining_ms(deadline) > 0);
	if (n < 0) {
		vn_error_report_errno(errno, "cannot poll the QEMU monitor");
		mark_broken(mon);
		return -1;
	}
	return n > 0;
}

static int send_all(struct qemu_monitor *mon, const char *data, size_t len,
		    long long deadline)
{
	while (len > 0) {
		ssize_t n = send(mon->fd, data, len, MSG_NOSIGNAL);
		int ready;

		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			vn_error_report_errno(errno,
					      "cannot send to the QEMU monitor");
			mark_broken(mon);
			return -1;
		}
		ready = wait_socket(mon, POLLOUT, deadline);
		if (ready <= 0) {
			if (ready == 0)
				vn_error_report(VN_ERR_OPERATION_FAILED,
						"timed out sending to the QEMU monitor");
			mark_broken(mon);
			return -1;
		}
	}
	return 0;
}

/* Reads what the socket has into the buffer.  0 on progress, -1 on
 * error or end of file (reported). */
static int fill_buffer(struct qemu_monitor *mon)
{
	ssize_t n;

	if (mon->cap - mon->len < 4096) {
		size_t cap = mon->cap ? mon->cap * 2 : 8192;
		char *buf;

		if (cap > QEMU_MONITOR_MAX_LINE + 1)
			cap = QEMU_MONITOR_MAX_LINE + 1;
		if (cap <= mon->len) {
			vn_error_report(VN_ERR_INTERNAL_ERROR,
					"QEMU monitor message longer than %d bytes",
					QEMU_MONITOR_MAX_LINE);
			mark_broken(mon);
			return -1;
		}
		buf = realloc(mon->buf, cap);
		if (!buf) {
			vn_error_report_errno(ENOMEM, "cannot read the QEMU monitor");
			mark_broken(mon);
			return -1;
		}
		mon->buf = buf;
		mon->cap = cap;
	}
	n = recv(mon->fd, mon->buf + mon->len, mon->cap - mon->len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0) {
		vn_error_report_errno(errno, "cannot read the QEMU monitor");
		mark_broken(mon);
		return -1;
	}
	if (n == 0) {
		vn_error_report(VN_ERR_INTERNAL_ERROR,
				"End of file from qemu monitor");
		mark_broken(mon);
		return -1;
	}
	mon->len += (size_t)n;
	return 0;
}

/* Takes one complete line off the buffer and parses it.  Returns 1 with
 * a JSON object in *MSG, 0 if no complete line is buffered, -1 on a line
 * that is not a JSON object (reported). */
static int take_message(struct qemu_monitor *mon, json_object **msg)
{
	char *nl;
	size_t line_len;
	json_tokener *tok;
	enum json_tokener_error jerr;

	for (;;) {
		nl = mon->len ? memchr(mon->buf, '\n', mon->len) : NULL;
		if (!nl)
			return 0;
		line_len = (size_t)(nl - mon->buf);
		if (line_len > 0 && mon->buf[line_len - 1] == '\r')
			line_len--;
		if (line_len > 0)
			break;
		mon->len -= (size_t)(nl + 1 - mon->buf);
		memmove(mon->buf, nl + 1, mon->len);
	}
	tok = json_tokener_new();
	if (!tok) {
		vn_error_report_errno(ENOMEM, "cannot parse QEMU monitor message");
		mark_broken(mon);
		return -1;
	}
	*msg = json_tokener_parse_ex(tok, mon->buf, (int)line_len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_success &&
	    json_tokener_get_parse_end(tok) != line_len)
		jerr = json_tokener_error_parse_unexpected;
	json_tokener_free(tok);
	mon->len -= (size_t)(nl + 1 - mon->buf);
	memmove(mon->buf, nl + 1, mon->len);
	if (jerr != json_tokener_success || !json_object_is_type(*msg, json_type_object)) {
		json_object_put(*msg);
		*msg = NULL;
		vn_error_report(VN_ERR_INTERNAL_ERROR,
				"cannot parse QEMU monitor message: %s",
				jerr != json_tokener_success ?
				json_tokener_error_desc(jerr) : "not a JSON object");
		mark_broken(mon);
		return -1;
	}
	return 1;
}

/* Reads the next message, waiting until DEADLINE.  1 with *MSG, 0 on
 * timeout (not reported: the caller knows what it waited for), -1 on
 * error (reported). */
static int read_message(struct qemu_monitor *mon, json_object **msg,
			long long deadline)
{
	int ret;

	if (mon->broken) {
		vn_error_report(VN_ERR_INTERNAL_ERROR,
				"QEMU monitor connection is broken");
		return -1;
	}
	for (;;) {
		ret = take_message(mon, msg);
		if (ret != 0)
			return ret;
		ret = wait_socket(mon, POLLIN, deadline);
		if (ret <= 0)
			return ret;
		if (fill_buffer(mon) < 0)
			return -1;
	}
}

static void queue_event(struct qemu_monitor *mon, json_object *event)
{
	size_t tail;

	if (mon->ev_count == QEMU_MONITOR_MAX_EVENTS) {
		json_object_put(mon->events[mon->ev_head]);
		mon->ev_head = (mon->ev_head + 1) % QEMU_MONITOR_MAX_EVENTS;
		mon->ev_count--;
		mon->dropped_events++;
	}
	tail = (mon->ev_head + mon->ev_count) % QEMU_MONITOR_MAX_EVENTS;
	mon->events[tail] = event;
	mon->ev_count++;
}

static bool has_member(json_object *obj, const char *key)
{
	return json_object_object_get_ex(obj, key, NULL);
}

/* Reads the greeting and negotiates capabilities. */
static int handshake(struct qemu_monitor *mon, int timeout_ms)
{
	long long deadline = vn_now_ms() + timeout_ms;
	json_object *msg = NULL;
	int ret;

	ret = read_message(mon, &msg, deadline);
	if (ret == 0)
		vn_error_report(VN_ERR_OPERATION_FAILED,
				"QEMU monitor sent no greeting within %d ms",
				timeout_ms);
	if (ret == 1 && !has_member(msg, "QMP")) {
		vn_error_report(VN_ERR_INTERNAL_ERROR,
				"QEMU monitor greeting expected, got: %s",
				json_object_to_json_string(msg));
		ret = -1;
	}
	json_object_put(msg);
	if (ret != 1)
		return -1;
	return qemu_monitor_execute(mon, "qmp_capabilities", NULL, NULL,
				    remaining_ms(deadline));
}

struct qemu_monitor *qemu_monitor_open_fd(int fd, int timeout_ms)
{
	struct qemu_monitor *mon = calloc(1, sizeof(*mon));
	int flags = fcntl(fd, F_GETFL);

	if (!mon) {
		vn_error_report_errno(ENOMEM, "cannot open the QEMU monitor");
		close(fd);
		return NULL;
	}
	mon->fd = fd;
	mon->next_id = 1;
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		vn_error_report_errno(errno, "cannot set up the QEMU monitor socket");
		goto fail;
	}
	if (handshake(mon, timeout_ms) < 0)
		goto fail;
	return mon;
fail:
	qemu_monitor_close(mon);
	return NULL;
}

/* One connection attempt.  Returns the socket, or -1 with errno. */
static int try_connect(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int saved;

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0)
		return fd;
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

struct qemu_monitor *qemu_monitor_open(const char *path, int timeout_ms)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	long long deadline = vn_now_ms() + timeout_ms;
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		vn_error_report(VN_ERR_INTERNAL_ERROR,
				"monitor socket path '%s' too long", path);
		return NULL;
	}
	strcpy(addr.sun_path, path);
	for (;;) {
		fd = try_connect(&addr);
		if (fd >= 0)
			break;
		if ((errno != ENOENT && errno != ECONNREFUSED) ||
		    vn_now_ms() >= deadline) {
			vn_error_report_errno(errno,
					      "failed to connect to monitor socket '%s'",
					      path);
			return NULL;
		}
		usleep(CONNECT_RETRY_MS * 1000);
	}
	return qemu_monitor_open_fd(fd, remaining_ms(deadline));
}

void qemu_monitor_close(struct qemu_monitor *mon)
{
	if (!mon)
		return;
	while (mon->ev_count > 0) {
		json_object_put(mon->events[mon->ev_head]);
		mon->ev_head = (mon->ev_head + 1) % QEMU_MONITOR_MAX_EVENTS;
		mon->ev_count--;
	}
	if (mon->fd >= 0)
		close(mon->fd);
	free(mon->buf);
	free(mon);
}

/* The reply's id if it is ours, as a number; 0 if absent or foreign. */
static unsigned long reply_id(json_object *msg)
{
	json_object *id;

	if (!json_object_object_get_ex(msg, "id", &id) ||
	    !json_object_is_type(id, json_type_int))
		return 0;
	return (unsigned long)json_object_get_uint64(id);
}

static void report_error_reply(const char *command, json_object *reply)
{
	json_object *error = NULL, *desc = NULL;

	json_object_object_get_ex(reply, "error", &error);
	if (error)
		json_object_object_get_ex(error, "desc", &desc);
	vn_error_report(VN_ERR_INTERNAL_ERROR,
			"unable to execute QEMU command '%s': %s", command,
			desc && json_object_is_type(desc, json_type_string) ?
			json_object_get_string(desc) : "unknown error");
}

/* Sends the command; stores the id it carries in *ID. */
static int send_command(struct qemu_monitor *mon, const char *command,
			json_object *args, unsigned long *id,
			long long deadline)
{
	json_object *cmd = json_object_new_object();
	const char *text;
	int ret = -1;

	if (!cmd) {
		json_object_put(args);
		vn_error_report_errno(ENOMEM, "cannot build QEMU command '%s'",
				      command);
		return -1;
	}
	*id = mon->next_id++;
	json_object_object_add(cmd, "execute", json_object_new_string(command));
	if (args)
		json_object_object_add(cmd, "arguments", args);
	json_object_object_add(cmd, "id", json_object_new_uint64(*id));
	text = json_object_to_json_string_ext(cmd, JSON_C_TO_STRING_PLAIN);
	if (text && send_all(mon, text, strlen(text), deadline) == 0 &&
	    send_all(mon, "\r\n", 2, deadline) == 0)
		ret = 0;
	json_object_put(cmd);
	return ret;
}

int qemu_monitor_execute(struct qemu_monitor *mon, const char *command,
			 json_object *args, json_object **return_value,
			 int timeout_ms)
{
	long long deadline = vn_now_ms() + timeout_ms;
	json_object *msg = NULL, *ret_member;
	unsigned long id;
	int ret;

	if (mon->broken) {
		json_object_put(args);
		return read_message(mon, &msg, deadline);
	}
	if (send_command(mon, command, args, &id, deadline) < 0)
		return -1;
	for (;;) {
		ret = read_message(mon, &msg, deadline);
		if (ret <= 0)
			break;
		if (has_member(msg, "event")) {
			queue_event(mon, msg);
			continue;
		}
		if (reply_id(msg) == id &&
		    (has_member(msg, "return") || has_member(msg, "error")))
			break;
		/* A stale reply or something unknown: not ours. */
		json_object_put(msg);
	}
	if (ret == 0) {
		vn_error_report(VN_ERR_OPERATION_FAILED,
				"QEMU monitor did not answer '%s' within %d ms",
				command, timeout_ms);
		return -1;
	}
	if (ret < 0)
		return -1;
	ret = -1;
	if (json_object_object_get_ex(msg, "return", &ret_member)) {
		if (return_value)
			*return_value = json_object_get(ret_member);
		ret = 0;
	} else {
		report_error_reply(command, msg);
	}
	json_object_put(msg);
	return ret;
}

int qemu_monitor_next_event(struct qemu_monitor *mon, json_object **event,
			    int timeout_ms)
{
	long long deadline = vn_now_ms() + timeout_ms;
	json_object *msg = NULL;
	int ret;

	for (;;) {
		if (mon->ev_count > 0) {
			*event = mon->events[mon->ev_head];
			mon->ev_head = (mon->ev_head + 1) % QEMU_MONITOR_MAX_EVENTS;
			mon->ev_count--;
			return 1;
		}
		ret = read_message(mon, &msg, deadline);
		if (ret <= 0)
			return ret;
		if (has_member(msg, "event"))
			queue_event(mon, msg);
		else
			json_object_put(msg); /* a stale reply */
	}
}

unsigned long qemu_monitor_dropped_events(const struct qemu_monitor *mon)
{
	return mon->dropped_events;
}

const char *qemu_monitor_event_name(json_object *event)
{
	json_object *name;

	if (!json_object_object_get_ex(event, "event", &name) ||
	    !json_object_is_type(name, json_type_string))
		return NULL;
	return json_object_get_string(name);
}
