// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The ready phase and cold_start_ns from CT_EV_LISTEN records. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coldtrace.h"
#include "container.h"
#include "ready.h"
#include "tsession.h"

#define MS	1000000ull
#define M2R	(1000 * MS)	/* mono_to_real of these tests */
#define KEY	4242

static struct ct_listen listen_at(uint64_t mono_ms, uint64_t key, int64_t ret,
				  uint64_t opens)
{
	struct ct_listen l;

	memset(&l, 0, sizeof(l));
	l.hdr.ts_ns = mono_ms * MS;
	l.hdr.type = CT_EV_LISTEN;
	l.hdr.size = sizeof(l);
	l.cgroup_key = key;
	l.ret = ret;
	l.opens_count = opens;
	return l;
}

/* Wall clock ms: attach 0..10, create 10..40, start 40..50, run 50..900 */
static void container(struct ct_container *c, uint64_t key)
{
	static const struct { int p; uint64_t s, e; } ph[] = {
		{ CT_PH_ATTACH, 0, 10 }, { CT_PH_CREATE, 10, 40 },
		{ CT_PH_START, 40, 50 }, { CT_PH_RUN, 50, 900 },
	};

	memset(c, 0, sizeof(*c));
	c->cgroup_key = key;
	c->opens.valid = true;
	c->opens.count = 100;
	for (size_t i = 0; i < sizeof(ph) / sizeof(ph[0]); i++) {
		c->phase_mask |= 1u << ph[i].p;
		c->phases[ph[i].p].start_ns = M2R + ph[i].s * MS;
		c->phases[ph[i].p].end_ns = M2R + ph[i].e * MS;
	}
	c->first_ns = M2R;
	c->last_ns = M2R + 900 * MS;
}

static void feed(struct ct_ready *r, struct ct_listen l)
{
	cr_assert_eq(ct_ready_feed(r, &l, sizeof(l)), 0);
}

Test(ready, first_listen_inside_run)
{
	struct ct_ready *r = ct_ready_new(CT_READY_LISTEN, M2R);
	struct ct_container c;

	container(&c, KEY);
	feed(r, listen_at(30, KEY, 0, 1));	/* before exec: runsc control */
	feed(r, listen_at(400, KEY, 0, 70));
	feed(r, listen_at(350, KEY, -98, 60));	/* failed: EADDRINUSE */
	feed(r, listen_at(500, KEY, 0, 80));	/* a second port */
	feed(r, listen_at(360, KEY + 1, 0, 9));	/* another container */
	ct_ready_apply(r, &c);
	cr_assert(ct_has_phase(&c, CT_PH_READY));
	cr_assert_eq(c.phases[CT_PH_READY].start_ns, M2R + 50 * MS);
	cr_assert_eq(c.phases[CT_PH_READY].end_ns, M2R + 400 * MS);
	cr_assert(c.opens.has_before_ready);
	cr_assert_eq(c.opens.before_ready, 70);
	cr_assert_eq(ct_cold_start_ns(&c), 400 * MS);
	/* its listens are forgotten, the other container's are kept */
	container(&c, KEY);
	ct_ready_apply(r, &c);
	cr_assert_not(ct_has_phase(&c, CT_PH_READY));
	container(&c, KEY + 1);
	ct_ready_apply(r, &c);
	cr_assert_eq(c.phases[CT_PH_READY].end_ns, M2R + 360 * MS);
	ct_ready_free(r);
}

/*
 * CRI: a pod's cold start ends at its last app container's ready, which
 * is known when the app is emitted, before the pod's own record.
 */
Test(ready, pod_cold_start_ends_at_last_app_ready)
{
	struct ct_ready *r = ct_ready_new(CT_READY_LISTEN, M2R);
	struct ct_container app, quiet, pod, other;

	container(&app, KEY);
	snprintf(app.pod, sizeof(app.pod), "sandbox1");
	feed(r, listen_at(600, KEY, 0, 5));
	ct_ready_apply(r, &app);
	cr_assert_eq(app.phases[CT_PH_READY].end_ns, M2R + 600 * MS);
	container(&quiet, KEY + 1);	/* never listens: no ready */
	snprintf(quiet.pod, sizeof(quiet.pod), "sandbox1");
	ct_ready_apply(r, &quiet);

	container(&pod, KEY + 2);
	snprintf(pod.id, sizeof(pod.id), "sandbox1");
	pod.is_pod = true;
	pod.pod_ready_ns = M2R + 55 * MS;	/* the last app's exec */
	ct_ready_apply(r, &pod);
	cr_assert_eq(pod.pod_ready_ns, M2R + 600 * MS);
	cr_assert_eq(ct_cold_start_ns(&pod), 600 * MS);

	/* another pod: its apps never listened, its exec stays the end */
	container(&other, KEY + 3);
	snprintf(other.id, sizeof(other.id), "sandbox2");
	other.is_pod = true;
	other.pod_ready_ns = M2R + 70 * MS;
	ct_ready_apply(r, &other);
	cr_assert_eq(ct_cold_start_ns(&other), 70 * MS);
	/* the first pod's entry was taken: a second record gets nothing */
	pod.pod_ready_ns = M2R + 55 * MS;
	ct_ready_apply(r, &pod);
	cr_assert_eq(pod.pod_ready_ns, M2R + 55 * MS);
	ct_ready_free(r);
}

Test(ready, never_listens_ends_at_start)
{
	struct ct_ready *r = ct_ready_new(CT_READY_LISTEN, M2R);
	struct ct_container c;

	container(&c, KEY);
	feed(r, listen_at(950, KEY, 0, 1));	/* after pid 1 exited */
	ct_ready_apply(r, &c);
	cr_assert_not(ct_has_phase(&c, CT_PH_READY));
	cr_assert_not(c.opens.has_before_ready);
	cr_assert_eq(ct_cold_start_ns(&c), 50 * MS, "first phase -> exec");
	ct_ready_free(r);
}

/* What the arming policy asks while a container runs (its run open). */
Test(ready, reached_while_it_runs)
{
	struct ct_ready *r = ct_ready_new(CT_READY_LISTEN, M2R);
	struct ct_container c, other;

	container(&c, KEY);
	c.phases[CT_PH_RUN].end_ns = 0;
	other = c;
	other.cgroup_key = KEY + 1;
	feed(r, listen_at(30, KEY, 0, 1));	/* before its exec */
	cr_expect_not(ct_ready_reached(r, &c));
	feed(r, listen_at(400, KEY, 0, 70));
	cr_expect(ct_ready_reached(r, &c));
	cr_expect_not(ct_ready_reached(r, &other), "another cgroup");
	c.phase_mask &= ~(1u << CT_PH_RUN);
	cr_expect_not(ct_ready_reached(r, &c), "its program not begun");
	ct_ready_free(r);

	r = ct_ready_new(CT_READY_EXEC, M2R);
	cr_expect(ct_ready_reached(r, &other), "exec: ready at its exec");
	ct_ready_free(r);
	r = ct_ready_new(CT_READY_NONE, M2R);
	feed(r, listen_at(400, KEY + 1, 0, 70));
	cr_expect_not(ct_ready_reached(r, &other), "none: never");
	ct_ready_free(r);
}

Test(ready, exec_and_none)
{
	struct ct_ready *r = ct_ready_new(CT_READY_EXEC, M2R);
	struct ct_container c;

	container(&c, KEY);
	feed(r, listen_at(400, KEY, 0, 70));
	ct_ready_apply(r, &c);
	cr_assert(ct_has_phase(&c, CT_PH_READY));
	cr_assert_eq(ct_phase_dur(&c, CT_PH_READY), 0);
	cr_assert_eq(ct_cold_start_ns(&c), 50 * MS);
	ct_ready_free(r);

	r = ct_ready_new(CT_READY_NONE, M2R);
	container(&c, KEY);
	feed(r, listen_at(400, KEY, 0, 70));
	ct_ready_apply(r, &c);
	cr_assert_not(ct_has_phase(&c, CT_PH_READY));
	cr_assert_eq(ct_cold_start_ns(&c), 50 * MS);
	ct_ready_free(r);
}

Test(ready, bad_records)
{
	struct ct_ready *r = ct_ready_new(CT_READY_LISTEN, M2R);
	struct ct_listen l = listen_at(400, KEY, 0, 1);

	cr_assert_eq(ct_ready_feed(r, &l, sizeof(l) - 1), -EINVAL);
	l.hdr.size = sizeof(l.hdr);
	cr_assert_eq(ct_ready_feed(r, &l, sizeof(l)), -EINVAL);
	cr_assert_eq(ct_ready_feed(r, &l, 3), -EINVAL);
	cr_assert_null(ct_ready_new((enum ct_ready_mode)7, 0));
	cr_assert_eq(ct_ready_mode_from_name("exec"), CT_READY_EXEC);
	cr_assert_eq(ct_ready_mode_from_name("Exec"), -1);
	ct_ready_free(r);
}

Test(ready, bounded_and_counted)
{
	struct ct_ready *r = ct_ready_new(CT_READY_LISTEN, M2R);
	struct ct_container c;

	for (uint64_t i = 0; i < 5000; i++)
		feed(r, listen_at(100, 10000 + i, 0, 0));
	cr_assert_eq(ct_ready_dropped(r), 5000 - 4096);
	container(&c, 10000 + 4999);
	ct_ready_apply(r, &c);
	cr_assert(ct_has_phase(&c, CT_PH_READY), "the newest are kept");
	ct_ready_free(r);
}

/* ---- recordings (tests/fixtures, tools/harness/record-fixtures.sh) ---- */

/* Ready ends within 5 ms of the service's own clock and lasts >= 300 ms. */
static void check_listening(const char *name)
{
	struct ts_result r;
	uint64_t printed, end;
	int64_t diff;

	ts_replay(name, CT_READY_LISTEN, &r);
	printed = ts_sidecar_u64str(&r, "ready_printed_ns");
	cr_assert(ct_has_phase(&r.c, CT_PH_READY), "%s: no ready", name);
	end = r.c.phases[CT_PH_READY].end_ns;
	diff = (int64_t)(end - printed);
	cr_expect(diff < 5 * (int64_t)MS && diff > -5 * (int64_t)MS,
		  "%s: ready ends %lld ns from the printed clock", name,
		  (long long)diff);
	cr_expect_geq(ct_phase_dur(&r.c, CT_PH_READY), 300 * MS, "%s", name);
	cr_expect_eq(r.c.phases[CT_PH_READY].start_ns,
		     r.c.phases[CT_PH_RUN].start_ns);
	cr_expect_eq(ct_cold_start_ns(&r.c), end - r.c.first_ns);
	ts_free(&r);
}

Test(ready, recording_runc)
{
	check_listening("docker-ready");
}

Test(ready, recording_runsc)
{
	check_listening("docker-ready-runsc");
}

/* `true` never listens: no ready, cold start ends at the exec. */
Test(ready, recording_never_listens)
{
	struct ts_result r;

	ts_replay("docker-runc", CT_READY_LISTEN, &r);
	cr_assert_not(ct_has_phase(&r.c, CT_PH_READY));
	cr_assert_gt(ct_cold_start_ns(&r.c), 0);
	cr_assert_eq(ct_cold_start_ns(&r.c),
		     r.c.phases[CT_PH_RUN].start_ns - r.c.first_ns);
	cr_assert_eq(r.c.phases[CT_PH_RUN].start_ns,
		     r.c.phases[CT_PH_START].end_ns);
	ts_free(&r);
}
