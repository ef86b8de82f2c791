/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What only containerd's own client leaves: `ctr run`'s argv. */
#ifndef __CT_CONTAINERD_H
#define __CT_CONTAINERD_H

#include <stdbool.h>
#include <stddef.h>

/* "ctr ... run [flags] IMAGE ID ..." (NUL-separated argv) -> ID: 0, or
 * -EINVAL when it is no ctr run or its id does not fit. */
int ct_ctr_run_id(const char *args, size_t len, char *id, size_t idlen);
/* Whether it is a `ctr run --rm` (among run's flags: not the program's). */
bool ct_ctr_run_removes(const char *args, size_t len);

#endif /* __CT_CONTAINERD_H */
