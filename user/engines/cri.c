// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kubernetes pods through containerd's CRI plugin (docs/phases.md, cri
 * table): the sandbox's network (the CNI plugins containerd runs, the
 * netns it bind-mounts) and the app containers a pod's shim creates.
 * Its phase table first, then its hooks (engine.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "comm_table.h"
#include "cri.h"
#include "engine.h"
#include "phases_api.h"
#include "tracker_api.h"
#include "util.h"

/*
 * Kubernetes pods through containerd's CRI plugin: one shim per pod, its
 * -id the sandbox's (the pause container); every container, the sandbox
 * included, has its own shim start exec and runtime commands.  The
 * sandbox's network: containerd runs the CNI plugins itself, before the
 * sandbox's shim (ADD: connect) and after its pid 1 exited (DEL:
 * disconnect, which the umount of the netns ends).  The CRI hooks
 * below say which sandbox a plugin works for.
 * containerd 2 starts no shim for an app container: the pod's shim mounts
 * its rootfs when the create request comes, which begins its attach.
 */
static const struct ct_phase_rule cri_rules[] = {
	R(SHIM_START, BEGIN, ATTACH),
	R(TASK_REQUEST, BEGIN, ATTACH),
	MONITORED_RUNTIME,
	R(HOOK_EXEC, BEGIN, CONNECT),
	R(HOOK_EXIT, END, CONNECT),
	R(NET_TEARDOWN, BEGIN, DISCONNECT),
	R(NETNS_UMOUNT_EXIT, END, DISCONNECT),
	R(ID_UMOUNT, EXTEND, DESTROY),
};

const struct ct_phase_table ct_cri_phases = CT_PHASE_TABLE(cri_rules);

/* CRI: pending evidence of sandboxes not yet known (the CRI hooks). */
#define CRI_PENDING	32
/* An ADD is RunPodSandbox's, milliseconds before the sandbox's shim: an
 * older plugin is someone else's (a DEL of a pod begun before us). */
#define CRI_ADD_MAX_NS	(30 * 1000000000ull)

/* A CNI plugin's ADD for a sandbox to come: id is its CNI_CONTAINERID
 * (netns its CNI_NETNS); "" in a recording made before CT_EV_CNI_ENV,
 * where the order of events decides. */
struct cni_exec {
	uint32_t pid, ppid;
	char exe[32];
	uint64_t exec_ns;	/* wall clock; its exit: exit_wall() */
	char id[CT_ID_LEN];
	char netns[CT_PATH_MAX];
};

/* A CNI plugin's environment (CT_EV_CNI_ENV), parsed, until its exec
 * comes: right after it, records of other CPUs between them at most. */
#define CNI_ENVS	8

struct cni_env {
	uint32_t pid;			/* 0: taken */
	uint64_t ts_ns;			/* the exec's */
	struct ct_cni_vars v;
};

/* A plugin's ADD for a sandbox to come, kept for the sandbox's record:
 * its exec (docs/phases.md "cri table", a step per plugin). */
struct cni_step {
	char id[CT_ID_LEN];
	uint32_t ppid;
	struct ct_cni_exec x;
};

/* A network namespace containerd bind-mounted for a sandbox to come. */
struct cri_netns {
	uint32_t pid;
	char target[CT_PATH_MAX];
};

/* The evidence of sandboxes not yet known, one per tracker. */
struct cri {
	struct cni_exec cni[CRI_PENDING];	/* oldest first */
	size_t ncni;
	struct cri_netns netns[CRI_PENDING];	/* oldest first */
	size_t nnetns;
	struct cni_env envs[CNI_ENVS];	/* a ring of the latest */
	size_t next_env;
	struct cni_step adds[CRI_PENDING];	/* oldest first */
	size_t nadds;
	/* a CT_EV_CNI_ENV came: CNI plugins are attributed by their
	 * environment only (else a recording made before it: by order) */
	bool cni_env_seen;
};

/*
 * containerd's CRI plugin runs the CNI plugins itself, with the sandbox
 * id and the command (ADD, DEL) in their environment only, which
 * CT_EV_CNI_ENV carries: an ADD waits for its sandbox (RunPodSandbox:
 * netns, CNI ADD, then the pause container's shim), a DEL goes to its
 * sandbox at once (StopPodSandbox: the pause killed, CNI DEL, the netns
 * unmounted; RemovePodSandbox runs DEL once more).  A plugin whose
 * environment did not say is counted (cni_unattributed), never guessed.
 *
 * Recordings made before CT_EV_CNI_ENV: the order of a sandbox's events
 * says which is which (ADD before the sandbox's shim, DEL after its pid
 * 1 exited); pods started or stopped at the same moment by one
 * containerd may swap their plugins there.
 */

/* The CRI FIFOs all hold CRI_PENDING entries. */
static void fifo_make_room(void *a, size_t *n, size_t sz)
{
	ct_fifo_make_room(a, n, CRI_PENDING, sz);
}

#define fifo_take ct_fifo_take

/* p (a CNI plugin, a pending one) works for s from now on. */
static void cri_adopt(struct ct_tracker *tk, struct cstate *s,
		      struct ct_proc *p)
{
	tk_unaccount(tk, p);
	snprintf(p->id, sizeof(p->id), "%s", s->c.id);
	tk_account(tk, p);
}

/*
 * A sandbox of containerd ppid whose pid 1 exited: the DEL's.  The one
 * whose network is not being torn down yet comes first (StopPodSandbox),
 * else the one whose netns went last (RemovePodSandbox's second DEL
 * comes right after its StopPodSandbox).
 */
static struct cstate *cri_tearing_down(struct ct_tracker *tk, uint32_t ppid)
{
	struct cstate *again = NULL;

	for (size_t i = 0; i < tk->n; i++) {
		struct cstate *s = tk->cts[i];
		const struct ct_interval *d = &s->c.phases[CT_PH_DISCONNECT];

		if (!s->c.is_pod || s->engine_pid != ppid ||
		    !ct_has_phase(&s->c, CT_PH_RUN) ||
		    !s->c.phases[CT_PH_RUN].end_ns)
			continue;
		if (!ct_has_phase(&s->c, CT_PH_DISCONNECT))
			return s;
		if (!again ||
		    d->end_ns > again->c.phases[CT_PH_DISCONNECT].end_ns)
			again = s;
	}
	return again;
}

/*
 * A pod's destroy in steps (docs/phases.md "destroy's steps"): delete
 * from destroy's start (the pause's runtime delete, its shim's cleanup)
 * to StopPodSandbox's DEL; network from there (the CNI DEL, the netns
 * unmounted: the pod's disconnect); remove from RemovePodSandbox's first
 * act that names the pod after that (the umount of its shm, or its DEL
 * once more) to destroy's end.  An act at t, naming pod s.
 */
static void cri_pod_act(struct cstate *s, uint64_t t)
{
	const struct ct_interval *d = &s->c.phases[CT_PH_DISCONNECT];

	if (!s->c.is_pod || !ct_has_phase(&s->c, CT_PH_DISCONNECT))
		return;
	if (!d->end_ns)
		ct_steps_first_act(&s->c, CT_PH_DESTROY, CT_STEP_DELETE,
				   CT_STEP_NETWORK, d->start_ns);
	else if (t > d->end_ns)
		ct_steps_mark(&s->c, CT_PH_DESTROY, CT_STEP_REMOVE, t);
}

/* p, a CNI plugin, runs s's network teardown (a DEL). */
static void cri_teardown(struct ct_tracker *tk, struct cstate *s,
			 struct ct_proc *p, uint64_t t)
{
	cri_adopt(tk, s, p);
	tk_fire(tk, s, CT_TR_NET_TEARDOWN, t);
	cri_pod_act(s, t);
	tk_check_done(tk, s);
}

/* An ADD waits for its sandbox (id "" when the order decides). */
static void cri_pend_add(struct cri *cr, const struct ct_proc *p,
			 const struct ct_hdr *h, uint64_t t,
			 const struct ct_cni_vars *v)
{
	struct cni_exec *x;

	fifo_make_room(cr->cni, &cr->ncni, sizeof(cr->cni[0]));
	x = &cr->cni[cr->ncni++];
	memset(x, 0, sizeof(*x));
	x->pid = h->pid;
	x->ppid = h->ppid;
	x->exec_ns = t;
	snprintf(x->exe, sizeof(x->exe), "%s", p->exe);
	if (v) {
		snprintf(x->id, sizeof(x->id), "%s", v->id);
		snprintf(x->netns, sizeof(x->netns), "%s", v->netns);
	}
}

/*
 * Pod c's plugin x, ran by ppid: inside the plugin of that pid in the
 * same phase (the newest: a later round may reuse a pid), if any.  Past
 * CT_CNI_EXECS (a conflist of many plugins, DEL retried) it is not said.
 */
static void cni_step_add(struct ct_container *c, const struct ct_cni_exec *x,
			 uint32_t ppid)
{
	struct ct_cni_execs *e = &c->cni;
	struct ct_cni_exec *y;

	if (e->n == CT_CNI_EXECS)
		return;
	y = &e->x[e->n];
	*y = *x;
	y->parent = 0;
	for (unsigned int j = e->n; j--;)
		if (e->x[j].pid == ppid && e->x[j].phase == x->phase) {
			y->parent = (uint8_t)(j + 1);
			break;
		}
	e->n++;
}

/*
 * A plugin's exec, as its environment named it: a DEL goes to its pod
 * at once, an ADD waits for its sandbox (cri_steps_claim()).  Each is a
 * step of its own (docs/phases.md "cri table").
 */
static void cri_cni_step(struct ct_tracker *tk, struct cri *cr,
			 const struct ct_hdr *h, const struct ct_cni_vars *v)
{
	struct cni_step st = { .ppid = h->ppid };
	struct cstate *s;

	if (!v->id[0] || (v->cmd != CT_CNI_ADD && v->cmd != CT_CNI_DEL))
		return;
	ct_copy_str(st.x.plugin, sizeof(st.x.plugin), h->comm, CT_COMM_LEN);
	st.x.pid = h->pid;
	st.x.start_ns = tk_wall(tk, h->ts_ns);
	st.x.phase = v->cmd == CT_CNI_ADD ? CT_PH_CONNECT : CT_PH_DESTROY;
	if (v->cmd == CT_CNI_DEL) {
		s = tk_find(tk, v->id);
		if (s && s->c.is_pod)
			cni_step_add(&s->c, &st.x, st.ppid);
		return;
	}
	snprintf(st.id, sizeof(st.id), "%s", v->id);
	fifo_make_room(cr->adds, &cr->nadds, sizeof(cr->adds[0]));
	cr->adds[cr->nadds++] = st;
}

/*
 * When plugin pid, exec'd at exec_ns (wall clock), exited (wall clock),
 * from the process model; 0: it runs.  The model keeps the records'
 * own (monotonic) times.
 */
static uint64_t exit_wall(const struct ct_tracker *tk, uint32_t pid,
			  uint64_t exec_ns)
{
	uint64_t e = ct_procs_exit_after(tk->model, pid,
					 exec_ns - tk->o.mono_to_real_ns);

	return e ? tk_wall(tk, e) : 0;
}

/* Sandbox s takes its ADD's plugins, in exec order. */
static void cri_steps_claim(struct cri *cr, struct cstate *s)
{
	for (size_t i = 0; i < cr->nadds;) {
		if (strcmp(cr->adds[i].id, s->c.id)) {
			i++;
			continue;
		}
		cni_step_add(&s->c, &cr->adds[i].x, cr->adds[i].ppid);
		fifo_take(cr->adds, &cr->nadds, sizeof(cr->adds[0]), i);
	}
}

/* The exits of pod s's plugins, from the process model, once seen. */
static void cri_steps_end(const struct ct_tracker *tk, struct cstate *s)
{
	for (unsigned int k = 0; k < s->c.cni.n; k++) {
		struct ct_cni_exec *x = &s->c.cni.x[k];

		if (!x->end_ns)
			x->end_ns = exit_wall(tk, x->pid, x->start_ns);
	}
}

static void cri_cni_env(struct ct_tracker *tk, struct cri *cr,
			const struct ct_cni_env *r)
{
	struct cni_env *slot = &cr->envs[cr->next_env++ % CNI_ENVS];

	slot->pid = r->hdr.pid;
	slot->ts_ns = r->hdr.ts_ns;
	ct_cni_env_parse(r->env, r->env_len, r->env_cut, &slot->v);
	cr->cni_env_seen = true;
	cri_cni_step(tk, cr, &r->hdr, &slot->v);
}

/* The environment of the exec h, if its record came. */
static bool cni_env_take(struct cri *cr, const struct ct_hdr *h,
			 struct ct_cni_vars *out)
{
	for (size_t i = 0; i < CNI_ENVS; i++) {
		struct cni_env *c = &cr->envs[i];

		if (c->pid && c->pid == h->pid && c->ts_ns == h->ts_ns) {
			*out = c->v;
			c->pid = 0;
			return true;
		}
	}
	return false;
}

/* Recordings made before CT_EV_CNI_ENV: a plugin of a containerd whose
 * sandbox's pid 1 exited is that sandbox's DEL, else an ADD to come. */
static void cri_cni_by_order(struct ct_tracker *tk, struct cri *cr,
			     struct ct_proc *p, const struct ct_hdr *h,
			     uint64_t t)
{
	struct cstate *s = cri_tearing_down(tk, h->ppid);

	if (s)
		cri_teardown(tk, s, p, t);
	else
		cri_pend_add(cr, p, h, t, NULL);
}

/* A CNI plugin exec'd for no container we know (by containerd, or by a
 * plugin still waiting for its sandbox). */
static void cri_cni_exec(struct ct_tracker *tk, struct cri *cr,
			 struct ct_proc *p, const struct ct_hdr *h, uint64_t t)
{
	struct ct_cni_vars v;
	struct cstate *s;

	/* bpf emits a plugin's exec only with its environment: none is a
	 * recording made before CT_EV_CNI_ENV (or a mangled one) */
	if (!cni_env_take(cr, h, &v)) {
		if (cr->cni_env_seen)
			tk->st.cni_unattributed++;
		else
			cri_cni_by_order(tk, cr, p, h, t);
		return;
	}
	switch (v.cmd) {
	case CT_CNI_ADD:
		cri_pend_add(cr, p, h, t, &v);
		break;
	case CT_CNI_DEL:	/* a sandbox we do not follow: not ours */
		s = tk_find(tk, v.id);
		if (s && s->c.is_pod)
			cri_teardown(tk, s, p, t);
		break;
	case CT_CNI_OTHER:
		break;
	default:
		tk->st.cni_unattributed++;
		break;
	}
}


/* Whether a plugin of this name is in the round idx[0..n) already. */
static bool cni_in_round(const struct cri *cr, const size_t *idx,
			 size_t n, const char *exe)
{
	for (size_t k = 0; k < n; k++)
		if (!strcmp(cr->cni[idx[k]].exe, exe))
			return true;
	return false;
}

/* Whether pending plugin i is s's ADD: by its CNI_CONTAINERID; in a
 * recording made before CT_EV_CNI_ENV, of the oldest round of s's
 * containerd (each plugin once: loopback and the conflist's plugins run
 * side by side), not older than CRI_ADD_MAX_NS. */
static bool cni_add_of(const struct cri *cr, const struct cstate *s,
		       size_t i, const size_t *idx, size_t n)
{
	const struct cni_exec *x = &cr->cni[i];
	uint64_t at = s->c.phases[CT_PH_ATTACH].start_ns;

	if (x->id[0])
		return !strcmp(x->id, s->c.id);
	return x->ppid == s->engine_pid && x->exec_ns + CRI_ADD_MAX_NS >= at &&
	       !cni_in_round(cr, idx, n, x->exe);
}

/*
 * Sandbox s takes its pending ADD: connect spans it; plugins still
 * running are adopted, and the last one's exit ends it.  netns gets the
 * ADD's CNI_NETNS ("" if none said).
 */
static void cri_claim_add(struct ct_tracker *tk, struct cri *cr,
			  struct cstate *s, char *netns, size_t netns_len)
{
	uint64_t first = UINT64_MAX, last = 0, exit_ns;
	size_t idx[CRI_PENDING], n = 0, running = 0;

	for (size_t i = 0; i < cr->ncni; i++) {
		const struct cni_exec *x = &cr->cni[i];
		struct ct_proc *p;

		if (!cni_add_of(cr, s, i, idx, n))
			continue;
		idx[n++] = i;
		exit_ns = exit_wall(tk, x->pid, x->exec_ns);
		first = x->exec_ns < first ? x->exec_ns : first;
		last = exit_ns > last ? exit_ns : last;
		if (x->netns[0])
			snprintf(netns, netns_len, "%s", x->netns);
		p = exit_ns ? NULL : ct_proc_get(tk->procs, x->pid);
		if (p) {
			cri_adopt(tk, s, p);
			running++;
		}
	}
	if (!n)
		return;
	tk_fire(tk, s, CT_TR_HOOK_EXEC, first);
	if (!running)
		tk_fire(tk, s, CT_TR_HOOK_EXIT, last);
	while (n--)	/* highest index first: the others stay valid */
		fifo_take(cr->cni, &cr->ncni, sizeof(cr->cni[0]), idx[n]);
}

bool ct_cri_netns_mount(const char *src, const char *target)
{
	return !strncmp(src, "/proc/", 6) && strstr(src, "/task/") &&
	       strstr(src, "/ns/net") && strstr(target, "/netns/cni-");
}

/* containerd's netns for a sandbox to come (ct_cri_netns_mount()). */
static void cri_netns_mount(struct cri *cr, const char *src,
			    const char *target, uint32_t pid)
{
	struct cri_netns *n;

	if (!ct_cri_netns_mount(src, target))
		return;
	fifo_make_room(cr->netns, &cr->nnetns, sizeof(cr->netns[0]));
	n = &cr->netns[cr->nnetns++];
	n->pid = pid;
	snprintf(n->target, sizeof(n->target), "%s", tk_run_path(target));
}

static void set_netns(struct cstate *s, const char *target)
{
	snprintf(s->netns_target, sizeof(s->netns_target), "%s", target);
	s->netns_mounted = true;
}

/*
 * The netns mount of s: the one on its ADD's CNI_NETNS; in a recording
 * made before CT_EV_CNI_ENV, the oldest of its containerd.  A mount not
 * seen (containerd makes it before anything attaches the syscall hooks
 * on an idle node) is the ADD's CNI_NETNS all the same: the plugins
 * entered that netns, whose umount ends the pod's disconnect.
 */
static void cri_claim_netns(struct cri *cr, struct cstate *s,
			    const char *netns)
{
	for (size_t i = 0; i < cr->nnetns; i++) {
		const struct cri_netns *m = &cr->netns[i];

		if (netns[0] ? strcmp(m->target, tk_run_path(netns)) :
			       cr->cni_env_seen || m->pid != s->engine_pid)
			continue;
		set_netns(s, m->target);
		fifo_take(cr->netns, &cr->nnetns, sizeof(cr->netns[0]), i);
		return;
	}
	if (netns[0])
		set_netns(s, tk_run_path(netns));
}

/*
 * CRI hook at a runtime's create: the pod's shim (the parent, holding
 * the sandbox's id) creates either the sandbox itself, which takes its
 * pending netns and ADD, or an app container of that pod.
 */
/*
 * A sandbox's netns is mounted before any exec that attaches the hooks
 * (kubelet asks over a socket; the CNI plugins and the shim come after).
 * Its ADD's CNI_NETNS names it all the same (cri_claim_netns()); without
 * the plugins' environment (recordings made before it), no mount seen
 * and the hooks attached less than this before its runtime, the mount
 * may have been missed (hostNetwork pods have none): unarmed.
 */
#define CRI_NETNS_BEFORE_NS	(2 * 1000000000ull)

/*
 * An app container's attach begins at its own shim's exec (containerd
 * 1.6: always seen) or, under containerd 2, at the pod's shim's mount of
 * its rootfs (cri_app_rootfs()), a syscall: on an idle node the runtime's
 * create attaches the hooks after it.  No attach begun by then, with the
 * hooks off or just attached: it may have been missed, and is said.
 */
static void cri_app_unseen(struct ct_tracker *tk, struct cstate *s,
			   uint64_t ts)
{
	if (!ct_has_phase(&s->c, CT_PH_ATTACH) &&
	    (tk->hooks_off || ts < tk->armed_since + CRI_NETNS_BEFORE_NS))
		tk_mark_unarmed(tk, s);
}

static void cri_created(struct ct_tracker *tk, void *es, struct cstate *s,
			const struct ct_proc *parent, uint64_t ts)
{
	struct cri *cr = es;
	char netns[CT_PATH_MAX] = "";

	if (s->c.engine != CT_ENG_CRI || !parent ||
	    parent->role != CT_ROLE_SHIM || !parent->id[0] ||
	    s->c.is_pod || s->c.pod[0])
		return;
	if (strcmp(parent->id, s->c.id)) {
		snprintf(s->c.pod, sizeof(s->c.pod), "%s", parent->id);
		cri_app_unseen(tk, s, ts);
		return;
	}
	s->c.is_pod = true;
	cri_claim_add(tk, cr, s, netns, sizeof(netns));
	cri_steps_claim(cr, s);
	cri_steps_end(tk, s);
	cri_claim_netns(cr, s, netns);
	if (!s->netns_mounted && tk->armed_since &&
	    ts < tk->armed_since + CRI_NETNS_BEFORE_NS)
		tk_mark_unarmed(tk, s);
}

/*
 * containerd 2 starts no shim for a pod's app container: the pod's shim
 * gets the task's create request, mounts the app's rootfs on
 * `.../io.containerd.runtime.v2.task/<ns>/<app id>/rootfs` and runs its
 * runtime itself.  That mount (its start: the request) begins the app's
 * attach and names the app; the shim names its pod.
 */
static const char *rootfs_app_id(const char *target, char *id, size_t len)
{
	static const char task[] = "/io.containerd.runtime.v2.task/",
			  sfx[] = "/rootfs";
	size_t n = strlen(target), sl = sizeof(sfx) - 1;
	const char *end = target + n - sl, *b;

	if (n <= sl || strcmp(end, sfx) || !strstr(target, task))
		return NULL;
	for (b = end; b > target && b[-1] != '/'; b--)
		;
	if (b == end || (size_t)(end - b) >= len)
		return NULL;
	snprintf(id, len, "%.*s", (int)(end - b), b);
	return id;
}

static struct cstate *cri_pod_of(struct ct_tracker *tk, const struct ct_proc *p)
{
	struct cstate *pod = tk_find_proc(tk, p);

	if (!p || p->role != CT_ROLE_SHIM || !pod || !pod->c.is_pod ||
	    pod->c.engine != CT_ENG_CRI)
		return NULL;
	return pod;
}

static void cri_app_rootfs(struct ct_tracker *tk, const struct ct_mount *m,
			   const char *target)
{
	struct cstate *pod = cri_pod_of(tk, ct_proc_get(tk->procs, m->hdr.pid));
	char id[CT_ID_LEN];
	struct cstate *s;

	if (!pod || !rootfs_app_id(target, id, sizeof(id)) ||
	    !strcmp(id, pod->c.id) || tk_find(tk, id))
		return;
	s = tk_get_or_create(tk, id);
	if (!s)
		return;
	s->c.engine = CT_ENG_CRI;
	snprintf(s->c.pod, sizeof(s->c.pod), "%s", pod->c.id);
	tk_fire(tk, s, CT_TR_TASK_REQUEST,
		tk_wall(tk, m->start_ns && m->start_ns <= m->hdr.ts_ns ?
				    m->start_ns : m->hdr.ts_ns));
	tk_check_done(tk, s);
}

/* The same without the mount: the runtime's create by a pod's shim. */
static void cri_claim(struct ct_tracker *tk, void *es, struct cstate *s,
		      const struct ct_proc *parent)
{
	(void)es;
	if (s->c.engine == CT_ENG_UNKNOWN && cri_pod_of(tk, parent) &&
	    strcmp(parent->id, s->c.id))
		s->c.engine = CT_ENG_CRI;
}

/* An app container's program began: its pod's cold start lasts until
 * the last one does. */
static void cri_program_began(struct ct_tracker *tk, void *es,
			      const struct cstate *s, uint64_t t)
{
	struct cstate *pod = s->c.pod[0] ? tk_find(tk, s->c.pod) : NULL;

	(void)es;
	if (pod && pod->c.is_pod && t > pod->c.pod_ready_ns)
		pod->c.pod_ready_ns = t;
}

/* --- the hooks (engine.h) ------------------------------------------------ */

static void cri_record(struct ct_tracker *tk, void *es, const struct ct_hdr *h)
{
	if (h->type == CT_EV_CNI_ENV)
		cri_cni_env(tk, es, (const struct ct_cni_env *)h);
}

static void cri_exec_unowned(struct ct_tracker *tk, void *es, struct ct_proc *p,
			     const struct ct_hdr *h, uint64_t t)
{
	if (p->role == CT_ROLE_CNI)
		cri_cni_exec(tk, es, p, h, t);
}

static void cri_mount(struct ct_tracker *tk, void *es, const struct ct_mount *m,
		      const char *src, const char *target)
{
	cri_netns_mount(es, src, target, m->hdr.pid);
	cri_app_rootfs(tk, m, target);
}

/*
 * An app container's destroy in steps (docs/phases.md "destroy's
 * steps"): delete from destroy's start (the runtime's delete, run by
 * the pod's shim) to the shim's first umount of its rootfs; unmount
 * from there to destroy's end (containerd 1.6 and 1.7 then run the
 * shim's own delete and unmount the rootfs once more).  An umount by
 * a shim at t, naming app container s.
 */
static void cri_app_act(struct cstate *s, uint64_t t)
{
	if (!s->c.is_pod)
		ct_steps_first_act(&s->c, CT_PH_DESTROY, CT_STEP_DELETE,
				   CT_STEP_UNMOUNT, t);
}

/* containerd's umount of a path naming pod s (its shm), or of its
 * netns; a shim's of a path naming app container s (its rootfs) */
static void cri_umount(struct ct_tracker *tk, void *es, struct cstate *s,
		       const struct ct_mount *m, const char *target, bool ours)
{
	(void)es;
	(void)target;
	if (!ours || s->c.engine != CT_ENG_CRI)
		return;
	if (ct_prog_comm_is(m->hdr.comm, CT_PROG_CONTAINERD))
		cri_pod_act(s, tk_umount_enter(tk, m));
	else if (ct_prog_comm_is(m->hdr.comm, CT_PROG_SHIM))
		cri_app_act(s, tk_umount_enter(tk, m));
}

/* A pod destroyed, no process left: its plugins have exited. */
static void cri_done(struct ct_tracker *tk, void *es, struct cstate *s)
{
	(void)es;
	if (s->c.is_pod)
		cri_steps_end(tk, s);
}

const struct ct_engine_ops ct_engine_cri = {
	.state_size = sizeof(struct cri),
	.record = cri_record,
	.claim = cri_claim,
	.created = cri_created,
	.program_began = cri_program_began,
	.exec_unowned = cri_exec_unowned,
	.mount = cri_mount,
	.umount = cri_umount,
	.done = cri_done,
};
