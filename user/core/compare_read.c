// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The samples of `coldtrace compare` (compare_read.h).  A record's JSON
 * is turned back into the part of its container the statistics ask
 * about, so that what they keep out is decided by agg.c alone.
 */
#define _GNU_SOURCE	/* nftw() */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agg.h"
#include "coldtrace.h"
#include "compare_read.h"
#include "container.h"
#include "util.h"

const char *const ct_cmp_by_keys[] = { "runtime", "engine", "image", "kind",
				       NULL };

/* --why's split of a phase, as `PHASE.STATE` metrics */
static const char *const split_states[] = { "cpu", "runq", "io", "sleep" };
#define N_STATES	(sizeof(split_states) / sizeof(split_states[0]))

static int intern(struct ct_cmp_names *t, const char *name, uint32_t *id)
{
	char **grown;

	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->name[i], name)) {
			*id = (uint32_t)i;
			return 0;
		}
	grown = realloc(t->name, (t->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	t->name = grown;
	t->name[t->n] = strdup(name);
	if (!t->name[t->n])
		return -ENOMEM;
	*id = (uint32_t)t->n++;
	return 0;
}

static int add_obs(struct ct_cmp_set *s, uint32_t group, const char *metric,
		   int side, double v)
{
	struct ct_cmp_obs *o;
	uint32_t m;

	if (intern(&s->metrics, metric, &m))
		return -ENOMEM;
	if (ct_room((void **)&s->obs, &s->cap, s->n + 1, sizeof(*o)))
		return -ENOMEM;
	s->obs[s->n++] = (struct ct_cmp_obs){ group, m, (uint8_t)side, v };
	return 0;
}

static const char *str_of(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

static uint64_t u64_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ?
		       (uint64_t)json_integer_value(v) : 0;
}

/* The record's value of --by's key (kind: the record's kind, as the
 * statistics tell it); NULL when it has none. */
static const char *key_of(json_t *rec, const char *by, const char *kind)
{
	const char *v = !strcmp(by, "kind") ? kind : str_of(rec, by);

	return *v ? v : NULL;
}

static bool same_or_first(char **val, const char *v)
{
	if (!*val)
		*val = strdup(v);
	return *val && !strcmp(*val, v);
}

/*
 * Which side a record goes to: 0, 1, or -1 (counted, on none).  Without
 * --by, the input's side.  With --by and one input, the record's value
 * of the key (the first seen is A); with two inputs, the input's side,
 * whose value is its first record's: a record of another is left out.
 */
static int side_of(struct ct_cmp_set *s, json_t *rec, int side,
		   const char *kind)
{
	struct ct_cmp_side *sd = &s->side[side < 0 ? 0 : side];
	const char *v;

	if (!s->by)
		return side;
	v = key_of(rec, s->by, kind);
	if (!v) {
		sd->no_key++;
		return -1;
	}
	if (side >= 0) {
		if (same_or_first(&s->vals[side], v))
			return side;
		sd->other_key++;
		return -1;
	}
	for (int i = 0; i < 2; i++)
		if (same_or_first(&s->vals[i], v))
			return i;
	sd->other_key++;
	return -1;
}

/* "runtime engine kind" less the split key. */
static int group_of(struct ct_cmp_set *s, json_t *rec, const char *kind,
		    uint32_t *id)
{
	char g[192];
	const char *rt = str_of(rec, "runtime"), *en = str_of(rec, "engine");

	if (s->by && !strcmp(s->by, "runtime"))
		rt = "";
	if (s->by && !strcmp(s->by, "engine"))
		en = "";
	if (s->by && !strcmp(s->by, "kind"))
		kind = "";
	snprintf(g, sizeof(g), "%s%s%s%s%s", rt, *rt && (*en || *kind) ? " " : "",
		 en, *en && *kind ? " " : "", kind);
	return intern(&s->groups, g, id);
}

/* The container the record describes, as far as agg.c's rules read. */
static void container_of(json_t *rec, struct ct_container *c)
{
	json_t *phases = json_object_get(rec, "phases");

	memset(c, 0, sizeof(*c));
	c->is_pod = !strcmp(str_of(rec, "type"), "pod");
	c->restore.is = json_object_get(rec, "restore") != NULL;
	c->complete = json_is_true(json_object_get(rec, "complete"));
	c->failed = json_object_get(rec, "failed") ? CT_FAIL_CREATE : 0;
	c->unarmed = json_is_true(json_object_get(rec, "unarmed"));
	c->removal_unarmed =
		json_is_true(json_object_get(rec, "removal_unarmed"));
	c->partial = json_object_get(rec, "partial") != NULL;
	c->prepare_missing =
		json_object_get(rec, "prepare_missing") ? CT_PREP_NO_START : 0;
	c->first_ns = u64_of(rec, "start_ns");
	c->last_ns = c->first_ns + u64_of(rec, "total_ns");
	if (c->is_pod && u64_of(rec, "cold_start_ns"))
		c->pod_ready_ns = c->first_ns + u64_of(rec, "cold_start_ns");
	for (int p = 0; p < CT_PH_MAX; p++) {
		json_t *ph = json_object_get(phases, ct_phase_name(p));
		json_t *dur = json_object_get(ph, "dur_ns");

		if (!ph)
			continue;
		c->phase_mask |= 1u << p;
		c->phases[p].start_ns = u64_of(ph, "start_ns");
		if (json_is_integer(dur))
			c->phases[p].end_ns = c->phases[p].start_ns +
					      (uint64_t)json_integer_value(dur);
	}
}

static int add_split(struct ct_cmp_set *s, uint32_t g, int side,
		     const char *phase, json_t *ph)
{
	json_t *kids = json_object_get(ph, "children");
	char m[96];
	int err = 0;

	for (size_t i = 0; i < N_STATES; i++) {
		char key[16];

		snprintf(key, sizeof(key), "%s_ns", split_states[i]);
		snprintf(m, sizeof(m), "%s.%s", phase, split_states[i]);
		err |= add_obs(s, g, m, side,
			       (double)(u64_of(ph, key) + u64_of(kids, key)));
	}
	return err;
}

/* Each listed site once: the sum of its lines (syscalls, wakers). */
static int add_sites(struct ct_cmp_set *s, uint32_t g, int side,
		     const char *phase, json_t *ph)
{
	json_t *sites = json_object_get(json_object_get(ph, "waits"), "sites");
	size_t i, j, n = json_array_size(sites);
	char m[160];

	for (i = 0; i < n; i++) {
		const char *name = str_of(json_array_get(sites, i), "site");
		uint64_t ns = 0;

		for (j = 0; j < i; j++)
			if (!strcmp(name, str_of(json_array_get(sites, j),
						 "site")))
				break;
		if (j < i || !*name)
			continue;
		for (j = i; j < n; j++)
			if (!strcmp(name, str_of(json_array_get(sites, j),
						 "site")))
				ns += u64_of(json_array_get(sites, j), "ns");
		snprintf(m, sizeof(m), "%s:%s", phase, name);
		if (add_obs(s, g, m, side, (double)ns))
			return -ENOMEM;
	}
	return 0;
}

static int add_why(struct ct_cmp_set *s, uint32_t g, int side, json_t *rec,
		   const struct ct_container *c)
{
	json_t *phases = json_object_get(rec, "phases");
	uint64_t v;

	for (int p = 0; p < CT_PH_MAX; p++) {
		json_t *ph = json_object_get(phases, ct_phase_name(p));

		if (!json_object_get(ph, "cpu_ns") || !ct_agg_sample(c, p, &v))
			continue;
		if (add_split(s, g, side, ct_phase_name(p), ph) ||
		    add_sites(s, g, side, ct_phase_name(p), ph))
			return -ENOMEM;
	}
	return 0;
}

static int add_container(struct ct_cmp_set *s, json_t *rec, int side)
{
	struct ct_container c;
	struct ct_cmp_side *sd;
	uint32_t g;
	uint64_t v;
	int err = 0;

	container_of(rec, &c);
	side = side_of(s, rec, side, ct_kind_name(ct_kind_of(&c)));
	if (side < 0)
		return 0;
	sd = &s->side[side];
	sd->records++;
	sd->failed += c.failed != 0;
	sd->partial += !c.failed && c.partial;
	sd->unarmed += !c.failed && !c.partial && c.unarmed;
	if (!ct_agg_counts(&c))
		return 0;
	if (group_of(s, rec, ct_kind_name(ct_kind_of(&c)), &g))
		return -ENOMEM;
	/* the pull it waited for: inside prepare, which began at the request */
	v = u64_of(json_object_get(rec, "pull"), "dur_ns");
	if (v)
		err |= add_obs(s, g, "pull", side, (double)v);
	if (ct_agg_sample(&c, CT_AGG_COLD, &v))
		err |= add_obs(s, g, "cold_start", side, (double)v);
	/* kinds apart: a restore's create is CRIU's, a pod's holds its
	 * containers': only their cold starts mean the same */
	if (s->by && !strcmp(s->by, "kind"))
		return err ? -ENOMEM : 0;
	if (ct_agg_sample(&c, CT_AGG_TOTAL, &v))
		err |= add_obs(s, g, "total", side, (double)v);
	for (int p = 0; p < CT_PH_MAX; p++)
		if (ct_agg_sample(&c, p, &v))
			err |= add_obs(s, g, ct_phase_name(p), side, (double)v);
	return err ? -ENOMEM : add_why(s, g, side, rec, &c);
}

/* A restart (restarts.jsonl): its window and each phase's share of it. */
static int add_restart(struct ct_cmp_set *s, json_t *rec, int side)
{
	json_t *phases = json_object_get(rec, "phases");
	const char *kind = str_of(rec, "kind");
	char k[32];
	uint32_t g;
	int err = 0;

	snprintf(k, sizeof(k), "%s restart", *kind ? kind : "container");
	side = side_of(s, rec, side, "restart");
	if (side < 0)
		return 0;
	s->side[side].restarts++;
	if (group_of(s, rec, k, &g))
		return -ENOMEM;
	err |= add_obs(s, g, "total", side, (double)u64_of(rec, "dur_ns"));
	for (int p = 0; p < CT_PH_MAX; p++) {
		json_t *ph = json_object_get(phases, ct_phase_name(p));

		if (ph)
			err |= add_obs(s, g, ct_phase_name(p), side,
				       (double)u64_of(ph, "excl_ns"));
	}
	return err ? -ENOMEM : 0;
}

static int read_line(struct ct_cmp_set *s, const char *line, size_t len,
		     int side, const char *where, char *err, size_t errlen)
{
	json_error_t je;
	json_t *rec = json_loadb(line, len, 0, &je);
	const char *type;
	int ret = 0;

	if (!rec || !json_is_object(rec)) {
		snprintf(err, errlen, "%s: not a JSON object: %s", where,
			 rec ? "another value" : je.text);
		json_decref(rec);
		return -1;
	}
	type = str_of(rec, "type");
	if (!strcmp(type, "container") || !strcmp(type, "pod"))
		ret = add_container(s, rec, side);
	else if (!strcmp(type, "restart"))
		ret = add_restart(s, rec, side);
	json_decref(rec);
	if (ret)
		snprintf(err, errlen, "%s: %s", where, strerror(-ret));
	return ret ? -1 : 0;
}

static int read_jsonl(struct ct_cmp_set *s, const char *path, int side,
		      char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, where[PATH_MAX + 32];
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int ret = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (!ret && (n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (n == 1 && line[0] == '\n')
			continue;
		snprintf(where, sizeof(where), "%s:%zu", path, lineno);
		ret = read_line(s, line, (size_t)n, side, where, err, errlen);
	}
	if (!ret && ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ret = -1;
	}
	free(line);
	fclose(f);
	return ret;
}

static int read_dir(struct ct_cmp_set *s, const char *dir, int side,
		    char *err, size_t errlen)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/containers.jsonl", dir);
	if (access(path, R_OK)) {
		snprintf(err, errlen, "%s: no containers.jsonl (not an -o DIR)",
			 dir);
		return -1;
	}
	if (read_jsonl(s, path, side, err, errlen))
		return -1;
	snprintf(path, sizeof(path), "%s/restarts.jsonl", dir);
	if (access(path, F_OK))
		return 0;
	return read_jsonl(s, path, side, err, errlen);
}

static bool is_recording(const char *path)
{
	char magic[sizeof(CT_REC_MAGIC)] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool yes;

	if (fd < 0)
		return false;
	yes = read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
	      !memcmp(magic, CT_REC_MAGIC, sizeof(magic));
	close(fd);
	return yes;
}

/* The last line of a replay's stderr: what it said when it failed. */
static void last_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[256];

	while (f && fgets(line, sizeof(line), f))
		snprintf(buf, len, "%.*s", (int)strcspn(line, "\n"), line);
	if (f)
		fclose(f);
}

/*
 * A recording is replayed by coldtrace itself (self) into a private -o
 * directory: the results are exactly those of `coldtrace --replay FILE
 * --why -o DIR`, whatever the recording holds.
 */
static int replay_into(const char *self, const char *rec, const char *out,
		       const char *log, char *err, size_t errlen)
{
	char said[256] = "";

	int status, fd;
	pid_t pid = fork();

	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (!pid) {
		fd = open("/dev/null", O_RDWR);
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, STDERR_FILENO);
		execl(self, self, "--replay", rec, "--why", "-o", out,
		      (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		last_line(log, said, sizeof(said));
		snprintf(err, errlen, "%s: its replay failed: %s", rec, said);
		return -1;
	}
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int read_recording(struct ct_cmp_set *s, const char *path, int side,
			  const char *self, char *err, size_t errlen)
{
	char tmp[] = "/tmp/coldtrace-compare.XXXXXX", out[sizeof(tmp) + 8],
	     log[sizeof(tmp) + 16];
	int ret;

	if (!mkdtemp(tmp)) {
		snprintf(err, errlen, "mkdtemp: %s", strerror(errno));
		return -1;
	}
	snprintf(out, sizeof(out), "%s/out", tmp);
	snprintf(log, sizeof(log), "%s/stderr", tmp);
	ret = replay_into(self, path, out, log, err, errlen);
	if (!ret)
		ret = read_dir(s, out, side, err, errlen);
	nftw(tmp, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return ret;
}

int ct_cmp_read(struct ct_cmp_set *s, const char *path, int side,
		const char *self, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return read_dir(s, path, side, err, errlen);
	if (is_recording(path))
		return read_recording(s, path, side, self, err, errlen);
	return read_jsonl(s, path, side, err, errlen);
}

static void names_free(struct ct_cmp_names *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->name[i]);
	free(t->name);
}

void ct_cmp_set_free(struct ct_cmp_set *s)
{
	free(s->obs);
	names_free(&s->groups);
	names_free(&s->metrics);
	free(s->vals[0]);
	free(s->vals[1]);
}

/* pull 0, cold_start 1, total 2, phase p: 3 + p; its split and sites
 * after it */
static int metric_rank(const char *m, size_t *len)
{
	*len = strcspn(m, ".:");
	if (!strcmp(m, "pull"))
		return 0;
	if (!strcmp(m, "cold_start"))
		return 1;
	if (!strcmp(m, "total"))
		return 2;
	for (int p = 0; p < CT_PH_MAX; p++)
		if (strlen(ct_phase_name(p)) == *len &&
		    !strncmp(m, ct_phase_name(p), *len))
			return 3 + p;
	return 3 + CT_PH_MAX;
}

static int sub_rank(const char *rest)
{
	if (!*rest)
		return 0;
	for (size_t i = 0; i < N_STATES; i++)
		if (rest[0] == '.' && !strcmp(rest + 1, split_states[i]))
			return 1 + (int)i;
	return 1 + (int)N_STATES;
}

int ct_cmp_metric_order(const char *a, const char *b)
{
	size_t la, lb;
	int ra = metric_rank(a, &la), rb = metric_rank(b, &lb);

	if (ra != rb)
		return ra - rb;
	ra = sub_rank(a + la), rb = sub_rank(b + lb);
	return ra != rb ? ra - rb : strcmp(a, b);
}
