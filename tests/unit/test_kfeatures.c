// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The choice of the BPF programs' variant from faked kernel probes
 * (user/kern/kfeatures.c): every combination of probe results gives a variant
 * the oldest verifier accepts, and the kernels users run get theirs;
 * below the floor, one line names what is missing and since when.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <linux/bpf.h>

#include "kfeatures.h"
#include "syscalls.h"

static struct ct_features from_bits(unsigned int bits)
{
	struct ct_features f;

	for (int i = 0; i < CT_FEAT_NR; i++)
		f.has[i] = bits & (1u << i);
	for (int i = 0; i < CT_FLOOR_NR; i++)
		f.floor[i] = true;
	return f;
}

/*
 * One path of syscall hooks: without fentry exactly one sys_enter (the
 * one with a bpf_loop callback needs it) and sys_exit; with it none of
 * them, the fentry programs, and of each bpf_loop twin one.
 */
static void check_hook_path(const struct ct_features *f,
			    const struct ct_variant *v, unsigned int bits)
{
	bool fe = v->use[CT_FEAT_FENTRY];
	bool loop = f->has[CT_FEAT_LOOP];

	cr_assert_eq(fe, f->has[CT_FEAT_FENTRY], "bits %#x", bits);
	if (fe) {
		cr_assert_not(ct_variant_loads(v, "ct_sys_enter", true));
		cr_assert_not(ct_variant_loads(v, "ct_sys_enter_noloop", false));
		cr_assert_not(ct_variant_loads(v, "ct_sys_exit", false));
		cr_assert(ct_variant_loads(v, "ct_fe_read", false));
		cr_assert(ct_variant_loads(v, "ct_fx_stub", false));
		cr_assert_eq(ct_variant_loads(v, "ct_fe_openat", true), loop,
			     "bits %#x", bits);
		cr_assert_neq(ct_variant_loads(v, "ct_fe_openat_noloop", false),
			      loop, "bits %#x", bits);
		return;
	}
	cr_assert_neq(ct_variant_loads(v, "ct_sys_enter", true),
		      ct_variant_loads(v, "ct_sys_enter_noloop", false),
		      "bits %#x: not one sys_enter", bits);
	cr_assert(!ct_variant_loads(v, "ct_sys_enter", true) || loop,
		  "bits %#x: bpf_loop program without bpf_loop", bits);
	cr_assert(ct_variant_loads(v, "ct_sys_exit", false));
	cr_assert_not(ct_variant_loads(v, "ct_fe_openat", true));
	cr_assert_not(ct_variant_loads(v, "ct_fe_openat_noloop", false));
	cr_assert_not(ct_variant_loads(v, "ct_fx_stub", false));
	cr_assert(ct_variant_loads(v, "ct_sched_switch", false));
}

/* What the verifier of a kernel with @f demands of the variant @v. */
static void check_accepted(const struct ct_features *f,
			   const struct ct_variant *v, unsigned int bits)
{
	static const char *const task_maps[] = { "inflight", "why_tasks" };
	const struct ct_map_choice *c;

	for (int i = 0; i < CT_FEAT_NR; i++)
		cr_assert(!v->use[i] || f->has[i],
			  "bits %#x: %s used but missing", bits,
			  ct_feature_info[i].name);
	/* storage helpers take their owner as a BTF pointer */
	cr_assert(!v->use[CT_FEAT_TASK_STORAGE] || v->use[CT_FEAT_TASK_BTF],
		  "bits %#x: task storage without a BTF task", bits);
	cr_assert(!v->use[CT_FEAT_CGRP_STORAGE] || v->use[CT_FEAT_TASK_BTF],
		  "bits %#x: cgroup storage without a BTF task", bits);
	for (int i = 0; i < 2; i++) {
		c = ct_variant_map(v, task_maps[i]);
		if (v->use[CT_FEAT_TASK_STORAGE]) {
			cr_assert_null(c, "bits %#x: %s changed", bits,
				       task_maps[i]);
			continue;
		}
		cr_assert_not_null(c, "bits %#x: %s left task storage", bits,
				   task_maps[i]);
		cr_assert_eq(c->type, BPF_MAP_TYPE_HASH);
		cr_assert_gt(c->max_entries, 0);
	}
	check_hook_path(f, v, bits);
	c = ct_variant_map(v, "marks");
	if (v->use[CT_FEAT_CGRP_STORAGE]) {
		cr_assert_null(c, "bits %#x: marks changed", bits);
	} else {
		cr_assert_not_null(c, "bits %#x: marks left cgroup storage",
				   bits);
		cr_assert_eq(c->type, BPF_MAP_TYPE_ARRAY);
		cr_assert_eq(c->max_entries, 1);
	}
}

Test(kfeatures, every_combination_gives_an_accepted_variant)
{
	for (unsigned int bits = 0; bits < 1u << CT_FEAT_NR; bits++) {
		struct ct_features f = from_bits(bits);
		struct ct_variant v;

		ct_features_choose(&f, &v);
		check_accepted(&f, &v, bits);
	}
}

Test(kfeatures, a_feature_present_is_used_unless_it_needs_btf_tasks)
{
	for (unsigned int bits = 0; bits < 1u << CT_FEAT_NR; bits++) {
		struct ct_features f = from_bits(bits);
		struct ct_variant v;

		ct_features_choose(&f, &v);
		for (int i = 0; i < CT_FEAT_NR; i++) {
			bool needs_btf = i == CT_FEAT_TASK_STORAGE ||
					 i == CT_FEAT_CGRP_STORAGE;

			if (f.has[i] && (!needs_btf || f.has[CT_FEAT_TASK_BTF]))
				cr_assert(v.use[i], "bits %#x: %s not used",
					  bits, ct_feature_info[i].name);
		}
	}
}

/* The kernels of the README's table, as their probes answer. */
Test(kfeatures, debian_kernels)
{
	struct ct_features k510 = from_bits(1u << CT_FEAT_FENTRY), k61, k612;
	struct ct_variant v;

	ct_features_choose(&k510, &v);
	for (int i = 0; i < CT_FEAT_NR; i++)
		cr_assert_eq(v.use[i], i == CT_FEAT_FENTRY, "5.10: %s",
			     ct_feature_info[i].name);
	cr_assert_eq(ct_variant_map(&v, "inflight")->type, BPF_MAP_TYPE_HASH);
	cr_assert(ct_variant_loads(&v, "ct_fe_openat_noloop", false));
	cr_assert_not(ct_variant_loads(&v, "ct_fe_openat", true));
	cr_assert_not(ct_variant_loads(&v, "ct_sys_enter_noloop", false));

	k61 = from_bits((1u << CT_FEAT_NR) - 1);
	k61.has[CT_FEAT_CGRP_STORAGE] = false;
	ct_features_choose(&k61, &v);
	cr_assert(v.use[CT_FEAT_TASK_STORAGE]);
	cr_assert(v.use[CT_FEAT_TASK_PT_REGS]);
	cr_assert(v.use[CT_FEAT_LOOP]);
	cr_assert(ct_variant_loads(&v, "ct_fe_connect", true));
	cr_assert_not(ct_variant_loads(&v, "ct_fe_connect_noloop", false));
	cr_assert_not(ct_variant_loads(&v, "ct_sys_enter", true));
	cr_assert_not(v.use[CT_FEAT_CGRP_STORAGE]);
	cr_assert_null(ct_variant_map(&v, "inflight"));
	cr_assert_eq(ct_variant_map(&v, "marks")->type, BPF_MAP_TYPE_ARRAY);

	k612 = from_bits((1u << CT_FEAT_NR) - 1);
	ct_features_choose(&k612, &v);
	for (int i = 0; i < CT_FEAT_NR; i++)
		cr_assert(v.use[i], "6.12: %s", ct_feature_info[i].name);
	cr_assert_null(ct_variant_map(&v, "marks"));
}

Test(kfeatures, mask_names_features_by_their_flag)
{
	struct ct_features f = from_bits((1u << CT_FEAT_NR) - 1);

	ct_features_mask(&f, "switch_state,task_pt_regs");
	cr_assert_not(f.has[CT_FEAT_SWITCH_STATE]);
	cr_assert_not(f.has[CT_FEAT_TASK_PT_REGS]);
	cr_assert(f.has[CT_FEAT_TASK_BTF]);
	cr_assert(f.has[CT_FEAT_TASK_STORAGE]);

	f = from_bits((1u << CT_FEAT_NR) - 1);
	ct_features_mask(&f, "task_pt_reg,task_btfx");	/* no prefix matches */
	for (int i = 0; i < CT_FEAT_NR; i++)
		cr_assert(f.has[i]);
	ct_features_mask(&f, "all");
	for (int i = 0; i < CT_FEAT_NR; i++)
		cr_assert_not(f.has[i]);
}

/* What -v says of f and v (free it). */
static char *described(const struct ct_features *f,
		       const struct ct_variant *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	cr_assert_not_null(out);
	ct_features_describe(f, v, out);
	fclose(out);
	return buf;
}

Test(kfeatures, describe_says_what_is_missing_and_the_fallback)
{
	struct ct_features f = from_bits((1u << CT_FEAT_NR) - 1);
	struct ct_variant v;
	char *buf;

	f.has[CT_FEAT_SWITCH_STATE] = false;
	f.has[CT_FEAT_TASK_BTF] = false;
	ct_features_choose(&f, &v);
	buf = described(&f, &v);
	cr_assert_not_null(strstr(buf, "sched_switch prev_state argument (5.18): missing, instead the task's state field\n"));
	cr_assert_not_null(strstr(buf, "task storage in tracing programs (5.11): not used (needs bpf_get_current_task_btf)"));
	cr_assert_not_null(strstr(buf, "bpf_task_pt_regs (5.15): used\n"));
	cr_assert_not_null(strstr(buf, "syscall hooks: fentry (fentry/fexit on __x64_sys_* only)\n"));
	free(buf);
}

/*
 * Above the floor nothing is unobservable because of the kernel: each
 * optional feature has a fallback that measures the same (tools/vmtest
 * checks the counts on 5.10 and 6.1).  A feature without one would need
 * its start-up line and "unobservable" fields first.
 */
Test(kfeatures, every_optional_feature_has_a_fallback)
{
	for (int i = 0; i < CT_FEAT_NR; i++) {
		cr_assert_not_null(ct_feature_info[i].fallback, "%s",
				   ct_feature_info[i].name);
		cr_assert_not_null(ct_feature_info[i].since);
	}
}

static int floor_of(bool btf, bool ringbuf, char *err, size_t len)
{
	struct ct_features f = from_bits(0);

	f.floor[CT_FLOOR_BTF] = btf;
	f.floor[CT_FLOOR_RINGBUF] = ringbuf;
	err[0] = 0;
	return ct_features_check_floor(&f, "5.4.0-42-generic", err, len);
}

Test(kfeatures, below_the_floor_one_line_names_what_and_since_when)
{
	char err[512];

	/* every optional feature missing (5.10) is not a reason to stop */
	cr_assert_eq(floor_of(true, true, err, sizeof(err)), 0);
	cr_assert_str_empty(err);
	cr_assert_eq(floor_of(true, false, err, sizeof(err)), -EOPNOTSUPP);
	cr_assert_str_eq(err, "this kernel (5.4.0-42-generic) lacks BPF ring buffers, Linux 5.8 and newer: coldtrace needs Linux 5.10 or newer with BTF");
	cr_assert_eq(floor_of(false, true, err, sizeof(err)), -EOPNOTSUPP);
	cr_assert_str_eq(err, "this kernel (5.4.0-42-generic) lacks kernel BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF=y), Linux 5.4 and newer: coldtrace needs Linux 5.10 or newer with BTF");
	/* one line, the first requirement missing */
	cr_assert_eq(floor_of(false, false, err, sizeof(err)), -EOPNOTSUPP);
	cr_assert_null(strchr(err, '\n'));
	cr_assert_not_null(strstr(err, "lacks kernel BTF"));
	cr_assert_null(strstr(err, "ring buffers"));
}

Test(kfeatures, mask_reaches_the_floor_by_name_only)
{
	struct ct_features f = from_bits((1u << CT_FEAT_NR) - 1);

	ct_features_mask(&f, "all");
	cr_assert(f.floor[CT_FLOOR_BTF]);
	cr_assert(f.floor[CT_FLOOR_RINGBUF]);
	ct_features_mask(&f, "ringbuf");
	cr_assert(f.floor[CT_FLOOR_BTF]);
	cr_assert_not(f.floor[CT_FLOOR_RINGBUF]);
	ct_features_mask(&f, "btf");
	cr_assert_not(f.floor[CT_FLOOR_BTF]);
}

/*
 * CT_FEATURES_OFF=fentry forces the tp_btf path on a kernel with fentry
 * (vmtest's direct group runs both), and -v says which path was taken.
 */
Test(kfeatures, fentry_masked_picks_the_tp_btf_path_and_says_so)
{
	struct ct_features f = from_bits((1u << CT_FEAT_NR) - 1);
	struct ct_variant v;
	char *buf;

	ct_features_mask(&f, "fentry");
	for (int i = 0; i < CT_FEAT_NR; i++)
		cr_assert_eq(f.has[i], i != CT_FEAT_FENTRY);
	ct_features_choose(&f, &v);
	cr_assert(ct_variant_loads(&v, "ct_sys_enter", true));
	cr_assert(ct_variant_loads(&v, "ct_sys_exit", false));
	cr_assert_not(ct_variant_loads(&v, "ct_fe_read", false));
	buf = described(&f, &v);
	cr_assert_not_null(strstr(buf, "fentry/fexit on the " CT_ARCH_NAME " syscall functions (" CT_FENTRY_SINCE "): missing, instead the tp_btf sys_enter/sys_exit pair"));
	cr_assert_not_null(strstr(buf, "syscall hooks: tp_btf (sys_enter/sys_exit of every syscall)\n"));
	free(buf);
}

/*
 * Each hooked function is named once, without the architecture's prefix;
 * NULL only where the architecture has no such syscall (arm64: open,
 * rename), never read(2), the one the probe attaches.
 */
Test(kfeatures, fentry_targets_are_bare_and_unique)
{
	int n = 0;

	cr_assert_gt(ct_fentry_nsyscalls, 0);
	cr_assert_str_eq(ct_fentry_syscalls[0], "read");
	for (int i = 0; i < ct_fentry_nsyscalls; i++) {
		if (!ct_fentry_syscalls[i])
			continue;
		n++;
		cr_assert_null(strstr(ct_fentry_syscalls[i], "sys_"));
		for (int j = i + 1; j < ct_fentry_nsyscalls; j++)
			cr_assert(!ct_fentry_syscalls[j] ||
				  strcmp(ct_fentry_syscalls[i],
					 ct_fentry_syscalls[j]));
	}
	cr_assert_eq(n, CT_HAS_OLD_SYSCALLS ? 18 : 16);
	cr_assert(ct_fentry_prog("ct_fe_openat_noloop"));
	cr_assert(ct_fentry_prog("ct_fx_stub"));
	cr_assert_not(ct_fentry_prog("ct_sys_exit"));
	cr_assert_not(ct_fentry_prog("ct_sched_switch"));
}
