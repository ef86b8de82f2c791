/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which BPF programs run on this kernel: what the kernel has (probed by
 * user/kern/kfeatures_bpf.c) in, the variant of the BPF objects out (their
 * ct_has_* read-only flags, bpf/task.bpf.h, and the types of the maps
 * that need a kernel feature).  The choice is made here only, as pure
 * code, so that every combination of probe results can be tested.
 */
#ifndef CT_KFEATURES_H
#define CT_KFEATURES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Kernel features with a fallback; each is one ct_has_* flag. */
enum ct_feature {
	CT_FEAT_TASK_BTF,	/* bpf_get_current_task_btf(), 5.11 */
	CT_FEAT_TASK_STORAGE,	/* task storage in tracing programs, 5.11 */
	CT_FEAT_CGRP_STORAGE,	/* BPF_MAP_TYPE_CGRP_STORAGE, 6.2 */
	CT_FEAT_LOOP,		/* bpf_loop(), 5.17: a program each way */
	CT_FEAT_TASK_PT_REGS,	/* bpf_task_pt_regs(), 5.15 */
	CT_FEAT_SWITCH_STATE,	/* sched_switch's prev_state argument, 5.18 */
	CT_FEAT_FENTRY,		/* fentry/fexit on __x64_sys_*: the hook path */
	CT_FEAT_NR,
};

struct ct_feature_info {
	const char *name;	/* what the kernel has or lacks */
	const char *since;	/* the first kernel that has it */
	const char *rodata;	/* its flag (CT_FEATURES_OFF: without ct_has_) */
	const char *fallback;	/* what is used without it */
};

extern const struct ct_feature_info ct_feature_info[CT_FEAT_NR];

/*
 * What coldtrace cannot run without (no fallback): without one, it stops
 * at start with one line naming it and the first kernel that has it.
 */
enum ct_floor {
	CT_FLOOR_BTF,		/* kernel BTF: every program is tp_btf */
	CT_FLOOR_RINGBUF,	/* BPF ring buffers, 5.8: every record */
	CT_FLOOR_NR,
};

struct ct_floor_info {
	const char *name;	/* what the kernel lacks */
	const char *since;	/* the first kernel that has it */
	const char *mask;	/* its name in CT_FEATURES_OFF */
};

extern const struct ct_floor_info ct_floor_info[CT_FLOOR_NR];

/* Probe results: has[f] when the kernel has feature f. */
struct ct_features {
	bool has[CT_FEAT_NR];
	bool floor[CT_FLOOR_NR];
};

/* A map whose type depends on the variant. */
struct ct_map_choice {
	const char *map;	/* its name in the BPF objects */
	uint32_t type;		/* enum bpf_map_type */
	uint32_t max_entries;
	uint32_t flags;
};

#define CT_VARIANT_MAPS	3

/* The variant: use[f] is the value of feature f's flag. */
struct ct_variant {
	bool use[CT_FEAT_NR];
	struct ct_map_choice maps[CT_VARIANT_MAPS];
};

/*
 * The syscall hooks' two paths (bpf/sys.bpf.c), by program name: ct_sys_*
 * are the tp_btf sys_enter/sys_exit dispatchers, ct_fe_* and ct_fx_* the
 * fentry path (fentry and fexit on the syscall functions,
 * CT_SYSCALL_FN_PREFIX<name> of include/syscalls.h, and the runsc stubs'
 * exit).  The syscall functions of the fentry path, without the prefix,
 * NULL where this architecture has no such syscall: the fentry probe
 * wants each in kernel BTF, else the tp_btf path is used, whole (no
 * syscall goes untraced).
 */
extern const char *const ct_fentry_syscalls[];
extern const int ct_fentry_nsyscalls;

/* Entries of the hashes by tid that replace task storage (before 5.11). */
#define CT_TID_HASH_MAX	16384

/*
 * Testing the fallbacks on a new kernel: CT_FEATURES_OFF=LIST in the
 * environment masks the features named in LIST (their flags without
 * "ct_has_", comma separated, or "all") as if the kernel lacked them;
 * "btf" and "ringbuf" (never in "all") mask the floor, to show its stop.
 */
#define CT_FEATURES_OFF_ENV	"CT_FEATURES_OFF"
void ct_features_mask(struct ct_features *f, const char *list);

/*
 * 0 if the kernel @release has the floor; else -EOPNOTSUPP and, in @err,
 * the one line that stops coldtrace: the first missing requirement and
 * the first kernel that has it.
 */
int ct_features_check_floor(const struct ct_features *f, const char *release,
			    char *err, size_t errlen);

void ct_features_choose(const struct ct_features *f, struct ct_variant *v);
/* The variant's choice for map @name, NULL if the object's own stands. */
const struct ct_map_choice *ct_variant_map(const struct ct_variant *v,
					   const char *name);
/*
 * Whether the variant loads program @name; @has_noloop: the object has
 * its bpf_loop-free twin, "<name>_noloop".
 */
bool ct_variant_loads(const struct ct_variant *v, const char *name,
		      bool has_noloop);
/* Whether @name is a program of the fentry path (ct_fe_*, ct_fx_*). */
bool ct_fentry_prog(const char *name);
/* -v: one line per feature, what the kernel has and what is used. */
void ct_features_describe(const struct ct_features *f,
			  const struct ct_variant *v, FILE *out);

#endif /* CT_KFEATURES_H */
