#!/bin/bash
# e2e: "vunet start / list / dumpxml / shutdown / destroy" on real guests,
# and every failed start leaving nothing behind.
#
# Theory of operation: in the test namespace (lib.sh), as the unprivileged
# test user, vunet starts domains from XML written here: the e2e guest
# (guest/tests/launcher.sh) with one passt-backed interface served by
# vunetd (type='vhostuser', or type='user' for QEMU's stream protocol)
# and its serial console in a file, which the guest's verdict is read
# from.  Each domain gets its own --state-dir-relative name; after each
# scenario the test checks that nothing is left: the QEMU and backend
# processes it saw (by pid) are gone, and the state directory holds
# nothing but its id counter and an empty passt/ directory.
# Cases (PASS/FAIL/SKIP e2e/test-launcher/<case>):
#   vhost-user/start, vhost-user/dhcp_lease, vhost-user/list,
#   vhost-user/dumpxml, vhost-user/shutdown, vhost-user/nothing_left
#   (nothing_left: also the domain log kept in XDG_CACHE_HOME/vunet/log,
#   ending with libvirt's "shutting down, reason=..." line)
#   stream/start, stream/dhcp_lease, stream/destroy, stream/nothing_left
#   two_domains          same aliases, both get a lease, no collision
#   same_name_twice      refused, the first keeps running
#   guest_poweroff       QEMU exits by itself: backend gone, name free
#   console              "vunet console" shows a pty serial's output (the
#                        guest's lease verdict); Ctrl-] detaches
#   fail_invalid_xml, fail_missing_emulator, fail_missing_kernel,
#   fail_backend, fail_qemu   refused with the reason, nothing left
# Guests stay up at most GUEST_STAY_S; every wait is bounded.

# Case lists are blank-separated words, split on purpose.
# shellcheck disable=SC2046,SC2086
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/lib-launcher.sh
. "$(dirname "$0")/lib-launcher.sh"

GUEST_STAY_S=120
CASES="vhost-user/start vhost-user/dhcp_lease vhost-user/list
vhost-user/dumpxml vhost-user/shutdown vhost-user/nothing_left
stream/start stream/dhcp_lease stream/destroy stream/nothing_left
console two_domains same_name_twice guest_poweroff fail_invalid_xml
fail_missing_emulator fail_missing_kernel fail_backend fail_qemu"

# write_domain NAME NETTYPE STAY [KERNEL] [EMULATOR]: the guest with one
# passt-backed interface of type NETTYPE (see write_domain_xml).
write_domain() {
	DOMAIN_KERNEL=${4:-} DOMAIN_EMULATOR=${5:-} \
		write_domain_xml "$1" launcher "$3" "\
    <interface type='$2'>
      <backend type='passt'/>
      <model type='virtio'/>
    </interface>"
}

# log_not_kept NAME REASON: prints what is wrong with the domain log NAME
# left in the log directory (nothing if it is there and ends this run
# with libvirt's "shutting down, reason=REASON").
log_not_kept() {
	local log=$LOGS/$1.log
	if [ ! -f "$log" ]; then
		echo "no domain log $log after the stop"
	elif ! tail -n 3 "$log" | grep -q ": shutting down, reason=$2\$"; then
		echo "$log does not end with 'shutting down, reason=$2': $(tail -n 3 "$log" | tr '\n' '|')"
	fi
}

# check_clean CASE [--log NAME REASON] PIDS...
check_clean() {
	local case=$1 left
	shift
	if [ "${1:-}" = --log ]; then
		left=$(log_not_kept "$2" "$3")
		shift 3
	fi
	e2e_pass_unless "$case" "${left:-}$(nothing_left "$@")"
}

# A domain that is running at the end of a scenario by mistake.
force_stop() {
	vunet destroy "$1" || true
}

scenario_vhost_user() {
	local name=lvu pids
	write_domain $name vhostuser $GUEST_STAY_S
	if ! vunet start "$E2E_WORK/$name.xml" ||
		[ "$OUT" != "Domain '$name' started" ]; then
		e2e_fail vhost-user/start "vunet start: $OUT"
		e2e_each fail "domain did not start" vhost-user/dhcp_lease \
			vhost-user/list vhost-user/dumpxml vhost-user/shutdown
		check_clean vhost-user/nothing_left
		return
	fi
	e2e_pass vhost-user/start
	pids=$(domain_pids $name)
	report_verdict vhost-user/dhcp_lease "$(wait_verdict $name dhcp_lease)"
	vunet list
	if printf '%s\n' "$OUT" | grep -qE "^ [0-9]+ +$name +running"; then
		e2e_pass vhost-user/list
	else
		e2e_fail vhost-user/list "vunet list printed: $OUT"
	fi
	vunet dumpxml $name
	if printf '%s\n' "$OUT" | grep -q "<domain type='qemu' id='[0-9]*'>" &&
		printf '%s\n' "$OUT" | grep -q "<alias name='net0'/>" &&
		printf '%s\n' "$OUT" | grep -q "<mac address="; then
		e2e_pass vhost-user/dumpxml
	else
		e2e_fail vhost-user/dumpxml "no id/alias/MAC in live XML: $(printf '%s' "$OUT" | head -c 300)"
	fi
	# The test guest has no ACPI: the power-down request goes unanswered
	# and vunet ends QEMU with "quit" after the timeout.
	if vunet shutdown --timeout 2 $name; then
		e2e_pass vhost-user/shutdown
	else
		e2e_fail vhost-user/shutdown "$OUT"
		show_domain $name
		force_stop $name
	fi
	# No ACPI in the guest: the shutdown had to stop QEMU.
	check_clean vhost-user/nothing_left --log $name destroyed $pids
}

scenario_stream() {
	local name=lst pids
	write_domain $name user $GUEST_STAY_S
	if ! vunet start "$E2E_WORK/$name.xml"; then
		e2e_fail stream/start "vunet start: $OUT"
		e2e_each fail "domain did not start" stream/dhcp_lease stream/destroy
		check_clean stream/nothing_left
		return
	fi
	e2e_pass stream/start
	pids=$(domain_pids $name)
	report_verdict stream/dhcp_lease "$(wait_verdict $name dhcp_lease)"
	if vunet destroy $name && [ "$OUT" = "Domain '$name' destroyed" ]; then
		e2e_pass stream/destroy
	else
		e2e_fail stream/destroy "$OUT"
	fi
	check_clean stream/nothing_left --log $name destroyed $pids
}

# domain_case CASE NAME CHECK: starts the domain NAME (written already),
# runs "CHECK NAME", which prints what is wrong (nothing when all is
# well), destroys NAME if it still runs, and reports CASE: it passes when
# the start, the check and the clean-up (nothing_left) found nothing.
domain_case() {
	local case=$1 name=$2 check=$3 pids why
	if vunet start "$E2E_WORK/$name.xml"; then
		pids=$(domain_pids "$name")
		why=$("$check" "$name")
		[ -f "$STATE/$name.xml" ] && force_stop "$name"
		[ -z "$why" ] && why=$(nothing_left $pids)
	else
		why="start failed: $OUT"
	fi
	e2e_pass_unless "$case" "$why"
}

# The console is a pty: vunet console relays it until Ctrl-] (sent after
# the guest had time to report), well before its stdin would end.
console_relays_and_detaches() {
	local name=$1 out elapsed i
	rm -f "$E2E_WORK/console.done"
	# The writer stops waiting once the console command has left.
	out=$( { sleep 40; printf '\035'
		for i in $(seq 400); do
			[ -e "$E2E_WORK/console.done" ] && break
			sleep 0.1
		done; } |
		{ start=$(date +%s)
		(e2e_run_unprivileged timeout -k 5 90 "$VUNET" console \
			--state-dir "$STATE" "$name") 2>&1
		echo "ELAPSED $(( $(date +%s) - start ))"
		touch "$E2E_WORK/console.done"; } | tr -d '\r')
	elapsed=$(printf '%s\n' "$out" | sed -n 's/^ELAPSED //p')
	if ! printf '%s\n' "$out" | grep -q "^Connected to domain '$name'"; then
		echo "no 'Connected to domain' line: $(printf '%s' "$out" | head -c 200)"
	elif ! printf '%s\n' "$out" | grep -q "E2E-RESULT dhcp_lease ok"; then
		echo "guest's lease verdict not seen on the console: $(printf '%s' "$out" | tail -c 300)"
	elif [ "${elapsed:-99}" -ge 60 ]; then
		echo "console did not detach on Ctrl-] (left after ${elapsed:-?} s)"
	else
		vunet list
		printf '%s\n' "$OUT" | grep -qE " $name +running" ||
			echo "domain gone after detaching: $OUT"
	fi
}

scenario_console() {
	DOMAIN_SERIAL=pty write_domain lcon vhostuser $GUEST_STAY_S
	domain_case console lcon console_relays_and_detaches
}

scenario_two_domains() {
	local why='' pids='' v
	write_domain la vhostuser $GUEST_STAY_S
	write_domain lb vhostuser $GUEST_STAY_S
	vunet start "$E2E_WORK/la.xml" || why="start la: $OUT"
	pids=$(domain_pids la)
	if [ -z "$why" ]; then
		vunet start "$E2E_WORK/lb.xml" || why="start lb: $OUT"
		pids="$pids $(domain_pids lb)"
	fi
	if [ -z "$why" ]; then
		for d in la lb; do
			v=$(wait_verdict $d dhcp_lease)
			case $v in ok*) ;; *) why="$why $d: ${v#fail }" ;; esac
		done
		vunet list
		[ "$(printf '%s\n' "$OUT" | grep -cE ' (la|lb) +running')" -eq 2 ] ||
			why="$why; list: $OUT"
	fi
	force_stop la
	force_stop lb
	[ -z "$why" ] && why=$(nothing_left $pids)
	e2e_pass_unless two_domains "$why"
}

# A second start of a running domain is refused; the first one runs on.
second_start_refused() {
	local name=$1
	if vunet start "$E2E_WORK/$name.xml"; then
		echo "second start succeeded: $OUT"
	elif ! printf '%s' "$OUT" | grep -q "error: operation failed: domain '$name' already exists with uuid"; then
		echo "unexpected error: $OUT"
	else
		vunet list
		printf '%s\n' "$OUT" | grep -qE " $name +running" ||
			echo "first domain gone after the refused start: $OUT"
	fi
}

scenario_same_name_twice() {
	write_domain ltwice vhostuser $GUEST_STAY_S
	domain_case same_name_twice ltwice second_start_refused
}

# Without e2e_stay the guest powers off once done: QEMU exits, and the
# domain is gone from the list.
powers_off_by_itself() {
	local name=$1
	if ! e2e_wait_exit "$(qemu_pid "$name")" "$LEASE_WAIT_S"; then
		echo "QEMU still running $LEASE_WAIT_S s after start"
	else
		vunet list
		printf '%s\n' "$OUT" | grep -q " $name " && echo "still listed: $OUT"
	fi
}

scenario_guest_poweroff() {
	write_domain loff vhostuser 0
	domain_case guest_poweroff loff powers_off_by_itself
}

# expect_failed_start CASE FILE ERROR_PATTERN [VUNET OPTIONS...]
expect_failed_start() {
	local case=$1 file=$2 pattern=$3 left
	shift 3
	if vunet start "$@" "$file"; then
		e2e_fail "$case" "start succeeded: $OUT"
		force_stop "$(basename "$file" .xml)"
		return
	fi
	if ! printf '%s' "$OUT" | grep -qE "$pattern"; then
		e2e_fail "$case" "unexpected error: $OUT"
		return
	fi
	left=$(nothing_left)
	if [ -n "$left" ]; then
		e2e_fail "$case" "$left"
	elif pgrep -f -- "$STATE/" >/dev/null; then
		e2e_fail "$case" "a process still uses $STATE: $(pgrep -af -- "$STATE/" | head -n 2)"
	else
		e2e_pass "$case"
	fi
}

scenario_failures() {
	printf '<domain type="qemu"><name>lbad</name>\n' > "$E2E_WORK/lbad.xml"
	chmod 644 "$E2E_WORK/lbad.xml"
	expect_failed_start fail_invalid_xml "$E2E_WORK/lbad.xml" \
		"^error: (XML error: )?$E2E_WORK/lbad.xml:[0-9]+: "
	write_domain lnoemu vhostuser 0 "$E2E_WORK/vmlinuz" /nonexistent/qemu-system-x86_64
	expect_failed_start fail_missing_emulator "$E2E_WORK/lnoemu.xml" \
		"^error: .*/nonexistent/qemu-system-x86_64"
	write_domain lnokernel vhostuser 0 /nonexistent/vmlinuz
	expect_failed_start fail_missing_kernel "$E2E_WORK/lnokernel.xml" \
		"^error: internal error: process exited while connecting to monitor: .*/nonexistent/vmlinuz"
	printf '#!/bin/sh\necho "fake-backend: cannot bind its socket" >&2\nexit 1\n' > "$E2E_WORK/fail-backend"
	chmod 755 "$E2E_WORK/fail-backend"
	write_domain lnobackend vhostuser 0
	expect_failed_start fail_backend "$E2E_WORK/lnobackend.xml" \
		"^error: internal error: Could not start 'fail-backend': fake-backend: cannot bind its socket" \
		--backend "$E2E_WORK/fail-backend"
	# A "QEMU" that answers --version like the real one, then fails.
	# shellcheck disable=SC2016 # $1 is the fake QEMU's own argument
	printf '#!/bin/sh\n[ "$1" = --version ] && exec %s --version\necho "fake-qemu: cannot start" >&2\nexit 1\n' \
		"$(command -v "$E2E_QEMU")" > "$E2E_WORK/fail-qemu"
	chmod 755 "$E2E_WORK/fail-qemu"
	write_domain lnoqemu vhostuser 0 "$E2E_WORK/vmlinuz" "$E2E_WORK/fail-qemu"
	expect_failed_start fail_qemu "$E2E_WORK/lnoqemu.xml" \
		"^error: internal error: process exited while connecting to monitor: fake-qemu: cannot start"
}

main() {
	launcher_begin $CASES -- "$@"
	scenario_vhost_user
	scenario_stream
	scenario_console
	scenario_two_domains
	scenario_same_name_twice
	scenario_guest_poweroff
	scenario_failures
	# Whatever a failed scenario left running goes with the work dir.
	for n in lvu lst lcon la lb ltwice loff; do
		if [ -f "$STATE/$n.xml" ]; then
			force_stop $n
		fi
	done
	return 0
}

main "$@"
