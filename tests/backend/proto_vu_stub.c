// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test double for the vhost-user transport, linked into the protocol
 * tests only.  Those tests drive the real tap.c in stream mode (see
 * proto_harness.h), which never reaches the vhost-user device; tap.c
 * still references these two functions for MODE_VU, so they must exist.
 * They refuse, as a device that is not connected would.
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
