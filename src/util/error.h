/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The launcher's error model, after libvirt's: the function that knows most
 * about a failure reports it once with vn_error_report(); callers only
 * propagate the failure (-1 / NULL).  The last report is kept, and the
 * program prints it at the top ("error: " + vn_error_message()).
 *
 * Each report has a category whose text prefixes the message exactly as
 * virsh prints libvirt's errors ("unsupported configuration: ...",
 * "XML error: ..."), so vunet's messages can be compared with libvirt's
 * test data verbatim.
 */
#ifndef VUNET_UTIL_ERROR_H
#define VUNET_UTIL_ERROR_H

enum vn_error_code {
	VN_ERR_NONE = 0,
	VN_ERR_CONFIG_UNSUPPORTED, /* "unsupported configuration" */
	VN_ERR_XML_ERROR,          /* "XML error" */
	VN_ERR_XML_DETAIL,         /* the parser's own message: no prefix */
	VN_ERR_INTERNAL_ERROR,     /* "internal error" */
	VN_ERR_INVALID_ARG,        /* "invalid argument" */
	VN_ERR_OPERATION_FAILED,   /* "operation failed" */
	VN_ERR_OPERATION_INVALID,  /* "Requested operation is not valid" */
	VN_ERR_NO_DOMAIN,          /* "Domain not found" */
	VN_ERR_OVERFLOW,           /* "numerical overflow" */
	VN_ERR_NO_NAME,            /* "missing name information" */
	VN_ERR_SYSTEM_ERROR,       /* no prefix: the message names the call */
	VN_ERR_DEVICE_MISSING,     /* "device not found" */
};

void vn_error_report(enum vn_error_code code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Like vn_error_report(), appending ": strerror(errnum)". */
void vn_error_report_errno(int errnum, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The last report as virsh would print it after "error: "; "" if none. */
const char *vn_error_message(void);
enum vn_error_code vn_error_code(void);
void vn_error_reset(void);

#endif /* VUNET_UTIL_ERROR_H */
