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
 * than that: once it began, the record is held until it ends (below).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tracker.h"
#include "classify.h"
#include "client.h"
#include "phases.h"
#include "proc.h"
#include "records.h"
#include "util.h"

#define GRACE_NS	250000000ull	/* 250 ms */
/* dockerd's removal of a container, once begun, ends within this (a
 * layer of 1,500 directories took 0.8 s here); a removal that failed
 * midway lets the record go then. */
#define REMOVAL_MAX_NS	(30 * 1000000000ull)
/*
 * Nothing heard for this long and nothing alive, or stuck in a phase of
 * the machinery (attach, create, start, die, destroy take milliseconds to
 * seconds): exit events were lost.  Give up; the record is incomplete.
 * Only a running program may stay quiet for longer.
 */
#define STALE_NS	(600 * 1000000000ull)
/* With a liveness check (opts.proc_alive): how often processes of quiet
 * containers are checked, and how quiet a container must be. */
#define SWEEP_NS	(60 * 1000000000ull)

enum {
	ACCT_LIVE = 1,	/* counted in cstate.live */
	ACCT_CMD = 2,	/* counted in cstate.ncmd[cmd] */
	ACCT_HOOK = 4,	/* counted in cstate.nhook */
};

struct cstate {
	struct ct_container c;
	uint32_t gen;
	uint32_t live;			/* tracked processes of it alive */
	uint32_t ncmd[CT_CMD_MAX];	/* own runtime commands alive */
	uint32_t nhook;			/* network hooks alive */
	uint32_t sandbox_pid;
	uint32_t hyp_pid;		/* Kata: the hypervisor process */
	uint32_t hyp_child;		/* its latest fork (qemu -daemonize) */
	uint32_t host_mntns;		/* mntns of the runtime command */
	uint64_t rt_key;		/* cgroup key of the runtime command */
	bool start_pending;		/* runsc: start seen, no stub yet */
	bool user_seen;
	bool netns_mounted;
	bool netns_unmounted;
	char netns_target[CT_PATH_MAX];
	uint64_t done_mono;		/* when it became done; 0 = not */
	uint64_t last_mono;		/* last event that touched it */
	bool create_failed;		/* create failed, init died */
	bool gone;			/* its processes vanished unseen */
	uint32_t engine_pid;		/* CRI: the containerd that asked */
	char mount_id[CT_NAME_NAME_LEN];	/* docker: its layer's */
	uint64_t hold_until;		/* dockerd removing it: held till */
	bool removing;			/* dockerd's removal began */
	uint32_t remover_pid;		/* Podman 5: the client that deleted it */
	/* a runtime run by hand began while the syscall hooks were
	 * detached: whole if they were on by its next exec (arm.h) */
	bool unarmed_pending;
	/* the first detach of the hooks while it was followed (mono):
	 * its opens after it are not all counted (arm.h) */
	uint64_t untraced_mono;
	struct cstate *hnext;		/* id hash chain */
};

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
	uint64_t exec_ns, exit_ns;	/* exit_ns 0 while it runs */
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

/* A network namespace containerd bind-mounted for a sandbox to come. */
struct cri_netns {
	uint32_t pid;
	char target[CT_PATH_MAX];
};

struct ct_tracker {
	struct ct_tracker_opts o;
	char prefix[CT_ID_LEN];
	struct ct_proc_table *procs;
	struct cstate **cts;		/* live containers, in no order */
	size_t n, cap;
	struct cstate **bucket;		/* id -> container */
	size_t nbuckets;		/* a power of two */
	uint32_t next_gen;
	uint64_t now;			/* latest event time (monotonic) */
	uint64_t next_sweep;		/* opts.proc_alive: next check */
	struct ct_tracker_stats st;
	struct cni_exec cni[CRI_PENDING];	/* oldest first */
	size_t ncni;
	struct cri_netns netns[CRI_PENDING];	/* oldest first */
	size_t nnetns;
	struct cni_env envs[CNI_ENVS];	/* a ring of the latest */
	size_t next_env;
	/* a CT_EV_CNI_ENV came: CNI plugins are attributed by their
	 * environment only (else a recording made before it: by order) */
	bool cni_env_seen;
	struct ct_clients *clients;	/* who asked for each container */
	/* the syscall hooks (CT_EV_ARM): detached, or attached since */
	bool hooks_off;
	uint64_t armed_since;
};

/* --- containers ---------------------------------------------------------- */

static uint64_t wall(const struct ct_tracker *tk, uint64_t mono)
{
	return mono + (uint64_t)tk->o.mono_to_real_ns;
}

/* FNV-1a */
static size_t id_slot(const struct ct_tracker *tk, const char *id)
{
	uint64_t h = 14695981039346656037ull;

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 1099511628211ull;
	return (size_t)h & (tk->nbuckets - 1);
}

static struct cstate *find(struct ct_tracker *tk, const char *id)
{
	struct cstate *s;

	if (!id[0])
		return NULL;
	for (s = tk->bucket[id_slot(tk, id)]; s; s = s->hnext)
		if (!strcmp(s->c.id, id))
			return s;
	return NULL;
}

static void hash_add(struct ct_tracker *tk, struct cstate *s)
{
	size_t k = id_slot(tk, s->c.id);

	s->hnext = tk->bucket[k];
	tk->bucket[k] = s;
}

static void hash_del(struct ct_tracker *tk, struct cstate *s)
{
	struct cstate **pp = &tk->bucket[id_slot(tk, s->c.id)];

	while (*pp && *pp != s)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = s->hnext;
}

/*
 * Room for one more live container: the array and the id hash double as
 * needed, up to opts.max_containers.  False if there is none.
 */
static bool make_room(struct ct_tracker *tk)
{
	if (tk->n >= tk->o.max_containers)
		return false;
	if (tk->n == tk->cap) {
		size_t cap = tk->cap * 2;
		struct cstate **a = realloc(tk->cts, cap * sizeof(*a));

		if (!a)
			return false;
		tk->cts = a;
		tk->cap = cap;
	}
	if (tk->n >= tk->nbuckets) {
		struct cstate **b = calloc(tk->nbuckets * 2, sizeof(*b));

		if (!b)
			return true;	/* longer chains, still correct */
		free(tk->bucket);
		tk->bucket = b;
		tk->nbuckets *= 2;
		for (size_t i = 0; i < tk->n; i++)
			hash_add(tk, tk->cts[i]);
	}
	return true;
}

static struct cstate *find_proc(struct ct_tracker *tk, const struct ct_proc *p)
{
	struct cstate *s = p ? find(tk, p->id) : NULL;

	return s && s->gen == p->gen ? s : NULL;
}

static void emit_at(struct ct_tracker *tk, size_t i, bool complete);

static struct cstate *get_or_create(struct ct_tracker *tk, const char *id)
{
	struct cstate *s = find(tk, id);

	if (s && s->done_mono) {	/* a new container, same id */
		for (size_t i = 0; i < tk->n; i++)
			if (tk->cts[i] == s)
				emit_at(tk, i, true);
		s = NULL;
	}
	if (s || !id[0])
		return s;
	s = make_room(tk) ? calloc(1, sizeof(*s)) : NULL;
	if (!s) {
		tk->st.dropped_containers++;
		return NULL;
	}
	snprintf(s->c.id, sizeof(s->c.id), "%s", id);
	s->gen = ++tk->next_gen;
	tk->cts[tk->n++] = s;
	hash_add(tk, s);
	if (tk->o.on_new)
		tk->o.on_new(&s->c, tk->o.ctx);
	return s;
}

/* A transition happened to s at t: its family's table moves the phases. */
static void fire(struct ct_tracker *tk, struct cstate *s, enum ct_transition tr,
		 uint64_t t)
{
	ct_phases_apply(&s->c, ct_family_of(s->c.engine, s->c.runtime), tr, t,
			tk->o.on_rule, tk->o.ctx);
}

/* --- idle-host arming (user/kern/arm.h) --------------------------------------- */

/* Every container followed now stops being traced whole at t. */
static void mark_untraced(struct ct_tracker *tk, uint64_t t)
{
	for (size_t i = 0; i < tk->n; i++)
		if (!tk->cts[i]->untraced_mono)
			tk->cts[i]->untraced_mono = t;
}

static void on_arm(struct ct_tracker *tk, const struct ct_arm_rec *r)
{
	tk->hooks_off = !r->armed;
	if (!r->armed) {
		mark_untraced(tk, r->hdr.ts_ns);
		return;
	}
	tk->armed_since = r->hdr.ts_ns;
	/* the session's own first attach: no exec asked, not "again" */
	if (!r->trigger_ns)
		return;
	tk->st.arms++;
	if (r->hdr.ts_ns - r->trigger_ns > tk->st.arm_latency_max_ns)
		tk->st.arm_latency_max_ns = r->hdr.ts_ns - r->trigger_ns;
}

/* The syscall hooks saw everything from t on. */
static bool hooks_saw(const struct ct_tracker *tk, uint64_t t)
{
	return !tk->hooks_off && t >= tk->armed_since;
}

static void mark_unarmed(struct ct_tracker *tk, struct cstate *s)
{
	if (s->c.unarmed)
		return;
	s->c.unarmed = true;
	tk->st.unarmed++;
}

/*
 * At its runtime's create: what an engine did before (dockerd's mounts
 * and mkdirs, a client's connect) needs the hooks on by then.  A runtime
 * run by hand is itself the exec that attaches them: everything the
 * hooks read of its container comes after its next exec (runc init, the
 * runsc sandbox), so it is judged there; crun execs the program itself.
 */
static void judge_create(struct ct_tracker *tk, struct cstate *s,
			 uint64_t ts)
{
	if (hooks_saw(tk, ts))
		return;
	if (s->c.engine == CT_ENG_DIRECT)
		s->unarmed_pending = true;
	else
		mark_unarmed(tk, s);
}

/* The next exec of a runtime run by hand: was it seen with the hooks on? */
static void judge_next_exec(struct ct_tracker *tk, struct cstate *s,
			    uint64_t ts)
{
	if (s->unarmed_pending && hooks_saw(tk, ts))
		s->unarmed_pending = false;
}

/* Its program began, or it is emitted: still pending is unarmed. */
static void judge_final(struct ct_tracker *tk, struct cstate *s)
{
	if (s->unarmed_pending)
		mark_unarmed(tk, s);
	s->unarmed_pending = false;
}

static bool ph_open(const struct cstate *s, enum ct_phase p)
{
	return ct_has_phase(&s->c, p) && !s->c.phases[p].end_ns;
}

static uint64_t key_of(const struct ct_tracker *tk, const struct ct_hdr *h)
{
	return tk->o.cgroup_mode == CT_CGROUP_V2 ? h->cgroup_id : h->memcg_id;
}

static void mark_bad_key(struct ct_tracker *tk, struct cstate *s,
			 enum ct_key_problem why)
{
	if (s->c.bad_key)
		return;
	s->c.bad_key = why;
	tk->st.bad_keys++;
}

/*
 * A runtime moves the container's program into a cgroup of its own before
 * the exec.  If coldtrace reads the other cgroup tree than the runtime
 * writes (v1 memory vs v2, docs/design.md "Attribution"), or the runtime
 * ignores cgroups (runsc --ignore-cgroups), the program keeps what it
 * inherited: the root, the runtime command's cgroup, or one shared with every
 * other container of that runtime.  Any of these would mix other processes'
 * opens into this container's: say so instead (at emission).
 */
static void check_key(struct ct_tracker *tk, struct cstate *s)
{
	uint64_t k = s->c.cgroup_key;
	size_t i;

	/* Kata's guest is not keyed by a host cgroup (docs/design.md
	 * "Attribution"). */
	if (s->c.runtime == CT_RT_KATA || s->c.runtime == CT_RT_UNKNOWN)
		return;
	/* The kernel side never counts under the root (opens.bpf.c). */
	if (k <= 1) {
		mark_bad_key(tk, s, CT_KEY_ROOT);
		return;
	}
	/* runc and crun always make the container a cgroup.  runsc may
	 * leave its sandbox in the runtime's (runsc run of a bare bundle);
	 * its opens are told apart by process (stub ptrace stops) there. */
	if (s->c.runtime != CT_RT_RUNSC && s->rt_key && k == s->rt_key) {
		mark_bad_key(tk, s, CT_KEY_RUNTIME);
		return;
	}
	for (i = 0; i < tk->n; i++) {
		struct cstate *o = tk->cts[i];

		if (o == s || !o->user_seen || o->c.cgroup_key != k)
			continue;
		mark_bad_key(tk, o, CT_KEY_SHARED);
		mark_bad_key(tk, s, CT_KEY_SHARED);
	}
}

static void set_key(struct ct_tracker *tk, struct cstate *s,
		    const struct ct_hdr *h)
{
	s->c.cgroup_key = key_of(tk, h);
	check_key(tk, s);
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
 * A container that never ran its program: the runtime's create failed
 * (non-zero exit, init killed), it was torn down without a start, or
 * (runc, crun: the program's exec is always seen) started without the
 * program's exec; Kata: torn down before the agent answered.  runsc's
 * program may run unseen (--platform=kvm clones no stub): a started
 * runsc container is not called failed for that.  Such records stay out
 * of the cold-start statistics.
 */
static enum ct_failure failure(const struct cstate *s, bool complete)
{
	const struct ct_container *c = &s->c;

	if (s->create_failed)
		return CT_FAIL_CREATE;
	if (!complete || !ct_has_phase(c, CT_PH_CREATE) || s->user_seen)
		return CT_FAIL_NONE;
	if (c->runtime == CT_RT_KATA)	/* no host exec of the program */
		return c->phases[CT_PH_CREATE].end_ns ? CT_FAIL_NONE
						      : CT_FAIL_CREATE;
	if (!ct_has_phase(c, CT_PH_START))
		return CT_FAIL_CREATE;
	return c->runtime == CT_RT_RUNC || c->runtime == CT_RT_CRUN ?
	       CT_FAIL_START : CT_FAIL_NONE;
}

static void finish_record(struct cstate *s, bool complete)
{
	struct ct_container *c = &s->c;

	/* seen from the middle, or a shim lost under a running program
	 * (its end is not the program's): never complete */
	c->complete = complete && !c->partial && !c->shim_lost;
	c->failed = failure(s, complete);
	c->first_ns = UINT64_MAX;
	c->last_ns = 0;
	for (int p = 0; p < CT_PH_MAX; p++) {
		if (!ct_has_phase(c, p))
			continue;
		if (c->phases[p].start_ns < c->first_ns)
			c->first_ns = c->phases[p].start_ns;
		if (c->phases[p].end_ns > c->last_ns)
			c->last_ns = c->phases[p].end_ns;
	}
	if (c->first_ns == UINT64_MAX)
		c->first_ns = 0;
}

/*
 * The id filter applies at emission only: every container is followed,
 * so that one left out cannot have its events attributed to another.
 */
static bool id_wanted(const struct ct_tracker *tk, const struct cstate *s)
{
	size_t plen = strlen(tk->prefix);

	return !plen || !strncmp(s->c.id, tk->prefix, plen);
}

static bool wanted(const struct ct_tracker *tk, const struct cstate *s)
{
	uint32_t m = tk->o.filter.runtime_mask;
	uint32_t em = tk->o.filter.engine_mask;

	/* a runtime command alone (state, kill) is not a container */
	if (!s->c.phase_mask || !id_wanted(tk, s))
		return false;
	if (em && !(em & (1u << s->c.engine)))
		return false;
	return !m || (m & (1u << s->c.runtime));
}

static void unkeyed_opens(struct ct_container *c)
{
	memset(&c->opens, 0, sizeof(c->opens));
	memset(&c->gofer_opens, 0, sizeof(c->gofer_opens));
	c->opens.unobservable = true;
	c->opens.bad_key = (uint8_t)c->bad_key;
	c->n_slow = 0;
}

/* Emit (if it passes the filter) and forget cts[i]. */
/* Its client if the records decide it; an ambiguous one is counted. */
static void set_client(struct ct_tracker *tk, struct ct_container *c)
{
	switch (ct_clients_match(tk->clients, c, &c->client)) {
	case CT_CLIENT_EXACT:
		c->has_client = true;
		break;
	case CT_CLIENT_AMBIGUOUS:
		tk->st.ambiguous_clients++;
		break;
	case CT_CLIENT_NONE:
		break;
	}
}

/* Adopted at the start and nothing of it ended since: nothing seen. */
static bool adopted_idle(const struct cstate *s)
{
	return s->c.partial && !(s->c.phase_mask & ~(1u << CT_PH_RUN));
}

/* Its opens were not all traced (mark_untraced()): the record says so. */
static void untraced_opens(struct ct_tracker *tk, struct cstate *s)
{
	if (!s->untraced_mono || !s->c.opens.valid)
		return;
	s->c.opens.traced_until_ns = wall(tk, s->untraced_mono);
	tk->st.opens_cut++;
}

static void emit_at(struct ct_tracker *tk, size_t i, bool complete)
{
	struct cstate *s = tk->cts[i];

	judge_final(tk, s);
	finish_record(s, complete);
	if (adopted_idle(s)) {
		/* gone unseen (expired) or still running at the end
		 * (ct_tracker_flush() counts it): no record to make */
	} else if (wanted(tk, s)) {
		tk->st.partial += s->c.partial;
		/* before before_emit: prepare starts at an exact client; who
		 * asked for one begun before the session is not known */
		if (!s->c.partial)
			set_client(tk, &s->c);
		if (tk->o.before_emit)
			tk->o.before_emit(&s->c, tk->o.ctx);
		/* After before_emit: whatever it read under a key that is
		 * not the container's own is not the container's. */
		if (s->c.bad_key)
			unkeyed_opens(&s->c);
		untraced_opens(tk, s);
		if (tk->o.on_container)
			tk->o.on_container(&s->c, tk->o.ctx);
	} else if (s->c.phase_mask && tk->o.on_filtered) {
		tk->o.on_filtered(&s->c, tk->o.ctx);
	}
	hash_del(tk, s);
	tk->cts[i] = tk->cts[--tk->n];
	free(s);
}

static void removal_expected(struct ct_tracker *tk, struct cstate *s);

static void check_done(struct ct_tracker *tk, struct cstate *s)
{
	s->last_mono = tk->now;
	bool done = ct_has_phase(&s->c, CT_PH_DESTROY) && !s->live &&
		    (!s->netns_mounted || s->netns_unmounted);

	if (!done) {
		s->done_mono = 0;
	} else if (!s->done_mono) {
		s->done_mono = tk->now ? tk->now : 1;
		removal_expected(tk, s);
	}
}

/* --- expiry: containers whose exit events were lost --------------------- */

static bool stale(const struct ct_tracker *tk, const struct cstate *s)
{
	if (s->gone)
		return true;
	if (tk->now < s->last_mono + STALE_NS)
		return false;
	return !s->live || !ph_open(s, CT_PH_RUN);
}

static bool of_gen(struct ct_proc *p, void *ctx)
{
	return p->gen == *(const uint32_t *)ctx;
}

/* Emit cts[i] incomplete and forget the processes it still holds. */
static void expire_at(struct ct_tracker *tk, size_t i)
{
	uint32_t gen = tk->cts[i]->gen;
	bool held = tk->cts[i]->live;

	tk->st.expired++;
	emit_at(tk, i, false);
	if (held)
		ct_proc_sweep(tk->procs, of_gen, &gen);
}

static void unaccount(struct ct_tracker *tk, struct ct_proc *p);
static struct cstate *find_proc(struct ct_tracker *tk, const struct ct_proc *p);

/* ct_proc_sweep() callback: a process of a quiet container (or of none)
 * that no longer exists; its container is gone when it was the last. */
static bool proc_vanished(struct ct_proc *p, void *ctx)
{
	struct ct_tracker *tk = ctx;
	struct cstate *s = find_proc(tk, p);

	if (s && (s->done_mono || tk->now < s->last_mono + SWEEP_NS))
		return false;
	if (tk->o.proc_alive(p->pid, tk->o.ctx))
		return false;
	unaccount(tk, p);
	if (s && !s->live)
		s->gone = true;
	return true;
}

static void reap(struct ct_tracker *tk)
{
	if (tk->o.proc_alive && tk->now >= tk->next_sweep) {
		tk->next_sweep = tk->now + SWEEP_NS;
		ct_proc_sweep(tk->procs, proc_vanished, tk);
	}
	for (size_t i = 0; i < tk->n;) {
		struct cstate *s = tk->cts[i];

		if (s->done_mono && tk->now >= s->done_mono + GRACE_NS &&
		    tk->now >= s->hold_until)
			emit_at(tk, i, true);
		else if (!s->done_mono && stale(tk, s))
			expire_at(tk, i);
		else
			i++;
	}
}

/* --- process accounting ---------------------------------------------- */

static void unaccount(struct ct_tracker *tk, struct ct_proc *p)
{
	struct cstate *s = find_proc(tk, p);

	if (s) {
		if ((p->acct & ACCT_LIVE) && s->live)
			s->live--;
		if ((p->acct & ACCT_CMD) && s->ncmd[p->cmd])
			s->ncmd[p->cmd]--;
		if ((p->acct & ACCT_HOOK) && s->nhook)
			s->nhook--;
	}
	p->acct = 0;
	p->gen = 0;
}

static void account(struct ct_tracker *tk, struct ct_proc *p)
{
	struct cstate *s = find(tk, p->id);

	if (!s)
		return;
	p->gen = s->gen;
	p->acct = ACCT_LIVE;
	s->live++;
	if (p->own && p->role == CT_ROLE_RT_CMD) {
		p->acct |= ACCT_CMD;
		s->ncmd[p->cmd]++;
	}
	if (p->own && (p->role == CT_ROLE_HOOK_SETKEY ||
		       p->role == CT_ROLE_CNI)) {
		p->acct |= ACCT_HOOK;
		s->nhook++;
	}
}

/* --- CRI pods (docs/phases.md, cri table) --------------------------------- */

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
	unaccount(tk, p);
	snprintf(p->id, sizeof(p->id), "%s", s->c.id);
	account(tk, p);
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

/* p, a CNI plugin, runs s's network teardown (a DEL). */
static void cri_teardown(struct ct_tracker *tk, struct cstate *s,
			 struct ct_proc *p, uint64_t t)
{
	cri_adopt(tk, s, p);
	fire(tk, s, CT_TR_NET_TEARDOWN, t);
	check_done(tk, s);
}

/* An ADD waits for its sandbox (id "" when the order decides). */
static void cri_pend_add(struct ct_tracker *tk, const struct ct_proc *p,
			 const struct ct_hdr *h, uint64_t t,
			 const struct ct_cni_vars *v)
{
	struct cni_exec *x;

	fifo_make_room(tk->cni, &tk->ncni, sizeof(tk->cni[0]));
	x = &tk->cni[tk->ncni++];
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

static void on_cni_env(struct ct_tracker *tk, const struct ct_cni_env *r)
{
	struct cni_env *slot = &tk->envs[tk->next_env++ % CNI_ENVS];

	slot->pid = r->hdr.pid;
	slot->ts_ns = r->hdr.ts_ns;
	ct_cni_env_parse(r->env, r->env_len, r->env_cut, &slot->v);
	tk->cni_env_seen = true;
}

/* The environment of the exec h, if its record came. */
static bool cni_env_take(struct ct_tracker *tk, const struct ct_hdr *h,
			 struct ct_cni_vars *out)
{
	for (size_t i = 0; i < CNI_ENVS; i++) {
		struct cni_env *c = &tk->envs[i];

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
static void cri_cni_by_order(struct ct_tracker *tk, struct ct_proc *p,
			     const struct ct_hdr *h, uint64_t t)
{
	struct cstate *s = cri_tearing_down(tk, h->ppid);

	if (s)
		cri_teardown(tk, s, p, t);
	else
		cri_pend_add(tk, p, h, t, NULL);
}

/* A CNI plugin exec'd for no container we know (by containerd, or by a
 * plugin still waiting for its sandbox). */
static void cri_cni_exec(struct ct_tracker *tk, struct ct_proc *p,
			 const struct ct_hdr *h, uint64_t t)
{
	struct ct_cni_vars v;
	struct cstate *s;

	/* bpf emits a plugin's exec only with its environment: none is a
	 * recording made before CT_EV_CNI_ENV (or a mangled one) */
	if (!cni_env_take(tk, h, &v)) {
		if (tk->cni_env_seen)
			tk->st.cni_unattributed++;
		else
			cri_cni_by_order(tk, p, h, t);
		return;
	}
	switch (v.cmd) {
	case CT_CNI_ADD:
		cri_pend_add(tk, p, h, t, &v);
		break;
	case CT_CNI_DEL:	/* a sandbox we do not follow: not ours */
		s = find(tk, v.id);
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

static void cri_cni_exit(struct ct_tracker *tk, uint32_t pid, uint64_t t)
{
	for (size_t i = 0; i < tk->ncni; i++)
		if (tk->cni[i].pid == pid && !tk->cni[i].exit_ns)
			tk->cni[i].exit_ns = t;
}

/* Whether a plugin of this name is in the round idx[0..n) already. */
static bool cni_in_round(const struct ct_tracker *tk, const size_t *idx,
			 size_t n, const char *exe)
{
	for (size_t k = 0; k < n; k++)
		if (!strcmp(tk->cni[idx[k]].exe, exe))
			return true;
	return false;
}

/* Whether pending plugin i is s's ADD: by its CNI_CONTAINERID; in a
 * recording made before CT_EV_CNI_ENV, of the oldest round of s's
 * containerd (each plugin once: loopback and the conflist's plugins run
 * side by side), not older than CRI_ADD_MAX_NS. */
static bool cni_add_of(const struct ct_tracker *tk, const struct cstate *s,
		       size_t i, const size_t *idx, size_t n)
{
	const struct cni_exec *x = &tk->cni[i];
	uint64_t at = s->c.phases[CT_PH_ATTACH].start_ns;

	if (x->id[0])
		return !strcmp(x->id, s->c.id);
	return x->ppid == s->engine_pid && x->exec_ns + CRI_ADD_MAX_NS >= at &&
	       !cni_in_round(tk, idx, n, x->exe);
}

/*
 * Sandbox s takes its pending ADD: connect spans it; plugins still
 * running are adopted, and the last one's exit ends it.  netns gets the
 * ADD's CNI_NETNS ("" if none said).
 */
static void cri_claim_add(struct ct_tracker *tk, struct cstate *s,
			  char *netns, size_t netns_len)
{
	uint64_t first = UINT64_MAX, last = 0;
	size_t idx[CRI_PENDING], n = 0, running = 0;

	for (size_t i = 0; i < tk->ncni; i++) {
		const struct cni_exec *x = &tk->cni[i];
		struct ct_proc *p;

		if (!cni_add_of(tk, s, i, idx, n))
			continue;
		idx[n++] = i;
		first = x->exec_ns < first ? x->exec_ns : first;
		last = x->exit_ns > last ? x->exit_ns : last;
		if (x->netns[0])
			snprintf(netns, netns_len, "%s", x->netns);
		p = x->exit_ns ? NULL : ct_proc_get(tk->procs, x->pid);
		if (p) {
			cri_adopt(tk, s, p);
			running++;
		}
	}
	if (!n)
		return;
	fire(tk, s, CT_TR_HOOK_EXEC, first);
	if (!running)
		fire(tk, s, CT_TR_HOOK_EXIT, last);
	while (n--)	/* highest index first: the others stay valid */
		fifo_take(tk->cni, &tk->ncni, sizeof(tk->cni[0]), idx[n]);
}

/* "/var/run/x" and "/run/x" are one path (containerd mounts under the
 * first, unmounts the second). */
static const char *run_path(const char *path)
{
	return strncmp(path, "/var/run/", 9) ? path : path + 4;
}

/* containerd's netns for a sandbox to come: "/proc/PID/task/TID/ns/net"
 * bind-mounted on .../netns/cni-<random> (no id in either). */
static void cri_netns_mount(struct ct_tracker *tk, const char *src,
			    const char *target, uint32_t pid)
{
	struct cri_netns *n;

	if (strncmp(src, "/proc/", 6) || !strstr(src, "/task/") ||
	    !strstr(src, "/ns/net") || !strstr(target, "/netns/cni-"))
		return;
	fifo_make_room(tk->netns, &tk->nnetns, sizeof(tk->netns[0]));
	n = &tk->netns[tk->nnetns++];
	n->pid = pid;
	snprintf(n->target, sizeof(n->target), "%s", run_path(target));
}

/* The netns mount of s: the one on its ADD's CNI_NETNS; in a recording
 * made before CT_EV_CNI_ENV, the oldest of its containerd. */
static void cri_claim_netns(struct ct_tracker *tk, struct cstate *s,
			    const char *netns)
{
	for (size_t i = 0; i < tk->nnetns; i++) {
		const struct cri_netns *m = &tk->netns[i];

		if (netns[0] ? strcmp(m->target, run_path(netns)) :
			       tk->cni_env_seen || m->pid != s->engine_pid)
			continue;
		snprintf(s->netns_target, sizeof(s->netns_target), "%s",
			 m->target);
		s->netns_mounted = true;
		fifo_take(tk->netns, &tk->nnetns, sizeof(tk->netns[0]), i);
		return;
	}
}

/*
 * CRI hook at a runtime's create: the pod's shim (the parent, holding
 * the sandbox's id) creates either the sandbox itself, which takes its
 * pending netns and ADD, or an app container of that pod.
 */
/*
 * A sandbox's netns is mounted before any exec that attaches the hooks
 * (kubelet asks over a socket; the CNI plugins and the shim come after):
 * with no mount seen and the hooks attached less than this before its
 * runtime, the mount may have been missed (hostNetwork pods have none).
 */
#define CRI_NETNS_BEFORE_NS	(2 * 1000000000ull)

static void cri_create_hook(struct ct_tracker *tk, struct cstate *s,
			    const struct ct_proc *parent, uint64_t ts)
{
	char netns[CT_PATH_MAX] = "";

	if (s->c.engine != CT_ENG_CRI || !parent ||
	    parent->role != CT_ROLE_SHIM || !parent->id[0] ||
	    s->c.is_pod || s->c.pod[0])
		return;
	if (strcmp(parent->id, s->c.id)) {
		snprintf(s->c.pod, sizeof(s->c.pod), "%s", parent->id);
		return;
	}
	s->c.is_pod = true;
	cri_claim_add(tk, s, netns, sizeof(netns));
	cri_claim_netns(tk, s, netns);
	if (!s->netns_mounted && tk->armed_since &&
	    ts < tk->armed_since + CRI_NETNS_BEFORE_NS)
		mark_unarmed(tk, s);
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
	struct cstate *pod = find_proc(tk, p);

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
	    !strcmp(id, pod->c.id) || find(tk, id))
		return;
	s = get_or_create(tk, id);
	if (!s)
		return;
	s->c.engine = CT_ENG_CRI;
	snprintf(s->c.pod, sizeof(s->c.pod), "%s", pod->c.id);
	fire(tk, s, CT_TR_TASK_REQUEST,
	     wall(tk, m->start_ns && m->start_ns <= m->hdr.ts_ns ?
			     m->start_ns : m->hdr.ts_ns));
	check_done(tk, s);
}

/* The same without the mount: the runtime's create by a pod's shim. */
static void cri_app_create(struct ct_tracker *tk, struct cstate *s,
			   const struct ct_proc *parent)
{
	if (s->c.engine == CT_ENG_UNKNOWN && cri_pod_of(tk, parent) &&
	    strcmp(parent->id, s->c.id))
		s->c.engine = CT_ENG_CRI;
}

/* An app container's program began: its pod's cold start lasts until
 * the last one does. */
static void cri_app_started(struct ct_tracker *tk, const struct cstate *s,
			    uint64_t t)
{
	struct cstate *pod = s->c.pod[0] ? find(tk, s->c.pod) : NULL;

	if (pod && pod->c.is_pod && t > pod->c.pod_ready_ns)
		pod->c.pod_ready_ns = t;
}

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
	fire(tk, s, CT_TR_SHIM_START, t);
}

/* Podman's conmon names the container and podman's name for it. */
static void on_monitor(struct ct_tracker *tk, struct cstate *s,
		       const struct ct_class *cl, uint64_t t)
{
	s->c.engine = cl->engine;
	if (cl->name[0] && !s->c.name[0])
		snprintf(s->c.name, sizeof(s->c.name), "%s", cl->name);
	fire(tk, s, CT_TR_MONITOR_EXEC, t);
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
		return CT_ENG_PODMAN;
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

/*
 * Podman 5's `podman run --rm` (and start) runs `<rt> delete` itself and
 * removes the container before it returns, while conmon's `podman
 * container cleanup` may still be running: that client's exit, not
 * conmon's, ends the container (remover_exit()).  A cleanup or an rm
 * that is a process of the container is not such a client.
 */
static void note_remover(struct ct_tracker *tk, struct cstate *s,
			 uint32_t ppid)
{
	struct ct_proc *pp = ct_proc_get(tk->procs, ppid);

	if (pp && pp->own && pp->role == CT_ROLE_ENGINE_CMD &&
	    (pp->cmd == CT_CMD_RUN || pp->cmd == CT_CMD_START) &&
	    find_proc(tk, pp) != s)
		s->remover_pid = ppid;
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
		cri_app_create(tk, s, parent_like);
		if (s->c.engine == CT_ENG_UNKNOWN)
			s->c.engine = launcher_engine(cl, parent_like);
		if (!s->host_mntns)
			s->host_mntns = h->mntns;
		if (!s->rt_key)
			s->rt_key = key_of(tk, h);
		judge_create(tk, s, h->ts_ns);
		fire(tk, s, CT_TR_RT_CREATE, t);
		cri_create_hook(tk, s, parent_like, h->ts_ns);
		break;
	case CT_CMD_START:
		if (!ct_has_phase(&s->c, CT_PH_CREATE))
			break;
		fire(tk, s, CT_TR_RT_START, t);
		runsc_start_hook(s);
		break;
	case CT_CMD_DELETE:
		fire(tk, s, CT_TR_RT_DELETE, t);
		note_remover(tk, s, h->ppid);
		break;
	default:
		break;
	}
}

/*
 * argv block (NUL separated) -> "a0 a1 ..." in out, cut to fit.  True
 * if something was cut (trailing separators do not count).
 */
static bool join_args(char *out, size_t len, const char *args, size_t n)
{
	size_t o = 0, i;

	for (i = 0; i < n && o + 1 < len; i++)
		out[o++] = args[i] ? args[i] : ' ';
	while (i < n && !args[i])
		i++;
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = 0;
	return i < n;
}

/* The container's program begins: runc/crun pid 1's exec, or the first
 * runsc stub. */
static void user_begins(struct ct_tracker *tk, struct cstate *s,
			uint32_t pid, const struct ct_hdr *h, uint64_t t)
{
	judge_final(tk, s);
	s->user_seen = true;
	s->start_pending = false;
	s->c.init_pid = pid;
	set_key(tk, s, h);
	fire(tk, s, CT_TR_USER_EXEC, t);
	cri_app_started(tk, s, t);
}

/* A process below runc init / crun create that execs something that is
 * not a hook, in another mount namespace than the runtime: the user's
 * program (the first one is pid 1). */
static bool is_user_exec(const struct cstate *s, const struct ct_proc *p,
			 const struct ct_class *cl, const struct ct_hdr *h)
{
	if (!s || p->own || cl->role != CT_ROLE_NONE)
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
		judge_next_exec(tk, s, h->ts_ns);
		break;
	case CT_ROLE_SANDBOX:
		judge_next_exec(tk, s, h->ts_ns);
		s->c.runtime = CT_RT_RUNSC;
		if (!s->sandbox_pid)
			s->sandbox_pid = p->pid;
		break;
	case CT_ROLE_HOOK_SETKEY:
	case CT_ROLE_CNI:
		if (s->c.engine == CT_ENG_UNKNOWN)
			s->c.engine = cl->engine;
		fire(tk, s, CT_TR_HOOK_EXEC, t);
		break;
	case CT_ROLE_HYPERVISOR:
		s->c.runtime = CT_RT_KATA;
		s->hyp_pid = p->pid;
		fire(tk, s, CT_TR_HYP_EXEC, t);
		break;
	default:
		break;
	}
}

static void on_exec(struct ct_tracker *tk, const struct ct_exec *x)
{
	const struct ct_hdr *h = &x->hdr;
	uint64_t t = wall(tk, h->ts_ns);
	char fname[CT_FNAME_MAX];
	size_t alen = x->args_len < CT_ARGS_MAX ? x->args_len : CT_ARGS_MAX;
	struct ct_proc *p = ct_proc_get(tk->procs, h->pid), old = { 0 };
	struct ct_class cl;
	struct cstate *s;

	/* inside a container everything is the user's business */
	if (p && p->role == CT_ROLE_USER)
		return;
	ct_copy_str(fname, sizeof(fname), x->filename, CT_FNAME_MAX);
	if (ct_classify(fname, x->args, alen, &cl))
		return;
	if (p) {
		old = *p;
		s = find_proc(tk, p);
		if (is_user_exec(s, p, &cl, h)) {
			unaccount(tk, p);
			p->role = CT_ROLE_USER;
			account(tk, p);
			if (!s->user_seen) {
				s->c.cmd_truncated =
					join_args(s->c.cmd, sizeof(s->c.cmd),
						  x->args, alen) ||
					x->args_truncated;
				user_begins(tk, s, h->pid, h, t);
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
	unaccount(tk, p);
	ct_proc_set_class(p, &cl);
	p->ppid = h->ppid;
	ct_copy_str(p->exe, sizeof(p->exe), x->args, alen);
	s = cl.creates ? get_or_create(tk, p->id) : find(tk, p->id);
	if (!s) {
		if (cl.role == CT_ROLE_CNI)
			cri_cni_exec(tk, p, h, t);
		return;
	}
	account(tk, p);
	apply_exec(tk, s, &cl, old.pid ? &old : NULL, p, h, t);
	check_done(tk, s);
}

/* --- containers begun before the session (CT_EV_ADOPT, adopt.h) ---------- */

/* Its program runs from the adoption on: seen from the middle. */
static void adopt_running(struct ct_tracker *tk, struct cstate *s,
			  uint32_t pid, uint64_t t)
{
	s->user_seen = true;
	s->c.init_pid = pid;
	fire(tk, s, CT_TR_USER_EXEC, t);
}

/* A container's pid 1: the child of its adopted shim or monitor. */
static void adopt_pid1(struct ct_tracker *tk, const struct ct_exec *x,
		       size_t alen, uint64_t t)
{
	struct ct_proc *pp = ct_proc_get(tk->procs, x->hdr.ppid), *p;
	struct cstate *s = find_proc(tk, pp);

	if (!s || !s->c.partial || s->user_seen ||
	    (pp->role != CT_ROLE_SHIM && pp->role != CT_ROLE_MONITOR))
		return;
	p = ct_proc_add(tk->procs, x->hdr.pid);
	if (!p)
		return;
	p->role = CT_ROLE_USER;
	p->ppid = x->hdr.ppid;
	ct_copy_str(p->id, sizeof(p->id), s->c.id, sizeof(s->c.id));
	ct_copy_str(p->exe, sizeof(p->exe), x->args, alen);
	account(tk, p);
	s->c.cmd_truncated = join_args(s->c.cmd, sizeof(s->c.cmd), x->args,
				       alen) || x->args_truncated;
	adopt_running(tk, s, p->pid, t);
	check_done(tk, s);
}

/* Its container, made partial when the adoption makes it; NULL for a
 * container this session saw begin. */
static struct cstate *adopted(struct ct_tracker *tk, const char *id)
{
	struct cstate *s = find(tk, id);

	if (s)
		return s->c.partial ? s : NULL;
	s = get_or_create(tk, id);
	if (s) {
		s->c.partial = true;
		tk->st.adopted++;
	}
	return s;
}

static void on_adopt(struct ct_tracker *tk, const struct ct_exec *x)
{
	size_t alen = x->args_len < CT_ARGS_MAX ? x->args_len : CT_ARGS_MAX;
	uint64_t t = wall(tk, x->hdr.ts_ns);
	char fname[CT_FNAME_MAX];
	struct ct_class cl;
	struct ct_proc *p;
	struct cstate *s;

	if (ct_proc_get(tk->procs, x->hdr.pid))	/* its exec was seen */
		return;
	ct_copy_str(fname, sizeof(fname), x->filename, CT_FNAME_MAX);
	if (ct_classify(fname, x->args, alen, &cl))
		return;
	if (cl.role == CT_ROLE_NONE) {
		adopt_pid1(tk, x, alen, t);
		return;
	}
	if (!cl.id[0] || (cl.role != CT_ROLE_SHIM &&
			  cl.role != CT_ROLE_MONITOR &&
			  cl.role != CT_ROLE_SANDBOX && cl.role != CT_ROLE_GOFER))
		return;
	s = adopted(tk, cl.id);
	p = s ? ct_proc_add(tk->procs, x->hdr.pid) : NULL;
	if (!p)
		return;
	ct_proc_set_class(p, &cl);
	p->ppid = x->hdr.ppid;
	ct_copy_str(p->exe, sizeof(p->exe), x->args, alen);
	account(tk, p);
	if (cl.engine != CT_ENG_UNKNOWN)
		s->c.engine = cl.engine;
	if (cl.runtime != CT_RT_UNKNOWN && s->c.runtime != CT_RT_RUNSC)
		s->c.runtime = cl.runtime;
	if (cl.name[0] && !s->c.name[0])
		ct_copy_str(s->c.name, sizeof(s->c.name), cl.name,
			    sizeof(cl.name));
	if (cl.role == CT_ROLE_SANDBOX) {
		s->c.runtime = CT_RT_RUNSC;
		s->sandbox_pid = p->pid;
		adopt_running(tk, s, p->pid, t);
	} else if (cl.role == CT_ROLE_GOFER) {
		s->c.runtime = CT_RT_RUNSC;
	}
	check_done(tk, s);
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
	uint64_t t = wall(tk, h->ts_ns);
	struct ct_proc *pp = ct_proc_get(tk->procs, h->pid), *c;
	struct cstate *s;

	c = ct_proc_get(tk->procs, f->child_pid);
	if (c) {	/* pid reused: the old exit was lost */
		unaccount(tk, c);
		ct_proc_del(tk->procs, f->child_pid);
	}
	c = ct_proc_fork(tk->procs, h->pid, f->child_pid);
	if (!c)
		return;
	ct_copy_str(c->exe, sizeof(c->exe), f->child_comm, CT_COMM_LEN);
	account(tk, c);
	s = find_proc(tk, c);
	if (!s)
		return;
	if (runsc_stub_hook(s, pp))
		user_begins(tk, s, f->child_pid, h, t);
	/* qemu -daemonize forks twice; the grandchild is the VM */
	if (s->hyp_pid && (h->pid == s->hyp_pid || h->pid == s->hyp_child))
		s->hyp_child = f->child_pid;
	check_done(tk, s);
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

	if (c && c->pid != s->hyp_pid && find_proc(tk, c) == s) {
		s->hyp_pid = c->pid;
		s->hyp_child = 0;
		return;
	}
	s->hyp_pid = 0;
	fire(tk, s, CT_TR_VM_EXIT, t);
}

static void exit_phases(struct ct_tracker *tk, struct cstate *s,
			const struct ct_proc *p, int32_t status, uint64_t t)
{
	bool runsc = s->c.runtime == CT_RT_RUNSC;

	if (p->pid == (runsc ? s->sandbox_pid : s->c.init_pid) &&
	    s->user_seen && ph_open(s, CT_PH_RUN)) {
		set_exit_code(s, status);
		fire(tk, s, CT_TR_PID1_EXIT, t);
	}
	/*
	 * The shim outlives the program (it reports its exit): gone while it
	 * runs, it was killed or crashed, and what comes next (the engine's
	 * cleanup killing pid 1) is no end of the program's own.
	 */
	if (p->role == CT_ROLE_SHIM && s->user_seen && ph_open(s, CT_PH_RUN) &&
	    !s->c.shim_lost) {
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
		fire(tk, s, CT_TR_RT_CREATE_EXIT, t);
	if ((p->acct & ACCT_HOOK) && !s->nhook)
		fire(tk, s, CT_TR_HOOK_EXIT, t);
	fire(tk, s, CT_TR_PROC_EXIT, t);
}

/* The client that removed a container returned: destroy lasts until
 * then and the record ends there; what conmon still runs for it (its
 * cleanup command) no longer is the container's. */
static void remover_exit(struct ct_tracker *tk, uint32_t pid, uint64_t t)
{
	for (size_t i = 0; i < tk->n; i++) {
		struct cstate *s = tk->cts[i];
		uint32_t gen = s->gen;
		bool held = s->live;

		if (s->remover_pid != pid ||
		    !ct_has_phase(&s->c, CT_PH_DESTROY))
			continue;
		fire(tk, s, CT_TR_REMOVER_EXIT, t);
		emit_at(tk, i, true);
		if (held)
			ct_proc_sweep(tk->procs, of_gen, &gen);
		return;
	}
}

static void on_exit_ev(struct ct_tracker *tk, const struct ct_exit *x)
{
	uint64_t t = wall(tk, x->hdr.ts_ns);
	struct ct_proc *p = ct_proc_get(tk->procs, x->hdr.pid);
	struct cstate *s = find_proc(tk, p);
	uint8_t acct;

	if (!p)
		return;
	acct = p->acct;
	unaccount(tk, p);
	if (s) {
		p->acct = acct;	/* exit_phases reads what it held */
		exit_phases(tk, s, p, x->exit_code, t);
		check_done(tk, s);
	} else if (p->role == CT_ROLE_CNI) {
		cri_cni_exit(tk, p->pid, t);
	} else if (p->role == CT_ROLE_ENGINE_CMD) {
		remover_exit(tk, p->pid, t);
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
	struct cstate *s = find_proc(tk, p);

	/* own: virtiofsd inherits the shim's role but is not the shim */
	if (!s || p->role != CT_ROLE_SHIM || !p->own || c->ret != 0 ||
	    s->c.runtime != CT_RT_KATA || !s->hyp_pid)
		return;
	fire(tk, s, CT_TR_AGENT_CONNECT, wall(tk, c->hdr.ts_ns));
	check_done(tk, s);
}

/* --- dockerd's removal (CT_EV_RMDIR) -------------------------------------- */

/*
 * dockerd begins a removal by releasing the read-write layer: its first
 * act is an umount2 of `overlay2/<mount id>` itself (at the container's
 * exit it unmounts `<mount id>/merged` only), then it removes the
 * layer's tree, which names nobody and may take long (one rmdir per
 * directory the container made), then `layerdb/mounts/<id>` and
 * `containers/<id>`.  Hold the record until those come.
 */
static void removal_begins(struct ct_tracker *tk, struct cstate *s)
{
	s->removing = true;
	s->hold_until = tk->now + REMOVAL_MAX_NS;
}

static uint64_t open_first_ns(const struct ct_container *c);

/* "--rm" or "--rm=true" among a client's arguments. */
static bool asks_removal(const struct ct_client *cl)
{
	struct ct_argv v;

	ct_argv_split(cl->args, cl->args_len, &v);
	for (int i = 1; i < v.argc; i++)
		if (!strcmp(v.argv[i], "--rm") ||
		    !strcmp(v.argv[i], "--rm=true"))
			return true;
	return false;
}

/*
 * Its last process is gone.  A `docker run --rm` (its client, matched
 * as at emission) is removed by dockerd next, but on a loaded host the
 * removal may begin later than the grace (255 ms seen, six at once):
 * hold the record for it from now on.  An argument --rm of the program
 * itself holds it for nothing: REMOVAL_MAX_NS, then complete.
 */
static void removal_expected(struct ct_tracker *tk, struct cstate *s)
{
	uint64_t saved = s->c.first_ns;
	struct ct_client cl;
	bool rm;

	if (s->c.engine != CT_ENG_DOCKER || s->removing)
		return;
	s->c.first_ns = open_first_ns(&s->c);	/* what matching reads */
	rm = ct_clients_match(tk->clients, &s->c, &cl) == CT_CLIENT_EXACT &&
	     asks_removal(&cl);
	s->c.first_ns = saved;
	if (rm)
		s->hold_until = tk->now + REMOVAL_MAX_NS;
}

/* The layer's mount id (CT_EV_MOUNTID, read by names.c when the
 * container appeared): what names the start of its removal. */
static void on_mount_id(struct ct_tracker *tk, const struct ct_name_rec *r)
{
	char id[CT_NAME_ID_LEN];
	struct cstate *s;

	ct_copy_str(id, sizeof(id), r->id, sizeof(r->id));
	s = find(tk, id);
	if (s)
		ct_copy_str(s->mount_id, sizeof(s->mount_id), r->name,
			    sizeof(r->name));
}

/*
 * The directory's own name is the container's id (`containers/<id>`,
 * `layerdb/mounts/<id>`, `exec/containerd/<id>`): exact, whatever
 * else dockerd removes at the same time.  A container no longer
 * followed (removed long after its end, `docker rm` minutes later) is
 * nobody's: its record is out.
 */
static void on_rmdir(struct ct_tracker *tk, const struct ct_mkdir *m)
{
	char path[CT_PATH_MAX];
	struct cstate *s;

	ct_copy_str(path, sizeof(path), m->path, CT_PATH_MAX);
	s = find(tk, ct_basename(path));
	if (!s)
		return;
	fire(tk, s, CT_TR_ID_RMDIR, wall(tk, m->hdr.ts_ns));
	/* layerdb/mounts/<id>: containers/<id> follows within the grace;
	 * before the removal, <exec-root>/containerd/<id> ends nothing */
	if (s->removing)
		s->hold_until = tk->now + GRACE_NS;
}

/* --- mounts ------------------------------------------------------------- */

/* "/proc/PID/ns/net" -> PID, else 0. */
static uint32_t netns_source_pid(const char *src)
{
	unsigned long pid;
	char *end;

	if (strncmp(src, "/proc/", 6))
		return 0;
	pid = strtoul(src + 6, &end, 10);
	if (end == src + 6 || strcmp(end, "/ns/net") || pid > UINT32_MAX)
		return 0;
	return (uint32_t)pid;
}

/* The only container with a network hook running, if exactly one. */
static struct cstate *sole_connecting(struct ct_tracker *tk)
{
	struct cstate *found = NULL;

	for (size_t i = 0; i < tk->n; i++) {
		if (!ph_open(tk->cts[i], CT_PH_CONNECT))
			continue;
		if (found)
			return NULL;
		found = tk->cts[i];
	}
	return found;
}

/*
 * Docker 28 runs no network hook: once the runtime's create has
 * returned, dockerd bind-mounts /proc/<pid 1>/ns/net itself, sets up the
 * container's networks and only then asks for start.  That mount, whose
 * source names the container's pid 1, says the time from create's end
 * to start was the engine connecting it (docs/phases.md "netns mount").
 */
static void engine_netns_mount(struct ct_tracker *tk, struct cstate *s)
{
	const struct ct_interval *cr = &s->c.phases[CT_PH_CREATE];

	if (ct_has_phase(&s->c, CT_PH_CREATE) && cr->end_ns &&
	    !ct_has_phase(&s->c, CT_PH_START))
		fire(tk, s, CT_TR_NETNS_MOUNT, cr->end_ns);
}

static void on_mount(struct ct_tracker *tk, const struct ct_mount *m,
		     const char *src, const char *target)
{
	uint32_t pid = netns_source_pid(src);
	struct ct_proc *p;
	struct cstate *s;

	if (m->ret != 0)
		return;
	cri_netns_mount(tk, src, target, m->hdr.pid);
	cri_app_rootfs(tk, m, target);
	if (!pid)
		return;
	p = ct_proc_get(tk->procs, pid);
	s = find_proc(tk, p);
	/* guess only for a source we know nothing about */
	if (!s && (!p || !p->id[0]))
		s = sole_connecting(tk);
	if (!s || s->netns_mounted)
		return;
	snprintf(s->netns_target, sizeof(s->netns_target), "%s", target);
	s->netns_mounted = true;
	engine_netns_mount(tk, s);
}

static void on_umount(struct ct_tracker *tk, const struct ct_mount *m,
		      const char *target)
{
	uint64_t t = wall(tk, m->hdr.ts_ns);
	uint64_t t0 = m->start_ns && m->start_ns <= m->hdr.ts_ns ?
			      wall(tk, m->start_ns) : t;

	for (size_t i = 0; i < tk->n; i++) {
		struct cstate *s = tk->cts[i];

		if (s->netns_mounted && !s->netns_unmounted &&
		    !strcmp(run_path(target), run_path(s->netns_target))) {
			fire(tk, s, CT_TR_NETNS_UMOUNT_ENTER, t0);
			fire(tk, s, CT_TR_NETNS_UMOUNT_EXIT, t);
			s->netns_unmounted = true;
			check_done(tk, s);
		} else if (strstr(target, s->c.id)) {
			fire(tk, s, CT_TR_ID_UMOUNT, t);
		} else if (s->mount_id[0] &&
			   !strcmp(ct_basename(target), s->mount_id)) {
			removal_begins(tk, s);
		}
	}
}

static void on_mount_ev(struct ct_tracker *tk, const struct ct_mount *m)
{
	char src[CT_PATH_MAX], target[CT_PATH_MAX];

	ct_copy_str(src, sizeof(src), m->source, CT_PATH_MAX);
	ct_copy_str(target, sizeof(target), m->target, CT_PATH_MAX);
	if (m->hdr.type == CT_EV_MOUNT)
		on_mount(tk, m, src, target);
	else
		on_umount(tk, m, target);
}

/* --- API ---------------------------------------------------------------- */

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
	tk->clients = ct_clients_new(tk->o.mono_to_real_ns);
	if (!tk->cts || !tk->bucket || !tk->procs || !tk->clients) {
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
	free(tk);
}

/* Names come from a file too: both strings are cut to their fields. */
static void on_name(struct ct_tracker *tk, const struct ct_name_rec *r)
{
	char id[CT_NAME_ID_LEN];
	struct cstate *s;

	ct_copy_str(id, sizeof(id), r->id, sizeof(r->id));
	s = find(tk, id);
	if (s)
		ct_copy_str(s->c.name, sizeof(s->c.name), r->name,
			    sizeof(r->name));
}

int ct_tracker_feed(struct ct_tracker *tk, const void *rec, size_t len)
{
	const struct ct_hdr *h = rec;

	if (!tk)
		return -EINVAL;
	if (ct_rec_check(rec, len)) {
		tk->st.malformed++;
		return -EINVAL;
	}
	if (h->type != CT_EV_LOST && h->type != CT_EV_END &&
	    h->ts_ns > tk->now)
		tk->now = h->ts_ns;
	/* first let finished containers go, so that a new container reusing
	 * an id (ctr run ... ctr1, twice) starts a record of its own */
	reap(tk);
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
		on_mount_ev(tk, rec);
		break;
	case CT_EV_CONNECT:
		on_connect(tk, rec);
		break;
	case CT_EV_CNI_ENV:
		on_cni_env(tk, rec);
		break;
	case CT_EV_RMDIR:
		on_rmdir(tk, rec);
		break;
	case CT_EV_LOST: {
		const struct ct_lost *l = rec;

		if (l->lost > tk->st.lost_events)
			tk->st.lost_events = l->lost;
		break;
	}
	case CT_EV_NAME:
		on_name(tk, rec);
		break;
	case CT_EV_MOUNTID:
		on_mount_id(tk, rec);
		break;
	case CT_EV_ARM:
		on_arm(tk, rec);
		break;
	case CT_EV_ADOPT:
		on_adopt(tk, rec);
		break;
	default:	/* CT_EV_END, CT_EV_OPENS, newer types: not ours */
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
	reap(tk);
}

void ct_tracker_flush(struct ct_tracker *tk)
{
	if (!tk)
		return;
	while (tk->n) {
		struct cstate *s = tk->cts[tk->n - 1];

		tk->st.partial_running += adopted_idle(s);	/* kept */
		emit_at(tk, tk->n - 1, s->done_mono != 0);
	}
}

/* Earliest phase start of a container still open (first_ns is set at
 * emission only); UINT64_MAX if no phase began. */
static uint64_t open_first_ns(const struct ct_container *c)
{
	uint64_t first = UINT64_MAX;

	for (int p = 0; p < CT_PH_MAX; p++)
		if (ct_has_phase(c, p) && c->phases[p].start_ns < first)
			first = c->phases[p].start_ns;
	return first;
}

size_t ct_tracker_pending_since(const struct ct_tracker *tk, uint64_t since_ns)
{
	size_t n = 0;

	for (size_t i = 0; tk && i < tk->n; i++) {
		uint64_t first = open_first_ns(&tk->cts[i]->c);

		/* an adopted container waits for nobody until it ends */
		n += first != UINT64_MAX && first >= since_ns &&
		     id_wanted(tk, tk->cts[i]) && !adopted_idle(tk->cts[i]);
	}
	return n;
}

size_t ct_tracker_pending(const struct ct_tracker *tk)
{
	return ct_tracker_pending_since(tk, 0);
}

static bool ph_ended(const struct ct_container *c, enum ct_phase p)
{
	return ct_has_phase(c, p) && c->phases[p].end_ns;
}

/*
 * When c's program began (wall), 0 while unknown: its run's start (the
 * end of start where there is one; `runc run` has none), or for Kata,
 * whose program runs unseen in its guest, the end of create.
 */
static uint64_t program_began(const struct ct_container *c)
{
	if (ct_has_phase(c, CT_PH_RUN) && c->phases[CT_PH_RUN].start_ns)
		return c->phases[CT_PH_RUN].start_ns;
	return ph_ended(c, CT_PH_CREATE) ? c->phases[CT_PH_CREATE].end_ns : 0;
}

/*
 * Whether s needs the syscall hooks at wall time t: until its ready
 * phase ends (or, without one, settle_ns after its program began), and
 * again from its die (`runc run`: its destroy) on.  An adopted container
 * needs them only for its end.
 */
static bool in_window(const struct cstate *s, uint64_t t, uint64_t settle_ns,
		      ct_ready_fn ready, const void *ctx)
{
	const struct ct_container *c = &s->c;
	uint64_t began = program_began(c);

	if (adopted_idle(s))
		return false;
	if (ct_has_phase(c, CT_PH_DIE) || ct_has_phase(c, CT_PH_DESTROY))
		return true;
	if (ph_ended(c, CT_PH_READY) || (ready && ready(ctx, c)))
		return false;
	return !began || t < began + settle_ns;
}

size_t ct_tracker_busy(const struct ct_tracker *tk, uint64_t now_mono_ns,
		       uint64_t settle_ns, ct_ready_fn ready, const void *ctx)
{
	size_t n = 0;

	for (size_t i = 0; tk && i < tk->n; i++)
		n += id_wanted(tk, tk->cts[i]) &&
		     in_window(tk->cts[i], wall(tk, now_mono_ns), settle_ns,
			       ready, ctx);
	return n;
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
		out->partial_running += adopted_idle(tk->cts[i]);
}
