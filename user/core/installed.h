/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The runtimes and engines installed on the traced host, for a live
 * /metrics: the (runtime, engine) pairs it exports at 0 before their
 * first container (docs/metrics.md "Which series").  Installed means a
 * program of its name (ct_runtime_binary(), struct ct_engine's binary)
 * in one of PATH's usual directories of the host's root.
 */
#ifndef __CT_INSTALLED_H
#define __CT_INSTALLED_H

#include <stdint.h>

/*
 * The root to look in: proc_root (/proc/1/root, the host init's) when
 * it can be read and is not ours (coldtrace in a container with
 * hostPID and the right to read it), else our own, "/".  A container
 * of coldtrace that cannot read it (the DaemonSet: no CAP_SYS_PTRACE;
 * a pid 1 not dumpable) looks in its own root, which holds no runtime:
 * nothing installed, the series as before.
 */
const char *ct_installed_root(const char *proc_root);

/* Into *runtimes, *engines: a bit per enum ct_runtime, ct_engine_kind
 * installed under root. */
void ct_installed(const char *root, uint32_t *runtimes, uint32_t *engines);

#endif /* __CT_INSTALLED_H */
