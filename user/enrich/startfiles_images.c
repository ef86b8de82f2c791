// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * start-files-images.jsonl: start-files.jsonl's kept lines folded per
 * image (startfiles_images.h), their strings copied as they were
 * escaped there: equal strings, equal bytes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "startfiles_images.h"

struct ent {
	struct ct_sf_str image, path;
	uint64_t offset;
	uint32_t ctr;		/* which container */
	uint32_t of;		/* containers of its image */
};

/* One (image, path): what a line of the file says. */
struct fold {
	struct ct_sf_str image, path;
	uint64_t offset;	/* the median (of two, the lower) */
	uint32_t containers, of;
};

static int str_cmp(struct ct_sf_str a, struct ct_sf_str b)
{
	int r = memcmp(a.s, b.s, a.n < b.n ? a.n : b.n);

	return r ? r : (a.n > b.n) - (a.n < b.n);
}

static bool str_eq(struct ct_sf_str a, struct ct_sf_str b)
{
	return a.n == b.n && !memcmp(a.s, b.s, a.n);
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static int by_image_ctr(const void *pa, const void *pb)
{
	const struct ent *a = pa, *b = pb;
	int r = str_cmp(a->image, b->image);

	return r ? r : cmp_u64(a->ctr, b->ctr);
}

static int by_image_path(const void *pa, const void *pb)
{
	const struct ent *a = pa, *b = pb;
	int r = str_cmp(a->image, b->image);

	if (!r)
		r = str_cmp(a->path, b->path);
	return r ? r : cmp_u64(a->offset, b->offset);
}

/* Images by name; in each, the earliest median first, then by path. */
static int by_image_offset(const void *pa, const void *pb)
{
	const struct fold *a = pa, *b = pb;
	int r = str_cmp(a->image, b->image);

	if (!r)
		r = cmp_u64(a->offset, b->offset);
	return r ? r : str_cmp(a->path, b->path);
}

/* e[] sorted by image and container: each entry's `of`. */
static void count_containers(struct ent *e, size_t n)
{
	size_t i = 0, j;
	uint32_t of;

	while (i < n) {
		of = 1;
		for (j = i + 1; j < n && str_eq(e[j].image, e[i].image); j++)
			of += e[j].ctr != e[j - 1].ctr;
		for (; i < j; i++)
			e[i].of = of;
	}
}

/* e[] sorted by image, path and offset: one fold per (image, path). */
static size_t fold(const struct ent *e, size_t n, struct fold *out)
{
	size_t i = 0, j, nf = 0;

	while (i < n) {
		for (j = i + 1; j < n && str_eq(e[j].image, e[i].image) &&
				str_eq(e[j].path, e[i].path); j++)
			;
		out[nf++] = (struct fold){
			.image = e[i].image, .path = e[i].path,
			.offset = e[i + (j - i - 1) / 2].offset,
			.containers = (uint32_t)(j - i), .of = e[i].of,
		};
		i = j;
	}
	return nf;
}

static int write_folds(FILE *f, const struct fold *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fprintf(f, "{\"path\":%.*s,\"image\":%.*s,\"offset_ns\":%llu,"
			       "\"containers\":%u,\"of\":%u}\n",
			    (int)x[i].path.n, x[i].path.s, (int)x[i].image.n,
			    x[i].image.s, (unsigned long long)x[i].offset,
			    x[i].containers, x[i].of) < 0)
			return -EIO;
	return 0;
}

int ct_sf_images_write(FILE *f, const struct ct_sf_entry *in, size_t n)
{
	struct ent *e = calloc(n ? n : 1, sizeof(*e));
	struct fold *x = calloc(n ? n : 1, sizeof(*x));
	int ret;

	if (!e || !x) {
		free(e);
		free(x);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		e[i] = (struct ent){ .image = in[i].image, .path = in[i].path,
				     .offset = in[i].offset_ns,
				     .ctr = in[i].ctr };
	qsort(e, n, sizeof(*e), by_image_ctr);
	count_containers(e, n);
	qsort(e, n, sizeof(*e), by_image_path);
	n = fold(e, n, x);
	qsort(x, n, sizeof(*x), by_image_offset);
	ret = write_folds(f, x, n);
	free(e);
	free(x);
	return ret;
}
