/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The ready phase (docs/design.md "Phases"): nested in run, from the user
 * program's exec to the readiness marker chosen with --ready:
 *   listen  the container's first successful listen(2) (TCP or unix) by
 *           any of its processes (CT_EV_LISTEN records) -- the default;
 *   exec    the program's exec itself: ready has length 0;
 *   none    no ready phase.
 * Pure C: listens are kept per cgroup key until their container is
 * emitted, then matched to its run phase.
 */
#ifndef __CT_READY_H
#define __CT_READY_H

#include <stddef.h>
#include <stdint.h>
#include "container.h"

enum ct_ready_mode {
	CT_READY_LISTEN,
	CT_READY_EXEC,
	CT_READY_NONE,
};

/* "listen" / "exec" / "none" -> mode; -1 if unknown. */
int ct_ready_mode_from_name(const char *name);
const char *ct_ready_mode_name(enum ct_ready_mode m);

struct ct_ready;

/* mono_to_real_ns: as for the tracker (record times are monotonic). */
struct ct_ready *ct_ready_new(enum ct_ready_mode m, int64_t mono_to_real_ns);
void ct_ready_free(struct ct_ready *r);

/* Any record; keeps CT_EV_LISTEN ones.  -EINVAL if one is too short. */
int ct_ready_feed(struct ct_ready *r, const void *rec, size_t len);

/*
 * At emission: set c's ready phase (and opens.before_ready) from the
 * first listen of its cgroup key inside its run phase, then forget that
 * key's listens.  CRI: an app container's ready end is kept for its pod,
 * whose record (emitted after its apps) then has pod_ready_ns, the end
 * of its cold start, at the last app's ready if later than its exec.
 */
void ct_ready_apply(struct ct_ready *r, struct ct_container *c);

/*
 * Whether c's ready phase has ended by what was fed so far (its first
 * listen inside its run, or its exec with --ready=exec): what the arming
 * policy asks while c runs, long before ct_ready_apply() sets the phase.
 */
bool ct_ready_reached(const struct ct_ready *r, const struct ct_container *c);

/* Listens (or pods' ready ends) dropped because too many were pending. */
uint64_t ct_ready_dropped(const struct ct_ready *r);

#endif /* __CT_READY_H */
