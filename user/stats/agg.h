/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Statistics across containers.  The aggregator keeps a copy of every
 * container record it is given (exporters need them all) and computes,
 * per runtime, kind and phase, n / min / p50 / p90 / p99 / max / mean
 * and the phase's share of the total time.
 *
 * Definitions (tested in tests/unit/test_agg.c):
 * - Every statistic is of one runtime and one kind (container.h): a CRI
 *   pod's sandbox record (CT_KIND_POD), whose cold start holds its app
 *   containers', never in the same statistic as a container
 *   (CT_KIND_CONTAINER: docker, podman, containerd, a pod's app
 *   containers), and a container restored from a checkpoint
 *   (CT_KIND_RESTORE: CRIU's restore is no cold start).  Open
 *   latencies, which count opens, not containers, are the one thing
 *   merged across kinds (ct_agg_runtime_opens()).
 * - Percentiles are nearest-rank on the sorted values: pN is the value of
 *   rank ceil(N/100 * n) (1-based).  n = 1: every percentile is that
 *   value.  n = 0: all fields are 0 and ct_agg_stats() still returns 0.
 * - Phase durations are the phase's own interval (end - start); a phase
 *   that did not happen or never ended does not count.
 * - Total and shares use complete containers only (an incomplete one has
 *   no meaningful total).  A container that never ran its program
 *   (c->failed: its create failed) is no cold start: it counts in no
 *   statistic, only in ct_agg_runtime_failed().  share = sum of the phase's exclusive time /
 *   sum of total_ns, so the shares of one runtime add up to at most 1.
 * - A restart: a container replaced by a later one with the same key
 *   (its name if it has one, else its pid 1's command, else its id; a
 *   pod: its name, else its id, as every sandbox runs the same pause
 *   program), the same runtime, both pods or neither, created after the
 *   old one's pid 1 exited (a restore pairs with the container
 *   checkpointed before it, and counts under the restores).
 *   Generations are ordered by the start of their run phase; each
 *   consecutive pair whose window old die start (pid 1 exit; old run end if no die) -> new ready end
 *   (new run start without a ready phase) is positive is one restart, counted under the new container's
 *   runtime.  A generation of the same id (docker start, docker
 *   restart) asked for by an exact client (client.h) after the old pid 1
 *   exited: the window starts at that request instead (a docker start
 *   of an exited container: the time it stayed exited is no restart).  Its phase breakdown is the old container's die,
 *   disconnect, destroy and the new one's prepare, attach, create,
 *   connect, start, ready, each clipped to the window, in exclusive time.
 *
 * Continuous mode (ct_agg_new_continuous(); README "Continuous mode"):
 * memory stays flat however many containers come.  Each container is
 * folded, as it is added, into its (runtime, engine, kind) group: counters,
 * share sums, the opens histogram and one log-linear histogram per
 * statistic (fold.h: n, min, max, mean exact; percentiles within
 * CT_FOLD_REL_ERR of the nearest-rank ones above).  Only the last
 * `window` records are kept: ct_agg_count() / ct_agg_get() /
 * ct_agg_restarts() see those (the per-container files), the statistics
 * see every container.  Restarts are paired as containers are added,
 * each with the last generation of its key (at most CT_AGG_GENS keys,
 * the least recently seen forgotten: a service restarted after 256 others
 * were seen is not paired), and folded like the rest.
 */
#ifndef __CT_AGG_H
#define __CT_AGG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "container.h"
#include "fold.h"
#include "restart.h"
#include "stats.h"
#include "waits.h"

struct ct_agg;

/* One-shot: every record kept, statistics exact. */
struct ct_agg *ct_agg_new(void);
/*
 * Continuous: the last `window` records (> 0) and the folded groups.
 * Every table it keeps is allocated and zeroed here, so that its memory
 * is the same on the first day as on the hundredth.
 */
struct ct_agg *ct_agg_new_continuous(size_t window);
bool ct_agg_continuous(const struct ct_agg *a);
/* Containers added in all (ct_agg_count() in one-shot mode). */
uint64_t ct_agg_added(const struct ct_agg *a);
/* Bytes the aggregator holds (records, tables, histograms). */
size_t ct_agg_bytes(const struct ct_agg *a);
void ct_agg_free(struct ct_agg *a);
/* Copies *c.  Returns 0 or -ENOMEM. */
int ct_agg_add(struct ct_agg *a, const struct ct_container *c);
size_t ct_agg_count(const struct ct_agg *a);
/* In the order added; NULL if i is out of range. */
const struct ct_container *ct_agg_get(const struct ct_agg *a, size_t i);

/* Records of a runtime and kind; *complete (may be NULL) gets the
 * complete ones. */
size_t ct_agg_runtime_count(const struct ct_agg *a, enum ct_runtime rt,
			    enum ct_kind k, size_t *complete);
/* Records of a runtime and kind that never ran their program
 * (ct_agg_failed()). */
size_t ct_agg_runtime_failed(const struct ct_agg *a, enum ct_runtime rt,
			     enum ct_kind k);

/*
 * Statistics of one phase (or CT_AGG_TOTAL) of one runtime and kind.
 * Returns 0, -EINVAL on a bad runtime, kind or phase, -ENOMEM.
 */
int ct_agg_stats(const struct ct_agg *a, enum ct_runtime rt, enum ct_kind k,
		 int phase, struct ct_stats *out);

/*
 * Every restart, ordered by window start.  *out is malloc'd (NULL when
 * there is none); the caller frees it.  Returns the count or -ENOMEM.
 */
ssize_t ct_agg_restarts(const struct ct_agg *a, struct ct_restart **out);

/* Same as ct_agg_stats() over the restarts of a runtime and kind. */
int ct_agg_restart_stats(const struct ct_agg *a, enum ct_runtime rt,
			 enum ct_kind k, int phase, struct ct_stats *out);

/*
 * The value container c contributes to ct_agg_stats(..., phase, ...):
 * false if it contributes none (phase absent or never ended; for
 * CT_AGG_TOTAL, container incomplete).  Per container: statistics also
 * ask ct_agg_counts().
 */
bool ct_agg_sample(const struct ct_container *c, int phase, uint64_t *v);
/*
 * c enters statistics at all: false when it never ran its program, when
 * it began before the session (partial: seen from the middle), or while
 * the syscall hooks were detached (unarmed: its mounts, opens and ready
 * may be missing, and a cold start without its ready is too short).
 * Each is counted apart (failed_containers, partial_containers,
 * unarmed_containers).  A container whose opens were cut by a detach
 * (opens.traced_until_ns) counts: the hooks saw its start, and a TCP
 * listen after the detach is still its ready.
 */
bool ct_agg_counts(const struct ct_container *c);
/*
 * c never ran its program (c->failed: its create failed): counted apart,
 * in no statistic; the one test of the summary's and /metrics' failed
 * counts, one-shot and folded.
 */
bool ct_agg_failed(const struct ct_container *c);

/*
 * File opens of every record of a runtime merged into one histogram,
 * pods' sandboxes included: it counts opens, not containers.  False (and
 * *out zeroed) if none of them has measured opens.
 */
bool ct_agg_runtime_opens(const struct ct_agg *a, enum ct_runtime rt,
			  struct ct_opens *out);

/*
 * FUSE waits (container.h's fuse: a lazily pulled image's fetches), summed
 * over the containers that count (ct_agg_counts()) and sent a request.
 * A container whose requests were not all kept (fuse.dropped) is counted
 * in dropped_containers alone: its wait is short by an unknown amount.
 * A container without a ready phase has its wait in no_ready_ns: where
 * its cold start ended, the wait is not split.
 * The bytes its lazy layers fetched (fuse.fetched_*) are summed for the
 * containers whose every sampled layer is known and read by it alone;
 * the others are counted apart: unknown bytes are none to add, and a
 * shared layer's growth is each sharer's (summed, it would count twice).
 */
struct ct_agg_fuse {
	uint64_t containers;	/* with FUSE requests, none dropped */
	uint64_t continued;	/* of them, still waiting after ready */
	uint64_t before_ready_ns;
	uint64_t after_ready_ns;
	uint64_t no_ready_ns;
	uint64_t requests;
	uint64_t read_bytes;
	uint64_t dropped_containers;
	uint64_t fetched_containers;	/* in the two sums below */
	uint64_t fetched_bytes;
	uint64_t fetched_by_ready_bytes;
	uint64_t fetched_after_ready_bytes;
	uint64_t fetched_unknown_containers;
	uint64_t fetched_shared_containers;
};

/* c's share into *f, if it counts and made a request. */
void ct_agg_fuse_add(struct ct_agg_fuse *f, const struct ct_container *c);
/* The FUSE sums of a runtime's records of kind k; false if none sent one
 * (*out zeroed). */
bool ct_agg_runtime_fuse(const struct ct_agg *a, enum ct_runtime rt,
			 enum ct_kind k, struct ct_agg_fuse *out);

/* The wait sites of a runtime's records of kind k; false if none has. */
bool ct_agg_runtime_waits(const struct ct_agg *a, enum ct_runtime rt,
			  enum ct_kind k, struct ct_agg_waits *out);

/* ---- continuous mode's groups, for /metrics ---- */

/* Exact duration bucket bounds kept per statistic (Prometheus'). */
#define CT_AGG_NLE	18
extern const uint64_t ct_agg_le_ns[CT_AGG_NLE];

/* Statistics a group folds: phases, CT_AGG_TOTAL, CT_AGG_COLD. */
#define CT_AGG_SLOTS	(CT_AGG_COLD + 1)
/* Restart statistics: phases, CT_AGG_TOTAL. */
#define CT_AGG_RSLOTS	(CT_AGG_TOTAL + 1)
/* Restart pairing: services whose last generation is remembered. */
#define CT_AGG_GENS	256
/*
 * Services pushed out of that full table (continuous mode; 0 in one-shot
 * mode, which keeps every record): a restart of theirs that follows is
 * not paired.  The summary's and /metrics' restart_keys_forgotten.
 */
uint64_t ct_agg_restart_keys_forgotten(const struct ct_agg *a);

struct ct_agg_series {
	struct ct_fold fold;
	uint64_t le[CT_AGG_NLE];	/* per bound, not cumulative; above
					 * the last: in fold.n only */
	uint64_t share_num;		/* the share's numerator */
};

struct ct_agg_group {
	enum ct_runtime runtime;
	enum ct_engine_kind engine;
	enum ct_kind kind;
	uint64_t seen;
	uint64_t complete;
	uint64_t failed;
	uint64_t share_den;	/* total_ns of the counted complete ones */
	uint64_t rshare_den;	/* restart windows */
	struct ct_agg_series s[CT_AGG_SLOTS];
	struct ct_agg_series r[CT_AGG_RSLOTS];
	struct ct_opens opens;
	struct ct_agg_fuse fuse;
	struct ct_agg_waits waits;	/* --why's wait sites */
};

/*
 * The groups: one per (runtime, engine) of containers, one per runtime
 * of pods, whose engine is the one row of the engine table that makes
 * pods (cri: user/engines/cri.c), and one per engine of runc's and of
 * crun's restores (the runtimes a restore is modelled for, classify.c):
 * 54 groups of ~15 KiB, not 75.
 */
#define CT_AGG_NGROUPS	(CT_RT_MAX * CT_ENG_MAX + CT_RT_MAX + 2 * CT_ENG_MAX)
/* The group (rt, e, k) folds into; CT_AGG_NGROUPS if none (a bad value,
 * a pod of an engine that makes none). */
size_t ct_agg_group_index(enum ct_runtime rt, enum ct_engine_kind e,
			  enum ct_kind k);
/* Group i, or NULL if it has no container (and always in one-shot mode). */
const struct ct_agg_group *ct_agg_group(const struct ct_agg *a, size_t i);


#endif /* __CT_AGG_H */
