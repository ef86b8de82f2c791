// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Open/load/attach of bpf/sys.bpf.c on the maps of the other tracers:
 * the lifecycle ring buffer and lost counter (ct_loader_share_events()),
 * with the open tracer its container maps (ct_opens_share_maps()), with
 * --why its task marks (ct_why_share_maps()).
 * The maps of pulls, prepare and the lifecycle's syscalls are this
 * object's own; a feature that is off keeps the smallest maps the kernel
 * accepts (its code is dropped by the verifier).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "opens_bpf.h"
#include "sys_bpf.h"
#include "why_bpf.h"
#include "sys.skel.h"

struct ct_sys_bpf {
	struct sys_bpf *skel;
};

static int shrink_opens(struct sys_bpf *skel)
{
	/* task and cgroup storage (inflight, marks) have no size */
	struct bpf_map *m[] = { skel->maps.tracked, skel->maps.hists,
				skel->maps.gofers, skel->maps.slowpaths };
	int rc = 0;

	for (size_t i = 0; !rc && i < sizeof(m) / sizeof(m[0]); i++)
		rc = bpf_map__set_max_entries(m[i], 1);
	return rc;
}

static int shrink_pull(struct sys_bpf *skel)
{
	int rc = bpf_map__set_max_entries(skel->maps.fds, 1);

	if (!rc)
		rc = bpf_map__set_max_entries(skel->maps.opening, 1);
	/* a ring buffer is at least a page */
	if (!rc)
		rc = bpf_map__set_max_entries(skel->maps.pull_events,
					      (__u32)sysconf(_SC_PAGESIZE));
	return rc;
}

static int share_opens(struct sys_bpf *skel, struct ct_opens_bpf *o)
{
	struct ct_opens_cfg cfg;

	ct_opens_get_cfg(o, &cfg);
	skel->rodata->cgroup_mode = cfg.cgroup_mode;
	skel->rodata->runtime_mask = cfg.runtime_mask;
	skel->rodata->paths_enabled = cfg.paths;
	skel->rodata->stubs_on = ct_opens_cfg_runsc(&cfg);
	return ct_opens_share_maps(o, skel->obj);
}

/*
 * No sched_switch hook at all unless runsc's stub stops or --why need it:
 * it would run on every context switch of the host.
 */
static int setup_switch(struct sys_bpf *skel, const struct ct_sys_features *f)
{
	skel->rodata->why_on = f->why != NULL;
	if (!skel->rodata->stubs_on && !f->why)
		return bpf_program__set_autoload(skel->progs.ct_sched_switch,
						 false);
	return f->why ? ct_why_share_maps(f->why, skel->obj) : 0;
}

static int configure(struct sys_bpf *skel, struct ct_loader *l,
		     const struct ct_sys_features *f, char *err, size_t errlen)
{
	int rc;

	if (f->ready && !f->opens) {
		snprintf(err, errlen, "ready: the listen marker needs the open "
			 "tracer (drop --no-opens, or use --ready=exec)");
		return -EINVAL;
	}
	skel->rodata->opens_on = f->opens != NULL;
	skel->rodata->pull_on = f->pull;
	skel->rodata->prepare_on = f->prepare;
	skel->rodata->ready_on = f->ready;
	rc = ct_loader_share_events(l, skel->obj);
	/* same early wakeup as the lifecycle tracer: an eighth */
	if (!rc)
		skel->rodata->wakeup_bytes =
			bpf_map__max_entries(skel->maps.events) / 8;
	if (!rc)
		rc = f->opens ? share_opens(skel, f->opens) :
				shrink_opens(skel);
	if (!rc)
		rc = setup_switch(skel, f);
	if (!rc && !f->pull)
		rc = shrink_pull(skel);
	if (!rc && !f->prepare)
		rc = bpf_map__set_max_entries(skel->maps.mkdir_start, 1);
	if (rc)
		snprintf(err, errlen, "sys: sharing or sizing maps failed: %s",
			 strerror(-rc));
	return rc;
}

static const char *switch_users(bool stubs, bool why)
{
	if (stubs)
		return why ? "runsc stubs, why" : "runsc stubs";
	return why ? "why" : "none, not attached";
}

static int add_pull_ringbuf(struct sys_bpf *skel, struct ct_loader *l,
			    char *err, size_t errlen)
{
	int rc = ct_loader_add_ringbuf(l, bpf_map__fd(skel->maps.pull_events));

	if (rc)
		snprintf(err, errlen, "pull: adding the ring buffer failed: %s",
			 strerror(-rc));
	return rc;
}

int ct_sys_bpf_start(struct ct_sys_bpf **out, struct ct_loader *l,
		     const struct ct_sys_features *f, bool verbose, char *err,
		     size_t errlen)
{
	struct ct_sys_bpf *s;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "sys: out of memory");
		return -ENOMEM;
	}
	s->skel = sys_bpf__open();
	if (!s->skel) {
		rc = -errno;
		snprintf(err, errlen, "sys: opening BPF object failed: %s",
			 strerror(-rc));
		free(s);
		return rc;
	}
	rc = configure(s->skel, l, f, err, errlen);
	if (!rc)
		rc = ct_loader_check_progs(s->skel->obj, err, errlen);
	if (!rc)
		rc = ct_loader_load_obj(s->skel->obj, err, errlen);
	if (!rc && f->pull)
		rc = add_pull_ringbuf(s->skel, l, err, errlen);
	if (!rc)
		rc = ct_loader_attach_skel(s->skel->skeleton, err, errlen);
	if (rc) {
		ct_sys_bpf_stop(s);
		return rc;
	}
	if (verbose)
		fprintf(stderr, "sys: attached (one sys_enter/sys_exit pair: "
			"lifecycle%s%s%s%s; sched_switch: %s)\n",
			f->opens ? ", opens" : "", f->pull ? ", pull" : "",
			f->prepare ? ", prepare" : "", f->ready ? ", ready" : "",
			switch_users(s->skel->rodata->stubs_on, f->why));
	*out = s;
	return 0;
}

void ct_sys_bpf_stop(struct ct_sys_bpf *s)
{
	if (!s)
		return;
	sys_bpf__destroy(s->skel);
	free(s);
}

int ct_sys_bpf_arm(struct ct_sys_bpf *s, char *err, size_t errlen)
{
	return ct_loader_attach_skel(s->skel->skeleton, err, errlen);
}

void ct_sys_bpf_disarm(struct ct_sys_bpf *s)
{
	bpf_object__detach_skeleton(s->skel->skeleton);
}
