/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A container's FUSE requests (CT_EV_FUSE, bpf/lazy.bpf.h), pure C: kept
 * per cgroup key until the container is emitted, after its ready phase
 * is set; then summed into c->fuse: how many, how much read, and how
 * long at least one was in flight (the union of their intervals: the
 * time a reader could wait on the file system), before and after the
 * end of ready, and when the last one ended.  A lazily pulled image's
 * start that goes on fetching after ready says so here.
 *
 * Bounded: CT_FUSE_KEEP requests per container and CT_FUSE_PENDING in
 * all; a request past either is counted (c->fuse.dropped) and in no
 * other field.
 *
 * A connection's layer digest comes from CT_EV_LAYER records (a live
 * session's, user/enrich/layers.h), per (container, connection): the
 * last CT_FUSE_NAMED of them are kept, and a container's layers take
 * theirs at emission.
 *
 * A lazy layer's fetched bytes come from CT_EV_FETCHED samples (the
 * same session's, layers.h), the last CT_FUSE_SAMPLES of them.  At
 * emission each of a container's layers takes the growth between the
 * last sample before its first request there and the first after its
 * last one, of the intervals between samples that its requests
 * overlap (a fetch is made while the request that asked for it is in
 * flight); an interval in which another container's requests ended
 * too is shared, and said so.  Without a sample on either side the
 * layer's bytes are unknown (counted), never a guess.
 */
#ifndef __CT_FUSE_H
#define __CT_FUSE_H

#include <stddef.h>
#include <stdint.h>
#include "container.h"

#define CT_FUSE_KEEP		16384
#define CT_FUSE_PENDING		131072
#define CT_FUSE_GROUPS		1024
#define CT_FUSE_CONNS		64	/* distinct connections counted */
#define CT_FUSE_NAMED		1024	/* layers named (CT_EV_LAYER) kept */
#define CT_FUSE_SAMPLES		4096	/* fetched bytes (CT_EV_FETCHED) kept */
#define CT_FUSE_READERS		256	/* connections read since a sample */

struct ct_fuse_reqs;

struct ct_fuse_reqs *ct_fuse_new(int64_t mono_to_real_ns);
void ct_fuse_free(struct ct_fuse_reqs *f);

/* Any record; keeps CT_EV_FUSE ones.  -EINVAL if one is too short. */
int ct_fuse_feed(struct ct_fuse_reqs *f, const void *rec, size_t len);
/* At emission, after ready: c->fuse; forgets the key. */
void ct_fuse_apply(struct ct_fuse_reqs *f, struct ct_container *c);
/* A container left out by -r / -c: its requests go. */
void ct_fuse_forget(struct ct_fuse_reqs *f, uint64_t cgroup_key);

#endif /* __CT_FUSE_H */
