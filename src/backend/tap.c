// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guest-facing side of vunetd: parsing and dispatch of guest frames,
 * and the way out to the guest, over vhost-user or qemu's stream protocol.
 * The interface and the handler contract are described in tap.h.
 *
 * From the guest, every frame goes through tap_handler(): it is counted,
 * its first TAP_HDR_MAX bytes are copied into a struct tap_frame on the
 * stack, and each header is checked against both the frame length and the
 * copied prefix before anything reads it.  Only then is the frame handed to
 * one protocol handler.  Drops found here are counted by reason; nothing is
 * logged per frame.
 *
 * The stream protocol keeps two fixed buffers (nothing is allocated after
 * start):
 *  - receive: bytes read from the socket accumulate in rx_buf; each complete
 *    "length + frame" record is dispatched in place; a partial record is
 *    moved to the front and completed by the next read.  The records of
 *    one read are one batch: the handlers' batch_done() runs before the
 *    buffer is moved, as handlers may keep pointers into it till then.
 *    A record length of 0 is skipped; one above TAP_FRAME_MAX but at most TAP_STREAM_SKIP_MAX
 *    has its bytes discarded as they arrive; both count DROP_BAD_STREAM and
 *    the stream stays in step.  A larger length means the peer is not
 *    speaking the protocol: the connection is ended.
 *  - transmit: records are appended to tx_buf and written by tap_flush();
 *    whatever the socket does not take waits for EPOLLOUT, so records are
 *    never cut.  When the buffer is full, new frames are dropped; senders
 *    that can wait ask tap_guest_has_room() first and are called back
 *    (tap_rx_ready()) on EPOLLOUT.
 * Reads per wake-up are bounded (STREAM_READS_PER_EVENT) so that one busy
 * front-end cannot starve the host side of the loop.
 */
#include "backend/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/checksum.h"
#include "backend/ctx.h"
#include "backend/epoll_ref.h"
#include "backend/ip.h"
#include "backend/vhost_user.h"

#define ARP_MIN_LEN 28     /* Ethernet/IPv4 ARP packet */
#define IP4_MIN_HDR 20
#define IP6_HDR 40
#define TCP_MIN_HDR 20
#define UDP_HDR 8
#define ICMP_MIN_HDR 8     /* type, code, checksum, rest of header */
#define DHCP_SERVER_PORT 67
#define DHCPV6_SERVER_PORT 547
#define ICMP4_ECHO_REQUEST 8
#define ICMP6_ECHO_REQUEST 128
#define NDP_FIRST_TYPE 133 /* router solicitation .. redirect */
#define NDP_LAST_TYPE 137
#define STREAM_LEN_BYTES 4

/* Room for several full-size records, so one read() can bring a batch. */
#define STREAM_RX_BUF (4 * (STREAM_LEN_BYTES + TAP_FRAME_MAX))
#define STREAM_TX_BUF (8 * (STREAM_LEN_BYTES + TAP_FRAME_MAX))
#define STREAM_READS_PER_EVENT 16

/* What the parse functions return when the frame is good: any other
 * value is the reason to drop it (DROP_TOO_SHORT is 0, so 0 cannot mean
 * success). */
#define FRAME_OK DROP_NUM_REASONS

static const struct tap_handlers *handlers;

static struct {
	uint8_t buf[STREAM_RX_BUF];
	size_t fill;        /* bytes in buf */
	size_t skip;        /* bytes of an oversized record still to discard */
} rx;

static struct {
	uint8_t buf[STREAM_TX_BUF];
	size_t start, end;  /* unwritten bytes: buf[start..end) */
	bool want_out;      /* EPOLLOUT registered */
} tx;

void tap_set_handlers(const struct tap_handlers *h)
{
	handlers = h;
}

int tap_frame_copy(const struct tap_frame *f, size_t off, void *buf,
		   size_t len)
{
	uint8_t *out = buf;

	if (off > f->len || len > f->len - off)
		return -1;
	for (size_t i = 0; i < f->iovcnt && len; i++) {
		size_t seg = f->iov[i].iov_len, n;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		n = seg - off < len ? seg - off : len;
		memcpy(out, (const uint8_t *)f->iov[i].iov_base + off, n);
		out += n;
		len -= n;
		off = 0;
	}
	return len ? -1 : 0;
}

int tap_frame_iov_from(const struct tap_frame *f, size_t off, size_t end,
		       struct iovec *out, size_t max)
{
	size_t n = 0, pos = 0;

	if (off > end || end > f->len)
		return -1;
	for (size_t i = 0; i < f->iovcnt && pos < end; i++) {
		size_t seg_start = pos, seg_end = pos + f->iov[i].iov_len;
		size_t from = off > seg_start ? off : seg_start;
		size_t to = end < seg_end ? end : seg_end;

		pos = seg_end;
		if (from >= to)
			continue;
		if (n == max)
			return -1;
		out[n].iov_base = (uint8_t *)f->iov[i].iov_base +
				  (from - seg_start);
		out[n].iov_len = to - from;
		n++;
	}
	return pos < end ? -1 : (int)n;
}

/* Runs handler H, or counts why there is none.  Returns H's result. */
static int run_handler(struct ctx *c, tap_proto_handler h, bool disabled,
		       const struct tap_frame *f)
{
	if (disabled) {
		ctx_drop(c, DROP_DISABLED);
		return -1;
	}
	if (!h) {
		ctx_drop(c, DROP_UNHANDLED);
		return -1;
	}
	return h(c, f);
}

/* Checks the L4 header at f->l4_off and sets payload_off and ports.
 * Returns FRAME_OK, or the drop reason. */
static int parse_l4(struct tap_frame *f)
{
	const uint8_t *l4 = f->hdr + f->l4_off;
	size_t need;

	switch (f->l4_proto) {
	case IPPROTO_TCP:
		need = TCP_MIN_HDR;
		if (f->l4_len >= TCP_MIN_HDR && f->l4_off + need <= f->hdr_len)
			need = (size_t)(l4[12] >> 4) * 4;
		if (need < TCP_MIN_HDR)
			return DROP_BAD_L4;
		break;
	case IPPROTO_UDP:
		need = UDP_HDR;
		if (f->l4_len >= UDP_HDR && f->l4_off + need <= f->hdr_len &&
		    (ip_get_be16(l4 + 4) < UDP_HDR ||
		     ip_get_be16(l4 + 4) > f->l4_len))
			return DROP_BAD_L4;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* each ICMP belongs to its own IP version: ICMPv6 inside
		 * IPv4 (or ICMPv4 inside IPv6) is no echo request to relay */
		if ((f->l4_proto == IPPROTO_ICMP) != (f->family == AF_INET))
			return DROP_UNHANDLED;
		need = ICMP_MIN_HDR;
		break;
	default:
		return DROP_UNHANDLED;
	}
	if (f->l4_len < need || f->l4_off + need > f->hdr_len)
		return DROP_TOO_SHORT;
	f->payload_off = f->l4_off + need;
	if (f->l4_proto == IPPROTO_TCP || f->l4_proto == IPPROTO_UDP) {
		f->sport = ip_get_be16(l4);
		f->dport = ip_get_be16(l4 + 2);
	}
	return FRAME_OK;
}

/* Checks the IPv4 header.  Returns FRAME_OK, or the drop reason. */
static int parse_ip4(struct tap_frame *f)
{
	const uint8_t *ip = f->hdr + f->l3_off;
	size_t ihl, tot_len;

	if (f->len < f->l3_off + IP4_MIN_HDR ||
	    f->hdr_len < f->l3_off + IP4_MIN_HDR)
		return DROP_TOO_SHORT;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot_len = ip_get_be16(ip + 2);
	if (ip[0] >> 4 != 4 || ihl < IP4_MIN_HDR || tot_len < ihl)
		return DROP_BAD_L3;
	if (f->l3_off + tot_len > f->len || f->l3_off + ihl > f->hdr_len)
		return DROP_TOO_SHORT;
	/* more-fragments flag or a fragment offset: vunetd does not
	 * reassemble (the guest's MTU makes fragments unnecessary) */
	if (ip_get_be16(ip + 6) & 0x3fff)
		return DROP_BAD_L3;
	if (csum_buf(ip, ihl)) /* 0 over a correct header */
		return DROP_BAD_CSUM;
	f->family = AF_INET;
	f->l4_proto = ip[9];
	memcpy(&f->saddr.a4, ip + 12, 4);
	memcpy(&f->daddr.a4, ip + 16, 4);
	f->l4_off = f->l3_off + ihl;
	f->l4_len = tot_len - ihl;
	return parse_l4(f);
}

static bool is_ip6_ext_header(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_DSTOPTS;
}

/* Checks the IPv6 header and walks extension headers.  Returns FRAME_OK,
 * or the drop reason. */
static int parse_ip6(struct tap_frame *f)
{
	const uint8_t *ip = f->hdr + f->l3_off;
	size_t off, plen;
	uint8_t nh;

	if (f->len < f->l3_off + IP6_HDR || f->hdr_len < f->l3_off + IP6_HDR)
		return DROP_TOO_SHORT;
	if (ip[0] >> 4 != 6)
		return DROP_BAD_L3;
	plen = ip_get_be16(ip + 4);
	if (f->l3_off + IP6_HDR + plen > f->len)
		return DROP_TOO_SHORT;
	nh = ip[6];
	off = f->l3_off + IP6_HDR;
	/* each extension header is at least 8 bytes, so this ends within
	 * TAP_HDR_MAX / 8 rounds */
	while (is_ip6_ext_header(nh)) {
		size_t ext_len;

		if (off + 8 > f->hdr_len)
			return DROP_TOO_SHORT;
		ext_len = ((size_t)f->hdr[off + 1] + 1) * 8;
		nh = f->hdr[off];
		off += ext_len;
	}
	if (nh == IPPROTO_FRAGMENT)
		return DROP_BAD_L3;
	if (off > f->l3_off + IP6_HDR + plen)
		return DROP_BAD_L3;
	f->family = AF_INET6;
	f->l4_proto = nh;
	memcpy(&f->saddr.a6, ip + 8, 16);
	memcpy(&f->daddr.a6, ip + 24, 16);
	f->l4_off = off;
	f->l4_len = f->l3_off + IP6_HDR + plen - off;
	return parse_l4(f);
}

static void dispatch_ip4(struct ctx *c, const struct tap_frame *f)
{
	const struct tap_handlers *h = handlers;

	switch (f->l4_proto) {
	case IPPROTO_UDP:
		if (f->dport == DHCP_SERVER_PORT)
			run_handler(c, h->dhcp, c->no_dhcp, f);
		else
			run_handler(c, h->udp, c->no_udp, f);
		break;
	case IPPROTO_TCP:
		run_handler(c, h->tcp, c->no_tcp, f);
		break;
	default: /* ICMPv4: parse_l4() let nothing else through */
		if (f->hdr[f->l4_off] == ICMP4_ECHO_REQUEST)
			run_handler(c, h->icmp, c->no_icmp, f);
		else
			ctx_drop(c, DROP_UNHANDLED);
		break;
	}
}

static void dispatch_ip6(struct ctx *c, const struct tap_frame *f)
{
	const struct tap_handlers *h = handlers;
	uint8_t type;

	switch (f->l4_proto) {
	case IPPROTO_UDP:
		if (f->dport == DHCPV6_SERVER_PORT)
			run_handler(c, h->dhcpv6, c->no_dhcpv6, f);
		else
			run_handler(c, h->udp, c->no_udp, f);
		break;
	case IPPROTO_TCP:
		run_handler(c, h->tcp, c->no_tcp, f);
		break;
	case IPPROTO_ICMPV6:
		type = f->hdr[f->l4_off];
		if (type >= NDP_FIRST_TYPE && type <= NDP_LAST_TYPE)
			run_handler(c, h->ndp, c->no_ndp, f);
		else if (type == ICMP6_ECHO_REQUEST)
			run_handler(c, h->icmp, c->no_icmp, f);
		else
			ctx_drop(c, DROP_UNHANDLED);
		break;
	default:
		ctx_drop(c, DROP_UNHANDLED);
		break;
	}
}

const uint8_t *tap_guest_mac(const struct ctx *c)
{
	return c->guest_mac_known ? c->guest_mac : ip_mac_broadcast;
}

void tap_guest_mac_seen(struct ctx *c, const uint8_t *mac)
{
	if (mac[0] & 1) /* group address: not a station */
		return;
	memcpy(c->guest_mac, mac, sizeof(c->guest_mac));
	c->guest_mac_known = true;
}

static const struct tap_handlers no_handlers;

void tap_handler(struct ctx *c, const struct iovec *iov, size_t iovcnt,
		 size_t len, unsigned flags)
{
	struct tap_frame f;
	int reason;

	c->stats.frames_from_guest++;
	c->stats.bytes_from_guest += len;
	if (!handlers)
		handlers = &no_handlers;

	memset(&f, 0, offsetof(struct tap_frame, hdr));
	f.iov = iov;
	f.iovcnt = iovcnt;
	f.len = len;
	f.csum_valid = flags & TAP_FRAME_CSUM_VALID;
	f.hdr_len = len < TAP_HDR_MAX ? len : TAP_HDR_MAX;
	if (len > TAP_FRAME_MAX) {
		ctx_drop(c, DROP_TOO_LONG);
		return;
	}
	if (len < ETH_HLEN || tap_frame_copy(&f, 0, f.hdr, f.hdr_len)) {
		ctx_drop(c, DROP_TOO_SHORT);
		return;
	}
	tap_guest_mac_seen(c, f.hdr + ETH_ALEN);
	f.ethertype = ip_get_be16(f.hdr + 2 * ETH_ALEN);
	f.l3_off = ETH_HLEN;

	switch (f.ethertype) {
	case ETH_P_ARP:
		if (len < ETH_HLEN + ARP_MIN_LEN) {
			ctx_drop(c, DROP_TOO_SHORT);
			return;
		}
		run_handler(c, handlers->arp, !c->ip4.enabled, &f);
		return;
	case ETH_P_IP:
		if (!c->ip4.enabled) {
			ctx_drop(c, DROP_DISABLED);
			return;
		}
		reason = parse_ip4(&f);
		if (reason != FRAME_OK)
			ctx_drop(c, reason);
		else
			dispatch_ip4(c, &f);
		return;
	case ETH_P_IPV6:
		if (!c->ip6.enabled) {
			ctx_drop(c, DROP_DISABLED);
			return;
		}
		reason = parse_ip6(&f);
		if (reason != FRAME_OK)
			ctx_drop(c, reason);
		else
			dispatch_ip6(c, &f);
		return;
	default:
		ctx_drop(c, DROP_BAD_L2);
		return;
	}
}

void tap_batch_done(struct ctx *c)
{
	if (handlers && handlers->batch_done)
		handlers->batch_done(c);
	tap_flush(c);
}

/* Registers or changes the stream socket in the epoll loop. */
static int stream_epoll(struct ctx *c, int op, bool want_out)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_STREAM, .fd = c->fd_conn };
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLRDHUP | (want_out ? EPOLLOUT : 0),
		.data.u64 = ref.u64,
	};

	if (c->epollfd < 0)
		return 0;
	return epoll_ctl(c->epollfd, op, c->fd_conn, &ev) ? -errno : 0;
}

int tap_stream_attach(struct ctx *c, int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	c->fd_conn = fd;
	rx.fill = rx.skip = 0;
	tx.start = tx.end = 0;
	tx.want_out = false;
	return stream_epoll(c, EPOLL_CTL_ADD, false);
}

void tap_stream_detach(struct ctx *c)
{
	if (c->fd_conn < 0)
		return;
	if (c->epollfd >= 0)
		epoll_ctl(c->epollfd, EPOLL_CTL_DEL, c->fd_conn, NULL);
	close(c->fd_conn);
	c->fd_conn = -1;
	rx.fill = rx.skip = 0;
	tx.start = tx.end = 0;
	tx.want_out = false;
}

/* Dispatches the complete records in rx.buf and keeps the partial tail.
 * Returns false if a length shows the peer is not speaking the
 * protocol. */
static bool stream_consume(struct ctx *c)
{
	struct iovec frame;
	size_t pos = 0;
	bool ok = true;

	while (pos < rx.fill) {
		size_t avail = rx.fill - pos;
		uint32_t len;

		if (rx.skip) {
			size_t n = avail < rx.skip ? avail : rx.skip;

			rx.skip -= n;
			pos += n;
			continue;
		}
		if (avail < STREAM_LEN_BYTES)
			break;
		len = ip_get_be32(rx.buf + pos);
		if (len == 0 || len > TAP_FRAME_MAX) {
			ctx_drop(c, DROP_BAD_STREAM);
			pos += STREAM_LEN_BYTES;
			if (len > TAP_STREAM_SKIP_MAX) {
				ok = false;
				break;
			}
			rx.skip = len;
			continue;
		}
		if (avail < STREAM_LEN_BYTES + len)
			break;
		frame.iov_base = rx.buf + pos + STREAM_LEN_BYTES;
		frame.iov_len = len;
		tap_handler(c, &frame, 1, len, 0); /* no offloads on the stream */
		pos += STREAM_LEN_BYTES + len;
	}
	/* Handlers may hold on to the frames until the end of the batch;
	 * the batch ends here, before the buffer moves under them. */
	if (handlers && handlers->batch_done)
		handlers->batch_done(c);
	memmove(rx.buf, rx.buf + pos, rx.fill - pos);
	rx.fill -= pos;
	return ok;
}

bool tap_stream_input(struct ctx *c)
{
	bool alive = true;

	for (int i = 0; i < STREAM_READS_PER_EVENT && alive; i++) {
		ssize_t n = recv(c->fd_conn, rx.buf + rx.fill,
				 sizeof(rx.buf) - rx.fill, MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN &&
			       errno != EWOULDBLOCK && errno != EINTR)) {
			alive = false;
			break;
		}
		if (n < 0)
			break;
		rx.fill += n;
		alive = stream_consume(c);
	}
	tap_batch_done(c);
	return alive;
}

/* Queues one record in tx.buf.  Returns 0 or -ENOBUFS. */
static int stream_queue(struct ctx *c, const struct iovec *iov,
			size_t iovcnt, size_t len)
{
	uint8_t *p;

	if (tx.start == tx.end)
		tx.start = tx.end = 0;
	if (sizeof(tx.buf) - tx.end < STREAM_LEN_BYTES + len && tx.start) {
		memmove(tx.buf, tx.buf + tx.start, tx.end - tx.start);
		tx.end -= tx.start;
		tx.start = 0;
	}
	if (sizeof(tx.buf) - tx.end < STREAM_LEN_BYTES + len)
		return -ENOBUFS;
	p = tx.buf + tx.end;
	p[0] = len >> 24;
	p[1] = len >> 16;
	p[2] = len >> 8;
	p[3] = len;
	p += STREAM_LEN_BYTES;
	for (size_t i = 0; i < iovcnt; i++) {
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	tx.end += STREAM_LEN_BYTES + len;
	return 0;
}

int tap_send_frame(struct ctx *c, const struct iovec *iov, size_t iovcnt)
{
	size_t len = 0;
	int rc;

	for (size_t i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	if (len < ETH_HLEN || len > TAP_FRAME_MAX) {
		ctx_drop(c, DROP_UNHANDLED);
		return -EINVAL;
	}
	if (c->mode == MODE_VU) {
		/* the device counts its own DROP_RX_NO_BUFFERS */
		rc = c->vdev ? vu_send_frame(c->vdev, iov, iovcnt) : -ENOTCONN;
		if (rc < 0 && c->vdev)
			return rc;
		rc = rc < 0 ? rc : 0;
	} else if (c->fd_conn < 0) {
		rc = -ENOTCONN;
	} else {
		rc = stream_queue(c, iov, iovcnt, len);
		if (rc == -ENOBUFS) {
			tap_flush(c);
			rc = stream_queue(c, iov, iovcnt, len);
		}
	}
	if (rc < 0) {
		ctx_drop(c, DROP_RX_NO_BUFFERS);
		return rc;
	}
	c->stats.frames_to_guest++;
	c->stats.bytes_to_guest += len;
	return 0;
}

/* Writes what the socket takes of tx.buf; asks for EPOLLOUT if some is
 * left.  A dead connection is noticed (and closed) by the input side. */
static void stream_write(struct ctx *c)
{
	bool pending;

	while (tx.start < tx.end) {
		ssize_t n = send(c->fd_conn, tx.buf + tx.start,
				 tx.end - tx.start, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) { /* peer gone: the data can go nowhere */
			tx.start = tx.end = 0;
			break;
		}
		tx.start += n;
	}
	pending = tx.start < tx.end;
	if (pending != tx.want_out && !stream_epoll(c, EPOLL_CTL_MOD, pending))
		tx.want_out = pending;
}

void tap_flush(struct ctx *c)
{
	if (c->mode == MODE_VU) {
		if (c->vdev)
			vu_rx_flush(c->vdev);
		return;
	}
	if (c->fd_conn >= 0)
		stream_write(c);
}

void tap_stream_output(struct ctx *c)
{
	if (c->fd_conn < 0)
		return;
	stream_write(c);
	tap_rx_ready(c);
}

void tap_rx_ready(struct ctx *c)
{
	if (handlers && handlers->rx_ready)
		handlers->rx_ready(c);
}

/* Free bytes at the end of the stream's transmit buffer once what was
 * written is dropped from its front (stream_queue() moves it there). */
static size_t stream_room(void)
{
	return sizeof(tx.buf) - (tx.end - tx.start);
}

bool tap_guest_has_room(struct ctx *c, size_t len)
{
	if (c->mode == MODE_VU)
		return !c->vdev || vu_rx_has_room(c->vdev, len);
	if (c->fd_conn < 0)
		return true;
	if (stream_room() < STREAM_LEN_BYTES + len)
		stream_write(c); /* EPOLLOUT is asked for if some stays */
	return stream_room() >= STREAM_LEN_BYTES + len;
}
