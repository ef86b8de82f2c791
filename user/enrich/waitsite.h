/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a kernel stack says of a wait (docs/why.md "Wait sites"): the
 * site's short name, the first frame from the innermost one that says
 * what was awaited once the scheduler's own frames are passed
 * (`do_wait`, `pipe_read`, `do_nanosleep`, `futex_wait`,
 * `synchronize_rcu`); the syscall in flight, from its entry frame; and,
 * of a waker's stack, whether it ran in an interrupt.  Pure C, tables.
 *
 * frames: n names, each NUL-terminated, innermost first (struct
 * ct_stack_rec's frames).
 */
#ifndef __CT_WAITSITE_H
#define __CT_WAITSITE_H

#include <stdbool.h>
#include <stddef.h>
#include "container.h"	/* CT_SITE_LEN, CT_SYSCALL_LEN */

struct ct_waitsite {
	char site[CT_SITE_LEN];		/* "" when no frame names it */
	char syscall[CT_SYSCALL_LEN];	/* "" in none (a kernel thread) */
	/* futex or epoll: names nothing by itself, its waker is followed */
	bool opaque;
};

void ct_waitsite_of(const char *frames, size_t n, struct ct_waitsite *out);

/*
 * Of a user stack (--why=user): the innermost frame of the program's own
 * code into out ("" in none): a Go function outside the standard library
 * and the runtime, whose import path begins with a domain
 * (github.com/..., k8s.io/...) or is package main; golang.org/x/sys's
 * syscall wrappers are passed like package syscall.  C frames ("[file]")
 * and "?" are not code named.
 */
void ct_waitsite_code(const char *frames, size_t n, char *out, size_t len);

/*
 * Of a user stack: no frame names a Go function outside the runtime (a
 * Go thread idle in its scheduler: runtime.futex <- notesleep <- stopm
 * ... <- park_m; C frames and "?" name none); true for none at all.
 */
bool ct_waitsite_runtime_only(const char *frames, size_t n);

/* A waker's stack ran in a hard or soft interrupt (not ksoftirqd). */
bool ct_waitsite_irq(const char *frames, size_t n);

/* The i-th name of frames, or NULL past n. */
const char *ct_frame(const char *frames, size_t n, size_t i);

#endif /* __CT_WAITSITE_H */
