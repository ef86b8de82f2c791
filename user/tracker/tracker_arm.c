// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tracker and the arming of the syscall hooks (user/kern/arm.h):
 * what the hooks saw of each container (CT_EV_ARM records: `unarmed`,
 * `opens.traced_until_ns`), and which containers need them now
 * (ct_tracker_busy(), asked by the arming policy).
 */
#include "engine_api.h"
#include "tracker_api.h"
#include "tracker_parts.h"

/* Every container followed now stops being traced whole at t. */
static void mark_untraced(struct ct_tracker *tk, uint64_t t)
{
	for (size_t i = 0; i < tk->n; i++)
		if (!tk->cts[i]->untraced_mono)
			tk->cts[i]->untraced_mono = t;
}

void tk_on_arm(struct ct_tracker *tk, const struct ct_arm_rec *r)
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

/*
 * At its runtime's create: what an engine did before (dockerd's mounts
 * and mkdirs, a client's connect) needs the hooks on by then.  A runtime
 * run by hand is itself the exec that attaches them: everything the
 * hooks read of its container comes after its next exec (runc init, the
 * runsc sandbox), so it is judged there; crun execs the program itself.
 * So is a CRI pod's or container's: kubelet asks over a socket, so the
 * first exec that attaches them is the shim's start, milliseconds before
 * the runtime's create, and what they read of it comes later (the netns
 * that containerd mounted before is named by the pod's ADD).
 */
void tk_judge_create(struct ct_tracker *tk, struct cstate *s, uint64_t ts)
{
	if (hooks_saw(tk, ts))
		return;
	if (ct_engine(s->c.engine)->judged_at_exec)
		s->unarmed_pending = true;
	else
		tk_mark_unarmed(tk, s);
}

/* The next exec of a runtime run by hand: was it seen with the hooks on? */
void tk_judge_next_exec(struct ct_tracker *tk, struct cstate *s, uint64_t ts)
{
	if (s->unarmed_pending && hooks_saw(tk, ts))
		s->unarmed_pending = false;
}

/*
 * Its pid 1 exited at ts (its removal begins): were the hooks on?  A
 * container needs them from its die on (in_window()), so they are
 * attached again at once, but an attach takes from a millisecond
 * (tp_btf) to seconds (fentry), and the engine's umounts may come first:
 * the record says so, and its netns umount is waited for only
 * REMOVAL_WAIT_NS (tk_check_done()), not until it expires.
 */
void tk_judge_removal(struct ct_tracker *tk, struct cstate *s, uint64_t ts)
{
	if (hooks_saw(tk, ts) || s->c.removal_unarmed)
		return;
	s->c.removal_unarmed = true;
	tk->st.removal_unarmed++;
}

static bool ph_ended(const struct ct_container *c, enum ct_phase p)
{
	return ct_has_phase(c, p) && c->phases[p].end_ns;
}

/*
 * When c's program began (tk_wall), 0 while unknown: its run's start (the
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

	if (tk_adopted_idle(s))
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
		n += tk_id_wanted(tk, tk->cts[i], true) &&
		     in_window(tk->cts[i], tk_wall(tk, now_mono_ns), settle_ns,
			       ready, ctx);
	return n;
}
