/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * log2 latency histograms, pure C: percentiles, bcc-style text,
 * JSON, struct ct_opens and the CT_EV_OPENS record.  No BPF, no root.
 *
 * Slot k counts values in [2^k, 2^(k+1)) ns; slot 0 also counts 0 and
 * the last slot everything from its lower bound on (bpf/bits.bpf.h).
 */
#ifndef __CT_HIST_H
#define __CT_HIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "container.h"
#include "opens.h"
#include "json.h"

/* Slot of a value: the same code as the BPF side. */
uint32_t ct_hist_slot_of(uint64_t v);
/* Lower bound and exclusive upper bound of slot k, in ns. */
uint64_t ct_hist_slot_low(unsigned int k);
uint64_t ct_hist_slot_high(unsigned int k);

uint64_t ct_hist_total(const uint64_t *slots, unsigned int n);

/*
 * The q-quantile (0 < q <= 1) of a histogram of n slots, 0 if empty.
 * Within the slot that holds rank q * total the values are taken as
 * spread evenly over [low, high), and the rank is interpolated linearly:
 * a slot holding a single value gives its midpoint.  The error is below
 * one slot width (a factor of 2), which is the histogram's resolution.
 */
uint64_t ct_hist_percentile(const uint64_t *slots, unsigned int n, double q);

/* out from a kernel histogram: valid, counts, slots, p50, p99. */
void ct_opens_fill(struct ct_opens *out, const struct ct_opens_hist *h);
/*
 * Not counted: an insert into a full BPF map was refused for it
 * (include/mapfull.h).  Unobservable, and not valid: in no statistic.
 */
void ct_opens_set_map_full(struct ct_opens *o);
/* Add src's counts into dst (per-runtime totals) and redo percentiles. */
void ct_opens_merge(struct ct_opens *dst, const struct ct_opens *src);

/*
 * bcc's print_log2_hist(): header, then one line per slot from the first
 * to the last non-empty one, "low -> high : count |***|".  Prints nothing for an
 * empty histogram.  val_type is the unit column ("nsecs").
 */
void ct_hist_print(FILE *f, const uint64_t *slots, unsigned int n,
		   const char *val_type);

/*
 * The opens of one container or runtime as a JSON object:
 * {"count", "failed", "failed_enoent", "p50_ns", "p99_ns", "unit": "ns",
 *  "buckets": [{"low": L, "high": H, "count": N}, ...]} with buckets up to
 * the last non-empty slot (high inclusive, as in the text form), or
 * {"unobservable": true, "reason": ...} when the platform hides opens.
 */
void ct_hist_json(struct ct_json *w, const struct ct_opens *o);

/* Why a container's guest opens were not observed, for users. */
const char *ct_opens_unobservable_reason(const struct ct_opens *o);

/* CT_EV_OPENS record from o; hdr fields other than ts/type/size zero. */
void ct_opens_rec_fill(struct ct_opens_rec *r, const struct ct_opens *o,
		       uint64_t cgroup_key, uint32_t runtime, uint32_t flags,
		       uint64_t ts_ns);
/*
 * Validate a CT_EV_OPENS record of len bytes and fill out (percentiles
 * recomputed, never trusted from the file).  -EINVAL if malformed.
 */
int ct_opens_rec_parse(const void *rec, size_t len, struct ct_opens *out,
		       uint64_t *cgroup_key, uint32_t *runtime,
		       uint32_t *flags);

#endif /* __CT_HIST_H */
