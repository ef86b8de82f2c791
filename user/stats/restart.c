// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Restarts (agg.h has the definition): which later container is the
 * same service, the window and phase breakdown of one restart, every
 * restart of a one-shot aggregate, and their statistics.  The
 * continuous fold (agg.c) pairs generations with the same functions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "client.h"
#include "restart.h"
#include "util.h"

/*
 * What makes a later container the same service: its docker name, else
 * the command of its pid 1 (`ctr run` / `runc run` with a new id each
 * time), else its id (`docker restart` keeps the id).  Never a pod's
 * command: every sandbox runs the same pause program, and two pods one
 * after the other are not one pod restarted.  A Kubernetes name holds
 * only in its scope (ct_restart_scope_cmp()).
 */
const char *ct_restart_key(const struct ct_container *c, size_t *len)
{
	if (c->name[0]) {
		*len = strnlen(c->name, sizeof(c->name));
		return c->name;
	}
	if (c->cmd[0] && !c->is_pod) {
		*len = strnlen(c->cmd, sizeof(c->cmd));
		return c->cmd;
	}
	*len = strnlen(c->id, sizeof(c->id));
	return c->id;
}

/*
 * Kubernetes names an app container by its spec ("app"), the same in
 * every pod of a Deployment, and a pod by a name unique in its
 * namespace: a name is the same service only in the same namespace and,
 * for a container, the same pod (kubelet restarts a container in its
 * pod; a StatefulSet makes a pod of the same name anew).  "" for the
 * containers of other engines: their names are the host's.
 */
static int scope_cmp(const struct ct_container *x,
		     const struct ct_container *y)
{
	int r = strncmp(x->k8s.pod_namespace, y->k8s.pod_namespace,
			sizeof(x->k8s.pod_namespace));

	return r ? r : strncmp(x->k8s.pod_name, y->k8s.pod_name,
			       sizeof(x->k8s.pod_name));
}

uint64_t ct_restart_key_hash(const struct ct_container *c)
{
	size_t len;
	const char *key = ct_restart_key(c, &len);
	uint64_t h = ct_fnv1a(key, len);

	if (ct_k8s_known(c))
		h ^= ct_fnv1a(c->k8s.pod_namespace,
			      strnlen(c->k8s.pod_namespace,
				      sizeof(c->k8s.pod_namespace))) * 3 ^
		     ct_fnv1a(c->k8s.pod_name,
			      strnlen(c->k8s.pod_name,
				      sizeof(c->k8s.pod_name))) * 5;
	return h;
}

static int cmp_key(const struct ct_container *x, const struct ct_container *y)
{
	size_t lx, ly;
	const char *kx = ct_restart_key(x, &lx), *ky = ct_restart_key(y, &ly);
	int r = memcmp(kx, ky, lx < ly ? lx : ly);

	if (r)
		return r;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	r = scope_cmp(x, y);
	if (r)
		return r;
	if (x->is_pod != y->is_pod)
		return x->is_pod ? 1 : -1;
	return (int)x->runtime - (int)y->runtime;
}

static int cmp_generation(const void *pa, const void *pb)
{
	const struct ct_container *x = ((const struct ct_restart_gen *)pa)->c;
	const struct ct_container *y = ((const struct ct_restart_gen *)pb)->c;
	int r = cmp_key(x, y);
	uint64_t sx = x->phases[CT_PH_RUN].start_ns;
	uint64_t sy = y->phases[CT_PH_RUN].start_ns;

	if (r)
		return r;
	return sx < sy ? -1 : sx > sy;
}

static int cmp_restart(const void *pa, const void *pb)
{
	const struct ct_restart *x = pa, *y = pb;

	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

/* Copy phase p of c into s, clipped to s's window; open ends clip too. */
static void clip_phase(struct ct_container *s, const struct ct_container *c,
		       int p)
{
	uint64_t st = c->phases[p].start_ns, en = c->phases[p].end_ns;

	if (!ct_has_phase(c, p))
		return;
	if (!en || en > s->last_ns)
		en = s->last_ns;
	if (st < s->first_ns)
		st = s->first_ns;
	if (en <= st)
		return;
	s->phases[p].start_ns = st;
	s->phases[p].end_ns = en;
	s->phase_mask |= 1u << p;
}

/* Teardown of the old generation, bring-up of the new one. */
static void restart_breakdown(struct ct_restart *r,
			      const struct ct_container *old,
			      const struct ct_container *new)
{
	static const int old_ph[] = { CT_PH_DIE, CT_PH_DISCONNECT,
				      CT_PH_DESTROY };
	static const int new_ph[] = { CT_PH_PREPARE, CT_PH_ATTACH,
				      CT_PH_CREATE, CT_PH_CONNECT, CT_PH_START,
				      CT_PH_READY };
	struct ct_container s;
	size_t i;

	memset(&s, 0, sizeof(s));
	s.runtime = new->runtime;
	s.complete = true;
	s.first_ns = r->start_ns;
	s.last_ns = r->end_ns;
	for (i = 0; i < sizeof(old_ph) / sizeof(old_ph[0]); i++)
		clip_phase(&s, old, old_ph[i]);
	for (i = 0; i < sizeof(new_ph) / sizeof(new_ph[0]); i++)
		clip_phase(&s, new, new_ph[i]);
	r->phase_mask = s.phase_mask;
	ct_exclusive_ns(&s, r->excl_ns);
}

/* The new generation serves: the end of its ready phase, else its exec. */
static uint64_t restart_end(const struct ct_container *new)
{
	const struct ct_interval *rd = &new->phases[CT_PH_READY];

	if (ct_phase_closed(new, CT_PH_READY) && rd->end_ns)
		return rd->end_ns;
	return new->phases[CT_PH_RUN].start_ns;
}

/*
 * A later generation of the same id (docker start, docker restart) was
 * asked for by its own client: when that request came after the old
 * program exited (docker start of an exited container), the time before
 * it is nobody's restart, the window starts at the request.
 */
static uint64_t same_id_start(const struct ct_container *new, uint64_t ws)
{
	uint64_t req = new->has_client ? ct_client_request_ns(&new->client)
				       : 0;

	return req > ws ? req : ws;
}

/* Fills r but its indexes if old -> new, of one key, is a restart. */
bool ct_restart_make(const struct ct_container *old,
			 const struct ct_container *new, bool same_id,
			 struct ct_restart *r)
{
	uint64_t ws;

	if (ct_has_phase(old, CT_PH_DIE))
		ws = old->phases[CT_PH_DIE].start_ns;
	else if (ct_phase_closed(old, CT_PH_RUN))
		ws = old->phases[CT_PH_RUN].end_ns;
	else
		return false;
	/* replaced, not running beside it: the new one began after */
	if (!ws || new->phases[CT_PH_RUN].start_ns <= ws ||
	    new->first_ns < ws)
		return false;
	memset(r, 0, sizeof(*r));
	r->runtime = new->runtime;
	r->kind = ct_kind_of(new);
	r->same_id = same_id;
	r->start_ns = same_id ? same_id_start(new, ws) : ws;
	r->end_ns = restart_end(new);
	if (r->end_ns <= r->start_ns)
		return false;
	restart_breakdown(r, old, new);
	return true;
}

bool ct_restart_has_run(const struct ct_container *c)
{
	return ct_has_phase(c, CT_PH_RUN) && c->phases[CT_PH_RUN].start_ns;
}

static bool pair_at(const struct ct_restart_gen *o,
		    const struct ct_restart_gen *n, struct ct_restart *r)
{
	if (cmp_key(o->c, n->c) ||
	    !ct_restart_make(o->c, n->c, !strcmp(o->c->id, n->c->id), r))
		return false;
	r->old_idx = o->idx;
	r->new_idx = n->idx;
	return true;
}

ssize_t ct_restarts_pair(struct ct_restart_gen *gens, size_t n,
			 struct ct_restart **out)
{
	struct ct_restart *rs;
	size_t nr = 0;

	*out = NULL;
	if (n < 2)
		return 0;
	rs = malloc((n - 1) * sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	qsort(gens, n, sizeof(*gens), cmp_generation);
	for (size_t i = 1; i < n; i++)
		nr += pair_at(&gens[i - 1], &gens[i], &rs[nr]);
	qsort(rs, nr, sizeof(*rs), cmp_restart);
	if (!nr) {
		free(rs);
		return 0;
	}
	*out = rs;
	return nr;
}

bool ct_restart_sample(const struct ct_restart *r, int phase,
			   uint64_t *v)
{
	if (phase == CT_AGG_TOTAL) {
		*v = r->end_ns - r->start_ns;
		return true;
	}
	*v = r->excl_ns[phase];
	return r->phase_mask & (1u << phase);
}

void ct_restart_stats_of(const struct ct_restart *rs, size_t nr,
			     enum ct_runtime rt, enum ct_kind k, int phase,
			     uint64_t *vals, struct ct_stats *out)
{
	uint64_t num = 0, den = 0, v;
	size_t i, n = 0;

	for (i = 0; i < nr; i++) {
		if (rs[i].runtime != rt || rs[i].kind != k)
			continue;
		den += rs[i].end_ns - rs[i].start_ns;
		if (!ct_restart_sample(&rs[i], phase, &v))
			continue;
		vals[n++] = v;
		num += phase == CT_AGG_TOTAL ? v : rs[i].excl_ns[phase];
	}
	ct_stats_compute(vals, n, out);
	if (n && den)
		out->share = (double)num / (double)den;
}
