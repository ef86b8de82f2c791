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
#include "agg.h"

/* What makes a later container the same service (with the runtime and
 * the kind). */
const char *ct_restart_key(const struct ct_container *c, size_t *len);
/* c's program began: a generation that can restart or be restarted. */
bool ct_restart_has_run(const struct ct_container *c);
/* old replaced by new (same key): its window and breakdown into *r;
 * false if the window is not positive. */
bool ct_restart_make(const struct ct_container *old,
		     const struct ct_container *new, bool same_id,
		     struct ct_restart *r);
/* One restart's sample of a phase (or CT_AGG_TOTAL): false if none. */
bool ct_restart_sample(const struct ct_restart *r, int phase, uint64_t *v);
/* The statistics of (rt, k)'s restarts among rs[nr] (vals: nr). */
void ct_restart_stats_of(const struct ct_restart *rs, size_t nr,
			 enum ct_runtime rt, enum ct_kind k, int phase,
			 uint64_t *vals, struct ct_stats *out);

#endif /* __CT_RESTART_H */
