// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Aggregator: percentiles, shares and restart pairing on known inputs. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include "agg.h"
#include "tfixture.h"

Test(agg, percentile_nearest_rank)
{
	uint64_t one[] = { 7 };
	uint64_t ten[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	uint64_t four[] = { 10, 20, 30, 40 };
	uint64_t five[] = { 1, 2, 3, 4, 5 };
	uint64_t ties[] = { 3, 3, 3, 9 };

	cr_assert_eq(ct_percentile(one, 1, 50), 7);
	cr_assert_eq(ct_percentile(one, 1, 99), 7);
	cr_assert_eq(ct_percentile(one, 1, 0), 7);
	cr_assert_eq(ct_percentile(ten, 10, 50), 5);
	cr_assert_eq(ct_percentile(ten, 10, 90), 9);
	cr_assert_eq(ct_percentile(ten, 10, 99), 10);
	cr_assert_eq(ct_percentile(ten, 10, 100), 10);
	cr_assert_eq(ct_percentile(four, 4, 50), 20);	/* even n: lower */
	cr_assert_eq(ct_percentile(four, 4, 90), 40);
	cr_assert_eq(ct_percentile(five, 5, 50), 3);	/* odd n: middle */
	cr_assert_eq(ct_percentile(ties, 4, 50), 3);
	cr_assert_eq(ct_percentile(ties, 4, 75), 3);
	cr_assert_eq(ct_percentile(ties, 4, 76), 9);
	cr_assert_eq(ct_percentile(NULL, 0, 50), 0);
}

Test(agg, stats_compute_sorts_and_fills)
{
	uint64_t v[] = { 40, 10, 30, 20, 20 };
	struct ct_stats st;

	ct_stats_compute(v, 5, &st);
	cr_assert_eq(st.n, 5);
	cr_assert_eq(st.min_ns, 10);
	cr_assert_eq(st.max_ns, 40);
	cr_assert_eq(st.p50_ns, 20);
	cr_assert_eq(st.p90_ns, 40);
	cr_assert_eq(st.mean_ns, 24);
	cr_assert_eq(st.sum_ns, 120);
	ct_stats_compute(v, 0, &st);
	cr_assert_eq(st.n, 0);
	cr_assert_eq(st.max_ns, 0);
}

static struct ct_agg *three_runc(void)
{
	struct ct_agg *a = ct_agg_new();
	struct ct_container c;

	cr_assert_not_null(a);
	tf_container(&c, "aaa", "", CT_RT_RUNC, 1000 * MS, 100);
	cr_assert_eq(ct_agg_add(a, &c), 0);
	tf_container(&c, "bbb", "", CT_RT_RUNC, 2000 * MS, 200);
	cr_assert_eq(ct_agg_add(a, &c), 0);
	tf_container(&c, "ccc", "", CT_RT_RUNC, 3000 * MS, 300);
	cr_assert_eq(ct_agg_add(a, &c), 0);
	return a;
}

Test(agg, phase_stats_per_runtime)
{
	struct ct_agg *a = three_runc();
	struct ct_stats st;

	cr_assert_eq(ct_agg_count(a), 3);
	cr_assert_str_eq(ct_agg_get(a, 1)->id, "bbb");
	cr_assert_null(ct_agg_get(a, 3));
	cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
				  CT_PH_RUN, &st), 0);
	cr_assert_eq(st.n, 3);
	cr_assert_eq(st.min_ns, 100 * MS);
	cr_assert_eq(st.p50_ns, 200 * MS);
	cr_assert_eq(st.max_ns, 300 * MS);
	cr_assert_eq(st.mean_ns, 200 * MS);
	/* total = 1+10+3+run+1+1+4 = run + 20 ms */
	cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
				  CT_AGG_TOTAL, &st), 0);
	cr_assert_eq(st.p50_ns, 220 * MS);
	cr_assert_float_eq(st.share, 1.0, 1e-9);
	/* connect (2 ms) is nested in create: exclusive create is 8 ms */
	cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
				  CT_PH_CREATE, &st), 0);
	cr_assert_eq(st.p50_ns, 10 * MS);
	cr_assert_float_eq(st.share, 24.0 / 660.0, 1e-9);
	ct_agg_free(a);
}

/*
 * One-shot keeps each record without its unused --paths entries: what
 * was used reads back whole, and nothing reads past it (test-san).
 */
Test(agg, kept_record_cut_after_used_paths)
{
	struct ct_agg *a = ct_agg_new();
	struct ct_container c;
	const struct ct_container *k;

	tf_container(&c, "aaa", "web", CT_RT_RUNC, 1000 * MS, 100);
	c.has_client = true;
	c.client.pid = 42;
	cr_assert_eq(ct_agg_add(a, &c), 0);
	c.n_slow = 2;
	c.slow[0] = (struct ct_slow_path){ .ns = 9, .ret = 3, .path = "/a" };
	c.slow[1] = (struct ct_slow_path){ .ns = 8, .ret = -2, .path = "/b" };
	cr_assert_eq(ct_agg_add(a, &c), 0);
	k = ct_agg_get(a, 0);
	cr_assert_str_eq(k->name, "web");
	cr_assert_eq(k->client.pid, 42, "fields before slow[] kept");
	cr_assert_eq(k->n_slow, 0);
	k = ct_agg_get(a, 1);
	cr_assert_eq(k->n_slow, 2);
	cr_assert_str_eq(k->slow[1].path, "/b");
	cr_assert_eq(k->slow[1].ret, -2);
	ct_agg_free(a);
}

Test(agg, empty_phase_and_runtime)
{
	struct ct_agg *a = three_runc();
	struct ct_stats st;

	cr_assert_eq(ct_agg_stats(a, CT_RT_RUNSC, CT_KIND_CONTAINER,
				  CT_PH_RUN, &st), 0);
	cr_assert_eq(st.n, 0);
	cr_assert_eq(st.p99_ns, 0);
	cr_assert_eq(st.share, 0.0);
	cr_assert_eq(ct_agg_stats(a, CT_RT_MAX, CT_KIND_CONTAINER,
				  CT_PH_RUN, &st), -EINVAL);
	cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
				  CT_AGG_COLD + 1, &st), -EINVAL);
	cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
				  -1, &st), -EINVAL);
	ct_agg_free(a);
}

Test(agg, empty_aggregator)
{
	struct ct_agg *a = ct_agg_new();
	struct ct_restart *rs;
	struct ct_stats st;

	cr_assert_eq(ct_agg_count(a), 0);
	cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
				  CT_AGG_TOTAL, &st), 0);
	cr_assert_eq(st.n, 0);
	cr_assert_eq(ct_agg_restarts(a, &rs), 0);
	cr_assert_null(rs);
	cr_assert_eq(ct_agg_restart_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
					  CT_AGG_TOTAL, &st), 0);
	cr_assert_eq(st.n, 0);
	ct_agg_free(a);
}

Test(agg, shares_sum_at_most_one)
{
	struct ct_agg *a = three_runc();
	struct ct_container c;
	struct ct_stats st;
	double sum = 0;
	int p;

	/* overlapping, odd phases: destroy overlapping die and disconnect */
	tf_container(&c, "ddd", "", CT_RT_RUNC, 4000 * MS, 5);
	tf_phase(&c, CT_PH_DESTROY, c.phases[CT_PH_DIE].start_ns,
		 c.last_ns + 50 * MS);
	ct_agg_add(a, &c);
	for (p = 0; p < CT_PH_MAX; p++) {
		cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
					  p, &st), 0);
		cr_assert(st.share >= 0.0);
		sum += st.share;
	}
	cr_assert(sum <= 1.0 + 1e-9, "shares sum to %f", sum);
	cr_assert(sum > 0.99, "fixture has no gaps: %f", sum);
	ct_agg_free(a);
}

Test(agg, incomplete_excluded_from_total_and_open_phase_ignored)
{
	struct ct_agg *a = three_runc();
	struct ct_container c;
	struct ct_stats st;

	tf_container(&c, "eee", "", CT_RT_RUNC, 5000 * MS, 900);
	c.complete = false;
	c.phases[CT_PH_DESTROY].end_ns = 0;	/* still open */
	ct_agg_add(a, &c);
	cr_assert_eq(ct_agg_runtime_count(a, CT_RT_RUNC, CT_KIND_CONTAINER,
					  NULL), 4);
	cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
				  CT_AGG_TOTAL, &st), 0);
	cr_assert_eq(st.n, 3);
	cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
				  CT_PH_RUN, &st), 0);
	cr_assert_eq(st.n, 4);
	cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
				  CT_PH_DESTROY, &st), 0);
	cr_assert_eq(st.n, 3);
	ct_agg_free(a);
}

/*
 * A container begun while the syscall hooks were detached (unarmed: no
 * ready, so a cold start that ends at its exec) is in no statistic, in
 * one-shot and continuous mode alike; one whose opens were cut by a
 * later detach still is (its start was seen whole).
 */
static void unarmed_left_out(struct ct_agg *a)
{
	struct ct_container c;
	struct ct_stats st;

	tf_container(&c, "aaa", "", CT_RT_RUNC, 1000 * MS, 100);
	cr_assert_eq(ct_agg_add(a, &c), 0);
	tf_container(&c, "cut", "", CT_RT_RUNC, 2000 * MS, 300);
	c.opens.valid = true;
	c.opens.traced_until_ns = 2100 * MS;
	cr_assert_eq(ct_agg_add(a, &c), 0);
	tf_container(&c, "idle", "", CT_RT_RUNC, 3000 * MS, 900);
	c.unarmed = true;
	cr_assert(!ct_agg_counts(&c));
	cr_assert_eq(ct_agg_add(a, &c), 0);
	for (int ph = 0; ph <= CT_AGG_COLD; ph++) {
		cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
					  ph, &st), 0);
		cr_expect_leq(st.n, 2, "phase %d counts the unarmed one", ph);
	}
	cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
				  CT_PH_RUN, &st), 0);
	cr_expect_eq(st.n, 2);
	cr_expect_eq(st.max_ns, 300 * MS, "the cut one counts, not the unarmed");
	ct_agg_free(a);
}

Test(agg, unarmed_in_no_statistic)
{
	unarmed_left_out(ct_agg_new());
	unarmed_left_out(ct_agg_new_continuous(16));
}

/*
 * A container whose prepare could not be told (prepare_missing: created
 * long before a start whose request was not seen) begins too late: its
 * cold start and total are in no statistic, its phases still are.
 */
Test(agg, prepare_missing_out_of_cold_start_and_total)
{
	struct ct_agg *a = three_runc();
	struct ct_container c;
	struct ct_stats st;
	uint64_t v;

	tf_container(&c, "late", "", CT_RT_RUNC, 5000 * MS, 900);
	c.prepare_missing = CT_PREP_NO_START;
	cr_expect(!ct_agg_sample(&c, CT_AGG_COLD, &v));
	cr_expect(!ct_agg_sample(&c, CT_AGG_TOTAL, &v));
	cr_expect(ct_agg_sample(&c, CT_PH_RUN, &v));
	cr_assert_eq(ct_agg_add(a, &c), 0);
	cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
				  CT_AGG_COLD, &st), 0);
	cr_expect_eq(st.n, 3);
	cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
				  CT_AGG_TOTAL, &st), 0);
	cr_expect_eq(st.n, 3);
	cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
				  CT_PH_RUN, &st), 0);
	cr_expect_eq(st.n, 4);
	ct_agg_free(a);
}

/*
 * Three generations of "web": gen1 at 1000 ms runs 100 ms, so its pid 1
 * exits (die start) at 1114 ms; gen2's program starts at 1214 ms:
 * restart 100 ms.  gen2 runs 50 ms (die 1264), gen3 starts its program
 * at 1514: restart 250 ms.  Added out of order on purpose.
 */
static struct ct_agg *three_generations(void)
{
	struct ct_agg *a = ct_agg_new();
	struct ct_container c;

	tf_container(&c, "gen3", "web", CT_RT_RUNC, 1500 * MS, 10);
	ct_agg_add(a, &c);
	tf_container(&c, "gen1", "web", CT_RT_RUNC, 1000 * MS, 100);
	ct_agg_add(a, &c);
	tf_container(&c, "other", "db", CT_RT_RUNC, 1100 * MS, 100);
	ct_agg_add(a, &c);
	tf_container(&c, "gen2", "web", CT_RT_RUNC, 1200 * MS, 50);
	ct_agg_add(a, &c);
	/* same name, other runtime: not a restart of the runc ones */
	tf_container(&c, "gvisor", "web", CT_RT_RUNSC, 1800 * MS, 10);
	ct_agg_add(a, &c);
	return a;
}

Test(agg, restart_pairing_three_generations)
{
	struct ct_agg *a = three_generations();
	struct ct_restart *rs;
	ssize_t n = ct_agg_restarts(a, &rs);

	cr_assert_eq(n, 2);
	cr_assert_str_eq(ct_agg_get(a, rs[0].old_idx)->id, "gen1");
	cr_assert_str_eq(ct_agg_get(a, rs[0].new_idx)->id, "gen2");
	cr_assert_eq(rs[0].end_ns - rs[0].start_ns, 100 * MS);
	cr_assert_str_eq(ct_agg_get(a, rs[1].old_idx)->id, "gen2");
	cr_assert_str_eq(ct_agg_get(a, rs[1].new_idx)->id, "gen3");
	cr_assert_eq(rs[1].end_ns - rs[1].start_ns, 250 * MS);
	cr_assert_eq(rs[0].runtime, CT_RT_RUNC);
	/* breakdown: old die 1, disconnect 1, destroy 4; new attach 1,
	 * create 8 (exclusive of the nested connect 2), start 3 */
	cr_assert_eq(rs[0].excl_ns[CT_PH_DIE], 1 * MS);
	cr_assert_eq(rs[0].excl_ns[CT_PH_DESTROY], 4 * MS);
	cr_assert_eq(rs[0].excl_ns[CT_PH_CREATE], 8 * MS);
	cr_assert_eq(rs[0].excl_ns[CT_PH_CONNECT], 2 * MS);
	cr_assert_eq(rs[0].excl_ns[CT_PH_START], 3 * MS);
	cr_assert_eq(rs[0].excl_ns[CT_PH_RUN], 0);
	cr_assert_eq(rs[0].phase_mask & (1u << CT_PH_RUN), 0);
	free(rs);
	ct_agg_free(a);
}

Test(agg, restart_stats)
{
	struct ct_agg *a = three_generations();
	struct ct_stats st;

	cr_assert_eq(ct_agg_restart_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
					  CT_AGG_TOTAL, &st), 0);
	cr_assert_eq(st.n, 2);
	cr_assert_eq(st.min_ns, 100 * MS);
	cr_assert_eq(st.p50_ns, 100 * MS);
	cr_assert_eq(st.max_ns, 250 * MS);
	cr_assert_eq(st.mean_ns, 175 * MS);
	cr_assert_eq(ct_agg_restart_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
					  CT_PH_CREATE, &st), 0);
	cr_assert_eq(st.n, 2);
	cr_assert_eq(st.p50_ns, 8 * MS);
	cr_assert_float_eq(st.share, 16.0 / 350.0, 1e-9);
	cr_assert_eq(ct_agg_restart_stats(a, CT_RT_RUNSC, CT_KIND_CONTAINER,
					  CT_AGG_TOTAL, &st), 0);
	cr_assert_eq(st.n, 0);
	ct_agg_free(a);
}

Test(agg, restart_by_id_without_name_and_no_die_phase)
{
	struct ct_agg *a = ct_agg_new();
	struct ct_restart *rs;
	struct ct_container c;

	/* `runc run` twice with the same id, no die phase recorded */
	tf_container(&c, "same", "", CT_RT_CRUN, 1000 * MS, 100);
	c.phase_mask &= ~(1u << CT_PH_DIE);
	ct_agg_add(a, &c);
	tf_container(&c, "same", "", CT_RT_CRUN, 2000 * MS, 100);
	ct_agg_add(a, &c);
	/* overlapping generation: not a restart (new starts before old dies) */
	tf_container(&c, "same", "", CT_RT_CRUN, 2001 * MS, 100);
	ct_agg_add(a, &c);
	cr_assert_eq(ct_agg_restarts(a, &rs), 1);
	/* old run ends at 1114 ms, new program starts at 2014 ms */
	cr_assert_eq(rs[0].end_ns - rs[0].start_ns, 900 * MS);
	free(rs);
	ct_agg_free(a);
}

/*
 * Without a name, the same command is the same service (ctr run with a
 * new id each time); containers running the same command side by side
 * are not restarts of each other.
 */
Test(agg, restart_by_command_not_concurrent)
{
	struct ct_agg *a = ct_agg_new();
	struct ct_container c;
	struct ct_restart *rs;
	ssize_t n;

	/* two generations one after the other: 1 restart */
	tf_container(&c, "id-1", "", CT_RT_RUNC, 1000 * MS, 50);
	snprintf(c.cmd, sizeof(c.cmd), "nginx -g daemon off;");
	cr_assert_eq(ct_agg_add(a, &c), 0);
	tf_container(&c, "id-2", "", CT_RT_RUNC, 1200 * MS, 50);
	snprintf(c.cmd, sizeof(c.cmd), "nginx -g daemon off;");
	cr_assert_eq(ct_agg_add(a, &c), 0);
	/*
	 * two more running 'true': id-4 is created while id-3 still runs
	 * (attach at 3055, id-3's pid 1 exits at 3064), and its program
	 * starts after: side by side, not a restart
	 */
	tf_container(&c, "id-3", "", CT_RT_RUNC, 3000 * MS, 50);
	snprintf(c.cmd, sizeof(c.cmd), "true");
	cr_assert_eq(ct_agg_add(a, &c), 0);
	tf_container(&c, "id-4", "", CT_RT_RUNC, 3055 * MS, 50);
	snprintf(c.cmd, sizeof(c.cmd), "true");
	cr_assert_eq(ct_agg_add(a, &c), 0);
	n = ct_agg_restarts(a, &rs);
	cr_assert_eq(n, 1);
	cr_expect_eq(rs[0].old_idx, 0);
	cr_expect_eq(rs[0].new_idx, 1);
	free(rs);
	ct_agg_free(a);
}

/*
 * A CRI pod: its sandbox (is_pod, cold start to its last app's exec)
 * and two app containers.  Their values, by tf_container()'s layout:
 * app runs 100 and 300 ms (totals 120, 320 ms, cold start each 14 ms:
 * attach + create + start); the sandbox runs 500 ms (total 520 ms), its
 * cold start ends at the second app's exec (t0 + 200 + 14 ms).
 */
static void add_pod(struct ct_agg *a, const char *pod, uint64_t t0)
{
	struct ct_container c;
	char id[64];

	tf_container(&c, pod, "", CT_RT_RUNC, t0, 500);
	c.engine = CT_ENG_CRI;
	c.is_pod = true;
	snprintf(c.cmd, sizeof(c.cmd), "/pause");
	c.pod_ready_ns = t0 + 214 * MS;
	cr_assert_eq(ct_agg_add(a, &c), 0);
	for (int i = 0; i < 2; i++) {
		snprintf(id, sizeof(id), "%s-app%d", pod, i);
		tf_container(&c, id, "", CT_RT_RUNC, t0 + 200 * MS * i,
			     100 + 200 * i);
		c.engine = CT_ENG_CRI;
		snprintf(c.pod, sizeof(c.pod), "%s", pod);
		cr_assert_eq(ct_agg_add(a, &c), 0);
	}
}

static void expect_pods_apart(const struct ct_agg *a)
{
	struct ct_stats st;
	size_t ok;

	cr_expect_eq(ct_agg_runtime_count(a, CT_RT_RUNC, CT_KIND_POD, &ok), 2);
	cr_expect_eq(ok, 2);
	cr_expect_eq(ct_agg_runtime_count(a, CT_RT_RUNC, CT_KIND_CONTAINER,
					  &ok), 4);
	cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_POD, CT_AGG_COLD,
				  &st), 0);
	cr_expect_eq(st.n, 2);
	cr_expect_eq(st.min_ns, 214 * MS, "a pod's own cold start only");
	cr_expect_eq(st.max_ns, 214 * MS);
	cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
				  CT_AGG_COLD, &st), 0);
	cr_expect_eq(st.n, 4);
	cr_expect_eq(st.max_ns, 14 * MS, "no pod among the containers");
	cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_CONTAINER,
				  CT_AGG_TOTAL, &st), 0);
	cr_expect_eq(st.n, 4);
	cr_expect_eq(st.min_ns, 120 * MS);
	cr_expect_eq(st.max_ns, 320 * MS);
	cr_assert_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_POD, CT_PH_RUN, &st),
		     0);
	cr_expect_eq(st.n, 2);
	cr_expect_eq(st.p50_ns, 500 * MS);
	/* every sandbox runs /pause, one after the other: no restart */
	cr_assert_eq(ct_agg_restart_stats(a, CT_RT_RUNC, CT_KIND_POD,
					  CT_AGG_TOTAL, &st), 0);
	cr_expect_eq(st.n, 0);
	cr_expect_eq(ct_agg_runtime_count(a, CT_RT_RUNC, CT_KIND_MAX, NULL),
		     0);
	cr_expect_eq(ct_agg_stats(a, CT_RT_RUNC, CT_KIND_MAX, CT_PH_RUN, &st),
		     -EINVAL);
}

/* Pods and their app containers are never one statistic, in both modes. */
Test(agg, pods_apart_from_containers)
{
	struct ct_agg *one = ct_agg_new();
	struct ct_agg *cont = ct_agg_new_continuous(4);

	add_pod(one, "pod-a", 1000 * MS);
	add_pod(one, "pod-b", 3000 * MS);
	add_pod(cont, "pod-a", 1000 * MS);
	add_pod(cont, "pod-b", 3000 * MS);
	expect_pods_apart(one);
	expect_pods_apart(cont);
	ct_agg_free(one);
	ct_agg_free(cont);
}

/*
 * A pod of the same name again (a StatefulSet's pod made anew) is a pod
 * restart; a container of that name is not its generation.
 */
Test(agg, pod_restart_by_name_not_across_kinds)
{
	struct ct_agg *a[2] = { ct_agg_new(), ct_agg_new_continuous(8) };
	struct ct_container c;
	struct ct_stats st;

	for (int m = 0; m < 2; m++) {
		tf_container(&c, "sb-1", "web-0", CT_RT_RUNC, 1000 * MS, 100);
		c.engine = CT_ENG_CRI;
		c.is_pod = true;
		cr_assert_eq(ct_agg_add(a[m], &c), 0);
		/* a container named as the pod, between the two */
		tf_container(&c, "app-1", "web-0", CT_RT_RUNC, 1150 * MS, 10);
		c.engine = CT_ENG_CRI;
		cr_assert_eq(ct_agg_add(a[m], &c), 0);
		tf_container(&c, "sb-2", "web-0", CT_RT_RUNC, 1300 * MS, 100);
		c.engine = CT_ENG_CRI;
		c.is_pod = true;
		cr_assert_eq(ct_agg_add(a[m], &c), 0);
		cr_assert_eq(ct_agg_restart_stats(a[m], CT_RT_RUNC,
			CT_KIND_POD, CT_AGG_TOTAL, &st), 0);
		/* sb-1's pid 1 exits at 1114 ms, sb-2's program at 1314 */
		cr_expect_eq(st.n, 1, "mode %d", m);
		cr_expect_eq(st.max_ns, 200 * MS, "mode %d", m);
		cr_assert_eq(ct_agg_restart_stats(a[m], CT_RT_RUNC,
			CT_KIND_CONTAINER, CT_AGG_TOTAL, &st), 0);
		cr_expect_eq(st.n, 0, "mode %d", m);
		ct_agg_free(a[m]);
	}
}

/*
 * Kubernetes app containers are named by their spec ("app"), the same in
 * every pod of a Deployment: a container is a generation of one in the
 * same pod (namespace and pod name) only.  Two pods' "app" one after
 * the other are no restart; the same pod's "app" again (kubelet's
 * restart) is one, in both modes.
 */
static void add_app(struct ct_agg *a, const char *id, const char *ns,
		    const char *pod, uint64_t start)
{
	struct ct_container c;

	tf_container(&c, id, "app", CT_RT_RUNC, start, 100);
	c.engine = CT_ENG_CRI;
	snprintf(c.k8s.pod_namespace, sizeof(c.k8s.pod_namespace), "%s", ns);
	snprintf(c.k8s.pod_name, sizeof(c.k8s.pod_name), "%s", pod);
	snprintf(c.k8s.container_name, sizeof(c.k8s.container_name), "app");
	cr_assert_eq(ct_agg_add(a, &c), 0);
}

Test(agg, k8s_container_restart_only_in_its_pod)
{
	struct ct_agg *a[2] = { ct_agg_new(), ct_agg_new_continuous(8) };
	struct ct_stats st;

	for (int m = 0; m < 2; m++) {
		add_app(a[m], "a-1", "default", "web-7d9f-x1", 1000 * MS);
		add_app(a[m], "b-1", "default", "web-7d9f-y2", 1300 * MS);
		add_app(a[m], "c-1", "other", "web-7d9f-x1", 1600 * MS);
		cr_assert_eq(ct_agg_restart_stats(a[m], CT_RT_RUNC,
			CT_KIND_CONTAINER, CT_AGG_TOTAL, &st), 0);
		cr_expect_eq(st.n, 0, "mode %d: pods apart", m);
		add_app(a[m], "a-2", "default", "web-7d9f-x1", 1900 * MS);
		cr_assert_eq(ct_agg_restart_stats(a[m], CT_RT_RUNC,
			CT_KIND_CONTAINER, CT_AGG_TOTAL, &st), 0);
		cr_expect_eq(st.n, 1, "mode %d: its own pod's", m);
		ct_agg_free(a[m]);
	}
}
