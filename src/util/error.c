// SPDX-License-Identifier: GPL-2.0-or-later
/* The launcher's last-error store: see error.h. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ERROR_MESSAGE_MAX 4096

static char last_message[ERROR_MESSAGE_MAX];
static enum vn_error_code last_code;

static const char *category(enum vn_error_code code)
{
	switch (code) {
	case VN_ERR_CONFIG_UNSUPPORTED:
		return "unsupported configuration: ";
	case VN_ERR_XML_ERROR:
		return "XML error: ";
	case VN_ERR_OVERFLOW:
		return "numerical overflow: ";
	case VN_ERR_INTERNAL_ERROR:
		return "internal error: ";
	case VN_ERR_INVALID_ARG:
		return "invalid argument: ";
	case VN_ERR_OPERATION_FAILED:
		return "operation failed: ";
	case VN_ERR_OPERATION_INVALID:
		return "Requested operation is not valid: ";
	case VN_ERR_NO_DOMAIN:
		return "Domain not found: ";
	case VN_ERR_DEVICE_MISSING:
		return "device not found: ";
	default:
		return "";
	}
}

static void vreport(enum vn_error_code code, int errnum, const char *fmt,
		    va_list ap)
{
	size_t len;

	last_code = code;
	len = snprintf(last_message, sizeof(last_message), "%s", category(code));
	if (len < sizeof(last_message))
		len += vsnprintf(last_message + len, sizeof(last_message) - len,
				 fmt, ap);
	if (errnum && len < sizeof(last_message))
		snprintf(last_message + len, sizeof(last_message) - len, ": %s",
			 strerror(errnum));
}

void vn_error_report(enum vn_error_code code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(code, 0, fmt, ap);
	va_end(ap);
}

void vn_error_report_errno(int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(VN_ERR_SYSTEM_ERROR, errnum, fmt, ap);
	va_end(ap);
}

const char *vn_error_message(void)
{
	return last_message;
}

enum vn_error_code vn_error_code(void)
{
	return last_code;
}

void vn_error_reset(void)
{
	last_code = VN_ERR_NONE;
	last_message[0] = '\0';
}
