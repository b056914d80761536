/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a QEMU binary can do, as far as vunet's command lines care.
 *
 * Theory of operation: libvirt probes QEMU over QMP for hundreds of
 * capabilities; vunet needs only a handful, and each of them appeared in
 * a known QEMU release.  So the one fact probed is the version, from the
 * first line of "EMULATOR --version" ("QEMU emulator version 7.2.19
 * (Debian 1:7.2+dfsg-7+deb12u18)"), encoded as libvirt encodes it
 * (QEMU_VERSION() in qemu_validate.h), and each capability is a predicate
 * on that number.  The predicates name the behaviour, not the version, so
 * the builders read as "if the stream netdev can reconnect".
 *
 * "domxml-to-native --qemu-version X.Y.Z" skips the probe; libvirt's
 * "latest" test data corresponds to QEMU 10.0.0 (QEMU_CAPS_VERSION_LATEST).
 */
#ifndef VUNET_QEMU_QEMU_CAPABILITIES_H
#define VUNET_QEMU_QEMU_CAPABILITIES_H

#include <stdbool.h>

#include "qemu/qemu_validate.h"

#define QEMU_CAPS_VERSION_LATEST QEMU_VERSION(10, 0, 0)

/* Parses "X.Y" or "X.Y.Z" (nothing else).  Returns 0, or -1 (reported,
 * naming TEXT) when it is not a version. */
int qemu_caps_parse_version_string(const char *text,
				   unsigned long long *version);
/* Finds the version in the output of "qemu-system-* --version".
 * Returns 0, or -1 (reported) when the output has none. */
int qemu_caps_parse_version_output(const char *output,
				   unsigned long long *version);
/* Runs "EMULATOR --version" (bounded in time and output size) and parses
 * it.  Returns 0, or -1 (reported, naming EMULATOR). */
int qemu_caps_query_version(const char *emulator, unsigned long long *version);

/* -machine ...,acpi=on|off (older QEMU: -no-acpi). */
bool qemu_caps_has_machine_acpi(unsigned long long version);
/* -chardev socket,reconnect-ms= (older: reconnect= in seconds). */
bool qemu_caps_has_chardev_reconnect_ms(unsigned long long version);
/* -netdev stream,reconnect= (seconds). */
bool qemu_caps_has_stream_reconnect(unsigned long long version);
/* -netdev stream,reconnect-ms=. */
bool qemu_caps_has_stream_reconnect_ms(unsigned long long version);
/* A raw image can be opened without a separate "raw" format node. */
bool qemu_caps_can_elide_raw_format(unsigned long long version);
/* A vhost-user virtio-net-pci device started under TCG does not crash
 * QEMU (7.2 does, in msix_set_vector_notifiers, unless vectors=0). */
bool qemu_caps_vhost_user_msix_safe_on_tcg(unsigned long long version);

#endif /* VUNET_QEMU_QEMU_CAPABILITIES_H */
