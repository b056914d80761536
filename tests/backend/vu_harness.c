// SPDX-License-Identifier: GPL-2.0-or-later
/* The in-process vhost-user set-up of the vhost-user tests: see
 * vu_harness.h. */
#include "tests/backend/vu_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/epoll_ref.h"
#include "backend/tap.h"
#include "backend/tcp.h"
#include "backend/udp.h"
#include "backend/vhost_user.h"
#include "tests/backend/test_flow_harness.h"

/* The one harness of the process, for the exit-time clean-up. */
static struct vu_harness *current;

static void frame_from_guest(void *opaque, const struct iovec *iov,
			     size_t iovcnt, size_t len, unsigned flags)
{
	tap_handler(opaque, iov, iovcnt, len,
		    (flags & VU_FRAME_CSUM_VALID) ? TAP_FRAME_CSUM_VALID : 0);
}

static void guest_batch_done(void *opaque)
{
	tap_batch_done(opaque);
}

static void rx_ready(void *opaque)
{
	current->rx_ready++;
	tap_rx_ready(opaque); /* as vunetd: TCP and UDP go on */
}

static const struct vu_frame_ops ops = {
	.frame_from_guest = frame_from_guest,
	.guest_batch_done = guest_batch_done,
	.rx_ready = rx_ready,
};

static void dispatch(struct vu_harness *h, union epoll_ref ref,
		     uint32_t events)
{
	struct ctx *c = &h->c;
	int fd;

	switch (ref.type) {
	case EPOLL_TYPE_LISTEN:
		fd = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			vu_dev_connect(c->vdev, fd);
		break;
	case EPOLL_TYPE_VHOST_CMD:
		vu_dev_handle_control(c->vdev, events);
		break;
	case EPOLL_TYPE_VHOST_KICK:
		vu_dev_handle_kick(c->vdev, ref.idx);
		break;
	case EPOLL_TYPE_TCP:
		tcp_sock_handler(c, ref, events);
		break;
	case EPOLL_TYPE_TCP_LISTEN:
		tcp_listen_handler(c, ref, events);
		break;
	case EPOLL_TYPE_UDP:
		udp_sock_handler(c, ref, events);
		break;
	default:
		break;
	}
}

void vu_harness_pump(void *arg)
{
	struct vu_harness *h = arg;
	int rounds, n, i;

	for (rounds = 0; rounds < 64; rounds++) {
		struct epoll_event ev[32];

		n = epoll_wait(h->c.epollfd, ev, 32, 0);
		if (n <= 0)
			return;
		for (i = 0; i < n; i++)
			dispatch(h, (union epoll_ref){ .u64 = ev[i].data.u64 },
				 ev[i].events);
	}
}

static int listen_on_socket(struct vu_harness *h, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	union epoll_ref ref = { .type = EPOLL_TYPE_LISTEN };
	struct epoll_event ev = { .events = EPOLLIN };

	snprintf(h->dir, sizeof(h->dir), "/tmp/vunet-%s-XXXXXX", name);
	if (!mkdtemp(h->dir))
		return -1;
	snprintf(h->path, sizeof(h->path), "%s/vhost.sock", h->dir);
	strcpy(sa.sun_path, h->path);
	h->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->listen_fd < 0 ||
	    bind(h->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(h->listen_fd, 4))
		return -1;
	ref.fd = h->listen_fd;
	ev.data.u64 = ref.u64;
	return epoll_ctl(h->c.epollfd, EPOLL_CTL_ADD, h->listen_fd, &ev);
}

static void remove_socket(void)
{
	if (current && current->path[0])
		unlink(current->path);
	if (current && current->dir[0])
		rmdir(current->dir);
}

int vu_harness_start(struct vu_harness *h, const char *name)
{
	current = h;
	if (ft_setup(&h->c, 64))
		return -1;
	atexit(remove_socket);
	h->c.mode = MODE_VU;
	h->c.vdev = vu_dev_new(h->c.epollfd, &ops, &h->c);
	if (!h->c.vdev || listen_on_socket(h, name))
		return -1;
	vu_dev_set_drop_counters(h->c.vdev, h->c.stats.drops);
	return 0;
}

int vu_harness_connect(struct vu_harness *h, struct fe *fe)
{
	fe->pump = vu_harness_pump;
	fe->pump_arg = h;
	return fe_connect(fe, h->path, 2000) ||
	       fe_handshake(fe, FE_STYLE_QEMU) ? -1 : 0;
}
