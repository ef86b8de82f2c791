// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The prepare phase (user/enrich/prepare.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coldtrace.h"
#include "container.h"
#include "engine.h"
#include "fixture.h"
#include "containerd.h"
#include "prepare.h"
#include "tsession.h"

#define MS	1000000ull
#define MID_A	"aaaa1111"
#define MID_B	"bbbb2222"

/* A mkdir of dockerd's (CT_EV_MKDIR) or containerd's (CT_EV_CMKDIR). */
static void dir_ev(struct ct_prepare *p, uint32_t type, uint64_t ms,
		   const char *path, int64_t ret)
{
	struct ct_mkdir m = { 0 };

	m.hdr.ts_ns = ms * MS + 10;
	m.hdr.type = type;
	m.hdr.size = sizeof(m);
	m.start_ns = ms * MS;
	m.ret = ret;
	snprintf(m.path, sizeof(m.path), "%s", path);
	cr_assert_eq(ct_prepare_feed(p, &m, sizeof(m)), 0);
}

static void mkdir_ev(struct ct_prepare *p, uint64_t ms, const char *path,
		     int64_t ret)
{
	dir_ev(p, CT_EV_MKDIR, ms, path, ret);
}

static void cmkdir_ev(struct ct_prepare *p, uint64_t ms, const char *path)
{
	dir_ev(p, CT_EV_CMKDIR, ms, path, 0);
}

#define TASKS	"/run/containerd/io.containerd.runtime.v2.task/"
#define WORK	"/var/lib/containerd/io.containerd.runtime.v2.task/"
#define SNAPS	"/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/" \
		"snapshots/"

static void mountid_ev(struct ct_prepare *p, const char *id, const char *mid)
{
	struct ct_name_rec r = { 0 };

	r.hdr.type = CT_EV_MOUNTID;
	r.hdr.size = sizeof(r);
	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(r.name, sizeof(r.name), "%s", mid);
	cr_assert_eq(ct_prepare_feed(p, &r, sizeof(r)), 0);
}

static void docker_container(struct ct_container *c, const char *id,
			     uint64_t attach_ms)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->engine = CT_ENG_DOCKER;
	c->phase_mask = 1u << CT_PH_ATTACH;
	c->phases[CT_PH_ATTACH].start_ns = attach_ms * MS;
	c->phases[CT_PH_ATTACH].end_ns = (attach_ms + 10) * MS;
	c->first_ns = attach_ms * MS;
}

/* Two creations interleaved: each gets its own layer's mkdir. */
Test(prepare, docker_by_mount_id)
{
	struct ct_prepare *p = ct_prepare_new(0, fx_model(), fx_engines()->prepare);
	struct ct_container c;

	mkdir_ev(p, 100, "/var/lib/docker/overlay2/" MID_A "-init", 0);
	mkdir_ev(p, 101, "/var/lib/docker/overlay2/" MID_A "-init/diff", 0);
	mkdir_ev(p, 105, "/var/lib/docker/overlay2/" MID_B "-init", 0);
	mkdir_ev(p, 106, "/var/lib/docker/overlay2/" MID_B, 0);
	mkdir_ev(p, 107, "/tmp/x/" MID_B "-init", 0);	/* not overlay2 */
	mountid_ev(p, "c1", MID_B);
	mountid_ev(p, "c2", MID_A);
	docker_container(&c, "c1", 150);
	ct_prepare_apply(p, &c);
	cr_assert(ct_has_phase(&c, CT_PH_PREPARE));
	cr_assert_eq(c.phases[CT_PH_PREPARE].start_ns, 105 * MS);
	cr_assert_eq(c.phases[CT_PH_PREPARE].end_ns, 150 * MS);
	cr_assert_eq(c.first_ns, 105 * MS, "the record starts with it");
	docker_container(&c, "c2", 140);
	ct_prepare_apply(p, &c);
	cr_assert_eq(c.phases[CT_PH_PREPARE].start_ns, 100 * MS);
	/* unknown mount id, or no mkdir: no prepare */
	docker_container(&c, "c3", 140);
	ct_prepare_apply(p, &c);
	cr_assert_not(ct_has_phase(&c, CT_PH_PREPARE));
	ct_prepare_free(p);
}

Test(prepare, ctr_run_ids)
{
	static const char a1[] = "ctr\0--address\0/run/c.sock\0-n\0default\0"
				 "run\0--rm\0--snapshotter\0overlayfs\0"
				 "docker.io/x/y:latest\0myid\0true";
	static const char a2[] = "/usr/bin/ctr\0run\0--env=A=1\0img\0id2";
	static const char a3[] = "ctr\0images\0pull\0img";
	static const char a4[] = "runc\0run\0img\0id";
	char id[CT_ID_LEN];

	cr_assert_eq(ct_ctr_run_id(a1, sizeof(a1), id, sizeof(id)), 0);
	cr_assert_str_eq(id, "myid");
	cr_assert_eq(ct_ctr_run_id(a2, sizeof(a2), id, sizeof(id)), 0);
	cr_assert_str_eq(id, "id2");
	cr_assert_eq(ct_ctr_run_id(a3, sizeof(a3), id, sizeof(id)),
		     -EINVAL);
	cr_assert_eq(ct_ctr_run_id(a4, sizeof(a4), id, sizeof(id)),
		     -EINVAL);
	cr_assert_eq(ct_ctr_run_id(a2, sizeof(a2) - 1, id, sizeof(id)),
		     -EINVAL, "last argument cut");
}

/* "ctr [G V] run [F [V]] IMG theid true" -> theid, with G a global
 * flag, F a flag of run; V after a flag that takes a value. */
static void ctr_flag_case(const char *flag, bool value, bool global,
			  const char *file)
{
	char a[256], id[CT_ID_LEN];
	size_t n = 0;

#define ADD(x) (n += (size_t)snprintf(a + n, sizeof(a) - n, "%s", x) + 1)
	ADD("ctr");
	if (global)
		ADD(flag);
	if (global && value)
		ADD("v1");
	ADD("run");
	if (!global)
		ADD(flag);
	if (!global && value)
		ADD("v2");
	ADD("docker.io/x/y:latest");
	ADD("theid");
	ADD("true");
#undef ADD
	cr_assert_lt(n, sizeof(a));
	cr_expect_eq(ct_ctr_run_id(a, n, id, sizeof(id)), 0, "%s %s", file,
		     flag);
	cr_expect_str_eq(id, "theid", "%s: %s%s", file, flag,
			 value ? " VALUE" : "");
}

/* The flags of one ctr --help: "   --name value, -n value   Usage". */
static int ctr_help_flags(const char *file, bool global)
{
	char path[128], line[512];
	int cases = 0;
	FILE *f;

	snprintf(path, sizeof(path), "tests/fixtures/%s", file);
	f = fopen(path, "r");
	cr_assert(f, "%s missing", path);
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " "), *end, *tok, *save;

		if (p == line || *p != '-')
			continue;
		end = strstr(p, "  ");
		if (end)
			*end = '\0';
		p[strcspn(p, "\n")] = '\0';
		for (tok = strtok_r(p, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			char name[64];
			bool value;

			tok += strspn(tok, " ");
			value = strchr(tok, ' ') != NULL;
			snprintf(name, sizeof(name), "%.*s",
				 (int)strcspn(tok, " "), tok);
			if (!strcmp(name, "--help") || !strcmp(name, "-h") ||
			    !strcmp(name, "--version") || !strcmp(name, "-v"))
				continue;	/* ctr runs nothing then */
			ctr_flag_case(name, value, global, file);
			cases++;
		}
	}
	fclose(f);
	return cases;
}

/* Every flag of ctr 1.6, 1.7 and 2.1 (their --help, space-separated
 * values): `ctr run --runc-binary /usr/bin/crun IMAGE ID` read
 * /usr/bin/crun as the image and IMAGE as the id. */
Test(prepare, ctr_every_flag)
{
	static const char *const runs[] = { "ctr-run-help-1.6.txt",
					    "ctr-run-help-1.7.txt",
					    "ctr-run-help-2.1.txt" };
	static const char *const globals[] = { "ctr-help-1.6.txt",
					       "ctr-help-2.1.txt" };

	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
		cr_expect_gt(ctr_help_flags(runs[i], false), 40, "%s",
			     runs[i]);
	for (size_t i = 0; i < sizeof(globals) / sizeof(globals[0]); i++)
		cr_expect_gt(ctr_help_flags(globals[i], true), 5, "%s",
			     globals[i]);
}

static void exec_ev(struct ct_prepare *p, uint64_t ms, uint32_t pid,
		    uint32_t ppid, const char *args, size_t len)
{
	static struct ct_exec x;

	memset(&x, 0, sizeof(x));
	x.hdr.ts_ns = ms * MS;
	x.hdr.type = CT_EV_EXEC;
	x.hdr.size = sizeof(x);
	x.hdr.pid = pid;
	x.hdr.ppid = ppid;
	x.args_len = (uint32_t)len;
	memcpy(x.args, args, len);
	ct_procs_feed(fx_model(), &x, sizeof(x));
	cr_assert_eq(ct_prepare_feed(p, &x, sizeof(x)), 0);
}

/* A podman client's argv, and the conmon it runs for container pm1. */
static const char podman_run[] = "podman\0run\0--rm\0img\0true";
static const char conmon_pm1[] = "/usr/bin/conmon\0--api-version\0" "1\0"
				 "-c\0pm1\0-n\0web";

/* Podman's container id attached at attach_ms, prepare applied. */
static void podman_applied(struct ct_prepare *p, struct ct_container *c,
			   const char *id, uint64_t attach_ms)
{
	docker_container(c, id, attach_ms);
	c->engine = CT_ENG_PODMAN;
	ct_prepare_apply(p, c);
}

/* The podman client's run is named by its conmon child. */
Test(prepare, podman_by_conmon_parent)
{
	static const char probe[] = "/usr/bin/conmon\0--version";
	struct ct_prepare *p = ct_prepare_new(0, fx_model(), fx_engines()->prepare);
	struct ct_container c;

	exec_ev(p, 100, 50, 1, podman_run, sizeof(podman_run));
	exec_ev(p, 110, 51, 50, probe, sizeof(probe));
	exec_ev(p, 150, 52, 50, conmon_pm1, sizeof(conmon_pm1));
	/* not a client's */
	exec_ev(p, 160, 61, 60, conmon_pm1, sizeof(conmon_pm1));
	podman_applied(p, &c, "pm1", 170);
	cr_assert(ct_has_phase(&c, CT_PH_PREPARE));
	cr_expect_eq(c.phases[CT_PH_PREPARE].start_ns, 100 * MS);
	cr_expect_eq(c.phases[CT_PH_PREPARE].end_ns, 170 * MS);
	cr_expect_eq(c.prepare_missing, CT_PREP_OK);
	/* no client began it (podman system service): said, not silent */
	podman_applied(p, &c, "pm2", 170);
	cr_expect_not(ct_has_phase(&c, CT_PH_PREPARE));
	cr_expect_eq(c.prepare_missing, CT_PREP_NO_CLIENT);
	cr_expect_not_null(ct_prepare_missing_reason(c.prepare_missing));
	ct_prepare_free(p);
}

Test(prepare, bad_records)
{
	struct ct_prepare *p = ct_prepare_new(0, fx_model(), fx_engines()->prepare);
	struct ct_mkdir m = { 0 };

	m.hdr.type = CT_EV_MKDIR;
	m.hdr.size = sizeof(m.hdr);
	cr_assert_eq(ct_prepare_feed(p, &m, sizeof(m)), -EINVAL);
	m.hdr.size = sizeof(m);
	cr_assert_eq(ct_prepare_feed(p, &m, sizeof(m) - 1), -EINVAL);
	memset(m.path, 'a', sizeof(m.path));	/* not terminated: cut */
	cr_assert_eq(ct_prepare_feed(p, &m, sizeof(m)), 0);
	ct_prepare_free(p);
}

/* ---- recordings ---- */

/* docker: prepare ends at attach and starts before docker's create event */
Test(prepare, recording_docker)
{
	struct ts_result r;
	uint64_t created;

	ts_replay("docker-prepare", CT_READY_LISTEN, &r);
	created = ts_sidecar_u64str(&r, "create_event_ns");
	cr_assert(ct_has_phase(&r.c, CT_PH_PREPARE));
	cr_assert_gt(ct_phase_dur(&r.c, CT_PH_PREPARE), 0);
	cr_assert_eq(r.c.phases[CT_PH_PREPARE].end_ns,
		     r.c.phases[CT_PH_ATTACH].start_ns);
	cr_assert_eq(r.c.first_ns, r.c.phases[CT_PH_PREPARE].start_ns);
	cr_assert_leq(r.c.first_ns, created, "first phase after docker's "
		      "create event");
	ts_free(&r);
}

/* c's prepare has step st */
static bool has_step(const struct ct_container *c, enum ct_step st)
{
	const struct ct_steps *s = ct_steps_of(c, CT_PH_PREPARE);

	for (unsigned int i = 0; i < s->n; i++)
		if (s->step[i] == st)
			return true;
	return false;
}

/*
 * Recordings made before dockerd's probes (docs/phases.md "Missing
 * steps"): a run whose creation lies in its prepare after its request
 * has no image step, said "unprobed"; a docker start (its creation
 * before its prepare) expects none and says nothing; no other step is
 * said missing.
 */
Test(prepare, recording_docker_image_unprobed)
{
	static const char *const names[] = { "docker-client", "docker-start" };
	struct ts_all a;
	int runs = 0, starts = 0;

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		ts_replay_all(names[k], &a);
		for (size_t i = 0; i < a.n; i++) {
			const struct ct_container *c = &a.c[i];
			const struct ct_steps *s = ct_steps_of(c, CT_PH_PREPARE);
			bool asked = has_step(c, CT_STEP_REQUEST);
			bool run = asked && !c->client.is_start;

			cr_expect(!has_step(c, CT_STEP_IMAGE));
			cr_expect_eq(s->missing[CT_STEP_IMAGE],
				     run ? CT_MISS_UNPROBED : CT_MISS_NONE,
				     "%s %zu", names[k], i);
			for (unsigned int st = 0; st < CT_STEP_MAX; st++)
				cr_expect(st == CT_STEP_IMAGE || !s->missing[st]);
			runs += run;
			starts += asked && c->client.is_start;
		}
		ts_all_free(&a);
	}
	cr_expect_geq(runs, 2, "%d runs", runs);
	cr_expect_geq(starts, 1, "%d starts", starts);
}

/* Replays name: a prepare phase that ends where attach begins. */
static void prepare_to_attach(const char *name, struct ts_result *r)
{
	ts_replay(name, CT_READY_LISTEN, r);
	cr_expect(ct_has_phase(&r->c, CT_PH_PREPARE), "%s", name);
	cr_expect_gt(ct_phase_dur(&r->c, CT_PH_PREPARE), 0, "%s", name);
	cr_expect_eq(r->c.phases[CT_PH_PREPARE].end_ns,
		     r->c.phases[CT_PH_ATTACH].start_ns, "%s", name);
}

/* A conmon whose parent runs another program than the podman client
 * that had its pid (pid reused) is not that client's: no prepare. */
Test(prepare, podman_pid_reused_is_not_the_client)
{
	static const char sh[] = "/bin/sh\0-c\0x";
	struct ct_prepare *p = ct_prepare_new(0, fx_model(), fx_engines()->prepare);
	struct ct_container c;

	exec_ev(p, 100, 50, 1, podman_run, sizeof(podman_run));
	exec_ev(p, 130, 50, 1, sh, sizeof(sh));
	exec_ev(p, 150, 52, 50, conmon_pm1, sizeof(conmon_pm1));
	podman_applied(p, &c, "pm1", 170);
	cr_expect_not(ct_has_phase(&c, CT_PH_PREPARE));
	cr_expect_eq(c.prepare_missing, CT_PREP_NO_CLIENT);
	ct_prepare_free(p);
}

/* A mount by pid, as the kernel records it (comm: the program's). */
static void mount_ev(struct ct_prepare *p, uint64_t ms, uint32_t pid,
		     const char *comm, const char *target)
{
	struct ct_mount m;

	memset(&m, 0, sizeof(m));
	m.hdr.ts_ns = ms * MS;
	m.hdr.type = CT_EV_MOUNT;
	m.hdr.size = sizeof(m);
	m.hdr.pid = m.hdr.tid = pid;
	snprintf(m.hdr.comm, sizeof(m.hdr.comm), "%s", comm);
	snprintf(m.target, sizeof(m.target), "%s", target);
	cr_assert_eq(ct_prepare_feed(p, &m, sizeof(m)), 0);
}

#define PM_ID	"be214247b4bef50be4f813902165a11d08e7cdeed5f0aa056e5f4b89e61876c0"
#define PM_ROOT	"/var/lib/containers/storage"

/* A podman client of argv (pid 50) at 100 ms: its storage's mount at
 * 120, another podman's (pid 70: not a run's) at 121, its own second at
 * 125, its container's shm at 150, its conmon at 165; applied with
 * attach at 170. */
static void podman_steps_of(const char *argv, size_t len,
			    struct ct_container *c)
{
	static const char conmon[] = "/usr/bin/conmon\0--api-version\0" "1\0"
				     "-c\0" PM_ID "\0-n\0web";
	static const char cleanup[] = "podman\0container\0cleanup\0" PM_ID;
	struct ct_prepare *p = ct_prepare_new(0, fx_model(),
					      fx_engines()->prepare);

	exec_ev(p, 100, 50, 1, argv, len);
	exec_ev(p, 101, 70, 1, cleanup, sizeof(cleanup));
	mount_ev(p, 120, 50, "podman", PM_ROOT "/overlay");
	mount_ev(p, 121, 70, "podman", PM_ROOT "/overlay");
	mount_ev(p, 125, 50, "podman", PM_ROOT "/overlay");
	mount_ev(p, 150, 50, "podman",
		 PM_ROOT "/overlay-containers/" PM_ID "/userdata/shm");
	exec_ev(p, 165, 52, 50, conmon, sizeof(conmon));
	podman_applied(p, c, PM_ID, 170);
	ct_prepare_free(p);
}

/*
 * Podman's steps by the client's own mounts (docs/phases.md "prepare's
 * steps"): its first ends its start-up (client), the shm mount naming
 * its container begins the setup, conmon's exec ends it; between them a
 * run's storage work (layer).  A start makes no layer: client, setup.
 */
Test(prepare, podman_steps)
{
	static const char start[] = "podman\0start\0web";
	const struct ct_steps *s;
	struct ct_container c;

	podman_steps_of(podman_run, sizeof(podman_run), &c);
	s = ct_steps_of(&c, CT_PH_PREPARE);
	cr_assert_eq(s->n, 3, "%u steps", s->n);
	cr_expect_eq(s->step[0], CT_STEP_CLIENT);
	cr_expect_eq(s->start_ns[0], 100 * MS);
	cr_expect_eq(s->step[1], CT_STEP_LAYER);
	cr_expect_eq(s->start_ns[1], 120 * MS);
	cr_expect_eq(s->step[2], CT_STEP_SETUP);
	cr_expect_eq(s->start_ns[2], 150 * MS);
	cr_expect_eq(ct_step_end_ns(&c, CT_PH_PREPARE, 2), 170 * MS);
	podman_steps_of(start, sizeof(start), &c);
	s = ct_steps_of(&c, CT_PH_PREPARE);
	cr_assert_eq(s->n, 2, "%u steps", s->n);
	cr_expect_eq(s->step[1], CT_STEP_SETUP);
	cr_expect_eq(ct_step_dur_ns(&c, CT_PH_PREPARE, 0), 50 * MS);
}

/* Podman: prepare ends where attach (conmon's exec) begins, in the
 * three steps of a run, from its client's exec on. */
Test(prepare, recording_podman)
{
	static const char *const names[] = { "podman-runc", "podman-crun",
					     "podman-exit3", "podman-detach",
					     "podman5-crun" };
	struct ts_result r;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct ct_steps *s;

		prepare_to_attach(names[i], &r);
		cr_expect_eq(r.c.first_ns, r.c.phases[CT_PH_PREPARE].start_ns);
		s = ct_steps_of(&r.c, CT_PH_PREPARE);
		cr_expect_eq(s->n, 3, "%s: %u steps", names[i], s->n);
		cr_expect_eq(s->step[1], CT_STEP_LAYER, "%s", names[i]);
		cr_expect_eq(ct_steps_unattributed_ns(&r.c, CT_PH_PREPARE), 0);
		ts_free(&r);
	}
}

/* Podman 4.3: destroy in two steps, delete (the runtime's delete) and
 * unmount (conmon's cleanup podman, from its umount of userdata/shm),
 * covering it. */
Test(prepare, recording_podman_destroy)
{
	static const char *const names[] = { "podman-runc", "podman-crun",
					     "podman-exit3", "podman-detach" };
	struct ts_result r;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct ct_steps *s;

		ts_replay(names[i], CT_READY_LISTEN, &r);
		s = ct_steps_of(&r.c, CT_PH_DESTROY);
		cr_assert_eq(s->n, 2, "%s: %u steps", names[i], s->n);
		cr_expect_eq(s->step[0], CT_STEP_DELETE, "%s", names[i]);
		cr_expect_eq(s->step[1], CT_STEP_UNMOUNT, "%s", names[i]);
		cr_expect_eq(ct_steps_unattributed_ns(&r.c, CT_PH_DESTROY), 0);
		cr_expect_eq(ct_step_end_ns(&r.c, CT_PH_DESTROY, 1),
			     r.c.phases[CT_PH_DESTROY].end_ns, "%s", names[i]);
		ts_free(&r);
	}
}

/* ctr run, also with a value flag before the image (containerd 2.1's
 * ctr, --runc-binary X): prepare from the client's exec to attach. */
Test(prepare, recording_ctr)
{
	static const char *const names[] = { "ctr-runc", "ctr-runc-binary",
					     "ctr-crun-binary" };
	struct ts_result r;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		prepare_to_attach(names[i], &r);
		ts_free(&r);
	}
}

/* ---- created by one request, started by a later one ---- */

#define SEC	1000000000ull

/*
 * docker create at 90 ms (its client exits at 160 ms): dockerd's -init
 * mkdir at 100 ms, its rootfs mount for the volumes at 130 ms; 20 s of
 * nothing; docker start's exec at 20.100 s, dockerd's rootfs mount for
 * it at 20.105 s, the shim (attach) at 20.150 s, the program at 20.300 s.
 */
static struct ct_prepare *created_then_started(void)
{
	struct ct_prepare *p = ct_prepare_new(0, fx_model(), fx_engines()->prepare);

	mkdir_ev(p, 100, "/var/lib/docker/overlay2/" MID_A "-init", 0);
	mkdir_ev(p, 101, "/var/lib/docker/overlay2/" MID_A "-init/merged", 0);
	mkdir_ev(p, 110, "/var/lib/docker/overlay2/" MID_A, 0);
	mkdir_ev(p, 130, "/var/lib/docker/overlay2/" MID_A "/merged", 0);
	mkdir_ev(p, 20105, "/var/lib/docker/overlay2/" MID_A "/merged", 0);
	mountid_ev(p, "c1", MID_A);
	return p;
}

static void started_at(struct ct_container *c, uint64_t attach_ms)
{
	docker_container(c, "c1", attach_ms);
	c->phase_mask |= 1u << CT_PH_RUN;
	c->phases[CT_PH_RUN].start_ns = (attach_ms + 150) * MS;
}

static void start_client(struct ct_container *c, uint64_t exec_ms)
{
	static const char argv[] = "docker\0start\0-a\0c1";

	c->has_client = true;
	c->client.is_start = true;
	c->client.exec_ns = exec_ms * MS;
	memcpy(c->client.args, argv, sizeof(argv));
	c->client.args_len = sizeof(argv);
}

/* The start's record begins at its request: the wait is in no phase. */
Test(prepare, create_wait_start_exact)
{
	struct ct_prepare *p = created_then_started();
	struct ct_container c;

	started_at(&c, 20150);
	start_client(&c, 20100);
	c.creator.start_ns = 90 * MS;
	c.creator.end_ns = 160 * MS;
	ct_prepare_apply(p, &c);
	cr_assert(ct_has_phase(&c, CT_PH_PREPARE));
	cr_expect_eq(c.phases[CT_PH_PREPARE].start_ns, 20100 * MS,
		     "prepare from %.3f s, not the start's request",
		     c.phases[CT_PH_PREPARE].start_ns / 1e9);
	cr_expect_eq(ct_phase_dur(&c, CT_PH_PREPARE), 50 * MS,
		     "prepare %.3f s", ct_phase_dur(&c, CT_PH_PREPARE) / 1e9);
	cr_expect_eq(c.first_ns, 20100 * MS);
	cr_expect_eq(ct_cold_start_ns(&c), 200 * MS, "cold start %.3f s",
		     ct_cold_start_ns(&c) / 1e9);
	cr_assert(c.has_created, "the creation is kept apart");
	cr_expect(c.created.from_client);
	cr_expect_eq(c.created.start_ns, 90 * MS);
	cr_expect_eq(c.created.end_ns, 160 * MS);
	cr_expect_eq(c.prepare_missing, CT_PREP_OK);
	ct_prepare_free(p);
}

/* The create client unknown: dockerd's -init mkdir to its rootfs mkdir
 * of the create; a create request 75 s back drops nothing. */
Test(prepare, create_wait_start_no_creator)
{
	struct ct_prepare *p = created_then_started();
	struct ct_container c;

	started_at(&c, 20150);
	start_client(&c, 20100);
	ct_prepare_apply(p, &c);
	cr_expect_eq(c.phases[CT_PH_PREPARE].start_ns, 20100 * MS);
	cr_assert(c.has_created);
	cr_expect_not(c.created.from_client);
	cr_expect_eq(c.created.start_ns, 100 * MS);
	cr_expect_eq(c.created.end_ns, 130 * MS);
	ct_prepare_free(p);

	p = created_then_started();
	mkdir_ev(p, 75200, "/var/lib/docker/overlay2/" MID_A "/merged", 0);
	started_at(&c, 75250);
	start_client(&c, 75190);
	ct_prepare_apply(p, &c);
	cr_assert(ct_has_phase(&c, CT_PH_PREPARE), "75 s after its creation");
	cr_expect_eq(c.phases[CT_PH_PREPARE].start_ns, 75190 * MS);
	cr_expect_eq(ct_cold_start_ns(&c), 210 * MS);
	cr_expect(c.has_created);
	ct_prepare_free(p);
}

/* No client at all (compose, an SDK): the start begins at dockerd's
 * rootfs mkdir for it, after the create's own. */
Test(prepare, create_wait_start_clientless)
{
	struct ct_prepare *p = created_then_started();
	struct ct_container c;

	started_at(&c, 20150);
	ct_prepare_apply(p, &c);
	cr_expect_eq(c.phases[CT_PH_PREPARE].start_ns, 20105 * MS,
		     "prepare from %.3f s", c.phases[CT_PH_PREPARE].start_ns / 1e9);
	cr_expect_eq(ct_cold_start_ns(&c), 195 * MS);
	cr_assert(c.has_created);
	cr_expect_not(c.created.from_client);
	cr_expect_eq(c.created.start_ns, 100 * MS);
	cr_expect_eq(c.created.end_ns, 130 * MS);
	ct_prepare_free(p);
}

/* One request made and started it (docker run, exact or ambiguous): as
 * before, from the request (or the -init mkdir) to the shim. */
Test(prepare, run_is_one_request)
{
	static const char run[] = "docker\0run\0img\0true";
	struct ct_prepare *p = ct_prepare_new(0, fx_model(), fx_engines()->prepare);
	struct ct_container c;

	mkdir_ev(p, 100, "/var/lib/docker/overlay2/" MID_A "-init", 0);
	mkdir_ev(p, 130, "/var/lib/docker/overlay2/" MID_A "/merged", 0);
	mkdir_ev(p, 240, "/var/lib/docker/overlay2/" MID_A "/merged", 0);
	mountid_ev(p, "c1", MID_A);
	started_at(&c, 250);
	c.has_client = true;
	c.client.exec_ns = 80 * MS;
	memcpy(c.client.args, run, sizeof(run));
	c.client.args_len = sizeof(run);
	ct_prepare_apply(p, &c);
	cr_expect_eq(c.phases[CT_PH_PREPARE].start_ns, 80 * MS);
	cr_expect_not(c.has_created);
	started_at(&c, 250);
	c.client_ambiguous = true;
	ct_prepare_apply(p, &c);
	cr_expect_eq(c.phases[CT_PH_PREPARE].start_ns, 100 * MS);
	cr_expect_not(c.has_created);
	ct_prepare_free(p);
}

/* No client, one rootfs mkdir (the create's and the start's cannot be
 * told apart): as before; past 60 s, the record says what is missing. */
Test(prepare, clientless_without_start_mark)
{
	struct ct_prepare *p = ct_prepare_new(0, fx_model(), fx_engines()->prepare);
	struct ct_container c;

	mkdir_ev(p, 100, "/var/lib/docker/overlay2/" MID_A "-init", 0);
	mkdir_ev(p, 130, "/var/lib/docker/overlay2/" MID_A "/merged", 0);
	mountid_ev(p, "c1", MID_A);
	started_at(&c, 250);
	ct_prepare_apply(p, &c);
	cr_expect_eq(c.phases[CT_PH_PREPARE].start_ns, 100 * MS);
	cr_expect_not(c.has_created);
	started_at(&c, 75 * SEC / MS);
	ct_prepare_apply(p, &c);
	cr_expect_not(ct_has_phase(&c, CT_PH_PREPARE));
	cr_expect_eq(c.prepare_missing, CT_PREP_NO_START,
		     "a creation 75 s back is not dropped unsaid");
	ct_prepare_free(p);
}

/* ---- prepare's steps (docs/phases.md "prepare's steps") ---- */

#define CID	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"
#define CID2	"fedcba9876543210fedcba9876543210" \
		"fedcba9876543210fedcba9876543210"

static void run_client(struct ct_container *c, uint64_t exec_ms,
		       uint64_t connect_ms)
{
	static const char argv[] = "docker\0run\0img";

	c->has_client = true;
	c->client.exec_ns = exec_ms * MS;
	c->client.request_ns = connect_ms * MS;
	memcpy(c->client.args, argv, sizeof(argv));
	c->client.args_len = sizeof(argv);
}

/*
 * A docker run: the client's exec at 50 ms, its connect at 60, the
 * -init mkdir at 100, containers/<id> at 120, the create's rootfs
 * mkdir at 125 and the start's at 140, the FIFOs' directory at 160,
 * containerd's bundle at 170, the shim at 180: seven steps covering
 * prepare; another container's marks and a mark past the shim are not
 * its, nor containerd's directories of the namespace or in the bundle.
 */
Test(prepare, docker_steps_of_a_run)
{
	struct ct_prepare *p = ct_prepare_new(0, fx_model(), fx_engines()->prepare);
	static const uint64_t at[] = { 50, 60, 100, 120, 140, 160, 170 };
	static const char *const name[] = { "client", "request", "layer",
					    "config", "setup", "task",
					    "bundle" };
	struct ct_container c;

	mkdir_ev(p, 100, "/d/overlay2/" MID_A "-init", 0);
	mkdir_ev(p, 110, "/d/overlay2/" MID_A, 0);
	mkdir_ev(p, 120, "/d/containers/" CID, 0);
	mkdir_ev(p, 121, "/d/containers/" CID "/checkpoints", 0);
	mkdir_ev(p, 125, "/d/overlay2/" MID_A "/merged", 0);
	mkdir_ev(p, 130, "/d/containers/" CID2, 0);	/* another's */
	mkdir_ev(p, 135, "/run/docker/containerd/" CID2, 0);
	mkdir_ev(p, 140, "/d/overlay2/" MID_A "/merged", 0);
	mkdir_ev(p, 160, "/run/docker/containerd/" CID, 0);
	cmkdir_ev(p, 165, TASKS "moby/" CID2);		/* another's */
	cmkdir_ev(p, 169, TASKS "moby");
	cmkdir_ev(p, 170, TASKS "moby/" CID);
	cmkdir_ev(p, 171, TASKS "moby/" CID "/rootfs");
	cmkdir_ev(p, 172, WORK "moby/" CID);
	mkdir_ev(p, 190, "/run/docker/containerd/" CID, -17);	/* failed */
	mkdir_ev(p, 200, "/d/overlay2/" MID_A "/merged", 0);	/* later */
	mountid_ev(p, CID, MID_A);
	docker_container(&c, CID, 180);
	run_client(&c, 50, 60);
	ct_prepare_apply(p, &c);
	cr_assert_eq(c.steps[0].n, 7, "%u steps", c.steps[0].n);
	for (unsigned int i = 0; i < 7; i++) {
		cr_expect_str_eq(ct_step_name(c.steps[0].step[i]), name[i]);
		cr_expect_eq(c.steps[0].start_ns[i], at[i] * MS, "%s at %.1f ms",
			     name[i], c.steps[0].start_ns[i] / 1e6);
	}
	cr_expect_eq(ct_step_end_ns(&c, CT_PH_PREPARE, 6), 180 * MS, "bundle ends at the shim");
	cr_expect_eq(ct_steps_unattributed_ns(&c, CT_PH_PREPARE), 0);
	ct_prepare_free(p);
}

/* dockerd's entry into containerCreate by thread tid at ns, or the
 * session's placement of new probes (CT_UFN_PLACED). */
static void dockerd_ufn(struct ct_prepare *p, uint64_t ns, enum ct_ufn_fn fn,
			uint32_t tid)
{
	struct ct_ufn u;

	memset(&u, 0, sizeof(u));
	u.hdr.ts_ns = ns;
	u.hdr.type = CT_EV_UFN;
	u.hdr.size = sizeof(u);
	u.hdr.tid = tid;
	snprintf(u.hdr.comm, sizeof(u.hdr.comm), "dockerd");
	u.fn = fn;
	cr_assert_eq(ct_prepare_feed(p, &u, sizeof(u)), 0);
}

/* A docker run's image step, or 0 and why (*why: its name, NULL if
 * none): the client's connect at 60 ms, its -init mkdir at 100; the
 * probes placed at placed_ms (0: never), the entries into
 * containerCreate at ms[0..n) by threads tid[]. */
static uint64_t image_step_of(uint64_t placed_ms, const uint64_t *ns,
			      const uint32_t *tid, size_t n, const char **why)
{
	struct ct_prepare *p = ct_prepare_new(0, fx_model(), fx_engines()->prepare);
	struct ct_container c;
	uint64_t t = 0;

	if (placed_ms)
		dockerd_ufn(p, placed_ms * MS, CT_UFN_PLACED, 1);
	for (size_t i = 0; i < n; i++)
		dockerd_ufn(p, ns[i], CT_UFN_DOCKER_CREATE, tid[i]);
	mkdir_ev(p, 100, "/d/overlay2/" MID_A "-init", 0);
	mkdir_ev(p, 120, "/d/containers/" CID, 0);
	mountid_ev(p, CID, MID_A);
	docker_container(&c, CID, 180);
	run_client(&c, 50, 60);
	ct_prepare_apply(p, &c);
	for (unsigned int i = 0; i < c.steps[0].n; i++)
		if (c.steps[0].step[i] == CT_STEP_IMAGE)
			t = c.steps[0].start_ns[i];
	if (t)
		cr_expect_eq(c.steps[0].step[1], CT_STEP_REQUEST);
	*why = ct_step_missing_name(c.steps[0].missing[CT_STEP_IMAGE]);
	cr_expect(!t || !*why, "a step said has no reason");
	cr_expect_null(ct_step_missing_name(c.steps[0].missing[CT_STEP_LAYER]));
	ct_prepare_free(p);
	return t;
}

/*
 * dockerd's entry into containerCreate names no container: a run's is
 * the only one between its request and its layer (its second run on
 * the same thread 10 us later is Go's stack growth, not another), with
 * the probes placed before that window and not within it.  Without it,
 * the record says why (docs/phases.md "Missing steps").
 */
Test(prepare, docker_image_step)
{
	const uint64_t one[] = { 80 * MS, 80 * MS + 10000 };
	const uint32_t same[] = { 7, 7 }, other[] = { 7, 8 };
	const uint64_t two[] = { 80 * MS, 90 * MS };
	const char *why;

	cr_expect_eq(image_step_of(10, one, same, 2, &why), 80 * MS);
	cr_expect_null(why);
	cr_expect_eq(image_step_of(10, one, other, 2, &why), 0,
		     "two threads: two requests, whose is which unknown");
	cr_expect_str_eq(why, "shared");
	cr_expect_eq(image_step_of(10, two, same, 2, &why), 0,
		     "the same thread 10 ms later: another request");
	cr_expect_str_eq(why, "shared");
	cr_expect_eq(image_step_of(70, two, same, 2, &why), 0,
		     "two seen: shared, probes placed meanwhile or not");
	cr_expect_str_eq(why, "shared");
	cr_expect_eq(image_step_of(70, one, same, 1, &why), 0,
		     "probes placed inside the window: one may be missing");
	cr_expect_str_eq(why, "reprobed");
	cr_expect_eq(image_step_of(0, one, same, 1, &why), 0, "never placed");
	cr_expect_str_eq(why, "unprobed");
	cr_expect_eq(image_step_of(10, two + 1, same, 0, &why), 0, "no entry");
	cr_expect_str_eq(why, "unseen");
}

/* The steps of c's prepare, and the names of those missing with their
 * reasons ("image shared,layer shared"), into buf. */
static void missing_of(const struct ct_container *c, char *buf, size_t n)
{
	const struct ct_steps *s = ct_steps_of(c, CT_PH_PREPARE);
	size_t len = 0;

	buf[0] = 0;
	for (unsigned int st = 0; st < CT_STEP_MAX && len < n; st++)
		if (ct_step_missing_name(s->missing[st]))
			len += (size_t)snprintf(buf + len, n - len, "%s%s %s",
						len ? "," : "", ct_step_name(st),
						ct_step_missing_name(s->missing[st]));
}

/*
 * Docker on containerd's image store, after its snapshots: containers/<id>
 * at 120 ms, the create's and the start's rootfs mount points at 125 and
 * 140 (another's at 130), the FIFOs' directory at 160, the bundle at
 * 170; the run's client at 50 (its connect at 60), the shim at 180.
 */
static void cstore_run(struct ct_prepare *p, struct ct_container *c)
{
	mkdir_ev(p, 120, "/d/containers/" CID, 0);
	mkdir_ev(p, 125, "/d/rootfs/overlayfs/" CID, 0);
	mkdir_ev(p, 130, "/d/rootfs/overlayfs/" CID2, 0);
	mkdir_ev(p, 140, "/d/rootfs/overlayfs/" CID, 0);
	mkdir_ev(p, 160, "/run/docker/containerd/" CID, 0);
	cmkdir_ev(p, 170, TASKS "moby/" CID);
	docker_container(c, CID, 180);
	run_client(c, 50, 60);
	c->first_ns = 180 * MS;
	ct_prepare_apply(p, c);
}

/*
 * Docker with containerd's image store: no overlay2 layer; its layer is
 * containerd's first of the container's two snapshots (not told with a
 * third, another client's, among them), its setup the start's mount
 * point rootfs/<snapshotter>/<id> (the last, after containers/<id>).
 */
Test(prepare, docker_steps_cstore)
{
	static const uint64_t at[] = { 50, 60, 100, 120, 140, 160, 170 };
	struct ct_prepare *p;
	struct ct_container c;
	char why[64];

	for (int extra = 0; extra < 2; extra++) {
		p = ct_prepare_new(0, fx_model(), fx_engines()->prepare);
		cmkdir_ev(p, 100, SNAPS "new-1");
		cmkdir_ev(p, 110, SNAPS "new-2");
		if (extra)
			cmkdir_ev(p, 115, SNAPS "new-3");
		cstore_run(p, &c);
		cr_assert_eq(c.steps[0].n, 7 - extra, "%u steps", c.steps[0].n);
		for (unsigned int i = 0, k = 0; i < 7; i++) {
			if (extra && i == 2)
				continue;	/* no layer */
			cr_expect_eq(c.steps[0].start_ns[k], at[i] * MS,
				     "step %u at %.1f ms", i,
				     c.steps[0].start_ns[k] / 1e6);
			k++;
		}
		missing_of(&c, why, sizeof(why));
		cr_expect_str_eq(why, extra ? "layer shared,image unprobed" :
				 "image unprobed", "%s", why);
		ct_prepare_free(p);
	}
}

/*
 * On containerd's image store, a run whose window holds another's
 * snapshots has no layer step: its image step, from its entry into
 * containerCreate, runs on to its directory (config), containers/<id>,
 * which containerCreate makes after its snapshots.  Another's entry in
 * that window too: neither, the reason said.
 */
Test(prepare, docker_image_step_cstore_without_layer)
{
	const uint32_t tid[] = { 7, 8 };
	struct ct_prepare *p;
	struct ct_container c;
	char why[64];

	for (int shared = 0; shared < 2; shared++) {
		p = ct_prepare_new(0, fx_model(), fx_engines()->prepare);
		dockerd_ufn(p, 10 * MS, CT_UFN_PLACED, 1);
		dockerd_ufn(p, 80 * MS, CT_UFN_DOCKER_CREATE, tid[0]);
		if (shared)
			dockerd_ufn(p, 90 * MS, CT_UFN_DOCKER_CREATE, tid[1]);
		for (int i = 0; i < 4; i++)	/* two runs' snapshots */
			cmkdir_ev(p, 100 + 3 * (uint64_t)i, i % 2 ?
				  SNAPS "new-2" : SNAPS "new-1");
		cstore_run(p, &c);
		missing_of(&c, why, sizeof(why));
		cr_assert_eq(c.steps[0].n, 7 - shared, "%u steps", c.steps[0].n);
		cr_expect_eq(c.steps[0].step[2], shared ? CT_STEP_CONFIG :
			     CT_STEP_IMAGE);
		if (!shared) {
			cr_expect_eq(c.steps[0].step[3], CT_STEP_CONFIG);
			cr_expect_eq(c.steps[0].start_ns[2], 80 * MS);
			cr_expect_eq(ct_step_end_ns(&c, CT_PH_PREPARE, 2), 120 * MS,
				     "image runs on to config");
		}
		cr_expect_str_eq(why, shared ? "layer shared,image shared" :
				 "layer shared", "%s", why);
		ct_prepare_free(p);
	}
}

static const char ctr_c1[] = "ctr\0run\0--rm\0img\0c1\0true";

/* ctr run c1: its exec at 50 ms (its connect at 55), the shim at 100. */
static struct ct_prepare *ctr_run(struct ct_container *c)
{
	struct ct_prepare *p = ct_prepare_new(0, fx_model(),
					      fx_engines()->prepare);

	exec_ev(p, 50, 700, 1, ctr_c1, sizeof(ctr_c1));
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "c1");
	c->engine = CT_ENG_CONTAINERD;
	c->phase_mask = 1u << CT_PH_ATTACH;
	c->phases[CT_PH_ATTACH].start_ns = 100 * MS;
	c->phases[CT_PH_ATTACH].end_ns = 110 * MS;
	c->first_ns = 100 * MS;
	c->has_client = true;
	c->client.exec_ns = 50 * MS;
	c->client.request_ns = 55 * MS;
	return p;
}

/*
 * A ctr run's steps: client, request, its snapshot's mkdir (the one
 * made between the request and the bundle; its own directories are not
 * new ones), containerd's bundle of c1 (not of c1 in another place).
 */
Test(prepare, ctr_steps_of_a_run)
{
	static const uint64_t at[] = { 50, 55, 70, 90 };
	static const enum ct_step st[] = { CT_STEP_CLIENT, CT_STEP_REQUEST,
					   CT_STEP_LAYER, CT_STEP_BUNDLE };
	struct ct_container c;
	struct ct_prepare *p = ctr_run(&c);

	cmkdir_ev(p, 70, SNAPS "new-3568228765");
	cmkdir_ev(p, 71, SNAPS "new-3568228765/fs");
	cmkdir_ev(p, 85, "/elsewhere/default/c1");
	cmkdir_ev(p, 90, TASKS "default/c1");
	cmkdir_ev(p, 92, WORK "default/c1");
	ct_prepare_apply(p, &c);
	cr_assert_eq(c.steps[0].n, 4, "%u steps", c.steps[0].n);
	for (unsigned int i = 0; i < 4; i++) {
		cr_expect_eq(c.steps[0].step[i], st[i], "step %u", i);
		cr_expect_eq(c.steps[0].start_ns[i], at[i] * MS, "%s at %.1f ms",
			     ct_step_name(st[i]), c.steps[0].start_ns[i] / 1e6);
	}
	ct_prepare_free(p);
}

/* Two snapshots made meanwhile (another client's among them): no layer
 * step, said shared, the request runs on to the bundle; no bundle: no
 * steps. */
Test(prepare, ctr_steps_two_snapshots_or_no_bundle)
{
	struct ct_container c;
	struct ct_prepare *p = ctr_run(&c);

	cmkdir_ev(p, 70, SNAPS "new-1");
	cmkdir_ev(p, 75, SNAPS "new-2");
	cmkdir_ev(p, 90, TASKS "default/c1");
	ct_prepare_apply(p, &c);
	cr_assert_eq(c.steps[0].n, 3, "%u steps", c.steps[0].n);
	cr_expect_eq(c.steps[0].step[1], CT_STEP_REQUEST);
	cr_expect_eq(c.steps[0].step[2], CT_STEP_BUNDLE);
	cr_expect_str_eq(ct_step_missing_name(c.steps[0].missing[CT_STEP_LAYER]),
			 "shared");
	ct_prepare_free(p);

	p = ctr_run(&c);
	cmkdir_ev(p, 70, SNAPS "new-1");
	ct_prepare_apply(p, &c);
	cr_expect(ct_has_phase(&c, CT_PH_PREPARE));
	cr_expect_eq(c.steps[0].n, 0, "%u steps", c.steps[0].n);
	ct_prepare_free(p);
}

/* Without a client: from the -init mkdir, no client or request step; a
 * mark missing (no FIFO directory seen): setup runs on to the shim. */
Test(prepare, docker_steps_without_client_or_a_mark)
{
	struct ct_prepare *p = ct_prepare_new(0, fx_model(), fx_engines()->prepare);
	struct ct_container c;

	mkdir_ev(p, 100, "/d/overlay2/" MID_A "-init", 0);
	mkdir_ev(p, 120, "/d/containers/" CID, 0);
	mkdir_ev(p, 140, "/d/overlay2/" MID_A "/merged", 0);
	mountid_ev(p, CID, MID_A);
	docker_container(&c, CID, 180);
	ct_prepare_apply(p, &c);
	cr_assert_eq(c.steps[0].n, 3);
	cr_expect_eq(c.steps[0].step[0], CT_STEP_LAYER);
	cr_expect_eq(c.steps[0].step[2], CT_STEP_SETUP);
	cr_expect_eq(ct_step_end_ns(&c, CT_PH_PREPARE, 2) - c.steps[0].start_ns[2], 40 * MS);
	cr_expect_eq(c.steps[0].missing[CT_STEP_IMAGE], CT_MISS_NONE,
		     "begun at its layer: no image expected");
	ct_prepare_free(p);
}

/* A docker start of a created container: its prepare from the start's
 * client; the creation's marks, before it, are no step of it. */
Test(prepare, docker_steps_of_a_start)
{
	struct ct_prepare *p = created_then_started();
	struct ct_container c;

	started_at(&c, 20150);
	start_client(&c, 20100);
	c.client.request_ns = 20102 * MS;
	ct_prepare_apply(p, &c);
	cr_assert(c.has_created);
	cr_assert_eq(c.steps[0].n, 3, "%u steps", c.steps[0].n);
	cr_expect_eq(c.steps[0].step[0], CT_STEP_CLIENT);
	cr_expect_eq(c.steps[0].step[1], CT_STEP_REQUEST);
	cr_expect_eq(c.steps[0].step[2], CT_STEP_SETUP);
	cr_expect_eq(c.steps[0].start_ns[2], 20105 * MS);
	for (unsigned int st = 0; st < CT_STEP_MAX; st++)
		cr_expect_eq(c.steps[0].missing[st], CT_MISS_NONE,
			     "its creation apart: no image, no reason");
	ct_prepare_free(p);
}

#define POD	"9ae2c6ee55f3e2684675a3c3e2edd09a7f7763b8f235cc1961fcc77f867ab9ba"
#define APP	"d273fca5bab5b3d28f5e829eb11716d07ea7045b293b8ebc35392d42a52bf6f1"
#define CRI_ROOT "/var/lib/containerd/io.containerd.grpc.v1.cri/"
#define CRI_STATE "/run/containerd/io.containerd.grpc.v1.cri/"
#define NETNS	"/var/run/netns/cni-b7aa7d45-0c3f-b97e-1107-d3fd93add1ce"

/* containerd's bind mount of a netns to be (its src the thread's). */
static void netns_ev(struct ct_prepare *p, uint64_t ms, const char *target)
{
	struct ct_mount m;

	memset(&m, 0, sizeof(m));
	m.hdr.ts_ns = ms * MS;
	m.hdr.type = CT_EV_MOUNT;
	m.hdr.size = sizeof(m);
	snprintf(m.hdr.comm, sizeof(m.hdr.comm), "containerd");
	snprintf(m.source, sizeof(m.source), "/proc/17321/task/17767/ns/net");
	snprintf(m.target, sizeof(m.target), "%s", target);
	cr_assert_eq(ct_prepare_feed(p, &m, sizeof(m)), 0);
}

/* A CNI plugin's environment: its command, sandbox and netns. */
static void cni_env_ev(struct ct_prepare *p, uint64_t ms, const char *cmd,
		       const char *id, const char *netns)
{
	struct ct_cni_env e;
	int n;

	memset(&e, 0, sizeof(e));
	e.hdr.ts_ns = ms * MS;
	e.hdr.type = CT_EV_CNI_ENV;
	e.hdr.size = sizeof(e);
	n = snprintf(e.env, sizeof(e.env), "PATH=/bin%cCNI_COMMAND=%s%c"
		     "CNI_CONTAINERID=%s%cCNI_NETNS=%s", 0, cmd, 0, id, 0,
		     netns);
	e.env_len = (uint32_t)n + 1;
	cr_assert_eq(ct_prepare_feed(p, &e, sizeof(e)), 0);
}

static void arm_ev(struct ct_prepare *p, uint64_t ms, bool armed)
{
	struct ct_arm_rec r;

	memset(&r, 0, sizeof(r));
	r.hdr.ts_ns = ms * MS;
	r.hdr.type = CT_EV_ARM;
	r.hdr.size = sizeof(r);
	r.armed = armed;
	cr_assert_eq(ct_prepare_feed(p, &r, sizeof(r)), 0);
}

/* A CRI record of id whose first phase begins at first_ms. */
static void cri_container(struct ct_container *c, const char *id,
			  bool pod, uint64_t first_ms)
{
	docker_container(c, id, first_ms);
	c->engine = CT_ENG_CRI;
	c->is_pod = pod;
}

static void expect_steps(const struct ct_container *c, unsigned int n,
			 const enum ct_step *st, const uint64_t *ms)
{
	const struct ct_steps *s = ct_steps_of(c, CT_PH_PREPARE);

	cr_assert_eq(s->n, n, "%u steps", s->n);
	for (unsigned int i = 0; i < n; i++) {
		cr_expect_eq(s->step[i], st[i], "step %u", i);
		cr_expect_eq(s->start_ns[i], ms[i] * MS, "%s at %.1f ms",
			     ct_step_name(st[i]), s->start_ns[i] / 1e6);
	}
}

/*
 * A pod through containerd 1.6's CRI (docs/phases.md "prepare's steps"):
 * RunPodSandbox's directories of the sandbox (root, then state), its shm
 * mount, then the netns bind-mounted, which its ADD names; prepare ends
 * at the ADD (connect).  Another pod's netns mount in between is not
 * this one's.  A directory of another kind or not an id is no mark.
 */
Test(prepare, cri_pod_steps)
{
	static const enum ct_step st[] = { CT_STEP_CONFIG, CT_STEP_NETWORK };
	static const uint64_t at[] = { 103, 106 };
	struct ct_prepare *p = ct_prepare_new(0, fx_model(),
					      fx_engines()->prepare);
	struct ct_container c;

	cmkdir_ev(p, 101, CRI_ROOT "sandboxes/" POD "x");
	cmkdir_ev(p, 102, CRI_ROOT "images/" POD);
	cmkdir_ev(p, 103, CRI_ROOT "sandboxes/" POD);
	cmkdir_ev(p, 104, CRI_STATE "sandboxes/" POD);
	netns_ev(p, 105, "/var/run/netns/cni-0000");
	netns_ev(p, 106, NETNS);
	cni_env_ev(p, 108, "ADD", POD, NETNS);
	cni_env_ev(p, 108, "ADD", POD, "/var/run/netns/cni-0000");
	cri_container(&c, POD, true, 108);
	ct_prepare_apply(p, &c);
	cr_assert(ct_has_phase(&c, CT_PH_PREPARE));
	cr_expect_eq(c.phases[CT_PH_PREPARE].start_ns, 103 * MS);
	cr_expect_eq(c.phases[CT_PH_PREPARE].end_ns, 108 * MS);
	expect_steps(&c, 2, st, at);
	cr_expect_eq(ct_steps_unattributed_ns(&c, CT_PH_PREPARE), 0);
	ct_prepare_free(p);
}

/*
 * containerd 2: the netns and its ADD come before the sandbox's
 * directories and shm, which then are no step of its prepare; a
 * recording made before the CRI's directories were kept: from the shm
 * mount.
 */
Test(prepare, cri_pod_netns_first_or_shm_only)
{
	static const enum ct_step net[] = { CT_STEP_NETWORK };
	static const enum ct_step cfg[] = { CT_STEP_CONFIG };
	static const uint64_t at2[] = { 100 }, at1[] = { 104 };
	struct ct_prepare *p = ct_prepare_new(0, fx_model(),
					      fx_engines()->prepare);
	struct ct_container c;

	netns_ev(p, 100, NETNS);
	cni_env_ev(p, 102, "ADD", POD, NETNS);
	mount_ev(p, 160, 1, "containerd",
		 CRI_STATE "sandboxes/" POD "/shm");
	cri_container(&c, POD, true, 102);
	ct_prepare_apply(p, &c);
	cr_expect_eq(c.phases[CT_PH_PREPARE].start_ns, 100 * MS);
	expect_steps(&c, 1, net, at2);
	ct_prepare_free(p);

	p = ct_prepare_new(0, fx_model(), fx_engines()->prepare);
	mount_ev(p, 104, 1, "containerd", CRI_STATE "sandboxes/" POD "/shm");
	mount_ev(p, 105, 9, "runc:[2:INIT]",
		 CRI_STATE "sandboxes/" APP "/shm");
	cri_container(&c, POD, true, 107);
	ct_prepare_apply(p, &c);
	cr_expect_eq(c.phases[CT_PH_PREPARE].start_ns, 104 * MS);
	expect_steps(&c, 1, cfg, at1);
	cri_container(&c, APP, true, 107);
	ct_prepare_apply(p, &c);
	cr_expect_not(ct_has_phase(&c, CT_PH_PREPARE));
	ct_prepare_free(p);
}

/*
 * An app container: CreateContainer's directories, its snapshot (the one
 * new snapshot between them and its bundle), StartContainer's bundle,
 * the shim's start (attach).  Two snapshots meanwhile: no layer.
 */
Test(prepare, cri_container_steps)
{
	static const enum ct_step st[] = { CT_STEP_CONFIG, CT_STEP_LAYER,
					   CT_STEP_BUNDLE };
	static const uint64_t at[] = { 200, 203, 210 };
	struct ct_prepare *p = ct_prepare_new(0, fx_model(),
					      fx_engines()->prepare);
	struct ct_container c;

	cmkdir_ev(p, 200, CRI_ROOT "containers/" APP);
	cmkdir_ev(p, 201, CRI_STATE "containers/" APP);
	cmkdir_ev(p, 203, SNAPS "new-3568228765");
	cmkdir_ev(p, 210, TASKS "k8s.io/" APP);
	cri_container(&c, APP, false, 215);
	ct_prepare_apply(p, &c);
	cr_expect_eq(c.phases[CT_PH_PREPARE].start_ns, 200 * MS);
	expect_steps(&c, 3, st, at);
	cmkdir_ev(p, 204, SNAPS "new-1111111111");
	cri_container(&c, APP, false, 215);
	ct_prepare_apply(p, &c);
	expect_steps(&c, 2, (const enum ct_step[]){ CT_STEP_CONFIG,
		     CT_STEP_BUNDLE }, (const uint64_t[]){ 200, 210 });
	ct_prepare_free(p);
}

/* containerd's entry into a CRI request naming id, at ns (CT_EV_UFN). */
static void ufn_ev(struct ct_prepare *p, uint64_t ns, enum ct_ufn_fn fn,
		   const char *id, uint32_t id_len)
{
	struct ct_ufn u;

	memset(&u, 0, sizeof(u));
	u.hdr.ts_ns = ns;
	u.hdr.type = CT_EV_UFN;
	u.hdr.size = sizeof(u);
	snprintf(u.hdr.comm, sizeof(u.hdr.comm), "containerd");
	u.fn = fn;
	u.id_len = id_len;
	snprintf(u.id, sizeof(u.id), "%s", id);
	cr_assert_eq(ct_prepare_feed(p, &u, sizeof(u)), 0);
}

#define APP2 "e5f0a3b1c2d4e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f"

/*
 * An app container with containerd's function probes: prepare from its
 * CreateContainer's entry (which names its sandbox; its second entry
 * microseconds later, Go's stack growth, is not its start), `request`
 * to its directory, `task` from its StartContainer's entry (naming it)
 * to the bundle.  The next container of the pod, its entry not seen
 * (the hooks detached and attached since the newest one of its pod):
 * that one is not its start, and its prepare is said unarmed.  An id
 * cut to fit is no mark.
 */
Test(prepare, cri_container_request_and_task)
{
	static const enum ct_step st[] = { CT_STEP_REQUEST, CT_STEP_CONFIG,
					   CT_STEP_LAYER, CT_STEP_TASK,
					   CT_STEP_BUNDLE };
	static const uint64_t at[] = { 198, 200, 203, 208, 210 };
	struct ct_prepare *p = ct_prepare_new(0, fx_model(),
					      fx_engines()->prepare);
	struct ct_container c;

	arm_ev(p, 10, true);
	ufn_ev(p, 198 * MS, CT_UFN_CRI_CREATE, POD, 64);
	ufn_ev(p, 198 * MS + 5000, CT_UFN_CRI_CREATE, POD, 64);
	ufn_ev(p, 199 * MS, CT_UFN_CRI_CREATE, POD, 80);
	cmkdir_ev(p, 200, CRI_ROOT "containers/" APP);
	cmkdir_ev(p, 201, CRI_STATE "containers/" APP);
	cmkdir_ev(p, 203, SNAPS "new-3568228765");
	ufn_ev(p, 208 * MS, CT_UFN_CRI_START, APP, 64);
	cmkdir_ev(p, 210, TASKS "k8s.io/" APP);
	cri_container(&c, APP, false, 215);
	snprintf(c.pod, sizeof(c.pod), "%s", POD);
	ct_prepare_apply(p, &c);
	cr_expect_eq(c.phases[CT_PH_PREPARE].start_ns, 198 * MS);
	cr_expect_eq(c.prepare_missing, CT_PREP_OK);
	expect_steps(&c, 5, st, at);
	cr_expect_eq(ct_steps_unattributed_ns(&c, CT_PH_PREPARE), 0);

	arm_ev(p, 300, false);
	arm_ev(p, 350, true);
	cmkdir_ev(p, 360, CRI_ROOT "containers/" APP2);
	cmkdir_ev(p, 370, TASKS "k8s.io/" APP2);
	cri_container(&c, APP2, false, 375);
	snprintf(c.pod, sizeof(c.pod), "%s", POD);
	ct_prepare_apply(p, &c);
	cr_expect_not(ct_has_phase(&c, CT_PH_PREPARE));
	cr_expect_eq(c.prepare_missing, CT_PREP_UNARMED);
	ct_prepare_free(p);
}

/*
 * A pod with containerd's function probes: its prepare from its
 * RunPodSandbox's entry, which names its uid (the kubelet's; its names
 * from the sandbox's bundle), `request` to its directory.  Another pod,
 * its entry not seen and its directory made right after an attach: not
 * its start, said unarmed; one whose uid is not known (no names) starts
 * at its directory, as before the probes.
 */
Test(prepare, cri_pod_from_its_request)
{
	static const enum ct_step st[] = { CT_STEP_REQUEST, CT_STEP_CONFIG,
					   CT_STEP_NETWORK };
	static const uint64_t at[] = { 100, 103, 106 };
	struct ct_prepare *p = ct_prepare_new(0, fx_model(),
					      fx_engines()->prepare);
	struct ct_container c;

	arm_ev(p, 10, true);
	ufn_ev(p, 100 * MS, CT_UFN_CRI_RUN, "web-uid", 7);
	cmkdir_ev(p, 103, CRI_ROOT "sandboxes/" POD);
	netns_ev(p, 106, NETNS);
	cni_env_ev(p, 108, "ADD", POD, NETNS);
	cri_container(&c, POD, true, 108);
	snprintf(c.k8s.pod_uid, sizeof(c.k8s.pod_uid), "web-uid");
	ct_prepare_apply(p, &c);
	cr_expect_eq(c.phases[CT_PH_PREPARE].start_ns, 100 * MS);
	cr_expect_eq(c.prepare_missing, CT_PREP_OK);
	expect_steps(&c, 3, st, at);

	arm_ev(p, 200, false);
	arm_ev(p, 300, true);
	cmkdir_ev(p, 301, CRI_ROOT "sandboxes/" APP);
	cni_env_ev(p, 305, "ADD", APP, "/var/run/netns/cni-0000");
	cri_container(&c, APP, true, 305);
	snprintf(c.k8s.pod_uid, sizeof(c.k8s.pod_uid), "web-uid");
	ct_prepare_apply(p, &c);
	cr_expect_not(ct_has_phase(&c, CT_PH_PREPARE));
	cr_expect_eq(c.prepare_missing, CT_PREP_UNARMED);
	cri_container(&c, APP, true, 305);
	ct_prepare_apply(p, &c);
	cr_expect_eq(c.phases[CT_PH_PREPARE].start_ns, 301 * MS,
		     "no uid: from its directory");
	ct_prepare_free(p);
}

/*
 * A pod begun while the syscall hooks were detached (a detached session:
 * the shim's exec attaches them, after RunPodSandbox's first acts): no
 * prepare, said so.  Hooks on throughout: nothing said.  Without any
 * record of the hooks (a recording of version 1): nothing said.
 */
Test(prepare, cri_pod_unarmed_is_said)
{
	struct ct_prepare *p = ct_prepare_new(0, fx_model(),
					      fx_engines()->prepare);
	struct ct_container c;

	cri_container(&c, POD, true, 100);
	ct_prepare_apply(p, &c);
	cr_expect_eq(c.prepare_missing, CT_PREP_OK);
	arm_ev(p, 10, true);
	arm_ev(p, 50, false);
	arm_ev(p, 120, true);
	cri_container(&c, POD, true, 100);
	ct_prepare_apply(p, &c);
	cr_expect_not(ct_has_phase(&c, CT_PH_PREPARE));
	cr_expect_eq(c.prepare_missing, CT_PREP_UNARMED);
	cri_container(&c, APP, true, 200);
	ct_prepare_apply(p, &c);
	cr_expect_eq(c.prepare_missing, CT_PREP_UNARMED,
		     "attached after a detach within the minute before");
	cri_container(&c, APP, true, 61000 + 130);
	ct_prepare_apply(p, &c);
	cr_expect_eq(c.prepare_missing, CT_PREP_OK, "attached all along");
	docker_container(&c, CID, 100);
	ct_prepare_apply(p, &c);
	cr_expect_eq(c.prepare_missing, CT_PREP_OK, "docker's: not said");
	ct_prepare_free(p);
}

/*
 * Pods at once in a detached session: the hooks attached (by the first
 * pod's shim) between a pod's first act and its netns mount: what was
 * seen is not its whole prepare, said so.  One whose sandbox directory
 * was seen has its own.  Before the session's first attach nothing is
 * known (its COMMAND came after): not said.
 */
Test(prepare, cri_pod_cut_by_an_attach_is_said)
{
	struct ct_prepare *p = ct_prepare_new(0, fx_model(),
					      fx_engines()->prepare);
	struct ct_container c;

	arm_ev(p, 10, true);
	arm_ev(p, 50, false);
	arm_ev(p, 2105, true);
	netns_ev(p, 2106, NETNS);
	cni_env_ev(p, 2108, "ADD", POD, NETNS);
	cri_container(&c, POD, true, 2108);
	ct_prepare_apply(p, &c);
	cr_expect_not(ct_has_phase(&c, CT_PH_PREPARE));
	cr_expect_eq(c.prepare_missing, CT_PREP_UNARMED);
	cmkdir_ev(p, 2107, CRI_ROOT "sandboxes/" APP);
	netns_ev(p, 2109, "/var/run/netns/cni-0000");
	cni_env_ev(p, 2110, "ADD", APP, "/var/run/netns/cni-0000");
	cri_container(&c, APP, true, 2110);
	ct_prepare_apply(p, &c);
	cr_expect(ct_has_phase(&c, CT_PH_PREPARE));
	cr_expect_eq(c.prepare_missing, CT_PREP_OK);
	ct_prepare_free(p);

	p = ct_prepare_new(0, fx_model(), fx_engines()->prepare);
	arm_ev(p, 1000, true);
	netns_ev(p, 1200, NETNS);
	cni_env_ev(p, 1202, "ADD", POD, NETNS);
	cri_container(&c, POD, true, 1202);
	ct_prepare_apply(p, &c);
	cr_expect(ct_has_phase(&c, CT_PH_PREPARE), "attached from the start");
	ct_prepare_free(p);
}

/*
 * The CRI's recordings, made before containerd's function probes (they
 * hold no CT_EV_UFN record, --dump shows): a pod's prepare, begun at
 * its first act, has no request step and says "unprobed", nothing else
 * (config and network are the syscall hooks' marks); its apps, without a
 * prepare there, say nothing.
 */
Test(prepare, recording_cri_request_unprobed)
{
	static const char *const names[] = { "cri-runc", "cri-crun",
					     "cri-concurrent3", "cri2-runc",
					     "cri2-crun" };
	char why[64];
	struct ts_all a;
	int pods = 0;

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		ts_replay_all(names[k], &a);
		for (size_t i = 0; i < a.n; i++) {
			const struct ct_container *c = &a.c[i];
			bool pr = ct_has_phase(c, CT_PH_PREPARE);

			cr_expect_eq(c->engine, CT_ENG_CRI);
			cr_expect_eq(pr, c->is_pod, "%s %zu", names[k], i);
			missing_of(c, why, sizeof(why));
			cr_expect_str_eq(why, pr ? "request unprobed" : "",
					 "%s %zu: %s", names[k], i, why);
			cr_expect(!pr || !has_step(c, CT_STEP_REQUEST));
			pods += pr;
		}
		ts_all_free(&a);
	}
	cr_expect_eq(pods, 7, "%d pods", pods);
}

/*
 * An app container of POD: containerd's probes placed at placed_ms (0:
 * never; a second placement at again_ms if not 0), its CreateContainer
 * entry at create_ms and StartContainer entry at start_ms (0: none),
 * its directory at 2200 ms (the request's window from 1200), snapshots
 * at 2203 (and 2204 if two), its bundle at 2210, the shim at 2215.  Its
 * missing steps into why.
 */
struct cri_app_case {
	uint64_t placed_ms, again_ms, create_ms, start_ms;
	bool two_snaps;
};

static void cri_app_missing(const struct cri_app_case *k, char *why,
			    size_t n)
{
	struct ct_prepare *p = ct_prepare_new(0, fx_model(),
					      fx_engines()->prepare);
	struct ct_container c;

	arm_ev(p, 10, true);
	if (k->placed_ms)
		dockerd_ufn(p, k->placed_ms * MS, CT_UFN_PLACED, 1);
	if (k->again_ms)
		dockerd_ufn(p, k->again_ms * MS, CT_UFN_PLACED, 1);
	if (k->create_ms)
		ufn_ev(p, k->create_ms * MS, CT_UFN_CRI_CREATE, POD, 64);
	cmkdir_ev(p, 2200, CRI_ROOT "containers/" APP);
	cmkdir_ev(p, 2203, SNAPS "new-3568228765");
	if (k->two_snaps)
		cmkdir_ev(p, 2204, SNAPS "new-1111111111");
	if (k->start_ms)
		ufn_ev(p, k->start_ms * MS, CT_UFN_CRI_START, APP, 64);
	cmkdir_ev(p, 2210, TASKS "k8s.io/" APP);
	cri_container(&c, APP, false, 2215);
	snprintf(c.pod, sizeof(c.pod), "%s", POD);
	ct_prepare_apply(p, &c);
	cr_assert(ct_has_phase(&c, CT_PH_PREPARE));
	missing_of(&c, why, n);
	ct_prepare_free(p);
}

/*
 * The CRI's own steps say why they are missing (docs/phases.md "Missing
 * steps"), as docker's: request and task from containerd's function
 * probes (unprobed: none placed before the window, the second before
 * the act; reprobed: placed within it; unseen: on, no entry), layer
 * from the snapshots (shared: two in its window).  All found: nothing.
 */
Test(prepare, cri_container_steps_missing)
{
	static const struct {
		struct cri_app_case k;
		const char *why;
	} t[] = {
		{ { 10, 0, 2198, 2208, false }, "" },
		{ { 0, 0, 0, 0, false }, "request unprobed,task unprobed" },
		{ { 10, 0, 0, 0, false }, "request unseen,task unseen" },
		{ { 10, 0, 2198, 0, false }, "task unseen" },
		{ { 10, 0, 0, 2208, false }, "request unseen" },
		{ { 2205, 0, 0, 0, false }, "request unprobed,task reprobed" },
		{ { 10, 2199, 0, 2208, false }, "request reprobed" },
		{ { 10, 0, 2198, 2208, true }, "layer shared" },
		{ { 0, 0, 0, 0, true }, "request unprobed,layer shared,"
					"task unprobed" },
	};
	char why[96];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cri_app_missing(&t[i].k, why, sizeof(why));
		cr_expect_str_eq(why, t[i].why, "case %zu: %s", i, why);
	}
}

/*
 * A pod's request: its RunPodSandbox's entry names its uid.  Not seen
 * with the probes on: unseen; never placed: unprobed, its uid known or
 * not; placed again in the second before its first act: reprobed; its
 * uid not known (no names) with the probes on: no entry could name it,
 * nothing sure said.  Its entry seen: nothing missing.
 */
Test(prepare, cri_pod_request_missing)
{
	static const struct {
		uint64_t placed_ms, run_ms;
		const char *uid, *why;
	} t[] = {
		{ 10, 2100, "web-uid", "" },
		{ 10, 0, "web-uid", "request unseen" },
		{ 0, 0, "web-uid", "request unprobed" },
		{ 0, 0, "", "request unprobed" },
		{ 10, 0, "", "" },
		{ 10, 2100, "other-uid", "request unseen" },
		{ 1500, 0, "web-uid", "request reprobed" },
	};
	char why[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ct_prepare *p = ct_prepare_new(0, fx_model(),
						      fx_engines()->prepare);
		struct ct_container c;

		arm_ev(p, 5, true);
		if (t[i].placed_ms == 1500)	/* placed before too */
			dockerd_ufn(p, 10 * MS, CT_UFN_PLACED, 1);
		if (t[i].placed_ms)
			dockerd_ufn(p, t[i].placed_ms * MS, CT_UFN_PLACED, 1);
		if (t[i].run_ms)
			ufn_ev(p, t[i].run_ms * MS, CT_UFN_CRI_RUN, "web-uid", 7);
		cmkdir_ev(p, 2103, CRI_ROOT "sandboxes/" POD);
		netns_ev(p, 2106, NETNS);
		cni_env_ev(p, 2108, "ADD", POD, NETNS);
		cri_container(&c, POD, true, 2108);
		snprintf(c.k8s.pod_uid, sizeof(c.k8s.pod_uid), "%s", t[i].uid);
		ct_prepare_apply(p, &c);
		cr_assert(ct_has_phase(&c, CT_PH_PREPARE), "case %zu", i);
		missing_of(&c, why, sizeof(why));
		cr_expect_str_eq(why, t[i].why, "case %zu: %s", i, why);
		cr_expect_eq(has_step(&c, CT_STEP_REQUEST), !t[i].why[0] &&
			     t[i].uid[0], "case %zu", i);
		ct_prepare_free(p);
	}
}
