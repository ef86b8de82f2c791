// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Nothing is lost silently: thousands of live containers,
 * containers whose exit events were lost, malformed records, containers
 * whose create failed.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"
#include "tracker.h"
#include "fixture.h"
#include "output.h"
#include "jsonl.h"

static struct fx_sink sink;

/* A shim start per container, nothing after: all of them stay live. */
static void open_containers(struct ct_fx *f, int n)
{
	char id[32];

	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "open%05d", i);
		fx_at(f, 1 + i / 100);
		fx_exec(f, 100000 + i, "/usr/bin/containerd-shim-runc-v2",
			"containerd-shim-runc-v2", "-namespace", "moby", "-id",
			id, "start");
	}
}

static int emitted;

static void count_cb(const struct ct_container *c, void *ctx)
{
	(void)c;
	(void)ctx;
	emitted++;
}

/* The reproducer: 5,000 live containers, all reported. */
Test(tracker_limits, five_thousand_open_containers)
{
	struct ct_tracker_opts o = { .on_container = count_cb };
	struct ct_tracker_stats st;
	struct ct_tracker *eng = ct_tracker_new(&o);
	struct ct_fx f;

	fx_init(&f);
	open_containers(&f, 5000);
	emitted = 0;
	cr_assert_eq(fx_feed(&f, eng), 0);
	cr_expect_eq(ct_tracker_pending(eng), 5000);
	ct_tracker_flush(eng);
	cr_expect_eq(emitted, 5000);
	ct_tracker_get_stats(eng, &st);
	cr_expect_eq(st.dropped_containers, 0);
	cr_expect_eq(st.dropped_procs, 0);
	ct_tracker_free(eng);
	fx_free(&f);
}

/* Beyond the limit: dropped, and counted. */
Test(tracker_limits, drops_are_counted)
{
	struct ct_tracker_opts o = { .on_container = count_cb,
				    .max_containers = 10 };
	struct ct_tracker_stats st;
	struct ct_tracker *eng = ct_tracker_new(&o);
	struct ct_fx f;

	fx_init(&f);
	open_containers(&f, 15);
	emitted = 0;
	cr_assert_eq(fx_feed(&f, eng), 0);
	ct_tracker_flush(eng);
	cr_expect_eq(emitted, 10);
	ct_tracker_get_stats(eng, &st);
	cr_expect_eq(st.dropped_containers, 5);
	ct_tracker_free(eng);
	fx_free(&f);
}

/* runc create still "alive" (its exit was lost) but nothing heard for
 * ten minutes: expired, incomplete, counted. */
Test(tracker_limits, stuck_in_create_expires)
{
	struct ct_tracker_stats st;
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);
	struct ct_fx f;

	fx_init(&f);
	fx_at(&f, 1);
	fx_exec(&f, 10, "/usr/sbin/runc", "runc", "create", "--bundle", "/b",
		"stuck");
	cr_assert_eq(fx_feed(&f, eng), 0);
	ct_tracker_tick(eng, 100ull * 1000 * FX_MS);
	cr_expect_eq(sink.n, 0, "quiet for 100 s is no loss");
	ct_tracker_tick(eng, 700ull * 1000 * FX_MS);
	cr_assert_eq(sink.n, 1);
	cr_expect_not(sink.got[0].complete);
	cr_expect_eq(ct_tracker_pending(eng), 0);
	ct_tracker_get_stats(eng, &st);
	cr_expect_eq(st.expired, 1);
	ct_tracker_free(eng);
	fx_free(&f);
}

/* A running program may be quiet for days: time alone never expires it. */
static void running_container(struct ct_fx *f)
{
	fx_init(f);
	fx_at(f, 1);
	fx_exec(f, 10, "/usr/sbin/runc", "runc", "run", "--bundle", "/b",
		"svc");
	fx_fork(f, 10, 11);
	f->mntns = 77;
	fx_at(f, 2);
	fx_exec(f, 11, "/bin/sleep", "sleep", "1d");
	f->mntns = FX_HOST_MNTNS;
}

Test(tracker_limits, running_is_not_expired_by_time)
{
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);
	struct ct_fx f;

	running_container(&f);
	cr_assert_eq(fx_feed(&f, eng), 0);
	ct_tracker_tick(eng, 3600ull * 1000 * FX_MS);
	cr_expect_eq(sink.n, 0);
	cr_expect_eq(ct_tracker_pending(eng), 1);
	ct_tracker_free(eng);
	fx_free(&f);
}

static bool none_alive(uint32_t pid, void *ctx)
{
	(void)pid;
	(void)ctx;
	return false;
}

/* Live session: its processes are gone (exits lost): let go. */
Test(tracker_limits, vanished_processes_expire)
{
	struct ct_tracker_opts o = { .on_container = fx_sink_cb, .ctx = &sink,
				    .proc_alive = none_alive };
	struct ct_tracker_stats st;
	struct ct_tracker *eng;
	struct ct_fx f;

	memset(&sink, 0, sizeof(sink));
	eng = ct_tracker_new(&o);
	running_container(&f);
	cr_assert_eq(fx_feed(&f, eng), 0);
	ct_tracker_tick(eng, 30ull * 1000 * FX_MS);
	cr_expect_eq(sink.n, 0, "not quiet long enough");
	ct_tracker_tick(eng, 200ull * 1000 * FX_MS);
	cr_assert_eq(sink.n, 1);
	cr_expect_str_eq(sink.got[0].id, "svc");
	cr_expect_not(sink.got[0].complete);
	ct_tracker_get_stats(eng, &st);
	cr_expect_eq(st.expired, 1);
	ct_tracker_free(eng);
	fx_free(&f);
}

Test(tracker_limits, malformed_records_are_counted)
{
	struct ct_tracker_stats st;
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);
	struct ct_exit x = { .hdr = { .type = CT_EV_EXIT,
				      .size = sizeof(struct ct_hdr) } };

	cr_expect_eq(fx_enter(eng, &x, sizeof(x)), -EINVAL);
	x.hdr.size = sizeof(x) + 1;
	cr_expect_eq(fx_enter(eng, &x, sizeof(x)), -EINVAL);
	ct_tracker_get_stats(eng, &st);
	cr_expect_eq(st.malformed, 2);
	ct_tracker_free(eng);
}

/*
 * docker run whose runc init is killed: runc create exits 1, containerd
 * cleans up.  Before: complete, no exit code, in the create medians.
 */
static void failed_create(struct ct_fx *f)
{
	fx_init(f);
	fx_at(f, 0);
	fx_exec(f, 2, "/usr/bin/containerd-shim-runc-v2",
		"containerd-shim-runc-v2", "-namespace", "moby", "-id", "bad",
		"-address", "/run/containerd/containerd.sock");
	fx_at(f, 10);
	fx_fork(f, 2, 3);
	fx_exec(f, 3, "/usr/sbin/runc", "runc", "--root", "/r", "create",
		"--bundle", "/b/bad", "bad");
	fx_fork(f, 3, 4);
	fx_exec(f, 4, "/proc/self/exe", "runc", "init");
	fx_at(f, 20);
	fx_exit(f, 4, 9);	/* SIGKILL */
	fx_at(f, 21);
	fx_exit(f, 3, 1 << 8);
	fx_at(f, 30);
	fx_fork(f, 2, 5);
	fx_exec(f, 5, "/usr/sbin/runc", "runc", "--root", "/r", "delete",
		"--force", "bad");
	fx_at(f, 40);
	fx_exit(f, 5, 0);
	fx_exit(f, 2, 0);
	fx_at(f, 2000);
	fx_lost(f, 0);	/* time passes: the grace period ends */
}

Test(tracker_limits, failed_create_is_marked)
{
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);
	struct ct_fx f;

	failed_create(&f);
	cr_assert_eq(fx_feed(&f, eng), 0);
	ct_tracker_flush(eng);
	cr_assert_eq(sink.n, 1);
	cr_expect_eq(sink.got[0].failed, CT_FAIL_CREATE);
	cr_expect_not(sink.got[0].has_exit_code);
	ct_tracker_free(eng);
	fx_free(&f);
}

/* A failed create is no cold start: out of the statistics, counted. */
Test(tracker_limits, failed_create_out_of_statistics)
{
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);
	struct ct_agg *agg = ct_agg_new();
	struct ct_stats st;
	struct ct_fx f;

	failed_create(&f);
	cr_assert_eq(fx_feed(&f, eng), 0);
	ct_tracker_flush(eng);
	cr_assert_eq(sink.n, 1);
	cr_assert_eq(ct_agg_add(agg, &sink.got[0]), 0);
	cr_expect_eq(ct_agg_runtime_failed(agg, CT_RT_RUNC, CT_KIND_CONTAINER),
		     1);
	cr_assert_eq(ct_agg_stats(agg, CT_RT_RUNC, CT_KIND_CONTAINER,
				  CT_PH_CREATE, &st), 0);
	cr_expect_eq(st.n, 0, "a failed create in the create statistics");
	ct_agg_free(agg);
	ct_tracker_free(eng);
	fx_free(&f);
}

/* The record says so; the summary counts it and every tracker loss. */
Test(tracker_limits, failed_and_losses_reported)
{
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);
	struct ct_agg *agg = ct_agg_new();
	struct ct_meta meta = { .version = "v", .kernel = "k", .tracker = eng };
	struct ct_hdr bad = { .type = CT_EV_EXIT, .size = sizeof(bad) };
	struct ct_fx f;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	failed_create(&f);
	cr_assert_eq(fx_feed(&f, eng), 0);
	fx_enter(eng, &bad, sizeof(bad));
	ct_tracker_flush(eng);
	cr_assert_eq(sink.n, 1);
	cr_assert_eq(ct_agg_add(agg, &sink.got[0]), 0);
	ct_jsonl_write(out, &ct_jsonl_container, &sink.got[0]);
	ct_jsonl_write_summary(out, agg, &meta);
	ct_output_summary(out, agg, &meta);
	fclose(out);
	cr_expect(strstr(buf, "\"complete\":true,\"failed\":\"create\","),
		  "%s", buf);
	cr_expect(strstr(buf, "\"failed\":1,"), "%s", buf);
	cr_expect(strstr(buf, "\"malformed_records\":1,"), "%s", buf);
	cr_expect(strstr(buf, "\"failed_containers\":1,"), "%s", buf);
	cr_expect(strstr(buf, "\nmalformed records: 1"), "%s", buf);
	cr_expect(strstr(buf, "\nfailed: 1 containers never ran"), "%s", buf);
	free(buf);
	ct_agg_free(agg);
	ct_tracker_free(eng);
	fx_free(&f);
}

/* runsc --platform=kvm clones no stub: started, program unseen, not a
 * failure; runc started without the program's exec is one. */
static enum ct_failure started_unseen(const char *rt)
{
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);
	enum ct_failure f;
	struct ct_fx fx;

	fx_init(&fx);
	fx_at(&fx, 1);
	fx_exec(&fx, 10, rt, rt, "create", "--bundle", "/b", "u1");
	fx_at(&fx, 2);
	fx_exit(&fx, 10, 0);
	fx_exec(&fx, 11, rt, rt, "start", "u1");
	fx_exit(&fx, 11, 0);
	fx_at(&fx, 3);
	fx_exec(&fx, 12, rt, rt, "delete", "u1");
	fx_exit(&fx, 12, 0);
	fx_at(&fx, 2000);
	fx_lost(&fx, 0);
	cr_assert_eq(fx_feed(&fx, eng), 0);
	ct_tracker_flush(eng);
	cr_assert_eq(sink.n, 1);
	cr_expect(sink.got[0].complete);
	f = sink.got[0].failed;
	ct_tracker_free(eng);
	fx_free(&fx);
	return f;
}

Test(tracker_limits, started_but_never_ran)
{
	cr_expect_eq(started_unseen("/usr/sbin/runc"), CT_FAIL_START);
	cr_expect_eq(started_unseen("/usr/bin/runsc"), CT_FAIL_NONE);
}
