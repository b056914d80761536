// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vunetd's configuration: the command line, compatible with passt's (so
 * libvirt and QEMU can start vunetd where they would start passt), and
 * defaults taken from the host for everything the command line leaves out.
 *
 * conf_parse() works in three passes over a zeroed struct ctx:
 *  1. options: each one is checked and stored as it comes; a bad value is
 *     reported with passt's message and the parse stops.  Which addresses
 *     were given explicitly is kept in a struct given, local to the parse;
 *  2. host defaults: the template interface is -i, or that of the default
 *     route (read with rtnetlink, netlink.c).  Per family, the guest gets
 *     what was not given: the interface's address and prefix, the route's
 *     gateway.  A family with neither a host default route nor an
 *     address on the command line is disabled, as in passt.  The gateway
 *     is also the address that maps to the host's loopback unless
 *     --map-host-loopback / --no-map-gw say otherwise.
 *     Local mode, as passt's: without -i, when no family that -4/-6 leave
 *     in has any route off this machine (no route at all but through
 *     loopback or to link-local destinations: an offline laptop, a fresh
 *     namespace), there is no template.  The guest then gets link-local
 *     addressing, whatever -a/-n/-g said for IPv4 and -g for IPv6, and
 *     both families even with -4 or -6 (passt does the same): IPv4
 *     169.254.2.1/16 via 169.254.2.2, IPv6 its -a address or none (it
 *     keeps its link-local one) via our fe80::1; the gateways map to the
 *     host's loopback as usual.  --outbound-if4/6 then has no usable
 *     interface and is an error.  DNS servers and the
 *     search list come from /etc/resolv.conf; a loopback resolver (such as
 *     systemd-resolved's 127.0.0.53) is offered to the guest as the mapped
 *     gateway address, which leads back to it;
 *  3. consistency: -4 with -6, an MTU too small for IPv6 (warning; not
 *     in local mode, where passt does not give it either).
 *
 * --help, --version and --print-capabilities print and end the parse with
 * CONF_EXIT_SUCCESS; the caller exits.  Nothing here starts anything:
 * sockets, the pid file and daemonizing belong to vunetd.c.  Options that
 * make no sense for vunetd (pasta's -T/-U, --pcap) are refused rather than
 * silently ignored; --repair-path and --log-size are accepted because
 * libvirt or QEMU may pass them, and have no effect (no migration repair
 * helper, no log rotation).
 */
#include "backend/conf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/ctx.h"
#include "backend/fwd.h"
#include "backend/isolation.h"
#include "backend/netlink.h"
#include "util/log.h"

#define HOSTNAME_MAX 64 /* as passt: a single DNS label's worth, +1 */

const char *conf_resolv_conf_path = "/etc/resolv.conf";

/* What the command line set explicitly, so host defaults fill the rest. */
struct given {
	bool addr4, addr6, prefix4, gw4, gw6, map4, map6;
	bool dns, dns_none, search, search_none;
	bool v4_only, v6_only;
	bool ifname;
};

enum {
	OPT_VERSION = 256, OPT_VHOST_USER, OPT_PRINT_CAPS, OPT_REPAIR_PATH,
	OPT_LOG_SIZE, OPT_RUNAS, OPT_TRACE, OPT_NO_DHCP, OPT_NO_NDP,
	OPT_NO_DHCPV6, OPT_NO_RA, OPT_NO_ICMP, OPT_NO_TCP, OPT_NO_UDP,
	OPT_NO_MAP_GW, OPT_MAP_HOST_LOOPBACK, OPT_MAP_GUEST_ADDR,
	OPT_DNS_FORWARD, OPT_DNS_HOST, OPT_FQDN, OPT_NO_DHCP_DNS,
	OPT_NO_DHCP_SEARCH, OPT_OUTBOUND_IF4, OPT_OUTBOUND_IF6, OPT_FREEBIND,
};

static const char short_opts[] = "dqfl:hs:F:p:P:m:a:n:M:g:i:o:D:S:H:46t:u:T:U:1";

static const struct option long_opts[] = {
	{ "debug", no_argument, NULL, 'd' },
	{ "trace", no_argument, NULL, OPT_TRACE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "log-file", required_argument, NULL, 'l' },
	{ "log-size", required_argument, NULL, OPT_LOG_SIZE },
	{ "runas", required_argument, NULL, OPT_RUNAS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "socket", required_argument, NULL, 's' },
	{ "socket-path", required_argument, NULL, 's' },
	{ "vhost-user", no_argument, NULL, OPT_VHOST_USER },
	{ "print-capabilities", no_argument, NULL, OPT_PRINT_CAPS },
	{ "repair-path", required_argument, NULL, OPT_REPAIR_PATH },
	{ "fd", required_argument, NULL, 'F' },
	{ "pcap", required_argument, NULL, 'p' },
	{ "pid", required_argument, NULL, 'P' },
	{ "mtu", required_argument, NULL, 'm' },
	{ "address", required_argument, NULL, 'a' },
	{ "netmask", required_argument, NULL, 'n' },
	{ "mac-addr", required_argument, NULL, 'M' },
	{ "gateway", required_argument, NULL, 'g' },
	{ "interface", required_argument, NULL, 'i' },
	{ "outbound", required_argument, NULL, 'o' },
	{ "outbound-if4", required_argument, NULL, OPT_OUTBOUND_IF4 },
	{ "outbound-if6", required_argument, NULL, OPT_OUTBOUND_IF6 },
	{ "dns", required_argument, NULL, 'D' },
	{ "search", required_argument, NULL, 'S' },
	{ "hostname", required_argument, NULL, 'H' },
	{ "fqdn", required_argument, NULL, OPT_FQDN },
	{ "no-dhcp-dns", no_argument, NULL, OPT_NO_DHCP_DNS },
	{ "no-dhcp-search", no_argument, NULL, OPT_NO_DHCP_SEARCH },
	{ "map-host-loopback", required_argument, NULL, OPT_MAP_HOST_LOOPBACK },
	{ "map-guest-addr", required_argument, NULL, OPT_MAP_GUEST_ADDR },
	{ "dns-forward", required_argument, NULL, OPT_DNS_FORWARD },
	{ "dns-host", required_argument, NULL, OPT_DNS_HOST },
	{ "no-tcp", no_argument, NULL, OPT_NO_TCP },
	{ "no-udp", no_argument, NULL, OPT_NO_UDP },
	{ "no-icmp", no_argument, NULL, OPT_NO_ICMP },
	{ "no-dhcp", no_argument, NULL, OPT_NO_DHCP },
	{ "no-ndp", no_argument, NULL, OPT_NO_NDP },
	{ "no-dhcpv6", no_argument, NULL, OPT_NO_DHCPV6 },
	{ "no-ra", no_argument, NULL, OPT_NO_RA },
	{ "no-map-gw", no_argument, NULL, OPT_NO_MAP_GW },
	{ "freebind", no_argument, NULL, OPT_FREEBIND },
	{ "ipv4-only", no_argument, NULL, '4' },
	{ "ipv6-only", no_argument, NULL, '6' },
	{ "one-off", no_argument, NULL, '1' },
	{ "tcp-ports", required_argument, NULL, 't' },
	{ "udp-ports", required_argument, NULL, 'u' },
	{ NULL, 0, NULL, 0 },
};

void conf_usage(FILE *f, const char *prog)
{
	fprintf(f,
"Usage: %s [OPTION]...\n"
"\n"
"  -d, --debug             Log debug messages too\n"
"      --trace             Same as --debug\n"
"  -q, --quiet             Log only warnings and errors\n"
"  -f, --foreground        Stay in the foreground (default: daemonize\n"
"                          once the socket listens)\n"
"  -l, --log-file PATH     Log to PATH only\n"
"      --log-size BYTES    Accepted for compatibility, no effect\n"
"      --runas UID[:GID]|USER[:GROUP]\n"
"                          Identity to switch to when started as root\n"
"                          (default: nobody)\n"
"  -h, --help              Show this help and exit\n"
"      --version           Show the version and exit\n"
"  -s, --socket, --socket-path PATH\n"
"                          UNIX domain socket to listen on (default: first\n"
"                          free one of /tmp/vunetd_1.socket, _2, ...)\n"
"      --vhost-user        Speak vhost-user on the socket (default: qemu's\n"
"                          stream protocol, 4-byte length + frame)\n"
"      --print-capabilities\n"
"                          Print the vhost-user back-end capabilities (JSON)\n"
"      --repair-path PATH  Accepted for compatibility, no effect\n"
"  -F, --fd FD             Use FD, an already connected socket\n"
"  -P, --pid FILE          Write the daemon's PID to FILE\n"
"  -1, --one-off           Exit when the front-end disconnects\n"
"  -m, --mtu MTU           MTU given to the guest (0: none; default 65520)\n"
"  -a, --address ADDR      Guest IPv4 or IPv6 address (default: the host's)\n"
"  -n, --netmask MASK      Guest IPv4 netmask, dotted or prefix length\n"
"  -M, --mac-addr ADDR     Our MAC address (default 9a:55:9a:55:9a:55)\n"
"  -g, --gateway ADDR      Guest IPv4 or IPv6 gateway (default: the host's)\n"
"                          Without any route off the host: local mode,\n"
"                          169.254.2.1/16 via 169.254.2.2, IPv6 via fe80::1\n"
"  -i, --interface NAME    Host interface to take addresses and routes from\n"
"                          (default: that of the default route)\n"
"  -o, --outbound ADDR     Source address for host-side sockets\n"
"      --outbound-if4 NAME, --outbound-if6 NAME\n"
"                          Interface to bind host-side sockets to\n"
"  -D, --dns ADDR          DNS server for the guest (repeatable; \"\" for\n"
"                          none; default: from /etc/resolv.conf)\n"
"  -S, --search LIST       Space-separated DNS search list (\"\" for none)\n"
"  -H, --hostname NAME     Hostname for the guest (DHCP)\n"
"      --fqdn NAME         FQDN for the guest (DHCP/DHCPv6)\n"
"      --no-dhcp-dns       No DNS servers in DHCP/DHCPv6/NDP\n"
"      --no-dhcp-search    No search list in DHCP/DHCPv6/NDP\n"
"      --map-host-loopback ADDR|none\n"
"                          Guest address that reaches the host's loopback\n"
"                          (default: the gateway)\n"
"      --map-guest-addr ADDR|none\n"
"                          Address that reaches the guest's own address\n"
"      --dns-forward ADDR  Guest DNS queries to ADDR go to --dns-host\n"
"      --dns-host ADDR     Where forwarded DNS queries go (default: the\n"
"                          first nameserver of /etc/resolv.conf)\n"
"      --no-tcp, --no-udp, --no-icmp, --no-dhcp, --no-ndp, --no-dhcpv6,\n"
"      --no-ra             Disable that protocol\n"
"      --no-map-gw         Same as --map-host-loopback none\n"
"      --freebind          Bind forwarded ports to non-local addresses too\n"
"  -4, --ipv4-only         IPv4 only\n"
"  -6, --ipv6-only         IPv6 only\n"
"  -t, --tcp-ports SPEC    Forward host TCP ports to the guest\n"
"  -u, --udp-ports SPEC    Forward host UDP ports to the guest\n"
"      SPEC: none | all | [ADDR[%%IFACE]/]PORTS[,PORTS...]\n"
"      PORTS: [~]FIRST[-LAST][:TO_FIRST[-TO_LAST]]  ('~' excludes)\n"
"      e.g. -t 22  -t 2222:22  -t 127.0.0.1/8080  -t 1000-2000,~1500\n",
		prog);
}

/* Parses an unsigned decimal number within [0, MAX].  Returns it, or -1. */
static long parse_num(const char *s, long max)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	return v;
}

static int parse_mac(const char *s, unsigned char mac[6])
{
	unsigned int b[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != 6 || strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

/* Parses an IPv4 netmask, dotted or as a prefix length.  Returns the
 * prefix length, or -1 (a mask must be contiguous). */
static int parse_netmask(const char *s)
{
	struct in_addr a;
	uint32_t m;
	int len = 0;

	if (!strchr(s, '.'))
		return (int)parse_num(s, 32);
	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	m = ntohl(a.s_addr);
	while (m & 0x80000000U) {
		len++;
		m <<= 1;
	}
	return m ? -1 : len;
}

/* Parses an address of either family into A4 or A6.  Returns AF_INET,
 * AF_INET6, or -1. */
static int parse_addr(const char *s, struct in_addr *a4, struct in6_addr *a6)
{
	if (inet_pton(AF_INET, s, a4) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, a6) == 1)
		return AF_INET6;
	return -1;
}

static bool addr4_usable(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);

	return h && h != INADDR_BROADCAST && !IN_MULTICAST(h);
}

static bool addr6_usable(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_MULTICAST(a) &&
	       !IN6_IS_ADDR_LOOPBACK(a);
}

static int add_dns(struct ctx *c, const char *s)
{
	struct in_addr a4;
	struct in6_addr a6;

	switch (parse_addr(s, &a4, &a6)) {
	case AF_INET:
		if (c->ip4.n_dns == CTX_MAX_DNS)
			return -1;
		c->ip4.dns[c->ip4.n_dns++] = a4;
		return 0;
	case AF_INET6:
		if (c->ip6.n_dns == CTX_MAX_DNS)
			return -1;
		c->ip6.dns[c->ip6.n_dns++] = a6;
		return 0;
	default:
		return -1;
	}
}

/* Splits a space-separated search LIST into c->search.  Returns 0 or -1. */
static int set_search(struct ctx *c, const char *list)
{
	const char *p = list;

	c->n_search = 0;
	while (*p) {
		size_t len;

		while (*p == ' ')
			p++;
		len = strcspn(p, " ");
		if (!len)
			break;
		if (len >= CTX_NAME_MAX || c->n_search == CTX_MAX_SEARCH)
			return -1;
		memcpy(c->search[c->n_search], p, len);
		c->search[c->n_search++][len] = '\0';
		p += len;
	}
	return 0;
}

static int set_ifname(char *dst, const char *name)
{
	if (strlen(name) >= IFNAMSIZ || !if_nametoindex(name))
		return -1;
	strcpy(dst, name);
	return 0;
}

static int copy_str(char *dst, size_t size, const char *s)
{
	if (strlen(s) >= size)
		return -1;
	strcpy(dst, s);
	return 0;
}

/* Handles an address option: -a, -g, -o, --map-*, --dns-*.  Returns 0
 * or -1 (reported). */
static int opt_address(struct ctx *c, struct given *g, int opt,
		       const char *arg)
{
	struct in_addr a4;
	struct in6_addr a6;
	int family = parse_addr(arg, &a4, &a6);
	bool v4 = family == AF_INET;

	switch (opt) {
	case 'a':
		if (family < 0 || (v4 && (g->addr4 || !addr4_usable(a4))) ||
		    (!v4 && (g->addr6 || !addr6_usable(&a6))))
			goto bad;
		if (v4) {
			c->ip4.addr = a4;
			g->addr4 = true;
		} else {
			c->ip6.addr = a6;
			g->addr6 = true;
		}
		return 0;
	case 'g':
		if (family < 0 || (v4 && g->gw4) || (!v4 && g->gw6))
			goto bad;
		if (v4) {
			c->ip4.gw = a4;
			g->gw4 = true;
		} else {
			c->ip6.gw = a6;
			g->gw6 = true;
		}
		return 0;
	case 'o':
		if (family < 0 || (v4 && c->ip4.addr_out.s_addr) ||
		    (!v4 && !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr_out)))
			goto bad;
		if (v4)
			c->ip4.addr_out = a4;
		else
			c->ip6.addr_out = a6;
		return 0;
	case OPT_MAP_HOST_LOOPBACK:
		if (!strcmp(arg, "none")) {
			c->no_map_gw = true;
			return 0;
		}
		if (family < 0)
			goto bad;
		if (v4) {
			c->ip4.map_host_loopback = a4;
			g->map4 = true;
		} else {
			c->ip6.map_host_loopback = a6;
			g->map6 = true;
		}
		return 0;
	case OPT_MAP_GUEST_ADDR:
		/* as passt: "none" maps nothing, for both families, and the
		 * last occurrence per family wins */
		if (!strcmp(arg, "none")) {
			c->ip4.map_guest_addr.s_addr = 0;
			c->ip6.map_guest_addr = in6addr_any;
			return 0;
		}
		if (family < 0)
			goto bad;
		if (v4)
			c->ip4.map_guest_addr = a4;
		else
			c->ip6.map_guest_addr = a6;
		return 0;
	case OPT_DNS_FORWARD:
	case OPT_DNS_HOST:
		if (family < 0)
			goto bad;
		if (opt == OPT_DNS_FORWARD && v4)
			c->ip4.dns_match = a4;
		else if (opt == OPT_DNS_FORWARD)
			c->ip6.dns_match = a6;
		else if (v4)
			c->ip4.dns_host = a4;
		else
			c->ip6.dns_host = a6;
		return 0;
	}
bad:
	switch (opt) {
	case 'a':
		err("Invalid address: %s", arg);
		break;
	case 'g':
		err("Invalid gateway address: %s", arg);
		break;
	case 'o':
		err("Invalid or redundant outbound address: %s", arg);
		break;
	case OPT_MAP_HOST_LOOPBACK:
		err("Invalid address to remap to host: %s", arg);
		break;
	case OPT_MAP_GUEST_ADDR:
		err("Invalid address to remap to guest: %s", arg);
		break;
	case OPT_DNS_FORWARD:
		err("Invalid DNS forwarding address: %s", arg);
		break;
	default:
		err("Invalid host nameserver address: %s", arg);
		break;
	}
	return -1;
}

static int opt_mtu(struct ctx *c, const char *arg)
{
	long mtu = parse_num(arg, LONG_MAX / 2);

	if (mtu < 0) {
		err("Invalid MTU: %s", arg);
		return -1;
	}
	if (mtu > CONF_MAX_MTU) {
		err("MTU %ld too large (max %d)", mtu, CONF_MAX_MTU);
		return -1;
	}
	if (mtu && mtu < CONF_MIN_MTU) {
		err("MTU %ld too small (min %d)", mtu, CONF_MIN_MTU);
		return -1;
	}
	c->mtu = (int)mtu;
	return 0;
}

static int opt_ports(struct ctx *c, int opt, const char *arg)
{
	char msg[256];
	struct fwd_ports *fwd = opt == 't' ? &c->tcp_fwd : &c->udp_fwd;

	if (fwd_parse_spec(fwd, arg, msg, sizeof(msg))) {
		err("%s", msg);
		return -1;
	}
	return 0;
}

static int opt_fd(struct ctx *c, const char *arg)
{
	long fd = parse_num(arg, INT_MAX);

	if (fd < 0 || fcntl((int)fd, F_GETFD) < 0) {
		err("Invalid --fd: %s", arg);
		return -1;
	}
	c->fd_conn = (int)fd;
	c->fd_given = true;
	return 0;
}

/* Applies one option.  Returns 0, 1 for "done, exit successfully", or -1
 * (reported). */
static int apply_option(struct ctx *c, struct given *g, int opt,
			const char *arg, const char *prog)
{
	uid_t uid;
	gid_t gid;

	switch (opt) {
	case 'd':
	case OPT_TRACE:
		log_set_level(LOG_LEVEL_DEBUG);
		return 0;
	case 'q':
		log_set_level(LOG_LEVEL_WARN);
		return 0;
	case 'f':
		c->foreground = true;
		return 0;
	case 'l':
		if (copy_str(c->logfile, sizeof(c->logfile), arg))
			goto too_long;
		return 0;
	case OPT_LOG_SIZE:
		if (parse_num(arg, LONG_MAX / 2) < 0) {
			err("Invalid --log-size: %s", arg);
			return -1;
		}
		return 0;
	case OPT_RUNAS:
		if (copy_str(c->runas, sizeof(c->runas), arg) ||
		    isolation_parse_runas(arg, &uid, &gid)) {
			err("Invalid --runas option: %s", arg);
			return -1;
		}
		c->uid = uid;
		c->gid = gid;
		return 0;
	case 'h':
		conf_usage(stdout, prog);
		return 1;
	case OPT_VERSION:
		printf("vunetd %s\n", VUNET_VERSION);
		return 1;
	case OPT_PRINT_CAPS:
		printf("{\n  \"type\": \"net\"\n}\n");
		return 1;
	case 's':
		if (copy_str(c->sock_path, sizeof(c->sock_path), arg)) {
			err("Socket path too long: %s", arg);
			return -1;
		}
		return 0;
	case OPT_VHOST_USER:
		c->mode = MODE_VU;
		return 0;
	case OPT_REPAIR_PATH:
		return 0;
	case 'F':
		return opt_fd(c, arg);
	case 'p':
		err("--pcap is not supported by vunetd");
		return -1;
	case 'P':
		if (copy_str(c->pidfile, sizeof(c->pidfile), arg))
			goto too_long;
		return 0;
	case 'm':
		return opt_mtu(c, arg);
	case 'n':
		c->ip4.prefix_len = parse_netmask(arg);
		if (c->ip4.prefix_len < 0) {
			err("Invalid netmask: %s", arg);
			return -1;
		}
		g->prefix4 = true;
		return 0;
	case 'M':
		if (parse_mac(arg, c->our_tap_mac)) {
			err("Invalid MAC address: %s", arg);
			return -1;
		}
		return 0;
	case 'i':
		if (set_ifname(c->ifname, arg)) {
			err("Invalid interface name %s: %s", arg,
			    strerror(ENODEV));
			return -1;
		}
		g->ifname = true;
		return 0;
	case OPT_OUTBOUND_IF4:
	case OPT_OUTBOUND_IF6:
		if (set_ifname(opt == OPT_OUTBOUND_IF4 ? c->ip4.ifname_out :
			       c->ip6.ifname_out, arg)) {
			err("Invalid interface name %s: %s", arg,
			    strerror(ENODEV));
			return -1;
		}
		return 0;
	case 'D':
		if (!*arg) {
			g->dns_none = true;
			return 0;
		}
		if (add_dns(c, arg)) {
			err("Cannot use DNS address %s", arg);
			return -1;
		}
		g->dns = true;
		return 0;
	case 'S':
		if (!*arg) {
			g->search_none = true;
			return 0;
		}
		if (set_search(c, arg)) {
			err("Invalid search list: %s", arg);
			return -1;
		}
		g->search = true;
		return 0;
	case 'H':
		if (copy_str(c->hostname, HOSTNAME_MAX, arg)) {
			err("Invalid hostname: %s", arg);
			return -1;
		}
		return 0;
	case OPT_FQDN:
		if (copy_str(c->fqdn, sizeof(c->fqdn), arg)) {
			err("Invalid FQDN: %s", arg);
			return -1;
		}
		return 0;
	case OPT_NO_DHCP_DNS:
		c->no_dhcp_dns = true;
		return 0;
	case OPT_NO_DHCP_SEARCH:
		c->no_dhcp_search = true;
		return 0;
	case OPT_NO_TCP:
		c->no_tcp = true;
		return 0;
	case OPT_NO_UDP:
		c->no_udp = true;
		return 0;
	case OPT_NO_ICMP:
		c->no_icmp = true;
		return 0;
	case OPT_NO_DHCP:
		c->no_dhcp = true;
		return 0;
	case OPT_NO_NDP:
		c->no_ndp = true;
		return 0;
	case OPT_NO_DHCPV6:
		c->no_dhcpv6 = true;
		return 0;
	case OPT_NO_RA:
		c->no_ra = true;
		return 0;
	case OPT_NO_MAP_GW:
		c->no_map_gw = true;
		return 0;
	case OPT_FREEBIND:
		c->freebind = true;
		return 0;
	case '4':
		g->v4_only = true;
		return 0;
	case '6':
		g->v6_only = true;
		return 0;
	case '1':
		c->one_off = true;
		return 0;
	case 't':
	case 'u':
		return opt_ports(c, opt, arg);
	case 'T':
	case 'U':
		err("-%c is for pasta mode only", opt);
		return -1;
	default: /* 'a', 'g', 'o' and the long address options */
		return opt_address(c, g, opt, arg);
	}
too_long:
	err("Path too long: %s", arg);
	return -1;
}

/* Reads nameservers and the search list from conf_resolv_conf_path, for
 * what the command line did not give. */
static void read_resolv_conf(struct ctx *c, const struct given *g,
			     struct in_addr *host4, struct in6_addr *host6)
{
	FILE *f = fopen(conf_resolv_conf_path, "re");
	char line[1024];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *arg = line + strcspn(line, " \t");
		struct in_addr a4;
		struct in6_addr a6;
		char *end;

		arg += strspn(arg, " \t");
		end = arg + strcspn(arg, " \t\r\n#;");
		if (!strncmp(line, "nameserver", 10) && isspace((unsigned char)line[10])) {
			*end = '\0';
			if (inet_pton(AF_INET, arg, &a4) == 1 && !host4->s_addr)
				*host4 = a4;
			if (inet_pton(AF_INET6, arg, &a6) == 1 &&
			    IN6_IS_ADDR_UNSPECIFIED(host6))
				*host6 = a6;
			if (!g->dns && !g->dns_none)
				add_dns(c, arg);
		} else if (!strncmp(line, "search", 6) &&
			   isspace((unsigned char)line[6]) && !g->search &&
			   !g->search_none) {
			arg[strcspn(arg, "\r\n#;")] = '\0';
			for (char *p = arg; *p; p++)
				if (*p == '\t')
					*p = ' ';
			set_search(c, arg);
		}
	}
	fclose(f);
}

/* A loopback resolver on the host is reached from the guest through the
 * address mapped to the host's loopback; drop it if there is none. */
static void map_loopback_dns(struct ctx *c)
{
	int n = 0;

	for (int i = 0; i < c->ip4.n_dns; i++) {
		struct in_addr a = c->ip4.dns[i];

		if (ntohl(a.s_addr) >> 24 == IN_LOOPBACKNET) {
			if (c->no_map_gw || !c->ip4.map_host_loopback.s_addr)
				continue;
			a = c->ip4.map_host_loopback;
		}
		c->ip4.dns[n++] = a;
	}
	c->ip4.n_dns = n;
	n = 0;
	for (int i = 0; i < c->ip6.n_dns; i++) {
		struct in6_addr a = c->ip6.dns[i];

		if (IN6_IS_ADDR_LOOPBACK(&a)) {
			if (c->no_map_gw ||
			    IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_host_loopback))
				continue;
			a = c->ip6.map_host_loopback;
		}
		c->ip6.dns[n++] = a;
	}
	c->ip6.n_dns = n;
}

static bool same_subnet4(struct in_addr a, struct in_addr b, int prefix_len)
{
	uint32_t mask = prefix_len ? ~0U << (32 - prefix_len) : 0;

	return !((ntohl(a.s_addr) ^ ntohl(b.s_addr)) & mask);
}

/* IPv4 defaults from the template interface (-i, or the default route's).
 * Without -i, -a or a default route, IPv4 is disabled, as in passt. */
static void ip4_defaults(struct ctx *c, const struct given *g)
{
	unsigned ifi = g->ifname ? if_nametoindex(c->ifname) : 0;
	struct in_addr gw = { 0 }, addr;
	int prefix;
	bool route = !nl_default_route(AF_INET, &ifi, &gw);
	bool have_addr;

	c->ip4.enabled = false;
	if (g->v6_only || (!route && !g->ifname && !g->addr4))
		return;
	if (route && !c->ifname[0])
		if_indextoname(ifi, c->ifname);
	have_addr = ifi && !nl_first_addr(AF_INET, ifi, false, &addr, &prefix);
	if (!have_addr && !g->addr4)
		return;
	c->ip4.enabled = true;
	c->ifi4 = ifi;
	if (!g->gw4)
		c->ip4.gw = gw;
	if (have_addr && !g->addr4)
		c->ip4.addr = addr;
	/* the host's prefix fits a guest address within the host's subnet */
	if (have_addr && !g->prefix4 &&
	    same_subnet4(addr, c->ip4.addr, prefix))
		c->ip4.prefix_len = prefix;
	if (!g->prefix4 && !c->ip4.prefix_len)
		c->ip4.prefix_len = 24;
	if (!g->map4 && !c->no_map_gw)
		c->ip4.map_host_loopback = c->ip4.gw;
}

/* IPv6 defaults: as for IPv4; the guest's prefix is always /64, and our
 * link-local address is the template interface's (fe80::1 if none). */
static void ip6_defaults(struct ctx *c, const struct given *g)
{
	unsigned ifi = g->ifname ? if_nametoindex(c->ifname) : 0;
	struct in6_addr gw = IN6ADDR_ANY_INIT, addr;
	int prefix;
	bool route = !nl_default_route(AF_INET6, &ifi, &gw);
	bool have_addr;

	c->ip6.enabled = false;
	if (g->v4_only || (!route && !g->ifname && !g->addr6))
		return;
	if (route && !c->ifname[0])
		if_indextoname(ifi, c->ifname);
	have_addr = ifi && !nl_first_addr(AF_INET6, ifi, false, &addr, &prefix);
	if (!have_addr && !g->addr6)
		return;
	c->ip6.enabled = true;
	c->ifi6 = ifi;
	if (!g->gw6)
		c->ip6.gw = gw;
	if (have_addr && !g->addr6)
		c->ip6.addr = addr;
	c->ip6.prefix_len = 64;
	if (!ifi || nl_first_addr(AF_INET6, ifi, true, &c->ip6.our_tap_ll,
				  &prefix))
		inet_pton(AF_INET6, "fe80::1", &c->ip6.our_tap_ll);
	if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.gw))
		c->ip6.gw = c->ip6.our_tap_ll;
	if (!g->map6 && !c->no_map_gw)
		c->ip6.map_host_loopback = c->ip6.gw;
}

/* Whether FAMILY has no route off this machine (netlink errors count as
 * routes: the usual defaults then decide), saying so as passt does. */
static bool family_unrouted(int family)
{
	if (nl_usable_route(family))
		return false;
	info("No interfaces with usable %s routes",
	     family == AF_INET ? "IPv4" : "IPv6");
	return true;
}

/* Whether there is no template interface for any family to be probed,
 * which is local mode (see the top of the file). */
static bool no_template(const struct given *g)
{
	bool none4, none6;

	if (g->ifname)
		return false;
	none4 = g->v6_only || family_unrouted(AF_INET);
	none6 = g->v4_only || family_unrouted(AF_INET6);
	return none4 && none6;
}

/* Link-local addressing for local mode.  Returns 0, or -1 (reported) if
 * an outbound interface was asked for: there is none to use. */
static int local_mode_defaults(struct ctx *c, const struct given *g)
{
	if (c->ip4.ifname_out[0] || c->ip6.ifname_out[0]) {
		err("External interface not usable");
		return -1;
	}
	info("No external interface as template, switch to local mode");
	c->local_mode = true;
	c->ip4.enabled = true;
	inet_pton(AF_INET, CONF_LOCAL_ADDR4, &c->ip4.addr);
	inet_pton(AF_INET, CONF_LOCAL_GW4, &c->ip4.gw);
	c->ip4.prefix_len = CONF_LOCAL_PREFIX4;
	if (!g->map4 && !c->no_map_gw)
		c->ip4.map_host_loopback = c->ip4.gw;
	c->ip6.enabled = true;
	c->ip6.prefix_len = 64;
	inet_pton(AF_INET6, CONF_LOCAL_GW6, &c->ip6.our_tap_ll);
	c->ip6.gw = c->ip6.our_tap_ll;
	if (!g->map6 && !c->no_map_gw)
		c->ip6.map_host_loopback = c->ip6.gw;
	return 0;
}

/* Template-based defaults, or local mode.  Returns 0 or -1 (reported). */
static int addr_defaults(struct ctx *c, const struct given *g)
{
	if (no_template(g))
		return local_mode_defaults(c, g);
	ip4_defaults(c, g);
	ip6_defaults(c, g);
	if (!c->ip4.enabled && !c->ip6.enabled) {
		err("No routable interface for IPv4 or IPv6: give -a");
		return -1;
	}
	return 0;
}

/* Fills in everything the command line left to the host. */
static int host_defaults(struct ctx *c, const struct given *g)
{
	struct in_addr host_dns4 = { 0 };
	struct in6_addr host_dns6 = IN6ADDR_ANY_INIT;

	if (addr_defaults(c, g))
		return -1;
	read_resolv_conf(c, g, &host_dns4, &host_dns6);
	if (!c->ip4.dns_host.s_addr)
		c->ip4.dns_host = host_dns4;
	if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_host))
		c->ip6.dns_host = host_dns6;
	map_loopback_dns(c);
	/* n_dns and n_search are what the guest is told */
	if (c->no_dhcp_dns)
		c->ip4.n_dns = c->ip6.n_dns = 0;
	if (c->no_dhcp_search)
		c->n_search = 0;
	if (!c->ip6.enabled || c->ip6.n_dns == 0)
		debug("No IPv6 nameserver available for NDP/DHCPv6");
	return 0;
}

/* Identity to drop to when started as root, unless --runas said. */
static int default_runas(struct ctx *c)
{
	if (c->runas[0] || geteuid() != 0)
		return 0;
	if (isolation_parse_runas("nobody", &c->uid, &c->gid)) {
		err("Can't find user \"nobody\" to run as: use --runas");
		return -1;
	}
	strcpy(c->runas, "nobody");
	return 0;
}

static void set_builtin_defaults(struct ctx *c)
{
	static const unsigned char mac[6] = CONF_DEFAULT_MAC;

	c->mode = MODE_STREAM;
	c->fd_listen = -1;
	c->fd_conn = -1;
	c->epollfd = -1;
	c->mtu = CONF_DEFAULT_MTU;
	memcpy(c->our_tap_mac, mac, sizeof(mac));
}

enum conf_result conf_parse(struct ctx *c, int argc, char **argv)
{
	const char *prog = argc > 0 ? argv[0] : "vunetd";
	struct given g = { 0 };
	int opt, rc;

	set_builtin_defaults(c);
	optind = 0; /* full reinitialisation: conf_parse may run again */
	opterr = 1;
	while ((opt = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		if (opt == '?') {
			conf_usage(stderr, prog);
			return CONF_EXIT_FAILURE;
		}
		rc = apply_option(c, &g, opt, optarg, prog);
		if (rc)
			return rc > 0 ? CONF_EXIT_SUCCESS : CONF_EXIT_FAILURE;
	}
	if (optind < argc) {
		err("Extra non-option argument: %s", argv[optind]);
		return CONF_EXIT_FAILURE;
	}
	if (g.v4_only && g.v6_only) {
		err("Options ipv4-only and ipv6-only are mutually exclusive");
		return CONF_EXIT_FAILURE;
	}
	if (default_runas(c) || host_defaults(c, &g))
		return CONF_EXIT_FAILURE;
	if (c->ip6.enabled && !c->local_mode && c->mtu &&
	    c->mtu < CONF_MIN_MTU6)
		warn("MTU %d is too small for IPv6 (minimum %d)", c->mtu,
		     CONF_MIN_MTU6);
	return CONF_RUN;
}

static const char *a4str(struct in_addr a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET6_ADDRSTRLEN);
}

static const char *a6str(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

void conf_print(const struct ctx *c)
{
	char b1[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN];
	const unsigned char *m = c->our_tap_mac;

	info("Template interface: %s", c->ifname[0] ? c->ifname : "(none)");
	info("MAC: %02x:%02x:%02x:%02x:%02x:%02x, MTU: %d",
	     m[0], m[1], m[2], m[3], m[4], m[5], c->mtu);
	if (c->ip4.enabled) {
		info("IPv4: guest %s/%d, gateway %s",
		     a4str(c->ip4.addr, b1), c->ip4.prefix_len,
		     a4str(c->ip4.gw, b2));
		if (!c->no_map_gw && c->ip4.map_host_loopback.s_addr)
			info("    NAT to host 127.0.0.1: %s",
			     a4str(c->ip4.map_host_loopback, b1));
		for (int i = 0; i < c->ip4.n_dns; i++)
			info("    DNS: %s", a4str(c->ip4.dns[i], b1));
	}
	if (c->ip6.enabled) {
		info("IPv6: guest %s, gateway %s", a6str(&c->ip6.addr, b1),
		     a6str(&c->ip6.gw, b2));
		info("    our link-local: %s", a6str(&c->ip6.our_tap_ll, b1));
		if (!c->no_map_gw &&
		    !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_host_loopback))
			info("    NAT to host ::1: %s",
			     a6str(&c->ip6.map_host_loopback, b1));
		for (int i = 0; i < c->ip6.n_dns; i++)
			info("    DNS: %s", a6str(&c->ip6.dns[i], b1));
	}
	for (int i = 0; i < c->n_search; i++)
		info("    search: %s", c->search[i]);
}
