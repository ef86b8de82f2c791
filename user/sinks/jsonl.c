// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * -j: one JSON line per result as it is final (container, chain, pull),
 * and the summary's line at the end (and at every -i).
 */
#include "output.h"
#include "pull_output.h"
#include "sink.h"

static void jsonl_container(struct ct_sink_out *o, const struct ct_container *c)
{
	ct_output_container_json(o->f, c);
}

static void jsonl_chain(struct ct_sink_out *o, const struct ct_chain *ch)
{
	ct_output_chain_json(o->f, ch);
}

static void jsonl_pull(struct ct_sink_out *o, const struct ct_pull *p)
{
	ct_pull_output_json(o->f, p);
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
