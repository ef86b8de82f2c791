#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""A logging HTTP proxy in front of a registry on loopback.

Writes one JSON line per request to LOG: method, path, the Range header,
the status, the body bytes sent to the client and the wall clock (ns) of
the request's start and end.  docker-registry's own access log has the
status and size but not the Range header, which is what tells a lazy
pull's on-demand fetches apart (docs/lazy.md): this log is the
independent truth the lazy tests compare with.

  range-proxy.py --listen 127.0.0.1:PORT --upstream 127.0.0.1:PORT
                 --log FILE [--blob-delay-ms MS]

--blob-delay-ms holds each GET of a blob that long before it is sent on
(a slow registry, for the reader's wait states).  Only loopback
addresses are accepted to listen on; upstream, loopback or a far
registry of tools/registry.sh (CT_REGISTRY_RTT_MS: 10.213.0.0/24, in a
network namespace of its own behind a veth of ours).
"""
import argparse
import http.client
import http.server
import ipaddress
import json
import re
import sys
import threading
import time

# Hop-by-hop headers are the proxy's own (RFC 9110 7.6.1), never passed on.
HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer",
       "transfer-encoding", "upgrade"}
BLOB = re.compile(r"^/v2/.+/blobs/sha256:[0-9a-f]{64}$")
CHUNK = 1 << 16


FAR_NET = ipaddress.ip_network("10.213.0.0/24")	# tools/registry.sh's


def host_port(addr, far_ok):
    host, _, port = addr.rpartition(":")
    try:
        ip = ipaddress.ip_address(host)
        ok = ip.is_loopback or (far_ok and ip in FAR_NET)
    except ValueError:
        ok = False
    if not ok or not port.isdigit():
        what = "loopback or far registry" if far_ok else "loopback"
        raise argparse.ArgumentTypeError(f"{addr}: not a {what} HOST:PORT")
    return host, int(port)


class Proxy(http.server.BaseHTTPRequestHandler):
    # HTTP/1.1: the snapshotter keeps one connection for its range requests
    protocol_version = "HTTP/1.1"
    # The headers and the body go out in separate writes: with Nagle on,
    # the body waits for the client's delayed ACK of the headers, ~40 ms
    # per request on a kept-alive connection (44 ms median for a 50 kB
    # range, 2 ms without).
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def forward(self):
        srv = self.server
        start = time.time_ns()
        if self.command == "GET" and BLOB.match(self.path.split("?")[0]):
            time.sleep(srv.delay_ms / 1000)
        body = None
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            body = self.rfile.read(n)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        up = http.client.HTTPConnection(*srv.upstream, timeout=60)
        sent, status = 0, 502
        try:
            up.request(self.command, self.path, body=body, headers=hdrs)
            resp = up.getresponse()
            status = resp.status
            self.send_response_only(status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            length = resp.getheader("Content-Length")
            if length is not None:
                self.send_header("Content-Length", length)
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            while self.command != "HEAD":
                buf = resp.read(CHUNK)
                if not buf:
                    break
                self.wfile.write(buf)
                sent += len(buf)
            self.wfile.flush()
        except (OSError, http.client.HTTPException) as e:
            self.close_connection = True
            if status == 502 and sent == 0:
                try:
                    self.send_error(502, str(e))
                except OSError:
                    pass
        finally:
            up.close()
            srv.record({"method": self.command, "path": self.path,
                        "range": self.headers.get("Range"),
                        "status": status, "bytes": sent,
                        "start_ns": start, "end_ns": time.time_ns()})

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = forward


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, listen, upstream, log, delay_ms):
        super().__init__(listen, Proxy)
        self.upstream = upstream
        self.delay_ms = delay_ms
        self.log = log
        self.lock = threading.Lock()

    def record(self, rec):
        # one write per line under a lock: lines never interleave
        with self.lock:
            self.log.write(json.dumps(rec, sort_keys=True) + "\n")
            self.log.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen", type=lambda a: host_port(a, False),
                   required=True)
    p.add_argument("--upstream", type=lambda a: host_port(a, True),
                   required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--blob-delay-ms", type=int, default=0)
    a = p.parse_args()
    if not 0 <= a.blob_delay_ms <= 60000:
        p.error("--blob-delay-ms: 0..60000")
    with open(a.log, "a", encoding="utf-8") as log:
        srv = Server(a.listen, a.upstream, log, a.blob_delay_ms)
        print(f"range-proxy: {a.listen[0]}:{a.listen[1]} -> "
              f"{a.upstream[0]}:{a.upstream[1]}, log {a.log}",
              file=sys.stderr, flush=True)
        try:
            srv.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
