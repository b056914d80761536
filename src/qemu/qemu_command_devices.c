// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Non-network devices on QEMU's command line: see qemu_command_devices.h.
 *
 * Disks follow libvirt's -blockdev scheme: node names libvirt-N-storage
 * (the image as a file or block device) and libvirt-N-format (the image
 * format on top), N counting down from the number of disks so the first
 * disk gets the highest number.  With a QEMU that allows it a raw image
 * has no format node: the device then uses the storage node directly and
 * the read-only flag moves to it.  IDE disks sit on the machine's built-in
 * controller (bus ide.B, unit U, id ideC-B-U); virtio disks are PCI
 * devices (id virtio-diskI, I from the target name).
 *
 * A <console> whose target is a serial port is that serial port (libvirt
 * emits nothing more for it); one without any <serial> becomes serial0.
 */
#include "qemu/qemu_command_devices.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu/qemu_capabilities.h"
#include "qemu/qemu_json.h"
#include "util/error.h"

/* ---- boot order ---- */

/* Gives INDEX to the first disk of kind DEVICE without one yet. */
static void boot_first_disk(const struct vn_domain *dom, int *disk_index,
			    enum vn_disk_device device, int index)
{
	size_t i;

	for (i = 0; i < dom->n_disks; i++) {
		if (dom->disks[i].device == device && !disk_index[i]) {
			disk_index[i] = index;
			return;
		}
	}
}

int qemu_devices_boot_assign(const struct vn_domain *dom,
			     struct qemu_devices_boot *boot)
{
	size_t i;

	boot->disk = calloc(dom->n_disks + 1, sizeof(*boot->disk));
	boot->net = calloc(dom->n_nets + 1, sizeof(*boot->net));
	if (!boot->disk || !boot->net) {
		qemu_devices_boot_clear(boot);
		vn_error_report_errno(ENOMEM, "cannot assign boot order");
		return -1;
	}
	if (vn_domain_has_device_boot_order(dom)) {
		for (i = 0; i < dom->n_disks; i++)
			boot->disk[i] = dom->disks[i].boot_order;
		for (i = 0; i < dom->n_nets; i++)
			boot->net[i] = dom->nets[i]->boot_order;
		return 0;
	}
	for (i = 0; i < dom->n_boot_devs; i++) {
		const char *dev = dom->boot_devs[i];
		int index = i + 1;

		if (!strcmp(dev, "hd"))
			boot_first_disk(dom, boot->disk, VN_DISK_DEVICE_DISK,
					index);
		else if (!strcmp(dev, "cdrom"))
			boot_first_disk(dom, boot->disk, VN_DISK_DEVICE_CDROM,
					index);
		else if (!strcmp(dev, "network") && dom->n_nets &&
			 !boot->net[0])
			boot->net[0] = index;
	}
	return 0;
}

void qemu_devices_boot_clear(struct qemu_devices_boot *boot)
{
	free(boot->disk);
	free(boot->net);
	boot->disk = NULL;
	boot->net = NULL;
}

/* ---- what vunet can build ---- */

/* Device ids are built in fixed buffers from aliases; a longer user
 * alias is refused rather than cut. */
#define DEVICE_ALIAS_MAX 48

static int check_alias(const char *alias)
{
	if (!alias || strlen(alias) <= DEVICE_ALIAS_MAX)
		return 0;
	vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
			"device alias '%s' is longer than %d characters",
			alias, DEVICE_ALIAS_MAX);
	return -1;
}

static int check_disk(const struct vn_disk *disk)
{
	const char *why = NULL;

	if (disk->bus != VN_DISK_BUS_IDE && disk->bus != VN_DISK_BUS_VIRTIO)
		why = "only bus 'ide' and 'virtio' are";
	else if (disk->driver_type && strcmp(disk->driver_type, "raw") &&
		 strcmp(disk->driver_type, "qcow2"))
		why = "only formats 'raw' and 'qcow2' are";
	else if (!disk->source)
		why = "a disk without a source is not";
	else if (disk->device == VN_DISK_DEVICE_CDROM &&
		 disk->bus == VN_DISK_BUS_VIRTIO)
		why = "a virtio cdrom is not";
	if (!why)
		return 0;
	vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
			"disk '%s': %s supported by vunet",
			disk->target_dev ? disk->target_dev : "?", why);
	return -1;
}

static const char *usb_driver(const struct vn_controller *ctrl)
{
	if (!ctrl->model || !strcmp(ctrl->model, "piix3-uhci"))
		return "piix3-usb-uhci";
	if (!strcmp(ctrl->model, "qemu-xhci"))
		return "qemu-xhci";
	if (!strcmp(ctrl->model, "nec-xhci"))
		return "nec-usb-xhci";
	return NULL;
}

static int check_controller(const struct vn_controller *ctrl)
{
	if (ctrl->type == VN_CONTROLLER_USB && ctrl->model &&
	    strcmp(ctrl->model, "none") && !usb_driver(ctrl)) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"USB controller model '%s' is not supported by vunet",
				ctrl->model);
		return -1;
	}
	if (ctrl->type == VN_CONTROLLER_SCSI && ctrl->model &&
	    strcmp(ctrl->model, "virtio-scsi")) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"SCSI controller model '%s' is not supported by vunet",
				ctrl->model);
		return -1;
	}
	return 0;
}

static int check_chr(const struct vn_chr *chr)
{
	if (!chr->target_type || !strcmp(chr->target_type, "isa-serial") ||
	    !strcmp(chr->target_type, "serial"))
		return 0;
	vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
			"%s target type '%s' is not supported by vunet",
			chr->kind == VN_CHR_CONSOLE ? "console" : "serial",
			chr->target_type);
	return -1;
}

int qemu_command_devices_check_supported(const struct vn_domain *dom)
{
	size_t i;

	for (i = 0; i < dom->n_disks; i++)
		if (check_disk(&dom->disks[i]) < 0 ||
		    check_alias(dom->disks[i].alias) < 0)
			return -1;
	for (i = 0; i < dom->n_controllers; i++)
		if (check_controller(&dom->controllers[i]) < 0)
			return -1;
	for (i = 0; i < dom->n_chrs; i++)
		if (check_chr(&dom->chrs[i]) < 0 ||
		    check_alias(dom->chrs[i].alias) < 0)
			return -1;
	return 0;
}

/* ---- controllers ---- */

static void add_controller(struct qemu_argv *argv, const struct vn_domain *dom,
			   const struct vn_controller *ctrl)
{
	struct json_object *props;
	char id[32];

	switch (ctrl->type) {
	case VN_CONTROLLER_USB:
		if (ctrl->model && !strcmp(ctrl->model, "none"))
			return;
		props = json_object_new_object();
		qemu_json_str(props, "driver", usb_driver(ctrl));
		if (ctrl->index)
			snprintf(id, sizeof(id), "usb%u", ctrl->index);
		else
			snprintf(id, sizeof(id), "usb");
		break;
	case VN_CONTROLLER_SCSI:
		props = json_object_new_object();
		qemu_json_str(props, "driver", "virtio-scsi-pci");
		snprintf(id, sizeof(id), "scsi%u", ctrl->index);
		break;
	case VN_CONTROLLER_VIRTIO_SERIAL:
		props = json_object_new_object();
		qemu_json_str(props, "driver", "virtio-serial-pci");
		snprintf(id, sizeof(id), "virtio-serial%u", ctrl->index);
		break;
	default:
		/* pci-root, IDE and SATA are part of the machine. */
		return;
	}
	qemu_json_str(props, "id", id);
	qemu_json_pci_addr(props, &ctrl->pci, dom->os_machine);
	qemu_json_add_option(argv, "-device", props);
}

int qemu_devices_add_controllers(struct qemu_argv *argv,
				 const struct vn_domain *dom)
{
	size_t i;

	for (i = 0; i < dom->n_controllers; i++)
		add_controller(argv, dom, &dom->controllers[i]);
	return 0;
}

/* ---- disks ---- */

/* libvirt's disk-name index: "hda" -> 0, "vdb" -> 1, "sdaa" -> 26. */
static int disk_name_index(const char *name)
{
	int index = 0;
	const char *p;

	if (!name || strlen(name) < 3)
		return 0;
	for (p = name + 2; *p >= 'a' && *p <= 'z'; p++)
		index = index * 26 + (*p - 'a' + 1);
	return index > 0 ? index - 1 : 0;
}

static void ide_location(const struct vn_disk *disk, unsigned *controller,
			 unsigned *bus, unsigned *unit)
{
	int index = disk_name_index(disk->target_dev);

	if (disk->drive.present) {
		*controller = disk->drive.controller;
		*bus = disk->drive.bus;
		*unit = disk->drive.unit;
		return;
	}
	/* Two units per IDE bus, two buses per controller. */
	*controller = index / 4;
	*bus = (index / 2) % 2;
	*unit = index % 2;
}

static void add_blockdevs(struct qemu_argv *argv, const struct vn_disk *disk,
			  unsigned node, bool elide_raw, char *top,
			  size_t top_size)
{
	struct json_object *storage = json_object_new_object();
	const char *format = disk->driver_type ? disk->driver_type : "raw";
	char storage_name[48], format_name[48];

	snprintf(storage_name, sizeof(storage_name), "libvirt-%u-storage", node);
	snprintf(format_name, sizeof(format_name), "libvirt-%u-format", node);
	qemu_json_str(storage, "driver",
		      disk->type == VN_DISK_BLOCK ? "host_device" : "file");
	qemu_json_str(storage, "filename", disk->source);
	qemu_json_str(storage, "node-name", storage_name);
	if (elide_raw && !strcmp(format, "raw")) {
		qemu_json_bool(storage, "read-only", disk->readonly);
		qemu_json_add_option(argv, "-blockdev", storage);
		snprintf(top, top_size, "%s", storage_name);
		return;
	}
	qemu_json_bool(storage, "auto-read-only", true);
	qemu_json_str(storage, "discard", "unmap");
	qemu_json_add_option(argv, "-blockdev", storage);

	struct json_object *fmt = json_object_new_object();

	qemu_json_str(fmt, "node-name", format_name);
	qemu_json_bool(fmt, "read-only", disk->readonly);
	qemu_json_str(fmt, "driver", format);
	qemu_json_str(fmt, "file", storage_name);
	qemu_json_add_option(argv, "-blockdev", fmt);
	snprintf(top, top_size, "%s", format_name);
}

static void add_disk_device(struct qemu_argv *argv, const struct vn_domain *dom,
			    const struct vn_disk *disk, const char *top,
			    int bootindex)
{
	struct json_object *props = json_object_new_object();
	char text[64];

	if (disk->bus == VN_DISK_BUS_IDE) {
		unsigned controller, bus, unit;

		ide_location(disk, &controller, &bus, &unit);
		qemu_json_str(props, "driver",
			      disk->device == VN_DISK_DEVICE_CDROM ? "ide-cd"
								    : "ide-hd");
		snprintf(text, sizeof(text), "ide.%u", bus);
		qemu_json_str(props, "bus", text);
		qemu_json_int(props, "unit", unit);
		qemu_json_str(props, "drive", top);
		if (disk->alias)
			snprintf(text, sizeof(text), "%s", disk->alias);
		else
			snprintf(text, sizeof(text), "ide%u-%u-%u", controller,
				 bus, unit);
	} else {
		qemu_json_str(props, "driver", "virtio-blk-pci");
		qemu_json_pci_addr(props, &disk->pci, dom->os_machine);
		qemu_json_str(props, "drive", top);
		if (disk->alias)
			snprintf(text, sizeof(text), "%s", disk->alias);
		else
			snprintf(text, sizeof(text), "virtio-disk%d",
				 disk_name_index(disk->target_dev));
	}
	qemu_json_str(props, "id", text);
	if (bootindex > 0)
		qemu_json_int(props, "bootindex", bootindex);
	qemu_json_add_option(argv, "-device", props);
}

int qemu_devices_add_disks(struct qemu_argv *argv, const struct vn_domain *dom,
			   const struct qemu_devices_boot *boot,
			   const struct qemu_build_opts *opts)
{
	bool elide = qemu_caps_can_elide_raw_format(opts->qemu_version);
	char top[48];
	size_t i;

	for (i = 0; i < dom->n_disks; i++) {
		const struct vn_disk *disk = &dom->disks[i];

		add_blockdevs(argv, disk, dom->n_disks - i, elide, top,
			      sizeof(top));
		add_disk_device(argv, dom, disk, top, boot->disk[i]);
	}
	return 0;
}

/* ---- serial ports and consoles ---- */

static bool has_serial(const struct vn_domain *dom)
{
	size_t i;

	for (i = 0; i < dom->n_chrs; i++)
		if (dom->chrs[i].kind == VN_CHR_SERIAL)
			return true;
	return false;
}

static int add_chardev(struct qemu_argv *argv, const struct vn_chr *chr,
		       const char *alias)
{
	char prefix[80];

	if ((chr->type == VN_CHR_FILE || chr->type == VN_CHR_UNIX) &&
	    !chr->path) {
		vn_error_report(VN_ERR_XML_ERROR,
				"Missing source path attribute for char device %s",
				alias);
		return -1;
	}
	switch (chr->type) {
	case VN_CHR_PTY:
		qemu_argv_add(argv, "-chardev");
		qemu_argv_addf(argv, "pty,id=char%s", alias);
		return 0;
	case VN_CHR_FILE:
		snprintf(prefix, sizeof(prefix), "file,id=char%s,path=", alias);
		qemu_argv_add(argv, "-chardev");
		qemu_argv_add_escaped(argv, prefix, chr->path, "");
		return 0;
	case VN_CHR_UNIX:
		snprintf(prefix, sizeof(prefix), "socket,id=char%s,path=", alias);
		qemu_argv_add(argv, "-chardev");
		qemu_argv_add_escaped(argv, prefix, chr->path,
				      chr->mode == VN_CHR_MODE_CLIENT ?
					      "" : ",server=on,wait=off");
		return 0;
	case VN_CHR_STDIO:
		qemu_argv_add(argv, "-chardev");
		qemu_argv_addf(argv, "stdio,id=char%s", alias);
		return 0;
	case VN_CHR_NULL:
		qemu_argv_add(argv, "-chardev");
		qemu_argv_addf(argv, "null,id=char%s", alias);
		return 0;
	}
	vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
			"character device type %d is not supported by vunet",
			(int)chr->type);
	return -1;
}

static int add_serial(struct qemu_argv *argv, const struct vn_chr *chr)
{
	struct json_object *props;
	char alias[DEVICE_ALIAS_MAX + 1], chardev[DEVICE_ALIAS_MAX + 8];

	if (chr->alias)
		snprintf(alias, sizeof(alias), "%s", chr->alias);
	else
		snprintf(alias, sizeof(alias), "serial%u", chr->target_port);
	if (add_chardev(argv, chr, alias) < 0)
		return -1;
	snprintf(chardev, sizeof(chardev), "char%s", alias);
	props = json_object_new_object();
	qemu_json_str(props, "driver", "isa-serial");
	qemu_json_str(props, "chardev", chardev);
	qemu_json_str(props, "id", alias);
	qemu_json_int(props, "index", chr->target_port);
	qemu_json_add_option(argv, "-device", props);
	return 0;
}

int qemu_devices_add_chrs(struct qemu_argv *argv, const struct vn_domain *dom)
{
	bool serial_present = has_serial(dom);
	bool console_done = false;
	size_t i;

	for (i = 0; i < dom->n_chrs; i++) {
		const struct vn_chr *chr = &dom->chrs[i];

		if (chr->kind == VN_CHR_CONSOLE) {
			/* The console is serial0 itself, or stands for it. */
			if (serial_present || console_done)
				continue;
			console_done = true;
		}
		if (add_serial(argv, chr) < 0)
			return -1;
	}
	return 0;
}

/* ---- inputs, audio, balloon ---- */

int qemu_devices_add_inputs(struct qemu_argv *argv,
			    const struct vn_domain *dom)
{
	static const char *const usb[] = {
		[VN_INPUT_MOUSE] = "usb-mouse",
		[VN_INPUT_KEYBOARD] = "usb-kbd",
		[VN_INPUT_TABLET] = "usb-tablet",
	};
	static const char *const virtio[] = {
		[VN_INPUT_MOUSE] = "virtio-mouse-pci",
		[VN_INPUT_KEYBOARD] = "virtio-keyboard-pci",
		[VN_INPUT_TABLET] = "virtio-tablet-pci",
	};
	size_t i;

	for (i = 0; i < dom->n_inputs; i++) {
		const struct vn_input *input = &dom->inputs[i];
		struct json_object *props;
		char id[32];

		/* PS/2 devices are part of the pc machine. */
		if (input->bus == VN_INPUT_BUS_PS2)
			continue;
		props = json_object_new_object();
		snprintf(id, sizeof(id), "input%zu", i);
		qemu_json_str(props, "driver", input->bus == VN_INPUT_BUS_USB ?
						       usb[input->type] :
						       virtio[input->type]);
		qemu_json_str(props, "id", id);
		if (input->bus == VN_INPUT_BUS_USB)
			qemu_json_str(props, "bus", "usb.0");
		qemu_json_add_option(argv, "-device", props);
	}
	return 0;
}

void qemu_devices_add_audio(struct qemu_argv *argv, const struct vn_domain *dom)
{
	struct json_object *props;
	char id[64];

	if (!dom->has_audio)
		return;
	props = json_object_new_object();
	snprintf(id, sizeof(id), "audio%s", dom->audio_id ? dom->audio_id : "1");
	qemu_json_str(props, "id", id);
	qemu_json_str(props, "driver",
		      dom->audio_type ? dom->audio_type : "none");
	qemu_json_add_option(argv, "-audiodev", props);
}

void qemu_devices_add_memballoon(struct qemu_argv *argv,
				 const struct vn_domain *dom)
{
	struct json_object *props;

	if (!dom->memballoon_model || strcmp(dom->memballoon_model, "virtio"))
		return;
	props = json_object_new_object();
	qemu_json_str(props, "driver", "virtio-balloon-pci");
	qemu_json_str(props, "id", "balloon0");
	qemu_json_pci_addr(props, &dom->memballoon_pci, dom->os_machine);
	qemu_json_add_option(argv, "-device", props);
}
