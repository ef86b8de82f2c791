// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A FUSE connection's layer, read as a live session reads it: a fake
 * mountinfo naming a directory of ours as a stargz layer's mount (its
 * path with a space, escaped as mountinfo escapes it), and that
 * directory's .stargz-snapshotter/<digest>.json.
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

#define DIGEST	"sha256:3fb2697693b0226454be85370f1e12d14fd8cae47c64713012a45b2ec35af501"
#define DEV(maj, min)	((uint32_t)(maj) << 20 | (min))

struct scene {
	char root[64];		/* the fake layer's mount point's parent */
	char mountinfo[128];
};

/* root/a b/.stargz-snapshotter/NAME, and a mountinfo of two lines: a
 * plain FUSE mount at 0:40, the layer at 0:41 with source `source`. */
static void scene(struct scene *s, const char *name, const char *source)
{
	char p[512];
	FILE *f;
	int fd;

	snprintf(s->root, sizeof(s->root), "/tmp/ct-layers-XXXXXX");
	cr_assert_not_null(mkdtemp(s->root));
	snprintf(p, sizeof(p), "%s/a b", s->root);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/a b/.stargz-snapshotter", s->root);
	cr_assert_eq(mkdir(p, 0500), 0);
	if (name) {
		snprintf(p, sizeof(p), "%s/a b/.stargz-snapshotter/%s",
			 s->root, name);
		fd = open(p, O_CREAT | O_WRONLY, 0400);
		cr_assert_geq(fd, 0);
		close(fd);
	}
	snprintf(s->mountinfo, sizeof(s->mountinfo), "%s/mountinfo", s->root);
	f = fopen(s->mountinfo, "w");
	cr_assert_not_null(f);
	fprintf(f, "43 27 0:40 / /mnt/other rw,relatime - fuse.sshfs host:/ rw\n"
		   "44 27 0:41 / %s/a\\040b rw,nodev,relatime shared:9 - "
		   "fuse.rawBridge %s rw,user_id=0,group_id=0\n",
		s->root, source);
	cr_assert_eq(fclose(f), 0);
}

static void scene_free(struct scene *s)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->root);
	cr_assert_eq(system(cmd), 0);
}

Test(layers, digest_of_a_stargz_layer)
{
	struct scene s;
	char d[CT_LAYER_DIGEST_LEN] = "";

	scene(&s, DIGEST ".json", "stargz");
	cr_assert_eq(ct_layer_digest(s.mountinfo, DEV(0, 41), d, sizeof(d),
				     1000), 0);
	cr_expect_str_eq(d, DIGEST);
	/* another FUSE file system, a dev nobody mounted */
	cr_expect_eq(ct_layer_digest(s.mountinfo, DEV(0, 40), d, sizeof(d),
				     1000), -ENOENT);
	cr_expect_eq(ct_layer_digest(s.mountinfo, DEV(0, 42), d, sizeof(d),
				     1000), -ENOENT);
	scene_free(&s);
}

/* Only a stargz source counts, and only a digest's name in its dir. */
Test(layers, not_a_layer)
{
	struct scene s;
	char d[CT_LAYER_DIGEST_LEN] = "";

	scene(&s, DIGEST ".json", "sshfs");
	cr_expect_eq(ct_layer_digest(s.mountinfo, DEV(0, 41), d, sizeof(d),
				     1000), -ENOENT);
	scene_free(&s);
	scene(&s, "sha256:XYZ.json", "stargz");
	cr_expect_eq(ct_layer_digest(s.mountinfo, DEV(0, 41), d, sizeof(d),
				     1000), -ENOENT);
	scene_free(&s);
	scene(&s, NULL, "stargz");
	cr_expect_eq(ct_layer_digest(s.mountinfo, DEV(0, 41), d, sizeof(d),
				     1000), -ENOENT);
	scene_free(&s);
}

struct emitted {
	struct ct_layer_rec l[4];
	int n;
};

static void emit(const void *rec, size_t len, void *ctx)
{
	struct emitted *e = ctx;

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
	ct_layers_feed(q, &r, sizeof(r), emit, &e);
	r = fuse_rec(7, DEV(0, 41), 2000);
	ct_layers_feed(q, &r, sizeof(r), emit, &e);
	r = fuse_rec(7, DEV(0, 40), 2500);
	ct_layers_feed(q, &r, sizeof(r), emit, &e);
	r = fuse_rec(8, DEV(0, 41), 3000);
	ct_layers_feed(q, &r, sizeof(r), emit, &e);
	cr_assert_eq(e.n, 2);
	cr_expect_eq(e.l[0].hdr.type, CT_EV_LAYER);
	cr_expect_eq(e.l[0].hdr.size, sizeof(struct ct_layer_rec));
	cr_expect_eq(e.l[0].hdr.ts_ns, 1000, "at the request's end");
	cr_expect_eq(e.l[0].cgroup_key, 7);
	cr_expect_eq(e.l[0].dev, DEV(0, 41));
	cr_expect_str_eq(e.l[0].digest, DIGEST);
	cr_expect_eq(e.l[1].cgroup_key, 8);
	cr_expect_eq(ct_rec_check(&e.l[0], sizeof(e.l[0])), 0);
	scene_free(&s);
	free(q);
}
