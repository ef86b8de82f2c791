#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Cold-start chains (docs/results/chain.md): the chain
# experiment's runner (tools/experiments/chain.d/runner) in quick mode,
# three steps of 0.3/0.7/0.5 s, cold: one round under runc, one under
# runsc, then two runners at once under runc; then warm rounds (all
# three ready before the workflow) under runc and runsc and a pre-warmed
# one under runc, in one traced session.
#  - one chain of 3 serial steps per runner (matched by the runner's
#    pid), its steps the runner's containers in order and no other;
#  - the chain's wall time within 5 % of the runner's own (first request
#    -> last answer);
#  - cold: each step's cold start > 0 and within its step's wall time
#    (request -> result);
#  - warm: every step warm, no cold start on the path;
#  - pre-warmed: the two pre-warmed steps needed at their requests (their
#    clients' stdin), each with less than its own cold start on the path.
. "$(dirname "$0")/lib.sh"

D=$TOP/tools/experiments/chain.d
IMG=$("$D/image.sh") || fail "could not build the step image"
PREFIX=ct-chain-$$
trap 'docker ps -aq --filter "name=$PREFIX" | xargs -r docker rm -f >/dev/null 2>&1; cleanup_test' EXIT

cat >"$T/rounds.sh" <<EOS
#!/bin/bash
set -e
one() {	# RUNTIME NAME [MODE]
	local w
	w=\$(mktemp -d "$T/fifo.XXXXXX")
	"$D/runner" "\${3:-cold}" "\$1" "$IMG" "$PREFIX-\$2" "\$w" 300 700 500 >"$T/runner.\$2"
}
one runc seq
one runsc runsc
one runc par1 &
one runc par2 &
wait
one runc warm warm
one runsc warmsc warm
one runc pre prewarm
EOS
chmod +x "$T/rounds.sh"
run_ct -j -- "$T/rounds.sh"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }

# What the records of the runner's containers missing from its chain say
# (a step needs an exact client, the runner as its parent, a start or a
# ready, and no failure).
missing() {	# RUNNER-JSON CHAIN-JSON
	jq -c --argjson r "$1" --argjson c "$2" 'select(.type == "container"
		and (.name as $n | ($r.names | index($n)) != null) and
		(.name as $n | ([$c.steps[].name] | index($n)) == null)) |
		{name, complete, failed, client: (.client // null | if . then
		{pid, ppid, parent_comm, exec_ns} else null end),
		phases: (.phases | map_values(.dur_ns))}' "$T/out" >&2
	jq -c 'select(.type == "summary") | {lost_events, ambiguous_clients,
		dropped_containers, expired_containers}' "$T/out" >&2
}

check_chain() {	# NAME MODE
	local n=$1 mode=$2 r pid c
	r=$(cat "$T/runner.$n")
	pid=$(jq -r .runner_pid <<<"$r")
	c=$(jq -c --argjson pid "$pid" 'select(.type == "chain" and
		.runner.pid == $pid)' "$T/out")
	[ "$(grep -c . <<<"$c")" -eq 1 ] ||
		{ show_output; fail "$n: not one chain for runner $pid"; }
	jq -e --argjson r "$r" '[.steps[].name] == $r.names' <<<"$c" >/dev/null ||
		{ missing "$r" "$c"; fail "$n: steps $(jq -c '[.steps[].name]' <<<"$c"), runner's $(jq -c .names <<<"$r")"; }
	jq -e '.parallel == false and .critical_steps == 3 and
		.runner.comm == "runner" and
		([.steps[].after] == [null, 0, 1])' <<<"$c" >/dev/null ||
		fail "$n: not 3 serial steps: $c"
	jq -e --argjson r "$r" '(.wall_ns - $r.wall_ns) |
		(if . < 0 then -. else . end) <= 0.05 * $r.wall_ns' <<<"$c" >/dev/null ||
		fail "$n: chain wall $(jq .wall_ns <<<"$c") vs runner $(jq .wall_ns <<<"$r")"
	case $mode in
	cold)
		jq -e 'all(.steps[]; .cold_start_ns > 0 and .ready_by == "ready"
			and .warm == false and
			.cold_start_ns <= .result_ns - .request_ns)' <<<"$c" >/dev/null ||
			fail "$n: a step's cold start is not within (0, its wall]: $c" ;;
	warm)
		jq -e '.cold_start_ns == 0 and all(.steps[]; .warm and
			.cold_start_ns == 0 and .stdin_ns > .ready_ns)' <<<"$c" >/dev/null ||
			fail "$n: warm steps with a cold start on the path: $c" ;;
	prewarm)
		jq -e '.steps[0].warm == false and .steps[0].cold_start_ns > 0 and
			all(.steps[1:][]; .needed_ns == .stdin_ns and
			.cold_start_ns < .ready_ns - .request_ns)' <<<"$c" >/dev/null ||
			fail "$n: pre-warmed steps not needed at their requests: $c" ;;
	esac
	note "$n ($mode): chain wall $(jq '.wall_ns / 1e6 | floor' <<<"$c") ms," \
		"runner's $(jq '.wall_ns / 1e6 | floor' <<<"$r") ms, cold starts" \
		"$(jq -c '[.steps[].cold_start_ns / 1e6 | floor]' <<<"$c") ms," \
		"share $(jq .cold_start_share <<<"$c"), what-if" \
		"$(jq '.whatif_saving_ns / 1e6 | floor' <<<"$c") ms"
}

for n in seq runsc par1 par2; do
	check_chain "$n" cold
done
check_chain warm warm
check_chain warmsc warm
check_chain pre prewarm
# Other people's runners on this host make chains of their own: ours
# are the 21 steps named by our prefix, each in its runner's chain only.
ours=$(jq -r --arg p "$PREFIX-" 'select(.type == "chain") | .steps[].name |
	select(startswith($p))' "$T/out" | grep -c .) || true
[ "$ours" -eq 21 ] || { show_output; fail "$ours steps of ours in chains, not 21"; }
echo "chain: 7 chains of 3 steps (4 cold, 2 warm, 1 pre-warmed), each its runner's"
