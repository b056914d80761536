// SPDX-License-Identifier: GPL-2.0-or-later
/* The guest's end of a TCP connection for the TCP tests: see the theory
 * of operation in test_tcp_guest.h. */
#include "tests/backend/test_tcp_guest.h"

#include <errno.h>
#include <linux/sockios.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/tcp.h"

/* Segments tg_recv_flags() skips before giving up. */
#define TG_SKIP_MAX 64
/* Initial sequence numbers: each connection of a test its own. */
#define TG_ISN_FIRST 0x10000000u
#define TG_ISN_STEP 0x01000000u

uint8_t tg_rxbuf[PT_FRAME_MAX];

int tg_init(struct tg_conn *cn, int af)
{
	static uint32_t isn = TG_ISN_FIRST;
	static uint16_t gport = TG_GUEST_PORT;

	memset(cn, 0, sizeof(*cn));
	cn->af = af;
	cn->gport = gport++;
	cn->host = -1;
	cn->isn = cn->seq = isn;
	isn += TG_ISN_STEP;
	cn->wnd = TG_GUEST_WND;
	cn->listener = ft_listen_tcp(af, &cn->port);
	return cn->listener < 0 ? -1 : 0;
}

struct ft_seg tg_seg(const struct tg_conn *cn, uint8_t flags)
{
	struct ft_seg s = { .af = cn->af, .sport = cn->gport,
			    .dport = cn->port, .seq = cn->seq, .ack = cn->ack,
			    .flags = flags, .wnd = cn->wnd, .wscale = -1 };

	if (cn->af == AF_INET) {
		s.saddr.a4 = pt_a4("192.0.2.2");
		s.daddr.a4 = pt_a4("192.0.2.1");
	} else {
		s.saddr.a6 = pt_a6("2001:db8::2");
		s.daddr.a6 = pt_a6("fe80::1");
	}
	return s;
}

void tg_send_at(struct ctx *c, const struct tg_conn *cn, uint32_t seq,
		uint8_t flags, const void *data, size_t len)
{
	struct ft_seg s = tg_seg(cn, flags);

	s.seq = seq;
	s.payload = data;
	s.len = len;
	ft_tcp_send(c, &s);
}

void tg_send(struct ctx *c, struct tg_conn *cn, uint8_t flags,
	     const void *data, size_t len)
{
	tg_send_at(c, cn, cn->seq, flags, data, len);
	cn->seq += (uint32_t)len + !!(flags & FT_SYN) + !!(flags & FT_FIN);
}

void tg_send_syn(struct ctx *c, const struct tg_conn *cn)
{
	struct ft_seg s = tg_seg(cn, FT_SYN);

	s.seq = cn->isn;
	s.ack = 0;
	s.wnd = 65535; /* never scaled in a SYN */
	s.mss = TG_GUEST_MSS;
	s.wscale = TG_GUEST_WSCALE;
	ft_tcp_send(c, &s);
}

static int accept_host(int l, int timeout_ms)
{
	struct pollfd p = { l, POLLIN, 0 };

	if (poll(&p, 1, timeout_ms) != 1)
		return -1;
	return accept4(l, NULL, NULL, SOCK_CLOEXEC);
}

int tg_handshake(struct ctx *c, struct tg_conn *cn, bool ack_it)
{
	struct ft_seg s;

	tg_send_syn(c, cn);
	if (tg_recv(c, &s, TG_WAIT_MS) || s.flags != (FT_SYN | FT_ACK) ||
	    s.ack != cn->isn + 1 || !s.mss ||
	    s.wscale != TCP_WSCALE_TO_GUEST)
		return -1;
	cn->seq = cn->isn + 1;
	cn->peer_isn = s.seq;
	cn->ack = s.seq + 1;
	cn->mss = s.mss;
	cn->host = accept_host(cn->listener, TG_WAIT_MS);
	if (cn->host < 0)
		return -1;
	if (ack_it)
		tg_send(c, cn, FT_ACK, NULL, 0);
	return 0;
}

int tg_connect(struct ctx *c, struct tg_conn *cn, int af)
{
	if (tg_init(cn, af))
		return -1;
	return tg_handshake(c, cn, true);
}

int tg_recv(struct ctx *c, struct ft_seg *s, int timeout_ms)
{
	return ft_tcp_recv(c, tg_rxbuf, sizeof(tg_rxbuf), s, timeout_ms);
}

int tg_recv_flags(struct ctx *c, struct ft_seg *s, uint8_t flags,
		  int timeout_ms)
{
	int i;

	for (i = 0; i < TG_SKIP_MAX; i++) {
		if (tg_recv(c, s, timeout_ms))
			return -1;
		if (s->flags & flags)
			return 0;
	}
	return -1;
}

bool tg_quiet(struct ctx *c, int quiet_ms)
{
	return ft_recv(c, tg_rxbuf, sizeof(tg_rxbuf), quiet_ms) < 0;
}

size_t tg_read(struct ctx *c, struct tg_conn *cn, uint8_t *buf, size_t len,
	       bool ack_it)
{
	size_t got = 0;
	struct ft_seg s;
	int i;

	for (i = 0; got < len && i < TG_SKIP_MAX * 16; i++) {
		if (tg_recv(c, &s, TG_WAIT_MS))
			break;
		if (s.seq != cn->ack || !s.len || s.len > len - got)
			continue;
		memcpy(buf + got, s.payload, s.len);
		got += s.len;
		cn->ack += (uint32_t)s.len;
		if (ack_it)
			tg_send(c, cn, FT_ACK, NULL, 0);
	}
	return got;
}

static long long ms_since(const struct timespec *start)
{
	struct timespec now = tg_now();

	return (now.tv_sec - start->tv_sec) * 1000LL +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

size_t tg_host_read(struct ctx *c, int s, uint8_t *buf, size_t len,
		    int timeout_ms)
{
	struct timespec start = tg_now();
	size_t got = 0;

	while (got < len && ms_since(&start) < timeout_ms) {
		struct pollfd p = { s, POLLIN, 0 };
		ssize_t n;

		ft_pump(c, 0);
		if (poll(&p, 1, 10) != 1)
			continue;
		n = recv(s, buf + got, len - got, MSG_DONTWAIT);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

static int host_state(int s)
{
	struct tcp_info ti;
	socklen_t sl = sizeof(ti);

	if (getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &sl))
		return -1;
	return ti.tcpi_state;
}

bool tg_host_state_is(struct ctx *c, int s, int state, int timeout_ms)
{
	struct timespec start = tg_now();

	for (;;) {
		if (host_state(s) == state)
			return true;
		if (ms_since(&start) >= timeout_ms)
			return false;
		ft_pump(c, 10);
	}
}

int tg_host_unacked(int s)
{
	int n = -1;

	return ioctl(s, SIOCOUTQ, &n) ? -1 : n;
}

struct flow *tg_flow(const struct tg_conn *cn)
{
	struct ft_seg s = tg_seg(cn, 0);
	struct flow_key key;

	flow_key_set(&key, IPPROTO_TCP, cn->af, &s.saddr, cn->gport,
		     &s.daddr, cn->port);
	return flow_lookup(&key);
}

int tg_flow_inq(const struct tg_conn *cn)
{
	struct flow *fl = tg_flow(cn);
	int n = -1;

	if (!fl || ioctl(fl->sock, SIOCINQ, &n))
		return -1;
	return n;
}

struct timespec tg_now(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now;
}

void tg_timer_after(struct ctx *c, const struct timespec *start, long ms)
{
	struct timespec t = *start;

	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	tcp_timer(c, &t);
}

int tg_blocked_listener(int af, uint16_t *port, int *filler)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int l = ft_listen_tcp(af, port), s = -1;
	struct pollfd p;

	/* A backlog of 0 queues one connection; the next SYNs are dropped. */
	if (l < 0 || listen(l, 0) || getsockname(l, (struct sockaddr *)&ss,
						  &sl))
		goto fail;
	s = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0 || (connect(s, (struct sockaddr *)&ss, sl) &&
		      errno != EINPROGRESS))
		goto fail;
	p.fd = s;
	p.events = POLLOUT;
	if (poll(&p, 1, TG_WAIT_MS) != 1)
		goto fail;
	*filler = s;
	return l;
fail:
	if (s >= 0)
		close(s);
	if (l >= 0)
		close(l);
	return -1;
}
