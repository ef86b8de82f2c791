/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The stages every record goes through, declared once (HACKING.md's
 * data flow) for the session, the tests and the fuzzer:
 *
 *   record -> process model -> enrich's followers -> chains' runners
 *          -> tracker
 *   tracker's finished container -> enrich (before_emit) -> on_container
 *                                -> chains (a step of its runner's chain)
 *
 * The caller gets the results (containers, chains, pulls) through the
 * callbacks of its opts, and the records the stages make themselves
 * (open histograms, paths) through keep.  No BPF, no output here.
 */
#ifndef __CT_PIPELINE_H
#define __CT_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "chain.h"
#include "engine.h"
#include "enrich.h"
#include "procs.h"
#include "tracker.h"

struct ct_pipeline_opts {
	int64_t mono_to_real_ns;	/* from the loader or the record file */
	enum ct_cgroup_mode cgroup_mode;
	struct ct_filter filter;	/* -r, -e, -c */
	enum ct_ready_mode ready_mode;
	bool why;			/* --why */
	size_t paths;			/* --paths N; 0: off */
	uint64_t start_files_ns;	/* --start-files window; 0: off */
	struct ct_opens_source opens;	/* live or replayed */
	ct_proc_alive_cb proc_alive;	/* live only; may be NULL */
	size_t keep_pulls;		/* pulls kept for the report; 0: all */
	/* results, each may be NULL; ctx is theirs */
	ct_container_cb on_container;	/* enriched, before its chain step */
	ct_container_cb on_new;		/* a container seen for the first time */
	ct_bundle_cb on_bundle;		/* its runtime's bundle named */
	ct_chain_fn on_chain;		/* a chain closed */
	ct_pull_cb on_pull;		/* a pull is complete */
	ct_enrich_keep_cb keep;		/* a record a stage made */
	void *ctx;
};

struct ct_pipeline {
	/* the engines' plug-ins, a column per stage (engine.h) */
	struct ct_engine_columns engines;
	struct ct_procs *model;		/* fed first, asked by the rest */
	struct ct_enrich *enrich;
	struct ct_chains *chains;
	struct ct_tracker *tracker;
	ct_container_cb on_container;
	ct_container_cb on_new;
	ct_bundle_cb on_bundle;
	ct_proc_alive_cb proc_alive;
	void *ctx;		/* of the callbacks above */
	size_t filtered;	/* containers left out by -c, -r, --engine */
};

/* 0 or -ENOMEM; *pl is left for ct_pipeline_free() either way. */
int ct_pipeline_init(struct ct_pipeline *pl, const struct ct_pipeline_opts *o);
void ct_pipeline_free(struct ct_pipeline *pl);

/*
 * One record, through every stage in order.  Its check (ct_rec_check())
 * is made here, once: the stages take checked records only.  0, or
 * -EINVAL for a malformed record (counted, fed to no stage).
 */
int ct_pipeline_feed(struct ct_pipeline *pl, const void *rec, size_t len);
/* The same, with the check its entry already made (0 or -EINVAL). */
int ct_pipeline_feed_checked(struct ct_pipeline *pl, const void *rec,
			     size_t len, int check);
/* A quiet live loop's clock (CLOCK_MONOTONIC ns). */
void ct_pipeline_tick(struct ct_pipeline *pl, uint64_t now_mono_ns);
/* The end: pending pulls, then containers, then every open chain go out. */
void ct_pipeline_flush(struct ct_pipeline *pl);

#endif /* __CT_PIPELINE_H */
