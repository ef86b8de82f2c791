#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""A writer of the test's own for tests/integration/why_waits.sh: opens
FIFO for writing (which returns once a reader opened it), names itself
ct-fifo-writer (its comm, as the kernel's wakeup records see it), waits
DELAY seconds, writes two bytes, and prints its pid and the ns from the
open's return to the write: the reader's wait, on the writer's clock."""
import ctypes
import os
import sys
import time

PR_SET_NAME = 15


def main():
    fifo, delay = sys.argv[1], float(sys.argv[2])
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NAME, b"ct-fifo-writer", 0, 0, 0) != 0:
        sys.exit("prctl(PR_SET_NAME) failed")
    fd = os.open(fifo, os.O_WRONLY)
    opened = time.monotonic_ns()
    time.sleep(delay)
    written = time.monotonic_ns()
    os.write(fd, b"x\n")
    os.close(fd)
    print(os.getpid(), written - opened)


if __name__ == "__main__":
    main()
