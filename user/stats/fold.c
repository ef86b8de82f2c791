// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Fixed-size log-linear histograms: see fold.h. */
#include <errno.h>
#include <stdlib.h>
#include "fold.h"
#include "stats.h"

#define ROW_BYTES	(CT_FOLD_SUB * sizeof(uint32_t))

size_t ct_fold_bytes(const struct ct_fold *f)
{
	size_t b = 0;

	for (size_t r = 0; r < CT_FOLD_ROWS; r++)
		b += f->rows[r] ? ROW_BYTES : 0;
	return b;
}

size_t ct_fold_bucket(uint64_t v)
{
	unsigned int shift;

	if (v < 2 * CT_FOLD_SUB)
		return v;
	/* v = m << shift with m in [64, 128): its octave, then m */
	shift = 63 - __builtin_clzll(v) - CT_FOLD_SUB_BITS;
	return (size_t)shift * CT_FOLD_SUB + (v >> shift);
}

uint64_t ct_fold_bucket_lo(size_t b)
{
	size_t shift;

	if (b < 2 * CT_FOLD_SUB)
		return b;
	shift = b / CT_FOLD_SUB - 1;
	return (uint64_t)(b - shift * CT_FOLD_SUB) << shift;
}

int ct_fold_add(struct ct_fold *f, uint64_t v)
{
	size_t b = ct_fold_bucket(v);
	uint32_t **row = &f->rows[b / CT_FOLD_SUB];

	if (!*row) {
		*row = calloc(CT_FOLD_SUB, sizeof(**row));
		if (!*row)
			return -ENOMEM;
	}
	if (!f->n || v < f->min)
		f->min = v;
	if (v > f->max)
		f->max = v;
	f->n++;
	f->sum += v;
	(*row)[b % CT_FOLD_SUB]++;
	return 0;
}

void ct_fold_free(struct ct_fold *f)
{
	for (size_t r = 0; r < CT_FOLD_ROWS; r++) {
		free(f->rows[r]);
		f->rows[r] = NULL;
	}
}

/* Middle of bucket b; the last bucket's top is 2^64 - 1. */
static uint64_t bucket_mid(size_t b)
{
	uint64_t lo = ct_fold_bucket_lo(b);
	uint64_t hi = b + 1 < CT_FOLD_BUCKETS ? ct_fold_bucket_lo(b + 1) :
			UINT64_MAX;

	return lo + (hi - lo) / 2;
}

static uint64_t count_at(const struct ct_fold *const *folds, size_t n,
			 size_t b)
{
	uint64_t c = 0;

	const uint32_t *row;

	for (size_t i = 0; i < n; i++) {
		row = folds[i] ? folds[i]->rows[b / CT_FOLD_SUB] : NULL;
		c += row ? row[b % CT_FOLD_SUB] : 0;
	}
	return c;
}

uint64_t ct_fold_percentile(const struct ct_fold *const *folds, size_t n,
			    unsigned int pct)
{
	uint64_t total = 0, lo = UINT64_MAX, hi = 0, rank, seen = 0, v;
	size_t b;

	for (size_t i = 0; i < n; i++) {
		if (!folds[i] || !folds[i]->n)
			continue;
		total += folds[i]->n;
		lo = folds[i]->min < lo ? folds[i]->min : lo;
		hi = folds[i]->max > hi ? folds[i]->max : hi;
	}
	if (!total)
		return 0;
	rank = ct_nearest_rank(total, pct);	/* as ct_percentile() */
	for (b = ct_fold_bucket(lo); b < CT_FOLD_BUCKETS; b++) {
		seen += count_at(folds, n, b);
		if (seen >= rank)
			break;
	}
	v = bucket_mid(b < CT_FOLD_BUCKETS ? b : CT_FOLD_BUCKETS - 1);
	return v < lo ? lo : v > hi ? hi : v;
}
