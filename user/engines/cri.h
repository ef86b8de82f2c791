/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the CRI's plug-ins (cri.c, cri_prepare.c) share. */
#ifndef __CT_CRI_H
#define __CT_CRI_H

#include <stdbool.h>

/* containerd's bind mount of a pod's netns to be: the thread's
 * "/proc/PID/task/TID/ns/net" on .../netns/cni-<random> (no id in
 * either: the pod's ADD names it by its CNI_NETNS). */
bool ct_cri_netns_mount(const char *src, const char *target);

#endif /* __CT_CRI_H */
