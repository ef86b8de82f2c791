/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --why's kernel stacks named for the records (include/coldtrace.h,
 * CT_EV_STACK): a live session hands every record here before it goes
 * on; each stack id that the record carries and no earlier record did
 * is read from the why_stacks map, its addresses named from
 * /proc/kallsyms, and a CT_EV_STACK record made for it first.  Kernel
 * addresses differ per host and per boot, names do not: a recording
 * names its sites on any host.
 */
#ifndef __CT_STACKS_H
#define __CT_STACKS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "coldtrace.h"

/* ---- the kernel's symbols ---- */

struct ct_ksyms;

/* Text symbols of a kallsyms file; NULL (errno) if none could be read. */
struct ct_ksyms *ct_ksyms_load(const char *path);
void ct_ksyms_free(struct ct_ksyms *ks);
/* The function covering addr, or NULL. */
const char *ct_ksym_name(const struct ct_ksyms *ks, uint64_t addr);

/*
 * A CT_EV_STACK record for id (as records carry it) of the n addresses
 * ips (innermost first; 0 ends them early), named by ks.
 */
void ct_stack_rec_fill(struct ct_stack_rec *r, uint32_t id,
		       const uint64_t *ips, size_t n,
		       const struct ct_ksyms *ks);

/* ---- a live session's namer ---- */

struct ct_stacks;

typedef void (*ct_stacks_made_fn)(const void *rec, size_t len, void *ctx);

/*
 * Reads map id key's CT_STACK_DEPTH addresses into ips: 0 or -errno
 * (live: ct_why_bpf_read_stack(); tests: their own).
 */
typedef int (*ct_stacks_read_fn)(void *ctx, uint32_t key, uint64_t *ips);

/* kallsyms: read now (a session's start), said once if it cannot be. */
struct ct_stacks *ct_stacks_new(ct_stacks_read_fn read, void *read_ctx,
				const char *kallsyms);
void ct_stacks_free(struct ct_stacks *st);

/*
 * --why=user: the records' user stacks too, read by read (live:
 * ct_why_bpf_read_ustack()), each named for the process that took it
 * (user/lib/ustack.h, processes under proc_dir) as a CT_EV_USTACK record
 * before the first record of that process that uses it.  0 or -ENOMEM.
 */
int ct_stacks_user(struct ct_stacks *st, ct_stacks_read_fn read,
		   const char *proc_dir);

/* Before rec goes on: made() gets a CT_EV_STACK (or CT_EV_USTACK) for
 * each new id of it. */
void ct_stacks_feed(struct ct_stacks *st, const void *rec, size_t len,
		    ct_stacks_made_fn made, void *ctx);

/* Ids whose frames could not be read (map or kallsyms): their sites unnamed. */
uint64_t ct_stacks_unread(const struct ct_stacks *st);
/* At the end, on f: the stacks not read, and --why=user's addresses
 * named and not; nothing if all went well. */
void ct_stacks_warn(const struct ct_stacks *st, FILE *f);

#endif /* __CT_STACKS_H */
