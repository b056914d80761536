/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A vhost-user front-end for tests and benchmarks: plays the VMM's part
 * (QEMU's or DPDK virtio-user's) against a vhost-user net back-end.
 *
 * Theory of operation.  struct fe owns "guest memory": one or several
 * memfd regions, each mapped here and placed at a chosen guest-physical
 * address; its front-end virtual address (what SET_VRING_ADDR carries) is
 * simply where we mapped it, as in QEMU.  Two split rings, RX (queue 0)
 * and TX (queue 1), are laid out in region 0 by a bump allocator, each
 * with one fixed buffer per descriptor (descriptor i uses slot i) and one
 * indirect table per descriptor.  Kick and call are eventfds.
 *
 * Layers, lowest first:
 *  - raw messages: fe_send_raw() sends any header, payload and fds (bad
 *    sizes, wrong fds, junk), fe_recv_reply() reads one reply;
 *  - requests: fe_request() sends a well-formed request, asking for an
 *    ack when REPLY_ACK was negotiated, and returns the back-end's verdict;
 *  - the handshake, in QEMU's order or DPDK's (fe_handshake());
 *  - traffic: fe_tx_send*() (frames with a virtio-net header), fe_rx_post()
 *    and fe_rx_recv() (merging MRG_RXBUF buffers), fe_wait_call();
 *  - crafting: fe_desc_write(), fe_avail_add(), fe_avail_set_idx(),
 *    fe_kick() to build any descriptor chain or ring state.
 *
 * In-process tests run the device in the same thread: fe->pump, when set,
 * is called while the front-end waits, so the device's loop makes progress.
 * Every wait is bounded by a timeout.  Nothing here is fast or hardened:
 * the back-end is the code under test, not this.
 */
#ifndef VUNET_TESTS_FRONTEND_H
#define VUNET_TESTS_FRONTEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FE_MAX_REGIONS 8
#define FE_MAX_INDIRECT 16 /* entries per indirect table */
#define FE_NET_HDR_LEN 12  /* virtio-net header with num_buffers */

/* vhost-user requests (QEMU docs/interop/vhost-user.rst). */
enum fe_request {
	FE_GET_FEATURES = 1,
	FE_SET_FEATURES = 2,
	FE_SET_OWNER = 3,
	FE_RESET_OWNER = 4,
	FE_SET_MEM_TABLE = 5,
	FE_SET_LOG_BASE = 6,
	FE_SET_LOG_FD = 7,
	FE_SET_VRING_NUM = 8,
	FE_SET_VRING_ADDR = 9,
	FE_SET_VRING_BASE = 10,
	FE_GET_VRING_BASE = 11,
	FE_SET_VRING_KICK = 12,
	FE_SET_VRING_CALL = 13,
	FE_SET_VRING_ERR = 14,
	FE_GET_PROTOCOL_FEATURES = 15,
	FE_SET_PROTOCOL_FEATURES = 16,
	FE_GET_QUEUE_NUM = 17,
	FE_SET_VRING_ENABLE = 18,
	FE_SEND_RARP = 19,
	FE_NET_SET_MTU = 20,
	FE_SET_BACKEND_REQ_FD = 21,
	FE_RESET_DEVICE = 34,
	FE_GET_MAX_MEM_SLOTS = 36,
	FE_SET_STATUS = 39,
	FE_GET_STATUS = 40,
};

#define FE_FLAG_VERSION 0x1
#define FE_FLAG_REPLY 0x4
#define FE_FLAG_NEED_REPLY 0x8
#define FE_VRING_NOFD 0x100

/* Feature bits. */
#define FE_F_NET_CSUM 0        /* offloads: never in the default set, */
#define FE_F_NET_GUEST_CSUM 1  /* so a test that does not ask for them  */
#define FE_F_NET_GUEST_TSO4 7  /* gets full checksums and MTU frames   */
#define FE_F_NET_GUEST_TSO6 8
#define FE_F_NET_HOST_TSO4 11
#define FE_F_NET_HOST_TSO6 12
#define FE_F_NET_MRG_RXBUF 15
#define FE_F_NOTIFY_ON_EMPTY 24
#define FE_F_INDIRECT_DESC 28
#define FE_F_EVENT_IDX 29
#define FE_F_PROTOCOL_FEATURES 30
#define FE_F_VERSION_1 32
#define FE_PF_MQ 0
#define FE_PF_REPLY_ACK 3
#define FE_PF_NET_MTU 4
#define FE_PF_RESET_DEVICE 13
#define FE_PF_STATUS 16

#define FE_DESC_F_NEXT 1
#define FE_DESC_F_WRITE 2
#define FE_DESC_F_INDIRECT 4

#define FE_RXQ 0
#define FE_TXQ 1

struct fe_msg_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
};

struct fe_vring_state {
	uint32_t index;
	uint32_t num;
};

struct fe_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc, used, avail, log;
};

struct fe_mem_region {
	uint64_t gpa, size, uva, mmap_offset;
};

struct fe_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct fe_mem_region r[FE_MAX_REGIONS];
};

struct fe_region {
	uint64_t gpa, size;
	int fd;
	uint8_t *host;
};

struct fe_ring {
	unsigned index;    /* queue number */
	unsigned size;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint8_t *desc, *avail, *used;
	uint64_t buf_gpa;  /* slot i: buf_gpa + i * buf_size */
	uint32_t buf_size;
	uint64_t indirect_gpa; /* table i: indirect_gpa + i * 16 * FE_MAX_INDIRECT */
	int kick_fd, call_fd;
	uint16_t avail_idx;  /* next available index we publish */
	uint16_t last_used;  /* next used entry we read */
	uint16_t next_desc;  /* descriptor allocator, round robin */
	unsigned free_desc;  /* descriptors not in flight */
	uint8_t *slots_of;   /* per head: descriptors its chain took */
};

struct fe_config {
	unsigned n_regions;              /* 0: one region */
	uint64_t region_gpa[FE_MAX_REGIONS];
	uint64_t region_size[FE_MAX_REGIONS]; /* 0: 4 MiB */
	unsigned queue_size;             /* 0: 256 */
	uint32_t buf_size;               /* 0: 2048 */
	uint64_t features;               /* wanted; 0: every one we know */
	uint64_t protocol_features;      /* wanted; 0: every one we know */
};

enum fe_style {
	FE_STYLE_QEMU, /* QEMU 7.2+: init, then start, then enable */
	FE_STYLE_DPDK, /* DPDK virtio-user: owner first, status last */
};

struct fe {
	int sock;
	struct fe_region r[FE_MAX_REGIONS];
	unsigned n_regions;
	uint64_t alloc_next; /* bump allocator, guest-physical, region 0 */
	struct fe_ring rx, tx;
	uint64_t want_features, want_protocol_features;
	uint64_t features, protocol_features; /* negotiated */
	int timeout_ms;
	void (*pump)(void *arg); /* runs an in-process device while we wait */
	void *pump_arg;
};

/* Creates guest memory and lays out the rings.  NULL on error. */
struct fe *fe_new(const struct fe_config *cfg);
void fe_free(struct fe *fe);
/* Connects to the back-end's socket, retrying until TIMEOUT_MS. */
int fe_connect(struct fe *fe, const char *path, int timeout_ms);
/* Uses an already connected socket. */
void fe_attach(struct fe *fe, int sock);
/* Closes the connection; memory stays, rings are cleared for a new one. */
void fe_disconnect(struct fe *fe);
/* Clears both rings (indexes, descriptors) as a rebooting guest would. */
void fe_rings_reset(struct fe *fe);

/* Guest memory: our pointer for GPA, or NULL if LEN bytes are not all in
 * one region.  fe_alloc() returns a guest-physical address in region 0,
 * or UINT64_MAX when full. */
void *fe_host(struct fe *fe, uint64_t gpa, uint64_t len);
uint64_t fe_alloc(struct fe *fe, uint64_t len, uint64_t align);
uint64_t fe_uva(struct fe *fe, uint64_t gpa);

/* Raw messages.  fe_send_raw() returns 0 or a negative errno;
 * fe_recv_reply() returns the payload size or a negative errno
 * (-ETIMEDOUT, -ECONNRESET). */
int fe_send_raw(struct fe *fe, uint32_t request, uint32_t flags,
		const void *payload, uint32_t size, const int *fds,
		unsigned n_fds);
int fe_recv_reply(struct fe *fe, struct fe_msg_hdr *hdr, void *payload,
		  size_t max);
/* True while the back-end keeps the connection open (waits briefly). */
bool fe_peer_alive(struct fe *fe);

/* A well-formed request.  REPLY (if not NULL) receives a reply of
 * REPLY_SIZE bytes for requests that have one; for others an ack is
 * requested when REPLY_ACK was negotiated.  Returns 0, -EIO (the back-end
 * reported failure), or a negative errno. */
int fe_request(struct fe *fe, uint32_t request, const void *payload,
	       uint32_t size, const int *fds, unsigned n_fds, void *reply,
	       uint32_t reply_size);
int fe_request_u64(struct fe *fe, uint32_t request, uint64_t v);
int fe_get_u64(struct fe *fe, uint32_t request, uint64_t *v);

/* Handshake steps and the whole handshake. */
int fe_negotiate(struct fe *fe);
int fe_set_mem_table(struct fe *fe);
int fe_start_ring(struct fe *fe, struct fe_ring *ring);
int fe_set_vring_enable(struct fe *fe, unsigned index, bool on);
int fe_get_vring_base(struct fe *fe, unsigned index, uint32_t *base);
int fe_handshake(struct fe *fe, enum fe_style style);

/* The virtio-net header (virtio 1.x 5.1.6), in host byte order. */
struct fe_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
	uint16_t num_buffers;
};

#define FE_NET_HDR_F_NEEDS_CSUM 1
#define FE_NET_HDR_F_DATA_VALID 2
#define FE_NET_HDR_GSO_NONE 0
#define FE_NET_HDR_GSO_TCPV4 1
#define FE_NET_HDR_GSO_UDP 3
#define FE_NET_HDR_GSO_TCPV6 4

/* Traffic.  fe_tx_send() puts HEADER+FRAME in one descriptor;
 * fe_tx_send_ex() spreads it over N_DESC descriptors, through an indirect
 * table if INDIRECT.  Both kick if the device asked for it.  Return 0 or
 * a negative errno. */
int fe_tx_send(struct fe *fe, const void *frame, size_t len);
int fe_tx_send_ex(struct fe *fe, const void *frame, size_t len,
		  unsigned n_desc, bool indirect);
/* fe_tx_send_ex() with the virtio-net header HDR instead of zeros. */
int fe_tx_send_hdr(struct fe *fe, const struct fe_net_hdr *hdr,
		   const void *frame, size_t len, unsigned n_desc,
		   bool indirect);
/* Posts N receive buffers of LEN bytes each (one descriptor each). */
int fe_rx_post(struct fe *fe, unsigned n, uint32_t len);
/* Takes one received frame (merging buffers): returns its length without
 * header, -EAGAIN if none, -EIO if malformed.  *NUM_BUFFERS (if not
 * NULL) gets the header's count. */
int fe_rx_recv(struct fe *fe, void *buf, size_t max, unsigned *num_buffers);
/* fe_rx_recv(), also giving the frame's virtio-net header in *HDR. */
int fe_rx_recv_hdr(struct fe *fe, void *buf, size_t max,
		   struct fe_net_hdr *hdr);
/* Completes the checksum of a received FRAME (LEN bytes, Ethernet header
 * first) marked NEEDS_CSUM in HDR, as the guest's stack does: the 16-bit
 * ones' complement sum from csum_start to the end of the frame (the
 * checksum field as the device left it) is folded, complemented (0 stored
 * as 0xffff) and stored at csum_start + csum_offset.  Other frames are
 * left alone.  Returns 0, or -EIO if the offsets fall outside FRAME.
 * Own arithmetic, not vunetd's: the guest checks the device. */
int fe_rx_complete_csum(void *frame, size_t len, const struct fe_net_hdr *hdr);
/* Waits for the call eventfd of RING.  0, or -ETIMEDOUT. */
int fe_wait_call(struct fe *fe, struct fe_ring *ring, int timeout_ms);
/* Waits until RING has a used entry we have not read.  0 or -ETIMEDOUT. */
int fe_wait_used(struct fe *fe, struct fe_ring *ring, int timeout_ms);
/* Takes one used entry.  Returns 1, or 0 if none. */
int fe_used_pop(struct fe_ring *ring, uint32_t *id, uint32_t *len);

/* Crafting. */
void fe_desc_write(struct fe_ring *ring, unsigned idx, uint64_t addr,
		   uint32_t len, uint16_t flags, uint16_t next);
/* Makes HEAD available (without kicking). */
void fe_avail_add(struct fe_ring *ring, uint16_t head);
/* Publishes an arbitrary available index. */
void fe_avail_set_idx(struct fe_ring *ring, uint16_t idx);
void fe_kick(struct fe_ring *ring);
/* The used index the device published. */
uint16_t fe_used_idx(const struct fe_ring *ring);
uint64_t fe_slot_gpa(const struct fe_ring *ring, unsigned slot);

#endif /* VUNET_TESTS_FRONTEND_H */
