#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# One Kata sandbox lifecycle as containerd drives it, with the stand-ins:
#   lifecycle.sh BIN_DIR ID RUN_MS
# "shim start" (which daemonizes the long-running shim), RUN_MS of life,
# then SIGTERM to the shim (containerd's Shutdown after Delete), and wait
# until the shim is gone.  $KATA_STANDIN_LOG receives the stand-ins'
# timestamps; the shim's pid is read back from it.
set -eu

bin=$1 id=$2 run_ms=$3
: "${KATA_STANDIN_LOG:?}"

"$bin/containerd-shim-kata-v2" -namespace default \
	-address /run/containerd/containerd.sock \
	-publish-binary /usr/bin/containerd -id "$id" start >/dev/null

shim=$(awk '$1 == "start_exit" { print $3 }' "$KATA_STANDIN_LOG")
[ -n "$shim" ] || { echo "lifecycle: no shim pid" >&2; exit 1; }
sleep "$(awk -v ms="$run_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
kill -TERM "$shim"
# Not our child (daemonized): poll, bounded to 30 s.  A zombie counts
# as gone: whoever inherited the orphan may reap it late.
alive() {
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}
i=0
while alive "$shim"; do
	i=$((i + 1))
	[ $i -lt 3000 ] || { echo "lifecycle: shim $shim did not exit" >&2; exit 1; }
	sleep 0.01
done
