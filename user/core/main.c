// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * coldtrace: explain container cold starts phase by phase.
 *
 * Data flows one way (docs/design.md "Architecture", HACKING.md): the loader's
 * ring buffer (or a --replay file) -> the session (session.h: --record/--dump
 * tap, enrich stage, tracker, aggregator, outputs).  This file is the command
 * line's glue and owns the session's life: the live and replay loops, signals,
 * duration, the traced COMMAND and the end; the live session's parts are
 * live.h's files (its hooks, its tracers, its loop's chores).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "adopt.h"
#include "arm.h"
#include "cli.h"
#include "command.h"
#include "compare.h"
#include "engine.h"
#include "fold.h"
#include "host.h"
#include "httpd.h"
#include "live.h"
#include "loader.h"
#include "recfile.h"
#include "report.h"
#include "session.h"
#include "tracker.h"
#include "util.h"

/* 0, or the signal (SIGINT, SIGTERM) that ends the session */
static volatile sig_atomic_t stop_requested;
/* ... sent by the kernel (a terminal's Ctrl-C): COMMAND has it too */
static volatile sig_atomic_t stop_by_kernel;

/* First Ctrl-C: stop and report.  Second: leave at once (retsnoop). */
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (stop_requested)
		_exit(128 + sig);
	stop_by_kernel = si && si->si_code == SI_KERNEL;
	stop_requested = sig;
}

static void setup_signals(void)
{
	struct sigaction sa = { .sa_sigaction = on_signal,
				.sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a blocked poll must return to see the request */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static double now_s(void)
{
	return ct_mono_ns() / 1e9;
}

/* ---- replay ---- */

static int run_replay(const struct ct_cli *cli)
{
	struct ct_session s = { .cli = cli, .stop = &stop_requested };
	int ret = ct_session_replay(&s);

	ct_session_free(&s);
	return ret;
}

/* ---- live (live.h) ---- */

/* COMMAND done: wait, bounded, for its containers to be destroyed. */
static bool command_finished(struct ct_live *ls)
{
	const struct ct_cli *cli = ls->s.cli;

	if (!cli->cmd || !ct_cmd_done(&ls->cmd) || cli->duration_s)
		return false;
	if (!ct_tracker_pending_since(ls->s.pl.tracker, ls->child_wall_ns))
		return true;
	ls->wait_expired = ct_mono_ns() - ls->cmd.done_ns >= cli->wait_s * 1e9;
	return ls->wait_expired;
}

/*
 * Said once the session is over: why its records may be incomplete (a
 * note, also with -j when -v asks for the details).
 */
static void say_wait_expired(const struct ct_live *ls)
{
	const struct ct_cli *cli = ls->s.cli;
	char msg[192];

	if (!ls->wait_expired)
		return;
	snprintf(msg, sizeof(msg), "%g s after COMMAND exited, some of its "
		 "containers were not destroyed yet: reported incomplete (a "
		 "longer --wait waits for them)", cli->wait_s);
	if (cli->json && cli->verbose)
		fprintf(stderr, "coldtrace: %s\n", msg);
	else
		ct_report_info("%s", msg);
}

/* One turn of the main loop: false once the session should end. */
static bool keep_going(struct ct_live *ls)
{
	struct ct_session *s = &ls->s;
	const struct ct_cli *cli = s->cli;
	double t = now_s();

	/* a reader that left (`| head`) ends it as a Ctrl-C would */
	if (stop_requested || ls->arm_failed || ct_report_stdout_gone())
		return false;
	if (cli->duration_s && t - ls->started >= cli->duration_s) {
		ls->timed_out = true;
		return false;
	}
	/* before the tick, which may report what a loss made incomplete */
	ct_live_read_losses(ls, false);
	/* lets a finished container out without waiting for a host event */
	ct_session_tick(s, ct_mono_ns());
	ct_session_poll(s, ct_mono_ns());
	if (command_finished(ls))
		return false;
	ct_live_arm_turn(ls);
	ct_live_chores(ls, t);
	if (ls->period && t >= ls->next_interval) {
		ls->next_interval = t + ls->period;
		ct_session_interim(s, s->lost);
	}
	return true;
}

/* The host's names, at the session's start and in its recording (host.h). */
static void host_record(struct ct_session *s)
{
	struct ct_host_rec r;
	struct utsname u;

	ct_host_fill(&r, ct_mono_ns(), uname(&u) ? NULL : u.nodename,
		     "/etc/machine-id");
	ct_session_event(s, &r, sizeof(r));
}
static void drain(struct ct_live *ls)
{
	struct ct_session *s = &ls->s;

	/* whatever is still in the ring buffer belongs to this session */
	while (ct_loader_poll(ls->l, 0) > 0)
		;
	ct_live_read_losses(ls, true);
	ct_live_map_full_check(ls);
	ct_session_last_samples(s);
	ct_session_inject(s, CT_EV_END, 0);
	ct_pipeline_flush(&s->pl);
}

/* How the session ended, for COMMAND (command.h). */
static struct ct_cmd_end how_it_ended(const struct ct_live *ls)
{
	return (struct ct_cmd_end){ stop_requested, stop_by_kernel,
				    ls->timed_out };
}

/* COMMAND runs once the session is up; 0 or its status (127). */
static int start_command(struct ct_live *ls, const struct ct_cli *cli)
{
	char err[CT_REPORT_ERRLEN];

	if (!ct_cmd_spawn(&ls->cmd, cli->cmd, cli->json, err, sizeof(err)))
		return 0;
	ct_report_err("%s", err);
	return ls->cmd.status;
}

/* Made here, fed to the session like any record (--record keeps it). */
static void adopt_record(const void *rec, size_t len, void *ctx)
{
	ct_session_event(ctx, rec, len);
}

/* Tracers, session and --record up; then --listen and COMMAND. */
static int start_live(struct ct_live *ls, const struct ct_cli *cli)
{
	struct ct_session *s = &ls->s;
	uint64_t before, attached_ns;
	size_t n;

	if (ct_session_check_outputs(cli) || ct_session_record_create(s))
		return -1;
	/* what began before the tracers is adopted (adopt.h), the rest is
	 * theirs */
	before = ct_adopt_boot_ticks();
	if (ct_live_start_tracers(ls))
		return -1;
	attached_ns = ct_mono_ns();
	if (ct_session_init(s, ct_loader_cgroup_mode(ls->l)) ||
	    ct_session_record_header(s, ct_loader_cgroup_mode(ls->l)))
		return -1;
	/* the session's own attach first (its ARM record), then the host */
	ct_live_arm_start(ls, attached_ns);
	host_record(s);
	/* probed from the start: its record needs the session */
	ct_live_ufn_attach(ls);
	n = ct_adopt_scan("/proc", before, ct_mono_ns(), adopt_record, s);
	if (cli->verbose && n)
		fprintf(stderr, "adopted %zu processes of containers running "
			"before the session\n", n);
	ls->started = now_s();
	ls->next_sweep = ls->started + CT_LIVE_SWEEP_S;
	ls->period = ct_session_period(cli);
	ls->next_interval = ls->started + ls->period;
	ls->child_wall_ns = ct_mono_ns() + s->mono_to_real;
	ls->arm_auto = !cli->arm_always;
	n = ls->arm_auto ? ct_arm_adopt(&ls->arm, "/proc", ct_mono_ns()) : 0;
	if (cli->verbose && n)
		fprintf(stderr, "sys: %zu engine clients or runtimes alive at "
			"the start keep the hooks attached for %.0f s at most\n",
			n, CT_ARM_HOLD_NS / 1e9);
	return 0;
}

/* What the session does until it ends, said once on stderr. */
static void say_start(const struct ct_live *ls, const struct ct_cli *cli)
{
	char where[128];

	if (cli->listen) {
		httpd_where(cli->listen, where, sizeof(where));
		ct_report_info("/metrics and /healthz on %s", where);
	}
	if (!ct_cli_continuous(cli)) {
		if (!cli->cmd)
			ct_report_info("tracing container starts%s; Ctrl-C to "
				       "stop", cli->duration_s ?
				       " for the given duration" : "");
		return;
	}
	ct_report_info("tracing container starts in continuous mode: "
		       "statistics folded (percentiles within %.0f %%), "
		       "the last %d records kept; Ctrl-C to stop",
		       CT_FOLD_REL_ERR * 100, CT_CONTINUOUS_WINDOW);
	if (cli->output_dir)
		ct_report_info("files in %s rewritten every %g s (-i)",
			       cli->output_dir, ls->period);
}

/*
 * The loop's turn: 100 ms, or half the --record flush interval, so that a
 * record waits at most CT_REC_FLUSH_NS plus one turn before the file has
 * it (what a SIGKILL loses).
 */
static int poll_ms(const struct ct_cli *cli)
{
	return cli->record_path ? (int)(CT_REC_FLUSH_NS / 2000000) : 100;
}

/* The loop, then the end: COMMAND told, the ring buffer drained. */
static int trace(struct ct_live *ls, const struct ct_cli *cli)
{
	struct ct_cmd_end end;
	int err;

	say_start(ls, cli);
	while (keep_going(ls)) {
		err = ct_loader_poll(ls->l, poll_ms(cli));
		if (err < 0) {
			ct_report_err("ring buffer poll: %s", strerror(-err));
			break;
		}
		ct_session_record_tick(&ls->s);
	}
	end = how_it_ended(ls);
	if (cli->cmd)
		ct_cmd_end_stop(&ls->cmd, &end);
	drain(ls);
	say_wait_expired(ls);
	if (cli->verbose)
		ct_live_say_ring_use(ls);
	return ct_session_report(&ls->s);
}

static int run_live(const struct ct_cli *cli)
{
	struct ct_live ls = { .cmd.status = -1,
				 .s = { .cli = cli, .live = true } };
	struct ct_cmd_end end;
	int ret = 1, err;

	if (!start_live(&ls, cli)) {
		ret = cli->cmd ? start_command(&ls, cli) : 0;
		if (!ret)
			ret = trace(&ls, cli);
		if (ls.arm_failed)
			ret = 1;
	}
	if (ct_session_record_close(&ls.s))
		ret = 1;
	ct_live_stop_tracers(&ls);
	ct_session_free(&ls.s);
	end = how_it_ended(&ls);
	if (ls.cmd.pid && !ls.cmd.stop_ns)	/* failed before the end */
		ct_cmd_end_stop(&ls.cmd, &end);
	if (cli->cmd && (ls.cmd.pid || ls.cmd.status >= 0)) {
		err = ct_cmd_end_status(&ls.cmd, cli->cmd, &end);
		if (!ret)
			ret = err;
	}
	return ret;
}

int main(int argc, char **argv)
{
	char err[CT_REPORT_ERRLEN];
	struct ct_cli cli;
	int ret;

	if (ct_report_guard_std_fds())
		return 2;
	/* the engines' rows, for every floor below (engine_api.h) */
	ct_engines_use(&ct_builtin_engines);
	/* a command of its own: coldtrace's results in, no tracing */
	if (argc > 1 && !strcmp(argv[1], "compare"))
		return ct_compare_main(argc - 1, argv + 1, "/proc/self/exe");
	switch (ct_cli_parse(argc, argv, &cli, stdout, err, sizeof(err))) {
	case CT_CLI_EXIT_OK:
		return ct_report_close_stdout() ? 1 : 0;
	case CT_CLI_ERROR:
		ct_report_json(cli.json);	/* -j asked, even on a bad line */
		ct_report_err("%s", err);
		return 2;
	case CT_CLI_OK:
		break;
	}
	ct_report_json(cli.json);
	if (cli.cmd && ct_cmd_check(cli.cmd, err, sizeof(err))) {
		ct_report_err("%s", err);
		return 127;
	}
	setup_signals();
	/* a consumer closing the pipe must not kill us mid-export */
	signal(SIGPIPE, SIG_IGN);
	ret = cli.replay_path ? run_replay(&cli) : run_live(&cli);
	if (ct_report_close_stdout() && !ret)
		ret = 1;
	return ret;
}
