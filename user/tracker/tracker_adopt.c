// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tracker and the containers begun before the session (CT_EV_ADOPT,
 * user/kern/adopt.h): followed from the adoption on, seen from the
 * middle (`partial`), emitted only if they end.
 */
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "tracker_api.h"
#include "tracker_parts.h"
#include "util.h"

/* Its program runs from the adoption on: seen from the middle. */
static void adopt_running(struct ct_tracker *tk, struct cstate *s,
			  uint32_t pid, uint64_t t)
{
	s->user_seen = true;
	s->c.init_pid = pid;
	tk_fire(tk, s, CT_TR_USER_EXEC, t);
}

/* A container's pid 1: the child of its adopted shim or monitor. */
static void adopt_pid1(struct ct_tracker *tk, const struct ct_exec *x,
		       size_t alen, uint64_t t)
{
	struct ct_proc *pp = ct_proc_get(tk->procs, x->hdr.ppid), *p;
	struct cstate *s = tk_find_proc(tk, pp);

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
	tk_account(tk, p);
	s->c.cmd_truncated = tk_join_args(s->c.cmd, sizeof(s->c.cmd), x->args,
					  alen) || x->args_truncated;
	adopt_running(tk, s, p->pid, t);
	tk_check_done(tk, s);
}

/* Its container, made partial when the adoption makes it; NULL for a
 * container this session saw begin. */
static struct cstate *adopted(struct ct_tracker *tk, const char *id)
{
	struct cstate *s = tk_find(tk, id);

	if (s)
		return s->c.partial ? s : NULL;
	s = tk_new(tk, id);
	if (s) {
		s->c.partial = true;
		tk->st.adopted++;
	}
	return s;
}

void tk_on_adopt(struct ct_tracker *tk, const struct ct_exec *x)
{
	size_t alen = x->args_len < CT_ARGS_MAX ? x->args_len : CT_ARGS_MAX;
	uint64_t t = tk_wall(tk, x->hdr.ts_ns);
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
	tk_account(tk, p);
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
	tk_check_done(tk, s);
}
