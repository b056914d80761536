// SPDX-License-Identifier: GPL-2.0-or-later
/* The launcher's error store prefixes messages the way virsh does. */
#include "tests/harness.h"
#include "util/error.h"

TEST(unsupported_configuration_is_prefixed_like_virsh)
{
	vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
			"'%s' requires shared memory", "interface");
	CHECK_STR(vn_error_message(),
		  "unsupported configuration: 'interface' requires shared memory");
	CHECK_INT(vn_error_code(), VN_ERR_CONFIG_UNSUPPORTED);
}

TEST(errno_report_appends_strerror)
{
	vn_error_report_errno(2, "cannot open '%s'", "/nonexistent");
	CHECK_STR(vn_error_message(),
		  "cannot open '/nonexistent': No such file or directory");
}

TEST(reset_clears_the_last_error)
{
	vn_error_report(VN_ERR_XML_ERROR, "bad");
	vn_error_reset();
	CHECK_STR(vn_error_message(), "");
	CHECK_INT(vn_error_code(), VN_ERR_NONE);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
