// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The one choice of the BPF programs' variant from the kernel's features
 * (kfeatures.h), and whether the kernel has coldtrace's floor at all.
 * Rules, from the verifier of the oldest kernel:
 *  - a feature is used only where the kernel has it;
 *  - task and cgroup storage take a BTF pointer to their owner, which
 *    only bpf_get_current_task_btf() gives for the current task: without
 *    it, both fall back too, even if the kernel had them;
 *  - a storage map that falls back is created as a map every kernel has.
 */
#include <errno.h>
#include <string.h>
#include <linux/bpf.h>
#include "errmsg.h"
#include "kfeatures.h"
#include "syscalls.h"

const struct ct_feature_info ct_feature_info[CT_FEAT_NR] = {
	[CT_FEAT_TASK_BTF] = {
		"bpf_get_current_task_btf", "5.11", "ct_has_task_btf",
		"bpf_get_current_task() with CO-RE probe reads" },
	[CT_FEAT_TASK_STORAGE] = {
		"task storage in tracing programs", "5.11",
		"ct_has_task_storage",
		"hashes keyed by tid, deleted at each open's end and each exit" },
	[CT_FEAT_CGRP_STORAGE] = {
		"BPF_MAP_TYPE_CGRP_STORAGE", "6.2", "ct_has_cgrp_storage",
		"no cgroup marks: the tracked hash by cgroup id is the only test" },
	[CT_FEAT_LOOP] = {
		"bpf_loop", "5.17", "ct_has_loop",
		"a bounded loop (ct_sys_enter_noloop)" },
	[CT_FEAT_TASK_PT_REGS] = {
		"bpf_task_pt_regs", "5.15", "ct_has_task_pt_regs",
		"the registers at the top of the task's kernel stack" },
	[CT_FEAT_SWITCH_STATE] = {
		"sched_switch prev_state argument", "5.18",
		"ct_has_switch_state",
		"the task's state field" },
	[CT_FEAT_FENTRY] = {
		"fentry/fexit on the " CT_ARCH_NAME " syscall functions",
		CT_FENTRY_SINCE,
		"ct_has_fentry",
		"the tp_btf sys_enter/sys_exit pair: while attached, every "
		"syscall of the host takes the slow path" },
};

/*
 * Every syscall function bpf/sys.bpf.c's fentry path hooks: those of
 * include/syscalls.h that this architecture has, NULL for the others.
 */
#define FENTRY_FUNC(name, func, x86, arm64) \
	CT_NR_PICK(x86, arm64) >= 0 ? #func : NULL,
const char *const ct_fentry_syscalls[] = { CT_SYSCALLS(FENTRY_FUNC) };
#undef FENTRY_FUNC
const int ct_fentry_nsyscalls =
	sizeof(ct_fentry_syscalls) / sizeof(ct_fentry_syscalls[0]);

const struct ct_floor_info ct_floor_info[CT_FLOOR_NR] = {
	[CT_FLOOR_BTF] = {
		"kernel BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF=y)",
		"5.4", "btf" },
	[CT_FLOOR_RINGBUF] = { "BPF ring buffers", "5.8", "ringbuf" },
};

/* Is @name an item of the comma-separated @list? */
static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return true;
	}
	return false;
}

void ct_features_mask(struct ct_features *f, const char *list)
{
	if (!list)
		return;
	for (int i = 0; i < CT_FEAT_NR; i++) {
		const char *flag = ct_feature_info[i].rodata;


		if (listed(list, "all") || listed(list, flag + strlen("ct_has_")))
			f->has[i] = false;
	}
	for (int i = 0; i < CT_FLOOR_NR; i++)
		if (listed(list, ct_floor_info[i].mask))
			f->floor[i] = false;
}

int ct_features_check_floor(const struct ct_features *f, const char *release,
			    char *err, size_t errlen)
{
	for (int i = 0; i < CT_FLOOR_NR; i++) {
		const struct ct_floor_info *fi = &ct_floor_info[i];

		if (f->floor[i])
			continue;
		return ct_fail(err, errlen, -EOPNOTSUPP,
			    "this kernel (%s) lacks %s, Linux %s and newer: coldtrace needs Linux 5.10 or newer with BTF",
			    release, fi->name, fi->since);
	}
	return 0;
}

static const char *const tid_hashes[] = { "inflight", "why_tasks" };

void ct_features_choose(const struct ct_features *f, struct ct_variant *v)
{
	int n = 0;

	memset(v, 0, sizeof(*v));
	for (int i = 0; i < CT_FEAT_NR; i++)
		v->use[i] = f->has[i];
	if (!v->use[CT_FEAT_TASK_BTF]) {
		v->use[CT_FEAT_TASK_STORAGE] = false;
		v->use[CT_FEAT_CGRP_STORAGE] = false;
	}
	if (!v->use[CT_FEAT_TASK_STORAGE]) {
		for (unsigned int i = 0; i < 2; i++)
			v->maps[n++] = (struct ct_map_choice){
				tid_hashes[i], BPF_MAP_TYPE_HASH,
				CT_TID_HASH_MAX, BPF_F_NO_PREALLOC };
	}
	/* unused: the smallest map every kernel makes */
	if (!v->use[CT_FEAT_CGRP_STORAGE])
		v->maps[n++] = (struct ct_map_choice){
			"marks", BPF_MAP_TYPE_ARRAY, 1, 0 };
}

const struct ct_map_choice *ct_variant_map(const struct ct_variant *v,
					   const char *name)
{
	for (int i = 0; i < CT_VARIANT_MAPS; i++)
		if (v->maps[i].map && !strcmp(v->maps[i].map, name))
			return &v->maps[i];
	return NULL;
}

bool ct_fentry_prog(const char *name)
{
	return !strncmp(name, "ct_fe_", 6) || !strncmp(name, "ct_fx_", 6);
}

static bool ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), m = strlen(end);

	return n >= m && !strcmp(s + n - m, end);
}

/*
 * One path of syscall hooks, never both; of bpf_loop twins, one: a
 * program that holds a bpf_loop callback does not load before 5.17.
 */
bool ct_variant_loads(const struct ct_variant *v, const char *name,
		      bool has_noloop)
{
	bool fentry = v->use[CT_FEAT_FENTRY];

	if (ct_fentry_prog(name) && !fentry)
		return false;
	if (!strncmp(name, "ct_sys_", 7) && fentry)
		return false;
	if (ends_with(name, "_noloop"))
		return !v->use[CT_FEAT_LOOP];
	return !has_noloop || v->use[CT_FEAT_LOOP];
}

void ct_features_describe(const struct ct_features *f,
			  const struct ct_variant *v, FILE *out)
{
	for (int i = 0; i < CT_FEAT_NR; i++) {
		const struct ct_feature_info *fi = &ct_feature_info[i];

		if (v->use[i])
			fprintf(out, "kernel feature %s (%s): used\n",
				fi->name, fi->since);
		else
			fprintf(out, "kernel feature %s (%s): %s, instead %s\n",
				fi->name, fi->since,
				f->has[i] ? "not used (needs bpf_get_current_task_btf)" :
					    "missing",
				fi->fallback);
	}
	/* the one line tools/vmtest asserts: which path hooks the syscalls */
	fprintf(out, "syscall hooks: %s\n", v->use[CT_FEAT_FENTRY] ?
		"fentry (fentry/fexit on " CT_SYSCALL_FN_PREFIX "* only)" :
		"tp_btf (sys_enter/sys_exit of every syscall)");
}
