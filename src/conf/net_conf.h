/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The <interface> element family: one struct vn_net per <interface>, with
 * its <portForward> children (struct vn_port_forward, portforward_conf.h).
 *
 * The model keeps what the user wrote (so that dumpxml can format it back
 * as libvirt does) and, after post-parse, the defaults libvirt fills in.
 * Strings are heap copies owned by the struct; NULL means "absent".
 * Tri-state attributes use enum vn_tristate (absent / yes / no) so that an
 * omitted attribute is not confused with an explicit "no".  Nothing here
 * knows QEMU exists: QEMU rules live in src/qemu.
 */
#ifndef VUNET_CONF_NET_CONF_H
#define VUNET_CONF_NET_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>

#include "conf/portforward_conf.h"

enum vn_tristate {
	VN_TRISTATE_ABSENT = 0,
	VN_TRISTATE_YES,
	VN_TRISTATE_NO,
};

/* <interface type='...'>, in libvirt's spelling (vn_net_type_to_string). */
enum vn_net_type {
	VN_NET_USER,
	VN_NET_ETHERNET,
	VN_NET_VHOSTUSER,
	VN_NET_SERVER,
	VN_NET_CLIENT,
	VN_NET_MCAST,
	VN_NET_NETWORK,
	VN_NET_BRIDGE,
	VN_NET_INTERNAL,
	VN_NET_DIRECT,
	VN_NET_HOSTDEV,
	VN_NET_UDP,
	VN_NET_VDPA,
	VN_NET_NULL,
	VN_NET_VDS,
	VN_NET_TYPE_LAST
};

/* <backend type='...'>: absent means the hypervisor's default. */
enum vn_net_backend_type {
	VN_NET_BACKEND_DEFAULT = 0,
	VN_NET_BACKEND_PASST,
};

/* <source type='...'> of a vhostuser interface. */
enum vn_chr_source_type {
	VN_CHR_SOURCE_ABSENT = 0,
	VN_CHR_SOURCE_UNIX,
	VN_CHR_SOURCE_OTHER, /* anything else: kept for the error message */
};

enum vn_chr_source_mode {
	VN_CHR_MODE_ABSENT = 0,
	VN_CHR_MODE_CLIENT,
	VN_CHR_MODE_SERVER,
};

/* <ip address= family= prefix= peer=>: guest-side address. */
struct vn_net_ip {
	int family; /* AF_INET or AF_INET6 (from family=, else the address) */
	char *address;
	unsigned prefix; /* 0 when absent */
	bool has_prefix;
	char *peer;
};

/* <route family= address= prefix= gateway= metric=>. */
struct vn_net_route {
	int family; /* AF_INET, AF_INET6, or AF_UNSPEC when absent */
	char *family_str; /* as written, for dumpxml */
	char *address;
	char *netmask;
	unsigned prefix;
	bool has_prefix;
	char *gateway;
	unsigned metric;
	bool has_metric;
};

/* <address type='pci' domain= bus= slot= function= [multifunction=]>. */
struct vn_pci_addr {
	bool present;
	unsigned domain, bus, slot, function;
	enum vn_tristate multifunction;
};

struct vn_net {
	enum vn_net_type type;
	char *type_str; /* as written, for messages about unknown types */

	/* <mac address=>; mac_generated when post-parse made it up. */
	unsigned char mac[6];
	bool has_mac;
	bool mac_generated;

	/* <source ...>: which attributes apply depends on the type. */
	enum vn_chr_source_type source_type; /* vhostuser: type='unix' */
	char *source_type_str;
	char *source_path;   /* vhostuser path= */
	enum vn_chr_source_mode source_mode;
	char *source_dev;    /* user/vhostuser+passt: <source dev=>; vdpa dev */
	char *source_address; /* server/client/mcast/udp address= */
	unsigned source_port; /* server/client/mcast/udp port= */
	bool has_source_port;
	char *source_network; /* network: <source network=> */
	char *source_bridge;  /* bridge: <source bridge=> */
	char *source_mode_str; /* <source mode=> as written (direct: vepa...) */
	char *source_local_address; /* udp: <local address= port=> */
	unsigned source_local_port;
	bool has_source_local_port;
	/* <source><reconnect enabled= timeout=/></source> */
	enum vn_tristate reconnect_enabled;
	unsigned reconnect_timeout_s;
	bool has_reconnect_timeout;

	char *model; /* <model type=>: "virtio", "rtl8139", ... */

	/* <backend type= logFile= hostname= fqdn= tap= vhost=> */
	enum vn_net_backend_type backend_type;
	char *backend_type_str;
	char *backend_log_file;
	char *backend_hostname;
	char *backend_fqdn;
	char *backend_tap;   /* parsed so validation can name it */
	char *backend_vhost;

	struct vn_net_ip *ips;
	size_t n_ips;
	struct vn_net_route *routes;
	size_t n_routes;
	struct vn_port_forward *port_forwards;
	size_t n_port_forwards;

	unsigned mtu; /* <mtu size=>, 0 when absent */
	unsigned queues; /* <driver queues=>; 1 is normalised to 0 */
	enum vn_tristate link_up; /* <link state='up|down'> */
	char *alias; /* <alias name=>; post-parse assigns netN */
	bool alias_generated;
	char *filterref; /* <filterref filter=>: not supported by vunet */
	struct vn_pci_addr pci;
	bool pci_generated; /* post-parse assigned it */
	unsigned boot_order; /* <boot order=>, 0 when absent */
};

const char *vn_net_type_to_string(enum vn_net_type type);
/* Returns the type, or -1 if NAME is not one libvirt knows. */
int vn_net_type_from_string(const char *name);

/* True when the interface is backed by passt (and so by vunetd). */
static inline bool vn_net_is_passt(const struct vn_net *net)
{
	return net->backend_type == VN_NET_BACKEND_PASST;
}

void vn_net_free(struct vn_net *net);

#endif /* VUNET_CONF_NET_CONF_H */
