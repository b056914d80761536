// SPDX-License-Identifier: GPL-2.0-or-later
/* TCP over vhost-user: host data is peeked by vunetd straight into the
 * guest's RX buffers (zero copy), including frames spread over several
 * merged buffers, and sending resumes when the guest adds buffers.
 *
 * The test front-end (frontend.h) plays the guest's virtio-net driver
 * against the real vhost_user.c, tap.c and tcp.c in this process; a small
 * loop (vt_pump) stands in for vunetd's.  The host side is a loopback
 * listener. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "backend/epoll_ref.h"
#include "backend/flow.h"
#include "backend/tap.h"
#include "backend/tcp.h"
#include "backend/udp.h"
#include "backend/vhost_user.h"
#include "tests/backend/frontend.h"
#include "tests/backend/test_flow_harness.h"
#include "tests/harness.h"

#define GUEST_PORT 42000
#define GUEST_ISN 5000u
#define RX_BUF_LEN 2048
#define QUEUE_SIZE 256

struct vt {
	struct ctx c;
	int listen_fd;
	char dir[64];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct fe *fe;
	unsigned rx_ready;
};

static struct vt vt;

/* Peeks vunetd made (MSG_PEEK recvmsg() calls): this executable's
 * recvmsg() comes before libc's and counts them. */
static unsigned peeks;

ssize_t recvmsg(int fd, struct msghdr *mh, int flags)
{
	static ssize_t (*real)(int, struct msghdr *, int);

	if (!real)
		real = (ssize_t (*)(int, struct msghdr *, int))
			dlsym(RTLD_NEXT, "recvmsg");
	if (flags & MSG_PEEK)
		peeks++;
	return real(fd, mh, flags);
}
static uint8_t rxbuf[PT_FRAME_MAX];

static void vt_frame(void *opaque, const struct iovec *iov, size_t iovcnt,
		     size_t len)
{
	tap_handler(opaque, iov, iovcnt, len);
}

static void vt_batch(void *opaque)
{
	tap_batch_done(opaque);
}

static void vt_rx_ready(void *opaque)
{
	vt.rx_ready++;
	tcp_guest_rx_ready(opaque);
}

static const struct vu_frame_ops vt_ops = {
	.frame_from_guest = vt_frame,
	.guest_batch_done = vt_batch,
	.rx_ready = vt_rx_ready,
};

/* vunetd's loop, without blocking, bounded. */
static void vt_pump(void *arg)
{
	struct ctx *c = arg;
	int rounds, n, i;

	for (rounds = 0; rounds < 64; rounds++) {
		struct epoll_event ev[32];

		n = epoll_wait(c->epollfd, ev, 32, 0);
		if (n <= 0)
			return;
		for (i = 0; i < n; i++) {
			union epoll_ref ref = { .u64 = ev[i].data.u64 };
			int fd;

			if (ref.type == EPOLL_TYPE_LISTEN) {
				fd = accept4(vt.listen_fd, NULL, NULL,
					     SOCK_CLOEXEC);
				if (fd >= 0)
					vu_dev_connect(c->vdev, fd);
			} else if (ref.type == EPOLL_TYPE_VHOST_CMD) {
				vu_dev_handle_control(c->vdev, ev[i].events);
			} else if (ref.type == EPOLL_TYPE_VHOST_KICK) {
				vu_dev_handle_kick(c->vdev, ref.idx);
			} else if (ref.type == EPOLL_TYPE_TCP) {
				tcp_sock_handler(c, ref, ev[i].events);
			} else if (ref.type == EPOLL_TYPE_UDP) {
				udp_sock_handler(c, ref, ev[i].events);
			}
		}
	}
}

static int vt_listen(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	union epoll_ref ref = { .type = EPOLL_TYPE_LISTEN };
	struct epoll_event ev = { .events = EPOLLIN };

	strcpy(vt.dir, "/tmp/vunet-tcpvu-XXXXXX");
	if (!mkdtemp(vt.dir))
		return -1;
	snprintf(vt.path, sizeof(vt.path), "%s/vhost.sock", vt.dir);
	strcpy(sa.sun_path, vt.path);
	vt.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (vt.listen_fd < 0 ||
	    bind(vt.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(vt.listen_fd, 4))
		return -1;
	ref.fd = vt.listen_fd;
	ev.data.u64 = ref.u64;
	return epoll_ctl(vt.c.epollfd, EPOLL_CTL_ADD, vt.listen_fd, &ev);
}

static void vt_cleanup(void)
{
	if (vt.path[0])
		unlink(vt.path);
	if (vt.dir[0])
		rmdir(vt.dir);
}

/* Tops the guest's RX queue up with buffers, at most MAX. */
static void vt_post_rx(unsigned max)
{
	unsigned i;

	for (i = 0; i < max && !fe_rx_post(vt.fe, 1, RX_BUF_LEN); i++)
		;
}

/* The vhost-user device and a started front-end with RX_BUFFERS posted.
 * Returns 0 or -1. */
static int vt_setup(unsigned rx_buffers)
{
	struct fe_config cfg = { .queue_size = QUEUE_SIZE,
				 .buf_size = RX_BUF_LEN,
				 .region_size = { 16 << 20 } };

	if (ft_setup(&vt.c, 64))
		return -1;
	atexit(vt_cleanup);
	vt.c.mode = MODE_VU;
	vt.c.vdev = vu_dev_new(vt.c.epollfd, &vt_ops, &vt.c);
	if (!vt.c.vdev || vt_listen())
		return -1;
	vu_dev_set_drop_counters(vt.c.vdev, vt.c.stats.drops);
	vt.fe = fe_new(&cfg);
	if (!vt.fe)
		return -1;
	vt.fe->pump = vt_pump;
	vt.fe->pump_arg = &vt.c;
	if (fe_connect(vt.fe, vt.path, 2000) ||
	    fe_handshake(vt.fe, FE_STYLE_QEMU))
		return -1;
	vt_post_rx(rx_buffers);
	vt_pump(&vt.c);
	return 0;
}

static void guest_send(const struct ft_seg *seg)
{
	static uint8_t frame[PT_FRAME_MAX];

	fe_tx_send(vt.fe, frame, ft_tcp_frame(frame, seg));
	vt_pump(&vt.c);
}

/* The next frame for the guest, pumping up to TIMEOUT_MS; NUM_BUFFERS
 * gets how many RX buffers it used. */
static int guest_recv(struct ft_seg *seg, unsigned *num_buffers,
		      int timeout_ms)
{
	int waited, n = -EAGAIN;

	for (waited = 0; waited <= timeout_ms; waited += 5) {
		vt_pump(&vt.c);
		n = fe_rx_recv(vt.fe, rxbuf, sizeof(rxbuf), num_buffers);
		if (n != -EAGAIN)
			break;
		epoll_wait(vt.c.epollfd, &(struct epoll_event){ 0 }, 1, 5);
	}
	if (n < 0)
		return -1;
	return ft_tcp_parse(rxbuf, (size_t)n, seg);
}

struct conn {
	uint16_t port;
	int host;
	uint32_t seq, ack;
};

static struct ft_seg seg_of(const struct conn *cn, uint8_t flags)
{
	struct ft_seg s = { .af = AF_INET, .sport = GUEST_PORT,
			    .dport = cn->port, .seq = cn->seq, .ack = cn->ack,
			    .flags = flags, .wnd = 65535, .wscale = -1 };

	s.saddr.a4 = pt_a4("192.0.2.2");
	s.daddr.a4 = pt_a4("192.0.2.1");
	return s;
}

static int connect_guest(struct conn *cn, uint16_t mss)
{
	struct ft_seg s;
	struct pollfd p;
	int l = ft_listen_tcp(AF_INET, &cn->port);

	if (l < 0)
		return -1;
	cn->seq = GUEST_ISN;
	s = seg_of(cn, FT_SYN);
	s.mss = mss;
	s.wscale = 7;
	guest_send(&s);
	if (guest_recv(&s, NULL, 2000) || s.flags != (FT_SYN | FT_ACK))
		return -1;
	cn->seq++;
	cn->ack = s.seq + 1;
	s = seg_of(cn, FT_ACK);
	guest_send(&s);
	p.fd = l;
	p.events = POLLIN;
	if (poll(&p, 1, 2000) != 1)
		return -1;
	cn->host = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	close(l);
	return cn->host < 0 ? -1 : 0;
}

/* Host sends TOTAL bytes; the guest reads and acknowledges them in
 * order.  Returns the bytes that arrived intact; *MAX_BUFFERS gets the
 * most RX buffers one frame used. */
static size_t transfer(struct conn *cn, size_t total, unsigned *max_buffers)
{
	static uint8_t out[1 << 20], in[1 << 20];
	size_t sent = 0, got = 0, i;
	int rounds;

	for (i = 0; i < total; i++)
		out[i] = (uint8_t)(i * 7 + (i >> 11));
	fcntl(cn->host, F_SETFL, O_NONBLOCK);
	*max_buffers = 0;
	for (rounds = 0; got < total && rounds < 20000; rounds++) {
		struct ft_seg s;
		unsigned nb = 0;

		if (sent < total) {
			ssize_t n = send(cn->host, out + sent, total - sent, 0);

			if (n > 0)
				sent += (size_t)n;
		}
		if (guest_recv(&s, &nb, 2000))
			break;
		vt_post_rx(nb);
		if (s.seq != cn->ack || !s.len || s.len > total - got)
			continue;
		memcpy(in + got, s.payload, s.len);
		got += s.len;
		cn->ack += (uint32_t)s.len;
		if (nb > *max_buffers)
			*max_buffers = nb;
		s = seg_of(cn, FT_ACK);
		guest_send(&s);
	}
	return got == total && !memcmp(in, out, total) ? got : 0;
}

static bool kernel_has_peek_offset(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), zero = 0;
	bool ok = !setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero));

	close(s);
	return ok;
}

TEST(vu_host_data_reaches_guest_buffers_with_peek_offset)
{
	struct conn cn;
	unsigned nb;

	if (!kernel_has_peek_offset())
		SKIP("this kernel has no SO_PEEK_OFF for TCP (before 6.9)");
	tcp_set_peek_offset(true);
	CHECK_INT(vt_setup(QUEUE_SIZE), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	CHECK_INT(transfer(&cn, 300000, &nb), 300000);
	CHECK_INT(nb, 1);
	tcp_close_all(&vt.c);
}

TEST(vu_host_data_reaches_guest_buffers_without_peek_offset)
{
	struct conn cn;
	unsigned nb;

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup(QUEUE_SIZE), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	CHECK_INT(transfer(&cn, 300000, &nb), 300000);
	tcp_close_all(&vt.c);
}

TEST(vu_large_segments_span_merged_rx_buffers)
{
	struct conn cn;
	unsigned nb;

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup(QUEUE_SIZE), 0);
	if (!(vt.fe->features & (1ULL << FE_F_NET_MRG_RXBUF)))
		SKIP("the device did not negotiate MRG_RXBUF");
	CHECK_INT(connect_guest(&cn, 16000), 0);
	CHECK_INT(transfer(&cn, 500000, &nb), 500000);
	CHECK(nb > 1);
	tcp_close_all(&vt.c);
}

TEST(vu_sending_resumes_when_guest_adds_rx_buffers)
{
	struct conn cn;
	struct ft_seg s;
	unsigned nb = 0, frames = 0;
	char data[20000];

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup(8), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	memset(data, 'z', sizeof(data));
	CHECK(send(cn.host, data, sizeof(data), 0) == (ssize_t)sizeof(data));
	/* Without acknowledging, take what fits in the few buffers left. */
	while (!guest_recv(&s, &nb, 300))
		if (s.len)
			frames++;
	CHECK(frames > 0);
	CHECK(frames < sizeof(data) / 1460);
	/* New buffers: rx_ready, and the rest follows at once, no timer. */
	vt_post_rx(QUEUE_SIZE);
	CHECK(!guest_recv(&s, &nb, 2000));
	CHECK(vt.rx_ready > 0);
	CHECK(s.len > 0);
	tcp_close_all(&vt.c);
}

TEST(vu_fin_waits_until_all_data_fit_in_guest_buffers)
{
	struct conn cn;
	struct ft_seg s;
	unsigned nb = 0;
	size_t data = 0;
	char buf[20000];
	bool fin = false;
	int i;

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup(8), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	memset(buf, 'f', sizeof(buf));
	CHECK(send(cn.host, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf));
	close(cn.host);
	for (i = 0; i < 200 && !fin; i++) {
		if (guest_recv(&s, &nb, 300)) {
			vt_post_rx(4); /* a little room at a time */
			continue;
		}
		if (s.len) {
			CHECK_INT(s.seq, cn.ack + data);
			data += s.len;
		}
		if (s.flags & FT_FIN) {
			fin = true;
			CHECK_INT(s.seq, cn.ack + sizeof(buf));
		}
	}
	CHECK(fin);
	CHECK_INT(data, sizeof(buf));
	tcp_close_all(&vt.c);
}

/* Request/response: once the socket is drained, the guest's ACK of the
 * response finds nothing new (new data brings a socket event), so it
 * costs no peek; data that comes later still goes out. */
TEST(vu_guest_ack_of_drained_data_costs_no_peek)
{
	struct conn cn;
	struct ft_seg s;

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup(QUEUE_SIZE), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	CHECK_INT(send(cn.host, "response", 8, 0), 8);
	CHECK(!guest_recv(&s, NULL, 2000));
	CHECK_INT(s.len, 8);
	cn.ack += 8;
	peeks = 0;
	s = seg_of(&cn, FT_ACK);
	guest_send(&s);
	CHECK_INT(peeks, 0);
	CHECK_INT(send(cn.host, "later", 5, 0), 5);
	CHECK(!guest_recv(&s, NULL, 2000));
	CHECK_INT(s.len, 5);
	CHECK_INT(s.seq, cn.ack);
	CHECK(!memcmp(s.payload, "later", 5));
	tcp_close_all(&vt.c);
}

TEST(vu_guest_data_reaches_host)
{
	struct conn cn;
	struct ft_seg s;
	struct pollfd p;
	char buf[16];

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup(QUEUE_SIZE), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	s = seg_of(&cn, FT_ACK | FT_PSH);
	s.payload = (const uint8_t *)"over vhost";
	s.len = 10;
	guest_send(&s);
	CHECK(!guest_recv(&s, NULL, 2000));
	CHECK_INT(s.ack, cn.seq + 10);
	p.fd = cn.host;
	p.events = POLLIN;
	CHECK_INT(poll(&p, 1, 2000), 1);
	CHECK_INT(recv(cn.host, buf, sizeof(buf), 0), 10);
	CHECK(!memcmp(buf, "over vhost", 10));
	tcp_close_all(&vt.c);
}

/* An RX buffer too small for a frame's headers comes first: vunetd
 * writes them across it and the next buffer, rather than give the
 * buffer back and find it first again forever. */
TEST(vu_headers_span_a_first_rx_buffer_shorter_than_them)
{
	struct conn cn;
	struct ft_seg s;
	unsigned nb = 0;

	CHECK_INT(vt_setup(1), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	CHECK_INT(fe_rx_post(vt.fe, 1, 40), 0);
	vt_post_rx(8);
	CHECK(send(cn.host, "split", 5, 0) == 5);
	CHECK_INT(guest_recv(&s, &nb, 2000), 0);
	CHECK_INT(s.len, 5);
	CHECK(!memcmp(s.payload, "split", 5));
	CHECK(nb >= 2);
	tcp_close_all(&vt.c);
}

/* Buffers too small for even the headers, and then larger ones that the
 * guest adds without being asked to notify: the timer resumes sending. */
TEST(vu_timer_resumes_sending_stopped_by_too_small_rx_buffers)
{
	struct conn cn;
	struct ft_seg s;
	struct timespec later;
	unsigned nb = 0;

	CHECK_INT(vt_setup(1), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	CHECK_INT(fe_rx_post(vt.fe, 1, 40), 0);
	CHECK(send(cn.host, "later", 5, 0) == 5);
	CHECK(guest_recv(&s, &nb, 300) < 0);
	vt_post_rx(8);
	vt_pump(&vt.c);
	CHECK(fe_rx_recv(vt.fe, rxbuf, sizeof(rxbuf), &nb) == -EAGAIN);
	clock_gettime(CLOCK_MONOTONIC, &later);
	later.tv_sec += 1;
	tcp_timer(&vt.c, &later);
	CHECK_INT(guest_recv(&s, &nb, 2000), 0);
	CHECK_INT(s.len, 5);
	CHECK(!memcmp(s.payload, "later", 5));
	tcp_close_all(&vt.c);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
