// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel's BPF features, probed once (libbpf's helper and map type
 * probes, kernel BTF), and the variant chosen from them
 * (user/kern/kfeatures.c) applied to each BPF object before load: its ct_has_*
 * read-only flags and the types of the maps that fall back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "errmsg.h"
#include "kfeatures.h"
#include "kfeatures_bpf.h"
#include "syscalls.h"

#define BTF_VMLINUX	"/sys/kernel/btf/vmlinux"

/* Not in the uapi headers of every build host (6.2). */
#define CT_MAP_TYPE_CGRP_STORAGE	32

/* Helpers are probed in a raw tracepoint program: the tracing set. */
static bool has_helper(enum bpf_func_id id)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_RAW_TRACEPOINT, id,
				       NULL) == 1;
}

static bool has_map(enum bpf_map_type type)
{
	return libbpf_probe_bpf_map_type(type, NULL) == 1;
}

static bool has_member(const struct btf *btf, const char *st,
		       const char *member)
{
	const struct btf_type *t;
	const struct btf_member *m;
	int id = btf__find_by_name_kind(btf, st, BTF_KIND_STRUCT);

	if (id <= 0)
		return false;
	t = btf__type_by_id(btf, id);
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), member))
			return true;
	return false;
}

/* Arguments of tracepoint @tp (its btf_trace_ typedef), -1 if unknown. */
static int tp_args(const struct btf *btf, const char *tp)
{
	char name[128];
	const struct btf_type *t;
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id <= 0)
		return -1;
	t = btf__type_by_id(btf, id);
	while (t && (btf_is_typedef(t) || btf_is_ptr(t)))
		t = btf__type_by_id(btf, t->type);
	/* the first argument is the tracepoint's data pointer */
	return t && btf_is_func_proto(t) ? btf_vlen(t) - 1 : -1;
}

/* The id of function @name in kernel BTF, or <= 0. */
static int btf_func(const struct btf *btf, const char *name)
{
	return btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
}

static int syscall_func(const struct btf *btf, const char *sys)
{
	char name[64];

	snprintf(name, sizeof(name), CT_SYSCALL_FN_PREFIX "%s", sys);
	return btf_func(btf, name);
}

/*
 * Whether a trivial fentry program that reads the pt_regs argument of
 * __x64_sys_@sys loads (and, with @attach, attaches): the kernel has
 * BPF trampolines on this arch and config (this test machine's 6.18 does
 * not), and its verifier accepts that argument.  5.10's does not for
 * every function: where BTF has struct pt_regs only as a forward
 * declaration (__x64_sys_connect on Debian's 5.10) it refuses any read
 * of it ("arg0 type FWD is not a struct").  Asked for real, per function.
 */
static bool fentry_loads(const struct btf *btf, const char *sys, bool attach)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_2,
		  .src_reg = BPF_REG_1 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o,
		    .expected_attach_type = BPF_TRACE_FENTRY);
	int prog, link = 0, id = syscall_func(btf, sys);

	if (id <= 0)
		return false;
	o.attach_btf_id = id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "ct_probe_fentry", "GPL",
			     insns, 3, &o);
	if (prog < 0)
		return false;
	if (attach) {
		link = bpf_raw_tracepoint_open(NULL, prog);
		if (link >= 0)
			close(link);
	}
	close(prog);
	return link >= 0;
}

/*
 * Every syscall function the fentry path hooks takes a fentry program
 * that reads its argument; one of them attaches.  Else the tp_btf path,
 * whole: no syscall goes untraced.
 */
static bool has_fentry(const struct btf *btf)
{
	if (!btf)
		return false;
	for (int i = 0; i < ct_fentry_nsyscalls; i++)
		if (ct_fentry_syscalls[i] &&
		    !fentry_loads(btf, ct_fentry_syscalls[i], i == 0))
			return false;
	return true;
}

static void probe(struct ct_features *f)
{
	struct btf *btf = btf__load_vmlinux_btf();

	f->floor[CT_FLOOR_BTF] = access(BTF_VMLINUX, R_OK) == 0;
	f->floor[CT_FLOOR_RINGBUF] = has_map(BPF_MAP_TYPE_RINGBUF);

	if (libbpf_get_error(btf))
		btf = NULL;
	f->has[CT_FEAT_TASK_BTF] = has_helper(BPF_FUNC_get_current_task_btf);
	f->has[CT_FEAT_TASK_STORAGE] = has_map(BPF_MAP_TYPE_TASK_STORAGE) &&
		has_helper(BPF_FUNC_task_storage_get);
	/*
	 * The field that holds it, and the map type unless libbpf does not
	 * know it yet (-EOPNOTSUPP): only 0 says the kernel lacks it.
	 */
	f->has[CT_FEAT_CGRP_STORAGE] = btf &&
		has_member(btf, "cgroup", "bpf_cgrp_storage") &&
		libbpf_probe_bpf_map_type(CT_MAP_TYPE_CGRP_STORAGE, NULL) != 0;
	f->has[CT_FEAT_LOOP] = has_helper(BPF_FUNC_loop);
	f->has[CT_FEAT_TASK_PT_REGS] = has_helper(BPF_FUNC_task_pt_regs);
	f->has[CT_FEAT_SWITCH_STATE] = btf && tp_args(btf, "sched_switch") >= 4;
	f->has[CT_FEAT_FENTRY] = has_fentry(btf);
	btf__free(btf);
}

/* Kernel features do not change while we run: probed once. */
const struct ct_variant *ct_features_get(const struct ct_features **fp)
{
	static struct ct_features f;
	static struct ct_variant v;
	static bool done;

	if (!done) {
		probe(&f);
		ct_features_mask(&f, getenv(CT_FEATURES_OFF_ENV));
		ct_features_choose(&f, &v);
		done = true;
	}
	if (fp)
		*fp = &f;
	return &v;
}

int ct_features_floor(char *err, size_t errlen)
{
	const struct ct_features *f;
	struct utsname u;

	ct_features_get(&f);
	if (uname(&u))
		strcpy(u.release, "?");
	return ct_features_check_floor(f, u.release, err, errlen);
}

/*
 * Set the flags in @obj's .rodata, found by name in its BTF, over a copy
 * of what the object's opener already set there.
 */
static int set_flags(struct bpf_object *obj, const struct ct_variant *v)
{
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	struct bpf_map *map;
	const void *cur;
	size_t size;
	char *data;
	int id, rc;

	map = bpf_object__find_map_by_name(obj, ".rodata");
	id = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -1;
	if (!map || id <= 0)
		return 0;	/* no read-only data: no flag to set */
	cur = bpf_map__initial_value(map, &size);
	data = cur ? malloc(size) : NULL;
	if (!data)
		return -ENOMEM;
	memcpy(data, cur, size);
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const char *name = btf__name_by_offset(btf,
				btf__type_by_id(btf, vs->type)->name_off);

		for (int f = 0; f < CT_FEAT_NR; f++)
			if (!strcmp(name, ct_feature_info[f].rodata) &&
			    vs->offset < size)
				data[vs->offset] = v->use[f];
	}
	rc = bpf_map__set_initial_value(map, data, size);
	free(data);
	return rc;
}

static bool has_noloop(struct bpf_object *obj, struct bpf_program *prog)
{
	char name[128];

	snprintf(name, sizeof(name), "%s_noloop", bpf_program__name(prog));
	return bpf_object__find_program_by_name(obj, name) != NULL;
}

/*
 * A fentry or fexit program hooks one of ct_fentry_syscalls, which the
 * probe found in BTF: a new one not in that list could fail to load on
 * some kernel, so it stops every start (tools/vmtest's load group).
 */
static int check_fentry_target(struct bpf_program *prog, char *err,
			       size_t errlen)
{
	const char *sec = bpf_program__section_name(prog);
	const char *fn = strstr(sec, "/" CT_SYSCALL_FN_PREFIX);

	if (strncmp(sec, "fentry/", 7) && strncmp(sec, "fexit/", 6))
		return 0;
	for (int i = 0; fn && i < ct_fentry_nsyscalls; i++)
		if (ct_fentry_syscalls[i] &&
		    !strcmp(fn + 1 + strlen(CT_SYSCALL_FN_PREFIX),
			    ct_fentry_syscalls[i]))
			return 0;
	return ct_fail(err, errlen, -EINVAL,
		    "BPF program %s: %s is not a probed fentry target (user/kern/kfeatures.c)",
		    bpf_program__name(prog), sec);
}

int ct_features_apply(struct bpf_object *obj, char *err, size_t errlen)
{
	const struct ct_variant *v = ct_features_get(NULL);
	struct bpf_program *prog;
	struct bpf_map *map;
	int rc = set_flags(obj, v);

	if (rc)
		return ct_fail(err, errlen, rc,
			    "BPF object %s: cannot set its kernel feature flags: %s",
			    bpf_object__name(obj), strerror(-rc));
	bpf_object__for_each_program(prog, obj) {
		rc = check_fentry_target(prog, err, errlen);
		if (rc)
			return rc;
		if (!ct_variant_loads(v, bpf_program__name(prog),
				      has_noloop(obj, prog)))
			bpf_program__set_autoload(prog, false);
	}
	bpf_object__for_each_map(map, obj) {
		const struct ct_map_choice *c;

		c = ct_variant_map(v, bpf_map__name(map));
		/* a map reused by fd is its owner's, already made */
		if (!c || bpf_map__fd(map) >= 0)
			continue;
		rc = bpf_map__set_type(map, c->type);
		if (!rc)
			rc = bpf_map__set_max_entries(map, c->max_entries);
		if (!rc)
			rc = bpf_map__set_map_flags(map, c->flags);
		if (rc)
			return ct_fail(err, errlen, rc,
				    "map %s: cannot make it a fallback map: %s",
				    c->map, strerror(-rc));
	}
	return rc;
}
