// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A FUSE connection's layer, read as a live session reads it: a fake
 * mountinfo naming a directory of ours as a stargz layer's mount (its
 * path with a space, escaped as mountinfo escapes it), and that
 * directory's .stargz-snapshotter/<digest>.json, written as Debian's
 * 0.12 daemon writes it (Go's json.Marshal of fs/layer/node.go's
 * statFile).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "coldtrace.h"
#include "layers.h"
#include "records.h"
#include "util.h"

#define DIGEST	"sha256:3fb2697693b0226454be85370f1e12d14fd8cae47c64713012a45b2ec35af501"
#define DEV(maj, min)	((uint32_t)(maj) << 20 | (min))
#define STATE(fetched)	"{\"digest\":\"" DIGEST "\",\"size\":6308936," \
			"\"fetchedSize\":" #fetched ",\"fetchedPercent\":0.14}\n"

struct scene {
	char root[64];		/* the fake layer's mount point's parent */
	char mountinfo[128];
};

/* The layer's state file says js now. */
static void state(const struct scene *s, const char *name, const char *js)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/a b/.stargz-snapshotter/%s", s->root, name);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(js, f);
	cr_assert_eq(fclose(f), 0);
}

/* root/a b/.stargz-snapshotter/NAME saying js, and a mountinfo of two
 * lines: a plain FUSE mount at 0:40, the layer at 0:41 with source
 * `source`. */
static void scene_state(struct scene *s, const char *name, const char *source,
			const char *js)
{
	char p[512];
	FILE *f;

	snprintf(s->root, sizeof(s->root), "/tmp/ct-layers-XXXXXX");
	cr_assert_not_null(mkdtemp(s->root));
	snprintf(p, sizeof(p), "%s/a b", s->root);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/a b/.stargz-snapshotter", s->root);
	cr_assert_eq(mkdir(p, 0500), 0);
	snprintf(s->mountinfo, sizeof(s->mountinfo), "%s/mountinfo", s->root);
	f = fopen(s->mountinfo, "w");
	cr_assert_not_null(f);
	fprintf(f, "43 27 0:40 / /mnt/other rw,relatime - fuse.sshfs host:/ rw\n"
		   "44 27 0:41 / %s/a\\040b rw,nodev,relatime shared:9 - "
		   "fuse.rawBridge %s rw,user_id=0,group_id=0\n",
		s->root, source);
	cr_assert_eq(fclose(f), 0);
	if (name)
		state(s, name, js);
}

/* The same, the state file empty. */
static void scene(struct scene *s, const char *name, const char *source)
{
	scene_state(s, name, source, "");
}

static void scene_free(struct scene *s)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->root);
	cr_assert_eq(system(cmd), 0);
}

Test(layers, state_of_a_stargz_layer)
{
	struct scene s;
	struct ct_layer_state st[2];

	scene_state(&s, DIGEST ".json", "stargz", STATE(8936));
	memset(st, 0, sizeof(st));
	cr_assert_eq(ct_layer_read(s.mountinfo, DEV(0, 41), st, 2, 1000), 1);
	cr_expect_eq(st[0].dev, DEV(0, 41));
	cr_expect(st[0].named);
	cr_expect_str_eq(st[0].digest, DIGEST);
	cr_expect(st[0].has_fetched);
	cr_expect_eq(st[0].fetched, 8936);
	cr_expect_eq(st[0].size, 6308936, "not fetchedSize's tail");
	/* every stargz layer: the one */
	memset(st, 0, sizeof(st));
	cr_expect_eq(ct_layer_read(s.mountinfo, 0, st, 2, 1000), 1);
	cr_expect_eq(st[0].dev, DEV(0, 41));
	/* another FUSE file system, a dev nobody mounted */
	cr_expect_eq(ct_layer_read(s.mountinfo, DEV(0, 40), st, 2, 1000), 0);
	cr_expect_eq(ct_layer_read(s.mountinfo, DEV(0, 42), st, 2, 1000), 0);
	scene_free(&s);
}

/* Only a stargz source counts, and only a digest's name in its dir. */
Test(layers, not_a_layer)
{
	struct scene s;
	struct ct_layer_state st;

	scene(&s, DIGEST ".json", "sshfs");
	cr_expect_eq(ct_layer_read(s.mountinfo, DEV(0, 41), &st, 1, 1000), 0);
	scene_free(&s);
	scene(&s, "sha256:XYZ.json", "stargz");
	memset(&st, 0, sizeof(st));
	cr_expect_eq(ct_layer_read(s.mountinfo, DEV(0, 41), &st, 1, 1000), 1);
	cr_expect(!st.named && !st.has_fetched);
	scene_free(&s);
	scene(&s, NULL, "stargz");
	memset(&st, 0, sizeof(st));
	cr_expect_eq(ct_layer_read(s.mountinfo, DEV(0, 41), &st, 1, 1000), 1);
	cr_expect(!st.named && !st.has_fetched);
	/* a state file without fetchedSize: named, no bytes */
	scene_free(&s);
	scene_state(&s, DIGEST ".json", "stargz", "{\"size\":5}");
	memset(&st, 0, sizeof(st));
	cr_expect_eq(ct_layer_read(s.mountinfo, DEV(0, 41), &st, 1, 1000), 1);
	cr_expect(st.named && !st.has_fetched);
	scene_free(&s);
}

/* What a session would have fed: LAYER and FETCHED records apart. */
struct emitted {
	struct ct_layer_rec l[4];
	struct ct_fetched_rec x[4];
	int n, nx;
};

static void emit(const void *rec, size_t len, void *ctx)
{
	const struct ct_hdr *h = rec;
	struct emitted *e = ctx;

	cr_assert_eq(ct_rec_check(rec, len), 0);
	if (h->type == CT_EV_FETCHED) {
		cr_assert_eq(len, sizeof(e->x[0]));
		cr_assert_lt(e->nx, 4);
		memcpy(&e->x[e->nx++], rec, len);
		return;
	}
	cr_assert_eq(len, sizeof(e->l[0]));
	cr_assert_lt(e->n, 4);
	memcpy(&e->l[e->n++], rec, len);
}

static struct ct_fuse fuse_rec(uint64_t key, uint32_t dev, uint64_t ts)
{
	struct ct_fuse r;

	memset(&r, 0, sizeof(r));
	r.hdr.ts_ns = ts;
	r.hdr.type = CT_EV_FUSE;
	r.hdr.size = sizeof(r);
	r.cgroup_key = key;
	r.start_ns = ts - 1;
	r.dev = dev;
	return r;
}

/* One record per (container, connection), at its first request's end;
 * nothing for a connection that is no layer. */
Test(layers, asked_once_per_container_and_connection)
{
	struct ct_layers *q = calloc(1, sizeof(*q));
	struct emitted e = { .n = 0 };
	struct scene s;
	struct ct_fuse r;

	scene(&s, DIGEST ".json", "stargz");
	q->mountinfo = s.mountinfo;
	r = fuse_rec(7, DEV(0, 41), 1000);
	ct_layers_feed(q, &r, sizeof(r), r.hdr.ts_ns, emit, &e);
	r = fuse_rec(7, DEV(0, 41), 2000);
	ct_layers_feed(q, &r, sizeof(r), r.hdr.ts_ns, emit, &e);
	r = fuse_rec(7, DEV(0, 40), 2500);
	ct_layers_feed(q, &r, sizeof(r), r.hdr.ts_ns, emit, &e);
	r = fuse_rec(8, DEV(0, 41), 3000);
	ct_layers_feed(q, &r, sizeof(r), r.hdr.ts_ns, emit, &e);
	cr_assert_eq(e.n, 2);
	cr_expect_eq(e.l[0].hdr.type, CT_EV_LAYER);
	cr_expect_eq(e.l[0].hdr.size, sizeof(struct ct_layer_rec));
	cr_expect_eq(e.l[0].hdr.ts_ns, 1000, "at the request's end");
	cr_expect_eq(e.l[0].cgroup_key, 7);
	cr_expect_eq(e.l[0].dev, DEV(0, 41));
	cr_expect_str_eq(e.l[0].digest, DIGEST);
	cr_expect_eq(e.l[1].cgroup_key, 8);
	cr_expect_eq(e.nx, 0, "a state file without fetchedSize");
	scene_free(&s);
	free(q);
}

/*
 * A connection's fetched bytes: read with its name at a container's
 * first request, then once its requests have settled (whether changed
 * or not: the sample after a container's last request is the one its
 * growth needs), at the end whatever is due; never twice for one run
 * of requests.  Each record's time is when its read began.
 */
Test(layers, sampled_once_requests_settle)
{
	const uint64_t ms = 1000000;
	struct ct_layers *q = calloc(1, sizeof(*q));
	struct emitted e = { .n = 0 };
	struct scene s;
	struct ct_fuse r;
	uint64_t t0;

	scene_state(&s, DIGEST ".json", "stargz", STATE(8936));
	q->mountinfo = s.mountinfo;
	t0 = ct_mono_ns();
	r = fuse_rec(7, DEV(0, 41), 1000 * ms);
	ct_layers_feed(q, &r, sizeof(r), r.hdr.ts_ns, emit, &e);
	cr_assert_eq(e.n, 1);
	cr_assert_eq(e.nx, 1, "with its name");
	cr_expect_eq(e.x[0].dev, DEV(0, 41));
	cr_expect_eq(e.x[0].fetched, 8936);
	cr_expect_eq(e.x[0].size, 6308936);
	cr_expect_geq(e.x[0].hdr.ts_ns, t0);
	cr_expect_leq(e.x[0].hdr.ts_ns, ct_mono_ns());

	state(&s, DIGEST ".json", STATE(4258936));
	ct_layers_sample(q, 1019 * ms, emit, &e);
	cr_expect_eq(e.nx, 1, "not settled yet");
	ct_layers_sample(q, 1020 * ms, emit, &e);
	cr_assert_eq(e.nx, 2);
	cr_expect_eq(e.x[1].fetched, 4258936);
	ct_layers_sample(q, 5000 * ms, emit, &e);
	cr_expect_eq(e.nx, 2, "no request since");

	r = fuse_rec(7, DEV(0, 41), 6000 * ms);
	ct_layers_feed(q, &r, sizeof(r), r.hdr.ts_ns, emit, &e);
	cr_expect_eq(e.n, 1, "named once");
	cr_expect_eq(e.nx, 2);
	ct_layers_sample(q, UINT64_MAX, emit, &e);
	cr_assert_eq(e.nx, 3, "the end: due, unchanged or not");
	cr_expect_eq(e.x[2].fetched, 4258936);
	ct_layers_sample(q, UINT64_MAX, emit, &e);
	cr_expect_eq(e.nx, 3);

	/* a listen: every connection with requests, settled or not */
	r = fuse_rec(7, DEV(0, 41), 7000 * ms);
	ct_layers_feed(q, &r, sizeof(r), r.hdr.ts_ns, emit, &e);
	ct_layers_sample(q, 7001 * ms, emit, &e);
	cr_expect_eq(e.nx, 3, "not settled");
	r.hdr.type = CT_EV_LISTEN;
	ct_layers_feed(q, &r, sizeof(r), r.hdr.ts_ns, emit, &e);
	ct_layers_sample(q, 7002 * ms, emit, &e);
	cr_expect_eq(e.nx, 4, "sampled at the listen");
	scene_free(&s);
	free(q);
}

/* A new container: every stargz layer's, where it changed since. */
Test(layers, new_container_samples_what_changed)
{
	struct ct_layers *q = calloc(1, sizeof(*q));
	struct emitted e = { .n = 0 };
	struct scene s;

	scene_state(&s, DIGEST ".json", "stargz", STATE(8936));
	q->mountinfo = s.mountinfo;
	ct_layers_sample(q, 0, emit, &e);
	cr_expect_eq(e.nx, 0, "no new container");
	ct_layers_new_container(q);
	ct_layers_sample(q, 0, emit, &e);
	cr_assert_eq(e.nx, 1);
	cr_expect_eq(e.x[0].dev, DEV(0, 41), "the layer, not sshfs");
	cr_expect_eq(e.x[0].fetched, 8936);
	ct_layers_new_container(q);
	ct_layers_sample(q, 0, emit, &e);
	cr_expect_eq(e.nx, 1, "unchanged: the last sample holds");
	state(&s, DIGEST ".json", STATE(58936));
	ct_layers_new_container(q);
	ct_layers_sample(q, 0, emit, &e);
	cr_assert_eq(e.nx, 2);
	cr_expect_eq(e.x[1].fetched, 58936);
	cr_expect_eq(e.n, 0, "no name without a request");
	scene_free(&s);
	free(q);
}
