// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers of the <interface> model: see net_conf.h. */
#include "conf/net_conf.h"

#include <stdlib.h>
#include <string.h>

static const char *const net_type_names[VN_NET_TYPE_LAST] = {
	[VN_NET_USER] = "user",
	[VN_NET_ETHERNET] = "ethernet",
	[VN_NET_VHOSTUSER] = "vhostuser",
	[VN_NET_SERVER] = "server",
	[VN_NET_CLIENT] = "client",
	[VN_NET_MCAST] = "mcast",
	[VN_NET_NETWORK] = "network",
	[VN_NET_BRIDGE] = "bridge",
	[VN_NET_INTERNAL] = "internal",
	[VN_NET_DIRECT] = "direct",
	[VN_NET_HOSTDEV] = "hostdev",
	[VN_NET_UDP] = "udp",
	[VN_NET_VDPA] = "vdpa",
	[VN_NET_NULL] = "null",
	[VN_NET_VDS] = "vds",
};

const char *vn_net_type_to_string(enum vn_net_type type)
{
	if ((unsigned)type >= VN_NET_TYPE_LAST)
		return "unknown";
	return net_type_names[type];
}

int vn_net_type_from_string(const char *name)
{
	int i;

	for (i = 0; i < VN_NET_TYPE_LAST; i++)
		if (!strcmp(name, net_type_names[i]))
			return i;
	return -1;
}

void vn_port_forward_clear(struct vn_port_forward *pf)
{
	free(pf->address);
	free(pf->dev);
	free(pf->ranges);
	memset(pf, 0, sizeof(*pf));
}

void vn_net_free(struct vn_net *net)
{
	size_t i;

	if (!net)
		return;
	free(net->type_str);
	free(net->source_type_str);
	free(net->source_path);
	free(net->source_dev);
	free(net->source_address);
	free(net->source_local_address);
	free(net->model);
	free(net->backend_type_str);
	free(net->backend_log_file);
	free(net->backend_hostname);
	free(net->backend_fqdn);
	free(net->backend_tap);
	free(net->backend_vhost);
	for (i = 0; i < net->n_ips; i++) {
		free(net->ips[i].address);
		free(net->ips[i].peer);
	}
	free(net->ips);
	for (i = 0; i < net->n_routes; i++) {
		free(net->routes[i].family_str);
		free(net->routes[i].address);
		free(net->routes[i].netmask);
		free(net->routes[i].gateway);
	}
	free(net->routes);
	for (i = 0; i < net->n_port_forwards; i++)
		vn_port_forward_clear(&net->port_forwards[i]);
	free(net->port_forwards);
	free(net->alias);
	free(net->filterref);
	free(net);
}
