// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * OTLP in protobuf (otlp_enc.h), what an OTLP/HTTP collector takes by
 * default.  The field numbers are opentelemetry-proto's:
 * collector/trace/v1/trace_service.proto, trace/v1/trace.proto,
 * resource/v1/resource.proto, common/v1/common.proto.
 */
#include <string.h>
#include "otlp_enc.h"
#include "pb.h"

enum {
	REQ_RESOURCE_SPANS = 1,		/* ExportTraceServiceRequest */
	RS_RESOURCE = 1,		/* ResourceSpans */
	RS_SCOPE_SPANS = 2,
	RS_SCHEMA_URL = 3,
	RES_ATTRIBUTES = 1,		/* Resource */
	SS_SCOPE = 1,			/* ScopeSpans */
	SS_SPANS = 2,
	SS_SCHEMA_URL = 3,
	SCOPE_NAME = 1,			/* InstrumentationScope */
	SCOPE_VERSION = 2,
	SPAN_TRACE_ID = 1,		/* Span */
	SPAN_SPAN_ID = 2,
	SPAN_PARENT_SPAN_ID = 4,
	SPAN_NAME = 5,
	SPAN_KIND = 6,
	SPAN_START = 7,
	SPAN_END = 8,
	SPAN_ATTRIBUTES = 9,
	SPAN_EVENTS = 11,
	SPAN_STATUS = 15,
	EVENT_TIME = 1,			/* Span.Event */
	EVENT_NAME = 2,
	EVENT_ATTRIBUTES = 3,
	STATUS_MESSAGE = 2,		/* Status */
	STATUS_CODE = 3,
	KV_KEY = 1,			/* KeyValue */
	KV_VALUE = 2,
	ANY_STRING = 1,			/* AnyValue */
	ANY_BOOL = 2,
	ANY_INT = 3,
	ANY_DOUBLE = 4,
	ANY_ARRAY = 5,
	ARRAY_VALUES = 1,		/* ArrayValue */
};

static struct ct_pb *B(struct ct_otlp_enc *e)
{
	return e->out;
}

/* Ids as bytes in the order OTLP/JSON's hex spells them. */
static void id_bytes(struct ct_pb *b, uint32_t field, const uint64_t *v,
		     size_t n)
{
	uint8_t buf[16];

	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 8; k++)
			buf[8 * i + k] = (uint8_t)(v[i] >> (56 - 8 * k));
	ct_pb_bytes(b, field, buf, 8 * n);
}

static void pb_begin(struct ct_otlp_enc *e)
{
	ct_pb_begin(B(e), REQ_RESOURCE_SPANS);
	ct_pb_begin(B(e), RS_RESOURCE);
}

static void pb_scope(struct ct_otlp_enc *e, const char *name,
		     const char *version)
{
	struct ct_pb *b = B(e);

	ct_pb_end(b);			/* the resource */
	ct_pb_begin(b, RS_SCOPE_SPANS);
	ct_pb_begin(b, SS_SCOPE);
	ct_pb_string(b, SCOPE_NAME, name, strlen(name));
	ct_pb_string(b, SCOPE_VERSION, version, strlen(version));
	ct_pb_end(b);
	ct_pb_string(b, SS_SCHEMA_URL, CT_OTLP_SCHEMA_URL,
		     sizeof(CT_OTLP_SCHEMA_URL));
}

static void pb_span(struct ct_otlp_enc *e, const struct ct_otlp_span *s)
{
	struct ct_pb *b = B(e);

	ct_pb_begin(b, SS_SPANS);
	id_bytes(b, SPAN_TRACE_ID, s->trace, 2);
	id_bytes(b, SPAN_SPAN_ID, &s->id, 1);
	if (s->parent)
		id_bytes(b, SPAN_PARENT_SPAN_ID, &s->parent, 1);
	ct_pb_string(b, SPAN_NAME, s->name, strlen(s->name));
	ct_pb_varint(b, SPAN_KIND, CT_OTLP_KIND_INTERNAL);
	ct_pb_fixed64(b, SPAN_START, s->start_ns);
	ct_pb_fixed64(b, SPAN_END, s->end_ns);
}

/* KeyValue { key, AnyValue }: the resource's or the span's */
static void pb_attr(struct ct_otlp_enc *e, const struct ct_otlp_attr *a)
{
	struct ct_pb *b = B(e);

	ct_pb_begin(b, e->in_event ? EVENT_ATTRIBUTES :
		    e->spans ? SPAN_ATTRIBUTES : RES_ATTRIBUTES);
	ct_pb_string(b, KV_KEY, a->key, strlen(a->key));
	ct_pb_begin(b, KV_VALUE);
	switch (a->type) {
	case CT_OTLP_STR:
		ct_pb_string(b, ANY_STRING, a->s, a->n);
		break;
	case CT_OTLP_INT:
		ct_pb_varint(b, ANY_INT, (uint64_t)a->i);
		break;
	case CT_OTLP_BOOL:	/* in a oneof: false is written too */
		ct_pb_varint(b, ANY_BOOL, a->b);
		break;
	case CT_OTLP_DOUBLE:
		ct_pb_double(b, ANY_DOUBLE, a->d);
		break;
	case CT_OTLP_STR_LIST:
		ct_pb_begin(b, ANY_ARRAY);
		ct_pb_begin(b, ARRAY_VALUES);
		ct_pb_string(b, ANY_STRING, a->s, a->n);
		ct_pb_end(b);
		ct_pb_end(b);
		break;
	}
	ct_pb_end(b);
	ct_pb_end(b);
}

static void pb_event(struct ct_otlp_enc *e, const char *name,
		     uint64_t time_ns)
{
	struct ct_pb *b = B(e);

	if (e->in_event)
		ct_pb_end(b);
	e->in_event = true;
	ct_pb_begin(b, SPAN_EVENTS);
	ct_pb_fixed64(b, EVENT_TIME, time_ns);
	ct_pb_string(b, EVENT_NAME, name, strlen(name));
}

static void pb_span_end(struct ct_otlp_enc *e, int code, const char *msg)
{
	struct ct_pb *b = B(e);

	if (e->in_event)
		ct_pb_end(b);
	e->in_event = false;

	if (code) {
		ct_pb_begin(b, SPAN_STATUS);
		ct_pb_string(b, STATUS_MESSAGE, msg, strlen(msg));
		ct_pb_varint(b, STATUS_CODE, (uint64_t)code);
		ct_pb_end(b);
	}
	ct_pb_end(b);
}

static void pb_end(struct ct_otlp_enc *e)
{
	struct ct_pb *b = B(e);

	ct_pb_end(b);			/* the scope's spans */
	ct_pb_string(b, RS_SCHEMA_URL, CT_OTLP_SCHEMA_URL,
		     sizeof(CT_OTLP_SCHEMA_URL));
	ct_pb_end(b);			/* the resource's */
}

const struct ct_otlp_enc_ops ct_otlp_pb_ops = {
	.begin = pb_begin,
	.scope = pb_scope,
	.span = pb_span,
	.attr = pb_attr,
	.event = pb_event,
	.span_end = pb_span_end,
	.end = pb_end,
};
