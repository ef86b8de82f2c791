// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Continuous mode's aggregator (agg.h, fold.h): folding many containers
 * gives the one-shot statistics (n, min, max, mean, sum and shares
 * exact; percentiles within CT_FOLD_REL_ERR), the same /metrics text,
 * a window of the last records, and memory that stops growing.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fold.h"
#include "jsonl.h"
#include "output.h"
#include "prom.h"
#include "session.h"
#include "tfixture.h"

#define WINDOW	16
#define PERIOD	30000

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* 1 us .. ~1 s, spread over octaves as real phase times are. */
static uint64_t duration(uint64_t *s)
{
	return (xorshift(s) % 1000 + 1) * (1000ull << (xorshift(s) % 11));
}

/*
 * Container i, after the previous one (arrival order is run order, as a
 * one-shot sort would put them): two runtimes, two engines, every other
 * one named after one of five services (restarts), some incomplete, some
 * failed, some without a ready phase, some CRI pods' sandboxes.
 */
static void random_container(struct ct_container *c, unsigned int i,
			     uint64_t *t, uint64_t *rng)
{
	static const enum ct_phase order[] = {
		CT_PH_PREPARE, CT_PH_ATTACH, CT_PH_CREATE, CT_PH_START,
		CT_PH_RUN, CT_PH_READY, CT_PH_DIE, CT_PH_DISCONNECT,
		CT_PH_DESTROY,
	};
	uint64_t d;

	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "c%u", i);
	if (i % 2)
		snprintf(c->name, sizeof(c->name), "svc%u", i / 2 % 5);
	c->runtime = i % 3 ? CT_RT_RUNC : CT_RT_RUNSC;
	c->engine = i % 4 ? CT_ENG_DOCKER : CT_ENG_CONTAINERD;
	/* groups and restarts of their own (agg.h) */
	c->is_pod = i % 5 == 0;
	if (c->is_pod)
		c->engine = CT_ENG_CRI;
	c->complete = i % 10 != 0;
	c->failed = i % 53 ? CT_FAIL_NONE : CT_FAIL_CREATE;
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		if (order[k] == CT_PH_READY && i % 3 == 0)
			continue;
		d = duration(rng);
		/* ready overlaps run: it ends before run does */
		if (order[k] == CT_PH_READY)
			tf_phase(c, CT_PH_READY, *t - d / 2, *t);
		else
			tf_phase(c, order[k], *t, *t + d);
		if (order[k] != CT_PH_READY)
			*t += d;
	}
	if (c->is_pod)	/* its last app's exec */
		c->pod_ready_ns = c->phases[CT_PH_RUN].start_ns + 1000;
	c->opens.valid = i % 5 == 0;
	c->opens.count = i % 5 == 0;
	c->opens.slots[i % CT_HIST_SLOTS] = c->opens.count;
}

/* The same containers into a one-shot and a continuous aggregator. */
static void fill(struct ct_agg *exact, struct ct_agg *folded, unsigned int n)
{
	struct ct_container c;
	uint64_t t = 1000 * MS, rng = 0;

	for (unsigned int i = 0; i < n; i++) {
		/* the same times again every PERIOD containers: a host's
		 * steady state, whose range memory depends on, not n */
		if (i % PERIOD == 0)
			rng = 88172645463325252ull;
		random_container(&c, i, &t, &rng);
		if (exact)
			cr_assert_eq(ct_agg_add(exact, &c), 0);
		cr_assert_eq(ct_agg_add(folded, &c), 0);
	}
}

/* The largest relative error seen, for the log (README's figure). */
static double max_err;

static void expect_close(uint64_t got, uint64_t want, const char *what,
			 int rt, int p)
{
	double err = want ? ((double)got - (double)want) / (double)want : got;

	if (err > max_err || -err > max_err)
		max_err = err > 0 ? err : -err;
	cr_expect(err <= CT_FOLD_REL_ERR && err >= -CT_FOLD_REL_ERR,
		  "%s rt %d slot %d: %lu vs exact %lu (%.4f)", what, rt, p,
		  (unsigned long)got, (unsigned long)want, err);
}

static void expect_stats(const struct ct_stats *f, const struct ct_stats *e,
			 int rt, int p)
{
	cr_expect_eq(f->n, e->n, "n rt %d slot %d", rt, p);
	cr_expect_eq(f->min_ns, e->min_ns, "min rt %d slot %d", rt, p);
	cr_expect_eq(f->max_ns, e->max_ns, "max rt %d slot %d", rt, p);
	cr_expect_eq(f->sum_ns, e->sum_ns, "sum rt %d slot %d", rt, p);
	cr_expect_eq(f->mean_ns, e->mean_ns, "mean rt %d slot %d", rt, p);
	cr_expect(f->share == e->share, "share rt %d slot %d", rt, p);
	expect_close(f->p50_ns, e->p50_ns, "p50", rt, p);
	expect_close(f->p90_ns, e->p90_ns, "p90", rt, p);
	expect_close(f->p99_ns, e->p99_ns, "p99", rt, p);
}

Test(fold, buckets_cover_every_value_once)
{
	uint64_t rng = 1, v;
	size_t b;

	for (int i = 0; i < 200000; i++) {
		v = i < 5000 ? (uint64_t)i : xorshift(&rng) >> (i % 64);
		b = ct_fold_bucket(v);
		cr_assert_lt(b, CT_FOLD_BUCKETS);
		cr_assert_leq(ct_fold_bucket_lo(b), v);
		if (b + 1 < CT_FOLD_BUCKETS)
			cr_assert_lt(v, ct_fold_bucket_lo(b + 1));
		/* the width that bounds the error: at most lo / 64 */
		if (b >= 2 * CT_FOLD_SUB && b + 1 < CT_FOLD_BUCKETS)
			cr_assert_leq(ct_fold_bucket_lo(b + 1) -
				      ct_fold_bucket_lo(b),
				      ct_fold_bucket_lo(b) / CT_FOLD_SUB);
	}
	cr_assert_eq(ct_fold_bucket(UINT64_MAX), CT_FOLD_BUCKETS - 1);
}

Test(fold, statistics_match_one_shot_within_bound)
{
	struct ct_agg *e = ct_agg_new(), *f = ct_agg_new_continuous(WINDOW);
	struct ct_stats se, sf;
	size_t ne, nf, ce, cf;

	fill(e, f, 20000);
	for (int i = 0; i < CT_RT_MAX * CT_KIND_MAX; i++) {
		int rt = i / CT_KIND_MAX, k = i % CT_KIND_MAX;

		ne = ct_agg_runtime_count(e, rt, k, &ce);
		nf = ct_agg_runtime_count(f, rt, k, &cf);
		cr_expect_eq(nf, ne);
		cr_expect_eq(cf, ce);
		cr_expect_eq(ct_agg_runtime_failed(f, rt, k),
			     ct_agg_runtime_failed(e, rt, k));
		for (int p = 0; p <= CT_AGG_COLD; p++) {
			cr_assert_eq(ct_agg_stats(e, rt, k, p, &se), 0);
			cr_assert_eq(ct_agg_stats(f, rt, k, p, &sf), 0);
			expect_stats(&sf, &se, i, p);
		}
		for (int p = 0; p <= CT_AGG_TOTAL; p++) {
			cr_assert_eq(ct_agg_restart_stats(e, rt, k, p, &se), 0);
			cr_assert_eq(ct_agg_restart_stats(f, rt, k, p, &sf), 0);
			expect_stats(&sf, &se, i, p);
		}
	}
	cr_assert_gt(ct_agg_runtime_count(f, CT_RT_RUNC, CT_KIND_POD, NULL),
		     1000, "pods were folded apart");
	cr_assert_eq(ct_agg_restart_stats(f, CT_RT_RUNC, CT_KIND_CONTAINER,
					  CT_AGG_TOTAL, &sf), 0);
	cr_assert_gt(sf.n, 1000, "restarts were paired: %lu",
		     (unsigned long)sf.n);
	cr_log_info("20000 containers: largest percentile error %.4f %%",
		    max_err * 100);
	ct_agg_free(e);
	ct_agg_free(f);
}

static char *prom_text(const struct ct_agg *a)
{
	struct ct_meta m = { .version = "t", .kernel = "k" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(f);
	cr_assert_eq(ct_export_prom(f, a, &m), 0);
	fclose(f);
	return buf;
}

/* Cuts the sample line of name out of text; false if it has none. */
static bool cut_sample(char *text, const char *name)
{
	char pat[128], *p, *eol;

	snprintf(pat, sizeof(pat), "\n%s ", name);
	p = strstr(text, pat);
	if (!p)
		return false;
	eol = strchr(p + 1, '\n');
	memmove(p, eol, strlen(eol) + 1);
	return true;
}

/*
 * /metrics' buckets, counts and sums are exact: the same bytes, but for
 * the restart keys the continuous table forgot (every unnamed container
 * is a service of its own here: test below).
 */
Test(fold, metrics_text_identical_to_one_shot)
{
	static const char forgot[] = "coldtrace_restart_keys_forgotten_total";
	struct ct_agg *e = ct_agg_new(), *f = ct_agg_new_continuous(WINDOW);
	char *te, *tf;

	fill(e, f, 3000);
	te = prom_text(e);
	tf = prom_text(f);
	cr_expect_gt(ct_agg_restart_keys_forgotten(f), 0);
	cr_assert(cut_sample(te, forgot) && cut_sample(tf, forgot));
	cr_expect(strstr(tf, "\ncoldtrace_pod_cold_start_seconds_count{"),
		  "the pods' families");
	cr_expect_str_eq(tf, te);
	free(te);
	free(tf);
	ct_agg_free(e);
	ct_agg_free(f);
}

Test(fold, window_keeps_the_last_records)
{
	struct ct_agg *f = ct_agg_new_continuous(WINDOW);

	fill(NULL, f, 1000);
	cr_assert_eq(ct_agg_count(f), WINDOW);
	cr_assert_eq(ct_agg_added(f), 1000);
	cr_expect_str_eq(ct_agg_get(f, 0)->id, "c984");
	cr_expect_str_eq(ct_agg_get(f, WINDOW - 1)->id, "c999");
	cr_expect_null(ct_agg_get(f, WINDOW));
	ct_agg_free(f);
}

/*
 * After warm-up (every statistic has seen the octaves its values span),
 * not a byte more: 10 times the containers, the same bytes.  (A value
 * outside every octave seen so far costs one 256-byte row, at most
 * CT_FOLD_ROWS per statistic.)
 */
Test(fold, memory_does_not_grow_with_containers)
{
	struct ct_agg *f = ct_agg_new_continuous(WINDOW);
	size_t warm;

	fill(NULL, f, 2 * PERIOD);	/* a period's end, then its start */
	warm = ct_agg_bytes(f);
	ct_agg_free(f);
	f = ct_agg_new_continuous(WINDOW);
	fill(NULL, f, 10 * PERIOD);
	cr_expect_eq(ct_agg_bytes(f), warm, "%zu bytes after %d, %zu "
		     "after %d", ct_agg_bytes(f), 10 * PERIOD, warm, 2 * PERIOD);
	cr_log_info("continuous aggregator: %zu bytes (window %d)", warm,
		    WINDOW);
	ct_agg_free(f);
}

Test(fold, summary_says_continuous_and_bound)
{
	struct ct_agg *f = ct_agg_new_continuous(WINDOW);
	struct ct_meta m = { .version = "t", .kernel = "k" };
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);

	fill(NULL, f, 100);
	ct_jsonl_write_summary(o, f, &m);
	fclose(o);
	cr_expect(strstr(buf, "\"mode\":\"continuous\""), "%s", buf);
	cr_expect(strstr(buf, "\"max_relative_error\":0.01"), "%s", buf);
	cr_expect(strstr(buf, "\"records_kept\":16"), "%s", buf);
	free(buf);
	ct_agg_free(f);
}

/* README: --listen without -d, COMMAND (or --replay) is continuous. */
Test(fold, continuous_mode_is_listen_without_an_end)
{
	char *cmd[] = { "true", NULL };
	struct ct_cli cli = { 0 };

	cr_expect_not(ct_cli_continuous(&cli));
	cli.listen = "127.0.0.1:9466";
	cr_expect(ct_cli_continuous(&cli));
	cli.duration_s = 60;
	cr_expect_not(ct_cli_continuous(&cli));
	cli.duration_s = 0;
	cli.cmd = cmd;
	cr_expect_not(ct_cli_continuous(&cli));
	cli.cmd = NULL;
	cli.replay_path = "x.ctrec";
	cr_expect_not(ct_cli_continuous(&cli));
}

/* Service i's generation at t ms (restart_key(): its name). */
static void add_service(struct ct_agg *a, unsigned int i, uint64_t t)
{
	struct ct_container c;
	char id[16], name[16];

	snprintf(id, sizeof(id), "c%u-%llu", i, (unsigned long long)t);
	snprintf(name, sizeof(name), "svc%u", i);
	tf_container(&c, id, name, CT_RT_RUNC, t * MS, 10);
	cr_assert_eq(ct_agg_add(a, &c), 0);
}

static uint64_t restarts_of(const struct ct_agg *a)
{
	struct ct_stats st;

	cr_assert_eq(ct_agg_restart_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
					  CT_AGG_TOTAL, &st), 0);
	return st.n;
}

/*
 * CT_AGG_GENS + 3 services: the 3 least recently seen are pushed out and
 * counted; the first one's restart then goes unpaired (and pushes out
 * one more), the last one's is paired.  /metrics says the count; the
 * one-shot aggregator forgets nothing.
 */
Test(fold, restart_table_full_counts_what_it_forgets)
{
	struct ct_agg *f = ct_agg_new_continuous(WINDOW), *e = ct_agg_new();
	struct ct_agg *both[] = { f, e };
	unsigned int n = CT_AGG_GENS + 3;
	char *text;

	for (size_t k = 0; k < 2; k++) {
		for (unsigned int i = 0; i < n; i++)
			add_service(both[k], i, 1000 * i);
		add_service(both[k], 0, 1000 * n);
		add_service(both[k], n - 1, 1000 * (n + 1));
	}
	cr_expect_eq(ct_agg_restart_keys_forgotten(f), 4);
	cr_expect_eq(restarts_of(f), 1, "svc0 forgotten, svc%u paired", n - 1);
	cr_expect_eq(ct_agg_restart_keys_forgotten(e), 0);
	cr_expect_eq(restarts_of(e), 2);
	text = prom_text(f);
	cr_expect(strstr(text, "\ncoldtrace_restart_keys_forgotten_total 4\n"),
		  "%s", text);
	free(text);
	text = prom_text(e);
	cr_expect(strstr(text, "\ncoldtrace_restart_keys_forgotten_total 0\n"),
		  "%s", text);
	free(text);
	ct_agg_free(f);
	ct_agg_free(e);
}
