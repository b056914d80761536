/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A growable argument vector, and its rendering as a launch plan.
 *
 * Theory of operation: the command-line builders (qemu_command.c for
 * QEMU, qemu_passt.c for the passt-compatible backend) are pure: they take
 * a definition and append strings to a struct qemu_argv, which owns heap
 * copies of every argument and keeps v[n] == NULL so that the vector can
 * be handed to execv() as is.  A builder that fails frees its vector and
 * returns NULL; an allocation failure while appending is remembered in
 * the vector ("failed") and reported once by qemu_argv_check(), so the
 * builders can append a long run of options without testing each call.
 *
 * qemu_argv_format() renders a vector the way libvirt's test data writes
 * a command line (.args files): the program on the first line, then one
 * option per line together with the values that follow it (an argument
 * starting with '-' opens a new line), lines joined by " \".  An argument
 * with characters a shell would interpret is single-quoted.  This is what
 * "vunet domxml-to-native" prints, and what the golden tests compare.
 */
#ifndef VUNET_QEMU_QEMU_ARGV_H
#define VUNET_QEMU_QEMU_ARGV_H

#include <stdbool.h>
#include <stddef.h>

struct qemu_argv {
	char **v;      /* NULL-terminated */
	size_t n;      /* arguments, not counting the NULL */
	size_t cap;
	bool failed;   /* an append ran out of memory */
};

/* Returns a vector holding PROGRAM as argv[0], or NULL on ENOMEM. */
struct qemu_argv *qemu_argv_new(const char *program);
void qemu_argv_add(struct qemu_argv *argv, const char *arg);
void qemu_argv_addf(struct qemu_argv *argv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends "OPTION VALUE" as two arguments. */
void qemu_argv_add_pair(struct qemu_argv *argv, const char *option,
			const char *value);
/* Appends the concatenation PREFIX + VALUE with every ',' in VALUE
 * doubled, as QEMU's "key=value,..." option syntax requires for a
 * literal comma (paths in -chardev). */
void qemu_argv_add_escaped(struct qemu_argv *argv, const char *prefix,
			   const char *value, const char *suffix);
/* Returns 0, or -1 (reported) if an append failed. */
int qemu_argv_check(const struct qemu_argv *argv);
void qemu_argv_free(struct qemu_argv *argv);

/* The .args rendering described above, with a trailing newline.  Caller
 * frees; NULL on ENOMEM (reported). */
char *qemu_argv_format(const struct qemu_argv *argv);

#endif /* VUNET_QEMU_QEMU_ARGV_H */
