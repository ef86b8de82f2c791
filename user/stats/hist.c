// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* log2 latency histograms: see hist.h. */
#include <errno.h>
#include <string.h>
#include "hist.h"
#include "records.h"
#include "../../bpf/bits.bpf.h"

uint32_t ct_hist_slot_of(uint64_t v)
{
	return ct_hist_slot(v, CT_HIST_SLOTS);
}

uint64_t ct_hist_slot_low(unsigned int k)
{
	return k ? 1ULL << k : 0;
}

uint64_t ct_hist_slot_high(unsigned int k)
{
	return k < 63 ? 1ULL << (k + 1) : UINT64_MAX;
}

uint64_t ct_hist_total(const uint64_t *slots, unsigned int n)
{
	uint64_t t = 0;

	for (unsigned int i = 0; i < n; i++)
		t += slots[i];
	return t;
}

uint64_t ct_hist_percentile(const uint64_t *slots, unsigned int n, double q)
{
	uint64_t total = ct_hist_total(slots, n), before = 0;
	double rank, frac, low, width;

	if (!total || !(q > 0))
		return 0;
	if (q > 1)
		q = 1;
	rank = q * (double)total;
	for (unsigned int i = 0; i < n; i++) {
		if (!slots[i] || (double)(before + slots[i]) < rank) {
			before += slots[i];
			continue;
		}
		frac = (rank - (double)before) / (double)slots[i];
		/* A single value (or the lowest rank) sits mid-slot. */
		if (slots[i] == 1)
			frac = 0.5;
		low = (double)ct_hist_slot_low(i);
		width = (double)ct_hist_slot_high(i) - low;
		return (uint64_t)(low + frac * width);
	}
	return ct_hist_slot_low(n - 1);	/* rounding: rank past the end */
}

static void set_percentiles(struct ct_opens *o)
{
	o->p50_ns = ct_hist_percentile(o->slots, CT_HIST_SLOTS, 0.50);
	o->p99_ns = ct_hist_percentile(o->slots, CT_HIST_SLOTS, 0.99);
}

void ct_opens_fill(struct ct_opens *out, const struct ct_opens_hist *h)
{
	memset(out, 0, sizeof(*out));
	out->valid = true;
	out->count = h->count;
	out->failed = h->failed;
	out->failed_enoent = h->failed_enoent;
	memcpy(out->slots, h->slots, sizeof(out->slots));
	set_percentiles(out);
}

void ct_opens_set_map_full(struct ct_opens *o)
{
	memset(o, 0, sizeof(*o));
	o->unobservable = true;
	o->map_full = true;
}

void ct_opens_merge(struct ct_opens *dst, const struct ct_opens *src)
{
	if (!src->valid)
		return;
	dst->valid = true;
	dst->count += src->count;
	dst->failed += src->failed;
	dst->failed_enoent += src->failed_enoent;
	for (int i = 0; i < CT_HIST_SLOTS; i++)
		dst->slots[i] += src->slots[i];
	set_percentiles(dst);
}

static void print_stars(FILE *f, uint64_t val, uint64_t val_max, int width)
{
	uint64_t stars = (val < val_max ? val : val_max) * width / val_max;
	int i;

	for (i = 0; i < (int)stars; i++)
		fputc('*', f);
	for (; i < width; i++)
		fputc(' ', f);
	if (val > val_max)
		fputc('+', f);
}

/* Inclusive bounds as bcc prints them: slot 0 is "0 -> 1". */
static void print_bounds(unsigned int k, uint64_t *low, uint64_t *high)
{
	*low = ct_hist_slot_low(k);
	*high = ct_hist_slot_high(k) - 1;
}

void ct_hist_print(FILE *f, const uint64_t *slots, unsigned int n,
		   const char *val_type)
{
	uint64_t val_max = 0, low, high;
	int idx_min = -1, idx_max = -1;

	for (unsigned int i = 0; i < n; i++) {
		if (slots[i] && idx_min < 0)
			idx_min = i;
		if (slots[i])
			idx_max = i;
		if (slots[i] > val_max)
			val_max = slots[i];
	}
	if (idx_max < 0)
		return;
	fprintf(f, "%*s%-*s : count    distribution\n", 5, "", 19,
		val_type);
	/*
	 * Unlike bcc, start at the first non-empty slot: in nanoseconds the
	 * 15 empty rows below ~32 us would hide the shape.
	 */
	for (int i = idx_min; i <= idx_max; i++) {
		print_bounds(i, &low, &high);
		fprintf(f, "%*llu -> %-*llu : %-8llu |", 10,
			(unsigned long long)low, 10, (unsigned long long)high,
			(unsigned long long)slots[i]);
		print_stars(f, slots[i], val_max, 40);
		fputs("|\n", f);
	}
}

static void json_buckets(struct ct_json *w, const struct ct_opens *o)
{
	int last = -1;
	uint64_t low, high;

	for (int i = 0; i < CT_HIST_SLOTS; i++)
		if (o->slots[i])
			last = i;
	ct_json_key(w, "buckets");
	ct_json_start_array(w);
	for (int i = 0; i <= last; i++) {
		print_bounds(i, &low, &high);
		ct_json_start_object(w);
		ct_json_kv_u64(w, "low", low);
		ct_json_kv_u64(w, "high", high);
		ct_json_kv_u64(w, "count", o->slots[i]);
		ct_json_end_object(w);
	}
	ct_json_end_array(w);
}

const char *ct_opens_unobservable_reason(const struct ct_opens *o)
{
	switch (o->bad_key) {
	case CT_KEY_ROOT:
		return "cgroup key not per-container (the root cgroup): the "
		       "runtime put the container in no cgroup of coldtrace's "
		       "kind (cgroup views differ, v1 memory vs v2, or "
		       "cgroups ignored)";
	case CT_KEY_RUNTIME:
		return "cgroup key not per-container (the runtime's own "
		       "cgroup): the runtime put the container in no cgroup "
		       "of coldtrace's kind (cgroup views differ, v1 memory "
		       "vs v2, or cgroups ignored)";
	case CT_KEY_SHARED:
		return "cgroup key not per-container (another live "
		       "container's): the runtime put the container in no "
		       "cgroup of coldtrace's kind (cgroup views differ, v1 "
		       "memory vs v2, or cgroups ignored)";
	}
	if (o->restored)
		return "restored from a checkpoint: the kernel follows a "
		       "container from its program's exec, and a restore "
		       "makes none";
	if (o->map_full)
		return "a BPF map was full (map_full_inserts): its opens were "
		       "not all counted";
	if (o->systrap)
		return "runsc systrap: guest syscalls trap by seccomp, "
		       "not by ptrace stops";
	return "runsc: no ptrace stop of a guest stub (platform without "
	       "ptrace, e.g. kvm)";
}

void ct_hist_json(struct ct_json *w, const struct ct_opens *o)
{
	uint64_t timed;

	ct_json_start_object(w);
	if (o->unobservable) {
		ct_json_kv_bool(w, "unobservable", true);
		ct_json_kv_string(w, "reason", ct_opens_unobservable_reason(o));
		ct_json_end_object(w);
		return;
	}
	ct_json_kv_u64(w, "count", o->count);
	ct_json_kv_u64(w, "failed", o->failed);
	ct_json_kv_u64(w, "failed_enoent", o->failed_enoent);
	ct_json_kv_u64(w, "p50_ns", o->p50_ns);
	ct_json_kv_u64(w, "p99_ns", o->p99_ns);
	/* runsc: counted at the stub's stop, end not seen (docs/runsc.md) */
	timed = ct_hist_total(o->slots, CT_HIST_SLOTS);
	if (o->count > timed)
		ct_json_kv_u64(w, "untimed", o->count - timed);
	if (o->has_before_ready)
		ct_json_kv_u64(w, "before_ready", o->before_ready);
	if (o->traced_until_ns)	/* absent when traced its whole life */
		ct_json_kv_u64(w, "traced_until_ns", o->traced_until_ns);
	ct_json_kv_string(w, "unit", "ns");
	json_buckets(w, o);
	ct_json_end_object(w);
}

void ct_opens_rec_fill(struct ct_opens_rec *r, const struct ct_opens *o,
		       uint64_t cgroup_key, uint32_t runtime, uint32_t flags,
		       uint64_t ts_ns)
{
	memset(r, 0, sizeof(*r));
	r->hdr.ts_ns = ts_ns;
	r->hdr.type = CT_EV_OPENS;
	r->hdr.size = sizeof(*r);
	r->cgroup_key = cgroup_key;
	r->runtime = runtime;
	r->flags = flags | (o->unobservable ? CT_OPENS_F_UNOBSERVABLE : 0) |
		   (o->systrap ? CT_OPENS_F_SYSTRAP : 0) |
		   (o->map_full ? CT_OPENS_F_MAPFULL : 0);
	r->count = o->count;
	r->failed = o->failed;
	r->failed_enoent = o->failed_enoent;
	memcpy(r->slots, o->slots, sizeof(r->slots));
}

/* Contents of a CT_EV_OPENS record of the right size (records.h). */
int ct_opens_rec_parse(const void *rec, size_t len, struct ct_opens *out,
		       uint64_t *cgroup_key, uint32_t *runtime,
		       uint32_t *flags)
{
	struct ct_opens_rec r;
	struct ct_opens_hist h;

	if (ct_rec_check(rec, len))
		return -EINVAL;
	memcpy(&r, rec, sizeof(r.hdr));	/* rec may be unaligned */
	if (r.hdr.type != CT_EV_OPENS)
		return -EINVAL;
	memcpy(&r, rec, sizeof(r));
	h.count = r.count;
	h.failed = r.failed;
	h.failed_enoent = r.failed_enoent;
	memcpy(h.slots, r.slots, sizeof(h.slots));
	ct_opens_fill(out, &h);
	out->unobservable = r.flags & CT_OPENS_F_UNOBSERVABLE;
	out->systrap = r.flags & CT_OPENS_F_SYSTRAP;
	if (r.flags & CT_OPENS_F_MAPFULL)
		ct_opens_set_map_full(out);
	*cgroup_key = r.cgroup_key;
	*runtime = r.runtime;
	*flags = r.flags;
	return 0;
}
