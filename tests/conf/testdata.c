// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test-data access for the conf tests (see testdata.h for the interface).
 *
 * Theory of operation: the directory is found once per call from the
 * environment (VUNET_SHARED, exported by tests/run.sh) or, failing that,
 * from the source tree's location compiled in by tests/conf/meson.build.
 * Files are read whole into a bounded buffer (the test data is a few KiB;
 * anything beyond 1 MiB is cut, which a comparison would then report).
 * Listings are sorted so that failures name files in a stable order.
 * Nothing here reports through the harness: callers decide whether a
 * missing file is a SKIP or a failure.
 */
#include "tests/conf/testdata.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *testdata_dir(void)
{
	static char dir[4096];
	const char *shared = getenv("VUNET_SHARED");

	if (shared && *shared)
		snprintf(dir, sizeof(dir), "%s/libvirt-testdata", shared);
	else
		snprintf(dir, sizeof(dir), "%s/../shared/libvirt-testdata",
			 VUNET_SOURCE_ROOT);
	return dir;
}

char *testdata_path(const char *name)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%s", testdata_dir(), name) < 0)
		return NULL;
	return path;
}

char *testdata_read(const char *name)
{
	char *path = testdata_path(name), *data = NULL;
	FILE *f = path ? fopen(path, "r") : NULL;
	size_t len = 0;

	if (f) {
		/* Bounded: the test files are a few KiB. */
		data = calloc(1, 1 << 20);
		if (data)
			len = fread(data, 1, (1 << 20) - 1, f);
		if (data)
			data[len] = '\0';
		fclose(f);
	}
	free(path);
	return data;
}

char *testdata_read_trimmed(const char *name)
{
	char *data = testdata_read(name);
	size_t len = data ? strlen(data) : 0;

	while (len && data[len - 1] == '\n')
		data[--len] = '\0';
	return data;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **testdata_list_xml(size_t *n)
{
	DIR *dir = opendir(testdata_dir());
	struct dirent *e;
	char **names = NULL, **grown;
	size_t len;

	*n = 0;
	if (!dir)
		return NULL;
	while ((e = readdir(dir))) {
		len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".xml"))
			continue;
		grown = realloc(names, (*n + 1) * sizeof(*names));
		if (!grown)
			break;
		names = grown;
		names[(*n)++] = strdup(e->d_name);
	}
	closedir(dir);
	if (names)
		qsort(names, *n, sizeof(*names), compare_names);
	return names ? names : calloc(1, sizeof(*names));
}

void testdata_free_list(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int testdata_is_input(const char *name)
{
	return !strstr(name, ".x86_64-");
}

static const char *line_end(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? nl + 1 : p + strlen(p);
}

/* True if the element opening at Q closes itself ("<x .../>"). */
static int self_closing(const char *q)
{
	const char *gt = strchr(q, '>');

	return gt && gt > q && gt[-1] == '/';
}

char *testdata_extract(const char *xml, const char *tag)
{
	size_t len = 0, taglen = strlen(tag);
	char *out = calloc(1, strlen(xml) + 1);
	const char *p = xml, *q, *end, *close;
	char close_tag[64];

	if (!out)
		return NULL;
	snprintf(close_tag, sizeof(close_tag), "</%s>", tag);
	while (*p) {
		q = p + strspn(p, " ");
		end = line_end(p);
		if (q[0] == '<' && !strncmp(q + 1, tag, taglen) &&
		    strchr(" />", q[1 + taglen]) && q[1 + taglen]) {
			if (!self_closing(q)) {
				close = strstr(q, close_tag);
				end = close ? line_end(close) : p + strlen(p);
			}
			memcpy(out + len, p, (size_t)(end - p));
			len += (size_t)(end - p);
		}
		p = end;
	}
	out[len] = '\0';
	return out;
}
