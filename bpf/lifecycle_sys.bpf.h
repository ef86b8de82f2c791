/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The lifecycle's syscalls, for the one syscall object (bpf/sys.bpf.c):
 * mount(2) and umount2(2) (CT_EV_MOUNT, CT_EV_UMOUNT), the connect(2)
 * by which a Kata shim reaches its guest agent and those of engine
 * clients to their engine's socket (CT_EV_CONNECT), and the first data
 * those clients read on their stdin (CT_EV_STDIN), into the
 * lifecycle ring buffer (events.bpf.h).  Arguments are saved at enter in
 * maps of the syscall object's own, keyed by tid, and the record is made
 * at exit.
 */
#ifndef __CT_LIFECYCLE_SYS_BPF_H
#define __CT_LIFECYCLE_SYS_BPF_H

#include "events.bpf.h"
#include "task.bpf.h"
#include "clients.bpf.h"

/* mount/umount2 arguments saved at syscall enter, keyed by tid. */
struct mount_args {
	__u64 start_ns;
	__u64 flags;
	const char *source;
	const char *target;
};

struct {
	/* LRU: an entry whose exit never came (task killed) must not leak. */
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct mount_args);
} mount_start SEC(".maps");

static __always_inline void mount_enter(const char *source, const char *target,
					__u64 flags)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mount_args a = {
		.start_ns = bpf_ktime_get_ns(),
		.flags = flags,
		.source = source,
		.target = target,
	};

	bpf_map_update_elem(&mount_start, &tid, &a, BPF_ANY);
}

/*
 * Strings are read at exit, not enter: by then the kernel has copied
 * them, so the user pages are resident and the reads cannot miss.
 */
static __always_inline void mount_exit(__u32 type, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mount_args *a = bpf_map_lookup_elem(&mount_start, &tid);
	struct ct_mount *m;

	if (!a)
		return;
	m = reserve(sizeof(*m));
	if (m) {
		ct_fill_hdr(&m->hdr, type, sizeof(*m));
		m->start_ns = a->start_ns;
		m->ret = ret;
		m->flags = a->flags;
		m->source[0] = '\0';
		m->target[0] = '\0';
		if (a->source)
			bpf_probe_read_user_str(m->source, sizeof(m->source),
						a->source);
		if (a->target)
			bpf_probe_read_user_str(m->target, sizeof(m->target),
						a->target);
		submit(m);
	}
	bpf_map_delete_elem(&mount_start, &tid);
}

/*
 * connect(2), for Kata (docs/design.md "Phases": create ends when the guest
 * agent is reachable).  The shim reaches the agent over AF_VSOCK (qemu,
 * vhost-vsock) or over a hybrid vsock: a unix socket served by the VMM
 * (firecracker: ".../kata.hvsock", cloud-hypervisor: ".../clh.sock").  Every
 * process on the host connects all the time, so the filter at enter costs one
 * 2-byte user read (the family) for anything else, and one more read of the
 * path (up to 108 bytes) for other AF_UNIX connects; nothing is stored or sent
 * for them.  The exit pays one hash lookup that misses.
 */
#define CT_AF_UNIX		1
#define CT_AF_VSOCK		40
#define CT_SOCKADDR_UN_LEN	110	/* sizeof(struct sockaddr_un) */
#define CT_SUN_PATH_OFF		2	/* offsetof(struct sockaddr_un, sun_path) */
#define CT_SUN_PATH_LEN		(CT_SOCKADDR_UN_LEN - CT_SUN_PATH_OFF)
#define CT_PATH_BUF		128	/* > CT_SUN_PATH_LEN, a power of 2 */

struct connect_args {
	__u64 start_ns;
	const char *addr;
	__u32 addrlen;
	__u32 family;
	__s32 fd;
	__u32 client;		/* an engine client's AF_UNIX connect */
};

struct {
	/* LRU: an entry whose exit never came (task killed) must not leak. */
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct connect_args);
} connect_start SEC(".maps");

/* Does p[0..len) end with suf[0..n)? (masks: for the verifier) */
static __always_inline bool ends_with(const char *p, __u32 len,
				      const char *suf, __u32 n)
{
	if (len < n)
		return false;
	for (__u32 i = 0; i < n; i++)
		if (p[(len - n + i) & (CT_PATH_BUF - 1)] != suf[i])
			return false;
	return true;
}

/*
 * A hybrid vsock path?  sun_path is addr[2..addrlen), NUL-terminated or
 * not, and addrlen may be sizeof(struct sockaddr_un) with a shorter
 * path (C programs) or exactly the path (Go): read it up to its NUL.
 */
static __always_inline bool hvsock_path(const char *addr, __u32 addrlen)
{
	char p[CT_PATH_BUF];
	__u32 size;
	long n;

	if (addrlen <= CT_SUN_PATH_OFF || addrlen > CT_SOCKADDR_UN_LEN)
		return false;
	size = addrlen - CT_SUN_PATH_OFF + 1;	/* room for a NUL */
	size &= CT_PATH_BUF - 1;	/* already <= 109: for the verifier */
	n = bpf_probe_read_user_str(p, size, addr + CT_SUN_PATH_OFF);
	if (n <= 1)
		return false;
	return ends_with(p, n - 1, ".hvsock", 7) ||
	       ends_with(p, n - 1, "/clh.sock", 9);
}

/* The shims' comm (containerd-shim*), from user space (comms.h). */
const volatile struct ct_comm_pat shim_pat;

/*
 * Whose connects are followed: the engine clients' (docker, podman, ctr:
 * their engine's API socket) and the shims' (containerd-shim*: Kata's
 * hybrid vsock or vsock to its agent, cloud-hypervisor's clh.sock).
 * Every other process's connect stops here, at two loads and a few
 * compares, before any of its memory is read or a map is looked up.
 */
static __always_inline bool connect_comm(void)
{
	__u64 c[2];

	ct_comm_words(ct_current(), c);
	return client_comm(c) || ct_comm_is(c, &shim_pat);
}

/* connect(fd, uservaddr, addrlen); clients: follow the engine clients */
static __always_inline void connect_enter(int fd, const char *addr,
					  __u32 addrlen, bool clients_on)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct connect_args a = { 0 };
	__u16 family = 0;

	if (!connect_comm() || addrlen < sizeof(family) ||
	    bpf_probe_read_user(&family, sizeof(family), addr))
		return;
	if (family == CT_AF_UNIX && clients_on)
		a.client = is_client();
	if (family != CT_AF_VSOCK &&
	    (family != CT_AF_UNIX || !(a.client || hvsock_path(addr, addrlen))))
		return;
	a.fd = fd;
	a.start_ns = bpf_ktime_get_ns();
	a.addr = addr;
	a.addrlen = addrlen;
	a.family = family;
	bpf_map_update_elem(&connect_start, &tid, &a, BPF_ANY);
}

/* struct sockaddr_vm: family, reserved1, port, cid, flags, zero[3]. */
static __always_inline void read_vsock(struct ct_connect *c, const char *addr,
				       __u32 addrlen)
{
	__u32 pc[2] = { 0, 0 };

	if (addrlen >= 12 && bpf_probe_read_user(pc, sizeof(pc), addr + 4))
		pc[0] = pc[1] = 0;
	c->vsock_port = pc[0];
	c->vsock_cid = pc[1];
}

/* sun_path need not be NUL-terminated: copy addrlen - 2 bytes, add one. */
static __always_inline void read_sun_path(struct ct_connect *c,
					  const char *addr, __u32 addrlen)
{
	__u32 n = addrlen - CT_SUN_PATH_OFF;

	if (n > CT_SOCKADDR_UN_LEN - CT_SUN_PATH_OFF)
		n = CT_SOCKADDR_UN_LEN - CT_SUN_PATH_OFF;
	barrier_var(n);
	n &= 127;	/* < CT_PATH_MAX, for the verifier */
	if (n && bpf_probe_read_user(c->path, n, addr + CT_SUN_PATH_OFF))
		n = 0;
	c->path[n] = '\0';
}

/*
 * The tgid listening on the other end of connected AF_UNIX socket fd of
 * the current task: the peer credentials unix_stream_connect() copied
 * from the listener (SO_PEERCRED), in the initial pid namespace.  0 if
 * the fd is gone.  Which engine a client asked (several dockerd on one
 * host): user/enrich/client.c.
 */
static __always_inline __u32 sock_peer_tgid(int fd)
{
	struct task_struct *t = ct_current();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	struct socket *sock;
	struct pid *p;

	if (fd < 0 || (__u32)fd >= BPF_CORE_READ(fdt, max_fds) ||
	    bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return 0;
	sock = BPF_CORE_READ(f, private_data);
	p = sock ? BPF_CORE_READ(sock, sk, sk_peer_pid) : NULL;
	return p ? BPF_CORE_READ(p, numbers[0].nr) : 0;
}

/* Read at exit: the kernel has copied the address, its page is resident. */
static __always_inline void connect_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct connect_args *a;
	struct ct_connect *c;

	if (!connect_comm())
		return;
	a = bpf_map_lookup_elem(&connect_start, &tid);
	if (!a)
		return;
	c = reserve(sizeof(*c));
	if (c) {
		ct_fill_hdr(&c->hdr, CT_EV_CONNECT, sizeof(*c));
		c->start_ns = a->start_ns;
		c->ret = ret;
		c->family = a->family;
		c->vsock_cid = 0;
		c->vsock_port = 0;
		c->peer_pid = a->client && ret == 0 ? sock_peer_tgid(a->fd) : 0;
		c->path[0] = '\0';
		if (a->family == CT_AF_VSOCK)
			read_vsock(c, a->addr, a->addrlen);
		else
			read_sun_path(c, a->addr, a->addrlen);
		submit(c);
	}
	bpf_map_delete_elem(&connect_start, &tid);
}

/*
 * An engine client's stdin (CT_EV_STDIN): a workflow runner may hand a
 * step its request through a `docker run -i` it started earlier (warm,
 * pre-warmed), and the client that waited for that data had its request
 * only then (user/enrich/chain.h).  Its first read(2) of fd 0 is kept in its
 * mark (until an end of file), the first one that returns data is told,
 * once.  Another process's read of fd 0 stops at two loads (its comm).
 */
static __always_inline struct ct_client_mark *stdin_client(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct ct_client_mark *m;
	__u64 c[2];

	ct_comm_words(ct_current(), c);
	if (!client_comm(c))
		return NULL;
	m = bpf_map_lookup_elem(&clients, &tgid);
	return m && !m->stdin_told ? m : NULL;
}

static __always_inline void stdin_enter(void)
{
	struct ct_client_mark *m = stdin_client();

	if (m && !m->stdin_ns)
		m->stdin_ns = bpf_ktime_get_ns();
}

static __always_inline void stdin_exit(long ret)
{
	struct ct_client_mark *m;
	struct ct_stdin *r;
	__u64 now;

	if (ret < 0)
		return;
	m = stdin_client();
	if (!m)
		return;
	/* end of file: no wait now (a waiting client holds the hooks) */
	if (!ret) {
		m->stdin_ns = 0;
		return;
	}
	m->stdin_told = 1;
	now = bpf_ktime_get_ns();
	r = reserve(sizeof(*r));
	if (!r)
		return;
	ct_fill_hdr(&r->hdr, CT_EV_STDIN, sizeof(*r));
	r->ret = ret;
	r->wait_ns = m->stdin_ns && m->stdin_ns < now ? now - m->stdin_ns : 0;
	submit(r);
}

#endif /* __CT_LIFECYCLE_SYS_BPF_H */
