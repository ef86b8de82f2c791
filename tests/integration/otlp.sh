#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# --otlp=URL against an OTLP/HTTP receiver that is not coldtrace's own:
# node/otlp_receiver.js decodes each request with the protobuf code
# OpenTelemetry JS generated from opentelemetry-proto, and
# node/check_otlp.js compares what it took with the -j records of the
# same replay.  Replays only: no root, no harness; run alone as
# tests/integration/otlp.sh, or through run.sh.
#
#  1. a collector that takes everything: every span of every record of
#     the fixtures (containers, CRI pods named by HOST and IDENT records
#     as a live session makes them, an image pull, --why, chains,
#     restarts), ids, parents, times to the ns, the conventions' keys,
#     --why's wait sites as the phase spans' events;
#     the summary's counts; an explicit path used as given
#  2. 503 with Retry-After: 1, then 200: one retry, 1 s later at least
#  3. 400: every span counted rejected in summary.json, none sent
#  4. a partial success: its rejected_spans counted, the rest sent
#  5. nothing listening: every span counted dropped, the replay 5 s
#     (the end's flush) and 1.5 s longer than without --otlp at most
#  6. a collector that answers after 20 s: the same bound, every span
#     counted
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OWN_DIR=
if [ -z "${CT_DIR:-}" ]; then	# alone: a scratch dir of its own
	OWN_DIR=$(mktemp -d /tmp/ct-otlp.XXXXXX)
	export CT_DIR=$OWN_DIR
fi
. "$TOP/tests/integration/lib.sh"

FIX=$TOP/tests/fixtures
# the end's flush (otlp_push.h CT_OTLP_FLUSH_NS) and what a replay may
# take beyond it on this shared 2-core host
FLUSH_MS=5000
SLACK_MS=1500
RPID=

cleanup() {
	[ -z "$RPID" ] || kill "$RPID" 2>/dev/null || true
	cleanup_test
	[ -z "$OWN_DIR" ] || rm -rf "$OWN_DIR"
}
trap cleanup EXIT

node_deps

# A receiver in MODE (otlp_receiver.js) on a loopback port: RPORT, RLOG.
start_receiver() {
	rm -f "$T/port"
	RLOG=$T/log.$1
	: >"$RLOG"
	node "$NODE_DIR/otlp_receiver.js" "$T/port" "$RLOG" "$@" \
		2>"$T/receiver.err" &
	RPID=$!
	for _ in $(seq 100); do
		[ -s "$T/port" ] && break
		kill -0 "$RPID" 2>/dev/null ||
			fail "receiver $1: $(cat "$T/receiver.err")"
		sleep 0.05
	done
	[ -s "$T/port" ] || fail "receiver $1 did not listen"
	RPORT=$(cat "$T/port")
}

stop_receiver() {
	kill "$RPID" 2>/dev/null || true
	wait "$RPID" 2>/dev/null || true
	RPID=
}

# The replay with --otlp and its wall time: ELAPSED_MS.
replay() {
	local t0
	t0=$(date +%s%N)
	run_ct --replay "$@"
	ELAPSED_MS=$((($(date +%s%N) - t0) / 1000000))
	[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace --replay $*: status $CT_RC"; }
}

check() {	# check_otlp.js LOG JSONL ARGS... -> $T/check (one JSON line)
	node "$NODE_DIR/check_otlp.js" "$@" >"$T/check" 2>&1 || {
		cat "$T/check" >&2
		fail "check_otlp.js $*"
	}
}

# ---- 1. every span ----
python3 "$TOP/tests/integration/otlp_names.py" "$FIX/cri-runc.ctrec" \
	<("$COLDTRACE" --replay "$FIX/cri-runc.ctrec" -j) "$T/cri-named.ctrec" \
	"$T/names.json" node-otlp
start_receiver ok
total=0
for f in "$T/cri-named.ctrec" "$FIX/docker-runc.ctrec" "$FIX/docker-pull.ctrec" \
	"$FIX/docker-why.ctrec" "$FIX/chain-cold.ctrec" "$FIX/docker-restart.ctrec" \
	"$FIX/cri-concurrent3.ctrec" "$FIX/runsc-run.ctrec" "$FIX/runc-nostart.ctrec" \
	"$FIX/runc-hook-waits.ctrec"; do
	name=$(basename "$f" .ctrec)
	: >"$RLOG"
	replay "$f" --why -j --otlp="http://127.0.0.1:$RPORT"
	# a recording made with the host's names (CT_EV_HOST) says them
	host=$("$COLDTRACE" --replay "$f" --dump 2>/dev/null |
		sed -n 's/.* HOST .* name="\([^"]*\)".*/\1/p' | head -n 1)
	if [ "$name" = cri-named ]; then
		check "$RLOG" "$T/out" --strict --host node-otlp --names "$T/names.json"
	elif [ -n "$host" ]; then
		check "$RLOG" "$T/out" --strict --host "$host"
	else
		check "$RLOG" "$T/out" --strict
	fi
	n=$(jq .received "$T/check")
	[ "$n" -gt 0 ] || fail "$name: no span received"
	total=$((total + n))
	note "$name: $(jq -c '{expected, received, requests, records}' "$T/check") in $ELAPSED_MS ms"
done
# an endpoint with a path of its own is used as it is
: >"$RLOG"
replay "$FIX/docker-runc.ctrec" -j --otlp="http://127.0.0.1:$RPORT/otlp/v1/traces"
check "$RLOG" "$T/out" --strict --path /otlp/v1/traces
stop_receiver
note "every span: $total received, each as the records say"

# ---- 2. 503 (Retry-After: 1), then 200 ----
start_receiver 503 1
replay "$FIX/chain-cold.ctrec" -j --otlp="http://127.0.0.1:$RPORT"
stop_receiver
check "$RLOG" "$T/out"
jq -e '.answers["503"] == 1 and .received == .expected and
	.summary.retries == 1 and .summary.spans_sent == .expected and
	.gaps_ms[0] >= 1000' "$T/check" >/dev/null ||
	fail "503 then 200: $(cat "$T/check")"
note "503 then 200: $(jq -c '{expected, received, answers, retries: .summary.retries, first_gap_ms: .gaps_ms[0]}' "$T/check")"

# ---- 3. 400: rejected, counted in summary.json ----
start_receiver 400
replay "$FIX/chain-cold.ctrec" -j -o "$T/o400" --otlp="http://127.0.0.1:$RPORT"
stop_receiver
check "$RLOG" "$T/out"
want=$(jq .expected "$T/check")
jq -e --argjson n "$want" '.otlp.spans_sent == 0 and
	.otlp.spans_dropped.rejected == $n and .otlp.retries == 0 and
	.otlp.spans_dropped.queue_full + .otlp.spans_dropped.retries_exhausted +
	.otlp.spans_dropped.shutdown == 0' "$T/o400/summary.json" >/dev/null ||
	fail "400: summary.json $(jq -c .otlp "$T/o400/summary.json"), $want spans"
grep -q 'coldtrace_otlp_spans_dropped_total{reason="rejected"} '"$want"'$' \
	"$T/o400/metrics.prom" || fail "400: metrics.prom"
note "400: $want spans, summary.json $(jq -c .otlp.spans_dropped "$T/o400/summary.json")"

# ---- 4. a partial success of 2 rejected spans a request ----
start_receiver partial 2
replay "$FIX/chain-cold.ctrec" -j --otlp="http://127.0.0.1:$RPORT"
stop_receiver
check "$RLOG" "$T/out"
jq -e '.received == .expected and
	.summary.spans_dropped.rejected == 2 * .summary.requests and
	.summary.spans_sent + .summary.spans_dropped.rejected == .expected' \
	"$T/check" >/dev/null || fail "partial: $(cat "$T/check")"
note "partial success: $(jq -c '{expected, requests: .summary.requests, rejected: .summary.spans_dropped.rejected}' "$T/check")"

# ---- 5. nothing listening ----
replay "$FIX/chain-cold.ctrec" -j -o "$T/obase"
base=$ELAPSED_MS	# the same replay without --otlp
start_receiver ok
stop_receiver		# its port, free now
replay "$FIX/chain-cold.ctrec" -j -o "$T/odown" --otlp="http://127.0.0.1:$RPORT"
jq -e --argjson n "$want" '.otlp.spans_sent == 0 and .otlp.retries > 0 and
	.otlp.spans_dropped.retries_exhausted + .otlp.spans_dropped.shutdown == $n and
	.otlp.spans_dropped.queue_full + .otlp.spans_dropped.rejected == 0' \
	"$T/odown/summary.json" >/dev/null ||
	fail "down: summary.json $(jq -c .otlp "$T/odown/summary.json"), $want spans"
[ "$ELAPSED_MS" -le $((base + FLUSH_MS + SLACK_MS)) ] ||
	fail "down: the replay took $ELAPSED_MS ms ($base ms without --otlp)"
note "down: $want spans, summary.json $(jq -c '{retries: .otlp.retries, dropped: .otlp.spans_dropped}' "$T/odown/summary.json") in $ELAPSED_MS ms ($base ms without --otlp)"

# ---- 6. a collector that answers after 20 s ----
start_receiver slow 20000
replay "$FIX/chain-cold.ctrec" -j -o "$T/oslow" --otlp="http://127.0.0.1:$RPORT"
stop_receiver
jq -e --argjson n "$want" '.otlp.spans_sent == 0 and .otlp.spans_queued == 0 and
	.otlp.spans_dropped.shutdown + .otlp.spans_dropped.queue_full +
	.otlp.spans_dropped.retries_exhausted == $n' "$T/oslow/summary.json" \
	>/dev/null || fail "slow: summary.json $(jq -c .otlp "$T/oslow/summary.json")"
[ "$(jq -s '[.[] | select(.type == "container")] | length' "$T/out")" -eq 8 ] ||
	fail "slow: the records were not all printed"
[ "$ELAPSED_MS" -le $((base + FLUSH_MS + SLACK_MS)) ] ||
	fail "slow: the replay took $ELAPSED_MS ms ($base ms without --otlp)"
note "slow: $ELAPSED_MS ms ($base ms without --otlp), $(jq -c .otlp.spans_dropped "$T/oslow/summary.json")"
echo "otlp: ok"
