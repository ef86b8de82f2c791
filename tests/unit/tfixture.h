/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Test helper: build struct ct_container records by hand. */
#ifndef __CT_TFIXTURE_H
#define __CT_TFIXTURE_H

#include <stdio.h>
#include <string.h>
#include "container.h"

#define MS	1000000ull

static inline void tf_phase(struct ct_container *c, enum ct_phase p,
			    uint64_t start, uint64_t end)
{
	c->phases[p].start_ns = start;
	c->phases[p].end_ns = end;
	c->phase_mask |= 1u << p;
	if (!c->first_ns || start < c->first_ns)
		c->first_ns = start;
	if (end > c->last_ns)
		c->last_ns = end;
}

/*
 * A complete runc-like container starting at t0 (ns): attach 1 ms,
 * create 10 ms with connect 2 ms nested in it, start 3 ms, run `run`
 * ms, die 1 ms, disconnect 1 ms, destroy 4 ms.
 */
static inline void tf_container(struct ct_container *c, const char *id,
				const char *name, enum ct_runtime rt,
				uint64_t t0, uint64_t run)
{
	uint64_t t = t0;

	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->runtime = rt;
	c->engine = CT_ENG_DOCKER;
	c->complete = true;
	c->has_exit_code = true;
	tf_phase(c, CT_PH_ATTACH, t, t + 1 * MS);
	t += 1 * MS;
	tf_phase(c, CT_PH_CREATE, t, t + 10 * MS);
	tf_phase(c, CT_PH_CONNECT, t + 5 * MS, t + 7 * MS);
	t += 10 * MS;
	tf_phase(c, CT_PH_START, t, t + 3 * MS);
	t += 3 * MS;
	tf_phase(c, CT_PH_RUN, t, t + run * MS);
	t += run * MS;
	tf_phase(c, CT_PH_DIE, t, t + 1 * MS);
	t += 1 * MS;
	tf_phase(c, CT_PH_DISCONNECT, t, t + 1 * MS);
	t += 1 * MS;
	tf_phase(c, CT_PH_DESTROY, t, t + 4 * MS);
}

#endif /* __CT_TFIXTURE_H */
