/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Monotonic time in milliseconds, for the launcher's bounded waits and
 * deadlines (lock waits, QMP replies, child exits, restart budgets).
 * CLOCK_MONOTONIC: a wall-clock step cannot stretch or cut a wait short.
 * Only differences between two readings mean anything.
 */
#ifndef VUNET_UTIL_CLOCK_H
#define VUNET_UTIL_CLOCK_H

long long vn_now_ms(void);

#endif /* VUNET_UTIL_CLOCK_H */
