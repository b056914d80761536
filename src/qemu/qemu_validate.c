// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU-specific validation of a domain: what QEMU, the passt backend and
 * vunet can do with it.  Messages and categories are libvirt's, so the
 * launcher fails the way virsh would.  The entry points run the generic
 * rules too (src/conf/domain_validate.c, through its _with hook), in
 * libvirt's order: parse-time checks of every interface, then per
 * interface the QEMU define-time rules before the generic ones, then the
 * start-time rules.  A definition with several faults therefore gets the
 * message libvirt would print first.
 *
 * Per <interface>, in the order libvirt reaches these checks:
 *
 *   1. define time (libvirt's qemuValidateDomainDeviceDefNetwork):
 *      guest-side <ip>/<route> only where a backend can hand them to the
 *      guest (type='user', or vhost-user with passt): one address per
 *      family, no peer, QEMU's prefix limits, passt's single default
 *      route per family; vDPA needs virtio and a QEMU that has it; MTU
 *      only where the backend honours it; vhost-user needs guest memory
 *      shared with the backend (domain-wide access mode, or per NUMA
 *      cell when the guest has cells);
 *   2. start time (libvirt's qemuDomainValidateActualNetDef), checked here
 *      so "define" and "start" agree: multiqueue, filterref and a custom
 *      tap device only on the types that have a tap device;
 *   3. vunet's own refusal of the interface types it cannot run without
 *      host privileges.  It comes last, so a misuse libvirt reports
 *      (passt on type='bridge', ...) gets libvirt's message first.
 *
 * Capabilities are a function of the QEMU version (see
 * qemu_capabilities.h); the two that matter here came with QEMU 5.1
 * (-netdev vhost-vdpa) and 7.2 (-netdev stream, which passt needs for
 * type='user').
 *
 * Every function returns 0, or -1 after reporting the error once.
 */
#include "qemu/qemu_validate.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"

/* -netdev stream: QEMU 7.2.  -netdev vhost-vdpa: QEMU 5.1. */
#define QEMU_VERSION_NETDEV_STREAM QEMU_VERSION(7, 2, 0)
#define QEMU_VERSION_NETDEV_VHOST_VDPA QEMU_VERSION(5, 1, 0)

/* QEMU's slirp cannot place the guest outside these IPv4 prefixes. */
#define SLIRP_IPV4_PREFIX_MIN 4
#define SLIRP_IPV4_PREFIX_MAX 27
/* Both slirp and passt hand out IPv6 addresses by SLAAC on a /64. */
#define GUEST_IPV6_PREFIX 64

/* The MAC as libvirt prints it in "interface MAC - ..." messages. */
struct mac_string {
	char s[sizeof("00:00:00:00:00:00")];
};

static struct mac_string format_mac(const struct vn_net *net)
{
	struct mac_string mac;
	const unsigned char *m = net->mac;

	snprintf(mac.s, sizeof(mac.s), "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
	return mac;
}

static const char *type_name(const struct vn_net *net)
{
	return vn_net_type_to_string(net->type);
}

/* Post-parse gives vhost-user and vDPA interfaces the virtio model when
 * none was written, as libvirt's QEMU driver does. */
static const char *model_name(const struct vn_net *net)
{
	if (!net->model && (net->type == VN_NET_VHOSTUSER ||
			    net->type == VN_NET_VDPA))
		return "virtio";
	return net->model ? net->model : "";
}

static bool model_is_virtio(const struct vn_net *net)
{
	const char *model = model_name(net);

	return !strcmp(model, "virtio") ||
	       !strcmp(model, "virtio-transitional") ||
	       !strcmp(model, "virtio-non-transitional");
}

/* AF_INET or AF_INET6 for a numeric address, AF_UNSPEC otherwise. */
static int address_family(const char *text)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (!text)
		return AF_UNSPEC;
	if (inet_pton(AF_INET, text, buf) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, text, buf) == 1)
		return AF_INET6;
	return AF_UNSPEC;
}

static bool address_is_unspecified(const char *text)
{
	unsigned char buf[sizeof(struct in6_addr)];
	static const unsigned char zero[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, text, buf) == 1)
		return !memcmp(buf, zero, sizeof(struct in_addr));
	if (inet_pton(AF_INET6, text, buf) == 1)
		return !memcmp(buf, zero, sizeof(struct in6_addr));
	return false;
}

/* ---- guest-side addresses and routes ---- */

static int validate_ipv4_address(const struct vn_net *net,
				 const struct vn_net_ip *ip, bool *seen)
{
	if (*seen) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"Only one IPv4 address per interface is allowed");
		return -1;
	}
	*seen = true;
	/* passt takes any netmask; slirp only a range of network sizes. */
	if (!vn_net_is_passt(net) && ip->prefix > 0 &&
	    (ip->prefix < SLIRP_IPV4_PREFIX_MIN ||
	     ip->prefix > SLIRP_IPV4_PREFIX_MAX)) {
		vn_error_report(VN_ERR_XML_ERROR,
				"invalid prefix, must be in range of 4-27");
		return -1;
	}
	return 0;
}

static int validate_ipv6_address(const struct vn_net_ip *ip, bool *seen)
{
	if (*seen) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"Only one IPv6 address per interface is allowed");
		return -1;
	}
	*seen = true;
	if (ip->prefix && ip->prefix != GUEST_IPV6_PREFIX) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"unsupported IPv6 address prefix='%u' - must be 64",
				ip->prefix);
		return -1;
	}
	return 0;
}

static int ip_family(const struct vn_net_ip *ip)
{
	if (ip->family == AF_INET || ip->family == AF_INET6)
		return ip->family;
	return address_family(ip->address);
}

static int validate_guest_addresses(const struct vn_net *net)
{
	bool has_ipv4 = false, has_ipv6 = false;
	size_t i;

	for (i = 0; i < net->n_ips; i++) {
		const struct vn_net_ip *ip = &net->ips[i];
		int family = ip_family(ip);

		if (ip->peer) {
			vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
					"Invalid attempt to set peer IP for guest");
			return -1;
		}
		if (family == AF_INET &&
		    validate_ipv4_address(net, ip, &has_ipv4) < 0)
			return -1;
		if (family == AF_INET6 &&
		    validate_ipv6_address(ip, &has_ipv6) < 0)
			return -1;
	}
	return 0;
}

static int route_family(const struct vn_net_route *route)
{
	if (route->family == AF_INET || route->family == AF_INET6)
		return route->family;
	if (route->gateway)
		return address_family(route->gateway);
	return address_family(route->address);
}

/* passt can only be told the guest's default gateway (--gateway): a
 * route with a gateway and no destination (or the all-zero one). */
static bool route_is_plain_default(const struct vn_net_route *route)
{
	if (!route->gateway || route->netmask || route->has_metric)
		return false;
	if (route->has_prefix && route->prefix != 0)
		return false;
	return !route->address || address_is_unspecified(route->address);
}

static int validate_one_default_route(int family, bool *has_ipv4,
				      bool *has_ipv6)
{
	bool *seen = family == AF_INET6 ? has_ipv6 : has_ipv4;

	if (*seen) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"Only one %s default route per interface is allowed",
				family == AF_INET6 ? "IPv6" : "IPv4");
		return -1;
	}
	*seen = true;
	return 0;
}

static int validate_guest_routes(const struct vn_net *net)
{
	bool has_ipv4 = false, has_ipv6 = false;
	size_t i;

	if (!net->n_routes)
		return 0;
	if (!vn_net_is_passt(net)) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"Invalid attempt to set network interface guest-side IP route, not supported by QEMU");
		return -1;
	}
	for (i = 0; i < net->n_routes; i++) {
		const struct vn_net_route *route = &net->routes[i];

		if (!route_is_plain_default(route)) {
			vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
					"The 'passt' backend only supports a default route (a <route> with only a 'gateway' attribute)");
			return -1;
		}
		if (validate_one_default_route(route_family(route), &has_ipv4,
					       &has_ipv6) < 0)
			return -1;
	}
	return 0;
}

/* ---- per-type rules at define time ---- */

static int validate_user_like(const struct vn_net *net,
			      unsigned long long qemu_version)
{
	if (net->type == VN_NET_USER && vn_net_is_passt(net) &&
	    qemu_version < QEMU_VERSION_NETDEV_STREAM) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"the passt network backend is not supported with this QEMU binary");
		return -1;
	}
	if (validate_guest_routes(net) < 0)
		return -1;
	return validate_guest_addresses(net);
}

static int validate_vdpa(const struct vn_net *net,
			 unsigned long long qemu_version)
{
	if (qemu_version < QEMU_VERSION_NETDEV_VHOST_VDPA) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"vDPA devices are not supported with this QEMU binary");
		return -1;
	}
	if (!model_is_virtio(net)) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"invalid model for interface of type '%s': '%s'",
				type_name(net), model_name(net));
		return -1;
	}
	return 0;
}

/* Backends that can hand the guest an address and routes. */
static bool takes_guest_ip(const struct vn_net *net)
{
	return net->type == VN_NET_USER ||
	       (net->type == VN_NET_VHOSTUSER && vn_net_is_passt(net));
}

static int validate_guest_ip_info(const struct vn_net *net,
				  unsigned long long qemu_version)
{
	if (takes_guest_ip(net))
		return validate_user_like(net, qemu_version);
	if (net->type == VN_NET_VDPA)
		return validate_vdpa(net, qemu_version);
	if (net->n_routes || net->n_ips) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"Invalid attempt to set network interface guest-side IP route and/or address info, not supported by QEMU");
		return -1;
	}
	return 0;
}

/* host_mtu needs a tap device or a backend that passes it on (passt's
 * --mtu, vhost-user's negotiated MTU). */
static bool supports_mtu(const struct vn_net *net)
{
	switch (net->type) {
	case VN_NET_NETWORK:
	case VN_NET_BRIDGE:
	case VN_NET_ETHERNET:
	case VN_NET_VHOSTUSER:
		return true;
	case VN_NET_USER:
		return vn_net_is_passt(net);
	default:
		return false;
	}
}

static int validate_mtu(const struct vn_net *net)
{
	if (net->mtu && !supports_mtu(net)) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"setting MTU on interface type %s is not supported yet",
				type_name(net));
		return -1;
	}
	return 0;
}

/* ---- vhost-user: the backend maps guest memory ---- */

static int report_needs_shared_memory(const char *what)
{
	vn_error_report(VN_ERR_CONFIG_UNSUPPORTED, "'%s' requires shared memory",
			what);
	return -1;
}

/* Without NUMA cells the domain-wide access mode decides; with cells,
 * each cell's memAccess does, falling back to the domain-wide one. */
static int require_shared_memory(const struct vn_domain *dom,
				 const char *what)
{
	size_t i;

	if (!dom->n_numa_cells) {
		if (dom->mem_access != VN_MEMORY_ACCESS_SHARED)
			return report_needs_shared_memory(what);
		return 0;
	}
	for (i = 0; i < dom->n_numa_cells; i++) {
		enum vn_memory_access access = dom->numa_cells[i].mem_access;

		if (access == VN_MEMORY_ACCESS_PRIVATE)
			return report_needs_shared_memory(what);
		if (access == VN_MEMORY_ACCESS_DEFAULT &&
		    dom->mem_access != VN_MEMORY_ACCESS_SHARED)
			return report_needs_shared_memory(what);
	}
	return 0;
}

/* ---- start-time rules (libvirt: the "actual" interface) ---- */

static bool has_tap_device(const struct vn_net *net)
{
	return net->type == VN_NET_NETWORK || net->type == VN_NET_BRIDGE ||
	       net->type == VN_NET_ETHERNET;
}

static bool supports_multiqueue(const struct vn_net *net)
{
	return has_tap_device(net) || net->type == VN_NET_DIRECT ||
	       net->type == VN_NET_VHOSTUSER || net->type == VN_NET_VDPA;
}

static int validate_actual_net(const struct vn_net *net)
{
	const char *what = NULL;

	if (net->queues > 1 && !supports_multiqueue(net))
		what = "multiqueue is";
	else if (net->filterref && !has_tap_device(net))
		what = "filterref is";
	else if (net->backend_tap && !has_tap_device(net))
		what = "custom tap device path is";
	if (!what)
		return 0;
	vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
			"interface %s - %s not supported for network interfaces of type %s",
			format_mac(net).s, what, type_name(net));
	return -1;
}

/* ---- vunet's own limits ---- */

/* Interface types that need a tap device, a host device or libvirt's
 * network driver: nothing an unprivileged launcher can set up.  The
 * wording is the command builder's (qemu_command_check_supported), so
 * the user reads one message whichever step refuses first. */
static bool vunet_runs_type(enum vn_net_type type)
{
	switch (type) {
	case VN_NET_USER:
	case VN_NET_VHOSTUSER:
	case VN_NET_VDPA: /* a valid libvirt definition; starting it is the
			   * command builder's call (it refuses vDPA today) */
	case VN_NET_SERVER:
	case VN_NET_CLIENT:
	case VN_NET_MCAST:
	case VN_NET_UDP:
		return true;
	default:
		return false;
	}
}

static int validate_vunet_supports(const struct vn_net *net)
{
	if (vunet_runs_type(net->type))
		return 0;
	vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
			"interface type '%s' is not supported by vunet (it needs a tap device or host privileges); use type='user' or type='vhostuser' with <backend type='passt'/>",
			type_name(net));
	return -1;
}

/* libvirt's define-time QEMU rules for one interface (its device
 * validate callback); OPAQUE points at the QEMU version. */
static int validate_define_time(const struct vn_domain *dom,
				const struct vn_net *net, void *opaque)
{
	unsigned long long qemu_version = *(const unsigned long long *)opaque;

	if (validate_guest_ip_info(net, qemu_version) < 0)
		return -1;
	if (validate_mtu(net) < 0)
		return -1;
	if (net->type == VN_NET_VHOSTUSER &&
	    require_shared_memory(dom, "interface") < 0)
		return -1;
	return 0;
}

/* What libvirt checks only when the domain starts, then vunet's limits. */
static int validate_start_time(const struct vn_net *net)
{
	if (validate_actual_net(net) < 0)
		return -1;
	return validate_vunet_supports(net);
}

int qemu_validate_net(const struct vn_domain *dom, const struct vn_net *net,
		      unsigned long long qemu_version)
{
	if (vn_net_validate_with(dom, net, validate_define_time,
				 &qemu_version) < 0)
		return -1;
	return validate_start_time(net);
}

int qemu_validate_domain(const struct vn_domain *dom,
			 unsigned long long qemu_version)
{
	size_t i;

	if (vn_domain_validate_with(dom, validate_define_time,
				    &qemu_version) < 0)
		return -1;
	for (i = 0; i < dom->n_nets; i++)
		if (validate_start_time(dom->nets[i]) < 0)
			return -1;
	return 0;
}
