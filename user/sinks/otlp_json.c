// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * OTLP/JSON (otlp_enc.h): the protobuf JSON mapping with OTLP's
 * exceptions, as the Collector's otlpjsonfile receiver reads it: ids
 * are lowercase hex, not base64; 64-bit integers are strings; enums
 * are numbers; keys are lowerCamelCase.
 */
#include <inttypes.h>
#include <stdio.h>
#include "json.h"
#include "otlp_enc.h"

static struct ct_json *W(struct ct_otlp_enc *e)
{
	return e->out;
}

static void hex_id(struct ct_json *w, const char *key, const uint64_t *v,
		   size_t n)
{
	char buf[33];

	for (size_t i = 0; i < n; i++)
		snprintf(buf + 16 * i, 17, "%016" PRIx64, v[i]);
	ct_json_kv_string(w, key, buf);
}

static void nanos(struct ct_json *w, const char *key, uint64_t ns)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, ns);
	ct_json_kv_string(w, key, buf);
}

/* {"resourceSpans":[{"resource":{"attributes":[ */
static void json_begin(struct ct_otlp_enc *e)
{
	struct ct_json *w = W(e);

	ct_json_start_object(w);
	ct_json_key(w, "resourceSpans");
	ct_json_start_array(w);
	ct_json_start_object(w);
	ct_json_key(w, "resource");
	ct_json_start_object(w);
	ct_json_key(w, "attributes");
	ct_json_start_array(w);
}

/* ]},"scopeSpans":[{"scope":{...},"schemaUrl":...,"spans":[ */
static void json_scope(struct ct_otlp_enc *e, const char *name,
		       const char *version)
{
	struct ct_json *w = W(e);

	ct_json_end_array(w);
	ct_json_end_object(w);
	ct_json_key(w, "scopeSpans");
	ct_json_start_array(w);
	ct_json_start_object(w);
	ct_json_key(w, "scope");
	ct_json_start_object(w);
	ct_json_kv_string(w, "name", name);
	ct_json_kv_string(w, "version", version);
	ct_json_end_object(w);
	ct_json_kv_string(w, "schemaUrl", CT_OTLP_SCHEMA_URL);
	ct_json_key(w, "spans");
	ct_json_start_array(w);
}

static void json_span(struct ct_otlp_enc *e, const struct ct_otlp_span *s)
{
	struct ct_json *w = W(e);

	ct_json_start_object(w);
	hex_id(w, "traceId", s->trace, 2);
	hex_id(w, "spanId", &s->id, 1);
	if (s->parent)
		hex_id(w, "parentSpanId", &s->parent, 1);
	ct_json_kv_string(w, "name", s->name);
	ct_json_kv_u64(w, "kind", CT_OTLP_KIND_INTERNAL);
	nanos(w, "startTimeUnixNano", s->start_ns);
	nanos(w, "endTimeUnixNano", s->end_ns);
	e->attrs_open = false;
}

/* {"key":K,"value":{TYPE:V}}; a span's first opens its array */
static void json_attr(struct ct_otlp_enc *e, const struct ct_otlp_attr *a)
{
	struct ct_json *w = W(e);
	char buf[24];

	if (e->spans && !e->attrs_open) {
		ct_json_key(w, "attributes");
		ct_json_start_array(w);
		e->attrs_open = true;
	}
	ct_json_start_object(w);
	ct_json_kv_string(w, "key", a->key);
	ct_json_key(w, "value");
	ct_json_start_object(w);
	switch (a->type) {
	case CT_OTLP_STR:
		ct_json_key(w, "stringValue");
		ct_json_string_n(w, a->s, a->n);
		break;
	case CT_OTLP_INT:	/* int64: a string */
		snprintf(buf, sizeof(buf), "%" PRId64, a->i);
		ct_json_kv_string(w, "intValue", buf);
		break;
	case CT_OTLP_BOOL:
		ct_json_kv_bool(w, "boolValue", a->b);
		break;
	case CT_OTLP_DOUBLE:
		ct_json_kv_double(w, "doubleValue", a->d);
		break;
	case CT_OTLP_STR_LIST:
		ct_json_key(w, "arrayValue");
		ct_json_start_object(w);
		ct_json_key(w, "values");
		ct_json_start_array(w);
		ct_json_start_object(w);
		ct_json_key(w, "stringValue");
		ct_json_string_n(w, a->s, a->n);
		ct_json_end_object(w);
		ct_json_end_array(w);
		ct_json_end_object(w);
		break;
	}
	ct_json_end_object(w);
	ct_json_end_object(w);
}

/* the span's attributes, or the last event's, closed; "events":[ once */
static void json_event(struct ct_otlp_enc *e, const char *name,
		       uint64_t time_ns)
{
	struct ct_json *w = W(e);

	if (e->attrs_open)
		ct_json_end_array(w);
	if (e->in_event) {
		ct_json_end_object(w);
	} else {
		ct_json_key(w, "events");
		ct_json_start_array(w);
	}
	e->attrs_open = false;
	e->in_event = true;
	ct_json_start_object(w);
	nanos(w, "timeUnixNano", time_ns);
	ct_json_kv_string(w, "name", name);
}

static void json_span_end(struct ct_otlp_enc *e, int code, const char *msg)
{
	struct ct_json *w = W(e);

	if (e->attrs_open)
		ct_json_end_array(w);
	if (e->in_event) {
		ct_json_end_object(w);
		ct_json_end_array(w);
	}
	e->attrs_open = false;
	e->in_event = false;
	if (code) {
		ct_json_key(w, "status");
		ct_json_start_object(w);
		ct_json_kv_string(w, "message", msg);
		ct_json_kv_u64(w, "code", (uint64_t)code);
		ct_json_end_object(w);
	}
	ct_json_end_object(w);
}

/* ]}],"schemaUrl":...}]} */
static void json_end(struct ct_otlp_enc *e)
{
	struct ct_json *w = W(e);

	ct_json_end_array(w);
	ct_json_end_object(w);
	ct_json_end_array(w);
	ct_json_kv_string(w, "schemaUrl", CT_OTLP_SCHEMA_URL);
	ct_json_end_object(w);
	ct_json_end_array(w);
	ct_json_end_object(w);
}

const struct ct_otlp_enc_ops ct_otlp_json_ops = {
	.begin = json_begin,
	.scope = json_scope,
	.span = json_span,
	.attr = json_attr,
	.event = json_event,
	.span_end = json_span_end,
	.end = json_end,
};
