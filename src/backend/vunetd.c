// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vunetd's process life: start-up and the single event loop.
 *
 * Start-up order matters to callers and to privileges:
 *  1. the log file, the pid file and the listening socket are opened while
 *     we still are whoever started us (they may be in root-only places);
 *     the socket path is printed ("UNIX domain socket bound at PATH");
 *  2. unless -f, vunetd daemonizes: the parent waits on a pipe until the
 *     child has written the pid file and reports ready, then exits 0 — so
 *     a caller running vunetd synchronously (libvirt) finds the socket
 *     listening and the pid file written when the command returns; the
 *     daemon logs to its -l file, or without one to syslog(3);
 *  3. epoll: the listening socket (or the -F connection), a signalfd for
 *     SIGTERM/SIGINT/SIGHUP (exit) and SIGUSR1 (log counters; the signals
 *     are blocked from the very start), a 1 s timerfd driving the
 *     protocol timers, the flow table, tcp.c's delayed-ACK timerfd, and
 *     the -t/-u listening sockets —
 *     still with the caller's privileges, so root may forward low ports;
 *  4. started as root, vunetd then switches to nobody (or --runas) for
 *     good, and installs the seccomp deny list when built with it.
 *
 * The loop dispatches on the union epoll_ref stored with each descriptor;
 * handlers never search.  One front-end at a time: a second connection
 * while one is active is accepted and closed at once.  When the front-end
 * disconnects, vunetd exits with --one-off or -F, else waits for the next.
 *
 * The frame path: the vhost-user device calls tap_handler() per guest
 * frame and tap_batch_done() per batch; on the stream protocol tap.c reads
 * the socket itself.  Frames for the guest go through tap_send_frame().
 * Nothing in the loop allocates; what is worth knowing per frame is
 * counted in c->stats and logged on SIGUSR1 and at exit in one line,
 * "counters: name=value ...", whose names are listed in vunetd(1); it was
 * asked for, so --quiet does not hide it.
 */
#include "backend/vunetd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "backend/arp.h"
#include "backend/conf.h"
#include "backend/ctx.h"
#include "backend/dhcp.h"
#include "backend/dhcpv6.h"
#include "backend/epoll_ref.h"
#include "backend/flow.h"
#include "backend/icmp.h"
#include "backend/isolation.h"
#include "backend/ndp.h"
#include "backend/tap.h"
#include "backend/tcp.h"
#include "backend/udp.h"
#include "backend/vhost_user.h"
#include "backend/virtqueue.h"
#include "util/log.h"

/* Handlers size their iovec arrays for the frames the device delivers. */
_Static_assert(VQ_CHAIN_MAX_IOV <= TAP_FRAME_MAX_IOV,
	       "a TX chain may have more iovecs than a tap frame");

#define EVENTS_PER_WAIT 64
#define TIMER_INTERVAL_S 1
#define COUNTERS_LINE_MAX 1024

/* Names of the drop counters, in enum drop_reason order (the man page
 * lists them too: keep both in step). */
static const char *const drop_names[DROP_NUM_REASONS] = {
	[DROP_TOO_SHORT] = "drop_too_short",
	[DROP_BAD_L2] = "drop_bad_l2",
	[DROP_BAD_L3] = "drop_bad_l3",
	[DROP_BAD_CSUM] = "drop_bad_csum",
	[DROP_BAD_L4] = "drop_bad_l4",
	[DROP_UNHANDLED] = "drop_unhandled",
	[DROP_DISABLED] = "drop_disabled",
	[DROP_NO_FLOW] = "drop_no_flow",
	[DROP_HOST_ERROR] = "drop_host_error",
	[DROP_RX_NO_BUFFERS] = "drop_rx_no_buffers",
	[DROP_BAD_DESCRIPTOR] = "drop_bad_descriptor",
	[DROP_BAD_STREAM] = "drop_bad_stream",
	[DROP_TOO_BIG] = "drop_too_big",
	[DROP_BAD_OFFLOAD] = "drop_bad_offload",
	[DROP_TOO_LONG] = "drop_too_long",
};

/* The end of a batch of guest frames: the modules that batch their sends
 * send now, while the frames' buffers are still the guest's to us. */
static void guest_batch_done(struct ctx *c)
{
	tcp_batch_done(c);
	udp_batch_done(c);
}

/* The guest has room for frames again: the modules that stopped for it
 * go on (TCP data held in its sockets, UDP sockets left unread). */
static void guest_rx_ready(struct ctx *c)
{
	tcp_guest_rx_ready(c);
	udp_guest_rx_ready(c);
}

/* Where tap.c sends each kind of guest frame. */
static const struct tap_handlers proto_handlers = {
	.arp = arp_handler,
	.dhcp = dhcp_handler,
	.dhcpv6 = dhcpv6_handler,
	.ndp = ndp_handler,
	.icmp = icmp_tap_handler,
	.tcp = tcp_tap_handler,
	.udp = udp_tap_handler,
	.batch_done = guest_batch_done,
	.rx_ready = guest_rx_ready,
};

/* Process state that is not configuration. */
static struct {
	int fd_signal, fd_timer;
	bool sock_created;  /* we bound c->sock_path: unlink it at exit */
	bool pidfile_created; /* we created c->pidfile: unlink it on failure */
	int pidfile_fd;     /* open until written */
	int ready_pipe;     /* daemon -> parent: start-up result */
	bool quit;
	int exit_status;
} proc = { -1, -1, false, false, -1, -1, false, 0 };

size_t vunetd_format_counters(const struct ctx *c, char *buf, size_t size)
{
	const struct ctx_stats *s = &c->stats;
	size_t len;
	int n;

	n = snprintf(buf, size,
		     "counters: frames_from_guest=%llu bytes_from_guest=%llu "
		     "frames_to_guest=%llu bytes_to_guest=%llu",
		     (unsigned long long)s->frames_from_guest,
		     (unsigned long long)s->bytes_from_guest,
		     (unsigned long long)s->frames_to_guest,
		     (unsigned long long)s->bytes_to_guest);
	len = n < 0 ? 0 : (size_t)n;
	for (int i = 0; i < DROP_NUM_REASONS && len < size; i++) {
		n = snprintf(buf + len, size - len, " %s=%llu", drop_names[i],
			     (unsigned long long)s->drops[i]);
		len += n < 0 ? 0 : (size_t)n;
	}
	if (len < size) {
		n = snprintf(buf + len, size - len,
			     " accept_no_fd=%llu ack_delayed=%llu"
			     " ack_delay_expired=%llu",
			     (unsigned long long)s->accept_no_fd,
			     (unsigned long long)s->ack_delayed,
			     (unsigned long long)s->ack_delay_expired);
		len += n < 0 ? 0 : (size_t)n;
	}
	return len < size ? len : size - 1;
}

static void log_counters(const struct ctx *c)
{
	char line[COUNTERS_LINE_MAX];

	vunetd_format_counters(c, line, sizeof(line));
	/* asked for (SIGUSR1, exit): shown even with --quiet */
	log_always("%s", line);
}

/* Binds and listens on PATH.  Returns the socket, or a negative errno. */
static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int rc;

	if (fd < 0)
		return -errno;
	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/* True if something accepts connections on PATH. */
static bool socket_in_use(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool used;

	if (fd < 0)
		return true;
	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	used = !connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	       errno != ECONNREFUSED;
	close(fd);
	return used;
}

/* Listens on PATH; a stale socket left by a dead process is replaced,
 * one in use is not.  Returns the socket, or a negative errno. */
static int listen_replacing_stale(const char *path)
{
	int fd = listen_unix(path);

	if (fd == -EADDRINUSE && !socket_in_use(path)) {
		unlink(path);
		fd = listen_unix(path);
	}
	return fd;
}

/* Opens the front-end socket: -s PATH, or the first free default. */
static int open_socket(struct ctx *c)
{
	int fd = -ENOENT;

	if (c->sock_path[0]) {
		fd = listen_replacing_stale(c->sock_path);
	} else {
		for (int n = VUNETD_SOCK_FIRST; n <= VUNETD_SOCK_LAST; n++) {
			snprintf(c->sock_path, sizeof(c->sock_path),
				 VUNETD_SOCK_FMT, n);
			fd = listen_replacing_stale(c->sock_path);
			if (fd != -EADDRINUSE)
				break;
		}
	}
	if (fd < 0) {
		err("Failed to bind UNIX domain socket %s: %s", c->sock_path,
		    strerror(-fd));
		return -1;
	}
	c->fd_listen = fd;
	proc.sock_created = true;
	info("UNIX domain socket bound at %s", c->sock_path);
	return 0;
}

static void print_qemu_hint(const struct ctx *c)
{
	if (c->fd_given)
		return;
	if (c->mode == MODE_VU)
		info("You can start qemu with:\n    qemu-system-x86_64 ... "
		     "-chardev socket,id=chr0,path=%s -netdev vhost-user,"
		     "id=netdev0,chardev=chr0 -device virtio-net,netdev=netdev0 "
		     "-object memory-backend-memfd,id=memfd0,share=on,size=$RAMSIZE "
		     "-numa node,memdev=memfd0", c->sock_path);
	else
		info("You can start qemu (>= 7.2) with:\n    qemu-system-x86_64 ... "
		     "-device virtio-net-pci,netdev=s -netdev stream,id=s,"
		     "server=off,addr.type=unix,addr.path=%s", c->sock_path);
}

static int write_pidfile(void)
{
	char buf[32];
	int len, rc = 0;

	if (proc.pidfile_fd < 0)
		return 0;
	len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(proc.pidfile_fd, buf, len) != len)
		rc = -1;
	close(proc.pidfile_fd);
	proc.pidfile_fd = -1;
	if (rc)
		err("Couldn't write PID file: %s", strerror(errno));
	return rc;
}

/* Forks; the parent waits for the child's verdict on the ready pipe and
 * exits with it.  Returns 0 in the child, -1 if fork failed. */
static int daemonize(void)
{
	int pipefd[2];
	pid_t pid;
	char status = 1;

	if (pipe2(pipefd, O_CLOEXEC)) {
		err("pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		err("fork: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(pipefd[1]);
		while (read(pipefd[0], &status, 1) < 0 && errno == EINTR)
			;
		_exit(status ? 1 : 0);
	}
	close(pipefd[0]);
	proc.ready_pipe = pipefd[1];
	if (setsid() < 0)
		return -1;
	return 0;
}

/* Detaches from the terminal and tells the parent we are ready. */
static void report_ready(const struct ctx *c)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	char ok = 0;

	if (proc.ready_pipe < 0)
		return;
	/* a front-end passed with -F may itself be one of fds 0-2 */
	for (int fd = STDIN_FILENO; null >= 0 && fd <= STDERR_FILENO; fd++)
		if (fd != c->fd_conn)
			dup2(null, fd);
	if (null >= 0)
		close(null);
	/* stderr is gone: without a log file, keep the log in syslog */
	if (!c->logfile[0])
		log_open_syslog();
	log_stop_stderr();
	if (write(proc.ready_pipe, &ok, 1) != 1)
		warn("Couldn't report readiness to the parent");
	close(proc.ready_pipe);
	proc.ready_pipe = -1;
}

static int epoll_add(const struct ctx *c, int fd, enum epoll_type type,
		     uint32_t events)
{
	union epoll_ref ref = { .type = type, .fd = fd };
	struct epoll_event ev = { .events = events, .data.u64 = ref.u64 };

	if (epoll_ctl(c->epollfd, EPOLL_CTL_ADD, fd, &ev)) {
		err("epoll_ctl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The signals vunetd acts on, through its signalfd. */
static void handled_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
}

/* Blocks the handled signals from the start, so that a SIGTERM arriving
 * while the socket already listens but the loop is not yet running is
 * handled (cleanly) rather than killing us.  SIGPIPE is ignored: sends
 * use MSG_NOSIGNAL, but a front-end socket may come from elsewhere. */
static int block_signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	handled_signals(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL)) {
		err("sigprocmask: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int setup_signals(struct ctx *c)
{
	sigset_t set;

	handled_signals(&set);
	proc.fd_signal = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (proc.fd_signal < 0) {
		err("signalfd: %s", strerror(errno));
		return -1;
	}
	return epoll_add(c, proc.fd_signal, EPOLL_TYPE_SIGNAL, EPOLLIN);
}

static int setup_timer(struct ctx *c)
{
	struct itimerspec it = {
		.it_interval.tv_sec = TIMER_INTERVAL_S,
		.it_value.tv_sec = TIMER_INTERVAL_S,
	};

	proc.fd_timer = timerfd_create(CLOCK_MONOTONIC,
				       TFD_CLOEXEC | TFD_NONBLOCK);
	if (proc.fd_timer < 0 || timerfd_settime(proc.fd_timer, 0, &it, NULL)) {
		err("timerfd: %s", strerror(errno));
		return -1;
	}
	return epoll_add(c, proc.fd_timer, EPOLL_TYPE_TIMER, EPOLLIN);
}

static void vu_frame(void *opaque, const struct iovec *iov, size_t iovcnt,
		     size_t len, unsigned flags)
{
	tap_handler(opaque, iov, iovcnt, len,
		    (flags & VU_FRAME_CSUM_VALID) ? TAP_FRAME_CSUM_VALID : 0);
}

static void vu_batch_done(void *opaque)
{
	tap_batch_done(opaque);
}

static void vu_rx_ready(void *opaque)
{
	tap_rx_ready(opaque);
}

static const struct vu_frame_ops vu_ops = {
	.frame_from_guest = vu_frame,
	.guest_batch_done = vu_batch_done,
	.rx_ready = vu_rx_ready,
};

/* Takes FD as the front-end connection.  Returns 0, or -1 when it was
 * refused (FD is then closed and c->fd_conn is -1). */
static int connect_frontend(struct ctx *c, int fd)
{
	int rc;

	if (c->mode == MODE_VU) {
		rc = vu_dev_connect(c->vdev, fd);
		c->fd_conn = rc ? -1 : fd;
		return rc ? -1 : 0;
	}
	rc = tap_stream_attach(c, fd);
	if (rc) {
		err("Front-end connection: %s", strerror(-rc));
		close(fd);
		c->fd_conn = -1;
		return -1;
	}
	return 0;
}

static bool frontend_connected(const struct ctx *c)
{
	if (c->mode == MODE_VU)
		return c->vdev && vu_dev_connected(c->vdev);
	return c->fd_conn >= 0;
}

/* Every flow holds a host socket: the usual soft limit of 1024 open files
 * would cap the flow table far below its size, so take the hard limit. */
static void raise_open_files_limit(void)
{
	struct rlimit lim;

	if (getrlimit(RLIMIT_NOFILE, &lim) || lim.rlim_cur >= lim.rlim_max)
		return;
	lim.rlim_cur = lim.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &lim))
		warn("Can't raise the open files limit: %s", strerror(errno));
}

static int setup_loop(struct ctx *c)
{
	int fd, rc;

	c->epollfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epollfd < 0) {
		err("epoll_create1: %s", strerror(errno));
		return -1;
	}
	if (setup_signals(c) || setup_timer(c))
		return -1;
	tap_set_handlers(&proto_handlers);
	raise_open_files_limit();
	rc = flow_init(0);
	if (rc) {
		err("Can't allocate the flow table: %s", strerror(-rc));
		return -1;
	}
	rc = tcp_init(c);
	if (rc)
		warn("TCP delayed-ACK timer: %s; every ACK goes out at once",
		     strerror(-rc));
	/* before dropping privileges: root may forward ports below 1024 */
	if (c->tcp_fwd.mode != FWD_NONE && !c->no_tcp &&
	    tcp_listen_init(c) < 0)
		return -1;
	if (c->udp_fwd.mode != FWD_NONE && !c->no_udp &&
	    udp_listen_init(c) < 0)
		return -1;
	if (c->mode == MODE_VU) {
		c->vdev = vu_dev_new(c->epollfd, &vu_ops, c);
		if (!c->vdev) {
			err("Can't set up the vhost-user device");
			return -1;
		}
		vu_dev_set_drop_counters(c->vdev, c->stats.drops);
	}
	if (c->fd_listen >= 0 &&
	    epoll_add(c, c->fd_listen, EPOLL_TYPE_LISTEN, EPOLLIN))
		return -1;
	if (c->fd_given) {
		fd = c->fd_conn;
		c->fd_conn = -1;
		return connect_frontend(c, fd);
	}
	return 0;
}

/* Everything vunetd_start() does up to running the loop.  Returns 0 or
 * -1 (reported). */
static int start(struct ctx *c)
{
	int rc;

	if (block_signals())
		return -1;
	if (c->logfile[0] && (rc = log_open_file(c->logfile))) {
		err("Couldn't open log file %s: %s", c->logfile, strerror(-rc));
		return -1;
	}
	if (geteuid() == 0 && c->runas[0])
		info("Started as root, will change to %s.", c->runas);
	if (!c->fd_given && open_socket(c))
		return -1;
	if (c->pidfile[0]) {
		proc.pidfile_fd = open(c->pidfile, O_WRONLY | O_CREAT | O_TRUNC |
				       O_CLOEXEC, 0644);
		if (proc.pidfile_fd < 0) {
			err("Couldn't open PID file %s: %s", c->pidfile,
			    strerror(errno));
			return -1;
		}
		proc.pidfile_created = true;
	}
	conf_print(c);
	print_qemu_hint(c);
	if (!c->foreground && daemonize())
		return -1;
	if (write_pidfile())
		return -1;
	if (c->logfile[0])
		log_stop_stderr();
	if (setup_loop(c))
		return -1;
	rc = isolation_drop_user(c->uid, c->gid);
	if (rc) {
		err("Can't switch to user %s: %s", c->runas, strerror(-rc));
		return -1;
	}
	rc = isolation_seccomp();
	if (rc && rc != -ENOSYS)
		warn("seccomp filter not installed: %s", strerror(-rc));
	return 0;
}

int vunetd_start(struct ctx *c)
{
	if (start(c)) {
		/* nothing may be left that looks like a running vunetd */
		if (proc.sock_created)
			unlink(c->sock_path);
		/* written or not: a later step may have failed */
		if (proc.pidfile_created)
			unlink(c->pidfile);
		return -1;
	}
	report_ready(c);
	return 0;
}

static void handle_signal(struct ctx *c)
{
	struct signalfd_siginfo si;

	while (read(proc.fd_signal, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			log_counters(c);
		} else {
			info("Signal %u received, exiting", si.ssi_signo);
			proc.quit = true;
		}
	}
}

static void handle_timer(struct ctx *c)
{
	uint64_t expirations;
	struct timespec now;

	if (read(proc.fd_timer, &expirations, sizeof(expirations)) < 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	icmp_timer(c, &now);
	ndp_timer(c, &now);
	tcp_timer(c, &now);
	udp_timer(c, &now);
}

/* The front-end went away. */
static void frontend_gone(struct ctx *c)
{
	if (c->mode == MODE_STREAM)
		tap_stream_detach(c);
	c->fd_conn = -1;
	info("Client connection closed%s",
	     c->one_off || c->fd_given ? ", exiting" : "");
	if (c->one_off || c->fd_given)
		proc.quit = true;
}

static void handle_listen(struct ctx *c)
{
	int fd = accept4(c->fd_listen, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (frontend_connected(c)) {
		/* one front-end at a time, as passt */
		close(fd);
		return;
	}
	info("Client connected");
	connect_frontend(c, fd);
}

static void handle_event(struct ctx *c, const struct epoll_event *ev)
{
	union epoll_ref ref = { .u64 = ev->data.u64 };

	switch (ref.type) {
	case EPOLL_TYPE_LISTEN:
		handle_listen(c);
		break;
	case EPOLL_TYPE_STREAM:
		if (ev->events & EPOLLOUT)
			tap_stream_output(c); /* and rx_ready */
		if ((ev->events & EPOLLIN) && !tap_stream_input(c))
			frontend_gone(c);
		else if (!(ev->events & EPOLLIN) &&
			 (ev->events & (EPOLLHUP | EPOLLERR)))
			frontend_gone(c);
		break;
	case EPOLL_TYPE_VHOST_CMD:
		if (!vu_dev_handle_control(c->vdev, ev->events))
			frontend_gone(c);
		break;
	case EPOLL_TYPE_VHOST_KICK:
		vu_dev_handle_kick(c->vdev, ref.idx);
		break;
	case EPOLL_TYPE_ICMP:
		icmp_sock_handler(c, ref);
		break;
	case EPOLL_TYPE_TCP:
		tcp_sock_handler(c, ref, ev->events);
		break;
	case EPOLL_TYPE_TCP_LISTEN:
		tcp_listen_handler(c, ref, ev->events);
		break;
	case EPOLL_TYPE_UDP:
		udp_sock_handler(c, ref, ev->events);
		break;
	case EPOLL_TYPE_UDP_LISTEN:
		udp_listen_handler(c, ref, ev->events);
		break;
	case EPOLL_TYPE_TIMER:
		handle_timer(c);
		break;
	case EPOLL_TYPE_TCP_ACK_TIMER:
		tcp_ack_timer_handler(c);
		break;
	case EPOLL_TYPE_SIGNAL:
		handle_signal(c);
		break;
	default:
		break;
	}
}

static void cleanup(struct ctx *c)
{
	tcp_close_all(c);
	udp_close_all(c);
	tcp_listen_close(c);
	udp_listen_close(c);
	tcp_fini(c);
	flow_fini();
	if (c->mode == MODE_STREAM)
		tap_stream_detach(c);
	if (c->vdev)
		vu_dev_free(c->vdev);
	c->vdev = NULL;
	if (c->fd_listen >= 0)
		close(c->fd_listen);
	c->fd_listen = -1;
	if (proc.sock_created)
		unlink(c->sock_path);
	if (c->pidfile[0])
		unlink(c->pidfile);
	if (proc.fd_signal >= 0)
		close(proc.fd_signal);
	if (proc.fd_timer >= 0)
		close(proc.fd_timer);
	if (c->epollfd >= 0)
		close(c->epollfd);
	c->epollfd = -1;
}

int vunetd_run(struct ctx *c)
{
	struct epoll_event events[EVENTS_PER_WAIT];

	while (!proc.quit) {
		int n = epoll_wait(c->epollfd, events, EVENTS_PER_WAIT, -1);

		if (n < 0 && errno != EINTR) {
			err("epoll_wait: %s", strerror(errno));
			proc.exit_status = 1;
			break;
		}
		for (int i = 0; i < n && !proc.quit; i++)
			handle_event(c, &events[i]);
		/* safety net: a frame a socket or timer handler queued for
		 * the guest must not wait for the next guest frame (cheap
		 * when nothing is pending) */
		tap_flush(c);
	}
	log_counters(c);
	cleanup(c);
	return proc.exit_status;
}
