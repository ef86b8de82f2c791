// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Statistics across containers: see agg.h for the definitions. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"
#include "engine_api.h"
#include "hist.h"
#include "restart.h"
#include "util.h"

/*
 * Restart pairing in continuous mode: a service's last generation, under
 * a 64-bit hash of its key (a collision, ~n^2 / 2^65, pairs two services
 * once: cheaper than keeping 256-byte keys).
 */
struct agg_gen {
	uint64_t key;
	uint64_t id_hash;	/* of its container id: a same-id restart */
	enum ct_runtime runtime;
	bool is_pod;
	uint64_t first_ns;
	uint32_t phase_mask;
	struct ct_interval phases[CT_PH_MAX];
	uint64_t seen;		/* stamp: the least recent goes first */
};

struct agg_cont {
	uint64_t added;
	uint64_t stamp;
	/* all of them, resident from the start: a (runtime, engine, kind)
	 * first seen after days costs only its histogram rows */
	struct ct_agg_group groups[CT_AGG_NGROUPS];
	struct agg_gen gens[CT_AGG_GENS];
	size_t ngens;
	uint64_t forgotten;	/* generations pushed out of a full table */
	struct ct_container old;	/* a generation, rebuilt to pair */
};

struct ct_agg {
	struct ct_container *recs;	/* continuous: a ring of cap */
	struct ct_container **kept;	/* one-shot: cap, cut (kept_size()) */
	size_t n;
	size_t cap;
	struct agg_cont *cont;		/* NULL: one-shot */
};

const uint64_t ct_agg_le_ns[CT_AGG_NLE] = {
	100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
	25000000, 50000000, 100000000, 250000000, 500000000, 1000000000,
	2500000000, 5000000000, 10000000000, 30000000000, 60000000000,
};

struct ct_agg *ct_agg_new(void)
{
	return calloc(1, sizeof(struct ct_agg));
}

struct ct_agg *ct_agg_new_continuous(size_t window)
{
	struct ct_agg *a = ct_agg_new();

	if (!a || !window)
		goto fail;
	a->cap = window;
	a->recs = ct_zalloc_resident(window * sizeof(*a->recs));
	a->cont = ct_zalloc_resident(sizeof(*a->cont));
	if (!a->recs || !a->cont)
		goto fail;
	return a;
fail:
	ct_agg_free(a);
	return NULL;
}

static void free_group(struct ct_agg_group *g)
{
	for (int i = 0; i < CT_AGG_SLOTS; i++)
		ct_fold_free(&g->s[i].fold);
	for (int i = 0; i < CT_AGG_RSLOTS; i++)
		ct_fold_free(&g->r[i].fold);
}

void ct_agg_free(struct ct_agg *a)
{
	if (!a)
		return;
	if (a->cont)
		for (size_t i = 0; i < CT_AGG_NGROUPS; i++)
			free_group(&a->cont->groups[i]);
	free(a->cont);
	free(a->recs);
	for (size_t i = 0; a->kept && i < a->n; i++)
		free(a->kept[i]);
	free(a->kept);
	free(a);
}

bool ct_agg_continuous(const struct ct_agg *a)
{
	return a->cont;
}

uint64_t ct_agg_added(const struct ct_agg *a)
{
	return a->cont ? a->cont->added : a->n;
}

static size_t group_bytes(const struct ct_agg_group *g)
{
	size_t b = 0;	/* the group itself: in sizeof(struct agg_cont) */

	for (int i = 0; i < CT_AGG_SLOTS; i++)
		b += ct_fold_bytes(&g->s[i].fold);
	for (int i = 0; i < CT_AGG_RSLOTS; i++)
		b += ct_fold_bytes(&g->r[i].fold);
	return b;
}

size_t ct_agg_bytes(const struct ct_agg *a)
{
	size_t b = sizeof(*a) + a->cap * sizeof(*a->recs);

	if (!a->cont)
		return b;
	b += sizeof(*a->cont);
	for (size_t i = 0; i < CT_AGG_NGROUPS; i++)
		b += group_bytes(&a->cont->groups[i]);
	return b;
}

static int fold_container(struct ct_agg *a, const struct ct_container *c);

/* Continuous: the oldest record's slot is overwritten. */
static int add_window(struct ct_agg *a, const struct ct_container *c)
{
	a->recs[a->cont->added % a->cap] = *c;
	a->cont->added++;
	if (a->n < a->cap)
		a->n++;
	return fold_container(a, c);
}

/* A record without the unused entries of slow[], its last member. */
static size_t kept_size(const struct ct_container *c)
{
	size_t n = c->n_slow < CT_OPENS_SLOW_K ? c->n_slow : CT_OPENS_SLOW_K;

	return offsetof(struct ct_container, slow) + n * sizeof(c->slow[0]);
}

/*
 * One-shot: every record is kept for the end report, as a copy of its
 * used part: without --paths 3.0 of the 7.4 KiB (docs/results/bench.md
 * "Per container, one-shot mode keeps").  Readers go no further than
 * n_slow entries.
 */
static int add_kept(struct ct_agg *a, const struct ct_container *c)
{
	size_t len = kept_size(c);
	struct ct_container *k;

	if (ct_room((void **)&a->kept, &a->cap, a->n + 1, sizeof(*a->kept)))
		return -ENOMEM;
	k = malloc(len);
	if (!k)
		return -ENOMEM;
	memcpy(k, c, len);
	a->kept[a->n++] = k;
	return 0;
}

int ct_agg_add(struct ct_agg *a, const struct ct_container *c)
{
	return a->cont ? add_window(a, c) : add_kept(a, c);
}

size_t ct_agg_count(const struct ct_agg *a)
{
	return a->n;
}

const struct ct_container *ct_agg_get(const struct ct_agg *a, size_t i)
{
	if (i >= a->n)
		return NULL;
	if (!a->cont)
		return a->kept[i];
	if (a->cont->added > a->cap)	/* the ring has wrapped */
		i = (a->cont->added + i) % a->cap;
	return &a->recs[i];
}

size_t ct_agg_group_index(enum ct_runtime rt, enum ct_engine_kind e,
			  enum ct_kind k)
{
	if ((unsigned int)rt >= CT_RT_MAX || (unsigned int)e >= CT_ENG_MAX ||
	    (unsigned int)k >= CT_KIND_MAX)
		return CT_AGG_NGROUPS;
	if (k == CT_KIND_CONTAINER)
		return (size_t)rt * CT_ENG_MAX + e;
	if (k == CT_KIND_RESTORE && (rt == CT_RT_RUNC || rt == CT_RT_CRUN))
		return CT_RT_MAX * (CT_ENG_MAX + 1) +
		       (rt == CT_RT_CRUN) * CT_ENG_MAX + (size_t)e;
	if (k == CT_KIND_RESTORE)
		return CT_AGG_NGROUPS;
	return ct_engine(e)->pods ? CT_RT_MAX * CT_ENG_MAX + (size_t)rt :
				    CT_AGG_NGROUPS;
}

/* Continuous: group (rt, e, k), NULL if none yet. */
static const struct ct_agg_group *group_of(const struct ct_agg *a,
					   enum ct_runtime rt, int e,
					   enum ct_kind k)
{
	return ct_agg_group(a, ct_agg_group_index(rt, e, k));
}

const struct ct_agg_group *ct_agg_group(const struct ct_agg *a, size_t i)
{
	if (!a->cont || i >= CT_AGG_NGROUPS || !a->cont->groups[i].seen)
		return NULL;
	return &a->cont->groups[i];
}

static size_t folded_count(const struct ct_agg *a, enum ct_runtime rt,
			   enum ct_kind k, size_t *complete, size_t *failed)
{
	const struct ct_agg_group *g;
	size_t n = 0, ok = 0, bad = 0;

	for (int e = 0; e < CT_ENG_MAX; e++) {
		g = group_of(a, rt, e, k);
		if (!g)
			continue;
		n += g->seen;
		ok += g->complete;
		bad += g->failed;
	}
	if (complete)
		*complete = ok;
	if (failed)
		*failed = bad;
	return n;
}

/* One-shot: c is of runtime rt and kind k. */
static bool kept_of(const struct ct_container *c, enum ct_runtime rt,
		    enum ct_kind k)
{
	return c->runtime == rt && ct_kind_of(c) == k;
}

size_t ct_agg_runtime_count(const struct ct_agg *a, enum ct_runtime rt,
			    enum ct_kind k, size_t *complete)
{
	size_t i, n = 0, ok = 0;

	if (a->cont)
		return folded_count(a, rt, k, complete, NULL);
	for (i = 0; i < a->n; i++) {
		if (!kept_of(a->kept[i], rt, k))
			continue;
		n++;
		ok += a->kept[i]->complete;
	}
	if (complete)
		*complete = ok;
	return n;
}

size_t ct_agg_runtime_failed(const struct ct_agg *a, enum ct_runtime rt,
			     enum ct_kind k)
{
	size_t n = 0;

	if (a->cont) {
		folded_count(a, rt, k, NULL, &n);
		return n;
	}
	for (size_t i = 0; i < a->n; i++)
		n += kept_of(a->kept[i], rt, k) && ct_agg_failed(a->kept[i]);
	return n;
}

static bool valid_query(enum ct_runtime rt, enum ct_kind k, int phase)
{
	return (unsigned int)rt < CT_RT_MAX && (unsigned int)k < CT_KIND_MAX &&
	       phase >= 0 && phase <= CT_AGG_COLD;
}

bool ct_agg_failed(const struct ct_container *c)
{
	return c->failed != CT_FAIL_NONE;
}

/* The phase happened and ended (an open phase has no duration yet). */
bool ct_agg_counts(const struct ct_container *c)
{
	return !ct_figures_keep_out(c, CT_FIG_OUT_ALL);	/* failed too */
}

bool ct_agg_sample(const struct ct_container *c, int phase, uint64_t *v)
{
	*v = 0;
	if (phase < 0 || phase > CT_AGG_COLD)
		return false;
	if (phase == CT_AGG_TOTAL) {
		*v = ct_total_ns(c);
		return c->complete &&
		       !ct_figures_keep_out(c, CT_FIG_OUT_TOTAL) && *v > 0;
	}
	if (phase == CT_AGG_COLD) {
		/* without its prepare it would begin too late */
		*v = ct_cold_start_ns(c);
		return !ct_figures_keep_out(c, CT_FIG_OUT_COLD) && *v > 0;
	}
	*v = ct_phase_dur(c, phase);
	if (ct_figures_keep_out(c, CT_FIG_OUT_REMOVAL) &&
	    (phase == CT_PH_DISCONNECT || phase == CT_PH_DESTROY))
		return false;
	return ct_phase_closed(c, phase);
}

/* share = exclusive time of phase / total, over complete containers */
static double container_share(const struct ct_agg *a, enum ct_runtime rt,
			      enum ct_kind k, int phase)
{
	uint64_t excl[CT_PH_MAX], num = 0, den = 0, tot;
	size_t i;

	for (i = 0; i < a->n; i++) {
		const struct ct_container *c = ct_agg_get(a, i);

		if (!kept_of(c, rt, k) || !ct_agg_counts(c) ||
		    !ct_agg_sample(c, CT_AGG_TOTAL, &tot))
			continue;
		ct_exclusive_ns(c, excl);
		den += tot;
		if (phase == CT_AGG_TOTAL)
			num += tot;
		else if (phase == CT_AGG_COLD)
			num += ct_cold_start_ns(c);
		else
			num += excl[phase];
	}
	return den ? (double)num / (double)den : 0.0;
}

static int folded_stats(const struct ct_agg *a, enum ct_runtime rt,
			enum ct_kind k, int phase, bool restarts,
			struct ct_stats *out);

int ct_agg_stats(const struct ct_agg *a, enum ct_runtime rt, enum ct_kind k,
		 int phase, struct ct_stats *out)
{
	uint64_t *vals;
	size_t i, n = 0;

	if (!valid_query(rt, k, phase))
		return -EINVAL;
	if (a->cont)
		return folded_stats(a, rt, k, phase, false, out);
	vals = malloc((a->n ? a->n : 1) * sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < a->n; i++) {
		const struct ct_container *c = a->kept[i];

		if (kept_of(c, rt, k) && ct_agg_counts(c) &&
		    ct_agg_sample(c, phase, &vals[n]))
			n++;
	}
	ct_stats_compute(vals, n, out);
	free(vals);
	if (n)
		out->share = container_share(a, rt, k, phase);
	return 0;
}

/* ---- restarts (what a restart is: restart.c) ---- */

/* The generations among the records, paired by restart.c. */
ssize_t ct_agg_restarts(const struct ct_agg *a, struct ct_restart **out)
{
	size_t n = 0, count = ct_agg_count(a);
	struct ct_restart_gen *gens;
	ssize_t nr;

	*out = NULL;
	gens = malloc((count ? count : 1) * sizeof(*gens));
	if (!gens)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++)
		if (ct_restart_has_run(ct_agg_get(a, i)))
			gens[n++] = (struct ct_restart_gen){ ct_agg_get(a, i), i };
	nr = ct_restarts_pair(gens, n, out);
	free(gens);
	return nr;
}

int ct_agg_restart_stats(const struct ct_agg *a, enum ct_runtime rt,
			 enum ct_kind k, int phase, struct ct_stats *out)
{
	struct ct_restart *rs;
	uint64_t *vals;
	ssize_t nr;

	if (!valid_query(rt, k, phase) || phase == CT_AGG_COLD)
		return -EINVAL;
	if (a->cont)
		return folded_stats(a, rt, k, phase, true, out);
	nr = ct_agg_restarts(a, &rs);
	if (nr < 0)
		return (int)nr;
	vals = malloc((nr ? nr : 1) * sizeof(*vals));
	if (!vals) {
		free(rs);
		return -ENOMEM;
	}
	ct_restart_stats_of(rs, nr, rt, k, phase, vals, out);
	free(vals);
	free(rs);
	return 0;
}

static bool folded_opens(const struct ct_agg *a, enum ct_runtime rt,
			 struct ct_opens *out)
{
	const struct ct_agg_group *g;

	for (int k = 0; k < CT_KIND_MAX; k++)
		for (int e = 0; e < CT_ENG_MAX; e++) {
			g = group_of(a, rt, e, k);
			if (g)
				ct_opens_merge(out, &g->opens);
		}
	return out->valid;
}

bool ct_agg_runtime_opens(const struct ct_agg *a, enum ct_runtime rt,
			  struct ct_opens *out)
{
	size_t n = ct_agg_count(a);
	bool any = false;

	memset(out, 0, sizeof(*out));
	if (a->cont)
		return folded_opens(a, rt, out);
	for (size_t i = 0; i < n; i++) {
		const struct ct_container *c = ct_agg_get(a, i);

		if (c->runtime != rt || !c->opens.valid)
			continue;
		ct_opens_merge(out, &c->opens);
		any = true;
	}
	out->valid = any;
	return any;
}

/* what its lazy layers fetched, where it is known and its own */
static void fetched_add(struct ct_agg_fuse *f, const struct ct_fuse_use *u)
{
	if (u->fetched_unknown) {
		f->fetched_unknown_containers++;
	} else if (u->fetched_shared) {
		f->fetched_shared_containers++;
	} else if (u->fetched_layers) {
		f->fetched_containers++;
		f->fetched_bytes += u->fetched_bytes;
		f->fetched_by_ready_bytes += u->fetched_by_ready_bytes;
		f->fetched_after_ready_bytes += u->fetched_after_ready_bytes;
	}
}

void ct_agg_fuse_add(struct ct_agg_fuse *f, const struct ct_container *c)
{
	const struct ct_fuse_use *u = &c->fuse;

	if (!u->valid || !ct_agg_counts(c))
		return;
	if (u->dropped) {
		f->dropped_containers++;
		return;
	}
	f->containers++;
	f->requests += u->requests;
	f->read_bytes += u->read_bytes;
	fetched_add(f, u);
	if (!u->has_ready) {
		f->no_ready_ns += u->wait_ns;
		return;
	}
	f->continued += u->wait_after_ready_ns > 0;
	f->before_ready_ns += u->wait_before_ready_ns;
	f->after_ready_ns += u->wait_after_ready_ns;
}

static void fuse_merge(struct ct_agg_fuse *d, const struct ct_agg_fuse *s)
{
	d->containers += s->containers;
	d->continued += s->continued;
	d->before_ready_ns += s->before_ready_ns;
	d->after_ready_ns += s->after_ready_ns;
	d->no_ready_ns += s->no_ready_ns;
	d->requests += s->requests;
	d->read_bytes += s->read_bytes;
	d->dropped_containers += s->dropped_containers;
	d->fetched_containers += s->fetched_containers;
	d->fetched_bytes += s->fetched_bytes;
	d->fetched_by_ready_bytes += s->fetched_by_ready_bytes;
	d->fetched_after_ready_bytes += s->fetched_after_ready_bytes;
	d->fetched_unknown_containers += s->fetched_unknown_containers;
	d->fetched_shared_containers += s->fetched_shared_containers;
}

/*
 * Sums of (rt, k) into out: continuous mode merges its groups' folds
 * (merge), one-shot mode adds its kept records (add).
 */
struct runtime_sum {
	void (*merge)(void *out, const struct ct_agg_group *g);
	void (*add)(void *out, const struct ct_container *c);
};

static void runtime_sum(const struct ct_agg *a, enum ct_runtime rt,
			enum ct_kind k, const struct runtime_sum *s, void *out)
{
	const struct ct_agg_group *g;

	if (a->cont) {
		for (int e = 0; e < CT_ENG_MAX; e++)
			if ((g = group_of(a, rt, e, k)))
				s->merge(out, g);
		return;
	}
	for (size_t i = 0; i < a->n; i++)
		if (kept_of(a->kept[i], rt, k))
			s->add(out, a->kept[i]);
}

static void fuse_merge_group(void *out, const struct ct_agg_group *g)
{
	fuse_merge(out, &g->fuse);
}

static void fuse_add(void *out, const struct ct_container *c)
{
	ct_agg_fuse_add(out, c);
}

bool ct_agg_runtime_fuse(const struct ct_agg *a, enum ct_runtime rt,
			 enum ct_kind k, struct ct_agg_fuse *out)
{
	static const struct runtime_sum s = { fuse_merge_group, fuse_add };

	memset(out, 0, sizeof(*out));
	runtime_sum(a, rt, k, &s, out);
	return out->containers || out->dropped_containers;
}

static void waits_merge_group(void *out, const struct ct_agg_group *g)
{
	ct_agg_waits_merge(out, &g->waits);
}

/* as fold_container() folds: only the records that count */
static void waits_add(void *out, const struct ct_container *c)
{
	if (ct_agg_counts(c))
		ct_agg_waits_add(out, c);
}

bool ct_agg_runtime_waits(const struct ct_agg *a, enum ct_runtime rt,
			  enum ct_kind k, struct ct_agg_waits *out)
{
	static const struct runtime_sum s = { waits_merge_group, waits_add };

	memset(out, 0, sizeof(*out));
	runtime_sum(a, rt, k, &s, out);
	return out->containers > 0;
}

/* ---- continuous mode: folding ---- */

static int series_add(struct ct_agg_series *s, uint64_t v)
{
	ct_le_count(s->le, ct_agg_le_ns, CT_AGG_NLE, v);
	return ct_fold_add(&s->fold, v);
}

static struct ct_agg_group *group_get(struct ct_agg *a,
				      const struct ct_container *c)
{
	size_t i = ct_agg_group_index(c->runtime, c->engine, ct_kind_of(c));
	struct ct_agg_group *g;

	if (i >= CT_AGG_NGROUPS)
		return NULL;
	g = &a->cont->groups[i];
	g->runtime = c->runtime;
	g->engine = c->engine;
	g->kind = ct_kind_of(c);
	return g;
}

/* What ct_agg_stats() and container_share() take of one container. */
static int fold_samples(struct ct_agg_group *g, const struct ct_container *c)
{
	uint64_t v, tot, excl[CT_PH_MAX];
	int err = 0;

	for (int p = 0; p < CT_AGG_SLOTS; p++)
		if (ct_agg_sample(c, p, &v) && series_add(&g->s[p], v))
			err = -ENOMEM;
	if (!ct_agg_sample(c, CT_AGG_TOTAL, &tot))
		return err;
	ct_exclusive_ns(c, excl);
	g->share_den += tot;
	for (int p = 0; p < CT_PH_MAX; p++)
		g->s[p].share_num += excl[p];
	g->s[CT_AGG_TOTAL].share_num += tot;
	g->s[CT_AGG_COLD].share_num += ct_cold_start_ns(c);
	return err;
}

/* What ct_restart_stats_of() takes of one restart. */
static int fold_restart(struct ct_agg_group *g, const struct ct_restart *r)
{
	uint64_t v;
	int err = 0;

	g->rshare_den += r->end_ns - r->start_ns;
	for (int p = 0; p < CT_AGG_RSLOTS; p++) {
		if (!ct_restart_sample(r, p, &v))
			continue;
		g->r[p].share_num += p == CT_AGG_TOTAL ? v : r->excl_ns[p];
		if (series_add(&g->r[p], v))
			err = -ENOMEM;
	}
	return err;
}

/* The key and its scope, the runtime and the kind (restart.c's
 * cmp_key() equality), hashed. */
static uint64_t gen_key(const struct ct_container *c)
{
	uint64_t rk = (uint64_t)c->runtime << 1 | c->is_pod;

	return (ct_restart_key_hash(c) ^ rk) * 0x100000001b3ULL;
}

static uint64_t id_hash(const struct ct_container *c)
{
	return ct_fnv1a(c->id, strnlen(c->id, sizeof(c->id)));
}

static struct agg_gen *gen_find(struct agg_cont *k, uint64_t key)
{
	for (size_t i = 0; i < k->ngens; i++)
		if (k->gens[i].key == key)
			return &k->gens[i];
	return NULL;
}

/*
 * A free entry, else the least recently seen service's: counted, as its
 * next restart will not be paired (every loss is said).
 */
static struct agg_gen *gen_slot(struct agg_cont *k)
{
	struct agg_gen *g = &k->gens[0];

	if (k->ngens < CT_AGG_GENS)
		return &k->gens[k->ngens++];
	for (size_t i = 1; i < CT_AGG_GENS; i++)
		if (k->gens[i].seen < g->seen)
			g = &k->gens[i];
	k->forgotten++;
	return g;
}

uint64_t ct_agg_restart_keys_forgotten(const struct ct_agg *a)
{
	return a->cont ? a->cont->forgotten : 0;
}

static void gen_set(struct agg_gen *g, uint64_t key,
		    const struct ct_container *c)
{
	g->key = key;
	g->id_hash = id_hash(c);
	g->runtime = c->runtime;
	g->is_pod = c->is_pod;
	g->first_ns = c->first_ns;
	g->phase_mask = c->phase_mask;
	memcpy(g->phases, c->phases, sizeof(g->phases));
}

/* The generation as a record ct_restart_make() reads: its phases. */
static const struct ct_container *gen_record(struct agg_cont *k,
					     const struct agg_gen *g)
{
	struct ct_container *o = &k->old;

	o->runtime = g->runtime;
	o->is_pod = g->is_pod;
	o->first_ns = g->first_ns;
	o->phase_mask = g->phase_mask;
	memcpy(o->phases, g->phases, sizeof(o->phases));
	return o;
}

/* Pairs c with its service's last generation, then remembers c. */
static int fold_generation(struct ct_agg *a, struct ct_agg_group *grp,
			   const struct ct_container *c)
{
	struct agg_cont *k = a->cont;
	uint64_t key = gen_key(c);
	struct agg_gen *g = gen_find(k, key);
	struct ct_restart r;
	int err = 0;

	if (!ct_restart_has_run(c))
		return 0;
	if (g && ct_restart_make(gen_record(k, g), c, g->id_hash == id_hash(c),
			      &r))
		err = fold_restart(grp, &r);
	/* generations pair in run order: an older one arriving late is
	 * not the service's last */
	if (g && g->phases[CT_PH_RUN].start_ns > c->phases[CT_PH_RUN].start_ns)
		return err;
	if (!g)
		g = gen_slot(k);
	gen_set(g, key, c);
	g->seen = ++k->stamp;
	return err;
}

static int fold_container(struct ct_agg *a, const struct ct_container *c)
{
	struct ct_agg_group *g = group_get(a, c);

	if (!g)
		return -EINVAL;
	g->seen++;
	g->complete += c->complete;
	g->failed += ct_agg_failed(c);
	ct_opens_merge(&g->opens, &c->opens);
	ct_agg_fuse_add(&g->fuse, c);
	if (ct_agg_counts(c))
		ct_agg_waits_add(&g->waits, c);
	/* restarts pair every generation, as ct_agg_restarts() does */
	if (fold_generation(a, g, c))
		return -ENOMEM;
	return ct_agg_counts(c) ? fold_samples(g, c) : 0;
}

/* Statistic `phase` of (rt, k)'s groups, as ct_stats_compute() would say. */
static int folded_stats(const struct ct_agg *a, enum ct_runtime rt,
			enum ct_kind k, int phase, bool restarts,
			struct ct_stats *out)
{
	const struct ct_fold *folds[CT_ENG_MAX] = { NULL };
	const struct ct_agg_group *g;
	uint64_t num = 0, den = 0;

	memset(out, 0, sizeof(*out));
	for (int e = 0; e < CT_ENG_MAX; e++) {
		const struct ct_agg_series *s;

		g = group_of(a, rt, e, k);
		if (!g)
			continue;
		s = restarts ? &g->r[phase] : &g->s[phase];
		folds[e] = &s->fold;
		num += s->share_num;
		den += restarts ? g->rshare_den : g->share_den;
		if (!s->fold.n)
			continue;
		if (!out->n || s->fold.min < out->min_ns)
			out->min_ns = s->fold.min;
		if (s->fold.max > out->max_ns)
			out->max_ns = s->fold.max;
		out->n += s->fold.n;
		out->sum_ns += s->fold.sum;
	}
	if (!out->n)
		return 0;
	out->mean_ns = out->sum_ns / out->n;
	out->p50_ns = ct_fold_percentile(folds, CT_ENG_MAX, 50);
	out->p90_ns = ct_fold_percentile(folds, CT_ENG_MAX, 90);
	out->p99_ns = ct_fold_percentile(folds, CT_ENG_MAX, 99);
	if (den)
		out->share = (double)num / (double)den;
	return 0;
}
