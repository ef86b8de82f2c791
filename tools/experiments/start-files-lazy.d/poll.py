#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Connect to 127.0.0.1:PORT until it accepts: the client of
tools/experiments/start-files-lazy.

  poll.py PORT TIMEOUT_S

Tries a TCP connect every millisecond (refused at once on loopback
before the service listens); once one succeeds, reads the service's
answer.  Prints "CONNECT_NS ANSWER_NS" (wall clock, ns): the connect
that succeeded, and the answer's arrival (the service accepted it).
Exits 1 if nothing accepted within TIMEOUT_S.
"""
import socket
import sys
import time


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    port, limit = int(sys.argv[1]), float(sys.argv[2])
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=limit)
        except OSError:
            time.sleep(0.001)
            continue
        t_conn = time.time_ns()
        data = s.recv(16)
        t_ans = time.time_ns()
        s.close()
        if data.startswith(b"ok"):
            print(t_conn, t_ans)
            return
        sys.exit(f"poll: unexpected answer {data!r}")
    sys.exit(f"poll: nothing accepted on 127.0.0.1:{port} in {limit} s")


if __name__ == "__main__":
    main()
