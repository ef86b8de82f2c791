/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `coldtrace compare`'s inputs: the samples of two runs, read from
 * coldtrace's own results (a --record file replayed, an -o DIR, a
 * containers.jsonl or -j's lines).  A record is kept out of the samples
 * as the statistics keep it out (agg.h: ct_agg_counts(),
 * ct_agg_sample(), on the container the JSON describes), and counted.
 *
 * A sample is (group, metric, side, value): the group is the record's
 * runtime, engine and kind less the split key; the metrics are
 * `cold_start`, `total`, each phase, and with --why's records a phase's
 * `PHASE.cpu|runq|io|sleep` and each of its listed wait sites
 * `PHASE:SITE`; and `pull`, the image pull a container waited for
 * (docker run's implicit pull, inside its prepare), where it had one.
 */
#ifndef __CT_COMPARE_READ_H
#define __CT_COMPARE_READ_H

#include <stddef.h>
#include <stdint.h>

struct ct_cmp_obs {
	uint32_t group;
	uint32_t metric;
	uint8_t side;		/* 0: A, 1: B */
	double v;		/* ns */
};

/* What a side read and what it kept out of every statistic. */
struct ct_cmp_side {
	uint64_t records;	/* containers, pods and restores */
	uint64_t restarts;
	uint64_t failed, partial, unarmed;	/* kept out */
	uint64_t no_key;	/* --by's key absent: on no side */
	uint64_t other_key;	/* --by's key another value than the side's */
};

struct ct_cmp_names {
	char **name;
	size_t n;
};

struct ct_cmp_set {
	struct ct_cmp_obs *obs;
	size_t n, cap;
	struct ct_cmp_names groups;
	struct ct_cmp_names metrics;
	struct ct_cmp_side side[2];
	/*
	 * --by KEY: left out of the groups; each side is one value of it
	 * (one input: the first value seen is A's), vals[side], NULL
	 * until seen.  KEY kind compares cold starts only.
	 */
	const char *by;			/* "runtime", "engine", "image", "kind" */
	char *vals[2];
};

/* --by's keys, NULL-terminated (for --help and the check). */
extern const char *const ct_cmp_by_keys[];

/*
 * Reads path into s: side 0 or 1, or -1 with s->by (the record's key
 * says).  0, or -1 with a one-line reason in err.
 */
int ct_cmp_read(struct ct_cmp_set *s, const char *path, int side,
		const char *self, char *err, size_t errlen);
void ct_cmp_set_free(struct ct_cmp_set *s);

/* The order metrics are listed in: cold_start, total, the phases in
 * their order (each then its split and its sites). */
int ct_cmp_metric_order(const char *a, const char *b);

#endif /* __CT_COMPARE_READ_H */
