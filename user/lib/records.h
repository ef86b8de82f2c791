/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What each record type of coldtrace.h, pull.h and opens.h looks like, in
 * one table (records.c): its name, its minimum size, whether its size is
 * fixed, what else makes it valid, which of its bytes hold nothing.
 * Every stage that reads a record's fields checks it through here
 * (ct_rec_check()).  How --dump prints each type is --dump's
 * (user/sinks/dump.c).  Userspace only.
 *
 * Adding a record type: a number in enum ct_ev_type, its struct with a
 * _Static_assert on its size, one row in records.c (with a cleaner when
 * it has strings or padding), and its printer in dump.c's table.
 */
#ifndef __CT_RECORDS_H
#define __CT_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ct_rec_type {
	uint32_t type;		/* enum ct_ev_type */
	const char *name;	/* --dump's tag */
	uint32_t min_size;	/* hdr.size at least, header included */
	bool fixed;		/* hdr.size must be exactly min_size */
	/* contents beyond the size (hdr.size bytes at rec); NULL: none */
	bool (*valid)(const void *rec);
	/* zero what holds nothing (hdr.size bytes at rec, aligned): after
	 * a string's NUL, past a used length, padding; NULL: none */
	void (*clean)(void *rec, size_t len);
};

/* The row of a type; NULL for a type this version does not know. */
const struct ct_rec_type *ct_rec_type(uint32_t type);

struct ct_hdr;
/*
 * The header of a record coldtrace writes of its own acts (the hooks'
 * turns, new function probes): at ts (CLOCK_MONOTONIC), its pid, its
 * comm; the rest zero.
 */
void ct_rec_self_hdr(struct ct_hdr *h, uint32_t type, uint32_t size,
		     uint64_t ts);

/*
 * 0 if rec (len bytes available) is a whole record: a header, hdr.size
 * within len, and for a known type its size and contents as its row says.
 * A type this version does not know passes (readers skip it).  -EINVAL
 * otherwise.
 */
int ct_rec_check(const void *rec, size_t len);

/*
 * In place, in a record that passes ct_rec_check() (another is left as
 * it is: it is refused, never read): the bytes that hold nothing zeroed,
 * the header's comm after its NUL and what the type's row cleans.  The
 * kernel's ring buffer reservations and scratch buffers are not zeroed,
 * so such bytes hold whatever an earlier record or a process's stack
 * left there (another process's environment, user pointers): the
 * session cleans every record at its tap, before --record, --dump or any
 * stage sees it.  rec must be aligned.
 */
void ct_rec_clean(void *rec, size_t len);
/* The same for a record whose check passed (no second check). */
void ct_rec_clean_checked(void *rec);

/*
 * A stack field (coldtrace.h) that names a sleep by its syscall,
 * CT_STACK_WAIT_SYSCALL(i): i, its row of include/syscalls.h's
 * CT_WAIT_SYSCALLS; -1 for any other value.
 */
int ct_stack_wait_row(uint32_t stack);
/* That row's syscall ("futex"), NULL past the table. */
const char *ct_wait_syscall_name(int row);

#endif /* __CT_RECORDS_H */
