/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest-facing side of vunetd (passt calls it "tap", though no tap
 * device is involved): frames from the guest are dispatched here to the
 * protocol handlers; frames for the guest leave through here, to the
 * vhost-user device or to the stream socket, whichever the front-end uses.
 */
#ifndef VUNET_BACKEND_TAP_H
#define VUNET_BACKEND_TAP_H

#include <stddef.h>
#include <sys/uio.h>

struct ctx;

/* One frame from the guest (Ethernet header first).  IOV may point into
 * guest memory and is only valid during the call. */
void tap_handler(struct ctx *c, const struct iovec *iov, size_t iovcnt,
		 size_t len);
/* The end of a batch of frames from the guest. */
void tap_batch_done(struct ctx *c);

/* Queues one frame (Ethernet header first) for the guest.  Returns 0 or a
 * negative errno; a frame that cannot be delivered is counted as dropped. */
int tap_send_frame(struct ctx *c, const struct iovec *iov, size_t iovcnt);
/* Ends a batch of frames for the guest (one notification). */
void tap_flush(struct ctx *c);

#endif /* VUNET_BACKEND_TAP_H */
