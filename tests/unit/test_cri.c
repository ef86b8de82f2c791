// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * CRI pods started at once (tests/fixtures/cri-concurrent3: three pods,
 * their CNI plugins side by side): each pod's connect and disconnect are
 * its own plugins', by the CNI_CONTAINERID of their environment.  The
 * truth is read from the recording's CT_EV_CNI_ENV records by a matcher
 * of whole strings (ts_has_string(), not the parser under test) and from
 * the sidecar's client-side RPC intervals.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "coldtrace.h"
#include "recfile.h"
#include "tracker.h"
#include "tsession.h"

#define NAME	"cri-concurrent3"
#define PODS	3
#define MS	1000000ull

struct truth {
	char id[CT_ID_LEN];
	uint64_t add_ns, del_ns;	/* first plugin exec of each, wall */
	uint64_t run[2], stop[2];	/* RunPodSandbox, StopPodSandbox */
};

static void first(uint64_t *slot, uint64_t t)
{
	if (!*slot || t < *slot)
		*slot = t;
}

static void learn(struct truth *p, const struct ct_cni_env *v, int64_t m2r)
{
	char want[CT_ID_LEN + 32];
	uint64_t t = v->hdr.ts_ns + (uint64_t)m2r;

	snprintf(want, sizeof(want), "CNI_CONTAINERID=%s", p->id);
	if (!ts_has_string(v->env, v->env_len, want))
		return;
	if (ts_has_string(v->env, v->env_len, "CNI_COMMAND=ADD"))
		first(&p->add_ns, t);
	if (ts_has_string(v->env, v->env_len, "CNI_COMMAND=DEL"))
		first(&p->del_ns, t);
}

static uint64_t sidecar_ns(const struct tj *sc, size_t i, const char *what,
			   int k)
{
	char key[64];
	const char *s;

	snprintf(key, sizeof(key), "containers.%zu.%s.%d", i, what, k);
	s = tj_str(sc, key);
	cr_assert(s, "sidecar: no %s", key);
	return strtoull(s, NULL, 10);
}

/* Pods from the sidecar (the first PODS containers), their plugins from
 * the recording. */
static void load_truth(const struct tj *sc, struct truth *t)
{
	struct ct_rec_file_hdr fh;
	struct ct_rec_reader *rd;
	const void *rec;
	char err[256];
	size_t len;

	for (size_t i = 0; i < PODS; i++) {
		char key[32];

		snprintf(key, sizeof(key), "containers.%zu.id", i);
		cr_assert(tj_str(sc, key), "sidecar: no %s", key);
		snprintf(t[i].id, sizeof(t[i].id), "%s", tj_str(sc, key));
		for (int k = 0; k < 2; k++) {
			t[i].run[k] = sidecar_ns(sc, i, "run_pod_sandbox", k);
			t[i].stop[k] = sidecar_ns(sc, i, "stop_pod_sandbox", k);
		}
	}
	cr_assert_eq(ct_rec_reader_open(&rd, "tests/fixtures/" NAME ".ctrec",
					&fh, err, sizeof(err)), 0, "%s", err);
	while (ct_rec_next(rd, &rec, &len, err, sizeof(err)) > 0) {
		const struct ct_hdr *h = rec;

		if (h->type != CT_EV_CNI_ENV)
			continue;
		for (size_t i = 0; i < PODS; i++)
			learn(&t[i], rec, fh.mono_to_real_ns);
	}
	ct_rec_reader_close(rd);
	for (size_t i = 0; i < PODS; i++)
		cr_assert(t[i].add_ns && t[i].del_ns, "pod %.12s: no plugin "
			  "named it", t[i].id);
}

static void expect_inside(uint64_t t, const uint64_t iv[2], const char *id,
			  const char *what)
{
	cr_expect(t + MS >= iv[0] && t <= iv[1] + MS, "pod %.12s: %s at %lu "
		  "outside [%lu, %lu]", id, what, (unsigned long)t,
		  (unsigned long)iv[0], (unsigned long)iv[1]);
}

/* The recording replayed as the session does, and its sidecar's truth. */
static void replay_with_truth(struct ts_all *a, struct truth t[PODS])
{
	ts_replay_all(NAME, a);
	load_truth(a->sidecar, t);
}

/* Replayed as the session does: every pod's network is its own. */
Test(cri, concurrent_pods_exact)
{
	struct truth t[PODS] = { 0 };
	struct ts_all a;

	replay_with_truth(&a, t);
	for (size_t i = 0; i < PODS; i++) {
		const struct ct_container *c = &a.c[i];
		const struct ct_interval *con = &c->phases[CT_PH_CONNECT];
		const struct ct_interval *dis = &c->phases[CT_PH_DISCONNECT];

		cr_assert(c->is_pod, "%.12s: not a pod record", t[i].id);
		cr_assert(ct_has_phase(c, CT_PH_CONNECT) &&
			  ct_has_phase(c, CT_PH_DISCONNECT));
		cr_expect_eq(con->start_ns, t[i].add_ns, "pod %.12s: connect "
			     "not at its first ADD plugin", t[i].id);
		cr_expect_eq(dis->start_ns, t[i].del_ns, "pod %.12s: disconnect"
			     " not at its first DEL plugin", t[i].id);
		expect_inside(con->start_ns, t[i].run, t[i].id,
			      "connect start");
		expect_inside(con->end_ns, t[i].run, t[i].id, "connect end");
		expect_inside(dis->start_ns, t[i].stop, t[i].id,
			      "disconnect start");
		expect_inside(dis->end_ns, t[i].stop, t[i].id,
			      "disconnect end");
	}
	cr_expect_eq(a.st.cni_unattributed, 0);
	ts_all_free(&a);
}

/*
 * Each pod's destroy in steps (docs/phases.md "destroy's steps"): delete
 * (the pause's delete) and network (its first DEL plugin, where its
 * disconnect begins) inside its own StopPodSandbox, the three pods'
 * StopPodSandbox at once; remove after that returned (RemovePodSandbox's
 * first act); the steps cover destroy.
 */
Test(cri, concurrent_pods_destroy_steps)
{
	struct truth t[PODS] = { 0 };
	struct ts_all a;

	replay_with_truth(&a, t);
	for (size_t i = 0; i < PODS; i++) {
		const struct ct_container *c = &a.c[i];
		const struct ct_steps *st = ct_steps_of(c, CT_PH_DESTROY);

		cr_assert_eq(st->n, 3, "pod %.12s: %u steps", t[i].id, st->n);
		cr_expect_eq(st->step[0], CT_STEP_DELETE);
		cr_expect_eq(st->step[1], CT_STEP_NETWORK);
		cr_expect_eq(st->step[2], CT_STEP_REMOVE);
		cr_expect_eq(ct_steps_unattributed_ns(c, CT_PH_DESTROY), 0);
		cr_expect_eq(st->start_ns[1], t[i].del_ns, "pod %.12s: network "
			     "not at its first DEL plugin", t[i].id);
		expect_inside(st->start_ns[0], t[i].stop, t[i].id,
			      "delete's start");
		expect_inside(st->start_ns[1], t[i].stop, t[i].id,
			      "network's start");
		cr_expect_gt(st->start_ns[2], t[i].stop[1], "pod %.12s: remove "
			     "before its StopPodSandbox returned", t[i].id);
	}
	ts_all_free(&a);
}

/*
 * Each pod's prepare (docs/phases.md "prepare's steps"): recorded before
 * the CRI's directories were kept, so from containerd's shm mount of
 * its sandbox (config) and its netns bind mount, named by its own ADD
 * (network), to its connect; inside its own RunPodSandbox, the three
 * pods' RunPodSandbox at once.
 */
Test(cri, concurrent_pods_prepare)
{
	struct truth t[PODS] = { 0 };
	struct ts_all a;

	replay_with_truth(&a, t);
	for (size_t i = 0; i < PODS; i++) {
		const struct ct_container *c = &a.c[i];
		const struct ct_interval *pr = &c->phases[CT_PH_PREPARE];
		const struct ct_steps *s = ct_steps_of(c, CT_PH_PREPARE);

		cr_assert(ct_has_phase(c, CT_PH_PREPARE), "pod %.12s: no "
			  "prepare", t[i].id);
		cr_expect_eq(pr->end_ns, c->phases[CT_PH_CONNECT].start_ns);
		expect_inside(pr->start_ns, t[i].run, t[i].id, "prepare start");
		cr_assert_eq(s->n, 2, "pod %.12s: %u steps", t[i].id, s->n);
		cr_expect_eq(s->step[0], CT_STEP_CONFIG);
		cr_expect_eq(s->start_ns[0], pr->start_ns);
		cr_expect_eq(s->step[1], CT_STEP_NETWORK);
		expect_inside(s->start_ns[1], t[i].run, t[i].id, "network");
	}
	ts_all_free(&a);
}

/* --- the tracker alone, fed the recording with records left out ----- */

struct feed {
	const char *ids[PODS];
	struct ct_container got[PODS];
	int seen[PODS];
};

static void on_container(const struct ct_container *c, void *ctx)
{
	struct feed *f = ctx;

	for (size_t i = 0; i < PODS; i++) {
		if (!strcmp(c->id, f->ids[i])) {
			f->got[i] = *c;
			f->seen[i]++;
		}
	}
}

/* What a test does to the recording: false leaves rec out; it may
 * change rec (a copy). */
typedef bool (*edit_fn)(void *rec);

/*
 * When the syscall hooks came (mono ns; 0: attached all along, as the
 * recording was made): before it the stream has the session's detach
 * first and none of the hooks' own records (mounts, connects, ...), as
 * a live session from idle reads it; then an ARM record attaching them.
 */
static uint64_t arm_at;

static bool from_sys_hooks(uint32_t type)
{
	return type == CT_EV_MOUNT || type == CT_EV_UMOUNT ||
	       type == CT_EV_CONNECT || type == CT_EV_LISTEN ||
	       type == CT_EV_MKDIR || type == CT_EV_RMDIR ||
	       type == CT_EV_CMKDIR ||
	       type == CT_EV_STDIN;
}

static void feed_arm(struct ct_tracker *tr, uint64_t ts, bool armed)
{
	struct ct_arm_rec r;

	memset(&r, 0, sizeof(r));
	r.hdr.ts_ns = ts;
	r.hdr.type = CT_EV_ARM;
	r.hdr.size = sizeof(r);
	r.armed = armed;
	r.trigger_ns = armed ? ts - 1 : 0;
	cr_assert_eq(ct_tracker_feed(tr, &r, sizeof(r)), 0);
}

/* Whether h is seen by a session whose hooks came at arm_at, feeding
 * the ARM records due before it. */
static bool arm_plan(struct ct_tracker *tr, const struct ct_hdr *h,
		     int *state)
{
	if (!arm_at)
		return true;
	if (*state == 0) {
		feed_arm(tr, h->ts_ns - 1, false);
		*state = 1;
	}
	if (*state == 1 && h->ts_ns >= arm_at) {
		feed_arm(tr, arm_at, true);
		*state = 2;
	}
	return *state == 2 || !from_sys_hooks(h->type);
}

/*
 * tests/fixtures/name.ctrec into a tracker whose containers go to cb, as
 * a session whose hooks came at arm_at (arm_plan()); edit (NULL: none)
 * may leave a record out or change it.  st (or NULL) gets its stats.
 */
typedef void (*got_fn)(const struct ct_container *c, void *ctx);

static void replay_armed(const char *name, got_fn cb, void *ctx, edit_fn edit,
			 struct ct_tracker_stats *st)
{
	static char copy[65536];
	struct ct_tracker_opts o = { 0 };
	struct ct_rec_file_hdr fh;
	struct ct_rec_reader *rd;
	struct ct_tracker *tr;
	char err[256], path[128];
	const void *rec;
	int armed = 0;
	size_t len;

	snprintf(path, sizeof(path), "tests/fixtures/%s.ctrec", name);
	cr_assert_eq(ct_rec_reader_open(&rd, path, &fh, err, sizeof(err)), 0,
		     "%s", err);
	o.mono_to_real_ns = fh.mono_to_real_ns;
	o.cgroup_mode = fh.cgroup_mode;
	o.on_container = cb;
	o.ctx = ctx;
	tr = ct_tracker_new(&o);
	cr_assert(tr);
	while (ct_rec_next(rd, &rec, &len, err, sizeof(err)) > 0) {
		cr_assert_leq(len, sizeof(copy));
		memcpy(copy, rec, len);
		if (arm_plan(tr, rec, &armed) && (!edit || edit(copy)))
			cr_assert_eq(ct_tracker_feed(tr, copy, len), 0);
	}
	ct_tracker_flush(tr);
	if (st)
		ct_tracker_get_stats(tr, st);
	ct_tracker_free(tr);
	ct_rec_reader_close(rd);
}

static void feed(struct feed *f, edit_fn edit, struct ct_tracker_stats *st)
{
	replay_armed(NAME, on_container, f, edit, st);
	for (size_t i = 0; i < PODS; i++)
		cr_assert_eq(f->seen[i], 1, "pod %.12s seen %d times",
			     f->ids[i], f->seen[i]);
}

/* A recording made before CT_EV_CNI_ENV. */
static bool drop_envs(void *rec)
{
	return ((struct ct_hdr *)rec)->type != CT_EV_CNI_ENV;
}

/* The first plugin's environment without its variables (cut away). */
static bool unread_first(void *rec)
{
	static bool done;
	struct ct_cni_env *v = rec;

	if (v->hdr.type == CT_EV_CNI_ENV && !done) {
		v->env_len = 0;
		done = true;
	}
	return true;
}

/* The first plugin's exec lost with its environment, as bpf loses them
 * (together: lifecycle.bpf.c). */
static bool lose_first(void *rec)
{
	static struct ct_hdr gone;
	const struct ct_hdr *h = rec;

	if (h->type == CT_EV_CNI_ENV && !gone.pid) {
		gone = *h;
		return false;
	}
	return !(h->type == CT_EV_EXEC && h->pid == gone.pid &&
		 h->ts_ns == gone.ts_ns);
}

static void load(struct ts_all *a, struct truth *t, struct feed *f)
{
	/* the sidecar alone: ts_replay_all() reads and checks it */
	ts_replay_all(NAME, a);
	load_truth(a->sidecar, t);
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < PODS; i++)
		f->ids[i] = t[i].id;
}

/*
 * Without the environment records (as in a recording made before them)
 * the order rule applies: every pod still gets a connect and a
 * disconnect, but pods started at once swap plugins.  In this recording
 * it gave pod 1 the ADD of pod 2, and so on round: why the environment
 * is read.
 */
Test(cri, concurrent_pods_by_order)
{
	struct truth t[PODS] = { 0 };
	struct ct_tracker_stats st;
	struct ts_all a;
	struct feed f;
	int wrong = 0;

	load(&a, t, &f);
	feed(&f, drop_envs, &st);
	for (size_t i = 0; i < PODS; i++) {
		cr_expect(ct_has_phase(&f.got[i], CT_PH_CONNECT) &&
			  ct_has_phase(&f.got[i], CT_PH_DISCONNECT));
		wrong += f.got[i].phases[CT_PH_CONNECT].start_ns != t[i].add_ns;
	}
	cr_expect_gt(wrong, 0, "the order rule got every pod right here: "
		     "the recording does not show the problem");
	cr_expect_eq(st.cni_unattributed, 0);
	ts_all_free(&a);
}

/* Each pod's plugins, and nobody else's, when one of them is missing. */
static void expect_own(const struct feed *f, const struct truth *t)
{
	for (size_t i = 0; i < PODS; i++) {
		const struct ct_container *c = &f->got[i];

		cr_expect(ct_has_phase(c, CT_PH_CONNECT));
		cr_expect_geq(c->phases[CT_PH_CONNECT].start_ns, t[i].add_ns,
			      "pod %.12s took an ADD before its own", t[i].id);
		cr_expect_eq(c->phases[CT_PH_DISCONNECT].start_ns, t[i].del_ns);
		expect_inside(c->phases[CT_PH_CONNECT].start_ns, t[i].run,
			      t[i].id, "connect start");
	}
}

/* A plugin whose environment does not say is counted and left out. */
Test(cri, unreadable_environment_counted)
{
	struct truth t[PODS] = { 0 };
	struct ct_tracker_stats st;
	struct ts_all a;
	struct feed f;

	load(&a, t, &f);
	feed(&f, unread_first, &st);
	cr_expect_eq(st.cni_unattributed, 1);
	expect_own(&f, t);
	ts_all_free(&a);
}

/* A plugin lost in the ring buffer is not guessed at either. */
Test(cri, lost_plugin_left_out)
{
	struct truth t[PODS] = { 0 };
	struct ct_tracker_stats st;
	struct ts_all a;
	struct feed f;

	load(&a, t, &f);
	feed(&f, lose_first, &st);
	cr_expect_eq(st.cni_unattributed, 0);
	expect_own(&f, t);
	ts_all_free(&a);
}

/* containerd's netns bind mounts unseen: the hooks were detached then. */
static bool lose_netns_mounts(void *rec)
{
	const struct ct_mount *m = rec;

	return m->hdr.type != CT_EV_MOUNT || !strstr(m->target, "/netns/cni-");
}

/*
 * containerd mounts a pod's netns before anything that attaches the
 * syscall hooks (kubelet asks over a socket), so on an idle node
 * (--arm=auto) that mount is not seen.  The pod's ADD names the same
 * path (CNI_NETNS): its disconnect still ends at that netns' umount,
 * exactly as with the mount seen, and the pod is whole.
 */
Test(cri, netns_mount_unseen_known_by_its_add)
{
	struct truth t[PODS] = { 0 };
	struct ct_tracker_stats st;
	struct ts_all a;
	struct feed f;

	load(&a, t, &f);
	feed(&f, lose_netns_mounts, &st);
	for (size_t i = 0; i < PODS; i++) {
		const struct ct_interval *want = &a.c[i].phases[CT_PH_DISCONNECT];
		const struct ct_container *c = &f.got[i];

		cr_assert(ct_has_phase(&a.c[i], CT_PH_DISCONNECT));
		cr_expect(ct_has_phase(c, CT_PH_DISCONNECT),
			  "pod %.12s: no disconnect", t[i].id);
		cr_expect_eq(c->phases[CT_PH_DISCONNECT].start_ns,
			     want->start_ns);
		cr_expect_eq(c->phases[CT_PH_DISCONNECT].end_ns, want->end_ns,
			     "pod %.12s: disconnect not ended by its umount",
			     t[i].id);
		cr_expect(!c->unarmed);
	}
	ts_all_free(&a);
}

static bool keep_all(void *rec)
{
	(void)rec;
	return true;
}

/* Whether an exec record's argv holds the word w. */
static bool argv_has(const struct ct_exec *x, const char *w)
{
	size_t n = x->args_len < CT_ARGS_MAX ? x->args_len : CT_ARGS_MAX;

	for (size_t i = 0; i < n; i += strnlen(x->args + i, n - i) + 1)
		if (!strcmp(x->args + i, w))
			return true;
	return false;
}

/* The first runtime create and the first `runc init` exec (mono ns). */
static void first_create_and_init(uint64_t *create, uint64_t *init)
{
	struct ct_rec_file_hdr fh;
	struct ct_rec_reader *rd;
	const void *rec;
	char err[256];
	size_t len;

	*create = *init = 0;
	cr_assert_eq(ct_rec_reader_open(&rd, "tests/fixtures/" NAME ".ctrec",
					&fh, err, sizeof(err)), 0, "%s", err);
	while (ct_rec_next(rd, &rec, &len, err, sizeof(err)) > 0) {
		const struct ct_exec *x = rec;

		if (x->hdr.type != CT_EV_EXEC)
			continue;
		if (!*create && argv_has(x, "create"))
			*create = x->hdr.ts_ns;
		if (*create && !*init && argv_has(x, "init"))
			*init = x->hdr.ts_ns;
	}
	ct_rec_reader_close(rd);
	cr_assert(*create && *init > *create);
}

/*
 * From an idle node (--arm=auto): kubelet asks over a socket, so the
 * first exec that attaches the hooks is the shim's start, a few
 * milliseconds before the runtime's create; what the hooks read of a pod
 * comes after its runtime's next exec (runc init), or is known without
 * them (its netns, by its ADD).  Hooks back between the first pod's
 * runtime create and its runc init: every pod whole.  Back only after
 * every program began: every pod unarmed.
 */
Test(cri, idle_node_pods_judged_at_their_runtime_init)
{
	struct truth t[PODS] = { 0 };
	uint64_t create, init;
	struct ct_tracker_stats st;
	struct ts_all a;
	struct feed f;

	first_create_and_init(&create, &init);
	load(&a, t, &f);
	arm_at = create + (init - create) / 2;
	feed(&f, keep_all, &st);
	for (size_t i = 0; i < PODS; i++) {
		cr_expect(!f.got[i].unarmed, "pod %.12s unarmed", t[i].id);
		cr_expect(ct_has_phase(&f.got[i], CT_PH_DISCONNECT));
	}
	cr_expect_eq(st.unarmed, 0);

	memset(&f, 0, sizeof(f));
	for (size_t i = 0; i < PODS; i++)
		f.ids[i] = t[i].id;
	arm_at = UINT64_MAX - 1;
	feed(&f, keep_all, &st);
	for (size_t i = 0; i < PODS; i++)
		cr_expect(f.got[i].unarmed, "pod %.12s: hooks never came",
			  t[i].id);
	arm_at = 0;
	ts_all_free(&a);
}

/* ---- containerd 2: an app's attach begins at its rootfs mount ---- */

struct apps {
	char id[2][CT_ID_LEN];	/* cri2-runc's two app containers */
	bool unarmed[2], attach[2];
	int seen[2];
};

static void on_app(const struct ct_container *c, void *ctx)
{
	struct apps *a = ctx;

	for (int i = 0; i < 2; i++) {
		if (strcmp(c->id, a->id[i]))
			continue;
		a->unarmed[i] = c->unarmed;
		a->attach[i] = ct_has_phase(c, CT_PH_ATTACH);
		a->seen[i]++;
	}
}

/* cri2-runc into *a, as a session whose hooks came at arm (mono ns; 0:
 * attached all along). */
static void feed_cri2(uint64_t arm, struct apps *a)
{
	arm_at = arm;
	replay_armed("cri2-runc", on_app, a, NULL, NULL);
	arm_at = 0;
	for (int i = 0; i < 2; i++)
		cr_assert_eq(a->seen[i], 1, "app %.12s seen %d times", a->id[i],
			     a->seen[i]);
}

/* The exec of runc create of container id (mono ns). */
static uint64_t cri2_create_of(const char *id)
{
	struct ct_rec_file_hdr fh;
	struct ct_rec_reader *rd;
	const void *rec;
	uint64_t t = 0;
	char err[256];
	size_t len;

	cr_assert_eq(ct_rec_reader_open(&rd, "tests/fixtures/cri2-runc.ctrec",
					&fh, err, sizeof(err)), 0, "%s", err);
	while (!t && ct_rec_next(rd, &rec, &len, err, sizeof(err)) > 0) {
		const struct ct_exec *x = rec;

		if (x->hdr.type == CT_EV_EXEC && argv_has(x, "create") &&
		    argv_has(x, id))
			t = x->hdr.ts_ns;
	}
	ct_rec_reader_close(rd);
	cr_assert(t, "no runc create of %s", id);
	return t;
}

/*
 * containerd 2 runs no shim of an app's own: the pod's shim mounts the
 * app's rootfs (its attach's start), a syscall, then runs the runtime.
 * On an idle node the hooks come with that runtime's exec, after the
 * mount: the first app, whose mount was before the hooks, is said to be
 * unarmed (its attach is missing); the second, whose mount they saw, is
 * whole; with the hooks on all along, both are.
 */
Test(cri, containerd2_app_rootfs_unseen_is_unarmed)
{
	struct apps a = { .id = {
		"16a91027243cab134447a97dddcc0d7c5370990aaa45a1d6de16ffc5eb9b7234",
		"52a197d4179870955953acb39feb16a60d44b9239efbe75366cb5c5d3833916f" } };
	struct apps b = a;

	feed_cri2(0, &a);
	for (int i = 0; i < 2; i++)
		cr_expect(a.attach[i] && !a.unarmed[i], "app %d: attach %d "
			  "unarmed %d, hooks on all along", i, a.attach[i],
			  a.unarmed[i]);
	feed_cri2(cri2_create_of(b.id[0]) - 1000, &b);
	cr_expect(!b.attach[0] && b.unarmed[0], "app 0: attach %d unarmed %d",
		  b.attach[0], b.unarmed[0]);
	cr_expect(b.attach[1] && !b.unarmed[1], "app 1: attach %d unarmed %d",
		  b.attach[1], b.unarmed[1]);
}
