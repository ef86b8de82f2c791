/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The prepare stage's marks (prepare.c), shared with each engine's
 * evidence of where its creation began (user/engines/: docker_prepare.c,
 * containerd_prepare.c, podman_prepare.c):
 * rings of timestamped marks by key.  Only those include it.
 */
#ifndef __CT_PREPARE_INT_H
#define __CT_PREPARE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coldtrace.h"
#include "prepare.h"
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

struct ct_prepare {
	int64_t m2r;
	const struct ct_procs *model;	/* which program a parent ran */
	struct pr_ring layers;	/* key: mount id, ts: its -init mkdir */
	struct pr_ring merged;	/* key: mount id, ts: a <mid>/merged mkdir */
	struct pr_ring ids;	/* key: container id, val: its mount id */
	struct pr_ring ctr;	/* key: container id, ts: ctr run's exec */
	struct pr_ring podman;	/* key: a podman client's run, "pid@exec" */
	struct pr_ring conmon;	/* key: container id, ts: its podman's exec */
	struct pr_ring gens;	/* key: container id, ts: its record's end */
};

void pr_put(struct pr_ring *r, const char *key, size_t klen, const char *val,
	    uint64_t ts);
/* The newest mark of key (at or before ts unless ts is 0). */
const struct pr_mark *pr_find(const struct pr_ring *r, const char *key,
			      uint64_t ts);

/*
 * Each engine's marks (from its records) and its start: where c's
 * creation began, at or before first (wall clock), 0 if not seen.
 */
void ct_docker_prepare_mkdir(struct ct_prepare *p, const struct ct_mkdir *m);
void ct_docker_prepare_mountid(struct ct_prepare *p,
			       const struct ct_name_rec *r);
uint64_t ct_docker_prepare_start(const struct ct_prepare *p,
				 const struct ct_container *c, uint64_t first);
/*
 * docker: c made by an earlier request than the one that started it,
 * made after `after` (its previous generation's end): where its start
 * began (0 if not apart) and its creation in *cr (prepare.h).
 */
uint64_t ct_docker_prepare_apart(const struct ct_prepare *p,
				 const struct ct_container *c, uint64_t after,
				 struct ct_created *cr);
/* an exec: true if it was ctr's (or podman's) and kept */
bool ct_ctr_prepare_exec(struct ct_prepare *p, const struct ct_exec *x,
			 size_t alen, uint64_t t);
uint64_t ct_ctr_prepare_start(const struct ct_prepare *p,
			      const struct ct_container *c, uint64_t first);
bool ct_podman_prepare_exec(struct ct_prepare *p, const struct ct_exec *x,
			    size_t alen, uint64_t t);
uint64_t ct_podman_prepare_start(const struct ct_prepare *p,
				 const struct ct_container *c, uint64_t first);

#endif /* __CT_PREPARE_INT_H */
