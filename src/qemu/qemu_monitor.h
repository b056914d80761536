/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A QMP (QEMU Machine Protocol) client: the launcher's only way of telling
 * a running QEMU what to do (resume, power down, quit, ask for its
 * character devices).
 *
 * Theory of operation.  QMP is newline-separated JSON over a stream
 * socket.  On connecting, QEMU sends a greeting ({"QMP": {...}}); the
 * client must send "qmp_capabilities" before any other command.  After
 * that, every command the client sends ({"execute": C, "arguments": A,
 * "id": I}) gets exactly one reply carrying the same id, either
 * {"return": ...} or {"error": {"class": ..., "desc": ...}}.  Between
 * replies QEMU may send asynchronous events ({"event": ..., "data": ...,
 * "timestamp": ...}) at any time.
 *
 * This client is synchronous: qemu_monitor_execute() sends one command
 * and reads messages until the reply with its id arrives.  Events read
 * meanwhile are queued (bounded: the oldest is dropped and counted when
 * the queue is full) and handed out by qemu_monitor_next_event().  A
 * reply with another id (left over from a command whose wait timed out)
 * is discarded.  Every wait has a deadline in milliseconds; a peer that
 * goes silent gives a timeout error, one that closes the socket an
 * end-of-file error, one that sends a line that is not a JSON object (or
 * a line longer than QEMU_MONITOR_MAX_LINE) a protocol error.  After any
 * such error the connection is unusable and only qemu_monitor_close()
 * makes sense; an error *reply* from QEMU leaves it usable.
 *
 * Errors are reported once here (util/error.h) with libvirt's wording
 * where it has one; the functions return -1 / NULL.  Nothing here forks,
 * kills or knows which QEMU it talks to: that is qemu_process.c.
 */
#ifndef VUNET_QEMU_QEMU_MONITOR_H
#define VUNET_QEMU_QEMU_MONITOR_H

#include <json-c/json.h>
#include <stddef.h>

/* A QMP message longer than this is refused: QEMU's replies to the
 * commands vunet sends are a few KiB at most. */
#define QEMU_MONITOR_MAX_LINE (1024 * 1024)
/* Events kept for qemu_monitor_next_event() before the oldest is dropped. */
#define QEMU_MONITOR_MAX_EVENTS 64

struct qemu_monitor;

/* Connects to the QMP socket at PATH, retrying while it does not exist
 * or refuses (QEMU may still be starting) until TIMEOUT_MS, then reads
 * the greeting and negotiates capabilities.  NULL on error (reported). */
struct qemu_monitor *qemu_monitor_open(const char *path, int timeout_ms);
/* The same over an already connected stream socket FD, which the monitor
 * then owns (closed on error too). */
struct qemu_monitor *qemu_monitor_open_fd(int fd, int timeout_ms);
void qemu_monitor_close(struct qemu_monitor *mon);

/* Runs COMMAND with ARGS (may be NULL; reference taken over) and waits
 * up to TIMEOUT_MS for its reply.  On success returns 0 and, if RETURN_VALUE
 * is not NULL, stores a new reference to the "return" member there.  An
 * error reply, a timeout or a broken connection return -1 (reported). */
int qemu_monitor_execute(struct qemu_monitor *mon, const char *command,
			 json_object *args, json_object **return_value,
			 int timeout_ms);

/* Hands out the oldest queued event, or waits up to TIMEOUT_MS for one
 * (0: do not wait).  Returns 1 with a new reference in *EVENT, 0 when
 * none came in time, -1 on a broken connection (reported). */
int qemu_monitor_next_event(struct qemu_monitor *mon, json_object **event,
			    int timeout_ms);

/* Events dropped because the queue was full. */
unsigned long qemu_monitor_dropped_events(const struct qemu_monitor *mon);

/* The name of EVENT ("SHUTDOWN"...), or NULL if it has none. */
const char *qemu_monitor_event_name(json_object *event);

#endif /* VUNET_QEMU_QEMU_MONITOR_H */
