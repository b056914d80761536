/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What an epoll event refers to.  vunetd runs a single epoll loop; every
 * file descriptor in it is registered with a union epoll_ref in
 * epoll_event.data.u64, which names the kind of descriptor (and so the
 * handler) and, where useful, an index into that module's fixed table
 * (a flow, a virtqueue).  Handlers never search for their object.
 */
#ifndef VUNET_BACKEND_EPOLL_REF_H
#define VUNET_BACKEND_EPOLL_REF_H

#include <stdint.h>

enum epoll_type {
	EPOLL_TYPE_NONE = 0,
	EPOLL_TYPE_LISTEN,      /* unix socket listening for the front-end */
	EPOLL_TYPE_VHOST_CMD,   /* vhost-user control connection */
	EPOLL_TYPE_VHOST_KICK,  /* a virtqueue's kick eventfd; idx = queue */
	EPOLL_TYPE_STREAM,      /* qemu "stream" connection (len + frame) */
	EPOLL_TYPE_ICMP,        /* ping socket of an ICMP echo flow */
	EPOLL_TYPE_TCP,         /* connected TCP socket; idx = flow */
	EPOLL_TYPE_TCP_LISTEN,  /* forwarded TCP port */
	EPOLL_TYPE_UDP,         /* UDP socket of a flow; idx = flow */
	EPOLL_TYPE_UDP_LISTEN,  /* forwarded UDP port */
	EPOLL_TYPE_TIMER,       /* periodic timerfd */
	EPOLL_TYPE_TCP_ACK_TIMER, /* tcp.c's delayed-ACK timerfd */
	EPOLL_TYPE_SIGNAL,      /* signalfd */
	EPOLL_NUM_TYPES,
};

/* EPOLL_TYPE_TCP refers to a flow by index and generation instead of a
 * descriptor: a socket's events fetched in one epoll_wait() batch may be
 * handled after a handler earlier in the batch closed that flow and a new
 * one took both its slot and, the lowest free number, its descriptor. */
union epoll_ref {
	struct {
		uint32_t type : 8;
		uint32_t idx : 24;
		union {
			int32_t fd;
			uint32_t gen; /* EPOLL_TYPE_TCP: struct flow's gen */
		};
	};
	uint64_t u64;
};

#endif /* VUNET_BACKEND_EPOLL_REF_H */
