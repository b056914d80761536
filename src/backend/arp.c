// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ARP responder: vunetd is every other host on the guest's link.
 *
 * The guest believes it sits on an Ethernet segment with its gateway and,
 * for the prefix it was given, its neighbours.  There is no such segment:
 * everything the guest sends leaves through vunetd's sockets.  So vunetd
 * answers an ARP request for any IPv4 address except the guest's own with
 * its own MAC (our_tap_mac), and the guest sends all its traffic to us.
 *
 * What is not answered, as in passt:
 *  - requests for the guest's own address (c->ip4.addr): answering would
 *    make the guest's duplicate address detection fail;
 *  - announcements (gratuitous ARP: sender address == target address,
 *    not 0.0.0.0): the guest is telling, not asking;
 *  - ARP replies and other operations: nothing to do.
 * Probes (sender 0.0.0.0) for an address other than the guest's get a
 * reply, which correctly tells the prober the address is in use.
 *
 * The guest's MAC is learnt from the sender hardware address of its
 * requests: replies and every frame built for the guest go there.  The
 * sender protocol address, when not 0.0.0.0, is the address the guest
 * uses (c->ip4.addr_seen).
 *
 * Stateless apart from that; no allocation, no per-frame logging.  Frames
 * that are too short or not Ethernet/IPv4 ARP are dropped and counted.
 */
#include "backend/arp.h"

#include <linux/if_ether.h>
#include <net/if_arp.h>
#include <string.h>

#include "backend/ctx.h"
#include "backend/flow.h"
#include "backend/ip.h"
#include "backend/tap.h"

/* Ethernet/IPv4 ARP body (RFC 826): 8-byte header, then two
 * (hardware address, protocol address) pairs. */
#define ARP_BODY_LEN 28
#define ARP_SHA_OFF 8
#define ARP_SPA_OFF 14
#define ARP_THA_OFF 18
#define ARP_TPA_OFF 24

static bool arp_is_ether_ip4(const uint8_t *a)
{
	return ip_get_be16(a) == ARPHRD_ETHER && ip_get_be16(a + 2) == ETH_P_IP &&
	       a[4] == ETH_ADDR_LEN && a[5] == 4;
}

/* Whether REQ (an Ethernet/IPv4 request) deserves an answer. */
static bool arp_should_answer(const struct ctx *c, const uint8_t *req)
{
	static const uint8_t unspecified[4];
	const uint8_t *spa = req + ARP_SPA_OFF, *tpa = req + ARP_TPA_OFF;

	if (memcmp(spa, unspecified, 4) && !memcmp(spa, tpa, 4))
		return false; /* announcement */
	return memcmp(tpa, &c->ip4.addr, 4) != 0;
}

static void arp_send_reply(struct ctx *c, const uint8_t *req)
{
	uint8_t frame[ETH_HDR_LEN + ARP_BODY_LEN];
	uint8_t *rep = frame + ETH_HDR_LEN;
	struct iovec iov = { frame, sizeof(frame) };

	ip_eth_fill(frame, req + ARP_SHA_OFF, c->our_tap_mac, ETH_P_ARP);
	memcpy(rep, req, 6); /* same hardware/protocol types and sizes */
	ip_put_be16(rep + 6, ARPOP_REPLY);
	memcpy(rep + ARP_SHA_OFF, c->our_tap_mac, ETH_ADDR_LEN);
	memcpy(rep + ARP_SPA_OFF, req + ARP_TPA_OFF, 4);
	memcpy(rep + ARP_THA_OFF, req + ARP_SHA_OFF, ETH_ADDR_LEN);
	memcpy(rep + ARP_TPA_OFF, req + ARP_SPA_OFF, 4);
	tap_send_frame(c, &iov, 1);
}

int arp_handler(struct ctx *c, const struct tap_frame *f)
{
	const uint8_t *req = f->hdr + f->l3_off;
	int rc = -1;

	if (f->l3_off > f->hdr_len || f->hdr_len - f->l3_off < ARP_BODY_LEN) {
		ctx_drop(c, DROP_TOO_SHORT);
		goto out;
	}
	if (!arp_is_ether_ip4(req)) {
		ctx_drop(c, DROP_BAD_L2);
		goto out;
	}
	if (!c->ip4.enabled) {
		ctx_drop(c, DROP_DISABLED);
		goto out;
	}
	/* probes say 0.0.0.0: flow_guest_addr_seen() learns nothing */
	flow_guest_addr_seen(c, AF_INET, req + ARP_SPA_OFF);
	if (ip_get_be16(req + 6) != ARPOP_REQUEST ||
	    !arp_should_answer(c, req)) {
		ctx_drop(c, DROP_UNHANDLED);
		goto out;
	}
	tap_guest_mac_seen(c, req + ARP_SHA_OFF);
	/* a reply tap.c cannot deliver is counted there */
	arp_send_reply(c, req);
	rc = 0;
out:
	return rc;
}
