// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The CRI's prepare (user/enrich/prepare.h).  containerd's CRI plugin
 * does a pod's and a container's work in its own threads, asked over its
 * socket: no client's exec begins it.  What names them is the plugin's
 * own acts: its directory of each,
 * `<root or state>/io.containerd.grpc.v1.cri/sandboxes/<id>`
 * (RunPodSandbox) and `.../containers/<id>` (CreateContainer), made
 * first thing; its mount of a sandbox's `.../sandboxes/<id>/shm`; and
 * the network namespace it bind-mounts for a pod (`.../netns/cni-<uuid>`,
 * no id in it), named by the pod's CNI ADD (its CNI_NETNS).
 *
 * And, where its binary's line table gives them (user/kern/ufn_bpf.h,
 * ct_cri_ufns below), containerd's entries into RunPodSandbox (naming
 * the pod's uid), CreateContainer (naming the container's sandbox) and
 * StartContainer (naming the container).
 *
 * A pod's prepare runs from its RunPodSandbox's entry (else the first of
 * its acts) to its first phase (the ADD: connect); a container's from
 * its CreateContainer's entry (else its directory) through the kubelet's
 * StartContainer to its shim's start (attach).  Steps (docs/phases.md
 * "prepare's steps"): a pod's `request` (the request's handling, the
 * pause image looked up, its snapshot), `config` (its directories, files
 * and shm) and `network` (its netns made and mounted, to the ADD); a
 * container's `request` (the request's handling, the image looked up, to
 * its directory), `config` (its
 * directories, the spec, the kubelet's next request), `layer`
 * (containerd's one new snapshot between that and the bundle), `task`
 * (StartContainer's entry: the task asked for) and `bundle` (its task's
 * bundle, the shim's start).
 */
#include <string.h>
#include "classify.h"
#include "comm_table.h"
#include "cri.h"
#include "engine.h"
#include "prepare_api.h"
#include "util.h"

#define CRI_DIR		"io.containerd.grpc.v1.cri"
#define CRI_SANDBOX	"sandboxes"
#define CRI_CONTAINER	"containers"

struct cri_prepare {
	struct pr_ring dirs;	/* key: sandbox or container id; val: the
				 * directory it is in (CRI_SANDBOX,
				 * CRI_CONTAINER) or "shm" (a sandbox's) */
	struct pr_ring net;	/* key: a netns' name "cni-<uuid>", ts:
				 * containerd's bind mount; key: a sandbox
				 * id, val: its ADD's netns' name */
	struct pr_ring rpcs;	/* key: the id a request named (its pod's
				 * uid for RunPodSandbox, its sandbox's for
				 * CreateContainer, the container's for
				 * StartContainer), val: RPC_*, ts:
				 * containerd's entry into it */
};

#define RPC_RUN		"run"
#define RPC_CREATE	"create"
#define RPC_START	"start"

/*
 * containerd's functions that take the kubelet's requests, by the end of
 * their names (pkg/cri/server in 1.6, pkg/cri/instrument in 1.7,
 * internal/cri/instrument in 2.x; each wraps the CRI service's method of
 * the same name): (ctx, r *Request), the id r's first field.  Placed only
 * where the binary's CRI API is gogo protobuf's (its generated
 * MarshalToSizedBuffer: fields as declared, the id first; Go's own
 * protobuf would put its message state first).
 */
#define CRI_API		"/cri-api/pkg/apis/runtime/v1."
const struct ct_ufn_spec ct_cri_ufns[] = {
	{ "containerd", ".(*instrumentedService).RunPodSandbox",
	  CRI_API "(*RunPodSandboxRequest).MarshalToSizedBuffer",
	  CT_UFN_CRI_RUN },
	{ "containerd", ".(*instrumentedService).CreateContainer",
	  CRI_API "(*CreateContainerRequest).MarshalToSizedBuffer",
	  CT_UFN_CRI_CREATE },
	{ "containerd", ".(*instrumentedService).StartContainer",
	  CRI_API "(*StartContainerRequest).MarshalToSizedBuffer",
	  CT_UFN_CRI_START },
	{ NULL, NULL, NULL, 0 },
};

/*
 * Go's stack growth runs a function's entry again on the same thread
 * microseconds later (runtime.morestack): the first is its entry.
 */
#define RPC_AGAIN_NS	1000000ull

static const char *rpc_of(uint32_t fn)
{
	switch (fn) {
	case CT_UFN_CRI_RUN:
		return RPC_RUN;
	case CT_UFN_CRI_CREATE:
		return RPC_CREATE;
	case CT_UFN_CRI_START:
		return RPC_START;
	default:
		return NULL;
	}
}

static void on_ufn(struct cri_prepare *p, const struct ct_ufn *u, uint64_t t)
{
	const char *what = rpc_of(u->fn);
	size_t len = strnlen(u->id, sizeof(u->id));
	const struct pr_mark *m;

	/* an id, or a pod's uid (the kubelet's: a UUID; any name here) */
	if (!what || !len || len != u->id_len ||
	    (u->fn != CT_UFN_CRI_RUN && !ct_name_is_id(u->id, len)))
		return;
	m = pr_find(&p->rpcs, u->id, 0);
	if (m && !strcmp(m->val, what) && t >= m->ts && t - m->ts < RPC_AGAIN_NS)
		return;
	pr_put(&p->rpcs, u->id, len, what, t);
}

/* ".../io.containerd.grpc.v1.cri/{sandboxes,containers}/<id>" */
static void on_cmkdir(struct cri_prepare *p, const struct ct_mkdir *m,
		      uint64_t t)
{
	char buf[CT_PATH_MAX], kind[CT_NAME_NAME_LEN];
	const char *c[3];
	size_t len[3];

	ct_copy_str(buf, sizeof(buf), m->path, sizeof(m->path));
	if (m->ret != 0 || !ct_path_last(buf, c, len, 3) ||
	    !ct_name_is_id(c[0], len[0]) ||
	    !ct_name_is(c[2], len[2], CRI_DIR) ||
	    (!ct_name_is(c[1], len[1], CRI_SANDBOX) &&
	     !ct_name_is(c[1], len[1], CRI_CONTAINER)))
		return;
	ct_copy_str(kind, sizeof(kind), c[1], len[1]);
	pr_put(&p->dirs, c[0], len[0], kind, t);
}

/* containerd's mounts: a sandbox's shm, a pod's netns to be. */
static bool on_mount(struct cri_prepare *p, const struct ct_mount *m,
		     uint64_t t)
{
	char src[CT_PATH_MAX], target[CT_PATH_MAX];
	const char *c[4];
	size_t len[4];

	if (m->ret != 0 || !ct_prog_comm_is(m->hdr.comm, CT_PROG_CONTAINERD))
		return false;
	ct_copy_str(src, sizeof(src), m->source, CT_PATH_MAX);
	ct_copy_str(target, sizeof(target), m->target, CT_PATH_MAX);
	if (ct_path_last(target, c, len, 4) &&
	    ct_name_is(c[0], len[0], "shm") && ct_name_is_id(c[1], len[1]) &&
	    ct_name_is(c[2], len[2], CRI_SANDBOX) &&
	    ct_name_is(c[3], len[3], CRI_DIR)) {
		pr_put(&p->dirs, c[1], len[1], "shm", t);
		return true;
	}
	if (!ct_cri_netns_mount(src, target))
		return false;
	pr_put(&p->net, ct_basename(target), strlen(ct_basename(target)),
	       NULL, t);
	return true;
}

/* A CNI plugin's ADD names its sandbox's netns (the first one does). */
static void on_cni_env(struct cri_prepare *p, const struct ct_cni_env *e,
		       uint64_t t)
{
	struct ct_cni_vars v;

	if (ct_cni_env_parse(e->env, e->env_len, e->env_cut, &v) !=
	    CT_CNI_ADD || !v.netns[0] || pr_find(&p->net, v.id, 0))
		return;
	pr_put(&p->net, v.id, strlen(v.id), ct_basename(v.netns), t);
}

static bool feed(void *es, const struct ct_prepare_env *env,
		 const struct ct_hdr *h, uint64_t t)
{
	switch (h->type) {
	case CT_EV_CMKDIR:	/* those containerd's own feed left */
		on_cmkdir(es, (const struct ct_mkdir *)h,
			  pr_mkdir_at((const struct ct_mkdir *)h, env->m2r));
		return true;
	case CT_EV_MOUNT:
		return on_mount(es, (const struct ct_mount *)h, t);
	case CT_EV_CNI_ENV:
		on_cni_env(es, (const struct ct_cni_env *)h, t);
		return true;
	case CT_EV_UFN:
		on_ufn(es, (const struct ct_ufn *)h, t);
		return true;
	default:
		return false;
	}
}

/* containerd's mount of pod c's netns (its ADD named it), 0 if unseen. */
static uint64_t netns_at(const struct cri_prepare *p,
			 const struct ct_container *c, uint64_t before)
{
	const struct pr_mark *add = pr_find(&p->net, c->id, 0);
	const struct pr_mark *m = add ? pr_find(&p->net, add->val, before) :
					NULL;

	return m ? m->ts : 0;
}

/* The key of the request that begins c: its pod's uid, its sandbox. */
static const char *request_key(const struct ct_container *c)
{
	return c->is_pod ? c->k8s.pod_uid : c->pod;
}

/*
 * The entry into the request that made c (RunPodSandbox, CreateContainer)
 * before its first act at act (0: not seen): the newest of its key's, if
 * the probes were on from it to act.  The kubelet asks for a pod's
 * sandbox, then its containers, one after another, so with the probes
 * on throughout, c's own entry, which came in between, would be the
 * newest; otherwise that one may be an earlier attempt's or container's.
 */
static uint64_t request_at(const struct cri_prepare *p,
			   const struct ct_prepare_env *env,
			   const struct ct_container *c, uint64_t act)
{
	const char *key = request_key(c);
	const struct pr_mark *m = key[0] ? pr_find(&p->rpcs, key, act) : NULL;

	return m && !strcmp(m->val, c->is_pod ? RPC_RUN : RPC_CREATE) &&
	       pr_hooks_on(env, m->ts, act) ? m->ts : 0;
}

/* The first of the plugin's acts naming c, before first (0: none). */
static uint64_t first_act_at(const struct cri_prepare *p,
			     const struct ct_container *c, uint64_t first)
{
	const struct pr_mark *m = pr_first(&p->dirs, c->id, 0, first);
	uint64_t net = c->is_pod ? netns_at(p, c, first) : 0;

	if (m && (!net || m->ts < net))
		return m->ts;
	return net;
}

/* Its request's entry, else the first of its acts (0: none). */
static uint64_t start(const void *es, const struct ct_prepare_env *env,
		      const struct ct_container *c, uint64_t first)
{
	const struct cri_prepare *p = es;
	uint64_t act = first_act_at(p, c, first);
	uint64_t rq = act ? request_at(p, env, c, act) : 0;

	return rq ? rq : act;
}

/*
 * Whether s is c's request's entry: its first act.  Its first act seen
 * is not (the entry was not seen, or its binary is not probed: the 1 s
 * before it tells whether the hooks were off), but for a pod whose
 * uid is not known (no names read), its directory.
 */
static bool first_act(const void *es, const struct ct_container *c,
		      uint64_t s)
{
	const struct cri_prepare *p = es;
	const char *key = request_key(c);
	const struct pr_mark *m;

	if (!s)
		return false;
	m = key[0] ? pr_first(&p->rpcs, key, s, s + 1) : NULL;
	if (m)
		return !strcmp(m->val, c->is_pod ? RPC_RUN : RPC_CREATE);
	if (!c->is_pod || key[0])
		return false;
	m = pr_first(&p->dirs, c->id, s, s + 1);
	return m && strcmp(m->val, "shm");
}

/*
 * Container c's StartContainer entry in [from, before), or why none
 * (docs/phases.md "Missing steps"; the entry names c alone).
 */
static struct pr_found task_found(const struct cri_prepare *p,
				  const struct ct_prepare_env *env,
				  const struct ct_container *c, uint64_t from,
				  uint64_t before)
{
	const struct pr_mark *m = pr_first(&p->rpcs, c->id, from, before);

	return pr_entry_found(env, m && !strcmp(m->val, RPC_START) ? m->ts : 0,
			      from, before, false);
}

/*
 * c's request step, from its entry, where prepare began when found
 * before its first act at act; else why not, looked for in the
 * PR_ENTRY_GAP_NS before act.  An entry of its key there not taken (the
 * hooks off since) or a pod of unknown uid (no entry names it): no
 * reason sure but the probes'.  A prepare begun elsewhere: none looked
 * for.
 */
static struct pr_found request_found(const struct cri_prepare *p,
				     const struct ct_prepare_env *env,
				     const struct ct_container *c, uint64_t act)
{
	uint64_t s = c->phases[CT_PH_PREPARE].start_ns;
	uint64_t from = act > PR_ENTRY_GAP_NS ? act - PR_ENTRY_GAP_NS : 0;
	const char *key = request_key(c);
	struct pr_found none = { 0, CT_MISS_NONE };

	if (act > s)	/* begun at its request's entry */
		return (struct pr_found){ s, CT_MISS_NONE };
	if (act != s)
		return none;
	return pr_entry_found(env, 0, from, act, !key[0] ||
			      pr_first(&p->rpcs, key, from, act + 1));
}

static void steps(const void *es, const struct ct_prepare_env *env,
		  const struct ct_container *c, struct ct_steps *out)
{
	const struct cri_prepare *p = es;
	const struct ct_interval *pr = &c->phases[CT_PH_PREPARE];
	const struct pr_mark *dir = pr_first(&p->dirs, c->id, pr->start_ns,
					     pr->end_ns);
	uint64_t act = first_act_at(p, c, pr->end_ns), bundle;
	struct pr_found task;

	pr_step_found(out, c, CT_STEP_REQUEST, request_found(p, env, c, act));
	pr_step(out, c, CT_STEP_CONFIG, dir ? dir->ts : 0);
	if (c->is_pod) {
		pr_step(out, c, CT_STEP_NETWORK, netns_at(p, c, pr->end_ns));
		return;
	}
	bundle = pr_bundle(env, c->id, pr->start_ns, pr->end_ns);
	/* both looked for between its directory and its bundle */
	if (!dir || !bundle) {
		pr_step(out, c, CT_STEP_BUNDLE, bundle);
		return;
	}
	task = task_found(p, env, c, dir->ts, bundle);
	pr_step_found(out, c, CT_STEP_LAYER,
		      pr_snapshot_found(env, dir->ts,
					task.ts ? task.ts : bundle, 1));
	pr_step_found(out, c, CT_STEP_TASK, task);
	pr_step(out, c, CT_STEP_BUNDLE, bundle);
}

const struct ct_prepare_ops ct_cri_prepare = {
	.state_size = sizeof(struct cri_prepare),
	.feed = feed,
	.start = start,
	.steps = steps,
	/* kubelet asks over a socket: in a detached session the first exec
	 * that attaches the hooks is the shim's, after RunPodSandbox's first
	 * acts (docs/phases.md "prepare") */
	.first_act = first_act,
};
