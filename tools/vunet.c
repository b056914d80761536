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
 * file; anything else names a running domain, found in the state
 * directory (src/qemu/qemu_state.h).  start, list, shutdown, destroy and
 * console run domains (src/qemu/qemu_process.h, qemu_console.h); each
 * command reads the state and talks QMP itself, there is no daemon.
 * attach-device and detach-device take a second argument, the file
 * holding one <interface>, and hot-plug it over QMP (qemu_hotplug.h).
 *
 * start keeps the domain log in --log-dir or the per-user default
 * (qemu_paths_default_log_dir()); later commands find it through the
 * state directory.  SIGCHLD is reset to its default at once: an ignored
 * SIGCHLD inherited from the parent would lose the children's status.
 *
 * The QEMU version that command lines depend on comes from
 * --qemu-version or from running the domain's <emulator> with --version.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/domain_conf.h"
#include "qemu/qemu_capabilities.h"
#include "qemu/qemu_console.h"
#include "qemu/qemu_hotplug.h"
#include "qemu/qemu_command.h"
#include "qemu/qemu_paths.h"
#include "qemu/qemu_plan.h"
#include "qemu/qemu_process.h"
#include "qemu/qemu_state.h"
#include "qemu/qemu_validate.h"
#include "util/error.h"

#define EXIT_OK 0
#define EXIT_ERROR 1

/* Options shared by the commands that need a QEMU version and paths. */
struct cli_opts {
	const char *qemu_version;
	const char *state_dir;
	const char *log_dir;  /* start --log-dir */
	const char *backend;
	const char *domain;
	const char *device_file; /* attach-device/detach-device FILE */
	const char *timeout;  /* shutdown --timeout S */
	bool console;         /* start --console */
	bool all;             /* list --all */
};

/* Which options a command takes besides the plan options. */
enum command_flags {
	CMD_STATE_DIR = 1 << 0, /* --state-dir */
	CMD_CONSOLE = 1 << 1,   /* --console */
	CMD_ALL = 1 << 2,       /* --all */
	CMD_TIMEOUT = 1 << 3,   /* --timeout S */
	CMD_NO_DOMAIN = 1 << 4, /* takes no DOMAIN argument */
	CMD_DEVICE = 1 << 5,    /* NAME FILE: a device definition too */
	CMD_LOG_DIR = 1 << 6,   /* --log-dir */
};

struct command {
	const char *name;
	int (*run)(const struct cli_opts *opts);
	bool takes_plan_options;
	unsigned flags; /* enum command_flags */
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

/* libvirt's rules (qemu_validate_domain runs the generic ones itself, in
 * libvirt's order), then what vunet itself can run. */
static int validate_domain(const struct vn_domain *dom,
			   unsigned long long version)
{
	if (qemu_validate_domain(dom, version) < 0 ||
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

/* The state directory: --state-dir, else the per-user default.  Caller
 * frees; NULL on ENOMEM (reported). */
static char *state_dir_of(const struct cli_opts *opts)
{
	char *dir = opts->state_dir ? strdup(opts->state_dir)
				    : qemu_paths_default_state_dir();

	if (!dir)
		vn_error_report_errno(ENOMEM, "cannot find the state directory");
	return dir;
}

/* A running domain's live XML, after removing leftovers of one whose
 * QEMU has gone (so a stopped transient domain is not found). */
static char *live_xml_of(const struct cli_opts *opts)
{
	char *dir = state_dir_of(opts);
	char *xml = NULL;

	if (dir && qemu_process_reap(dir, opts->domain) == 1)
		xml = qemu_state_read_xml(dir, opts->domain);
	else if (dir)
		vn_error_report(VN_ERR_NO_DOMAIN,
				"no domain with matching name '%s'",
				opts->domain);
	free(dir);
	return xml;
}

static int cmd_dumpxml(const struct cli_opts *opts)
{
	struct vn_domain *dom = NULL;
	char *xml = NULL;
	int ret = EXIT_ERROR;

	if (names_a_file(opts->domain)) {
		dom = load_domain(opts);
		xml = dom ? vn_domain_format(dom) : NULL;
		if (dom && !xml)
			vn_error_report_errno(ENOMEM, "cannot format %s",
					      opts->domain);
	} else {
		xml = live_xml_of(opts);
	}
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

static int cmd_start(const struct cli_opts *opts)
{
	struct vn_domain *dom = load_domain(opts);
	struct qemu_process_opts run = { 0 };
	char *state_dir = NULL, *backend = NULL, *log_dir = NULL;
	int ret = EXIT_ERROR;

	if (!dom || qemu_version_of(dom, opts, &run.qemu_version) < 0 ||
	    validate_domain(dom, run.qemu_version) < 0)
		goto out;
	state_dir = state_dir_of(opts);
	backend = qemu_paths_backend_program(opts->backend, "/proc/self/exe");
	log_dir = opts->log_dir ? strdup(opts->log_dir)
				: qemu_paths_default_log_dir();
	if (opts->log_dir && !log_dir)
		vn_error_report_errno(ENOMEM, "cannot find the log directory");
	if (!state_dir || !backend || !log_dir)
		goto out;
	run.state_dir = state_dir;
	run.log_dir = log_dir;
	run.backend = backend;
	if (qemu_process_start(dom, &run) < 0)
		goto out;
	printf("Domain '%s' started\n\n", dom->name);
	fflush(stdout);
	ret = EXIT_OK;
	if (opts->console && qemu_console_attach(state_dir, dom->name) < 0)
		ret = EXIT_ERROR;
out:
	free(state_dir);
	free(backend);
	free(log_dir);
	vn_domain_free(dom);
	return ret == EXIT_OK ? EXIT_OK : report_failure();
}

/* Prints virsh's table: a leading blank, columns padded to their widest
 * cell and three blanks apart, a rule of dashes under the header. */
static void print_domain_table(char **names, const int *ids, size_t n)
{
	int id_w = 2, name_w = 4, state_w = 5, i_w; /* the headers' widths */
	char id[16];
	size_t i;

	for (i = 0; i < n; i++) {
		i_w = snprintf(id, sizeof(id), "%d", ids[i]);
		id_w = i_w > id_w ? i_w : id_w;
		if ((int)strlen(names[i]) > name_w)
			name_w = (int)strlen(names[i]);
	}
	if (n > 0)
		state_w = (int)strlen("running");
	printf(" %-*s   %-*s   %-*s\n", id_w, "Id", name_w, "Name", state_w,
	       "State");
	for (i = 0; i < (size_t)(id_w + name_w + state_w + 10); i++)
		putchar('-');
	putchar('\n');
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%d", ids[i]);
		printf(" %-*s   %-*s   %-*s\n", id_w, id, name_w, names[i],
		       state_w, "running");
	}
	putchar('\n');
}

static int cmd_list(const struct cli_opts *opts)
{
	char *dir = state_dir_of(opts);
	char **names = NULL;
	size_t n = 0, i, n_running = 0;
	int *ids = NULL, ret = EXIT_ERROR;
	pid_t pid;

	/* Transient domains only: --all shows the same (a stopped one is
	 * gone).  Leftovers of a QEMU that exited are removed on the way. */
	if (!dir || qemu_state_list_names(dir, &names, &n) < 0)
		goto out;
	ids = calloc(n ? n : 1, sizeof(*ids));
	if (!ids) {
		vn_error_report_errno(ENOMEM, "cannot list domains");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (qemu_process_reap(dir, names[i]) != 1 ||
		    qemu_state_read_status(dir, names[i], &ids[n_running], &pid) < 0)
			continue;
		if (n_running != i) {
			free(names[n_running]); /* a leftover skipped above */
			names[n_running] = names[i];
			names[i] = NULL;
		}
		n_running++;
	}
	print_domain_table(names, ids, n_running);
	ret = EXIT_OK;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(ids);
	free(dir);
	return ret == EXIT_OK ? EXIT_OK : report_failure();
}

static int cmd_shutdown(const struct cli_opts *opts)
{
	char *dir = state_dir_of(opts);
	char *end = NULL;
	long timeout_s = QEMU_PROCESS_SHUTDOWN_TIMEOUT_S;
	int ret = EXIT_ERROR;

	if (opts->timeout) {
		errno = 0;
		timeout_s = strtol(opts->timeout, &end, 10);
		if (errno || end == opts->timeout || *end || timeout_s < 0 ||
		    timeout_s > 3600) {
			free(dir);
			return usage_error("invalid --timeout '%s' (seconds, 0-3600)",
					   opts->timeout);
		}
	}
	if (dir && qemu_process_shutdown(dir, opts->domain, (int)timeout_s) == 0) {
		printf("Domain '%s' is being shutdown\n\n", opts->domain);
		ret = EXIT_OK;
	}
	free(dir);
	return ret == EXIT_OK ? EXIT_OK : report_failure();
}

static int cmd_destroy(const struct cli_opts *opts)
{
	char *dir = state_dir_of(opts);
	int ret = EXIT_ERROR;

	if (dir && qemu_process_destroy(dir, opts->domain) == 0) {
		printf("Domain '%s' destroyed\n\n", opts->domain);
		ret = EXIT_OK;
	}
	free(dir);
	return ret == EXIT_OK ? EXIT_OK : report_failure();
}

static int cmd_console(const struct cli_opts *opts)
{
	char *dir = state_dir_of(opts);
	int ret = EXIT_ERROR;

	if (dir && qemu_process_reap(dir, opts->domain) == 1 &&
	    qemu_console_attach(dir, opts->domain) == 0)
		ret = EXIT_OK;
	else if (dir && vn_error_code() == VN_ERR_NONE)
		vn_error_report(VN_ERR_NO_DOMAIN,
				"no domain with matching name '%s'",
				opts->domain);
	free(dir);
	return ret == EXIT_OK ? EXIT_OK : report_failure();
}

/* The QEMU version of running domain NAME: --qemu-version, else its
 * <emulator>'s. */
static int running_qemu_version(const char *dir, const struct cli_opts *opts,
				unsigned long long *version)
{
	struct vn_domain *dom;
	int ret;

	if (opts->qemu_version)
		return qemu_caps_parse_version_string(opts->qemu_version,
						      version);
	dom = qemu_state_load_domain(dir, opts->domain);
	ret = dom ? qemu_version_of(dom, opts, version) : -1;
	vn_domain_free(dom);
	return ret;
}

static int cmd_attach_device(const struct cli_opts *opts)
{
	struct qemu_hotplug_opts hp = { 0 };
	char *dir = state_dir_of(opts), *backend = NULL, *xml = NULL;
	int ret = EXIT_ERROR;

	if (!dir)
		goto out;
	backend = qemu_paths_backend_program(opts->backend, "/proc/self/exe");
	xml = vn_conf_read_file(opts->device_file);
	if (!backend || !xml ||
	    running_qemu_version(dir, opts, &hp.qemu_version) < 0)
		goto out;
	hp.state_dir = dir;
	hp.backend = backend;
	if (qemu_hotplug_attach_net(opts->domain, xml, &hp) < 0)
		goto out;
	printf("Device attached successfully\n\n");
	ret = EXIT_OK;
out:
	free(xml);
	free(backend);
	free(dir);
	return ret == EXIT_OK ? EXIT_OK : report_failure();
}

static int cmd_detach_device(const struct cli_opts *opts)
{
	struct qemu_hotplug_opts hp = { 0 };
	char *dir = state_dir_of(opts), *xml = NULL;
	int ret = EXIT_ERROR;

	if (!dir)
		goto out;
	xml = vn_conf_read_file(opts->device_file);
	if (!xml)
		goto out;
	hp.state_dir = dir;
	if (qemu_hotplug_detach_net(opts->domain, xml, &hp) < 0)
		goto out;
	printf("Device detached successfully\n\n");
	ret = EXIT_OK;
out:
	free(xml);
	free(dir);
	return ret == EXIT_OK ? EXIT_OK : report_failure();
}

static const struct command commands[] = {
	{ "validate", cmd_validate, true, 0,
	  "validate [--qemu-version X.Y.Z] FILE.xml",
	  "check a definition as libvirt would; exit 0 when valid" },
	{ "dumpxml", cmd_dumpxml, false, CMD_STATE_DIR,
	  "dumpxml [--state-dir DIR] FILE.xml|NAME",
	  "print a definition as libvirt formats it, or a running domain's\n"
	  "      live definition" },
	{ "domxml-to-native", cmd_domxml_to_native, true, 0,
	  "domxml-to-native [--qemu-version X.Y.Z] [--state-dir DIR]\n"
	  "                   [--backend PATH] FILE.xml",
	  "print the launch plan: the backend and QEMU command lines" },
	{ "start", cmd_start, true, CMD_CONSOLE | CMD_LOG_DIR,
	  "start [--console] [--qemu-version X.Y.Z] [--state-dir DIR]\n"
	  "        [--log-dir DIR] [--backend PATH] FILE.xml",
	  "start a domain from a definition (like virsh create): backends,\n"
	  "      then QEMU; --console attaches to its serial console" },
	{ "list", cmd_list, false, CMD_STATE_DIR | CMD_ALL | CMD_NO_DOMAIN,
	  "list [--all] [--state-dir DIR]",
	  "list running domains (Id, Name, State)" },
	{ "shutdown", cmd_shutdown, false, CMD_STATE_DIR | CMD_TIMEOUT,
	  "shutdown [--timeout S] [--state-dir DIR] NAME",
	  "ask the guest to power off (ACPI), stop QEMU after S seconds\n"
	  "      (default 30); backends and files are cleaned up" },
	{ "destroy", cmd_destroy, false, CMD_STATE_DIR,
	  "destroy [--state-dir DIR] NAME",
	  "stop a domain at once (QMP quit, then signals)" },
	{ "console", cmd_console, false, CMD_STATE_DIR,
	  "console [--state-dir DIR] NAME",
	  "attach to a domain's serial console; Ctrl-] leaves" },
	{ "attach-device", cmd_attach_device, true, CMD_DEVICE,
	  "attach-device [--qemu-version X.Y.Z] [--state-dir DIR]\n"
	  "                [--backend PATH] NAME FILE.xml",
	  "hot-plug the <interface> in FILE.xml into a running domain\n"
	  "      (its backend started first; undone on any failure)" },
	{ "detach-device", cmd_detach_device, false, CMD_STATE_DIR | CMD_DEVICE,
	  "detach-device [--state-dir DIR] NAME FILE.xml",
	  "unplug the interface FILE.xml designates (by MAC, address or\n"
	  "      alias); the guest must release it (ACPI), then its backend stops" },
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
	       "  --log-dir DIR         start: where the domain log NAME.log is kept\n"
	       "                        across runs (default: $XDG_CACHE_HOME/vunet/log,\n"
	       "                        ~/.cache/vunet/log; /var/log/vunet for root)\n"
	       "  --backend PATH        backend program (default: $VUNET_BACKEND, else\n"
	       "                        vunetd beside vunet, else vunetd in PATH)\n"
	       "  --timeout S           shutdown: seconds the guest gets to power off\n"
	       "  -h, --help            print this help and exit\n"
	       "  -V, --version         print the version and exit\n\n"
	       "DOMAIN is a definition file (an argument containing '/' or ending\n"
	       "in .xml), NAME a running domain's name.  Errors are printed as\n"
	       "\"error: <category>: <message>\" with exit status 1.  See vunet(1).\n");
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

/* The slot of a value-taking option ARG for CMD, with the option's full
 * name in *NAME; NULL if CMD does not take it. */
static const char **value_slot(const struct command *cmd, const char *arg,
			       struct cli_opts *opts, const char **name)
{
	bool plan = cmd->takes_plan_options;

	*name = NULL;
	if (plan && is_option(arg, "--qemu-version"))
		*name = "--qemu-version";
	else if ((plan || (cmd->flags & CMD_STATE_DIR)) &&
		 is_option(arg, "--state-dir"))
		*name = "--state-dir";
	else if (plan && is_option(arg, "--backend"))
		*name = "--backend";
	else if ((cmd->flags & CMD_TIMEOUT) && is_option(arg, "--timeout"))
		*name = "--timeout";
	else if ((cmd->flags & CMD_LOG_DIR) && is_option(arg, "--log-dir"))
		*name = "--log-dir";
	if (!*name)
		return NULL;
	switch ((*name)[2]) {
	case 'q': return &opts->qemu_version;
	case 's': return &opts->state_dir;
	case 'b': return &opts->backend;
	case 'l': return &opts->log_dir;
	default: return &opts->timeout;
	}
}

static int parse_command_args(const struct command *cmd, int argc,
			      char **argv, struct cli_opts *opts)
{
	const char **slot, *name;
	int i;

	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];

		slot = value_slot(cmd, arg, opts, &name);
		if (slot) {
			*slot = option_value(argc, argv, &i, name);
			if (!*slot)
				return usage_error("option '%s' needs a value",
						   arg);
		} else if ((cmd->flags & CMD_CONSOLE) && !strcmp(arg, "--console")) {
			opts->console = true;
		} else if ((cmd->flags & CMD_ALL) && !strcmp(arg, "--all")) {
			opts->all = true;
		} else if (arg[0] == '-' && arg[1]) {
			return usage_error("unknown option '%s'", arg);
		} else if (opts->domain && (cmd->flags & CMD_DEVICE) &&
			   !opts->device_file) {
			opts->device_file = arg;
		} else if (opts->domain || (cmd->flags & CMD_NO_DOMAIN)) {
			return usage_error("unexpected argument '%s'", arg);
		} else {
			opts->domain = arg;
		}
	}
	if (!opts->domain && !(cmd->flags & CMD_NO_DOMAIN))
		return usage_error("command '%s' needs a domain", cmd->name);
	if ((cmd->flags & CMD_DEVICE) && !opts->device_file)
		return usage_error("command '%s' needs a device definition file",
				   cmd->name);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	struct cli_opts opts = { 0 };

	/* A parent that ignores SIGCHLD would have the kernel reap our
	 * children (backends, QEMU) and waitpid() fail: their exit status is
	 * how a backend's start is judged. */
	signal(SIGCHLD, SIG_DFL);
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
