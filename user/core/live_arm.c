// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A live session's syscall hooks, attached only while needed (arm.h,
 * docs/design.md): the ring buffer's reader sees the triggers, the
 * loop's turn detaches once idle.  See live.h.
 */
#include <stdio.h>

#include "arm.h"
#include "live.h"
#include "loader.h"
#include "report.h"
#include "sys_bpf.h"
#include "ufn_bpf.h"
#include "util.h"
#include "why_bpf.h"

/* Made here, fed to the session like any record (--record keeps it). */
static void arm_record(struct ct_live *ls, bool armed)
{
	uint32_t by = ls->arm.trigger_by;
	struct ct_arm_rec r;

	ct_arm_set(&ls->arm, armed, ct_mono_ns(), &r);
	ct_session_event(&ls->s, &r, sizeof(r));
	if (ls->s.cli->verbose && armed)
		fprintf(stderr, "sys: hooks attached %.3f ms after the %s "
			"that asked\n", (r.hdr.ts_ns - r.trigger_ns) / 1e6,
			by == CT_EV_PULL_CONNECT ? "registry connect" :
			by ? "exec" : "container");
	else if (ls->s.cli->verbose)
		fprintf(stderr, "sys: hooks detached (idle for %.0f s)\n",
			CT_ARM_IDLE_NS / 1e9);
}

/*
 * The engines' new daemons probed (ufn_bpf.h), at the start and once the
 * hooks are on; new probes said by a record (CT_UFN_PLACED): a hit's
 * absence means something only where the probes were there.
 */
void ct_live_ufn_attach(struct ct_live *ls)
{
	uint64_t t0 = ct_mono_ns();
	size_t n;

	if (!ls->ufn_bpf)
		return;
	n = ct_ufn_bpf_attach(ls->ufn_bpf);
	if (n > ls->ufn_probes) {
		struct ct_ufn r = { .fn = CT_UFN_PLACED };

		ct_rec_self_hdr(&r.hdr, CT_EV_UFN, sizeof(r), ct_mono_ns());
		ct_session_event(&ls->s, &r, sizeof(r));
	}
	ls->ufn_probes = n;
	if (ls->s.cli->verbose)
		fprintf(stderr, "ufn: %zu probes on the engines' functions (%.3f ms)\n",
			n, (ct_mono_ns() - t0) / 1e6);
}

static void arm_now(struct ct_live *ls)
{
	char err[CT_REPORT_ERRLEN];

	if (ct_sys_bpf_arm(ls->sys_bpf, err, sizeof(err))) {
		ct_report_err("%s: the session ends here", err);
		ls->arm_failed = true;
		return;
	}
	ct_loader_set_hooks_off(ls->l, false);
	arm_record(ls, true);
	ct_live_ufn_attach(ls);
}

static size_t busy_now(struct ct_live *ls)
{
	return ct_session_busy(&ls->s, ct_mono_ns(), CT_ARM_SETTLE_NS);
}

/* A container that needs the hooks with no exec asking (its die). */
static void arm_if_busy(struct ct_live *ls)
{
	ct_arm_busy(&ls->arm, busy_now(ls), ct_mono_ns());
	if (ct_arm_wanted(&ls->arm))
		arm_now(ls);
}

/*
 * Triggers wake the reader from the moment hooks_off is set, before the
 * detach, so that none falls between the two.  The programs go one at a
 * time with the ring buffer read in between: a fentry trampoline's
 * removal waits for the kernel (sys_bpf.h), and a trigger that comes
 * meanwhile attaches them again at once, not once all are gone.
 */
static void disarm_now(struct ct_live *ls)
{
	uint64_t t0 = ct_mono_ns();
	unsigned int n = 0;

	ct_loader_set_hooks_off(ls->l, true);
	arm_record(ls, false);
	ct_sys_bpf_disarm_begin(ls->sys_bpf);
	while (!ls->arm.armed && !ls->arm_failed &&
	       ct_sys_bpf_detach_one(ls->sys_bpf)) {
		n++;
		while (!ls->arm.armed && ct_loader_poll(ls->l, 0) > 0)
			;
		if (!ls->arm.armed)
			arm_if_busy(ls);
	}
	if (ls->s.cli->verbose)
		fprintf(stderr, "sys: %u programs detached in %.3f ms%s\n", n,
			(ct_mono_ns() - t0) / 1e6, ls->arm.armed ?
			", asked for again meanwhile" : "");
}

/* What -v says once a group has joined the hooks (arm.h). */
static void group_said(const struct ct_arm *a, enum ct_sys_group g)
{
	static const char *const what[CT_SYS_GROUPS] = {
		[CT_SYS_PULL] = "pull hooks",
		[CT_SYS_STDIN] = "stdin hooks",
	};
	uint32_t by = ct_arm_group_asked_by(a, g);

	if (g == CT_SYS_STUB) {
		fprintf(stderr, "sys: runsc's stub sys_exit attached\n");
		return;
	}
	fprintf(stderr, "sys: %s attached %.3f ms after the %s that asked\n",
		what[g], (ct_mono_ns() - ct_arm_group_asked_ns(a, g)) / 1e6,
		by == CT_EV_PULL_CONNECT ? "registry connect" :
		by == CT_EV_PULL_UNTRACED ? "untraced blob file's open" :
		"client's exec");
}

/* The groups asked for join the attached hooks (arm.h). */
static void groups_now(struct ct_live *ls)
{
	unsigned int want = ct_arm_groups_wanted(&ls->arm);
	char err[CT_REPORT_ERRLEN];

	for (int g = 0; g < CT_SYS_GROUPS && !ls->arm_failed; g++) {
		if (!(want & (1u << g)) ||
		    !ct_sys_bpf_group_managed(ls->sys_bpf, g) ||
		    ct_sys_bpf_group_on(ls->sys_bpf, g))
			continue;
		if (ct_sys_bpf_group(ls->sys_bpf, g, true, err, sizeof(err))) {
			ct_report_err("%s: the session ends here", err);
			ls->arm_failed = true;
		} else if (ls->s.cli->verbose) {
			group_said(&ls->arm, g);
		}
	}
	ct_arm_groups_set(&ls->arm);
}

/* The ring buffer's reader: a trigger attaches the hooks, first thing. */
/* A record of the ring buffers: checked here, where it enters, once. */
int ct_live_event(void *ctx, const void *rec, size_t len)
{
	struct ct_live *ls = ctx;
	int check = ct_rec_check(rec, len);

	if (ls->arm_auto && !check) {
		ct_arm_feed(&ls->arm, rec, len);
		if (ct_arm_wanted(&ls->arm))
			arm_now(ls);
		if (ls->arm.armed && ct_arm_groups_wanted(&ls->arm))
			groups_now(ls);
	}
	if (!check)
		ct_why_bpf_exec(ls->why_bpf, rec, len);
	return ct_session_event_checked(&ls->s, rec, len, check);
}

/*
 * What keeps attached hooks on: containers, COMMAND while it runs, else
 * a pull's open blob files and the clients waiting for their stdin
 * (arm.h).  Not asked while they are off: what began then is not
 * followed, and cannot ask for the hooks.  COMMAND starts with them
 * attached.
 */
static size_t held_now(struct ct_live *ls)
{
	size_t busy = busy_now(ls) + (ls->cmd.pid != 0);

	if (busy || !ls->sys_bpf)
		return busy;
	return ct_sys_bpf_pull_files(ls->sys_bpf, ct_session_pid_alive,
				     NULL) +
	       ct_sys_bpf_stdin_waits(ls->sys_bpf, ct_session_pid_alive, NULL);
}

/*
 * Attach again for a container that needs the hooks with no exec asking
 * (its die), detach once idle: what is still in the ring buffer is read
 * before a detach.
 */
void ct_live_arm_turn(struct ct_live *ls)
{
	if (!ls->arm_auto)
		return;
	if (!ls->arm.armed) {
		arm_if_busy(ls);
		return;
	}
	if (!ct_arm_idle(&ls->arm, ct_mono_ns(), held_now(ls),
			 ct_session_pid_alive, NULL))
		return;
	while (ct_loader_poll(ls->l, 0) > 0)
		;
	if (ct_arm_idle(&ls->arm, ct_mono_ns(), held_now(ls),
			ct_session_pid_alive, NULL))
		disarm_now(ls);
}

/*
 * The session's first record: its syscall hooks attached at attached_ns,
 * after the lifecycle's records began (arm.h, ct_arm_start()).
 */
void ct_live_arm_start(struct ct_live *ls, uint64_t attached_ns)
{
	struct ct_arm_rec r;

	ct_arm_start(&ls->arm, attached_ns, ct_mono_ns(), &r);
	ct_session_event(&ls->s, &r, sizeof(r));
}
