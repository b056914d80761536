// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Parsing a <domain> definition into struct vn_domain (domain_conf.h).
 *
 * The text goes through vn_xml_read() (size cap, no network, no DTD or
 * entities), then each child of <domain> is dispatched by name to a small
 * parser for that element; <devices> dispatches its children the same way.
 * The tables below are the whole supported subset: an element that is not
 * in them is an error naming it ("vunet does not support <hostdev>
 * devices"), because silently dropping configuration would start a guest
 * different from the one described.  Unknown attributes of known elements
 * are ignored, as libvirt's parser ignores them.
 *
 * Parsing checks syntax and reports with libvirt's texts where libvirt has
 * one; defaults are filled in afterwards by vn_domain_post_parse()
 * (domain_postparse.c), and the hypervisor-independent rules by
 * vn_domain_validate() (domain_validate.c), which callers run themselves
 * (the QEMU side through vn_domain_validate_with(), with its own rules in
 * libvirt's order).  The memory source/access name tables defined here
 * serve the formatter too.
 *
 * Every element parser either succeeds or reports once and returns -1;
 * the partly built domain is then released by the single cleanup path of
 * parse_text().  Arrays grow one element at a time: definitions are small.
 */
#include "conf/domain_conf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libxml/parser.h>

#include "conf/conf_internal.h"
#include "util/error.h"

/* A definition file larger than this is refused before parsing. */
#define VN_DOMAIN_FILE_MAX_BYTES (10u * 1024 * 1024)

static int report_oom(void)
{
	vn_error_report(VN_ERR_INTERNAL_ERROR, "out of memory");
	return -1;
}

/* Appends a zeroed element to *ARRAY (of *N elements of SIZE bytes). */
static void *append(void *array_ptr, size_t *n, size_t size)
{
	void **array = array_ptr;
	char *grown = reallocarray(*array, *n + 1, size);

	if (!grown) {
		report_oom();
		return NULL;
	}
	*array = grown;
	memset(grown + *n * size, 0, size);
	return grown + (*n)++ * size;
}

static int set_text(const xmlNode *node, char **out)
{
	free(*out);
	*out = vn_xml_text(node);
	return *out ? 0 : report_oom();
}

/* ---- identity and resources ---- */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 32 hex digits, dashes allowed between byte pairs, as libvirt accepts. */
static int parse_uuid(const xmlNode *node, struct vn_domain *dom)
{
	char *text = vn_xml_text(node);
	const char *p;
	int n = 0, hi, lo, ret = -1;

	if (!text)
		return report_oom();
	for (p = text; *p == ' '; p++)
		;
	while (*p && n < 16) {
		if (*p == '-') {
			p++;
			continue;
		}
		hi = hex_value(p[0]);
		lo = hi < 0 ? -1 : hex_value(p[1]);
		if (lo < 0)
			break;
		dom->uuid[n++] = (unsigned char)(hi << 4 | lo);
		p += 2;
	}
	while (*p == ' ')
		p++;
	if (n != 16 || *p) {
		vn_error_report(VN_ERR_INTERNAL_ERROR, "malformed uuid element");
		goto out;
	}
	dom->has_uuid = true;
	ret = 0;
out:
	free(text);
	return ret;
}

static int parse_memory_element(const xmlNode *node, const char *what,
				unsigned long long *kib)
{
	char *text = vn_xml_text(node);
	char *unit = vn_xml_prop(node, "unit");
	int ret;

	ret = vn_xml_parse_kib(text, unit, what, kib);
	free(text);
	free(unit);
	return ret;
}

static int parse_memory(const xmlNode *node, struct vn_domain *dom)
{
	return parse_memory_element(node, "./memory[1]", &dom->memory_kib);
}

static int parse_current_memory(const xmlNode *node, struct vn_domain *dom)
{
	return parse_memory_element(node, "./currentMemory[1]",
				    &dom->current_memory_kib);
}

const char *const vn_memory_source_names[VN_MEMORY_SOURCE_COUNT] = {
	[VN_MEMORY_SOURCE_FILE] = "file",
	[VN_MEMORY_SOURCE_ANONYMOUS] = "anonymous",
	[VN_MEMORY_SOURCE_MEMFD] = "memfd",
};

const char *const vn_memory_access_names[VN_MEMORY_ACCESS_COUNT] = {
	[VN_MEMORY_ACCESS_SHARED] = "shared",
	[VN_MEMORY_ACCESS_PRIVATE] = "private",
};

static int parse_memory_backing(const xmlNode *node, struct vn_domain *dom)
{
	const xmlNode *child;
	int v;

	dom->has_memory_backing = true;
	vn_xml_for_each_element(child, node) {
		if (vn_xml_is(child, "source")) {
			if (vn_xml_prop_enum(child, "type", vn_memory_source_names,
					     VN_MEMORY_SOURCE_COUNT, false,
					     &v) < 0)
				return -1;
			if (v > 0)
				dom->mem_source = (enum vn_memory_source)v;
		} else if (vn_xml_is(child, "access")) {
			if (vn_xml_prop_enum(child, "mode", vn_memory_access_names,
					     VN_MEMORY_ACCESS_COUNT, false,
					     &v) < 0)
				return -1;
			if (v > 0)
				dom->mem_access = (enum vn_memory_access)v;
		} else {
			vn_report_unsupported_child(child, "memoryBacking");
			return -1;
		}
	}
	return 0;
}

static int parse_vcpu(const xmlNode *node, struct vn_domain *dom)
{
	char *text = vn_xml_text(node);
	unsigned long v;
	char *end;
	int ret = -1;

	if (!text)
		return report_oom();
	errno = 0;
	v = strtoul(text, &end, 10);
	if (!*text || *text == '-' || *end || errno || v == 0 ||
	    v > UINT_MAX) {
		vn_error_report(VN_ERR_XML_ERROR,
				"maximum vcpus count must be an integer");
		goto out;
	}
	dom->vcpus = (unsigned)v;
	free(dom->vcpu_placement);
	dom->vcpu_placement = vn_xml_prop(node, "placement");
	ret = 0;
out:
	free(text);
	return ret;
}

/* ---- <os> ---- */

static int add_boot_dev(const xmlNode *node, struct vn_domain *dom)
{
	static const char *const devs[] = { "fd", "cdrom", "hd", "network" };
	char **slot;
	int v;

	if (!xmlHasProp(node, (const xmlChar *)"dev")) {
		vn_error_report(VN_ERR_INTERNAL_ERROR, "missing boot device");
		return -1;
	}
	if (vn_xml_prop_enum(node, "dev", devs, 4, true, &v) < 0) {
		char *dev = vn_xml_prop(node, "dev");

		vn_error_report(VN_ERR_INTERNAL_ERROR,
				"unknown boot device '%s'", dev ? dev : "");
		free(dev);
		return -1;
	}
	slot = append(&dom->boot_devs, &dom->n_boot_devs, sizeof(*slot));
	if (!slot)
		return -1;
	*slot = strdup(devs[v]);
	return *slot ? 0 : report_oom();
}

static int parse_os(const xmlNode *node, struct vn_domain *dom)
{
	const xmlNode *child;
	int rc;

	vn_xml_for_each_element(child, node) {
		if (vn_xml_is(child, "type")) {
			rc = set_text(child, &dom->os_type);
			free(dom->os_arch);
			dom->os_arch = vn_xml_prop(child, "arch");
			free(dom->os_machine);
			dom->os_machine = vn_xml_prop(child, "machine");
		} else if (vn_xml_is(child, "kernel")) {
			rc = set_text(child, &dom->kernel);
		} else if (vn_xml_is(child, "initrd")) {
			rc = set_text(child, &dom->initrd);
		} else if (vn_xml_is(child, "cmdline")) {
			rc = set_text(child, &dom->cmdline);
		} else if (vn_xml_is(child, "boot")) {
			rc = add_boot_dev(child, dom);
		} else {
			vn_report_unsupported_child(child, "os");
			rc = -1;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- <cpu> ---- */

static int parse_numa_cell(const xmlNode *node, struct vn_domain *dom)
{
	struct vn_numa_cell *cell;
	char *cpus = NULL, *memory = NULL, *unit = NULL;
	bool has_id;
	int access, ret = -1;

	cell = append(&dom->numa_cells, &dom->n_numa_cells, sizeof(*cell));
	if (!cell)
		return -1;
	if (vn_xml_prop_uint(node, "id", 10, &cell->id, &has_id) < 0 ||
	    vn_xml_prop_enum(node, "memAccess", vn_memory_access_names,
			     VN_MEMORY_ACCESS_COUNT, false, &access) < 0)
		goto out;
	if (!has_id) {
		vn_xml_report_missing(node, "id");
		goto out;
	}
	if (access > 0)
		cell->mem_access = (enum vn_memory_access)access;
	cpus = vn_xml_prop(node, "cpus");
	memory = vn_xml_prop(node, "memory");
	unit = vn_xml_prop(node, "unit");
	if (!cpus) {
		vn_error_report(VN_ERR_XML_ERROR,
				"Missing 'cpus' attribute in NUMA cell");
		goto out;
	}
	if (vn_xml_canonical_cpus(cpus, &cell->cpus) < 0)
		goto out;
	if (!memory) {
		vn_error_report(VN_ERR_XML_ERROR,
				"missing element or attribute './@memory'");
		goto out;
	}
	ret = vn_xml_parse_kib(memory, unit, "./@memory", &cell->memory_kib);
out:
	free(cpus);
	free(memory);
	free(unit);
	return ret;
}

static int compare_cells(const void *a, const void *b)
{
	const struct vn_numa_cell *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* libvirt indexes cells by id: ids must be 0..N-1, each once.  The cells
 * are kept in id order, as libvirt formats them. */
static int order_numa_cells(struct vn_domain *dom)
{
	size_t i;

	qsort(dom->numa_cells, dom->n_numa_cells, sizeof(*dom->numa_cells),
	      compare_cells);
	for (i = 0; i < dom->n_numa_cells; i++) {
		if (dom->numa_cells[i].id == i)
			continue;
		if (i && dom->numa_cells[i].id == dom->numa_cells[i - 1].id)
			vn_error_report(VN_ERR_XML_ERROR,
					"Duplicate NUMA cell info for cell id '%u'",
					dom->numa_cells[i].id);
		else
			vn_error_report(VN_ERR_XML_ERROR,
					"Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed");
		return -1;
	}
	return 0;
}

static int parse_numa(const xmlNode *node, struct vn_domain *dom)
{
	const xmlNode *child;

	vn_xml_for_each_element(child, node) {
		if (!vn_xml_is(child, "cell")) {
			vn_report_unsupported_child(child, "numa");
			return -1;
		}
		if (parse_numa_cell(child, dom) < 0)
			return -1;
	}
	return order_numa_cells(dom);
}

static int parse_cpu_attr(const xmlNode *node, const char *name,
			  const char *const *names, size_t n, char **out)
{
	int v;

	if (vn_xml_prop_enum(node, name, names, n, false, &v) < 0)
		return -1;
	if (v < 0)
		return 0;
	free(*out);
	*out = strdup(names[v]);
	return *out ? 0 : report_oom();
}

static int parse_cpu(const xmlNode *node, struct vn_domain *dom)
{
	static const char *const modes[] = { "custom", "host-model",
					     "host-passthrough", "maximum" };
	static const char *const matches[] = { "minimum", "exact", "strict" };
	static const char *const checks[] = { "none", "partial", "full" };
	static const char *const fallbacks[] = { "allow", "forbid" };
	const xmlNode *child;
	int rc;

	if (parse_cpu_attr(node, "mode", modes, 4, &dom->cpu_mode) < 0 ||
	    parse_cpu_attr(node, "match", matches, 3, &dom->cpu_match) < 0 ||
	    parse_cpu_attr(node, "check", checks, 3, &dom->cpu_check) < 0)
		return -1;
	vn_xml_for_each_element(child, node) {
		if (vn_xml_is(child, "model")) {
			rc = set_text(child, &dom->cpu_model);
			if (!rc)
				rc = parse_cpu_attr(child, "fallback",
						    fallbacks, 2,
						    &dom->cpu_model_fallback);
		} else if (vn_xml_is(child, "numa")) {
			rc = parse_numa(child, dom);
		} else {
			vn_report_unsupported_child(child, "cpu");
			rc = -1;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- features, clock, life cycle ---- */

static int parse_features(const xmlNode *node, struct vn_domain *dom)
{
	const xmlNode *child;

	vn_xml_for_each_element(child, node) {
		if (vn_xml_is(child, "acpi")) {
			dom->feature_acpi = VN_TRISTATE_YES;
		} else if (vn_xml_is(child, "apic")) {
			dom->feature_apic = VN_TRISTATE_YES;
		} else if (vn_xml_is(child, "pae")) {
			dom->feature_pae = VN_TRISTATE_YES;
		} else {
			vn_report_unsupported_child(child, "features");
			return -1;
		}
	}
	return 0;
}

static int parse_clock(const xmlNode *node, struct vn_domain *dom)
{
	static const char *const offsets[] = { "utc", "localtime" };
	const xmlNode *child;

	vn_xml_for_each_element(child, node) {
		vn_report_unsupported_child(child, "clock");
		return -1;
	}
	return parse_cpu_attr(node, "offset", offsets, 2, &dom->clock_offset);
}

static int parse_lifecycle(const xmlNode *node,
			   enum vn_lifecycle_action *action, bool *has)
{
	static const char *const names[] = {
		[VN_LIFECYCLE_DESTROY] = "destroy",
		[VN_LIFECYCLE_RESTART] = "restart",
		[VN_LIFECYCLE_PRESERVE] = "preserve",
		[VN_LIFECYCLE_RENAME_RESTART] = "rename-restart",
	};
	char *text = vn_xml_text(node);
	int ret = -1;
	size_t i;

	if (!text)
		return report_oom();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(text, names[i])) {
			*action = (enum vn_lifecycle_action)i;
			*has = true;
			ret = 0;
			goto out;
		}
	}
	vn_error_report(VN_ERR_XML_ERROR, "invalid %s value: '%s'",
			(const char *)node->name, text);
out:
	free(text);
	return ret;
}

static int parse_on_poweroff(const xmlNode *node, struct vn_domain *dom)
{
	return parse_lifecycle(node, &dom->on_poweroff, &dom->has_on_poweroff);
}

static int parse_on_reboot(const xmlNode *node, struct vn_domain *dom)
{
	return parse_lifecycle(node, &dom->on_reboot, &dom->has_on_reboot);
}

static int parse_on_crash(const xmlNode *node, struct vn_domain *dom)
{
	return parse_lifecycle(node, &dom->on_crash, &dom->has_on_crash);
}

/* ---- devices ---- */

/* <alias> of a device whose model keeps none: only an automatic alias
 * (which libvirt ignores in a definition too) may be given. */
static int check_ignorable_alias(const xmlNode *node, const char *device)
{
	char *alias = NULL;

	if (vn_xml_parse_alias(node, 0, &alias) < 0)
		return -1;
	if (!alias)
		return 0;
	vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
			"vunet does not support user aliases on <%s>", device);
	free(alias);
	return -1;
}

static int parse_drive_addr(const xmlNode *node, struct vn_drive_addr *a)
{
	if (vn_xml_prop_uint(node, "controller", 10, &a->controller, NULL) < 0 ||
	    vn_xml_prop_uint(node, "bus", 10, &a->bus, NULL) < 0 ||
	    vn_xml_prop_uint(node, "target", 10, &a->target, NULL) < 0 ||
	    vn_xml_prop_uint(node, "unit", 10, &a->unit, NULL) < 0)
		return -1;
	a->present = true;
	return 0;
}

/* <address type='pci'|'drive'>; DRIVE is NULL where drive is not valid. */
static int parse_device_address(const xmlNode *node, const char *device,
				struct vn_pci_addr *pci,
				struct vn_drive_addr *drive)
{
	char *type = vn_xml_prop(node, "type");
	int ret = -1;

	if (!type)
		vn_xml_report_missing(node, "type");
	else if (!strcmp(type, "pci"))
		ret = vn_xml_parse_pci_addr(node, pci);
	else if (drive && !strcmp(type, "drive"))
		ret = parse_drive_addr(node, drive);
	else
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"vunet does not support address type '%s' for <%s>",
				type, device);
	free(type);
	return ret;
}

static int parse_boot_order(const xmlNode *node, unsigned *order)
{
	bool present;

	if (vn_xml_prop_uint(node, "order", 10, order, &present) < 0)
		return -1;
	if (!present || !*order) {
		vn_error_report(VN_ERR_XML_ERROR,
				"Invalid value for attribute 'order' in element 'boot': Zero is not permitted");
		return -1;
	}
	return 0;
}

static int parse_disk_child(const xmlNode *child, struct vn_disk *disk,
			    unsigned flags)
{
	static const char *const buses[] = {
		[VN_DISK_BUS_VIRTIO] = "virtio", [VN_DISK_BUS_IDE] = "ide",
		[VN_DISK_BUS_SATA] = "sata", [VN_DISK_BUS_SCSI] = "scsi",
	};
	int bus;

	if (vn_xml_is(child, "driver")) {
		free(disk->driver_name);
		free(disk->driver_type);
		disk->driver_name = vn_xml_prop(child, "name");
		disk->driver_type = vn_xml_prop(child, "type");
	} else if (vn_xml_is(child, "source")) {
		free(disk->source);
		disk->source = vn_xml_prop(child, disk->type == VN_DISK_FILE ?
					   "file" : "dev");
	} else if (vn_xml_is(child, "target")) {
		free(disk->target_dev);
		disk->target_dev = vn_xml_prop(child, "dev");
		if (vn_xml_prop_enum(child, "bus", buses, 4, false, &bus) < 0)
			return -1;
		/* -1 (absent): post-parse guesses from the device name. */
		disk->bus = (enum vn_disk_bus)bus;
	} else if (vn_xml_is(child, "readonly")) {
		disk->readonly = true;
	} else if (vn_xml_is(child, "boot")) {
		return parse_boot_order(child, &disk->boot_order);
	} else if (vn_xml_is(child, "alias")) {
		return vn_xml_parse_alias(child, flags, &disk->alias);
	} else if (vn_xml_is(child, "address")) {
		return parse_device_address(child, "disk", &disk->pci,
					    &disk->drive);
	} else {
		vn_report_unsupported_child(child, "disk");
		return -1;
	}
	return 0;
}

static int parse_disk(const xmlNode *node, struct vn_domain *dom,
		      unsigned flags)
{
	static const char *const types[] = { [VN_DISK_FILE] = "file",
					     [VN_DISK_BLOCK] = "block" };
	static const char *const devices[] = {
		[VN_DISK_DEVICE_DISK] = "disk", [VN_DISK_DEVICE_CDROM] = "cdrom",
	};
	const xmlNode *child;
	struct vn_disk *disk;
	int v;

	disk = append(&dom->disks, &dom->n_disks, sizeof(*disk));
	if (!disk)
		return -1;
	disk->bus = (enum vn_disk_bus)-1;
	if (vn_xml_prop_enum(node, "type", types, 2, false, &v) < 0)
		return -1;
	disk->type = v < 0 ? VN_DISK_FILE : (enum vn_disk_type)v;
	if (vn_xml_prop_enum(node, "device", devices, 2, false, &v) < 0)
		return -1;
	disk->device = v < 0 ? VN_DISK_DEVICE_DISK : (enum vn_disk_device)v;
	vn_xml_for_each_element(child, node)
		if (parse_disk_child(child, disk, flags) < 0)
			return -1;
	if (!disk->target_dev) {
		vn_error_report(VN_ERR_XML_ERROR,
				"missing target information for device %s",
				disk->source ? disk->source : "");
		return -1;
	}
	return 0;
}

static int parse_controller(const xmlNode *node, struct vn_domain *dom,
			    unsigned flags)
{
	static const char *const types[] = {
		[VN_CONTROLLER_USB] = "usb", [VN_CONTROLLER_PCI] = "pci",
		[VN_CONTROLLER_IDE] = "ide", [VN_CONTROLLER_SATA] = "sata",
		[VN_CONTROLLER_SCSI] = "scsi",
		[VN_CONTROLLER_VIRTIO_SERIAL] = "virtio-serial",
	};
	struct vn_controller *ctrl;
	const xmlNode *child;
	int type, rc;

	if (vn_xml_prop_enum(node, "type", types, 6, true, &type) < 0)
		return -1;
	ctrl = append(&dom->controllers, &dom->n_controllers, sizeof(*ctrl));
	if (!ctrl)
		return -1;
	ctrl->type = (enum vn_controller_type)type;
	ctrl->model = vn_xml_prop(node, "model");
	if (vn_xml_prop_uint(node, "index", 10, &ctrl->index, NULL) < 0)
		return -1;
	vn_xml_for_each_element(child, node) {
		if (vn_xml_is(child, "address"))
			rc = parse_device_address(child, "controller",
						  &ctrl->pci, NULL);
		else if (vn_xml_is(child, "alias"))
			rc = check_ignorable_alias(child, "controller");
		else {
			vn_report_unsupported_child(child, "controller");
			rc = -1;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int parse_chr_source(const xmlNode *node, struct vn_chr *chr)
{
	static const char *const modes[] = {
		[VN_CHR_MODE_CLIENT] = "connect", [VN_CHR_MODE_SERVER] = "bind",
	};
	int mode;

	free(chr->path);
	chr->path = vn_xml_prop(node, "path");
	if (vn_xml_prop_enum(node, "mode", modes, 3, false, &mode) < 0)
		return -1;
	if (mode > 0)
		chr->mode = (enum vn_chr_source_mode)mode;
	return 0;
}

static int parse_chr_target(const xmlNode *node, struct vn_chr *chr)
{
	const xmlNode *child;

	free(chr->target_type);
	chr->target_type = vn_xml_prop(node, "type");
	vn_xml_for_each_element(child, node) {
		char *model;
		bool same;

		/* <model name=> repeats the target type on x86. */
		if (!vn_xml_is(child, "model")) {
			vn_report_unsupported_child(child, "target");
			return -1;
		}
		model = vn_xml_prop(child, "name");
		same = model && (!chr->target_type ||
				 !strcmp(model, chr->target_type));
		if (same && !chr->target_type)
			chr->target_type = strdup(model);
		free(model);
		if (!same) {
			vn_report_unsupported_child(child, "target");
			return -1;
		}
	}
	return vn_xml_prop_uint(node, "port", 10, &chr->target_port, NULL);
}

static int parse_chr(const xmlNode *node, struct vn_domain *dom,
		     enum vn_chr_kind kind, unsigned flags)
{
	static const char *const types[] = {
		[VN_CHR_PTY] = "pty", [VN_CHR_FILE] = "file",
		[VN_CHR_UNIX] = "unix", [VN_CHR_STDIO] = "stdio",
		[VN_CHR_NULL] = "null",
	};
	const xmlNode *child;
	struct vn_chr *chr;
	int type, rc;

	if (vn_xml_prop_enum(node, "type", types, 5, false, &type) < 0)
		return -1;
	chr = append(&dom->chrs, &dom->n_chrs, sizeof(*chr));
	if (!chr)
		return -1;
	chr->kind = kind;
	chr->type = type < 0 ? VN_CHR_PTY : (enum vn_chr_type)type;
	vn_xml_for_each_element(child, node) {
		if (vn_xml_is(child, "source"))
			rc = parse_chr_source(child, chr);
		else if (vn_xml_is(child, "target"))
			rc = parse_chr_target(child, chr);
		else if (vn_xml_is(child, "alias"))
			rc = vn_xml_parse_alias(child, flags, &chr->alias);
		else {
			vn_report_unsupported_child(child, (const char *)
						    node->name);
			rc = -1;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int parse_serial(const xmlNode *node, struct vn_domain *dom,
			unsigned flags)
{
	return parse_chr(node, dom, VN_CHR_SERIAL, flags);
}

static int parse_console(const xmlNode *node, struct vn_domain *dom,
			 unsigned flags)
{
	return parse_chr(node, dom, VN_CHR_CONSOLE, flags);
}

static int parse_input(const xmlNode *node, struct vn_domain *dom,
		       unsigned flags)
{
	static const char *const types[] = {
		[VN_INPUT_MOUSE] = "mouse", [VN_INPUT_KEYBOARD] = "keyboard",
		[VN_INPUT_TABLET] = "tablet",
	};
	static const char *const buses[] = {
		[VN_INPUT_BUS_PS2] = "ps2", [VN_INPUT_BUS_USB] = "usb",
		[VN_INPUT_BUS_VIRTIO] = "virtio",
	};
	struct vn_input *input;
	const xmlNode *child;
	int type, bus;

	if (vn_xml_prop_enum(node, "type", types, 3, true, &type) < 0 ||
	    vn_xml_prop_enum(node, "bus", buses, 3, false, &bus) < 0)
		return -1;
	vn_xml_for_each_element(child, node) {
		if (!vn_xml_is(child, "alias")) {
			vn_report_unsupported_child(child, "input");
			return -1;
		}
		if (check_ignorable_alias(child, "input") < 0)
			return -1;
	}
	input = append(&dom->inputs, &dom->n_inputs, sizeof(*input));
	if (!input)
		return -1;
	input->type = (enum vn_input_type)type;
	/* x86 default: PS/2 for mouse and keyboard, USB for a tablet. */
	if (bus < 0)
		bus = type == VN_INPUT_TABLET ? VN_INPUT_BUS_USB :
						VN_INPUT_BUS_PS2;
	input->bus = (enum vn_input_bus)bus;
	return 0;
}

static int parse_audio(const xmlNode *node, struct vn_domain *dom,
		       unsigned flags)
{
	const xmlNode *child;

	vn_xml_for_each_element(child, node) {
		vn_report_unsupported_child(child, "audio");
		return -1;
	}
	if (dom->has_audio) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"vunet supports a single <audio> device");
		return -1;
	}
	dom->has_audio = true;
	dom->audio_id = vn_xml_prop(node, "id");
	dom->audio_type = vn_xml_prop(node, "type");
	if (!dom->audio_type) {
		vn_xml_report_missing(node, "type");
		return -1;
	}
	return 0;
}

static int parse_memballoon(const xmlNode *node, struct vn_domain *dom,
			     unsigned flags)
{
	static const char *const models[] = { "virtio", "none" };
	const xmlNode *child;
	int model, rc;

	if (vn_xml_prop_enum(node, "model", models, 2, true, &model) < 0)
		return -1;
	free(dom->memballoon_model);
	dom->memballoon_model = strdup(models[model]);
	if (!dom->memballoon_model)
		return report_oom();
	vn_xml_for_each_element(child, node) {
		if (vn_xml_is(child, "address"))
			rc = parse_device_address(child, "memballoon",
						  &dom->memballoon_pci, NULL);
		else if (vn_xml_is(child, "alias"))
			rc = check_ignorable_alias(child, "memballoon");
		else {
			vn_report_unsupported_child(child, "memballoon");
			rc = -1;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int parse_interface(const xmlNode *node, struct vn_domain *dom,
			   unsigned flags)
{
	struct vn_net *net = vn_net_parse_node(node, flags);
	struct vn_net **slot;

	if (!net)
		return -1;
	slot = append(&dom->nets, &dom->n_nets, sizeof(*slot));
	if (!slot) {
		vn_net_free(net);
		return -1;
	}
	*slot = net;
	return 0;
}

static int parse_emulator(const xmlNode *node, struct vn_domain *dom,
			  unsigned flags)
{
	return set_text(node, &dom->emulator);
}

/* Devices take the parse flags (enum vn_parse_flags): a running
 * domain's record keeps their aliases. */
struct device_parser {
	const char *name;
	int (*parse)(const xmlNode *node, struct vn_domain *dom,
		     unsigned flags);
};

static const struct device_parser device_parsers[] = {
	{ "emulator", parse_emulator },
	{ "disk", parse_disk },
	{ "controller", parse_controller },
	{ "interface", parse_interface },
	{ "serial", parse_serial },
	{ "console", parse_console },
	{ "input", parse_input },
	{ "audio", parse_audio },
	{ "memballoon", parse_memballoon },
};

static const struct device_parser *find_device_parser(const xmlNode *node)
{
	size_t i;

	for (i = 0; i < sizeof(device_parsers) / sizeof(device_parsers[0]); i++)
		if (vn_xml_is(node, device_parsers[i].name))
			return &device_parsers[i];
	return NULL;
}

static int parse_devices(const xmlNode *node, struct vn_domain *dom,
			 unsigned flags)
{
	const struct device_parser *p;
	const xmlNode *child;

	vn_xml_for_each_element(child, node) {
		p = find_device_parser(child);
		if (!p) {
			vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
					"vunet does not support <%s> devices",
					(const char *)child->name);
			return -1;
		}
		if (p->parse(child, dom, flags) < 0)
			return -1;
	}
	return 0;
}

/* ---- <domain> ---- */

static int parse_name(const xmlNode *node, struct vn_domain *dom)
{
	return set_text(node, &dom->name);
}

static int parse_title(const xmlNode *node, struct vn_domain *dom)
{
	return set_text(node, &dom->title);
}

static int parse_description(const xmlNode *node, struct vn_domain *dom)
{
	return set_text(node, &dom->description);
}

static int parse_uuid_element(const xmlNode *node, struct vn_domain *dom)
{
	return parse_uuid(node, dom);
}

struct element_parser {
	const char *name;
	int (*parse)(const xmlNode *node, struct vn_domain *dom);
};

/* <devices> has no entry: parse_root() reads every one, with the parse
 * flags. */
static const struct element_parser domain_parsers[] = {
	{ "name", parse_name },
	{ "uuid", parse_uuid_element },
	{ "title", parse_title },
	{ "description", parse_description },
	{ "memory", parse_memory },
	{ "currentMemory", parse_current_memory },
	{ "memoryBacking", parse_memory_backing },
	{ "vcpu", parse_vcpu },
	{ "os", parse_os },
	{ "cpu", parse_cpu },
	{ "features", parse_features },
	{ "clock", parse_clock },
	{ "on_poweroff", parse_on_poweroff },
	{ "on_reboot", parse_on_reboot },
	{ "on_crash", parse_on_crash },
};

static const struct element_parser *find_parser(const xmlNode *node)
{
	size_t i;

	for (i = 0; i < sizeof(domain_parsers) / sizeof(domain_parsers[0]); i++)
		if (vn_xml_is(node, domain_parsers[i].name))
			return &domain_parsers[i];
	return NULL;
}

static int parse_root(const xmlNode *root, struct vn_domain *dom,
		      unsigned flags)
{
	static const char *const virt_types[] = {
		[VN_DOMAIN_VIRT_QEMU] = "qemu", [VN_DOMAIN_VIRT_KVM] = "kvm",
	};
	const struct element_parser *p;
	const xmlNode *child;
	unsigned seen = 0; /* bit i: domain_parsers[i] has run */
	int type;

	if (vn_xml_prop_enum(root, "type", virt_types, 2, true, &type) < 0)
		return -1;
	dom->virt_type = (enum vn_domain_virt_type)type;
	vn_xml_for_each_element(child, root) {
		/* libvirt reads the first <name>, <memory>, ...; the
		 * children of every <devices> count. */
		if (vn_xml_is(child, "devices")) {
			if (parse_devices(child, dom, flags) < 0)
				return -1;
			continue;
		}
		p = find_parser(child);
		if (!p) {
			vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
					"vunet does not support the <%s> element",
					(const char *)child->name);
			return -1;
		}
		if (seen & (1u << (p - domain_parsers)))
			continue;
		seen |= 1u << (p - domain_parsers);
		if (p->parse(child, dom) < 0)
			return -1;
	}
	if (!dom->name || !*dom->name) {
		/* libvirt's VIR_ERR_NO_NAME: the category is the message. */
		vn_error_report(VN_ERR_NO_NAME, "missing name information");
		return -1;
	}
	if (strchr(dom->name, '\n')) {
		vn_error_report(VN_ERR_XML_DETAIL, "invalid char in name: 0x%02x",
				'\n');
		return -1;
	}
	/* The name becomes part of file names (sockets, logs, state). */
	if (strchr(dom->name, '/')) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"vunet does not support '/' in a domain name");
		return -1;
	}
	return 0;
}

static struct vn_domain *parse_text(const char *text, size_t len,
				    const char *url, unsigned flags)
{
	struct vn_domain *dom = NULL;
	xmlDoc *doc = vn_xml_read(text, len, url, "domain");

	if (!doc)
		return NULL;
	dom = calloc(1, sizeof(*dom));
	if (!dom) {
		report_oom();
		goto out;
	}
	dom->id = -1;
	if (parse_root(xmlDocGetRootElement(doc), dom, flags) < 0 ||
	    vn_domain_post_parse(dom) < 0) {
		vn_domain_free(dom);
		dom = NULL;
	}
out:
	xmlFreeDoc(doc);
	return dom;
}

struct vn_domain *vn_domain_parse_string(const char *xml)
{
	return parse_text(xml, strlen(xml), "(domain_definition)", 0);
}

struct vn_domain *vn_domain_parse_string_flags(const char *xml,
					       unsigned flags)
{
	return parse_text(xml, strlen(xml), "(domain_definition)", flags);
}

/* Reads at most MAX+1 bytes so that an oversized file is detected
 * without reading it whole. */
static char *read_capped(const char *path, size_t max, size_t *len)
{
	char *data = NULL;
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		vn_error_report_errno(errno, "Failed to open file '%s'", path);
		return NULL;
	}
	data = malloc(max + 2);
	if (!data) {
		report_oom();
		goto out;
	}
	while (got <= max) {
		n = read(fd, data + got, max + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			vn_error_report_errno(errno, "Failed to read file '%s'",
					      path);
			free(data);
			data = NULL;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	data[got] = '\0';
	*len = got;
out:
	close(fd);
	return data;
}

struct vn_domain *vn_domain_parse_file(const char *path)
{
	struct vn_domain *dom = NULL;
	size_t len = 0;
	char *text = read_capped(path, VN_DOMAIN_FILE_MAX_BYTES, &len);

	if (!text)
		return NULL;
	/* vn_xml_read() rejects LEN over the cap with a clear message. */
	dom = parse_text(text, len, path, 0);
	free(text);
	return dom;
}

char *vn_conf_read_file(const char *path)
{
	size_t len;

	return read_capped(path, VN_DOMAIN_FILE_MAX_BYTES, &len);
}

struct vn_net *vn_net_parse_string(const char *xml,
				   const struct vn_domain *dom)
{
	return vn_net_parse_string_flags(xml, dom, 0);
}

struct vn_net *vn_net_parse_string_flags(const char *xml,
					 const struct vn_domain *dom,
					 unsigned flags)
{
	struct vn_net *net = NULL;
	xmlDoc *doc = vn_xml_read(xml, strlen(xml), "(device_definition)",
				  "interface");

	if (!doc)
		return NULL;
	net = vn_net_parse_node(xmlDocGetRootElement(doc), flags);
	if (net && vn_net_post_parse_for(net, dom) < 0) {
		vn_net_free(net);
		net = NULL;
	}
	xmlFreeDoc(doc);
	return net;
}

/* ---- release ---- */

static void free_devices(struct vn_domain *dom)
{
	size_t i;

	for (i = 0; i < dom->n_disks; i++) {
		free(dom->disks[i].driver_name);
		free(dom->disks[i].driver_type);
		free(dom->disks[i].source);
		free(dom->disks[i].target_dev);
		free(dom->disks[i].alias);
	}
	free(dom->disks);
	for (i = 0; i < dom->n_controllers; i++)
		free(dom->controllers[i].model);
	free(dom->controllers);
	for (i = 0; i < dom->n_nets; i++)
		vn_net_free(dom->nets[i]);
	free(dom->nets);
	for (i = 0; i < dom->n_chrs; i++) {
		free(dom->chrs[i].path);
		free(dom->chrs[i].target_type);
		free(dom->chrs[i].alias);
	}
	free(dom->chrs);
	free(dom->inputs);
	free(dom->audio_id);
	free(dom->audio_type);
	free(dom->memballoon_model);
	free(dom->emulator);
}

void vn_domain_free(struct vn_domain *dom)
{
	size_t i;

	if (!dom)
		return;
	free(dom->name);
	free(dom->title);
	free(dom->description);
	free(dom->vcpu_placement);
	free(dom->os_type);
	free(dom->os_arch);
	free(dom->os_machine);
	free(dom->kernel);
	free(dom->initrd);
	free(dom->cmdline);
	for (i = 0; i < dom->n_boot_devs; i++)
		free(dom->boot_devs[i]);
	free(dom->boot_devs);
	free(dom->cpu_mode);
	free(dom->cpu_match);
	free(dom->cpu_check);
	free(dom->cpu_model);
	free(dom->cpu_model_fallback);
	for (i = 0; i < dom->n_numa_cells; i++)
		free(dom->numa_cells[i].cpus);
	free(dom->numa_cells);
	free(dom->clock_offset);
	free_devices(dom);
	free(dom);
}
