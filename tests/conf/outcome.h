/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The outcome of a domain definition, for the validation tests
 * (tests/conf/test_validate.c, tests/qemu/test_qemu_validate.c): the XML
 * is parsed as vunet parses a file, the validator the test names runs on
 * the domain when it parsed, and the first error message is what the user
 * sees ("" when the definition is accepted).
 *
 * The outcome string is kept here until the next call: the harness's
 * CHECK_STR returns from the case when it fails, so a string the case held
 * would leak; one kept string is freed by the call after.
 * libvirt's test data is found through testdata.h.
 */
#ifndef VUNET_TESTS_CONF_OUTCOME_H
#define VUNET_TESTS_CONF_OUTCOME_H

#include <stdbool.h>

#include "tests/conf/testdata.h"

struct vn_domain;

/* Validates DOM (parsed without error); ARG is the caller's. */
typedef void (*outcome_validate_fn)(struct vn_domain *dom, const void *arg);

/* Shared memory, as vhost-user interfaces need it. */
#define OUTCOME_SHARED_MEMORY                                             \
	"  <memoryBacking>\n"                                              \
	"    <access mode='shared'/>\n"                                    \
	"  </memoryBacking>\n"

/* A domain definition after libvirt's QEMUGuest1 test domain, with
 * MEMORY_XML (memory backing, NUMA) after its memory size and
 * DEVICES_XML (interfaces) among its devices.  Caller frees; NULL if out
 * of memory. */
char *outcome_domain_xml(const char *memory_xml, const char *devices_xml);

/* The outcome of domain XML under VALIDATE; NULL if out of memory. */
const char *outcome_of_xml(const char *xml, outcome_validate_fn validate,
			   const void *arg);
/* The same for outcome_domain_xml(MEMORY_XML, DEVICES_XML). */
const char *outcome_of_domain(const char *memory_xml, const char *devices_xml,
			      outcome_validate_fn validate, const void *arg);
/* The same for libvirt's test-data file NAME; *FOUND says whether it was
 * there (NULL outcome when not). */
const char *outcome_of_testdata(const char *name,
				outcome_validate_fn validate, const void *arg,
				bool *found);
/* Keeps a copy of MSG as the outcome (for cases with steps of their own)
 * and returns it. */
const char *outcome_keep(const char *msg);

/* NAME from libvirt's test data must get EXPECTED; SKIP when it is not
 * there. */
#define CHECK_TESTDATA_OUTCOME(name, validate, arg, expected)             \
	do {                                                              \
		bool found_;                                              \
		const char *msg_ = outcome_of_testdata(name, validate,    \
						       arg, &found_);     \
		if (!found_)                                              \
			SKIP("libvirt test data %s/%s not found",         \
			     testdata_dir(), name);                       \
		CHECK_STR(msg_, expected);                                \
	} while (0)

#endif /* VUNET_TESTS_CONF_OUTCOME_H */
