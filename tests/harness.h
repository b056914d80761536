/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal test harness shared by every unit-test program.
 *
 * Theory of operation: each TEST() defines a function and registers it
 * through a constructor, in file order.  test_main() runs them one by one
 * in a forked child, so a crash or an abort in one case (including a
 * sanitizer report) fails that case and the others still run.  Each case
 * prints exactly one result line on stdout, which tests/run.sh counts:
 *
 *   PASS <program>/<case>
 *   FAIL <program>/<case>: <file>:<line>: <what>
 *   SKIP <program>/<case>: <reason>
 *
 * CHECK*() record the first failure and return from the case.  SKIP() ends
 * the case as skipped with a reason; a case is never silently passed.
 * A filter can be given as argv[1]: only cases whose name contains it run.
 */
#ifndef VUNET_TESTS_HARNESS_H
#define VUNET_TESTS_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <inttypes.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

void test_register(const char *name, void (*fn)(void));
int test_main(int argc, char **argv);
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int test_failed(void);
/* Removes PATH (a file, or a directory and all it holds) when the
 * process exits: a case's scratch files go even when a check fails. */
void test_remove_at_exit(const char *path);

#define TEST(name)                                                        \
	static void test_##name(void);                                    \
	__attribute__((constructor)) static void test_reg_##name(void)    \
	{                                                                 \
		test_register(#name, test_##name);                        \
	}                                                                 \
	static void test_##name(void)

#define CHECK(expr)                                                       \
	do {                                                              \
		if (!(expr)) {                                            \
			test_fail(__FILE__, __LINE__, "%s", #expr);       \
			return;                                           \
		}                                                         \
	} while (0)

#define CHECK_MSG(expr, ...)                                              \
	do {                                                              \
		if (!(expr)) {                                            \
			test_fail(__FILE__, __LINE__, __VA_ARGS__);       \
			return;                                           \
		}                                                         \
	} while (0)

#define CHECK_INT(a, b)                                                   \
	do {                                                              \
		long long va_ = (long long)(a), vb_ = (long long)(b);     \
		if (va_ != vb_) {                                         \
			test_fail(__FILE__, __LINE__,                     \
				  "%s == %lld, expected %lld", #a, va_, vb_); \
			return;                                           \
		}                                                         \
	} while (0)

#define CHECK_STR(a, b)                                                   \
	do {                                                              \
		const char *sa_ = (a), *sb_ = (b);                        \
		if (!sa_ || !sb_ || strcmp(sa_, sb_)) {                   \
			test_fail(__FILE__, __LINE__,                     \
				  "%s:\n  got:      %s\n  expected: %s",   \
				  #a, sa_ ? sa_ : "(null)",               \
				  sb_ ? sb_ : "(null)");                  \
			return;                                           \
		}                                                         \
	} while (0)

#define SKIP(...)                                                         \
	do {                                                              \
		test_skip(__VA_ARGS__);                                   \
		return;                                                   \
	} while (0)

#endif /* VUNET_TESTS_HARNESS_H */
