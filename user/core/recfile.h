/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --record files: struct ct_rec_file_hdr, then raw records back to back,
 * the last a CT_EV_END record (the end mark) when the session ended
 * cleanly.  The writer writes the file under its final name from the
 * start and hands whole records to it at least every CT_REC_FLUSH_NS, so
 * that a killed session leaves a recording of all but its last moments
 * (without its end mark: a replay says it was cut).  The reader validates
 * everything, since a recording is untrusted input.
 */
#ifndef __CT_RECFILE_H
#define __CT_RECFILE_H

#include <stddef.h>
#include <stdint.h>
#include "coldtrace.h"

/* Largest record accepted by the writer and the reader. */
#define CT_REC_MAX_SIZE	(1u << 20)

/*
 * How long a record may wait in the writer's buffer: what a SIGKILL (or
 * an OOM kill) loses at most, and how late a full disk is noticed.  The
 * live loop polls at least every CT_REC_FLUSH_NS / 2 while recording
 * (docs/results/bench.md, "--record flushing": the cost measured).
 */
#define CT_REC_FLUSH_NS	(50ull * 1000 * 1000)

struct ct_rec_writer;

/*
 * Opens PATH (created 0644 if new), before anything is traced, so that an
 * unusable PATH (a directory, a special file, a symlink, no such
 * directory, no permission) fails at once.  An existing file is left as
 * it was until ct_rec_writer_header() truncates it and writes the file
 * header.
 */
int ct_rec_writer_create(struct ct_rec_writer **w, const char *path,
			 char *err, size_t errlen);
int ct_rec_writer_header(struct ct_rec_writer *w,
			 const struct ct_rec_file_hdr *h);
/* Both of the above. */
int ct_rec_writer_open(struct ct_rec_writer **w, const char *path,
		       const struct ct_rec_file_hdr *h, char *err,
		       size_t errlen);
/*
 * Buffered; len must match the record's hdr.size.  0 or -errno.  After a
 * write error every later record is counted as lost.  The buffer goes
 * out when full or when its first record is CT_REC_FLUSH_NS old.
 */
int ct_rec_write(struct ct_rec_writer *w, const void *rec, size_t len);
/*
 * For the live loop, between records: writes the buffer out if its
 * first record is CT_REC_FLUSH_NS old at now_ns (CLOCK_MONOTONIC).  0 or
 * the (sticky) write error, -errno.
 */
int ct_rec_writer_tick(struct ct_rec_writer *w, uint64_t now_ns);
/*
 * A ring buffer record: the same, but an exec record keeps only the
 * args_len bytes of args[] that are used.  The BPF side must reserve a
 * constant size, most of it unused: recordings are ~10x smaller.
 */
int ct_rec_write_event(struct ct_rec_writer *w, const void *rec, size_t len);
/*
 * Flush, fsync, close; frees w in every case.  0, or -errno and a message
 * in err.  After a write error the file keeps every whole record written
 * before it, and err says how many records it keeps and how many were
 * lost.
 */
int ct_rec_writer_close(struct ct_rec_writer *w, char *err, size_t errlen);
/*
 * Discard: close, and remove the file if it was created or truncated
 * (a file of that name that was never touched stays); frees w.
 */
void ct_rec_writer_abort(struct ct_rec_writer *w);

struct ct_rec_reader;

/*
 * Opens and validates the file header, copied to *h. 0 or -errno.  A
 * pipe or other stream is first copied into an unnamed temp file, so that
 * every input can be rewound.
 */
int ct_rec_reader_open(struct ct_rec_reader **r, const char *path,
		       struct ct_rec_file_hdr *h, char *err, size_t errlen);
/*
 * 1 and a record in *rec, *len (valid until the next call), 0 at end of
 * file, < 0 on error (message in err): -ENODATA when the file ends inside
 * a record (a recording cut while a record was written).
 */
int ct_rec_next(struct ct_rec_reader *r, const void **rec, size_t *len,
		char *err, size_t errlen);
/* Back to the first record, for a second pass.  0 or -errno. */
int ct_rec_reader_rewind(struct ct_rec_reader *r, char *err, size_t errlen);
void ct_rec_reader_close(struct ct_rec_reader *r);

void ct_rec_fill_hdr(struct ct_rec_file_hdr *h, enum ct_cgroup_mode m,
		     int64_t mono_to_real, const char *version);

#endif /* __CT_RECFILE_H */
