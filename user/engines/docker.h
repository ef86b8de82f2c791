/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What dockerd's own paths say, for docker's parts (docker_*.c). */
#ifndef __CT_DOCKER_H
#define __CT_DOCKER_H

/* ".../<parent>/<container id>" (64 hex digits) -> the id, NULL if the
 * path is no such directory. */
const char *ct_docker_id_in(const char *path, const char *parent);

#endif /* __CT_DOCKER_H */
