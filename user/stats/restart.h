/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a restart is (restart.c), for the aggregate's one-shot pairing
 * and its continuous fold (agg.c): only user/stats/ includes it.
 */
#ifndef __CT_RESTART_H
#define __CT_RESTART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "container.h"
#include "stats.h"

struct ct_restart {
	size_t old_idx;		/* ct_agg_get() indexes */
	size_t new_idx;
	enum ct_runtime runtime;	/* the new container's */
	enum ct_kind kind;		/* both generations' */
	bool same_id;		/* a generation of the old one's id */
	/* old container's pid 1 exit; same id: its request if later */
	uint64_t start_ns;
	uint64_t end_ns;	/* new container ready (or its exec) */
	uint32_t phase_mask;	/* bit p: phase p overlaps the window */
	uint64_t excl_ns[CT_PH_MAX];	/* exclusive time inside the window */
};

/* What makes a later container the same service (with the runtime, the
 * kind and, for Kubernetes, its namespace and pod). */
const char *ct_restart_key(const struct ct_container *c, size_t *len);
/* The key and the Kubernetes scope, hashed: equal for the containers the
 * pairing takes for one service (the runtime and kind apart). */
uint64_t ct_restart_key_hash(const struct ct_container *c);
/* c's program began: a generation that can restart or be restarted. */
bool ct_restart_has_run(const struct ct_container *c);
/* old replaced by new (same key): its window and breakdown into *r;
 * false if the window is not positive. */
bool ct_restart_make(const struct ct_container *old,
		     const struct ct_container *new, bool same_id,
		     struct ct_restart *r);
/* One restart's sample of a phase (or CT_AGG_TOTAL): false if none. */
bool ct_restart_sample(const struct ct_restart *r, int phase, uint64_t *v);
/* A generation: a container whose program began, and its index in the
 * aggregator's records (ct_restart's old_idx and new_idx). */
struct ct_restart_gen {
	const struct ct_container *c;
	size_t idx;
};

/*
 * Every restart among gens[n] (sorted here): each generation paired with
 * the one before it of the same service, in order of their windows'
 * starts.  The count (*out malloc'd, NULL if none), or -ENOMEM.
 */
ssize_t ct_restarts_pair(struct ct_restart_gen *gens, size_t n,
			 struct ct_restart **out);
/* The statistics of (rt, k)'s restarts among rs[nr] (vals: nr). */
void ct_restart_stats_of(const struct ct_restart *rs, size_t nr,
			 enum ct_runtime rt, enum ct_kind k, int phase,
			 uint64_t *vals, struct ct_stats *out);

#endif /* __CT_RESTART_H */
