// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tracker's core: what every part of it shares, and nothing of the
 * parts.  The containers followed (the id hash, found by id or by a
 * process), transitions fired into their family's table, wall time,
 * the cgroup key, which processes count for a container, the filter,
 * and the few facts several parts decide on: a program's beginning, a
 * container done, its verdict of the syscall hooks; and its exact
 * client, which the engines' done hooks ask, so that what the core
 * calls through ct_engines[] needs the core only.  The parts
 * (tracker_{emit,mount,arm,adopt,restore}.c) use it only; tracker_feed.c
 * feeds them a record at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine_api.h"
#include "phases.h"
#include "proc.h"
#include "tracker_api.h"
#include "util.h"

/* --- containers ----------------------------------------------------------- */

uint64_t tk_wall(const struct ct_tracker *tk, uint64_t mono)
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

struct cstate *tk_find(struct ct_tracker *tk, const char *id)
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

void tk_hash_del(struct ct_tracker *tk, struct cstate *s)
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

struct cstate *tk_find_proc(struct ct_tracker *tk, const struct ct_proc *p)
{
	struct cstate *s = p ? tk_find(tk, p->id) : NULL;

	return s && s->gen == p->gen ? s : NULL;
}

struct cstate *tk_find_named(struct ct_tracker *tk, const char *id,
			     size_t cap)
{
	char buf[CT_NAME_ID_LEN];

	ct_copy_str(buf, sizeof(buf), id, cap);
	return tk_find(tk, buf);
}

struct cstate *tk_new(struct ct_tracker *tk, const char *id)
{
	struct cstate *s;

	if (!id[0])
		return NULL;
	s = make_room(tk) ? calloc(1, sizeof(*s)) : NULL;
	if (!s) {
		tk->st.dropped_containers++;
		return NULL;
	}
	snprintf(s->c.id, sizeof(s->c.id), "%s", id);
	s->gen = ++tk->next_gen;
	s->lost_before = tk->st.lost_events;
	tk->cts[tk->n++] = s;
	hash_add(tk, s);
	if (tk->o.on_new)
		tk->o.on_new(&s->c, tk->o.ctx);
	return s;
}

/* --- phases --------------------------------------------------------------- */

/* A transition happened to s at t: its family's table moves the phases. */
void tk_fire(struct ct_tracker *tk, struct cstate *s, enum ct_transition tr,
	     uint64_t t)
{
	ct_phases_apply(&s->c, ct_family_of(s->c.engine, s->c.runtime), tr, t,
			tk->o.on_rule, tk->o.ctx);
}

bool tk_ph_open(const struct cstate *s, enum ct_phase p)
{
	return ct_has_phase(&s->c, p) && !s->c.phases[p].end_ns;
}

/* Earliest phase start of a container still open (first_ns is set at
 * emission only); UINT64_MAX if no phase began. */
uint64_t tk_open_first_ns(const struct ct_container *c)
{
	uint64_t first = UINT64_MAX;

	for (int p = 0; p < CT_PH_MAX; p++)
		if (ct_has_phase(c, p) && c->phases[p].start_ns < first)
			first = c->phases[p].start_ns;
	return first;
}

/* Matched as at emission (tracker_emit.c), while s is followed: what an
 * engine's done hook asks (who will remove it). */
bool tk_exact_client(struct ct_tracker *tk, struct cstate *s,
		     struct ct_client *cl)
{
	uint64_t saved = s->c.first_ns;
	bool exact;

	s->c.first_ns = tk_open_first_ns(&s->c);	/* what matching reads */
	exact = ct_clients_match(tk->clients, &s->c, cl) == CT_CLIENT_EXACT;
	s->c.first_ns = saved;
	return exact;
}

/* --- the cgroup key ------------------------------------------------------- */

uint64_t tk_key_of(const struct ct_tracker *tk, const struct ct_hdr *h)
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

void tk_set_key(struct ct_tracker *tk, struct cstate *s,
		const struct ct_hdr *h)
{
	s->c.cgroup_key = tk_key_of(tk, h);
	check_key(tk, s);
}

/* --- process accounting --------------------------------------------------- */

void tk_unaccount(struct ct_tracker *tk, struct ct_proc *p)
{
	struct cstate *s = tk_find_proc(tk, p);

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

void tk_account(struct ct_tracker *tk, struct ct_proc *p)
{
	struct cstate *s = tk_find(tk, p->id);

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

void tk_become_user(struct ct_tracker *tk, struct ct_proc *p)
{
	tk_unaccount(tk, p);
	p->role = CT_ROLE_USER;
	tk_account(tk, p);
}

/* --- what several parts decide -------------------------------------------- */

/*
 * argv block (NUL separated) -> "a0 a1 ..." in out, cut to fit.  True
 * if something was cut (trailing separators do not count).
 */
bool tk_join_args(char *out, size_t len, const char *args, size_t n)
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

/* The container's program begins: runc/crun pid 1's exec, the first
 * runsc stub, or a restored pid 1 let go by CRIU (no record of its own). */
void tk_user_begins(struct ct_tracker *tk, struct cstate *s, uint32_t pid,
		    const struct ct_hdr *h, uint64_t t)
{
	tk_judge_final(tk, s);
	s->user_seen = true;
	s->start_pending = false;
	s->c.init_pid = pid;
	if (h)
		tk_set_key(tk, s, h);
	tk_fire(tk, s, CT_TR_USER_EXEC, t);
	engines_call(tk, program_began, s, t);
}

/*
 * Done: destroyed, no process left, and its netns (when the engine
 * mounted one) unmounted.  A removal begun with the hooks detached
 * (tk_judge_removal()) may have had that umount before they came back:
 * it is waited for REMOVAL_WAIT_NS after the rest, then the record goes
 * without its disconnect, instead of expiring 10 minutes later as if its
 * processes had vanished unseen.
 */
void tk_check_done(struct ct_tracker *tk, struct cstate *s)
{
	s->last_mono = tk->now;
	bool umount_owed = s->netns_mounted && !s->netns_unmounted;
	bool done = ct_has_phase(&s->c, CT_PH_DESTROY) && !s->live &&
		    (!umount_owed || s->c.removal_unarmed);

	if (!done) {
		s->done_mono = 0;
	} else if (!s->done_mono) {
		s->done_mono = tk->now ? tk->now : 1;
		engines_call(tk, done, s);
	}
}

/* s began while the syscall hooks were detached (tracker_arm.c judges
 * when; an engine may too): counted once. */
void tk_mark_unarmed(struct ct_tracker *tk, struct cstate *s)
{
	if (s->c.unarmed)
		return;
	s->c.unarmed = true;
	tk->st.unarmed++;
}

/* Its program began, or it is emitted: still pending is unarmed. */
void tk_judge_final(struct ct_tracker *tk, struct cstate *s)
{
	if (s->unarmed_pending)
		tk_mark_unarmed(tk, s);
	s->unarmed_pending = false;
}

/*
 * The id filter (-c) applies at emission only: every container is
 * followed, so that one left out cannot have its events attributed to
 * another.  It takes an id prefix, a whole name (what `docker ps` shows;
 * a name cut to fit compares as far as it goes), or NAMESPACE/POD (a
 * Kubernetes pod: its sandbox and app containers) or NAMESPACE/ (all of
 * a namespace's).  unnamed_ok: a container not named yet counts (its
 * name may come after its start).
 */
bool tk_id_wanted(const struct ct_tracker *tk, const struct cstate *s,
		  bool unnamed_ok)
{
	size_t plen = strlen(tk->prefix);

	if (!plen || !strncmp(s->c.id, tk->prefix, plen))
		return true;
	if (strchr(tk->prefix, '/'))
		return ct_k8s_known(&s->c) ? ct_k8s_pod_is(&s->c, tk->prefix) :
		       unnamed_ok;
	if (!s->c.name[0])
		return unnamed_ok;
	return ct_name_same(tk->prefix, sizeof(tk->prefix), s->c.name);
}

/* Adopted at the start and nothing of it ended since: nothing seen. */
bool tk_adopted_idle(const struct cstate *s)
{
	return s->c.partial && !(s->c.phase_mask & ~(1u << CT_PH_RUN));
}
