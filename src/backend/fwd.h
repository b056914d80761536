/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Port forwarding specifications (-t / -u), in passt's syntax:
 *
 *   none | auto | all | [ADDR[%IFACE]/]PORTS[,PORTS...]
 *   PORTS: [~]FIRST[-LAST][:TO_FIRST[-TO_LAST]]
 *
 * A leading '~' excludes a range.  "all" forwards every port not excluded
 * outside the host's ephemeral range; a SPEC made only of excluded ranges
 * means the same.  fwd.c parses a SPEC into a 65536-entry map, so lookups in
 * the data path are one array access: for each host port, whether it is
 * forwarded and to which guest port.
 *
 * Several -t (or -u) options add up.  A port may be forwarded again on
 * another address (libvirt gives one -t per <portForward> address, and
 * passt listens on each), to the same guest port: the map holds one guest
 * port per host port.  The same port twice on one address, or to two
 * guest ports, is refused at parse time (passt warns, then the second
 * bind fails or the first mapping silently changes).  none/all cannot be
 * combined with explicit ports, nor each other.  "auto" (forward the
 * ports a namespace binds) only makes sense for pasta: refused, with
 * passt's message, as passt refuses it.
 */
#ifndef VUNET_BACKEND_FWD_H
#define VUNET_BACKEND_FWD_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define FWD_NUM_PORTS 65536
#define FWD_MAX_SPECS 16 /* addresses: one bit each in binds_of[] */
#define FWD_MAX_OPTS 64        /* options remembered for messages */
#define FWD_OPT_TEXT_LEN 4096  /* their text, NUL-separated */

enum fwd_mode {
	FWD_NONE = 0,
	FWD_SPEC,  /* explicit ports */
	FWD_ALL,   /* every port but the excluded ones */
};

/* One bound address for a group of ports: -t ADDR%IF/PORTS. */
struct fwd_bind {
	int family;          /* AF_UNSPEC: any address */
	union {
		struct in_addr a4;
		struct in6_addr a6;
	} addr;
	char ifname[IFNAMSIZ]; /* "" if none */
};

struct fwd_ports {
	enum fwd_mode mode;
	/* bit set: host port forwarded */
	uint8_t forwarded[FWD_NUM_PORTS / 8];
	/* host port -> guest port (0 when not remapped) */
	uint16_t delta[FWD_NUM_PORTS];
	/* bit B set: the host port listens on binds[B] */
	uint16_t binds_of[FWD_NUM_PORTS];
	struct fwd_bind binds[FWD_MAX_SPECS];
	int n_binds;
	bool none_given; /* "none" was given: no other spec may follow */
	/* The accepted options as written, so that a port that cannot be
	 * bound later is reported with the option that asked for it:
	 * option I is opt_text + opt_at[I], on bind opt_bind[I].  Options
	 * beyond the room here are forwarded but not remembered. */
	char opt_text[FWD_OPT_TEXT_LEN];
	uint16_t opt_text_used;
	uint16_t opt_at[FWD_MAX_OPTS];
	uint8_t opt_bind[FWD_MAX_OPTS];
	int n_opts;
};

_Static_assert(FWD_MAX_SPECS <= 16, "binds_of[] has 16 bits per port");

/* Parses one -t/-u argument into FWD (may be called repeatedly).
 * Returns 0, or -1 with a message for the user in ERRBUF. */
int fwd_parse_spec(struct fwd_ports *fwd, const char *spec, char *errbuf,
		   size_t errlen);

/* The option (as given to fwd_parse_spec()) that forwards host PORT on
 * bind BI, or NULL if it was not remembered. */
const char *fwd_option_of(const struct fwd_ports *fwd, int bi, unsigned port);

/* The ephemeral port range "all" leaves alone (from
 * /proc/sys/net/ipv4/ip_local_port_range, or Linux's default). */
void fwd_ephemeral_range(unsigned *first, unsigned *last);

static inline bool fwd_port_is_forwarded(const struct fwd_ports *fwd,
					 unsigned port)
{
	return fwd->forwarded[port / 8] & (1U << (port % 8));
}

/* The guest port a forwarded host PORT goes to. */
static inline unsigned fwd_guest_port(const struct fwd_ports *fwd,
				      unsigned port)
{
	return fwd->delta[port] ? fwd->delta[port] : port;
}

#endif /* VUNET_BACKEND_FWD_H */
