// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The vhost-user virtio-net device: vunetd's side of QEMU's vhost-user
 * protocol (QEMU docs/interop/vhost-user.rst), for one queue pair.
 *
 * Theory of operation.  One front-end (QEMU, DPDK's virtio-user, the test
 * front-end) is connected at a time over a unix stream socket.  Each
 * control message is a 12-byte header (request, flags, payload size), a
 * payload and possibly file descriptors (SCM_RIGHTS).  We read the header
 * with recvmsg(), cap the payload size, then check the exact size, the
 * number of descriptors and every index against the request before acting
 * on it.  Descriptors we do not keep are closed after every message.
 *
 * Errors: when the front-end asked for a reply (REPLY_ACK negotiated and
 * the need_reply flag set) a failed request is answered with a non-zero
 * status and the connection stays; otherwise a failed request, a request
 * that cannot be answered, or a broken message drops the connection.
 * Replies are sent without waiting (MSG_DONTWAIT): a front-end whose
 * socket buffer is full does not read them, and is dropped rather than
 * allowed to stall the one event loop.
 * Dropping it resets the device completely (rings stopped, memory
 * unmapped, every descriptor closed) so the next front-end starts afresh.
 *
 * State: the guest memory table (virtqueue.h), and per queue (0 = RX,
 * 1 = TX) the ring, its kick and call eventfds, and two flags: "started"
 * (SET_VRING_KICK received, until GET_VRING_BASE) and "enabled"
 * (SET_VRING_ENABLE, or implied at start when VHOST_USER_F_PROTOCOL_FEATURES
 * was not negotiated).  A queue carries traffic when both are set.
 * "enabled" survives a stop and a new start: QEMU 7.2 enables the rings
 * once, before it first starts them, and not again after a restart.
 * A queue the guest broke (an available index moved past the ring size)
 * stays stopped, logged once, until SET_VRING_BASE gives it a base again
 * (QEMU sends it before every start, also after the guest reset the
 * device) or the device is reset; SET_VRING_ENABLE re-initialises
 * nothing, so it does not revive it.
 *
 * Data path (no allocation, no logging, no per-frame system call):
 *  - TX: a kick drains up to VU_TX_BATCH chains per round, hands each
 *    frame to frame_from_guest() as iovecs into guest memory (virtio-net
 *    header stripped), then guest_batch_done(), one used-index store and
 *    at most one call.  After VU_TX_ROUNDS rounds we kick ourselves, so
 *    other file descriptors get their turn.
 *  - RX: frames are copied (vu_send_frame) or written in place
 *    (vu_rx_reserve/commit) into guest buffers, merged across chains with
 *    MRG_RXBUF; vu_rx_flush() publishes them.  With no buffers, we ask the
 *    guest to kick the RX queue and call rx_ready() when it does.  A
 *    frame that must go whole (a datagram: vu_rx_reserve_batch(),
 *    vu_rx_has_room(); any frame vu_send_frame() copies) and finds too
 *    few merged buffers waits the same way, the kick asked for buffers
 *    beyond those already there; only a frame that no added buffer would
 *    fit is left to its producer to drop.  Chains are popped in
 *    available-ring order and a reservation gives back what it did not
 *    use by rewinding to its first unused chain, so at most one
 *    reservation is outstanding, or one batch (vu_rx_reserve_batch) of
 *    single-buffer frames, which are committed in order and given back
 *    from the first unfilled one.
 *  - bad chains (vq_pop() reports them) go back used and empty at once,
 *    and are counted.  Every chain reaches the used ring exactly once: a
 *    reservation that is given back un-pops only the chains after the
 *    last bad one it met; those before it return used and empty.
 */
#include "backend/vhost_user.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/ctx.h"
#include "backend/epoll_ref.h"
#include "backend/virtqueue.h"
#include "util/log.h"

enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_SEND_RARP = 19,
	VU_NET_SET_MTU = 20,
	VU_SET_BACKEND_REQ_FD = 21,
	VU_RESET_DEVICE = 34,
	VU_GET_MAX_MEM_SLOTS = 36,
	VU_SET_STATUS = 39,
	VU_GET_STATUS = 40,
	VU_NUM_REQUESTS,
};

#define VU_FLAG_VERSION 0x1
#define VU_FLAG_VERSION_MASK 0x3
#define VU_FLAG_REPLY 0x4
#define VU_FLAG_NEED_REPLY 0x8
#define VU_VRING_IDX_MASK 0xffULL
#define VU_VRING_NOFD 0x100ULL

#define F_NOTIFY_ON_EMPTY 24
#define F_RING_INDIRECT_DESC 28
#define F_RING_EVENT_IDX 29
#define F_PROTOCOL_FEATURES 30
#define F_VERSION_1 32
#define F_NET_MRG_RXBUF 15
/* virtio-net offloads (virtio 1.x 5.1.3): checksums and TCP segmentation
 * each way.  vunetd terminates TCP/UDP, so it need not check a checksum
 * the guest left to the device, nor cut a large segment into MSS-sized
 * ones: the host socket takes the whole payload. */
#define F_NET_CSUM 0        /* guest may send partial checksums */
#define F_NET_GUEST_CSUM 1  /* we may send frames without full checksums */
#define F_NET_GUEST_TSO4 7  /* we may send TCP/IPv4 frames above the MTU */
#define F_NET_GUEST_TSO6 8
#define F_NET_HOST_TSO4 11  /* guest may send TCP/IPv4 frames above the MTU */
#define F_NET_HOST_TSO6 12

#define PF_MQ 0
#define PF_REPLY_ACK 3
#define PF_RESET_DEVICE 13
#define PF_STATUS 16

#define BIT(n) (1ULL << (n))

static const uint64_t vu_features = BIT(F_VERSION_1) | BIT(F_NET_MRG_RXBUF) |
	BIT(F_RING_EVENT_IDX) | BIT(F_RING_INDIRECT_DESC) |
	BIT(F_NOTIFY_ON_EMPTY) | BIT(F_PROTOCOL_FEATURES) |
	BIT(F_NET_CSUM) | BIT(F_NET_GUEST_CSUM) |
	BIT(F_NET_GUEST_TSO4) | BIT(F_NET_GUEST_TSO6) |
	BIT(F_NET_HOST_TSO4) | BIT(F_NET_HOST_TSO6);
static const uint64_t vu_protocol_features = BIT(PF_MQ) | BIT(PF_REPLY_ACK) |
	BIT(PF_RESET_DEVICE) | BIT(PF_STATUS);

#define VU_RXQ 0
#define VU_TXQ 1
#define VU_NUM_QUEUES 2
/* Queue pairs reported by GET_QUEUE_NUM. */
#define VU_QUEUE_PAIRS 1
/* Chains handled per TX round, and rounds per kick before yielding. */
#define VU_TX_BATCH 64
#define VU_TX_ROUNDS 4
/* RX frames committed before vu_rx_flush() is forced, so a producer that
 * never flushes still cannot fill the used ring unseen. */
#define VU_RX_BATCH 64
/* No message we accept carries more; larger ones cannot be resynchronised
 * and drop the connection. */
#define VU_MSG_MAX_PAYLOAD 4096
#define VU_MAX_FDS VQ_MAX_REGIONS
/* A front-end that stalls in the middle of a message is dropped. */
#define VU_RECV_TIMEOUT_MS 1000
#define VU_EINTR_RETRIES 8

/* virtio-net header flags and GSO types (virtio 1.x 5.1.6). */
#define NET_HDR_F_NEEDS_CSUM 1
#define NET_HDR_F_DATA_VALID 2
#define NET_HDR_GSO_NONE 0
#define NET_HDR_GSO_TCPV4 1
#define NET_HDR_GSO_TCPV6 4
#define NET_HDR_GSO_ECN 0x80

/* virtio-net header, with num_buffers (VERSION_1 or MRG_RXBUF). */
struct vu_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};

struct vu_msg_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
};

struct vu_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc, used, avail, log;
};

struct vu_mem_region_msg {
	uint64_t gpa, size, uva, mmap_offset;
};

struct vu_mem_table_msg {
	uint32_t nregions;
	uint32_t padding;
	struct vu_mem_region_msg r[VQ_MAX_REGIONS];
};

struct vu_msg {
	struct vu_msg_hdr hdr;
	union {
		uint64_t u64;
		struct vu_vring_state state;
		struct vu_vring_addr addr;
		struct vu_mem_table_msg mem;
		uint8_t raw[VU_MSG_MAX_PAYLOAD];
	} p;
	int fds[VU_MAX_FDS];
	unsigned n_fds;
	/* filled by handlers of requests that reply */
	union {
		uint64_t u64;
		struct vu_vring_state state;
	} reply;
	uint32_t reply_size;
};

struct vu_queue {
	struct vq vq;
	int kick_fd, call_fd;
	bool started, enabled;
};

struct vu_dev {
	int epoll_fd;
	int conn_fd;
	const struct vu_frame_ops *ops;
	void *opaque;

	uint64_t features, protocol_features;
	uint64_t status;
	size_t hdr_len;
	unsigned rx_offloads; /* VU_RX_*: what frames to the guest may use */
	bool tx_csum;         /* CSUM: trust NEEDS_CSUM/DATA_VALID frames */
	bool tx_tso4, tx_tso6; /* HOST_TSO*, with CSUM: take GSO frames */
	struct vq_mem mem;
	struct vu_queue q[VU_NUM_QUEUES];

	bool rx_waiting; /* found RX empty: call rx_ready on the next kick */
	bool rx_reserved; /* a reservation (or a batch of them) is outstanding */
	/* the frame being reserved: how many of its chains were popped
	 * before a discarded bad chain (those cannot be un-popped) */
	unsigned rx_floor;
	bool rx_discarded; /* a bad chain was discarded while reserving */
	/* the frame being reserved took every chain the guest had made
	 * available: more buffers would have made it larger */
	bool rx_ran_dry;
	/* a batch: frames below this one were reserved before a discarded
	 * bad chain, and cannot be un-popped either */
	size_t rx_batch_floor;

	uint64_t own_drops[DROP_NUM_REASONS];
	uint64_t *drops;

	/* scratch, here rather than on the stack: no allocation per frame */
	struct vu_msg msg;
	/* Separate: the frame handler may send to the guest (RX) while a
	 * TX chain is being delivered. */
	struct vq_chain tx_chain, rx_chain;
	struct iovec tx_iov[VQ_CHAIN_MAX_IOV];
	struct vu_rx_frame send_frame;
};

/* ---- small helpers ---- */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void epoll_forget(struct vu_dev *dev, int fd)
{
	if (fd >= 0)
		epoll_ctl(dev->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
}

static int epoll_watch(struct vu_dev *dev, int fd, enum epoll_type type,
		       unsigned idx)
{
	union epoll_ref ref = { .type = type, .idx = idx, .fd = fd };
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = ref.u64 };

	if (epoll_ctl(dev->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	return 0;
}

static bool has_feature(const struct vu_dev *dev, unsigned bit)
{
	return dev->features & BIT(bit);
}

static bool queue_running(const struct vu_dev *dev, unsigned qidx)
{
	const struct vu_queue *q = &dev->q[qidx];

	return q->started && q->enabled && vq_ready(&q->vq);
}

static void notify_guest(struct vu_queue *q)
{
	if (q->call_fd >= 0 && vq_should_notify(&q->vq))
		eventfd_write(q->call_fd, 1);
}

static void stop_queue(struct vu_dev *dev, struct vu_queue *q)
{
	if (vq_ready(&q->vq)) {
		vq_flush(&q->vq);
		notify_guest(q);
	}
	epoll_forget(dev, q->kick_fd);
	close_fd(&q->kick_fd);
	q->started = false;
}

/* Derives the header size and the ring options from dev->features. */
static void apply_features(struct vu_dev *dev)
{
	unsigned i;

	dev->hdr_len = (has_feature(dev, F_VERSION_1) ||
			has_feature(dev, F_NET_MRG_RXBUF)) ?
		       sizeof(struct vu_net_hdr) :
		       offsetof(struct vu_net_hdr, num_buffers);
	dev->tx_csum = has_feature(dev, F_NET_CSUM);
	/* HOST_TSO* require CSUM (virtio 5.1.3.1): a GSO frame carries a
	 * partial checksum, which without CSUM nothing says to complete.
	 * A front-end acking them alone gets no segmentation offload. */
	dev->tx_tso4 = dev->tx_csum && has_feature(dev, F_NET_HOST_TSO4);
	dev->tx_tso6 = dev->tx_csum && has_feature(dev, F_NET_HOST_TSO6);
	dev->rx_offloads = 0;
	/* Segmentation offloads need the checksum offload (virtio 5.1.3.1):
	 * a large frame to the guest carries a partial checksum. */
	if (has_feature(dev, F_NET_GUEST_CSUM)) {
		dev->rx_offloads |= VU_RX_CSUM;
		if (has_feature(dev, F_NET_GUEST_TSO4))
			dev->rx_offloads |= VU_RX_TSO4;
		if (has_feature(dev, F_NET_GUEST_TSO6))
			dev->rx_offloads |= VU_RX_TSO6;
	}
	for (i = 0; i < VU_NUM_QUEUES; i++) {
		struct vq *q = &dev->q[i].vq;

		q->event_idx = has_feature(dev, F_RING_EVENT_IDX);
		q->indirect = has_feature(dev, F_RING_INDIRECT_DESC);
		q->notify_on_empty = has_feature(dev, F_NOTIFY_ON_EMPTY);
	}
}

/* Stops the rings and forgets the memory: the device as if new (the
 * negotiated features stay: QEMU does not negotiate them again). */
static void reset_device(struct vu_dev *dev)
{
	unsigned i;

	for (i = 0; i < VU_NUM_QUEUES; i++) {
		struct vu_queue *q = &dev->q[i];

		stop_queue(dev, q);
		close_fd(&q->call_fd);
		vq_reset(&q->vq);
		q->enabled = false;
	}
	vq_mem_unmap_all(&dev->mem);
	apply_features(dev);
	dev->rx_waiting = false;
	dev->rx_reserved = false;
	dev->status = 0;
}

static void disconnect(struct vu_dev *dev)
{
	reset_device(dev);
	epoll_forget(dev, dev->conn_fd);
	close_fd(&dev->conn_fd);
	dev->features = dev->protocol_features = 0;
	apply_features(dev);
	info("vhost-user: front-end disconnected");
}

static void rx_became_ready(struct vu_dev *dev)
{
	dev->rx_waiting = false;
	/* Kicks on RX matter only once we run out of buffers again. */
	vq_disable_notify(&dev->q[VU_RXQ].vq);
	if (queue_running(dev, VU_RXQ) && dev->ops->rx_ready)
		dev->ops->rx_ready(dev->opaque);
}

/* ---- message handlers: return 0 or a negative errno ---- */

static int reply_u64(struct vu_msg *m, uint64_t v)
{
	m->reply.u64 = v;
	m->reply_size = sizeof(uint64_t);
	return 0;
}

static int get_features(struct vu_dev *dev, struct vu_msg *m)
{
	return reply_u64(m, vu_features);
}

static int set_features(struct vu_dev *dev, struct vu_msg *m)
{
	uint64_t f = m->p.u64;

	if (f & ~vu_features)
		return -EINVAL;
	if (f != dev->features)
		info("vhost-user: features 0x%llx (checksum offload %s/%s, TSO %s/%s from/to the guest)",
		     (unsigned long long)f,
		     (f & BIT(F_NET_CSUM)) ? "on" : "off",
		     (f & BIT(F_NET_GUEST_CSUM)) ? "on" : "off",
		     ((f & BIT(F_NET_CSUM)) &&
		      (f & (BIT(F_NET_HOST_TSO4) | BIT(F_NET_HOST_TSO6)))) ?
		     "on" : "off",
		     (f & (BIT(F_NET_GUEST_TSO4) | BIT(F_NET_GUEST_TSO6))) ? "on" : "off");
	dev->features = f;
	apply_features(dev);
	return 0;
}

static int get_protocol_features(struct vu_dev *dev, struct vu_msg *m)
{
	return reply_u64(m, vu_protocol_features);
}

static int set_protocol_features(struct vu_dev *dev, struct vu_msg *m)
{
	if (m->p.u64 & ~vu_protocol_features)
		return -EINVAL;
	dev->protocol_features = m->p.u64;
	return 0;
}

static int set_owner(struct vu_dev *dev, struct vu_msg *m)
{
	return 0;
}

static int reset_owner(struct vu_dev *dev, struct vu_msg *m)
{
	reset_device(dev);
	return 0;
}

/* Checks one region of SET_MEM_TABLE and maps it into R. */
static int map_region(const struct vu_mem_region_msg *in, int fd,
		      struct vq_mem_region *r)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	/* Map from the page holding the region's start, not from the start
	 * of the file: a region high in a large memfd costs only its size. */
	uint64_t skip = in->mmap_offset % page;
	uint64_t end, len;
	struct stat st;
	void *p;

	if (!in->size || in->gpa + in->size < in->gpa ||
	    in->uva + in->size < in->uva ||
	    __builtin_add_overflow(in->mmap_offset, in->size, &end) ||
	    __builtin_add_overflow(in->size, skip, &len) || len > SIZE_MAX)
		return -EINVAL;
	/* Touching a mapping beyond the end of its file raises SIGBUS. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < end)
		return -EINVAL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
		 fd, (off_t)(in->mmap_offset - skip));
	if (p == MAP_FAILED)
		return -errno;
	r->gpa = in->gpa;
	r->size = in->size;
	r->uva = in->uva;
	r->map_base = p;
	r->map_len = len;
	r->host = (uint8_t *)p + skip;
	return 0;
}

static bool regions_overlap(const struct vq_mem *mem)
{
	unsigned i, j;

	for (i = 0; i < mem->n; i++)
		for (j = i + 1; j < mem->n; j++) {
			const struct vq_mem_region *a = &mem->r[i];
			const struct vq_mem_region *b = &mem->r[j];

			if (a->gpa < b->gpa + b->size &&
			    b->gpa < a->gpa + a->size)
				return true;
		}
	return false;
}

static int set_mem_table(struct vu_dev *dev, struct vu_msg *m)
{
	const struct vu_mem_table_msg *t = &m->p.mem;
	struct vq_mem mem = { .n = 0 };
	unsigned i;
	int rc = -EINVAL;

	if (m->hdr.size < offsetof(struct vu_mem_table_msg, r) ||
	    !t->nregions || t->nregions > VQ_MAX_REGIONS ||
	    m->hdr.size != offsetof(struct vu_mem_table_msg, r) +
			   t->nregions * sizeof(t->r[0]) ||
	    m->n_fds != t->nregions)
		goto out;
	for (i = 0; i < t->nregions; i++) {
		rc = map_region(&t->r[i], m->fds[i], &mem.r[i]);
		if (rc)
			goto out;
		mem.n++;
	}
	rc = regions_overlap(&mem) ? -EINVAL : 0;
	if (rc)
		goto out;
	vq_mem_unmap_all(&dev->mem);
	dev->mem = mem;
	mem.n = 0;
	/* Rings already set up move with the new mappings. */
	for (i = 0; i < VU_NUM_QUEUES; i++)
		if (dev->q[i].vq.addr_set)
			vq_map(&dev->q[i].vq, &dev->mem);
out:
	vq_mem_unmap_all(&mem);
	return rc;
}

static int reject_logging(struct vu_dev *dev, struct vu_msg *m)
{
	/* Dirty-page logging (migration) is not offered. */
	return -ENOTSUP;
}

static struct vu_queue *queue_of(struct vu_dev *dev, uint64_t index)
{
	return index < VU_NUM_QUEUES ? &dev->q[index] : NULL;
}

static int set_vring_num(struct vu_dev *dev, struct vu_msg *m)
{
	struct vu_queue *q = queue_of(dev, m->p.state.index);
	uint32_t num = m->p.state.num;

	if (!q || q->started || !num || num > VQ_MAX_SIZE || (num & (num - 1)))
		return -EINVAL;
	q->vq.size = num;
	/* Rings already placed were checked for the old size only: check
	 * them again, or a larger size would reach past their mapping. */
	if (q->vq.addr_set && vq_map(&q->vq, &dev->mem))
		return -EFAULT;
	return 0;
}

static int set_vring_addr(struct vu_dev *dev, struct vu_msg *m)
{
	const struct vu_vring_addr *a = &m->p.addr;
	struct vu_queue *q = queue_of(dev, a->index);

	if (!q || q->started)
		return -EINVAL;
	q->vq.desc_uva = a->desc;
	q->vq.avail_uva = a->avail;
	q->vq.used_uva = a->used;
	q->vq.addr_set = true;
	if (vq_map(&q->vq, &dev->mem)) {
		q->vq.addr_set = false;
		return -EFAULT;
	}
	vq_sync_used_idx(&q->vq);
	return 0;
}

static int set_vring_base(struct vu_dev *dev, struct vu_msg *m)
{
	struct vu_queue *q = queue_of(dev, m->p.state.index);

	if (!q || q->started || m->p.state.num > UINT16_MAX)
		return -EINVAL;
	/* The front-end sends the base before every start, also after the
	 * guest reset the device (rings re-initialised): a queue broken by
	 * a bogus index works again from here. */
	vq_restart(&q->vq, (uint16_t)m->p.state.num);
	return 0;
}

static int get_vring_base(struct vu_dev *dev, struct vu_msg *m)
{
	struct vu_queue *q = queue_of(dev, m->p.state.index);

	if (!q)
		return -EINVAL;
	stop_queue(dev, q);
	m->reply.state.index = m->p.state.index;
	m->reply.state.num = q->vq.last_avail_idx;
	m->reply_size = sizeof(m->reply.state);
	return 0;
}

/* The u64 of SET_VRING_KICK/CALL/ERR: queue index and the NOFD flag.
 * Returns the queue, with *FD taken from the message, or NULL. */
static struct vu_queue *vring_fd_arg(struct vu_dev *dev, struct vu_msg *m,
				     int *fd)
{
	uint64_t v = m->p.u64;
	bool nofd = v & VU_VRING_NOFD;

	*fd = -1;
	if ((v & ~(VU_VRING_IDX_MASK | VU_VRING_NOFD)) ||
	    m->n_fds != (nofd ? 0U : 1U))
		return NULL;
	if (!nofd) {
		*fd = m->fds[0];
		m->fds[0] = -1;
	}
	return queue_of(dev, v & VU_VRING_IDX_MASK);
}

static int set_vring_kick(struct vu_dev *dev, struct vu_msg *m)
{
	int fd, rc = -EINVAL;
	struct vu_queue *q = vring_fd_arg(dev, m, &fd);
	unsigned qidx = q ? (unsigned)(q - dev->q) : 0;

	/* Without a kick fd we would have to poll the ring: not offered. */
	if (!q || fd < 0 || !vq_ready(&q->vq))
		goto out;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		rc = -errno;
		goto out;
	}
	epoll_forget(dev, q->kick_fd);
	close_fd(&q->kick_fd);
	rc = epoll_watch(dev, fd, EPOLL_TYPE_VHOST_KICK, qidx);
	if (rc)
		goto out;
	q->kick_fd = fd;
	fd = -1;
	q->started = true;
	if (!has_feature(dev, F_PROTOCOL_FEATURES))
		q->enabled = true;
	if (qidx == VU_RXQ)
		rx_became_ready(dev);
	else
		/* The guest may have queued frames before we started. */
		eventfd_write(q->kick_fd, 1);
out:
	close_fd(&fd);
	return rc;
}

static int set_vring_call(struct vu_dev *dev, struct vu_msg *m)
{
	int fd;
	struct vu_queue *q = vring_fd_arg(dev, m, &fd);

	if (!q) {
		close_fd(&fd);
		return -EINVAL;
	}
	close_fd(&q->call_fd);
	q->call_fd = fd;
	return 0;
}

static int set_vring_err(struct vu_dev *dev, struct vu_msg *m)
{
	int fd;
	struct vu_queue *q = vring_fd_arg(dev, m, &fd);

	/* We never report ring errors this way: the fd is not needed. */
	close_fd(&fd);
	return q ? 0 : -EINVAL;
}

static int get_queue_num(struct vu_dev *dev, struct vu_msg *m)
{
	return reply_u64(m, VU_QUEUE_PAIRS);
}

static int set_vring_enable(struct vu_dev *dev, struct vu_msg *m)
{
	struct vu_queue *q = queue_of(dev, m->p.state.index);

	if (!q || m->p.state.num > 1)
		return -EINVAL;
	q->enabled = m->p.state.num;
	if (q == &dev->q[VU_RXQ] && q->enabled)
		rx_became_ready(dev);
	if (q == &dev->q[VU_TXQ] && q->enabled && q->kick_fd >= 0)
		eventfd_write(q->kick_fd, 1);
	return 0;
}

static int send_rarp(struct vu_dev *dev, struct vu_msg *m)
{
	/* Announcing the guest after migration is the switch's business;
	 * vunetd learns the guest's MAC from its frames anyway. */
	return 0;
}

static int set_backend_req_fd(struct vu_dev *dev, struct vu_msg *m)
{
	/* We never send back-end requests; the fd is closed after this. */
	return m->n_fds == 1 ? 0 : -EINVAL;
}

static int get_max_mem_slots(struct vu_dev *dev, struct vu_msg *m)
{
	return reply_u64(m, VQ_MAX_REGIONS);
}

static int set_status(struct vu_dev *dev, struct vu_msg *m)
{
	if (m->p.u64 > UINT8_MAX)
		return -EINVAL;
	dev->status = m->p.u64;
	return 0;
}

static int get_status(struct vu_dev *dev, struct vu_msg *m)
{
	return reply_u64(m, dev->status);
}

/* How each request is checked before its handler runs. */
struct vu_handler {
	const char *name;
	int (*fn)(struct vu_dev *dev, struct vu_msg *m);
	uint32_t size;   /* exact payload size; SIZE_VARIABLE: handler checks */
	unsigned n_fds;  /* exact fd count; FDS_VARIABLE: handler checks */
	bool replies;    /* the request has a reply of its own */
};

#define SIZE_VARIABLE UINT32_MAX
#define FDS_VARIABLE UINT_MAX
#define U64 sizeof(uint64_t)
#define STATE sizeof(struct vu_vring_state)

static const struct vu_handler handlers[VU_NUM_REQUESTS] = {
	[VU_GET_FEATURES] = { "GET_FEATURES", get_features, 0, 0, true },
	[VU_SET_FEATURES] = { "SET_FEATURES", set_features, U64, 0, false },
	[VU_SET_OWNER] = { "SET_OWNER", set_owner, 0, 0, false },
	[VU_RESET_OWNER] = { "RESET_OWNER", reset_owner, 0, 0, false },
	[VU_SET_MEM_TABLE] = { "SET_MEM_TABLE", set_mem_table, SIZE_VARIABLE,
			       FDS_VARIABLE, false },
	[VU_SET_LOG_BASE] = { "SET_LOG_BASE", reject_logging, SIZE_VARIABLE,
			      FDS_VARIABLE, false },
	[VU_SET_LOG_FD] = { "SET_LOG_FD", reject_logging, SIZE_VARIABLE,
			    FDS_VARIABLE, false },
	[VU_SET_VRING_NUM] = { "SET_VRING_NUM", set_vring_num, STATE, 0, false },
	[VU_SET_VRING_ADDR] = { "SET_VRING_ADDR", set_vring_addr,
				sizeof(struct vu_vring_addr), 0, false },
	[VU_SET_VRING_BASE] = { "SET_VRING_BASE", set_vring_base, STATE, 0,
				false },
	[VU_GET_VRING_BASE] = { "GET_VRING_BASE", get_vring_base, STATE, 0,
				true },
	[VU_SET_VRING_KICK] = { "SET_VRING_KICK", set_vring_kick, U64,
				FDS_VARIABLE, false },
	[VU_SET_VRING_CALL] = { "SET_VRING_CALL", set_vring_call, U64,
				FDS_VARIABLE, false },
	[VU_SET_VRING_ERR] = { "SET_VRING_ERR", set_vring_err, U64,
			       FDS_VARIABLE, false },
	[VU_GET_PROTOCOL_FEATURES] = { "GET_PROTOCOL_FEATURES",
				       get_protocol_features, 0, 0, true },
	[VU_SET_PROTOCOL_FEATURES] = { "SET_PROTOCOL_FEATURES",
				       set_protocol_features, U64, 0, false },
	[VU_GET_QUEUE_NUM] = { "GET_QUEUE_NUM", get_queue_num, 0, 0, true },
	[VU_SET_VRING_ENABLE] = { "SET_VRING_ENABLE", set_vring_enable, STATE,
				  0, false },
	[VU_SEND_RARP] = { "SEND_RARP", send_rarp, U64, 0, false },
	/* The MTU is vunetd's own (-m); as passt, we do not offer
	 * VHOST_USER_PROTOCOL_F_NET_MTU, so a front-end must not send this:
	 * refused. */
	[VU_NET_SET_MTU] = { "NET_SET_MTU", NULL, U64, 0, false },
	[VU_SET_BACKEND_REQ_FD] = { "SET_BACKEND_REQ_FD", set_backend_req_fd,
				    0, FDS_VARIABLE, false },
	[VU_RESET_DEVICE] = { "RESET_DEVICE", reset_owner, 0, 0, false },
	[VU_GET_MAX_MEM_SLOTS] = { "GET_MAX_MEM_SLOTS", get_max_mem_slots, 0,
				   0, true },
	[VU_SET_STATUS] = { "SET_STATUS", set_status, U64, 0, false },
	[VU_GET_STATUS] = { "GET_STATUS", get_status, 0, 0, true },
};

/* ---- message transport ---- */

static void close_msg_fds(struct vu_msg *m)
{
	unsigned i;

	for (i = 0; i < m->n_fds; i++)
		close_fd(&m->fds[i]);
	m->n_fds = 0;
}

static void take_fds(struct msghdr *mh, struct vu_msg *m)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n, i;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (m->n_fds < VU_MAX_FDS)
				m->fds[m->n_fds++] = fd;
			else
				close(fd);
		}
	}
}

/* Reads one message into M.  Returns 0, or a negative errno when the
 * connection cannot go on (closed, truncated, oversized). */
static int read_msg(int fd, struct vu_msg *m)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VU_MAX_FDS)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { &m->hdr, sizeof(m->hdr) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
	};
	unsigned tries;
	ssize_t n = -1;

	m->n_fds = 0;
	m->reply_size = 0;
	/* Nothing is received when a signal interrupts: just try again. */
	for (tries = 0; tries < VU_EINTR_RETRIES; tries++) {
		mh.msg_controllen = sizeof(cbuf.buf);
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n < 0)
		return -errno;
	take_fds(&mh, m);
	if (n == 0)
		return -ECONNRESET;
	if ((size_t)n < sizeof(m->hdr) || (mh.msg_flags & MSG_CTRUNC))
		return -EPROTO;
	if (m->hdr.size > VU_MSG_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (!m->hdr.size)
		return 0;
	n = recv(fd, &m->p, m->hdr.size, MSG_WAITALL);
	if (n < 0)
		return -errno;
	return (size_t)n == m->hdr.size ? 0 : -EPROTO;
}

/* Sends a reply without ever waiting: a front-end that does not read its
 * replies must not stall the event loop.  Returns 0, or a negative errno
 * (-EAGAIN: its socket buffer is full; -EPIPE: sent in part, the stream
 * cannot go on) after which the connection is dropped. */
static int send_reply(int fd, const struct vu_msg *m, const void *payload,
		      uint32_t size)
{
	struct vu_msg_hdr hdr = {
		.request = m->hdr.request,
		.flags = VU_FLAG_VERSION | VU_FLAG_REPLY,
		.size = size,
	};
	struct iovec iov[2] = { { &hdr, sizeof(hdr) },
				{ (void *)payload, size } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	unsigned tries;
	ssize_t n = -1;

	for (tries = 0; tries < VU_EINTR_RETRIES; tries++) {
		n = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n == (ssize_t)(sizeof(hdr) + size) ? 0 : -EPIPE;
}

/* Sends a reply; false (logged) if the connection must be dropped. */
static bool answer_front_end(struct vu_dev *dev, const struct vu_msg *m,
			     const void *payload, uint32_t size)
{
	int rc = send_reply(dev->conn_fd, m, payload, size);

	if (rc == -EAGAIN)
		warn("vhost-user: the front-end does not read its replies, "
		     "dropping it");
	else if (rc)
		warn("vhost-user: cannot send a reply: %s", strerror(-rc));
	return !rc;
}

static int check_and_run(struct vu_dev *dev, const struct vu_handler *h,
			 struct vu_msg *m)
{
	if ((m->hdr.flags & VU_FLAG_VERSION_MASK) != VU_FLAG_VERSION)
		return -EPROTO;
	if (!h || !h->fn)
		return -ENOSYS;
	if ((h->size != SIZE_VARIABLE && m->hdr.size != h->size) ||
	    (h->n_fds != FDS_VARIABLE && m->n_fds != h->n_fds))
		return -EINVAL;
	return h->fn(dev, m);
}

/* Reads and handles one message.  Returns false if the connection must
 * be dropped. */
static bool handle_message(struct vu_dev *dev)
{
	struct vu_msg *m = &dev->msg;
	const struct vu_handler *h;
	bool want_ack, keep = true;
	int rc;

	rc = read_msg(dev->conn_fd, m);
	if (rc) {
		if (rc != -ECONNRESET)
			warn("vhost-user: bad message: %s", strerror(-rc));
		keep = false;
		goto out;
	}
	h = m->hdr.request < VU_NUM_REQUESTS ? &handlers[m->hdr.request] : NULL;
	/* Decided before the handler runs: a reset keeps REPLY_ACK. */
	want_ack = (m->hdr.flags & VU_FLAG_NEED_REPLY) &&
		   (dev->protocol_features & BIT(PF_REPLY_ACK)) &&
		   !(h && h->fn && h->replies);
	rc = check_and_run(dev, h, m);
	debug("vhost-user: %s (%u): %s", h && h->name ? h->name : "unknown",
	      m->hdr.request, rc ? strerror(-rc) : "ok");
	if (!rc && m->reply_size) {
		keep = answer_front_end(dev, m, &m->reply, m->reply_size);
	} else if (want_ack) {
		uint64_t status = rc ? 1 : 0;

		keep = answer_front_end(dev, m, &status, sizeof(status));
	} else if (rc) {
		keep = false;
	}
	if (rc)
		warn("vhost-user: request %s (%u) refused: %s%s",
		     h && h->name ? h->name : "unknown", m->hdr.request,
		     strerror(-rc), keep ? "" : ", dropping the front-end");
out:
	close_msg_fds(m);
	return keep;
}

/* ---- device lifecycle ---- */

struct vu_dev *vu_dev_new(int epoll_fd, const struct vu_frame_ops *ops,
			  void *opaque)
{
	struct vu_dev *dev = calloc(1, sizeof(*dev));
	unsigned i;

	if (!dev)
		return NULL;
	dev->epoll_fd = epoll_fd;
	dev->conn_fd = -1;
	dev->ops = ops;
	dev->opaque = opaque;
	dev->hdr_len = sizeof(struct vu_net_hdr);
	for (i = 0; i < VU_NUM_QUEUES; i++) {
		dev->q[i].kick_fd = dev->q[i].call_fd = -1;
		vq_reset(&dev->q[i].vq);
	}
	vu_dev_set_drop_counters(dev, dev->own_drops);
	return dev;
}

void vu_dev_free(struct vu_dev *dev)
{
	if (!dev)
		return;
	if (dev->conn_fd >= 0)
		disconnect(dev);
	reset_device(dev);
	free(dev);
}

void vu_dev_set_drop_counters(struct vu_dev *dev, uint64_t *drops)
{
	unsigned i;

	dev->drops = drops;
	for (i = 0; i < VU_NUM_QUEUES; i++)
		dev->q[i].vq.bad_desc = &drops[DROP_BAD_DESCRIPTOR];
}

bool vu_dev_connected(const struct vu_dev *dev)
{
	return dev->conn_fd >= 0;
}

int vu_dev_connect(struct vu_dev *dev, int fd)
{
	struct timeval tv = { .tv_sec = VU_RECV_TIMEOUT_MS / 1000,
			      .tv_usec = VU_RECV_TIMEOUT_MS % 1000 * 1000 };
	int rc = 0;

	if (dev->conn_fd >= 0) {
		warn("vhost-user: a front-end is already connected, refusing another");
		rc = -EBUSY;
		goto out;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		rc = -errno;
	else
		rc = epoll_watch(dev, fd, EPOLL_TYPE_VHOST_CMD, 0);
	if (rc) {
		err("vhost-user: cannot watch the front-end connection: %s",
		    strerror(-rc));
		goto out;
	}
	dev->conn_fd = fd;
	info("vhost-user: front-end connected");
out:
	if (rc)
		close(fd);
	return rc;
}

bool vu_dev_handle_control(struct vu_dev *dev, uint32_t events)
{
	if (dev->conn_fd < 0)
		return false;
	if (!(events & EPOLLIN) || !handle_message(dev)) {
		disconnect(dev);
		return false;
	}
	return true;
}

/* ---- TX: frames from the guest ---- */

/* Queue QIDX just broke: a rare event (once per ring set-up), logged. */
static void report_broken(unsigned qidx)
{
	warn("vhost-user: the guest's %s available index jumped past the ring "
	     "size: queue stopped until the front-end sets it up again",
	     qidx == VU_TXQ ? "TX" : "RX");
}

/* Copies the virtio-net header at the start of chain C into H (the
 * caller checked that the chain is longer than the header). */
static void read_net_hdr(const struct vu_dev *dev, const struct vq_chain *c,
			 struct vu_net_hdr *h)
{
	uint8_t *out = (uint8_t *)h;
	size_t left = dev->hdr_len;
	unsigned i;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < c->n_out && left; i++) {
		size_t n = c->iov[i].iov_len < left ? c->iov[i].iov_len : left;

		memcpy(out, c->iov[i].iov_base, n);
		out += n;
		left -= n;
	}
}

/* What the header of a guest frame asks of us, as VU_FRAME_* flags in
 * *FLAGS.  Returns false for a segmentation offload that was not
 * negotiated (or that we never offer, such as UDP): the frame is not
 * what it claims and is dropped. */
static bool tx_frame_flags(const struct vu_dev *dev, const struct vu_net_hdr *h,
			   unsigned *flags)
{
	/* ECN only marks how the guest's stack segments: nothing to us. */
	uint8_t gso = h->gso_type & (uint8_t)~NET_HDR_GSO_ECN;

	*flags = 0;
	if (dev->tx_csum &&
	    (h->flags & (NET_HDR_F_NEEDS_CSUM | NET_HDR_F_DATA_VALID)))
		*flags |= VU_FRAME_CSUM_VALID;
	switch (gso) {
	case NET_HDR_GSO_NONE:
		return true;
	case NET_HDR_GSO_TCPV4:
		return dev->tx_tso4;
	case NET_HDR_GSO_TCPV6:
		return dev->tx_tso6;
	default:
		return false;
	}
}

/* Hands one TX chain to the frame handler, without its virtio-net header. */
static void deliver_tx_chain(struct vu_dev *dev, const struct vq_chain *c)
{
	size_t skip = dev->hdr_len;
	struct vu_net_hdr h;
	unsigned i, n = 0, flags;

	if (c->n_in) {
		dev->drops[DROP_BAD_DESCRIPTOR]++;
		return;
	}
	if (c->out_len <= dev->hdr_len) {
		dev->drops[DROP_TOO_SHORT]++;
		return;
	}
	read_net_hdr(dev, c, &h);
	if (!tx_frame_flags(dev, &h, &flags)) {
		dev->drops[DROP_BAD_OFFLOAD]++;
		return;
	}
	for (i = 0; i < c->n_out; i++) {
		size_t len = c->iov[i].iov_len;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		dev->tx_iov[n].iov_base = (uint8_t *)c->iov[i].iov_base + skip;
		dev->tx_iov[n].iov_len = len - skip;
		skip = 0;
		n++;
	}
	dev->ops->frame_from_guest(dev->opaque, dev->tx_iov, n,
				   c->out_len - dev->hdr_len, flags);
}

/* One round: up to VU_TX_BATCH frames, one used update, one call.
 * Returns the number of chains popped. */
static unsigned tx_round(struct vu_dev *dev)
{
	struct vu_queue *q = &dev->q[VU_TXQ];
	unsigned n;

	for (n = 0; n < VU_TX_BATCH; n++) {
		int rc = vq_pop(&q->vq, &dev->mem, &dev->tx_chain);

		if (rc == -EBADMSG) {
			/* counted; TX never gives chains back: return it now */
			vq_discard(&q->vq, &dev->tx_chain);
			continue;
		}
		if (rc == -EPROTO)
			report_broken(VU_TXQ);
		if (rc <= 0)
			break;
		deliver_tx_chain(dev, &dev->tx_chain);
		vq_push(&q->vq, dev->tx_chain.head, 0);
	}
	if (n && dev->ops->guest_batch_done)
		dev->ops->guest_batch_done(dev->opaque);
	if (vq_unpublished(&q->vq)) {
		vq_flush(&q->vq);
		notify_guest(q);
	}
	return n;
}

static void process_tx(struct vu_dev *dev)
{
	struct vu_queue *q = &dev->q[VU_TXQ];
	unsigned round;

	vq_disable_notify(&q->vq);
	for (round = 0; round < VU_TX_ROUNDS; round++) {
		if (tx_round(dev) == VU_TX_BATCH)
			continue;
		if (!vq_ready(&q->vq) || !vq_enable_notify(&q->vq))
			return;
		vq_disable_notify(&q->vq);
	}
	/* Still busy: come back after the other events of this loop turn. */
	vq_enable_notify(&q->vq);
	eventfd_write(q->kick_fd, 1);
}

void vu_dev_handle_kick(struct vu_dev *dev, unsigned qidx)
{
	struct vu_queue *q;
	eventfd_t unused;

	if (qidx >= VU_NUM_QUEUES)
		return;
	q = &dev->q[qidx];
	if (q->kick_fd >= 0)
		eventfd_read(q->kick_fd, &unused);
	if (!queue_running(dev, qidx))
		return;
	if (qidx == VU_TXQ)
		process_tx(dev);
	else if (dev->rx_waiting && vq_has_avail(&q->vq))
		rx_became_ready(dev);
}

/* ---- RX: frames to the guest ---- */

bool vu_dev_rx_usable(const struct vu_dev *dev)
{
	return queue_running(dev, VU_RXQ);
}

/* Whether popped chain C can hold (part of) a frame for the guest: only
 * writable buffers, and the first chain of a frame has room for our
 * virtio-net header at the start. */
static bool rx_chain_usable(const struct vu_dev *dev,
			    const struct vu_rx_frame *f, const struct vq_chain *c)
{
	size_t need = f->n_heads ? 1 : dev->hdr_len;

	return !c->n_out && c->n_in && c->iov[0].iov_len >= need;
}

/* Gives bad chain C back used and empty.  Chains reserved before it can
 * no longer be un-popped (that would pop C again, and the guest would
 * get it twice): rx_floor makes them be returned empty too if unused. */
static void discard_rx_chain(struct vu_dev *dev, const struct vu_rx_frame *f,
			     const struct vq_chain *c)
{
	vq_discard(&dev->q[VU_RXQ].vq, c);
	dev->rx_floor = f->n_heads;
	dev->rx_discarded = true;
}

/* Adds usable chain C to reservation F.  Returns false if it does not
 * fit (it is then given back for a later frame). */
static bool add_rx_chain(struct vu_dev *dev, struct vu_rx_frame *f,
			 const struct vq_chain *c)
{
	struct vq *q = &dev->q[VU_RXQ].vq;
	size_t skip = f->n_heads ? 0 : dev->hdr_len;
	unsigned i;

	if (f->iovcnt + c->n_in > VU_RX_MAX_IOV) {
		vq_unpop(q, c->avail_slot);
		return false;
	}
	if (skip)
		f->hdr = c->iov[0].iov_base;
	for (i = 0; i < c->n_in; i++) {
		size_t len = c->iov[i].iov_len - (i ? 0 : skip);

		if (!len)
			continue;
		f->iov[f->iovcnt].iov_base = (uint8_t *)c->iov[i].iov_base +
					     (i ? 0 : skip);
		f->iov[f->iovcnt++].iov_len = len;
	}
	f->capacity += c->in_len - skip;
	f->heads[f->n_heads] = c->head;
	f->head_lens[f->n_heads] = c->in_len;
	f->slots[f->n_heads++] = c->avail_slot;
	return true;
}

static void reserve_chains(struct vu_dev *dev, struct vu_rx_frame *f,
			   size_t max_len)
{
	struct vq *q = &dev->q[VU_RXQ].vq;
	struct vq_chain *c = &dev->rx_chain;
	bool mrg = has_feature(dev, F_NET_MRG_RXBUF);
	unsigned tries;

	/* Each try consumes an available entry: bounded by the ring. */
	for (tries = 0; tries < q->size && f->n_heads < VU_RX_MAX_IOV; tries++) {
		int rc;

		if (f->n_heads && (!mrg || f->capacity >= max_len))
			break;
		rc = vq_pop(q, &dev->mem, c);
		if (rc == 1 && !rx_chain_usable(dev, f, c)) {
			/* readable buffers on RX, or no room for our header */
			dev->drops[DROP_BAD_DESCRIPTOR]++;
			rc = -EBADMSG;
		}
		if (rc == -EBADMSG) {
			discard_rx_chain(dev, f, c);
			continue;
		}
		if (rc == -EPROTO)
			report_broken(VU_RXQ);
		dev->rx_ran_dry = rc == 0;
		if (rc <= 0 || !add_rx_chain(dev, f, c))
			break;
	}
}

unsigned vu_rx_offloads(const struct vu_dev *dev)
{
	return dev->rx_offloads;
}

/* The virtio-net header of reserved frame F: what its offload fields ask
 * for, as far as the front-end negotiated it (anything else would be a
 * frame the guest may not accept: it goes as a plain frame). */
static void write_net_hdr(const struct vu_dev *dev, const struct vu_rx_frame *f,
			  uint16_t num_buffers)
{
	const struct vu_rx_offload *o = &f->offload;
	struct vu_net_hdr hdr = { .num_buffers = htole16(num_buffers) };
	unsigned tso = o->gso_v6 ? VU_RX_TSO6 : VU_RX_TSO4;

	if (dev->rx_offloads & VU_RX_CSUM) {
		if (o->partial_csum) {
			hdr.flags = NET_HDR_F_NEEDS_CSUM;
			hdr.csum_start = htole16(o->csum_start);
			hdr.csum_offset = htole16(o->csum_offset);
		} else if (o->data_valid) {
			hdr.flags = NET_HDR_F_DATA_VALID;
		}
	}
	hdr.hdr_len = htole16(o->hdr_len);
	if (o->gso_size && o->partial_csum && (dev->rx_offloads & tso)) {
		hdr.gso_type = o->gso_v6 ? NET_HDR_GSO_TCPV6 :
					   NET_HDR_GSO_TCPV4;
		hdr.gso_size = htole16(o->gso_size);
	}
	memcpy(f->hdr, &hdr, dev->hdr_len);
}

/* Gives back the chains of reservation F from the K-th on, unused: those
 * before a discarded chain (below rx_floor) used and empty, the others
 * un-popped, to be popped again for the next frame. */
static void give_back_rx(struct vu_dev *dev, struct vu_rx_frame *f,
			 unsigned k)
{
	struct vq *q = &dev->q[VU_RXQ].vq;

	for (; k < dev->rx_floor && k < f->n_heads; k++)
		vq_push(q, f->heads[k], 0);
	if (k < f->n_heads)
		vq_unpop(q, f->slots[k]);
}

static void reserve_frame(struct vu_dev *dev, struct vu_rx_frame *f,
			  size_t max_len)
{
	f->iovcnt = f->n_heads = 0;
	f->capacity = 0;
	f->hdr = NULL;
	memset(&f->offload, 0, sizeof(f->offload));
	dev->rx_floor = 0;
	dev->rx_discarded = false;
	dev->rx_ran_dry = false;
	reserve_chains(dev, f, max_len);
}

ssize_t vu_rx_reserve(struct vu_dev *dev, struct vu_rx_frame *f, size_t max_len)
{
	struct vq *q = &dev->q[VU_RXQ].vq;

	f->n_heads = 0;
	if (!queue_running(dev, VU_RXQ))
		return -ENOTCONN;
	/* A second reservation would pop behind the first one, and giving
	 * either back would then return the other's buffers too. */
	if (dev->rx_reserved)
		return -EBUSY;
	reserve_frame(dev, f, max_len);
	if (!f->n_heads && vq_enable_notify(q))
		reserve_chains(dev, f, max_len); /* buffers came meanwhile */
	if (!f->n_heads) {
		dev->rx_waiting = true;
		return -ENOBUFS;
	}
	dev->rx_reserved = true;
	dev->rx_batch_floor = 0;
	return f->capacity;
}

/* Whether reservation F, short of what its frame needs, would grow if
 * the guest added buffers: they merge (MRG_RXBUF), F took every chain
 * there was, and no limit stopped it (VU_RX_MAX_IOV, the whole ring).
 * Otherwise no wait makes the frame fit. */
static bool rx_may_grow(const struct vu_dev *dev, const struct vu_rx_frame *f)
{
	return has_feature(dev, F_NET_MRG_RXBUF) && dev->rx_ran_dry &&
	       f->n_heads < VU_RX_MAX_IOV && f->iovcnt < VU_RX_MAX_IOV &&
	       f->n_heads < dev->q[VU_RXQ].vq.size;
}

/* vu_rx_reserve() for a frame that is sent whole or not at all: a
 * reservation short of LEN bytes that more buffers would complete is
 * given back and the guest asked to kick when it adds some (-ENOBUFS,
 * rx_ready follows); one that no wait would complete is returned short,
 * for the caller to drop.  Each retry needs buffers the guest added
 * meanwhile, and the ring bounds them. */
static ssize_t reserve_whole(struct vu_dev *dev, struct vu_rx_frame *f,
			     size_t len)
{
	struct vq *q = &dev->q[VU_RXQ].vq;
	unsigned tries;
	ssize_t rc;

	for (tries = 0; tries <= q->size; tries++) {
		rc = vu_rx_reserve(dev, f, len);
		if (rc < 0 || (size_t)rc >= len || !rx_may_grow(dev, f))
			return rc;
		vu_rx_commit(dev, f, 0);
		dev->rx_waiting = true;
		if (!vq_enable_notify_on_more(q))
			break;
	}
	return -ENOBUFS;
}

bool vu_rx_has_room(struct vu_dev *dev, size_t len)
{
	struct vu_rx_frame *f = &dev->send_frame;
	ssize_t rc = reserve_whole(dev, f, len);

	if (rc == -ENOBUFS)
		return false;
	if (rc >= 0)
		vu_rx_commit(dev, f, 0);
	return true;
}

/* True if F is one guest buffer with room for MAX_LEN bytes. */
static bool is_whole_buffer(const struct vu_rx_frame *f, size_t max_len)
{
	return f->n_heads == 1 && f->capacity >= max_len;
}

ssize_t vu_rx_reserve_batch(struct vu_dev *dev, struct vu_rx_frame *f,
			    size_t n, size_t first_len, size_t max_len)
{
	ssize_t rc = n ? reserve_whole(dev, f, first_len) : -EINVAL;
	size_t i = 1;

	if (rc < 0)
		return rc;
	if (!is_whole_buffer(&f[0], max_len))
		return 1;
	for (; i < n; i++) {
		reserve_frame(dev, &f[i], max_len);
		if (dev->rx_discarded)
			dev->rx_batch_floor = i;
		if (is_whole_buffer(&f[i], max_len))
			continue;
		give_back_rx(dev, &f[i], 0);
		f[i].n_heads = 0;
		break;
	}
	return (ssize_t)i;
}

/* Pushes the buffers of reserved frame F that LEN bytes (> 0) fill, and
 * gives back the rest. */
static void fill_frame(struct vu_dev *dev, struct vu_rx_frame *f, size_t len)
{
	struct vq *q = &dev->q[VU_RXQ].vq;
	size_t left;
	unsigned k;

	if (len > f->capacity)
		len = f->capacity;
	left = len + dev->hdr_len;
	for (k = 0; k < f->n_heads && left; k++) {
		size_t used = left < f->head_lens[k] ? left : f->head_lens[k];

		vq_push(q, f->heads[k], used);
		left -= used;
	}
	write_net_hdr(dev, f, k);
	give_back_rx(dev, f, k);
	if (vq_unpublished(q) >= VU_RX_BATCH)
		vu_rx_flush(dev);
}

void vu_rx_commit(struct vu_dev *dev, struct vu_rx_frame *f, size_t len)
{
	struct vq *q = &dev->q[VU_RXQ].vq;

	if (!f->n_heads)
		return;
	if (!vq_ready(q) || !dev->rx_reserved)
		goto out; /* the device was reset meanwhile */
	if (len)
		fill_frame(dev, f, len);
	else
		give_back_rx(dev, f, 0);
out:
	f->n_heads = 0;
	dev->rx_reserved = false;
}

void vu_rx_commit_batch(struct vu_dev *dev, struct vu_rx_frame *f, size_t n,
			const size_t *len, size_t n_filled)
{
	struct vq *q = &dev->q[VU_RXQ].vq;
	size_t i;

	if (!n || !f[0].n_heads)
		return;
	/* One frame, merged buffers possibly, and no bad chain popped after
	 * it (else it is a whole buffer, handled below) */
	if (n == 1 && !dev->rx_batch_floor) {
		vu_rx_commit(dev, f, n_filled ? len[0] : 0);
		return;
	}
	if (!vq_ready(q) || !dev->rx_reserved)
		goto out; /* the device was reset meanwhile */
	for (i = 0; i < n_filled && i < n && len[i]; i++)
		fill_frame(dev, &f[i], len[i]);
	/* Frames of one whole buffer each: those reserved before a bad chain
	 * was discarded go back used and empty, the rest (the last popped)
	 * are un-popped. */
	for (; i < n && i < dev->rx_batch_floor; i++)
		vq_push(q, f[i].heads[0], 0);
	if (i < n)
		vq_unpop(q, f[i].slots[0]);
out:
	for (i = 0; i < n; i++)
		f[i].n_heads = 0;
	dev->rx_reserved = false;
}

static void copy_to_iov(const struct iovec *to, size_t to_cnt,
			const struct iovec *from, size_t from_cnt)
{
	size_t ti = 0, fi = 0, toff = 0, foff = 0;

	while (ti < to_cnt && fi < from_cnt) {
		size_t n = to[ti].iov_len - toff;

		if (n > from[fi].iov_len - foff)
			n = from[fi].iov_len - foff;
		memcpy((uint8_t *)to[ti].iov_base + toff,
		       (const uint8_t *)from[fi].iov_base + foff, n);
		toff += n;
		foff += n;
		if (toff == to[ti].iov_len) {
			ti++;
			toff = 0;
		}
		if (foff == from[fi].iov_len) {
			fi++;
			foff = 0;
		}
	}
}

int vu_send_frame(struct vu_dev *dev, const struct iovec *iov, size_t iovcnt)
{
	struct vu_rx_frame *f = &dev->send_frame;
	size_t len = 0, i;
	ssize_t cap;

	for (i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	if (len > INT_MAX)
		return -EMSGSIZE;
	/* Wait for more buffers rather than truncate the frame; one that no
	 * buffers the guest may add would hold is dropped. */
	cap = reserve_whole(dev, f, len);
	if (cap >= 0 && (size_t)cap < len) {
		vu_rx_commit(dev, f, 0);
		cap = -ENOBUFS;
	}
	if (cap < 0) {
		dev->drops[DROP_RX_NO_BUFFERS]++;
		return (int)cap;
	}
	copy_to_iov(f->iov, f->iovcnt, iov, iovcnt);
	vu_rx_commit(dev, f, len);
	return (int)len;
}

void vu_rx_flush(struct vu_dev *dev)
{
	struct vu_queue *q = &dev->q[VU_RXQ];

	if (!vq_ready(&q->vq) || !vq_unpublished(&q->vq))
		return;
	vq_flush(&q->vq);
	notify_guest(q);
}
