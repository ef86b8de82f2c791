// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The traced host's names: host.h. */
#include <stdlib.h>
#include <string.h>
#include "host.h"
#include "util.h"

/* A machine-id is 32 lowercase hex digits; anything else is not one. */
static void read_machine_id(const char *path, char *out, size_t len)
{
	char buf[64];
	ssize_t n = ct_read_small(path, buf, sizeof(buf));
	size_t hex;

	out[0] = '\0';
	if (n <= 0)
		return;
	hex = strspn(buf, "0123456789abcdef");
	if (hex != 32 || hex >= len || (buf[hex] && buf[hex] != '\n'))
		return;
	memcpy(out, buf, hex);
	out[hex] = '\0';
}

void ct_host_fill(struct ct_host_rec *r, uint64_t ts_ns, const char *nodename,
		  const char *machine_id)
{
	const char *node = getenv("NODE_NAME");

	memset(r, 0, sizeof(*r));
	r->hdr.ts_ns = ts_ns;
	r->hdr.type = CT_EV_HOST;
	r->hdr.size = sizeof(*r);
	if (node && *node)
		ct_copy_str(r->node_name, sizeof(r->node_name), node,
			    sizeof(r->node_name) - 1);
	ct_copy_str(r->host_name, sizeof(r->host_name),
		    r->node_name[0] ? r->node_name : nodename ? nodename : "",
		    sizeof(r->host_name) - 1);
	read_machine_id(machine_id, r->host_id, sizeof(r->host_id));
}
