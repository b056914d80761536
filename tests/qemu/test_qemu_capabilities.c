// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU version parsing and the capability predicates
 * (src/qemu/qemu_capabilities.c).
 *
 * Specification, one behaviour per case: the Debian and upstream
 * "--version" outputs parse; --qemu-version accepts X.Y and X.Y.Z and
 * nothing else; each predicate switches at the release that added the
 * feature (7.2 below, 8.0 / 9.0 / 9.2 at or above); the probe works on
 * the QEMU this machine has (skipped without one), finds a bare name in
 * PATH, and names a missing binary or a program that is not QEMU in its
 * error.
 */
#include "tests/harness.h"

#include <unistd.h>

#include "qemu/qemu_capabilities.h"
#include "util/error.h"

#define DEBIAN_QEMU_OUTPUT                                                  \
	"QEMU emulator version 7.2.19 (Debian 1:7.2+dfsg-7+deb12u18)\n"     \
	"Copyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n"

TEST(parses_debian_version_output)
{
	unsigned long long v = 0;

	CHECK_INT(qemu_caps_parse_version_output(DEBIAN_QEMU_OUTPUT, &v), 0);
	CHECK_INT(v, 7002019);
}

TEST(parses_upstream_version_output_without_micro)
{
	unsigned long long v = 0;

	CHECK_INT(qemu_caps_parse_version_output(
			  "QEMU emulator version 10.1\n", &v), 0);
	CHECK_INT(v, QEMU_VERSION(10, 1, 0));
}

TEST(output_without_version_is_an_error)
{
	unsigned long long v = 0;

	CHECK_INT(qemu_caps_parse_version_output("hello\n", &v), -1);
	CHECK(strstr(vn_error_message(), "cannot parse QEMU version") != NULL);
}

TEST(parses_version_strings)
{
	unsigned long long v = 0;

	CHECK_INT(qemu_caps_parse_version_string("10.0.0", &v), 0);
	CHECK_INT(v, QEMU_CAPS_VERSION_LATEST);
	CHECK_INT(qemu_caps_parse_version_string("7.2", &v), 0);
	CHECK_INT(v, 7002000);
}

TEST(refuses_malformed_version_strings)
{
	unsigned long long v = 0;

	CHECK_INT(qemu_caps_parse_version_string("7", &v), -1);
	CHECK_INT(qemu_caps_parse_version_string("7.2.0.1", &v), -1);
	CHECK_INT(qemu_caps_parse_version_string("7.2000", &v), -1);
	CHECK_INT(qemu_caps_parse_version_string("v7.2", &v), -1);
	CHECK_INT(qemu_caps_parse_version_string("", &v), -1);
	CHECK(strstr(vn_error_message(), "is not a QEMU version") != NULL);
}

TEST(capabilities_follow_the_releases_that_added_them)
{
	unsigned long long v72 = QEMU_VERSION(7, 2, 0);
	unsigned long long v80 = QEMU_VERSION(8, 0, 0);
	unsigned long long v91 = QEMU_VERSION(9, 1, 0);
	unsigned long long v92 = QEMU_VERSION(9, 2, 0);

	CHECK(!qemu_caps_has_machine_acpi(v72));
	CHECK(qemu_caps_has_machine_acpi(v80));
	CHECK(!qemu_caps_has_stream_reconnect(v72));
	CHECK(qemu_caps_has_stream_reconnect(v80));
	CHECK(!qemu_caps_has_stream_reconnect_ms(v91));
	CHECK(qemu_caps_has_stream_reconnect_ms(v92));
	CHECK(!qemu_caps_has_chardev_reconnect_ms(v91));
	CHECK(qemu_caps_has_chardev_reconnect_ms(v92));
	CHECK(!qemu_caps_can_elide_raw_format(v72));
	CHECK(qemu_caps_can_elide_raw_format(QEMU_CAPS_VERSION_LATEST));
	CHECK(!qemu_caps_vhost_user_msix_safe_on_tcg(v72));
	CHECK(qemu_caps_vhost_user_msix_safe_on_tcg(v80));
}

TEST(probes_the_installed_qemu)
{
	const char *qemu = "/usr/bin/qemu-system-x86_64";
	unsigned long long v = 0;

	if (access(qemu, X_OK) < 0)
		SKIP("%s is not installed", qemu);
	CHECK_INT(qemu_caps_query_version(qemu, &v), 0);
	CHECK(v >= QEMU_VERSION(2, 0, 0));
}

TEST(probe_of_missing_binary_names_it)
{
	unsigned long long v = 0;

	CHECK_INT(qemu_caps_query_version("/nonexistent/qemu", &v), -1);
	CHECK(strstr(vn_error_message(), "/nonexistent/qemu") != NULL);
}

TEST(probe_of_missing_bare_name_names_it)
{
	unsigned long long v = 0;

	CHECK_INT(qemu_caps_query_version("vunet-no-such-qemu", &v), -1);
	CHECK(strstr(vn_error_message(), "Cannot find QEMU binary vunet-no-such-qemu"));
}

TEST(probe_finds_a_bare_name_in_path)
{
	unsigned long long v = 0;

	if (access("/usr/bin/qemu-system-x86_64", X_OK) < 0)
		SKIP("/usr/bin/qemu-system-x86_64 is not installed");
	setenv("PATH", "/usr/bin:/bin", 1);
	CHECK_INT(qemu_caps_query_version("qemu-system-x86_64", &v), 0);
	CHECK(v >= QEMU_VERSION(2, 0, 0));
}

TEST(probe_of_a_program_that_is_not_qemu_fails)
{
	unsigned long long v = 0;

	if (access("/bin/true", X_OK) < 0)
		SKIP("/bin/true is missing");
	CHECK_INT(qemu_caps_query_version("/bin/true", &v), -1);
	CHECK(strstr(vn_error_message(), "cannot parse QEMU version") != NULL);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
