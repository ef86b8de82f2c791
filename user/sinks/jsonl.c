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

static void container_object(struct ct_json *w, const void *r)
{
	ct_json_container(w, r);
}

static size_t containers_count(const void *set)
{
	return ct_agg_count(set);
}

static const void *containers_get(const void *set, size_t i)
{
	return ct_agg_get(set, i);
}

const struct ct_jsonl_kind ct_jsonl_container = {
	container_object, containers_count, containers_get,
};

static void chain_object(struct ct_json *w, const void *r)
{
	ct_json_chain(w, r);
}

static size_t chains_count(const void *set)
{
	return ct_chains_count(set);
}

static const void *chains_get(const void *set, size_t i)
{
	return ct_chains_get(set, i);
}

const struct ct_jsonl_kind ct_jsonl_chain = {
	chain_object, chains_count, chains_get,
};

static void pull_object(struct ct_json *w, const void *r)
{
	ct_json_pull(w, r);
}

static size_t pulls_count(const void *set)
{
	return ct_pulls_count(set);
}

static const void *pulls_get(const void *set, size_t i)
{
	return ct_pulls_get(set, i);
}

const struct ct_jsonl_kind ct_jsonl_pull = {
	pull_object, pulls_count, pulls_get,
};

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
	ct_output_summary_json(o->f, agg, m);
}

const struct ct_sink ct_sink_jsonl = {
	.container = jsonl_container,
	.chain = jsonl_chain,
	.pull = jsonl_pull,
	.summary = jsonl_summary,
	.end = jsonl_summary,
};
