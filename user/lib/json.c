// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Streaming JSON writer: see json.h. */
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "json.h"

void ct_json_init(struct ct_json *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

int ct_json_error(const struct ct_json *w)
{
	return w->misuse || w->depth != 0 || w->want_value || ferror(w->f);
}

/* Called before every value: comma if needed, checks a key is due. */
static void before_value(struct ct_json *w)
{
	if (w->want_value) {
		w->want_value = false;
		return;
	}
	if (w->depth > 0) {
		if (w->is_obj[w->depth - 1])
			w->misuse = true;	/* value without a key */
		if (w->nonempty[w->depth - 1])
			fputc(',', w->f);
		w->nonempty[w->depth - 1] = true;
	}
}

static void open_container(struct ct_json *w, bool obj)
{
	before_value(w);
	fputc(obj ? '{' : '[', w->f);
	if (w->depth >= CT_JSON_MAX_DEPTH) {
		w->misuse = true;
		return;
	}
	w->is_obj[w->depth] = obj;
	w->nonempty[w->depth] = false;
	w->depth++;
}

static void close_container(struct ct_json *w, bool obj)
{
	if (w->depth == 0 || w->is_obj[w->depth - 1] != obj || w->want_value)
		w->misuse = true;
	else
		w->depth--;
	fputc(obj ? '}' : ']', w->f);
}

void ct_json_start_object(struct ct_json *w)
{
	open_container(w, true);
}

void ct_json_end_object(struct ct_json *w)
{
	close_container(w, true);
}

void ct_json_start_array(struct ct_json *w)
{
	open_container(w, false);
}

void ct_json_end_array(struct ct_json *w)
{
	close_container(w, false);
}

size_t ct_utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;	/* continuation byte, 0xc0/0xc1, 0xf5.. */
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong 3/4-byte forms, UTF-16 surrogates, beyond Unicode */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

static void put_escaped_byte(FILE *f, unsigned char c)
{
	switch (c) {
	case '"':  fputs("\\\"", f); break;
	case '\\': fputs("\\\\", f); break;
	case '\n': fputs("\\n", f); break;
	case '\r': fputs("\\r", f); break;
	case '\t': fputs("\\t", f); break;
	case '\b': fputs("\\b", f); break;
	case '\f': fputs("\\f", f); break;
	default:
		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

/* Quoted, escaped string: no writer state involved. */
static void put_string(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = s ? strnlen(s, len) : 0, i = 0, sl;

	fputc('"', f);
	while (i < n) {
		sl = ct_utf8_seq_len(p + i, n - i);
		if (sl == 0) {
			/* untrusted bytes: keep the output valid UTF-8 */
			fputs("\\ufffd", f);
			i++;
		} else if (sl == 1) {
			put_escaped_byte(f, p[i++]);
		} else {
			fwrite(p + i, 1, sl, f);
			i += sl;
		}
	}
	fputc('"', f);
}

void ct_json_string_n(struct ct_json *w, const char *s, size_t len)
{
	before_value(w);
	put_string(w->f, s, len);
}

void ct_json_string(struct ct_json *w, const char *s)
{
	ct_json_string_n(w, s, SIZE_MAX);
}

void ct_json_key(struct ct_json *w, const char *key)
{
	if (w->depth == 0 || !w->is_obj[w->depth - 1] || w->want_value) {
		w->misuse = true;
	} else {
		if (w->nonempty[w->depth - 1])
			fputc(',', w->f);
		w->nonempty[w->depth - 1] = true;
	}
	put_string(w->f, key, SIZE_MAX);
	fputc(':', w->f);
	w->want_value = true;
}

void ct_json_u64(struct ct_json *w, uint64_t v)
{
	before_value(w);
	fprintf(w->f, "%" PRIu64, v);
}

void ct_json_s64(struct ct_json *w, int64_t v)
{
	before_value(w);
	fprintf(w->f, "%" PRId64, v);
}

void ct_json_double(struct ct_json *w, double v)
{
	before_value(w);
	if (!isfinite(v))
		fputs("null", w->f);
	else
		fprintf(w->f, "%.10g", v);
}

void ct_fprint_decimal(FILE *f, uint64_t v, unsigned int digits)
{
	uint64_t scale = 1;
	unsigned int i;

	for (i = 0; i < digits && i < 19; i++)
		scale *= 10;
	if (scale == 1)
		fprintf(f, "%" PRIu64, v);
	else
		fprintf(f, "%" PRIu64 ".%0*" PRIu64, v / scale, (int)i,
			v % scale);
}

void ct_json_decimal(struct ct_json *w, uint64_t v, unsigned int digits)
{
	before_value(w);
	ct_fprint_decimal(w->f, v, digits);
}

void ct_json_bool(struct ct_json *w, bool v)
{
	before_value(w);
	fputs(v ? "true" : "false", w->f);
}

void ct_json_null(struct ct_json *w)
{
	before_value(w);
	fputs("null", w->f);
}

void ct_json_kv_string(struct ct_json *w, const char *k, const char *v)
{
	ct_json_key(w, k);
	ct_json_string(w, v);
}

void ct_json_kv_u64(struct ct_json *w, const char *k, uint64_t v)
{
	ct_json_key(w, k);
	ct_json_u64(w, v);
}

void ct_json_kv_u64_or_null(struct ct_json *w, const char *k, uint64_t v)
{
	ct_json_key(w, k);
	if (v)
		ct_json_u64(w, v);
	else
		ct_json_null(w);
}

void ct_json_kv_s64(struct ct_json *w, const char *k, int64_t v)
{
	ct_json_key(w, k);
	ct_json_s64(w, v);
}

void ct_json_kv_double(struct ct_json *w, const char *k, double v)
{
	ct_json_key(w, k);
	ct_json_double(w, v);
}

void ct_json_kv_bool(struct ct_json *w, const char *k, bool v)
{
	ct_json_key(w, k);
	ct_json_bool(w, v);
}
