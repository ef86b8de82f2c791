// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --record writer and --replay reader.  See recfile.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "errmsg.h"
#include "classify.h"
#include "recfile.h"
#include "records.h"
#include "util.h"

#define WRITE_BUF	(1u << 20)

struct ct_rec_writer {
	int fd;			/* the file under its final name */
	char path[PATH_MAX];
	bool created;		/* by us: removed again by abort */
	bool touched;		/* truncated or written: abort removes it */
	unsigned char *buf;	/* whole records not yet written */
	size_t used;		/* bytes in buf */
	uint64_t buffered;	/* records in buf */
	uint64_t oldest_ns;	/* CLOCK_MONOTONIC when buf's first came */
	uint64_t kept;		/* records written */
	uint64_t kept_bytes;	/* file size: header + whole records */
	uint64_t lost;		/* records not written after an error */
	int err;	/* first write error, sticky: reported at close */
	int trunc_err;	/* cutting a torn record off failed */
};

struct ct_rec_reader {
	FILE *f;
	char *path;
	uint64_t off;	/* file offset of the next record */
	unsigned char *buf;
};

void ct_rec_fill_hdr(struct ct_rec_file_hdr *h, enum ct_cgroup_mode m,
		     int64_t mono_to_real, const char *version)
{
	struct utsname u;

	memset(h, 0, sizeof(*h));
	memcpy(h->magic, CT_REC_MAGIC, sizeof(h->magic));
	h->version = CT_REC_VERSION;
	h->endian_mark = CT_REC_ENDIAN;
	h->hdr_size = sizeof(*h);
	h->cgroup_mode = m;
	h->mono_to_real_ns = mono_to_real;
	if (uname(&u) == 0)
		ct_copy_str(h->kernel, sizeof(h->kernel), u.release, SIZE_MAX);
	ct_copy_str(h->version_str, sizeof(h->version_str), version,
		    SIZE_MAX);
}

/* ---- writer ---- */

/*
 * The writer keeps its own buffer of whole records and hands it to
 * write(2) in one piece, so that it always knows the file offset of the
 * last whole record on disk: when a write fails (a full disk), the file
 * is cut back to that offset and kept, and the records that did not make
 * it are counted, instead of throwing the whole recording away.  The
 * buffer goes out when it is full or its first record is
 * CT_REC_FLUSH_NS old: a killed coldtrace leaves a file under its final
 * name that holds all but the last moments, and a full disk is known at
 * once.
 */
static int writer_flush(struct ct_rec_writer *w)
{
	size_t done = 0;

	w->touched = true;
	while (done < w->used) {
		ssize_t n = write(w->fd, w->buf + done, w->used - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->err = n < 0 ? -errno : -ENOSPC;
			/* cut a torn record off; best effort, the file is kept */
			if (ftruncate(w->fd, (off_t)w->kept_bytes))
				w->trunc_err = -errno;
			w->lost += w->buffered;
			w->used = w->buffered = 0;
			return w->err;
		}
		done += (size_t)n;
	}
	w->kept_bytes += w->used;
	w->kept += w->buffered;
	w->used = w->buffered = 0;
	return 0;
}

static void writer_free(struct ct_rec_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->buf);
	free(w);
}

/*
 * The file is written in place, never through a symlink (O_NOFOLLOW),
 * and only if it is a regular file: a device or fifo is refused, and an
 * existing file is truncated only once the session is up (its header).
 */
static int open_target(struct ct_rec_writer *w, const char *path, char *err,
		       size_t errlen)
{
	const int flags = O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
	struct stat st;

	w->fd = open(path, flags | O_CREAT | O_EXCL, 0644);
	w->created = w->fd >= 0;
	if (w->fd < 0 && errno == EEXIST)
		w->fd = open(path, flags);
	if (w->fd < 0 && errno == ELOOP)
		return ct_fail(err, errlen, -ELOOP, "%s: is a symlink; --record "
			       "does not write through one", path);
	if (w->fd < 0 && (errno == ENXIO || errno == EISDIR))
		goto special;
	if (w->fd < 0)
		return ct_fail_errno(err, errlen, errno, "%s: cannot create",
				     path);
	if (fstat(w->fd, &st))
		return ct_fail_errno(err, errlen, errno, "%s", path);
	if (!S_ISREG(st.st_mode))
		goto special;
	/* mode 0644 whatever the umask, as the other output files */
	if (w->created && fchmod(w->fd, 0644))
		return ct_fail_errno(err, errlen, errno, "%s", path);
	return 0;
special:
	return ct_fail(err, errlen, -EINVAL, "%s: is a special file, not a "
		       "file; --record needs a file name", path);
}

/* Messages for the usual mistakes, before anything is opened. */
static int check_target(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (!path[0])
		return ct_fail(err, errlen, -EINVAL, "--record: empty file name");
	if (strlen(path) >= PATH_MAX)
		return ct_fail(err, errlen, -ENAMETOOLONG, "--record: file "
			       "name too long");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return ct_fail(err, errlen, -EISDIR, "%s: is a directory, not "
			       "a file; --record needs a file name", path);
	return 0;
}

int ct_rec_writer_create(struct ct_rec_writer **out, const char *path,
			 char *err, size_t errlen)
{
	struct ct_rec_writer *w;
	int rc;

	*out = NULL;
	rc = check_target(path, err, errlen);
	if (rc)
		return rc;
	w = calloc(1, sizeof(*w));
	if (w)
		w->buf = malloc(WRITE_BUF);
	if (!w || !w->buf) {
		free(w);
		return ct_fail(err, errlen, -ENOMEM, "%s: out of memory", path);
	}
	ct_copy_str(w->path, sizeof(w->path), path, PATH_MAX);
	rc = open_target(w, path, err, errlen);
	if (rc) {
		ct_rec_writer_abort(w);
		return rc;
	}
	*out = w;
	return 0;
}

int ct_rec_writer_header(struct ct_rec_writer *w,
			 const struct ct_rec_file_hdr *h)
{
	if (w->kept_bytes || w->used)
		return -EINVAL;
	w->touched = true;
	if (ftruncate(w->fd, 0))	/* an earlier recording of that name */
		return -errno;
	memcpy(w->buf, h, sizeof(*h));
	w->used = sizeof(*h);
	return writer_flush(w);	/* a file without its header is no file */
}

int ct_rec_writer_open(struct ct_rec_writer **out, const char *path,
		       const struct ct_rec_file_hdr *h, char *err,
		       size_t errlen)
{
	int rc = ct_rec_writer_create(out, path, err, errlen);

	if (rc)
		return rc;
	rc = ct_rec_writer_header(*out, h);
	if (rc) {
		ct_rec_writer_abort(*out);
		*out = NULL;
		return ct_fail(err, errlen, rc, "%s: write failed: %s", path,
			    strerror(-rc));
	}
	return 0;
}

int ct_rec_writer_tick(struct ct_rec_writer *w, uint64_t now_ns)
{
	if (w->err)
		return w->err;
	if (!w->used || now_ns - w->oldest_ns < CT_REC_FLUSH_NS)
		return 0;
	return writer_flush(w);
}

int ct_rec_write(struct ct_rec_writer *w, const void *rec, size_t len)
{
	const struct ct_hdr *hdr = rec;

	if (len < sizeof(*hdr) || len > CT_REC_MAX_SIZE || hdr->size != len)
		return -EINVAL;
	if (w->err) {
		w->lost++;
		return w->err;
	}
	if (w->used + len > WRITE_BUF && writer_flush(w)) {
		w->lost++;
		return w->err;
	}
	if (!w->used)
		w->oldest_ns = ct_mono_ns();
	memcpy(w->buf + w->used, rec, len);
	w->used += len;
	w->buffered++;
	return ct_rec_writer_tick(w, ct_mono_ns());
}

/* An exec record without its unused args bytes. */
static size_t compact_exec(const struct ct_exec *x, struct ct_exec *out)
{
	size_t keep = offsetof(struct ct_exec, args) + x->args_len;

	memcpy(out, x, keep);
	out->hdr.size = keep;
	return keep;
}

/* A CNI plugin's environment is containerd's, which may hold secrets:
 * only the strings the tracker reads are recorded. */
static size_t compact_cni_env(const struct ct_cni_env *v,
			      struct ct_cni_env *out)
{
	size_t fixed = offsetof(struct ct_cni_env, env);

	memcpy(out, v, fixed + v->env_len);
	out->env_len = ct_cni_env_keep(out->env, v->env_len, v->env_cut);
	out->env_cut = 0;
	out->hdr.size = fixed + out->env_len;
	return out->hdr.size;
}

int ct_rec_write_event(struct ct_rec_writer *w, const void *rec, size_t len)
{
	const struct ct_hdr *h = rec;
	union {
		struct ct_exec x;
		struct ct_cni_env v;
	} c;

	if (len == sizeof(struct ct_exec) && h->type == CT_EV_EXEC &&
	    ((const struct ct_exec *)rec)->args_len <= CT_ARGS_MAX) {
		len = compact_exec(rec, &c.x);
		rec = &c.x;
	} else if (len >= offsetof(struct ct_cni_env, env) &&
		   h->type == CT_EV_CNI_ENV && !ct_rec_check(rec, len)) {
		len = compact_cni_env(rec, &c.v);
		rec = &c.v;
	}
	return ct_rec_write(w, rec, len);
}

/* "N records kept, M lost" after a write error, for the caller's message. */
static void describe_loss(const struct ct_rec_writer *w, char *err,
			  size_t errlen)
{
	ct_fail(err, errlen, w->err,
		"%s: write failed: %s; the recording keeps its first %llu records (%llu bytes)%s, %llu later records are lost",
		w->path, strerror(-w->err), (unsigned long long)w->kept,
		(unsigned long long)w->kept_bytes,
		w->trunc_err ? " and may end in a torn record" : "",
		(unsigned long long)w->lost);
}

int ct_rec_writer_close(struct ct_rec_writer *w, char *err, size_t errlen)
{
	int rc = 0;

	if (!w)
		return 0;
	if (!w->err)
		writer_flush(w);
	/* after a failed write, what was written is still worth keeping */
	if (!w->err && fsync(w->fd))
		rc = -errno;
	if (close(w->fd) && !rc)
		rc = -errno;
	w->fd = -1;
	if (w->err)
		describe_loss(w, err, errlen);
	else if (rc)
		ct_fail_errno(err, errlen, -rc,
			      "%s: writing the recording failed", w->path);
	rc = w->err ? w->err : rc;
	writer_free(w);
	return rc;
}

void ct_rec_writer_abort(struct ct_rec_writer *w)
{
	if (!w)
		return;
	/* a file of the same name that we left as it was stays */
	if (w->fd >= 0 && (w->created || w->touched))
		unlink(w->path);
	writer_free(w);
}

/* ---- reader ---- */

static int check_hdr(const char *path, struct ct_rec_file_hdr *h, char *err,
		     size_t errlen)
{
	if (memcmp(h->magic, CT_REC_MAGIC, sizeof(h->magic)) != 0)
		return ct_fail(err, errlen, -EINVAL,
			    "%s: not a coldtrace recording (bad magic)", path);
	if (h->endian_mark == __builtin_bswap32(CT_REC_ENDIAN))
		return ct_fail(err, errlen, -EINVAL,
			    "%s: recorded on a machine of the other byte order",
			    path);
	if (h->endian_mark != CT_REC_ENDIAN)
		return ct_fail(err, errlen, -EINVAL, "%s: bad endian mark 0x%08x",
			    path, h->endian_mark);
	if (h->version < CT_REC_VERSION_MIN || h->version > CT_REC_VERSION)
		return ct_fail(err, errlen, -EINVAL,
			    "%s: recorded by coldtrace format version %u, this build reads versions %u to %u",
			    path, h->version, CT_REC_VERSION_MIN,
			    CT_REC_VERSION);
	if (h->hdr_size != sizeof(*h))
		return ct_fail(err, errlen, -EINVAL,
			    "%s: bad header size %u (expected %zu)", path,
			    h->hdr_size, sizeof(*h));
	if (h->cgroup_mode != CT_CGROUP_V1_MEMORY &&
	    h->cgroup_mode != CT_CGROUP_V2)
		return ct_fail(err, errlen, -EINVAL, "%s: bad cgroup mode %u",
			    path, h->cgroup_mode);
	/* Strings from a file are untrusted: make sure they end. */
	h->kernel[sizeof(h->kernel) - 1] = '\0';
	h->version_str[sizeof(h->version_str) - 1] = '\0';
	return 0;
}

static int read_hdr(struct ct_rec_reader *r, struct ct_rec_file_hdr *h,
		    char *err, size_t errlen)
{
	size_t n = fread(h, 1, sizeof(*h), r->f);

	if (ferror(r->f))
		return ct_fail(err, errlen, -errno, "%s: %s", r->path,
			    strerror(errno));
	if (n == 0)
		return ct_fail(err, errlen, -EINVAL,
			    "%s: empty file, not a coldtrace recording",
			    r->path);
	if (n < sizeof(*h))
		return ct_fail(err, errlen, -EINVAL,
			    "%s: truncated header (%zu of %zu bytes)", r->path,
			    n, sizeof(*h));
	r->off = n;
	return check_hdr(r->path, h, err, errlen);
}

/*
 * A replay reads its file twice (recorded histograms come after their
 * container): a pipe (`--replay /dev/stdin`, `<(zcat f.gz)`) is copied
 * once into an unnamed temp file, which can be read again.
 */
static int make_seekable(struct ct_rec_reader *r, char *err, size_t errlen)
{
	struct stat st;
	FILE *t;
	size_t n;

	if (fstat(fileno(r->f), &st))
		return ct_fail(err, errlen, -errno, "%s: %s", r->path,
			    strerror(errno));
	if (S_ISDIR(st.st_mode))
		return ct_fail(err, errlen, -EISDIR,
			    "%s: is a directory, not a coldtrace recording",
			    r->path);
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
		return 0;
	t = tmpfile();
	if (!t)
		return ct_fail(err, errlen, -errno,
			    "%s: cannot make a temp copy of a pipe: %s",
			    r->path, strerror(errno));
	while ((n = fread(r->buf, 1, CT_REC_MAX_SIZE, r->f)) > 0) {
		if (fwrite(r->buf, 1, n, t) != n)
			break;
	}
	if (ferror(r->f) || ferror(t) || fflush(t)) {
		int rc = ct_fail(err, errlen, -EIO,
				 "%s: copying the stream to a temp file failed: %s",
				 r->path, strerror(errno ? errno : EIO));

		fclose(t);
		return rc;
	}
	fclose(r->f);
	r->f = t;
	rewind(r->f);
	return 0;
}

int ct_rec_reader_rewind(struct ct_rec_reader *r, char *err, size_t errlen)
{
	if (fseek(r->f, (long)sizeof(struct ct_rec_file_hdr), SEEK_SET))
		return ct_fail(err, errlen, -errno, "%s: cannot read it again: %s",
			    r->path, strerror(errno));
	r->off = sizeof(struct ct_rec_file_hdr);
	return 0;
}

int ct_rec_reader_open(struct ct_rec_reader **out, const char *path,
		       struct ct_rec_file_hdr *h, char *err, size_t errlen)
{
	struct ct_rec_reader *r;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ct_fail(err, errlen, -ENOMEM, "%s: out of memory", path);
	r->path = strdup(path);
	r->buf = malloc(CT_REC_MAX_SIZE);
	if (!r->path || !r->buf) {
		ct_rec_reader_close(r);
		return ct_fail(err, errlen, -ENOMEM, "%s: out of memory", path);
	}
	r->f = fopen(path, "rb");
	if (!r->f) {
		rc = ct_fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
		ct_rec_reader_close(r);
		return rc;
	}
	rc = make_seekable(r, err, errlen);
	if (!rc)
		rc = read_hdr(r, h, err, errlen);
	if (rc) {
		ct_rec_reader_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

static int truncated(struct ct_rec_reader *r, char *err, size_t errlen)
{
	if (ferror(r->f))
		return ct_fail(err, errlen, -EIO, "%s: read error at offset %llu",
			    r->path, (unsigned long long)r->off);
	return ct_fail(err, errlen, -ENODATA,
		       "%s: truncated record at offset %llu", r->path,
		       (unsigned long long)r->off);
}

int ct_rec_next(struct ct_rec_reader *r, const void **rec, size_t *len,
		char *err, size_t errlen)
{
	struct ct_hdr *hdr = (struct ct_hdr *)r->buf;
	size_t n = fread(hdr, 1, sizeof(*hdr), r->f);
	size_t rest;

	if (n == 0 && !ferror(r->f))
		return 0;
	if (n < sizeof(*hdr))
		return truncated(r, err, errlen);
	if (hdr->size < sizeof(*hdr) || hdr->size > CT_REC_MAX_SIZE)
		return ct_fail(err, errlen, -EINVAL,
			    "%s: bad record size %u at offset %llu (must be %zu..%u)",
			    r->path, hdr->size, (unsigned long long)r->off,
			    sizeof(*hdr), CT_REC_MAX_SIZE);
	rest = hdr->size - sizeof(*hdr);
	if (rest && fread(r->buf + sizeof(*hdr), 1, rest, r->f) != rest)
		return truncated(r, err, errlen);
	r->off += hdr->size;
	*rec = r->buf;
	*len = hdr->size;
	return 1;
}

void ct_rec_reader_close(struct ct_rec_reader *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	free(r->buf);
	free(r->path);
	free(r);
}
