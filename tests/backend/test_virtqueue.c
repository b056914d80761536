// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Split virtqueue tests: what vq_pop() makes of every kind of chain a
 * guest can build, and the notification rules.
 *
 * Each case maps two anonymous "guest memory" regions (at guest-physical
 * 0 and REGION1_GPA, adjacent in guest-physical space but not in ours),
 * lays a ring of QSIZE entries in region 0 and writes descriptors straight
 * into it, playing a (sometimes malicious) guest driver.  The device side
 * is the real virtqueue.c; ASan and UBSan make any access outside the
 * mappings or any misaligned access fail the case.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "backend/virtqueue.h"
#include "tests/harness.h"

#define QSIZE 128
#define REGION_SIZE (1 << 20)
#define REGION1_GPA REGION_SIZE /* region 1 follows region 0 */
#define DESC_GPA 0x0
#define AVAIL_GPA 0x1000
#define USED_GPA 0x2000
#define INDIRECT_GPA 0x4000
#define BUF_GPA 0x10000

struct guest {
	struct vq_mem mem;
	struct vq q;
	uint64_t bad;
	struct vq_chain c;
};

static struct guest g;

static int guest_setup(bool event_idx, bool indirect)
{
	unsigned i;

	memset(&g, 0, sizeof(g));
	for (i = 0; i < 2; i++) {
		struct vq_mem_region *r = &g.mem.r[i];
		void *p = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return -errno;
		r->gpa = (uint64_t)i * REGION1_GPA;
		r->size = REGION_SIZE;
		r->uva = 0x7000000000ULL + (uint64_t)i * 0x100000000ULL;
		r->host = p;
		r->map_base = p;
		r->map_len = REGION_SIZE;
		g.mem.n++;
	}
	g.q.bad_desc = &g.bad;
	g.q.size = QSIZE;
	g.q.desc_uva = g.mem.r[0].uva + DESC_GPA;
	g.q.avail_uva = g.mem.r[0].uva + AVAIL_GPA;
	g.q.used_uva = g.mem.r[0].uva + USED_GPA;
	g.q.addr_set = true;
	g.q.event_idx = event_idx;
	g.q.indirect = indirect;
	return vq_map(&g.q, &g.mem);
}

static void guest_teardown(void)
{
	vq_mem_unmap_all(&g.mem);
}

static uint8_t *gmem(uint64_t gpa)
{
	return vq_mem_gpa_to_host(&g.mem, gpa, 1);
}

static void put_desc(uint64_t table_gpa, unsigned i, uint64_t addr,
		     uint32_t len, uint16_t flags, uint16_t next)
{
	struct vq_desc d = { addr, len, flags, next };

	memcpy(gmem(table_gpa) + 16 * i, &d, sizeof(d));
}

static void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	put_desc(DESC_GPA, i, addr, len, flags, next);
}

static uint16_t avail_idx;

static void make_avail(uint16_t head)
{
	uint16_t *avail = (uint16_t *)gmem(AVAIL_GPA);

	avail[2 + avail_idx % QSIZE] = head;
	avail_idx++;
	__atomic_store_n(&avail[1], avail_idx, __ATOMIC_RELEASE);
}

static uint16_t used_idx(void)
{
	return *(uint16_t *)(gmem(USED_GPA) + 2);
}

static uint32_t used_len(unsigned i)
{
	uint32_t v;

	memcpy(&v, gmem(USED_GPA) + 4 + 8 * i + 4, 4);
	return v;
}

#define SETUP(event_idx, indirect)                                        \
	do {                                                              \
		avail_idx = 0;                                            \
		CHECK_INT(guest_setup(event_idx, indirect), 0);           \
	} while (0)

TEST(vq_pops_a_single_descriptor_chain)
{
	SETUP(false, false);
	desc(3, BUF_GPA, 100, 0, 0);
	make_avail(3);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 1);
	CHECK_INT(g.c.head, 3);
	CHECK_INT(g.c.n_out, 1);
	CHECK_INT(g.c.out_len, 100);
	CHECK(g.c.iov[0].iov_base == gmem(BUF_GPA));
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 0);
	guest_teardown();
}

TEST(vq_separates_readable_and_writable_buffers)
{
	SETUP(false, false);
	desc(0, BUF_GPA, 10, VQ_DESC_F_NEXT, 1);
	desc(1, BUF_GPA + 100, 20, VQ_DESC_F_WRITE | VQ_DESC_F_NEXT, 2);
	desc(2, BUF_GPA + 200, 30, VQ_DESC_F_WRITE, 0);
	make_avail(0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 1);
	CHECK_INT(g.c.n_out, 1);
	CHECK_INT(g.c.n_in, 2);
	CHECK_INT(g.c.in_len, 50);
	guest_teardown();
}

TEST(vq_rejects_descriptor_outside_memory)
{
	SETUP(false, false);
	desc(0, 0x900000000ULL, 64, 0, 0);
	make_avail(0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EBADMSG);
	CHECK_INT(g.bad, 1);
	vq_flush(&g.q);
	CHECK_INT(used_idx(), 0); /* the caller gives it back */
	vq_discard(&g.q, &g.c);
	vq_flush(&g.q);
	CHECK_INT(used_idx(), 1);
	CHECK_INT(used_len(0), 0);
	guest_teardown();
}

TEST(vq_rejects_descriptor_running_off_the_end_of_memory)
{
	SETUP(false, false);
	/* Starts in region 1, ends past it: nothing is mapped there. */
	desc(0, 2ULL * REGION_SIZE - 16, 32, 0, 0);
	make_avail(0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EBADMSG);
	CHECK_INT(g.bad, 1);
	guest_teardown();
}

TEST(vq_rejects_descriptor_whose_end_wraps_the_address_space)
{
	SETUP(false, false);
	desc(0, UINT64_MAX - 8, 64, 0, 0);
	make_avail(0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EBADMSG);
	CHECK_INT(g.bad, 1);
	guest_teardown();
}

TEST(vq_splits_buffer_across_adjacent_regions)
{
	SETUP(false, false);
	desc(0, REGION1_GPA - 10, 30, 0, 0);
	make_avail(0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 1);
	CHECK_INT(g.c.n_out, 2);
	CHECK_INT(g.c.iov[0].iov_len, 10);
	CHECK(g.c.iov[1].iov_base == g.mem.r[1].host);
	CHECK_INT(g.c.iov[1].iov_len, 20);
	guest_teardown();
}

TEST(vq_rejects_looping_chain)
{
	SETUP(false, false);
	desc(0, BUF_GPA, 10, VQ_DESC_F_NEXT, 1);
	desc(1, BUF_GPA, 10, VQ_DESC_F_NEXT, 0);
	make_avail(0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EBADMSG);
	CHECK_INT(g.bad, 1);
	guest_teardown();
}

TEST(vq_rejects_chain_with_next_out_of_range)
{
	SETUP(false, false);
	desc(0, BUF_GPA, 10, VQ_DESC_F_NEXT, QSIZE);
	make_avail(0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EBADMSG);
	CHECK_INT(g.bad, 1);
	guest_teardown();
}

TEST(vq_rejects_chain_longer_than_iovec_limit)
{
	unsigned i;

	SETUP(false, false);
	for (i = 0; i < VQ_CHAIN_MAX_IOV + 1; i++)
		desc(i, BUF_GPA + i, 1, VQ_DESC_F_NEXT, i + 1);
	desc(VQ_CHAIN_MAX_IOV + 1, BUF_GPA, 1, 0, 0);
	make_avail(0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EBADMSG);
	CHECK_INT(g.bad, 1);
	guest_teardown();
}

TEST(vq_accepts_chain_of_iovec_limit)
{
	unsigned i;

	SETUP(false, false);
	for (i = 0; i < VQ_CHAIN_MAX_IOV - 1; i++)
		desc(i, BUF_GPA + i, 1, VQ_DESC_F_NEXT, i + 1);
	desc(VQ_CHAIN_MAX_IOV - 1, BUF_GPA, 1, 0, 0);
	make_avail(0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 1);
	CHECK_INT(g.c.n_out, VQ_CHAIN_MAX_IOV);
	guest_teardown();
}

TEST(vq_skips_zero_length_buffers)
{
	unsigned i;

	SETUP(false, false);
	/* Many empty descriptors, even at unmapped addresses, add nothing. */
	for (i = 0; i < QSIZE - 1; i++)
		desc(i, 0x900000000ULL, 0, VQ_DESC_F_NEXT, i + 1);
	desc(QSIZE - 1, BUF_GPA, 60, 0, 0);
	make_avail(0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 1);
	CHECK_INT(g.c.n_out, 1);
	CHECK_INT(g.c.out_len, 60);
	guest_teardown();
}

TEST(vq_rejects_readable_buffer_after_writable)
{
	SETUP(false, false);
	desc(0, BUF_GPA, 10, VQ_DESC_F_WRITE | VQ_DESC_F_NEXT, 1);
	desc(1, BUF_GPA, 10, 0, 0);
	make_avail(0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EBADMSG);
	CHECK_INT(g.bad, 1);
	guest_teardown();
}

TEST(vq_accepts_indirect_table)
{
	SETUP(false, true);
	put_desc(INDIRECT_GPA, 0, BUF_GPA, 12, VQ_DESC_F_NEXT, 1);
	put_desc(INDIRECT_GPA, 1, BUF_GPA + 100, 50, VQ_DESC_F_NEXT, 2);
	put_desc(INDIRECT_GPA, 2, REGION1_GPA + 10, 70, 0, 0);
	desc(5, INDIRECT_GPA, 3 * 16, VQ_DESC_F_INDIRECT, 0);
	make_avail(5);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 1);
	CHECK_INT(g.c.head, 5);
	CHECK_INT(g.c.n_out, 3);
	CHECK_INT(g.c.out_len, 132);
	CHECK(g.c.iov[2].iov_base == g.mem.r[1].host + 10);
	guest_teardown();
}

TEST(vq_rejects_indirect_table_outside_memory)
{
	SETUP(false, true);
	desc(0, 0x900000000ULL, 4 * 16, VQ_DESC_F_INDIRECT, 0);
	make_avail(0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EBADMSG);
	CHECK_INT(g.bad, 1);
	guest_teardown();
}

TEST(vq_rejects_indirect_table_straddling_regions)
{
	SETUP(false, true);
	desc(0, REGION1_GPA - 16, 2 * 16, VQ_DESC_F_INDIRECT, 0);
	make_avail(0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EBADMSG);
	CHECK_INT(g.bad, 1);
	guest_teardown();
}

TEST(vq_rejects_nested_indirect_table)
{
	SETUP(false, true);
	put_desc(INDIRECT_GPA, 0, INDIRECT_GPA + 0x100, 16,
		 VQ_DESC_F_INDIRECT, 0);
	put_desc(INDIRECT_GPA + 0x100, 0, BUF_GPA, 60, 0, 0);
	desc(0, INDIRECT_GPA, 16, VQ_DESC_F_INDIRECT, 0);
	make_avail(0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EBADMSG);
	CHECK_INT(g.bad, 1);
	guest_teardown();
}

TEST(vq_rejects_indirect_table_when_not_negotiated)
{
	SETUP(false, false);
	put_desc(INDIRECT_GPA, 0, BUF_GPA, 60, 0, 0);
	desc(0, INDIRECT_GPA, 16, VQ_DESC_F_INDIRECT, 0);
	make_avail(0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EBADMSG);
	CHECK_INT(g.bad, 1);
	guest_teardown();
}

TEST(vq_rejects_indirect_table_of_bad_length)
{
	SETUP(false, true);
	desc(0, INDIRECT_GPA, 20, VQ_DESC_F_INDIRECT, 0);
	desc(1, INDIRECT_GPA, 0, VQ_DESC_F_INDIRECT, 0);
	desc(2, INDIRECT_GPA, 16, VQ_DESC_F_INDIRECT | VQ_DESC_F_NEXT, 3);
	make_avail(0);
	make_avail(1);
	make_avail(2);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EBADMSG);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EBADMSG);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EBADMSG);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 0);
	CHECK_INT(g.bad, 3);
	guest_teardown();
}

TEST(vq_rejects_looping_indirect_table)
{
	SETUP(false, true);
	put_desc(INDIRECT_GPA, 0, BUF_GPA, 1, VQ_DESC_F_NEXT, 1);
	put_desc(INDIRECT_GPA, 1, BUF_GPA, 1, VQ_DESC_F_NEXT, 0);
	desc(0, INDIRECT_GPA, 2 * 16, VQ_DESC_F_INDIRECT, 0);
	make_avail(0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EBADMSG);
	CHECK_INT(g.bad, 1);
	guest_teardown();
}

TEST(vq_rejects_head_out_of_range_without_returning_it)
{
	SETUP(false, false);
	desc(1, BUF_GPA, 60, 0, 0);
	make_avail(QSIZE + 5);
	make_avail(1);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EBADMSG);
	vq_discard(&g.q, &g.c);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 1);
	CHECK_INT(g.c.head, 1);
	CHECK_INT(g.bad, 1);
	vq_flush(&g.q);
	CHECK_INT(used_idx(), 0);
	guest_teardown();
}

TEST(vq_breaks_when_avail_index_jumps_past_queue_size)
{
	uint16_t *avail;

	SETUP(false, false);
	avail = (uint16_t *)gmem(AVAIL_GPA);
	avail[1] = QSIZE + 1;
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EPROTO);
	CHECK(g.q.broken);
	CHECK_INT(g.bad, 1);
	CHECK(!vq_ready(&g.q));
	avail[1] = 0;
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EIO);
	CHECK_INT(g.bad, 1);
	guest_teardown();
}

TEST(vq_restart_makes_a_broken_queue_usable_again)
{
	uint16_t *avail;

	SETUP(false, false);
	avail = (uint16_t *)gmem(AVAIL_GPA);
	avail[1] = QSIZE + 1;
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EPROTO);
	/* the guest reset its rings; the front-end gives the base again */
	avail[1] = 0;
	avail_idx = 0;
	vq_restart(&g.q, 0);
	CHECK(vq_ready(&g.q));
	desc(0, BUF_GPA, 60, 0, 0);
	make_avail(0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 1);
	guest_teardown();
}

TEST(vq_accepts_exactly_queue_size_entries)
{
	unsigned i;

	SETUP(false, false);
	desc(0, BUF_GPA, 60, 0, 0);
	for (i = 0; i < QSIZE; i++)
		make_avail(0);
	for (i = 0; i < QSIZE; i++)
		CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 1);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 0);
	CHECK_INT(g.bad, 0);
	guest_teardown();
}

TEST(vq_unpop_gives_chains_back_in_order)
{
	uint16_t first;

	SETUP(false, false);
	desc(0, BUF_GPA, 60, VQ_DESC_F_WRITE, 0);
	desc(1, BUF_GPA + 100, 60, VQ_DESC_F_WRITE, 0);
	make_avail(0);
	make_avail(1);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 1);
	first = g.c.avail_slot;
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 1);
	vq_unpop(&g.q, first);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 1);
	CHECK_INT(g.c.head, 0);
	guest_teardown();
}

/* The review's case: a bad chain between two good ones, then the first
 * given back.  The bad chain must reach the used ring once only. */
TEST(vq_pop_never_pushes_so_unpop_cannot_repeat_a_bad_chain)
{
	uint16_t first;

	SETUP(false, false);
	desc(0, BUF_GPA, 60, VQ_DESC_F_WRITE, 0);
	desc(1, 0x900000000ULL, 60, VQ_DESC_F_WRITE, 0); /* outside memory */
	desc(2, BUF_GPA + 100, 60, VQ_DESC_F_WRITE, 0);
	make_avail(0);
	make_avail(1);
	make_avail(2);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 1);
	first = g.c.avail_slot;
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EBADMSG);
	CHECK_INT(g.c.head, 1);
	CHECK_INT(vq_unpublished(&g.q), 0);
	vq_unpop(&g.q, first);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 1);
	CHECK_INT(g.c.head, 0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), -EBADMSG);
	vq_discard(&g.q, &g.c);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 1);
	CHECK_INT(g.c.head, 2);
	CHECK_INT(vq_unpublished(&g.q), 1);
	CHECK_INT(g.bad, 2); /* seen twice, given back once */
	guest_teardown();
}

TEST(vq_used_index_published_once_per_flush)
{
	SETUP(false, false);
	vq_push(&g.q, 0, 10);
	vq_push(&g.q, 1, 20);
	CHECK_INT(used_idx(), 0);
	CHECK_INT(vq_unpublished(&g.q), 2);
	vq_flush(&g.q);
	CHECK_INT(used_idx(), 2);
	CHECK_INT(used_len(1), 20);
	CHECK_INT(vq_unpublished(&g.q), 0);
	guest_teardown();
}

TEST(vq_no_interrupt_flag_suppresses_notification)
{
	uint16_t *avail;

	SETUP(false, false);
	avail = (uint16_t *)gmem(AVAIL_GPA);
	vq_push(&g.q, 0, 10);
	vq_flush(&g.q);
	CHECK(vq_should_notify(&g.q));
	avail[0] = VQ_AVAIL_F_NO_INTERRUPT;
	vq_push(&g.q, 0, 10);
	vq_flush(&g.q);
	CHECK(!vq_should_notify(&g.q));
	guest_teardown();
}

TEST(vq_event_idx_notifies_only_when_used_event_is_passed)
{
	uint16_t *used_event;

	SETUP(true, false);
	used_event = (uint16_t *)gmem(AVAIL_GPA) + 2 + QSIZE;
	*used_event = 2; /* "interrupt me when entry 2 is used" */
	vq_push(&g.q, 0, 10);
	vq_flush(&g.q);
	CHECK(vq_should_notify(&g.q)); /* first one: always */
	vq_push(&g.q, 0, 10);
	vq_flush(&g.q);
	CHECK(!vq_should_notify(&g.q)); /* used idx 2: entry 2 not used yet */
	vq_push(&g.q, 0, 10);
	vq_flush(&g.q);
	CHECK(vq_should_notify(&g.q)); /* used idx 3 */
	guest_teardown();
}

TEST(vq_enable_notify_sets_avail_event_and_reports_new_buffers)
{
	uint16_t avail_event;

	SETUP(true, false);
	desc(0, BUF_GPA, 60, 0, 0);
	make_avail(0);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 1);
	CHECK(!vq_enable_notify(&g.q));
	memcpy(&avail_event, gmem(USED_GPA) + 4 + 8 * QSIZE, 2);
	CHECK_INT(avail_event, 1);
	make_avail(0);
	CHECK(vq_enable_notify(&g.q));
	guest_teardown();
}

/* Two buffers available, one popped and given back, the guest at index
 * 2: a kick for "entry 0" (last_avail_idx) would never come; the guest
 * must kick when it makes entry 2 available. */
TEST(vq_enable_notify_on_more_asks_for_the_entry_after_those_available)
{
	uint16_t avail_event;

	SETUP(true, false);
	desc(0, BUF_GPA, 60, 0, 0);
	desc(1, BUF_GPA + 64, 60, 0, 0);
	make_avail(0);
	make_avail(1);
	CHECK_INT(vq_pop(&g.q, &g.mem, &g.c), 1);
	vq_unpop(&g.q, g.c.avail_slot);
	CHECK(!vq_enable_notify_on_more(&g.q));
	memcpy(&avail_event, gmem(USED_GPA) + 4 + 8 * QSIZE, 2);
	CHECK_INT(avail_event, 2);
	guest_teardown();
}

TEST(vq_disable_notify_sets_no_notify_flag_without_event_idx)
{
	SETUP(false, false);
	vq_disable_notify(&g.q);
	CHECK_INT(*(uint16_t *)gmem(USED_GPA), VQ_USED_F_NO_NOTIFY);
	CHECK(!vq_enable_notify(&g.q));
	CHECK_INT(*(uint16_t *)gmem(USED_GPA), 0);
	guest_teardown();
}

TEST(vq_map_rejects_rings_outside_or_misaligned)
{
	SETUP(false, false);
	g.q.used_uva = g.mem.r[0].uva + REGION_SIZE - 16;
	CHECK_INT(vq_map(&g.q, &g.mem), -EFAULT);
	CHECK(!vq_ready(&g.q));
	g.q.used_uva = g.mem.r[0].uva + USED_GPA;
	g.q.desc_uva = g.mem.r[0].uva + 8;
	CHECK_INT(vq_map(&g.q, &g.mem), -EFAULT);
	g.q.desc_uva = 0x10;
	CHECK_INT(vq_map(&g.q, &g.mem), -EFAULT);
	g.q.desc_uva = g.mem.r[0].uva + DESC_GPA;
	CHECK_INT(vq_map(&g.q, &g.mem), 0);
	guest_teardown();
}

TEST(vq_mem_gpa_to_iov_stops_at_iovec_limit)
{
	struct iovec iov[1];
	unsigned n = 0;

	SETUP(false, false);
	CHECK_INT(vq_mem_gpa_to_iov(&g.mem, REGION1_GPA - 4, 8, iov, &n, 1),
		  -E2BIG);
	CHECK_INT(n, 1);
	guest_teardown();
}

int main(int argc, char **argv) { return test_main(argc, argv); }
