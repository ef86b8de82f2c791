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
