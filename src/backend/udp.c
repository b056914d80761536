// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * UDP: guest datagrams onto ordinary host sockets, and replies back.
 *
 * Theory of operation, after passt: vunetd has no IP stack.  The first
 * datagram the guest sends from (its address, port) to (remote address,
 * port) creates a flow (flow.c) with its own host socket, bound to the
 * guest's source port where the host allows it (so port-sensitive peers
 * see the same port) and connect()ed to the translated destination
 * (flow_host_sockaddr(): the gateway means host loopback, the
 * --dns-forward address the host's resolver).  Being connected, the
 * socket only receives replies from that destination, which go back to
 * the guest with the addresses swapped exactly as the guest addressed
 * them, so the guest never sees the translation.
 *
 * An ICMP port unreachable the host kernel receives for a connected
 * socket shows up as ECONNREFUSED on it; it is translated into an ICMP
 * (or ICMPv6) port unreachable to the guest, quoting the datagram's
 * headers as the guest sent them.  A full flow table gets the guest an
 * "administratively prohibited" unreachable instead.
 *
 * Inbound (-u): each forwarded host port has a socket bound to it.  The
 * first datagram from a peer creates a flow for (guest address, guest
 * port for it, peer as the guest sees it: host-local peers appear as the
 * gateway) with its own socket, bound to the same port (SO_REUSEADDR) and
 * connected to the peer: the kernel prefers the connected socket for that
 * peer's later datagrams, and the guest's replies leave from the port the
 * peer wrote to.
 *
 * A flow ends after UDP_FLOW_TIMEOUT_S without traffic (udp_timer()).
 *
 * Data path, guest to host: udp_tap_handler() only checks a datagram (its
 * checksum unless the guest left it to the device: virtio checksum
 * offload, f->csum_valid) and notes where its payload is (iovecs into
 * the guest's frame, no copy); udp_batch_done(), at the end of the
 * transport's batch, sends what was
 * noted with one sendmmsg() per flow, each flow's datagrams in the order
 * the guest sent them.  The transport keeps the frames' buffers until
 * then (vhost-user publishes the TX used entries after the batch; the
 * stream transport ends its batch before it moves its buffer).  The batch
 * arrays are fixed (UDP_TX_BATCH datagrams, UDP_TX_IOV iovecs); when
 * either is full, or UDP_TX_BATCH_BYTES of payload wait, the batch is
 * sent early.  A partial sendmmsg() goes on
 * from the first datagram not sent; a datagram the socket refuses is
 * dropped and counted, and a full socket buffer (EAGAIN) drops the rest
 * of that flow's batch, counted.
 *
 * Host to guest, over vhost-user: guest RX buffers for up to UDP_RX_BATCH
 * frames are reserved at once, one recvmmsg() reads datagrams straight
 * into them behind room for the headers, the headers are written in
 * front, the filled frames are committed and the rest given back; the
 * loop's tap_flush() publishes them with one used-index update and one
 * notification.  Several frames are reserved only when each is a single
 * guest buffer holding a 64 KiB datagram (vhost_user.h says why); with
 * smaller, merged buffers a reservation holds one datagram, still read in
 * place.  A guest that negotiated GUEST_CSUM gets frames marked
 * NEEDS_CSUM, the UDP checksum field holding the pseudo-header sum
 * (csum_l4_field(), as for TCP): the payload is never summed here.  On
 * the stream transport, for -u forwarded ports, and where guest buffers
 * cannot be written in place, replies are read into one static frame
 * buffer and copied with tap_send_frame(), with full checksums (the
 * stream has no virtio-net header to carry an offload).
 *
 * Back-pressure: a datagram is read only when the guest has room for its
 * frame (the reservation above; tap_guest_has_room() before a copy).
 * When it has none, the datagram and those behind it stay in their host
 * socket, whose receive buffer is the only queue (the kernel drops what
 * overflows it, as it would for any slow reader): the socket is marked
 * guest_rx_full and stops asking epoll for EPOLLIN, since a readable
 * socket in a level-triggered loop that cannot read it would spin.  The
 * guest adding RX buffers (vhost-user kick, rx_ready) or the stream
 * socket draining (EPOLLOUT) calls udp_guest_rx_ready(), which reads the
 * waiting sockets in turn, round robin from where the room ran out last,
 * and asks for EPOLLIN again for each one it leaves with room to spare;
 * the timer retries too, in case a notification never comes.  TCP's
 * equivalent is tcp_guest_rx_ready(); both run from tap_rx_ready().
 * Only a datagram no guest buffer could ever hold (a single buffer too
 * small, without MRG_RXBUF) is dropped, as DROP_RX_NO_BUFFERS; one too
 * large for any frame as DROP_TOO_BIG (reads report a datagram's real
 * length).  Nothing here allocates or logs per datagram: drops are
 * counted in the context.
 *
 * Not done: replies to a guest flow from other peers than the one it
 * wrote to (the socket is connected), and passt's loopback splicing.
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/checksum.h"
#include "backend/ctx.h"
#include "backend/flow.h"
#include "backend/fwd.h"
#include "backend/ip.h"
#include "backend/tap.h"
#include "backend/udp.h"
#include "backend/vhost_user.h"
#include "util/log.h"

/* iovec entries a guest datagram may span (guest TX descriptor chains). */
#define UDP_MAX_IOV TAP_FRAME_MAX_IOV
/* The headers of the guest datagram an ICMP error quotes. */
#define QUOTE4_LEN (IP4_HDR_LEN + UDP_HDR_LEN)
#define QUOTE6_LEN (IP6_HDR_LEN + UDP_HDR_LEN)
#define ICMP_ERR_HDR_LEN 8 /* type, code, checksum, unused */
#define UDP_CSUM_OFFSET 6  /* of the checksum field in the UDP header */

/* Largest UDP payload in one frame for the guest: an IPv4 packet of at
 * most 65535 bytes fills TAP_FRAME_MAX exactly; the IPv6 payload length
 * would allow 40 bytes more than the frame has room for. */
#define UDP4_PAYLOAD_MAX (65535 - 20 - UDP_HDR_LEN)
#define UDP6_PAYLOAD_MAX (TAP_FRAME_MAX - UDP6_PAYLOAD_OFF)

/* Frames to the guest are built here: replies and ICMP errors.  Reads
 * use MSG_TRUNC: they return a datagram's real length, so one too large
 * for a frame is recognised (and dropped) rather than cut. */
static uint8_t frame_buf[TAP_FRAME_MAX];

/* Guest datagrams waiting for sendmmsg() at the end of the guest's batch:
 * as many as one TX round brings, and iovec room for that many typical
 * (few-descriptor) datagrams; either one full flushes early. */
#define UDP_TX_BATCH 64
#define UDP_TX_IOV (UDP_TX_BATCH * 4)
/* Payload bytes held before the batch is sent early: the payloads were
 * just read for their checksums, and are sent while still in the cache
 * (64 datagrams of 64 KiB would not be). */
#define UDP_TX_BATCH_BYTES (256 * 1024)

static struct {
	struct mmsghdr msg[UDP_TX_BATCH]; /* in arrival order */
	struct flow *flow[UDP_TX_BATCH];  /* the flow of each */
	struct iovec iov[UDP_TX_IOV];     /* payloads, in guest memory */
	unsigned n_msg, n_iov;
	size_t n_bytes;
} tx;

/* Host datagrams read with one recvmmsg() straight into guest buffers. */
#define UDP_RX_BATCH 16

static bool udp_checksum_ok(const struct tap_frame *f, size_t udp_len)
{
	struct iovec iov[UDP_MAX_IOV];
	uint32_t sum;
	int n;

	/* IPv4 UDP may go without a checksum; IPv6 UDP may not. */
	if (f->family == AF_INET && !ip_get_be16(f->hdr + f->l4_off + 6))
		return true;
	n = tap_frame_iov_from(f, f->l4_off, f->l4_off + udp_len, iov,
			       UDP_MAX_IOV);
	if (n < 0)
		return false;
	if (f->family == AF_INET)
		sum = csum_add_pseudo4(0, f->saddr.a4, f->daddr.a4,
				       IPPROTO_UDP, udp_len);
	else
		sum = csum_add_pseudo6(0, &f->saddr.a6, &f->daddr.a6,
				       IPPROTO_UDP, udp_len);
	return csum_fold(csum_add_iov(sum, iov, (size_t)n, udp_len)) == 0;
}

/* The IP + UDP headers of a datagram of FL as the guest sent it, at Q
 * (QUOTE4_LEN or QUOTE6_LEN bytes): what an ICMP error quotes, so the
 * guest can tell which of its sockets the error is for. */
static void quote_guest_datagram(uint8_t *q, const struct flow *fl)
{
	uint8_t *udp;

	if (flow_addr_is_v4(&fl->key.gaddr)) {
		ip_v4_hdr_fill(q, flow_addr_v4(&fl->key.gaddr),
			       flow_addr_v4(&fl->key.raddr), IPPROTO_UDP,
			       UDP_HDR_LEN);
		udp = q + IP4_HDR_LEN;
	} else {
		ip_v6_hdr_fill(q, &fl->key.gaddr, &fl->key.raddr, IPPROTO_UDP,
			       UDP_HDR_LEN);
		udp = q + IP6_HDR_LEN;
	}
	ip_put_be16(udp, fl->key.gport);
	ip_put_be16(udp + 2, fl->key.rport);
	ip_put_be16(udp + 4, UDP_HDR_LEN);
	memset(udp + 6, 0, 2); /* checksum: not what the guest sent, none */
}

/* Tells the guest its datagram for FL could not be delivered: port
 * unreachable, or (PROHIBITED) refused by vunetd itself. */
static void udp_send_unreachable(struct ctx *c, const struct flow *fl,
				 bool prohibited)
{
	uint8_t *l4;
	struct iovec iov;

	if (flow_addr_is_v4(&fl->key.gaddr)) {
		l4 = frame_buf + IP4_L4_OFF;
		memset(l4, 0, ICMP_ERR_HDR_LEN);
		l4[0] = ICMP_DEST_UNREACH;
		l4[1] = prohibited ? ICMP_PKT_FILTERED : ICMP_PORT_UNREACH;
		quote_guest_datagram(l4 + ICMP_ERR_HDR_LEN, fl);
		iov.iov_len = ip_icmp4_frame(frame_buf, tap_guest_mac(c),
					     c->our_tap_mac,
					     flow_addr_v4(&fl->key.raddr),
					     flow_addr_v4(&fl->key.gaddr),
					     ICMP_ERR_HDR_LEN + QUOTE4_LEN);
	} else {
		l4 = frame_buf + IP6_L4_OFF;
		memset(l4, 0, ICMP_ERR_HDR_LEN);
		l4[0] = ICMP6_DST_UNREACH;
		l4[1] = prohibited ? ICMP6_DST_UNREACH_ADMIN :
				     ICMP6_DST_UNREACH_NOPORT;
		quote_guest_datagram(l4 + ICMP_ERR_HDR_LEN, fl);
		iov.iov_len = ip_icmp6_frame(frame_buf, tap_guest_mac(c),
					     c->our_tap_mac, &fl->key.raddr,
					     &fl->key.gaddr,
					     ICMP_ERR_HDR_LEN + QUOTE6_LEN);
	}
	iov.iov_base = frame_buf;
	tap_send_frame(c, &iov, 1);
}

/* Flows and forwarded-port sockets left unread until the guest has room
 * (guest_rx_full): udp_guest_rx_ready() looks for them only while some
 * are, from rx_ready_next on (round robin: each gets its turn). */
static unsigned n_flows_full, n_listeners_full, rx_ready_next;

static union epoll_ref flow_ref(const struct flow *fl, int sock)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_UDP };

	ref.idx = flow_idx(fl);
	ref.fd = sock;
	return ref;
}

/* Asks epoll for EVENTS on the socket REF names: EPOLLIN, or 0 to leave
 * it unread (its events stay level-triggered: no wake-up while it waits,
 * and one as soon as it asks again with data waiting). */
static void sock_events(struct ctx *c, union epoll_ref ref, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = ref.u64 };

	epoll_ctl(c->epollfd, EPOLL_CTL_MOD, ref.fd, &ev);
}

/* Records whether FL's socket waits for the guest's room (FULL). */
static void flow_set_guest_rx_full(struct ctx *c, struct flow *fl, bool full)
{
	if (fl->udp.guest_rx_full == full)
		return;
	fl->udp.guest_rx_full = full;
	if (full)
		n_flows_full++;
	else
		n_flows_full--;
	sock_events(c, flow_ref(fl, fl->sock), full ? 0 : EPOLLIN);
}

static void udp_flow_close(struct ctx *c, struct flow *fl)
{
	udp_batch_done(c); /* nothing pending may name a closed flow */
	if (fl->udp.guest_rx_full)
		n_flows_full--;
	if (fl->sock >= 0) {
		epoll_ctl(c->epollfd, EPOLL_CTL_DEL, fl->sock, NULL);
		close(fl->sock);
	}
	flow_free(fl);
}

/* Opens, binds and connects the host socket of new flow FL.  Returns 0 or
 * a negative errno. */
static int udp_flow_open_socket(struct ctx *c, struct flow *fl,
				const union flow_sockaddr *dst,
				socklen_t dst_len)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int s, rc;

	s = socket(dst->sa.sa_family,
		   SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (s < 0)
		return -errno;
	rc = flow_bind_outbound(c, s, dst, fl->key.gport);
	if (!rc && connect(s, &dst->sa, dst_len) < 0)
		rc = -errno;
	if (!rc) {
		ev.data.u64 = flow_ref(fl, s).u64;
		if (epoll_ctl(c->epollfd, EPOLL_CTL_ADD, s, &ev) < 0)
			rc = -errno;
	}
	if (rc)
		close(s);
	else
		fl->sock = s;
	return rc;
}

/* The flow for a new guest datagram with KEY, or NULL (counted). */
static struct flow *udp_flow_from_guest(struct ctx *c,
					const struct tap_frame *f,
					const struct flow_key *key)
{
	union flow_sockaddr dst;
	socklen_t dst_len = flow_host_sockaddr(c, key, &dst);
	struct flow probe = { .key = *key };
	struct flow *fl;

	if (!dst_len) {
		ctx_drop(c, DROP_UNHANDLED);
		return NULL;
	}
	fl = flow_new(key, FLOW_UDP);
	if (!fl) {
		ctx_drop(c, DROP_NO_FLOW);
		udp_send_unreachable(c, &probe, true);
		tap_flush(c);
		return NULL;
	}
	fl->af = (uint8_t)f->family;
	if (udp_flow_open_socket(c, fl, &dst, dst_len) < 0) {
		ctx_drop(c, DROP_HOST_ERROR);
		flow_free(fl);
		return NULL;
	}
	return fl;
}

int udp_tap_handler(struct ctx *c, const struct tap_frame *f)
{
	struct flow_key key;
	struct flow *fl;
	size_t udp_len;
	int n;

	if (c->no_udp) {
		ctx_drop(c, DROP_DISABLED);
		return -1;
	}
	if (f->l4_len < UDP_HDR_LEN || f->l4_off + UDP_HDR_LEN > f->hdr_len)
		goto bad;
	/* The UDP length may be shorter than the IP payload, never longer. */
	udp_len = ip_get_be16(f->hdr + f->l4_off + 4);
	if (udp_len < UDP_HDR_LEN || udp_len > f->l4_len)
		goto bad;
	if (!f->csum_valid && !udp_checksum_ok(f, udp_len)) {
		ctx_drop(c, DROP_BAD_CSUM);
		return -1;
	}

	flow_guest_addr_seen(c, f->family, &f->saddr);
	flow_key_set(&key, IPPROTO_UDP, f->family, &f->saddr, f->sport,
		     &f->daddr, f->dport);
	fl = flow_lookup(&key);
	if (!fl)
		fl = udp_flow_from_guest(c, f, &key);
	if (!fl)
		return -1;

	if (tx.n_msg == UDP_TX_BATCH || UDP_TX_IOV - tx.n_iov < UDP_MAX_IOV)
		udp_batch_done(c);
	n = tap_frame_iov_from(f, f->l4_off + UDP_HDR_LEN, f->l4_off + udp_len,
			       tx.iov + tx.n_iov, UDP_MAX_IOV);
	if (n < 0)
		goto bad;
	fl->udp.active_ms = flow_now_ms();
	tx.msg[tx.n_msg] = (struct mmsghdr){
		.msg_hdr = { .msg_iov = tx.iov + tx.n_iov,
			     .msg_iovlen = (size_t)n },
	};
	tx.flow[tx.n_msg++] = fl;
	tx.n_iov += (unsigned)n;
	tx.n_bytes += udp_len - UDP_HDR_LEN;
	if (tx.n_bytes >= UDP_TX_BATCH_BYTES)
		udp_batch_done(c);
	return 0;
bad:
	ctx_drop(c, DROP_BAD_L4);
	return -1;
}

/* Sends the N datagrams of FL in M, in order, with as few sendmmsg()
 * calls as the socket allows.  A datagram the socket refuses is dropped
 * (counted) and the rest still go; a full socket buffer drops the rest. */
static void udp_send_flow_batch(struct ctx *c, struct flow *fl,
				struct mmsghdr *m, unsigned n)
{
	unsigned i = 0;
	int rc;

	while (i < n) {
		rc = sendmmsg(fl->sock, m + i, n - i,
			      MSG_DONTWAIT | MSG_NOSIGNAL);
		if (rc > 0) {
			i += (unsigned)rc;
			continue;
		}
		/* M[i] was not sent; each round settles at least one. */
		if (rc < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			for (; i < n; i++)
				ctx_drop(c, DROP_HOST_ERROR);
			break;
		}
		/* A refusal recorded for an earlier datagram comes back on
		 * this send: the guest learns of it the same way. */
		if (rc < 0 && errno == ECONNREFUSED)
			udp_send_unreachable(c, fl, false);
		ctx_drop(c, DROP_HOST_ERROR);
		i++;
	}
}

void udp_batch_done(struct ctx *c)
{
	static struct mmsghdr same_flow[UDP_TX_BATCH];
	bool done[UDP_TX_BATCH] = { false };
	unsigned i, j, n;

	/* Grouped by flow, each flow's datagrams in the order the guest sent
	 * them; the order between flows does not matter. */
	for (i = 0; i < tx.n_msg; i++) {
		if (done[i])
			continue;
		for (j = i, n = 0; j < tx.n_msg; j++) {
			if (done[j] || tx.flow[j] != tx.flow[i])
				continue;
			same_flow[n++] = tx.msg[j];
			done[j] = true;
		}
		udp_send_flow_batch(c, tx.flow[i], same_flow, n);
	}
	tx.n_msg = tx.n_iov = 0;
	tx.n_bytes = 0;
}

/* Queues one reply of LEN bytes (already at the payload offset) for the
 * guest, addressed as the guest addressed the flow. */
static void udp_reply_to_guest(struct ctx *c, const struct flow *fl,
			       size_t len)
{
	struct iovec iov = { .iov_base = frame_buf };

	if (flow_addr_is_v4(&fl->key.gaddr))
		iov.iov_len = ip_udp4_frame(frame_buf, tap_guest_mac(c),
					    c->our_tap_mac,
					    flow_addr_v4(&fl->key.raddr),
					    fl->key.rport,
					    flow_addr_v4(&fl->key.gaddr),
					    fl->key.gport, len);
	else
		iov.iov_len = ip_udp6_frame(frame_buf, tap_guest_mac(c),
					    c->our_tap_mac, &fl->key.raddr,
					    fl->key.rport, &fl->key.gaddr,
					    fl->key.gport, len);
	tap_send_frame(c, &iov, 1);
}

/* Writes the Ethernet, IP and UDP headers of a reply of LEN payload bytes
 * for FL at HDR; the payload is PAYLOAD (N entries), already in place.
 * PARTIAL: the guest completes the checksum (NEEDS_CSUM), which then
 * holds the pseudo-header sum and the payload is not read. */
static void udp_reply_headers(const struct ctx *c, const struct flow *fl,
			      uint8_t *hdr, const struct iovec *payload,
			      size_t n, size_t len, bool partial)
{
	bool v4 = flow_addr_is_v4(&fl->key.gaddr);
	uint8_t *l4 = hdr + (v4 ? IP4_L4_OFF : IP6_L4_OFF);
	size_t l4_len = UDP_HDR_LEN + len;
	uint32_t sum;
	uint16_t csum;

	ip_eth_fill(hdr, tap_guest_mac(c), c->our_tap_mac,
		    v4 ? ETH_P_IP : ETH_P_IPV6);
	if (v4) {
		ip_v4_hdr_fill(hdr + ETH_HDR_LEN, flow_addr_v4(&fl->key.raddr),
			       flow_addr_v4(&fl->key.gaddr), IPPROTO_UDP,
			       l4_len);
		sum = csum_add_pseudo4(0, flow_addr_v4(&fl->key.raddr),
				       flow_addr_v4(&fl->key.gaddr),
				       IPPROTO_UDP, l4_len);
	} else {
		ip_v6_hdr_fill(hdr + ETH_HDR_LEN, &fl->key.raddr,
			       &fl->key.gaddr, IPPROTO_UDP, l4_len);
		sum = csum_add_pseudo6(0, &fl->key.raddr, &fl->key.gaddr,
				       IPPROTO_UDP, l4_len);
	}
	ip_put_be16(l4, fl->key.rport);
	ip_put_be16(l4 + 2, fl->key.gport);
	ip_put_be16(l4 + 4, (uint16_t)l4_len);
	memset(l4 + 6, 0, 2);
	csum = csum_l4_field(sum, l4, UDP_HDR_LEN, payload, n, len, partial);
	if (!csum && !partial) /* 0 would mean "no checksum" */
		csum = 0xffff;
	memcpy(l4 + 6, &csum, 2);
}

/* Fills OUT with reserved frame F's bytes from offset OFF on (the room
 * after the headers).  Returns the number of entries. */
static size_t payload_iov(const struct vu_rx_frame *f, size_t off,
			  struct iovec *out)
{
	size_t n = 0, i;

	for (i = 0; i < f->iovcnt; i++) {
		size_t seg = f->iov[i].iov_len;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		out[n].iov_base = (uint8_t *)f->iov[i].iov_base + off;
		out[n++].iov_len = seg - off;
		off = 0;
	}
	return n;
}

/* Copies LEN bytes from iovec FROM into iovec TO (both hold them). */
static void iov_copy(const struct iovec *to, const struct iovec *from,
		     size_t len)
{
	size_t ti = 0, fi = 0, toff = 0, foff = 0;

	while (len) {
		size_t n = to[ti].iov_len - toff;

		if (n > from[fi].iov_len - foff)
			n = from[fi].iov_len - foff;
		if (n > len)
			n = len;
		memcpy((uint8_t *)to[ti].iov_base + toff,
		       (const uint8_t *)from[fi].iov_base + foff, n);
		len -= n;
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

/* Makes frames for the guest of the GOT datagrams recvmmsg() read into
 * reserved frames RF (M[i].msg_len: real lengths, MSG_TRUNC): headers in
 * front, lengths in LEN, checksums left to the guest if it takes that
 * offload.  A datagram that cannot be a frame (too large for one, or for
 * buffers of the size the guest posts) is dropped, counted, and those
 * after it move up one frame (a copy, for this rare case) so that the
 * filled frames stay the first ones.  Returns how many were filled. */
static size_t fill_frames(struct ctx *c, const struct flow *fl,
			  struct vu_rx_frame *rf, const struct mmsghdr *m,
			  int got, size_t *len)
{
	bool v4 = flow_addr_is_v4(&fl->key.gaddr);
	bool partial = vu_rx_offloads(c->vdev) & VU_RX_CSUM;
	size_t off = v4 ? UDP4_PAYLOAD_OFF : UDP6_PAYLOAD_OFF;
	size_t pmax = v4 ? UDP4_PAYLOAD_MAX : UDP6_PAYLOAD_MAX;
	size_t k = 0, i;

	for (i = 0; i < (size_t)got; i++) {
		size_t n = m[i].msg_len;

		if (n > pmax || n > rf[i].capacity - off) {
			ctx_drop(c, n > pmax ? DROP_TOO_BIG :
					       DROP_RX_NO_BUFFERS);
			continue;
		}
		/* frame K held a dropped datagram: it is a whole buffer of
		 * room for any datagram (several frames only if so) */
		if (k != i)
			iov_copy(m[k].msg_hdr.msg_iov, m[i].msg_hdr.msg_iov, n);
		udp_reply_headers(c, fl, rf[k].iov[0].iov_base,
				  m[k].msg_hdr.msg_iov,
				  m[k].msg_hdr.msg_iovlen, n, partial);
		if (partial)
			vu_rx_offload_partial_csum(&rf[k].offload,
						   off - UDP_HDR_LEN,
						   UDP_CSUM_OFFSET, off);
		len[k] = off + n;
		c->stats.frames_to_guest++;
		c->stats.bytes_to_guest += len[k];
		k++;
	}
	return k;
}

/* The payload length of the next datagram waiting on SOCK, at most PMAX
 * (PMAX when an error is pending: recvmmsg() reports it), or -EAGAIN when
 * none is.  FIONREAD on a datagram socket gives the next one's size; a
 * zero-length one, or none, reads 0 there, which a zero-length peek
 * tells apart. */
static ssize_t next_datagram_len(int sock, size_t pmax)
{
	int n = 0;
	ssize_t rc;

	if (ioctl(sock, FIONREAD, &n) < 0 || n <= 0) {
		rc = recv(sock, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
		if (rc < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -EAGAIN;
		n = rc < 0 ? (int)pmax : (int)rc;
	}
	return (size_t)n > pmax ? (ssize_t)pmax : n;
}

/* How reading a socket for the guest ended. */
enum rx_end {
	RX_DONE,       /* the socket is empty, or its share was read */
	RX_GUEST_FULL, /* the guest has no room: the rest waits in it */
	RX_COPY,       /* guest buffers not usable in place: copy instead */
};

/* MODE_VU, zero copy: datagrams of FL read with recvmmsg() straight into
 * reserved guest buffers, UDP_RX_BATCH at a time, headers written in
 * front, until *DONE reaches UDP_SOCK_BATCH.  RX_COPY when the buffers
 * cannot be used here (RX queue not running, headers do not fit the
 * first buffer). */
static enum rx_end udp_sock_read_vu(struct ctx *c, struct flow *fl, int *done)
{
	static struct vu_rx_frame rf[UDP_RX_BATCH];
	static struct iovec piov[UDP_RX_BATCH][VU_RX_MAX_IOV];
	struct mmsghdr m[UDP_RX_BATCH];
	size_t len[UDP_RX_BATCH];
	bool v4 = flow_addr_is_v4(&fl->key.gaddr);
	size_t off = v4 ? UDP4_PAYLOAD_OFF : UDP6_PAYLOAD_OFF;
	size_t pmax = v4 ? UDP4_PAYLOAD_MAX : UDP6_PAYLOAD_MAX;
	int i, got, left;
	ssize_t nf, next;

	while (*done < UDP_SOCK_BATCH) {
		next = next_datagram_len(fl->sock, pmax);
		if (next < 0)
			return RX_DONE;
		left = UDP_SOCK_BATCH - *done;
		nf = vu_rx_reserve_batch(c->vdev, rf, left < UDP_RX_BATCH ?
					 (size_t)left : UDP_RX_BATCH,
					 off + (size_t)next, off + pmax);
		if (nf == -ENOBUFS)
			return RX_GUEST_FULL; /* rx_ready follows */
		if (nf < 0)
			return RX_COPY;
		for (i = 0; i < nf; i++) {
			if (rf[i].iovcnt < 1 || rf[i].iov[0].iov_len < off)
				break; /* headers must fit the first buffer */
			m[i] = (struct mmsghdr){ .msg_hdr = {
				.msg_iov = piov[i],
				.msg_iovlen = payload_iov(&rf[i], off, piov[i]),
			} };
		}
		got = i ? recvmmsg(fl->sock, m, (unsigned)i,
				   MSG_DONTWAIT | MSG_TRUNC, NULL) : -1;
		if (!i || got <= 0) {
			vu_rx_commit_batch(c->vdev, rf, (size_t)nf, len, 0);
			if (!i)
				return RX_COPY;
			if (got < 0 && errno == ECONNREFUSED) {
				udp_send_unreachable(c, fl, false);
				(*done)++;
				continue;
			}
			return RX_DONE;
		}
		fl->udp.active_ms = flow_now_ms();
		vu_rx_commit_batch(c->vdev, rf, (size_t)nf, len,
				   fill_frames(c, fl, rf, m, got, len));
		*done += got;
		if (got < nf)
			return RX_DONE; /* the socket is empty */
	}
	return RX_DONE;
}

/* Whether the guest has room for a frame of OFF header bytes and the
 * next datagram waiting on SOCK (at most PMAX bytes; true if none
 * waits).  Room for the largest such frame is asked first: while the
 * guest has plenty, that spares the system call for the length. */
static bool room_for_next(struct ctx *c, int sock, size_t off, size_t pmax)
{
	ssize_t next;

	if (tap_guest_has_room(c, off + pmax))
		return true;
	next = next_datagram_len(sock, pmax);
	return next < 0 || tap_guest_has_room(c, off + (size_t)next);
}

/* Reads up to UDP_SOCK_BATCH datagrams from FL's socket to the guest:
 * straight into its buffers over vhost-user, else copied.  Stops, with
 * RX_GUEST_FULL, where the guest has no room, leaving the rest in the
 * socket. */
static enum rx_end udp_sock_read(struct ctx *c, struct flow *fl)
{
	bool v4 = flow_addr_is_v4(&fl->key.gaddr);
	size_t off = v4 ? UDP4_PAYLOAD_OFF : UDP6_PAYLOAD_OFF;
	size_t max = v4 ? UDP4_PAYLOAD_MAX : UDP6_PAYLOAD_MAX;
	enum rx_end end;
	ssize_t n;
	int i = 0;

	if (c->mode == MODE_VU && c->vdev) {
		end = udp_sock_read_vu(c, fl, &i);
		if (end != RX_COPY)
			return end;
	}
	for (; i < UDP_SOCK_BATCH; i++) {
		if (!room_for_next(c, fl->sock, off, max))
			return RX_GUEST_FULL;
		n = recv(fl->sock, frame_buf + off, max,
			 MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == ECONNREFUSED)
				udp_send_unreachable(c, fl, false);
			if (errno != EINTR && errno != ECONNREFUSED)
				break;
			continue;
		}
		fl->udp.active_ms = flow_now_ms();
		if ((size_t)n > max) {
			ctx_drop(c, DROP_TOO_BIG);
			continue;
		}
		udp_reply_to_guest(c, fl, (size_t)n);
	}
	return RX_DONE;
}

void udp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events)
{
	struct flow *fl = flow_at(ref.idx);
	int err = 0;
	socklen_t sl = sizeof(err);

	if (!fl || fl->type != FLOW_UDP || fl->sock != ref.fd)
		return;
	/* A socket left unread for the guest's room asks for no EPOLLIN,
	 * but an error (EPOLLERR) is still reported, and taken here. */
	if (events & EPOLLIN)
		flow_set_guest_rx_full(c, fl, udp_sock_read(c, fl) ==
					      RX_GUEST_FULL);
	else if ((events & EPOLLERR) &&
		 !getsockopt(fl->sock, SOL_SOCKET, SO_ERROR, &err, &sl) &&
		 err == ECONNREFUSED)
		udp_send_unreachable(c, fl, false);
	tap_flush(c);
}

void udp_timer(struct ctx *c, const struct timespec *now)
{
	uint64_t now_ms = flow_timespec_ms(now);
	unsigned i;

	/* Should the guest's room come without a call (a notification the
	 * front-end did not send), waiting sockets still go on. */
	udp_guest_rx_ready(c);
	for (i = 0; i < flow_end(); i++) {
		struct flow *fl = flow_at(i);

		if (fl && fl->type == FLOW_UDP &&
		    now_ms - fl->udp.active_ms >= UDP_FLOW_TIMEOUT_S * 1000ULL)
			udp_flow_close(c, fl);
	}
}

void udp_close_all(struct ctx *c)
{
	unsigned i;

	udp_batch_done(c);
	for (i = 0; i < flow_end(); i++) {
		struct flow *fl = flow_at(i);

		if (fl && fl->type == FLOW_UDP)
			udp_flow_close(c, fl);
	}
}

/* --- Inbound (-u) ------------------------------------------------------- */

/* The sockets of the forwarded ports. */
static struct flow_listeners listeners;

int udp_listen_init(struct ctx *c)
{
	return flow_listen_forwarded(c, &c->udp_fwd, SOCK_DGRAM,
				     EPOLL_TYPE_UDP_LISTEN, &listeners);
}

void udp_listen_close(struct ctx *c)
{
	flow_listen_close(c, &listeners);
	n_listeners_full = 0;
}

/* Records whether forwarded-port socket IDX waits for the guest's room. */
static void listener_set_guest_rx_full(struct ctx *c, unsigned idx, bool full)
{
	struct flow_listener *l = &listeners.l[idx];
	union epoll_ref ref = { .type = EPOLL_TYPE_UDP_LISTEN };

	if (l->guest_rx_full == full)
		return;
	l->guest_rx_full = full;
	if (full)
		n_listeners_full++;
	else
		n_listeners_full--;
	ref.idx = idx;
	ref.fd = l->fd;
	sock_events(c, ref, full ? 0 : EPOLLIN);
}

/* The socket of inbound flow FL: bound where LISTENER is, connected to
 * PEER.  Returns 0 or a negative errno. */
static int inbound_flow_socket(struct ctx *c, struct flow *fl, int listener,
			       const union flow_sockaddr *peer,
			       socklen_t peer_len)
{
	struct epoll_event ev = { .events = EPOLLIN };
	union flow_sockaddr local;
	socklen_t local_len = sizeof(local);
	int one = 1, zero = 0, s, rc = 0;

	if (getsockname(listener, &local.sa, &local_len))
		return -errno;
	s = socket(local.sa.sa_family,
		   SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (local.sa.sa_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&local.sin6.sin6_addr))
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(s, &local.sa, local_len) || connect(s, &peer->sa, peer_len))
		rc = -errno;
	if (!rc) {
		ev.data.u64 = flow_ref(fl, s).u64;
		if (epoll_ctl(c->epollfd, EPOLL_CTL_ADD, s, &ev))
			rc = -errno;
	}
	if (rc)
		close(s);
	else
		fl->sock = s;
	return rc;
}

/* The flow for a datagram from PEER to forwarded host PORT, or NULL. */
static struct flow *inbound_flow(struct ctx *c, int listener, unsigned port,
				 const union flow_sockaddr *peer,
				 socklen_t peer_len)
{
	union flow_ipaddr gaddr, raddr;
	struct flow_key key;
	struct flow *fl;
	uint16_t rport;
	int af = flow_inbound_addrs(c, peer, &gaddr, &raddr, &rport);

	if (!af)
		return NULL;
	flow_key_set(&key, IPPROTO_UDP, af, &gaddr,
		     (uint16_t)fwd_guest_port(&c->udp_fwd, port), &raddr, rport);
	fl = flow_lookup(&key);
	if (fl)
		return fl;
	fl = flow_new(&key, FLOW_UDP);
	if (!fl)
		return NULL;
	fl->af = (uint8_t)af;
	if (inbound_flow_socket(c, fl, listener, peer, peer_len)) {
		flow_free(fl);
		return NULL;
	}
	return fl;
}

/* Reads up to UDP_SOCK_BATCH datagrams from forwarded-port socket L to
 * the guest, each the first of its peer's flow.  Stops, with
 * RX_GUEST_FULL, where the guest has no room (asked for an IPv6 frame:
 * the larger headers, whichever the flow turns out to be). */
static enum rx_end listener_read(struct ctx *c, const struct flow_listener *l)
{
	int i;

	for (i = 0; i < UDP_SOCK_BATCH; i++) {
		union flow_sockaddr peer;
		socklen_t sl = sizeof(peer);
		struct flow *fl;
		ssize_t n;

		if (!room_for_next(c, l->fd, UDP6_PAYLOAD_OFF,
				   UDP6_PAYLOAD_MAX))
			return RX_GUEST_FULL;
		n = recvfrom(l->fd, frame_buf + UDP6_PAYLOAD_OFF,
			     UDP6_PAYLOAD_MAX, MSG_DONTWAIT | MSG_TRUNC,
			     &peer.sa, &sl);
		if (n < 0)
			break;
		fl = c->no_udp ? NULL : inbound_flow(c, l->fd, l->port, &peer,
						     sl);
		if (!fl) {
			ctx_drop(c, DROP_NO_FLOW);
			continue;
		}
		if ((size_t)n > (flow_addr_is_v4(&fl->key.gaddr) ?
				 UDP4_PAYLOAD_MAX : UDP6_PAYLOAD_MAX)) {
			ctx_drop(c, DROP_TOO_BIG);
			continue;
		}
		if (flow_addr_is_v4(&fl->key.gaddr))
			memmove(frame_buf + UDP4_PAYLOAD_OFF,
				frame_buf + UDP6_PAYLOAD_OFF, (size_t)n);
		fl->udp.active_ms = flow_now_ms();
		udp_reply_to_guest(c, fl, (size_t)n);
	}
	return RX_DONE;
}

void udp_listen_handler(struct ctx *c, union epoll_ref ref, uint32_t events)
{
	const struct flow_listener *l = flow_listener_at(&listeners, ref.idx,
							 ref.fd);

	(void)events;
	if (!l)
		return;
	listener_set_guest_rx_full(c, ref.idx, listener_read(c, l) ==
					       RX_GUEST_FULL);
	tap_flush(c);
}

/* Resumes waiting socket FL where the guest now has room.  Returns false
 * if it had to wait again (the guest's room is used up). */
static bool flow_resume(struct ctx *c, struct flow *fl)
{
	bool full = udp_sock_read(c, fl) == RX_GUEST_FULL;

	flow_set_guest_rx_full(c, fl, full);
	return !full;
}

void udp_guest_rx_ready(struct ctx *c)
{
	unsigned i, k, end = flow_end();

	for (i = 0; i < listeners.n && n_listeners_full; i++) {
		if (!listeners.l[i].guest_rx_full)
			continue;
		listener_set_guest_rx_full(c, i, listener_read(c,
							       &listeners.l[i]) ==
						     RX_GUEST_FULL);
		if (listeners.l[i].guest_rx_full)
			goto out;
	}
	/* Round robin from where the room ran out last time, so that each
	 * waiting flow gets its turn at the guest's buffers. */
	for (k = 0; k < end && n_flows_full; k++) {
		struct flow *fl;

		i = (rx_ready_next + k) % end;
		fl = flow_at(i);
		if (!fl || fl->type != FLOW_UDP || !fl->udp.guest_rx_full)
			continue;
		if (!flow_resume(c, fl)) {
			rx_ready_next = i + 1;
			break;
		}
	}
out:
	tap_flush(c);
}
