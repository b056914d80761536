// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The whole QEMU command line of a domain: see qemu_command.h for the
 * order and for where vunet deliberately differs from libvirt.  The
 * network options are built by qemu_command_net.c, the disks, serials and
 * other devices by qemu_command_devices.c; this file holds the machine,
 * memory, CPU, monitor and boot parts and the order of everything.
 *
 * Guest RAM: one backend object (libvirt's "pc.ram", named on -machine
 * memory-backend=) or one per NUMA cell ("ram-nodeN", each with -numa).
 * vhost-user backends map guest RAM, so it must be shared: a file when
 * <source type='file'/>, else memfd when <source type='memfd'/> or
 * <access mode='shared'/>, else plain (private) RAM.
 */
#include "qemu/qemu_command.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu/qemu_capabilities.h"
#include "qemu/qemu_command_devices.h"
#include "qemu/qemu_json.h"
#include "qemu/qemu_paths.h"
#include "util/error.h"

#define KIB 1024ULL

int qemu_command_check_supported(const struct vn_domain *dom)
{
	size_t i;

	for (i = 0; i < dom->n_nets; i++) {
		enum vn_net_type type = dom->nets[i]->type;

		switch (type) {
		case VN_NET_USER:
		case VN_NET_VHOSTUSER:
		case VN_NET_SERVER:
		case VN_NET_CLIENT:
		case VN_NET_MCAST:
		case VN_NET_UDP:
			continue;
		case VN_NET_VDPA:
			vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
					"interface type 'vdpa' is not supported by vunet: it needs a vhost-vdpa device, which an unprivileged launcher cannot use");
			return -1;
		default:
			vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
					"interface type '%s' is not supported by vunet (it needs a tap device or host privileges); use type='user' or type='vhostuser' with <backend type='passt'/>",
					vn_net_type_to_string(type));
			return -1;
		}
	}
	return qemu_command_devices_check_supported(dom);
}

static bool acpi_enabled(const struct vn_domain *dom)
{
	return dom->feature_acpi == VN_TRISTATE_YES;
}

static void add_machine(struct qemu_argv *argv, const struct vn_domain *dom,
			const struct qemu_build_opts *opts)
{
	const char *machine = dom->os_machine ? dom->os_machine : "pc";
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out) {
		argv->failed = true;
		return;
	}
	fprintf(out, "%s,usb=off,dump-guest-core=off", machine);
	if (!dom->n_numa_cells)
		fputs(",memory-backend=pc.ram", out);
	if (qemu_caps_has_machine_acpi(opts->qemu_version))
		fprintf(out, ",acpi=%s", acpi_enabled(dom) ? "on" : "off");
	if (fclose(out) == 0)
		qemu_argv_add_pair(argv, "-machine", text);
	else
		argv->failed = true;
	free(text);
}

static const char *cpu_model(const struct vn_domain *dom)
{
	if (dom->cpu_mode && !strcmp(dom->cpu_mode, "host-passthrough"))
		return "host";
	if (dom->cpu_model)
		return dom->cpu_model;
	/* libvirt's defaults: the generic 64-bit model under TCG, the
	 * host's model under KVM. */
	return dom->virt_type == VN_DOMAIN_VIRT_KVM ? "host" : "qemu64";
}

enum ram_kind { RAM_PRIVATE, RAM_MEMFD, RAM_FILE };

static enum ram_kind ram_kind(const struct vn_domain *dom,
			      enum vn_memory_access access)
{
	if (access == VN_MEMORY_ACCESS_DEFAULT)
		access = dom->mem_access;
	if (dom->mem_source == VN_MEMORY_SOURCE_FILE)
		return RAM_FILE;
	if (dom->mem_source == VN_MEMORY_SOURCE_MEMFD ||
	    access == VN_MEMORY_ACCESS_SHARED)
		return RAM_MEMFD;
	return RAM_PRIVATE;
}

/* -object '{"qom-type":...}' for one RAM backend called ID. */
static int add_ram_object(struct qemu_argv *argv, const struct vn_domain *dom,
			  const char *id, unsigned long long size_kib,
			  enum vn_memory_access access,
			  const struct qemu_build_opts *opts)
{
	struct json_object *props = json_object_new_object();
	enum ram_kind kind = ram_kind(dom, access);
	enum vn_memory_access effective = access ? access : dom->mem_access;
	char *path = NULL;

	if (kind == RAM_FILE) {
		path = qemu_paths_ram_file(opts->state_dir, dom, id);
		if (!path) {
			json_object_put(props);
			return -1;
		}
	}
	qemu_json_str(props, "qom-type", kind == RAM_FILE ? "memory-backend-file"
					 : kind == RAM_MEMFD ? "memory-backend-memfd"
							     : "memory-backend-ram");
	qemu_json_str(props, "id", id);
	if (path)
		qemu_json_str(props, "mem-path", path);
	if (kind != RAM_PRIVATE) {
		qemu_json_bool(props, "share",
			       kind == RAM_MEMFD ?
				       effective != VN_MEMORY_ACCESS_PRIVATE :
				       effective == VN_MEMORY_ACCESS_SHARED);
		/* Keeps the RAM block named "pc.ram" as with the machine's
		 * own RAM, as libvirt does for pc.ram (not for NUMA cells). */
		if (!strcmp(id, "pc.ram"))
			qemu_json_bool(props,
				       "x-use-canonical-path-for-ramblock-id",
				       false);
	}
	qemu_json_int(props, "size", size_kib * KIB);
	qemu_json_add_option(argv, "-object", props);
	free(path);
	return 0;
}

static int add_memory(struct qemu_argv *argv, const struct vn_domain *dom,
		      const struct qemu_build_opts *opts)
{
	char id[32];
	size_t i;

	qemu_argv_add(argv, "-m");
	qemu_argv_addf(argv, "size=%lluk", dom->memory_kib);
	if (!dom->n_numa_cells)
		return add_ram_object(argv, dom, "pc.ram", dom->memory_kib,
				      VN_MEMORY_ACCESS_DEFAULT, opts);
	for (i = 0; i < dom->n_numa_cells; i++) {
		const struct vn_numa_cell *cell = &dom->numa_cells[i];

		snprintf(id, sizeof(id), "ram-node%u", cell->id);
		if (add_ram_object(argv, dom, id, cell->memory_kib,
				   cell->mem_access, opts) < 0)
			return -1;
	}
	return 0;
}

/* "cpus=A[,cpus=B...]": a list in libvirt's syntax ("0-1,4") has commas,
 * which QEMU's option syntax reads as separators, so each part is a
 * cpus= of its own, as libvirt writes it. */
static void put_numa_cpus(FILE *out, const char *cpus)
{
	const char *part = cpus && *cpus ? cpus : "0";

	while (part) {
		const char *comma = strchr(part, ',');
		int len = comma ? (int)(comma - part) : (int)strlen(part);

		fprintf(out, ",cpus=%.*s", len, part);
		part = comma ? comma + 1 : NULL;
	}
}

static void add_numa_nodes(struct qemu_argv *argv, const struct vn_domain *dom)
{
	size_t i;

	for (i = 0; i < dom->n_numa_cells; i++) {
		const struct vn_numa_cell *cell = &dom->numa_cells[i];
		char *text = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&text, &len);

		if (!out) {
			argv->failed = true;
			return;
		}
		fprintf(out, "node,nodeid=%u", cell->id);
		put_numa_cpus(out, cell->cpus);
		fprintf(out, ",memdev=ram-node%u", cell->id);
		if (fclose(out) == 0)
			qemu_argv_add_pair(argv, "-numa", text);
		else
			argv->failed = true;
		free(text);
	}
}

static void add_identity(struct qemu_argv *argv, const struct vn_domain *dom)
{
	const unsigned char *u = dom->uuid;
	unsigned vcpus = dom->vcpus ? dom->vcpus : 1;

	qemu_argv_add(argv, "-smp");
	qemu_argv_addf(argv, "%u,sockets=%u,cores=1,threads=1", vcpus, vcpus);
	if (!dom->has_uuid)
		return;
	qemu_argv_add(argv, "-uuid");
	qemu_argv_addf(argv,
		       "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		       u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8],
		       u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

static int add_monitor(struct qemu_argv *argv, const struct vn_domain *dom,
		       const struct qemu_build_opts *opts)
{
	char *socket = qemu_paths_monitor_socket(opts->state_dir, dom);

	if (!socket)
		return -1;
	qemu_argv_add(argv, "-chardev");
	qemu_argv_add_escaped(argv, "socket,id=charmonitor,path=", socket,
			      ",server=on,wait=off");
	qemu_argv_add_pair(argv, "-mon", "chardev=charmonitor,id=monitor,mode=control");
	free(socket);
	return 0;
}

static void add_clock_and_lifecycle(struct qemu_argv *argv,
				    const struct vn_domain *dom,
				    const struct qemu_build_opts *opts)
{
	bool localtime = dom->clock_offset &&
			 !strcmp(dom->clock_offset, "localtime");

	qemu_argv_add_pair(argv, "-rtc", localtime ? "base=localtime"
						   : "base=utc");
	/* The launcher decides what a guest power-off means. */
	qemu_argv_add(argv, "-no-shutdown");
	if (dom->has_on_reboot && dom->on_reboot == VN_LIFECYCLE_DESTROY)
		qemu_argv_add(argv, "-no-reboot");
	if (!acpi_enabled(dom) && !qemu_caps_has_machine_acpi(opts->qemu_version))
		qemu_argv_add(argv, "-no-acpi");
	qemu_argv_add_pair(argv, "-boot", "strict=on");
	if (dom->kernel)
		qemu_argv_add_pair(argv, "-kernel", dom->kernel);
	if (dom->initrd)
		qemu_argv_add_pair(argv, "-initrd", dom->initrd);
	if (dom->cmdline)
		qemu_argv_add_pair(argv, "-append", dom->cmdline);
}

static void add_head(struct qemu_argv *argv, const struct vn_domain *dom,
		     const struct qemu_build_opts *opts)
{
	qemu_argv_add(argv, "-name");
	qemu_argv_add_escaped(argv, "guest=", dom->name ? dom->name : "",
			      ",debug-threads=on");
	/* Started paused: the launcher resumes once backends are ready. */
	qemu_argv_add(argv, "-S");
	add_machine(argv, dom, opts);
	qemu_argv_add_pair(argv, "-accel",
			   dom->virt_type == VN_DOMAIN_VIRT_KVM ? "kvm" : "tcg");
	qemu_argv_add_pair(argv, "-cpu", cpu_model(dom));
}

static int add_nets(struct qemu_argv *argv, const struct vn_domain *dom,
		    const struct qemu_devices_boot *boot,
		    const struct qemu_build_opts *opts)
{
	size_t i;

	for (i = 0; i < dom->n_nets; i++)
		if (qemu_command_add_net(argv, dom, dom->nets[i],
					 boot->net[i], opts) < 0)
			return -1;
	return 0;
}

struct qemu_argv *qemu_command_build(const struct vn_domain *dom,
				     const struct qemu_build_opts *opts)
{
	struct qemu_argv *argv = NULL;
	struct qemu_devices_boot boot = { 0 };

	if (qemu_command_check_supported(dom) < 0 ||
	    qemu_devices_boot_assign(dom, &boot) < 0)
		goto fail;
	argv = qemu_argv_new(dom->emulator ? dom->emulator
					   : "qemu-system-x86_64");
	if (!argv)
		goto fail;
	add_head(argv, dom, opts);
	if (add_memory(argv, dom, opts) < 0)
		goto fail;
	qemu_argv_add_pair(argv, "-overcommit", "mem-lock=off");
	add_identity(argv, dom);
	add_numa_nodes(argv, dom);
	qemu_argv_add_pair(argv, "-display", "none");
	qemu_argv_add(argv, "-no-user-config");
	qemu_argv_add(argv, "-nodefaults");
	if (add_monitor(argv, dom, opts) < 0)
		goto fail;
	add_clock_and_lifecycle(argv, dom, opts);
	if (qemu_devices_add_controllers(argv, dom) < 0 ||
	    qemu_devices_add_disks(argv, dom, &boot, opts) < 0 ||
	    add_nets(argv, dom, &boot, opts) < 0 ||
	    qemu_devices_add_chrs(argv, dom) < 0 ||
	    qemu_devices_add_inputs(argv, dom) < 0)
		goto fail;
	qemu_devices_add_audio(argv, dom);
	qemu_devices_add_memballoon(argv, dom);
	qemu_argv_add_pair(argv, "-sandbox",
			   "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
	qemu_argv_add_pair(argv, "-msg", "timestamp=on");
	if (qemu_argv_check(argv) < 0)
		goto fail;
	qemu_devices_boot_clear(&boot);
	return argv;
fail:
	qemu_devices_boot_clear(&boot);
	qemu_argv_free(argv);
	return NULL;
}
