/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A process's user-space addresses named (docs/gosym.md, "A process's
 * addresses"): each address's mapping from /proc/PID/maps, the file
 * behind it opened as the process maps it (/proc/PID/map_files, else
 * the path under /proc/PID/root, its inode checked), and in a Go
 * program the function through Go's own line table (gosym.h).  What
 * cannot be named is said, never guessed: "[file]" for an address in a
 * file without a Go function there (a cgo program's C code, a C
 * library), "[vdso]", and "?" in no file or in a process gone.
 *
 * Bounded: the maps of at most CT_USTACK_PROCS processes and the tables
 * of at most CT_USTACK_FILES files are kept, the least recently used
 * dropped first; a file's table is read once while kept, shared by every
 * process that maps it.
 */
#ifndef __CT_USTACK_H
#define __CT_USTACK_H

#include <stddef.h>
#include <stdint.h>

#define CT_USTACK_PROCS	64
#define CT_USTACK_FILES	32

struct ct_ustack;

/* proc_dir: "/proc" (tests: a directory laid out like it). */
struct ct_ustack *ct_ustack_new(const char *proc_dir);
void ct_ustack_free(struct ct_ustack *u);

/*
 * The n addresses ips of process tgid (innermost first: the first a pc,
 * the others return addresses, named at the call, address - 1) named into
 * frames: each name NUL-terminated, back to back, at most len bytes (a
 * struct ct_stack_rec's frames).  Returns the names written; *cut: the
 * outer ones left out for want of room.  A frame of C code ("[file]")
 * is the last: C code here keeps no frame pointer, so the walk's next
 * address is not its caller (counted in past_c).
 */
size_t ct_ustack_name(struct ct_ustack *u, uint32_t tgid, const uint64_t *ips,
		      size_t n, char *frames, size_t len, uint16_t *cut);

/* tgid exited or exec'd: its maps are read again when next asked. */
void ct_ustack_forget(struct ct_ustack *u, uint32_t tgid);
/*
 * tgid, child of ppid, exec'd exe (the path execve got) at exec_ns
 * (CLOCK_MONOTONIC): its maps read now, while it runs (a runtime's
 * command may last milliseconds; its stacks are named after), kept until
 * asked.  If it is gone already, a non-PIE Go program's addresses are
 * named through the file at exe under ppid's root, if unchanged since the
 * exec and if this is tgid's first exec seen (after another, its root may
 * be its own: chroot(1)); else all are "?".
 */
void ct_ustack_prime(struct ct_ustack *u, uint32_t tgid, uint32_t ppid,
		     const char *exe, uint64_t exec_ns);

struct ct_ustack_stats {
	uint64_t named;		/* addresses given a function's name */
	uint64_t unnamed;	/* "[file]", "[vdso]" or "?" */
	uint64_t past_c;	/* left out beyond a frame of C code, which
				 * keeps no frame pointer */
	uint64_t gone;		/* asks for a process whose maps were unreadable */
	uint64_t by_exe;	/* ... named through its exec's file instead */
	uint64_t files;		/* files read: Go tables opened, C files seen */
};

void ct_ustack_stats(const struct ct_ustack *u, struct ct_ustack_stats *out);

#endif /* __CT_USTACK_H */
