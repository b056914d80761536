/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest-facing side of vunetd (passt calls it "tap", though no tap
 * device is involved): frames from the guest are dispatched here to the
 * protocol handlers; frames for the guest leave through here, to the
 * vhost-user device or to the stream socket, whichever the front-end uses.
 *
 * From the guest: tap_handler() gets one frame as an iovec (possibly
 * pointing into guest memory, valid only during the call).  It copies the
 * first TAP_HDR_MAX bytes into a struct tap_frame on its stack, checks the
 * Ethernet, IPv4/IPv6 and TCP/UDP/ICMP header lengths against the frame
 * (a frame whose headers do not fit is dropped and counted here, so no
 * handler sees it), fills in the offsets and addresses, then calls the
 * handler for the protocol with that tap_frame.  Handlers read headers from
 * f->hdr and reach bytes beyond TAP_HDR_MAX (a TCP payload to send on, a
 * long DHCP message) through f->iov with tap_frame_copy() or
 * tap_frame_iov_from(): the payload itself is never copied by tap.c.
 * A frame longer than TAP_FRAME_MAX is dropped (DROP_TOO_LONG).  When the
 * front-end vouched for the L4 checksum (TAP_FRAME_CSUM_VALID: a
 * vhost-user guest with checksum offload) handlers skip verifying it;
 * every header is bounds-checked all the same.
 *
 * Handler entry points (declared in each protocol's own header), all with
 * the signature  int NAME(struct ctx *c, const struct tap_frame *f)
 * returning 0 when the frame was used, or a negative value when it was
 * dropped (the handler counts the drop reason itself with ctx_drop()):
 *   arp_handler      ETH_P_ARP
 *   dhcp_handler     UDP to port 67 (IPv4)
 *   dhcpv6_handler   UDP to port 547 (IPv6)
 *   ndp_handler      ICMPv6 types 133-137
 *   icmp_tap_handler ICMP/ICMPv6 echo requests
 *   tcp_tap_handler, udp_tap_handler: everything else of those protocols.
 * The event loop (vunetd.c) installs them in a struct tap_handlers, so
 * tap.c itself depends on no protocol module; a missing handler (NULL)
 * counts the frame as DROP_UNHANDLED, a protocol disabled on the command
 * line (--no-tcp, --no-dhcp, ...) as DROP_DISABLED.
 *
 * To the guest: tap_send_frame() hands a frame to the vhost-user device
 * (MODE_VU) or appends it, with its 4-byte big-endian length, to a fixed
 * transmit buffer for the stream socket (MODE_STREAM); tap_flush() ends a
 * batch.  On the stream, a frame is written whole or kept for EPOLLOUT, so
 * a short write never breaks the framing; a frame that does not fit in the
 * buffer is dropped (DROP_RX_NO_BUFFERS), unless its sender asked
 * tap_guest_has_room() first and waited for tap_rx_ready().
 */
#ifndef VUNET_BACKEND_TAP_H
#define VUNET_BACKEND_TAP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct ctx;

/* Bytes of each guest frame copied for header parsing: Ethernet (14) +
 * IPv6 with a few extension headers + a full TCP header (60) fit. */
#define TAP_HDR_MAX 256

/* Largest frame accepted from or sent to the guest: 64 KiB of IP packet
 * plus the Ethernet header (passt's MTU tops out at 65520). */
#define TAP_FRAME_MAX (65535 + 14)

/* Most iovec entries a guest frame may arrive in: one chain of the
 * vhost-user TX queue (VQ_CHAIN_MAX_IOV; vunetd.c checks they agree), one
 * on the stream.  Handlers that forward a payload without copying need
 * this many entries, or long chains would be dropped. */
#define TAP_FRAME_MAX_IOV 64

/* One parsed frame from the guest.  Offsets count from the start of the
 * frame (the Ethernet header).  hdr[] holds the first hdr_len bytes. */
struct tap_frame {
	const struct iovec *iov; /* the whole frame, as received */
	size_t iovcnt;
	size_t len;              /* frame length in bytes */

	uint16_t ethertype;      /* host byte order (ETH_P_IP, ...) */
	uint8_t l4_proto;        /* IPPROTO_TCP/UDP/ICMP/ICMPV6; 0 for ARP */
	int family;              /* AF_INET, AF_INET6, or 0 (ARP) */
	size_t l3_off;           /* IP (or ARP) header */
	size_t l4_off;           /* TCP/UDP/ICMP header */
	size_t payload_off;      /* after the L4 header */
	size_t l4_len;           /* L4 header + payload, per the IP length */
	/* IP length may be shorter than the frame (Ethernet padding): the
	 * end of the packet is l4_off + l4_len, never len. */

	union {
		struct in_addr a4;
		struct in6_addr a6;
	} saddr, daddr;          /* IP source and destination */
	uint16_t sport, dport;   /* TCP/UDP ports, host byte order */

	bool csum_valid;         /* TAP_FRAME_CSUM_VALID: L4 checksum not
				  * to be verified (the IPv4 header's is) */
	size_t hdr_len;          /* bytes valid in hdr[] */
	uint8_t hdr[TAP_HDR_MAX];
};

/* Flags of tap_handler(). */
enum tap_frame_flag {
	/* The front-end vouched for the TCP/UDP checksum, or left it to
	 * the device (virtio-net checksum offload): vunetd terminates the
	 * connection, so there is nothing to compute or verify. */
	TAP_FRAME_CSUM_VALID = 1,
};

typedef int (*tap_proto_handler)(struct ctx *c, const struct tap_frame *f);

/* The protocol handlers tap_handler() dispatches to; NULL: none. */
struct tap_handlers {
	tap_proto_handler arp, dhcp, dhcpv6, ndp, icmp, tcp, udp;
	/* Called by tap_batch_done(), for modules that batch their sends. */
	void (*batch_done)(struct ctx *c);
	/* Called by tap_rx_ready(): the guest can take frames again, and
	 * modules that stopped for room (TCP data, UDP sockets) go on. */
	void (*rx_ready)(struct ctx *c);
};

/* Installs the protocol handlers (a static table: kept, not copied). */
void tap_set_handlers(const struct tap_handlers *h);

/* One frame from the guest (Ethernet header first).  IOV may point into
 * guest memory and is only valid during the call.  FLAGS: TAP_FRAME_*. */
void tap_handler(struct ctx *c, const struct iovec *iov, size_t iovcnt,
		 size_t len, unsigned flags);
/* The end of a batch of frames from the guest. */
void tap_batch_done(struct ctx *c);

/* Copies LEN bytes at offset OFF of the frame into BUF.  Returns 0, or -1
 * if the frame is shorter than OFF + LEN. */
int tap_frame_copy(const struct tap_frame *f, size_t off, void *buf,
		   size_t len);
/* Fills OUT (at most MAX entries) with the frame's bytes from offset OFF
 * up to offset END, without copying data: for sendmsg() of a payload.
 * Returns the number of entries, or -1 if they do not fit or the frame is
 * shorter than END. */
int tap_frame_iov_from(const struct tap_frame *f, size_t off, size_t end,
		       struct iovec *out, size_t max);

/* Where frames for the guest go: its MAC once a frame from it taught us
 * (tap_guest_mac_seen()), broadcast before (an inbound flow may start
 * before the guest spoke). */
const uint8_t *tap_guest_mac(const struct ctx *c);
/* Records MAC, which the guest says is its own (a frame's source, an ARP
 * sender, a DHCP client address), as where our frames go; a group
 * address cannot be a station's and is ignored. */
void tap_guest_mac_seen(struct ctx *c, const uint8_t *mac);

/* Queues one frame (Ethernet header first) for the guest.  Returns 0 or a
 * negative errno; a frame that cannot be delivered is counted as dropped. */
int tap_send_frame(struct ctx *c, const struct iovec *iov, size_t iovcnt);
/* Ends a batch of frames for the guest (one notification). */
void tap_flush(struct ctx *c);
/* Whether a frame of LEN bytes for the guest can be queued now, for a
 * sender that can leave its data where it is until it can (a datagram
 * in its socket).  False: not now, and tap_rx_ready() will follow once
 * the guest has room (vhost-user: it added RX buffers; stream: the
 * socket took what waited).  True also when nothing would ever take the
 * frame (no front-end, buffers too small for it): tap_send_frame() then
 * drops it, counted. */
bool tap_guest_has_room(struct ctx *c, size_t len);
/* The guest can take frames again: runs the handlers' rx_ready.  Called
 * by the vhost-user device's rx_ready and by tap_stream_output(). */
void tap_rx_ready(struct ctx *c);

/* Stream mode (qemu's "stream" netdev, 4-byte big-endian length + frame).
 * The largest length prefix skipped (its bytes discarded) rather than
 * ending the connection: anything longer cannot come from a front-end
 * that still follows the protocol. */
#define TAP_STREAM_SKIP_MAX (1024 * 1024)

/* Takes the connected socket FD as the front-end (c->fd_conn) and adds it
 * to the epoll loop.  Returns 0 or a negative errno. */
int tap_stream_attach(struct ctx *c, int fd);
/* Reads and dispatches what the front-end sent (EPOLLIN).  Returns false
 * when the connection is over (closed by the peer, or unrecoverable
 * framing); the caller then calls tap_stream_detach(). */
bool tap_stream_input(struct ctx *c);
/* Writes frames that were waiting for the socket (EPOLLOUT), then
 * tap_rx_ready(). */
void tap_stream_output(struct ctx *c);
/* Closes the front-end connection and forgets buffered data. */
void tap_stream_detach(struct ctx *c);

#endif /* VUNET_BACKEND_TAP_H */
