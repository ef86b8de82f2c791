#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# How a live session ends and starts (2, 3, 5):
# - -d or SIGTERM ends it within 1 s even while COMMAND runs on: COMMAND
#   gets SIGTERM, and one that ignores it is left running and named;
# - unusable outputs (--record DIR, -o /proc/x) fail in under a second,
#   before anything is attached;
# - a full or closed standard output is an error, never a silent exit 0;
#   a pipe whose reader left (`| head -1`) is none: the session ends
#   within a second of its next write, status 0, nothing said;
# - the OTLP resource names the host (uname -n, /etc/machine-id, or
#   NODE_NAME), and a replay of the session's recording names it alike;
# - in -j mode a COMMAND that cannot run is a JSON error on stdout.
. "$(dirname "$0")/lib.sh"

bad=0
# run_ct, but 124 (after -d) and 127 (no COMMAND) are answers here
ct() {
	CT_RC=0
	timeout -s KILL 60 "$COLDTRACE" "$@" >"$T/out" 2>"$T/err" </dev/null ||
		CT_RC=$?
}
ms_now() { echo $(($(date +%s%N) / 1000000)); }
# check WHAT COND: note and remember a failure
check() {
	if eval "$2"; then
		note "ok: $1"
	else
		note "FAILED: $1 ($2)"
		show_output
		bad=1
	fi
}

# 1. -d with a longer COMMAND: out at the end (2 s + attach), status 124
t0=$(ms_now)
ct --no-opens -d 2 -- sleep 15
dt=$(($(ms_now) - t0))
check "-d 2 -- sleep 15 exits after ${dt} ms, status $CT_RC" \
	'[ "$dt" -lt 3500 ] && [ "$CT_RC" -eq 124 ]'
check "sleep 15 was stopped" '! pgrep -x -f "sleep 15" >/dev/null'

# 1. SIGTERM while COMMAND runs: out within 1 s of the signal, 143
"$COLDTRACE" --no-opens -- sleep 16 >"$T/out" 2>"$T/err" &
pid=$!
sleep 2
t0=$(ms_now)
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
dt=$(($(ms_now) - t0))
check "SIGTERM: exit ${dt} ms after the signal, status $rc" \
	'[ "$dt" -lt 1000 ] && [ "$rc" -eq 143 ]'
check "sleep 16 was stopped" '! pgrep -x -f "sleep 16" >/dev/null'

# 1. a COMMAND that ignores SIGTERM is left running, and said so
t0=$(ms_now)
ct --no-opens -d 1 -- sh -c 'trap "" TERM; sleep 17; :'
dt=$(($(ms_now) - t0))
check "-d 1 with a stubborn COMMAND exits after ${dt} ms" \
	'[ "$dt" -lt 2500 ] && [ "$CT_RC" -eq 124 ]'
check "stderr names the command left running" \
	'grep -q "still running after the session ended; left running" "$T/err"'
pkill -x -f "sleep 17" || true

# 2. unusable outputs: refused before attaching, in under a second
for args in "--record $T" "-o /proc/x" "--record /proc/x/rec.ctrec"; do
	t0=$(ms_now)
	# shellcheck disable=SC2086
	ct --no-opens -d 30 $args
	dt=$(($(ms_now) - t0))
	check "$args: refused in ${dt} ms: $(head -c 200 "$T/err")" \
		'[ "$dt" -lt 1000 ] && [ "$CT_RC" -ne 0 ] && [ "$(grep -c . "$T/err")" -eq 1 ]'
done
check "no ./--replay or stray file was made" '! [ -e /proc/x ]'

# 3. standard output full or closed
rc=0
"$COLDTRACE" -j --no-opens -d 1 >/dev/full 2>"$T/err" || rc=$?
check "-j >/dev/full: status $rc, $(head -c 200 "$T/err")" \
	'[ "$rc" -ne 0 ] && grep -q "standard output failed" "$T/err"'
rc=0
"$COLDTRACE" -j --no-opens -d 1 >&- 2>"$T/err" || rc=$?
check ">&-: status $rc, $(head -c 200 "$T/err")" \
	'[ "$rc" -ne 0 ] && grep -q "standard output is closed" "$T/err"'
# the reader leaves after one line: replayed, and live (-i 1: a summary
# a second, the second one finds the pipe gone)
rc=0
"$COLDTRACE" --replay "$TOP/tests/fixtures/cri-concurrent3.ctrec" -j \
	2>"$T/err" | head -n 1 >/dev/null || rc=${PIPESTATUS[0]}
check "--replay -j | head -n 1: status $rc, stderr '$(head -c 200 "$T/err")'" \
	'[ "$rc" -eq 0 ] && [ ! -s "$T/err" ]'
rc=0 t0=$(ms_now)
timeout -s KILL 30 "$COLDTRACE" -j --no-opens -i 1 2>"$T/err" </dev/null |
	head -n 1 >/dev/null || rc=${PIPESTATUS[0]}
dt=$(($(ms_now) - t0))
check "live -j -i 1 | head -n 1: status $rc after $dt ms, stderr '$(head -c 200 "$T/err")'" \
	'[ "$rc" -eq 0 ] && [ "$dt" -lt 10000 ] && [ ! -s "$T/err" ]'

# 4. the host it ran on, in the OTLP resource, live and replayed alike
# (the HOST record): uname -n and /etc/machine-id, or NODE_NAME
rattr() {	# FILE KEY
	jq -r --arg k "$2" '.resourceSpans[0].resource.attributes[] |
		select(.key == $k) | .value.stringValue' "$1"
}
ct -d 1 --no-opens -o "$T/h" --record "$T/h.ctrec"
"$COLDTRACE" --replay "$T/h.ctrec" -o "$T/h2" >/dev/null 2>&1 || true
check "host.name $(rattr "$T/h/otlp-traces.jsonl" host.name), host.id $(rattr "$T/h/otlp-traces.jsonl" host.id)" \
	'[ "$(rattr "$T/h/otlp-traces.jsonl" host.name)" = "$(uname -n)" ] &&
	 [ "$(rattr "$T/h/otlp-traces.jsonl" host.id)" = "$(head -c 32 /etc/machine-id)" ]'
check "the replay's OTLP is the live session's, byte for byte" \
	'cmp -s "$T/h/otlp-traces.jsonl" "$T/h2/otlp-traces.jsonl"'
NODE_NAME=node-x ct -d 1 --no-opens -o "$T/h3"
check "NODE_NAME=node-x: host.name and k8s.node.name" \
	'[ "$(rattr "$T/h3/otlp-traces.jsonl" host.name)" = node-x ] &&
	 [ "$(rattr "$T/h3/otlp-traces.jsonl" k8s.node.name)" = node-x ]'

# 5. -j: a COMMAND that cannot run, and a bad option, as JSON errors
ct -j --no-opens -- /nonexistent/cmd
check "-j -- /nonexistent/cmd: status $CT_RC" \
	'[ "$CT_RC" -eq 127 ] && jq -e "select(.type == \"error\") | .error | test(\"/nonexistent/cmd\")" "$T/out" >/dev/null'
ct -j --bogus
check "-j --bogus: status $CT_RC" \
	'[ "$CT_RC" -eq 2 ] && jq -e "select(.type == \"error\")" "$T/out" >/dev/null'

[ $bad -eq 0 ] || fail "session start and end"
