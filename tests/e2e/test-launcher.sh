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
. "$(dirname "$0")/lib.sh"

GUEST_STAY_S=120
LEASE_WAIT_S=90
VUNET_TIMEOUT_S=120
CASES="vhost-user/start vhost-user/dhcp_lease vhost-user/list
vhost-user/dumpxml vhost-user/shutdown vhost-user/nothing_left
stream/start stream/dhcp_lease stream/destroy stream/nothing_left
console two_domains same_name_twice guest_poweroff fail_invalid_xml
fail_missing_emulator fail_missing_kernel fail_backend fail_qemu"

VUNET=$VUNET_BUILD/vunet
STATE=
OUT=
# The <serial> of write_domain's next domain: a file by default.
SERIAL='file'

# vunet ARGS...: runs vunet as the test user with the test's state dir
# and backend; stdout+stderr in $OUT, returns vunet's status.
vunet() {
	local cmd=$1
	shift
	# The domain log goes to XDG_CACHE_HOME/vunet/log: the test user has
	# no home directory.
	OUT=$( (e2e_run_unprivileged env XDG_CACHE_HOME="$E2E_WORK/cache" \
		timeout -k 5 "$VUNET_TIMEOUT_S" "$VUNET" \
		"$cmd" --state-dir "$STATE" "$@") </dev/null 2>&1)
}

# write_domain NAME NETTYPE STAY [KERNEL] [EMULATOR]: the definition in
# $E2E_WORK/NAME.xml; the console goes to $E2E_WORK/NAME.console.
write_domain() {
	local name=$1 type=$2 stay=$3 kernel=${4:-$E2E_WORK/vmlinuz}
	local emulator=${5:-$(command -v "$E2E_QEMU")} stay_arg=
	[ "$stay" -gt 0 ] && stay_arg="e2e_stay=$stay"
	cat > "$E2E_WORK/$name.xml" <<EOF
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>256</memory>
  <memoryBacking>
    <source type='memfd'/>
    <access mode='shared'/>
  </memoryBacking>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$kernel</kernel>
    <initrd>$E2E_WORK/initramfs.gz</initrd>
    <cmdline>console=ttyS0 panic=-1 no_timer_check e2e_test=launcher e2e_addr4=$E2E_ADDR4 $stay_arg</cmdline>
  </os>
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>$emulator</emulator>
    <interface type='$type'>
      <backend type='passt'/>
      <model type='virtio'/>
    </interface>
$(serial_xml "$name")
    <memballoon model='none'/>
  </devices>
</domain>
EOF
	chmod 644 "$E2E_WORK/$name.xml"
}

serial_xml() {
	if [ "$SERIAL" = pty ]; then
		echo "    <serial type='pty'/>"
	else
		printf "    <serial type='file'>\n      <source path='%s'/>\n    </serial>\n" \
			"$E2E_WORK/$1.console"
	fi
}

# Pids of NAME's QEMU and backends, as recorded in the state directory.
domain_pids() {
	local name=$1 f
	sed -n 's/^pid=//p' "$STATE/$name.status" 2>/dev/null
	for f in "$STATE"/passt/*-"$name"-*-passt.pid; do
		[ -f "$f" ] && cat "$f"
	done
}

# wait_verdict NAME CASE: the guest's verdict for CASE (bounded wait).
wait_verdict() {
	local name=$1 c=$2 i=0 verdict
	while [ $i -lt $((LEASE_WAIT_S * 10)) ]; do
		verdict=$(tr -d '\r' < "$E2E_WORK/$name.console" 2>/dev/null |
			awk -v c="$c" '$1 == "E2E-RESULT" && $2 == c {
				$1 = ""; $2 = ""; sub(/^  /, ""); print; exit }')
		if [ -n "$verdict" ]; then
			echo "$verdict"
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "fail guest reported no $c within $LEASE_WAIT_S s"
}

report_verdict() {
	local case=$1 verdict=$2
	case $verdict in
	ok*) e2e_pass "$case" ;;
	*) e2e_fail "$case" "${verdict#fail }" ;;
	esac
}

# nothing_left PIDS...: prints what is left behind (nothing if clean).
nothing_left() {
	local pid i=0 left
	for pid in "$@"; do
		# One-off backends leave shortly after QEMU; give them 5 s.
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -0 "$pid" 2>/dev/null && echo "process $pid still running"
	done
	left=$(cd "$STATE" 2>/dev/null && find . -mindepth 1 ! -name ids ! -name passt | tr '\n' ' ')
	[ -z "$left" ] || echo "state directory still holds: $left"
}

# log_not_kept NAME REASON: prints what is wrong with the domain log NAME
# left in the log directory (nothing if it is there and ends this run
# with libvirt's "shutting down, reason=REASON").
log_not_kept() {
	local log=$E2E_WORK/cache/vunet/log/$1.log
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
	left="${left:-}$(nothing_left "$@")"
	if [ -z "$left" ]; then
		e2e_pass "$case"
	else
		e2e_fail "$case" "$left"
	fi
}

show_console() {
	e2e_log "---- $1: vunet said: $OUT"
	[ -f "$STATE/$1.log" ] && tail -n 5 "$STATE/$1.log" >&2
	[ -f "$E2E_WORK/$1.console" ] &&
		tr -d '\r' < "$E2E_WORK/$1.console" | tail -n 20 >&2
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
		for c in dhcp_lease list dumpxml shutdown; do
			e2e_fail vhost-user/$c "domain did not start"
		done
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
		show_console $name
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
		e2e_fail stream/dhcp_lease "domain did not start"
		e2e_fail stream/destroy "domain did not start"
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

# The console is a pty: vunet console relays it until Ctrl-] (sent after
# the guest had time to report), well before its stdin would end.
scenario_console() {
	local why='' pids elapsed i
	SERIAL=pty write_domain lcon vhostuser $GUEST_STAY_S
	if vunet start "$E2E_WORK/lcon.xml"; then
		pids=$(domain_pids lcon)
		rm -f "$E2E_WORK/console.done"
		# The writer stops waiting once the console command has left.
		OUT=$( { sleep 40; printf '\035'
			for i in $(seq 400); do
				[ -e "$E2E_WORK/console.done" ] && break
				sleep 0.1
			done; } |
			{ start=$(date +%s)
			(e2e_run_unprivileged timeout -k 5 90 "$VUNET" console \
				--state-dir "$STATE" lcon) 2>&1
			echo "ELAPSED $(( $(date +%s) - start ))"
			touch "$E2E_WORK/console.done"; } | tr -d '\r')
		elapsed=$(printf '%s\n' "$OUT" | sed -n 's/^ELAPSED //p')
		printf '%s\n' "$OUT" | grep -q "^Connected to domain 'lcon'" ||
			why="no 'Connected to domain' line: $(printf '%s' "$OUT" | head -c 200)"
		[ -z "$why" ] && ! printf '%s\n' "$OUT" | grep -q "E2E-RESULT dhcp_lease ok" &&
			why="guest's lease verdict not seen on the console: $(printf '%s' "$OUT" | tail -c 300)"
		[ -z "$why" ] && [ "${elapsed:-99}" -ge 60 ] &&
			why="console did not detach on Ctrl-] (left after ${elapsed:-?} s)"
		vunet list
		[ -z "$why" ] && ! printf '%s\n' "$OUT" | grep -qE ' lcon +running' &&
			why="domain gone after detaching: $OUT"
		force_stop lcon
		[ -z "$why" ] && why=$(nothing_left $pids)
	else
		why="start failed: $OUT"
	fi
	if [ -z "$why" ]; then e2e_pass console; else e2e_fail console "$why"; fi
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
	if [ -z "$why" ]; then e2e_pass two_domains; else e2e_fail two_domains "$why"; fi
}

scenario_same_name_twice() {
	local why='' pids
	write_domain ltwice vhostuser $GUEST_STAY_S
	if vunet start "$E2E_WORK/ltwice.xml"; then
		pids=$(domain_pids ltwice)
		if vunet start "$E2E_WORK/ltwice.xml"; then
			why="second start succeeded: $OUT"
		elif ! printf '%s' "$OUT" | grep -q "error: operation failed: domain 'ltwice' already exists with uuid"; then
			why="unexpected error: $OUT"
		else
			vunet list
			printf '%s\n' "$OUT" | grep -qE ' ltwice +running' ||
				why="first domain gone after the refused start: $OUT"
		fi
		force_stop ltwice
		[ -z "$why" ] && why=$(nothing_left $pids)
	else
		why="first start failed: $OUT"
	fi
	if [ -z "$why" ]; then e2e_pass same_name_twice; else e2e_fail same_name_twice "$why"; fi
}

scenario_guest_poweroff() {
	local why='' pids pid i=0
	write_domain loff vhostuser 0
	if vunet start "$E2E_WORK/loff.xml"; then
		pids=$(domain_pids loff)
		pid=$(sed -n 's/^pid=//p' "$STATE/loff.status")
		while kill -0 "$pid" 2>/dev/null && [ $i -lt $((LEASE_WAIT_S * 10)) ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if kill -0 "$pid" 2>/dev/null; then
			why="QEMU still running $LEASE_WAIT_S s after start"
			force_stop loff
		else
			vunet list
			printf '%s\n' "$OUT" | grep -q ' loff ' && why="still listed: $OUT"
		fi
		[ -z "$why" ] && why=$(nothing_left $pids)
	else
		why="start failed: $OUT"
	fi
	if [ -z "$why" ]; then e2e_pass guest_poweroff; else e2e_fail guest_poweroff "$why"; fi
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
	e2e_enter_namespace $CASES -- "$@"
	e2e_make_workdir || e2e_skip_all "cannot create a work directory" $CASES
	[ -x "$VUNET" ] || e2e_skip_all "no vunet at $VUNET (build it first)" $CASES
	[ -x "$VUNET_BUILD/vunetd" ] || e2e_skip_all "no vunetd at $VUNET_BUILD/vunetd (build it first)" $CASES
	e2e_setup_network || e2e_skip_all "cannot set up the test namespace" $CASES
	e2e_prepare_guest || e2e_skip_all "$E2E_WHY" $CASES
	cp "$E2E_GUEST/vmlinuz" "$E2E_GUEST/initramfs.gz" "$E2E_WORK/"
	chmod 644 "$E2E_WORK/vmlinuz" "$E2E_WORK/initramfs.gz"
	STATE=$E2E_WORK/state
	export VUNET_BACKEND=$VUNET_BUILD/vunetd
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
