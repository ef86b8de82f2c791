/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Whether an exec is a CNI plugin's: its file in one of CT_CNI_DIRS
 * (include/coldtrace.h).  The lifecycle tracer sends the plugin's
 * environment before its exec; --why follows the plugin's scheduler
 * states (a pod's connect is a CNI plugin's, forked by the engine, not
 * by a runtime).  Include after vmlinux.h and the libbpf headers.
 */
#ifndef __CT_CNI_BPF_H
#define __CT_CNI_BPF_H

#include "coldtrace.h"

static const char cni_dirs[][CT_CNI_DIR_LEN] = CT_CNI_DIRS;

/* Whether the exec'ed file is in a CNI plugin directory: a short read
 * of the name's head, once per exec. */
static __always_inline bool is_cni_plugin(const char *filename)
{
	const unsigned int ndirs = sizeof(cni_dirs) / sizeof(cni_dirs[0]);
	char head[CT_CNI_DIR_LEN] = {};

	if (bpf_probe_read_kernel_str(head, sizeof(head), filename) < 0)
		return false;
	for (unsigned int d = 0; d < ndirs; d++) {
		bool match = true;

		for (int i = 0; i < CT_CNI_DIR_LEN && cni_dirs[d][i]; i++)
			if (head[i] != cni_dirs[d][i])
				match = false;
		if (match)
			return true;
	}
	return false;
}

#endif /* __CT_CNI_BPF_H */
