/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SHA-256 (FIPS 180-4) for tests that compare what went into a connection
 * with what came out, the way the e2e tests compare sha256sum outputs.
 * vunetd links no crypto library and tests should not need one for this.
 *
 * Streaming use: sha256_init(), any number of sha256_update() calls with
 * any lengths, then sha256_final() for the 32-byte digest.  Not meant for
 * anything but tests (no side-channel care, no speed work beyond the
 * obvious).
 */
#ifndef VUNET_TESTS_SHA256_H
#define VUNET_TESTS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32

struct sha256 {
	uint32_t h[8];
	uint8_t block[64];
	size_t block_len;  /* bytes waiting in block */
	uint64_t total_len; /* bytes hashed so far */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t digest[SHA256_DIGEST_LEN]);
/* DIGEST as 64 lowercase hex digits and a NUL, in HEX. */
void sha256_hex(const uint8_t digest[SHA256_DIGEST_LEN], char hex[65]);

#endif /* VUNET_TESTS_SHA256_H */
