#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# The image of tools/experiments/start-files-lazy, offline, from the
# host's Debian Python (python3.11, its standard library with Debian's
# compiled .pyc files, the shared libraries ldd finds for the interpreter
# and its extension modules) and svc.py, its .pyc files recompiled as
# unchecked-hash:
#
#   rootfs.sh DIR        fills DIR (empty or missing)
#
# Real directories only (/lib, /lib64, no merged-/usr symlinks): a path
# the program opens through a symlinked directory is listed as named and
# a converter finds no such entry in the layer (docs/start-files.md).
# Debian's .pyc files are checked against their sources' mtime, which
# tools/lazy/mkoci.sh sets to 0: Python would then read every source and
# write a new .pyc at each start.  Unchecked-hash .pyc files are used as
# they are, as a real image's up-to-date .pyc files are.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3.11
STDLIB=/usr/lib/python3.11
R=${1:?usage: rootfs.sh DIR}

die() {
	echo "start-files-lazy/rootfs: $*" >&2
	exit 1
}

[ -x "$PY" ] && [ -d "$STDLIB" ] || die "$PY or $STDLIB missing (python3.11)"
[ ! -e "$R" ] || [ -z "$(ls -A "$R")" ] || die "$R is not empty"
mkdir -p "$R/usr/bin" "$R/usr/lib" "$R/lib/x86_64-linux-gnu" "$R/lib64" \
	"$R/etc" "$R/app" "$R/tmp"
chmod 1777 "$R/tmp"
cp -L "$PY" "$R/usr/bin/python3.11"
cp -a "$STDLIB" "$R/usr/lib/"
"$PY" -m compileall -q -f --invalidation-mode unchecked-hash -s "$R" -p / \
	"$R$STDLIB" >/dev/null || die "compileall failed"
# sitecustomize.py links to /etc/python3.11/
[ ! -d /etc/python3.11 ] || cp -a /etc/python3.11 "$R/etc/"
# the libraries, as real files under the soname the loader looks for
{
	ldd "$PY"
	find "$STDLIB/lib-dynload" -name '*.so' -exec ldd {} \;
} | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' | sort -u |
	while read -r soname path; do
		cp -L "$path" "$R/lib/x86_64-linux-gnu/$soname"
	done
interp=$(ldd "$PY" | awk '$1 ~ /^\/lib64\/ld-linux/ { print $1 }')
[ -n "$interp" ] || die "no /lib64 loader in ldd $PY"
cp -L "$interp" "$R$interp"
cp "$HERE/svc.py" "$R/app/svc.py"
echo "root:x:0:0:root:/root:/bin/sh" >"$R/etc/passwd"
echo "root:x:0:" >"$R/etc/group"
