/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Internet checksum (RFC 1071) as IPv4, UDP, TCP, ICMP and ICMPv6 use
 * it, for frames vunetd builds for the guest and for checks on frames
 * from the guest.
 *
 * Model: a checksum is accumulated as a 32-bit sum of 16-bit big-endian
 * words (csum_add_*), which can be continued over several pieces (pseudo
 * header, L4 header, payload, possibly scattered in an iovec), and is
 * folded to 16 bits and complemented once at the end (csum_fold).  The sum
 * is over the bytes as they sit in memory, so the folded result can be
 * stored with memcpy() as is, without byte swapping.
 *
 * Pieces of odd length are only allowed as the last piece of a sum: the
 * iovec variant carries the odd byte across entries itself.  Nothing here
 * allocates or fails; lengths are the caller's, already bounds-checked.
 */
#ifndef VUNET_BACKEND_CHECKSUM_H
#define VUNET_BACKEND_CHECKSUM_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Adds LEN bytes at BUF to SUM.  An odd last byte counts as padded with a
 * zero byte, as the RFC says. */
uint32_t csum_add_buf(uint32_t sum, const void *buf, size_t len);
/* Adds the first LEN bytes of an iovec (entries of any length) to SUM. */
uint32_t csum_add_iov(uint32_t sum, const struct iovec *iov, size_t iovcnt,
		      size_t len);
/* Adds the IPv4 pseudo header for an L4 segment of L4_LEN bytes. */
uint32_t csum_add_pseudo4(uint32_t sum, struct in_addr saddr,
			  struct in_addr daddr, uint8_t proto, size_t l4_len);
/* Adds the IPv6 pseudo header for an L4 segment of L4_LEN bytes. */
uint32_t csum_add_pseudo6(uint32_t sum, const struct in6_addr *saddr,
			  const struct in6_addr *daddr, uint8_t proto,
			  size_t l4_len);
/* Folds SUM to 16 bits and complements it: the value to store. */
uint16_t csum_fold(uint32_t sum);

/* The checksum field of a TCP or UDP segment to the guest: the full
 * checksum over pseudo-header sum SUM, the L4 header HDR (HDR_LEN bytes,
 * its checksum field zero) and the first LEN bytes of PAYLOAD (IOVCNT
 * entries; NULL, 0 for none).  Or, when PARTIAL (the guest completes it:
 * virtio's NEEDS_CSUM, with checksum offload), the pseudo-header sum
 * alone, folded but not complemented, and neither header nor payload is
 * read.  UDP stores a full checksum of 0 as 0xffff itself. */
uint16_t csum_l4_field(uint32_t sum, const void *hdr, size_t hdr_len,
		       const struct iovec *payload, size_t iovcnt, size_t len,
		       bool partial);

/* The checksum of a whole buffer: csum_fold(csum_add_buf(0, BUF, LEN)).
 * Over a region that includes a correct checksum field this is 0. */
uint16_t csum_buf(const void *buf, size_t len);

#endif /* VUNET_BACKEND_CHECKSUM_H */
