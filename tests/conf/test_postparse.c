// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Post-parse defaults: each default libvirt fills into a definition, one
 * test per default.
 *
 * Theory of operation: a case parses a minimal domain (parse_full() /
 * parse_devices()) whose only content is what the default depends on,
 * then checks the filled-in value and, where the model keeps one, the
 * flag saying post-parse made it up (mac_generated, alias_generated,
 * pci_generated).  Values that libvirt's own outputs show (PCI slots of
 * net-vhostuser-multiq, the qemu64 CPU) are checked against those;
 * random values (MAC, UUID) are checked for their fixed bits only.
 * The formatting of these defaults is covered by test_format.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"
#include "tests/conf/testdata.h"
#include "conf/domain_conf.h"
#include "util/error.h"

static struct vn_domain *parse_full(const char *type, const char *head,
				    const char *devices)
{
	char *xml = NULL;
	struct vn_domain *dom = NULL;

	if (asprintf(&xml,
		     "<domain type='%s'><name>t</name>"
		     "<memory unit='KiB'>65536</memory>%s"
		     "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
		     "<devices>%s</devices></domain>",
		     type, head, devices) < 0)
		return NULL;
	dom = vn_domain_parse_string(xml);
	free(xml);
	return dom;
}

static struct vn_domain *parse_devices(const char *devices)
{
	return parse_full("qemu", "", devices);
}

static const struct vn_controller *controller(const struct vn_domain *dom,
					      enum vn_controller_type type)
{
	size_t i;

	for (i = 0; i < dom->n_controllers; i++)
		if (dom->controllers[i].type == type)
			return &dom->controllers[i];
	return NULL;
}

TEST(vhostuser_model_defaults_to_virtio)
{
	struct vn_domain *dom = parse_devices(
		"<interface type='vhostuser'><backend type='passt'/></interface>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_STR(dom->nets[0]->model, "virtio");
	vn_domain_free(dom);
}

TEST(vdpa_model_defaults_to_virtio)
{
	struct vn_domain *dom = parse_devices(
		"<interface type='vdpa'><source dev='/dev/vhost-vdpa-0'/></interface>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_STR(dom->nets[0]->model, "virtio");
	vn_domain_free(dom);
}

TEST(user_model_defaults_to_rtl8139)
{
	struct vn_domain *dom = parse_devices("<interface type='user'/>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_STR(dom->nets[0]->model, "rtl8139");
	vn_domain_free(dom);
}

TEST(vhostuser_socket_defaults_to_unix_client)
{
	struct vn_domain *dom = parse_devices(
		"<interface type='vhostuser'><source path='/tmp/s'/></interface>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->nets[0]->source_type, VN_CHR_SOURCE_UNIX);
	CHECK_INT(dom->nets[0]->source_mode, VN_CHR_MODE_CLIENT);
	vn_domain_free(dom);
}

TEST(passt_vhostuser_gets_no_socket)
{
	struct vn_domain *dom = parse_devices(
		"<interface type='vhostuser'><backend type='passt'/></interface>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->nets[0]->source_type, VN_CHR_SOURCE_ABSENT);
	CHECK_INT(dom->nets[0]->source_mode, VN_CHR_MODE_ABSENT);
	CHECK(!dom->nets[0]->source_path);
	vn_domain_free(dom);
}

TEST(missing_mac_is_random_in_qemu_range)
{
	struct vn_domain *dom = parse_devices(
		"<interface type='user'/><interface type='user'/>");
	const unsigned char *a, *b;

	CHECK_MSG(dom, "%s", vn_error_message());
	a = dom->nets[0]->mac;
	b = dom->nets[1]->mac;
	CHECK(dom->nets[0]->has_mac && dom->nets[0]->mac_generated);
	CHECK(a[0] == 0x52 && a[1] == 0x54 && a[2] == 0x00);
	CHECK(b[0] == 0x52 && b[1] == 0x54 && b[2] == 0x00);
	/* 24 random bits: equal tails would be a 1 in 16 million fluke. */
	CHECK(memcmp(a + 3, b + 3, 3) != 0);
	vn_domain_free(dom);
}

TEST(aliases_follow_document_order)
{
	struct vn_domain *dom = parse_devices(
		"<interface type='user'/><interface type='user'>"
		"<alias name='ua-mine'/></interface><interface type='user'/>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_STR(dom->nets[0]->alias, "net0");
	CHECK(dom->nets[0]->alias_generated);
	CHECK_STR(dom->nets[1]->alias, "ua-mine");
	CHECK(!dom->nets[1]->alias_generated);
	CHECK_STR(dom->nets[2]->alias, "net2");
	vn_domain_free(dom);
}

TEST(automatic_alias_in_a_definition_is_ignored)
{
	struct vn_domain *dom = parse_devices(
		"<interface type='user'/><interface type='user'>"
		"<alias name='net7'/></interface>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_STR(dom->nets[1]->alias, "net1");
	CHECK(dom->nets[1]->alias_generated);
	vn_domain_free(dom);
}

/* A running domain's record: the domain as written by dumpxml's live
 * form, after net1 was detached. */
static struct vn_domain *parse_status(const char *devices)
{
	char *xml = NULL;
	struct vn_domain *dom = NULL;

	if (asprintf(&xml,
		     "<domain type='qemu' id='4'><name>t</name>"
		     "<memory unit='KiB'>65536</memory>"
		     "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
		     "<devices>%s</devices></domain>", devices) < 0)
		return NULL;
	dom = vn_domain_parse_string_flags(xml, VN_PARSE_STATUS);
	free(xml);
	return dom;
}

TEST(status_parse_keeps_every_alias_as_stored)
{
	struct vn_domain *dom = parse_status(
		"<disk type='file' device='disk'><source file='/d'/>"
		"<target dev='vda' bus='virtio'/><alias name='virtio-disk0'/></disk>"
		"<interface type='user'><alias name='net0'/></interface>"
		"<interface type='user'><alias name='net2'/></interface>"
		"<serial type='pty'><alias name='serial0'/></serial>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_STR(dom->nets[0]->alias, "net0");
	CHECK_STR(dom->nets[1]->alias, "net2");
	CHECK(!dom->nets[1]->alias_generated);
	CHECK_STR(dom->disks[0].alias, "virtio-disk0");
	CHECK(!dom->disks[0].alias_generated);
	CHECK_STR(dom->chrs[0].alias, "serial0");
	CHECK(!dom->chrs[0].alias_generated);
	vn_domain_free(dom);
}

TEST(status_parse_names_an_unaliased_interface_without_a_collision)
{
	struct vn_domain *dom = parse_status(
		"<interface type='user'/>"
		"<interface type='user'><alias name='net0'/></interface>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_STR(dom->nets[0]->alias, "net1");
	CHECK(dom->nets[0]->alias_generated);
	CHECK_STR(dom->nets[1]->alias, "net0");
	vn_domain_free(dom);
}

TEST(status_parse_refuses_an_alias_with_path_characters)
{
	CHECK(!parse_status("<interface type='user'><alias name='../x'/>"
			    "</interface>"));
	CHECK_STR(vn_error_message(), "XML error: device alias '../x' must "
		  "contain only alphanumeric characters, '-' and '_'");
}

TEST(interface_added_to_a_status_record_takes_one_past_the_highest_netN)
{
	struct vn_domain *dom = parse_status(
		"<interface type='user'><alias name='net0'/></interface>"
		"<interface type='user'><alias name='net2'/></interface>");
	struct vn_net *net;

	CHECK_MSG(dom, "%s", vn_error_message());
	net = vn_net_parse_string("<interface type='user'/>", dom);
	CHECK_MSG(net, "%s", vn_error_message());
	CHECK_STR(net->alias, "net3");
	vn_net_free(net);
	vn_domain_free(dom);
}

TEST(driver_queues_1_is_normalised_to_0)
{
	struct vn_domain *dom = parse_devices(
		"<interface type='user'><driver queues='1'/></interface>"
		"<interface type='user'><driver queues='3'/></interface>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->nets[0]->queues, 0);
	CHECK_INT(dom->nets[1]->queues, 3);
	vn_domain_free(dom);
}

TEST(pci_slots_follow_libvirt_i440fx_order)
{
	char *path = testdata_path("net-vhostuser-multiq.xml");
	struct vn_domain *dom = vn_domain_parse_file(path);
	size_t i;

	free(path);
	if (!dom && strstr(vn_error_message(), "No such file"))
		SKIP("%s", vn_error_message());
	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->n_nets, 5);
	for (i = 0; i < dom->n_nets; i++) {
		CHECK(dom->nets[i]->pci_generated);
		CHECK_INT(dom->nets[i]->pci.bus, 0);
		CHECK_INT(dom->nets[i]->pci.slot, 2 + i);
		CHECK_INT(dom->nets[i]->pci.function, 0);
	}
	vn_domain_free(dom);
}

TEST(explicit_pci_slot_is_kept_and_skipped)
{
	struct vn_domain *dom = parse_devices(
		"<interface type='user'/>"
		"<interface type='user'><address type='pci' domain='0' bus='0' slot='2' function='0'/></interface>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->nets[1]->pci.slot, 2);
	CHECK(!dom->nets[1]->pci_generated);
	CHECK_INT(dom->nets[0]->pci.slot, 3);
	vn_domain_free(dom);
}

TEST(piix3_functions_hold_ide_and_usb)
{
	struct vn_domain *dom = parse_devices("");
	const struct vn_controller *usb, *ide;

	CHECK_MSG(dom, "%s", vn_error_message());
	usb = controller(dom, VN_CONTROLLER_USB);
	CHECK(usb);
	CHECK_STR(usb->model, "piix3-uhci");
	CHECK(usb->pci.present);
	CHECK_INT(usb->pci.slot, 1);
	CHECK_INT(usb->pci.function, 2);
	CHECK(controller(dom, VN_CONTROLLER_PCI));
	CHECK(!controller(dom, VN_CONTROLLER_IDE)); /* no IDE disk */
	vn_domain_free(dom);

	dom = parse_devices("<disk type='file'><source file='/x'/><target dev='hda'/></disk>");
	CHECK_MSG(dom, "%s", vn_error_message());
	ide = controller(dom, VN_CONTROLLER_IDE);
	CHECK(ide);
	CHECK_INT(ide->pci.slot, 1);
	CHECK_INT(ide->pci.function, 1);
	vn_domain_free(dom);
}

TEST(q35_has_its_sata_controller_in_the_chipset_slot)
{
	struct vn_domain *dom = vn_domain_parse_string(
		"<domain type='qemu'><name>t</name><memory>65536</memory>"
		"<os><type machine='q35'>hvm</type></os><devices/></domain>");
	const struct vn_controller *sata;

	CHECK_MSG(dom, "%s", vn_error_message());
	sata = controller(dom, VN_CONTROLLER_SATA);
	CHECK(sata);
	CHECK_INT(sata->pci.slot, 0x1f);
	CHECK_INT(sata->pci.function, 2);
	CHECK_STR(controller(dom, VN_CONTROLLER_PCI)->model, "pcie-root");
	CHECK_STR(controller(dom, VN_CONTROLLER_USB)->model, "qemu-xhci");
	vn_domain_free(dom);
}

TEST(ide_disk_gets_bus_driver_and_drive_address)
{
	struct vn_domain *dom = parse_devices(
		"<disk type='file'><source file='/x'/><target dev='hdc'/></disk>");
	const struct vn_disk *disk;

	CHECK_MSG(dom, "%s", vn_error_message());
	disk = &dom->disks[0];
	CHECK_INT(disk->bus, VN_DISK_BUS_IDE);
	CHECK_STR(disk->driver_name, "qemu");
	CHECK_STR(disk->driver_type, "raw");
	CHECK(disk->drive.present);
	CHECK_INT(disk->drive.controller, 0);
	CHECK_INT(disk->drive.bus, 1);
	CHECK_INT(disk->drive.unit, 0);
	CHECK_STR(disk->alias, "ide0-1-0");
	vn_domain_free(dom);
}

TEST(devices_get_slots_nets_first_then_disks_then_balloon)
{
	struct vn_domain *dom = parse_devices(
		"<disk type='file'><source file='/x'/><target dev='vda'/></disk>"
		"<interface type='user'/>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->nets[0]->pci.slot, 2);
	CHECK_INT(dom->disks[0].pci.slot, 3);
	CHECK_STR(dom->memballoon_model, "virtio");
	CHECK_INT(dom->memballoon_pci.slot, 4);
	vn_domain_free(dom);
}

TEST(tcg_domain_gets_qemu64_cpu_without_check)
{
	struct vn_domain *dom = parse_devices("");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_STR(dom->cpu_mode, "custom");
	CHECK_STR(dom->cpu_match, "exact");
	CHECK_STR(dom->cpu_check, "none");
	CHECK_STR(dom->cpu_model, "qemu64");
	CHECK_STR(dom->cpu_model_fallback, "forbid");
	vn_domain_free(dom);
}

TEST(kvm_custom_cpu_is_checked_partially)
{
	struct vn_domain *dom = parse_full("kvm",
		"<cpu mode='custom'><model>Haswell</model></cpu>", "");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_STR(dom->cpu_check, "partial");
	CHECK_STR(dom->cpu_match, "exact");
	CHECK_STR(dom->cpu_model_fallback, "allow");
	vn_domain_free(dom);
}

TEST(memory_is_the_sum_of_numa_cells)
{
	struct vn_domain *dom = parse_full("qemu",
		"<cpu><numa><cell id='0' cpus='0' memory='128' unit='MiB'/>"
		"<cell id='1' cpus='1' memory='64' unit='MiB'/></numa></cpu>",
		"");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->memory_kib, 196608);
	CHECK_INT(dom->current_memory_kib, 196608);
	CHECK_STR(dom->cpu_model, "qemu64");
	vn_domain_free(dom);
}

TEST(current_memory_defaults_to_memory)
{
	struct vn_domain *dom = parse_devices("");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->current_memory_kib, 65536);
	vn_domain_free(dom);
}

TEST(boot_defaults_to_hd_unless_devices_say)
{
	struct vn_domain *dom = parse_devices("");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->n_boot_devs, 1);
	CHECK_STR(dom->boot_devs[0], "hd");
	vn_domain_free(dom);
	dom = parse_devices("<interface type='user'><boot order='1'/></interface>");
	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->n_boot_devs, 0);
	vn_domain_free(dom);
}

TEST(os_boot_and_device_boot_together_are_refused)
{
	struct vn_domain *dom = vn_domain_parse_string(
		"<domain type='qemu'><name>t</name><memory>1024</memory>"
		"<os><type>hvm</type><boot dev='hd'/></os><devices>"
		"<interface type='user'><boot order='1'/></interface>"
		"</devices></domain>");

	CHECK(!dom);
	CHECK_STR(vn_error_message(),
		  "XML error: per-device boot elements cannot be used together with os/boot elements");
}

TEST(implicit_inputs_audio_and_lifecycle_are_added)
{
	struct vn_domain *dom = parse_devices("");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->n_inputs, 2);
	CHECK_INT(dom->inputs[0].type, VN_INPUT_MOUSE);
	CHECK_INT(dom->inputs[1].type, VN_INPUT_KEYBOARD);
	CHECK_INT(dom->inputs[1].bus, VN_INPUT_BUS_PS2);
	CHECK(dom->has_audio);
	CHECK_STR(dom->audio_type, "none");
	CHECK_STR(dom->clock_offset, "utc");
	CHECK_INT(dom->on_poweroff, VN_LIFECYCLE_DESTROY);
	CHECK_INT(dom->on_reboot, VN_LIFECYCLE_RESTART);
	CHECK_INT(dom->on_crash, VN_LIFECYCLE_DESTROY);
	CHECK_INT(dom->vcpus, 1);
	CHECK_STR(dom->vcpu_placement, "static");
	vn_domain_free(dom);
}

TEST(missing_uuid_is_random_version_4)
{
	struct vn_domain *dom = parse_devices("");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK(dom->has_uuid);
	CHECK_INT(dom->uuid[6] >> 4, 4);
	CHECK_INT(dom->uuid[8] >> 6, 2);
	vn_domain_free(dom);
}

TEST(serial_port_gets_a_paired_console)
{
	struct vn_domain *dom = parse_devices("<serial type='pty'/>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->n_chrs, 2);
	CHECK_STR(dom->chrs[0].target_type, "isa-serial");
	CHECK_INT(dom->chrs[1].kind, VN_CHR_CONSOLE);
	CHECK_STR(dom->chrs[1].target_type, "serial");
	vn_domain_free(dom);
}

TEST(serial_console_alone_gets_a_serial_port)
{
	struct vn_domain *dom = parse_devices(
		"<console type='file'><source path='/log'/></console>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->n_chrs, 2);
	CHECK_INT(dom->chrs[1].kind, VN_CHR_SERIAL);
	CHECK_INT(dom->chrs[1].type, VN_CHR_FILE);
	CHECK_STR(dom->chrs[1].path, "/log");
	CHECK_STR(dom->chrs[1].target_type, "isa-serial");
	vn_domain_free(dom);
}

TEST(serial_console_shows_the_serial_port)
{
	struct vn_domain *dom = parse_devices(
		"<console type='pty'/><serial type='file'><source path='/log'/></serial>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->n_chrs, 2);
	CHECK_INT(dom->chrs[0].kind, VN_CHR_CONSOLE);
	CHECK_INT(dom->chrs[0].type, VN_CHR_FILE);
	CHECK_STR(dom->chrs[0].path, "/log");
	vn_domain_free(dom);
}

TEST(virtio_console_does_not_hide_the_serial_console)
{
	struct vn_domain *dom = parse_devices(
		"<serial type='pty'/><console type='pty'><target type='virtio'/></console>");

	CHECK_MSG(dom, "%s", vn_error_message());
	CHECK_INT(dom->n_chrs, 3);
	CHECK_INT(dom->chrs[1].kind, VN_CHR_CONSOLE);
	CHECK_STR(dom->chrs[1].target_type, "serial");
	CHECK_STR(dom->chrs[1].alias, "console0");
	CHECK_STR(dom->chrs[2].target_type, "virtio");
	CHECK_STR(dom->chrs[2].alias, "console1");
	CHECK_INT(dom->chrs[2].target_port, 1);
	vn_domain_free(dom);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
