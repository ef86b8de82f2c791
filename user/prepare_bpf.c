// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Open/load/attach of bpf/prepare.bpf.c, as a loader extension. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "prepare.skel.h"

static void prepare_stop(void *state)
{
	prepare_bpf__destroy(state);
}

static int prepare_start(struct ct_loader *l, void **state, char *err,
			 size_t errlen)
{
	struct prepare_bpf *skel;
	int rc;

	*state = NULL;
	skel = prepare_bpf__open();
	if (!skel) {
		rc = -errno;
		snprintf(err, errlen, "prepare: opening BPF object failed: %s",
			 strerror(-rc));
		return rc;
	}
	*state = skel;
	rc = ct_loader_share_events(l, skel->obj);
	if (rc)
		snprintf(err, errlen, "prepare: sharing the ring buffer failed: %s",
			 strerror(-rc));
	if (!rc)
		rc = ct_loader_check_progs(skel->obj, err, errlen);
	if (!rc)
		rc = ct_loader_load_obj(skel->obj, err, errlen);
	if (!rc)
		rc = ct_loader_attach_skel(skel->skeleton, err, errlen);
	if (!rc && ct_loader_verbose(l))
		fprintf(stderr, "prepare: attached (dockerd's mkdirat)\n");
	return rc;
}

static const struct ct_loader_ext prepare_ext = {
	.name = "prepare",
	.start = prepare_start,
	.stop = prepare_stop,
};

__attribute__((constructor)) static void prepare_register(void)
{
	ct_loader_register(&prepare_ext);
}
