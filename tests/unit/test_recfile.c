// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --record / --replay files: a round trip, and every malformed file the
 * reader must refuse with a clear message instead of misreading.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "recfile.h"
#include "util.h"

static char dir[64];
static char path[128];
static char err[256];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ct-recfile-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rec.ct", dir);
	err[0] = '\0';
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

TestSuite(recfile, .init = setup, .fini = teardown);

static void make_exit(struct ct_exit *x, uint32_t pid, int32_t code)
{
	memset(x, 0, sizeof(*x));
	x->hdr.ts_ns = 1000 + pid;
	x->hdr.type = CT_EV_EXIT;
	x->hdr.size = sizeof(*x);
	x->hdr.pid = pid;
	x->exit_code = code;
	snprintf(x->hdr.comm, sizeof(x->hdr.comm), "sh");
}

static void write_bytes(const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f);
	if (n)
		cr_assert_eq(fwrite(p, n, 1, f), 1);
	fclose(f);
}

/* A valid header followed by @n bytes of @tail. */
static void write_with_hdr(const struct ct_rec_file_hdr *h, const void *tail,
			   size_t n)
{
	unsigned char buf[sizeof(*h) + 4096];

	cr_assert_leq(n, 4096);
	memcpy(buf, h, sizeof(*h));
	if (n)
		memcpy(buf + sizeof(*h), tail, n);
	write_bytes(buf, sizeof(*h) + n);
}

/* Temp files in dir: ".rec.ct.XXXXXX" (afile.h; the writer makes none). */
static int temps(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, ".rec.ct.", 8);
	closedir(d);
	return n;
}

static int open_reader(struct ct_rec_reader **r)
{
	struct ct_rec_file_hdr h;

	return ct_rec_reader_open(r, path, &h, err, sizeof(err));
}

Test(recfile, round_trip)
{
	struct ct_rec_file_hdr h, got;
	struct ct_rec_writer *w;
	struct ct_rec_reader *r;
	struct ct_exit x;
	const void *rec;
	size_t len;

	ct_rec_fill_hdr(&h, CT_CGROUP_V1_MEMORY, -42, "9.9.9-test");
	cr_assert_eq(ct_rec_writer_open(&w, path, &h, err, sizeof(err)), 0,
		     "%s", err);
	for (int i = 0; i < 1000; i++) {
		make_exit(&x, i, i << 8);
		cr_assert_eq(ct_rec_write(w, &x, sizeof(x)), 0);
	}
	/* the final name from the start, no temp file to rename */
	cr_assert_eq(access(path, F_OK), 0);
	cr_assert_eq(temps(), 0);
	cr_assert_eq(ct_rec_writer_close(w, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(temps(), 0);

	cr_assert_eq(ct_rec_reader_open(&r, path, &got, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(got.cgroup_mode, CT_CGROUP_V1_MEMORY);
	cr_assert_eq(got.mono_to_real_ns, -42);
	cr_assert_str_eq(got.version_str, "9.9.9-test");
	for (int i = 0; i < 1000; i++) {
		const struct ct_exit *e;

		cr_assert_eq(ct_rec_next(r, &rec, &len, err, sizeof(err)), 1,
			     "%s", err);
		e = rec;
		cr_assert_eq(len, sizeof(x));
		cr_assert_eq(e->hdr.pid, (uint32_t)i);
		cr_assert_eq(e->exit_code, i << 8);
	}
	cr_assert_eq(ct_rec_next(r, &rec, &len, err, sizeof(err)), 0);
	ct_rec_reader_close(r);
}

Test(recfile, abort_leaves_nothing)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_writer *w;

	ct_rec_fill_hdr(&h, CT_CGROUP_V2, 0, "t");
	cr_assert_eq(ct_rec_writer_open(&w, path, &h, err, sizeof(err)), 0);
	ct_rec_writer_abort(w);
	cr_assert_eq(temps(), 0);
	cr_assert_neq(access(path, F_OK), 0);
}

Test(recfile, writer_refuses_bad_size)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_writer *w;
	struct ct_exit x;

	ct_rec_fill_hdr(&h, CT_CGROUP_V2, 0, "t");
	cr_assert_eq(ct_rec_writer_open(&w, path, &h, err, sizeof(err)), 0);
	make_exit(&x, 1, 0);
	cr_assert_eq(ct_rec_write(w, &x, sizeof(x) - 1), -EINVAL);
	ct_rec_writer_abort(w);
}

Test(recfile, wrong_magic)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *r;

	ct_rec_fill_hdr(&h, CT_CGROUP_V2, 0, "t");
	memcpy(h.magic, "NOTCOLD", 8);
	write_with_hdr(&h, NULL, 0);
	cr_assert_lt(open_reader(&r), 0);
	cr_assert_null(r);
	cr_assert(strstr(err, "not a coldtrace recording"), "%s", err);
	cr_assert(strstr(err, path), "%s", err);
}

Test(recfile, other_version)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *r;
	char want[256];

	ct_rec_fill_hdr(&h, CT_CGROUP_V2, 0, "t");
	h.version = 3;
	write_with_hdr(&h, NULL, 0);
	cr_assert_lt(open_reader(&r), 0);
	snprintf(want, sizeof(want),
		 "%s: recorded by coldtrace format version 3, this build reads versions 1 to 2",
		 path);
	cr_assert_str_eq(err, want);
	h.version = 0;
	write_with_hdr(&h, NULL, 0);
	cr_assert_lt(open_reader(&r), 0);
}

/*
 * Version 2 added CT_EV_ARM (the hooks detached for part of a session):
 * what is written says so, and the version 1 recordings (every fixture)
 * are still read.
 */
Test(recfile, writes_version_2_reads_1)
{
	struct ct_rec_file_hdr h, got;
	struct ct_rec_reader *r;

	ct_rec_fill_hdr(&h, CT_CGROUP_V2, 0, "t");
	cr_assert_eq(h.version, 2);
	for (uint32_t v = 1; v <= 2; v++) {
		h.version = v;
		write_with_hdr(&h, NULL, 0);
		cr_assert_eq(ct_rec_reader_open(&r, path, &got, err,
						sizeof(err)), 0, "%s", err);
		cr_expect_eq(got.version, v);
		ct_rec_reader_close(r);
	}
	cr_assert_eq(ct_rec_reader_open(&r, "tests/fixtures/demo.ctrec", &got,
					err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(got.version, 1);
	ct_rec_reader_close(r);
}

Test(recfile, other_endian)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *r;

	ct_rec_fill_hdr(&h, CT_CGROUP_V2, 0, "t");
	h.endian_mark = __builtin_bswap32(CT_REC_ENDIAN);
	write_with_hdr(&h, NULL, 0);
	cr_assert_lt(open_reader(&r), 0);
	cr_assert(strstr(err, "byte order"), "%s", err);
}

Test(recfile, truncated_header)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *r;

	ct_rec_fill_hdr(&h, CT_CGROUP_V2, 0, "t");
	write_bytes(&h, sizeof(h) - 1);
	cr_assert_lt(open_reader(&r), 0);
	cr_assert(strstr(err, "truncated header"), "%s", err);
}

Test(recfile, empty_file)
{
	struct ct_rec_reader *r;

	write_bytes(NULL, 0);
	cr_assert_lt(open_reader(&r), 0);
	cr_assert(strstr(err, "empty file"), "%s", err);
}

Test(recfile, missing_file)
{
	struct ct_rec_reader *r;

	cr_assert_eq(open_reader(&r), -ENOENT);
	cr_assert(strstr(err, path), "%s", err);
}

/* Read records until the reader stops; return its last result. */
static int drain(void)
{
	struct ct_rec_reader *r;
	const void *rec;
	size_t len;
	int rc;

	cr_assert_eq(open_reader(&r), 0, "%s", err);
	while ((rc = ct_rec_next(r, &rec, &len, err, sizeof(err))) == 1)
		;
	ct_rec_reader_close(r);
	return rc;
}

Test(recfile, truncated_record)
{
	struct ct_rec_file_hdr h;
	struct ct_exit x[2];
	char want[256];

	ct_rec_fill_hdr(&h, CT_CGROUP_V2, 0, "t");
	make_exit(&x[0], 1, 0);
	make_exit(&x[1], 2, 0);
	/* The second record loses its last byte. */
	write_with_hdr(&h, x, sizeof(x) - 1);
	cr_assert_eq(drain(), -ENODATA, "a cut, not a malformed record");
	snprintf(want, sizeof(want), "%s: truncated record at offset %zu",
		 path, sizeof(h) + sizeof(x[0]));
	cr_assert_str_eq(err, want);
}

Test(recfile, truncated_record_header)
{
	struct ct_rec_file_hdr h;
	struct ct_exit x;

	ct_rec_fill_hdr(&h, CT_CGROUP_V2, 0, "t");
	make_exit(&x, 1, 0);
	write_with_hdr(&h, &x, 10);
	cr_assert_eq(drain(), -ENODATA);
	cr_assert(strstr(err, "truncated record at offset 128"), "%s", err);
}

Test(recfile, zero_size_record)
{
	struct ct_rec_file_hdr h;
	struct ct_exit x;

	ct_rec_fill_hdr(&h, CT_CGROUP_V2, 0, "t");
	make_exit(&x, 1, 0);
	x.hdr.size = 0;
	write_with_hdr(&h, &x, sizeof(x));
	cr_assert_lt(drain(), 0);
	cr_assert(strstr(err, "bad record size 0 at offset 128"), "%s", err);
}

Test(recfile, huge_record_size)
{
	struct ct_rec_file_hdr h;
	struct ct_exit x;

	ct_rec_fill_hdr(&h, CT_CGROUP_V2, 0, "t");
	make_exit(&x, 1, 0);
	x.hdr.size = 0xffffffffu;
	write_with_hdr(&h, &x, sizeof(x));
	cr_assert_lt(drain(), 0);
	cr_assert(strstr(err, "bad record size"), "%s", err);
}

Test(recfile, header_only_is_empty_recording)
{
	struct ct_rec_file_hdr h;

	ct_rec_fill_hdr(&h, CT_CGROUP_V2, 0, "t");
	write_with_hdr(&h, NULL, 0);
	cr_assert_eq(drain(), 0);
}

/* ---- unusable --record targets, full disks, pipes ---- */

Test(recfile, directory_target_refused_at_create)
{
	struct ct_rec_writer *w;

	cr_assert_eq(ct_rec_writer_create(&w, dir, err, sizeof(err)), -EISDIR);
	cr_assert_null(w);
	cr_assert(strstr(err, "is a directory"), "%s", err);
	cr_assert(strstr(err, dir), "%s", err);
}

Test(recfile, special_file_target_refused)
{
	struct ct_rec_writer *w;

	/* rename() would replace the device node */
	cr_assert_eq(ct_rec_writer_create(&w, "/dev/null", err, sizeof(err)),
		     -EINVAL);
	cr_assert(strstr(err, "special file"), "%s", err);
}

Test(recfile, missing_directory_refused_at_create)
{
	struct ct_rec_writer *w;

	cr_assert_eq(ct_rec_writer_create(&w, "/proc/x/rec.ct", err,
					  sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "cannot create"), "%s", err);
}

static off_t file_size_of(const char *p)
{
	struct stat st;

	cr_assert_eq(stat(p, &st), 0, "%s", p);
	return st.st_size;
}

static off_t file_size(void)
{
	return file_size_of(path);
}

/*
 * A killed session loses at most CT_REC_FLUSH_NS of records: the file has
 * its header at once, under its final name, and a record once it is that
 * old (at the next write or tick), not once 1 MiB has gathered.
 */
Test(recfile, records_reach_the_file_within_the_flush_interval)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_writer *w;
	struct ct_exit x;

	ct_rec_fill_hdr(&h, CT_CGROUP_V2, 0, "t");
	cr_assert_eq(ct_rec_writer_open(&w, path, &h, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(file_size(), (off_t)sizeof(h));
	make_exit(&x, 1, 0);
	cr_assert_eq(ct_rec_write(w, &x, sizeof(x)), 0);
	cr_assert_eq(ct_rec_writer_tick(w, ct_mono_ns()), 0);
	cr_assert_eq(file_size(), (off_t)sizeof(h), "buffered while young");
	cr_assert_eq(ct_rec_writer_tick(w, ct_mono_ns() + CT_REC_FLUSH_NS),
		     0);
	cr_assert_eq(file_size(), (off_t)(sizeof(h) + sizeof(x)));
	/* a write finds its buffer old and sends it, itself included */
	make_exit(&x, 2, 0);
	cr_assert_eq(ct_rec_write(w, &x, sizeof(x)), 0);
	usleep(CT_REC_FLUSH_NS / 1000 + 1000);
	make_exit(&x, 3, 0);
	cr_assert_eq(ct_rec_write(w, &x, sizeof(x)), 0);
	cr_assert_eq(file_size(), (off_t)(sizeof(h) + 3 * sizeof(x)));
	ct_rec_writer_abort(w);
}

/* A full disk is said at the first flush after it, not at the end. */
Test(recfile, write_error_known_at_the_next_flush)
{
	struct rlimit rl = { .rlim_cur = 4096, .rlim_max = 4096 };
	struct ct_rec_file_hdr h;
	struct ct_rec_writer *w;
	struct ct_exit x;
	int i, rc = 0;

	signal(SIGXFSZ, SIG_IGN);
	ct_rec_fill_hdr(&h, CT_CGROUP_V2, 0, "t");
	cr_assert_eq(ct_rec_writer_open(&w, path, &h, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	for (i = 0; i < 100; i++) {	/* 8 KB, far below the buffer */
		make_exit(&x, i, 0);
		cr_assert_eq(ct_rec_write(w, &x, sizeof(x)), 0);
	}
	rc = ct_rec_writer_tick(w, ct_mono_ns() + CT_REC_FLUSH_NS);
	cr_assert_eq(rc, -EFBIG, "%d", rc);
	cr_assert_eq(ct_rec_write(w, &x, sizeof(x)), -EFBIG, "sticky");
	cr_assert_eq(ct_rec_writer_close(w, err, sizeof(err)), -EFBIG);
	cr_assert(strstr(err, "later records are lost"), "%s", err);
}

/* Never through a symlink: its target is left alone. */
Test(recfile, symlink_target_refused)
{
	char target[160];
	struct ct_rec_writer *w;

	snprintf(target, sizeof(target), "%s/target", dir);
	write_bytes("keep", 4);
	cr_assert_eq(rename(path, target), 0);
	cr_assert_eq(symlink(target, path), 0);
	cr_assert_eq(ct_rec_writer_create(&w, path, err, sizeof(err)), -ELOOP);
	cr_assert(strstr(err, "symlink"), "%s", err);
	cr_assert_null(w);
	unlink(path);
	cr_assert_eq(access(target, F_OK), 0);
	cr_assert_eq(file_size_of(target), 4);
	unlink(target);
}

/* An existing file is truncated by the header only: an abort before it
 * leaves it as it was. */
Test(recfile, existing_file_untouched_until_the_header)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_writer *w;

	write_bytes("keep", 4);
	cr_assert_eq(ct_rec_writer_create(&w, path, err, sizeof(err)), 0,
		     "%s", err);
	ct_rec_writer_abort(w);
	cr_assert_eq(file_size(), 4);
	cr_assert_eq(ct_rec_writer_create(&w, path, err, sizeof(err)), 0);
	ct_rec_fill_hdr(&h, CT_CGROUP_V2, 0, "t");
	cr_assert_eq(ct_rec_writer_header(w, &h), 0);
	cr_assert_eq(file_size(), (off_t)sizeof(h));
	cr_assert_eq(ct_rec_writer_close(w, err, sizeof(err)), 0, "%s", err);
}

/*
 * A disk that fills up mid-session (RLIMIT_FSIZE stands in for it): the
 * recording keeps every whole record written before, ends cleanly, and
 * the message counts what was kept and lost.
 */
Test(recfile, write_error_keeps_whole_records)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_writer *w;
	struct ct_rec_reader *r;
	struct rlimit rl = { .rlim_cur = 3u << 20, .rlim_max = 3u << 20 };
	unsigned long long kept, bytes, lost;
	const void *rec;
	size_t len, got = 0;
	struct ct_exit x;
	const char *p;
	int rc;

	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	ct_rec_fill_hdr(&h, CT_CGROUP_V2, 0, "t");
	cr_assert_eq(ct_rec_writer_open(&w, path, &h, err, sizeof(err)), 0,
		     "%s", err);
	for (int i = 0; i < 100000; i++) {	/* ~7 MB */
		make_exit(&x, i, 0);
		ct_rec_write(w, &x, sizeof(x));
	}
	rc = ct_rec_writer_close(w, err, sizeof(err));
	cr_assert_eq(rc, -EFBIG, "%d %s", rc, err);
	p = strstr(err, "keeps its first ");
	cr_assert_not_null(p, "%s", err);
	cr_assert_eq(sscanf(p, "keeps its first %llu records (%llu bytes), %llu",
			    &kept, &bytes, &lost), 3, "%s", err);
	cr_assert_gt(kept, 0);
	cr_assert_eq(kept + lost, 100000, "%s", err);
	cr_assert_eq(open_reader(&r), 0, "%s", err);
	while ((rc = ct_rec_next(r, &rec, &len, err, sizeof(err))) > 0)
		got++;
	cr_assert_eq(rc, 0, "the kept file ends on a whole record: %s", err);
	cr_assert_eq(got, kept);
	ct_rec_reader_close(r);
}

struct feed {
	int fd;
	const char *from;
};

static void *feed_pipe(void *arg)
{
	struct feed *f = arg;
	char buf[4096];
	FILE *in = fopen(f->from, "rb");
	size_t n;

	while (in && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (write(f->fd, buf, n) != (ssize_t)n)
			break;
	if (in)
		fclose(in);
	close(f->fd);
	return NULL;
}

/* `--replay /dev/stdin`: a pipe is read once and can still be rewound. */
Test(recfile, pipe_is_read_once_and_rewound)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_writer *w;
	struct ct_rec_reader *r;
	struct feed f = { .from = path };
	const void *rec;
	char dev[32];
	size_t len, n1 = 0, n2 = 0;
	struct ct_exit x;
	pthread_t t;
	int fds[2];

	ct_rec_fill_hdr(&h, CT_CGROUP_V2, 0, "t");
	cr_assert_eq(ct_rec_writer_open(&w, path, &h, err, sizeof(err)), 0);
	for (int i = 0; i < 5000; i++) {	/* more than a pipe holds */
		make_exit(&x, i, 0);
		cr_assert_eq(ct_rec_write(w, &x, sizeof(x)), 0);
	}
	cr_assert_eq(ct_rec_writer_close(w, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(pipe(fds), 0);
	f.fd = fds[1];
	cr_assert_eq(pthread_create(&t, NULL, feed_pipe, &f), 0);
	snprintf(dev, sizeof(dev), "/dev/fd/%d", fds[0]);
	cr_assert_eq(ct_rec_reader_open(&r, dev, &h, err, sizeof(err)), 0,
		     "%s", err);
	while (ct_rec_next(r, &rec, &len, err, sizeof(err)) > 0)
		n1++;
	cr_assert_eq(ct_rec_reader_rewind(r, err, sizeof(err)), 0, "%s", err);
	while (ct_rec_next(r, &rec, &len, err, sizeof(err)) > 0)
		n2++;
	cr_assert_eq(n1, 5000);
	cr_assert_eq(n2, 5000);
	ct_rec_reader_close(r);
	pthread_join(t, NULL);
	close(fds[0]);
}

/* Exec records keep the used part of args[]; other records all of it. */
Test(recfile, exec_records_written_compact)
{
	struct ct_rec_writer *w;
	struct ct_rec_reader *r;
	struct ct_rec_file_hdr h;
	struct ct_exec x = { 0 };
	struct ct_exit e;
	const struct ct_exec *got;
	const void *rec;
	size_t len;

	x.hdr.type = CT_EV_EXEC;
	x.hdr.size = sizeof(x);
	x.args_len = 6;
	memcpy(x.args, "runc\0a", 6);
	make_exit(&e, 7, 0);
	ct_rec_fill_hdr(&h, CT_CGROUP_V1_MEMORY, 0, "test");
	cr_assert_eq(ct_rec_writer_open(&w, path, &h, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(ct_rec_write_event(w, &x, sizeof(x)), 0);
	cr_assert_eq(ct_rec_write_event(w, &e, sizeof(e)), 0);
	cr_assert_eq(ct_rec_writer_close(w, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(open_reader(&r), 0, "%s", err);
	cr_assert_eq(ct_rec_next(r, &rec, &len, err, sizeof(err)), 1, "%s", err);
	got = rec;
	cr_assert_eq(len, offsetof(struct ct_exec, args) + 6);
	cr_assert_eq(got->hdr.size, len);
	cr_assert_eq(memcmp(got->args, "runc\0a", 6), 0);
	cr_assert_eq(ct_rec_next(r, &rec, &len, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(len, sizeof(e));
	ct_rec_reader_close(r);
}

/* A CNI plugin's environment is recorded without containerd's own
 * variables (secrets, maybe): only what the tracker reads. */
Test(recfile, cni_env_written_without_the_rest)
{
	static const char env[] = "API_TOKEN=hush\0CNI_COMMAND=DEL\0HOME=/";
	struct ct_rec_writer *w;
	struct ct_rec_reader *r;
	struct ct_rec_file_hdr h;
	static struct ct_cni_env v;
	const struct ct_cni_env *got;
	const void *rec;
	size_t len;

	v.hdr.type = CT_EV_CNI_ENV;
	v.hdr.size = sizeof(v);
	v.env_len = sizeof(env);
	memcpy(v.env, env, sizeof(env));
	ct_rec_fill_hdr(&h, CT_CGROUP_V1_MEMORY, 0, "test");
	cr_assert_eq(ct_rec_writer_open(&w, path, &h, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(ct_rec_write_event(w, &v, sizeof(v)), 0);
	cr_assert_eq(ct_rec_writer_close(w, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(open_reader(&r), 0, "%s", err);
	cr_assert_eq(ct_rec_next(r, &rec, &len, err, sizeof(err)), 1, "%s", err);
	got = rec;
	cr_assert_eq(len, offsetof(struct ct_cni_env, env) + 16);
	cr_assert_eq(got->env_len, 16);
	cr_assert_eq(memcmp(got->env, "CNI_COMMAND=DEL", 16), 0);
	ct_rec_reader_close(r);
}
