/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Uprobes on the engines' own Go functions that a start needs (each
 * engine's row lists them: struct ct_ufn_spec, user/engines/engine.h),
 * BPF side bpf/ufn.bpf.c, records CT_EV_UFN on the lifecycle ring
 * buffer.  Loaded and placed at the session's start, looked for again
 * at an attach of the syscall hooks (user/kern/arm.h) at most once a
 * minute: the daemons alive are found by their comm under /proc (a probe is on the
 * binary: a daemon restarted from it keeps it), and each binary they
 * run, new to the session, is
 * read once (its line table, user/lib/gosym.h) for the entries of the
 * functions its engine names, and probed there.  The probes stay until
 * the session ends: removing a uprobe waits for the kernel's grace
 * period (the live loop stalled 225 ms on it, while a trigger came), and
 * one that is not hit costs nothing; a hit while the hooks are detached
 * is a record whose stage judges it as such (prepare_api.h
 * pr_hooks_on()).  A binary where one is not
 * found (another layout, a function renamed or inlined away, no line
 * table) gets no probe of it, said once by path and build id; the
 * rest of the record is unchanged (docs/gosym.md "Probes on the
 * engines' functions").
 */
#ifndef __CT_UFN_BPF_H
#define __CT_UFN_BPF_H

#include <stdbool.h>
#include <stddef.h>

struct ct_loader;
struct ct_ufn_bpf;

/*
 * Open, share l's ring buffer, load; nothing attached.  0 or -errno +
 * err.  proc_dir: where the daemons are looked for ("/proc").
 */
int ct_ufn_bpf_start(struct ct_ufn_bpf **out, struct ct_loader *l,
		     const char *proc_dir, bool verbose, char *err,
		     size_t errlen);
void ct_ufn_bpf_stop(struct ct_ufn_bpf *u);

/*
 * Probe the binaries of the daemons alive now that are not yet (the
 * hooks were attached), if the last look is a minute old or more.
 * Returns how many probes are attached in all.
 * A probe that cannot be attached is said once and left out.
 */
size_t ct_ufn_bpf_attach(struct ct_ufn_bpf *u);

#endif /* __CT_UFN_BPF_H */
