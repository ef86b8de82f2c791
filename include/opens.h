/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * File-open latency histograms: the maps shared by
 * bpf/opens.bpf.c and user/kern/opens_bpf.c, and the CT_EV_OPENS record that
 * carries one histogram in --record files.
 *
 * The kernel keeps one log2 histogram per (container cgroup, runtime,
 * kind) and one per (runtime, kind) with cgroup_key 0: the per-runtime
 * total survives containers being forgotten.
 */
#ifndef __CT_OPENS_H
#define __CT_OPENS_H

#include "coldtrace.h"

/* Same value (and token) as user/model/container.h: a legal redefinition. */
#define CT_HIST_SLOTS	32

/* Sizes of the BPF maps. */
#define CT_OPENS_MAX_CONTAINERS	4096
#define CT_OPENS_MAX_GOFERS	4096

/*
 * Runtimes as BPF sees them: same values as enum ct_runtime
 * (user/model/container.h, checked with _Static_assert in user/kern/opens_bpf.c),
 * which BPF code cannot include.
 */
#define CT_OPENS_RT_RUNC	1
#define CT_OPENS_RT_CRUN	2
#define CT_OPENS_RT_RUNSC	3
/* one past the last runtime a record may name (enum ct_runtime's
 * CT_RT_MAX, checked in user/model/container.c) */
#define CT_OPENS_RT_END		5

/* Whose opens a histogram counts. */
enum ct_opens_kind {
	CT_OPENS_GUEST = 0,	/* the container's programs */
	CT_OPENS_GOFER = 1,	/* runsc gofer's host-side opens */
	CT_OPENS_KIND_MAX,
};

/* tracked: cgroup key -> value.  Filled in the kernel at exec time. */
struct ct_opens_track {
	__u32 runtime;		/* CT_OPENS_RT_* */
	/* per enum ct_opens_kind, 1: an insert for it was refused (a full
	 * map, include/mapfull.h): its opens are not all counted.  A byte
	 * each, so that plain stores on two CPUs lose neither. */
	__u8 refused[2];
	__u8 _pad[2];
	__u64 since_ns;		/* when tracking began (monotonic) */
	__u64 stub_stops;	/* runsc: ptrace stops of stub threads seen */
	__u64 seccomp_traps;	/* runsc: seccomp SIGSYS to its threads (systrap) */
};

struct ct_opens_key {
	__u64 cgroup_key;	/* 0: all containers of the runtime */
	__u32 runtime;		/* CT_OPENS_RT_* */
	__u32 kind;		/* enum ct_opens_kind */
};

struct ct_opens_hist {
	__u64 count;
	__u64 failed;		/* return value < 0 */
	__u64 failed_enoent;	/* return value == -ENOENT */
	__u64 slots[CT_HIST_SLOTS];	/* slot k: [2^k, 2^(k+1)) ns */
};

/*
 * inflight: thread id -> when its open began (or its stub stopped).
 * path_ptr: the user pointer of the path, saved at sys_enter for --paths
 * (0 otherwise, and for runsc guests, whose path is read at the exit).
 */
struct ct_opens_start {
	__u64 ts_ns;
	__u64 cgroup_key;
	__u32 runtime;
	__u32 kind;
	__u64 path_ptr;
	/* runsc guest: the stub's stop was an open's syscall-entry stop,
	 * where that open was counted (its exit only times it) */
	__u32 counted;
	/* opens_gate's value at the start: an exit under another one
	 * (the hooks were detached and attached since) is not its own */
	__u32 gen;
};

/*
 * --paths: the CT_OPENS_SLOW_K slowest guest opens of each tracked
 * container on each CPU (slowpaths, a per-CPU hash: cgroup key -> struct
 * ct_opens_slow); userspace merges the CPUs.  Only opens slower than the
 * K-th kept one are read and stored, so the work per open is bounded
 * (one path read, one K-slot scan) and rare once the K slots are full.
 */
#define CT_OPENS_SLOW_K		16
#define CT_OPENS_PATH_LEN	CT_PATH_MAX

struct ct_opens_slow_ent {
	__u64 ns;		/* latency */
	__s32 ret;		/* fd or -errno */
	__u32 _pad;
	char path[CT_OPENS_PATH_LEN];	/* NUL-terminated, "" if unreadable */
};

struct ct_opens_slow {
	__u32 n;		/* slots used, <= CT_OPENS_SLOW_K */
	__u32 min_idx;		/* slot of the fastest kept open, once n == K */
	__u64 min_ns;		/* its latency */
	struct ct_opens_slow_ent ent[CT_OPENS_SLOW_K];
};

/* CT_EV_OPENS flags */
#define CT_OPENS_F_GOFER	0x1	/* histogram of the gofer's opens */
#define CT_OPENS_F_UNOBSERVABLE	0x2	/* platform hides opens */
#define CT_OPENS_F_SYSTRAP	0x4	/* ... because runsc runs on systrap */
#define CT_OPENS_F_MAPFULL	0x8	/* ... because a BPF map was full */

/*
 * CT_EV_OPENS: one container's histogram, written by userspace when the
 * container is emitted.  hdr.ts_ns is when it was read; flags uses what
 * would otherwise be padding after runtime.
 */
struct ct_opens_rec {
	struct ct_hdr hdr;
	__u64 cgroup_key;
	__u32 runtime;		/* enum ct_runtime */
	__u32 flags;		/* CT_OPENS_F_* */
	__u64 count;
	__u64 failed;
	__u64 failed_enoent;
	__u64 slots[CT_HIST_SLOTS];
};

/*
 * CT_EV_PATHS: one container's slowest guest opens (--paths), written by
 * userspace when the container is emitted, slowest first.  Entries past
 * n are zero.
 */
struct ct_paths_rec {
	struct ct_hdr hdr;
	__u64 cgroup_key;
	__u32 n;		/* <= CT_OPENS_SLOW_K */
	__u32 _pad;
	struct ct_opens_slow_ent ent[CT_OPENS_SLOW_K];
};

_Static_assert(sizeof(struct ct_opens_track) == 32, "ct_opens_track ABI");
_Static_assert(CT_OPENS_KIND_MAX == 2, "ct_opens_track.refused");
_Static_assert(sizeof(struct ct_opens_key) == 16, "ct_opens_key ABI");
_Static_assert(sizeof(struct ct_opens_hist) == 24 + 8 * CT_HIST_SLOTS,
	       "ct_opens_hist ABI");
_Static_assert(sizeof(struct ct_opens_start) == 40, "ct_opens_start ABI");
_Static_assert(sizeof(struct ct_opens_slow_ent) == 16 + CT_OPENS_PATH_LEN,
	       "ct_opens_slow_ent ABI");
_Static_assert(sizeof(struct ct_opens_slow) ==
	       16 + CT_OPENS_SLOW_K * sizeof(struct ct_opens_slow_ent),
	       "ct_opens_slow ABI");
_Static_assert(sizeof(struct ct_paths_rec) ==
	       72 + 16 + CT_OPENS_SLOW_K * sizeof(struct ct_opens_slow_ent),
	       "ct_paths_rec ABI");
_Static_assert(sizeof(struct ct_opens_rec) == 72 + 40 + 8 * CT_HIST_SLOTS,
	       "ct_opens_rec ABI");

#endif /* __CT_OPENS_H */
