// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The stdout sink of a session's mode: see sink.h. */
#include "sink.h"

const struct ct_sink *ct_sink_pick(bool json, bool dump)
{
	if (json)
		return &ct_sink_jsonl;
	return dump ? &ct_sink_dump : &ct_sink_table;
}
