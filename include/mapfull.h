/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Inserts the kernel refused into the BPF maps whose entries must live
 * (bpf/mapfull.bpf.h): plain hashes, not LRUs, whose entries are deleted
 * where their owner ends, so that a refused insert is a full map, counted
 * per map and reported as a loss (map_full_inserts), never an entry
 * silently evicted.  The counters' order is the record's.
 */
#ifndef __CT_MAPFULL_H
#define __CT_MAPFULL_H

#include "coldtrace.h"

enum ct_map_full {
	CT_MAPFULL_TRACKED,	/* opens: containers followed */
	CT_MAPFULL_HISTS,	/* opens: their histograms */
	CT_MAPFULL_GOFERS,	/* opens: runsc gofers */
	CT_MAPFULL_SLOWPATHS,	/* opens: --paths' slowest opens */
	CT_MAPFULL_FDS,		/* pulls: blob files open */
	CT_MAPFULL_OPENING,	/* pulls: blob files being opened */
	CT_MAPFULL_FUSE,	/* opens: FUSE requests in flight */
	CT_MAPFULL_NR,
};

/* The map's name, as the BPF objects and the reports call it. */
static inline const char *ct_map_full_name(int m)
{
	switch (m) {
	case CT_MAPFULL_TRACKED:	return "tracked";
	case CT_MAPFULL_HISTS:		return "hists";
	case CT_MAPFULL_GOFERS:		return "gofers";
	case CT_MAPFULL_SLOWPATHS:	return "slowpaths";
	case CT_MAPFULL_FDS:		return "fds";
	case CT_MAPFULL_OPENING:	return "opening";
	case CT_MAPFULL_FUSE:		return "fuse";
	}
	return "?";
}

/*
 * CT_EV_MAPFULL: made by userspace from the kernel's counters (totals
 * since the session's start) whenever one grew, and at the end, so that
 * --record keeps them.
 */
#define CT_MAPFULL_SLOTS	8

struct ct_mapfull_rec {
	struct ct_hdr hdr;
	__u64 refused[CT_MAPFULL_SLOTS];	/* enum ct_map_full; rest 0 */
};

_Static_assert(CT_MAPFULL_NR <= CT_MAPFULL_SLOTS, "CT_MAPFULL_SLOTS");
_Static_assert(sizeof(struct ct_mapfull_rec) == 72 + 8 * CT_MAPFULL_SLOTS,
	       "ct_mapfull_rec ABI");

#endif /* __CT_MAPFULL_H */
