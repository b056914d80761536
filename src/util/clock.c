// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Monotonic milliseconds: see clock.h.  clock_gettime() on
 * CLOCK_MONOTONIC cannot fail with a valid pointer, so no error path.
 */
#include "util/clock.h"

#include <time.h>

long long vn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
