// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Statistics across containers: see agg.h for the definitions. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"
#include "hist.h"

struct ct_agg {
	struct ct_container *recs;
	size_t n;
	size_t cap;
};

struct ct_agg *ct_agg_new(void)
{
	return calloc(1, sizeof(struct ct_agg));
}

void ct_agg_free(struct ct_agg *a)
{
	if (!a)
		return;
	free(a->recs);
	free(a);
}

int ct_agg_add(struct ct_agg *a, const struct ct_container *c)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		void *p = reallocarray(a->recs, cap, sizeof(*a->recs));

		if (!p)
			return -ENOMEM;
		a->recs = p;
		a->cap = cap;
	}
	a->recs[a->n++] = *c;
	return 0;
}

size_t ct_agg_count(const struct ct_agg *a)
{
	return a->n;
}

const struct ct_container *ct_agg_get(const struct ct_agg *a, size_t i)
{
	return i < a->n ? &a->recs[i] : NULL;
}

size_t ct_agg_runtime_count(const struct ct_agg *a, enum ct_runtime rt,
			    size_t *complete)
{
	size_t i, n = 0, ok = 0;

	for (i = 0; i < a->n; i++) {
		if (a->recs[i].runtime != rt)
			continue;
		n++;
		ok += a->recs[i].complete;
	}
	if (complete)
		*complete = ok;
	return n;
}

size_t ct_agg_runtime_failed(const struct ct_agg *a, enum ct_runtime rt)
{
	size_t n = 0;

	for (size_t i = 0; i < a->n; i++)
		n += a->recs[i].runtime == rt && a->recs[i].failed;
	return n;
}

uint64_t ct_percentile(const uint64_t *sorted, size_t n, unsigned int pct)
{
	size_t rank;

	if (n == 0)
		return 0;
	if (pct > 100)
		pct = 100;
	/* nearest rank: ceil(pct * n / 100), at least 1 */
	rank = ((size_t)pct * n + 99) / 100;
	if (rank == 0)
		rank = 1;
	return sorted[rank - 1];
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void ct_stats_compute(uint64_t *vals, size_t n, struct ct_stats *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return;
	qsort(vals, n, sizeof(*vals), cmp_u64);
	for (i = 0; i < n; i++)
		out->sum_ns += vals[i];
	out->n = n;
	out->min_ns = vals[0];
	out->max_ns = vals[n - 1];
	out->p50_ns = ct_percentile(vals, n, 50);
	out->p90_ns = ct_percentile(vals, n, 90);
	out->p99_ns = ct_percentile(vals, n, 99);
	out->mean_ns = out->sum_ns / n;
}

static bool valid_query(enum ct_runtime rt, int phase)
{
	return (int)rt >= 0 && rt < CT_RT_MAX && phase >= 0 &&
	       phase <= CT_AGG_COLD;
}

/* The phase happened and ended (an open phase has no duration yet). */
static bool phase_closed(const struct ct_container *c, int p)
{
	const struct ct_interval *iv = &c->phases[p];

	return ct_has_phase(c, p) && iv->end_ns && iv->end_ns >= iv->start_ns;
}

bool ct_agg_counts(const struct ct_container *c)
{
	return !c->failed;
}

bool ct_agg_sample(const struct ct_container *c, int phase, uint64_t *v)
{
	*v = 0;
	if (phase < 0 || phase > CT_AGG_COLD)
		return false;
	if (phase == CT_AGG_TOTAL) {
		*v = ct_total_ns(c);
		return c->complete && *v > 0;
	}
	if (phase == CT_AGG_COLD) {
		*v = ct_cold_start_ns(c);
		return *v > 0;
	}
	*v = ct_phase_dur(c, phase);
	return phase_closed(c, phase);
}

/* share = exclusive time of phase / total, over complete containers */
static double container_share(const struct ct_agg *a, enum ct_runtime rt,
			      int phase)
{
	uint64_t excl[CT_PH_MAX], num = 0, den = 0, tot;
	size_t i;

	for (i = 0; i < a->n; i++) {
		const struct ct_container *c = &a->recs[i];

		if (c->runtime != rt || !ct_agg_counts(c) ||
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

int ct_agg_stats(const struct ct_agg *a, enum ct_runtime rt, int phase,
		 struct ct_stats *out)
{
	uint64_t *vals;
	size_t i, n = 0;

	if (!valid_query(rt, phase))
		return -EINVAL;
	vals = malloc((a->n ? a->n : 1) * sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < a->n; i++) {
		if (a->recs[i].runtime == rt && ct_agg_counts(&a->recs[i]) &&
		    ct_agg_sample(&a->recs[i], phase, &vals[n]))
			n++;
	}
	ct_stats_compute(vals, n, out);
	free(vals);
	if (n)
		out->share = container_share(a, rt, phase);
	return 0;
}

/* ---- restarts ---- */

/*
 * What makes a later container the same service: its docker name, else
 * the command of its pid 1 (`ctr run` / `runc run` with a new id each
 * time), else its id (`docker restart` keeps the id).
 */
static const char *restart_key(const struct ct_container *c, size_t *len)
{
	if (c->name[0]) {
		*len = strnlen(c->name, sizeof(c->name));
		return c->name;
	}
	if (c->cmd[0]) {
		*len = strnlen(c->cmd, sizeof(c->cmd));
		return c->cmd;
	}
	*len = strnlen(c->id, sizeof(c->id));
	return c->id;
}

static int cmp_key(const struct ct_container *x, const struct ct_container *y)
{
	size_t lx, ly;
	const char *kx = restart_key(x, &lx), *ky = restart_key(y, &ly);
	int r = memcmp(kx, ky, lx < ly ? lx : ly);

	if (r)
		return r;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return (int)x->runtime - (int)y->runtime;
}

/* qsort has no context argument: the records being sorted. */
static const struct ct_container *sort_recs;

static int cmp_generation(const void *pa, const void *pb)
{
	const struct ct_container *x = &sort_recs[*(const size_t *)pa];
	const struct ct_container *y = &sort_recs[*(const size_t *)pb];
	int r = cmp_key(x, y);
	uint64_t sx = x->phases[CT_PH_RUN].start_ns;
	uint64_t sy = y->phases[CT_PH_RUN].start_ns;

	if (r)
		return r;
	return sx < sy ? -1 : sx > sy;
}

static int cmp_restart(const void *pa, const void *pb)
{
	const struct ct_restart *x = pa, *y = pb;

	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

/* Copy phase p of c into s, clipped to s's window; open ends clip too. */
static void clip_phase(struct ct_container *s, const struct ct_container *c,
		       int p)
{
	uint64_t st = c->phases[p].start_ns, en = c->phases[p].end_ns;

	if (!ct_has_phase(c, p))
		return;
	if (!en || en > s->last_ns)
		en = s->last_ns;
	if (st < s->first_ns)
		st = s->first_ns;
	if (en <= st)
		return;
	s->phases[p].start_ns = st;
	s->phases[p].end_ns = en;
	s->phase_mask |= 1u << p;
}

/* Teardown of the old generation, bring-up of the new one. */
static void restart_breakdown(struct ct_restart *r,
			      const struct ct_container *old,
			      const struct ct_container *new)
{
	static const int old_ph[] = { CT_PH_DIE, CT_PH_DISCONNECT,
				      CT_PH_DESTROY };
	static const int new_ph[] = { CT_PH_PREPARE, CT_PH_ATTACH,
				      CT_PH_CREATE, CT_PH_CONNECT, CT_PH_START,
				      CT_PH_READY };
	struct ct_container s;
	size_t i;

	memset(&s, 0, sizeof(s));
	s.runtime = new->runtime;
	s.complete = true;
	s.first_ns = r->start_ns;
	s.last_ns = r->end_ns;
	for (i = 0; i < sizeof(old_ph) / sizeof(old_ph[0]); i++)
		clip_phase(&s, old, old_ph[i]);
	for (i = 0; i < sizeof(new_ph) / sizeof(new_ph[0]); i++)
		clip_phase(&s, new, new_ph[i]);
	r->phase_mask = s.phase_mask;
	ct_exclusive_ns(&s, r->excl_ns);
}

/* The new generation serves: the end of its ready phase, else its exec. */
static uint64_t restart_end(const struct ct_container *new)
{
	const struct ct_interval *rd = &new->phases[CT_PH_READY];

	if (phase_closed(new, CT_PH_READY) && rd->end_ns)
		return rd->end_ns;
	return new->phases[CT_PH_RUN].start_ns;
}

/* Fills r if old -> new is a restart. */
static bool make_restart(const struct ct_agg *a, size_t oi, size_t ni,
			 struct ct_restart *r)
{
	const struct ct_container *old = &a->recs[oi], *new = &a->recs[ni];
	uint64_t ws;

	if (cmp_key(old, new))
		return false;
	if (ct_has_phase(old, CT_PH_DIE))
		ws = old->phases[CT_PH_DIE].start_ns;
	else if (phase_closed(old, CT_PH_RUN))
		ws = old->phases[CT_PH_RUN].end_ns;
	else
		return false;
	/* replaced, not running beside it: the new one began after */
	if (!ws || new->phases[CT_PH_RUN].start_ns <= ws ||
	    new->first_ns < ws)
		return false;
	memset(r, 0, sizeof(*r));
	r->old_idx = oi;
	r->new_idx = ni;
	r->runtime = new->runtime;
	r->start_ns = ws;
	r->end_ns = restart_end(new);
	restart_breakdown(r, old, new);
	return true;
}

ssize_t ct_agg_restarts(const struct ct_agg *a, struct ct_restart **out)
{
	struct ct_restart *rs = NULL;
	size_t *idx, i, n = 0, nr = 0;

	*out = NULL;
	idx = malloc((a->n ? a->n : 1) * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (i = 0; i < a->n; i++) {
		if (ct_has_phase(&a->recs[i], CT_PH_RUN) &&
		    a->recs[i].phases[CT_PH_RUN].start_ns)
			idx[n++] = i;
	}
	if (n > 1) {
		rs = malloc((n - 1) * sizeof(*rs));
		if (!rs) {
			free(idx);
			return -ENOMEM;
		}
		sort_recs = a->recs;
		qsort(idx, n, sizeof(*idx), cmp_generation);
		for (i = 1; i < n; i++)
			nr += make_restart(a, idx[i - 1], idx[i], &rs[nr]);
		qsort(rs, nr, sizeof(*rs), cmp_restart);
	}
	free(idx);
	if (!nr) {
		free(rs);
		rs = NULL;
	}
	*out = rs;
	return nr;
}

static bool restart_sample(const struct ct_restart *r, int phase,
			   uint64_t *v)
{
	if (phase == CT_AGG_TOTAL) {
		*v = r->end_ns - r->start_ns;
		return true;
	}
	*v = r->excl_ns[phase];
	return r->phase_mask & (1u << phase);
}

static void restart_stats_of(const struct ct_restart *rs, size_t nr,
			     enum ct_runtime rt, int phase, uint64_t *vals,
			     struct ct_stats *out)
{
	uint64_t num = 0, den = 0, v;
	size_t i, n = 0;

	for (i = 0; i < nr; i++) {
		if (rs[i].runtime != rt)
			continue;
		den += rs[i].end_ns - rs[i].start_ns;
		if (!restart_sample(&rs[i], phase, &v))
			continue;
		vals[n++] = v;
		num += phase == CT_AGG_TOTAL ? v : rs[i].excl_ns[phase];
	}
	ct_stats_compute(vals, n, out);
	if (n && den)
		out->share = (double)num / (double)den;
}

int ct_agg_restart_stats(const struct ct_agg *a, enum ct_runtime rt,
			 int phase, struct ct_stats *out)
{
	struct ct_restart *rs;
	uint64_t *vals;
	ssize_t nr;

	if (!valid_query(rt, phase) || phase == CT_AGG_COLD)
		return -EINVAL;
	nr = ct_agg_restarts(a, &rs);
	if (nr < 0)
		return (int)nr;
	vals = malloc((nr ? nr : 1) * sizeof(*vals));
	if (!vals) {
		free(rs);
		return -ENOMEM;
	}
	restart_stats_of(rs, nr, rt, phase, vals, out);
	free(vals);
	free(rs);
	return 0;
}

bool ct_agg_runtime_opens(const struct ct_agg *a, enum ct_runtime rt,
			  struct ct_opens *out)
{
	size_t n = ct_agg_count(a);
	bool any = false;

	memset(out, 0, sizeof(*out));
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
