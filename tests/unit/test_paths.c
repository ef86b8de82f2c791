// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --paths: the bounded slowest-first list (merging per-CPU lists),
 * escaping in text and JSON, the CT_EV_PATHS record (bad ones refused)
 * and its way through --replay.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"
#include "recfile.h"
#include "replay.h"
#include "tjson.h"

static struct ct_container c;

static void reset(void)
{
	memset(&c, 0, sizeof(c));
}

static void add(uint64_t ns, const char *path)
{
	ct_paths_add(&c, CT_OPENS_SLOW_K, ns, 3, path, strlen(path) + 1);
}

Test(paths, kept_slowest_first_and_bounded, .init = reset)
{
	/* 40 opens in a scrambled order: the 16 slowest survive, sorted */
	for (unsigned int i = 0; i < 40; i++) {
		char p[32];
		uint64_t ns = (i * 17) % 40 + 1;

		snprintf(p, sizeof(p), "/f%llu", (unsigned long long)ns);
		add(ns * 1000, p);
	}
	cr_assert_eq(c.n_slow, CT_OPENS_SLOW_K);
	for (unsigned int i = 0; i < c.n_slow; i++) {
		char p[32];

		cr_expect_eq(c.slow[i].ns, (40 - i) * 1000ull, "slot %u", i);
		snprintf(p, sizeof(p), "/f%u", 40 - i);
		cr_expect_str_eq(c.slow[i].path, p);
	}
}

Test(paths, smaller_max_and_ties_by_path, .init = reset)
{
	ct_paths_add(&c, 2, 5, 3, "/b", 3);
	ct_paths_add(&c, 2, 5, 3, "/a", 3);
	ct_paths_add(&c, 2, 4, 3, "/z", 3);	/* not slow enough */
	ct_paths_add(&c, 0, 9, 3, "/y", 3);	/* max 0: nothing */
	cr_assert_eq(c.n_slow, 2);
	cr_expect_str_eq(c.slow[0].path, "/a");
	cr_expect_str_eq(c.slow[1].path, "/b");
	/* a too-large max is clamped, never an overflow */
	for (int i = 0; i < 100; i++)
		ct_paths_add(&c, 1000, 100 + i, -2, "/x", 3);
	cr_expect_eq(c.n_slow, CT_OPENS_SLOW_K);
	cr_expect_eq(c.slow[0].ns, 199);
	cr_expect_eq(c.slow[0].ret, -2);
}

Test(paths, merges_per_cpu_lists, .init = reset)
{
	static struct ct_opens_slow_ent cpu0[3], cpu1[3];
	uint64_t want[] = { 900, 800, 700, 300 };

	cpu0[0] = (struct ct_opens_slow_ent){ .ns = 800, .path = "/0a" };
	cpu0[1] = (struct ct_opens_slow_ent){ .ns = 100, .path = "/0b" };
	cpu0[2] = (struct ct_opens_slow_ent){ .ns = 300, .path = "/0c" };
	cpu1[0] = (struct ct_opens_slow_ent){ .ns = 700, .path = "/1a" };
	cpu1[1] = (struct ct_opens_slow_ent){ .ns = 900, .ret = -13,
					      .path = "/1b" };
	cpu1[2] = (struct ct_opens_slow_ent){ .ns = 200, .path = "/1c" };
	ct_paths_set(&c, 4, cpu0, 3);
	cr_assert_eq(c.n_slow, 3);
	for (int i = 0; i < 3; i++)
		ct_paths_add(&c, 4, cpu1[i].ns, cpu1[i].ret, cpu1[i].path,
			     sizeof(cpu1[i].path));
	cr_assert_eq(c.n_slow, 4);
	for (int i = 0; i < 4; i++)
		cr_expect_eq(c.slow[i].ns, want[i], "slot %d", i);
	cr_expect_str_eq(c.slow[0].path, "/1b");
	cr_expect_eq(c.slow[0].ret, -13);
	/* set replaces, it does not add */
	ct_paths_set(&c, 4, cpu1, 1);
	cr_expect_eq(c.n_slow, 1);
}

Test(paths, unterminated_path_is_cut, .init = reset)
{
	static char big[CT_SLOW_PATH_LEN + 50];

	memset(big, 'a', sizeof(big));
	ct_paths_add(&c, 4, 1, 3, big, sizeof(big));
	cr_assert_eq(c.n_slow, 1);
	cr_expect_eq(strlen(c.slow[0].path), CT_SLOW_PATH_LEN - 1);
}

Test(paths, text_escape)
{
	char out[CT_PATHS_ESC_LEN], small[8];
	const char in[] = "/a b\n\"q\"\\\x01\xff\xc3\xa9";

	ct_paths_escape(out, sizeof(out), in, sizeof(in));
	cr_expect_str_eq(out, "/a b\\x0a\"q\"\\\\\\x01\\xff\\xc3\\xa9");
	/* never half an escape, always terminated */
	ct_paths_escape(small, sizeof(small), "ab\ncd", 6);
	cr_expect_str_eq(small, "ab\\x0ac");
	ct_paths_escape(small, 7, "ab\ncd", 6);
	cr_expect_str_eq(small, "ab\\x0a");
	ct_paths_escape(small, 5, "ab\ncd", 6);
	cr_expect_str_eq(small, "ab");
	/* stops at len without a NUL */
	ct_paths_escape(out, sizeof(out), "abcdef", 3);
	cr_expect_str_eq(out, "abc");
}

static char *print_to_string(void (*fn)(FILE *, const struct ct_container *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	fn(f, &c);
	fclose(f);
	return buf;
}

Test(paths, text_lines_escaped, .init = reset)
{
	char *s;

	ct_paths_add(&c, 4, 1500000, -2, "/tmp/q\"u\nx", 12);
	ct_paths_add(&c, 4, 2500, 3, "/etc/hostname", 14);
	s = print_to_string(ct_paths_print);
	cr_expect_str_eq(s,
		"    slow open     1500.0 us  ret   -2  /tmp/q\"u\\x0ax\n"
		"    slow open        2.5 us  ret    3  /etc/hostname\n");
	free(s);
}

static void json_of(FILE *f, const struct ct_container *ct)
{
	struct ct_json w;

	ct_json_init(&w, f);
	ct_json_start_object(&w);
	ct_paths_json(&w, ct);
	ct_json_end_object(&w);
	cr_expect_eq(ct_json_error(&w), 0);
}

Test(paths, json_round_trip, .init = reset)
{
	const char weird[] = "/tmp/q\"u\nx\\\x01\xff";
	struct tj *v;
	char err[128], *s;
	uint64_t ns;

	s = print_to_string(json_of);
	cr_expect_str_eq(s, "{}", "absent when there are none");
	free(s);
	ct_paths_add(&c, 4, 42, -2, weird, sizeof(weird));
	ct_paths_add(&c, 4, 7, 3, "/etc/hostname", 14);
	s = print_to_string(json_of);
	v = tj_parse(s, strlen(s), err, sizeof(err));
	cr_assert_not_null(v, "%s: %s", err, s);
	/* invalid UTF-8 becomes U+FFFD; everything else comes back */
	cr_expect_str_eq(tj_str(v, "slowest_opens.0.path"),
			 "/tmp/q\"u\nx\\\x01\xef\xbf\xbd");
	cr_expect(tj_u64(v, "slowest_opens.0.ns", &ns) && ns == 42);
	cr_expect_str_eq(tj_get(v, "slowest_opens.0.ret")->text, "-2");
	cr_expect_str_eq(tj_str(v, "slowest_opens.1.path"), "/etc/hostname");
	cr_expect_null(tj_get(v, "slowest_opens.2"));
	tj_free(v);
	free(s);
}

static struct ct_paths_rec rec;

static void fill_rec(void)
{
	reset();
	c.cgroup_key = 77;
	add(300, "/slow");
	add(200, "/tmp/q\"u\nx");
	ct_paths_rec_fill(&rec, &c, 123);
}

Test(paths_rec, round_trip, .init = fill_rec)
{
	static struct ct_opens_slow_ent ent[CT_OPENS_SLOW_K];
	uint64_t key;
	uint32_t n;

	cr_assert_eq(rec.hdr.type, CT_EV_PATHS);
	cr_assert_eq(rec.hdr.size, sizeof(rec));
	cr_assert_eq(ct_paths_rec_parse(&rec, sizeof(rec), &key, ent, &n), 0);
	cr_expect_eq(key, 77);
	cr_assert_eq(n, 2);
	cr_expect_eq(ent[0].ns, 300);
	cr_expect_str_eq(ent[1].path, "/tmp/q\"u\nx");
}

Test(paths_rec, bad_records_refused, .init = fill_rec)
{
	static struct ct_opens_slow_ent ent[CT_OPENS_SLOW_K];
	static char buf[sizeof(rec) + 8];
	struct ct_paths_rec r;
	uint64_t key;
	uint32_t n;

	/* short and long buffers */
	memcpy(buf, &rec, sizeof(rec));
	cr_expect_eq(ct_paths_rec_parse(buf, sizeof(rec) - 1, &key, ent, &n),
		     -EINVAL);
	cr_expect_eq(ct_paths_rec_parse(buf, sizeof(rec) + 8, &key, ent, &n),
		     -EINVAL);
	cr_expect_eq(ct_paths_rec_parse(buf, 0, &key, ent, &n), -EINVAL);
	/* unaligned is fine */
	memmove(buf + 1, buf, sizeof(rec));
	cr_expect_eq(ct_paths_rec_parse(buf + 1, sizeof(rec), &key, ent, &n),
		     0);
	r = rec;
	r.hdr.size = sizeof(rec) - 8;
	cr_expect_eq(ct_paths_rec_parse(&r, sizeof(r), &key, ent, &n), -EINVAL);
	r = rec;
	r.hdr.type = CT_EV_OPENS;
	cr_expect_eq(ct_paths_rec_parse(&r, sizeof(r), &key, ent, &n), -EINVAL);
	r = rec;
	r.n = CT_OPENS_SLOW_K + 1;
	cr_expect_eq(ct_paths_rec_parse(&r, sizeof(r), &key, ent, &n), -EINVAL);
	r = rec;
	memset(r.ent[1].path, 'x', sizeof(r.ent[1].path));	/* no NUL */
	cr_expect_eq(ct_paths_rec_parse(&r, sizeof(r), &key, ent, &n), -EINVAL);
	/* past n, entries are not looked at */
	r = rec;
	memset(r.ent[5].path, 'x', sizeof(r.ent[5].path));
	cr_expect_eq(ct_paths_rec_parse(&r, sizeof(r), &key, ent, &n), 0);
}

Test(paths_rec, replayed_by_cgroup_key, .init = fill_rec)
{
	char path[] = "/tmp/ct-test-paths.XXXXXX", err[256];
	struct ct_rec_file_hdr h;
	struct ct_replay_opens *rp;
	struct ct_rec_writer *w;
	struct ct_paths_rec bad = rec;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	ct_rec_fill_hdr(&h, CT_CGROUP_V1_MEMORY, 0, "test");
	cr_assert_eq(ct_rec_writer_open(&w, path, &h, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(ct_rec_write(w, &rec, sizeof(rec)), 0);
	bad.cgroup_key = 78;
	bad.n = 99;		/* malformed: left out, not fatal */
	cr_assert_eq(ct_rec_write(w, &bad, sizeof(bad)), 0);
	cr_assert_eq(ct_rec_writer_close(w, err, sizeof(err)), 0, "%s", err);

	cr_assert_eq(ct_replay_opens_load(path, &rp, err, sizeof(err)), 0,
		     "%s", err);
	reset();
	cr_assert(ct_replay_paths_find(rp, 77, &c, 1));
	cr_expect_eq(c.n_slow, 1, "cut to max");
	cr_expect_str_eq(c.slow[0].path, "/slow");
	cr_expect_not(ct_replay_paths_find(rp, 78, &c, 5));
	cr_expect_eq(c.n_slow, 0);
	cr_expect_not(ct_replay_paths_find(NULL, 77, &c, 5));
	ct_replay_opens_free(rp);
	unlink(path);
}
