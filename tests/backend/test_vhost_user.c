// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vhost-user device tests: the protocol as QEMU and DPDK drive it, the
 * device's answers to bad requests, and frames through both rings.
 *
 * Each case builds a fresh in-process device (test_vhost_user_dev.h) and
 * a test front-end (frontend.h) connected over a unix socket, in one
 * thread: the front-end runs the device's loop while it waits.  Cases
 * about bad requests negotiate REPLY_ACK and expect a failure status with
 * the connection kept, or expect the connection to be dropped when no
 * reply was asked for.  Descriptor-level checks live in test_virtqueue.c;
 * here crafted chains only show that the device counts what it drops.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backend/vhost_user.h"
#include "tests/harness.h"
#include "test_vhost_user_dev.h"

#define TIMEOUT_MS 2000

static const struct fe_config default_cfg;

static void fill_pattern(uint8_t *buf, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + seed);
}

/* One started device and front-end, or SKIP/FAIL from the caller. */
#define SETUP(t, fe, cfg, style)                                          \
	struct tdev *t = tdev_new();                                      \
	CHECK(t);                                                         \
	struct fe *fe = tdev_frontend_started(t, cfg, style);             \
	CHECK_MSG(fe, "handshake failed")

#define SETUP_CONNECTED(t, fe, cfg)                                       \
	struct tdev *t = tdev_new();                                      \
	CHECK(t);                                                         \
	struct fe *fe = tdev_frontend(t, cfg);                            \
	CHECK_MSG(fe, "connect failed");                                  \
	CHECK_INT(fe_negotiate(fe), 0)

static int send_state(struct fe *fe, uint32_t req, uint32_t index,
		      uint32_t num)
{
	struct fe_vring_state s = { index, num };

	return fe_request(fe, req, &s, sizeof(s), NULL, 0, NULL, 0);
}

/* ---- handshake and lifecycle ---- */

TEST(vu_qemu_handshake_makes_rx_usable)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	CHECK(vu_dev_connected(t->dev));
	CHECK(vu_dev_rx_usable(t->dev));
	CHECK(t->rx_ready >= 1);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_dpdk_handshake_makes_rx_usable)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_DPDK);
	CHECK(vu_dev_rx_usable(t->dev));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_offers_version1_mrg_rxbuf_event_idx_indirect_protocol_features)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	uint64_t f;

	CHECK_INT(fe_get_u64(fe, FE_GET_FEATURES, &f), 0);
	CHECK(f & (1ULL << FE_F_VERSION_1));
	CHECK(f & (1ULL << FE_F_NET_MRG_RXBUF));
	CHECK(f & (1ULL << FE_F_EVENT_IDX));
	CHECK(f & (1ULL << FE_F_INDIRECT_DESC));
	CHECK(f & (1ULL << FE_F_PROTOCOL_FEATURES));
	CHECK(fe->protocol_features & (1ULL << FE_PF_REPLY_ACK));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_get_queue_num_reports_one_pair)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	uint64_t n;

	CHECK_INT(fe_get_u64(fe, FE_GET_QUEUE_NUM, &n), 0);
	CHECK_INT(n, 1);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_get_status_returns_what_set_status_set)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	uint64_t s;

	CHECK_INT(fe_request_u64(fe, FE_SET_STATUS, 0xb), 0);
	CHECK_INT(fe_get_u64(fe, FE_GET_STATUS, &s), 0);
	CHECK_INT(s, 0xb);
	fe_free(fe);
	tdev_free(t);
}

/* As passt: the MTU is the back-end's own, the front-end cannot set it. */
TEST(vu_does_not_offer_net_mtu_and_refuses_net_set_mtu)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	uint64_t pf;

	CHECK_INT(fe_get_u64(fe, FE_GET_PROTOCOL_FEATURES, &pf), 0);
	CHECK(!(pf & (1ULL << FE_PF_NET_MTU)));
	CHECK_INT(fe_request_u64(fe, FE_NET_SET_MTU, 65520), -EIO);
	CHECK(fe_peer_alive(fe));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_accepts_rarp_and_backend_req_fd)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	int fd = eventfd(0, EFD_CLOEXEC), before = tdev_count_fds();

	CHECK_INT(fe_request_u64(fe, FE_SEND_RARP, 0x525400123456ULL), 0);
	CHECK_INT(fe_request(fe, FE_SET_BACKEND_REQ_FD, NULL, 0, &fd, 1,
			     NULL, 0), 0);
	CHECK_INT(tdev_count_fds(), before);
	close(fd);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_reconnect_after_disconnect_carries_traffic)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[60];

	fe_disconnect(fe);
	tdev_pump(t);
	CHECK(!vu_dev_connected(t->dev));
	CHECK(!vu_dev_rx_usable(t->dev));
	CHECK_INT(fe_connect(fe, t->path, TIMEOUT_MS), 0);
	CHECK_INT(fe_handshake(fe, FE_STYLE_QEMU), 0);
	fill_pattern(frame, sizeof(frame), 3);
	CHECK_INT(fe_tx_send(fe, frame, sizeof(frame)), 0);
	CHECK_INT(fe_wait_used(fe, &fe->tx, TIMEOUT_MS), 0);
	CHECK_INT(t->frames, 1);
	CHECK(!memcmp(t->last_frame, frame, sizeof(frame)));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_resumes_rings_after_front_end_reconnects_without_reset)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[60];
	uint32_t id, len;
	int i;

	/* As QEMU after a back-end restart: same rings, base = used index. */
	for (i = 0; i < 5; i++)
		CHECK_INT(fe_tx_send(fe, frame, sizeof(frame)), 0);
	tdev_pump(t);
	CHECK_INT(t->frames, 5);
	close(fe->sock);
	fe->sock = -1;
	tdev_pump(t);
	CHECK(!vu_dev_connected(t->dev));
	CHECK_INT(fe_connect(fe, t->path, TIMEOUT_MS), 0);
	CHECK_INT(fe_handshake(fe, FE_STYLE_QEMU), 0);
	fill_pattern(frame, sizeof(frame), 13);
	CHECK_INT(fe_tx_send(fe, frame, sizeof(frame)), 0);
	CHECK_INT(fe_wait_used(fe, &fe->tx, TIMEOUT_MS), 0);
	CHECK_INT(t->frames, 6);
	CHECK(!memcmp(t->last_frame, frame, sizeof(frame)));
	CHECK_INT(fe_used_idx(&fe->tx), 6);
	while (fe_used_pop(&fe->tx, &id, &len))
		;
	CHECK_INT(id, 5);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_disconnect_unmaps_guest_memory_and_closes_fds)
{
	int fds_before = tdev_count_fds();
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);

	CHECK_INT(tdev_count_guest_maps(), 2); /* the front-end's and ours */
	fe_disconnect(fe);
	tdev_pump(t);
	CHECK_INT(tdev_count_guest_maps(), 1);
	fe_free(fe);
	tdev_free(t);
	CHECK_INT(tdev_count_fds(), fds_before);
}

TEST(vu_reset_device_stops_rings_until_set_up_again)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[60] = { 1 };

	CHECK_INT(fe_request(fe, FE_RESET_DEVICE, NULL, 0, NULL, 0, NULL, 0), 0);
	CHECK(!vu_dev_rx_usable(t->dev));
	CHECK_INT(tdev_count_guest_maps(), 1);
	fe_rings_reset(fe);
	CHECK_INT(fe_set_mem_table(fe), 0);
	CHECK_INT(fe_start_ring(fe, &fe->rx), 0);
	CHECK_INT(fe_start_ring(fe, &fe->tx), 0);
	CHECK_INT(fe_set_vring_enable(fe, FE_RXQ, true), 0);
	CHECK_INT(fe_set_vring_enable(fe, FE_TXQ, true), 0);
	CHECK(vu_dev_rx_usable(t->dev));
	CHECK_INT(fe_tx_send(fe, frame, sizeof(frame)), 0);
	CHECK_INT(fe_wait_used(fe, &fe->tx, TIMEOUT_MS), 0);
	CHECK_INT(t->frames, 1);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_get_vring_base_stops_the_ring_and_reports_next_index)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[60] = { 1 };
	uint32_t base;
	int i;

	for (i = 0; i < 3; i++)
		CHECK_INT(fe_tx_send(fe, frame, sizeof(frame)), 0);
	tdev_pump(t);
	CHECK_INT(t->frames, 3);
	CHECK_INT(fe_get_vring_base(fe, FE_TXQ, &base), 0);
	CHECK_INT(base, 3);
	CHECK_INT(fe_tx_send(fe, frame, sizeof(frame)), 0);
	fe_kick(&fe->tx);
	tdev_pump(t);
	CHECK_INT(t->frames, 3);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_ring_disabled_carries_no_traffic_until_enabled)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[60] = { 1 };

	CHECK_INT(fe_set_vring_enable(fe, FE_TXQ, false), 0);
	CHECK_INT(fe_tx_send(fe, frame, sizeof(frame)), 0);
	fe_kick(&fe->tx);
	tdev_pump(t);
	CHECK_INT(t->frames, 0);
	CHECK_INT(fe_set_vring_enable(fe, FE_TXQ, true), 0);
	tdev_pump(t);
	CHECK_INT(t->frames, 1);
	fe_free(fe);
	tdev_free(t);
}

/* ---- bad requests ---- */

TEST(vu_rejects_vring_num_not_power_of_two)
{
	SETUP_CONNECTED(t, fe, &default_cfg);

	CHECK_INT(send_state(fe, FE_SET_VRING_NUM, FE_RXQ, 100), -EIO);
	CHECK(fe_peer_alive(fe));
	CHECK_INT(send_state(fe, FE_SET_VRING_NUM, FE_RXQ, 0), -EIO);
	CHECK_INT(send_state(fe, FE_SET_VRING_NUM, FE_RXQ, 256), 0);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rejects_vring_num_above_32768)
{
	SETUP_CONNECTED(t, fe, &default_cfg);

	CHECK_INT(send_state(fe, FE_SET_VRING_NUM, FE_TXQ, 65536), -EIO);
	CHECK_INT(send_state(fe, FE_SET_VRING_NUM, FE_TXQ, 32768), 0);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rejects_queue_index_out_of_range)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	uint64_t kick = 2;
	int fd = eventfd(0, EFD_CLOEXEC), before = tdev_count_fds();

	CHECK_INT(send_state(fe, FE_SET_VRING_NUM, 2, 256), -EIO);
	CHECK_INT(send_state(fe, FE_SET_VRING_BASE, 7, 0), -EIO);
	CHECK_INT(send_state(fe, FE_SET_VRING_ENABLE, 255, 1), -EIO);
	CHECK_INT(fe_request(fe, FE_SET_VRING_CALL, &kick, sizeof(kick), &fd,
			     1, NULL, 0), -EIO);
	CHECK_INT(tdev_count_fds(), before);
	CHECK(fe_peer_alive(fe));
	close(fd);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_get_vring_base_of_unknown_queue_drops_connection)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	uint32_t base;

	/* A request with a reply of its own cannot answer "failed". */
	CHECK(fe_get_vring_base(fe, 9, &base) < 0);
	CHECK(!vu_dev_connected(t->dev));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rejects_payload_of_wrong_size)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	uint32_t half = 0;
	uint8_t big[64] = { 0 };

	CHECK_INT(fe_request(fe, FE_SET_FEATURES, &half, sizeof(half), NULL, 0,
			     NULL, 0), -EIO);
	CHECK_INT(fe_request(fe, FE_SET_VRING_ADDR, big, sizeof(big), NULL, 0,
			     NULL, 0), -EIO);
	CHECK_INT(fe_request(fe, FE_SET_MEM_TABLE, big, 7, NULL, 0, NULL, 0),
		  -EIO);
	CHECK(fe_peer_alive(fe));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rejects_features_not_offered)
{
	SETUP_CONNECTED(t, fe, &default_cfg);

	CHECK_INT(fe_request_u64(fe, FE_SET_FEATURES, 1ULL << 63), -EIO);
	CHECK_INT(fe_request_u64(fe, FE_SET_PROTOCOL_FEATURES, 1ULL << 60),
		  -EIO);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rejects_kick_without_fd_and_closes_extra_fds)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	uint64_t f = 0;
	int fds[2] = { eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC) };
	int before = tdev_count_fds();

	CHECK_INT(fe_request_u64(fe, FE_SET_VRING_KICK, FE_TXQ), -EIO);
	CHECK_INT(fe_request(fe, FE_SET_FEATURES, &f, sizeof(f), fds, 1, NULL,
			     0), -EIO);
	CHECK_INT(fe_request(fe, FE_SET_VRING_CALL, &f, sizeof(f), fds, 2,
			     NULL, 0), -EIO);
	CHECK_INT(tdev_count_fds(), before);
	CHECK(fe_peer_alive(fe));
	close(fds[0]);
	close(fds[1]);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_accepts_call_and_err_with_nofd_flag)
{
	SETUP_CONNECTED(t, fe, &default_cfg);

	CHECK_INT(fe_request_u64(fe, FE_SET_VRING_CALL, FE_VRING_NOFD | FE_RXQ),
		  0);
	CHECK_INT(fe_request_u64(fe, FE_SET_VRING_ERR, FE_VRING_NOFD | FE_TXQ),
		  0);
	/* Polling instead of kicks is not offered. */
	CHECK_INT(fe_request_u64(fe, FE_SET_VRING_KICK, FE_VRING_NOFD | FE_TXQ),
		  -EIO);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rejects_ring_address_outside_memory)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	struct fe_vring_addr a = { .index = FE_RXQ };

	CHECK_INT(fe_set_mem_table(fe), 0);
	CHECK_INT(send_state(fe, FE_SET_VRING_NUM, FE_RXQ, 256), 0);
	a.desc = fe_uva(fe, fe->rx.desc_gpa);
	a.avail = fe_uva(fe, fe->rx.avail_gpa);
	a.used = fe_uva(fe, fe->r[0].gpa) + fe->r[0].size - 8; /* runs off */
	CHECK_INT(fe_request(fe, FE_SET_VRING_ADDR, &a, sizeof(a), NULL, 0,
			     NULL, 0), -EIO);
	a.used = 0x10; /* not mapped at all */
	CHECK_INT(fe_request(fe, FE_SET_VRING_ADDR, &a, sizeof(a), NULL, 0,
			     NULL, 0), -EIO);
	a.used = fe_uva(fe, fe->rx.used_gpa) + 2; /* misaligned */
	CHECK_INT(fe_request(fe, FE_SET_VRING_ADDR, &a, sizeof(a), NULL, 0,
			     NULL, 0), -EIO);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rejects_larger_vring_num_once_rings_no_longer_fit)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	struct fe_vring_addr a = { .index = FE_RXQ };
	/* used ring of 256 entries: header, elements, event index */
	const uint64_t used_len = 4 + 8 * 256 + 2 + 2;

	CHECK_INT(fe_set_mem_table(fe), 0);
	CHECK_INT(send_state(fe, FE_SET_VRING_NUM, FE_RXQ, 256), 0);
	a.desc = fe_uva(fe, fe->rx.desc_gpa);
	a.avail = fe_uva(fe, fe->rx.avail_gpa);
	a.used = fe_uva(fe, fe->r[0].gpa) + fe->r[0].size - used_len;
	CHECK_INT(fe_request(fe, FE_SET_VRING_ADDR, &a, sizeof(a), NULL, 0,
			     NULL, 0), 0);
	/* the same rings for 32768 entries would run off the region */
	CHECK_INT(send_state(fe, FE_SET_VRING_NUM, FE_RXQ, 32768), -EIO);
	CHECK(fe_peer_alive(fe));
	CHECK(!vu_dev_rx_usable(t->dev));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rejects_ring_address_before_memory_table)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	struct fe_vring_addr a = { .index = FE_RXQ };

	CHECK_INT(send_state(fe, FE_SET_VRING_NUM, FE_RXQ, 256), 0);
	a.desc = fe_uva(fe, fe->rx.desc_gpa);
	a.avail = fe_uva(fe, fe->rx.avail_gpa);
	a.used = fe_uva(fe, fe->rx.used_gpa);
	CHECK_INT(fe_request(fe, FE_SET_VRING_ADDR, &a, sizeof(a), NULL, 0,
			     NULL, 0), -EIO);
	fe_free(fe);
	tdev_free(t);
}

static int send_mem_table(struct fe *fe, const struct fe_mem_table *tbl,
			  unsigned n_entries, const int *fds, unsigned n_fds)
{
	return fe_request(fe, FE_SET_MEM_TABLE, tbl,
			  8 + sizeof(tbl->r[0]) * n_entries, fds, n_fds, NULL, 0);
}

TEST(vu_rejects_memory_table_with_fd_count_mismatch)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	struct fe_mem_table tbl = { .nregions = 1 };
	int fds[2] = { fe->r[0].fd, fe->r[0].fd }, before = tdev_count_fds();

	tbl.r[0].size = fe->r[0].size;
	tbl.r[0].uva = fe_uva(fe, 0);
	CHECK_INT(send_mem_table(fe, &tbl, 1, fds, 0), -EIO);
	CHECK_INT(send_mem_table(fe, &tbl, 1, fds, 2), -EIO);
	CHECK_INT(tdev_count_fds(), before);
	CHECK_INT(tdev_count_guest_maps(), 1);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rejects_memory_table_with_too_many_regions)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	uint8_t raw[8 + 32 * 9] = { 9 };

	CHECK_INT(fe_request(fe, FE_SET_MEM_TABLE, raw, sizeof(raw), NULL, 0,
			     NULL, 0), -EIO);
	CHECK(fe_peer_alive(fe));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rejects_region_larger_than_its_file)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	struct fe_mem_table tbl = { .nregions = 1 };
	int fd = fe->r[0].fd;

	tbl.r[0].size = fe->r[0].size * 2;
	tbl.r[0].uva = fe_uva(fe, 0);
	CHECK_INT(send_mem_table(fe, &tbl, 1, &fd, 1), -EIO);
	tbl.r[0].size = fe->r[0].size;
	tbl.r[0].mmap_offset = UINT64_MAX - 100; /* wraps */
	CHECK_INT(send_mem_table(fe, &tbl, 1, &fd, 1), -EIO);
	tbl.r[0].mmap_offset = 0;
	tbl.r[0].gpa = UINT64_MAX - 4096; /* wraps */
	CHECK_INT(send_mem_table(fe, &tbl, 1, &fd, 1), -EIO);
	CHECK_INT(tdev_count_guest_maps(), 1);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_maps_region_at_an_offset_in_its_file)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	struct fe_mem_table tbl = { .nregions = 2 };
	int fds[2] = { fe->r[0].fd, fe->r[0].fd };
	uint8_t frame[60];

	/* Region 0 as usual but cut short; the rest of the same file is a
	 * second region at an unaligned offset, as QEMU splits RAM. */
	tbl.r[0].size = 2 << 20;
	tbl.r[0].uva = fe_uva(fe, 0);
	tbl.r[1].gpa = 0x80000000ULL;
	tbl.r[1].mmap_offset = (2 << 20) + 100;
	tbl.r[1].size = (2 << 20) - 100;
	tbl.r[1].uva = fe_uva(fe, 0) + tbl.r[1].mmap_offset;
	CHECK_INT(fe_request_u64(fe, FE_SET_FEATURES, fe->features), 0);
	CHECK_INT(send_mem_table(fe, &tbl, 2, fds, 2), 0);
	CHECK_INT(fe_start_ring(fe, &fe->rx), 0);
	CHECK_INT(fe_start_ring(fe, &fe->tx), 0);
	CHECK_INT(fe_set_vring_enable(fe, FE_RXQ, true), 0);
	CHECK_INT(fe_set_vring_enable(fe, FE_TXQ, true), 0);
	/* A frame in the second region: guest-physical 0x80000000 is file
	 * offset 2 MiB + 100, which the front-end sees at that offset. */
	fill_pattern(frame, sizeof(frame), 12);
	memset(fe->r[0].host + (2 << 20) + 100, 0, FE_NET_HDR_LEN);
	memcpy(fe->r[0].host + (2 << 20) + 100 + FE_NET_HDR_LEN, frame,
	       sizeof(frame));
	fe_desc_write(&fe->tx, 0, 0x80000000ULL, FE_NET_HDR_LEN + sizeof(frame),
		      0, 0);
	fe_avail_add(&fe->tx, 0);
	fe_kick(&fe->tx);
	CHECK_INT(fe_wait_used(fe, &fe->tx, TIMEOUT_MS), 0);
	CHECK_INT(t->frames, 1);
	CHECK(!memcmp(t->last_frame, frame, sizeof(frame)));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rejects_region_that_cannot_be_mapped)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	struct fe_mem_table tbl = { .nregions = 1 };
	int p[2], before;

	CHECK_INT(pipe(p), 0);
	before = tdev_count_fds();
	tbl.r[0].size = 4096;
	tbl.r[0].uva = fe_uva(fe, 0);
	CHECK_INT(send_mem_table(fe, &tbl, 1, &p[0], 1), -EIO);
	CHECK_INT(tdev_count_fds(), before);
	CHECK(fe_peer_alive(fe));
	close(p[0]);
	close(p[1]);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rejects_overlapping_regions)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	struct fe_mem_table tbl = { .nregions = 2 };
	int fds[2] = { fe->r[0].fd, fe->r[0].fd };

	tbl.r[0].size = tbl.r[1].size = fe->r[0].size;
	tbl.r[0].uva = tbl.r[1].uva = fe_uva(fe, 0);
	tbl.r[1].gpa = 4096;
	CHECK_INT(send_mem_table(fe, &tbl, 2, fds, 2), -EIO);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rejects_dirty_logging)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	uint64_t log[2] = { 4096, 0 };
	int fd = eventfd(0, EFD_CLOEXEC), before = tdev_count_fds();

	CHECK_INT(fe_request(fe, FE_SET_LOG_BASE, log, sizeof(log), &fd, 1,
			     NULL, 0), -EIO);
	CHECK_INT(fe_request(fe, FE_SET_LOG_FD, NULL, 0, &fd, 1, NULL, 0), -EIO);
	CHECK_INT(tdev_count_fds(), before);
	close(fd);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_unknown_request_gets_error_reply_when_asked)
{
	SETUP_CONNECTED(t, fe, &default_cfg);

	CHECK_INT(fe_request(fe, 200, NULL, 0, NULL, 0, NULL, 0), -EIO);
	CHECK(fe_peer_alive(fe));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_unknown_request_without_reply_drops_connection)
{
	SETUP_CONNECTED(t, fe, &default_cfg);

	CHECK_INT(fe_send_raw(fe, 200, FE_FLAG_VERSION, NULL, 0, NULL, 0), 0);
	CHECK(!fe_peer_alive(fe));
	CHECK(!vu_dev_connected(t->dev));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_failed_request_without_reply_ack_drops_then_reconnect_works)
{
	struct fe_config cfg = { .protocol_features = 1ULL << FE_PF_MQ };
	SETUP_CONNECTED(t, fe, &cfg);

	CHECK(!(fe->protocol_features & (1ULL << FE_PF_REPLY_ACK)));
	CHECK_INT(send_state(fe, FE_SET_VRING_NUM, FE_RXQ, 3), 0);
	CHECK(!fe_peer_alive(fe));
	fe_disconnect(fe);
	CHECK_INT(fe_connect(fe, t->path, TIMEOUT_MS), 0);
	CHECK_INT(fe_handshake(fe, FE_STYLE_QEMU), 0);
	tdev_pump(t);
	CHECK(vu_dev_rx_usable(t->dev));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_oversized_message_drops_connection)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	static uint8_t big[100000];

	CHECK_INT(fe_send_raw(fe, FE_SET_FEATURES, FE_FLAG_VERSION, big,
			      sizeof(big), NULL, 0), 0);
	CHECK(!fe_peer_alive(fe));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_wrong_protocol_version_is_refused)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	uint64_t f = 0;

	CHECK_INT(fe_send_raw(fe, FE_SET_FEATURES, 0x2 | FE_FLAG_NEED_REPLY, &f,
			      sizeof(f), NULL, 0), 0);
	{
		struct fe_msg_hdr hdr;
		uint64_t status = 0;

		CHECK_INT(fe_recv_reply(fe, &hdr, &status, sizeof(status)), 8);
		CHECK(status != 0);
	}
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_front_end_stalling_inside_a_message_is_dropped)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	struct fe_msg_hdr hdr = { FE_SET_FEATURES, FE_FLAG_VERSION, 8 };

	/* The header promises a payload that never comes. */
	CHECK_INT(write(fe->sock, &hdr, sizeof(hdr)), sizeof(hdr));
	tdev_pump(t);
	CHECK(!vu_dev_connected(t->dev));
	CHECK(!fe_peer_alive(fe));
	fe_free(fe);
	tdev_free(t);
}

/* A front-end that sends requests but never reads the replies: once its
 * socket buffer is full the device drops it, and the (single-threaded)
 * device never blocks on it: the alarm fails the case if it does. */
TEST(vu_front_end_not_reading_replies_is_dropped_without_blocking)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	int i;

	alarm(10);
	for (i = 0; i < 100000 && vu_dev_connected(t->dev); i++) {
		if (fe_send_raw(fe, FE_GET_FEATURES, FE_FLAG_VERSION, NULL, 0,
				NULL, 0))
			break;
		tdev_pump(t);
	}
	alarm(0);
	CHECK_MSG(!vu_dev_connected(t->dev),
		  "still connected after %d unread replies", i);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_truncated_header_drops_connection)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	uint32_t partial = FE_GET_FEATURES;

	CHECK_INT(write(fe->sock, &partial, sizeof(partial)), 4);
	shutdown(fe->sock, SHUT_WR);
	CHECK(!fe_peer_alive(fe));
	fe_free(fe);
	tdev_free(t);
}

/* ---- frames from the guest (TX) ---- */

TEST(vu_tx_frame_reaches_handler_without_header)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[1514];

	fill_pattern(frame, sizeof(frame), 1);
	CHECK_INT(fe_tx_send(fe, frame, sizeof(frame)), 0);
	CHECK_INT(fe_wait_call(fe, &fe->tx, TIMEOUT_MS), 0);
	CHECK_INT(t->frames, 1);
	CHECK_INT(t->last_len, sizeof(frame));
	CHECK(!t->iov_len_mismatch);
	CHECK(!memcmp(t->last_frame, frame, sizeof(frame)));
	CHECK_INT(fe_used_idx(&fe->tx), 1);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_tx_frame_split_over_descriptors_arrives_intact)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[1000];

	fill_pattern(frame, sizeof(frame), 2);
	/* 1012 bytes in 5 descriptors of at most 203. */
	CHECK_INT(fe_tx_send_ex(fe, frame, sizeof(frame), 5, false), 0);
	CHECK_INT(fe_wait_used(fe, &fe->tx, TIMEOUT_MS), 0);
	CHECK_INT(t->frames, 1);
	CHECK_INT(t->last_len, sizeof(frame));
	CHECK(!t->iov_len_mismatch);
	CHECK(!memcmp(t->last_frame, frame, sizeof(frame)));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_tx_header_split_across_descriptors_is_stripped)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[12];

	/* 24 bytes over 8 descriptors of 3: the header takes four. */
	fill_pattern(frame, sizeof(frame), 9);
	CHECK_INT(fe_tx_send_ex(fe, frame, sizeof(frame), 8, false), 0);
	CHECK_INT(fe_wait_used(fe, &fe->tx, TIMEOUT_MS), 0);
	CHECK_INT(t->frames, 1);
	CHECK_INT(t->last_len, sizeof(frame));
	CHECK_INT(t->last_iovcnt, 4);
	CHECK(!memcmp(t->last_frame, frame, sizeof(frame)));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_tx_indirect_chain_arrives_intact)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[600];

	fill_pattern(frame, sizeof(frame), 4);
	CHECK_INT(fe_tx_send_ex(fe, frame, sizeof(frame), 3, true), 0);
	CHECK_INT(fe_wait_used(fe, &fe->tx, TIMEOUT_MS), 0);
	CHECK_INT(t->frames, 1);
	CHECK(!memcmp(t->last_frame, frame, sizeof(frame)));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_tx_queued_frames_form_one_batch_and_one_used_update)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[60] = { 0 };
	eventfd_t calls;
	int i;

	for (i = 0; i < 10; i++)
		CHECK_INT(fe_tx_send(fe, frame, sizeof(frame)), 0);
	tdev_pump(t);
	CHECK_INT(t->frames, 10);
	CHECK_INT(t->batches, 1);
	CHECK_INT(fe_used_idx(&fe->tx), 10);
	CHECK_INT(eventfd_read(fe->tx.call_fd, &calls), 0);
	CHECK_INT(calls, 1);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_tx_more_than_a_batch_is_all_delivered)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[60] = { 0 };
	int i;

	for (i = 0; i < 250; i++)
		CHECK_INT(fe_tx_send(fe, frame, sizeof(frame)), 0);
	tdev_pump(t);
	CHECK_INT(t->frames, 250);
	CHECK(t->batches >= 4);
	CHECK_INT(fe_used_idx(&fe->tx), 250);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_tx_handler_answering_on_rx_keeps_tx_used_ids_right)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[100], got[2048];
	uint32_t id, len;
	unsigned i;

	/* TX chains of two descriptors have heads 0, 2, 4: a TX chain
	 * completed with the RX head popped meanwhile would show here. */
	t->echo = true;
	CHECK_INT(fe_rx_post(fe, 4, 2048), 0); /* RX heads 0..3 */
	for (i = 0; i < 3; i++) {
		fill_pattern(frame, sizeof(frame), i);
		CHECK_INT(fe_tx_send_ex(fe, frame, sizeof(frame), 2, false), 0);
	}
	tdev_pump(t);
	CHECK_INT(t->frames, 3);
	for (i = 0; i < 3; i++) {
		CHECK_INT(fe_used_pop(&fe->tx, &id, &len), 1);
		CHECK_INT(id, 2 * i);
		fill_pattern(frame, sizeof(frame), i);
		CHECK_INT(fe_rx_recv(fe, got, sizeof(got), NULL), sizeof(frame));
		CHECK(!memcmp(got, frame, sizeof(frame)));
	}
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_tx_frame_with_only_a_header_is_dropped_too_short)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);

	CHECK_INT(fe_tx_send(fe, "", 0), 0);
	CHECK_INT(fe_wait_used(fe, &fe->tx, TIMEOUT_MS), 0);
	CHECK_INT(t->frames, 0);
	CHECK_INT(t->drops[DROP_TOO_SHORT], 1);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_tx_bad_descriptor_is_counted_and_returned)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint32_t id, len;

	fe_desc_write(&fe->tx, 0, 0x7fff0000000ULL, 100, 0, 0);
	fe_avail_add(&fe->tx, 0);
	fe_kick(&fe->tx);
	CHECK_INT(fe_wait_used(fe, &fe->tx, TIMEOUT_MS), 0);
	CHECK_INT(fe_used_pop(&fe->tx, &id, &len), 1);
	CHECK_INT(id, 0);
	CHECK_INT(len, 0);
	CHECK_INT(t->frames, 0);
	CHECK_INT(t->drops[DROP_BAD_DESCRIPTOR], 1);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_tx_avail_index_jump_stops_the_queue)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[60] = { 0 };

	fe_avail_set_idx(&fe->tx, 1000);
	fe_kick(&fe->tx);
	tdev_pump(t);
	CHECK_INT(t->frames, 0);
	CHECK_INT(t->drops[DROP_BAD_DESCRIPTOR], 1);
	fe_avail_set_idx(&fe->tx, 0);
	CHECK_INT(fe_tx_send(fe, frame, sizeof(frame)), 0);
	fe_kick(&fe->tx);
	tdev_pump(t);
	CHECK_INT(t->frames, 0); /* broken until set up again */
	fe_free(fe);
	tdev_free(t);
}

/* As QEMU when the guest resets the device: rings stopped (GET_VRING_BASE),
 * re-initialised by the guest, set up and started again. */
TEST(vu_broken_queue_carries_traffic_again_once_set_up_again)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[60] = { 3 };
	uint32_t base;

	fe_avail_set_idx(&fe->tx, 1000);
	fe_kick(&fe->tx);
	tdev_pump(t);
	CHECK_INT(t->drops[DROP_BAD_DESCRIPTOR], 1);
	CHECK_INT(fe_set_vring_enable(fe, FE_TXQ, false), 0);
	CHECK_INT(fe_set_vring_enable(fe, FE_TXQ, true), 0);
	fe_avail_set_idx(&fe->tx, 0);
	CHECK_INT(fe_tx_send(fe, frame, sizeof(frame)), 0);
	fe_kick(&fe->tx);
	tdev_pump(t);
	CHECK_INT(t->frames, 0); /* re-enabling is not a new set-up */
	CHECK_INT(fe_get_vring_base(fe, FE_RXQ, &base), 0);
	CHECK_INT(fe_get_vring_base(fe, FE_TXQ, &base), 0);
	fe_rings_reset(fe);
	CHECK_INT(fe_start_ring(fe, &fe->rx), 0);
	CHECK_INT(fe_start_ring(fe, &fe->tx), 0);
	CHECK_INT(fe_tx_send(fe, frame, sizeof(frame)), 0);
	CHECK_INT(fe_wait_used(fe, &fe->tx, TIMEOUT_MS), 0);
	CHECK_INT(t->frames, 1);
	CHECK(!memcmp(t->last_frame, frame, sizeof(frame)));
	CHECK_INT(t->drops[DROP_BAD_DESCRIPTOR], 1);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_tx_without_event_idx_still_notifies)
{
	struct fe_config cfg = {
		.features = (1ULL << FE_F_VERSION_1) |
			    (1ULL << FE_F_PROTOCOL_FEATURES),
	};
	SETUP(t, fe, &cfg, FE_STYLE_QEMU);
	uint8_t frame[60] = { 0 };

	CHECK_INT(fe_tx_send(fe, frame, sizeof(frame)), 0);
	CHECK_INT(fe_wait_call(fe, &fe->tx, TIMEOUT_MS), 0);
	CHECK_INT(fe_tx_send(fe, frame, sizeof(frame)), 0);
	CHECK_INT(fe_wait_call(fe, &fe->tx, TIMEOUT_MS), 0);
	CHECK_INT(t->frames, 2);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_tx_frames_queued_before_start_are_delivered_at_start)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	uint8_t frame[60] = { 5 };

	CHECK_INT(fe_request_u64(fe, FE_SET_FEATURES, fe->features), 0);
	CHECK_INT(fe_set_mem_table(fe), 0);
	CHECK_INT(fe_start_ring(fe, &fe->rx), 0);
	CHECK_INT(fe_set_vring_enable(fe, FE_RXQ, true), 0);
	CHECK_INT(fe_tx_send(fe, frame, sizeof(frame)), 0);
	CHECK_INT(fe_start_ring(fe, &fe->tx), 0);
	CHECK_INT(fe_set_vring_enable(fe, FE_TXQ, true), 0);
	tdev_pump(t);
	CHECK_INT(t->frames, 1);
	fe_free(fe);
	tdev_free(t);
}

/* ---- frames to the guest (RX) ---- */

TEST(vu_send_frame_reaches_rx_ring_with_header)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[100], got[2048];
	struct iovec iov = { frame, sizeof(frame) };
	unsigned nb = 0;

	fill_pattern(frame, sizeof(frame), 5);
	CHECK_INT(fe_rx_post(fe, 4, 2048), 0);
	tdev_pump(t);
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), sizeof(frame));
	vu_rx_flush(t->dev);
	CHECK_INT(fe_wait_call(fe, &fe->rx, TIMEOUT_MS), 0);
	CHECK_INT(fe_rx_recv(fe, got, sizeof(got), &nb), sizeof(frame));
	CHECK_INT(nb, 1);
	CHECK(!memcmp(got, frame, sizeof(frame)));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_send_frame_spans_mrg_rxbuf_buffers)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[1500], got[4096];
	struct iovec iov[2] = { { frame, 700 }, { frame + 700, 800 } };
	unsigned nb = 0;

	fill_pattern(frame, sizeof(frame), 6);
	CHECK_INT(fe_rx_post(fe, 8, 512), 0);
	CHECK_INT(vu_send_frame(t->dev, iov, 2), sizeof(frame));
	vu_rx_flush(t->dev);
	CHECK_INT(fe_rx_recv(fe, got, sizeof(got), &nb), sizeof(frame));
	CHECK_INT(nb, 3); /* 1512 bytes in 512-byte buffers */
	CHECK(!memcmp(got, frame, sizeof(frame)));
	fe_free(fe);
	tdev_free(t);
}

/* A Linux guest's merged buffers are 1536 bytes: 12 of header and 1524
 * of frame in the first; one byte more needs a second buffer. */
TEST(vu_send_frame_fills_a_1536_byte_merged_buffer_to_its_last_byte)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[1525], got[4096];
	struct iovec iov = { frame, 1524 };
	unsigned nb = 0;

	fill_pattern(frame, sizeof(frame), 8);
	CHECK_INT(fe_rx_post(fe, 4, 1536), 0);
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), 1524);
	iov.iov_len = 1525;
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), 1525);
	vu_rx_flush(t->dev);
	CHECK_INT(fe_rx_recv(fe, got, sizeof(got), &nb), 1524);
	CHECK_INT(nb, 1);
	CHECK(!memcmp(got, frame, 1524));
	CHECK_INT(fe_rx_recv(fe, got, sizeof(got), &nb), 1525);
	CHECK_INT(nb, 2);
	CHECK(!memcmp(got, frame, 1525));
	fe_free(fe);
	tdev_free(t);
}

/* The copy path (ARP, DHCP, NDP, ICMP, TCP control frames) never cuts a
 * frame: one longer than the merged buffers posted is refused, counted,
 * and leaves them to the guest; once the guest posts more (its kick
 * brings rx_ready), the frame spans them whole. */
TEST(vu_send_frame_longer_than_the_posted_merged_buffers_takes_none)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[3000], got[4096];
	struct iovec iov = { frame, sizeof(frame) };
	unsigned nb = 0, ready;

	fill_pattern(frame, sizeof(frame), 9);
	CHECK_INT(fe_rx_post(fe, 1, 1536), 0);
	tdev_pump(t);
	ready = t->rx_ready;
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), -ENOBUFS);
	CHECK_INT(t->drops[DROP_RX_NO_BUFFERS], 1);
	vu_rx_flush(t->dev);
	CHECK_INT(fe_used_idx(&fe->rx), 0);
	CHECK_INT(fe_rx_post(fe, 1, 1536), 0);
	tdev_pump(t);
	CHECK_INT(t->rx_ready, ready + 1);
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), sizeof(frame));
	vu_rx_flush(t->dev);
	CHECK_INT(fe_rx_recv(fe, got, sizeof(got), &nb), sizeof(frame));
	CHECK_INT(nb, 2);
	CHECK(!memcmp(got, frame, sizeof(frame)));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_send_frame_without_mrg_rxbuf_needs_one_big_buffer)
{
	struct fe_config cfg = {
		.features = (1ULL << FE_F_VERSION_1) |
			    (1ULL << FE_F_PROTOCOL_FEATURES),
	};
	SETUP(t, fe, &cfg, FE_STYLE_QEMU);
	uint8_t frame[1500] = { 1 }, got[2048];
	struct iovec iov = { frame, sizeof(frame) };
	unsigned nb;

	CHECK_INT(fe_rx_post(fe, 2, 512), 0);
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), -ENOBUFS);
	CHECK_INT(t->drops[DROP_RX_NO_BUFFERS], 1);
	CHECK_INT(fe_used_idx(&fe->rx), 0);
	iov.iov_len = 400;
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), 400);
	vu_rx_flush(t->dev);
	CHECK_INT(fe_rx_recv(fe, got, sizeof(got), &nb), 400);
	CHECK_INT(nb, 1);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_send_frame_without_buffers_counts_drop_then_rx_ready_follows)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[60] = { 0 };
	struct iovec iov = { frame, sizeof(frame) };
	unsigned ready;

	CHECK_INT(vu_send_frame(t->dev, &iov, 1), -ENOBUFS);
	CHECK_INT(t->drops[DROP_RX_NO_BUFFERS], 1);
	ready = t->rx_ready;
	CHECK_INT(fe_rx_post(fe, 2, 2048), 0);
	tdev_pump(t);
	CHECK_INT(t->rx_ready, ready + 1);
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), sizeof(frame));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rx_has_room_waits_for_enough_merged_buffers_and_reserves_nothing)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	static uint8_t frame[3000];
	struct iovec iov = { frame, sizeof(frame) };
	unsigned ready;

	CHECK_INT(fe_rx_post(fe, 2, 1024), 0);
	CHECK(!vu_rx_has_room(t->dev, sizeof(frame)));
	CHECK(vu_rx_has_room(t->dev, 500));
	CHECK_INT(fe_used_idx(&fe->rx), 0);
	/* the guest adds buffers (EVENT_IDX: it kicks only if asked to for
	 * additions past those it had made available) */
	ready = t->rx_ready;
	CHECK_INT(fe_rx_post(fe, 2, 1024), 0);
	tdev_pump(t);
	CHECK_INT(t->rx_ready, ready + 1);
	CHECK(vu_rx_has_room(t->dev, sizeof(frame)));
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), sizeof(frame));
	CHECK_INT(t->drops[DROP_RX_NO_BUFFERS], 0);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rx_has_room_does_not_wait_for_what_no_buffer_would_hold)
{
	struct fe_config cfg = {
		.features = (1ULL << FE_F_VERSION_1) |
			    (1ULL << FE_F_EVENT_IDX) |
			    (1ULL << FE_F_PROTOCOL_FEATURES),
	};
	SETUP(t, fe, &cfg, FE_STYLE_QEMU);

	/* without merged buffers a frame is one buffer of the size posted */
	CHECK(!vu_rx_has_room(t->dev, 100)); /* none yet */
	CHECK_INT(fe_rx_post(fe, 2, 512), 0);
	CHECK(vu_rx_has_room(t->dev, 1500));
	CHECK(vu_rx_has_room(t->dev, 400));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rx_reserve_and_commit_writes_in_place)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	static struct vu_rx_frame f;
	uint8_t frame[3000], got[8192];
	size_t i, off = 0;
	unsigned nb;

	fill_pattern(frame, sizeof(frame), 8);
	CHECK_INT(fe_rx_post(fe, 8, 1024), 0);
	CHECK_INT(vu_rx_reserve(t->dev, &f, sizeof(frame)), 3060);
	CHECK_INT(f.n_heads, 3);
	for (i = 0; i < f.iovcnt && off < sizeof(frame); i++) {
		size_t n = f.iov[i].iov_len;

		if (n > sizeof(frame) - off)
			n = sizeof(frame) - off;
		memcpy(f.iov[i].iov_base, frame + off, n);
		off += n;
	}
	vu_rx_commit(t->dev, &f, sizeof(frame));
	vu_rx_flush(t->dev);
	CHECK_INT(fe_rx_recv(fe, got, sizeof(got), &nb), sizeof(frame));
	CHECK_INT(nb, 3);
	CHECK(!memcmp(got, frame, sizeof(frame)));
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rx_commit_of_less_gives_unused_buffers_back)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	static struct vu_rx_frame f;
	uint8_t frame[100] = { 7 }, got[4096];
	struct iovec iov = { frame, sizeof(frame) };
	uint32_t id, len;

	CHECK_INT(fe_rx_post(fe, 4, 1024), 0);
	CHECK_INT(vu_rx_reserve(t->dev, &f, 3000), 3060);
	memset(f.iov[0].iov_base, 0xab, 50);
	vu_rx_commit(t->dev, &f, 50);
	/* The next frame takes the second buffer, not the fourth. */
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), sizeof(frame));
	vu_rx_flush(t->dev);
	CHECK_INT(fe_used_idx(&fe->rx), 2);
	CHECK_INT(fe_rx_recv(fe, got, sizeof(got), NULL), 50);
	CHECK_INT(got[49], 0xab);
	CHECK_INT(fe_used_pop(&fe->rx, &id, &len), 1);
	CHECK_INT(id, 1);
	CHECK_INT(len, sizeof(frame) + FE_NET_HDR_LEN);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rx_commit_of_zero_gives_everything_back)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	static struct vu_rx_frame f;
	uint8_t frame[60] = { 0 };
	struct iovec iov = { frame, sizeof(frame) };
	uint32_t id, len;

	CHECK_INT(fe_rx_post(fe, 2, 1024), 0);
	CHECK(vu_rx_reserve(t->dev, &f, 2000) > 0);
	vu_rx_commit(t->dev, &f, 0);
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), sizeof(frame));
	vu_rx_flush(t->dev);
	CHECK_INT(fe_used_pop(&fe->rx, &id, &len), 1);
	CHECK_INT(id, 0);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rx_second_reservation_is_refused_until_commit)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	static struct vu_rx_frame f, g2;
	uint8_t frame[60] = { 0 };
	struct iovec iov = { frame, sizeof(frame) };

	CHECK_INT(fe_rx_post(fe, 4, 1024), 0);
	CHECK(vu_rx_reserve(t->dev, &f, 100) > 0);
	CHECK_INT(vu_rx_reserve(t->dev, &g2, 100), -EBUSY);
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), -EBUSY);
	vu_rx_commit(t->dev, &f, 0);
	CHECK(vu_rx_reserve(t->dev, &g2, 100) > 0);
	vu_rx_commit(t->dev, &g2, 100);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rx_batch_reserves_one_whole_buffer_per_frame_and_gives_the_rest_back)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	static struct vu_rx_frame f[4], other;
	uint8_t frame[60] = { 0 };
	struct iovec iov = { frame, sizeof(frame) };
	size_t len[4] = { 100, 200 };
	uint32_t id, used;

	CHECK_INT(fe_rx_post(fe, 6, 1024), 0);
	CHECK_INT(vu_rx_reserve_batch(t->dev, f, 4, 500, 500), 4);
	CHECK_INT(f[0].n_heads, 1);
	CHECK_INT(f[3].n_heads, 1);
	CHECK_INT(vu_rx_reserve(t->dev, &other, 100), -EBUSY);
	vu_rx_commit_batch(t->dev, f, 4, len, 2);
	/* the two frames not filled were given back: the next frame takes
	 * the third buffer */
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), sizeof(frame));
	vu_rx_flush(t->dev);
	CHECK_INT(fe_used_idx(&fe->rx), 3);
	CHECK_INT(fe_used_pop(&fe->rx, &id, &used), 1);
	CHECK_INT(id, 0);
	CHECK_INT(used, 100 + FE_NET_HDR_LEN);
	CHECK_INT(fe_used_pop(&fe->rx, &id, &used), 1);
	CHECK_INT(id, 1);
	CHECK_INT(used, 200 + FE_NET_HDR_LEN);
	CHECK_INT(fe_used_pop(&fe->rx, &id, &used), 1);
	CHECK_INT(id, 2);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rx_batch_of_merged_buffers_is_a_single_frame)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	static struct vu_rx_frame f[4];

	CHECK_INT(fe_rx_post(fe, 8, 1024), 0);
	CHECK_INT(vu_rx_reserve_batch(t->dev, f, 4, 3000, 3000), 1);
	CHECK_INT(f[0].n_heads, 3);
	vu_rx_commit_batch(t->dev, f, 1, NULL, 0);
	CHECK_INT(vu_rx_reserve_batch(t->dev, f, 4, 3000, 3000), 1);
	vu_rx_commit_batch(t->dev, f, 1, NULL, 0);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rx_batch_stops_before_a_buffer_too_small)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	static struct vu_rx_frame f[4];
	size_t len[4] = { 300, 300 };
	uint32_t id, used;

	CHECK_INT(fe_rx_post(fe, 2, 1024), 0);
	CHECK_INT(fe_rx_post(fe, 2, 256), 0);
	CHECK_INT(vu_rx_reserve_batch(t->dev, f, 4, 500, 500), 2);
	vu_rx_commit_batch(t->dev, f, 2, len, 2);
	/* the small buffer was given back: a small frame takes it next */
	CHECK_INT(vu_rx_reserve_batch(t->dev, f, 4, 100, 100), 2);
	len[0] = 50;
	vu_rx_commit_batch(t->dev, f, 2, len, 1);
	vu_rx_flush(t->dev);
	CHECK_INT(fe_used_idx(&fe->rx), 3);
	CHECK_INT(fe_used_pop(&fe->rx, &id, &used), 1);
	CHECK_INT(fe_used_pop(&fe->rx, &id, &used), 1);
	CHECK_INT(fe_used_pop(&fe->rx, &id, &used), 1);
	CHECK_INT(id, 2);
	CHECK_INT(used, 50 + FE_NET_HDR_LEN);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rx_flush_notifies_once_per_batch)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[60] = { 0 };
	struct iovec iov = { frame, sizeof(frame) };
	eventfd_t calls;
	int i;

	CHECK_INT(fe_rx_post(fe, 16, 2048), 0);
	for (i = 0; i < 10; i++)
		CHECK_INT(vu_send_frame(t->dev, &iov, 1), sizeof(frame));
	CHECK_INT(fe_used_idx(&fe->rx), 0);
	vu_rx_flush(t->dev);
	CHECK_INT(fe_used_idx(&fe->rx), 10);
	CHECK_INT(eventfd_read(fe->rx.call_fd, &calls), 0);
	CHECK_INT(calls, 1);
	fe_free(fe);
	tdev_free(t);
}

/* The guest's used_event field: the avail ring entry after the ring. */
static void set_used_event(struct fe_ring *ring, uint16_t v)
{
	memcpy(ring->avail + 4 + 2 * ring->size, &v, sizeof(v));
}

TEST(vu_rx_calls_only_when_the_guest_used_event_is_reached)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[60] = { 0 };
	struct iovec iov = { frame, sizeof(frame) };
	eventfd_t calls;
	int i;

	CHECK_INT(fe_rx_post(fe, 8, 2048), 0);
	set_used_event(&fe->rx, 3); /* "call me when entry 3 is used" */
	for (i = 0; i < 3; i++) {
		CHECK_INT(vu_send_frame(t->dev, &iov, 1), sizeof(frame));
		vu_rx_flush(t->dev);
		if (i == 0) /* the first call is always made */
			CHECK_INT(eventfd_read(fe->rx.call_fd, &calls), 0);
		else
			CHECK_INT(eventfd_read(fe->rx.call_fd, &calls), -1);
	}
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), sizeof(frame));
	vu_rx_flush(t->dev); /* used index 4: entry 3 used */
	CHECK_INT(eventfd_read(fe->rx.call_fd, &calls), 0);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rx_no_interrupt_flag_suppresses_calls_without_event_idx)
{
	struct fe_config cfg = {
		.features = (1ULL << FE_F_VERSION_1) |
			    (1ULL << FE_F_NET_MRG_RXBUF) |
			    (1ULL << FE_F_PROTOCOL_FEATURES),
	};
	SETUP(t, fe, &cfg, FE_STYLE_QEMU);
	uint8_t frame[60] = { 0 };
	struct iovec iov = { frame, sizeof(frame) };
	uint16_t no_interrupt = 1;
	eventfd_t calls;

	CHECK_INT(fe_rx_post(fe, 4, 2048), 0);
	memcpy(fe->rx.avail, &no_interrupt, sizeof(no_interrupt));
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), sizeof(frame));
	vu_rx_flush(t->dev);
	CHECK_INT(eventfd_read(fe->rx.call_fd, &calls), -1);
	no_interrupt = 0;
	memcpy(fe->rx.avail, &no_interrupt, sizeof(no_interrupt));
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), sizeof(frame));
	vu_rx_flush(t->dev);
	CHECK_INT(eventfd_read(fe->rx.call_fd, &calls), 0);
	CHECK_INT(fe_used_idx(&fe->rx), 2);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rx_refuses_readable_buffers)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	uint8_t frame[60] = { 0 };
	struct iovec iov = { frame, sizeof(frame) };

	fe_desc_write(&fe->rx, 0, fe_slot_gpa(&fe->rx, 0), 2048, 0, 0);
	fe_avail_add(&fe->rx, 0);
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), -ENOBUFS);
	CHECK_INT(t->drops[DROP_BAD_DESCRIPTOR], 1);
	vu_rx_flush(t->dev);
	CHECK_INT(fe_used_idx(&fe->rx), 1);
	fe_free(fe);
	tdev_free(t);
}

/* The review's case: a reservation spans a bad chain (MRG_RXBUF) and is
 * given back.  Rewinding over the bad chain would pop it again and the
 * guest would get it twice in its used ring; each buffer comes back
 * exactly once. */
TEST(vu_rx_reservation_over_a_bad_chain_returns_each_buffer_once)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	static struct vu_rx_frame f;
	uint8_t frame[60] = { 0 };
	struct iovec iov = { frame, sizeof(frame) };
	unsigned seen[3] = { 0 }, i;
	uint32_t id, len;

	fe_desc_write(&fe->rx, 0, fe_slot_gpa(&fe->rx, 0), 1024,
		      FE_DESC_F_WRITE, 0);
	fe_desc_write(&fe->rx, 1, fe_slot_gpa(&fe->rx, 1), 1024, 0, 0);
	fe_desc_write(&fe->rx, 2, fe_slot_gpa(&fe->rx, 2), 1024,
		      FE_DESC_F_WRITE, 0);
	for (i = 0; i < 3; i++)
		fe_avail_add(&fe->rx, (uint16_t)i);
	CHECK_INT(vu_rx_reserve(t->dev, &f, 2000), 2048 - FE_NET_HDR_LEN);
	CHECK_INT(f.n_heads, 2);
	CHECK_INT(t->drops[DROP_BAD_DESCRIPTOR], 1);
	vu_rx_commit(t->dev, &f, 0);
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), sizeof(frame));
	vu_send_frame(t->dev, &iov, 1); /* no buffer left: must not re-pop */
	vu_rx_flush(t->dev);
	while (fe_used_pop(&fe->rx, &id, &len)) {
		CHECK_MSG(id < 3, "used id %u was never made available", id);
		seen[id]++;
	}
	CHECK_INT(seen[1], 1); /* the bad one, once */
	CHECK_INT(seen[0], 1);
	CHECK_INT(seen[2], 1);
	CHECK_INT(t->drops[DROP_BAD_DESCRIPTOR], 1);
	fe_free(fe);
	tdev_free(t);
}

/* The same for a batch: frames reserved before a bad chain cannot be
 * un-popped when the batch fills fewer; each buffer still comes back
 * exactly once. */
TEST(vu_rx_batch_over_a_bad_chain_returns_each_buffer_once)
{
	SETUP(t, fe, &default_cfg, FE_STYLE_QEMU);
	static struct vu_rx_frame f[4];
	uint8_t frame[60] = { 0 };
	struct iovec iov = { frame, sizeof(frame) };
	size_t len[4] = { 100 };
	unsigned seen[5] = { 0 }, i;
	uint32_t id, used;

	for (i = 0; i < 5; i++) {
		fe_desc_write(&fe->rx, i, fe_slot_gpa(&fe->rx, i), 1024,
			      i == 2 ? 0 : FE_DESC_F_WRITE, 0);
		fe_avail_add(&fe->rx, (uint16_t)i);
	}
	CHECK_INT(vu_rx_reserve_batch(t->dev, f, 4, 500, 500), 4);
	CHECK_INT(t->drops[DROP_BAD_DESCRIPTOR], 1);
	vu_rx_commit_batch(t->dev, f, 4, len, 1);
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), sizeof(frame));
	CHECK_INT(vu_send_frame(t->dev, &iov, 1), sizeof(frame));
	vu_send_frame(t->dev, &iov, 1); /* no buffer left: must not re-pop */
	vu_rx_flush(t->dev);
	while (fe_used_pop(&fe->rx, &id, &used)) {
		CHECK_MSG(id < 5, "used id %u was never made available", id);
		seen[id]++;
	}
	for (i = 0; i < 5; i++)
		CHECK_INT(seen[i], 1);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_rx_not_usable_before_handshake)
{
	SETUP_CONNECTED(t, fe, &default_cfg);
	uint8_t frame[60] = { 0 };
	struct iovec iov = { frame, sizeof(frame) };
	static struct vu_rx_frame f;

	CHECK(!vu_dev_rx_usable(t->dev));
	CHECK_INT(vu_rx_reserve(t->dev, &f, 60), -ENOTCONN);
	CHECK(vu_send_frame(t->dev, &iov, 1) < 0);
	fe_free(fe);
	tdev_free(t);
}

TEST(vu_memory_in_several_regions_carries_frames)
{
	struct fe_config cfg = {
		.n_regions = 3,
		.region_gpa = { 0x100000, 0x40000000, 0x40400000 },
		.region_size = { 4 << 20, 4 << 20, 1 << 20 },
	};
	SETUP(t, fe, &cfg, FE_STYLE_DPDK);
	uint8_t *data = fe_host(fe, 0x40400000 - 30, 30);
	uint8_t frame[48];
	int i;

	/* One TX buffer straddling the end of region 1 into region 2. */
	CHECK(data);
	fill_pattern(frame, sizeof(frame), 11);
	memset(data, 0, 12);
	memcpy(data + 12, frame, 18);
	memcpy(fe_host(fe, 0x40400000, 30), frame + 18, 30);
	fe_desc_write(&fe->tx, 0, 0x40400000 - 30, 60, 0, 0);
	fe_avail_add(&fe->tx, 0);
	fe_kick(&fe->tx);
	CHECK_INT(fe_wait_used(fe, &fe->tx, TIMEOUT_MS), 0);
	CHECK_INT(t->frames, 1);
	CHECK_INT(t->last_iovcnt, 2);
	CHECK(!memcmp(t->last_frame, frame, sizeof(frame)));
	for (i = 0; i < 3; i++)
		CHECK(fe->r[i].host);
	fe_free(fe);
	tdev_free(t);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
