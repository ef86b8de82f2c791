#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# --start-files: the files a container read from its root file system
# before it was ready, in first-touch order, with their sizes
# (docs/start-files.md).  The truth is the container's own script: it
# writes files of known sizes into /sf (writes are no start files), then
# reads a file of a read-only bind mount at /vol (not its root file
# system: no start file) and its files in a known order (busybox is
# static: nothing else opens a regular file), listens (its ready), then
# reads one more.  Its program /bin/sh, run by the kernel, not opened,
# is a start file too: busybox, whose size the image's stat gives.
# - under -- COMMAND (runc): the list is exactly /bin/sh, c, a, rel, b
#   (each path once, "rel" opened relative to /sf and counted so), with
#   their sizes, offsets rising and before its ready's end; "late",
#   read after the listen, is not in it; start-files.jsonl holds the
#   same lines, each with "path" first, and start-files-images.jsonl
#   them folded for the image (each path 1 of 1, at its offset);
# - its replay (--replay of the --record) writes the same file, byte
#   for byte, and the table's note under its row says 5 files and
#   their KiB;
# - --start-files=1 on a program that never listens: its list is cut at
#   1 s ("until": "window"), the file read 2 s in is absent;
# - detached (continuous, default --arm=auto, idle verified by bpftool
#   before the scenario; crun): the same list and summary, and the
#   final -o DIR's start-files.jsonl and start-files-images.jsonl have
#   them;
# - a dynamic program (the host's coreutils `true`, its libraries and
#   loader copied into an image of busybox's): its loader, which the
#   kernel maps with no open, is listed right after the program, by the
#   name the program's ELF gives it (readelf's PT_INTERP) and at its
#   size in the image, once, under -- COMMAND (runc, and its replay
#   byte for byte) and detached (crun).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detached_lib.sh"

VOL=$T/vol
mkdir -p "$VOL"
echo volume >"$VOL/v"
declare -A SIZE=([c]=3000 [a]=1000 [rel]=700 [b]=2000 [late]=500 [win]=400)
size() { echo "${SIZE[$1]}"; }
# Writes /sf/NAME of its size for each NAME given.
mk() {
	local f out="mkdir -p /sf"
	for f in "$@"; do
		out+="; head -c ${SIZE[$f]} /dev/zero >/sf/$f"
	done
	echo "$out"
}

# Writes its files; reads /vol/v, then c, a, rel (relative), b, a
# again; listens; reads late.
READER="$(mk c a rel b late)"'
cat /vol/v >/dev/null; cat /sf/c >/dev/null; cat /sf/a >/dev/null; cd /sf; cat rel >/dev/null
cat /sf/b /sf/a >/dev/null; nc -l -p 8080 & sleep 1; cat /sf/late >/dev/null; kill $!'
# Never listens: reads a, then win 2 s later.
SLOW="$(mk a win)"'; cat /sf/a >/dev/null; sleep 2; cat /sf/win >/dev/null'

# docker run of PROGRAM, as a command line (coldtrace's COMMAND)
DOCKER_RUN='docker run --rm --network none --runtime "$1" --cidfile "$2" \
	-v "$3:/vol:ro" "$4" sh -c "$5"'
docker_run() {	# RUNTIME CIDFILE PROGRAM
	sh -c "$DOCKER_RUN" sh "$1" "$2" "$VOL" "$CT_IMAGE" "$3"
}
# The truth of the program's size: the image's own stat (no trace runs).
SH_SIZE=$(docker run --rm --network none "$CT_IMAGE" stat -L -c %s /bin/sh)
[ "$SH_SIZE" -gt 0 ] || fail "no size of the image's /bin/sh"

# The lines of start-files.jsonl $1 of container $2.
lines_of() {	# FILE ID
	jq -c --arg id "$2" 'select(.id == $id)' "$1"
}

# Record $1's summary and list $2 (lines) are the reader's, exactly.
check_reader() {	# RECORD LINES WHAT
	local r=$1 l=$2 want got ready_ns

	want=$(printf '%s\n' "/bin/sh $SH_SIZE" "/sf/c $(size c)" "/sf/a $(size a)" \
		"rel $(size rel)" "/sf/b $(size b)")
	got=$(jq -r '"\(.path) \(.size)"' <<<"$l")
	[ "$got" = "$want" ] || { echo "$l" >&2; fail "$3: list is [$got], expected [$want]"; }
	jq -se 'map(.offset_ns) | . == sort' <<<"$l" >/dev/null ||
		fail "$3: offsets not rising: $l"
	jq -e --argjson n 5 --argjson b "$READ_BYTES" \
		'.start_files | .count == $n and .bytes == $b and .until == "ready"
		 and .relative == 1 and .dropped == 0' <<<"$r" >/dev/null ||
		fail "$3: start_files is $(jq -c .start_files <<<"$r")"
	ready_ns=$(jq '.phases.ready.dur_ns' <<<"$r")
	jq -se --argjson r "$ready_ns" 'all(.[]; .offset_ns < $r)' <<<"$l" >/dev/null ||
		fail "$3: an offset past ready's end ($ready_ns ns): $l"
	jq -e --argjson r "$ready_ns" '.start_files.until_ns == $r' <<<"$r" >/dev/null ||
		fail "$3: until_ns is not ready's end ($ready_ns): $(jq -c .start_files <<<"$r")"
	# each line as ctr-remote's recorder writes it: "path" first
	while IFS= read -r line; do
		[[ $line == '{"path":'* ]] || fail "$3: a line without path first: $line"
	done <<<"$l"
}

# start-files-images.jsonl in DIR $1 of a session whose one container
# listed LINES $2: its image's lines are those, folded (1 of 1: each
# path at its own offset, in the same order).
check_images() {	# DIR LINES WHAT
	local want got image
	want=$(jq -c '{path, image, offset_ns, containers: 1, of: 1}' <<<"$2")
	image=$(jq -r .image <<<"$2" | head -n 1)
	[ -n "$image" ] || fail "$3: no image in the container's lines"
	got=$(jq -c --arg i "$image" 'select(.image == $i)' "$1/start-files-images.jsonl")
	[ "$got" = "$want" ] ||
		fail "$3: start-files-images.jsonl has [$got], the container's lines fold to [$want]"
}

# 1. -- COMMAND (runc), recorded; then its replay
READ_BYTES=$((SH_SIZE + ${SIZE[c]} + ${SIZE[a]} + ${SIZE[rel]} + ${SIZE[b]}))
run_ct -j --start-files -o "$T/o" --record "$T/s.ctrec" -- \
	sh -c "$DOCKER_RUN" sh runc "$T/cid1" "$VOL" "$CT_IMAGE" "$READER"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
id=$(cat "$T/cid1")
r=$(records | jq -c --arg id "$id" 'select(.id == $id)')
[ -n "$r" ] || { show_output; fail "no record of the reader"; }
check_reader "$r" "$(lines_of "$T/o/start-files.jsonl" "$id")" "runc"
check_images "$T/o" "$(lines_of "$T/o/start-files.jsonl" "$id")" "runc"
note "runc: $(jq -c .start_files <<<"$r"), ready $(jq .phases.ready.dur_ns <<<"$r") ns"

run_ct -j --start-files --replay "$T/s.ctrec" -o "$T/o2"
[ "$CT_RC" -eq 0 ] || { show_output; fail "replay exited $CT_RC"; }
cmp "$T/o/start-files.jsonl" "$T/o2/start-files.jsonl" ||
	fail "the replay's start-files.jsonl differs from the live session's"
cmp "$T/o/start-files-images.jsonl" "$T/o2/start-files-images.jsonl" ||
	fail "the replay's start-files-images.jsonl differs from the live session's"
note "replay: start-files.jsonl and start-files-images.jsonl byte for byte"
run_ct --start-files --replay "$T/s.ctrec"
kib=$(awk -v b="$READ_BYTES" 'BEGIN { printf "%.1f", b / 1024 }')
grep -q "^  start files: 5 ($kib KiB) in .* ms, until ready at .* ms; 1 relative$" "$T/out" ||
	{ show_output; fail "the table has no start files line for the reader"; }

# 2. the window: a program that never listens, --start-files=1
run_ct -j --start-files=1 -o "$T/o3" -- \
	sh -c "$DOCKER_RUN" sh runc "$T/cid2" "$VOL" "$CT_IMAGE" "$SLOW"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
id=$(cat "$T/cid2")
r=$(records | jq -c --arg id "$id" 'select(.id == $id)')
l=$(lines_of "$T/o3/start-files.jsonl" "$id")
[ "$(jq -r .path <<<"$l" | paste -sd' ')" = "/bin/sh /sf/a" ] ||
	fail "window: list is [$l], expected /bin/sh and /sf/a alone"
jq -e '.start_files | .count == 2 and .until == "window" and .until_ns == 1000000000' \
	<<<"$r" >/dev/null || fail "window: start_files is $(jq -c .start_files <<<"$r")"
note "window: $(jq -c .start_files <<<"$r")"

# 3. detached, crun
dt_start --start-files
docker_run crun "$T/cid3" "$READER"
id=$(cat "$T/cid3")
r=$(dt_record "$id")
dt_stop
check_reader "$r" "$(lines_of "$T/dir/start-files.jsonl" "$id")" "detached crun"
check_images "$T/dir" "$(lines_of "$T/dir/start-files.jsonl" "$id")" "detached crun"
note "detached crun: $(jq -c .start_files <<<"$r")"

# 4. a dynamic program: its loader, mapped by the kernel with no open
DYN=coldtrace/start-files-dyn:latest
INTERP=$(readelf -l /usr/bin/true | sed -n 's/.*program interpreter: \(.*\)\]$/\1/p')
[ -n "$INTERP" ] || fail "no PT_INTERP in /usr/bin/true (readelf)"
mkdir -p "$T/dyn/dyn"
c=$(docker create "$CT_IMAGE" sh) || fail "docker create"
docker export "$c" | tar -C "$T/dyn" -xf - || fail "docker export"
docker rm "$c" >/dev/null
cp /usr/bin/true "$T/dyn/dyn/true"
for f in $(ldd /usr/bin/true | awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
	mkdir -p "$T/dyn$(dirname "$f")"
	cp -L "$f" "$T/dyn$f"
done
tar -C "$T/dyn" -cf - . | docker import -c 'CMD ["/bin/sh"]' - "$DYN" >/dev/null ||
	fail "docker import of $DYN"
INTERP_SIZE=$(docker run --rm --network none "$DYN" stat -L -c %s "$INTERP")
[ "$INTERP_SIZE" -gt 0 ] || fail "no size of $INTERP in $DYN"
DYN_PROG='/dyn/true; nc -l -p 8080 & sleep 1; kill $!'

# The list $1 has /dyn/true, then the loader at its size, and it once.
check_loader() {	# LINES WHAT
	local got
	got=$(jq -r '"\(.path) \(.size)"' <<<"$1")
	grep -A1 -x "/dyn/true [0-9]*" <<<"$got" | tail -n 1 |
		grep -qx "$INTERP $INTERP_SIZE" ||
		fail "$2: list [$got]: not the loader $INTERP ($INTERP_SIZE B) right after /dyn/true"
	[ "$(grep -c "^$INTERP " <<<"$got")" = 1 ] || fail "$2: the loader not once: [$got]"
	note "$2: $(paste -sd' ' <<<"$got")"
}

run_ct -j --start-files -o "$T/o4" --record "$T/d.ctrec" -- \
	sh -c "$DOCKER_RUN" sh runc "$T/cid4" "$VOL" "$DYN" "$DYN_PROG"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC (dynamic)"; }
check_loader "$(lines_of "$T/o4/start-files.jsonl" "$(cat "$T/cid4")")" "dynamic, runc"
run_ct -j --start-files --replay "$T/d.ctrec" -o "$T/o5"
cmp "$T/o4/start-files.jsonl" "$T/o5/start-files.jsonl" ||
	fail "dynamic: the replay's start-files.jsonl differs"

dt_start --start-files
sh -c "$DOCKER_RUN" sh crun "$T/cid5" "$VOL" "$DYN" "$DYN_PROG"
dt_record "$(cat "$T/cid5")" >/dev/null
dt_stop
check_loader "$(lines_of "$T/dir/start-files.jsonl" "$(cat "$T/cid5")")" "dynamic, detached crun"
