// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The benchmark guest's network stack (see guest.h for the model).
 *
 * Frames are built in two scratch buffers, one for TCP and one for UDP,
 * whose payload area stays zero between frames: payloads are zeros, which
 * add nothing to a ones'-complement sum, so checksums are computed over
 * the headers and the pseudo-header only and are still correct.  A
 * connection with a fill hook writes its bytes there, sums them, and
 * zeroes them again after the frame went out.  This keeps
 * the guest's own cost per byte down to the front-end's one copy into the
 * ring, so the back-end is what limits the numbers.
 *
 * Received frames are copied out of the RX ring by fe_rx_recv_hdr() into
 * rx_frame and parsed with explicit bounds: anything malformed or not for
 * us is counted in rx_bad and dropped.  ACKs are sent once per received
 * batch (cumulative), or at once for out-of-order data, so the back-end
 * sees duplicate ACKs and a go-back-N retransmission follows a loss.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>

#include "bench/guest.h"
#include "src/backend/checksum.h"
#include "src/backend/ip.h"

#define TCP_HDR_LEN 20
#define TCP_SYN_OPTS_LEN 8          /* MSS (4) + NOP + window scale (3) */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
/* Our receive window: 65535 << 7, about 8 MiB, so the guest never limits
 * the back-end's sending. */
#define GUEST_WSCALE 7
#define GUEST_WINDOW 65535
/* Loss recovery as a Linux guest roughly does it without SACK: after
 * PROBE_NS without progress, resend the first unacknowledged segment (a
 * tail loss probe; Linux's floor is about 10 ms); if the ACK covers
 * exactly that segment, what followed was dropped too (passt does not
 * keep data after a gap): go back N.  Duplicate ACKs also trigger go-back-N:
 * passt asks for a retransmission with two of them, not three. */
#define PROBE_NS (10 * 1000000ULL)
#define SYN_RETRANSMIT_NS (200 * 1000000ULL)
#define DUPACK_THRESHOLD 2
#define FRAME_MAX (65536 + 128)
/* The largest frame we send with TSO: a 64 KiB IPv4 packet. */
#define TSO_FRAME_MAX (ETH_HDR_LEN + 65535)
#define TCP_CSUM_OFFSET 16
#define UDP_CSUM_OFFSET 6
/* What we ask for: what a Linux guest's virtio-net driver asks for, as
 * far as this guest handles it (IPv4 only, so no TSO6 needed); OFFLOADS
 * can be left out. */
#define OFFLOADS ((1ULL << FE_F_NET_CSUM) | (1ULL << FE_F_NET_GUEST_CSUM) | \
		  (1ULL << FE_F_NET_HOST_TSO4) | (1ULL << FE_F_NET_GUEST_TSO4))
#define GUEST_FEATURES ((1ULL << FE_F_NET_MRG_RXBUF) | \
			(1ULL << FE_F_INDIRECT_DESC) | \
			(1ULL << FE_F_EVENT_IDX) | \
			(1ULL << FE_F_PROTOCOL_FEATURES) | \
			(1ULL << FE_F_VERSION_1) | \
			(1ULL << FE_F_NET_CSUM) | \
			(1ULL << FE_F_NET_GUEST_CSUM) | \
			(1ULL << FE_F_NET_HOST_TSO4) | \
			(1ULL << FE_F_NET_GUEST_TSO4))
#define ISS_BASE 0x10000000u
#define EPHEMERAL_PORT_BASE 40000

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0xbe, 0x4c, 0x01 };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* ---- set-up ---- */

struct bench_guest *bench_guest_new(const char *socket_path, unsigned mtu,
				    unsigned queue_size, int timeout_ms,
				    bool offloads)
{
	struct fe_config cfg = { 0 };
	struct bench_guest *g = calloc(1, sizeof(*g));
	uint32_t buf = mtu + ETH_HDR_LEN + FE_NET_HDR_LEN;
	uint32_t tso_buf = TSO_FRAME_MAX + FE_NET_HDR_LEN;

	if (!g)
		return NULL;
	/* One RX buffer holds one MTU-sized frame, as a Linux guest with
	 * big mergeable buffers mostly does (a TSO frame spans several);
	 * ring slots are big enough for a TSO frame we send. */
	g->rx_buf_len = (buf + 4095) & ~4095u;
	cfg.buf_size = (buf > tso_buf ? buf : tso_buf) + 4095;
	cfg.buf_size &= ~4095u;
	cfg.queue_size = queue_size;
	cfg.region_size[0] = 2ULL * queue_size * (cfg.buf_size + 512) +
			     (1 << 20);
	/* EVENT_IDX, as Linux guests negotiate it: publish_used_event()
	 * keeps asking for a call on the next used entry. */
	cfg.features = offloads ? GUEST_FEATURES : GUEST_FEATURES & ~OFFLOADS;
	g->mtu = mtu;
	memcpy(g->mac, guest_mac, 6);
	inet_pton(AF_INET, "10.0.2.15", &g->addr);
	inet_pton(AF_INET, "10.0.2.2", &g->gw);
	g->next_port = EPHEMERAL_PORT_BASE;
	g->udp_lport = EPHEMERAL_PORT_BASE - 1;
	g->fe = fe_new(&cfg);
	g->tx_frame = calloc(1, FRAME_MAX);
	g->udp_frame = calloc(1, FRAME_MAX);
	g->rx_frame = calloc(1, FRAME_MAX);
	if (!g->fe || !g->tx_frame || !g->udp_frame || !g->rx_frame) {
		fprintf(stderr, "vunet-bench: out of memory for the guest\n");
		goto fail;
	}
	if (fe_connect(g->fe, socket_path, timeout_ms)) {
		fprintf(stderr, "vunet-bench: cannot connect to %s\n",
			socket_path);
		goto fail;
	}
	if (fe_handshake(g->fe, FE_STYLE_QEMU)) {
		fprintf(stderr, "vunet-bench: vhost-user handshake failed\n");
		goto fail;
	}
	g->tx_csum = g->fe->features & (1ULL << FE_F_NET_CSUM);
	/* TSO needs the checksum offload (virtio 5.1.3.1) */
	g->tx_tso = g->tx_csum &&
		    (g->fe->features & (1ULL << FE_F_NET_HOST_TSO4));
	return g;
fail:
	bench_guest_free(g);
	return NULL;
}

void bench_guest_free(struct bench_guest *g)
{
	if (!g)
		return;
	if (g->fe)
		fe_free(g->fe);
	free(g->tx_frame);
	free(g->udp_frame);
	free(g->rx_frame);
	free(g);
}

const char *bench_guest_offloads(const struct bench_guest *g, char *buf,
				 size_t size)
{
	static const struct { unsigned bit; const char *name; } offloads[] = {
		{ FE_F_NET_CSUM, "csum" },
		{ FE_F_NET_GUEST_CSUM, "guest_csum" },
		{ FE_F_NET_HOST_TSO4, "host_tso4" },
		{ FE_F_NET_GUEST_TSO4, "guest_tso4" },
	};
	size_t len = 0, i;

	buf[0] = 0;
	for (i = 0; i < sizeof(offloads) / sizeof(offloads[0]); i++) {
		if (!(g->fe->features & (1ULL << offloads[i].bit)))
			continue;
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0,
					"%s%s", len ? "+" : "",
					offloads[i].name);
	}
	if (!len)
		snprintf(buf, size, "none");
	return buf;
}

/* ---- transmit ---- */

/* Sends FRAME (LEN bytes) with virtio-net header HDR (NULL: zeros). */
static int send_frame_hdr(struct bench_guest *g, const struct fe_net_hdr *hdr,
			  const uint8_t *frame, size_t len)
{
	int rc = fe_tx_send_hdr(g->fe, hdr, frame, len, 1, false);

	if (rc == -ENOSPC)
		g->tx_ring_full++;
	return rc;
}

static int send_frame(struct bench_guest *g, const uint8_t *frame,
		      size_t len)
{
	int rc = fe_tx_send(g->fe, frame, len);

	if (rc == -ENOSPC)
		g->tx_ring_full++;
	return rc;
}

static void fill_ip4(struct bench_guest *g, uint8_t *frame, uint8_t proto,
		     size_t l4_len)
{
	uint8_t *ip = frame + ETH_HDR_LEN;
	uint16_t sum;

	ip_eth_fill(frame, g->gw_mac_known ? g->gw_mac : ip_mac_broadcast,
		    g->mac, 0x0800);
	memset(ip, 0, IP4_HDR_LEN);
	ip[0] = 0x45;
	ip_put_be16(ip + 2, (uint16_t)(IP4_HDR_LEN + l4_len));
	ip_put_be16(ip + 6, 0x4000); /* don't fragment */
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, &g->addr, 4);
	memcpy(ip + 16, &g->gw, 4);
	sum = csum_buf(ip, IP4_HDR_LEN);
	memcpy(ip + 10, &sum, 2);
}

/* The L4 checksum field at CSUM_FIELD for a segment with pseudo-header
 * sum SUM (plus the payload's, when it is not zeros) over the L4 header
 * L4 (L4_HDR bytes):
 * the full checksum, or with checksum offload the pseudo-header sum
 * alone, as Linux leaves it for the device, described in *H.  ZERO_IS:
 * what to store for a full checksum of 0 (UDP's "no checksum"). */
static void put_l4_csum(const struct bench_guest *g, struct fe_net_hdr *h,
			uint32_t sum, const uint8_t *l4, unsigned l4_hdr,
			uint8_t *csum_field, uint16_t zero_is)
{
	uint16_t csum;

	memset(h, 0, sizeof(*h));
	if (g->tx_csum) {
		csum = (uint16_t)~csum_fold(sum);
		h->flags = FE_NET_HDR_F_NEEDS_CSUM;
		h->csum_start = IP4_L4_OFF;
		h->csum_offset = (uint16_t)(csum_field - l4);
		h->hdr_len = (uint16_t)(IP4_L4_OFF + l4_hdr);
	} else {
		csum = csum_fold(csum_add_buf(sum, l4, l4_hdr));
		if (!csum)
			csum = zero_is;
	}
	memcpy(csum_field, &csum, 2);
}

/* Sends a segment of C with FLAGS and PAYLOAD_LEN bytes at SEQ: zeros,
 * or the stream's bytes from C's fill hook; above the MSS (TSO) as one
 * large frame of MSS-sized segments. */
static int send_segment(struct bench_guest *g, struct bench_tcp_conn *c,
			uint8_t flags, uint32_t seq, uint32_t payload_len)
{
	uint8_t *f = g->tx_frame, *t = f + IP4_L4_OFF;
	unsigned opt_len = (flags & TCP_SYN) ? TCP_SYN_OPTS_LEN : 0;
	unsigned hdr = TCP_HDR_LEN + opt_len;
	bool filled = payload_len && c->data && c->data->fill;
	struct fe_net_hdr h;
	uint32_t sum;
	int rc;

	fill_ip4(g, f, IPPROTO_TCP, hdr + payload_len);
	ip_put_be16(t, c->lport);
	ip_put_be16(t + 2, c->rport);
	ip_put_be32(t + 4, seq);
	ip_put_be32(t + 8, (flags & TCP_ACK) ? c->rcv_nxt : 0);
	t[12] = (uint8_t)((hdr / 4) << 4);
	t[13] = flags;
	ip_put_be16(t + 14, GUEST_WINDOW);
	memset(t + 16, 0, 4);
	if (opt_len) {
		t[20] = 2; t[21] = 4;
		ip_put_be16(t + 22, (uint16_t)(g->mtu - IP4_HDR_LEN - TCP_HDR_LEN));
		t[24] = 1; t[25] = 3; t[26] = 3; t[27] = GUEST_WSCALE;
	}
	sum = csum_add_pseudo4(0, g->addr, g->gw, IPPROTO_TCP,
			       hdr + payload_len);
	if (filled) {
		c->data->fill(c->data->opaque, (uint32_t)(seq - c->snd_base),
			      t + hdr, payload_len);
		/* with checksum offload the payload is the device's */
		if (!g->tx_csum)
			sum = csum_add_buf(sum, t + hdr, payload_len);
	}
	put_l4_csum(g, &h, sum, t, hdr, t + TCP_CSUM_OFFSET, 0);
	if (payload_len > c->mss) {
		h.gso_type = FE_NET_HDR_GSO_TCPV4;
		h.gso_size = c->mss;
	}
	rc = send_frame_hdr(g, &h, f, IP4_L4_OFF + hdr + payload_len);
	/* Keep the payload area zero for the checksum shortcut. */
	if (opt_len || filled)
		memset(t + TCP_HDR_LEN, 0, opt_len + (filled ? payload_len : 0));
	return rc;
}

int bench_udp_send(struct bench_guest *g, uint16_t port, unsigned len)
{
	uint8_t *f = g->udp_frame, *u = f + IP4_L4_OFF;
	struct fe_net_hdr h;
	uint32_t sum;

	fill_ip4(g, f, IPPROTO_UDP, UDP_HDR_LEN + len);
	ip_put_be16(u, g->udp_lport);
	ip_put_be16(u + 2, port);
	ip_put_be16(u + 4, (uint16_t)(UDP_HDR_LEN + len));
	memset(u + 6, 0, 2);
	sum = csum_add_pseudo4(0, g->addr, g->gw, IPPROTO_UDP,
			       UDP_HDR_LEN + len);
	/* zero means "no checksum" in UDP */
	put_l4_csum(g, &h, sum, u, UDP_HDR_LEN, u + UDP_CSUM_OFFSET, 0xffff);
	return send_frame_hdr(g, &h, f, UDP4_PAYLOAD_OFF + len);
}

static void send_arp_request(struct bench_guest *g)
{
	uint8_t *f = g->udp_frame, *a = f + ETH_HDR_LEN;
	static const uint8_t arp_fixed[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };

	ip_eth_fill(f, ip_mac_broadcast, g->mac, 0x0806);
	memcpy(a, arp_fixed, 8);
	memcpy(a + 8, g->mac, 6);
	memcpy(a + 14, &g->addr, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, &g->gw, 4);
	send_frame(g, f, ETH_HDR_LEN + 28);
	/* The UDP scratch's payload area must stay zero. */
	memset(a, 0, 28);
}

/* Resends the first unacknowledged segment (see PROBE_NS). */
static void send_probe(struct bench_guest *g, struct bench_tcp_conn *c,
		       uint64_t now)
{
	uint32_t len = c->snd_nxt - c->snd_una;

	if (seq_after(c->snd_nxt, c->snd_end))
		len = c->snd_end - c->snd_una; /* not the FIN */
	if (len > c->mss)
		len = c->mss;
	c->last_ack_ns = now;
	g->retransmits++;
	if (!len) {
		c->snd_nxt = c->snd_una; /* only the FIN is out: resend it */
		return;
	}
	if (!send_segment(g, c, TCP_ACK | TCP_PSH, c->snd_una, len)) {
		c->probe_end = c->snd_una + len;
		c->probing = true;
	}
}

/* The most payload one frame of C carries: one MSS, or with TSO as many
 * whole MSS as fit in a 64 KiB IPv4 packet. */
static uint32_t frame_payload_max(const struct bench_guest *g,
				  const struct bench_tcp_conn *c)
{
	uint32_t tso_max = TSO_FRAME_MAX - IP4_L4_OFF - TCP_HDR_LEN;

	if (!g->tx_tso || !c->mss || c->mss >= tso_max)
		return c->mss;
	return tso_max / c->mss * c->mss;
}

/* Sends what C's window, queue and state allow. */
static void tcp_output(struct bench_guest *g, struct bench_tcp_conn *c)
{
	uint32_t max_len = frame_payload_max(g, c);

	uint64_t now = now_ns();

	if (c->state == BENCH_TCP_SYN_SENT) {
		if (now - c->last_ack_ns > SYN_RETRANSMIT_NS) {
			send_segment(g, c, c->passive ? TCP_SYN | TCP_ACK :
				     TCP_SYN, c->snd_una, 0);
			c->last_ack_ns = now;
			g->retransmits++;
		}
		return;
	}
	if (c->state != BENCH_TCP_ESTABLISHED && c->state != BENCH_TCP_FIN_SENT)
		return;
	if (c->snd_nxt != c->snd_una && now - c->last_ack_ns > PROBE_NS)
		send_probe(g, c, now);
	while (seq_after(c->snd_end, c->snd_nxt)) {
		uint32_t in_flight = c->snd_nxt - c->snd_una;
		uint32_t len = c->snd_end - c->snd_nxt;

		if (in_flight >= c->snd_wnd_bytes)
			return;
		if (len > c->snd_wnd_bytes - in_flight)
			len = c->snd_wnd_bytes - in_flight;
		if (len > max_len)
			len = max_len;
		if (send_segment(g, c, TCP_ACK | TCP_PSH, c->snd_nxt, len))
			return;
		if (c->snd_nxt == c->snd_una)
			c->last_ack_ns = now;
		c->snd_nxt += len;
		c->unacked_segs = 0;
	}
	if (c->state == BENCH_TCP_FIN_SENT && c->snd_nxt == c->snd_end &&
	    !send_segment(g, c, TCP_FIN | TCP_ACK, c->snd_end, 0))
		c->snd_nxt = c->snd_end + 1;
}

/* ---- receive ---- */

static struct bench_tcp_conn *conn_find(struct bench_guest *g,
					uint16_t lport, uint16_t rport)
{
	unsigned i;

	for (i = 0; i < g->n_conns; i++)
		if (g->conn[i].lport == lport && g->conn[i].rport == rport &&
		    g->conn[i].state != BENCH_TCP_CLOSED)
			return &g->conn[i];
	return NULL;
}

static struct bench_tcp_conn *conn_new(struct bench_guest *g,
				       uint16_t lport, uint16_t rport)
{
	struct bench_tcp_conn *c;

	if (g->n_conns == BENCH_MAX_CONNS)
		return NULL;
	c = &g->conn[g->n_conns++];
	memset(c, 0, sizeof(*c));
	c->lport = lport;
	c->rport = rport;
	c->snd_una = c->snd_nxt = ISS_BASE + lport;
	c->mss = 536;
	c->last_ack_ns = now_ns();
	return c;
}

/* Reads the MSS and window scale options of a SYN. */
static void parse_syn_options(struct bench_tcp_conn *c, const uint8_t *opt,
			      unsigned len)
{
	unsigned i = 0;

	while (i < len && opt[i] != 0) {
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
			return;
		if (opt[i] == 2 && opt[i + 1] == 4)
			c->mss = ip_get_be16(opt + i + 2);
		if (opt[i] == 3 && opt[i + 1] == 3)
			c->peer_wscale = opt[i + 2] > 14 ? 14 : opt[i + 2];
		i += opt[i + 1];
	}
}

static void tcp_take_ack(struct bench_guest *g, struct bench_tcp_conn *c,
			 uint32_t ack, uint16_t win, uint32_t payload_len)
{
	uint32_t end = c->snd_end + (c->state == BENCH_TCP_FIN_SENT);

	c->snd_wnd_bytes = (uint32_t)win << c->peer_wscale;
	if (seq_after(ack, c->snd_una) && !seq_after(ack, c->snd_nxt)) {
		c->acked_bytes += (uint32_t)((seq_after(ack, c->snd_end) ?
					      c->snd_end : ack) - c->snd_una);
		if (c->probing && ack == c->probe_end)
			c->snd_nxt = ack; /* the rest was dropped: go back N */
		c->probing = false;
		c->snd_una = ack;
		c->dupacks = 0;
		c->last_ack_ns = now_ns();
		if (c->state == BENCH_TCP_FIN_SENT && ack == end)
			c->fin_acked = true;
	} else if (ack == c->snd_una && !payload_len &&
		   c->snd_nxt != c->snd_una &&
		   ++c->dupacks == DUPACK_THRESHOLD) {
		c->snd_nxt = c->snd_una;
		g->retransmits++;
	}
}

/* Handles one segment for C.  Returns true if an ACK must go out now. */
static bool tcp_input(struct bench_guest *g, struct bench_tcp_conn *c,
		      const uint8_t *t, unsigned hdr, unsigned payload_len)
{
	uint8_t flags = t[13];
	uint32_t seq = ip_get_be32(t + 4), ack = ip_get_be32(t + 8);
	uint16_t win = ip_get_be16(t + 14);

	if (flags & TCP_RST) {
		c->state = BENCH_TCP_DONE;
		return false;
	}
	if (c->state == BENCH_TCP_SYN_SENT) {
		if ((flags & (TCP_SYN | TCP_ACK)) != (TCP_SYN | TCP_ACK) ||
		    ack != c->snd_una + 1)
			return false;
		parse_syn_options(c, t + TCP_HDR_LEN, hdr - TCP_HDR_LEN);
		c->rcv_nxt = seq + 1;
		c->snd_una = c->snd_nxt = c->snd_end = c->snd_base = ack;
		c->snd_wnd_bytes = (uint32_t)win << c->peer_wscale;
		c->state = BENCH_TCP_ESTABLISHED;
		return true;
	}
	if (flags & TCP_SYN)
		return true; /* retransmitted SYN: our reply was lost */
	if (flags & TCP_ACK)
		tcp_take_ack(g, c, ack, win, payload_len);
	if (payload_len || (flags & TCP_FIN)) {
		if (seq != c->rcv_nxt)
			return true; /* out of order: duplicate ACK */
		if (payload_len && c->data && c->data->sink)
			c->data->sink(c->data->opaque, t + hdr, payload_len);
		c->rcv_nxt += payload_len;
		c->rx_bytes += payload_len;
		c->unacked_segs++;
		if (flags & TCP_FIN) {
			c->rcv_nxt++;
			c->fin_received = true;
			return true;
		}
	}
	return false;
}

/* A SYN for the port being accepted: the back-end's forwarded flow. */
static void tcp_passive_open(struct bench_guest *g, const uint8_t *t,
			     unsigned hdr)
{
	struct bench_tcp_conn *c;

	c = conn_new(g, ip_get_be16(t + 2), ip_get_be16(t));
	if (!c) {
		g->rx_bad++;
		return;
	}
	c->passive = true;
	c->data = g->accept_data;
	parse_syn_options(c, t + TCP_HDR_LEN, hdr - TCP_HDR_LEN);
	c->rcv_nxt = ip_get_be32(t + 4) + 1;
	c->snd_wnd_bytes = (uint32_t)ip_get_be16(t + 14) << c->peer_wscale;
	c->state = BENCH_TCP_SYN_SENT; /* until the SYN-ACK is acknowledged */
	send_segment(g, c, TCP_SYN | TCP_ACK, c->snd_una, 0);
}

/* The TCP checksum of segment T (L4_LEN bytes, IPv4 header IP) with
 * virtio-net header H: a full checksum, or for NEEDS_CSUM the
 * pseudo-header sum the device must leave; DATA_VALID is taken on
 * trust, as a Linux guest does. */
static bool tcp_csum_ok(const uint8_t *ip, const uint8_t *t, unsigned l4_len,
			const struct fe_net_hdr *h)
{
	struct in_addr s, d;
	uint32_t sum;
	uint16_t field, partial;

	if (h->flags & FE_NET_HDR_F_DATA_VALID)
		return true;
	memcpy(&s, ip + 12, 4);
	memcpy(&d, ip + 16, 4);
	sum = csum_add_pseudo4(0, s, d, IPPROTO_TCP, l4_len);
	if (!(h->flags & FE_NET_HDR_F_NEEDS_CSUM))
		return !csum_fold(csum_add_buf(sum, t, l4_len));
	partial = (uint16_t)~csum_fold(sum);
	memcpy(&field, t + TCP_CSUM_OFFSET, 2);
	return h->csum_start == IP4_L4_OFF &&
	       h->csum_offset == TCP_CSUM_OFFSET && field == partial;
}

static void rx_tcp(struct bench_guest *g, const uint8_t *ip, const uint8_t *t,
		   unsigned l4_len, const struct fe_net_hdr *h)
{
	unsigned hdr;
	struct bench_tcp_conn *c;

	if (l4_len < TCP_HDR_LEN || (hdr = (t[12] >> 4) * 4u) < TCP_HDR_LEN ||
	    hdr > l4_len) {
		g->rx_bad++;
		return;
	}
	c = conn_find(g, ip_get_be16(t + 2), ip_get_be16(t));
	if (!c) {
		if ((t[13] & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
		    ip_get_be16(t + 2) == g->listen_port)
			tcp_passive_open(g, t, hdr);
		else
			g->rx_bad++;
		return;
	}
	if (c->passive && c->state == BENCH_TCP_SYN_SENT) {
		/* Our SYN-ACK's ACK completes the passive open. */
		if (!(t[13] & TCP_ACK) || ip_get_be32(t + 8) != c->snd_una + 1) {
			g->rx_bad++;
			return;
		}
		c->snd_una = c->snd_nxt = c->snd_end = c->snd_base =
			c->snd_una + 1;
		c->state = BENCH_TCP_ESTABLISHED;
	}
	/* Connections whose data is checked (tests) check checksums too;
	 * the benchmark's skip it, as its payload is never read. */
	if (c->data && c->data->sink && !tcp_csum_ok(ip, t, l4_len, h)) {
		g->rx_bad_csum++;
		return;
	}
	if (tcp_input(g, c, t, hdr, l4_len - hdr))
		c->ack_now = true;
}

static void rx_udp(struct bench_guest *g, const uint8_t *u, unsigned l4_len)
{
	if (l4_len < UDP_HDR_LEN || ip_get_be16(u + 2) != g->udp_lport) {
		g->rx_bad++;
		return;
	}
	g->udp_rx_datagrams++;
	g->udp_rx_bytes += l4_len - UDP_HDR_LEN;
}

static void rx_arp(struct bench_guest *g, const uint8_t *a, unsigned len)
{
	if (len < 28 || ip_get_be16(a + 6) != 2 || memcmp(a + 14, &g->gw, 4))
		return;
	memcpy(g->gw_mac, a + 8, 6);
	g->gw_mac_known = true;
}

static void rx_frame(struct bench_guest *g, const uint8_t *f, unsigned len,
		     const struct fe_net_hdr *h)
{
	const uint8_t *ip = f + ETH_HDR_LEN;
	unsigned ihl, tot;

	if (len < ETH_HDR_LEN) {
		g->rx_bad++;
		return;
	}
	if (ip_get_be16(f + 12) == 0x0806) {
		rx_arp(g, ip, len - ETH_HDR_LEN);
		return;
	}
	if (ip_get_be16(f + 12) != 0x0800 || len < ETH_HDR_LEN + IP4_HDR_LEN)
		return; /* IPv6 router advertisements and the like */
	ihl = (ip[0] & 0xf) * 4u;
	tot = ip_get_be16(ip + 2);
	if (ihl < IP4_HDR_LEN || tot < ihl || tot > len - ETH_HDR_LEN ||
	    memcmp(ip + 16, &g->addr, 4)) {
		g->rx_bad++;
		return;
	}
	if (ip[9] == IPPROTO_TCP)
		rx_tcp(g, ip, ip + ihl, tot - ihl, h);
	else if (ip[9] == IPPROTO_UDP)
		rx_udp(g, ip + ihl, tot - ihl);
}

/* Sends the ACKs the last batch asked for. */
static void send_acks(struct bench_guest *g)
{
	unsigned i;

	for (i = 0; i < g->n_conns; i++) {
		struct bench_tcp_conn *c = &g->conn[i];

		if (c->state == BENCH_TCP_CLOSED || c->state == BENCH_TCP_SYN_SENT)
			continue;
		if ((c->ack_now || c->unacked_segs) &&
		    !send_segment(g, c, TCP_ACK, c->snd_nxt, 0)) {
			c->ack_now = false;
			c->unacked_segs = 0;
		}
	}
}

/* ---- the loop ---- */

static void drain_eventfd(int fd)
{
	eventfd_t v;

	eventfd_read(fd, &v);
}

static void wait_calls(struct bench_guest *g, int wait_ms)
{
	struct pollfd p[2] = {
		{ .fd = g->fe->rx.call_fd, .events = POLLIN },
		{ .fd = g->fe->tx.call_fd, .events = POLLIN },
	};

	if (poll(p, 2, wait_ms) > 0) {
		drain_eventfd(p[0].fd);
		drain_eventfd(p[1].fd);
	}
}

/* Asks the device for a call as soon as it uses the next entry of RING
 * (used_event, after the avail ring, virtio 1.x 2.7.10). */
static void publish_used_event(struct fe_ring *ring)
{
	uint16_t *used_event = (uint16_t *)(ring->avail + 4 + 2 * ring->size);

	__atomic_store_n(used_event, ring->last_used, __ATOMIC_RELEASE);
}

/* Frames received per round before ACKs and output get their turn. */
#define RX_BATCH 256

void bench_guest_poll(struct bench_guest *g, int wait_ms)
{
	struct fe_ring *rx = &g->fe->rx;
	unsigned i, got = 0;
	uint16_t tx_used = fe_used_idx(&g->fe->tx);
	struct fe_net_hdr h;
	int len;

	if (rx->free_desc)
		fe_rx_post(g->fe, rx->free_desc, g->rx_buf_len);
	while (got < RX_BATCH &&
	       (len = fe_rx_recv_hdr(g->fe, g->rx_frame, FRAME_MAX, &h)) !=
	       -EAGAIN) {
		got++;
		if (len < 0)
			g->rx_bad++;
		else
			rx_frame(g, g->rx_frame, (unsigned)len, &h);
	}
	send_acks(g);
	for (i = 0; i < g->n_conns; i++)
		tcp_output(g, &g->conn[i]);
	publish_used_event(rx);
	publish_used_event(&g->fe->tx);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* Re-check after publishing: a use just before it gets no call. */
	if (!got && tx_used == fe_used_idx(&g->fe->tx) &&
	    fe_used_idx(rx) == rx->last_used)
		wait_calls(g, wait_ms);
}

int bench_guest_arp(struct bench_guest *g, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	uint64_t next_request = 0;

	while (!g->gw_mac_known && now_ns() < deadline) {
		if (now_ns() >= next_request) {
			send_arp_request(g);
			next_request = now_ns() + SYN_RETRANSMIT_NS;
		}
		bench_guest_poll(g, 10);
	}
	return g->gw_mac_known ? 0 : -ETIMEDOUT;
}

/* ---- TCP API ---- */

struct bench_tcp_conn *bench_tcp_connect(struct bench_guest *g,
					 uint16_t port)
{
	struct bench_tcp_conn *c = conn_new(g, g->next_port++, port);

	if (!c)
		return NULL;
	c->state = BENCH_TCP_SYN_SENT;
	send_segment(g, c, TCP_SYN, c->snd_una, 0);
	return c;
}

int bench_tcp_wait_established(struct bench_guest *g,
			       struct bench_tcp_conn *c, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ULL;

	while (c->state == BENCH_TCP_SYN_SENT && now_ns() < deadline)
		bench_guest_poll(g, 1);
	return c->state == BENCH_TCP_ESTABLISHED ? 0 : -ETIMEDOUT;
}

/* A forwarded connection that is established and not handed out yet. */
static struct bench_tcp_conn *conn_unaccepted(struct bench_guest *g)
{
	unsigned i;

	for (i = 0; i < g->n_conns; i++)
		if (g->conn[i].passive && !g->conn[i].accepted &&
		    g->conn[i].state == BENCH_TCP_ESTABLISHED)
			return &g->conn[i];
	return NULL;
}

struct bench_tcp_conn *bench_tcp_accept(struct bench_guest *g, uint16_t port,
					int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	struct bench_tcp_conn *c;

	/* Stays set: several flows' SYNs may come in one batch. */
	g->listen_port = port;
	while (!(c = conn_unaccepted(g)) && now_ns() < deadline)
		bench_guest_poll(g, 1);
	if (c)
		c->accepted = true;
	return c;
}

void bench_tcp_push(struct bench_tcp_conn *c, uint32_t len)
{
	c->snd_end += len;
}

int bench_tcp_close(struct bench_guest *g, struct bench_tcp_conn *c,
		    int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ULL;

	if (c->state == BENCH_TCP_ESTABLISHED)
		c->state = BENCH_TCP_FIN_SENT;
	while (c->state == BENCH_TCP_FIN_SENT &&
	       !(c->fin_acked && c->fin_received) && now_ns() < deadline)
		bench_guest_poll(g, 1);
	if (c->state == BENCH_TCP_FIN_SENT && c->fin_acked && c->fin_received)
		c->state = BENCH_TCP_DONE;
	return c->state == BENCH_TCP_DONE ? 0 : -ETIMEDOUT;
}

void bench_tcp_reset_table(struct bench_guest *g)
{
	g->n_conns = 0;
}
