// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The JSON-lines writer (jsonl.h), and -j: one JSON line per result as
 * it is final (container, chain, pull), and the summary's line at the
 * end (and at every -i).
 */
#include <errno.h>
#include "agg.h"
#include "chain.h"
#include "jsonl.h"
#include "output.h"
#include "pull_output.h"
#include "sink.h"

int ct_jsonl_write(FILE *f, const struct ct_jsonl_kind *k, const void *r)
{
	struct ct_json w;

	ct_json_init(&w, f);
	k->object(&w, r);
	fputc('\n', f);
	return ct_json_error(&w) || ferror(f) ? -EIO : 0;
}

int ct_jsonl_write_all(FILE *f, const struct ct_jsonl_kind *k,
		       const void *set)
{
	size_t n = k->count(set);

	for (size_t i = 0; i < n; i++)
		if (ct_jsonl_write(f, k, k->get(set, i)))
			return -EIO;
	return 0;
}

/* ---- the kinds: each writer and set, typed ---- */

/* Kind k: its object's writer and its set's count and get, behind the
 * void pointers of struct ct_jsonl_kind. */
#define JSONL_KIND(k, obj_t, set_t, object_fn, count_fn, get_fn)	\
static void k##_object(struct ct_json *w, const void *r)		\
{									\
	object_fn(w, (const obj_t *)r);					\
}									\
static size_t k##_count(const void *set)				\
{									\
	return count_fn((const set_t *)set);				\
}									\
static const void *k##_get(const void *set, size_t i)			\
{									\
	return get_fn((const set_t *)set, i);				\
}									\
const struct ct_jsonl_kind ct_jsonl_##k = { k##_object, k##_count, k##_get }

JSONL_KIND(container, struct ct_container, struct ct_agg, ct_json_container,
	   ct_agg_count, ct_agg_get);
JSONL_KIND(chain, struct ct_chain, struct ct_chains, ct_json_chain,
	   ct_chains_count, ct_chains_get);
JSONL_KIND(pull, struct ct_pull, struct ct_pulls, ct_json_pull,
	   ct_pulls_count, ct_pulls_get);

static void summary_object(struct ct_json *w, const void *r)
{
	ct_json_summary(w, r);
}

/* The summary is kept in no set (a session has one): written alone, it
 * needs no count or get. */
static const struct ct_jsonl_kind summary_kind = { .object = summary_object };

void ct_jsonl_write_summary(FILE *f, const struct ct_agg *agg,
			    const struct ct_meta *meta)
{
	const struct ct_summary s = { agg, meta };

	ct_jsonl_write(f, &summary_kind, &s);
}

/* ---- -j ---- */

static void jsonl_container(struct ct_sink_out *o, const struct ct_container *c)
{
	ct_jsonl_write(o->f, &ct_jsonl_container, c);
}

static void jsonl_chain(struct ct_sink_out *o, const struct ct_chain *ch)
{
	ct_jsonl_write(o->f, &ct_jsonl_chain, ch);
}

static void jsonl_pull(struct ct_sink_out *o, const struct ct_pull *p)
{
	ct_jsonl_write(o->f, &ct_jsonl_pull, p);
}

static void jsonl_summary(struct ct_sink_out *o, const struct ct_agg *agg,
			  const struct ct_meta *m)
{
	ct_jsonl_write_summary(o->f, agg, m);
}

const struct ct_sink ct_sink_jsonl = {
	.container = jsonl_container,
	.chain = jsonl_chain,
	.pull = jsonl_pull,
	.summary = jsonl_summary,
	.end = jsonl_summary,
};
