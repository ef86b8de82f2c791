/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one JSON-lines writer of every result kind: -j's lines as results
 * come and the summary's at the end, and -o DIR's containers.jsonl,
 * chains.jsonl and pulls.jsonl.
 * A kind is its object's writer (output.h, pull_output.h) and how its
 * set is walked; a new kind is one more struct ct_jsonl_kind.
 */
#ifndef __CT_JSONL_H
#define __CT_JSONL_H

#include <stddef.h>
#include <stdio.h>
#include "json.h"

struct ct_jsonl_kind {
	/* one result's object, {"type":...,...}, no newline */
	void (*object)(struct ct_json *w, const void *r);
	/* the set a session keeps of them: how many, the i-th */
	size_t (*count)(const void *set);
	const void *(*get)(const void *set, size_t i);
};

/* a container (the aggregator's records), a chain, an image pull; the
 * summary's kind is ct_jsonl_write_summary()'s own */
extern const struct ct_jsonl_kind ct_jsonl_container;
extern const struct ct_jsonl_kind ct_jsonl_chain;
extern const struct ct_jsonl_kind ct_jsonl_pull;

/* Result r as one line.  0 or -EIO. */
int ct_jsonl_write(FILE *f, const struct ct_jsonl_kind *k, const void *r);
/* Every result of set, a line each.  0 or -EIO at the first failure. */
int ct_jsonl_write_all(FILE *f, const struct ct_jsonl_kind *k,
		       const void *set);

struct ct_agg;
struct ct_meta;
/* The summary of agg and meta as one line: -j's at the end and at each
 * -i (a failure is the stream's, as -j's other lines'). */
void ct_jsonl_write_summary(FILE *f, const struct ct_agg *agg,
			    const struct ct_meta *meta);

#endif /* __CT_JSONL_H */
