/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Process table: pid -> what the process is for the container machinery.
 * Only processes that matter are stored (classified execs and the
 * descendants of container processes), so host processes cost nothing;
 * the table grows with the load, is bounded, counts what it refuses, and
 * entries go away on exit.
 */
#ifndef __CT_PROC_H
#define __CT_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "classify.h"

struct ct_proc {
	uint32_t pid;
	uint32_t ppid;
	enum ct_role role;
	bool own;		/* role from its own exec, not inherited */
	enum ct_runtime runtime;
	enum ct_rt_cmd cmd;
	uint8_t depth;		/* generations below the role's owner */
	char id[CT_ID_LEN];	/* container, "" if none */
	char exe[32];		/* basename of argv[0], for diagnostics */
	/* tracker bookkeeping: which container counters this entry holds */
	uint32_t gen;		/* generation of the container counted in */
	uint8_t acct;
	struct ct_proc *next;	/* hash chain */
};

struct ct_proc_table;

/* Processes tracked at once unless told otherwise: ~200 B each. */
#define CT_PROC_MAX_DEFAULT	(1u << 18)

/* max_entries 0 picks CT_PROC_MAX_DEFAULT. */
struct ct_proc_table *ct_proc_table_new(size_t max_entries);
void ct_proc_table_free(struct ct_proc_table *t);

struct ct_proc *ct_proc_get(const struct ct_proc_table *t, uint32_t pid);
/* Whether pid is anc or below it, as far as the table knows their
 * parents (a walk of at most 64 generations). */
bool ct_proc_below(const struct ct_proc_table *t, uint32_t pid,
		   uint32_t anc);
/* Existing entry, or a new zeroed one; NULL when the table is full. */
struct ct_proc *ct_proc_add(struct ct_proc_table *t, uint32_t pid);
void ct_proc_del(struct ct_proc_table *t, uint32_t pid);

/*
 * A fork: if the parent is tracked and its role passes to children, add
 * the child with the parent's role, runtime and container (own = false,
 * depth + 1) and return it; else NULL.
 */
struct ct_proc *ct_proc_fork(struct ct_proc_table *t, uint32_t parent,
			     uint32_t child);

/* Apply a classification to p (own role).  Keeps p->id if c has none. */
void ct_proc_set_class(struct ct_proc *p, const struct ct_class *c);

/* Calls fn on every entry; removes (and frees) those it returns true for.
 * Returns how many were removed. */
typedef bool (*ct_proc_sweep_fn)(struct ct_proc *p, void *ctx);
size_t ct_proc_sweep(struct ct_proc_table *t, ct_proc_sweep_fn fn, void *ctx);

size_t ct_proc_count(const struct ct_proc_table *t);
/* Entries refused because the table was full. */
uint64_t ct_proc_dropped(const struct ct_proc_table *t);

#endif /* __CT_PROC_H */
