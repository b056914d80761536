// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The argument vector of the command-line builders: see qemu_argv.h.
 *
 * Model: v[0..n-1] are heap copies owned by the vector, v[n] is NULL so
 * the vector can go to execv() unchanged, and "failed" records that some
 * append could not allocate (the append is then dropped, and every later
 * append too, so a failed vector is never half-executed).
 *
 * Nothing here knows about QEMU or passt options.  The rendering rule
 * "an argument starting with '-' opens a line" is the whole of its
 * knowledge about command lines; quoting follows the character set that
 * libvirt's .args files quote, with ' written as '\''.  Comma doubling
 * (qemu_argv_add_escaped) is QEMU's option syntax, applied by the caller
 * to the values that need it.
 */
#include "qemu/qemu_argv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

/* Characters after which a shell would not read an argument literally
 * (the set libvirt's .args files quote). */
#define SHELL_SPECIAL "\r\t\n !\"#$&'()*;<>?[\\]^`{|}~"

#define ARGV_INITIAL_CAP 32

struct qemu_argv *qemu_argv_new(const char *program)
{
	struct qemu_argv *argv = calloc(1, sizeof(*argv));

	if (!argv)
		goto fail;
	argv->v = calloc(ARGV_INITIAL_CAP, sizeof(*argv->v));
	if (!argv->v)
		goto fail;
	argv->cap = ARGV_INITIAL_CAP;
	qemu_argv_add(argv, program);
	if (argv->failed)
		goto fail;
	return argv;
fail:
	qemu_argv_free(argv);
	vn_error_report_errno(ENOMEM, "cannot build the command line of %s",
			      program);
	return NULL;
}

/* Takes ownership of ARG (which may be NULL after a failed allocation). */
static void append_owned(struct qemu_argv *argv, char *arg)
{
	if (!arg || argv->failed)
		goto fail;
	if (argv->n + 1 >= argv->cap) {
		char **grown = realloc(argv->v, 2 * argv->cap * sizeof(*grown));

		if (!grown)
			goto fail;
		argv->v = grown;
		argv->cap *= 2;
	}
	argv->v[argv->n++] = arg;
	argv->v[argv->n] = NULL;
	return;
fail:
	free(arg);
	argv->failed = true;
}

void qemu_argv_add(struct qemu_argv *argv, const char *arg)
{
	append_owned(argv, strdup(arg));
}

void qemu_argv_addf(struct qemu_argv *argv, const char *fmt, ...)
{
	char *arg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&arg, fmt, ap) < 0)
		arg = NULL;
	va_end(ap);
	append_owned(argv, arg);
}

void qemu_argv_add_pair(struct qemu_argv *argv, const char *option,
			const char *value)
{
	qemu_argv_add(argv, option);
	qemu_argv_add(argv, value);
}

void qemu_argv_add_escaped(struct qemu_argv *argv, const char *prefix,
			   const char *value, const char *suffix)
{
	size_t commas = 0, len;
	const char *p;
	char *arg, *q;

	for (p = value; *p; p++)
		commas += *p == ',';
	len = strlen(prefix) + strlen(value) + commas + strlen(suffix) + 1;
	arg = malloc(len);
	if (arg) {
		q = stpcpy(arg, prefix);
		for (p = value; *p; p++) {
			if (*p == ',')
				*q++ = ',';
			*q++ = *p;
		}
		strcpy(q, suffix);
	}
	append_owned(argv, arg);
}

int qemu_argv_check(const struct qemu_argv *argv)
{
	if (!argv->failed)
		return 0;
	vn_error_report_errno(ENOMEM, "cannot build the command line of %s",
			      argv->v[0] ? argv->v[0] : "a program");
	return -1;
}

void qemu_argv_free(struct qemu_argv *argv)
{
	size_t i;

	if (!argv)
		return;
	for (i = 0; i < argv->n; i++)
		free(argv->v[i]);
	free(argv->v);
	free(argv);
}

static void put_quoted(FILE *out, const char *arg)
{
	const char *p;

	if (*arg && !strpbrk(arg, SHELL_SPECIAL)) {
		fputs(arg, out);
		return;
	}
	fputc('\'', out);
	for (p = arg; *p; p++) {
		if (*p == '\'')
			fputs("'\\''", out);
		else
			fputc(*p, out);
	}
	fputc('\'', out);
}

char *qemu_argv_format(const struct qemu_argv *argv)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	size_t i;

	if (!out)
		goto fail;
	for (i = 0; i < argv->n; i++) {
		if (i > 0)
			fputs(argv->v[i][0] == '-' ? " \\\n" : " ", out);
		put_quoted(out, argv->v[i]);
	}
	fputc('\n', out);
	if (fclose(out) != 0)
		goto fail;
	return text;
fail:
	free(text);
	vn_error_report_errno(ENOMEM, "cannot format a command line");
	return NULL;
}
