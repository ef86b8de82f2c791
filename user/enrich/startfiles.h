/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --start-files: the files a container opened at its start, pure C.
 * Fed the kernel's CT_EV_TOUCH records (every open of a regular file in
 * the first S seconds after the program's exec, bpf/opens_sys.bpf.h),
 * it keeps each path's first touch per cgroup key until the container
 * is emitted, after its ready phase is set.  Then the list is cut at the
 * first of: the end of ready, S seconds, the end of run, the syscall
 * hooks' first detach (opens.traced_until_ns); the container gets the
 * summary (c->start_files) and the lines go to -o DIR's
 * start-files.jsonl, one JSON object per file with "path" first: the
 * recorder format ctr-remote's --estargz-record-in reads (it ignores the
 * other keys and keeps a path's first line).
 *
 * Bounded: at most CT_SF_FILES paths per container and CT_SF_PENDING
 * in all wait for their containers; a path past either is counted
 * (c->start_files.dropped).  Lines kept for the export: the newest
 * CT_SF_KEEP_BYTES, older ones counted (ct_startfiles_evicted()).
 */
#ifndef __CT_STARTFILES_H
#define __CT_STARTFILES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "container.h"

#define CT_SF_FILES		4096
#define CT_SF_PENDING		65536
#define CT_SF_GROUPS		1024
#define CT_SF_KEEP_BYTES	(16u << 20)

struct ct_startfiles;

/* window_ns 0: off (feed keeps nothing, apply sets nothing). */
struct ct_startfiles *ct_startfiles_new(uint64_t window_ns,
					int64_t mono_to_real_ns);
void ct_startfiles_free(struct ct_startfiles *sf);

/* Any record; keeps CT_EV_TOUCH ones.  -EINVAL if one is too short. */
int ct_startfiles_feed(struct ct_startfiles *sf, const void *rec, size_t len);
/* At emission, after ready: c->start_files, its lines; forgets the key. */
void ct_startfiles_apply(struct ct_startfiles *sf, struct ct_container *c);
/* A container left out by -r / -c: its touches go. */
void ct_startfiles_forget(struct ct_startfiles *sf, uint64_t cgroup_key);

/* Every kept line, oldest first.  0 or -EIO. */
int ct_startfiles_write(FILE *f, const struct ct_startfiles *sf);
/* The kept lines folded per image (startfiles_images.h).  0, -EIO,
 * -ENOMEM. */
int ct_startfiles_write_images(FILE *f, const struct ct_startfiles *sf);
/* Lines no longer kept for the export (CT_SF_KEEP_BYTES). */
uint64_t ct_startfiles_evicted(const struct ct_startfiles *sf);

/* "ready", "window", "exit", "detached" */
const char *ct_startfiles_until_name(enum ct_sf_until u);

#endif /* __CT_STARTFILES_H */
