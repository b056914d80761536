// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The QEMU command line (src/qemu/qemu_command*.c) from definitions built
 * as structs.
 *
 * Specification: the network options as libvirt writes them for each
 * interface type (vhost-user with and without passt, multiqueue, stream
 * for passt-backed user, slirp user, socket types) and QEMU version
 * (reconnect vs reconnect-ms, stream reconnect only from 8.0); the
 * vectors=0 rule (vhost-user, QEMU < 8.0, TCG only); ACPI and memory
 * backend choices; disks on QEMU 7.2 and latest; console and kernel boot;
 * refusals (vdpa, tap-based types, missing paths); comma escaping; and
 * the launch plan's text.  The same network lines are checked against
 * libvirt's own .args files, from the XML, in test_qemu_golden.c.
 */
#include "tests/harness.h"

#include <sys/socket.h>

#include "qemu/qemu_capabilities.h"
#include "qemu/qemu_command.h"
#include "qemu/qemu_plan.h"
#include "util/error.h"

#define STATE_DIR "/var/run/libvirt/qemu"
#define V72 QEMU_VERSION(7, 2, 0)
#define V80 QEMU_VERSION(8, 0, 0)
#define LATEST QEMU_CAPS_VERSION_LATEST

static struct vn_net *nets[4];

static struct vn_domain make_domain(struct vn_net *net)
{
	struct vn_domain dom = {
		.virt_type = VN_DOMAIN_VIRT_QEMU,
		.id = -1,
		.name = "QEMUGuest1",
		.memory_kib = 219136,
		.vcpus = 1,
		.os_machine = "pc",
		.emulator = "/usr/bin/qemu-system-x86_64",
		.nets = nets,
		.n_nets = net ? 1 : 0,
	};

	nets[0] = net;
	return dom;
}

static struct vn_net passt_vhostuser(void)
{
	struct vn_net net = {
		.type = VN_NET_VHOSTUSER,
		.backend_type = VN_NET_BACKEND_PASST,
		.model = "virtio",
		.alias = "net0",
		.mac = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 },
		.pci = { .present = true, .slot = 2 },
	};

	return net;
}

static struct qemu_argv *build(const struct vn_domain *dom,
			       unsigned long long version)
{
	struct qemu_build_opts opts = { .qemu_version = version,
					.state_dir = STATE_DIR };

	return qemu_command_build(dom, &opts);
}

/* Index of OPTION immediately followed by VALUE, or -1. */
static long find_pair(const struct qemu_argv *argv, const char *option,
		      const char *value)
{
	size_t i;

	for (i = 0; i + 1 < argv->n; i++)
		if (!strcmp(argv->v[i], option) && !strcmp(argv->v[i + 1], value))
			return i;
	return -1;
}

static long find_arg(const struct qemu_argv *argv, const char *arg)
{
	size_t i;

	for (i = 0; i < argv->n; i++)
		if (!strcmp(argv->v[i], arg))
			return i;
	return -1;
}

static bool any_arg_contains(const struct qemu_argv *argv, const char *text)
{
	size_t i;

	for (i = 0; i < argv->n; i++)
		if (strstr(argv->v[i], text))
			return true;
	return false;
}

#define CHECK_PAIR(argv, option, value)                                    \
	CHECK_MSG(find_pair(argv, option, value) >= 0,                     \
		  "missing %s %s", option, value)

#define PASST_SOCKET STATE_DIR "/passt/-1-QEMUGuest1-net0.socket"

TEST(passt_vhostuser_network_lines_as_libvirt_latest)
{
	struct vn_net net = passt_vhostuser();
	struct vn_domain dom = make_domain(&net);
	struct qemu_argv *argv = build(&dom, LATEST);
	long chardev, netdev, device;

	CHECK(argv);
	chardev = find_pair(argv, "-chardev",
			    "socket,id=charnet0,path=" PASST_SOCKET
			    ",reconnect-ms=5000");
	netdev = find_pair(argv, "-netdev",
			   "{\"type\":\"vhost-user\",\"chardev\":\"charnet0\",\"id\":\"hostnet0\"}");
	device = find_pair(argv, "-device",
			   "{\"driver\":\"virtio-net-pci\",\"netdev\":\"hostnet0\",\"id\":\"net0\",\"mac\":\"00:11:22:33:44:55\",\"bus\":\"pci.0\",\"addr\":\"0x2\"}");
	CHECK(chardev >= 0 && netdev == chardev + 2 && device == netdev + 2);
	qemu_argv_free(argv);
}

TEST(passt_vhostuser_on_qemu_72_reconnects_in_seconds)
{
	struct vn_net net = passt_vhostuser();
	struct vn_domain dom = make_domain(&net);
	struct qemu_argv *argv = build(&dom, V72);

	CHECK(argv);
	CHECK_PAIR(argv, "-chardev",
		   "socket,id=charnet0,path=" PASST_SOCKET ",reconnect=5");
	qemu_argv_free(argv);
}

TEST(vhostuser_nic_gets_zero_vectors_on_qemu_72_tcg)
{
	struct vn_net net = passt_vhostuser();
	struct vn_domain dom = make_domain(&net);
	struct qemu_argv *argv = build(&dom, V72);

	CHECK(argv);
	CHECK_PAIR(argv, "-device",
		   "{\"driver\":\"virtio-net-pci\",\"vectors\":0,\"netdev\":\"hostnet0\",\"id\":\"net0\",\"mac\":\"00:11:22:33:44:55\",\"bus\":\"pci.0\",\"addr\":\"0x2\"}");
	qemu_argv_free(argv);
}

TEST(zero_vectors_not_under_kvm)
{
	struct vn_net net = passt_vhostuser();
	struct vn_domain dom = make_domain(&net);
	struct qemu_argv *argv;

	dom.virt_type = VN_DOMAIN_VIRT_KVM;
	argv = build(&dom, V72);
	CHECK(argv);
	CHECK(!any_arg_contains(argv, "\"vectors\""));
	qemu_argv_free(argv);
}

TEST(zero_vectors_not_from_qemu_80)
{
	struct vn_net net = passt_vhostuser();
	struct vn_domain dom = make_domain(&net);
	struct qemu_argv *argv = build(&dom, V80);

	CHECK(argv);
	CHECK(!any_arg_contains(argv, "\"vectors\""));
	qemu_argv_free(argv);
}

TEST(zero_vectors_not_for_emulated_nics)
{
	struct vn_net net = { .type = VN_NET_USER, .model = "virtio",
			      .alias = "net0" };
	struct vn_domain dom = make_domain(&net);
	struct qemu_argv *argv = build(&dom, V72);

	CHECK(argv);
	CHECK(!any_arg_contains(argv, "\"vectors\""));
	qemu_argv_free(argv);
}

TEST(zero_vectors_replace_multiqueue_vectors_on_72_tcg)
{
	struct vn_net net = passt_vhostuser();
	struct vn_domain dom = make_domain(&net);
	struct qemu_argv *argv;

	net.queues = 4;
	argv = build(&dom, V72);
	CHECK(argv);
	CHECK(any_arg_contains(argv, "\"mq\":true,\"vectors\":0,\"netdev\""));
	qemu_argv_free(argv);
}

TEST(multiqueue_vhostuser_as_libvirt)
{
	struct vn_net net = {
		.type = VN_NET_VHOSTUSER, .model = "virtio", .alias = "net4",
		.source_type = VN_CHR_SOURCE_UNIX,
		.source_path = "/tmp/vhost3.sock",
		.source_mode = VN_CHR_MODE_CLIENT,
		.reconnect_enabled = VN_TRISTATE_NO, .queues = 4,
		.mac = { 0x52, 0x54, 0x00, 0xee, 0x96, 0x6e },
		.pci = { .present = true, .slot = 6 },
	};
	struct vn_domain dom = make_domain(&net);
	struct qemu_argv *argv = build(&dom, LATEST);

	CHECK(argv);
	CHECK_PAIR(argv, "-chardev",
		   "socket,id=charnet4,path=/tmp/vhost3.sock,reconnect-ms=0");
	CHECK_PAIR(argv, "-netdev",
		   "{\"type\":\"vhost-user\",\"chardev\":\"charnet4\",\"queues\":4,\"id\":\"hostnet4\"}");
	CHECK_PAIR(argv, "-device",
		   "{\"driver\":\"virtio-net-pci\",\"mq\":true,\"vectors\":10,\"netdev\":\"hostnet4\",\"id\":\"net4\",\"mac\":\"52:54:00:ee:96:6e\",\"bus\":\"pci.0\",\"addr\":\"0x6\"}");
	qemu_argv_free(argv);
}

TEST(vhostuser_server_and_reconnect_timeout)
{
	struct vn_net server = {
		.type = VN_NET_VHOSTUSER, .model = "virtio", .alias = "net0",
		.source_path = "/tmp/vhost0.sock",
		.source_mode = VN_CHR_MODE_SERVER,
	};
	struct vn_net client = {
		.type = VN_NET_VHOSTUSER, .model = "virtio", .alias = "net3",
		.source_path = "/tmp/vhost2.sock",
		.source_mode = VN_CHR_MODE_CLIENT,
		.reconnect_enabled = VN_TRISTATE_YES,
		.reconnect_timeout_s = 10,
	};
	struct vn_domain dom = make_domain(&server);
	struct qemu_argv *argv;

	nets[1] = &client;
	dom.n_nets = 2;
	argv = build(&dom, LATEST);
	CHECK(argv);
	CHECK_PAIR(argv, "-chardev",
		   "socket,id=charnet0,path=/tmp/vhost0.sock,server=on");
	CHECK_PAIR(argv, "-chardev",
		   "socket,id=charnet3,path=/tmp/vhost2.sock,reconnect-ms=10000");
	qemu_argv_free(argv);
}

TEST(comma_in_socket_path_is_doubled)
{
	struct vn_net net = {
		.type = VN_NET_VHOSTUSER, .model = "virtio", .alias = "net0",
		.source_path = "/tmp/a,b.sock",
		.source_mode = VN_CHR_MODE_CLIENT,
	};
	struct vn_domain dom = make_domain(&net);
	struct qemu_argv *argv = build(&dom, LATEST);

	CHECK(argv);
	CHECK_PAIR(argv, "-chardev", "socket,id=charnet0,path=/tmp/a,,b.sock");
	qemu_argv_free(argv);
}

TEST(vhostuser_without_socket_path_is_an_error_not_a_crash)
{
	struct vn_net net = { .type = VN_NET_VHOSTUSER, .model = "virtio",
			      .alias = "net0" };
	struct vn_domain dom = make_domain(&net);
	struct qemu_argv *argv = build(&dom, LATEST);

	CHECK(argv == NULL);
	CHECK(strstr(vn_error_message(), "Missing source path"));
}

TEST(commas_in_name_and_chardev_paths_are_doubled)
{
	struct vn_chr chr = { .kind = VN_CHR_SERIAL, .type = VN_CHR_FILE,
			      .path = "/tmp/a,b.log" };
	struct vn_domain dom = make_domain(NULL);
	struct qemu_argv *argv;

	dom.name = "a,b";
	dom.chrs = &chr;
	dom.n_chrs = 1;
	argv = build(&dom, LATEST);
	CHECK(argv);
	CHECK_PAIR(argv, "-name", "guest=a,,b,debug-threads=on");
	CHECK_PAIR(argv, "-chardev", "file,id=charserial0,path=/tmp/a,,b.log");
	CHECK_PAIR(argv, "-chardev",
		   "socket,id=charmonitor,path=" STATE_DIR
		   "/domain--1-a,,b/monitor.sock,server=on,wait=off");
	qemu_argv_free(argv);
}

TEST(file_serial_without_path_is_an_error_not_a_crash)
{
	struct vn_chr chr = { .kind = VN_CHR_SERIAL, .type = VN_CHR_FILE };
	struct vn_domain dom = make_domain(NULL);
	struct qemu_argv *argv;

	dom.chrs = &chr;
	dom.n_chrs = 1;
	argv = build(&dom, LATEST);
	CHECK(argv == NULL);
	CHECK(strstr(vn_error_message(), "Missing source path"));
}

static struct vn_net passt_user(void)
{
	struct vn_net net = {
		.type = VN_NET_USER, .backend_type = VN_NET_BACKEND_PASST,
		.model = "rtl8139", .alias = "net0",
		.mac = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 },
		.pci = { .present = true, .slot = 2 },
	};

	return net;
}

TEST(passt_user_is_a_stream_netdev_reconnecting_in_ms)
{
	struct vn_net net = passt_user();
	struct vn_domain dom = make_domain(&net);
	struct qemu_argv *argv = build(&dom, LATEST);

	CHECK(argv);
	CHECK_PAIR(argv, "-netdev",
		   "{\"type\":\"stream\",\"addr\":{\"type\":\"unix\",\"path\":\"" PASST_SOCKET "\"},\"server\":false,\"reconnect-ms\":5000,\"id\":\"hostnet0\"}");
	CHECK_PAIR(argv, "-device",
		   "{\"driver\":\"rtl8139\",\"netdev\":\"hostnet0\",\"id\":\"net0\",\"mac\":\"00:11:22:33:44:55\",\"bus\":\"pci.0\",\"addr\":\"0x2\"}");
	CHECK(find_arg(argv, "-chardev") >= 0); /* the monitor only */
	CHECK(!any_arg_contains(argv, "charnet0"));
	qemu_argv_free(argv);
}

TEST(passt_user_on_qemu_72_has_no_reconnect)
{
	struct vn_net net = passt_user();
	struct vn_domain dom = make_domain(&net);
	struct qemu_argv *argv = build(&dom, V72);

	CHECK(argv);
	CHECK_PAIR(argv, "-netdev",
		   "{\"type\":\"stream\",\"addr\":{\"type\":\"unix\",\"path\":\"" PASST_SOCKET "\"},\"server\":false,\"id\":\"hostnet0\"}");
	qemu_argv_free(argv);
}

TEST(passt_user_on_qemu_80_reconnects_in_seconds)
{
	struct vn_net net = passt_user();
	struct vn_domain dom = make_domain(&net);
	struct qemu_argv *argv = build(&dom, V80);

	CHECK(argv);
	CHECK(any_arg_contains(argv, "\"server\":false,\"reconnect\":5,\"id\""));
	qemu_argv_free(argv);
}

TEST(slirp_user_with_addresses)
{
	struct vn_net_ip ips[] = {
		{ .family = AF_INET, .address = "172.17.2.0", .prefix = 24 },
		{ .family = AF_INET6, .address = "2001:db8:ac10:fd01::",
		  .prefix = 64 },
	};
	struct vn_net net = { .type = VN_NET_USER, .model = "rtl8139",
			      .alias = "net0", .ips = ips, .n_ips = 2 };
	struct vn_domain dom = make_domain(&net);
	struct qemu_argv *argv = build(&dom, LATEST);

	CHECK(argv);
	CHECK_PAIR(argv, "-netdev",
		   "{\"type\":\"user\",\"net\":\"172.17.2.0/24\",\"ipv6-prefix\":\"2001:db8:ac10:fd01::\",\"ipv6-prefixlen\":64,\"id\":\"hostnet0\"}");
	qemu_argv_free(argv);
}

TEST(socket_types_as_libvirt)
{
	struct vn_net server = { .type = VN_NET_SERVER, .model = "rtl8139",
				 .alias = "net0", .source_port = 2015 };
	struct vn_net mcast = { .type = VN_NET_MCAST, .model = "rtl8139",
				.alias = "net1", .source_address = "230.0.0.1",
				.source_port = 5558 };
	struct vn_net udp = { .type = VN_NET_UDP, .model = "rtl8139",
			      .alias = "net2", .source_address = "192.168.10.1",
			      .source_port = 5555,
			      .source_local_address = "192.168.10.1",
			      .source_local_port = 5556 };
	struct vn_net client = { .type = VN_NET_CLIENT, .model = "rtl8139",
				 .alias = "net3", .source_address = "127.0.0.1",
				 .source_port = 2015 };
	struct vn_domain dom = make_domain(&server);
	struct qemu_argv *argv;

	nets[1] = &mcast;
	nets[2] = &udp;
	nets[3] = &client;
	dom.n_nets = 4;
	argv = build(&dom, LATEST);
	CHECK(argv);
	CHECK_PAIR(argv, "-netdev",
		   "{\"type\":\"socket\",\"listen\":\":2015\",\"id\":\"hostnet0\"}");
	CHECK_PAIR(argv, "-netdev",
		   "{\"type\":\"socket\",\"mcast\":\"230.0.0.1:5558\",\"id\":\"hostnet1\"}");
	CHECK_PAIR(argv, "-netdev",
		   "{\"type\":\"socket\",\"udp\":\"192.168.10.1:5555\",\"localaddr\":\"192.168.10.1:5556\",\"id\":\"hostnet2\"}");
	CHECK_PAIR(argv, "-netdev",
		   "{\"type\":\"socket\",\"connect\":\"127.0.0.1:2015\",\"id\":\"hostnet3\"}");
	qemu_argv_free(argv);
}

TEST(mtu_and_boot_order_on_the_nic)
{
	struct vn_net net = passt_vhostuser();
	struct vn_domain dom = make_domain(&net);
	struct qemu_argv *argv;

	net.mtu = 9000;
	net.boot_order = 2;
	argv = build(&dom, LATEST);
	CHECK(argv);
	CHECK(any_arg_contains(argv, "{\"driver\":\"virtio-net-pci\",\"host_mtu\":9000,\"netdev\":\"hostnet0\",\"id\":\"net0\",\"mac\":\"00:11:22:33:44:55\",\"bootindex\":2,\"bus\":\"pci.0\""));
	qemu_argv_free(argv);
}

TEST(vdpa_is_refused_as_unsupported)
{
	struct vn_net net = { .type = VN_NET_VDPA, .model = "virtio",
			      .alias = "net0", .source_dev = "/dev/vhost-vdpa-0" };
	struct vn_domain dom = make_domain(&net);
	struct qemu_argv *argv = build(&dom, LATEST);

	CHECK(argv == NULL);
	CHECK_INT(vn_error_code(), VN_ERR_CONFIG_UNSUPPORTED);
	CHECK(strstr(vn_error_message(), "'vdpa' is not supported by vunet"));
}

TEST(tap_based_types_are_refused_as_unsupported)
{
	struct vn_net net = { .type = VN_NET_BRIDGE, .alias = "net0" };
	struct vn_domain dom = make_domain(&net);

	CHECK_INT(qemu_command_check_supported(&dom), -1);
	CHECK(strstr(vn_error_message(), "'bridge' is not supported by vunet"));
}

TEST(machine_acpi_property_from_qemu_80)
{
	struct vn_domain dom = make_domain(NULL);
	struct qemu_argv *argv = build(&dom, LATEST);

	CHECK(argv);
	CHECK_PAIR(argv, "-machine",
		   "pc,usb=off,dump-guest-core=off,memory-backend=pc.ram,acpi=off");
	CHECK(find_arg(argv, "-no-acpi") < 0);
	qemu_argv_free(argv);
	dom.feature_acpi = VN_TRISTATE_YES;
	argv = build(&dom, LATEST);
	CHECK(argv);
	CHECK_PAIR(argv, "-machine",
		   "pc,usb=off,dump-guest-core=off,memory-backend=pc.ram,acpi=on");
	qemu_argv_free(argv);
}

TEST(no_acpi_option_before_qemu_80)
{
	struct vn_domain dom = make_domain(NULL);
	struct qemu_argv *argv = build(&dom, V72);

	CHECK(argv);
	CHECK_PAIR(argv, "-machine",
		   "pc,usb=off,dump-guest-core=off,memory-backend=pc.ram");
	CHECK(find_arg(argv, "-no-acpi") > find_arg(argv, "-no-shutdown"));
	CHECK(find_arg(argv, "-no-acpi") < find_arg(argv, "-boot"));
	qemu_argv_free(argv);
	dom.feature_acpi = VN_TRISTATE_YES;
	argv = build(&dom, V72);
	CHECK(argv);
	CHECK(find_arg(argv, "-no-acpi") < 0);
	qemu_argv_free(argv);
}

TEST(private_memory_is_plain_ram)
{
	struct vn_domain dom = make_domain(NULL);
	struct qemu_argv *argv = build(&dom, LATEST);

	CHECK(argv);
	CHECK_PAIR(argv, "-m", "size=219136k");
	CHECK_PAIR(argv, "-object",
		   "{\"qom-type\":\"memory-backend-ram\",\"id\":\"pc.ram\",\"size\":224395264}");
	qemu_argv_free(argv);
}

TEST(shared_memory_without_source_is_memfd)
{
	struct vn_domain dom = make_domain(NULL);
	struct qemu_argv *argv;

	dom.mem_access = VN_MEMORY_ACCESS_SHARED;
	argv = build(&dom, LATEST);
	CHECK(argv);
	CHECK_PAIR(argv, "-object",
		   "{\"qom-type\":\"memory-backend-memfd\",\"id\":\"pc.ram\",\"share\":true,\"x-use-canonical-path-for-ramblock-id\":false,\"size\":224395264}");
	qemu_argv_free(argv);
}

TEST(memfd_source_is_shared_memfd)
{
	struct vn_domain dom = make_domain(NULL);
	struct qemu_argv *argv;

	dom.mem_source = VN_MEMORY_SOURCE_MEMFD;
	argv = build(&dom, LATEST);
	CHECK(argv);
	CHECK(any_arg_contains(argv, "\"memory-backend-memfd\",\"id\":\"pc.ram\",\"share\":true"));
	qemu_argv_free(argv);
}

TEST(file_source_is_a_file_in_the_state_dir)
{
	struct vn_domain dom = make_domain(NULL);
	struct qemu_argv *argv;

	dom.mem_source = VN_MEMORY_SOURCE_FILE;
	dom.mem_access = VN_MEMORY_ACCESS_SHARED;
	argv = build(&dom, LATEST);
	CHECK(argv);
	CHECK_PAIR(argv, "-object",
		   "{\"qom-type\":\"memory-backend-file\",\"id\":\"pc.ram\",\"mem-path\":\"" STATE_DIR "/ram/-1-QEMUGuest1/pc.ram\",\"share\":true,\"x-use-canonical-path-for-ramblock-id\":false,\"size\":224395264}");
	qemu_argv_free(argv);
}

TEST(numa_cells_get_one_backend_each)
{
	struct vn_numa_cell cells[] = {
		{ .id = 0, .cpus = "0", .memory_kib = 131072,
		  .mem_access = VN_MEMORY_ACCESS_SHARED },
		{ .id = 1, .cpus = "1-2,4", .memory_kib = 131072 },
	};
	struct vn_domain dom = make_domain(NULL);
	struct qemu_argv *argv;

	dom.vcpus = 5;
	dom.numa_cells = cells;
	dom.n_numa_cells = 2;
	argv = build(&dom, LATEST);
	CHECK(argv);
	CHECK_PAIR(argv, "-machine",
		   "pc,usb=off,dump-guest-core=off,acpi=off");
	CHECK_PAIR(argv, "-object",
		   "{\"qom-type\":\"memory-backend-memfd\",\"id\":\"ram-node0\",\"share\":true,\"size\":134217728}");
	CHECK_PAIR(argv, "-object",
		   "{\"qom-type\":\"memory-backend-ram\",\"id\":\"ram-node1\",\"size\":134217728}");
	CHECK_PAIR(argv, "-numa", "node,nodeid=0,cpus=0,memdev=ram-node0");
	CHECK_PAIR(argv, "-numa",
		   "node,nodeid=1,cpus=1-2,cpus=4,memdev=ram-node1");
	CHECK(find_arg(argv, "-numa") > find_arg(argv, "-smp"));
	qemu_argv_free(argv);
}

TEST(head_of_the_command_line_in_libvirts_order)
{
	struct vn_domain dom = make_domain(NULL);
	struct qemu_argv *argv = build(&dom, LATEST);
	static const char *const order[] = {
		"-name", "-S", "-machine", "-accel", "-cpu", "-m", "-object",
		"-overcommit", "-smp", "-display", "-no-user-config",
		"-nodefaults", "-chardev", "-mon", "-rtc", "-no-shutdown",
		"-boot", "-sandbox", "-msg", NULL,
	};
	long last = 0;
	size_t i;

	CHECK(argv);
	CHECK_STR(argv->v[0], "/usr/bin/qemu-system-x86_64");
	for (i = 0; order[i]; i++) {
		long at = find_arg(argv, order[i]);

		CHECK_MSG(at > last, "%s out of order", order[i]);
		last = at;
	}
	CHECK_PAIR(argv, "-name", "guest=QEMUGuest1,debug-threads=on");
	CHECK_PAIR(argv, "-accel", "tcg");
	CHECK_PAIR(argv, "-cpu", "qemu64");
	CHECK_PAIR(argv, "-smp", "1,sockets=1,cores=1,threads=1");
	CHECK_PAIR(argv, "-chardev",
		   "socket,id=charmonitor,path=" STATE_DIR
		   "/domain--1-QEMUGuest1/monitor.sock,server=on,wait=off");
	CHECK_PAIR(argv, "-mon", "chardev=charmonitor,id=monitor,mode=control");
	qemu_argv_free(argv);
}

TEST(kernel_boot_and_serial_console)
{
	struct vn_chr chrs[] = {
		{ .kind = VN_CHR_SERIAL, .type = VN_CHR_PTY },
		{ .kind = VN_CHR_CONSOLE, .type = VN_CHR_PTY,
		  .target_type = "serial" },
	};
	struct vn_domain dom = make_domain(NULL);
	struct qemu_argv *argv;

	dom.kernel = "/boot/vmlinuz";
	dom.initrd = "/boot/initrd.img";
	dom.cmdline = "console=ttyS0 quiet";
	dom.chrs = chrs;
	dom.n_chrs = 2;
	argv = build(&dom, LATEST);
	CHECK(argv);
	CHECK(find_pair(argv, "-kernel", "/boot/vmlinuz") >
	      find_arg(argv, "-boot"));
	CHECK_PAIR(argv, "-initrd", "/boot/initrd.img");
	CHECK_PAIR(argv, "-append", "console=ttyS0 quiet");
	CHECK_PAIR(argv, "-chardev", "pty,id=charserial0");
	CHECK_PAIR(argv, "-device",
		   "{\"driver\":\"isa-serial\",\"chardev\":\"charserial0\",\"id\":\"serial0\",\"index\":0}");
	/* The console is the serial port: no second one. */
	CHECK(!any_arg_contains(argv, "serial1"));
	qemu_argv_free(argv);
}

TEST(disks_as_libvirt_latest_and_72)
{
	struct vn_disk disk = {
		.type = VN_DISK_BLOCK, .device = VN_DISK_DEVICE_DISK,
		.driver_name = "qemu", .driver_type = "raw",
		.source = "/dev/HostVG/QEMUGuest1", .target_dev = "hda",
		.bus = VN_DISK_BUS_IDE, .drive = { .present = true },
	};
	char *boot_devs[] = { "hd" };
	struct vn_domain dom = make_domain(NULL);
	struct qemu_argv *argv;

	dom.disks = &disk;
	dom.n_disks = 1;
	dom.boot_devs = boot_devs;
	dom.n_boot_devs = 1;
	argv = build(&dom, LATEST);
	CHECK(argv);
	CHECK_PAIR(argv, "-blockdev",
		   "{\"driver\":\"host_device\",\"filename\":\"/dev/HostVG/QEMUGuest1\",\"node-name\":\"libvirt-1-storage\",\"read-only\":false}");
	CHECK_PAIR(argv, "-device",
		   "{\"driver\":\"ide-hd\",\"bus\":\"ide.0\",\"unit\":0,\"drive\":\"libvirt-1-storage\",\"id\":\"ide0-0-0\",\"bootindex\":1}");
	qemu_argv_free(argv);
	argv = build(&dom, V72);
	CHECK(argv);
	CHECK_PAIR(argv, "-blockdev",
		   "{\"driver\":\"host_device\",\"filename\":\"/dev/HostVG/QEMUGuest1\",\"node-name\":\"libvirt-1-storage\",\"auto-read-only\":true,\"discard\":\"unmap\"}");
	CHECK_PAIR(argv, "-blockdev",
		   "{\"node-name\":\"libvirt-1-format\",\"read-only\":false,\"driver\":\"raw\",\"file\":\"libvirt-1-storage\"}");
	CHECK_PAIR(argv, "-device",
		   "{\"driver\":\"ide-hd\",\"bus\":\"ide.0\",\"unit\":0,\"drive\":\"libvirt-1-format\",\"id\":\"ide0-0-0\",\"bootindex\":1}");
	qemu_argv_free(argv);
}

TEST(plan_text_has_backend_blocks_then_qemu)
{
	struct vn_net net = passt_vhostuser();
	struct vn_domain dom = make_domain(&net);
	struct qemu_build_opts opts = { .qemu_version = LATEST,
					.state_dir = STATE_DIR };
	struct qemu_plan *plan = qemu_plan_build(&dom, &opts, "/usr/bin/vunetd");
	char *text;

	CHECK(plan);
	text = qemu_plan_format(plan);
	qemu_plan_free(plan);
	CHECK(text);
	CHECK_MSG(!strncmp(text,
			   "# backend net0\n"
			   "/usr/bin/vunetd \\\n"
			   "--vhost-user \\\n"
			   "--one-off \\\n"
			   "--socket " PASST_SOCKET " \\\n"
			   "--pid " STATE_DIR "/passt/-1-QEMUGuest1-net0-passt.pid\n"
			   "\n"
			   "# qemu\n"
			   "/usr/bin/qemu-system-x86_64 \\\n"
			   "-name guest=QEMUGuest1,debug-threads=on \\\n"
			   "-S \\\n", 240),
		  "plan starts:\n%.400s", text);
	CHECK(strstr(text, "\n-netdev '{\"type\":\"vhost-user\",\"chardev\":\"charnet0\",\"id\":\"hostnet0\"}' \\\n"));
	CHECK(strstr(text, "\n-msg timestamp=on\n"));
	free(text);
}

TEST(argv_format_quotes_what_a_shell_would_interpret)
{
	struct qemu_argv *argv = qemu_argv_new("prog");
	char *text;

	CHECK(argv);
	qemu_argv_add_pair(argv, "-append", "console=ttyS0 it's");
	qemu_argv_add_pair(argv, "--tcp-ports", "~22");
	qemu_argv_add_pair(argv, "-x", "");
	text = qemu_argv_format(argv);
	qemu_argv_free(argv);
	CHECK(text);
	CHECK_STR(text, "prog \\\n-append 'console=ttyS0 it'\\''s' \\\n"
			"--tcp-ports '~22' \\\n-x ''\n");
	free(text);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
