// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* user/lib/sha256.c against FIPS 180-4's examples and coreutils' sha256sum. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sha256.h"

static void expect(const char *in, size_t len, const char *hex)
{
	char out[CT_SHA256_HEX];

	ct_sha256_hex(in, len, out);
	cr_assert_str_eq(out, hex, "sha256 of %zu bytes", len);
}

Test(sha256, fips_examples)
{
	expect("", 0,
	       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	expect("abc", 3,
	       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* 56 bytes: the length no longer fits the first padding block */
	expect("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* dockerd's chain id of a second layer: sha256("<chain> <diff id>"),
 * as `printf %s ... | sha256sum` prints it */
Test(sha256, a_chain_id_over_two_blocks)
{
	const char *s = "sha256:a58b9c9e036234757ba49a0c30822c60ecaf05210322cc2d94a62ded94ab0d12 "
			"sha256:3f285aa1acf4e3d2b3d1ea44819056889d87eb472cdc99755ad924fd26802d90";

	expect(s, strlen(s),
	       "58de6f2f2c91b3348f62c57dc0390504ec02aff21375df7a759198df23d9b8d5");
}
