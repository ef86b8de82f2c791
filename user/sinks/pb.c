// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Protocol Buffers' wire format, writing only: see pb.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"	/* ct_utf8_seq_len() */
#include "pb.h"
#include "util.h"

/* U+FFFD, what an invalid byte becomes */
#define REPLACEMENT	"\xef\xbf\xbd"

void ct_pb_init(struct ct_pb *b)
{
	memset(b, 0, sizeof(*b));
}

void ct_pb_free(struct ct_pb *b)
{
	free(b->buf);
	ct_pb_init(b);
}

void ct_pb_reset(struct ct_pb *b)
{
	b->len = 0;
	b->depth = 0;
	b->error = 0;
}

int ct_pb_error(const struct ct_pb *b)
{
	return b->error ? b->error : b->depth ? -EINVAL : 0;
}

size_t ct_pb_varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

size_t ct_pb_put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* Room for n more bytes; false (and the error set) if there is none. */
static bool room(struct ct_pb *b, size_t n)
{
	if (b->error)
		return false;
	if (ct_room((void **)&b->buf, &b->cap, b->len + n, 1)) {
		b->error = -ENOMEM;
		return false;
	}
	return true;
}

static void put_varint(struct ct_pb *b, uint64_t v)
{
	if (room(b, CT_PB_VARINT_MAX))
		b->len += ct_pb_put_varint(b->buf + b->len, v);
}

static void put_raw(struct ct_pb *b, const void *p, size_t n)
{
	if (n && room(b, n)) {
		memcpy(b->buf + b->len, p, n);
		b->len += n;
	}
}

static void tag(struct ct_pb *b, uint32_t field, enum ct_pb_wire w)
{
	put_varint(b, (uint64_t)field << 3 | w);
}

void ct_pb_varint(struct ct_pb *b, uint32_t field, uint64_t v)
{
	tag(b, field, CT_PB_VARINT);
	put_varint(b, v);
}

/* Little endian whatever the host's order. */
void ct_pb_fixed64(struct ct_pb *b, uint32_t field, uint64_t v)
{
	uint8_t le[8];

	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(v >> (8 * i));
	tag(b, field, CT_PB_I64);
	put_raw(b, le, sizeof(le));
}

void ct_pb_double(struct ct_pb *b, uint32_t field, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	ct_pb_fixed64(b, field, bits);
}

void ct_pb_bytes(struct ct_pb *b, uint32_t field, const void *p, size_t n)
{
	tag(b, field, CT_PB_LEN);
	put_varint(b, n);
	put_raw(b, p, n);
}

/* The bytes s[0..n) takes once each invalid byte is U+FFFD. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t i = 0, out = 0, sl;

	while (i < n) {
		sl = ct_utf8_seq_len(s + i, n - i);
		out += sl ? sl : sizeof(REPLACEMENT) - 1;
		i += sl ? sl : 1;
	}
	return out;
}

void ct_pb_string(struct ct_pb *b, uint32_t field, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, sl;

	n = s ? strnlen(s, n) : 0;
	tag(b, field, CT_PB_LEN);
	put_varint(b, utf8_len(p, n));
	while (i < n) {
		sl = ct_utf8_seq_len(p + i, n - i);
		if (sl)
			put_raw(b, p + i, sl);
		else
			put_raw(b, REPLACEMENT, sizeof(REPLACEMENT) - 1);
		i += sl ? sl : 1;
	}
}

void ct_pb_begin(struct ct_pb *b, uint32_t field)
{
	if (b->depth == CT_PB_DEPTH) {
		b->error = -EINVAL;
		return;
	}
	tag(b, field, CT_PB_LEN);
	b->open[b->depth++] = b->len;
}

/* The body moves up by its length's size, the length goes before it. */
void ct_pb_end(struct ct_pb *b)
{
	size_t start, n, k;

	if (!b->depth) {
		b->error = -EINVAL;
		return;
	}
	start = b->open[--b->depth];
	if (b->error)
		return;
	n = b->len - start;
	k = ct_pb_varint_len(n);
	if (!room(b, k))
		return;
	memmove(b->buf + start + k, b->buf + start, n);
	ct_pb_put_varint(b->buf + start, n);
	b->len += k;
}
