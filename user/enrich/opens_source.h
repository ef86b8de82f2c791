/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where a finished container's open histograms and slowest opens come
 * from: the kernel maps of a live session (opens_source_bpf.c) or the
 * CT_EV_OPENS / CT_EV_PATHS records of a recording (replay.c).  The
 * enrich stage (enrich.h) reads one without knowing which.
 */
#ifndef __CT_OPENS_SOURCE_H
#define __CT_OPENS_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "container.h"

struct ct_opens_source_ops {
	/* guest opens (gofer false) or runsc gofer's opens into *out */
	void (*read)(void *impl, uint64_t cgroup_key, bool gofer,
		     struct ct_opens *out);
	/* --paths: the slowest guest opens into c->slow[], at most max */
	void (*read_slow)(void *impl, uint64_t cgroup_key,
			  struct ct_container *c, size_t max);
	/* the container is gone: let go of what is kept for it; may be NULL */
	void (*forget)(void *impl, uint64_t cgroup_key);
	/*
	 * Whether the kernel refused to track a container so far (a full
	 * map, include/mapfull.h): one found in no map may be one of them.
	 * NULL: never (a recording's records say it per container).
	 */
	bool (*refused)(void *impl);
	/*
	 * Measured now, not read from the event stream: the stream must
	 * get them as records, or a replay would not find them.
	 */
	bool measured;
};

struct ct_opens_source {
	const struct ct_opens_source_ops *ops;	/* NULL: no opens traced */
	void *impl;
};

#endif /* __CT_OPENS_SOURCE_H */
