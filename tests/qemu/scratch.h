/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scratch directories for the launcher tests (tests/qemu) that need real
 * files: a state directory, sockets, logs, stand-in programs.
 *
 * Theory of operation: a case makes a fresh directory of its own under
 * $TMPDIR (when that is an absolute path) or /tmp, works inside it (the
 * state directory is "state" in it, created by qemu_state_prepare() when
 * the case wants it) and removes it with everything in it at the end.
 * The directory's name starts with the program's prefix, so one left
 * behind by a crashed case says where it came from.
 */
#ifndef VUNET_TESTS_QEMU_SCRATCH_H
#define VUNET_TESTS_QEMU_SCRATCH_H

#include <stddef.h>

/* Makes the fresh directory $TMPDIR/PREFIX.XXXXXX into BASE (SIZE bytes)
 * and puts BASE/state, the state directory to use, into STATE
 * (STATE_SIZE bytes).  Exits the case's process when it cannot: no
 * check can run without it. */
void scratch_make(char *base, size_t size, char *state, size_t state_size,
		  const char *prefix);
/* Removes BASE and all it holds; says so on stderr when it cannot. */
void scratch_remove(const char *base);

#endif /* VUNET_TESTS_QEMU_SCRATCH_H */
