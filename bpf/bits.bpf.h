/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Branch-free integer log2, as in bcc's libbpf-tools bits.bpf.h.  BPF
 * programs use it to pick a histogram slot; userspace (user/stats/hist.c and
 * the unit tests) includes this same file, so the slot math that is
 * tested is the slot math that runs in the kernel.
 */
#ifndef __CT_BITS_BPF_H
#define __CT_BITS_BPF_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* floor(log2(v)) for v > 0; 0 for v == 0. */
static __always_inline __u64 ct_log2(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4;
	v >>= r;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u64 ct_log2l(__u64 v)
{
	__u32 hi = v >> 32;

	if (hi)
		return ct_log2(hi) + 32;
	return ct_log2(v);
}

/*
 * Histogram slot of a value: slot k counts [2^k, 2^(k+1)); slot 0 also
 * takes 0, and the last slot takes everything above its lower bound.
 */
static __always_inline __u32 ct_hist_slot(__u64 v, __u32 nslots)
{
	__u64 s = ct_log2l(v);

	return s < nslots ? (__u32)s : nslots - 1;
}

#endif /* __CT_BITS_BPF_H */
