// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The test vhost-user front-end: see frontend.h for the model and layers.
 *
 * Written independently of the back-end (its own constants and structs),
 * so that it checks the device against the protocol rather than against
 * itself.  Conventions kept here:
 *  - every ring and buffer lives in region 0, found by fe_alloc(); other
 *    regions exist to be pointed at by crafted descriptors;
 *  - descriptors are handed out round robin and complete in order (the
 *    device uses chains in order), so a free count is enough bookkeeping;
 *  - the available index is published with a release store after the
 *    entries, and kicks follow the device's suppression wishes (EVENT_IDX
 *    avail_event or the NO_NOTIFY flag), as a Linux guest's driver does;
 *  - every wait polls with a deadline, running fe->pump in between.
 */
#include "frontend.h"

#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define FE_DEFAULT_REGION_SIZE (4ULL << 20)
#define FE_DEFAULT_QUEUE_SIZE 256
#define FE_DEFAULT_BUF_SIZE 2048
#define FE_DEFAULT_TIMEOUT_MS 2000
#define FE_PAGE 4096
#define FE_DESC_SIZE 16
/* Virtio device status bits (virtio 1.x, 2.1). */
#define FE_STATUS_ACKNOWLEDGE 1
#define FE_STATUS_DRIVER 2
#define FE_STATUS_DRIVER_OK 4
#define FE_STATUS_FEATURES_OK 8
/* How long fe_peer_alive() gives the back-end to hang up. */
#define FE_ALIVE_WAIT_MS 100

#define BIT(n) (1ULL << (n))

static const uint64_t fe_known_features = BIT(FE_F_NET_MRG_RXBUF) |
	BIT(FE_F_INDIRECT_DESC) | BIT(FE_F_EVENT_IDX) |
	BIT(FE_F_PROTOCOL_FEATURES) | BIT(FE_F_VERSION_1);
static const uint64_t fe_known_protocol_features = BIT(FE_PF_MQ) |
	BIT(FE_PF_REPLY_ACK) | BIT(FE_PF_RESET_DEVICE) | BIT(FE_PF_STATUS);

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until FD is readable, running the pump meanwhile.  0 or
 * -ETIMEDOUT. */
static int wait_readable(struct fe *fe, int fd, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	do {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (fe->pump)
			fe->pump(fe->pump_arg);
		if (poll(&p, 1, 1) > 0)
			return 0;
	} while (now_ms() < deadline);
	return -ETIMEDOUT;
}

/* ---- guest memory ---- */

void *fe_host(struct fe *fe, uint64_t gpa, uint64_t len)
{
	unsigned i;

	for (i = 0; i < fe->n_regions; i++) {
		struct fe_region *r = &fe->r[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size &&
		    len <= r->size - (gpa - r->gpa))
			return r->host + (gpa - r->gpa);
	}
	return NULL;
}

uint64_t fe_uva(struct fe *fe, uint64_t gpa)
{
	return (uint64_t)(uintptr_t)fe_host(fe, gpa, 0);
}

uint64_t fe_alloc(struct fe *fe, uint64_t len, uint64_t align)
{
	uint64_t at = (fe->alloc_next + align - 1) / align * align;

	if (at < fe->r[0].gpa || at + len > fe->r[0].gpa + fe->r[0].size)
		return UINT64_MAX;
	fe->alloc_next = at + len;
	return at;
}

static int map_regions(struct fe *fe, const struct fe_config *cfg)
{
	unsigned i;

	fe->n_regions = cfg->n_regions ? cfg->n_regions : 1;
	if (fe->n_regions > FE_MAX_REGIONS)
		return -EINVAL;
	for (i = 0; i < fe->n_regions; i++) {
		struct fe_region *r = &fe->r[i];
		void *p;

		r->gpa = cfg->region_gpa[i];
		r->size = cfg->region_size[i] ? cfg->region_size[i] :
			  FE_DEFAULT_REGION_SIZE;
		r->fd = memfd_create("fe-guest-ram", MFD_CLOEXEC);
		if (r->fd < 0 || ftruncate(r->fd, (off_t)r->size) < 0)
			return -errno;
		p = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 r->fd, 0);
		if (p == MAP_FAILED)
			return -errno;
		r->host = p;
	}
	fe->alloc_next = fe->r[0].gpa;
	return 0;
}

/* ---- rings ---- */

static int layout_ring(struct fe *fe, struct fe_ring *ring, unsigned index,
		       unsigned size, uint32_t buf_size)
{
	ring->index = index;
	ring->size = size;
	ring->buf_size = buf_size;
	ring->desc_gpa = fe_alloc(fe, (uint64_t)FE_DESC_SIZE * size, FE_PAGE);
	ring->avail_gpa = fe_alloc(fe, 6 + 2ULL * size, FE_PAGE);
	ring->used_gpa = fe_alloc(fe, 6 + 8ULL * size, FE_PAGE);
	ring->buf_gpa = fe_alloc(fe, (uint64_t)buf_size * size, FE_PAGE);
	ring->indirect_gpa = fe_alloc(fe, (uint64_t)FE_DESC_SIZE *
				      FE_MAX_INDIRECT * size, FE_PAGE);
	if (ring->indirect_gpa == UINT64_MAX || ring->buf_gpa == UINT64_MAX ||
	    ring->used_gpa == UINT64_MAX || ring->avail_gpa == UINT64_MAX ||
	    ring->desc_gpa == UINT64_MAX)
		return -ENOMEM;
	ring->desc = fe_host(fe, ring->desc_gpa, FE_DESC_SIZE * size);
	ring->avail = fe_host(fe, ring->avail_gpa, 6 + 2 * size);
	ring->used = fe_host(fe, ring->used_gpa, 6 + 8 * size);
	ring->slots_of = calloc(size, 1);
	ring->free_desc = size;
	if (!ring->slots_of)
		return -ENOMEM;
	ring->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ring->call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ring->kick_fd < 0 || ring->call_fd < 0)
		return -errno;
	return 0;
}

static void clear_ring(struct fe_ring *ring)
{
	memset(ring->desc, 0, (size_t)FE_DESC_SIZE * ring->size);
	memset(ring->avail, 0, 6 + 2 * (size_t)ring->size);
	memset(ring->used, 0, 6 + 8 * (size_t)ring->size);
	ring->avail_idx = ring->last_used = ring->next_desc = 0;
	memset(ring->slots_of, 0, ring->size);
	ring->free_desc = ring->size;
}

void fe_rings_reset(struct fe *fe)
{
	clear_ring(&fe->rx);
	clear_ring(&fe->tx);
}

static uint16_t *avail_u16(const struct fe_ring *ring, unsigned i)
{
	return (uint16_t *)(ring->avail + 2 * i);
}

uint16_t fe_used_idx(const struct fe_ring *ring)
{
	return __atomic_load_n((uint16_t *)(ring->used + 2), __ATOMIC_ACQUIRE);
}

uint64_t fe_slot_gpa(const struct fe_ring *ring, unsigned slot)
{
	return ring->buf_gpa + (uint64_t)ring->buf_size * (slot % ring->size);
}

void fe_desc_write(struct fe_ring *ring, unsigned idx, uint64_t addr,
		   uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = ring->desc + (size_t)FE_DESC_SIZE * (idx % ring->size);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

void fe_avail_add(struct fe_ring *ring, uint16_t head)
{
	*avail_u16(ring, 2 + ring->avail_idx % ring->size) = head;
	ring->avail_idx++;
	__atomic_store_n(avail_u16(ring, 1), ring->avail_idx, __ATOMIC_RELEASE);
}

void fe_avail_set_idx(struct fe_ring *ring, uint16_t idx)
{
	ring->avail_idx = idx;
	__atomic_store_n(avail_u16(ring, 1), idx, __ATOMIC_RELEASE);
}

void fe_kick(struct fe_ring *ring)
{
	eventfd_write(ring->kick_fd, 1);
}

/* Kicks if the device wants to hear about entries OLD..avail_idx. */
static void kick_if_wanted(struct fe *fe, struct fe_ring *ring, uint16_t old)
{
	uint16_t flags, event, new_idx = ring->avail_idx;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (fe->features & BIT(FE_F_EVENT_IDX)) {
		event = __atomic_load_n((uint16_t *)(ring->used + 4 +
						     8 * ring->size),
					__ATOMIC_RELAXED);
		if ((uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old))
			fe_kick(ring);
		return;
	}
	flags = __atomic_load_n((uint16_t *)ring->used, __ATOMIC_RELAXED);
	if (!(flags & 1))
		fe_kick(ring);
}

int fe_used_pop(struct fe_ring *ring, uint32_t *id, uint32_t *len)
{
	const uint8_t *e;

	if (fe_used_idx(ring) == ring->last_used)
		return 0;
	e = ring->used + 4 + 8 * (size_t)(ring->last_used % ring->size);
	memcpy(id, e, 4);
	memcpy(len, e + 4, 4);
	ring->last_used++;
	if (*id < ring->size) {
		ring->free_desc += ring->slots_of[*id];
		ring->slots_of[*id] = 0;
	}
	return 1;
}

/* ---- lifecycle ---- */

struct fe *fe_new(const struct fe_config *cfg)
{
	struct fe *fe = calloc(1, sizeof(*fe));
	unsigned size = cfg->queue_size ? cfg->queue_size : FE_DEFAULT_QUEUE_SIZE;
	uint32_t buf = cfg->buf_size ? cfg->buf_size : FE_DEFAULT_BUF_SIZE;
	unsigned i;

	if (!fe)
		return NULL;
	fe->sock = -1;
	for (i = 0; i < FE_MAX_REGIONS; i++)
		fe->r[i].fd = -1;
	fe->rx.kick_fd = fe->rx.call_fd = fe->tx.kick_fd = fe->tx.call_fd = -1;
	fe->timeout_ms = FE_DEFAULT_TIMEOUT_MS;
	fe->want_features = cfg->features ? cfg->features : fe_known_features;
	fe->want_protocol_features = cfg->protocol_features ?
		cfg->protocol_features : fe_known_protocol_features;
	if (map_regions(fe, cfg) ||
	    layout_ring(fe, &fe->rx, FE_RXQ, size, buf) ||
	    layout_ring(fe, &fe->tx, FE_TXQ, size, buf)) {
		fe_free(fe);
		return NULL;
	}
	return fe;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void fe_free(struct fe *fe)
{
	unsigned i;

	if (!fe)
		return;
	close_fd(&fe->sock);
	for (i = 0; i < FE_MAX_REGIONS; i++) {
		if (fe->r[i].host)
			munmap(fe->r[i].host, fe->r[i].size);
		close_fd(&fe->r[i].fd);
	}
	close_fd(&fe->rx.kick_fd);
	close_fd(&fe->rx.call_fd);
	close_fd(&fe->tx.kick_fd);
	close_fd(&fe->tx.call_fd);
	free(fe->rx.slots_of);
	free(fe->tx.slots_of);
	free(fe);
}

int fe_connect(struct fe *fe, const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline = now_ms() + timeout_ms;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	do {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			fe_attach(fe, fd);
			return 0;
		}
		rc = -errno;
		close(fd);
		if (fe->pump)
			fe->pump(fe->pump_arg);
		usleep(10000);
	} while (now_ms() < deadline);
	return rc;
}

void fe_attach(struct fe *fe, int sock)
{
	close_fd(&fe->sock);
	fe->sock = sock;
	fe->features = fe->protocol_features = 0;
}

void fe_disconnect(struct fe *fe)
{
	close_fd(&fe->sock);
	if (fe->pump)
		fe->pump(fe->pump_arg);
	fe_rings_reset(fe);
	fe->features = fe->protocol_features = 0;
}

/* ---- messages ---- */

int fe_send_raw(struct fe *fe, uint32_t request, uint32_t flags,
		const void *payload, uint32_t size, const int *fds,
		unsigned n_fds)
{
	struct fe_msg_hdr hdr = { request, flags, size };
	union {
		char buf[CMSG_SPACE(sizeof(int) * FE_MAX_REGIONS * 2)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov[2] = { { &hdr, sizeof(hdr) },
				{ (void *)payload, payload ? size : 0 } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t want = (ssize_t)(sizeof(hdr) + iov[1].iov_len);

	if (n_fds > FE_MAX_REGIONS * 2)
		return -EINVAL;
	if (n_fds) {
		struct cmsghdr *cm;

		mh.msg_control = cbuf.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n_fds);
	}
	if (sendmsg(fe->sock, &mh, MSG_NOSIGNAL) != want)
		return -EPIPE;
	return 0;
}

int fe_recv_reply(struct fe *fe, struct fe_msg_hdr *hdr, void *payload,
		  size_t max)
{
	ssize_t n;
	int rc = wait_readable(fe, fe->sock, fe->timeout_ms);

	if (rc)
		return rc;
	n = recv(fe->sock, hdr, sizeof(*hdr), MSG_WAITALL);
	if (n == 0)
		return -ECONNRESET;
	if (n != sizeof(*hdr))
		return n < 0 ? -errno : -EPROTO;
	if (hdr->size > max)
		return -EPROTO;
	if (hdr->size &&
	    recv(fe->sock, payload, hdr->size, MSG_WAITALL) != hdr->size)
		return -EPROTO;
	return (int)hdr->size;
}

bool fe_peer_alive(struct fe *fe)
{
	int64_t deadline = now_ms() + FE_ALIVE_WAIT_MS;
	char c;

	do {
		struct pollfd p = { .fd = fe->sock, .events = POLLIN };

		if (fe->pump)
			fe->pump(fe->pump_arg);
		if (poll(&p, 1, 1) > 0 &&
		    recv(fe->sock, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0)
			return false;
	} while (now_ms() < deadline);
	return true;
}

int fe_request(struct fe *fe, uint32_t request, const void *payload,
	       uint32_t size, const int *fds, unsigned n_fds, void *reply,
	       uint32_t reply_size)
{
	bool ack = !reply && (fe->protocol_features & BIT(FE_PF_REPLY_ACK));
	uint32_t flags = FE_FLAG_VERSION | (ack ? FE_FLAG_NEED_REPLY : 0);
	struct fe_msg_hdr hdr;
	uint64_t status;
	int rc;

	rc = fe_send_raw(fe, request, flags, payload, size, fds, n_fds);
	if (rc || (!reply && !ack))
		return rc;
	rc = fe_recv_reply(fe, &hdr, reply ? reply : &status,
			   reply ? reply_size : sizeof(status));
	if (rc < 0)
		return rc;
	if (hdr.request != request || !(hdr.flags & FE_FLAG_REPLY) ||
	    (uint32_t)rc != (reply ? reply_size : sizeof(status)))
		return -EPROTO;
	return !reply && status ? -EIO : 0;
}

int fe_request_u64(struct fe *fe, uint32_t request, uint64_t v)
{
	return fe_request(fe, request, &v, sizeof(v), NULL, 0, NULL, 0);
}

int fe_get_u64(struct fe *fe, uint32_t request, uint64_t *v)
{
	return fe_request(fe, request, NULL, 0, NULL, 0, v, sizeof(*v));
}

/* ---- handshake ---- */

static int set_vring_fd(struct fe *fe, uint32_t request, unsigned index,
			int fd)
{
	uint64_t v = index;

	return fe_request(fe, request, &v, sizeof(v), &fd, 1, NULL, 0);
}

int fe_negotiate(struct fe *fe)
{
	uint64_t offered, pf = 0, queues;
	int rc;

	rc = fe_get_u64(fe, FE_GET_FEATURES, &offered);
	if (rc)
		return rc;
	fe->features = offered & fe->want_features;
	if (offered & BIT(FE_F_PROTOCOL_FEATURES)) {
		rc = fe_get_u64(fe, FE_GET_PROTOCOL_FEATURES, &pf);
		if (!rc)
			rc = fe_request_u64(fe, FE_SET_PROTOCOL_FEATURES,
					    pf & fe->want_protocol_features);
		if (rc)
			return rc;
		fe->protocol_features = pf & fe->want_protocol_features;
	}
	if (fe->protocol_features & BIT(FE_PF_MQ)) {
		rc = fe_get_u64(fe, FE_GET_QUEUE_NUM, &queues);
		if (rc || queues < 1)
			return rc ? rc : -EPROTO;
	}
	return 0;
}

int fe_set_mem_table(struct fe *fe)
{
	struct fe_mem_table t = { .nregions = fe->n_regions };
	int fds[FE_MAX_REGIONS];
	unsigned i;

	for (i = 0; i < fe->n_regions; i++) {
		t.r[i].gpa = fe->r[i].gpa;
		t.r[i].size = fe->r[i].size;
		t.r[i].uva = (uint64_t)(uintptr_t)fe->r[i].host;
		t.r[i].mmap_offset = 0;
		fds[i] = fe->r[i].fd;
	}
	return fe_request(fe, FE_SET_MEM_TABLE, &t,
			  8 + sizeof(t.r[0]) * fe->n_regions, fds,
			  fe->n_regions, NULL, 0);
}

static int set_vring_layout(struct fe *fe, struct fe_ring *ring)
{
	struct fe_vring_state num = { ring->index, ring->size };
	/* Chains complete in order: the device resumes after the last used. */
	struct fe_vring_state base = { ring->index, fe_used_idx(ring) };
	struct fe_vring_addr addr = {
		.index = ring->index,
		.desc = fe_uva(fe, ring->desc_gpa),
		.used = fe_uva(fe, ring->used_gpa),
		.avail = fe_uva(fe, ring->avail_gpa),
	};
	int rc;

	rc = fe_request(fe, FE_SET_VRING_NUM, &num, sizeof(num), NULL, 0,
			NULL, 0);
	if (!rc)
		rc = fe_request(fe, FE_SET_VRING_BASE, &base, sizeof(base),
				NULL, 0, NULL, 0);
	if (!rc)
		rc = fe_request(fe, FE_SET_VRING_ADDR, &addr, sizeof(addr),
				NULL, 0, NULL, 0);
	return rc;
}

int fe_start_ring(struct fe *fe, struct fe_ring *ring)
{
	int rc = set_vring_layout(fe, ring);

	if (!rc)
		rc = set_vring_fd(fe, FE_SET_VRING_KICK, ring->index,
				  ring->kick_fd);
	if (!rc)
		rc = set_vring_fd(fe, FE_SET_VRING_CALL, ring->index,
				  ring->call_fd);
	return rc;
}

int fe_set_vring_enable(struct fe *fe, unsigned index, bool on)
{
	struct fe_vring_state s = { index, on };

	return fe_request(fe, FE_SET_VRING_ENABLE, &s, sizeof(s), NULL, 0,
			  NULL, 0);
}

int fe_get_vring_base(struct fe *fe, unsigned index, uint32_t *base)
{
	struct fe_vring_state s = { index, 0 }, r;
	int rc = fe_request(fe, FE_GET_VRING_BASE, &s, sizeof(s), NULL, 0,
			    &r, sizeof(r));

	if (!rc)
		*base = r.num;
	return rc;
}

static int enable_rings(struct fe *fe)
{
	int rc = 0;

	if (fe->features & BIT(FE_F_PROTOCOL_FEATURES)) {
		rc = fe_set_vring_enable(fe, FE_RXQ, true);
		if (!rc)
			rc = fe_set_vring_enable(fe, FE_TXQ, true);
	}
	return rc;
}

static int set_status(struct fe *fe, uint64_t status)
{
	if (!(fe->protocol_features & BIT(FE_PF_STATUS)))
		return 0;
	return fe_request_u64(fe, FE_SET_STATUS, status);
}

/* QEMU: back-end init, device init (owner, call fds), then start. */
static int handshake_qemu(struct fe *fe)
{
	uint64_t again;
	int rc;

	rc = fe_negotiate(fe);
	if (!rc)
		rc = fe_request(fe, FE_SET_OWNER, NULL, 0, NULL, 0, NULL, 0);
	if (!rc)
		rc = fe_get_u64(fe, FE_GET_FEATURES, &again);
	if (!rc)
		rc = set_vring_fd(fe, FE_SET_VRING_CALL, FE_RXQ, fe->rx.call_fd);
	if (!rc)
		rc = set_vring_fd(fe, FE_SET_VRING_CALL, FE_TXQ, fe->tx.call_fd);
	if (!rc)
		rc = fe_request_u64(fe, FE_SET_FEATURES, fe->features);
	if (!rc)
		rc = fe_set_mem_table(fe);
	if (!rc)
		rc = fe_start_ring(fe, &fe->rx);
	if (!rc)
		rc = fe_start_ring(fe, &fe->tx);
	if (!rc)
		rc = enable_rings(fe);
	if (!rc)
		rc = set_status(fe, FE_STATUS_ACKNOWLEDGE | FE_STATUS_DRIVER |
				FE_STATUS_FEATURES_OK | FE_STATUS_DRIVER_OK);
	return rc;
}

/* DPDK virtio-user: owner first, status checked after FEATURES_OK, call
 * fds just before each ring's layout. */
static int handshake_dpdk(struct fe *fe)
{
	uint64_t status = 0;
	int rc;

	rc = fe_request(fe, FE_SET_OWNER, NULL, 0, NULL, 0, NULL, 0);
	if (!rc)
		rc = fe_negotiate(fe);
	if (!rc)
		rc = fe_request_u64(fe, FE_SET_FEATURES, fe->features);
	if (!rc)
		rc = set_status(fe, FE_STATUS_ACKNOWLEDGE | FE_STATUS_DRIVER |
				FE_STATUS_FEATURES_OK);
	if (!rc && (fe->protocol_features & BIT(FE_PF_STATUS))) {
		rc = fe_get_u64(fe, FE_GET_STATUS, &status);
		if (!rc && !(status & FE_STATUS_FEATURES_OK))
			rc = -EPROTO;
	}
	if (!rc)
		rc = fe_set_mem_table(fe);
	for (unsigned i = 0; !rc && i < 2; i++) {
		struct fe_ring *ring = i ? &fe->tx : &fe->rx;

		rc = set_vring_fd(fe, FE_SET_VRING_CALL, ring->index,
				  ring->call_fd);
		if (!rc)
			rc = set_vring_layout(fe, ring);
		if (!rc)
			rc = set_vring_fd(fe, FE_SET_VRING_KICK, ring->index,
					  ring->kick_fd);
	}
	if (!rc)
		rc = enable_rings(fe);
	if (!rc)
		rc = set_status(fe, FE_STATUS_ACKNOWLEDGE | FE_STATUS_DRIVER |
				FE_STATUS_FEATURES_OK | FE_STATUS_DRIVER_OK);
	return rc;
}

int fe_handshake(struct fe *fe, enum fe_style style)
{
	return style == FE_STYLE_DPDK ? handshake_dpdk(fe) : handshake_qemu(fe);
}

/* ---- traffic ---- */

static unsigned hdr_len(const struct fe *fe)
{
	return (fe->features & (BIT(FE_F_VERSION_1) | BIT(FE_F_NET_MRG_RXBUF))) ?
	       FE_NET_HDR_LEN : 10;
}

/* The header as the device reads it: little-endian (VERSION_1), and
 * without num_buffers when neither VERSION_1 nor MRG_RXBUF was agreed. */
static void put_net_hdr(const struct fe *fe, uint8_t *to,
			const struct fe_net_hdr *h)
{
	uint8_t raw[FE_NET_HDR_LEN] = { 0 };

	if (h) {
		uint16_t v[5] = { htole16(h->hdr_len), htole16(h->gso_size),
				  htole16(h->csum_start),
				  htole16(h->csum_offset),
				  htole16(h->num_buffers) };

		raw[0] = h->flags;
		raw[1] = h->gso_type;
		memcpy(raw + 2, v, sizeof(v));
	}
	memcpy(to, raw, hdr_len(fe));
}

static void get_net_hdr(const struct fe *fe, const uint8_t *from,
			struct fe_net_hdr *h)
{
	uint8_t raw[FE_NET_HDR_LEN] = { 0 };
	uint16_t v[5];

	memcpy(raw, from, hdr_len(fe));
	h->flags = raw[0];
	h->gso_type = raw[1];
	memcpy(v, raw + 2, sizeof(v));
	h->hdr_len = le16toh(v[0]);
	h->gso_size = le16toh(v[1]);
	h->csum_start = le16toh(v[2]);
	h->csum_offset = le16toh(v[3]);
	h->num_buffers = le16toh(v[4]);
}

int fe_tx_send_ex(struct fe *fe, const void *frame, size_t len,
		  unsigned n_desc, bool indirect)
{
	return fe_tx_send_hdr(fe, NULL, frame, len, n_desc, indirect);
}

int fe_tx_send_hdr(struct fe *fe, const struct fe_net_hdr *hdr,
		   const void *frame, size_t len, unsigned n_desc,
		   bool indirect)
{
	struct fe_ring *ring = &fe->tx;
	size_t total = hdr_len(fe) + len, piece, off;
	unsigned head, i, slots = indirect ? 1 : n_desc;
	uint64_t data_gpa;
	uint8_t *data;
	uint16_t old = ring->avail_idx;
	uint32_t id, used_len;

	/* Completed chains are simply forgotten: buffers are slots. */
	while (fe_used_pop(ring, &id, &used_len))
		;
	if (!n_desc || n_desc > FE_MAX_INDIRECT || total > ring->buf_size ||
	    slots > ring->free_desc)
		return -ENOSPC;
	head = ring->next_desc % ring->size;
	ring->next_desc += slots;
	ring->free_desc -= slots;
	ring->slots_of[head] = slots;
	data_gpa = fe_slot_gpa(ring, head);
	data = fe_host(fe, data_gpa, total);
	put_net_hdr(fe, data, hdr);
	memcpy(data + hdr_len(fe), frame, len);
	piece = (total + n_desc - 1) / n_desc;
	for (i = 0, off = 0; i < n_desc; i++, off += piece) {
		uint32_t l = off >= total ? 0 :
			     (uint32_t)(total - off < piece ? total - off : piece);
		uint16_t last = i + 1 == n_desc;

		if (indirect) {
			uint8_t *t = fe_host(fe, ring->indirect_gpa + (uint64_t)head *
					     FE_DESC_SIZE * FE_MAX_INDIRECT,
					     FE_DESC_SIZE * FE_MAX_INDIRECT);
			uint64_t a = data_gpa + off;
			uint16_t f = last ? 0 : FE_DESC_F_NEXT, nx = i + 1;

			memcpy(t + FE_DESC_SIZE * i, &a, 8);
			memcpy(t + FE_DESC_SIZE * i + 8, &l, 4);
			memcpy(t + FE_DESC_SIZE * i + 12, &f, 2);
			memcpy(t + FE_DESC_SIZE * i + 14, &nx, 2);
		} else {
			fe_desc_write(ring, head + i, data_gpa + off, l,
				      last ? 0 : FE_DESC_F_NEXT,
				      (head + i + 1) % ring->size);
		}
	}
	if (indirect)
		fe_desc_write(ring, head, ring->indirect_gpa + (uint64_t)head *
			      FE_DESC_SIZE * FE_MAX_INDIRECT,
			      FE_DESC_SIZE * n_desc, FE_DESC_F_INDIRECT, 0);
	fe_avail_add(ring, head);
	kick_if_wanted(fe, ring, old);
	return 0;
}

int fe_tx_send(struct fe *fe, const void *frame, size_t len)
{
	return fe_tx_send_ex(fe, frame, len, 1, false);
}

int fe_rx_post(struct fe *fe, unsigned n, uint32_t len)
{
	struct fe_ring *ring = &fe->rx;
	uint16_t old = ring->avail_idx;
	unsigned i;

	if (len > ring->buf_size || n > ring->free_desc)
		return -ENOSPC;
	ring->free_desc -= n;
	for (i = 0; i < n; i++) {
		unsigned d = ring->next_desc++ % ring->size;

		ring->slots_of[d] = 1;
		fe_desc_write(ring, d, fe_slot_gpa(ring, d), len,
			      FE_DESC_F_WRITE, 0);
		fe_avail_add(ring, d);
	}
	kick_if_wanted(fe, ring, old);
	return 0;
}

/* The length descriptor ID of RING was posted with. */
static uint32_t posted_len(const struct fe_ring *ring, uint32_t id)
{
	uint32_t len;

	memcpy(&len, ring->desc + (size_t)FE_DESC_SIZE * id + 8, 4);
	return len;
}

/* Copies used buffer ID (LEN bytes, skipping SKIP) to BUF at *OFF.  A
 * used length beyond the buffer as posted is an error: the device wrote
 * past it (a Linux guest drops such a frame, "exceeds truesize"). */
static int copy_used(struct fe *fe, uint32_t id, uint32_t len, size_t skip,
		     uint8_t *buf, size_t max, size_t *off)
{
	const uint8_t *p;

	if (id >= fe->rx.size || len > fe->rx.buf_size ||
	    len > posted_len(&fe->rx, id) || len < skip ||
	    *off + (len - skip) > max)
		return -EIO;
	p = fe_host(fe, fe_slot_gpa(&fe->rx, id), len);
	memcpy(buf + *off, p + skip, len - skip);
	*off += len - skip;
	return 0;
}

int fe_rx_recv(struct fe *fe, void *buf, size_t max, unsigned *num_buffers)
{
	struct fe_net_hdr h;
	int rc = fe_rx_recv_hdr(fe, buf, max, &h);

	if (num_buffers && rc != -EAGAIN)
		*num_buffers = h.num_buffers;
	return rc;
}

int fe_rx_recv_hdr(struct fe *fe, void *buf, size_t max,
		   struct fe_net_hdr *hdr)
{
	struct fe_ring *ring = &fe->rx;
	uint32_t id, len;
	uint16_t n = 1;
	size_t off = 0;
	unsigned i;

	memset(hdr, 0, sizeof(*hdr));
	hdr->num_buffers = 1;
	if (!fe_used_pop(ring, &id, &len))
		return -EAGAIN;
	if (id >= ring->size || len < hdr_len(fe))
		return -EIO;
	get_net_hdr(fe, fe_host(fe, fe_slot_gpa(ring, id), hdr_len(fe)), hdr);
	if (hdr_len(fe) == FE_NET_HDR_LEN)
		n = hdr->num_buffers;
	else
		hdr->num_buffers = 1;
	if (!n || (n > 1 && !(fe->features & BIT(FE_F_NET_MRG_RXBUF))))
		return -EIO;
	if (copy_used(fe, id, len, hdr_len(fe), buf, max, &off))
		return -EIO;
	for (i = 1; i < n; i++)
		if (!fe_used_pop(ring, &id, &len) ||
		    copy_used(fe, id, len, 0, buf, max, &off))
			return -EIO;
	return (int)off;
}

int fe_rx_complete_csum(void *frame, size_t len, const struct fe_net_hdr *hdr)
{
	uint8_t *p = frame;
	uint32_t sum = 0;
	uint16_t csum;
	size_t i;

	if (!(hdr->flags & FE_NET_HDR_F_NEEDS_CSUM))
		return 0;
	if (hdr->csum_start > len ||
	    (size_t)hdr->csum_offset + 2 > len - hdr->csum_start)
		return -EIO;
	for (i = hdr->csum_start; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	csum = (uint16_t)~sum;
	if (!csum)
		csum = 0xffff;
	p[hdr->csum_start + hdr->csum_offset] = (uint8_t)(csum >> 8);
	p[hdr->csum_start + hdr->csum_offset + 1] = (uint8_t)csum;
	return 0;
}

int fe_wait_call(struct fe *fe, struct fe_ring *ring, int timeout_ms)
{
	eventfd_t v;
	int rc = wait_readable(fe, ring->call_fd, timeout_ms);

	if (!rc)
		eventfd_read(ring->call_fd, &v);
	return rc;
}

int fe_wait_used(struct fe *fe, struct fe_ring *ring, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	do {
		if (fe->pump)
			fe->pump(fe->pump_arg);
		if (fe_used_idx(ring) != ring->last_used)
			return 0;
		if (!fe->pump)
			usleep(1000);
	} while (now_ms() < deadline);
	return -ETIMEDOUT;
}
