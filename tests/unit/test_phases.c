// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The phase tables (user/model/phases.c, docs/phases.md) against replayed
 * fixtures: every row of every table must fire in some fixture, and
 * wherever a row fires, the emitted record must begin or end that phase
 * exactly there.  The real recordings of tests/fixtures cover every row
 * but the kata table's engine network (Kata cannot run here, docs/design.md "Facts measured":
 * kata-standin.ctrec has no network hook); the synthetic lifecycles of
 * fixture.c (modelled on strace captures) cover those.
 */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tracker.h"
#include "engine.h"
#include "fixture.h"
#include "phases.h"
#include "recfile.h"

#define MAX_ROWS	64
#define MAX_FIRED	8192

struct firing {
	char id[CT_ID_LEN];
	enum ct_family f;
	size_t row;
	uint64_t t;
	bool done;
};

static struct firing fired[MAX_FIRED];
static size_t nfired;
static unsigned int covered[CT_FAM_MAX][MAX_ROWS];
static unsigned int by_recording[CT_FAM_MAX][MAX_ROWS];
static bool replaying;	/* a real recording, not a synthetic stream */

static void on_rule(const struct ct_container *c, enum ct_family f,
		    size_t row, uint64_t t, void *ctx)
{
	struct firing *x = &fired[nfired];

	(void)ctx;
	cr_assert_lt(nfired, MAX_FIRED);
	cr_assert_lt(row, MAX_ROWS);
	snprintf(x->id, sizeof(x->id), "%s", c->id);
	x->f = f;
	x->row = row;
	x->t = t;
	x->done = false;
	nfired++;
}

static void check_firing(const struct ct_container *c, struct firing *x)
{
	size_t n;
	const struct ct_phase_rule *r = &ct_phase_rules(x->f, &n)[x->row];
	const struct ct_interval *iv = &c->phases[r->phase];
	const char *ph = ct_phase_name(r->phase);

	cr_expect(ct_has_phase(c, r->phase), "%s: %s fired, no %s", c->id,
		  ct_transition_name(r->tr), ph);
	switch (r->op) {
	case CT_OP_BEGIN:
		cr_expect_eq(iv->start_ns, x->t, "%s %s table row %zu (%s): "
			     "%s begins at %llu", c->id,
			     ct_family_name(x->f), x->row,
			     ct_transition_name(r->tr), ph,
			     (unsigned long long)iv->start_ns);
		break;
	case CT_OP_END:
		cr_expect_eq(iv->end_ns, x->t, "%s %s table row %zu (%s): "
			     "%s ends at %llu", c->id, ct_family_name(x->f),
			     x->row, ct_transition_name(r->tr), ph,
			     (unsigned long long)iv->end_ns);
		break;
	case CT_OP_EXTEND:
		cr_expect_geq(iv->end_ns, x->t, "%s: %s ends before %s",
			      c->id, ph, ct_transition_name(r->tr));
		break;
	}
	covered[x->f][x->row]++;
	by_recording[x->f][x->row] += replaying;
	x->done = true;
}

/* A record is out: every row fired for it must agree with it. */
static void on_container(const struct ct_container *c, void *ctx)
{
	(void)ctx;
	for (size_t i = 0; i < nfired; i++)
		if (!fired[i].done && !strcmp(fired[i].id, c->id))
			check_firing(c, &fired[i]);
}

static struct ct_tracker *new_engine(int64_t m2r, enum ct_cgroup_mode mode)
{
	struct ct_tracker_opts o = {
		.mono_to_real_ns = m2r,
		.cgroup_mode = mode,
		.on_container = on_container,
		.on_rule = on_rule,
		/* the clients: ctr run --rm's exit ends its destroy */
		.client_ops = fx_engines()->client,
	};

	nfired = 0;
	return ct_tracker_new(&o);
}

static void finish(struct ct_tracker *tk)
{
	ct_tracker_flush(tk);
	ct_tracker_free(tk);
	for (size_t i = 0; i < nfired; i++)
		cr_expect(fired[i].done, "%s: fired, never emitted",
			  fired[i].id);
}

static int replay_all(void)
{
	glob_t g;
	int n = 0;

	cr_assert_eq(glob("tests/fixtures/*.ctrec", 0, NULL, &g), 0,
		     "no recordings in tests/fixtures");
	replaying = true;
	for (size_t i = 0; i < g.gl_pathc; i++, n++) {
		struct ct_rec_file_hdr h;
		struct ct_rec_reader *r;
		struct ct_tracker *tk;
		const void *rec;
		char err[256];
		size_t len;
		int rc;

		cr_assert_eq(ct_rec_reader_open(&r, g.gl_pathv[i], &h, err,
						sizeof(err)), 0, "%s", err);
		tk = new_engine(h.mono_to_real_ns, h.cgroup_mode);
		while ((rc = ct_rec_next(r, &rec, &len, err, sizeof(err))) > 0)
			ct_tracker_feed(tk, rec, len);
		cr_assert_eq(rc, 0, "%s: %s", g.gl_pathv[i], err);
		finish(tk);
		ct_rec_reader_close(r);
	}
	replaying = false;
	globfree(&g);
	return n;
}

static void feed_synthetic(struct ct_fx *f)
{
	struct ct_tracker *tk = new_engine(0, CT_CGROUP_V1_MEMORY);

	cr_assert_eq(fx_feed(f, tk), 0);
	finish(tk);
	fx_free(f);
}

static void synthetic_lifecycles(void)
{
	static const enum ct_runtime rts[] = { CT_RT_RUNC, CT_RT_CRUN,
					       CT_RT_RUNSC };
	static const enum ct_engine_kind engs[] = {
		CT_ENG_DOCKER, CT_ENG_CONTAINERD, CT_ENG_DIRECT };
	int64_t s[CT_PH_MAX], x[CT_PH_MAX];
	struct ct_fx f;

	for (size_t i = 0; i < 3; i++) {
		for (size_t j = 0; j < 3; j++) {
			struct fx_ct c = { "syn", rts[i], engs[j], 1000, 100,
					   0, false, 70 };

			fx_init(&f);
			fx_container(&f, &c, s, x);
			feed_synthetic(&f);
		}
	}
	for (int k = FX_KATA_VSOCK; k <= FX_KATA_NO_CONNECT; k++) {
		struct fx_ct c = { "kata", CT_RT_KATA, CT_ENG_CONTAINERD, 1000,
				   100, 0, false, 71 };

		fx_init(&f);
		fx_kata(&f, &c, k, s, x);
		feed_synthetic(&f);
	}
}

/* Kata under dockerd: the setkey hook and the netns bind mount. */
static void kata_docker(void)
{
	struct fx_ct c = { "kd", CT_RT_KATA, CT_ENG_DOCKER, 1000, 100, 0,
			   false, 72 };
	int64_t s[CT_PH_MAX], x[CT_PH_MAX];
	struct ct_fx f;

	fx_init(&f);
	fx_kata(&f, &c, FX_KATA_VSOCK, s, x);
	fx_at(&f, 100 + 300);
	fx_fork(&f, 1002, 1020);
	fx_exec(&f, 1020, "/proc/200/exe", "libnetwork-setkey",
		"-exec-root=/var/run/docker", "kd", "8743eccc99a4");
	fx_at(&f, 100 + 310);
	fx_mount(&f, 200, "/proc/1004/ns/net", "/run/docker/netns/kd", 0);
	fx_at(&f, 100 + 320);
	fx_exit(&f, 1020, 0);
	fx_at(&f, 100 + 2040);
	fx_umount(&f, 200, "/run/docker/netns/kd", 0);
	fx_at(&f, 100 + 2060);
	fx_umount(&f, 200, "/var/lib/docker/containers/kd/mounts", -22);
	fx_merge(&f, &f, 1);
	feed_synthetic(&f);
}

/* runc create, start, delete by hand: no shim, no run. */
static void direct_by_hand(bool start)
{
	struct ct_fx f;

	fx_init(&f);
	fx_at(&f, 10);
	fx_exec(&f, 11, "/usr/sbin/runc", "runc", "create", "--bundle", "/b",
		"hand");
	fx_fork(&f, 11, 12);
	fx_exec(&f, 12, "/proc/self/exe", "runc", "init");
	fx_fork(&f, 12, 15);	/* runc:[2:INIT], pid 1 */
	fx_at(&f, 20);
	fx_exit(&f, 11, 0);
	if (start) {
		fx_at(&f, 30);
		fx_exec(&f, 13, "/usr/sbin/runc", "runc", "start", "hand");
		f.mntns = 77;
		fx_at(&f, 35);
		fx_exec(&f, 15, "/bin/true", "true");
		f.mntns = FX_HOST_MNTNS;
		fx_at(&f, 36);
		fx_exit(&f, 13, 0);
		fx_at(&f, 40);
		fx_exit(&f, 15, 0);
	} else {
		fx_at(&f, 40);
		fx_exit(&f, 15, 9);
	}
	fx_exit(&f, 12, 0);
	fx_at(&f, 50);
	fx_exec(&f, 14, "/usr/sbin/runc", "runc", "delete", "hand");
	fx_at(&f, 60);
	fx_exit(&f, 14, 0);
	feed_synthetic(&f);
}

Test(phases, every_row_against_fixtures)
{
	cr_assert_gt(replay_all(), 0);
	synthetic_lifecycles();
	kata_docker();
	direct_by_hand(true);
	direct_by_hand(false);
	for (int fam = 0; fam < CT_FAM_MAX; fam++) {
		size_t n;
		const struct ct_phase_rule *r = ct_phase_rules(fam, &n);

		cr_assert_leq(n, MAX_ROWS);
		for (size_t i = 0; i < n; i++) {
			cr_expect_gt(covered[fam][i], 0,
				     "%s table row %zu (%s -> %s) never fires",
				     ct_family_name(fam), i,
				     ct_transition_name(r[i].tr),
				     ct_phase_name(r[i].phase));
			if (!by_recording[fam][i])
				cr_log_info("%s row %zu (%s -> %s): synthetic "
					    "lifecycles only",
					    ct_family_name(fam), i,
					    ct_transition_name(r[i].tr),
					    ct_phase_name(r[i].phase));
		}
	}
}

/* One family's table as docs/phases.md prints it. */
static void render(FILE *f, enum ct_family fam)
{
	static const char *const ops[] = {
		[CT_OP_BEGIN] = "begins",
		[CT_OP_END] = "ends",
		[CT_OP_EXTEND] = "lasts at least until",
	};
	size_t n;
	const struct ct_phase_rule *r = ct_phase_rules(fam, &n);

	fprintf(f, "| transition | phase | only if |\n| --- | --- | --- |\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "| %s | %s %s |", ct_transition_name(r[i].tr),
			ct_phase_name(r[i].phase), ops[r[i].op]);
		if (r[i].need == CT_PH_ANY)
			fprintf(f, " a phase began");
		else if (r[i].need >= 0)
			fprintf(f, " %s began", ct_phase_name(r[i].need));
		else if (r[i].unless >= 0)
			fprintf(f, " %s did not begin",
				ct_phase_name(r[i].unless));
		fprintf(f, " |\n");
	}
}

/* docs/phases.md says what the code does, row for row. */
Test(phases, docs_print_the_tables)
{
	FILE *d = fopen("docs/phases.md", "r");
	static char doc[1 << 17];
	size_t len;

	cr_assert(d, "docs/phases.md missing");
	len = fread(doc, 1, sizeof(doc) - 1, d);
	doc[len] = '\0';
	fclose(d);
	for (int fam = 0; fam < CT_FAM_MAX; fam++) {
		char *want = NULL, head[64];
		size_t wlen = 0;
		const char *at;
		size_t rows;
		FILE *f;

		if (!ct_phase_rules(fam, &rows))
			continue;	/* an engine without a family of its own */
		f = open_memstream(&want, &wlen);
		render(f, fam);
		fclose(f);
		snprintf(head, sizeof(head), "\n### %s table\n",
			 ct_family_name(fam));
		at = strstr(doc, head);
		cr_expect(at, "docs/phases.md: no \"%s\" heading", head + 1);
		cr_expect(at && strstr(at, want) == strchr(at + 1, '|'),
			  "docs/phases.md, %s table, should read:\n%s",
			  ct_family_name(fam), want);
		free(want);
	}
}

static struct ct_container got;

static void keep(const struct ct_container *c, void *ctx)
{
	(void)ctx;
	got = *c;
}

/* Podman's conmon in the shim's place is no direct run. */
Test(phases, conmon_is_not_direct)
{
	struct ct_tracker_opts o = { .on_container = keep };
	struct ct_tracker *tk = ct_tracker_new(&o);
	struct ct_fx f;

	fx_init(&f);
	fx_at(&f, 1);
	fx_exec(&f, 20, "/usr/bin/conmon", "/usr/bin/conmon", "--api-version",
		"1", "-c", "pm1", "-u", "pm1", "-r", "/usr/bin/crun");
	fx_fork(&f, 20, 21);
	fx_at(&f, 2);
	fx_exec(&f, 21, "/usr/bin/crun", "/usr/bin/crun", "create",
		"--bundle", "/b/pm1", "pm1");
	cr_assert_eq(fx_feed(&f, tk), 0);
	ct_tracker_flush(tk);
	cr_expect_str_eq(got.id, "pm1");
	cr_expect_eq(got.engine, CT_ENG_PODMAN, "engine %s",
		     ct_engine_name(got.engine));
	ct_tracker_free(tk);
	fx_free(&f);
}
