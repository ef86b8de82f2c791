// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Per-container state machine (docs/design.md "Phases").  Raw events go through
 * the classifier and the process table; each event moves at most a few phase
 * boundaries of one container.
 *
 * Completion: a container is done when its destroy began (a runtime
 * `delete`, or pid 1's exit without a shim), no process of it is left
 * (shim, runtime commands, shim `delete`, hooks, init, sandbox) and, if
 * its netns was bind-mounted, that mount is gone.  Real runs show more
 * cleanup right after (containerd's shim `delete` after the shim exits,
 * umounts of paths naming the id), so the record is held for GRACE_NS of
 * event time, absorbing those into destroy, then emitted exactly once.
 * dockerd's removal of a container (--rm, docker rm) may last longer
 * than that: once it began, the record is held until it ends
 * (user/engines/docker.c).
 *
 * This file is the hub: ct_tracker_feed() hands each record to the
 * machine below (exec, fork, exit, connect) or to a part (mounts:
 * tracker_mount.c; the hooks' arming: tracker_arm.c; adoption:
 * tracker_adopt.c), and the machine calls the parts at fixed points (a
 * restore: tracker_restore.c; the end of a record, and the expiry of
 * those whose exits were lost: tracker_emit.c).  The parts use only
 * the core (tracker_core.c: find, fire, wall time, accounting), never
 * each other nor this file.
 *
 * What only one engine does (CRI's pods, dockerd's removal, Podman's
 * client) is in user/engines/, called at fixed points (engine.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tracker.h"
#include "classify.h"
#include "client.h"
#include "engine_api.h"
#include "phases.h"
#include "proc.h"
#include "records.h"
#include "tracker_api.h"
#include "tracker_parts.h"
#include "util.h"

/* --- exec ---------------------------------------------------------------- */

static void on_shim(struct ct_tracker *tk, struct cstate *s,
		    const struct ct_class *cl, const struct ct_hdr *h,
		    uint64_t t)
{
	if (cl->engine != CT_ENG_UNKNOWN)
		s->c.engine = cl->engine;
	if (cl->runtime != CT_RT_UNKNOWN)
		s->c.runtime = cl->runtime;
	if (cl->role != CT_ROLE_SHIM_START)
		return;
	/* CRI: containerd, which runs the sandbox's CNI plugins too */
	if (!s->engine_pid)
		s->engine_pid = h->ppid;
	tk_fire(tk, s, CT_TR_SHIM_START, t);
}

/* Podman's conmon names the container and podman's name for it. */
static void on_monitor(struct ct_tracker *tk, struct cstate *s,
		       const struct ct_class *cl, uint64_t t)
{
	s->c.engine = cl->engine;
	if (cl->name[0] && !s->c.name[0])
		snprintf(s->c.name, sizeof(s->c.name), "%s", cl->name);
	tk_fire(tk, s, CT_TR_MONITOR_EXEC, t);
}

/*
 * Who started the runtime's create: a shim or a monitor (conmon) passes
 * its engine on; nobody we know of (a shell, a test) means a direct run,
 * and `run` is direct whoever calls it.
 */
static enum ct_engine_kind launcher_engine(const struct ct_class *cl,
					   const struct ct_proc *parent)
{
	if (cl->cmd == CT_CMD_RUN || !parent)
		return CT_ENG_DIRECT;
	switch (parent->role) {
	case CT_ROLE_SHIM:
		return CT_ENG_UNKNOWN;	/* the shim's -namespace says */
	case CT_ROLE_MONITOR:
		for (int k = 0; k < CT_ENG_MAX; k++)
			if (ct_engine(k)->monitor)
				return k;
		return CT_ENG_UNKNOWN;
	default:
		return CT_ENG_DIRECT;
	}
}

/* runsc start: the program begins when the sandbox clones its first stub
 * (on_fork), not at an exec. */
static void runsc_start_hook(struct cstate *s)
{
	if (s->c.runtime == CT_RT_RUNSC && !s->user_seen)
		s->start_pending = true;
}

static void on_rt_cmd(struct ct_tracker *tk, struct cstate *s,
		      const struct ct_class *cl,
		      const struct ct_proc *parent_like,
		      const struct ct_hdr *h, uint64_t t)
{
	if (cl->runtime != CT_RT_UNKNOWN && s->c.runtime != CT_RT_KATA)
		s->c.runtime = cl->runtime;
	switch (cl->cmd) {
	case CT_CMD_CREATE:
	case CT_CMD_RUN:
		engines_call(tk, claim, s, parent_like);
		if (s->c.engine == CT_ENG_UNKNOWN)
			s->c.engine = launcher_engine(cl, parent_like);
		if (!s->host_mntns)
			s->host_mntns = h->mntns;
		if (!s->rt_key)
			s->rt_key = tk_key_of(tk, h);
		tk_judge_create(tk, s, h->ts_ns);
		if (cl->restore)
			tk_restore_exec(tk, s);
		tk_fire(tk, s, CT_TR_RT_CREATE, t);
		engines_call(tk, created, s, parent_like, h->ts_ns);
		if (cl->bundle[0] && tk->o.on_bundle)
			tk->o.on_bundle(&s->c, cl->bundle, tk->o.ctx);
		break;
	case CT_CMD_START:
		if (!ct_has_phase(&s->c, CT_PH_CREATE))
			break;
		tk_fire(tk, s, CT_TR_RT_START, t);
		runsc_start_hook(s);
		break;
	case CT_CMD_DELETE:
		tk_fire(tk, s, CT_TR_RT_DELETE, t);
		engines_call(tk, deleted, s, h->ppid);
		break;
	case CT_CMD_CHECKPOINT:
		s->checkpoint_ns = t;
		s->c.checkpointed = true;
		break;
	default:
		break;
	}
}

/* A process below runc init / crun create that execs something that is
 * not a hook, in another mount namespace than the runtime: the user's
 * program (the first one is pid 1).  Not in a restore: what CRIU runs in
 * the container's namespaces (tar, iptables-restore) is no program. */
static bool is_user_exec(const struct cstate *s, const struct ct_proc *p,
			 const struct ct_class *cl, const struct ct_hdr *h)
{
	if (!s || p->own || cl->role != CT_ROLE_NONE || s->c.restore.is)
		return false;
	if (p->role != CT_ROLE_RT_INIT &&
	    !(p->role == CT_ROLE_RT_CMD &&
	      (p->cmd == CT_CMD_CREATE || p->cmd == CT_CMD_RUN)))
		return false;
	return !s->host_mntns || !h->mntns || h->mntns != s->host_mntns;
}

static void apply_exec(struct ct_tracker *tk, struct cstate *s,
		       const struct ct_class *cl,
		       const struct ct_proc *old, struct ct_proc *p,
		       const struct ct_hdr *h, uint64_t t)
{
	switch (cl->role) {
	case CT_ROLE_SHIM_START:
	case CT_ROLE_SHIM:
		on_shim(tk, s, cl, h, t);
		break;
	case CT_ROLE_MONITOR:
		on_monitor(tk, s, cl, t);
		break;
	case CT_ROLE_RT_CMD:
		on_rt_cmd(tk, s, cl, old, h, t);
		break;
	case CT_ROLE_RT_INIT:
		tk_judge_next_exec(tk, s, h->ts_ns);
		break;
	case CT_ROLE_SANDBOX:
		tk_judge_next_exec(tk, s, h->ts_ns);
		s->c.runtime = CT_RT_RUNSC;
		if (!s->sandbox_pid)
			s->sandbox_pid = p->pid;
		break;
	case CT_ROLE_HOOK_SETKEY:
	case CT_ROLE_CNI:
		if (s->c.engine == CT_ENG_UNKNOWN)
			s->c.engine = cl->engine;
		tk_fire(tk, s, CT_TR_HOOK_EXEC, t);
		break;
	case CT_ROLE_HYPERVISOR:
		s->c.runtime = CT_RT_KATA;
		s->hyp_pid = p->pid;
		tk_fire(tk, s, CT_TR_HYP_EXEC, t);
		break;
	default:
		break;
	}
}

static void on_exec(struct ct_tracker *tk, const struct ct_exec *x)
{
	const struct ct_hdr *h = &x->hdr;
	uint64_t t = tk_wall(tk, h->ts_ns);
	char fname[CT_FNAME_MAX];
	size_t alen = x->args_len < CT_ARGS_MAX ? x->args_len : CT_ARGS_MAX;
	struct ct_proc *p = ct_proc_get(tk->procs, h->pid), old = { 0 };
	struct ct_class cl;
	struct cstate *s = p ? tk_find_proc(tk, p) : NULL;

	if (s)
		tk_restore_key(tk, s, p, h);
	/* inside a container everything is the user's business */
	if (p && p->role == CT_ROLE_USER)
		return;
	ct_copy_str(fname, sizeof(fname), x->filename, CT_FNAME_MAX);
	if (s)
		tk_restore_criu(s, h->pid, fname, h->ts_ns);
	if (ct_classify(fname, x->args, alen, &cl))
		return;
	if (p) {
		old = *p;
		if (is_user_exec(s, p, &cl, h)) {
			tk_become_user(tk, p);
			if (!s->user_seen) {
				s->c.cmd_truncated =
					tk_join_args(s->c.cmd, sizeof(s->c.cmd),
						     x->args, alen) ||
					x->args_truncated;
				tk_user_begins(tk, s, h->pid, h, t);
			}
			return;
		}
	}
	if (cl.role == CT_ROLE_NONE)
		return;
	if (!p)
		p = ct_proc_add(tk->procs, h->pid);
	if (!p)
		return;
	tk_unaccount(tk, p);
	ct_proc_set_class(p, &cl);
	p->ppid = h->ppid;
	ct_copy_str(p->exe, sizeof(p->exe), x->args, alen);
	s = cl.creates ? tk_get_or_create(tk, p->id) : tk_find(tk, p->id);
	if (!s) {
		engines_call(tk, exec_unowned, p, h, t);
		return;
	}
	tk_account(tk, p);
	apply_exec(tk, s, &cl, old.pid ? &old : NULL, p, h, t);
	tk_check_done(tk, s);
}

/* --- fork / exit ------------------------------------------------------ */

/* runsc: no host exec of the program; the stub master (a child of the
 * sandbox) clones the stubs that run it, after `runsc start` (or at
 * once under `runsc run`). */
static bool runsc_stub_hook(const struct cstate *s, const struct ct_proc *pp)
{
	return pp->role == CT_ROLE_SANDBOX && pp->depth >= 1 &&
	       !s->user_seen &&
	       (s->start_pending || s->c.engine == CT_ENG_DIRECT);
}

static void on_fork(struct ct_tracker *tk, const struct ct_fork *f)
{
	const struct ct_hdr *h = &f->hdr;
	uint64_t t = tk_wall(tk, h->ts_ns);
	struct ct_proc *pp = ct_proc_get(tk->procs, h->pid), *c;
	struct cstate *s;

	c = ct_proc_get(tk->procs, f->child_pid);
	if (c) {	/* pid reused: the old exit was lost */
		tk_unaccount(tk, c);
		ct_proc_del(tk->procs, f->child_pid);
	}
	c = ct_proc_fork(tk->procs, h->pid, f->child_pid);
	if (!c)
		return;
	ct_copy_str(c->exe, sizeof(c->exe), f->child_comm, CT_COMM_LEN);
	tk_account(tk, c);
	s = tk_find_proc(tk, c);
	if (!s)
		return;
	tk_restore_key(tk, s, pp, h);
	tk_restore_fork(tk, s, f);
	if (runsc_stub_hook(s, pp))
		tk_user_begins(tk, s, f->child_pid, h, t);
	/* qemu -daemonize forks twice; the grandchild is the VM */
	if (s->hyp_pid && (h->pid == s->hyp_pid || h->pid == s->hyp_child))
		s->hyp_child = f->child_pid;
	tk_check_done(tk, s);
}

/* A raw wait status as a shell says it: the code, or 128 + signal. */
static int status_code(int32_t status)
{
	if ((status & 0x7f) == 0)
		return (status >> 8) & 0xff;
	return 128 + (status & 0x7f);
}

static void set_exit_code(struct cstate *s, int32_t status)
{
	s->c.has_exit_code = true;
	s->c.exit_code = status_code(status);
}

/*
 * Kata: the hypervisor process exited.  A launcher that daemonized (qemu
 * -daemonize: fork, setsid, fork, then the first process exits) leaves
 * its grandchild running the VM: follow that one.  Otherwise the VM is
 * gone.  Create is not ended here: only the agent connect ends it
 * (on_connect); without one it stays open.
 */
static void kata_vm_exit_hook(struct ct_tracker *tk, struct cstate *s,
			      uint64_t t)
{
	struct ct_proc *c = s->hyp_child ?
			    ct_proc_get(tk->procs, s->hyp_child) : NULL;

	if (c && c->pid != s->hyp_pid && tk_find_proc(tk, c) == s) {
		s->hyp_pid = c->pid;
		s->hyp_child = 0;
		return;
	}
	s->hyp_pid = 0;
	tk_fire(tk, s, CT_TR_VM_EXIT, t);
}

/* p exited with status at mono (wall: t) */
static void exit_phases(struct ct_tracker *tk, struct cstate *s,
			const struct ct_proc *p, int32_t status, uint64_t mono,
			uint64_t t)
{
	bool runsc = s->c.runtime == CT_RT_RUNSC;

	tk_restore_exit(tk, s, p, status, mono, t);
	tk_checkpoint_exit(tk, s, p, t);
	if (p->pid == (runsc ? s->sandbox_pid : s->c.init_pid) &&
	    s->user_seen && tk_ph_open(s, CT_PH_RUN)) {
		/* a checkpoint's dump stopped it: no exit of its own */
		if (!s->checkpoint_ns)
			set_exit_code(s, status);
		tk_judge_removal(tk, s, mono);
		tk_fire(tk, s, CT_TR_PID1_EXIT, t);
	}
	/*
	 * The shim outlives the program (it reports its exit): gone while it
	 * runs, it was killed or crashed, and what comes next (the engine's
	 * cleanup killing pid 1) is no end of the program's own.
	 */
	if (p->role == CT_ROLE_SHIM && s->user_seen &&
	    tk_ph_open(s, CT_PH_RUN) && !s->c.shim_lost) {
		s->c.shim_lost = true;
		s->c.shim_exit = status_code(status);
	}
	if (status && !s->user_seen &&
	    (((p->acct & ACCT_CMD) && p->cmd == CT_CMD_CREATE) ||
	     p->role == CT_ROLE_RT_INIT))
		s->create_failed = true;
	if (p->pid == s->hyp_child)
		s->hyp_child = 0;
	if (p->pid == s->hyp_pid)
		kata_vm_exit_hook(tk, s, t);
	if ((p->acct & ACCT_CMD) && p->cmd == CT_CMD_CREATE &&
	    !s->ncmd[CT_CMD_CREATE])
		tk_fire(tk, s, CT_TR_RT_CREATE_EXIT, t);
	if ((p->acct & ACCT_HOOK) && !s->nhook)
		tk_fire(tk, s, CT_TR_HOOK_EXIT, t);
	tk_fire(tk, s, CT_TR_PROC_EXIT, t);
}

static void on_exit_ev(struct ct_tracker *tk, const struct ct_exit *x)
{
	uint64_t t = tk_wall(tk, x->hdr.ts_ns);
	struct ct_proc *p = ct_proc_get(tk->procs, x->hdr.pid);
	struct cstate *s = tk_find_proc(tk, p);
	uint8_t acct;

	if (!p) {	/* a client's (ctr's): maybe a remover's */
		tk_remover_exit(tk, x->hdr.pid, t);
		return;
	}
	acct = p->acct;
	tk_unaccount(tk, p);
	if (s) {
		p->acct = acct;	/* exit_phases reads what it held */
		tk_restore_key(tk, s, p, &x->hdr);
		exit_phases(tk, s, p, x->exit_code, x->hdr.ts_ns, t);
		tk_check_done(tk, s);
	} else {
		tk_remover_exit(tk, x->hdr.pid, t);
		engines_call(tk, exit_unowned, p, t);
	}
	ct_proc_del(tk->procs, x->hdr.pid);
}

/* --- connect (Kata agent) ---------------------------------------------- */

/*
 * Kata: create ends when the guest agent is reachable, i.e. at the first
 * connect(2) from the shim (any of its threads: hdr.pid is the tgid) to
 * the agent's vsock or hybrid vsock that returned 0, after the hypervisor
 * exec.  -EINPROGRESS (a non-blocking AF_VSOCK connect) is not success:
 * its outcome is only known later (SO_ERROR), and Kata's dialer retries
 * until the guest answers, so the first attempt comes right after the
 * hypervisor exec.  Failed connects (the VMM's socket not there yet, the
 * guest not listening) are ignored.
 */
static void on_connect(struct ct_tracker *tk, const struct ct_connect *c)
{
	struct ct_proc *p = ct_proc_get(tk->procs, c->hdr.pid);
	struct cstate *s = tk_find_proc(tk, p);

	/* own: virtiofsd inherits the shim's role but is not the shim */
	if (!s || p->role != CT_ROLE_SHIM || !p->own || c->ret != 0 ||
	    s->c.runtime != CT_RT_KATA || !s->hyp_pid)
		return;
	tk_fire(tk, s, CT_TR_AGENT_CONNECT, tk_wall(tk, c->hdr.ts_ns));
	tk_check_done(tk, s);
}

/* --- API ---------------------------------------------------------------- */

/* Each engine's state, zeroed; -ENOMEM. */
static int new_engine_states(struct ct_tracker *tk)
{
	const struct ct_engine_set *set = ct_engines();

	for (size_t i = 0; i < set->n_hooks; i++) {
		size_t sz = set->hooks[i]->state_size;

		if (sz && !(tk->es[i] = calloc(1, sz)))
			return -ENOMEM;
	}
	return 0;
}

struct ct_tracker *ct_tracker_new(const struct ct_tracker_opts *opts)
{
	struct ct_tracker *tk;

	if (!opts)
		return NULL;
	tk = calloc(1, sizeof(*tk));
	if (!tk)
		return NULL;
	tk->o = *opts;
	if (!tk->o.max_containers || tk->o.max_containers > CT_TRACKER_MAX_LIVE)
		tk->o.max_containers = CT_TRACKER_MAX_LIVE;
	if (tk->o.cgroup_mode != CT_CGROUP_V2)
		tk->o.cgroup_mode = CT_CGROUP_V1_MEMORY;
	if (opts->filter.id_prefix)
		snprintf(tk->prefix, sizeof(tk->prefix), "%s",
			 opts->filter.id_prefix);
	tk->o.filter.id_prefix = tk->prefix;
	tk->cap = tk->nbuckets = 64;
	tk->cts = calloc(tk->cap, sizeof(*tk->cts));
	tk->bucket = calloc(tk->nbuckets, sizeof(*tk->bucket));
	tk->procs = ct_proc_table_new(0);
	tk->model = opts->model;
	if (!tk->model)
		tk->model = tk->own_model = ct_procs_new();
	tk->clients = ct_clients_new(tk->o.mono_to_real_ns, tk->model,
				     tk->o.client_ops);
	if (!tk->cts || !tk->bucket || !tk->procs || !tk->model ||
	    !tk->clients ||
	    new_engine_states(tk)) {
		ct_tracker_free(tk);
		return NULL;
	}
	return tk;
}

void ct_tracker_free(struct ct_tracker *tk)
{
	if (!tk)
		return;
	for (size_t i = 0; i < tk->n; i++)
		free(tk->cts[i]);
	free(tk->cts);
	free(tk->bucket);
	ct_proc_table_free(tk->procs);
	ct_clients_free(tk->clients);
	ct_procs_free(tk->own_model);
	for (size_t i = 0; i < CT_ENG_MAX; i++)
		free(tk->es[i]);
	free(tk);
}

static void take_max(uint64_t *have, uint64_t seen)
{
	if (seen > *have)
		*have = seen;
}

/* Totals since the session's start: the largest seen of each. */
static void on_map_full(struct ct_tracker *tk, const void *rec)
{
	struct ct_mapfull_rec r;

	memcpy(&r, rec, sizeof(r));	/* rec may be unaligned */
	for (int i = 0; i < CT_MAPFULL_NR; i++)
		take_max(&tk->st.map_full[i], r.refused[i]);
}

static void on_name(struct ct_tracker *tk, const struct ct_name_rec *r)
{
	struct cstate *s = tk_find_named(tk, r->id, sizeof(r->id));

	if (s)
		ct_copy_str(s->c.name, sizeof(s->c.name), r->name,
			    sizeof(r->name));
}

#define COPY_FIELD(dst, r, field) \
	ct_copy_str(dst, sizeof(dst), (r)->field, sizeof((r)->field))

/* What the engine calls it (names.h): an empty field keeps what is known. */
static void on_ident(struct ct_tracker *tk, const struct ct_ident_rec *r)
{
	struct cstate *s = tk_find_named(tk, r->id, sizeof(r->id));
	struct ct_container *c = s ? &s->c : NULL;

	if (!c)
		return;
	if (r->name[0])
		COPY_FIELD(c->name, r, name);
	if (r->image[0])
		COPY_FIELD(c->image, r, image);
	if (r->kind == CT_K8S_NONE)
		return;
	COPY_FIELD(c->k8s.pod_name, r, pod_name);
	COPY_FIELD(c->k8s.pod_namespace, r, pod_namespace);
	COPY_FIELD(c->k8s.pod_uid, r, pod_uid);
	COPY_FIELD(c->k8s.container_name, r, container_name);
}

/* Totals, as often as one grew: the largest seen of each (a version 1
 * recording's record has the ring buffer's only). */
static void on_lost(struct ct_tracker *tk, const struct ct_hdr *h)
{
	struct ct_lost l = { 0 };

	memcpy(&l, h, h->size < sizeof(l) ? h->size : sizeof(l));
	take_max(&tk->st.lost_events, l.lost);
	take_max(&tk->st.lost_pull_records, l.pull_lost);
	take_max(&tk->st.lost_why_threads, l.why_lost);
	take_max(&tk->st.lost_opens, l.opens_lost);
}

int ct_tracker_malformed(struct ct_tracker *tk)
{
	if (tk)
		tk->st.malformed++;
	return -EINVAL;
}

int ct_tracker_feed(struct ct_tracker *tk, const void *rec, size_t len)
{
	const struct ct_hdr *h = rec;

	if (!tk)
		return -EINVAL;
	if (h->type != CT_EV_LOST && h->type != CT_EV_END &&
	    h->type != CT_EV_MAPFULL && h->ts_ns > tk->now)
		tk->now = h->ts_ns;
	/* first let finished containers go, so that a new container reusing
	 * an id (ctr run ... ctr1, twice) starts a record of its own */
	tk_reap(tk);
	ct_procs_feed(tk->own_model, rec, len);
	ct_clients_feed(tk->clients, rec, len);
	switch (h->type) {
	case CT_EV_EXEC:
		on_exec(tk, rec);
		break;
	case CT_EV_FORK:
		on_fork(tk, rec);
		break;
	case CT_EV_EXIT:
		on_exit_ev(tk, rec);
		break;
	case CT_EV_MOUNT:
	case CT_EV_UMOUNT:
		tk_on_mount(tk, rec);
		break;
	case CT_EV_CONNECT:
		on_connect(tk, rec);
		break;
	case CT_EV_LOST:
		on_lost(tk, rec);
		break;
	case CT_EV_MAPFULL:
		on_map_full(tk, rec);
		break;
	case CT_EV_NAME:
		on_name(tk, rec);
		break;
	case CT_EV_IDENT:
		on_ident(tk, rec);
		break;
	case CT_EV_ARM:
		tk_on_arm(tk, rec);
		break;
	case CT_EV_ADOPT:
		tk_on_adopt(tk, rec);
		break;
	default:	/* an engine's (CT_EV_CNI_ENV, CT_EV_RMDIR, ...) */
		engines_call(tk, record, h);
		break;
	}
	return 0;
}

void ct_tracker_tick(struct ct_tracker *tk, uint64_t now_mono_ns)
{
	if (!tk)
		return;
	if (now_mono_ns > tk->now)
		tk->now = now_mono_ns;
	tk_reap(tk);
}

void ct_tracker_flush(struct ct_tracker *tk)
{
	if (!tk)
		return;
	while (tk->n) {
		struct cstate *s = tk->cts[tk->n - 1];

		tk->st.partial_running += tk_adopted_idle(s);	/* kept */
		tk_emit_at(tk, tk->n - 1, s->done_mono != 0);
	}
}

size_t ct_tracker_pending_since(const struct ct_tracker *tk, uint64_t since_ns)
{
	size_t n = 0;

	for (size_t i = 0; tk && i < tk->n; i++) {
		uint64_t first = tk_open_first_ns(&tk->cts[i]->c);

		/* an adopted container waits for nobody until it ends */
		n += first != UINT64_MAX && first >= since_ns &&
		     tk_id_wanted(tk, tk->cts[i], true) &&
		     !tk_adopted_idle(tk->cts[i]);
	}
	return n;
}

size_t ct_tracker_pending(const struct ct_tracker *tk)
{
	return ct_tracker_pending_since(tk, 0);
}

uint64_t ct_tracker_map_full(const struct ct_tracker_stats *st)
{
	uint64_t n = 0;

	for (int i = 0; i < CT_MAPFULL_NR; i++)
		n += st->map_full[i];
	return n;
}

bool ct_tracker_has_key(const struct ct_tracker *tk, uint64_t cgroup_key)
{
	for (size_t i = 0; tk && i < tk->n; i++)
		if (tk->cts[i]->c.cgroup_key == cgroup_key)
			return true;
	return false;
}

uint64_t ct_tracker_lost(const struct ct_tracker *tk)
{
	return tk ? tk->st.lost_events : 0;
}

enum ct_cgroup_mode ct_tracker_cgroup_mode(const struct ct_tracker *tk)
{
	return tk ? tk->o.cgroup_mode : CT_CGROUP_V1_MEMORY;
}

void ct_tracker_get_stats(const struct ct_tracker *tk,
			 struct ct_tracker_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!tk)
		return;
	*out = tk->st;
	out->dropped_procs = ct_proc_dropped(tk->procs);
	/* before the end, the ones followed now; after it, those left */
	for (size_t i = 0; i < tk->n; i++)
		out->partial_running += tk_adopted_idle(tk->cts[i]);
}
