/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Image pull tracer, BPF side (bpf/pull.bpf.c).  It registers itself with
 * the loader (a constructor calls ct_loader_register()), so linking
 * user/pull_bpf.c is enough: its records (include/pull.h) reach the same
 * event callback as the lifecycle records.  `coldtrace --no-pulls` leaves
 * it out (its read/write/close hooks cost every host process ~100 ns per
 * call on the development VM: docs/bench.md).
 */
#ifndef __CT_PULL_BPF_H
#define __CT_PULL_BPF_H

#endif /* __CT_PULL_BPF_H */
