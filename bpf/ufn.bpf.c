// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The engines' own Go functions that a start needs (docs/gosym.md "Probes
 * on the engines' functions"): one uprobe program per function kind
 * (enum ct_ufn_fn), placed by user/kern/ufn_bpf.c at the entries it
 * finds through each binary's line table once the syscall hooks are
 * attached, kept for the session.  Each hit is a CT_EV_UFN record in the
 * lifecycle ring buffer (shared by fd) naming the id its request
 * holds.
 *
 * Entry probes only: a uretprobe rewrites the return address on the
 * goroutine's stack, which Go moves when it grows (a crash).  Arguments
 * come in Go's register ABI (ABIInternal, Go 1.17 and later): a method
 * (receiver, ctx context.Context, r *Request) has r in its fourth
 * integer register, RDI on x86-64 and R3 on arm64; the id is a Go
 * string (pointer, length) at r's first field, as the CRI API's
 * generated structs (gogo protobuf) lay out CreateContainerRequest's
 * PodSandboxId and StartContainerRequest's ContainerId; for
 * RunPodSandboxRequest, its Config (first field) -> Metadata (first
 * field) -> Uid (second field, after the Name string).  dockerd's
 * containerCreate is read for nothing: when it ran says whose it was.
 * A hit costs a
 * breakpoint trap and a single step (tools/bench/uprobe-cost).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "events.bpf.h"
#include "task.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#if defined(__TARGET_ARCH_x86)
#define GO_ARG4(ctx)	((ctx)->di)
#elif defined(__TARGET_ARCH_arm64)
#define GO_ARG4(ctx)	(((struct user_pt_regs *)(ctx))->regs[3])
#else
#error "ufn.bpf.c: x86 or arm64"
#endif

/* The Go string at the request's first field: its bytes into id. */
static __always_inline void read_id(struct ct_ufn *r, __u64 req)
{
	struct { __u64 ptr; __u64 len; } s = { 0 };
	__u64 n;

	if (bpf_probe_read_user(&s, sizeof(s), (const void *)req))
		return;
	r->id_len = s.len > 0xffffffffull ? 0xffffffffu : (__u32)s.len;
	n = s.len;
	if (n > sizeof(r->id) - 1)
		n = sizeof(r->id) - 1;
	if (n && bpf_probe_read_user(r->id, n, (const void *)s.ptr))
		r->id_len = 0;
}

/* The pointer at p's first word (a struct's first field), 0 if none. */
static __always_inline __u64 first_ptr(__u64 p)
{
	__u64 v = 0;

	if (p)
		bpf_probe_read_user(&v, sizeof(v), (const void *)p);
	return v;
}

/* The id's string at the request r, as fn's request lays it out. */
static __always_inline __u64 id_at(__u32 fn, __u64 r)
{
	__u64 md;

	if (fn == CT_UFN_DOCKER_CREATE)
		return 0;	/* no id in it: its time says whose */
	if (fn != CT_UFN_CRI_RUN)
		return r;
	md = first_ptr(first_ptr(r));	/* r.Config.Metadata */
	return md ? md + 16 : 0;	/* .Uid, after .Name */
}

static __always_inline int hit(struct pt_regs *ctx, __u32 fn)
{
	struct ct_ufn *r = reserve(sizeof(*r));
	__u64 at;

	if (!r)
		return 0;
	__builtin_memset(r->id, 0, sizeof(r->id));
	ct_fill_hdr(&r->hdr, CT_EV_UFN, sizeof(*r));
	r->fn = fn;
	r->id_len = 0;
	at = id_at(fn, GO_ARG4(ctx));
	if (at)
		read_id(r, at);
	submit(r);
	return 0;
}

SEC("uprobe")
int ct_ufn_cri_create(struct pt_regs *ctx)
{
	return hit(ctx, CT_UFN_CRI_CREATE);
}

SEC("uprobe")
int ct_ufn_cri_start(struct pt_regs *ctx)
{
	return hit(ctx, CT_UFN_CRI_START);
}

SEC("uprobe")
int ct_ufn_cri_run(struct pt_regs *ctx)
{
	return hit(ctx, CT_UFN_CRI_RUN);
}

SEC("uprobe")
int ct_ufn_docker_create(struct pt_regs *ctx)
{
	return hit(ctx, CT_UFN_DOCKER_CREATE);
}
