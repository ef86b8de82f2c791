/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Event ABI shared by the BPF programs (bpf/) and userspace (user/).
 *
 * Every record that crosses the ring buffer, and every record in a
 * --record file, starts with struct ct_hdr.  hdr.size is the full size of
 * the record, so a reader can skip types it does not know.  Sizes are
 * fixed and checked with _Static_assert: a change here must bump
 * CT_REC_VERSION so that old recordings are refused with a clear error
 * instead of being misread.
 */
#ifndef __COLDTRACE_H
#define __COLDTRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define CT_COMM_LEN	16
#define CT_ARGS_MAX	4096	/* whole argv block, NUL separated */
#define CT_PATH_MAX	256
#define CT_FNAME_MAX	256
#define CT_ENV_MAX	4096	/* a CNI plugin's environment, at most */

/*
 * Where CNI plugins live: their execs carry a CT_EV_CNI_ENV record (bpf/
 * lifecycle.bpf.c) and play the CNI role (user/model/classify.c).  Each entry
 * ends with '/' and is shorter than CT_CNI_DIR_LEN.
 */
#define CT_CNI_DIR_LEN	18
#define CT_CNI_DIRS \
	{ "/usr/lib/cni/", "/opt/cni/bin/", "/usr/libexec/cni/" }


enum ct_ev_type {
	CT_EV_EXEC	= 1,	/* sched_process_exec, with argv */
	CT_EV_FORK	= 2,	/* new process (threads are dropped in kernel) */
	CT_EV_EXIT	= 3,	/* last thread of a process exited */
	CT_EV_MOUNT	= 4,	/* mount(2) enter..exit */
	CT_EV_UMOUNT	= 5,	/* umount2(2) enter..exit */
	/* 6..9: image pull records, see include/pull.h */
	CT_EV_PULL_FIRST = 6,
	CT_EV_PULL_LAST	= 9,
	CT_EV_CONNECT	= 10,	/* connect(2) to a Kata agent (vsock, hvsock) */
	CT_EV_LISTEN	= 11,	/* successful listen(2) in a tracked container */
	CT_EV_TSTATE	= 12,	/* a tracked thread changed scheduler state */
	CT_EV_MKDIR	= 13,	/* mkdirat(2) by dockerd (prepare phase) */
	CT_EV_CNI_ENV	= 14,	/* a CNI plugin's environment, before its exec */
	CT_EV_RMDIR	= 15,	/* unlinkat(AT_REMOVEDIR) by dockerd (destroy) */
	CT_EV_STDIN	= 16,	/* an engine client's first read of its stdin with data */
	CT_EV_TOUCH	= 17,	/* --start-files: a container opened a file at its start */
	CT_EV_FUSE	= 18,	/* a container's request to a FUSE daemon ended */
	CT_EV_WAKE	= 19,	/* --why: a tracked thread is being woken */
	CT_EV_CMKDIR	= 20,	/* mkdirat(2) by containerd (prepare's steps) */
	CT_EV_UFN	= 21,	/* an engine's Go function entered (prepare's steps) */
	/* userspace-only records, written to --record files */
	CT_EV_LOST	= 100,	/* ring buffer reservation failures */
	CT_EV_END	= 101,	/* end of a recording: clean stop */
	CT_EV_OPENS	= 102,	/* a container's open histogram (include/opens.h) */
	CT_EV_NAME	= 103,	/* a container's name, found by userspace */
	CT_EV_PATHS	= 104,	/* a container's slowest opens (include/opens.h) */
	CT_EV_MOUNTID	= 105,	/* a docker container's layer mount id */
	CT_EV_ARM	= 106,	/* syscall hooks attached or detached (user/kern/arm.c) */
	CT_EV_ADOPT	= 107,	/* a process alive at the start (user/kern/adopt.c) */
	CT_EV_MAPFULL	= 108,	/* inserts refused by full BPF maps (include/mapfull.h) */
	CT_EV_HOST	= 109,	/* the traced host's names (user/core/host.c) */
	CT_EV_IDENT	= 110,	/* a container's names and image (user/enrich/names.c) */
	CT_EV_LAYER	= 111,	/* a FUSE connection's layer digest (user/enrich/layers.c) */
	CT_EV_FETCHED	= 112,	/* a lazy layer's bytes from its registry (user/enrich/layers.c) */
	CT_EV_STACK	= 113,	/* --why: a kernel stack's frames, named (user/kern/stacks.c) */
	CT_EV_PULL_IMAGE = 114,	/* the image a pull stored, from its daemon's store (include/pull.h) */
	CT_EV_USTACK	= 115,	/* --why=user: a user stack's frames, named (user/kern/stacks.c) */
};

/* Common header.  ts_ns is bpf_ktime_get_ns() (CLOCK_MONOTONIC). */
struct ct_hdr {
	__u64 ts_ns;
	__u32 type;		/* enum ct_ev_type */
	__u32 size;		/* bytes of the whole record, header included */
	__u32 pid;		/* tgid of current */
	__u32 tid;
	__u32 ppid;		/* tgid of real_parent */
	__u32 cpu;
	__u64 cgroup_id;	/* cgroup v2 id: bpf_get_current_cgroup_id() */
	__u64 memcg_id;		/* v1 memory cgroup kernfs id, 0 if none */
	__u32 mntns;		/* mount namespace inode */
	__u32 netns;		/* network namespace inode */
	char comm[CT_COMM_LEN];
};

struct ct_exec {
	struct ct_hdr hdr;
	__u32 args_len;		/* bytes valid in args[] */
	__u32 args_truncated;	/* 1 if argv did not fit */
	char filename[CT_FNAME_MAX];
	char args[CT_ARGS_MAX];	/* argv[0]\0argv[1]\0... */
};

/*
 * CT_EV_CNI_ENV: the environment of an exec whose filename is under a
 * CNI plugin directory (CT_CNI_DIRS).  Only there are a plugin's command
 * and sandbox (CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS): its argv is its
 * path, and libcni's dedupEnv() puts them anywhere in the environment
 * (Go map order).  It comes right before that exec's CT_EV_EXEC in the
 * ring buffer, with the same header but type and size: the same ts_ns
 * and pid pair them.  env[] is the whole area when it fits, else its
 * last CT_ENV_MAX bytes (env_cut 1: the first string may be a piece).
 */
struct ct_cni_env {
	struct ct_hdr hdr;
	__u32 env_len;		/* bytes valid in env[] */
	__u32 env_cut;		/* 1 if the area was longer than env[] */
	char env[CT_ENV_MAX];	/* NAME=value\0NAME=value\0... */
};

/* hdr.pid is the parent; child_pid the new process. */
struct ct_fork {
	struct ct_hdr hdr;
	__u32 child_pid;
	__u32 clone_flags_lo;	/* low 32 bits of clone flags, 0 if unknown */
	char child_comm[CT_COMM_LEN];
};

struct ct_exit {
	struct ct_hdr hdr;
	__s32 exit_code;	/* raw wait status: (code << 8) | signal */
	__u32 _pad;
};

/* mount(2) and umount2(2): ts_ns is the syscall exit, start_ns its enter. */
struct ct_mount {
	struct ct_hdr hdr;
	__u64 start_ns;
	__s64 ret;
	__u64 flags;
	char source[CT_PATH_MAX];	/* empty for umount */
	char target[CT_PATH_MAX];
};

/*
 * CT_EV_CONNECT: connect(2) enter..exit, only for AF_VSOCK and for AF_UNIX
 * paths of a hybrid vsock (Kata's "kata.hvsock", cloud-hypervisor's
 * "clh.sock"): how a Kata shim reaches its guest agent; and, with the
 * prepare phase on, every AF_UNIX connect of an engine client (comm
 * docker, podman, ctr): its request to the engine's socket (user/
 * client.h).  ret is the syscall's return value (0, -EINPROGRESS,
 * -errno).
 */
struct ct_connect {
	struct ct_hdr hdr;
	__u64 start_ns;
	__s64 ret;
	__u32 family;		/* AF_VSOCK (40) or AF_UNIX (1) */
	__u32 vsock_cid;	/* AF_VSOCK only */
	__u32 vsock_port;	/* AF_VSOCK only */
	/* an engine client's successful AF_UNIX connect: the tgid that
	 * listens on the socket (the engine: SO_PEERCRED's pid); else 0,
	 * as in recordings made before it was filled */
	__u32 peer_pid;
	char path[CT_PATH_MAX];	/* AF_UNIX only; NUL-terminated */
};

/*
 * CT_EV_LISTEN (bpf/ready.bpf.h): a TCP socket entering LISTEN, or a
 * listen(2) that returned 0 (ret: 0), in a
 * container tracked by the open tracer (docs/design.md "Phases", ready).  Under
 * runsc (ptrace) the guest's listen shows as a sys_exit on the stub thread with
 * the emulated return value.  opens_* is the container's guest open histogram
 * at that moment: the opens made before it was ready.
 */
struct ct_listen {
	struct ct_hdr hdr;
	__u64 cgroup_key;	/* the key the kernel matched (cgroup mode) */
	__s64 ret;
	__u64 opens_count;
	__u64 opens_failed;
};

/*
 * CT_EV_STDIN (bpf/lifecycle_sys.bpf.h): the first read(2) of fd 0 that
 * returned data in an engine client (hdr.pid), e.g. the request a
 * workflow runner writes into a `docker run -i` (docs/phases.md
 * "chain").  wait_ns: how long since the client first tried to read its
 * stdin (0: that try was not seen); a client that waited had its request
 * only now.
 */
struct ct_stdin {
	struct ct_hdr hdr;
	__s64 ret;		/* bytes read */
	__u64 wait_ns;
};

/*
 * CT_EV_TSTATE (bpf/why.bpf.c, --why): thread hdr.tid of process hdr.pid
 * entered state (enum ct_tstate_kind) at hdr.ts_ns.  Only hdr.ts_ns,
 * type, size, pid, tid and cpu are filled: the event is about a task that
 * is often not the current one (a wakeup, the next task of a switch).
 * A switch out into CT_TS_IO or CT_TS_SLEEP carries the thread's kernel
 * stack there, its wait site (stack, below).
 */
enum ct_tstate_kind {
	CT_TS_RUN = 1,		/* on a CPU */
	CT_TS_RUNQ = 2,		/* runnable, waiting for a CPU */
	CT_TS_IO = 3,		/* uninterruptible sleep (D) */
	CT_TS_SLEEP = 4,	/* any other sleep (S, traced, stopped) */
	CT_TS_DEAD = 5,		/* the thread is gone */
};

/*
 * A kernel stack in a record: its id in the why_stacks map + 1, whose
 * frames a CT_EV_STACK record of the same id names (before the first
 * record that uses it); CT_STACK_NONE when none was taken (recordings
 * made before stacks have 0 there), CT_STACK_LOST when the map could not
 * keep it (full, or a different stack in its bucket): its time is
 * unattributed, never given to another stack's site.
 */
#define CT_STACK_NONE	0u
#define CT_STACK_LOST	0xffffffffu
/*
 * A sleep (S) in a futex, an epoll wait or a nanosleep waits where that
 * syscall always waits (futex_wait, ep_poll, do_nanosleep): its stack is
 * not walked (9 in 10 of a docker run's sleeps: Go's runtimes), the
 * record says which syscall: CT_STACK_WAIT_SYSCALL(i), i its row in
 * include/syscalls.h's CT_WAIT_SYSCALLS (the same on every
 * architecture, unlike the syscall's number).
 */
#define CT_STACK_WAIT_SYSCALL(i)	(0xfffffff0u + (__u32)(i))
#define CT_STACK_WAIT_SYSCALLS		6
#define CT_STACK_DEPTH	48	/* frames kept, from the innermost */
#define CT_STACKS_MAX	8192	/* distinct stacks a session names */

/*
 * A user stack in a record (--why=user): its id in the why_ustacks map +
 * 1, whose frames a CT_EV_USTACK record of the same id and process (its
 * hdr.pid) names before the first record of that process that uses it;
 * CT_STACK_NONE or CT_STACK_LOST as a kernel stack's.  A record of an
 * older recording ends before ustack: none.
 */
#define CT_USTACKS_MAX	8192

struct ct_tstate {
	struct ct_hdr hdr;
	__u32 state;		/* enum ct_tstate_kind */
	__u32 stack;		/* the switch out's kernel stack (above) */
	__u32 ustack;		/* ... and its user stack */
	/*
	 * --why=user, runc: the user stack of the goroutine that parked on
	 * this thread just before it slept (at runtime.gopark's entry), as
	 * ustack's (same map, named by the same CT_EV_USTACK records); 0 in
	 * older recordings: none.
	 */
	__u32 gstack;
};

/*
 * CT_EV_WAKE (bpf/why.bpf.c, --why): at sched_waking of a tracked
 * thread, on the waker's CPU.  The header is the waker's, the current
 * task (in an interrupt: the task it interrupted, or the idle task,
 * pid 0; CT_WAKE_IRQ or, without it, its stack says which): pid, tid,
 * comm, cpu, ts_ns; the rest of the header is 0.  stack is the waker's
 * kernel stack at the wakeup, where one was taken (why.bpf.c says
 * when).  An interrupt's wake of a thread asleep in nanosleep or
 * clock_nanosleep (a timer's) makes none: such a sleep ended with no
 * wake is the timer's.
 */
/* the waits whose waker's stack is taken last this long or more */
#define CT_WAKER_STACK_MIN_NS	1000000ull

#define CT_WAKE_KTHREAD	0x1	/* the waker is a kernel thread */
#define CT_WAKE_IRQ	0x2	/* in a hard interrupt, NMI or softirq */

struct ct_wake {
	struct ct_hdr hdr;
	__u32 wakee_pid;	/* tgid of the woken thread */
	__u32 wakee_tid;
	__u32 stack;		/* as ct_tstate's */
	__u32 flags;		/* CT_WAKE_* */
};

/*
 * CT_EV_STACK: the frames of a kernel stack of why_stacks, named by the
 * live session from /proc/kallsyms when a record first uses its id, so
 * that a replay on another host or boot names the same sites.  frames:
 * n function names, each NUL-terminated, innermost first; cut: frames
 * left out at the outer end (frames[] full).  An address that no symbol
 * covers is "?".  CT_EV_USTACK is the same of a user stack of
 * why_ustacks, named for process hdr.pid (user/lib/ustack.h: Go
 * functions, "[file]", "[vdso]" or "?").
 */
#define CT_STACK_TEXT	2048

struct ct_stack_rec {
	struct ct_hdr hdr;
	__u32 id;		/* as in the records: the map's id + 1 */
	__u16 n;		/* names in frames[] */
	__u16 cut;
	char frames[CT_STACK_TEXT];
};

/*
 * CT_EV_MKDIR (bpf/prepare_sys.bpf.h): a mkdirat(2) by dockerd that
 * returned 0; ts_ns is its exit, start_ns its enter.  dockerd's creation
 * of a container begins with its read-write layer `<root>/overlay2/<mount
 * id>-init` (docs/design.md "Phases", prepare; docs/phases.md).
 *
 * CT_EV_RMDIR, the same struct: an unlinkat(2) with AT_REMOVEDIR by
 * dockerd that returned 0, on a name of 64 bytes or more; ts_ns is its
 * exit, start_ns 0 (not taken), path as passed: relative to the parent
 * directory's fd when Go's os.RemoveAll removes a tree.  dockerd's
 * removal of a container ends with `<root>/containers/<id>` (destroy;
 * docs/phases.md).
 *
 * CT_EV_CMKDIR, the same struct: a mkdirat(2) by containerd that returned
 * 0, as CT_EV_MKDIR, of mode 0700 (its task's bundle directory
 * `<state>/io.containerd.runtime.v2.task/<namespace>/<id>`, made right
 * before the shim's exec, and a new snapshot's) or of mode 0755 whose
 * last name is 64 bytes long (its CRI plugin's directory of a sandbox or
 * a container, `.../io.containerd.grpc.v1.cri/sandboxes/<id>`): docs/
 * phases.md "prepare's steps".
 */
struct ct_mkdir {
	struct ct_hdr hdr;
	__u64 start_ns;
	__s64 ret;
	char path[CT_PATH_MAX];	/* as passed (absolute for dockerd) */
};

/*
 * CT_EV_UFN (bpf/ufn.bpf.c): an engine's own Go function entered, one of
 * the few a start needs, placed by user/kern/ufn_bpf.c through the
 * binary's line table (docs/gosym.md) once the syscall hooks are
 * attached; ts_ns is the entry.  fn says which (enum ct_ufn_fn), id is
 * the id its request names (a Go string read from the request's struct:
 * the register ABI's argument, its first field, or for RunPodSandbox
 * its config's metadata's uid; none for dockerd's), id_len the string's
 * length (longer than id holds: cut, never a match).  Go's stack growth
 * may run a function's entry twice (runtime.morestack), the second on
 * the same thread microseconds later: the reader keeps the first.
 */
enum ct_ufn_fn {
	CT_UFN_CRI_CREATE = 1,	/* CRI CreateContainer; id: its sandbox */
	CT_UFN_CRI_START = 2,	/* CRI StartContainer; id: the container */
	CT_UFN_CRI_RUN = 3,	/* CRI RunPodSandbox; id: the pod's uid
				 * (its config's metadata) */
	CT_UFN_DOCKER_CREATE = 4, /* dockerd's containerCreate; no id */
	CT_UFN_PLACED = 5,	/* not a hit: coldtrace placed new probes
				 * (ts: once they were attached) */
	CT_UFN_MAX,
};

#define CT_UFN_ID_LEN	72	/* an id of 64, its NUL, 8-aligned */

struct ct_ufn {
	struct ct_hdr hdr;
	__u32 fn;		/* enum ct_ufn_fn */
	__u32 id_len;		/* the string's length in the request */
	char id[CT_UFN_ID_LEN];	/* NUL-terminated, cut to fit */
};

/*
 * CT_EV_TOUCH (bpf/opens_sys.bpf.h, --start-files): a successful open(2),
 * openat(2) or openat2(2) of a regular file for reading by a runc or crun
 * container's programs within the first touch_window_ns after its
 * program's exec (the open tracer's tracked.since_ns), while the syscall
 * hooks are attached.  size: the file's size at the open (i_size); path: as the
 * program passed it (relative to its dirfd when not absolute), "" if
 * unreadable.  Every such open comes, repeated ones too: userspace keeps
 * the first of each path (user/enrich/startfiles.h).
 */
struct ct_touch {
	struct ct_hdr hdr;
	__u64 cgroup_key;	/* the key the kernel matched */
	__u64 size;
	char path[CT_PATH_MAX];	/* NUL-terminated */
};

/*
 * CT_EV_FUSE (bpf/lazy.bpf.h): a FUSE request a tracked container's
 * thread (reader_tid) sent ended: a lazily pulled image's file being
 * fetched, or any FUSE file system the container reads.  hdr is the
 * end's (the daemon's reply or the request's abort, in the replying
 * task's context: hdr.pid is the daemon's); start_ns the send, in the
 * reader's context.  bytes: for FUSE_READ the data the reply carried,
 * else 0; error: the reply's (-errno).  start_ns 0: a send whose start
 * the full in-flight map could not keep (CT_MAPFULL_FUSE), sent at once
 * in the reader's context: no end, no time, no bytes will come of it.
 */
struct ct_fuse {
	struct ct_hdr hdr;
	__u64 cgroup_key;	/* the reader's container */
	__u64 start_ns;		/* the request's send (monotonic) */
	__u32 dev;		/* the connection (the FUSE mount's s_dev) */
	__u32 opcode;		/* FUSE_READ 15, FUSE_LOOKUP 1, ... */
	__u32 bytes;
	__s32 error;
	__u32 reader_tid;
	__u32 _pad;
};

/*
 * CT_EV_LAYER: the image layer a FUSE connection serves to a container,
 * as its file system names it (a stargz layer: its state file, user/
 * enrich/layers.h), read by the live session after the container's first
 * request on it (its CT_EV_FUSE), so that a replay finds it there too.
 */
#define CT_LAYER_DIGEST_LEN	80	/* "sha256:" + 64 hex, NUL */
struct ct_layer_rec {
	struct ct_hdr hdr;
	__u64 cgroup_key;	/* the container whose request asked */
	__u32 dev;		/* the connection, as CT_EV_FUSE's */
	__u32 _pad;
	char digest[CT_LAYER_DIGEST_LEN];	/* NUL-terminated */
};

/*
 * CT_EV_FETCHED: how many bytes of a lazily pulled layer its file
 * system has fetched from the registry so far (a stargz layer's state
 * file, "fetchedSize"), read by the live session when hdr.ts_ns says
 * (the read began then): before a new container's first request, and
 * once a connection's requests have settled.  The layer's, shared by
 * every container reading it; user/enrich/fuse.h gives each container
 * the growth across its own requests.
 */
struct ct_fetched_rec {
	struct ct_hdr hdr;
	__u32 dev;		/* the connection, as CT_EV_FUSE's */
	__u32 _pad;
	__u64 fetched;		/* bytes fetched since the mount */
	__u64 size;		/* the layer blob's */
};

/*
 * What the BPF programs could not keep, counted per CPU in the `lost`
 * map (bpf/events.bpf.h) under these keys, each its own loss kind in
 * the reports (docs/metrics.md).
 */
enum ct_loss {
	CT_LOSS_EVENTS = 0,	/* the lifecycle ring buffer was full */
	CT_LOSS_PULL = 1,	/* the pull_events ring buffer was full */
	CT_LOSS_WHY = 2,	/* --why: a thread's mark was not stored */
	CT_LOSS_OPENS = 3,	/* an open's start was not stored (inflight) */
	CT_LOSS_KINDS,
};

/*
 * CT_EV_LOST: made by userspace from the `lost` map, whenever a counter
 * grew and at the end.  Totals since the start, by enum ct_loss.
 * Format version 1 has lost only (hdr.size 80): the others are then 0.
 */
struct ct_lost {
	struct ct_hdr hdr;
	__u64 lost;		/* CT_LOSS_EVENTS: records lost */
	__u64 pull_lost;	/* CT_LOSS_PULL: pull records lost */
	__u64 why_lost;		/* CT_LOSS_WHY: threads not followed */
	__u64 opens_lost;	/* CT_LOSS_OPENS: opens not timed */
};
#define CT_LOST_V1_SIZE	(72 + 8)

/*
 * CT_EV_ARM: made by the live session, which attaches the syscall hooks
 * only while containers are starting, running or being removed (user/
 * arm.c).  armed=1: attached at hdr.ts_ns, after the exec at trigger_ns
 * asked for them (0: at the session's start).  armed=0: detached from
 * hdr.ts_ns on.  A recording without these records was always armed.
 */
struct ct_arm_rec {
	struct ct_hdr hdr;
	__u64 trigger_ns;
	__u32 armed;
	__u32 _pad;
};

/*
 * CT_EV_ADOPT: struct ct_exec, made by the live session at its start for
 * each shim, monitor, runsc sandbox or gofer, and container pid 1 that
 * was already running (read from /proc: comm, ppid, exe, argv; stamped
 * at the scan; the cgroup and namespace fields 0): containers begun
 * before the session are followed to their end (user/kern/adopt.h).
 */

/*
 * CT_EV_NAME: docker keeps container names out of every process argv;
 * the live session reads them from dockerd's data root when a container
 * appears and records them here, so that a replay names it too.
 */
#define CT_NAME_ID_LEN	128
#define CT_NAME_NAME_LEN 128

struct ct_name_rec {
	struct ct_hdr hdr;
	char id[CT_NAME_ID_LEN];
	char name[CT_NAME_NAME_LEN];
};

/*
 * CT_EV_HOST: the traced host, made once at a live session's start, so
 * that a replay's exports name the host the recording was made on
 * (OpenTelemetry's host.name, host.id, k8s.node.name).  Empty: unknown.
 * A reader that does not know it skips it (ct_rec_check()).
 */
struct ct_host_rec {
	struct ct_hdr hdr;
	char host_name[64];	/* $NODE_NAME, else uname's nodename */
	char host_id[64];	/* /etc/machine-id */
	char node_name[128];	/* $NODE_NAME: the DaemonSet's spec.nodeName */
};

/*
 * CT_EV_IDENT: what a container's engine calls it, which no argv holds:
 * its name and image, and a CRI container's Kubernetes names.  The live
 * session reads them while the container exists (docker: its
 * config.v2.json; CRI: the annotations containerd's CRI plugin writes
 * into the runtime bundle's config.json, the --bundle of the runtime's
 * create) and records them here, so that a replay names it too.  Sizes:
 * a pod name is a DNS subdomain (253), a namespace and a container name
 * DNS labels (63), a uid 36; a longer value is cut with CT_NAME_CUT.
 * Empty: not known.  A reader that does not know it skips it.
 */
enum ct_k8s_kind {
	CT_K8S_NONE,		/* not a CRI container */
	CT_K8S_SANDBOX,		/* io.kubernetes.cri.container-type: sandbox */
	CT_K8S_CONTAINER,	/* ... container: an app container */
};

#define CT_K8S_POD_LEN	256
#define CT_K8S_LABEL_LEN 64
#define CT_IMAGE_LEN	256

struct ct_ident_rec {
	struct ct_hdr hdr;
	char id[CT_NAME_ID_LEN];
	char name[CT_NAME_NAME_LEN];
	char image[CT_IMAGE_LEN];
	char pod_name[CT_K8S_POD_LEN];
	char pod_namespace[CT_K8S_LABEL_LEN];
	char pod_uid[CT_K8S_LABEL_LEN];
	char container_name[CT_K8S_LABEL_LEN];
	__u32 kind;			/* enum ct_k8s_kind */
	__u32 _pad;
};

/*
 * CT_EV_MOUNTID: the same struct, name holding the mount id of the
 * container's read-write layer, read by the live session from
 * `<data-root>/image/overlay2/layerdb/mounts/<id>/mount-id` (the mount id
 * is random, not the container id): how a `<mount id>-init` mkdir is
 * attributed to its container without guessing.
 */

_Static_assert(sizeof(struct ct_hdr) == 72, "ct_hdr ABI");
_Static_assert(sizeof(struct ct_exec) == 72 + 8 + CT_FNAME_MAX + CT_ARGS_MAX,
	       "ct_exec ABI");
_Static_assert(sizeof(struct ct_cni_env) == 72 + 8 + CT_ENV_MAX,
	       "ct_cni_env ABI");
_Static_assert(sizeof(struct ct_fork) == 72 + 8 + CT_COMM_LEN, "ct_fork ABI");
_Static_assert(sizeof(struct ct_exit) == 72 + 8, "ct_exit ABI");
_Static_assert(sizeof(struct ct_mount) == 72 + 24 + 2 * CT_PATH_MAX,
	       "ct_mount ABI");
_Static_assert(sizeof(struct ct_lost) == 72 + 8 * CT_LOSS_KINDS, "ct_lost ABI");
_Static_assert(sizeof(struct ct_arm_rec) == 72 + 16, "ct_arm_rec ABI");
_Static_assert(sizeof(struct ct_name_rec) == 72 + 256, "ct_name_rec ABI");
_Static_assert(sizeof(struct ct_host_rec) == 72 + 256, "ct_host_rec ABI");
_Static_assert(sizeof(struct ct_ident_rec) ==
	       72 + 2 * 128 + 2 * 256 + 3 * 64 + 8, "ct_ident_rec ABI");
_Static_assert(sizeof(struct ct_listen) == 72 + 32, "ct_listen ABI");
_Static_assert(sizeof(struct ct_stdin) == 72 + 16, "ct_stdin ABI");
_Static_assert(sizeof(struct ct_tstate) == 72 + 16, "ct_tstate ABI");
/* the size of a CT_EV_TSTATE before user stacks: still read */
#define CT_TSTATE_V1_SIZE	(72 + 8)
_Static_assert(sizeof(struct ct_wake) == 72 + 16, "ct_wake ABI");
_Static_assert(sizeof(struct ct_stack_rec) == 72 + 8 + CT_STACK_TEXT,
	       "ct_stack_rec ABI");
_Static_assert(sizeof(struct ct_ufn) == 72 + 8 + CT_UFN_ID_LEN,
	       "ct_ufn ABI");
_Static_assert(sizeof(struct ct_mkdir) == 72 + 16 + CT_PATH_MAX,
	       "ct_mkdir ABI");
_Static_assert(sizeof(struct ct_touch) == 72 + 16 + CT_PATH_MAX,
	       "ct_touch ABI");
_Static_assert(sizeof(struct ct_fuse) == 72 + 40, "ct_fuse ABI");
_Static_assert(sizeof(struct ct_layer_rec) == 72 + 16 + CT_LAYER_DIGEST_LEN,
	       "ct_layer_rec ABI");
_Static_assert(sizeof(struct ct_connect) == 72 + 32 + CT_PATH_MAX,
	       "ct_connect ABI");

/*
 * --record file: struct ct_rec_file_hdr, then records back to back, each
 * starting with struct ct_hdr.  Integers are host-endian (the file says
 * which in endian_mark).
 *
 * Format versions (version in the file header): a reader reads every
 * version from CT_REC_VERSION_MIN to the CT_REC_VERSION it writes, and
 * refuses a newer one, which it would misread:
 *  1  the records above, but CT_EV_ARM; a recording made with the
 *     syscall hooks always attached.
 *  2  CT_EV_ARM: the hooks may have been detached for part of the
 *     recording, which changes what it means (containers begun while
 *     they were off are unarmed, opens cut by a detach): a version 1
 *     reader would report it as fully traced.  CT_EV_LOST counts every
 *     loss kind (enum ct_loss), as often as one grew.
 */
#define CT_REC_MAGIC	"COLDTRC"	/* 8 bytes with the NUL */
#define CT_REC_VERSION	2		/* written */
#define CT_REC_VERSION_MIN	1	/* the oldest still read */
#define CT_REC_ENDIAN	0x01020304u

struct ct_rec_file_hdr {
	char magic[8];
	__u32 version;
	__u32 endian_mark;
	__u32 hdr_size;		/* sizeof(struct ct_rec_file_hdr) */
	__u32 cgroup_mode;	/* enum ct_cgroup_mode chosen at start */
	__s64 mono_to_real_ns;	/* add to ts_ns to get CLOCK_REALTIME */
	char kernel[64];	/* uname -r of the traced host */
	char version_str[32];	/* coldtrace version that recorded */
};
_Static_assert(sizeof(struct ct_rec_file_hdr) == 128, "rec file hdr ABI");

/* Which cgroup identifies a container (docs/design.md "Attribution"). */
enum ct_cgroup_mode {
	CT_CGROUP_V1_MEMORY = 1,	/* hdr.memcg_id */
	CT_CGROUP_V2 = 2,		/* hdr.cgroup_id */
};

#endif /* __COLDTRACE_H */
