// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Containers already running when the session starts (user/kern/adopt.c, the
 * tracker's CT_EV_ADOPT): read from a /proc of the test's own, followed
 * to their end, reported partial and counted.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adopt.h"
#include "agg.h"
#include "engine.h"
#include "fixture.h"
#include "prepare.h"
#include "records.h"

#define ID_RUNC	"aaaa000000000000000000000000000000000000000000000000000000000001"
#define ID_CRUN	"aaaa000000000000000000000000000000000000000000000000000000000002"
#define ID_RUNSC "aaaa000000000000000000000000000000000000000000000000000000000003"
#define ID_POD	"bbbb000000000000000000000000000000000000000000000000000000000004"
#define ID_LATE	"cccc000000000000000000000000000000000000000000000000000000000005"
#define ID_CTR	"ct-adopt-ctr"
#define ID_PODMAN "dddd000000000000000000000000000000000000000000000000000000000006"
/* processes started before the tracers: start time below this (ticks) */
#define BEFORE	1000

static void put(const char *dir, unsigned pid, const char *file,
		const char *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u", dir, pid);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%u/%s", dir, pid, file);
	f = fopen(path, "w");
	cr_assert(f, "%s", path);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* PID/{stat,comm,cmdline} (argv: spaces become NULs), PID/exe -> exe. */
static void proc(const char *dir, unsigned pid, unsigned ppid,
		 unsigned start, const char *comm, const char *exe,
		 const char *argv)
{
	char buf[1024], path[512];
	size_t n;

	n = (size_t)snprintf(buf, sizeof(buf), "%u (%s) S %u %u %u 0 -1 "
			     "4194560 0 0 0 0 0 0 0 0 20 0 1 0 %u 0 0\n",
			     pid, comm, ppid, pid, pid, start);
	put(dir, pid, "stat", buf, n);
	n = (size_t)snprintf(buf, sizeof(buf), "%s\n", comm);
	put(dir, pid, "comm", buf, n);
	n = (size_t)snprintf(buf, sizeof(buf), "%s", argv) + 1;
	for (size_t i = 0; i < n; i++)
		if (buf[i] == ' ')
			buf[i] = '\0';
	put(dir, pid, "cmdline", buf, n);
	snprintf(path, sizeof(path), "%s/%u/exe", dir, pid);
	cr_assert_eq(symlink(exe, path), 0);
}

#define SHIM	"/usr/bin/containerd-shim-runc-v2"
#define SHIMARGS(ns, id) SHIM " -namespace " ns " -id " id " -address /c.sock"

/*
 * A host as /proc shows it: docker's runc, crun and runsc containers, a
 * ctr container, a CRI pod, a container whose shim started after the
 * tracers, a shell, a Podman container (conmon); each runc/crun container with a `docker exec`
 * process beside its pid 1.
 */
static void host(const char *d)
{
	proc(d, 100, 1, 10, "containerd-shim", SHIM, SHIMARGS("moby", ID_RUNC));
	proc(d, 104, 100, 12, "sleep", "/bin/busybox", "sleep 600");
	proc(d, 103, 100, 40, "sh", "/bin/busybox", "sh");	/* exec */
	proc(d, 110, 1, 20, "containerd-shim", SHIM, SHIMARGS("moby", ID_CRUN));
	proc(d, 111, 110, 21, "sleep", "/bin/busybox", "sleep 600");
	proc(d, 120, 1, 30, "containerd-shim", SHIM, SHIMARGS("moby", ID_RUNSC));
	proc(d, 121, 120, 31, "exe", "/usr/bin/runsc",
	     "runsc-gofer --root=/r gofer --bundle /b/" ID_RUNSC);
	proc(d, 122, 120, 31, "exe", "/usr/bin/runsc",
	     "runsc-sandbox --root=/r boot --bundle=/b " ID_RUNSC);
	proc(d, 130, 1, 35, "containerd-shim", SHIM, SHIMARGS("ns1", ID_CTR));
	proc(d, 131, 130, 36, "sleep", "/bin/busybox", "sleep 600");
	proc(d, 140, 1, 37, "containerd-shim", SHIM, SHIMARGS("k8s.io", ID_POD));
	proc(d, 141, 140, 38, "pause", "/pause", "/pause");
	proc(d, 150, 1, BEFORE, "containerd-shim", SHIM,
	     SHIMARGS("moby", ID_LATE));
	proc(d, 151, 150, BEFORE + 1, "sleep", "/bin/busybox", "sleep 600");
	proc(d, 160, 1, 5, "bash", "/bin/bash", "bash");
	proc(d, 170, 1, 39, "conmon", "/usr/bin/conmon",
	     "/usr/bin/conmon --api-version 1 -c " ID_PODMAN " -u " ID_PODMAN
	     " -r /usr/bin/crun -b /s/userdata -n web_1");
	proc(d, 171, 170, 40, "sleep", "/bin/busybox", "sleep 600");
}

static void keep(const void *rec, size_t len, void *ctx)
{
	cr_assert_eq(ct_rec_check(rec, len), 0, "an invalid record");
	fx_raw(ctx, rec, len);
}

/* The ADOPT records of the scan of host() into f, at ms 100. */
static size_t scan(struct ct_fx *f)
{
	char dir[] = "/tmp/ct-adopt-proc.XXXXXX", cmd[64];
	size_t n;

	cr_assert(mkdtemp(dir));
	host(dir);
	fx_at(f, 100);
	n = ct_adopt_scan(dir, BEFORE, f->now, keep, f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	return n;
}

/* The pid of each record of f, in order. */
static size_t pids(const struct ct_fx *f, uint32_t *out, size_t max)
{
	size_t n = 0;

	for (size_t o = 0; o < f->len && n < max;) {
		const struct ct_exec *x = (const void *)(f->buf + o);

		cr_assert_eq(x->hdr.type, CT_EV_ADOPT);
		out[n++] = x->hdr.pid;
		o += x->hdr.size;
	}
	return n;
}

static bool has(const uint32_t *p, size_t n, uint32_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == pid)
			return true;
	return false;
}

Test(adopt, scan_takes_shims_monitors_and_their_pid1)
{
	static const uint32_t want[] = { 100, 104, 110, 111, 120, 121, 122,
					 130, 131, 170, 171 };
	static const uint32_t not[] = { 103, 140, 141, 150, 151, 160 };
	uint32_t got[32];
	struct ct_fx f;
	size_t n;

	fx_init(&f);
	cr_assert_eq(scan(&f), 11);
	n = pids(&f, got, 32);
	cr_assert_eq(n, 11);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect(has(got, n, want[i]), "%u not adopted", want[i]);
	for (size_t i = 0; i < sizeof(not) / sizeof(not[0]); i++)
		cr_expect(!has(got, n, not[i]), "%u adopted", not[i]);
	/* a pid 1 after its shim: the tracker needs the shim first */
	for (size_t i = 0; i < n; i++)
		if (got[i] == 104)
			cr_expect(has(got, i, 100));
	fx_free(&f);
}

static const struct ct_container *by_id(const struct fx_sink *s,
					const char *id)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->got[i].id, id))
			return &s->got[i];
	return NULL;
}

/* docker stop + rm of a runc container: pid 1 killed, runc delete. */
static void stop(struct ct_fx *f, uint32_t shim, uint32_t pid1,
		 uint32_t del, const char *rt, const char *id, uint64_t ms)
{
	fx_at(f, ms);
	fx_exit(f, pid1, 9);
	fx_at(f, ms + 10);
	fx_fork(f, shim, del);
	fx_exec(f, del, rt, rt, "--root", "/r", "delete", id);
	fx_at(f, ms + 20);
	fx_exit(f, del, 0);
	fx_at(f, ms + 30);
	fx_exit(f, shim, 0);
}

Test(adopt, tracker_reports_them_partial_when_they_end)
{
	struct fx_sink sink = { 0 };
	struct ct_tracker_stats st;
	const struct ct_container *c;
	struct ct_tracker *t = fx_tracker(&sink, NULL, 0);
	struct ct_fx f;

	fx_init(&f);
	/* a docker run alive at the adoption, asking for another one */
	fx_at(&f, 50);
	fx_exec(&f, 90, "/usr/bin/docker", "docker", "run", "busybox", "true");
	scan(&f);
	stop(&f, 100, 104, 105, "runc", ID_RUNC, 200);
	stop(&f, 110, 111, 112, "/usr/bin/crun", ID_CRUN, 300);
	/* runsc: the sandbox is the container's pid 1 on the host */
	stop(&f, 120, 122, 123, "runsc", ID_RUNSC, 400);
	fx_at(&f, 500);
	fx_exit(&f, 121, 0);
	/* podman: conmon is the shim's place */
	stop(&f, 170, 171, 172, "/usr/bin/crun", ID_PODMAN, 600);
	/* long after the grace: they are emitted */
	fx_at(&f, 5000);
	fx_exit(&f, 9999, 0);
	cr_assert_eq(fx_feed(&f, t), 0);
	cr_assert_eq(ct_tracker_pending(t), 0,
		     "a running adopted container waits for nobody");
	ct_tracker_get_stats(t, &st);
	cr_expect_eq(st.partial_running, 1, "ctr's, followed now");
	ct_tracker_flush(t);
	ct_tracker_get_stats(t, &st);
	cr_expect_eq(sink.n, 4, "only the ones that ended: %d", sink.n);
	cr_expect_eq(st.partial, 4);
	cr_expect_eq(st.partial_running, 1,
		     "ctr's, still running at the end: no record, counted");
	cr_expect_eq(st.adopted, 5, "runc, crun, runsc, ctr, podman");
	cr_expect_eq(st.expired, 0);
	static const char *const ids[] = { ID_RUNC, ID_CRUN, ID_RUNSC };
	static const enum ct_runtime rts[] = { CT_RT_RUNC, CT_RT_CRUN,
					       CT_RT_RUNSC };
	for (size_t i = 0; i < 3; i++) {
		c = by_id(&sink, ids[i]);
		cr_assert(c, "%s: no record", ids[i]);
		cr_expect(c->partial && !c->complete, "%s", ids[i]);
		cr_expect_eq(c->runtime, rts[i], "%s", ids[i]);
		cr_expect_eq(c->engine, CT_ENG_DOCKER, "%s", ids[i]);
		cr_expect(c->has_exit_code && c->exit_code == 137, "%s",
			  ids[i]);
		/* seen from the adoption (100 ms) on: no cold start */
		cr_expect_eq(c->phases[CT_PH_RUN].start_ns, 100 * FX_MS);
		cr_expect(ct_has_phase(c, CT_PH_DIE) &&
			  ct_has_phase(c, CT_PH_DESTROY), "%s", ids[i]);
		cr_expect(!ct_has_phase(c, CT_PH_CREATE), "%s", ids[i]);
		cr_expect(!c->has_client, "%s: who asked is not known", ids[i]);
		cr_expect(!ct_agg_counts(c), "%s: in the statistics", ids[i]);
	}
	cr_expect_str_eq(by_id(&sink, ID_RUNC)->cmd, "sleep 600");
	c = by_id(&sink, ID_PODMAN);
	cr_assert(c, "podman: no record");
	cr_expect(c->partial && c->engine == CT_ENG_PODMAN &&
		  c->runtime == CT_RT_CRUN && c->exit_code == 137);
	cr_expect_str_eq(c->name, "web_1");
	cr_expect(ct_has_phase(c, CT_PH_DIE) && ct_has_phase(c, CT_PH_DESTROY));
	ct_tracker_free(t);
	fx_free(&f);
}

/* The exec of a process adopted again (a buffered record of the tracers
 * came first): the exec wins, nothing is adopted twice. */
Test(adopt, a_process_seen_live_is_not_adopted)
{
	struct fx_sink sink = { 0 };
	struct ct_tracker_stats st;
	struct ct_tracker *t = fx_tracker(&sink, NULL, 0);
	struct ct_fx f;

	fx_init(&f);
	fx_at(&f, 50);
	fx_exec(&f, 100, SHIM, SHIM, "-namespace", "moby", "-id", ID_RUNC,
		"-address", "/c.sock");
	scan(&f);
	cr_assert_eq(fx_feed(&f, t), 0);
	ct_tracker_get_stats(t, &st);
	cr_expect_eq(st.adopted, 4, "crun, runsc, ctr, podman; not runc");
	ct_tracker_free(t);
	fx_free(&f);
}

/* The adoption is not its start: no prepare, whatever asked before. */
Test(adopt, no_prepare)
{
	struct ct_prepare *p = ct_prepare_new(0, fx_model(), fx_engines()->prepare);
	struct ct_container c = { 0 };

	cr_assert(p);
	snprintf(c.id, sizeof(c.id), "%s", ID_RUNC);
	c.engine = CT_ENG_DOCKER;
	c.partial = true;
	c.first_ns = c.phases[CT_PH_RUN].start_ns = 100 * FX_MS;
	c.phase_mask = 1u << CT_PH_RUN;
	c.has_client = true;
	c.client.exec_ns = 50 * FX_MS;
	ct_prepare_apply(p, &c);
	cr_expect(!ct_has_phase(&c, CT_PH_PREPARE));
	cr_expect_eq(c.first_ns, 100 * FX_MS);
	ct_prepare_free(p);
}
