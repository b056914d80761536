// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The <interface> element: parsing into struct vn_net and formatting back
 * the way libvirt formats it (see net_conf.h for the model).
 *
 * Parsing is two-step because the meaning of <source> depends on the
 * interface type and on <backend type=> (a passt-backed vhostuser
 * interface has <source dev=>, a plain one <source type='unix' path=
 * mode=>): the children are read in any order, the <source> node is kept
 * aside and read last.  As in libvirt, only the first of a read-once
 * child (<mac>, <model>, <source>, ...) counts.  Every child element libvirt accepts for the
 * interface types vunet knows is read; any other child is an error naming
 * it, so nothing the user wrote is dropped silently.  Syntax is checked
 * here (numbers, addresses, enumerations); whether a combination makes
 * sense is left to the validator, whose messages copy libvirt's.
 *
 * Formatting follows libvirt's element order: mac, source, ip, route,
 * portForward, model, driver, backend, filterref, link, mtu, boot, alias,
 * address.  Aliases that post-parse generated are not printed (libvirt
 * assigns them at start and omits them from an inactive definition).
 */
#include "conf/net_conf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_internal.h"
#include "util/error.h"

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
	free(net->source_network);
	free(net->source_bridge);
	free(net->source_mode_str);
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

/* ---- parsing ---- */

static int report_oom(void)
{
	vn_error_report(VN_ERR_INTERNAL_ERROR, "out of memory");
	return -1;
}

static int parse_mac(const xmlNode *node, struct vn_net *net)
{
	char *text = vn_xml_prop(node, "address");
	unsigned v[6];
	char tail;
	int ret = -1, i;

	if (!text)
		return 0; /* libvirt generates one, as for a missing <mac> */
	if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &tail) != 6 ||
	    strspn(text, "0123456789abcdefABCDEF:") != strlen(text)) {
		vn_error_report(VN_ERR_INVALID_ARG,
				"unable to parse mac address '%s'", text);
		goto out;
	}
	if (v[0] & 1) {
		vn_error_report(VN_ERR_XML_ERROR,
				"expected unicast mac address, found multicast '%s'",
				text);
		goto out;
	}
	for (i = 0; i < 6; i++)
		net->mac[i] = (unsigned char)v[i];
	net->has_mac = true;
	ret = 0;
out:
	free(text);
	return ret;
}

/* Rewrites *TEXT in inet_ntop's canonical form; returns the family, or
 * AF_UNSPEC when *TEXT is no IP literal of family WANT (0: either). */
static int canonical_ip(char **text, int want)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char out[INET6_ADDRSTRLEN];
	int family = AF_UNSPEC;
	char *copy;

	if ((!want || want == AF_INET) && inet_pton(AF_INET, *text, addr) == 1)
		family = AF_INET;
	else if ((!want || want == AF_INET6) &&
		 inet_pton(AF_INET6, *text, addr) == 1)
		family = AF_INET6;
	if (family == AF_UNSPEC || !inet_ntop(family, addr, out, sizeof(out)))
		return AF_UNSPEC;
	copy = strdup(out);
	if (!copy)
		return AF_UNSPEC;
	free(*text);
	*text = copy;
	return family;
}

static int family_from_name(const char *name)
{
	if (!name)
		return 0;
	if (!strcmp(name, "ipv4"))
		return AF_INET;
	if (!strcmp(name, "ipv6"))
		return AF_INET6;
	return -1;
}

static int parse_ip(const xmlNode *node, struct vn_net_ip *ip)
{
	char *family = vn_xml_prop(node, "family");
	char *prefix = vn_xml_prop(node, "prefix");
	int want = family_from_name(family), ret = -1;
	unsigned long value;
	char *end;

	ip->address = vn_xml_prop(node, "address");
	ip->peer = vn_xml_prop(node, "peer");
	if (!ip->address) {
		vn_error_report(VN_ERR_INVALID_ARG,
				"Missing required address in <ip>");
		goto out;
	}
	ip->family = canonical_ip(&ip->address, want > 0 ? want : 0);
	if (ip->family == AF_UNSPEC) {
		vn_error_report(VN_ERR_XML_ERROR,
				"Invalid address '%s' in <ip>", ip->address);
		goto out;
	}
	if (prefix) {
		value = strtoul(prefix, &end, 10);
		if (!*prefix || *end || *prefix == '-' ||
		    value > (ip->family == AF_INET ? 32u : 128u)) {
			vn_error_report(VN_ERR_INVALID_ARG,
					"Invalid prefix value '%s' in <ip>",
					prefix);
			goto out;
		}
		ip->prefix = (unsigned)value;
		ip->has_prefix = true;
	}
	if (ip->peer && canonical_ip(&ip->peer, 0) == AF_UNSPEC) {
		vn_error_report(VN_ERR_INVALID_ARG,
				"Invalid peer '%s' in <ip>", ip->peer);
		goto out;
	}
	ret = 0;
out:
	free(family);
	free(prefix);
	return ret;
}

static int parse_route_addr(const xmlNode *node, const char *name,
			    char **out)
{
	*out = vn_xml_prop(node, name);
	if (*out && canonical_ip(out, 0) == AF_UNSPEC) {
		vn_xml_report_invalid(node, name, *out);
		return -1;
	}
	return 0;
}

static int parse_route(const xmlNode *node, struct vn_net_route *r)
{
	r->family_str = vn_xml_prop(node, "family");
	r->family = family_from_name(r->family_str);
	if (r->family < 0) {
		vn_xml_report_invalid(node, "family", r->family_str);
		return -1;
	}
	if (parse_route_addr(node, "address", &r->address) < 0 ||
	    parse_route_addr(node, "netmask", &r->netmask) < 0 ||
	    parse_route_addr(node, "gateway", &r->gateway) < 0 ||
	    vn_xml_prop_uint(node, "prefix", 10, &r->prefix,
			     &r->has_prefix) < 0 ||
	    vn_xml_prop_uint(node, "metric", 10, &r->metric,
			     &r->has_metric) < 0)
		return -1;
	if (!r->gateway) {
		vn_xml_report_missing(node, "gateway");
		return -1;
	}
	return 0;
}

static int parse_backend(const xmlNode *node, struct vn_net *net)
{
	static const char *const names[] = { "default", "qemu", "passt" };
	int type;

	if (vn_xml_prop_enum(node, "type", names, 3, false, &type) < 0)
		return -1;
	/* 'default' is what an absent type means: libvirt prints neither. */
	if (type > 0)
		net->backend_type_str = strdup(names[type]);
	net->backend_type = type == 2 ? VN_NET_BACKEND_PASST :
					 VN_NET_BACKEND_DEFAULT;
	net->backend_tap = vn_xml_prop(node, "tap");
	net->backend_vhost = vn_xml_prop(node, "vhost");
	net->backend_log_file = vn_xml_prop(node, "logFile");
	net->backend_hostname = vn_xml_prop(node, "hostname");
	net->backend_fqdn = vn_xml_prop(node, "fqdn");
	return 0;
}

static int parse_address(const xmlNode *node, struct vn_net *net)
{
	char *type = vn_xml_prop(node, "type");
	int ret = -1;

	if (!type) {
		vn_xml_report_missing(node, "type");
		goto out;
	}
	if (strcmp(type, "pci")) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"vunet does not support address type '%s' for <interface>",
				type);
		goto out;
	}
	ret = vn_xml_parse_pci_addr(node, &net->pci);
out:
	free(type);
	return ret;
}

static int parse_boot(const xmlNode *node, unsigned *order)
{
	bool present;

	if (vn_xml_prop_uint(node, "order", 10, order, &present) < 0)
		return -1;
	if (!present) {
		vn_xml_report_missing(node, "order");
		return -1;
	}
	if (!*order) {
		vn_error_report(VN_ERR_XML_ERROR,
				"Invalid value for attribute 'order' in element 'boot': Zero is not permitted");
		return -1;
	}
	return 0;
}

static int parse_link(const xmlNode *node, struct vn_net *net)
{
	static const char *const states[] = { NULL, "up", "down" };
	int state;

	if (vn_xml_prop_enum(node, "state", states, 3, false, &state) < 0)
		return -1;
	if (state > 0)
		net->link_up = state == 1 ? VN_TRISTATE_YES : VN_TRISTATE_NO;
	return 0;
}

static int parse_mtu(const xmlNode *node, struct vn_net *net)
{
	bool present;

	if (vn_xml_prop_uint(node, "size", 10, &net->mtu, &present) < 0)
		return -1;
	if (!present || !net->mtu) {
		char *size = vn_xml_prop(node, "size");

		vn_error_report(VN_ERR_XML_ERROR, "malformed mtu size '%s'",
				size ? size : "");
		free(size);
		return -1;
	}
	return 0;
}

static int parse_driver(const xmlNode *node, struct vn_net *net)
{
	const xmlNode *child;

	vn_xml_for_each_element(child, node) {
		vn_report_unsupported_child(child, "driver");
		return -1;
	}
	if (vn_xml_prop_uint(node, "queues", 10, &net->queues, NULL) < 0)
		return -1;
	/* One queue pair is what a device has anyway: libvirt drops it. */
	if (net->queues == 1)
		net->queues = 0;
	return 0;
}

static void *grow(void *array, size_t n, size_t size)
{
	return reallocarray(array, n + 1, size);
}

static int add_ip(const xmlNode *node, struct vn_net *net)
{
	struct vn_net_ip *ips = grow(net->ips, net->n_ips, sizeof(*ips));

	if (!ips)
		return report_oom();
	net->ips = ips;
	memset(&ips[net->n_ips], 0, sizeof(*ips));
	net->n_ips++;
	return parse_ip(node, &ips[net->n_ips - 1]);
}

static int add_route(const xmlNode *node, struct vn_net *net)
{
	struct vn_net_route *routes = grow(net->routes, net->n_routes,
					   sizeof(*routes));

	if (!routes)
		return report_oom();
	net->routes = routes;
	memset(&routes[net->n_routes], 0, sizeof(*routes));
	net->n_routes++;
	return parse_route(node, &routes[net->n_routes - 1]);
}

static int add_port_forward(const xmlNode *node, struct vn_net *net)
{
	struct vn_port_forward *pfs = grow(net->port_forwards,
					   net->n_port_forwards, sizeof(*pfs));

	if (!pfs)
		return report_oom();
	net->port_forwards = pfs;
	memset(&pfs[net->n_port_forwards], 0, sizeof(*pfs));
	net->n_port_forwards++;
	return vn_port_forward_parse_node(node,
					  &pfs[net->n_port_forwards - 1]);
}

/* Reads one child of <interface> other than <source>. */
static int parse_child(const xmlNode *child, struct vn_net *net,
		       unsigned flags)
{
	const char *name = (const char *)child->name;

	if (!strcmp(name, "mac"))
		return parse_mac(child, net);
	if (!strcmp(name, "model")) {
		free(net->model);
		net->model = vn_xml_prop(child, "type");
		return 0;
	}
	if (!strcmp(name, "backend"))
		return parse_backend(child, net);
	if (!strcmp(name, "ip"))
		return add_ip(child, net);
	if (!strcmp(name, "route"))
		return add_route(child, net);
	if (!strcmp(name, "portForward"))
		return add_port_forward(child, net);
	if (!strcmp(name, "mtu"))
		return parse_mtu(child, net);
	if (!strcmp(name, "driver"))
		return parse_driver(child, net);
	if (!strcmp(name, "link"))
		return parse_link(child, net);
	if (!strcmp(name, "alias"))
		return vn_xml_parse_alias(child, flags, &net->alias);
	if (!strcmp(name, "address"))
		return parse_address(child, net);
	if (!strcmp(name, "boot"))
		return parse_boot(child, &net->boot_order);
	if (!strcmp(name, "filterref")) {
		free(net->filterref);
		net->filterref = vn_xml_prop(child, "filter");
		return 0;
	}
	vn_report_unsupported_child(child, "interface");
	return -1;
}

static int parse_reconnect(const xmlNode *node, struct vn_net *net)
{
	if (vn_xml_prop_yesno(node, "enabled", &net->reconnect_enabled) < 0 ||
	    vn_xml_prop_uint(node, "timeout", 10, &net->reconnect_timeout_s,
			     &net->has_reconnect_timeout) < 0)
		return -1;
	return 0;
}

static int parse_local(const xmlNode *node, struct vn_net *net)
{
	free(net->source_local_address);
	net->source_local_address = vn_xml_prop(node, "address");
	return vn_xml_prop_uint(node, "port", 10, &net->source_local_port,
				&net->has_source_local_port);
}

/* The unix socket of a vhostuser interface not backed by passt. */
static int parse_vhostuser_source(const xmlNode *node, struct vn_net *net)
{
	if (net->source_type_str) {
		net->source_type = strcmp(net->source_type_str, "unix") ?
				   VN_CHR_SOURCE_OTHER : VN_CHR_SOURCE_UNIX;
	}
	if (!net->source_mode_str)
		return 0;
	if (!strcmp(net->source_mode_str, "client"))
		net->source_mode = VN_CHR_MODE_CLIENT;
	else if (!strcmp(net->source_mode_str, "server"))
		net->source_mode = VN_CHR_MODE_SERVER;
	else {
		vn_xml_report_invalid(node, "mode", net->source_mode_str);
		return -1;
	}
	return 0;
}

static int parse_source(const xmlNode *node, struct vn_net *net)
{
	const xmlNode *child;

	net->source_type_str = vn_xml_prop(node, "type");
	net->source_path = vn_xml_prop(node, "path");
	net->source_mode_str = vn_xml_prop(node, "mode");
	net->source_dev = vn_xml_prop(node, "dev");
	net->source_address = vn_xml_prop(node, "address");
	net->source_network = vn_xml_prop(node, "network");
	net->source_bridge = vn_xml_prop(node, "bridge");
	if (vn_xml_prop_uint(node, "port", 10, &net->source_port,
			     &net->has_source_port) < 0)
		return -1;
	if (net->has_source_port && net->source_port > 65535) {
		char value[16];

		snprintf(value, sizeof(value), "%u", net->source_port);
		vn_xml_report_invalid(node, "port", value);
		return -1;
	}
	vn_xml_for_each_element(child, node) {
		int rc;

		if (vn_xml_is(child, "reconnect"))
			rc = parse_reconnect(child, net);
		else if (vn_xml_is(child, "local"))
			rc = parse_local(child, net);
		else {
			vn_report_unsupported_child(child, "source");
			rc = -1;
		}
		if (rc < 0)
			return -1;
	}
	if (net->type == VN_NET_VHOSTUSER && !vn_net_is_passt(net))
		return parse_vhostuser_source(node, net);
	return 0;
}

/* Children libvirt reads once (the first); the others may repeat. */
static const char *const single_children[] = {
	"mac", "model", "backend", "mtu", "driver", "link", "alias",
	"address", "boot", "filterref",
};

/* True when CHILD is a second instance of a read-once child; *SEEN has
 * one bit per entry of single_children. */
static bool is_repeat(const xmlNode *child, unsigned *seen)
{
	size_t i;

	for (i = 0; i < sizeof(single_children) / sizeof(*single_children);
	     i++) {
		if (!vn_xml_is(child, single_children[i]))
			continue;
		if (*seen & (1u << i))
			return true;
		*seen |= 1u << i;
		return false;
	}
	return false;
}

struct vn_net *vn_net_parse_node(const xmlNode *node, unsigned flags)
{
	const xmlNode *child, *source = NULL;
	unsigned seen = 0;
	struct vn_net *net = calloc(1, sizeof(*net));
	int type;

	if (!net) {
		report_oom();
		return NULL;
	}
	net->type_str = vn_xml_prop(node, "type");
	if (!net->type_str)
		net->type_str = strdup("user"); /* libvirt's default type */
	type = net->type_str ? vn_net_type_from_string(net->type_str) : -1;
	if (type < 0) {
		vn_xml_report_invalid(node, "type",
				      net->type_str ? net->type_str : "");
		goto fail;
	}
	net->type = (enum vn_net_type)type;
	vn_xml_for_each_element(child, node) {
		if (vn_xml_is(child, "source")) {
			if (!source)
				source = child;
			continue;
		}
		if (is_repeat(child, &seen))
			continue;
		if (parse_child(child, net, flags) < 0)
			goto fail;
	}
	if (source && parse_source(source, net) < 0)
		goto fail;
	return net;
fail:
	vn_net_free(net);
	return NULL;
}

/* ---- formatting ---- */

static void format_mac(struct vn_buf *buf, const struct vn_net *net)
{
	const unsigned char *m = net->mac;

	if (!net->has_mac)
		return;
	vn_buf_addf(buf, "<mac address='%02x:%02x:%02x:%02x:%02x:%02x'/>\n",
		    m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void format_source_children(struct vn_buf *buf,
				   const struct vn_net *net, bool *open)
{
	bool reconnect = net->reconnect_enabled != VN_TRISTATE_ABSENT ||
			 net->has_reconnect_timeout;
	bool local = net->source_local_address || net->has_source_local_port;

	if (!reconnect && !local) {
		vn_buf_addf(buf, "/>\n");
		return;
	}
	*open = true;
	vn_buf_addf(buf, ">\n");
	vn_buf_indent(buf, 2);
	if (reconnect) {
		vn_buf_addf(buf, "<reconnect");
		if (net->reconnect_enabled != VN_TRISTATE_ABSENT)
			vn_buf_addf(buf, " enabled='%s'",
				    net->reconnect_enabled == VN_TRISTATE_YES ?
				    "yes" : "no");
		if (net->has_reconnect_timeout)
			vn_buf_addf(buf, " timeout='%u'",
				    net->reconnect_timeout_s);
		vn_buf_addf(buf, "/>\n");
	}
	if (local) {
		vn_buf_addf(buf, "<local");
		vn_buf_escape(buf, " address='%s'", net->source_local_address);
		if (net->has_source_local_port)
			vn_buf_addf(buf, " port='%u'", net->source_local_port);
		vn_buf_addf(buf, "/>\n");
	}
	vn_buf_indent(buf, -2);
	vn_buf_addf(buf, "</source>\n");
}

static void format_vhostuser_source(struct vn_buf *buf,
				    const struct vn_net *net)
{
	const char *mode = NULL;

	if (net->source_type == VN_CHR_SOURCE_ABSENT && !net->source_path)
		return;
	if (net->source_mode == VN_CHR_MODE_CLIENT)
		mode = "client";
	else if (net->source_mode == VN_CHR_MODE_SERVER)
		mode = "server";
	vn_buf_addf(buf, "<source");
	vn_buf_escape(buf, " type='%s'", net->source_type_str);
	vn_buf_escape(buf, " path='%s'", net->source_path);
	vn_buf_escape(buf, " mode='%s'", mode);
	format_source_children(buf, net, &(bool){ false });
}

static void format_socket_source(struct vn_buf *buf, const struct vn_net *net)
{
	if (!net->source_address && !net->has_source_port &&
	    !net->source_local_address)
		return;
	vn_buf_addf(buf, "<source");
	vn_buf_escape(buf, " address='%s'", net->source_address);
	if (net->has_source_port)
		vn_buf_addf(buf, " port='%u'", net->source_port);
	format_source_children(buf, net, &(bool){ false });
}

static void format_source(struct vn_buf *buf, const struct vn_net *net)
{
	switch (net->type) {
	case VN_NET_VHOSTUSER:
		if (vn_net_is_passt(net))
			vn_buf_escape(buf, "<source dev='%s'/>\n",
				      net->source_dev);
		else
			format_vhostuser_source(buf, net);
		break;
	case VN_NET_SERVER:
	case VN_NET_CLIENT:
	case VN_NET_MCAST:
	case VN_NET_UDP:
		format_socket_source(buf, net);
		break;
	case VN_NET_NETWORK:
		vn_buf_escape(buf, "<source network='%s'/>\n",
			      net->source_network);
		break;
	case VN_NET_BRIDGE:
		vn_buf_escape(buf, "<source bridge='%s'/>\n",
			      net->source_bridge);
		break;
	case VN_NET_DIRECT:
		if (!net->source_dev)
			break;
		vn_buf_escape(buf, "<source dev='%s'", net->source_dev);
		vn_buf_escape(buf, " mode='%s'", net->source_mode_str);
		vn_buf_addf(buf, "/>\n");
		break;
	default:
		vn_buf_escape(buf, "<source dev='%s'/>\n", net->source_dev);
		break;
	}
}

static void format_ips(struct vn_buf *buf, const struct vn_net *net)
{
	size_t i;

	for (i = 0; i < net->n_ips; i++) {
		const struct vn_net_ip *ip = &net->ips[i];

		vn_buf_escape(buf, "<ip address='%s'", ip->address);
		vn_buf_addf(buf, " family='%s'",
			    ip->family == AF_INET6 ? "ipv6" : "ipv4");
		if (ip->prefix)
			vn_buf_addf(buf, " prefix='%u'", ip->prefix);
		vn_buf_escape(buf, " peer='%s'", ip->peer);
		vn_buf_addf(buf, "/>\n");
	}
	for (i = 0; i < net->n_routes; i++) {
		const struct vn_net_route *r = &net->routes[i];

		vn_buf_addf(buf, "<route");
		vn_buf_escape(buf, " family='%s'", r->family_str);
		vn_buf_escape(buf, " address='%s'", r->address);
		vn_buf_escape(buf, " netmask='%s'", r->netmask);
		if (r->has_prefix)
			vn_buf_addf(buf, " prefix='%u'", r->prefix);
		vn_buf_escape(buf, " gateway='%s'", r->gateway);
		if (r->has_metric)
			vn_buf_addf(buf, " metric='%u'", r->metric);
		vn_buf_addf(buf, "/>\n");
	}
}

static void format_backend(struct vn_buf *buf, const struct vn_net *net)
{
	if (!net->backend_type_str && !net->backend_tap &&
	    !net->backend_vhost && !net->backend_log_file &&
	    !net->backend_hostname && !net->backend_fqdn)
		return;
	vn_buf_addf(buf, "<backend");
	vn_buf_escape(buf, " type='%s'", net->backend_type_str);
	vn_buf_escape(buf, " tap='%s'", net->backend_tap);
	vn_buf_escape(buf, " vhost='%s'", net->backend_vhost);
	vn_buf_escape(buf, " logFile='%s'", net->backend_log_file);
	vn_buf_escape(buf, " hostname='%s'", net->backend_hostname);
	vn_buf_escape(buf, " fqdn='%s'", net->backend_fqdn);
	vn_buf_addf(buf, "/>\n");
}

void vn_net_format_buf(struct vn_buf *buf, const struct vn_net *net)
{
	size_t i;

	vn_buf_addf(buf, "<interface type='%s'>\n",
		    vn_net_type_to_string(net->type));
	vn_buf_indent(buf, 2);
	format_mac(buf, net);
	format_source(buf, net);
	format_ips(buf, net);
	for (i = 0; i < net->n_port_forwards; i++)
		vn_port_forward_format_buf(buf, &net->port_forwards[i]);
	vn_buf_escape(buf, "<model type='%s'/>\n", net->model);
	if (net->queues)
		vn_buf_addf(buf, "<driver queues='%u'/>\n", net->queues);
	format_backend(buf, net);
	vn_buf_escape(buf, "<filterref filter='%s'/>\n", net->filterref);
	if (net->link_up != VN_TRISTATE_ABSENT)
		vn_buf_addf(buf, "<link state='%s'/>\n",
			    net->link_up == VN_TRISTATE_YES ? "up" : "down");
	if (net->mtu)
		vn_buf_addf(buf, "<mtu size='%u'/>\n", net->mtu);
	if (net->boot_order)
		vn_buf_addf(buf, "<boot order='%u'/>\n", net->boot_order);
	if (!net->alias_generated)
		vn_buf_escape(buf, "<alias name='%s'/>\n", net->alias);
	vn_format_pci_addr(buf, &net->pci);
	vn_buf_indent(buf, -2);
	vn_buf_addf(buf, "</interface>\n");
}

char *vn_net_format(const struct vn_net *net)
{
	struct vn_buf buf = { 0 };

	vn_net_format_buf(&buf, net);
	return vn_buf_finish(&buf);
}
