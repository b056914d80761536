// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Split virtqueues over front-end-shared guest memory.
 *
 * Theory of operation: see virtqueue.h for the model.  The code below is
 * organised as the data flows:
 *  - memory: a linear search of at most VQ_MAX_REGIONS regions turns a
 *    guest-physical or front-end-virtual range into our pointers; a range
 *    that leaves a region either continues in the next region (iovecs) or
 *    is refused (rings and indirect tables must be contiguous);
 *  - ring layout: the three parts are found from the queue size, their
 *    alignment is checked once when mapped, so later accesses are aligned;
 *  - pop: read the available index (acquire), take the head, walk the
 *    chain on local copies of the descriptors; a bad chain is reported,
 *    never pushed here: only the caller knows whether chains it popped
 *    before may still be given back (vq_unpop) past it;
 *  - push/flush: fill used entries, then one release store of the index;
 *  - notifications: EVENT_IDX (used_event / avail_event) when negotiated,
 *    else the NO_INTERRUPT / NO_NOTIFY flags.
 *
 * Invariants: every pointer returned lies inside a mapping; a chain walk
 * visits at most size + VQ_MAX_SIZE descriptors; a queue found broken
 * stays broken until vq_reset() or vq_restart().  The guest may rewrite its rings at any
 * time: each shared field is read once and checked after it was read.
 */
#include "backend/virtqueue.h"

#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#define DESC_SIZE 16
#define USED_ELEM_SIZE 8
/* flags and idx at the start of the available and used rings */
#define RING_HDR_SIZE 4
/* used_event / avail_event after the ring entries */
#define RING_EVENT_SIZE 2

void vq_mem_unmap_all(struct vq_mem *mem)
{
	unsigned i;

	for (i = 0; i < mem->n; i++)
		munmap(mem->r[i].map_base, mem->r[i].map_len);
	memset(mem, 0, sizeof(*mem));
}

static const struct vq_mem_region *region_of_gpa(const struct vq_mem *mem,
						 uint64_t gpa)
{
	unsigned i;

	for (i = 0; i < mem->n; i++) {
		const struct vq_mem_region *r = &mem->r[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return r;
	}
	return NULL;
}

void *vq_mem_uva_to_host(const struct vq_mem *mem, uint64_t uva, uint64_t len)
{
	unsigned i;

	for (i = 0; i < mem->n; i++) {
		const struct vq_mem_region *r = &mem->r[i];

		if (uva >= r->uva && uva - r->uva < r->size &&
		    len <= r->size - (uva - r->uva))
			return r->host + (uva - r->uva);
	}
	return NULL;
}

void *vq_mem_gpa_to_host(const struct vq_mem *mem, uint64_t gpa, uint64_t len)
{
	const struct vq_mem_region *r = region_of_gpa(mem, gpa);

	if (!r || len > r->size - (gpa - r->gpa))
		return NULL;
	return r->host + (gpa - r->gpa);
}

int vq_mem_gpa_to_iov(const struct vq_mem *mem, uint64_t gpa, uint64_t len,
		      struct iovec *iov, unsigned *n, unsigned max)
{
	/* Each step consumes a whole region or the rest of LEN, and at most
	 * MAX iovecs are produced: the loop is bounded. */
	while (len) {
		const struct vq_mem_region *r = region_of_gpa(mem, gpa);
		uint64_t chunk;

		if (!r)
			return -EFAULT;
		if (*n >= max)
			return -E2BIG;
		chunk = r->size - (gpa - r->gpa);
		if (chunk > len)
			chunk = len;
		iov[*n].iov_base = r->host + (gpa - r->gpa);
		iov[*n].iov_len = chunk;
		(*n)++;
		/* Regions never wrap the address space (checked when mapped),
		 * so this cannot overflow. */
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}

static uint16_t *avail_field(const struct vq *q, unsigned i)
{
	return (uint16_t *)(q->avail + 2 * i);
}

static uint16_t load_avail_idx(const struct vq *q)
{
	return le16toh(__atomic_load_n(avail_field(q, 1), __ATOMIC_ACQUIRE));
}

static uint16_t load_avail_flags(const struct vq *q)
{
	return le16toh(__atomic_load_n(avail_field(q, 0), __ATOMIC_RELAXED));
}

static uint16_t load_used_event(const struct vq *q)
{
	return le16toh(__atomic_load_n(avail_field(q, 2 + q->size),
				       __ATOMIC_RELAXED));
}

static uint16_t *used_flags(const struct vq *q)
{
	return (uint16_t *)q->used;
}

static uint16_t *used_idx_field(const struct vq *q)
{
	return (uint16_t *)(q->used + 2);
}

static uint16_t *avail_event(const struct vq *q)
{
	return (uint16_t *)(q->used + RING_HDR_SIZE +
			    (size_t)USED_ELEM_SIZE * q->size);
}

void vq_reset(struct vq *q)
{
	uint64_t *bad = q->bad_desc;

	memset(q, 0, sizeof(*q));
	q->bad_desc = bad;
}

void vq_restart(struct vq *q, uint16_t base)
{
	q->last_avail_idx = base;
	q->broken = false;
}

int vq_map(struct vq *q, const struct vq_mem *mem)
{
	size_t n = q->size;
	int rc = -EFAULT;

	q->desc = q->avail = q->used = NULL;
	if (!n || !q->addr_set)
		goto out;
	q->desc = vq_mem_uva_to_host(mem, q->desc_uva, DESC_SIZE * n);
	q->avail = vq_mem_uva_to_host(mem, q->avail_uva,
				      RING_HDR_SIZE + 2 * n + RING_EVENT_SIZE);
	q->used = vq_mem_uva_to_host(mem, q->used_uva,
				     RING_HDR_SIZE + USED_ELEM_SIZE * n +
				     RING_EVENT_SIZE);
	/* Alignment required by the virtio spec; it also keeps our own
	 * 16- and 32-bit accesses to the rings aligned. */
	if (!q->desc || !q->avail || !q->used ||
	    (uintptr_t)q->desc % 16 || (uintptr_t)q->avail % 2 ||
	    (uintptr_t)q->used % 4)
		goto out;
	rc = 0;
out:
	if (rc)
		q->desc = q->avail = q->used = NULL;
	return rc;
}

bool vq_ready(const struct vq *q)
{
	return q->size && q->desc && q->avail && q->used && !q->broken;
}

void vq_sync_used_idx(struct vq *q)
{
	q->used_idx = le16toh(__atomic_load_n(used_idx_field(q),
					      __ATOMIC_RELAXED));
	q->published_used = q->used_idx;
	q->signalled_valid = false;
}

static void read_desc(const uint8_t *table, unsigned idx, struct vq_desc *d)
{
	memcpy(d, table + (size_t)DESC_SIZE * idx, sizeof(*d));
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
}

static int add_buffer(const struct vq_mem *mem, const struct vq_desc *d,
		      struct vq_chain *c)
{
	unsigned n = c->n_out + c->n_in, before = n;
	int rc;

	rc = vq_mem_gpa_to_iov(mem, d->addr, d->len, c->iov, &n,
			       VQ_CHAIN_MAX_IOV);
	if (rc)
		return rc;
	if (d->flags & VQ_DESC_F_WRITE) {
		c->n_in += n - before;
		c->in_len += d->len;
	} else if (c->n_in) {
		/* The spec puts every readable buffer before the writable. */
		return -EINVAL;
	} else {
		c->n_out += n - before;
		c->out_len += d->len;
	}
	return 0;
}

/* Walks the chain starting at HEAD into C.  Returns 0 or a negative errno
 * for a chain the device must not use. */
static int walk_chain(const struct vq *q, const struct vq_mem *mem,
		      uint16_t head, struct vq_chain *c)
{
	const uint8_t *table = q->desc;
	unsigned max = q->size, idx = head, visited = 0;
	bool in_indirect = false;
	struct vq_desc d;
	int rc;

	c->head = head;
	c->n_out = c->n_in = 0;
	c->out_len = c->in_len = 0;
	for (;;) {
		/* A chain longer than its table must contain a loop. */
		if (idx >= max || ++visited > max)
			return -ELOOP;
		read_desc(table, idx, &d);
		if (d.flags & VQ_DESC_F_INDIRECT) {
			if (!q->indirect || in_indirect ||
			    (d.flags & VQ_DESC_F_NEXT) || !d.len ||
			    d.len % DESC_SIZE || d.len / DESC_SIZE > VQ_MAX_SIZE)
				return -EINVAL;
			table = vq_mem_gpa_to_host(mem, d.addr, d.len);
			if (!table)
				return -EFAULT;
			max = d.len / DESC_SIZE;
			idx = 0;
			visited = 0;
			in_indirect = true;
			continue;
		}
		rc = add_buffer(mem, &d, c);
		if (rc)
			return rc;
		if (!(d.flags & VQ_DESC_F_NEXT))
			return 0;
		idx = d.next;
	}
}

int vq_pop(struct vq *q, const struct vq_mem *mem, struct vq_chain *c)
{
	uint16_t avail_idx, slot;

	if (!vq_ready(q))
		return -EIO;
	avail_idx = load_avail_idx(q);
	if (avail_idx == q->last_avail_idx)
		return 0;
	if ((uint16_t)(avail_idx - q->last_avail_idx) > q->size) {
		/* More new entries than the ring holds: the guest's index is
		 * garbage, nothing in the ring can be trusted. */
		q->broken = true;
		(*q->bad_desc)++;
		return -EPROTO;
	}
	slot = q->last_avail_idx++;
	c->avail_slot = slot;
	c->head = le16toh(__atomic_load_n(avail_field(q, 2 + slot % q->size),
					  __ATOMIC_RELAXED));
	/* An out-of-range head is not a descriptor: nothing to walk. */
	if (c->head < q->size && !walk_chain(q, mem, c->head, c))
		return 1;
	(*q->bad_desc)++;
	return -EBADMSG;
}

void vq_discard(struct vq *q, const struct vq_chain *c)
{
	/* An out-of-range head names no descriptor the guest could get
	 * back: it is only skipped. */
	if (c->head < q->size)
		vq_push(q, c->head, 0);
}

void vq_unpop(struct vq *q, uint16_t avail_slot)
{
	q->last_avail_idx = avail_slot;
}

bool vq_has_avail(const struct vq *q)
{
	return vq_ready(q) && load_avail_idx(q) != q->last_avail_idx;
}

void vq_push(struct vq *q, uint16_t head, uint32_t len)
{
	uint32_t *elem = (uint32_t *)(q->used + RING_HDR_SIZE +
				      (size_t)USED_ELEM_SIZE *
				      (q->used_idx % q->size));

	elem[0] = htole32(head);
	elem[1] = htole32(len);
	q->used_idx++;
}

unsigned vq_unpublished(const struct vq *q)
{
	return (uint16_t)(q->used_idx - q->published_used);
}

void vq_flush(struct vq *q)
{
	if (!q->used || q->used_idx == q->published_used)
		return;
	__atomic_store_n(used_idx_field(q), htole16(q->used_idx),
			 __ATOMIC_RELEASE);
	q->published_used = q->used_idx;
}

/* The virtio EVENT_IDX rule: notify if NEW_IDX passed EVENT since OLD. */
static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

bool vq_should_notify(struct vq *q)
{
	uint16_t old_idx;
	bool was_valid;

	if (!q->used || !q->avail)
		return false;
	/* Our used-index store must be visible before we read what the
	 * guest asked for, or both sides may wait for each other. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (q->notify_on_empty && load_avail_idx(q) == q->last_avail_idx)
		return true;
	if (!q->event_idx)
		return !(load_avail_flags(q) & VQ_AVAIL_F_NO_INTERRUPT);
	old_idx = q->signalled_used;
	was_valid = q->signalled_valid;
	q->signalled_used = q->published_used;
	q->signalled_valid = true;
	return !was_valid ||
	       need_event(load_used_event(q), q->published_used, old_idx);
}

bool vq_enable_notify(struct vq *q)
{
	if (!vq_ready(q))
		return false;
	if (q->event_idx)
		__atomic_store_n(avail_event(q), htole16(q->last_avail_idx),
				 __ATOMIC_RELAXED);
	else
		__atomic_store_n(used_flags(q), 0, __ATOMIC_RELAXED);
	/* Publish the request before looking at the index again: a buffer
	 * added in between is then either seen here or kicked. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return load_avail_idx(q) != q->last_avail_idx;
}

bool vq_enable_notify_on_more(struct vq *q)
{
	uint16_t seen;

	if (!vq_ready(q))
		return false;
	seen = load_avail_idx(q);
	/* With EVENT_IDX the guest kicks when its index passes avail_event:
	 * at last_avail_idx, behind chains given back unused, it never would
	 * for the additions we wait for. */
	if (q->event_idx)
		__atomic_store_n(avail_event(q), htole16(seen),
				 __ATOMIC_RELAXED);
	else
		__atomic_store_n(used_flags(q), 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return load_avail_idx(q) != seen;
}

void vq_disable_notify(struct vq *q)
{
	if (!vq_ready(q) || q->event_idx)
		return;
	__atomic_store_n(used_flags(q), htole16(VQ_USED_F_NO_NOTIFY),
			 __ATOMIC_RELAXED);
}
