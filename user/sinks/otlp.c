// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The records as OpenTelemetry traces (otlp.h): one walk of each record
 * into spans and attributes, written by an encoding (otlp_enc.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include "engine.h"
#include "json.h"
#include "losses.h"
#include "otlp.h"
#include "otlp_enc.h"
#include "pb.h"
#include "chain.h"
#include "pulls.h"
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

/* Span k of the trace of seed, child of span parent (-1: the root). */
static void span_of(struct ct_otlp_span *s, uint64_t seed, int k, int parent)
{
	s->trace[0] = nz(seed);
	s->trace[1] = nz(mix(seed + 1));
	s->id = nz(mix(seed + 2 + k));
	s->parent = parent >= 0 ? nz(mix(seed + 2 + parent)) : 0;
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

static void attr_double(struct ct_otlp_enc *e, const char *key, double v)
{
	attr(e, &(struct ct_otlp_attr){ .key = key, .type = CT_OTLP_DOUBLE,
					.d = v });
}

/* A span with its times; k, parent: span_of()'s. */
static void span_at(struct ct_otlp_enc *e, uint64_t seed, int k, int parent,
		    const char *name, uint64_t start, uint64_t end)
{
	struct ct_otlp_span sp = { .name = name, .start_ns = start,
				   .end_ns = end > start ? end : start };

	span_of(&sp, seed, k, parent);
	e->spans++;
	e->ops->span(e, &sp);
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
	if (r->has_lost)
		attr_int(e, ct_losses_row(CT_CTR_lost_events)->otlp,
			 (int64_t)r->lost_events);
	e->ops->scope(e, "coldtrace", r->version);
}

/* ---- a container: a trace ---- */

/*
 * OpenTelemetry's container.runtime.name is what manages the container
 * (docker, containerd, podman); one run by hand (direct) is its OCI
 * runtime's.  coldtrace.runtime keeps the OCI runtime of every one: no
 * convention names it.
 */
static const char *otel_runtime_name(const struct ct_container *c)
{
	const struct ct_engine *e = ct_engine(c->engine);

	if (e->otel_by_runtime)
		return c->runtime != CT_RT_UNKNOWN ?
		       ct_runtime_name(c->runtime) : NULL;
	return e->otel_name;
}

/*
 * An image reference, NAME[:TAG][@DIGEST], as the conventions split it:
 * container.image.name without tag or digest, container.image.tags the
 * tag, container.image.repo_digests NAME@DIGEST.  A ':' before the last
 * '/' is a registry's port, not a tag.
 */
static void image_attrs(struct ct_otlp_enc *e, const char *ref, size_t cap)
{
	size_t n = strnlen(ref, cap), at, name, slash = 0;
	const char *colon, *sep = memchr(ref, '@', n);
	char digest[512];

	if (!n)
		return;
	at = sep ? (size_t)(sep - ref) : n;
	for (size_t i = 0; i < at; i++)
		if (ref[i] == '/')
			slash = i + 1;
	colon = memchr(ref + slash, ':', at - slash);
	name = colon ? (size_t)(colon - ref) : at;
	attr_str_n(e, "container.image.name", ref, name);
	if (colon && at > name + 1)
		attr(e, &(struct ct_otlp_attr){
			.key = "container.image.tags",
			.type = CT_OTLP_STR_LIST, .s = colon + 1,
			.n = at - name - 1 });
	if (at + 1 < n) {
		snprintf(digest, sizeof(digest), "%.*s%.*s", (int)name, ref,
			 (int)(n - at), ref + at);
		attr(e, &(struct ct_otlp_attr){
			.key = "container.image.repo_digests",
			.type = CT_OTLP_STR_LIST, .s = digest,
			.n = sizeof(digest) });
	}
}

/* Kubernetes' names of a CRI pod sandbox or app container, as known. */
static void k8s_attrs(struct ct_otlp_enc *e, const struct ct_k8s *k)
{
	static const struct {
		const char *key;
		size_t off, len;
	} f[] = {
#define K8S(key, m) { key, offsetof(struct ct_k8s, m), \
		      sizeof(((struct ct_k8s *)0)->m) }
		K8S("k8s.pod.name", pod_name),
		K8S("k8s.namespace.name", pod_namespace),
		K8S("k8s.pod.uid", pod_uid),
		K8S("k8s.container.name", container_name),
#undef K8S
	};
	const char *v;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		v = (const char *)k + f[i].off;
		if (v[0])
			attr_str_n(e, f[i].key, v, f[i].len);
	}
}

/* A group of its figures (figures.h), each only when set. */
static void figure_attrs(struct ct_otlp_enc *e, const struct ct_container *c,
			 unsigned int group)
{
	enum ct_figure set[CT_FIG_MAX];
	int n = ct_figures_set(c, CT_FIG_OTLP, group, set);
	const struct ct_figure_row *r;

	for (int i = 0; i < n; i++) {
		r = ct_figure_row(set[i]);
		if (r->kind == CT_FIG_EXIT)
			attr_int(e, r->otlp, ct_figure_exit(c, set[i]));
		else if (r->kind == CT_FIG_REASON)
			attr_str(e, r->otlp, ct_figure_words(c, set[i]));
		else
			attr_bool(e, r->otlp, true);
	}
}

/* What coldtrace alone says of a record: flags set only when true. */
static void coldtrace_attrs(struct ct_otlp_enc *e,
			    const struct ct_container *c)
{
	attr_str(e, "coldtrace.runtime", ct_runtime_name(c->runtime));
	attr_str(e, "coldtrace.engine", ct_engine_name(c->engine));
	attr_bool(e, "coldtrace.complete", c->complete);
	figure_attrs(e, c, 1);	/* failed, unarmed, partial... restore */
	figure_attrs(e, c, 2);	/* shim_exit_code */
	if (ct_cold_start_ns(c))
		attr_int(e, "coldtrace.cold_start_ns",
			 (int64_t)ct_cold_start_ns(c));
	if (c->pod[0])
		attr_str_n(e, "coldtrace.pod", c->pod, sizeof(c->pod));
	if (c->is_pod)
		attr_bool(e, "coldtrace.pod_sandbox", true);
}

/* group of its FUSE use's figures (figures.h) said of u */
static void fuse_figure_attrs(struct ct_otlp_enc *e,
			      const struct ct_fuse_use *u, unsigned int group)
{
	const struct ct_fuse_figure_row *set[CT_FUSE_FIG_MAX];
	int n = ct_fuse_figures_said(&ct_fuse_use_figures, u,
				     ct_fuse_use_holds(u), CT_FIG_OTLP, group,
				     set);

	for (int i = 0; i < n; i++) {
		if (set[i]->kind == CT_FUSE_FIG_FLAG)
			attr_bool(e, set[i]->otlp, true);
		else
			attr_int(e, set[i]->otlp,
				 (int64_t)ct_fuse_figure_value(set[i], u));
	}
}

/*
 * Its threads' FUSE requests (a lazily pulled image's files, docs/
 * lazy.md), then what its lazy layers fetched, as the record's "fuse"
 * says them; only when it sent any.
 */
static void fuse_attrs(struct ct_otlp_enc *e, const struct ct_fuse_use *u)
{
	if (!u->valid)
		return;
	fuse_figure_attrs(e, u, 1);
	fuse_figure_attrs(e, u, 2);
}

/*
 * What the record says of the container, on its root span: the
 * conventions' names (semconv CT_OTLP_SEMCONV) where there are some.
 */
static void container_attrs(struct ct_otlp_enc *e,
			    const struct ct_container *c)
{
	attr_str_n(e, "container.id", c->id, sizeof(c->id));
	if (c->name[0])
		attr_str_n(e, "container.name", c->name, sizeof(c->name));
	if (otel_runtime_name(c))
		attr_str(e, "container.runtime.name", otel_runtime_name(c));
	image_attrs(e, c->image, sizeof(c->image));
	k8s_attrs(e, &c->k8s);
	/* pid 1's */
	if (c->has_exit_code)
		attr_int(e, "process.exit.code", c->exit_code);
	coldtrace_attrs(e, c);
	fuse_attrs(e, &c->fuse);
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
 * its creation when it was made apart (SPAN_CREATED), SPAN_STEP +
 * SPAN_STEPS * k + i step i of the k-th phase with steps (prepare's,
 * destroy's), a child of its phase's span.  SPAN_STEPS leaves room for
 * new steps: a span's id stays the same when one is added. */
#define SPAN_CREATED	(1 + CT_PH_MAX)
#define SPAN_STEP	(2 + CT_PH_MAX)
#define SPAN_STEPS	16
_Static_assert(CT_STEP_MAX <= SPAN_STEPS, "a phase's step spans overlap");
/* SPAN_CNI + k: a CRI pod's CNI plugin k, a child of the plugin that ran
 * it, else of the step (the phase, connect) its exec fell in */
#define SPAN_CNI	(SPAN_STEP + SPAN_STEPS * CT_STEPS_PHASES)

/*
 * --why (docs/phases.md): where the phase's time went, its carrier's
 * and its children's, or why it has no split.  No convention exists.
 */
static void why_attrs(struct ct_otlp_enc *e, const struct ct_container *c,
		      enum ct_phase p)
{
	const struct ct_split *x = &c->split[p];
	const char *none = ct_split_reason(c, p);

	if (none) {
		attr_str(e, "coldtrace.why.none", none);
		return;
	}
	if (!x->valid)
		return;		/* --why was off */
	attr_int(e, "coldtrace.why.cpu_ns", (int64_t)x->cpu_ns);
	attr_int(e, "coldtrace.why.runq_ns", (int64_t)x->runq_ns);
	attr_int(e, "coldtrace.why.io_ns", (int64_t)x->io_ns);
	attr_int(e, "coldtrace.why.sleep_ns", (int64_t)x->sleep_ns);
	attr_int(e, "coldtrace.why.children_cpu_ns",
		 (int64_t)x->children_cpu_ns);
	attr_int(e, "coldtrace.why.children_runq_ns",
		 (int64_t)x->children_runq_ns);
	attr_int(e, "coldtrace.why.children_io_ns",
		 (int64_t)x->children_io_ns);
	attr_int(e, "coldtrace.why.pid", x->pid);
}

/*
 * --why's wait sites (docs/why.md): the phase's off-CPU time in the
 * span's attributes, its largest sites as its events, at its start (a
 * site sums waits: it has no one time).
 */
static void wait_events(struct ct_otlp_enc *e, const struct ct_container *c,
			enum ct_phase p)
{
	const struct ct_waits *x = &c->split[p].waits;
	char label[CT_WAIT_LABEL_LEN];

	if (!c->split[p].valid || !c->split[p].has_waits)
		return;
	attr_int(e, "coldtrace.why.offcpu_ns", (int64_t)x->offcpu_ns);
	attr_int(e, "coldtrace.why.unattributed_ns",
		 (int64_t)x->unattributed_ns);
	attr_int(e, "coldtrace.why.preempted_ns", (int64_t)x->preempted_ns);
	for (uint32_t i = 0; i < x->n; i++) {
		const struct ct_wait *s = &x->top[i];

		ct_wait_label(s, label, sizeof(label));
		e->ops->event(e, label, c->phases[p].start_ns);
		attr_str(e, "coldtrace.wait.site", s->site);
		attr_str(e, "coldtrace.wait.state", ct_wait_state_name(s->state));
		if (s->syscall[0])
			attr_str(e, "coldtrace.wait.syscall", s->syscall);
		if (s->code[0])
			attr_str(e, "coldtrace.wait.code", s->code);
		attr_int(e, "coldtrace.wait.ns", (int64_t)s->ns);
		attr_int(e, "coldtrace.wait.runq_ns", (int64_t)s->runq_ns);
		attr_int(e, "coldtrace.wait.count", s->count);
		attr_str_n(e, "coldtrace.wait.waker", s->waker,
			   sizeof(s->waker));
		attr_int(e, "coldtrace.wait.waker_pid", s->waker_pid);
		attr_str(e, "coldtrace.wait.waker_kind",
			 ct_waker_kind_name(s->waker_kind));
		if (s->via == CT_VIA_FOLLOWED)
			attr_str(e, "coldtrace.wait.via", s->via_site);
	}
}

/* Why steps its engine expected are not said: on the phase's span,
 * coldtrace.step_missing.<step> (docs/phases.md "Missing steps") */
static void missing_attrs(struct ct_otlp_enc *e, const struct ct_container *c,
			  enum ct_phase p)
{
	const char *why[CT_STEP_MAX];

	ct_steps_missing(c, p, why);
	for (unsigned int st = 0; st < CT_STEP_MAX; st++) {
		char key[48];

		if (!why[st])
			continue;
		snprintf(key, sizeof(key), "coldtrace.step_missing.%s",
			 ct_step_name(st));
		attr_str(e, key, why[st]);
	}
}

/* Step i of phase p's span (SPAN_STEP's comment): its phase's rank
 * among the phases with steps gives its block. */
static int step_span(const struct ct_container *c, enum ct_phase p, int i)
{
	int slot = 0;

	for (int q = 0; q < (int)p; q++)
		slot += ct_steps_of(c, q) != NULL;
	return SPAN_STEP + SPAN_STEPS * slot + i;
}

/* Phase p's steps, spans step_span(c, p, 0) on, named "<phase>.<step>". */
static void phase_step_spans(struct ct_otlp_enc *e, uint64_t seed,
			     const struct ct_container *c, enum ct_phase p)
{
	int k0 = step_span(c, p, 0);

	const struct ct_steps *s = ct_steps_of(c, p);
	uint64_t v;

	for (unsigned int i = 0; ct_agg_sample(c, p, &v) && i < s->n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "%s.%s", ct_phase_name(p),
			 ct_step_name(s->step[i]));
		span_at(e, seed, k0 + (int)i, 1 + p, name, s->start_ns[i],
			ct_step_end_ns(c, p, i));
		attr_str(e, "coldtrace.step", ct_step_name(s->step[i]));
		span_end(e, 0, NULL);
	}
}

/* The span plugin k lies in (SPAN_CNI's comment), -1 if not said. */
static int cni_parent_span(const struct ct_container *c, unsigned int k)
{
	const struct ct_cni_exec *x = &c->cni.x[k];
	int step = ct_cni_exec_step(c, k);
	uint64_t v;

	if (!ct_cni_exec_said(c, k) || !ct_agg_sample(c, x->phase, &v))
		return -1;
	if (x->parent)
		return SPAN_CNI + x->parent - 1;
	if (step < 0)
		return 1 + x->phase;
	return step_span(c, x->phase, step);
}

/* A CRI pod's CNI plugins (docs/phases.md "cri table"). */
static void cni_spans(struct ct_otlp_enc *e, uint64_t seed,
		      const struct ct_container *c)
{
	char name[8 + CT_COMM_LEN];

	for (unsigned int k = 0; k < c->cni.n; k++) {
		int parent = cni_parent_span(c, k);

		if (parent < 0)
			continue;
		span_at(e, seed, SPAN_CNI + (int)k, parent,
			ct_cni_exec_name(c, k, name, sizeof(name)),
			c->cni.x[k].start_ns, c->cni.x[k].end_ns);
		attr_str(e, "coldtrace.step", name);
		span_end(e, 0, NULL);
	}
}

static void container_spans(struct ct_otlp_enc *e,
			    const struct ct_container *c)
{
	uint64_t seed = container_seed(c), v;

	if (!c->phase_mask)
		return;	/* no time to give */
	span_at(e, seed, 0, -1, "container", c->first_ns, c->last_ns);
	container_attrs(e, c);
	container_end(e, c);
	for (int p = 0; p < CT_PH_MAX; p++) {
		if (!ct_agg_sample(c, p, &v))
			continue;	/* open: no end to give */
		span_at(e, seed, 1 + p, 0, ct_phase_name(p),
			c->phases[p].start_ns, c->phases[p].start_ns + v);
		attr_str(e, "coldtrace.phase", ct_phase_name(p));
		missing_attrs(e, c, p);
		why_attrs(e, c, p);
		wait_events(e, c, p);
		span_end(e, 0, NULL);
	}
	/* the phases' steps (docs/phases.md "prepare's steps", "destroy's
	 * steps"), children of their phase's span */
	for (int p = 0; p < CT_PH_MAX; p++)
		if (ct_steps_of(c, p))
			phase_step_spans(e, seed, c, p);
	cni_spans(e, seed, c);
	/* made by an earlier request: before the root, which begins at
	 * the start's request (docs/phases.md "prepare") */
	if (c->has_created) {
		span_at(e, seed, SPAN_CREATED, 0, "created",
			c->created.start_ns, c->created.end_ns);
		span_end(e, 0, NULL);
	}
}

/* ---- an image pull: a trace, a span per layer ---- */

/* A layer's spans: k = 1 + 3i, its fetch and unpack the next two. */
#define LAYER_SPAN(i)	(1 + 3 * (int)(i))

static uint64_t pull_seed(const struct ct_pull *p)
{
	return mix(ct_fnv1a(p->image, strnlen(p->image, sizeof(p->image))) ^
		   p->start_ns ^ ct_fnv1a("pull", 4));
}

static void pull_attrs(struct ct_otlp_enc *e, const struct ct_pull *p)
{
	uint64_t bytes = 0;

	for (size_t i = 0; i < p->nlayers; i++)
		bytes += p->layers[i].bytes;
	image_attrs(e, p->image, sizeof(p->image));
	attr_str(e, "coldtrace.engine", p->engine ? p->engine : "unknown");
	attr_bool(e, "coldtrace.complete", p->complete);
	attr_int(e, "coldtrace.pull.layers", (int64_t)p->nlayers);
	attr_int(e, "coldtrace.pull.bytes", (int64_t)bytes);
	attr_int(e, "coldtrace.pull.ttfb_ns", (int64_t)p->ttfb_ns);
	attr_int(e, "coldtrace.pull.concurrency_max", p->conc_max);
	attr_double(e, "coldtrace.pull.concurrency_mean", p->conc_mean);
	if (p->untraced_files)
		attr_int(e, "coldtrace.pull.untraced_files",
			 (int64_t)p->untraced_files);
	if (p->traced_from_ns)
		attr_int(e, "coldtrace.pull.traced_from_ns",
			 (int64_t)p->traced_from_ns);
	if (p->records_lost)
		attr_bool(e, "coldtrace.records_lost", true);
}

/* The layer's span from its first to its last byte seen, then its fetch
 * and unpack inside it; nothing for a layer with neither. */
static void layer_spans(struct ct_otlp_enc *e, uint64_t seed,
			const struct ct_pull_layer *l, size_t i)
{
	uint64_t fe = l->fetch_start_ns + l->fetch_dur_ns;
	uint64_t ue = l->unpack_start_ns + l->unpack_dur_ns;
	uint64_t start = l->fetch_start_ns ? l->fetch_start_ns :
			 l->unpack_start_ns;
	int k = LAYER_SPAN(i);

	if (!start)
		return;
	if (l->unpack_start_ns && l->unpack_start_ns < start)
		start = l->unpack_start_ns;
	span_at(e, seed, k, 0, "layer", start, fe > ue ? fe : ue);
	if (l->digest[0])
		attr_str_n(e, "coldtrace.layer.digest", l->digest,
			   sizeof(l->digest));
	attr_int(e, "coldtrace.layer.index", (int64_t)i);
	attr_int(e, "coldtrace.layer.bytes", (int64_t)l->bytes);
	if (l->cached)
		attr_bool(e, "coldtrace.layer.cached", true);
	if (l->untraced)
		attr_bool(e, "coldtrace.layer.untraced", true);
	span_end(e, 0, NULL);
	if (l->fetch_start_ns) {
		span_at(e, seed, k + 1, k, "fetch", l->fetch_start_ns, fe);
		span_end(e, 0, NULL);
	}
	if (l->unpack_start_ns) {
		span_at(e, seed, k + 2, k, "unpack", l->unpack_start_ns, ue);
		span_end(e, 0, NULL);
	}
}

static void pull_spans(struct ct_otlp_enc *e, const struct ct_pull *p)
{
	uint64_t seed = pull_seed(p);

	if (!p->start_ns)
		return;	/* no time to give */
	span_at(e, seed, 0, -1, "pull", p->start_ns, p->start_ns + p->dur_ns);
	pull_attrs(e, p);
	span_end(e, 0, NULL);
	for (size_t i = 0; i < p->nlayers; i++)
		layer_spans(e, seed, &p->layers[i], i);
}

/* ---- a chain: a trace, a span per step ---- */

/* A step's spans: k = 1 + 3i, its cold start and work the next two. */
#define STEP_SPAN(i)	(1 + 3 * (int)(i))

static uint64_t chain_seed(const struct ct_chain *ch)
{
	return mix(ch->runner_pid ^ ch->start_ns ^ ct_fnv1a("chain", 5));
}

static void chain_attrs(struct ct_otlp_enc *e, const struct ct_chain *ch)
{
	/* the runner's */
	attr_int(e, "process.pid", ch->runner_pid);
	if (ch->runner_comm[0])
		attr_str_n(e, "coldtrace.chain.runner_comm", ch->runner_comm,
			   sizeof(ch->runner_comm));
	attr_int(e, "coldtrace.chain.steps", ch->n_steps);
	if (ch->dropped_steps)
		attr_int(e, "coldtrace.chain.dropped_steps", ch->dropped_steps);
	attr_bool(e, "coldtrace.chain.parallel", ch->parallel);
	attr_int(e, "coldtrace.chain.critical_steps", ch->n_critical);
	attr_int(e, "coldtrace.chain.cold_start_ns", (int64_t)ch->cold_ns);
	attr_int(e, "coldtrace.chain.whatif_saving_ns",
		 (int64_t)ch->whatif_ns);
}

static void step_attrs(struct ct_otlp_enc *e, const struct ct_chain_step *s,
		       uint32_t i)
{
	attr_str_n(e, "container.id", s->id, sizeof(s->id));
	if (s->name[0])
		attr_str_n(e, "container.name", s->name, sizeof(s->name));
	attr_str(e, "coldtrace.runtime", ct_runtime_name(s->runtime));
	attr_int(e, "coldtrace.step.index", i);
	if (s->after >= 0)
		attr_int(e, "coldtrace.step.after", s->after);
	attr_bool(e, "coldtrace.step.critical", s->critical);
	attr_bool(e, "coldtrace.step.warm", s->warm);
	attr_int(e, "coldtrace.step.cold_start_ns", (int64_t)s->cold_ns);
	attr_int(e, "coldtrace.step.work_ns", (int64_t)s->work_ns);
	attr_int(e, "coldtrace.step.whatif_saving_ns",
		 (int64_t)s->whatif_ns);
}

/* Needed to its result, its cold start then its work inside it (as
 * trace.json draws them); none of zero length. */
static void step_spans(struct ct_otlp_enc *e, uint64_t seed,
		       const struct ct_chain_step *s, uint32_t i)
{
	int k = STEP_SPAN(i);

	span_at(e, seed, k, 0, "step", s->needed_ns, s->result_ns);
	step_attrs(e, s, i);
	span_end(e, 0, NULL);
	if (s->cold_ns) {
		span_at(e, seed, k + 1, k, "cold start", s->needed_ns,
			s->needed_ns + s->cold_ns);
		span_end(e, 0, NULL);
	}
	if (s->work_ns) {
		span_at(e, seed, k + 2, k, "work", s->result_ns - s->work_ns,
			s->result_ns);
		span_end(e, 0, NULL);
	}
}

static void chain_spans(struct ct_otlp_enc *e, const struct ct_chain *ch)
{
	uint64_t seed = chain_seed(ch);

	span_at(e, seed, 0, -1, "chain", ch->start_ns,
		ch->start_ns + ch->wall_ns);
	chain_attrs(e, ch);
	span_end(e, 0, NULL);
	for (uint32_t i = 0; i < ch->n_steps; i++)
		step_spans(e, seed, &ch->steps[i], i);
}

static void record_spans(struct ct_otlp_enc *e, const struct ct_otlp_rec *r)
{
	if (r->c)
		container_spans(e, r->c);
	else if (r->pull)
		pull_spans(e, r->pull);
	else if (r->chain)
		chain_spans(e, r->chain);
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
		.has_lost = true,
		.lost_events = meta->lost_events,
	};
	struct ct_json w;
	struct ct_otlp_enc e = { .ops = &ct_otlp_json_ops, .out = &w };

	size_t i;

	ct_json_init(&w, f);
	resource(&e, &r);
	for (i = 0; i < ct_agg_count(agg); i++)
		container_spans(&e, ct_agg_get(agg, i));
	for (i = 0; i < ct_pulls_count(meta->pulls); i++)
		pull_spans(&e, ct_pulls_get(meta->pulls, i));
	for (i = 0; i < ct_chains_count(meta->chains); i++)
		chain_spans(&e, ct_chains_get(meta->chains, i));
	e.ops->end(&e);
	fputc('\n', f);
	return ct_json_error(&w) ? -EIO : 0;
}

ssize_t ct_otlp_json(FILE *f, const struct ct_otlp_res *res,
		     const struct ct_otlp_rec *rec)
{
	struct ct_json w;
	struct ct_otlp_enc e = { .ops = &ct_otlp_json_ops, .out = &w };

	ct_json_init(&w, f);
	resource(&e, res);
	record_spans(&e, rec);
	e.ops->end(&e);
	fputc('\n', f);
	return ct_json_error(&w) ? -EIO : (ssize_t)e.spans;
}

int ct_otlp_pb(struct ct_pb *b, const struct ct_otlp_res *res,
	       const struct ct_otlp_rec *rec, size_t *spans)
{
	struct ct_otlp_enc e = { .ops = &ct_otlp_pb_ops, .out = b };

	ct_pb_reset(b);
	resource(&e, res);
	record_spans(&e, rec);
	e.ops->end(&e);
	*spans = e.spans;
	return ct_pb_error(b);
}
