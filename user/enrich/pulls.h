/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The image pull engine: raw records in (include/pull.h records, plus the
 * CT_EV_EXEC/CT_EV_EXIT lifecycle records of `docker-untar` and of the
 * `docker pull` / `ctr pull` clients), one struct ct_pull out per pull.
 * Pure C, no BPF: unit tests feed it directly.
 *
 * Records of several ring buffers arrive slightly out of order, so the
 * engine keeps the events of a pull until it is over, sorts them, and
 * only then builds the pull:
 *  - docker: over at the last rename of repositories.json, emitted once
 *    event time has gone CT_PULL_GRACE_NS past it (late closes land);
 *  - containerd: over after CT_PULL_IDLE_NS without pull activity;
 *  - one whose end never comes: emitted incomplete once its daemon's
 *    blob files are all closed (pulls.c abandoned()).
 */
#ifndef __CT_PULL_ENGINE_H
#define __CT_PULL_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
/* include/pull.h: the records, for every user of the pull tracker */
#include "pull.h"
#include "procs.h"

#define CT_PULL_GRACE_NS	1000000000ull	/* 1 s after the end */
#define CT_PULL_IDLE_NS		3000000000ull	/* containerd: 3 s idle */
/* a pull without its end, nothing of its daemon's pulls since: over */
#define CT_PULL_ABANDON_NS	600000000000ull	/* 10 min */
#define CT_PULL_IMAGE_LEN	256
#define CT_PULL_DIGEST_LEN	80		/* "sha256:" + 64 hex + NUL */

struct ct_pull_layer {
	char digest[CT_PULL_DIGEST_LEN];	/* "" if not recovered */
	uint64_t bytes;			/* compressed bytes fetched */
	/*
	 * Listed by the daemon's store (CT_EV_PULL_IMAGE) but not fetched
	 * by this pull: already present (cached), or fetched once for it
	 * and another pull at once (fetched_by: that pull's image; its
	 * bytes are that pull's, the times of the fetch this one waited on).
	 */
	bool cached;
	char fetched_by[CT_PULL_IMAGE_LEN];
	uint64_t size;			/* compressed, the manifest's; 0 unknown */
	uint64_t unpacked;		/* the daemon's unpacked size; 0 unknown */
	/*
	 * Its blob file was not followed whole (CT_EV_PULL_UNTRACED: the
	 * hooks on its writes and reads were off for part of its life):
	 * bytes and times are what was seen, 0 if nothing.
	 */
	bool untraced;
	uint64_t fetch_start_ns;	/* wall clock; 0 if none */
	uint64_t fetch_dur_ns;
	uint64_t unpack_start_ns;	/* wall clock; 0 if not unpacked */
	uint64_t unpack_dur_ns;
};

struct ct_pull {
	char image[CT_PULL_IMAGE_LEN];	/* "" if not recovered */
	/*
	 * What the daemon's store said of the image (CT_EV_PULL_IMAGE):
	 * its manifest's digest, where its layers were read (enum
	 * ct_pull_manifest_src; 0: not read, only the fetched layers are
	 * listed) and how many it has (more than nlayers: cut).
	 */
	char manifest[CT_PULL_DIGEST_LEN];
	uint32_t manifest_src;
	size_t layers_total;
	const char *engine;		/* ct_engine_name(): docker or
					 * containerd */
	bool complete;			/* its end was seen */
	uint64_t start_ns;		/* wall clock */
	uint64_t dur_ns;
	uint64_t ttfb_ns;		/* start -> first layer byte written */
	/*
	 * Where its time went (pl_emit()): time before its first layer's
	 * fetch (resolving: its registry's round trips for the manifest and
	 * the config; waiting for a download slot; all of it if it fetched
	 * nothing), time with a layer fetching (its own or a fetch it
	 * waited on), and time unpacking while none was: a pull held up by
	 * its registry has little of the last, one held up by unpacking
	 * much.
	 */
	uint64_t before_fetch_ns;
	uint64_t fetch_busy_ns;
	uint64_t unpack_only_ns;
	uint32_t conc_max;		/* layers fetching at once */
	double conc_mean;		/* time-weighted over the fetch span */
	/*
	 * Blob files of this pull not followed whole (CT_EV_PULL_UNTRACED),
	 * layers or not: a count that is not 0 says bytes are missing.
	 */
	size_t untraced_files;
	/*
	 * Wall clock: the syscall hooks were off when the pull began (a
	 * pull that no client waited for: its registry connect attached
	 * them, user/kern/arm.h) and attached then; a blob file opened
	 * before was not seen at all.  0: on since before the pull, or not
	 * known (a recording without CT_EV_ARM records).
	 */
	uint64_t traced_from_ns;
	/*
	 * The pull ring buffer lost records while it ran or before it was
	 * emitted (CT_EV_LOST, lost_pull_records): layers, bytes or its
	 * end may be missing, and it is not complete.
	 */
	bool records_lost;
	size_t nlayers;
	/* the manifest's order when the store listed them, else the order
	 * they were fetched in */
	struct ct_pull_layer *layers;
	bool claimed;			/* given to a container already */
	/* the process that pulled when it is a client itself (podman);
	 * 0: a daemon's pull */
	uint32_t puller;
};

typedef void (*ct_pull_cb)(const struct ct_pull *p, void *ctx);

/*
 * Every pull emitted, by engine, folded as it is emitted (continuous
 * mode keeps only the last pulls, ct_pulls_keep(), and /metrics counts
 * them all): pulls, those complete (their end seen, no record lost),
 * their layers, compressed bytes fetched and blob files not followed
 * whole, whatever their end; durations of the complete ones and times
 * to first byte of those that wrote one, under ct_pull_le_ns (10 ms ..
 * 10 min).
 */
#define CT_PULL_NLE	15
extern const uint64_t ct_pull_le_ns[CT_PULL_NLE];

struct ct_pull_hist {
	uint64_t le[CT_PULL_NLE];	/* per bound, not cumulative; above
					 * the last: in n only */
	uint64_t n;
	uint64_t sum_ns;
};

struct ct_pull_totals {
	uint64_t pulls;
	uint64_t complete;
	uint64_t layers;		/* fetched */
	uint64_t bytes;			/* fetched */
	uint64_t cached_layers;		/* listed, not fetched */
	uint64_t cached_bytes;		/* their compressed sizes, as known */
	/* pulls whose manifest was unread (CT_PULL_M_UNREAD): their
	 * cached layers are in neither count above */
	uint64_t manifest_unread;
	uint64_t untraced_files;
	struct ct_pull_hist dur;
	struct ct_pull_hist ttfb;
};

struct ct_pulls;

struct ct_pull_builder;

/*
 * model: the process model, fed each record before the pulls are;
 * builders: each daemon's by enum ct_engine_kind (pulls_api.h; NULL: no
 * pull is built).  on_pull may be NULL; pulls are also kept for
 * pulls.jsonl (ct_jsonl_write_all(), jsonl.h).
 */
struct ct_pulls *ct_pulls_new(int64_t mono_to_real_ns,
			      const struct ct_procs *model,
			      const struct ct_pull_builder *const *builders,
			      ct_pull_cb on_pull, void *ctx);
void ct_pulls_free(struct ct_pulls *e);
/*
 * Continuous mode: keep only the last max pulls (0: all, the default);
 * ct_pulls_count() / ct_pulls_get() and the end report see those.
 */
void ct_pulls_keep(struct ct_pulls *e, size_t max);

/*
 * Feed any record, checked where it entered (pipeline.h): the ones that
 * are not about pulls are ignored.  Returns 0, -EINVAL for a blob of a
 * kind no daemon writes, or -ENOMEM.
 */
int ct_pulls_feed(struct ct_pulls *e, const void *rec, size_t len);
/* Advance event time (CLOCK_MONOTONIC ns) on a quiet live loop. */
void ct_pulls_tick(struct ct_pulls *e, uint64_t now_mono_ns);
/* Emit whatever is pending (a pull without its end: complete = false). */
void ct_pulls_flush(struct ct_pulls *e);
/*
 * Emit now, without waiting for the grace period or the daemon's idle
 * end, the pulls that ended before wall_ns (a container's first phase):
 * a container created after its pull may be finished before then.
 */
void ct_pulls_settle(struct ct_pulls *e, uint64_t wall_ns);

/* An engine's totals (enum ct_engine_kind), NULL before its first pull. */
const struct ct_pull_totals *ct_pulls_totals(const struct ct_pulls *e,
					     int engine);

/* Pulls emitted so far, oldest first. */
size_t ct_pulls_count(const struct ct_pulls *e);
const struct ct_pull *ct_pulls_get(const struct ct_pulls *e, size_t i);

/*
 * The latest pull that ended at most max_gap_ns before wall_ns (a
 * container's first phase): the pull a `docker run` did before creating
 * it.  NULL if none.  Pulls are emitted CT_PULL_GRACE_NS after their end:
 * flush the pull engine before the container engine at exit.
 */
const struct ct_pull *ct_pulls_before(const struct ct_pulls *e,
				      uint64_t wall_ns, uint64_t max_gap_ns);

/*
 * The pull a container of image (as its engine keeps it: Config.Image;
 * "" unknown) whose first phase began at wall_ns was waiting for:
 * settles the pulls ended before it, then takes the latest complete pull of
 * that image that ended at most max_gap_ns before (pulls at once end in
 * any order), else ct_pulls_before()'s answer if it is complete, not of
 * another image, and no other container claimed it (one pull, one
 * container: the next run of the same image pulls nothing).  A
 * container whose client (client_pid, 0 none) pulled itself (`podman
 * run`) takes that client's latest pull first, whatever its image.
 */
const struct ct_pull *ct_pulls_claim(struct ct_pulls *e, uint64_t wall_ns,
				     uint64_t max_gap_ns, const char *image,
				     uint32_t client_pid);

/* Pure helpers, exposed for the unit tests. */
/* Max and time-weighted mean of overlapping [start, start+dur) spans. */
void ct_pull_concurrency(const struct ct_pull_layer *l, size_t n,
			 uint32_t *max, double *mean);
/* Registry port an image reference names (443 if none), 0 if bad. */
uint16_t ct_pull_ref_port(const char *ref);

#endif /* __CT_PULL_ENGINE_H */
