/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Docker container names.  They appear in no process argv (dockerd keeps
 * them in its own state), so a live session reads them from the data
 * root of the dockerd processes running on the host:
 * <data-root>/containers/<id>/config.v2.json, field "Name".
 */
#ifndef __CT_NAMES_H
#define __CT_NAMES_H

#include <stddef.h>

#define CT_DATA_ROOT_MAX	8

/*
 * Data roots of the dockerd processes under proc_dir (normally "/proc"):
 * --data-root DIR, --data-root=DIR or -g DIR, else /var/lib/docker.
 * Returns how many (at most max), each malloc'd: free with free().
 */
size_t ct_docker_data_roots(const char *proc_dir, char **roots, size_t max);

/*
 * The name of container id under one data root, without docker's leading
 * '/'.  Only names docker itself accepts ([a-zA-Z0-9][a-zA-Z0-9_.-]*)
 * are returned.  0, or -ENOENT / -EINVAL.
 */
int ct_docker_name_in(const char *data_root, const char *id, char *name,
		      size_t len);

/* Tries every running dockerd.  0 or -ENOENT. */
int ct_docker_name(const char *id, char *name, size_t len);

/*
 * The mount id of container id's read-write layer (overlay2 directory
 * name): <data-root>/image/overlay2/layerdb/mounts/<id>/mount-id.  0, or
 * -ENOENT / -EINVAL.
 */
int ct_docker_mount_id_in(const char *data_root, const char *id, char *out,
			  size_t len);
int ct_docker_mount_id(const char *id, char *out, size_t len);

#endif /* __CT_NAMES_H */
