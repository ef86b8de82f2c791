// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --output DIR files: see export.h for what goes where. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "afile.h"
#include "errmsg.h"
#include "export.h"
#include "pull_output.h"
#include "hist.h"
#include "chrome_trace.h"
#include "csv.h"
#include "jsonl.h"
#include "otlp.h"
#include "folded.h"
#include "pprof.h"
#include "startfiles.h"

struct export_ctx {
	const struct ct_agg *agg;
	const struct ct_meta *meta;
	struct ct_restart *restarts;
	size_t nrestarts;
	/* hist/ files: one runtime at a time */
	enum ct_runtime rt;
	struct ct_opens opens;
};

typedef int (*write_fn)(FILE *f, const struct export_ctx *x);

/* mkdir -p; an existing non-directory is an error. */
static int make_dir(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	struct stat st;
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(path))
		return ct_fail_errno(err, errlen, EINVAL,
				     "bad output directory '%s'", dir);
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return ct_fail_errno(err, errlen, errno,
					     "cannot create output directory '%s'",
					     path);
		path[i] = i < n ? '/' : '\0';
	}
	if (stat(dir, &st))
		return ct_fail_errno(err, errlen, errno, "cannot use '%s'",
				     dir);
	if (!S_ISDIR(st.st_mode))
		return ct_fail_errno(err, errlen, ENOTDIR, "cannot use '%s'",
				     dir);
	return 0;
}

/* Write through fn into a temp file, fsync it, rename it into place. */
/* Write through fn into an atomic file (afile.h): whole or not at all. */
static int write_atomic(const char *dir, const char *name, write_fn fn,
			const struct export_ctx *x, char *err, size_t errlen)
{
	struct ct_afile a;
	char dst[4096];
	int ret;
	FILE *f;

	if (snprintf(dst, sizeof(dst), "%s/%s", dir, name) >= (int)sizeof(dst))
		return ct_fail_errno(err, errlen, ENAMETOOLONG,
				     "cannot write in '%s'", dir);
	ret = ct_afile_create(&a, dst);
	if (ret)
		return ct_fail_errno(err, errlen, -ret, "cannot write '%s'",
				     dst);
	f = ct_afile_stdio(&a);
	ret = f ? fn(f, x) : -(errno ? errno : ENOMEM);
	if (ret)
		ct_afile_abort(&a);
	else
		ret = ct_afile_commit(&a);
	if (ret)
		return ct_fail_errno(err, errlen, -ret, "cannot write '%s'",
				     dst);
	return 0;
}

/* After the renames: make the directory entries durable too. */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* ---- containers.jsonl, restarts.jsonl ---- */

static void meta_line(FILE *f, const struct ct_meta *m)
{
	struct ct_json w;

	ct_json_init(&w, f);
	ct_json_start_object(&w);
	ct_json_kv_string(&w, "type", "meta");
	ct_json_kv_string(&w, "version", m->version);
	ct_json_kv_string(&w, "kernel", m->kernel);
	ct_json_kv_u64(&w, "lost_events", m->lost_events);
	ct_json_end_object(&w);
	fputc('\n', f);
}

static int write_containers(FILE *f, const struct export_ctx *x)
{
	meta_line(f, x->meta);
	return ct_jsonl_write_all(f, &ct_jsonl_container, x->agg);
}

/* pulls.jsonl: the meta line, then one {"type":"pull"} per image pull. */
static int write_pulls(FILE *f, const struct export_ctx *x)
{
	meta_line(f, x->meta);
	if (!x->meta->pulls)
		return 0;
	return ct_jsonl_write_all(f, &ct_jsonl_pull, x->meta->pulls);
}

/* chains.jsonl: the meta line, then one {"type":"chain"} per chain. */
static int write_chains(FILE *f, const struct export_ctx *x)
{
	meta_line(f, x->meta);
	return ct_jsonl_write_all(f, &ct_jsonl_chain, x->meta->chains);
}

static void restart_json(struct ct_json *w, const struct ct_agg *agg,
			 const struct ct_restart *r)
{
	const struct ct_container *o = ct_agg_get(agg, r->old_idx);
	const struct ct_container *n = ct_agg_get(agg, r->new_idx);
	int p;

	ct_json_start_object(w);
	ct_json_kv_string(w, "type", "restart");
	ct_json_key(w, "name");
	ct_json_string_n(w, n->name, sizeof(n->name));
	ct_json_kv_string(w, "runtime", ct_runtime_name(r->runtime));
	/* a pod's restart (a pod of the same name): told from a container's */
	if (r->kind == CT_KIND_POD)
		ct_json_kv_string(w, "kind", ct_kind_name(r->kind));
	ct_json_key(w, "old_id");
	ct_json_string_n(w, o->id, sizeof(o->id));
	ct_json_key(w, "new_id");
	ct_json_string_n(w, n->id, sizeof(n->id));
	ct_json_kv_bool(w, "same_id", r->same_id);
	ct_json_kv_u64(w, "start_ns", r->start_ns);
	ct_json_kv_u64(w, "dur_ns", r->end_ns - r->start_ns);
	ct_json_key(w, "phases");
	ct_json_start_object(w);
	for (p = 0; p < CT_PH_MAX; p++) {
		if (!(r->phase_mask & (1u << p)))
			continue;
		ct_json_key(w, ct_phase_name(p));
		ct_json_start_object(w);
		ct_json_kv_u64(w, "excl_ns", r->excl_ns[p]);
		ct_json_end_object(w);
	}
	ct_json_end_object(w);
	ct_json_end_object(w);
}

static int write_restarts(FILE *f, const struct export_ctx *x)
{
	struct ct_json w;
	size_t i;

	meta_line(f, x->meta);
	for (i = 0; i < x->nrestarts; i++) {
		ct_json_init(&w, f);
		restart_json(&w, x->agg, &x->restarts[i]);
		fputc('\n', f);
	}
	return 0;
}

/*
 * start-files.jsonl: a line per file a container opened at its start
 * (--start-files), no meta line, so that the file is what ctr-remote's
 * --estargz-record-in reads as it is.
 */
static int write_start_files(FILE *f, const struct export_ctx *x)
{
	return ct_startfiles_write(f, x->meta->start_files);
}

/* start-files-images.jsonl: those lines folded per image. */
static int write_start_files_images(FILE *f, const struct export_ctx *x)
{
	return ct_startfiles_write_images(f, x->meta->start_files);
}

/* ---- phases.csv, trace.json: their writers' ---- */

static int write_csv(FILE *f, const struct export_ctx *x)
{
	return ct_csv_write(f, x->agg, x->meta);
}

static int write_trace(FILE *f, const struct export_ctx *x)
{
	return ct_chrome_trace_write(f, x->agg, x->meta);
}

/* ---- summary.json ---- */

static int write_summary(FILE *f, const struct export_ctx *x)
{
	struct ct_json w;
	int ret;

	ct_json_init(&w, f);
	ct_json_start_object(&w);
	ret = ct_json_summary_fields(&w, x->agg, x->meta);
	ct_json_end_object(&w);
	fputc('\n', f);
	return ret;
}

/* ---- metrics.prom: the same text as --listen's /metrics (prom.c) ---- */

static int write_prom(FILE *f, const struct export_ctx *x)
{
	return ct_export_prom(f, x->agg, x->meta);
}

static int write_otlp(FILE *f, const struct export_ctx *x)
{
	return ct_otlp_write(f, x->agg, x->meta);
}

/* ---- waits.folded, waits.pb.gz: --why's wait sites (docs/why.md) ---- */

static int write_folded(FILE *f, const struct export_ctx *x)
{
	return ct_folded_write(f, x->agg, x->meta);
}

static int write_pprof(FILE *f, const struct export_ctx *x)
{
	return ct_pprof_write(f, x->agg, x->meta);
}

/* ---- hist/<runtime>-open.{txt,json} (bcc-style log2 histograms) ---- */

static int write_hist_txt(FILE *f, const struct export_ctx *x)
{
	fprintf(f, "# coldtrace %s kernel %s runtime %s: file open latency\n",
		x->meta->version, x->meta->kernel, ct_runtime_name(x->rt));
	ct_hist_print(f, x->opens.slots, CT_HIST_SLOTS, "nsecs");
	return 0;
}

static int write_hist_json(FILE *f, const struct export_ctx *x)
{
	struct ct_json w;

	ct_json_init(&w, f);
	ct_json_start_object(&w);
	ct_json_kv_string(&w, "version", x->meta->version);
	ct_json_kv_string(&w, "kernel", x->meta->kernel);
	ct_json_kv_string(&w, "runtime", ct_runtime_name(x->rt));
	ct_json_key(&w, "opens");
	ct_hist_json(&w, &x->opens);
	ct_json_end_object(&w);
	fputc('\n', f);
	return ct_json_error(&w) ? -EIO : 0;
}

static const char *const hist_suffix[] = { "-open.txt", "-open.json" };
static const write_fn hist_fn[] = { write_hist_txt, write_hist_json };

/* "runc-open.txt" (i = 0) or "runc-open.json" (i = 1) */
static void hist_name(char *buf, size_t len, int rt, size_t i)
{
	snprintf(buf, len, "%s%s", ct_runtime_name(rt), hist_suffix[i]);
}

/* hist/<runtime>-open.{txt,json} for every runtime with measured opens. */
static int write_hists(const char *hdir, struct export_ctx *x,
		       uint32_t *written, char *err, size_t errlen)
{
	char name[64];
	int rt, ret = 0;

	*written = 0;
	for (rt = 0; rt < CT_RT_MAX && !ret; rt++) {
		if (!ct_agg_runtime_opens(x->agg, rt, &x->opens))
			continue;
		x->rt = rt;
		if (!*written)
			ret = make_dir(hdir, err, errlen);
		*written |= 1u << rt;
		for (size_t i = 0; i < 2 && !ret; i++) {
			hist_name(name, sizeof(name), rt, i);
			ret = write_atomic(hdir, name, hist_fn[i], x, err,
					   errlen);
		}
	}
	return ret;
}

static const struct {
	const char *name;
	write_fn fn;
} export_files[] = {
	{ "containers.jsonl", write_containers },
	{ "restarts.jsonl", write_restarts },
	{ "phases.csv", write_csv },
	{ "summary.json", write_summary },
	{ "metrics.prom", write_prom },
	{ "trace.json", write_trace },
	{ "otlp-traces.jsonl", write_otlp },
	{ "pulls.jsonl", write_pulls },
	{ "chains.jsonl", write_chains },
	{ "start-files.jsonl", write_start_files },
	{ "start-files-images.jsonl", write_start_files_images },
	{ "waits.folded", write_folded },
	{ "waits.pb.gz", write_pprof },
};

#define N_EXPORT_FILES	(sizeof(export_files) / sizeof(export_files[0]))
#define STAGE_PREFIX	".coldtrace-export."

/* "a/b" + "/" + "c" into buf; false if it does not fit. */
static bool join(char *buf, size_t len, const char *a, const char *b)
{
	return snprintf(buf, len, "%s/%s", a, b) < (int)len;
}

/*
 * Remove the staging directory and what export put there (only names it
 * writes: never a recursive delete of anything else).
 */
static void remove_stage(const char *stage)
{
	char p[4096], h[4096], name[64];

	for (size_t i = 0; i < N_EXPORT_FILES; i++)
		if (join(p, sizeof(p), stage, export_files[i].name))
			unlink(p);
	if (join(h, sizeof(h), stage, "hist")) {
		for (int rt = 0; rt < CT_RT_MAX; rt++) {
			for (size_t i = 0; i < 2; i++) {
				hist_name(name, sizeof(name), rt, i);
				if (join(p, sizeof(p), h, name))
					unlink(p);
			}
		}
		rmdir(h);
	}
	rmdir(stage);
}

/* One file from the stage into place; ENOENT for a file not staged. */
static int move_in(const char *from_dir, const char *to_dir,
		   const char *name)
{
	char a[4096], b[4096];

	if (!join(a, sizeof(a), from_dir, name) ||
	    !join(b, sizeof(b), to_dir, name))
		return -ENAMETOOLONG;
	return rename(a, b) ? -errno : 0;
}

/*
 * DIR/hist as an fd, never through a symlink (O_NOFOLLOW; every rename
 * and unlink below is relative to it, so a hist swapped for a link
 * meanwhile is not followed either): made when create; 0, 1 when missing
 * and not to be made, or -errno and a message.  DIR itself is the user's
 * own path.
 */
static int open_hist(const char *dir, bool create, int *hfd, char *err,
		     size_t errlen)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), e;
	struct stat st;

	if (dfd < 0)
		return ct_fail_errno(err, errlen, errno, "cannot use '%s'", dir);
	if (create && mkdirat(dfd, "hist", 0755) && errno != EEXIST) {
		e = errno;
		close(dfd);
		return ct_fail_errno(err, errlen, e, "cannot create output "
				     "directory '%s/hist'", dir);
	}
	*hfd = openat(dfd, "hist", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		      O_CLOEXEC);
	e = errno;
	/* a symlink fails as ELOOP or, with O_DIRECTORY, ENOTDIR: which? */
	if (*hfd < 0 && (e == ELOOP || e == ENOTDIR) &&
	    !fstatat(dfd, "hist", &st, AT_SYMLINK_NOFOLLOW))
		e = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;
	close(dfd);
	if (*hfd >= 0 || (e == ENOENT && !create))
		return *hfd >= 0 ? 0 : 1;
	if (e == ELOOP)
		return ct_fail(err, errlen, -e, "'%s/hist' is a symlink: "
			       "coldtrace never writes or deletes through one "
			       "(remove it)", dir);
	if (e == ENOTDIR)
		return ct_fail(err, errlen, -e, "'%s/hist' is not a directory",
			       dir);
	return ct_fail_errno(err, errlen, e, "cannot use '%s/hist'", dir);
}

/*
 * hist/: the new files in, and those of runtimes without opens this
 * time (an earlier session's) out, so that the set in DIR is one export.
 */
static int swap_hists(const char *stage, const char *dir, uint32_t written,
		      char *err, size_t errlen)
{
	char sh[4096], name[64];
	int ret, hfd, sfd = -1;

	if (!join(sh, sizeof(sh), stage, "hist"))
		return ct_fail_errno(err, errlen, ENAMETOOLONG,
				     "cannot use '%s'", dir);
	ret = open_hist(dir, written, &hfd, err, errlen);
	if (ret)
		return ret > 0 ? 0 : ret;
	if (written && (sfd = open(sh, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		ret = ct_fail_errno(err, errlen, errno, "cannot use '%s'", sh);
	for (int rt = 0; rt < CT_RT_MAX && !ret; rt++) {
		for (size_t i = 0; i < 2 && !ret; i++) {
			hist_name(name, sizeof(name), rt, i);
			if (!(written & (1u << rt)))
				unlinkat(hfd, name, 0);	/* stale */
			else if (renameat(sfd, name, hfd, name))
				ret = ct_fail_errno(err, errlen, errno,
						    "cannot rename '%s/hist/%s'",
						    dir, name);
		}
	}
	if (written)
		fsync(hfd);
	if (sfd >= 0)
		close(sfd);
	close(hfd);
	return ret;
}

/* Every file into the stage: nothing in DIR changes if one fails. */
static int write_stage(const char *stage, struct export_ctx *x,
		       uint32_t *hists, char *err, size_t errlen)
{
	char h[4096];
	int ret = 0;

	for (size_t i = 0; i < N_EXPORT_FILES && !ret; i++)
		ret = write_atomic(stage, export_files[i].name,
				   export_files[i].fn, x, err, errlen);
	if (!ret && !join(h, sizeof(h), stage, "hist"))
		ret = ct_fail_errno(err, errlen, ENAMETOOLONG,
				    "cannot use '%s'", stage);
	if (!ret)
		ret = write_hists(h, x, hists, err, errlen);
	return ret;
}

/* dir (made if missing) and a fresh, empty staging directory in it. */
static int make_stage(const char *dir, char *stage, size_t len, char *err,
		      size_t errlen)
{
	int ret = make_dir(dir, err, errlen);

	if (ret)
		return ret;
	if (!join(stage, len, dir, STAGE_PREFIX "XXXXXX"))
		return ct_fail_errno(err, errlen, ENAMETOOLONG,
				     "cannot use '%s'", dir);
	if (!mkdtemp(stage))
		return ct_fail_errno(err, errlen, errno, "cannot write in '%s'",
				     dir);
	return 0;
}

int ct_export_check_dir(const char *dir, char *err, size_t errlen)
{
	char stage[4096];
	int ret = make_stage(dir, stage, sizeof(stage), err, errlen), hfd;

	if (ret)
		return ret;
	rmdir(stage);
	ret = open_hist(dir, false, &hfd, err, errlen);
	if (!ret)
		close(hfd);
	return ret > 0 ? 0 : ret;
}

/*
 * All files are written into a fresh staging directory inside DIR and
 * only then renamed into place: a failed export leaves DIR as it was,
 * and a finished one leaves exactly one session's set of files.
 */
int ct_export_dir(const char *dir, const struct ct_agg *agg,
		  const struct ct_meta *meta, char *err, size_t errlen)
{
	struct export_ctx x = { .agg = agg, .meta = meta };
	char stage[4096];
	uint32_t hists = 0;
	ssize_t nr;
	int ret;

	ret = make_stage(dir, stage, sizeof(stage), err, errlen);
	if (ret)
		return ret;
	nr = ct_agg_restarts(agg, &x.restarts);
	if (nr < 0) {
		remove_stage(stage);
		return ct_fail_errno(err, errlen, ENOMEM, "cannot export");
	}
	x.nrestarts = nr;
	ret = write_stage(stage, &x, &hists, err, errlen);
	free(x.restarts);
	for (size_t i = 0; i < N_EXPORT_FILES && !ret; i++) {
		ret = move_in(stage, dir, export_files[i].name);
		if (ret)
			ret = ct_fail_errno(err, errlen, -ret,
					    "cannot rename '%s/%s'", dir,
					    export_files[i].name);
	}
	if (!ret)
		ret = swap_hists(stage, dir, hists, err, errlen);
	remove_stage(stage);
	sync_dir(dir);
	return ret;
}
