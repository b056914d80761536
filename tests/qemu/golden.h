/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where libvirt's test data lives for the golden tests, shared by
 * test_qemu_golden.c and test_qemu_cli.c.
 *
 * Theory of operation: the data (see its README.md) is outside the
 * repository, in $VUNET_SHARED/libvirt-testdata, else in
 * <repo>/../shared/libvirt-testdata (the repository root comes from
 * tests/qemu/meson.build as VUNET_SOURCE_ROOT).  A test whose file is
 * missing skips with the path it looked for; it never passes silently.
 * golden_read() returns a whole file as one string, for comparisons that
 * are exact, byte for byte.
 */
#ifndef VUNET_TESTS_QEMU_GOLDEN_H
#define VUNET_TESTS_QEMU_GOLDEN_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes the path of NAME inside the test data into BUF. */
static inline const char *golden_path(char *buf, size_t size, const char *name)
{
	const char *shared = getenv("VUNET_SHARED");

	if (shared && *shared)
		snprintf(buf, size, "%s/libvirt-testdata/%s", shared, name);
	else
		snprintf(buf, size, "%s/../shared/libvirt-testdata/%s",
			 VUNET_SOURCE_ROOT, name);
	return buf;
}

/* The whole of PATH, NUL-terminated, or NULL.  Caller frees. */
static inline char *golden_read(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0, n;
	char chunk[4096];

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		char *grown = realloc(text, len + n + 1);

		if (!grown) {
			free(text);
			fclose(f);
			return NULL;
		}
		text = grown;
		memcpy(text + len, chunk, n);
		len += n;
		text[len] = '\0';
	}
	fclose(f);
	return text ? text : calloc(1, 1);
}

#define GOLDEN_PATH(var, name)                                             \
	char var[4096];                                                    \
	golden_path(var, sizeof(var), name);                               \
	if (access(var, R_OK) < 0)                                         \
		SKIP("libvirt test data not found: %s", var)

#endif /* VUNET_TESTS_QEMU_GOLDEN_H */
