// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* -o DIR/otlp-traces.jsonl: containers as OTLP/JSON traces (otlp.h). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "json.h"
#include "otlp.h"
#include "util.h"

#define OTLP_KIND_INTERNAL	1	/* SpanKind: an operation inside */
#define OTLP_STATUS_ERROR	2	/* StatusCode */

/* splitmix64's finalizer: every input bit moves every output bit. */
static uint64_t mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The id's hash, then the first phase start: one seed per container. */
static uint64_t container_seed(const struct ct_container *c)
{
	return mix(ct_fnv1a(c->id, strnlen(c->id, sizeof(c->id))) ^
		   c->first_ns);
}

/* OTLP/JSON ids are lowercase hex, never all zero (invalid). */
static void hex_id(struct ct_json *w, const char *key, const uint64_t *v,
		   size_t n)
{
	char buf[33];

	for (size_t i = 0; i < n; i++)
		snprintf(buf + 16 * i, 17, "%016" PRIx64, v[i] ? v[i] : 1);
	ct_json_kv_string(w, key, buf);
}

/* Span k of a container: 0 its root, 1 + p its phase p, 1 + CT_PH_MAX
 * its creation when it was made apart (SPAN_CREATED). */
#define SPAN_CREATED	(1 + CT_PH_MAX)

static void span_ids(struct ct_json *w, uint64_t seed, int k)
{
	uint64_t trace[2] = { seed, mix(seed + 1) }, span = mix(seed + 2 + k);
	uint64_t root = mix(seed + 2);

	hex_id(w, "traceId", trace, 2);
	hex_id(w, "spanId", &span, 1);
	if (k)
		hex_id(w, "parentSpanId", &root, 1);
}

/* fixed64 fields are strings in OTLP/JSON */
static void nanos(struct ct_json *w, const char *key, uint64_t ns)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, ns);
	ct_json_kv_string(w, key, buf);
}

/* {"key": K, "value": {TYPE: ...}}: the value is the caller's */
static void attr_begin(struct ct_json *w, const char *key, const char *type)
{
	ct_json_start_object(w);
	ct_json_kv_string(w, "key", key);
	ct_json_key(w, "value");
	ct_json_start_object(w);
	ct_json_key(w, type);
}

static void attr_end(struct ct_json *w)
{
	ct_json_end_object(w);
	ct_json_end_object(w);
}

static void attr_str_n(struct ct_json *w, const char *key, const char *v,
		       size_t n)
{
	attr_begin(w, key, "stringValue");
	ct_json_string_n(w, v, strnlen(v, n));
	attr_end(w);
}

static void attr_str(struct ct_json *w, const char *key, const char *v)
{
	attr_str_n(w, key, v, strlen(v));
}

/* int64 is a string in OTLP/JSON too */
static void attr_int(struct ct_json *w, const char *key, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	attr_begin(w, key, "intValue");
	ct_json_string(w, buf);
	attr_end(w);
}

static void attr_bool(struct ct_json *w, const char *key, bool v)
{
	attr_begin(w, key, "boolValue");
	ct_json_bool(w, v);
	attr_end(w);
}

static void resource(struct ct_json *w, const struct ct_meta *meta)
{
	ct_json_key(w, "resource");
	ct_json_start_object(w);
	ct_json_key(w, "attributes");
	ct_json_start_array(w);
	attr_str(w, "service.name", "coldtrace");
	attr_str(w, "service.version", meta->version);
	attr_str(w, "os.type", "linux");
	attr_str(w, "os.version", meta->kernel);
	if (meta->host_name)
		attr_str(w, "host.name", meta->host_name);
	if (meta->host_id)
		attr_str(w, "host.id", meta->host_id);
	if (meta->node_name)
		attr_str(w, "k8s.node.name", meta->node_name);
	attr_int(w, "coldtrace.lost_events", (int64_t)meta->lost_events);
	ct_json_end_array(w);
	ct_json_end_object(w);
}

/*
 * OpenTelemetry's container.runtime.name is what manages the container
 * (docker, containerd, podman); one run by hand (direct) is its OCI
 * runtime's.  coldtrace.runtime keeps the OCI runtime of every one.
 */
static const char *otel_runtime_name(const struct ct_container *c)
{
	switch (c->engine) {
	case CT_ENG_CRI:
		return "containerd";
	case CT_ENG_DIRECT:
		return c->runtime != CT_RT_UNKNOWN ?
		       ct_runtime_name(c->runtime) : NULL;
	case CT_ENG_UNKNOWN:
		return NULL;
	default:
		return ct_engine_name(c->engine);
	}
}

/* What the record says of the container, on its root span. */
static void container_attrs(struct ct_json *w, const struct ct_container *c)
{
	ct_json_key(w, "attributes");
	ct_json_start_array(w);
	attr_str_n(w, "container.id", c->id, sizeof(c->id));
	if (c->name[0])
		attr_str_n(w, "container.name", c->name, sizeof(c->name));
	if (otel_runtime_name(c))
		attr_str(w, "container.runtime.name", otel_runtime_name(c));
	attr_str(w, "coldtrace.runtime", ct_runtime_name(c->runtime));
	attr_str(w, "coldtrace.engine", ct_engine_name(c->engine));
	attr_bool(w, "coldtrace.complete", c->complete);
	if (c->has_exit_code)
		attr_int(w, "coldtrace.exit_code", c->exit_code);
	if (c->pod[0])
		attr_str_n(w, "coldtrace.pod", c->pod, sizeof(c->pod));
	if (c->is_pod)
		attr_bool(w, "coldtrace.pod_sandbox", true);
	ct_json_end_array(w);
}

/* A failed container (it never ran its program) is an error span. */
static void container_status(struct ct_json *w, const struct ct_container *c)
{
	char msg[64];

	if (!c->failed)
		return;
	snprintf(msg, sizeof(msg), "failed to %s", ct_failure_name(c->failed));
	ct_json_key(w, "status");
	ct_json_start_object(w);
	ct_json_kv_string(w, "message", msg);
	ct_json_kv_u64(w, "code", OTLP_STATUS_ERROR);
	ct_json_end_object(w);
}

static void span_begin(struct ct_json *w, uint64_t seed, int k,
		       const char *name, uint64_t start, uint64_t end)
{
	ct_json_start_object(w);
	span_ids(w, seed, k);
	ct_json_kv_string(w, "name", name);
	ct_json_kv_u64(w, "kind", OTLP_KIND_INTERNAL);
	nanos(w, "startTimeUnixNano", start);
	nanos(w, "endTimeUnixNano", end);
}

static void container_spans(struct ct_json *w, const struct ct_container *c)
{
	uint64_t seed = container_seed(c), v;

	if (!c->phase_mask)
		return;	/* no time to give */
	span_begin(w, seed, 0, "container", c->first_ns,
		   c->last_ns > c->first_ns ? c->last_ns : c->first_ns);
	container_attrs(w, c);
	container_status(w, c);
	ct_json_end_object(w);
	for (int p = 0; p < CT_PH_MAX; p++) {
		if (!ct_agg_sample(c, p, &v))
			continue;	/* open: no end to give */
		span_begin(w, seed, 1 + p, ct_phase_name(p),
			   c->phases[p].start_ns, c->phases[p].start_ns + v);
		ct_json_end_object(w);
	}
	/* made by an earlier request: before the root, which begins at
	 * the start's request (docs/phases.md "prepare") */
	if (c->has_created) {
		span_begin(w, seed, SPAN_CREATED, "created",
			   c->created.start_ns, c->created.end_ns);
		ct_json_end_object(w);
	}
}

int ct_otlp_write(FILE *f, const struct ct_agg *agg,
		  const struct ct_meta *meta)
{
	struct ct_json w;

	ct_json_init(&w, f);
	ct_json_start_object(&w);
	ct_json_key(&w, "resourceSpans");
	ct_json_start_array(&w);
	ct_json_start_object(&w);
	resource(&w, meta);
	ct_json_key(&w, "scopeSpans");
	ct_json_start_array(&w);
	ct_json_start_object(&w);
	ct_json_key(&w, "scope");
	ct_json_start_object(&w);
	ct_json_kv_string(&w, "name", "coldtrace");
	ct_json_kv_string(&w, "version", meta->version);
	ct_json_end_object(&w);
	ct_json_key(&w, "spans");
	ct_json_start_array(&w);
	for (size_t i = 0; i < ct_agg_count(agg); i++)
		container_spans(&w, ct_agg_get(agg, i));
	ct_json_end_array(&w);
	ct_json_end_object(&w);
	ct_json_end_array(&w);
	ct_json_end_object(&w);
	ct_json_end_array(&w);
	ct_json_end_object(&w);
	fputc('\n', f);
	return ct_json_error(&w) ? -EIO : 0;
}
