/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The traced host's names, for a live session's CT_EV_HOST record
 * (include/coldtrace.h): what OpenTelemetry calls host.name, host.id and
 * k8s.node.name.  A pod has its own UTS namespace and no machine-id of
 * the node's: NODE_NAME (the DaemonSet's downward API) names the node.
 */
#ifndef __CT_HOST_H
#define __CT_HOST_H

#include <stdint.h>
#include "coldtrace.h"

/*
 * *r made at ts_ns: node_name from the environment's NODE_NAME, host_name
 * from it or else nodename, host_id from the file machine_id (its first
 * line, hex only; /etc/machine-id).  Each empty when unknown.
 */
void ct_host_fill(struct ct_host_rec *r, uint64_t ts_ns, const char *nodename,
		  const char *machine_id);

#endif /* __CT_HOST_H */
