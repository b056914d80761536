// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Parsing a domain definition: what is read from each element, which
 * malformed inputs are refused, and with which message.
 *
 * Theory of operation: each case builds a small definition in a string
 * (domain_with() wraps device XML in a minimal valid <domain>), parses it
 * with vn_domain_parse_string() and checks either the model or the text
 * of vn_error_message(), which must be libvirt's where libvirt has one.
 * The whole libvirt test-data directory is parsed once too, and two
 * robustness cases feed truncated and randomly mutated copies of it
 * (fixed seed, bounded rounds): every input must either parse and format
 * or be refused with a message, never crash (the ASan build checks).
 * One behaviour per case; each runs in its own child (tests/harness.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/harness.h"
#include "tests/conf/testdata.h"
#include "conf/domain_conf.h"
#include "util/error.h"

/* A minimal valid definition with DEVICES inside <devices>. */
static char *domain_with(const char *head, const char *devices)
{
	char *xml = NULL;

	if (asprintf(&xml,
		     "<domain type='qemu'>%s"
		     "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
		     "<devices>%s</devices></domain>",
		     head, devices) < 0)
		return NULL;
	return xml;
}

static struct vn_domain *parse_with(const char *head, const char *devices)
{
	char *xml = domain_with(head, devices);
	struct vn_domain *dom = xml ? vn_domain_parse_string(xml) : NULL;

	free(xml);
	return dom;
}

#define HEAD "<name>t</name><memory unit='KiB'>65536</memory>"

/* Parses HEAD-less memory element and returns its KiB (0 on error). */
static unsigned long long memory_kib_of(const char *value, const char *unit)
{
	char head[256];
	struct vn_domain *dom;
	unsigned long long kib = 0;

	snprintf(head, sizeof(head), "<name>t</name><memory%s%s%s>%s</memory>",
		 unit ? " unit='" : "", unit ? unit : "", unit ? "'" : "",
		 value);
	dom = parse_with(head, "");
	if (dom)
		kib = dom->memory_kib;
	vn_domain_free(dom);
	return kib;
}

/* Parses a definition expected to fail and returns the message. */
static const char *error_of(const char *xml)
{
	struct vn_domain *dom;

	vn_error_reset();
	dom = vn_domain_parse_string(xml);
	if (dom) {
		vn_domain_free(dom);
		return "(parsed)";
	}
	return vn_error_message();
}

static const char *error_with(const char *head, const char *devices)
{
	static char message[4096];
	char *xml = domain_with(head, devices);

	snprintf(message, sizeof(message), "%s", error_of(xml));
	free(xml);
	return message;
}

TEST(every_testdata_definition_parses)
{
	size_t n, i, parsed = 0;
	char **names = testdata_list_xml(&n);

	if (!names)
		SKIP("test data not found in %s", testdata_dir());
	for (i = 0; i < n; i++) {
		char *path = testdata_path(names[i]);
		struct vn_domain *dom = vn_domain_parse_file(path);

		CHECK_MSG(dom, "%s: %s", names[i], vn_error_message());
		vn_domain_free(dom);
		free(path);
		parsed++;
	}
	testdata_free_list(names, n);
	CHECK(parsed >= 10);
}

TEST(identity_and_resources_are_read)
{
	struct vn_domain *dom = parse_with(
		"<name>guest&amp;1</name>"
		"<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>"
		"<title>T</title><description>D</description>"
		"<memory unit='MiB'>256</memory>"
		"<currentMemory unit='MiB'>128</currentMemory>"
		"<vcpu placement='static'>2</vcpu>", "");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_STR(dom->name, "guest&1");
	CHECK(dom->has_uuid);
	CHECK_INT(dom->uuid[0], 0xc7);
	CHECK_INT(dom->uuid[15], 0x09);
	CHECK_STR(dom->title, "T");
	CHECK_STR(dom->description, "D");
	CHECK_INT(dom->memory_kib, 262144);
	CHECK_INT(dom->current_memory_kib, 131072);
	CHECK_INT(dom->vcpus, 2);
	CHECK_INT(dom->id, -1);
	vn_domain_free(dom);
}

TEST(memory_units_convert_to_kib_like_libvirt)
{
	CHECK_INT(memory_kib_of("2048", NULL), 2048);
	CHECK_INT(memory_kib_of("1024", "b"), 1);
	CHECK_INT(memory_kib_of("4096", "bytes"), 4);
	CHECK_INT(memory_kib_of("1", "KB"), 1); /* 1000 B rounds up */
	CHECK_INT(memory_kib_of("1000", "KB"), 977);
	CHECK_INT(memory_kib_of("3", "k"), 3);
	CHECK_INT(memory_kib_of("3", "KiB"), 3);
	CHECK_INT(memory_kib_of("1", "MB"), 977); /* 10^6 / 1024, up */
	CHECK_INT(memory_kib_of("2", "M"), 2048);
	CHECK_INT(memory_kib_of("2", "MiB"), 2048);
	CHECK_INT(memory_kib_of("1", "GB"), 976563);
	CHECK_INT(memory_kib_of("1", "G"), 1048576);
	CHECK_INT(memory_kib_of("1", "GiB"), 1048576);
	CHECK_INT(memory_kib_of("1", "TB"), 976562500);
	CHECK_INT(memory_kib_of("1", "T"), 1073741824ULL);
	CHECK_INT(memory_kib_of("1", "TiB"), 1073741824ULL);
	CHECK_INT(memory_kib_of("1", "gib"), 1048576);
}

TEST(memory_backing_os_cpu_features_are_read)
{
	struct vn_domain *dom = vn_domain_parse_string(
		"<domain type='kvm'><name>t</name>"
		"<memoryBacking><source type='memfd'/><access mode='shared'/>"
		"</memoryBacking>"
		"<os><type arch='x86_64' machine='q35'>hvm</type>"
		"<kernel>/k</kernel><initrd>/i</initrd>"
		"<cmdline>console=ttyS0</cmdline></os>"
		"<features><acpi/><apic/><pae/></features>"
		"<cpu mode='host-passthrough'><numa>"
		"<cell id='0' cpus='0-1' memory='256' unit='MiB' memAccess='shared'/>"
		"</numa></cpu>"
		"<clock offset='localtime'/><on_reboot>destroy</on_reboot>"
		"<devices/></domain>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->virt_type, VN_DOMAIN_VIRT_KVM);
	CHECK(dom->has_memory_backing);
	CHECK_INT(dom->mem_source, VN_MEMORY_SOURCE_MEMFD);
	CHECK_INT(dom->mem_access, VN_MEMORY_ACCESS_SHARED);
	CHECK_STR(dom->os_machine, "q35");
	CHECK_STR(dom->kernel, "/k");
	CHECK_STR(dom->initrd, "/i");
	CHECK_STR(dom->cmdline, "console=ttyS0");
	CHECK_INT(dom->feature_acpi, VN_TRISTATE_YES);
	CHECK_INT(dom->feature_apic, VN_TRISTATE_YES);
	CHECK_INT(dom->feature_pae, VN_TRISTATE_YES);
	CHECK_STR(dom->cpu_mode, "host-passthrough");
	CHECK_INT(dom->n_numa_cells, 1);
	CHECK_STR(dom->numa_cells[0].cpus, "0-1");
	CHECK_INT(dom->numa_cells[0].memory_kib, 262144);
	CHECK_INT(dom->numa_cells[0].mem_access, VN_MEMORY_ACCESS_SHARED);
	CHECK_STR(dom->clock_offset, "localtime");
	CHECK_INT(dom->on_reboot, VN_LIFECYCLE_DESTROY);
	vn_domain_free(dom);
}

/* The message of parsing a domain whose <cpu> holds CELLS. */
static const char *numa_error(const char *cells)
{
	char head[1024];

	snprintf(head, sizeof(head), "<name>t</name><cpu><numa>%s</numa></cpu>",
		 cells);
	return error_with(head, "");
}

TEST(numa_cpus_are_kept_in_libvirt_canonical_form)
{
	struct vn_domain *dom = parse_with("<name>t</name><cpu><numa>"
		"<cell id='1' cpus='2,3' memory='1' unit='MiB'/>"
		"<cell id='0' cpus=' 0-5 , ^2,^3,9,10,11' memory='1' unit='MiB'/>"
		"</numa></cpu>", "");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->n_numa_cells, 2);
	CHECK_INT(dom->numa_cells[0].id, 0); /* kept in id order */
	CHECK_STR(dom->numa_cells[0].cpus, "0-1,4-5,9-11");
	CHECK_STR(dom->numa_cells[1].cpus, "2-3");
	vn_domain_free(dom);
}

TEST(bad_numa_cells_are_refused)
{
	CHECK_STR(numa_error("<cell id='0' cpus='0-' memory='1'/>"),
		  "invalid argument: Failed to parse bitmap '0-'");
	CHECK_STR(numa_error("<cell id='0' cpus='^2-3' memory='1'/>"),
		  "invalid argument: Failed to parse bitmap '^2-3'");
	CHECK_STR(numa_error("<cell id='0' cpus='0,' memory='1'/>"),
		  "invalid argument: Failed to parse bitmap '0,'");
	CHECK_STR(numa_error("<cell id='0' cpus='5000' memory='1'/>"),
		  "invalid argument: Failed to parse bitmap '5000'");
	CHECK_STR(numa_error("<cell id='0' memory='1'/>"),
		  "XML error: Missing 'cpus' attribute in NUMA cell");
	CHECK_STR(numa_error("<cell cpus='0' memory='1'/>"),
		  "XML error: Missing required attribute 'id' in element 'cell'");
	CHECK_STR(numa_error("<cell id='0' cpus='0'/>"),
		  "XML error: missing element or attribute './@memory'");
	CHECK_STR(numa_error("<cell id='1' cpus='0' memory='1'/>"),
		  "XML error: Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed");
	CHECK_STR(numa_error("<cell id='0' cpus='0' memory='1'/><cell id='0' cpus='1' memory='1'/>"),
		  "XML error: Duplicate NUMA cell info for cell id '0'");
}

TEST(disks_controllers_chrs_inputs_are_read)
{
	struct vn_domain *dom = parse_with(HEAD,
		"<emulator>/usr/bin/qemu-system-x86_64</emulator>"
		"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
		"<source file='/img.qcow2'/><target dev='vda' bus='virtio'/>"
		"<boot order='1'/></disk>"
		"<disk type='file' device='cdrom'><source file='/cd.iso'/>"
		"<target dev='hdc' bus='ide'/><readonly/></disk>"
		"<controller type='usb' index='0' model='none'/>"
		"<serial type='pty'><target port='0'/></serial>"
		"<console type='unix'><source mode='bind' path='/s'/>"
		"<target type='virtio' port='0'/></console>"
		"<input type='tablet' bus='usb'/>"
		"<audio id='1' type='none'/><memballoon model='none'/>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_STR(dom->emulator, "/usr/bin/qemu-system-x86_64");
	CHECK_INT(dom->n_disks, 2);
	CHECK_STR(dom->disks[0].driver_type, "qcow2");
	CHECK_STR(dom->disks[0].source, "/img.qcow2");
	CHECK_INT(dom->disks[0].bus, VN_DISK_BUS_VIRTIO);
	CHECK_INT(dom->disks[0].boot_order, 1);
	CHECK_INT(dom->disks[1].device, VN_DISK_DEVICE_CDROM);
	CHECK(dom->disks[1].readonly);
	CHECK_STR(dom->controllers[0].model, "none");
	CHECK_INT(dom->chrs[0].kind, VN_CHR_SERIAL);
	/* chrs[1] is the serial console post-parse pairs with serial 0. */
	CHECK_INT(dom->chrs[2].type, VN_CHR_UNIX);
	CHECK_STR(dom->chrs[2].path, "/s");
	CHECK_INT(dom->chrs[2].mode, VN_CHR_MODE_SERVER);
	CHECK_STR(dom->chrs[2].target_type, "virtio");
	CHECK_INT(dom->inputs[0].type, VN_INPUT_TABLET);
	CHECK_INT(dom->inputs[0].bus, VN_INPUT_BUS_USB);
	CHECK_STR(dom->memballoon_model, "none");
	vn_domain_free(dom);
}

TEST(passt_interface_children_are_read)
{
	struct vn_domain *dom = parse_with(HEAD,
		"<interface type='vhostuser'>"
		"<mac address='00:11:22:33:44:55'/>"
		"<ip address='172.17.2.0' family='ipv4' prefix='24'/>"
		"<ip address='2001:db8:ac10:fd01::feed' family='ipv6'/>"
		"<route family='ipv6' gateway='2001:db8:ac10:fd01::beef'/>"
		"<source dev='eth42'/>"
		"<portForward proto='udp' address='1.2.3.4' dev='eth0'>"
		"<range start='5000' end='5020' to='6000'/>"
		"<range start='5010' exclude='yes'/></portForward>"
		"<model type='virtio'/>"
		"<backend type='passt' logFile='/l' hostname='h' fqdn='h.d'/>"
		"<mtu size='1400'/><link state='down'/><boot order='2'/>"
		"<alias name='ua-net'/>"
		"</interface>");
	const struct vn_net *net;
	const struct vn_port_forward *pf;

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->n_nets, 1);
	net = dom->nets[0];
	CHECK_INT(net->type, VN_NET_VHOSTUSER);
	CHECK(vn_net_is_passt(net));
	CHECK(net->has_mac && !net->mac_generated);
	CHECK_INT(net->mac[5], 0x55);
	CHECK_STR(net->source_dev, "eth42");
	CHECK_INT(net->n_ips, 2);
	CHECK_INT(net->ips[0].family, AF_INET);
	CHECK_INT(net->ips[0].prefix, 24);
	CHECK_INT(net->ips[1].family, AF_INET6);
	CHECK(!net->ips[1].has_prefix);
	CHECK_INT(net->n_routes, 1);
	CHECK_INT(net->routes[0].family, AF_INET6);
	CHECK_STR(net->routes[0].gateway, "2001:db8:ac10:fd01::beef");
	CHECK_INT(net->n_port_forwards, 1);
	pf = &net->port_forwards[0];
	CHECK_INT(pf->proto, VN_PORT_FORWARD_UDP);
	CHECK_STR(pf->address, "1.2.3.4");
	CHECK_STR(pf->dev, "eth0");
	CHECK_INT(pf->n_ranges, 2);
	CHECK_INT(pf->ranges[0].start, 5000);
	CHECK_INT(pf->ranges[0].end, 5020);
	CHECK_INT(pf->ranges[0].to, 6000);
	CHECK(pf->ranges[1].exclude && pf->ranges[1].has_exclude);
	CHECK_STR(net->backend_log_file, "/l");
	CHECK_STR(net->backend_hostname, "h");
	CHECK_STR(net->backend_fqdn, "h.d");
	CHECK_INT(net->mtu, 1400);
	CHECK_INT(net->link_up, VN_TRISTATE_NO);
	CHECK_INT(net->boot_order, 2);
	CHECK_STR(net->alias, "ua-net");
	CHECK(!net->alias_generated);
	vn_domain_free(dom);
}

TEST(vhostuser_socket_and_reconnect_are_read)
{
	struct vn_domain *dom = parse_with(HEAD,
		"<interface type='vhostuser'>"
		"<source type='unix' path='/tmp/vhost2.sock' mode='server'>"
		"<reconnect enabled='yes' timeout='10'/></source>"
		"<driver queues='4'/>"
		"<address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/>"
		"</interface>");
	const struct vn_net *net;

	CHECK_MSG(dom, "%s", vn_error_message());
	net = dom->nets[0];
	CHECK_INT(net->source_type, VN_CHR_SOURCE_UNIX);
	CHECK_STR(net->source_path, "/tmp/vhost2.sock");
	CHECK_INT(net->source_mode, VN_CHR_MODE_SERVER);
	CHECK_INT(net->reconnect_enabled, VN_TRISTATE_YES);
	CHECK(net->has_reconnect_timeout);
	CHECK_INT(net->reconnect_timeout_s, 10);
	CHECK_INT(net->queues, 4);
	CHECK(net->pci.present && !net->pci_generated);
	CHECK_INT(net->pci.slot, 7);
	vn_domain_free(dom);
}

TEST(rejected_options_are_kept_for_validation)
{
	char *path = testdata_path("net-vhostuser-fail.xml");
	struct vn_domain *dom;

	if (access(path, R_OK))
		SKIP("%s not readable", path);
	dom = vn_domain_parse_file(path);
	free(path);
	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_STR(dom->nets[0]->filterref, "myfilter");
	CHECK_STR(dom->nets[0]->backend_tap, "/dev/mytap");
	vn_domain_free(dom);
}

TEST(socket_and_vdpa_sources_are_read)
{
	struct vn_domain *dom = parse_with(HEAD,
		"<interface type='server'><source port='2015'/></interface>"
		"<interface type='udp'><source address='127.0.0.1' port='5555'>"
		"<local address='127.0.0.1' port='5556'/></source></interface>"
		"<interface type='vdpa'><source dev='/dev/vhost-vdpa-0'/></interface>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK(dom->nets[0]->has_source_port);
	CHECK_INT(dom->nets[0]->source_port, 2015);
	CHECK_STR(dom->nets[1]->source_address, "127.0.0.1");
	CHECK_INT(dom->nets[1]->source_local_port, 5556);
	CHECK_STR(dom->nets[2]->source_dev, "/dev/vhost-vdpa-0");
	vn_domain_free(dom);
}

TEST(first_of_a_repeated_element_counts_as_in_libvirt)
{
	struct vn_domain *dom = parse_with(HEAD "<name>second</name>"
		"<memory>1</memory>",
		"<interface type='user'><mac address='00:11:22:33:44:55'/>"
		"<mac address='00:11:22:33:44:66'/><model type='e1000'/>"
		"<model type='virtio'/></interface>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_STR(dom->name, "t");
	CHECK_INT(dom->memory_kib, 65536);
	CHECK_INT(dom->nets[0]->mac[5], 0x55);
	CHECK_STR(dom->nets[0]->model, "e1000");
	vn_domain_free(dom);
}

TEST(not_well_formed_xml_is_an_xml_error)
{
	const char *msg = error_of("<domain type='qemu'><name>x</nam></domain>");

	CHECK_MSG(strstr(msg, "(domain_definition):1:") &&
		  strstr(msg, "mismatch"), "%s", msg);
	CHECK_INT(vn_error_code(), VN_ERR_XML_DETAIL);
}

TEST(wrong_root_element_is_refused)
{
	CHECK_STR(error_of("<network><name>x</name></network>"),
		  "XML error: expecting root element of 'domain', not 'network'");
}

TEST(missing_name_is_refused)
{
	CHECK_STR(error_with("<memory>1024</memory>", ""),
		  "missing name information");
}

TEST(name_that_cannot_be_a_file_name_is_refused)
{
	CHECK_STR(error_with("<name>a/../b</name><memory>1</memory>", ""),
		  "unsupported configuration: vunet does not support '/' in a domain name");
	CHECK_STR(error_with("<name>a&#10;b</name><memory>1</memory>", ""),
		  "invalid char in name: 0x0a");
}

TEST(user_alias_with_path_characters_is_refused)
{
	CHECK_STR(error_with(HEAD, "<interface type='user'><alias name='ua-../x'/></interface>"),
		  "XML error: user alias 'ua-../x' must contain only alphanumeric characters, '-' and '_'");
}

TEST(missing_domain_type_is_refused)
{
	CHECK_STR(error_of("<domain><name>x</name></domain>"),
		  "XML error: Missing required attribute 'type' in element 'domain'");
}

TEST(bad_memory_number_is_refused)
{
	CHECK_STR(error_with("<name>t</name><memory>12x</memory>", ""),
		  "XML error: Invalid value '12x' for element or attribute './memory[1]'");
	CHECK_STR(error_with("<name>t</name><memory>-5</memory>", ""),
		  "XML error: Invalid value '-5' for element or attribute './memory[1]'");
}

TEST(overflowing_number_is_refused)
{
	CHECK_STR(error_with("<name>t</name><memory>99999999999999999999</memory>", ""),
		  "XML error: Invalid value '99999999999999999999' for element or attribute './memory[1]'");
	CHECK_STR(error_with("<name>t</name><memory unit='EiB'>9</memory>", ""),
		  "numerical overflow: value too large: 9EiB");
	CHECK_STR(error_with(HEAD "<vcpu>99999999999</vcpu>", ""),
		  "XML error: maximum vcpus count must be an integer");
	CHECK_STR(error_with(HEAD, "<interface type='user'><mtu size='4294967296'/></interface>"),
		  "XML error: Invalid value for attribute 'size' in element 'mtu': '4294967296'. Expected non-negative integer value");
}

TEST(unknown_memory_unit_is_refused)
{
	CHECK_STR(error_with("<name>t</name><memory unit='parsec'>1</memory>", ""),
		  "invalid argument: unknown suffix 'parsec'");
}

TEST(missing_memory_is_refused)
{
	CHECK_STR(error_with("<name>t</name>", ""),
		  "XML error: Memory size must be specified via <memory> or in the <numa> configuration");
}

TEST(huge_input_is_refused_before_parsing)
{
	/* Just over the 10 MiB cap, well-formed all the same. */
	size_t size = 10u * 1024 * 1024 + 64, i;
	char *xml = malloc(size + 1);
	const char *msg;

	CHECK(xml);
	strcpy(xml, "<domain type='qemu'><name>x</name><description>");
	for (i = strlen(xml); i < size - 32; i++)
		xml[i] = 'a';
	strcpy(xml + i, "</description></domain>");
	msg = error_of(xml);
	free(xml);
	CHECK_MSG(strstr(msg, "exceeds the 10485760 byte limit"), "%s", msg);
}

TEST(huge_file_is_refused_before_parsing)
{
	char path[] = "/tmp/vunet-conf-huge-XXXXXX";
	int fd = mkstemp(path);
	struct vn_domain *dom;

	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 11 * 1024 * 1024) == 0);
	close(fd);
	vn_error_reset();
	dom = vn_domain_parse_file(path);
	unlink(path);
	CHECK(!dom);
	CHECK_MSG(strstr(vn_error_message(), "byte limit"), "%s",
		  vn_error_message());
}

TEST(entities_are_never_expanded)
{
	const char *msg = error_of(
		"<!DOCTYPE domain [<!ENTITY a 'aaaaaaaaaa'>"
		"<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]>"
		"<domain type='qemu'><name>&b;</name></domain>");

	CHECK_MSG(strstr(msg, "document type declarations and entities are not supported"),
		  "%s", msg);
}

TEST(unknown_device_element_is_refused_by_name)
{
	CHECK_STR(error_with(HEAD, "<hostdev mode='subsystem' type='pci'/>"),
		  "unsupported configuration: vunet does not support <hostdev> devices");
}

TEST(unknown_top_level_element_is_refused_by_name)
{
	CHECK_STR(error_with(HEAD "<iothreads>2</iothreads>", ""),
		  "unsupported configuration: vunet does not support the <iothreads> element");
}

TEST(unknown_interface_child_is_refused_by_name)
{
	CHECK_STR(error_with(HEAD, "<interface type='user'><bandwidth/></interface>"),
		  "unsupported configuration: vunet does not support <bandwidth> in <interface>");
}

TEST(unknown_interface_type_is_refused)
{
	CHECK_STR(error_with(HEAD, "<interface type='carrier-pigeon'/>"),
		  "XML error: Invalid value for attribute 'type' in element 'interface': 'carrier-pigeon'.");
}

TEST(bad_mac_address_is_refused)
{
	CHECK_STR(error_with(HEAD, "<interface type='user'><mac address='52:54:00:zz:00:01'/></interface>"),
		  "invalid argument: unable to parse mac address '52:54:00:zz:00:01'");
	CHECK_STR(error_with(HEAD, "<interface type='user'><mac address='01:00:5e:00:00:01'/></interface>"),
		  "XML error: expected unicast mac address, found multicast '01:00:5e:00:00:01'");
}

TEST(out_of_range_pci_slot_is_refused)
{
	CHECK_STR(error_with(HEAD, "<interface type='user'><address type='pci' domain='0' bus='0' slot='0x20' function='0'/></interface>"),
		  "XML error: Invalid PCI address slot='0x20', must be <= 0x1f");
}

TEST(bad_ip_address_is_refused)
{
	CHECK_STR(error_with(HEAD, "<interface type='user'><ip address='300.1.1.1'/></interface>"),
		  "XML error: Invalid address '300.1.1.1' in <ip>");
	CHECK_STR(error_with(HEAD, "<interface type='user'><ip address='10.0.0.1' prefix='x'/></interface>"),
		  "invalid argument: Invalid prefix value 'x' in <ip>");
}

TEST(bad_port_forward_is_refused)
{
	CHECK_STR(error_with(HEAD, "<interface type='user'><portForward proto='sctp'/></interface>"),
		  "XML error: Invalid value for attribute 'proto' in element 'portForward': 'sctp'.");
	CHECK_STR(error_with(HEAD, "<interface type='user'><portForward proto='tcp'><range start='70000'/></portForward></interface>"),
		  "XML error: Invalid value for attribute 'start' in element 'range': '70000'.");
	CHECK_STR(error_with(HEAD, "<interface type='user'><portForward proto='tcp' address='host.example'/></interface>"),
		  "Cannot parse socket address 'host.example': Name or service not known");
}

TEST(range_without_start_is_left_to_validation)
{
	struct vn_domain *dom = parse_with(HEAD,
		"<interface type='user'><portForward proto='tcp'>"
		"<range end='7'/></portForward></interface>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->nets[0]->port_forwards[0].ranges[0].start, 0);
	CHECK_INT(dom->nets[0]->port_forwards[0].ranges[0].end, 7);
	vn_domain_free(dom);
}

TEST(bad_lifecycle_action_is_refused)
{
	CHECK_STR(error_with(HEAD "<on_crash>explode</on_crash>", ""),
		  "XML error: invalid on_crash value: 'explode'");
}

TEST(malformed_uuid_is_refused)
{
	CHECK_STR(error_with(HEAD "<uuid>c7a5fdbd-edaf-9455</uuid>", ""),
		  "internal error: malformed uuid element");
}

TEST(interface_parses_alone_against_a_domain)
{
	struct vn_domain *dom = parse_with(HEAD,
		"<interface type='user'/><interface type='user'/>");
	struct vn_net *net;

	CHECK_MSG(dom, "%s", vn_error_message());
	net = vn_net_parse_string(
		"<interface type='vhostuser'><backend type='passt'/></interface>",
		dom);
	CHECK_MSG(net, "%s", vn_error_message());
	CHECK_STR(net->alias, "net2");
	CHECK(net->alias_generated);
	CHECK(net->pci.present && net->pci_generated);
	CHECK_INT(net->pci.slot, 5); /* nets at 2, 3; the balloon at 4 */
	CHECK_STR(net->model, "virtio");
	vn_net_free(net);
	vn_domain_free(dom);
}

TEST(interface_parse_refuses_other_roots)
{
	vn_error_reset();
	CHECK(!vn_net_parse_string("<disk/>", NULL));
	CHECK_STR(vn_error_message(),
		  "XML error: expecting root element of 'interface', not 'disk'");
}

/* Parses TEXT; on failure there must be a message, on success the
 * domain must format.  Returns 0 when that holds. */
static int parse_or_explain(const char *text)
{
	struct vn_domain *dom;
	char *out;

	vn_error_reset();
	dom = vn_domain_parse_string(text);
	if (!dom)
		return vn_error_message()[0] ? 0 : -1;
	out = vn_domain_format(dom);
	vn_domain_free(dom);
	free(out);
	return out ? 0 : -1;
}

TEST(truncated_inputs_are_refused_cleanly)
{
	char *text = testdata_read("net-vhostuser-passt.xml"), *copy;
	size_t len, cut;

	if (!text)
		SKIP("net-vhostuser-passt.xml not found in %s", testdata_dir());
	len = strlen(text);
	copy = malloc(len + 1);
	CHECK(copy);
	for (cut = 0; cut < len; cut += 7) {
		memcpy(copy, text, cut);
		copy[cut] = '\0';
		CHECK_MSG(parse_or_explain(copy) == 0, "cut at %zu", cut);
	}
	free(copy);
	free(text);
}

TEST(mutated_inputs_are_refused_or_parsed_cleanly)
{
	static const char alphabet[] = "<>/='\"&;x0-9 :.aZ";
	char *text = testdata_read("net-user-passt.xml");
	unsigned seed = 12345; /* fixed: a failure must be reproducible */
	size_t len, round, pos;

	if (!text)
		SKIP("net-user-passt.xml not found in %s", testdata_dir());
	len = strlen(text);
	for (round = 0; round < 3000; round++) {
		char *copy = strdup(text);
		int edits;

		CHECK(copy);
		for (edits = 0; edits < 3; edits++) {
			seed = seed * 1103515245u + 12345u;
			pos = (seed >> 8) % len;
			copy[pos] = alphabet[(seed >> 20) % (sizeof(alphabet) - 1)];
		}
		if (parse_or_explain(copy) < 0) {
			test_fail(__FILE__, __LINE__, "round %zu:\n%s", round,
				  copy);
			free(copy);
			break;
		}
		free(copy);
	}
	free(text);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
