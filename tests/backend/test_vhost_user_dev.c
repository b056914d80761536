// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The in-process vhost-user device for the backend tests (the model is in
 * test_vhost_user_dev.h).
 *
 * This is a miniature of vunetd's main loop: one epoll set holding the
 * listening socket (EPOLL_TYPE_LISTEN), the control connection and the
 * kick eventfds the device registers itself.  tdev_pump() never blocks
 * (epoll_wait with a zero timeout) and handles at most
 * TDEV_MAX_EVENTS_PER_PUMP events, so a device that keeps re-arming its
 * own kick cannot hang a test.  The frame handler copies each frame into
 * last_frame (bounded) and checks its iovecs add up to the length the
 * device claimed.  The helpers at the end count this process's open file
 * descriptors and mappings of the front-end's memfd, which is how the
 * tests see that the device closes and unmaps what it was given.
 */
#include "test_vhost_user_dev.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/epoll_ref.h"
#include "backend/vhost_user.h"

/* Events handled per pump: far more than any test produces at once; a
 * device that keeps re-arming itself forever still returns. */
#define TDEV_MAX_EVENTS_PER_PUMP 4096

static void record_frame(void *opaque, const struct iovec *iov, size_t iovcnt,
			 size_t len, unsigned flags)
{
	struct tdev *t = opaque;
	size_t i, off = 0;

	for (i = 0; i < iovcnt; i++) {
		size_t n = iov[i].iov_len;

		if (off + n <= sizeof(t->last_frame))
			memcpy(t->last_frame + off, iov[i].iov_base, n);
		off += n;
	}
	t->iov_len_mismatch |= off != len;
	t->last_len = len;
	t->last_iovcnt = (unsigned)iovcnt;
	t->last_flags = flags;
	t->frames++;
	if (t->echo && len <= sizeof(t->last_frame)) {
		struct iovec back = { t->last_frame, len };

		vu_send_frame(t->dev, &back, 1);
	}
}

static void record_batch(void *opaque)
{
	struct tdev *t = opaque;

	t->batches++;
	if (t->echo)
		vu_rx_flush(t->dev);
}

static void record_rx_ready(void *opaque)
{
	((struct tdev *)opaque)->rx_ready++;
}

static const struct vu_frame_ops tdev_ops = {
	.frame_from_guest = record_frame,
	.guest_batch_done = record_batch,
	.rx_ready = record_rx_ready,
};

static int listen_on(struct tdev *t)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	union epoll_ref ref = { .type = EPOLL_TYPE_LISTEN };
	struct epoll_event ev = { .events = EPOLLIN };

	strcpy(t->dir, "/tmp/vunet-test-XXXXXX");
	if (!mkdtemp(t->dir))
		return -errno;
	snprintf(t->path, sizeof(t->path), "%s/vhost.sock", t->dir);
	strcpy(sa.sun_path, t->path);
	t->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (t->listen_fd < 0 ||
	    bind(t->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(t->listen_fd, 4) < 0)
		return -errno;
	ref.fd = t->listen_fd;
	ev.data.u64 = ref.u64;
	if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, t->listen_fd, &ev) < 0)
		return -errno;
	return 0;
}

struct tdev *tdev_new(void)
{
	struct tdev *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->listen_fd = -1;
	t->epfd = epoll_create1(EPOLL_CLOEXEC);
	t->dev = vu_dev_new(t->epfd, &tdev_ops, t);
	if (t->epfd < 0 || !t->dev || listen_on(t)) {
		fprintf(stderr, "tdev: setup failed: %s\n", strerror(errno));
		tdev_free(t);
		return NULL;
	}
	vu_dev_set_drop_counters(t->dev, t->drops);
	return t;
}

void tdev_free(struct tdev *t)
{
	if (!t)
		return;
	vu_dev_free(t->dev);
	if (t->listen_fd >= 0)
		close(t->listen_fd);
	if (t->epfd >= 0)
		close(t->epfd);
	if (t->path[0])
		unlink(t->path);
	if (t->dir[0])
		rmdir(t->dir);
	free(t);
}

static void dispatch(struct tdev *t, const struct epoll_event *ev)
{
	union epoll_ref ref = { .u64 = ev->data.u64 };
	int fd;

	switch (ref.type) {
	case EPOLL_TYPE_LISTEN:
		fd = accept4(t->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			vu_dev_connect(t->dev, fd);
		break;
	case EPOLL_TYPE_VHOST_CMD:
		vu_dev_handle_control(t->dev, ev->events);
		break;
	case EPOLL_TYPE_VHOST_KICK:
		vu_dev_handle_kick(t->dev, ref.idx);
		break;
	default:
		fprintf(stderr, "tdev: unexpected epoll type %u\n", ref.type);
		abort();
	}
}

void tdev_pump(void *arg)
{
	struct tdev *t = arg;
	unsigned handled = 0;

	while (handled < TDEV_MAX_EVENTS_PER_PUMP) {
		struct epoll_event ev[16];
		int i, n = epoll_wait(t->epfd, ev, 16, 0);

		if (n <= 0)
			break;
		for (i = 0; i < n; i++)
			dispatch(t, &ev[i]);
		handled += (unsigned)n;
	}
}

struct fe *tdev_frontend(struct tdev *t, const struct fe_config *cfg)
{
	struct fe *fe = fe_new(cfg);

	if (!fe)
		return NULL;
	fe->pump = tdev_pump;
	fe->pump_arg = t;
	if (fe_connect(fe, t->path, 2000)) {
		fe_free(fe);
		return NULL;
	}
	tdev_pump(t);
	return fe;
}

struct fe *tdev_frontend_started(struct tdev *t, const struct fe_config *cfg,
				 enum fe_style style)
{
	struct fe *fe = tdev_frontend(t, cfg);

	if (fe && fe_handshake(fe, style)) {
		fe_free(fe);
		return NULL;
	}
	if (fe)
		tdev_pump(t);
	return fe;
}

int tdev_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory stream itself */
}

int tdev_count_guest_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "fe-guest-ram") != NULL;
	fclose(f);
	return n;
}
