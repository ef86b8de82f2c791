/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Small helpers every module may use; one copy of each. */
#ifndef __CT_UTIL_H
#define __CT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

/*
 * At most srclen bytes of src (stopping at its NUL) into dst, cut to fit
 * n - 1 bytes, always NUL-terminated.  src NULL gives "".  For the fixed
 * fields of records, which need not end with a NUL.
 */
void ct_copy_str(char *dst, size_t n, const char *src, size_t srclen);

/* The part after the last '/'; the whole string if there is none. */
const char *ct_basename(const char *path);

/*
 * path's last n components into name[] and len[], the last first: false
 * if it has fewer below its first '/' (or an empty one among them).
 */
bool ct_path_last(const char *path, const char **name, size_t *len, int n);
/* Whether the component [name, name + len) is want. */
bool ct_name_is(const char *name, size_t len, const char *want);
/* Whether it is an engine's container id: 64 lowercase hex digits
 * (docker's, Podman's, the CRI's, a digest's hex). */
#define CT_HEX_ID_LEN	64
bool ct_name_is_id(const char *name, size_t len);

/*
 * calloc() for a fixed table that fills over hours (a ring): zeroed by
 * hand, so that its pages are resident from the start and memory stays
 * flat (continuous mode, README) rather than growing until it wraps.
 */
void *ct_zalloc_resident(size_t size);

/*
 * The bounded FIFOs of the trackers (oldest first, n of cap entries of sz
 * bytes in a): make_room drops the oldest when the FIFO is full and says
 * so; take removes entry i, the later ones moving down.
 */
bool ct_fifo_make_room(void *a, size_t *n, size_t cap, size_t sz);
void ct_fifo_take(void *a, size_t *n, size_t sz, size_t i);

/*
 * Room for need items of sz bytes in the growable array *a, of *cap
 * items now: its capacity doubled (from 16) until they fit.  0, or
 * -ENOMEM with *a and *cap as they were.
 */
int ct_room(void **a, size_t *cap, size_t need, size_t sz);

/* At most max - 1 bytes of path into buf, NUL-terminated: the bytes
 * read, or -errno. */
ssize_t ct_read_small(const char *path, char *buf, size_t max);

/*
 * A FILE writing into a malloc'd buffer, as open_memstream(), but of
 * hint bytes from the start and grown by realloc() without zeroing:
 * /metrics' body, whose last length is the next one's hint (the
 * doublings of open_memstream(), each copied and zero-filled, were most
 * of a scrape's time).  At fclose(), *buf (NUL-terminated) and *len; a
 * write that found no memory makes fclose() fail and *buf NULL.
 */
FILE *ct_membuf_open(char **buf, size_t *len, size_t hint);

/*
 * One observation v into a histogram of n increasing upper bounds (each
 * included), counted per bucket, not cumulative: above the last, in no
 * bucket (Prometheus' +Inf, which is the count, holds it).
 */
void ct_le_count(uint64_t *counts, const uint64_t *bounds, size_t n,
		 uint64_t v);

/* FNV-1a (64 bits) of len bytes of s: stable keys and ids, not secrets. */
uint64_t ct_fnv1a(const char *s, size_t len);

/* A /proc entry's name that is a pid: digits only. */
bool ct_is_pid(const char *s);

/* "/proc/N" then exactly rest ("/exe", "/ns/net") -> N, else 0. */
uint32_t ct_proc_path_pid(const char *path, const char *rest);

/*
 * <proc_dir>/<pid>/comm into comm (len bytes, len >= 2), without its
 * newline; false if the process is gone or its comm is empty.
 */
bool ct_proc_comm(const char *proc_dir, const char *pid, char *comm,
		  size_t len);

/* A Prometheus family's HELP and TYPE lines (text format 0.0.4): for
 * prom.c's families, the self-metrics and --otlp's counters. */
void ct_prom_family(FILE *f, const char *name, const char *type,
		    const char *help);

/* clock_gettime() in ns. */
int64_t ct_clock_ns(clockid_t clk);
/* CLOCK_MONOTONIC in ns: the clock of ct_hdr.ts_ns. */
uint64_t ct_mono_ns(void);

/* An argv block (argv[0]\0argv[1]\0..., as in struct ct_exec) split in
 * place: pointers into the block, no copies. */
#define CT_ARGV_MAX	256

struct ct_argv {
	int argc;
	const char *argv[CT_ARGV_MAX];
};

/* A last argument without its NUL (a truncated capture) is left out. */
void ct_argv_split(const char *args, size_t len, struct ct_argv *v);

#endif /* __CT_UTIL_H */
