# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# shellcheck shell=bash
#
# --why's wait sites as the tests check them (docs/why.md, "How a
# phase's off-CPU time is attributed"), over the container and pod
# records of a -j output file.  Source after lib.sh.

# Every phase's lines add up (the sites, other, preempted and
# unattributed to its carrier's off-CPU time; that, nested and no
# carrier to its split's runq, io and sleep) and no stack was lost.
why_waits_add_up() {	# FILE MODE
	local bad
	bad=$(jq -c 'select(.type == "container" or .type == "pod") | .id as $id
		| .phases | to_entries[] | select(.value.waits) | .value as $p
		| select(([$p.waits.sites[] | .ns + .runq_ns] | add // 0)
			+ $p.waits.other_ns + $p.waits.preempted_ns + $p.waits.unattributed_ns
			!= $p.waits.offcpu_ns or $p.waits.offcpu_ns + $p.waits.nested_ns
			+ $p.waits.no_carrier_ns != $p.runq_ns + $p.io_ns + $p.sleep_ns
			or $p.waits.lost_stacks > 0) | {id: $id, phase: .key,
			sites: ([$p.waits.sites[] | .ns + .runq_ns] | add // 0),
			waits: ($p.waits | del(.sites)),
			split: [$p.runq_ns, $p.io_ns, $p.sleep_ns]}' "$1")
	[ -z "$bad" ] || fail "$2: waits that do not add up or lost stacks: $bad"
}

# A complete container or pod record's cell, as jq: "runtime/engine",
# a pod's with " pod" (its engine is "cri").
WHY_CELL='def cell: .runtime + "/" + .engine + (if .type == "pod" then " pod" else "" end);
	def timed: (.type == "container" or .type == "pod") and .complete;'

# What a failed cell phase did not explain, per record: its unattributed
# time and its sites that no wakeup ended.
why_uncovered() {	# FILE BAD-CELLS
	jq -c --slurpfile bad <(echo "$2") "$WHY_CELL"'
		select(timed) | . as $c | cell as $cell
		| .phases | to_entries[] | select(.value.waits) | .key as $ph
		| select(any($bad[]; .cell == $cell and .phase == $ph))
		| {cell: $cell, phase: $ph, id: $c.id[0:12], off: .value.waits.offcpu_ns,
		   un: .value.waits.unattributed_ns,
		   unwoken: [.value.waits.sites[] | select(.waker.kind == "none")]}' "$1"
}

# Per cell (runtime/engine; a pod's engine is "cri") and phase, summed
# over its complete records, phases with 1 ms or more of the carriers'
# own off-CPU time: at least 90 % of it given to a named site with a
# named waker (not unattributed, not a wait no wakeup ended); at least
# MIN such cell phases.  The cells' lines go to stderr.
why_coverage() {	# FILE MODE MIN
	local n bad
	jq -c "$WHY_CELL"'
		select(timed) | . as $c | .phases | to_entries[] | select(.value.waits)
		| .value.waits as $w
		| {cell: ($c | cell),
		   phase: .key, off: $w.offcpu_ns,
		   un: ($w.unattributed_ns + ([$w.sites[] | select(.waker.kind == "none")
			| .ns + .runq_ns] | add // 0))}' "$1" |
		jq -s -c 'group_by([.cell, .phase])[] | {cell: .[0].cell,
			phase: .[0].phase, off_ms: ((map(.off) | add) / 1e6),
			cov: (1 - (map(.un) | add) / ((map(.off) | add) + 1e-9))}' \
		>"$T/coverage"
	jq -r '"\(.cell) \(.phase): \(.off_ms | floor) ms, \(.cov * 1000 | floor / 10) %"' \
		"$T/coverage" | paste -sd ';' | fold -w 200 >&2
	n=$(jq -s 'map(select(.off_ms >= 1)) | length' "$T/coverage")
	[ "$n" -ge "$3" ] || fail "$2: only $n cell phases with 1 ms of off-CPU time (want $3)"
	bad=$(jq -c 'select(.off_ms >= 1 and .cov < 0.9)' "$T/coverage")
	[ -z "$bad" ] || {
		why_uncovered "$1" "$bad" >&2
		fail "$2: phases whose waits explain less than 90 %: $bad"
	}
}
