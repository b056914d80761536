// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vunet: the launcher's command-line entry point.
 *
 * Theory of operation: argument handling only.  The first non-option
 * argument names a command from the table below; each command parses its
 * own options, then calls into src/conf (parse, validate, format) and
 * src/qemu (QEMU validation, launch plan).  Errors are reported once by
 * the code that knows most (util/error.h) and printed here, virsh style:
 * "error: <category>: <message>" on stderr, exit status 1.
 *
 * A domain argument containing '/' or ending in ".xml" is a definition
 * file; anything else names a running domain, which only the launcher
 * subcommands (a later addition: start, list, shutdown, destroy, console,
 * attach-device, detach-device) will know about, so for now such a name
 * is reported as not found.  Those commands are deliberately absent from
 * the table and from --help until they exist.
 *
 * The QEMU version that command lines depend on comes from
 * --qemu-version or from running the domain's <emulator> with --version.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/domain_conf.h"
#include "qemu/qemu_capabilities.h"
#include "qemu/qemu_command.h"
#include "qemu/qemu_paths.h"
#include "qemu/qemu_plan.h"
#include "qemu/qemu_validate.h"
#include "util/error.h"

#define EXIT_OK 0
#define EXIT_ERROR 1

/* Options shared by the commands that need a QEMU version and paths. */
struct cli_opts {
	const char *qemu_version;
	const char *state_dir;
	const char *backend;
	const char *domain;
};

struct command {
	const char *name;
	int (*run)(const struct cli_opts *opts);
	bool takes_plan_options;
	const char *synopsis;
	const char *summary;
};

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'vunet --help' for more information.\n");
	return EXIT_ERROR;
}

static int report_failure(void)
{
	fprintf(stderr, "error: %s\n", vn_error_message());
	return EXIT_ERROR;
}

static bool names_a_file(const char *arg)
{
	size_t len = strlen(arg);

	return strchr(arg, '/') || (len >= 4 && !strcmp(arg + len - 4, ".xml"));
}

/* Parses the definition named by OPTS->domain.  NULL on error (reported). */
static struct vn_domain *load_domain(const struct cli_opts *opts)
{
	if (!names_a_file(opts->domain)) {
		vn_error_report(VN_ERR_NO_DOMAIN,
				"no domain with matching name '%s'",
				opts->domain);
		return NULL;
	}
	return vn_domain_parse_file(opts->domain);
}

static int qemu_version_of(const struct vn_domain *dom,
			   const struct cli_opts *opts,
			   unsigned long long *version)
{
	if (opts->qemu_version)
		return qemu_caps_parse_version_string(opts->qemu_version,
						      version);
	return qemu_caps_query_version(dom->emulator ? dom->emulator
						     : "qemu-system-x86_64",
				       version);
}

/* Generic rules, QEMU's rules, then what vunet itself can run. */
static int validate_domain(const struct vn_domain *dom,
			   unsigned long long version)
{
	if (vn_domain_validate(dom) < 0 ||
	    qemu_validate_domain(dom, version) < 0 ||
	    qemu_command_check_supported(dom) < 0)
		return -1;
	return 0;
}

static int cmd_validate(const struct cli_opts *opts)
{
	struct vn_domain *dom = load_domain(opts);
	unsigned long long version;
	int ret = EXIT_ERROR;

	if (!dom || qemu_version_of(dom, opts, &version) < 0 ||
	    validate_domain(dom, version) < 0)
		goto out;
	ret = EXIT_OK;
out:
	vn_domain_free(dom);
	return ret == EXIT_OK ? EXIT_OK : report_failure();
}

static int cmd_dumpxml(const struct cli_opts *opts)
{
	struct vn_domain *dom = load_domain(opts);
	char *xml = dom ? vn_domain_format(dom) : NULL;
	int ret = EXIT_ERROR;

	if (dom && !xml)
		vn_error_report_errno(ENOMEM, "cannot format %s", opts->domain);
	if (xml && fputs(xml, stdout) >= 0)
		ret = EXIT_OK;
	free(xml);
	vn_domain_free(dom);
	return ret == EXIT_OK ? EXIT_OK : report_failure();
}

static struct qemu_plan *plan_for(const struct vn_domain *dom,
				  const struct cli_opts *opts)
{
	struct qemu_build_opts build = { 0 };
	char *state_dir = NULL, *backend = NULL;
	struct qemu_plan *plan = NULL;

	if (qemu_version_of(dom, opts, &build.qemu_version) < 0 ||
	    validate_domain(dom, build.qemu_version) < 0)
		return NULL;
	state_dir = opts->state_dir ? strdup(opts->state_dir)
				    : qemu_paths_default_state_dir();
	backend = qemu_paths_backend_program(opts->backend, "/proc/self/exe");
	if (!state_dir || !backend) {
		vn_error_report_errno(ENOMEM, "cannot build the launch plan");
		goto out;
	}
	build.state_dir = state_dir;
	plan = qemu_plan_build(dom, &build, backend);
out:
	free(state_dir);
	free(backend);
	return plan;
}

static int cmd_domxml_to_native(const struct cli_opts *opts)
{
	struct vn_domain *dom = load_domain(opts);
	struct qemu_plan *plan = dom ? plan_for(dom, opts) : NULL;
	char *text = plan ? qemu_plan_format(plan) : NULL;
	int ret = EXIT_ERROR;

	if (text && fputs(text, stdout) >= 0)
		ret = EXIT_OK;
	free(text);
	qemu_plan_free(plan);
	vn_domain_free(dom);
	return ret == EXIT_OK ? EXIT_OK : report_failure();
}

static const struct command commands[] = {
	{ "validate", cmd_validate, true, "validate [--qemu-version X.Y.Z] FILE.xml",
	  "check a definition as libvirt would; exit 0 when valid" },
	{ "dumpxml", cmd_dumpxml, false, "dumpxml FILE.xml",
	  "print the definition as libvirt formats it" },
	{ "domxml-to-native", cmd_domxml_to_native, true,
	  "domxml-to-native [--qemu-version X.Y.Z] [--state-dir DIR]\n"
	  "                   [--backend PATH] FILE.xml",
	  "print the launch plan: the backend and QEMU command lines" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_help(void)
{
	size_t i;

	printf("Usage: vunet [--help | --version]\n"
	       "       vunet COMMAND [OPTION]... DOMAIN\n\n"
	       "Run QEMU guests described by libvirt domain XML without privileges,\n"
	       "networked through vunetd, a passt-compatible backend.\n\n"
	       "Commands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		printf("  %s\n      %s\n", commands[i].synopsis,
		       commands[i].summary);
	printf("\nOptions:\n"
	       "  --qemu-version X.Y.Z  build for this QEMU instead of asking the\n"
	       "                        domain's <emulator> (--version)\n"
	       "  --state-dir DIR       runtime directory (default: $XDG_RUNTIME_DIR/vunet,\n"
	       "                        /run/user/UID/vunet, ${TMPDIR:-/tmp}/vunet-UID;\n"
	       "                        /run/vunet for root)\n"
	       "  --backend PATH        backend program (default: $VUNET_BACKEND, else\n"
	       "                        vunetd beside vunet, else vunetd in PATH)\n"
	       "  -h, --help            print this help and exit\n"
	       "  -V, --version         print the version and exit\n\n"
	       "DOMAIN is a definition file (an argument containing '/' or ending\n"
	       "in .xml).  Errors are printed as \"error: <category>: <message>\"\n"
	       "with exit status 1.  See vunet(1).\n");
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* Takes the value of OPTION from ARGV[*I + 1], or from "--option=value". */
static const char *option_value(int argc, char **argv, int *i,
				const char *option)
{
	size_t len = strlen(option);

	if (!strncmp(argv[*i], option, len) && argv[*i][len] == '=')
		return argv[*i] + len + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static bool is_option(const char *arg, const char *option)
{
	size_t len = strlen(option);

	return !strncmp(arg, option, len) && (!arg[len] || arg[len] == '=');
}

static int parse_command_args(const struct command *cmd, int argc,
			      char **argv, struct cli_opts *opts)
{
	const char **slot;
	int i;

	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];

		slot = NULL;
		if (cmd->takes_plan_options && is_option(arg, "--qemu-version"))
			slot = &opts->qemu_version;
		else if (cmd->takes_plan_options && is_option(arg, "--state-dir"))
			slot = &opts->state_dir;
		else if (cmd->takes_plan_options && is_option(arg, "--backend"))
			slot = &opts->backend;
		if (slot) {
			*slot = option_value(argc, argv, &i, arg[2] == 'q' ?
				"--qemu-version" : arg[2] == 's' ?
				"--state-dir" : "--backend");
			if (!*slot)
				return usage_error("option '%s' needs a value",
						   arg);
		} else if (arg[0] == '-' && arg[1]) {
			return usage_error("unknown option '%s'", arg);
		} else if (opts->domain) {
			return usage_error("unexpected argument '%s'", arg);
		} else {
			opts->domain = arg;
		}
	}
	if (!opts->domain)
		return usage_error("command '%s' needs a domain", cmd->name);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	struct cli_opts opts = { 0 };

	if (argc < 2)
		return usage_error("%s", "no command given");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_help();
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("vunet %s\n", VUNET_VERSION);
		return EXIT_OK;
	}
	cmd = find_command(argv[1]);
	if (!cmd)
		return usage_error("unknown command: '%s'", argv[1]);
	if (parse_command_args(cmd, argc - 2, argv + 2, &opts) != EXIT_OK)
		return EXIT_ERROR;
	return cmd->run(&opts);
}
