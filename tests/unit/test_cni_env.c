// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ct_cni_env_parse(): a CNI plugin's environment (CT_EV_CNI_ENV), from an
 * untrusted process, cut to its tail when long. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classify.h"
#include "coldtrace.h"
#include "dump.h"
#include "records.h"

#define SB "58b06123a19159ac328540a5f1de0bd67fcdf8d62a77ec4a632b8fe58fb04a97"
#define NS "/var/run/netns/cni-91daf443-a379-519d-277f-027fa22516ba"

/* strings[] joined into buf as an environment block, each with its NUL */
static size_t block(char *buf, size_t cap, const char *const *strings)
{
	size_t n = 0;

	for (; *strings; strings++) {
		size_t l = strlen(*strings) + 1;

		cr_assert_leq(n + l, cap);
		memcpy(buf + n, *strings, l);
		n += l;
	}
	return n;
}

static enum ct_cni_cmd parse(const char *const *strings, bool cut,
			     struct ct_cni_vars *v)
{
	static char buf[8192];

	return ct_cni_env_parse(buf, block(buf, sizeof(buf), strings), cut, v);
}

/* What containerd 1.6 passed (strace): libcni's dedupEnv leaves the
 * CNI_* variables anywhere among containerd's own. */
Test(cni_env, add_anywhere)
{
	const char *env[] = { "PATH=/usr/bin", "CNI_NETNS=" NS, "LANG=C.UTF-8",
			      "CNI_ARGS=K8S_POD_INFRA_CONTAINER_ID=" SB
			      ";IgnoreUnknown=1",
			      "CNI_CONTAINERID=" SB, "CNI_IFNAME=eth0",
			      "CNI_COMMAND=ADD", "CNI_PATH=/usr/lib/cni",
			      NULL };
	struct ct_cni_vars v;

	cr_assert_eq(parse(env, false, &v), CT_CNI_ADD);
	cr_assert_eq(v.cmd, CT_CNI_ADD);
	cr_assert_str_eq(v.id, SB);
	cr_assert_str_eq(v.netns, NS);
}

/* RemovePodSandbox's DEL: the netns is gone, CNI_NETNS empty or absent. */
Test(cni_env, del_without_netns)
{
	const char *empty[] = { "CNI_COMMAND=DEL", "CNI_NETNS=",
				"CNI_CONTAINERID=" SB, NULL };
	const char *absent[] = { "CNI_CONTAINERID=" SB, "CNI_COMMAND=DEL",
				 NULL };
	struct ct_cni_vars v;

	cr_assert_eq(parse(empty, false, &v), CT_CNI_DEL);
	cr_assert_str_eq(v.id, SB);
	cr_assert_str_eq(v.netns, "");
	cr_assert_eq(parse(absent, false, &v), CT_CNI_DEL);
	cr_assert_str_eq(v.netns, "");
}

/* A tail's first string may be the end of a longer one: never read. */
Test(cni_env, truncated_tail)
{
	const char *piece_is_id[] = { "CNI_CONTAINERID=" SB, "CNI_COMMAND=ADD",
				      NULL };
	const char *piece_elsewhere[] = { "ERID=evil", "CNI_COMMAND=DEL",
					  "CNI_CONTAINERID=" SB, NULL };
	struct ct_cni_vars v;
	char buf[64];

	cr_assert_eq(parse(piece_is_id, false, &v), CT_CNI_ADD);
	cr_assert_eq(parse(piece_is_id, true, &v), CT_CNI_UNREAD);
	cr_assert_str_eq(v.id, "");
	cr_assert_eq(parse(piece_elsewhere, true, &v), CT_CNI_DEL);
	cr_assert_str_eq(v.id, SB);
	/* a cut block without a NUL is all piece */
	memset(buf, 'A', sizeof(buf));
	cr_assert_eq(ct_cni_env_parse(buf, sizeof(buf), true, &v),
		     CT_CNI_UNREAD);
}

/* The block's last string without its NUL is not a whole string. */
Test(cni_env, unterminated_end)
{
	static const char env[] = "CNI_CONTAINERID=" SB "\0CNI_COMMAND=ADD";
	struct ct_cni_vars v;

	cr_assert_eq(ct_cni_env_parse(env, sizeof(env) - 1, false, &v),
		     CT_CNI_UNREAD);
	cr_assert_eq(ct_cni_env_parse(env, sizeof(env), false, &v),
		     CT_CNI_ADD);
}

Test(cni_env, missing_vars)
{
	const char *no_cmd[] = { "CNI_CONTAINERID=" SB, "CNI_NETNS=" NS, NULL };
	const char *no_id[] = { "CNI_COMMAND=ADD", "CNI_NETNS=" NS, NULL };
	const char *nothing[] = { "PATH=/bin", "HOME=/root", NULL };
	struct ct_cni_vars v;

	cr_assert_eq(parse(no_cmd, false, &v), CT_CNI_UNREAD);
	cr_assert_eq(parse(no_id, false, &v), CT_CNI_UNREAD);
	cr_assert_eq(parse(nothing, false, &v), CT_CNI_UNREAD);
	cr_assert_eq(ct_cni_env_parse("", 0, false, &v), CT_CNI_UNREAD);
	cr_assert_eq(ct_cni_env_parse(NULL, 10, false, &v), CT_CNI_UNREAD);
}

/* A name counts only at the start of a string and with its '='. */
Test(cni_env, names_that_contain_ours)
{
	const char *env[] = { "XCNI_CONTAINERID=evil", "CNI_CONTAINERID=" SB,
			      "MY_CNI_COMMAND=DEL", "CNI_COMMAND=ADD",
			      "CNI_CONTAINERIDX=evil2", "CNI_NETNS_X=/evil",
			      "CNI_NETNS=" NS, "CNI_COMMANDS=DEL", NULL };
	const char *only_suffixed[] = { "XCNI_CONTAINERID=" SB,
					"XCNI_COMMAND=ADD", NULL };
	struct ct_cni_vars v;

	cr_assert_eq(parse(env, false, &v), CT_CNI_ADD);
	cr_assert_str_eq(v.id, SB);
	cr_assert_str_eq(v.netns, NS);
	cr_assert_eq(parse(only_suffixed, false, &v), CT_CNI_UNREAD);
}

/* dedupEnv leaves each name once: twice is not what we think it is. */
Test(cni_env, duplicates)
{
	const char *id2[] = { "CNI_COMMAND=ADD", "CNI_CONTAINERID=" SB,
			      "CNI_CONTAINERID=other", NULL };
	const char *cmd2[] = { "CNI_COMMAND=ADD", "CNI_CONTAINERID=" SB,
			       "CNI_COMMAND=ADD", NULL };
	struct ct_cni_vars v;

	cr_assert_eq(parse(id2, false, &v), CT_CNI_UNREAD);
	cr_assert_eq(parse(cmd2, false, &v), CT_CNI_UNREAD);
}

Test(cni_env, garbage_values)
{
	static const char *const bad[][4] = {
		{ "CNI_COMMAND=ADDX", "CNI_CONTAINERID=" SB },
		{ "CNI_COMMAND=add", "CNI_CONTAINERID=" SB },
		{ "CNI_COMMAND=ADD", "CNI_CONTAINERID=" },
		{ "CNI_COMMAND=ADD", "CNI_CONTAINERID=a/b" },
		{ "CNI_COMMAND=ADD", "CNI_CONTAINERID=a b" },
		{ "CNI_COMMAND=ADD", "CNI_CONTAINERID=..", },
		{ "CNI_COMMAND=ADD", "CNI_CONTAINERID=" SB, "CNI_NETNS=rel/x" },
		{ "CNI_COMMAND=DEL", "CNI_CONTAINERID=" SB, "CNI_NETNS=/a\tb" },
		{ "CNI_COMMAND=DEL", "CNI_CONTAINERID=" SB,
		  "CNI_NETNS=/\xc3\xa9" },
	};
	struct ct_cni_vars v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *env[5] = { bad[i][0], bad[i][1], bad[i][2], NULL };

		cr_expect_eq(parse(env, false, &v), CT_CNI_UNREAD, "case %zu",
			     i);
		cr_expect_str_eq(v.id, "", "case %zu", i);
	}
}

/* Values longer than their field are refused, not cut. */
Test(cni_env, long_values)
{
	static char id[300], netns[400];
	const char *long_id[] = { "CNI_COMMAND=ADD", id, NULL };
	const char *long_netns[] = { "CNI_COMMAND=ADD", "CNI_CONTAINERID=" SB,
				     netns, NULL };
	struct ct_cni_vars v;

	snprintf(id, sizeof(id), "CNI_CONTAINERID=%0200d", 7);
	cr_assert_eq(parse(long_id, false, &v), CT_CNI_UNREAD);
	snprintf(netns, sizeof(netns), "CNI_NETNS=/%0300d", 7);
	cr_assert_eq(parse(long_netns, false, &v), CT_CNI_UNREAD);
}

/* Other commands name no phase; they need no container id. */
Test(cni_env, other_commands)
{
	const char *version[] = { "CNI_COMMAND=VERSION", NULL };
	const char *check[] = { "CNI_COMMAND=CHECK", "CNI_CONTAINERID=" SB,
				NULL };
	struct ct_cni_vars v;

	cr_assert_eq(parse(version, false, &v), CT_CNI_OTHER);
	cr_assert_eq(parse(check, false, &v), CT_CNI_OTHER);
	cr_assert_str_eq(v.id, "");
}

/* Random bytes: whatever comes out is a short, terminated string. */
Test(cni_env, random_bytes)
{
	char buf[512];
	struct ct_cni_vars v;

	srand(12);
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)rand() % sizeof(buf);

		for (size_t i = 0; i < n; i++)	/* mostly our names' bytes */
			buf[i] = (char)(rand() % 4 ?
					"CNI_=ADEL0/\0"[rand() % 12] : rand());
		ct_cni_env_parse(buf, n, round & 1, &v);
		cr_assert_lt(strnlen(v.id, sizeof(v.id)), sizeof(v.id));
		cr_assert_lt(strnlen(v.netns, sizeof(v.netns)),
			     sizeof(v.netns));
	}
}

/* What --record keeps: only our strings, and they parse as the whole did
 * (random blocks, cut or not, as above). */
Test(cni_env, keep_parses_as_the_whole)
{
	char buf[512], kept[512];
	struct ct_cni_vars a, b;

	srand(13);
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)rand() % sizeof(buf), k;

		for (size_t i = 0; i < n; i++)
			buf[i] = (char)(rand() % 4 ?
					"CNI_=ADEL0/\0"[rand() % 12] : rand());
		memcpy(kept, buf, n);
		k = ct_cni_env_keep(kept, n, round & 1);
		cr_assert_leq(k, n);
		cr_assert_eq(ct_cni_env_parse(buf, n, round & 1, &a),
			     ct_cni_env_parse(kept, k, false, &b));
		cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
	}
}

Test(cni_env, keep_drops_the_rest)
{
	const char *env[] = { "AWS_SECRET_ACCESS_KEY=x", "CNI_NETNS=" NS,
			      "XCNI_COMMAND=DEL", "CNI_COMMAND=ADD",
			      "CNI_CONTAINERID=" SB, "HOME=/root", NULL };
	const char want[] = "CNI_NETNS=" NS "\0CNI_COMMAND=ADD\0"
			    "CNI_CONTAINERID=" SB;
	char buf[1024];
	size_t n = block(buf, sizeof(buf), env);

	cr_assert_eq(ct_cni_env_keep(buf, n, false), sizeof(want));
	cr_assert_eq(memcmp(buf, want, sizeof(want)), 0);
}

/* --- the record (records.h's row) ---------------------------------------- */

static struct ct_cni_env rec_of(const char *const *strings)
{
	struct ct_cni_env r;

	memset(&r, 0, sizeof(r));
	r.hdr.type = CT_EV_CNI_ENV;
	r.hdr.size = sizeof(r);
	r.env_len = (uint32_t)block(r.env, sizeof(r.env), strings);
	return r;
}

/* Lengths that do not fit are refused; a recording may trim env[]. */
Test(cni_env, record_validity)
{
	const char *env[] = { "CNI_COMMAND=DEL", "CNI_CONTAINERID=" SB, NULL };
	struct ct_cni_env r = rec_of(env);
	size_t used = offsetof(struct ct_cni_env, env) + r.env_len;

	cr_expect_eq(ct_rec_check(&r, sizeof(r)), 0);
	r.hdr.size = (uint32_t)used;	/* trimmed to what is used */
	cr_expect_eq(ct_rec_check(&r, used), 0);
	r.hdr.size = (uint32_t)used - 1;
	cr_expect_eq(ct_rec_check(&r, used), -EINVAL, "env_len past the end");
	r.hdr.size = sizeof(r);
	r.env_len = CT_ENV_MAX + 1;
	cr_expect_eq(ct_rec_check(&r, sizeof(r)), -EINVAL);
	r.env_len = 0;
	r.env_cut = 2;
	cr_expect_eq(ct_rec_check(&r, sizeof(r)), -EINVAL);
	r.env_cut = 0;
	r.hdr.size = offsetof(struct ct_cni_env, env) - 1;
	cr_expect_eq(ct_rec_check(&r, sizeof(r)), -EINVAL, "short");
}

/* --dump shows what the tracker reads, escaped, not the environment. */
Test(cni_env, dump)
{
	const char *env[] = { "SECRET=hunter2", "CNI_COMMAND=ADD",
			      "CNI_CONTAINERID=" SB, "CNI_NETNS=" NS, NULL };
	struct ct_cni_env r = rec_of(env);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ct_dump_record(f, &r, sizeof(r), 0);
	fclose(f);
	cr_expect(strstr(buf, " CNIENV "), "%s", buf);
	cr_expect(strstr(buf, "cmd=ADD id=\"" SB "\" netns=\"" NS "\"\n"),
		  "%s", buf);
	cr_expect_null(strstr(buf, "hunter2"), "%s", buf);
	free(buf);
}
