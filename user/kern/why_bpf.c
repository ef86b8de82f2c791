// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Open/load/attach of bpf/why.bpf.c on the lifecycle ring buffer; its
 * task marks and stacks, shared with the sched_switch program
 * (user/kern/sys_bpf.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "comm_table.h"
#include "loader.h"
#include "syscalls.h"
#include "gopark_bpf.h"
#include "why_bpf.h"
#include "why.skel.h"

struct ct_why_bpf {
	struct why_bpf *skel;
	bool ustacks;		/* --why=user: the waits' user stacks too */
	struct ct_gopark *gopark;	/* --why=user: runc's parks */
};

/*
 * How the sched_waking program tells an interrupt's wake (bpf/why.bpf.c):
 * the preempt count by its ksym, or, where the kernel cannot give its
 * address, beside the run queue (x86-64, the distance from BTF), else
 * the interrupts' own tracepoints; or no wakers at all (--why=states).
 * Tried in this order.
 */
enum wake_how {
	WAKE_COUNT,
	WAKE_RQ,
	WAKE_DEPTH,
	WAKE_NONE,
};

static const char *const wake_how_name[] = {
	[WAKE_COUNT] = "preempt count",
	[WAKE_RQ] = "preempt count beside the run queue",
	[WAKE_DEPTH] = "interrupt tracepoints",
};

/* --why=states: no stacks, no wakers, nothing kept for them. */
static int no_stacks(struct why_bpf *skel)
{
	skel->rodata->why_stacks_on = false;
	return bpf_map__set_max_entries(skel->maps.why_stacks, 1);
}

/* Which wake_how a program belongs to, or WAKE_NONE: to every one. */
static enum wake_how prog_how(const struct bpf_program *p)
{
	const char *name = bpf_program__name(p);

	if (!strcmp(name, "ct_why_waking"))
		return WAKE_COUNT;
	if (!strcmp(name, "ct_why_waking_rq"))
		return WAKE_RQ;
	if (!strcmp(name, "ct_why_waking_depth") ||
	    !strncmp(name, "ct_why_irq_", strlen("ct_why_irq_")))
		return WAKE_DEPTH;
	return WAKE_NONE;
}

static int set_wake(struct why_bpf *skel, enum wake_how how)
{
	struct bpf_program *p;
	int rc = 0;

	bpf_object__for_each_program(p, skel->obj) {
		enum wake_how ph = prog_how(p);

		if (ph != WAKE_NONE && !rc)
			rc = bpf_program__set_autoload(p, ph == how);
	}
	return !rc && how == WAKE_NONE ? no_stacks(skel) : rc;
}

#ifdef CT_ARCH_X86
/* Offset of per-CPU variable name in vmlinux's .data..percpu, or -1. */
static long long percpu_offset(const struct btf *btf, int sec,
			       const char *name)
{
	const struct btf_type *t = btf__type_by_id(btf, sec);
	const struct btf_var_secinfo *v = btf_var_secinfos(t);

	for (int i = 0; i < btf_vlen(t); i++, v++) {
		const struct btf_type *var = btf__type_by_id(btf, v->type);

		if (var && !strcmp(btf__name_by_offset(btf, var->name_off), name))
			return v->offset;
	}
	return -1;
}
#endif

/*
 * What the kernel's BTF allows of the ways to read the preempt count
 * (bpf/why.bpf.c), read once: by its ksym, where BTF names the per-CPU
 * variable (libbpf resolves a typed ksym by its BTF VAR, and a weak one
 * it cannot find reads as absent: the program would load and read no
 * count at all, as on Debian 11's 5.10); beside the run queue, where the
 * per-CPU section's offsets give the distance from runqueues to
 * __preempt_count (or pcpu_hot, 6.2 to 6.14, whose first member it is).
 * arm64 reads it in thread_info: by its "ksym" way always.
 */
struct count_ways {
	bool ksym;
	bool rq;
	long long rq_to_preempt;
};

static void count_ways(struct count_ways *c)
{
#ifdef CT_ARCH_X86
	struct btf *btf = btf__load_vmlinux_btf();
	long long rq, pc;
	int sec;

	*c = (struct count_ways){ 0 };
	if (libbpf_get_error(btf))
		return;
	c->ksym = btf__find_by_name_kind(btf, "__preempt_count",
					 BTF_KIND_VAR) > 0 ||
		  btf__find_by_name_kind(btf, "pcpu_hot", BTF_KIND_VAR) > 0;
	sec = btf__find_by_name_kind(btf, ".data..percpu", BTF_KIND_DATASEC);
	if (sec > 0) {
		rq = percpu_offset(btf, sec, "runqueues");
		pc = percpu_offset(btf, sec, "__preempt_count");
		if (pc < 0)
			pc = percpu_offset(btf, sec, "pcpu_hot");
		c->rq = rq >= 0 && pc >= 0;
		c->rq_to_preempt = pc - rq;
	}
	btf__free(btf);
#else
	*c = (struct count_ways){ .ksym = true };
#endif
}

/*
 * The interrupt depth from 0 once its programs are all attached: an
 * interrupt whose entry came before its exit's program was attached
 * would otherwise hold it up for good (bpf/why.bpf.c).
 */
static int zero_depth(struct why_bpf *skel, char *err, size_t errlen)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *zeros;	/* a per-CPU value: 8 bytes a CPU */
	uint32_t key = 0;
	int rc;

	if (ncpu <= 0) {
		snprintf(err, errlen, "why: possible CPUs: %s", strerror(-ncpu));
		return ncpu ? ncpu : -EINVAL;
	}
	zeros = calloc((size_t)ncpu, sizeof(*zeros));
	if (!zeros) {
		snprintf(err, errlen, "why: out of memory");
		return -ENOMEM;
	}
	rc = bpf_map_update_elem(bpf_map__fd(skel->maps.why_irq_depth), &key,
				 zeros, BPF_ANY) ? -errno : 0;
	free(zeros);
	if (rc)
		snprintf(err, errlen, "why: zeroing the interrupt depth: %s",
			 strerror(-rc));
	return rc;
}

/* What setup() sets the object up for. */
struct why_setup {
	struct ct_why_bpf *w;
	struct ct_loader *l;
	enum wake_how how;
	const struct count_ways *ways;	/* what BTF allows */
};

/* After the open: set up for how; 0 or -errno + err. */
static int setup(void *ctx, char *err, size_t errlen)
{
	const struct why_setup *ws = ctx;
	const struct count_ways *ways = ws->ways;
	struct ct_why_bpf *w = ws->w;
	enum wake_how how = ws->how;
	int rc;

	w->skel->rodata->wakeup_bytes = ct_loader_wakeup_bytes(ws->l);
	if (how == WAKE_COUNT && !ways->ksym) {
		snprintf(err, errlen, "the kernel's BTF names no __preempt_count or pcpu_hot");
		return -ENOENT;
	}
	if (how == WAKE_RQ && !ways->rq) {
		snprintf(err, errlen, "the kernel's BTF has no per-CPU offsets of runqueues and __preempt_count");
		return -ENOENT;
	}
	w->skel->rodata->rq_to_preempt = ways->rq_to_preempt;
	/* the roots' names, from the one list (comm_table.h) */
	ct_comm_pats(CT_COMM_ROOT, w->skel->rodata->why_pats, CT_WHY_PATS);
	/* the sched_switch program (sys.bpf.c) takes them, in this map */
	rc = w->ustacks ? 0 :
	     bpf_map__set_max_entries(w->skel->maps.why_ustacks, 1);
	if (rc) {
		snprintf(err, errlen, "why: %s", strerror(-rc));
		return rc;
	}
	rc = set_wake(w->skel, how);
	/* runc's parks (--why=user): placed by gopark_bpf.c, not here */
	if (!rc)
		rc = bpf_program__set_autoload(w->skel->progs.ct_why_gopark,
					       w->ustacks);
	bpf_program__set_autoattach(w->skel->progs.ct_why_gopark, false);
	if (rc)
		snprintf(err, errlen, "why: %s", strerror(-rc));
	return rc;
}

/*
 * The object opened, set up for how (ways: what BTF allows), and loaded;
 * 0 or -errno + err.
 */
static int load(struct ct_why_bpf *w, struct ct_loader *l, enum wake_how how,
		const struct count_ways *ways, char *err, size_t errlen)
{
	struct why_setup ws = { w, l, how, ways };
	const struct ct_obj_prep p = { "why", l, setup, &ws };

	w->skel = why_bpf__open();
	return ct_loader_prep_obj(&p, w->skel ? w->skel->obj : NULL, err,
				  errlen);
}

/*
 * --why=user: runc's runtime.gopark probed from now (gopark_bpf.h): the
 * runc binaries on PATH, in the usual places and in the engines' roots,
 * before any start.
 */
static int start_gopark(struct ct_why_bpf *w, bool verbose, char *err,
			size_t errlen)
{
	w->gopark = ct_gopark_new(w->skel->progs.ct_why_gopark, verbose);
	if (!w->gopark) {
		snprintf(err, errlen, "why: out of memory");
		return -ENOMEM;
	}
	ct_gopark_place_named(w->gopark, CT_GOPARK_PROGRAM, getenv("PATH"),
			      "/proc");
	return 0;
}

int ct_why_bpf_start(struct ct_why_bpf **out, struct ct_loader *l,
		     bool stacks, bool ustacks, bool verbose, char *err,
		     size_t errlen)
{
	enum wake_how how = stacks ? WAKE_COUNT : WAKE_NONE;
	struct count_ways ways = { 0 };
	struct ct_why_bpf *w;
	int rc;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "why: out of memory");
		return -ENOMEM;
	}
	w->ustacks = stacks && ustacks;
	if (stacks)
		count_ways(&ways);
	rc = load(w, l, how, &ways, err, errlen);
	/* the ksym, then the run queue, then the interrupts' tracepoints */
	while (rc && (how == WAKE_COUNT || how == WAKE_RQ)) {
		why_bpf__destroy(w->skel);
		w->skel = NULL;
		if (verbose)
			fprintf(stderr, "why: no %s here (%s)\n",
				wake_how_name[how], err);
		how = how == WAKE_COUNT ? WAKE_RQ : WAKE_DEPTH;
		rc = load(w, l, how, &ways, err, errlen);
	}
	if (!rc)
		rc = ct_loader_attach_skel(w->skel->skeleton, err, errlen);
	if (!rc && how == WAKE_DEPTH)
		rc = zero_depth(w->skel, err, errlen);
	if (!rc && w->ustacks)
		rc = start_gopark(w, verbose, err, errlen);
	if (rc) {
		ct_why_bpf_stop(w);
		return rc;
	}
	if (verbose)
		fprintf(stderr, "why: attached (scheduler states%s%s%s of shims, runtimes, CNI plugins and their descendants)\n",
			how == WAKE_NONE ? "" : ", wait sites and wakers (",
			how == WAKE_NONE ? "" : wake_how_name[how],
			how == WAKE_NONE ? "" : ")");
	*out = w;
	return 0;
}

static int share(struct bpf_object *obj, const char *name,
		 const struct bpf_map *ours)
{
	struct bpf_map *theirs = bpf_object__find_map_by_name(obj, name);

	return theirs ? bpf_map__reuse_fd(theirs, bpf_map__fd(ours)) : -ENOENT;
}

int ct_why_share_maps(const struct ct_why_bpf *w, struct bpf_object *obj)
{
	int rc = share(obj, "why_tasks", w->skel->maps.why_tasks);

	if (!rc)
		rc = share(obj, "why_stacks", w->skel->maps.why_stacks);
	return rc ? rc : share(obj, "why_ustacks", w->skel->maps.why_ustacks);
}

static int read_stack(const struct bpf_map *m, uint32_t key, uint64_t *ips)
{
	return bpf_map_lookup_elem(bpf_map__fd(m), &key, ips) ? -errno : 0;
}

int ct_why_bpf_read_stack(void *ctx, uint32_t key, uint64_t *ips)
{
	return read_stack(((const struct ct_why_bpf *)ctx)->skel->maps.why_stacks,
			  key, ips);
}

bool ct_why_bpf_stacks(const struct ct_why_bpf *w)
{
	return w && w->skel->rodata->why_stacks_on;
}

int ct_why_bpf_read_ustack(void *ctx, uint32_t key, uint64_t *ips)
{
	return read_stack(((const struct ct_why_bpf *)ctx)->skel->maps.why_ustacks,
			  key, ips);
}

bool ct_why_bpf_ustacks(const struct ct_why_bpf *w)
{
	return w && w->ustacks;
}

/*
 * A runc's exec: its binary probed if new (a runc outside PATH: the
 * parks of its first command before this are missed).  Its comm is
 * the file's name; runc's init ("runc:[2:INIT]") runs from a memfd
 * copy of runc made for each container, never probed (gopark_bpf.h).
 */
void ct_why_bpf_exec(struct ct_why_bpf *w, const void *rec, size_t len)
{
	const struct ct_hdr *h = rec;
	char exe[64];

	if (!w || !w->gopark || len < sizeof(*h) || h->type != CT_EV_EXEC ||
	    strncmp(h->comm, CT_GOPARK_PROGRAM, sizeof(h->comm)))
		return;
	snprintf(exe, sizeof(exe), "/proc/%u/exe", h->pid);
	ct_gopark_place(w->gopark, exe);
}

void ct_why_bpf_stop(struct ct_why_bpf *w)
{
	if (!w)
		return;
	ct_gopark_free(w->gopark);
	why_bpf__destroy(w->skel);
	free(w);
}
