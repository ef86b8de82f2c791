/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Image pull records (CT_EV_PULL_FIRST..CT_EV_PULL_LAST), shared by
 * bpf/pull_sys.bpf.h and user/enrich/pulls_in.c.
 *
 * The BPF side follows the blob files of dockerd, containerd and podman: per
 * file ONE record at close with the bytes written (fetch) and read back
 * (unpack) and the first/last time of each, so per-write work stays in
 * the kernel.  Renames that mark progress (layer commit, blob digest,
 * end of a pull) and the daemons' TCP connects are sent as they happen;
 * there are a few per pull.
 */
#ifndef __CT_PULL_H
#define __CT_PULL_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include "coldtrace.h"

enum ct_pull_ev {
	CT_EV_PULL_BLOB		= 6,	/* struct ct_pull_blob, at close */
	CT_EV_PULL_RENAME	= 7,	/* struct ct_pull_rename */
	CT_EV_PULL_CONNECT	= 8,	/* struct ct_pull_connect */
	CT_EV_PULL_UNTRACED	= 9,	/* struct ct_pull_blob, see below */
};

/* Which blob file: decided in the kernel from the path. */
enum ct_pull_file {
	CT_PULL_F_DOCKER_BLOB	= 1,	/* <data-root>/tmp/GetImageBlob* */
	CT_PULL_F_CTRD_INGEST	= 2,	/* content/ingest/<ref>/data */
	CT_PULL_F_CTRD_BLOB	= 3,	/* content/blobs/sha256/<digest> */
	/* podman's <tmp>/storage<random>/<n> (Podman 5: <tmp>/
	 * container_images_storage<random>/<n>): written (fetch), then
	 * opened again and read (unpack) */
	CT_PULL_F_PODMAN_BLOB	= 4,
};

/* Which rename: decided in the kernel from the new path. */
enum ct_pull_rename_kind {
	CT_PULL_R_REPOS		= 1,	/* .../repositories.json: pull end */
	CT_PULL_R_LAYERDB	= 2,	/* layerdb/sha256/<chain>: commit */
	CT_PULL_R_DIFFID	= 3,	/* diffid-by-digest/sha256/<digest> */
	CT_PULL_R_CTRD_BLOB	= 4,	/* ingest -> blobs/sha256/<digest> */
	/* podman's <graphroot>/overlay-images/<id>/manifest: the image
	 * stored, its id in the path */
	CT_PULL_R_PODMAN_MANIFEST = 5,
};

/*
 * Members that are also a struct of their own, as the kernel's
 * struct_group_tagged(): each named in place, and all of them together
 * as @name, of type struct @tag (one assignment copies them).
 */
#define CT_STRUCT_GROUP(tag, name, ...)					\
	union {								\
		struct { __VA_ARGS__ };					\
		struct tag { __VA_ARGS__ } name;			\
	}

/*
 * CT_EV_PULL_BLOB: a blob file followed from its open to its close.
 * CT_EV_PULL_UNTRACED, same layout: one whose writes and reads were not
 * all seen, because the hooks on them were off for part of its life
 * (user/kern/arm.h): sent at open (ts_ns = open_ns, counts 0) if they
 * were off then, or at close with what they counted since its open if
 * they were detached and attached again in between.  Its file is what
 * the kernel counted (struct ct_pull_blob_state), sent as it is.
 */
struct ct_pull_blob {
	struct ct_hdr hdr;	/* ts_ns: close(2) */
	CT_STRUCT_GROUP(ct_pull_blob_file, file,
		__u64 open_ns;
		__u64 first_write_ns;	/* 0: never written */
		__u64 last_write_ns;
		__u64 first_read_ns;	/* 0: never read */
		__u64 last_read_ns;
		__u64 bytes_written;	/* sum of write(2) counts */
		__u64 bytes_read;	/* sum of read(2)/pread64(2) counts asked */
		__u32 writes;
		__u32 reads;
		__u32 kind;		/* enum ct_pull_file */
		__s32 fd;
		char path[CT_PATH_MAX];
	);
};

/*
 * A blob file being followed, the fds map's value (bpf/pull_sys.bpf.h:
 * (tgid << 32 | fd) -> counters; file.fd is set when it goes out).  One
 * whose process ended without close(2) (killed: its files closed by its
 * exit) is read by user space before it deletes it, and goes out as the
 * CT_EV_PULL_BLOB its close would have sent (ct_sys_bpf_sweep_files()).
 */
struct ct_pull_blob_state {
	struct ct_pull_blob_file file;
	__u32 gen;		/* pull_gate's value at open */
	__u32 _pad;
};

struct ct_pull_rename {
	struct ct_hdr hdr;	/* ts_ns: rename syscall enter */
	__u32 kind;		/* enum ct_pull_rename_kind */
	__u32 _pad;
	char oldpath[CT_PATH_MAX];
	char newpath[CT_PATH_MAX];
};

struct ct_pull_connect {
	struct ct_hdr hdr;	/* ts_ns: its SYN_SENT, in connect(2) */
	__u16 family;		/* AF_INET or AF_INET6 */
	__u16 port;		/* host order */
	__u32 _pad;
	__u8 addr[16];		/* IPv4 in the first 4 bytes */
};

/*
 * CT_EV_PULL_IMAGE (userspace): what a daemon's own store says of an
 * image a pull just stored there, read by the live session when one of
 * the daemon's records ended a pull (dockerd: a rename of its
 * repositories.json, user/engines/docker_store.c), stamped with that
 * record's time and pid, so that a replay finds it where the live
 * session put it.  One per image the read found newly pulled: the pull
 * it ended takes the layers of its own (concurrent pulls apart) and
 * lists those it did not fetch.
 */
#define CT_PULL_IMAGE_LAYERS	128	/* overlay2 stacks at most 128 */
#define CT_PULL_DIGEST_REC	80	/* "sha256:" + 64 hex, NUL */

/* Where a CT_EV_PULL_IMAGE's layers were read. */
enum ct_pull_manifest_src {
	/* the image's config (its diff ids) and the daemon's own digest
	 * map: digests, no compressed size */
	CT_PULL_M_CONFIG	= 1,
	/* the manifest itself, as the daemon cached it in containerd's
	 * content store: digests and compressed sizes */
	CT_PULL_M_CONTENT	= 2,
	/* the daemon stored the image, but its manifest or config could
	 * not be read: the pull named, its layers unknown (nlayers and
	 * layers_total 0); the builder lists the blobs it fetched */
	CT_PULL_M_UNREAD	= 3,
};

struct ct_pull_image_layer {
	char digest[CT_PULL_DIGEST_REC];	/* compressed; "" unknown */
	__u64 size;		/* compressed, the manifest's; 0 unknown */
	__u64 unpacked;		/* the daemon's unpacked size; 0 unknown */
};

struct ct_pull_image {
	struct ct_hdr hdr;	/* ts_ns, pid, comm: the record read for it */
	__u32 source;		/* enum ct_pull_manifest_src */
	__u32 nlayers;		/* layers[] used */
	__u32 layers_total;	/* the image's: more than nlayers: cut */
	__u32 _pad;
	char ref[CT_PATH_MAX];	/* the reference stored, as the daemon
				 * wrote it (a tag, else the digest) */
	char manifest[CT_PULL_DIGEST_REC];	/* the reference's digest */
	char image_id[CT_PULL_DIGEST_REC];
	struct ct_pull_image_layer layers[CT_PULL_IMAGE_LAYERS];
};

_Static_assert(sizeof(struct ct_pull_blob) == 72 + 72 + CT_PATH_MAX &&
	       __builtin_offsetof(struct ct_pull_blob, file) == 72 &&
	       __builtin_offsetof(struct ct_pull_blob, fd) == 72 + 68 &&
	       __builtin_offsetof(struct ct_pull_blob, path) == 72 + 72,
	       "ct_pull_blob ABI");
_Static_assert(sizeof(struct ct_pull_rename) == 72 + 8 + 2 * CT_PATH_MAX,
	       "ct_pull_rename ABI");
_Static_assert(sizeof(struct ct_pull_connect) == 72 + 24,
	       "ct_pull_connect ABI");
_Static_assert(sizeof(struct ct_pull_image) ==
	       72 + 16 + CT_PATH_MAX + 2 * CT_PULL_DIGEST_REC +
	       CT_PULL_IMAGE_LAYERS * (CT_PULL_DIGEST_REC + 16),
	       "ct_pull_image ABI");

#endif /* __CT_PULL_H */
