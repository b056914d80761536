/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A stand-in for QEMU's QMP monitor, for launcher tests that talk to a
 * "running domain" without starting QEMU.
 *
 * Theory of operation: fake_qmp_start() binds and listens on the socket
 * path in the caller (so a client can connect as soon as it returns),
 * then forks a server process that takes connections one after the
 * other: the greeting, qmp_capabilities answered, then each command
 * handed to the test's ANSWER callback, which fills in the reply (a
 * "return" value or an error) and optionally an event to send right
 * after it or after a delay.  The callback runs in the server process,
 * so whatever state it keeps (devices added, deleted...) lives there and
 * persists across connections, as QEMU's does across vunet commands.
 * Every command ("execute" and its arguments as JSON) and every event
 * sent is appended to a log file, one line each, for the test to read.
 * The server is bounded: it exits after FAKE_QMP_LIFETIME_S whatever
 * happens, or with the process that started it; fake_qmp_stop() ends it
 * earlier.  fake_qmp_start_domain() adds what else a "running domain" is
 * to vunet's commands: its records in a state directory and its alive
 * lock, held by the test as QEMU would hold it.
 */
#ifndef VUNET_TESTS_QEMU_FAKE_QMP_H
#define VUNET_TESTS_QEMU_FAKE_QMP_H

#include <stdbool.h>
#include <sys/types.h>
#include <json-c/json.h>

#define FAKE_QMP_LIFETIME_S 30

struct fake_qmp_reply {
	json_object *ret;   /* "return" member (taken over); NULL: {} */
	char error[256];    /* non-empty: an error reply with this "desc" */
	json_object *event; /* an event's "data" (taken over), or NULL */
	char event_name[64];
	int event_delay_ms; /* the event follows the reply after this */
};

/* Called in the server for each command; ARGS may be NULL. */
typedef void (*fake_qmp_answer_fn)(const char *command, json_object *args,
				   struct fake_qmp_reply *reply, void *opaque);
/* Called in the server when a client connects (may be NULL). */
typedef void (*fake_qmp_connect_fn)(void *opaque);

struct fake_qmp {
	pid_t pid;
	const char *log_path;
};

/* Serves QMP on SOCKET_PATH; 0 or -1 (errno, nothing started). */
int fake_qmp_start(struct fake_qmp *fq, const char *socket_path,
		   const char *log_path, fake_qmp_answer_fn answer,
		   fake_qmp_connect_fn on_connect, void *opaque);
/* Makes DIR (a state directory, created here) hold a running domain
 * defined by XML, with id 1: its directory, live XML and status (our pid
 * standing for QEMU's), its alive lock held by the caller, and the
 * stand-in monitor on its QMP socket (as fake_qmp_start() does).
 * Returns the alive lock's fd, or -1 (vn_error_message() may say why). */
int fake_qmp_start_domain(struct fake_qmp *fq, const char *dir,
			  const char *xml, const char *log_path,
			  fake_qmp_answer_fn answer,
			  fake_qmp_connect_fn on_connect, void *opaque);
void fake_qmp_stop(struct fake_qmp *fq);
/* The log so far (static buffer, "" when empty). */
const char *fake_qmp_log(const struct fake_qmp *fq);

#endif /* VUNET_TESTS_QEMU_FAKE_QMP_H */
