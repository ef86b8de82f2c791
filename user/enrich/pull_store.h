/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemons' own stores, read by a live session for the images their
 * pulls stored: each pull builder's struct ct_pull_store_ops
 * (pulls_api.h), opened once, fed every record; what they read goes into
 * the stream as CT_EV_PULL_IMAGE records (include/pull.h), so that a
 * replay finds it where the live session put it.
 */
#ifndef __CT_PULL_STORE_H
#define __CT_PULL_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "container.h"
#include "names.h"	/* ct_naming_emit_cb */

struct ct_pull_builder;
struct ct_pull_store_ops;

struct ct_pull_stores {
	const struct ct_pull_store_ops *ops[CT_ENG_MAX];
	void *st[CT_ENG_MAX];
};

/* Each builder's store (NULL builders and stores: none); -ENOMEM. */
int ct_pull_stores_open(struct ct_pull_stores *s,
			const struct ct_pull_builder *const *builders,
			const char *proc_dir);
/* Any record of the live session's; what it makes goes through emit. */
void ct_pull_stores_feed(struct ct_pull_stores *s, const void *rec,
			 size_t len, ct_naming_emit_cb emit, void *ctx);
/* The live loop's clock: what waited is due (UINT64_MAX at the end). */
void ct_pull_stores_tick(struct ct_pull_stores *s, uint64_t now_mono_ns,
			 ct_naming_emit_cb emit, void *ctx);
void ct_pull_stores_close(struct ct_pull_stores *s);

#endif /* __CT_PULL_STORE_H */
