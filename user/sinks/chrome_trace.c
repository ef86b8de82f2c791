// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* -o DIR/trace.json: see chrome_trace.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "chain.h"
#include "chrome_trace.h"
#include "json.h"
#include "output.h"
#include "pulls.h"
#include "why.h"

/* Earliest phase (or apart creation) start: ts 0 of the trace. */
static uint64_t trace_base(const struct ct_agg *agg,
			   const struct ct_pulls *pulls)
{
	size_t i, n = ct_agg_count(agg);
	uint64_t base = UINT64_MAX;
	int p;

	for (i = 0; pulls && i < ct_pulls_count(pulls); i++) {
		const struct ct_pull *pl = ct_pulls_get(pulls, i);

		if (pl->start_ns && pl->start_ns < base)
			base = pl->start_ns;
	}

	for (i = 0; i < n; i++) {
		const struct ct_container *c = ct_agg_get(agg, i);

		for (p = 0; p < CT_PH_MAX; p++) {
			if (ct_has_phase(c, p) && c->phases[p].start_ns < base)
				base = c->phases[p].start_ns;
		}
		if (c->has_created && c->created.start_ns < base)
			base = c->created.start_ns;
	}
	return base == UINT64_MAX ? 0 : base;
}

static void trace_meta_event(struct ct_json *w, const char *what, int pid,
			     size_t tid, const char *name, size_t len)
{
	/*
	 * The format's own category and a ts, as Chrome writes them:
	 * parsers split every event's cat and sort every event by ts.
	 */
	ct_json_start_object(w);
	ct_json_kv_string(w, "name", what);
	ct_json_kv_string(w, "cat", "__metadata");
	ct_json_kv_string(w, "ph", "M");
	ct_json_kv_u64(w, "pid", pid);
	ct_json_kv_u64(w, "tid", tid);
	ct_json_kv_u64(w, "ts", 0);
	ct_json_key(w, "args");
	ct_json_start_object(w);
	ct_json_key(w, "name");
	ct_json_string_n(w, name, len);
	ct_json_end_object(w);
	ct_json_end_object(w);
}

/* --why: a phase's state slices, and how many its state track shows;
 * or why it has no split */
static void trace_why_args(struct ct_json *w, const struct ct_container *c,
			   int p)
{
	const struct ct_split *x = &c->split[p];
	const char *why_not = ct_split_reason(c, p);

	if (why_not)
		ct_json_kv_string(w, "why_unattributable", why_not);
	if (!x->valid)
		return;
	ct_json_kv_u64(w, "why_slices", x->slices);
	ct_json_kv_u64(w, "why_slices_kept", x->slices_kept);
}

/* --why: otherData's totals of every container's slices */
static void trace_why_totals(struct ct_json *w, const struct ct_agg *agg)
{
	uint64_t n = 0, kept = 0, cn, ck;

	for (size_t i = 0; i < ct_agg_count(agg); i++) {
		if (!ct_why_slice_counts(ct_agg_get(agg, i), &cn, &ck))
			continue;
		n += cn;
		kept += ck;
	}
	ct_json_kv_u64(w, "why_slices_per_phase", CT_WHY_PHASE_SLICES);
	ct_json_kv_u64(w, "why_slices_kept", kept);
	ct_json_kv_u64(w, "why_slices_dropped", n - kept);
}

static void trace_slice(struct ct_json *w, const char *name, const char *cat,
			int pid, size_t tid, uint64_t start, uint64_t dur,
			uint64_t base)
{
	ct_json_start_object(w);
	ct_json_kv_string(w, "name", name);
	ct_json_kv_string(w, "cat", cat);
	ct_json_kv_string(w, "ph", "X");
	ct_json_kv_u64(w, "pid", pid);
	ct_json_kv_u64(w, "tid", tid);
	ct_json_key(w, "ts");
	ct_json_decimal(w, start - base, 3);
	ct_json_key(w, "dur");
	ct_json_decimal(w, dur, 3);
	ct_json_end_object(w);
}

/* The phases' steps (docs/phases.md "prepare's steps", "destroy's
 * steps"): slices inside their phase's, on the container's track. */
static void trace_steps(struct ct_json *w, const struct ct_container *c,
			int pid, size_t tid, uint64_t base)
{
	for (int p = 0; p < CT_PH_MAX; p++) {
		const struct ct_steps *s = ct_steps_of(c, p);

		for (unsigned int i = 0; s && i < s->n; i++)
			trace_slice(w, ct_step_name(s->step[i]), "step", pid,
				    tid, s->start_ns[i],
				    ct_step_dur_ns(c, p, i), base);
	}
}

/* A creation apart (docs/phases.md "prepare"): a slice of its own on
 * the container's track, before its phases, no phase. */
static void trace_created(struct ct_json *w, const struct ct_container *c,
			  int pid, size_t tid, uint64_t base)
{
	if (!c->has_created)
		return;
	ct_json_start_object(w);
	ct_json_kv_string(w, "name", "created");
	ct_json_kv_string(w, "cat", "created");
	ct_json_kv_string(w, "ph", "X");
	ct_json_kv_u64(w, "pid", pid);
	ct_json_kv_u64(w, "tid", tid);
	ct_json_key(w, "ts");
	ct_json_decimal(w, c->created.start_ns - base, 3);
	ct_json_key(w, "dur");
	ct_json_decimal(w, c->created.end_ns - c->created.start_ns, 3);
	ct_json_key(w, "args");
	ct_json_start_object(w);
	ct_json_key(w, "id");
	ct_json_string_n(w, c->id, sizeof(c->id));
	ct_json_kv_string(w, "by", c->created.from_client ? "client" :
			  "dockerd");
	ct_json_kv_u64(w, "gap_ns", ct_created_gap_ns(c));
	ct_json_end_object(w);
	ct_json_end_object(w);
}

/*
 * One track per container, tid = index + 1, in its group: pid = runtime
 * + 1, or its CRI pod's group (trace_groups()); the sandbox's own track
 * is labelled "sandbox", a restore's "restore".
 */
static void trace_container(struct ct_json *w, const struct ct_container *c,
			    int pid, size_t tid, uint64_t base)
{
	char label[CT_ID_LEN + CT_NAME_LEN + 12];
	uint64_t v;
	int p;

	snprintf(label, sizeof(label), "%.12s%s%s%.*s", c->id,
		 c->is_pod ? " sandbox" : c->restore.is ? " restore" : "",
		 c->name[0] ? " " : "",
		 (int)sizeof(c->name), c->name);
	trace_meta_event(w, "thread_name", pid, tid, label, sizeof(label));
	for (p = 0; p < CT_PH_MAX; p++) {
		if (!ct_agg_sample(c, p, &v))
			continue;
		ct_json_start_object(w);
		ct_json_kv_string(w, "name", ct_phase_name(p));
		ct_json_kv_string(w, "cat", "phase");
		ct_json_kv_string(w, "ph", "X");
		ct_json_kv_u64(w, "pid", pid);
		ct_json_kv_u64(w, "tid", tid);
		ct_json_key(w, "ts");
		ct_json_decimal(w, c->phases[p].start_ns - base, 3);
		ct_json_key(w, "dur");
		ct_json_decimal(w, v, 3);
		ct_json_key(w, "args");
		ct_json_start_object(w);
		ct_json_key(w, "id");
		ct_json_string_n(w, c->id, sizeof(c->id));
		trace_why_args(w, c, p);
		ct_json_steps_missing(w, c, p);
		ct_json_end_object(w);
		ct_json_end_object(w);
	}
	trace_steps(w, c, pid, tid, base);
	trace_created(w, c, pid, tid, base);
}

/*
 * One process per image pull (after the runtimes' pids): thread 1 is the
 * whole pull, thread k + 2 layer k, its fetch then its unpack (they
 * never overlap within a layer, so slices nest as the format wants).
 * No tid 0: parsers (trace-model) take it for the process itself, not a
 * track.
 */
static void trace_pull(struct ct_json *w, const struct ct_pull *p, int pid,
		       uint64_t base)
{
	char label[CT_PULL_IMAGE_LEN + 16];

	if (!p->start_ns || p->start_ns < base)
		return;
	snprintf(label, sizeof(label), "pull %s",
		 p->image[0] ? p->image : "(image unknown)");
	trace_meta_event(w, "process_name", pid, 0, label, strlen(label));
	trace_meta_event(w, "thread_name", pid, 1, "whole pull", 10);
	trace_slice(w, "pull", "pull", pid, 1, p->start_ns, p->dur_ns, base);
	for (size_t k = 0; k < p->nlayers; k++) {
		const struct ct_pull_layer *l = &p->layers[k];
		const char *d = strchr(l->digest, ':');

		snprintf(label, sizeof(label), "layer %.12s",
			 d ? d + 1 : l->digest);
		trace_meta_event(w, "thread_name", pid, k + 2, label,
				 strlen(label));
		if (l->fetch_start_ns >= base)
			trace_slice(w, "fetch", "pull", pid, k + 2,
				    l->fetch_start_ns, l->fetch_dur_ns, base);
		if (l->unpack_start_ns >= base && l->unpack_start_ns)
			trace_slice(w, "unpack", "pull", pid, k + 2,
				    l->unpack_start_ns, l->unpack_dur_ns, base);
	}
}

/*
 * --why: the carriers' thread states as slices, one track per phase under
 * the container's (tid + STATE_TID * (phase + 1)): running, runnable, D,
 * sleeping.  Phases overlap (connect within create, ready within run) and
 * each has its own carrier: on one track their slices would overlap
 * without nesting, which trace viewers cannot stack.
 */
#define STATE_TID	(1u << 20)

static void trace_state_tracks(struct ct_json *w,
			       const struct ct_why_slice *sl, size_t n,
			       const struct ct_container *c, int pid,
			       size_t tid)
{
	bool named[CT_PH_MAX] = { false };
	char label[64];

	for (size_t i = 0; i < n; i++) {
		int p = sl[i].phase;

		if (p < 0 || p >= CT_PH_MAX || named[p])
			continue;
		named[p] = true;
		snprintf(label, sizeof(label), "%.12s carrier state (%s)",
			 c->id, ct_phase_name(p));
		trace_meta_event(w, "thread_name", pid,
				 tid + STATE_TID * (size_t)(p + 1), label,
				 strlen(label));
	}
}

static void trace_states(struct ct_json *w, const struct ct_why *why,
			 const struct ct_container *c, int pid, size_t tid,
			 uint64_t base)
{
	static const char *const names[] = {
		[CT_TS_RUN] = "running", [CT_TS_RUNQ] = "runnable",
		[CT_TS_IO] = "uninterruptible (io)", [CT_TS_SLEEP] = "sleeping",
	};
	const struct ct_why_slice *sl;
	size_t n = ct_why_slices(why, c, &sl);

	trace_state_tracks(w, sl, n, c, pid, tid);
	for (size_t i = 0; i < n; i++) {
		if (sl[i].start_ns < base || sl[i].state > CT_TS_SLEEP ||
		    !names[sl[i].state] || sl[i].phase < 0 ||
		    sl[i].phase >= CT_PH_MAX)
			continue;
		ct_json_start_object(w);
		ct_json_kv_string(w, "name", names[sl[i].state]);
		ct_json_kv_string(w, "cat", "state");
		ct_json_kv_string(w, "ph", "X");
		ct_json_kv_u64(w, "pid", pid);
		ct_json_kv_u64(w, "tid",
			       tid + STATE_TID * (size_t)(sl[i].phase + 1));
		ct_json_key(w, "ts");
		ct_json_decimal(w, sl[i].start_ns - base, 3);
		ct_json_key(w, "dur");
		ct_json_decimal(w, sl[i].end_ns - sl[i].start_ns, 3);
		ct_json_key(w, "args");
		ct_json_start_object(w);
		ct_json_kv_string(w, "phase", ct_phase_name(sl[i].phase));
		ct_json_end_object(w);
		ct_json_end_object(w);
	}
}

/*
 * --why's wait sites: each phase's longest waits of its carrier, as
 * slices named by what they waited on, on tracks of their own (a wait
 * spans several process states: it would not nest in the state track),
 * laid in lanes so that slices of a track never overlap; and a flow
 * arrow from each wait's wakeup, a 1 ns slice on the container's
 * "wakers" track, to the wait (Perfetto draws them).
 */
#define WAIT_LANES	CT_WHY_PHASE_WAITS
#define WAIT_TID(tid, p, lane)	\
	((tid) + STATE_TID * (CT_PH_MAX + 1 + (size_t)(p) * WAIT_LANES + (lane)))
#define WAKER_TID(tid)	((tid) + STATE_TID * (CT_PH_MAX + 1 + CT_PH_MAX * WAIT_LANES))

/*
 * A CRI pod's CNI plugins (docs/phases.md "cri table"): slices named
 * "cni:<plugin>" on tracks of their own after the wakers', laid in lanes
 * (plugins run side by side: one track would hold slices that overlap
 * without nesting), each plugin's children on its own lane, inside it.
 */
#define CNI_TID(tid, lane)	\
	((tid) + STATE_TID * (CT_PH_MAX + 2 + CT_PH_MAX * WAIT_LANES + (lane)))

static void trace_cni(struct ct_json *w, const struct ct_container *c,
		      int pid, size_t tid, uint64_t base)
{
	uint64_t lane_end[CT_CNI_EXECS] = { 0 };
	size_t lane[CT_CNI_EXECS] = { 0 }, nlanes = 0, l;
	char name[8 + CT_COMM_LEN], label[64];

	for (unsigned int k = 0; k < c->cni.n; k++) {
		const struct ct_cni_exec *x = &c->cni.x[k];

		if (!ct_cni_exec_said(c, k))
			continue;
		l = x->parent ? lane[x->parent - 1] : 0;
		while (!x->parent && l < nlanes && lane_end[l] > x->start_ns)
			l++;
		lane[k] = l;
		if (l == nlanes) {
			snprintf(label, sizeof(label), "%.12s cni %zu", c->id,
				 ++nlanes);
			trace_meta_event(w, "thread_name", pid, CNI_TID(tid, l),
					 label, strlen(label));
		}
		if (!x->parent)
			lane_end[l] = x->end_ns;
		trace_slice(w, ct_cni_exec_name(c, k, name, sizeof(name)),
			    "cni", pid, CNI_TID(tid, l), x->start_ns,
			    x->end_ns - x->start_ns, base);
	}
}

static void trace_flow(struct ct_json *w, const char *ph, uint64_t id,
		       int pid, size_t tid, uint64_t ts, uint64_t base)
{
	ct_json_start_object(w);
	ct_json_kv_string(w, "name", "wakeup");
	ct_json_kv_string(w, "cat", "wakeup");
	ct_json_kv_string(w, "ph", ph);
	ct_json_kv_u64(w, "id", id);
	if (*ph == 'f')
		ct_json_kv_string(w, "bp", "e");
	ct_json_kv_u64(w, "pid", pid);
	ct_json_kv_u64(w, "tid", tid);
	ct_json_key(w, "ts");
	ct_json_decimal(w, ts - base, 3);
	ct_json_end_object(w);
}

static void trace_wait(struct ct_json *w, const struct ct_why_wait *v,
		       int pid, size_t tid, uint64_t base)
{
	ct_json_start_object(w);
	ct_json_kv_string(w, "name", v->label[0] ? v->label : "unattributed");
	ct_json_kv_string(w, "cat", "wait");
	ct_json_kv_string(w, "ph", "X");
	ct_json_kv_u64(w, "pid", pid);
	ct_json_kv_u64(w, "tid", tid);
	ct_json_key(w, "ts");
	ct_json_decimal(w, v->start_ns - base, 3);
	ct_json_key(w, "dur");
	ct_json_decimal(w, v->end_ns - v->start_ns, 3);
	ct_json_key(w, "args");
	ct_json_start_object(w);
	ct_json_kv_string(w, "phase", ct_phase_name(v->phase));
	ct_json_kv_u64(w, "tid", v->tid);
	ct_json_key(w, "waker");
	ct_json_string_n(w, v->waker, sizeof(v->waker));
	ct_json_kv_u64(w, "waker_pid", v->waker_pid);
	ct_json_end_object(w);
	ct_json_end_object(w);
}

/* The wakeup's slice on the wakers' track, and its arrow to the wait. */
static void trace_wake(struct ct_json *w, const struct ct_why_wait *v,
		       int pid, size_t tid, size_t lane_tid, uint64_t *flow,
		       uint64_t base)
{
	char name[CT_COMM_LEN + 24];
	uint64_t at = v->wake_ns;

	if (!at || at < base || v->end_ns <= v->start_ns)
		return;
	snprintf(name, sizeof(name), "wakeup by %.*s %u",
		 (int)sizeof(v->waker), v->waker, v->waker_pid);
	trace_slice(w, name, "wakeup", pid, WAKER_TID(tid), at, 1, base);
	trace_flow(w, "s", ++*flow, pid, WAKER_TID(tid), at, base);
	/* the arrow's head inside the wait's slice */
	at = at < v->start_ns ? v->start_ns : at;
	at = at >= v->end_ns ? v->end_ns - 1 : at;
	trace_flow(w, "f", *flow, pid, lane_tid, at, base);
}

static int cmp_wait_start(const void *a, const void *b)
{
	const struct ct_why_wait *x = a, *y = b;

	if (x->phase != y->phase)
		return x->phase < y->phase ? -1 : 1;
	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

static void trace_waits(struct ct_json *w, const struct ct_why *why,
			const struct ct_container *c, int pid, size_t tid,
			uint64_t base, uint64_t *flow)
{
	uint64_t lane_end[CT_PH_MAX][WAIT_LANES] = { { 0 } };
	const struct ct_why_wait *kept;
	size_t n = ct_why_waits(why, c, &kept), lane;
	struct ct_why_wait *v = n ? malloc(n * sizeof(*v)) : NULL;
	bool named = false;
	char label[64];

	if (!v)
		return;
	memcpy(v, kept, n * sizeof(*v));	/* in time order: lanes */
	qsort(v, n, sizeof(*v), cmp_wait_start);
	for (size_t i = 0; i < n; i++) {
		int p = v[i].phase;

		if (p < 0 || p >= CT_PH_MAX || v[i].start_ns < base)
			continue;
		for (lane = 0; lane < WAIT_LANES &&
		     lane_end[p][lane] > v[i].start_ns; lane++)
			;
		if (lane == WAIT_LANES)
			continue;
		if (!lane_end[p][lane]) {
			snprintf(label, sizeof(label),
				 "%.12s carrier waits (%s)%s", c->id,
				 ct_phase_name(p), lane ? " +" : "");
			trace_meta_event(w, "thread_name", pid,
					 WAIT_TID(tid, p, lane), label,
					 strlen(label));
		}
		lane_end[p][lane] = v[i].end_ns;
		trace_wait(w, &v[i], pid, WAIT_TID(tid, p, lane), base);
		if (!named && v[i].wake_ns) {
			snprintf(label, sizeof(label), "%.12s carrier wakers",
				 c->id);
			trace_meta_event(w, "thread_name", pid, WAKER_TID(tid),
					 label, strlen(label));
			named = true;
		}
		trace_wake(w, &v[i], pid, tid, WAIT_TID(tid, p, lane), flow,
			   base);
	}
	free(v);
}

/* The CRI pod a record belongs to: its own id for a sandbox, else its pod's. */
static const char *pod_of(const struct ct_container *c)
{
	if (c->is_pod)
		return c->id;
	return c->pod[0] ? c->pod : NULL;
}

/* "pod <id12>", and kubectl's NAMESPACE/NAME when its record knows. */
static void pod_label(char *buf, size_t len, const struct ct_container *c,
		      const char *pod)
{
	const struct ct_k8s *k = &c->k8s;

	if (!ct_k8s_known(c)) {
		snprintf(buf, len, "pod %.12s", pod);
		return;
	}
	snprintf(buf, len, "pod %.12s %.*s/%.*s", pod,
		 (int)sizeof(k->pod_namespace), k->pod_namespace,
		 (int)sizeof(k->pod_name), k->pod_name);
}

/*
 * Track groups (trace processes): a runtime's (pid = runtime + 1), or a
 * pod's, one per distinct pod from first_pod_pid, named "pod <id12>" and
 * its Kubernetes name, holding the sandbox and its app containers.
 * gpid[i]: record i's.
 */
static int trace_groups(struct ct_json *w, const struct ct_agg *agg,
			int first_pod_pid, int *gpid)
{
	size_t i, j, n = ct_agg_count(agg), npods = 0;
	const char **pods = calloc(n ? n : 1, sizeof(*pods));
	char label[CT_FILTER_MAX + 24];

	if (!pods)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct ct_container *c = ct_agg_get(agg, i);
		const char *pod = pod_of(c);

		gpid[i] = (int)c->runtime + 1;
		if (!pod)
			continue;
		for (j = 0; j < npods && strncmp(pods[j], pod, CT_ID_LEN); j++)
			;
		if (j == npods) {
			pods[npods++] = pod;
			pod_label(label, sizeof(label), c, pod);
			trace_meta_event(w, "process_name", first_pod_pid + (int)j,
					 0, label, strlen(label));
		}
		gpid[i] = first_pod_pid + (int)j;
	}
	free(pods);
	return 0;
}

/*
 * One process per chain (after the pulls'): thread k + 2 is step k, its
 * cold start (request -> ready) then its work (ready -> result), named by
 * the container; thread 1 the whole chain (no tid 0, as for pulls).
 */
static void trace_chain(struct ct_json *w, const struct ct_chain *ch,
			int pid, uint64_t base)
{
	char label[CT_CHAIN_ID_LEN + CT_NAME_LEN + 32];

	if (ch->start_ns < base)
		return;
	snprintf(label, sizeof(label), "chain of runner %u (%.16s)",
		 ch->runner_pid, ch->runner_comm);
	trace_meta_event(w, "process_name", pid, 0, label, strlen(label));
	trace_meta_event(w, "thread_name", pid, 1, "whole chain", 11);
	trace_slice(w, "chain", "chain", pid, 1, ch->start_ns, ch->wall_ns,
		    base);
	for (uint32_t k = 0; k < ch->n_steps; k++) {
		const struct ct_chain_step *s = &ch->steps[k];

		snprintf(label, sizeof(label), "step %u %.12s%s%.*s%s", k,
			 s->id, s->name[0] ? " " : "", (int)sizeof(s->name),
			 s->name, s->critical ? " (critical)" : "");
		trace_meta_event(w, "thread_name", pid, k + 2, label,
				 strlen(label));
		trace_slice(w, "cold start", "chain", pid, k + 2,
			    s->needed_ns, s->cold_ns, base);
		trace_slice(w, "work", "chain", pid, k + 2,
			    s->result_ns - s->work_ns, s->work_ns, base);
	}
}

int ct_chrome_trace_write(FILE *f, const struct ct_agg *agg,
			  const struct ct_meta *meta)
{
	const struct ct_pulls *pulls = meta->pulls;
	size_t i, n = ct_agg_count(agg);
	size_t npulls = pulls ? ct_pulls_count(pulls) : 0;
	size_t nchains = ct_chains_count(meta->chains);
	uint64_t base = trace_base(agg, pulls), flow = 0;
	int rt, *gpid = calloc(n ? n : 1, sizeof(*gpid));
	struct ct_json w;

	if (!gpid)
		return -ENOMEM;
	ct_json_init(&w, f);
	ct_json_start_object(&w);
	ct_json_key(&w, "traceEvents");
	ct_json_start_array(&w);
	for (rt = 0; rt < CT_RT_MAX; rt++) {
		const char *name = ct_runtime_name(rt);

		if (ct_agg_runtime_count(agg, rt, CT_KIND_CONTAINER, NULL) ||
		    ct_agg_runtime_count(agg, rt, CT_KIND_POD, NULL))
			trace_meta_event(&w, "process_name", rt + 1, 0, name,
					 strlen(name));
	}
	/* pids: runtimes, then pulls, then chains, then pods */
	if (trace_groups(&w, agg, CT_RT_MAX + 1 + (int)(npulls + nchains),
			 gpid)) {
		free(gpid);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		trace_container(&w, ct_agg_get(agg, i), gpid[i], i + 1, base);
		trace_cni(&w, ct_agg_get(agg, i), gpid[i], i + 1, base);
		if (!meta->why)
			continue;
		trace_states(&w, meta->why, ct_agg_get(agg, i), gpid[i],
			     i + 1, base);
		trace_waits(&w, meta->why, ct_agg_get(agg, i), gpid[i], i + 1,
			    base, &flow);
	}
	free(gpid);
	for (i = 0; i < npulls; i++)
		trace_pull(&w, ct_pulls_get(pulls, i), CT_RT_MAX + 1 + i, base);
	for (i = 0; i < nchains; i++)
		trace_chain(&w, ct_chains_get(meta->chains, i),
			    CT_RT_MAX + 1 + (int)(npulls + i), base);
	ct_json_end_array(&w);
	ct_json_kv_string(&w, "displayTimeUnit", "ms");
	ct_json_key(&w, "otherData");
	ct_json_start_object(&w);
	ct_json_kv_string(&w, "version", meta->version);
	ct_json_kv_string(&w, "kernel", meta->kernel);
	ct_json_kv_u64(&w, "base_ns", base);
	if (meta->why)
		trace_why_totals(&w, agg);
	ct_json_end_object(&w);
	ct_json_end_object(&w);
	fputc('\n', f);
	return ct_json_error(&w) ? -EIO : 0;
}
