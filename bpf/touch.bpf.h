/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --start-files' kernel side (CT_EV_TOUCH): a file a runc or crun
 * container read from its root file system within touch_window_ns after
 * its program's exec.  Two sources, one record: an open's exit in the
 * syscall object (opens_sys.bpf.h, note_touch()) and an exec in the open
 * tracer's object (opens.bpf.c): the program and each program it runs
 * is read by the kernel, not opened, and is the first file a lazily
 * pulled image fetches.  touch_window_ns is each object's rodata, 0 without
 * --start-files: all of this is dead code then.
 */
#ifndef __CT_TOUCH_BPF_H
#define __CT_TOUCH_BPF_H

#include "events.bpf.h"
#include "opens_maps.bpf.h"

const volatile __u64 touch_window_ns;

/* The tracked runc/crun container of @key, if @now is in its window. */
static __always_inline bool touch_wanted(__u64 key, __u64 now)
{
	struct ct_opens_track *tr;

	if (!touch_window_ns)
		return false;
	tr = bpf_map_lookup_elem(&tracked, &key);
	return tr && tr->runtime != CT_OPENS_RT_RUNSC &&
	       now - tr->since_ns < touch_window_ns;
}

/*
 * Whether @ino is on @t's root file system: an image's layers (the
 * overlay) or what the container wrote there.  Not /proc, /sys, /dev,
 * nor a volume or bind mount of another file system: no image holds
 * them.
 */
static __always_inline bool on_root_fs(struct task_struct *t,
				       struct inode *ino)
{
	struct super_block *root = BPF_CORE_READ(t, fs, root.mnt, mnt_sb);

	return root && BPF_CORE_READ(ino, i_sb) == root;
}

/*
 * One record of @key's file of @size at @path, a user pointer (an open's
 * argument) or a kernel one (an exec's name).  A full ring buffer counts
 * as a lost record.
 */
static __always_inline void touch_send(__u64 key, __u64 size,
				       const void *path, bool user)
{
	struct ct_touch *r = reserve(sizeof(*r));
	long n;

	if (!r)
		return;
	ct_fill_hdr(&r->hdr, CT_EV_TOUCH, sizeof(*r));
	r->cgroup_key = key;
	r->size = size;
	n = user ? bpf_probe_read_user_str(r->path, sizeof(r->path), path)
		 : bpf_probe_read_kernel_str(r->path, sizeof(r->path), path);
	if (n < 0)
		r->path[0] = 0;
	submit(r);
}

#endif /* __CT_TOUCH_BPF_H */
