// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* JSON writer: output is parsed back, never compared as a string. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "tjson.h"

struct mem {
	char *buf;
	size_t len;
	FILE *f;
	struct ct_json w;
};

static void mem_open(struct mem *m)
{
	memset(m, 0, sizeof(*m));
	m->f = open_memstream(&m->buf, &m->len);
	cr_assert_not_null(m->f);
	ct_json_init(&m->w, m->f);
}

/* Closes the stream and parses what was written; must be valid. */
static struct tj *mem_parse(struct mem *m)
{
	char err[128];
	struct tj *v;

	cr_assert_eq(ct_json_error(&m->w), 0, "writer error");
	fclose(m->f);
	v = tj_parse(m->buf, m->len, err, sizeof(err));
	cr_assert_not_null(v, "invalid JSON (%s): %s", err, m->buf);
	return v;
}

static struct tj *string_roundtrip(const char *in, size_t len)
{
	struct mem m;
	struct tj *v;

	mem_open(&m);
	ct_json_start_object(&m.w);
	ct_json_key(&m.w, "s");
	ct_json_string_n(&m.w, in, len);
	ct_json_end_object(&m.w);
	v = mem_parse(&m);
	free(m.buf);
	return v;
}

Test(json, escapes_quotes_backslash_controls)
{
	const char in[] = "a\"b\\c\nd\re\tf\x01g\x1fh\x7f/";
	struct tj *v = string_roundtrip(in, sizeof(in));

	cr_assert_str_eq(tj_str(v, "s"), in);
	tj_free(v);
}

Test(json, invalid_utf8_becomes_replacement_char)
{
	/* lone 0xff, overlong NUL, surrogate, truncated euro sign */
	const char in[] = "x\xffy\xc0\x80z\xed\xa0\x80w\xe2\x82";
	const char want[] = "x\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbdz"
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdw"
			    "\xef\xbf\xbd\xef\xbf\xbd";
	struct tj *v = string_roundtrip(in, sizeof(in));

	cr_assert_str_eq(tj_str(v, "s"), want);
	tj_free(v);
}

Test(json, valid_utf8_kept)
{
	const char in[] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
	struct tj *v = string_roundtrip(in, sizeof(in));

	cr_assert_str_eq(tj_str(v, "s"), in);
	tj_free(v);
}

Test(json, bounded_string_without_nul)
{
	char fixed[4] = { 'a', 'b', 'c', 'd' };	/* no terminator */
	struct tj *v = string_roundtrip(fixed, sizeof(fixed));

	cr_assert_str_eq(tj_str(v, "s"), "abcd");
	tj_free(v);
}

Test(json, nested_values_and_commas)
{
	struct mem m;
	struct tj *v;
	uint64_t u;
	double d;

	mem_open(&m);
	ct_json_start_object(&m.w);
	ct_json_kv_u64(&m.w, "max", UINT64_MAX);
	ct_json_kv_s64(&m.w, "min", INT64_MIN);
	ct_json_kv_double(&m.w, "half", 0.5);
	ct_json_kv_double(&m.w, "nan", NAN);
	ct_json_kv_double(&m.w, "inf", -INFINITY);
	ct_json_kv_bool(&m.w, "t", true);
	ct_json_key(&m.w, "nil");
	ct_json_null(&m.w);
	ct_json_kv_u64_or_null(&m.w, "unknown", 0);
	ct_json_kv_u64_or_null(&m.w, "known", 7);
	ct_json_key(&m.w, "arr");
	ct_json_start_array(&m.w);
	ct_json_u64(&m.w, 1);
	ct_json_start_object(&m.w);
	ct_json_end_object(&m.w);
	ct_json_start_array(&m.w);
	ct_json_end_array(&m.w);
	ct_json_decimal(&m.w, 1234567, 3);
	ct_json_decimal(&m.w, 5, 3);
	ct_json_end_array(&m.w);
	ct_json_end_object(&m.w);
	v = mem_parse(&m);
	cr_assert(tj_u64(v, "max", &u) && u == UINT64_MAX);
	cr_assert_str_eq(tj_get(v, "min")->text, "-9223372036854775808");
	cr_assert(tj_num(v, "half", &d) && d == 0.5);
	cr_assert(tj_is(v, "nan", TJ_NULL));
	cr_assert(tj_is(v, "inf", TJ_NULL));
	cr_assert(tj_get(v, "t")->b);
	cr_assert(tj_is(v, "nil", TJ_NULL));
	cr_assert(tj_is(v, "unknown", TJ_NULL));
	cr_assert(tj_u64(v, "known", &u) && u == 7);
	cr_assert_eq(tj_get(v, "arr")->n, 5);
	cr_assert(tj_is(v, "arr.1", TJ_OBJ));
	cr_assert(tj_is(v, "arr.2", TJ_ARR));
	cr_assert_str_eq(tj_get(v, "arr.3")->text, "1234.567");
	cr_assert_str_eq(tj_get(v, "arr.4")->text, "0.005");
	tj_free(v);
	free(m.buf);
}

Test(json, nasty_key_escaped)
{
	struct mem m;
	struct tj *v;

	mem_open(&m);
	ct_json_start_object(&m.w);
	ct_json_kv_string(&m.w, "k\"\n", "v");
	ct_json_end_object(&m.w);
	v = mem_parse(&m);
	cr_assert_str_eq(tj_str(v, "k\"\n"), "v");
	tj_free(v);
	free(m.buf);
}

Test(json, misuse_is_reported_not_crashed)
{
	struct mem m;

	mem_open(&m);
	ct_json_start_object(&m.w);
	ct_json_u64(&m.w, 1);		/* value without key */
	ct_json_end_object(&m.w);
	cr_assert_neq(ct_json_error(&m.w), 0);
	fclose(m.f);
	free(m.buf);

	mem_open(&m);
	ct_json_start_array(&m.w);	/* never closed */
	cr_assert_neq(ct_json_error(&m.w), 0);
	ct_json_end_object(&m.w);	/* wrong kind */
	cr_assert_neq(ct_json_error(&m.w), 0);
	fclose(m.f);
	free(m.buf);
}

Test(json, deep_nesting_bounded)
{
	struct mem m;
	int i;

	mem_open(&m);
	for (i = 0; i < CT_JSON_MAX_DEPTH + 5; i++)
		ct_json_start_array(&m.w);
	cr_assert_neq(ct_json_error(&m.w), 0);
	fclose(m.f);
	free(m.buf);
}

Test(json, utf8_seq_len)
{
	cr_assert_eq(ct_utf8_seq_len((const unsigned char *)"a", 1), 1);
	cr_assert_eq(ct_utf8_seq_len((const unsigned char *)"\xc3\xa9", 2), 2);
	cr_assert_eq(ct_utf8_seq_len((const unsigned char *)"\xc3\xa9", 1), 0);
	cr_assert_eq(ct_utf8_seq_len((const unsigned char *)"\xe0\x80\x80", 3),
		     0);	/* overlong */
	cr_assert_eq(ct_utf8_seq_len((const unsigned char *)"\xf4\x90\x80\x80",
				     4), 0);	/* > U+10FFFF */
	cr_assert_eq(ct_utf8_seq_len((const unsigned char *)"\x80", 1), 0);
}
