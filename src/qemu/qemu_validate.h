/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QEMU-specific validation of a domain, on top of the generic rules in
 * src/conf (vn_domain_validate): what this QEMU can or cannot do with an
 * otherwise valid definition, with libvirt's messages.
 */
#ifndef VUNET_QEMU_QEMU_VALIDATE_H
#define VUNET_QEMU_QEMU_VALIDATE_H

#include "conf/domain_conf.h"

/* QEMU versions are encoded as libvirt does: major * 1000000 +
 * minor * 1000 + micro (7.2.0 -> 7002000). */
#define QEMU_VERSION(maj, min, mic) \
	((unsigned long long)(maj) * 1000000ULL + (min) * 1000ULL + (mic))

/* Returns 0, or -1 with the error reported (util/error.h). */
int qemu_validate_domain(const struct vn_domain *dom,
			 unsigned long long qemu_version);
int qemu_validate_net(const struct vn_domain *dom, const struct vn_net *net,
		      unsigned long long qemu_version);

#endif /* VUNET_QEMU_QEMU_VALIDATE_H */
