// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A container restored from a checkpoint (`runc|crun restore`; struct
 * ct_restore): tracker_feed.c runs its runtime's restore as a create; here,
 * what has no exec to go by.  CRIU (a child of the runtime, or crun's
 * libcriu child) clones the restored pid 1 into a new pid namespace,
 * rebuilds the process tree and lets it go, then exits: that exit is
 * where create ends and run begins.  Its cgroup key comes from the
 * restored processes' first record after that, since pid 1 itself ran
 * no exec of its own.
 * The exec of that CRIU process splits create's CRIU part: from it to
 * its clone of pid 1, CRIU reads its images and sets the namespaces up;
 * from the clone to its exit, it restores the tree (memory, files) and
 * lets it go.
 * The runtime's checkpoint of the same id, if this session saw it, is
 * what the restore is paired with.
 */
#include <string.h>

#include "proc.h"
#include "tracker.h"
#include "tracker_api.h"
#include "tracker_parts.h"

#define CT_CLONE_NEWPID	0x20000000u

void tk_restore_exec(struct ct_tracker *tk, struct cstate *s)
{
	const struct tk_checkpoint *k = tk->checkpoints;

	s->c.restore.is = true;
	for (size_t i = 0; i < CT_TK_CHECKPOINTS; i++)
		if (k[i].end_ns && !strcmp(k[i].id, s->c.id)) {
			s->c.restore.checkpoint_ns = k[i].start_ns;
			s->c.restore.checkpoint_dur_ns =
				k[i].end_ns - k[i].start_ns;
		}
}

/* An exec of criu (runc's `criu swrk`, crun's through libcriu) in
 * restore s before the resume: the last one, for the clone to pair. */
void tk_restore_criu(struct cstate *s, uint32_t pid, const char *fname,
		     uint64_t mono)
{
	const char *base = strrchr(fname, '/');

	base = base ? base + 1 : fname;
	if (!s->c.restore.is || s->user_seen || strcmp(base, "criu"))
		return;
	s->criu_exec_pid = pid;
	s->criu_exec_mono = mono;
}

/*
 * A clone into a new pid namespace by a process of a restore whose
 * program has not resumed: the restored pid 1, unless it exits before
 * its cloner does (a probe of CRIU's own); the last such clone wins,
 * but not one below pid 1 (a pid namespace of the container's own that
 * CRIU restores inside it).
 */
void tk_restore_fork(const struct ct_tracker *tk, struct cstate *s,
		     const struct ct_fork *f)
{
	if (!s->c.restore.is || s->user_seen ||
	    !(f->clone_flags_lo & CT_CLONE_NEWPID) ||
	    (s->restore_pid1 &&
	     ct_proc_below(tk->procs, f->hdr.pid, s->restore_pid1)))
		return;
	s->restore_pid1 = f->child_pid;
	s->restorer_pid = f->hdr.pid;
	s->restorer_mono = f->hdr.ts_ns;
	s->restorer_exec_mono = f->hdr.pid == s->criu_exec_pid ?
				s->criu_exec_mono : 0;
}

/* After the resume: the first record of pid 1 or a process below it
 * gives the container's key (not the runtime's or its children's, which
 * may still run; tracker_core.c's check_key() judges it). */
void tk_restore_key(struct ct_tracker *tk, struct cstate *s,
		    const struct ct_proc *p, const struct ct_hdr *h)
{
	if (!s->key_pending || p->own ||
	    !ct_proc_below(tk->procs, h->pid, s->c.init_pid))
		return;
	s->key_pending = false;
	tk_set_key(tk, s, h);
}

/* p of restore s exited at mono (wall t): a probe's end, or CRIU's. */
void tk_restore_exit(struct ct_tracker *tk, struct cstate *s,
		     const struct ct_proc *p, int32_t status, uint64_t mono,
		     uint64_t t)
{
	struct ct_proc *pid1;

	if (!s->c.restore.is || s->user_seen || !s->restore_pid1)
		return;
	if (p->pid == s->restore_pid1) {
		s->restore_pid1 = 0;
		return;
	}
	if (p->pid != s->restorer_pid || status)
		return;
	pid1 = ct_proc_get(tk->procs, s->restore_pid1);
	if (!pid1)
		return;
	tk_become_user(tk, pid1);
	s->c.restore.criu_ns = mono - s->restorer_mono;
	if (s->restorer_exec_mono)
		s->c.restore.criu_setup_ns =
			s->restorer_mono - s->restorer_exec_mono;
	s->key_pending = true;
	/* create ends at the resume, as at a program's exec: what the
	 * runtime does after (its pid file) is the program's run */
	tk_fire(tk, s, CT_TR_RT_CREATE_EXIT, t);
	tk_user_begins(tk, s, pid1->pid, NULL, t);
}

/* The runtime's checkpoint of s ended (its process p): remembered for
 * the restore of that id, the oldest forgotten first. */
void tk_checkpoint_exit(struct ct_tracker *tk, struct cstate *s,
			const struct ct_proc *p, uint64_t t)
{
	struct tk_checkpoint *k = tk->checkpoints, *old = &k[0];

	if (!(p->acct & ACCT_CMD) || p->cmd != CT_CMD_CHECKPOINT ||
	    !s->checkpoint_ns || t < s->checkpoint_ns)
		return;
	for (size_t i = 0; i < CT_TK_CHECKPOINTS; i++) {
		if (!strcmp(k[i].id, s->c.id)) {
			old = &k[i];
			break;
		}
		if (k[i].end_ns < old->end_ns)
			old = &k[i];
	}
	memcpy(old->id, s->c.id, sizeof(old->id));
	old->start_ns = s->checkpoint_ns;
	old->end_ns = t;
	s->checkpoint_ns = 0;
}
