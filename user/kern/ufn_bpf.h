/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Uprobes on the engines' own Go functions that a start needs (each
 * engine's row lists them: struct ct_ufn_spec, user/engines/engine.h),
 * BPF side bpf/ufn.bpf.c, records CT_EV_UFN on the lifecycle ring
 * buffer.  Loaded at the session's start, attached with the syscall
 * hooks and detached with them (user/kern/arm.h): at each attach the
 * daemons alive are found by their comm under /proc, and each binary
 * they run is read once (its line table, user/lib/gosym.h) for the
 * entries of the functions its engine names.  A binary where one is not
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
 * Attach the probes to the binaries of the daemons alive now (on), or
 * detach every one (off).  Returns how many are attached.  A probe that
 * cannot be attached is said once and left out.
 */
size_t ct_ufn_bpf_arm(struct ct_ufn_bpf *u, bool on);

#endif /* __CT_UFN_BPF_H */
