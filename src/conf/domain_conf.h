/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The domain model: one struct vn_domain per <domain> definition.
 *
 * Life cycle, as in libvirt:
 *   vn_domain_parse_file/_string()   XML -> model (libxml2), syntax checks
 *     -> post-parse                  defaults: aliases, MACs, models,
 *                                    PCI addresses (domain_postparse.c)
 *     -> vn_domain_validate()        generic rules (domain_validate.c);
 *                                    a hypervisor adds its own through
 *                                    vn_domain_validate_with()
 *   vn_domain_format()               model -> XML as libvirt formats it
 * QEMU-specific rules and command lines are in src/qemu and take a
 * validated domain.
 *
 * Only the subset of libvirt's schema that vunet can honour is modelled.
 * An element or device outside it is a parse error naming it, never
 * dropped silently.  Sizes are kept in KiB as libvirt does.  Strings are
 * heap-owned; NULL means absent.  vn_domain_free() releases everything.
 */
#ifndef VUNET_CONF_DOMAIN_CONF_H
#define VUNET_CONF_DOMAIN_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/net_conf.h"

enum vn_domain_virt_type {
	VN_DOMAIN_VIRT_QEMU, /* TCG */
	VN_DOMAIN_VIRT_KVM,
};

enum vn_memory_access {
	VN_MEMORY_ACCESS_DEFAULT = 0,
	VN_MEMORY_ACCESS_SHARED,
	VN_MEMORY_ACCESS_PRIVATE,
};

enum vn_memory_source {
	VN_MEMORY_SOURCE_DEFAULT = 0,
	VN_MEMORY_SOURCE_FILE,
	VN_MEMORY_SOURCE_ANONYMOUS,
	VN_MEMORY_SOURCE_MEMFD,
};

/* <cpu><numa><cell id= cpus= memory= unit= memAccess=/></numa></cpu> */
struct vn_numa_cell {
	unsigned id;
	char *cpus;
	unsigned long long memory_kib;
	enum vn_memory_access mem_access;
};

enum vn_disk_type { VN_DISK_FILE, VN_DISK_BLOCK };
enum vn_disk_device { VN_DISK_DEVICE_DISK, VN_DISK_DEVICE_CDROM };
enum vn_disk_bus { VN_DISK_BUS_VIRTIO, VN_DISK_BUS_IDE, VN_DISK_BUS_SATA,
		   VN_DISK_BUS_SCSI };

struct vn_drive_addr { /* <address type='drive' .../> */
	bool present;
	unsigned controller, bus, target, unit;
};

struct vn_disk {
	enum vn_disk_type type;
	enum vn_disk_device device;
	char *driver_name;  /* "qemu" */
	char *driver_type;  /* "raw" or "qcow2" */
	char *source;       /* file= or dev= */
	char *target_dev;   /* "hda", "vda" */
	enum vn_disk_bus bus;
	bool readonly;
	struct vn_drive_addr drive;
	struct vn_pci_addr pci;
	bool pci_generated;
	char *alias;
	bool alias_generated; /* post-parse made it up: not formatted */
	unsigned boot_order;
};

enum vn_controller_type { VN_CONTROLLER_USB, VN_CONTROLLER_PCI,
			  VN_CONTROLLER_IDE, VN_CONTROLLER_SATA,
			  VN_CONTROLLER_SCSI, VN_CONTROLLER_VIRTIO_SERIAL };

struct vn_controller {
	enum vn_controller_type type;
	unsigned index;
	char *model; /* "none", "pci-root", "piix3-uhci", ... or NULL */
	struct vn_pci_addr pci;
	bool pci_generated;
};

enum vn_chr_kind { VN_CHR_SERIAL, VN_CHR_CONSOLE };
enum vn_chr_type { VN_CHR_PTY, VN_CHR_FILE, VN_CHR_UNIX, VN_CHR_STDIO,
		   VN_CHR_NULL };

struct vn_chr {
	enum vn_chr_kind kind;
	enum vn_chr_type type;
	char *path;          /* file/unix source path */
	enum vn_chr_source_mode mode; /* unix: bind (server) / connect */
	char *target_type;   /* "isa-serial", "serial", "virtio" */
	unsigned target_port;
	char *alias;
	bool alias_generated; /* post-parse made it up: not formatted */
};

enum vn_input_type { VN_INPUT_MOUSE, VN_INPUT_KEYBOARD, VN_INPUT_TABLET };
enum vn_input_bus { VN_INPUT_BUS_PS2, VN_INPUT_BUS_USB, VN_INPUT_BUS_VIRTIO };

struct vn_input {
	enum vn_input_type type;
	enum vn_input_bus bus;
};

enum vn_lifecycle_action { VN_LIFECYCLE_DESTROY, VN_LIFECYCLE_RESTART,
			   VN_LIFECYCLE_PRESERVE, VN_LIFECYCLE_RENAME_RESTART };

struct vn_domain {
	enum vn_domain_virt_type virt_type;
	int id; /* -1 when not running (libvirt's inactive id) */
	char *name;
	unsigned char uuid[16];
	bool has_uuid;
	char *title;
	char *description;

	unsigned long long memory_kib;
	unsigned long long current_memory_kib; /* 0: same as memory */
	enum vn_memory_access mem_access;
	enum vn_memory_source mem_source;
	bool has_memory_backing;

	unsigned vcpus;
	char *vcpu_placement;

	char *os_type;    /* "hvm" */
	char *os_arch;    /* "x86_64" */
	char *os_machine; /* "pc", "q35", "pc-i440fx-7.2" */
	char *kernel, *initrd, *cmdline;
	char **boot_devs; /* "hd", "cdrom", "network" */
	size_t n_boot_devs;

	char *cpu_mode, *cpu_match, *cpu_check, *cpu_model;
	char *cpu_model_fallback;
	struct vn_numa_cell *numa_cells;
	size_t n_numa_cells;

	enum vn_tristate feature_acpi, feature_apic, feature_pae;

	char *clock_offset; /* "utc", "localtime" */
	enum vn_lifecycle_action on_poweroff, on_reboot, on_crash;
	bool has_on_poweroff, has_on_reboot, has_on_crash;

	char *emulator;
	struct vn_disk *disks;
	size_t n_disks;
	struct vn_controller *controllers;
	size_t n_controllers;
	struct vn_net **nets;
	size_t n_nets;
	struct vn_chr *chrs; /* serials and consoles, document order */
	size_t n_chrs;
	struct vn_input *inputs;
	size_t n_inputs;
	char *audio_id, *audio_type; /* <audio id= type=> */
	bool has_audio;
	char *memballoon_model; /* "none", "virtio" */
	struct vn_pci_addr memballoon_pci;
	bool memballoon_pci_generated;
};

/*
 * Parse a definition.  Returns NULL after reporting the error
 * (util/error.h) on malformed XML, an unknown element vunet cannot honour,
 * or a value that does not parse.  Post-parse defaults are applied.
 */
struct vn_domain *vn_domain_parse_file(const char *path);
struct vn_domain *vn_domain_parse_string(const char *xml);

/* How a definition is read (vn_domain_parse_string_flags). */
enum vn_parse_flags {
	/* The record of a running domain that the program wrote itself
	 * (libvirt's status XML, VIR_DOMAIN_DEF_PARSE_STATUS): every device
	 * <alias name=> is kept as stored, so a device keeps the name the
	 * hypervisor knows it by after others were removed.  Never for a
	 * user's definition: there only user aliases ("ua-") survive and
	 * the others are assigned afresh, netN by position. */
	VN_PARSE_STATUS = 1u << 0,
};
struct vn_domain *vn_domain_parse_string_flags(const char *xml,
					       unsigned flags);

/* The text of a definition file, read up to one byte past the size the
 * parsers accept (so an oversized file is refused by them, not read
 * whole).  Caller frees; NULL when it cannot be read (reported). */
char *vn_conf_read_file(const char *path);

/* Parse a lone <interface> (attach-device); post-parse against DOM so that
 * the alias and PCI slot do not collide.  NULL on error, reported. */
struct vn_net *vn_net_parse_string(const char *xml, const struct vn_domain *dom);
/* The same with FLAGS: a detach-device spec is read with VN_PARSE_STATUS,
 * as libvirt reads a live device's definition, so an alias copied from
 * the running domain's XML ("net1") designates that device. */
struct vn_net *vn_net_parse_string_flags(const char *xml,
					 const struct vn_domain *dom,
					 unsigned flags);

/* Whether any disk or interface carries its own <boot order=.../>
 * (post-parse refuses that next to <os><boot dev=.../>; the QEMU builder
 * then uses the per-device orders). */
bool vn_domain_has_device_boot_order(const struct vn_domain *dom);

/* Generic, hypervisor-independent rules.  Returns 0 or -1 (reported). */
int vn_domain_validate(const struct vn_domain *dom);
int vn_net_validate(const struct vn_domain *dom, const struct vn_net *net);
/* An interface to be hot-plugged into DOM must not reuse an alias DOM
 * has (libvirt's "non unique alias detected").  0 or -1 (reported). */
int vn_net_validate_alias_for_hotplug(const struct vn_domain *dom,
				      const struct vn_net *net);

/* A hypervisor's own rules for one interface (libvirt's device validate
 * callback).  The _with variants run it where libvirt does: after the
 * parse-time checks of every interface, and before the generic rules of
 * that interface.  NET_RULES may be NULL.  Returns 0 or -1 (reported). */
typedef int (*vn_net_rules_fn)(const struct vn_domain *dom,
			       const struct vn_net *net, void *opaque);
int vn_domain_validate_with(const struct vn_domain *dom,
			    vn_net_rules_fn net_rules, void *opaque);
int vn_net_validate_with(const struct vn_domain *dom, const struct vn_net *net,
			 vn_net_rules_fn net_rules, void *opaque);

/* The definition as libvirt formats it (inactive form).  Caller frees.
 * NULL only on allocation failure. */
char *vn_domain_format(const struct vn_domain *dom);
char *vn_net_format(const struct vn_net *net);

void vn_domain_free(struct vn_domain *dom);

#endif /* VUNET_CONF_DOMAIN_CONF_H */
