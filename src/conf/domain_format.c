// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Formatting a struct vn_domain back to XML, as libvirt's dumpxml prints
 * an inactive definition.
 *
 * The layout is libvirt's: two spaces per level, attributes in single
 * quotes, values escaped, and elements in libvirt's order:
 *   name, uuid, title, description, memory, currentMemory, memoryBacking,
 *   vcpu, os, features, cpu, clock, on_poweroff, on_reboot, on_crash,
 *   devices (emulator, disks, controllers, interfaces, serials, consoles,
 *   inputs, audio, memballoon).
 * Values post-parse filled in are printed like the user's own (libvirt
 * does the same), except automatic device aliases, which an inactive
 * libvirt definition never shows.  Formatting the output of a parse and
 * parsing it again yields the same text: the tests check this.
 *
 * Nothing here fails except allocation, which vn_buf remembers; the
 * public functions then return NULL.
 */
#include "conf/conf_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const lifecycle_names[] = {
	[VN_LIFECYCLE_DESTROY] = "destroy",
	[VN_LIFECYCLE_RESTART] = "restart",
	[VN_LIFECYCLE_PRESERVE] = "preserve",
	[VN_LIFECYCLE_RENAME_RESTART] = "rename-restart",
};

static void open_element(struct vn_buf *buf, const char *name)
{
	vn_buf_addf(buf, "<%s>\n", name);
	vn_buf_indent(buf, 2);
}

static void close_element(struct vn_buf *buf, const char *name)
{
	vn_buf_indent(buf, -2);
	vn_buf_addf(buf, "</%s>\n", name);
}

static void format_text_element(struct vn_buf *buf, const char *name,
				const char *text)
{
	char fmt[64];

	if (!text)
		return;
	snprintf(fmt, sizeof(fmt), "<%s>%%s</%s>\n", name, name);
	vn_buf_escape(buf, fmt, text);
}

static void format_identity(struct vn_buf *buf, const struct vn_domain *dom)
{
	const unsigned char *u = dom->uuid;

	format_text_element(buf, "name", dom->name);
	if (dom->has_uuid)
		vn_buf_addf(buf,
			    "<uuid>%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x</uuid>\n",
			    u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7],
			    u[8], u[9], u[10], u[11], u[12], u[13], u[14],
			    u[15]);
	format_text_element(buf, "title", dom->title);
	format_text_element(buf, "description", dom->description);
}

static void format_memory(struct vn_buf *buf, const struct vn_domain *dom)
{
	vn_buf_addf(buf, "<memory unit='KiB'>%llu</memory>\n", dom->memory_kib);
	vn_buf_addf(buf, "<currentMemory unit='KiB'>%llu</currentMemory>\n",
		    dom->current_memory_kib ? dom->current_memory_kib :
					      dom->memory_kib);
	if (dom->mem_source == VN_MEMORY_SOURCE_DEFAULT &&
	    dom->mem_access == VN_MEMORY_ACCESS_DEFAULT)
		return; /* libvirt omits an empty <memoryBacking/> */
	open_element(buf, "memoryBacking");
	if (dom->mem_source != VN_MEMORY_SOURCE_DEFAULT)
		vn_buf_addf(buf, "<source type='%s'/>\n",
			    vn_memory_source_names[dom->mem_source]);
	if (dom->mem_access != VN_MEMORY_ACCESS_DEFAULT)
		vn_buf_addf(buf, "<access mode='%s'/>\n",
			    vn_memory_access_names[dom->mem_access]);
	close_element(buf, "memoryBacking");
}

static void format_os(struct vn_buf *buf, const struct vn_domain *dom)
{
	size_t i;

	vn_buf_escape(buf, "<vcpu placement='%s'>", dom->vcpu_placement);
	vn_buf_addf(buf, "%u</vcpu>\n", dom->vcpus);
	open_element(buf, "os");
	vn_buf_addf(buf, "<type");
	vn_buf_escape(buf, " arch='%s'", dom->os_arch);
	vn_buf_escape(buf, " machine='%s'", dom->os_machine);
	vn_buf_escape(buf, ">%s</type>\n", dom->os_type);
	format_text_element(buf, "kernel", dom->kernel);
	format_text_element(buf, "initrd", dom->initrd);
	format_text_element(buf, "cmdline", dom->cmdline);
	for (i = 0; i < dom->n_boot_devs; i++)
		vn_buf_escape(buf, "<boot dev='%s'/>\n", dom->boot_devs[i]);
	close_element(buf, "os");
}

static void format_features(struct vn_buf *buf, const struct vn_domain *dom)
{
	if (dom->feature_acpi != VN_TRISTATE_YES &&
	    dom->feature_apic != VN_TRISTATE_YES &&
	    dom->feature_pae != VN_TRISTATE_YES)
		return;
	open_element(buf, "features");
	if (dom->feature_acpi == VN_TRISTATE_YES)
		vn_buf_addf(buf, "<acpi/>\n");
	if (dom->feature_apic == VN_TRISTATE_YES)
		vn_buf_addf(buf, "<apic/>\n");
	if (dom->feature_pae == VN_TRISTATE_YES)
		vn_buf_addf(buf, "<pae/>\n");
	close_element(buf, "features");
}

static void format_numa(struct vn_buf *buf, const struct vn_domain *dom)
{
	size_t i;

	if (!dom->n_numa_cells)
		return;
	open_element(buf, "numa");
	for (i = 0; i < dom->n_numa_cells; i++) {
		const struct vn_numa_cell *cell = &dom->numa_cells[i];

		vn_buf_addf(buf, "<cell id='%u'", cell->id);
		vn_buf_escape(buf, " cpus='%s'", cell->cpus);
		vn_buf_addf(buf, " memory='%llu' unit='KiB'", cell->memory_kib);
		if (cell->mem_access != VN_MEMORY_ACCESS_DEFAULT)
			vn_buf_addf(buf, " memAccess='%s'",
				    vn_memory_access_names[cell->mem_access]);
		vn_buf_addf(buf, "/>\n");
	}
	close_element(buf, "numa");
}

static void format_cpu(struct vn_buf *buf, const struct vn_domain *dom)
{
	bool custom = dom->cpu_mode && !strcmp(dom->cpu_mode, "custom");
	bool passthrough = dom->cpu_mode &&
			   (!strcmp(dom->cpu_mode, "host-passthrough") ||
			    !strcmp(dom->cpu_mode, "maximum"));

	if (!dom->cpu_mode)
		return;
	vn_buf_escape(buf, "<cpu mode='%s'", dom->cpu_mode);
	if (custom)
		vn_buf_escape(buf, " match='%s'", dom->cpu_match);
	vn_buf_escape(buf, " check='%s'", dom->cpu_check);
	if (passthrough)
		vn_buf_addf(buf, " migratable='on'");
	if (!dom->cpu_model && !dom->n_numa_cells) {
		vn_buf_addf(buf, "/>\n");
		return;
	}
	vn_buf_addf(buf, ">\n");
	vn_buf_indent(buf, 2);
	if (dom->cpu_model) {
		vn_buf_addf(buf, "<model");
		vn_buf_escape(buf, " fallback='%s'", dom->cpu_model_fallback);
		vn_buf_escape(buf, ">%s</model>\n", dom->cpu_model);
	}
	format_numa(buf, dom);
	close_element(buf, "cpu");
}

static void format_lifecycle(struct vn_buf *buf, const struct vn_domain *dom)
{
	vn_buf_escape(buf, "<clock offset='%s'/>\n", dom->clock_offset);
	vn_buf_addf(buf, "<on_poweroff>%s</on_poweroff>\n",
		    lifecycle_names[dom->on_poweroff]);
	vn_buf_addf(buf, "<on_reboot>%s</on_reboot>\n",
		    lifecycle_names[dom->on_reboot]);
	vn_buf_addf(buf, "<on_crash>%s</on_crash>\n",
		    lifecycle_names[dom->on_crash]);
}

/* ---- devices ---- */

static void format_user_alias(struct vn_buf *buf, const char *alias,
			      bool generated)
{
	if (!generated)
		vn_buf_escape(buf, "<alias name='%s'/>\n", alias);
}

static void format_disk(struct vn_buf *buf, const struct vn_disk *disk)
{
	static const char *const buses[] = {
		[VN_DISK_BUS_VIRTIO] = "virtio", [VN_DISK_BUS_IDE] = "ide",
		[VN_DISK_BUS_SATA] = "sata", [VN_DISK_BUS_SCSI] = "scsi",
	};
	const struct vn_drive_addr *a = &disk->drive;
	bool file = disk->type == VN_DISK_FILE;

	vn_buf_addf(buf, "<disk type='%s' device='%s'>\n",
		    file ? "file" : "block",
		    disk->device == VN_DISK_DEVICE_CDROM ? "cdrom" : "disk");
	vn_buf_indent(buf, 2);
	if (disk->driver_name || disk->driver_type) {
		vn_buf_addf(buf, "<driver");
		vn_buf_escape(buf, " name='%s'", disk->driver_name);
		vn_buf_escape(buf, " type='%s'", disk->driver_type);
		vn_buf_addf(buf, "/>\n");
	}
	vn_buf_escape(buf, file ? "<source file='%s'/>\n" :
				  "<source dev='%s'/>\n", disk->source);
	vn_buf_escape(buf, "<target dev='%s'", disk->target_dev);
	vn_buf_addf(buf, " bus='%s'/>\n", buses[disk->bus]);
	if (disk->readonly)
		vn_buf_addf(buf, "<readonly/>\n");
	if (disk->boot_order)
		vn_buf_addf(buf, "<boot order='%u'/>\n", disk->boot_order);
	format_user_alias(buf, disk->alias, disk->alias_generated);
	if (a->present)
		vn_buf_addf(buf,
			    "<address type='drive' controller='%u' bus='%u' target='%u' unit='%u'/>\n",
			    a->controller, a->bus, a->target, a->unit);
	vn_format_pci_addr(buf, &disk->pci);
	close_element(buf, "disk");
}

static void format_controller(struct vn_buf *buf,
			      const struct vn_controller *c)
{
	static const char *const types[] = {
		[VN_CONTROLLER_USB] = "usb", [VN_CONTROLLER_PCI] = "pci",
		[VN_CONTROLLER_IDE] = "ide", [VN_CONTROLLER_SATA] = "sata",
		[VN_CONTROLLER_SCSI] = "scsi",
		[VN_CONTROLLER_VIRTIO_SERIAL] = "virtio-serial",
	};

	vn_buf_addf(buf, "<controller type='%s' index='%u'", types[c->type],
		    c->index);
	vn_buf_escape(buf, " model='%s'", c->model);
	if (!c->pci.present) {
		vn_buf_addf(buf, "/>\n");
		return;
	}
	vn_buf_addf(buf, ">\n");
	vn_buf_indent(buf, 2);
	vn_format_pci_addr(buf, &c->pci);
	close_element(buf, "controller");
}

static void format_chr(struct vn_buf *buf, const struct vn_chr *chr)
{
	static const char *const types[] = {
		[VN_CHR_PTY] = "pty", [VN_CHR_FILE] = "file",
		[VN_CHR_UNIX] = "unix", [VN_CHR_STDIO] = "stdio",
		[VN_CHR_NULL] = "null",
	};
	const char *name = chr->kind == VN_CHR_SERIAL ? "serial" : "console";
	bool serial_model = chr->kind == VN_CHR_SERIAL && chr->target_type &&
			    strstr(chr->target_type, "-serial");

	vn_buf_addf(buf, "<%s type='%s'>\n", name, types[chr->type]);
	vn_buf_indent(buf, 2);
	if (chr->path || chr->mode != VN_CHR_MODE_ABSENT) {
		vn_buf_addf(buf, "<source");
		if (chr->mode != VN_CHR_MODE_ABSENT)
			vn_buf_addf(buf, " mode='%s'",
				    chr->mode == VN_CHR_MODE_SERVER ? "bind" :
								      "connect");
		vn_buf_escape(buf, " path='%s'", chr->path);
		vn_buf_addf(buf, "/>\n");
	}
	vn_buf_escape(buf, "<target type='%s'", chr->target_type);
	vn_buf_addf(buf, " port='%u'", chr->target_port);
	if (serial_model) {
		vn_buf_addf(buf, ">\n");
		vn_buf_indent(buf, 2);
		vn_buf_escape(buf, "<model name='%s'/>\n", chr->target_type);
		close_element(buf, "target");
	} else {
		vn_buf_addf(buf, "/>\n");
	}
	format_user_alias(buf, chr->alias, chr->alias_generated);
	close_element(buf, name);
}

static void format_chrs(struct vn_buf *buf, const struct vn_domain *dom)
{
	size_t i;

	for (i = 0; i < dom->n_chrs; i++)
		if (dom->chrs[i].kind == VN_CHR_SERIAL)
			format_chr(buf, &dom->chrs[i]);
	for (i = 0; i < dom->n_chrs; i++)
		if (dom->chrs[i].kind == VN_CHR_CONSOLE)
			format_chr(buf, &dom->chrs[i]);
}

static void format_inputs(struct vn_buf *buf, const struct vn_domain *dom)
{
	static const char *const types[] = {
		[VN_INPUT_MOUSE] = "mouse", [VN_INPUT_KEYBOARD] = "keyboard",
		[VN_INPUT_TABLET] = "tablet",
	};
	static const char *const buses[] = {
		[VN_INPUT_BUS_PS2] = "ps2", [VN_INPUT_BUS_USB] = "usb",
		[VN_INPUT_BUS_VIRTIO] = "virtio",
	};
	size_t i;

	for (i = 0; i < dom->n_inputs; i++)
		vn_buf_addf(buf, "<input type='%s' bus='%s'/>\n",
			    types[dom->inputs[i].type],
			    buses[dom->inputs[i].bus]);
}

static void format_devices(struct vn_buf *buf, const struct vn_domain *dom)
{
	size_t i;

	open_element(buf, "devices");
	format_text_element(buf, "emulator", dom->emulator);
	for (i = 0; i < dom->n_disks; i++)
		format_disk(buf, &dom->disks[i]);
	for (i = 0; i < dom->n_controllers; i++)
		format_controller(buf, &dom->controllers[i]);
	for (i = 0; i < dom->n_nets; i++)
		vn_net_format_buf(buf, dom->nets[i]);
	format_chrs(buf, dom);
	format_inputs(buf, dom);
	if (dom->has_audio) {
		vn_buf_addf(buf, "<audio");
		vn_buf_escape(buf, " id='%s'", dom->audio_id);
		vn_buf_escape(buf, " type='%s'/>\n", dom->audio_type);
	}
	if (dom->memballoon_model) {
		vn_buf_escape(buf, "<memballoon model='%s'", dom->memballoon_model);
		if (dom->memballoon_pci.present) {
			vn_buf_addf(buf, ">\n");
			vn_buf_indent(buf, 2);
			vn_format_pci_addr(buf, &dom->memballoon_pci);
			close_element(buf, "memballoon");
		} else {
			vn_buf_addf(buf, "/>\n");
		}
	}
	close_element(buf, "devices");
}

char *vn_domain_format(const struct vn_domain *dom)
{
	struct vn_buf buf = { 0 };

	vn_buf_addf(&buf, "<domain type='%s'",
		    dom->virt_type == VN_DOMAIN_VIRT_KVM ? "kvm" : "qemu");
	if (dom->id >= 0)
		vn_buf_addf(&buf, " id='%d'", dom->id);
	vn_buf_addf(&buf, ">\n");
	vn_buf_indent(&buf, 2);
	format_identity(&buf, dom);
	format_memory(&buf, dom);
	format_os(&buf, dom);
	format_features(&buf, dom);
	format_cpu(&buf, dom);
	format_lifecycle(&buf, dom);
	format_devices(&buf, dom);
	close_element(&buf, "domain");
	return vn_buf_finish(&buf);
}
