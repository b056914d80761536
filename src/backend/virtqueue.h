/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest memory and split virtqueues, as seen by vunetd (the device side).
 *
 * struct vq_mem is the table of guest memory regions the front-end passed
 * with SET_MEM_TABLE, each mapped into vunetd.  A region is known by three
 * addresses: guest-physical (what descriptors carry), front-end virtual
 * (what SET_VRING_ADDR carries) and our own mapping.  All translation goes
 * through vq_mem_*(), which check every address and length against the
 * regions with overflow-safe arithmetic.
 *
 * struct vq is one split virtqueue (virtio 1.x, section 2.7): descriptor
 * table, available ring and used ring, all in guest memory.  The device
 * pops chains from the available ring and pushes them to the used ring;
 * vq_flush() publishes the used index once for a whole batch.
 *
 * Everything the guest wrote is untrusted: descriptors are copied before
 * they are checked, chains are bounded by the queue size (a loop cannot
 * run forever), indirect tables must sit in one region and may not nest,
 * and an available index that moves by more than the queue size marks
 * the queue broken: nothing more is popped until it is set up again
 * (vq_restart(): a new base index, as the front-end sends before every
 * start, also after the guest reset the device; or vq_reset()).
 * A bad chain is counted (*bad_desc) and reported to the caller, which
 * gives it back used with length 0 (vq_discard).  A chain is pushed once:
 * vq_unpop() may only rewind over chains not pushed yet, so vq_pop()
 * never pushes anything itself.
 *
 * Memory ordering: the available index is read with acquire semantics
 * before the entries it covers; the used index is written with release
 * semantics after the entries; a full fence separates our used-index or
 * avail-event update from reading the guest's suppression fields.
 *
 * This file allocates nothing and makes no system calls.
 */
#ifndef VUNET_BACKEND_VIRTQUEUE_H
#define VUNET_BACKEND_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* vhost-user passes at most this many regions in SET_MEM_TABLE. */
#define VQ_MAX_REGIONS 8
/* Largest split ring the virtio spec allows. */
#define VQ_MAX_SIZE 32768
/* iovecs one chain may produce: a 64 KiB frame in 4 KiB pages plus the
 * header and region splits fits with room to spare. */
#define VQ_CHAIN_MAX_IOV 64

/* virtio ring flags and feature bits the queue code needs. */
#define VQ_DESC_F_NEXT 1
#define VQ_DESC_F_WRITE 2
#define VQ_DESC_F_INDIRECT 4
#define VQ_AVAIL_F_NO_INTERRUPT 1
#define VQ_USED_F_NO_NOTIFY 1

struct vq_mem_region {
	uint64_t gpa;   /* guest-physical start */
	uint64_t size;  /* bytes */
	uint64_t uva;   /* front-end's virtual address of the start */
	uint8_t *host;  /* our address of the start */
	void *map_base; /* what mmap() returned (host minus mmap offset) */
	size_t map_len;
};

struct vq_mem {
	struct vq_mem_region r[VQ_MAX_REGIONS];
	unsigned n;
};

/* One descriptor as the guest lays it out (little endian). */
struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* A popped chain: device-readable iovecs first, then device-writable. */
struct vq_chain {
	uint16_t head;
	uint16_t avail_slot; /* available-ring position it was popped from */
	unsigned n_out, n_in;
	size_t out_len, in_len;
	struct iovec iov[VQ_CHAIN_MAX_IOV];
};

struct vq {
	unsigned size; /* 0 until SET_VRING_NUM */
	bool addr_set;
	uint64_t desc_uva, avail_uva, used_uva;
	/* Our mappings of the three parts (NULL until translated). */
	uint8_t *desc, *avail, *used;

	uint16_t last_avail_idx; /* next available entry to pop */
	uint16_t used_idx;       /* next used entry to fill (unpublished) */
	uint16_t published_used; /* last used index written to the ring */
	uint16_t signalled_used; /* used index at the last notification */
	bool signalled_valid;

	bool event_idx;       /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;        /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool notify_on_empty; /* VIRTIO_F_NOTIFY_ON_EMPTY negotiated */
	bool broken;          /* guest misbehaved: pop nothing more */
	uint64_t *bad_desc;   /* counter of dropped bad chains (never NULL) */
};

/* Unmaps every region and empties the table. */
void vq_mem_unmap_all(struct vq_mem *mem);
/* Our address of LEN bytes at front-end virtual address UVA, contiguous in
 * one region, or NULL. */
void *vq_mem_uva_to_host(const struct vq_mem *mem, uint64_t uva, uint64_t len);
/* Our address of LEN bytes at guest-physical GPA in one region, or NULL. */
void *vq_mem_gpa_to_host(const struct vq_mem *mem, uint64_t gpa, uint64_t len);
/* Appends iovecs covering LEN bytes at GPA (split at region boundaries) to
 * IOV[*n..max).  Returns 0, or -EFAULT (not all mapped) / -E2BIG. */
int vq_mem_gpa_to_iov(const struct vq_mem *mem, uint64_t gpa, uint64_t len,
		      struct iovec *iov, unsigned *n, unsigned max);

/* Resets Q to "not configured", keeping its counter pointer. */
void vq_reset(struct vq *q);
/* The ring (re)starts at available index BASE: a broken queue becomes
 * usable again. */
void vq_restart(struct vq *q, uint16_t base);
/* Maps the ring parts from the stored addresses (after SET_VRING_ADDR or
 * a new memory table).  Returns 0 or -EFAULT (a part is not mapped, not
 * aligned, or the size is unset). */
int vq_map(struct vq *q, const struct vq_mem *mem);
/* True when the queue can be used: sized, mapped, not broken. */
bool vq_ready(const struct vq *q);
/* Reads the used index from the ring, as the shadow to continue from. */
void vq_sync_used_idx(struct vq *q);

/* Pops the next available chain into C.  Returns 1 (popped), 0 (nothing
 * available), -EBADMSG (a bad chain, counted: C has only its head and
 * avail_slot; give it back with vq_discard() or vq_unpop()), -EPROTO (the
 * guest's available index is garbage: the queue broke now, counted) or
 * -EIO (the queue is broken or not set up). */
int vq_pop(struct vq *q, const struct vq_mem *mem, struct vq_chain *c);
/* Gives bad chain C back to the guest used with length 0 (nothing for a
 * head that is not a descriptor).  Not visible before vq_flush(). */
void vq_discard(struct vq *q, const struct vq_chain *c);
/* Gives back, unused, every chain popped from available-ring position
 * AVAIL_SLOT on (a chain's avail_slot): they will be popped again.  None
 * of them may have been pushed or discarded (the guest would get it
 * twice). */
void vq_unpop(struct vq *q, uint16_t avail_slot);
/* True if the guest has made chains available we have not popped. */
bool vq_has_avail(const struct vq *q);
/* Records chain HEAD as used with LEN bytes written (not yet visible). */
void vq_push(struct vq *q, uint16_t head, uint32_t len);
/* Number of pushed entries not yet published. */
unsigned vq_unpublished(const struct vq *q);
/* Makes pushed entries visible to the guest: one used-index store. */
void vq_flush(struct vq *q);
/* After vq_flush(): whether the guest wants an interrupt now. */
bool vq_should_notify(struct vq *q);
/* Asks the guest to kick on new buffers.  Returns true if buffers arrived
 * meanwhile (the caller should look again rather than wait). */
bool vq_enable_notify(struct vq *q);
/* Asks the guest to kick when it adds buffers to those available now
 * (a wait for more room than the available chains hold).  Returns true
 * if some were added meanwhile. */
bool vq_enable_notify_on_more(struct vq *q);
/* Tells the guest kicks are not needed (a hint: they may still come). */
void vq_disable_notify(struct vq *q);

#endif /* VUNET_BACKEND_VIRTQUEUE_H */
