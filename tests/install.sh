#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make install DESTDIR=tmp PREFIX=/usr installs a stripped binary, the
# plot tool, the man page and the unit with PREFIX's paths; the page
# renders; systemd-analyze verifies the unit and scores its exposure at
# 4.0 or less; make uninstall removes every file again.
set -euo pipefail
cd "$(dirname "$0")/.."
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
prefix=/usr
make -s install DESTDIR="$t" PREFIX=$prefix >/dev/null
p=$t$prefix
files=(sbin/coldtrace bin/coldtrace-plot share/man/man8/coldtrace.8
	lib/systemd/system/coldtrace.service
	share/bash-completion/completions/coldtrace)
for f in "${files[@]}"; do
	[ -s "$p/$f" ] || fail "$f not installed"
done
"$p/sbin/coldtrace" --version >/dev/null
file -b "$p/sbin/coldtrace" | grep -q ', stripped' ||
	fail "installed binary not stripped: $(file -b "$p/sbin/coldtrace")"
! grep -l /usr/local/ "$p/share/man/man8/coldtrace.8" \
	"$p/lib/systemd/system/coldtrace.service" ||
	fail "/usr/local paths under PREFIX=$prefix"
man -l "$p/share/man/man8/coldtrace.8" | grep -q -- '--listen' ||
	fail "man page does not render --listen"
usage=$("$p/bin/coldtrace-plot" 2>&1 || true)	# exits 2 after its usage
grep -q '^usage: coldtrace-plot ' <<<"$usage" ||
	fail "coldtrace-plot's usage does not say its name: $usage"
command -v systemd-analyze >/dev/null || fail "systemd-analyze missing (systemd)"
# point ExecStart at the staged binary; the page at the staged man dir
sed "s|$prefix/sbin/coldtrace|$p/sbin/coldtrace|" \
	"$p/lib/systemd/system/coldtrace.service" >"$t/coldtrace.service"
MANPATH=$p/share/man systemd-analyze verify "$t/coldtrace.service" \
	>"$t/verify" 2>&1 || fail "systemd-analyze verify: $(cat "$t/verify")"
[ ! -s "$t/verify" ] || fail "systemd-analyze verify says: $(cat "$t/verify")"
score=$(systemd-analyze security --offline=true "$t/coldtrace.service" 2>&1 |
	sed -n 's/^→ Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
[ -n "$score" ] || fail "no exposure level from systemd-analyze security"
awk -v s="$score" 'BEGIN { exit !(s <= 4.0) }' ||
	fail "systemd-analyze security: exposure $score > 4.0"
make -s uninstall DESTDIR="$t" PREFIX=$prefix >/dev/null
for f in "${files[@]}"; do
	[ ! -e "$p/$f" ] || fail "$f left after make uninstall"
done
echo "install: ok (unit exposure $score)"
