/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A Go binary's own line table: the function, file and line of a pc,
 * and a function's entry and end by name, read from what runc,
 * containerd, its shims, dockerd, runsc and Podman keep once stripped of
 * .symtab (docs/gosym.md).  The table is the .gopclntab section, or in a
 * PIE built by an external linker (Debian 12's and 13's dockerd), found
 * inside .data.rel.ro by its header, as Go's own debug/gosym does; its
 * text start, which a PIE's loader relocates, is read from the dynamic
 * relocation that sets it.  Tables of Go 1.18 and 1.19 (magic
 * 0xfffffff0) and of Go 1.20 and later (0xfffffff1), in 64-bit
 * little-endian ELF files (x86-64, arm64).
 *
 * The file is mapped read only (its pages are the page cache's, shared
 * with the engine that runs it); every offset is checked against the
 * table as it is read: a damaged table answers "not known", never a
 * name read from elsewhere.  pcs are the ELF file's virtual addresses,
 * not a process's (the caller maps them through /proc/PID/maps).
 */
#ifndef __CT_GOSYM_H
#define __CT_GOSYM_H

#include <stddef.h>
#include <stdint.h>

struct ct_gosym;

/* Where a pc is.  The strings live in the mapping until ct_gosym_free(). */
struct ct_gosym_line {
	const char *func;	/* the function the pc's code belongs to */
	const char *file;	/* NULL: not known (no file for this pc) */
	int line;		/* 0: not known */
	uint64_t entry;		/* the function's first pc */
};

/*
 * The line table of the ELF file at path, into *out.  0, or -errno of
 * the open or map, -ENOEXEC (not a 64-bit little-endian ELF), -ENOENT
 * (no Go line table: a C program), -EPROTONOSUPPORT (a table older than
 * Go 1.18, or one of a layout unknown here).
 */
int ct_gosym_open(const char *path, struct ct_gosym **out);
void ct_gosym_free(struct ct_gosym *g);

/* The Go version range whose layout the table has: "go1.18" or "go1.20". */
const char *ct_gosym_layout(const struct ct_gosym *g);

/* runtime.text: the address the table's pc offsets count from. */
uint64_t ct_gosym_text(const struct ct_gosym *g);

/* The virtual address of file offset off (a process's address mapped
 * through /proc/PID/maps), by the file's LOAD segments: 0, or -ENOENT. */
int ct_gosym_vaddr(const struct ct_gosym *g, uint64_t off, uint64_t *vaddr);

/* The file offset of virtual address vaddr (where a uprobe is placed),
 * by the file's LOAD segments: 0, or -ENOENT. */
int ct_gosym_offset(const struct ct_gosym *g, uint64_t vaddr, uint64_t *off);

/* Where pc is, into *out: 0, or -ENOENT (in no Go function). */
int ct_gosym_pc(const struct ct_gosym *g, uint64_t pc,
		struct ct_gosym_line *out);

/* The first pc of the function named name and the pc past its end:
 * 0, or -ENOENT. */
int ct_gosym_func(const struct ct_gosym *g, const char *name, uint64_t *entry,
		  uint64_t *end);

/*
 * The entries of the functions whose names end with suffix (a method
 * of any package's type: ".(*instrumentedService).StartContainer"),
 * at most max into entries[], in the table's order; returns how many
 * there are (more than max: the rest not written).
 */
size_t ct_gosym_funcs_ending(const struct ct_gosym *g, const char *suffix,
			     uint64_t *entries, size_t max);

/*
 * The build id of the ELF file open as fd, at most max bytes into id;
 * its length, 0 if none: the GNU one, else Go's (".note.go.buildid"),
 * from the notes of its PT_NOTE segments.  Two files with the same id
 * are the same program: runc's init runs from a memfd copy of runc (a
 * new inode at each container) whose table is runc's.
 */
size_t ct_elf_build_id(int fd, uint8_t *id, size_t max);
#define CT_BUILD_ID_MAX	40	/* bytes: GNU's 20, Go's longer */

/*
 * "PATH (build id HEX)" of the file open as fd, into out, for what is
 * said of a binary: PATH is where path links to (/proc/PID/exe), else
 * path itself; HEX "none" without an id.
 */
void ct_elf_describe(int fd, const char *path, char *out, size_t len);

#endif /* __CT_GOSYM_H */
