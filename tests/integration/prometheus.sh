#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# A real Prometheus server (Debian's /usr/bin/prometheus on 127.0.0.1,
# its own data dir) scrapes `coldtrace --listen` every second while 20
# containers run under runc (`ctr run`: engine containerd, a shim) and 5
# under runsc (`runsc run`: engine direct):
# - sum by (container_runtime) (coldtrace_containers_total) is 20 and 5,
#   and so is the count of their cold_start histograms;
# - histogram_quantile(0.5) of the runc create buckets lies in the same
#   bucket as coldtrace's own summary p50 of create;
# - the last scrape passes promtool and is metrics.prom, byte for byte,
#   as coldtrace writes it at exit (one writer for both), but for the
#   self-metrics that only /metrics has;
# - a scrape asking for gzip (as Prometheus does) gets it, promtool-clean;
# - before any container, the runsc series are there at 0 (-r names the
#   scope: the default one exports only the pairs seen); after the
#   burst of runsc containers, the README's queries are right:
#   increase(coldtrace_containers_total[5m]) is the burst's size and
#   histogram_quantile(0.99, ... rate(coldtrace_cold_start_seconds_bucket
#   [5m])) a number in the bucket of coldtrace's own runsc p99;
# - no loss of any kind: each kind's family is there, at 0;
# - open latency has a _sum; no image was pulled: the pull series are
#   there at 0 (the scope is named);
# - self-metrics: process_resident_memory_bytes, process_cpu_seconds_total,
#   process_start_time_seconds, one run-time series per BPF program,
#   the wall clock's step gauge (under 10 ms: nobody steps it here).
# Their ids are ours (ID_PREFIX, coldtrace -c), so that other people's
# containers on a shared host cannot change a count.
. "$(dirname "$0")/lib.sh"

command -v prometheus >/dev/null || fail "no prometheus: tools/install-deps.sh installs it"
NRUNC=20
NRUNSC=5
ID_PREFIX=ct-prom-$$-

ctport=$((19000 + RANDOM % 1000))
pport=$((20000 + RANDOM % 1000))
prom=http://127.0.0.1:$pport
cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: coldtrace
    static_configs:
      - targets: ["127.0.0.1:$ctport"]
EOF
promtool check config "$T/prometheus.yml" >/dev/null ||
	fail "promtool check config"

"$COLDTRACE" --listen 127.0.0.1:$ctport -r runc,runsc -c "$ID_PREFIX" -j \
	-o "$T/dir" -d 200 \
	>"$T/out" 2>"$T/err" &
ct=$!
prometheus --config.file="$T/prometheus.yml" \
	--storage.tsdb.path="$T/prom-data" \
	--web.listen-address=127.0.0.1:$pport --log.level=warn \
	>"$T/prom.log" 2>&1 &
pp=$!
# whatever happens, stop the server and coldtrace (set -e: never fail here)
stop_all() {
	kill "$pp" "$ct" 2>/dev/null || true
	wait "$pp" "$ct" 2>/dev/null || true
}
trap stop_all EXIT

for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$ctport/healthz" >/dev/null &&
		curl -sf "$prom/-/ready" >/dev/null && break
	sleep 0.2
done
curl -sf "$prom/-/ready" >/dev/null || { cat "$T/prom.log"; fail "no prometheus"; }
curl -sf "http://127.0.0.1:$ctport/healthz" >/dev/null ||
	{ show_output; fail "no coldtrace /healthz"; }

# PromQL at 127.0.0.1: "label value" per line of an instant vector
query() {
	curl -sf --get --data-urlencode "query=$2" "$prom/api/v1/query" |
		jq -r --arg l "$1" '.data.result[] |
			"\(.metric[$l] // "") \(.value[1])"' | sort
}

# before any container: the runsc (direct) series is scraped at 0, twice
# (rate() needs two samples before the first increment)
runsc_total='coldtrace_containers_total{container_runtime="runsc",engine="direct"}'
for _ in $(seq 40); do
	got=$(query "" "count_over_time(${runsc_total}[1m])")
	[ "${got# }" -ge 2 ] 2>/dev/null && break
	sleep 0.5
done
[ "${got# }" -ge 2 ] 2>/dev/null || fail "runsc series not scraped twice before any container: '$got'"
got=$(query "" "max_over_time(${runsc_total}[1m])")
[ "$got" = " 0" ] || fail "runsc series before any container: '$got', want 0"
note "Prometheus: $runsc_total at 0 before any container"

# self-metrics, with the BPF programs loaded
for m in process_resident_memory_bytes process_cpu_seconds_total \
	process_start_time_seconds; do
	got=$(query "" "$m")
	[ -n "$got" ] || fail "no $m"
	note "Prometheus: $m$got"
done
got=$(query "" 'process_resident_memory_bytes > 1000000')
[ -n "$got" ] || fail "process_resident_memory_bytes under 1 MB"
got=$(query "" 'count(coldtrace_bpf_program_run_time_seconds_total)')
[ "${got# }" -ge 3 ] 2>/dev/null || fail "BPF programs with a run time series: '$got'"
note "Prometheus: $((${got# })) BPF programs with run time series"
# the wall clock did not step here: its gauge is there, under 10 ms
got=$(query "" 'abs(coldtrace_wall_clock_step_seconds) < 0.01')
[ -n "$got" ] || fail "coldtrace_wall_clock_step_seconds missing or >= 10 ms"

# a program that opens a file: the open-latency histograms get counts
prog=(sh -c 'cat /etc/passwd >/dev/null')
"$TOP/tools/harness.sh" bundle "$T/bundle" "${prog[@]}" >/dev/null
t0=$SECONDS
for i in $(seq $NRUNC); do
	ctr --address "$CONTAINERD_ADDRESS" -n default run --rm \
		"$CT_CTR_IMAGE" "${ID_PREFIX}runc-$i" "${prog[@]}" >/dev/null ||
		fail "ctr run ($i)"
done
# runsc cannot copy the host netns here (direct_run.sh): --network=none
for i in $(seq $NRUNSC); do
	runsc --root "$CT_RUNSC_ROOT" --network=none run --bundle "$T/bundle" \
		"${ID_PREFIX}runsc-$i" </dev/null >/dev/null ||
		fail "runsc run ($i)"
done
note "$NRUNC runc + $NRUNSC runsc containers in $((SECONDS - t0)) s"

want="runc $NRUNC
runsc $NRUNSC"
# containers land once destroyed, then in the next scrape
for _ in $(seq 60); do
	got=$(query container_runtime \
		'sum by (container_runtime) (coldtrace_containers_total) > 0')
	[ "$got" = "$want" ] && break
	sleep 0.5
done
[ "$got" = "$want" ] ||
	fail "sum by (container_runtime) (coldtrace_containers_total) > 0: '$got', want '$want'"
note "Prometheus: sum by (container_runtime) (coldtrace_containers_total):" \
	"$(tr '\n' ' ' <<<"$got")"
got=$(query container_runtime \
	'sum by (container_runtime) (coldtrace_cold_start_seconds_count) > 0')
[ "$got" = "$want" ] || fail "cold_start counts: '$got', want '$want'"
# every loss kind is a family of its own (an absent one makes the sum
# empty): none here
got=$(query "" 'sum(coldtrace_lost_events_total) +
	sum(coldtrace_lost_pull_records_total) +
	sum(coldtrace_lost_why_threads_total) + sum(coldtrace_lost_opens_total) +
	sum(coldtrace_records_lost_containers_total) +
	sum(coldtrace_dropped_containers_total)')
[ "$got" = " 0" ] || fail "lost or dropped: '$got'"

# the README's rate() queries over the runsc burst (a scrape after it)
sleep 2
inc=$(query "" "sum(increase(${runsc_total}[5m]))")
note "Prometheus: increase(runsc containers_total[5m]) =$inc"
python3 -c 'import sys; v = float(sys.argv[1]); n = int(sys.argv[2])
sys.exit(not (n * 0.9 <= v <= n * 1.5))' "${inc# }" "$NRUNSC" ||
	fail "increase() of runsc containers: '$inc', want ~$NRUNSC"
q99=$(query container_runtime 'histogram_quantile(0.99, sum by (container_runtime, le) (rate(coldtrace_cold_start_seconds_bucket[5m])))' |
	sed -n 's/^runsc //p')
note "Prometheus: runsc cold start p99 (rate over 5m) = $q99 s"
python3 -c 'import math, sys; v = float(sys.argv[1])
sys.exit(not (math.isfinite(v) and v > 0))' "$q99" ||
	fail "histogram_quantile(0.99, rate(cold_start)) for runsc: '$q99'"

got=$(query container_runtime 'histogram_quantile(0.5, sum by (container_runtime, le) (coldtrace_open_latency_seconds_bucket))')
note "Prometheus: open latency p50 by runtime (s): $(tr '\n' ' ' <<<"$got")"
[[ "$got" == *"runc "[0-9]* ]] || fail "no runc open-latency histogram"
q=$(query "" 'histogram_quantile(0.5, sum by (le) (coldtrace_phase_duration_seconds_bucket{container_runtime="runc",phase="create"}))')
q=${q# }
curl -sf "http://127.0.0.1:$ctport/metrics" >"$T/scrape" ||
	fail "last scrape"
promtool check metrics <"$T/scrape" || fail "promtool check metrics"
# open latency has a _sum too (its log2 slots' middles: docs/metrics.md),
# and -r names the scope: the pulling engines' pull series are at 0
grep -q '^coldtrace_open_latency_seconds_sum{container_runtime="runc",engine="containerd"} [0-9.]*$' \
	"$T/scrape" || fail "no runc open latency _sum"
for e in docker containerd; do
	grep -qx "coldtrace_pulls_total{engine=\"$e\"} 0" "$T/scrape" ||
		fail "no $e pull series at 0 (the scope is named)"
done
# as Prometheus asks for it: gzip'd, and the text it holds is clean
curl -sf -H 'Accept-Encoding: gzip' -D "$T/gz.head" -o "$T/gz" \
	"http://127.0.0.1:$ctport/metrics" || fail "gzip scrape"
grep -qi '^Content-Encoding: gzip' "$T/gz.head" ||
	fail "asked for gzip, got: $(tr -d '\r' <"$T/gz.head" | head -n 5 | tr '\n' ' ')"
gunzip -c "$T/gz" | promtool check metrics || fail "promtool check metrics (gzip'd)"
note "a scrape gzip'd: $(stat -c %s "$T/gz") bytes for $(gunzip -c "$T/gz" | wc -c)"
kill -INT $ct
wait $ct || fail "coldtrace exited $?"
kill $pp
wait $pp 2>/dev/null || true

p50=$(jq -r 'select(.type == "summary") | .runtimes.runc.phases.create.p50_ns' \
	"$T/out")
if [ -z "$p50" ] || [ "$p50" = null ]; then
	show_output
	fail "no runc create p50"
fi
# the bucket of v: its smallest le at or above v (float-safe)
mapfile -t les < <(sed -n 's/^coldtrace_phase_duration_seconds_bucket{container_runtime="runc",engine="containerd",phase="create",le="\([0-9.e+-]*\)"}.*/\1/p' \
	"$T/scrape")
[ ${#les[@]} -eq 18 ] || fail "runc create buckets: ${#les[@]}, want 18"
bucket() {
	python3 -c 'import sys
v = float(sys.argv[1])
print(next((le for le in sys.argv[2:] if v <= float(le) * (1 + 1e-9)), "+Inf"))' \
		"$1" "${les[@]}"
}
bp=$(bucket "$q")
bc=$(bucket "$(python3 -c "print($p50 / 1e9)")")
note "runc create: Prometheus p50 $q s (bucket le=$bp)," \
	"coldtrace p50 $((p50 / 1000)) us (bucket le=$bc)"
[ "$bp" = "$bc" ] || fail "p50 buckets differ: Prometheus $bp, coldtrace $bc"

# runsc's p99 from rate() lies in the bucket of coldtrace's own p99
s99=$(jq -r 'select(.type == "summary") | .runtimes.runsc.cold_start.p99_ns' "$T/out")
[ -n "$s99" ] && [ "$s99" != null ] || fail "no runsc cold_start p99 in the summary"
mapfile -t les < <(sed -n 's/^coldtrace_cold_start_seconds_bucket{container_runtime="runsc",engine="direct",le="\([0-9.e+-]*\)"}.*/\1/p' \
	"$T/scrape")
[ ${#les[@]} -eq 18 ] || fail "runsc cold start buckets: ${#les[@]}, want 18"
bp=$(bucket "$q99")
bc=$(bucket "$(python3 -c "print($s99 / 1e9)")")
note "runsc cold start: Prometheus p99 $q99 s (bucket le=$bp)," \
	"coldtrace p99 $((s99 / 1000)) us (bucket le=$bc)"
[ "$bp" = "$bc" ] || fail "runsc p99 buckets differ: Prometheus $bp, coldtrace $bc"

# same writer: the last scrape is metrics.prom (no container came since)
# but for the self-metrics and the installed pairs not seen nor in the
# --runtime scope, at 0, which only /metrics has
pairs_at_zero "$T/scrape" | sort | comm -23 - <(pairs_at_zero "$T/dir/metrics.prom" | sort) >"$T/zero"
installed_pairs | sort | comm -13 - "$T/zero" >"$T/zero.other"
[ ! -s "$T/zero.other" ] ||
	fail "/metrics: pairs at 0 not installed: $(tr '\n' ',' <"$T/zero.other")"
note "/metrics: $(wc -l <"$T/zero") installed pairs at 0 that metrics.prom has not"
grep -vE '^(# (HELP|TYPE) )?(process_|coldtrace_bpf_|coldtrace_wall_clock_|coldtrace_fuse_layers_unnamed_|coldtrace_fuse_layer_samples_missed_|coldtrace_start_files_loaders_unread_)' "$T/scrape" |
	grep -vFf <(sed 's/\(.*\) \(.*\)/{container_runtime="\1",engine="\2"/' "$T/zero") >"$T/scrape.c"
cmp -s "$T/scrape.c" "$T/dir/metrics.prom" ||
	{ diff "$T/scrape.c" "$T/dir/metrics.prom" | head; fail "/metrics != metrics.prom"; }
