// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * coldtrace: explain container cold starts phase by phase.
 *
 * Data flows one way (docs/design.md "Architecture", HACKING.md): the loader's
 * ring buffer (or a --replay file) -> the session (session.h: --record/--dump
 * tap, enrich stage, tracker, aggregator, outputs).  This file is the command
 * line's glue and owns the session's life: the live and replay loops, signals,
 * duration, the traced COMMAND and the end.
 */
#include <errno.h>
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
#include "enrich.h"
#include "fold.h"
#include "host.h"
#include "httpd.h"
#include "loader.h"
#include "opens_source_bpf.h"
#include "records.h"
#include "report.h"
#include "recfile.h"
#include "session.h"
#include "sys_bpf.h"
#include "tracker.h"
#include "util.h"
#include "stacks.h"
#include "ufn_bpf.h"
#include "why_bpf.h"

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

/* ---- live ---- */

struct live_state {
	struct ct_session s;
	struct ct_loader *l;
	struct ct_opens_bpf *opens_bpf;	/* open-latency tracer */
	struct ct_sys_bpf *sys_bpf;	/* syscall programs, of all tracers */
	struct ct_why_bpf *why_bpf;	/* scheduler-state tracer */
	struct ct_ufn_bpf *ufn_bpf;	/* the engines' function probes */
	size_t ufn_probes;		/* ... attached, as last said */
	struct ct_cmd cmd;	/* -- COMMAND */
	uint64_t child_wall_ns;	/* when it was started, wall clock */
	bool timed_out;		/* -d ended the session */
	bool wait_expired;	/* --wait ended it, containers pending */
	double started;
	double period;		/* ct_session_period(), 0: none */
	double next_interval;
	bool arm_auto;		/* hooks detached while idle (arm.h) */
	bool arm_failed;	/* attaching them again failed: the end */
	uint64_t losses[CT_LOSS_KINDS];	/* as last recorded (enum ct_loss) */
	struct ct_arm arm;
	uint64_t map_full[CT_MAPFULL_NR];	/* refused inserts, as said */
	double next_map_check;
	double next_sweep;
};

/* Once a second: whether a BPF map refused inserts (mapfull.h). */
#define MAP_CHECK_S	1.0
/* Once a minute: map entries that no record will read or delete. */
#define SWEEP_S		60.0

/* ---- the syscall hooks: attached only while needed (arm.h) ---- */

/* Made here, fed to the session like any record (--record keeps it). */
static void arm_record(struct live_state *ls, bool armed)
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
static void ufn_attach(struct live_state *ls)
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

static void arm_now(struct live_state *ls)
{
	char err[CT_REPORT_ERRLEN];

	if (ct_sys_bpf_arm(ls->sys_bpf, err, sizeof(err))) {
		ct_report_err("%s: the session ends here", err);
		ls->arm_failed = true;
		return;
	}
	ct_loader_set_hooks_off(ls->l, false);
	arm_record(ls, true);
	ufn_attach(ls);
}

static size_t busy_now(struct live_state *ls)
{
	return ct_session_busy(&ls->s, ct_mono_ns(), CT_ARM_SETTLE_NS);
}

/* A container that needs the hooks with no exec asking (its die). */
static void arm_if_busy(struct live_state *ls)
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
static void disarm_now(struct live_state *ls)
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
static void groups_now(struct live_state *ls)
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
static int live_event(void *ctx, const void *rec, size_t len)
{
	struct live_state *ls = ctx;
	int check = ct_rec_check(rec, len);

	if (ls->arm_auto && !check) {
		ct_arm_feed(&ls->arm, rec, len);
		if (ct_arm_wanted(&ls->arm))
			arm_now(ls);
		if (ls->arm.armed && ct_arm_groups_wanted(&ls->arm))
			groups_now(ls);
	}
	return ct_session_event_checked(&ls->s, rec, len, check);
}

/*
 * What keeps attached hooks on: containers, COMMAND while it runs, else
 * a pull's open blob files and the clients waiting for their stdin
 * (arm.h).  Not asked while they are off: what began then is not
 * followed, and cannot ask for the hooks.  COMMAND starts with them
 * attached.
 */
static size_t held_now(struct live_state *ls)
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
static void arm_turn(struct live_state *ls)
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

/* COMMAND done: wait, bounded, for its containers to be destroyed. */
static bool command_finished(struct live_state *ls)
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
static void say_wait_expired(const struct live_state *ls)
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

/*
 * The kernel's loss counters, as a record whenever one grew (and at the
 * end, @always): the stages learn of a loss within a turn of the loop,
 * while what it touched (a pull) is still open, and a recording says
 * when it happened.
 */
static void read_losses(struct live_state *ls, bool always)
{
	uint64_t n[CT_LOSS_KINDS];

	memcpy(n, ls->losses, sizeof(n));
	ct_loader_losses(ls->l, n);
	ls->s.lost = n[CT_LOSS_EVENTS];		/* for /metrics and -i */
	if (!always && !memcmp(n, ls->losses, sizeof(n)))
		return;
	memcpy(ls->losses, n, sizeof(n));
	ct_session_losses(&ls->s, n);
}

/*
 * Inserts refused by full maps: a record when a count grew, so that the
 * report, /metrics and --record have them (mapfull.h).
 */
static void map_full_check(struct live_state *ls)
{
	uint64_t now[CT_MAPFULL_NR];

	if (!ls->sys_bpf)
		return;
	ct_sys_bpf_map_full(ls->sys_bpf, now);
	if (!memcmp(now, ls->map_full, sizeof(now)))
		return;
	memcpy(ls->map_full, now, sizeof(now));
	ct_session_inject_map_full(&ls->s, now);
}

static bool tracker_has_key(uint64_t key, void *ctx)
{
	return ct_tracker_has_key(ctx, key);
}

/*
 * The maps are hashes (mapfull.h): what an LRU evicted once full stays
 * until deleted.  Containers tracked a minute ago that no container of
 * the tracker's has (records lost, its table full) are let go; so are
 * the pull maps' entries of processes gone.
 */
static void sweep_maps(struct live_state *ls)
{
	uint64_t before = ct_mono_ns() - (uint64_t)(SWEEP_S * 1e9);
	size_t n = 0, m = 0;

	if (ls->opens_bpf)
		n = ct_opens_sweep(ls->opens_bpf, before, tracker_has_key,
				   ls->s.pl.tracker);
	if (ls->sys_bpf)
		m = ct_sys_bpf_sweep(ls->sys_bpf, ct_session_pid_alive, NULL);
	if (ls->s.cli->verbose && (n || m))
		fprintf(stderr, "maps: %zu containers no record will read, "
			"%zu pull file opens of threads gone, let go\n", n, m);
}

/* A blob file of a process that ended without closing it. */
static void file_gone(uint32_t tgid, int fd,
		      const struct ct_pull_blob_state *st, bool whole,
		      void *ctx)
{
	ct_session_inject_blob(ctx, tgid, fd, st, whole);
}

/* Every second: what a pull's process left open when it ended. */
static void sweep_files(struct live_state *ls)
{
	size_t m;

	if (!ls->sys_bpf)
		return;
	m = ct_sys_bpf_sweep_files(ls->sys_bpf, ct_session_pid_alive, NULL,
				   file_gone, &ls->s);
	if (ls->s.cli->verbose && m)
		fprintf(stderr, "maps: %zu blob files of processes gone, "
			"sent as closed\n", m);
}

/*
 * A step of the wall clock (or a suspend) seen, said once per move: wall
 * times keep the session's offset (wallclock.h), durations are right.
 */
static void clock_check(struct live_state *ls)
{
	struct ct_wallclock *w = &ls->s.clock;

	if (!ct_wallclock_check(w, ct_wallclock_offset_ns()))
		return;
	ct_report_info("the wall clock moved %+.3f s against the monotonic "
		       "clock since the session began (a clock step or a "
		       "suspend): wall times printed from now on are off by "
		       "that much (durations are not); "
		       "coldtrace_wall_clock_step_seconds has it",
		       (double)w->step_ns / 1e9);
}

/* One turn of the main loop: false once the session should end. */
static bool keep_going(struct live_state *ls)
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
	read_losses(ls, false);
	/* lets a finished container out without waiting for a host event */
	ct_session_tick(s, ct_mono_ns());
	ct_session_poll(s, ct_mono_ns());
	if (command_finished(ls))
		return false;
	arm_turn(ls);
	if (t >= ls->next_map_check) {
		ls->next_map_check = t + MAP_CHECK_S;
		map_full_check(ls);
		clock_check(ls);
		sweep_files(ls);
	}
	if (t >= ls->next_sweep) {
		ls->next_sweep = t + SWEEP_S;
		sweep_maps(ls);
	}
	if (ls->period && t >= ls->next_interval) {
		ls->next_interval = t + ls->period;
		ct_session_interim(s, s->lost);
	}
	return true;
}

static int start_opens(struct live_state *ls, enum ct_cgroup_mode mode)
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
static int start_sys(struct live_state *ls)
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

/* The host's names, at the session's start and in its recording (host.h). */
static void host_record(struct ct_session *s)
{
	struct ct_host_rec r;
	struct utsname u;

	ct_host_fill(&r, ct_mono_ns(), uname(&u) ? NULL : u.nodename,
		     "/etc/machine-id");
	ct_session_event(s, &r, sizeof(r));
}

static int start_tracers(struct live_state *ls)
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

	if (ct_loader_start(&ls->l, &lo, live_event, ls, err,
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

static void stop_tracers(struct live_state *ls)
{
	ct_ufn_bpf_stop(ls->ufn_bpf);
	ct_sys_bpf_stop(ls->sys_bpf);
	ct_why_bpf_stop(ls->why_bpf);
	if (ls->opens_bpf)
		ct_opens_stop(ls->opens_bpf);
	if (ls->l)
		ct_loader_stop(ls->l);
}

static void drain(struct live_state *ls)
{
	struct ct_session *s = &ls->s;

	/* whatever is still in the ring buffer belongs to this session */
	while (ct_loader_poll(ls->l, 0) > 0)
		;
	read_losses(ls, true);
	map_full_check(ls);
	ct_session_last_samples(s);
	ct_session_inject(s, CT_EV_END, 0);
	ct_pipeline_flush(&s->pl);
}

/*
 * -v: how full each ring buffer got, for sizing it (--ringbuf,
 * tools/bench/churn reads these lines).
 */
static void say_ring_use(const struct live_state *ls)
{
	struct ct_ring_use u[CT_LOADER_RINGS_MAX];
	int n = ct_loader_ring_use(ls->l, u, CT_LOADER_RINGS_MAX);

	for (int i = 0; i < n; i++)
		fprintf(stderr, "ring buffer %s: %zu bytes, at most %zu "
			"outstanding (%.1f %%)\n", u[i].name, u[i].size,
			u[i].peak, u[i].size ? 100.0 * u[i].peak / u[i].size :
			0);
}

/* How the session ended, for COMMAND (command.h). */
static struct ct_cmd_end how_it_ended(const struct live_state *ls)
{
	return (struct ct_cmd_end){ stop_requested, stop_by_kernel,
				    ls->timed_out };
}

/* COMMAND runs once the session is up; 0 or its status (127). */
static int start_command(struct live_state *ls, const struct ct_cli *cli)
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

/*
 * The session's first record: its syscall hooks attached at attached_ns,
 * after the lifecycle's records began (arm.h, ct_arm_start()).
 */
static void arm_start(struct live_state *ls, uint64_t attached_ns)
{
	struct ct_arm_rec r;

	ct_arm_start(&ls->arm, attached_ns, ct_mono_ns(), &r);
	ct_session_event(&ls->s, &r, sizeof(r));
}

/* Tracers, session and --record up; then --listen and COMMAND. */
static int start_live(struct live_state *ls, const struct ct_cli *cli)
{
	struct ct_session *s = &ls->s;
	uint64_t before, attached_ns;
	size_t n;

	if (ct_session_check_outputs(cli) || ct_session_record_create(s))
		return -1;
	/* what began before the tracers is adopted (adopt.h), the rest is
	 * theirs */
	before = ct_adopt_boot_ticks();
	if (start_tracers(ls))
		return -1;
	attached_ns = ct_mono_ns();
	if (ct_session_init(s, ct_loader_cgroup_mode(ls->l)) ||
	    ct_session_record_header(s, ct_loader_cgroup_mode(ls->l)))
		return -1;
	/* the session's own attach first (its ARM record), then the host */
	arm_start(ls, attached_ns);
	host_record(s);
	/* probed from the start: its record needs the session */
	ufn_attach(ls);
	n = ct_adopt_scan("/proc", before, ct_mono_ns(), adopt_record, s);
	if (cli->verbose && n)
		fprintf(stderr, "adopted %zu processes of containers running "
			"before the session\n", n);
	ls->started = now_s();
	ls->next_sweep = ls->started + SWEEP_S;
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
static void say_start(const struct live_state *ls, const struct ct_cli *cli)
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
static int trace(struct live_state *ls, const struct ct_cli *cli)
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
		say_ring_use(ls);
	return ct_session_report(&ls->s);
}

static int run_live(const struct ct_cli *cli)
{
	struct live_state ls = { .cmd.status = -1,
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
	stop_tracers(&ls);
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
