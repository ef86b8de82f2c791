/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What engines call their containers.  It appears in no process argv
 * (the engines keep it in their own state), so a live session reads it
 * while the container exists: docker's from the data root of the dockerd
 * processes running on the host (<data-root>/containers/<id>/
 * config.v2.json: "Name", "Config.Image"); a CRI container's from the
 * annotations of its runtime bundle's config.json.
 */
#ifndef __CT_NAMES_H
#define __CT_NAMES_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "container.h"

#define CT_DATA_ROOT_MAX	64	/* dockerds on one host: tests run a dozen */

/*
 * Data roots of the dockerd processes under proc_dir (normally "/proc"):
 * --data-root DIR, --data-root=DIR or -g DIR, else /var/lib/docker.
 * Returns how many (at most max), each malloc'd: free with free().
 */
size_t ct_docker_data_roots(const char *proc_dir, char **roots, size_t max);
/* The same of one process: its data root, malloc'd, or NULL if it is no
 * dockerd (or gone). */
char *ct_docker_data_root_of(const char *proc_dir, uint32_t pid);
/*
 * Roots of the containerd processes under proc_dir: --root DIR, else the
 * top-level root of its --config (-c) file, else /var/lib/containerd.
 * Returns how many (at most max), each malloc'd: free with free().
 */
size_t ct_containerd_roots(const char *proc_dir, char **roots, size_t max);

/*
 * An engine's JSON file, whole, parsed (jansson, a duplicate key
 * refused): only a regular file of root's (or of the user coldtrace runs
 * as), not a link, under max bytes; NULL otherwise.  json_decref() it.
 */
json_t *ct_engine_json_load(const char *path, size_t max);

/*
 * The name of container id under one data root, without docker's leading
 * '/'.  Only names docker itself accepts ([a-zA-Z0-9][a-zA-Z0-9_.-]*)
 * are returned, one too long for name[len] cut with CT_NAME_CUT at its
 * end (ct_name_copy()).  0, or -ENOENT / -EINVAL.
 */
int ct_docker_name_in(const char *data_root, const char *id, char *name,
		      size_t len);

/*
 * Container id's name (as above, "" if not valid) and image (Config.Image,
 * as the user gave it) under one data root into r's name and image.  0,
 * or -ENOENT (no config) / -EINVAL (not an id).
 */
int ct_docker_ident_in(const char *data_root, const char *id,
		       struct ct_ident_rec *r);

/*
 * A CRI container's names from the annotations containerd's CRI plugin
 * writes into its runtime bundle's config.json (bundle: the runtime's
 * --bundle, absolute), into r's kind, pod_*, container_name, image and
 * name (the container's; a sandbox's: its pod's).  Values of other bytes
 * than such names hold are left out.  0, or -ENOENT when the file is not
 * root's, not JSON or has no CRI annotations.
 */
int ct_bundle_ident(const char *bundle, struct ct_ident_rec *r);

/*
 * The mount id of container id's read-write layer (overlay2 directory
 * name): <data-root>/image/overlay2/layerdb/mounts/<id>/mount-id.  0, or
 * -ENOENT / -EINVAL.
 */
int ct_docker_mount_id_in(const char *data_root, const char *id, char *out,
			  size_t len);

/*
 * A live session names containers when it first sees them, while they
 * exist, but only once the tracker has returned: the names go back into
 * the tracker as CT_EV_IDENT and CT_EV_MOUNTID records (prepare.h reads
 * the mount id), through the session's one way in for the records it
 * makes, so that --record keeps them for replays.
 */
#define CT_NAMING_MAX	16	/* ids waiting; more are not named */

struct ct_naming_ent {
	char id[CT_ID_LEN];
	char bundle[CT_PATH_MAX];	/* "": a docker container's */
};

struct ct_naming {
	const char *data_root;	/* NULL: every running dockerd's */
	struct ct_naming_ent ents[CT_NAMING_MAX];
	size_t n;
};

typedef void (*ct_naming_emit_cb)(const void *rec, size_t len, void *ctx);

/* Queues id to be named: by docker's data root, or by its runtime's
 * bundle (CRI). */
void ct_naming_add(struct ct_naming *q, const char *id);
void ct_naming_add_bundle(struct ct_naming *q, const char *id,
			  const char *bundle);
/*
 * Each queued id's name and mount id records, those found, to emit (which
 * may queue more: they are named too).  Stamped now_mono_ns.
 */
void ct_naming_flush(struct ct_naming *q, uint64_t now_mono_ns,
		     ct_naming_emit_cb emit, void *ctx);

#endif /* __CT_NAMES_H */
