// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * JSON option values in libvirt's spelling: see qemu_json.h.
 *
 * Model: a json-c object built key by key is printed in insertion order,
 * which is how the builders reproduce libvirt's key order.  json-c prints
 * integers and booleans as QEMU and libvirt do; of the print flags, PLAIN
 * removes spaces and NOSLASHESCAPE keeps paths readable ("/var/run", not
 * "\/var\/run"), as in libvirt's .args files.
 *
 * Allocation failures are not checked key by key: a NULL object makes
 * every helper a no-op and qemu_json_add_option() then marks the argv as
 * failed, which qemu_argv_check() reports once at the end of the build.
 */
#include "qemu/qemu_json.h"

#include <stdio.h>
#include <string.h>

#define QEMU_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

void qemu_json_str(struct json_object *obj, const char *key, const char *value)
{
	if (obj)
		json_object_object_add(obj, key, json_object_new_string(value));
}

void qemu_json_int(struct json_object *obj, const char *key, long long value)
{
	if (obj)
		json_object_object_add(obj, key, json_object_new_int64(value));
}

void qemu_json_bool(struct json_object *obj, const char *key, bool value)
{
	if (obj)
		json_object_object_add(obj, key, json_object_new_boolean(value));
}

void qemu_json_obj(struct json_object *obj, const char *key,
		   struct json_object *child)
{
	if (obj && child)
		json_object_object_add(obj, key, child);
	else
		json_object_put(child);
}

void qemu_json_pci_addr(struct json_object *obj, const struct vn_pci_addr *addr,
			const char *machine)
{
	bool pcie_root = machine && strstr(machine, "q35");
	char text[32];

	if (!addr->present)
		return;
	if (addr->bus == 0) {
		qemu_json_str(obj, "bus", pcie_root ? "pcie.0" : "pci.0");
	} else {
		snprintf(text, sizeof(text), "pci.%u", addr->bus);
		qemu_json_str(obj, "bus", text);
	}
	if (addr->multifunction != VN_TRISTATE_ABSENT)
		qemu_json_bool(obj, "multifunction",
			       addr->multifunction == VN_TRISTATE_YES);
	if (addr->function)
		snprintf(text, sizeof(text), "0x%x.0x%x", addr->slot,
			 addr->function);
	else
		snprintf(text, sizeof(text), "0x%x", addr->slot);
	qemu_json_str(obj, "addr", text);
}

void qemu_json_add_option(struct qemu_argv *argv, const char *option,
			  struct json_object *obj)
{
	const char *text = obj ? json_object_to_json_string_ext(obj,
							QEMU_JSON_FLAGS)
			       : NULL;

	if (!text) {
		argv->failed = true;
	} else {
		qemu_argv_add(argv, option);
		qemu_argv_add(argv, text);
	}
	json_object_put(obj);
}
