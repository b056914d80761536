// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tests of the launcher's runtime state (src/qemu/qemu_state.c): the
 * private state directory, the job and alive locks, the id counter, the
 * status and live XML records, listing and removal.
 *
 * Theory of operation: each case works in a fresh directory under
 * $TMPDIR (or /tmp) and removes it at the end.  flock() locks belong to
 * an open file description, so a second lock attempt from the same
 * process conflicts exactly as one from another "vunet" command would;
 * no second process is needed.  Starting real QEMU and backends is
 * tests/e2e/test-launcher.sh's job.
 */
#include "tests/harness.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/domain_conf.h"
#include "qemu/qemu_state.h"
#include "tests/qemu/scratch.h"
#include "util/error.h"

static char base[256];
static char dir[300];

static void fresh_dir(void)
{
	scratch_make(base, sizeof(base), dir, sizeof(dir), "vunet-state-test");
}

static bool exists(const char *name)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* DIR/NAME.xml with placeholder content (listing only looks at names). */
static int write_fixture_xml(const char *name)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.xml", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("<domain/>\n", f);
	return fclose(f);
}

static const char *const minimal_xml =
	"<domain type='qemu'><name>d1</name><memory>262144</memory>"
	"<os><type arch='x86_64' machine='pc'>hvm</type></os>"
	"<devices><interface type='user'><backend type='passt'/>"
	"<model type='virtio'/></interface></devices></domain>";

TEST(prepare_creates_a_private_directory_with_passt)
{
	struct stat st;

	fresh_dir();
	CHECK_INT(qemu_state_prepare(dir), 0);
	CHECK(stat(dir, &st) == 0);
	CHECK_INT(st.st_mode & 0777, 0700);
	CHECK(exists("passt"));
	CHECK_INT(qemu_state_prepare(dir), 0); /* again: fine */
	scratch_remove(base);
}

TEST(prepare_refuses_a_directory_open_to_others)
{
	fresh_dir();
	CHECK(mkdir(dir, 0755) == 0);
	CHECK(chmod(dir, 0755) == 0);
	CHECK_INT(qemu_state_prepare(dir), -1);
	CHECK_MSG(strstr(vn_error_message(), "mode 0700"), "error: %s",
		  vn_error_message());
	scratch_remove(base);
}

TEST(prepare_refuses_a_symlink)
{
	char target[400];

	fresh_dir();
	snprintf(target, sizeof(target), "%s/elsewhere", base);
	CHECK(mkdir(target, 0700) == 0);
	CHECK(symlink(target, dir) == 0);
	CHECK_INT(qemu_state_prepare(dir), -1);
	scratch_remove(base);
}

TEST(ids_count_up_from_one)
{
	fresh_dir();
	CHECK_INT(qemu_state_prepare(dir), 0);
	CHECK_INT(qemu_state_next_id(dir), 1);
	CHECK_INT(qemu_state_next_id(dir), 2);
	CHECK_INT(qemu_state_next_id(dir), 3);
	scratch_remove(base);
}

TEST(job_lock_refuses_a_second_holder_until_released)
{
	int fd, again;

	fresh_dir();
	CHECK_INT(qemu_state_prepare(dir), 0);
	fd = qemu_state_lock_job(dir, "d1", true);
	CHECK(fd >= 0);
	CHECK_INT(qemu_state_lock_job(dir, "d1", true), -1);
	CHECK_STR(vn_error_message(),
		  "operation failed: domain 'd1' is already being started");
	CHECK(qemu_state_lock_job(dir, "d2", true) >= 0); /* other name */
	CHECK_INT(qemu_state_lock_job(dir, "d1", false), -1);
	CHECK_STR(vn_error_message(),
		  "operation failed: domain 'd1' is busy with another command (cannot acquire state change lock)");
	close(fd);
	again = qemu_state_lock_job(dir, "d1", false);
	CHECK(again >= 0);
	close(again);
	scratch_remove(base);
}

TEST(domain_is_active_exactly_while_its_alive_lock_is_held)
{
	int fd;

	fresh_dir();
	CHECK_INT(qemu_state_prepare(dir), 0);
	CHECK(!qemu_state_is_active(dir, "d1"));
	fd = qemu_state_lock_alive(dir, "d1");
	CHECK(fd >= 0);
	CHECK(qemu_state_is_active(dir, "d1"));
	CHECK_INT(qemu_state_lock_alive(dir, "d1"), -1);
	CHECK_STR(vn_error_message(),
		  "Requested operation is not valid: domain 'd1' is already active");
	close(fd);
	CHECK(!qemu_state_is_active(dir, "d1"));
	scratch_remove(base);
}

TEST(supervisor_lock_refuses_a_second_supervisor)
{
	char expected[700];
	int fd;

	fresh_dir();
	CHECK_INT(qemu_state_prepare(dir), 0);
	fd = qemu_state_lock_supervisor(dir, "d1");
	CHECK(fd >= 0);
	CHECK_INT(qemu_state_lock_supervisor(dir, "d1"), -1);
	snprintf(expected, sizeof(expected),
		 "cannot lock '%s/d1.supervisor': %s", dir, strerror(EBUSY));
	CHECK_STR(vn_error_message(), expected);
	close(fd);
	fd = qemu_state_lock_supervisor(dir, "d1");
	CHECK(fd >= 0);
	close(fd);
	scratch_remove(base);
}

TEST(status_round_trips_and_garbage_is_refused)
{
	char path[600];
	FILE *f;
	int id = 0;
	pid_t pid = 0;

	fresh_dir();
	CHECK_INT(qemu_state_prepare(dir), 0);
	CHECK_INT(qemu_state_read_status(dir, "d1", &id, &pid), -1);
	CHECK_INT(qemu_state_write_status(dir, "d1", 7, 12345), 0);
	CHECK_INT(qemu_state_read_status(dir, "d1", &id, &pid), 0);
	CHECK_INT(id, 7);
	CHECK_INT(pid, 12345);
	snprintf(path, sizeof(path), "%s/d1.status", dir);
	f = fopen(path, "w");
	CHECK(f);
	fputs("id=-4\npid=x\n", f);
	fclose(f);
	CHECK_INT(qemu_state_read_status(dir, "d1", &id, &pid), -1);
	scratch_remove(base);
}

TEST(live_xml_shows_id_and_aliases_and_loads_back)
{
	struct vn_domain *dom = vn_domain_parse_string(minimal_xml);
	struct vn_domain *loaded;
	char *xml;

	CHECK(dom);
	fresh_dir();
	CHECK_INT(qemu_state_prepare(dir), 0);
	dom->id = 3;
	CHECK_INT(qemu_state_write_xml(dir, dom), 0);
	CHECK_INT(qemu_state_write_status(dir, "d1", 3, 0), 0);
	xml = qemu_state_read_xml(dir, "d1");
	CHECK(xml);
	CHECK_MSG(strstr(xml, "<domain type='qemu' id='3'>"), "%s", xml);
	CHECK_MSG(strstr(xml, "<alias name='net0'/>"), "%s", xml);
	free(xml);
	loaded = qemu_state_load_domain(dir, "d1");
	CHECK(loaded);
	CHECK_INT(loaded->id, 3);
	CHECK_STR(loaded->nets[0]->alias, "net0");
	CHECK(!memcmp(loaded->nets[0]->mac, dom->nets[0]->mac, 6));
	vn_domain_free(loaded);
	vn_domain_free(dom);
	scratch_remove(base);
}

static const char *const three_nets_xml =
	"<domain type='qemu'><name>d3</name><memory>262144</memory>"
	"<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
	"<interface type='user'><mac address='52:54:00:00:00:0a'/></interface>"
	"<interface type='user'><mac address='52:54:00:00:00:0b'/></interface>"
	"<interface type='user'><mac address='52:54:00:00:00:0c'/></interface>"
	"</devices></domain>";

/* What detach-device does to the record: the middle interface goes. */
static int drop_net(struct vn_domain *dom, size_t idx)
{
	vn_net_free(dom->nets[idx]);
	memmove(&dom->nets[idx], &dom->nets[idx + 1],
		(dom->n_nets - idx - 1) * sizeof(dom->nets[0]));
	dom->n_nets--;
	return qemu_state_write_xml(dir, dom);
}

TEST(live_xml_keeps_aliases_after_a_middle_interface_is_removed)
{
	struct vn_domain *dom = vn_domain_parse_string(three_nets_xml);
	struct vn_domain *loaded = NULL;

	CHECK(dom);
	fresh_dir();
	CHECK_INT(qemu_state_prepare(dir), 0);
	dom->id = 5;
	CHECK_INT(qemu_state_write_status(dir, "d3", 5, 0), 0);
	CHECK_INT(drop_net(dom, 1), 0);
	loaded = qemu_state_load_domain(dir, "d3");
	CHECK_MSG(loaded, "%s", vn_error_message());
	CHECK_INT(loaded->n_nets, 2);
	CHECK_INT(loaded->nets[1]->mac[5], 0x0c);
	CHECK_STR(loaded->nets[0]->alias, "net0");
	CHECK_STR(loaded->nets[1]->alias, "net2");
	vn_domain_free(loaded);
	vn_domain_free(dom);
	scratch_remove(base);
}

TEST(interface_attached_after_a_detach_does_not_reuse_a_live_alias)
{
	struct vn_domain *dom = vn_domain_parse_string(three_nets_xml);
	struct vn_domain *loaded = NULL;
	struct vn_net *net = NULL;

	CHECK(dom);
	fresh_dir();
	CHECK_INT(qemu_state_prepare(dir), 0);
	dom->id = 6;
	CHECK_INT(qemu_state_write_status(dir, "d3", 6, 0), 0);
	CHECK_INT(drop_net(dom, 1), 0);
	loaded = qemu_state_load_domain(dir, "d3");
	CHECK(loaded);
	net = vn_net_parse_string("<interface type='user'/>", loaded);
	CHECK_MSG(net, "%s", vn_error_message());
	/* net2 still names the third interface in QEMU. */
	CHECK_STR(net->alias, "net3");
	vn_net_free(net);
	vn_domain_free(loaded);
	vn_domain_free(dom);
	scratch_remove(base);
}

TEST(unknown_name_is_libvirts_domain_not_found)
{
	fresh_dir();
	CHECK_INT(qemu_state_prepare(dir), 0);
	CHECK(!qemu_state_read_xml(dir, "nope"));
	CHECK_STR(vn_error_message(),
		  "Domain not found: no domain with matching name 'nope'");
	scratch_remove(base);
}

TEST(list_names_sorted_only_live_definitions)
{
	char **names = NULL;
	size_t n = 0, i;

	fresh_dir();
	CHECK_INT(qemu_state_prepare(dir), 0);
	CHECK_INT(qemu_state_list_names(dir, &names, &n), 0);
	CHECK_INT(n, 0);
	free(names);
	CHECK_INT(qemu_state_write_status(dir, "zeta", 1, 0), 0);
	CHECK(write_fixture_xml("zeta") == 0);
	CHECK(write_fixture_xml("alpha") == 0);
	CHECK_INT(qemu_state_list_names(dir, &names, &n), 0);
	CHECK_INT(n, 2);
	CHECK_STR(names[0], "alpha");
	CHECK_STR(names[1], "zeta");
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	scratch_remove(base);
}

TEST(remove_deletes_records_and_optionally_keeps_locks)
{
	int job, alive;

	fresh_dir();
	CHECK_INT(qemu_state_prepare(dir), 0);
	job = qemu_state_lock_job(dir, "d1", true);
	alive = qemu_state_lock_alive(dir, "d1");
	CHECK(job >= 0 && alive >= 0);
	CHECK_INT(qemu_state_write_status(dir, "d1", 1, 0), 0);
	qemu_state_remove(dir, "d1", true);
	CHECK(!exists("d1.status"));
	CHECK(exists("d1.job") && exists("d1.lock"));
	qemu_state_remove(dir, "d1", false);
	CHECK(!exists("d1.job") && !exists("d1.lock"));
	close(job);
	close(alive);
	scratch_remove(base);
}

int main(int argc, char **argv) { return test_main(argc, argv); }
