// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Golden tests against libvirt's own test data (tests/qemu/golden.h).
 *
 * For each libvirt case with an .args file, the definition is parsed
 * (src/conf) and vunet's QEMU command line built with libvirt's state
 * directory; then:
 *   - the network lines (-chardev charnetN, -netdev, the NIC -device)
 *     must equal libvirt's, line for line and in order;
 *   - every other line of libvirt's must appear in vunet's, except the
 *     few where vunet deliberately differs (see qemu_command.h): the
 *     master-key secret, the fd-passed monitor, file-backed shared RAM.
 * libvirt keeps no command line for passt itself, so the backend blocks
 * are compared with the argv computed by hand from libvirt's
 * qemu_passt.c for the same XML (written out below).
 */
#include "tests/harness.h"

#include "tests/qemu/golden.h"

#include "conf/domain_conf.h"
#include "qemu/qemu_capabilities.h"
#include "qemu/qemu_plan.h"
#include "util/error.h"

#define STATE_DIR "/var/run/libvirt/qemu"
#define PASST_DIR STATE_DIR "/passt/-1-QEMUGuest1-"
#define V72 QEMU_VERSION(7, 2, 0)
#define LATEST QEMU_CAPS_VERSION_LATEST
#define MAX_LINES 256

struct lines {
	char *text; /* owns the storage the pointers point into */
	char *line[MAX_LINES];
	size_t n;
};

/* Splits an .args text into its lines, without the " \" joiners. */
static void split_lines(char *text, struct lines *out)
{
	char *save = NULL, *line;

	out->text = text;
	out->n = 0;
	for (line = strtok_r(text, "\n", &save); line && out->n < MAX_LINES;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);

		if (len >= 2 && !strcmp(line + len - 2, " \\"))
			line[len - 2] = '\0';
		out->line[out->n++] = line;
	}
}

static bool is_network_line(const char *line)
{
	return strstr(line, "charnet") || strstr(line, "hostnet");
}

/* Where vunet differs from libvirt on purpose (qemu_command.h). */
static bool is_deliberate_difference(const char *line)
{
	static const char *const prefixes[] = {
		"-object '{\"qom-type\":\"secret\"",
		"-chardev socket,id=charmonitor,fd=",
		"-object '{\"qom-type\":\"memory-backend-file\"",
		NULL,
	};
	size_t i;

	for (i = 0; prefixes[i]; i++)
		if (!strncmp(line, prefixes[i], strlen(prefixes[i])))
			return true;
	/* Environment lines: NAME=value before the program. */
	return line[0] >= 'A' && line[0] <= 'Z' && strchr(line, '=');
}

struct golden {
	struct lines libvirt, vunet;
	struct qemu_plan *plan;
	struct vn_domain *dom;
};

static void golden_clear(struct golden *g)
{
	free(g->libvirt.text);
	free(g->vunet.text);
	qemu_plan_free(g->plan);
	vn_domain_free(g->dom);
}

/* Builds vunet's plan for XML and loads libvirt's ARGS (if not NULL).
 * Returns 0, or -1 after printing why. */
static int golden_load(struct golden *g, const char *xml, const char *args,
		       unsigned long long version)
{
	struct qemu_build_opts opts = { .qemu_version = version,
					.state_dir = STATE_DIR };

	memset(g, 0, sizeof(*g));
	g->dom = vn_domain_parse_file(xml);
	if (g->dom)
		g->plan = qemu_plan_build(g->dom, &opts, "passt");
	if (!g->plan) {
		fprintf(stderr, "%s: %s\n", xml, vn_error_message());
		return -1;
	}
	split_lines(qemu_argv_format(g->plan->qemu), &g->vunet);
	if (args)
		split_lines(golden_read(args), &g->libvirt);
	return g->vunet.text && (!args || g->libvirt.text) ? 0 : -1;
}

static char *join_network_lines(const struct lines *lines)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *out = open_memstream(&text, &len);

	for (i = 0; out && i < lines->n; i++)
		if (is_network_line(lines->line[i]))
			fprintf(out, "%s\n", lines->line[i]);
	if (out)
		fclose(out);
	return text;
}

static bool has_line(const struct lines *lines, const char *line)
{
	size_t i;

	for (i = 0; i < lines->n; i++)
		if (!strcmp(lines->line[i], line))
			return true;
	return false;
}

/* The first line of libvirt's, outside the network part and the
 * deliberate differences, that vunet lacks; NULL when none. */
static const char *first_missing_line(const struct golden *g)
{
	size_t i;

	for (i = 0; i < g->libvirt.n; i++) {
		const char *line = g->libvirt.line[i];

		if (is_network_line(line) || is_deliberate_difference(line))
			continue;
		if (!has_line(&g->vunet, line))
			return line;
	}
	return NULL;
}

static void check_case(const char *xml_name, const char *args_name,
		       unsigned long long version)
{
	GOLDEN_PATH(xml, xml_name);
	GOLDEN_PATH(args, args_name);
	struct golden g;
	char *expected = NULL, *got = NULL;
	const char *missing = NULL;
	int ok = golden_load(&g, xml, args, version) == 0;

	if (ok) {
		expected = join_network_lines(&g.libvirt);
		got = join_network_lines(&g.vunet);
		ok = expected && got && !strcmp(expected, got) && *expected;
		if (!ok)
			fprintf(stderr, "libvirt:\n%svunet:\n%s",
				expected ? expected : "", got ? got : "");
		missing = first_missing_line(&g);
	}
	free(expected);
	free(got);
	golden_clear(&g);
	CHECK_MSG(ok, "network lines of %s differ from %s", xml_name,
		  args_name);
	CHECK_MSG(!missing, "%s: libvirt's line missing: %s", xml_name,
		  missing);
}

TEST(net_vhostuser_latest)
{
	check_case("net-vhostuser.xml", "net-vhostuser.x86_64-latest.args",
		   LATEST);
}

TEST(net_vhostuser_multiq_latest)
{
	check_case("net-vhostuser-multiq.xml",
		   "net-vhostuser-multiq.x86_64-latest.args", LATEST);
}

TEST(net_vhostuser_passt_latest)
{
	check_case("net-vhostuser-passt.xml",
		   "net-vhostuser-passt.x86_64-latest.args", LATEST);
}

TEST(net_user_passt_latest)
{
	check_case("net-user-passt.xml", "net-user-passt.x86_64-latest.args",
		   LATEST);
}

TEST(net_user_passt_qemu_72)
{
	check_case("net-user-passt.x86_64-7.2.0.xml",
		   "net-user-passt.x86_64-7.2.0.args", V72);
}

TEST(net_user_latest)
{
	check_case("net-user.x86_64-latest.xml", "net-user.x86_64-latest.args",
		   LATEST);
}

TEST(net_user_addr_latest)
{
	check_case("net-user-addr.xml", "net-user-addr.x86_64-latest.args",
		   LATEST);
}

/* ---- backend blocks ---- */

static void check_backends(const char *xml_name,
			   const char *const *const *expected)
{
	GOLDEN_PATH(xml, xml_name);
	struct golden g;
	size_t b, i;
	int ok = golden_load(&g, xml, NULL, LATEST) == 0;

	for (b = 0; ok && expected[b]; b++) {
		const struct qemu_argv *argv;

		ok = b < g.plan->n_backends;
		if (!ok)
			break;
		argv = g.plan->backends[b].argv;
		for (i = 0; ok && expected[b][i]; i++) {
			ok = i < argv->n && !strcmp(argv->v[i], expected[b][i]);
			if (!ok)
				fprintf(stderr, "backend %zu arg %zu: got '%s', expected '%s'\n",
					b, i, i < argv->n ? argv->v[i] : "(end)",
					expected[b][i]);
		}
		ok = ok && i == argv->n;
	}
	ok = ok && b == g.plan->n_backends;
	golden_clear(&g);
	CHECK_MSG(ok, "backend commands of %s differ from libvirt's", xml_name);
}

#define PORT_FORWARDS                                                     \
	"--tcp-ports",                                                    \
	"2001:db8:ac10:fd01::1:10/22:2022,1000-1050,~1020,~1030-1040",   \
	"--udp-ports", "1.2.3.4%eth0/5000-5020:6000-6020,~5010-5015",    \
	"--tcp-ports", "80", "--tcp-ports", "443:344"

TEST(net_vhostuser_passt_backends_as_libvirt_runs_passt)
{
	static const char *const net0[] = {
		"passt", "--vhost-user", "--one-off",
		"--socket", PASST_DIR "net0.socket",
		"--pid", PASST_DIR "net0-passt.pid",
		"--interface", "eth42",
		"--log-file", "/var/log/loglaw.blog",
		"--hostname", "hostname1", "--fqdn", "hostname1.test.local",
		"--address", "172.17.2.0", "--netmask", "24",
		"--address", "2001:db8:ac10:fd01::feed",
		"--gateway", "2001:db8:ac10:fd01::beef",
		PORT_FORWARDS, NULL,
	};
	static const char *const net1[] = {
		"passt", "--vhost-user", "--one-off",
		"--socket", PASST_DIR "net1.socket",
		"--pid", PASST_DIR "net1-passt.pid", NULL,
	};
	static const char *const net2[] = {
		"passt", "--vhost-user", "--one-off",
		"--socket", PASST_DIR "net2.socket",
		"--pid", PASST_DIR "net2-passt.pid",
		"--interface", "eth43", NULL,
	};
	static const char *const *const expected[] = { net0, net1, net2, NULL };

	check_backends("net-vhostuser-passt.xml", expected);
}

TEST(net_user_passt_backend_as_libvirt_runs_passt)
{
	static const char *const net0[] = {
		"passt", "--one-off",
		"--socket", PASST_DIR "net0.socket",
		"--pid", PASST_DIR "net0-passt.pid",
		"--interface", "eth42",
		"--log-file", "/var/log/loglaw.blog",
		"--hostname", "hostname1", "--fqdn", "hostname1.test.local",
		"--address", "172.17.2.0", "--netmask", "24",
		"--address", "2001:db8:ac10:fd01::feed",
		"--gateway", "172.17.2.1",
		PORT_FORWARDS, NULL,
	};
	static const char *const *const expected[] = { net0, NULL };

	check_backends("net-user-passt.xml", expected);
}

TEST(interfaces_without_passt_have_no_backend)
{
	static const char *const *const expected[] = { NULL };

	check_backends("net-vhostuser-multiq.xml", expected);
}

/* ---- refusals ---- */

static void check_build_refused(const char *xml_name, const char *needle)
{
	GOLDEN_PATH(xml, xml_name);
	struct qemu_build_opts opts = { .qemu_version = LATEST,
					.state_dir = STATE_DIR };
	struct vn_domain *dom = vn_domain_parse_file(xml);
	struct qemu_plan *plan = dom ? qemu_plan_build(dom, &opts, "passt")
				     : NULL;
	bool refused = !plan && strstr(vn_error_message(), needle);

	if (!refused)
		fprintf(stderr, "error: %s\n", vn_error_message());
	qemu_plan_free(plan);
	vn_domain_free(dom);
	CHECK_MSG(refused, "%s not refused with '%s'", xml_name, needle);
}

TEST(net_vdpa_is_refused)
{
	check_build_refused("net-vdpa.xml",
			    "interface type 'vdpa' is not supported by vunet");
}

TEST(net_vdpa_multiqueue_is_refused)
{
	check_build_refused("net-vdpa-multiqueue.xml",
			    "interface type 'vdpa' is not supported by vunet");
}

int main(int argc, char **argv) { return test_main(argc, argv); }
