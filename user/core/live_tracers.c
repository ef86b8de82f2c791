// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A live session's tracers, started and stopped: see live.h. */
#include <stdio.h>
#include <sys/utsname.h>

#include "live.h"
#include "loader.h"
#include "opens_source_bpf.h"
#include "report.h"
#include "stacks.h"
#include "sys_bpf.h"
#include "ufn_bpf.h"
#include "why_bpf.h"

static int start_opens(struct ct_live *ls, enum ct_cgroup_mode mode)
{
	const struct ct_cli *cli = ls->s.cli;
	char err[CT_REPORT_ERRLEN];

	struct ct_opens_cfg cfg = {
		.cgroup_mode = mode,
		.runtime_mask = cli->runtime_mask,
		.paths = cli->paths > 0,
		.listens = cli->ready_mode == CT_READY_LISTEN,
		.touch_window_ns = ct_cli_start_files_ns(cli),
	};

	if (ct_opens_start(&ls->opens_bpf, ls->l, &cfg, cli->verbose, err,
			   sizeof(err))) {
		ct_report_err("%s (use --no-opens to trace without file "
			      "opens)", err);
		return -1;
	}
	ls->s.opens = ct_opens_bpf_source(ls->opens_bpf);
	ls->s.fuse_traced = ct_opens_fuse_traced(ls->opens_bpf);
	return 0;
}

/* Last: the syscall programs share the maps of the tracers above. */
static int start_sys(struct ct_live *ls)
{
	const struct ct_cli *cli = ls->s.cli;
	struct ct_sys_features f = {
		.opens = ls->opens_bpf,
		.pull = !cli->no_pulls,
		.prepare = true,
		.ready = cli->ready_mode == CT_READY_LISTEN,
		.why = ls->why_bpf,
	};
	char err[CT_REPORT_ERRLEN];

	if (ct_sys_bpf_start(&ls->sys_bpf, ls->l, &f, cli->verbose, err,
			     sizeof(err))) {
		ct_report_err("%s", err);
		return -1;
	}
	/* what they add is a few steps: the rest is whole without them */
	if (ct_ufn_bpf_start(&ls->ufn_bpf, ls->l, "/proc", cli->verbose, err,
			     sizeof(err)))
		fprintf(stderr, "coldtrace: the engines' functions are not probed: %s\n",
			err);
	return 0;
}

int ct_live_start_tracers(struct ct_live *ls)
{
	struct ct_session *s = &ls->s;
	const struct ct_cli *cli = s->cli;
	struct ct_loader_opts lo = {
		.verbose = cli->verbose,
		.ringbuf_bytes = cli->ringbuf_bytes,
		.pulls = !cli->no_pulls,
	};
	char err[CT_REPORT_ERRLEN];
	struct utsname u;

	if (ct_loader_start(&ls->l, &lo, ct_live_event, ls, err,
			    sizeof(err))) {
		ct_report_err("%s", err);
		return -1;
	}
	s->mono_to_real = ct_loader_mono_to_real(ls->l);
	ct_wallclock_init(&s->clock, s->mono_to_real);
	if (uname(&u) == 0)
		snprintf(s->kernel, sizeof(s->kernel), "%.63s", u.release);
	if (!cli->no_opens && start_opens(ls, ct_loader_cgroup_mode(ls->l)))
		return -1;
	/* the scheduler tracer needs only the lifecycle's ring buffer */
	if (cli->why && ct_why_bpf_start(&ls->why_bpf, ls->l, !cli->why_states,
					 cli->why_user, cli->verbose, err,
					 sizeof(err))) {
		ct_report_err("%s", err);
		return -1;
	}
	if (ls->why_bpf && !cli->why_states &&
	    (!(s->stacks = ct_stacks_new(ct_why_bpf_read_stack, ls->why_bpf,
					 "/proc/kallsyms")) ||
	     (cli->why_user && ct_stacks_user(s->stacks, ct_why_bpf_read_ustack,
					      "/proc")))) {
		ct_report_err("--why: out of memory");
		return -1;
	}
	return start_sys(ls);
}

void ct_live_stop_tracers(struct ct_live *ls)
{
	ct_ufn_bpf_stop(ls->ufn_bpf);
	ct_sys_bpf_stop(ls->sys_bpf);
	ct_why_bpf_stop(ls->why_bpf);
	if (ls->opens_bpf)
		ct_opens_stop(ls->opens_bpf);
	if (ls->l)
		ct_loader_stop(ls->l);
}

/*
 * -v: how full each ring buffer got, for sizing it (--ringbuf,
 * tools/bench/churn reads these lines).
 */
void ct_live_say_ring_use(const struct ct_live *ls)
{
	struct ct_ring_use u[CT_LOADER_RINGS_MAX];
	int n = ct_loader_ring_use(ls->l, u, CT_LOADER_RINGS_MAX);

	for (int i = 0; i < n; i++)
		fprintf(stderr, "ring buffer %s: %zu bytes, at most %zu "
			"outstanding (%.1f %%)\n", u[i].name, u[i].size,
			u[i].peak, u[i].size ? 100.0 * u[i].peak / u[i].size :
			0);
}
