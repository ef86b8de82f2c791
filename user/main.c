// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * coldtrace: explain container cold starts phase by phase.
 *
 * Data flows one way (design §2): the loader's ring buffer (or a --replay
 * file) -> optional --record tap -> tracker -> per-container callback ->
 * aggregator -> table / JSON Lines / export files.  This file only wires
 * those pieces together and owns the session's life: signals, duration,
 * the traced COMMAND and the final report.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agg.h"
#include "cli.h"
#include "coldtrace.h"
#include "command.h"
#include "dump.h"
#include "enrich.h"
#include "tracker.h"
#include "export.h"
#include "hist.h"
#include "httpd.h"
#include "json.h"
#include "loader.h"
#include "names.h"
#include "opens_bpf.h"
#include "opens_source_bpf.h"
#include "output.h"
#include "pull_output.h"
#include "paths.h"
#include "prepare.h"
#include "ready.h"
#include "ready_bpf.h"
#include "recfile.h"
#include "util.h"
#include "why.h"
#include "why_bpf.h"
#include "replay.h"
#include "version.h"

#define ERRLEN 512

struct session {
	const struct ct_cli *cli;
	struct ct_tracker *tracker;
	struct ct_agg *agg;
	struct ct_rec_writer *rec;	/* --record */
	struct ct_enrich *enrich;	/* pulls, opens, prepare, ready, why */
	struct ct_opens_source opens;	/* for enrich: live or replayed */
	struct ct_opens_bpf *opens_bpf;	/* live open-latency tracer */
	struct ct_replay_opens *ropens;	/* --replay: recorded histograms */
	struct ct_ready_bpf *ready_bpf;	/* live listen(2) tracer */
	struct ct_why_bpf *why_bpf;	/* live scheduler-state tracer */
	int64_t mono_to_real;
	char kernel[64];
	uint64_t lost;
	bool table_started;
	int rec_error;			/* first --record write error */
	bool recording;			/* --record header written */
	struct ct_naming names;		/* live: new containers, to be named */
	bool naming;			/* look names up (live only) */
};

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

static bool json_mode;

/*
 * bpftool's p_err(): one line on stderr; in -j mode also a JSON object on
 * stdout, so a consumer of the JSON stream sees why it ended.
 */
static void p_err(const char *fmt, ...)
{
	char msg[ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "coldtrace: %s\n", msg);
	if (json_mode) {
		struct ct_json w;

		ct_json_init(&w, stdout);
		ct_json_start_object(&w);
		ct_json_kv_string(&w, "type", "error");
		ct_json_kv_string(&w, "error", msg);
		ct_json_end_object(&w);
		fputc('\n', stdout);
		fflush(stdout);
	}
}

/*
 * Standard output is where the report goes: a write error there (a full
 * disk, a closed pipe) is reported once, when first seen, and makes the
 * exit status non-zero.
 */
static bool stdout_failed;

static bool check_stdout(void)
{
	if (stdout_failed)
		return false;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return true;
	stdout_failed = true;
	fprintf(stderr, "coldtrace: writing to standard output failed: %s\n",
		strerror(errno ? errno : EIO));
	return false;
}

static void p_info(const struct session *s, const char *fmt, ...)
{
	va_list ap;

	if (s->cli->json)
		return;
	va_start(ap, fmt);
	fputs("coldtrace: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static double now_s(void)
{
	return ct_mono_ns() / 1e9;
}

/* ---- per-container output ---- */

/*
 * --record: the writer counts what a write error loses (reported at the
 * end); say at once that the recording stopped growing.
 */
static void rec_write(struct session *s, const void *rec, size_t len)
{
	int rc = ct_rec_write_event(s->rec, rec, len);

	if (rc && !s->rec_error) {
		s->rec_error = rc;
		fprintf(stderr, "coldtrace: --record %s: write failed: %s; "
			"later events are not recorded\n",
			s->cli->record_path, strerror(-rc));
	}
}

/* Left out by -r / -c: drop its kernel histograms, they would pile up. */
/* Tracker hook, just before a container is emitted. */
static void before_emit(struct ct_container *c, void *ctx)
{
	struct session *s = ctx;

	ct_enrich_apply(s->enrich, c);
}

static void on_filtered(const struct ct_container *c, void *ctx)
{
	struct session *s = ctx;

	ct_enrich_forget(s->enrich, c);
}

static void on_container(const struct ct_container *c, void *ctx)
{
	struct session *s = ctx;

	if (ct_agg_add(s->agg, c))
		p_err("out of memory: container %s not aggregated", c->id);
	if (s->cli->json) {
		ct_output_container_json(stdout, c);
	} else if (!s->cli->dump) {
		if (!s->table_started)
			ct_output_table_header(stdout);
		s->table_started = true;
		ct_output_table_row(stdout, c);
		if (s->cli->why)
			ct_output_why_rows(stdout, c);
		if (c->opens.unobservable)
			printf("  file opens not observable: %s\n",
			       ct_opens_unobservable_reason(&c->opens));
		if (s->cli->paths)
			ct_paths_print(stdout, c);
	}
	check_stdout();
}

static void on_pull(const struct ct_pull *p, void *ctx)
{
	struct session *s = ctx;

	if (s->cli->json) {
		ct_pull_output_json(stdout, p);
		check_stdout();
	}
}

/* ---- events ---- */

/*
 * What every record goes through first, the ones the session makes
 * itself included (lost counter, end mark, names, open histograms,
 * paths): --record keeps it and --dump shows it, as a replay will.
 */
static void tap(struct session *s, const void *rec, size_t len)
{
	if (s->rec)
		rec_write(s, rec, len);
	if (s->cli->dump)
		ct_dump_record(stdout, rec, len, s->mono_to_real);
}

/* Then the stages: enrich's followers first, the state machine last. */
static int feed(struct session *s, const void *rec, size_t len)
{
	tap(s, rec, len);
	ct_enrich_feed(s->enrich, rec, len);
	return ct_tracker_feed(s->tracker, rec, len);
}

/*
 * enrich's records (open histograms, paths) are made during an emission,
 * inside the tracker: tap() only.  No stage reads them (a replay feeds
 * them to no effect), and the tracker must not be re-entered.
 */
static void keep(const void *rec, size_t len, void *ctx)
{
	tap(ctx, rec, len);
}

/* Names of new containers, made outside the tracker: the whole way. */
static void feed_made(const void *rec, size_t len, void *ctx)
{
	feed(ctx, rec, len);
}

/* Ring buffer callback (live). */
static int on_event(void *ctx, const void *rec, size_t len)
{
	struct session *s = ctx;

	feed(s, rec, len);
	if (s->names.n)
		ct_naming_flush(&s->names, ct_mono_ns(), feed_made, s);
	return 0;
}

/* Tracker hook: a new container, named once the tracker has returned. */
static void on_new(const struct ct_container *c, void *ctx)
{
	struct session *s = ctx;

	if (s->naming)
		ct_naming_add(&s->names, c->id);
}

/* A userspace-made record (lost counter, end mark) into both paths. */
static void inject(struct session *s, uint32_t type, uint64_t lost)
{
	struct ct_lost r = { 0 };

	r.hdr.ts_ns = ct_mono_ns();
	r.hdr.type = type;
	r.hdr.size = type == CT_EV_LOST ? sizeof(r) : sizeof(r.hdr);
	r.lost = lost;
	on_event(s, &r, r.hdr.size);
}

/* ---- session setup and teardown ---- */

/* Tracker hook, live only: lets go of containers whose exits were lost. */
static bool pid_alive(uint32_t pid, void *ctx)
{
	(void)ctx;
	return !kill((pid_t)pid, 0) || errno != ESRCH;
}

static int session_init(struct session *s, const struct ct_cli *cli,
			enum ct_cgroup_mode mode)
{
	struct ct_tracker_opts eo = {
		.mono_to_real_ns = s->mono_to_real,
		.cgroup_mode = mode,
		.filter = {
			.runtime_mask = cli->runtime_mask,
			.id_prefix = cli->container,
		},
		.before_emit = before_emit,
		.on_container = on_container,
		.on_filtered = on_filtered,
		.on_new = on_new,
		.proc_alive = cli->replay_path ? NULL : pid_alive,
		.ctx = s,
	};
	struct ct_enrich_opts xo = {
		.mono_to_real_ns = s->mono_to_real,
		.ready_mode = cli->ready_mode,
		.why = cli->why,
		.paths = cli->paths,
		.opens = s->opens,
		.on_pull = on_pull,
		.keep = keep,
		.ctx = s,
	};

	s->cli = cli;
	s->agg = ct_agg_new();
	s->tracker = ct_tracker_new(&eo);
	s->enrich = ct_enrich_new(&xo);
	if (!s->agg || !s->tracker || !s->enrich) {
		p_err("out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void print_runtime_hists(const struct session *s)
{
	struct ct_opens o;

	for (int rt = 0; rt < CT_RT_MAX; rt++) {
		if (!ct_agg_runtime_opens(s->agg, rt, &o) || !o.count)
			continue;
		printf("\n%s: file opens in containers: %llu (failed %llu), "
		       "p50 %.1f us, p99 %.1f us\n", ct_runtime_name(rt),
		       (unsigned long long)o.count,
		       (unsigned long long)o.failed, o.p50_ns / 1e3,
		       o.p99_ns / 1e3);
		ct_hist_print(stdout, o.slots, CT_HIST_SLOTS, "nsecs");
	}
}

static int write_outputs(struct session *s)
{
	struct ct_meta meta = {
		.version = COLDTRACE_VERSION,
		.kernel = s->kernel,
		.lost_events = s->lost,
		.pulls = ct_enrich_pulls(s->enrich),
		.why = ct_enrich_why(s->enrich),
		.tracker = s->tracker,
		.prom_labels = s->cli->metrics_labels,
	};
	char err[ERRLEN];
	int ret = 0;

	ct_enrich_warn_dropped(s->enrich, stderr);
	if (s->cli->json) {
		ct_output_summary_json(stdout, s->agg, &meta);
	} else {
		if (!s->table_started && !s->cli->dump &&
		    !ct_pull_count(ct_enrich_pulls(s->enrich)))
			printf("no container was seen\n");
		print_runtime_hists(s);
		ct_pull_print_all(stdout, ct_enrich_pulls(s->enrich));
		putchar('\n');
		ct_output_summary(stdout, s->agg, &meta);
	}
	if (!check_stdout())
		ret = 1;
	if (s->cli->output_dir) {
		if (ct_export_dir(s->cli->output_dir, s->agg, &meta, err,
				  sizeof(err))) {
			p_err("%s (no file in %s was changed)", err,
			      s->cli->output_dir);
			ret = 1;
		}
		else
			p_info(s, "files written to %s", s->cli->output_dir);
	}
	return ret;
}

static void session_free(struct session *s)
{
	ct_tracker_free(s->tracker);
	ct_enrich_free(s->enrich);
	ct_agg_free(s->agg);
	ct_replay_opens_free(s->ropens);
}

/* -o DIR is usable: checked before anything is traced or read. */
static int check_outputs(const struct ct_cli *cli)
{
	char err[ERRLEN];

	if (cli->output_dir &&
	    ct_export_check_dir(cli->output_dir, err, sizeof(err))) {
		p_err("-o: %s", err);
		return -1;
	}
	return 0;
}

/* ---- replay ---- */

static int run_replay(const struct ct_cli *cli)
{
	struct session s = { 0 };
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *r;
	char err[ERRLEN];
	const void *rec;
	size_t len;
	int ret;

	if (check_outputs(cli))
		return 1;
	ret = ct_rec_reader_open(&r, cli->replay_path, &h, err, sizeof(err));
	if (ret) {
		p_err("%s", err);
		return 1;
	}
	/* First pass: histograms are recorded after their container. */
	ret = ct_replay_opens_read(r, &s.ropens, err, sizeof(err));
	if (ret) {
		p_err("%s", err);
		ct_rec_reader_close(r);
		return 1;
	}
	s.opens = ct_replay_opens_source(s.ropens);
	s.mono_to_real = h.mono_to_real_ns;
	snprintf(s.kernel, sizeof(s.kernel), "%.*s", (int)sizeof(h.kernel),
		 h.kernel);
	if (session_init(&s, cli, h.cgroup_mode))
		goto out;
	while (!stop_requested &&
	       (ret = ct_rec_next(r, &rec, &len, err, sizeof(err))) > 0)
		feed(&s, rec, len);
	s.lost = ct_tracker_lost(s.tracker);
	ct_enrich_flush(s.enrich);
	ct_tracker_flush(s.tracker);
	if (ret < 0)
		p_err("%s", err);
	if (write_outputs(&s) && !ret)
		ret = -1;
out:
	ct_rec_reader_close(r);
	session_free(&s);
	return ret < 0 ? 1 : 0;
}

/* ---- live ---- */

struct live_state {
	struct ct_cmd cmd;	/* -- COMMAND */
	uint64_t child_wall_ns;	/* when it was started, wall clock */
	bool timed_out;		/* -d ended the session */
	double started;
	double next_interval;
	struct httpd *httpd;	/* --listen, NULL if off */
	struct ct_loader *l;	/* for the live lost-event count */
	struct session *s;
};

/* GET /metrics and /healthz for --listen: the metrics.prom text, live. */
static int serve(const char *path, char **body, size_t *len,
		 const char **ctype, void *ctx)
{
	struct live_state *ls = ctx;
	struct ct_meta meta = {
		.version = COLDTRACE_VERSION,
		.kernel = ls->s->kernel,
		.lost_events = ct_loader_lost(ls->l),
		.tracker = ls->s->tracker,	/* the loss counters */
		.prom_labels = ls->s->cli->metrics_labels,
	};
	FILE *f;
	int ret;

	if (!strcmp(path, "/healthz")) {
		*body = strdup("ok\n");
		*len = 3;
		return *body ? 0 : -1;
	}
	if (strcmp(path, "/metrics"))
		return -1;
	f = open_memstream(body, len);
	if (!f)
		return -1;
	ret = ct_export_prom(f, ls->s->agg, &meta);
	if (fclose(f) || ret)
		return -1;
	*ctype = "text/plain; version=0.0.4; charset=utf-8";
	return 0;
}

/* One turn of the main loop: false once the session should end. */
static bool keep_going(struct session *s, struct ct_loader *l,
		       struct live_state *ls)
{
	const struct ct_cli *cli = s->cli;
	double t = now_s();

	if (stop_requested)
		return false;
	if (cli->duration_s && t - ls->started >= cli->duration_s) {
		ls->timed_out = true;
		return false;
	}
	/* lets a finished container out without waiting for a host event */
	ct_tracker_tick(s->tracker, ct_mono_ns());
	ct_enrich_tick(s->enrich, ct_mono_ns());
	if (ls->httpd)
		httpd_poll(ls->httpd, ct_mono_ns());
	/* COMMAND done: wait, bounded, for its containers to be destroyed */
	if (cli->cmd && ct_cmd_done(&ls->cmd) && !cli->duration_s &&
	    (!ct_tracker_pending_since(s->tracker, ls->child_wall_ns) ||
	     ct_mono_ns() - ls->cmd.done_ns >= cli->wait_s * 1e9))
		return false;
	if (cli->interval_s && t >= ls->next_interval) {
		struct ct_meta meta = {
			.version = COLDTRACE_VERSION,
			.kernel = s->kernel,
			.lost_events = ct_loader_lost(l),
			.pulls = ct_enrich_pulls(s->enrich),
			.why = ct_enrich_why(s->enrich),
			.tracker = s->tracker,
			.interim = true,
		};

		ls->next_interval = t + cli->interval_s;
		if (cli->json)
			ct_output_summary_json(stdout, s->agg, &meta);
		else
			ct_output_summary(stdout, s->agg, &meta);
		check_stdout();
	}
	return true;
}

/* --record: the file is created before tracing, its header after. */
static int create_record(struct session *s)
{
	char err[ERRLEN];

	if (!s->cli->record_path)
		return 0;
	if (ct_rec_writer_create(&s->rec, s->cli->record_path, err,
				 sizeof(err))) {
		p_err("--record: %s", err);
		return -1;
	}
	return 0;
}

static int record_header(struct session *s, struct ct_loader *l)
{
	struct ct_rec_file_hdr h;
	int rc;

	if (!s->rec)
		return 0;
	ct_rec_fill_hdr(&h, ct_loader_cgroup_mode(l), s->mono_to_real,
			COLDTRACE_VERSION);
	rc = ct_rec_writer_header(s->rec, &h);
	s->recording = !rc;
	if (rc)
		p_err("--record %s: write failed: %s", s->cli->record_path,
		      strerror(-rc));
	return rc;
}

/* Whatever happened on the way, the recording keeps what was written. */
static int close_record(struct session *s)
{
	char err[ERRLEN];
	int ret;

	if (!s->rec)
		return 0;
	ret = ct_rec_writer_close(s->rec, err, sizeof(err));
	s->rec = NULL;
	if (ret)
		p_err("--record: %s", err);
	return ret ? -1 : 0;
}

static int start_tracers(struct session *s, struct ct_loader **l)
{
	static const char *const no_pulls[] = { "pull", NULL };
	struct ct_loader_opts lo = {
		.verbose = s->cli->verbose,
		.skip_exts = s->cli->no_pulls ? no_pulls : NULL,
		.ringbuf_bytes = (size_t)s->cli->ringbuf_mb << 20,
	};
	char err[ERRLEN];
	struct utsname u;

	if (ct_loader_start(l, &lo, on_event, s, err, sizeof(err))) {
		p_err("%s", err);
		return -1;
	}
	s->mono_to_real = ct_loader_mono_to_real(*l);
	if (uname(&u) == 0)
		snprintf(s->kernel, sizeof(s->kernel), "%.63s", u.release);
	if (s->cli->no_opens)
		return 0;
	if (ct_opens_start(&s->opens_bpf, ct_loader_cgroup_mode(*l),
			   s->cli->runtime_mask, s->cli->paths > 0,
			   s->cli->verbose, err, sizeof(err))) {
		p_err("%s (use --no-opens to trace without file opens)", err);
		return -1;
	}
	s->opens = ct_opens_bpf_source(s->opens_bpf);
	if (s->cli->ready_mode == CT_READY_LISTEN &&
	    ct_ready_bpf_start(&s->ready_bpf, *l, s->opens_bpf,
			       ct_loader_cgroup_mode(*l), s->cli->verbose, err,
			       sizeof(err))) {
		p_err("%s", err);
		return -1;
	}
	if (s->cli->why && ct_why_bpf_start(&s->why_bpf, *l, s->cli->verbose,
					    err, sizeof(err))) {
		p_err("%s", err);
		return -1;
	}
	return 0;
}

static void drain(struct session *s, struct ct_loader *l)
{
	/* whatever is still in the ring buffer belongs to this session */
	while (ct_loader_poll(l, 0) > 0)
		;
	s->lost = ct_loader_lost(l);
	inject(s, CT_EV_LOST, s->lost);
	inject(s, CT_EV_END, 0);
	ct_enrich_flush(s->enrich);
	ct_tracker_flush(s->tracker);
}

/*
 * The session ended before COMMAND did (command.h): SIGTERM after -d or
 * an error, the session's own signal unless the terminal sent it to
 * COMMAND as well.
 */
static void stop_command(struct live_state *ls)
{
	int sig = SIGTERM;

	if (stop_requested && !ls->timed_out)
		sig = stop_by_kernel ? 0 : stop_requested;
	ct_cmd_stop(&ls->cmd, sig);
}

/* coldtrace's exit status with COMMAND; documented in --help. */
static int command_status(struct live_state *ls, const struct ct_cli *cli)
{
	if (!ls->cmd.stop_ns)
		return ls->cmd.status;	/* it ended on its own */
	if (!ct_cmd_wait_grace(&ls->cmd))
		fprintf(stderr, "coldtrace: '%s' (pid %d) is still running "
			"after the session ended; left running\n",
			cli->cmd[0], (int)ls->cmd.pid);
	if (ls->timed_out)
		return 124;	/* as timeout(1) */
	return 128 + (stop_requested ? stop_requested : SIGTERM);
}

static int start_command(struct live_state *ls, const struct ct_cli *cli)
{
	char err[ERRLEN];

	if (ct_cmd_spawn(&ls->cmd, cli->cmd, json_mode, err, sizeof(err))) {
		p_err("%s", err);
		return -1;
	}
	return 0;
}

static int start_listen(struct live_state *ls, const struct ct_cli *cli)
{
	int err = httpd_open(&ls->httpd, cli->listen, serve, ls);

	if (err)
		p_err("--listen %s: %s", cli->listen,
		      err == -EINVAL ? "expected ADDR:PORT" : strerror(-err));
	return err;
}

static int run_live(const struct ct_cli *cli)
{
	struct live_state ls = { .cmd.status = -1 };
	struct session s = { 0 };
	struct ct_loader *l = NULL;
	int ret = 1, err;

	s.cli = cli;
	if (check_outputs(cli) || create_record(&s) || start_tracers(&s, &l))
		goto out;
	if (session_init(&s, cli, ct_loader_cgroup_mode(l)) ||
	    record_header(&s, l))
		goto out;
	s.naming = true;
	ls.started = now_s();
	ls.next_interval = ls.started + cli->interval_s;
	ls.child_wall_ns = ct_mono_ns() + s.mono_to_real;
	ls.s = &s;
	ls.l = l;
	if (cli->listen && start_listen(&ls, cli))
		goto out;
	if (cli->cmd && start_command(&ls, cli)) {
		ret = ls.cmd.status;
		goto out;
	}
	if (!cli->cmd)
		p_info(&s, "tracing container starts%s; Ctrl-C to stop",
		       cli->duration_s ? " for the given duration" : "");
	while (keep_going(&s, l, &ls)) {
		err = ct_loader_poll(l, 100);
		if (err < 0) {
			p_err("ring buffer poll: %s", strerror(-err));
			break;
		}
	}
	if (cli->cmd)
		stop_command(&ls);
	drain(&s, l);
	httpd_close(ls.httpd);
	ls.httpd = NULL;
	ret = 0;
	if (write_outputs(&s))
		ret = 1;
out:
	if (s.rec && !s.recording) {	/* nothing traced: no file */
		ct_rec_writer_abort(s.rec);
		s.rec = NULL;
	}
	if (close_record(&s))
		ret = 1;
	httpd_close(ls.httpd);
	ct_why_bpf_stop(s.why_bpf);
	ct_ready_bpf_stop(s.ready_bpf);
	if (s.opens_bpf)
		ct_opens_stop(s.opens_bpf);
	if (l)
		ct_loader_stop(l);
	session_free(&s);
	if (ls.cmd.pid && !ls.cmd.stop_ns)	/* failed before the end */
		stop_command(&ls);
	if (cli->cmd && (ls.cmd.pid || ls.cmd.status >= 0)) {
		err = command_status(&ls, cli);
		if (!ret)
			ret = err;
	}
	return ret;
}

/*
 * fds 0-2 closed by the caller (`>&-`) would be taken by the first files
 * and BPF objects we open, and the report would go into one of them:
 * park /dev/null there.  A closed stdout is an error of its own.
 */
static int guard_std_fds(void)
{
	bool out_closed = false;

	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		if (open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
			return -1;
		out_closed |= fd == STDOUT_FILENO;
	}
	if (out_closed) {
		fprintf(stderr, "coldtrace: standard output is closed: nowhere "
			"to write the report (use >/dev/null to discard it)\n");
		return -1;
	}
	return 0;
}

/* Nothing the report wrote may be lost quietly, not even at close. */
static int close_stdout(void)
{
	if (!check_stdout())
		return -1;
	if (fclose(stdout)) {
		fprintf(stderr, "coldtrace: closing standard output failed: "
			"%s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char err[ERRLEN];
	struct ct_cli cli;
	int ret;

	if (guard_std_fds())
		return 2;
	switch (ct_cli_parse(argc, argv, &cli, stdout, err, sizeof(err))) {
	case CT_CLI_EXIT_OK:
		return close_stdout() ? 1 : 0;
	case CT_CLI_ERROR:
		json_mode = cli.json;	/* -j asked, even on a bad line */
		p_err("%s", err);
		return 2;
	case CT_CLI_OK:
		break;
	}
	json_mode = cli.json;
	if (cli.cmd && ct_cmd_check(cli.cmd, err, sizeof(err))) {
		p_err("%s", err);
		return 127;
	}
	setup_signals();
	/* a consumer closing the pipe must not kill us mid-export */
	signal(SIGPIPE, SIG_IGN);
	ret = cli.replay_path ? run_replay(&cli) : run_live(&cli);
	if (close_stdout() && !ret)
		ret = 1;
	return ret;
}
