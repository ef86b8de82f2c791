/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One-line error messages into a caller's buffer (err, errlen). */
#ifndef __CT_ERRMSG_H
#define __CT_ERRMSG_H

#include <stddef.h>

/* Formats the message into err and returns rc, for `return ct_fail(...)`. */
int ct_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The same, with ": strerror(e)" appended; returns -e. */
int ct_fail_errno(char *err, size_t errlen, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* __CT_ERRMSG_H */
