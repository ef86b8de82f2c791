// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The pipeline (user/core/pipeline.h): a recording through the stages
 * gives every callback the caller's ctx, each container once (every one
 * its sidecar lists among them), and the chains the sidecar lists.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "pipeline.h"
#include "recfile.h"
#include "replay.h"
#include "tjson.h"

struct seen {
	size_t news, containers, chains, alive_asked;
	bool wrong_ctx;
	char ids[16][CT_ID_LEN];
};

/* Whether the sidecar's containers.N.id was handed out. */
static bool was_seen(const struct seen *s, const char *id)
{
	for (size_t i = 0; i < s->containers && i < 16; i++)
		if (!strcmp(s->ids[i], id))
			return true;
	return false;
}

/* Each container of the sidecar came out; its chains did. */
static void check_sidecar(const struct seen *s, const char *path)
{
	const struct tj *list, *chains;
	struct tj *side;
	char err[256], key[40];
	size_t len;
	char *txt = tj_slurp(path, &len);

	cr_assert(txt, "%s", path);
	side = tj_parse(txt, len, err, sizeof(err));
	cr_assert(side, "%s: %s", path, err);
	list = tj_get(side, "containers");
	chains = tj_get(side, "chains");
	cr_assert(list && list->n && chains && chains->n);
	for (size_t i = 0; i < list->n; i++) {
		snprintf(key, sizeof(key), "containers.%zu.id", i);
		cr_assert(was_seen(s, tj_str(side, key)), "%s not out",
			  tj_str(side, key));
	}
	cr_assert_eq(s->chains, chains->n);
	tj_free(side);
	free(txt);
}

static void on_new(const struct ct_container *c, void *ctx)
{
	struct seen *s = ctx;

	(void)c;
	s->news++;
}

static void on_container(const struct ct_container *c, void *ctx)
{
	struct seen *s = ctx;

	for (size_t i = 0; i < s->containers && i < 16; i++)
		cr_assert_str_neq(s->ids[i], c->id, "%s twice", c->id);
	if (s->containers < 16)
		snprintf(s->ids[s->containers], CT_ID_LEN, "%s", c->id);
	s->containers++;
}

static void on_chain(const struct ct_chain *ch, void *ctx)
{
	struct seen *s = ctx;

	(void)ch;
	s->chains++;
}

static bool alive(uint32_t pid, void *ctx)
{
	struct seen *s = ctx;

	(void)pid;
	s->alive_asked++;
	return true;
}

/* Every callback casts ctx: a wrong one shows as counts off by far. */
Test(pipeline, callbacks_get_the_callers_ctx)
{
	struct seen s = { 0 };
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *r;
	struct ct_replay_opens *ro;
	struct ct_pipeline pl;
	const void *rec;
	char err[256];
	size_t len;

	cr_assert_eq(ct_rec_reader_open(&r, "tests/fixtures/chain-cold.ctrec",
					&h, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ct_replay_opens_read(r, &ro, err, sizeof(err)), 0);
	cr_assert_eq(ct_pipeline_init(&pl, &(struct ct_pipeline_opts){
		.mono_to_real_ns = h.mono_to_real_ns,
		.cgroup_mode = h.cgroup_mode,
		.opens = ct_replay_opens_source(ro),
		.proc_alive = alive,
		.on_container = on_container,
		.on_new = on_new,
		.on_chain = on_chain,
		.ctx = &s,
	}), 0);
	while (ct_rec_next(r, &rec, &len, err, sizeof(err)) > 0)
		cr_assert_eq(ct_pipeline_feed(&pl, rec, len), 0);
	ct_pipeline_flush(&pl);
	cr_assert_leq(s.containers, 16);
	cr_assert_geq(s.news, s.containers);
	check_sidecar(&s, "tests/fixtures/chain-cold.json");
	ct_pipeline_free(&pl);
	ct_replay_opens_free(ro);
	ct_rec_reader_close(r);
}

/*
 * A record is checked once, where it enters: a short or mangled one is
 * refused there and counted, and no stage sees it (the process model,
 * the first, keeps nothing of it); a whole one goes through.
 */
Test(pipeline, malformed_refused_at_the_entry)
{
	struct ct_tracker_stats st;
	struct ct_pipeline pl;
	struct ct_fx f;

	fx_init(&f);
	fx_fork(&f, 1, 2);
	cr_assert_eq(ct_pipeline_init(&pl, &(struct ct_pipeline_opts){ 0 }), 0);
	cr_expect_eq(ct_pipeline_feed(&pl, f.buf, f.len - 1), -EINVAL);
	cr_expect_eq(ct_pipeline_feed(&pl, f.buf, sizeof(struct ct_hdr)),
		     -EINVAL);
	cr_expect_eq(ct_pipeline_feed(&pl, NULL, f.len), -EINVAL);
	cr_expect_eq(ct_pipeline_feed_checked(&pl, f.buf, f.len, -EINVAL),
		     -EINVAL, "the entry's verdict is taken as it is");
	cr_expect_eq(ct_procs_count(pl.model), 0);
	ct_tracker_get_stats(pl.tracker, &st);
	cr_expect_eq(st.malformed, 4);
	cr_expect_eq(ct_pipeline_feed(&pl, f.buf, f.len), 0);
	cr_expect_eq(ct_procs_count(pl.model), 1);
	ct_pipeline_free(&pl);
	fx_free(&f);
}
