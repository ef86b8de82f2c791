/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* --dump: raw events as one line of text each, for debugging traces. */
#ifndef __CT_DUMP_H
#define __CT_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

void ct_dump_record(FILE *f, const void *rec, size_t len, int64_t mono_to_real);

/* One type each, for dump.c's table of printers: rec is a whole,
 * valid record of that type (ct_rec_check()). */
bool ct_dump_exec(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_cni_env(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_fork(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_exit(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_mount(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_connect(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_listen(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_stdin(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_touch(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_fuse(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_mkdir(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_ufn(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_tstate(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_arm(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_mapfull(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_host(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_layer(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_fetched(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_pull_image(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_ident(FILE *f, const void *rec, size_t len, int64_t m2r);
bool ct_dump_lost(FILE *f, const void *rec, size_t len, int64_t m2r);

#endif /* __CT_DUMP_H */
