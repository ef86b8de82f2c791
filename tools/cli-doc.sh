#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# What user/core/cli.c's option rows make of the man page's OPTIONS
# (`man`: docs/man/coldtrace.8) or of the completion's option words
# (`completion`: bash-completion/coldtrace): the lines between the
# file's markers, printed by tests/cli_doc.c.  tests/man.sh and
# tests/completion.sh compare them with the files, and with --write put
# them there: a new option is its row, then those two with --write.
#
# Usage: tools/cli-doc.sh man|completion
# CLI_DOC: the printer (make's $(OUTPUT)/cli_doc); unset, it is built.
set -euo pipefail
cd "$(dirname "$0")/.."
case ${1:-} in
man | completion) ;;
*)
	echo "usage: $0 man|completion" >&2
	exit 2
	;;
esac
doc=${CLI_DOC:-}
if [ -z "$doc" ]; then
	doc=.output/cli_doc
	make -s --no-print-directory "$doc" >&2
fi
exec "$doc" "$1"
