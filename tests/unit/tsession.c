// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Replays as the session does at emission: see tsession.h. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "recfile.h"
#include "replay.h"
#include "tracker.h"
#include "tsession.h"
#include "util.h"

struct ctx {
	const char *id;
	struct ts_result *r;
	struct ts_all *a;	/* ts_replay_all(): instead of id and r */
};

/* containers.N.id of a sidecar, asserted present. */
static const char *sidecar_id(const struct tj *sidecar, size_t i)
{
	char key[32];
	const char *id;

	snprintf(key, sizeof(key), "containers.%zu.id", i);
	id = tj_str(sidecar, key);
	cr_assert(id, "sidecar: no %s", key);
	return id;
}

/* The sidecar lists each generation of an id (docker start, restart
 * keep it) in the order they come: the first not yet seen is c's; a
 * record more than it lists counts on its last. */
static void on_rec_all(struct ts_all *a, const struct ct_container *c)
{
	size_t last = a->n;

	for (size_t i = 0; i < a->n; i++) {
		if (strcmp(c->id, sidecar_id(a->sidecar, i)))
			continue;
		last = i;
		if (a->seen[i])
			continue;
		a->c[i] = *c;
		a->seen[i]++;
		return;
	}
	if (last < a->n)
		a->seen[last]++;
}

static void on_rec(const struct ct_container *c, void *p)
{
	struct ctx *x = p;

	if (x->a) {
		on_rec_all(x->a, c);
		return;
	}
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

static void feed_all(struct ct_rec_reader *rd, struct ct_pipeline *pl,
		     const char *path)
{
	const void *rec;
	char err[256];
	size_t len;
	int rc;

	while ((rc = ct_rec_next(rd, &rec, &len, err, sizeof(err))) > 0)
		cr_assert_eq(ct_pipeline_feed(pl, rec, len), 0, "%s", path);
	cr_assert_eq(rc, 0, "%s: %s", path, err);
}

/* NAME.json, parsed. */
static struct tj *read_sidecar(const char *name, char **text)
{
	char path[512], err[256];
	struct tj *sidecar;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s.json", dir(), name);
	*text = tj_slurp(path, &len);
	cr_assert(*text, "%s missing", path);
	sidecar = tj_parse(*text, len, err, sizeof(err));
	cr_assert(sidecar, "%s: %s", path, err);
	return sidecar;
}

/* NAME.ctrec through the session's stages (pipeline.h), as x says. */
static void replay(const char *name, enum ct_ready_mode mode, struct ctx *x,
		   struct ct_tracker_stats *st)
{
	struct ct_rec_file_hdr fh;
	struct ct_rec_reader *rd;
	struct ct_replay_opens *ropens;
	struct ct_pipeline pl;
	char path[512], err[256];

	snprintf(path, sizeof(path), "%s/%s.ctrec", dir(), name);
	cr_assert_eq(ct_rec_reader_open(&rd, path, &fh, err, sizeof(err)), 0,
		     "%s: %s", path, err);
	cr_assert_eq(ct_replay_opens_read(rd, &ropens, err, sizeof(err)), 0,
		     "%s: %s", path, err);
	cr_assert_eq(ct_pipeline_init(&pl, &(struct ct_pipeline_opts){
		.mono_to_real_ns = fh.mono_to_real_ns,
		.cgroup_mode = fh.cgroup_mode,
		.ready_mode = mode,
		.why = true,
		.opens = ct_replay_opens_source(ropens),
		.on_container = on_rec,
		.ctx = x,
	}), 0);
	feed_all(rd, &pl, path);
	ct_pipeline_flush(&pl);
	if (st)
		ct_tracker_get_stats(pl.tracker, st);
	ct_pipeline_free(&pl);
	ct_replay_opens_free(ropens);
	ct_rec_reader_close(rd);
}

void ts_replay(const char *name, enum ct_ready_mode mode,
	       struct ts_result *r)
{
	struct ctx x = { .r = r };

	memset(r, 0, sizeof(*r));
	r->sidecar = read_sidecar(name, &r->text);
	x.id = sidecar_id(r->sidecar, 0);
	replay(name, mode, &x, NULL);
	cr_assert_eq(r->n, 1, "%s: container %s seen %d times", name, x.id,
		     r->n);
}

void ts_replay_all(const char *name, struct ts_all *a)
{
	struct ctx x = { .a = a };
	const struct tj *list;

	memset(a, 0, sizeof(*a));
	a->sidecar = read_sidecar(name, &a->text);
	list = tj_get(a->sidecar, "containers");
	cr_assert(list && list->type == TJ_ARR && list->n && list->n <= TS_MAX,
		  "%s: containers[] missing or longer than %d", name, TS_MAX);
	a->n = list->n;
	replay(name, CT_READY_LISTEN, &x, &a->st);
	for (size_t i = 0; i < a->n; i++)
		cr_assert_eq(a->seen[i], 1, "%s: container %s seen %d times",
			     name, a->c[i].id, a->seen[i]);
}

void ts_all_free(struct ts_all *a)
{
	tj_free(a->sidecar);
	free(a->text);
	a->sidecar = NULL;
	a->text = NULL;
}

bool ts_has_string(const char *block, size_t len, const char *want)
{
	for (size_t i = 0; i < len;) {
		size_t l = strnlen(block + i, len - i);

		if (i + l < len && !strcmp(block + i, want))
			return true;
		i += l + 1;
	}
	return false;
}

void ts_each_record(const char *name,
		    void (*fn)(const struct ct_hdr *h, int64_t m2r, void *ctx),
		    void *ctx)
{
	struct ct_rec_file_hdr fh;
	struct ct_rec_reader *rd;
	const void *rec;
	char path[128], err[256];
	size_t len;

	snprintf(path, sizeof(path), "tests/fixtures/%s.ctrec", name);
	cr_assert_eq(ct_rec_reader_open(&rd, path, &fh, err, sizeof(err)), 0,
		     "%s", err);
	while (ct_rec_next(rd, &rec, &len, err, sizeof(err)) > 0)
		fn(rec, fh.mono_to_real_ns, ctx);
	ct_rec_reader_close(rd);
}

uint64_t ts_u64str(const struct tj *sidecar, const char *key)
{
	const char *s = tj_str(sidecar, key);
	char *end;
	uint64_t v;

	cr_assert(s, "sidecar: no %s", key);
	v = strtoull(s, &end, 10);
	cr_assert(*end == '\0' && v, "sidecar: %s is not a number", key);
	return v;
}

uint64_t ts_sidecar_u64str(const struct ts_result *r, const char *key)
{
	return ts_u64str(r->sidecar, key);
}

void ts_free(struct ts_result *r)
{
	tj_free(r->sidecar);
	free(r->text);
	r->sidecar = NULL;
	r->text = NULL;
}

void ts_assert_argv(const struct ct_client *cl, const struct tj *want,
		    size_t skip, const char *what)
{
	struct ct_argv v;

	cr_assert(want && want->type == TJ_ARR, "%s: no argv", what);
	ct_argv_split(cl->args, cl->args_len, &v);
	cr_assert_eq((size_t)v.argc, want->n - skip, "%s: argc", what);
	for (int i = 0; i < v.argc; i++)
		cr_assert_str_eq(v.argv[i], want->items[skip + i]->text,
				 "%s: argv[%d]", what, i);
}
