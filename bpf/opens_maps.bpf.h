/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The open tracer's container maps (include/opens.h): `tracked` (cgroup
 * key -> runtime, filled in the kernel when a container's program
 * starts) and `hists` (open-latency histograms).  bpf/opens.bpf.c owns
 * them; other objects (bpf/ready.bpf.c) declare the same maps with this
 * header and reuse the open tracer's by fd before load.
 */
#ifndef __CT_OPENS_MAPS_BPF_H
#define __CT_OPENS_MAPS_BPF_H

#include "opens.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CT_OPENS_MAX_CONTAINERS);
	__type(key, __u64);
	__type(value, struct ct_opens_track);
} tracked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2 * CT_OPENS_MAX_CONTAINERS + 16);
	__type(key, struct ct_opens_key);
	__type(value, struct ct_opens_hist);
} hists SEC(".maps");

#endif /* __CT_OPENS_MAPS_BPF_H */
