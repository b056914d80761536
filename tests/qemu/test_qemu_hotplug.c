// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tests of hot-plug (src/qemu/qemu_hotplug.c) against a stand-in QEMU
 * monitor: what is undone, in which order, and what a detach that gave up
 * waiting leaves behind.
 *
 * Theory of operation: a case makes a "running domain" (live XML with two
 * vhost-user interfaces net0 and net1 on client sockets, so no backend
 * program is needed; status; the alive lock held by the test) and a fake
 * QMP server (fake_qmp.h) that keeps QEMU's view in its own process: the
 * devices by id (as qom-list of /machine/peripheral shows them) and the
 * chardevs (query-chardev).  Its device_del either releases the device
 * with a DEVICE_DELETED event RELEASE_DELAY_MS later, as a guest with
 * ACPI does, or leaves the request pending, as a guest that ignores it;
 * a pending device can be released when the next command connects (the
 * guest let go while nobody listened).  Every command and event is
 * logged, and a case checks the log: which ids were touched, and that
 * netdev_del never comes before the device's DEVICE_DELETED.  The real
 * sequence with QEMU and a guest is tests/e2e/test-hotplug.sh.
 */
#include "tests/harness.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf/domain_conf.h"
#include "qemu/qemu_hotplug.h"
#include "qemu/qemu_paths.h"
#include "qemu/qemu_state.h"
#include "qemu/qemu_validate.h"
#include "tests/qemu/fake_qmp.h"
#include "tests/qemu/scratch.h"
#include "util/error.h"

#define RELEASE_DELAY_MS 100
#define SHORT_TIMEOUT_MS 300
#define MAX_IDS 8

static char base[256], dir[300], log_path[400];

static const char *const domain_xml =
	"<domain type='qemu'><name>h1</name><memory>262144</memory>"
	"<memoryBacking><source type='memfd'/><access mode='shared'/>"
	"</memoryBacking>"
	"<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
	"<interface type='vhostuser'><mac address='52:54:00:00:00:0a'/>"
	"<source type='unix' path='/tmp/h1-0' mode='client'/>"
	"<model type='virtio'/></interface>"
	"<interface type='vhostuser'><mac address='52:54:00:00:00:0b'/>"
	"<source type='unix' path='/tmp/h1-1' mode='client'/>"
	"<model type='virtio'/></interface>"
	"</devices></domain>";

static const char *const new_nic_xml =
	"<interface type='vhostuser'><mac address='52:54:00:00:00:0c'/>"
	"<source type='unix' path='/tmp/h1-2' mode='client'/>"
	"<model type='virtio'/></interface>";

static const char *const net1_spec_xml =
	"<interface type='vhostuser'><mac address='52:54:00:00:00:0b'/>"
	"</interface>";

/* QEMU's view, kept in the fake server's process. */
struct fake_qemu {
	bool release;            /* device_del: DEVICE_DELETED follows */
	bool release_on_connect; /* pending unplugs done by next connect */
	bool odd_chardev;        /* query-chardev lists "label": null too */
	bool refuse_del;         /* device_del fails */
	char devices[MAX_IDS][32];
	bool pending[MAX_IDS];
	char chardevs[MAX_IDS][32];
};

static struct fake_qemu qemu_view;

static const char *arg_id(json_object *args)
{
	json_object *id;

	return args && json_object_object_get_ex(args, "id", &id) ?
	       json_object_get_string(id) : "";
}

static int find_id(char (*ids)[32], const char *id)
{
	int i;

	for (i = 0; i < MAX_IDS; i++)
		if (ids[i][0] && !strcmp(ids[i], id))
			return i;
	return -1;
}

static void add_id(char (*ids)[32], const char *id)
{
	int i;

	for (i = 0; i < MAX_IDS; i++)
		if (!ids[i][0]) {
			snprintf(ids[i], sizeof(ids[i]), "%s", id);
			return;
		}
}

static json_object *named_list(char (*ids)[32], const char *key,
			       const char *type)
{
	json_object *list = json_object_new_array(), *item;
	int i;

	for (i = 0; i < MAX_IDS; i++) {
		if (!ids[i][0])
			continue;
		item = json_object_new_object();
		json_object_object_add(item, key, json_object_new_string(ids[i]));
		if (type)
			json_object_object_add(item, "type",
					       json_object_new_string(type));
		json_object_array_add(list, item);
	}
	return list;
}

static void device_del(struct fake_qemu *q, const char *id,
		       struct fake_qmp_reply *reply)
{
	int i = find_id(q->devices, id);

	if (q->refuse_del) {
		snprintf(reply->error, sizeof(reply->error),
			 "Device '%s' is busy", id);
		return;
	}
	if (i < 0) {
		snprintf(reply->error, sizeof(reply->error),
			 "Device '%s' not found", id);
		return;
	}
	if (!q->release) {
		q->pending[i] = true;
		return;
	}
	q->devices[i][0] = '\0';
	reply->event = json_object_new_object();
	json_object_object_add(reply->event, "device",
			       json_object_new_string(id));
	snprintf(reply->event_name, sizeof(reply->event_name),
		 "DEVICE_DELETED");
	reply->event_delay_ms = RELEASE_DELAY_MS;
}

/* LIST with an entry whose "label" is null in front. */
static json_object *with_null_label_first(json_object *list)
{
	json_object *odd = json_object_new_array(), *item;
	size_t i;

	item = json_object_new_object();
	json_object_object_add(item, "label", NULL);
	json_object_array_add(odd, item);
	for (i = 0; i < json_object_array_length(list); i++)
		json_object_array_add(odd, json_object_get(
			json_object_array_get_idx(list, i)));
	json_object_put(list);
	return odd;
}

static void answer(const char *command, json_object *args,
		   struct fake_qmp_reply *reply, void *opaque)
{
	struct fake_qemu *q = opaque;
	int i;

	if (!strcmp(command, "device_add")) {
		add_id(q->devices, arg_id(args));
	} else if (!strcmp(command, "device_del")) {
		device_del(q, arg_id(args), reply);
	} else if (!strcmp(command, "chardev-add")) {
		add_id(q->chardevs, arg_id(args));
	} else if (!strcmp(command, "chardev-remove")) {
		i = find_id(q->chardevs, arg_id(args));
		if (i >= 0)
			q->chardevs[i][0] = '\0';
	} else if (!strcmp(command, "qom-list")) {
		reply->ret = named_list(q->devices, "name",
					"child<virtio-net-pci>");
	} else if (!strcmp(command, "query-chardev")) {
		reply->ret = named_list(q->chardevs, "label", NULL);
		if (q->odd_chardev)
			reply->ret = with_null_label_first(reply->ret);
	}
}

static void on_connect(void *opaque)
{
	struct fake_qemu *q = opaque;
	int i;

	for (i = 0; i < MAX_IDS && q->release_on_connect; i++)
		if (q->pending[i]) {
			q->devices[i][0] = '\0';
			q->pending[i] = false;
		}
}

/* The running domain h1 and its fake QEMU; the alive lock's fd or -1. */
static int make_running_domain(struct fake_qmp *fq)
{
	scratch_make(base, sizeof(base), dir, sizeof(dir),
		     "vunet-hotplug-test");
	snprintf(log_path, sizeof(log_path), "%s/qmp.log", base);
	add_id(qemu_view.devices, "net0");
	add_id(qemu_view.devices, "net1");
	add_id(qemu_view.chardevs, "charnet0");
	add_id(qemu_view.chardevs, "charnet1");
	return fake_qmp_start_domain(fq, dir, domain_xml, log_path, answer,
				     on_connect, &qemu_view);
}

/* make_running_domain() into ALIVE for a case, which ends when it fails. */
#define START_RUNNING_DOMAIN(fq, alive)                                   \
	do {                                                              \
		(alive) = make_running_domain(fq);                        \
		CHECK_MSG((alive) >= 0, "setup: %s", vn_error_message()); \
	} while (0)

static void stop_running_domain(struct fake_qmp *fq, int alive)
{
	fake_qmp_stop(fq);
	close(alive);
	scratch_remove(base);
}

static const struct qemu_hotplug_opts hotplug_opts = {
	.backend = "/bin/false", /* no passt interface here */
	.qemu_version = QEMU_VERSION(7, 2, 0),
	.detach_timeout_ms = SHORT_TIMEOUT_MS,
};

static int attach(const char *xml)
{
	struct qemu_hotplug_opts opts = hotplug_opts;

	opts.state_dir = dir;
	return qemu_hotplug_attach_net("h1", xml, &opts);
}

static int detach(const char *xml)
{
	struct qemu_hotplug_opts opts = hotplug_opts;

	opts.state_dir = dir;
	return qemu_hotplug_detach_net("h1", xml, &opts);
}

/* Where NEEDLE starts in the log, or -1. */
static long log_at(const char *log, const char *needle)
{
	const char *p = strstr(log, needle);

	return p ? p - log : -1;
}

static int count_in(const char *log, const char *needle)
{
	int n = 0;

	for (log = strstr(log, needle); log; log = strstr(log + 1, needle))
		n++;
	return n;
}

/* The aliases of the live XML's interfaces, blank-separated (a static
 * buffer); NULL when it cannot be read. */
static const char *live_aliases(void)
{
	static char aliases[MAX_IDS * 32];
	struct vn_domain *dom = qemu_state_load_domain(dir, "h1");
	size_t i, used = 0;

	if (!dom)
		return NULL;
	aliases[0] = '\0';
	for (i = 0; i < dom->n_nets && used < sizeof(aliases); i++)
		used += snprintf(aliases + used, sizeof(aliases) - used, "%s%s",
				 i ? " " : "", dom->nets[i]->alias);
	vn_domain_free(dom);
	return aliases;
}

/* Makes writing the live XML fail: its temporary file's name is taken
 * by a directory, BLOCKER (SIZE bytes).  0 or -1 (errno). */
static int block_live_xml(char *blocker, size_t size)
{
	snprintf(blocker, size, "%s/h1.xml.tmp-%ld", dir, (long)getpid());
	return mkdir(blocker, 0700);
}

static int live_nets(void)
{
	struct vn_domain *dom = qemu_state_load_domain(dir, "h1");
	int n = dom ? (int)dom->n_nets : -1;

	vn_domain_free(dom);
	return n;
}

TEST(attach_rollback_waits_for_device_deleted_and_undoes_the_new_interface)
{
	struct fake_qmp fq = { .pid = -1 };
	char blocker[600];
	const char *log;
	int alive;

	qemu_view.release = true;
	START_RUNNING_DOMAIN(&fq, alive);
	/* Writing the live XML (the step after device_add) fails. */
	CHECK(block_live_xml(blocker, sizeof(blocker)) == 0);
	CHECK_INT(attach(new_nic_xml), -1);
	CHECK_MSG(strstr(vn_error_message(), "cannot write"), "%s",
		  vn_error_message());
	log = fake_qmp_log(&fq);
	CHECK_MSG(log_at(log, "device_add {\"driver\"") >= 0 &&
		  log_at(log, "\"id\":\"net2\"") >= 0, "%s", log);
	CHECK_MSG(log_at(log, "device_del {\"id\":\"net2\"}") >= 0, "%s", log);
	CHECK_MSG(log_at(log, "event DEVICE_DELETED") >= 0, "%s", log);
	CHECK_MSG(log_at(log, "event DEVICE_DELETED") <
		  log_at(log, "netdev_del {\"id\":\"hostnet2\"}"),
		  "netdev_del before the guest released the device:\n%s", log);
	CHECK_MSG(log_at(log, "chardev-remove {\"id\":\"charnet2\"}") >= 0,
		  "%s", log);
	CHECK_MSG(log_at(log, "\"id\":\"net1\"") < 0 &&
		  log_at(log, "hostnet1") < 0, "touched net1:\n%s", log);
	CHECK_INT(live_nets(), 2);
	stop_running_domain(&fq, alive);
}

/* device_del itself fails during the rollback: the message says so
 * (not that the guest was slow), and the host side stays. */
TEST(attach_rollback_whose_device_del_fails_says_so)
{
	struct fake_qmp fq = { .pid = -1 };
	char blocker[600];
	const char *log;
	int alive;

	qemu_view.release = true;
	qemu_view.refuse_del = true;
	START_RUNNING_DOMAIN(&fq, alive);
	CHECK(block_live_xml(blocker, sizeof(blocker)) == 0);
	CHECK_INT(attach(new_nic_xml), -1);
	CHECK_MSG(strstr(vn_error_message(), "cannot write") &&
		  strstr(vn_error_message(),
			 "; removing the new device failed (") &&
		  strstr(vn_error_message(), "is busy") &&
		  strstr(vn_error_message(),
			 "could not be recorded: destroy the domain to remove it") &&
		  !strstr(vn_error_message(), "did not release"),
		  "%s", vn_error_message());
	log = fake_qmp_log(&fq);
	CHECK_MSG(log_at(log, "netdev_del") < 0 &&
		  log_at(log, "chardev-remove") < 0, "%s", log);
	stop_running_domain(&fq, alive);
}

TEST(detach_that_times_out_keeps_the_interface_and_its_host_side)
{
	struct fake_qmp fq = { .pid = -1 };
	const char *log;
	int alive;

	qemu_view.release = false;
	START_RUNNING_DOMAIN(&fq, alive);
	CHECK_INT(detach(net1_spec_xml), -1);
	CHECK_MSG(strstr(vn_error_message(), "guest did not release device 'net1'"),
		  "%s", vn_error_message());
	log = fake_qmp_log(&fq);
	CHECK_MSG(log_at(log, "device_del {\"id\":\"net1\"}") >= 0, "%s", log);
	CHECK_MSG(log_at(log, "netdev_del") < 0 &&
		  log_at(log, "chardev-remove") < 0, "%s", log);
	CHECK_INT(live_nets(), 2);
	stop_running_domain(&fq, alive);
}

TEST(detach_again_after_the_guest_let_go_completes_the_removal)
{
	struct fake_qmp fq = { .pid = -1 };
	const char *log;
	int alive;

	qemu_view.release = false;
	qemu_view.release_on_connect = true;
	START_RUNNING_DOMAIN(&fq, alive);
	CHECK_INT(detach(net1_spec_xml), -1);
	/* The guest lets go while no vunet command listens. */
	CHECK_MSG(detach(net1_spec_xml) == 0, "%s", vn_error_message());
	log = fake_qmp_log(&fq);
	CHECK_MSG(count_in(log, "device_del") == 1,
		  "device_del sent again for a device QEMU no longer has:\n%s",
		  log);
	CHECK_MSG(log_at(log, "netdev_del {\"id\":\"hostnet1\"}") >= 0, "%s", log);
	CHECK_MSG(log_at(log, "chardev-remove {\"id\":\"charnet1\"}") >= 0,
		  "%s", log);
	CHECK_STR(live_aliases(), "net0");
	stop_running_domain(&fq, alive);
}

/* The live XML cannot be written: the host side stays (a backend the
 * XML still lists must not stop: the supervisor would restart it), and
 * a later detach finishes the removal. */
TEST(detach_whose_live_xml_cannot_be_written_keeps_the_host_side)
{
	struct fake_qmp fq = { .pid = -1 };
	char blocker[600];
	const char *log;
	int alive;

	qemu_view.release = true;
	START_RUNNING_DOMAIN(&fq, alive);
	CHECK(block_live_xml(blocker, sizeof(blocker)) == 0);
	CHECK_INT(detach(net1_spec_xml), -1);
	CHECK_MSG(strstr(vn_error_message(), "cannot write"), "%s",
		  vn_error_message());
	log = fake_qmp_log(&fq);
	CHECK_MSG(log_at(log, "device_del {\"id\":\"net1\"}") >= 0, "%s", log);
	CHECK_MSG(log_at(log, "netdev_del") < 0 &&
		  log_at(log, "chardev-remove") < 0,
		  "host side removed while the live XML lists it:\n%s", log);
	CHECK_INT(live_nets(), 2);
	CHECK(rmdir(blocker) == 0);
	CHECK_MSG(detach(net1_spec_xml) == 0, "%s", vn_error_message());
	log = fake_qmp_log(&fq);
	CHECK_MSG(log_at(log, "netdev_del {\"id\":\"hostnet1\"}") >= 0, "%s", log);
	CHECK_INT(live_nets(), 1);
	stop_running_domain(&fq, alive);
}

/* A query-chardev entry whose label is not a string is skipped, not
 * dereferenced. */
TEST(detach_survives_a_chardev_without_a_string_label)
{
	struct fake_qmp fq = { .pid = -1 };
	const char *log;
	int alive;

	qemu_view.release = true;
	qemu_view.odd_chardev = true;
	START_RUNNING_DOMAIN(&fq, alive);
	CHECK_MSG(detach(net1_spec_xml) == 0, "%s", vn_error_message());
	log = fake_qmp_log(&fq);
	CHECK_MSG(log_at(log, "chardev-remove {\"id\":\"charnet1\"}") >= 0,
		  "%s", log);
	CHECK_INT(live_nets(), 1);
	stop_running_domain(&fq, alive);
}

TEST(detach_waits_for_device_deleted_and_removes_only_that_interface)
{
	struct fake_qmp fq = { .pid = -1 };
	const char *log;
	int alive;

	qemu_view.release = true;
	START_RUNNING_DOMAIN(&fq, alive);
	CHECK_MSG(detach(net1_spec_xml) == 0, "%s", vn_error_message());
	log = fake_qmp_log(&fq);
	CHECK_MSG(log_at(log, "event DEVICE_DELETED") >= 0 &&
		  log_at(log, "event DEVICE_DELETED") <
		  log_at(log, "netdev_del {\"id\":\"hostnet1\"}"), "%s", log);
	CHECK_MSG(log_at(log, "net0") < 0, "touched net0:\n%s", log);
	CHECK_STR(live_aliases(), "net0");
	stop_running_domain(&fq, alive);
}

/* An alias copied from the live XML designates that interface: it is
 * not dropped like an inactive definition's non-"ua-" alias would be. */
TEST(detach_by_a_live_alias_removes_that_interface_or_none)
{
	static const char *const by_net1 =
		"<interface type='vhostuser'><alias name='net1'/></interface>";
	static const char *const by_net7 =
		"<interface type='vhostuser'><alias name='net7'/></interface>";
	struct fake_qmp fq = { .pid = -1 };
	const char *log;
	int alive;

	qemu_view.release = true;
	START_RUNNING_DOMAIN(&fq, alive);
	CHECK_INT(detach(by_net7), -1);
	CHECK_STR(vn_error_message(), "device not found: no matching device found");
	CHECK_INT(live_nets(), 2);
	CHECK_MSG(detach(by_net1) == 0, "%s", vn_error_message());
	log = fake_qmp_log(&fq);
	CHECK_MSG(log_at(log, "device_del {\"id\":\"net1\"}") >= 0, "%s", log);
	CHECK_MSG(log_at(log, "net0") < 0, "touched net0:\n%s", log);
	CHECK_STR(live_aliases(), "net0");
	stop_running_domain(&fq, alive);
}

TEST(attach_reusing_a_live_user_alias_is_refused_before_anything_starts)
{
	static const char *const nic_ua =
		"<interface type='vhostuser'><alias name='ua-dup'/>"
		"<source type='unix' path='/tmp/h1-3' mode='client'/>"
		"<model type='virtio'/></interface>";
	struct fake_qmp fq = { .pid = -1 };
	const char *log;
	int alive;

	qemu_view.release = true;
	START_RUNNING_DOMAIN(&fq, alive);
	CHECK_MSG(attach(nic_ua) == 0, "%s", vn_error_message());
	CHECK_INT(attach(nic_ua), -1);
	CHECK_STR(vn_error_message(),
		  "unsupported configuration: non unique alias detected: ua-dup");
	log = fake_qmp_log(&fq);
	CHECK_MSG(count_in(log, "chardev-add") == 1, "%s", log);
	CHECK_MSG(count_in(log, "_del") == 0, "%s", log);
	CHECK_INT(live_nets(), 3);
	stop_running_domain(&fq, alive);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Holds h1's job lock in a child for HOLD_MS, as the supervisor does
 * while it restarts a backend.  The child's pid; it has the lock once
 * this returns. */
static pid_t hold_job_lock(int hold_ms)
{
	int ready[2];
	char c;
	pid_t pid;

	if (pipe(ready) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int fd = qemu_state_lock_job(dir, "h1", false);

		close(ready[0]);
		if (fd < 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		usleep((useconds_t)hold_ms * 1000);
		_exit(0);
	}
	close(ready[1]);
	if (pid > 0 && read(ready[0], &c, 1) != 1) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(ready[0]);
	return pid;
}

TEST(attach_waits_for_a_job_lock_held_by_a_backend_restart)
{
	struct fake_qmp fq = { .pid = -1 };
	struct qemu_hotplug_opts opts = hotplug_opts;
	long long t0;
	pid_t holder;
	int alive, ret;

	qemu_view.release = true;
	START_RUNNING_DOMAIN(&fq, alive);
	holder = hold_job_lock(700);
	CHECK(holder > 0);
	opts.state_dir = dir;
	opts.job_wait_ms = 10000;
	t0 = now_ms();
	ret = qemu_hotplug_attach_net("h1", new_nic_xml, &opts);
	CHECK_MSG(ret == 0, "%s", vn_error_message());
	CHECK_MSG(now_ms() - t0 >= 500,
		  "attached after %lld ms, while the lock was held",
		  now_ms() - t0);
	CHECK_INT(live_nets(), 3);
	waitpid(holder, NULL, 0);
	stop_running_domain(&fq, alive);
}

static const char net1_by_alias_xml[] =
	"<interface type='vhostuser'><alias name='net1'/></interface>";

TEST(detach_gives_up_on_a_job_lock_held_past_its_wait)
{
	struct fake_qmp fq = { .pid = -1 };
	struct qemu_hotplug_opts opts = hotplug_opts;
	pid_t holder;
	int alive;

	qemu_view.release = true;
	START_RUNNING_DOMAIN(&fq, alive);
	holder = hold_job_lock(2000);
	CHECK(holder > 0);
	opts.state_dir = dir;
	opts.job_wait_ms = 300;
	CHECK_INT(qemu_hotplug_detach_net("h1", net1_by_alias_xml, &opts), -1);
	CHECK_STR(vn_error_message(),
		  "operation failed: domain 'h1' is busy with another command (cannot acquire state change lock)");
	CHECK_INT(live_nets(), 2);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	stop_running_domain(&fq, alive);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
