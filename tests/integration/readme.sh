#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# README.md's example outputs, and those of the docs pages that took
# its longer examples, are what this coldtrace prints now
# (tools/readme-sync.sh --check): --usage, the demo's recorded session
# replayed, one JSON record, compare's verdict, --why's wait sites.  A change to an output that leaves the
# README behind fails here; fix it with tools/readme-sync.sh.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
"$TOP/tools/readme-sync.sh" --check "${COLDTRACE:-$TOP/coldtrace}"
