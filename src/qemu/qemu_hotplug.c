// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Interface hot-plug: see qemu_hotplug.h for the sequence and the
 * rollback model.
 *
 * Translation.  qemu_command_add_net() gives the options of a cold-plugged
 * interface: "-chardev socket,id=...,path=...[,server=on][,reconnect=N]"
 * (QEMU's key=value syntax, a literal ',' doubled), "-netdev JSON" and
 * "-device JSON".  The JSON objects are already netdev_add's and
 * device_add's arguments.  The chardev string is translated key by key
 * into chardev-add's {"id", "backend": {"type": "socket", "data": ...}};
 * a key this file does not know is an internal error rather than a
 * silently different device.
 *
 * Rollback is a list of undo steps taken in reverse; each step is only
 * recorded once the corresponding "do" succeeded.  Undo errors are not
 * reported (the first error is what the user needs), but the QMP
 * connection is kept for all of them.  The rollback works on the
 * interface being attached, held in its own variable: never "the last
 * one in the definition".  The definition's array is grown before
 * anything is plugged, so adding the interface to it cannot fail once
 * QEMU has the device.
 *
 * Removing a device QEMU has accepted is always the same unplug: device_del,
 * then a bounded wait for DEVICE_DELETED; netdev, chardev and backend are
 * only removed after that event (the guest may still be using them until
 * it lets go).  Whether QEMU still has a device is asked with qom-list
 * on /machine/peripheral, where QEMU lists devices by id.  A detach
 * writes the live XML without the interface before it removes the host
 * side: a backend that stops while the XML still lists it would be
 * restarted by the supervisor.  All of it runs under the job lock.
 */
#include "qemu/qemu_hotplug.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/domain_conf.h"
#include "qemu/qemu_command.h"
#include "qemu/qemu_monitor.h"
#include "qemu/qemu_passt.h"
#include "qemu/qemu_paths.h"
#include "qemu/qemu_process.h"
#include "qemu/qemu_state.h"
#include "qemu/qemu_validate.h"
#include "util/clock.h"
#include "util/error.h"

#define MONITOR_TIMEOUT_MS 5000
#define COMMAND_TIMEOUT_MS 5000
/* Where QEMU lists the devices created with an id (-device, device_add). */
#define PERIPHERAL_PATH "/machine/peripheral"
/* Longest chardev option string we translate (paths are < 108 bytes). */
#define CHARDEV_OPTION_MAX 1024

/* What a domain under a hot-plug job holds. */
struct hotplug_job {
	const char *dir;
	int job_fd;
	struct vn_domain *dom;
	struct qemu_monitor *mon;
};

static void job_end(struct hotplug_job *job)
{
	qemu_monitor_close(job->mon);
	vn_domain_free(job->dom);
	if (job->job_fd >= 0)
		close(job->job_fd);
}

static int job_wait_ms(const struct qemu_hotplug_opts *opts)
{
	return opts->job_wait_ms > 0 ? opts->job_wait_ms : QEMU_STATE_JOB_WAIT_MS;
}

/* Locks NAME (waiting up to JOB_WAIT_MS for the lock), checks it runs,
 * loads it and connects QMP.  0 or -1 (reported; the caller still calls
 * job_end). */
static int job_begin(struct hotplug_job *job, const char *dir,
		     const char *name, int job_wait_ms)
{
	char *monitor = NULL;
	int ret = -1;

	job->dir = dir;
	job->dom = NULL;
	job->mon = NULL;
	job->job_fd = -1;
	if (!qemu_state_is_active(dir, name)) {
		vn_error_report(VN_ERR_NO_DOMAIN,
				"no domain with matching name '%s'", name);
		return -1;
	}
	/* The supervisor may hold it for a backend's restart. */
	job->job_fd = qemu_state_wait_job(dir, name, job_wait_ms);
	if (job->job_fd < 0)
		return -1;
	if (!qemu_state_is_active(dir, name)) {
		/* QEMU ended while we waited. */
		vn_error_report(VN_ERR_NO_DOMAIN,
				"no domain with matching name '%s'", name);
		return -1;
	}
	job->dom = qemu_state_load_domain(dir, name);
	if (!job->dom)
		return -1;
	monitor = qemu_paths_monitor_socket(dir, job->dom);
	if (monitor)
		job->mon = qemu_monitor_open(monitor, MONITOR_TIMEOUT_MS);
	if (job->mon)
		ret = 0;
	free(monitor);
	return ret;
}

/* The first error of a failed hot-plug, kept across the rollback's own
 * (unreported) failures.  The saved text already has its category, so
 * it is put back without one. */
struct saved_error {
	bool set;
	char message[1024];
};

static void save_error(struct saved_error *saved)
{
	saved->set = vn_error_code() != VN_ERR_NONE;
	snprintf(saved->message, sizeof(saved->message), "%s",
		 vn_error_message());
}

/* Puts the saved error back, with NOTE ("" for none) appended. */
static void restore_error(const struct saved_error *saved, const char *note)
{
	vn_error_reset();
	if (saved->set)
		vn_error_report(VN_ERR_SYSTEM_ERROR, "%s%s", saved->message,
				note);
}

/* Runs a QMP command whose arguments are {KEY: VALUE}. */
static int execute_with_id(struct qemu_monitor *mon, const char *command,
			   const char *key, const char *value)
{
	json_object *args = json_object_new_object();

	json_object_object_add(args, key, json_object_new_string(value));
	return qemu_monitor_execute(mon, command, args, NULL,
				    COMMAND_TIMEOUT_MS);
}

/* ---- the chardev option string as chardev-add arguments ---- */

/* Splits the next "key=value" off *CURSOR into BUF (",," unescaped).
 * Returns BUF's value part (after '='), or NULL at the end. */
static char *next_chardev_pair(const char **cursor, char *buf, size_t size)
{
	const char *p = *cursor;
	size_t n = 0;
	char *eq;

	if (!*p)
		return NULL;
	while (*p && n + 1 < size) {
		if (*p == ',' && p[1] == ',') {
			buf[n++] = ',';
			p += 2;
		} else if (*p == ',') {
			p++;
			break;
		} else {
			buf[n++] = *p++;
		}
	}
	buf[n] = '\0';
	*cursor = p;
	eq = strchr(buf, '=');
	if (!eq)
		return buf + n; /* a bare word: empty value */
	*eq = '\0';
	return eq + 1;
}

static int add_chardev_key(json_object *args, json_object *data,
			   const char *key, const char *value)
{
	json_object *addr, *addr_data;

	if (!strcmp(key, "id")) {
		json_object_object_add(args, "id", json_object_new_string(value));
	} else if (!strcmp(key, "path")) {
		addr = json_object_new_object();
		addr_data = json_object_new_object();
		json_object_object_add(addr_data, "path",
				       json_object_new_string(value));
		json_object_object_add(addr, "type",
				       json_object_new_string("unix"));
		json_object_object_add(addr, "data", addr_data);
		json_object_object_add(data, "addr", addr);
	} else if (!strcmp(key, "server")) {
		json_object_object_add(data, "server",
				       json_object_new_boolean(!strcmp(value, "on")));
		/* A hot-plugged server must not block QEMU until the
		 * backend connects. */
		json_object_object_add(data, "wait",
				       json_object_new_boolean(false));
	} else if (!strcmp(key, "reconnect") || !strcmp(key, "reconnect-ms")) {
		json_object_object_add(data, key,
				       json_object_new_int64(atoll(value)));
	} else {
		vn_error_report(VN_ERR_INTERNAL_ERROR,
				"cannot hot-plug chardev option '%s'", key);
		return -1;
	}
	return 0;
}

/* chardev-add's arguments for OPTION ("socket,id=...").  NULL (reported). */
static json_object *chardev_add_args(const char *option)
{
	json_object *args = json_object_new_object();
	json_object *backend = json_object_new_object();
	json_object *data = json_object_new_object();
	const char *cursor = option;
	char buf[CHARDEV_OPTION_MAX];
	char *value;
	int ret = 0;

	/* QMP's socket chardev listens unless told otherwise; the command
	 * line's connects unless "server=on". */
	json_object_object_add(data, "server", json_object_new_boolean(false));
	value = next_chardev_pair(&cursor, buf, sizeof(buf));
	if (!value || strcmp(buf, "socket")) {
		vn_error_report(VN_ERR_INTERNAL_ERROR,
				"cannot hot-plug chardev '%s'", option);
		ret = -1;
	}
	while (ret == 0 &&
	       (value = next_chardev_pair(&cursor, buf, sizeof(buf))))
		ret = add_chardev_key(args, data, buf, value);
	json_object_object_add(backend, "type", json_object_new_string("socket"));
	json_object_object_add(backend, "data", data);
	json_object_object_add(args, "backend", backend);
	if (ret < 0) {
		json_object_put(args);
		return NULL;
	}
	return args;
}

/* ---- removing a device and its host side ---- */

static bool is_deleted_event(json_object *event, const char *alias)
{
	json_object *data, *device;
	const char *name = qemu_monitor_event_name(event);

	return name && !strcmp(name, "DEVICE_DELETED") &&
	       json_object_object_get_ex(event, "data", &data) &&
	       json_object_object_get_ex(data, "device", &device) &&
	       json_object_is_type(device, json_type_string) &&
	       !strcmp(json_object_get_string(device), alias);
}

static int detach_timeout_ms(const struct qemu_hotplug_opts *opts)
{
	return opts->detach_timeout_ms > 0 ? opts->detach_timeout_ms :
	       QEMU_HOTPLUG_DETACH_TIMEOUT_S * 1000;
}

/* device_del ALIAS and wait until the guest has released it.  0 when it
 * is gone, -1 (reported) when QEMU refused or the connection broke, and
 * UNPLUG_PENDING (reported) when the guest did not let go in time: the
 * request stays pending in QEMU, the device stays in the guest. */
#define UNPLUG_PENDING 1
static int unplug_device(struct qemu_monitor *mon, const char *alias,
			 int timeout_ms)
{
	long long deadline;
	json_object *event = NULL;
	int got;

	if (execute_with_id(mon, "device_del", "id", alias) < 0)
		return -1;
	deadline = vn_now_ms() + timeout_ms;
	for (;;) {
		long long left = deadline - vn_now_ms();

		got = qemu_monitor_next_event(mon, &event,
					      left > 0 ? (int)left : 0);
		if (got < 0)
			return -1;
		if (got == 0) {
			vn_error_report(VN_ERR_OPERATION_FAILED,
					"guest did not release device '%s' within %d ms (it needs ACPI hot-plug: <features><acpi/>); it stays in the live XML, detach-device again completes the removal once the guest has let go",
					alias, timeout_ms);
			return UNPLUG_PENDING;
		}
		if (is_deleted_event(event, alias)) {
			json_object_put(event);
			return 0;
		}
		json_object_put(event);
	}
}

/* Whether QEMU has a device with id ALIAS: 1, 0, or -1 (reported). */
static int device_present(struct qemu_monitor *mon, const char *alias)
{
	json_object *args = json_object_new_object(), *list = NULL, *name;
	size_t i, n;
	int found = 0;

	json_object_object_add(args, "path",
			       json_object_new_string(PERIPHERAL_PATH));
	if (qemu_monitor_execute(mon, "qom-list", args, &list,
				 COMMAND_TIMEOUT_MS) < 0)
		return -1;
	n = json_object_is_type(list, json_type_array) ?
		json_object_array_length(list) : 0;
	for (i = 0; i < n && !found; i++)
		found = json_object_object_get_ex(json_object_array_get_idx(list, i),
						  "name", &name) &&
			json_object_is_type(name, json_type_string) &&
			!strcmp(json_object_get_string(name), alias);
	json_object_put(list);
	return found;
}

/* Whether QEMU still has chardev ID (query-chardev: [{"label": ...}]). */
static bool chardev_exists(struct qemu_monitor *mon, const char *id)
{
	json_object *list = NULL, *label;
	bool found = false;
	size_t i, n;

	if (qemu_monitor_execute(mon, "query-chardev", NULL, &list,
				 COMMAND_TIMEOUT_MS) < 0) {
		vn_error_reset();
		return true; /* let chardev-remove say what is wrong */
	}
	n = json_object_is_type(list, json_type_array) ?
		json_object_array_length(list) : 0;
	/* QEMU's answer is not trusted to have a string label. */
	for (i = 0; i < n && !found; i++)
		found = json_object_object_get_ex(json_object_array_get_idx(list, i),
						  "label", &label) &&
			json_object_is_type(label, json_type_string) &&
			!strcmp(json_object_get_string(label), id);
	json_object_put(list);
	return found;
}

/* netdev_del and chardev-remove for NET's alias, as far as HAS_NETDEV
 * and HAS_CHARDEV say they exist.  0 or -1 (reported). */
static int remove_netdev_chardev(struct qemu_monitor *mon,
				 const struct vn_net *net, bool has_netdev,
				 bool has_chardev)
{
	char id[96];
	int ret = 0;

	snprintf(id, sizeof(id), "host%s", net->alias);
	if (has_netdev && execute_with_id(mon, "netdev_del", "id", id) < 0)
		ret = -1;
	/* QEMU's vhost-user netdev deletes its chardev with itself; an
	 * older or newer one may not. */
	snprintf(id, sizeof(id), "char%s", net->alias);
	if (has_chardev && chardev_exists(mon, id) &&
	    execute_with_id(mon, "chardev-remove", "id", id) < 0)
		ret = -1;
	return ret;
}

/* ---- attach ---- */

/* What attach did so far, for the rollback. */
struct attach_state {
	struct qemu_argv *options; /* [x, -chardev S,] -netdev J, -device J */
	const char *chardev, *netdev, *device; /* option values, or NULL */
	char *socket, *pidfile;    /* passt backend's files */
	bool backend_started, chardev_added, netdev_added, device_added;
};

static void find_options(struct attach_state *st)
{
	size_t i;

	for (i = 1; i + 1 < st->options->n; i++) {
		const char *opt = st->options->v[i], *val = st->options->v[i + 1];

		if (!strcmp(opt, "-chardev"))
			st->chardev = val;
		else if (!strcmp(opt, "-netdev"))
			st->netdev = val;
		else if (!strcmp(opt, "-device"))
			st->device = val;
	}
}

static int start_backend(const struct vn_domain *dom,
			 const struct vn_net *net,
			 const struct qemu_hotplug_opts *opts,
			 struct attach_state *st)
{
	struct qemu_argv *argv;
	int ret = -1;

	st->socket = qemu_paths_passt_socket(opts->state_dir, dom, net);
	st->pidfile = qemu_paths_passt_pidfile(opts->state_dir, dom, net);
	if (!st->socket || !st->pidfile)
		return -1;
	argv = qemu_passt_build_argv(dom, net, opts->state_dir, opts->backend);
	if (!argv)
		return -1;
	/* Set before the run: a backend that failed half-way may have left
	 * a socket or pidfile behind. */
	st->backend_started = true;
	ret = qemu_process_start_backend(argv);
	qemu_argv_free(argv);
	return ret;
}

/* Parses a -netdev/-device JSON value into QMP arguments. */
static json_object *parse_json_option(const char *text)
{
	json_object *obj = json_tokener_parse(text);

	if (!obj || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		vn_error_report(VN_ERR_INTERNAL_ERROR,
				"cannot hot-plug option '%s'", text);
		return NULL;
	}
	return obj;
}

static int add_to_qemu(struct qemu_monitor *mon, struct attach_state *st)
{
	json_object *args;

	if (st->chardev) {
		args = chardev_add_args(st->chardev);
		if (!args || qemu_monitor_execute(mon, "chardev-add", args, NULL,
						  COMMAND_TIMEOUT_MS) < 0)
			return -1;
		st->chardev_added = true;
	}
	args = parse_json_option(st->netdev);
	if (!args || qemu_monitor_execute(mon, "netdev_add", args, NULL,
					  COMMAND_TIMEOUT_MS) < 0)
		return -1;
	st->netdev_added = true;
	args = parse_json_option(st->device);
	if (!args || qemu_monitor_execute(mon, "device_add", args, NULL,
					  COMMAND_TIMEOUT_MS) < 0)
		return -1;
	st->device_added = true;
	return 0;
}

/* Undoes what ST records for NET, the interface being attached, newest
 * first.  Returns 0 when all is undone; UNPLUG_PENDING when QEMU had the
 * device and the guest did not let it go in time; -1 (reported) when
 * device_del itself failed.  In both failures its netdev, chardev and
 * backend stay: the guest may still use them. */
static int attach_rollback(struct qemu_monitor *mon, const struct vn_net *net,
			   struct attach_state *st, int timeout_ms)
{
	int unplugged = st->device_added ?
			unplug_device(mon, net->alias, timeout_ms) : 0;

	if (unplugged != 0)
		return unplugged;
	remove_netdev_chardev(mon, net, st->netdev_added, st->chardev_added);
	if (st->backend_started)
		qemu_process_stop_backend(st->socket, st->pidfile);
	return 0;
}

/* Undoes a failed attach of NET, keeping the first error.  A device the
 * guest keeps is recorded in the live XML (NET is already in the
 * definition then), so that detach-device can finish it. */
static void undo_attach(struct hotplug_job *job, const struct vn_net *net,
			struct attach_state *st,
			const struct qemu_hotplug_opts *opts)
{
	struct saved_error saved;
	char why[sizeof(saved.message)], note[sizeof(saved.message) + 160];
	int undone;

	save_error(&saved);
	note[0] = '\0';
	undone = attach_rollback(job->mon, net, st, detach_timeout_ms(opts));
	if (undone == UNPLUG_PENDING)
		snprintf(why, sizeof(why),
			 "the guest did not release the new device in time");
	else if (undone != 0)
		snprintf(why, sizeof(why), "removing the new device failed (%s)",
			 vn_error_message());
	if (undone != 0)
		snprintf(note, sizeof(note),
			 qemu_state_write_xml(job->dir, job->dom) == 0 ?
			 "; %s, so it stays in the live XML with its backend: detach-device removes it" :
			 "; %s and it could not be recorded: destroy the domain to remove it",
			 why);
	restore_error(&saved, note);
}

/* Room for one more interface in DOM, made before anything is plugged so
 * that adding the interface cannot fail once QEMU has the device.  0 or
 * -1 (reported). */
static int reserve_net_slot(struct vn_domain *dom)
{
	struct vn_net **nets = realloc(dom->nets,
				       (dom->n_nets + 1) * sizeof(*nets));

	if (!nets) {
		vn_error_report_errno(ENOMEM, "cannot add interface");
		return -1;
	}
	dom->nets = nets;
	return 0;
}

static int plug(struct hotplug_job *job, struct vn_net *net,
		const struct qemu_hotplug_opts *opts, struct attach_state *st)
{
	struct qemu_build_opts build = { .qemu_version = opts->qemu_version,
					 .state_dir = opts->state_dir };

	/* Before anything is started: a backend for a duplicate alias would
	 * take over the live interface's socket and pidfile, and undoing it
	 * would stop that interface's backend. */
	if (vn_net_validate_alias_for_hotplug(job->dom, net) < 0 ||
	    qemu_validate_net(job->dom, net, opts->qemu_version) < 0)
		return -1;
	st->options = qemu_argv_new("hotplug");
	if (!st->options ||
	    qemu_command_add_net(st->options, job->dom, net, 0, &build) < 0)
		return -1;
	find_options(st);
	if (!st->netdev || !st->device) {
		vn_error_report(VN_ERR_INTERNAL_ERROR,
				"no -netdev/-device for interface '%s'",
				net->alias);
		return -1;
	}
	if (vn_net_is_passt(net) && start_backend(job->dom, net, opts, st) < 0)
		return -1;
	return add_to_qemu(job->mon, st);
}

int qemu_hotplug_attach_net(const char *name, const char *xml,
			    const struct qemu_hotplug_opts *opts)
{
	struct hotplug_job job;
	struct attach_state st = { 0 };
	struct vn_net *net = NULL;
	bool in_definition = false;
	int ret = -1;

	if (job_begin(&job, opts->state_dir, name, job_wait_ms(opts)) < 0)
		goto out;
	net = vn_net_parse_string(xml, job.dom);
	if (!net || reserve_net_slot(job.dom) < 0)
		goto out;
	if (plug(&job, net, opts, &st) < 0) {
		undo_attach(&job, net, &st, opts);
		goto out;
	}
	job.dom->nets[job.dom->n_nets++] = net; /* room reserved above */
	in_definition = true;
	ret = qemu_state_write_xml(job.dir, job.dom);
	if (ret < 0)
		undo_attach(&job, net, &st, opts);
out:
	if (!in_definition)
		vn_net_free(net);
	qemu_argv_free(st.options);
	free(st.socket);
	free(st.pidfile);
	job_end(&job);
	return ret;
}

/* ---- detach ---- */

static bool same_pci_addr(const struct vn_pci_addr *a,
			  const struct vn_pci_addr *b)
{
	return a->domain == b->domain && a->bus == b->bus &&
	       a->slot == b->slot && a->function == b->function;
}

/* Does the live interface NET match what the user's SPEC specifies
 * (its MAC, PCI address and alias, those post-parse did not make up)? */
static bool net_matches(const struct vn_net *net, const struct vn_net *spec)
{
	if (spec->has_mac && !spec->mac_generated &&
	    memcmp(net->mac, spec->mac, sizeof(net->mac)))
		return false;
	if (spec->pci.present && !spec->pci_generated &&
	    !same_pci_addr(&net->pci, &spec->pci))
		return false;
	if (spec->alias && !spec->alias_generated &&
	    (!net->alias || strcmp(net->alias, spec->alias)))
		return false;
	return true;
}

/* Index of the one live interface SPEC designates, or -1 with libvirt's
 * message. */
static int find_net(const struct vn_domain *dom, const struct vn_net *spec)
{
	bool by_mac = spec->has_mac && !spec->mac_generated;
	char mac[18];
	int found = -1;
	size_t i, matches = 0;

	for (i = 0; i < dom->n_nets; i++) {
		if (!net_matches(dom->nets[i], spec))
			continue;
		matches++;
		found = (int)i;
	}
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
		 spec->mac[0], spec->mac[1], spec->mac[2], spec->mac[3],
		 spec->mac[4], spec->mac[5]);
	if (matches == 1)
		return found;
	if (matches > 1 && by_mac)
		vn_error_report(VN_ERR_OPERATION_FAILED,
				"multiple devices matching MAC address %s found",
				mac);
	else if (matches > 1)
		vn_error_report(VN_ERR_OPERATION_FAILED,
				"multiple matching devices found");
	else if (by_mac)
		vn_error_report(VN_ERR_DEVICE_MISSING,
				"no device matching MAC address %s found", mac);
	else
		vn_error_report(VN_ERR_DEVICE_MISSING, "no matching device found");
	return -1;
}

/* After the device is gone: its netdev, chardev and backend. */
static int release_host_side(struct hotplug_job *job, const struct vn_net *net)
{
	char *socket = NULL, *pidfile = NULL;
	int ret;

	ret = remove_netdev_chardev(job->mon, net, true,
				    net->type == VN_NET_VHOSTUSER);
	if (vn_net_is_passt(net)) {
		socket = qemu_paths_passt_socket(job->dir, job->dom, net);
		pidfile = qemu_paths_passt_pidfile(job->dir, job->dom, net);
		if (pidfile)
			qemu_process_stop_backend(socket, pidfile);
	}
	free(socket);
	free(pidfile);
	return ret;
}

/* Takes interface IDX out of the live XML and returns it (the caller
 * frees it), or NULL if the XML could not be written (reported). */
static struct vn_net *remove_from_live_xml(struct hotplug_job *job, int idx)
{
	struct vn_domain *dom = job->dom;
	struct vn_net *net = dom->nets[idx];

	memmove(&dom->nets[idx], &dom->nets[idx + 1],
		(dom->n_nets - (size_t)idx - 1) * sizeof(dom->nets[0]));
	dom->n_nets--;
	if (qemu_state_write_xml(job->dir, dom) == 0)
		return net;
	dom->nets[dom->n_nets++] = net; /* freed with the job's domain */
	return NULL;
}

int qemu_hotplug_detach_net(const char *name, const char *xml,
			    const struct qemu_hotplug_opts *opts)
{
	struct hotplug_job job;
	struct vn_net *spec = NULL, *gone = NULL;
	const char *alias;
	int idx, present, ret = -1;

	if (job_begin(&job, opts->state_dir, name, job_wait_ms(opts)) < 0)
		goto out;
	/* Any alias the user gives must match, not only a "ua-" one. */
	spec = vn_net_parse_string_flags(xml, job.dom, VN_PARSE_STATUS);
	if (!spec)
		goto out;
	idx = find_net(job.dom, spec);
	if (idx < 0)
		goto out;
	alias = job.dom->nets[idx]->alias;
	present = device_present(job.mon, alias);
	if (present < 0)
		goto out;
	/* Absent: an earlier detach gave up waiting and the guest let go
	 * since (its DEVICE_DELETED went to a closed monitor): this one
	 * finishes that removal.  Present: device_del (again: QEMU repeats
	 * the request to the guest) and wait; giving up changes nothing. */
	if (present && unplug_device(job.mon, alias,
				     detach_timeout_ms(opts)) != 0)
		goto out;
	/* The device is gone from the guest.  The live XML drops it before
	 * its backend stops, or the supervisor would restart a backend the
	 * XML still lists.  If the XML cannot be written, the host side
	 * stays and a later detach finishes the removal. */
	gone = remove_from_live_xml(&job, idx);
	if (gone)
		ret = release_host_side(&job, gone);
out:
	vn_net_free(gone);
	vn_net_free(spec);
	job_end(&job);
	return ret;
}
