// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Scratch directories for the launcher tests: see scratch.h.
 */
#include "tests/qemu/scratch.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

void scratch_make(char *base, size_t size, char *state, size_t state_size,
		  const char *prefix)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(base, size, "%s/%s.XXXXXX",
		 tmp && *tmp == '/' ? tmp : "/tmp", prefix);
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(state, state_size, "%s/state", base);
}

void scratch_remove(const char *base)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", base);
}
