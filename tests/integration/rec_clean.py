#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""
Scans --record files for bytes that hold nothing and yet are not zero:
after a string field's NUL, past an exec's argv or a CNI plugin's
environment, in padding.  The layouts are written out here from
include/coldtrace.h, pull.h and opens.h, not taken from coldtrace's own
code, so that the scan is an independent check of what it records.

Usage: rec_clean.py FILE...   exit 0: every record clean; 1: the dirty
records are named (type, offset in the file, field); 2: not a recording.
"""
import struct
import sys

HDR = 72
FILE_HDR = 128
STRINGS = {	# type: (offset, size) of each NUL-terminated field
	2: [(80, 16)],				# FORK child_comm
	4: [(96, 256), (352, 256)],		# MOUNT source, target
	5: [(96, 256), (352, 256)],		# UMOUNT
	6: [(144, 256)],			# PULL_BLOB path
	7: [(80, 256), (336, 256)],		# PULL_RENAME old, new
	9: [(144, 256)],			# PULL_UNTRACED path
	10: [(104, 256)],			# CONNECT path
	13: [(88, 256)],			# MKDIR path
	15: [(88, 256)],			# RMDIR path
	20: [(88, 256)],			# CMKDIR path
	103: [(72, 128), (200, 128)],		# NAME id, name
	105: [(72, 128), (200, 128)],		# MOUNTID
}
PADS = {	# type: (offset, size) of padding
	3: [(76, 4)], 7: [(76, 4)], 8: [(76, 4)], 12: [(76, 4)],
	104: [(84, 4)], 106: [(84, 4)],
}
PATHS_ENT, PATHS_K = 16 + 256, 16


def after_nul(b):
	i = b.find(b'\0')
	return i >= 0 and any(b[i:])


def used_tail(r, len_off, area_off):
	"""exec argv, CNI env: bytes past the used length"""
	used = struct.unpack_from('<I', r, len_off)[0]
	return any(r[area_off + used:])


def dirty_fields(typ, r):
	bad = []
	if after_nul(r[56:HDR]):
		bad.append('comm')
	for off, n in STRINGS.get(typ, []):
		if len(r) >= off + n and after_nul(r[off:off + n]):
			bad.append('string@%d' % off)
	for off, n in PADS.get(typ, []):
		if len(r) >= off + n and any(r[off:off + n]):
			bad.append('pad@%d' % off)
	if typ in (1, 107) and len(r) >= 336:
		if after_nul(r[80:336]):
			bad.append('filename')
		if used_tail(r, 72, 336):
			bad.append('args')
	if typ == 14 and len(r) >= 80 and used_tail(r, 72, 80):
		bad.append('env')
	if typ == 104:
		for k in range(PATHS_K):
			e = 88 + k * PATHS_ENT
			if len(r) >= e + PATHS_ENT and (any(r[e + 12:e + 16]) or
						       after_nul(r[e + 16:e + PATHS_ENT])):
				bad.append('paths[%d]' % k)
	return bad


def scan(path):
	d = open(path, 'rb').read()
	if len(d) < FILE_HDR or d[:8] != b'COLDTRC\0':
		print('%s: not a coldtrace recording' % path, file=sys.stderr)
		return None
	off, n, dirty = FILE_HDR, 0, 0
	while off + HDR <= len(d):
		typ, size = struct.unpack_from('<II', d, off + 8)
		if size < HDR:
			print('%s: bad record size %d at %d' % (path, size, off),
			      file=sys.stderr)
			return None
		bad = dirty_fields(typ, d[off:off + size])
		if bad:
			dirty += 1
			if dirty <= 10:
				print('%s: record type %d at offset %d: %s' %
				      (path, typ, off, ', '.join(bad)))
		n += 1
		off += size
	return n, dirty


def main():
	rc = 0
	for path in sys.argv[1:]:
		res = scan(path)
		if res is None:
			return 2
		n, dirty = res
		print('%s: %d records, %d with bytes after a NUL or in padding' %
		      (path, n, dirty))
		rc |= dirty > 0
	return 1 if rc else 0


if __name__ == '__main__':
	sys.exit(main())
