// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --start-files: first touches per container, cut and written. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coldtrace.h"
#include "container.h"
#include "startfiles.h"
#include "startfiles_images.h"

#define MS	1000000ull
#define M2R	(1000 * MS)	/* mono_to_real of these tests */
#define KEY	4242
#define WINDOW	(10000 * MS)

/* A touch at mono ms (the run begins at 50 ms wall, 50 - 1000 mono). */
static struct ct_touch touch_at(uint64_t wall_ms, uint64_t key,
				const char *path, uint64_t size)
{
	struct ct_touch t;

	memset(&t, 0, sizeof(t));
	t.hdr.ts_ns = wall_ms * MS;	/* + M2R: wall */
	t.hdr.type = CT_EV_TOUCH;
	t.hdr.size = sizeof(t);
	t.cgroup_key = key;
	t.size = size;
	snprintf(t.path, sizeof(t.path), "%s", path);
	return t;
}

/* runc; wall ms: run 50..900, ready 50..ready_end (0: none) */
static void container(struct ct_container *c, uint64_t key,
		      uint64_t ready_end)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "abc");
	c->cgroup_key = key;
	c->runtime = CT_RT_RUNC;
	c->phase_mask = 1u << CT_PH_RUN;
	c->phases[CT_PH_RUN].start_ns = M2R + 50 * MS;
	c->phases[CT_PH_RUN].end_ns = M2R + 900 * MS;
	if (ready_end) {
		c->phase_mask |= 1u << CT_PH_READY;
		c->phases[CT_PH_READY].start_ns = M2R + 50 * MS;
		c->phases[CT_PH_READY].end_ns = M2R + ready_end * MS;
	}
}

static void feed(struct ct_startfiles *sf, struct ct_touch t)
{
	cr_assert_eq(ct_startfiles_feed(sf, &t, sizeof(t)), 0);
}

/* What ct_startfiles_write() writes, as one string (caller frees). */
static char *written(const struct ct_startfiles *sf)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(ct_startfiles_write(f, sf), 0);
	fclose(f);
	return buf;
}

Test(startfiles, first_touch_order_cut_at_ready)
{
	struct ct_startfiles *sf = ct_startfiles_new(WINDOW, M2R);
	struct ct_container c;
	char *out;

	feed(sf, touch_at(60, KEY, "/b", 20));
	feed(sf, touch_at(70, KEY, "/a", 10));
	feed(sf, touch_at(80, KEY, "/b", 99));	/* again: not kept */
	feed(sf, touch_at(90, KEY, "rel", 5));
	feed(sf, touch_at(90, KEY + 1, "/other", 1));	/* another key */
	feed(sf, touch_at(200, KEY, "/late", 7));	/* after ready */
	container(&c, KEY, 100);
	ct_startfiles_apply(sf, &c);
	cr_assert(c.start_files.valid);
	cr_assert_eq(c.start_files.count, 3);
	cr_assert_eq(c.start_files.bytes, 35);
	cr_assert_eq(c.start_files.relative, 1);
	cr_assert_eq(c.start_files.until, CT_SF_READY);
	cr_assert_eq(c.start_files.cut_ns, 50 * MS);
	cr_assert_eq(c.start_files.last_ns, 40 * MS);
	out = written(sf);
	cr_assert_str_eq(out,
		"{\"path\":\"/b\",\"id\":\"abc\",\"name\":\"\",\"image\":\"\","
		"\"offset_ns\":10000000,\"size\":20}\n"
		"{\"path\":\"/a\",\"id\":\"abc\",\"name\":\"\",\"image\":\"\","
		"\"offset_ns\":20000000,\"size\":10}\n"
		"{\"path\":\"rel\",\"id\":\"abc\",\"name\":\"\",\"image\":\"\","
		"\"offset_ns\":40000000,\"size\":5}\n");
	free(out);
	/* its touches went with it; the other key's stay */
	ct_startfiles_apply(sf, &c);
	cr_assert_eq(c.start_files.count, 0);
	container(&c, KEY + 1, 0);
	ct_startfiles_apply(sf, &c);
	cr_assert_eq(c.start_files.count, 1);
	ct_startfiles_free(sf);
}

/* The stage's own lines folded per image: the spans it kept of each
 * line (an escaped quote in a path and an image's name). */
Test(startfiles, images_of_the_kept_lines)
{
	struct ct_startfiles *sf = ct_startfiles_new(WINDOW, M2R);
	struct ct_container c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	feed(sf, touch_at(60, KEY, "/b", 1));
	feed(sf, touch_at(70, KEY, "/q\"x", 1));
	feed(sf, touch_at(55, KEY + 1, "/b", 1));
	feed(sf, touch_at(80, KEY + 1, "/z", 1));
	container(&c, KEY, 0);
	snprintf(c.image, sizeof(c.image), "im\"g");
	ct_startfiles_apply(sf, &c);
	container(&c, KEY + 1, 0);
	snprintf(c.id, sizeof(c.id), "def");
	snprintf(c.image, sizeof(c.image), "im\"g");
	ct_startfiles_apply(sf, &c);
	f = open_memstream(&buf, &len);
	cr_assert_eq(ct_startfiles_write_images(f, sf), 0);
	fclose(f);
	cr_expect_str_eq(buf,
		"{\"path\":\"/b\",\"image\":\"im\\\"g\",\"offset_ns\":5000000,"
		"\"containers\":2,\"of\":2}\n"
		"{\"path\":\"/q\\\"x\",\"image\":\"im\\\"g\",\"offset_ns\":20000000,"
		"\"containers\":1,\"of\":2}\n"
		"{\"path\":\"/z\",\"image\":\"im\\\"g\",\"offset_ns\":30000000,"
		"\"containers\":1,\"of\":2}\n");
	free(buf);
	ct_startfiles_free(sf);
}

Test(startfiles, the_earliest_cut_says_why)
{
	static const struct {
		uint64_t ready_end, run_end, traced_until, window_ms;
		enum ct_sf_until until;
		uint64_t cut_ms;	/* after the exec */
	} cases[] = {
		{ 0, 900, 0, 10000, CT_SF_EXIT, 850 },
		{ 0, 0, 0, 300, CT_SF_WINDOW, 300 },
		{ 600, 900, 0, 300, CT_SF_WINDOW, 300 },
		{ 600, 900, 400, 10000, CT_SF_DETACHED, 350 },
		{ 600, 900, 700, 10000, CT_SF_READY, 550 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ct_startfiles *sf =
			ct_startfiles_new(cases[i].window_ms * MS, M2R);
		struct ct_container c;

		container(&c, KEY, cases[i].ready_end);
		c.phases[CT_PH_RUN].end_ns =
			cases[i].run_end ? M2R + cases[i].run_end * MS : 0;
		c.opens.traced_until_ns = cases[i].traced_until ?
			M2R + cases[i].traced_until * MS : 0;
		ct_startfiles_apply(sf, &c);
		cr_assert_eq(c.start_files.until, cases[i].until, "case %zu", i);
		cr_assert_eq(c.start_files.cut_ns, cases[i].cut_ms * MS,
			     "case %zu", i);
		ct_startfiles_free(sf);
	}
}

Test(startfiles, not_for_runsc_unarmed_or_off)
{
	struct ct_startfiles *sf = ct_startfiles_new(WINDOW, M2R);
	struct ct_startfiles *off = ct_startfiles_new(0, M2R);
	struct ct_container c;

	feed(sf, touch_at(60, KEY, "/a", 1));
	container(&c, KEY, 0);
	c.runtime = CT_RT_RUNSC;
	ct_startfiles_apply(sf, &c);
	cr_assert_not(c.start_files.valid);
	container(&c, KEY, 0);		/* forgotten with the runsc one */
	c.unarmed = true;
	ct_startfiles_apply(sf, &c);
	cr_assert_not(c.start_files.valid);
	feed(off, touch_at(60, KEY, "/a", 1));
	container(&c, KEY, 0);
	ct_startfiles_apply(off, &c);
	cr_assert_not(c.start_files.valid);
	ct_startfiles_free(sf);
	ct_startfiles_free(off);
}

Test(startfiles, bounded_and_counted)
{
	struct ct_startfiles *sf = ct_startfiles_new(WINDOW, M2R);
	struct ct_container c;
	char p[32];

	for (int i = 0; i < CT_SF_FILES + 5; i++) {
		snprintf(p, sizeof(p), "/f%d", i);
		feed(sf, touch_at(60, KEY, p, 1));
	}
	container(&c, KEY, 0);
	ct_startfiles_apply(sf, &c);
	cr_assert_eq(c.start_files.count, CT_SF_FILES);
	cr_assert_eq(c.start_files.dropped, 5);
	ct_startfiles_free(sf);
}

Test(startfiles, untrusted_records)
{
	struct ct_startfiles *sf = ct_startfiles_new(WINDOW, M2R);
	struct ct_touch t = touch_at(60, KEY, "/a", 1);
	struct ct_container c;
	char *out;

	cr_assert_eq(ct_startfiles_feed(sf, &t, sizeof(t) - 1), -EINVAL);
	t.hdr.size = sizeof(t) - 8;
	cr_assert_eq(ct_startfiles_feed(sf, &t, sizeof(t)), -EINVAL);
	/* no NUL in path, a quote and a newline: escaped, cut */
	t = touch_at(60, KEY, "", 1);
	memset(t.path, 'x', sizeof(t.path));
	t.path[0] = '/';
	t.path[1] = '"';
	t.path[2] = '\n';
	feed(sf, t);
	container(&c, KEY, 0);
	ct_startfiles_apply(sf, &c);
	cr_assert_eq(c.start_files.count, 1);
	out = written(sf);
	cr_assert(!strncmp(out, "{\"path\":\"/\\\"\\nxxx", 17), "%s", out);
	cr_assert_eq(strchr(out, '\n'), out + strlen(out) - 1);
	free(out);
	ct_startfiles_free(sf);
}

Test(startfiles, proc_names_are_no_image_files)
{
	struct ct_startfiles *sf = ct_startfiles_new(WINDOW, M2R);
	struct ct_container c;

	feed(sf, touch_at(60, KEY, "/bin/sh", 100));
	feed(sf, touch_at(61, KEY, "/proc/self/exe", 100));
	container(&c, KEY, 0);
	ct_startfiles_apply(sf, &c);
	cr_assert_eq(c.start_files.count, 1);
	cr_assert_eq(c.start_files.bytes, 100);
	ct_startfiles_free(sf);
}

/*
 * start-files-images.jsonl: per image (by name), each path once, the
 * earliest first by the median of its containers' offsets (of two, the
 * lower), with how many of the image's containers listed it; strings
 * as they were written (a quote escaped stays so).
 */
#define E(p, i, off, c)	{ { p, sizeof(p) - 1 }, { i, sizeof(i) - 1 }, off, c }
Test(startfiles, folded_per_image)
{
	static const struct ct_sf_entry in[] = {
		/* container 0 of a */
		E("\"/bin/sh\"", "\"a\"", 0, 0),
		E("\"/lib/q\\\"uote\"", "\"a\"", 50, 0),
		E("\"/app\"", "\"a\"", 90, 0),
		/* b's one container, in between */
		E("\"/bin/sh\"", "\"b\"", 7, 1),
		/* containers 2 and 3 of a */
		E("\"/bin/sh\"", "\"a\"", 2, 2),
		E("\"/app\"", "\"a\"", 30, 2),
		E("\"/bin/sh\"", "\"a\"", 1, 3),
		E("\"/app\"", "\"a\"", 40, 3),
	};
	static const char want[] =
		"{\"path\":\"/bin/sh\",\"image\":\"a\",\"offset_ns\":1,\"containers\":3,\"of\":3}\n"
		"{\"path\":\"/app\",\"image\":\"a\",\"offset_ns\":40,\"containers\":3,\"of\":3}\n"
		"{\"path\":\"/lib/q\\\"uote\",\"image\":\"a\",\"offset_ns\":50,\"containers\":1,\"of\":3}\n"
		"{\"path\":\"/bin/sh\",\"image\":\"b\",\"offset_ns\":7,\"containers\":1,\"of\":1}\n";
	char *buf = NULL;
	size_t len = 0, n = sizeof(in) / sizeof(in[0]);
	FILE *f = open_memstream(&buf, &len);

	cr_assert_eq(ct_sf_images_write(f, in, n), 0);
	fclose(f);
	cr_expect_str_eq(buf, want);
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	cr_assert_eq(ct_sf_images_write(f, in, 0), 0);
	fclose(f);
	cr_expect_eq(len, 0, "no lines: an empty file");
	free(buf);
}
