// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Replays as the session does at emission: see tsession.h. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrich.h"
#include "recfile.h"
#include "replay.h"
#include "tracker.h"
#include "tsession.h"

struct ctx {
	struct ct_enrich *enrich;
	const char *id;
	struct ts_result *r;
};

static void on_emit(struct ct_container *c, void *p)
{
	struct ctx *x = p;

	ct_enrich_apply(x->enrich, c);
}

static void on_rec(const struct ct_container *c, void *p)
{
	struct ctx *x = p;

	if (!strcmp(c->id, x->id)) {
		x->r->c = *c;
		x->r->n++;
	}
}

static const char *dir(void)
{
	const char *d = getenv("CT_FIXTURES");

	return d ? d : "tests/fixtures";
}

static void feed_all(struct ct_rec_reader *rd, struct ct_tracker *t,
		     struct ctx *x, const char *path)
{
	const void *rec;
	char err[256];
	size_t len;
	int rc;

	while ((rc = ct_rec_next(rd, &rec, &len, err, sizeof(err))) > 0) {
		cr_assert_eq(ct_enrich_feed(x->enrich, rec, len), 0, "%s",
			     path);
		cr_assert_eq(ct_tracker_feed(t, rec, len), 0, "%s", path);
	}
	cr_assert_eq(rc, 0, "%s: %s", path, err);
}

void ts_replay(const char *name, enum ct_ready_mode mode,
	       struct ts_result *r)
{
	struct ct_tracker_opts o = { 0 };
	struct ct_rec_file_hdr fh;
	struct ct_rec_reader *rd;
	struct ct_replay_opens *ropens;
	struct ct_tracker *t;
	char path[512], err[256];
	struct ctx x = { .r = r };
	size_t len;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "%s/%s.json", dir(), name);
	r->text = tj_slurp(path, &len);
	cr_assert(r->text, "%s missing", path);
	r->sidecar = tj_parse(r->text, len, err, sizeof(err));
	cr_assert(r->sidecar, "%s: %s", path, err);
	x.id = tj_str(r->sidecar, "containers.0.id");
	cr_assert(x.id, "%s: no container id", path);

	snprintf(path, sizeof(path), "%s/%s.ctrec", dir(), name);
	cr_assert_eq(ct_rec_reader_open(&rd, path, &fh, err, sizeof(err)), 0,
		     "%s: %s", path, err);
	cr_assert_eq(ct_replay_opens_read(rd, &ropens, err, sizeof(err)), 0,
		     "%s: %s", path, err);
	x.enrich = ct_enrich_new(&(struct ct_enrich_opts){
		.mono_to_real_ns = fh.mono_to_real_ns,
		.ready_mode = mode,
		.why = true,
		.opens = ct_replay_opens_source(ropens),
	});
	o.mono_to_real_ns = fh.mono_to_real_ns;
	o.cgroup_mode = fh.cgroup_mode;
	o.before_emit = on_emit;
	o.on_container = on_rec;
	o.ctx = &x;
	t = ct_tracker_new(&o);
	cr_assert(t && x.enrich);
	feed_all(rd, t, &x, path);
	ct_enrich_flush(x.enrich);
	ct_tracker_flush(t);
	ct_tracker_free(t);
	ct_enrich_free(x.enrich);
	ct_replay_opens_free(ropens);
	ct_rec_reader_close(rd);
	cr_assert_eq(r->n, 1, "%s: container %s seen %d times", name, x.id,
		     r->n);
}

uint64_t ts_sidecar_u64str(const struct ts_result *r, const char *key)
{
	const char *s = tj_str(r->sidecar, key);
	char *end;
	uint64_t v;

	cr_assert(s, "sidecar: no %s", key);
	v = strtoull(s, &end, 10);
	cr_assert(*end == '\0' && v, "sidecar: %s is not a number", key);
	return v;
}

void ts_free(struct ts_result *r)
{
	tj_free(r->sidecar);
	free(r->text);
	r->sidecar = NULL;
	r->text = NULL;
}
