/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Kernel feature probes and the variant applied to BPF objects. */
#ifndef CT_KFEATURES_BPF_H
#define CT_KFEATURES_BPF_H

#include <stddef.h>
#include "kfeatures.h"

struct bpf_object;

/* The variant for this kernel, probed at the first call; *fp: probes. */
const struct ct_variant *ct_features_get(const struct ct_features **fp);
/* 0, or -EOPNOTSUPP and one line when the kernel is below coldtrace's
 * floor (no BTF, no ring buffers). */
int ct_features_floor(char *err, size_t errlen);
/* Flags and fallback maps of @obj, between open and load. */
int ct_features_apply(struct bpf_object *obj, char *err, size_t errlen);

#endif /* CT_KFEATURES_BPF_H */
