// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Generic, hypervisor-independent validation of a parsed domain: the rules
 * libvirt applies in src/conf (its parse-time checks and its
 * virDomainNetDefValidate()), with libvirt's message texts and categories,
 * so that "vunet define" refuses exactly what "virsh define" refuses and
 * says it the same way.
 *
 * The model comes from the parser with post-parse defaults applied; this
 * file only reads it.  It checks, per <interface>, in libvirt's order:
 *
 *   1. what libvirt checks while parsing and our parser leaves to us:
 *      the vhost-user <source> (needed, type unix, with a path, unless
 *      passt provides the socket), the vDPA <source dev> and the host
 *      address of a <portForward>;
 *   2. the passt backend and the elements only it understands
 *      (<portForward> and its ranges, <source dev>, hostname, fqdn);
 *   3. per-type rules: a vhost-user front-end must be virtio, and a
 *      listening (mode='server') socket cannot "reconnect".
 * Then, over the whole domain, that no two devices share an
 * alias (a hot-plugged interface is checked against the running domain
 * the same way).
 *
 * Whatever depends on QEMU (guest IP addresses and routes, MTU, shared
 * memory for vhost-user, multiqueue, filterref, the interface types vunet
 * cannot run) is src/qemu/qemu_validate.c's job; libvirt places those
 * rules in its QEMU driver too.  As libvirt's validate callbacks do, the
 * _with entry points let that driver's per-interface rules run after the
 * parse-time checks and before each interface's generic rules, so the
 * first message for a definition with several faults is libvirt's.
 *
 * Every function returns 0, or -1 after reporting the error once with
 * vn_error_report(); nothing is allocated.
 */
#include "conf/domain_conf.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

#include "util/error.h"

/* A numeric IPv4 or IPv6 address, as libvirt's socket address parser
 * accepts it (no host names: libvirt asks for a numeric host). */
static bool is_numeric_address(const char *text)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, text, buf) == 1 ||
	       inet_pton(AF_INET6, text, buf) == 1;
}

/* Models that drive a virtio-net front-end.  An absent model on
 * vhost-user means virtio: post-parse makes it so, as libvirt does. */
static bool net_model_is_virtio(const struct vn_net *net)
{
	if (!net->model)
		return net->type == VN_NET_VHOSTUSER;
	return !strcmp(net->model, "virtio") ||
	       !strcmp(net->model, "virtio-transitional") ||
	       !strcmp(net->model, "virtio-non-transitional");
}

static bool net_type_takes_passt(enum vn_net_type type)
{
	return type == VN_NET_USER || type == VN_NET_VHOSTUSER;
}

/* No attribute of <source> was given: as far as the model can tell, the
 * element is missing (an empty <source/> looks the same). */
static bool net_has_no_source(const struct vn_net *net)
{
	return net->source_type == VN_CHR_SOURCE_ABSENT && !net->source_path &&
	       net->source_mode == VN_CHR_MODE_ABSENT && !net->source_dev &&
	       net->reconnect_enabled == VN_TRISTATE_ABSENT;
}

static int report_missing_source(const struct vn_net *net)
{
	vn_error_report(VN_ERR_XML_ERROR,
			"interface type='%s' requires a 'source' element",
			vn_net_type_to_string(net->type));
	return -1;
}

static int report_missing_source_attribute(const char *name)
{
	vn_error_report(VN_ERR_XML_ERROR,
			"Missing required attribute '%s' in element '%s'",
			name, "source");
	return -1;
}

/* libvirt refuses these while parsing <source> of a vhost-user interface. */
static int validate_vhostuser_source(const struct vn_net *net)
{
	if (net->source_type == VN_CHR_SOURCE_OTHER) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"Type='%s' unsupported for <interface type='vhostuser'>",
				net->source_type_str ? net->source_type_str : "");
		return -1;
	}
	/* With passt the socket is passt's, created by the launcher. */
	if (vn_net_is_passt(net))
		return 0;
	if (net_has_no_source(net))
		return report_missing_source(net);
	if (!net->source_path)
		return report_missing_source_attribute("path");
	return 0;
}

/* A vDPA interface is its host device, <source dev='/dev/vhost-vdpa-N'/>. */
static int validate_vdpa_source(const struct vn_net *net)
{
	if (net->source_dev)
		return 0;
	if (net_has_no_source(net))
		return report_missing_source(net);
	return report_missing_source_attribute("dev");
}

/* libvirt parses <portForward address=> as a numeric socket address. */
static int validate_port_forward_addresses(const struct vn_net *net)
{
	size_t i;

	for (i = 0; i < net->n_port_forwards; i++) {
		const char *addr = net->port_forwards[i].address;

		if (addr && !is_numeric_address(addr)) {
			vn_error_report(VN_ERR_SYSTEM_ERROR,
					"Cannot parse socket address '%s': %s",
					addr, "Name or service not known");
			return -1;
		}
	}
	return 0;
}

static int validate_parse_time_rules(const struct vn_net *net)
{
	if (net->type == VN_NET_VHOSTUSER &&
	    validate_vhostuser_source(net) < 0)
		return -1;
	if (net->type == VN_NET_VDPA && validate_vdpa_source(net) < 0)
		return -1;
	return validate_port_forward_addresses(net);
}

/* A range needs its start before end/to/exclude mean anything. */
static int validate_port_forward_ranges(const struct vn_net *net)
{
	size_t i, r;

	for (i = 0; i < net->n_port_forwards; i++) {
		const struct vn_port_forward *pf = &net->port_forwards[i];

		for (r = 0; r < pf->n_ranges; r++) {
			const struct vn_port_forward_range *range = &pf->ranges[r];

			if (!range->start && (range->end || range->to ||
					      range->has_exclude)) {
				vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
						"The 'range' of a 'portForward' requires 'start' attribute if 'end', 'to', or 'exclude' is specified");
				return -1;
			}
		}
	}
	return 0;
}

static int validate_port_forwards(const struct vn_net *net)
{
	if (!net->n_port_forwards)
		return 0;
	if (!net_type_takes_passt(net->type) || !vn_net_is_passt(net)) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"The <portForward> element can only be used with the 'passt' backend of interface type='user' or type='vhostuser'");
		return -1;
	}
	return validate_port_forward_ranges(net);
}

/* <source dev>, hostname= and fqdn= are passt options: QEMU's own user
 * networking (slirp) and a plain vhost-user socket have no use for them,
 * and dropping them silently would surprise the user. */
static int validate_passt_only_options(const struct vn_net *net)
{
	if (vn_net_is_passt(net) || !net_type_takes_passt(net->type))
		return 0;
	if (net->source_dev) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"The 'dev' attribute of the <source> element can only be used with <interface type='user'> or type='vhostuser' if the <backend> type='passt'");
		return -1;
	}
	if (net->backend_hostname || net->backend_fqdn) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"The 'hostname' and 'fqdn' attributes of the <backend> element can only be used with the 'passt' backend");
		return -1;
	}
	return 0;
}

static int validate_passt(const struct vn_net *net)
{
	if (vn_net_is_passt(net) && !net_type_takes_passt(net->type)) {
		vn_error_report(VN_ERR_INTERNAL_ERROR,
				"The 'passt' backend can only be used with interface type='user' or type='vhostuser'");
		return -1;
	}
	if (validate_port_forwards(net) < 0)
		return -1;
	return validate_passt_only_options(net);
}

static int validate_vhostuser(const struct vn_net *net)
{
	if (!net_model_is_virtio(net)) {
		vn_error_report(VN_ERR_INTERNAL_ERROR,
				"Wrong or no <model> 'type' attribute specified with <interface type='vhostuser'/>. vhostuser requires the virtio-net* frontend");
		return -1;
	}
	/* A listening socket has nobody to reconnect to. */
	if (net->source_mode == VN_CHR_MODE_SERVER &&
	    net->reconnect_enabled == VN_TRISTATE_YES) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"'reconnect' attribute unsupported 'server' mode for <interface type='vhostuser'>");
		return -1;
	}
	return 0;
}

/* The rules libvirt applies once the definition is parsed. */
static int validate_net_rules(const struct vn_net *net)
{
	if (validate_passt(net) < 0)
		return -1;
	if (net->type == VN_NET_VHOSTUSER && validate_vhostuser(net) < 0)
		return -1;
	return 0;
}

int vn_net_validate_with(const struct vn_domain *dom, const struct vn_net *net,
			 vn_net_rules_fn net_rules, void *opaque)
{
	if (validate_parse_time_rules(net) < 0)
		return -1;
	if (net_rules && net_rules(dom, net, opaque) < 0)
		return -1;
	return validate_net_rules(net);
}

int vn_net_validate(const struct vn_domain *dom, const struct vn_net *net)
{
	return vn_net_validate_with(dom, net, NULL, NULL);
}

static int report_non_unique_alias(const char *alias)
{
	vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
			"non unique alias detected: %s", alias);
	return -1;
}

/* Whether chr IDX is the first console shown on the first serial port:
 * libvirt keeps the pair as two views of one device (post-parse pairs
 * them), so the console may repeat the serial port's alias. */
static bool is_serial_console_twin(const struct vn_domain *dom, size_t idx)
{
	size_t i;

	if (dom->chrs[idx].kind != VN_CHR_CONSOLE ||
	    strcmp(dom->chrs[idx].target_type, "serial"))
		return false;
	for (i = 0; i < idx; i++)
		if (dom->chrs[i].kind == VN_CHR_CONSOLE)
			return false;
	for (i = 0; i < dom->n_chrs; i++)
		if (dom->chrs[i].kind == VN_CHR_SERIAL)
			return true;
	return false;
}

static size_t n_devices(const struct vn_domain *dom)
{
	return dom->n_nets + dom->n_disks + dom->n_chrs;
}

/* The alias of device K of DOM (interfaces, then disks, then serial
 * ports and consoles), or NULL.  Aliases become QEMU ids, and an
 * interface's also names its backend's socket and pidfile: two alike
 * would share them. */
static const char *device_alias(const struct vn_domain *dom, size_t k)
{
	if (k < dom->n_nets)
		return dom->nets[k]->alias;
	k -= dom->n_nets;
	if (k < dom->n_disks)
		return dom->disks[k].alias;
	k -= dom->n_disks;
	return is_serial_console_twin(dom, k) ? NULL : dom->chrs[k].alias;
}

/* libvirt's alias uniqueness check over every device, after the
 * devices' own rules. */
static int validate_unique_aliases(const struct vn_domain *dom)
{
	size_t k, j, n = n_devices(dom);

	for (k = 0; k < n; k++) {
		const char *alias = device_alias(dom, k);

		for (j = 0; alias && j < k; j++)
			if (device_alias(dom, j) &&
			    !strcmp(device_alias(dom, j), alias))
				return report_non_unique_alias(alias);
	}
	return 0;
}

int vn_net_validate_alias_for_hotplug(const struct vn_domain *dom,
				      const struct vn_net *net)
{
	size_t k, n = n_devices(dom);

	for (k = 0; net->alias && k < n; k++)
		if (device_alias(dom, k) &&
		    !strcmp(device_alias(dom, k), net->alias))
			return report_non_unique_alias(net->alias);
	return 0;
}

/* libvirt parses the whole definition before validating any device, so
 * every parse-time complaint comes before any validation one. */
int vn_domain_validate_with(const struct vn_domain *dom,
			    vn_net_rules_fn net_rules, void *opaque)
{
	size_t i;

	for (i = 0; i < dom->n_nets; i++)
		if (validate_parse_time_rules(dom->nets[i]) < 0)
			return -1;
	for (i = 0; i < dom->n_nets; i++) {
		const struct vn_net *net = dom->nets[i];

		if (net_rules && net_rules(dom, net, opaque) < 0)
			return -1;
		if (validate_net_rules(net) < 0)
			return -1;
	}
	return validate_unique_aliases(dom);
}

int vn_domain_validate(const struct vn_domain *dom)
{
	return vn_domain_validate_with(dom, NULL, NULL);
}
