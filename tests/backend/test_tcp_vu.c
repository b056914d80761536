// SPDX-License-Identifier: GPL-2.0-or-later
/* TCP over vhost-user: host data is peeked by vunetd straight into the
 * guest's RX buffers (zero copy), including frames spread over several
 * merged buffers, and sending resumes when the guest adds buffers.
 * Checksum and segmentation offloads, each way, negotiated or not: what
 * the virtio-net header of each frame to the guest says, and which guest
 * frames vunetd takes or drops.  Merged buffers of a Linux guest's size
 * (1525 to 2048 bytes): connections either way (guest-initiated, and -t
 * forwarded), 64 KiB frames over dozens of them, frames longer than the
 * buffers posted, with nothing written past a buffer.
 *
 * The test front-end (frontend.h) plays the guest's virtio-net driver
 * against the real vhost_user.c, tap.c and tcp.c in this process; a small
 * loop (vu_harness.h) stands in for vunetd's.  The host side is a loopback
 * listener. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "backend/checksum.h"
#include "backend/epoll_ref.h"
#include "backend/flow.h"
#include "backend/fwd.h"
#include "backend/ip.h"
#include "backend/tap.h"
#include "backend/tcp.h"
#include "backend/udp.h"
#include "backend/vhost_user.h"
#include "tests/backend/frontend.h"
#include "tests/backend/test_flow_harness.h"
#include "tests/backend/vu_harness.h"
#include "tests/harness.h"

#define GUEST_PORT 42000
#define GUEST_ISN 5000u
#define RX_BUF_LEN 2048
#define QUEUE_SIZE 256

struct vt {
	struct vu_harness h;
	struct fe *fe;
	uint32_t rx_buf_len; /* what the guest posts: the case's size */
};

static struct vt vt;

/* Peeks vunetd made (MSG_PEEK recvmsg() calls): this executable's
 * recvmsg() comes before libc's and counts them. */
static unsigned peeks;
static size_t peek_iov_max; /* the most guest buffers one peek filled */

ssize_t recvmsg(int fd, struct msghdr *mh, int flags)
{
	static ssize_t (*real)(int, struct msghdr *, int);

	if (!real)
		real = (ssize_t (*)(int, struct msghdr *, int))
			dlsym(RTLD_NEXT, "recvmsg");
	if (flags & MSG_PEEK) {
		peeks++;
		if (mh->msg_iovlen > peek_iov_max)
			peek_iov_max = mh->msg_iovlen;
	}
	return real(fd, mh, flags);
}
static uint8_t rxbuf[PT_FRAME_MAX];

/* Tops the guest's RX queue up with buffers of the case's size, at most
 * MAX (fewer when the ring has no free descriptor left). */
static void vt_post_rx(unsigned max)
{
	unsigned i;

	for (i = 0; i < max && !fe_rx_post(vt.fe, 1, vt.rx_buf_len); i++)
		;
}

/* What the guest negotiates when a test asks for offloads: the usual
 * features plus OFFLOADS. */
#define BASE_FEATURES ((1ULL << FE_F_VERSION_1) | \
		       (1ULL << FE_F_NET_MRG_RXBUF) | \
		       (1ULL << FE_F_EVENT_IDX) | \
		       (1ULL << FE_F_INDIRECT_DESC) | \
		       (1ULL << FE_F_PROTOCOL_FEATURES))
#define F(bit) (1ULL << (bit))
/* Room for a 64 KiB TX frame with its header, in the TSO tests. */
#define BIG_BUF_LEN (72 << 10)

/* Bytes after each RX buffer, inside its ring slot, that the device must
 * never write (see vt_setup_merged()). */
#define CANARY_LEN 256
#define CANARY_BYTE 0xa5

/* The vhost-user device and a started front-end with RX_BUFFERS of
 * RX_LEN bytes posted, negotiating FEATURES (0: the front-end's defaults,
 * no offloads), in ring slots of SLOT_LEN bytes (RX_LEN or more; the TX
 * ring's too).  The RX slots' bytes after RX_LEN hold CANARY_BYTE.
 * Returns 0 or -1. */
static int vt_setup_slots(unsigned rx_buffers, uint64_t features,
			  uint32_t rx_len, uint32_t slot_len)
{
	struct fe_config cfg = { .queue_size = QUEUE_SIZE,
				 .buf_size = slot_len,
				 .features = features,
				 .region_size = { 2ULL * QUEUE_SIZE * slot_len +
						  (8 << 20) } };
	unsigned i;

	if (vu_harness_start(&vt.h, "tcpvu"))
		return -1;
	vt.fe = fe_new(&cfg);
	if (!vt.fe || vu_harness_connect(&vt.h, vt.fe))
		return -1;
	for (i = 0; i < QUEUE_SIZE && slot_len > rx_len; i++)
		memset(fe_host(vt.fe, fe_slot_gpa(&vt.fe->rx, i) + rx_len,
			       slot_len - rx_len),
		       CANARY_BYTE, slot_len - rx_len);
	/* Every buffer asked for, or the case would test an empty ring */
	vt.rx_buf_len = rx_len;
	if (fe_rx_post(vt.fe, rx_buffers, rx_len)) {
		fprintf(stderr, "cannot post %u RX buffers of %u bytes\n",
			rx_buffers, rx_len);
		return -1;
	}
	vu_harness_pump(&vt.h);
	return 0;
}

/* vt_setup_slots() with buffers filling their slots of BUF_LEN bytes. */
static int vt_setup_with(unsigned rx_buffers, uint64_t features,
			 uint32_t buf_len)
{
	return vt_setup_slots(rx_buffers, features, buf_len, buf_len);
}

/* Merged RX buffers of RX_LEN bytes as a Linux guest posts them (1536 at
 * least, with MRG_RXBUF), with CANARY_LEN bytes after each that must stay
 * as they were (rx_canaries_intact()): whatever a frame spans, nothing
 * is written past a buffer. */
static int vt_setup_merged(unsigned rx_buffers, uint64_t features,
			   uint32_t rx_len)
{
	return vt_setup_slots(rx_buffers, BASE_FEATURES | features, rx_len,
			      rx_len + CANARY_LEN);
}

static bool rx_canaries_intact(void)
{
	unsigned i, k;

	for (i = 0; i < QUEUE_SIZE; i++) {
		const uint8_t *p = fe_host(vt.fe, fe_slot_gpa(&vt.fe->rx, i) +
					   vt.rx_buf_len, CANARY_LEN);

		for (k = 0; k < CANARY_LEN; k++)
			if (p[k] != CANARY_BYTE)
				return false;
	}
	return true;
}

static int vt_setup(unsigned rx_buffers)
{
	return vt_setup_with(rx_buffers, 0, RX_BUF_LEN);
}

static void guest_send(const struct ft_seg *seg)
{
	static uint8_t frame[PT_FRAME_MAX];

	fe_tx_send(vt.fe, frame, ft_tcp_frame(frame, seg));
	vu_harness_pump(&vt.h);
}

/* Frames the guest took with checksum offload whose TCP checksum field
 * was not the pseudo-header sum a guest completes (virtio 5.1.6.4). */
static unsigned bad_partial_csums;

/* Completes the TCP checksum of IPv4 FRAME (LEN bytes) as a guest does for
 * an offloaded one: its field must hold the pseudo-header sum. */
static void complete_csum(uint8_t *frame, size_t len)
{
	uint8_t *ip = frame + ETH_HDR_LEN, *th = ip + 20;
	size_t l4_len;
	struct in_addr s, d;
	uint16_t field, csum;

	if (len < IP4_L4_OFF + 20 || ip_get_be16(frame + 12) != 0x0800)
		return;
	l4_len = ip_get_be16(ip + 2) - 20u;
	if (IP4_L4_OFF + l4_len > len)
		return;
	memcpy(&s, ip + 12, 4);
	memcpy(&d, ip + 16, 4);
	csum = (uint16_t)~csum_fold(csum_add_pseudo4(0, s, d, IPPROTO_TCP,
						     l4_len));
	memcpy(&field, th + 16, 2);
	if (field != csum)
		bad_partial_csums++;
	csum = csum_buf(th, l4_len);
	memcpy(th + 16, &csum, 2);
}

/* The next frame for the guest, pumping up to TIMEOUT_MS; *HDR gets its
 * virtio-net header.  Frames marked for checksum offload are completed
 * first, so the parse checks everything else as for any frame. */
static int guest_recv_hdr(struct ft_seg *seg, struct fe_net_hdr *hdr,
			  int timeout_ms)
{
	int waited, n = -EAGAIN;

	for (waited = 0; waited <= timeout_ms; waited += 5) {
		vu_harness_pump(&vt.h);
		n = fe_rx_recv_hdr(vt.fe, rxbuf, sizeof(rxbuf), hdr);
		if (n != -EAGAIN)
			break;
		epoll_wait(vt.h.c.epollfd, &(struct epoll_event){ 0 }, 1, 5);
	}
	if (n < 0)
		return -1;
	if (hdr->flags & (FE_NET_HDR_F_NEEDS_CSUM | FE_NET_HDR_F_DATA_VALID))
		complete_csum(rxbuf, (size_t)n);
	return ft_tcp_parse(rxbuf, (size_t)n, seg);
}

/* guest_recv_hdr(); NUM_BUFFERS gets how many RX buffers it used. */
static int guest_recv(struct ft_seg *seg, unsigned *num_buffers,
		      int timeout_ms)
{
	struct fe_net_hdr h;
	int rc = guest_recv_hdr(seg, &h, timeout_ms);

	if (num_buffers)
		*num_buffers = h.num_buffers;
	return rc;
}

struct conn {
	uint16_t port;       /* the host side's, as the guest sees it */
	uint16_t guest_port; /* 0: GUEST_PORT */
	int host;
	uint32_t seq, ack;
};

static struct ft_seg seg_of(const struct conn *cn, uint8_t flags)
{
	struct ft_seg s = { .af = AF_INET,
			    .sport = cn->guest_port ? cn->guest_port :
						      GUEST_PORT,
			    .dport = cn->port, .seq = cn->seq, .ack = cn->ack,
			    .flags = flags, .wnd = 65535, .wscale = -1 };

	s.saddr.a4 = pt_a4("192.0.2.2");
	s.daddr.a4 = pt_a4("192.0.2.1");
	return s;
}

static int connect_guest(struct conn *cn, uint16_t mss)
{
	struct ft_seg s;
	struct pollfd p;
	int l = ft_listen_tcp(AF_INET, &cn->port);

	if (l < 0)
		return -1;
	cn->guest_port = 0;
	cn->seq = GUEST_ISN;
	s = seg_of(cn, FT_SYN);
	s.mss = mss;
	s.wscale = 7;
	guest_send(&s);
	if (guest_recv(&s, NULL, 2000) || s.flags != (FT_SYN | FT_ACK))
		return -1;
	cn->seq++;
	cn->ack = s.seq + 1;
	s = seg_of(cn, FT_ACK);
	guest_send(&s);
	p.fd = l;
	p.events = POLLIN;
	if (poll(&p, 1, 2000) != 1)
		return -1;
	cn->host = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	close(l);
	return cn->host < 0 ? -1 : 0;
}

/* What the data frames of a transfer() said in their virtio-net headers. */
struct rx_seen {
	unsigned max_buffers;  /* most RX buffers one frame used */
	size_t max_len;        /* largest payload */
	unsigned frames, flags_or, data_valid, needs_csum, gso_tcpv4, gso_other;
	bool gso_fields_ok;    /* every GSO frame: MSS, offsets, header length */
	bool partial_ok;       /* every NEEDS_CSUM frame: offsets, header length */
	unsigned misfit;       /* frames in more or fewer RX buffers than
				* their length needs (all of the case's size) */
};

/* Checks the header H of a data frame of S against what TCP/IPv4 with
 * MSS needs, and counts it in SEEN. */
static void note_header(struct rx_seen *seen, const struct fe_net_hdr *h,
			const struct ft_seg *s, uint16_t mss)
{
	size_t need = (FE_NET_HDR_LEN + IP4_L4_OFF + 20 + s->len +
		       vt.rx_buf_len - 1) / vt.rx_buf_len;

	seen->frames++;
	seen->misfit += h->num_buffers != need;
	seen->flags_or |= h->flags;
	seen->data_valid += !!(h->flags & FE_NET_HDR_F_DATA_VALID);
	seen->needs_csum += !!(h->flags & FE_NET_HDR_F_NEEDS_CSUM);
	if (h->num_buffers > seen->max_buffers)
		seen->max_buffers = h->num_buffers;
	if (s->len > seen->max_len)
		seen->max_len = s->len;
	if ((h->flags & FE_NET_HDR_F_NEEDS_CSUM) &&
	    (h->csum_start != IP4_L4_OFF || h->csum_offset != 16 ||
	     h->hdr_len != IP4_L4_OFF + 20))
		seen->partial_ok = false;
	if (h->gso_type == FE_NET_HDR_GSO_NONE)
		return;
	if (h->gso_type != FE_NET_HDR_GSO_TCPV4) {
		seen->gso_other++;
		return;
	}
	seen->gso_tcpv4++;
	if (h->gso_size != mss || h->csum_start != IP4_L4_OFF ||
	    h->csum_offset != 16 || h->hdr_len != IP4_L4_OFF + 20 ||
	    !(h->flags & FE_NET_HDR_F_NEEDS_CSUM) || s->len <= mss)
		seen->gso_fields_ok = false;
}

/* Host sends TOTAL bytes; the guest reads and acknowledges them in
 * order.  Returns the bytes that arrived intact; SEEN gets what the
 * frames' headers said (MSS: the connection's, for the GSO checks). */
static size_t transfer_seen(struct conn *cn, size_t total, uint16_t mss,
			    struct rx_seen *seen)
{
	static uint8_t out[1 << 20], in[1 << 20];
	size_t sent = 0, got = 0, i;
	int rounds;

	for (i = 0; i < total; i++)
		out[i] = (uint8_t)(i * 7 + (i >> 11));
	fcntl(cn->host, F_SETFL, O_NONBLOCK);
	memset(seen, 0, sizeof(*seen));
	seen->gso_fields_ok = true;
	seen->partial_ok = true;
	bad_partial_csums = 0;
	for (rounds = 0; got < total && rounds < 20000; rounds++) {
		struct ft_seg s;
		struct fe_net_hdr h;

		if (sent < total) {
			ssize_t n = send(cn->host, out + sent, total - sent, 0);

			if (n > 0)
				sent += (size_t)n;
		}
		if (guest_recv_hdr(&s, &h, 2000))
			break;
		vt_post_rx(h.num_buffers);
		if (s.seq != cn->ack || !s.len || s.len > total - got)
			continue;
		note_header(seen, &h, &s, mss);
		memcpy(in + got, s.payload, s.len);
		got += s.len;
		cn->ack += (uint32_t)s.len;
		s = seg_of(cn, FT_ACK);
		guest_send(&s);
	}
	return got == total && !memcmp(in, out, total) ? got : 0;
}

static size_t transfer(struct conn *cn, size_t total, unsigned *max_buffers)
{
	struct rx_seen seen;
	size_t got = transfer_seen(cn, total, 0, &seen);

	*max_buffers = seen.max_buffers;
	return got;
}

static bool kernel_has_peek_offset(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), zero = 0;
	bool ok = !setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero));

	close(s);
	return ok;
}

TEST(vu_host_data_reaches_guest_buffers_with_peek_offset)
{
	struct conn cn;
	unsigned nb;

	if (!kernel_has_peek_offset())
		SKIP("this kernel has no SO_PEEK_OFF for TCP (before 6.9)");
	tcp_set_peek_offset(true);
	CHECK_INT(vt_setup(QUEUE_SIZE), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	CHECK_INT(transfer(&cn, 300000, &nb), 300000);
	CHECK_INT(nb, 1);
	tcp_close_all(&vt.h.c);
}

TEST(vu_host_data_reaches_guest_buffers_without_peek_offset)
{
	struct conn cn;
	unsigned nb;

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup(QUEUE_SIZE), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	CHECK_INT(transfer(&cn, 300000, &nb), 300000);
	tcp_close_all(&vt.h.c);
}

TEST(vu_large_segments_span_merged_rx_buffers)
{
	struct conn cn;
	unsigned nb;

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup(QUEUE_SIZE), 0);
	if (!(vt.fe->features & (1ULL << FE_F_NET_MRG_RXBUF)))
		SKIP("the device did not negotiate MRG_RXBUF");
	CHECK_INT(connect_guest(&cn, 16000), 0);
	CHECK_INT(transfer(&cn, 500000, &nb), 500000);
	CHECK(nb > 1);
	tcp_close_all(&vt.h.c);
}

TEST(vu_sending_resumes_when_guest_adds_rx_buffers)
{
	struct conn cn;
	struct ft_seg s;
	unsigned nb = 0, frames = 0;
	char data[20000];

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup(8), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	memset(data, 'z', sizeof(data));
	CHECK(send(cn.host, data, sizeof(data), 0) == (ssize_t)sizeof(data));
	/* Without acknowledging, take what fits in the few buffers left. */
	while (!guest_recv(&s, &nb, 300))
		if (s.len)
			frames++;
	CHECK(frames > 0);
	CHECK(frames < sizeof(data) / 1460);
	/* New buffers: rx_ready, and the rest follows at once, no timer. */
	vt_post_rx(QUEUE_SIZE);
	CHECK(!guest_recv(&s, &nb, 2000));
	CHECK(vt.h.rx_ready > 0);
	CHECK(s.len > 0);
	tcp_close_all(&vt.h.c);
}

TEST(vu_fin_waits_until_all_data_fit_in_guest_buffers)
{
	struct conn cn;
	struct ft_seg s;
	unsigned nb = 0;
	size_t data = 0;
	char buf[20000];
	bool fin = false;
	int i;

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup(8), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	memset(buf, 'f', sizeof(buf));
	CHECK(send(cn.host, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf));
	close(cn.host);
	for (i = 0; i < 200 && !fin; i++) {
		if (guest_recv(&s, &nb, 300)) {
			vt_post_rx(4); /* a little room at a time */
			continue;
		}
		if (s.len) {
			CHECK_INT(s.seq, cn.ack + data);
			data += s.len;
		}
		if (s.flags & FT_FIN) {
			fin = true;
			CHECK_INT(s.seq, cn.ack + sizeof(buf));
		}
	}
	CHECK(fin);
	CHECK_INT(data, sizeof(buf));
	tcp_close_all(&vt.h.c);
}

/* Request/response: once the socket is drained, the guest's ACK of the
 * response finds nothing new (new data brings a socket event), so it
 * costs no peek; data that comes later still goes out. */
TEST(vu_guest_ack_of_drained_data_costs_no_peek)
{
	struct conn cn;
	struct ft_seg s;

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup(QUEUE_SIZE), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	CHECK_INT(send(cn.host, "response", 8, 0), 8);
	CHECK(!guest_recv(&s, NULL, 2000));
	CHECK_INT(s.len, 8);
	cn.ack += 8;
	peeks = 0;
	s = seg_of(&cn, FT_ACK);
	guest_send(&s);
	CHECK_INT(peeks, 0);
	CHECK_INT(send(cn.host, "later", 5, 0), 5);
	CHECK(!guest_recv(&s, NULL, 2000));
	CHECK_INT(s.len, 5);
	CHECK_INT(s.seq, cn.ack);
	CHECK(!memcmp(s.payload, "later", 5));
	tcp_close_all(&vt.h.c);
}

TEST(vu_guest_data_reaches_host)
{
	struct conn cn;
	struct ft_seg s;
	struct pollfd p;
	char buf[16];

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup(QUEUE_SIZE), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	s = seg_of(&cn, FT_ACK | FT_PSH);
	s.payload = (const uint8_t *)"over vhost";
	s.len = 10;
	guest_send(&s);
	CHECK(!guest_recv(&s, NULL, 2000));
	CHECK_INT(s.ack, cn.seq + 10);
	p.fd = cn.host;
	p.events = POLLIN;
	CHECK_INT(poll(&p, 1, 2000), 1);
	CHECK_INT(recv(cn.host, buf, sizeof(buf), 0), 10);
	CHECK(!memcmp(buf, "over vhost", 10));
	tcp_close_all(&vt.h.c);
}

/* An RX buffer too small for a frame's headers comes first: vunetd
 * writes them across it and the next buffer, rather than give the
 * buffer back and find it first again forever. */
TEST(vu_headers_span_a_first_rx_buffer_shorter_than_them)
{
	struct conn cn;
	struct ft_seg s;
	unsigned nb = 0;

	CHECK_INT(vt_setup(1), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	CHECK_INT(fe_rx_post(vt.fe, 1, 40), 0);
	vt_post_rx(8);
	CHECK(send(cn.host, "split", 5, 0) == 5);
	CHECK_INT(guest_recv(&s, &nb, 2000), 0);
	CHECK_INT(s.len, 5);
	CHECK(!memcmp(s.payload, "split", 5));
	CHECK(nb >= 2);
	tcp_close_all(&vt.h.c);
}

/* Buffers too small for even the headers, and then larger ones that the
 * guest adds without being asked to notify: the timer resumes sending. */
TEST(vu_timer_resumes_sending_stopped_by_too_small_rx_buffers)
{
	struct conn cn;
	struct ft_seg s;
	struct timespec later;
	unsigned nb = 0;

	CHECK_INT(vt_setup(1), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	CHECK_INT(fe_rx_post(vt.fe, 1, 40), 0);
	CHECK(send(cn.host, "later", 5, 0) == 5);
	CHECK(guest_recv(&s, &nb, 300) < 0);
	vt_post_rx(8);
	vu_harness_pump(&vt.h);
	CHECK(fe_rx_recv(vt.fe, rxbuf, sizeof(rxbuf), &nb) == -EAGAIN);
	clock_gettime(CLOCK_MONOTONIC, &later);
	later.tv_sec += 1;
	tcp_timer(&vt.h.c, &later);
	CHECK_INT(guest_recv(&s, &nb, 2000), 0);
	CHECK_INT(s.len, 5);
	CHECK(!memcmp(s.payload, "later", 5));
	tcp_close_all(&vt.h.c);
}

/* --- Offloads ------------------------------------------------------------ */

TEST(vu_without_offloads_frames_carry_full_checksums_and_no_flags)
{
	struct conn cn;
	struct rx_seen seen;

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup_with(QUEUE_SIZE, BASE_FEATURES, RX_BUF_LEN), 0);
	CHECK(!(vt.fe->features & F(FE_F_NET_GUEST_CSUM)));
	CHECK_INT(connect_guest(&cn, 1460), 0);
	CHECK_INT(transfer_seen(&cn, 200000, 1460, &seen), 200000);
	CHECK_INT(seen.flags_or, 0);
	CHECK_INT(seen.gso_tcpv4 + seen.gso_other, 0);
	CHECK_INT(seen.max_len, 1460);
	tcp_close_all(&vt.h.c);
}

/* Not DATA_VALID: the field holds only the pseudo-header sum, which a
 * guest forwarding the frame would send on as its checksum. */
TEST(vu_guest_csum_marks_frames_needs_csum_without_summing_payload)
{
	struct conn cn;
	struct rx_seen seen;

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup_with(QUEUE_SIZE,
				BASE_FEATURES | F(FE_F_NET_GUEST_CSUM),
				RX_BUF_LEN), 0);
	CHECK(vt.fe->features & F(FE_F_NET_GUEST_CSUM));
	CHECK_INT(connect_guest(&cn, 1460), 0);
	CHECK_INT(transfer_seen(&cn, 200000, 1460, &seen), 200000);
	CHECK(seen.frames > 0);
	CHECK_INT(seen.needs_csum, seen.frames);
	CHECK_INT(seen.data_valid, 0);
	CHECK(seen.partial_ok);
	CHECK_INT(seen.gso_tcpv4 + seen.gso_other, 0);
	CHECK_INT(seen.max_len, 1460);
	/* the field holds the pseudo-header sum: the payload was not read */
	CHECK_INT(bad_partial_csums, 0);
	tcp_close_all(&vt.h.c);
}

TEST(vu_guest_tso4_frames_carry_many_mss_with_partial_checksum)
{
	struct conn cn;
	struct rx_seen seen;

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup_with(QUEUE_SIZE, BASE_FEATURES |
				F(FE_F_NET_GUEST_CSUM) |
				F(FE_F_NET_GUEST_TSO4), RX_BUF_LEN), 0);
	CHECK(vt.fe->features & F(FE_F_NET_GUEST_TSO4));
	CHECK_INT(connect_guest(&cn, 1460), 0);
	CHECK_INT(transfer_seen(&cn, 600000, 1460, &seen), 600000);
	CHECK(seen.gso_tcpv4 > 0);
	CHECK_INT(seen.gso_other, 0);
	CHECK(seen.gso_fields_ok);
	/* whole MSS, and an IPv4 packet of at most 64 KiB */
	CHECK(seen.max_len > 1460);
	CHECK(seen.max_len <= 65535 - 40);
	CHECK_INT(seen.max_len % 1460, 0);
	CHECK(seen.max_buffers > 1);
	CHECK_INT(bad_partial_csums, 0);
	tcp_close_all(&vt.h.c);
}

/* A Linux guest with TSO and merged buffers posts small ones (1536
 * bytes at least): a short segment takes one of them, not the dozens a
 * 64 KiB frame would. */
TEST(vu_short_segment_with_guest_tso_reserves_one_small_merged_buffer)
{
	struct conn cn;
	struct rx_seen seen;

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup_with(QUEUE_SIZE, BASE_FEATURES |
				F(FE_F_NET_GUEST_CSUM) |
				F(FE_F_NET_GUEST_TSO4), 1536), 0);
	CHECK(vt.fe->features & F(FE_F_NET_GUEST_TSO4));
	CHECK_INT(connect_guest(&cn, 1460), 0);
	peek_iov_max = 0;
	CHECK_INT(transfer_seen(&cn, 100, 1460, &seen), 100);
	CHECK_INT(seen.frames, 1);
	CHECK_INT((int)peek_iov_max, 1);
	tcp_close_all(&vt.h.c);
}

TEST(vu_guest_tso_without_guest_csum_stays_at_mss_with_full_checksums)
{
	struct conn cn;
	struct rx_seen seen;

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup_with(QUEUE_SIZE, BASE_FEATURES |
				F(FE_F_NET_GUEST_TSO4), RX_BUF_LEN), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	CHECK_INT(transfer_seen(&cn, 200000, 1460, &seen), 200000);
	CHECK_INT(seen.flags_or, 0);
	CHECK_INT(seen.gso_tcpv4 + seen.gso_other, 0);
	CHECK_INT(seen.max_len, 1460);
	tcp_close_all(&vt.h.c);
}

/* Sends SEG from the guest with virtio-net header HDR; CSUM_FIELD, unless
 * 0, replaces the TCP checksum (a partial one, or a wrong one). */
static void guest_send_hdr(const struct ft_seg *seg,
			   const struct fe_net_hdr *hdr, uint16_t csum_field)
{
	static uint8_t frame[PT_FRAME_MAX];
	size_t len = ft_tcp_frame(frame, seg);

	if (csum_field)
		memcpy(frame + IP4_L4_OFF + 16, &csum_field, 2);
	fe_tx_send_hdr(vt.fe, hdr, frame, len, 1, false);
	vu_harness_pump(&vt.h);
}

/* The pseudo-header sum a guest leaves in a NEEDS_CSUM segment of CN
 * with PLEN payload bytes (no options). */
static uint16_t partial_csum_of(size_t plen)
{
	uint32_t sum = csum_add_pseudo4(0, pt_a4("192.0.2.2"),
					pt_a4("192.0.2.1"), IPPROTO_TCP,
					20 + plen);

	return (uint16_t)~csum_fold(sum);
}

/* Bytes the host side of CN reads within TIMEOUT_MS (up to MAX). */
static size_t host_reads(struct conn *cn, uint8_t *buf, size_t max,
			 int timeout_ms)
{
	size_t got = 0;
	int waited;

	fcntl(cn->host, F_SETFL, O_NONBLOCK);
	for (waited = 0; waited < timeout_ms && got < max; waited += 10) {
		ssize_t n = recv(cn->host, buf + got, max - got, 0);

		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		vu_harness_pump(&vt.h);
		usleep(10000);
	}
	return got;
}

static const struct fe_net_hdr needs_csum_hdr = {
	.flags = FE_NET_HDR_F_NEEDS_CSUM, .csum_start = IP4_L4_OFF,
	.csum_offset = 16, .hdr_len = IP4_L4_OFF + 20,
};

TEST(vu_needs_csum_segment_from_guest_is_accepted)
{
	struct conn cn;
	struct ft_seg s;
	uint8_t buf[64];

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup_with(QUEUE_SIZE, BASE_FEATURES | F(FE_F_NET_CSUM),
				RX_BUF_LEN), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	s = seg_of(&cn, FT_ACK | FT_PSH);
	s.payload = (const uint8_t *)"partial sum";
	s.len = 11;
	guest_send_hdr(&s, &needs_csum_hdr, partial_csum_of(11));
	CHECK_INT(host_reads(&cn, buf, 11, 2000), 11);
	CHECK(!memcmp(buf, "partial sum", 11));
	CHECK_INT(vt.h.c.stats.drops[DROP_BAD_CSUM], 0);
	tcp_close_all(&vt.h.c);
}

TEST(vu_bad_checksum_without_offload_flag_is_dropped)
{
	struct conn cn;
	struct ft_seg s;
	uint8_t buf[64];

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup_with(QUEUE_SIZE, BASE_FEATURES | F(FE_F_NET_CSUM),
				RX_BUF_LEN), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	s = seg_of(&cn, FT_ACK | FT_PSH);
	s.payload = (const uint8_t *)"bad sum";
	s.len = 7;
	guest_send_hdr(&s, NULL, partial_csum_of(7));
	CHECK_INT(vt.h.c.stats.drops[DROP_BAD_CSUM], 1);
	CHECK_INT(host_reads(&cn, buf, sizeof(buf), 200), 0);
	tcp_close_all(&vt.h.c);
}

TEST(vu_needs_csum_is_verified_when_csum_was_not_negotiated)
{
	struct conn cn;
	struct ft_seg s;
	uint8_t buf[64];

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup_with(QUEUE_SIZE, BASE_FEATURES, RX_BUF_LEN), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	s = seg_of(&cn, FT_ACK | FT_PSH);
	s.payload = (const uint8_t *)"no offload";
	s.len = 10;
	guest_send_hdr(&s, &needs_csum_hdr, partial_csum_of(10));
	CHECK_INT(vt.h.c.stats.drops[DROP_BAD_CSUM], 1);
	CHECK_INT(host_reads(&cn, buf, sizeof(buf), 200), 0);
	tcp_close_all(&vt.h.c);
}

#define TSO_PAYLOAD 60000

/* A TSO segment of TSO_PAYLOAD bytes from the guest with GSO_TYPE. */
static void guest_send_tso(struct conn *cn, uint8_t gso_type,
			   const uint8_t *payload)
{
	struct fe_net_hdr h = needs_csum_hdr;
	struct ft_seg s = seg_of(cn, FT_ACK | FT_PSH);

	h.gso_type = gso_type;
	h.gso_size = 1460;
	s.payload = payload;
	s.len = TSO_PAYLOAD;
	guest_send_hdr(&s, &h, partial_csum_of(TSO_PAYLOAD));
}

TEST(vu_host_tso_segment_from_guest_goes_to_the_socket_whole)
{
	static uint8_t data[TSO_PAYLOAD], buf[TSO_PAYLOAD];
	struct conn cn;
	struct ft_seg s;
	size_t i;

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup_with(QUEUE_SIZE, BASE_FEATURES | F(FE_F_NET_CSUM) |
				F(FE_F_NET_HOST_TSO4), BIG_BUF_LEN), 0);
	CHECK(vt.fe->features & F(FE_F_NET_HOST_TSO4));
	CHECK_INT(connect_guest(&cn, 1460), 0);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + (i >> 9));
	guest_send_tso(&cn, FE_NET_HDR_GSO_TCPV4, data);
	CHECK_INT(host_reads(&cn, buf, sizeof(buf), 2000), TSO_PAYLOAD);
	CHECK(!memcmp(buf, data, sizeof(data)));
	/* one ACK covers it all */
	CHECK(!guest_recv(&s, NULL, 2000));
	CHECK_INT(s.ack, cn.seq + TSO_PAYLOAD);
	tcp_close_all(&vt.h.c);
}

TEST(vu_gso_frame_without_host_tso_is_dropped)
{
	static uint8_t data[TSO_PAYLOAD], buf[64];
	struct conn cn;

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup_with(QUEUE_SIZE, BASE_FEATURES | F(FE_F_NET_CSUM),
				BIG_BUF_LEN), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	guest_send_tso(&cn, FE_NET_HDR_GSO_TCPV4, data);
	CHECK_INT(vt.h.c.stats.drops[DROP_BAD_OFFLOAD], 1);
	CHECK_INT(host_reads(&cn, buf, sizeof(buf), 200), 0);
	tcp_close_all(&vt.h.c);
}

/* Virtio 5.1.3.1: HOST_TSO4 requires CSUM; acked alone it allows no GSO
 * frame (whose checksum would be a partial one nobody completes). */
TEST(vu_gso_frame_with_host_tso_but_without_csum_is_dropped)
{
	static uint8_t data[TSO_PAYLOAD], buf[64];
	struct conn cn;

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup_with(QUEUE_SIZE, BASE_FEATURES |
				F(FE_F_NET_HOST_TSO4), BIG_BUF_LEN), 0);
	CHECK(vt.fe->features & F(FE_F_NET_HOST_TSO4));
	CHECK(!(vt.fe->features & F(FE_F_NET_CSUM)));
	CHECK_INT(connect_guest(&cn, 1460), 0);
	guest_send_tso(&cn, FE_NET_HDR_GSO_TCPV4, data);
	CHECK_INT(vt.h.c.stats.drops[DROP_BAD_OFFLOAD], 1);
	CHECK_INT(host_reads(&cn, buf, sizeof(buf), 200), 0);
	tcp_close_all(&vt.h.c);
}

TEST(vu_gso_udp_frame_is_dropped_even_with_host_tso)
{
	static uint8_t data[TSO_PAYLOAD], buf[64];
	struct conn cn;

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup_with(QUEUE_SIZE, BASE_FEATURES | F(FE_F_NET_CSUM) |
				F(FE_F_NET_HOST_TSO4) | F(FE_F_NET_HOST_TSO6),
				BIG_BUF_LEN), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	guest_send_tso(&cn, FE_NET_HDR_GSO_UDP, data);
	CHECK_INT(vt.h.c.stats.drops[DROP_BAD_OFFLOAD], 1);
	CHECK_INT(host_reads(&cn, buf, sizeof(buf), 200), 0);
	tcp_close_all(&vt.h.c);
}

TEST(vu_frame_above_64k_is_dropped_without_overread)
{
	static uint8_t frame[TAP_FRAME_MAX + 1000];
	struct fe_net_hdr h = needs_csum_hdr;
	struct conn cn;
	struct ft_seg s;
	uint8_t buf[64];

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup_with(QUEUE_SIZE, BASE_FEATURES | F(FE_F_NET_CSUM) |
				F(FE_F_NET_HOST_TSO4), BIG_BUF_LEN), 0);
	CHECK_INT(connect_guest(&cn, 1460), 0);
	/* a valid header for 100 payload bytes, then far more bytes than
	 * any IP packet holds, spread over many descriptors */
	s = seg_of(&cn, FT_ACK | FT_PSH);
	s.payload = frame + 2000;
	s.len = 100;
	ft_tcp_frame(frame, &s);
	h.gso_type = FE_NET_HDR_GSO_TCPV4;
	h.gso_size = 1460;
	fe_tx_send_hdr(vt.fe, &h, frame, sizeof(frame), 16, true);
	vu_harness_pump(&vt.h);
	CHECK_INT(vt.h.c.stats.drops[DROP_TOO_LONG], 1);
	CHECK_INT(host_reads(&cn, buf, sizeof(buf), 200), 0);
	tcp_close_all(&vt.h.c);
}

/* --- Small merged RX buffers, as a Linux guest posts them ---------------
 *
 * With MRG_RXBUF a Linux guest posts buffers of 1536 bytes and more (its
 * 1518-byte minimum plus the 12-byte header, rounded to a cache line):
 * a 64 KiB frame, with TSO or at MTU 65520, spans some 43 of them.  Each
 * case checks that every byte arrives in order, that each frame takes
 * exactly the buffers its length needs (no off-by-one on the virtio-net
 * header or the Ethernet, IP and TCP headers in front) and that nothing
 * is written past a buffer. */

/* What a Linux guest at MTU 65520 announces (MTU - 40). */
#define MSS_MTU_65520 65480
#define MERGED_BULK 1000000

/* Buffers a frame of PLEN TCP/IPv4 payload bytes (no options) and its
 * virtio-net header fill, at RX_LEN bytes each. */
static unsigned buffers_for(size_t plen, uint32_t rx_len)
{
	return (unsigned)((FE_NET_HDR_LEN + IP4_L4_OFF + 20 + plen +
			   rx_len - 1) / rx_len);
}

/* Host-to-guest bulk data over merged buffers of RX_LEN bytes (RX_POSTED
 * of them at a time), after a guest-initiated handshake announcing MSS,
 * with FEATURES.  SEEN gets what the frames said. */
static void bulk_over_merged(uint32_t rx_len, unsigned rx_posted,
			     uint64_t features, uint16_t mss,
			     struct rx_seen *seen)
{
	struct conn cn;

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup_merged(rx_posted, features, rx_len), 0);
	CHECK(vt.fe->features & F(FE_F_NET_MRG_RXBUF));
	CHECK_INT(connect_guest(&cn, mss), 0);
	vt_post_rx(1); /* the SYN-ACK's */
	CHECK_INT(transfer_seen(&cn, MERGED_BULK, mss, seen), MERGED_BULK);
	CHECK_INT(seen->misfit, 0);
	CHECK(rx_canaries_intact());
	CHECK_INT(pt_drops(&vt.h.c), 0);
	tcp_close_all(&vt.h.c);
}

/* MTU 65520 without offloads: segments of up to 65480 bytes. */
static void mtu_65520_segments_over(uint32_t rx_len)
{
	struct rx_seen seen;

	bulk_over_merged(rx_len, QUEUE_SIZE, 0, MSS_MTU_65520, &seen);
	if (test_failed())
		return;
	CHECK(seen.max_len > rx_len);
	CHECK_INT(seen.max_buffers, buffers_for(seen.max_len, rx_len));
	CHECK_INT(seen.flags_or, 0);
}

TEST(vu_64k_segments_span_1536_byte_merged_buffers)
{
	mtu_65520_segments_over(1536);
}

TEST(vu_64k_segments_span_1526_byte_merged_buffers)
{
	mtu_65520_segments_over(1526);
}

TEST(vu_64k_segments_span_2048_byte_merged_buffers)
{
	mtu_65520_segments_over(2048);
}

/* Guest TSO at MSS 1460: 64 KiB frames of whole MSS, partial checksums. */
static void tso_frames_over(uint32_t rx_len)
{
	struct rx_seen seen;

	bulk_over_merged(rx_len, QUEUE_SIZE,
			 F(FE_F_NET_GUEST_CSUM) | F(FE_F_NET_GUEST_TSO4), 1460,
			 &seen);
	if (test_failed())
		return;
	CHECK(seen.gso_tcpv4 > 0);
	CHECK(seen.gso_fields_ok);
	CHECK_INT(bad_partial_csums, 0);
	CHECK(seen.max_len > rx_len);
	CHECK_INT(seen.max_buffers, buffers_for(seen.max_len, rx_len));
}

TEST(vu_tso_frames_span_1536_byte_merged_buffers)
{
	tso_frames_over(1536);
}

TEST(vu_tso_frames_span_1526_byte_merged_buffers)
{
	tso_frames_over(1526);
}

TEST(vu_tso_frames_span_2048_byte_merged_buffers)
{
	tso_frames_over(2048);
}

/* 12 + 14 + 20 + 20 + 1460 = 1526: an MSS frame fills the buffer to its
 * last byte, and takes no second one. */
TEST(vu_mss_frame_fills_a_1526_byte_merged_buffer_exactly)
{
	struct rx_seen seen;

	bulk_over_merged(1526, QUEUE_SIZE, 0, 1460, &seen);
	if (test_failed())
		return;
	CHECK_INT(seen.max_len, 1460);
	CHECK_INT(seen.max_buffers, 1);
}

/* One byte less of buffer: the MSS frame's last byte goes to a second. */
TEST(vu_mss_frame_takes_two_1525_byte_merged_buffers)
{
	struct rx_seen seen;

	bulk_over_merged(1525, QUEUE_SIZE, 0, 1460, &seen);
	if (test_failed())
		return;
	CHECK_INT(seen.max_len, 1460);
	CHECK_INT(seen.max_buffers, 2);
}

/* The guest keeps only three 1536-byte buffers posted, fewer than a
 * 65480-byte segment needs: each frame is cut to what they hold (as
 * tcp.c's theory of operation says), the rest follows as the guest posts
 * more, and nothing is lost or reordered. */
static void frames_cut_to_three_posted_buffers(uint64_t features)
{
	struct rx_seen seen;
	size_t fit = 3 * 1536 - FE_NET_HDR_LEN - IP4_L4_OFF - 20;

	bulk_over_merged(1536, 3, features, MSS_MTU_65520, &seen);
	if (test_failed())
		return;
	CHECK_INT(seen.max_len, fit);
	CHECK_INT(seen.max_buffers, 3);
	CHECK(vt.h.rx_ready > 0);
}

TEST(vu_segment_needing_more_buffers_than_posted_goes_in_those_posted)
{
	frames_cut_to_three_posted_buffers(0);
}

/* Same with TSO: a frame of 3 MSS and a part, still a valid GSO frame. */
TEST(vu_tso_frame_needing_more_buffers_than_posted_goes_in_those_posted)
{
	frames_cut_to_three_posted_buffers(F(FE_F_NET_GUEST_CSUM) |
					   F(FE_F_NET_GUEST_TSO4));
	CHECK_INT(bad_partial_csums, 0);
}

/* Forwards a free host port (-t PORT) to the same guest port and
 * connects a host client to it: *CN gets the client and the guest's
 * view once the guest has answered vunetd's SYN (announcing MSS) and
 * got the ACK.  Returns 0 or -1. */
static int connect_forwarded(struct conn *cn, uint16_t mss)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char spec[16], err[128];
	uint16_t port = ft_closed_port(AF_INET, SOCK_STREAM);
	struct ft_seg s;

	snprintf(spec, sizeof(spec), "%u", port);
	if (fwd_parse_spec(&vt.h.c.tcp_fwd, spec, err, sizeof(err)) ||
	    tcp_listen_init(&vt.h.c) != 1)
		return -1;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cn->host = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cn->host < 0 ||
	    connect(cn->host, (struct sockaddr *)&sin, sizeof(sin)))
		return -1;
	if (guest_recv(&s, NULL, 2000) || s.flags != FT_SYN ||
	    s.dport != port || !s.mss)
		return -1;
	cn->port = s.sport;
	cn->guest_port = port;
	cn->seq = GUEST_ISN;
	cn->ack = s.seq + 1;
	s = seg_of(cn, FT_SYN | FT_ACK);
	s.mss = mss;
	s.wscale = 7;
	guest_send(&s);
	cn->seq++;
	if (guest_recv(&s, NULL, 2000) || s.flags != FT_ACK ||
	    s.ack != cn->seq)
		return -1;
	return 0;
}

/* A host client on a forwarded port reaches the guest, whose RX buffers
 * are RX_LEN bytes: vunetd's SYN (with its options), bulk data to the
 * guest in frames spanning several buffers, and data back. */
static void forwarded_over_merged(uint32_t rx_len)
{
	struct rx_seen seen;
	struct conn cn;
	struct ft_seg s;
	uint8_t buf[16];

	tcp_set_peek_offset(false);
	CHECK_INT(vt_setup_merged(QUEUE_SIZE, 0, rx_len), 0);
	CHECK_INT(connect_forwarded(&cn, MSS_MTU_65520), 0);
	vt_post_rx(2); /* the SYN's and the ACK's */
	CHECK_INT(transfer_seen(&cn, MERGED_BULK, MSS_MTU_65520, &seen),
		  MERGED_BULK);
	CHECK_INT(seen.misfit, 0);
	CHECK(seen.max_buffers > 1);
	s = seg_of(&cn, FT_ACK | FT_PSH);
	s.payload = (const uint8_t *)"back";
	s.len = 4;
	guest_send(&s);
	CHECK_INT(host_reads(&cn, buf, 4, 2000), 4);
	CHECK(!memcmp(buf, "back", 4));
	CHECK(rx_canaries_intact());
	CHECK_INT(pt_drops(&vt.h.c), 0);
	tcp_close_all(&vt.h.c);
	tcp_listen_close(&vt.h.c);
}

TEST(vu_forwarded_connection_over_1536_byte_merged_buffers)
{
	forwarded_over_merged(1536);
}

TEST(vu_forwarded_connection_over_1526_byte_merged_buffers)
{
	forwarded_over_merged(1526);
}

TEST(vu_forwarded_connection_over_2048_byte_merged_buffers)
{
	forwarded_over_merged(2048);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
