#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# --listen: /metrics counts the containers started while it
# runs, passes promtool, answers 404 / 431, and 100 concurrent scrapes
# neither crash it nor stop event processing (a container started after
# them is still counted, nothing lost or dropped); slow scrapers holding
# every connection get the rest 503 and stall nothing: a container started
# meanwhile is reported while they hold on.  --metrics-labels=id: our
# containers are counted by their own series, whatever else runs on a
# shared host (prometheus.sh checks the unlabelled sums).  Continuous
# mode (no -d) with -o DIR: the files are rewritten while it runs, every
# -i seconds (1 here; 60 by default, test_session.c), not only at its end.
. "$(dirname "$0")/lib.sh"

port=$((19000 + RANDOM % 1000))
url=http://127.0.0.1:$port
"$COLDTRACE" --listen 127.0.0.1:$port --metrics-labels=id -j -d 60 \
	>"$T/out" 2>"$T/err" &
ct=$!
for _ in $(seq 50); do
	curl -sf "$url/healthz" >/dev/null && break
	sleep 0.2
done
curl -sf "$url/healthz" | grep -qx ok || { show_output; fail "no /healthz"; }

for i in 1 2; do
	docker run --rm --network none --cidfile "$T/cid$i" "$CT_IMAGE" true \
		>/dev/null
done
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/nope")
[ "$code" = 404 ] || fail "bad path: HTTP $code, want 404"
resp=$(python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
try:
    s.sendall(b"GET /" + b"a" * (1 << 20) + b" HTTP/1.0\r\n\r\n")
except OSError:
    pass
print(s.recv(64).split(b"\r\n")[0].decode())' $port)
[[ "$resp" == "HTTP/1.0 431 "* ]] || fail "1 MB request line: '$resp'"
for _ in $(seq 100); do
	curl -s -o /dev/null -w '%{http_code}\n' "$url/metrics" &
done >"$T/codes"
wait $(jobs -p | grep -vx "$ct") 2>/dev/null || true
grep -qv -e '^200$' -e '^503$' "$T/codes" &&
	fail "concurrent scrapes: $(sort "$T/codes" | uniq -c | tr '\n' ' ')"
note "100 concurrent scrapes: $(sort "$T/codes" | uniq -c | tr '\n' ' ')"
docker run --rm --network none --cidfile "$T/cid3" "$CT_IMAGE" true >/dev/null

# Series of our container $1 (labels up to container_id): count $2 of
# family $3 (default containers_total), phase/le labels in $4.
mine() {
	local id
	id=$(cat "$T/cid$1")
	grep -qF "coldtrace_${3:-containers_total}{container_runtime=\"runc\",engine=\"docker\",container_id=\"$id\"${4:-}} $2" \
		"$T/scrape"
}
# the third container lands once it is destroyed: poll for it
for _ in $(seq 50); do
	curl -s "$url/metrics" >"$T/scrape"
	mine 1 1 && mine 2 1 && mine 3 1 && break
	sleep 0.2
done
for i in 1 2 3; do
	mine $i 1 || { show_output; fail "container $i not counted once"; }
	mine $i 1 phase_duration_seconds_bucket ',phase="create",le="+Inf"' ||
		fail "container $i: no create histogram"
done
grep -q '^coldtrace_lost_events_total 0$' "$T/scrape" || fail "lost events"
for c in dropped_containers dropped_processes malformed_records; do
	grep -q "^coldtrace_${c}_total 0$" "$T/scrape" || fail "$c"
done
promtool check metrics <"$T/scrape" || fail "promtool check metrics"

# Slow scrapers: 20 clients send half a request head and wait, holding
# all 16 connections (the server drops them after 5 s).
python3 -c '
import socket, sys, time
held = [socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	for _ in range(20)]
for s in held:
    s.sendall(b"GET /metrics HTTP/1.0\r\n")
open(sys.argv[2], "w").close()
time.sleep(8)' $port "$T/held" &
slow=$!
# python may take seconds to start on a loaded host: wait for its sends
for _ in $(seq 200); do
	[ -e "$T/held" ] && break
	sleep 0.1
done
[ -e "$T/held" ] || fail "the slow scrapers did not connect"
t0=$(date +%s%N)
sleep 0.3
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/metrics")
[ "$code" = 503 ] || fail "slots held by slow scrapers: HTTP $code, want 503"
docker run --rm --network none --cidfile "$T/cid" "$CT_IMAGE" true >/dev/null
for _ in $(seq 40); do
	records | grep -q "\"id\":\"$(cat "$T/cid")\"" && break
	sleep 0.1
done
dt=$((($(date +%s%N) - t0) / 1000000))
records | grep -q "\"id\":\"$(cat "$T/cid")\"" ||
	fail "container not reported while slow scrapers held on"
kill -0 $slow 2>/dev/null || fail "slow scrapers gone before the check"
[ $dt -lt 4500 ] || fail "reported after $dt ms: slots were freed by then"
note "slow scrapers: HTTP 503 for others, container reported after $dt ms"
wait $slow
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/metrics")
[ "$code" = 200 ] || fail "after the slow scrapers: HTTP $code"
kill -INT $ct
wait $ct || fail "coldtrace exited $?"

# Continuous mode: -o DIR's files hold a container before the session ends.
mkdir "$T/dir"
"$COLDTRACE" --listen 127.0.0.1:$((port + 1)) -o "$T/dir" -i 1 -j \
	>"$T/out" 2>"$T/err" &
ct=$!
for _ in $(seq 50); do
	curl -sf "http://127.0.0.1:$((port + 1))/healthz" >/dev/null && break
	sleep 0.2
done
# a fresh /metrics: every pair this host can run at 0, its counters and
# cold-start histogram only; a pair at 0 is one of them
curl -s "http://127.0.0.1:$((port + 1))/metrics" >"$T/fresh"
installed_pairs >"$T/installed"
[ -s "$T/installed" ] || fail "no runtime and engine installed: nothing to check"
pairs_at_zero "$T/fresh" | sort >"$T/zero"
sort "$T/installed" | cmp -s - "$T/zero" ||
	fail "pairs at 0: $(tr '\n' ',' <"$T/zero"), installed: $(tr '\n' ',' <"$T/installed")"
while read -r r e; do
	l="container_runtime=\"$r\",engine=\"$e\""
	grep -qx "coldtrace_cold_start_seconds_bucket{$l,le=\"+Inf\"} 0" "$T/fresh" ||
		fail "fresh /metrics: no cold-start histogram at 0 for $r/$e"
	! grep -q "^coldtrace_phase_duration_seconds_count{$l," "$T/fresh" ||
		fail "fresh /metrics: phase series for $r/$e, not seen"
done <"$T/installed"
promtool check metrics <"$T/fresh" || fail "promtool check metrics (fresh)"
note "fresh /metrics: $(wc -l <"$T/installed") installed pairs at 0, $(wc -l <"$T/fresh") lines"
docker run --rm --network none --cidfile "$T/cidc" "$CT_IMAGE" true >/dev/null
t0=$(date +%s%N)
for _ in $(seq 50); do
	grep -qF "\"id\":\"$(cat "$T/cidc")\"" "$T/dir/containers.jsonl" \
		2>/dev/null && break
	sleep 0.2
done
dt=$((($(date +%s%N) - t0) / 1000000))
kill -0 $ct 2>/dev/null || { show_output; fail "continuous session ended"; }
grep -qF "\"id\":\"$(cat "$T/cidc")\"" "$T/dir/containers.jsonl" ||
	{ show_output; fail "-o DIR not rewritten while the session runs"; }
[ "$(jq .final "$T/dir/summary.json")" = false ] ||
	fail "summary.json: want \"final\": false while the session runs"
grep -q '^coldtrace_containers_total{' "$T/dir/metrics.prom" ||
	fail "metrics.prom: no container counted"
jq -e 'select(.final == false)' "$T/out" >/dev/null ||
	fail "-i 1: no running summary on stdout"
note "continuous -o DIR -i 1: container in containers.jsonl after $dt ms"
kill -INT $ct
wait $ct || fail "continuous coldtrace exited $?"
[ "$(jq .final "$T/dir/summary.json")" = true ] ||
	fail "summary.json at the end: want \"final\": true"
# metrics.prom is the containers' alone: no pair at 0
[ -z "$(pairs_at_zero "$T/dir/metrics.prom")" ] ||
	fail "metrics.prom: pairs at 0: $(pairs_at_zero "$T/dir/metrics.prom" | tr '\n' ',')"
