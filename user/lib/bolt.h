/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A bbolt database (go.etcd.io/bbolt: containerd's meta.db), read-only,
 * by pread of the pages a walk needs, never mapped and never locked:
 * the daemon that owns it keeps writing.  A page it reuses while a walk
 * reads can make the walk see nonsense; every page is checked (its id,
 * its kind, its elements within it) and a walk that meets a bad one
 * fails with -EIO, to be done again later, rather than guess.
 */
#ifndef __CT_BOLT_H
#define __CT_BOLT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ct_bolt;

/* A bucket as its parent stores it: a root page, or inline (root 0:
 * its page follows in the parent's value, valid during that callback). */
struct ct_bolt_bucket {
	uint64_t root;
	const unsigned char *inl;
	size_t inl_len;
};

/* path opened and its newest valid meta page read; NULL and errno. */
struct ct_bolt *ct_bolt_open(const char *path);
void ct_bolt_close(struct ct_bolt *db);
/*
 * No transaction was committed since db was opened: every page a walk
 * read since was of the tree it opened, whole.  (A writer writes its
 * pages where no committed tree is, and frees the pages of the tree it
 * replaces for the transaction after it to reuse: a page can only
 * change under a walk after a commit.)  A walk that checks pages can
 * still pass over one reused for the same place and miss keys: only
 * this says it did not.
 */
bool ct_bolt_unchanged(const struct ct_bolt *db);
/* The top-level bucket of all. */
struct ct_bolt_bucket ct_bolt_root(const struct ct_bolt *db);

/*
 * Every key of b in order: val is a value, or (is_bucket) a nested
 * bucket as ct_bolt_sub() reads it; a non-zero return stops the walk
 * and is returned.  -EIO: a page did not hold together.
 */
typedef int (*ct_bolt_cb)(const char *key, size_t klen, const void *val,
			  size_t vlen, bool is_bucket, void *ctx);
int ct_bolt_each(const struct ct_bolt *db, const struct ct_bolt_bucket *b,
		 ct_bolt_cb cb, void *ctx);

/* A nested bucket from its value in its parent: 0, or -EIO. */
int ct_bolt_sub(const void *val, size_t vlen, struct ct_bolt_bucket *out);

/* The value (or bucket) of key in b, copied into val (at most *vlen
 * bytes; *vlen: its length): 1 found, 0 not, -EIO.  A bucket's copy
 * must stay alive while it is used (ct_bolt_sub() on it). */
int ct_bolt_get(const struct ct_bolt *db, const struct ct_bolt_bucket *b,
		const char *key, void *val, size_t *vlen, bool *is_bucket);

#endif /* __CT_BOLT_H */
