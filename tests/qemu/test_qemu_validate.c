// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU-specific validation (qemu_validate_domain): one case per rule with
 * libvirt's exact message as virsh prints it (or vunet's own, for the
 * interface types it refuses), and every valid definition of libvirt's
 * test data accepted with QEMU 10.0.0 ("latest") and 7.2.0.
 *
 * A case parses XML with vn_domain_parse_string and runs
 * qemu_validate_domain, which includes the generic rules in libvirt's
 * order, and asserts the first message the user would see ("" when
 * accepted).
 * libvirt's test data is read from $VUNET_SHARED/libvirt-testdata, else
 * ../shared next to the source tree (VUNET_SOURCE_ROOT, set by meson);
 * without it those cases SKIP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/conf/outcome.h"
#include "tests/conf/testdata_valid.h"
#include "tests/harness.h"
#include "conf/domain_conf.h"
#include "qemu/qemu_validate.h"
#include "util/error.h"

#define QEMU_LATEST QEMU_VERSION(10, 0, 0)
#define QEMU_DEBIAN12 QEMU_VERSION(7, 2, 0)



static void qemu_validate(struct vn_domain *dom, const void *arg)
{
	qemu_validate_domain(dom, *(const unsigned long long *)arg);
}

static const char *outcome_with(const char *memory_xml, const char *iface_xml,
				unsigned long long version)
{
	return outcome_of_domain(memory_xml, iface_xml, qemu_validate, &version);
}

/* The common case: shared memory, the newest QEMU. */
static const char *outcome(const char *iface_xml)
{
	return outcome_with(OUTCOME_SHARED_MEMORY, iface_xml, QEMU_LATEST);
}

static const unsigned long long qemu_latest = QEMU_LATEST;
static const unsigned long long qemu_debian12 = QEMU_DEBIAN12;

#define CHECK_TESTDATA_VALID(name)                                        \
	do {                                                              \
		CHECK_TESTDATA_OUTCOME(name, qemu_validate, &qemu_latest,  \
				       "");                               \
		CHECK_TESTDATA_OUTCOME(name, qemu_validate,               \
				       &qemu_debian12, "");               \
	} while (0)

/* ---- guest-side addresses ---- */

TEST(guest_ip_cannot_have_peer)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <ip address='10.0.2.15' prefix='24' peer='10.0.2.2'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: Invalid attempt to set peer IP for guest");
}

TEST(only_one_ipv4_address)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <backend type='passt'/>\n"
			  "      <ip address='10.0.2.15' family='ipv4' prefix='24'/>\n"
			  "      <ip address='10.0.3.15' family='ipv4' prefix='24'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: Only one IPv4 address per interface is allowed");
}

TEST(only_one_ipv6_address)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <ip address='2001:db8::1' family='ipv6'/>\n"
			  "      <ip address='2001:db8::2' family='ipv6'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: Only one IPv6 address per interface is allowed");
}

TEST(slirp_ipv4_prefix_above_27_refused)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <ip address='10.0.2.0' family='ipv4' prefix='28'/>\n"
			  "    </interface>\n"),
		  "XML error: invalid prefix, must be in range of 4-27");
}

TEST(slirp_ipv4_prefix_below_4_refused)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <ip address='10.0.0.0' family='ipv4' prefix='3'/>\n"
			  "    </interface>\n"),
		  "XML error: invalid prefix, must be in range of 4-27");
}

TEST(passt_accepts_ipv4_prefix_30)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <backend type='passt'/>\n"
			  "      <ip address='10.0.2.13' family='ipv4' prefix='30'/>\n"
			  "    </interface>\n"),
		  "");
}

TEST(ipv6_prefix_must_be_64)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <backend type='passt'/>\n"
			  "      <ip address='2001:db8::1' family='ipv6' prefix='48'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: unsupported IPv6 address prefix='48' - must be 64");
}

TEST(guest_ip_refused_on_vhostuser_without_passt)
{
	CHECK_STR(outcome("    <interface type='vhostuser'>\n"
			  "      <source type='unix' path='/tmp/vhost0.sock' mode='client'/>\n"
			  "      <ip address='10.0.2.15' prefix='24'/>\n"
			  "      <model type='virtio'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: Invalid attempt to set network interface guest-side IP route and/or address info, not supported by QEMU");
}

TEST(guest_ip_refused_on_socket_interface)
{
	CHECK_STR(outcome("    <interface type='server'>\n"
			  "      <source address='127.0.0.1' port='2015'/>\n"
			  "      <ip address='10.0.2.15' prefix='24'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: Invalid attempt to set network interface guest-side IP route and/or address info, not supported by QEMU");
}

/* ---- guest-side routes ---- */

TEST(route_refused_with_slirp)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <route gateway='10.0.2.2'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: Invalid attempt to set network interface guest-side IP route, not supported by QEMU");
}

TEST(route_refused_on_vhostuser_without_passt)
{
	CHECK_STR(outcome("    <interface type='vhostuser'>\n"
			  "      <source type='unix' path='/tmp/vhost0.sock' mode='client'/>\n"
			  "      <route gateway='10.0.2.2'/>\n"
			  "      <model type='virtio'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: Invalid attempt to set network interface guest-side IP route and/or address info, not supported by QEMU");
}

TEST(only_one_ipv4_default_route)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <backend type='passt'/>\n"
			  "      <route gateway='10.0.2.2'/>\n"
			  "      <route family='ipv4' gateway='10.0.2.3'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: Only one IPv4 default route per interface is allowed");
}

TEST(only_one_ipv6_default_route)
{
	CHECK_STR(outcome("    <interface type='vhostuser'>\n"
			  "      <backend type='passt'/>\n"
			  "      <route family='ipv6' gateway='2001:db8::1'/>\n"
			  "      <route family='ipv6' gateway='2001:db8::2'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: Only one IPv6 default route per interface is allowed");
}

TEST(one_default_route_per_family_is_valid)
{
	CHECK_STR(outcome("    <interface type='vhostuser'>\n"
			  "      <backend type='passt'/>\n"
			  "      <route gateway='10.0.2.2'/>\n"
			  "      <route family='ipv6' gateway='2001:db8::1'/>\n"
			  "    </interface>\n"),
		  "");
}

TEST(passt_route_must_be_a_default_route)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <backend type='passt'/>\n"
			  "      <route family='ipv4' address='192.168.5.0' prefix='24' gateway='10.0.2.2'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: The 'passt' backend only supports a default route (a <route> with only a 'gateway' attribute)");
}

/* ---- MTU ---- */

TEST(mtu_refused_with_slirp)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <mtu size='1400'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: setting MTU on interface type user is not supported yet");
}

TEST(mtu_refused_on_vdpa)
{
	CHECK_STR(outcome("    <interface type='vdpa'>\n"
			  "      <source dev='/dev/vhost-vdpa-0'/>\n"
			  "      <mtu size='1400'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: setting MTU on interface type vdpa is not supported yet");
}

TEST(mtu_accepted_with_passt)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <backend type='passt'/>\n"
			  "      <mtu size='65520'/>\n"
			  "    </interface>\n"),
		  "");
}

TEST(mtu_accepted_on_vhostuser)
{
	CHECK_STR(outcome("    <interface type='vhostuser'>\n"
			  "      <backend type='passt'/>\n"
			  "      <mtu size='65520'/>\n"
			  "    </interface>\n"),
		  "");
}

/* ---- vhost-user needs shared memory ---- */

#define PASST_VHOSTUSER \
	"    <interface type='vhostuser'>\n" \
	"      <backend type='passt'/>\n" \
	"    </interface>\n"
#define NEEDS_SHMEM "unsupported configuration: 'interface' requires shared memory"

TEST(vhostuser_without_shared_memory_as_libvirt_err_file_says)
{
	char *expected = testdata_read_trimmed("net-vhostuser-passt-no-shmem.x86_64-latest.err");
	bool found;
	const char *msg;

	if (!expected)
		SKIP("libvirt test data not found in %s", testdata_dir());
	msg = outcome_of_testdata("net-vhostuser-passt-no-shmem.xml",
				  qemu_validate, &qemu_latest, &found);
	CHECK_STR(msg, expected);
	free(expected);
}

TEST(plain_vhostuser_also_needs_shared_memory)
{
	CHECK_STR(outcome_with("",
			       "    <interface type='vhostuser'>\n"
			       "      <source type='unix' path='/tmp/vhost0.sock' mode='client'/>\n"
			       "      <model type='virtio'/>\n"
			       "    </interface>\n", QEMU_LATEST),
		  NEEDS_SHMEM);
}

TEST(private_memory_access_refused)
{
	CHECK_STR(outcome_with("  <memoryBacking>\n"
			       "    <access mode='private'/>\n"
			       "  </memoryBacking>\n",
			       PASST_VHOSTUSER, QEMU_LATEST),
		  NEEDS_SHMEM);
}

#define NUMA_CELL(access) \
	"  <cpu>\n" \
	"    <numa>\n" \
	"      <cell id='0' cpus='0' memory='219136' unit='KiB'" access "/>\n" \
	"    </numa>\n" \
	"  </cpu>\n"

TEST(numa_cell_without_access_needs_shared_domain_memory)
{
	CHECK_STR(outcome_with(NUMA_CELL(""), PASST_VHOSTUSER, QEMU_LATEST),
		  NEEDS_SHMEM);
}

TEST(numa_cell_shared_is_enough)
{
	CHECK_STR(outcome_with(NUMA_CELL(" memAccess='shared'"),
			       PASST_VHOSTUSER, QEMU_LATEST),
		  "");
}

TEST(numa_cell_inherits_shared_domain_memory)
{
	CHECK_STR(outcome_with(OUTCOME_SHARED_MEMORY NUMA_CELL(""), PASST_VHOSTUSER,
			       QEMU_LATEST),
		  "");
}

TEST(numa_cell_private_overrides_shared_domain_memory)
{
	CHECK_STR(outcome_with(OUTCOME_SHARED_MEMORY NUMA_CELL(" memAccess='private'"),
			       PASST_VHOSTUSER, QEMU_LATEST),
		  NEEDS_SHMEM);
}

TEST(slirp_needs_no_shared_memory)
{
	CHECK_STR(outcome_with("", "    <interface type='user'/>\n",
			       QEMU_LATEST),
		  "");
}

/* ---- start-time rules ---- */

TEST(testdata_net_vhostuser_fail_refused_for_filterref)
{
	CHECK_TESTDATA_OUTCOME("net-vhostuser-fail.xml", qemu_validate,
			       &qemu_latest,
			       "unsupported configuration: interface 52:54:00:ee:96:6b - filterref is not supported for network interfaces of type vhostuser");
}

TEST(custom_tap_refused_on_vhostuser)
{
	CHECK_STR(outcome("    <interface type='vhostuser'>\n"
			  "      <mac address='52:54:00:ee:96:6b'/>\n"
			  "      <source type='unix' path='/tmp/vhost0.sock' mode='client'/>\n"
			  "      <model type='virtio'/>\n"
			  "      <backend tap='/dev/mytap'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: interface 52:54:00:ee:96:6b - custom tap device path is not supported for network interfaces of type vhostuser");
}

TEST(multiqueue_refused_on_user)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <mac address='52:54:00:ee:96:6c'/>\n"
			  "      <backend type='passt'/>\n"
			  "      <model type='virtio'/>\n"
			  "      <driver queues='2'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: interface 52:54:00:ee:96:6c - multiqueue is not supported for network interfaces of type user");
}

/* ---- vDPA and QEMU versions ---- */

TEST(vdpa_model_must_be_virtio)
{
	CHECK_STR(outcome("    <interface type='vdpa'>\n"
			  "      <source dev='/dev/vhost-vdpa-0'/>\n"
			  "      <model type='rtl8139'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: invalid model for interface of type 'vdpa': 'rtl8139'");
}

TEST(vdpa_needs_qemu_5_1)
{
	CHECK_STR(outcome_with(OUTCOME_SHARED_MEMORY,
			       "    <interface type='vdpa'>\n"
			       "      <source dev='/dev/vhost-vdpa-0'/>\n"
			       "    </interface>\n", QEMU_VERSION(5, 0, 0)),
		  "unsupported configuration: vDPA devices are not supported with this QEMU binary");
}

TEST(passt_on_user_needs_qemu_7_2)
{
	CHECK_STR(outcome_with(OUTCOME_SHARED_MEMORY,
			       "    <interface type='user'>\n"
			       "      <backend type='passt'/>\n"
			       "    </interface>\n", QEMU_VERSION(7, 1, 0)),
		  "unsupported configuration: the passt network backend is not supported with this QEMU binary");
}

/* ---- interface types vunet cannot run ---- */

#define VUNET_REFUSES(type) \
	"unsupported configuration: interface type '" type "' is not supported by vunet (it needs a tap device or host privileges); use type='user' or type='vhostuser' with <backend type='passt'/>"

TEST(bridge_refused_by_vunet)
{
	CHECK_STR(outcome("    <interface type='bridge'>\n"
			  "      <source bridge='br0'/>\n"
			  "    </interface>\n"),
		  VUNET_REFUSES("bridge"));
}

TEST(network_refused_by_vunet)
{
	CHECK_STR(outcome("    <interface type='network'>\n"
			  "      <source network='default'/>\n"
			  "    </interface>\n"),
		  VUNET_REFUSES("network"));
}

TEST(ethernet_refused_by_vunet)
{
	CHECK_STR(outcome("    <interface type='ethernet'/>\n"),
		  VUNET_REFUSES("ethernet"));
}

TEST(direct_refused_by_vunet)
{
	CHECK_STR(outcome("    <interface type='direct'>\n"
			  "      <source dev='eth0' mode='vepa'/>\n"
			  "    </interface>\n"),
		  VUNET_REFUSES("direct"));
}

TEST(passt_misuse_on_bridge_gets_libvirts_error_first)
{
	CHECK_STR(outcome("    <interface type='bridge'>\n"
			  "      <source bridge='br0'/>\n"
			  "      <backend type='passt'/>\n"
			  "    </interface>\n"),
		  "internal error: The 'passt' backend can only be used with interface type='user' or type='vhostuser'");
}

TEST(guest_ip_on_bridge_gets_libvirts_error_first)
{
	CHECK_STR(outcome("    <interface type='bridge'>\n"
			  "      <source bridge='br0'/>\n"
			  "      <ip address='10.0.2.15' prefix='24'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: Invalid attempt to set network interface guest-side IP route and/or address info, not supported by QEMU");
}

/* ---- one interface at a time (attach-device) ---- */

static const char *hotplug_outcome(const char *memory_xml,
				   const char *iface_xml)
{
	char *xml = NULL;
	struct vn_domain *dom = NULL;
	struct vn_net *net = NULL;
	const char *msg;

	outcome_keep(NULL);
	xml = outcome_domain_xml(memory_xml, "");
	if (!xml)
		return NULL;
	vn_error_reset();
	dom = vn_domain_parse_string(xml);
	if (dom)
		net = vn_net_parse_string(iface_xml, dom);
	if (net)
		qemu_validate_net(dom, net, QEMU_LATEST);
	msg = outcome_keep(vn_error_message());
	vn_net_free(net);
	vn_domain_free(dom);
	free(xml);
	return msg;
}

TEST(hotplugged_vhostuser_needs_shared_memory)
{
	CHECK_STR(hotplug_outcome("", "<interface type='vhostuser'>\n"
				      "  <backend type='passt'/>\n"
				      "</interface>\n"),
		  NEEDS_SHMEM);
}

TEST(hotplugged_passt_vhostuser_with_shared_memory_is_valid)
{
	CHECK_STR(hotplug_outcome(OUTCOME_SHARED_MEMORY,
				  "<interface type='vhostuser'>\n"
				  "  <backend type='passt'/>\n"
				  "  <portForward proto='tcp'>\n"
				  "    <range start='2222' to='22'/>\n"
				  "  </portForward>\n"
				  "</interface>\n"),
		  "");
}

TEST(hotplugged_interface_gets_generic_rules_too)
{
	CHECK_STR(hotplug_outcome(OUTCOME_SHARED_MEMORY,
				  "<interface type='vhostuser'>\n"
				  "  <source type='unix' path='/tmp/v.sock' mode='client'/>\n"
				  "  <model type='e1000'/>\n"
				  "</interface>\n"),
		  "internal error: Wrong or no <model> 'type' attribute specified with <interface type='vhostuser'/>. vhostuser requires the virtio-net* frontend");
}

/* ---- libvirt's order when a definition has several faults ---- */

TEST(generic_rules_are_part_of_qemu_validation)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <portForward proto='tcp'>\n"
			  "        <range start='2222' to='22'/>\n"
			  "      </portForward>\n"
			  "    </interface>\n"),
		  "unsupported configuration: The <portForward> element can only be used with the 'passt' backend of interface type='user' or type='vhostuser'");
}

/* QEMU's device rules run before the generic ones of the same device. */
TEST(qemu_device_rule_reported_before_generic_rule)
{
	CHECK_STR(outcome_with("",
			       "    <interface type='vhostuser'>\n"
			       "      <source type='unix' path='/tmp/vhost0.sock' mode='client'/>\n"
			       "      <model type='rtl8139'/>\n"
			       "    </interface>\n", QEMU_LATEST),
		  NEEDS_SHMEM);
}

/* Devices are validated one after the other, in document order. */
TEST(first_faulty_interface_reported_first)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <mtu size='1400'/>\n"
			  "    </interface>\n"
			  "    <interface type='vhostuser'>\n"
			  "      <source type='unix' path='/tmp/vhost0.sock' mode='client'/>\n"
			  "      <model type='rtl8139'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: setting MTU on interface type user is not supported yet");
}

/* Parse-time complaints about any interface come before validation. */
TEST(parse_time_rule_of_later_interface_reported_first)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <mtu size='1400'/>\n"
			  "    </interface>\n"
			  "    <interface type='vhostuser'>\n"
			  "      <source type='tcp' path='/tmp/vhost0.sock' mode='client'/>\n"
			  "      <model type='virtio'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: Type='tcp' unsupported for <interface type='vhostuser'>");
}

/* libvirt checks filterref and friends only when the domain starts. */
TEST(start_time_rule_reported_after_define_time_rules)
{
	CHECK_STR(outcome("    <interface type='vhostuser'>\n"
			  "      <source type='unix' path='/tmp/vhost0.sock' mode='client'/>\n"
			  "      <model type='virtio'/>\n"
			  "      <filterref filter='clean-traffic'/>\n"
			  "    </interface>\n"
			  "    <interface type='user'>\n"
			  "      <mtu size='1400'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: setting MTU on interface type user is not supported yet");
}

/* ---- libvirt's valid inputs, with QEMU 10.0.0 and 7.2.0 ---- */

TESTDATA_VALID_CASES()

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
