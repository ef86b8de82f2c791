// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Cold-start chains: their JSON object and the text report's section
 * (output.h). */
#include <inttypes.h>
#include <string.h>
#include "chain.h"
#include "output.h"

/* Parts per 10^4 of the wall time, printed as a share 0.xxxx. */
static uint64_t share_e4(uint64_t part, uint64_t wall)
{
	return wall ? (part * 10000 + wall / 2) / wall : 0;
}

static void json_chain_step(struct ct_json *w, const struct ct_chain_step *s)
{
	ct_json_start_object(w);
	ct_json_key(w, "id");
	ct_json_string_n(w, s->id, sizeof(s->id));
	if (s->name[0]) {
		ct_json_key(w, "name");
		ct_json_string_n(w, s->name, sizeof(s->name));
	}
	ct_json_kv_string(w, "runtime", ct_runtime_name(s->runtime));
	ct_json_kv_u64(w, "client_pid", s->client_pid);
	ct_json_key(w, "client_comm");
	ct_json_string_n(w, s->client_comm, sizeof(s->client_comm));
	ct_json_kv_u64(w, "request_ns", s->request_ns);
	ct_json_kv_u64_or_null(w, "stdin_ns", s->stdin_ns);
	ct_json_kv_bool(w, "warm", s->warm);
	ct_json_kv_u64(w, "needed_ns", s->needed_ns);
	ct_json_kv_u64(w, "ready_ns", s->ready_ns);
	ct_json_kv_string(w, "ready_by", s->has_ready ? "ready" : "start");
	ct_json_kv_u64(w, "result_ns", s->result_ns);
	if (s->running)
		ct_json_kv_bool(w, "running", true);
	ct_json_kv_u64(w, "cold_start_ns", s->cold_ns);
	ct_json_kv_u64(w, "work_ns", s->work_ns);
	ct_json_key(w, "after");
	if (s->after >= 0)
		ct_json_u64(w, (uint64_t)s->after);
	else
		ct_json_null(w);
	ct_json_kv_bool(w, "critical", s->critical);
	ct_json_kv_u64(w, "whatif_saving_ns", s->whatif_ns);
	ct_json_end_object(w);
}

void ct_json_chain(struct ct_json *w, const struct ct_chain *ch)
{
	ct_json_start_object(w);
	ct_json_kv_string(w, "type", "chain");
	ct_json_key(w, "runner");
	ct_json_start_object(w);
	ct_json_kv_u64(w, "pid", ch->runner_pid);
	ct_json_key(w, "comm");
	ct_json_string_n(w, ch->runner_comm, sizeof(ch->runner_comm));
	ct_json_kv_u64_or_null(w, "exec_ns", ch->runner_exec_ns);
	ct_json_kv_u64_or_null(w, "end_ns", ch->runner_end_ns);
	ct_json_end_object(w);
	ct_json_kv_u64(w, "start_ns", ch->start_ns);
	ct_json_kv_u64(w, "wall_ns", ch->wall_ns);
	ct_json_kv_bool(w, "parallel", ch->parallel);
	ct_json_kv_u64(w, "critical_steps", ch->n_critical);
	ct_json_kv_u64(w, "cold_start_ns", ch->cold_ns);
	ct_json_key(w, "cold_start_share");
	ct_json_decimal(w, share_e4(ch->cold_ns, ch->wall_ns), 4);
	ct_json_kv_u64(w, "whatif_saving_ns", ch->whatif_ns);
	ct_json_kv_u64(w, "whatif_wall_ns", ch->wall_ns - ch->whatif_ns);
	if (ch->dropped_steps)
		ct_json_kv_u64(w, "dropped_steps", ch->dropped_steps);
	ct_json_key(w, "steps");
	ct_json_start_array(w);
	for (uint32_t i = 0; i < ch->n_steps; i++)
		json_chain_step(w, &ch->steps[i]);
	ct_json_end_array(w);
	ct_json_end_object(w);
}

static void chain_text(FILE *f, const struct ct_chain *ch)
{
	fprintf(f, "runner %" PRIu32 " (", ch->runner_pid);
	ct_output_put_printable(f, ch->runner_comm, sizeof(ch->runner_comm),
		      (int)strnlen(ch->runner_comm, sizeof(ch->runner_comm)));
	fprintf(f, "): %" PRIu32 " steps%s, wall %.3f s, cold start on the "
		"critical path %.3f s (%.1f %%), pre-warming would save "
		"%.3f s\n", ch->n_steps, ch->parallel ? " (parallel branches)"
						      : "",
		ch->wall_ns / 1e9, ch->cold_ns / 1e9,
		share_e4(ch->cold_ns, ch->wall_ns) / 100.0,
		ch->whatif_ns / 1e9);
	fprintf(f, "  %-4s %-12s %-16s %7s %10s %10s %5s %4s %9s\n", "STEP",
		"ID", "NAME", "RUNTIME", "COLDms", "WORKms", "AFTER", "PATH",
		"SAVEms");
	for (uint32_t i = 0; i < ch->n_steps; i++) {
		const struct ct_chain_step *s = &ch->steps[i];

		fprintf(f, "  %-4" PRIu32 " ", i);
		ct_output_put_printable(f, s->id, sizeof(s->id), 12);
		fputc(' ', f);
		ct_output_put_printable(f, s->name, sizeof(s->name), 16);
		fprintf(f, " %7s %10.1f %10.1f ", ct_runtime_name(s->runtime),
			s->cold_ns / 1e6, s->work_ns / 1e6);
		if (s->after >= 0)
			fprintf(f, "%5d", s->after);
		else
			fprintf(f, "%5s", "-");
		fprintf(f, " %4s %9.1f%s%s\n", s->critical ? "*" : "",
			s->whatif_ns / 1e6, s->warm ? " (warm)" : "",
			s->has_ready ? "" : " (no ready: to start's end)");
	}
}

/*
 * Only workflows (ct_chain_is_workflow()): a script that runs containers
 * one after another is a chain too, but its "cold start on the critical
 * path" and pre-warming what-if say nothing; it is counted, and its chain
 * is in chains.jsonl and -j as every chain.
 */
void ct_output_chains(FILE *f, const struct ct_chains *t)
{
	struct ct_chain_stats st;
	size_t i, n = ct_chains_count(t), flows = 0;

	ct_chains_stats(t, &st);
	for (i = 0; i < n; i++)
		flows += ct_chain_is_workflow(ct_chains_get(t, i));
	if (!flows)
		return;
	fprintf(f, "\n# chains: containers asked for by one runner (the "
		"clients' parent), steps in the order they were needed\n");
	for (i = 0; i < n; i++)
		if (ct_chain_is_workflow(ct_chains_get(t, i)))
			chain_text(f, ct_chains_get(t, i));
	if (n > flows)
		fprintf(f, "not shown: %zu runners of containers in a row "
			"none of which became ready or took a request on "
			"stdin (scripts; in chains.jsonl, -j)\n", n - flows);
	if (st.single)
		fprintf(f, "runners with a single container (no chain): %"
			PRIu64 "\n", st.single);
	if (st.dropped_runners || st.dropped_kept)
		fprintf(f, "chains not kept: %" PRIu64 " runners (table full),"
			" %" PRIu64 " older chains\n", st.dropped_runners,
			st.dropped_kept);
}
