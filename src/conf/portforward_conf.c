// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Parsing and formatting of <portForward> (see portforward_conf.h).
 *
 *   <portForward proto='tcp|udp' [address='IP'] [dev='IFNAME']>
 *     <range start='N' [end='M'] [to='T'] [exclude='yes|no']/>...
 *   </portForward>
 *
 * Parsing checks syntax only: proto is one of the two names, address is a
 * numeric IPv4/IPv6 address, ports are integers no larger than 65535, and
 * a missing port is 0 (absent).
 * Whether a port forward may be used at all (only with the passt backend)
 * and whether ranges make sense together is the validator's business
 * (domain_validate.c), so that its messages match libvirt's.
 *
 * Formatting reproduces libvirt's: attributes in the order proto, address,
 * dev; range attributes start, end, to, exclude, each only when set; an
 * element without ranges is self-closing.
 */
#include "conf/conf_internal.h"

#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

/* Port numbers are 16-bit on the wire. */
#define VN_PORT_MAX 65535u

static const char *const proto_names[] = {
	[VN_PORT_FORWARD_TCP] = "tcp",
	[VN_PORT_FORWARD_UDP] = "udp",
};

static int parse_port(const xmlNode *node, const char *name, bool required,
		      unsigned *out)
{
	bool present;

	if (vn_xml_prop_uint(node, name, 10, out, &present) < 0)
		return -1;
	if (!present && required) {
		vn_xml_report_missing(node, name);
		return -1;
	}
	if (present && *out > VN_PORT_MAX) {
		char value[16];

		snprintf(value, sizeof(value), "%u", *out);
		vn_xml_report_invalid(node, name, value);
		return -1;
	}
	return 0;
}

static int parse_range(const xmlNode *node, struct vn_port_forward_range *r)
{
	enum vn_tristate exclude = VN_TRISTATE_ABSENT;

	memset(r, 0, sizeof(*r));
	/* start is optional here: the validator says, in libvirt's words,
	 * that end/to/exclude need it. */
	if (parse_port(node, "start", false, &r->start) < 0 ||
	    parse_port(node, "end", false, &r->end) < 0 ||
	    parse_port(node, "to", false, &r->to) < 0 ||
	    vn_xml_prop_yesno(node, "exclude", &exclude) < 0)
		return -1;
	r->has_exclude = exclude != VN_TRISTATE_ABSENT;
	r->exclude = exclude == VN_TRISTATE_YES;
	return 0;
}

/* A numeric host address, checked as libvirt's virSocketAddrParse does
 * (getaddrinfo without name resolution) and reported with its text. */
static int check_numeric_address(const char *s)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(s, NULL, &hints, &res);

	if (rc) {
		vn_error_report(VN_ERR_SYSTEM_ERROR,
				"Cannot parse socket address '%s': %s", s,
				gai_strerror(rc));
		return -1;
	}
	freeaddrinfo(res);
	return 0;
}

static int parse_ranges(const xmlNode *node, struct vn_port_forward *pf)
{
	const xmlNode *child;
	size_t n = 0;

	vn_xml_for_each_element(child, node) {
		if (!vn_xml_is(child, "range")) {
			vn_report_unsupported_child(child, "portForward");
			return -1;
		}
		n++;
	}
	if (!n)
		return 0;
	pf->ranges = calloc(n, sizeof(*pf->ranges));
	if (!pf->ranges) {
		vn_error_report(VN_ERR_INTERNAL_ERROR, "out of memory");
		return -1;
	}
	vn_xml_for_each_element(child, node) {
		if (parse_range(child, &pf->ranges[pf->n_ranges]) < 0)
			return -1;
		pf->n_ranges++;
	}
	return 0;
}

int vn_port_forward_parse_node(const xmlNode *node,
			       struct vn_port_forward *pf)
{
	int proto;

	memset(pf, 0, sizeof(*pf));
	if (vn_xml_prop_enum(node, "proto", proto_names, 2, true, &proto) < 0)
		return -1;
	pf->proto = (enum vn_port_forward_proto)proto;
	pf->address = vn_xml_prop(node, "address");
	pf->dev = vn_xml_prop(node, "dev");
	if (pf->address && check_numeric_address(pf->address) < 0)
		return -1;
	return parse_ranges(node, pf);
}

static void format_range(struct vn_buf *buf,
			 const struct vn_port_forward_range *r)
{
	vn_buf_addf(buf, "<range start='%u'", r->start);
	if (r->end)
		vn_buf_addf(buf, " end='%u'", r->end);
	if (r->to)
		vn_buf_addf(buf, " to='%u'", r->to);
	if (r->has_exclude)
		vn_buf_addf(buf, " exclude='%s'", r->exclude ? "yes" : "no");
	vn_buf_addf(buf, "/>\n");
}

void vn_port_forward_format_buf(struct vn_buf *buf,
				const struct vn_port_forward *pf)
{
	size_t i;

	vn_buf_addf(buf, "<portForward proto='%s'", proto_names[pf->proto]);
	vn_buf_escape(buf, " address='%s'", pf->address);
	vn_buf_escape(buf, " dev='%s'", pf->dev);
	if (!pf->n_ranges) {
		vn_buf_addf(buf, "/>\n");
		return;
	}
	vn_buf_addf(buf, ">\n");
	vn_buf_indent(buf, 2);
	for (i = 0; i < pf->n_ranges; i++)
		format_range(buf, &pf->ranges[i]);
	vn_buf_indent(buf, -2);
	vn_buf_addf(buf, "</portForward>\n");
}
