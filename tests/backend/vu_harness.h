/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vunetd's vhost-user side in the test's own process, for tests that drive
 * the real vhost_user.c, tap.c, tcp.c and udp.c with the test front-end
 * (frontend.h): a context set up as test_flow_harness.h does, the real
 * vhost-user device on a unix socket in a private directory, and a
 * bounded, non-blocking stand-in for vunetd's event loop that the
 * front-end calls while it waits (fe->pump).  The loop dispatches what
 * vunetd's does for these modules; the device's callbacks are vunetd's
 * (frames to tap_handler(), batch ends, tap_rx_ready()), and RX-ready
 * callbacks are counted.
 */
#ifndef VUNET_TESTS_BACKEND_VU_HARNESS_H
#define VUNET_TESTS_BACKEND_VU_HARNESS_H

#include <sys/un.h>

#include "backend/ctx.h"
#include "tests/backend/frontend.h"

struct vu_harness {
	struct ctx c;
	int listen_fd;
	char dir[64];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	unsigned rx_ready; /* the device's rx_ready callbacks so far */
};

/* Sets H up (ft_setup(), the device, its socket in a directory named
 * after NAME, removed at exit).  Returns 0 or -1. */
int vu_harness_start(struct vu_harness *h, const char *name);
/* Connects front-end FE to H and runs QEMU's handshake, with H's loop
 * as FE's pump.  Returns 0 or -1. */
int vu_harness_connect(struct vu_harness *h, struct fe *fe);
/* One bounded run of H's event loop, without blocking (fe->pump). */
void vu_harness_pump(void *h);

#endif /* VUNET_TESTS_BACKEND_VU_HARNESS_H */
