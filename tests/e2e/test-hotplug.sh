#!/bin/bash
# e2e: "vunet attach-device / detach-device" of a passt-backed vhost-user
# interface on a running guest.
#
# Theory of operation: in the test namespace (lib.sh), as the unprivileged
# test user, vunet starts the e2e guest (guest/tests/hotplug.sh) with one
# passt-backed vhost-user interface and ACPI (the pc machine signals PCI
# hot-plug through ACPI).  The guest reports its eth0 lease, then polls
# for eth1.  The host first attaches an interface whose backend fails
# (nothing may be left: no device, no files, live XML unchanged, domain
# still running), then attaches a working one (the guest leases on eth1),
# then detaches it by MAC (the guest sees eth1 go; its backend exits and
# its socket and pidfile are removed), then destroys the domain.
# Cases (PASS/FAIL/SKIP e2e/test-hotplug/<case>):
#   start, dhcp_lease, fail_backend, fail_device (QEMU refuses the
#   device: backend, chardev, netdev undone), attach, eth1_lease, detach,
#   eth1_gone, detach_cleanup, nothing_left
# Every wait is bounded; the guest stays up at most GUEST_STAY_S.

# Case lists are blank-separated words, split on purpose.
# shellcheck disable=SC2046,SC2086
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

GUEST_STAY_S=120
LEASE_WAIT_S=90
VUNET_TIMEOUT_S=120
CASES="start dhcp_lease fail_backend fail_device attach eth1_lease detach eth1_gone
detach_cleanup nothing_left"
NAME=lhp
NIC_MAC=52:54:00:e2:e0:02

VUNET=$VUNET_BUILD/vunet
STATE=
OUT=

# vunet CMD ARGS...: as the test user with the test's state dir; output
# in $OUT, returns vunet's status.
vunet() {
	local cmd=$1
	shift
	OUT=$( (e2e_run_unprivileged timeout -k 5 "$VUNET_TIMEOUT_S" "$VUNET" \
		"$cmd" --state-dir "$STATE" "$@") </dev/null 2>&1)
}

write_files() {
	cat > "$E2E_WORK/$NAME.xml" <<EOX
<domain type='qemu'>
  <name>$NAME</name>
  <memory unit='MiB'>256</memory>
  <memoryBacking>
    <source type='memfd'/>
    <access mode='shared'/>
  </memoryBacking>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$E2E_WORK/vmlinuz</kernel>
    <initrd>$E2E_WORK/initramfs.gz</initrd>
    <cmdline>console=ttyS0 panic=-1 e2e_test=hotplug e2e_addr4=$E2E_ADDR4 e2e_stay=$GUEST_STAY_S</cmdline>
  </os>
  <features>
    <acpi/>
  </features>
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>$(command -v "$E2E_QEMU")</emulator>
    <interface type='vhostuser'>
      <backend type='passt'/>
      <model type='virtio'/>
    </interface>
    <serial type='file'>
      <source path='$E2E_WORK/$NAME.console'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
EOX
	cat > "$E2E_WORK/nic.xml" <<EOX
<interface type='vhostuser'>
  <mac address='$NIC_MAC'/>
  <backend type='passt'/>
  <model type='virtio'/>
</interface>
EOX
	# Slot 1 holds the PIIX3 bridge: QEMU refuses the device itself.
	sed "s|</interface>|  <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>\n</interface>|" \
		"$E2E_WORK/nic.xml" > "$E2E_WORK/nic-slot1.xml"
	chmod 644 "$E2E_WORK/nic-slot1.xml"
	printf '#!/bin/sh\necho "fake-backend: cannot bind its socket" >&2\nexit 1\n' > "$E2E_WORK/fail-backend"
	chmod 755 "$E2E_WORK/fail-backend"
	chmod 644 "$E2E_WORK/$NAME.xml" "$E2E_WORK/nic.xml"
}

# wait_verdict CASE: the guest's verdict for CASE (bounded wait).
wait_verdict() {
	local c=$1 i=0 verdict
	while [ $i -lt $((LEASE_WAIT_S * 10)) ]; do
		verdict=$(tr -d '\r' < "$E2E_WORK/$NAME.console" 2>/dev/null |
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
	case $2 in
	ok*) e2e_pass "$1" ;;
	*) e2e_fail "$1" "${2#fail }" ;;
	esac
}

# The second interface's files (alias net1).
net1_files() {
	ls "$STATE"/passt/*-"$NAME"-net1* 2>/dev/null
}

net1_pid() {
	cat "$STATE"/passt/*-"$NAME"-net1-passt.pid 2>/dev/null
}

live_has_nic() {
	vunet dumpxml $NAME && printf '%s\n' "$OUT" | grep -q "<mac address='$NIC_MAC'/>"
}

case_fail_backend() {
	local why=''
	if vunet attach-device --backend "$E2E_WORK/fail-backend" $NAME "$E2E_WORK/nic.xml"; then
		why="attach succeeded: $OUT"
	elif ! printf '%s' "$OUT" | grep -q "^error: internal error: Could not start 'fail-backend': fake-backend: cannot bind its socket"; then
		why="unexpected error: $OUT"
	elif [ -n "$(net1_files)" ]; then
		why="files left: $(net1_files)"
	elif live_has_nic; then
		why="live XML lists the failed interface"
	else
		vunet list
		printf '%s\n' "$OUT" | grep -qE " $NAME +running" ||
			why="domain not running any more: $OUT"
	fi
	if [ -z "$why" ]; then e2e_pass fail_backend; else e2e_fail fail_backend "$why"; fi
}

# QEMU refuses device_add after the backend, chardev and netdev were set
# up: all of them must be undone.
case_fail_device() {
	local why=''
	if vunet attach-device $NAME "$E2E_WORK/nic-slot1.xml"; then
		why="attach succeeded: $OUT"
	elif ! printf '%s' "$OUT" | grep -q "^error: internal error: unable to execute QEMU command 'device_add'"; then
		why="no error: $OUT"
	elif [ -n "$(net1_files)" ]; then
		why="files left: $(net1_files) ($OUT)"
	elif pgrep -f -- "-net1-passt.pid" >/dev/null; then
		why="backend still running ($OUT)"
	elif live_has_nic; then
		why="live XML lists the failed interface"
	else
		vunet list
		printf '%s\n' "$OUT" | grep -qE " $NAME +running" ||
			why="domain not running any more: $OUT"
	fi
	if [ -z "$why" ]; then e2e_pass fail_device; else e2e_fail fail_device "$why"; fi
}

# Attach, lease, detach, gone; BACKEND_PID is net1's backend.
case_attach_detach() {
	local backend_pid why='' i=0
	if ! vunet attach-device $NAME "$E2E_WORK/nic.xml" ||
		[ "$OUT" != "Device attached successfully" ]; then
		e2e_fail attach "$OUT"
		for c in eth1_lease detach eth1_gone detach_cleanup; do
			e2e_fail $c "attach failed"
		done
		return
	fi
	backend_pid=$(net1_pid)
	if [ -z "$backend_pid" ] || ! kill -0 "$backend_pid" 2>/dev/null; then
		e2e_fail attach "no running backend for net1 (files: $(net1_files))"
	elif ! live_has_nic; then
		e2e_fail attach "live XML lacks $NIC_MAC"
	else
		e2e_pass attach
	fi
	report_verdict eth1_lease "$(wait_verdict eth1_lease)"
	if vunet detach-device $NAME "$E2E_WORK/nic.xml" &&
		[ "$OUT" = "Device detached successfully" ]; then
		e2e_pass detach
	else
		e2e_fail detach "$OUT"
	fi
	report_verdict eth1_gone "$(wait_verdict eth1_gone)"
	while [ -n "$backend_pid" ] && kill -0 "$backend_pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ -n "$backend_pid" ] && kill -0 "$backend_pid" 2>/dev/null; then
		why="backend $backend_pid still running"
	elif [ -n "$(net1_files)" ]; then
		why="files left: $(net1_files)"
	elif live_has_nic; then
		why="live XML still lists $NIC_MAC"
	fi
	if [ -z "$why" ]; then e2e_pass detach_cleanup; else e2e_fail detach_cleanup "$why"; fi
}

show_console() {
	e2e_log "---- vunet said: $OUT"
	[ -f "$STATE/$NAME.log" ] && tail -n 5 "$STATE/$NAME.log" >&2
	[ -f "$E2E_WORK/$NAME.console" ] &&
		tr -d '\r' < "$E2E_WORK/$NAME.console" | tail -n 30 >&2
}

scenario() {
	local pids left pid i
	write_files
	if ! vunet start "$E2E_WORK/$NAME.xml"; then
		e2e_fail start "vunet start: $OUT"
		for c in $CASES; do
			[ "$c" = start ] || e2e_fail $c "domain did not start"
		done
		return
	fi
	e2e_pass start
	pids="$(sed -n 's/^pid=//p' "$STATE/$NAME.status") $(cat "$STATE"/passt/*-passt.pid 2>/dev/null)"
	report_verdict dhcp_lease "$(wait_verdict dhcp_lease)"
	case_fail_backend
	case_fail_device
	case_attach_detach
	grep -q '^FAIL' "$E2E_WORK/results" 2>/dev/null && show_console
	vunet destroy $NAME || e2e_log "destroy: $OUT"
	left=$(
		i=0
		for pid in $pids; do
			# One-off backends leave shortly after QEMU: up to 5 s.
			while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
				sleep 0.1
				i=$((i + 1))
			done
			kill -0 "$pid" 2>/dev/null && echo "process $pid still running"
		done
		cd "$STATE" && find . -mindepth 1 ! -name ids ! -name passt | tr '\n' ' '
	)
	if [ -z "$left" ]; then e2e_pass nothing_left; else e2e_fail nothing_left "$left"; fi
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
	scenario | tee "$E2E_WORK/results"
	[ -f "$STATE/$NAME.xml" ] && vunet destroy $NAME
	return 0
}

main "$@"
