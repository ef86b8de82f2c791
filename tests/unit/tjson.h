/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Test helper: a strict, minimal recursive-descent JSON parser, so that
 * tests check outputs by parsing them back instead of comparing strings.
 */
#ifndef __CT_TJSON_H
#define __CT_TJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tj_type { TJ_NULL, TJ_BOOL, TJ_NUM, TJ_STR, TJ_ARR, TJ_OBJ };

struct tj {
	enum tj_type type;
	bool b;
	char *text;		/* TJ_NUM: as written; TJ_STR: decoded UTF-8 */
	size_t n;		/* items of an array or object */
	struct tj **items;
	char **keys;		/* TJ_OBJ */
};

/* Whole text must be one JSON value (whitespace around it allowed). */
struct tj *tj_parse(const char *s, size_t len, char *err, size_t errlen);
void tj_free(struct tj *v);

/* Path: "a.b.3.c" (numbers index arrays).  NULL if absent. */
const struct tj *tj_get(const struct tj *v, const char *path);
/* Value at path as an exact unsigned integer / double / string. */
bool tj_u64(const struct tj *v, const char *path, uint64_t *out);
bool tj_num(const struct tj *v, const char *path, double *out);
const char *tj_str(const struct tj *v, const char *path);
bool tj_is(const struct tj *v, const char *path, enum tj_type t);

/* OTLP/JSON: the "value" of attribute key of a span or a resource. */
const struct tj *tj_otlp_attr(const struct tj *s, const char *key);

/* Read a whole file (NUL-terminated); NULL on error. */
char *tj_slurp(const char *path, size_t *len);

#endif /* __CT_TJSON_H */
