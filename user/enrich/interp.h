/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --start-files' dynamic loader, read by a live session: the kernel maps
 * a program's loader (its ELF's PT_INTERP, /lib64/ld-linux-x86-64.so.2)
 * at the exec, with no open and no name a tracepoint gives, and it is a
 * file each start reads, the first a lazily pulled image fetches after
 * the program.  So, on a container's CT_EV_TOUCH by a process not seen
 * yet running that program (its pid and /proc/PID/exe's dev and inode),
 * the session reads the ELF headers of /proc/PID/exe, and the loader's
 * size in the process's root (openat2 RESOLVE_IN_ROOT on /proc/PID/root:
 * the container's file system, its symlinks resolved inside it), and
 * puts one more CT_EV_TOUCH in the stream: the touch's header and key,
 * the loader's name as PT_INTERP says it.  A replay finds it there; the
 * start-files stage lists each path once.  A static program has none.
 * A process gone before the read (a short program: `true`) is read by
 * its first touch's name, its exec's, in its parent's root, the same
 * container's; with neither, its loader is unread (counted).
 */
#ifndef __CT_INTERP_H
#define __CT_INTERP_H

#include <stddef.h>
#include <stdint.h>
#include "names.h"	/* ct_naming_emit_cb */

#define CT_INTERP_SEEN	256	/* (pid, program) pairs, a ring */

struct ct_interp_seen {
	uint32_t pid;
	uint64_t dev, ino;	/* of /proc/PID/exe; 0: gone */
};

struct ct_interps {
	const char *proc;		/* "/proc" */
	struct ct_interp_seen seen[CT_INTERP_SEEN];
	size_t next;
	uint64_t unread;	/* processes gone before their program was */
};

/* Any record of a live session: a CT_EV_TOUCH may make one more. */
void ct_interps_feed(struct ct_interps *q, const void *rec, size_t len,
		     ct_naming_emit_cb emit, void *ctx);

/*
 * The loader of process pid's program under proc ("/proc"): its PT_INTERP
 * into path, its size in the process's root into *size.  0; -ENOENT for
 * a static program; -errno when the process or the file is gone or the
 * ELF is not one.
 */
int ct_interp_of(const char *proc, uint32_t pid, char *path, size_t len,
		 uint64_t *size);

#endif /* __CT_INTERP_H */
