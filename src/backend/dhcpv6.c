// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stateful DHCPv6 server (RFC 8415) with a single address: the guest's
 * configured global address (c->ip6.addr), as passt's.
 *
 * Exchange:
 *   SOLICIT              -> ADVERTISE, or REPLY if the client asked for
 *                           rapid commit (and the reply says so)
 *   REQUEST/RENEW/REBIND -> REPLY with the address
 *   CONFIRM              -> REPLY, status Success if every address in
 *                           every IA_NA the client sent is the guest's,
 *                           else NotOnLink; no reply without any address
 *                           (RFC 8415 18.3.3)
 *   INFORMATION-REQUEST  -> REPLY with configuration only
 *   RELEASE/DECLINE      -> REPLY with status Success (nothing to free)
 * A message carrying someone else's server identifier is ignored.
 *
 * Every reply echoes the client identifier and carries our server
 * identifier, a DUID-LL with our MAC (stable for the process: the MAC
 * is).  Address replies carry IA_NA with the client's IAID, infinite T1,
 * T2 and lifetimes; without an IA_NA in the request, status NoAddrsAvail.
 * Configuration: DNS servers 23 (c->ip6.dns, or instead the
 * --dns-forward address if set; none when c->ip6.n_dns is 0), domain search list 24, and client FQDN 39 (RFC 4704) with
 * --fqdn.  Replies go from our link-local address, port 547, to the
 * client's address and port.  Without a guest address (local mode
 * without -a, see conf.c) the server is off, as passt's: nothing is
 * answered, and router advertisements do not point to it (ndp.c).
 *
 * Robustness: the message is copied whole, up to its UDP length (so at
 * most 64 KiB), into a static buffer and options are
 * walked with their lengths checked against what is left; a truncated
 * option or a missing client identifier drops the message (counted).
 * IA_NA contents are walked the same way.  No allocation.
 */
#include "backend/dhcpv6.h"

#include <stdbool.h>
#include <string.h>

#include "backend/ctx.h"
#include "backend/ip.h"
#include "backend/tap.h"

enum dhcpv6_msg_type {
	SOLICIT = 1,
	ADVERTISE = 2,
	REQUEST = 3,
	CONFIRM = 4,
	RENEW = 5,
	REBIND = 6,
	REPLY = 7,
	RELEASE = 8,
	DECLINE = 9,
	INFORMATION_REQUEST = 11,
};

enum dhcpv6_option {
	OPT_CLIENTID = 1,
	OPT_SERVERID = 2,
	OPT_IA_NA = 3,
	OPT_IAADDR = 5,
	OPT_STATUS_CODE = 13,
	OPT_RAPID_COMMIT = 14,
	OPT_DNS_SERVERS = 23,
	OPT_DOMAIN_LIST = 24,
	OPT_CLIENT_FQDN = 39,
	OPT_TRACKED = 40, /* codes below this are remembered when parsing */
};

enum dhcpv6_status {
	STATUS_SUCCESS = 0,
	STATUS_NO_ADDRS_AVAIL = 2,
	STATUS_NOT_ON_LINK = 4,
};

/* What the reason-returning helpers say when the frame was used. */
#define NOT_DROPPED DROP_NUM_REASONS

#define DHCPV6_HDR_LEN 4 /* message type, transaction id */
#define OPT_HDR_LEN 4    /* code, length */
#define IA_NA_FIXED_LEN 12 /* IAID, T1, T2 */
#define IAADDR_FIXED_LEN 24 /* address, preferred and valid lifetime */
#define DUID_LL_LEN 10   /* type 3, hardware type 1, MAC */
#define DUID_TYPE_LL 3
#define HW_TYPE_ETHERNET 1
#define LIFETIME_INFINITE 0xffffffffU
/* Client identifiers are DUIDs: at most 128 bytes (RFC 8415 11.1). */
#define DUID_MAX_LEN 130

/* Longest request: the UDP length field bounds it, and a request is read
 * whole (cut short, an option across the cut would look truncated). */
#define DHCPV6_REQUEST_MAX (65535 - UDP_HDR_LEN)
/* Room for our reply's options. */
#define DHCPV6_REPLY_MAX 2048

struct opt6_in {
	const uint8_t *val;
	uint16_t len;
	bool present;
};

/* Walks options in P (LEN bytes).  Returns 0, or -1 if one is cut off. */
static int dhcpv6_parse_options(const uint8_t *p, size_t len,
				struct opt6_in *opts)
{
	size_t i = 0;

	while (i < len) {
		uint16_t code, olen;

		if (len - i < OPT_HDR_LEN)
			return -1;
		code = ip_get_be16(p + i);
		olen = ip_get_be16(p + i + 2);
		if (len - i - OPT_HDR_LEN < olen)
			return -1;
		if (code < OPT_TRACKED && !opts[code].present) {
			opts[code].val = p + i + OPT_HDR_LEN;
			opts[code].len = olen;
			opts[code].present = true;
		}
		i += OPT_HDR_LEN + olen;
	}
	return 0;
}

/* A reply under construction: writes are bounded by the buffer. */
struct reply6 {
	uint8_t *buf;
	size_t len, size;
};

/* Appends an option header and returns where its value goes, or NULL
 * (nothing written) if LEN more bytes do not fit. */
static uint8_t *reply_opt(struct reply6 *r, uint16_t code, size_t len)
{
	uint8_t *v;

	if (len > 0xffff || r->size - r->len < OPT_HDR_LEN + len)
		return NULL;
	ip_put_be16(r->buf + r->len, code);
	ip_put_be16(r->buf + r->len + 2, (uint16_t)len);
	v = r->buf + r->len + OPT_HDR_LEN;
	r->len += OPT_HDR_LEN + len;
	return v;
}

static void reply_opt_copy(struct reply6 *r, uint16_t code, const void *val,
			   size_t len)
{
	uint8_t *v = reply_opt(r, code, len);

	if (v && len)
		memcpy(v, val, len);
}

static void reply_status(struct reply6 *r, uint16_t status)
{
	uint8_t *v = reply_opt(r, OPT_STATUS_CODE, 2);

	if (v)
		ip_put_be16(v, status);
}

static void reply_server_id(const struct ctx *c, struct reply6 *r)
{
	uint8_t *v = reply_opt(r, OPT_SERVERID, DUID_LL_LEN);

	if (!v)
		return;
	ip_put_be16(v, DUID_TYPE_LL);
	ip_put_be16(v + 2, HW_TYPE_ETHERNET);
	memcpy(v + 4, c->our_tap_mac, ETH_ADDR_LEN);
}

static bool dhcpv6_server_id_is_ours(const struct ctx *c,
				     const struct opt6_in *sid)
{
	uint8_t ours[DUID_LL_LEN];

	ip_put_be16(ours, DUID_TYPE_LL);
	ip_put_be16(ours + 2, HW_TYPE_ETHERNET);
	memcpy(ours + 4, c->our_tap_mac, ETH_ADDR_LEN);
	return sid->len == DUID_LL_LEN && !memcmp(sid->val, ours, DUID_LL_LEN);
}

/* IA_NA with the client's IAID and our one address. */
static void reply_ia_na(const struct ctx *c, struct reply6 *r,
			const struct opt6_in *ia)
{
	uint8_t *v;

	if (!ia->present || ia->len < IA_NA_FIXED_LEN) {
		reply_status(r, STATUS_NO_ADDRS_AVAIL);
		return;
	}
	v = reply_opt(r, OPT_IA_NA,
		      IA_NA_FIXED_LEN + OPT_HDR_LEN + IAADDR_FIXED_LEN);
	if (!v)
		return;
	memcpy(v, ia->val, 4); /* IAID */
	ip_put_be32(v + 4, LIFETIME_INFINITE);
	ip_put_be32(v + 8, LIFETIME_INFINITE);
	v += IA_NA_FIXED_LEN;
	ip_put_be16(v, OPT_IAADDR);
	ip_put_be16(v + 2, IAADDR_FIXED_LEN);
	memcpy(v + 4, &c->ip6.addr, 16);
	ip_put_be32(v + 20, LIFETIME_INFINITE);
	ip_put_be32(v + 24, LIFETIME_INFINITE);
}

static void reply_dns(const struct ctx *c, struct reply6 *r)
{
	/* n_dns is what the guest is told (0: --no-dhcp-dns, or none) */
	if (c->ip6.n_dns <= 0 || c->ip6.n_dns > CTX_MAX_DNS)
		return;
	if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_match))
		reply_opt_copy(r, OPT_DNS_SERVERS, &c->ip6.dns_match, 16);
	else
		reply_opt_copy(r, OPT_DNS_SERVERS, c->ip6.dns,
			       16 * (size_t)c->ip6.n_dns);
}

static void reply_config(const struct ctx *c, struct reply6 *r)
{
	uint8_t names[CTX_MAX_SEARCH * (CTX_NAME_MAX + 2)];
	size_t used = 0;
	int i, n;

	reply_dns(c, r);
	for (i = 0; i < c->n_search && i < CTX_MAX_SEARCH; i++) {
		n = ip_dns_name_encode(names + used, sizeof(names) - used,
				       c->search[i]);
		if (n > 0)
			used += (size_t)n;
	}
	if (used)
		reply_opt_copy(r, OPT_DOMAIN_LIST, names, used);
	if (c->fqdn[0]) {
		/* RFC 4704 flags as passt sends them: none; the option tells
		 * the guest its name, no DNS update is negotiated */
		names[0] = 0;
		n = ip_dns_name_encode(names + 1, sizeof(names) - 1, c->fqdn);
		if (n > 0)
			reply_opt_copy(r, OPT_CLIENT_FQDN, names, 1 + (size_t)n);
	}
}

/* The next option CODE in P (LEN bytes) from *OFF on, or NULL.  *OFF
 * moves past each option looked at; at NULL it is LEN unless an option
 * was cut off. */
static const uint8_t *dhcpv6_next_option(const uint8_t *p, size_t len,
					 size_t *off, uint16_t code,
					 uint16_t *olen)
{
	while (len - *off >= OPT_HDR_LEN) {
		uint16_t c = ip_get_be16(p + *off), l = ip_get_be16(p + *off + 2);
		const uint8_t *v = p + *off + OPT_HDR_LEN;

		if (len - *off - OPT_HDR_LEN < l)
			return NULL;
		*off += OPT_HDR_LEN + (size_t)l;
		if (c == code) {
			*olen = l;
			return v;
		}
	}
	return NULL;
}

/* Counts the addresses in IA_NA value IA (LEN bytes) into *N_ADDRS.
 * Returns whether all of them are the guest's (false if the IA is cut
 * off or malformed: its addresses cannot be vouched for). */
static bool dhcpv6_ia_on_link(const struct ctx *c, const uint8_t *ia,
			      uint16_t len, unsigned *n_addrs)
{
	size_t off = IA_NA_FIXED_LEN;
	const uint8_t *a;
	bool on_link = true;
	uint16_t alen;

	if (len < IA_NA_FIXED_LEN)
		return false;
	while ((a = dhcpv6_next_option(ia, len, &off, OPT_IAADDR, &alen))) {
		(*n_addrs)++;
		if (alen < IAADDR_FIXED_LEN || memcmp(a, &c->ip6.addr, 16))
			on_link = false;
	}
	return on_link && off == len;
}

/* RFC 8415 18.3.3: the CONFIRM status for the options OPTS (LEN bytes):
 * Success if every address of every IA_NA is the guest's, else
 * NotOnLink; -1 when the client sent no address (no reply then). */
static int dhcpv6_confirm_status(const struct ctx *c, const uint8_t *opts,
				 size_t len)
{
	unsigned n_addrs = 0;
	bool on_link = true;
	const uint8_t *ia;
	size_t off = 0;
	uint16_t ia_len;

	while ((ia = dhcpv6_next_option(opts, len, &off, OPT_IA_NA, &ia_len)))
		if (!dhcpv6_ia_on_link(c, ia, ia_len, &n_addrs))
			on_link = false;
	if (!n_addrs)
		return -1;
	return on_link ? STATUS_SUCCESS : STATUS_NOT_ON_LINK;
}

/* Fills the reply body for request TYPE (options IN, all of them in OPTS,
 * LEN bytes); returns the reply type, or 0 if this message gets no
 * reply. */
static uint8_t dhcpv6_build(const struct ctx *c, uint8_t type,
			    const struct opt6_in *in, const uint8_t *opts,
			    size_t len, struct reply6 *r)
{
	uint8_t reply = REPLY;
	int status;

	if (in[OPT_CLIENTID].present)
		reply_opt_copy(r, OPT_CLIENTID, in[OPT_CLIENTID].val,
			       in[OPT_CLIENTID].len);
	reply_server_id(c, r);
	switch (type) {
	case SOLICIT:
		if (in[OPT_RAPID_COMMIT].present)
			reply_opt(r, OPT_RAPID_COMMIT, 0);
		else
			reply = ADVERTISE;
		/* fall through */
	case REQUEST:
	case RENEW:
	case REBIND:
		reply_ia_na(c, r, &in[OPT_IA_NA]);
		break;
	case CONFIRM:
		status = dhcpv6_confirm_status(c, opts, len);
		if (status < 0)
			return 0;
		reply_status(r, (uint16_t)status);
		return reply;
	case RELEASE:
	case DECLINE:
		reply_status(r, STATUS_SUCCESS);
		return reply;
	case INFORMATION_REQUEST:
		break;
	default:
		return 0;
	}
	reply_config(c, r);
	return reply;
}

/* Why the message is not to be answered (a drop reason), or
 * NOT_DROPPED. */
static int dhcpv6_check(const struct ctx *c, uint8_t type,
			const struct opt6_in *in)
{
	if (!in[OPT_CLIENTID].present && type != INFORMATION_REQUEST)
		return DROP_BAD_L4;
	if (in[OPT_CLIENTID].len > DUID_MAX_LEN)
		return DROP_BAD_L4;
	if (in[OPT_SERVERID].present &&
	    !dhcpv6_server_id_is_ours(c, &in[OPT_SERVERID]))
		return DROP_UNHANDLED; /* meant for another server */
	return NOT_DROPPED;
}

static void dhcpv6_send(struct ctx *c, const struct tap_frame *f,
			uint8_t *frame, size_t len)
{
	struct iovec iov = { frame, 0 };

	iov.iov_len = ip_udp6_frame(frame, tap_guest_mac(c),
				    c->our_tap_mac, &c->ip6.our_tap_ll,
				    DHCPV6_SERVER_PORT, &f->saddr.a6,
				    f->sport, len);
	tap_send_frame(c, &iov, 1);
}

int dhcpv6_handler(struct ctx *c, const struct tap_frame *f)
{
	static uint8_t msg[DHCPV6_REQUEST_MAX];
	static uint8_t frame[UDP6_PAYLOAD_OFF + DHCPV6_REPLY_MAX];
	struct opt6_in in[OPT_TRACKED] = { 0 };
	struct reply6 r = { frame + UDP6_PAYLOAD_OFF, DHCPV6_HDR_LEN,
			    DHCPV6_REPLY_MAX };
	/* tap.c checked the UDP length against the packet */
	size_t len = ip_get_be16(f->hdr + f->l4_off + 4) - UDP_HDR_LEN;
	int reason = NOT_DROPPED;

	if (c->no_dhcpv6 || !c->ip6.enabled) {
		reason = DROP_DISABLED;
		goto out;
	}
	if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr)) {
		reason = DROP_UNHANDLED; /* no address: no server */
		goto out;
	}
	if (len < DHCPV6_HDR_LEN ||
	    tap_frame_copy(f, f->payload_off, msg, len) < 0) {
		reason = DROP_TOO_SHORT;
		goto out;
	}
	if (dhcpv6_parse_options(msg + DHCPV6_HDR_LEN, len - DHCPV6_HDR_LEN,
				 in) < 0) {
		reason = DROP_BAD_L4;
		goto out;
	}
	reason = dhcpv6_check(c, msg[0], in);
	if (reason != NOT_DROPPED)
		goto out;
	if (IN6_IS_ADDR_LINKLOCAL(&f->saddr.a6))
		c->ip6.addr_ll_seen = f->saddr.a6;
	r.buf[0] = dhcpv6_build(c, msg[0], in, msg + DHCPV6_HDR_LEN,
				len - DHCPV6_HDR_LEN, &r);
	if (!r.buf[0]) {
		/* a server message, an unknown one, or nothing to confirm */
		reason = DROP_UNHANDLED;
		goto out;
	}
	memcpy(r.buf + 1, msg + 1, 3); /* transaction id */
	dhcpv6_send(c, f, frame, r.len);
out:
	if (reason != NOT_DROPPED)
		ctx_drop(c, (enum drop_reason)reason);
	return reason != NOT_DROPPED ? -1 : 0;
}
