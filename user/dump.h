/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* --dump: raw events as one line of text each, for debugging traces. */
#ifndef __CT_DUMP_H
#define __CT_DUMP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

void ct_dump_record(FILE *f, const void *rec, size_t len, int64_t mono_to_real);

#endif /* __CT_DUMP_H */
