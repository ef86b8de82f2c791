/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * start-files-images.jsonl (--start-files, -o DIR): the lines of
 * start-files.jsonl folded per image, pure C.  For each image (by name),
 * each path that any of its containers listed, once, the earliest first
 * by the median (of two, the lower) of its containers' first-touch
 * offsets:
 *
 *   {"path":"/usr/bin/python3","image":"my/app","offset_ns":1203,
 *    "containers":9,"of":10}
 *
 * "path" first, as start-files.jsonl: keep one image's lines and
 * ctr-remote's --estargz-record-in reads it as it is.  "containers": how
 * many of the image's containers listed the path; "of": how many of its
 * containers the kept lines have (a path every start needs says N of N).
 * The strings are taken as startfiles.c wrote them (quoted, escaped:
 * equal strings, equal bytes), so a replay folds the same bytes.
 */
#ifndef __CT_STARTFILES_IMAGES_H
#define __CT_STARTFILES_IMAGES_H

#include <stddef.h>
#include <stdio.h>

#include <stdint.h>

/* A JSON string as written: its quotes and escapes included. */
struct ct_sf_str {
	const char *s;
	size_t n;
};

/* What the fold takes of a start-files.jsonl line. */
struct ct_sf_entry {
	struct ct_sf_str path, image;
	uint64_t offset_ns;
	uint32_t ctr;		/* its container: the same for all its lines */
};

/* The fold of e[0..n) (oldest first) into f.  0, -EIO, -ENOMEM. */
int ct_sf_images_write(FILE *f, const struct ct_sf_entry *e, size_t n);

#endif /* __CT_STARTFILES_IMAGES_H */
