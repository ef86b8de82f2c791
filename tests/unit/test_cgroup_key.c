// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A container key that is not the container's own (coldtrace in
 * one cgroup view, the runtime in the other): the record says its opens
 * are unobservable and why, the summary counts it, never a histogram of
 * somebody else's opens.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"
#include "hist.h"
#include "output.h"
#include "tracker.h"
#include "fixture.h"
#include "jsonl.h"

static struct fx_sink sink;

/* Run containers c[0..n) (merged by time) and return the tracker. */
static struct ct_tracker *run(struct fx_ct *c, int n, uint64_t rt_memcg)
{
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);
	int64_t s[CT_PH_MAX], e[CT_PH_MAX];
	struct ct_fx parts[4], all;

	cr_assert(n <= 4);
	for (int i = 0; i < n; i++) {
		fx_init(&parts[i]);
		/* the runtime command's cgroup (fx_init: the root's) */
		parts[i].memcg_id = rt_memcg;
		fx_container(&parts[i], &c[i], s, e);
	}
	fx_init(&all);
	fx_merge(&all, parts, (size_t)n);
	cr_assert_eq(fx_feed(&all, eng), 0);
	ct_tracker_flush(eng);
	for (int i = 0; i < n; i++)
		fx_free(&parts[i]);
	fx_free(&all);
	cr_assert_eq(sink.n, n);
	return eng;
}

static uint64_t bad_keys(const struct ct_tracker *eng)
{
	struct ct_tracker_stats st;

	ct_tracker_get_stats(eng, &st);
	return st.bad_keys;
}

Test(cgroup_key, own_key_kept)
{
	struct fx_ct c = { "own", CT_RT_RUNC, CT_ENG_DOCKER, 1000, 0, 0,
			   false, 500 };
	struct ct_tracker *eng = run(&c, 1, 1);

	cr_expect_eq(sink.got[0].bad_key, CT_KEY_OK);
	cr_expect(sink.got[0].opens.valid);
	cr_expect_not(sink.got[0].opens.unobservable);
	cr_expect_eq(bad_keys(eng), 0);
	cr_expect_eq(ct_tracker_cgroup_mode(eng), CT_CGROUP_V1_MEMORY);
	ct_tracker_free(eng);
}

/* v1 coldtrace, v2 runtime: pid 1 keeps the root memory cgroup. */
Test(cgroup_key, root_key)
{
	struct fx_ct c = { "root", CT_RT_RUNC, CT_ENG_DOCKER, 1000, 0, 0,
			   false, 1 };
	struct ct_tracker *eng = run(&c, 1, 1);
	const struct ct_container *r = &sink.got[0];

	cr_expect_eq(r->bad_key, CT_KEY_ROOT);
	cr_expect(r->opens.unobservable);
	cr_expect_not(r->opens.valid);
	cr_expect(strstr(ct_opens_unobservable_reason(&r->opens),
			 "not per-container (the root cgroup)"));
	cr_expect(r->complete);
	cr_expect_eq(bad_keys(eng), 1);
	ct_tracker_free(eng);
}

/* The runtime ran in a cgroup of its own and pid 1 stayed there. */
Test(cgroup_key, runtime_key)
{
	struct fx_ct c = { "rtkey", CT_RT_CRUN, CT_ENG_DOCKER, 1000, 0, 0,
			   false, 77 };
	struct ct_tracker *eng = run(&c, 1, 77);

	cr_expect_eq(sink.got[0].bad_key, CT_KEY_RUNTIME);
	cr_expect(sink.got[0].opens.unobservable);
	cr_expect_eq(bad_keys(eng), 1);
	ct_tracker_free(eng);
}

/* Two live containers with one key: both marked, counted twice. */
Test(cgroup_key, shared_key)
{
	struct fx_ct c[3] = {
		{ "sha", CT_RT_RUNC, CT_ENG_DOCKER, 1000, 0, 0, false, 600 },
		{ "shb", CT_RT_RUNC, CT_ENG_CONTAINERD, 2000, 3, 0, false, 600 },
		{ "own", CT_RT_RUNC, CT_ENG_DOCKER, 3000, 5, 0, false, 601 },
	};
	struct ct_tracker *eng = run(c, 3, 1);
	int shared = 0;

	for (int i = 0; i < 3; i++) {
		const struct ct_container *r = &sink.got[i];

		if (!strcmp(r->id, "own")) {
			cr_expect_eq(r->bad_key, CT_KEY_OK);
			continue;
		}
		cr_expect_eq(r->bad_key, CT_KEY_SHARED, "%s", r->id);
		cr_expect(r->opens.unobservable);
		shared++;
	}
	cr_expect_eq(shared, 2);
	cr_expect_eq(bad_keys(eng), 2);
	ct_tracker_free(eng);
}

/* runsc may leave its sandbox in the runtime's cgroup: not a mismatch,
 * its opens are told apart by process. */
Test(cgroup_key, runsc_runtime_key_kept)
{
	struct fx_ct c = { "gv", CT_RT_RUNSC, CT_ENG_DOCKER, 1000, 0, 0,
			   false, 77 };
	struct ct_tracker *eng = run(&c, 1, 77);

	cr_expect_eq(sink.got[0].bad_key, CT_KEY_OK);
	cr_expect_eq(bad_keys(eng), 0);
	ct_tracker_free(eng);
}

/* runsc --ignore-cgroups under a root-cgroup shim: nothing counted. */
Test(cgroup_key, runsc_root_key)
{
	struct fx_ct c = { "gvr", CT_RT_RUNSC, CT_ENG_DOCKER, 1000, 0, 0,
			   false, 1 };
	struct ct_tracker *eng = run(&c, 1, 1);

	cr_expect_eq(sink.got[0].bad_key, CT_KEY_ROOT);
	cr_expect(sink.got[0].opens.unobservable);
	cr_expect_eq(bad_keys(eng), 1);
	ct_tracker_free(eng);
}

Test(cgroup_key, json)
{
	struct fx_ct c = { "root", CT_RT_RUNC, CT_ENG_DOCKER, 1000, 0, 0,
			   false, 1 };
	struct ct_tracker *eng = run(&c, 1, 1);
	struct ct_agg *agg = ct_agg_new();
	struct ct_meta meta = { .version = "v", .kernel = "k", .tracker = eng };
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	cr_assert(agg && out);
	cr_assert_eq(ct_agg_add(agg, &sink.got[0]), 0);
	ct_jsonl_write(out, &ct_jsonl_container, &sink.got[0]);
	ct_jsonl_write_summary(out, agg, &meta);
	ct_output_summary(out, agg, &meta);
	fclose(out);
	cr_expect(strstr(buf, "\"opens\":{\"unobservable\":true,\"reason\":"
			 "\"cgroup key not per-container (the root cgroup)"),
		  "%s", buf);
	cr_expect(strstr(buf, "\"final\":true,\"cgroup_key\":\"v1-memory\","),
		  "%s", buf);
	cr_expect(strstr(buf, "\"unkeyed_containers\":1,"), "%s", buf);
	cr_expect(strstr(buf, "\ncgroup key not per-container: 1 containers"),
		  "%s", buf);
	cr_expect_str_eq(ct_cgroup_key_name(CT_CGROUP_V2), "v2");
	free(buf);
	ct_agg_free(agg);
	ct_tracker_free(eng);
}
