/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * File-open latency histograms, BPF side (bpf/opens.bpf.c): start, read,
 * stop.  Containers are registered in the kernel when their program
 * starts (see bpf/opens.bpf.c), with a mark in their cgroup that only
 * the kernel can set (bpf/opens_maps.bpf.h), so there is no tracking
 * from userspace.
 */
#ifndef __CT_OPENS_BPF_H
#define __CT_OPENS_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coldtrace.h"
#include "container.h"
#include "mapfull.h"
#include "opens.h"

struct ct_opens_bpf;

/*
 * What the open tracer follows: cgroup keys of this mode; runtime_mask,
 * bit per enum ct_runtime, 0 = all; paths: keep the slowest opens'
 * paths (--paths); listens: TCP listens of tracked containers, whether
 * the syscall hooks are attached or not (--ready=listen).
 */
struct ct_opens_cfg {
	enum ct_cgroup_mode cgroup_mode;
	uint32_t runtime_mask;
	bool paths;
	bool listens;
	/* --start-files: opens sent for this long after a container's
	 * exec (CT_EV_TOUCH, in sys); 0: none */
	uint64_t touch_window_ns;
};

struct ct_loader;

/*
 * Open, configure (cfg), load and attach, writing into the
 * loader's ring buffer (TCP listens, with cfg->listens).  0 or -errno
 * with a one-line message in err.
 */
int ct_opens_start(struct ct_opens_bpf **o, struct ct_loader *l,
		   const struct ct_opens_cfg *cfg, bool verbose, char *err,
		   size_t errlen);

/*
 * The guest opens of the container with this cgroup key: count, failed,
 * slots, p50, p99.  A runsc container whose stubs never stopped under
 * ptrace (e.g. --platform=kvm) comes back unobservable.  -ENOENT if the
 * container is not tracked (out->valid is then false).
 */
int ct_opens_read(struct ct_opens_bpf *o, uint64_t cgroup_key,
		  struct ct_opens *out);
/* runsc: the gofer's host-side opens for that container. */
int ct_opens_read_gofer(struct ct_opens_bpf *o, uint64_t cgroup_key,
			struct ct_opens *out);
/* Every container of a runtime together (kept after ct_opens_forget). */
int ct_opens_read_runtime(struct ct_opens_bpf *o, enum ct_runtime rt,
			  enum ct_opens_kind kind, struct ct_opens *out);
/*
 * --paths: the container's slowest guest opens into c->slow[] (slowest
 * first, at most max).  -ENOENT if none were kept (n_slow is then 0).
 */
int ct_opens_read_slow(struct ct_opens_bpf *o, uint64_t cgroup_key,
		       struct ct_container *c, size_t max);
/* Runtime the kernel attributed the container to, or CT_RT_UNKNOWN. */
enum ct_runtime ct_opens_runtime_of(struct ct_opens_bpf *o,
				    uint64_t cgroup_key);

/* Up to max tracked cgroup keys into keys; returns how many. */
size_t ct_opens_keys(struct ct_opens_bpf *o, uint64_t *keys, size_t max);

/*
 * Stop tracking a container and drop its histograms and slowest opens
 * (after emission).
 */
void ct_opens_forget(struct ct_opens_bpf *o, uint64_t cgroup_key);

/* Inserts the kernel refused into map @which so far (include/mapfull.h). */
uint64_t ct_opens_refused(struct ct_opens_bpf *o, enum ct_map_full which);

/*
 * What the maps keep that nobody will read: the containers tracked
 * before before_mono_ns that @followed says no container of the
 * session's has (its records lost, the container table full), at most
 * 256 a call, and the histograms and slowest opens of keys no longer
 * tracked.  An LRU dropped them once the map was full; a hash keeps
 * them.  Returns how many containers were forgotten.
 */
size_t ct_opens_sweep(struct ct_opens_bpf *o, uint64_t before_mono_ns,
		      bool (*followed)(uint64_t cgroup_key, void *ctx),
		      void *ctx);

/* Whether FUSE requests are traced: the kernel has the FUSE tracepoints
 * and took the programs (-v says which when not). */
bool ct_opens_fuse_traced(const struct ct_opens_bpf *o);

/* What ct_opens_start() was given. */
void ct_opens_get_cfg(const struct ct_opens_bpf *o, struct ct_opens_cfg *out);

/* Does a tracer of @cfg follow runsc (whose stub stops need sched_switch)? */
static inline bool ct_opens_cfg_runsc(const struct ct_opens_cfg *cfg)
{
	return !cfg->runtime_mask ||
	       (cfg->runtime_mask & (1u << CT_RT_RUNSC));
}

/*
 * Before obj's load: make obj's open-tracer maps (bpf/opens_maps.bpf.h:
 * tracked, hists, inflight, gofers, slowpaths, marks, map_full) this
 * tracer's own,
 * by fd, so that its programs see the same containers and opens.  0 or -errno.
 */
struct bpf_object;
int ct_opens_share_maps(const struct ct_opens_bpf *o, struct bpf_object *obj);

void ct_opens_stop(struct ct_opens_bpf *o);

#endif /* __CT_OPENS_BPF_H */
