// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runtime paths (src/qemu/qemu_paths.c).
 *
 * Specification, one behaviour per case: libvirt's short name (ID-NAME,
 * NAME cut to 20 characters, counted as characters in UTF-8), the passt
 * socket and pidfile paths libvirt's test data shows, the monitor socket
 * in the domain directory, the sun_path limit (107 bytes pass, 108 fail),
 * the default state directory in each situation (root, XDG_RUNTIME_DIR,
 * /run/user/UID, TMPDIR, /tmp), and where the backend program is looked
 * for (--backend, VUNET_BACKEND, beside the launcher, PATH).
 */
#include "tests/harness.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu/qemu_paths.h"
#include "util/error.h"

static struct vn_domain domain_named(const char *name, int id)
{
	struct vn_domain dom = { .name = (char *)name, .id = id };

	return dom;
}

#define CHECK_OWNED_STR(expr, expected)                                    \
	do {                                                               \
		char *got_ = (expr);                                       \
		int same_ = got_ && !strcmp(got_, expected);               \
		if (!same_)                                                \
			fprintf(stderr, "got '%s'\n", got_ ? got_ : "(null)"); \
		free(got_);                                                \
		CHECK_MSG(same_, "%s != %s", #expr, expected);             \
	} while (0)

TEST(short_name_of_inactive_domain_has_id_minus_one)
{
	struct vn_domain dom = domain_named("QEMUGuest1", -1);

	CHECK_OWNED_STR(qemu_paths_short_name(&dom), "-1-QEMUGuest1");
}

TEST(short_name_cuts_name_to_20_characters)
{
	struct vn_domain dom = domain_named("abcdefghijklmnopqrstuvwxyz", 7);

	CHECK_OWNED_STR(qemu_paths_short_name(&dom), "7-abcdefghijklmnopqrst");
}

TEST(short_name_counts_utf8_characters_not_bytes)
{
	/* 22 two-byte characters: the cut keeps 20 whole ones. */
	struct vn_domain dom = domain_named(
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9", -1);
	char *name = qemu_paths_short_name(&dom);

	CHECK(name);
	CHECK_INT(strlen(name), 3 + 40);
	free(name);
}

TEST(passt_socket_and_pidfile_follow_libvirts_scheme)
{
	struct vn_domain dom = domain_named("QEMUGuest1", -1);
	struct vn_net net = { .alias = "net2" };

	CHECK_OWNED_STR(qemu_paths_passt_socket("/var/run/libvirt/qemu", &dom,
						&net),
			"/var/run/libvirt/qemu/passt/-1-QEMUGuest1-net2.socket");
	CHECK_OWNED_STR(qemu_paths_passt_pidfile("/var/run/libvirt/qemu", &dom,
						 &net),
			"/var/run/libvirt/qemu/passt/-1-QEMUGuest1-net2-passt.pid");
}

TEST(monitor_socket_is_in_the_domain_directory)
{
	struct vn_domain dom = domain_named("demo", 3);

	CHECK_OWNED_STR(qemu_paths_monitor_socket("/run/vunet", &dom),
			"/run/vunet/domain-3-demo/monitor.sock");
}

TEST(check_socket_accepts_107_bytes_and_refuses_108)
{
	char path[110];

	memset(path, 'x', sizeof(path));
	path[0] = '/';
	path[107] = '\0';
	CHECK_INT(qemu_paths_check_socket(path), 0);
	path[107] = 'x';
	path[108] = '\0';
	CHECK_INT(qemu_paths_check_socket(path), -1);
	CHECK(strstr(vn_error_message(), "too long") != NULL);
}

TEST(log_dir_for_root_is_var_log_vunet)
{
	CHECK_OWNED_STR(qemu_paths_log_dir_for(0, "/xdg", "/root"),
			"/var/log/vunet");
}

TEST(log_dir_is_under_xdg_cache_home_then_home_cache)
{
	CHECK_OWNED_STR(qemu_paths_log_dir_for(1000, "/xdg", "/home/u"),
			"/xdg/vunet/log");
	CHECK_OWNED_STR(qemu_paths_log_dir_for(1000, "relative", "/home/u"),
			"/home/u/.cache/vunet/log");
	CHECK_OWNED_STR(qemu_paths_log_dir_for(1000, NULL, "/home/u"),
			"/home/u/.cache/vunet/log");
}

TEST(log_dir_without_any_home_is_an_error)
{
	CHECK(qemu_paths_log_dir_for(1000, NULL, NULL) == NULL);
	CHECK_MSG(strstr(vn_error_message(), "use --log-dir"), "%s",
		  vn_error_message());
}

TEST(domain_log_is_the_full_name_dot_log)
{
	CHECK_OWNED_STR(qemu_paths_domain_log("/l", "a-very-long-domain-name-of-30c"),
			"/l/a-very-long-domain-name-of-30c.log");
}

TEST(state_dir_for_root_is_run_vunet)
{
	CHECK_OWNED_STR(qemu_paths_state_dir_for(0, "/run/user/0", NULL,
						 "/run/user"),
			"/run/vunet");
}

TEST(state_dir_prefers_xdg_runtime_dir)
{
	CHECK_OWNED_STR(qemu_paths_state_dir_for(1000, "/xdg", "/tmpdir",
						 "/run/user"),
			"/xdg/vunet");
}

TEST(state_dir_uses_run_user_when_it_exists)
{
	char root[] = "/tmp/vunet-test-runuser-XXXXXX";
	char user_dir[64], expected[96];

	CHECK(mkdtemp(root));
	snprintf(user_dir, sizeof(user_dir), "%s/1234", root);
	CHECK_INT(mkdir(user_dir, 0700), 0);
	snprintf(expected, sizeof(expected), "%s/1234/vunet", root);
	{
		char *dir = qemu_paths_state_dir_for(1234, NULL, "/tmpdir",
						     root);
		int same = dir && !strcmp(dir, expected);

		free(dir);
		rmdir(user_dir);
		rmdir(root);
		CHECK(same);
	}
}

TEST(state_dir_falls_back_to_tmpdir)
{
	CHECK_OWNED_STR(qemu_paths_state_dir_for(1234, NULL, "/scratch",
						 "/nonexistent-run-user"),
			"/scratch/vunet-1234");
}

TEST(state_dir_falls_back_to_tmp_without_tmpdir)
{
	CHECK_OWNED_STR(qemu_paths_state_dir_for(1234, "", NULL,
						 "/nonexistent-run-user"),
			"/tmp/vunet-1234");
}

TEST(default_state_dir_is_absolute)
{
	char *dir = qemu_paths_default_state_dir();

	CHECK(dir && dir[0] == '/');
	free(dir);
}

TEST(backend_override_wins)
{
	setenv("VUNET_BACKEND", "/from/env", 1);
	CHECK_OWNED_STR(qemu_paths_backend_program("/from/cli", "/proc/self/exe"),
			"/from/cli");
}

TEST(backend_from_environment)
{
	setenv("VUNET_BACKEND", "/from/env", 1);
	CHECK_OWNED_STR(qemu_paths_backend_program(NULL, "/proc/self/exe"),
			"/from/env");
}

TEST(backend_beside_the_launcher)
{
	char dir[] = "/tmp/vunet-test-backend-XXXXXX";
	char exe[64], backend[64];
	int fd;

	unsetenv("VUNET_BACKEND");
	CHECK(mkdtemp(dir));
	snprintf(exe, sizeof(exe), "%s/vunet", dir);
	snprintf(backend, sizeof(backend), "%s/vunetd", dir);
	fd = open(backend, O_CREAT | O_WRONLY, 0755);
	CHECK(fd >= 0);
	close(fd);
	{
		char *got = qemu_paths_backend_program(NULL, exe);
		int same = got && !strcmp(got, backend);

		free(got);
		unlink(backend);
		rmdir(dir);
		CHECK(same);
	}
}

TEST(backend_from_path_when_nothing_else)
{
	unsetenv("VUNET_BACKEND");
	CHECK_OWNED_STR(qemu_paths_backend_program(NULL, "/nonexistent/vunet"),
			"vunetd");
}

int main(int argc, char **argv) { return test_main(argc, argv); }
