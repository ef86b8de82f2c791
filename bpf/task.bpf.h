/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BPF-side helpers shared by every coldtrace BPF program: identify the
 * current task (pids, cgroups, namespaces) and fill struct ct_hdr.
 * Include after vmlinux.h and the libbpf headers.
 */
#ifndef __CT_TASK_BPF_H
#define __CT_TASK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "coldtrace.h"
#include "comms.h"

/* Little-endian word of up to 8 chars (bpfel, like the host). */
#define W8(a, b, c, d, e, f, g, h)					\
	((__u64)(a) | (__u64)(b) << 8 | (__u64)(c) << 16 |		\
	 (__u64)(d) << 24 | (__u64)(e) << 32 | (__u64)(f) << 40 |	\
	 (__u64)(g) << 48 | (__u64)(h) << 56)

/*
 * What the running kernel has, set by userspace from its probes
 * (user/kern/kfeatures.c) before load; true is the newest kernel.  A false
 * flag makes the verifier walk the fallback branch only: a helper or a
 * map type the kernel lacks may then stay in the object, unreached.
 *  - ct_has_task_btf: bpf_get_current_task_btf() (5.11); without it the
 *    current task is a plain number, read with CO-RE probe reads;
 *  - ct_has_task_storage: task storage from tracing programs (5.11);
 *    without it, hashes keyed by tid (opens_maps.bpf.h, why_sched.bpf.h);
 *  - ct_has_cgrp_storage: BPF_MAP_TYPE_CGRP_STORAGE (6.2); without it
 *    the tracked hash, keyed by cgroup id, is the only test;
 *  - ct_has_task_pt_regs: bpf_task_pt_regs() (5.15); without it the
 *    registers at the top of the task's kernel stack;
 *  - ct_has_switch_state: sched_switch's prev_state argument (5.18);
 *    without it the task's state field.
 */
const volatile bool ct_has_task_btf = true;
const volatile bool ct_has_task_storage = true;
const volatile bool ct_has_cgrp_storage = true;
const volatile bool ct_has_task_pt_regs = true;
const volatile bool ct_has_switch_state = true;

/*
 * The current task.  With ct_has_task_btf a BTF pointer, read by direct
 * loads; else only a number for CO-RE probe reads: every reader of a
 * task below takes both paths, so that one object serves both kernels.
 */
static __always_inline struct task_struct *ct_current(void)
{
	if (ct_has_task_btf)
		return bpf_get_current_task_btf();
	return (struct task_struct *)bpf_get_current_task();
}

/*
 * The current task's comm, NUL-padded to CT_COMM_LEN, for whole-buffer
 * compares.  bpf_get_current_comm() pads on 5.10 (strncpy) and on the
 * newest kernels, but 6.1's copies up to the NUL only (strscpy) and
 * leaves the bytes after it as they were: on the BPF stack, whatever an
 * earlier program left there.  "runc:[2:INIT]" then matched now and
 * then, "crun" and runsc's "exe" almost never, and 6.1 counted no opens.
 */
static __always_inline void ct_current_comm(char comm[CT_COMM_LEN])
{
	__builtin_memset(comm, 0, CT_COMM_LEN);
	bpf_get_current_comm(comm, CT_COMM_LEN);
}

/*
 * The comm as two words, by direct loads (not the comm helper), for
 * whole-word compares on hot paths (byte loops branch too much for the
 * verifier).  The kernel pads a comm with NULs (strscpy_pad), so a word
 * holds the name's end and zeros.
 */
static __always_inline void ct_comm_words(struct task_struct *t, __u64 c[2])
{
	if (!ct_has_task_btf) {
		if (bpf_core_read(c, 2 * sizeof(__u64), &t->comm))
			c[0] = c[1] = 0;
		return;
	}
	__builtin_memcpy(c, t->comm, 2 * sizeof(__u64));
}

/* Comm words @c (ct_comm_words()) are the name of pattern @p. */
static __always_inline bool ct_comm_is(const __u64 c[2],
				       const volatile struct ct_comm_pat *p)
{
	return p->m[0] && (c[0] & p->m[0]) == p->w[0] &&
	       (c[1] & p->m[1]) == p->w[1];
}

/* @t's parent, thread ids and cgroups, read as @t allows (ct_current()). */
static __always_inline struct task_struct *ct_task_parent(struct task_struct *t)
{
	if (!ct_has_task_btf)
		return BPF_CORE_READ(t, real_parent);
	return t->real_parent;
}

static __always_inline __u32 ct_task_tid(struct task_struct *t)
{
	if (!ct_has_task_btf)
		return BPF_CORE_READ(t, pid);
	return t->pid;
}

static __always_inline struct css_set *ct_task_cgroups(struct task_struct *t)
{
	if (!ct_has_task_btf)
		return BPF_CORE_READ(t, cgroups);
	return t->cgroups;
}

/*
 * The v1 memory cgroup of @t, which is what identifies a container on a
 * cgroup v1 host.  memory_cgrp_id is an enum whose value
 * depends on the kernel config, hence the CO-RE enum lookup.  NULL if
 * the kernel has no memory controller.
 *
 * @t is a BTF pointer (bpf_get_current_task_btf(), a tp_btf argument):
 * the chain is read with direct loads, which the verifier turns into
 * plain loads guarded by the exception table, instead of a probe-read
 * helper call per pointer (measured: ~15 ns less per host open+close,
 * tools/bench/bpf-cost).  Every syscall of every process pays this.
 * Without ct_has_task_btf, probe reads.
 */
static __always_inline struct cgroup *ct_memcg(struct task_struct *t)
{
	struct cgroup_subsys_state *css = NULL;
	struct css_set *cs;
	int id, nr;

	if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		return NULL;
	id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	/* subsys[] has CGROUP_SUBSYS_COUNT entries on the running kernel. */
	nr = bpf_core_enum_value(enum cgroup_subsys_id, CGROUP_SUBSYS_COUNT);
	if (id < 0 || id >= nr)
		return NULL;
	cs = ct_task_cgroups(t);
	if (!ct_has_task_btf) {
		if (bpf_core_read(&css, sizeof(css), &cs->subsys[id]) || !css)
			return NULL;
		return BPF_CORE_READ(css, cgroup);
	}
	css = cs->subsys[id];
	return css ? css->cgroup : NULL;
}

/* Kernfs id of @cg (0 for none): the key of a container's cgroup. */
static __always_inline __u64 ct_cgroup_id(struct cgroup *cg)
{
	if (!cg)
		return 0;
	if (!ct_has_task_btf)
		return BPF_CORE_READ(cg, kn, id);
	return cg->kn->id;
}

static __always_inline __u64 ct_memcg_id(struct task_struct *t)
{
	return ct_cgroup_id(ct_memcg(t));
}

/* The cgroup of @t's container in cgroup mode @mode. */
static __always_inline struct cgroup *ct_task_cgroup(struct task_struct *t,
						     __u32 mode)
{
	if (mode != CT_CGROUP_V2)
		return ct_memcg(t);
	if (!ct_has_task_btf)
		return BPF_CORE_READ(t, cgroups, dfl_cgrp);
	return t->cgroups->dfl_cgrp;
}

/*
 * Does @cg carry BPF cgroup storage of any map?  One load, no helper
 * call: most cgroups have none, so a container mark kept in cgroup
 * storage (bpf/opens_maps.bpf.h) rejects an untracked task before any
 * hash lookup.  Kernels without the field (before 6.2) or without the
 * marks say yes.
 */
static __always_inline bool ct_cgroup_has_storage(struct cgroup *cg)
{
	if (!ct_has_cgrp_storage || !ct_has_task_btf ||
	    !bpf_core_field_exists(cg->bpf_cgrp_storage))
		return true;
	return cg && cg->bpf_cgrp_storage;
}

/*
 * Does @t carry BPF task storage of any map?  One load, as above: the
 * task storage of coldtrace's maps is only on tasks it follows.  With
 * the hashes by tid instead, yes (the hash decides).
 */
static __always_inline bool ct_task_has_storage(struct task_struct *t)
{
	if (!ct_has_task_storage || !ct_has_task_btf ||
	    !bpf_core_field_exists(t->bpf_storage))
		return true;
	return t->bpf_storage;
}

/* Inode numbers of @t's mount and network namespaces (0 once exited). */
static __always_inline __u32 ct_mntns(struct task_struct *t)
{
	return BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);
}

static __always_inline __u32 ct_netns(struct task_struct *t)
{
	return BPF_CORE_READ(t, nsproxy, net_ns, ns.inum);
}

/* Fill @h from the current task; @size is the size of the whole record. */
static __always_inline void ct_fill_hdr(struct ct_hdr *h, __u32 type,
					__u32 size)
{
	struct task_struct *t = ct_current();
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	h->ts_ns = bpf_ktime_get_ns();
	h->type = type;
	h->size = size;
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->ppid = BPF_CORE_READ(t, real_parent, tgid);
	h->cpu = bpf_get_smp_processor_id();
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->memcg_id = ct_memcg_id(t);
	h->mntns = ct_mntns(t);
	h->netns = ct_netns(t);
	ct_current_comm(h->comm);
}

#endif /* __CT_TASK_BPF_H */
