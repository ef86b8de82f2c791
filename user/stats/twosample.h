/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Two samples compared (`coldtrace compare`, docs/compare.md): how far B
 * sits from A, with an interval and a test that assume no distribution.
 *
 * The shift is the Hodges-Lehmann estimate, the median of the m * n
 * differences b - a; its interval is Moses' order statistics of those
 * differences, and the test is the Mann-Whitney U (Wilcoxon rank-sum)
 * test, both as R's wilcox.test(b, a, conf.int = TRUE) computes them:
 * exact (the U distribution) when both samples are under 50 and nothing
 * ties, otherwise the normal approximation with the tie and continuity
 * corrections, whose interval's ends are the differences where the
 * corrected statistic crosses the quantile.  Tail percentiles get a
 * seeded percentile bootstrap.  Every function is pure; none allocates
 * unless it says so.
 */
#ifndef __CT_TWOSAMPLE_H
#define __CT_TWOSAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* R's choice of the exact test: both samples under this, no ties. */
#define CT_TS_EXACT_MAX	50

struct ct_ts_result {
	size_t na, nb;
	double med_a, med_b;	/* medians (the two middle ones' mean) */
	double shift;		/* Hodges-Lehmann: median of b - a */
	bool has_ci;		/* false: too few for the confidence asked */
	double lo, hi;		/* the shift's interval */
	double u;		/* U of B: #(b > a) + #(b == a) / 2 */
	double p;		/* two-sided */
	bool exact;		/* p and interval from the U distribution */
	double cliff;		/* Cliff's delta, P(b > a) - P(b < a) */
};

/*
 * Compares b against a (both sorted ascending, na, nb >= 1) at
 * confidence conf (0.95).  0, or -ENOMEM (the differences are kept:
 * na * nb doubles).
 */
int ct_ts_compare(const double *a, size_t na, const double *b, size_t nb,
		  double conf, struct ct_ts_result *r);

/* Median of sorted v[0..n-1] (the mean of the middle two when n is even). */
double ct_ts_median(const double *v, size_t n);

/*
 * The exact U distribution of samples of m and n (both < CT_TS_EXACT_MAX,
 * no ties): P(U <= q) and P(U >= q); qwilcox: the smallest q with
 * P(U <= q) >= p.  -1 / NAN when m or n is out of range or on -ENOMEM.
 */
double ct_ts_u_cdf(double q, size_t m, size_t n);
double ct_ts_u_sf(double q, size_t m, size_t n);
long ct_ts_u_quantile(double p, size_t m, size_t n);

/* Benjamini-Hochberg: q[i] = adjusted p[i], as R's p.adjust("BH"). */
int ct_ts_bh(const double *p, size_t n, double *q);

/*
 * The shift of the nearest-rank percentile pct (coldtrace's ct_percentile)
 * from a to b, and its percentile-bootstrap interval at conf over
 * `resamples` resamples of each side drawn with seed: deterministic.
 * False (nothing set) when a side has fewer than CT_TS_TAIL_MIN
 * observations above the percentile: too few for the tail.
 */
#define CT_TS_TAIL_MIN	5
bool ct_ts_tail_shift(const double *a, size_t na, const double *b, size_t nb,
		      unsigned int pct, double conf, unsigned int resamples,
		      uint64_t seed, double *shift, double *lo, double *hi);

/* Nearest-rank percentile of sorted v (ct_percentile's rule). */
double ct_ts_percentile(const double *v, size_t n, unsigned int pct);

#endif /* __CT_TWOSAMPLE_H */
