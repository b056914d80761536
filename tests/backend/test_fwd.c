// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Port forwarding specifications (-t / -u): every shape of passt's SPEC
 * syntax, and every way a SPEC is refused, with the message the user sees.
 * The map is checked port by port where it matters (range edges, excluded
 * ports, remapped targets).
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "backend/fwd.h"
#include "tests/harness.h"

static struct fwd_ports fwd;
static char msg[256];

static int parse(const char *spec)
{
	msg[0] = '\0';
	return fwd_parse_spec(&fwd, spec, msg, sizeof(msg));
}

/* The first address PORT listens on (an index into fwd.binds). */
static int first_bind(unsigned port)
{
	return fwd.binds_of[port] ? __builtin_ctz(fwd.binds_of[port]) : -1;
}

static int count_forwarded(void)
{
	int n = 0;

	for (unsigned p = 0; p < FWD_NUM_PORTS; p++)
		n += fwd_port_is_forwarded(&fwd, p);
	return n;
}

TEST(single_port_is_forwarded_to_the_same_port)
{
	CHECK_INT(parse("22"), 0);
	CHECK_INT(fwd.mode, FWD_SPEC);
	CHECK(fwd_port_is_forwarded(&fwd, 22));
	CHECK_INT(fwd_guest_port(&fwd, 22), 22);
	CHECK_INT(count_forwarded(), 1);
}

TEST(port_list_and_range)
{
	CHECK_INT(parse("22,25,80-82"), 0);
	CHECK_INT(count_forwarded(), 5);
	CHECK(fwd_port_is_forwarded(&fwd, 80));
	CHECK(fwd_port_is_forwarded(&fwd, 82));
	CHECK(!fwd_port_is_forwarded(&fwd, 83));
}

TEST(single_port_remapped)
{
	CHECK_INT(parse("22:23"), 0);
	CHECK_INT(fwd_guest_port(&fwd, 22), 23);
	CHECK(!fwd_port_is_forwarded(&fwd, 23));
}

TEST(range_remapped_by_offset)
{
	CHECK_INT(parse("22-80:32-90"), 0);
	CHECK_INT(fwd_guest_port(&fwd, 22), 32);
	CHECK_INT(fwd_guest_port(&fwd, 80), 90);
	CHECK_INT(count_forwarded(), 59);
}

TEST(range_remapped_to_first_port_only)
{
	CHECK_INT(parse("1000-1002:2000"), 0);
	CHECK_INT(fwd_guest_port(&fwd, 1002), 2002);
}

TEST(excluded_range_inside_a_range)
{
	CHECK_INT(parse("5-25,~10-20"), 0);
	CHECK_INT(count_forwarded(), 10);
	CHECK(fwd_port_is_forwarded(&fwd, 9));
	CHECK(!fwd_port_is_forwarded(&fwd, 10));
	CHECK(!fwd_port_is_forwarded(&fwd, 20));
	CHECK(fwd_port_is_forwarded(&fwd, 21));
}

TEST(only_excludes_means_all_other_ports)
{
	unsigned first, last;

	fwd_ephemeral_range(&first, &last);
	CHECK_INT(parse("~25"), 0);
	CHECK_INT(fwd.mode, FWD_ALL);
	CHECK(!fwd_port_is_forwarded(&fwd, 25));
	CHECK(fwd_port_is_forwarded(&fwd, 24));
	CHECK(!fwd_port_is_forwarded(&fwd, 0));
	CHECK(!fwd_port_is_forwarded(&fwd, first));
	CHECK_INT(count_forwarded(), 65535 - 1 - (last - first + 1));
}

TEST(all_skips_ephemeral_ports)
{
	unsigned first, last;

	fwd_ephemeral_range(&first, &last);
	CHECK_INT(parse("all"), 0);
	CHECK_INT(fwd.mode, FWD_ALL);
	CHECK(fwd_port_is_forwarded(&fwd, 1));
	CHECK(!fwd_port_is_forwarded(&fwd, last));
	CHECK_INT(count_forwarded(), 65535 - (last - first + 1));
}

TEST(none_forwards_nothing)
{
	CHECK_INT(parse("none"), 0);
	CHECK_INT(fwd.mode, FWD_NONE);
	CHECK_INT(count_forwarded(), 0);
}

TEST(specs_add_up)
{
	CHECK_INT(parse("22"), 0);
	CHECK_INT(parse("80"), 0);
	CHECK_INT(count_forwarded(), 2);
}

TEST(ipv4_address_prefix_gives_a_bind)
{
	struct in_addr a;

	CHECK_INT(parse("127.0.0.1/8080"), 0);
	CHECK_INT(fwd.n_binds, 1);
	CHECK_INT(fwd.binds[first_bind(8080)].family, AF_INET);
	inet_pton(AF_INET, "127.0.0.1", &a);
	CHECK(fwd.binds[0].addr.a4.s_addr == a.s_addr);
}

TEST(ipv6_address_and_interface)
{
	CHECK_INT(parse("::1%lo/8080"), 0);
	CHECK_INT(fwd.binds[first_bind(8080)].family, AF_INET6);
	CHECK_STR(fwd.binds[first_bind(8080)].ifname, "lo");
}

TEST(interface_without_address)
{
	CHECK_INT(parse("%lo/22"), 0);
	CHECK_INT(fwd.binds[first_bind(22)].family, AF_UNSPEC);
	CHECK_STR(fwd.binds[first_bind(22)].ifname, "lo");
}

TEST(unknown_interface_is_refused)
{
	CHECK_INT(parse("127.0.0.1%nosuchif0/22"), -1);
	CHECK_STR(msg, "Invalid interface name nosuchif0: No such device");
}

TEST(bad_address_is_refused)
{
	CHECK_INT(parse("1.2.3/22"), -1);
	CHECK_STR(msg, "Invalid address in port specifier 1.2.3");
}

TEST(reversed_range_is_refused)
{
	CHECK_INT(parse("22-10"), -1);
	CHECK_STR(msg, "Invalid port specifier 22-10");
}

TEST(port_above_65535_is_refused)
{
	CHECK_INT(parse("70000"), -1);
	CHECK_STR(msg, "Invalid port specifier 70000");
	CHECK_INT(parse("22:70000"), -1);
	CHECK_INT(parse("65535:65535"), 0);
}

TEST(target_beyond_65535_is_refused)
{
	CHECK_INT(parse("100-200:65500"), -1);
	CHECK_STR(msg, "Invalid port specifier 100-200:65500");
}

TEST(target_range_of_other_length_is_refused)
{
	CHECK_INT(parse("22-25:30-31"), -1);
	CHECK_STR(msg, "Invalid port specifier 22-25:30-31");
}

TEST(garbage_is_refused)
{
	const char *bad[] = { "foo", "", ",", "22,", "22-", "-22", "22:", "~",
			      "22x", "2 2", "22::23", "~22:23" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_MSG(parse(bad[i]) == -1, "accepted '%s'", bad[i]);
	CHECK_INT(count_forwarded(), 0);
}

TEST(port_zero_is_refused)
{
	CHECK_INT(parse("0"), -1);
	CHECK_STR(msg, "Can't forward port 0 in '0'");
}

TEST(overlapping_excludes_are_refused)
{
	CHECK_INT(parse("5-25,~10-20,~15"), -1);
	CHECK_STR(msg, "Overlapping excluded ranges 5-25,~10-20,~15");
}

TEST(port_forwarded_twice_is_refused)
{
	CHECK_INT(parse("22,22"), -1);
	CHECK_STR(msg, "Altering mapping of already mapped port number: 22,22");
	CHECK_INT(parse("20-30"), 0);
	CHECK_INT(parse("25"), -1);
	CHECK_STR(msg, "Altering mapping of already mapped port number: 25");
}

TEST(refused_spec_leaves_map_unchanged)
{
	CHECK_INT(parse("22"), 0);
	CHECK_INT(parse("80-90,22"), -1);
	CHECK_INT(count_forwarded(), 1);
}

TEST(same_port_on_two_addresses_listens_on_both)
{
	CHECK_INT(parse("127.0.0.1/8080"), 0);
	CHECK_INT(parse("::1/8080"), 0);
	CHECK_INT(fwd.n_binds, 2);
	CHECK_INT(fwd.binds_of[8080], 0x3);
	CHECK_INT(parse("192.0.2.10/80"), 0);
	CHECK_INT(parse("127.0.0.1/80"), 0);
	CHECK_INT(fwd.binds_of[80], 0x5);
	CHECK_INT(count_forwarded(), 2);
}

TEST(same_port_on_two_addresses_keeps_one_guest_port)
{
	CHECK_INT(parse("127.0.0.1/8080:80"), 0);
	CHECK_INT(parse("::1/8080:80"), 0);
	CHECK_INT(fwd_guest_port(&fwd, 8080), 80);
	CHECK_INT(parse("192.0.2.1/8080"), -1);
	CHECK_STR(msg, "Altering mapping of already mapped port number: 192.0.2.1/8080");
	CHECK_INT(parse("::1/8080:80"), -1);
	CHECK_STR(msg, "Altering mapping of already mapped port number: ::1/8080:80");
	CHECK_INT(fwd.n_binds, 2);
	CHECK_INT(fwd.binds_of[8080], 0x3);
}

TEST(refused_spec_leaves_no_address_behind)
{
	CHECK_INT(parse("8080"), 0);
	CHECK_INT(parse("127.0.0.1/~22"), -1);
	CHECK_STR(msg, "Port forwarding mode '127.0.0.1/~22' conflicts with previous mode");
	CHECK_INT(parse("127.0.0.2/8080:81"), -1);
	CHECK_INT(fwd.n_binds, 1);
	CHECK_INT(count_forwarded(), 1);
	CHECK_INT(fwd.binds_of[8080], 0x1);
}

TEST(keyword_after_another_spec_is_a_mode_conflict)
{
	CHECK_INT(parse("22"), 0);
	CHECK_INT(parse("all"), -1);
	CHECK_STR(msg, "Port forwarding mode 'all' conflicts with previous mode");
	CHECK_INT(parse("none"), -1);
	CHECK_STR(msg, "Port forwarding mode 'none' conflicts with previous mode");
}

TEST(all_listens_on_any_address)
{
	CHECK_INT(parse("all"), 0);
	CHECK_INT(fwd.n_binds, 1);
	CHECK_INT(fwd.binds[0].family, AF_UNSPEC);
	CHECK_INT(first_bind(22), 0);
}

TEST(auto_is_pasta_only)
{
	CHECK_INT(parse("auto"), -1);
	CHECK_STR(msg, "'auto' port forwarding is only allowed for pasta");
}

TEST(keywords_do_not_mix_with_ports)
{
	CHECK_INT(parse("none"), 0);
	CHECK_INT(parse("22"), -1);
	CHECK_STR(msg, "Specific ports cannot be specified together with all/none/auto");
	memset(&fwd, 0, sizeof(fwd));
	CHECK_INT(parse("22"), 0);
	CHECK_INT(parse("all"), -1);
	memset(&fwd, 0, sizeof(fwd));
	CHECK_INT(parse("all"), 0);
	CHECK_INT(parse("22"), -1);
}

TEST(too_many_addresses_are_refused)
{
	char spec[64];

	for (int i = 0; i < FWD_MAX_SPECS; i++) {
		snprintf(spec, sizeof(spec), "127.0.0.%d/%d", i + 1, 1000 + i);
		CHECK_INT(parse(spec), 0);
	}
	CHECK_INT(parse("127.0.1.1/2000"), -1);
	/* the same address again reuses its bind */
	CHECK_INT(parse("127.0.0.1/2001"), 0);
}

TEST(option_of_a_port_is_the_spec_that_forwards_it)
{
	CHECK_INT(parse("22,80-90:8080-8090"), 0);
	CHECK_INT(parse("127.0.0.1/443"), 0);
	CHECK_INT(parse("::1/443"), 0);
	CHECK_STR(fwd_option_of(&fwd, 0, 85), "22,80-90:8080-8090");
	CHECK_STR(fwd_option_of(&fwd, 1, 443), "127.0.0.1/443");
	CHECK_STR(fwd_option_of(&fwd, 2, 443), "::1/443");
	CHECK(!fwd_option_of(&fwd, 0, 443));
	CHECK(!fwd_option_of(&fwd, 1, 22));
}

TEST(option_of_a_port_under_all_or_excludes)
{
	CHECK_INT(parse("all"), 0);
	CHECK_STR(fwd_option_of(&fwd, 0, 22), "all");
	memset(&fwd, 0, sizeof(fwd));
	CHECK_INT(parse("~22,~80"), 0);
	CHECK_STR(fwd_option_of(&fwd, 0, 443), "~22,~80");
	CHECK(!fwd_option_of(&fwd, 0, 22));
}

TEST(refused_spec_is_not_remembered)
{
	CHECK_INT(parse("22"), 0);
	CHECK_INT(parse("22:23"), -1);
	CHECK_INT(fwd.n_opts, 1);
	CHECK_STR(fwd_option_of(&fwd, 0, 22), "22");
}

int main(int argc, char **argv) { return test_main(argc, argv); }
