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
 * A container is a run of adjacent lines with one id (startfiles.c
 * writes a container's lines together).
 */
#ifndef __CT_STARTFILES_IMAGES_H
#define __CT_STARTFILES_IMAGES_H

#include <stddef.h>
#include <stdio.h>

struct ct_sf_text {
	const char *text;	/* a start-files.jsonl line, its newline too */
	size_t len;
};

/* The fold of lines[0..n) (oldest first) into f.  0, -EIO, -ENOMEM. */
int ct_sf_images_write(FILE *f, const struct ct_sf_text *lines, size_t n);

#endif /* __CT_STARTFILES_IMAGES_H */
