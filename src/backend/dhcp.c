// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DHCPv4 server (RFC 2131, options RFC 2132) with a single lease: the
 * configured guest address (c->ip4.addr), as passt's.
 *
 * Exchange: DISCOVER gets an OFFER; REQUEST (or a message without a type:
 * a BOOTP client) gets an ACK, or a NAK if it asks (option 50) for an
 * address other than the guest's.  INFORM, RELEASE and DECLINE are
 * accepted and not answered, as passt does: there is nothing to release.
 *
 * Options offered: those the client listed in its parameter request list
 * 55 in that order, preceded by the message type 53 (some small clients
 * expect it first), then the rest in numeric order: subnet mask 1, router 3, DNS 6
 * (c->ip4.dns, or instead the --dns-forward address if one is
 * configured; none when c->ip4.n_dns is 0, as with --no-dhcp-dns),
 * hostname 12, MTU 26 (when c->mtu is set), lease time 51 (infinite),
 * server identifier 54 (the gateway address, which is ours), search list
 * 119 (RFC 3397 wire format, split per RFC 3396 when over 255 bytes),
 * client FQDN 81 (RFC 4702, when --fqdn is given), and classless static
 * routes 121 (RFC 3442) only when the gateway is outside the guest's
 * subnet, so the guest can still reach it.  The reply is padded to the
 * 300 bytes of a BOOTP message: some clients drop shorter ones.
 *
 * Replies go from the gateway address, port 67, to port 68: to the
 * broadcast address when the client set the broadcast flag (or for a
 * NAK, whose ciaddr and yiaddr are 0), else to the offered address, at the client's MAC (chaddr), which
 * is also learnt as the guest's MAC.
 *
 * Robustness: the message is copied out of the frame whole, up to its
 * UDP length (so at most 64 KiB), into a static buffer; option parsing never reads past the area it walks (main
 * options, then sname/file when option 52 says they are overloaded).  A
 * short message, a bad magic cookie or a truncated option drops the frame
 * and counts it.  No allocation; informational log lines only at debug.
 */
#include "backend/dhcp.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include "backend/ctx.h"
#include "backend/ip.h"
#include "backend/tap.h"
#include "util/log.h"

/* Layout of a BOOTP/DHCP message (RFC 2131 figure 1). */
#define DHCP_OP_OFF 0
#define DHCP_HTYPE_OFF 1
#define DHCP_HLEN_OFF 2
#define DHCP_FLAGS_OFF 10
#define DHCP_CIADDR_OFF 12
#define DHCP_YIADDR_OFF 16
#define DHCP_GIADDR_OFF 24
#define DHCP_CHADDR_OFF 28
#define DHCP_SNAME_OFF 44
#define DHCP_SNAME_LEN 64
#define DHCP_FILE_OFF 108
#define DHCP_FILE_LEN 128
#define DHCP_MAGIC_OFF 236
#define DHCP_OPTIONS_OFF 240
#define DHCP_MAGIC 0x63825363U
#define DHCP_FLAG_BROADCAST 0x8000

#define BOOTREQUEST 1
#define BOOTREPLY 2

/* Longest request: the UDP length field bounds it.  Clients rarely send
 * more than 576 bytes, but one that does is read whole: cut short, an
 * option across the cut would look truncated and drop the request. */
#define DHCP_REQUEST_MAX (65535 - UDP_HDR_LEN)
/* Room for our options: everything we offer fits several times. */
#define DHCP_REPLY_OPTIONS_MAX 1024
/* A BOOTP message is 300 bytes with its 64-byte vendor area. */
#define DHCP_REPLY_MIN_LEN 300
/* RFC 2131 3.3: 0xffffffff means "infinity". */
#define DHCP_LEASE_INFINITE 0xffffffffU

enum dhcp_option {
	OPT_PAD = 0,
	OPT_SUBNET_MASK = 1,
	OPT_ROUTER = 3,
	OPT_DNS = 6,
	OPT_HOSTNAME = 12,
	OPT_MTU = 26,
	OPT_REQUESTED_ADDR = 50,
	OPT_LEASE_TIME = 51,
	OPT_OVERLOAD = 52,
	OPT_MESSAGE_TYPE = 53,
	OPT_SERVER_ID = 54,
	OPT_PARAM_REQUEST = 55,
	OPT_CLIENT_FQDN = 81,
	OPT_SEARCH = 119,
	OPT_CLASSLESS_ROUTES = 121,
	OPT_END = 255,
	OPT_NUM = 256,
};

enum dhcp_msg_type {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

/* RFC 4702 2.1: the name is in DNS wire format. */
#define FQDN_FLAG_E 0x04

/* One option as found in the request (the first occurrence wins). */
struct dhcp_opt_in {
	const uint8_t *val;
	uint8_t len;
	bool present;
};

/* Values of the options we send, staged before they are laid out in the
 * order the client asked for.  An option longer than 255 bytes is split
 * into several instances when written. */
struct dhcp_opts_out {
	uint8_t pool[DHCP_REPLY_OPTIONS_MAX];
	size_t pool_used;
	uint16_t off[OPT_NUM], len[OPT_NUM];
	bool set[OPT_NUM];
};

/* Walks one option area.  Returns 0, or -1 if an option runs past it. */
static int dhcp_parse_area(const uint8_t *p, size_t len,
			   struct dhcp_opt_in *opts)
{
	size_t i = 0;

	while (i < len && p[i] != OPT_END) {
		uint8_t code = p[i];

		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (len - i < 2 || len - i - 2 < p[i + 1])
			return -1;
		if (!opts[code].present) {
			opts[code].val = p + i + 2;
			opts[code].len = p[i + 1];
			opts[code].present = true;
		}
		i += 2 + (size_t)p[i + 1];
	}
	return 0;
}

/* Parses every option area of MSG (LEN bytes, at least the fixed part
 * and the cookie).  Returns 0, or -1 on a truncated option. */
static int dhcp_parse_options(const uint8_t *msg, size_t len,
			      struct dhcp_opt_in *opts)
{
	const struct dhcp_opt_in *ov = &opts[OPT_OVERLOAD];

	if (dhcp_parse_area(msg + DHCP_OPTIONS_OFF, len - DHCP_OPTIONS_OFF,
			    opts) < 0)
		return -1;
	if (!ov->present || ov->len != 1)
		return 0;
	/* RFC 2132 9.3: 1 = file holds options, 2 = sname, 3 = both */
	if ((ov->val[0] & 1) &&
	    dhcp_parse_area(msg + DHCP_FILE_OFF, DHCP_FILE_LEN, opts) < 0)
		return -1;
	if ((ov->val[0] & 2) &&
	    dhcp_parse_area(msg + DHCP_SNAME_OFF, DHCP_SNAME_LEN, opts) < 0)
		return -1;
	return 0;
}

/* Stages LEN bytes as the value of option CODE; a value that no longer
 * fits is left out (the reply stays valid without it). */
static void opt_set(struct dhcp_opts_out *o, uint8_t code, const void *val,
		    size_t len)
{
	if (len > sizeof(o->pool) - o->pool_used)
		return;
	memcpy(o->pool + o->pool_used, val, len);
	o->off[code] = (uint16_t)o->pool_used;
	o->len[code] = (uint16_t)len;
	o->set[code] = true;
	o->pool_used += len;
}

static void opt_set_be32(struct dhcp_opts_out *o, uint8_t code, uint32_t v)
{
	uint8_t b[4];

	ip_put_be32(b, v);
	opt_set(o, code, b, sizeof(b));
}

static uint32_t dhcp_prefix_mask(int prefix_len)
{
	if (prefix_len <= 0)
		return 0;
	if (prefix_len >= 32)
		return 0xffffffffU;
	return 0xffffffffU << (32 - prefix_len);
}

static void dhcp_stage_dns(const struct ctx *c, struct dhcp_opts_out *o)
{
	/* n_dns is what the guest is told (0: --no-dhcp-dns, or none) */
	if (c->ip4.n_dns <= 0 || c->ip4.n_dns > CTX_MAX_DNS)
		return;
	/* a forwarded DNS address is the one the guest must use */
	if (c->ip4.dns_match.s_addr)
		opt_set(o, OPT_DNS, &c->ip4.dns_match, 4);
	else
		opt_set(o, OPT_DNS, c->ip4.dns, 4 * (size_t)c->ip4.n_dns);
}

/* RFC 3397: the search domains, one encoded name after another. */
static void dhcp_stage_search(const struct ctx *c, struct dhcp_opts_out *o)
{
	uint8_t list[CTX_MAX_SEARCH * (CTX_NAME_MAX + 2)];
	size_t used = 0;
	int i, n;

	for (i = 0; i < c->n_search && i < CTX_MAX_SEARCH; i++) {
		n = ip_dns_name_encode(list + used, sizeof(list) - used,
				       c->search[i]);
		if (n > 0)
			used += (size_t)n;
	}
	if (used)
		opt_set(o, OPT_SEARCH, list, used);
}

/* RFC 4702: flags, two RCODEs (255, as servers send them), the name.
 * Flags as passt sends them: only E (the name is in wire format); the
 * option tells the guest its name, no DNS update is negotiated. */
static void dhcp_stage_fqdn(const struct ctx *c, struct dhcp_opts_out *o)
{
	uint8_t v[3 + CTX_NAME_MAX + 2];
	int n;

	v[0] = FQDN_FLAG_E;
	v[1] = v[2] = 255;
	n = ip_dns_name_encode(v + 3, sizeof(v) - 3, c->fqdn);
	if (n > 0)
		opt_set(o, OPT_CLIENT_FQDN, v, 3 + (size_t)n);
}

/* RFC 3442: a host route to the gateway, then the default route via it,
 * for a gateway the guest could not otherwise reach. */
static void dhcp_stage_routes(const struct ctx *c, struct dhcp_opts_out *o)
{
	uint32_t mask = dhcp_prefix_mask(c->ip4.prefix_len);
	uint8_t v[1 + 4 + 4 + 1 + 4];

	if (!c->ip4.gw.s_addr ||
	    !((ntohl(c->ip4.gw.s_addr) ^ ntohl(c->ip4.addr.s_addr)) & mask))
		return;
	v[0] = 32;
	memcpy(v + 1, &c->ip4.gw, 4);
	memset(v + 5, 0, 4);
	v[9] = 0;
	memcpy(v + 10, &c->ip4.gw, 4);
	opt_set(o, OPT_CLASSLESS_ROUTES, v, sizeof(v));
}

static void dhcp_stage_lease(const struct ctx *c, struct dhcp_opts_out *o,
			     const struct dhcp_opt_in *in)
{
	uint8_t mtu[2];

	opt_set_be32(o, OPT_SUBNET_MASK, dhcp_prefix_mask(c->ip4.prefix_len));
	if (c->ip4.gw.s_addr)
		opt_set(o, OPT_ROUTER, &c->ip4.gw, 4);
	dhcp_stage_dns(c, o);
	if (c->hostname[0])
		opt_set(o, OPT_HOSTNAME, c->hostname,
			strnlen(c->hostname, sizeof(c->hostname)));
	if (c->mtu > 0 && c->mtu <= 65535) {
		ip_put_be16(mtu, (uint16_t)c->mtu);
		opt_set(o, OPT_MTU, mtu, sizeof(mtu));
	}
	opt_set_be32(o, OPT_LEASE_TIME, DHCP_LEASE_INFINITE);
	dhcp_stage_search(c, o);
	if (c->fqdn[0])
		dhcp_stage_fqdn(c, o);
	dhcp_stage_routes(c, o);
}

/* Writes staged option CODE at OUT + *pos, split in 255-byte pieces,
 * leaving room for the end option.  An option that does not fit whole is
 * left out. */
static void opt_write(const struct dhcp_opts_out *o, uint8_t code,
		      uint8_t *out, size_t *pos, size_t size, bool *written)
{
	size_t len = o->len[code], pieces = len ? (len + 254) / 255 : 1;
	const uint8_t *v = o->pool + o->off[code];

	if (!o->set[code] || written[code] ||
	    *pos + len + 2 * pieces + 1 > size)
		return;
	written[code] = true;
	do {
		size_t n = len > 255 ? 255 : len;

		out[(*pos)++] = code;
		out[(*pos)++] = (uint8_t)n;
		memcpy(out + *pos, v, n);
		*pos += n;
		v += n;
		len -= n;
	} while (len);
}

/* Lays out the staged options: the order of the parameter request list
 * (with the type first unless the list places it), then the rest in
 * numeric order, as passt.  Returns the area length. */
static size_t dhcp_write_options(const struct dhcp_opts_out *o,
				 const struct dhcp_opt_in *prl, uint8_t *out,
				 size_t size)
{
	bool written[OPT_NUM] = { false };
	size_t pos = 0;
	unsigned i;

	if (prl->present && !memchr(prl->val, OPT_MESSAGE_TYPE, prl->len))
		opt_write(o, OPT_MESSAGE_TYPE, out, &pos, size, written);
	for (i = 0; prl->present && i < prl->len; i++)
		opt_write(o, prl->val[i], out, &pos, size, written);
	for (i = 1; i < OPT_END; i++)
		opt_write(o, (uint8_t)i, out, &pos, size, written);
	out[pos++] = OPT_END;
	return pos;
}

/* Builds the reply of TYPE to REQ and sends it. */
static void dhcp_send_reply(struct ctx *c, const uint8_t *req,
			    const struct dhcp_opt_in *in, uint8_t type)
{
	static uint8_t frame[UDP4_PAYLOAD_OFF + DHCP_OPTIONS_OFF +
			     DHCP_REPLY_OPTIONS_MAX];
	static struct dhcp_opts_out o;
	uint8_t *msg = frame + UDP4_PAYLOAD_OFF;
	bool broadcast = type == DHCPNAK ||
			 (ip_get_be16(req + DHCP_FLAGS_OFF) & DHCP_FLAG_BROADCAST);
	struct in_addr dst = { htonl(INADDR_BROADCAST) };
	size_t len;
	struct iovec iov = { frame, 0 };

	memset(&o, 0, sizeof(o));
	opt_set(&o, OPT_MESSAGE_TYPE, &type, 1);
	opt_set(&o, OPT_SERVER_ID, &c->ip4.gw, 4);
	if (type != DHCPNAK)
		dhcp_stage_lease(c, &o, in);

	memset(msg, 0, DHCP_OPTIONS_OFF);
	msg[DHCP_OP_OFF] = BOOTREPLY;
	/* htype, hlen, xid (hops and secs stay 0) */
	memcpy(msg + DHCP_HTYPE_OFF, req + DHCP_HTYPE_OFF, 2);
	memcpy(msg + 4, req + 4, 4);
	memcpy(msg + DHCP_FLAGS_OFF, req + DHCP_FLAGS_OFF, 2);
	/* siaddr (next boot server) stays 0: there is none, as in passt;
	 * a NAK has ciaddr and yiaddr 0 too (RFC 2131 table 3) */
	if (type != DHCPNAK) {
		memcpy(msg + DHCP_CIADDR_OFF, req + DHCP_CIADDR_OFF, 4);
		memcpy(msg + DHCP_YIADDR_OFF, &c->ip4.addr, 4);
	}
	memcpy(msg + DHCP_GIADDR_OFF, req + DHCP_GIADDR_OFF, 4 + 16);
	ip_put_be32(msg + DHCP_MAGIC_OFF, DHCP_MAGIC);
	len = DHCP_OPTIONS_OFF +
	      dhcp_write_options(&o, &in[OPT_PARAM_REQUEST],
				 msg + DHCP_OPTIONS_OFF, DHCP_REPLY_OPTIONS_MAX);
	if (len < DHCP_REPLY_MIN_LEN) {
		memset(msg + len, 0, DHCP_REPLY_MIN_LEN - len);
		len = DHCP_REPLY_MIN_LEN;
	}
	if (!broadcast)
		dst = c->ip4.addr;
	iov.iov_len = ip_udp4_frame(frame,
				    broadcast ? ip_mac_broadcast
					      : req + DHCP_CHADDR_OFF,
				    c->our_tap_mac, c->ip4.gw, DHCP_SERVER_PORT,
				    dst, DHCP_CLIENT_PORT, len);
	tap_send_frame(c, &iov, 1);
}

/* The reply type for a request of TYPE (0: none, BOOTP), or 0 for none. */
static uint8_t dhcp_reply_type(const struct ctx *c, int type,
			       const struct dhcp_opt_in *in)
{
	const struct dhcp_opt_in *want = &in[OPT_REQUESTED_ADDR];

	if (type == DHCPDISCOVER)
		return DHCPOFFER;
	if (type != 0 && type != DHCPREQUEST)
		return 0; /* INFORM, RELEASE, DECLINE: nothing to do */
	if (want->present && want->len == 4 &&
	    memcmp(want->val, &c->ip4.addr, 4)) {
		debug("DHCP: NAK: guest asked for another address");
		return DHCPNAK;
	}
	return DHCPACK;
}

/* Reads the whole UDP payload of F into MSG (DHCP_REQUEST_MAX bytes).
 * Returns its length, or -1 (counted) if it is not a usable request. */
static int dhcp_read_request(struct ctx *c, const struct tap_frame *f,
			     uint8_t *msg)
{
	/* tap.c checked the UDP length: at least 8, within the packet */
	size_t len = ip_get_be16(f->hdr + f->l4_off + 4) - UDP_HDR_LEN;

	if (len < DHCP_OPTIONS_OFF) {
		ctx_drop(c, DROP_TOO_SHORT);
		return -1;
	}
	if (tap_frame_copy(f, f->payload_off, msg, len) < 0) {
		ctx_drop(c, DROP_TOO_SHORT);
		return -1;
	}
	if (msg[DHCP_OP_OFF] != BOOTREQUEST || msg[DHCP_HLEN_OFF] != ETH_ADDR_LEN ||
	    ip_get_be32(msg + DHCP_MAGIC_OFF) != DHCP_MAGIC) {
		ctx_drop(c, DROP_BAD_L4);
		return -1;
	}
	return (int)len;
}

int dhcp_handler(struct ctx *c, const struct tap_frame *f)
{
	static uint8_t msg[DHCP_REQUEST_MAX];
	struct dhcp_opt_in in[OPT_NUM];
	int len, type = 0, rc = -1;
	uint8_t reply;

	if (c->no_dhcp || !c->ip4.enabled) {
		ctx_drop(c, DROP_DISABLED);
		goto out;
	}
	len = dhcp_read_request(c, f, msg);
	if (len < 0)
		goto out;
	memset(in, 0, sizeof(in));
	if (dhcp_parse_options(msg, (size_t)len, in) < 0) {
		ctx_drop(c, DROP_BAD_L4);
		goto out;
	}
	if (in[OPT_MESSAGE_TYPE].present) {
		if (in[OPT_MESSAGE_TYPE].len != 1) {
			ctx_drop(c, DROP_BAD_L4);
			goto out;
		}
		type = in[OPT_MESSAGE_TYPE].val[0];
	}
	tap_guest_mac_seen(c, msg + DHCP_CHADDR_OFF);
	reply = dhcp_reply_type(c, type, in);
	if (reply)
		dhcp_send_reply(c, msg, in, reply);
	rc = 0;
out:
	return rc;
}
