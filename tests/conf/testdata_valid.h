/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The files of libvirt's test data that define valid domains with the
 * interfaces vunet handles: the inputs, and libvirt's own output for
 * them.  Every validator must accept them all: the generic rules
 * (tests/conf/test_validate.c) and the QEMU rules with each QEMU version
 * vunet supports (tests/qemu/test_qemu_validate.c).
 *
 * TESTDATA_VALID_CASES() defines one test case a file, named
 * testdata_<id>_is_valid, which checks the file with the including
 * program's CHECK_TESTDATA_VALID(file) (see outcome.h).  A failure
 * reports the line of the TESTDATA_VALID_CASES() use; the case's name
 * says which file it was.
 */
#ifndef VUNET_TESTS_CONF_TESTDATA_VALID_H
#define VUNET_TESTS_CONF_TESTDATA_VALID_H

#define TESTDATA_VALID_CASE(id, file)                                     \
	TEST(testdata_##id##_is_valid)                                    \
	{                                                                 \
		CHECK_TESTDATA_VALID(file);                               \
	}

#define TESTDATA_VALID_CASES()                                            \
	TESTDATA_VALID_CASE(net_user_addr, "net-user-addr.xml")           \
	TESTDATA_VALID_CASE(net_user_passt, "net-user-passt.xml")         \
	TESTDATA_VALID_CASE(net_vhostuser_passt, "net-vhostuser-passt.xml") \
	TESTDATA_VALID_CASE(net_vhostuser, "net-vhostuser.xml")           \
	TESTDATA_VALID_CASE(net_vhostuser_multiq, "net-vhostuser-multiq.xml") \
	TESTDATA_VALID_CASE(net_vdpa, "net-vdpa.xml")                     \
	TESTDATA_VALID_CASE(net_vdpa_multiqueue, "net-vdpa-multiqueue.xml") \
	TESTDATA_VALID_CASE(net_user_output,                              \
			    "net-user.x86_64-latest.xml")                 \
	TESTDATA_VALID_CASE(net_user_passt_output,                        \
			    "net-user-passt.x86_64-latest.xml")           \
	TESTDATA_VALID_CASE(net_user_passt_7_2_output,                    \
			    "net-user-passt.x86_64-7.2.0.xml")            \
	TESTDATA_VALID_CASE(net_vhostuser_passt_output,                   \
			    "net-vhostuser-passt.x86_64-latest.xml")      \
	TESTDATA_VALID_CASE(net_vhostuser_output,                         \
			    "net-vhostuser.x86_64-latest.xml")            \
	TESTDATA_VALID_CASE(net_vhostuser_multiq_output,                  \
			    "net-vhostuser-multiq.x86_64-latest.xml")

#endif /* VUNET_TESTS_CONF_TESTDATA_VALID_H */
