// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dockerd's image store as a live session reads it (docker_store.c):
 * a fake /proc naming a dockerd and its data root, repositories.json
 * written as dockerd rewrites it, and the renames' records fed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine.h"
#include "fixture.h"
#include "pull.h"
#include "pulls_api.h"
#include "util.h"

#define MS	1000000ull

static char top[64];

static void put(const char *rel, const void *data, size_t len)
{
	cr_assert(fx_put(top, rel, data, len), "%s/%s", top, rel);
}

#define PUTS(rel, s) put(rel, s, sizeof(s) - 1)

static void setup(void)
{
	char argv[256];
	int n;

	strcpy(top, "/tmp/ct-test-dstore.XXXXXX");
	cr_assert_not_null(mkdtemp(top));
	PUTS("proc/10/comm", "dockerd\n");
	n = snprintf(argv, sizeof(argv), "dockerd%c--data-root%c%s/docker%c",
		     0, 0, top, 0);
	put("proc/10/cmdline", argv, (size_t)n);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(docker_store, .init = setup, .fini = teardown);

struct got {
	int n;
	struct ct_pull_image last;
};

static void on_image(const void *rec, size_t len, void *ctx)
{
	struct got *g = ctx;

	cr_assert_eq(len, sizeof(g->last));
	memcpy(&g->last, rec, len);
	g->n++;
}

#define REPOS		"docker/image/overlay2/repositories.json"
#define MANIFEST	"sha256:" \
	"1111111111111111111111111111111111111111111111111111111111111111"
#define IMAGE_ID	"sha256:" \
	"2222222222222222222222222222222222222222222222222222222222222222"

/* dockerd's rename of repositories.json, as the kernel reports it. */
static void renamed(const struct ct_pull_store_ops *ops, void *st,
		    uint64_t ts, struct got *g)
{
	struct ct_pull_rename r = { 0 };

	r.hdr.type = CT_EV_PULL_RENAME;
	r.hdr.size = sizeof(r);
	r.hdr.ts_ns = ts;
	r.hdr.pid = 10;
	strcpy(r.hdr.comm, "dockerd");
	r.kind = CT_PULL_R_REPOS;
	snprintf(r.oldpath, sizeof(r.oldpath),
		 "%s/docker/image/overlay2/.tmp-repositories.json1", top);
	snprintf(r.newpath, sizeof(r.newpath), "%s/" REPOS, top);
	ops->feed(st, &r, sizeof(r), on_image, g);
}

/* Another record (the store's first read comes with the first). */
static void other(const struct ct_pull_store_ops *ops, void *st,
		  uint64_t ts, struct got *g)
{
	struct ct_hdr h = { .type = CT_EV_PULL_CONNECT, .ts_ns = ts };

	h.size = sizeof(h);
	strcpy(h.comm, "curl");
	ops->feed(st, &h, sizeof(h), on_image, g);
}

/*
 * A store opened and read (empty), then dockerd's rename at t that
 * stored reg/r1's digest reference and no tag yet.
 */
static void *digest_stored(const struct ct_pull_store_ops *ops, uint64_t t,
			   struct got *g)
{
	char proc[128];
	void *st;

	PUTS(REPOS, "{\"Repositories\":{}}");
	snprintf(proc, sizeof(proc), "%s/proc", top);
	st = ops->open(proc);
	cr_assert_not_null(st);
	other(ops, st, t - 10 * MS, g);	/* the store read */
	PUTS(REPOS, "{\"Repositories\":{\"reg/r1\":{"
		    "\"reg/r1@" MANIFEST "\":\"" IMAGE_ID "\"}}}");
	renamed(ops, st, t, g);
	return st;
}

/*
 * The last pull's tag rename under way when its read ran: the read
 * found the digest reference alone.  No rename comes after it; the read
 * done again RECHECK_NS (50 ms) later finds the tag, and the record goes
 * then with it, not PENDING_NS (500 ms) later: a container started from
 * the image went out before its pull was built (pull_apart's runs).
 */
Test(docker_store, tag_written_after_the_last_read)
{
	const struct ct_pull_store_ops *ops = &ct_docker_pull_store;
	struct got g = { 0 };
	const uint64_t t = 1000 * MS;
	void *st = digest_stored(ops, t, &g);

	cr_expect_eq(g.n, 0, "no tag yet: it waits");
	PUTS(REPOS, "{\"Repositories\":{\"reg/r1\":{"
		    "\"reg/r1@" MANIFEST "\":\"" IMAGE_ID "\","
		    "\"reg/r1:latest\":\"" IMAGE_ID "\"}}}");
	ops->tick(st, t + 40 * MS, on_image, &g);
	cr_expect_eq(g.n, 0, "read again only after RECHECK_NS");
	ops->tick(st, t + 60 * MS, on_image, &g);
	cr_assert_eq(g.n, 1, "out at the read done again");
	cr_expect_str_eq(g.last.ref, "reg/r1:latest");
	cr_expect_str_eq(g.last.manifest, MANIFEST);
	cr_expect_eq(g.last.hdr.ts_ns, t, "stamped with its rename");
	ops->tick(st, UINT64_MAX, on_image, &g);
	cr_expect_eq(g.n, 1, "once");
	ops->close(st);
}

/* A pull by digest stores no tag: its record goes PENDING_NS after. */
Test(docker_store, no_tag_waits_its_time)
{
	const struct ct_pull_store_ops *ops = &ct_docker_pull_store;
	struct got g = { 0 };
	const uint64_t t = 1000 * MS;
	void *st = digest_stored(ops, t, &g);

	ops->tick(st, t + 60 * MS, on_image, &g);
	ops->tick(st, t + 400 * MS, on_image, &g);
	cr_expect_eq(g.n, 0, "waits for a tag");
	ops->tick(st, t + 510 * MS, on_image, &g);
	cr_assert_eq(g.n, 1);
	cr_expect_str_eq(g.last.ref, "reg/r1@" MANIFEST);
	ops->close(st);
}
