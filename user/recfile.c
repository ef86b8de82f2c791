// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --record writer and --replay reader.  See recfile.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "errmsg.h"
#include "recfile.h"
#include "util.h"

#define WRITE_BUF	(1u << 20)

struct ct_rec_writer {
	FILE *f;
	char *path;
	char *tmp;
	int err;	/* first write error, sticky: reported at close */
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

static void writer_free(struct ct_rec_writer *w)
{
	free(w->path);
	free(w->tmp);
	free(w);
}

static int writer_create(struct ct_rec_writer *w, char *err, size_t errlen)
{
	int fd;

	/* O_EXCL: never write through a file (or link) planted at our name. */
	fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return ct_fail(err, errlen, -errno, "%s: cannot create: %s",
			    w->tmp, strerror(errno));
	w->f = fdopen(fd, "w");
	if (!w->f) {
		int rc = -errno;

		close(fd);
		unlink(w->tmp);
		return ct_fail(err, errlen, rc, "%s: %s", w->tmp, strerror(-rc));
	}
	setvbuf(w->f, NULL, _IOFBF, WRITE_BUF);
	return 0;
}

int ct_rec_writer_open(struct ct_rec_writer **out, const char *path,
		       const struct ct_rec_file_hdr *h, char *err,
		       size_t errlen)
{
	struct ct_rec_writer *w;
	int rc;

	size_t tmplen = strlen(path) + sizeof(".tmp.") + 12;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (w) {
		w->path = strdup(path);
		w->tmp = malloc(tmplen);
	}
	if (!w || !w->path || !w->tmp) {
		if (w)
			writer_free(w);
		return ct_fail(err, errlen, -ENOMEM, "%s: out of memory", path);
	}
	snprintf(w->tmp, tmplen, "%s.tmp.%d", path, (int)getpid());
	rc = writer_create(w, err, errlen);
	if (rc) {
		writer_free(w);
		return rc;
	}
	if (fwrite(h, sizeof(*h), 1, w->f) != 1) {
		rc = -errno;
		ct_rec_writer_abort(w);
		return ct_fail(err, errlen, rc ? rc : -EIO, "%s: write failed: %s",
			    path, strerror(rc ? -rc : EIO));
	}
	*out = w;
	return 0;
}

int ct_rec_write(struct ct_rec_writer *w, const void *rec, size_t len)
{
	const struct ct_hdr *hdr = rec;

	if (w->err)
		return w->err;
	if (len < sizeof(*hdr) || len > CT_REC_MAX_SIZE || hdr->size != len)
		return -EINVAL;
	if (fwrite(rec, len, 1, w->f) != 1)
		w->err = errno ? -errno : -EIO;
	return w->err;
}

static int writer_finish(struct ct_rec_writer *w)
{
	int rc = w->err;

	if (!rc && fflush(w->f) != 0)
		rc = -errno;
	if (!rc && fsync(fileno(w->f)) != 0)
		rc = -errno;
	if (fclose(w->f) != 0 && !rc)
		rc = -errno;
	w->f = NULL;
	if (!rc && rename(w->tmp, w->path) != 0)
		rc = -errno;
	return rc;
}

int ct_rec_writer_close(struct ct_rec_writer *w, char *err, size_t errlen)
{
	int rc;

	if (!w)
		return 0;
	rc = writer_finish(w);
	if (rc) {
		unlink(w->tmp);
		ct_fail(err, errlen, rc, "%s: writing the recording failed: %s",
		     w->path, strerror(-rc));
	}
	writer_free(w);
	return rc;
}

void ct_rec_writer_abort(struct ct_rec_writer *w)
{
	if (!w)
		return;
	if (w->f)
		fclose(w->f);
	unlink(w->tmp);
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
	if (h->version != CT_REC_VERSION)
		return ct_fail(err, errlen, -EINVAL,
			    "%s: recorded by coldtrace format version %u, this build reads version %u",
			    path, h->version, CT_REC_VERSION);
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
	return ct_fail(err, errlen, -EINVAL, "%s: truncated record at offset %llu",
		    r->path, (unsigned long long)r->off);
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
