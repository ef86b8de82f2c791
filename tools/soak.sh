#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# A long continuous session as a node runs it: one detached coldtrace
# (no -d, default --arm=auto, --listen, -o DIR) against a private
# dockerd (tools/harness.sh) while a churn of containers comes and goes
# for MINUTES: one new container every PACE seconds, in turn
#   once      docker run --rm ... true (its client waits)
#   service   docker run -d of httpd, removed by docker rm -f 20-60 s later
#   policy    docker run -d --restart on-failure:2 of a program failing
#             after 2 s (three generations, no client after the first)
#   crash     docker run -d --restart on-failure:4 of a program that exits
#             at once (five generations, docker's back-off between them)
#   created   docker create, 5 s, docker start -a, docker rm
# Every 10 s: coldtrace's RSS and private memory, and a /metrics scrape
# (its size and time, its containers counted).  docker events are
# streamed live for the whole run: the independent truth.
#
# Checks at the end (exit 1 if one fails): every start docker reported
# of our containers has exactly one record on stdout (-j), and each
# record is complete or says what it misses (unarmed, removal_unarmed,
# ...); no ring-buffer loss; the final metrics.prom counts every
# container and pod record of stdout (other people's too, on a shared
# host) and containers.jsonl holds the last 32 of them (continuous
# mode's window); the last /metrics passes promtool; private memory of
# the last tenth within 5 % of the sixth (its bounded tables fill over
# the first few hundred containers, then it stays flat).
#
# Usage: tools/soak.sh [-m MINUTES] [-p PACE] [--results DIR]
#   -m MINUTES     run length (default 60)
#   -p PACE        seconds between new containers (default 15)
#   --results DIR  keep samples, records and the report in DIR (default:
#                  a new /tmp/ct-soak.XXXXXX, kept)
set -euo pipefail
BENCH=soak
# shellcheck source=tools/bench/lib.sh
. "$(dirname "$0")/bench/lib.sh"

MINUTES=60
PACE=15
RESULTS=

usage() {
	sed -n '3,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	-m) [ $# -ge 2 ] || usage; bench_posint -m "$2"; MINUTES=$2; shift ;;
	-p) [ $# -ge 2 ] || usage; bench_posint -p "$2"; PACE=$2; shift ;;
	--results) [ $# -ge 2 ] || usage; RESULTS=$2; shift ;;
	-h | --help) usage ;;
	*) echo "soak: unknown argument '$1'" >&2; usage ;;
	esac
	shift
done
[ -n "$RESULTS" ] || RESULTS=$(mktemp -d /tmp/ct-soak.XXXXXX)
mkdir -p "$RESULTS"
[ -z "$(ls -A "$RESULTS")" ] || die "--results $RESULTS: not empty"

bench_init jq curl docker promtool
export CT_HARNESS_STATE=$WORK/harness.state
harness_stop() { "$HARNESS" stop >/dev/null 2>&1 || true; }
bench_on_exit harness_stop
envf=$("$HARNESS" start) || die "harness did not start"
# shellcheck disable=SC1090
. "$envf"
"$HARNESS" image >/dev/null || die "test image not built"
IMG=coldtrace/busybox

docker events --format '{{json .}}' >"$RESULTS/events.jsonl" &
events_pid=$!
stop_events() { kill "$events_pid" 2>/dev/null || true; }
bench_on_exit stop_events
sleep 0.5

port=$((19500 + RANDOM % 400))
URL=http://127.0.0.1:$port
ct_start -j --listen "127.0.0.1:$port" -o "$RESULTS/o"
for _ in $(seq 100); do
	curl -sf "$URL/healthz" >/dev/null && break
	sleep 0.1
done
ct_wait_detached 60 || die "never idle at the start"
log "coldtrace $CT_PID idle; churn for $MINUTES min, a container every $PACE s"

# What is to be removed later: a file per container, named by its id,
# holding WHEN (in $SECONDS); one file each, so that the churn's
# background jobs never write into a file reap() is rewriting.
todo=$WORK/todo
mkdir "$todo"
ids=$RESULTS/ids	# "KIND ID" of every container we made

one() {	# KIND
	# a file per job: at a short PACE the jobs overlap
	local id= cid=$WORK/cid.$BASHPID
	case $1 in
	once)
		docker run --rm --network none --cidfile "$cid" "$IMG" true \
			>/dev/null && id=$(cat "$cid") ;;
	service)
		id=$(docker run -d --network none "$IMG" httpd -f -p 8080) &&
			echo $((SECONDS + 20 + RANDOM % 41)) >"$todo/$id" ;;
	policy)
		id=$(docker run -d --network none --restart on-failure:2 "$IMG" \
			sh -c 'sleep 2; exit 1') &&
			echo $((SECONDS + 30)) >"$todo/$id" ;;
	crash)
		id=$(docker run -d --network none --restart on-failure:4 "$IMG" \
			sh -c 'exit 3') &&
			echo $((SECONDS + 30)) >"$todo/$id" ;;
	created)
		id=$(docker create --network none "$IMG" sh -c 'true') &&
			sleep 5 && docker start -a "$id" >/dev/null &&
			docker rm "$id" >/dev/null ;;
	esac
	rm -f "$cid"
	[ -n "$id" ] && echo "$1 $id" >>"$ids"
	return 0
}

# Remove what is due ($1: all, whatever its time).
reap() {	# [all]
	local f when
	for f in "$todo"/*; do
		[ -e "$f" ] || continue
		when=$(cat "$f")
		if [ "${1:-}" = all ] || [ "$SECONDS" -ge "${when:-0}" ]; then
			docker rm -f "${f##*/}" >/dev/null 2>&1 || true
			rm -f "$f"
		fi
	done
}

sample() {	# T
	local t0 t1 rss anon n
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$CT_PID/status")
	anon=$(awk '/^RssAnon:/ { print $2 }' "/proc/$CT_PID/status")
	t0=$(date +%s%N)
	curl -s "$URL/metrics" >"$WORK/scrape"
	t1=$(date +%s%N)
	# CRI pods have families of their own (docs/metrics.md)
	n=$(awk '/^coldtrace_(containers|pods)_total[{ ]/ { s += $NF } END { print s + 0 }' "$WORK/scrape")
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$rss" "$anon" "$n" \
		"$(wc -c <"$WORK/scrape")" $(((t1 - t0) / 1000)) >>"$RESULTS/samples.tsv"
}

printf 't_s\trss_kb\tanon_kb\tcontainers\tscrape_bytes\tscrape_us\n' >"$RESULTS/samples.tsv"
kinds=(once service policy crash created)
end=$((SECONDS + MINUTES * 60))
start=$SECONDS
next_sample=$SECONDS
i=0
while [ "$SECONDS" -lt "$end" ]; do
	kill -0 "$CT_PID" 2>/dev/null || die "coldtrace exited: $(tail -n 3 "$WORK/ct.err")"
	one "${kinds[i % ${#kinds[@]}]}" &
	i=$((i + 1))
	t_next=$((SECONDS + PACE))
	while [ "$SECONDS" -lt "$t_next" ] && [ "$SECONDS" -lt "$end" ]; do
		if [ "$SECONDS" -ge "$next_sample" ]; then
			sample $((SECONDS - start))
			next_sample=$((SECONDS + 10))
		fi
		reap
		sleep 1
	done
	[ $((i % 20)) -ne 0 ] || log "$((SECONDS - start)) s: $i containers started"
done
wait_jobs() { while [ -n "$(jobs -pr | grep -vx "$events_pid\|$CT_PID")" ]; do sleep 1; done; }
wait_jobs
reap all
# the last records out (removals done, 2 s idle grace), then a last look
sleep 15
sample $((SECONDS - start))
cp "$WORK/scrape" "$RESULTS/last-scrape.prom"
ct_stop
cp "$WORK/ct.out" "$RESULTS/stdout.jsonl"
cp "$WORK/ct.err" "$RESULTS/stderr.txt"
stop_events

# ---- checks ----
bad=0
check() {	# MSG (the failed check's words), after a test
	echo "FAIL: $*" | tee -a "$RESULTS/report.txt" >&2
	bad=1
}
say() { echo "$*" | tee -a "$RESULTS/report.txt"; }

jq -c 'select(.type == "container")' "$RESULTS/stdout.jsonl" >"$WORK/recs"
n_ours=0 n_starts=0 n_recs=0 n_flagged=0
while read -r kind id; do
	starts=$(jq -r --arg id "$id" 'select(.Type == "container" and .id == $id and .Action == "start") | .id' \
		"$RESULTS/events.jsonl" | wc -l)
	got=$(jq -c --arg id "$id" 'select(.id == $id)' "$WORK/recs")
	n=$(grep -c . <<<"$got" || true)
	n_ours=$((n_ours + 1))
	n_starts=$((n_starts + starts))
	n_recs=$((n_recs + n))
	[ "$n" = "$starts" ] ||
		check "$kind $id: docker started it $starts times, $n records"
	while read -r r; do
		[ -n "$r" ] || continue
		if jq -e '.complete' <<<"$r" >/dev/null; then
			jq -e '.unarmed or .removal_unarmed' <<<"$r" >/dev/null &&
				n_flagged=$((n_flagged + 1))
		else
			check "$kind $id: incomplete record: $(jq -c '{failed, expired, unarmed, removal_unarmed, phases: (.phases | keys)}' <<<"$r")"
		fi
	done <<<"$got"
done <"$ids"
say "containers: $n_ours of ours, $n_starts starts in docker events, $n_recs records ($n_flagged flagged unarmed or removal_unarmed)"
lost=$(jq -r .lost_events "$RESULTS/o/summary.json")
[ "$lost" = 0 ] || check "lost_events $lost"
n=$(jq -c 'select(.type == "container" or .type == "pod")' "$RESULTS/stdout.jsonl" | wc -l)
m=$(awk '/^coldtrace_(containers|pods)_total[{ ]/ { s += $NF } END { print s + 0 }' "$RESULTS/o/metrics.prom")
[ "$n" = "$m" ] || check "stdout has $n container and pod records, metrics.prom counts $m"
k=$(jq -c 'select(.type == "container" or .type == "pod")' "$RESULTS/o/containers.jsonl" | wc -l)
[ "$k" = $((n < 32 ? n : 32)) ] || check "containers.jsonl holds $k records, not the last 32 of $n"
promtool check metrics <"$RESULTS/last-scrape.prom" >/dev/null 2>&1 || check "promtool check metrics"
say "summary: $(jq -c '{lost_events, expired_containers, unarmed_containers, removal_unarmed_containers, opens_cut_containers, hooks_attached}' "$RESULTS/o/summary.json")"
rows=$(($(wc -l <"$RESULTS/samples.tsv") - 1))
tenth=$((rows / 10 > 0 ? rows / 10 : 1))
mean() { tail -n +2 "$RESULTS/samples.tsv" | sed -n "$1,$2p" | awk -v c="$3" '{ s += $c } END { printf "%.0f", s / NR }'; }
a1=$(mean 1 1 3)
a2=$(mean $((tenth + 1)) $((2 * tenth)) 3)
a6=$(mean $((5 * tenth + 1)) $((6 * tenth)) 3)
a9=$(mean $((rows - tenth + 1)) "$rows" 3)
r9=$(mean $((rows - tenth + 1)) "$rows" 2)
say "private memory: $a1 kB at the start, tenths 2, 6 and 10: $a2, $a6, $a9 kB; RSS $r9 kB in the last tenth"
[ "$a9" -le $((a6 + a6 / 20)) ] || check "private memory grew more than 5 % over the second half"
say "scrapes: $(tail -n +2 "$RESULTS/samples.tsv" | awk '{ b += $5; t += $6; if ($5 > mb) mb = $5; if ($6 > mt) mt = $6 } END { printf "mean %.0f bytes, %.1f ms; max %d bytes, %.1f ms", b / NR, t / NR / 1000, mb, mt / 1000 }')"
say "results: $RESULTS"
exit $bad
