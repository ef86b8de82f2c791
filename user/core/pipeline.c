// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The stages in their order: see pipeline.h. */
#include <errno.h>
#include <string.h>

#include "pipeline.h"
#include "records.h"

/* The tracker's hooks: enrich completes a container before it goes out. */
static void before_emit(struct ct_container *c, void *ctx)
{
	struct ct_pipeline *pl = ctx;

	ct_enrich_apply(pl->enrich, c);
}

/* Left out by -r / -c: drop its kernel histograms, they would pile up. */
static void on_filtered(const struct ct_container *c, void *ctx)
{
	struct ct_pipeline *pl = ctx;

	pl->filtered++;
	ct_enrich_forget(pl->enrich, c);
}

/* The caller's first, then the chain: enriched, its client is known. */
static void on_container(const struct ct_container *c, void *ctx)
{
	struct ct_pipeline *pl = ctx;

	if (pl->on_container)
		pl->on_container(c, pl->ctx);
	ct_chains_add(pl->chains, c);
}

/* Callers' hooks get their own ctx, not the pipeline. */
static void on_new(const struct ct_container *c, void *ctx)
{
	struct ct_pipeline *pl = ctx;

	if (pl->on_new)
		pl->on_new(c, pl->ctx);
}

static void on_bundle(const struct ct_container *c, const char *bundle,
		      void *ctx)
{
	struct ct_pipeline *pl = ctx;

	if (pl->on_bundle)
		pl->on_bundle(c, bundle, pl->ctx);
}

static bool proc_alive(uint32_t pid, void *ctx)
{
	struct ct_pipeline *pl = ctx;

	return pl->proc_alive(pid, pl->ctx);
}

int ct_pipeline_init(struct ct_pipeline *pl, const struct ct_pipeline_opts *o)
{
	struct ct_tracker_opts to = {
		.mono_to_real_ns = o->mono_to_real_ns,
		.cgroup_mode = o->cgroup_mode,
		.filter = o->filter,
		.before_emit = before_emit,
		.on_container = on_container,
		.on_filtered = on_filtered,
		.on_new = on_new,
		.on_bundle = on_bundle,
		.proc_alive = o->proc_alive ? proc_alive : NULL,
		.ctx = pl,
	};
	struct ct_enrich_opts eo = {
		.mono_to_real_ns = o->mono_to_real_ns,
		.ready_mode = o->ready_mode,
		.why = o->why,
		.paths = o->paths,
		.start_files_ns = o->start_files_ns,
		.opens = o->opens,
		.on_pull = o->on_pull,
		.keep = o->keep,
		.ctx = o->ctx,
	};

	memset(pl, 0, sizeof(*pl));
	pl->on_container = o->on_container;
	pl->on_new = o->on_new;
	pl->on_bundle = o->on_bundle;
	pl->proc_alive = o->proc_alive;
	pl->ctx = o->ctx;
	pl->model = ct_procs_new();
	if (!pl->model)
		return -ENOMEM;
	to.model = pl->model;
	eo.model = pl->model;
	ct_engine_columns(&pl->engines);
	eo.prepare = pl->engines.prepare;
	eo.pull = pl->engines.pull;
	to.client_ops = pl->engines.client;
	pl->enrich = ct_enrich_new(&eo);
	pl->chains = ct_chains_new(o->mono_to_real_ns, pl->model, o->on_chain,
				   o->ctx);
	pl->tracker = ct_tracker_new(&to);
	if (!pl->enrich || !pl->chains || !pl->tracker)
		return -ENOMEM;
	if (o->keep_pulls)
		ct_pulls_keep(ct_enrich_pulls(pl->enrich), o->keep_pulls);
	return 0;
}

void ct_pipeline_free(struct ct_pipeline *pl)
{
	ct_tracker_free(pl->tracker);
	ct_enrich_free(pl->enrich);
	ct_chains_free(pl->chains);
	ct_procs_free(pl->model);
	memset(pl, 0, sizeof(*pl));
}

/* The process model first, the state machine last. */
int ct_pipeline_feed(struct ct_pipeline *pl, const void *rec, size_t len)
{
	return ct_pipeline_feed_checked(pl, rec, len, ct_rec_check(rec, len));
}

int ct_pipeline_feed_checked(struct ct_pipeline *pl, const void *rec,
			     size_t len, int check)
{
	if (check)
		return ct_tracker_malformed(pl->tracker);
	ct_procs_feed(pl->model, rec, len);
	ct_enrich_feed(pl->enrich, rec, len);
	ct_chains_feed(pl->chains, rec, len);
	return ct_tracker_feed(pl->tracker, rec, len);
}

void ct_pipeline_tick(struct ct_pipeline *pl, uint64_t now_mono_ns)
{
	ct_tracker_tick(pl->tracker, now_mono_ns);
	ct_enrich_tick(pl->enrich, now_mono_ns);
}

void ct_pipeline_flush(struct ct_pipeline *pl)
{
	ct_enrich_flush(pl->enrich);
	ct_tracker_flush(pl->tracker);
	ct_chains_flush(pl->chains);
}
