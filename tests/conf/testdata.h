/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Access to libvirt's test data for the conf tests.
 *
 * The data lives in $VUNET_SHARED/libvirt-testdata (tests/run.sh exports
 * VUNET_SHARED), else in ../shared/libvirt-testdata next to the source
 * tree (VUNET_SOURCE_ROOT is set by tests/conf/meson.build).  A test that
 * needs a file which is not there SKIPs, naming the path.
 */
#ifndef VUNET_TESTS_CONF_TESTDATA_H
#define VUNET_TESTS_CONF_TESTDATA_H

#include <stddef.h>

/* The test-data directory (static storage). */
const char *testdata_dir(void);
/* Heap path of test-data file NAME. */
char *testdata_path(const char *name);
/* Heap contents of test-data file NAME, or NULL if it cannot be read. */
char *testdata_read(const char *name);
/* The same without trailing newlines: a libvirt .err file's message. */
char *testdata_read_trimmed(const char *name);
/* Sorted heap array of the names of every *.xml file; *N is its length.
 * NULL when the directory cannot be read. */
char **testdata_list_xml(size_t *n);
void testdata_free_list(char **names, size_t n);
/* The lines of every <TAG ...> element (from its opening line to its
 * closing line, or the single self-closing line) in formatted XML,
 * concatenated.  Heap; "" when there is none. */
char *testdata_extract(const char *xml, const char *tag);
/* True if NAME is an input definition (not a libvirt output file). */
int testdata_is_input(const char *name);

#endif /* VUNET_TESTS_CONF_TESTDATA_H */
