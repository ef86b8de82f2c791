// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* metrics.prom and /metrics: see prom.h for the families and labels. */
#define _GNU_SOURCE	/* qsort_r */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "prom.h"
#include "prom_text.h"
#include "hist.h"
#include "json.h"
#include "losses.h"
#include "pulls.h"
#include "tracker.h"
#include "util.h"

/*
 * A group: the records of one kind (container.h: a CRI pod's sandbox,
 * a restore, or a container) that share every label but phase and le
 * (container_runtime, engine, and container_id / container_name when
 * asked for), so that each series is printed once, however many
 * containers it sums.  A pod's sandbox is never in a container's series
 * (agg.h): pods and restores have families of their own
 * (kind_families[]), and only the open latencies, which count opens,
 * add the groups of every kind that share their labels.  Group g is
 * order[start[g] .. start[g + 1]).
 * In continuous mode the aggregator's folded groups take their place
 * (folded[g]): the same series, in the same order, from the folds.
 * Every (runtime, engine) in scope that has no container yet is a group
 * too, with no member (folded[g] NULL): its series are 0 from the first
 * scrape, so that rate() and increase() see its first containers.  A
 * live scrape's installed pairs are such groups too, thin ones: their
 * counters and cold-start histogram only (in_scope()).
 */
/* What a group's series are labelled with. */
struct prom_key {
	enum ct_runtime runtime;
	enum ct_engine_kind engine;
	/* --metrics-labels' values: the group's first member, NULL for an
	 * empty group (no such labels) */
	const struct ct_container *rep;
	enum ct_kind kind;	/* which families: not a label */
	bool thin;		/* an installed pair's empty group */
};

/* --metrics-labels: each label, the field of a container it says. */
static const struct {
	unsigned int bit;	/* enum ct_prom_label */
	const char *label;
	size_t off, len;
} per_container[] = {
#define FIELD(bit, label, f) { bit, label, offsetof(struct ct_container, f), \
			       sizeof(((struct ct_container *)0)->f) }
	FIELD(CT_PROM_LABEL_ID, "container_id", id),
	FIELD(CT_PROM_LABEL_NAME, "container_name", name),
	FIELD(CT_PROM_LABEL_NAMESPACE, "k8s_namespace", k8s.pod_namespace),
	FIELD(CT_PROM_LABEL_POD, "k8s_pod", k8s.pod_name),
#undef FIELD
};

#define N_PER_CONTAINER	(sizeof(per_container) / sizeof(per_container[0]))

/* Label i's value of c ("" for an empty group's NULL). */
static const char *label_of(const struct ct_container *c, size_t i)
{
	return c ? (const char *)c + per_container[i].off : "";
}

/* Labels wanted of c and d differ: <0, 0, >0. */
static int labels_cmp(unsigned int want, const struct ct_container *c,
		      const struct ct_container *d)
{
	int r = 0;

	for (size_t i = 0; i < N_PER_CONTAINER && !r; i++)
		if (want & per_container[i].bit)
			r = strncmp(label_of(c, i), label_of(d, i),
				    per_container[i].len);
	return r;
}

/* The families of one kind of record, and what they say. */
struct prom_kind {
	const char *seen, *seen_help;
	const char *complete, *complete_help;
	const char *failed, *failed_help;
	const char *phase, *phase_help;
	const char *cold, *cold_help;
	const char *restart, *restart_help;
};

static const struct prom_kind kind_families[CT_KIND_MAX] = {
	[CT_KIND_CONTAINER] = {
		"coldtrace_containers_total", "Containers reported.",
		"coldtrace_containers_complete_total",
		"Containers seen from create to destroy.",
		"coldtrace_containers_failed_total",
		"Containers that never ran their program.",
		"coldtrace_phase_duration_seconds",
		"Duration of each container lifecycle phase.",
		"coldtrace_cold_start_seconds",
		"First phase start to ready (or to the program's exec).",
		"coldtrace_restart_duration_seconds",
		"Old container's pid 1 exit to the new one ready (or exec).",
	},
	[CT_KIND_POD] = {
		"coldtrace_pods_total", "CRI pods (their sandboxes) reported.",
		"coldtrace_pods_complete_total",
		"CRI pods seen from create to destroy.",
		"coldtrace_pods_failed_total",
		"CRI pods whose pause program never ran.",
		"coldtrace_pod_phase_duration_seconds",
		"Duration of each phase of a CRI pod's sandbox.",
		"coldtrace_pod_cold_start_seconds",
		"A CRI pod's first phase start to its last app container's "
		"ready (or exec).",
		"coldtrace_pod_restart_duration_seconds",
		"A CRI pod's sandbox exit to the next sandbox of its name "
		"ready.",
	},
	[CT_KIND_RESTORE] = {
		"coldtrace_restores_total",
		"Containers restored from a checkpoint reported.",
		"coldtrace_restores_complete_total",
		"Restored containers seen from restore to destroy.",
		"coldtrace_restores_failed_total",
		"Restores whose program never resumed.",
		"coldtrace_restore_phase_duration_seconds",
		"Duration of each phase of a restored container.",
		"coldtrace_restore_cold_start_seconds",
		"A restore's first phase start to its program's resume.",
		"coldtrace_restore_restart_duration_seconds",
		"The checkpointed container's pid 1 exit (or the restore's "
		"request, if later) to its restore resumed.",
	},
};

struct prom_ctx {
	FILE *f;
	const struct ct_agg *agg;
	const struct ct_meta *meta;
	unsigned int labels;	/* enum ct_prom_label bits */
	size_t *order;		/* ct_agg_get() indexes, sorted by group */
	size_t *start;		/* ngroups + 1 entries */
	size_t *group;		/* ct_agg_get() index -> its group */
	struct prom_key *keys;	/* ngroups entries */
	size_t ngroups;
	bool has_kind[CT_KIND_MAX];	/* a group of that kind exists */
	bool folding;		/* continuous mode: */
	const struct ct_agg_group *folded[CT_AGG_NGROUPS];	/* the groups */
};

/* ---- groups ---- */

static int cmp_u(unsigned int a, unsigned int b)
{
	return a < b ? -1 : a > b;
}

static int key_cmp(const struct prom_ctx *x, size_t i, size_t j)
{
	const struct ct_container *a = ct_agg_get(x->agg, i);
	const struct ct_container *b = ct_agg_get(x->agg, j);
	int r = cmp_u(a->runtime, b->runtime);

	if (!r)
		r = cmp_u(a->engine, b->engine);
	if (!r)
		r = labels_cmp(x->labels, a, b);
	/* last: the two kinds of one label set side by side (open_hists) */
	if (!r)
		r = cmp_u(ct_kind_of(a), ct_kind_of(b));
	return r;
}

static int cmp_order(const void *pa, const void *pb, void *ctx)
{
	return key_cmp(ctx, *(const size_t *)pa, *(const size_t *)pb);
}

/* The k-th container in group order. */
static const struct ct_container *member(const struct prom_ctx *x, size_t k)
{
	return ct_agg_get(x->agg, x->order[k]);
}

/*
 * Whether (rt, e, k) is exported before its first record: a known
 * runtime and engine of a scope the user named (--runtime, --engine; a
 * mask of 0 is all), pods under cri only, restores never.  The default
 * scope exports only the groups seen: all 20 pairs at 0 made every
 * node's scrape ~5,200 lines, ~5,000 series.  Not with per-container
 * labels, whose series are containers.  A live scrape adds the pairs
 * of an installed runtime and engine (installed_*), their containers'
 * counters and cold-start histogram only: ~25 lines a pair.
 */
enum scope { OUT_OF_SCOPE, IN_SCOPE_THIN, IN_SCOPE };

static enum scope in_scope(const struct prom_ctx *x, unsigned int rt,
			   unsigned int e, enum ct_kind k)
{
	const struct ct_meta *m = x->meta;
	uint32_t rm = m->runtime_mask, em = m->engine_mask;

	if (x->labels || rt == CT_RT_UNKNOWN || e == CT_ENG_UNKNOWN ||
	    k == CT_KIND_RESTORE ||
	    ct_agg_group_index(rt, e, k) >= CT_AGG_NGROUPS)
		return OUT_OF_SCOPE;
	if ((rm || em) && (!rm || (rm & (1u << rt))) &&
	    (!em || (em & (1u << e))))
		return IN_SCOPE;
	return k == CT_KIND_CONTAINER && (m->installed_runtimes & (1u << rt)) &&
	       (m->installed_engines & (1u << e)) ? IN_SCOPE_THIN : OUT_OF_SCOPE;
}

static void add_key(struct prom_ctx *x, struct prom_key k)
{
	x->keys[x->ngroups++] = k;
	x->has_kind[k.kind] = true;
}

/* The key of (rt, e, k)'s empty group into *key; false if not in scope. */
static bool empty_key(const struct prom_ctx *x, unsigned int rt,
		      unsigned int e, enum ct_kind k, struct prom_key *key)
{
	enum scope s = in_scope(x, rt, e, k);

	*key = (struct prom_key){ rt, e, NULL, k, s == IN_SCOPE_THIN };
	return s != OUT_OF_SCOPE;
}

/* Whether group g is of kind k and has every family (not thin). */
static bool full_group(const struct prom_ctx *x, size_t g, enum ct_kind k)
{
	return x->keys[g].kind == k && !x->keys[g].thin;
}

/* Continuous mode: the folded groups and the empty ones in scope, the
 * kinds of one (runtime, engine) side by side (open_hists). */
static void folded_groups(struct prom_ctx *x)
{
	const struct ct_agg_group *fg;
	struct prom_key key;

	for (unsigned int rt = 0; rt < CT_RT_MAX; rt++)
		for (unsigned int e = 0; e < CT_ENG_MAX; e++)
			for (int k = 0; k < CT_KIND_MAX; k++) {
				fg = ct_agg_group(x->agg,
					ct_agg_group_index(rt, e, k));
				if (fg)
					key = (struct prom_key){ rt, e, NULL,
								 k, false };
				else if (!empty_key(x, rt, e, k, &key))
					continue;
				x->folded[x->ngroups] = fg;
				add_key(x, key);
			}
}

/* A group of members order[from .. the next group's start). */
static void add_group(struct prom_ctx *x, size_t from, struct prom_key k)
{
	x->start[x->ngroups] = from;
	add_key(x, k);
}

/* One-shot: (rt, e)'s groups of members from order[*i] on. */
static void member_pair(struct prom_ctx *x, size_t n, size_t *i,
			unsigned int rt, unsigned int e)
{
	bool any[CT_KIND_MAX] = { false };
	const struct ct_container *c;
	struct prom_key key;
	size_t first = *i;

	for (; *i < n; (*i)++) {
		c = member(x, *i);
		if (c->runtime != rt || c->engine != e)
			break;
		if (*i == first || key_cmp(x, x->order[*i - 1], x->order[*i]))
			add_group(x, *i, (struct prom_key){
				rt, e, c, ct_kind_of(c), false });
		x->group[x->order[*i]] = x->ngroups - 1;
		any[ct_kind_of(c)] = true;
	}
	for (int k = 0; k < CT_KIND_MAX; k++)
		if (!any[k] && empty_key(x, rt, e, k, &key))
			add_group(x, *i, key);
}

/*
 * One-shot: containers sorted by their labels; walking (runtime, engine)
 * in the same order, each key's groups, or empty ones if in scope.
 */
static void member_groups(struct prom_ctx *x, size_t n)
{
	size_t i = 0;

	for (unsigned int rt = 0; rt < CT_RT_MAX; rt++)
		for (unsigned int e = 0; e < CT_ENG_MAX; e++)
			member_pair(x, n, &i, rt, e);
	x->start[x->ngroups] = n;
}

static int make_groups(struct prom_ctx *x)
{
	size_t n = ct_agg_count(x->agg), i;

	x->keys = malloc((n + CT_AGG_NGROUPS) * sizeof(*x->keys));
	if (!x->keys)
		return -ENOMEM;
	if (ct_agg_continuous(x->agg)) {
		x->folding = true;
		folded_groups(x);
		return 0;
	}
	x->order = malloc((n + 1) * sizeof(size_t));
	x->start = malloc((n + CT_AGG_NGROUPS + 1) * sizeof(size_t));
	x->group = malloc((n + 1) * sizeof(size_t));
	if (!x->order || !x->start || !x->group)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		x->order[i] = i;
	qsort_r(x->order, n, sizeof(*x->order), cmp_order, x);
	member_groups(x, n);
	return 0;
}

static void free_groups(struct prom_ctx *x)
{
	free(x->order);
	free(x->start);
	free(x->group);
	free(x->keys);
}

/* Group g's labels, then phase if any, into *t. */
static const char *group_labels(const struct prom_ctx *x, size_t g,
				const char *phase, struct ct_prom_lt *t)
{
	struct prom_key k = x->keys[g];

	t->n = 0;
	t->s[0] = '\0';
	ct_prom_label(t, "container_runtime", ct_runtime_name(k.runtime));
	ct_prom_label(t, "engine", ct_engine_name(k.engine));
	for (size_t i = 0; i < N_PER_CONTAINER; i++)
		if (x->labels & per_container[i].bit)
			ct_prom_label_n(t, per_container[i].label,
				   label_of(k.rep, i), per_container[i].len);
	if (phase)
		ct_prom_label(t, "phase", phase);
	return t->s;
}

/* ---- histograms ---- */

static void print_hist(const struct prom_ctx *x, const char *name, size_t g,
		       const char *phase, const struct ct_prom_hist *h)
{
	struct ct_prom_lt t;

	ct_prom_hist_print(x->f, name, group_labels(x, g, phase, &t), h);
}

/* A folded statistic: its exact bucket counts, count and sum. */
static void hist_folded(struct ct_prom_hist *h, const struct ct_agg_series *s)
{
	ct_prom_hist_init(h);
	memcpy(h->bucket, s->le, sizeof(s->le));
	h->count = s->fold.n;
	h->sum_ns = s->fold.sum;
}

/* What group g's containers contribute to ct_agg_stats(phase). */
static void group_samples(const struct prom_ctx *x, size_t g, int phase,
			  struct ct_prom_hist *h)
{
	const struct ct_container *c;
	uint64_t v;

	ct_prom_hist_init(h);
	if (x->folding) {
		if (x->folded[g])
			hist_folded(h, &x->folded[g]->s[phase]);
		return;
	}
	for (size_t k = x->start[g]; k < x->start[g + 1]; k++) {
		c = member(x, k);
		if (ct_agg_counts(c) && ct_agg_sample(c, phase, &v))
			ct_prom_hist_observe(h, v);
	}
}

static void phase_hists(const struct prom_ctx *x, enum ct_kind k)
{
	const char *name = kind_families[k].phase;
	struct ct_prom_hist h;

	ct_prom_family(x->f, name, "histogram", kind_families[k].phase_help);
	for (size_t g = 0; g < x->ngroups; g++) {
		if (!full_group(x, g, k))
			continue;
		for (int p = 0; p < CT_PH_MAX; p++) {
			group_samples(x, g, p, &h);
			print_hist(x, name, g, ct_phase_name(p), &h);
		}
	}
}

static void cold_start_hists(const struct prom_ctx *x, enum ct_kind k)
{
	const char *name = kind_families[k].cold;
	struct ct_prom_hist h;

	ct_prom_family(x->f, name, "histogram", kind_families[k].cold_help);
	for (size_t g = 0; g < x->ngroups; g++) {
		if (x->keys[g].kind != k)
			continue;
		group_samples(x, g, CT_AGG_COLD, &h);
		print_hist(x, name, g, NULL, &h);
	}
}

/* Group g's opens into *o. */
static void group_opens(const struct prom_ctx *x, size_t g, struct ct_opens *o)
{
	if (x->folding && x->folded[g])
		ct_opens_merge(o, &x->folded[g]->opens);
	else if (!x->folding)
		for (size_t k = x->start[g]; k < x->start[g + 1]; k++)
			ct_opens_merge(o, &member(x, k)->opens);
}

/* Whether groups a and b have the same labels (their kinds aside). */
static bool same_labels(const struct prom_ctx *x, size_t a, size_t b)
{
	const struct prom_key *p = &x->keys[a], *q = &x->keys[b];

	return p->runtime == q->runtime && p->engine == q->engine &&
	       !labels_cmp(x->labels, p->rep, q->rep);
}

/*
 * Opens, not containers: a pod's sandbox's with the containers' of the
 * same labels (the kinds of one label set are side by side), in the
 * container families' labels.
 */
static void open_hists(const struct prom_ctx *x)
{
	const char *name = "coldtrace_open_latency_seconds";
	struct ct_opens o;
	struct ct_prom_hist h;
	size_t g, n;

	ct_prom_family(x->f, name, "histogram",
		    "File-open latency inside containers (log2 buckets; "
		    "_sum counts each open at its bucket's middle).");
	for (g = 0; g < x->ngroups; g = n) {
		memset(&o, 0, sizeof(o));
		for (n = g; n < x->ngroups && same_labels(x, g, n); n++)
			group_opens(x, n, &o);
		if (!o.valid)
			continue;
		ct_prom_hist_log2(&h, o.slots);
		print_hist(x, name, g, NULL, &h);
	}
}

static void print_restart_hists(const struct prom_ctx *x, enum ct_kind k,
				const struct ct_prom_hist *h)
{
	const char *name = kind_families[k].restart;

	ct_prom_family(x->f, name, "histogram", kind_families[k].restart_help);
	for (size_t g = 0; g < x->ngroups; g++)
		if (full_group(x, g, k))
			print_hist(x, name, g, NULL, &h[g]);
}

/*
 * Every group's restarts, counted under the new container's group (a
 * restart is of one kind, agg.h); continuous mode folded them as they
 * were paired.  NULL: no memory.
 */
static struct ct_prom_hist *restart_hists(const struct prom_ctx *x)
{
	struct ct_prom_hist *h = malloc((x->ngroups + 1) * sizeof(*h));
	struct ct_restart *rs;
	ssize_t nr = 0;

	if (!h)
		return NULL;
	for (size_t g = 0; g < x->ngroups; g++) {
		ct_prom_hist_init(&h[g]);
		if (x->folding && x->folded[g])
			hist_folded(&h[g], &x->folded[g]->r[CT_AGG_TOTAL]);
	}
	if (!x->folding)
		nr = ct_agg_restarts(x->agg, &rs);
	if (nr < 0) {
		free(h);
		return NULL;
	}
	for (ssize_t i = 0; i < nr; i++)
		ct_prom_hist_observe(&h[x->group[rs[i].new_idx]],
			     rs[i].end_ns - rs[i].start_ns);
	if (nr > 0)
		free(rs);
	return h;
}

/* ---- FUSE waits (agg.h's ct_agg_fuse), of the containers' groups ---- */

static void group_fuse(const struct prom_ctx *x, size_t g,
		       struct ct_agg_fuse *f)
{
	memset(f, 0, sizeof(*f));
	if (x->folding) {
		if (x->folded[g])
			*f = x->folded[g]->fuse;
		return;
	}
	for (size_t k = x->start[g]; k < x->start[g + 1]; k++)
		ct_agg_fuse_add(f, member(x, k));
}

#define FUSE_FIELD(f)	offsetof(struct ct_agg_fuse, f)

static const struct {
	const char *name, *help;
	size_t off;
} fuse_counters[] = {
	{ "coldtrace_fuse_containers_total", "Containers whose threads sent "
	  "FUSE requests (a lazily pulled image's files), every one kept.",
	  FUSE_FIELD(containers) },
	{ "coldtrace_fuse_continued_containers_total", "Of those, the ones "
	  "still waiting on FUSE after ready: their cold start went on in "
	  "the run.", FUSE_FIELD(continued) },
	{ "coldtrace_fuse_requests_total", "Their FUSE requests.",
	  FUSE_FIELD(requests) },
	{ "coldtrace_fuse_read_bytes_total", "Bytes their FUSE reads "
	  "returned.", FUSE_FIELD(read_bytes) },
	{ "coldtrace_fuse_dropped_containers_total", "Containers with FUSE "
	  "requests not kept (a full table): in no other FUSE series.",
	  FUSE_FIELD(dropped_containers) },
	{ "coldtrace_fuse_fetched_containers_total", "Containers whose lazy "
	  "layers' fetched bytes are known and their own (in the next two).",
	  FUSE_FIELD(fetched_containers) },
	{ "coldtrace_fuse_fetched_bytes_total", "Bytes their lazy layers "
	  "fetched from the registry while they read them.",
	  FUSE_FIELD(fetched_bytes) },
	{ "coldtrace_fuse_fetched_by_ready_bytes_total", "Of those, the "
	  "bytes fetched for reads begun before the end of ready.",
	  FUSE_FIELD(fetched_by_ready_bytes) },
	{ "coldtrace_fuse_fetched_after_ready_bytes_total", "Of those, the "
	  "bytes fetched for reads begun after it (the rest: between "
	  "samples around ready, either side).",
	  FUSE_FIELD(fetched_after_ready_bytes) },
	{ "coldtrace_fuse_fetched_unknown_containers_total", "Containers "
	  "with a lazy layer whose fetched bytes are unknown (no sample "
	  "around its requests): in no fetched sum.",
	  FUSE_FIELD(fetched_unknown_containers) },
	{ "coldtrace_fuse_fetched_shared_containers_total", "Containers "
	  "whose lazy layer another container read between the same "
	  "samples: its growth is theirs together, in no fetched sum.",
	  FUSE_FIELD(fetched_shared_containers) },
};

/* coldtrace_fuse_wait_seconds_total's `when`: split at ready's end. */
static const struct {
	const char *when;
	size_t off;
} fuse_waits[] = {
	{ "before_ready", FUSE_FIELD(before_ready_ns) },
	{ "after_ready", FUSE_FIELD(after_ready_ns) },
	{ "no_ready", FUSE_FIELD(no_ready_ns) },
};

#define N_FUSE_COUNTERS	(sizeof(fuse_counters) / sizeof(fuse_counters[0]))
#define N_FUSE_WAITS	(sizeof(fuse_waits) / sizeof(fuse_waits[0]))

static uint64_t fuse_field(const struct ct_agg_fuse *f, size_t off)
{
	return *(const uint64_t *)((const char *)f + off);
}

static void fuse_wait_family(const struct prom_ctx *x,
			     const struct ct_agg_fuse *sums)
{
	const char *name = "coldtrace_fuse_wait_seconds_total";
	struct ct_prom_lt t;
	char v[32];

	ct_prom_family(x->f, name, "counter", "Time the containers of "
		    "coldtrace_fuse_containers_total had a FUSE request in "
		    "flight, before and after the end of ready (no_ready: "
		    "those without a ready phase).");
	for (size_t g = 0; g < x->ngroups; g++) {
		if (!full_group(x, g, CT_KIND_CONTAINER))
			continue;
		group_labels(x, g, NULL, &t);
		for (size_t w = 0; w < N_FUSE_WAITS; w++)
			fprintf(x->f, "%s{%s,when=\"%s\"} %s\n", name, t.s,
				fuse_waits[w].when,
				ct_prom_seconds(v, fuse_field(&sums[g],
							   fuse_waits[w].off)));
	}
}

/* Every container group's FUSE sums, once a scrape; NULL: no memory. */
static struct ct_agg_fuse *fuse_sums(const struct prom_ctx *x)
{
	struct ct_agg_fuse *sums = calloc(x->ngroups + 1, sizeof(*sums));

	for (size_t g = 0; sums && g < x->ngroups; g++)
		if (x->keys[g].kind == CT_KIND_CONTAINER)
			group_fuse(x, g, &sums[g]);
	return sums;
}

static void fuse_families(const struct prom_ctx *x,
			  const struct ct_agg_fuse *sums)
{
	struct ct_prom_lt t;

	for (size_t i = 0; i < N_FUSE_COUNTERS; i++) {
		ct_prom_family(x->f, fuse_counters[i].name, "counter",
			       fuse_counters[i].help);
		for (size_t g = 0; g < x->ngroups; g++) {
			if (!full_group(x, g, CT_KIND_CONTAINER))
				continue;
			fprintf(x->f, "%s{%s} %" PRIu64 "\n",
				fuse_counters[i].name,
				group_labels(x, g, NULL, &t),
				fuse_field(&sums[g], fuse_counters[i].off));
		}
	}
	fuse_wait_family(x, sums);
}

/* ---- --why's wait sites (stats/waits.h), of the containers' groups ---- */

static void group_waits(const struct prom_ctx *x, size_t g,
			struct ct_agg_waits *w)
{
	memset(w, 0, sizeof(*w));
	if (x->folding) {
		if (x->folded[g])
			*w = x->folded[g]->waits;
		return;
	}
	for (size_t k = x->start[g]; k < x->start[g + 1]; k++)
		if (ct_agg_counts(member(x, k)))
			ct_agg_waits_add(w, member(x, k));
}

/* One series: a phase's time at site (a slot's, summed over its wakers). */
static void wait_series(const struct prom_ctx *x, size_t g, int p,
			const char *site, uint64_t ns)
{
	const char *name = "coldtrace_phase_wait_seconds_total";
	struct ct_prom_lt t;
	char v[32];

	group_labels(x, g, ct_phase_name(p), &t);
	ct_prom_label(&t, "site", site);
	fprintf(x->f, "%s{%s} %s\n", name, t.s, ct_prom_seconds(v, ns));
}

/* A slot's site, unless an earlier slot of the same site said it. */
static void wait_sites(const struct prom_ctx *x, size_t g, int p,
		       const struct ct_agg_phase_waits *w)
{
	for (uint32_t i = 0; i < w->n; i++) {
		uint64_t ns = 0;
		bool said = false;

		for (uint32_t j = 0; j < w->n; j++) {
			said |= j < i && !strcmp(w->s[j].site, w->s[i].site);
			if (!strcmp(w->s[j].site, w->s[i].site))
				ns += w->s[j].ns;
		}
		if (!said)
			wait_series(x, g, p, w->s[i].site, ns);
	}
	wait_series(x, g, p, "other", w->other_ns);
	wait_series(x, g, p, "preempted", w->preempted_ns);
	wait_series(x, g, p, "unattributed", w->unattributed_ns);
	wait_series(x, g, p, "no_carrier", w->no_carrier_ns);
}

/*
 * coldtrace_phase_wait_seconds_total: each phase's off-CPU time by wait
 * site (docs/why.md), the first CT_AGG_WAIT_SITES (site, waker) pairs a
 * group met, then "other"; only when some container has wait sites.
 */
static int wait_family(const struct prom_ctx *x)
{
	struct ct_agg_waits *w = calloc(x->ngroups + 1, sizeof(*w));
	bool any = false;

	if (!w)
		return -ENOMEM;
	for (size_t g = 0; g < x->ngroups; g++) {
		if (x->keys[g].kind == CT_KIND_CONTAINER)
			group_waits(x, g, &w[g]);
		any |= w[g].containers > 0;
	}
	if (any)
		ct_prom_family(x->f, "coldtrace_phase_wait_seconds_total",
			       "counter", "The phases' off-CPU time (the "
			       "carriers' own, nested phases apart) by wait "
			       "site: the kernel function a wait waited in, "
			       "a group's first 8 sites, then other; "
			       "preempted, unattributed, no_carrier.");
	for (size_t g = 0; any && g < x->ngroups; g++)
		for (int p = 0; w[g].containers && p < CT_PH_MAX; p++)
			if (w[g].ph[p].n || w[g].ph[p].unattributed_ns ||
			    w[g].ph[p].no_carrier_ns)
				wait_sites(x, g, p, &w[g].ph[p]);
	free(w);
	return 0;
}

/* What a live session alone knows, in prom.h's struct ct_prom_live. */
static const struct {
	const char *name, *help;
	size_t off;
} live_counters[] = {
	{ "coldtrace_fuse_layers_unnamed_total", "FUSE layers left without "
	  "a digest: their daemon did not answer the read of its state "
	  "directory in time.", offsetof(struct ct_prom_live, layers_unnamed) },
	{ "coldtrace_fuse_layer_samples_missed_total", "Samples of a lazy "
	  "layer's fetched bytes not taken: its daemon did not answer in "
	  "time (a container's fetched bytes may be unknown).",
	  offsetof(struct ct_prom_live, samples_missed) },
	{ "coldtrace_start_files_loaders_unread_total", "--start-files: "
	  "programs whose dynamic loader was not read (the process and its "
	  "parent gone first).", offsetof(struct ct_prom_live, loaders_unread) },
};

void ct_prom_live(FILE *f, const struct ct_prom_live *l)
{
	ct_prom_family(f, "coldtrace_bpf_fuse_traced", "gauge",
		    "1 when containers' FUSE requests are traced; 0 (a kernel "
		    "without the FUSE tracepoints): the coldtrace_fuse_ "
		    "counters stay 0 whatever containers wait on FUSE.");
	fprintf(f, "coldtrace_bpf_fuse_traced %d\n", l->fuse_traced);
	for (size_t i = 0; i < sizeof(live_counters) / sizeof(live_counters[0]);
	     i++) {
		ct_prom_family(f, live_counters[i].name, "counter",
			       live_counters[i].help);
		fprintf(f, "%s %" PRIu64 "\n", live_counters[i].name,
			*(const uint64_t *)((const char *)l +
					    live_counters[i].off));
	}
}

/* ---- counters ---- */

enum count_what { COUNT_SEEN, COUNT_COMPLETE, COUNT_FAILED };

/* Group g's containers that count as w. */
static uint64_t group_count(const struct prom_ctx *x, size_t g,
			    enum count_what w)
{
	const struct ct_agg_group *fg = x->folding ? x->folded[g] : NULL;
	const struct ct_container *c;
	uint64_t n = 0;

	if (fg)
		return w == COUNT_SEEN ? fg->seen : w == COUNT_COMPLETE ?
			fg->complete : fg->failed;
	if (x->folding)
		return 0;
	for (size_t k = x->start[g]; k < x->start[g + 1]; k++) {
		c = member(x, k);
		n += w == COUNT_SEEN ? 1 : w == COUNT_COMPLETE ?
			c->complete : ct_agg_failed(c);
	}
	return n;
}

static void container_counter(const struct prom_ctx *x, enum ct_kind k,
			      enum count_what w, const char *name,
			      const char *help)
{
	struct ct_prom_lt t;

	ct_prom_family(x->f, name, "counter", help);
	for (size_t g = 0; g < x->ngroups; g++) {
		if (x->keys[g].kind != k)
			continue;
		fprintf(x->f, "%s{%s} %" PRIu64 "\n", name,
			group_labels(x, g, NULL, &t), group_count(x, g, w));
	}
}

/* The counters of kind k's records: seen, complete, failed. */
static void kind_counters(const struct prom_ctx *x, enum ct_kind k)
{
	const struct prom_kind *n = &kind_families[k];

	container_counter(x, k, COUNT_SEEN, n->seen, n->seen_help);
	container_counter(x, k, COUNT_COMPLETE, n->complete,
			  n->complete_help);
	container_counter(x, k, COUNT_FAILED, n->failed, n->failed_help);
}

/* Started but not yet in the counters: they count once reported.  The
 * ones begun before the session are apart: they wait for nobody. */
static void pending_gauges(FILE *f, const struct ct_meta *meta)
{
	const struct ct_counter_row *r = ct_losses_row(CT_CTR_partial_running);
	struct ct_tracker_stats st;

	ct_prom_family(f, "coldtrace_containers_pending", "gauge",
		    "Containers followed, not yet reported (not destroyed yet).");
	fprintf(f, "coldtrace_containers_pending %zu\n",
		ct_tracker_pending(meta->tracker));
	ct_tracker_get_stats(meta->tracker, &st);
	ct_prom_family(f, r->prom_own, "gauge", r->help);
	fprintf(f, "%s %" PRIu64 "\n", r->prom_own, st.partial_running);
}

static void build_info(FILE *f, const struct ct_meta *meta)
{
	struct ct_prom_lt t = { .n = 0 };

	ct_prom_family(f, "coldtrace_build_info", "gauge",
		    "coldtrace version and traced kernel.");
	ct_prom_label(&t, "version", meta->version);
	ct_prom_label(&t, "kernel", meta->kernel);
	fprintf(f, "coldtrace_build_info{%s} 1\n", t.s);
}

/*
 * The pods' and the restores' families after every other: a session
 * without any has none of them, and the containers' families are as
 * they were.
 */
static void other_kinds(const struct prom_ctx *x, const struct ct_prom_hist *rh)
{
	for (int k = CT_KIND_CONTAINER + 1; k < CT_KIND_MAX; k++) {
		if (!x->has_kind[k])
			continue;
		kind_counters(x, k);
		phase_hists(x, k);
		cold_start_hists(x, k);
		print_restart_hists(x, k, rh);
	}
}

int ct_export_prom(FILE *f, const struct ct_agg *agg,
		   const struct ct_meta *meta)
{
	struct prom_ctx x = {
		.f = f, .agg = agg, .meta = meta, .labels = meta->prom_labels,
	};
	struct ct_prom_hist *rh = NULL;
	struct ct_agg_fuse *fz = NULL;
	int ret = make_groups(&x);

	if (!ret) {
		rh = restart_hists(&x);
		fz = fuse_sums(&x);
	}
	if (!ret && (!rh || !fz))
		ret = -ENOMEM;
	if (!ret) {
		build_info(f, meta);
		kind_counters(&x, CT_KIND_CONTAINER);
		pending_gauges(f, meta);
		ct_losses_prom(f, agg, meta);
		ct_meta_reports_prom(f, meta);
		phase_hists(&x, CT_KIND_CONTAINER);
		cold_start_hists(&x, CT_KIND_CONTAINER);
		open_hists(&x);
		print_restart_hists(&x, CT_KIND_CONTAINER, rh);
		fuse_families(&x, fz);
		ret = wait_family(&x);
	}
	if (!ret) {
		other_kinds(&x, rh);
		ct_prom_pulls(f, meta);
	}
	free(rh);
	free(fz);
	free_groups(&x);
	return ret;
}
