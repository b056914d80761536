// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Closing inherited descriptors: see fd.h.  The kept descriptors are
 * sorted into a small array on the stack, then each gap between them is
 * closed; the last gap reaches the highest descriptor number.
 */
#include "util/fd.h"

#include <errno.h>
#include <unistd.h>

#define KEEP_MAX 8

/* Closes [FIRST, LAST]; one descriptor at a time without close_range(2). */
static void close_gap(unsigned first, unsigned last)
{
	long limit;
	unsigned fd;

	if (first > last)
		return;
	if (close_range(first, last, 0) == 0 ||
	    (errno != ENOSYS && errno != EINVAL))
		return;
	limit = sysconf(_SC_OPEN_MAX);
	if (limit < 0 || limit > 1 << 20)
		limit = 1 << 20;
	for (fd = first; fd <= last && fd < (unsigned long)limit; fd++)
		close((int)fd);
}

/* KEEP's valid entries above stderr, sorted, into OUT; their count. */
static size_t sorted_keep(const int *keep, size_t n, unsigned *out)
{
	size_t i, j, count = 0;

	for (i = 0; i < n && count < KEEP_MAX; i++) {
		unsigned fd = (unsigned)keep[i];

		if (keep[i] <= 2)
			continue;
		for (j = count; j > 0 && out[j - 1] > fd; j--)
			out[j] = out[j - 1];
		out[j] = fd;
		count++;
	}
	return count;
}

void vn_close_fds_except(const int *keep, size_t n)
{
	unsigned sorted[KEEP_MAX], lowest = 3;
	size_t i, count = sorted_keep(keep, n, sorted);

	for (i = 0; i < count; i++) {
		if (sorted[i] > lowest)
			close_gap(lowest, sorted[i] - 1);
		if (sorted[i] >= lowest)
			lowest = sorted[i] + 1;
	}
	close_gap(lowest, ~0U);
}
