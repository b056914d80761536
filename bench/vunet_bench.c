// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vunet-bench: a vhost-user load generator for passt-compatible network
 * back-ends (vunetd, passt).  It is the VMM and the guest at once: the
 * test front-end (tests/backend/frontend.h) shares memory and rings with
 * the back-end, and a minimal guest stack (bench/guest.h) drives TCP and
 * UDP through it to loopback peers (bench/host.h) on this machine.
 *
 * Theory of operation.  One invocation measures one scenario against one
 * back-end process:
 *   1. start BACKEND --vhost-user -f -1 -q --socket DIR/sock -a 10.0.2.15
 *      -n 24 -g 10.0.2.2 -m MTU -t PORT (passt's command line), or use
 *      --socket of a running one (then no back-end CPU is measured);
 *   2. handshake as QEMU does, learn the gateway's MAC with ARP, set up
 *      the scenario's flows and peers;
 *   3. warm up, then RUNS consecutive intervals of DURATION seconds; for
 *      each: bytes or transactions, latency percentiles, the back-end's
 *      CPU time (utime+stime from /proc/PID/stat) and our own;
 *   4. print one RESULT line with the median of each figure over the
 *      intervals, close (the back-end exits: -1) and reap it.
 * "loopback" measures the host's own TCP between two peers, no back-end:
 * the ceiling for one flow.
 *
 * Every loop ends by a deadline; all traffic goes to 127.0.0.1 (the
 * back-ends map the gateway to it).  Figures are what the guest or the
 * host peer actually received, not what was offered.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/guest.h"
#include "bench/host.h"

#define MAX_RUNS 15
#define MAX_SAMPLES (1 << 20)
#define CONNECT_TIMEOUT_MS 5000
#define STEP_TIMEOUT_MS 1000
#define EXIT_WAIT_MS 3000
/* Bytes a stream sender keeps queued ahead of what was acknowledged. */
#define STREAM_QUEUE_BYTES (16u << 20)
#define UDP_BURST 64
#define UDP_RR_TIMEOUT_NS (200 * 1000000ULL)

enum scenario {
	SC_TCP_STREAM_G2H,
	SC_TCP_STREAM_H2G,
	SC_TCP_RR,
	SC_TCP_CRR,
	SC_UDP_STREAM,
	SC_UDP_RR,
	SC_LOOPBACK,
};

static const char *const scenario_names[] = {
	"tcp_stream_g2h", "tcp_stream_h2g", "tcp_rr", "tcp_crr",
	"udp_stream", "udp_rr", "loopback",
};

struct options {
	enum scenario scenario;
	const char *backend, *socket;
	unsigned mtu, flows, runs, queue_size;
	unsigned fwd_port;   /* --socket: the running back-end's -t port */
	bool no_offloads;    /* --no-offloads: as a guest without them */
	double duration_s, warmup_s;
};

struct backend {
	pid_t pid;
	char dir[64], sock[96], log[96];
};

/* What one interval measured. */
struct sample {
	double secs, bytes, transactions, backend_cpu_s, own_cpu_s;
	double p50_us, p99_us;
};

struct bench {
	const struct options *o;
	struct bench_guest *g;
	struct backend be;
	struct bench_peer peer, peer2;
	uint16_t fwd_port;
	struct bench_tcp_conn *conn[BENCH_MAX_CONNS];
	unsigned n_conns;
	/* Request/response state. */
	bool waiting;
	uint64_t sent_ns, rx_mark, transactions, lost;
	uint64_t *lat_ns;
	size_t n_lat;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- the back-end process ---- */

/* utime + stime of PID in seconds, or -1 if it cannot be read. */
static double proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long utime, stime;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name may hold spaces: fields count from its ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%lu %lu", &utime, &stime) != 2)
		return -1;
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static double own_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int backend_start(struct backend *be, const struct options *o,
			 uint16_t fwd_port)
{
	char mtu[16], port[16];

	strcpy(be->dir, "/tmp/vunet-bench-XXXXXX");
	if (!mkdtemp(be->dir))
		return -errno;
	/* passt started as root changes to nobody: let it reach the socket. */
	chmod(be->dir, 0755);
	snprintf(be->sock, sizeof(be->sock), "%s/vhost.sock", be->dir);
	snprintf(be->log, sizeof(be->log), "%s/backend.log", be->dir);
	snprintf(mtu, sizeof(mtu), "%u", o->mtu);
	snprintf(port, sizeof(port), "%u", fwd_port);
	be->pid = fork();
	if (be->pid < 0)
		return -errno;
	if (!be->pid) {
		int fd = open(be->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		const char *asan = getenv("ASAN_OPTIONS");
		char opts[512];

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* A sanitizer build of vunetd: its seccomp filter forbids what
		 * LeakSanitizer needs at exit; address checks stay on. */
		snprintf(opts, sizeof(opts), "%s%sdetect_leaks=0",
			 asan ? asan : "", asan && *asan ? ":" : "");
		setenv("ASAN_OPTIONS", opts, 1);
		execl(o->backend, o->backend, "--vhost-user", "-f", "-1", "-q",
		      "--socket", be->sock, "-a", "10.0.2.15", "-n", "24",
		      "-g", "10.0.2.2", "-m", mtu, "-t", port, (char *)NULL);
		_exit(127);
	}
	return 0;
}

static void backend_show_log(const struct backend *be)
{
	char buf[2048];
	ssize_t n;
	int fd = open(be->log, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		fprintf(stderr, "vunet-bench: back-end output:\n%s", buf);
	}
}

/* Waits for the back-end to exit, ending it if it does not.  Returns its
 * wait status, or -1. */
static int backend_reap(struct backend *be)
{
	int status = -1, i;

	for (i = 0; i < EXIT_WAIT_MS / 10; i++) {
		if (waitpid(be->pid, &status, WNOHANG) == be->pid)
			goto out;
		usleep(10000);
	}
	fprintf(stderr, "vunet-bench: back-end did not exit, ending it\n");
	kill(be->pid, SIGKILL);
	waitpid(be->pid, &status, 0);
	status = -1;
out:
	be->pid = 0;
	return status;
}

static void backend_remove_files(struct backend *be)
{
	unlink(be->log);
	unlink(be->sock);
	rmdir(be->dir);
}

/* ---- scenarios: set-up ---- */

static int connect_flows(struct bench *b, uint16_t port)
{
	unsigned i;

	for (i = 0; i < b->o->flows; i++) {
		b->conn[i] = bench_tcp_connect(b->g, port);
		if (!b->conn[i] ||
		    bench_tcp_wait_established(b->g, b->conn[i],
					       CONNECT_TIMEOUT_MS)) {
			fprintf(stderr, "vunet-bench: guest connection to the "
				"gateway's port %u not established\n", port);
			return -ETIMEDOUT;
		}
	}
	b->n_conns = b->o->flows;
	return 0;
}

static int accept_flows(struct bench *b)
{
	unsigned i;

	b->peer.role = BENCH_TCP_SOURCE;
	b->peer.port = b->fwd_port;
	b->peer.n_flows = b->o->flows;
	if (bench_peer_start(&b->peer))
		return -EIO;
	for (i = 0; i < b->o->flows; i++) {
		b->conn[i] = bench_tcp_accept(b->g, b->fwd_port,
					      CONNECT_TIMEOUT_MS);
		if (!b->conn[i]) {
			fprintf(stderr, "vunet-bench: no forwarded connection "
				"reached the guest on port %u\n", b->fwd_port);
			return -ETIMEDOUT;
		}
	}
	b->n_conns = b->o->flows;
	return 0;
}

static int scenario_setup(struct bench *b)
{
	switch (b->o->scenario) {
	case SC_TCP_STREAM_G2H:
		b->peer.role = BENCH_TCP_SINK;
		break;
	case SC_TCP_STREAM_H2G:
		return accept_flows(b);
	case SC_TCP_RR:
	case SC_TCP_CRR:
		b->peer.role = BENCH_TCP_ECHO;
		break;
	case SC_UDP_STREAM:
		b->peer.role = BENCH_UDP_SINK;
		break;
	case SC_UDP_RR:
		b->peer.role = BENCH_UDP_ECHO;
		break;
	case SC_LOOPBACK:
		b->peer.role = BENCH_TCP_SINK;
		if (bench_peer_start(&b->peer))
			return -EIO;
		b->peer2.role = BENCH_TCP_SOURCE;
		b->peer2.port = b->peer.port;
		b->peer2.n_flows = b->o->flows;
		return bench_peer_start(&b->peer2) ? -EIO : 0;
	}
	if (bench_peer_start(&b->peer))
		return -EIO;
	if (b->o->scenario == SC_TCP_STREAM_G2H || b->o->scenario == SC_TCP_RR)
		return connect_flows(b, b->peer.port);
	return 0;
}

/* ---- scenarios: one step of load ---- */

static void step_stream_g2h(struct bench *b)
{
	unsigned i;

	for (i = 0; i < b->n_conns; i++) {
		struct bench_tcp_conn *c = b->conn[i];

		if (c->snd_end - c->snd_una < STREAM_QUEUE_BYTES / 2)
			bench_tcp_push(c, STREAM_QUEUE_BYTES / 2);
	}
}

static void record_latency(struct bench *b, uint64_t ns)
{
	if (b->n_lat < MAX_SAMPLES)
		b->lat_ns[b->n_lat++] = ns;
	b->transactions++;
}

static void step_tcp_rr(struct bench *b)
{
	struct bench_tcp_conn *c = b->conn[0];

	if (b->waiting && c->rx_bytes > b->rx_mark) {
		record_latency(b, now_ns() - b->sent_ns);
		b->waiting = false;
	}
	if (!b->waiting) {
		b->rx_mark = c->rx_bytes;
		b->sent_ns = now_ns();
		bench_tcp_push(c, 1);
		b->waiting = true;
	}
}

/* One whole connect-request-response-close transaction. */
static void step_tcp_crr(struct bench *b)
{
	uint64_t start = now_ns(), deadline = start + STEP_TIMEOUT_MS * 1000000ULL;
	struct bench_tcp_conn *c;

	bench_tcp_reset_table(b->g);
	c = bench_tcp_connect(b->g, b->peer.port);
	if (!c || bench_tcp_wait_established(b->g, c, STEP_TIMEOUT_MS)) {
		b->lost++;
		return;
	}
	bench_tcp_push(c, 1);
	while (!c->rx_bytes && c->state == BENCH_TCP_ESTABLISHED &&
	       now_ns() < deadline)
		bench_guest_poll(b->g, 1);
	if (!c->rx_bytes || bench_tcp_close(b->g, c, STEP_TIMEOUT_MS)) {
		b->lost++;
		return;
	}
	record_latency(b, now_ns() - start);
}

static void step_udp_stream(struct bench *b)
{
	unsigned i, len = b->o->mtu - 28;

	for (i = 0; i < UDP_BURST; i++)
		if (bench_udp_send(b->g, b->peer.port, len))
			break;
}

static void step_udp_rr(struct bench *b)
{
	uint64_t now = now_ns();

	if (b->waiting && b->g->udp_rx_datagrams > b->rx_mark) {
		record_latency(b, now - b->sent_ns);
		b->waiting = false;
	} else if (b->waiting && now - b->sent_ns > UDP_RR_TIMEOUT_NS) {
		b->lost++;
		b->waiting = false;
	}
	if (!b->waiting && !bench_udp_send(b->g, b->peer.port, 1)) {
		b->rx_mark = b->g->udp_rx_datagrams;
		b->sent_ns = now;
		b->waiting = true;
	}
}

static void step(struct bench *b)
{
	switch (b->o->scenario) {
	case SC_TCP_STREAM_G2H: step_stream_g2h(b); break;
	case SC_TCP_RR: step_tcp_rr(b); break;
	case SC_TCP_CRR: step_tcp_crr(b); return;
	case SC_UDP_STREAM: step_udp_stream(b); break;
	case SC_UDP_RR: step_udp_rr(b); break;
	case SC_TCP_STREAM_H2G: break;
	case SC_LOOPBACK: usleep(10000); return;
	}
	bench_guest_poll(b->g, 1);
}

/* ---- measuring ---- */

/* Payload bytes delivered so far: at the host peer, or to the guest. */
static double delivered_bytes(struct bench *b)
{
	double sum = 0;
	unsigned i;

	if (b->o->scenario != SC_TCP_STREAM_H2G)
		return (double)bench_peer_bytes(&b->peer);
	for (i = 0; i < b->n_conns; i++)
		sum += (double)b->conn[i]->rx_bytes;
	return sum;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void latency_percentiles(struct bench *b, struct sample *s)
{
	if (!b->n_lat)
		return;
	qsort(b->lat_ns, b->n_lat, sizeof(*b->lat_ns), cmp_u64);
	s->p50_us = (double)b->lat_ns[b->n_lat / 2] / 1000.0;
	s->p99_us = (double)b->lat_ns[b->n_lat * 99 / 100] / 1000.0;
}

static void run_for(struct bench *b, double secs)
{
	uint64_t deadline = now_ns() + (uint64_t)(secs * 1e9);

	while (now_ns() < deadline)
		step(b);
}

static void measure(struct bench *b, struct sample *s)
{
	double bytes0 = delivered_bytes(b), cpu0 = -1, own0 = own_cpu_s();
	uint64_t tr0 = b->transactions, t0 = now_ns();

	if (b->be.pid > 0)
		cpu0 = proc_cpu_s(b->be.pid);
	b->n_lat = 0;
	run_for(b, b->o->duration_s);
	s->secs = (double)(now_ns() - t0) / 1e9;
	s->bytes = delivered_bytes(b) - bytes0;
	s->transactions = (double)(b->transactions - tr0);
	s->backend_cpu_s = cpu0 < 0 ? -1 : proc_cpu_s(b->be.pid) - cpu0;
	s->own_cpu_s = own_cpu_s() - own0;
	latency_percentiles(b, s);
}

/* Median over the runs of the figure at byte OFFSET of struct sample. */
static double median_of(const struct sample *s, unsigned n, size_t offset)
{
	double v[MAX_RUNS];
	unsigned i;

	for (i = 0; i < n; i++)
		memcpy(&v[i], (const char *)&s[i] + offset, sizeof(double));
	qsort(v, n, sizeof(double), cmp_double);
	return v[n / 2];
}

#define MEDIAN(s, n, field) median_of(s, n, offsetof(struct sample, field))

static void report(struct bench *b, const struct sample *s, unsigned n)
{
	const struct options *o = b->o;
	double secs = MEDIAN(s, n, secs), cpu = MEDIAN(s, n, backend_cpu_s);
	double bytes = MEDIAN(s, n, bytes), tr = MEDIAN(s, n, transactions);
	bool rr = o->scenario == SC_TCP_RR || o->scenario == SC_TCP_CRR ||
		  o->scenario == SC_UDP_RR;
	char offloads[64];
	unsigned i;

	for (i = 0; i < n; i++)
		fprintf(stderr, "  run %u: %.3f s, %.0f bytes, %.0f transactions, "
			"back-end CPU %.2f s, generator CPU %.2f s\n", i + 1,
			s[i].secs, s[i].bytes, s[i].transactions,
			s[i].backend_cpu_s, s[i].own_cpu_s);
	printf("RESULT scenario=%s mtu=%u flows=%u runs=%u", scenario_names[o->scenario],
	       o->mtu, o->flows, n);
	if (rr)
		printf(" tps=%.0f p50_us=%.1f p99_us=%.1f", tr / secs,
		       MEDIAN(s, n, p50_us), MEDIAN(s, n, p99_us));
	else
		printf(" gbps=%.3f", bytes * 8 / secs / 1e9);
	if (cpu > 0)
		printf(" backend_cpu=%.2f per_cpu_s=%.4g", cpu / secs,
		       rr ? tr / cpu : bytes / cpu);
	printf(" own_cpu=%.2f lost=%llu retransmits=%llu",
	       MEDIAN(s, n, own_cpu_s) / secs, (unsigned long long)b->lost,
	       b->g ? (unsigned long long)b->g->retransmits : 0ULL);
	if (b->g)
		printf(" offloads=%s",
		       bench_guest_offloads(b->g, offloads, sizeof(offloads)));
	printf("\n");
	fflush(stdout);
}

/* ---- main ---- */

static int bench_open(struct bench *b)
{
	const char *sock = b->o->socket;

	if (b->o->scenario == SC_LOOPBACK)
		return 0;
	b->fwd_port = b->o->fwd_port ? (uint16_t)b->o->fwd_port :
				       bench_free_port();
	if (b->o->backend) {
		if (backend_start(&b->be, b->o, b->fwd_port))
			return -EIO;
		sock = b->be.sock;
	}
	b->g = bench_guest_new(sock, b->o->mtu, b->o->queue_size,
			       CONNECT_TIMEOUT_MS, !b->o->no_offloads);
	if (!b->g)
		return -EIO;
	if (bench_guest_arp(b->g, CONNECT_TIMEOUT_MS)) {
		fprintf(stderr, "vunet-bench: no ARP reply for the gateway\n");
		return -ETIMEDOUT;
	}
	return 0;
}

/* Ends the scenario.  Returns -EIO if the back-end did not exit cleanly
 * by itself (-1) once we left: a crash or a sanitizer report counts. */
static int bench_close(struct bench *b, bool failed)
{
	int status = 0;

	bench_peer_stop(&b->peer);
	bench_peer_stop(&b->peer2);
	bench_guest_free(b->g);
	b->g = NULL;
	if (!b->be.dir[0])
		return 0;
	if (b->be.pid > 0)
		status = backend_reap(&b->be);
	if (status)
		fprintf(stderr, "vunet-bench: back-end exit status %d\n", status);
	if (failed || status)
		backend_show_log(&b->be);
	backend_remove_files(&b->be);
	return status ? -EIO : 0;
}

static int bench_run(const struct options *o)
{
	struct bench b = { .o = o };
	struct sample s[MAX_RUNS] = { 0 };
	unsigned i;
	int rc;

	b.peer.listen_fd = b.peer2.listen_fd = -1;
	b.lat_ns = calloc(MAX_SAMPLES, sizeof(*b.lat_ns));
	rc = b.lat_ns ? bench_open(&b) : -ENOMEM;
	if (!rc)
		rc = scenario_setup(&b);
	if (rc)
		goto out;
	run_for(&b, o->warmup_s);
	for (i = 0; i < o->runs; i++)
		measure(&b, &s[i]);
	report(&b, s, o->runs);
	if (b.g && b.g->rx_bad)
		fprintf(stderr, "vunet-bench: %llu unexpected frames\n",
			(unsigned long long)b.g->rx_bad);
out:
	if (bench_close(&b, rc != 0) && !rc)
		rc = -EIO;
	free(b.lat_ns);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: vunet-bench SCENARIO (--backend PATH | --socket PATH) [options]\n"
"Scenarios: tcp_stream_g2h tcp_stream_h2g tcp_rr tcp_crr udp_stream udp_rr\n"
"           loopback (host TCP between two sockets, no back-end)\n"
"  --backend PATH   start PATH with passt's command line (-t, -m, ...)\n"
"  --socket PATH    connect to a running back-end's vhost-user socket\n"
"  --port N         the -t port to use (with --socket: the one it forwards)\n"
"  --mtu N          MTU (default 65520)      --flows N   TCP flows (1-%d)\n"
"  --duration S     seconds per run (2)      --runs N    runs (3, max %d)\n"
"  --warmup S       seconds before runs (1)  --queue-size N  ring size (256)\n"
"  --no-offloads    do not ask for checksum offload and TSO (by default the\n"
"                   guest asks for them, as a Linux guest does)\n",
		BENCH_MAX_CONNS, MAX_RUNS);
}

static int parse_scenario(const char *name, enum scenario *sc)
{
	unsigned i;

	for (i = 0; i < sizeof(scenario_names) / sizeof(*scenario_names); i++)
		if (!strcmp(name, scenario_names[i])) {
			*sc = (enum scenario)i;
			return 0;
		}
	return -1;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "socket", required_argument, NULL, 's' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "flows", required_argument, NULL, 'f' },
		{ "duration", required_argument, NULL, 'd' },
		{ "runs", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "queue-size", required_argument, NULL, 'q' },
		{ "port", required_argument, NULL, 'p' },
		{ "no-offloads", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*o = (struct options){ .mtu = 65520, .flows = 1, .runs = 3,
			       .queue_size = 256, .duration_s = 2,
			       .warmup_s = 1 };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': o->backend = optarg; break;
		case 's': o->socket = optarg; break;
		case 'm': o->mtu = (unsigned)atoi(optarg); break;
		case 'f': o->flows = (unsigned)atoi(optarg); break;
		case 'd': o->duration_s = atof(optarg); break;
		case 'r': o->runs = (unsigned)atoi(optarg); break;
		case 'w': o->warmup_s = atof(optarg); break;
		case 'q': o->queue_size = (unsigned)atoi(optarg); break;
		case 'p': o->fwd_port = (unsigned)atoi(optarg); break;
		case 'o': o->no_offloads = true; break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	if (optind + 1 != argc || parse_scenario(argv[optind], &o->scenario))
		return -1;
	if (o->mtu < 576 || o->mtu > 65520 || !o->flows ||
	    o->flows > BENCH_MAX_CONNS || !o->runs || o->runs > MAX_RUNS ||
	    o->duration_s <= 0 || o->duration_s > 600 || o->warmup_s < 0 ||
	    o->warmup_s > 600 || o->queue_size < 64 || o->queue_size > 1024 ||
	    (o->queue_size & (o->queue_size - 1)) || o->fwd_port > 65535)
		return -1;
	if (o->scenario != SC_LOOPBACK && !o->backend == !o->socket)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;

	if (parse_options(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	return bench_run(&o) ? 1 : 0;
}
