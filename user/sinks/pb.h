/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Protocol Buffers' wire format, writing only: what --otlp sends
 * (otlp_pb.c) is a handful of messages whose field numbers the OTLP
 * .proto files give, so a writer of fields is all it takes, with no
 * generated code and no library.
 *
 * A field is its tag (number << 3 | wire type) as a varint, then its
 * value: a varint (LEB128, 7 bits a byte, low first), 8 bytes little
 * endian (fixed64, double), or a length as a varint and that many bytes
 * (strings, bytes, nested messages).  A nested message's length is known
 * only once it is written: ct_pb_begin() notes where its body starts,
 * ct_pb_end() moves the body up by the length's own size and writes the
 * length before it, the shortest varint as parsers expect.
 *
 * Errors are sticky (out of memory, nesting deeper than CT_PB_DEPTH, an
 * end without a begin): the writer keeps going without writing and
 * ct_pb_error() says so once the message is done.
 */
#ifndef __CT_PB_H
#define __CT_PB_H

#include <stddef.h>
#include <stdint.h>

enum ct_pb_wire {
	CT_PB_VARINT = 0,
	CT_PB_I64 = 1,
	CT_PB_LEN = 2,
};

/* OTLP's deepest: request > resource spans > scope spans > span >
 * attribute > value > array > value */
#define CT_PB_DEPTH		12
/* The longest varint: 64 bits in 7-bit groups. */
#define CT_PB_VARINT_MAX	10

struct ct_pb {
	uint8_t *buf;
	size_t len;
	size_t cap;
	size_t open[CT_PB_DEPTH];	/* body starts of the open messages */
	int depth;
	int error;	/* 0, -ENOMEM or -EINVAL (misuse): sticky */
};

void ct_pb_init(struct ct_pb *b);
void ct_pb_free(struct ct_pb *b);
/* Empty again, its memory kept: one buffer for every record. */
void ct_pb_reset(struct ct_pb *b);
/* -ENOMEM or -EINVAL (misuse, a message left open), else 0. */
int ct_pb_error(const struct ct_pb *b);

/* v as a varint into p (CT_PB_VARINT_MAX bytes of room): its length. */
size_t ct_pb_put_varint(uint8_t *p, uint64_t v);
/* The bytes v takes as a varint: 1 to CT_PB_VARINT_MAX. */
size_t ct_pb_varint_len(uint64_t v);

/* uint32, uint64, int64 (a negative one takes 10 bytes), enum, bool */
void ct_pb_varint(struct ct_pb *b, uint32_t field, uint64_t v);
void ct_pb_fixed64(struct ct_pb *b, uint32_t field, uint64_t v);
void ct_pb_double(struct ct_pb *b, uint32_t field, double v);
void ct_pb_bytes(struct ct_pb *b, uint32_t field, const void *p, size_t n);
/*
 * At most n bytes of s, up to its NUL: proto3 strings must be UTF-8, so
 * an invalid sequence of these untrusted bytes (a container's name, an
 * argv) becomes U+FFFD, as the JSON writer does, rather than the whole
 * request being refused by the collector's parser.
 */
void ct_pb_string(struct ct_pb *b, uint32_t field, const char *s, size_t n);
/* A nested message: field's body is what is written until ct_pb_end(). */
void ct_pb_begin(struct ct_pb *b, uint32_t field);
void ct_pb_end(struct ct_pb *b);

#endif /* __CT_PB_H */
