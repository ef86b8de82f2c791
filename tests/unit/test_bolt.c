// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * lib/bolt.c against containerd 1.7.24's own meta.db
 * (tests/fixtures/containerd-1.7-meta.db, namespace "ctp" after the
 * steps of ctr-pulls5.ctrec): the images `ctr -n ctp images ls` listed,
 * each with its target; a cut file and pages overwritten with garbage
 * give -EIO or a walk that holds together, never a crash; a commit made
 * after the open is seen.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bolt.h"

/* `ctr -n ctp images ls`: NAME, DIGEST */
static const char *const want[][2] = {
	{ "127.0.0.1:5000/cta:latest",
	  "sha256:4b1c5b45061d08f203785526403a5736a2cadfa9040f773595dd0209659df0b1" },
	{ "127.0.0.1:5000/ctb@sha256:edb1d1f5810580b0b6b5821a324c543785c977289158ac69936d527a0cab49be",
	  "sha256:edb1d1f5810580b0b6b5821a324c543785c977289158ac69936d527a0cab49be" },
	{ "127.0.0.1:5000/ctc:latest",
	  "sha256:b013ec52a0aee84278d6e1900e42ac37fa524b8557cd4dc689918a3c7666964a" },
};
#define NWANT (sizeof(want) / sizeof(want[0]))

struct seen {
	const struct ct_bolt *db;
	char names[8][256];
	char targets[8][80];
	size_t n;
};

/* A bucket's child bucket key into *out (its copy in buf). */
static int child(const struct ct_bolt *db, const struct ct_bolt_bucket *b,
		 const char *key, unsigned char *buf, size_t len,
		 struct ct_bolt_bucket *out)
{
	bool is_bucket = false;
	int rc = ct_bolt_get(db, b, key, buf, &len, &is_bucket);

	if (rc != 1)
		return rc < 0 ? rc : -ENOENT;
	return is_bucket ? ct_bolt_sub(buf, len, out) : -EINVAL;
}

static int image(const char *key, size_t klen, const void *val, size_t vlen,
		 bool is_bucket, void *ctx)
{
	struct seen *s = ctx;
	struct ct_bolt_bucket img, tgt;
	unsigned char buf[4096];
	size_t n = sizeof(s->targets[0]) - 1;
	int rc;

	if (!is_bucket || s->n >= 8 || klen >= sizeof(s->names[0]))
		return -EINVAL;
	rc = ct_bolt_sub(val, vlen, &img);
	rc = rc ? rc : child(s->db, &img, "target", buf, sizeof(buf), &tgt);
	rc = rc ? rc : ct_bolt_get(s->db, &tgt, "digest", s->targets[s->n],
				   &n, NULL);
	if (rc < 0)
		return rc;
	s->targets[s->n][rc == 1 ? n : 0] = '\0';
	memcpy(s->names[s->n], key, klen);
	s->names[s->n++][klen] = '\0';
	return 0;
}

/* v1/ctp/images of path into s: 0, or a walk's error. */
static int walk_images(const char *path, struct seen *s)
{
	static unsigned char b1[4096], b2[4096], b3[4096];
	struct ct_bolt_bucket top, v1, ns, images;
	struct ct_bolt *db = ct_bolt_open(path);
	int rc;

	memset(s, 0, sizeof(*s));
	if (!db)
		return -errno;
	s->db = db;
	top = ct_bolt_root(db);
	rc = child(db, &top, "v1", b1, sizeof(b1), &v1);
	rc = rc ? rc : child(db, &v1, "ctp", b2, sizeof(b2), &ns);
	rc = rc ? rc : child(db, &ns, "images", b3, sizeof(b3), &images);
	rc = rc ? rc : ct_bolt_each(db, &images, image, s);
	ct_bolt_close(db);
	return rc;
}

static const char *meta_db(char *buf, size_t n)
{
	const char *dir = getenv("CT_FIXTURES");

	snprintf(buf, n, "%s/containerd-1.7-meta.db",
		 dir ? dir : "tests/fixtures");
	return buf;
}

Test(bolt, the_images_ctr_lists_with_their_targets)
{
	char path[512];
	struct seen s;

	cr_assert_eq(walk_images(meta_db(path, sizeof(path)), &s), 0);
	cr_assert_eq(s.n, NWANT, "%zu images", s.n);
	for (size_t i = 0; i < NWANT; i++) {
		cr_assert_str_eq(s.names[i], want[i][0]);
		cr_assert_str_eq(s.targets[i], want[i][1], "%s", want[i][0]);
	}
}

/* path's first len bytes (or all), page pg's header overwritten with
 * junk if pg > 1, into a temporary file (its name in out). */
static void damaged_copy(const char *path, size_t len, long pg,
			 unsigned char junk, char out[64])
{
	FILE *in = fopen(path, "rb"), *o;
	unsigned char buf[4096];
	size_t got, at = 0;
	int fd;

	snprintf(out, 64, "/tmp/ct-bolt-test.XXXXXX");
	fd = mkstemp(out);
	cr_assert(in && fd >= 0);
	o = fdopen(fd, "wb");
	while ((got = fread(buf, 1, sizeof(buf), in)) > 0 && at < len) {
		if (pg > 1 && (long)(at / sizeof(buf)) == pg)
			memset(buf, junk, 16);
		fwrite(buf, 1, got < len - at ? got : len - at, o);
		at += got;
	}
	fclose(in);
	fclose(o);
}

Test(bolt, a_cut_file_is_an_error_not_a_guess)
{
	char path[512], cut[64];
	struct seen s;

	damaged_copy(meta_db(path, sizeof(path)), 3 * 4096, -1, 0, cut);
	cr_assert_eq(walk_images(cut, &s), -EIO);
	unlink(cut);
	damaged_copy(path, 100, -1, 0, cut);
	cr_assert_eq(walk_images(cut, &s), -EIO, "a meta page cut");
	unlink(cut);
}

/* Every page's header as garbage in turn (a page the daemon reused
 * while a walk read it): an error or a whole walk, never a crash. */
Test(bolt, a_page_overwritten_is_an_error_or_unread)
{
	const unsigned char junk[] = { 0x00, 0xff, 0x02, 0x01 };
	char path[512], bad[64];
	long pages;
	FILE *f;

	meta_db(path, sizeof(path));
	f = fopen(path, "rb");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	pages = ftell(f) / 4096;
	fclose(f);
	for (long pg = 2; pg < pages; pg++) {
		for (size_t j = 0; j < sizeof(junk); j++) {
			struct seen s;
			int rc;

			damaged_copy(path, (size_t)-1, pg, junk[j], bad);
			rc = walk_images(bad, &s);
			cr_assert(rc == 0 || rc == -EIO || rc == -ENOENT ||
				  rc == -EINVAL, "page %ld: %d", pg, rc);
			unlink(bad);
		}
	}
}

/* A meta page's txid (after its 16-byte page header: magic, version,
 * page size, flags, root, freelist, high-water mark, txid). */
static uint64_t txid_at(int fd, off_t page)
{
	uint64_t t = 0;

	cr_assert_eq(pread(fd, &t, 8, page + 16 + 48), 8);
	return t;
}

/* A commit bbolt-style: the older meta page becomes the newer one, its
 * txid one more, its checksum (FNV-1a of the 56 bytes before it) new. */
static void commit(int fd)
{
	unsigned char m[64];
	off_t older = txid_at(fd, 0) < txid_at(fd, 4096) ? 0 : 4096;
	uint64_t t = (txid_at(fd, 0) > txid_at(fd, 4096) ?
		      txid_at(fd, 0) : txid_at(fd, 4096)) + 1;
	uint64_t h = 14695981039346656037ull;

	cr_assert_eq(pread(fd, m, sizeof(m), older + 16), (ssize_t)sizeof(m));
	memcpy(m + 48, &t, 8);
	for (size_t i = 0; i < 56; i++) {
		h ^= m[i];
		h *= 1099511628211ull;
	}
	memcpy(m + 56, &h, 8);
	cr_assert_eq(pwrite(fd, m, sizeof(m), older + 16), (ssize_t)sizeof(m));
}

/* A walk during which the daemon committed is said to be one: the
 * pages it read may be of two trees. */
Test(bolt, a_commit_during_a_walk_is_seen)
{
	char path[512], copy[64];
	struct ct_bolt *db, *again;
	int fd;

	damaged_copy(meta_db(path, sizeof(path)), (size_t)-1, -1, 0, copy);
	db = ct_bolt_open(copy);
	cr_assert_not_null(db);
	cr_assert(ct_bolt_unchanged(db), "nothing committed yet");
	fd = open(copy, O_RDWR);
	cr_assert_geq(fd, 0);
	commit(fd);
	close(fd);
	cr_assert_not(ct_bolt_unchanged(db), "a commit after the open");
	again = ct_bolt_open(copy);
	cr_assert_not_null(again, "the new meta is valid");
	cr_assert(ct_bolt_unchanged(again));
	ct_bolt_close(again);
	ct_bolt_close(db);
	unlink(copy);
}
