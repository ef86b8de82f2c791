#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# One container restarted 20 times with `docker restart` (same id) under
# coldtrace -o DIR: 21 generations, 20 restarts (summary.json
# runtimes.runc.restart.n), each restart window inside the wall-clock span
# of its own `docker restart` call; the export files (containers.jsonl,
# restarts.jsonl, phases.csv, summary.json, metrics.prom, trace.json,
# otlp-traces.jsonl) parse and agree with each other and with the -j
# records.
. "$(dirname "$0")/lib.sh"

n=${CT_RESTARTS:-20}
# A service that exits at once on SIGTERM (pid 1 has no default action
# for it), so `docker restart` does not wait for its 10 s stop timeout.
svc='trap "exit 0" TERM; while :; do sleep 1 & wait $!; done'

# Created before tracing so that -c keeps other people's containers on
# this host out of the counts; its first runtime action is `docker start`.
docker create --network none --cidfile "$T/cid" "$CT_IMAGE" sh -c "$svc" >/dev/null ||
	fail "docker create failed"
id=$(cat "$T/cid")
# Each `docker restart` call's wall-clock span: "t0 t1" per line in walls.
# shellcheck disable=SC2016 # expanded by the inner sh
run_ct -r runc -c "$id" -j -o "$T/o" -- sh -c '
	d=$1 id=$2 n=$3
	docker start "$id" >/dev/null || exit 1
	i=0
	while [ $i -lt "$n" ]; do
		i=$((i + 1))
		t0=$(date +%s%N)
		docker restart "$id" >/dev/null || exit 1
		echo "$t0 $(date +%s%N)" >>"$d/walls"
	done
	docker rm -f "$id" >/dev/null' sh "$T" "$id" "$n"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace or the restarts failed (status $CT_RC)"; }
[ "$(grep -c . "$T/walls")" -eq "$n" ] || fail "only $(grep -c . "$T/walls") of $n restarts ran"
for f in containers.jsonl restarts.jsonl phases.csv summary.json metrics.prom trace.json otlp-traces.jsonl; do
	[ -s "$T/o/$f" ] || { show_output; fail "$f missing or empty in the output dir"; }
done
for f in summary.json trace.json; do
	jq -e . "$T/o/$f" >/dev/null || fail "$f is not valid JSON"
done
for f in containers.jsonl restarts.jsonl; do
	jq -e . "$T/o/$f" >/dev/null || fail "$f is not valid JSON Lines"
done
# Prometheus' own linter, when installed (tools/install-deps.sh does)
if command -v promtool >/dev/null; then
	promtool check metrics <"$T/o/metrics.prom" ||
		fail "promtool check metrics rejects metrics.prom"
fi
got=$(jq -r '.runtimes.runc.restart.n // 0' "$T/o/summary.json")
note "$n restarts: summary.json restart n = $got, p50" \
	"$(jq -r '.runtimes.runc.restart.p50_ns // 0 | . / 1e6 | floor' "$T/o/summary.json") ms;" \
	"docker restart p50 $(awk '{ print int(($2 - $1) / 1e6) }' "$T/walls" | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }') ms"
[ "$got" = "$n" ] || { show_output; fail "summary.json runtimes.runc.restart.n is $got, expected $n"; }

$CHECK restart --dir "$T/o" --out "$T/out" --id "$id" --n "$n" --walls "$T/walls" ||
	fail "export files disagree (see FAIL lines above)"
