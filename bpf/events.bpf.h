/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The lifecycle tracer's `events` ring buffer and `lost` counters, and
 * how records are reserved and submitted into them.  bpf/lifecycle.bpf.c
 * owns the maps (the loader sizes the ring buffer); every other object
 * that writes there makes them its own by fd before load
 * (ct_loader_share_events()), so that every record arrives through one
 * reader and every loss is counted once.
 * Include once per object, after vmlinux.h and the libbpf headers.
 */
#ifndef __CT_EVENTS_BPF_H
#define __CT_EVENTS_BPF_H

#include "coldtrace.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);	/* the loader sizes it */
} events SEC(".maps");

/* What could not be kept, by enum ct_loss (include/coldtrace.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CT_LOSS_KINDS);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/*
 * Waking the reader costs an irq_work (a self-IPI: a VM exit here) per
 * record: 13-17 us per event against 2-3 us without it, measured with
 * kernel.bpf_stats_enabled on the target VM.  So records are submitted
 * without a wakeup; the loader polls on a short timer instead, and a
 * backlog above wakeup_bytes (set by userspace to an eighth of the ring)
 * still wakes it at once.
 */
const volatile __u64 wakeup_bytes = 1 << 20;

static __always_inline void count_loss(__u32 kind)
{
	__u64 *n = bpf_map_lookup_elem(&lost, &kind);

	if (n)
		*n += 1;	/* per-CPU slot: no atomics needed */
}

/* A record the lifecycle ring buffer had no room for. */
static __always_inline void count_lost(void)
{
	count_loss(CT_LOSS_EVENTS);
}

static __always_inline void *reserve(__u32 size)
{
	void *rec = bpf_ringbuf_reserve(&events, size, 0);

	if (!rec)
		count_lost();
	return rec;
}

static __always_inline void submit(void *rec)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(rec, flags);
}

/* The same, waking the reader now: a record it must act on at once. */
static __always_inline void submit_wake(void *rec)
{
	bpf_ringbuf_submit(rec, BPF_RB_FORCE_WAKEUP);
}

/*
 * A record of variable size, built elsewhere (a per-CPU scratch): copied
 * in with only its used bytes, so that a big, mostly empty record (an
 * exec's argv area) takes no more of the ring than it needs.  Same
 * wakeup rule and loss count as reserve()/submit().
 */
static __always_inline int output_flags(void *rec, __u64 size, __u64 flags)
{
	int err = bpf_ringbuf_output(&events, rec, size, flags);

	if (err)
		count_lost();
	return err;
}

static __always_inline int output(void *rec, __u64 size)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) + size >=
	    wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	return output_flags(rec, size, flags);
}

/* The same, waking the reader now: a record it must act on at once. */
static __always_inline int output_wake(void *rec, __u64 size)
{
	return output_flags(rec, size, BPF_RB_FORCE_WAKEUP);
}

#endif /* __CT_EVENTS_BPF_H */
