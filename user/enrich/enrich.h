/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The enrich stage, between the tracker and the outputs (HACKING.md's
 * data flow).  It is fed every record the tracker is fed (image pulls,
 * listen, mkdir and scheduler-state records are followed beside the
 * state machine), and the tracker hands it each finished container
 * (before_emit) to complete, in this order:
 *
 *   pull      the image pull the container waited for (ct_pulls_claim)
 *   opens     guest and gofer open histograms, --paths' slowest opens,
 *             from an opens source (opens_source.h)
 *   prepare   moves first_ns back to the prepare phase's start
 *   ready     the ready phase; splits the opens at the first listen
 *   start files  --start-files: the files opened before ready
 *   fuse      its FUSE requests (a lazily pulled image's fetches), split
 *             at the end of ready
 *   why       per-phase time split, ready's phase included
 *
 * Opens measured now (a live session) are also handed to keep() as
 * CT_EV_OPENS / CT_EV_PATHS records, so that a --record of the session
 * has them and its replay finds them.  No BPF, no root: unit-tested.
 */
#ifndef __CT_ENRICH_H
#define __CT_ENRICH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "container.h"
#include "opens_source.h"
#include "pulls.h"
#include "ready.h"
#include "why.h"

/* A docker run's pull ends moments before the container's attach. */
#define CT_ENRICH_PULL_MAX_GAP_NS	(2 * 1000000000ull)

/* A record the session made: into the event stream (record, dump). */
typedef void (*ct_enrich_keep_cb)(const void *rec, size_t len, void *ctx);

struct ct_enrich_opts {
	int64_t mono_to_real_ns;	/* from the loader or the record file */
	const struct ct_procs *model;	/* fed each record before enrich */
	enum ct_ready_mode ready_mode;
	bool why;			/* --why */
	size_t paths;			/* --paths N; 0: off */
	uint64_t start_files_ns;	/* --start-files window; 0: off */
	struct ct_opens_source opens;
	ct_pull_cb on_pull;		/* a pull is complete; may be NULL */
	ct_enrich_keep_cb keep;		/* may be NULL */
	void *ctx;			/* of on_pull and keep */
	/* the engines' plug-ins of the prepare stage, by enum
	 * ct_engine_kind (prepare_api.h) */
	const struct ct_prepare_ops *const *prepare;
	/* ... and the daemons' pull builders (pulls_api.h) */
	const struct ct_pull_builder *const *pull;
};

struct ct_enrich;

/* NULL if out of memory. */
struct ct_enrich *ct_enrich_new(const struct ct_enrich_opts *o);
void ct_enrich_free(struct ct_enrich *e);

/* Every record, before the tracker gets it.  0 or the first -errno. */
int ct_enrich_feed(struct ct_enrich *e, const void *rec, size_t len);
/* A finished container, in the tracker's before_emit. */
void ct_enrich_apply(struct ct_enrich *e, struct ct_container *c);
/* While c runs: whether its ready phase has ended (ct_ready_reached()). */
bool ct_enrich_ready(const struct ct_enrich *e, const struct ct_container *c);
/* A container left out by -r / -c: what the source keeps for it goes. */
void ct_enrich_forget(struct ct_enrich *e, const struct ct_container *c);

/* A quiet live loop's clock (CLOCK_MONOTONIC ns). */
void ct_enrich_tick(struct ct_enrich *e, uint64_t now_mono_ns);
/* At the end, before the tracker's flush: pending pulls go out. */
void ct_enrich_flush(struct ct_enrich *e);

/* For the report: the pulls seen, --why's store (NULL without --why). */
struct ct_pulls *ct_enrich_pulls(const struct ct_enrich *e);
struct ct_why *ct_enrich_why(const struct ct_enrich *e);
struct ct_startfiles *ct_enrich_start_files(const struct ct_enrich *e);
/* One line on f per kind of record dropped (containers left short). */
void ct_enrich_warn_dropped(const struct ct_enrich *e, FILE *f);

#endif /* __CT_ENRICH_H */
