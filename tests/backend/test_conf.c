// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vunetd's command line: each option's effect on struct ctx, each refusal
 * with the message the user sees (passt's wording), and the defaults taken
 * from the host.  Host defaults are checked inside a network namespace the
 * test creates (netns.h), with a veth pair, addresses and default routes
 * it sets up itself, so the expected values are known; local mode in one
 * with only lo.  Without namespaces (or the ip tool) those cases are
 * skipped with the reason.
 *
 * Each case runs in its own forked child (harness), so changing the
 * network namespace or redirecting stderr does not leak between cases.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/conf.h"
#include "backend/ctx.h"
#include "tests/backend/netns.h"
#include "tests/harness.h"
#include "util/log.h"

static struct ctx c;
static char errtext[4096], outtext[4096];

/* Reads what was written to the memory file FD into BUF. */
static void read_back(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* Runs conf_parse on the NULL-terminated ARGS with stderr captured in
 * errtext and stdout in outtext. */
static enum conf_result parse_args(const char **args)
{
	char *argv[64];
	int argc = 0, saved = dup(STDERR_FILENO), saved_out = dup(STDOUT_FILENO);
	int fd = memfd_create("stderr", 0), fd_out = memfd_create("stdout", 0);
	enum conf_result rc;

	argv[argc++] = (char *)"vunetd";
	while (*args && argc < 63)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	memset(&c, 0, sizeof(c));
	fflush(stderr);
	fflush(stdout);
	dup2(fd, STDERR_FILENO);
	dup2(fd_out, STDOUT_FILENO);
	rc = conf_parse(&c, argc, argv);
	fflush(stderr);
	fflush(stdout);
	dup2(saved, STDERR_FILENO);
	dup2(saved_out, STDOUT_FILENO);
	close(saved);
	close(saved_out);
	read_back(fd, errtext, sizeof(errtext));
	read_back(fd_out, outtext, sizeof(outtext));
	return rc;
}

#define PARSE(...) parse_args((const char *[]){ __VA_ARGS__, NULL })

/* Checks that the arguments are refused with MSG in the output. */
#define CHECK_REFUSED(msg, ...)                                           \
	do {                                                              \
		CHECK_INT(PARSE(__VA_ARGS__), CONF_EXIT_FAILURE);         \
		CHECK_MSG(strstr(errtext, msg), "expected '%s' in: %s",   \
			  msg, errtext);                                  \
	} while (0)

static bool ip4_is(struct in_addr a, const char *s)
{
	struct in_addr b;

	return inet_pton(AF_INET, s, &b) == 1 && a.s_addr == b.s_addr;
}

static bool ip6_is(const struct in6_addr *a, const char *s)
{
	struct in6_addr b;

	return inet_pton(AF_INET6, s, &b) == 1 && !memcmp(a, &b, sizeof(b));
}

static const char *write_resolv(const char *text)
{
	static char path[] = "/tmp/vunetd-test-resolv-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return NULL;
	test_remove_at_exit(path);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return NULL;
	close(fd);
	conf_resolv_conf_path = path;
	return path;
}

/* Options that need no host information are tested with -a for both
 * families, so they do not depend on this machine's routes; the cases
 * that check what -a did need a route off the host
 * (NETNS_NEED_ROUTES()), as without one vunetd runs in local mode. */
#define ADDRS "-a", "192.0.2.10", "-a", "2001:db8::10"

TEST(builtin_defaults_are_passt_s)
{
	static const unsigned char mac[6] = CONF_DEFAULT_MAC;

	CHECK_INT(PARSE(ADDRS), CONF_RUN);
	CHECK_INT(c.mode, MODE_STREAM);
	CHECK_INT(c.mtu, 65520);
	CHECK(!memcmp(c.our_tap_mac, mac, 6));
	CHECK(!c.one_off && !c.foreground && !c.fd_given);
	CHECK_INT(c.fd_listen, -1);
	CHECK_INT(c.fd_conn, -1);
	CHECK_INT(c.ip6.prefix_len, 64);
}

TEST(vhost_user_socket_one_off_foreground)
{
	CHECK_INT(PARSE(ADDRS, "--vhost-user", "-s", "/tmp/x.sock", "-1", "-f",
			"-P", "/tmp/x.pid", "-l", "/tmp/x.log"), CONF_RUN);
	CHECK_INT(c.mode, MODE_VU);
	CHECK_STR(c.sock_path, "/tmp/x.sock");
	CHECK(c.one_off && c.foreground);
	CHECK_STR(c.pidfile, "/tmp/x.pid");
	CHECK_STR(c.logfile, "/tmp/x.log");
	CHECK_INT(PARSE(ADDRS, "--socket-path", "/tmp/y.sock", "--one-off",
			"--foreground", "--pid", "/tmp/y.pid"), CONF_RUN);
	CHECK_STR(c.sock_path, "/tmp/y.sock");
	CHECK(c.one_off && c.foreground);
}

TEST(socket_path_too_long_is_refused)
{
	char path[200];

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	CHECK_REFUSED("Socket path too long", ADDRS, "-s", path);
}

TEST(fd_option_takes_an_open_descriptor)
{
	int sv[2];
	char num[16];

	CHECK(!socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	snprintf(num, sizeof(num), "%d", sv[0]);
	CHECK_INT(PARSE(ADDRS, "-F", num), CONF_RUN);
	CHECK(c.fd_given);
	CHECK_INT(c.fd_conn, sv[0]);
	CHECK_INT(PARSE(ADDRS, "--fd", num), CONF_RUN);
	CHECK_REFUSED("Invalid --fd: abc", ADDRS, "-F", "abc");
	CHECK_REFUSED("Invalid --fd: 999", ADDRS, "-F", "999");
}

TEST(mtu_values)
{
	CHECK_INT(PARSE(ADDRS, "-m", "1500"), CONF_RUN);
	CHECK_INT(c.mtu, 1500);
	CHECK_INT(PARSE(ADDRS, "--mtu", "0"), CONF_RUN);
	CHECK_INT(c.mtu, 0);
	CHECK_INT(PARSE(ADDRS, "-m", "65521"), CONF_RUN);
	CHECK_REFUSED("MTU 70000 too large (max 65521)", ADDRS, "-m", "70000");
	CHECK_REFUSED("Invalid MTU: abc", ADDRS, "-m", "abc");
	CHECK_REFUSED("Invalid MTU: -5", ADDRS, "-m", "-5");
	CHECK_REFUSED("MTU 20 too small (min 68)", ADDRS, "-m", "20");
}

TEST(small_mtu_warns_for_ipv6)
{
	NETNS_NEED_ROUTES();
	CHECK_INT(PARSE(ADDRS, "-m", "1000"), CONF_RUN);
	CHECK(strstr(errtext, "MTU 1000 is too small for IPv6 (minimum 1280)"));
}

TEST(addresses_netmask_gateway)
{
	NETNS_NEED_ROUTES();
	CHECK_INT(PARSE("-a", "10.1.2.3", "-n", "255.255.0.0", "-g", "10.1.0.1",
			"-a", "2001:db8::5", "-g", "2001:db8::1", "-4"), CONF_RUN);
	CHECK(c.ip4.enabled && !c.ip6.enabled);
	CHECK(ip4_is(c.ip4.addr, "10.1.2.3"));
	CHECK_INT(c.ip4.prefix_len, 16);
	CHECK(ip4_is(c.ip4.gw, "10.1.0.1"));
	CHECK(ip6_is(&c.ip6.addr, "2001:db8::5"));
	CHECK(ip6_is(&c.ip6.gw, "2001:db8::1"));
	CHECK_INT(PARSE("-a", "10.1.2.3", "-n", "20", "-4"), CONF_RUN);
	CHECK_INT(c.ip4.prefix_len, 20);
}

TEST(gateway_is_mapped_to_host_loopback_by_default)
{
	NETNS_NEED_ROUTES();
	CHECK_INT(PARSE("-a", "10.1.2.3", "-g", "10.1.2.1", "-4"), CONF_RUN);
	CHECK(ip4_is(c.ip4.map_host_loopback, "10.1.2.1"));
	CHECK(!c.no_map_gw);
	CHECK_INT(PARSE("-a", "10.1.2.3", "-g", "10.1.2.1", "-4",
			"--map-host-loopback", "10.1.2.9"), CONF_RUN);
	CHECK(ip4_is(c.ip4.map_host_loopback, "10.1.2.9"));
	CHECK_INT(PARSE("-a", "10.1.2.3", "-4", "--map-host-loopback", "none"),
		  CONF_RUN);
	CHECK(c.no_map_gw);
	CHECK_INT(PARSE("-a", "10.1.2.3", "-4", "--no-map-gw"), CONF_RUN);
	CHECK(c.no_map_gw);
	CHECK_REFUSED("Invalid address to remap to host: bad", ADDRS,
		      "--map-host-loopback", "bad");
}

TEST(bad_addresses_are_refused_with_passt_s_messages)
{
	CHECK_REFUSED("Invalid address: 1.2.3", "-a", "1.2.3");
	CHECK_REFUSED("Invalid address: 0.0.0.0", "-a", "0.0.0.0");
	CHECK_REFUSED("Invalid address: 10.0.0.2", "-a", "10.0.0.1", "-a",
		      "10.0.0.2");
	CHECK_REFUSED("Invalid netmask: 33", ADDRS, "-n", "33");
	CHECK_REFUSED("Invalid netmask: 255.0.255.0", ADDRS, "-n",
		      "255.0.255.0");
	CHECK_REFUSED("Invalid gateway address: x", ADDRS, "-g", "x");
	CHECK_REFUSED("Invalid or redundant outbound address: bad", ADDRS,
		      "-o", "bad");
	CHECK_REFUSED("Invalid MAC address: xx", ADDRS, "-M", "xx");
	CHECK_REFUSED("Invalid MAC address: 01:02:03:04:05", ADDRS, "-M",
		      "01:02:03:04:05");
	CHECK_REFUSED("Cannot use DNS address x", ADDRS, "-D", "x");
	CHECK_REFUSED("Invalid interface name nosuchif0: No such device",
		      ADDRS, "-i", "nosuchif0");
}

TEST(mac_address)
{
	CHECK_INT(PARSE(ADDRS, "-M", "02:00:00:aa:bb:cc"), CONF_RUN);
	CHECK(!memcmp(c.our_tap_mac, "\x02\x00\x00\xaa\xbb\xcc", 6));
}

TEST(outbound_addresses_and_interfaces)
{
	NETNS_NEED_ROUTES();
	CHECK_INT(PARSE(ADDRS, "-o", "127.0.0.1", "-o", "::1",
			"--outbound-if4", "lo", "--outbound-if6", "lo"),
		  CONF_RUN);
	CHECK(ip4_is(c.ip4.addr_out, "127.0.0.1"));
	CHECK(ip6_is(&c.ip6.addr_out, "::1"));
	CHECK_STR(c.ip4.ifname_out, "lo");
	CHECK_STR(c.ip6.ifname_out, "lo");
	CHECK_REFUSED("Invalid or redundant outbound address: 127.0.0.2",
		      ADDRS, "-o", "127.0.0.1", "-o", "127.0.0.2");
}

TEST(dns_search_hostname_fqdn)
{
	CHECK(write_resolv("nameserver 192.0.2.53\nsearch from.resolv\n"));
	CHECK_INT(PARSE(ADDRS, "-D", "192.0.2.1", "-D", "2001:db8::53",
			"-S", "a.example b.example", "-H", "guest1",
			"--fqdn", "guest1.example"), CONF_RUN);
	CHECK_INT(c.ip4.n_dns, 1);
	CHECK(ip4_is(c.ip4.dns[0], "192.0.2.1"));
	CHECK_INT(c.ip6.n_dns, 1);
	CHECK(ip6_is(&c.ip6.dns[0], "2001:db8::53"));
	CHECK_INT(c.n_search, 2);
	CHECK_STR(c.search[1], "b.example");
	CHECK_STR(c.hostname, "guest1");
	CHECK_STR(c.fqdn, "guest1.example");
}

TEST(empty_dns_and_search_disable_them)
{
	CHECK(write_resolv("nameserver 192.0.2.53\nsearch from.resolv\n"));
	CHECK_INT(PARSE(ADDRS, "-D", "", "-S", ""), CONF_RUN);
	CHECK_INT(c.ip4.n_dns, 0);
	CHECK_INT(c.n_search, 0);
	/* but the host's resolver stays the --dns-forward target */
	CHECK(ip4_is(c.ip4.dns_host, "192.0.2.53"));
}

TEST(no_dhcp_dns_and_search_empty_the_lists)
{
	CHECK(write_resolv("nameserver 192.0.2.53\nsearch from.resolv\n"));
	CHECK_INT(PARSE(ADDRS, "--no-dhcp-dns", "--no-dhcp-search"), CONF_RUN);
	CHECK(c.no_dhcp_dns && c.no_dhcp_search);
	CHECK_INT(c.ip4.n_dns, 0);
	CHECK_INT(c.n_search, 0);
}

TEST(resolv_conf_gives_dns_and_search)
{
	CHECK(write_resolv("# comment\nnameserver 192.0.2.53\n"
			   "nameserver 2001:db8::35\nsearch one.example two.example\n"));
	CHECK_INT(PARSE(ADDRS), CONF_RUN);
	CHECK_INT(c.ip4.n_dns, 1);
	CHECK(ip4_is(c.ip4.dns[0], "192.0.2.53"));
	CHECK(ip4_is(c.ip4.dns_host, "192.0.2.53"));
	CHECK_INT(c.ip6.n_dns, 1);
	CHECK_INT(c.n_search, 2);
	CHECK_STR(c.search[0], "one.example");
}

TEST(loopback_resolver_is_offered_as_the_mapped_gateway)
{
	NETNS_NEED_ROUTES();
	CHECK(write_resolv("nameserver 127.0.0.53\n"));
	CHECK_INT(PARSE("-a", "10.1.2.3", "-g", "10.1.2.1", "-4"), CONF_RUN);
	CHECK_INT(c.ip4.n_dns, 1);
	CHECK(ip4_is(c.ip4.dns[0], "10.1.2.1"));
	CHECK_INT(PARSE("-a", "10.1.2.3", "-g", "10.1.2.1", "-4",
			"--no-map-gw"), CONF_RUN);
	CHECK_INT(c.ip4.n_dns, 0);
}

TEST(hostname_and_fqdn_too_long_are_refused)
{
	char name[300];

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK_REFUSED("Invalid hostname: aaa", ADDRS, "-H", name);
	CHECK_REFUSED("Invalid FQDN: aaa", ADDRS, "--fqdn", name);
}

TEST(protocol_switches)
{
	CHECK_INT(PARSE(ADDRS, "--no-tcp", "--no-udp", "--no-icmp", "--no-dhcp",
			"--no-ndp", "--no-dhcpv6", "--no-ra", "--freebind"),
		  CONF_RUN);
	CHECK(c.no_tcp && c.no_udp && c.no_icmp && c.no_dhcp && c.no_ndp &&
	      c.no_dhcpv6 && c.no_ra && c.freebind);
}

TEST(dns_forward_and_host)
{
	CHECK_INT(PARSE(ADDRS, "--dns-forward", "10.0.0.53", "--dns-host",
			"127.0.0.1", "--dns-forward", "fd00::53"), CONF_RUN);
	CHECK(ip4_is(c.ip4.dns_match, "10.0.0.53"));
	CHECK(ip4_is(c.ip4.dns_host, "127.0.0.1"));
	CHECK(ip6_is(&c.ip6.dns_match, "fd00::53"));
	CHECK_REFUSED("Invalid DNS forwarding address: x", ADDRS,
		      "--dns-forward", "x");
}

TEST(map_guest_addr)
{
	CHECK_INT(PARSE(ADDRS, "--map-guest-addr", "192.0.2.99"), CONF_RUN);
	CHECK(ip4_is(c.ip4.map_guest_addr, "192.0.2.99"));
}

TEST(map_guest_addr_none_maps_nothing_as_passt)
{
	CHECK_INT(PARSE(ADDRS, "--map-guest-addr", "none"), CONF_RUN);
	CHECK(!c.ip4.map_guest_addr.s_addr);
	CHECK(IN6_IS_ADDR_UNSPECIFIED(&c.ip6.map_guest_addr));
	/* the last occurrence wins: none undoes an earlier address */
	CHECK_INT(PARSE(ADDRS, "--map-guest-addr", "192.0.2.99",
			"--map-guest-addr", "2001:db8::99",
			"--map-guest-addr", "none"), CONF_RUN);
	CHECK(!c.ip4.map_guest_addr.s_addr);
	CHECK(IN6_IS_ADDR_UNSPECIFIED(&c.ip6.map_guest_addr));
}

TEST(ipv4_only_and_ipv6_only)
{
	NETNS_NEED_ROUTES();
	CHECK_INT(PARSE(ADDRS, "-4"), CONF_RUN);
	CHECK(c.ip4.enabled && !c.ip6.enabled);
	CHECK_INT(PARSE(ADDRS, "--ipv6-only"), CONF_RUN);
	CHECK(!c.ip4.enabled && c.ip6.enabled);
	CHECK_REFUSED("mutually exclusive", ADDRS, "-4", "-6");
}

TEST(same_port_on_two_addresses_is_accepted_as_passt)
{
	CHECK_INT(PARSE(ADDRS, "-t", "127.0.0.1/8080", "-t", "::1/8080",
			"-u", "192.0.2.10/53", "-u", "127.0.0.1/53"), CONF_RUN);
	CHECK_INT(c.tcp_fwd.binds_of[8080], 0x3);
	CHECK_INT(c.udp_fwd.binds_of[53], 0x3);
	CHECK_REFUSED("Altering mapping of already mapped port number: 8080",
		      ADDRS, "-t", "8080", "-t", "8080");
}

TEST(port_forwarding_options)
{
	CHECK_INT(PARSE(ADDRS, "-t", "22,80:8080", "-u", "53", "--tcp-ports",
			"443"), CONF_RUN);
	CHECK(fwd_port_is_forwarded(&c.tcp_fwd, 22));
	CHECK_INT(fwd_guest_port(&c.tcp_fwd, 80), 8080);
	CHECK(fwd_port_is_forwarded(&c.tcp_fwd, 443));
	CHECK(fwd_port_is_forwarded(&c.udp_fwd, 53));
	CHECK(!fwd_port_is_forwarded(&c.udp_fwd, 22));
	CHECK_REFUSED("Invalid port specifier 70000", ADDRS, "-t", "70000");
	CHECK_REFUSED("Overlapping excluded ranges", ADDRS, "-u",
		      "5-25,~10-20,~15");
	CHECK_REFUSED("only allowed for pasta", ADDRS, "-t", "auto");
	CHECK_REFUSED("-T is for pasta mode only", ADDRS, "-T", "22");
}

TEST(runas)
{
	CHECK_INT(PARSE(ADDRS, "--runas", "0:0"), CONF_RUN);
	CHECK_INT(c.uid, 0);
	CHECK_INT(PARSE(ADDRS, "--runas", "nobody"), CONF_RUN);
	CHECK_STR(c.runas, "nobody");
	CHECK(c.uid != 0);
	CHECK_INT(PARSE(ADDRS, "--runas", "1234:5678"), CONF_RUN);
	CHECK_INT(c.uid, 1234);
	CHECK_INT(c.gid, 5678);
	CHECK_REFUSED("Invalid --runas option: nosuchuser", ADDRS, "--runas",
		      "nosuchuser");
	CHECK_REFUSED("Invalid --runas option: nobody:nosuchgroup", ADDRS,
		      "--runas", "nobody:nosuchgroup");
}

TEST(root_drops_to_nobody_by_default)
{
	if (geteuid() != 0)
		SKIP("not running as root: nothing to drop");
	CHECK_INT(PARSE(ADDRS), CONF_RUN);
	CHECK_STR(c.runas, "nobody");
	CHECK(c.uid != 0);
}

TEST(pcap_is_refused_not_ignored)
{
	CHECK_REFUSED("--pcap is not supported", ADDRS, "-p", "/tmp/x.pcap");
}

TEST(compatibility_options_are_accepted)
{
	CHECK_INT(PARSE(ADDRS, "--repair-path", "/tmp/r", "--log-size", "1000",
			"-q", "--trace", "-d"), CONF_RUN);
}

TEST(unknown_option_and_extra_argument_fail)
{
	CHECK_REFUSED("unrecognized option '--bogus'", ADDRS, "--bogus");
	CHECK(strstr(errtext, "Usage:"));
	CHECK_REFUSED("Extra non-option argument: extra", ADDRS, "extra");
	CHECK_REFUSED("requires an argument", "-s");
}

TEST(help_version_capabilities_exit_successfully)
{
	CHECK_INT(PARSE("--version"), CONF_EXIT_SUCCESS);
	CHECK_STR(outtext, "vunetd " VUNET_VERSION "\n");
	CHECK_INT(PARSE("-h"), CONF_EXIT_SUCCESS);
	CHECK(strstr(outtext, "Usage: vunetd [OPTION]..."));
	CHECK_INT(PARSE("--print-capabilities"), CONF_EXIT_SUCCESS);
	CHECK_STR(outtext, "{\n  \"type\": \"net\"\n}\n");
}

TEST(host_defaults_come_from_the_default_route_interface)
{
	const char *why = netns_enter_routed();

	if (why)
		SKIP("%s", why);
	CHECK(write_resolv("nameserver 192.0.2.53\n"));
	CHECK_INT(parse_args((const char *[]){ NULL }), CONF_RUN);
	CHECK_STR(c.ifname, "vt0");
	CHECK(c.ip4.enabled);
	CHECK(ip4_is(c.ip4.addr, "192.0.2.77"));
	CHECK_INT(c.ip4.prefix_len, 25);
	CHECK(ip4_is(c.ip4.gw, "192.0.2.1"));
	CHECK(ip4_is(c.ip4.map_host_loopback, "192.0.2.1"));
	CHECK(c.ip6.enabled);
	CHECK(ip6_is(&c.ip6.addr, "fd99::77"));
	CHECK(ip6_is(&c.ip6.gw, "fd99::1"));
	CHECK_INT(c.ip6.prefix_len, 64);
	CHECK(IN6_IS_ADDR_LINKLOCAL(&c.ip6.our_tap_ll));
}

TEST(address_option_overrides_only_the_address)
{
	const char *why = netns_enter_routed();

	if (why)
		SKIP("%s", why);
	CHECK(write_resolv(""));
	CHECK_INT(PARSE("-a", "192.0.2.100"), CONF_RUN);
	CHECK(ip4_is(c.ip4.addr, "192.0.2.100"));
	CHECK(ip4_is(c.ip4.gw, "192.0.2.1"));
	CHECK_INT(c.ip4.prefix_len, 25);
}

TEST(family_without_default_route_is_disabled)
{
	const char *why = netns_enter_routed();

	if (why)
		SKIP("%s", why);
	if (system("ip -6 route del default"))
		SKIP("cannot remove the IPv6 default route");
	CHECK(write_resolv(""));
	CHECK_INT(parse_args((const char *[]){ NULL }), CONF_RUN);
	CHECK(c.ip4.enabled);
	CHECK(!c.ip6.enabled);
}

/* Routes remain (vt0's subnets), so this is not local mode: without a
 * default route vunetd has no template (passt would take vt0's). */
TEST(no_default_route_is_an_error)
{
	const char *why = netns_enter_routed();

	if (why)
		SKIP("%s", why);
	if (system("ip route del default && ip -6 route del default"))
		SKIP("cannot remove the default routes");
	CHECK(write_resolv(""));
	CHECK_REFUSED("No routable interface", "-f");
	CHECK(!strstr(errtext, "local mode"));
	/* an address on the command line is enough */
	CHECK_INT(PARSE("-a", "10.0.0.2"), CONF_RUN);
	CHECK(c.ip4.enabled);
	CHECK(!c.local_mode);
}

/* Local mode: a namespace with only lo has no route off the machine.
 * RESOLV is the resolv.conf text. */
#define ENTER_LO_ONLY_NETNS_RESOLV(resolv)                                \
	do {                                                              \
		const char *why_ = netns_enter();                         \
		if (why_)                                                 \
			SKIP("%s", why_);                                 \
		CHECK(write_resolv(resolv));                              \
	} while (0)
#define ENTER_LO_ONLY_NETNS()                                             \
	ENTER_LO_ONLY_NETNS_RESOLV("nameserver 192.0.2.53\n")

/* Checks passt's local-mode addressing: IPv4 169.254.2.1/16 via
 * 169.254.2.2, IPv6 via our fe80::1; both families on. */
#define CHECK_LOCAL_MODE()                                                \
	do {                                                              \
		CHECK(c.local_mode);                                      \
		CHECK(c.ip4.enabled && c.ip6.enabled);                    \
		CHECK(ip4_is(c.ip4.addr, "169.254.2.1"));                 \
		CHECK_INT(c.ip4.prefix_len, 16);                          \
		CHECK(ip4_is(c.ip4.gw, "169.254.2.2"));                   \
		CHECK(ip6_is(&c.ip6.gw, "fe80::1"));                      \
		CHECK(ip6_is(&c.ip6.our_tap_ll, "fe80::1"));              \
		CHECK_INT(c.ip6.prefix_len, 64);                          \
		CHECK_STR(c.ifname, "");                                  \
	} while (0)

TEST(without_any_route_local_mode_gives_link_local_addresses)
{
	ENTER_LO_ONLY_NETNS();
	CHECK_INT(parse_args((const char *[]){ NULL }), CONF_RUN);
	CHECK_LOCAL_MODE();
	CHECK(IN6_IS_ADDR_UNSPECIFIED(&c.ip6.addr));
	CHECK(ip4_is(c.ip4.map_host_loopback, "169.254.2.2"));
	CHECK(ip6_is(&c.ip6.map_host_loopback, "fe80::1"));
	CHECK(!c.no_map_gw);
	CHECK_INT(c.ip4.n_dns, 1);
	CHECK(ip4_is(c.ip4.dns[0], "192.0.2.53"));
}

TEST(local_mode_is_announced_with_passt_s_messages)
{
	const char *v4 = "No interfaces with usable IPv4 routes";
	const char *v6 = "No interfaces with usable IPv6 routes";
	const char *local =
		"No external interface as template, switch to local mode";

	ENTER_LO_ONLY_NETNS();
	CHECK_INT(parse_args((const char *[]){ NULL }), CONF_RUN);
	CHECK_MSG(strstr(errtext, v4) && strstr(errtext, v6) &&
		  strstr(errtext, local) &&
		  strstr(errtext, v6) < strstr(errtext, local) &&
		  strstr(errtext, v4) < strstr(errtext, v6), "got: %s", errtext);
	/* -4 and -6 leave the other family unprobed, so unmentioned */
	CHECK_INT(PARSE("-4"), CONF_RUN);
	CHECK(strstr(errtext, v4) && !strstr(errtext, v6) &&
	      strstr(errtext, local));
	CHECK_INT(PARSE("-6"), CONF_RUN);
	CHECK(!strstr(errtext, v4) && strstr(errtext, v6) &&
	      strstr(errtext, local));
	/* info level: --quiet hides them */
	CHECK_INT(PARSE("-q"), CONF_RUN);
	CHECK(!strstr(errtext, local));
	log_set_level(LOG_LEVEL_INFO);
}

/* As passt: -4 and -6 limit which families are probed for a template,
 * not what local mode then serves. */
TEST(local_mode_serves_both_families_even_with_4_or_6)
{
	ENTER_LO_ONLY_NETNS();
	CHECK_INT(PARSE("-4"), CONF_RUN);
	CHECK_LOCAL_MODE();
	CHECK_INT(PARSE("--ipv6-only"), CONF_RUN);
	CHECK_LOCAL_MODE();
	CHECK_REFUSED("mutually exclusive", "-4", "-6");
}

/* As passt: the link-local addressing replaces -a, -n and -g for IPv4 and
 * -g for IPv6; an IPv6 -a stays the guest's address. */
TEST(local_mode_overrides_ipv4_address_netmask_and_gateways)
{
	ENTER_LO_ONLY_NETNS();
	CHECK_INT(PARSE("-a", "10.0.0.5", "-n", "24", "-g", "10.0.0.1",
			"-a", "2001:db8::5", "-g", "2001:db8::1"), CONF_RUN);
	CHECK_LOCAL_MODE();
	CHECK(ip6_is(&c.ip6.addr, "2001:db8::5"));
	CHECK(ip4_is(c.ip4.map_host_loopback, "169.254.2.2"));
	CHECK(ip6_is(&c.ip6.map_host_loopback, "fe80::1"));
}

TEST(local_mode_keeps_host_loopback_mapping_options)
{
	ENTER_LO_ONLY_NETNS();
	CHECK_INT(PARSE("--map-host-loopback", "10.9.9.9"), CONF_RUN);
	CHECK_LOCAL_MODE();
	CHECK(ip4_is(c.ip4.map_host_loopback, "10.9.9.9"));
	CHECK(ip6_is(&c.ip6.map_host_loopback, "fe80::1"));
	CHECK_INT(PARSE("--map-host-loopback", "fe80::9"), CONF_RUN);
	CHECK(ip4_is(c.ip4.map_host_loopback, "169.254.2.2"));
	CHECK(ip6_is(&c.ip6.map_host_loopback, "fe80::9"));
	CHECK_INT(PARSE("--map-host-loopback", "none"), CONF_RUN);
	CHECK_LOCAL_MODE();
	CHECK(c.no_map_gw);
	CHECK(!c.ip4.map_host_loopback.s_addr);
	CHECK_INT(PARSE("--no-map-gw"), CONF_RUN);
	CHECK(c.no_map_gw);
	CHECK(IN6_IS_ADDR_UNSPECIFIED(&c.ip6.map_host_loopback));
}

TEST(local_mode_offers_a_loopback_resolver_as_the_gateway)
{
	ENTER_LO_ONLY_NETNS_RESOLV("nameserver 127.0.0.53\nnameserver ::1\n");
	CHECK_INT(parse_args((const char *[]){ NULL }), CONF_RUN);
	CHECK_INT(c.ip4.n_dns, 1);
	CHECK(ip4_is(c.ip4.dns[0], "169.254.2.2"));
	CHECK_INT(c.ip6.n_dns, 1);
	CHECK(ip6_is(&c.ip6.dns[0], "fe80::1"));
	CHECK_INT(PARSE("--no-map-gw"), CONF_RUN);
	CHECK_INT(c.ip4.n_dns, 0);
	CHECK_INT(c.ip6.n_dns, 0);
}

/* As passt: no interface for host-side sockets in local mode, whichever
 * family it is for, even one -4/-6 left out. */
TEST(local_mode_refuses_outbound_interfaces)
{
	ENTER_LO_ONLY_NETNS();
	CHECK_REFUSED("External interface not usable", "--outbound-if6", "lo");
	CHECK(!strstr(errtext, "local mode"));
	CHECK_REFUSED("External interface not usable", "--outbound-if4", "lo",
		      "-6");
	CHECK_REFUSED("External interface not usable", "--outbound-if6", "lo",
		      "-4");
	/* -o is an address, not an interface: kept */
	CHECK_INT(PARSE("-o", "127.0.0.1"), CONF_RUN);
	CHECK_LOCAL_MODE();
	CHECK(ip4_is(c.ip4.addr_out, "127.0.0.1"));
}

/* As passt, which checks the MTU against the families it found a
 * template for before switching to local mode. */
TEST(local_mode_gives_no_ipv6_mtu_warning)
{
	ENTER_LO_ONLY_NETNS();
	CHECK_INT(PARSE("-m", "1000"), CONF_RUN);
	CHECK_LOCAL_MODE();
	CHECK_INT(c.mtu, 1000);
	CHECK(!strstr(errtext, "too small for IPv6"));
}

/* -i names the template: no local mode, whatever the routes. */
TEST(interface_option_means_no_local_mode)
{
	ENTER_LO_ONLY_NETNS();
	CHECK_INT(PARSE("-i", "lo", "-a", "10.0.0.5", "-4"), CONF_RUN);
	CHECK(!c.local_mode);
	CHECK(ip4_is(c.ip4.addr, "10.0.0.5"));
	CHECK(!c.ip6.enabled);
	CHECK(!strstr(errtext, "usable IPv4 routes"));
}

/* Routes through loopback, and routes to link-local destinations only
 * (fe80::/64 comes with every interface that has IPv6 up), lead nowhere
 * off the machine: still local mode, as in passt. */
TEST(loopback_and_link_local_routes_still_mean_local_mode)
{
	ENTER_LO_ONLY_NETNS();
	if (system("command -v ip >/dev/null 2>&1"))
		SKIP("the ip tool is not installed");
	if (system("ip route add 10.9.0.0/16 dev lo && "
		   "ip -6 route add fd00::/8 dev lo && "
		   "ip link add vt0 type veth peer name vt1 && "
		   "ip link set vt1 up && ip link set vt0 up && "
		   "ip -6 addr add fe80::77/64 dev vt0 nodad && "
		   "ip route add 169.254.0.0/16 dev vt0"))
		SKIP("cannot set up the routes");
	CHECK_INT(parse_args((const char *[]){ NULL }), CONF_RUN);
	CHECK_LOCAL_MODE();
	/* one route off the machine is enough to leave local mode */
	CHECK(!system("ip route add 198.51.100.0/24 dev vt0"));
	CHECK_REFUSED("No routable interface", "-f");
	CHECK(!strstr(errtext, "local mode"));
}

/* One family without any route is said to be so (as passt), and its
 * absence is not local mode while the other family has a template; but
 * with -4 only the unrouted family counts. */
TEST(one_unrouted_family_is_reported_and_disabled)
{
	const char *why = netns_enter_routed();

	if (why)
		SKIP("%s", why);
	if (system("ip route del default && ip addr del 192.0.2.77/25 dev vt0"))
		SKIP("cannot remove the IPv4 routes");
	CHECK(write_resolv(""));
	CHECK_INT(parse_args((const char *[]){ NULL }), CONF_RUN);
	CHECK(strstr(errtext, "No interfaces with usable IPv4 routes"));
	CHECK(!strstr(errtext, "usable IPv6 routes"));
	CHECK(!c.local_mode);
	CHECK(!c.ip4.enabled);
	CHECK(c.ip6.enabled);
	CHECK(ip6_is(&c.ip6.addr, "fd99::77"));
	CHECK_INT(PARSE("-4"), CONF_RUN);
	CHECK_LOCAL_MODE();
}

TEST(interface_option_picks_the_template)
{
	const char *why = netns_enter_routed();

	if (why)
		SKIP("%s", why);
	if (system("ip link add vt2 type veth peer name vt3 && "
		   "ip addr add 198.51.100.5/24 dev vt2 && ip link set vt2 up && "
		   "ip link set vt3 up"))
		SKIP("cannot add a second interface");
	CHECK(write_resolv(""));
	CHECK_INT(PARSE("-i", "vt2", "-4"), CONF_RUN);
	CHECK_STR(c.ifname, "vt2");
	CHECK(ip4_is(c.ip4.addr, "198.51.100.5"));
	CHECK_INT(c.ip4.prefix_len, 24);
}

/* A multipath (ECMP) default route: the kernel reports its next hops in
 * RTA_MULTIPATH, without RTA_OIF; the first one is the template. */
TEST(multipath_default_route_gives_its_first_next_hop)
{
	const char *why = netns_enter_routed();

	if (why)
		SKIP("%s", why);
	if (system("ip link add vt2 type veth peer name vt3 && "
		   "ip addr add 198.51.100.5/24 dev vt2 && "
		   "ip -6 addr add fd98::5/64 dev vt2 nodad && "
		   "ip link set vt2 up && ip link set vt3 up && "
		   "ip route del default && ip -6 route del default && "
		   "ip route add default nexthop via 198.51.100.1 dev vt2 "
		   "nexthop via 192.0.2.1 dev vt0 && "
		   "ip -6 route add default nexthop via fd98::1 dev vt2 "
		   "nexthop via fd99::1 dev vt0"))
		SKIP("cannot set up multipath default routes");
	CHECK(write_resolv(""));
	CHECK_INT(parse_args((const char *[]){ NULL }), CONF_RUN);
	CHECK_STR(c.ifname, "vt2");
	CHECK(c.ip4.enabled);
	CHECK(ip4_is(c.ip4.gw, "198.51.100.1"));
	CHECK(ip4_is(c.ip4.addr, "198.51.100.5"));
	CHECK(c.ip6.enabled);
	CHECK(ip6_is(&c.ip6.gw, "fd98::1"));
	CHECK(ip6_is(&c.ip6.addr, "fd98::5"));
	/* -i picks the next hop through that interface */
	CHECK_INT(PARSE("-i", "vt0", "-4"), CONF_RUN);
	CHECK(ip4_is(c.ip4.gw, "192.0.2.1"));
}

int main(int argc, char **argv) { return test_main(argc, argv); }
