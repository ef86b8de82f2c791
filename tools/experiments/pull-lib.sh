# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# shellcheck shell=bash
#
# Shared by tools/experiments/pull-*: a private harness (dockerd +
# containerd) and registry, both stopped on exit whatever happens, and
# one traced `docker pull` whose coldtrace record and wall clock are
# appended to a results file.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
COLDTRACE=${COLDTRACE:-$TOP/coldtrace}
REGISTRY=$TOP/tools/registry.sh
HARNESS=$TOP/tools/harness.sh
REG=$("$REGISTRY" addr)	# 127.0.0.1:PORT, or the far registry's

xdie() {
	echo "${0##*/}: $*" >&2
	exit 1
}

xlog() {
	echo "${0##*/}: $*" >&2
}

# Private daemons and registry in $WORK; everything undone on exit.
setup_daemons() {
	[ "$(id -u)" -eq 0 ] || xdie "must run as root"
	[ -x "$COLDTRACE" ] || xdie "$COLDTRACE not built (make)"
	WORK=$(mktemp -d /tmp/ctexp.XXXXXX)
	export CT_HARNESS_STATE=$WORK/harness.state
	export CT_REGISTRY_STATE=$WORK/registry.state
	trap teardown EXIT
	trap 'exit 130' INT TERM
	local envf
	envf=$("$HARNESS" start) || xdie "harness did not start"
	# shellcheck disable=SC1090
	. "$envf"
	"$REGISTRY" start >/dev/null || xdie "registry did not start"
}

teardown() {
	"$REGISTRY" stop || true
	"$HARNESS" stop >/dev/null 2>&1 || true
	rm -rf "$WORK"
}

# pull_once IMAGE: fetch every layer again, trace the pull, print one
# tab-separated line: coldtrace_ms wall_ms layers bytes conc_max
# conc_mean ttfb_ms fetch_sum_ms unpack_sum_ms.  A pull whose record is
# missing is tried once more, said on stderr: the pull tracker names a
# pull after the docker client that exits right after it, which docker
# clients of other daemons on a busy host can take (docs/results/pull.md).
pull_once() {
	pull_try "$1" && return 0
	xlog "no pull record for $1 under its name (pulls seen: $(jq -r \
		'select(.type == "pull") | .image // "?"' "$WORK/out" | tr '\n' ' ')): pulling it once more"
	pull_try "$1" || xdie "no pull record for $1 twice"
}

pull_try() {
	local name=$1 out=$WORK/out t0 t1 rc=0 what
	"$REGISTRY" forget "$name"
	# PULL_RUN=1: the implicit pull of a cold `docker run --rm IMAGE
	# true`, whose container record (its cold start, its "pull") is
	# appended to $PULL_RUN_RECORDS-IMAGE.jsonl
	what='docker pull -q "$1" >/dev/null'
	[ -z "${PULL_RUN:-}" ] || what='docker run --rm --network none "$1" true'
	timeout 3600 "$COLDTRACE" -j --no-opens -- sh -c \
		"date +%s%N >\"\$0/t0\"; $what; r=\$?;
		 date +%s%N >\"\$0/t1\"; exit \$r" "$WORK" "$REG/$name" \
		>"$out" 2>"$WORK/err" || rc=$?
	[ "$rc" -eq 0 ] || { tail -5 "$WORK/err" >&2; xdie "traced pull of $name failed ($rc)"; }
	t0=$(cat "$WORK/t0")
	t1=$(cat "$WORK/t1")
	if [ -n "${PULL_RUN:-}" ]; then
		# the run's own record: its pull has no image name (docs/pull.md)
		jq -c 'select(.type == "container" and .pull != null)' "$out" |
			head -1 | grep . >>"$PULL_RUN_RECORDS-$name.jsonl" || return 1
		jq -c 'select(.type == "pull") | .image = $ref' \
			--arg ref "$REG/$name" "$out" | head -1 >"$out.pull"
		out=$out.pull
	fi
	# the machine may pull other images meanwhile: take ours
	jq -r --argjson wall "$(((t1 - t0) / 1000))" --arg ref "$REG/$name" \
		'select(.type == "pull" and .image == $ref) |
		[(.dur_ns / 1e6 | floor), ($wall / 1e3 | floor),
		 (.layers | length), ([.layers[].bytes] | add),
		 .concurrency.max, (.concurrency.mean * 100 | round / 100),
		 (.ttfb_ns / 1e6 | floor),
		 ([.layers[].fetch.dur_ns] | add / 1e6 | floor),
		 ([.layers[] | .unpack.dur_ns // 0] | add / 1e6 | floor)] |
		@tsv' "$out" | head -1 | grep .
}
