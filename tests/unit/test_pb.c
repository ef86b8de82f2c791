// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The protobuf writer (pb.c) against the wire format's own examples
 * (protobuf.dev, "Encoding": 150 is 96 01, a string field 2 "testing" is
 * 12 07 74 65 73 74 69 6e 67, message Test1 { a = 150 } nested as field
 * 3 is 1a 03 08 96 01) and against lengths counted by hand at each
 * varint boundary.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include "pb.h"

static void expect_bytes(const struct ct_pb *b, const uint8_t *want,
			 size_t n)
{
	cr_assert_eq(ct_pb_error(b), 0);
	cr_assert_eq(b->len, n, "%zu bytes, expected %zu", b->len, n);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(b->buf[i], want[i], "byte %zu: %02x, not %02x", i,
			     b->buf[i], want[i]);
}

struct vec {
	uint64_t v;
	uint8_t bytes[CT_PB_VARINT_MAX];
	size_t n;
};

Test(pb, varints_at_each_boundary)
{
	static const struct vec vs[] = {
		{ 0, { 0x00 }, 1 },
		{ 1, { 0x01 }, 1 },
		{ 127, { 0x7f }, 1 },
		{ 128, { 0x80, 0x01 }, 2 },
		{ 150, { 0x96, 0x01 }, 2 },
		{ 300, { 0xac, 0x02 }, 2 },
		{ 16383, { 0xff, 0x7f }, 2 },
		{ 16384, { 0x80, 0x80, 0x01 }, 3 },
		{ 0xffffffffull, { 0xff, 0xff, 0xff, 0xff, 0x0f }, 5 },
		/* int64 -1: two's complement, ten bytes */
		{ UINT64_MAX, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				0xff, 0x01 }, 10 },
	};
	uint8_t out[CT_PB_VARINT_MAX];

	for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
		memset(out, 0xee, sizeof(out));
		cr_assert_eq(ct_pb_put_varint(out, vs[i].v), vs[i].n,
			     "%llu", (unsigned long long)vs[i].v);
		cr_assert_eq(ct_pb_varint_len(vs[i].v), vs[i].n);
		cr_assert_arr_eq(out, vs[i].bytes, vs[i].n, "%llu",
				 (unsigned long long)vs[i].v);
	}
}

/* protobuf.dev's three examples, one after another in one message. */
Test(pb, the_encoding_guides_examples)
{
	static const uint8_t want[] = {
		0x08, 0x96, 0x01,
		0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g',
		0x1a, 0x03, 0x08, 0x96, 0x01,
	};
	struct ct_pb b;

	ct_pb_init(&b);
	ct_pb_varint(&b, 1, 150);
	ct_pb_string(&b, 2, "testing", 64);
	ct_pb_begin(&b, 3);
	ct_pb_varint(&b, 1, 150);
	ct_pb_end(&b);
	expect_bytes(&b, want, sizeof(want));
	ct_pb_free(&b);
}

/* fixed64 and double: little endian, wire type 1 (tag 0x09 for 1). */
Test(pb, fixed64_little_endian)
{
	static const uint8_t want[] = {
		0x39, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
		/* 1.0: 0x3ff0000000000000 */
		0x21, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f,
	};
	struct ct_pb b;

	ct_pb_init(&b);
	ct_pb_fixed64(&b, 7, 0x0102030405060708ull);
	ct_pb_double(&b, 4, 1.0);
	expect_bytes(&b, want, sizeof(want));
	ct_pb_free(&b);
}

/*
 * A nested message (field 5) holding a bytes field 15 of m bytes: its
 * body is 1 + len(m) + m bytes, whose length takes one more byte at
 * 128 and at 16384.  Lengths counted by hand.
 */
struct nest {
	size_t m;
	uint8_t outer[3];	/* the body's length as a varint */
	size_t no;
	uint8_t inner[3];	/* m as a varint */
	size_t ni;
};

Test(pb, nested_lengths_at_the_boundaries)
{
	static const struct nest ns[] = {
		{ 0, { 0x02 }, 1, { 0x00 }, 1 },
		{ 125, { 0x7f }, 1, { 0x7d }, 1 },		/* 127 */
		{ 126, { 0x80, 0x01 }, 2, { 0x7e }, 1 },	/* 128 */
		{ 16380, { 0xff, 0x7f }, 2, { 0xfc, 0x7f }, 2 },  /* 16383 */
		{ 16381, { 0x80, 0x80, 0x01 }, 3, { 0xfd, 0x7f }, 2 },
	};
	static uint8_t body[16384];
	struct ct_pb b;

	memset(body, 0x5a, sizeof(body));
	ct_pb_init(&b);
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		const struct nest *t = &ns[i];
		size_t at = 0;

		ct_pb_reset(&b);
		ct_pb_begin(&b, 5);
		ct_pb_bytes(&b, 15, body, t->m);
		ct_pb_end(&b);
		cr_assert_eq(ct_pb_error(&b), 0);
		cr_assert_eq(b.len, 1 + t->no + 1 + t->ni + t->m, "m %zu",
			     t->m);
		cr_assert_eq(b.buf[at++], 5 << 3 | CT_PB_LEN);
		cr_assert_arr_eq(b.buf + at, t->outer, t->no, "m %zu", t->m);
		at += t->no;
		cr_assert_eq(b.buf[at++], 15 << 3 | CT_PB_LEN);
		cr_assert_arr_eq(b.buf + at, t->inner, t->ni, "m %zu", t->m);
		at += t->ni;
		cr_assert_arr_eq(b.buf + at, body, t->m);
	}
	ct_pb_free(&b);
}

/* Two levels: the inner length is counted in the outer one. */
Test(pb, two_levels)
{
	static const uint8_t want[] = {
		0x0a, 0x07,			/* 1: 7 bytes */
		0x12, 0x03, 0x08, 0x96, 0x01,	/* 2: { 1: 150 } */
		0x18, 0x01,			/* 3: 1 */
		0x10, 0x00,			/* 2: 0 */
	};
	struct ct_pb b;

	ct_pb_init(&b);
	ct_pb_begin(&b, 1);
	ct_pb_begin(&b, 2);
	ct_pb_varint(&b, 1, 150);
	ct_pb_end(&b);
	ct_pb_varint(&b, 3, 1);
	ct_pb_end(&b);
	ct_pb_varint(&b, 2, 0);
	expect_bytes(&b, want, sizeof(want));
	ct_pb_free(&b);
}

/* Invalid UTF-8 becomes U+FFFD, and the length counts what is written. */
Test(pb, strings_are_utf8)
{
	static const uint8_t want[] = {
		0x0a, 0x08, 'a', 0xef, 0xbf, 0xbd, 0xc3, 0xa9, 'b', 'c',
	};
	struct ct_pb b;

	ct_pb_init(&b);
	/* a lone continuation byte, then é, then "bc" cut by n */
	ct_pb_string(&b, 1, "a\x80\xc3\xa9" "bcdef", 6);
	expect_bytes(&b, want, sizeof(want));
	ct_pb_free(&b);
}

Test(pb, misuse_is_an_error)
{
	struct ct_pb b;

	ct_pb_init(&b);
	ct_pb_end(&b);
	cr_expect_eq(ct_pb_error(&b), -EINVAL);
	ct_pb_reset(&b);
	ct_pb_begin(&b, 1);
	cr_expect_eq(ct_pb_error(&b), -EINVAL, "left open");
	ct_pb_reset(&b);
	for (int i = 0; i <= CT_PB_DEPTH; i++)
		ct_pb_begin(&b, 1);
	cr_expect_eq(ct_pb_error(&b), -EINVAL, "too deep");
	ct_pb_free(&b);
}
