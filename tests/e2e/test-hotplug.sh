#!/bin/bash
# e2e: "vunet attach-device / detach-device" of passt-backed vhost-user
# interfaces on a running guest.
#
# Theory of operation: in the test namespace (lib.sh), as the unprivileged
# test user, vunet starts the e2e guest (guest/tests/hotplug.sh) with two
# passt-backed vhost-user interfaces (net0, net1) and ACPI (the pc machine
# signals PCI hot-plug through ACPI).  The guest reports its eth0 lease,
# then a line per change of its set of NICs: each NIC by MAC, with whether
# it got a DHCP lease from its backend.  The host:
#   1. attaches an interface whose backend fails, then one QEMU refuses:
#      nothing may be left (no device, files, live XML entry), domain up;
#   2. attaches a third interface: alias net2, backend running, the guest
#      sees three NICs that all lease;
#   3. detaches the middle one (net1) by MAC: exactly that NIC, backend,
#      socket and pidfile go; net0 and net2 keep their aliases, backends
#      and leases (the live XML is read back keeping every alias);
#   4. attaches a fourth: alias net3 (one past the highest, not a live
#      one), then detaches it: again only it goes;
#   5. destroys the domain: nothing left.
# Cases (PASS/FAIL/SKIP e2e/test-hotplug/<case>):
#   start, dhcp_lease, nics_at_start, fail_backend, fail_device (QEMU
#   refuses the device: backend, chardev, netdev undone), attach,
#   attach_guest, detach_middle, detach_middle_guest, detach_middle_cleanup,
#   attach_again, attach_again_guest, detach_again, detach_again_guest,
#   detach_again_cleanup, nothing_left
# Every wait is bounded; the guest stays up at most GUEST_STAY_S.

# Case lists are blank-separated words, split on purpose.
# shellcheck disable=SC2046,SC2086
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

GUEST_STAY_S=240
LEASE_WAIT_S=90
VUNET_TIMEOUT_S=120
CASES="start dhcp_lease nics_at_start fail_backend fail_device attach attach_guest
detach_middle detach_middle_guest detach_middle_cleanup attach_again
attach_again_guest detach_again detach_again_guest detach_again_cleanup
nothing_left"
NAME=lhp
MAC0=52:54:00:e2:e0:0a
MAC1=52:54:00:e2:e0:0b
MAC2=52:54:00:e2:e0:0c
MAC3=52:54:00:e2:e0:0d
# The last E2E-NICS line already matched (the guest numbers them).
NICS_SEEN=0

VUNET=$VUNET_BUILD/vunet
STATE=
OUT=

# vunet CMD ARGS...: as the test user with the test's state dir; output
# in $OUT, returns vunet's status.
vunet() {
	local cmd=$1
	shift
	# The domain log goes to XDG_CACHE_HOME/vunet/log: the test user has
	# no home directory.
	OUT=$( (e2e_run_unprivileged env XDG_CACHE_HOME="$E2E_WORK/cache" \
		timeout -k 5 "$VUNET_TIMEOUT_S" "$VUNET" \
		"$cmd" --state-dir "$STATE" "$@") </dev/null 2>&1)
}

# nic_xml MAC [EXTRA]: an interface definition with that MAC.
nic_xml() {
	printf "<interface type='vhostuser'>\n  <mac address='%s'/>\n  <backend type='passt'/>\n  <model type='virtio'/>%s\n</interface>\n" "$1" "${2:-}"
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
    <cmdline>console=ttyS0 panic=-1 no_timer_check e2e_test=hotplug e2e_addr4=$E2E_ADDR4 e2e_stay=$GUEST_STAY_S</cmdline>
  </os>
  <features>
    <acpi/>
  </features>
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>$(command -v "$E2E_QEMU")</emulator>
$(nic_xml $MAC0 | sed 's/^/    /')
$(nic_xml $MAC1 | sed 's/^/    /')
    <serial type='file'>
      <source path='$E2E_WORK/$NAME.console'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
EOX
	nic_xml $MAC1 > "$E2E_WORK/nic1.xml"
	nic_xml $MAC2 > "$E2E_WORK/nic2.xml"
	nic_xml $MAC3 > "$E2E_WORK/nic3.xml"
	# Slot 1 holds the PIIX3 bridge: QEMU refuses the device itself.
	nic_xml $MAC2 "
  <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>" > "$E2E_WORK/nic-slot1.xml"
	printf '#!/bin/sh\necho "fake-backend: cannot bind its socket" >&2\nexit 1\n' > "$E2E_WORK/fail-backend"
	chmod 755 "$E2E_WORK/fail-backend"
	chmod 644 "$E2E_WORK/$NAME.xml" "$E2E_WORK"/nic*.xml
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

# NICS_LINE: the guest's E2E-NICS line that check_guest_nics matched.
NICS_LINE=

# check_guest_nics CASE MAC...: waits (bounded) for a guest report newer
# than the last one matched that lists exactly these MACs, each leased.
check_guest_nics() {
	local c=$1 want got i=0
	shift
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	NICS_LINE=
	while [ $i -lt $((LEASE_WAIT_S * 10)) ]; do
		NICS_LINE=$(tr -d '\r' < "$E2E_WORK/$NAME.console" 2>/dev/null |
			awk -v seen="$NICS_SEEN" -v want="$want" '
			$1 == "E2E-NICS" && $2 > seen {
				n = 0
				for (f = 3; f <= NF; f++) { split($f, kv, "="); macs[++n] = kv[1] }
				# sort the MACs (few: insertion sort)
				for (x = 2; x <= n; x++) for (y = x; y > 1 && macs[y-1] > macs[y]; y--) {
					t = macs[y]; macs[y] = macs[y-1]; macs[y-1] = t }
				got = ""; for (x = 1; x <= n; x++) got = got macs[x] " "
				if (got == want) { print; exit }
			}')
		[ -n "$NICS_LINE" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	if [ -z "$NICS_LINE" ]; then
		got=$(tr -d '\r' < "$E2E_WORK/$NAME.console" 2>/dev/null | grep '^E2E-NICS' | tail -n 1)
		e2e_fail "$c" "no guest report of exactly $want within $LEASE_WAIT_S s (last: ${got:-none})"
		return 1
	fi
	NICS_SEEN=$(printf '%s\n' "$NICS_LINE" | awk '{ print $2 }')
	if printf '%s\n' "$NICS_LINE" | grep -q '=fail'; then
		e2e_fail "$c" "a NIC got no lease: $NICS_LINE"
		return 1
	fi
	e2e_pass "$c"
}

# files_of ALIAS: the backend files of the interface ALIAS.
files_of() {
	ls "$STATE"/passt/*-"$NAME"-"$1".socket "$STATE"/passt/*-"$NAME"-"$1"-passt.pid 2>/dev/null
}

pid_of() {
	cat "$STATE"/passt/*-"$NAME"-"$1"-passt.pid 2>/dev/null
}

# backend_runs ALIAS: its pidfile names a live process and its socket exists.
backend_runs() {
	local pid
	pid=$(pid_of "$1")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
		[ -S "$(ls "$STATE"/passt/*-"$NAME"-"$1".socket 2>/dev/null)" ]
}

# live_aliases: "MAC=ALIAS ..." of the live XML's interfaces, in order.
live_aliases() {
	vunet dumpxml $NAME || return 1
	printf '%s\n' "$OUT" | awk '
		/<interface / { mac = ""; alias = "" }
		/<mac address=/ { split($0, q, "\047"); mac = q[2] }
		/<alias name=/ { split($0, q, "\047"); alias = q[2] }
		/<\/interface>/ { printf "%s=%s ", mac, alias }'
}

live_has_mac() {
	live_aliases | grep -q "$1="
}

domain_running() {
	vunet list && printf '%s\n' "$OUT" | grep -qE " $NAME +running"
}

case_fail_backend() {
	local why=''
	if vunet attach-device --backend "$E2E_WORK/fail-backend" $NAME "$E2E_WORK/nic2.xml"; then
		why="attach succeeded: $OUT"
	elif ! printf '%s' "$OUT" | grep -q "^error: internal error: Could not start 'fail-backend': fake-backend: cannot bind its socket"; then
		why="unexpected error: $OUT"
	elif [ -n "$(files_of net2)" ]; then
		why="files left: $(files_of net2)"
	elif live_has_mac $MAC2; then
		why="live XML lists the failed interface"
	elif ! domain_running; then
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
	elif [ -n "$(files_of net2)" ]; then
		why="files left: $(files_of net2) ($OUT)"
	elif pgrep -f -- "-net2-passt.pid" >/dev/null; then
		why="backend still running ($OUT)"
	elif live_has_mac $MAC2; then
		why="live XML lists the failed interface"
	elif ! domain_running; then
		why="domain not running any more: $OUT"
	fi
	if [ -z "$why" ]; then e2e_pass fail_device; else e2e_fail fail_device "$why"; fi
}

# attach CASE FILE MAC ALIAS: attached, with that alias, backend running.
attach() {
	local c=$1 file=$2 mac=$3 alias=$4 aliases
	if ! vunet attach-device $NAME "$file" ||
		[ "$OUT" != "Device attached successfully" ]; then
		e2e_fail "$c" "$OUT"
		return 1
	fi
	aliases=$(live_aliases)
	case " $aliases" in
	*" $mac=$alias "*) ;;
	*) e2e_fail "$c" "live XML: $aliases (expected $mac=$alias)"; return 1 ;;
	esac
	if ! backend_runs "$alias"; then
		e2e_fail "$c" "no running backend for $alias (files: $(files_of "$alias"))"
		return 1
	fi
	e2e_pass "$c"
}

# detach CASE FILE: "Device detached successfully".
detach() {
	if vunet detach-device $NAME "$2" && [ "$OUT" = "Device detached successfully" ]; then
		e2e_pass "$1"
	else
		e2e_fail "$1" "$OUT"
	fi
}

# detached_cleanup CASE GONE_MAC GONE_ALIAS GONE_PID KEPT_MAC=ALIAS...:
# the detached interface's backend exited and its files are gone; the
# others keep their aliases, backends and sockets.
detached_cleanup() {
	local c=$1 mac=$2 alias=$3 pid=$4 why='' i=0 kept aliases
	shift 4
	while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	aliases=$(live_aliases)
	if [ -z "$pid" ]; then
		why="no backend pid recorded for $alias"
	elif kill -0 "$pid" 2>/dev/null; then
		why="backend $pid of $alias still running"
	elif [ -n "$(files_of "$alias")" ]; then
		why="files left: $(files_of "$alias")"
	else
		case " $aliases" in *" $mac="*) why="live XML still lists $mac: $aliases" ;; esac
	fi
	for kept in "$@"; do
		[ -n "$why" ] && break
		case " $aliases" in
		*" $kept "*) backend_runs "${kept#*=}" || why="backend of ${kept#*=} not running" ;;
		*) why="live XML: $aliases (expected $kept)" ;;
		esac
	done
	if [ -z "$why" ]; then e2e_pass "$c"; else e2e_fail "$c" "$why"; fi
}

# Attach net2, detach net1 (the middle one), attach net3, detach it.
case_attach_detach() {
	local pid c
	if ! attach attach "$E2E_WORK/nic2.xml" $MAC2 net2; then
		for c in attach_guest detach_middle detach_middle_guest detach_middle_cleanup attach_again attach_again_guest detach_again detach_again_guest detach_again_cleanup; do
			e2e_fail $c "attach failed"
		done
		return
	fi
	check_guest_nics attach_guest $MAC0 $MAC1 $MAC2
	pid=$(pid_of net1)
	detach detach_middle "$E2E_WORK/nic1.xml"
	check_guest_nics detach_middle_guest $MAC0 $MAC2
	detached_cleanup detach_middle_cleanup $MAC1 net1 "$pid" $MAC0=net0 $MAC2=net2
	if ! attach attach_again "$E2E_WORK/nic3.xml" $MAC3 net3; then
		for c in attach_again_guest detach_again detach_again_guest detach_again_cleanup; do
			e2e_fail $c "attach failed"
		done
		return
	fi
	check_guest_nics attach_again_guest $MAC0 $MAC2 $MAC3
	pid=$(pid_of net3)
	detach detach_again "$E2E_WORK/nic3.xml"
	check_guest_nics detach_again_guest $MAC0 $MAC2
	detached_cleanup detach_again_cleanup $MAC3 net3 "$pid" $MAC0=net0 $MAC2=net2
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
	check_guest_nics nics_at_start $MAC0 $MAC1
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
