// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The daemons' stores, each through its builder's ops: pull_store.h. */
#include <errno.h>
#include <string.h>
#include "pull_store.h"
#include "pulls_api.h"

int ct_pull_stores_open(struct ct_pull_stores *s,
			const struct ct_pull_builder *const *builders,
			const char *proc_dir)
{
	memset(s, 0, sizeof(*s));
	for (int k = 0; builders && k < CT_ENG_MAX; k++) {
		const struct ct_pull_store_ops *ops =
			builders[k] ? builders[k]->store : NULL;

		if (!ops)
			continue;
		s->st[k] = ops->open(proc_dir);
		if (!s->st[k]) {
			ct_pull_stores_close(s);
			return -ENOMEM;
		}
		s->ops[k] = ops;
	}
	return 0;
}

void ct_pull_stores_feed(struct ct_pull_stores *s, const void *rec,
			 size_t len, ct_naming_emit_cb emit, void *ctx)
{
	for (int k = 0; k < CT_ENG_MAX; k++)
		if (s->ops[k])
			s->ops[k]->feed(s->st[k], rec, len, emit, ctx);
}

void ct_pull_stores_tick(struct ct_pull_stores *s, uint64_t now_mono_ns,
			 ct_naming_emit_cb emit, void *ctx)
{
	for (int k = 0; k < CT_ENG_MAX; k++)
		if (s->ops[k] && s->ops[k]->tick)
			s->ops[k]->tick(s->st[k], now_mono_ns, emit, ctx);
}

void ct_pull_stores_close(struct ct_pull_stores *s)
{
	for (int k = 0; k < CT_ENG_MAX; k++) {
		if (s->ops[k])
			s->ops[k]->close(s->st[k]);
		s->ops[k] = NULL;
		s->st[k] = NULL;
	}
}
