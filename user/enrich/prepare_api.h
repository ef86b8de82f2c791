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
#include "armlog.h"
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

/* A mkdir's mark (CT_EV_MKDIR, CT_EV_CMKDIR): its enter, wall clock. */
static inline uint64_t pr_mkdir_at(const struct ct_mkdir *m, int64_t m2r)
{
	return (m->start_ns ? m->start_ns : m->hdr.ts_ns) + m2r;
}

/* The oldest mark of key in [from, before), NULL if none. */
const struct pr_mark *pr_first(const struct pr_ring *r, const char *key,
			       uint64_t from, uint64_t before);

/*
 * containerd's own marks (CT_EV_CMKDIR), which every engine running on
 * it may read: the directories of a task's bundle, made right before the
 * shim's exec (by the task's id), and its new snapshots (a container's
 * read-write layer, or a pulled layer's: they name no container).
 */
#define PR_SNAP	"snapshot"

struct pr_containerd {
	struct pr_ring bundles;	/* key: task id, val: its namespace */
	struct pr_ring snaps;	/* key: PR_SNAP */
};

/* What every engine's prepare may read. */
struct ct_prepare_env {
	int64_t m2r;			/* monotonic -> wall clock */
	const struct ct_procs *model;	/* which program a parent ran */
	struct pr_containerd *ctrd;	/* containerd's feed fills it */
	const struct ct_arm_log *arms;	/* the hooks' turns, wall clock */
	const struct ct_arm_log *placed; /* new function probes placed
					  * (CT_UFN_PLACED), wall clock */
};

/*
 * Whether the syscall hooks were attached throughout [from, to] (wall),
 * so that every mark of then was seen (the engines' function probes,
 * user/kern/ufn_bpf.h, are placed at an attach and stay).
 */
bool pr_hooks_on(const struct ct_prepare_env *env, uint64_t from,
		 uint64_t to);
/*
 * Whether the engines' function probes were the same throughout [from,
 * before) (wall): CT_MISS_NONE if placed before it and none since, else
 * why an entry of then might be missing: CT_MISS_REPROBED (a daemon's
 * binary probed meanwhile), CT_MISS_UNPROBED (none placed before).
 */
enum ct_step_missing pr_probes_missing(const struct ct_prepare_env *env,
				       uint64_t from, uint64_t before);

/*
 * A creation's acts come at most this after its first one (its
 * request's entry, a function probe's): the window before an act in
 * which an entry not found is looked for, and in which prepare.c asks
 * whether a start was cut.
 */
#define PR_ENTRY_GAP_NS	1000000000ull

/* containerd's first mkdir of task id's bundle in [from, before), 0 if
 * none. */
uint64_t pr_bundle(const struct ct_prepare_env *env, const char *id,
		   uint64_t from, uint64_t before);
/* A step's mark (wall), or, when 0, why it has none (enum
 * ct_step_missing; CT_MISS_NONE: not looked for, nothing said). */
struct pr_found {
	uint64_t ts;
	uint8_t why;
};

/*
 * An entry a function probe marks, looked for in [from, before): ts if
 * found, else why not (docs/phases.md "Missing steps"): the probes
 * placed within it or never before it, else CT_MISS_UNSEEN unless one
 * came there and was not taken (untaken: nothing sure to say).
 */
struct pr_found pr_entry_found(const struct ct_prepare_env *env, uint64_t ts,
			       uint64_t from, uint64_t before, bool untaken);
/*
 * The first of containerd's new snapshots in [from, before) when there
 * are exactly n of them (the engine makes n for a container); 0 if not
 * (another client's may be among them), its why CT_MISS_SHARED when
 * there were more.
 */
struct pr_found pr_snapshot_found(const struct ct_prepare_env *env,
				  uint64_t from, uint64_t before, size_t n);

/* One engine's prepare; its state: state_size bytes, zeroed, resident. */
struct ct_prepare_ops {
	size_t state_size;
	/*
	 * A record the stage keeps (CT_EV_MKDIR, CT_EV_CMKDIR,
	 * CT_EV_MOUNTID, CT_EV_MOUNT, CT_EV_EXEC, checked; t: its wall
	 * time): true if it was this engine's (the engines after it do not
	 * see it).
	 */
	bool (*feed)(void *es, const struct ct_prepare_env *env,
		     const struct ct_hdr *h, uint64_t t);
	/* where c's creation began, at or before first (wall), 0 if not
	 * seen */
	uint64_t (*start)(const void *es, const struct ct_prepare_env *env,
			  const struct ct_container *c, uint64_t first);
	/*
	 * NULL, or: c made by an earlier request than the one that started
	 * it, made after `after` (its previous generation's end): where its
	 * start began (0 if not apart) and its creation in *cr (prepare.h).
	 */
	uint64_t (*apart)(const void *es, const struct ct_container *c,
			  uint64_t after, struct ct_created *cr);
	/* NULL, or: c's prepare (set) split into its steps with
	 * pr_step(), in time order */
	void (*steps)(const void *es, const struct ct_prepare_env *env,
		      const struct ct_container *c, struct ct_steps *out);
	/* its prepare begins only at a client's exec: a start without one
	 * was asked some other way (an API service), said so */
	bool client_only;
	/*
	 * NULL, or: its prepare's marks all come from the syscall hooks
	 * (the CRI's, asked over a socket), and whether the mark at s (0:
	 * none) is c's creation's very first act; if not, a creation while
	 * the hooks were detached may have begun unseen, and is said so
	 * (prepare.c)
	 */
	bool (*first_act)(const void *es, const struct ct_container *c,
			  uint64_t s);
};

/*
 * Step st of c's prepare begins at t (wall; 0: its mark not seen): kept
 * if t lies in prepare and after the step before it; a mark out of that
 * order is not taken.
 */
void pr_step(struct ct_steps *out, const struct ct_container *c,
	     enum ct_step st, uint64_t t);
/* pr_step() of f's mark; without one, its why kept as st's reason
 * (docs/phases.md "Missing steps") */
void pr_step_found(struct ct_steps *out, const struct ct_container *c,
		   enum ct_step st, struct pr_found f);
/* Where the engine was asked for c: its client's request (its connect)
 * if after prepare's start, else prepare's start. */
uint64_t pr_asked_at(const struct ct_container *c);
/*
 * c's first steps when its prepare begins at its client's exec: the
 * client's start-up to its request (its connect to the engine's socket),
 * then the request.  True if taken.
 */
bool pr_client_steps(struct ct_steps *out, const struct ct_container *c);

#endif /* __CT_PREPARE_API_H */
