#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""A slow FUSE file system of our own, for tests: the truth for coldtrace's
CT_EV_FUSE records, as a lazy-pulling snapshotter would be one, without
its packages.

    fuse_slow.py MOUNTPOINT LOG NAME:SIZE... [--delay-ms D]

Mounts a read-only directory holding files NAME of SIZE bytes (each
byte: its offset modulo 251) at MOUNTPOINT, then serves the kernel's
requests on /dev/fuse one at a time, each FUSE_READ after D ms (default
100), until MOUNTPOINT is unmounted.  Reads are synchronous (no
FUSE_ASYNC_READ): each is the reader's own wait.  LOG gets one JSON line
per request: unique, opcode, pid (the requesting thread, host pid),
recv_ns and reply_ns (CLOCK_MONOTONIC, bpf_ktime_get_ns()'s clock: after
its read returned, before its reply's write) and bytes (a read's data).  "ready" is printed on stdout once mounted.
Speaks the kernel's FUSE protocol directly (7.31): no libfuse.
"""
import ctypes
import errno
import json
import os
import struct
import sys
import time

LOOKUP, FORGET, GETATTR, OPEN, READ, RELEASE = 1, 2, 3, 14, 15, 18
STATFS, GETXATTR, FLUSH, INIT, OPENDIR, READDIR = 17, 22, 25, 26, 27, 28
RELEASEDIR, ACCESS, INTERRUPT, DESTROY, BATCH_FORGET = 29, 34, 36, 38, 42
NO_REPLY = (FORGET, INTERRUPT, BATCH_FORGET)

IN_HDR = struct.Struct("<IIQQIIIHH")	# fuse_in_header, 40 bytes
OUT_HDR = struct.Struct("<IiQ")		# fuse_out_header, 16 bytes
ATTR = struct.Struct("<QQQQQQIIIIIIIIII")	# fuse_attr, 88 bytes
READ_IN = struct.Struct("<QQII")	# fuse_read_in: fh, offset, size, flags
ROOT = 1


def attr(ino, size, mode):
    return ATTR.pack(ino, size, (size + 511) // 512, 0, 0, 0, 0, 0, 0,
                     mode, 1, 0, 0, 0, 4096, 0)


class Fs:
    def __init__(self, files, delay_ms, log):
        # nodeid 2.. in the order given
        self.files = {name: (i + 2, size) for i, (name, size) in
                      enumerate(files)}
        self.by_ino = {ino: size for ino, size in self.files.values()}
        self.delay = delay_ms / 1000.0
        self.log = log

    def getattr(self, ino):
        if ino == ROOT:
            a = attr(ROOT, 0, 0o40555)
        elif ino in self.by_ino:
            a = attr(ino, self.by_ino[ino], 0o100444)
        else:
            return -errno.ENOENT, b""
        return 0, struct.pack("<QII", 60, 0, 0) + a

    def lookup(self, parent, body):
        name = body.split(b"\0", 1)[0].decode(errors="replace")
        if parent != ROOT or name not in self.files:
            return -errno.ENOENT, b""
        ino, size = self.files[name]
        return 0, struct.pack("<QQQQII", ino, 0, 60, 60, 0, 0) + \
            attr(ino, size, 0o100444)

    def read(self, ino, body):
        _, off, size, _ = READ_IN.unpack_from(body)
        total = self.by_ino.get(ino, 0)
        n = max(0, min(size, total - off))
        time.sleep(self.delay)
        return 0, bytes((off + i) % 251 for i in range(n))

    def handle(self, op, ino, body):
        if op == INIT:
            major, minor, max_ra, _ = struct.unpack_from("<IIII", body)
            # fuse_init_out, 64 bytes: no flags (synchronous reads)
            out = struct.pack("<IIIIHHIIHHII", 7, 31, max_ra, 0, 16, 12,
                              131072, 1, 32, 0, 0, 0) + bytes(24)
            return 0, out
        if op == GETATTR:
            return self.getattr(ino)
        if op == LOOKUP:
            return self.lookup(ino, body)
        if op in (OPEN, OPENDIR):
            return 0, struct.pack("<QII", 0, 0, 0)
        if op == READ:
            return self.read(ino, body)
        if op in (RELEASE, RELEASEDIR, FLUSH, DESTROY):
            return 0, b""
        if op == READDIR:
            return 0, b""
        return -errno.ENOSYS, b""


def mount(fd, mnt):
    libc = ctypes.CDLL(None, use_errno=True)
    opts = f"fd={fd},rootmode=40000,user_id=0,group_id=0,allow_other"
    if libc.mount(b"fuse_slow", mnt.encode(), b"fuse", 0x6,	# nosuid,nodev
                  opts.encode()) != 0:
        e = ctypes.get_errno()
        sys.exit(f"fuse_slow: mount {mnt}: {os.strerror(e)}")


def serve(fd, fs):
    while True:
        try:
            buf = os.read(fd, 1 << 20 | 4096)
        except OSError as e:
            if e.errno in (errno.ENODEV, errno.EBADF):
                return	# unmounted
            if e.errno in (errno.EINTR, errno.ENOENT):
                continue	# an interrupted request
            raise
        recv = time.monotonic_ns()
        _, op, unique, ino, _, _, pid, _, _ = IN_HDR.unpack_from(buf)
        if op in NO_REPLY:
            continue
        err, out = fs.handle(op, ino, buf[IN_HDR.size:])
        # before the write: the kernel ends the request inside it, so
        # [recv, reply] lies inside the kernel's [send, end] (a stamp
        # after it was late by the write's return, 81 us once: more
        # than coldtrace's union, which the test checks from below)
        reply = time.monotonic_ns()
        try:
            os.write(fd, OUT_HDR.pack(OUT_HDR.size + len(out), err,
                                      unique) + out)
        except OSError as e:
            if e.errno != errno.ENOENT:	# the request was interrupted
                raise
        fs.log.write(json.dumps({
            "unique": unique, "opcode": op, "pid": pid, "recv_ns": recv,
            "reply_ns": reply,
            "bytes": len(out) if op == READ and not err else 0}) + "\n")
        fs.log.flush()
        if op == DESTROY:
            return


def main():
    args = sys.argv[1:]
    delay = 100.0
    if "--delay-ms" in args:
        i = args.index("--delay-ms")
        delay = float(args[i + 1])
        del args[i:i + 2]
    if len(args) < 3:
        sys.exit(__doc__)
    mnt, logpath = args[0], args[1]
    files = []
    for spec in args[2:]:
        name, _, size = spec.partition(":")
        if not name or "/" in name or not size.isdigit():
            sys.exit(f"fuse_slow: bad file spec {spec!r} (NAME:SIZE)")
        files.append((name, int(size)))
    fd = os.open("/dev/fuse", os.O_RDWR)
    mount(fd, mnt)
    with open(logpath, "w") as log:
        print("ready", flush=True)
        serve(fd, Fs(files, delay, log))


if __name__ == "__main__":
    main()
