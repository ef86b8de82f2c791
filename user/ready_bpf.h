/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Readiness marker, BPF side (bpf/ready.bpf.c): successful listen(2) calls
 * of tracked containers, as CT_EV_LISTEN records in the lifecycle ring
 * buffer.  Needs the open tracer: its tracked-container map is the filter.
 */
#ifndef __CT_READY_BPF_H
#define __CT_READY_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include "coldtrace.h"

struct ct_loader;
struct ct_opens_bpf;
struct ct_ready_bpf;

/* Open, share the maps of l and o, load, attach.  0 or -errno + err. */
int ct_ready_bpf_start(struct ct_ready_bpf **out, struct ct_loader *l,
		       struct ct_opens_bpf *o, enum ct_cgroup_mode m,
		       bool verbose, char *err, size_t errlen);
void ct_ready_bpf_stop(struct ct_ready_bpf *r);

#endif /* __CT_READY_BPF_H */
