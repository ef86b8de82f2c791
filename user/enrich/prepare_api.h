/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The prepare stage's plug-in API (prepare.c): what an engine gives it
 * (user/engines/<engine>_prepare.c), one struct ct_prepare_ops each,
 * handed to ct_prepare_new() by the pipeline, and what it gives the
 * engines: rings of timestamped marks by key, for the evidence of where
 * a creation began, and the process model.
 */
#ifndef __CT_PREPARE_API_H
#define __CT_PREPARE_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coldtrace.h"
#include "container.h"
#include "procs.h"

#define PR_RING	1024	/* of each kind: creations in flight, bounded */

struct pr_mark {
	char key[CT_NAME_ID_LEN];	/* mount id, or ctr container id */
	char val[CT_NAME_NAME_LEN];	/* container id -> mount id map */
	uint64_t ts;			/* wall clock */
};

struct pr_ring {
	struct pr_mark m[PR_RING];
	size_t next;
};

void pr_put(struct pr_ring *r, const char *key, size_t klen, const char *val,
	    uint64_t ts);
/* The newest mark of key (at or before ts unless ts is 0). */
const struct pr_mark *pr_find(const struct pr_ring *r, const char *key,
			      uint64_t ts);

/* What every engine's prepare may read. */
struct ct_prepare_env {
	int64_t m2r;			/* monotonic -> wall clock */
	const struct ct_procs *model;	/* which program a parent ran */
};

/* One engine's prepare; its state: state_size bytes, zeroed, resident. */
struct ct_prepare_ops {
	size_t state_size;
	/*
	 * A record the stage keeps (CT_EV_MKDIR, CT_EV_MOUNTID, CT_EV_EXEC,
	 * checked; t: its wall time): true if it was this engine's (the
	 * engines after it do not see it).
	 */
	bool (*feed)(void *es, const struct ct_prepare_env *env,
		     const struct ct_hdr *h, uint64_t t);
	/* where c's creation began, at or before first (wall), 0 if not
	 * seen */
	uint64_t (*start)(const void *es, const struct ct_container *c,
			  uint64_t first);
	/*
	 * NULL, or: c made by an earlier request than the one that started
	 * it, made after `after` (its previous generation's end): where its
	 * start began (0 if not apart) and its creation in *cr (prepare.h).
	 */
	uint64_t (*apart)(const void *es, const struct ct_container *c,
			  uint64_t after, struct ct_created *cr);
	/* NULL, or: c's prepare (set) split into its steps with
	 * pr_step(), in time order */
	void (*steps)(const void *es, const struct ct_container *c,
		      struct ct_steps *out);
	/* its prepare begins only at a client's exec: a start without one
	 * was asked some other way (an API service), said so */
	bool client_only;
};

/*
 * Step st of c's prepare begins at t (wall; 0: its mark not seen): kept
 * if t lies in prepare and after the step before it; a mark out of that
 * order is not taken.
 */
void pr_step(struct ct_steps *out, const struct ct_container *c,
	     enum ct_step st, uint64_t t);

#endif /* __CT_PREPARE_API_H */
