// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vunetd: a passt-compatible network back-end for QEMU (vhost-user or the
 * qemu "stream" protocol), turning guest frames into host sockets without
 * privileges.  This is only the entry point: the command line is parsed by
 * src/backend/conf.c, and src/backend/vunetd.c starts the daemon and runs
 * its event loop.  Exit status: 0 on a clean exit (and for --help,
 * --version, --print-capabilities), 1 on a bad command line or a failed
 * start.
 */
#include <stdlib.h>

#include "backend/conf.h"
#include "backend/ctx.h"
#include "backend/vunetd.h"
#include "util/log.h"

/* Large (port maps) and process-wide: static rather than on the stack. */
static struct ctx ctx;

int main(int argc, char **argv)
{
	log_init("vunetd");
	switch (conf_parse(&ctx, argc, argv)) {
	case CONF_EXIT_SUCCESS:
		return EXIT_SUCCESS;
	case CONF_EXIT_FAILURE:
		return EXIT_FAILURE;
	case CONF_RUN:
		break;
	}
	if (vunetd_start(&ctx))
		return EXIT_FAILURE;
	return vunetd_run(&ctx);
}
