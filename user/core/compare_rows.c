// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `coldtrace compare`'s rows (compare_rows.h): the observations sorted
 * by group, metric and side, each (group, metric) one row, tested when
 * both sides have CMP_MIN_N values, then Benjamini-Hochberg over every
 * tested row at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compare_rows.h"
#include "util.h"

#define CMP_MIN_N	3	/* per side, for a test */
#define CMP_RESAMPLES	2000	/* a tail's bootstrap */

static const unsigned int tails[CT_CMP_TAILS] = { 90, 99 };

static const struct ct_cmp_set *sort_set;

static int cmp_obs(const void *x, const void *y)
{
	const struct ct_cmp_obs *a = x, *b = y;
	int d;

	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	if (a->metric != b->metric) {
		d = ct_cmp_metric_order(sort_set->metrics.name[a->metric],
					sort_set->metrics.name[b->metric]);
		return d ? d : (a->metric < b->metric ? -1 : 1);
	}
	if (a->side != b->side)
		return a->side - b->side;
	return (a->v > b->v) - (a->v < b->v);
}

/* Observations of group g's metric m on side, and where they are. */
static size_t span(const struct ct_cmp_set *s, size_t i, size_t *end)
{
	size_t j = i;

	while (j < s->n && s->obs[j].group == s->obs[i].group &&
	       s->obs[j].metric == s->obs[i].metric &&
	       s->obs[j].side == s->obs[i].side)
		j++;
	*end = j;
	return j - i;
}

/*
 * A wait site outside a record's top list counts 0 there (its time is in
 * the record's `other`, at most its fourth site's): the zeros are the
 * records with the phase's split less those listing the site.
 */
static size_t zeros_of(const struct ct_cmp_set *s, const struct ct_cmp_row *rows,
		       size_t n, const struct ct_cmp_row *r, size_t listed, int side)
{
	const char *m = s->metrics.name[r->metric], *colon = strchr(m, ':');
	size_t len = colon ? (size_t)(colon - m) : 0;

	/* the phase's PHASE.cpu row comes before its sites' (metric order) */
	for (size_t i = n; colon && i-- > 0 && rows[i].group == r->group;) {
		const char *c = s->metrics.name[rows[i].metric];

		if (&rows[i] != r && !strncmp(c, m, len) &&
		    !strcmp(c + len, ".cpu"))
			return rows[i].n[side] > listed ?
				       rows[i].n[side] - listed : 0;
	}
	return 0;
}

static double *side_values(const struct ct_cmp_set *s, size_t i, size_t n,
			   size_t zeros)
{
	double *v = calloc(n + zeros + 1, sizeof(double));

	if (!v)
		return NULL;
	for (size_t k = 0; k < n; k++)	/* zeros first: still sorted */
		v[zeros + k] = s->obs[i + k].v;
	return v;
}

static int compute(struct ct_cmp_row *r, double conf)
{
	r->tested = r->n[0] >= CMP_MIN_N && r->n[1] >= CMP_MIN_N;
	if (!r->tested)
		return 0;
	if (ct_ts_compare(r->v[0], r->n[0], r->v[1], r->n[1], conf, &r->r))
		return -1;
	for (size_t t = 0; t < CT_CMP_TAILS; t++)
		r->tail[t].ok = ct_ts_tail_shift(r->v[0], r->n[0], r->v[1],
						 r->n[1], tails[t], conf,
						 CMP_RESAMPLES, CT_CMP_SEED,
						 &r->tail[t].shift,
						 &r->tail[t].lo, &r->tail[t].hi);
	return 0;
}

/* --why's metrics are compared only where both sides have the phase's
 * split (the zeros of a site are records with a split). */
static bool why_one_sided(const struct ct_cmp_set *s, const struct ct_cmp_row *r)
{
	const char *m = s->metrics.name[r->metric];

	return (strchr(m, '.') || strchr(m, ':')) && (!r->n[0] || !r->n[1]);
}

/* The rows, one per (group, metric) either side has. */
static struct ct_cmp_row *rows_of(struct ct_cmp_set *s, double conf,
				  size_t *nrows)
{
	struct ct_cmp_row *rows = NULL, *r;
	size_t i = 0, end, n = 0, cap = 0;

	sort_set = s;
	qsort(s->obs, s->n, sizeof(*s->obs), cmp_obs);
	while (i < s->n) {
		if (ct_room((void **)&rows, &cap, n + 1, sizeof(*rows)))
			goto fail;
		r = &rows[n++];
		memset(r, 0, sizeof(*r));
		r->group = s->obs[i].group, r->metric = s->obs[i].metric;
		for (int side = 0; side < 2; side++) {
			size_t k = 0, z;

			if (i < s->n && s->obs[i].group == r->group &&
			    s->obs[i].metric == r->metric &&
			    s->obs[i].side == side)
				k = span(s, i, &end);
			z = zeros_of(s, rows, n, r, k, side);
			r->v[side] = side_values(s, i, k, z);
			r->n[side] = k + z;
			i += k;
			if (!r->v[side])
				goto fail;
		}
		if (why_one_sided(s, r)) {
			free(r->v[0]), free(r->v[1]);
			n--;
			continue;
		}
		if (compute(r, conf))
			goto fail;
	}
	*nrows = n;
	return rows;
fail:
	ct_cmp_rows_free(rows, n);
	return NULL;
}

static int adjust(struct ct_cmp_row *rows, size_t n, double fdr)
{
	double *p = malloc((n + 1) * sizeof(double));
	double *q = malloc((n + 1) * sizeof(double));
	size_t k = 0;

	if (!p || !q) {
		free(p), free(q);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (rows[i].tested)
			p[k++] = rows[i].r.p;
	ct_ts_bh(p, k, q);
	k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].tested)
			continue;
		rows[i].q = q[k++];
		rows[i].moved = rows[i].q < fdr;
	}
	free(p), free(q);
	return 0;
}

void ct_cmp_rows_free(struct ct_cmp_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(rows[i].v[0]), free(rows[i].v[1]);
	free(rows);
}

struct ct_cmp_row *ct_cmp_rows(struct ct_cmp_set *s, double conf, double fdr,
			       size_t *n)
{
	struct ct_cmp_row *rows = rows_of(s, conf, n);

	if (rows && adjust(rows, *n, fdr)) {
		ct_cmp_rows_free(rows, *n);
		rows = NULL;
	}
	if (!rows)
		*n = 0;
	return rows;
}
