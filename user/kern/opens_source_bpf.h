/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The live opens source: the open tracer's kernel maps. */
#ifndef __CT_OPENS_SOURCE_BPF_H
#define __CT_OPENS_SOURCE_BPF_H

#include "opens_bpf.h"
#include "opens_source.h"

/* o may be NULL (--no-opens): a source without ops. */
struct ct_opens_source ct_opens_bpf_source(struct ct_opens_bpf *o);

#endif /* __CT_OPENS_SOURCE_BPF_H */
