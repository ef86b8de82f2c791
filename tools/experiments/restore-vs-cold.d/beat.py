# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""The service of tools/experiments/restore-vs-cold.

  python3 beat.py PORT DIR

Imports what the start-files-lazy service imports (svc.py, beside it:
~280 standard modules, as a web framework would), listens on
127.0.0.1:PORT inside its network namespace (coldtrace's ready), then
every 10 ms writes its own wall clock (ns) into DIR/beat, a new file
each time, renamed into place (no file stays open: a checkpoint of it
holds no open file of the bind mount).  The experiment's client reads
DIR/beat: the first beat after its command's start is when the service
runs, whether it started cold or was restored.
"""
import os
import socket
import sys
import time

import svc  # noqa: F401  (its imports are the start's work)


def main():
    port, d = int(sys.argv[1]), sys.argv[2]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", port))
    s.listen(8)
    tmp, beat = os.path.join(d, ".beat"), os.path.join(d, "beat")
    while True:
        with open(tmp, "w") as f:
            f.write("%d\n" % time.time_ns())
        os.replace(tmp, beat)
        time.sleep(0.01)


if __name__ == "__main__":
    main()
