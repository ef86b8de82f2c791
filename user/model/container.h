/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One record per container: what the state machine (user/tracker/) produces
 * and what the aggregator and exporters consume.  Pure data, no BPF.
 */
#ifndef __CT_CONTAINER_H
#define __CT_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>
#include "coldtrace.h"	/* CT_K8S_*: the Kubernetes names' sizes */
#include "figures.h"	/* its figures' fields */
#include "opens.h"	/* CT_OPENS_SLOW_K: the slowest opens kept */

/* Order is the order of docs/design.md "Phases"; names are the JSON keys. */
enum ct_phase {
	CT_PH_PREPARE,	/* the engine's own creation, before the shim */
	CT_PH_ATTACH,
	CT_PH_CREATE,
	CT_PH_CONNECT,
	CT_PH_START,
	CT_PH_RUN,
	CT_PH_READY,	/* nested in run: exec -> readiness marker */
	CT_PH_DIE,
	CT_PH_DISCONNECT,
	CT_PH_DESTROY,
	CT_PH_MAX,
};

enum ct_runtime {
	CT_RT_UNKNOWN,
	CT_RT_RUNC,
	CT_RT_CRUN,
	CT_RT_RUNSC,
	CT_RT_KATA,
	CT_RT_MAX,
};

/* Who asked for the container: "engine" means this and nothing else. */
enum ct_engine_kind {
	CT_ENG_UNKNOWN,
	CT_ENG_DOCKER,
	CT_ENG_CONTAINERD,
	CT_ENG_DIRECT,		/* a runtime run by hand, no engine */
	CT_ENG_PODMAN,		/* conmon in the shim's place */
	CT_ENG_CRI,		/* a Kubernetes pod through containerd's CRI */
	CT_ENG_BUILDAH,		/* an image build's step (Buildah's code) */
	CT_ENG_MAX,
};

/*
 * What a record is, for statistics: a CRI pod's sandbox (its pause
 * container, c->is_pod) or any other container (docker, podman,
 * containerd, a pod's app container).  A pod's cold start runs until its
 * last app container's program (ct_cold_start_ns()): pooled with its own
 * app containers' it would count their time twice, so every statistic
 * keeps the two apart (agg.h).  A container restored from a checkpoint
 * (c->restore) is a kind of its own: CRIU's restore in create's place
 * and no program exec, pooled with cold starts it would falsify them.
 */
enum ct_kind {
	CT_KIND_CONTAINER,
	CT_KIND_POD,
	CT_KIND_RESTORE,
	CT_KIND_MAX,
};

/*
 * A container restored from a checkpoint by its runtime's `restore`
 * (runc, crun: CRIU recreates its processes, nothing execs its
 * program).  Create is the runtime's restore until the CRIU process that
 * cloned the restored pid 1 exits, having let it go: there run begins.
 */
struct ct_restore {
	bool is;
	uint64_t criu_ns;	/* that CRIU process: fork to exit (0: unseen) */
	/* before: its exec to that clone, reading its images (0: unseen) */
	uint64_t criu_setup_ns;
	/* the runtime's checkpoint of the same id this session saw last
	 * (0: none): when it began, and how long it ran */
	uint64_t checkpoint_ns;
	uint64_t checkpoint_dur_ns;
};

/* Why a container never ran its program (docs/design.md "Phases": a
 * failed create). */
enum ct_failure {
	CT_FAIL_NONE,
	CT_FAIL_CREATE,		/* the runtime's create failed */
	CT_FAIL_START,		/* created, started, the program never ran */
	CT_FAIL_MAX,
};

#define CT_ID_LEN	128
#define CT_NAME_LEN	128
/*
 * The end of a name cut to fit CT_NAME_LEN (docker allows longer ones):
 * "…", which no docker name can hold ([A-Za-z0-9_.-] only).
 */
#define CT_NAME_CUT	"\xe2\x80\xa6"
#define CT_CMD_LEN	256

struct ct_interval {
	uint64_t start_ns;	/* wall clock (CLOCK_REALTIME) */
	uint64_t end_ns;	/* 0 while open */
};

/* log2 histogram: slot k counts latencies in [2^k, 2^(k+1)) ns. */
#define CT_HIST_SLOTS	32

/*
 * Why a container's cgroup key (docs/design.md "Attribution") does not stand
 * for it alone: coldtrace and the runtime see different cgroup trees (v1 memory
 * vs v2), so the runtime never moved the program into a cgroup of the key's
 * kind and it keeps an inherited one.  Its opens cannot be told apart.
 */
enum ct_key_problem {
	CT_KEY_OK = 0,
	CT_KEY_ROOT,		/* the root cgroup (id <= 1) */
	CT_KEY_RUNTIME,		/* the runtime command's own cgroup */
	CT_KEY_SHARED,		/* another live container's */
};

struct ct_opens {
	bool valid;		/* opens were measured for this container */
	bool unobservable;	/* e.g. runsc --platform=kvm: say so, no hist */
	bool systrap;		/* unobservable because runsc uses systrap */
	uint8_t bad_key;	/* enum ct_key_problem: unobservable for it */
	/* unobservable: an insert into a full BPF map was refused for it
	 * (include/mapfull.h), its opens not all counted */
	bool map_full;
	/* unobservable: restored from a checkpoint, its program never
	 * exec'd, where the kernel begins to follow a container */
	bool restored;
	uint64_t count;
	uint64_t failed;	/* return value < 0 */
	uint64_t failed_enoent;
	uint64_t p50_ns;
	uint64_t p99_ns;
	uint64_t slots[CT_HIST_SLOTS];
	/* opens made before the container was ready (the first listen) */
	bool has_before_ready;
	uint64_t before_ready;
	/* wall ns of the first detach of the syscall hooks in its life
	 * (user/kern/arm.h), 0 if they stayed attached: after it, only the opens
	 * made while another start or removal had them attached count */
	uint64_t traced_until_ns;
};

/*
 * --start-files (user/enrich/startfiles.h): what cut a container's list
 * of the files it opened at its start: the first of these.
 */
enum ct_sf_until {
	CT_SF_READY,		/* the end of its ready phase */
	CT_SF_WINDOW,		/* --start-files' seconds after its exec */
	CT_SF_EXIT,		/* the end of its run */
	CT_SF_DETACHED,		/* the syscall hooks' detach: cut short */
	CT_SF_UNTIL_MAX,
};

struct ct_start_files {
	bool valid;		/* --start-files on and a runc/crun run seen */
	uint8_t until;		/* enum ct_sf_until */
	uint32_t count;		/* files listed (each path once) */
	uint32_t relative;	/* of them, paths not absolute */
	uint32_t dropped;	/* first touches not kept: a full store */
	uint64_t bytes;		/* their sizes at the open, summed */
	uint64_t last_ns;	/* the last first touch, after the exec */
	uint64_t cut_ns;	/* the cut, after the exec */
};

/*
 * Its threads' FUSE requests (CT_EV_FUSE; user/enrich/fuse.h): a lazily
 * pulled image's files fetched while it waits, or any FUSE file system.
 * wait_ns: the time at least one of them was in flight (their union);
 * split at the end of ready when it has one.
 */
/*
 * What a lazy layer fetched from its registry while a container read it
 * (CT_EV_FETCHED samples; user/enrich/fuse.h): the growth of its
 * fetched bytes across the samples around the container's requests.
 */
enum ct_fetched_state {
	CT_FETCHED_NONE = 0,	/* no samples: not a lazy layer we can read */
	CT_FETCHED_KNOWN,
	CT_FETCHED_UNKNOWN,	/* no sample before its first request or
				 * after its last (a daemon that did not
				 * answer, samples forgotten, a remount) */
};

/* One connection's share (a lazy image: one layer's), kernel dev_t. */
#define CT_FUSE_LAYERS	8
struct ct_fuse_layer {
	uint32_t dev;		/* major << 20 | minor, as mountinfo's */
	char digest[CT_LAYER_DIGEST_LEN];	/* its layer's; "" unknown */
	enum ct_fetched_state fetched;
	/* its counts, wait and fetched bytes (figures.h) */
	CT_FUSE_LAYER_FIGURES(CT_FUSE_FIGURE_FIELD)
};

struct ct_fuse_use {
	bool valid;		/* at least one request */
	bool has_ready;		/* the split at ready is set */
	/* its counts, times and the layers' fetched bytes (ct_fuse_layer's)
	 * summed over every one (figures.h) */
	CT_FUSE_FIGURES(CT_FUSE_FIGURE_FIELD)
	/* per connection, the longest waits first: CT_FUSE_LAYERS of
	 * them, the others (up to CT_FUSE_CONNS) counted in layers_more */
	uint32_t nlayers;
	uint32_t layers_more;
	struct ct_fuse_layer layers[CT_FUSE_LAYERS];
};

/* --paths: the slowest guest opens of a container, slowest first. */
#define CT_SLOW_PATH_LEN	256

struct ct_slow_path {
	uint64_t ns;		/* latency */
	int32_t ret;		/* fd or -errno */
	char path[CT_SLOW_PATH_LEN];	/* NUL-terminated; untrusted bytes */
};

/*
 * --why: where a phase's time went (docs/phases.md).  The four add up to
 * the phase's duration: the carrier process's time on a CPU, runnable,
 * in uninterruptible sleep and in any other sleep (including time when no
 * carrier process existed).  children_*: its descendants' own time inside
 * the phase, which overlaps the carrier's (they run beside it).
 */
/* --why: why a phase has no split (ct_split_reason()). */
enum ct_split_none {
	CT_SPLIT_UNSET,		/* a split, or no --why */
	CT_SPLIT_ENGINE,	/* prepare, disconnect: the engine's work */
	CT_SPLIT_OPEN,		/* the phase never ended */
	CT_SPLIT_NO_RECORDS,	/* its carrier left no scheduler records */
};

/*
 * --why's wait sites (docs/why.md "Wait sites"): what the carrier's
 * sleep, io and runnable time of a phase waited on.  A site is the
 * short name of the kernel stack at the wait (user/enrich/waitsite.h)
 * with the syscall in flight and the task that ended the wait.
 */
#define CT_SITE_LEN	40
#define CT_SYSCALL_LEN	24
#define CT_CODE_LEN	96	/* a Go function's full name, cut past it */
#define CT_WAITS_TOP	4	/* sites a phase's record keeps */

enum ct_waker_kind {
	CT_WAKER_NONE,		/* no wakeup seen (the phase ended first) */
	CT_WAKER_IRQ,		/* a hard or soft interrupt */
	CT_WAKER_KTHREAD,	/* a kernel thread: kworker, rcu, ksoftirqd */
	CT_WAKER_START,		/* a task of this start: runtime, hook, container */
	CT_WAKER_OTHER,		/* any other process: the engine, a writer */
	CT_WAKER_KINDS,
};

/*
 * A futex or epoll wait names nothing: woken by a task of this start,
 * it is followed to that task's own wait; an untracked waker is named,
 * and the chain stops there.
 */
enum ct_wait_via {
	CT_VIA_NONE,		/* the wait's own site */
	CT_VIA_FOLLOWED,	/* the waker's own wait, one hop back */
	CT_VIA_UNFOLLOWED,	/* the waker is this start's, its wait not found */
};

/*
 * A followed wait (via CT_VIA_FOLLOWED) is named by its waker's wait:
 * site and syscall are that one's, via_site the wait's own, waker who
 * ended the wait, hop who ended the waker's.
 */
struct ct_wait {
	char site[CT_SITE_LEN];
	char syscall[CT_SYSCALL_LEN];	/* "" in none */
	char via_site[CT_SITE_LEN];	/* followed: the wait's own site */
	/* --why=user: the program's own innermost function in its user
	 * stack (a followed one's: the waker's), "" none (waitsite.h) */
	char code[CT_CODE_LEN];
	char waker[CT_COMM_LEN];	/* comm of the task that ended it */
	char hop[CT_COMM_LEN];		/* followed: who ended the waker's */
	uint32_t waker_pid;		/* of the first wait counted */
	uint32_t hop_pid;
	uint8_t state;			/* CT_TS_IO, CT_TS_SLEEP */
	uint8_t waker_kind;		/* enum ct_waker_kind */
	uint8_t hop_kind;		/* enum ct_waker_kind */
	uint8_t via;			/* enum ct_wait_via */
	uint32_t count;			/* waits */
	uint32_t stack;			/* the first wait's (coldtrace.h) */
	/* the first wait's waker's, a process or kernel thread outside
	 * the start (where bpf/why.bpf.c takes one), else CT_STACK_NONE */
	uint32_t waker_stack;
	uint64_t ns;			/* asleep */
	uint64_t runq_ns;		/* runnable after its wakes */
};

/* A phase's wait sites: its carrier's off-CPU time, explained. */
struct ct_waits {
	struct ct_wait top[CT_WAITS_TOP];	/* largest first */
	uint32_t n;			/* in top[] */
	uint32_t sites;			/* distinct sites in all */
	uint64_t other_ns;		/* sleep and runq of the sites past top[] */
	uint64_t preempted_ns;		/* runnable after a preemption */
	uint64_t unattributed_ns;	/* off-CPU time no named wait explains */
	uint64_t no_carrier_ns;		/* no carrier process alive */
	uint64_t nested_ns;		/* inside a nested phase: its own */
	/* the carrier's own off-CPU time: the sites, other, preempted and
	 * unattributed add up to it (coverage's denominator) */
	uint64_t offcpu_ns;
	uint32_t lost_stacks;		/* waits whose stack was not kept */
	uint32_t unfollowed;		/* opaque waits not followed */
};

struct ct_split {
	bool valid;
	uint8_t none;		/* enum ct_split_none, when !valid */
	uint32_t pid;		/* the carrier at the phase's end */
	uint64_t cpu_ns;
	uint64_t runq_ns;
	uint64_t io_ns;
	uint64_t sleep_ns;
	uint64_t children_cpu_ns;
	uint64_t children_runq_ns;
	uint64_t children_io_ns;
	/* the carrier's state slices in the phase, and how many of them
	 * (the longest) were kept for trace.json */
	uint32_t slices;
	uint32_t slices_kept;
	struct ct_waits waits;	/* has_waits: the session named stacks */
	bool has_waits;
};

/*
 * Who asked the engine for a container (docs/phases.md "client"): the
 * docker, podman or ctr process, matched only when the kernel's records
 * decide it.  Times are wall clock; request_ns is 0 when its connect to
 * the engine's socket was not seen (podman has none).
 */
#define CT_CLIENT_ARGS	512

struct ct_client {
	uint32_t pid;
	uint32_t ppid;
	char comm[16];
	char parent_comm[16];		/* "" when its fork was not seen */
	uint32_t args_len;		/* bytes of args, NUL-separated */
	bool args_truncated;		/* argv was longer */
	char args[CT_CLIENT_ARGS];
	uint64_t exec_ns;
	uint64_t request_ns;
	/* its first read of stdin with data (0: none), and how long it had
	 * been trying to read there (0: not seen) */
	uint64_t stdin_ns;
	uint64_t stdin_wait_ns;
	/* docker start or restart: it started a container that was made
	 * by an earlier request (docker create), not by itself */
	bool is_start;
};

/*
 * Why a container has no prepare although its engine's creation of it
 * was seen (docs/phases.md "prepare"); 0 when nothing is missing.
 */
enum ct_prepare_missing {
	CT_PREP_OK,
	CT_PREP_NO_START,	/* created long before, start request unseen */
	CT_PREP_NO_CLIENT,	/* no client's exec began it (an API service) */
	CT_PREP_UNARMED,	/* begun while the syscall hooks were detached */
};

/*
 * A docker container made by one request and started by a later one
 * (docker create, then docker start; compose): its creation, apart from
 * the record's phases, total and cold start, which begin at the start's
 * request (docs/phases.md "prepare").  from_client: its start and end are
 * the create client's exec and exit; else dockerd's own marks (its
 * `-init` mkdir, its last mount of the rootfs before the start), the
 * requests not seen.
 */
struct ct_created {
	uint64_t start_ns;
	uint64_t end_ns;
	bool from_client;
};

/*
 * A phase's steps: the engine's own work for the container, each from
 * its first mark (a record that names the container, or its client's)
 * to the next step's, the last to the phase's end.  A step whose mark
 * was not seen is not said: the one before it runs on.  What lies
 * before the first is unattributed.  prepare's (docs/phases.md
 * "prepare's steps") and destroy's (docs/phases.md "destroy's steps").
 */
enum ct_step {
	/* prepare's */
	CT_STEP_CLIENT,		/* the client's start-up, to its request */
	CT_STEP_REQUEST,	/* the engine's handling, to its first work */
	CT_STEP_LAYER,		/* the container's read-write layer (made;
				 * in destroy: removed) */
	CT_STEP_CONFIG,		/* its directory and files, the reply, the
				 * client's start request (in destroy: its
				 * directory removed) */
	CT_STEP_SETUP,		/* its rootfs mounted, mounts, the spec */
	CT_STEP_TASK,		/* the engine's asking containerd for the
				 * container and its task */
	CT_STEP_BUNDLE,		/* containerd's bundle of the task (its
				 * directories, the spec), the shim's start,
				 * to its exec */
	CT_STEP_NETWORK,	/* a pod's network namespace made and
				 * mounted, to its CNI ADD (in destroy:
				 * its CNI DEL, the netns unmounted) */
	/* destroy's */
	CT_STEP_DELETE,		/* the runtime's and the shim's delete, the
				 * engine told, to its first act */
	CT_STEP_UNMOUNT,	/* the engine's cleanup: the netns, mounts
				 * and rootfs unmounted, its FIFOs removed */
	CT_STEP_REMOVE,		/* its client's removal of it, after its
				 * last process (ctr run --rm; a pod's
				 * RemovePodSandbox) */
	/* prepare's (dockerd) */
	CT_STEP_IMAGE,		/* the engine's create: its image looked
				 * up, its settings checked, its name
				 * reserved, to its layer */
	CT_STEP_MAX,
};

/*
 * Why a step its engine expected is not said (docs/phases.md "prepare's
 * steps", "Missing steps"): the engine looked for its mark in a window
 * and could not place it.  A step that is not on the engine's path for
 * the container has none.
 */
enum ct_step_missing {
	CT_MISS_NONE,
	CT_MISS_SHARED,		/* more than one candidate in its window:
				 * another run's at the same time */
	CT_MISS_REPROBED,	/* the function probes placed within its
				 * window: its mark may be missing */
	CT_MISS_UNPROBED,	/* no function probe placed before it (a
				 * recording made before them) */
	CT_MISS_UNSEEN,		/* the probes on, no mark in its window (the
				 * binary's function not found) */
	CT_MISS_MAX,
};

struct ct_steps {
	uint8_t n;
	uint8_t step[CT_STEP_MAX];	/* enum ct_step, in time order */
	uint64_t start_ns[CT_STEP_MAX];
	/* by enum ct_step: why it is not said (enum ct_step_missing) */
	uint8_t missing[CT_STEP_MAX];
};

/* The phases that have steps, a slot each in struct ct_container. */
#define CT_STEPS_PHASES	2

/*
 * A CRI pod's CNI plugins, an exec each (docs/phases.md "cri table"),
 * as their environment (CT_EV_CNI_ENV) named the pod: its ADD's in
 * connect, its DEL's in destroy.  They run side by side, so they are
 * intervals of their own, not steps in a row: each is said inside the
 * plugin that ran it (an IPAM child, host-local under bridge), else the
 * destroy step it began in, else its phase (connect has no steps).
 */
#define CT_CNI_EXECS	12

struct ct_cni_exec {
	char plugin[CT_COMM_LEN];	/* its comm: the file's name */
	uint8_t phase;		/* CT_PH_CONNECT (ADD), CT_PH_DESTROY (DEL) */
	uint8_t parent;		/* 1 + the index of the plugin that ran
				 * it, 0: containerd's own */
	uint32_t pid;
	uint64_t start_ns;	/* its exec (wall) */
	uint64_t end_ns;	/* its exit, 0: not seen (not said) */
};

struct ct_cni_execs {
	uint8_t n;
	struct ct_cni_exec x[CT_CNI_EXECS];	/* in exec order */
};

/*
 * Kubernetes' names of a CRI pod sandbox or app container (CT_EV_IDENT),
 * "" when not known.
 */
struct ct_k8s {
	char pod_name[CT_K8S_POD_LEN];
	char pod_namespace[CT_K8S_LABEL_LEN];
	char pod_uid[CT_K8S_LABEL_LEN];
	char container_name[CT_K8S_LABEL_LEN];
};

struct ct_container {
	char id[CT_ID_LEN];
	/* its engine's name for it (docker, podman: theirs; CRI: the
	 * container's, a sandbox's its pod's), "" if not known */
	char name[CT_NAME_LEN];
	/* the image it runs, when its engine said (CRI), else "" */
	char image[CT_IMAGE_LEN];
	struct ct_k8s k8s;
	/* pid 1's argv, space separated, cut to fit; "" when the program
	 * never runs on the host (runsc) */
	char cmd[CT_CMD_LEN];
	enum ct_runtime runtime;
	enum ct_engine_kind engine;
	bool complete;		/* destroy seen to its end */
	/* its figures said only when set: failed, unarmed, partial,
	 * records_lost, cmd_truncated, prepare_missing... (figures.h) */
	CT_FIGURES(CT_FIGURE_FIELD)
	enum ct_key_problem bad_key;	/* cgroup_key not its own */
	bool has_exit_code;
	int exit_code;		/* exit status of pid 1 (128+sig if killed) */
	int shim_exit;	/* its shim's exit status, when shim_lost */
	uint64_t first_ns;	/* earliest phase start */
	uint64_t last_ns;	/* latest phase end */
	uint32_t init_pid;	/* host pid of the container's pid 1 */
	uint64_t cgroup_key;	/* cgroup used for in-kernel attribution */
	uint32_t phase_mask;	/* bit p set if phases[p] happened */
	struct ct_interval phases[CT_PH_MAX];
	/* the image pull that ended just before it started, if any */
	bool has_pull;
	struct ct_interval pull;
	char pull_image[256];
	struct ct_opens opens;	/* filled just before emission */
	struct ct_opens gofer_opens;	/* runsc: the gofer's host opens */
	struct ct_split split[CT_PH_MAX];	/* --why */
	/* CRI: the record of a pod sandbox (its pause container), or the
	 * sandbox an app container runs in ("" outside pods) */
	bool is_pod;
	char pod[CT_ID_LEN];
	/* pod: the latest program exec of its app containers (0: none) */
	uint64_t pod_ready_ns;
	struct ct_restore restore;
	bool has_client;
	struct ct_client client;
	/* docker: the client that created it (docker create, run) alive at
	 * dockerd's containers/<id> mkdir, exec and exit; 0 if not known */
	struct ct_interval creator;
	bool has_created;
	struct ct_created created;
	/* prepare's and destroy's (ct_steps_of()); n 0: none */
	struct ct_steps steps[CT_STEPS_PHASES];
	struct ct_cni_execs cni;	/* a CRI pod's plugins */
	struct ct_start_files start_files;	/* --start-files */
	struct ct_fuse_use fuse;	/* FUSE requests, filled at emission */
	uint32_t n_slow;	/* --paths: entries used in slow[] */
	/* last: a record kept for the end report stops after the used
	 * entries (agg.c), 4.3 KiB of the record's 7.4 when all are free */
	struct ct_slow_path slow[CT_OPENS_SLOW_K];
};

const char *ct_phase_name(enum ct_phase p);
const char *ct_runtime_name(enum ct_runtime r);
/* Its program's name (kata: its containerd shim's); NULL: none. */
const char *ct_runtime_binary(enum ct_runtime r);
const char *ct_engine_name(enum ct_engine_kind e);
/* "container", "pod", "restore" */
const char *ct_kind_name(enum ct_kind k);
/* "create", "start"; NULL for CT_FAIL_NONE.  f: enum ct_failure, as
 * the figure's byte (figures.h) keeps it. */
const char *ct_failure_name(uint8_t f);
/* Returns -1 if name is not a known runtime. */
int ct_runtime_from_name(const char *name);
/* Returns -1 if name is not a known engine ("unknown" is not one). */
int ct_engine_from_name(const char *name);

static inline enum ct_kind ct_kind_of(const struct ct_container *c)
{
	if (c->is_pod)
		return CT_KIND_POD;
	return c->restore.is ? CT_KIND_RESTORE : CT_KIND_CONTAINER;
}

/*
 * The kernel follows a container's threads (its opens, FUSE requests,
 * --start-files touches, listens) from its runtime's exec of its
 * program; a restore makes none, so nothing of it is followed there.
 */
static inline bool ct_followed_in_kernel(const struct ct_container *c)
{
	return !c->restore.is;
}

static inline bool ct_has_phase(const struct ct_container *c, enum ct_phase p)
{
	return c->phase_mask & (1u << p);
}

/* p was seen and ended, not before it began. */
static inline bool ct_phase_closed(const struct ct_container *c,
				   enum ct_phase p)
{
	const struct ct_interval *iv = &c->phases[p];

	return ct_has_phase(c, p) && iv->end_ns && iv->end_ns >= iv->start_ns;
}

static inline uint64_t ct_phase_dur(const struct ct_container *c,
				    enum ct_phase p)
{
	const struct ct_interval *iv = &c->phases[p];

	if (!ct_has_phase(c, p) || iv->end_ns < iv->start_ns)
		return 0;
	return iv->end_ns - iv->start_ns;
}

/* --why's wait sites: "interrupt", "kernel", "start", "other", "none". */
const char *ct_waker_kind_name(unsigned int k);
/* A site's state: "D" (io), "S" (sleep), "R" (a waker on a CPU or runnable) */
const char *ct_wait_state_name(unsigned int st);
/* "followed", "unfollowed", "none" */
const char *ct_wait_via_name(unsigned int v);
/* A site as people read it: "do_wait (waitid)", "... via futex_wait",
 * "pipe_read (read) in libcontainer.parseSync" (the code's package path
 * but its last element left out). */
#define CT_WAIT_LABEL_LEN	(2 * CT_SITE_LEN + CT_SYSCALL_LEN + \
				 CT_CODE_LEN + 20)
void ct_wait_label(const struct ct_wait *w, char *buf, size_t n);

/*
 * --why: the carriers' state slices of all c's phases, and how many were
 * kept for trace.json.  False when no phase has a split.
 */
bool ct_why_slice_counts(const struct ct_container *c, uint64_t *n,
			 uint64_t *kept);

/* --why: why c's phase p has no split, in words; NULL if it has one or
 * --why was off. */
const char *ct_split_reason(const struct ct_container *c, enum ct_phase p);

/* A creation kept apart: its end to the record's start (0 if none). */
uint64_t ct_created_gap_ns(const struct ct_container *c);
/* Why no prepare (enum ct_prepare_missing), in words; NULL for OK. */
const char *ct_prepare_missing_reason(uint8_t m);
/* "client", "request", "layer", "config", ... (enum ct_step) */
const char *ct_step_name(unsigned int s);
/* "shared", "reprobed", ... (enum ct_step_missing); NULL for none */
const char *ct_step_missing_name(unsigned int m);
/*
 * Phase p's steps its engine looked for and could not place, and why
 * (docs/phases.md "Missing steps"): why[st] the reason's name, else
 * NULL; the count.  Every output says them from here, with or without
 * a step found, wherever it says the phase: a reason is a fact of its
 * own.
 */
unsigned int ct_steps_missing(const struct ct_container *c, enum ct_phase p,
			      const char *why[CT_STEP_MAX]);
/* Phase p's steps, NULL if p has none (then it never has). */
const struct ct_steps *ct_steps_of(const struct ct_container *c,
				   enum ct_phase p);
struct ct_steps *ct_steps_mut(struct ct_container *c, enum ct_phase p);
/* Step i of c's phase p: its end (the next one's start, or the phase's
 * end); the time before the first step (0 without steps). */
uint64_t ct_step_end_ns(const struct ct_container *c, enum ct_phase p,
			unsigned int i);
uint64_t ct_step_dur_ns(const struct ct_container *c, enum ct_phase p,
			unsigned int i);
uint64_t ct_steps_unattributed_ns(const struct ct_container *c,
				  enum ct_phase p);
/*
 * Step st of phase p begins at t (wall), marked as its engine goes:
 * kept if it is the first of its kind, at or after the phase's start and
 * the step before it.  ct_steps_settle(): those begun at or after their
 * phase's end (marks of work that did not extend it) are dropped.
 */
void ct_steps_mark(struct ct_container *c, enum ct_phase p, enum ct_step st,
		   uint64_t t);
/*
 * The engine's first act in phase p, at t (wall): step first from the
 * phase's start (what came before the act: the runtime's, the shim's),
 * then step next from t.  Marks as ct_steps_mark() does.
 */
void ct_steps_first_act(struct ct_container *c, enum ct_phase p,
			enum ct_step first, enum ct_step next, uint64_t t);
void ct_steps_settle(struct ct_container *c);

/* Whether c's CNI plugin k is said: its exit seen, its phase c's, the
 * plugin that ran it said. */
bool ct_cni_exec_said(const struct ct_container *c, unsigned int k);
/* The step of its phase that plugin k's exec fell in (the first when
 * before it), -1 when the phase has none. */
int ct_cni_exec_step(const struct ct_container *c, unsigned int k);
/*
 * Whether plugin k is said in phase p's step (-1: the phase itself) or,
 * parent > 0, in plugin parent - 1: each once, inside the plugin that
 * ran it, else the step its exec fell in.  ct_cni_execs_in(): how many.
 */
bool ct_cni_exec_in(const struct ct_container *c, unsigned int k,
		    enum ct_phase p, int step, unsigned int parent);
unsigned int ct_cni_execs_in(const struct ct_container *c, enum ct_phase p,
			     int step, unsigned int parent);
/* "cni:<plugin>" of c's plugin k, in buf */
const char *ct_cni_exec_name(const struct ct_container *c, unsigned int k,
			     char *buf, size_t len);

/* Kubernetes named it (a CRI pod or app container, CT_EV_IDENT). */
static inline bool ct_k8s_known(const struct ct_container *c)
{
	return c->k8s.pod_name[0] || c->k8s.pod_namespace[0];
}

/* -c's longest: a Kubernetes namespace, '/' and a pod name */
#define CT_FILTER_MAX	(CT_K8S_LABEL_LEN + CT_K8S_POD_LEN)

/*
 * Whether c belongs to the pod "NAMESPACE/POD", or to the namespace of
 * "NAMESPACE/" (what -c takes): exact names, as kubectl prints them.
 */
bool ct_k8s_pod_is(const struct ct_container *c, const char *ns_pod);

/* total_ns: last_ns - first_ns (0 if nothing closed). */
uint64_t ct_total_ns(const struct ct_container *c);

/*
 * A name of n bytes into dst[cap]: whole if it fits, else its first bytes
 * and CT_NAME_CUT (cap must exceed the mark).
 */
void ct_name_copy(char *dst, size_t cap, const char *name, size_t n);
/*
 * Whether a name that may have been cut without a mark at acap - 1 bytes
 * (an argv's --name into a buffer) and one that may end in CT_NAME_CUT
 * can be the same name: equal, or equal as far as both go when cut.
 */
bool ct_name_same(const char *a, size_t acap, const char *b);

/*
 * cold_start_ns (docs/design.md "Phases"): first_ns to the end of ready;
 * without a readiness marker, to the user program's exec (the start of run: the
 * end of start under a shim, of create for `runc run`).  A pod's: to its last
 * app container's program exec.  0 if none.
 */
uint64_t ct_cold_start_ns(const struct ct_container *c);

/*
 * For a container whose opens were traced only until
 * opens.traced_until_ns: when that was, against its ready, in words.
 */
const char *ct_opens_cut_when(const struct ct_container *c);

/*
 * Exclusive time per phase: where phases overlap (connect nested in
 * create), the overlapped time counts for the inner (later-starting)
 * phase only, so that the exclusive times add up to at most total_ns.
 */
void ct_exclusive_ns(const struct ct_container *c, uint64_t out[CT_PH_MAX]);

#endif /* __CT_CONTAINER_H */
