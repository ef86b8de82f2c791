// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The enrich stage: see enrich.h. */
#include <stdlib.h>

#include "enrich.h"
#include "fuse.h"
#include "hist.h"
#include "paths.h"
#include "prepare.h"
#include "startfiles.h"

struct ct_enrich {
	struct ct_enrich_opts o;
	struct ct_pulls *pulls;
	struct ct_prepare *prepare;
	struct ct_ready *ready;
	struct ct_startfiles *start_files;
	struct ct_fuse_reqs *fuse;
	struct ct_why *why;		/* NULL without --why */
};

struct ct_enrich *ct_enrich_new(const struct ct_enrich_opts *o)
{
	struct ct_enrich *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->o = *o;
	e->pulls = ct_pulls_new(o->mono_to_real_ns, o->model, o->pull,
				o->on_pull, o->ctx);
	e->ready = ct_ready_new(o->ready_mode, o->mono_to_real_ns);
	e->prepare = ct_prepare_new(o->mono_to_real_ns, o->model, o->prepare);
	e->start_files = ct_startfiles_new(o->start_files_ns,
					   o->mono_to_real_ns);
	e->fuse = ct_fuse_new(o->mono_to_real_ns);
	if (o->why)
		e->why = ct_why_new(o->mono_to_real_ns, o->model);
	if (!e->pulls || !e->ready || !e->prepare || !e->start_files || !e->fuse ||
	    (o->why && !e->why)) {
		ct_enrich_free(e);
		return NULL;
	}
	return e;
}

void ct_enrich_free(struct ct_enrich *e)
{
	if (!e)
		return;
	ct_pulls_free(e->pulls);
	ct_ready_free(e->ready);
	ct_startfiles_free(e->start_files);
	ct_fuse_free(e->fuse);
	ct_prepare_free(e->prepare);
	ct_why_free(e->why);
	free(e);
}

int ct_enrich_feed(struct ct_enrich *e, const void *rec, size_t len)
{
	int ret[] = {
		ct_pulls_feed(e->pulls, rec, len),
		ct_ready_feed(e->ready, rec, len),
		ct_startfiles_feed(e->start_files, rec, len),
		ct_fuse_feed(e->fuse, rec, len),
		ct_prepare_feed(e->prepare, rec, len),
		e->why ? ct_why_feed(e->why, rec, len) : 0,
	};

	for (size_t i = 0; i < sizeof(ret) / sizeof(ret[0]); i++)
		if (ret[i])
			return ret[i];
	return 0;
}

static void attach_pull(struct ct_enrich *e, struct ct_container *c)
{
	const struct ct_pull *p;

	p = ct_pulls_claim(e->pulls, c->first_ns, CT_ENRICH_PULL_MAX_GAP_NS,
			   c->image, c->has_client ? c->client.pid : 0);
	if (!p)
		return;
	c->has_pull = true;
	c->pull.start_ns = p->start_ns;
	c->pull.end_ns = p->start_ns + p->dur_ns;
	snprintf(c->pull_image, sizeof(c->pull_image), "%s", p->image);
}

/* Stamped with the container's last event, as if the kernel sent them. */
static uint64_t rec_ts(const struct ct_enrich *e, const struct ct_container *c)
{
	return c->last_ns - e->o.mono_to_real_ns;
}

static void keep_opens(struct ct_enrich *e, const struct ct_container *c,
		       const struct ct_opens *o, uint32_t flags)
{
	struct ct_opens_rec r;

	if (!o->valid && !o->unobservable)
		return;
	ct_opens_rec_fill(&r, o, c->cgroup_key, c->runtime, flags,
			  rec_ts(e, c));
	e->o.keep(&r, sizeof(r), e->o.ctx);
}

static void keep_paths(struct ct_enrich *e, const struct ct_container *c)
{
	struct ct_paths_rec r;

	if (!c->n_slow)
		return;
	ct_paths_rec_fill(&r, c, rec_ts(e, c));
	e->o.keep(&r, sizeof(r), e->o.ctx);
}

/* A container of the runtimes whose programs the kernel tracks. */
static bool opens_followed(const struct ct_container *c)
{
	return (c->runtime == CT_RT_RUNC || c->runtime == CT_RT_CRUN ||
		c->runtime == CT_RT_RUNSC) && !c->unarmed && !c->partial;
}

/*
 * In no map, while the kernel refused to track some container (a full
 * map): it may be one of them, its opens not counted.  Say that rather
 * than nothing, which reads as no opens traced.
 */
static void refused_opens(const struct ct_opens_source *src,
			  struct ct_container *c)
{
	if (c->opens.valid || c->opens.unobservable || !src->ops->refused ||
	    !opens_followed(c) || !src->ops->refused(src->impl))
		return;
	ct_opens_set_map_full(&c->opens);
	if (c->runtime == CT_RT_RUNSC)
		ct_opens_set_map_full(&c->gofer_opens);
}

/* What the opens source keeps for c goes. */
static void forget_opens(struct ct_enrich *e, const struct ct_container *c)
{
	const struct ct_opens_source *src = &e->o.opens;

	if (src->ops && src->ops->forget && c->cgroup_key)
		src->ops->forget(src->impl, c->cgroup_key);
}

static void attach_opens(struct ct_enrich *e, struct ct_container *c)
{
	const struct ct_opens_source *src = &e->o.opens;
	const struct ct_opens_source_ops *ops = src->ops;

	if (!ops || !c->cgroup_key)
		return;
	ops->read(src->impl, c->cgroup_key, false, &c->opens);
	ops->read(src->impl, c->cgroup_key, true, &c->gofer_opens);
	refused_opens(src, c);
	if (e->o.paths)
		ops->read_slow(src->impl, c->cgroup_key, c, e->o.paths);
	if (ops->measured && e->o.keep) {
		keep_opens(e, c, &c->opens, 0);
		keep_opens(e, c, &c->gofer_opens, CT_OPENS_F_GOFER);
		if (e->o.paths)
			keep_paths(e, c);
	}
	forget_opens(e, c);
}

void ct_enrich_apply(struct ct_enrich *e, struct ct_container *c)
{
	attach_pull(e, c);
	attach_opens(e, c);
	ct_prepare_apply(e->prepare, c);	/* moves first_ns */
	ct_ready_apply(e->ready, c);		/* splits the opens */
	ct_startfiles_apply(e->start_files, c);	/* cut at ready */
	ct_fuse_apply(e->fuse, c);		/* split at ready */
	ct_why_apply(e->why, c);		/* splits every phase */
}

bool ct_enrich_ready(const struct ct_enrich *e, const struct ct_container *c)
{
	return ct_ready_reached(e->ready, c);
}

void ct_enrich_forget(struct ct_enrich *e, const struct ct_container *c)
{
	forget_opens(e, c);
	if (c->cgroup_key) {
		ct_startfiles_forget(e->start_files, c->cgroup_key);
		ct_fuse_forget(e->fuse, c->cgroup_key);
	}
}

void ct_enrich_tick(struct ct_enrich *e, uint64_t now_mono_ns)
{
	ct_pulls_tick(e->pulls, now_mono_ns);
}

void ct_enrich_flush(struct ct_enrich *e)
{
	ct_pulls_flush(e->pulls);
}

struct ct_pulls *ct_enrich_pulls(const struct ct_enrich *e)
{
	return e->pulls;
}

struct ct_why *ct_enrich_why(const struct ct_enrich *e)
{
	return e->why;
}

struct ct_startfiles *ct_enrich_start_files(const struct ct_enrich *e)
{
	return e->start_files;
}

void ct_enrich_warn_dropped(const struct ct_enrich *e, FILE *f)
{
	if (ct_ready_dropped(e->ready))
		fprintf(f, "coldtrace: %llu listen records dropped (too "
			"many containers pending): their ready phase is "
			"missing\n",
			(unsigned long long)ct_ready_dropped(e->ready));
	if (ct_startfiles_evicted(e->start_files))
		fprintf(f, "coldtrace: %llu start-file lines dropped (more "
			"than %u MiB kept): start-files.jsonl lacks the "
			"oldest\n",
			(unsigned long long)ct_startfiles_evicted(e->start_files),
			CT_SF_KEEP_BYTES >> 20);
	if (ct_why_dropped(e->why))
		fprintf(f, "coldtrace: %llu scheduler-state records "
			"dropped (store full): some --why splits are "
			"missing\n",
			(unsigned long long)ct_why_dropped(e->why));
}
