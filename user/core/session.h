/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One session's pipeline, live or replayed (HACKING.md's data flow):
 * every record goes through the tap (--record, --dump), then the stages
 * (pipeline.h); finished containers are aggregated and given to the
 * sink of the mode (sink.h: table, -j or --dump), and the session ends
 * with its report (the sink's end, -o files).  The records the session
 * makes itself (lost counter, end mark, names, open histograms, paths)
 * take the same way, so that --record keeps them and --replay reproduces
 * the live report.  No BPF here: main.c's live loop feeds it.
 */
#ifndef __CT_SESSION_H
#define __CT_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cli.h"
#include "interp.h"
#include "mapfull.h"
#include "layers.h"
#include "names.h"
#include "opens_source.h"
#include "output.h"
#include "outputs.h"
#include "pipeline.h"
#include "pull_store.h"
#include "sink.h"
#include "wallclock.h"

/* A sink (sink.h), what it is given, and the output row that opened it. */
struct ct_session_sink {
	const struct ct_sink *sink;
	struct ct_sink_out out;
	const struct ct_output *row;
};

struct ct_session {
	const struct ct_cli *cli;
	struct ct_pipeline pl;		/* the stages (pipeline.h) */
	struct ct_agg *agg;
	/* its outputs' sinks (outputs.h), walked in their order */
	struct ct_session_sink sinks[CT_OUTPUTS];
	size_t nsinks;
	/* the reports of those that have one, for ct_meta (output.h) */
	struct ct_meta_report reports[CT_OUTPUTS];
	size_t nreports;
	struct ct_opens_source opens;	/* for enrich: live or replayed */
	struct ct_rec_writer *rec;	/* --record */
	int64_t mono_to_real;
	/* live: the wall clock's moves against mono_to_real (wallclock.h) */
	struct ct_wallclock clock;
	char kernel[64];
	struct ct_host_rec host;	/* CT_EV_HOST, as fed (host.h) */
	uint64_t lost;			/* lost events, as last read */
	size_t metrics_len;		/* the last /metrics body's bytes */
	int rec_error;			/* first --record write error */
	bool recording;			/* --record header written */
	struct ct_naming names;		/* new containers, to be named */
	struct ct_layers layers;	/* lazy layers, named and sampled */
	struct ct_pull_stores pstores;	/* live: the daemons' image stores */
	struct ct_interps interps;	/* --start-files' dynamic loaders */
	struct ct_stacks *stacks;	/* live --why: stacks named (stacks.h) */
	bool live;			/* names looked up, pids checked */
	bool fuse_traced;		/* live: FUSE requests traced */
	/* set by ct_session_init() from the command line; the fuzzer sets
	 * it beforehand to fold a replay as continuous mode would */
	bool continuous;
	struct ct_replay_opens *ropens;	/* --replay's first pass */
	/* records as the tap cleans them (records.h ct_rec_clean()): one
	 * buffer for what is fed, one for what enrich keeps meanwhile */
	unsigned char *clean[2];
	const volatile sig_atomic_t *stop;	/* replay: ends it if set */
};

/*
 * Continuous mode (README; ct_cli_continuous()): --listen with neither
 * -d nor COMMAND, live.  The aggregator folds and keeps only the last CT_CONTINUOUS_WINDOW
 * records, for the per-container -o files; the pull tracker as many
 * image pulls.
 */
#define CT_CONTINUOUS_WINDOW	32

/*
 * After cli, opens, mono_to_real, kernel and live are set: the stages,
 * the outputs the command line asks for (outputs.h: --listen's listener
 * open, --otlp's sender started) and the aggregator.  0, or
 * -errno (said).
 */
int ct_session_init(struct ct_session *s, enum ct_cgroup_mode mode);
void ct_session_free(struct ct_session *s);

/* Live only: whether pid still exists (lets go of processes whose exit
 * records were lost); a ct_proc_alive_cb, ctx unused. */
bool ct_session_pid_alive(uint32_t pid, void *ctx);

/*
 * A record from a recording: checked (ct_rec_check(), once: the tap and
 * every stage take its verdict), tapped, then through the stages.
 */
int ct_session_feed(struct ct_session *s, const void *rec, size_t len);
/* The same with the check its entry made (the live loop's, arm.h). */
int ct_session_feed_checked(struct ct_session *s, const void *rec,
			    size_t len, int check);
/* The ring buffer's callback (ctx: the session): the same, then names. */
int ct_session_event(void *ctx, const void *rec, size_t len);
int ct_session_event_checked(void *ctx, const void *rec, size_t len,
			     int check);
/* A live loop's quiet turn: the samples due (layers.h), then the tick. */
void ct_session_tick(struct ct_session *s, uint64_t now_mono_ns);
/* A live session's end, its ring buffer drained: the layers' last samples. */
void ct_session_last_samples(struct ct_session *s);
/* Containers that need the syscall hooks now (ct_tracker_busy()). */
size_t ct_session_busy(const struct ct_session *s, uint64_t now_mono_ns,
		       uint64_t settle_ns);
/* A record of the session's own (CT_EV_LOST with lost, CT_EV_END). */
void ct_session_inject(struct ct_session *s, uint32_t type, uint64_t lost);
/* The loss counters (totals by enum ct_loss) as a CT_EV_LOST record. */
void ct_session_losses(struct ct_session *s, const uint64_t n[CT_LOSS_KINDS]);
/*
 * CT_EV_PULL_BLOB (whole) or CT_EV_PULL_UNTRACED: the close that the
 * blob file st of process tgid never had (its process ended, killed),
 * stamped with its last use (ct_sys_bpf_sweep_files()).
 */
struct ct_pull_blob_state;
void ct_session_inject_blob(struct ct_session *s, uint32_t tgid, int fd,
			    const struct ct_pull_blob_state *st, bool whole);
/* CT_EV_MAPFULL: the refused inserts so far, per map (mapfull.h). */
void ct_session_inject_map_full(struct ct_session *s,
				const uint64_t refused[CT_MAPFULL_NR]);

/* What every summary, /metrics and the -o files say of the session. */
void ct_session_meta(const struct ct_session *s, uint64_t lost,
		     struct ct_meta *m);
/*
 * Seconds between two ct_session_interim() calls of a live session, 0 for
 * none: -i; else, in continuous mode with -o, CT_CLI_CONTINUOUS_REWRITE_S
 * (cli.h), so that DIR follows a session of days.
 */
double ct_session_period(const struct ct_cli *cli);
/*
 * Every period: -i's running summary (only if -i was given), and -o DIR's
 * files rewritten ("final": false).
 */
void ct_session_interim(struct ct_session *s, uint64_t lost);
/*
 * --listen's GET handler (httpd.h; ctx: the session): /metrics, the
 * metrics.prom text of now, lost events as of s->lost; /healthz.
 */
int ct_session_serve(const char *path, char **body, size_t *len,
		     const char **ctype, void *ctx);
/* A turn of the live loop: each sink's poll (--listen's requests). */
void ct_session_poll(struct ct_session *s, uint64_t now_mono_ns);
/* The end: warnings, summary, histograms, pulls, -o DIR.  0, or 1. */
int ct_session_report(struct ct_session *s);
/*
 * --replay's status for a recording without its end mark (a session that
 * was killed, or a file cut short): its records are reported all the
 * same, and the cut is said on stderr.
 */
#define CT_EXIT_CUT	3

/*
 * --replay cli->replay_path through s (cli set; stop, continuous
 * optional): the first pass, every record, the report.  s is left for
 * ct_session_free(), /metrics still served from it.  0, 1 (said), or
 * CT_EXIT_CUT.
 */
int ct_session_replay(struct ct_session *s);

/* -o DIR is usable: checked before anything is traced or read. */
int ct_session_check_outputs(const struct ct_cli *cli);
/* --record: the file is created before tracing, its header after. */
int ct_session_record_create(struct ct_session *s);
int ct_session_record_header(struct ct_session *s, enum ct_cgroup_mode m);
/*
 * The live loop, every turn: records older than CT_REC_FLUSH_NS go to the
 * file; a write error is said at once.
 */
void ct_session_record_tick(struct ct_session *s);
/* The recording keeps what was written; without a header, no file. */
int ct_session_record_close(struct ct_session *s);

#endif /* __CT_SESSION_H */
