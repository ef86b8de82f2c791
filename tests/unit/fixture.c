// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Synthetic event streams.  The lifecycles below follow what strace -f of
 * containerd + dockerd and tracefs sched events showed on the target
 * machine (dockerd 20.10, containerd 1.6, runc 1.1, runsc 20221219):
 *
 *  docker/ctr + runc:  shim start -> long-running shim (exits) -> runc
 *   create (runc init -> 2 CLONE_PARENT children, the 2nd is pid 1;
 *   docker's libnetwork-setkey hook runs inside create and dockerd
 *   bind-mounts /proc/<pid1>/ns/net) -> runc start -> pid 1 execs the
 *   program -> exit -> runc delete -> shim exits -> containerd runs
 *   "shim ... delete" which runs "runc delete --force" -> umounts of
 *   .../<id>/rootfs -> dockerd umounts the netns file and
 *   /var/lib/docker/containers/<id>.
 *  runsc under docker: the same through an sh wrapper script that forks
 *   /usr/bin/runsc; create forks gofer and sandbox (/proc/self/exe,
 *   argv[0] runsc-gofer / runsc-sandbox), the sandbox forks the stub
 *   master during create and the stub master forks one stub per guest
 *   address space after `runsc start`.
 * Times are rounded from those captures.
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include "engine.h"
#include "fixture.h"
#include "procs.h"
#include "records.h"

#define CONTAINERD	100
#define DOCKERD		200
#define CT_MNTNS	4026532999u

void fx_init(struct ct_fx *f)
{
	memset(f, 0, sizeof(*f));
	f->mntns = FX_HOST_MNTNS;
	f->netns = 4026531992u;
	f->memcg_id = 1;
	f->cgroup_id = 1;
}

void fx_free(struct ct_fx *f)
{
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

void fx_at(struct ct_fx *f, uint64_t ms)
{
	f->now = ms * FX_MS;
}

void fx_raw(struct ct_fx *f, const void *rec, size_t len)
{
	if (f->len + len > f->cap) {
		size_t cap = f->cap ? f->cap : 65536;

		while (cap < f->len + len)
			cap *= 2;
		f->buf = realloc(f->buf, cap);
		if (!f->buf)
			abort();
		f->cap = cap;
	}
	memcpy(f->buf + f->len, rec, len);
	f->len += len;
}

struct ct_procs *fx_model(void)
{
	static struct ct_procs *m;

	if (!m)
		m = ct_procs_new();
	if (!m)
		abort();
	return m;
}

/* The engines' rows, handed down before any test runs (main() does it). */
__attribute__((constructor)) static void fx_use_engines(void)
{
	ct_engines_use(&ct_builtin_engines);
}

const struct ct_engine_columns *fx_engines(void)
{
	static struct ct_engine_columns c;
	static bool made;

	if (!made)
		ct_engine_columns(&c);
	made = true;
	return &c;
}

const char *fx_user_cmd;
bool fx_kill_shim;

static void hdr(struct ct_fx *f, struct ct_hdr *h, uint32_t type,
		uint32_t size, uint32_t pid)
{
	memset(h, 0, sizeof(*h));
	h->ts_ns = f->now;
	h->type = type;
	h->size = size;
	h->pid = pid;
	h->tid = pid;
	h->cgroup_id = f->cgroup_id;
	h->memcg_id = f->memcg_id;
	h->mntns = f->mntns;
	h->netns = f->netns;
	snprintf(h->comm, sizeof(h->comm), "p%u", pid);
}

void fx_execv(struct ct_fx *f, uint32_t pid, const char *filename,
	      const char *const *argv)
{
	static struct ct_exec x;
	size_t off = 0;

	memset(&x, 0, sizeof(x));
	hdr(f, &x.hdr, CT_EV_EXEC, sizeof(x), pid);
	snprintf(x.filename, sizeof(x.filename), "%s", filename);
	for (; *argv; argv++) {
		size_t n = strlen(*argv) + 1;

		if (off + n > CT_ARGS_MAX) {
			x.args_truncated = 1;
			break;
		}
		memcpy(x.args + off, *argv, n);
		off += n;
	}
	x.args_len = off;
	fx_raw(f, &x, sizeof(x));
}

void fx_fork(struct ct_fx *f, uint32_t parent, uint32_t child)
{
	struct ct_fork k;

	memset(&k, 0, sizeof(k));
	hdr(f, &k.hdr, CT_EV_FORK, sizeof(k), parent);
	k.child_pid = child;
	snprintf(k.child_comm, sizeof(k.child_comm), "p%u", child);
	fx_raw(f, &k, sizeof(k));
}

void fx_exit(struct ct_fx *f, uint32_t pid, int32_t wait_status)
{
	struct ct_exit x;

	memset(&x, 0, sizeof(x));
	hdr(f, &x.hdr, CT_EV_EXIT, sizeof(x), pid);
	x.exit_code = wait_status;
	fx_raw(f, &x, sizeof(x));
}

static void mnt(struct ct_fx *f, uint32_t type, uint32_t pid, const char *src,
		const char *target, int64_t ret)
{
	struct ct_mount m;

	memset(&m, 0, sizeof(m));
	hdr(f, &m.hdr, type, sizeof(m), pid);
	if (pid == DOCKERD)	/* dockerd's acts are told by its name */
		snprintf(m.hdr.comm, sizeof(m.hdr.comm), "dockerd");
	m.start_ns = f->now >= FX_MS ? f->now - FX_MS : 0;
	m.ret = ret;
	snprintf(m.source, sizeof(m.source), "%s", src);
	snprintf(m.target, sizeof(m.target), "%s", target);
	fx_raw(f, &m, sizeof(m));
}

void fx_mount(struct ct_fx *f, uint32_t pid, const char *src,
	      const char *target, int64_t ret)
{
	mnt(f, CT_EV_MOUNT, pid, src, target, ret);
}

void fx_umount(struct ct_fx *f, uint32_t pid, const char *target, int64_t ret)
{
	mnt(f, CT_EV_UMOUNT, pid, "", target, ret);
}

void fx_lost(struct ct_fx *f, uint64_t total)
{
	struct ct_lost l;

	memset(&l, 0, sizeof(l));
	hdr(f, &l.hdr, CT_EV_LOST, sizeof(l), 0);
	l.lost = total;
	fx_raw(f, &l, sizeof(l));
}

void fx_arm(struct ct_fx *f, bool armed, uint64_t trigger_ms)
{
	struct ct_arm_rec r;

	memset(&r, 0, sizeof(r));
	hdr(f, &r.hdr, CT_EV_ARM, sizeof(r), 0);
	r.armed = armed;
	r.trigger_ns = armed ? trigger_ms * FX_MS : 0;
	fx_raw(f, &r, sizeof(r));
}

void fx_stdin(struct ct_fx *f, uint32_t pid, int64_t ret, uint64_t wait_ms)
{
	struct ct_stdin r;

	memset(&r, 0, sizeof(r));
	hdr(f, &r.hdr, CT_EV_STDIN, sizeof(r), pid);
	r.ret = ret;
	r.wait_ns = wait_ms * FX_MS;
	fx_raw(f, &r, sizeof(r));
}

void fx_connect(struct ct_fx *f, uint32_t pid, uint32_t tid,
		const char *path, int64_t ret)
{
	struct ct_connect c;

	memset(&c, 0, sizeof(c));
	hdr(f, &c.hdr, CT_EV_CONNECT, sizeof(c), pid);
	c.hdr.tid = tid;
	c.start_ns = f->now >= FX_MS ? f->now - FX_MS : 0;
	c.ret = ret;
	if (path) {
		c.family = 1;	/* AF_UNIX */
		snprintf(c.path, sizeof(c.path), "%s", path);
	} else {
		c.family = 40;	/* AF_VSOCK */
		c.vsock_cid = 3;
		c.vsock_port = 1024;
	}
	fx_raw(f, &c, sizeof(c));
}

int fx_enter(struct ct_tracker *tk, const void *rec, size_t len)
{
	if (ct_rec_check(rec, len))
		return ct_tracker_malformed(tk);
	return ct_tracker_feed(tk, rec, len);
}

int fx_feed_until(const struct ct_fx *f, struct ct_tracker *tk, size_t *off,
		  uint64_t until_ns)
{
	int bad = 0;

	while (*off + sizeof(struct ct_hdr) <= f->len) {
		const struct ct_hdr *h = (const void *)(f->buf + *off);
		size_t sz = h->size;

		if (h->ts_ns > until_ns)
			break;
		if (fx_enter(tk, h, f->len - *off))
			bad++;
		if (sz < sizeof(*h)) {
			*off = f->len;
			break;
		}
		*off += sz;
	}
	return bad;
}

int fx_feed(const struct ct_fx *f, struct ct_tracker *tk)
{
	size_t off = 0;

	return fx_feed_until(f, tk, &off, UINT64_MAX);
}

struct fx_ref {
	const struct ct_hdr *h;
	size_t seq;
};

static int by_ts(const void *a, const void *b)
{
	const struct fx_ref *x = a, *y = b;

	if (x->h->ts_ns != y->h->ts_ns)
		return x->h->ts_ns < y->h->ts_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

void fx_merge(struct ct_fx *dst, const struct ct_fx *srcs, size_t n)
{
	size_t total = 0, k = 0;
	struct fx_ref *refs;

	for (size_t i = 0; i < n; i++)
		total += srcs[i].len / sizeof(struct ct_fork) + 1;
	refs = calloc(total, sizeof(*refs));
	if (!refs)
		abort();
	for (size_t i = 0; i < n; i++)
		for (size_t off = 0; off < srcs[i].len;) {
			const struct ct_hdr *h =
				(const void *)(srcs[i].buf + off);

			refs[k].h = h;
			refs[k].seq = k;
			k++;
			off += h->size;
		}
	qsort(refs, k, sizeof(*refs), by_ts);
	for (size_t i = 0; i < k; i++)
		fx_raw(dst, refs[i].h, refs[i].h->size);
	free(refs);
}

/* --- lifecycles ----------------------------------------------------------- */

struct lc {
	struct ct_fx *f;
	const struct fx_ct *c;
	char bundle[256], rootfs[300], root[64], log[300];
	int64_t *s, *e;
	enum fx_kata kata;
};

static void at(struct lc *l, uint64_t ms)
{
	fx_at(l->f, l->c->t0_ms + ms);
}

static void expect(struct lc *l, enum ct_phase p, int64_t s, int64_t e)
{
	l->s[p] = s;
	l->e[p] = e;
}

static const char *ns_of(const struct fx_ct *c)
{
	return c->eng == CT_ENG_DOCKER ? "moby" : "default";
}

static const char *shim_bin(const struct fx_ct *c)
{
	return c->rt == CT_RT_KATA ? "/usr/bin/containerd-shim-kata-v2"
				   : "/usr/bin/containerd-shim-runc-v2";
}

static const char *rt_bin(const struct fx_ct *c)
{
	switch (c->rt) {
	case CT_RT_CRUN:
		return "/usr/bin/crun";
	case CT_RT_RUNSC:
		return "/usr/bin/runsc";
	default:
		return "/usr/sbin/runc";
	}
}

/* "<rt> --root R --log L --log-format json CMD [flags] ID", by pid, via
 * the wrapper script when asked (the wrapper forks the runtime). */
static void rt_cmd(struct lc *l, uint32_t parent, uint32_t pid,
		   const char *cmd, bool force)
{
	const struct fx_ct *c = l->c;
	const char *a0 = c->rt == CT_RT_RUNC ? "runc" : rt_bin(c);
	const char *fl = force ? "--force" : "--pid-file=/x/init.pid";

	fx_fork(l->f, parent, pid);
	if (c->wrapper) {
		fx_exec(l->f, pid, "/var/lib/docker/runtimes/runsc", "/bin/sh",
			"/var/lib/docker/runtimes/runsc", "--root", l->root,
			"--log", l->log, "--log-format", "json", cmd,
			"--bundle", l->bundle, fl, c->id);
		fx_fork(l->f, pid, pid + 100);
		pid += 100;
	}
	fx_exec(l->f, pid, rt_bin(c), a0, "--root", l->root, "--log", l->log,
		"--log-format", "json", cmd, "--bundle", l->bundle, fl, c->id);
}

static void rt_cmd_exit(struct lc *l, uint32_t pid, uint64_t ms)
{
	at(l, ms);
	if (l->c->wrapper)
		fx_exit(l->f, pid + 100, 0);
	at(l, ms + (l->c->wrapper ? 1 : 0));
	fx_exit(l->f, pid, 0);
}

static void shim_attach(struct lc *l, uint32_t b)
{
	const struct fx_ct *c = l->c;

	at(l, 0);
	fx_exec(l->f, b + 1, shim_bin(c), shim_bin(c), "-namespace", ns_of(c),
		"-address", "/run/containerd/containerd.sock",
		"-publish-binary", "/usr/bin/containerd", "-id", c->id,
		"start");
	at(l, 33);
	fx_fork(l->f, b + 1, b + 2);
	fx_exec(l->f, b + 2, shim_bin(c), shim_bin(c), "-namespace", ns_of(c),
		"-id", c->id, "-address", "/run/containerd/containerd.sock");
	at(l, 35);
	fx_exit(l->f, b + 1, 0);
}

/* dockerd's bind mount of a container's network namespace */
static void netns_path(const struct lc *l, char *buf, size_t len)
{
	snprintf(buf, len, "/run/docker/netns/%x", l->c->pid_base);
}

/* shim exits, containerd cleans up with "shim delete" + "rt delete
 * --force", then umounts; docker's daemon umounts netns and its dir.
 * fx_kill_shim: the shim is SIGKILLed, and the delete kills pid1. */
static void shim_cleanup(struct lc *l, uint32_t b, uint64_t ms,
			 uint32_t pid1)
{
	const struct fx_ct *c = l->c;
	char p[300];

	at(l, ms);
	fx_exit(l->f, b + 2, fx_kill_shim ? 9 : 0);
	at(l, ms + 6);
	fx_exec(l->f, b + 10, shim_bin(c), shim_bin(c), "-namespace",
		ns_of(c), "-address", "/run/containerd/containerd.sock",
		"-publish-binary", "/usr/bin/containerd", "-id", c->id,
		"-bundle", l->bundle, "delete");
	at(l, ms + 29);
	rt_cmd(l, b + 10, b + 11, "delete", true);
	if (fx_kill_shim) {
		at(l, ms + 40);
		fx_exit(l->f, pid1, 9);
	}
	rt_cmd_exit(l, b + 11, ms + 89);
	at(l, ms + 90);
	fx_umount(l->f, b + 10, l->rootfs, -22);
	at(l, ms + 92);
	fx_exit(l->f, b + 10, 0);
	at(l, ms + 93);
	fx_umount(l->f, CONTAINERD, l->rootfs, -22);
	if (c->eng != CT_ENG_DOCKER)
		return;
	at(l, ms + 105);
	netns_path(l, p, sizeof(p));
	fx_umount(l->f, DOCKERD, p, 0);
	at(l, ms + 108);
	snprintf(p, sizeof(p), "/var/lib/docker/containers/%s", c->id);
	fx_umount(l->f, DOCKERD, p, -22);
}

static void setkey(struct lc *l, uint32_t parent, uint32_t pid,
		   uint32_t netpid, uint64_t ms, uint64_t dur)
{
	char src[64], target[64];

	at(l, ms);
	fx_fork(l->f, parent, pid);
	fx_exec(l->f, pid, "/proc/200/exe", "libnetwork-setkey",
		"-exec-root=/var/run/docker", l->c->id, "8743eccc99a4");
	at(l, ms + dur / 2);
	snprintf(src, sizeof(src), "/proc/%u/ns/net", netpid);
	netns_path(l, target, sizeof(target));
	fx_mount(l->f, DOCKERD, src, target, 0);
	at(l, ms + dur);
	fx_exit(l->f, pid, 0);
}

/* runc / crun under a shim. */
static void lc_oci(struct lc *l)
{
	const struct fx_ct *c = l->c;
	uint32_t b = c->pid_base, pid1 = b + 6;
	bool docker = c->eng == CT_ENG_DOCKER;

	shim_attach(l, b);
	at(l, 72);
	rt_cmd(l, b + 2, b + 3, "create", false);
	at(l, 142);
	if (c->rt == CT_RT_RUNC) {
		fx_fork(l->f, b + 3, b + 4);
		fx_exec(l->f, b + 4, "/proc/self/exe", "runc", "init");
		at(l, 170);
		fx_fork(l->f, b + 4, b + 5);
		fx_fork(l->f, b + 5, pid1);
		fx_exit(l->f, b + 5, 0);
		at(l, 172);
		fx_exit(l->f, b + 4, 0);
	} else {
		fx_fork(l->f, b + 3, pid1);
	}
	if (docker)
		setkey(l, b + 3, b + 7, pid1, 277, 271);
	rt_cmd_exit(l, b + 3, 585);
	at(l, 628);
	rt_cmd(l, b + 2, b + 8, "start", false);
	at(l, 681);
	l->f->mntns = CT_MNTNS;
	l->f->memcg_id = c->memcg;
	fx_exec(l->f, pid1, "/bin/sh", "sh", "-c",
		fx_user_cmd ? fx_user_cmd : "exit 3");
	l->f->mntns = FX_HOST_MNTNS;
	l->f->memcg_id = 1;
	rt_cmd_exit(l, b + 8, 683);
	if (fx_kill_shim) {
		shim_cleanup(l, b, 684, pid1);
		return;
	}
	at(l, 686);
	fx_exit(l->f, pid1, c->status);
	at(l, 722);
	rt_cmd(l, b + 2, b + 9, "delete", false);
	rt_cmd_exit(l, b + 9, 774);
	if (!docker) {	/* the ctr shim umounts the rootfs itself */
		at(l, 775);
		fx_umount(l->f, b + 2, l->rootfs, 0);
	}
	shim_cleanup(l, b, 781, pid1);
	expect(l, CT_PH_ATTACH, 0, 72);
	expect(l, CT_PH_CREATE, 72, 585);
	expect(l, CT_PH_START, 628, 681);
	expect(l, CT_PH_RUN, 681, 686);
	expect(l, CT_PH_DIE, 686, 722);
	expect(l, CT_PH_DESTROY, 722, docker ? 889 : 874);
	if (docker) {
		expect(l, CT_PH_CONNECT, 277, 548);
		expect(l, CT_PH_DISCONNECT, 885, 886);
	}
}

/* gofer and sandbox, forked by the create (or run) process at ms. */
static void runsc_sandbox(struct lc *l, uint32_t rc, uint32_t b, uint64_t ms)
{
	const struct fx_ct *c = l->c;
	char bundle_eq[300];

	snprintf(bundle_eq, sizeof(bundle_eq), "--bundle=%s", l->bundle);
	at(l, ms);
	fx_fork(l->f, rc, b + 20);
	fx_exec(l->f, b + 20, "/proc/self/exe", "runsc-gofer", "--root=/x",
		"--log-format=json", "--log-fd=3", "gofer", "--bundle",
		l->bundle, "--spec-fd=4", "--io-fds=6");
	at(l, ms + 2);
	fx_fork(l->f, rc, b + 21);
	fx_exec(l->f, b + 21, "/proc/self/exe", "runsc-sandbox", "--root=/x",
		"--log-fd=3", "boot", bundle_eq, "--cpu-num", "2",
		"--total-memory", "25276510208", "--stdio-fds=12", c->id);
	at(l, ms + 32);	/* the sandbox re-execs itself */
	fx_exec(l->f, b + 21, "/proc/self/exe", "runsc-sandbox", "--root=/x",
		"--log-fd=3", "boot", bundle_eq, "--cpu-num", "2",
		"--total-memory", "25276510208", "--stdio-fds=12", c->id);
	at(l, ms + 79);
	l->f->memcg_id = c->memcg;
	fx_fork(l->f, b + 21, b + 22);	/* stub master */
	l->f->memcg_id = 1;
}

/* The stub master clones the stubs that run the guest. */
static void runsc_stubs(struct lc *l, uint32_t b, uint64_t ms)
{
	l->f->memcg_id = l->c->memcg;
	at(l, ms);
	fx_fork(l->f, b + 22, b + 23);
	at(l, ms + 6);
	fx_fork(l->f, b + 22, b + 24);
	l->f->memcg_id = 1;
}

static void runsc_exit(struct lc *l, uint32_t b, uint64_t ms)
{
	at(l, ms);
	fx_exit(l->f, b + 23, 9);
	fx_exit(l->f, b + 24, 9);
	fx_exit(l->f, b + 21, l->c->status);
	at(l, ms + 1);
	fx_exit(l->f, b + 22, 9);
	fx_exit(l->f, b + 20, 0);
}

static void lc_runsc(struct lc *l)
{
	const struct fx_ct *c = l->c;
	uint32_t b = c->pid_base, rc = b + 3 + (c->wrapper ? 100 : 0);
	bool docker = c->eng == CT_ENG_DOCKER;
	int64_t w = c->wrapper ? 1 : 0;

	shim_attach(l, b);
	at(l, 72);
	rt_cmd(l, b + 2, b + 3, "create", false);
	runsc_sandbox(l, rc, b, 118);
	if (docker)
		setkey(l, rc, b + 7, b + 21, 218, 89);
	rt_cmd_exit(l, b + 3, 310);
	at(l, 316);
	rt_cmd(l, b + 2, b + 8, "start", false);
	runsc_stubs(l, b, 354);
	rt_cmd_exit(l, b + 8, 362);
	runsc_exit(l, b, 1374);
	at(l, 1382);
	rt_cmd(l, b + 2, b + 9, "delete", false);
	rt_cmd_exit(l, b + 9, 1407);
	shim_cleanup(l, b, 1409, 0);
	expect(l, CT_PH_ATTACH, 0, 72);
	expect(l, CT_PH_CREATE, 72, 310 + w);
	expect(l, CT_PH_START, 316, 354);
	expect(l, CT_PH_RUN, 354, 1374);
	expect(l, CT_PH_DIE, 1374, 1382);
	expect(l, CT_PH_DESTROY, 1382, docker ? 1517 : 1502);
	if (docker) {
		expect(l, CT_PH_CONNECT, 218, 307);
		expect(l, CT_PH_DISCONNECT, 1513, 1514);
	}
}

/* Direct: "<rt> run ID" from an untracked shell. */
static void lc_direct(struct lc *l)
{
	const struct fx_ct *c = l->c;
	uint32_t b = c->pid_base;

	at(l, 0);
	fx_exec(l->f, b + 1, rt_bin(c), c->rt == CT_RT_RUNC ? "runc" : "crun",
		"--root", l->root, "run", "--bundle", l->bundle, c->id);
	at(l, 50);
	if (c->rt == CT_RT_RUNC) {
		fx_fork(l->f, b + 1, b + 2);
		fx_exec(l->f, b + 2, "/proc/self/exe", "runc", "init");
		at(l, 70);
		fx_fork(l->f, b + 2, b + 3);
		fx_fork(l->f, b + 3, b + 4);
		fx_exit(l->f, b + 3, 0);
		at(l, 72);
		fx_exit(l->f, b + 2, 0);
	} else {
		fx_fork(l->f, b + 1, b + 4);
	}
	at(l, 100);
	l->f->mntns = CT_MNTNS;
	l->f->memcg_id = c->memcg;
	fx_exec(l->f, b + 4, "/bin/true", "true");
	l->f->mntns = FX_HOST_MNTNS;
	l->f->memcg_id = 1;
	at(l, 110);
	fx_exit(l->f, b + 4, c->status);
	at(l, 130);
	fx_exit(l->f, b + 1, c->status);
	expect(l, CT_PH_CREATE, 0, 100);
	expect(l, CT_PH_RUN, 100, 110);
	expect(l, CT_PH_DESTROY, 110, 130);
}

static void lc_runsc_direct(struct lc *l)
{
	const struct fx_ct *c = l->c;
	uint32_t b = c->pid_base;

	at(l, 0);
	fx_exec(l->f, b + 1, rt_bin(c), "runsc", "--root", l->root,
		"--network=none", "run", "--bundle", l->bundle, c->id);
	runsc_sandbox(l, b + 1, b, 10);
	runsc_stubs(l, b, 100);
	runsc_exit(l, b, 1100);
	at(l, 1120);
	fx_exit(l->f, b + 1, c->status);
	expect(l, CT_PH_CREATE, 0, 100);
	expect(l, CT_PH_RUN, 100, 1100);
	expect(l, CT_PH_DESTROY, 1100, 1120);
}

/*
 * Kata, in the shape of its sources (docs/kata.md): the long-running shim
 * (b+2) forks virtiofsd (b+3) and the hypervisor (b+4), then a shim
 * thread (b+9) dials the agent until a connect succeeds; at the end the
 * hypervisor exits, then the shim.  qemu -daemonize: the exec'd qemu
 * forks (b+5), which forks the VM process (b+6) and exits; the launcher
 * exits once the VM is up.
 */
static void kata_vm(struct lc *l, uint32_t b, bool daemonize)
{
	at(l, 45);
	fx_fork(l->f, b + 2, b + 3);
	fx_exec(l->f, b + 3, "/usr/libexec/virtiofsd", "virtiofsd",
		"--syslog", "--shared-dir=/run/kata-containers/shared/x");
	at(l, 50);
	fx_fork(l->f, b + 2, b + 4);
	fx_execv(l->f, b + 4, "/usr/bin/qemu-system-x86_64",
		 (const char *const[]){ "/usr/bin/qemu-system-x86_64", "-name",
					"sandbox-x", "-m", "2048M",
					daemonize ? "-daemonize" : NULL,
					NULL });
	if (!daemonize)
		return;
	at(l, 52);
	fx_fork(l->f, b + 4, b + 5);
	fx_fork(l->f, b + 5, b + 6);
	at(l, 53);
	fx_exit(l->f, b + 5, 0);
	at(l, 70);
	fx_exit(l->f, b + 4, 0);
}

/* Retries as Kata's dialer does: failures, then the one that works. */
static void kata_dial(struct lc *l, uint32_t b, enum fx_kata k)
{
	const char *hv = "/run/vc/firecracker/x/root/kata.hvsock";

	at(l, 120);
	if (k == FX_KATA_HVSOCK)
		fx_connect(l->f, b + 2, b + 9, hv, -2 /* ENOENT */);
	else
		fx_connect(l->f, b + 2, b + 9, NULL, -104 /* ECONNRESET */);
	at(l, 200);
	/* non-blocking vsock: outcome unknown, not "reachable" */
	fx_connect(l->f, b + 2, b + 9, NULL, -115 /* EINPROGRESS */);
	if (k == FX_KATA_NO_CONNECT)
		return;
	at(l, 400);
	fx_connect(l->f, b + 2, b + 9, k == FX_KATA_HVSOCK ? hv : NULL, 0);
}

static void lc_kata(struct lc *l)
{
	enum fx_kata k = l->kata;
	uint32_t b = l->c->pid_base;

	shim_attach(l, b);
	kata_vm(l, b, k == FX_KATA_DAEMONIZE);
	kata_dial(l, b, k);
	at(l, 1000);
	/* after the VM is up: an agent RPC's connect changes nothing */
	if (k != FX_KATA_NO_CONNECT)
		fx_connect(l->f, b + 2, b + 9, NULL, 0);
	at(l, 2000);
	fx_exit(l->f, k == FX_KATA_DAEMONIZE ? b + 6 : b + 4, 9);
	at(l, 2010);
	fx_exit(l->f, b + 3, 0);
	at(l, 2050);
	fx_exit(l->f, b + 2, 0);
	expect(l, CT_PH_ATTACH, 0, 50);
	expect(l, CT_PH_CREATE, 50, k == FX_KATA_NO_CONNECT ? -1 : 400);
	expect(l, CT_PH_DESTROY, 2000, 2050);
}

static void lifecycle(struct ct_fx *f, const struct fx_ct *c, enum fx_kata k,
		      int64_t exp_start[CT_PH_MAX], int64_t exp_end[CT_PH_MAX])
{
	struct lc l = { .f = f, .c = c, .s = exp_start, .e = exp_end,
			.kata = k };
	const char *st = "/run/containerd/io.containerd.runtime.v2.task";

	for (int p = 0; p < CT_PH_MAX; p++)
		exp_start[p] = exp_end[p] = -1;
	snprintf(l.bundle, sizeof(l.bundle), "%s/%s/%s", st, ns_of(c), c->id);
	snprintf(l.rootfs, sizeof(l.rootfs), "%s/rootfs", l.bundle);
	snprintf(l.root, sizeof(l.root), "/run/docker/runtime-runc/%s",
		 ns_of(c));
	snprintf(l.log, sizeof(l.log), "%s/log.json", l.bundle);
	if (c->rt == CT_RT_KATA)
		lc_kata(&l);
	else if (c->eng == CT_ENG_DIRECT && c->rt == CT_RT_RUNSC)
		lc_runsc_direct(&l);
	else if (c->eng == CT_ENG_DIRECT)
		lc_direct(&l);
	else if (c->rt == CT_RT_RUNSC)
		lc_runsc(&l);
	else
		lc_oci(&l);
}

void fx_container(struct ct_fx *f, const struct fx_ct *c,
		  int64_t exp_start[CT_PH_MAX], int64_t exp_end[CT_PH_MAX])
{
	lifecycle(f, c, FX_KATA_VSOCK, exp_start, exp_end);
}

void fx_kata(struct ct_fx *f, const struct fx_ct *c, enum fx_kata k,
	     int64_t exp_start[CT_PH_MAX], int64_t exp_end[CT_PH_MAX])
{
	struct fx_ct kc = *c;

	kc.rt = CT_RT_KATA;
	lifecycle(f, &kc, k, exp_start, exp_end);
}

/* --- sink --------------------------------------------------------------- */

void fx_sink_cb(const struct ct_container *c, void *ctx)
{
	struct fx_sink *s = ctx;

	if (s->n < 64)
		s->got[s->n] = *c;
	s->n++;
}

void fx_sink_fill(struct ct_container *c, void *ctx)
{
	struct fx_sink *s = ctx;

	c->opens.valid = true;
	s->filled++;
}

static void fx_sink_filtered(const struct ct_container *c, void *ctx)
{
	struct fx_sink *s = ctx;

	(void)c;
	s->filtered++;
}

struct ct_tracker *fx_tracker(struct fx_sink *sink, const char *prefix,
			    uint32_t runtime_mask)
{
	struct ct_tracker_opts o = {
		.mono_to_real_ns = 0,
		.cgroup_mode = CT_CGROUP_V1_MEMORY,
		.filter = { .runtime_mask = runtime_mask, .id_prefix = prefix },
		.before_emit = fx_sink_fill,
		.on_container = fx_sink_cb,
		.on_filtered = fx_sink_filtered,
		.client_ops = fx_engines()->client,
		.ctx = sink,
	};

	memset(sink, 0, sizeof(*sink));
	return ct_tracker_new(&o);
}

bool fx_put(const char *top, const char *rel, const void *data, size_t len)
{
	char path[512];
	size_t n = strlen(top) + 1;
	FILE *f;
	bool ok;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", top, rel) >=
	    sizeof(path))
		return false;
	for (char *p = path + n; (p = strchr(p, '/')); p++) {
		*p = 0;
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	if (!f)
		return false;
	ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}
