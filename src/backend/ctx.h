/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * struct ctx: vunetd's whole state, one instance, set up at start.
 *
 * conf.c fills the configuration part from the command line and the host
 * (default-route interface, its addresses and gateway, /etc/resolv.conf).
 * The per-protocol modules read the configuration and update only the
 * "seen" fields (what the guest actually uses) and the counters.
 * Everything is sized here or at start: nothing in the data path allocates.
 *
 * Addressing model, as passt's: by default the guest gets the host's own
 * address, prefix and gateway (link-local ones on a host without routes:
 * local mode, see conf.c).  vunetd answers ARP/NDP for every address
 * but the guest's own with its MAC (our_tap_mac); traffic the guest sends
 * to the gateway address (map_host_loopback) goes to the host's loopback.
 */
#ifndef VUNET_BACKEND_CTX_H
#define VUNET_BACKEND_CTX_H

#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#include "backend/fwd.h"

#define CTX_MAX_DNS 4
#define CTX_MAX_SEARCH 8
#define CTX_NAME_MAX 256 /* hostname / fqdn / search domain */

enum ctx_mode {
	MODE_STREAM, /* qemu "stream" protocol: 4-byte length + frame */
	MODE_VU,     /* vhost-user */
};

/* Why a frame was dropped: counted, logged on SIGUSR1 and at exit. */
enum drop_reason {
	DROP_TOO_SHORT,     /* shorter than its headers claim */
	DROP_BAD_L2,        /* unknown ethertype, bad Ethernet header */
	DROP_BAD_L3,        /* bad IP header: version, length, fragments */
	DROP_BAD_CSUM,      /* checksum mismatch (no offload negotiated) */
	DROP_BAD_L4,        /* malformed TCP/UDP/ICMP header or option */
	DROP_UNHANDLED,     /* well-formed but nothing to do with it */
	DROP_DISABLED,      /* protocol disabled on the command line */
	DROP_NO_FLOW,       /* flow table full or flow unknown */
	DROP_HOST_ERROR,    /* host socket refused it */
	DROP_RX_NO_BUFFERS, /* guest had no RX buffers: frame not delivered */
	DROP_BAD_DESCRIPTOR, /* bogus virtqueue descriptor from the guest */
	DROP_BAD_STREAM,    /* bad length prefix on the stream protocol */
	DROP_TOO_BIG,       /* host datagram larger than a frame can carry */
	DROP_BAD_OFFLOAD,   /* virtio-net header asks for an offload that
			     * was not negotiated */
	DROP_TOO_LONG,      /* frame above 64 KiB of IP packet */
	DROP_NUM_REASONS,
};

struct ctx_stats {
	uint64_t frames_from_guest, bytes_from_guest;
	uint64_t frames_to_guest, bytes_to_guest;
	uint64_t drops[DROP_NUM_REASONS];
	/* accept() on a forwarded port ran out of file descriptors (the
	 * port then pauses, see tcp.c) */
	uint64_t accept_no_fd;
	/* ACKs of guest data held back for host data to carry (tcp.c), and
	 * how many of those the timer had to send alone */
	uint64_t ack_delayed, ack_delay_expired;
};

struct ip4_ctx {
	bool enabled;             /* not disabled by -6 / no address */
	struct in_addr addr;      /* guest address (host's, or -a) */
	struct in_addr addr_seen; /* source the guest actually uses */
	int prefix_len;
	struct in_addr gw;        /* gateway given to the guest */
	struct in_addr map_host_loopback; /* mapped to 127.0.0.1; 0: none */
	struct in_addr dns[CTX_MAX_DNS]; /* given to the guest */
	int n_dns;
	struct in_addr dns_match; /* --dns-forward: guest's DNS target */
	struct in_addr dns_host;  /* where --dns-forward queries go */
	struct in_addr addr_out;  /* -o: source for host sockets; 0: any */
	char ifname_out[IFNAMSIZ];
	struct in_addr map_guest_addr; /* --map-guest-addr; 0: none */
};

struct ip6_ctx {
	bool enabled;
	struct in6_addr addr;         /* guest global address */
	struct in6_addr addr_seen;
	struct in6_addr addr_ll_seen; /* guest link-local */
	int prefix_len;               /* always 64 towards the guest */
	struct in6_addr gw;
	struct in6_addr our_tap_ll;   /* our link-local (RA source) */
	struct in6_addr map_host_loopback;
	struct in6_addr dns[CTX_MAX_DNS];
	int n_dns;
	struct in6_addr dns_match;
	struct in6_addr dns_host;
	struct in6_addr addr_out;
	char ifname_out[IFNAMSIZ];
	struct in6_addr map_guest_addr;
};

struct ctx {
	enum ctx_mode mode;
	int epollfd;

	/* front-end connection */
	char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd_listen;   /* listening unix socket, -1 if none */
	int fd_conn;     /* connected stream socket (MODE_STREAM), or -1 */
	bool one_off;    /* exit when the front-end disconnects */
	bool foreground;
	char pidfile[PATH_MAX];
	char logfile[PATH_MAX];
	char runas[64];
	uid_t uid;       /* to run as when started as root (--runas/nobody) */
	gid_t gid;
	bool fd_given;   /* -F: fd_conn was passed in, there is no socket */
	struct vu_dev *vdev; /* MODE_VU */

	/* link */
	char ifname[IFNAMSIZ]; /* host interface addresses come from */
	bool local_mode;       /* none: link-local addresses (conf.c) */
	unsigned ifi4, ifi6;
	unsigned char our_tap_mac[6];
	unsigned char guest_mac[6]; /* learnt from the guest's frames */
	bool guest_mac_known;
	int mtu;

	struct ip4_ctx ip4;
	struct ip6_ctx ip6;
	char hostname[CTX_NAME_MAX];
	char fqdn[CTX_NAME_MAX];
	char search[CTX_MAX_SEARCH][CTX_NAME_MAX];
	int n_search;

	bool no_dhcp, no_ndp, no_dhcpv6, no_ra, no_icmp, no_tcp, no_udp;
	bool no_map_gw; /* --map-host-loopback none / --no-map-gw */
	bool no_dhcp_dns, no_dhcp_search; /* leave them out of DHCP/NDP */
	bool freebind;  /* --freebind: bind forwarded ports to any address */

	struct fwd_ports tcp_fwd, udp_fwd; /* -t / -u */

	struct ctx_stats stats;
};

/* Counts a dropped frame. */
static inline void ctx_drop(struct ctx *c, enum drop_reason reason)
{
	c->stats.drops[reason]++;
}

#endif /* VUNET_BACKEND_CTX_H */
