// SPDX-License-Identifier: GPL-2.0-or-later
/* The Internet checksum: see the theory of operation in checksum.h. */
#include "backend/checksum.h"

#include <stdbool.h>
#include <string.h>

/* Sums 16-bit words in memory order.  A 32-bit accumulator cannot
 * overflow for any frame vunetd handles (at most 64 KiB: 32768 words of
 * at most 0xffff), and the fold adds the carries back in. */
uint32_t csum_add_buf(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint16_t word;

	while (len >= 2) {
		memcpy(&word, p, 2);
		sum += word;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint8_t last[2] = { *p, 0 };

		memcpy(&word, last, 2);
		sum += word;
	}
	/* Keep the accumulator far from overflow across many pieces. */
	return (sum & 0xffff) + (sum >> 16);
}

uint32_t csum_add_iov(uint32_t sum, const struct iovec *iov, size_t iovcnt,
		      size_t len)
{
	uint8_t pair[2];
	bool odd = false;
	size_t i;

	for (i = 0; i < iovcnt && len; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t n = iov[i].iov_len < len ? iov[i].iov_len : len;

		len -= n;
		if (odd && n) {
			/* finish the word split across two entries */
			pair[1] = *p++;
			n--;
			sum = csum_add_buf(sum, pair, 2);
			odd = false;
		}
		sum = csum_add_buf(sum, p, n & ~(size_t)1);
		if (n & 1) {
			pair[0] = p[n - 1];
			odd = true;
		}
	}
	if (odd)
		sum = csum_add_buf(sum, pair, 1);
	return sum;
}

uint32_t csum_add_pseudo4(uint32_t sum, struct in_addr saddr,
			  struct in_addr daddr, uint8_t proto, size_t l4_len)
{
	uint8_t tail[4] = { 0, proto, (uint8_t)(l4_len >> 8),
			    (uint8_t)l4_len };

	sum = csum_add_buf(sum, &saddr, 4);
	sum = csum_add_buf(sum, &daddr, 4);
	return csum_add_buf(sum, tail, sizeof(tail));
}

uint32_t csum_add_pseudo6(uint32_t sum, const struct in6_addr *saddr,
			  const struct in6_addr *daddr, uint8_t proto,
			  size_t l4_len)
{
	uint8_t tail[8] = { (uint8_t)(l4_len >> 24), (uint8_t)(l4_len >> 16),
			    (uint8_t)(l4_len >> 8), (uint8_t)l4_len,
			    0, 0, 0, proto };

	sum = csum_add_buf(sum, saddr, 16);
	sum = csum_add_buf(sum, daddr, 16);
	return csum_add_buf(sum, tail, sizeof(tail));
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t csum_buf(const void *buf, size_t len)
{
	return csum_fold(csum_add_buf(0, buf, len));
}

uint16_t csum_l4_field(uint32_t sum, const void *hdr, size_t hdr_len,
		       const struct iovec *payload, size_t iovcnt, size_t len,
		       bool partial)
{
	if (partial)
		return (uint16_t)~csum_fold(sum);
	sum = csum_add_buf(sum, hdr, hdr_len);
	return csum_fold(csum_add_iov(sum, payload, iovcnt, len));
}
