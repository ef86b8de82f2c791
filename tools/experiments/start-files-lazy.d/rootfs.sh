#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# The image of tools/experiments/start-files-lazy, from the host's Debian
# Python (python3.11, its standard library with Debian's compiled .pyc
# files, the shared libraries ldd finds for the interpreter and its
# extension modules) and svc.py, its .pyc files recompiled as
# unchecked-hash; or from the host's Debian Node.js (node, the libraries
# ldd finds) and svc.js with its npm packages (those of tools/
# experiments/libload, installed once from the npm registry into
# /var/cache/coldtrace/sfl-node, offline after):
#
#   rootfs.sh DIR [python|node [FAT_MB]]
#                        fills DIR (empty or missing); FAT_MB: that many
#                        MiB more of random files nobody reads, in 4 MiB
#                        files under /usr/share/fat (a fat image)
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
NODE=/usr/bin/node
NPM_CACHE=/var/cache/coldtrace/sfl-node
PACKAGES="lodash@4.18.1 express@5.3.0 rxjs@7.8.2 date-fns@4.4.0"
R=${1:?usage: rootfs.sh DIR [python|node [FAT_MB]]}
APP=${2:-python}
FAT_MB=${3:-0}

die() {
	echo "start-files-lazy/rootfs: $*" >&2
	exit 1
}

# the libraries of the ELF files named on stdin, as real files under the
# soname the loader looks for, and the loader
copy_libs() {
	local interp
	xargs -r -n 1 ldd | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' |
		sort -u | while read -r soname path; do
			cp -L "$path" "$R/lib/x86_64-linux-gnu/$soname"
		done
	interp=$(ldd "$1" | awk '$1 ~ /^\/lib64\/ld-linux/ { print $1 }')
	[ -n "$interp" ] || die "no /lib64 loader in ldd $1"
	cp -L "$interp" "$R$interp"
}

python_app() {
	[ -x "$PY" ] && [ -d "$STDLIB" ] || die "$PY or $STDLIB missing (python3.11)"
	cp -L "$PY" "$R/usr/bin/python3.11"
	cp -a "$STDLIB" "$R/usr/lib/"
	"$PY" -m compileall -q -f --invalidation-mode unchecked-hash -s "$R" -p / \
		"$R$STDLIB" >/dev/null || die "compileall failed"
	# sitecustomize.py links to /etc/python3.11/
	[ ! -d /etc/python3.11 ] || cp -a /etc/python3.11 "$R/etc/"
	{
		echo "$PY"
		find "$STDLIB/lib-dynload" -name '*.so'
	} | copy_libs "$PY"
	cp "$HERE/svc.py" "$R/app/svc.py"
}

node_app() {
	[ -x "$NODE" ] || die "$NODE missing (nodejs)"
	if [ "$(cat "$NPM_CACHE/.installed" 2>/dev/null)" != "$PACKAGES" ]; then
		command -v npm >/dev/null || die "npm missing (apt-get install npm)"
		rm -rf "$NPM_CACHE"
		mkdir -p "$NPM_CACHE"
		# shellcheck disable=SC2086 # the list's words
		(cd "$NPM_CACHE" && npm install --no-audit --no-fund \
			--loglevel=error --save-exact $PACKAGES >&2) ||
			die "npm install failed"
		echo "$PACKAGES" >"$NPM_CACHE/.installed"
	fi
	cp -L "$NODE" "$R/usr/bin/node"
	echo "$NODE" | copy_libs "$NODE"
	cp -a "$NPM_CACHE/node_modules" "$R/app/"
	cp "$HERE/svc.js" "$R/app/svc.js"
}

[ ! -e "$R" ] || [ -z "$(ls -A "$R")" ] || die "$R is not empty"
[[ "$FAT_MB" =~ ^[0-9]{1,4}$ ]] || die "bad FAT_MB '$FAT_MB'"
mkdir -p "$R/usr/bin" "$R/usr/lib" "$R/lib/x86_64-linux-gnu" "$R/lib64" \
	"$R/etc" "$R/app" "$R/tmp"
chmod 1777 "$R/tmp"
case $APP in
python) python_app ;;
node) node_app ;;
*) die "no app '$APP' (python, node)" ;;
esac
[ "$FAT_MB" -lt 4 ] || mkdir -p "$R/usr/share/fat"
for i in $(seq $((FAT_MB / 4))); do
	head -c $((4 << 20)) /dev/urandom >"$R/usr/share/fat/$i.bin"
done
echo "root:x:0:0:root:/root:/bin/sh" >"$R/etc/passwd"
echo "root:x:0:" >"$R/etc/group"
