// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The prepare phase (user/prepare.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coldtrace.h"
#include "container.h"
#include "tracker.h"
#include "prepare.h"
#include "recfile.h"
#include "tjson.h"

#define MS	1000000ull
#define MID_A	"aaaa1111"
#define MID_B	"bbbb2222"

static void mkdir_ev(struct ct_prepare *p, uint64_t ms, const char *path,
		     int64_t ret)
{
	struct ct_mkdir m = { 0 };

	m.hdr.ts_ns = ms * MS + 10;
	m.hdr.type = CT_EV_MKDIR;
	m.hdr.size = sizeof(m);
	m.start_ns = ms * MS;
	m.ret = ret;
	snprintf(m.path, sizeof(m.path), "%s", path);
	cr_assert_eq(ct_prepare_feed(p, &m, sizeof(m)), 0);
}

static void mountid_ev(struct ct_prepare *p, const char *id, const char *mid)
{
	struct ct_name_rec r = { 0 };

	r.hdr.type = CT_EV_MOUNTID;
	r.hdr.size = sizeof(r);
	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(r.name, sizeof(r.name), "%s", mid);
	cr_assert_eq(ct_prepare_feed(p, &r, sizeof(r)), 0);
}

static void docker_container(struct ct_container *c, const char *id,
			     uint64_t attach_ms)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->engine = CT_ENG_DOCKER;
	c->phase_mask = 1u << CT_PH_ATTACH;
	c->phases[CT_PH_ATTACH].start_ns = attach_ms * MS;
	c->phases[CT_PH_ATTACH].end_ns = (attach_ms + 10) * MS;
	c->first_ns = attach_ms * MS;
}

/* Two creations interleaved: each gets its own layer's mkdir. */
Test(prepare, docker_by_mount_id)
{
	struct ct_prepare *p = ct_prepare_new(0);
	struct ct_container c;

	mkdir_ev(p, 100, "/var/lib/docker/overlay2/" MID_A "-init", 0);
	mkdir_ev(p, 101, "/var/lib/docker/overlay2/" MID_A "-init/diff", 0);
	mkdir_ev(p, 105, "/var/lib/docker/overlay2/" MID_B "-init", 0);
	mkdir_ev(p, 106, "/var/lib/docker/overlay2/" MID_B, 0);
	mkdir_ev(p, 107, "/tmp/x/" MID_B "-init", 0);	/* not overlay2 */
	mountid_ev(p, "c1", MID_B);
	mountid_ev(p, "c2", MID_A);
	docker_container(&c, "c1", 150);
	ct_prepare_apply(p, &c);
	cr_assert(ct_has_phase(&c, CT_PH_PREPARE));
	cr_assert_eq(c.phases[CT_PH_PREPARE].start_ns, 105 * MS);
	cr_assert_eq(c.phases[CT_PH_PREPARE].end_ns, 150 * MS);
	cr_assert_eq(c.first_ns, 105 * MS, "the record starts with it");
	docker_container(&c, "c2", 140);
	ct_prepare_apply(p, &c);
	cr_assert_eq(c.phases[CT_PH_PREPARE].start_ns, 100 * MS);
	/* unknown mount id, or no mkdir: no prepare */
	docker_container(&c, "c3", 140);
	ct_prepare_apply(p, &c);
	cr_assert_not(ct_has_phase(&c, CT_PH_PREPARE));
	ct_prepare_free(p);
}

Test(prepare, ctr_run_ids)
{
	static const char a1[] = "ctr\0--address\0/run/c.sock\0-n\0default\0"
				 "run\0--rm\0--snapshotter\0overlayfs\0"
				 "docker.io/x/y:latest\0myid\0true";
	static const char a2[] = "/usr/bin/ctr\0run\0--env=A=1\0img\0id2";
	static const char a3[] = "ctr\0images\0pull\0img";
	static const char a4[] = "runc\0run\0img\0id";
	char id[CT_ID_LEN];

	cr_assert_eq(ct_prepare_ctr_id(a1, sizeof(a1), id, sizeof(id)), 0);
	cr_assert_str_eq(id, "myid");
	cr_assert_eq(ct_prepare_ctr_id(a2, sizeof(a2), id, sizeof(id)), 0);
	cr_assert_str_eq(id, "id2");
	cr_assert_eq(ct_prepare_ctr_id(a3, sizeof(a3), id, sizeof(id)),
		     -EINVAL);
	cr_assert_eq(ct_prepare_ctr_id(a4, sizeof(a4), id, sizeof(id)),
		     -EINVAL);
	cr_assert_eq(ct_prepare_ctr_id(a2, sizeof(a2) - 1, id, sizeof(id)),
		     -EINVAL, "last argument cut");
}

Test(prepare, bad_records)
{
	struct ct_prepare *p = ct_prepare_new(0);
	struct ct_mkdir m = { 0 };

	m.hdr.type = CT_EV_MKDIR;
	m.hdr.size = sizeof(m.hdr);
	cr_assert_eq(ct_prepare_feed(p, &m, sizeof(m)), -EINVAL);
	m.hdr.size = sizeof(m);
	cr_assert_eq(ct_prepare_feed(p, &m, sizeof(m) - 1), -EINVAL);
	memset(m.path, 'a', sizeof(m.path));	/* not terminated: cut */
	cr_assert_eq(ct_prepare_feed(p, &m, sizeof(m)), 0);
	ct_prepare_free(p);
}

/* ---- recordings ---- */

struct got {
	struct ct_prepare *prep;
	char id[CT_ID_LEN];
	struct ct_container c;
	int n;
};

static void on_emit(struct ct_container *c, void *ctx)
{
	ct_prepare_apply(((struct got *)ctx)->prep, c);
}

static void on_rec(const struct ct_container *c, void *ctx)
{
	struct got *g = ctx;

	if (!strcmp(c->id, g->id)) {
		g->c = *c;
		g->n++;
	}
}

static void replay(const char *name, struct got *g, uint64_t *created)
{
	const char *dir = getenv("CT_FIXTURES") ? getenv("CT_FIXTURES")
						: "tests/fixtures";
	char path[512], err[256], *text, *end;
	struct ct_tracker_opts o = { 0 };
	struct ct_rec_file_hdr fh;
	struct ct_rec_reader *r;
	struct ct_tracker *e;
	const void *rec;
	struct tj *v;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	text = tj_slurp(path, &len);
	cr_assert(text, "%s missing", path);
	v = tj_parse(text, len, err, sizeof(err));
	cr_assert(v, "%s: %s", path, err);
	snprintf(g->id, sizeof(g->id), "%s", tj_str(v, "containers.0.id"));
	if (created) {
		cr_assert(tj_str(v, "create_event_ns"));
		*created = strtoull(tj_str(v, "create_event_ns"), &end, 10);
	}
	tj_free(v);
	free(text);
	snprintf(path, sizeof(path), "%s/%s.ctrec", dir, name);
	cr_assert_eq(ct_rec_reader_open(&r, path, &fh, err, sizeof(err)), 0,
		     "%s", err);
	g->prep = ct_prepare_new(fh.mono_to_real_ns);
	o.mono_to_real_ns = fh.mono_to_real_ns;
	o.cgroup_mode = fh.cgroup_mode;
	o.before_emit = on_emit;
	o.on_container = on_rec;
	o.ctx = g;
	e = ct_tracker_new(&o);
	while ((rc = ct_rec_next(r, &rec, &len, err, sizeof(err))) > 0) {
		cr_assert_eq(ct_prepare_feed(g->prep, rec, len), 0);
		cr_assert_eq(ct_tracker_feed(e, rec, len), 0);
	}
	cr_assert_eq(rc, 0, "%s", err);
	ct_tracker_flush(e);
	ct_tracker_free(e);
	ct_prepare_free(g->prep);
	ct_rec_reader_close(r);
	cr_assert_eq(g->n, 1, "%s: %d records", name, g->n);
}

/* docker: prepare ends at attach and starts before docker's create event */
Test(prepare, recording_docker)
{
	static struct got g;
	uint64_t created;

	replay("docker-prepare", &g, &created);
	cr_assert(ct_has_phase(&g.c, CT_PH_PREPARE));
	cr_assert_gt(ct_phase_dur(&g.c, CT_PH_PREPARE), 0);
	cr_assert_eq(g.c.phases[CT_PH_PREPARE].end_ns,
		     g.c.phases[CT_PH_ATTACH].start_ns);
	cr_assert_eq(g.c.first_ns, g.c.phases[CT_PH_PREPARE].start_ns);
	cr_assert_leq(g.c.first_ns, created, "first phase after docker's "
		      "create event");
}

Test(prepare, recording_ctr)
{
	static struct got g;

	replay("ctr-runc", &g, NULL);
	cr_assert(ct_has_phase(&g.c, CT_PH_PREPARE));
	cr_assert_gt(ct_phase_dur(&g.c, CT_PH_PREPARE), 0);
	cr_assert_eq(g.c.phases[CT_PH_PREPARE].end_ns,
		     g.c.phases[CT_PH_ATTACH].start_ns);
}
