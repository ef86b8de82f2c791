/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Synthetic event streams for the tracker tests: raw records of
 * include/coldtrace.h built in memory, plus whole container lifecycles
 * modelled on strace/tracefs captures of dockerd 20.10 + containerd 1.6
 * on the target machine (see the comments in fixture.c).
 */
#ifndef __CT_TEST_FIXTURE_H
#define __CT_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coldtrace.h"
#include "container.h"
#include "tracker.h"

struct ct_fx {
	uint8_t *buf;
	size_t len, cap;
	uint64_t now;		/* ts_ns of the next record (monotonic) */
	/* header fields of the next records */
	uint64_t memcg_id, cgroup_id;
	uint32_t mntns, netns;
};

#define FX_HOST_MNTNS	4026531840u
#define FX_MS		1000000ull

void fx_init(struct ct_fx *f);
void fx_free(struct ct_fx *f);
/* Time of the next records, in ms (monotonic clock). */
void fx_at(struct ct_fx *f, uint64_t ms);

/* argv is NULL terminated. */
void fx_execv(struct ct_fx *f, uint32_t pid, const char *filename,
	      const char *const *argv);
#define fx_exec(f, pid, filename, ...) \
	fx_execv(f, pid, filename, (const char *const[]){ __VA_ARGS__, NULL })
void fx_fork(struct ct_fx *f, uint32_t parent, uint32_t child);
void fx_exit(struct ct_fx *f, uint32_t pid, int32_t wait_status);
void fx_mount(struct ct_fx *f, uint32_t pid, const char *src,
	      const char *target, int64_t ret);
void fx_umount(struct ct_fx *f, uint32_t pid, const char *target,
	       int64_t ret);
void fx_lost(struct ct_fx *f, uint64_t total);
/* The session attached (armed, asked at trigger_ms) or detached the
 * syscall hooks (CT_EV_ARM, user/kern/arm.h). */
void fx_arm(struct ct_fx *f, bool armed, uint64_t trigger_ms);
/* connect(2) by thread tid of process pid: to a hybrid vsock at path, or
 * (path NULL) to AF_VSOCK cid 3 port 1024; ret as the syscall's. */
/* An engine client's first data on stdin (CT_EV_STDIN), after wait_ms. */
void fx_stdin(struct ct_fx *f, uint32_t pid, int64_t ret, uint64_t wait_ms);
void fx_connect(struct ct_fx *f, uint32_t pid, uint32_t tid,
		const char *path, int64_t ret);
/* Append raw bytes as they are (malformed records). */
void fx_raw(struct ct_fx *f, const void *rec, size_t len);

/* File top/rel holds the len bytes of data, its folders made (a fake
 * /proc, an engine's data root); false if it could not be written. */
bool fx_put(const char *top, const char *rel, const void *data, size_t len);

/*
 * The process model of this test (a test is a process of its own: one
 * model each, reachable to its end), for a stage built alone: feed it
 * each record before the stage, as the pipeline does.
 */
struct ct_procs *fx_model(void);
/* The engines' plug-ins, a column per stage (engine.h), as a pipeline
 * hands them down. */
struct ct_engine_columns;
const struct ct_engine_columns *fx_engines(void);

/*
 * A record as a session's entry takes it (ct_pipeline_feed_checked()):
 * checked once, then the tracker, or counted malformed.  0 or -EINVAL.
 */
int fx_enter(struct ct_tracker *tk, const void *rec, size_t len);
/* Feed every record through fx_enter(); returns how many were refused. */
int fx_feed(const struct ct_fx *f, struct ct_tracker *tk);
/* The same from byte *off on, the records up to until_ns; *off follows. */
int fx_feed_until(const struct ct_fx *f, struct ct_tracker *tk, size_t *off,
		  uint64_t until_ns);
/* dst gets the records of srcs merged by timestamp (stable). */
void fx_merge(struct ct_fx *dst, const struct ct_fx *srcs, size_t n);

/* Kata variants (fx_kata(); fx_container() gives FX_KATA_VSOCK). */
enum fx_kata {
	FX_KATA_VSOCK,		/* qemu, agent over AF_VSOCK */
	FX_KATA_HVSOCK,		/* firecracker, agent over kata.hvsock */
	FX_KATA_DAEMONIZE,	/* qemu -daemonize: double fork */
	FX_KATA_NO_CONNECT,	/* the agent never answers */
};

/* One whole container lifecycle. */
struct fx_ct {
	const char *id;
	enum ct_runtime rt;	/* runc, crun, runsc, kata */
	enum ct_engine_kind eng;	/* docker, containerd or direct */
	uint32_t pid_base;	/* pids pid_base+1 ... pid_base+40 */
	uint64_t t0_ms;
	int32_t status;		/* raw wait status of pid 1 / sandbox */
	bool wrapper;		/* runsc through dockerd's sh script */
	uint64_t memcg;		/* key of the container's cgroup */
};

/* fx_container()'s pid 1 runs `sh -c fx_user_cmd` ("exit 3" if NULL) */
extern const char *fx_user_cmd;
/*
 * fx_container(), runc/crun under a shim: the shim is SIGKILLed while the
 * program runs, and containerd's cleanup kills pid 1 (status unused);
 * no disconnect (a containerd container only).
 */
extern bool fx_kill_shim;

/*
 * Appends the lifecycle and returns the expected phase intervals (in ms
 * after t0) in exp_start/exp_end: start -1 when the phase is absent, end
 * -1 when it began but never ended.
 */
void fx_container(struct ct_fx *f, const struct fx_ct *c,
		  int64_t exp_start[CT_PH_MAX], int64_t exp_end[CT_PH_MAX]);
/* A Kata lifecycle (c->rt is not read), as fx_container(). */
void fx_kata(struct ct_fx *f, const struct fx_ct *c, enum fx_kata k,
	     int64_t exp_start[CT_PH_MAX], int64_t exp_end[CT_PH_MAX]);

/* Collects emitted containers (up to 64). */
struct fx_sink {
	struct ct_container got[64];
	int n;
	int filled;	/* before_emit calls */
	int filtered;	/* on_filtered calls */
};
void fx_sink_cb(const struct ct_container *c, void *ctx);
void fx_sink_fill(struct ct_container *c, void *ctx);
/* Tracker with mono_to_real = 0 writing into sink. */
struct ct_tracker *fx_tracker(struct fx_sink *sink, const char *prefix,
			    uint32_t runtime_mask);

#endif /* __CT_TEST_FIXTURE_H */
