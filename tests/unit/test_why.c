// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --why: per-phase cpu / runq / io / sleep split (user/enrich/why.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "coldtrace.h"
#include "container.h"
#include "export.h"
#include "fixture.h"
#include "output.h"
#include "ready.h"
#include "recfile.h"
#include "tsession.h"
#include "twhy.h"
#include "why.h"
#include "jsonl.h"

#define MS	1000000ull

static uint64_t sum(const struct ct_split *x)
{
	return x->cpu_ns + x->runq_ns + x->io_ns + x->sleep_ns;
}

/*
 * runc create (pid 10) execs at 100 ms, runs 20, waits for a CPU 5,
 * blocks on the disk 15, sleeps until it exits at 200; a second thread
 * runs 150..160 while the main one sleeps.  Its child (pid 11) runs
 * 130..150.
 */
Test(why, create_split_adds_up)
{
	struct ct_why *w = ct_why_new(0, fx_model());
	struct ct_container c = { 0 };
	const struct ct_split *x = &c.split[CT_PH_CREATE];

	tw_exec(w, 100, 10, 5);
	tw_tstate(w, 100, 10, 10, CT_TS_RUN, 0);
	tw_tstate(w, 120, 10, 10, CT_TS_RUNQ, 0);
	tw_tstate(w, 125, 10, 10, CT_TS_RUN, 0);
	tw_tstate(w, 126, 10, 10, CT_TS_IO, 0);
	tw_fork(w, 126, 10, 11);
	tw_tstate(w, 130, 11, 11, CT_TS_RUN, 0);
	tw_tstate(w, 141, 10, 10, CT_TS_SLEEP, 0);
	tw_tstate(w, 150, 11, 11, CT_TS_DEAD, 0);
	tw_tstate(w, 150, 10, 12, CT_TS_RUN, 0);
	tw_tstate(w, 160, 10, 12, CT_TS_SLEEP, 0);
	tw_tstate(w, 200, 10, 10, CT_TS_DEAD, 0);
	tw_phase(&c, CT_PH_CREATE, 100, 200);
	ct_why_apply(w, &c);
	cr_assert(x->valid);
	cr_assert_eq(x->pid, 10);
	cr_assert_eq(x->cpu_ns, 31 * MS, "%lu", x->cpu_ns);
	cr_assert_eq(x->runq_ns, 5 * MS);
	cr_assert_eq(x->io_ns, 15 * MS);
	cr_assert_eq(x->sleep_ns, 49 * MS);
	cr_assert_eq(sum(x), 100 * MS);
	cr_assert_eq(x->children_cpu_ns, 20 * MS);
	/* trace.json's slices: the same time, merged runs of one state */
	{
		const struct ct_why_slice *sl;
		size_t n = ct_why_slices(w, &c, &sl);
		uint64_t run = 0, t = 100 * MS;

		cr_assert_gt(n, 0);
		for (size_t i = 0; i < n; i++) {
			cr_assert_eq(sl[i].phase, CT_PH_CREATE);
			cr_assert_eq(sl[i].start_ns, t, "contiguous");
			if (i)
				cr_assert_neq(sl[i].state, sl[i - 1].state);
			if (sl[i].state == CT_TS_RUN)
				run += sl[i].end_ns - sl[i].start_ns;
			t = sl[i].end_ns;
		}
		cr_assert_eq(t, 200 * MS);
		cr_assert_eq(run, x->cpu_ns);
	}
	ct_why_free(w);
}

/* attach: the shim start process, then the shim daemon (parent of the
 * create exec) once it exists; no state known at all: sleep. */
Test(why, attach_hands_over_to_the_shim)
{
	struct ct_why *w = ct_why_new(0, fx_model());
	struct ct_container c = { 0 };
	const struct ct_split *x = &c.split[CT_PH_ATTACH];

	tw_exec(w, 0, 20, 1);		/* shim start */
	tw_tstate(w, 0, 20, 20, CT_TS_RUN, 0);
	tw_fork(w, 4, 20, 21);
	tw_tstate(w, 5, 21, 21, CT_TS_RUNQ, 0);	/* the daemon */
	tw_tstate(w, 6, 21, 21, CT_TS_RUN, 0);
	tw_tstate(w, 8, 20, 20, CT_TS_DEAD, 0);
	tw_tstate(w, 9, 21, 21, CT_TS_SLEEP, 0);
	tw_exec(w, 10, 22, 21);		/* runc create, forked by 21 */
	tw_phase(&c, CT_PH_ATTACH, 0, 10);
	tw_phase(&c, CT_PH_DISCONNECT, 20, 30);	/* no exec, no pid: none */
	ct_why_apply(w, &c);
	cr_assert(x->valid);
	cr_assert_eq(x->pid, 21);
	cr_assert_eq(x->cpu_ns, 8 * MS, "%lu", x->cpu_ns);	/* 0-5, 6-9 */
	cr_assert_eq(x->runq_ns, 1 * MS);
	cr_assert_eq(x->sleep_ns, 1 * MS);
	cr_assert_eq(sum(x), 10 * MS);
	cr_assert_not(c.split[CT_PH_DISCONNECT].valid);
	ct_why_free(w);
}

Test(why, bad_records)
{
	struct ct_why *w = ct_why_new(0, fx_model());
	struct ct_tstate r = { 0 };

	r.hdr.type = CT_EV_TSTATE;
	r.hdr.size = sizeof(r.hdr);
	cr_assert_eq(ct_why_feed(w, &r, sizeof(r)), -EINVAL);
	r.hdr.size = CT_TSTATE_V1_SIZE;	/* an older recording's: read */
	cr_assert_eq(ct_why_feed(w, &r, CT_TSTATE_V1_SIZE - 1), -EINVAL);
	cr_assert_eq(ct_why_feed(w, &r, 2), -EINVAL);
	r.state = 99;	/* unknown state: ignored */
	cr_assert_eq(ct_why_feed(w, &r, sizeof(r)), 0);
	cr_assert_eq(ct_why_dropped(w), 0);
	ct_why_free(w);
}

/* ---- the recording: tests/fixtures/docker-why (record-fixtures.sh) ---- */

Test(why, recording_spin_200ms)
{
	struct ts_result r;
	uint64_t own_us, cpu;
	int nsplit = 0;

	ts_replay("docker-why", CT_READY_LISTEN, &r);
	cr_assert(tj_u64(r.sidecar, "cpu_us", &own_us));
	for (int p = 0; p < CT_PH_MAX; p++) {
		const struct ct_split *x = &r.c.split[p];

		if (!x->valid)
			continue;
		nsplit++;
		cr_expect_eq(sum(x), ct_phase_dur(&r.c, p), "%s",
			     ct_phase_name(p));
	}
	cr_expect_geq(nsplit, 6, "phases with a split: %d", nsplit);
	cpu = r.c.split[CT_PH_RUN].cpu_ns;
	cr_expect_geq(cpu, 200 * MS, "run cpu %lu", cpu);
	cr_expect(cpu <= own_us * 1000 * 115 / 100 &&
		  cpu >= own_us * 1000 * 85 / 100,
		  "run cpu %lu ns, node says %lu us", cpu, own_us);
	ts_free(&r);
}

/* ---- bounded: what is kept per container (CT_WHY_PHASE_SLICES) ---- */

#define NSL	300

/* Slice i of the synthetic create: distinct durations, in no order. */
static uint64_t nsl_dur(int i)
{
	return 1000 + (uint64_t)(i * 7919 % NSL);
}

/*
 * runc create (pid 10) alternates running / sleeping NSL times: the sums
 * stay exact, trace.json keeps the CT_WHY_PHASE_SLICES longest, in time
 * order, and counts the others.
 */
Test(why, slices_capped_sums_exact)
{
	struct ct_why *w = ct_why_new(0, fx_model());
	struct ct_container c = { 0 };
	const struct ct_split *x = &c.split[CT_PH_CREATE];
	const struct ct_why_slice *sl;
	uint64_t t = 0, run = 0, slp = 0, n, kept;
	uint64_t start[NSL];
	size_t k;

	tw_exec(w, 0, 10, 5);
	for (int i = 0; i < NSL; i++) {
		start[i] = t;
		tw_tstate_ns(w, t, 10, 10, i % 2 ? CT_TS_SLEEP : CT_TS_RUN, 0);
		*(i % 2 ? &slp : &run) += nsl_dur(i);
		t += nsl_dur(i);
	}
	tw_tstate_ns(w, t, 10, 10, CT_TS_DEAD, 0);
	c.phase_mask = 1u << CT_PH_CREATE;
	c.phases[CT_PH_CREATE] = (struct ct_interval){ 0, t };
	ct_why_apply(w, &c);
	cr_assert(x->valid);
	cr_assert_eq(x->cpu_ns, run);
	cr_assert_eq(x->sleep_ns, slp);
	cr_assert_eq(sum(x), t);
	cr_assert_eq(x->slices, NSL, "%u", x->slices);
	cr_assert_eq(x->slices_kept, CT_WHY_PHASE_SLICES);
	cr_assert(ct_why_slice_counts(&c, &n, &kept));
	cr_assert_eq(n - kept, NSL - CT_WHY_PHASE_SLICES, "dropped");
	k = ct_why_slices(w, &c, &sl);
	cr_assert_eq(k, CT_WHY_PHASE_SLICES);
	/* the longest: nsl_dur() >= NSL - CT_WHY_PHASE_SLICES + 1000 */
	for (size_t j = 0, i = 0; j < k; j++, i++) {
		while (nsl_dur(i) < 1000 + NSL - CT_WHY_PHASE_SLICES)
			i++;
		cr_assert_eq(sl[j].start_ns, start[i], "slice %zu", j);
		cr_assert_eq(sl[j].end_ns - sl[j].start_ns, nsl_dur(i));
		cr_assert_eq(sl[j].state, i % 2 ? CT_TS_SLEEP : CT_TS_RUN);
		cr_assert_eq(sl[j].phase, CT_PH_CREATE);
	}
	ct_why_free(w);
}

/* The recording's records into a fresh store, applied to a copy of c. */
static struct ct_why *why_of(const char *name, struct ct_container *c)
{
	struct ct_rec_file_hdr fh;
	struct ct_rec_reader *rd;
	struct ct_why *w;
	const void *rec;
	char path[256], err[256];
	size_t len;

	snprintf(path, sizeof(path), "tests/fixtures/%s.ctrec", name);
	cr_assert_eq(ct_rec_reader_open(&rd, path, &fh, err, sizeof(err)), 0,
		     "%s", err);
	w = ct_why_new(fh.mono_to_real_ns, fx_model());
	while (ct_rec_next(rd, &rec, &len, err, sizeof(err)) > 0)
		tw_feed(w, rec, len);
	ct_rec_reader_close(rd);
	ct_why_apply(w, c);
	return w;
}

/*
 * The recording's create alone has hundreds of slices (runc create and
 * runc init preempted); every phase keeps at most CT_WHY_PHASE_SLICES,
 * the split is the session's, exact.
 */
Test(why, recording_slices_bounded)
{
	struct ts_result r;
	struct ct_container c;
	const struct ct_why_slice *sl;
	struct ct_why *w;
	uint64_t n, kept;
	size_t k;

	ts_replay("docker-why", CT_READY_LISTEN, &r);
	c = r.c;
	w = why_of("docker-why", &c);
	cr_assert_gt(c.split[CT_PH_CREATE].slices, 4 * CT_WHY_PHASE_SLICES,
		     "create: %u slices", c.split[CT_PH_CREATE].slices);
	for (int p = 0; p < CT_PH_MAX; p++) {
		const struct ct_split *x = &c.split[p];

		cr_assert_eq(x->valid, r.c.split[p].valid);
		if (!x->valid)
			continue;
		cr_expect_eq(sum(x), ct_phase_dur(&c, p), "%s",
			     ct_phase_name(p));
		cr_expect_eq(x->cpu_ns, r.c.split[p].cpu_ns);
		cr_expect_eq(x->slices_kept,
			     x->slices < CT_WHY_PHASE_SLICES ?
			     x->slices : CT_WHY_PHASE_SLICES, "%s",
			     ct_phase_name(p));
	}
	cr_assert(ct_why_slice_counts(&c, &n, &kept));
	k = ct_why_slices(w, &c, &sl);
	cr_assert_eq(k, kept);
	cr_assert_leq(k, CT_WHY_PHASE_SLICES * CT_PH_MAX);
	ct_why_free(w);
	ts_free(&r);
}

/* trace.json of the recording: its state events are the kept slices,
 * the summary counts the rest; the file stays small. */
Test(why, recording_trace_json_bounded)
{
	char dir[] = "/tmp/ct-why-test-XXXXXX", path[64], err[256];
	struct ts_result r;
	struct ct_agg *a = ct_agg_new();
	struct ct_container c;
	struct ct_why *w;
	struct tj *t;
	uint64_t n, kept, v, states = 0, size;
	size_t len, i;
	char *text;

	ts_replay("docker-why", CT_READY_LISTEN, &r);
	c = r.c;
	w = why_of("docker-why", &c);
	cr_assert(ct_why_slice_counts(&c, &n, &kept));
	cr_assert_eq(ct_agg_add(a, &c), 0);
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(ct_export_dir(dir, a, &(struct ct_meta){
			.version = "v", .kernel = "k", .why = w },
			err, sizeof(err)), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/trace.json", dir);
	text = tj_slurp(path, &len);
	cr_assert_not_null(text);
	size = len;
	t = tj_parse(text, len, err, sizeof(err));
	cr_assert_not_null(t, "%s", err);
	for (i = 0; ; i++) {
		char key[64];
		const char *cat;

		snprintf(key, sizeof(key), "traceEvents.%zu.ph", i);
		if (!tj_str(t, key))
			break;
		snprintf(key, sizeof(key), "traceEvents.%zu.cat", i);
		cat = tj_str(t, key);
		states += cat && !strcmp(cat, "state");
	}
	cr_assert_eq(states, kept);
	cr_assert_leq(states, CT_WHY_PHASE_SLICES * CT_PH_MAX);
	cr_assert(tj_u64(t, "otherData.why_slices_dropped", &v));
	cr_assert_eq(v, n - kept);
	cr_assert_gt(v, 0);
	cr_assert(tj_u64(t, "otherData.why_slices_per_phase", &v));
	cr_assert_eq(v, CT_WHY_PHASE_SLICES);
	/* ~150 bytes an event: 1,560 slices made 187 kB before the cap */
	cr_assert_lt(size, 32 * 1024, "trace.json %lu bytes", size);
	tj_free(t);
	free(text);
	ct_agg_free(a);
	ct_why_free(w);
	ts_free(&r);
	snprintf(path, sizeof(path), "rm -rf -- %s", dir);
	cr_assert_eq(system(path), 0);
}

/* ---- phases without a split say why (never silently missing) ---- */

Test(why, no_split_says_why)
{
	struct ct_why *w = ct_why_new(0, fx_model());
	struct ct_container c = { 0 };

	c.engine = CT_ENG_DOCKER;
	tw_exec(w, 100, 10, 5);
	tw_tstate(w, 100, 10, 10, CT_TS_RUN, 0);
	tw_phase(&c, CT_PH_PREPARE, 0, 100);
	tw_phase(&c, CT_PH_CREATE, 100, 200);
	tw_phase(&c, CT_PH_START, 200, 300);	/* no exec, no records */
	tw_phase(&c, CT_PH_DIE, 400, 0);		/* never ended */
	tw_phase(&c, CT_PH_DISCONNECT, 500, 510);
	cr_assert_null(ct_split_reason(&c, CT_PH_PREPARE), "no --why yet");
	ct_why_apply(w, &c);
	cr_assert(c.split[CT_PH_CREATE].valid);
	cr_assert_null(ct_split_reason(&c, CT_PH_CREATE));
	cr_assert_null(ct_split_reason(&c, CT_PH_RUN), "no such phase");
	cr_assert_str_eq(ct_split_reason(&c, CT_PH_PREPARE),
			 "dockerd's threads serve every request");
	cr_assert_str_eq(ct_split_reason(&c, CT_PH_DISCONNECT),
			 "dockerd's threads serve every request");
	cr_assert_str_eq(ct_split_reason(&c, CT_PH_START),
			 "no scheduler records of its carrier");
	cr_assert_str_eq(ct_split_reason(&c, CT_PH_DIE),
			 "the phase never ended");
	c.engine = CT_ENG_CRI;
	cr_assert_str_eq(ct_split_reason(&c, CT_PH_PREPARE),
			 "containerd's threads serve every request");
	ct_why_free(w);
}

/* The recording's prepare and disconnect, in the JSON line and the text
 * report; every phase has a split or a reason. */
Test(why, recording_prepare_unattributable)
{
	struct ts_result r;
	struct tj *v;
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *f;

	ts_replay("docker-why", CT_READY_LISTEN, &r);
	f = open_memstream(&buf, &len);
	ct_jsonl_write(f, &ct_jsonl_container, &r.c);
	fclose(f);
	v = tj_parse(buf, len, err, sizeof(err));
	cr_assert_not_null(v, "%s", err);
	cr_assert_str_eq(tj_str(v, "phases.prepare.why.unattributable"),
			 "dockerd's threads serve every request");
	cr_assert_str_eq(tj_str(v, "phases.disconnect.why.unattributable"),
			 "dockerd's threads serve every request");
	cr_assert_null(tj_str(v, "phases.create.why.unattributable"));
	for (int p = 0; p < CT_PH_MAX; p++)
		cr_expect(!ct_has_phase(&r.c, p) || r.c.split[p].valid ||
			  ct_split_reason(&r.c, p), "%s: silently missing",
			  ct_phase_name(p));
	tj_free(v);
	free(buf);
	f = open_memstream(&buf, &len);
	ct_output_why_rows(f, &r.c);
	fclose(f);
	cr_assert_not_null(strstr(buf, "prepare    no split: dockerd's threads "
				       "serve every request\n"), "%s", buf);
	cr_assert_not_null(strstr(buf, "disconnect no split: "), "%s", buf);
	free(buf);
	ts_free(&r);
}
