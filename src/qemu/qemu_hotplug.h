/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hot-plug of network interfaces into a running domain ("vunet
 * attach-device" / "detach-device"), over QMP, as libvirt does it.
 *
 * Theory of operation.  Both operations hold the domain's job lock (so
 * no start, stop or other hot-plug runs meanwhile; they wait for it, up
 * to libvirt's 30 s, as the supervisor holds it while it restarts a
 * backend), load the live definition (NAME.xml) and end by rewriting
 * it.
 *
 * Attach: the lone <interface> is parsed against the live definition
 * (next free netN alias and PCI slot), validated for this QEMU, turned
 * into the same -chardev/-netdev/-device options a start would use
 * (qemu_command_add_net), then:
 *   1. a passt-backed interface's backend is started exactly as at start
 *      (synchronously, its stderr quoted on failure);
 *   2. chardev-add (vhost-user only), netdev_add, device_add, with
 *      arguments translated from those very options, so the hot-plugged
 *      device equals a cold-plugged one ("vectors":0 on QEMU 7.2 TCG);
 *   3. the interface is appended to the live XML.
 * A failure at any step undoes the steps before it, in reverse order, on
 * the interface being attached: device_del and the same bounded wait for
 * DEVICE_DELETED as a detach, then netdev_del, chardev-remove, backend
 * stopped, its socket and pidfile removed.  The domain keeps running.
 * If the guest does not release a device it already has (only a failure
 * to write the live XML comes after device_add), the interface is kept
 * in the live XML with its netdev, chardev and backend, as after a detach
 * that timed out (below), and the error says so.
 *
 * Detach: the interface is found as libvirt finds it (by the MAC, PCI
 * address and alias the given XML specifies; none specified matches the
 * only interface), then device_del and a bounded wait for QEMU's
 * DEVICE_DELETED event for its alias: the guest has to release the
 * device (on the pc machine through ACPI, so the domain needs <acpi/>).
 * Only then netdev_del, chardev-remove, the backend stopped and its files
 * removed, and the interface dropped from the live XML.
 *
 * A detach that times out leaves a recoverable state: it fails with an
 * error saying so, the interface stays in the live XML with its netdev,
 * chardev and backend (the guest may still be using them), and QEMU keeps
 * the unplug request.  There is no daemon to receive a DEVICE_DELETED
 * that comes later, so the next detach-device of the same interface
 * first asks QEMU whether it still has the device (qom-list of
 * /machine/peripheral): if the guest has let go meanwhile, that detach
 * only removes the host side and the live XML entry; if not, it sends
 * device_del again and waits again.  (libvirt instead returns success at
 * its timeout and lets its daemon finish on the late event.)
 */
#ifndef VUNET_QEMU_QEMU_HOTPLUG_H
#define VUNET_QEMU_QEMU_HOTPLUG_H

/* How long detach waits for the guest to release the device. */
#define QEMU_HOTPLUG_DETACH_TIMEOUT_S 30

struct qemu_hotplug_opts {
	const char *state_dir;           /* qemu_paths.h */
	const char *backend;             /* backend program */
	unsigned long long qemu_version; /* QEMU_VERSION() encoding */
	/* How long to wait for DEVICE_DELETED; 0 means
	 * QEMU_HOTPLUG_DETACH_TIMEOUT_S. */
	int detach_timeout_ms;
	/* How long to wait for the job lock (a supervisor restarting a
	 * backend holds it); 0 means QEMU_STATE_JOB_WAIT_MS, libvirt's. */
	int job_wait_ms;
};

/* Attaches the <interface> in XML to the running domain NAME.  0, or -1
 * (reported; everything done so far undone). */
int qemu_hotplug_attach_net(const char *name, const char *xml,
			    const struct qemu_hotplug_opts *opts);
/* Detaches the interface XML designates from NAME.  0 or -1 (reported). */
int qemu_hotplug_detach_net(const char *name, const char *xml,
			    const struct qemu_hotplug_opts *opts);

#endif /* VUNET_QEMU_QEMU_HOTPLUG_H */
