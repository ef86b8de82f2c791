// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The phase tables of the runtimes' families (shim, direct, kata; an
 * engine with a family of its own has its table in its row, written in
 * its file, user/engines/: podman.c, cri.c).  docs/phases.md prints the same
 * tables; a unit test (tests/unit/test_phases.c) replays the fixtures
 * and checks that every row fires and that each firing is where the
 * record says the phase begins or ends.
 */
#include "engine_api.h"
#include "phases.h"

#include "phases_api.h"

/*
 * runc, crun, runsc under containerd-shim-runc-v2 (dockerd or ctr).
 * dockerd goes on after the last process: for --rm or `docker rm` it
 * removes the container's layer, `layerdb/mounts/<id>` and, last,
 * `containers/<id>` before it answers; that removal is the engine
 * destroying the container, so destroy lasts until its last rmdir.
 * `ctr run --rm` removes its container itself (the task, then the
 * container and its snapshot) before it returns: destroy lasts until
 * its exit (user/engines/containerd.c).
 * Docker 28 runs no network hook: its network is set up between the
 * runtime's create and start, which the netns bind mount tells (connect
 * from create's end to start's exec).
 */
static const struct ct_phase_rule shim_rules[] = {
	R(SHIM_START, BEGIN, ATTACH),
	MONITORED_RUNTIME,
	ENGINE_NETWORK,
	R(ID_RMDIR, EXTEND, DESTROY),
	R(REMOVER_EXIT, EXTEND, DESTROY),
	R(NETNS_MOUNT, BEGIN, CONNECT),
	R(RT_START, END, CONNECT),
};

/* runc run / runsc run without a shim (or create, start, delete by hand):
 * create lasts until the program's exec, destroy from pid 1's exit to
 * the runtime's exit.  No engine, no network of an engine. */
static const struct ct_phase_rule direct_rules[] = {
	R(RT_CREATE, BEGIN, CREATE),
	R(RT_CREATE_EXIT, END, CREATE),
	R_NEED(RT_START, BEGIN, START, CT_PH_CREATE),
	R(USER_EXEC, END, START),
	R(USER_EXEC, END, CREATE),
	R(USER_EXEC, BEGIN, RUN),
	R(PID1_EXIT, END, RUN),
	R(PID1_EXIT, BEGIN, DESTROY),
	R_NEED(RT_DELETE, BEGIN, DESTROY, CT_PH_ANY),
	R(PROC_EXIT, EXTEND, DESTROY),
};

/* Kata (modeled, docs/design.md "Facts measured"): the program runs in
 * the guest, unseen. */
static const struct ct_phase_rule kata_rules[] = {
	R(SHIM_START, BEGIN, ATTACH),
	R(HYP_EXEC, END, ATTACH),
	R(HYP_EXEC, BEGIN, CREATE),
	R(AGENT_CONNECT, END, CREATE),
	R(VM_EXIT, BEGIN, DESTROY),
	R(PROC_EXIT, EXTEND, DESTROY),
	ENGINE_NETWORK,
};

static const struct ct_phase_table shim = CT_PHASE_TABLE(shim_rules);
static const struct ct_phase_table direct = CT_PHASE_TABLE(direct_rules);
static const struct ct_phase_table kata = CT_PHASE_TABLE(kata_rules);

/* The runtimes' families here; an engine's own in its row. */
static const struct {
	const char *name;
	const struct ct_phase_table *t;
} families[CT_FAM_ENGINE] = {
	[CT_FAM_SHIM] = { "shim", &shim },
	[CT_FAM_DIRECT] = { "direct", &direct },
	[CT_FAM_KATA] = { "kata", &kata },
};

enum ct_family ct_family_of(enum ct_engine_kind engine, enum ct_runtime rt)
{
	const struct ct_engine *e = ct_engine(engine);

	if (rt == CT_RT_KATA)
		return CT_FAM_KATA;
	/* a kind out of range has unknown's row: no family of its own */
	return e->phases ? (enum ct_family)(CT_FAM_ENGINE + engine) : e->family;
}

/* The engine whose own family f is; NULL for a runtimes' family. */
static const struct ct_engine *family_engine(enum ct_family f)
{
	if ((unsigned)f < CT_FAM_ENGINE || (unsigned)f >= CT_FAM_MAX)
		return NULL;
	return ct_engine(f - CT_FAM_ENGINE);
}

const struct ct_phase_rule *ct_phase_rules(enum ct_family f, size_t *n)
{
	const struct ct_engine *e = family_engine(f);
	const struct ct_phase_table *t = e ? e->phases : NULL;

	if ((unsigned)f < CT_FAM_ENGINE)
		t = families[f].t;
	*n = t ? t->n : 0;
	return t ? t->rules : NULL;
}

static bool applies(const struct ct_container *c, const struct ct_phase_rule *r)
{
	if (r->need == CT_PH_ANY && !c->phase_mask)
		return false;
	if (r->need >= 0 && !ct_has_phase(c, r->need))
		return false;
	return r->unless < 0 || !ct_has_phase(c, r->unless);
}

/* Returns whether c changed. */
static bool apply_op(struct ct_container *c, enum ct_phase_op op,
		     enum ct_phase p, uint64_t t)
{
	struct ct_interval *iv = &c->phases[p];
	bool begun = ct_has_phase(c, p);

	switch (op) {
	case CT_OP_BEGIN:
		if (begun)
			return false;
		c->phase_mask |= 1u << p;
		iv->start_ns = t;
		iv->end_ns = 0;
		return true;
	case CT_OP_END:
		if (!begun || iv->end_ns || t < iv->start_ns)
			return false;
		iv->end_ns = t;
		return true;
	case CT_OP_EXTEND:
		if (!begun || t < iv->start_ns || t <= iv->end_ns)
			return false;
		iv->end_ns = t;
		return true;
	}
	return false;
}

void ct_phases_apply(struct ct_container *c, enum ct_family f,
		     enum ct_transition tr, uint64_t t, ct_rule_cb cb,
		     void *ctx)
{
	size_t n;
	const struct ct_phase_rule *r = ct_phase_rules(f, &n);

	for (size_t i = 0; i < n; i++) {
		if (r[i].tr != tr || !applies(c, &r[i]))
			continue;
		if (apply_op(c, r[i].op, r[i].phase, t) && cb)
			cb(c, f, i, t, ctx);
	}
}

static const char *const tr_names[CT_TR_MAX] = {
	[CT_TR_SHIM_START] = "shim started",
	[CT_TR_RT_CREATE] = "runtime create exec",
	[CT_TR_RT_CREATE_EXIT] = "runtime create exit",
	[CT_TR_HOOK_EXEC] = "hook exec",
	[CT_TR_HOOK_EXIT] = "hook exit",
	[CT_TR_RT_START] = "runtime start exec",
	[CT_TR_USER_EXEC] = "user exec",
	[CT_TR_PID1_EXIT] = "pid 1 exit",
	[CT_TR_RT_DELETE] = "runtime delete exec",
	[CT_TR_NETNS_UMOUNT_ENTER] = "netns umount enter",
	[CT_TR_NETNS_UMOUNT_EXIT] = "netns umount exit",
	[CT_TR_PROC_EXIT] = "process exit",
	[CT_TR_ID_UMOUNT] = "umount naming the id",
	[CT_TR_HYP_EXEC] = "hypervisor exec",
	[CT_TR_AGENT_CONNECT] = "agent connect",
	[CT_TR_VM_EXIT] = "VM exit",
	[CT_TR_MONITOR_EXEC] = "monitor exec",
	[CT_TR_NET_TEARDOWN] = "network teardown exec",
	[CT_TR_ID_RMDIR] = "rmdir naming the id",
	[CT_TR_NETNS_MOUNT] = "netns mount",
	[CT_TR_REMOVER_EXIT] = "remover exit",
	[CT_TR_TASK_REQUEST] = "app rootfs mount",
};

const char *ct_transition_name(enum ct_transition tr)
{
	return (unsigned)tr < CT_TR_MAX ? tr_names[tr] : "?";
}

const char *ct_family_name(enum ct_family f)
{
	const struct ct_engine *e = family_engine(f);

	if ((unsigned)f < CT_FAM_ENGINE)
		return families[f].name;
	return e && e->phases ? e->name : "?";
}
