/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --paths: the slowest guest opens of a container, pure C.
 * Keeping a bounded list slowest first, the text and JSON forms (paths
 * are untrusted bytes: escaped in both) and the CT_EV_PATHS record.
 */
#ifndef __CT_PATHS_H
#define __CT_PATHS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "container.h"
#include "json.h"
#include "opens.h"

/*
 * Adds one open to c->slow[], kept sorted slowest first (equal times:
 * by path, so that output does not depend on arrival order) and cut to
 * max entries.  path is read up to pathlen bytes or its NUL.
 */
void ct_paths_add(struct ct_container *c, size_t max, uint64_t ns,
		  int32_t ret, const char *path, size_t pathlen);
/* Replaces c->slow[] with the slowest max of n kernel/record entries. */
void ct_paths_set(struct ct_container *c, size_t max,
		  const struct ct_opens_slow_ent *ent, size_t n);

/*
 * Text form of an untrusted path: printable ASCII as is, a backslash as
 * "\\", every other byte as \xNN.  dst holds at least 4 * len + 1 bytes
 * (CT_PATHS_ESC_LEN for a whole path); stops at len bytes or a NUL.
 */
#define CT_PATHS_ESC_LEN	(4 * CT_SLOW_PATH_LEN + 1)
void ct_paths_escape(char *dst, size_t dstlen, const char *src, size_t len);

/* One indented line per slow open, under the container's table row. */
void ct_paths_print(FILE *f, const struct ct_container *c);
/*
 * "slowest_opens":[{"path":..,"ns":..,"ret":..}, ...] as a key and value
 * of the current object; nothing if the container has none.
 */
void ct_paths_json(struct ct_json *w, const struct ct_container *c);

/* CT_EV_PATHS record of c's slow opens. */
void ct_paths_rec_fill(struct ct_paths_rec *r, const struct ct_container *c,
		       uint64_t ts_ns);
/*
 * Validates a CT_EV_PATHS record of len bytes: exact size, n <= K,
 * every used path NUL-terminated.  0 and the entries in ent[0..*n), or
 * -EINVAL.  ent holds CT_OPENS_SLOW_K entries.
 */
int ct_paths_rec_parse(const void *rec, size_t len, uint64_t *cgroup_key,
		       struct ct_opens_slow_ent *ent, uint32_t *n);

#endif /* __CT_PATHS_H */
