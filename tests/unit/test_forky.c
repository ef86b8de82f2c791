// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Recordings of Debian forky's container stack (Docker 28, containerd
 * 2.1, runc 1.3, crun 1.28, Podman 5.8): tests/fixtures/docker28-*,
 * ctr-*-binary, podman5-*, cri2-*.  Truth from the sidecars: docker's and
 * podman's own events, the clients' wall clocks, the CRI client's RPCs.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "container.h"
#include "tsession.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* The exclusive times add up to the total: no time in no phase. */
static void assert_no_gap(const struct ct_container *c, const char *what)
{
	uint64_t ex[CT_PH_MAX], sum = 0, total = ct_total_ns(c);

	ct_exclusive_ns(c, ex);
	for (int p = 0; p < CT_PH_MAX; p++)
		sum += ex[p];
	cr_assert_gt(total, 0, "%s", what);
	cr_expect_geq(sum * 100, total * 99, "%s: phases cover %llu of %llu ns",
		      what, (unsigned long long)sum, (unsigned long long)total);
}

/*
 * Docker 28 runs no setkey hook: dockerd bind-mounts pid 1's netns after
 * the runtime's create and connects the container before start.  connect
 * spans create's end to start's exec and holds docker's own network
 * "connect" event; nothing between create and start is in no phase.
 */
Test(forky, docker28_connect)
{
	static const char *const names[] = { "docker28-runc",
					     "docker28-runsc" };
	struct ts_result r;

	for (size_t i = 0; i < N(names); i++) {
		const struct ct_interval *cn, *cr, *st;
		uint64_t ev;

		ts_replay(names[i], CT_READY_LISTEN, &r);
		ev = ts_u64str(r.sidecar, "containers.0.connect_event_ns");
		cn = &r.c.phases[CT_PH_CONNECT];
		cr = &r.c.phases[CT_PH_CREATE];
		st = &r.c.phases[CT_PH_START];
		cr_assert(ct_has_phase(&r.c, CT_PH_CONNECT), "%s: no connect",
			  names[i]);
		cr_expect_eq(cn->start_ns, cr->end_ns, "%s", names[i]);
		cr_expect_eq(cn->end_ns, st->start_ns, "%s", names[i]);
		cr_expect(cn->start_ns <= ev && ev <= cn->end_ns,
			  "%s: docker's connect event outside connect",
			  names[i]);
		assert_no_gap(&r.c, names[i]);
		ts_free(&r);
	}
}

/*
 * Podman 5's `podman run --rm` runs the runtime's delete and removes the
 * container itself; conmon's cleanup may exit after it returned.  The
 * record ends no later than the client and holds podman's own remove
 * event in destroy (the recording: conmon outlived the client by 68 ms).
 */
Test(forky, podman5_client_removes)
{
	const struct ct_interval *d;
	struct ts_result r;
	uint64_t rm, t1;

	ts_replay("podman5-crun", CT_READY_LISTEN, &r);
	rm = ts_u64str(r.sidecar, "containers.0.remove_event_ns");
	t1 = ts_u64str(r.sidecar, "containers.0.client_t1_ns");
	d = &r.c.phases[CT_PH_DESTROY];
	cr_assert(r.c.complete);
	cr_expect_leq(r.c.first_ns + ct_total_ns(&r.c), t1,
		      "the record ends %lld ns after the podman client",
		      (long long)(r.c.first_ns + ct_total_ns(&r.c) - t1));
	cr_expect(d->start_ns <= rm && rm <= d->end_ns,
		  "podman's remove event outside destroy");
	ts_free(&r);
}

/*
 * destroy's steps: delete, then unmount from the client's umount of the
 * container's userdata/shm; podman's remove event (its storage removed)
 * in unmount, which ends with destroy, at the client's exit.
 */
Test(forky, podman5_destroy_steps)
{
	const struct ct_steps *st;
	struct ts_result r;
	uint64_t rm;

	ts_replay("podman5-crun", CT_READY_LISTEN, &r);
	rm = ts_u64str(r.sidecar, "containers.0.remove_event_ns");
	st = ct_steps_of(&r.c, CT_PH_DESTROY);
	cr_assert_eq(st->n, 2, "%u steps", st->n);
	cr_expect_eq(st->step[0], CT_STEP_DELETE);
	cr_expect_eq(st->start_ns[0], r.c.phases[CT_PH_DESTROY].start_ns);
	cr_expect_eq(st->step[1], CT_STEP_UNMOUNT);
	cr_expect(st->start_ns[1] <= rm &&
		  rm <= ct_step_end_ns(&r.c, CT_PH_DESTROY, 1),
		  "podman's remove event outside unmount");
	cr_expect_eq(ct_step_end_ns(&r.c, CT_PH_DESTROY, 1),
		     r.c.phases[CT_PH_DESTROY].end_ns);
	ts_free(&r);
}

/* A pod's destroy in steps: delete, network from its disconnect's start,
 * remove after its end (RemovePodSandbox's DEL, containerd 2.1: its shm
 * was unmounted before the first DEL). */
static void pod_destroy_steps(const char *name, const struct ct_container *pod)
{
	const struct ct_steps *st = ct_steps_of(pod, CT_PH_DESTROY);

	cr_assert_eq(st->n, 3, "%s: %u destroy steps", name, st->n);
	cr_expect_eq(st->step[1], CT_STEP_NETWORK, "%s", name);
	cr_expect_eq(st->start_ns[1], pod->phases[CT_PH_DISCONNECT].start_ns,
		     "%s", name);
	cr_expect_gt(st->start_ns[2], pod->phases[CT_PH_DISCONNECT].end_ns,
		     "%s", name);
}

/*
 * containerd 2.1 starts no shim for a pod's app container: the pod's shim
 * mounts the app's rootfs when StartContainer's task create reaches it,
 * then runs the app's runtime.  Each app is the pod's (engine cri, its
 * pod), its attach begins inside its StartContainer RPC, it dies, and
 * the pod's cold start ends at the last app's program exec.
 */
static void cri2_pod(const char *name)
{
	const struct ct_container *pod = NULL;
	uint64_t last_run = 0;
	struct ts_all a;
	char key[64];

	ts_replay_all(name, &a);
	for (size_t i = 0; i < a.n; i++) {
		const struct ct_container *c = &a.c[i];
		uint64_t lo, hi;

		cr_assert_eq(a.seen[i], 1, "%s: %s seen %d times", name, c->id,
			     a.seen[i]);
		cr_expect_eq(c->engine, CT_ENG_CRI, "%s: %s engine %s", name,
			     c->id, ct_engine_name(c->engine));
		if (c->is_pod) {
			pod = c;
			continue;
		}
		cr_assert(pod, "%s: the sidecar lists the pod first", name);
		cr_expect_str_eq(c->pod, pod->id, "%s: %s", name, c->id);
		cr_expect(ct_has_phase(c, CT_PH_DIE), "%s: %s no die", name,
			  c->id);
		snprintf(key, sizeof(key), "containers.%zu.start_container.0", i);
		lo = ts_u64str(a.sidecar, key);
		key[strlen(key) - 1] = '1';
		hi = ts_u64str(a.sidecar, key);
		cr_expect(ct_has_phase(c, CT_PH_ATTACH), "%s: %s no attach",
			  name, c->id);
		cr_expect(lo <= c->phases[CT_PH_ATTACH].start_ns &&
				  c->phases[CT_PH_ATTACH].start_ns <= hi,
			  "%s: %s attach outside StartContainer", name, c->id);
		if (c->phases[CT_PH_RUN].start_ns > last_run)
			last_run = c->phases[CT_PH_RUN].start_ns;
	}
	cr_assert(pod && last_run, "%s: no pod or no app ran", name);
	pod_destroy_steps(name, pod);
	cr_expect_eq(pod->first_ns + ct_cold_start_ns(pod), last_run,
		     "%s: the pod's cold start ends at %llu, its last app "
		     "ran at %llu", name,
		     (unsigned long long)(pod->first_ns + ct_cold_start_ns(pod)),
		     (unsigned long long)last_run);
	ts_all_free(&a);
}

Test(forky, cri2_apps_of_pod_shim)
{
	cri2_pod("cri2-runc");
	cri2_pod("cri2-crun");
}

/* Both kinds' statistics of a: each of n records, apart (agg.h). */
static void restore_apart(const struct ts_all *a)
{
	struct ct_agg *one = ct_agg_new(), *cont = ct_agg_new_continuous(4);
	struct ct_agg *aggs[] = { one, cont };
	struct ct_stats st;

	cr_assert(one && cont);
	for (size_t i = 0; i < a->n; i++) {
		cr_assert_eq(ct_agg_add(one, &a->c[i]), 0);
		cr_assert_eq(ct_agg_add(cont, &a->c[i]), 0);
	}
	for (size_t i = 0; i < N(aggs); i++) {
		cr_assert_eq(ct_agg_stats(aggs[i], CT_RT_RUNC, CT_KIND_RESTORE,
					  CT_AGG_COLD, &st), 0);
		cr_expect_eq(st.n, 1, "agg %zu: restores' cold starts", i);
		cr_expect_eq(st.max_ns, ct_cold_start_ns(&a->c[1]));
		cr_assert_eq(ct_agg_stats(aggs[i], CT_RT_RUNC,
					  CT_KIND_CONTAINER, CT_AGG_COLD, &st),
			     0);
		cr_expect_eq(st.n, 1, "agg %zu: containers' cold starts", i);
		cr_expect_eq(st.max_ns, ct_cold_start_ns(&a->c[0]));
	}
	ct_agg_free(one);
	ct_agg_free(cont);
}

/*
 * A recording of a checkpoint and a restore of one id (two generations):
 * both seen once; the second a restore, a kind of its own, with no
 * start, its own cgroup key, create ended at the resume and CRIU's part
 * inside it, and its opens unobservable: no exec made the kernel follow
 * it (the checkpointed one's program exec'd: measured).  Returns the two.
 */
static void replay_restore(const char *name, struct ts_all *a,
			   const struct ct_container **old,
			   const struct ct_container **rs)
{
	const struct ct_interval *cr;

	ts_replay_all(name, a);
	cr_assert_eq(a->n, 2, "%s", name);
	cr_assert(a->seen[0] == 1 && a->seen[1] == 1, "%s", name);
	*old = &a->c[0];
	*rs = &a->c[1];
	cr_expect((*old)->checkpointed && !(*old)->restore.is, "%s", name);
	cr_assert((*rs)->restore.is && !(*rs)->checkpointed, "%s", name);
	cr_expect_eq(ct_kind_of(*old), CT_KIND_CONTAINER, "%s", name);
	cr_expect_eq(ct_kind_of(*rs), CT_KIND_RESTORE, "%s", name);
	cr_expect(!ct_has_phase(*rs, CT_PH_START), "%s", name);
	cr_expect((*rs)->cgroup_key > 1 && !(*rs)->bad_key,
		  "%s: key %llu, problem %d", name,
		  (unsigned long long)(*rs)->cgroup_key, (*rs)->bad_key);
	cr_expect_neq((*rs)->cgroup_key, (*old)->cgroup_key,
		      "%s: the restore's cgroup is a new one", name);
	cr = &(*rs)->phases[CT_PH_CREATE];
	cr_expect_eq(cr->end_ns, (*rs)->phases[CT_PH_RUN].start_ns,
		     "%s: create ends at the resume", name);
	cr_expect((*rs)->restore.criu_ns > 0 &&
		  (*rs)->restore.criu_ns < cr->end_ns - cr->start_ns,
		  "%s: CRIU's part within create", name);
	/* CRIU's exec comes after the runtime's: both its parts within */
	cr_expect((*rs)->restore.criu_setup_ns > 0 &&
		  (*rs)->restore.criu_setup_ns + (*rs)->restore.criu_ns <
			  cr->end_ns - cr->start_ns,
		  "%s: CRIU's setup %llu ns and restore %llu ns within create",
		  name, (unsigned long long)(*rs)->restore.criu_setup_ns,
		  (unsigned long long)(*rs)->restore.criu_ns);
	cr_expect((*rs)->opens.unobservable && (*rs)->opens.restored &&
		  !(*rs)->opens.valid, "%s: the restore's opens", name);
	cr_expect((*old)->opens.valid && !(*old)->opens.unobservable,
		  "%s: the checkpointed one's opens", name);
}

/*
 * Podman 5.8's checkpoint and restore (CRIU 4.2.1, runc) of a container
 * run in the session (docs/restore.md).  Truth: Podman's --print-stats,
 * its events, the restore client's wall clock.  The first generation is
 * checkpointed (no exit of its own), the second a restore: create holds
 * CRIU's restore and ends at the resume, no start, its key its own,
 * paired with the checkpoint; a kind of its own in the statistics.
 */
Test(forky, podman5_restore)
{
	const struct ct_container *old, *rs;
	const struct ct_interval *cr, *at, *run;
	struct ts_all a;

	replay_restore("podman5-restore", &a, &old, &rs);
	cr_expect(!old->has_exit_code, "the dump stopped it: no exit");
	cr = &rs->phases[CT_PH_CREATE];
	at = &rs->phases[CT_PH_ATTACH];
	run = &rs->phases[CT_PH_RUN];
	/* Podman times conmon and the runtime from outside; CRIU's restore
	 * is inside the runtime's, and ends at the resume */
	cr_expect_leq(cr->end_ns - at->start_ns,
		      ts_u64str(a.sidecar, "containers.1.runtime_restore_ns"));
	cr_expect_gt(cr->end_ns - cr->start_ns,
		     ts_u64str(a.sidecar, "containers.1.criu_restore_ns"));
	cr_expect_lt(run->start_ns,
		     ts_u64str(a.sidecar, "containers.1.restore_event_ns"));
	cr_expect_geq(rs->first_ns,
		      ts_u64str(a.sidecar, "containers.1.client_t0_ns"));
	cr_expect_leq(run->start_ns,
		      ts_u64str(a.sidecar, "containers.1.client_t1_ns"));
	/* the checkpoint: its runtime's, inside Podman's timing of it */
	cr_expect_lt(rs->restore.checkpoint_ns,
		     ts_u64str(a.sidecar, "containers.1.checkpoint_event_ns"));
	cr_expect(rs->restore.checkpoint_dur_ns > 0 &&
		  rs->restore.checkpoint_dur_ns <=
			  ts_u64str(a.sidecar,
				    "containers.1.runtime_checkpoint_ns"));
	restore_apart(&a);
	ts_all_free(&a);
}

/*
 * containerd 2.1's ctr: `ctr c checkpoint --task` (it keeps running, and
 * is killed after), `ctr c restore --live` of it (its shim runs `runc
 * restore`).  Truth: the kills' 137 and the clients' wall clocks: the
 * runtime's checkpoint within its client's, the restore's create and
 * resume within its client's.
 */
Test(forky, ctr2_restore)
{
	const struct ct_container *old, *rs;
	const struct ct_interval *cr, *run;
	struct ts_all a;

	replay_restore("ctr2-restore", &a, &old, &rs);
	cr_expect(old->has_exit_code && old->exit_code == 137,
		  "killed after its checkpoint: 137");
	cr = &rs->phases[CT_PH_CREATE];
	run = &rs->phases[CT_PH_RUN];
	cr_expect_geq(cr->start_ns,
		      ts_u64str(a.sidecar, "containers.1.client_t0_ns"));
	cr_expect_leq(run->start_ns,
		      ts_u64str(a.sidecar, "containers.1.client_t1_ns"));
	cr_expect_geq(rs->restore.checkpoint_ns,
		      ts_u64str(a.sidecar, "containers.0.checkpoint_t0_ns"));
	cr_expect_leq(rs->restore.checkpoint_ns + rs->restore.checkpoint_dur_ns,
		      ts_u64str(a.sidecar, "containers.0.checkpoint_t1_ns"));
	ts_all_free(&a);
}
