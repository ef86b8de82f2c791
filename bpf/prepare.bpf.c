// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The prepare phase (design §3, docs/phases.md): dockerd's own creation
 * of a container begins with the directories of its read-write layer,
 * `<data-root>/overlay2/<mount id>-init`.  Every mkdirat(2) by dockerd
 * that succeeds becomes a CT_EV_MKDIR record in the lifecycle ring
 * buffer (shared by fd); userspace keeps the `-init` ones and attributes
 * them through the layer's mount-id file.  A mkdirat by any other
 * process costs a comm read and compare; mkdirat is rare.  Any other
 * syscall costs one compare of its number in the raw sys_enter and
 * sys_exit programs (sysargs.bpf.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "events.bpf.h"
#include "task.bpf.h"
#include "sysargs.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct mkdir_args {
	__u64 start_ns;
	const char *path;
};

/* tid -> arguments at enter; LRU: a killed task's entry must not leak */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct mkdir_args);
} mkdir_start SEC(".maps");

const char comm_dockerd[CT_COMM_LEN] = "dockerd";

static __always_inline bool is_dockerd(void)
{
	char comm[CT_COMM_LEN];

	bpf_get_current_comm(comm, sizeof(comm));
	for (int i = 0; i < 8; i++)	/* "dockerd\0" */
		if (comm[i] != comm_dockerd[i])
			return false;
	return true;
}

/* mkdirat(dfd, pathname, mode) */
static __always_inline void mkdir_enter(const char *path)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mkdir_args a;

	if (!is_dockerd())
		return;
	a.start_ns = bpf_ktime_get_ns();
	a.path = path;
	bpf_map_update_elem(&mkdir_start, &tid, &a, BPF_ANY);
}

static __always_inline void mkdir_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mkdir_args *a = bpf_map_lookup_elem(&mkdir_start, &tid);
	struct ct_mkdir *m;

	if (!a)
		return;
	if (ret == 0) {
		m = bpf_ringbuf_reserve(&events, sizeof(*m), 0);
		if (m) {
			ct_fill_hdr(&m->hdr, CT_EV_MKDIR, sizeof(*m));
			m->start_ns = a->start_ns;
			m->ret = ret;
			m->path[0] = '\0';
			bpf_probe_read_user_str(m->path, sizeof(m->path),
						a->path);
			bpf_ringbuf_submit(m, BPF_RB_NO_WAKEUP);
		} else {
			count_lost();
		}
	}
	bpf_map_delete_elem(&mkdir_start, &tid);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(ct_prepare_sys_enter, struct pt_regs *regs, long id)
{
	if (id != __NR_mkdirat || !ct_sys_native())
		return 0;
	mkdir_enter((const char *)ct_sys_arg1(regs));
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ct_prepare_sys_exit, struct pt_regs *regs, long ret)
{
	if (ct_sys_exit_nr(regs) != __NR_mkdirat || !ct_sys_native())
		return 0;
	mkdir_exit(ret);
	return 0;
}
