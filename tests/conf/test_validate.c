// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Generic validation (vn_domain_validate): one case per rule, asserting
 * libvirt's exact message as virsh prints it, and one case per valid
 * definition from libvirt's own test data, which must pass.
 *
 * Domains are built by parsing XML (vn_domain_parse_string), so a case
 * exercises what a user would write.  A rule libvirt enforces while
 * parsing may be reported by our parser or by the validator: the case
 * only asserts the message the user sees.  libvirt's test data is read
 * from $VUNET_SHARED/libvirt-testdata, else ../shared next to the source
 * tree (VUNET_SOURCE_ROOT, set by meson); without it those cases SKIP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/conf/outcome.h"
#include "tests/conf/testdata_valid.h"
#include "tests/harness.h"
#include "conf/domain_conf.h"
#include "util/error.h"

static void generic_validate(struct vn_domain *dom, const void *arg)
{
	(void)arg;
	vn_domain_validate(dom);
}

/* The outcome of a domain whose <devices> hold IFACE_XML. */
static const char *outcome(const char *iface_xml)
{
	return outcome_of_domain(OUTCOME_SHARED_MEMORY, iface_xml,
				 generic_validate, NULL);
}

#define CHECK_TESTDATA_VALID(name) \
	CHECK_TESTDATA_OUTCOME(name, generic_validate, NULL, "")

/* ---- aliases ---- */

TEST(two_interfaces_with_one_user_alias_are_refused)
{
	CHECK_STR(outcome("    <interface type='user'><alias name='ua-x'/></interface>\n"
			  "    <interface type='user'><alias name='ua-x'/></interface>\n"),
		  "unsupported configuration: non unique alias detected: ua-x");
}

TEST(two_disks_with_one_user_alias_are_refused)
{
	CHECK_STR(outcome("    <disk type='file' device='disk'><source file='/tmp/a.img'/>"
			  "<target dev='vda' bus='virtio'/><alias name='ua-d'/></disk>\n"
			  "    <disk type='file' device='disk'><source file='/tmp/b.img'/>"
			  "<target dev='vdb' bus='virtio'/><alias name='ua-d'/></disk>\n"),
		  "unsupported configuration: non unique alias detected: ua-d");
}

TEST(a_serial_port_and_an_interface_with_one_user_alias_are_refused)
{
	CHECK_STR(outcome("    <serial type='pty'><alias name='ua-s'/></serial>\n"
			  "    <interface type='user'><alias name='ua-s'/></interface>\n"),
		  "unsupported configuration: non unique alias detected: ua-s");
}

/* libvirt's serial console is the first serial port seen as a console:
 * one device, so dumpxml's copy of the serial port's alias on it is no
 * duplicate.  Another console is a device of its own. */
TEST(the_serial_console_may_repeat_the_serial_ports_alias)
{
	CHECK_STR(outcome("    <serial type='pty'><alias name='ua-s'/></serial>\n"
			  "    <console type='pty'><target type='serial'/>"
			  "<alias name='ua-s'/></console>\n"), "");
	CHECK_STR(outcome("    <serial type='pty'><alias name='ua-s'/></serial>\n"
			  "    <console type='pty'><target type='serial'/></console>\n"
			  "    <console type='pty'><target type='virtio'/>"
			  "<alias name='ua-s'/></console>\n"),
		  "unsupported configuration: non unique alias detected: ua-s");
}

TEST(hotplugged_interface_reusing_a_live_alias_is_refused)
{
	char *xml = NULL;
	struct vn_domain *dom = NULL;
	struct vn_net *net = NULL;

	xml = outcome_domain_xml(OUTCOME_SHARED_MEMORY,
				 "    <interface type='user'><alias name='ua-x'/></interface>\n");
	CHECK(xml);
	dom = vn_domain_parse_string(xml);
	free(xml);
	CHECK_MSG(dom, "%s", vn_error_message());
	net = vn_net_parse_string("<interface type='user'><alias name='ua-x'/>"
				  "</interface>", dom);
	CHECK_MSG(net, "%s", vn_error_message());
	CHECK_INT(vn_net_validate_alias_for_hotplug(dom, net), -1);
	CHECK_STR(vn_error_message(),
		  "unsupported configuration: non unique alias detected: ua-x");
	vn_net_free(net);
	net = vn_net_parse_string("<interface type='user'/>", dom);
	CHECK(net);
	CHECK_INT(vn_net_validate_alias_for_hotplug(dom, net), 0);
	vn_net_free(net);
	vn_domain_free(dom);
}

/* ---- the passt backend and its elements ---- */

TEST(passt_backend_refused_on_bridge)
{
	CHECK_STR(outcome("    <interface type='bridge'>\n"
			  "      <source bridge='br0'/>\n"
			  "      <backend type='passt'/>\n"
			  "    </interface>\n"),
		  "internal error: The 'passt' backend can only be used with interface type='user' or type='vhostuser'");
}

TEST(passt_backend_refused_on_ethernet)
{
	CHECK_STR(outcome("    <interface type='ethernet'>\n"
			  "      <backend type='passt'/>\n"
			  "    </interface>\n"),
		  "internal error: The 'passt' backend can only be used with interface type='user' or type='vhostuser'");
}

TEST(port_forward_refused_with_slirp_as_libvirt_err_file_says)
{
	char *expected = testdata_read_trimmed("net-user-slirp-portforward.x86_64-latest.err");
	const char *msg;

	msg = outcome("    <interface type='user'>\n"
		      "      <portForward proto='tcp'>\n"
		      "        <range start='2222' to='22'/>\n"
		      "      </portForward>\n"
		      "      <model type='virtio'/>\n"
		      "    </interface>\n");
	if (!expected)
		SKIP("libvirt test data not found in %s", testdata_dir());
	CHECK_STR(msg, expected);
	free(expected);
}

TEST(port_forward_refused_on_vhostuser_without_passt)
{
	CHECK_STR(outcome("    <interface type='vhostuser'>\n"
			  "      <source type='unix' path='/tmp/vhost0.sock' mode='client'/>\n"
			  "      <portForward proto='tcp'>\n"
			  "        <range start='2222' to='22'/>\n"
			  "      </portForward>\n"
			  "      <model type='virtio'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: The <portForward> element can only be used with the 'passt' backend of interface type='user' or type='vhostuser'");
}

TEST(port_forward_refused_on_bridge)
{
	CHECK_STR(outcome("    <interface type='bridge'>\n"
			  "      <source bridge='br0'/>\n"
			  "      <portForward proto='udp'>\n"
			  "        <range start='53'/>\n"
			  "      </portForward>\n"
			  "    </interface>\n"),
		  "unsupported configuration: The <portForward> element can only be used with the 'passt' backend of interface type='user' or type='vhostuser'");
}

static const char *passt_range(const char *range_xml)
{
	char *iface = NULL;
	const char *msg;

	if (asprintf(&iface,
		     "    <interface type='user'>\n"
		     "      <backend type='passt'/>\n"
		     "      <portForward proto='tcp'>\n"
		     "        %s\n"
		     "      </portForward>\n"
		     "    </interface>\n", range_xml) < 0)
		return NULL;
	msg = outcome(iface);
	free(iface);
	return msg;
}

#define RANGE_NEEDS_START \
	"unsupported configuration: The 'range' of a 'portForward' requires 'start' attribute if 'end', 'to', or 'exclude' is specified"

/* The parser insists on the attribute; start='0' is how "no start"
 * reaches the validator (libvirt treats 0 as absent). */
TEST(range_with_end_needs_start)
{
	CHECK_STR(passt_range("<range start='0' end='100'/>"), RANGE_NEEDS_START);
}

TEST(range_with_to_needs_start)
{
	CHECK_STR(passt_range("<range start='0' to='22'/>"), RANGE_NEEDS_START);
}

TEST(range_with_exclude_needs_start)
{
	CHECK_STR(passt_range("<range start='0' exclude='yes'/>"),
		  RANGE_NEEDS_START);
}

TEST(range_with_only_start_is_valid)
{
	CHECK_STR(passt_range("<range start='80'/>"), "");
}

/* The parser already refuses a host name here (with its own message);
 * the validator still guards a model built another way, with libvirt's
 * socket-address message. */
TEST(port_forward_address_must_be_numeric)
{
	char *xml = NULL;
	struct vn_domain *dom;
	struct vn_port_forward *pf;

	xml = outcome_domain_xml(OUTCOME_SHARED_MEMORY,
				 "    <interface type='user'>\n"
				 "      <backend type='passt'/>\n"
				 "      <portForward proto='tcp' address='127.0.0.1'>\n"
				 "        <range start='80'/>\n"
				 "      </portForward>\n"
				 "    </interface>\n");
	if (!xml)
		SKIP("out of memory");
	dom = vn_domain_parse_string(xml);
	free(xml);
	CHECK_MSG(dom, "parse failed: %s", vn_error_message());
	CHECK_INT(dom->n_nets, 1);
	CHECK_INT(dom->nets[0]->n_port_forwards, 1);
	pf = &dom->nets[0]->port_forwards[0];
	free(pf->address);
	pf->address = strdup("host.example");
	vn_error_reset();
	CHECK_INT(vn_domain_validate(dom), -1);
	CHECK_STR(vn_error_message(),
		  "Cannot parse socket address 'host.example': Name or service not known");
	vn_domain_free(dom);
}

TEST(source_dev_needs_passt)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <source dev='eth0'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: The 'dev' attribute of the <source> element can only be used with <interface type='user'> or type='vhostuser' if the <backend> type='passt'");
}

TEST(hostname_needs_passt)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <backend hostname='guest1'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: The 'hostname' and 'fqdn' attributes of the <backend> element can only be used with the 'passt' backend");
}

TEST(fqdn_needs_passt)
{
	CHECK_STR(outcome("    <interface type='user'>\n"
			  "      <backend fqdn='guest1.test.local'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: The 'hostname' and 'fqdn' attributes of the <backend> element can only be used with the 'passt' backend");
}

/* ---- vhost-user ---- */

TEST(vhostuser_source_type_must_be_unix)
{
	CHECK_STR(outcome("    <interface type='vhostuser'>\n"
			  "      <source type='tcp' path='/tmp/vhost0.sock' mode='client'/>\n"
			  "      <model type='virtio'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: Type='tcp' unsupported for <interface type='vhostuser'>");
}

TEST(vhostuser_needs_source_path_without_passt)
{
	CHECK_STR(outcome("    <interface type='vhostuser'>\n"
			  "      <source type='unix' mode='client'/>\n"
			  "      <model type='virtio'/>\n"
			  "    </interface>\n"),
		  "XML error: Missing required attribute 'path' in element 'source'");
}

TEST(vhostuser_needs_a_source_without_passt)
{
	CHECK_STR(outcome("    <interface type='vhostuser'>\n"
			  "      <model type='virtio'/>\n"
			  "    </interface>\n"),
		  "XML error: interface type='vhostuser' requires a 'source' element");
}

TEST(vhostuser_with_passt_needs_no_source)
{
	CHECK_STR(outcome("    <interface type='vhostuser'>\n"
			  "      <backend type='passt'/>\n"
			  "    </interface>\n"),
		  "");
}

TEST(vhostuser_model_must_be_virtio)
{
	CHECK_STR(outcome("    <interface type='vhostuser'>\n"
			  "      <source type='unix' path='/tmp/vhost0.sock' mode='client'/>\n"
			  "      <model type='rtl8139'/>\n"
			  "    </interface>\n"),
		  "internal error: Wrong or no <model> 'type' attribute specified with <interface type='vhostuser'/>. vhostuser requires the virtio-net* frontend");
}

TEST(vhostuser_server_mode_cannot_reconnect)
{
	CHECK_STR(outcome("    <interface type='vhostuser'>\n"
			  "      <source type='unix' path='/tmp/vhost0.sock' mode='server'>\n"
			  "        <reconnect enabled='yes' timeout='10'/>\n"
			  "      </source>\n"
			  "      <model type='virtio'/>\n"
			  "    </interface>\n"),
		  "unsupported configuration: 'reconnect' attribute unsupported 'server' mode for <interface type='vhostuser'>");
}

TEST(vhostuser_client_mode_may_reconnect)
{
	CHECK_STR(outcome("    <interface type='vhostuser'>\n"
			  "      <source type='unix' path='/tmp/vhost0.sock' mode='client'>\n"
			  "        <reconnect enabled='yes' timeout='10'/>\n"
			  "      </source>\n"
			  "      <model type='virtio'/>\n"
			  "    </interface>\n"),
		  "");
}

/* ---- vDPA ---- */

TEST(vdpa_needs_a_source)
{
	CHECK_STR(outcome("    <interface type='vdpa'/>\n"),
		  "XML error: interface type='vdpa' requires a 'source' element");
}

TEST(vdpa_source_needs_dev)
{
	CHECK_STR(outcome("    <interface type='vdpa'>\n"
			  "      <source type='unix' path='/dev/vhost-vdpa-0'/>\n"
			  "    </interface>\n"),
		  "XML error: Missing required attribute 'dev' in element 'source'");
}

/* ---- one interface at a time (attach-device) ---- */

TEST(lone_interface_gets_the_same_rules)
{
	struct vn_domain *dom;
	struct vn_net *net;
	char *xml = NULL;

	xml = outcome_domain_xml(OUTCOME_SHARED_MEMORY, "");
	if (!xml)
		SKIP("out of memory");
	dom = vn_domain_parse_string(xml);
	free(xml);
	CHECK_MSG(dom, "parse failed: %s", vn_error_message());
	net = vn_net_parse_string("<interface type='user'>\n"
				  "  <portForward proto='tcp'>\n"
				  "    <range start='2222' to='22'/>\n"
				  "  </portForward>\n"
				  "</interface>\n", dom);
	CHECK_MSG(net, "parse failed: %s", vn_error_message());
	vn_error_reset();
	CHECK_INT(vn_net_validate(dom, net), -1);
	CHECK_STR(vn_error_message(),
		  "unsupported configuration: The <portForward> element can only be used with the 'passt' backend of interface type='user' or type='vhostuser'");
	vn_net_free(net);
	vn_domain_free(dom);
}

/* ---- libvirt's valid inputs pass the generic rules ---- */

TESTDATA_VALID_CASES()

/* Refused by the QEMU rules (shared memory), not by the generic ones. */
TEST(testdata_net_vhostuser_passt_no_shmem_passes_generic_rules)
{
	CHECK_TESTDATA_VALID("net-vhostuser-passt-no-shmem.xml");
}

/* Refused when QEMU starts (filterref), not by the generic rules. */
TEST(testdata_net_vhostuser_fail_passes_generic_rules)
{
	CHECK_TESTDATA_VALID("net-vhostuser-fail.xml");
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
