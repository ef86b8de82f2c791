/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What otlp.c's walk of a record says, and the encodings that write it:
 * OTLP/JSON for -o DIR/otlp-traces.jsonl (otlp_json.c), protobuf for
 * --otlp (otlp_pb.c).  One walk for both, so that the file and what a
 * collector gets never differ.  The calls of one request, in order:
 *
 *   begin, attr* (the resource's), scope,
 *   (span, attr*, (event, attr*)*, span_end)*, end
 *
 * (ExportTraceServiceRequest, one ResourceSpans and one ScopeSpans.)
 */
#ifndef __CT_OTLP_ENC_H
#define __CT_OTLP_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The semantic conventions the attributes follow (docs/output.md), and
 * their schema, which ResourceSpans and ScopeSpans name.
 */
#define CT_OTLP_SEMCONV		"1.44.0"
#define CT_OTLP_SCHEMA_URL	"https://opentelemetry.io/schemas/" \
				CT_OTLP_SEMCONV

/* AnyValue's kinds that coldtrace sends */
enum ct_otlp_type {
	CT_OTLP_STR,
	CT_OTLP_INT,
	CT_OTLP_BOOL,
	CT_OTLP_DOUBLE,
	CT_OTLP_STR_LIST,	/* an ArrayValue of the one string s */
};

struct ct_otlp_attr {
	const char *key;
	enum ct_otlp_type type;
	const char *s;		/* STR, STR_LIST: n bytes at most */
	size_t n;
	int64_t i;
	bool b;
	double d;
};

/* SpanKind: an operation inside (the only kind sent) */
#define CT_OTLP_KIND_INTERNAL	1
/* Status.code */
#define CT_OTLP_STATUS_ERROR	2

struct ct_otlp_span {
	uint64_t trace[2];	/* the 16 bytes of trace_id, never all 0 */
	uint64_t id;		/* never 0 */
	uint64_t parent;	/* 0: the trace's root */
	const char *name;
	uint64_t start_ns;	/* wall clock */
	uint64_t end_ns;
};

struct ct_otlp_enc;

struct ct_otlp_enc_ops {
	void (*begin)(struct ct_otlp_enc *e);
	void (*scope)(struct ct_otlp_enc *e, const char *name,
		      const char *version);
	void (*span)(struct ct_otlp_enc *e, const struct ct_otlp_span *s);
	void (*attr)(struct ct_otlp_enc *e, const struct ct_otlp_attr *a);
	/* a Span.Event of the span: the attrs that follow are its own */
	void (*event)(struct ct_otlp_enc *e, const char *name,
		      uint64_t time_ns);
	/* code 0: no status (unset) */
	void (*span_end)(struct ct_otlp_enc *e, int code, const char *msg);
	void (*end)(struct ct_otlp_enc *e);
};

struct ct_otlp_enc {
	const struct ct_otlp_enc_ops *ops;
	void *out;		/* the encoding's writer */
	bool attrs_open;	/* OTLP/JSON: an "attributes" array is */
	bool in_event;		/* a span's event is open */
	size_t spans;		/* spans written */
};

extern const struct ct_otlp_enc_ops ct_otlp_json_ops;	/* out: ct_json */
extern const struct ct_otlp_enc_ops ct_otlp_pb_ops;	/* out: ct_pb */

#endif /* __CT_OTLP_ENC_H */
