/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --why, BPF side (bpf/why.bpf.c): scheduler state changes of the
 * container machinery's threads as CT_EV_TSTATE records in the lifecycle
 * ring buffer.  Loaded only for --why; its context switches are the one
 * sched_switch program's (bpf/sys.bpf.c), on its map shared by fd.
 */
#ifndef __CT_WHY_BPF_H
#define __CT_WHY_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ct_loader;
struct ct_why_bpf;

/*
 * Open, share the ring buffer of l, load, attach: with stacks, the wait
 * sites' stacks and wakers too (--why=states: without), and with ustacks
 * their user stacks (--why=user).  0 or -errno + err.
 */
int ct_why_bpf_start(struct ct_why_bpf **out, struct ct_loader *l,
		     bool stacks, bool ustacks, bool verbose, char *err,
		     size_t errlen);
/* Whether it takes the wait sites' stacks (the sched_switch's flag). */
bool ct_why_bpf_stacks(const struct ct_why_bpf *w);
/* ... and their user stacks. */
bool ct_why_bpf_ustacks(const struct ct_why_bpf *w);
void ct_why_bpf_stop(struct ct_why_bpf *w);
/*
 * Each record as it comes (the live session's): a runc's exec has its
 * binary's runtime.gopark probed, if new (--why=user; why_gopark.h).
 */
void ct_why_bpf_exec(struct ct_why_bpf *w, const void *rec, size_t len);

/*
 * Before obj's load: make obj's why_tasks, why_stacks and why_ustacks (bpf/
 * why_sched.bpf.h) this tracer's own, by fd.  0 or -errno.
 */
struct bpf_object;
int ct_why_share_maps(const struct ct_why_bpf *w, struct bpf_object *obj);

/*
 * Map id key's addresses in why_stacks (CT_STACK_DEPTH of them), whose
 * ids the records carry: a ct_stacks_read_fn (stacks.h), ctx the
 * tracer.  0 or -errno.
 */
int ct_why_bpf_read_stack(void *ctx, uint32_t key, uint64_t *ips);
/* ... and in why_ustacks. */
int ct_why_bpf_read_ustack(void *ctx, uint32_t key, uint64_t *ips);

#endif /* __CT_WHY_BPF_H */
