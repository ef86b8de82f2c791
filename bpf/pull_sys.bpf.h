/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Image pulls (docs/design.md "Phases" "Image pull"), seen from the files the
 * daemons write:
 *  - dockerd 20.10 downloads each layer into <data-root>/tmp/GetImageBlob*
 *    (fetch = its writes), reads it back through gzip into docker-untar
 *    (unpack = its reads), closes it, commits the layer (rename into
 *    layerdb/sha256/), records the blob digest (rename into
 *    distribution/diffid-by-digest/sha256/<digest>) and ends the pull
 *    with the rename of repositories.json;
 *  - containerd writes content/ingest/<ref>/data, renames it to
 *    content/blobs/sha256/<digest> and reads that back to unpack;
 *  - podman (4.3, 5.8) pulls in its own process: each blob is written
 *    to <image_copy_tmp_dir>/storage<random>/<n> (Podman 4; 5:
 *    container_images_storage<random>; /var/tmp by default; the store's
 *    own storage/ files are not numbers),
 *    closed, opened again and read back into its storage-untar child
 *    (unpack); the image is stored by renames, among them that of
 *    <graphroot>/overlay-images/<id>/manifest, which names the image.
 *
 * All of it happens in syscalls: these are handlers of the one syscall
 * object (bpf/sys.bpf.c), which owns the maps below and the pull_events
 * ring buffer (userspace adds it to the loader's reader); what that
 * ring had no room for is counted in `lost` (CT_LOSS_PULL).  A pull's
 * start, the daemon's registry connect, is the lifecycle object's
 * (ct_tcp_connect in bpf/lifecycle.bpf.c): it is what attaches these
 * hooks when no client did.
 *
 * Cost for the host: openat/rename check the comm (only dockerd,
 * containerd and podman go further); write/read/pread64/close load one global
 * counter and stop there unless a blob file is open somewhere, and then
 * check the comm; only the daemons' do one hash lookup.  Per write
 * nothing leaves the kernel: bytes and first/last times add up in the
 * fds map, and one record per blob file goes out at close.
 */
#ifndef __CT_PULL_SYS_BPF_H
#define __CT_PULL_SYS_BPF_H

#include "task.bpf.h"
#include "daemons.bpf.h"
#include "events.bpf.h"
#include "gate.bpf.h"
#include "mapfull.bpf.h"
#include "sysargs.bpf.h"
#include "pull.h"

#define CT_O_ACCMODE	3
#define MAX_FDS		4096
#define PATH_MASK	(CT_PATH_MAX - 1)

_Static_assert((CT_PATH_MAX & PATH_MASK) == 0, "CT_PATH_MAX: power of 2");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} pull_events SEC(".maps");

/*
 * Plain hashes, not LRUs (mapfull.bpf.h): an entry goes at its file's
 * close or its open's exit, and one whose process or thread ended first
 * (an exit closes files without close(2)), or whose close or exit came
 * while the hooks were detached, is deleted by userspace once its owner
 * is gone (ct_sys_bpf_sweep()).  A refused insert is counted.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_FDS);
	__type(key, __u64);
	__type(value, struct ct_pull_blob_state);
} fds SEC(".maps");

/* openat enter -> exit of a matching path, by tid. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct ct_pull_blob_state);
} opening SEC(".maps");

/* Scratch space: a blob_state is too big for the 512-byte BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ct_pull_blob_state);
} scratch SEC(".maps");

/*
 * Blob files open right now (approximate: a process that dies without
 * close leaves it high, which only costs lookups).
 */
__u64 nr_open;
/* Entries in opening: lets every other openat exit stop at one load. */
__u64 nr_opening;
/*
 * Set by userspace (user/kern/sys_bpf.c): 0 while the hooks on write,
 * read, pread64 and close are off, a new value each time they are
 * attached.  A blob file opened while it is 0, or under an earlier value
 * (the hooks were detached since), has not been seen whole: it goes out
 * as CT_EV_PULL_UNTRACED instead of being counted as if it had.
 */
CT_GATE(pull_gate);

/* Globals, not static locals: clang 14 mislabels those in BTF. */
const char s_blob[] = "GetImageBlob";
const char s_data[] = "data";
const char s_ingest[] = "ingest";
const char s_blobs[] = "blobs";
const char s_sha256[] = "sha256";
const char s_repos[] = "repositories.json";
const char s_layerdb[] = "layerdb";
const char s_diffid[] = "diffid-by-digest";
const char s_storage[] = "storage";			/* Podman 4 */
const char s_cis[] = "container_images_storage";	/* Podman 5 */
const char s_manifest[] = "manifest";
const char s_ovl_images[] = "overlay-images";


/* Start offsets of the last three path components (after each '/'). */
struct comps {
	int len;
	int c1, c2, c3;	/* basename, its dir, the dir above; -1 if none */
};


struct split_ctx {
	const char *p;
	int len;
	int s1, s2, s3;	/* last three '/' seen, -1 if none */
};

/* bpf_loop body: a plain loop keeping three offsets overwhelms the verifier */
static long split_step(__u64 i, struct split_ctx *x)
{
	if ((int)i >= x->len)
		return 1;
	if (x->p[i & PATH_MASK] == '/') {
		x->s3 = x->s2;
		x->s2 = x->s1;
		x->s1 = (int)i;
	}
	return 0;
}

/* The last three '/' of a path, kept where the verifier does not track. */
struct split_offs {
	int s1, s2, s3;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct split_offs);
} split_scratch SEC(".maps");

/*
 * Without bpf_loop (before 5.17): a bounded loop whose offsets live in a
 * map value, which the verifier does not track, so that the two ways
 * out of each iteration are one state and the loop costs it 256 steps.
 * Kept in registers, it runs out of the 1M instruction budget.
 */
static __always_inline void split_bounded(struct split_ctx *x)
{
	volatile struct split_offs *o;	/* each offset a load: untracked */
	__u32 zero = 0;

	o = bpf_map_lookup_elem(&split_scratch, &zero);
	if (!o)
		return;
	o->s1 = o->s2 = o->s3 = -1;
#pragma clang loop unroll(disable)
	for (int i = 0; i < CT_PATH_MAX; i++) {
		if (i >= x->len)
			break;
		if (x->p[i & PATH_MASK] == '/') {
			o->s3 = o->s2;
			o->s2 = o->s1;
			o->s1 = i;
		}
	}
	x->s1 = o->s1;
	x->s2 = o->s2;
	x->s3 = o->s3;
}

/*
 * @loop is a constant of each sys_enter program (bpf/sys.bpf.c): the 5.10
 * loader refuses a program that merely holds a bpf_loop callback
 * ("number of funcs in func_info doesn't match number of subprogs"), so
 * the one without bpf_loop must not contain it at all.
 */
static __always_inline void split_path(const char *p, int len,
				       struct comps *c, const bool loop)
{
	struct split_ctx x = { .p = p, .len = len, .s1 = -1, .s2 = -1,
			       .s3 = -1 };

	if (loop)
		bpf_loop(CT_PATH_MAX, split_step, &x, 0);
	else
		split_bounded(&x);
	c->len = len;
	c->c1 = x.s1 + 1;
	c->c2 = x.s1 >= 0 && x.s2 >= 0 ? x.s2 + 1 : -1;
	c->c3 = x.s2 >= 0 && x.s3 >= 0 ? x.s3 + 1 : -1;
}

/*
 * Does component @at of @p start with @lit (n bytes, no NUL)?  With
 * @whole, the component must also end there (a '/' or the end).
 */
static __always_inline bool comp_is(const char *p, int at, const char *lit,
				    int n, bool whole)
{
	char end;

	if (at < 0)
		return false;
	for (int j = 0; j < n; j++)
		if (p[(at + j) & PATH_MASK] != lit[j])
			return false;
	end = p[(at + n) & PATH_MASK];
	return !whole || end == '/' || end == '\0';
}

/* Does component @at of @p start with a digit? */
static __always_inline bool comp_digit(const char *p, int at)
{
	char d = at < 0 ? 0 : p[at & PATH_MASK];

	return d >= '0' && d <= '9';
}

#define COMP_IS(p, at, s)	comp_is(p, at, s, sizeof(s) - 1, true)
#define COMP_HAS(p, at, s)	comp_is(p, at, s, sizeof(s) - 1, false)

#define WHO_PODMAN	(1 + CT_DAEMON_PODMAN)
#define WHO_DOCKERD	(1 + CT_DAEMON_DOCKERD)
#define WHO_CTRD	(1 + CT_DAEMON_CONTAINERD)

static __always_inline __u32 file_kind(const char *p, int len, int who,
				       int acc, const bool loop)
{
	struct comps c;

	split_path(p, len, &c, loop);
	if (who == WHO_DOCKERD && COMP_HAS(p, c.c1, s_blob))
		return CT_PULL_F_DOCKER_BLOB;
	if (who == WHO_PODMAN && comp_digit(p, c.c1) &&
	    (COMP_HAS(p, c.c2, s_storage) || COMP_HAS(p, c.c2, s_cis)))
		return CT_PULL_F_PODMAN_BLOB;
	if (who != WHO_CTRD)
		return 0;
	if (COMP_IS(p, c.c1, s_data) && COMP_IS(p, c.c3, s_ingest) &&
	    acc != 0)
		return CT_PULL_F_CTRD_INGEST;
	if (COMP_IS(p, c.c2, s_sha256) && COMP_IS(p, c.c3, s_blobs) &&
	    acc == 0)
		return CT_PULL_F_CTRD_BLOB;
	return 0;
}

static __always_inline __u32 rename_kind(const char *p, int len, int who,
					 const bool loop)
{
	struct comps c;

	split_path(p, len, &c, loop);
	if (who == WHO_DOCKERD && COMP_IS(p, c.c1, s_repos))
		return CT_PULL_R_REPOS;
	if (who == WHO_PODMAN && COMP_IS(p, c.c1, s_manifest) &&
	    COMP_IS(p, c.c3, s_ovl_images))
		return CT_PULL_R_PODMAN_MANIFEST;
	if (!COMP_IS(p, c.c2, s_sha256))
		return 0;
	if (who == WHO_DOCKERD && COMP_IS(p, c.c3, s_layerdb))
		return CT_PULL_R_LAYERDB;
	if (who == WHO_DOCKERD && COMP_IS(p, c.c3, s_diffid))
		return CT_PULL_R_DIFFID;
	if (who == WHO_CTRD && COMP_IS(p, c.c3, s_blobs))
		return CT_PULL_R_CTRD_BLOB;
	return 0;
}

static __always_inline struct ct_pull_blob_state *scratch_state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

/* ---- open: remember matching paths until the fd is known ---- */

static __always_inline int on_open(struct task_struct *t, const char *path,
				   int flags, const bool loop)
{
	int who = daemon_comm(t), len;
	struct ct_pull_blob_state *st;
	__u32 kind, tid;

	if (!who)
		return 0;
	tid = (__u32)bpf_get_current_pid_tgid();
	st = scratch_state();
	if (!st)
		return 0;
	len = bpf_probe_read_user_str(st->file.path, CT_PATH_MAX, path);
	if (len <= 1)
		return 0;
	kind = file_kind(st->file.path, len - 1, who, flags & CT_O_ACCMODE,
			 loop);
	if (!kind)
		return 0;
	__builtin_memset(&st->file, 0,
			 offsetof(struct ct_pull_blob_file, path));
	st->file.open_ns = bpf_ktime_get_ns();
	st->file.kind = kind;
	st->gen = gate_value(&pull_gate);
	if (!map_insert(&opening, &tid, st, BPF_ANY, CT_MAPFULL_OPENING))
		__sync_fetch_and_add(&nr_opening, 1);
	return 0;
}

/* One record per blob file: at close, or at open if it cannot be followed. */
static __always_inline void send_blob(const struct ct_pull_blob_state *st, __u64 fd,
				      __u32 type)
{
	struct ct_pull_blob *r;

	r = bpf_ringbuf_reserve(&pull_events, sizeof(*r), 0);
	if (!r) {
		count_loss(CT_LOSS_PULL);	/* a layer's file unseen */
		return;
	}
	ct_fill_hdr(&r->hdr, type, sizeof(*r));
	r->file = st->file;
	r->fd = (__s32)fd;
	bpf_ringbuf_submit(r, 0);
}

static __always_inline int pull_open_exit(long ret)
{
	struct ct_pull_blob_state *st;
	__u64 pid_tgid, key;
	__u32 tid;

	/*
	 * Entries exist only for daemon threads that opened a blob: every
	 * other openat's exit stops at this load, before any helper call.
	 */
	if (!nr_opening)
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	tid = (__u32)pid_tgid;
	st = bpf_map_lookup_elem(&opening, &tid);
	if (!st)
		return 0;
	if (ret >= 0 && (!st->gen || st->gen != gate_value(&pull_gate))) {
		send_blob(st, (__u64)ret, CT_EV_PULL_UNTRACED);
	} else if (ret >= 0) {
		key = (pid_tgid & ~0xffffffffull) | (__u32)ret;
		if (!map_insert(&fds, &key, st, BPF_ANY, CT_MAPFULL_FDS))
			__sync_fetch_and_add(&nr_open, 1);
	}
	if (!bpf_map_delete_elem(&opening, &tid))
		__sync_fetch_and_add(&nr_opening, -1);
	return 0;
}

/* ---- write/read: count in the kernel ---- */

/* A file opened before the hooks' last detach counts no more. */
static __always_inline struct ct_pull_blob_state *lookup_fd(__u64 fd)
{
	struct ct_pull_blob_state *st;
	__u64 key;

	if (!nr_open)
		return NULL;
	key = (bpf_get_current_pid_tgid() & ~0xffffffffull) | (__u32)fd;
	st = bpf_map_lookup_elem(&fds, &key);
	return st && st->gen == gate_value(&pull_gate) ? st : NULL;
}

static __always_inline int on_write(__u64 fd, __u64 count)
{
	struct ct_pull_blob_state *st = lookup_fd(fd);
	__u64 now;

	if (!st)
		return 0;
	now = bpf_ktime_get_ns();
	if (!st->file.first_write_ns)
		st->file.first_write_ns = now;
	st->file.last_write_ns = now;
	st->file.bytes_written += count;
	st->file.writes++;
	return 0;
}

static __always_inline int on_read(__u64 fd, __u64 count)
{
	struct ct_pull_blob_state *st = lookup_fd(fd);
	__u64 now;

	if (!st)
		return 0;
	now = bpf_ktime_get_ns();
	if (!st->file.first_read_ns)
		st->file.first_read_ns = now;
	st->file.last_read_ns = now;
	st->file.bytes_read += count;
	st->file.reads++;
	return 0;
}

/* ---- close: one record per blob file ---- */

static __always_inline int on_close(__u64 fd)
{
	struct ct_pull_blob_state *st;
	__u64 key;

	if (!nr_open)
		return 0;
	key = (bpf_get_current_pid_tgid() & ~0xffffffffull) | (__u32)fd;
	st = bpf_map_lookup_elem(&fds, &key);
	if (!st)
		return 0;
	send_blob(st, fd, st->gen == gate_value(&pull_gate) ?
			  CT_EV_PULL_BLOB : CT_EV_PULL_UNTRACED);
	if (!bpf_map_delete_elem(&fds, &key))
		__sync_fetch_and_add(&nr_open, -1);
	return 0;
}

/* ---- renames that mark progress ---- */

/*
 * The new name is read into the scratch and judged there, before any
 * reservation: a ring that is full then loses a rename of a pull's,
 * counted, not one of the daemon's many others.
 */
static __always_inline int on_rename(const char *oldp, const char *newp,
				     const bool loop)
{
	int who = daemon_comm(ct_current()), len;
	struct ct_pull_rename *r;
	struct ct_pull_blob_state *st;
	__u32 kind;

	if (!who)
		return 0;
	st = scratch_state();
	if (!st)
		return 0;
	len = bpf_probe_read_user_str(st->file.path, CT_PATH_MAX, newp);
	kind = len > 1 ? rename_kind(st->file.path, len - 1, who, loop) : 0;
	if (!kind)
		return 0;
	r = bpf_ringbuf_reserve(&pull_events, sizeof(*r), 0);
	if (!r) {
		count_loss(CT_LOSS_PULL);	/* a commit or an end unseen */
		return 0;
	}
	ct_fill_hdr(&r->hdr, CT_EV_PULL_RENAME, sizeof(*r));
	r->kind = kind;
	r->_pad = 0;
	__builtin_memcpy(r->newpath, st->file.path, CT_PATH_MAX);
	if (bpf_probe_read_user_str(r->oldpath, CT_PATH_MAX, oldp) < 0)
		r->oldpath[0] = '\0';
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/* ---- entry points for the dispatchers (bpf/sys.bpf.c) ---- */

/* read/pread64/write(fd, buf, count[, pos]), close(fd) by @t, current */
static __always_inline int pull_fd_syscall(struct task_struct *t,
					   struct pt_regs *regs, long id)
{
	__u64 fd = ct_sys_arg0(regs);

	/*
	 * fds holds the daemons' files only: while one pulls, every other
	 * process's read, write and close stops at its comm, not a lookup.
	 */
	if (!daemon_comm(t))
		return 0;
	switch (id) {
	case CT_NR_read:
	case CT_NR_pread64:
		return on_read(fd, ct_sys_arg2(regs));
	case CT_NR_write:
		return on_write(fd, ct_sys_arg2(regs));
	}
	return on_close(fd);
}

/* openat(dfd, filename, flags, mode) by @t, the current task */
static __always_inline int pull_openat(struct task_struct *t,
				       struct pt_regs *regs, const bool loop)
{
	return on_open(t, (const char *)ct_sys_arg1(regs),
		       (int)ct_sys_arg2(regs), loop);
}

static __always_inline int pull_name_syscall(struct pt_regs *regs, long id,
					     const bool loop)
{
	if (id == CT_NR_rename)		/* rename(oldname, newname) */
		return on_rename((const char *)ct_sys_arg0(regs),
				 (const char *)ct_sys_arg1(regs), loop);
	/* renameat[2](olddfd, old, newdfd, new[, flags]) */
	return on_rename((const char *)ct_sys_arg1(regs),
			 (const char *)ct_sys_arg3(regs), loop);
}

#endif /* __CT_PULL_SYS_BPF_H */
