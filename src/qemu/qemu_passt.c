// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The passt(-compatible) backend command line: see qemu_passt.h for the
 * option order and the port-forward SPEC grammar.
 *
 * Addresses are written as libvirt writes them after parsing them into a
 * socket address: in the canonical text form (inet_ntop), so that
 * "2001:DB8::0:1" becomes "2001:db8::1" on the command line just as it
 * does under libvirt.  A "to" with an "end" maps the whole range, so its
 * end is to + (end - start), computed here because passt wants both ends;
 * a range that ends before it starts, or whose target would end past port
 * 65535, is refused here instead of wrapping around.
 *
 * Nothing is started here: the argv goes into a launch plan (qemu_plan.c)
 * and the launcher runs it.  Socket and pidfile paths come from
 * qemu_paths.c, which also checks the socket against sun_path.
 */
#include "qemu/qemu_passt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu/qemu_paths.h"
#include "util/error.h"

/* Writes TEXT's canonical form into OUT.  Returns 0, or -1 (reported). */
static int canonical_address(const char *text, char *out, size_t size)
{
	unsigned char bin[sizeof(struct in6_addr)];
	int family = text && strchr(text, ':') ? AF_INET6 : AF_INET;

	if (!text || inet_pton(family, text, bin) != 1 ||
	    !inet_ntop(family, bin, out, size)) {
		vn_error_report(VN_ERR_XML_ERROR, "Invalid address '%s'",
				text ? text : "");
		return -1;
	}
	return 0;
}

/* Highest port number; the parser already bounds start, end and to. */
#define PORT_MAX 65535

/* The end of the target range of a mapped range (start-end:to-END), or
 * -1 (reported) when END would not be a port: the arithmetic is ours,
 * libvirt's text would wrap around. */
static long mapped_end(const struct vn_port_forward_range *range)
{
	long end = (long)range->to + (long)range->end - (long)range->start;

	if (range->end < range->start) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"port forward range %u-%u ends before it starts",
				range->start, range->end);
		return -1;
	}
	if (end > PORT_MAX) {
		vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
				"port forward range %u-%u mapped to %u would end at port %ld, past %d",
				range->start, range->end, range->to, end,
				PORT_MAX);
		return -1;
	}
	return end;
}

/* Writes one range.  0, or -1 (reported) for a mapping past the last
 * port. */
static int put_range(FILE *out, const struct vn_port_forward_range *range)
{
	long end = 0;

	if (range->to && range->end) {
		end = mapped_end(range);
		if (end < 0)
			return -1;
	}
	if (range->exclude)
		fputc('~', out);
	fprintf(out, "%u", range->start);
	if (range->end)
		fprintf(out, "-%u", range->end);
	if (range->to) {
		fprintf(out, ":%u", range->to);
		if (range->end)
			fprintf(out, "-%ld", end);
	}
	return 0;
}

char *qemu_passt_port_spec(const struct vn_port_forward *pf)
{
	char addr[INET6_ADDRSTRLEN];
	char *spec = NULL;
	size_t len = 0, i;
	FILE *out = NULL;
	int rc = 0;

	if (pf->address && canonical_address(pf->address, addr, sizeof(addr)) < 0)
		return NULL;
	out = open_memstream(&spec, &len);
	if (!out)
		goto nomem;
	if (pf->address)
		fputs(addr, out);
	if (pf->dev)
		fprintf(out, "%%%s", pf->dev);
	if (pf->address || pf->dev)
		fputc('/', out);
	if (!pf->n_ranges)
		fputs("all", out);
	for (i = 0; i < pf->n_ranges && rc == 0; i++) {
		if (i > 0)
			fputc(',', out);
		rc = put_range(out, &pf->ranges[i]);
	}
	if (fclose(out) != 0)
		goto nomem;
	if (rc < 0) {
		free(spec);
		return NULL;
	}
	return spec;
nomem:
	free(spec);
	vn_error_report_errno(ENOMEM, "cannot build a port forwarding spec");
	return NULL;
}

static int add_addresses(struct qemu_argv *argv, const struct vn_net *net)
{
	char addr[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < net->n_ips; i++) {
		const struct vn_net_ip *ip = &net->ips[i];

		if (canonical_address(ip->address, addr, sizeof(addr)) < 0)
			return -1;
		qemu_argv_add_pair(argv, "--address", addr);
		/* passt has no option for an IPv6 prefix (its guest
		 * prefix is always /64); validation allows only 64, so
		 * nothing is lost by leaving it out, as libvirt does. */
		if (ip->prefix && !strchr(addr, ':')) {
			qemu_argv_add(argv, "--netmask");
			qemu_argv_addf(argv, "%u", ip->prefix);
		}
	}
	for (i = 0; i < net->n_routes; i++) {
		const char *gateway = net->routes[i].gateway;

		if (!gateway)
			continue;
		if (canonical_address(gateway, addr, sizeof(addr)) < 0)
			return -1;
		qemu_argv_add_pair(argv, "--gateway", addr);
	}
	return 0;
}

static int add_port_forwards(struct qemu_argv *argv, const struct vn_net *net)
{
	size_t i;

	for (i = 0; i < net->n_port_forwards; i++) {
		const struct vn_port_forward *pf = &net->port_forwards[i];
		char *spec = qemu_passt_port_spec(pf);

		if (!spec)
			return -1;
		qemu_argv_add(argv, pf->proto == VN_PORT_FORWARD_UDP ?
				    "--udp-ports" : "--tcp-ports");
		qemu_argv_add(argv, spec);
		free(spec);
	}
	return 0;
}

static void add_backend_options(struct qemu_argv *argv,
				const struct vn_net *net)
{
	if (net->mtu) {
		qemu_argv_add(argv, "--mtu");
		qemu_argv_addf(argv, "%u", net->mtu);
	}
	if (net->source_dev)
		qemu_argv_add_pair(argv, "--interface", net->source_dev);
	if (net->backend_log_file)
		qemu_argv_add_pair(argv, "--log-file", net->backend_log_file);
	if (net->backend_hostname)
		qemu_argv_add_pair(argv, "--hostname", net->backend_hostname);
	if (net->backend_fqdn)
		qemu_argv_add_pair(argv, "--fqdn", net->backend_fqdn);
}

struct qemu_argv *qemu_passt_build_argv(const struct vn_domain *dom,
					const struct vn_net *net,
					const char *state_dir,
					const char *program)
{
	char *socket = qemu_paths_passt_socket(state_dir, dom, net);
	char *pidfile = qemu_paths_passt_pidfile(state_dir, dom, net);
	struct qemu_argv *argv = NULL;

	if (!socket || !pidfile)
		goto fail;
	argv = qemu_argv_new(program);
	if (!argv)
		goto fail;
	if (net->type == VN_NET_VHOSTUSER)
		qemu_argv_add(argv, "--vhost-user");
	qemu_argv_add(argv, "--one-off");
	qemu_argv_add_pair(argv, "--socket", socket);
	qemu_argv_add_pair(argv, "--pid", pidfile);
	add_backend_options(argv, net);
	if (add_addresses(argv, net) < 0 || add_port_forwards(argv, net) < 0 ||
	    qemu_argv_check(argv) < 0)
		goto fail;
	free(socket);
	free(pidfile);
	return argv;
fail:
	qemu_argv_free(argv);
	free(socket);
	free(pidfile);
	return NULL;
}
