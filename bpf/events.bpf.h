/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * For BPF objects that write into the lifecycle tracer's ring buffer:
 * its `events` ring buffer and `lost` counter, which userspace makes
 * theirs by fd before load (ct_loader_share_events()), so that every
 * record arrives through one reader and every loss is counted once.
 * Include once per object, after vmlinux.h and the libbpf headers.
 */
#ifndef __CT_EVENTS_BPF_H
#define __CT_EVENTS_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);	/* the reused map's size applies */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &zero);

	if (n)
		*n += 1;	/* per-CPU slot: no atomics needed */
}

#endif /* __CT_EVENTS_BPF_H */
