// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Open/load/attach of bpf/opens.bpf.c and reading its maps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "opens_bpf.h"
#include "hist.h"
#include "loader.h"
#include "paths.h"
#include "util.h"
#include "opens.skel.h"

_Static_assert(CT_OPENS_RT_RUNC == CT_RT_RUNC, "runtime values");
_Static_assert(CT_OPENS_RT_CRUN == CT_RT_CRUN, "runtime values");
_Static_assert(CT_OPENS_RT_RUNSC == CT_RT_RUNSC, "runtime values");

struct ct_opens_bpf {
	struct opens_bpf *skel;
	struct ct_opens_cfg cfg;
	int tracked_fd;
	int hists_fd;
	int slow_fd;		/* -1 without --paths */
	int full_fd;		/* map_full: refused inserts per CPU */
	int ncpus;		/* values per slowpaths entry */
	bool fuse;		/* FUSE requests traced (bpf/lazy.bpf.h) */
};

/* Per-CPU values are copied out in 8-byte steps: no padding to undo. */
_Static_assert(sizeof(struct ct_opens_slow) % 8 == 0, "per-CPU stride");

/*
 * CT_TEST_TRACKED_MAX=N: tracked holds N containers, not
 * CT_OPENS_MAX_CONTAINERS, so that a test fills it with two
 * (tests/integration/opens_full.sh); for tests only.
 */
static int test_tracked_max(struct opens_bpf *skel)
{
	const char *s = getenv("CT_TEST_TRACKED_MAX");
	unsigned long n;
	char *end;

	if (!s)
		return 0;
	n = strtoul(s, &end, 10);
	if (*end || !n || n > CT_OPENS_MAX_CONTAINERS)
		return -EINVAL;
	return bpf_map__set_max_entries(skel->maps.tracked, n);
}

/*
 * Whether the kernel has the FUSE request tracepoints (6.11): their
 * btf_trace_ typedef in the kernel's BTF, or in the fuse module's when
 * it is one (loaded: a module loaded later is not followed).
 */
static bool fuse_traceable(void)
{
	static const char name[] = "btf_trace_fuse_request_send";
	struct btf *vm = btf__load_vmlinux_btf(), *mod;
	bool has;

	if (!vm)
		return false;
	has = btf__find_by_name_kind(vm, name, BTF_KIND_TYPEDEF) > 0;
	if (!has) {
		mod = btf__parse_split("/sys/kernel/btf/fuse", vm);
		has = mod && btf__find_by_name_kind(mod, name,
						    BTF_KIND_TYPEDEF) > 0;
		btf__free(mod);
	}
	btf__free(vm);
	return has;
}

/* What configure() sets the object up for. */
struct opens_setup {
	struct opens_bpf *skel;
	struct ct_loader *l;
	const struct ct_opens_cfg *cfg;
	bool fuse;
};

static int configure(void *ctx, char *err, size_t errlen)
{
	const struct opens_setup *os = ctx;
	const struct ct_opens_cfg *cfg = os->cfg;
	struct opens_bpf *skel = os->skel;

	if (cfg->cgroup_mode != CT_CGROUP_V1_MEMORY &&
	    cfg->cgroup_mode != CT_CGROUP_V2) {
		snprintf(err, errlen, "opens: unknown cgroup mode %d",
			 (int)cfg->cgroup_mode);
		return -EINVAL;
	}
	skel->rodata->cgroup_mode = cfg->cgroup_mode;
	skel->rodata->runtime_mask = cfg->runtime_mask;
	skel->rodata->touch_window_ns = cfg->touch_window_ns;
	/* unused then: the smallest map the kernel accepts */
	if (!cfg->paths)
		bpf_map__set_max_entries(skel->maps.slowpaths, 1);
	/*
	 * The seccomp traps are runsc's only: without runsc no signal pays
	 * for a hook (nor a context switch: user/kern/sys_bpf.c).
	 */
	if (!ct_opens_cfg_runsc(cfg))
		bpf_program__set_autoload(skel->progs.ct_opens_sigsys, false);
	if (!cfg->listens)
		bpf_program__set_autoload(skel->progs.ct_opens_listen, false);
	if (!os->fuse) {
		bpf_program__set_autoload(skel->progs.ct_opens_fuse_send, false);
		bpf_program__set_autoload(skel->progs.ct_opens_fuse_end, false);
		bpf_map__set_max_entries(skel->maps.fuse_inflight, 1);
	}
	skel->rodata->wakeup_bytes = ct_loader_wakeup_bytes(os->l);
	if (test_tracked_max(skel)) {
		snprintf(err, errlen, "opens: CT_TEST_TRACKED_MAX: not a "
			 "number from 1 to %d", CT_OPENS_MAX_CONTAINERS);
		return -EINVAL;
	}
	return 0;
}

/* Open, configure, load and attach o->skel; destroyed if that fails. */
static int open_load(struct ct_opens_bpf *o, struct ct_loader *l,
		     const struct ct_opens_cfg *cfg, bool fuse, char *err,
		     size_t errlen)
{
	struct opens_setup os = { NULL, l, cfg, fuse };
	/* the listens' records go to the lifecycle's ring buffer */
	const struct ct_obj_prep p = { "opens", l, configure, &os };
	int rc;

	o->skel = os.skel = opens_bpf__open();
	rc = ct_loader_prep_obj(&p, o->skel ? o->skel->obj : NULL, err,
				errlen);
	if (!rc)
		rc = ct_loader_attach_skel(o->skel->skeleton, err, errlen);
	if (rc) {
		opens_bpf__destroy(o->skel);
		o->skel = NULL;
	}
	return rc;
}

int ct_opens_start(struct ct_opens_bpf **out, struct ct_loader *l,
		   const struct ct_opens_cfg *cfg, bool verbose, char *err,
		   size_t errlen)
{
	struct ct_opens_bpf *o;
	bool fuse = fuse_traceable();
	int rc;

	*out = NULL;
	o = calloc(1, sizeof(*o));
	if (!o) {
		snprintf(err, errlen, "opens: out of memory");
		return -ENOMEM;
	}
	rc = open_load(o, l, cfg, fuse, err, errlen);
	/*
	 * A kernel whose FUSE structures its programs cannot read (a layout
	 * CO-RE does not know, as Debian's 7.2 was once): the open tracer
	 * without them, said once, rather than no tracing at all.
	 */
	if (rc && fuse) {
		fprintf(stderr, "coldtrace: FUSE requests not traced (%s)\n",
			err);
		rc = open_load(o, l, cfg, false, err, errlen);
	}
	if (rc) {
		free(o);
		return rc;
	}
	o->cfg = *cfg;
	o->fuse = bpf_program__autoload(o->skel->progs.ct_opens_fuse_send);
	o->tracked_fd = bpf_map__fd(o->skel->maps.tracked);
	o->hists_fd = bpf_map__fd(o->skel->maps.hists);
	o->slow_fd = cfg->paths ? bpf_map__fd(o->skel->maps.slowpaths) : -1;
	o->full_fd = bpf_map__fd(o->skel->maps.map_full);
	o->ncpus = libbpf_num_possible_cpus();
	if (o->ncpus <= 0) {
		snprintf(err, errlen, "opens: cannot count possible CPUs: %s",
			 strerror(-o->ncpus));
		rc = o->ncpus;
		ct_opens_stop(o);
		return rc;
	}
	if (verbose)
		fprintf(stderr,
			"opens: attached (%s cgroup keys, runtime mask 0x%x%s%s, "
			"%s)\n",
			cfg->cgroup_mode == CT_CGROUP_V2 ? "v2" : "v1 memory",
			cfg->runtime_mask, cfg->paths ? ", slowest paths" : "",
			cfg->listens ? ", TCP listens" : "",
			o->fuse ? "FUSE requests" :
			fuse ? "FUSE programs refused: FUSE requests not seen" :
			"no FUSE tracepoints: FUSE requests not seen");
	*out = o;
	return 0;
}

static void read_hist(struct ct_opens_bpf *o, uint64_t key, uint32_t rt,
		      uint32_t kind, struct ct_opens *out)
{
	struct ct_opens_key k = { .cgroup_key = key, .runtime = rt,
				  .kind = kind };
	struct ct_opens_hist h;

	/* Not there yet: tracked, but nothing opened. */
	if (bpf_map_lookup_elem(o->hists_fd, &k, &h))
		memset(&h, 0, sizeof(h));
	ct_opens_fill(out, &h);
}

static int read_kind(struct ct_opens_bpf *o, uint64_t key, uint32_t kind,
		     struct ct_opens *out)
{
	struct ct_opens_track t;

	memset(out, 0, sizeof(*out));
	if (!o || key == 0 || bpf_map_lookup_elem(o->tracked_fd, &key, &t))
		return -ENOENT;
	read_hist(o, key, t.runtime, kind, out);
	/* an insert for it was refused (a full map): not a measurement,
	 * in no statistic (not valid) */
	if (t.refused[kind & 1]) {
		ct_opens_set_map_full(out);
		return 0;
	}
	if (kind != CT_OPENS_GUEST || t.runtime != CT_OPENS_RT_RUNSC)
		return 0;
	/*
	 * systrap: guest syscalls trap by seccomp (SIGSYS to the stub), not
	 * by a ptrace stop; the few ptrace stops it makes would give a
	 * wrong count (3 of 201), so none is reported.
	 */
	if (t.seccomp_traps) {
		out->unobservable = true;
		out->systrap = true;
	}
	/* No ptrace stop at all: the guest ran where we cannot see. */
	if (!t.stub_stops)
		out->unobservable = true;
	return 0;
}

int ct_opens_read(struct ct_opens_bpf *o, uint64_t cgroup_key,
		  struct ct_opens *out)
{
	return read_kind(o, cgroup_key, CT_OPENS_GUEST, out);
}

int ct_opens_read_gofer(struct ct_opens_bpf *o, uint64_t cgroup_key,
			struct ct_opens *out)
{
	return read_kind(o, cgroup_key, CT_OPENS_GOFER, out);
}

int ct_opens_read_runtime(struct ct_opens_bpf *o, enum ct_runtime rt,
			  enum ct_opens_kind kind, struct ct_opens *out)
{
	memset(out, 0, sizeof(*out));
	if (!o || rt <= CT_RT_UNKNOWN || rt >= CT_RT_MAX ||
	    kind >= CT_OPENS_KIND_MAX)
		return -EINVAL;
	read_hist(o, 0, rt, kind, out);
	return 0;
}

/* Each CPU kept its own K slowest: the slowest of all of them. */
int ct_opens_read_slow(struct ct_opens_bpf *o, uint64_t cgroup_key,
		       struct ct_container *c, size_t max)
{
	struct ct_opens_slow *v;
	int rc = 0;

	c->n_slow = 0;
	if (!o || o->slow_fd < 0 || !cgroup_key)
		return -ENOENT;
	v = calloc(o->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(o->slow_fd, &cgroup_key, v))
		rc = -errno;
	for (int cpu = 0; !rc && cpu < o->ncpus; cpu++) {
		const struct ct_opens_slow *p = &v[cpu];

		for (uint32_t i = 0; i < p->n && i < CT_OPENS_SLOW_K; i++)
			ct_paths_add(c, max, p->ent[i].ns, p->ent[i].ret,
				     p->ent[i].path, sizeof(p->ent[i].path));
	}
	free(v);
	return rc;
}

enum ct_runtime ct_opens_runtime_of(struct ct_opens_bpf *o,
				    uint64_t cgroup_key)
{
	struct ct_opens_track t;

	if (!o || bpf_map_lookup_elem(o->tracked_fd, &cgroup_key, &t) ||
	    t.runtime >= CT_RT_MAX)
		return CT_RT_UNKNOWN;
	return t.runtime;
}

size_t ct_opens_keys(struct ct_opens_bpf *o, uint64_t *keys, size_t max)
{
	uint64_t key, *prev = NULL;
	size_t n = 0;

	if (!o)
		return 0;
	while (n < max &&
	       !bpf_map_get_next_key(o->tracked_fd, prev, &key)) {
		keys[n] = key;
		prev = &keys[n++];
	}
	return n;
}

void ct_opens_forget(struct ct_opens_bpf *o, uint64_t cgroup_key)
{
	struct ct_opens_track t;
	struct ct_opens_key k = { .cgroup_key = cgroup_key };

	if (!o || !cgroup_key ||
	    bpf_map_lookup_elem(o->tracked_fd, &cgroup_key, &t))
		return;
	bpf_map_delete_elem(o->tracked_fd, &cgroup_key);
	if (o->slow_fd >= 0)
		bpf_map_delete_elem(o->slow_fd, &cgroup_key);
	k.runtime = t.runtime;
	for (k.kind = 0; k.kind < CT_OPENS_KIND_MAX; k.kind++)
		bpf_map_delete_elem(o->hists_fd, &k);
}

uint64_t ct_opens_refused(struct ct_opens_bpf *o, enum ct_map_full which)
{
	__u32 k = which;
	uint64_t n = 0;
	__u64 *v;

	if (!o || which >= CT_MAPFULL_NR)
		return 0;
	v = calloc(o->ncpus, sizeof(*v));
	if (v && !bpf_map_lookup_elem(o->full_fd, &k, v))
		for (int cpu = 0; cpu < o->ncpus; cpu++)
			n += v[cpu];
	free(v);
	return n;
}

/* hists and slowpaths entries of a key no longer tracked */
static size_t sweep_untracked(struct ct_opens_bpf *o, int fd, size_t ksz)
{
	unsigned char key[sizeof(struct ct_opens_key)], next[sizeof(key)];
	struct ct_opens_track t;
	bool first = true;
	size_t n = 0;
	uint64_t cg;

	while (!bpf_map_get_next_key(fd, first ? NULL : key, next)) {
		first = false;
		memcpy(key, next, ksz);
		memcpy(&cg, key, sizeof(cg));	/* the cgroup key first */
		if (cg && bpf_map_lookup_elem(o->tracked_fd, &cg, &t) &&
		    !bpf_map_delete_elem(fd, key)) {
			n++;
			first = true;	/* the walk starts over */
		}
	}
	return n;
}

size_t ct_opens_sweep(struct ct_opens_bpf *o, uint64_t before_mono_ns,
		      bool (*followed)(uint64_t cgroup_key, void *ctx),
		      void *ctx)
{
	uint64_t gone[256], key, next, *prev = NULL;
	struct ct_opens_track t;
	size_t n = 0;

	if (!o)
		return 0;
	/* first the walk, then the deletes: a delete would restart it */
	while (n < sizeof(gone) / sizeof(gone[0]) &&
	       !bpf_map_get_next_key(o->tracked_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(o->tracked_fd, &key, &t) &&
		    t.since_ns < before_mono_ns && !followed(key, ctx))
			gone[n++] = key;
	}
	for (size_t i = 0; i < n; i++)
		ct_opens_forget(o, gone[i]);
	sweep_untracked(o, o->hists_fd, sizeof(struct ct_opens_key));
	if (o->slow_fd >= 0)
		sweep_untracked(o, o->slow_fd, sizeof(uint64_t));
	return n;
}

void ct_opens_get_cfg(const struct ct_opens_bpf *o, struct ct_opens_cfg *out)
{
	*out = o->cfg;
}

bool ct_opens_fuse_traced(const struct ct_opens_bpf *o)
{
	return o->fuse;
}

int ct_opens_share_maps(const struct ct_opens_bpf *o, struct bpf_object *obj)
{
	static const char *const names[] = {
		"tracked", "hists", "inflight", "gofers", "slowpaths",
		"marks", "map_full",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct bpf_map *ours, *theirs;
		int rc;

		ours = bpf_object__find_map_by_name(o->skel->obj, names[i]);
		theirs = bpf_object__find_map_by_name(obj, names[i]);
		if (!ours || !theirs)
			return -ENOENT;
		rc = bpf_map__reuse_fd(theirs, bpf_map__fd(ours));
		if (rc)
			return rc;
	}
	return 0;
}

void ct_opens_stop(struct ct_opens_bpf *o)
{
	if (!o)
		return;
	opens_bpf__destroy(o->skel);
	free(o);
}
