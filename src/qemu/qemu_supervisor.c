// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The per-domain supervisor: see qemu_supervisor.h for what it watches,
 * what it does on each event, and how it stays out of a stop's way.
 *
 * Model: one struct supervisor per process, with one struct watch per
 * passt-backed interface of the live XML, found by alias.  A watch whose
 * backend is gone (its pidfd fired, or no verified process at all) is
 * "dead"; dead watches are handled before the next poll(), each under
 * the job lock, and either restarted, dropped (the interface was
 * detached) or, past the restart budget, given up (kept, never retried).
 * A dead watch whose restart failed is retried after RETRY_DELAY_MS.
 * Nothing here runs in a data path: allocation and logging per event are
 * fine.  Functions returning int give 0 or -1; a supervisor cannot report
 * to anyone, so errors become lines in the domain log.
 */
#include "qemu/qemu_supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qemu/qemu_capabilities.h"
#include "qemu/qemu_passt.h"
#include "qemu/qemu_paths.h"
#include "qemu/qemu_process.h"
#include "qemu/qemu_state.h"
#include "qemu/qemu_validate.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/fd.h"

/* A one-off backend leaves as QEMU exits, sometimes just before QEMU's
 * own exit shows: that is not a crash to restart from. */
#define QEMU_EXIT_GRACE_MS 500
/* The job lock: a stop or hot-plug holding it ends within its own
 * bounds (detach waits up to 30 s for the guest). */
#define JOB_WAIT_MS 60000
#define RETRY_DELAY_MS 1000
#define LOG_LINE_MAX 2048
/* One inotify read: a few events of a name up to NAME_MAX. */
#define INOTIFY_BUF_SIZE (4 * (sizeof(struct inotify_event) + NAME_MAX + 1))

struct watch {
	char *alias;
	bool stream;        /* type='user': QEMU's stream netdev */
	int pidfd;          /* -1 when no backend runs */
	pid_t pid;
	bool dead;          /* to be handled */
	bool given_up;      /* restart budget spent */
	bool status_known;  /* wait_status reaped (a backend we restarted) */
	int wait_status;
	long long retry_at_ms;
	struct qemu_supervisor_budget budget;
};

struct supervisor {
	const struct qemu_supervisor_opts *opts;
	const char *name;
	int id;
	int qemu_pidfd;
	pid_t qemu_pid;
	int inotify_fd;
	int log_fd;
	struct watch *watches;
	size_t n_watches;
};

/* What the loop does after an event. */
enum outcome { KEEP_WATCHING, DOMAIN_GONE };

/* ---- pure parts (unit-tested) ---- */

bool qemu_supervisor_restart_allowed(struct qemu_supervisor_budget *budget,
				     long long now_ms)
{
	long long *oldest = &budget->at_ms[budget->next];

	if (budget->n == QEMU_SUPERVISOR_RESTART_MAX &&
	    now_ms - *oldest < QEMU_SUPERVISOR_RESTART_WINDOW_MS)
		return false;
	*oldest = now_ms;
	budget->next = (budget->next + 1) % QEMU_SUPERVISOR_RESTART_MAX;
	if (budget->n < QEMU_SUPERVISOR_RESTART_MAX)
		budget->n++;
	return true;
}

void qemu_supervisor_describe_exit(char *buf, size_t size, bool known,
				   int status)
{
	const char *abbrev;

	if (!known)
		snprintf(buf, size, "exit status unknown (not the supervisor's child)");
	else if (WIFEXITED(status))
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status)) {
		abbrev = sigabbrev_np(WTERMSIG(status));
		snprintf(buf, size, "killed by signal %d (SIG%s)",
			 WTERMSIG(status), abbrev ? abbrev : "?");
	} else
		snprintf(buf, size, "ended with wait status 0x%x", status);
}

/* ---- the domain log ---- */

/* Appends one line "DATE TIME.mmm+0000: vunet-supervise: TEXT" to the
 * domain log (qemu_state_log_fd).  The supervisor opened it through
 * NAME.log at its start, so it keeps writing to it after the clean-up
 * removed that link. */
static void log_event(const struct supervisor *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void log_event(const struct supervisor *s, const char *fmt, ...)
{
	char text[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	qemu_state_log_fd(s->log_fd, "vunet-supervise: %s", text);
}

/* The current error's text, logged and then cleared. */
static const char *take_error(void)
{
	static char text[1024];

	snprintf(text, sizeof(text), "%s",
		 vn_error_code() != VN_ERR_NONE ? vn_error_message()
						: "unknown error");
	vn_error_reset();
	return text;
}

/* ---- watches ---- */

static struct watch *find_watch(struct supervisor *s, const char *alias)
{
	size_t i;

	for (i = 0; i < s->n_watches; i++)
		if (!strcmp(s->watches[i].alias, alias))
			return &s->watches[i];
	return NULL;
}

static const struct vn_net *find_passt_net(const struct vn_domain *dom,
					   const char *alias)
{
	size_t i;

	for (i = 0; i < dom->n_nets; i++)
		if (vn_net_is_passt(dom->nets[i]) && dom->nets[i]->alias &&
		    !strcmp(dom->nets[i]->alias, alias))
			return dom->nets[i];
	return NULL;
}

/* Points W at the backend NET's pidfile names, if one runs.  True then. */
static bool attach_backend(struct supervisor *s, const struct vn_domain *dom,
			   const struct vn_net *net, struct watch *w)
{
	char *pidfile = qemu_paths_passt_pidfile(s->opts->state_dir, dom, net);

	w->pidfd = pidfile ? qemu_process_open_backend_pidfd(pidfile, &w->pid)
			   : -1;
	free(pidfile);
	vn_error_reset();
	w->status_known = false;
	w->dead = w->pidfd < 0;
	return w->pidfd >= 0;
}

static void add_watch(struct supervisor *s, const struct vn_domain *dom,
		      const struct vn_net *net)
{
	struct watch *grown = realloc(s->watches,
				      (s->n_watches + 1) * sizeof(*grown));
	struct watch *w;

	if (!grown) {
		log_event(s, "cannot watch the backend of interface %s: out of memory",
			  net->alias);
		return;
	}
	s->watches = grown;
	w = &s->watches[s->n_watches];
	memset(w, 0, sizeof(*w));
	w->alias = strdup(net->alias);
	if (!w->alias) {
		log_event(s, "cannot watch the backend of interface %s: out of memory",
			  net->alias);
		return;
	}
	s->n_watches++;
	w->stream = net->type == VN_NET_USER;
	if (attach_backend(s, dom, net, w))
		log_event(s, "watching the backend of interface %s (pid %ld)",
			  w->alias, (long)w->pid);
	else
		log_event(s, "the backend of interface %s is not running",
			  w->alias);
}

static void drop_watch(struct supervisor *s, struct watch *w)
{
	size_t i = (size_t)(w - s->watches);

	if (w->pidfd >= 0)
		close(w->pidfd);
	free(w->alias);
	memmove(w, w + 1, (s->n_watches - i - 1) * sizeof(*w));
	s->n_watches--;
}

/* Makes the watches follow DOM's passt-backed interfaces: hot-plugged
 * ones are added, detached ones dropped. */
static void sync_watches(struct supervisor *s, const struct vn_domain *dom)
{
	size_t i = 0;

	while (i < s->n_watches) {
		struct watch *w = &s->watches[i];

		if (find_passt_net(dom, w->alias)) {
			i++;
			continue;
		}
		log_event(s, "interface %s was detached: its backend is no longer watched",
			  w->alias);
		drop_watch(s, w);
	}
	for (i = 0; i < dom->n_nets; i++)
		if (vn_net_is_passt(dom->nets[i]) && dom->nets[i]->alias &&
		    !find_watch(s, dom->nets[i]->alias))
			add_watch(s, dom, dom->nets[i]);
}

/* The live definition if it is still our domain's (same id), else NULL
 * with *GONE true when the records say the domain is no longer ours (no
 * live XML, or another id) and false when they could not be read now
 * (a parse error, memory, a status file being replaced): that is worth
 * another try, not a reason to stop supervising. */
static struct vn_domain *load_our_domain(struct supervisor *s, bool *gone)
{
	const char *dir = s->opts->state_dir;
	struct vn_domain *dom = qemu_state_load_domain(dir, s->name);
	char *xml;

	*gone = false;
	if (dom && dom->id != s->id) {
		*gone = true;
		vn_domain_free(dom);
		return NULL;
	}
	if (dom) {
		vn_error_reset();
		return dom;
	}
	xml = qemu_state_file(dir, s->name, "xml");
	if (xml && access(xml, F_OK) < 0 && errno == ENOENT) {
		*gone = true;
	} else {
		log_event(s, "cannot read the domain's records: %s",
			  take_error());
	}
	vn_error_reset();
	free(xml);
	return NULL;
}

/* ---- children ---- */

/* Reaps every exited child (the backends we restarted daemonize into
 * our children), keeping the status of watched ones. */
static void reap_children(struct supervisor *s)
{
	pid_t pid;
	int status;
	size_t i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (i = 0; i < s->n_watches; i++)
			if (s->watches[i].pid == pid) {
				s->watches[i].status_known = true;
				s->watches[i].wait_status = status;
			}
}

static bool qemu_exited(const struct supervisor *s, int timeout_ms)
{
	struct pollfd p = { .fd = s->qemu_pidfd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) > 0;
}

/* ---- events ---- */

/* QEMU is gone: remove what it left unless a stop already did or a new
 * domain of the same name now owns the files. */
static void clean_up_after_qemu(struct supervisor *s)
{
	const char *dir = s->opts->state_dir;
	char *xml = qemu_state_file(dir, s->name, "xml");
	pid_t pid;
	int id = -1, job_fd;

	log_event(s, "QEMU (pid %ld) exited (exit status unknown: not the supervisor's child)",
		  (long)s->qemu_pid);
	job_fd = qemu_state_wait_job(dir, s->name, JOB_WAIT_MS);
	if (job_fd < 0) {
		log_event(s, "%s: the next command will clean up", take_error());
		free(xml);
		return;
	}
	if (!xml || access(xml, F_OK) != 0) {
		/* A stop cleaned up; our lock made the job file again. */
		qemu_state_remove(dir, s->name, false);
	} else if (qemu_state_read_status(dir, s->name, &id, &pid) == 0 &&
		   id == s->id && !qemu_state_is_active(dir, s->name)) {
		log_event(s, "stopping the backends and removing the domain's files");
		qemu_process_clear_stopped(dir, s->name);
	}
	close(job_fd);
	free(xml);
}

/* A stream backend only helps if QEMU reconnects to it (8.0 and
 * later).  Restarted for QEMU 7.2 it would take the forwarded ports
 * again and accept connections that lead nowhere, so it is not. */
static bool restart_reaches_qemu(struct supervisor *s, const struct watch *w)
{
	unsigned long long v = s->opts->qemu_version;

	if (!w->stream || qemu_caps_has_stream_reconnect(v))
		return true;
	log_event(s, "interface %s is down: QEMU %llu.%llu.%llu cannot reconnect a stream netdev (QEMU 8.0 can), so its backend is not restarted; the guest's NIC stays disconnected until the domain is restarted",
		  w->alias, v / 1000000, v / 1000 % 1000, v % 1000);
	return false;
}

/* Runs NET's backend again, as the start did.  W is dead, its files
 * stale.  The job lock is held. */
static void restart_backend(struct supervisor *s, const struct vn_domain *dom,
			    const struct vn_net *net, struct watch *w)
{
	const char *dir = s->opts->state_dir;
	char *socket = qemu_paths_passt_socket(dir, dom, net);
	char *pidfile = qemu_paths_passt_pidfile(dir, dom, net);
	struct qemu_argv *argv = qemu_passt_build_argv(dom, net, dir,
						       s->opts->backend);
	long long started = vn_now_ms();

	w->retry_at_ms = started + RETRY_DELAY_MS;
	if (!socket || !pidfile || !argv) {
		log_event(s, "cannot restart the backend of interface %s: %s",
			  w->alias, take_error());
		goto out;
	}
	/* Its process is gone: only its socket and pidfile are left. */
	qemu_process_stop_backend(socket, pidfile);
	if (qemu_process_start_backend(argv) < 0) {
		log_event(s, "restarting the backend of interface %s failed: %s",
			  w->alias, take_error());
		goto out;
	}
	if (!attach_backend(s, dom, net, w)) {
		log_event(s, "the restarted backend of interface %s is not running (no process for '%s')",
			  w->alias, pidfile);
		goto out;
	}
	log_event(s, "restarted the backend of interface %s on %s: pid %ld, in %lld ms",
		  w->alias, socket, (long)w->pid, vn_now_ms() - started);
out:
	qemu_argv_free(argv);
	free(socket);
	free(pidfile);
}

/* W's backend is gone (or never ran): restart it, unless QEMU is going
 * too, the interface was detached, or the budget is spent. */
static enum outcome handle_dead_backend(struct supervisor *s, struct watch *w)
{
	const struct vn_net *net;
	struct vn_domain *dom = NULL;
	enum outcome outcome = KEEP_WATCHING;
	char how[128], *alias = NULL;
	bool gone;
	int job_fd;

	if (qemu_exited(s, QEMU_EXIT_GRACE_MS))
		return DOMAIN_GONE;
	/* Lost track of W while waiting: the array may move. */
	alias = strdup(w->alias);
	if (!alias)
		return KEEP_WATCHING;
	job_fd = qemu_state_wait_job(s->opts->state_dir, s->name, JOB_WAIT_MS);
	w = find_watch(s, alias);
	if (job_fd < 0) {
		log_event(s, "backend of interface %s gone, not restarted: %s",
			  alias, take_error());
		if (w)
			w->retry_at_ms = vn_now_ms() + RETRY_DELAY_MS;
		goto out;
	}
	dom = load_our_domain(s, &gone);
	if (gone || qemu_exited(s, 0)) {
		outcome = DOMAIN_GONE;
		goto out;
	}
	w = find_watch(s, alias);
	if (!dom) {
		if (w)
			w->retry_at_ms = vn_now_ms() + RETRY_DELAY_MS;
		goto out;
	}
	sync_watches(s, dom);
	w = find_watch(s, alias);
	net = find_passt_net(dom, alias);
	if (!w || !net || !w->dead)
		goto out;
	if (w->pidfd >= 0) {
		close(w->pidfd);
		w->pidfd = -1;
		qemu_supervisor_describe_exit(how, sizeof(how), w->status_known,
					      w->wait_status);
		log_event(s, "the backend of interface %s (pid %ld) %s",
			  alias, (long)w->pid, how);
	}
	if (!restart_reaches_qemu(s, w)) {
		w->given_up = true;
		w->dead = false;
		goto out;
	}
	if (!qemu_supervisor_restart_allowed(&w->budget, vn_now_ms())) {
		log_event(s, "the backend of interface %s was restarted %d times within %d s: giving up",
			  alias, QEMU_SUPERVISOR_RESTART_MAX,
			  QEMU_SUPERVISOR_RESTART_WINDOW_MS / 1000);
		w->given_up = true;
		w->dead = false;
		goto out;
	}
	restart_backend(s, dom, net, w);
out:
	vn_domain_free(dom);
	if (job_fd >= 0)
		close(job_fd);
	free(alias);
	return outcome;
}

/* A dead watch due for handling now, or NULL. */
static struct watch *next_dead(struct supervisor *s)
{
	long long now = vn_now_ms();
	size_t i;

	for (i = 0; i < s->n_watches; i++)
		if (s->watches[i].dead && !s->watches[i].given_up &&
		    s->watches[i].retry_at_ms <= now)
			return &s->watches[i];
	return NULL;
}

/* True if the inotify events waiting name NAME.xml or some were lost. */
static bool live_xml_changed(struct supervisor *s)
{
	char buf[INOTIFY_BUF_SIZE] __attribute__((aligned(8)));
	char want[NAME_MAX + 1];
	bool changed = false;
	ssize_t n, off;

	snprintf(want, sizeof(want), "%s.xml", s->name);
	while ((n = read(s->inotify_fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off + (ssize_t)sizeof(struct inotify_event) <= n;) {
			const struct inotify_event *ev = (const void *)(buf + off);

			/* An overflow lost events, maybe ours: resync. */
			if ((ev->mask & IN_Q_OVERFLOW) ||
			    (ev->len && !strcmp(ev->name, want)))
				changed = true;
			off += (ssize_t)(sizeof(*ev) + ev->len);
		}
	}
	return changed;
}

/* The poll() timeout: until the next retry of a failed restart. */
static int poll_timeout_ms(const struct supervisor *s)
{
	long long next = -1, now = vn_now_ms();
	size_t i;

	for (i = 0; i < s->n_watches; i++) {
		const struct watch *w = &s->watches[i];

		if (w->dead && !w->given_up &&
		    (next < 0 || w->retry_at_ms < next))
			next = w->retry_at_ms;
	}
	if (next < 0)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

/* Marks the watches whose pidfd fired.  FDS[2..] follow the watches
 * with a pidfd, in order. */
static void mark_dead(struct supervisor *s, const struct pollfd *fds,
		      size_t n_fds)
{
	size_t i, k = 2;

	for (i = 0; i < s->n_watches && k < n_fds; i++) {
		if (s->watches[i].pidfd < 0)
			continue;
		if (fds[k].revents)
			s->watches[i].dead = true;
		k++;
	}
}

static void supervise(struct supervisor *s)
{
	struct pollfd *fds = NULL;
	struct watch *w;
	size_t i, n;

	for (;;) {
		while ((w = next_dead(s)))
			if (handle_dead_backend(s, w) == DOMAIN_GONE)
				goto qemu_gone;
		free(fds);
		fds = calloc(s->n_watches + 2, sizeof(*fds));
		if (!fds) {
			log_event(s, "out of memory: no longer supervising");
			return;
		}
		fds[0] = (struct pollfd){ .fd = s->qemu_pidfd, .events = POLLIN };
		fds[1] = (struct pollfd){ .fd = s->inotify_fd, .events = POLLIN };
		for (i = 0, n = 2; i < s->n_watches; i++)
			if (s->watches[i].pidfd >= 0)
				fds[n++] = (struct pollfd){
					.fd = s->watches[i].pidfd,
					.events = POLLIN };
		if (poll(fds, n, poll_timeout_ms(s)) < 0 && errno != EINTR) {
			log_event(s, "poll: %s: no longer supervising",
				  strerror(errno));
			break;
		}
		reap_children(s);
		if (fds[0].revents)
			goto qemu_gone;
		mark_dead(s, fds, n);
		if (fds[1].revents && live_xml_changed(s)) {
			bool gone;
			struct vn_domain *dom = load_our_domain(s, &gone);

			if (dom)
				sync_watches(s, dom);
			vn_domain_free(dom);
		}
	}
	free(fds);
	return;
qemu_gone:
	free(fds);
	if (qemu_exited(s, 0))
		clean_up_after_qemu(s);
	else
		log_event(s, "the domain's records are gone or now belong to another run of '%s': no longer supervising",
			  s->name);
}

/* ---- the process ---- */

/* In the child: nothing of the start's terminal, descriptors or signal
 * set is kept but QEMU's pidfd and the supervisor lock. */
static void detach(int qemu_pidfd, int lock_fd)
{
	int keep[2] = { qemu_pidfd, lock_fd };
	int null_fd;
	sigset_t none;

	setsid();
	/* Not the start's directory: it may be unmounted or removed while
	 * we live (paths were made absolute before). */
	if (chdir("/") < 0)
		dprintf(STDERR_FILENO, "vunet-supervise: chdir /: %s\n",
			strerror(errno));
	vn_close_fds_except(keep, 2);
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd >= 0) {
		dup2(null_fd, STDIN_FILENO);
		dup2(null_fd, STDOUT_FILENO);
		dup2(null_fd, STDERR_FILENO);
		if (null_fd > STDERR_FILENO)
			close(null_fd);
	}
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_NAME, "vunet-supervise", 0, 0, 0);
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

static void run(struct supervisor *s)
{
	const char *dir = s->opts->state_dir;
	struct vn_domain *dom;
	bool gone;

	s->log_fd = qemu_state_open_log(dir, s->name);
	s->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s->inotify_fd < 0 ||
	    inotify_add_watch(s->inotify_fd, dir,
			      IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		log_event(s, "inotify on '%s': %s: hot-plugged interfaces are not supervised",
			  dir, strerror(errno));
	}
	log_event(s, "supervising QEMU (pid %ld), pid %ld", (long)s->qemu_pid,
		  (long)getpid());
	dom = load_our_domain(s, &gone);
	if (dom)
		sync_watches(s, dom);
	vn_domain_free(dom);
	supervise(s);
	log_event(s, "supervisor leaves");
}

/* PATH made absolute in BUF (it is resolved against the start's
 * directory, which the supervisor leaves), or PATH itself when it has no
 * '/' (execvp() looks it up in $PATH) or cannot be resolved. */
static const char *absolute_path(const char *path, char *buf)
{
	if (!strchr(path, '/') || path[0] == '/' || !realpath(path, buf))
		return path;
	return buf;
}

int qemu_supervisor_spawn(const struct vn_domain *dom, int qemu_pidfd,
			  pid_t qemu_pid,
			  const struct qemu_supervisor_opts *opts)
{
	int lock_fd = qemu_state_lock_supervisor(opts->state_dir, dom->name);
	struct supervisor s = { .opts = opts, .name = dom->name, .id = dom->id,
				.qemu_pidfd = qemu_pidfd, .qemu_pid = qemu_pid,
				.inotify_fd = -1, .log_fd = -1 };
	pid_t pid;

	if (lock_fd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct qemu_supervisor_opts absolute = *opts;
		char backend[PATH_MAX], state_dir[PATH_MAX];

		absolute.backend = absolute_path(opts->backend, backend);
		absolute.state_dir = absolute_path(opts->state_dir, state_dir);
		s.opts = &absolute;
		detach(qemu_pidfd, lock_fd);
		run(&s);
		/* Not exit(): the start's atexit handlers and buffers are
		 * not ours. */
		_exit(0);
	}
	if (pid < 0)
		vn_error_report_errno(errno, "cannot fork the supervisor of '%s'",
				      dom->name);
	/* The child's copy holds the lock now. */
	close(lock_fd);
	return pid < 0 ? -1 : 0;
}
