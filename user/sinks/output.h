/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What coldtrace prints: the JSON object of one container (the same in
 * -j output and in DIR/containers.jsonl) and the terminal table
 * (output.c), cold-start chains (chain_output.c), and the summary (text,
 * or one JSON line whose body is DIR/summary.json's; summary.c).
 */
#ifndef __CT_OUTPUT_H
#define __CT_OUTPUT_H

#include <stdint.h>
#include <stdio.h>
#include "agg.h"
#include "container.h"
#include "json.h"

struct ct_chain;
struct ct_chains;
struct ct_pulls;
struct ct_startfiles;
struct ct_tracker;

/*
 * An output's own counts (--otlp's spans sent and dropped), said by the
 * summary (text, its JSON) and /metrics beside the session's losses;
 * each may be NULL.  priv: the output's state.
 */
struct ct_output_report {
	void (*text)(FILE *f, const void *priv);
	void (*json)(struct ct_json *w, const void *priv);
	void (*prom)(FILE *f, const void *priv);
};

/* An open output's report and its state (the output's priv). */
struct ct_meta_report {
	const struct ct_output_report *ops;
	const void *priv;
};

/* Run facts carried by every output that is kept (docs/design.md
 * "Interface"). */
struct ct_meta {
	const char *version;	/* coldtrace version */
	const char *kernel;	/* uname -r of the traced host */
	uint64_t lost_events;
	const struct ct_pulls *pulls;	/* image pulls; may be NULL */
	const struct ct_chains *chains;	/* cold-start chains; may be NULL */
	/* --start-files' lines (start-files.jsonl); may be NULL */
	const struct ct_startfiles *start_files;
	const struct ct_tracker *tracker;	/* its loss counters; may be NULL */
	const struct ct_why *why;	/* --why state slices; may be NULL */
	bool interim;		/* an -i summary: the session goes on */
	unsigned int prom_labels;	/* enum ct_prom_label (prom.h) bits */
	/* --runtime, --engine (cli.h; 0: all): when given, the (runtime,
	 * engine) pairs /metrics exports at 0 before their first container */
	uint32_t runtime_mask;
	uint32_t engine_mask;
	/* a live /metrics alone (core/installed.h): the runtimes and the
	 * engines installed, whose pairs it exports at 0, their counters
	 * and cold-start histogram only; 0: none */
	uint32_t installed_runtimes;
	uint32_t installed_engines;
	/* the traced host (CT_EV_HOST); NULL: not known */
	const char *host_name;
	const char *host_id;
	const char *node_name;
	/* the open outputs' own counts, in the outputs' order: as many as
	 * the session has (its array) */
	const struct ct_meta_report *reports;
	size_t nreports;
};

/* Every report's text, JSON or /metrics part, in order. */
void ct_meta_reports_text(FILE *f, const struct ct_meta *m);
void ct_meta_reports_json(struct ct_json *w, const struct ct_meta *m);
void ct_meta_reports_prom(FILE *f, const struct ct_meta *m);

/* {"type":"container",...} into a writer (no newline; a line of it:
 * jsonl.h). */
void ct_json_container(struct ct_json *w, const struct ct_container *c);
/* Why steps phase p's engine expected are not said, "missing":
 * {"image": "shared"} (docs/phases.md "Missing steps"); nothing if
 * none.  The record's and trace.json's phase. */
void ct_json_steps_missing(struct ct_json *w, const struct ct_container *c,
			   enum ct_phase p);

/* A cold-start chain (chain.h): {"type":"chain",...} into a writer
 * (a line of it, every kept chain's: jsonl.h). */
void ct_json_chain(struct ct_json *w, const struct ct_chain *ch);
/* The text report's "chains" section (nothing when there is none). */
void ct_output_chains(FILE *f, const struct ct_chains *t);

/* Terminal table: 12-char id, runtime, engine, exit, total, per phase
 * duration and share of total (exclusive).  Fits in 140 columns; wall
 * (-T) puts the container's start first, local HH:MM:SS.mmm (153). */
void ct_output_table_header(FILE *f, bool wall);
void ct_output_table_row(FILE *f, const struct ct_container *c, bool wall);
/* --why: one indented line per phase with a split (cpu/runq/io/sleep). */
void ct_output_why_rows(FILE *f, const struct ct_container *c);

/*
 * The text layout the table, the summary and the chains share, so that
 * the phase columns line up: a 39-char prefix, then 10 cells of
 * CT_OUTPUT_CELL_W chars ("ms" in at most 4 chars, then the share in %):
 * 139 columns.  The phase names' header cells, milliseconds in at most 4
 * characters (wider only beyond 999 s), untrusted bytes made printable
 * and padded to width.
 */
#define CT_OUTPUT_CELL_W	10
void ct_output_phase_names(FILE *f);
void ct_output_fmt_ms4(char *buf, size_t len, uint64_t ns);
void ct_output_put_printable(FILE *f, const char *s, size_t max, int width);

/* Text summary: one line per runtime seen, restarts, lost events. */
void ct_output_summary(FILE *f, const struct ct_agg *agg,
		       const struct ct_meta *meta);
/* The summary as a result: the aggregate and the session's meta. */
struct ct_summary {
	const struct ct_agg *agg;
	const struct ct_meta *meta;
};
/* {"type":"summary",<summary.json fields>} into a writer (no newline; a
 * line of it: jsonl.h). */
void ct_json_summary(struct ct_json *w, const struct ct_summary *s);
/*
 * The summary.json fields (version, kernel, cgroup_key when a tracker is
 * given, runtimes, lost_events, the loss counters) into
 * an open object.  Returns 0 or -ENOMEM.
 */
int ct_json_summary_fields(struct ct_json *w, const struct ct_agg *agg,
			   const struct ct_meta *meta);
/* "v1-memory" or "v2": the summary's "cgroup_key". */
const char *ct_cgroup_key_name(enum ct_cgroup_mode m);

#endif /* __CT_OUTPUT_H */
