/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Descriptor hygiene for processes about to exec or to live on alone.
 *
 * Theory of operation: whoever runs us may hand us open descriptors
 * without close-on-exec (a shell's redirections, an IDE's pipes, a
 * parent's sockets).  A child that runs another program (QEMU, a
 * backend) or detaches (the launcher's supervisor) must not carry them
 * on: they would keep pipes open, pin files and leak access.  So the
 * child closes everything above stderr but the few descriptors it means
 * to pass.  close_range(2) does it in one call; on a kernel without it
 * each descriptor up to the process limit is closed one by one.  Meant
 * for a freshly forked child: nothing here allocates or takes locks.
 */
#ifndef VUNET_UTIL_FD_H
#define VUNET_UTIL_FD_H

#include <stddef.h>

/* Closes every descriptor above stderr except the N in KEEP (any order;
 * negative entries are ignored, N at most 8). */
void vn_close_fds_except(const int *keep, size_t n);

#endif /* VUNET_UTIL_FD_H */
