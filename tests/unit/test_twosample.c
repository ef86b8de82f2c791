// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `coldtrace compare`'s statistics (twosample.h): values R gives for
 * small cases (R 4.2, Debian's r-base-core; tests/compare_truth.py holds
 * thousands more to R and SciPy), and properties over seeded resamples:
 * A against A moves at the stated rate, a known shift is found and its
 * interval covers it at the stated rate, the gate's alpha holds.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include "compare_gate.h"
#include "twosample.h"

static int cmpd(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

static void sorted(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmpd);
}

static uint64_t seed = 42;

static double uniform(void)
{
	seed ^= seed >> 12, seed ^= seed << 25, seed ^= seed >> 27;
	return ((seed * 0x2545F4914F6CDD1DULL) >> 11) * 0x1.0p-53;
}

/* A start's phase: lognormal around 100 ms, sigma 0.3 (Box-Muller). */
static double phase_ns(void)
{
	double u = uniform(), v = uniform();

	return 1e8 * exp(0.3 * sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v));
}

static void draw(double *v, size_t n, double add)
{
	for (size_t i = 0; i < n; i++)
		v[i] = phase_ns() + add;
	sorted(v, n);
}

Test(twosample, r_exact_small)
{
	/* wilcox.test(c(4,7,15,20,22,13,11), c(1,5,3,8,9,12), conf.int=TRUE) */
	double a[] = { 1, 3, 5, 8, 9, 12 }, b[] = { 4, 7, 11, 13, 15, 20, 22 };
	struct ct_ts_result r;

	cr_assert_eq(ct_ts_compare(a, 6, b, 7, 0.95, &r), 0);
	cr_assert(r.exact);
	cr_assert_float_eq(r.shift, 6.5, 1e-12);
	cr_assert_float_eq(r.lo, -1, 1e-12);
	cr_assert_float_eq(r.hi, 14, 1e-12);
	cr_assert_float_eq(r.u, 34, 1e-12);
	cr_assert_float_eq(r.p, 0.073426573426573424, 1e-15);
	cr_assert_float_eq(r.cliff, 2 * 34.0 / 42 - 1, 1e-12);
}

Test(twosample, r_normal_with_ties)
{
	/* wilcox.test(c(2,3,3,5,8), c(1,1,2,3,4), conf.int=TRUE, exact=FALSE):
	 * W = 19.5, p-value = 0.1666... (ties: the normal approximation) */
	double a[] = { 1, 1, 2, 3, 4 }, b[] = { 2, 3, 3, 5, 8 };
	struct ct_ts_result r;

	cr_assert_eq(ct_ts_compare(a, 5, b, 5, 0.95, &r), 0);
	cr_assert_not(r.exact);
	cr_assert_float_eq(r.u, 19.5, 1e-12);
	cr_assert_float_eq(r.p, 0.16660739402832656, 1e-12);
	cr_assert_float_eq(r.shift, 2, 1e-12);	/* median(outer()) */
}

Test(twosample, u_distribution)
{
	/* pwilcox(3, 4, 5) = 0.0555..., qwilcox(0.025, 6, 7) = 7 */
	cr_assert_float_eq(ct_ts_u_cdf(3, 4, 5), 7.0 / 126, 1e-15);
	cr_assert_float_eq(ct_ts_u_cdf(20, 4, 5) , 1, 1e-15);
	cr_assert_float_eq(ct_ts_u_sf(17, 4, 5), 7.0 / 126, 1e-15);
	cr_assert_eq(ct_ts_u_quantile(0.025, 6, 7), 7);
	cr_assert(isnan(ct_ts_u_cdf(1, 50, 3)));
}

Test(twosample, bh_as_p_adjust)
{
	/* p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.5), "BH") */
	double p[] = { 0.01, 0.04, 0.03, 0.005, 0.5 }, q[5];
	double want[] = { 0.025, 0.05, 0.05, 0.025, 0.5 };

	cr_assert_eq(ct_ts_bh(p, 5, q), 0);
	for (int i = 0; i < 5; i++)
		cr_assert_float_eq(q[i], want[i], 1e-15, "q[%d] %g", i, q[i]);
}

/* A vs A: the test says "moved" (p < 0.05) at most at its rate. */
Test(twosample, a_vs_a_at_the_stated_rate)
{
	double a[20], b[20];
	struct ct_ts_result r;
	int moved = 0, runs = 2000;

	for (int i = 0; i < runs; i++) {
		draw(a, 20, 0);
		draw(b, 20, 0);
		cr_assert_eq(ct_ts_compare(a, 20, b, 20, 0.95, &r), 0);
		moved += r.p < 0.05;
	}
	/* exact and discrete: at most 5 %, binomial sd 0.5 % */
	cr_assert(moved <= runs * 0.065 && moved >= runs * 0.03, "%d", moved);
}

/* A known 20 ms shift: found, and the 95 % interval covers it >= 95 %
 * of the time less three binomial sd (the exact interval is conservative). */
Test(twosample, known_shift_found_and_covered)
{
	double a[20], b[20];
	struct ct_ts_result r;
	int covered = 0, found = 0, runs = 2000;

	for (int i = 0; i < runs; i++) {
		draw(a, 20, 0);
		draw(b, 20, 20e6);
		cr_assert_eq(ct_ts_compare(a, 20, b, 20, 0.95, &r), 0);
		covered += r.has_ci && r.lo <= 20e6 && 20e6 <= r.hi;
		found += r.p < 0.05;
	}
	cr_assert(covered >= runs * 0.935, "covered %d", covered);
	cr_assert(found >= runs * 0.5, "found %d", found);
}

/* The gate at alpha 0.001 on A vs A: a +5 % limit passes (nearly) always. */
Test(twosample, gate_a_vs_a_never_fails)
{
	struct ct_gate g;
	char err[256];
	double a[20], b[20];
	struct ct_ts_result r;
	int failed = 0;

	cr_assert_eq(ct_gate_parse("cold_start.p50 > +5%", &g, err,
				   sizeof(err)), 0);
	for (int i = 0; i < 2000; i++) {
		draw(a, 20, 0);
		draw(b, 20, 0);
		cr_assert_eq(ct_ts_compare(a, 20, b, 20, 0.999, &r), 0);
		cr_assert(r.has_ci);
		failed += ct_gate_fails(&g, r.med_a, r.lo);
	}
	cr_assert(failed <= 2, "%d of 2000", failed);
}

Test(twosample, gate_parse)
{
	struct ct_gate g;
	char err[256];

	cr_assert_eq(ct_gate_parse("create.p90 > +20ms", &g, err, sizeof(err)), 0);
	cr_assert_str_eq(g.metric, "create");
	cr_assert_eq(g.pct, 90);
	cr_assert_not(g.relative);
	cr_assert_float_eq(g.limit, 20e6, 1e-6);
	cr_assert_eq(ct_gate_parse("create:do_wait.p50>5%", &g, err, sizeof(err)), 0);
	cr_assert_str_eq(g.metric, "create:do_wait");
	cr_assert(g.relative);
	cr_assert_neq(ct_gate_parse("create.p50 < +5%", &g, err, sizeof(err)), 0);
	cr_assert_neq(ct_gate_parse("create.p95 > 5%", &g, err, sizeof(err)), 0);
	cr_assert_neq(ct_gate_parse("create.p50 > 5 parsecs", &g, err, sizeof(err)), 0);
	cr_assert_neq(ct_gate_parse("p50 > 5%", &g, err, sizeof(err)), 0);
	cr_assert_neq(ct_gate_parse("create.p50 >= 5%", &g, err, sizeof(err)), 0);
	cr_assert_neq(ct_gate_parse("create.p50 > -5%", &g, err, sizeof(err)), 0);
}

Test(twosample, tail_needs_enough_and_is_deterministic)
{
	double a[60], b[60], s1, l1, h1, s2, l2, h2;

	draw(a, 60, 0);
	draw(b, 60, 30e6);
	cr_assert_not(ct_ts_tail_shift(a, 40, b, 60, 90, 0.95, 500, 7, &s1,
				       &l1, &h1));	/* 40 * 10 % < 5 */
	cr_assert(ct_ts_tail_shift(a, 60, b, 60, 90, 0.95, 500, 7, &s1, &l1,
				   &h1));
	cr_assert(ct_ts_tail_shift(a, 60, b, 60, 90, 0.95, 500, 7, &s2, &l2,
				   &h2));
	cr_assert(s1 == s2 && l1 == l2 && h1 == h2);
	cr_assert(l1 <= s1 && s1 <= h1);
	cr_assert_float_eq(s1, ct_ts_percentile(b, 60, 90) -
				       ct_ts_percentile(a, 60, 90), 1e-6);
}
