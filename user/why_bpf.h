/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --why, BPF side (bpf/why.bpf.c): scheduler state changes of the
 * container machinery's threads as CT_EV_TSTATE records in the lifecycle
 * ring buffer.  Loaded only for --why.
 */
#ifndef __CT_WHY_BPF_H
#define __CT_WHY_BPF_H

#include <stdbool.h>
#include <stddef.h>

struct ct_loader;
struct ct_why_bpf;

/* Open, share the ring buffer of l, load, attach.  0 or -errno + err. */
int ct_why_bpf_start(struct ct_why_bpf **out, struct ct_loader *l,
		     bool verbose, char *err, size_t errlen);
void ct_why_bpf_stop(struct ct_why_bpf *w);

#endif /* __CT_WHY_BPF_H */
