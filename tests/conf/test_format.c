// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Formatting: the definition printed as libvirt prints it.
 *
 * Theory of operation: the goldens are libvirt's own *.x86_64-latest.xml
 * files (and the 7.2.0 one): formatting the parsed input must reproduce
 * their <interface> and <memoryBacking> elements byte for byte, and, for
 * the subset vunet models, the whole document.  testdata_extract() cuts
 * an element family out of formatted text line by line, which is enough
 * because both sides use libvirt's one-element-per-line layout.
 * Idempotence is checked over every test-data file and over one
 * definition that uses every modelled element: parse, format, parse,
 * format must give the same text twice.  A missing golden SKIPs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"
#include "tests/conf/testdata.h"
#include "conf/domain_conf.h"
#include "util/error.h"

/* Formats the parsed test-data file NAME; NULL if it cannot be read. */
static char *format_file(const char *name, const char **why)
{
	char *path = testdata_path(name);
	struct vn_domain *dom = vn_domain_parse_file(path);
	char *text = NULL;

	free(path);
	*why = vn_error_message();
	if (dom)
		text = vn_domain_format(dom);
	vn_domain_free(dom);
	return text;
}

/* Compares the TAG elements of INPUT formatted with those of GOLDEN. */
static void check_elements(const char *input, const char *golden,
			   const char *tag)
{
	char *expected_doc = testdata_read(golden), *formatted = NULL;
	char *got = NULL, *expected = NULL;
	const char *why;

	if (!expected_doc)
		SKIP("%s not found in %s", golden, testdata_dir());
	formatted = format_file(input, &why);
	if (!formatted) {
		test_fail(__FILE__, __LINE__, "%s: %s", input, why);
		goto out;
	}
	got = testdata_extract(formatted, tag);
	expected = testdata_extract(expected_doc, tag);
	if (!got || !expected || strcmp(got, expected))
		test_fail(__FILE__, __LINE__, "<%s> of %s:\n--- got\n%s--- expected\n%s",
			  tag, input, got ? got : "", expected ? expected : "");
out:
	free(got);
	free(expected);
	free(formatted);
	free(expected_doc);
}

static void check_whole(const char *input, const char *golden)
{
	char *expected = testdata_read(golden), *formatted;
	const char *why;

	if (!expected)
		SKIP("%s not found in %s", golden, testdata_dir());
	formatted = format_file(input, &why);
	if (!formatted)
		test_fail(__FILE__, __LINE__, "%s: %s", input, why);
	else if (strcmp(formatted, expected))
		test_fail(__FILE__, __LINE__, "%s:\n--- got\n%s--- expected\n%s",
			  input, formatted, expected);
	free(formatted);
	free(expected);
}

#define GOLDEN_TESTS(id, input, golden)                                  \
	TEST(id##_interfaces_match_libvirt)                              \
	{                                                                \
		check_elements(input, golden, "interface");              \
	}                                                                \
	TEST(id##_memory_backing_matches_libvirt)                        \
	{                                                                \
		check_elements(input, golden, "memoryBacking");          \
	}                                                                \
	TEST(id##_whole_definition_matches_libvirt)                      \
	{                                                                \
		check_whole(input, golden);                              \
	}

GOLDEN_TESTS(net_vhostuser, "net-vhostuser.xml",
	     "net-vhostuser.x86_64-latest.xml")
GOLDEN_TESTS(net_vhostuser_multiq, "net-vhostuser-multiq.xml",
	     "net-vhostuser-multiq.x86_64-latest.xml")
GOLDEN_TESTS(net_vhostuser_passt, "net-vhostuser-passt.xml",
	     "net-vhostuser-passt.x86_64-latest.xml")
GOLDEN_TESTS(net_user_passt, "net-user-passt.xml",
	     "net-user-passt.x86_64-latest.xml")
GOLDEN_TESTS(net_user_addr, "net-user-addr.xml",
	     "net-user-addr.x86_64-latest.xml")
/* libvirt keeps no input for these two: its output is the input. */
GOLDEN_TESTS(net_user, "net-user.x86_64-latest.xml",
	     "net-user.x86_64-latest.xml")
GOLDEN_TESTS(net_user_passt_7_2, "net-user-passt.x86_64-7.2.0.xml",
	     "net-user-passt.x86_64-7.2.0.xml")

TEST(every_golden_output_has_a_test)
{
	size_t n, i, seen = 0;
	char **names = testdata_list_xml(&n);

	if (!names)
		SKIP("test data not found in %s", testdata_dir());
	for (i = 0; i < n; i++)
		if (strstr(names[i], ".x86_64-latest.xml"))
			seen++;
	testdata_free_list(names, n);
	/* The GOLDEN_TESTS above cover this many -latest goldens. */
	CHECK_INT(seen, 6);
}

TEST(formatting_is_idempotent_for_every_testdata_file)
{
	size_t n, i;
	char **names = testdata_list_xml(&n);

	if (!names)
		SKIP("test data not found in %s", testdata_dir());
	for (i = 0; i < n; i++) {
		const char *why;
		char *first = format_file(names[i], &why), *second = NULL;
		struct vn_domain *again;

		CHECK_MSG(first, "%s: %s", names[i], why);
		again = vn_domain_parse_string(first);
		CHECK_MSG(again, "%s reparsed: %s", names[i],
			  vn_error_message());
		second = vn_domain_format(again);
		vn_domain_free(again);
		CHECK_MSG(second && !strcmp(first, second),
			  "%s:\n--- first\n%s--- second\n%s", names[i], first,
			  second ? second : "");
		free(first);
		free(second);
	}
	testdata_free_list(names, n);
}

TEST(formatting_is_idempotent_for_every_modelled_element)
{
	static const char xml[] =
		"<domain type='kvm'><name>a&amp;b&lt;c&apos;</name>"
		"<title>t&quot;</title><description>d</description>"
		"<memory unit='GiB'>1</memory>"
		"<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>"
		"<vcpu>2</vcpu>"
		"<os><type arch='x86_64' machine='pc'>hvm</type><kernel>/k</kernel>"
		"<initrd>/i</initrd><cmdline>a=b</cmdline></os>"
		"<features><acpi/><apic/></features>"
		"<cpu mode='host-passthrough'><numa><cell id='0' cpus='0-1' memory='1' unit='GiB' memAccess='shared'/></numa></cpu>"
		"<devices>"
		"<disk type='file' device='disk'><source file='/d.qcow2'/><target dev='vda'/><driver name='qemu' type='qcow2'/></disk>"
		"<disk type='file' device='cdrom'><target dev='sdb' bus='sata'/></disk>"
		"<controller type='scsi' index='0'/>"
		"<interface type='vhostuser'><source type='unix' path='/s' mode='server'><reconnect enabled='yes' timeout='3'/></source><link state='up'/><mtu size='1500'/><boot order='1'/></interface>"
		"<interface type='udp'><source address='127.0.0.1' port='1'><local address='127.0.0.1' port='2'/></source></interface>"
		"<interface type='user'><alias name='ua-x'/><ip address='10.0.0.2' prefix='8' peer='10.0.0.1'/>"
		"<route address='0.0.0.0' prefix='0' gateway='10.0.0.1' metric='5'/></interface>"
		"<serial type='file'><source path='/log'/></serial>"
		"<console type='pty'><target type='virtio'/></console>"
		"<input type='tablet'/>"
		"<memballoon model='virtio'/>"
		"</devices></domain>";
	struct vn_domain *dom = vn_domain_parse_string(xml), *again = NULL;
	char *first = NULL, *second = NULL;

	CHECK_MSG(dom, "%s", vn_error_message());
	first = vn_domain_format(dom);
	vn_domain_free(dom);
	CHECK(first);
	again = vn_domain_parse_string(first);
	if (!again)
		test_fail(__FILE__, __LINE__, "reparse: %s\n%s",
			  vn_error_message(), first);
	else
		second = vn_domain_format(again);
	if (again && (!second || strcmp(first, second)))
		test_fail(__FILE__, __LINE__, "--- first\n%s--- second\n%s",
			  first, second ? second : "");
	vn_domain_free(again);
	free(first);
	free(second);
}

TEST(special_characters_are_escaped)
{
	struct vn_domain *dom = vn_domain_parse_string(
		"<domain type='qemu'><name>a&amp;b&lt;c&apos;d&quot;</name>"
		"<memory>1024</memory><os><type>hvm</type></os>"
		"<devices><interface type='user'><source dev='e&apos;0'/></interface>"
		"</devices></domain>");
	char *text;

	CHECK_MSG(dom, "%s", vn_error_message());
	text = vn_domain_format(dom);
	vn_domain_free(dom);
	CHECK(text);
	CHECK_MSG(strstr(text, "<name>a&amp;b&lt;c&apos;d&quot;</name>"), "%s",
		  text);
	CHECK_MSG(strstr(text, "<source dev='e&apos;0'/>"), "%s", text);
	free(text);
}

TEST(generated_alias_is_not_printed_but_user_alias_is)
{
	struct vn_domain *dom = vn_domain_parse_string(
		"<domain type='qemu'><name>t</name><memory>1024</memory>"
		"<os><type>hvm</type></os><devices>"
		"<interface type='user'/>"
		"<interface type='user'><alias name='ua-b'/></interface>"
		"</devices></domain>");
	char *text;

	CHECK_MSG(dom, "%s", vn_error_message());
	text = vn_domain_format(dom);
	vn_domain_free(dom);
	CHECK(text);
	CHECK_MSG(!strstr(text, "net0"), "%s", text);
	CHECK_MSG(strstr(text, "      <alias name='ua-b'/>\n"), "%s", text);
	free(text);
}

TEST(lone_interface_formats_like_in_a_domain)
{
	struct vn_net *net = vn_net_parse_string(
		"<interface type='vhostuser'><mac address='00:11:22:33:44:11'/>"
		"<backend type='passt'/></interface>", NULL);
	char *text;

	CHECK_MSG(net, "%s", vn_error_message());
	text = vn_net_format(net);
	vn_net_free(net);
	CHECK_STR(text,
		  "<interface type='vhostuser'>\n"
		  "  <mac address='00:11:22:33:44:11'/>\n"
		  "  <model type='virtio'/>\n"
		  "  <backend type='passt'/>\n"
		  "</interface>\n");
	free(text);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
