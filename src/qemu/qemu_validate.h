/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QEMU-specific validation of a domain, together with the generic rules
 * of src/conf: what this QEMU can or cannot do with a definition, with
 * libvirt's messages and categories as virsh prints them.
 *
 * Callers hand in a parsed definition (post-parse defaults applied) and
 * the QEMU version it is meant for, encoded as below; the version comes
 * from --qemu-version or from asking the emulator (qemu_capabilities.h),
 * never from here.  The rules are pure: nothing is started or probed.
 * The order in which they run, and so which message a definition with
 * several faults gets, is described in qemu_validate.c.  What vunet
 * itself cannot run (interface types needing host privileges) is refused
 * last, after every libvirt rule.
 */
#ifndef VUNET_QEMU_QEMU_VALIDATE_H
#define VUNET_QEMU_QEMU_VALIDATE_H

#include "conf/domain_conf.h"

/* QEMU versions are encoded as libvirt does: major * 1000000 +
 * minor * 1000 + micro (7.2.0 -> 7002000). */
#define QEMU_VERSION(maj, min, mic) \
	((unsigned long long)(maj) * 1000000ULL + (min) * 1000ULL + (mic))

/* The whole validation of a definition for QEMU: the generic rules of
 * src/conf included, interleaved in libvirt's order, so callers need not
 * (and, for libvirt's first message, should not) call vn_domain_validate()
 * first.  qemu_validate_net() is the same for one interface (hot-plug).
 * Returns 0, or -1 with the error reported (util/error.h). */
int qemu_validate_domain(const struct vn_domain *dom,
			 unsigned long long qemu_version);
int qemu_validate_net(const struct vn_domain *dom, const struct vn_net *net,
		      unsigned long long qemu_version);

#endif /* VUNET_QEMU_QEMU_VALIDATE_H */
