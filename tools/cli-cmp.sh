#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Proof that a change left the command line alone: --help, --usage, -V,
# `compare --help` and the errors of bad command lines, run by two
# coldtrace binaries, their stdout, stderr and exit codes compared (as
# tools/replay-cmp.sh does for the recordings).  No line starts a live
# session: each prints, fails before tracing, or replays a fixture.
#
# Usage: tools/cli-cmp.sh OLD_BINARY NEW_BINARY [OUTDIR]
# Exit: 0 identical, 1 different (the diff is printed), 2 bad usage.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
F=$TOP/tests/fixtures/docker-runc.ctrec

if [ $# -lt 2 ] || [ $# -gt 3 ] || [ ! -x "$1" ] || [ ! -x "$2" ]; then
	echo "usage: $0 OLD_BINARY NEW_BINARY [OUTDIR] (executables)" >&2
	exit 2
fi
old=$(realpath "$1")
new=$(realpath "$2")
out=${3:-$(mktemp -d /tmp/ct-cli-cmp.XXXXXX)}
# an OUTDIR of its own: what is there would be compared too
if ! mkdir -p "$out" || [ -n "$(ls -A "$out")" ]; then
	echo "cli-cmp: $out: cannot create, or not empty" >&2
	exit 2
fi

# not root: a line that would trace fails instead of loading BPF
AS=
if [ "$(id -u)" = 0 ]; then
	AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chmod 755 "$TOP" && chmod 777 "$out"
fi

long=$(printf 'x%.0s' {1..300})
# One command line a line, as the shell would split it; @F@ is a
# recording, @D@ a directory of the run's own.
LINES=$(cat <<EOF
--help
-h
-?
--he
--usage
--usa
-V
--version
-h -V
-hj
-h extra
-h -- true
--usage -- true
-V -- true
--help=1
compare --help
compare -h
compare
compare --bogus
compare a
--bogus
-x
-jx
-j=1
--json=1
-j --bogus
-vj --bogus
-cj --bogus
--re
--no
--v
--=x
stray
--paths 3
-r
-r foo
-r all,runc
-r runc,,crun
-r ''
--runtime=
--engine=bogus
--engine all,cri
--engine=cri,
-c ''
-c $long
-c -j
-d abc
-d -1
-d 0
-d 1e99
-d ' 5'
-d 0x10
-d inf
-i x
-w 3
--wait=2
-w x -- true
--paths=0
--paths=99
--paths=x
--start-files=0
--start-files=301
--start-files=x
--no-opens --paths
--no-opens --start-files
--no-opens --ready=listen
--ready=bogus
--ready
--arm=sometimes
--arm
--record
--record --replay @F@
--record=
--replay
--replay=
--replay @F@ --arm=auto
--replay @F@ --record @D@/r
--replay @F@ -- true
--replay @F@ -d 3
--replay @F@ --listen 127.0.0.1:9466
--replay @D@/missing
--listen :9466
--listen bogus
--listen 300.0.0.1:1
--otlp=ftp://x
--otlp=
--otlp http://127.0.0.1:4318/v1/logs
--metrics-labels=id
--metrics-labels=bogus
--metrics-labels=
--metrics-labels=id --listen 127.0.0.1:1
--ringbuf=3M
--ringbuf=1K
--ringbuf=x
--ringbuf=
--ringbuf=99999999999G
--why=bogus
--why=
-o
-o json
-o csv
-o ''
--output=
-T=1
-- /nonexistent/cmd
-j -- /nonexistent/cmd
--replay @F@
--replay @F@ -j -T --why --paths
--replay @F@ --usage
--replay @F@ -o @D@/o --metrics-labels=id,name
--replay @F@ -o json
--replay @F@ --otlp=http://127.0.0.1:9 -c none
EOF
)

# One binary's run of one line, under dir.
run_one() {	# BIN LINE DIR
	local bin=$1 line=$2 dir=$3

	mkdir -p "$dir" && chmod 777 "$dir"
	line=${line//@F@/$F}
	line=${line//@D@/$dir}
	eval "set -- $line"
	(cd "$dir" && $AS "$bin" "$@" >"$dir/out" 2>"$dir/err" </dev/null)
	echo $? >"$dir/rc"
	sed -i "s|$dir|DIR|g" "$dir/out" "$dir/err"
	# the outputs of -o, compared with the rest
	[ ! -d "$dir/o" ] || sed -i "s|$dir|DIR|g" "$dir"/o/*.* 2>/dev/null
}

n=0
while IFS= read -r line; do
	n=$((n + 1))
	run_one "$old" "$line" "$out/old/$n"
	run_one "$new" "$line" "$out/new/$n"
	echo "$line" >"$out/lines.$n"
done <<<"$LINES"
if diff -r "$out/old" "$out/new"; then
	echo "cli-cmp: $n command lines: identical ($out)"
	exit 0
fi
echo "cli-cmp: $n command lines: DIFFERENT ($out; lines.N says which)" >&2
exit 1
