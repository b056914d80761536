/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QEMU options for the devices that are not network interfaces:
 * controllers, disks, serial ports and consoles, inputs, audio, balloon.
 *
 * Theory of operation: each qemu_devices_add_*() appends the options of
 * one device family, in the order libvirt emits them, to an argv being
 * built by qemu_command_build().  Boot order is decided once for all
 * devices (qemu_devices_boot_assign): per-device <boot order=> when any
 * device has one, else the <os><boot dev=> list, each entry giving the
 * next bootindex to the first device of its kind, as libvirt does.
 * What vunet cannot build (a disk bus without an emulated controller
 * here, an unknown controller model) is refused up front by
 * qemu_command_devices_check_supported(), naming the device.
 */
#ifndef VUNET_QEMU_QEMU_COMMAND_DEVICES_H
#define VUNET_QEMU_QEMU_COMMAND_DEVICES_H

#include "conf/domain_conf.h"
#include "qemu/qemu_argv.h"
#include "qemu/qemu_command.h"

/* bootindex of each disk and interface, 0 for none. */
struct qemu_devices_boot {
	int *disk; /* dom->n_disks entries */
	int *net;  /* dom->n_nets entries */
};

int qemu_devices_boot_assign(const struct vn_domain *dom,
			     struct qemu_devices_boot *boot);
void qemu_devices_boot_clear(struct qemu_devices_boot *boot);

/* Returns 0, or -1 with an "unsupported configuration" error. */
int qemu_command_devices_check_supported(const struct vn_domain *dom);

/* Each returns 0 or -1 (reported). */
int qemu_devices_add_controllers(struct qemu_argv *argv,
				 const struct vn_domain *dom);
int qemu_devices_add_disks(struct qemu_argv *argv, const struct vn_domain *dom,
			   const struct qemu_devices_boot *boot,
			   const struct qemu_build_opts *opts);
int qemu_devices_add_chrs(struct qemu_argv *argv, const struct vn_domain *dom);
int qemu_devices_add_inputs(struct qemu_argv *argv,
			    const struct vn_domain *dom);
void qemu_devices_add_audio(struct qemu_argv *argv,
			    const struct vn_domain *dom);
void qemu_devices_add_memballoon(struct qemu_argv *argv,
				 const struct vn_domain *dom);

#endif /* VUNET_QEMU_QEMU_COMMAND_DEVICES_H */
