// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * log2 histograms: the slot math (bpf/bits.bpf.h, the very code the BPF
 * program runs), percentiles on known fixtures, bcc-style text, JSON
 * parsed back, and the CT_EV_OPENS record round trip.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"
#include "tjson.h"
#include "../../bpf/bits.bpf.h"

static uint64_t ref_log2(uint64_t v)
{
	uint64_t r = 0;

	while (v >>= 1)
		r++;
	return r;
}

Test(hist_slot, log2_small_values)
{
	cr_assert_eq(ct_log2l(0), 0);
	cr_assert_eq(ct_log2l(1), 0);
	cr_assert_eq(ct_log2l(2), 1);
	cr_assert_eq(ct_log2l(3), 1);
	cr_assert_eq(ct_log2l(4), 2);
	cr_assert_eq(ct_log2l(1023), 9);
	cr_assert_eq(ct_log2l(1024), 10);
}

Test(hist_slot, log2_matches_reference_on_all_bit_edges)
{
	for (int b = 0; b < 64; b++) {
		uint64_t p = 1ULL << b;

		cr_assert_eq(ct_log2l(p), (uint64_t)b, "2^%d", b);
		cr_assert_eq(ct_log2l(p - 1), ref_log2(p - 1), "2^%d-1", b);
		cr_assert_eq(ct_log2l(p + 1), ref_log2(p + 1), "2^%d+1", b);
	}
	cr_assert_eq(ct_log2l(UINT64_MAX), 63);
	/* and a pseudo-random sweep */
	for (uint64_t v = 1, i = 0; i < 100000; i++) {
		v = v * 6364136223846793005ULL + 1442695040888963407ULL;
		cr_assert_eq(ct_log2l(v >> (i % 64)), ref_log2(v >> (i % 64)));
	}
}

Test(hist_slot, slot_is_clamped_and_bounds_agree)
{
	cr_assert_eq(ct_hist_slot_of(0), 0);
	cr_assert_eq(ct_hist_slot_of(1), 0);
	cr_assert_eq(ct_hist_slot_of(1500), 10);
	cr_assert_eq(ct_hist_slot_of(1ULL << 31), 31);
	cr_assert_eq(ct_hist_slot_of(1ULL << 40), CT_HIST_SLOTS - 1);
	cr_assert_eq(ct_hist_slot_of(UINT64_MAX), CT_HIST_SLOTS - 1);
	for (unsigned int k = 1; k < CT_HIST_SLOTS; k++) {
		cr_assert_eq(ct_hist_slot_of(ct_hist_slot_low(k)), k);
		cr_assert_eq(ct_hist_slot_of(ct_hist_slot_high(k) - 1), k);
	}
	cr_assert_eq(ct_hist_slot_low(0), 0);
	cr_assert_eq(ct_hist_slot_high(0), 2);
}

Test(hist_pct, empty_is_zero)
{
	uint64_t s[CT_HIST_SLOTS] = {0};

	cr_assert_eq(ct_hist_percentile(s, CT_HIST_SLOTS, 0.5), 0);
	cr_assert_eq(ct_hist_percentile(s, CT_HIST_SLOTS, 0.99), 0);
}

Test(hist_pct, single_value_is_slot_midpoint)
{
	uint64_t s[CT_HIST_SLOTS] = {0};

	s[14] = 1;	/* [16384, 32768) */
	cr_assert_eq(ct_hist_percentile(s, CT_HIST_SLOTS, 0.5), 24576);
	cr_assert_eq(ct_hist_percentile(s, CT_HIST_SLOTS, 0.99), 24576);
}

Test(hist_pct, interpolates_inside_the_slot)
{
	uint64_t s[CT_HIST_SLOTS] = {0};

	s[10] = 100;	/* [1024, 2048) */
	cr_assert_eq(ct_hist_percentile(s, CT_HIST_SLOTS, 0.5), 1024 + 512);
	cr_assert_eq(ct_hist_percentile(s, CT_HIST_SLOTS, 0.25), 1024 + 256);
	cr_assert_eq(ct_hist_percentile(s, CT_HIST_SLOTS, 1.0), 2048);
}

Test(hist_pct, picks_the_slot_holding_the_rank)
{
	uint64_t s[CT_HIST_SLOTS] = {0};
	uint64_t p50, p99;

	s[11] = 90;	/* [2048, 4096): the runc-like bulk */
	s[17] = 10;	/* [131072, 262144): slow tail */
	p50 = ct_hist_percentile(s, CT_HIST_SLOTS, 0.5);
	p99 = ct_hist_percentile(s, CT_HIST_SLOTS, 0.99);
	cr_assert(p50 >= 2048 && p50 < 4096, "p50 %lu", p50);
	cr_assert(p99 >= 131072 && p99 <= 262144, "p99 %lu", p99);
	/* 99th of 100 is the 9th of 10 in the tail slot: 0.9 of the way */
	cr_assert_eq(p99, 131072 + 131072 * 9 / 10);
}

Test(hist_pct, out_of_range_q_is_safe)
{
	uint64_t s[CT_HIST_SLOTS] = {0};

	s[3] = 4;
	cr_assert_eq(ct_hist_percentile(s, CT_HIST_SLOTS, 0), 0);
	cr_assert_eq(ct_hist_percentile(s, CT_HIST_SLOTS, -1), 0);
	cr_assert_eq(ct_hist_percentile(s, CT_HIST_SLOTS, 7), 16);
}

Test(hist_opens, fill_and_merge)
{
	struct ct_opens_hist h = { .count = 3, .failed = 1,
				   .failed_enoent = 1 };
	struct ct_opens a, b, sum = {0};

	h.slots[12] = 3;
	ct_opens_fill(&a, &h);
	cr_assert(a.valid);
	cr_assert_eq(a.count, 3);
	cr_assert_eq(a.failed, 1);
	cr_assert_eq(a.p50_ns, 4096 + 4096 / 2);
	memset(&h.slots, 0, sizeof(h.slots));
	h.slots[20] = 3;
	ct_opens_fill(&b, &h);
	ct_opens_merge(&sum, &a);
	ct_opens_merge(&sum, &b);
	cr_assert_eq(sum.count, 6);
	cr_assert_eq(sum.failed_enoent, 2);
	cr_assert_eq(sum.slots[12], 3);
	cr_assert_eq(sum.slots[20], 3);
	cr_assert(sum.p99_ns >= (1u << 20));
}

static char *print_to_string(const uint64_t *s, unsigned int n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	ct_hist_print(f, s, n, "nsecs");
	fclose(f);
	return buf;
}

Test(hist_text, bcc_shape)
{
	uint64_t s[CT_HIST_SLOTS] = {0};
	char *out, *line, *save = NULL;
	int lines = 0;

	s[1] = 2;
	s[3] = 4;
	out = print_to_string(s, CT_HIST_SLOTS);
	line = strtok_r(out, "\n", &save);
	cr_assert_str_eq(line, "     nsecs               : count    distribution");
	for (line = strtok_r(NULL, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		lines++;
	cr_assert_eq(lines, 3,
		     "slots 1..3 printed, none before the first or after the last");
	free(out);

	out = print_to_string(s, CT_HIST_SLOTS);
	cr_assert_null(strstr(out, " 0 -> 1 "));
	cr_assert(strstr(out,
		"         4 -> 7          : 0        |                                        |\n"));
	cr_assert(strstr(out,
		"         2 -> 3          : 2        |********************                    |\n"));
	cr_assert(strstr(out,
		"         8 -> 15         : 4        |****************************************|\n"));
	free(out);
}

Test(hist_text, empty_prints_nothing)
{
	uint64_t s[CT_HIST_SLOTS] = {0};
	char *out = print_to_string(s, CT_HIST_SLOTS);

	cr_assert_str_eq(out, "");
	free(out);
}

static struct tj *json_of(const struct ct_opens *o)
{
	char *buf = NULL, err[128];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct ct_json w;
	struct tj *v;

	cr_assert_not_null(f);
	ct_json_init(&w, f);
	ct_hist_json(&w, o);
	cr_assert_eq(ct_json_error(&w), 0);
	fclose(f);
	v = tj_parse(buf, len, err, sizeof(err));
	cr_assert_not_null(v, "invalid JSON (%s): %s", err, buf);
	free(buf);
	return v;
}

Test(hist_json, parsed_back)
{
	struct ct_opens_hist h = { .count = 7, .failed = 2,
				   .failed_enoent = 1 };
	struct ct_opens o;
	struct tj *v;
	uint64_t x;

	h.slots[0] = 1;
	h.slots[5] = 6;
	ct_opens_fill(&o, &h);
	v = json_of(&o);
	cr_assert(tj_u64(v, "count", &x) && x == 7);
	cr_assert(tj_u64(v, "failed", &x) && x == 2);
	cr_assert(tj_u64(v, "failed_enoent", &x) && x == 1);
	cr_assert(tj_u64(v, "p50_ns", &x) && x == o.p50_ns);
	cr_assert(tj_u64(v, "p99_ns", &x) && x == o.p99_ns);
	cr_assert_str_eq(tj_str(v, "unit"), "ns");
	cr_assert_eq(tj_get(v, "buckets")->n, 6);
	cr_assert(tj_u64(v, "buckets.0.low", &x) && x == 0);
	cr_assert(tj_u64(v, "buckets.0.high", &x) && x == 1);
	cr_assert(tj_u64(v, "buckets.0.count", &x) && x == 1);
	cr_assert(tj_u64(v, "buckets.5.low", &x) && x == 32);
	cr_assert(tj_u64(v, "buckets.5.high", &x) && x == 63);
	cr_assert(tj_u64(v, "buckets.5.count", &x) && x == 6);
	cr_assert_null(tj_get(v, "untimed"), "every open timed");
	tj_free(v);
}

/* runsc: opens counted at their stub's stop whose end was not seen. */
Test(hist_json, untimed_opens)
{
	struct ct_opens_hist h = { .count = 1000 };
	struct ct_opens o;
	struct tj *v;
	uint64_t x;

	h.slots[14] = 999;
	ct_opens_fill(&o, &h);
	v = json_of(&o);
	cr_assert(tj_u64(v, "count", &x) && x == 1000);
	cr_assert(tj_u64(v, "untimed", &x) && x == 1);
	cr_assert_gt(o.p50_ns, 16383);	/* from the 999 timed ones */
	cr_assert_lt(o.p50_ns, 32768);
	tj_free(v);
}

Test(hist_json, unobservable)
{
	struct ct_opens o = { .valid = true, .unobservable = true };
	struct tj *v = json_of(&o);

	cr_assert(tj_is(v, "unobservable", TJ_BOOL));
	cr_assert(tj_get(v, "unobservable")->b);
	cr_assert_null(tj_get(v, "count"));
	cr_assert(strstr(tj_get(v, "reason")->text, "kvm"));
	tj_free(v);
}

/* systrap says so, and survives a CT_EV_OPENS record (--replay). */
Test(hist_json, unobservable_systrap)
{
	struct ct_opens o = { .valid = true, .unobservable = true,
			      .systrap = true }, back;
	struct ct_opens_rec r;
	struct tj *v = json_of(&o);
	uint64_t key;
	uint32_t rt, flags;

	cr_assert(strstr(tj_get(v, "reason")->text, "systrap"));
	tj_free(v);
	ct_opens_rec_fill(&r, &o, 4242, CT_RT_RUNSC, 0, 99);
	cr_assert_eq(ct_opens_rec_parse(&r, sizeof(r), &back, &key, &rt,
					&flags), 0);
	cr_assert(back.unobservable && back.systrap);
}

Test(hist_rec, round_trip)
{
	struct ct_opens_hist h = { .count = 5, .failed = 1 };
	struct ct_opens o, back;
	struct ct_opens_rec r;
	uint64_t key;
	uint32_t rt, flags;

	h.slots[13] = 5;
	ct_opens_fill(&o, &h);
	ct_opens_rec_fill(&r, &o, 4242, CT_RT_RUNSC, CT_OPENS_F_GOFER, 99);
	cr_assert_eq(r.hdr.type, CT_EV_OPENS);
	cr_assert_eq(r.hdr.size, sizeof(r));
	cr_assert_eq(ct_opens_rec_parse(&r, sizeof(r), &back, &key, &rt,
					&flags), 0);
	cr_assert_eq(key, 4242);
	cr_assert_eq(rt, CT_RT_RUNSC);
	cr_assert_eq(flags, CT_OPENS_F_GOFER);
	cr_assert_eq(back.count, 5);
	cr_assert_eq(back.p50_ns, o.p50_ns);
	cr_assert_not(back.unobservable);
}

Test(hist_rec, rejects_bad_records)
{
	struct ct_opens_hist h = { .count = 2 };
	struct ct_opens o, back;
	struct ct_opens_rec r;
	uint64_t key;
	uint32_t rt, flags;

	h.slots[4] = 2;
	ct_opens_fill(&o, &h);
	ct_opens_rec_fill(&r, &o, 1, CT_RT_RUNC, 0, 0);
	cr_assert_eq(ct_opens_rec_parse(&r, sizeof(r) - 1, &back, &key, &rt,
					&flags), -EINVAL, "short");
	r.count = 1;	/* fewer opens than the slots hold */
	cr_assert_eq(ct_opens_rec_parse(&r, sizeof(r), &back, &key, &rt,
					&flags), -EINVAL);
	r.count = 3;	/* more: one counted, its end not seen (runsc) */
	cr_assert_eq(ct_opens_rec_parse(&r, sizeof(r), &back, &key, &rt,
					&flags), 0);
	cr_assert_eq(back.count, 3);
	r.count = 2;
	r.runtime = 77;
	cr_assert_eq(ct_opens_rec_parse(&r, sizeof(r), &back, &key, &rt,
					&flags), -EINVAL);
	r.runtime = CT_RT_RUNC;
	r.slots[0] = UINT64_MAX;	/* overflowing sum */
	cr_assert_eq(ct_opens_rec_parse(&r, sizeof(r), &back, &key, &rt,
					&flags), -EINVAL);
	r.slots[0] = 0;
	r.hdr.size = 8;
	cr_assert_eq(ct_opens_rec_parse(&r, sizeof(r), &back, &key, &rt,
					&flags), -EINVAL);
}
