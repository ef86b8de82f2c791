/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The prepare phase (docs/design.md "Phases", docs/phases.md): dockerd's own
 * creation of a container begins with the directories of its read-write layer,
 * `<data-root>/overlay2/<mount id>-init`.  Every mkdirat(2) by dockerd that
 * succeeds becomes a CT_EV_MKDIR record in the lifecycle ring buffer (shared by
 * fd); userspace keeps the `-init` ones and attributes them through the layer's
 * mount-id file.  containerd's succeeding mkdirat(2)s of mode 0700 become
 * CT_EV_CMKDIR records, the same struct: its bundle directory of a task
 * `<state>/io.containerd.runtime.v2.task/<namespace>/<id>`, made right
 * before it execs the task's shim, names the container, and a new
 * snapshot's `snapshots/new-N` (os.MkdirTemp's) marks a container's
 * layer (prepare's steps, user/engines/containerd_prepare.c).  The mode
 * keeps out containerd's unpacking of image layers, in its own process:
 * a directory per directory of the image, of the image's modes (0755
 * nearly all).  Of mode 0755 only a name of an id's length is kept: the
 * CRI plugin's directories of a sandbox or a container,
 * `<root or state>/io.containerd.grpc.v1.cri/{sandboxes,containers}/<id>`,
 * the first acts of RunPodSandbox and CreateContainer that name it
 * (user/engines/cri_prepare.c); an unpacked directory is read and
 * dropped.  A mkdirat by any other process costs a comm read and
 * compare; mkdirat is rare.
 *
 * The other end (destroy): dockerd's removal of a container ends with
 * the unlinkat(AT_REMOVEDIR) of `<data-root>/containers/<id>`, after
 * its layer and `layerdb/mounts/<id>`; every unlinkat(AT_REMOVEDIR) by
 * dockerd that succeeds on a name as long as an id or longer becomes a
 * CT_EV_RMDIR record (user/tracker/ matches the name to a container).
 * Handlers of the one syscall object (bpf/sys.bpf.c), which owns
 * mkdir_start.
 */
#ifndef __CT_PREPARE_SYS_BPF_H
#define __CT_PREPARE_SYS_BPF_H

#include "events.bpf.h"
#include "task.bpf.h"
#include "daemons.bpf.h"

struct mkdir_args {
	__u64 start_ns;
	const char *path;
	__u32 type;	/* CT_EV_MKDIR (dockerd) or CT_EV_CMKDIR (containerd) */
	__u32 id_only;	/* kept only if its last name is an id's length */
};

/* tid -> arguments at enter; LRU: a killed task's entry must not leak */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct mkdir_args);
} mkdir_start SEC(".maps");

static __always_inline bool is_dockerd(void)
{
	return daemon_comm(ct_current()) == 1 + CT_DAEMON_DOCKERD;
}

#define CT_CTRD_MKDIR_MODE	0700	/* its bundles', os.MkdirTemp's */
#define CT_CTRD_ID_DIR_MODE	0755	/* the CRI's sandbox, container dirs */
#define CT_ID_NAME_LEN	64	/* a container id: 64 hex digits */

/* mkdirat(dfd, pathname, mode) */
static __always_inline void mkdir_enter(const char *path, __u64 mode)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	int d = daemon_comm(ct_current());
	struct mkdir_args a;

	if (d == 1 + CT_DAEMON_DOCKERD)
		a.type = CT_EV_MKDIR;
	else if (d == 1 + CT_DAEMON_CONTAINERD &&
		 ((mode & 07777) == CT_CTRD_MKDIR_MODE ||
		  (mode & 07777) == CT_CTRD_ID_DIR_MODE))
		a.type = CT_EV_CMKDIR;
	else
		return;
	a.id_only = a.type == CT_EV_CMKDIR &&
		    (mode & 07777) == CT_CTRD_ID_DIR_MODE;
	a.start_ns = bpf_ktime_get_ns();
	a.path = path;
	bpf_map_update_elem(&mkdir_start, &tid, &a, BPF_ANY);
}

/*
 * A path read whole (n: bpf_probe_read_user_str's count, its NUL in)
 * whose last name is as long as an id: a '/' right before it.
 */
static __always_inline bool ends_in_id(const char *path, long n)
{
	long slash = n - 1 - CT_ID_NAME_LEN - 1;

	return slash >= 0 && n <= CT_PATH_MAX &&
	       path[slash & (CT_PATH_MAX - 1)] == '/';
}

static __always_inline void mkdir_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mkdir_args *a = bpf_map_lookup_elem(&mkdir_start, &tid);
	struct ct_mkdir *m;
	long n;

	if (!a)
		return;
	m = ret == 0 ? reserve(sizeof(*m)) : NULL;
	if (m) {
		ct_fill_hdr(&m->hdr, a->type, sizeof(*m));
		m->start_ns = a->start_ns;
		m->ret = ret;
		m->path[0] = '\0';
		n = bpf_probe_read_user_str(m->path, sizeof(m->path), a->path);
		if (a->id_only && !ends_in_id(m->path, n))
			bpf_ringbuf_discard(m, 0);
		else
			submit(m);
	}
	bpf_map_delete_elem(&mkdir_start, &tid);
}

/*
 * unlinkat(dfd, pathname, flags), at its exit only: the directory is
 * gone then, and the arguments are still in the saved registers, so no
 * enter handler (and no map update) is needed.  Go's os.RemoveAll
 * removes a tree by names relative to the parent's fd: the container's
 * directory is the bare name `<id>`.  The length test drops the short
 * names inside a tree (a layer's work, diff, etc, ...): an image's
 * removal would otherwise send one record per directory of the image.
 */
#define CT_AT_REMOVEDIR	0x200	/* uapi/linux/fcntl.h */

static __always_inline void rmdir_exit(struct pt_regs *regs)
{
	struct ct_mkdir *m;
	long n;

	if (!is_dockerd())
		return;
	m = reserve(sizeof(*m));
	if (!m)
		return;
	n = bpf_probe_read_user_str(m->path, sizeof(m->path),
				    (const char *)ct_sys_arg1(regs));
	if (n <= CT_ID_NAME_LEN) {
		bpf_ringbuf_discard(m, 0);
		return;
	}
	ct_fill_hdr(&m->hdr, CT_EV_RMDIR, sizeof(*m));
	m->start_ns = 0;	/* not taken: the exit is the removal */
	m->ret = 0;
	submit(m);
}

#endif /* __CT_PREPARE_SYS_BPF_H */
