/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Continuous mode's statistics: one fixed-size
 * log-linear histogram per sample stream, so that folding the millionth
 * container costs no more memory than the first.
 *
 * Buckets: values below 128 ns are exact; above, each power of two is cut
 * into 64 equal buckets, so a bucket [lo, hi) has hi - lo <= lo / 64.  A
 * percentile is the middle of the bucket holding the nearest rank,
 * clamped to [min, max]: within CT_FOLD_REL_ERR (1/128 < 0.8 %, stated as
 * 1 %) of the exact nearest-rank percentile.  n, min, max, sum and so the
 * mean are exact.  Counts are 32-bit: 4 billion samples per bucket.
 *
 * A row of 64 buckets (256 bytes) is allocated when a value first falls
 * in it: a statistic costs its row table and the rows its values span
 * (phase times: a handful of octaves), at most CT_FOLD_ROWS rows.
 */
#ifndef __CT_FOLD_H
#define __CT_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CT_FOLD_SUB_BITS	6	/* 64 buckets per power of two */
#define CT_FOLD_SUB		(1u << CT_FOLD_SUB_BITS)
/* 0..127 exact (two rows of 64), then one row per octave 2^7 .. 2^63 */
#define CT_FOLD_BUCKETS		((64 - CT_FOLD_SUB_BITS + 1) * CT_FOLD_SUB)
/* What the README and the summary state; the real bound is 1/128. */
#define CT_FOLD_REL_ERR		0.01

#define CT_FOLD_ROWS		(CT_FOLD_BUCKETS / CT_FOLD_SUB)

struct ct_fold {
	uint64_t n;
	uint64_t sum;
	uint64_t min;
	uint64_t max;
	uint32_t *rows[CT_FOLD_ROWS];	/* CT_FOLD_SUB buckets each, or NULL */
};

/* Adds v; -ENOMEM (nothing counted) if its row cannot be allocated. */
int ct_fold_add(struct ct_fold *f, uint64_t v);
void ct_fold_free(struct ct_fold *f);

/* Bucket of v, and the lowest value of bucket b. */
size_t ct_fold_bucket(uint64_t v);
uint64_t ct_fold_bucket_lo(size_t b);

/*
 * Nearest-rank percentile pct of the union of folds[0..n-1] (NULL
 * entries skipped): the middle of its bucket, clamped to min..max of the
 * union.  0 when they hold no sample.
 */
uint64_t ct_fold_percentile(const struct ct_fold *const *folds, size_t n,
			    unsigned int pct);

/* Bytes f allocated (ct_agg_bytes(): flat after warm-up). */
size_t ct_fold_bytes(const struct ct_fold *f);

#endif /* __CT_FOLD_H */
