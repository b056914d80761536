// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The network part of QEMU's command line, identical to libvirt's.
 *
 * Theory of operation: an interface with alias netN becomes up to three
 * options, in this order:
 *
 *   -chardev socket,id=charnetN,path=...   vhost-user only: the socket,
 *                                          server=on when QEMU listens,
 *                                          reconnect(-ms) when asked
 *   -netdev '{"type":...,"id":"hostnetN"}' the host side
 *   -device '{"driver":...,"netdev":"hostnetN","id":"netN",...}'
 *
 * Host sides: "vhost-user" (chardev, queues when > 1), "stream" to the
 * backend's socket for type='user' with the passt backend, "user" (QEMU's
 * slirp, with net/ipv6-prefix from <ip>), "socket" for server, client,
 * mcast and udp.  A passt-backed vhost-user interface always reconnects
 * after 5 s: that is how a restarted backend gets its guest back.
 *
 * The NIC keeps libvirt's key order: driver, [mq, vectors], [host_mtu],
 * netdev, id, mac, [bootindex], PCI address.  "vectors":0 replaces
 * libvirt's value (or is added) for vhost-user NICs on TCG with a QEMU
 * that crashes with MSI-X there (qemu_caps_vhost_user_msix_safe_on_tcg).
 */
#include "qemu/qemu_command.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu/qemu_capabilities.h"
#include "qemu/qemu_json.h"
#include "qemu/qemu_paths.h"
#include "util/error.h"

/* passt-backed vhost-user chardevs reconnect after this many seconds
 * (libvirt's fixed value for passt). */
#define PASST_RECONNECT_TIMEOUT_S 5
/* Ids are built in fixed buffers from the alias ("hostnet0"); a longer
 * user alias is refused rather than cut. */
#define NET_ALIAS_MAX 48

static bool net_is_virtio(const struct vn_net *net)
{
	return !net->model || !strncmp(net->model, "virtio", 6);
}

static const char *nic_driver(const struct vn_net *net)
{
	if (!net->model && net->type != VN_NET_VHOSTUSER)
		return "rtl8139";
	if (!net->model || !strcmp(net->model, "virtio"))
		return "virtio-net-pci";
	if (!strcmp(net->model, "virtio-transitional"))
		return "virtio-net-pci-transitional";
	if (!strcmp(net->model, "virtio-non-transitional"))
		return "virtio-net-pci-non-transitional";
	return net->model;
}

/* ",reconnect-ms=N" or, before QEMU 9.2, ",reconnect=S". */
static void format_reconnect(char *buf, size_t size, unsigned timeout_s,
			     const struct qemu_build_opts *opts)
{
	if (qemu_caps_has_chardev_reconnect_ms(opts->qemu_version))
		snprintf(buf, size, ",reconnect-ms=%u", timeout_s * 1000);
	else
		snprintf(buf, size, ",reconnect=%u", timeout_s);
}

/* What follows the path: passt's fixed reconnect, or the user's mode and
 * <reconnect>. */
static void format_chardev_suffix(char *buf, size_t size,
				  const struct vn_net *net,
				  const struct qemu_build_opts *opts)
{
	size_t len;

	buf[0] = '\0';
	if (vn_net_is_passt(net)) {
		format_reconnect(buf, size, PASST_RECONNECT_TIMEOUT_S, opts);
		return;
	}
	if (net->source_mode == VN_CHR_MODE_SERVER)
		snprintf(buf, size, ",server=on");
	len = strlen(buf);
	if (net->reconnect_enabled == VN_TRISTATE_YES)
		format_reconnect(buf + len, size - len,
				 net->reconnect_timeout_s, opts);
	else if (net->reconnect_enabled == VN_TRISTATE_NO)
		format_reconnect(buf + len, size - len, 0, opts);
}

/* -chardev socket,... of a vhost-user interface. */
static int add_vhostuser_chardev(struct qemu_argv *argv,
				 const struct vn_domain *dom,
				 const struct vn_net *net,
				 const struct qemu_build_opts *opts)
{
	char prefix[96], suffix[96];
	char *socket = NULL;

	if (vn_net_is_passt(net)) {
		socket = qemu_paths_passt_socket(opts->state_dir, dom, net);
		if (!socket)
			return -1;
	} else if (!net->source_path) {
		vn_error_report(VN_ERR_XML_ERROR,
				"Missing source path attribute for vhostuser interface %s",
				net->alias);
		return -1;
	}
	snprintf(prefix, sizeof(prefix), "socket,id=char%s,path=", net->alias);
	format_chardev_suffix(suffix, sizeof(suffix), net, opts);
	qemu_argv_add(argv, "-chardev");
	qemu_argv_add_escaped(argv, prefix, socket ? socket : net->source_path,
			      suffix);
	free(socket);
	return 0;
}

static int add_user_addresses(struct json_object *props,
			      const struct vn_net *net)
{
	char text[INET6_ADDRSTRLEN + 16];
	unsigned char bin[sizeof(struct in6_addr)];
	size_t i;

	for (i = 0; i < net->n_ips; i++) {
		const struct vn_net_ip *ip = &net->ips[i];
		int family = ip->address && strchr(ip->address, ':') ? AF_INET6
								    : AF_INET;
		char addr[INET6_ADDRSTRLEN];

		if (!ip->address || inet_pton(family, ip->address, bin) != 1 ||
		    !inet_ntop(family, bin, addr, sizeof(addr))) {
			vn_error_report(VN_ERR_XML_ERROR,
					"Invalid address '%s'",
					ip->address ? ip->address : "");
			return -1;
		}
		if (family == AF_INET) {
			if (ip->prefix)
				snprintf(text, sizeof(text), "%s/%u", addr,
					 ip->prefix);
			else
				snprintf(text, sizeof(text), "%s", addr);
			qemu_json_str(props, "net", text);
		} else {
			qemu_json_str(props, "ipv6-prefix", addr);
			if (ip->prefix)
				qemu_json_int(props, "ipv6-prefixlen",
					      ip->prefix);
		}
	}
	return 0;
}

static int add_stream_props(struct json_object *props,
			    const struct vn_domain *dom,
			    const struct vn_net *net,
			    const struct qemu_build_opts *opts)
{
	char *socket = qemu_paths_passt_socket(opts->state_dir, dom, net);
	struct json_object *addr = json_object_new_object();

	if (!socket) {
		json_object_put(addr);
		return -1;
	}
	qemu_json_str(props, "type", "stream");
	qemu_json_str(addr, "type", "unix");
	qemu_json_str(addr, "path", socket);
	qemu_json_obj(props, "addr", addr);
	qemu_json_bool(props, "server", false);
	if (qemu_caps_has_stream_reconnect_ms(opts->qemu_version))
		qemu_json_int(props, "reconnect-ms",
			      PASST_RECONNECT_TIMEOUT_S * 1000);
	else if (qemu_caps_has_stream_reconnect(opts->qemu_version))
		qemu_json_int(props, "reconnect", PASST_RECONNECT_TIMEOUT_S);
	free(socket);
	return 0;
}

/* "ADDRESS:PORT" of the socket types; an absent address is empty. */
static void add_socket_addr(struct json_object *props, const char *key,
			    const char *address, unsigned port)
{
	char text[300];

	snprintf(text, sizeof(text), "%s:%u", address ? address : "", port);
	qemu_json_str(props, key, text);
}

static int add_socket_props(struct json_object *props,
			    const struct vn_net *net)
{
	static const char *const keys[VN_NET_TYPE_LAST] = {
		[VN_NET_SERVER] = "listen",
		[VN_NET_CLIENT] = "connect",
		[VN_NET_MCAST] = "mcast",
		[VN_NET_UDP] = "udp",
	};

	if (!keys[net->type]) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"interface type '%s' is not supported by vunet",
				vn_net_type_to_string(net->type));
		return -1;
	}
	qemu_json_str(props, "type", "socket");
	add_socket_addr(props, keys[net->type], net->source_address,
			net->source_port);
	if (net->type == VN_NET_UDP)
		add_socket_addr(props, "localaddr", net->source_local_address,
				net->source_local_port);
	return 0;
}

static int add_netdev(struct qemu_argv *argv, const struct vn_domain *dom,
		      const struct vn_net *net,
		      const struct qemu_build_opts *opts)
{
	struct json_object *props = json_object_new_object();
	char id[64];
	int ret = 0;

	switch (net->type) {
	case VN_NET_VHOSTUSER:
		snprintf(id, sizeof(id), "char%s", net->alias);
		qemu_json_str(props, "type", "vhost-user");
		qemu_json_str(props, "chardev", id);
		if (net->queues > 1)
			qemu_json_int(props, "queues", net->queues);
		break;
	case VN_NET_USER:
		if (vn_net_is_passt(net)) {
			ret = add_stream_props(props, dom, net, opts);
		} else {
			qemu_json_str(props, "type", "user");
			ret = add_user_addresses(props, net);
		}
		break;
	default:
		ret = add_socket_props(props, net);
		break;
	}
	if (ret < 0) {
		json_object_put(props);
		return -1;
	}
	snprintf(id, sizeof(id), "host%s", net->alias);
	qemu_json_str(props, "id", id);
	qemu_json_add_option(argv, "-netdev", props);
	return 0;
}

static bool needs_zero_vectors(const struct vn_domain *dom,
			       const struct vn_net *net,
			       const struct qemu_build_opts *opts)
{
	return net->type == VN_NET_VHOSTUSER &&
	       dom->virt_type == VN_DOMAIN_VIRT_QEMU &&
	       !qemu_caps_vhost_user_msix_safe_on_tcg(opts->qemu_version);
}

static void add_device(struct qemu_argv *argv, const struct vn_domain *dom,
		       const struct vn_net *net, int bootindex,
		       const struct qemu_build_opts *opts)
{
	struct json_object *props = json_object_new_object();
	char text[64];

	qemu_json_str(props, "driver", nic_driver(net));
	if (net_is_virtio(net)) {
		bool zero_vectors = needs_zero_vectors(dom, net, opts);

		if (net->queues > 1)
			qemu_json_bool(props, "mq", true);
		if (zero_vectors)
			qemu_json_int(props, "vectors", 0);
		else if (net->queues > 1)
			/* Multiqueue advice: one vector per queue and
			 * direction, plus config and control. */
			qemu_json_int(props, "vectors", 2 * net->queues + 2);
		if (net->mtu)
			qemu_json_int(props, "host_mtu", net->mtu);
	}
	snprintf(text, sizeof(text), "host%s", net->alias);
	qemu_json_str(props, "netdev", text);
	qemu_json_str(props, "id", net->alias);
	snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x",
		 net->mac[0], net->mac[1], net->mac[2], net->mac[3],
		 net->mac[4], net->mac[5]);
	qemu_json_str(props, "mac", text);
	if (bootindex > 0)
		qemu_json_int(props, "bootindex", bootindex);
	qemu_json_pci_addr(props, &net->pci, dom->os_machine);
	qemu_json_add_option(argv, "-device", props);
}

int qemu_command_add_net(struct qemu_argv *argv, const struct vn_domain *dom,
			 const struct vn_net *net, int bootindex,
			 const struct qemu_build_opts *opts)
{
	if (!net->alias || strlen(net->alias) > NET_ALIAS_MAX) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"interface alias '%s' is missing or longer than %d characters",
				net->alias ? net->alias : "", NET_ALIAS_MAX);
		return -1;
	}
	if (net->type == VN_NET_VHOSTUSER &&
	    add_vhostuser_chardev(argv, dom, net, opts) < 0)
		return -1;
	if (add_netdev(argv, dom, net, opts) < 0)
		return -1;
	add_device(argv, dom, net, bootindex, opts);
	return qemu_argv_check(argv);
}
