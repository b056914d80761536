/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vunetd's command line (passt-compatible) and host-derived defaults:
 * see conf.c.
 */
#ifndef VUNET_BACKEND_CONF_H
#define VUNET_BACKEND_CONF_H

#include <stdio.h>

struct ctx;

/* The MAC address vunetd uses towards the guest unless -M is given. */
#define CONF_DEFAULT_MAC { 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55 }
/* 65535 (largest IPv4 packet) minus the Ethernet header, rounded down to
 * a multiple of 4 (IPv4 words), as passt. */
#define CONF_DEFAULT_MTU 65520
/* Largest -m: 65535 minus the Ethernet header. */
#define CONF_MAX_MTU 65521
#define CONF_MIN_MTU 68   /* smallest an IPv4 host must accept */
#define CONF_MIN_MTU6 1280
/* Local mode (no template interface): passt's link-local addressing. */
#define CONF_LOCAL_ADDR4 "169.254.2.1"
#define CONF_LOCAL_GW4 "169.254.2.2"
#define CONF_LOCAL_PREFIX4 16
#define CONF_LOCAL_GW6 "fe80::1"

enum conf_result {
	CONF_RUN,          /* configuration complete: start */
	CONF_EXIT_SUCCESS, /* --help, --version, --print-capabilities done */
	CONF_EXIT_FAILURE, /* bad command line, reported on stderr */
};

/* Where conf_parse() reads the host's DNS configuration; tests point it
 * elsewhere. */
extern const char *conf_resolv_conf_path;

/* Fills C from ARGV and, for what the command line leaves open, from the
 * host: default-route interface, its addresses and gateways, and
 * RESOLV_CONF.  C must be zeroed before.  Errors are reported once on
 * stderr (passt's wording) and give CONF_EXIT_FAILURE. */
enum conf_result conf_parse(struct ctx *c, int argc, char **argv);

/* Logs the resulting configuration (info level), as passt does at start. */
void conf_print(const struct ctx *c);

/* Prints the option summary to F. */
void conf_usage(FILE *f, const char *prog);

#endif /* VUNET_BACKEND_CONF_H */
