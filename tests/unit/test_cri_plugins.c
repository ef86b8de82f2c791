// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A CRI pod's CNI plugins, a step each (docs/phases.md "cri table"), on
 * the recordings that carry the plugins' environment (cri-concurrent3:
 * three pods at once; cri2-runc, cri2-crun: containerd 2.1).  The truth
 * is read from the recording itself: each CT_EV_CNI_ENV naming a pod by
 * a whole string (ts_has_string(), not the parser under test), its
 * plugin's exec (the same time and pid) and that pid's exit, to the
 * nanosecond; and the sidecar's RunPodSandbox and StopPodSandbox.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "coldtrace.h"
#include "tracker.h"
#include "tsession.h"

#define MS	1000000ull
#define EXECS	32

struct plugin {
	char comm[CT_COMM_LEN];
	bool add;
	uint32_t pid, ppid;
	size_t pod;
	uint64_t exec_ns, exit_ns;	/* wall */
	int parent;			/* index in the truth, -1: none */
};

struct truth {
	struct plugin p[EXECS];
	size_t n;
};

/* The pod of the first npods sandboxes that v names, else npods. */
static size_t pod_of(const struct ts_all *a, size_t npods,
		     const struct ct_cni_env *v)
{
	char want[CT_ID_LEN + 32];

	for (size_t i = 0; i < npods; i++) {
		snprintf(want, sizeof(want), "CNI_CONTAINERID=%s", a->c[i].id);
		if (ts_has_string(v->env, v->env_len, want))
			return i;
	}
	return npods;
}

/* The plugin that ran x: the newest before it of the same pod and
 * command whose pid is x's parent. */
static int parent_of(const struct truth *t, size_t x)
{
	for (size_t j = x; j--;)
		if (t->p[j].pid == t->p[x].ppid && t->p[j].pod == t->p[x].pod &&
		    t->p[j].add == t->p[x].add)
			return (int)j;
	return -1;
}

static void learn_env(struct truth *t, const struct ts_all *a, size_t npods,
		      const struct ct_cni_env *v, int64_t m2r)
{
	size_t pod = pod_of(a, npods, v);
	struct plugin *p = &t->p[t->n];

	if (pod == npods)
		return;
	cr_assert_lt(t->n, EXECS);
	memcpy(p->comm, v->hdr.comm, CT_COMM_LEN);
	p->add = ts_has_string(v->env, v->env_len, "CNI_COMMAND=ADD");
	cr_assert(p->add ||
		  ts_has_string(v->env, v->env_len, "CNI_COMMAND=DEL"));
	p->pid = v->hdr.pid;
	p->ppid = v->hdr.ppid;
	p->pod = pod;
	p->exec_ns = v->hdr.ts_ns + (uint64_t)m2r;
	t->n++;
	p->parent = parent_of(t, t->n - 1);
}

static void learn_exit(struct truth *t, const struct ct_hdr *h, int64_t m2r)
{
	uint64_t at = h->ts_ns + (uint64_t)m2r;

	for (size_t i = 0; i < t->n; i++)
		if (t->p[i].pid == h->pid && !t->p[i].exit_ns &&
		    t->p[i].exec_ns <= at)
			t->p[i].exit_ns = at;
}

struct learning {
	struct truth *t;
	const struct ts_all *a;
	size_t npods;
};

static void learn(const struct ct_hdr *h, int64_t m2r, void *ctx)
{
	struct learning *l = ctx;

	if (h->type == CT_EV_CNI_ENV)
		learn_env(l->t, l->a, l->npods, (const void *)h, m2r);
	else if (h->type == CT_EV_EXIT)
		learn_exit(l->t, h, m2r);
}

static void load_truth(const char *name, const struct ts_all *a,
		       size_t npods, struct truth *t)
{
	struct learning l = { .t = t, .a = a, .npods = npods };

	ts_each_record(name, learn, &l);
}

/* Pod i's plugin k is truth's plugin x, to the nanosecond. */
static void expect_plugin(const struct ct_container *c, unsigned int k,
			  const struct truth *t, size_t x, const int *at)
{
	const struct ct_cni_exec *e = &c->cni.x[k];
	const struct plugin *p = &t->p[x];

	cr_expect_str_eq(e->plugin, p->comm, "pod %.12s: plugin %u", c->id, k);
	cr_expect_eq(e->phase, p->add ? CT_PH_CONNECT : CT_PH_DESTROY);
	cr_expect_eq(e->start_ns, p->exec_ns, "pod %.12s: %s not at its exec",
		     c->id, p->comm);
	cr_expect_eq(e->end_ns, p->exit_ns, "pod %.12s: %s not at its exit",
		     c->id, p->comm);
	cr_expect_eq(e->parent, p->parent < 0 ? 0 : at[p->parent] + 1,
		     "pod %.12s: %s's parent", c->id, p->comm);
	cr_expect(ct_cni_exec_said(c, k), "pod %.12s: %s not said", c->id,
		  p->comm);
}

static void expect_inside(uint64_t t, uint64_t from, uint64_t to,
			  const char *id, const char *what)
{
	cr_expect(t >= from && t <= to, "pod %.12s: %s at %lu outside "
		  "[%lu, %lu]", id, what, (unsigned long)t,
		  (unsigned long)from, (unsigned long)to);
}

/* Every pod's plugins are the recording's, in order, each said once;
 * a plugin's children inside it. */
static void check_pods(const char *name, size_t npods, size_t per_pod)
{
	struct truth t = { 0 };
	struct ts_all a;

	ts_replay_all(name, &a);
	load_truth(name, &a, npods, &t);
	for (size_t i = 0; i < npods; i++) {
		const struct ct_container *c = &a.c[i];
		int at[EXECS];
		unsigned int k = 0;

		cr_assert(c->is_pod, "%.12s: not a pod", c->id);
		for (size_t x = 0; x < t.n; x++) {
			if (t.p[x].pod != i)
				continue;
			cr_assert_lt(k, c->cni.n, "pod %.12s: %u plugins",
				     c->id, c->cni.n);
			at[x] = (int)k;
			expect_plugin(c, k++, &t, x, at);
		}
		cr_expect_eq(k, per_pod, "pod %.12s: %u plugins in the "
			     "recording", c->id, k);
		cr_expect_eq(c->cni.n, k);
		for (k = 0; k < c->cni.n; k++) {
			const struct ct_cni_exec *e = &c->cni.x[k];
			const struct ct_cni_exec *up = e->parent ?
				&c->cni.x[e->parent - 1] : NULL;

			int step = ct_cni_exec_step(c, k);
			uint64_t from = up ? up->start_ns :
				step < 0 ? c->phases[e->phase].start_ns :
				ct_steps_of(c, e->phase)->start_ns[step];
			uint64_t to = up ? up->end_ns :
				step < 0 ? c->phases[e->phase].end_ns :
				ct_step_end_ns(c, e->phase, (unsigned int)step);

			expect_inside(e->start_ns, from, to, c->id, "exec");
			expect_inside(e->end_ns, from, to, c->id, "exit");
		}
	}
	ts_all_free(&a);
}

Test(cri_plugins, concurrent_pods_each_plugin)
{
	check_pods("cri-concurrent3", 3, 9);
}

Test(cri_plugins, containerd2_runc_each_plugin)
{
	check_pods("cri2-runc", 1, 9);
}

Test(cri_plugins, containerd2_crun_each_plugin)
{
	check_pods("cri2-crun", 1, 9);
}

/* sidecar field containers.i.what.k */
static uint64_t rpc_ns(const struct ts_all *a, size_t i, const char *what,
		       int k)
{
	char key[64];

	snprintf(key, sizeof(key), "containers.%zu.%s.%d", i, what, k);
	return ts_u64str(a->sidecar, key);
}

/*
 * Where they are said (cri-concurrent3): the ADD's in connect, inside
 * its pod's RunPodSandbox; StopPodSandbox's DEL in destroy's network
 * step, inside that RPC; RemovePodSandbox's in remove, after it
 * returned; each inside the step it is said in.
 */
Test(cri_plugins, concurrent_pods_in_their_steps)
{
	struct ts_all a;

	ts_replay_all("cri-concurrent3", &a);
	for (size_t i = 0; i < 3; i++) {
		const struct ct_container *c = &a.c[i];
		uint64_t run[2], stop[2];
		unsigned int con = 0, net = 0, rm = 0;

		for (int k = 0; k < 2; k++) {
			run[k] = rpc_ns(&a, i, "run_pod_sandbox", k);
			stop[k] = rpc_ns(&a, i, "stop_pod_sandbox", k);
		}
		for (unsigned int k = 0; k < c->cni.n; k++) {
			const struct ct_cni_exec *e = &c->cni.x[k];

			if (ct_cni_exec_in(c, k, CT_PH_CONNECT, -1, 0)) {
				con++;
				expect_inside(e->start_ns, run[0], run[1],
					      c->id, "ADD");
				expect_inside(e->end_ns, run[0], run[1],
					      c->id, "ADD's end");
			} else if (ct_cni_exec_in(c, k, CT_PH_DESTROY, 1, 0)) {
				net++;
				expect_inside(e->start_ns, stop[0], stop[1],
					      c->id, "DEL");
				expect_inside(e->end_ns, stop[0], stop[1],
					      c->id, "DEL's end");
			} else if (ct_cni_exec_in(c, k, CT_PH_DESTROY, 2, 0)) {
				rm++;
				cr_expect_gt(e->start_ns, stop[1]);
			}
		}
		cr_expect_eq(con, 2, "pod %.12s: %u ADD plugins", c->id, con);
		cr_expect_eq(net, 2, "pod %.12s: %u DEL plugins", c->id, net);
		cr_expect_eq(rm, 2, "pod %.12s: %u DEL plugins again", c->id,
			     rm);
		cr_expect_eq(ct_cni_execs_in(c, CT_PH_DESTROY, 0, 0), 0);
	}
	ts_all_free(&a);
}

/* Recordings made before the plugins' environment: no plugin is said
 * (the order of events that names their pod is a guess). */
Test(cri_plugins, no_environment_no_plugin_steps)
{
	struct ts_all a;

	ts_replay_all("cri-runc", &a);
	for (size_t i = 0; i < a.n; i++)
		cr_expect_eq(a.c[i].cni.n, 0, "%.12s: %u plugins", a.c[i].id,
			     a.c[i].cni.n);
	ts_all_free(&a);
}

/* A plugin is said only inside the plugin that ran it: a child whose
 * parent's exit was not seen is not said either (no span, slice or
 * object would hold it). */
Test(cri_plugins, child_of_a_plugin_not_said_is_not_said)
{
	static struct ct_container c;

	c.phase_mask = 1u << CT_PH_CONNECT;
	c.phases[CT_PH_CONNECT].start_ns = 100;
	c.phases[CT_PH_CONNECT].end_ns = 200;
	c.cni.n = 2;
	c.cni.x[0] = (struct ct_cni_exec){ .plugin = "bridge",
		.phase = CT_PH_CONNECT, .start_ns = 100 };
	c.cni.x[1] = (struct ct_cni_exec){ .plugin = "host-local",
		.phase = CT_PH_CONNECT, .parent = 1, .start_ns = 120,
		.end_ns = 150 };
	cr_expect(!ct_cni_exec_said(&c, 1));
	cr_expect_eq(ct_cni_execs_in(&c, CT_PH_CONNECT, -1, 0), 0);
	c.cni.x[0].end_ns = 200;
	cr_expect(ct_cni_exec_said(&c, 1));
	cr_expect_eq(ct_cni_execs_in(&c, CT_PH_CONNECT, -1, 0), 1);
	cr_expect_eq(ct_cni_execs_in(&c, CT_PH_CONNECT, -1, 1), 1);
}
