/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A gate: a value userspace sets while the programs run, through
 * user/kern/sys_bpf.c's gate_set(): whether the runsc stubs' stops
 * count (stub_gate, bpf/sys.bpf.c), the open and pull hooks'
 * generations (opens_gate, pull_gate: bpf/opens_sys.bpf.h,
 * bpf/pull_sys.bpf.h), 0 meaning closed.  A map, not a global:
 * userspace writes it under the running programs, and the loader does
 * not map .bss.  One lookup of an array, which the verifier inlines.
 */
#ifndef __CT_GATE_BPF_H
#define __CT_GATE_BPF_H

#define CT_GATE(name)						\
	struct {						\
		__uint(type, BPF_MAP_TYPE_ARRAY);		\
		__uint(max_entries, 1);				\
		__type(key, __u32);				\
		__type(value, __u32);				\
	} name SEC(".maps")

/* @gate's value (a CT_GATE map), 0 if closed. */
static __always_inline __u32 gate_value(void *gate)
{
	__u32 k = 0, *v = bpf_map_lookup_elem(gate, &k);

	return v ? *v : 0;
}

#endif /* __CT_GATE_BPF_H */
