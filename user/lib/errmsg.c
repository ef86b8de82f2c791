// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errmsg.h"

int ct_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return rc;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

int ct_fail_errno(char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!err || !errlen)
		return -e;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	n = strlen(err);
	if (n + 1 < errlen)
		snprintf(err + n, errlen - n, ": %s", strerror(e));
	return -e;
}
