/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON option values for QEMU's command line (-device '{...}',
 * -netdev '{...}', -object '{...}', -blockdev '{...}').
 *
 * Theory of operation: libvirt writes these objects with keys in the
 * order its builders add them and without spaces or escaped slashes;
 * json-c keeps insertion order, so building an object key by key in
 * libvirt's order and printing it with qemu_json_add_option() reproduces
 * libvirt's text.  The helpers accept a NULL object (an earlier
 * allocation failed) and do nothing then; qemu_json_add_option() turns
 * that into a failed argv (see qemu_argv.h), so builders need no check
 * after each key.  Also here: the PCI address keys shared by every PCI
 * device, in libvirt's order (bus, multifunction, addr).
 */
#ifndef VUNET_QEMU_QEMU_JSON_H
#define VUNET_QEMU_QEMU_JSON_H

#include <stdbool.h>

#include <json-c/json.h>

#include "conf/net_conf.h"
#include "qemu/qemu_argv.h"

void qemu_json_str(struct json_object *obj, const char *key, const char *value);
void qemu_json_int(struct json_object *obj, const char *key, long long value);
void qemu_json_bool(struct json_object *obj, const char *key, bool value);
/* Adds CHILD under KEY, taking ownership of it. */
void qemu_json_obj(struct json_object *obj, const char *key,
		   struct json_object *child);

/* "bus":"pci.N" (bus 0 is the root bus: "pcie.0" on q35 MACHINEs,
 * else "pci.0"), optional "multifunction", "addr":"0xS[.0xF]", when ADDR
 * is present. */
void qemu_json_pci_addr(struct json_object *obj, const struct vn_pci_addr *addr,
			const char *machine);

/* Appends OPTION and OBJ printed as libvirt does, then releases OBJ. */
void qemu_json_add_option(struct qemu_argv *argv, const char *option,
			  struct json_object *obj);

#endif /* VUNET_QEMU_QEMU_JSON_H */
