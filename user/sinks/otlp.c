// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The records as OpenTelemetry traces (otlp.h): one walk of each record
 * into spans and attributes, written by an encoding (otlp_enc.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "json.h"
#include "otlp.h"
#include "otlp_enc.h"
#include "util.h"

/* splitmix64's finalizer: every input bit moves every output bit. */
static uint64_t mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* An id is never all zero (invalid in OTLP). */
static uint64_t nz(uint64_t v)
{
	return v ? v : 1;
}

/* The id's hash, then the first phase start: one seed per container. */
static uint64_t container_seed(const struct ct_container *c)
{
	return mix(ct_fnv1a(c->id, strnlen(c->id, sizeof(c->id))) ^
		   c->first_ns);
}

/*
 * Span k of the trace of seed: its root is k = 0, the parent of every
 * other (or of the span whose k the caller gives).
 */
static void span_of(struct ct_otlp_span *s, uint64_t seed, int k)
{
	s->trace[0] = nz(seed);
	s->trace[1] = nz(mix(seed + 1));
	s->id = nz(mix(seed + 2 + k));
	s->parent = k ? nz(mix(seed + 2)) : 0;
}

/* ---- what the walk says ---- */

static void attr(struct ct_otlp_enc *e, const struct ct_otlp_attr *a)
{
	e->ops->attr(e, a);
}

static void attr_str_n(struct ct_otlp_enc *e, const char *key, const char *v,
		       size_t n)
{
	attr(e, &(struct ct_otlp_attr){ .key = key, .type = CT_OTLP_STR,
					.s = v, .n = n });
}

static void attr_str(struct ct_otlp_enc *e, const char *key, const char *v)
{
	attr_str_n(e, key, v, strlen(v));
}

static void attr_int(struct ct_otlp_enc *e, const char *key, int64_t v)
{
	attr(e, &(struct ct_otlp_attr){ .key = key, .type = CT_OTLP_INT,
					.i = v });
}

static void attr_bool(struct ct_otlp_enc *e, const char *key, bool v)
{
	attr(e, &(struct ct_otlp_attr){ .key = key, .type = CT_OTLP_BOOL,
					.b = v });
}

static void span(struct ct_otlp_enc *e, const struct ct_otlp_span *s)
{
	e->spans++;
	e->ops->span(e, s);
}

static void span_end(struct ct_otlp_enc *e, int code, const char *msg)
{
	e->ops->span_end(e, code, msg);
}

/* ---- the resource: coldtrace on the traced host ---- */

static bool known(const char *s)
{
	return s && s[0];
}

static void resource(struct ct_otlp_enc *e, const struct ct_otlp_res *r)
{
	e->ops->begin(e);
	attr_str(e, "service.name", "coldtrace");
	attr_str(e, "service.version", r->version);
	attr_str(e, "os.type", "linux");
	attr_str(e, "os.version", r->kernel);
	if (known(r->host_name))
		attr_str(e, "host.name", r->host_name);
	if (known(r->host_id))
		attr_str(e, "host.id", r->host_id);
	if (known(r->node_name))
		attr_str(e, "k8s.node.name", r->node_name);
	attr_int(e, "coldtrace.lost_events", (int64_t)r->lost_events);
	e->ops->scope(e, "coldtrace", r->version);
}

/* ---- a container: a trace ---- */

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
static void container_attrs(struct ct_otlp_enc *e,
			    const struct ct_container *c)
{
	attr_str_n(e, "container.id", c->id, sizeof(c->id));
	if (c->name[0])
		attr_str_n(e, "container.name", c->name, sizeof(c->name));
	if (otel_runtime_name(c))
		attr_str(e, "container.runtime.name", otel_runtime_name(c));
	attr_str(e, "coldtrace.runtime", ct_runtime_name(c->runtime));
	attr_str(e, "coldtrace.engine", ct_engine_name(c->engine));
	attr_bool(e, "coldtrace.complete", c->complete);
	if (c->has_exit_code)
		attr_int(e, "coldtrace.exit_code", c->exit_code);
	if (c->pod[0])
		attr_str_n(e, "coldtrace.pod", c->pod, sizeof(c->pod));
	if (c->is_pod)
		attr_bool(e, "coldtrace.pod_sandbox", true);
}

/* A failed container (it never ran its program) is an error span. */
static void container_end(struct ct_otlp_enc *e, const struct ct_container *c)
{
	char msg[64];

	if (!c->failed) {
		span_end(e, 0, NULL);
		return;
	}
	snprintf(msg, sizeof(msg), "failed to %s", ct_failure_name(c->failed));
	span_end(e, CT_OTLP_STATUS_ERROR, msg);
}

/* Span k of a container: 0 its root, 1 + p its phase p, 1 + CT_PH_MAX
 * its creation when it was made apart (SPAN_CREATED). */
#define SPAN_CREATED	(1 + CT_PH_MAX)

static void container_span(struct ct_otlp_enc *e, uint64_t seed, int k,
			   const char *name, uint64_t start, uint64_t end)
{
	struct ct_otlp_span s = { .name = name, .start_ns = start,
				  .end_ns = end };

	span_of(&s, seed, k);
	span(e, &s);
}

static void container_spans(struct ct_otlp_enc *e,
			    const struct ct_container *c)
{
	uint64_t seed = container_seed(c), v;

	if (!c->phase_mask)
		return;	/* no time to give */
	container_span(e, seed, 0, "container", c->first_ns,
		       c->last_ns > c->first_ns ? c->last_ns : c->first_ns);
	container_attrs(e, c);
	container_end(e, c);
	for (int p = 0; p < CT_PH_MAX; p++) {
		if (!ct_agg_sample(c, p, &v))
			continue;	/* open: no end to give */
		container_span(e, seed, 1 + p, ct_phase_name(p),
			       c->phases[p].start_ns, c->phases[p].start_ns + v);
		span_end(e, 0, NULL);
	}
	/* made by an earlier request: before the root, which begins at
	 * the start's request (docs/phases.md "prepare") */
	if (c->has_created) {
		container_span(e, seed, SPAN_CREATED, "created",
			       c->created.start_ns, c->created.end_ns);
		span_end(e, 0, NULL);
	}
}

/* ---- the -o file ---- */

int ct_otlp_write(FILE *f, const struct ct_agg *agg,
		  const struct ct_meta *meta)
{
	struct ct_otlp_res r = {
		.version = meta->version,
		.kernel = meta->kernel,
		.host_name = meta->host_name,
		.host_id = meta->host_id,
		.node_name = meta->node_name,
		.lost_events = meta->lost_events,
	};
	struct ct_json w;
	struct ct_otlp_enc e = { .ops = &ct_otlp_json_ops, .out = &w };

	ct_json_init(&w, f);
	resource(&e, &r);
	for (size_t i = 0; i < ct_agg_count(agg); i++)
		container_spans(&e, ct_agg_get(agg, i));
	e.ops->end(&e);
	fputc('\n', f);
	return ct_json_error(&w) ? -EIO : 0;
}
