// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Two-sample statistics (twosample.h).  The formulas are R's
 * (src/library/stats/R/wilcox.test.R, src/nmath/wilcox.c), so that
 * tests/compare_truth.sh can hold every number to R and SciPy.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "twosample.h"

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

double ct_ts_median(const double *v, size_t n)
{
	if (!n)
		return NAN;
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double ct_ts_percentile(const double *v, size_t n, unsigned int pct)
{
	return n ? v[ct_nearest_rank(n, pct) - 1] : NAN;
}

/*
 * P(U = k), k = 0..m*n, for U = #(x > y) of m x's and n y's, no ties:
 * the largest of the m + n is an x with probability i / (i + j), then
 * beating all j y's.  Only sums of positive terms: no cancellation.
 */
static double *u_dist(size_t m, size_t n)
{
	size_t len = m * n + 1, i, j, k;
	double *prev = calloc((n + 1) * len, sizeof(double));
	double *cur = calloc((n + 1) * len, sizeof(double));
	double *out = NULL, *t;

	if (!prev || !cur)
		goto done;
	for (j = 0; j <= n; j++)
		prev[j * len] = 1;		/* no x: U = 0 */
	for (i = 1; i <= m; i++) {
		memset(cur, 0, (n + 1) * len * sizeof(double));
		cur[0] = 1;			/* no y: U = 0 */
		for (j = 1; j <= n; j++) {
			double px = (double)i / (double)(i + j);
			double *d = cur + j * len;

			for (k = 0; k <= i * j; k++) {
				double v = (1 - px) * cur[(j - 1) * len + k];

				if (k >= j)
					v += px * prev[j * len + k - j];
				d[k] = v;
			}
		}
		t = prev, prev = cur, cur = t;
	}
	out = malloc(len * sizeof(double));
	if (out)
		memcpy(out, prev + n * len, len * sizeof(double));
done:
	free(prev);
	free(cur);
	return out;
}

static bool exact_range(size_t m, size_t n)
{
	return m && n && m < CT_TS_EXACT_MAX && n < CT_TS_EXACT_MAX;
}

static double dist_cdf(const double *d, size_t mn, double q)
{
	double p = 0;

	for (size_t k = 0; k <= mn && (double)k <= q; k++)
		p += d[k];
	return p;
}

static double dist_sf(const double *d, size_t mn, double q)
{
	double p = 0;

	for (size_t k = mn + 1; k-- > 0 && (double)k >= q;)
		p += d[k];
	return p;
}

/* R's qwilcox() for p <= 0.5, its 10 DBL_EPSILON slack included. */
static long dist_quantile(const double *d, size_t mn, double p)
{
	double c = 0;
	size_t q;

	p -= 10 * DBL_EPSILON;
	for (q = 0; q < mn; q++) {
		c += d[q];
		if (c >= p)
			break;
	}
	return (long)q;
}

/* One of the distribution's functions, on a distribution made for it. */
static double on_dist(double q, size_t m, size_t n,
		      double (*fn)(const double *, size_t, double))
{
	double *d, p;

	if (!exact_range(m, n) || !(d = u_dist(m, n)))
		return NAN;
	p = fn(d, m * n, q);
	free(d);
	return p;
}

double ct_ts_u_cdf(double q, size_t m, size_t n)
{
	return on_dist(q, m, n, dist_cdf);
}

double ct_ts_u_sf(double q, size_t m, size_t n)
{
	return on_dist(q, m, n, dist_sf);
}

long ct_ts_u_quantile(double p, size_t m, size_t n)
{
	double *d;
	long q;

	if (!exact_range(m, n) || p > 0.5 || !(d = u_dist(m, n)))
		return -1;
	q = dist_quantile(d, m * n, p);
	free(d);
	return q;
}

/* Upper-tail standard normal quantile (Acklam's, refined once). */
static double z_upper(double p)
{
	static const double a[] = { -3.969683028665376e+01,
		2.209460984245205e+02, -2.759285104469687e+02,
		1.383577518672690e+02, -3.066479806614716e+01,
		2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01,
		1.615858368580409e+02, -1.556989798598866e+02,
		6.680131188771972e+01, -1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03,
		-3.223964580411365e-01, -2.400758277161838e+00,
		-2.549732539343734e+00, 4.374664141464968e+00,
		2.938163982698783e+00 };
	static const double dd[] = { 7.784695709041462e-03,
		3.224671290700398e-01, 2.445134137142996e+00,
		3.754408661907416e+00 };
	double q = p < 0.5 ? p : 1 - p, x, r, e;

	if (q < 0.02425) {
		r = sqrt(-2 * log(q));
		x = (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) *
		     r + c[5]) / ((((dd[0] * r + dd[1]) * r + dd[2]) * r +
				   dd[3]) * r + 1);
	} else {
		r = (q - 0.5) * (q - 0.5);
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) *
		     r + a[5]) * (q - 0.5) /
		    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) *
		     r + 1);
	}
	/* x is the lower quantile of q; one Halley step to full precision */
	e = 0.5 * erfc(-x / sqrt(2)) - q;
	r = e * 2.506628274631000502 * exp(x * x / 2);
	x = x - r / (1 + x * r / 2);
	return p < 0.5 ? -x : x;
}

/* Sum over tie groups of sorted v of t^3 - t. */
static double tie_term(const double *v, size_t n)
{
	double s = 0;
	size_t i = 0, j;

	while (i < n) {
		for (j = i + 1; j < n && v[j] == v[i]; j++)
			;
		s += ((double)(j - i) * (j - i) * (j - i)) - (double)(j - i);
		i = j;
	}
	return s;
}

/* U of b and the tie term of the pooled sample (both sorted). */
static double u_of(const double *a, size_t na, const double *b, size_t nb,
		   double *ties)
{
	size_t lt = 0, le = 0, i, j = 0, k = 0;
	double u = 0, *all = malloc((na + nb) * sizeof(double));

	for (i = 0; i < nb; i++) {
		while (lt < na && a[lt] < b[i])
			lt++;
		while (le < na && a[le] <= b[i])
			le++;
		u += (double)lt + (double)(le - lt) / 2;
	}
	*ties = NAN;
	if (!all)
		return u;
	for (i = 0; i < na + nb; i++)	/* merge */
		all[i] = (k >= nb || (j < na && a[j] <= b[k])) ? a[j++] : b[k++];
	*ties = tie_term(all, na + nb);
	free(all);
	return u;
}

static double sigma_of(size_t m, size_t n, double ties)
{
	double mn = (double)m * (double)n, N = (double)(m + n);

	return sqrt(mn / 12 * ((N + 1) - ties / (N * (N - 1))));
}

static double sign(double x)
{
	return (x > 0) - (x < 0);
}

/* Two-sided p of the normal approximation with both corrections. */
static double p_normal(double u, size_t m, size_t n, double sigma)
{
	double z = u - (double)m * (double)n / 2;

	if (!(sigma > 0))
		return 1;
	z = (z - sign(z) * 0.5) / sigma;
	return fmin(1, erfc(fabs(z) / sqrt(2)));
}

static size_t clamp_index(double i, size_t N)
{
	if (i < 1)
		return 1;
	return i > (double)N ? N : (size_t)i;
}

/*
 * The normal approximation's interval: the differences where the
 * corrected statistic of b - d against a crosses -+z (R's uniroot()
 * finds these jumps of a step function).  Between two differences only
 * the ties within each sample count, so sigma is constant there.
 */
static void ci_normal(const double *a, size_t na, const double *b, size_t nb,
		      const double *diffs, double conf, struct ct_ts_result *r)
{
	size_t N = na * nb;
	double z = z_upper((1 - conf) / 2);
	double s = sigma_of(na, nb, tie_term(a, na) + tie_term(b, nb));

	r->has_ci = s > 0;
	if (!r->has_ci)
		return;
	r->lo = diffs[clamp_index(ceil(N / 2.0 - 0.5 - z * s), N) - 1];
	r->hi = diffs[clamp_index(ceil(N / 2.0 + 0.5 + z * s), N) - 1];
}

/* Moses' interval from the exact distribution (R: qu = qwilcox()). */
static void ci_exact(const double *d, const double *diffs, size_t N,
		     double conf, struct ct_ts_result *r)
{
	long qu = dist_quantile(d, N, (1 - conf) / 2);

	r->has_ci = qu > 0;
	if (!r->has_ci)
		return;
	r->lo = diffs[qu - 1];
	r->hi = diffs[N - qu];
}

static void p_exact(const double *d, size_t N, struct ct_ts_result *r)
{
	double p = r->u > N / 2.0 ? dist_sf(d, N, r->u) : dist_cdf(d, N, r->u);

	r->p = fmin(1, 2 * p);
}

static double *diffs_of(const double *a, size_t na, const double *b,
			size_t nb)
{
	double *d = malloc(na * nb * sizeof(double));

	if (!d)
		return NULL;
	for (size_t i = 0; i < nb; i++)
		for (size_t j = 0; j < na; j++)
			d[i * na + j] = b[i] - a[j];
	qsort(d, na * nb, sizeof(double), cmp_double);
	return d;
}

int ct_ts_compare(const double *a, size_t na, const double *b, size_t nb,
		  double conf, struct ct_ts_result *r)
{
	double ties, *diffs, *dist = NULL;
	size_t N = na * nb;

	memset(r, 0, sizeof(*r));
	r->na = na, r->nb = nb;
	r->med_a = ct_ts_median(a, na), r->med_b = ct_ts_median(b, nb);
	if (!na || !nb)
		return -EINVAL;
	diffs = diffs_of(a, na, b, nb);
	if (!diffs)
		return -ENOMEM;
	r->shift = ct_ts_median(diffs, N);
	r->u = u_of(a, na, b, nb, &ties);
	r->cliff = (2 * r->u - (double)N) / (double)N;
	r->exact = exact_range(na, nb) && ties == 0;
	if (r->exact && !(dist = u_dist(na, nb)))
		r->exact = false;
	if (r->exact) {
		p_exact(dist, N, r);
		ci_exact(dist, diffs, N, conf, r);
	} else {
		r->p = p_normal(r->u, na, nb, sigma_of(na, nb, ties));
		ci_normal(a, na, b, nb, diffs, conf, r);
	}
	free(dist);
	free(diffs);
	return isnan(ties) ? -ENOMEM : 0;
}

int ct_ts_bh(const double *p, size_t n, double *q)
{
	size_t *o = malloc((n ? n : 1) * sizeof(size_t)), i, t;
	double m = 1;

	if (!o)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		o[i] = i;
	for (i = 1; i < n; i++)		/* insertion sort, p descending */
		for (t = i; t > 0 && p[o[t - 1]] < p[o[t]]; t--) {
			size_t x = o[t];

			o[t] = o[t - 1], o[t - 1] = x;
		}
	for (i = 0; i < n; i++) {	/* rank n - i */
		m = fmin(m, (double)n / (double)(n - i) * p[o[i]]);
		q[o[i]] = m;
	}
	free(o);
	return 0;
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12, *s ^= *s << 25, *s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/* The k-th smallest (0-based) of v[0..n-1], reordering v. */
static double select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		double pivot = v[lo + (hi - lo) / 2], t;
		size_t i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				t = v[i], v[i] = v[j], v[j] = t;
				i++;
				if (!j--)
					break;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

static double resampled_pct(const double *v, size_t n, unsigned int pct,
			    double *buf, uint64_t *s)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = v[rng_next(s) % n];
	return select_kth(buf, n, ct_nearest_rank(n, pct) - 1);
}

static bool tail_enough(size_t n, unsigned int pct)
{
	return pct < 100 && (double)n * (100 - pct) / 100 >= CT_TS_TAIL_MIN;
}

bool ct_ts_tail_shift(const double *a, size_t na, const double *b, size_t nb,
		      unsigned int pct, double conf, unsigned int resamples,
		      uint64_t seed, double *shift, double *lo, double *hi)
{
	double *buf, *sh;
	uint64_t s = seed ? seed : 1;
	size_t cut;

	if (!tail_enough(na, pct) || !tail_enough(nb, pct) || !resamples)
		return false;
	buf = malloc((na > nb ? na : nb) * sizeof(double));
	sh = malloc(resamples * sizeof(double));
	if (!buf || !sh) {
		free(buf);
		free(sh);
		return false;
	}
	for (unsigned int i = 0; i < resamples; i++)
		sh[i] = resampled_pct(b, nb, pct, buf, &s) -
			resampled_pct(a, na, pct, buf, &s);
	qsort(sh, resamples, sizeof(double), cmp_double);
	cut = (size_t)floor((1 - conf) / 2 * resamples);
	*lo = sh[cut];
	*hi = sh[resamples - 1 - cut];
	*shift = ct_ts_percentile(b, nb, pct) - ct_ts_percentile(a, na, pct);
	free(buf);
	free(sh);
	return true;
}
