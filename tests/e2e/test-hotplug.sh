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
# shellcheck source=tests/e2e/lib-launcher.sh
. "$(dirname "$0")/lib-launcher.sh"

GUEST_STAY_S=240
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

# nic_xml MAC [EXTRA]: an interface definition with that MAC.
nic_xml() {
	printf "<interface type='vhostuser'>\n  <mac address='%s'/>\n  <backend type='passt'/>\n  <model type='virtio'/>%s\n</interface>\n" "$1" "${2:-}"
}

# The domain (ACPI: the pc machine signals PCI hot-plug through it) with
# net0 and net1, and the interfaces and fake backend the cases use.
write_files() {
	DOMAIN_FEATURES="<acpi/>" write_domain_xml $NAME hotplug $GUEST_STAY_S \
		"$(nic_xml $MAC0 | sed 's/^/    /'; nic_xml $MAC1 | sed 's/^/    /')"
	nic_xml $MAC1 > "$E2E_WORK/nic1.xml"
	nic_xml $MAC2 > "$E2E_WORK/nic2.xml"
	nic_xml $MAC3 > "$E2E_WORK/nic3.xml"
	# Slot 1 holds the PIIX3 bridge: QEMU refuses the device itself.
	nic_xml $MAC2 "
  <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>" > "$E2E_WORK/nic-slot1.xml"
	printf '#!/bin/sh\necho "fake-backend: cannot bind its socket" >&2\nexit 1\n' > "$E2E_WORK/fail-backend"
	chmod 755 "$E2E_WORK/fail-backend"
	chmod 644 "$E2E_WORK"/nic*.xml
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

# attach_refused CASE FILE ERROR [OPTION...]: attach-device FILE (with
# the vunet OPTIONs) fails with ERROR (the start of the message) and
# leaves nothing: no files or backend of net2, no live XML entry, the
# domain still running.
attach_refused() {
	local c=$1 file=$2 error=$3 why=''
	shift 3
	if vunet attach-device "$@" $NAME "$file"; then
		why="attach succeeded: $OUT"
	elif ! printf '%s' "$OUT" | grep -q "^error: $error"; then
		why="unexpected error: $OUT"
	elif [ -n "$(files_of net2)" ]; then
		why="files left: $(files_of net2) ($OUT)"
	elif pgrep -f -- "-net2-passt.pid" >/dev/null; then
		why="backend still running ($OUT)"
	elif live_has_mac $MAC2; then
		why="live XML lists the failed interface"
	elif ! domain_running; then
		why="domain not running any more: $OUT"
	fi
	e2e_pass_unless "$c" "$why"
}

case_fail_backend() {
	attach_refused fail_backend "$E2E_WORK/nic2.xml" \
		"internal error: Could not start 'fail-backend': fake-backend: cannot bind its socket" \
		--backend "$E2E_WORK/fail-backend"
}

# QEMU refuses device_add after the backend, chardev and netdev were set
# up: all of them must be undone.
case_fail_device() {
	attach_refused fail_device "$E2E_WORK/nic-slot1.xml" \
		"internal error: unable to execute QEMU command 'device_add'"
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
	local c=$1 mac=$2 alias=$3 pid=$4 why='' kept aliases
	shift 4
	[ -n "$pid" ] && e2e_wait_exit "$pid" 5
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
	e2e_pass_unless "$c" "$why"
}

# detach_and_check CASE FILE MAC ALIAS: detaches ALIAS (MAC, defined in
# FILE), which leaves net0 and net2: cases CASE, CASE_guest, CASE_cleanup.
detach_and_check() {
	local c=$1 file=$2 mac=$3 alias=$4 pid
	pid=$(pid_of "$alias")
	detach "$c" "$file"
	check_guest_nics "${c}_guest" $MAC0 $MAC2
	detached_cleanup "${c}_cleanup" "$mac" "$alias" "$pid" $MAC0=net0 $MAC2=net2
}

# Attach net2, detach net1 (the middle one), attach net3, detach it.
case_attach_detach() {
	if ! attach attach "$E2E_WORK/nic2.xml" $MAC2 net2; then
		e2e_each fail "attach failed" attach_guest detach_middle \
			detach_middle_guest detach_middle_cleanup attach_again \
			attach_again_guest detach_again detach_again_guest \
			detach_again_cleanup
		return
	fi
	check_guest_nics attach_guest $MAC0 $MAC1 $MAC2
	detach_and_check detach_middle "$E2E_WORK/nic1.xml" $MAC1 net1
	if ! attach attach_again "$E2E_WORK/nic3.xml" $MAC3 net3; then
		e2e_each fail "attach failed" attach_again_guest detach_again \
			detach_again_guest detach_again_cleanup
		return
	fi
	check_guest_nics attach_again_guest $MAC0 $MAC2 $MAC3
	detach_and_check detach_again "$E2E_WORK/nic3.xml" $MAC3 net3
}

scenario() {
	local pids
	write_files
	if ! vunet start "$E2E_WORK/$NAME.xml"; then
		e2e_fail start "vunet start: $OUT"
		e2e_each fail "domain did not start" ${CASES#start}
		return
	fi
	e2e_pass start
	pids=$(domain_pids $NAME)
	report_verdict dhcp_lease "$(wait_verdict $NAME dhcp_lease)"
	check_guest_nics nics_at_start $MAC0 $MAC1
	case_fail_backend
	case_fail_device
	case_attach_detach
	grep -q '^FAIL' "$E2E_WORK/results" 2>/dev/null && show_domain $NAME
	vunet destroy $NAME || e2e_log "destroy: $OUT"
	e2e_pass_unless nothing_left "$(nothing_left $pids)"
}

main() {
	launcher_begin $CASES -- "$@"
	scenario | tee "$E2E_WORK/results"
	[ -f "$STATE/$NAME.xml" ] && vunet destroy $NAME
	return 0
}

main "$@"
