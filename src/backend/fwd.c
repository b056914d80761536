// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Parsing of port forwarding specifications (-t / -u), in passt's syntax:
 * see fwd.h for the grammar and the map it fills.
 *
 * A SPEC is parsed in three steps, and nothing is written to the map
 * until all three succeeded, so a rejected SPEC leaves the map unchanged:
 *
 *  1. the optional "ADDR[%IFACE]/" prefix is parsed into a bind (an
 *     address and interface), found among those earlier specs gave or
 *     new;
 *  2. the comma-separated ranges are parsed into a small list, checking
 *     numbers (1-65535), range order, and that a target range has the
 *     length of its source range;
 *  3. excluded ranges ("~") must not overlap each other; included ports
 *     minus excluded ones are then checked against ports earlier specs
 *     already forward (on the same bind, or elsewhere to another guest
 *     port); only then is a new bind added and the ports marked.
 *
 * A SPEC made only of excluded ranges forwards every port outside the
 * ephemeral range except those, as "all" does.  Binding the sockets is the
 * TCP/UDP modules' business (flow.c); an accepted SPEC's text is kept so
 * that a port failing to bind there is reported with the option that
 * asked for it (fwd_option_of() parses the kept text again).
 *
 * Error messages follow passt's wording where passt has one.  This file
 * does no I/O besides reading the ephemeral port range.
 */
#include "backend/fwd.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Linux's default ip_local_port_range, used when /proc cannot be read. */
#define EPHEMERAL_FIRST_DEFAULT 32768
#define EPHEMERAL_LAST_DEFAULT 60999

/* Upper bound of comma-separated ranges in one SPEC: enough for any real
 * command line, and keeps the parse on the stack. */
#define MAX_RANGES 256

struct port_range {
	unsigned first, last;   /* host ports */
	unsigned to_first;      /* guest port for FIRST; 0: same as host */
	bool exclude;
};

void fwd_ephemeral_range(unsigned *first, unsigned *last)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	unsigned a, b;

	*first = EPHEMERAL_FIRST_DEFAULT;
	*last = EPHEMERAL_LAST_DEFAULT;
	if (!f)
		return;
	if (fscanf(f, "%u %u", &a, &b) == 2 && a <= b && b < FWD_NUM_PORTS) {
		*first = a;
		*last = b;
	}
	fclose(f);
}

static void set_forwarded(struct fwd_ports *fwd, unsigned port)
{
	fwd->forwarded[port / 8] |= 1U << (port % 8);
}

/* Parses a decimal port number from *S, advancing it.  Returns the
 * number, or -1 if there are no digits or it exceeds 65535. */
static long parse_port(const char **s)
{
	const char *p = *s;
	long v = 0;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (*p - '0');
		if (v >= FWD_NUM_PORTS)
			return -1;
		p++;
	}
	*s = p;
	return v;
}

/* Parses "[~]FIRST[-LAST][:TO_FIRST[-TO_LAST]]" from TOK (no commas).
 * Returns 0, or -1 if TOK is malformed. */
static int parse_range(const char *tok, struct port_range *r)
{
	const char *p = tok;
	long first, last, to_first = 0, to_last;

	r->exclude = *p == '~';
	if (r->exclude)
		p++;
	first = parse_port(&p);
	last = first;
	if (first < 0)
		return -1;
	if (*p == '-') {
		p++;
		last = parse_port(&p);
		if (last < first)
			return -1;
	}
	if (*p == ':' && !r->exclude) {
		p++;
		to_first = parse_port(&p);
		if (to_first <= 0)
			return -1;
		to_last = to_first + (last - first);
		if (*p == '-') {
			p++;
			if (parse_port(&p) != to_last)
				return -1;
		}
		if (to_last >= FWD_NUM_PORTS)
			return -1;
	}
	if (*p)
		return -1;
	r->first = first;
	r->last = last;
	r->to_first = to_first;
	return 0;
}

/* Splits the ranges of SPEC (after any address prefix) into RANGES.
 * Returns how many, or -1 on a malformed SPEC. */
static int parse_ranges(const char *ports, struct port_range *ranges)
{
	char tok[32];
	int n = 0;
	const char *p = ports;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (!len || len >= sizeof(tok) || n == MAX_RANGES)
			return -1;
		memcpy(tok, p, len);
		tok[len] = '\0';
		if (parse_range(tok, &ranges[n++]))
			return -1;
		if (!comma)
			return n;
		p = comma + 1;
	}
}

static bool ranges_overlap(const struct port_range *a,
			   const struct port_range *b)
{
	return a->first <= b->last && b->first <= a->last;
}

static bool port_excluded(const struct port_range *ranges, int n,
			  unsigned port)
{
	for (int i = 0; i < n; i++)
		if (ranges[i].exclude && port >= ranges[i].first &&
		    port <= ranges[i].last)
			return true;
	return false;
}

/* Parses "ADDR[%IFACE]" (either part may be empty) into B.
 * Returns 0, or -1 with a message in ERRBUF. */
static int parse_bind(const char *text, size_t len, struct fwd_bind *b,
		      char *errbuf, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + IFNAMSIZ + 4];
	char *pct;

	memset(b, 0, sizeof(*b));
	b->family = AF_UNSPEC;
	if (len >= sizeof(addr))
		goto bad;
	memcpy(addr, text, len);
	addr[len] = '\0';
	pct = strchr(addr, '%');
	if (pct) {
		*pct++ = '\0';
		if (!*pct || strlen(pct) >= IFNAMSIZ)
			goto bad;
		if (!if_nametoindex(pct)) {
			snprintf(errbuf, errlen, "Invalid interface name %s: %s",
				 pct, strerror(ENODEV));
			return -1;
		}
		strcpy(b->ifname, pct);
	}
	if (!*addr)
		return 0;
	if (inet_pton(AF_INET, addr, &b->addr.a4) == 1)
		b->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &b->addr.a6) == 1)
		b->family = AF_INET6;
	else
		goto bad;
	return 0;
bad:
	snprintf(errbuf, errlen, "Invalid address in port specifier %.*s",
		 (int)len, text);
	return -1;
}

/* Index of bind B in FWD: an earlier one, or n_binds if B is new (not
 * added: see bind_add()). */
static int bind_find(const struct fwd_ports *fwd, const struct fwd_bind *b)
{
	for (int i = 0; i < fwd->n_binds; i++)
		if (!memcmp(&fwd->binds[i], b, sizeof(*b)))
			return i;
	return fwd->n_binds;
}

/* Makes B bind number BI of FWD (bind_find()'s answer), adding it if new.
 * Returns 0, or -1 if FWD has no room for another one. */
static int bind_add(struct fwd_ports *fwd, const struct fwd_bind *b, int bi)
{
	if (bi < fwd->n_binds)
		return 0;
	if (fwd->n_binds == FWD_MAX_SPECS)
		return -1;
	fwd->binds[fwd->n_binds++] = *b;
	return 0;
}

/* Keeps the text of accepted SPEC, on bind BI, for fwd_option_of(). */
static void remember_option(struct fwd_ports *fwd, const char *spec, int bi)
{
	size_t len = strlen(spec) + 1;

	if (fwd->n_opts == FWD_MAX_OPTS ||
	    len > sizeof(fwd->opt_text) - fwd->opt_text_used)
		return;
	memcpy(fwd->opt_text + fwd->opt_text_used, spec, len);
	fwd->opt_at[fwd->n_opts] = fwd->opt_text_used;
	fwd->opt_bind[fwd->n_opts++] = (uint8_t)bi;
	fwd->opt_text_used = (uint16_t)(fwd->opt_text_used + len);
}

/* Forwards PORT on bind BI to guest port GUEST_PORT (0: the same). */
static void mark_port(struct fwd_ports *fwd, unsigned port, int bi,
		      unsigned guest_port)
{
	set_forwarded(fwd, port);
	fwd->binds_of[port] |= (uint16_t)(1U << bi);
	fwd->delta[port] = (uint16_t)(guest_port == port ? 0 : guest_port);
}

/* Marks every port outside the ephemeral range and not excluded. */
static void forward_all_but(struct fwd_ports *fwd,
			    const struct port_range *ranges, int n, int bi)
{
	unsigned eph_first, eph_last;

	fwd_ephemeral_range(&eph_first, &eph_last);
	for (unsigned port = 1; port < FWD_NUM_PORTS; port++) {
		if ((port >= eph_first && port <= eph_last) ||
		    port_excluded(ranges, n, port))
			continue;
		mark_port(fwd, port, bi, port);
	}
}

/* The guest port range R sends host port P to. */
static unsigned range_guest_port(const struct port_range *r, unsigned p)
{
	return r->to_first ? r->to_first + (p - r->first) : p;
}

/* Whether FWD already forwards host port P in a way that forwarding it
 * on bind BI to GUEST_PORT would alter: on that same bind, or to another
 * guest port (the map keeps one per host port). */
static bool port_taken(const struct fwd_ports *fwd, unsigned p, int bi,
		       unsigned guest_port)
{
	if (!fwd_port_is_forwarded(fwd, p))
		return false;
	return (fwd->binds_of[p] & (1U << bi)) ||
	       fwd_guest_port(fwd, p) != guest_port;
}

/* Checks the parsed RANGES of SPEC, for bind BI, against each other and
 * against FWD.  Returns 0, or -1 with a message in ERRBUF. */
static int check_ranges(const struct fwd_ports *fwd,
			const struct port_range *ranges, int n, int bi,
			const char *spec, char *errbuf, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		if (ranges[i].first == 0) {
			snprintf(errbuf, errlen,
				 "Can't forward port 0 in '%s'", spec);
			return -1;
		}
		for (int j = 0; j < i; j++) {
			if (ranges[i].exclude != ranges[j].exclude ||
			    !ranges_overlap(&ranges[i], &ranges[j]))
				continue;
			snprintf(errbuf, errlen, ranges[i].exclude ?
				 "Overlapping excluded ranges %s" :
				 "Altering mapping of already mapped port number: %s",
				 spec);
			return -1;
		}
	}
	for (int i = 0; i < n; i++) {
		if (ranges[i].exclude)
			continue;
		for (unsigned p = ranges[i].first; p <= ranges[i].last; p++) {
			if (port_excluded(ranges, n, p))
				continue;
			if (port_taken(fwd, p, bi,
				       range_guest_port(&ranges[i], p))) {
				snprintf(errbuf, errlen,
					 "Altering mapping of already mapped port number: %s",
					 spec);
				return -1;
			}
		}
	}
	return 0;
}

static void mark_ranges(struct fwd_ports *fwd, const struct port_range *ranges,
			int n, int bi)
{
	for (int i = 0; i < n; i++) {
		const struct port_range *r = &ranges[i];

		if (r->exclude)
			continue;
		for (unsigned p = r->first; p <= r->last; p++)
			if (!port_excluded(ranges, n, p))
				mark_port(fwd, p, bi, range_guest_port(r, p));
	}
}

/* passt's words when a keyword, or a SPEC that means "all", follows
 * another spec. */
static int mode_conflict(const char *spec, char *errbuf, size_t errlen)
{
	snprintf(errbuf, errlen,
		 "Port forwarding mode '%s' conflicts with previous mode", spec);
	return -1;
}

/* Handles the keywords none, all, auto.  Returns 1 if SPEC was one
 * (0 or -1 are then stored in *RC), 0 if it is not a keyword. */
static int parse_keyword(struct fwd_ports *fwd, const char *spec, int *rc,
			 char *errbuf, size_t errlen)
{
	bool is_none = !strcmp(spec, "none"), is_all = !strcmp(spec, "all");

	if (!strcmp(spec, "auto")) {
		snprintf(errbuf, errlen,
			 "'auto' port forwarding is only allowed for pasta");
		*rc = -1;
		return 1;
	}
	struct fwd_bind any;

	if (!is_none && !is_all)
		return 0;
	if (fwd->mode != FWD_NONE || fwd->none_given) {
		*rc = mode_conflict(spec, errbuf, errlen);
		return 1;
	}
	*rc = 0;
	if (is_none) {
		fwd->none_given = true;
		return 1;
	}
	/* the mode was none: no spec has added a bind yet */
	memset(&any, 0, sizeof(any));
	any.family = AF_UNSPEC;
	bind_add(fwd, &any, bind_find(fwd, &any));
	forward_all_but(fwd, NULL, 0, 0);
	remember_option(fwd, spec, 0);
	fwd->mode = FWD_ALL;
	return 1;
}

int fwd_parse_spec(struct fwd_ports *fwd, const char *spec, char *errbuf,
		   size_t errlen)
{
	struct port_range ranges[MAX_RANGES];
	struct fwd_bind bind;
	const char *slash = strrchr(spec, '/'), *ports = spec;
	bool only_excludes = true;
	int n, bi, rc;

	if (parse_keyword(fwd, spec, &rc, errbuf, errlen))
		return rc;
	if (fwd->none_given || fwd->mode == FWD_ALL) {
		snprintf(errbuf, errlen,
			 "Specific ports cannot be specified together with all/none/auto");
		return -1;
	}
	memset(&bind, 0, sizeof(bind));
	bind.family = AF_UNSPEC;
	if (slash) {
		if (parse_bind(spec, slash - spec, &bind, errbuf, errlen))
			return -1;
		ports = slash + 1;
	}
	n = parse_ranges(ports, ranges);
	if (n < 0) {
		snprintf(errbuf, errlen, "Invalid port specifier %s", spec);
		return -1;
	}
	bi = bind_find(fwd, &bind);
	if (check_ranges(fwd, ranges, n, bi, spec, errbuf, errlen))
		return -1;
	for (int i = 0; i < n; i++)
		only_excludes &= ranges[i].exclude;
	/* "all but these" after explicit ports: refused before it adds
	 * anything, so a refused spec leaves no bind and no port behind */
	if (only_excludes && fwd->mode != FWD_NONE)
		return mode_conflict(spec, errbuf, errlen);
	if (bind_add(fwd, &bind, bi)) {
		snprintf(errbuf, errlen,
			 "Too many addresses in port specifiers (at most %d): %s",
			 FWD_MAX_SPECS, spec);
		return -1;
	}
	remember_option(fwd, spec, bi);
	if (only_excludes) {
		forward_all_but(fwd, ranges, n, bi);
		fwd->mode = FWD_ALL;
		return 0;
	}
	mark_ranges(fwd, ranges, n, bi);
	fwd->mode = FWD_SPEC;
	return 0;
}

/* Whether the parsed RANGES of one SPEC forward host PORT. */
static bool ranges_forward(const struct port_range *ranges, int n,
			   unsigned port)
{
	bool only_excludes = true;

	if (port_excluded(ranges, n, port))
		return false;
	for (int i = 0; i < n; i++) {
		only_excludes &= ranges[i].exclude;
		if (!ranges[i].exclude && port >= ranges[i].first &&
		    port <= ranges[i].last)
			return true;
	}
	return only_excludes;
}

const char *fwd_option_of(const struct fwd_ports *fwd, int bi, unsigned port)
{
	struct port_range ranges[MAX_RANGES];

	for (int i = 0; i < fwd->n_opts; i++) {
		const char *text = fwd->opt_text + fwd->opt_at[i];
		const char *slash = strrchr(text, '/');
		int n;

		if (fwd->opt_bind[i] != bi)
			continue;
		if (!strcmp(text, "all"))
			return text;
		n = parse_ranges(slash ? slash + 1 : text, ranges);
		if (n > 0 && ranges_forward(ranges, n, port))
			return text;
	}
	return NULL;
}
