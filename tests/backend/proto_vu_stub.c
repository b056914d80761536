// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test double for the vhost-user transport, linked into the protocol
 * tests only.
 *
 * Those tests drive the real tap.c in stream mode (see proto_harness.h),
 * which never reaches the vhost-user device; tap.c (and tcp.c's zero-copy
 * path) still reference these functions for MODE_VU, so they must exist.  Linking the real
 * vhost_user.c instead would pull in the virtqueue code and the rest of
 * vunetd for nothing these tests exercise.  They refuse, as a device that
 * is not connected would, so a test that wrongly ended up in MODE_VU
 * would see its frames dropped rather than silently captured.
 */
#include <errno.h>

#include "backend/vhost_user.h"

int vu_send_frame(struct vu_dev *dev, const struct iovec *iov, size_t iovcnt)
{
	return -ENOTCONN;
}

void vu_rx_flush(struct vu_dev *dev)
{
}

ssize_t vu_rx_reserve(struct vu_dev *dev, struct vu_rx_frame *f, size_t max_len)
{
	return -ENOTCONN;
}

void vu_rx_commit(struct vu_dev *dev, struct vu_rx_frame *f, size_t len)
{
}

unsigned vu_rx_offloads(const struct vu_dev *dev)
{
	return 0;
}

bool vu_rx_has_room(struct vu_dev *dev, size_t len)
{
	return true; /* not connected: sends are dropped, nothing to wait for */
}
