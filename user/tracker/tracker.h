/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The tracker, the per-container state machine: raw events in (live
 * from the ring buffer or replayed from a --record file), container
 * records out.  No BPF, no root: unit tests drive it directly.
 */
#ifndef __CT_TRACKER_H
#define __CT_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coldtrace.h"
#include "container.h"
#include "counters.h"
#include "mapfull.h"
#include "procs.h"
#include "phases.h"

struct ct_tracker;

struct ct_filter {
	uint32_t runtime_mask;	/* bit per enum ct_runtime; 0 = all */
	uint32_t engine_mask;	/* bit per enum ct_engine_kind; 0 = all */
	/* only ids starting with this, or of this name, or of this pod
	 * (NAMESPACE/POD) or namespace (NAMESPACE/); NULL = all */
	const char *id_prefix;
};

/* Called once per container, when it completes or at ct_tracker_flush(). */
typedef void (*ct_container_cb)(const struct ct_container *c, void *ctx);
/* c's runtime was given bundle (absolute): its config.json is there */
typedef void (*ct_bundle_cb)(const struct ct_container *c, const char *bundle,
			     void *ctx);
/* Called just before on_container: lets the caller attach data (opens). */
typedef void (*ct_container_fill_cb)(struct ct_container *c, void *ctx);

/*
 * Processes the tracker follows must exist; a live session says whether
 * pid still does (kill(pid, 0)), so that containers whose exit events
 * were lost are let go.  Replays cannot know: NULL.
 */
typedef bool (*ct_proc_alive_cb)(uint32_t pid, void *ctx);

/* Containers followed at once; more are dropped and counted. */
#define CT_TRACKER_MAX_LIVE	(1u << 16)

struct ct_tracker_opts {
	int64_t mono_to_real_ns;	/* from the loader or the record file */
	enum ct_cgroup_mode cgroup_mode;
	struct ct_filter filter;
	ct_container_fill_cb before_emit;	/* may be NULL */
	ct_container_cb on_container;
	/* a container left out by the filter is forgotten; may be NULL */
	ct_container_cb on_filtered;
	/* a container was seen for the first time (id known); may be NULL */
	ct_container_cb on_new;
	/* its runtime's create named its bundle; may be NULL */
	ct_bundle_cb on_bundle;
	ct_proc_alive_cb proc_alive;	/* may be NULL */
	/*
	 * The process model, fed each record before the tracker
	 * (pipeline.h).  NULL: a tracker used alone (unit tests) keeps
	 * one of its own and feeds it first itself.
	 */
	const struct ct_procs *model;
	/* containers followed at once; 0: CT_TRACKER_MAX_LIVE */
	size_t max_containers;
	ct_rule_cb on_rule;	/* a phase rule applied; may be NULL */
	/* the engines' client knowledge, by enum ct_engine_kind
	 * (client_api.h); NULL: no client is matched */
	const struct ct_client_ops *const *client_ops;
	void *ctx;
};

struct ct_tracker *ct_tracker_new(const struct ct_tracker_opts *opts);
void ct_tracker_free(struct ct_tracker *tk);

/*
 * Feed one record (struct ct_hdr first), checked where it entered
 * (ct_rec_check(), pipeline.h).  len is the bytes available; returns 0,
 * or -EINVAL for a NULL tracker.
 */
int ct_tracker_feed(struct ct_tracker *tk, const void *rec, size_t len);
/* A record its check refused, counted (stats' malformed): -EINVAL. */
int ct_tracker_malformed(struct ct_tracker *tk);

/*
 * Advance the tracker's clock (CLOCK_MONOTONIC ns, the clock of hdr.ts_ns)
 * without an event: a finished container is held for a short grace period
 * of event time to absorb late cleanup, so a quiet live loop should call
 * this on poll timeouts.  Replays need not.
 */
void ct_tracker_tick(struct ct_tracker *tk, uint64_t now_mono_ns);

/* Emit every container not yet emitted, incomplete ones marked as such. */
void ct_tracker_flush(struct ct_tracker *tk);

/* Containers currently tracked and not yet emitted. */
size_t ct_tracker_pending(const struct ct_tracker *tk);

/*
 * The same, counting only containers whose first phase began at or after
 * since_ns (wall clock): what a traced COMMAND started, not what other
 * users of the host were doing already.
 */
size_t ct_tracker_pending_since(const struct ct_tracker *tk, uint64_t since_ns);

/* Whether c's ready phase has ended while it runs (ctx: the caller's). */
typedef bool (*ct_ready_fn)(const void *ctx, const struct ct_container *c);

/*
 * Containers that need the syscall hooks at now_mono_ns (user/kern/arm.h):
 * in their cold start (until ready() says their ready phase ended, or
 * settle_ns after their program began when it does not) or in their
 * removal (from die, or destroy, on).
 */
size_t ct_tracker_busy(const struct ct_tracker *tk, uint64_t now_mono_ns,
		       uint64_t settle_ns, ct_ready_fn ready,
		       const void *ctx);

/* Lost-event total seen so far (CT_EV_LOST records). */
uint64_t ct_tracker_lost(const struct ct_tracker *tk);

/* Every loss the tracker knows of: what a report must say. */
struct ct_tracker_stats {
	uint64_t lost_events;	/* kernel ring buffer (CT_EV_LOST) */
	/* the TRACKER rows of counters.h: every one said by the reports */
	CT_COUNTERS(CT_COUNTER_FIELD)
	/* idle-host arming (CT_EV_ARM, user/kern/arm.h): the longest wait
	 * from the exec that asked to the attach (arm_latency_max_us) */
	uint64_t arm_latency_max_ns;
	/* containers begun before the session (CT_EV_ADOPT, adopt.h),
	 * adopted at its start */
	uint64_t adopted;
	/* inserts refused by full BPF maps, per map (CT_EV_MAPFULL) */
	uint64_t map_full[CT_MAPFULL_NR];
};

/* Their sum: map_full_inserts. */
uint64_t ct_tracker_map_full(const struct ct_tracker_stats *st);

/*
 * Whether a container the tracker follows now has this cgroup key
 * (ct_opens_sweep(): what no record will read).
 */
bool ct_tracker_has_key(const struct ct_tracker *tk, uint64_t cgroup_key);

void ct_tracker_get_stats(const struct ct_tracker *tk,
			 struct ct_tracker_stats *out);

/* The container key in use (V1_MEMORY when unset); V1_MEMORY for NULL. */
enum ct_cgroup_mode ct_tracker_cgroup_mode(const struct ct_tracker *tk);

#endif /* __CT_TRACKER_H */
