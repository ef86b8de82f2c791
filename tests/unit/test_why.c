// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --why: per-phase cpu / runq / io / sleep split (user/why.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coldtrace.h"
#include "container.h"
#include "tracker.h"
#include "ready.h"
#include "recfile.h"
#include "tjson.h"
#include "why.h"

#define MS	1000000ull

static void ts_ev(struct ct_why *w, uint64_t ms, uint32_t pid, uint32_t tid,
		  uint32_t st)
{
	struct ct_tstate r = { 0 };

	r.hdr.ts_ns = ms * MS;
	r.hdr.type = CT_EV_TSTATE;
	r.hdr.size = sizeof(r);
	r.hdr.pid = pid;
	r.hdr.tid = tid;
	r.state = st;
	cr_assert_eq(ct_why_feed(w, &r, sizeof(r)), 0);
}

static void exec_ev(struct ct_why *w, uint64_t ms, uint32_t pid,
		    uint32_t ppid)
{
	struct ct_hdr h = { .ts_ns = ms * MS, .type = CT_EV_EXEC,
			    .size = sizeof(h), .pid = pid, .ppid = ppid };

	cr_assert_eq(ct_why_feed(w, &h, sizeof(h)), 0);
}

static void fork_ev(struct ct_why *w, uint64_t ms, uint32_t parent,
		    uint32_t child)
{
	struct ct_fork f = { 0 };

	f.hdr.ts_ns = ms * MS;
	f.hdr.type = CT_EV_FORK;
	f.hdr.size = sizeof(f);
	f.hdr.pid = parent;
	f.child_pid = child;
	cr_assert_eq(ct_why_feed(w, &f, sizeof(f)), 0);
}

static void phase(struct ct_container *c, int p, uint64_t s, uint64_t e)
{
	c->phase_mask |= 1u << p;
	c->phases[p].start_ns = s * MS;
	c->phases[p].end_ns = e * MS;
}

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
	struct ct_why *w = ct_why_new(0);
	struct ct_container c = { 0 };
	const struct ct_split *x = &c.split[CT_PH_CREATE];

	exec_ev(w, 100, 10, 5);
	ts_ev(w, 100, 10, 10, CT_TS_RUN);
	ts_ev(w, 120, 10, 10, CT_TS_RUNQ);
	ts_ev(w, 125, 10, 10, CT_TS_RUN);
	ts_ev(w, 126, 10, 10, CT_TS_IO);
	fork_ev(w, 126, 10, 11);
	ts_ev(w, 130, 11, 11, CT_TS_RUN);
	ts_ev(w, 141, 10, 10, CT_TS_SLEEP);
	ts_ev(w, 150, 11, 11, CT_TS_DEAD);
	ts_ev(w, 150, 10, 12, CT_TS_RUN);
	ts_ev(w, 160, 10, 12, CT_TS_SLEEP);
	ts_ev(w, 200, 10, 10, CT_TS_DEAD);
	phase(&c, CT_PH_CREATE, 100, 200);
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
	struct ct_why *w = ct_why_new(0);
	struct ct_container c = { 0 };
	const struct ct_split *x = &c.split[CT_PH_ATTACH];

	exec_ev(w, 0, 20, 1);		/* shim start */
	ts_ev(w, 0, 20, 20, CT_TS_RUN);
	fork_ev(w, 4, 20, 21);
	ts_ev(w, 5, 21, 21, CT_TS_RUNQ);	/* the daemon */
	ts_ev(w, 6, 21, 21, CT_TS_RUN);
	ts_ev(w, 8, 20, 20, CT_TS_DEAD);
	ts_ev(w, 9, 21, 21, CT_TS_SLEEP);
	exec_ev(w, 10, 22, 21);		/* runc create, forked by 21 */
	phase(&c, CT_PH_ATTACH, 0, 10);
	phase(&c, CT_PH_DISCONNECT, 20, 30);	/* no exec, no pid: none */
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
	struct ct_why *w = ct_why_new(0);
	struct ct_tstate r = { 0 };

	r.hdr.type = CT_EV_TSTATE;
	r.hdr.size = sizeof(r.hdr);
	cr_assert_eq(ct_why_feed(w, &r, sizeof(r)), -EINVAL);
	r.hdr.size = sizeof(r);
	cr_assert_eq(ct_why_feed(w, &r, sizeof(r) - 1), -EINVAL);
	cr_assert_eq(ct_why_feed(w, &r, 2), -EINVAL);
	r.state = 99;	/* unknown state: ignored */
	cr_assert_eq(ct_why_feed(w, &r, sizeof(r)), 0);
	cr_assert_eq(ct_why_dropped(w), 0);
	ct_why_free(w);
}

/* ---- the recording: tests/fixtures/docker-why (record-fixtures.sh) ---- */

struct got {
	struct ct_why *why;
	struct ct_ready *ready;
	char id[CT_ID_LEN];
	struct ct_container c;
	int n;
};

static void on_emit(struct ct_container *c, void *ctx)
{
	struct got *g = ctx;

	ct_ready_apply(g->ready, c);
	ct_why_apply(g->why, c);
}

static void on_rec(const struct ct_container *c, void *ctx)
{
	struct got *g = ctx;

	if (!strcmp(c->id, g->id)) {
		g->c = *c;
		g->n++;
	}
}

Test(why, recording_spin_200ms)
{
	const char *dir = getenv("CT_FIXTURES") ? getenv("CT_FIXTURES")
						: "tests/fixtures";
	char path[512], err[256], *text;
	struct ct_tracker_opts o = { 0 };
	struct ct_rec_file_hdr fh;
	struct ct_rec_reader *r;
	struct ct_tracker *e;
	static struct got g;
	uint64_t own_us, cpu;
	const void *rec;
	struct tj *v;
	size_t len;
	int rc, nsplit = 0;

	snprintf(path, sizeof(path), "%s/docker-why.json", dir);
	text = tj_slurp(path, &len);
	cr_assert(text, "%s missing", path);
	v = tj_parse(text, len, err, sizeof(err));
	cr_assert(v, "%s: %s", path, err);
	snprintf(g.id, sizeof(g.id), "%s", tj_str(v, "containers.0.id"));
	cr_assert(tj_u64(v, "cpu_us", &own_us));
	tj_free(v);
	free(text);

	snprintf(path, sizeof(path), "%s/docker-why.ctrec", dir);
	cr_assert_eq(ct_rec_reader_open(&r, path, &fh, err, sizeof(err)), 0,
		     "%s", err);
	g.why = ct_why_new(fh.mono_to_real_ns);
	g.ready = ct_ready_new(CT_READY_LISTEN, fh.mono_to_real_ns);
	o.mono_to_real_ns = fh.mono_to_real_ns;
	o.cgroup_mode = fh.cgroup_mode;
	o.before_emit = on_emit;
	o.on_container = on_rec;
	o.ctx = &g;
	e = ct_tracker_new(&o);
	while ((rc = ct_rec_next(r, &rec, &len, err, sizeof(err))) > 0) {
		cr_assert_eq(ct_why_feed(g.why, rec, len), 0);
		cr_assert_eq(ct_tracker_feed(e, rec, len), 0);
	}
	cr_assert_eq(rc, 0, "%s", err);
	ct_tracker_flush(e);
	cr_assert_eq(g.n, 1);
	for (int p = 0; p < CT_PH_MAX; p++) {
		const struct ct_split *x = &g.c.split[p];

		if (!x->valid)
			continue;
		nsplit++;
		cr_expect_eq(sum(x), ct_phase_dur(&g.c, p), "%s",
			     ct_phase_name(p));
	}
	cr_expect_geq(nsplit, 6, "phases with a split: %d", nsplit);
	cpu = g.c.split[CT_PH_RUN].cpu_ns;
	cr_expect_geq(cpu, 200 * MS, "run cpu %lu", cpu);
	cr_expect(cpu <= own_us * 1000 * 115 / 100 &&
		  cpu >= own_us * 1000 * 85 / 100,
		  "run cpu %lu ns, node says %lu us", cpu, own_us);
	ct_tracker_free(e);
	ct_why_free(g.why);
	ct_ready_free(g.ready);
	ct_rec_reader_close(r);
}
