/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --output DIR: the files of docs/design.md "Interface".  Each is written into
 * a staging directory in DIR, flushed and fsync'ed, then renamed over the final
 * name, so a reader never sees half a file nor (after a failed export) a mix of
 * two sessions' files.
 *
 * Where version and kernel are (every file carries them):
 *   containers.jsonl  first line {"type":"meta","version","kernel",
 *                     "lost_events"}, then one {"type":"container"}
 *                     object per container (the same as -j output)
 *   restarts.jsonl    first the same meta line, then one
 *                     {"type":"restart"} object per restart (agg.h)
 *   phases.csv        columns "version" and "kernel" on every row
 *   summary.json      fields "version", "kernel"
 *   metrics.prom      coldtrace_build_info{version=,kernel=} 1
 *   trace.json        "otherData":{"version","kernel"}
 *   otlp-traces.jsonl the resource's service.version and os.version
 *                     (otlp.h: one OTLP/JSON request, a trace per
 *                     container, pull and chain)
 *   hist/<rt>-open.txt   first line "# coldtrace VERSION kernel K ...",
 *                        then bcc's log2 histogram (runtimes with opens)
 *   hist/<rt>-open.json  {"version","kernel","runtime","opens":{...}}
 */
#ifndef __CT_EXPORT_H
#define __CT_EXPORT_H

#include <stddef.h>
#include "agg.h"
#include "output.h"
#include "prom.h"	/* ct_export_prom(): metrics.prom */
/*
 * Write every file into dir (created, with its parents, if missing):
 * all into a staging directory inside dir first, then renamed into
 * place, and hist/ files of runtimes this export has none for removed.
 * On error nothing in dir has changed (unless a rename itself failed).
 * Returns 0, or a negative errno with a message in err.
 */
int ct_export_dir(const char *dir, const struct ct_agg *agg,
		  const struct ct_meta *meta, char *err, size_t errlen);
/*
 * Before a session: dir exists or can be created, and a file can be
 * created in it.  0, or a negative errno with a message in err.
 */
int ct_export_check_dir(const char *dir, char *err, size_t errlen);

#endif /* __CT_EXPORT_H */
