/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vhost-user device: vunetd's side of QEMU's vhost-user protocol for a
 * virtio-net device (see vhost_user.c for the theory of operation).
 *
 * This header is the boundary between the device and the rest of vunetd:
 *  - the event loop hands it control-socket and kick events;
 *  - frames the guest sends are passed, one call per frame, to the frame
 *    handler given at init, as iovecs pointing straight into guest memory
 *    (valid only during the call; no copy is made), with what their
 *    virtio-net header says (VU_FRAME_*), followed by one end-of-batch
 *    call;
 *  - frames for the guest are either copied in with vu_send_frame(), or,
 *    on the zero-copy path, written by the caller into guest buffers it
 *    reserved with vu_rx_reserve() and then completed with vu_rx_commit()
 *    (or, several frames at once, vu_rx_reserve_batch() and
 *    vu_rx_commit_batch());
 *  - vu_rx_flush() ends a batch of frames for the guest: one used-index
 *    update and at most one notification.
 *
 * Offloads (virtio 1.x 5.1.6.2, 5.1.6.4), offered to every front-end and
 * used as far as it negotiated them.  From the guest: with CSUM, a frame
 * marked NEEDS_CSUM (its L4 checksum holds only the pseudo-header sum) or
 * DATA_VALID comes with VU_FRAME_CSUM_VALID, and its checksum is not to
 * be verified; with HOST_TSO4/6 a TCP frame may be up to 64 KiB whatever
 * the MTU (it is handled as one large segment).  A frame claiming a
 * segmentation offload that was not negotiated is dropped
 * (DROP_BAD_OFFLOAD).  To the guest: vu_rx_offloads() says what the guest
 * accepts, and a reserved frame's offload fields fill its header.
 */
#ifndef VUNET_BACKEND_VHOST_USER_H
#define VUNET_BACKEND_VHOST_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct vu_dev;

/* Flags of a frame from the guest. */
enum vu_frame_flag {
	/* The guest left the L4 checksum to the device (NEEDS_CSUM) or
	 * vouched for it (DATA_VALID), and CSUM was negotiated: do not
	 * verify it. */
	VU_FRAME_CSUM_VALID = 1,
};

/* Offloads the guest accepts on frames to it (vu_rx_offloads()). */
enum vu_rx_offload_flag {
	VU_RX_CSUM = 1, /* GUEST_CSUM: DATA_VALID, or a partial checksum */
	VU_RX_TSO4 = 2, /* GUEST_TSO4 (with GUEST_CSUM): TCP/IPv4 above MTU */
	VU_RX_TSO6 = 4, /* GUEST_TSO6 (with GUEST_CSUM) */
};

struct vu_frame_ops {
	/* One frame from the guest (virtio-net header already stripped);
	 * FLAGS: VU_FRAME_*. */
	void (*frame_from_guest)(void *opaque, const struct iovec *iov,
				 size_t iovcnt, size_t len, unsigned flags);
	/* The current batch of guest frames is complete. */
	void (*guest_batch_done)(void *opaque);
	/* The guest's RX queue became usable (or got new buffers after it
	 * was found empty): producers blocked on it may retry. */
	void (*rx_ready)(void *opaque);
};

/* Largest number of guest buffers one reserved frame may span. */
#define VU_RX_MAX_IOV 64

/* How a frame to the guest is marked in its virtio-net header.  All zero
 * (as vu_rx_reserve() leaves it): a whole frame with full checksums.
 * Fields the front-end did not negotiate (vu_rx_offloads()) are left
 * out of the header. */
struct vu_rx_offload {
	bool data_valid;     /* DATA_VALID: the L4 checksum is not filled in */
	bool partial_csum;   /* NEEDS_CSUM: the L4 checksum field holds the
			      * pseudo-header sum, to be completed from
			      * csum_start, storing at csum_start + csum_offset */
	uint16_t csum_start, csum_offset;
	uint16_t hdr_len;    /* Ethernet + IP + L4 header bytes */
	uint16_t gso_size;   /* non-zero: a TCP frame above the MTU, to be
			      * seen as segments of this many payload bytes
			      * (needs partial_csum and TSO4/TSO6) */
	bool gso_v6;         /* TCPV6 rather than TCPV4 */
};

/* Marks O for a partial L4 checksum (NEEDS_CSUM): the L4 header at
 * L4_OFF in the frame, its checksum field CSUM_OFFSET bytes into it
 * (holding the pseudo-header sum: csum_l4_field()), HDR_LEN bytes of
 * headers in all. */
static inline void vu_rx_offload_partial_csum(struct vu_rx_offload *o,
					      size_t l4_off,
					      size_t csum_offset,
					      size_t hdr_len)
{
	o->partial_csum = true;
	o->csum_start = (uint16_t)l4_off;
	o->csum_offset = (uint16_t)csum_offset;
	o->hdr_len = (uint16_t)hdr_len;
}

/* Guest buffers reserved for one frame to the guest. */
struct vu_rx_frame {
	struct iovec iov[VU_RX_MAX_IOV]; /* after the virtio-net header */
	size_t iovcnt;
	size_t capacity; /* bytes available in iov[] */
	struct vu_rx_offload offload; /* set by the caller before commit */
	/* private to vhost_user.c */
	uint16_t heads[VU_RX_MAX_IOV];
	uint16_t slots[VU_RX_MAX_IOV]; /* available-ring position of each */
	uint32_t head_lens[VU_RX_MAX_IOV];
	size_t n_heads;
	void *hdr; /* where the virtio-net header goes */
};

/* Allocates the device; epoll_fd is vunetd's loop.  NULL on error. */
struct vu_dev *vu_dev_new(int epoll_fd, const struct vu_frame_ops *ops,
			  void *opaque);
void vu_dev_free(struct vu_dev *dev);
/* Where the device counts the frames it drops: an array indexed by enum
 * drop_reason (backend/ctx.h), normally ctx->stats.drops.  The device
 * counts DROP_BAD_DESCRIPTOR, DROP_TOO_SHORT (a guest frame with nothing
 * after its virtio-net header), DROP_BAD_OFFLOAD (a segmentation offload
 * that was not negotiated) and DROP_RX_NO_BUFFERS (vu_send_frame()
 * only).  Until set, the device uses an array of its own. */
void vu_dev_set_drop_counters(struct vu_dev *dev, uint64_t *drops);
/* True while a front-end is connected. */
bool vu_dev_connected(const struct vu_dev *dev);

/* A front-end connected on FD (accepted or passed with --fd).  Returns 0,
 * or a negative errno when FD was refused (another front-end is there, or
 * FD cannot be watched: not a socket): FD is then closed. */
int vu_dev_connect(struct vu_dev *dev, int fd);
/* Handles EPOLL_TYPE_VHOST_CMD.  Returns false when the front-end is gone
 * (the device has been reset and the fd closed). */
bool vu_dev_handle_control(struct vu_dev *dev, uint32_t events);
/* Handles EPOLL_TYPE_VHOST_KICK for queue QIDX. */
void vu_dev_handle_kick(struct vu_dev *dev, unsigned qidx);
/* True once the guest's RX queue is enabled and has buffers mapped. */
bool vu_dev_rx_usable(const struct vu_dev *dev);
/* The offloads the front-end negotiated for frames to the guest:
 * VU_RX_* flags (0 until features are set). */
unsigned vu_rx_offloads(const struct vu_dev *dev);

/* Copies one frame (without virtio-net header) into the guest's RX queue.
 * Returns the length queued, or a negative errno (-ENOBUFS: no buffers,
 * or not enough for the frame); the frame is then counted as dropped
 * (DROP_RX_NO_BUFFERS) here, and rx_ready will be called once the guest
 * adds buffers.  Not visible to the guest before vu_rx_flush(). */
int vu_send_frame(struct vu_dev *dev, const struct iovec *iov, size_t iovcnt);

/* Zero-copy RX: reserve guest buffers for a frame of up to MAX_LEN bytes
 * (MRG_RXBUF chains when negotiated).  Returns the capacity reserved
 * (possibly less than MAX_LEN), or a negative errno (-ENOBUFS: no buffers,
 * rx_ready will follow; -ENOTCONN: RX queue not usable; -EBUSY: another
 * reservation is outstanding, commit it first).  Nothing is counted as
 * dropped here: the caller decides.  vu_send_frame() reserves too: do not
 * call it between vu_rx_reserve() and vu_rx_commit(). */
ssize_t vu_rx_reserve(struct vu_dev *dev, struct vu_rx_frame *f, size_t max_len);
/* Completes a reserved frame with LEN bytes written; LEN 0 gives the
 * buffers back unused. */
void vu_rx_commit(struct vu_dev *dev, struct vu_rx_frame *f, size_t len);
/* Zero-copy RX of several frames at once (one recvmmsg() into them):
 * reserves up to N frames in F[0..N): the first of up to FIRST_LEN bytes
 * (the size of the data known to be waiting, so that small merged
 * buffers are not popped by the dozen for a small frame), any further
 * ones of up to MAX_LEN bytes.
 * Returns the number of frames reserved, at least 1, or a negative errno
 * as vu_rx_reserve().  The first frame is for a datagram, whole or not at
 * all: when the buffers available are too few for FIRST_LEN bytes but
 * more merged ones would do, nothing is reserved and -ENOBUFS returned
 * (rx_ready follows when the guest adds buffers); the first frame is
 * short of FIRST_LEN only when no buffers the guest adds could help
 * (without MRG_RXBUF, one buffer too small), and the caller drops it.  More than one frame is reserved only while each
 * frame is one guest buffer holding MAX_LEN bytes: then no frame can be
 * completed short, and the buffers given back are always the last ones
 * popped (a merged frame completed short in the middle of a batch would
 * leave buffers that can neither be used nor given back). */
ssize_t vu_rx_reserve_batch(struct vu_dev *dev, struct vu_rx_frame *f,
			    size_t n, size_t first_len, size_t max_len);
/* Completes F[0..N_FILLED) with LEN[i] bytes each (LEN[i] > 0) and gives
 * back the buffers of F[N_FILLED..N), N as vu_rx_reserve_batch() returned
 * it. */
void vu_rx_commit_batch(struct vu_dev *dev, struct vu_rx_frame *f, size_t n,
			const size_t *len, size_t n_filled);
/* Whether the guest has buffers for a frame of LEN bytes now, for a
 * producer that can leave its data where it is (a datagram in its
 * socket) until they come.  False: not now, and rx_ready will be called
 * when the guest adds buffers.  True also when the queue is not running
 * or no buffers it may add would hold the frame: vu_send_frame() then
 * drops it, counted, as there is nothing to wait for.  Reserves nothing. */
bool vu_rx_has_room(struct vu_dev *dev, size_t len);
/* Ends a batch of frames to the guest: used index, then notification. */
void vu_rx_flush(struct vu_dev *dev);

#endif /* VUNET_BACKEND_VHOST_USER_H */
