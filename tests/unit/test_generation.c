// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A container id started again (docker start of an exited container,
 * docker restart): each generation's prepare starts at its own request,
 * and the two are paired as a restart (user/enrich/prepare.c, user/stats/agg.c).
 * Recordings of tests/fixtures/record-restart.sh; the truth is the
 * sidecar's: the wall clock around each client, docker's start events.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "client.h"
#include "container.h"
#include "tsession.h"

static uint64_t field(const struct ts_all *a, size_t i, const char *key)
{
	char k[64];

	snprintf(k, sizeof(k), "containers.%zu.%s", i, key);
	return ts_u64str(a->sidecar, k);
}

/* Generation i: asked for by the sidecar's client, its record inside
 * that client's wall clock from its prepare to its program's exec. */
static void check_generation(const struct ts_all *a, size_t i,
			     const char *what)
{
	const struct ct_container *c = &a->c[i];
	uint64_t t0 = field(a, i, "client_t0_ns");
	uint64_t t1 = field(a, i, "client_t1_ns");
	uint64_t ev = field(a, i, "start_event_ns");
	char key[64];

	snprintf(key, sizeof(key), "containers.%zu.client_argv", i);
	cr_assert(c->has_client, "generation %zu: no client", i);
	ts_assert_argv(&c->client, tj_get(a->sidecar, key), 0, what);
	cr_assert(ct_has_phase(c, CT_PH_PREPARE), "generation %zu", i);
	/* prepare from this generation's request, never before it */
	cr_assert_geq(c->phases[CT_PH_PREPARE].start_ns,
		      ct_client_request_ns(&c->client), "generation %zu", i);
	cr_assert_geq(c->first_ns, t0, "generation %zu: starts %.1f ms "
		      "before its client ran", i,
		      ((double)t0 - (double)c->first_ns) / 1e6);
	cr_assert_leq(c->first_ns + ct_cold_start_ns(c), t1,
		      "generation %zu: cold start ends after its client", i);
	/* docker says it started once its runtime's start returned */
	cr_assert_leq(c->phases[CT_PH_START].start_ns, ev, "generation %zu",
		      i);
	cr_assert_lt(ct_cold_start_ns(c), t1 - t0, "generation %zu", i);
}

/* The one restart of the two generations; continuous mode's pairing
 * (agg.h) folds the same one. */
static void check_pair(const struct ts_all *a, struct ct_restart *r)
{
	struct ct_agg *agg = ct_agg_new(), *cont = ct_agg_new_continuous(4);
	struct ct_restart *rs;
	struct ct_stats st;

	cr_assert(agg && cont);
	for (size_t i = 0; i < 2; i++) {
		cr_assert_eq(ct_agg_add(agg, &a->c[i]), 0);
		cr_assert_eq(ct_agg_add(cont, &a->c[i]), 0);
	}
	cr_assert_eq(ct_agg_restarts(agg, &rs), 1, "not paired");
	*r = rs[0];
	cr_assert_eq(r->old_idx, 0);
	cr_assert_eq(r->new_idx, 1);
	cr_assert(r->same_id);
	cr_assert_eq(ct_agg_restart_stats(cont, CT_RT_RUNC, CT_KIND_CONTAINER,
					  CT_AGG_TOTAL, &st), 0);
	cr_assert_eq(st.n, 1, "continuous mode: not paired");
	cr_assert_eq(st.max_ns, r->end_ns - r->start_ns);
	free(rs);
	ct_agg_free(agg);
	ct_agg_free(cont);
}

/* A recording's two generations of one id: `docker run`, then verb. */
static void replay_two(const char *name, struct ts_all *a, const char *verb)
{
	ts_replay_all(name, a);
	cr_assert_eq(a->n, 2);
	cr_assert_str_eq(a->c[0].id, a->c[1].id);
	check_generation(a, 0, "docker run");
	check_generation(a, 1, verb);
}

/* docker run (exits), 1 s later docker start -a of it. */
Test(generation, docker_start)
{
	const struct ct_container *old, *new;
	struct ct_restart r;
	struct ts_all a;

	replay_two("docker-start", &a, "docker start");
	old = &a.c[0];
	new = &a.c[1];
	/* the second starts at `docker start`, long after the first ended */
	cr_assert_eq(new->phases[CT_PH_PREPARE].start_ns, new->client.exec_ns);
	cr_assert_gt(new->first_ns, old->last_ns);
	check_pair(&a, &r);
	/* asked for after the old program exited: the window is the
	 * request's, the time it stayed exited is no restart */
	cr_assert_eq(r.start_ns, new->client.exec_ns);
	cr_assert_eq(r.end_ns, new->phases[CT_PH_RUN].start_ns);
	ts_all_free(&a);
}

/* docker run -d, 1 s later docker restart of it. */
Test(generation, docker_restart)
{
	const struct ct_container *old, *new;
	struct ct_restart r;
	struct ts_all a;
	uint64_t t0, t1;

	replay_two("docker-restart", &a, "docker restart");
	old = &a.c[0];
	new = &a.c[1];
	t0 = field(&a, 1, "client_t0_ns");
	t1 = field(&a, 1, "client_t1_ns");
	/* restart stops the old one first: this one's work begins when
	 * that one is gone */
	cr_assert_lt(new->client.exec_ns, old->phases[CT_PH_DIE].start_ns);
	cr_assert_eq(new->phases[CT_PH_PREPARE].start_ns, old->last_ns);
	check_pair(&a, &r);
	/* the study's window: the old pid 1's exit to the new program,
	 * inside the `docker restart` call */
	cr_assert_eq(r.start_ns, old->phases[CT_PH_DIE].start_ns);
	cr_assert_geq(r.start_ns, t0);
	cr_assert_leq(r.end_ns, t1);
	cr_assert(r.phase_mask & (1u << CT_PH_PREPARE));
	ts_all_free(&a);
}
