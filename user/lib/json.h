/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One small streaming JSON writer (bpftool json_writer style).  Every
 * JSON that coldtrace prints goes through it, so escaping of untrusted
 * strings (container names, argv, paths) lives in one place.
 *
 * The writer inserts commas itself: callers only say what comes next.
 * Misuse (a value where a key is due, too deep nesting, unbalanced ends)
 * is recorded and reported by ct_json_error(), never a crash.
 */
#ifndef __CT_JSON_H
#define __CT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CT_JSON_MAX_DEPTH	32

struct ct_json {
	FILE *f;
	int depth;
	bool misuse;
	bool want_value;			/* a key was just written */
	bool nonempty[CT_JSON_MAX_DEPTH];	/* container has an item */
	bool is_obj[CT_JSON_MAX_DEPTH];
};

void ct_json_init(struct ct_json *w, FILE *f);
/* Non-zero if the stream failed or the writer was misused. */
int ct_json_error(const struct ct_json *w);

void ct_json_start_object(struct ct_json *w);
void ct_json_end_object(struct ct_json *w);
void ct_json_start_array(struct ct_json *w);
void ct_json_end_array(struct ct_json *w);
void ct_json_key(struct ct_json *w, const char *key);

void ct_json_string(struct ct_json *w, const char *s);
/* At most len bytes of s, stopping at a NUL: for fixed char arrays. */
void ct_json_string_n(struct ct_json *w, const char *s, size_t len);
void ct_json_u64(struct ct_json *w, uint64_t v);
void ct_json_s64(struct ct_json *w, int64_t v);
/* Finite doubles as numbers; NaN and infinities as null. */
void ct_json_double(struct ct_json *w, double v);
/* v / 10^digits printed exactly, e.g. (1234567, 3) -> 1234.567 */
void ct_json_decimal(struct ct_json *w, uint64_t v, unsigned int digits);
void ct_json_bool(struct ct_json *w, bool v);
void ct_json_null(struct ct_json *w);

/* key + value shorthands */
void ct_json_kv_string(struct ct_json *w, const char *k, const char *v);
void ct_json_kv_u64(struct ct_json *w, const char *k, uint64_t v);
/* v, or null when it is 0 (not known). */
void ct_json_kv_u64_or_null(struct ct_json *w, const char *k, uint64_t v);
void ct_json_kv_s64(struct ct_json *w, const char *k, int64_t v);
void ct_json_kv_double(struct ct_json *w, const char *k, double v);
void ct_json_kv_bool(struct ct_json *w, const char *k, bool v);

/*
 * Length of the valid UTF-8 sequence starting at s (1..4), or 0 if the
 * byte at s does not start one (overlong forms, surrogates and code
 * points above U+10FFFF are invalid).  n is the bytes available.
 */
size_t ct_utf8_seq_len(const unsigned char *s, size_t n);

/* Write v / 10^digits exactly into f (shared by CSV and Prometheus). */
void ct_fprint_decimal(FILE *f, uint64_t v, unsigned int digits);

#endif /* __CT_JSON_H */
