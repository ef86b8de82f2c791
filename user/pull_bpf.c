// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Open/load/attach of bpf/pull.bpf.c, as a loader extension. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "pull_bpf.h"
#include "pull.skel.h"

static void pull_stop(void *state)
{
	pull_bpf__destroy(state);
}

static int pull_start(struct ct_loader *l, void **state, char *err,
		      size_t errlen)
{
	struct pull_bpf *skel;
	int rc;

	*state = NULL;
	skel = pull_bpf__open();
	if (!skel) {
		rc = -errno;
		snprintf(err, errlen, "pull: opening BPF object failed: %s",
			 strerror(-rc));
		return rc;
	}
	*state = skel;
	rc = ct_loader_check_progs(skel->obj, err, errlen);
	if (!rc)
		rc = ct_loader_load_obj(skel->obj, err, errlen);
	if (!rc)
		rc = ct_loader_attach_skel(skel->skeleton, err, errlen);
	if (!rc) {
		rc = ct_loader_add_ringbuf(l,
					   bpf_map__fd(skel->maps.pull_events));
		if (rc)
			snprintf(err, errlen,
				 "pull: adding the ring buffer failed: %s",
				 strerror(-rc));
	}
	if (!rc && ct_loader_verbose(l))
		fprintf(stderr, "pull: attached (blob files of dockerd, containerd)\n");
	return rc;
}

static const struct ct_loader_ext pull_ext = {
	.name = "pull",
	.start = pull_start,
	.stop = pull_stop,
};

__attribute__((constructor)) static void pull_register(void)
{
	ct_loader_register(&pull_ext);
}
