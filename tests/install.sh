#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make install DESTDIR=tmp installs binary, plot tool, man page, unit;
# the page renders and systemd-analyze accepts the unit (issue 14 item 3).
set -euo pipefail
cd "$(dirname "$0")/.."
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
make -s install DESTDIR="$t" PREFIX=/usr/local >/dev/null
p=$t/usr/local
for f in sbin/coldtrace bin/coldtrace-plot share/man/man8/coldtrace.8 \
	 lib/systemd/system/coldtrace.service; do
	[ -s "$p/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
"$p/sbin/coldtrace" --version >/dev/null
man -l "$p/share/man/man8/coldtrace.8" | grep -q -- '--listen' ||
	{ echo "FAIL: man page does not render --listen"; exit 1; }
if command -v systemd-analyze >/dev/null; then
	# point ExecStart at the staged binary; the page at the staged man dir
	sed "s|/usr/local/sbin/coldtrace|$p/sbin/coldtrace|" \
		"$p/lib/systemd/system/coldtrace.service" >"$t/coldtrace.service"
	MANPATH=$p/share/man systemd-analyze verify "$t/coldtrace.service"
else
	echo "install: systemd-analyze not installed, unit not verified"
fi
echo "install: ok"
