# shellcheck shell=bash
# Shared machinery of the e2e (VM) tests; sourced by tests/e2e/test-*.sh.
#
# Theory of operation.  An e2e script runs one real QEMU guest (TCG, a
# Debian kernel and a busybox initramfs from build-guest.sh) at a time,
# networked through the backend under test, and turns the guest's
# "E2E-RESULT case ok|fail detail" console lines into the runner's
#   PASS e2e/<script>/<case> | FAIL e2e/<script>/<case>: why | SKIP ...
# lines on stdout.  Diagnostics (console log, backend log, counters) go to
# stderr, which tests/run.sh keeps and shows when something failed.
#
# Isolation.  e2e_enter_namespace re-executes the calling script inside a
# private network + mount namespace (as root: unshare -nm; otherwise an
# unprivileged user namespace: unshare -rnm).  Inside it, e2e_setup_network
# builds a small, known world: lo up, a veth pair whose "uplink" end has
# E2E_ADDR4/24 and E2E_ADDR6/64 with default routes via E2E_GW4/E2E_GW6
# (the peer end is up but has no address, so nothing answers and nothing
# can leave the machine), ping_group_range widened (only in this namespace)
# so an unprivileged backend may open ICMP echo sockets, and a private
# /etc/resolv.conf naming E2E_DNS4/E2E_DNS6.  These are the host facts a
# passt-compatible backend derives its defaults from, so the tests know
# exactly what the guest must be told.  e2e_setup_offline_network builds
# an offline host instead: lo only, no veth, no route (the backend's local
# mode), with the same ping range and resolv.conf.  The namespace goes
# away with the last process in it; the mount stays private to it.
#
# Privileges.  As root, the backend and QEMU run as the unprivileged user
# E2E_USER (created once, no login), as they would in production.  In the
# user-namespace mode everything runs as the (mapped) invoking user.
#
# Bounds and cleanup.  Every wait has a time limit (timeout(1) or a
# counted loop).  e2e_cleanup, installed as the EXIT/INT/TERM trap, kills
# the processes this script started (by PID, nothing else) and removes the
# work directory, whatever happened.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_REPO=$(cd "$E2E_DIR/../.." && pwd)
VUNET_BUILD=${VUNET_BUILD:-$E2E_REPO/build}
VUNET_E2E_BACKEND=${VUNET_E2E_BACKEND:-vunetd}
E2E_USER=vunet-test
E2E_QEMU=${VUNET_E2E_QEMU:-qemu-system-x86_64}

# The namespace's host-side facts (documentation ranges, RFC 5737 / 3849).
E2E_ADDR4=192.0.2.10
E2E_PREFIX4=24
E2E_GW4=192.0.2.1
E2E_ADDR6=2001:db8::10
E2E_PREFIX6=2001:db8::
E2E_GW6=2001:db8::1
E2E_DNS4=192.0.2.53
E2E_DNS6=2001:db8::53
E2E_GUEST_MAC=52:54:00:e2:e0:01
# What a passt-compatible backend announces by default: the largest
# 802.3 MTU, 65535 minus the Ethernet header, rounded down to 32 bits.
E2E_MTU=65520

# Time limits, in seconds.  A guest boots in about 5 s under TCG; the link
# checks' own limits add up to about 90 s when nothing answers (DHCP 30,
# SLAAC 20, pings 2 x 20).  The backend may be a sanitizer build.
E2E_GUEST_TIMEOUT_S=${VUNET_E2E_GUEST_TIMEOUT_S:-150}
E2E_SOCKET_WAIT_S=15
E2E_BACKEND_EXIT_WAIT_S=5
E2E_BACKEND_STATUS=0
E2E_BACKEND_PID=
E2E_BACKEND_MISSING=0

E2E_NAME=$(basename "$0" .sh)
E2E_WORK=
E2E_PIDS=
E2E_GUEST=
# Why the last e2e_* step failed (steps that change this shell's state
# cannot run in a command substitution, so they leave their reason here).
E2E_WHY=

e2e_log() {
	echo "e2e/$E2E_NAME: $*" >&2
}

e2e_pass() { echo "PASS e2e/$E2E_NAME/$1"; }
e2e_fail() { echo "FAIL e2e/$E2E_NAME/$1: $2"; }
e2e_skip() { echo "SKIP e2e/$E2E_NAME/$1: $2"; }

# e2e_pass_unless CASE WHY: CASE passes when WHY is empty, else fails
# with WHY.
e2e_pass_unless() {
	if [ -z "$2" ]; then e2e_pass "$1"; else e2e_fail "$1" "$2"; fi
}

# e2e_each fail|skip WHY CASE...: every CASE fails (or is skipped) for
# the same reason.
e2e_each() {
	local verdict=$1 why=$2 c
	shift 2
	for c in "$@"; do
		"e2e_$verdict" "$c" "$why"
	done
}

# e2e_skip_all REASON CASE...: the whole script cannot run here.
e2e_skip_all() {
	e2e_each skip "$@"
	exit 0
}

# e2e_mode_cases MODES CHECK...: "MODE/CHECK" for each of the
# blank-separated MODES and each CHECK, one a line: the cases of a
# script that runs the same checks once per mode.
e2e_mode_cases() {
	local modes=$1 m c
	shift
	for m in $modes; do
		for c in "$@"; do
			echo "$m/$c"
		done
	done
}

e2e_cleanup() {
	local pid
	for pid in $E2E_PIDS; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in $E2E_PIDS; do
		e2e_wait_exit "$pid" 3 || kill -KILL "$pid" 2>/dev/null || true
	done
	E2E_PIDS=
	if [ -n "$E2E_WORK" ] && [ -d "$E2E_WORK" ]; then
		if [ -n "${VUNET_E2E_KEEP:-}" ]; then
			e2e_log "keeping $E2E_WORK"
		else
			rm -rf "$E2E_WORK"
		fi
	fi
}

e2e_forget_pid() {
	local pid keep=
	for pid in $E2E_PIDS; do
		[ "$pid" = "$1" ] || keep="$keep $pid"
	done
	E2E_PIDS=$keep
}

# e2e_wait_exit PID SECONDS: true once PID is gone, false after SECONDS.
e2e_wait_exit() {
	local pid=$1 tenths=$(($2 * 10)) i=0
	while kill -0 "$pid" 2>/dev/null; do
		[ $i -lt $tenths ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 0
}

# Checks what every e2e script needs that the machine may lack; prints a
# reason and fails when something is missing.
e2e_missing_prerequisite() {
	local tool
	for tool in "$E2E_QEMU" unshare ip timeout setpriv cpio gzip modprobe; do
		if ! command -v "$tool" >/dev/null; then
			echo "$tool not installed"
			return 0
		fi
	done
	if [ "$(id -u)" -ne 0 ] && ! unshare -rnm true 2>/dev/null; then
		echo "not root and unprivileged user namespaces are unavailable (chroot?)"
		return 0
	fi
	return 1
}

e2e_create_user() {
	getent passwd "$E2E_USER" >/dev/null && return 0
	# A concurrent run may win the race; its user is as good as ours.
	useradd --system --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --user-group "$E2E_USER" ||
		getent passwd "$E2E_USER" >/dev/null
}

# e2e_enter_namespace CASE... -- ARGS: re-executes the calling script in its
# own network and mount namespace (see the top of this file).  Skips every
# CASE when that is impossible here.  Keeps the CASEs in E2E_CASES.
e2e_enter_namespace() {
	local reason
	E2E_CASES=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		E2E_CASES+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	[ -n "${E2E_IN_NAMESPACE:-}" ] && return 0
	if reason=$(e2e_missing_prerequisite); then
		e2e_skip_all "$reason" "${E2E_CASES[@]}"
	fi
	export E2E_IN_NAMESPACE=1 VUNET_BUILD VUNET_E2E_BACKEND
	if [ "$(id -u)" -eq 0 ]; then
		e2e_create_user || e2e_skip_all "cannot create user $E2E_USER" "${E2E_CASES[@]}"
		exec unshare --net --mount --propagation private -- "$0" "$@"
	fi
	exec unshare --map-root-user --net --mount --propagation private -- "$0" "$@"
}

# e2e_skip_all_cases REASON: e2e_skip_all for the script's E2E_CASES.
e2e_skip_all_cases() {
	e2e_skip_all "$1" "${E2E_CASES[@]}"
}

# e2e_begin CASE... -- ARGS: what a script needs before its first guest:
# its namespace (e2e_enter_namespace, with the script's ARGS), the work
# directory, the network and the guest image.  Skips every CASE when one
# of them cannot be had.
e2e_begin() {
	e2e_enter_namespace "$@"
	e2e_make_workdir || e2e_skip_all_cases "cannot create a work directory"
	e2e_setup_network || e2e_skip_all_cases "cannot set up the test namespace"
	e2e_prepare_guest || e2e_skip_all_cases "$E2E_WHY"
}

# True when the backend and QEMU should switch to E2E_USER.
e2e_drop_privileges() {
	[ "$(id -u)" -eq 0 ] && getent passwd "$E2E_USER" >/dev/null &&
		[ "$(awk '{print $3; exit}' /proc/self/uid_map)" != 1 ]
}

# Runs a command as the unprivileged test user (or as is, in a user
# namespace where we already are unprivileged).
e2e_run_unprivileged() {
	if e2e_drop_privileges; then
		exec setpriv --reuid="$E2E_USER" --regid="$E2E_USER" \
			--clear-groups --inh-caps=-all -- "$@"
	fi
	exec "$@"
}

# Builds the namespace's network (see the top of this file).  Returns
# non-zero, with a message, when a step fails.
e2e_setup_network() {
	ip link set lo up &&
	ip link add e2e-uplink type veth peer name e2e-peer &&
	ip link set e2e-peer up &&
	ip link set e2e-uplink up &&
	ip addr add "$E2E_ADDR4/$E2E_PREFIX4" dev e2e-uplink &&
	ip -6 addr add "$E2E_ADDR6/64" dev e2e-uplink nodad &&
	ip route add default via "$E2E_GW4" dev e2e-uplink &&
	ip -6 route add default via "$E2E_GW6" dev e2e-uplink || {
		e2e_log "cannot set up the test network namespace"
		return 1
	}
	e2e_setup_host_facts
}

# The namespace of an offline host: only lo, no route off it (the backend
# runs in local mode); the same ping range and resolv.conf as above.
e2e_setup_offline_network() {
	ip link set lo up || {
		e2e_log "cannot bring lo up in the test namespace"
		return 1
	}
	e2e_setup_host_facts
}

# ICMP echo sockets for the backend and a private /etc/resolv.conf.
e2e_setup_host_facts() {
	local range
	# In a user namespace only our own (mapped) group exists.
	if [ "$(id -u)" -eq 0 ] && e2e_drop_privileges; then
		range="0 2147483647"
	else
		range="$(id -g) $(id -g)"
	fi
	echo "$range" > /proc/sys/net/ipv4/ping_group_range || {
		e2e_log "cannot widen net.ipv4.ping_group_range in the namespace"
		return 1
	}
	printf 'nameserver %s\nnameserver %s\n' "$E2E_DNS4" "$E2E_DNS6" > "$E2E_WORK/resolv.conf"
	chmod 644 "$E2E_WORK/resolv.conf"
	mount --bind "$E2E_WORK/resolv.conf" /etc/resolv.conf || {
		e2e_log "cannot mount a private /etc/resolv.conf"
		return 1
	}
}

# Makes the work directory (sockets, logs, the guest image copy) and
# installs the cleanup trap.
e2e_make_workdir() {
	E2E_WORK=$(mktemp -d /tmp/vunet-e2e.XXXXXX) || return 1
	trap e2e_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	chmod 755 "$E2E_WORK"
	if e2e_drop_privileges; then
		chown "$E2E_USER:" "$E2E_WORK"
	fi
}

# Builds or finds the guest image; sets E2E_GUEST to its directory, or
# E2E_WHY and fails.
e2e_prepare_guest() {
	local dir
	e2e_choose_cache
	dir=$("$E2E_DIR/build-guest.sh" 2>"$E2E_WORK/build-guest.log") || {
		cat "$E2E_WORK/build-guest.log" >&2
		E2E_WHY="cannot build the guest image: $(tail -n 1 "$E2E_WORK/build-guest.log")"
		return 1
	}
	E2E_GUEST=$dir
}

# The cache in the source tree belongs to whoever made it first (root in
# CI); a developer who cannot write there builds into the work directory.
e2e_choose_cache() {
	local cache=$E2E_DIR/.cache
	[ -n "${VUNET_E2E_CACHE:-}" ] && return 0
	if { [ -d "$cache" ] && [ -w "$cache" ]; } ||
		{ [ ! -e "$cache" ] && [ -w "$E2E_DIR" ]; }; then
		return 0
	fi
	export VUNET_E2E_CACHE=$E2E_WORK/cache
}

# Prints the backend's command (one word a line) for MODE (vhost-user or
# stream) listening on SOCKET, or why it cannot run, and fails then.
e2e_backend_command() {
	local mode=$1 socket=$2 pidfile=$3 bin flag=
	[ "$mode" = vhost-user ] && flag=--vhost-user
	case $VUNET_E2E_BACKEND in
	vunetd)
		bin=$VUNET_BUILD/vunetd
		[ -x "$bin" ] || { echo "no vunetd at $bin (build it first)"; return 1; }
		;;
	passt)
		bin=$("${VUNET_SHARED:-$E2E_REPO/../shared}/tools/reference-passt" 2>/dev/null) ||
			{ echo "reference passt unavailable (tools/reference-passt failed)"; return 1; }
		;;
	*)
		echo "unknown VUNET_E2E_BACKEND '$VUNET_E2E_BACKEND' (vunetd or passt)"
		return 1
		;;
	esac
	# VUNET_E2E_BACKEND_ARGS: extra options, e.g. "-d" or "--mtu 1500"
	# (split on blanks; for debugging and for checking the checks).
	# shellcheck disable=SC2086
	printf '%s\n' "$bin" $flag -f -1 --socket "$socket" --pid "$pidfile" \
		${VUNET_E2E_BACKEND_ARGS:-}
}

# e2e_start_backend MODE: starts the backend for MODE; sets E2E_BACKEND_PID.
# On failure sets E2E_WHY and fails; E2E_BACKEND_MISSING=1 tells that the
# backend does not exist here at all (a reason to skip, not to fail).
e2e_start_backend() {
	local mode=$1 socket=$E2E_WORK/backend.socket cmd i=0
	local -a argv
	rm -f "$socket" "$E2E_WORK/backend.pid"
	: > "$E2E_WORK/backend.log"
	E2E_BACKEND_MISSING=0
	cmd=$(e2e_backend_command "$mode" "$socket" "$E2E_WORK/backend.pid") || {
		E2E_WHY=$cmd
		E2E_BACKEND_MISSING=1
		return 1
	}
	mapfile -t argv <<< "$cmd"
	e2e_log "backend: ${argv[*]}"
	(e2e_run_unprivileged "${argv[@]}") </dev/null >"$E2E_WORK/backend.log" 2>&1 &
	E2E_BACKEND_PID=$!
	E2E_PIDS="$E2E_PIDS $E2E_BACKEND_PID"
	while [ ! -S "$socket" ]; do
		if ! kill -0 "$E2E_BACKEND_PID" 2>/dev/null; then
			wait "$E2E_BACKEND_PID"
			E2E_WHY="backend exited with status $? before it listened on its socket"
			return 1
		fi
		if [ $i -ge $((E2E_SOCKET_WAIT_S * 10)) ]; then
			E2E_WHY="backend did not create $socket within $E2E_SOCKET_WAIT_S s"
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
}

# e2e_start_mode_backend MODE CHECK...: e2e_start_backend MODE; when that
# fails, every MODE/CHECK is reported (skipped when the backend does not
# exist here, else failed, with the diagnostics) and so does this.
# shellcheck disable=SC2046 # the cases are words
e2e_start_mode_backend() {
	local mode=$1
	shift
	e2e_start_backend "$mode" && return 0
	if [ "$E2E_BACKEND_MISSING" -eq 1 ]; then
		e2e_each skip "$E2E_WHY" $(e2e_mode_cases "$mode" "$@")
		return 1
	fi
	e2e_each fail "$E2E_WHY" $(e2e_mode_cases "$mode" "$@")
	e2e_stop_backend
	e2e_show_diagnostics "$mode"
	return 1
}

# Waits for the backend to leave by itself, as one-off mode (-1) promises
# once QEMU has gone; otherwise asks vunetd to log its counters (passt has
# no such signal: SIGUSR1 would end it) and ends it.  Sets
# E2E_BACKEND_STATUS (its exit status) and E2E_BACKEND_LINGERED (1 when it
# had to be stopped).
e2e_stop_backend() {
	local pid=$E2E_BACKEND_PID
	E2E_BACKEND_LINGERED=0
	[ -n "$pid" ] || return 0
	if ! e2e_wait_exit "$pid" "$E2E_BACKEND_EXIT_WAIT_S"; then
		if [ "$VUNET_E2E_BACKEND" = vunetd ]; then
			kill -USR1 "$pid" 2>/dev/null || true
			sleep 0.5
		fi
		e2e_log "backend still running ${E2E_BACKEND_EXIT_WAIT_S} s after QEMU left; stopping it"
		E2E_BACKEND_LINGERED=1
		kill -TERM "$pid" 2>/dev/null || true
		e2e_wait_exit "$pid" 3 || kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null
	E2E_BACKEND_STATUS=$?
	e2e_log "backend exit status: $E2E_BACKEND_STATUS"
	e2e_forget_pid "$pid"
	E2E_BACKEND_PID=
}

# Prints QEMU's network arguments for MODE, one word a line.
e2e_qemu_net_args() {
	local socket=$E2E_WORK/backend.socket
	case $1 in
	vhost-user)
		# vectors=0: QEMU 7.2 crashes starting vhost-user with MSI-X
		# under TCG (see /work/shared/NOTES.md).
		printf '%s\n' -chardev "socket,id=c0,path=$socket,reconnect=1" \
			-netdev vhost-user,id=n0,chardev=c0 \
			-device "virtio-net-pci,netdev=n0,vectors=0,mac=$E2E_GUEST_MAC"
		;;
	stream)
		printf '%s\n' \
			-netdev "stream,id=n0,server=off,addr.type=unix,addr.path=$socket" \
			-device "virtio-net-pci,netdev=n0,mac=$E2E_GUEST_MAC"
		;;
	esac
}

# e2e_run_guest MODE CMDLINE: boots the guest with the given extra kernel
# command line and waits (bounded) for it to end.  The console ends up in
# $E2E_WORK/console.log.  Sets E2E_WHY and fails when QEMU did not exit
# by itself in time, or failed.
e2e_run_guest() {
	local mode=$1 cmdline=$2 pid status
	local -a net
	mapfile -t net < <(e2e_qemu_net_args "$mode")
	cp "$E2E_GUEST/vmlinuz" "$E2E_GUEST/initramfs.gz" "$E2E_WORK/"
	: > "$E2E_WORK/console.log"
	e2e_drop_privileges && chown "$E2E_USER:" "$E2E_WORK/console.log"
	# The guest RAM is a shared memfd: a vhost-user backend maps it.
	(e2e_run_unprivileged timeout -k 5 "$E2E_GUEST_TIMEOUT_S" "$E2E_QEMU" \
		-accel tcg -machine pc,memory-backend=mem -m 256M \
		-object memory-backend-memfd,id=mem,size=256M,share=on \
		-nodefaults -no-user-config -display none -no-reboot \
		-serial "file:$E2E_WORK/console.log" \
		-kernel "$E2E_WORK/vmlinuz" -initrd "$E2E_WORK/initramfs.gz" \
		-append "console=ttyS0 panic=-1 no_timer_check $cmdline" \
		"${net[@]}") </dev/null >"$E2E_WORK/qemu.log" 2>&1 &
	pid=$!
	E2E_PIDS="$E2E_PIDS $pid"
	wait "$pid"
	status=$?
	e2e_forget_pid "$pid"
	if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
		E2E_WHY="guest did not finish within $E2E_GUEST_TIMEOUT_S s$(e2e_guest_kernel_error)"
		return 1
	fi
	if [ "$status" -ne 0 ]; then
		E2E_WHY="QEMU exited with status $status: $(tail -n 1 "$E2E_WORK/qemu.log")"
		return 1
	fi
}

# Prints "; guest kernel: <first complaint>" when the guest kernel logged
# a driver error, an oops or a lockup (what usually explains a guest that
# never finished), else nothing.
e2e_guest_kernel_error() {
	local line
	line=$(tr -d '\r' < "$E2E_WORK/console.log" |
		grep -m 1 -E 'virtio.*(not a head|[Bb]roken|[Ee]rror|[Ii]nvalid|[Tt]oo )|BUG:|Oops|soft lockup|rcu.*stall|Kernel panic|hung_task|NETDEV WATCHDOG' |
		sed 's/^\[ *[0-9.]*\] //')
	[ -n "$line" ] && echo "; guest kernel: $line"
}

# e2e_guest_verdict CASE: prints "ok DETAIL" or "fail DETAIL" as the guest
# reported CASE, or fails when the guest printed nothing for it.
e2e_guest_verdict() {
	tr -d '\r' < "$E2E_WORK/console.log" |
		awk -v c="$1" '$1 == "E2E-RESULT" && $2 == c {
			$1 = ""; $2 = ""; sub(/^  /, ""); print; found = 1; exit }
			END { exit !found }'
}

# e2e_run_mode MODE CMDLINE_FN CHECK...: one guest over MODE's transport
# for a test whose checks the guest reports alone: the backend started,
# the guest booted with what CMDLINE_FN prints, each CHECK and
# MODE/backend_exit reported, diagnostics shown if one failed.
e2e_run_mode() {
	local mode=$1 cmdline_fn=$2 missing="guest reported no result for this check" ok=0
	shift 2
	e2e_log "==== $mode, backend $VUNET_E2E_BACKEND"
	e2e_start_mode_backend "$mode" "$@" backend_exit || return
	# Checks the guest reported before it hung or QEMU failed still count.
	e2e_run_guest "$mode" "$("$cmdline_fn")" || missing=$E2E_WHY
	e2e_stop_backend
	e2e_report "$mode" "$missing" "$@" || ok=1
	e2e_report_backend_exit "$mode/backend_exit" || ok=1
	[ "$ok" -eq 0 ] || e2e_show_diagnostics "$mode"
}

# e2e_report_backend_exit CASE: the backend left by itself, with status 0,
# once QEMU disconnected: no crash, no sanitizer report, one-off honoured.
e2e_report_backend_exit() {
	if [ "$E2E_BACKEND_LINGERED" -eq 1 ]; then
		e2e_fail "$1" "backend still running ${E2E_BACKEND_EXIT_WAIT_S} s after QEMU disconnected (-1 not honoured?)"
		return 1
	fi
	if [ "$E2E_BACKEND_STATUS" -ne 0 ]; then
		e2e_fail "$1" "backend exited with status $E2E_BACKEND_STATUS$(e2e_status_hint "$E2E_BACKEND_STATUS")"
		return 1
	fi
	e2e_pass "$1"
}

e2e_status_hint() {
	case $1 in
	23) echo " (AddressSanitizer report in the backend log)" ;;
	24) echo " (UndefinedBehaviorSanitizer report in the backend log)" ;;
	13[0-9] | 1[4-5][0-9]) echo " (killed by signal $(($1 - 128)))" ;;
	esac
}

# Shows what is needed to understand a failure: the backend's counters,
# its log and the guest console, on stderr.
e2e_show_diagnostics() {
	local label=$1
	e2e_log "---- $label: backend counters"
	grep -i 'counters' "$E2E_WORK/backend.log" >&2 || e2e_log "(backend logged no counters)"
	e2e_log "---- $label: backend log (last 40 lines)"
	tail -n 40 "$E2E_WORK/backend.log" >&2 2>/dev/null
	if [ -s "$E2E_WORK/qemu.log" ]; then
		e2e_log "---- $label: QEMU log"
		tail -n 20 "$E2E_WORK/qemu.log" >&2
	fi
	if [ -s "$E2E_WORK/console.log" ]; then
		e2e_log "---- $label: guest console (last 80 lines)"
		tr -d '\r' < "$E2E_WORK/console.log" | tail -n 80 >&2
	fi
}

# e2e_report PREFIX WHY_MISSING CASE...: one PASS/FAIL line per CASE from
# the guest's console; a CASE the guest did not report fails with
# WHY_MISSING.  Returns non-zero when any case failed.
e2e_report() {
	local prefix=$1 missing=$2 c verdict failed=0
	shift 2
	for c in "$@"; do
		if ! verdict=$(e2e_guest_verdict "$c"); then
			e2e_fail "$prefix/$c" "$missing"
			failed=1
			continue
		fi
		case $verdict in
		ok*) e2e_pass "$prefix/$c" ;;
		*) e2e_fail "$prefix/$c" "${verdict#fail }"; failed=1 ;;
		esac
	done
	return $failed
}
