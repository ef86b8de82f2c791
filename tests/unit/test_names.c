// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Docker names from a fake /proc and a fake dockerd data root. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tracker.h"
#include "fixture.h"
#include "names.h"
#include "util.h"

static char top[64];

static void put(const char *rel, const void *data, size_t len)
{
	cr_assert(fx_put(top, rel, data, len), "%s/%s", top, rel);
}

#define PUTS(rel, s) put(rel, s, sizeof(s) - 1)

static void setup(void)
{
	strcpy(top, "/tmp/ct-test-names.XXXXXX");
	cr_assert_not_null(mkdtemp(top));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(names, .init = setup, .fini = teardown);

Test(names, data_roots_from_argv)
{
	char proc[128], *roots[4];
	size_t n;

	PUTS("proc/10/comm", "dockerd\n");
	PUTS("proc/10/cmdline", "dockerd\0--data-root\0/d1\0-H\0x\0");
	PUTS("proc/11/comm", "dockerd\n");
	PUTS("proc/11/cmdline", "dockerd\0--data-root=/d2\0");
	PUTS("proc/12/comm", "dockerd\n");
	PUTS("proc/12/cmdline", "/usr/sbin/dockerd\0");
	PUTS("proc/13/comm", "containerd\n");
	PUTS("proc/13/cmdline", "containerd\0--data-root=/no\0");
	PUTS("proc/self/comm", "dockerd\n");
	snprintf(proc, sizeof(proc), "%s/proc", top);
	n = ct_docker_data_roots(proc, roots, 4);
	cr_assert_eq(n, 3);
	/* readdir order is arbitrary: check as a set */
	int seen = 0;

	for (size_t i = 0; i < n; i++) {
		seen |= !strcmp(roots[i], "/d1") << 0;
		seen |= !strcmp(roots[i], "/d2") << 1;
		seen |= !strcmp(roots[i], "/var/lib/docker") << 2;
		free(roots[i]);
	}
	cr_expect_eq(seen, 7);
}

/* containerd's root: --root, else its config's top-level root (not a
 * table's), else the default; other programs' argv not read. */
Test(names, containerd_roots_from_argv_and_config)
{
	char proc[128], conf[160], args[256], *roots[8];
	int seen = 0, len;
	size_t n;

	PUTS("c1.toml", "version = 2\n  root = \"/r1\"\nstate = \"/s\"\n");
	PUTS("c2.toml", "version = 2\n[plugins]\n  root = \"/no\"\n");
	PUTS("proc/20/comm", "containerd\n");
	PUTS("proc/20/cmdline", "containerd\0--root\0/r0\0--config\0/x\0");
	PUTS("proc/23/comm", "containerd\n");
	PUTS("proc/23/cmdline", "containerd\0--root=/r3\0");
	PUTS("proc/24/comm", "dockerd\n");
	PUTS("proc/24/cmdline", "dockerd\0--root=/no\0");
	for (int i = 1; i <= 2; i++) {
		snprintf(conf, sizeof(conf), "proc/2%d/comm", i);
		put(conf, "containerd\n", 11);
		len = snprintf(args, sizeof(args), "containerd%c%s%c%s/c%d.toml",
			       0, i == 1 ? "--config" : "-c", 0, top, i);
		snprintf(conf, sizeof(conf), "proc/2%d/cmdline", i);
		put(conf, args, len + 1);
	}
	snprintf(proc, sizeof(proc), "%s/proc", top);
	n = ct_containerd_roots(proc, roots, 8);
	cr_assert_eq(n, 4);
	for (size_t i = 0; i < n; i++) {
		seen |= !strcmp(roots[i], "/r0") << 0;
		seen |= !strcmp(roots[i], "/r1") << 1;
		seen |= !strcmp(roots[i], "/var/lib/containerd") << 2;
		seen |= !strcmp(roots[i], "/r3") << 3;
		free(roots[i]);
	}
	cr_expect_eq(seen, 15);
}

Test(names, name_from_config)
{
	char root[128], name[64];

	PUTS("root/containers/abc123/config.v2.json",
	     "{\"ID\":\"abc123\",\"Name\":\"/web-1\",\"Driver\":\"overlay2\"}");
	snprintf(root, sizeof(root), "%s/root", top);
	cr_assert_eq(ct_docker_name_in(root, "abc123", name, sizeof(name)), 0);
	cr_expect_str_eq(name, "web-1");
	cr_expect_eq(ct_docker_name_in(root, "abc124", name, sizeof(name)),
		     -ENOENT);
}

/*
 * config.v2.json has Config.Labels before the top level's "Name": a label
 * called Name (`docker run --label Name=x`, an image's LABEL) is no name,
 * nor is a "Name" inside another string.
 */
Test(names, label_called_name_is_not_the_name)
{
	char root[128], name[64];

	PUTS("root/containers/abc1/config.v2.json",
	     "{\"ID\":\"abc1\",\"Config\":{\"Labels\":{\"Name\":\"x\","
	     "\"k\":\"a\\\"Name\\\":\\\"/z\"},\"Env\":[\"{\"]},"
	     "\"Name\" : \"/y\"}");
	PUTS("root/containers/abc2/config.v2.json",
	     "{\"Config\":{\"Labels\":{\"Name\":\"x\"}}}");
	snprintf(root, sizeof(root), "%s/root", top);
	cr_assert_eq(ct_docker_name_in(root, "abc1", name, sizeof(name)), 0);
	cr_expect_str_eq(name, "y");
	cr_expect_eq(ct_docker_name_in(root, "abc2", name, sizeof(name)),
		     -EINVAL, "only a label called Name");
}

/*
 * Docker accepts names of 201 characters: the record keeps the first
 * CT_NAME_LEN - 4 bytes and "…", never "" (as before) or a silent cut.
 */
Test(names, long_name_cut_with_a_mark)
{
	char root[128], name[CT_NAME_LEN], json[512], full[202];

	memset(full, 'n', 201);
	full[0] = 'L';
	full[201] = '\0';
	snprintf(json, sizeof(json), "{\"ID\":\"abc\",\"Name\":\"/%s\"}", full);
	put("root/containers/abc/config.v2.json", json, strlen(json));
	snprintf(root, sizeof(root), "%s/root", top);
	cr_assert_eq(ct_docker_name_in(root, "abc", name, sizeof(name)), 0);
	cr_expect_eq(strlen(name), CT_NAME_LEN - 1);
	cr_expect(!strncmp(name, full, CT_NAME_LEN - 4), "%s", name);
	cr_expect_str_eq(name + CT_NAME_LEN - 4, CT_NAME_CUT);
	/* 127 bytes still fit whole */
	full[127] = '\0';
	snprintf(json, sizeof(json), "{\"Name\":\"/%s\"}", full);
	put("root/containers/abd/config.v2.json", json, strlen(json));
	cr_assert_eq(ct_docker_name_in(root, "abd", name, sizeof(name)), 0);
	cr_expect_str_eq(name, full);
}

/* A client's --name (cut at its buffer) still names the cut record. */
Test(names, cut_names_compared_as_far_as_they_go)
{
	char cut[CT_NAME_LEN], argv_name[CT_ID_LEN], full[202];

	memset(full, 'n', 201);
	full[201] = '\0';
	ct_name_copy(cut, sizeof(cut), full, 201);
	ct_copy_str(argv_name, sizeof(argv_name), full, SIZE_MAX);
	cr_expect(ct_name_same(argv_name, sizeof(argv_name), cut));
	cr_expect(ct_name_same(full, sizeof(full), cut));
	full[100] = 'x';
	cr_expect_not(ct_name_same(full, sizeof(full), cut));
	cr_expect_not(ct_name_same("nnn", CT_ID_LEN, cut), "whole, shorter");
	cr_expect(ct_name_same("web", CT_ID_LEN, "web"));
	cr_expect_not(ct_name_same("web", CT_ID_LEN, "web-1"));
	cr_expect_not(ct_name_same("web-1", CT_ID_LEN, "web"));
}

Test(names, untrusted_input_refused)
{
	char root[128], name[8];

	PUTS("root/containers/abc/config.v2.json", "{\"Name\":\"/a\\\"b\"}");
	PUTS("root/containers/abd/config.v2.json", "{\"Name\":\"/waytoolongname\"}");
	PUTS("root/containers/abe/config.v2.json", "{\"Nom\":\"/x\"}");
	snprintf(root, sizeof(root), "%s/root", top);
	cr_expect_eq(ct_docker_name_in(root, "abc", name, sizeof(name)),
		     -EINVAL, "a quote inside the name");
	cr_expect_eq(ct_docker_name_in(root, "abd", name, sizeof(name)), 0,
		     "longer than the buffer: cut, marked");
	cr_expect_str_eq(name, "wayt" CT_NAME_CUT);
	cr_expect_eq(ct_docker_name_in(root, "abe", name, sizeof(name)),
		     -EINVAL, "no Name field");
	cr_expect_eq(ct_docker_name_in(root, "../../etc", name, sizeof(name)),
		     -EINVAL, "an id that is not hex");
}

/* The tracker names a container from a CT_EV_NAME record. */
Test(names, engine_applies_name_record)
{
	struct fx_ct c = { "cafe01", CT_RT_RUNC, CT_ENG_DOCKER, 1000, 0, 0,
			   false, 7 };
	int64_t s[CT_PH_MAX], e[CT_PH_MAX];
	struct ct_name_rec r = { 0 };
	struct fx_sink sink;
	struct ct_fx f, named;
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);

	fx_init(&f);
	fx_init(&named);
	fx_container(&f, &c, s, e);
	r.hdr.type = CT_EV_NAME;
	r.hdr.size = sizeof(r);
	strcpy(r.id, "cafe01");
	strcpy(r.name, "svc");
	/* the name arrives just after the first event of the container */
	fx_raw(&named, f.buf, ((const struct ct_hdr *)f.buf)->size);
	fx_raw(&named, &r, sizeof(r));
	fx_raw(&named, f.buf + ((const struct ct_hdr *)f.buf)->size,
	       f.len - ((const struct ct_hdr *)f.buf)->size);
	cr_assert_eq(fx_feed(&named, eng), 0);
	ct_tracker_flush(eng);
	cr_assert_eq(sink.n, 1);
	cr_expect_str_eq(sink.got[0].name, "svc");
	ct_tracker_free(eng);
	fx_free(&f);
	fx_free(&named);
}

/* The tracker takes a container's names and image from CT_EV_IDENT; an
 * empty field keeps what it knew. */
Test(names, engine_applies_ident_record)
{
	struct fx_ct c = { "cafe02", CT_RT_RUNC, CT_ENG_CRI, 1000, 0, 0,
			   false, 7 };
	int64_t s[CT_PH_MAX], e[CT_PH_MAX];
	struct ct_ident_rec r = { 0 };
	struct fx_sink sink;
	struct ct_fx f, named;
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);
	size_t first;

	fx_init(&f);
	fx_init(&named);
	fx_container(&f, &c, s, e);
	r.hdr.type = CT_EV_IDENT;
	r.hdr.size = sizeof(r);
	strcpy(r.id, "cafe02");
	strcpy(r.name, "web");
	strcpy(r.image, "registry.local/web:1");
	strcpy(r.pod_name, "web-7d9f");
	strcpy(r.pod_namespace, "shop");
	strcpy(r.pod_uid, "5f0c3a4e-0000-4000-8000-000000000001");
	strcpy(r.container_name, "web");
	r.kind = CT_K8S_CONTAINER;
	first = ((const struct ct_hdr *)f.buf)->size;
	fx_raw(&named, f.buf, first);
	fx_raw(&named, &r, sizeof(r));
	fx_raw(&named, f.buf + first, f.len - first);
	cr_assert_eq(fx_feed(&named, eng), 0);
	ct_tracker_flush(eng);
	cr_assert_eq(sink.n, 1);
	cr_expect_str_eq(sink.got[0].name, "web");
	cr_expect_str_eq(sink.got[0].image, "registry.local/web:1");
	cr_expect_str_eq(sink.got[0].k8s.pod_name, "web-7d9f");
	cr_expect_str_eq(sink.got[0].k8s.pod_namespace, "shop");
	cr_expect_str_eq(sink.got[0].k8s.pod_uid,
			 "5f0c3a4e-0000-4000-8000-000000000001");
	cr_expect_str_eq(sink.got[0].k8s.container_name, "web");
	ct_tracker_free(eng);
	fx_free(&f);
	fx_free(&named);
}

/* The container of engine_applies_ident_record, through a tracker
 * filtering with -c filter: emitted or not. */
static size_t emitted_under(const char *filter)
{
	struct fx_ct c = { "cafe03", CT_RT_RUNC, CT_ENG_CRI, 1000, 0, 0,
			   false, 7 };
	int64_t s[CT_PH_MAX], e[CT_PH_MAX];
	struct ct_ident_rec r = { 0 };
	struct fx_sink sink;
	struct ct_fx f, named;
	struct ct_tracker *eng = fx_tracker(&sink, filter, 0);
	size_t first;

	fx_init(&f);
	fx_init(&named);
	fx_container(&f, &c, s, e);
	r.hdr.type = CT_EV_IDENT;
	r.hdr.size = sizeof(r);
	strcpy(r.id, "cafe03");
	strcpy(r.name, "api");
	strcpy(r.pod_name, "web-7d9f");
	strcpy(r.pod_namespace, "shop");
	strcpy(r.container_name, "api");
	r.kind = CT_K8S_CONTAINER;
	first = ((const struct ct_hdr *)f.buf)->size;
	fx_raw(&named, f.buf, first);
	fx_raw(&named, &r, sizeof(r));
	fx_raw(&named, f.buf + first, f.len - first);
	cr_assert_eq(fx_feed(&named, eng), 0);
	ct_tracker_flush(eng);
	ct_tracker_free(eng);
	fx_free(&f);
	fx_free(&named);
	return sink.n;
}

/* -c takes kubectl's NAMESPACE/POD, or NAMESPACE/ for all its pods. */
Test(names, filter_by_pod)
{
	cr_expect_eq(emitted_under("shop/web-7d9f"), 1);
	cr_expect_eq(emitted_under("shop/"), 1);
	cr_expect_eq(emitted_under("api"), 1, "the container's name");
	cr_expect_eq(emitted_under("cafe"), 1, "an id prefix");
	cr_expect_eq(emitted_under("shop/web"), 0, "a pod name is whole");
	cr_expect_eq(emitted_under("sho/"), 0, "a namespace is whole");
	cr_expect_eq(emitted_under("other/web-7d9f"), 0);
	cr_expect_eq(emitted_under("/web-7d9f"), 0);
	cr_expect_eq(emitted_under("web-7d9f"), 0, "a pod's name: NS/POD");
}

/* What ct_naming_flush() emitted; the first one queues one more id. */
union named_rec {
	struct ct_hdr hdr;
	struct ct_name_rec name;
	struct ct_ident_rec ident;
};

struct emitted {
	struct ct_naming *q;
	union named_rec r[8];
	size_t n;
};

static void emit(const void *rec, size_t len, void *ctx)
{
	struct emitted *e = ctx;
	const struct ct_hdr *h = rec;

	cr_assert_eq(len, h->type == CT_EV_IDENT ? sizeof(e->r[0].ident) :
		     sizeof(e->r[0].name));
	cr_assert_lt(e->n, 8);
	memcpy(&e->r[e->n++], rec, len);
	if (e->n == 1)
		ct_naming_add(e->q, "def456");
}

Test(names, new_containers_named_as_records)
{
	struct ct_naming q = { 0 };
	struct emitted e = { .q = &q };
	char root[128];

	PUTS("root/containers/abc123/config.v2.json",
	     "{\"Name\":\"/web-1\",\"Config\":{\"Image\":\"busybox:1.36\"}}");
	PUTS("root/image/overlay2/layerdb/mounts/abc123/mount-id", "f00d");
	PUTS("root/image/overlay2/layerdb/mounts/def456/mount-id", "beef\n");
	snprintf(root, sizeof(root), "%s/root", top);
	q.data_root = root;
	ct_naming_add(&q, "0bad");		/* nothing known */
	ct_naming_add(&q, "abc123");
	ct_naming_flush(&q, 77, emit, &e);
	cr_assert_eq(q.n, 0);
	cr_assert_eq(e.n, 3);
	cr_assert_eq(e.r[0].hdr.type, CT_EV_IDENT);
	cr_assert_str_eq(e.r[0].ident.id, "abc123");
	cr_assert_str_eq(e.r[0].ident.name, "web-1");
	cr_assert_str_eq(e.r[0].ident.image, "busybox:1.36");
	cr_assert_eq(e.r[0].ident.kind, CT_K8S_NONE);
	cr_assert_eq(e.r[0].hdr.ts_ns, 77);
	cr_assert_eq(e.r[1].hdr.type, CT_EV_MOUNTID);
	cr_assert_str_eq(e.r[1].name.name, "f00d");
	/* queued while emitting: named in the same flush */
	cr_assert_eq(e.r[2].hdr.type, CT_EV_MOUNTID);
	cr_assert_str_eq(e.r[2].name.id, "def456");
	cr_assert_str_eq(e.r[2].name.name, "beef");
	for (int i = 0; i < CT_NAMING_MAX + 3; i++)
		ct_naming_add(&q, "abc");
	cr_assert_eq(q.n, CT_NAMING_MAX, "bounded");
}

/* As containerd 1.6-2.1's CRI plugin writes a bundle's config.json. */
#define CRI_CONFIG(type, extra) \
	"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"/pause\"]}," \
	"\"annotations\":{\"io.kubernetes.cri.container-type\":\"" type "\"," \
	"\"io.kubernetes.cri.sandbox-id\":\"5ab\"," \
	"\"io.kubernetes.cri.sandbox-name\":\"web-7d9f\"," \
	"\"io.kubernetes.cri.sandbox-namespace\":\"shop\"," \
	"\"io.kubernetes.cri.sandbox-uid\":\"0c1d-22\"" extra "}}"

/* A CRI bundle's annotations name the pod and the container. */
Test(names, cri_bundle_annotations)
{
	struct ct_naming q = { 0 };
	struct emitted e = { .q = NULL };
	char b[256];

	PUTS("sb/config.json", CRI_CONFIG("sandbox", ""));
	PUTS("app/config.json", CRI_CONFIG("container",
		",\"io.kubernetes.cri.container-name\":\"api\""
		",\"io.kubernetes.cri.image-name\":\"reg.local:5000/api@sha256:ab\""));
	snprintf(b, sizeof(b), "%s/sb", top);
	ct_naming_add_bundle(&q, "5ab", b);
	snprintf(b, sizeof(b), "%s/app", top);
	ct_naming_add_bundle(&q, "a99", b);
	e.n = 1;	/* no id queued from emit() */
	ct_naming_flush(&q, 5, emit, &e);
	cr_assert_eq(e.n, 3, "one IDENT each, no MOUNTID");
	cr_expect_str_eq(e.r[1].ident.id, "a99");
	cr_expect_eq(e.r[1].ident.kind, CT_K8S_CONTAINER);
	cr_expect_str_eq(e.r[1].ident.name, "api");
	cr_expect_str_eq(e.r[1].ident.container_name, "api");
	cr_expect_str_eq(e.r[1].ident.pod_name, "web-7d9f");
	cr_expect_str_eq(e.r[1].ident.pod_namespace, "shop");
	cr_expect_str_eq(e.r[1].ident.pod_uid, "0c1d-22");
	cr_expect_str_eq(e.r[1].ident.image, "reg.local:5000/api@sha256:ab");
	cr_expect_str_eq(e.r[2].ident.id, "5ab");
	cr_expect_eq(e.r[2].ident.kind, CT_K8S_SANDBOX);
	cr_expect_str_eq(e.r[2].ident.name, "web-7d9f", "a sandbox: its pod's");
	cr_expect_str_eq(e.r[2].ident.container_name, "");
	cr_expect_str_eq(e.r[2].ident.image, "");
}

/* What is not a CRI bundle's own file, or not CRI's, names nothing; a
 * value with bytes no name holds is left out, not printed. */
Test(names, cri_bundle_refused)
{
	struct ct_ident_rec r;
	char b[256], t[256];

	PUTS("plain/config.json", "{\"annotations\":{\"a\":\"b\"}}");
	PUTS("dup/config.json", "{\"annotations\":{\"io.kubernetes.cri."
	     "container-type\":\"sandbox\",\"io.kubernetes.cri."
	     "container-type\":\"container\"}}");
	PUTS("bad/config.json", CRI_CONFIG("container",
		",\"io.kubernetes.cri.container-name\":\"a\\nb\\\"c\""));
	PUTS("trail/config.json", CRI_CONFIG("sandbox", "") "x");
	PUTS("real/config.json", CRI_CONFIG("sandbox", ""));
	snprintf(b, sizeof(b), "%s/link", top);
	mkdir(b, 0755);
	snprintf(t, sizeof(t), "%s/real/config.json", top);
	snprintf(b, sizeof(b), "%s/link/config.json", top);
	cr_assert_eq(symlink(t, b), 0);
	snprintf(b, sizeof(b), "%s/dir/config.json", top);
	mkdir(b, 0755);
	snprintf(b, sizeof(b), "%s/dir", top);
	mkdir(b, 0755);

	static const char *const refused[] = {
		"plain", "dup", "trail", "link", "dir", "none",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		memset(&r, 0, sizeof(r));
		snprintf(b, sizeof(b), "%s/%s", top, refused[i]);
		cr_expect_eq(ct_bundle_ident(b, &r), -ENOENT, "%s", refused[i]);
	}
	memset(&r, 0, sizeof(r));
	snprintf(b, sizeof(b), "%s/bad", top);
	cr_assert_eq(ct_bundle_ident(b, &r), 0);
	cr_expect_str_eq(r.container_name, "", "a newline and a quote");
	cr_expect_str_eq(r.pod_name, "web-7d9f");
}
