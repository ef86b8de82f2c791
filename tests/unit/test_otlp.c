// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The records as OpenTelemetry traces (otlp.c), each record's request
 * read back as OTLP/JSON: the semantic conventions' keys and values
 * written out by hand here, --why's split on its phase span, a pull's
 * span per layer with its fetch and unpack, a chain's span per step.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "chain.h"
#include "otlp.h"
#include "pb.h"
#include "pulls.h"
#include "tfixture.h"
#include "tjson.h"

static const struct ct_otlp_res res = {
	.version = "0.1.0", .kernel = "6.18.0", .host_name = "node-7",
	.host_id = "", .node_name = NULL,
};

struct req {
	struct tj *v;
	const struct tj *spans;
	ssize_t n;		/* what ct_otlp_json() returned */
};

static void req_of(struct req *r, const struct ct_otlp_rec *rec)
{
	char *buf = NULL, err[128];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	r->n = ct_otlp_json(f, &res, rec);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(buf[len - 1], '\n');
	r->v = tj_parse(buf, len, err, sizeof(err));
	cr_assert_not_null(r->v, "%s: %s", err, buf);
	free(buf);
	r->spans = tj_get(r->v, "resourceSpans.0.scopeSpans.0.spans");
	cr_assert_not_null(r->spans);
	cr_assert_eq((size_t)r->n, r->spans->n);
}

static const struct tj *span_named(const struct req *r, const char *name,
				   int nth)
{
	for (size_t i = 0; i < r->spans->n; i++)
		if (!strcmp(tj_str(r->spans->items[i], "name"), name) &&
		    !nth--)
			return r->spans->items[i];
	return NULL;
}

#define attr_of		tj_otlp_attr

static const char *str_attr(const struct tj *s, const char *key)
{
	return tj_str(attr_of(s, key), "stringValue");
}

static long long int_attr(const struct tj *s, const char *key)
{
	const char *v = tj_str(attr_of(s, key), "intValue");

	cr_assert_not_null(v, "no int %s", key);
	return strtoll(v, NULL, 10);
}

/* The one string of an array attribute. */
static const char *list_attr(const struct tj *s, const char *key)
{
	const struct tj *a = tj_get(attr_of(s, key), "arrayValue.values");

	if (!a)
		return NULL;
	cr_assert_eq(a->n, 1, "%s", key);
	return tj_str(a->items[0], "stringValue");
}

static uint64_t t_of(const struct tj *s, const char *key)
{
	return strtoull(tj_str(s, key), NULL, 10);
}

/* Its parent's name, "" for a root. */
static const char *parent_name(const struct req *r, const struct tj *s)
{
	const char *p = tj_str(s, "parentSpanId");

	for (size_t i = 0; p && i < r->spans->n; i++)
		if (!strcmp(tj_str(r->spans->items[i], "spanId"), p))
			return tj_str(r->spans->items[i], "name");
	cr_assert_null(p, "parent %s not in the request", p);
	return "";
}

/* A CRI app container of a pod, named by Kubernetes (CT_EV_IDENT). */
static void cri_app(struct ct_container *c)
{
	tf_container(c, "c0ffee01", "app", CT_RT_CRUN, 1000 * MS, 5);
	c->engine = CT_ENG_CRI;
	c->exit_code = 137;
	snprintf(c->image, sizeof(c->image),
		 "registry.example:5000/team/app:1.2@sha256:abcd");
	snprintf(c->pod, sizeof(c->pod), "5a4db0c5");
	snprintf(c->k8s.pod_name, sizeof(c->k8s.pod_name), "web-7d4b9");
	snprintf(c->k8s.pod_namespace, sizeof(c->k8s.pod_namespace), "shop");
	snprintf(c->k8s.pod_uid, sizeof(c->k8s.pod_uid),
		 "2c6a3b2e-9a0f-4c57-8d0e-5f0e7c1d9a11");
	snprintf(c->k8s.container_name, sizeof(c->k8s.container_name),
		 "app");
}

Test(otlp, container_semantic_conventions)
{
	struct ct_container c;
	struct req r;
	const struct tj *root;

	cri_app(&c);
	req_of(&r, &(struct ct_otlp_rec){ .c = &c });
	root = span_named(&r, "container", 0);
	cr_assert_not_null(root);
	cr_expect_str_eq(str_attr(root, "container.id"), "c0ffee01");
	cr_expect_str_eq(str_attr(root, "container.name"), "app");
	cr_expect_str_eq(str_attr(root, "container.runtime.name"),
			 "containerd");
	cr_expect_str_eq(str_attr(root, "container.image.name"),
			 "registry.example:5000/team/app");
	cr_expect_str_eq(list_attr(root, "container.image.tags"), "1.2");
	cr_expect_str_eq(list_attr(root, "container.image.repo_digests"),
			 "registry.example:5000/team/app@sha256:abcd");
	cr_expect_str_eq(str_attr(root, "k8s.pod.name"), "web-7d4b9");
	cr_expect_str_eq(str_attr(root, "k8s.namespace.name"), "shop");
	cr_expect_str_eq(str_attr(root, "k8s.pod.uid"),
			 "2c6a3b2e-9a0f-4c57-8d0e-5f0e7c1d9a11");
	cr_expect_str_eq(str_attr(root, "k8s.container.name"), "app");
	cr_expect_eq(int_attr(root, "process.exit.code"), 137);
	cr_expect_str_eq(str_attr(root, "coldtrace.runtime"), "crun");
	cr_expect_str_eq(str_attr(root, "coldtrace.engine"), "cri");
	cr_expect_str_eq(str_attr(root, "coldtrace.pod"), "5a4db0c5");
	/* no coldtrace.* name where a convention has one */
	cr_expect_null(attr_of(root, "coldtrace.exit_code"));
	cr_expect_null(attr_of(root, "coldtrace.pod_sandbox"));
	cr_expect_null(attr_of(root, "coldtrace.failed"));
	/* the resource: the host as known, nothing for what is not */
	root = tj_get(r.v, "resourceSpans.0.resource");
	cr_expect_str_eq(str_attr(root, "host.name"), "node-7");
	cr_expect_null(attr_of(root, "host.id"));
	cr_expect_null(attr_of(root, "k8s.node.name"));
	cr_expect_str_eq(tj_str(r.v, "resourceSpans.0.schemaUrl"),
			 "https://opentelemetry.io/schemas/1.44.0");
	tj_free(r.v);
}

/* A sandbox has no k8s.container.name; unknown names are left out. */
Test(otlp, pod_sandbox_and_unknown_names)
{
	struct ct_container c;
	struct req r;
	const struct tj *root;

	cri_app(&c);
	c.is_pod = true;
	c.pod[0] = 0;
	c.k8s.container_name[0] = 0;
	c.k8s.pod_uid[0] = 0;
	snprintf(c.image, sizeof(c.image), "busybox");
	req_of(&r, &(struct ct_otlp_rec){ .c = &c });
	root = span_named(&r, "container", 0);
	cr_expect_eq(tj_get(attr_of(root, "coldtrace.pod_sandbox"),
			    "boolValue")->b, true);
	cr_expect_str_eq(str_attr(root, "k8s.pod.name"), "web-7d4b9");
	cr_expect_null(attr_of(root, "k8s.container.name"));
	cr_expect_null(attr_of(root, "k8s.pod.uid"));
	cr_expect_null(attr_of(root, "coldtrace.pod"));
	cr_expect_str_eq(str_attr(root, "container.image.name"), "busybox");
	cr_expect_null(attr_of(root, "container.image.tags"));
	cr_expect_null(attr_of(root, "container.image.repo_digests"));
	tj_free(r.v);
	/* a registry's port is no tag; no image, no key */
	snprintf(c.image, sizeof(c.image), "localhost:5000/four");
	req_of(&r, &(struct ct_otlp_rec){ .c = &c });
	root = span_named(&r, "container", 0);
	cr_expect_str_eq(str_attr(root, "container.image.name"),
			 "localhost:5000/four");
	cr_expect_null(attr_of(root, "container.image.tags"));
	tj_free(r.v);
	c.image[0] = 0;
	memset(&c.k8s, 0, sizeof(c.k8s));
	req_of(&r, &(struct ct_otlp_rec){ .c = &c });
	root = span_named(&r, "container", 0);
	cr_expect_null(attr_of(root, "container.image.name"));
	cr_expect_null(attr_of(root, "k8s.pod.name"));
	tj_free(r.v);
}

/* A failed create: status ERROR, coldtrace.failed, flags when true. */
Test(otlp, failed_and_flags)
{
	struct ct_container c;
	struct req r;
	const struct tj *root;

	tf_container(&c, "dead0001", "", CT_RT_RUNC, 1000 * MS, 5);
	c.failed = CT_FAIL_CREATE;
	c.unarmed = true;
	c.has_exit_code = false;
	req_of(&r, &(struct ct_otlp_rec){ .c = &c });
	root = span_named(&r, "container", 0);
	cr_expect_str_eq(str_attr(root, "coldtrace.failed"), "create");
	cr_expect_eq(tj_get(attr_of(root, "coldtrace.unarmed"),
			    "boolValue")->b, true);
	cr_expect_null(attr_of(root, "coldtrace.partial"));
	cr_expect_null(attr_of(root, "process.exit.code"));
	cr_expect_str_eq(tj_str(root, "status.message"), "failed to create");
	cr_expect(tj_is(root, "status.code", TJ_NUM));
	tj_free(r.v);
}

/* Every figure (figures.h) an attribute is made of, set. */
Test(otlp, figures_when_set)
{
	static const char *const flags[] = {
		"coldtrace.unarmed", "coldtrace.removal_unarmed",
		"coldtrace.partial", "coldtrace.records_lost",
		"coldtrace.checkpointed",
	};
	struct ct_container c;
	struct req r;
	const struct tj *root;

	tf_container(&c, "dead0002", "", CT_RT_RUNC, 1000 * MS, 5);
	c.unarmed = c.removal_unarmed = c.partial = true;
	c.records_lost = c.checkpointed = true;
	c.shim_lost = true;
	c.shim_exit = 137;
	c.prepare_missing = CT_PREP_NO_START;
	req_of(&r, &(struct ct_otlp_rec){ .c = &c });
	root = span_named(&r, "container", 0);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		cr_expect_eq(tj_get(attr_of(root, flags[i]), "boolValue")->b,
			     true, "%s", flags[i]);
	cr_expect_eq(int_attr(root, "coldtrace.shim_exit_code"), 137);
	cr_expect_null(attr_of(root, "coldtrace.prepare_missing"));
	cr_expect_null(attr_of(root, "coldtrace.restore"));
	tj_free(r.v);
}

/* --why: the split on its phase's span, the reason where there is none. */
Test(otlp, why_on_phase_spans)
{
	struct ct_container c;
	struct req r;
	const struct tj *s;

	tf_container(&c, "aaaa0001", "", CT_RT_RUNC, 1000 * MS, 5);
	c.split[CT_PH_CREATE] = (struct ct_split){
		.valid = true, .pid = 4242, .cpu_ns = 6 * MS,
		.runq_ns = 1 * MS, .io_ns = 2 * MS, .sleep_ns = 1 * MS,
		.children_cpu_ns = 3 * MS, .children_runq_ns = 7,
		.children_io_ns = 9,
	};
	c.split[CT_PH_DISCONNECT].none = CT_SPLIT_ENGINE;
	req_of(&r, &(struct ct_otlp_rec){ .c = &c });
	s = span_named(&r, "create", 0);
	cr_assert_not_null(s);
	cr_expect_str_eq(parent_name(&r, s), "container");
	cr_expect_str_eq(str_attr(s, "coldtrace.phase"), "create");
	cr_expect_eq(int_attr(s, "coldtrace.why.cpu_ns"), 6 * MS);
	cr_expect_eq(int_attr(s, "coldtrace.why.runq_ns"), 1 * MS);
	cr_expect_eq(int_attr(s, "coldtrace.why.io_ns"), 2 * MS);
	cr_expect_eq(int_attr(s, "coldtrace.why.sleep_ns"), 1 * MS);
	cr_expect_eq(int_attr(s, "coldtrace.why.children_cpu_ns"), 3 * MS);
	cr_expect_eq(int_attr(s, "coldtrace.why.children_runq_ns"), 7);
	cr_expect_eq(int_attr(s, "coldtrace.why.children_io_ns"), 9);
	cr_expect_eq(int_attr(s, "coldtrace.why.pid"), 4242);
	s = span_named(&r, "disconnect", 0);
	cr_expect_not_null(str_attr(s, "coldtrace.why.none"));
	s = span_named(&r, "start", 0);
	cr_expect_null(attr_of(s, "coldtrace.why.cpu_ns"), "--why was off");
	cr_expect_null(attr_of(s, "coldtrace.why.none"));
	tj_free(r.v);
}

/* Steps its engine expected and could not place: why, on their phase's
 * span (docs/phases.md "Missing steps"); none on the others. */
Test(otlp, steps_missing_on_phase_spans)
{
	struct ct_container c;
	struct req r;
	const struct tj *s;

	tf_container(&c, "aaaa0002", "", CT_RT_RUNC, 1000 * MS, 5);
	tf_phase(&c, CT_PH_PREPARE, 980 * MS, 1000 * MS);
	ct_steps_mark(&c, CT_PH_PREPARE, CT_STEP_CLIENT,
		      c.phases[CT_PH_PREPARE].start_ns);
	ct_steps_mut(&c, CT_PH_PREPARE)->missing[CT_STEP_IMAGE] =
		CT_MISS_REPROBED;
	req_of(&r, &(struct ct_otlp_rec){ .c = &c });
	s = span_named(&r, "prepare", 0);
	cr_assert_not_null(s);
	cr_expect_str_eq(str_attr(s, "coldtrace.step_missing.image"),
			 "reprobed");
	cr_expect_null(attr_of(s, "coldtrace.step_missing.layer"));
	cr_expect_null(attr_of(span_named(&r, "create", 0),
			       "coldtrace.step_missing.image"));
	cr_expect_not_null(span_named(&r, "prepare.client", 0));
	tj_free(r.v);
}

/*
 * A pull: its root, a span per layer seen (from its first to its last
 * byte) with its fetch and unpack inside; a layer with neither has none.
 */
Test(otlp, pull_a_span_per_layer)
{
	struct ct_pull_layer l[3] = {
		{ .digest = "sha256:aa", .bytes = 100,
		  .fetch_start_ns = 1010 * MS, .fetch_dur_ns = 20 * MS,
		  .unpack_start_ns = 1040 * MS, .unpack_dur_ns = 5 * MS },
		{ .digest = "sha256:bb", .bytes = 50,
		  .fetch_start_ns = 1012 * MS, .fetch_dur_ns = 30 * MS },
		{ .digest = "sha256:cc", .cached = true },
	};
	struct ct_pull p = {
		.image = "127.0.0.1:5000/four:v2", .engine = "docker",
		.complete = true, .start_ns = 1000 * MS, .dur_ns = 50 * MS,
		.ttfb_ns = 12 * MS, .conc_max = 2, .conc_mean = 1.5,
		.nlayers = 3, .layers = l,
	};
	struct req r;
	const struct tj *s;

	req_of(&r, &(struct ct_otlp_rec){ .pull = &p });
	cr_assert_eq(r.n, 1 + 3 + 2);
	s = span_named(&r, "pull", 0);
	cr_expect_str_eq(parent_name(&r, s), "");
	cr_expect_eq(t_of(s, "endTimeUnixNano") - t_of(s, "startTimeUnixNano"),
		     50 * MS);
	cr_expect_str_eq(str_attr(s, "container.image.name"),
			 "127.0.0.1:5000/four");
	cr_expect_str_eq(list_attr(s, "container.image.tags"), "v2");
	cr_expect_eq(int_attr(s, "coldtrace.pull.layers"), 3);
	cr_expect_eq(int_attr(s, "coldtrace.pull.bytes"), 150);
	s = span_named(&r, "layer", 0);
	cr_expect_str_eq(parent_name(&r, s), "pull");
	cr_expect_str_eq(str_attr(s, "coldtrace.layer.digest"), "sha256:aa");
	cr_expect_eq(t_of(s, "startTimeUnixNano"), 1010 * MS);
	cr_expect_eq(t_of(s, "endTimeUnixNano"), 1045 * MS);
	s = span_named(&r, "unpack", 0);
	cr_expect_str_eq(parent_name(&r, s), "layer");
	cr_expect_eq(t_of(s, "startTimeUnixNano"), 1040 * MS);
	cr_expect_eq(t_of(s, "endTimeUnixNano"), 1045 * MS);
	s = span_named(&r, "layer", 1);
	cr_expect_eq(int_attr(s, "coldtrace.layer.index"), 1);
	cr_expect_eq(t_of(s, "endTimeUnixNano"), 1042 * MS);
	s = span_named(&r, "fetch", 1);
	cr_expect_eq(t_of(s, "startTimeUnixNano"), 1012 * MS);
	cr_expect_null(span_named(&r, "unpack", 1));
	cr_expect_null(span_named(&r, "layer", 2), "no time: no span");
	tj_free(r.v);
	/* a pull whose daemon was not known (pull.h: engine may be NULL) */
	p.engine = NULL;
	req_of(&r, &(struct ct_otlp_rec){ .pull = &p });
	cr_expect_str_eq(str_attr(span_named(&r, "pull", 0),
				  "coldtrace.engine"), "unknown");
	tj_free(r.v);
}

/* A chain: its root, a span per step, its cold start and work inside. */
Test(otlp, chain_a_span_per_step)
{
	struct ct_chain ch = {
		.runner_pid = 77, .runner_comm = "runner", .n_steps = 2,
		.start_ns = 1000 * MS, .wall_ns = 300 * MS, .n_critical = 2,
		.cold_ns = 40 * MS,
	};
	struct req r;
	const struct tj *s;

	ch.steps[0] = (struct ct_chain_step){
		.id = "c0", .name = "first", .runtime = CT_RT_RUNC,
		.needed_ns = 1000 * MS, .ready_ns = 1040 * MS,
		.result_ns = 1100 * MS, .cold_ns = 40 * MS, .work_ns = 60 * MS,
		.after = -1, .critical = true,
	};
	ch.steps[1] = (struct ct_chain_step){
		.id = "c1", .runtime = CT_RT_RUNC, .needed_ns = 1100 * MS,
		.ready_ns = 1090 * MS, .result_ns = 1300 * MS, .warm = true,
		.work_ns = 200 * MS, .after = 0, .critical = true,
	};
	req_of(&r, &(struct ct_otlp_rec){ .chain = &ch });
	cr_assert_eq(r.n, 1 + 3 + 2, "a warm step has no cold start span");
	s = span_named(&r, "chain", 0);
	cr_expect_eq(int_attr(s, "process.pid"), 77);
	cr_expect_eq(t_of(s, "endTimeUnixNano") - t_of(s, "startTimeUnixNano"),
		     300 * MS);
	s = span_named(&r, "step", 1);
	cr_expect_str_eq(parent_name(&r, s), "chain");
	cr_expect_str_eq(str_attr(s, "container.id"), "c1");
	cr_expect_null(attr_of(s, "container.name"));
	cr_expect_eq(int_attr(s, "coldtrace.step.after"), 0);
	cr_expect_eq(tj_get(attr_of(s, "coldtrace.step.warm"),
			    "boolValue")->b, true);
	s = span_named(&r, "cold start", 0);
	cr_expect_str_eq(parent_name(&r, s), "step");
	cr_expect_eq(t_of(s, "endTimeUnixNano"), 1040 * MS);
	s = span_named(&r, "work", 1);
	cr_expect_eq(t_of(s, "startTimeUnixNano"), 1100 * MS);
	cr_expect_eq(t_of(s, "endTimeUnixNano"), 1300 * MS);
	cr_expect_null(span_named(&r, "cold start", 1));
	tj_free(r.v);
}

/* Every id is hex of its length, never zero, unique across records. */
Test(otlp, ids_valid_and_unique)
{
	struct ct_container c;
	struct ct_chain ch = { .runner_pid = 1, .n_steps = 1,
			       .start_ns = 1000 * MS, .wall_ns = 5 };
	const char *keys[] = { "traceId", "spanId" };
	char *seen[64];
	size_t ns = 0;
	struct req r[2];

	cri_app(&c);
	ch.steps[0] = (struct ct_chain_step){ .id = "c0", .after = -1,
		.needed_ns = 1000 * MS, .result_ns = 1000 * MS + 5,
		.work_ns = 5 };
	req_of(&r[0], &(struct ct_otlp_rec){ .c = &c });
	req_of(&r[1], &(struct ct_otlp_rec){ .chain = &ch });
	for (int q = 0; q < 2; q++) {
		for (size_t i = 0; i < r[q].spans->n; i++) {
			const struct tj *s = r[q].spans->items[i];

			for (int k = 0; k < 2; k++) {
				const char *v = tj_str(s, keys[k]);
				size_t want = k ? 16 : 32;

				cr_assert_eq(strlen(v), want);
				cr_assert_eq(strspn(v, "0123456789abcdef"),
					     want);
				cr_assert_neq(strspn(v, "0"), want);
			}
			for (size_t j = 0; j < ns; j++)
				cr_assert_str_neq(seen[j],
						  tj_str(s, "spanId"));
			cr_assert_lt(ns, 64);
			seen[ns++] = strdup(tj_str(s, "spanId"));
		}
	}
	cr_expect_str_neq(tj_str(r[0].spans->items[0], "traceId"),
			  tj_str(r[1].spans->items[0], "traceId"));
	for (size_t j = 0; j < ns; j++)
		free(seen[j]);
	tj_free(r[0].v);
	tj_free(r[1].v);
}

/*
 * The protobuf request holds what the OTLP/JSON one says.  A reader of
 * the wire format of its own here (tags, varints, lengths, every byte
 * accounted for); tests/integration/otlp.sh decodes with
 * OpenTelemetry's own generated code.
 */
struct rd {
	const uint8_t *p;
	size_t n;
};

static bool rd_varint(struct rd *r, uint64_t *v)
{
	*v = 0;
	for (int s = 0; s < 64 && r->n; s += 7) {
		uint8_t c = *r->p++;

		r->n--;
		*v |= (uint64_t)(c & 0x7f) << s;
		if (!(c & 0x80))
			return true;
	}
	return false;
}

/* The next field: its number, wire type and (LEN) payload. */
static bool rd_field(struct rd *r, uint32_t *field, int *wt, struct rd *len,
		     uint64_t *v)
{
	uint64_t tag;

	if (!rd_varint(r, &tag))
		return false;
	*field = tag >> 3;
	*wt = tag & 7;
	switch (*wt) {
	case 0:
		return rd_varint(r, v);
	case 1:
		cr_assert_geq(r->n, 8);
		memcpy(v, r->p, 8);
		r->p += 8;
		r->n -= 8;
		return true;
	case 2:
		cr_assert(rd_varint(r, v));
		cr_assert_geq(r->n, *v, "a length past the end");
		len->p = r->p;
		len->n = *v;
		r->p += *v;
		r->n -= *v;
		return true;
	}
	cr_assert_fail("wire type %d", *wt);
	return false;
}

/* The payload of the only field number f of m (of wire type LEN). */
static struct rd rd_only(struct rd m, uint32_t f)
{
	struct rd sub = { 0 }, got = { 0 };
	uint32_t field;
	uint64_t v;
	int wt, n = 0;

	while (m.n) {
		cr_assert(rd_field(&m, &field, &wt, &sub, &v));
		if (field == f) {
			cr_assert_eq(wt, 2);
			got = sub;
			n++;
		}
	}
	cr_assert_eq(n, 1, "field %u", f);
	return got;
}

Test(otlp, protobuf_holds_the_json_spans)
{
	struct ct_container c;
	struct ct_pb b;
	struct req r;
	struct rd m, sub;
	uint32_t field;
	uint64_t v;
	size_t spans, k = 0;
	int wt;

	cri_app(&c);
	ct_pb_init(&b);
	cr_assert_eq(ct_otlp_pb(&b, &res, &(struct ct_otlp_rec){ .c = &c },
				&spans), 0);
	req_of(&r, &(struct ct_otlp_rec){ .c = &c });
	cr_assert_eq(spans, (size_t)r.n);
	m = rd_only((struct rd){ b.buf, b.len }, 1);	/* resource_spans */
	m = rd_only(m, 2);				/* scope_spans */
	while (m.n) {
		struct rd s;
		char hex[33] = "";

		cr_assert(rd_field(&m, &field, &wt, &s, &v));
		if (field != 2)
			continue;			/* scope, schema_url */
		sub = rd_only(s, 1);			/* trace_id */
		cr_assert_eq(sub.n, 16);
		for (size_t i = 0; i < 16; i++)
			sprintf(hex + 2 * i, "%02x", sub.p[i]);
		cr_assert_str_eq(hex, tj_str(r.spans->items[k], "traceId"));
		sub = rd_only(s, 5);			/* name */
		cr_assert_eq(sub.n, strlen(tj_str(r.spans->items[k], "name")));
		cr_assert_eq(memcmp(sub.p, tj_str(r.spans->items[k], "name"),
				    sub.n), 0);
		k++;
	}
	cr_assert_eq(k, spans);
	tj_free(r.v);
	ct_pb_free(&b);
}

/* A lazily pulled container's FUSE waits on its root span, as the
 * record's "fuse" says them; none without requests. */
Test(otlp, fuse_waits_on_the_root)
{
	struct ct_container c;
	struct req r;
	const struct tj *root;

	cri_app(&c);
	req_of(&r, &(struct ct_otlp_rec){ .c = &c });
	root = span_named(&r, "container", 0);
	cr_expect_null(attr_of(root, "coldtrace.fuse.wait_ns"));
	tj_free(r.v);
	c.fuse = (struct ct_fuse_use){
		.valid = true, .has_ready = true, .connections = 2,
		.requests = 104, .reads = 76, .read_bytes = 6975280,
		.wait_ns = 161708120, .wait_before_ready_ns = 102546650,
		.wait_after_ready_ns = 59161470, .last_ns = 652620849,
	};
	req_of(&r, &(struct ct_otlp_rec){ .c = &c });
	root = span_named(&r, "container", 0);
	cr_expect_null(attr_of(root, "coldtrace.fuse.fetched_bytes"),
		       "no sampled layer: nothing said");
	tj_free(r.v);
	c.fuse.fetched_layers = 1;
	c.fuse.fetched_bytes = 6400000;
	c.fuse.fetched_by_ready_bytes = 4250000;
	req_of(&r, &(struct ct_otlp_rec){ .c = &c });
	root = span_named(&r, "container", 0);
	cr_expect_eq(int_attr(root, "coldtrace.fuse.fetched_bytes"), 6400000);
	cr_expect_eq(int_attr(root, "coldtrace.fuse.fetched_by_ready_bytes"),
		     4250000);
	cr_expect_eq(int_attr(root, "coldtrace.fuse.fetched_layers"), 1);
	cr_expect_null(attr_of(root, "coldtrace.fuse.fetched_shared"));
	cr_expect_eq(int_attr(root, "coldtrace.fuse.requests"), 104);
	cr_expect_eq(int_attr(root, "coldtrace.fuse.read_bytes"), 6975280);
	cr_expect_eq(int_attr(root, "coldtrace.fuse.connections"), 2);
	cr_expect_eq(int_attr(root, "coldtrace.fuse.wait_ns"), 161708120);
	cr_expect_eq(int_attr(root, "coldtrace.fuse.wait_before_ready_ns"),
		     102546650);
	cr_expect_eq(int_attr(root, "coldtrace.fuse.wait_after_ready_ns"),
		     59161470);
	cr_expect_eq(int_attr(root, "coldtrace.fuse.last_ns"), 652620849);
	cr_expect_null(attr_of(root, "coldtrace.fuse.dropped"));
	tj_free(r.v);
	/* no ready phase: no split to give */
	c.fuse.has_ready = false;
	c.fuse.dropped = 3;
	req_of(&r, &(struct ct_otlp_rec){ .c = &c });
	root = span_named(&r, "container", 0);
	cr_expect_null(attr_of(root, "coldtrace.fuse.wait_after_ready_ns"));
	cr_expect_null(attr_of(root, "coldtrace.fuse.fetched_by_ready_bytes"));
	cr_expect_eq(int_attr(root, "coldtrace.fuse.dropped"), 3);
	tj_free(r.v);
}
