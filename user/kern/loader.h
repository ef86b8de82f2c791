/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BPF loader: feature probes with one-line errors, open -> size maps ->
 * load -> attach, the event ring buffer and the lost counters.
 *
 * The other BPF objects (user/kern/opens_bpf.c, why_bpf.c, sys_bpf.c) are
 * started explicitly by main.c after the lifecycle skeleton, with the
 * helpers below, and stopped before it.
 */
#ifndef __CT_LOADER_H
#define __CT_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coldtrace.h"

/*
 * The events ring buffer: a power of two times the page size (BPF's
 * rule), --ringbuf within [MIN, MAX].  The default is the most bytes
 * ever outstanding under the fastest churn measured here (8 fork/exec
 * loops filling both CPUs + containers, 13,000-20,000 events/s), times
 * 4, rounded up to a power of two: 280 KiB at most with exec records
 * sized to their argv (186-280 KiB with 1, 2, 4 and 8 MiB rings, 0
 * lost), so 2 MiB (docs/results/bench.md "Exec records sized to their
 * argv").  That churn writes ~2.9 MB/s of records (174 bytes each on
 * average): 2 MiB also holds ~0.7 s of it for a reader starved of CPU.
 * The process's RSS counts the ring twice (libbpf maps its data pages
 * twice), so every doubling costs 2x its size there.  MIN holds a
 * dozen whole exec records (4432 bytes) and is a page multiple on every
 * page size Linux has.
 */
#define CT_RINGBUF_DEFAULT_MIB	2
#define CT_RINGBUF_DEFAULT	((size_t)CT_RINGBUF_DEFAULT_MIB << 20)
#define CT_RINGBUF_MIN		((size_t)64 << 10)
#define CT_RINGBUF_MAX		((size_t)1 << 30)
#define CT_RINGBUF_RANGE	"64K to 1G"	/* MIN to MAX, for messages */

typedef int (*ct_event_fn)(void *ctx, const void *rec, size_t len);

struct ct_loader_opts {
	bool verbose;
	enum ct_cgroup_mode cgroup_mode;	/* 0 = auto */
	size_t ringbuf_bytes;			/* 0 = default */
	bool pulls;		/* the pull tracer: daemons' TCP connects */
};

struct ct_loader;

/*
 * Probes, opens, loads, attaches.  On failure returns -errno and a ONE-line
 * message in err (what is missing + a fix-it hint).
 */
int ct_loader_start(struct ct_loader **out, const struct ct_loader_opts *o,
		    ct_event_fn fn, void *ctx, char *err, size_t errlen);
/*
 * >= 0 (records consumed) or -errno; EINTR -> 0.  Waits at most
 * CT_POLL_SLICE_MS whatever timeout_ms says (records are delivered
 * without per-record wakeups): call it in a loop.
 */
#define CT_POLL_SLICE_MS	50
int ct_loader_poll(struct ct_loader *l, int timeout_ms);
/*
 * What the BPF programs could not keep (the `lost` map), by enum ct_loss,
 * summed over CPUs; a counter that cannot be read is left as it was.
 */
void ct_loader_losses(struct ct_loader *l, uint64_t n[CT_LOSS_KINDS]);
enum ct_cgroup_mode ct_loader_cgroup_mode(const struct ct_loader *l);
/* CLOCK_REALTIME - CLOCK_MONOTONIC, measured once at start. */
int64_t ct_loader_mono_to_real(const struct ct_loader *l);
void ct_loader_stop(struct ct_loader *l);

/*
 * ---- helpers for the other tracers (user/<name>_bpf.c) ----
 * Each is started and stopped explicitly by main.c after the lifecycle
 * tracer, in the order its maps are shared.
 */

struct bpf_object;
struct bpf_object_skeleton;

bool ct_loader_verbose(const struct ct_loader *l);

/*
 * Check that every tracepoint an object's programs need exists (tracefs
 * for tracepoint/, kernel BTF for tp_btf/ and raw_tp/).  Call after open,
 * before load.
 */
int ct_loader_check_progs(struct bpf_object *obj, char *err, size_t errlen);

/*
 * bpf_object__load() with a one-line error naming the rejected program
 * ("BPF program X rejected by the verifier; run with -v for the log").
 */
int ct_loader_load_obj(struct bpf_object *obj, char *err, size_t errlen);

/*
 * How each tracer's object goes from its skeleton's open to its load
 * (the lifecycle's here, user/kern/sys_bpf.c, why_bpf.c, opens_bpf.c,
 * ufn_bpf.c), with the same words for each.
 */
struct ct_obj_prep {
	const char *who;	/* the tracer: its messages begin with it */
	/* the lifecycle whose ring buffer and loss counters it shares
	 * (ct_loader_share_events()), first; NULL: none, or setup does */
	struct ct_loader *events;
	/* then its read-only data, maps' sizes, programs' autoload; NULL:
	 * none; 0 or -errno and err */
	int (*setup)(void *ctx, char *err, size_t errlen);
	void *ctx;
};

/*
 * @obj, the object of a skeleton just opened (NULL: the open failed,
 * errno says why), shared and set up as @p says, its tracepoints checked
 * (ct_loader_check_progs()) and loaded without the programs the kernel
 * lacks (ct_loader_load_obj()): 0 or -errno and a one-line err.
 */
int ct_loader_prep_obj(const struct ct_obj_prep *p, struct bpf_object *obj,
		       char *err, size_t errlen);

/*
 * The backlog at which a program on the lifecycle's ring buffer wakes
 * the reader early: an eighth of the ring, for every tracer's ring (the
 * lifecycle's too).
 */
uint64_t ct_loader_wakeup_bytes(const struct ct_loader *l);

/* Attach every program of a skeleton, naming the one that fails. */
int ct_loader_attach_skel(struct bpf_object_skeleton *s, char *err,
			  size_t errlen);

/*
 * Detach the first attached program of a skeleton, in its order: true
 * if there was one.  ct_loader_attach_skel() attaches it again.
 */
bool ct_loader_detach_one(struct bpf_object_skeleton *s);

/* Deliver records of another BPF ring buffer to the same callback. */
int ct_loader_add_ringbuf(struct ct_loader *l, int map_fd);

/*
 * How full a ring buffer ever got: the most bytes outstanding (reserved
 * by BPF, not yet read) seen as a record was read.  Sizes the ring
 * buffers (docs/bench.md "churn"); printed at the end with -v.
 */
struct ct_ring_use {
	char name[16];		/* the map's */
	size_t size;		/* data bytes */
	size_t peak;		/* most bytes outstanding */
};

/* The rings read so far, the lifecycle's first: how many filled. */
#define CT_LOADER_RINGS_MAX	4
int ct_loader_ring_use(const struct ct_loader *l, struct ct_ring_use *out,
		       int max);

/*
 * Before load: make obj's maps "events" (ring buffer) and "lost" (per-CPU
 * counters by enum ct_loss) the lifecycle tracer's own, so that its records arrive through
 * the same reader and its losses are counted and reported with the rest;
 * and its "clients" map, if it has one (bpf/clients.bpf.h).
 */
int ct_loader_share_events(struct ct_loader *l, struct bpf_object *obj);

/*
 * Tell the exec program that the syscall hooks are detached (user/kern/arm.c):
 * the execs that must attach them again then wake the reader at once.
 */
void ct_loader_set_hooks_off(struct ct_loader *l, bool off);

#endif /* __CT_LOADER_H */
