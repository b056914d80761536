# shellcheck shell=bash
# Shared machinery of the e2e tests that drive the vunet launcher
# (test-launcher.sh, test-hotplug.sh, test-supervise.sh); sourced after
# lib.sh.
#
# Theory of operation.  These tests run the built "vunet" as the
# unprivileged test user (lib.sh), each command bounded by
# VUNET_TIMEOUT_S, with its own state directory ($STATE) and domain log
# directory ($LOGS) inside the work directory, and keep what the last
# command printed in $OUT.  The domains are defined here from the e2e
# guest (one of guest/tests/*.sh chosen on the kernel command line);
# their serial console goes to $E2E_WORK/NAME.console, where the guest's
# "E2E-RESULT case ok|fail detail" lines are read from while the domain
# runs.  A scenario ends by checking that the processes it saw (by pid)
# are gone and that the state directory holds nothing but its id counter
# and an empty passt/ directory.  Every wait is bounded.

VUNET=$VUNET_BUILD/vunet
VUNET_TIMEOUT_S=120
# DHCP in the guest gives up after 30 s; TCG and a sanitizer build are slow.
LEASE_WAIT_S=90
STATE=
LOGS=
OUT=

# launcher_begin CASE... -- ARGS: e2e_begin, then what every launcher
# test needs: vunet and vunetd built, the guest's kernel and initramfs
# in the work directory (readable by the test user), STATE, LOGS and
# VUNET_BACKEND set.  Skips every CASE when something is missing.
launcher_begin() {
	e2e_begin "$@"
	[ -x "$VUNET" ] || e2e_skip_all_cases "no vunet at $VUNET (build it first)"
	[ -x "$VUNET_BUILD/vunetd" ] ||
		e2e_skip_all_cases "no vunetd at $VUNET_BUILD/vunetd (build it first)"
	cp "$E2E_GUEST/vmlinuz" "$E2E_GUEST/initramfs.gz" "$E2E_WORK/"
	chmod 644 "$E2E_WORK/vmlinuz" "$E2E_WORK/initramfs.gz"
	STATE=$E2E_WORK/state
	# The test user has no home directory: its domain logs go here.
	# shellcheck disable=SC2034 # read by the test scripts
	LOGS=$E2E_WORK/cache/vunet/log
	export VUNET_BACKEND=$VUNET_BUILD/vunetd
}

# vunet CMD ARGS...: runs vunet CMD as the test user with the test's
# state directory; stdout and stderr in $OUT, returns vunet's status.
vunet() {
	local cmd=$1
	shift
	OUT=$( (e2e_run_unprivileged env XDG_CACHE_HOME="$E2E_WORK/cache" \
		timeout -k 5 "$VUNET_TIMEOUT_S" "$VUNET" \
		"$cmd" --state-dir "$STATE" "$@") </dev/null 2>&1)
}

# write_domain_xml NAME GUEST_TEST STAY DEVICES: the definition of domain
# NAME in $E2E_WORK/NAME.xml: the e2e guest running guest/tests/GUEST_TEST.sh,
# up for at most STAY seconds (0: it powers off once done), with the
# device elements DEVICES and a serial console in $E2E_WORK/NAME.console.
# Optional, from the caller's environment: DOMAIN_FEATURES (the elements
# inside <features>), DOMAIN_KERNEL, DOMAIN_EMULATOR, DOMAIN_SERIAL=pty
# (a pty console instead of the file).
write_domain_xml() {
	local name=$1 test=$2 stay=$3 devices=$4 stay_arg='' features='' serial
	local kernel=${DOMAIN_KERNEL:-$E2E_WORK/vmlinuz}
	local emulator=${DOMAIN_EMULATOR:-$(command -v "$E2E_QEMU")}
	[ "$stay" -gt 0 ] && stay_arg=" e2e_stay=$stay"
	[ -n "${DOMAIN_FEATURES:-}" ] &&
		features="<features>$DOMAIN_FEATURES</features>"
	if [ "${DOMAIN_SERIAL:-file}" = pty ]; then
		serial="<serial type='pty'/>"
	else
		serial="<serial type='file'><source path='$E2E_WORK/$name.console'/></serial>"
	fi
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
    <cmdline>console=ttyS0 panic=-1 no_timer_check e2e_test=$test e2e_addr4=$E2E_ADDR4$stay_arg</cmdline>
  </os>
  $features
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>$emulator</emulator>
$devices
    $serial
    <memballoon model='none'/>
  </devices>
</domain>
EOF
	chmod 644 "$E2E_WORK/$name.xml"
}

# wait_verdict NAME CASE: prints the guest's verdict for CASE from NAME's
# console ("ok ..." or "fail ..."), waiting up to LEASE_WAIT_S for it.
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

# report_verdict CASE VERDICT: PASS or FAIL as the guest's VERDICT says.
report_verdict() {
	case $2 in
	ok*) e2e_pass "$1" ;;
	*) e2e_fail "$1" "${2#fail }" ;;
	esac
}

qemu_pid() {
	sed -n 's/^pid=//p' "$STATE/$1.status" 2>/dev/null
}

# domain_pids NAME: NAME's QEMU and backends, as its state records them.
domain_pids() {
	local name=$1 f
	qemu_pid "$name"
	for f in "$STATE"/passt/*-"$name"-*-passt.pid; do
		[ -f "$f" ] && cat "$f"
	done
}

cmdline_of() {
	tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null
}

# A zombie has exited; it only waits for its parent to reap it.
runs() {
	kill -0 "$1" 2>/dev/null &&
		[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# nothing_left PIDS...: prints what is left behind, nothing if all is
# clean, waiting up to CLEANUP_S for the processes to go (one-off
# backends leave shortly after QEMU).
CLEANUP_S=15
nothing_left() {
	local pid deadline=$(($(date +%s) + CLEANUP_S)) left
	for pid in "$@"; do
		while runs "$pid" && [ "$(date +%s)" -lt $deadline ]; do
			sleep 0.1
		done
		if runs "$pid"; then
			echo "process $pid ($(cmdline_of "$pid" | head -c 60)) still running"
		fi
	done
	left=$(cd "$STATE" 2>/dev/null && find . -mindepth 1 ! -name ids ! -name passt | tr '\n' ' ')
	[ -z "$left" ] || echo "state directory still holds: $left"
}

# show_domain NAME: what explains a failure, on stderr: vunet's last
# output, the end of NAME's log and of its console.
show_domain() {
	e2e_log "---- $1: vunet said: $OUT"
	[ -f "$STATE/$1.log" ] && tail -n 20 "$STATE/$1.log" >&2
	[ -f "$E2E_WORK/$1.console" ] &&
		tr -d '\r' < "$E2E_WORK/$1.console" | tail -n 30 >&2
}
