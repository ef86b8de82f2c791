#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Go symbolization (user/lib/gosym.c, docs/gosym.md) against Go's own,
# on the engines' binaries of the three version sets and on a test
# program built in the layouts they have (tests/gosym/prog: Go 1.19 and
# the newest Go of forky, amd64 and arm64, C code linked first, PIEs
# whose table has no section of its own):
# - Go's cmd/addr2line (forky's, make deps: Debian 12's cannot read Go
#   1.20 tables; and Debian 12's on the Go 1.19 files): every pc of 3000
#   over .text, and 40 functions' entries and ends by name
#   (tests/gosym/check.py);
# - the Go runtime's own traceback, for the dockerds Go's tool cannot
#   read (stripped PIEs, the table inside .data.rel.ro): a dockerd of
#   ours, its containerd socket absent so that it waits, dumps its
#   goroutines at SIGQUIT (tests/gosym/stacks.py);
# - a live process's addresses (user/lib/ustack.c: its maps, the files
#   they map, the line table) against its own traceback with absolute
#   pcs (GOTRACEBACK=system at SIGQUIT): the PIE test programs, loaded
#   where the kernel chose (tests/gosym/ustacks.py);
# - damaged copies of a binary give answers or errors, never a crash
#   (the drivers are built with ASan and UBSan).
. "$(dirname "$0")/lib.sh"

GO_DIR=${CT_GO_DIR:-/opt/coldtrace/versions/go}
A2L_GO=$GO_DIR/bin/addr2line
GO_NEW=$(echo "$GO_DIR"/usr/lib/go-*/bin/go)
OURS=$TOP/.output/gosym_addr2line
USTACK=$TOP/.output/gosym_ustack
BOOKWORM=
TRIXIE=${CT_TRIXIE_DIR:-/opt/coldtrace/versions/trixie}
FORKY=${CT_FORKY_DIR:-/opt/coldtrace/versions/forky}
DPID=

stop_it() {
	[ -z "$DPID" ] || kill -KILL "$DPID" 2>/dev/null || true
	grep -o " $T/[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount || true
	cleanup_test
}
trap stop_it EXIT

if ! [ -x "$A2L_GO" ] || ! [ -x "$GO_NEW" ]; then
	fail "no Go toolchain in $GO_DIR (make deps)"
fi
make -s -C "$TOP" .output/gosym_addr2line .output/gosym_ustack >&2 ||
	fail "cannot build $OURS and $USTACK"

# The test program by GO (1.19 or the new one) for ARCH, C code first
# (external linking, a PIE) or not: $T/prog/NAME and NAME.s, stripped.
build() {	# NAME GO ARCH cgo|static
	local out=$T/prog/$1 cc=gcc strip=strip
	[ "$3" = arm64 ] && { cc=aarch64-linux-gnu-gcc; strip=aarch64-linux-gnu-strip; }
	local env=(GOCACHE="$T/gocache" GOFLAGS=-mod=mod GOTOOLCHAIN=local
		GOARCH="$3" CC="$cc")
	[ "$2" = go ] || env+=(GOROOT="$(dirname "$(dirname "$2")")")
	local args=(-o "$out")
	if [ "$4" = cgo ]; then
		env+=(CGO_ENABLED=1)
		args+=(-buildmode=pie -ldflags=-linkmode=external)
	else
		env+=(CGO_ENABLED=0)
	fi
	(cd "$TOP/tests/gosym/prog" && env "${env[@]}" "$2" build "${args[@]}" .) \
		2>&1 | grep -v '^loadinternal' >&2 || true
	[ -x "$out" ] || fail "cannot build the test program $1"
	"$strip" -o "$out.s" "$out"
}

mkdir -p "$T/prog"
build go119-amd64-cgo go amd64 cgo
build go119-arm64 go arm64 static
build new-amd64-cgo "$GO_NEW" amd64 cgo
build new-arm64-cgo "$GO_NEW" arm64 cgo
# (readelf's whole output first: `grep -q` may leave it a SIGPIPE)
if [[ "$(readelf -SW "$T/prog/new-amd64-cgo")" != *.gopclntab* ]] ||
	[[ "$(readelf -SW "$T/prog/go119-amd64-cgo.s")" == *.gopclntab* ]]; then
	fail "the test programs lack the layouts they stand for"
fi

progs=()
for p in go119-amd64-cgo go119-arm64 new-amd64-cgo new-arm64-cgo; do
	progs+=("$T/prog/$p.s=$T/prog/$p")
done
engines=()
for f in $BOOKWORM/usr/sbin/runc $BOOKWORM/usr/bin/containerd \
	$BOOKWORM/usr/bin/containerd-shim-runc-v2 $BOOKWORM/usr/bin/runsc \
	$BOOKWORM/usr/bin/podman $TRIXIE/usr/bin/containerd \
	$TRIXIE/usr/bin/containerd-shim-runc-v2 $TRIXIE/usr/bin/runsc \
	$FORKY/usr/sbin/runc $FORKY/usr/bin/containerd \
	$FORKY/usr/bin/containerd-shim-runc-v2 $FORKY/usr/sbin/dockerd \
	$FORKY/usr/bin/podman; do
	[ -x "$f" ] || fail "$f missing (make deps)"
	engines+=("$f")
done
python3 "$TOP/tests/gosym/check.py" "$OURS" "$A2L_GO" "${progs[@]}" \
	"${engines[@]}" >"$T/check" 2>"$T/check.err" ||
	{ cat "$T/check" "$T/check.err" >&2; fail "unlike Go's addr2line"; }
sed 's/^/  /' "$T/check" >&2
# Debian 12's own tool, on the Go 1.19 files it reads (not a PIE's
# table outside .gopclntab, even through the symbol table)
python3 "$TOP/tests/gosym/check.py" --pcs 1000 "$OURS" "$(go env GOTOOLDIR)/addr2line" \
	"${progs[1]}" "$BOOKWORM/usr/sbin/runc" "$BOOKWORM/usr/bin/containerd" \
	>"$T/check19" 2>&1 ||
	{ cat "$T/check19" >&2; fail "unlike Debian 12's go tool addr2line"; }
note "Go 1.19's tool: $(grep -c '^ok' "$T/check19") files alike"

# A dockerd of ours, waiting for a containerd that is not there, dumps
# its goroutines on SIGQUIT (20.10's own trap, or Go's runtime), to its
# log.
dump_dockerd() {	# DOCKERD LOG
	local d=$T/dockerd.$$ n=0
	mkdir -p "$d"
	"$1" --data-root "$d/data" --exec-root "$d/exec" -H "unix://$d/sock" \
		--pidfile "$d/pid" --containerd "$d/absent.sock" --bridge none \
		--iptables=false --ip6tables=false </dev/null >"$2" 2>&1 &
	DPID=$!
	until grep -q 'Starting up' "$2" 2>/dev/null || [ $n -ge 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	sleep 2	# in its dial of the absent containerd
	kill -QUIT "$DPID"
	n=0
	until grep -q 'goroutine ' "$2" 2>/dev/null || [ $n -ge 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	sleep 0.5
	kill -KILL "$DPID" 2>/dev/null || true
	wait "$DPID" 2>/dev/null || true
	DPID=
	grep -o " $d/[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount || true
	rm -rf "$d"
}
for f in "$BOOKWORM/usr/sbin/dockerd" "$TRIXIE/usr/sbin/dockerd"; do
	[ -x "$f" ] || fail "$f missing (make deps)"
	dump_dockerd "$f" "$T/dump"
	python3 "$TOP/tests/gosym/stacks.py" "$OURS" "$f" "$T/dump" \
		>"$T/stacks" 2>&1 || { cat "$T/stacks" >&2; fail "unlike $f's own traceback"; }
	sed 's/^/  /' "$T/stacks" >&2
done

# The test program waiting in its parked goroutines: its maps (and
# map_files' links) copied to $T/proc while it runs, then its traceback.
live_dump() {	# PROGRAM
	local n=0 f
	GOTRACEBACK=system "$1" wait >"$T/live.out" 2>"$T/live.dump" &
	DPID=$!
	until grep -q ready "$T/live.out" 2>/dev/null || [ $n -ge 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	grep -q ready "$T/live.out" || fail "$1 never got ready"
	rm -rf "$T/proc"
	mkdir -p "$T/proc/$DPID/map_files"
	cp "/proc/$DPID/maps" "$T/proc/$DPID/maps"
	for f in "/proc/$DPID/map_files"/*; do
		ln -s "$(readlink "$f")" "$T/proc/$DPID/map_files/${f##*/}"
	done
	kill -QUIT "$DPID"
	wait "$DPID" 2>/dev/null || true
	LIVE_PID=$DPID
	DPID=
}
for p in go119-amd64-cgo new-amd64-cgo; do
	live_dump "$T/prog/$p.s"
	python3 "$TOP/tests/gosym/ustacks.py" "$USTACK" "$T/proc" "$LIVE_PID" \
		"$T/live.dump" >"$T/ustacks" 2>&1 ||
		{ cat "$T/ustacks" "$T/live.dump" >&2; fail "$p: unlike its own traceback"; }
	note "$p: $(cat "$T/ustacks")"
done

# Damaged copies: 40 bytes changed at random in the table each time.
python3 - "$T/prog/new-amd64-cgo.s" "$T/bad" 60 <<'PY' || fail "cannot damage"
import os, random, re, subprocess, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = subprocess.run(["readelf", "-SW", src], capture_output=True, text=True).stdout
m = re.search(r"\.gopclntab\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)", out)
off, size = int(m.group(1), 16), int(m.group(2), 16)
data = open(src, "rb").read()
rnd = random.Random(1)
for i in range(n):
    b = bytearray(data)
    for _ in range(40):
        k = off + (rnd.randrange(4096) if i % 2 else rnd.randrange(size))
        b[k] = rnd.randrange(256)
    open(f"{dst}.{i}", "wb").write(b)
PY
pcs=$(python3 -c 'import sys; print("\n".join(hex(0x400000 + i * 977) for i in range(3000)))')
crashed=0 opened=0
for f in "$T"/bad.*; do
	rc=0
	"$OURS" "$f" <<<"$pcs" >/dev/null 2>"$T/bad.err" || rc=$?
	[ "$rc" -le 1 ] || { crashed=$((crashed + 1)); cat "$T/bad.err" >&2; }
	[ "$rc" -ne 0 ] || opened=$((opened + 1))
	rm -f "$f"
done
[ "$crashed" -eq 0 ] || fail "$crashed damaged files made the symbolizer crash"
# the damage past the header must leave tables to look pcs up in
[ "$opened" -ge 20 ] || fail "only $opened of 60 damaged tables opened: the lookups went untried"
note "60 damaged tables: $opened opened and answered 3000 pcs, the rest refused, no crash (ASan, UBSan)"
