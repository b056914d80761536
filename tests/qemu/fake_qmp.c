// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A stand-in for QEMU's QMP monitor: see fake_qmp.h.
 *
 * One connection at a time, one command per line.  A delayed event is
 * sent when poll() times out on its deadline; one still due when the
 * client leaves is dropped, as QEMU drops events for a closed monitor.
 */
#include "tests/qemu/fake_qmp.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf/domain_conf.h"
#include "qemu/qemu_paths.h"
#include "qemu/qemu_state.h"

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, " \
	"\"minor\": 2, \"major\": 7}}, \"capabilities\": []}}\r\n"
#define LINE_MAX_BYTES 65536

struct server {
	int conn;
	FILE *log;
	fake_qmp_answer_fn answer;
	void *opaque;
	json_object *due_event; /* complete event message, or NULL */
	long long due_ms;
	char line[LINE_MAX_BYTES];
	size_t used;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void send_text(struct server *s, const char *text)
{
	size_t len = strlen(text), off = 0;

	while (off < len) {
		ssize_t n = write(s->conn, text + off, len - off);

		if (n <= 0)
			return;
		off += (size_t)n;
	}
	(void)!write(s->conn, "\r\n", 2);
}

static void send_event(struct server *s, json_object *event)
{
	json_object *name;

	json_object_object_get_ex(event, "event", &name);
	fprintf(s->log, "event %s %s\n", json_object_get_string(name),
		json_object_to_json_string_ext(event, JSON_C_TO_STRING_PLAIN));
	fflush(s->log);
	send_text(s, json_object_to_json_string_ext(event,
						    JSON_C_TO_STRING_PLAIN));
	json_object_put(event);
}

static json_object *make_event(struct fake_qmp_reply *r)
{
	json_object *ev = json_object_new_object();
	json_object *ts = json_object_new_object();

	json_object_object_add(ts, "seconds", json_object_new_int(1));
	json_object_object_add(ts, "microseconds", json_object_new_int(0));
	json_object_object_add(ev, "timestamp", ts);
	json_object_object_add(ev, "event",
			       json_object_new_string(r->event_name));
	json_object_object_add(ev, "data", r->event ? r->event :
			       json_object_new_object());
	return ev;
}

static void handle_command(struct server *s, const char *text)
{
	json_object *msg = json_tokener_parse(text), *exe, *args = NULL, *id;
	json_object *reply = json_object_new_object();
	struct fake_qmp_reply r = { 0 };
	const char *command;

	if (!msg || !json_object_object_get_ex(msg, "execute", &exe)) {
		json_object_put(msg);
		json_object_put(reply);
		return;
	}
	command = json_object_get_string(exe);
	json_object_object_get_ex(msg, "arguments", &args);
	fprintf(s->log, "%s %s\n", command, args ?
		json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN) :
		"{}");
	fflush(s->log);
	if (strcmp(command, "qmp_capabilities"))
		s->answer(command, args, &r, s->opaque);
	if (r.error[0]) {
		json_object *err = json_object_new_object();

		json_object_object_add(err, "class",
				       json_object_new_string("GenericError"));
		json_object_object_add(err, "desc",
				       json_object_new_string(r.error));
		json_object_object_add(reply, "error", err);
		json_object_put(r.ret);
	} else {
		json_object_object_add(reply, "return", r.ret ? r.ret :
				       json_object_new_object());
	}
	if (json_object_object_get_ex(msg, "id", &id))
		json_object_object_add(reply, "id", json_object_get(id));
	send_text(s, json_object_to_json_string_ext(reply,
						    JSON_C_TO_STRING_PLAIN));
	json_object_put(reply);
	json_object_put(msg);
	if (r.event_name[0] && r.event_delay_ms <= 0) {
		send_event(s, make_event(&r));
	} else if (r.event_name[0]) {
		json_object_put(s->due_event);
		s->due_event = make_event(&r);
		s->due_ms = now_ms() + r.event_delay_ms;
	} else {
		json_object_put(r.event);
	}
}

/* Serves one client until it leaves. */
static void serve(struct server *s)
{
	struct pollfd pfd = { .fd = s->conn, .events = POLLIN };
	char *nl;
	ssize_t n;

	s->used = 0;
	send_text(s, GREETING "");
	for (;;) {
		int wait_ms = -1;

		if (s->due_event) {
			long long left = s->due_ms - now_ms();

			wait_ms = left > 0 ? (int)left : 0;
		}
		n = poll(&pfd, 1, wait_ms);
		if (n == 0 && s->due_event) {
			send_event(s, s->due_event);
			s->due_event = NULL;
			continue;
		}
		if (n < 0)
			break;
		n = read(s->conn, s->line + s->used,
			 sizeof(s->line) - 1 - s->used);
		if (n <= 0)
			break;
		s->used += (size_t)n;
		s->line[s->used] = '\0';
		while ((nl = strchr(s->line, '\n'))) {
			*nl = '\0';
			handle_command(s, s->line);
			s->used -= (size_t)(nl + 1 - s->line);
			memmove(s->line, nl + 1, s->used + 1);
		}
		if (s->used == sizeof(s->line) - 1)
			break;
	}
	json_object_put(s->due_event);
	s->due_event = NULL;
	close(s->conn);
}

static void run_server(int listen_fd, const char *log_path,
		       fake_qmp_answer_fn answer,
		       fake_qmp_connect_fn on_connect, void *opaque)
{
	struct server s = { .answer = answer, .opaque = opaque };

	/* Never outlives the test, even one that failed half-way. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(FAKE_QMP_LIFETIME_S);
	s.log = fopen(log_path, "a");
	if (!s.log)
		_exit(1);
	for (;;) {
		s.conn = accept(listen_fd, NULL, NULL);
		if (s.conn < 0)
			_exit(1);
		if (on_connect)
			on_connect(opaque);
		serve(&s);
	}
}

int fake_qmp_start(struct fake_qmp *fq, const char *socket_path,
		   const char *log_path, fake_qmp_answer_fn answer,
		   fake_qmp_connect_fn on_connect, void *opaque)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	fq->pid = -1;
	fq->log_path = log_path;
	if (strlen(socket_path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, 4) < 0) {
		close(fd);
		return -1;
	}
	fflush(NULL);
	fq->pid = fork();
	if (fq->pid == 0)
		run_server(fd, log_path, answer, on_connect, opaque);
	close(fd);
	return fq->pid < 0 ? -1 : 0;
}

int fake_qmp_start_domain(struct fake_qmp *fq, const char *dir,
			  const char *xml, const char *log_path,
			  fake_qmp_answer_fn answer,
			  fake_qmp_connect_fn on_connect, void *opaque)
{
	struct vn_domain *dom = vn_domain_parse_string(xml);
	char *domain_dir = NULL, *monitor = NULL;
	int alive = -1;

	fq->pid = -1;
	if (!dom)
		goto out;
	dom->id = 1;
	domain_dir = qemu_paths_domain_dir(dir, dom);
	monitor = qemu_paths_monitor_socket(dir, dom);
	if (qemu_state_prepare(dir) < 0 || !domain_dir || !monitor ||
	    mkdir(domain_dir, 0700) < 0 || qemu_state_write_xml(dir, dom) < 0 ||
	    qemu_state_write_status(dir, dom->name, dom->id, getpid()) < 0)
		goto out;
	alive = qemu_state_lock_alive(dir, dom->name);
	if (alive >= 0 && fake_qmp_start(fq, monitor, log_path, answer,
					 on_connect, opaque) < 0) {
		close(alive);
		alive = -1;
	}
out:
	free(domain_dir);
	free(monitor);
	vn_domain_free(dom);
	return alive;
}

void fake_qmp_stop(struct fake_qmp *fq)
{
	if (fq->pid <= 0)
		return;
	kill(fq->pid, SIGKILL);
	waitpid(fq->pid, NULL, 0);
	fq->pid = -1;
}

const char *fake_qmp_log(const struct fake_qmp *fq)
{
	static char buf[65536];
	FILE *f = fopen(fq->log_path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}
