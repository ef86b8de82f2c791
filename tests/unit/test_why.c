// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --why: per-phase cpu / runq / io / sleep split (user/why.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coldtrace.h"
#include "container.h"
#include "ready.h"
#include "tsession.h"
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
