// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The ready phase and cold_start_ns from CT_EV_LISTEN records. */
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

struct got {
	struct ct_ready *ready;
	const char *id;
	struct ct_container c;
	int n;
};

static void on_emit(struct ct_container *c, void *ctx)
{
	struct got *g = ctx;

	ct_ready_apply(g->ready, c);
}

static void on_rec(const struct ct_container *c, void *ctx)
{
	struct got *g = ctx;

	if (!strcmp(c->id, g->id)) {
		g->c = *c;
		g->n++;
	}
}

static const char *fixture_dir(void)
{
	const char *d = getenv("CT_FIXTURES");

	return d ? d : "tests/fixtures";
}

/* Replays NAME.ctrec as main.c does: engine + ready; keeps container id. */
static void replay_ready(const char *name, const char *id, struct got *g)
{
	struct ct_tracker_opts o = { 0 };
	struct ct_rec_file_hdr fh;
	struct ct_rec_reader *r;
	struct ct_tracker *e;
	char path[512], err[256];
	const void *rec;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.ctrec", fixture_dir(), name);
	cr_assert_eq(ct_rec_reader_open(&r, path, &fh, err, sizeof(err)), 0,
		     "%s: %s", path, err);
	memset(g, 0, sizeof(*g));
	g->id = id;
	g->ready = ct_ready_new(CT_READY_LISTEN, fh.mono_to_real_ns);
	o.mono_to_real_ns = fh.mono_to_real_ns;
	o.cgroup_mode = fh.cgroup_mode;
	o.before_emit = on_emit;
	o.on_container = on_rec;
	o.ctx = g;
	e = ct_tracker_new(&o);
	cr_assert(e && g->ready);
	while ((rc = ct_rec_next(r, &rec, &len, err, sizeof(err))) > 0) {
		cr_assert_eq(ct_ready_feed(g->ready, rec, len), 0);
		cr_assert_eq(ct_tracker_feed(e, rec, len), 0);
	}
	cr_assert_eq(rc, 0, "%s: %s", path, err);
	ct_tracker_flush(e);
	ct_tracker_free(e);
	ct_ready_free(g->ready);
	ct_rec_reader_close(r);
	cr_assert_eq(g->n, 1, "%s: container %s seen %d times", name, id, g->n);
}

/* The sidecar's container id and, if asked, its ready_printed_ns. */
static void sidecar(const char *name, char *id, size_t idlen,
		    uint64_t *printed)
{
	char path[512], err[128], *text, *end;
	struct tj *v;
	size_t len;
	const char *s;

	snprintf(path, sizeof(path), "%s/%s.json", fixture_dir(), name);
	text = tj_slurp(path, &len);
	cr_assert(text, "%s missing", path);
	v = tj_parse(text, len, err, sizeof(err));
	cr_assert(v, "%s: %s", path, err);
	s = tj_str(v, "containers.0.id");
	cr_assert(s, "%s: no container id", path);
	snprintf(id, idlen, "%s", s);
	if (printed) {
		s = tj_str(v, "ready_printed_ns");
		cr_assert(s, "%s: no ready_printed_ns", path);
		*printed = strtoull(s, &end, 10);
		cr_assert(*end == '\0' && *printed);
	}
	tj_free(v);
	free(text);
}

/* Ready ends within 5 ms of the service's own clock and lasts >= 300 ms. */
static void check_listening(const char *name)
{
	char id[CT_ID_LEN];
	uint64_t printed, end;
	int64_t diff;
	struct got g;

	sidecar(name, id, sizeof(id), &printed);
	replay_ready(name, id, &g);
	cr_assert(ct_has_phase(&g.c, CT_PH_READY), "%s: no ready", name);
	end = g.c.phases[CT_PH_READY].end_ns;
	diff = (int64_t)(end - printed);
	cr_expect(diff < 5 * (int64_t)MS && diff > -5 * (int64_t)MS,
		  "%s: ready ends %lld ns from the printed clock", name,
		  (long long)diff);
	cr_expect_geq(ct_phase_dur(&g.c, CT_PH_READY), 300 * MS, "%s", name);
	cr_expect_eq(g.c.phases[CT_PH_READY].start_ns,
		     g.c.phases[CT_PH_RUN].start_ns);
	cr_expect_eq(ct_cold_start_ns(&g.c), end - g.c.first_ns);
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
	char id[CT_ID_LEN];
	struct got g;

	sidecar("docker-runc", id, sizeof(id), NULL);
	replay_ready("docker-runc", id, &g);
	cr_assert_not(ct_has_phase(&g.c, CT_PH_READY));
	cr_assert_gt(ct_cold_start_ns(&g.c), 0);
	cr_assert_eq(ct_cold_start_ns(&g.c),
		     g.c.phases[CT_PH_RUN].start_ns - g.c.first_ns);
	cr_assert_eq(g.c.phases[CT_PH_RUN].start_ns,
		     g.c.phases[CT_PH_START].end_ns);
}
