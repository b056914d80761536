/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QEMU command line of a domain, built as libvirt builds it.
 *
 * Theory of operation: qemu_command_build() is pure (definition and
 * options in, argv out) and walks the domain in libvirt's order:
 *
 *   -name -S -machine -accel -cpu -m, guest RAM object(s), -overcommit
 *   -smp -uuid -display none -no-user-config -nodefaults, QMP monitor,
 *   -rtc -no-shutdown [-no-acpi] -boot, -kernel -initrd -append,
 *   controllers, disks, interfaces, serials, audio, memballoon,
 *   -sandbox -msg
 *
 * The network part is byte-identical to libvirt's (same ids: charnetN,
 * hostnetN, netN; same JSON key order; same chardev options), including
 * the passt-backed interfaces, whose socket path comes from qemu_paths.c.
 * The rest is close to libvirt's and bootable, with these deliberate
 * differences:
 *   - the QMP monitor is a Unix socket in the state directory (libvirt
 *     passes an fd), and no master-key secret object is created;
 *   - shared guest RAM without a file source uses memory-backend-memfd
 *     (libvirt: a file under its memory_backing_dir);
 *   - with QEMU older than 8.0 and TCG, vhost-user virtio-net-pci devices
 *     get "vectors":0: QEMU 7.2 crashes starting such a device with MSI-X
 *     under TCG, and works without it.
 *
 * Features QEMU version matters for are predicates in
 * qemu_capabilities.h.  The domain is assumed validated; what vunet
 * cannot run at all (vdpa, tap-based interface types) is refused by
 * qemu_command_check_supported() with a message naming it.
 */
#ifndef VUNET_QEMU_QEMU_COMMAND_H
#define VUNET_QEMU_QEMU_COMMAND_H

#include "conf/domain_conf.h"
#include "qemu/qemu_argv.h"

struct qemu_build_opts {
	unsigned long long qemu_version; /* QEMU_VERSION() encoding */
	const char *state_dir;           /* see qemu_paths.h */
};

/* Returns 0 if vunet can build and run every device of DOM, else -1
 * with an "unsupported configuration" error naming the first that it
 * cannot. */
int qemu_command_check_supported(const struct vn_domain *dom);

/* The full QEMU argv (argv[0] is the <emulator>).  NULL on error
 * (reported). */
struct qemu_argv *qemu_command_build(const struct vn_domain *dom,
				     const struct qemu_build_opts *opts);

/* The -chardev/-netdev/-device arguments of one interface, appended to
 * ARGV (for hot-plug and for the tests).  Returns 0 or -1 (reported). */
int qemu_command_add_net(struct qemu_argv *argv, const struct vn_domain *dom,
			 const struct vn_net *net, int bootindex,
			 const struct qemu_build_opts *opts);

#endif /* VUNET_QEMU_QEMU_COMMAND_H */
