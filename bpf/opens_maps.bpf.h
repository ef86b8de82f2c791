/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The open tracer's container maps (include/opens.h) and how a container
 * enters them.  bpf/opens.bpf.c owns the maps; the syscall object
 * (bpf/sys.bpf.c: opens_sys.bpf.h, ready.bpf.h) declares the same
 * maps with this header and reuses the open tracer's by fd before load
 * (ct_opens_share_maps()), so that both objects see one container set:
 *  - tracked: cgroup key -> runtime, filled in the kernel when a
 *    container's program starts (runc and crun at their execve, in the
 *    syscall object; runsc at its sandbox's and gofer's exec, in
 *    opens.bpf.c);
 *  - hists: open-latency histograms;
 *  - inflight: an open between its start and its sys_exit, in the
 *    task's storage (the start is sys_enter, or the runsc stub's ptrace
 *    stop, sched_switch);
 *  - gofers: runsc gofer tgid -> its container's cgroup key;
 *  - slowpaths: --paths, the slowest opens per container and CPU;
 *  - marks: cgroup storage on every cgroup that ever entered tracked,
 *    the hot paths' first test (task_marked()).
 * tracked, hists and gofers are plain hashes (mapfull.bpf.h: an LRU
 * evicts live entries), sized for more containers than a host runs at
 * once: a container's entries go when userspace has read them
 * (ct_opens_forget()) or finds that nothing will (ct_opens_sweep()), a
 * gofer's at its exit.  A refused insert is counted (map_full) and
 * marked in the container's tracked entry (refused) where it has one.
 * Both objects get the same cgroup_mode and runtime_mask from userspace.
 */
#ifndef __CT_OPENS_MAPS_BPF_H
#define __CT_OPENS_MAPS_BPF_H

#include "opens.h"
#include "mapfull.bpf.h"
#include "task.bpf.h"

/* Set by userspace between open and load. */
const volatile __u32 cgroup_mode = CT_CGROUP_V1_MEMORY;
const volatile __u32 runtime_mask;	/* bit per CT_OPENS_RT_*; 0 = all */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CT_OPENS_MAX_CONTAINERS);
	__type(key, __u64);
	__type(value, struct ct_opens_track);
} tracked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * CT_OPENS_MAX_CONTAINERS + 16);
	__type(key, struct ct_opens_key);
	__type(value, struct ct_opens_hist);
} hists SEC(".maps");

/*
 * Task storage, not a hash by tid: every traced open writes it at its
 * start and reads it at its end, and a thread's entry is allocated once
 * and goes with the thread (ts_ns 0: no open in flight).  Kernels
 * without task storage for tracing programs (!ct_has_task_storage):
 * userspace makes it a hash keyed by tid, whose entry is deleted at the
 * open's end and at the thread's exit (inflight_done(), opens.bpf.c).
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ct_opens_start);
} inflight SEC(".maps");

/* runsc gofer tgid -> its container's cgroup key */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CT_OPENS_MAX_GOFERS);
	__type(key, __u32);
	__type(value, __u64);
} gofers SEC(".maps");

/* --paths: cgroup key -> per CPU, its K slowest opens (first use). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, CT_OPENS_MAX_CONTAINERS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct ct_opens_slow);
} slowpaths SEC(".maps");

/*
 * A mark in the cgroup itself, set beside every tracked entry, never
 * removed (it goes with the cgroup): the open paths run on every open of
 * every process, and an untracked task is told by one load from its
 * cgroup (ct_cgroup_has_storage()) instead of a hash of its key.  Marked
 * means maybe tracked: tracked still decides (an entry forgotten by
 * userspace or evicted leaves its mark).  Kernels before 6.2
 * (!ct_has_cgrp_storage): userspace makes it a one-entry array nobody
 * uses, and tracked, a hash keyed by cgroup id, is the only test.
 */
struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u8);
} marks SEC(".maps");

static __always_inline struct cgroup *task_cgroup(struct task_struct *t)
{
	return ct_task_cgroup(t, cgroup_mode);
}

static __always_inline __u64 task_key(struct task_struct *t)
{
	return ct_cgroup_id(task_cgroup(t));
}

/* NULL unless @t's cgroup may be tracked; else that cgroup. */
static __always_inline struct cgroup *task_marked(struct task_struct *t)
{
	struct cgroup *cg = task_cgroup(t);

	return ct_cgroup_has_storage(cg) ? cg : NULL;
}

static __always_inline bool bytes_eq(const char *a, const char *b, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static __always_inline bool runtime_wanted(__u32 rt)
{
	return !runtime_mask || (runtime_mask & (1u << rt));
}

/*
 * Start tracking @t's container; keys 0 and 1 are "none" and the root
 * cgroup.  Returns its key, 0 if it is not tracked.
 */
static __always_inline __u64 track(struct task_struct *t, __u32 rt)
{
	struct ct_opens_track v = {
		.runtime = rt,
		.since_ns = bpf_ktime_get_ns(),
	};
	struct cgroup *cg = task_cgroup(t);
	__u64 key = ct_cgroup_id(cg);

	if (key <= 1 || !runtime_wanted(rt))
		return 0;
	if (ct_has_cgrp_storage)
		bpf_cgrp_storage_get(&marks, cg, 0,
				     BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (map_insert(&tracked, &key, &v, BPF_NOEXIST, CT_MAPFULL_TRACKED))
		return 0;
	return key;
}

/*
 * @t's open in flight from now: *s; false if it could not be stored (the
 * fallback hash full, no memory): the caller counts that open as lost.
 */
static __always_inline bool inflight_set(struct task_struct *t,
					 const struct ct_opens_start *s)
{
	struct ct_opens_start *e;
	__u32 tid;

	if (!ct_has_task_storage) {
		tid = ct_task_tid(t);
		return !bpf_map_update_elem(&inflight, &tid, s, BPF_ANY);
	}
	e = bpf_task_storage_get(&inflight, t, 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (e)
		*e = *s;
	return e;
}

/* @t's open in flight, or NULL. */
static __always_inline struct ct_opens_start *inflight_get(struct task_struct *t)
{
	__u32 tid;

	if (!ct_has_task_storage) {
		tid = ct_task_tid(t);
		return bpf_map_lookup_elem(&inflight, &tid);
	}
	return bpf_task_storage_get(&inflight, t, 0, 0);
}

/* @t's open *s ended: task storage keeps the entry, the hash drops it. */
static __always_inline void inflight_done(struct task_struct *t,
					  struct ct_opens_start *s)
{
	__u32 tid;

	if (ct_has_task_storage) {
		s->ts_ns = 0;
		return;
	}
	tid = ct_task_tid(t);
	bpf_map_delete_elem(&inflight, &tid);
}

/*
 * Histograms, for both objects: an open is counted once (count) and,
 * when its end is seen, timed (a slot, and failed if it failed).  runc,
 * crun and gofer opens are both at their exit; a runsc guest's open is
 * counted at its stub's syscall-entry stop and timed at the exit when
 * that stub shows it (opens.bpf.c), so count >= the slots' sum there.
 */
const struct ct_opens_hist zero_hist;

/* Its opens are not all counted: say so in its tracked entry. */
static __always_inline void refused_for(struct ct_opens_track *tr,
					__u32 kind)
{
	if (kind < CT_OPENS_KIND_MAX)
		tr->refused[kind & 1] = 1;
}

/*
 * A container's histogram is made only while it is tracked, so that an
 * open ending after ct_opens_forget() leaves nothing behind; the
 * runtime's (key 0) always.
 */
static __always_inline struct ct_opens_hist *hist_get(__u64 key, __u32 rt,
						       __u32 kind)
{
	struct ct_opens_key k = { .cgroup_key = key, .runtime = rt,
				  .kind = kind };
	struct ct_opens_track *tr = NULL;
	struct ct_opens_hist *h;

	h = bpf_map_lookup_elem(&hists, &k);
	if (h)
		return h;
	if (key && !(tr = bpf_map_lookup_elem(&tracked, &key)))
		return NULL;
	if (map_insert(&hists, &k, &zero_hist, BPF_NOEXIST,
		       CT_MAPFULL_HISTS) && tr)
		refused_for(tr, kind);
	return bpf_map_lookup_elem(&hists, &k);
}

/* Count one open of s's container in its and its runtime's histogram. */
static __always_inline void hist_count(const struct ct_opens_start *s)
{
	struct ct_opens_hist *h = hist_get(s->cgroup_key, s->runtime, s->kind);

	if (h)
		__sync_fetch_and_add(&h->count, 1);
	h = hist_get(0, s->runtime, s->kind);
	if (h)
		__sync_fetch_and_add(&h->count, 1);
}

#endif /* __CT_OPENS_MAPS_BPF_H */
