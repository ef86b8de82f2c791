/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A value per (process, id), forgotten a process at a time: --why=user's
 * user stack ids, which name a stack only within the process image that
 * took them (user/kern/stacks.c: the ids named; user/enrich/why_store.c:
 * the stack each id stands for).  A process that exec'd or exited loses
 * its pairs at the cost of its own, not of a sweep of all.
 *
 * Bounded: at most max pairs in all; a process is kept while it has one.
 */
#ifndef __CT_PAIRS_H
#define __CT_PAIRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ct_pairs;

struct ct_pairs *ct_pairs_new(size_t max);
void ct_pairs_free(struct ct_pairs *p);

/* Whether tgid's id is kept; its value in *val (may be NULL). */
bool ct_pairs_get(const struct ct_pairs *p, uint32_t tgid, uint32_t id,
		  uint32_t *val);
/* tgid's id set to val: 0, -ENOSPC (max pairs kept) or -ENOMEM. */
int ct_pairs_put(struct ct_pairs *p, uint32_t tgid, uint32_t id, uint32_t val);
/* tgid's pairs go (it exec'd or exited). */
void ct_pairs_forget(struct ct_pairs *p, uint32_t tgid);
/* All go. */
void ct_pairs_clear(struct ct_pairs *p);
size_t ct_pairs_count(const struct ct_pairs *p);

#endif /* __CT_PAIRS_H */
