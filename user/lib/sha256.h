/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * SHA-256 (FIPS 180-4) of a small buffer, in lowercase hex: the engines
 * name their layers' directories by digests of strings (dockerd's chain
 * ids), which no file holds.  Not for anything secret.
 */
#ifndef __CT_SHA256_H
#define __CT_SHA256_H

#include <stddef.h>

#define CT_SHA256_HEX	65	/* 64 hex digits, NUL */

void ct_sha256_hex(const void *data, size_t len, char out[CT_SHA256_HEX]);

#endif /* __CT_SHA256_H */
