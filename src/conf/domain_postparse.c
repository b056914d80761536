// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Post-parse: the defaults libvirt (with its QEMU driver, on x86_64) fills
 * into a definition after parsing it, so that dumpxml, validation and the
 * command-line builders all see the same complete domain.
 *
 * Run in this order, because later steps depend on earlier ones:
 *   1. resources: a random UUID when there is none, vCPU count, memory (the sum of the NUMA cells when there
 *      are cells), currentMemory, os type/arch/machine, boot device 'hd'
 *      when nothing says what to boot, the CPU (TCG's default is a
 *      'qemu64' custom CPU) and its check policy, clock, life cycle;
 *   2. devices: disk bus/driver/drive address, the implicit controllers
 *      (USB, PCI root, a disk bus's controller), implicit PS/2 inputs,
 *      the default audio backend and memory balloon, serial/console
 *      pairing, and per interface: model, vhost-user socket type/mode,
 *      a random 52:54:00 MAC and the alias netN;
 *   3. PCI addresses for devices that have none, in libvirt's order:
 *      interfaces, then controllers, then virtio disks, then the balloon.
 *
 * PCI layout: only the i440fx ('pc') machine's layout is libvirt's: slot 0
 * is the host bridge, slot 1 the PIIX3 (IDE function 1, USB UHCI function
 * 2), devices from slot 2 on.  For q35 vunet puts devices on pcie.0 from
 * slot 1 (libvirt would add pcie-root-ports); this is a documented
 * deviation, not an imitation.
 *
 * Generated values are flagged (mac_generated, alias_generated,
 * pci_generated) so the formatter can print what libvirt prints.
 */
#include "conf/conf_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "util/error.h"

/* Slots on PCI bus 0. */
#define PCI_SLOTS 32
#define PIIX3_SLOT 1
#define PIIX3_IDE_FUNCTION 1
#define PIIX3_USB_FUNCTION 2
#define Q35_LPC_SLOT 0x1f

static int report_oom(void)
{
	vn_error_report(VN_ERR_INTERNAL_ERROR, "out of memory");
	return -1;
}

static int set_default(char **field, const char *value)
{
	if (*field)
		return 0;
	*field = strdup(value);
	return *field ? 0 : report_oom();
}

static bool machine_is_q35(const char *machine)
{
	return machine && (!strcmp(machine, "q35") ||
			   !strncmp(machine, "pc-q35", 6));
}

/* ---- resources ---- */

static int memory_defaults(struct vn_domain *dom)
{
	unsigned long long total = 0;
	size_t i;

	if (dom->n_numa_cells) {
		for (i = 0; i < dom->n_numa_cells; i++)
			total += dom->numa_cells[i].memory_kib;
		dom->memory_kib = total;
	}
	if (!dom->memory_kib) {
		vn_error_report(VN_ERR_XML_ERROR,
				"Memory size must be specified via <memory> or in the <numa> configuration");
		return -1;
	}
	if (!dom->current_memory_kib ||
	    dom->current_memory_kib > dom->memory_kib)
		dom->current_memory_kib = dom->memory_kib;
	return 0;
}

bool vn_domain_has_device_boot_order(const struct vn_domain *dom)
{
	size_t i;

	for (i = 0; i < dom->n_disks; i++)
		if (dom->disks[i].boot_order)
			return true;
	for (i = 0; i < dom->n_nets; i++)
		if (dom->nets[i]->boot_order)
			return true;
	return false;
}

static int os_defaults(struct vn_domain *dom)
{
	bool device_boot = vn_domain_has_device_boot_order(dom);

	if (!dom->os_type) {
		vn_error_report(VN_ERR_XML_ERROR,
				"an os <type> must be specified");
		return -1;
	}
	if (dom->n_boot_devs && device_boot) {
		vn_error_report(VN_ERR_XML_ERROR,
				"per-device boot elements cannot be used together with os/boot elements");
		return -1;
	}
	if (set_default(&dom->os_arch, "x86_64") < 0 ||
	    set_default(&dom->os_machine, "pc") < 0)
		return -1;
	if (dom->n_boot_devs || device_boot)
		return 0;
	dom->boot_devs = calloc(1, sizeof(*dom->boot_devs));
	if (!dom->boot_devs)
		return report_oom();
	dom->boot_devs[0] = strdup("hd");
	if (!dom->boot_devs[0])
		return report_oom();
	dom->n_boot_devs = 1;
	return 0;
}

static int cpu_defaults(struct vn_domain *dom)
{
	const char *check;

	/* No CPU model: QEMU's default for x86 under libvirt is qemu64,
	 * written out as a custom CPU that must not fall back. */
	if (!dom->cpu_mode || (!strcmp(dom->cpu_mode, "custom") &&
			       !dom->cpu_model)) {
		if (set_default(&dom->cpu_mode, "custom") < 0 ||
		    set_default(&dom->cpu_match, "exact") < 0 ||
		    set_default(&dom->cpu_model, "qemu64") < 0 ||
		    set_default(&dom->cpu_model_fallback, "forbid") < 0)
			return -1;
	}
	if (!strcmp(dom->cpu_mode, "custom")) {
		if (set_default(&dom->cpu_match, "exact") < 0 ||
		    set_default(&dom->cpu_model_fallback, "allow") < 0)
			return -1;
		/* TCG CPUs are not compared with the host's. */
		check = dom->virt_type == VN_DOMAIN_VIRT_QEMU ? "none" :
								"partial";
	} else if (!strcmp(dom->cpu_mode, "host-model")) {
		check = "partial";
	} else {
		check = "none";
	}
	return set_default(&dom->cpu_check, check);
}

/* A definition without <uuid> gets a random (version 4) one, as libvirt
 * gives every domain a UUID. */
static int uuid_default(struct vn_domain *dom)
{
	if (dom->has_uuid)
		return 0;
	if (getrandom(dom->uuid, sizeof(dom->uuid), 0) !=
	    (ssize_t)sizeof(dom->uuid)) {
		vn_error_report_errno(errno ? errno : EIO,
				      "cannot generate a domain UUID");
		return -1;
	}
	dom->uuid[6] = (unsigned char)((dom->uuid[6] & 0x0f) | 0x40);
	dom->uuid[8] = (unsigned char)((dom->uuid[8] & 0x3f) | 0x80);
	dom->has_uuid = true;
	return 0;
}

static int resource_defaults(struct vn_domain *dom)
{
	if (uuid_default(dom) < 0)
		return -1;
	if (!dom->vcpus)
		dom->vcpus = 1;
	if (set_default(&dom->vcpu_placement, "static") < 0 ||
	    memory_defaults(dom) < 0 || os_defaults(dom) < 0 ||
	    cpu_defaults(dom) < 0 || set_default(&dom->clock_offset, "utc") < 0)
		return -1;
	if (!dom->has_on_poweroff)
		dom->on_poweroff = VN_LIFECYCLE_DESTROY;
	if (!dom->has_on_reboot)
		dom->on_reboot = VN_LIFECYCLE_RESTART;
	if (!dom->has_on_crash)
		dom->on_crash = VN_LIFECYCLE_DESTROY;
	dom->has_on_poweroff = dom->has_on_reboot = dom->has_on_crash = true;
	return 0;
}

/* ---- disks and controllers ---- */

/* "hda" -> 0, "vdb" -> 1, "sdaa" -> 26: libvirt's disk name index.
 * -1 when the name has no known prefix or no letters after it. */
static int disk_name_index(const char *dev)
{
	static const char *const prefixes[] = { "hd", "vd", "sd", "xvd",
						"ubd", "fd" };
	const char *p = NULL;
	size_t i;
	int idx = 0;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]) && !p; i++)
		if (!strncmp(dev, prefixes[i], strlen(prefixes[i])))
			p = dev + strlen(prefixes[i]);
	if (!p || !*p)
		return -1;
	for (i = 0; *p; p++, i++) {
		/* Bounded: a name index beyond this has no device anyway. */
		if (*p < 'a' || *p > 'z' || idx > 100000)
			return -1;
		idx = (idx + (i ? 1 : 0)) * 26 + (*p - 'a');
	}
	return idx;
}

static struct vn_controller *find_controller(struct vn_domain *dom,
					     enum vn_controller_type type,
					     unsigned index)
{
	size_t i;

	for (i = 0; i < dom->n_controllers; i++)
		if (dom->controllers[i].type == type &&
		    dom->controllers[i].index == index)
			return &dom->controllers[i];
	return NULL;
}

/* Adds controller TYPE/INDEX unless present, after the last controller
 * of the same type (libvirt's insertion rule), else at the end. */
static int add_controller(struct vn_domain *dom, enum vn_controller_type type,
			  unsigned index, const char *model)
{
	struct vn_controller *grown, ctrl = { .type = type, .index = index };
	size_t at = dom->n_controllers, i;

	if (find_controller(dom, type, index))
		return 0;
	if (model && !(ctrl.model = strdup(model)))
		return report_oom();
	for (i = 0; i < dom->n_controllers; i++)
		if (dom->controllers[i].type == type)
			at = i + 1;
	grown = reallocarray(dom->controllers, dom->n_controllers + 1,
			     sizeof(*grown));
	if (!grown) {
		free(ctrl.model);
		return report_oom();
	}
	dom->controllers = grown;
	memmove(&grown[at + 1], &grown[at],
		(dom->n_controllers - at) * sizeof(*grown));
	grown[at] = ctrl;
	dom->n_controllers++;
	return 0;
}

static int disk_bus_from_name(const struct vn_disk *disk)
{
	const char *dev = disk->target_dev;

	if (!strncmp(dev, "hd", 2))
		return VN_DISK_BUS_IDE;
	if (!strncmp(dev, "sd", 2))
		return VN_DISK_BUS_SCSI;
	if (!strncmp(dev, "vd", 2))
		return VN_DISK_BUS_VIRTIO;
	vn_error_report(VN_ERR_INTERNAL_ERROR,
			"cannot determine the bus of disk '%s'", dev);
	return -1;
}

/* libvirt's drive address from the name index: IDE has 2 buses of 2
 * units per controller, SATA 6 units, SCSI 7 units. */
static void assign_drive_address(struct vn_disk *disk, int idx)
{
	struct vn_drive_addr *a = &disk->drive;

	a->present = true;
	a->target = 0;
	switch (disk->bus) {
	case VN_DISK_BUS_IDE:
		a->controller = (unsigned)idx / 4;
		a->bus = ((unsigned)idx % 4) / 2;
		a->unit = (unsigned)idx % 2;
		break;
	case VN_DISK_BUS_SATA:
		a->controller = (unsigned)idx / 6;
		a->bus = 0;
		a->unit = (unsigned)idx % 6;
		break;
	default:
		a->controller = (unsigned)idx / 7;
		a->bus = 0;
		a->unit = (unsigned)idx % 7;
		break;
	}
}

static int disk_alias(struct vn_disk *disk, int idx)
{
	char text[64];

	if (disk->alias)
		return 0;
	if (disk->bus == VN_DISK_BUS_VIRTIO)
		snprintf(text, sizeof(text), "virtio-disk%d", idx);
	else if (disk->bus == VN_DISK_BUS_SCSI)
		snprintf(text, sizeof(text), "scsi%u-%u-%u-%u",
			 disk->drive.controller, disk->drive.bus,
			 disk->drive.target, disk->drive.unit);
	else
		snprintf(text, sizeof(text), "%s%u-%u-%u",
			 disk->bus == VN_DISK_BUS_IDE ? "ide" : "sata",
			 disk->drive.controller, disk->drive.bus,
			 disk->drive.unit);
	disk->alias = strdup(text);
	disk->alias_generated = true;
	return disk->alias ? 0 : report_oom();
}

static int disk_defaults(struct vn_domain *dom, struct vn_disk *disk)
{
	static const enum vn_controller_type bus_controller[] = {
		[VN_DISK_BUS_IDE] = VN_CONTROLLER_IDE,
		[VN_DISK_BUS_SATA] = VN_CONTROLLER_SATA,
		[VN_DISK_BUS_SCSI] = VN_CONTROLLER_SCSI,
	};
	int idx = disk_name_index(disk->target_dev), bus;

	if (idx < 0) {
		vn_error_report(VN_ERR_INTERNAL_ERROR,
				"Unknown disk name '%s' and no address specified",
				disk->target_dev);
		return -1;
	}
	if ((int)disk->bus < 0) {
		bus = disk_bus_from_name(disk);
		if (bus < 0)
			return -1;
		disk->bus = (enum vn_disk_bus)bus;
	}
	if (set_default(&disk->driver_name, "qemu") < 0 ||
	    set_default(&disk->driver_type, "raw") < 0)
		return -1;
	if (disk->device == VN_DISK_DEVICE_CDROM)
		disk->readonly = true;
	if (disk->bus != VN_DISK_BUS_VIRTIO) {
		if (!disk->drive.present)
			assign_drive_address(disk, idx);
		if (add_controller(dom, bus_controller[disk->bus],
				   disk->drive.controller,
				   disk->bus == VN_DISK_BUS_SCSI ?
				   "lsilogic" : NULL) < 0)
			return -1;
	}
	return disk_alias(disk, idx);
}

static bool has_controller_type(const struct vn_domain *dom,
				enum vn_controller_type type)
{
	size_t i;

	for (i = 0; i < dom->n_controllers; i++)
		if (dom->controllers[i].type == type)
			return true;
	return false;
}

static int controller_defaults(struct vn_domain *dom)
{
	bool q35 = machine_is_q35(dom->os_machine);
	size_t i;

	if (!has_controller_type(dom, VN_CONTROLLER_USB) &&
	    add_controller(dom, VN_CONTROLLER_USB, 0, NULL) < 0)
		return -1;
	/* q35's ICH9 always has its AHCI (SATA) controller. */
	if (q35 && add_controller(dom, VN_CONTROLLER_SATA, 0, NULL) < 0)
		return -1;
	if (!has_controller_type(dom, VN_CONTROLLER_PCI) &&
	    add_controller(dom, VN_CONTROLLER_PCI, 0,
			   q35 ? "pcie-root" : "pci-root") < 0)
		return -1;
	for (i = 0; i < dom->n_controllers; i++) {
		struct vn_controller *c = &dom->controllers[i];

		if (c->type == VN_CONTROLLER_USB &&
		    set_default(&c->model, q35 ? "qemu-xhci" : "piix3-uhci") < 0)
			return -1;
		if (c->type == VN_CONTROLLER_SCSI &&
		    set_default(&c->model, "lsilogic") < 0)
			return -1;
	}
	return 0;
}

/* ---- inputs, audio, balloon, character devices ---- */

static bool has_input(const struct vn_domain *dom, enum vn_input_type type,
		      enum vn_input_bus bus)
{
	size_t i;

	for (i = 0; i < dom->n_inputs; i++)
		if (dom->inputs[i].type == type && dom->inputs[i].bus == bus)
			return true;
	return false;
}

static int add_input(struct vn_domain *dom, enum vn_input_type type)
{
	struct vn_input *grown;

	if (has_input(dom, type, VN_INPUT_BUS_PS2))
		return 0;
	grown = reallocarray(dom->inputs, dom->n_inputs + 1, sizeof(*grown));
	if (!grown)
		return report_oom();
	dom->inputs = grown;
	grown[dom->n_inputs].type = type;
	grown[dom->n_inputs].bus = VN_INPUT_BUS_PS2;
	dom->n_inputs++;
	return 0;
}

static int misc_device_defaults(struct vn_domain *dom)
{
	/* Both i440fx and q35 have an i8042: libvirt lists its devices. */
	if (add_input(dom, VN_INPUT_MOUSE) < 0 ||
	    add_input(dom, VN_INPUT_KEYBOARD) < 0)
		return -1;
	/* Audio backends are numbered from 1; the default one is silent. */
	if (set_default(&dom->audio_id, "1") < 0 ||
	    set_default(&dom->audio_type, "none") < 0)
		return -1;
	dom->has_audio = true;
	return set_default(&dom->memballoon_model, "virtio");
}

/* Copies the device side (type, source, port) of FROM into TO. */
static int copy_chr_source(struct vn_chr *to, const struct vn_chr *from)
{
	char *path = NULL;

	if (from->path && !(path = strdup(from->path)))
		return report_oom();
	free(to->path);
	to->path = path;
	to->type = from->type;
	to->mode = from->mode;
	to->target_port = from->target_port;
	return 0;
}

/* Inserts at AT a KIND device describing the same port as dom->chrs[FROM]
 * (an index: the array moves). */
static int insert_chr(struct vn_domain *dom, size_t at, size_t from,
		      enum vn_chr_kind kind, const char *target_type)
{
	struct vn_chr *grown, chr = { .kind = kind };

	if (!(chr.target_type = strdup(target_type)) ||
	    copy_chr_source(&chr, &dom->chrs[from]) < 0) {
		free(chr.target_type);
		return report_oom();
	}
	grown = reallocarray(dom->chrs, dom->n_chrs + 1, sizeof(*grown));
	if (!grown) {
		free(chr.target_type);
		free(chr.path);
		return report_oom();
	}
	dom->chrs = grown;
	memmove(&grown[at + 1], &grown[at], (dom->n_chrs - at) * sizeof(*grown));
	grown[at] = chr;
	dom->n_chrs++;
	return 0;
}

/* Index of the first character device of KIND, or -1. */
static long first_chr(const struct vn_domain *dom, enum vn_chr_kind kind)
{
	size_t i;

	for (i = 0; i < dom->n_chrs; i++)
		if (dom->chrs[i].kind == kind)
			return (long)i;
	return -1;
}

static int chr_alias(struct vn_chr *chr, unsigned n)
{
	char text[32];

	if (chr->alias)
		return 0;
	snprintf(text, sizeof(text), "%s%u",
		 chr->kind == VN_CHR_SERIAL ? "serial" : "console", n);
	chr->alias = strdup(text);
	chr->alias_generated = true;
	return chr->alias ? 0 : report_oom();
}

/* libvirt keeps the first console and the first (ISA) serial port as two
 * views of one device: a serial console without a serial port gets one;
 * otherwise the serial console shows the serial port's source; a serial
 * port without a serial console gets one, placed before the other
 * consoles. */
static int pair_serial_console(struct vn_domain *dom)
{
	long serial = first_chr(dom, VN_CHR_SERIAL);
	long console = first_chr(dom, VN_CHR_CONSOLE);
	bool serial_console = console >= 0 &&
			      !strcmp(dom->chrs[console].target_type, "serial");

	if (serial_console && serial < 0)
		return insert_chr(dom, dom->n_chrs, (size_t)console,
				  VN_CHR_SERIAL, "isa-serial");
	if (serial_console)
		return copy_chr_source(&dom->chrs[console], &dom->chrs[serial]);
	if (serial >= 0 && !strcmp(dom->chrs[serial].target_type, "isa-serial"))
		return insert_chr(dom, console >= 0 ? (size_t)console :
				  dom->n_chrs, (size_t)serial, VN_CHR_CONSOLE,
				  "serial");
	return 0;
}

static int chr_defaults(struct vn_domain *dom)
{
	unsigned n_serial = 0, n_console = 0;
	size_t i;

	for (i = 0; i < dom->n_chrs; i++) {
		struct vn_chr *chr = &dom->chrs[i];
		bool serial_kind = chr->kind == VN_CHR_SERIAL;

		if (set_default(&chr->target_type, serial_kind ? "isa-serial" :
				n_console++ ? "virtio" : "serial") < 0)
			return -1;
		if (serial_kind && !chr->target_port)
			chr->target_port = n_serial;
		n_serial += serial_kind;
	}
	if (pair_serial_console(dom) < 0)
		return -1;
	n_serial = n_console = 0;
	for (i = 0; i < dom->n_chrs; i++) {
		struct vn_chr *chr = &dom->chrs[i];

		/* Consoles are numbered in order; the serial one keeps the
		 * port of the serial device it shows. */
		if (chr->kind == VN_CHR_CONSOLE &&
		    strcmp(chr->target_type, "serial"))
			chr->target_port = n_console;
		if (chr_alias(chr, chr->kind == VN_CHR_SERIAL ? n_serial++ :
				   n_console++) < 0)
			return -1;
	}
	return 0;
}

/* ---- interfaces ---- */

static int random_mac(struct vn_net *net)
{
	unsigned char tail[3];

	if (getrandom(tail, sizeof(tail), 0) != (ssize_t)sizeof(tail)) {
		vn_error_report_errno(errno ? errno : EIO,
				      "cannot generate a MAC address");
		return -1;
	}
	/* QEMU's locally administered OUI, as libvirt uses. */
	net->mac[0] = 0x52;
	net->mac[1] = 0x54;
	net->mac[2] = 0x00;
	memcpy(&net->mac[3], tail, sizeof(tail));
	net->has_mac = true;
	net->mac_generated = true;
	return 0;
}

static int net_defaults(struct vn_net *net)
{
	const char *model = "rtl8139"; /* libvirt's x86 default NIC */

	if (net->type == VN_NET_VHOSTUSER || net->type == VN_NET_VDPA)
		model = "virtio";
	if (set_default(&net->model, model) < 0)
		return -1;
	/* A vhost-user socket without type/mode is a unix client socket;
	 * passt-backed interfaces have no socket in the definition. */
	if (net->type == VN_NET_VHOSTUSER && !vn_net_is_passt(net) &&
	    net->source_path) {
		if (net->source_type == VN_CHR_SOURCE_ABSENT) {
			if (set_default(&net->source_type_str, "unix") < 0)
				return -1;
			net->source_type = VN_CHR_SOURCE_UNIX;
		}
		if (net->source_mode == VN_CHR_MODE_ABSENT)
			net->source_mode = VN_CHR_MODE_CLIENT;
	}
	if (!net->has_mac)
		return random_mac(net);
	return 0;
}

static int set_net_alias(struct vn_net *net, unsigned n)
{
	char text[32];

	if (net->alias)
		return 0;
	snprintf(text, sizeof(text), "net%u", n);
	net->alias = strdup(text);
	net->alias_generated = true;
	return net->alias ? 0 : report_oom();
}

/* The N of every "netN" alias, so a new interface takes max + 1. */
static unsigned next_net_alias(const struct vn_domain *dom)
{
	unsigned next = 0, n;
	char tail;
	size_t i;

	for (i = 0; dom && i < dom->n_nets; i++) {
		const char *alias = dom->nets[i]->alias;

		if (alias && sscanf(alias, "net%u%c", &n, &tail) == 1 &&
		    n >= next && n < 1000000)
			next = n + 1;
	}
	return next;
}

/* The alias of the interface at position IDX that has none: netIDX as
 * libvirt numbers a definition's interfaces, unless a kept alias (a
 * running domain's record) already has that name. */
static unsigned free_net_alias(const struct vn_domain *dom, size_t idx)
{
	char text[32];
	size_t i;

	snprintf(text, sizeof(text), "net%zu", idx);
	for (i = 0; i < dom->n_nets; i++)
		if (dom->nets[i]->alias && !strcmp(dom->nets[i]->alias, text))
			return next_net_alias(dom);
	return (unsigned)idx;
}

/* ---- PCI addresses ---- */

struct slot_map {
	bool used[PCI_SLOTS];
	bool q35;
};

static void mark(struct slot_map *map, const struct vn_pci_addr *addr)
{
	if (addr->present && addr->bus == 0 && addr->domain == 0 &&
	    addr->slot < PCI_SLOTS)
		map->used[addr->slot] = true;
}

static void collect_used_slots(const struct vn_domain *dom,
			       struct slot_map *map)
{
	size_t i;

	memset(map, 0, sizeof(*map));
	map->q35 = machine_is_q35(dom->os_machine);
	map->used[0] = true; /* host bridge */
	map->used[map->q35 ? Q35_LPC_SLOT : PIIX3_SLOT] = true;
	for (i = 0; i < dom->n_nets; i++)
		mark(map, &dom->nets[i]->pci);
	for (i = 0; i < dom->n_controllers; i++)
		mark(map, &dom->controllers[i].pci);
	for (i = 0; i < dom->n_disks; i++)
		mark(map, &dom->disks[i].pci);
	mark(map, &dom->memballoon_pci);
}

static int take_slot(struct slot_map *map, struct vn_pci_addr *addr,
		     bool *generated)
{
	unsigned slot;

	if (addr->present)
		return 0;
	for (slot = 1; slot < PCI_SLOTS; slot++) {
		if (map->used[slot])
			continue;
		map->used[slot] = true;
		memset(addr, 0, sizeof(*addr));
		addr->present = true;
		addr->slot = slot;
		*generated = true;
		return 0;
	}
	vn_error_report(VN_ERR_INTERNAL_ERROR, "No more available PCI slots");
	return -1;
}

static bool controller_needs_slot(const struct vn_controller *c, bool q35)
{
	switch (c->type) {
	case VN_CONTROLLER_PCI:
		return false;
	case VN_CONTROLLER_IDE:
		return !(c->index == 0 && !q35);
	case VN_CONTROLLER_USB:
		if (c->model && !strcmp(c->model, "none"))
			return false;
		return !(c->index == 0 && !q35 && c->model &&
			 !strcmp(c->model, "piix3-uhci"));
	case VN_CONTROLLER_SATA:
		return !(c->index == 0 && q35);
	default:
		return true;
	}
}

/* The PIIX3 (i440fx) and ICH9 (q35) functions of the chipset slot. */
static void place_builtin_controllers(struct vn_domain *dom, bool q35)
{
	size_t i;

	for (i = 0; i < dom->n_controllers; i++) {
		struct vn_controller *c = &dom->controllers[i];
		unsigned slot = PIIX3_SLOT, function;

		if (c->pci.present || c->index != 0 ||
		    controller_needs_slot(c, q35) ||
		    c->type == VN_CONTROLLER_PCI ||
		    (c->type == VN_CONTROLLER_USB && !strcmp(c->model, "none")))
			continue;
		if (c->type == VN_CONTROLLER_SATA) {
			slot = Q35_LPC_SLOT;
			function = 2;
		} else {
			function = c->type == VN_CONTROLLER_IDE ?
				   PIIX3_IDE_FUNCTION : PIIX3_USB_FUNCTION;
		}
		c->pci.present = true;
		c->pci.slot = slot;
		c->pci.function = function;
		c->pci_generated = true;
	}
}

static int assign_pci_slots(struct vn_domain *dom)
{
	struct slot_map map;
	size_t i;

	collect_used_slots(dom, &map);
	place_builtin_controllers(dom, map.q35);
	for (i = 0; i < dom->n_nets; i++)
		if (dom->nets[i]->type != VN_NET_HOSTDEV &&
		    take_slot(&map, &dom->nets[i]->pci,
			      &dom->nets[i]->pci_generated) < 0)
			return -1;
	for (i = 0; i < dom->n_controllers; i++)
		if (controller_needs_slot(&dom->controllers[i], map.q35) &&
		    take_slot(&map, &dom->controllers[i].pci,
			      &dom->controllers[i].pci_generated) < 0)
			return -1;
	for (i = 0; i < dom->n_disks; i++)
		if (dom->disks[i].bus == VN_DISK_BUS_VIRTIO &&
		    take_slot(&map, &dom->disks[i].pci,
			      &dom->disks[i].pci_generated) < 0)
			return -1;
	if (!strcmp(dom->memballoon_model, "virtio") &&
	    take_slot(&map, &dom->memballoon_pci,
		      &dom->memballoon_pci_generated) < 0)
		return -1;
	return 0;
}

/* ---- entry points ---- */

static int device_defaults(struct vn_domain *dom)
{
	size_t i;

	for (i = 0; i < dom->n_disks; i++)
		if (disk_defaults(dom, &dom->disks[i]) < 0)
			return -1;
	if (controller_defaults(dom) < 0 || misc_device_defaults(dom) < 0 ||
	    chr_defaults(dom) < 0)
		return -1;
	for (i = 0; i < dom->n_nets; i++)
		if (net_defaults(dom->nets[i]) < 0 ||
		    set_net_alias(dom->nets[i], free_net_alias(dom, i)) < 0)
			return -1;
	return 0;
}

int vn_domain_post_parse(struct vn_domain *dom)
{
	if (resource_defaults(dom) < 0 || device_defaults(dom) < 0)
		return -1;
	return assign_pci_slots(dom);
}

int vn_net_post_parse_for(struct vn_net *net, const struct vn_domain *dom)
{
	struct slot_map map;

	if (net_defaults(net) < 0 || set_net_alias(net, next_net_alias(dom)) < 0)
		return -1;
	if (!dom)
		return 0;
	collect_used_slots(dom, &map);
	return net->type == VN_NET_HOSTDEV ? 0 :
	       take_slot(&map, &net->pci, &net->pci_generated);
}
