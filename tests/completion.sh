#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# bash-completion/coldtrace against the program: its option words are
# the ones tools/cli-doc.sh prints from the option table (the lines
# between its markers; --write puts them there), and the options it
# offers are --help's, every one; values complete as the options take
# them (lists item by item); after "--" the COMMAND's own completion
# runs.  Driven as bash-completion drives it: COMP_WORDS as readline
# splits the line (an '=' is a word of its own).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tests/doc_table.sh
. tests/doc_table.sh
fail() { echo "FAIL: completion: $*"; exit 1; }
words=$(mktemp)
trap 'rm -f "$words"' EXIT
tools/cli-doc.sh completion >"$words"
doc_table completion bash-completion/coldtrace \
	"# cli.c's rows: begin (tests/completion.sh --write)" \
	"# cli.c's rows: end" "$words" "${1:-}"
bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || fail "$bc missing (Debian's bash-completion)"
# shellcheck disable=SC1090
. "$bc"
# shellcheck source=bash-completion/coldtrace
. bash-completion/coldtrace
# readline's own, which only a completion run by readline may call
compopt() { :; }

# The completions of a line whose words are "$@" (the last being
# completed), sorted, one per line.
comp() {
	set +eu		# bash-completion is not written for -e or -u
	local w prev=
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE=
	for w in "$@"; do	# readline's words, the line as typed
		[ -z "$COMP_LINE" ] || [ "$w" = = ] || [ "$prev" = = ] ||
			COMP_LINE+=" "
		COMP_LINE+=$w
		prev=$w
	done
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_coldtrace coldtrace "${COMP_WORDS[COMP_CWORD]}" \
		"${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort
	set -eu
}

# --help's long options, as tests/man.sh reads them, each as the option
# table's row takes its value: "--name=" (required), "--name" and
# "--name=" (optional, "--paths[=N]"), "--name" (none)
help=$(./coldtrace --help | grep -E '^  -[A-Za-z?], |^      --' |
	sed -E 's/^ +(-[A-Za-z?], )*(--[a-z][a-z-]*)(\[?=?)?.*/\2 \3/' |
	while read -r name arg; do
		case $arg in
		=) echo "$name=" ;;
		"[=") printf '%s\n' "$name" "$name=" ;;
		*) echo "$name" ;;
		esac
	done | sort -u)
offered=$(comp coldtrace - | grep -vx -- -- | sort -u)
[ "$offered" = "$help" ] ||
	fail "options: --help's and the completion's differ:
$(diff <(echo "$help") <(echo "$offered") || true)"
[ "$(comp coldtrace --ru)" = "--runtime=" ] || fail "--ru: $(comp coldtrace --ru)"
[ "$(comp coldtrace -r ru | tr '\n' ' ')" = "runc runsc " ] ||
	fail "-r ru: $(comp coldtrace -r ru)"
[ "$(comp coldtrace --runtime = runc,cr)" = "runc,crun" ] ||
	fail "--runtime=runc,cr: $(comp coldtrace --runtime = runc,cr)"
[ "$(comp coldtrace --engine = c | tr '\n' ' ')" = "containerd cri " ] ||
	fail "--engine=c: $(comp coldtrace --engine = c)"
# the values -V lists (the program's tables), and all
for what in runtimes engines; do
	opt=--${what%s}
	want=$({ ./coldtrace -V | sed -n "s/^$what: //p" | tr ' ' '\n'
		echo all; } | sort)
	[ "$(comp coldtrace "$opt" = '')" = "$want" ] ||
		fail "$opt: -V's and the completion's differ:
$(diff <(echo "$want") <(comp coldtrace "$opt" = '') || true)"
done
[ "$(comp coldtrace --arm al)" = "always" ] || fail "--arm al"
[ "$(comp coldtrace --why = s | tr '\n' ' ')" = "sites states " ] ||
	fail "--why=s: $(comp coldtrace --why = s)"
comp coldtrace --why - | grep -qx -- --json || fail "--why -: no options"
[ -z "$(comp coldtrace -d '')" ] || fail "-d completes a value of its own"
comp coldtrace -j -- bas | grep -qx bash ||
	fail "after --, no command completion"
# `coldtrace compare`: offered as the first word, its options --help's
[ "$(comp coldtrace comp)" = "compare" ] || fail "comp: $(comp coldtrace comp)"
chelp=$(./coldtrace compare --help | grep -E '^  -[A-Za-z?], |^  --' |
	sed -E 's/^ +(-[A-Za-z?], )*(--[a-z][a-z-]*).*/\2/' | sort -u)
coffered=$(comp coldtrace compare - | sed 's/=$//' | sort -u)
[ "$coffered" = "$chelp" ] ||
	fail "compare's options: --help's and the completion's differ:
$(diff <(echo "$chelp") <(echo "$coffered") || true)"
[ "$(comp coldtrace compare --by r)" = "runtime" ] ||
	fail "compare --by r: $(comp coldtrace compare --by r)"
echo "completion: ok ($(echo "$help" | wc -l) option words, compare's $(echo "$chelp" | wc -l))"
