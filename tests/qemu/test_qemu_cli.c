// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * End-to-end checks of the vunet command line (tools/vunet.c), run as a
 * user would run it: the built binary (VUNET_BIN, from meson) with real
 * files from libvirt's test data.
 *
 * What is checked is what a user sees: the exit status, stdout, and the
 * exact error text on stderr, including libvirt's own message for
 * net-vhostuser-passt-no-shmem (its .err file), usage errors, a domain
 * name that is not a file, and the launch plan's first lines.  Also: the
 * man page (docs/vunet.1) documents every command and option that --help
 * prints.  Each run is a fork/exec with both streams captured in
 * temporary files that are removed afterwards.
 */
#include "tests/harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/qemu/golden.h"

#define MAX_ARGS 16

struct run {
	int status; /* exit status, or -1 if it did not exit normally */
	char *out, *err;
};

static void run_clear(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Set by a test: vunet is run with SIGCHLD ignored, as a careless
 * parent would leave it. */
static bool child_ignores_sigchld;

/* Runs vunet with ARGS (NULL-terminated), capturing both streams. */
static int run_vunet(struct run *r, const char *const *args)
{
	char out_path[] = "/tmp/vunet-cli-out-XXXXXX";
	char err_path[] = "/tmp/vunet-cli-err-XXXXXX";
	const char *argv[MAX_ARGS + 2] = { VUNET_BIN };
	int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
	int wstatus = 0;
	size_t i;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	for (i = 0; args[i] && i < MAX_ARGS; i++)
		argv[i + 1] = args[i];
	if (out_fd < 0 || err_fd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(out_fd, STDOUT_FILENO);
		dup2(err_fd, STDERR_FILENO);
		if (child_ignores_sigchld)
			signal(SIGCHLD, SIG_IGN);
		execv(VUNET_BIN, (char *const *)argv);
		_exit(127);
	}
	close(out_fd);
	close(err_fd);
	if (pid > 0)
		waitpid(pid, &wstatus, 0);
	r->status = pid > 0 && WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
	r->out = golden_read(out_path);
	r->err = golden_read(err_path);
	unlink(out_path);
	unlink(err_path);
	return r->out && r->err ? 0 : -1;
}

#define RUN(r, ...)                                                        \
	do {                                                               \
		const char *const args_[] = { __VA_ARGS__, NULL };         \
		if (access(VUNET_BIN, X_OK) < 0)                           \
			SKIP("%s is not built", VUNET_BIN);                \
		CHECK(run_vunet(&(r), args_) == 0);                        \
	} while (0)

#define CHECK_RUN(r, expect_status, err_prefix)                            \
	do {                                                               \
		int ok_ = (r).status == (expect_status) &&                 \
			  !strncmp((r).err, err_prefix, strlen(err_prefix)); \
		if (!ok_)                                                  \
			fprintf(stderr, "status %d, stderr:\n%s", (r).status, \
				(r).err);                                  \
		run_clear(&(r));                                           \
		CHECK_MSG(ok_, "expected status %d and stderr '%s'",       \
			  expect_status, err_prefix);                      \
	} while (0)

TEST(help_lists_the_commands_and_exits_0)
{
	struct run r;
	bool ok;

	RUN(r, "--help");
	ok = r.status == 0 && strstr(r.out, "validate") &&
	     strstr(r.out, "dumpxml") && strstr(r.out, "domxml-to-native") &&
	     !*r.err;
	ok = ok && strstr(r.out, "start") && strstr(r.out, "list") &&
	     strstr(r.out, "shutdown") && strstr(r.out, "destroy") &&
	     strstr(r.out, "console");
	run_clear(&r);
	CHECK(ok);
}

TEST(version_prints_the_version)
{
	struct run r;
	bool ok;

	RUN(r, "--version");
	ok = r.status == 0 && !strcmp(r.out, "vunet " VUNET_VERSION "\n");
	run_clear(&r);
	CHECK(ok);
}

TEST(no_command_is_a_usage_error)
{
	struct run r;

	RUN(r, "-x"); /* an unknown command */
	CHECK_RUN(r, 1, "error: unknown command: '-x'\n");
}

TEST(unknown_option_is_a_usage_error)
{
	struct run r;

	RUN(r, "validate", "--frobnicate", "x.xml");
	CHECK_RUN(r, 1, "error: unknown option '--frobnicate'\n");
}

TEST(attach_device_needs_a_device_file)
{
	struct run r;

	RUN(r, "attach-device", "somedomain");
	CHECK_RUN(r, 1,
		  "error: command 'attach-device' needs a device definition file\n");
}

/* Hot-plug into a name that does not run: libvirt's "no domain". */
TEST(detach_device_from_unknown_domain_is_domain_not_found)
{
	char dir[] = "/tmp/vunet-cli-XXXXXX";
	struct run r;

	CHECK(mkdtemp(dir) != NULL);
	RUN(r, "detach-device", "--state-dir", dir, "nosuchdomain",
	    "/dev/null");
	rmdir(dir);
	CHECK_RUN(r, 1,
		  "error: Domain not found: no domain with matching name 'nosuchdomain'\n");
}

TEST(valid_definition_validates_silently)
{
	GOLDEN_PATH(xml, "net-vhostuser-passt.xml");
	struct run r;
	bool ok;

	RUN(r, "validate", "--qemu-version", "10.0.0", xml);
	ok = r.status == 0 && !*r.err && !*r.out;
	run_clear(&r);
	CHECK(ok);
}

TEST(no_shmem_error_is_libvirts)
{
	GOLDEN_PATH(xml, "net-vhostuser-passt-no-shmem.xml");
	GOLDEN_PATH(err_file, "net-vhostuser-passt-no-shmem.x86_64-latest.err");
	char *expected = golden_read(err_file);
	char line[512];
	struct run r;

	CHECK(expected);
	snprintf(line, sizeof(line), "error: %s", expected);
	free(expected);
	RUN(r, "validate", "--qemu-version", "10.0.0", xml);
	CHECK_MSG(r.status == 1 && !strcmp(r.err, line),
		  "status %d, stderr '%s', expected '%s'", r.status, r.err,
		  line);
	run_clear(&r);
}

TEST(vhostuser_fail_is_refused)
{
	GOLDEN_PATH(xml, "net-vhostuser-fail.xml");
	struct run r;

	RUN(r, "validate", "--qemu-version", "10.0.0", xml);
	CHECK_RUN(r, 1, "error: unsupported configuration: ");
}

/* Refused as unsupported, by whichever check comes first (QEMU validation
 * or the command builder), with a message naming vdpa. */
TEST(vdpa_is_refused_by_validate_and_domxml_to_native)
{
	static const char *const commands[] = { "validate", "domxml-to-native",
						NULL };
	GOLDEN_PATH(xml, "net-vdpa.xml");
	struct run r;
	size_t i;

	for (i = 0; commands[i]; i++) {
		bool ok;

		RUN(r, commands[i], "--qemu-version", "10.0.0", xml);
		ok = r.status == 1 &&
		     !strncmp(r.err, "error: unsupported configuration: ", 34) &&
		     strstr(r.err, "vdpa");
		if (!ok)
			fprintf(stderr, "%s: status %d, stderr %s", commands[i],
				r.status, r.err);
		run_clear(&r);
		CHECK(ok);
	}
}

/* Two faults in one interface: virsh names QEMU's device rule (shared
 * memory) before the generic one (a vhostuser model must be virtio). */
static const char two_faults_xml[] =
	"<domain type='qemu'>\n"
	"  <name>twofaults</name>\n"
	"  <memory unit='KiB'>219136</memory>\n"
	"  <os><type arch='x86_64' machine='pc'>hvm</type></os>\n"
	"  <devices>\n"
	"    <interface type='vhostuser'>\n"
	"      <source type='unix' path='/tmp/vhost0.sock' mode='client'/>\n"
	"      <model type='rtl8139'/>\n"
	"    </interface>\n"
	"  </devices>\n"
	"</domain>\n";

TEST(validate_reports_qemu_rule_before_generic_rule)
{
	char path[] = "/tmp/vunet-cli-xml-XXXXXX";
	int fd = mkstemp(path);
	bool written;
	struct run r;

	CHECK(fd >= 0);
	written = write(fd, two_faults_xml, strlen(two_faults_xml)) ==
		  (ssize_t)strlen(two_faults_xml);
	close(fd);
	if (!written)
		unlink(path);
	CHECK(written);
	if (access(VUNET_BIN, X_OK) < 0) {
		unlink(path);
		SKIP("%s is not built", VUNET_BIN);
	}
	{
		const char *const args[] = { "validate", "--qemu-version",
					     "10.0.0", path, NULL };
		int rc = run_vunet(&r, args);

		unlink(path);
		CHECK(rc == 0);
	}
	CHECK_RUN(r, 1, "error: unsupported configuration: 'interface' requires shared memory\n");
}

TEST(missing_file_names_it)
{
	struct run r;
	bool ok;

	RUN(r, "validate", "/nonexistent/domain.xml");
	ok = r.status == 1 && !strncmp(r.err, "error: ", 7) &&
	     strstr(r.err, "/nonexistent/domain.xml");
	if (!ok)
		fprintf(stderr, "stderr: %s", r.err);
	run_clear(&r);
	CHECK(ok);
}

TEST(dumpxml_of_a_file_prints_the_definition)
{
	GOLDEN_PATH(xml, "net-user.x86_64-latest.xml");
	struct run r;
	bool ok;

	RUN(r, "dumpxml", xml);
	ok = r.status == 0 && !strncmp(r.out, "<domain type='qemu'>", 20) &&
	     strstr(r.out, "<name>QEMUGuest1</name>");
	run_clear(&r);
	CHECK(ok);
}

TEST(dumpxml_of_a_name_is_domain_not_found)
{
	struct run r;

	RUN(r, "dumpxml", "QEMUGuest1");
	CHECK_RUN(r, 1, "error: Domain not found: no domain with matching name 'QEMUGuest1'\n");
}

TEST(domxml_to_native_prints_backend_then_qemu)
{
	GOLDEN_PATH(xml, "net-vhostuser-passt.xml");
	struct run r;
	bool ok;

	RUN(r, "domxml-to-native", "--qemu-version", "10.0.0", "--state-dir",
	    "/var/run/libvirt/qemu", "--backend", "/opt/passt", xml);
	ok = r.status == 0 && !*r.err &&
	     !strncmp(r.out, "# backend net0\n/opt/passt \\\n--vhost-user \\\n", 42) &&
	     strstr(r.out, "\n\n# backend net1\n") &&
	     strstr(r.out, "\n\n# qemu\n/usr/bin/qemu-system-x86_64 \\\n") &&
	     strstr(r.out, "\n-chardev socket,id=charnet0,path=/var/run/libvirt/qemu/passt/-1-QEMUGuest1-net0.socket,reconnect-ms=5000 \\\n");
	if (!ok)
		fprintf(stderr, "status %d\n%s%s", r.status, r.out, r.err);
	run_clear(&r);
	CHECK(ok);
}

TEST(domxml_to_native_backend_from_environment)
{
	GOLDEN_PATH(xml, "net-user-passt.xml");
	struct run r;
	bool ok;

	setenv("VUNET_BACKEND", "/from/env/vunetd", 1);
	RUN(r, "domxml-to-native", "--qemu-version=7.2.0", xml);
	ok = r.status == 0 && !strncmp(r.out, "# backend net0\n/from/env/vunetd \\\n--one-off", 43);
	run_clear(&r);
	CHECK(ok);
}

TEST(domxml_to_native_refuses_a_bad_qemu_version)
{
	GOLDEN_PATH(xml, "net-user-passt.xml");
	struct run r;

	RUN(r, "domxml-to-native", "--qemu-version", "seven", xml);
	CHECK_RUN(r, 1, "error: invalid argument: 'seven' is not a QEMU version");
}

TEST(domxml_to_native_refuses_a_socket_path_too_long)
{
	GOLDEN_PATH(xml, "net-user-passt.xml");
	char dir[120];
	struct run r;

	memset(dir, 'd', sizeof(dir) - 1);
	dir[0] = '/';
	dir[sizeof(dir) - 1] = '\0';
	RUN(r, "domxml-to-native", "--qemu-version", "10.0.0", "--state-dir",
	    dir, xml);
	CHECK_RUN(r, 1, "error: unsupported configuration: UNIX socket path '/ddd");
}

/* Every "--option" and command named by --help is in the man page. */
TEST(man_page_is_in_step_with_help)
{
	static const char *const words[] = {
		"validate", "dumpxml", "domxml-to-native", "--qemu-version",
		"--state-dir", "--backend", "--help", "--version",
		"VUNET_BACKEND", "XDG_RUNTIME_DIR", "attach-device",
		"detach-device", NULL,
	};
	char man_path[4096];
	char *man, *p, *q;
	struct run r;
	size_t i;

	snprintf(man_path, sizeof(man_path), "%s/docs/vunet.1",
		 VUNET_SOURCE_ROOT);
	man = golden_read(man_path);
	CHECK_MSG(man, "cannot read %s", man_path);
	/* roff writes a literal '-' as "\-". */
	for (p = q = man; *p; p++)
		if (!(p[0] == '\\' && p[1] == '-'))
			*q++ = *p;
	*q = '\0';
	RUN(r, "--help");
	for (i = 0; words[i]; i++) {
		bool in_help = strstr(r.out, words[i]) != NULL;
		bool in_man = strstr(man, words[i]) != NULL;

		if (!in_help || !in_man) {
			fprintf(stderr, "'%s': help %d, man %d\n", words[i],
				in_help, in_man);
			break;
		}
	}
	run_clear(&r);
	free(man);
	CHECK(!words[i]);
}

/* A start whose backend (/bin/true) starts and whose QEMU (a script)
 * fails at once: the error must be QEMU's, which needs the backend's
 * exit status, lost if vunet kept an inherited ignored SIGCHLD. */
TEST(start_does_not_inherit_an_ignored_sigchld)
{
	char base[] = "/tmp/vunet-cli-sigchld.XXXXXX";
	char qemu[96], xml_path[96], state[96], logs[96], cmd[128];
	const char *expected = "error: internal error: process exited while connecting to monitor: fake qemu ran\n";
	struct run r;
	FILE *f;
	bool ok;

	CHECK(mkdtemp(base));
	snprintf(qemu, sizeof(qemu), "%s/qemu", base);
	snprintf(xml_path, sizeof(xml_path), "%s/d.xml", base);
	snprintf(state, sizeof(state), "%s/state", base);
	snprintf(logs, sizeof(logs), "%s/log", base);
	f = fopen(qemu, "w");
	CHECK(f);
	fprintf(f, "#!/bin/sh\necho 'fake qemu ran' >&2\nexit 1\n");
	CHECK(fclose(f) == 0 && chmod(qemu, 0755) == 0);
	f = fopen(xml_path, "w");
	CHECK(f);
	fprintf(f, "<domain type='qemu'><name>sigchld</name>"
		"<memory unit='MiB'>64</memory>"
		"<os><type arch='x86_64' machine='pc'>hvm</type></os>"
		"<devices><emulator>%s</emulator>"
		"<interface type='user'><backend type='passt'/>"
		"<model type='virtio'/></interface>"
		"<memballoon model='none'/></devices></domain>", qemu);
	CHECK(fclose(f) == 0);
	child_ignores_sigchld = true;
	RUN(r, "start", "--qemu-version", "7.2.0", "--state-dir", state,
	    "--log-dir", logs, "--backend", "/bin/true", xml_path);
	child_ignores_sigchld = false;
	ok = r.status == 1 && !strcmp(r.err, expected);
	CHECK_MSG(ok, "status %d, stderr: %s", r.status, r.err);
	run_clear(&r);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	CHECK(system(cmd) == 0);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
