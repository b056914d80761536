// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ICMP/ICMPv6 echo relay: the guest pings anything, vunetd pings it for
 * it from an unprivileged "ping" socket (SOCK_DGRAM, IPPROTO_ICMP or
 * IPPROTO_ICMPV6), and hands the reply back as if it came from the
 * address the guest pinged.
 *
 * Model: a fixed table of ICMP_MAX_FLOWS echo flows.  A flow is one
 * (family, guest echo identifier, destination as the guest sees it), with
 * its own ping socket registered in epoll as EPOLL_TYPE_ICMP with the
 * flow's index.  The kernel rewrites the identifier of what a ping socket
 * sends to the socket's own; replies read on the socket get the guest's
 * identifier back, and the guest's original addresses (swapped) in the
 * IP header we build.  Sequence numbers and payload are untouched.
 *
 * Address mapping, shared with TCP and UDP (flow_host_sockaddr): a
 * request to the gateway address (c->ip4.map_host_loopback /
 * c->ip6.map_host_loopback, unless --no-map-gw) goes to the host's
 * loopback (127.0.0.1 / ::1), and the reply still appears to come from
 * the gateway address; destinations the host cannot reach for the guest
 * (multicast, broadcast, other link-local ones) are dropped.  The socket
 * is bound to the outbound address/interface (-o, --outbound-if) when
 * configured (flow_bind_outbound).
 *
 * Lifetime: a flow is closed after ICMP_FLOW_TIMEOUT_S without use
 * (icmp_timer).  When the table is full, requests that need a new flow
 * are dropped (DROP_NO_FLOW) until flows expire.  This table is
 * self-contained so it can move onto the generic flow table later.
 *
 * Permissions: the kernel allows ping sockets only to groups in
 * net.ipv4.ping_group_range (both families).  If it refuses (EACCES or
 * EPERM), one log line says so, once per process, and requests are
 * dropped and counted (DROP_HOST_ERROR).  --no-icmp drops everything.
 *
 * Data path: no allocation; the request is sent with sendmsg() straight
 * from the guest frame (header copy + payload iovec); replies are read
 * into one static frame buffer behind the headers we then build.
 */
#include "backend/icmp.h"

#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/ctx.h"
#include "backend/flow.h"
#include "backend/ip.h"
#include "backend/tap.h"
#include "util/log.h"

/* What the reason-returning helpers say when the frame was used. */
#define NOT_DROPPED DROP_NUM_REASONS

/* Most iovec entries a request's payload may span in guest memory: as
 * many as the frame itself may have. */
#define ICMP_IOV_MAX TAP_FRAME_MAX_IOV
/* Replies read per readiness event before yielding to other sockets. */
#define ICMP_REPLY_BATCH 8

union icmp_addr {
	struct in_addr a4;
	struct in6_addr a6;
};

struct icmp_flow {
	bool in_use;
	int family;
	int sock;
	uint16_t guest_id;            /* echo identifier the guest chose */
	union icmp_addr guest_addr;   /* the guest's source address */
	union icmp_addr dst_addr;     /* what the guest pinged */
	union flow_sockaddr host_dst; /* where the ping socket sends */
	socklen_t host_dst_len;
	time_t last_used_s;           /* CLOCK_MONOTONIC */
};

static struct icmp_flow icmp_flows[ICMP_MAX_FLOWS];
static bool icmp_refusal_logged;

unsigned icmp_flow_count(void)
{
	unsigned i, n = 0;

	for (i = 0; i < ICMP_MAX_FLOWS; i++)
		n += icmp_flows[i].in_use;
	return n;
}

static time_t icmp_now_s(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec;
}

static size_t icmp_addr_len(int family)
{
	return family == AF_INET ? sizeof(struct in_addr)
				 : sizeof(struct in6_addr);
}

static struct icmp_flow *icmp_flow_find(int family, uint16_t id,
					const union icmp_addr *dst)
{
	unsigned i;

	for (i = 0; i < ICMP_MAX_FLOWS; i++) {
		struct icmp_flow *fl = &icmp_flows[i];

		if (fl->in_use && fl->family == family && fl->guest_id == id &&
		    !memcmp(&fl->dst_addr, dst, icmp_addr_len(family)))
			return fl;
	}
	return NULL;
}

static void icmp_flow_close(struct icmp_flow *fl)
{
	close(fl->sock); /* also leaves the epoll set */
	memset(fl, 0, sizeof(*fl));
}

/* Opens the ping socket of flow FL.  Returns NOT_DROPPED, or the drop
 * reason. */
static int icmp_flow_open_sock(struct ctx *c, struct icmp_flow *fl)
{
	int proto = fl->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	union epoll_ref ref = { .type = EPOLL_TYPE_ICMP };
	struct epoll_event ev = { .events = EPOLLIN };

	fl->sock = socket(fl->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			  proto);
	if (fl->sock < 0) {
		if ((errno == EACCES || errno == EPERM) &&
		    !icmp_refusal_logged) {
			icmp_refusal_logged = true;
			warn("ICMP: the kernel refuses ping sockets (%s): "
			     "echo requests from the guest are dropped; "
			     "net.ipv4.ping_group_range must include our group",
			     strerror(errno));
		}
		return DROP_HOST_ERROR;
	}
	if (flow_bind_outbound(c, fl->sock, &fl->host_dst, 0) < 0) {
		close(fl->sock);
		return DROP_HOST_ERROR;
	}
	ref.idx = (uint32_t)(fl - icmp_flows);
	ref.fd = fl->sock;
	ev.data.u64 = ref.u64;
	if (c->epollfd >= 0 &&
	    epoll_ctl(c->epollfd, EPOLL_CTL_ADD, fl->sock, &ev) < 0) {
		close(fl->sock);
		return DROP_HOST_ERROR;
	}
	return NOT_DROPPED;
}

/* Finds or creates the flow for a request.  Returns NOT_DROPPED with *OUT
 * set, or the drop reason. */
static int icmp_flow_get(struct ctx *c, const struct tap_frame *f,
			 uint16_t id, struct icmp_flow **out)
{
	union icmp_addr dst = { 0 };
	struct flow_key key;
	struct icmp_flow *fl;
	unsigned i;
	int reason;

	memcpy(&dst, &f->daddr, icmp_addr_len(f->family));
	*out = icmp_flow_find(f->family, id, &dst);
	if (*out)
		return NOT_DROPPED;
	for (i = 0; i < ICMP_MAX_FLOWS && icmp_flows[i].in_use; i++)
		;
	if (i == ICMP_MAX_FLOWS)
		return DROP_NO_FLOW;
	fl = &icmp_flows[i];
	/* the same mapping as TCP and UDP flows: gateway -> loopback, and
	 * nothing for destinations the host cannot reach for the guest */
	flow_key_set(&key, f->l4_proto, f->family, &f->saddr, id, &f->daddr, 0);
	fl->host_dst_len = flow_host_sockaddr(c, &key, &fl->host_dst);
	if (!fl->host_dst_len) {
		memset(fl, 0, sizeof(*fl));
		return DROP_UNHANDLED;
	}
	fl->family = f->family;
	fl->guest_id = id;
	fl->dst_addr = dst;
	memcpy(&fl->guest_addr, &f->saddr, icmp_addr_len(f->family));
	reason = icmp_flow_open_sock(c, fl);
	if (reason != NOT_DROPPED) {
		memset(fl, 0, sizeof(*fl));
		return reason;
	}
	fl->in_use = true;
	*out = fl;
	return NOT_DROPPED;
}

/* Sends the request in F (echo header HDR) on FL's socket.  Returns
 * NOT_DROPPED, or the drop reason. */
static int icmp_send_request(struct ctx *c, const struct tap_frame *f,
			     struct icmp_flow *fl, const uint8_t *hdr)
{
	struct iovec iov[1 + ICMP_IOV_MAX];
	struct msghdr mh = { .msg_name = &fl->host_dst, .msg_iov = iov };
	size_t end = f->l4_off + f->l4_len;
	int n;

	iov[0].iov_base = (void *)hdr;
	iov[0].iov_len = ICMP_ECHO_HDR_LEN;
	n = tap_frame_iov_from(f, f->l4_off + ICMP_ECHO_HDR_LEN, end, iov + 1,
			       ICMP_IOV_MAX);
	if (n < 0)
		return DROP_TOO_SHORT;
	mh.msg_iovlen = 1 + (size_t)n;
	mh.msg_namelen = fl->host_dst_len;
	if (sendmsg(fl->sock, &mh, MSG_NOSIGNAL) < 0)
		return DROP_HOST_ERROR;
	fl->last_used_s = icmp_now_s();
	return NOT_DROPPED;
}

int icmp_tap_handler(struct ctx *c, const struct tap_frame *f)
{
	uint8_t hdr[ICMP_ECHO_HDR_LEN];
	struct icmp_flow *fl;
	int reason = NOT_DROPPED;
	uint8_t echo_request;

	if (c->no_icmp) {
		reason = DROP_DISABLED;
		goto out;
	}
	if (f->family != AF_INET && f->family != AF_INET6) {
		reason = DROP_BAD_L3;
		goto out;
	}
	if (f->l4_len < ICMP_ECHO_HDR_LEN ||
	    tap_frame_copy(f, f->l4_off, hdr, sizeof(hdr)) < 0) {
		reason = DROP_TOO_SHORT;
		goto out;
	}
	echo_request = f->family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	if (hdr[0] != echo_request || hdr[1] != 0) {
		reason = DROP_UNHANDLED; /* only echo is relayed */
		goto out;
	}
	/* the source of the guest's echo request is an address it uses */
	flow_guest_addr_seen(c, f->family, &f->saddr);
	reason = icmp_flow_get(c, f, ip_get_be16(hdr + 4), &fl);
	if (reason == NOT_DROPPED)
		reason = icmp_send_request(c, f, fl, hdr);
out:
	if (reason != NOT_DROPPED)
		ctx_drop(c, (enum drop_reason)reason);
	return reason != NOT_DROPPED ? -1 : 0;
}

/* Sends one echo reply of LEN bytes (already at its L4 offset in FRAME)
 * to the guest, as coming from the address it pinged. */
static void icmp_reply_to_guest(struct ctx *c, const struct icmp_flow *fl,
				uint8_t *frame, size_t len)
{
	const uint8_t *mac = tap_guest_mac(c);
	struct iovec iov = { frame, 0 };

	if (fl->family == AF_INET) {
		ip_put_be16(frame + IP4_L4_OFF + 4, fl->guest_id);
		iov.iov_len = ip_icmp4_frame(frame, mac, c->our_tap_mac,
					     fl->dst_addr.a4,
					     fl->guest_addr.a4, len);
	} else {
		ip_put_be16(frame + IP6_L4_OFF + 4, fl->guest_id);
		iov.iov_len = ip_icmp6_frame(frame, mac, c->our_tap_mac,
					     &fl->dst_addr.a6,
					     &fl->guest_addr.a6, len);
	}
	tap_send_frame(c, &iov, 1);
}

void icmp_sock_handler(struct ctx *c, union epoll_ref ref)
{
	static uint8_t frame[TAP_FRAME_MAX];
	struct icmp_flow *fl;
	size_t off;
	int i, sent = 0;

	if (ref.idx >= ICMP_MAX_FLOWS)
		return;
	fl = &icmp_flows[ref.idx];
	if (!fl->in_use || fl->sock != ref.fd)
		return; /* a stale event for a closed flow */
	off = fl->family == AF_INET ? IP4_L4_OFF : IP6_L4_OFF;
	for (i = 0; i < ICMP_REPLY_BATCH; i++) {
		/* a ping socket delivers the ICMP message, no IP header */
		ssize_t n = recv(fl->sock, frame + off, 65535 - (off - ETH_HDR_LEN),
				 MSG_DONTWAIT);
		uint8_t reply = fl->family == AF_INET ? ICMP_ECHOREPLY
						      : ICMP6_ECHO_REPLY;

		if (n < 0)
			break;
		if (n < ICMP_ECHO_HDR_LEN || frame[off] != reply) {
			ctx_drop(c, DROP_UNHANDLED);
			continue;
		}
		fl->last_used_s = icmp_now_s();
		icmp_reply_to_guest(c, fl, frame, (size_t)n);
		sent++;
	}
	if (sent) /* one notification for the batch, as every socket event */
		tap_flush(c);
}

void icmp_timer(struct ctx *c, const struct timespec *now)
{
	unsigned i;

	for (i = 0; i < ICMP_MAX_FLOWS; i++) {
		struct icmp_flow *fl = &icmp_flows[i];

		if (fl->in_use &&
		    now->tv_sec - fl->last_used_s >= ICMP_FLOW_TIMEOUT_S)
			icmp_flow_close(fl);
	}
}
