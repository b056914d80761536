/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An in-process vhost-user device for the backend tests.
 *
 * Theory of operation: struct tdev owns what vunetd's main loop would:
 * an epoll set, a listening unix socket in a fresh temporary directory,
 * and a struct vu_dev whose frame handler records what the guest sent.
 * tdev_pump() is the main loop's body, run without blocking: it handles
 * every ready event (accept, control messages, kicks) and returns when
 * none is left, so a test and the test front-end (frontend.h, whose
 * fe->pump it is) take turns in one thread, deterministically.
 *
 * With echo set, the handler sends each frame straight back to the guest
 * (as vunetd's ARP or DHCP code answers from inside the handler) and the
 * end of the batch flushes RX, as tap_batch_done() does.
 *
 * Counters the tests look at: frames and batches seen by the handler,
 * rx_ready calls, and the drop counters (indexed by enum drop_reason)
 * the device was given.
 */
#ifndef VUNET_TESTS_VHOST_USER_DEV_H
#define VUNET_TESTS_VHOST_USER_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "backend/ctx.h"
#include "frontend.h"

#define TDEV_FRAME_MAX 65536

struct tdev {
	int epfd, listen_fd;
	char dir[64];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct vu_dev *dev;
	uint64_t drops[DROP_NUM_REASONS];
	unsigned frames, batches, rx_ready;
	bool iov_len_mismatch; /* a frame's iovecs did not add up to len */
	bool echo; /* send every guest frame back from inside the handler */
	uint8_t last_frame[TDEV_FRAME_MAX];
	size_t last_len;
	unsigned last_iovcnt;
	unsigned last_flags; /* VU_FRAME_* of the last frame */
};

/* NULL on error (reported on stderr). */
struct tdev *tdev_new(void);
void tdev_free(struct tdev *t);
/* Runs the device until no event is pending (fe->pump). */
void tdev_pump(void *t);
/* A front-end connected to T (not yet handshaken); NULL on error. */
struct fe *tdev_frontend(struct tdev *t, const struct fe_config *cfg);
/* The same, after the whole handshake in STYLE. */
struct fe *tdev_frontend_started(struct tdev *t, const struct fe_config *cfg,
				 enum fe_style style);
/* Number of open file descriptors of this process. */
int tdev_count_fds(void);
/* Number of mappings of the test front-end's guest memory. */
int tdev_count_guest_maps(void);

#endif /* VUNET_TESTS_VHOST_USER_DEV_H */
