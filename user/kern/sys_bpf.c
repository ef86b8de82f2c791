// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Open/load/attach of bpf/sys.bpf.c on the maps of the other tracers:
 * the lifecycle ring buffer and lost counter (ct_loader_share_events()),
 * with the open tracer its container maps (ct_opens_share_maps()), with
 * --why its task marks (ct_why_share_maps()).
 * The maps of pulls, prepare and the lifecycle's syscalls are this
 * object's own; a feature that is off keeps the smallest maps the kernel
 * accepts (its code is dropped by the verifier).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "comm_table.h"
#include "errmsg.h"
#include "kfeatures_bpf.h"
#include "loader.h"
#include "opens_bpf.h"
#include "pull.h"
#include "sys_bpf.h"
#include "why_bpf.h"
#include "sys.skel.h"

/* Programs attached on demand at most: fentry_needs[]'s with a group. */
#define DEMAND_PROGS	8

/*
 * A program of the fentry path attached on demand (ct_sys_bpf_group()):
 * while one of its groups is on.
 */
struct demand {
	struct bpf_program *prog;
	struct bpf_link *link;
	unsigned int groups;	/* 1 << enum ct_sys_group */
};

struct ct_sys_bpf {
	struct sys_bpf *skel;
	struct demand demand[DEMAND_PROGS];
	size_t ndemand;
	unsigned int on;	/* the groups on */
	__u32 gen;		/* the last pull_gate value given */
	__u32 opens_gen;	/* the last opens_gate value given */
};

static int shrink_opens(struct sys_bpf *skel)
{
	/* task and cgroup storage (inflight, marks) have no size */
	struct bpf_map *m[] = { skel->maps.tracked, skel->maps.hists,
				skel->maps.gofers, skel->maps.slowpaths };
	int rc = 0;

	for (size_t i = 0; !rc && i < sizeof(m) / sizeof(m[0]); i++)
		rc = bpf_map__set_max_entries(m[i], 1);
	return rc;
}

static int shrink_pull(struct sys_bpf *skel)
{
	int rc = bpf_map__set_max_entries(skel->maps.fds, 1);

	if (!rc)
		rc = bpf_map__set_max_entries(skel->maps.opening, 1);
	/* a ring buffer is at least a page */
	if (!rc)
		rc = bpf_map__set_max_entries(skel->maps.pull_events,
					      (__u32)sysconf(_SC_PAGESIZE));
	return rc;
}

static int share_opens(struct sys_bpf *skel, struct ct_opens_bpf *o)
{
	struct ct_opens_cfg cfg;

	ct_opens_get_cfg(o, &cfg);
	skel->rodata->cgroup_mode = cfg.cgroup_mode;
	skel->rodata->runtime_mask = cfg.runtime_mask;
	skel->rodata->paths_enabled = cfg.paths;
	skel->rodata->touch_window_ns = cfg.touch_window_ns;
	skel->rodata->stubs_on = ct_opens_cfg_runsc(&cfg);
	return ct_opens_share_maps(o, skel->obj);
}

/* The comms the handlers compare, from the one table (comm_table.h). */
static int set_comms(struct sys_bpf *skel, char *err, size_t errlen)
{
	struct sys_bpf__rodata *r = skel->rodata;

	if (ct_comm_pats(CT_COMM_CLIENT, r->client_pats, CT_CLIENT_PATS) < 0 ||
	    ct_comm_pats(CT_COMM_SHIM, &r->shim_pat, 1) < 0 ||
	    ct_comm_pats(CT_COMM_DAEMON, r->daemon_pats, CT_DAEMONS) < 0)
		return ct_fail(err, errlen, -E2BIG, "the comm table has more "
			       "names of a kind than include/comms.h has room "
			       "for");
	ct_prog_pat(CT_PROG_CRUN, &r->crun_pat);
	return 0;
}

/*
 * No sched_switch hook at all unless runsc's stub stops or --why need it:
 * it would run on every context switch of the host.
 */
static int setup_switch(struct sys_bpf *skel, const struct ct_sys_features *f)
{
	int rc;

	skel->rodata->why_on = f->why != NULL;
	skel->rodata->why_stacks_on = ct_why_bpf_stacks(f->why);
	skel->rodata->why_ustacks_on = ct_why_bpf_ustacks(f->why);
	if (f->why)
		return ct_why_share_maps(f->why, skel->obj);
	/* preallocated: without --why its stack maps hold nothing */
	rc = bpf_map__set_max_entries(skel->maps.why_stacks, 1);
	if (!rc)
		rc = bpf_map__set_max_entries(skel->maps.why_ustacks, 1);
	if (!rc && !skel->rodata->stubs_on)
		rc = bpf_program__set_autoload(skel->progs.ct_sched_switch,
					       false);
	return rc;
}

/* What a program of the fentry path works for (bpf/sys.bpf.c). */
enum {
	NEED_OPENS = 1,
	NEED_PULL = 2,
	NEED_PREPARE = 4,
	NEED_READY = 8,
	NEED_STUBS = 16,
	NEED_STDIN = 32,	/* prepare's: an engine client's stdin */
};

#define G(g)		(1u << (g))

/*
 * The fentry path's programs that only some features need, by name
 * without "_noloop"; the others (mount, umount2, connect: the lifecycle)
 * always load.  read, write and close are every process's most common
 * syscalls: their trampolines stay off unless pulls or prepare are on.
 * A program with groups is attached on demand (ct_sys_bpf_group()) when
 * every feature loaded that needs it has one of those groups: runsc's
 * stub sys_exit; the fd syscalls of pulls, which join at a daemon's
 * registry connect; read(2) for an engine client's stdin, which joins
 * at a client's exec (arm.h).  openat and the renames stay with the
 * skeleton: a blob file opened while the pull group is off is still
 * seen, and said untraced.
 */
static const struct {
	const char *prog;
	unsigned int need;
	unsigned int groups;
} fentry_needs[] = {
	{ "ct_fe_read", NEED_PULL | NEED_STDIN,
	  G(CT_SYS_PULL) | G(CT_SYS_STDIN) },
	{ "ct_fx_read", NEED_STDIN, G(CT_SYS_STDIN) },
	{ "ct_fe_pread64", NEED_PULL, G(CT_SYS_PULL) },
	{ "ct_fe_write", NEED_PULL, G(CT_SYS_PULL) },
	{ "ct_fe_close", NEED_PULL, G(CT_SYS_PULL) },
	{ "ct_fe_open", NEED_OPENS, 0 },
	{ "ct_fx_open", NEED_OPENS, 0 },
	{ "ct_fe_openat", NEED_OPENS | NEED_PULL, 0 },
	{ "ct_fx_openat", NEED_OPENS | NEED_PULL, 0 },
	{ "ct_fe_openat2", NEED_OPENS, 0 },
	{ "ct_fx_openat2", NEED_OPENS, 0 },
	{ "ct_fe_execve", NEED_OPENS, 0 },
	{ "ct_fe_execveat", NEED_OPENS, 0 },
	{ "ct_fe_rename", NEED_PULL, 0 },
	{ "ct_fe_renameat", NEED_PULL, 0 },
	{ "ct_fe_renameat2", NEED_PULL, 0 },
	{ "ct_fe_mkdirat", NEED_PREPARE, 0 },
	{ "ct_fx_mkdirat", NEED_PREPARE, 0 },
	{ "ct_fx_unlinkat", NEED_PREPARE, 0 },
	{ "ct_fx_listen", NEED_READY, 0 },
	{ "ct_fx_stub", NEED_STUBS, G(CT_SYS_STUB) },
};

/* Its row in fentry_needs[], or -1. */
static int fentry_row(const char *name)
{
	size_t n = strlen(name);
	const char *nl = strstr(name, "_noloop");

	if (nl)
		n = (size_t)(nl - name);
	for (size_t i = 0; i < sizeof(fentry_needs) / sizeof(fentry_needs[0]);
	     i++)
		if (strlen(fentry_needs[i].prog) == n &&
		    !strncmp(fentry_needs[i].prog, name, n))
			return (int)i;
	return -1;
}

static unsigned int fentry_need(const char *name)
{
	int i = fentry_row(name);

	return i < 0 ? 0 : fentry_needs[i].need;
}

/* The feature a group's programs are for. */
static const unsigned int group_need[CT_SYS_GROUPS] = {
	[CT_SYS_STUB] = NEED_STUBS,
	[CT_SYS_PULL] = NEED_PULL,
	[CT_SYS_STDIN] = NEED_STDIN,
};

static unsigned int features_had(struct sys_bpf *skel,
				 const struct ct_sys_features *f)
{
	return (f->opens ? NEED_OPENS : 0) | (f->pull ? NEED_PULL : 0) |
	       (f->prepare ? NEED_PREPARE | NEED_STDIN : 0) |
	       (f->ready ? NEED_READY : 0) |
	       (skel->rodata->stubs_on ? NEED_STUBS : 0);
}

/*
 * The fentry path (if the variant uses it): the programs of features
 * that are off are not loaded, as each attached one costs its syscall
 * a trampoline; the tp_btf path's flags drop dead code instead.
 */
static void drop_unneeded_fentry(struct sys_bpf *skel,
				 const struct ct_sys_features *f)
{
	unsigned int have = features_had(skel, f);
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		unsigned int need = fentry_need(name);

		if (ct_fentry_prog(name) && need && !(need & have))
			bpf_program__set_autoload(prog, false);
	}
}

/*
 * The groups a loaded fentry program is attached with, or 0 (with the
 * skeleton): 0 too if a feature loaded needs it and has no group of it.
 */
static unsigned int prog_groups(struct bpf_program *prog, unsigned int have)
{
	int i = fentry_row(bpf_program__name(prog));
	unsigned int groups = 0, covered = 0;

	if (i < 0 || !bpf_program__autoload(prog))
		return 0;
	for (int g = 0; g < CT_SYS_GROUPS; g++)
		if ((fentry_needs[i].groups & G(g)) && (have & group_need[g])) {
			groups |= G(g);
			covered |= group_need[g];
		}
	return covered == (fentry_needs[i].need & have) ? groups : 0;
}

/*
 * After load: the groups' programs leave the skeleton's attach and
 * detach, which then never touch them.  Nothing to do on the tp_btf
 * path, whose sys_enter and sys_exit see every syscall anyway.
 */
static void setup_groups(struct ct_sys_bpf *s, unsigned int have)
{
	struct bpf_program *prog;
	unsigned int groups;

	bpf_object__for_each_program(prog, s->skel->obj) {
		groups = prog_groups(prog, have);
		/* more than foreseen: it stays with the skeleton */
		if (!groups || s->ndemand == DEMAND_PROGS)
			continue;
		s->demand[s->ndemand].prog = prog;
		s->demand[s->ndemand++].groups = groups;
		bpf_program__set_autoattach(prog, false);
	}
}

/* What configure() sets the object up for. */
struct sys_setup {
	struct sys_bpf *skel;
	struct ct_loader *l;
	const struct ct_sys_features *f;
};

/*
 * The lifecycle's ring buffer is shared here, not by ct_loader_prep_obj():
 * its failure is said with the maps' sharing and sizing below.
 */
static int configure(void *ctx, char *err, size_t errlen)
{
	const struct sys_setup *ss = ctx;
	const struct ct_sys_features *f = ss->f;
	struct sys_bpf *skel = ss->skel;
	int rc;

	if (f->ready && !f->opens) {
		snprintf(err, errlen, "ready: the listen marker needs the open "
			 "tracer (drop --no-opens, or use --ready=exec)");
		return -EINVAL;
	}
	skel->rodata->opens_on = f->opens != NULL;
	skel->rodata->pull_on = f->pull;
	skel->rodata->prepare_on = f->prepare;
	skel->rodata->ready_on = f->ready;
	rc = set_comms(skel, err, errlen);
	if (!rc)
		rc = ct_loader_share_events(ss->l, skel->obj);
	if (!rc)
		skel->rodata->wakeup_bytes = ct_loader_wakeup_bytes(ss->l);
	if (!rc)
		rc = f->opens ? share_opens(skel, f->opens) :
				shrink_opens(skel);
	if (!rc)
		rc = setup_switch(skel, f);
	if (!rc)
		drop_unneeded_fentry(skel, f);
	if (!rc && !f->pull)
		rc = shrink_pull(skel);
	if (!rc && !f->prepare)
		rc = bpf_map__set_max_entries(skel->maps.mkdir_start, 1);
	if (rc)
		snprintf(err, errlen, "sys: sharing or sizing maps failed: %s",
			 strerror(-rc));
	return rc;
}

static const char *switch_users(bool stubs, bool why)
{
	if (stubs)
		return why ? "runsc stubs, why" : "runsc stubs";
	return why ? "why" : "none, not attached";
}

static int add_pull_ringbuf(struct sys_bpf *skel, struct ct_loader *l,
			    char *err, size_t errlen)
{
	int rc = ct_loader_add_ringbuf(l, bpf_map__fd(skel->maps.pull_events));

	if (rc)
		snprintf(err, errlen, "pull: adding the ring buffer failed: %s",
			 strerror(-rc));
	return rc;
}

/* -v: which path hooks the syscalls, and how many programs. */
static const char *hooks_said(struct ct_sys_bpf *s, char *buf, size_t len)
{
	struct sys_bpf *skel = s->skel;
	struct bpf_program *prog;
	int n = 0;

	if (!ct_features_get(NULL)->use[CT_FEAT_FENTRY])
		return "one sys_enter/sys_exit pair";
	bpf_object__for_each_program(prog, skel->obj)
		n += ct_fentry_prog(bpf_program__name(prog)) &&
		     bpf_program__autoload(prog);
	snprintf(buf, len, "fentry path, %d programs%s%s%s", n,
		 bpf_program__autoload(skel->progs.ct_fx_stub) ?
		 " with the runsc stubs' sys_exit" : "",
		 ct_sys_bpf_group_managed(s, CT_SYS_PULL) ?
		 ", pulls' on demand" : "",
		 ct_sys_bpf_group_managed(s, CT_SYS_STDIN) ?
		 ", stdin's on demand" : "");
	return buf;
}

/* v into gate m (bpf/gate.bpf.h: stub_gate, pull_gate, opens_gate). */
static int gate_set(struct bpf_map *m, const char *what, __u32 v, char *err,
		    size_t errlen)
{
	__u32 k = 0;
	int rc = bpf_map__update_elem(m, &k, sizeof(k), &v, sizeof(v), BPF_ANY);

	if (rc)
		return ct_fail(err, errlen, rc, "sys: setting the %s gate "
			       "failed: %s", what, strerror(-rc));
	return 0;
}

/* A gate's next generation: never 0, which stands for none. */
static __u32 gen_next(__u32 *gen)
{
	if (!++*gen)
		*gen = 1;
	return *gen;
}

static int stub_gate(struct ct_sys_bpf *s, bool on, char *err, size_t errlen)
{
	return gate_set(s->skel->maps.stub_gate, "stub", on, err, errlen);
}

/*
 * The pull hooks count under a new generation from now on, or none (0):
 * set after they are attached, cleared before they are detached
 * (bpf/pull_sys.bpf.h pull_gate).
 */
static int pull_gen(struct ct_sys_bpf *s, bool on, char *err, size_t errlen)
{
	return gate_set(s->skel->maps.pull_gate, "pull",
			on ? gen_next(&s->gen) : 0, err, errlen);
}

/*
 * The gates follow the links: opened once the programs run, closed
 * before they stop, so that nothing is counted without them.  stdin has
 * none: its hooks see a client's read whole or not at all.
 */
static int group_gate(struct ct_sys_bpf *s, enum ct_sys_group g, bool on,
		      char *err, size_t errlen)
{
	if (g == CT_SYS_STUB)
		return stub_gate(s, on, err, errlen);
	if (g == CT_SYS_PULL)
		return pull_gen(s, on, err, errlen);
	return 0;
}

/* The tp_btf path, or no pull group: the pull hooks come with the rest. */
static bool pulls_with_skeleton(const struct ct_sys_bpf *s)
{
	return !ct_sys_bpf_group_managed(s, CT_SYS_PULL);
}

int ct_sys_bpf_start(struct ct_sys_bpf **out, struct ct_loader *l,
		     const struct ct_sys_features *f, bool verbose, char *err,
		     size_t errlen)
{
	struct sys_setup ss = { NULL, l, f };
	const struct ct_obj_prep p = { "sys", NULL, configure, &ss };
	char buf[128];
	struct ct_sys_bpf *s;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "sys: out of memory");
		return -ENOMEM;
	}
	s->skel = ss.skel = sys_bpf__open();
	rc = ct_loader_prep_obj(&p, s->skel ? s->skel->obj : NULL, err,
				errlen);
	/* the groups' programs are loaded on the fentry path only */
	if (!rc)
		setup_groups(s, features_had(s->skel, f));
	if (!rc && f->pull)
		rc = add_pull_ringbuf(s->skel, l, err, errlen);
	/* the tp_btf path's sys_exit sees every stub's exit */
	if (!rc && !ct_sys_bpf_group_managed(s, CT_SYS_STUB))
		rc = stub_gate(s, true, err, errlen);
	/* the session starts with everything attached (arm.h) */
	if (!rc)
		rc = ct_sys_bpf_arm(s, err, errlen);
	for (int g = 0; !rc && g < CT_SYS_GROUPS; g++)
		rc = ct_sys_bpf_group(s, g, true, err, errlen);
	if (rc) {
		ct_sys_bpf_stop(s);
		return rc;
	}
	if (verbose)
		fprintf(stderr, "sys: attached (%s: lifecycle%s%s%s%s; "
			"sched_switch: %s)\n", hooks_said(s, buf, sizeof(buf)),
			f->opens ? ", opens" : "", f->pull ? ", pull" : "",
			f->prepare ? ", prepare" : "", f->ready ? ", ready" : "",
			switch_users(s->skel->rodata->stubs_on, f->why));
	*out = s;
	return 0;
}

/*
 * Each program on demand attached while one of its groups is on, and
 * only then: the first link that fails is said, the others stay.
 */
static int demand_sync(struct ct_sys_bpf *s, char *err, size_t errlen)
{
	struct demand *d;
	int rc;

	for (size_t i = 0; i < s->ndemand; i++) {
		d = &s->demand[i];
		if (!(d->groups & s->on)) {
			bpf_link__destroy(d->link);
			d->link = NULL;
		} else if (!d->link && !(d->link = bpf_program__attach(d->prog))) {
			rc = -errno;
			return ct_fail(err, errlen, rc, "sys: attaching %s "
				       "failed: %s", bpf_program__name(d->prog),
				       strerror(-rc));
		}
	}
	return 0;
}

void ct_sys_bpf_stop(struct ct_sys_bpf *s)
{
	char err[8];	/* detaching cannot fail */

	if (!s)
		return;
	s->on = 0;
	demand_sync(s, err, sizeof(err));
	sys_bpf__destroy(s->skel);
	free(s);
}

/*
 * Before the hooks attach: the opens started from now on are this
 * attach's, those of before may have lost their exit (bpf/opens_sys.bpf.h
 * opens_gate).  Before, not after: an open begun between the attach and
 * the new value would be taken for a stale one.  Never 0, the value of a
 * start before any.
 */
static int opens_gen_next(struct ct_sys_bpf *s, char *err, size_t errlen)
{
	return gate_set(s->skel->maps.opens_gate, "opens",
			gen_next(&s->opens_gen), err, errlen);
}

int ct_sys_bpf_arm(struct ct_sys_bpf *s, char *err, size_t errlen)
{
	int rc = opens_gen_next(s, err, errlen);

	if (!rc)
		rc = ct_loader_attach_skel(s->skel->skeleton, err, errlen);

	if (!rc && pulls_with_skeleton(s))
		rc = pull_gen(s, true, err, errlen);
	/* what a detach stopped early left of the groups that are off */
	if (!rc)
		rc = demand_sync(s, err, errlen);
	return rc;
}

void ct_sys_bpf_disarm_begin(struct ct_sys_bpf *s)
{
	char err[8];	/* closing a gate cannot fail */

	/* nothing counted after the containers' traced_until_ns */
	gate_set(s->skel->maps.opens_gate, "opens", 0, err, sizeof(err));
	for (int g = 0; g < CT_SYS_GROUPS; g++)
		if (ct_sys_bpf_group_on(s, g))
			group_gate(s, g, false, err, sizeof(err));
	s->on = 0;
	if (pulls_with_skeleton(s))
		pull_gen(s, false, err, sizeof(err));
}

bool ct_sys_bpf_detach_one(struct ct_sys_bpf *s)
{
	for (size_t i = 0; i < s->ndemand; i++) {
		struct demand *d = &s->demand[i];

		if (d->link && !(d->groups & s->on)) {
			bpf_link__destroy(d->link);
			d->link = NULL;
			return true;
		}
	}
	return ct_loader_detach_one(s->skel->skeleton);
}

/*
 * How many entries of hash map @m hold the hooks: @held(fd, key) for
 * each.  Bounded: a key deleted under the walk restarts it.
 */
static size_t map_holds(const struct bpf_map *m,
			bool (*held)(int fd, const void *key, void *ctx),
			void *ctx)
{
	__u64 key, next, *prev = NULL;	/* keys of 8 bytes at most */
	size_t n = 0;

	for (__u32 i = 0; i < bpf_map__max_entries(m) &&
	     !bpf_map_get_next_key(bpf_map__fd(m), prev, &next); i++) {
		n += held(bpf_map__fd(m), &next, ctx);
		key = next;
		prev = &key;
	}
	return n;
}

struct alive_ctx {
	bool (*alive)(uint32_t pid, void *ctx);
	void *ctx;
};

/* fds: a (tgid << 32 | fd) key */
static bool file_held(int fd, const void *key, void *ctx)
{
	const struct alive_ctx *a = ctx;

	(void)fd;
	return a->alive((uint32_t)(*(const __u64 *)key >> 32), a->ctx);
}

size_t ct_sys_bpf_pull_files(const struct ct_sys_bpf *s,
			     bool (*alive)(uint32_t pid, void *ctx), void *ctx)
{
	struct alive_ctx a = { alive, ctx };

	return map_holds(s->skel->maps.fds, file_held, &a);
}

/*
 * Keys of dead owners, then their deletes (a delete restarts a walk),
 * each first given to @each if set (its value still there).  Keys of 4
 * or 8 bytes, read into a zeroed __u64 (little endian).
 */
static size_t sweep_dead(const struct bpf_map *m, uint32_t (*owner)(__u64),
			 bool (*alive)(uint32_t pid, void *ctx), void *ctx,
			 void (*each)(int fd, __u64 key, void *ectx),
			 void *ectx)
{
	__u64 key = 0, next = 0, dead[256];
	int fd = bpf_map__fd(m);
	size_t n = 0, done = 0;

	for (__u32 i = 0; i < bpf_map__max_entries(m) && n < 256 &&
	     !bpf_map_get_next_key(fd, i ? &key : NULL, &next); i++) {
		key = next;
		next = 0;
		if (!alive(owner(key), ctx))
			dead[n++] = key;
	}
	for (size_t i = 0; i < n; i++) {
		if (each)
			each(fd, dead[i], ectx);
		done += !bpf_map_delete_elem(fd, &dead[i]);
	}
	return done;
}

static uint32_t fd_owner(__u64 key)
{
	return (uint32_t)(key >> 32);	/* tgid << 32 | fd */
}

static uint32_t tid_owner(__u64 key)
{
	return (uint32_t)key;		/* a __u32 tid, zero-extended */
}

size_t ct_sys_bpf_sweep(const struct ct_sys_bpf *s,
			bool (*alive)(uint32_t pid, void *ctx), void *ctx)
{
	return sweep_dead(s->skel->maps.opening, tid_owner, alive, ctx,
			  NULL, NULL);
}

struct gone_ctx {
	ct_sys_file_gone_fn gone;
	void *ctx;
	__u32 gen;		/* the pull hooks' current generation */
};

/* An fds entry of a dead process: what its close would have sent. */
static void file_gone(int fd, __u64 key, void *ctx)
{
	const struct gone_ctx *g = ctx;
	struct ct_pull_blob_state st;

	if (!bpf_map_lookup_elem(fd, &key, &st))
		g->gone(fd_owner(key), (int)(__u32)key, &st,
			st.gen && st.gen == g->gen, g->ctx);
}

size_t ct_sys_bpf_sweep_files(const struct ct_sys_bpf *s,
			      bool (*alive)(uint32_t pid, void *ctx), void *ctx,
			      ct_sys_file_gone_fn gone, void *gctx)
{
	struct gone_ctx g = { gone, gctx, s->gen };

	return sweep_dead(s->skel->maps.fds, fd_owner, alive, ctx, file_gone,
			  &g);
}

void ct_sys_bpf_map_full(const struct ct_sys_bpf *s,
			 uint64_t out[CT_MAPFULL_NR])
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *v = ncpus > 0 ? calloc(ncpus, sizeof(*v)) : NULL;
	int fd = bpf_map__fd(s->skel->maps.map_full);

	for (__u32 k = 0; k < CT_MAPFULL_NR; k++) {
		out[k] = 0;
		if (!v || bpf_map_lookup_elem(fd, &k, v))
			continue;
		for (int cpu = 0; cpu < ncpus; cpu++)
			out[k] += v[cpu];
	}
	free(v);
}

/* clients: a tgid key, whose mark says whether it waits for its stdin */
static bool stdin_held(int fd, const void *key, void *ctx)
{
	const struct alive_ctx *a = ctx;
	struct ct_client_mark m;

	return !bpf_map_lookup_elem(fd, key, &m) && m.stdin_ns &&
	       !m.stdin_told && a->alive(*(const __u32 *)key, a->ctx);
}

size_t ct_sys_bpf_stdin_waits(const struct ct_sys_bpf *s,
			      bool (*alive)(uint32_t pid, void *ctx), void *ctx)
{
	struct alive_ctx a = { alive, ctx };

	return map_holds(s->skel->maps.clients, stdin_held, &a);
}

bool ct_sys_bpf_group_managed(const struct ct_sys_bpf *s,
			      enum ct_sys_group g)
{
	for (size_t i = 0; i < s->ndemand; i++)
		if (s->demand[i].groups & G(g))
			return true;
	return false;
}

bool ct_sys_bpf_group_on(const struct ct_sys_bpf *s, enum ct_sys_group g)
{
	return s->on & G(g);
}

int ct_sys_bpf_group(struct ct_sys_bpf *s, enum ct_sys_group g, bool on,
		     char *err, size_t errlen)
{
	char scratch[8];	/* what is detached again cannot fail */
	int rc;

	if (!ct_sys_bpf_group_managed(s, g) || on == ct_sys_bpf_group_on(s, g))
		return 0;
	if (!on) {
		group_gate(s, g, false, err, errlen);
		s->on &= ~G(g);
		return demand_sync(s, err, errlen);
	}
	s->on |= G(g);
	rc = demand_sync(s, err, errlen);
	if (rc) {
		s->on &= ~G(g);
		demand_sync(s, scratch, sizeof(scratch));
		return rc;
	}
	return group_gate(s, g, true, err, errlen);
}
