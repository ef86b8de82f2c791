/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * FUSE requests of tracked containers (CT_EV_FUSE): what a lazily pulled
 * image (eStargz, SOCI, nydus: a FUSE file system per layer) makes a
 * container wait for, and any other FUSE file system it reads.
 *
 * The fuse_request_send tracepoint fires in the task that sends the
 * request (the reader: a read(2), a page fault, the readahead its read
 * started, a lookup), fuse_request_end where the request ends (the
 * daemon's write of its reply, or an abort).  The send of a tracked
 * container's thread is kept by the request's address in fuse_inflight;
 * its end makes one record.  Requests the kernel sends for no reader
 * (FORGET, INTERRUPT: no end) and those of untracked tasks are not
 * kept: the host pays a task_marked() load per FUSE request.
 *
 * Both tracepoints came with Linux 6.11 (fs/fuse/fuse_trace.h); the
 * programs are not loaded on a kernel without them, nor while the fuse
 * module is not loaded at the start (user/kern/opens_bpf.c): the
 * records then say nothing, and the session says why.
 */
#ifndef __CT_LAZY_BPF_H
#define __CT_LAZY_BPF_H

#include "events.bpf.h"
#include "mapfull.bpf.h"
#include "opens_maps.bpf.h"

#define CT_FUSE_READ		15
#define CT_FUSE_OUT_HDR		16	/* sizeof(struct fuse_out_header) */
#define CT_FUSE_INFLIGHT_MAX	4096

struct fuse_sent {
	__u64 cgroup_key;
	__u64 ts_ns;
	__u32 opcode;
	__u32 tid;
	__u32 dev;
	__u32 _pad;
};

/*
 * A plain hash (mapfull.bpf.h): every kept send has an end.  Keyed by
 * the request itself: the same struct fuse_req reaches both tracepoints,
 * and its address is its own while it is in flight (unique is only per
 * connection: two layers' requests may share one).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CT_FUSE_INFLIGHT_MAX);
	__type(key, __u64);
	__type(value, struct fuse_sent);
} fuse_inflight SEC(".maps");

/*
 * Debian's 7.2 has no fuse_req.fm (its verifier refused the read): the
 * request reaches its connection through fuse_req.chan->conn there.
 * CO-RE flavours of what 7.2's BTF has (matched by name without the
 * ___ suffix), read only where they exist.
 */
struct fuse_chan___ct {
	struct fuse_conn *conn;
} __attribute__((preserve_access_index));

struct fuse_req___chan {
	struct fuse_chan___ct *chan;
} __attribute__((preserve_access_index));

/* The connection (its FUSE mount's dev), 0 if neither layout is known. */
static __always_inline __u32 fuse_req_dev(const struct fuse_req *req)
{
	const struct fuse_req___chan *rc = (const void *)req;

	if (bpf_core_field_exists(req->fm))
		return BPF_CORE_READ(req, fm, fc, dev);
	if (bpf_core_field_exists(rc->chan))
		return BPF_CORE_READ(rc, chan, conn, dev);
	return 0;
}

/* A send the full map refused: its container learns it lost one. */
static __always_inline void lazy_untimed(const struct fuse_sent *s)
{
	struct ct_fuse *r = reserve(sizeof(*r));

	if (!r)
		return;
	ct_fill_hdr(&r->hdr, CT_EV_FUSE, sizeof(*r));
	r->cgroup_key = s->cgroup_key;
	r->start_ns = 0;
	r->dev = s->dev;
	r->opcode = s->opcode;
	r->bytes = 0;
	r->error = 0;
	r->reader_tid = s->tid;
	r->_pad = 0;
	submit(r);
}

static __always_inline void lazy_send(const struct fuse_req *req)
{
	struct task_struct *t = ct_current();
	struct cgroup *cg = task_marked(t);
	struct fuse_sent s = {};
	__u64 k = (__u64)req;

	if (!cg)
		return;		/* every untracked task: one load */
	s.cgroup_key = ct_cgroup_id(cg);
	if (!bpf_map_lookup_elem(&tracked, &s.cgroup_key))
		return;
	s.dev = fuse_req_dev(req);
	s.ts_ns = bpf_ktime_get_ns();
	s.opcode = BPF_CORE_READ(req, in.h.opcode);
	s.tid = (__u32)bpf_get_current_pid_tgid();
	if (map_insert(&fuse_inflight, &k, &s, BPF_ANY, CT_MAPFULL_FUSE))
		lazy_untimed(&s);
}

static __always_inline void lazy_end(const struct fuse_req *req)
{
	__u64 k = (__u64)req;
	struct fuse_sent *s = bpf_map_lookup_elem(&fuse_inflight, &k);
	struct ct_fuse *r;
	__u32 len;

	if (!s)
		return;
	r = reserve(sizeof(*r));
	if (r) {
		ct_fill_hdr(&r->hdr, CT_EV_FUSE, sizeof(*r));
		r->cgroup_key = s->cgroup_key;
		r->start_ns = s->ts_ns;
		r->dev = s->dev;
		r->opcode = s->opcode;
		r->error = BPF_CORE_READ(req, out.h.error);
		len = BPF_CORE_READ(req, out.h.len);
		r->bytes = s->opcode == CT_FUSE_READ && !r->error &&
			   len > CT_FUSE_OUT_HDR ? len - CT_FUSE_OUT_HDR : 0;
		r->reader_tid = s->tid;
		r->_pad = 0;
		submit(r);
	}
	bpf_map_delete_elem(&fuse_inflight, &k);
}

#endif /* __CT_LAZY_BPF_H */
