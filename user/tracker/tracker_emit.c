// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The end of a container's record (tracker_feed.c has the machine): when it
 * is done, how it ended (complete, failed), whether the filter wants it,
 * its client, then out through the tracker's callbacks, once; and the
 * records whose exit events were lost, expired.
 */
#include <stdlib.h>
#include <string.h>
#include "client.h"
#include "engine_api.h"
#include "proc.h"
#include "tracker.h"
#include "tracker_api.h"
#include "tracker_parts.h"

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
/*
 * How long a done container whose removal began with the hooks detached
 * waits for its netns umount (tk_check_done()): dockerd's comes within
 * milliseconds of the runtime's delete when the hooks see it.
 */
#define REMOVAL_WAIT_NS	(5 * 1000000000ull)

/*
 * A container that never ran its program: the runtime's create failed
 * (non-zero exit, init killed), it was torn down without a start, or
 * (runc, crun: the program's exec is always seen) started without the
 * program's exec; Kata: torn down before the agent answered.  runsc's
 * program may run unseen (--platform=kvm clones no stub): a started
 * runsc container is not called failed for that.  Such records stay out
 * of the cold-start statistics.  What is only missing (an exec, a start)
 * may be in records the ring buffer lost meanwhile: such a container is
 * incomplete (records_lost), not failed; a create seen to fail still is.
 */
static enum ct_failure failure(const struct cstate *s, bool complete)
{
	const struct ct_container *c = &s->c;

	if (s->create_failed)
		return CT_FAIL_CREATE;
	if (c->records_lost)
		return CT_FAIL_NONE;
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
	 * (its end is not the program's), or records lost while it was
	 * followed: never complete */
	c->complete = complete && !c->partial && !c->shim_lost &&
		      !c->records_lost;
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
	ct_steps_settle(c);
}

static bool wanted(const struct ct_tracker *tk, const struct cstate *s)
{
	uint32_t m = tk->o.filter.runtime_mask;
	uint32_t em = tk->o.filter.engine_mask;

	/* a runtime command alone (state, kill) is not a container */
	if (!s->c.phase_mask || !tk_id_wanted(tk, s, false))
		return false;
	if (em && !(em & (1u << s->c.engine)))
		return false;
	return !m || (m & (1u << s->c.runtime));
}

/* Its opens are not its own (a key that is not), or were never
 * followed (a restore): say why instead. */
static void unobservable_opens(struct ct_container *c)
{
	memset(&c->opens, 0, sizeof(c->opens));
	memset(&c->gofer_opens, 0, sizeof(c->gofer_opens));
	c->opens.unobservable = true;
	c->opens.bad_key = (uint8_t)c->bad_key;
	c->opens.restored = c->restore.is;
	c->n_slow = 0;
}

/* Its client if the records decide it; an ambiguous one is counted.
 * Its creator too: a container started by a later request than the one
 * that made it has its creation apart (prepare.h). */
static void set_client(struct ct_tracker *tk, struct ct_container *c)
{
	switch (ct_clients_match(tk->clients, c, &c->client)) {
	case CT_CLIENT_EXACT:
		c->has_client = true;
		break;
	case CT_CLIENT_AMBIGUOUS:
		c->client_ambiguous = true;
		tk->st.ambiguous_clients++;
		break;
	case CT_CLIENT_NONE:
		break;
	}
	if (!ct_clients_creator(tk->clients, c, &c->creator))
		memset(&c->creator, 0, sizeof(c->creator));
}

/*
 * Its opens were not all traced (tracker_arm.c's mark_untraced()): the
 * record says so.
 * A listen after that is still seen (TCP listens come from a hook that
 * is never detached: bpf/ready.bpf.h), but the open count it carries
 * stopped growing when the hooks left: no opens.before_ready then.
 */
static void untraced_opens(struct ct_tracker *tk, struct cstate *s)
{
	struct ct_opens *o = &s->c.opens;

	if (!s->untraced_mono || !o->valid)
		return;
	o->traced_until_ns = tk_wall(tk, s->untraced_mono);
	if (ct_has_phase(&s->c, CT_PH_READY) &&
	    s->c.phases[CT_PH_READY].end_ns > o->traced_until_ns)
		o->has_before_ready = false;
	tk->st.opens_cut++;
}

/* Emit (if it passes the filter) and forget cts[i]. */
void tk_emit_at(struct ct_tracker *tk, size_t i, bool complete)
{
	struct cstate *s = tk->cts[i];

	tk_judge_final(tk, s);
	s->c.records_lost = tk->st.lost_events > s->lost_before;
	finish_record(s, complete);
	if (tk_adopted_idle(s)) {
		/* gone unseen (expired) or still running at the end
		 * (ct_tracker_flush() counts it): no record to make */
	} else if (wanted(tk, s)) {
		tk->st.partial += s->c.partial;
		tk->st.records_lost += s->c.records_lost;
		/* before before_emit: prepare starts at an exact client; who
		 * asked for one begun before the session is not known */
		if (!s->c.partial)
			set_client(tk, &s->c);
		if (tk->o.before_emit)
			tk->o.before_emit(&s->c, tk->o.ctx);
		/* After before_emit: whatever it read under a key that is
		 * not the container's own is not the container's. */
		if (s->c.bad_key || !ct_followed_in_kernel(&s->c))
			unobservable_opens(&s->c);
		untraced_opens(tk, s);
		tk->st.prepare_missing += s->c.prepare_missing != CT_PREP_OK;
		if (tk->o.on_container)
			tk->o.on_container(&s->c, tk->o.ctx);
	} else if (s->c.phase_mask && tk->o.on_filtered) {
		tk->o.on_filtered(&s->c, tk->o.ctx);
	}
	tk_hash_del(tk, s);
	tk->cts[i] = tk->cts[--tk->n];
	free(s);
}

/* A done container whose id comes again (ctr run ... ctr1, twice) goes
 * out now, before its grace: the new one is a record of its own. */
struct cstate *tk_get_or_create(struct ct_tracker *tk, const char *id)
{
	struct cstate *s = tk_find(tk, id);

	if (s && s->done_mono) {	/* a new container, same id */
		for (size_t i = 0; i < tk->n; i++)
			if (tk->cts[i] == s)
				tk_emit_at(tk, i, true);
		s = NULL;
	}
	return s ? s : tk_new(tk, id);
}

/* Done, and the netns umount seen or waited for long enough. */
static bool umount_settled(const struct ct_tracker *tk, const struct cstate *s)
{
	return !s->netns_mounted || s->netns_unmounted ||
	       tk->now >= s->done_mono + REMOVAL_WAIT_NS;
}

/* --- expiry: containers whose exit events were lost --------------------- */

static bool stale(const struct ct_tracker *tk, const struct cstate *s)
{
	if (s->gone)
		return true;
	if (tk->now < s->last_mono + STALE_NS)
		return false;
	return !s->live || !tk_ph_open(s, CT_PH_RUN);
}

/* ct_proc_sweep() callback: processes of generation *ctx. */
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
	tk_emit_at(tk, i, false);
	if (held)
		ct_proc_sweep(tk->procs, of_gen, &gen);
}

/* ct_proc_sweep() callback: a process of a quiet container (or of none)
 * that no longer exists; its container is gone when it was the last. */
static bool proc_vanished(struct ct_proc *p, void *ctx)
{
	struct ct_tracker *tk = ctx;
	struct cstate *s = tk_find_proc(tk, p);

	if (s && (s->done_mono || tk->now < s->last_mono + SWEEP_NS))
		return false;
	if (tk->o.proc_alive(p->pid, tk->o.ctx))
		return false;
	tk_unaccount(tk, p);
	if (s && !s->live)
		s->gone = true;
	return true;
}

void tk_reap(struct ct_tracker *tk)
{
	if (tk->o.proc_alive && tk->now >= tk->next_sweep) {
		tk->next_sweep = tk->now + SWEEP_NS;
		ct_proc_sweep(tk->procs, proc_vanished, tk);
	}
	for (size_t i = 0; i < tk->n;) {
		struct cstate *s = tk->cts[i];

		if (s->done_mono && tk->now >= s->done_mono + GRACE_NS &&
		    tk->now >= s->hold_until && umount_settled(tk, s))
			tk_emit_at(tk, i, true);
		else if (!s->done_mono && stale(tk, s))
			expire_at(tk, i);
		else
			i++;
	}
}

void tk_remover_exit(struct ct_tracker *tk, uint32_t pid, uint64_t t)
{
	for (size_t i = 0; i < tk->n; i++) {
		struct cstate *s = tk->cts[i];
		uint32_t gen = s->gen;
		bool held = s->live;

		if (s->remover_pid != pid ||
		    !ct_has_phase(&s->c, CT_PH_DESTROY))
			continue;
		tk_fire(tk, s, CT_TR_REMOVER_EXIT, t);
		/* its last process gone before (ctr run --rm): the delete,
		 * then the client's removal (docs/phases.md "destroy's
		 * steps"); out after the grace, as any record (its lazy
		 * layers' fetched bytes want a sample after its reads) */
		if (s->done_mono) {
			ct_steps_first_act(&s->c, CT_PH_DESTROY,
					   CT_STEP_DELETE, CT_STEP_REMOVE,
					   tk_wall(tk, s->done_mono));
			s->hold_until = tk->now + GRACE_NS;
			return;
		}
		tk_emit_at(tk, i, true);
		if (held)
			ct_proc_sweep(tk->procs, of_gen, &gen);
		return;
	}
}
