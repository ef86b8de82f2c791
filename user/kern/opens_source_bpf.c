// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The opens source of a live session: the open tracer's kernel maps
 * (opens_bpf.h), read once per container at emission, then dropped.
 */
#include "opens_source_bpf.h"

static void src_read(void *impl, uint64_t cgroup_key, bool gofer,
		     struct ct_opens *out)
{
	if (gofer)
		ct_opens_read_gofer(impl, cgroup_key, out);
	else
		ct_opens_read(impl, cgroup_key, out);
}

static void src_read_slow(void *impl, uint64_t cgroup_key,
			  struct ct_container *c, size_t max)
{
	ct_opens_read_slow(impl, cgroup_key, c, max);
}

static void src_forget(void *impl, uint64_t cgroup_key)
{
	ct_opens_forget(impl, cgroup_key);
}

static bool src_refused(void *impl)
{
	return ct_opens_refused(impl, CT_MAPFULL_TRACKED) > 0;
}

static const struct ct_opens_source_ops bpf_ops = {
	.read = src_read,
	.read_slow = src_read_slow,
	.forget = src_forget,
	.refused = src_refused,
	.measured = true,
};

struct ct_opens_source ct_opens_bpf_source(struct ct_opens_bpf *o)
{
	return (struct ct_opens_source){ .ops = o ? &bpf_ops : NULL,
					 .impl = o };
}
