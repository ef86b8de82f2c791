#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Cut a coldtrace --record file to a wall-clock window, for a small
test fixture made from a long recording:

  tools/ctrec-cut.py IN OUT T0_NS T1_NS

Keeps the file header, every kernel record whose time (ts_ns plus the
header's mono_to_real_ns) is in [T0_NS, T1_NS], and every record made by
userspace (types 100 and up: names, mount ids, open histograms, the end
mark), which are few and name the containers they belong to."""
import struct
import sys

HDR = 128
USERSPACE_FIRST = 100


def main():
    src, dst, t0, t1 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    data = open(src, "rb").read()
    if data[:7] != b"COLDTRC":
        sys.exit(f"{src}: not a coldtrace recording")
    off_ns = struct.unpack_from("<q", data, 24)[0]
    out, off, kept = [data[:HDR]], HDR, 0
    while off + 16 <= len(data):
        ts, typ, size = struct.unpack_from("<QII", data, off)
        if size < 16 or off + size > len(data):
            sys.exit(f"{src}: bad record at offset {off}")
        if typ >= USERSPACE_FIRST or t0 <= ts + off_ns <= t1:
            out.append(data[off:off + size])
            kept += 1
        off += size
    with open(dst, "wb") as f:
        f.write(b"".join(out))
    print(f"{dst}: {kept} records, {sum(map(len, out))} bytes")


if __name__ == "__main__":
    main()
