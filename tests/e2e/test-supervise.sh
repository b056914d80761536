#!/bin/bash
# e2e: the per-domain supervisor that "vunet start" leaves beside QEMU
# (src/qemu/qemu_supervisor.h): a killed backend comes back and the
# guest's networking with it; a killed QEMU is cleaned up after; a
# shutdown leaves no supervisor.
#
# Theory of operation: in the test namespace (lib.sh), as the unprivileged
# test user, vunet starts the e2e guest (guest/tests/supervise.sh) with
# one vhostuser+passt interface served by vunetd, forwarding host port
# FWD_PORT to the guest's port 80, where busybox httpd serves a known
# page.  The host fetches that page (busybox wget) to prove the guest's
# networking, kills the backend with SIGKILL, and measures how long until
# a new backend (same socket, same command line) serves the page again
# (at most RECOVERY_S).  Then it kills QEMU with SIGKILL and checks that
# within CLEANUP_S the supervisor removed everything and left.  A second
# domain checks that "vunet shutdown" returns with the supervisor gone.
# One guest runs at a time.  The supervisor is found by its name
# (vunet-supervise) and its command line (the domain's XML file: it is a
# fork of "vunet start").
# Cases (PASS/FAIL/SKIP e2e/test-supervise/<case>):
#   start, supervisor_running, dhcp_lease, fetch, backend_restarted,
#   same_options, networking_back, restart_logged, qemu_killed_cleanup,
#   log_kept, shutdown_start, shutdown_no_supervisor, shutdown_logged
# The domain log (LOGS/NAME.log, XDG_CACHE_HOME pointed into the work
# directory) must outlive the domain: after the clean-up it still holds
# the restart, QEMU's exit, the clean-up and libvirt's "shutting down"
# line.
# Every wait is bounded; guests stay up at most GUEST_STAY_S.

# Case lists are blank-separated words, split on purpose.
# shellcheck disable=SC2046,SC2086
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/lib-launcher.sh
. "$(dirname "$0")/lib-launcher.sh"

GUEST_STAY_S=180
# What the issue asks of a restart: the guest's networking back within it.
RECOVERY_S=10
# How long we keep measuring past RECOVERY_S, to print the time anyway.
RECOVERY_MEASURE_S=30
FWD_PORT=18080
PAGE=e2e-supervise-page
CASES="start supervisor_running dhcp_lease fetch backend_restarted
same_options networking_back restart_logged qemu_killed_cleanup log_kept
shutdown_start shutdown_no_supervisor shutdown_logged"

# write_domain NAME: the guest serves PAGE on port 80, forwarded from
# the host's FWD_PORT.
write_domain() {
	write_domain_xml "$1" supervise $GUEST_STAY_S "\
    <interface type='vhostuser'>
      <backend type='passt'/>
      <portForward proto='tcp'>
        <range start='$FWD_PORT' to='80'/>
      </portForward>
      <model type='virtio'/>
    </interface>"
}

# The supervisor of domain NAME: a "vunet-supervise" whose command line
# (inherited from "vunet start") names NAME's XML file.
supervisor_pid() {
	local name=$1 pid
	for pid in $(pgrep -x vunet-supervise); do
		if tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null |
			grep -qxF "$E2E_WORK/$name.xml"; then
			echo "$pid"
			return 0
		fi
	done
	return 1
}

# The backend of NAME's net0: its pidfile, and its pid if a process
# whose command line names that pidfile runs (as vunet verifies it).
backend_pidfile() {
	echo "$STATE/passt/$(sed -n 's/^id=//p' "$STATE/$1.status" 2>/dev/null)-$1-net0-passt.pid"
}

backend_pid() {
	local pidfile pid
	pidfile=$(backend_pidfile "$1")
	pid=$(cat "$pidfile" 2>/dev/null) || return 1
	[ -n "$pid" ] && tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null |
		grep -qxF "$pidfile" && echo "$pid"
}

# One fetch of the guest's page through the forwarded port.
fetch_page() {
	[ "$(timeout 2 busybox wget -q -O - "http://127.0.0.1:$FWD_PORT/" 2>/dev/null)" = "$PAGE" ]
}

# wait_fetch SECONDS: true once a fetch succeeds within SECONDS.
wait_fetch() {
	local deadline=$(( $(date +%s) + $1 ))
	while [ "$(date +%s)" -lt $deadline ]; do
		fetch_page && return 0
		sleep 0.2
	done
	return 1
}

ms_now() {
	echo $(( $(date +%s%N) / 1000000 ))
}

# Kills the backend and checks the supervisor's restart.
scenario_backend_killed() {
	local name=$1 old new old_cmd new_cmd t0 t_back why=''
	old=$(backend_pid $name)
	old_cmd=$(cmdline_of "$old")
	t0=$(ms_now)
	kill -KILL "$old"
	# A new backend: a process naming the same pidfile, another pid.
	new=
	while [ $(( $(ms_now) - t0 )) -lt $((RECOVERY_MEASURE_S * 1000)) ]; do
		new=$(backend_pid $name) && [ "$new" != "$old" ] && break
		new=
		sleep 0.1
	done
	if [ -n "$new" ]; then
		e2e_log "new backend pid $new $(( $(ms_now) - t0 )) ms after killing pid $old"
		e2e_pass_unless backend_restarted ""
	else
		e2e_pass_unless backend_restarted "no new backend within $RECOVERY_MEASURE_S s of killing pid $old"
	fi
	new_cmd=$(cmdline_of "$new")
	[ -n "$new" ] && [ "$new_cmd" != "$old_cmd" ] &&
		why="command line changed: was '$old_cmd', now '$new_cmd'"
	[ -z "$new" ] && why="no new backend"
	e2e_pass_unless same_options "$why"
	t_back=
	if wait_fetch $RECOVERY_MEASURE_S; then
		t_back=$(( $(ms_now) - t0 ))
		e2e_log "networking back (host fetched the guest's page) $t_back ms after the kill"
	fi
	if [ -z "$t_back" ]; then
		e2e_pass_unless networking_back "no fetch through the forwarded port within $RECOVERY_MEASURE_S s"
	elif [ "$t_back" -gt $((RECOVERY_S * 1000)) ]; then
		e2e_pass_unless networking_back "took $t_back ms, more than $RECOVERY_S s"
	else
		e2e_pass_unless networking_back ""
	fi
	if grep -q "vunet-supervise: the backend of interface net0 (pid $old) exit status unknown" "$STATE/$name.log" 2>/dev/null &&
		grep -q "vunet-supervise: restarted the backend of interface net0 on .*: pid $new" "$STATE/$name.log" 2>/dev/null; then
		e2e_pass_unless restart_logged ""
	else
		e2e_pass_unless restart_logged "no exit and restart lines in $name.log: $(grep vunet-supervise "$STATE/$name.log" 2>/dev/null | tail -n 3)"
	fi
}

scenario_restart_and_qemu_kill() {
	local name=lsup sup qemu backend why
	write_domain $name
	if ! vunet start "$E2E_WORK/$name.xml"; then
		e2e_pass_unless start "vunet start: $OUT"
		e2e_each fail "domain did not start" supervisor_running dhcp_lease \
			fetch backend_restarted same_options networking_back \
			restart_logged qemu_killed_cleanup log_kept
		return
	fi
	e2e_pass_unless start ""
	sup=$(supervisor_pid $name)
	qemu=$(qemu_pid $name)
	if [ -n "$sup" ]; then
		e2e_pass_unless supervisor_running ""
	else
		e2e_pass_unless supervisor_running "no vunet-supervise process for $name"
	fi
	report_verdict dhcp_lease "$(wait_verdict $name dhcp_lease)"
	if wait_fetch 60; then
		e2e_pass_unless fetch ""
		scenario_backend_killed $name
	else
		e2e_pass_unless fetch "no page through 127.0.0.1:$FWD_PORT within 60 s"
		e2e_each fail "guest networking never worked" backend_restarted \
			same_options networking_back restart_logged
	fi
	backend=$(backend_pid $name)
	# QEMU killed: the supervisor must clean up and leave by itself.
	kill -KILL "$qemu"
	why=$(nothing_left $qemu $backend $sup)
	e2e_pass_unless qemu_killed_cleanup "$why"
	[ -n "$why" ] && show_domain $name
	[ -f "$STATE/$name.xml" ] && vunet destroy $name
	e2e_pass_unless log_kept "$(log_lacks $name \
		"vunet-supervise: restarted the backend of interface net0" \
		"vunet-supervise: QEMU (pid $qemu) exited" \
		"vunet-supervise: stopping the backends and removing the domain's files" \
		"shutting down, reason=unknown" \
		"vunet-supervise: supervisor leaves")"
	return 0
}

# log_lacks NAME LINE...: prints what the kept domain log of NAME lacks
# (the first LINE not in it, in order), nothing when it has them all.
log_lacks() {
	local name=$1 log=$LOGS/$1.log rest
	shift
	if [ ! -f "$log" ] || [ -L "$log" ]; then
		echo "no domain log $log"
		return
	fi
	rest=$(cat "$log")
	for line in "$@"; do
		case $rest in
		*"$line"*) rest=${rest#*"$line"} ;;
		*)
			echo "$log lacks '$line' (in order); its end: $(tail -n 4 "$log" | tr '\n' '|')"
			return ;;
		esac
	done
}

scenario_shutdown() {
	local name=lsd sup qemu backend why
	write_domain $name
	if ! vunet start "$E2E_WORK/$name.xml"; then
		e2e_pass_unless shutdown_start "vunet start: $OUT"
		e2e_each fail "domain did not start" shutdown_no_supervisor shutdown_logged
		return
	fi
	e2e_pass_unless shutdown_start ""
	sup=$(supervisor_pid $name)
	qemu=$(qemu_pid $name)
	backend=$(backend_pid $name)
	# The guest has no ACPI: "quit" after the timeout.
	if ! vunet shutdown --timeout 2 $name; then
		e2e_pass_unless shutdown_no_supervisor "vunet shutdown: $OUT"
		e2e_fail shutdown_logged "vunet shutdown failed"
		vunet destroy $name
		return
	fi
	# At once, not after a grace: shutdown waits for the supervisor.
	why=
	[ -z "$sup" ] && why="no supervisor had started"
	[ -n "$sup" ] && runs "$sup" &&
		why="supervisor $sup still running when shutdown returned"
	[ -z "$why" ] && why=$(nothing_left $qemu $backend)
	e2e_pass_unless shutdown_no_supervisor "$why"
	# No ACPI in this guest: the shutdown ends as a destroy.
	e2e_pass_unless shutdown_logged "$(log_lacks $name "starting up vunet version: " \
		"LC_ALL=C \\" "vunet shutdown: the guest did not power off" \
		"shutting down, reason=destroyed" "vunet-supervise: supervisor leaves")"
}

main() {
	command -v busybox >/dev/null || e2e_skip_all "busybox not installed (the host's wget)" $CASES
	command -v pgrep >/dev/null || e2e_skip_all "pgrep not installed" $CASES
	launcher_begin $CASES -- "$@"
	scenario_restart_and_qemu_kill
	scenario_shutdown
	return 0
}

main "$@"
