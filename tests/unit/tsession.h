/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Test helper: replay a recording (tests/fixtures or $CT_FIXTURES)
 * through the session's own stages (user/core/pipeline.h; --why on, the
 * recording's opens as enrich's source), and keep the container named
 * by the sidecar (NAME.json, containers[0].id).
 */
#ifndef __CT_TSESSION_H
#define __CT_TSESSION_H

#include "container.h"
#include "ready.h"
#include "tracker.h"
#include "tjson.h"

struct ts_result {
	struct ct_container c;	/* the sidecar's container */
	int n;			/* records with its id (1 expected) */
	struct tj *sidecar;	/* NAME.json, for its other fields */
	char *text;
};

/* Every container of the sidecar's list (containers.N.id), in its order;
 * an id listed k times: its k generations, in the order they came. */
#define TS_MAX	16

struct ts_all {
	struct ct_container c[TS_MAX];
	int seen[TS_MAX];	/* records with containers.N.id (1 expected) */
	size_t n;		/* containers in the sidecar */
	struct ct_tracker_stats st;	/* the tracker's, at the end */
	struct tj *sidecar;
	char *text;
};

void ts_replay_all(const char *name, struct ts_all *a);
void ts_all_free(struct ts_all *a);

/* Asserts that the files exist and replay cleanly. */
void ts_replay(const char *name, enum ct_ready_mode mode,
	       struct ts_result *r);
/* A decimal string field of the sidecar (exact ns), asserted present;
 * key as tj_get() takes it ("containers.1.destroy_event_ns"). */
uint64_t ts_u64str(const struct tj *sidecar, const char *key);
uint64_t ts_sidecar_u64str(const struct ts_result *r, const char *key);
/* Whether a NUL-separated block (a CNI plugin's environment, len bytes)
 * holds the whole string want: the truth of the CRI tests, read apart
 * from the parser under test. */
bool ts_has_string(const char *block, size_t len, const char *want);
/* Each record of tests/fixtures/NAME.ctrec, in order, to fn with the
 * recording's monotonic-to-wall offset: a test's truth, read from the
 * records themselves. */
void ts_each_record(const char *name,
		    void (*fn)(const struct ct_hdr *h, int64_t m2r, void *ctx),
		    void *ctx);
void ts_free(struct ts_result *r);
/* The client's argv is what the sidecar says was run (want: an array;
 * its first skip items are not the client's). */
void ts_assert_argv(const struct ct_client *cl, const struct tj *want,
		    size_t skip, const char *what);

#endif /* __CT_TSESSION_H */
