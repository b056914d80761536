// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The passt backend command line (src/qemu/qemu_passt.c).
 *
 * Specification: the port forwarding SPEC, one test per shape of
 * <portForward> (no range, single port, range, mapped port, mapped range,
 * excluded port and range, several ranges, address, device, both, bad
 * address), and the whole argv in libvirt's option order for the minimal
 * and the fullest interface, for type='vhostuser' and type='user'.
 *
 * Definitions are built directly as structs, so these tests do not depend
 * on the XML parser; test_qemu_golden.c checks the same from libvirt's
 * XML files.
 */
#include "tests/harness.h"

#include <sys/socket.h>
#include <sys/un.h>

#include "qemu/qemu_passt.h"
#include "util/error.h"

#define STATE_DIR "/var/run/libvirt/qemu"
#define PASST_DIR STATE_DIR "/passt/"

static char *spec_of(struct vn_port_forward_range *ranges, size_t n,
		     const char *address, const char *dev)
{
	struct vn_port_forward pf = {
		.proto = VN_PORT_FORWARD_TCP,
		.address = (char *)address,
		.dev = (char *)dev,
		.ranges = ranges,
		.n_ranges = n,
	};

	return qemu_passt_port_spec(&pf);
}

static int spec_is(struct vn_port_forward_range *ranges, size_t n,
		   const char *address, const char *dev, const char *expected)
{
	char *spec = spec_of(ranges, n, address, dev);
	int same = spec && !strcmp(spec, expected);

	if (!same)
		fprintf(stderr, "spec: got '%s', expected '%s'\n",
			spec ? spec : "(null)", expected);
	free(spec);
	return same;
}

TEST(spec_without_range_is_all)
{
	CHECK(spec_is(NULL, 0, NULL, NULL, "all"));
}

TEST(spec_single_port)
{
	struct vn_port_forward_range r = { .start = 80 };

	CHECK(spec_is(&r, 1, NULL, NULL, "80"));
}

TEST(spec_port_range)
{
	struct vn_port_forward_range r = { .start = 1000, .end = 1050 };

	CHECK(spec_is(&r, 1, NULL, NULL, "1000-1050"));
}

TEST(spec_single_port_mapped_to_other_port)
{
	struct vn_port_forward_range r = { .start = 443, .to = 344 };

	CHECK(spec_is(&r, 1, NULL, NULL, "443:344"));
}

TEST(spec_range_mapped_gives_both_ends_of_target)
{
	struct vn_port_forward_range r = { .start = 5000, .end = 5020,
					   .to = 6000 };

	CHECK(spec_is(&r, 1, NULL, NULL, "5000-5020:6000-6020"));
}

TEST(spec_range_mapped_up_to_the_last_port_is_kept)
{
	struct vn_port_forward_range r = { .start = 5000, .end = 5020,
					   .to = 65515 };

	CHECK(spec_is(&r, 1, NULL, NULL, "5000-5020:65515-65535"));
}

TEST(spec_range_mapped_past_the_last_port_is_refused)
{
	struct vn_port_forward_range r = { .start = 5000, .end = 5020,
					   .to = 65530 };
	char *spec = spec_of(&r, 1, NULL, NULL);

	CHECK_MSG(!spec, "spec: %s", spec);
	CHECK_STR(vn_error_message(), "unsupported configuration: port forward "
		  "range 5000-5020 mapped to 65530 would end at port 65550, past 65535");
}

TEST(spec_mapped_range_ending_before_its_start_is_refused)
{
	struct vn_port_forward_range r = { .start = 5020, .end = 5000,
					   .to = 6000 };
	char *spec = spec_of(&r, 1, NULL, NULL);

	CHECK_MSG(!spec, "spec: %s", spec);
	CHECK_STR(vn_error_message(), "unsupported configuration: port forward "
		  "range 5020-5000 ends before it starts");
}

TEST(spec_excluded_port_and_range)
{
	struct vn_port_forward_range r[] = {
		{ .start = 1020, .exclude = true },
		{ .start = 1030, .end = 1040, .exclude = true },
	};

	CHECK(spec_is(r, 2, NULL, NULL, "~1020,~1030-1040"));
}

TEST(spec_ranges_joined_by_commas)
{
	struct vn_port_forward_range r[] = {
		{ .start = 22, .to = 2022 },
		{ .start = 1000, .end = 1050 },
		{ .start = 1020, .exclude = true },
	};

	CHECK(spec_is(r, 3, NULL, NULL, "22:2022,1000-1050,~1020"));
}

TEST(spec_address_prefix)
{
	struct vn_port_forward_range r = { .start = 22, .to = 2022 };

	CHECK(spec_is(&r, 1, "2001:db8:ac10:fd01::1:10", NULL,
		      "2001:db8:ac10:fd01::1:10/22:2022"));
}

TEST(spec_address_is_written_canonically)
{
	struct vn_port_forward_range r = { .start = 22 };

	CHECK(spec_is(&r, 1, "2001:DB8:0:0::0:1", NULL, "2001:db8::1/22"));
}

TEST(spec_address_and_device_prefix)
{
	struct vn_port_forward_range r = { .start = 5000 };

	CHECK(spec_is(&r, 1, "1.2.3.4", "eth0", "1.2.3.4%eth0/5000"));
}

TEST(spec_device_only_prefix)
{
	struct vn_port_forward_range r = { .start = 5000 };

	CHECK(spec_is(&r, 1, NULL, "eth0", "%eth0/5000"));
}

TEST(spec_address_with_all_ports)
{
	CHECK(spec_is(NULL, 0, "1.2.3.4", NULL, "1.2.3.4/all"));
}

TEST(spec_bad_address_is_an_error)
{
	struct vn_port_forward_range r = { .start = 22 };
	char *spec = spec_of(&r, 1, "not-an-address", NULL);

	CHECK(spec == NULL);
	CHECK(strstr(vn_error_message(), "not-an-address") != NULL);
}

/* ---- whole command lines ---- */

static struct vn_domain test_domain = {
	.virt_type = VN_DOMAIN_VIRT_QEMU,
	.id = -1,
	.name = "QEMUGuest1",
};

static int argv_is(const struct qemu_argv *argv, const char *const *expected)
{
	size_t i;

	for (i = 0; expected[i] && i < argv->n; i++)
		if (strcmp(argv->v[i], expected[i]))
			break;
	if (!expected[i] && i == argv->n)
		return 1;
	fprintf(stderr, "argv differs at %zu: got '%s', expected '%s'\n", i,
		i < argv->n ? argv->v[i] : "(end)",
		expected[i] ? expected[i] : "(end)");
	return 0;
}

TEST(vhostuser_without_options_is_the_minimal_command)
{
	struct vn_net net = { .type = VN_NET_VHOSTUSER,
			      .backend_type = VN_NET_BACKEND_PASST,
			      .alias = "net1" };
	static const char *const expected[] = {
		"vunetd", "--vhost-user", "--one-off",
		"--socket", PASST_DIR "-1-QEMUGuest1-net1.socket",
		"--pid", PASST_DIR "-1-QEMUGuest1-net1-passt.pid", NULL,
	};
	struct qemu_argv *argv = qemu_passt_build_argv(&test_domain, &net,
						       STATE_DIR, "vunetd");

	CHECK(argv);
	CHECK(argv_is(argv, expected));
	CHECK(argv->v[argv->n] == NULL);
	qemu_argv_free(argv);
}

TEST(user_type_speaks_stream_so_has_no_vhost_user_option)
{
	struct vn_net net = { .type = VN_NET_USER,
			      .backend_type = VN_NET_BACKEND_PASST,
			      .alias = "net0", .mtu = 1500 };
	static const char *const expected[] = {
		"passt", "--one-off",
		"--socket", PASST_DIR "-1-QEMUGuest1-net0.socket",
		"--pid", PASST_DIR "-1-QEMUGuest1-net0-passt.pid",
		"--mtu", "1500", NULL,
	};
	struct qemu_argv *argv = qemu_passt_build_argv(&test_domain, &net,
						       STATE_DIR, "passt");

	CHECK(argv);
	CHECK(argv_is(argv, expected));
	qemu_argv_free(argv);
}

TEST(all_options_in_libvirts_order)
{
	struct vn_net_ip ips[] = {
		{ .family = AF_INET, .address = "172.17.2.0", .prefix = 24,
		  .has_prefix = true },
		{ .family = AF_INET6, .address = "2001:db8:ac10:fd01::feed" },
	};
	struct vn_net_route routes[] = {
		{ .family = AF_INET6, .gateway = "2001:db8:ac10:fd01::beef" },
	};
	struct vn_port_forward_range tcp_ranges[] = { { .start = 80 } };
	struct vn_port_forward_range udp_ranges[] = {
		{ .start = 5000, .end = 5020, .to = 6000 },
	};
	struct vn_port_forward pfs[] = {
		{ .proto = VN_PORT_FORWARD_TCP, .ranges = tcp_ranges,
		  .n_ranges = 1 },
		{ .proto = VN_PORT_FORWARD_UDP, .address = "1.2.3.4",
		  .dev = "eth0", .ranges = udp_ranges, .n_ranges = 1 },
	};
	struct vn_net net = {
		.type = VN_NET_VHOSTUSER, .backend_type = VN_NET_BACKEND_PASST,
		.alias = "net0", .mtu = 9000, .source_dev = "eth42",
		.backend_log_file = "/var/log/loglaw.blog",
		.backend_hostname = "hostname1",
		.backend_fqdn = "hostname1.test.local",
		.ips = ips, .n_ips = 2, .routes = routes, .n_routes = 1,
		.port_forwards = pfs, .n_port_forwards = 2,
	};
	static const char *const expected[] = {
		"vunetd", "--vhost-user", "--one-off",
		"--socket", PASST_DIR "-1-QEMUGuest1-net0.socket",
		"--pid", PASST_DIR "-1-QEMUGuest1-net0-passt.pid",
		"--mtu", "9000", "--interface", "eth42",
		"--log-file", "/var/log/loglaw.blog",
		"--hostname", "hostname1", "--fqdn", "hostname1.test.local",
		"--address", "172.17.2.0", "--netmask", "24",
		"--address", "2001:db8:ac10:fd01::feed",
		"--gateway", "2001:db8:ac10:fd01::beef",
		"--tcp-ports", "80",
		"--udp-ports", "1.2.3.4%eth0/5000-5020:6000-6020", NULL,
	};
	struct qemu_argv *argv = qemu_passt_build_argv(&test_domain, &net,
						       STATE_DIR, "vunetd");

	CHECK(argv);
	CHECK(argv_is(argv, expected));
	qemu_argv_free(argv);
}

TEST(socket_path_longer_than_sun_path_is_an_error_naming_it)
{
	struct sockaddr_un sun;
	char dir[sizeof(sun.sun_path) + 16];
	struct vn_net net = { .type = VN_NET_VHOSTUSER,
			      .backend_type = VN_NET_BACKEND_PASST,
			      .alias = "net0" };
	struct qemu_argv *argv;

	memset(dir, 'd', sizeof(dir) - 1);
	dir[0] = '/';
	dir[sizeof(dir) - 1] = '\0';
	argv = qemu_passt_build_argv(&test_domain, &net, dir, "vunetd");
	CHECK(argv == NULL);
	CHECK(strstr(vn_error_message(), "too long") != NULL);
	CHECK(strstr(vn_error_message(), "-1-QEMUGuest1-net0.socket") != NULL);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
