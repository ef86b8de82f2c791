// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Open/load/attach of bpf/ready.bpf.c on the maps of the other tracers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "opens_bpf.h"
#include "ready_bpf.h"
#include "ready.skel.h"

struct ct_ready_bpf {
	struct ready_bpf *skel;
};

static int share_maps(struct ready_bpf *skel, struct ct_loader *l,
		      struct ct_opens_bpf *o, char *err, size_t errlen)
{
	int tracked, hists, rc;

	ct_opens_map_fds(o, &tracked, &hists);
	if (tracked < 0 || hists < 0) {
		snprintf(err, errlen, "ready: the listen marker needs the open "
			 "tracer (drop --no-opens, or use --ready=exec)");
		return -EINVAL;
	}
	rc = ct_loader_share_events(l, skel->obj);
	if (!rc)
		rc = bpf_map__reuse_fd(skel->maps.tracked, tracked);
	if (!rc)
		rc = bpf_map__reuse_fd(skel->maps.hists, hists);
	if (rc)
		snprintf(err, errlen, "ready: sharing maps failed: %s",
			 strerror(-rc));
	return rc;
}

int ct_ready_bpf_start(struct ct_ready_bpf **out, struct ct_loader *l,
		       struct ct_opens_bpf *o, enum ct_cgroup_mode m,
		       bool verbose, char *err, size_t errlen)
{
	struct ct_ready_bpf *r;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "ready: out of memory");
		return -ENOMEM;
	}
	r->skel = ready_bpf__open();
	if (!r->skel) {
		rc = -errno;
		snprintf(err, errlen, "ready: opening BPF object failed: %s",
			 strerror(-rc));
		free(r);
		return rc;
	}
	r->skel->rodata->cgroup_mode = m;
	rc = share_maps(r->skel, l, o, err, errlen);
	if (!rc)
		rc = ct_loader_check_progs(r->skel->obj, err, errlen);
	if (!rc)
		rc = ct_loader_load_obj(r->skel->obj, err, errlen);
	if (!rc)
		rc = ct_loader_attach_skel(r->skel->skeleton, err, errlen);
	if (rc) {
		ct_ready_bpf_stop(r);
		return rc;
	}
	if (verbose)
		fprintf(stderr, "ready: attached (listen(2) of tracked containers)\n");
	*out = r;
	return 0;
}

void ct_ready_bpf_stop(struct ct_ready_bpf *r)
{
	if (!r)
		return;
	ready_bpf__destroy(r->skel);
	free(r);
}
