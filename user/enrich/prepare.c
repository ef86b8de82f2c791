// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The prepare phase (prepare.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "armlog.h"
#include "client.h"
#include "coldtrace.h"
#include "prepare.h"
#include "prepare_api.h"
#include "util.h"

/* a start further back than this is not this container's */
#define MAX_PREPARE_NS	(60 * 1000000000ull)

struct ct_prepare {
	struct ct_prepare_env env;
	/* each engine's, by enum ct_engine_kind; NULL: it has no prepare */
	const struct ct_prepare_ops *ops[CT_ENG_MAX];
	void *es[CT_ENG_MAX];
	struct pr_ring gens;	/* key: container id, ts: its record's end */
	struct pr_containerd ctrd;
	struct ct_arm_log arms;	/* the syscall hooks' turns, wall clock */
	struct ct_arm_log placed; /* new function probes (each turned on) */
};

struct ct_prepare *ct_prepare_new(int64_t mono_to_real_ns,
				  const struct ct_procs *model,
				  const struct ct_prepare_ops *const *ops)
{
	/* its rings fill over 1024 containers: resident from the start */
	struct ct_prepare *p = ct_zalloc_resident(sizeof(*p));

	if (!p)
		return NULL;
	p->env.m2r = mono_to_real_ns;
	p->env.model = model;
	p->env.ctrd = &p->ctrd;
	p->env.arms = &p->arms;
	p->env.placed = &p->placed;
	for (int k = 0; ops && k < CT_ENG_MAX; k++) {
		p->ops[k] = ops[k];
		if (!ops[k] || !ops[k]->state_size)
			continue;
		p->es[k] = ct_zalloc_resident(ops[k]->state_size);
		if (!p->es[k]) {
			ct_prepare_free(p);
			return NULL;
		}
	}
	return p;
}

void ct_prepare_free(struct ct_prepare *p)
{
	for (int k = 0; p && k < CT_ENG_MAX; k++)
		free(p->es[k]);
	free(p);
}

void pr_put(struct pr_ring *r, const char *key, size_t klen, const char *val,
	    uint64_t ts)
{
	struct pr_mark *m = &r->m[r->next++ % PR_RING];

	memset(m, 0, sizeof(*m));
	if (klen >= sizeof(m->key))
		klen = sizeof(m->key) - 1;
	memcpy(m->key, key, klen);
	if (val)
		strncpy(m->val, val, sizeof(m->val) - 1);
	m->ts = ts;
}

const struct pr_mark *pr_find(const struct pr_ring *r, const char *key,
			      uint64_t ts)
{
	const struct pr_mark *best = NULL;

	for (size_t i = 0; i < PR_RING; i++) {
		const struct pr_mark *m = &r->m[i];

		if (!m->key[0] || strcmp(m->key, key) || (ts && m->ts > ts))
			continue;
		if (!best || m->ts > best->ts)
			best = m;
	}
	return best;
}

const struct pr_mark *pr_first(const struct pr_ring *r, const char *key,
			       uint64_t from, uint64_t before)
{
	const struct pr_mark *best = NULL;

	for (size_t i = 0; i < PR_RING; i++) {
		const struct pr_mark *m = &r->m[i];

		if (!m->key[0] || m->ts < from || m->ts >= before ||
		    strcmp(m->key, key))
			continue;
		if (!best || m->ts < best->ts)
			best = m;
	}
	return best;
}

uint64_t pr_bundle(const struct ct_prepare_env *env, const char *id,
		   uint64_t from, uint64_t before)
{
	const struct pr_mark *m = pr_first(&env->ctrd->bundles, id, from,
					   before);

	return m ? m->ts : 0;
}

struct pr_found pr_snapshot_found(const struct ct_prepare_env *env,
				  uint64_t from, uint64_t before, size_t n)
{
	const struct pr_ring *r = &env->ctrd->snaps;
	struct pr_found f = { 0, CT_MISS_NONE };
	size_t seen = 0;

	for (size_t i = 0; i < PR_RING; i++) {
		const struct pr_mark *m = &r->m[i];

		if (!m->key[0] || m->ts < from || m->ts >= before)
			continue;
		if (!f.ts || m->ts < f.ts)
			f.ts = m->ts;
		seen++;
	}
	/* fewer: not made, or not seen; nothing sure to say */
	if (seen != n)
		f = (struct pr_found){ 0, seen > n ? CT_MISS_SHARED :
						     CT_MISS_NONE };
	return f;
}

struct pr_found pr_entry_found(const struct ct_prepare_env *env, uint64_t ts,
			       uint64_t from, uint64_t before, bool untaken)
{
	struct pr_found f = { ts, CT_MISS_NONE };

	if (ts)
		return f;
	f.why = pr_probes_missing(env, from, before);
	if (!f.why && !untaken)
		f.why = CT_MISS_UNSEEN;
	return f;
}

static size_t need(uint32_t type)
{
	switch (type) {
	case CT_EV_MKDIR:
	case CT_EV_CMKDIR:
		return sizeof(struct ct_mkdir);
	case CT_EV_MOUNTID:
		return sizeof(struct ct_name_rec);
	case CT_EV_MOUNT:
		return sizeof(struct ct_mount);
	case CT_EV_EXEC:
		return offsetof(struct ct_exec, args);
	case CT_EV_CNI_ENV:
		return offsetof(struct ct_cni_env, env);
	case CT_EV_ARM:
		return sizeof(struct ct_arm_rec);
	case CT_EV_UFN:
		return sizeof(struct ct_ufn);
	default:
		return 0;
	}
}

int ct_prepare_feed(struct ct_prepare *p, const void *rec, size_t len)
{
	const struct ct_hdr *h = rec;

	if (!p || !rec || len < sizeof(*h))
		return -EINVAL;
	if (!need(h->type))
		return 0;
	if (len < need(h->type) || h->size < need(h->type) || h->size > len)
		return -EINVAL;
	if (h->type == CT_EV_EXEC &&
	    ((const struct ct_exec *)rec)->args_len > h->size - need(CT_EV_EXEC))
		return -EINVAL;
	if (h->type == CT_EV_CNI_ENV &&
	    ((const struct ct_cni_env *)rec)->env_len >
	    h->size - need(CT_EV_CNI_ENV))
		return -EINVAL;
	if (h->type == CT_EV_ARM) {
		ct_arm_log_add(&p->arms, h->ts_ns + p->env.m2r,
			       ((const struct ct_arm_rec *)rec)->armed);
		return 0;
	}
	if (h->type == CT_EV_UFN &&
	    ((const struct ct_ufn *)rec)->fn == CT_UFN_PLACED) {
		ct_arm_log_add(&p->placed, h->ts_ns + p->env.m2r, true);
		return 0;
	}
	/* the engines in their order; the first that keeps it has it */
	for (int k = 0; k < CT_ENG_MAX; k++)
		if (p->ops[k] && p->ops[k]->feed &&
		    p->ops[k]->feed(p->es[k], &p->env, h, h->ts_ns + p->env.m2r))
			break;
	return 0;
}

/* Where c's engine says its creation began, 0 if nowhere. */
static uint64_t engine_start(const struct ct_prepare *p,
			     const struct ct_container *c, uint64_t first)
{
	const struct ct_prepare_ops *o = c->engine < CT_ENG_MAX ?
					 p->ops[c->engine] : NULL;

	return o && o->start ? o->start(p->es[c->engine], &p->env, c, first) : 0;
}

/* c's engine's prepare begins only at a client's exec (podman's). */
static bool client_only(const struct ct_prepare *p,
			const struct ct_container *c)
{
	return c->engine < CT_ENG_MAX && p->ops[c->engine] &&
	       p->ops[c->engine]->client_only;
}

/*
 * Attached throughout [from, to] (wall): not off at from, not detached
 * since.  Before the session's first attach, nothing is known of
 * anything (under `-- COMMAND`, its client came after): taken as on,
 * unless the ring forgot the attaches since.  Always, without CT_EV_ARM
 * records (a recording of version 1: always attached).  Its negation is
 * the stage's own test of a prepare begun unseen (unarmed() below).
 */
bool pr_hooks_on(const struct ct_prepare_env *env, uint64_t from,
		 uint64_t to)
{
	enum ct_arm_state st = ct_arm_log_at(env->arms, from);
	uint64_t off = ct_arm_log_next(env->arms, from, false);

	return (st == CT_ARM_ON || st == CT_ARM_BEFORE) && (!off || off > to);
}

enum ct_step_missing pr_probes_missing(const struct ct_prepare_env *env,
				       uint64_t from, uint64_t before)
{
	uint64_t again = ct_arm_log_next(env->placed, from, true);

	if (again && again < before)
		return CT_MISS_REPROBED;
	return ct_arm_log_at(env->placed, from) == CT_ARM_ON ?
	       CT_MISS_NONE : CT_MISS_UNPROBED;
}

/*
 * c's engine's prepare is seen only through the hooks, and its start s
 * (0: none found) may not be its creation's: its first act not seen, and
 * the hooks off at some time in the MAX_PREPARE_NS before its first
 * phase (nothing found), or in the PR_ENTRY_GAP_NS before s (a later act
 * found: its first one came that much before it at most).
 */
static bool unarmed(const struct ct_prepare *p, const struct ct_container *c,
		    uint64_t s)
{
	const struct ct_prepare_ops *o = c->engine < CT_ENG_MAX ?
					 p->ops[c->engine] : NULL;
	uint64_t to = s ? s : c->first_ns;
	uint64_t gap = s ? PR_ENTRY_GAP_NS : MAX_PREPARE_NS;

	if (!o || !o->first_act || o->first_act(p->es[c->engine], c, s))
		return false;
	return !pr_hooks_on(&p->env, to > gap ? to - gap : 0, to);
}

/* The end of the record of c's id emitted before c (its previous
 * generation: docker start, docker restart keep the id), else 0. */
static uint64_t prev_end(const struct ct_prepare *p,
			 const struct ct_container *c)
{
	const struct pr_mark *m = pr_find(&p->gens, c->id, 0);

	return m ? m->ts : 0;
}

/*
 * Where c's prepare starts, 0 if nowhere.  A later generation of an id
 * is started by a request of its own: the engine's marks made before the
 * previous generation ended (dockerd's layer, made once at create) are
 * that one's.  A request made while the previous one still ran (docker
 * restart: stop, then start) starts this generation's work only once
 * that one is gone: prepare starts there, at dockerd's own work for it.
 */
static uint64_t prepare_start(const struct ct_prepare *p,
			      const struct ct_container *c)
{
	uint64_t first = c->first_ns, after = prev_end(p, c);
	uint64_t s = engine_start(p, c, first);
	uint64_t req = c->has_client ? ct_client_request_ns(&c->client) : 0;

	if (s <= after)
		s = 0;
	/* an exact client: the engine's whole creation, from its request */
	if (req && (!s || req < s))
		s = req;
	if (s && s < after)
		s = after;
	return s;
}

static void set_prepare(struct ct_container *c, uint64_t s)
{
	c->phase_mask |= 1u << CT_PH_PREPARE;
	c->phases[CT_PH_PREPARE].start_ns = s;
	c->phases[CT_PH_PREPARE].end_ns = c->first_ns;
	c->first_ns = s;
}

/*
 * A container made by an earlier request than the one that started it
 * (docker create, then docker start): its creation is kept apart and its
 * prepare begins at the start's request; the wait between them is no
 * one's phase.  True if so.
 */
static bool apart(struct ct_prepare *p, struct ct_container *c)
{
	const struct ct_prepare_ops *o = c->engine < CT_ENG_MAX ?
					 p->ops[c->engine] : NULL;
	uint64_t s = o && o->apart ? o->apart(p->es[c->engine], c,
					      prev_end(p, c), &c->created) : 0;

	if (!s || s >= c->first_ns || c->first_ns - s > MAX_PREPARE_NS)
		return false;
	c->has_created = true;
	set_prepare(c, s);
	return true;
}

void pr_step(struct ct_steps *out, const struct ct_container *c,
	     enum ct_step st, uint64_t t)
{
	const struct ct_interval *pr = &c->phases[CT_PH_PREPARE];

	if (!t || t < pr->start_ns || t >= pr->end_ns ||
	    out->n == CT_STEP_MAX ||
	    (out->n && t <= out->start_ns[out->n - 1]))
		return;
	out->step[out->n] = (uint8_t)st;
	out->start_ns[out->n++] = t;
}

void pr_step_found(struct ct_steps *out, const struct ct_container *c,
		   enum ct_step st, struct pr_found f)
{
	if (f.ts)
		pr_step(out, c, st, f.ts);
	else if (f.why < CT_MISS_MAX)
		out->missing[st] = f.why;
}

uint64_t pr_asked_at(const struct ct_container *c)
{
	uint64_t s = c->phases[CT_PH_PREPARE].start_ns;
	uint64_t req = c->has_client ? c->client.request_ns : 0;

	return req > s ? req : s;
}

bool pr_client_steps(struct ct_steps *out, const struct ct_container *c)
{
	const struct ct_interval *pr = &c->phases[CT_PH_PREPARE];
	uint64_t req = c->has_client ? c->client.request_ns : 0;

	if (!req || ct_client_request_ns(&c->client) != pr->start_ns ||
	    req <= pr->start_ns || req >= pr->end_ns)
		return false;
	pr_step(out, c, CT_STEP_CLIENT, pr->start_ns);
	pr_step(out, c, CT_STEP_REQUEST, req);
	return true;
}

/* c's prepare, just set, in its engine's steps. */
static void steps(const struct ct_prepare *p, struct ct_container *c)
{
	const struct ct_prepare_ops *o = c->engine < CT_ENG_MAX ?
					 p->ops[c->engine] : NULL;
	struct ct_steps *out = ct_steps_mut(c, CT_PH_PREPARE);

	memset(out, 0, sizeof(*out));
	if (o && o->steps && ct_has_phase(c, CT_PH_PREPARE))
		o->steps(p->es[c->engine], &p->env, c, out);
}

void ct_prepare_apply(struct ct_prepare *p, struct ct_container *c)
{
	uint64_t first = c->first_ns, s;

	if (!p || !first)
		return;
	/* begun before the session: its start is not the adoption's */
	if (!c->partial && !ct_has_phase(c, CT_PH_PREPARE) && !apart(p, c)) {
		s = prepare_start(p, c);
		if (unarmed(p, c, s < first ? s : 0))	/* maybe cut: said */
			c->prepare_missing = CT_PREP_UNARMED;
		else if (s && s < first && first - s <= MAX_PREPARE_NS)
			set_prepare(c, s);
		else if (s && s < first)	/* never dropped unsaid */
			c->prepare_missing = CT_PREP_NO_START;
		else if (!s && client_only(p, c))
			c->prepare_missing = CT_PREP_NO_CLIENT;
	}
	steps(p, c);
	pr_put(&p->gens, c->id, strnlen(c->id, sizeof(c->id)), NULL, c->last_ns);
}
