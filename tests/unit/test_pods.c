// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Pods apart from containers (agg.h): every CRI fixture replayed as
 * `coldtrace --replay X --engine cri -o DIR` does, its summary.json read
 * back against its sidecar, which lists each pod's sandbox ("is_pod")
 * and each app container ("pod_id") with the ids the CRI client's RPCs
 * returned: a count made without coldtrace.  The statistics are
 * recomputed here from the sidecar's records, grouped by the sidecar.
 * metrics.prom the same way: the pods' families and the containers'.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session.h"
#include "tjson.h"
#include "tprom.h"
#include "tsession.h"

static const char *const fixtures[] = {
	"cri-runc", "cri-crun", "cri2-runc", "cri2-crun", "cri-concurrent3",
};

/* What the sidecar says of one fixture's records, and their values. */
struct truth {
	char *runtime;		/* every record's, asserted one */
	size_t n[CT_KIND_MAX];	/* sandboxes, app containers */
	uint64_t cold[CT_KIND_MAX][TS_MAX];
	size_t ncold[CT_KIND_MAX];
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void learn(const char *name, struct truth *t)
{
	struct ts_all a;
	char key[64];
	uint64_t v;

	memset(t, 0, sizeof(*t));
	ts_replay_all(name, &a);
	for (size_t i = 0; i < a.n; i++) {
		const struct tj *sc = a.sidecar;
		enum ct_kind k;

		snprintf(key, sizeof(key), "containers.%zu.is_pod", i);
		k = tj_get(sc, key) ? CT_KIND_POD : CT_KIND_CONTAINER;
		snprintf(key, sizeof(key), "containers.%zu.pod_id", i);
		cr_assert((k == CT_KIND_POD) != !!tj_str(sc, key),
			  "%s: entry %zu is a sandbox or names its pod", name,
			  i);
		snprintf(key, sizeof(key), "containers.%zu.runtime", i);
		cr_assert(tj_str(sc, key), "%s: no %s", name, key);
		if (!t->runtime)
			t->runtime = strdup(tj_str(sc, key));
		cr_assert_str_eq(tj_str(sc, key), t->runtime);
		t->n[k]++;
		v = ct_cold_start_ns(&a.c[i]);
		if (v)
			t->cold[k][t->ncold[k]++] = v;
	}
	ts_all_free(&a);
	for (int k = 0; k < CT_KIND_MAX; k++)
		qsort(t->cold[k], t->ncold[k], sizeof(uint64_t), cmp_u64);
}

/* Nearest rank, written out again: ceil(pct * n / 100), 1-based. */
static uint64_t rank(const uint64_t *sorted, size_t n, unsigned int pct)
{
	size_t r = (pct * n + 99) / 100;

	return sorted[r ? r - 1 : 0];
}

/* DIR/metrics.prom against the truth: counts, cold start count and sum. */
static void expect_prom(const char *dir, const struct truth *t)
{
	static const char *const total[] = {
		"coldtrace_containers_total", "coldtrace_pods_total",
	};
	static const char *const cold[] = {
		"coldtrace_cold_start_seconds",
		"coldtrace_pod_cold_start_seconds",
	};
	struct prom *p = malloc(sizeof(*p));
	char path[512], labels[96], name[96], *text;
	double sum;

	cr_assert_not_null(p);
	snprintf(path, sizeof(path), "%s/metrics.prom", dir);
	text = tj_slurp(path, NULL);
	cr_assert_not_null(text, "%s", path);
	prom_parse(text, p);
	prom_check(p);
	snprintf(labels, sizeof(labels), "container_runtime=%s;engine=cri;",
		 t->runtime);
	for (int k = 0; k <= CT_KIND_POD; k++) {	/* no restore here */
		sum = 0;
		for (size_t i = 0; i < t->ncold[k]; i++)
			sum += t->cold[k][i] / 1e9;
		cr_expect_eq(prom_get(p, total[k], labels), t->n[k], "%s %s",
			     dir, total[k]);
		snprintf(name, sizeof(name), "%s_count", cold[k]);
		cr_expect_eq(prom_get(p, name, labels), t->ncold[k], "%s",
			     name);
		snprintf(name, sizeof(name), "%s_sum", cold[k]);
		cr_expect_float_eq(prom_get(p, name, labels), sum, 1e-9, "%s",
				   name);
	}
	free(text);
	free(p);
}

static struct tj *replay_summary(const char *name, char *dir)
{
	struct ct_cli cli = { .output_dir = dir,
			      .engine_mask = 1u << CT_ENG_CRI };
	struct ct_session s = { .cli = &cli };
	char path[512], err[256], *text;
	struct tj *sum;
	size_t len;

	snprintf(path, sizeof(path), "tests/fixtures/%s.ctrec", name);
	cli.replay_path = path;
	cr_assert_eq(ct_session_replay(&s), 0, "%s", name);
	ct_session_free(&s);
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	text = tj_slurp(path, &len);
	cr_assert_not_null(text, "%s", path);
	sum = tj_parse(text, len, err, sizeof(err));
	cr_assert_not_null(sum, "%s: %s", path, err);
	free(text);
	return sum;
}

static void expect_stats(const struct tj *sum, const char *at,
			 const struct truth *t, enum ct_kind k)
{
	char key[128];
	uint64_t v;

	snprintf(key, sizeof(key), "%s.cold_start.n", at);
	cr_assert(tj_u64(sum, key, &v), "no %s", key);
	cr_expect_eq(v, t->ncold[k], "%s", key);
	snprintf(key, sizeof(key), "%s.cold_start.min_ns", at);
	cr_expect(tj_u64(sum, key, &v) && v == t->cold[k][0], "%s", key);
	snprintf(key, sizeof(key), "%s.cold_start.p50_ns", at);
	cr_expect(tj_u64(sum, key, &v) &&
		  v == rank(t->cold[k], t->ncold[k], 50), "%s", key);
	snprintf(key, sizeof(key), "%s.cold_start.max_ns", at);
	cr_expect(tj_u64(sum, key, &v) && v == t->cold[k][t->ncold[k] - 1],
		  "%s", key);
}

Test(pods, summary_and_metrics_count_pods_and_containers_apart,
     .init = cr_redirect_stdout)
{
	for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		char dir[] = "/tmp/ct-pods-XXXXXX", at[64], cmd[128];
		struct truth t;
		struct tj *sum;
		uint64_t v;

		cr_assert_not_null(mkdtemp(dir));
		learn(fixtures[f], &t);
		cr_assert_gt(t.n[CT_KIND_POD], 0, "%s", fixtures[f]);
		cr_assert_gt(t.n[CT_KIND_CONTAINER], 0, "%s", fixtures[f]);
		sum = replay_summary(fixtures[f], dir);
		snprintf(at, sizeof(at), "pods.%s", t.runtime);
		snprintf(cmd, sizeof(cmd), "%s.pods", at);
		cr_expect(tj_u64(sum, cmd, &v) && v == t.n[CT_KIND_POD],
			  "%s: %s", fixtures[f], cmd);
		expect_stats(sum, at, &t, CT_KIND_POD);
		snprintf(at, sizeof(at), "runtimes.%s", t.runtime);
		snprintf(cmd, sizeof(cmd), "%s.containers", at);
		cr_expect(tj_u64(sum, cmd, &v) && v == t.n[CT_KIND_CONTAINER],
			  "%s: %s", fixtures[f], cmd);
		expect_stats(sum, at, &t, CT_KIND_CONTAINER);
		expect_prom(dir, &t);
		tj_free(sum);
		free(t.runtime);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		cr_assert_eq(system(cmd), 0);
	}
}
