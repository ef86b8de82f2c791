/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Refused inserts, per map (include/mapfull.h).  The maps whose entries
 * must live are plain hashes: an LRU hash evicts entries in use long
 * before it is full once many CPUs have inserted (its per-CPU free
 * lists, kernels before ~6.16), and the opens or the blob file of a
 * container then vanished, uncounted.  A hash refuses instead, and the
 * refusal is counted here.  The open tracer owns this map; the syscall
 * object reuses it by fd (ct_opens_share_maps()), or has its own
 * without the open tracer (--no-opens).  Userspace sums the CPUs.
 */
#ifndef __CT_MAPFULL_BPF_H
#define __CT_MAPFULL_BPF_H

#include "mapfull.h"

#define CT_EEXIST	17

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CT_MAPFULL_NR);
	__type(key, __u32);
	__type(value, __u64);
} map_full SEC(".maps");

/*
 * bpf_map_update_elem(); true when refused, counted against map @which:
 * a full map (-E2BIG), or no memory.  An entry that exists (BPF_NOEXIST)
 * is no refusal: the key is there.
 */
static __always_inline bool map_insert(void *map, const void *key,
				       const void *value, __u64 flags,
				       __u32 which)
{
	long rc = bpf_map_update_elem(map, key, value, flags);
	__u64 *n;

	if (!rc || rc == -CT_EEXIST)
		return false;
	n = bpf_map_lookup_elem(&map_full, &which);
	if (n)
		*n += 1;
	return true;
}

#endif /* __CT_MAPFULL_BPF_H */
