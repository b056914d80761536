#!/bin/bash
# e2e: DPDK's testpmd, a vhost-user front-end that is not QEMU, drives the
# backend at full rate.
#
# Theory of operation: QEMU is not the only vhost-user front-end, and an
# emulated (TCG) guest cannot send fast enough to load the backend.  DPDK's
# virtio-user PMD speaks vhost-user from an ordinary process, and testpmd's
# "txonly" mode fills the TX ring as fast as the backend empties it.  In
# the test namespace of lib.sh, the backend runs in vhost-user mode as the
# unprivileged test user; testpmd connects to its socket (--no-huge:
# plain shared memory that the backend maps) and, once it forwards,
# sends for TRAFFIC_S seconds 64-byte UDP frames from the guest's address
# (the host's, 192.0.2.10) to the gateway (192.0.2.1, which the backend
# maps to the namespace's loopback, where nothing listens on the port:
# every frame stays in the namespace).  Then it checks:
#   handshake        testpmd started its port with the link up, and the
#                    backend logged the front-end's connection
#   traffic_counted  every frame testpmd counted as sent was received and
#                    counted by the backend (frames_from_guest), give or
#                    take one ring of frames still queued when testpmd
#                    stopped; byte count = frames x 64; none counted as
#                    malformed; the drops do not exceed what was received
#   memory_steady    the backend's own memory (VmRSS less the front-end's
#                    shared memory it maps) grew less than 2 MiB between
#                    2 s and 9 s of traffic (no per-packet allocation)
#   backend_exit     once testpmd has gone, the backend exits by itself
#                    (-1) with status 0 and no sanitizer report
# One PASS/FAIL/SKIP line per case: PASS e2e/test-dpdk/<case>.
# Needs dpdk-testpmd (Debian package dpdk-dev) with the virtio and ring
# mempool PMDs (librte-net-virtio23, librte-mempool-ring23) and two CPUs
# (testpmd polls one); otherwise every case is skipped with the reason.
# Every wait is bounded: testpmd's start and run by counted loops and
# timeout(1), the backend's exit by lib.sh; the EXIT trap of lib.sh ends
# whatever is left.

# Case lists are blank-separated words, split on purpose.
# shellcheck disable=SC2086
set -u
. "$(dirname "$0")/lib.sh"

CASES="handshake traffic_counted memory_steady backend_exit"
TESTPMD=${VUNET_E2E_TESTPMD:-dpdk-testpmd}
TRAFFIC_S=10
# testpmd's start-up (EAL, mbuf pool, vhost-user handshake) on a busy
# machine, and its overall limit.
FORWARD_WAIT_S=30
TESTPMD_LIMIT_S=$((FORWARD_WAIT_S + TRAFFIC_S + 10))
RSS_EARLY_S=2
RSS_LATE_S=9
RSS_GROWTH_MAX_KIB=2048
# testpmd's default txonly frame: Ethernet + IPv4 + UDP + 22 bytes.
FRAME_BYTES=64
# Frames testpmd counts as sent but the backend had not taken from the
# ring when testpmd stopped the queue: at most one ring.
QUEUE_SIZE=256
# Well below what even a loaded machine moves in 10 s; proves the ring
# kept flowing rather than stalling after the first fill.
MIN_FRAMES=1000
# The backend's own MAC (passt's default), where testpmd sends to.
BACKEND_MAC=9a:55:9a:55:9a:55
UDP_SRC_PORT=40000
UDP_DST_PORT=9
# testpmd's mbufs: a few rings' worth; its default pool is larger than
# the memory --no-huge is given.
MBUFS=8192
MEMORY_MB=256

# Counters that well-formed frames must never reach.
MALFORMED_DROPS="drop_too_short drop_bad_l2 drop_bad_l3 drop_bad_csum drop_bad_l4 drop_bad_descriptor drop_bad_stream"
# Counters of frames from the guest the backend had nothing to do with
# or could not send (the port is closed: ICMP errors make sends fail).
GUEST_DROPS="drop_too_short drop_bad_l2 drop_bad_l3 drop_bad_csum drop_bad_l4 drop_unhandled drop_disabled drop_no_flow drop_host_error drop_bad_descriptor"

# Prints why testpmd cannot run here, or fails when it can.
dpdk_missing() {
	command -v "$TESTPMD" >/dev/null ||
		{ echo "$TESTPMD not installed (Debian package dpdk-dev)"; return 0; }
	compgen -G '/usr/lib/*/dpdk/pmds-*/librte_net_virtio.so*' >/dev/null ||
		{ echo "DPDK virtio PMD missing (package librte-net-virtio23)"; return 0; }
	compgen -G '/usr/lib/*/dpdk/pmds-*/librte_mempool_ring.so*' >/dev/null ||
		{ echo "DPDK ring mempool missing (package librte-mempool-ring23)"; return 0; }
	[ "$(allowed_cpus | wc -l)" -ge 2 ] ||
		{ echo "testpmd needs two CPUs (one polls the ring)"; return 0; }
	return 1
}

# Prints the CPUs this process may run on, one a line.
allowed_cpus() {
	local list range
	list=$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status)
	for range in ${list//,/ }; do
		seq "${range%-*}" "${range#*-}"
	done
}

# testpmd's lcores 0 (main) and 1 (forwarding) on the first two CPUs we
# may use, wherever they are numbered.
lcore_map() {
	local -a cpus
	mapfile -t cpus < <(allowed_cpus)
	echo "0@${cpus[0]},1@${cpus[1]}"
}

# Starts testpmd against the backend's socket, in the background; sets
# TESTPMD_PID (timeout's, which passes signals on).  TESTPMD_LIMIT_S is
# a last resort: stop_testpmd ends it long before.
start_testpmd() {
	local socket=$E2E_WORK/backend.socket dpdk_dir=$E2E_WORK/dpdk
	mkdir -p "$dpdk_dir"
	e2e_drop_privileges && chown "$E2E_USER:" "$dpdk_dir"
	# stdbuf: testpmd writes with stdio; its statistics must reach the
	# log even if it has to be killed.
	(HOME=$dpdk_dir XDG_RUNTIME_DIR=$dpdk_dir e2e_run_unprivileged \
		timeout -s INT -k 10 "$TESTPMD_LIMIT_S" stdbuf -oL "$TESTPMD" \
		--no-huge -m "$MEMORY_MB" --no-pci --no-shconf --no-telemetry \
		--file-prefix "vunet-e2e-$$" --lcores "$(lcore_map)" \
		--vdev "net_virtio_user0,path=$socket,queues=1,queue_size=$QUEUE_SIZE,mac=$E2E_GUEST_MAC" \
		-- --forward-mode=txonly --stats-period 1 --no-lsc-interrupt --no-mlockall \
		--total-num-mbufs="$MBUFS" --txpkts="$FRAME_BYTES" \
		--eth-peer="0,$BACKEND_MAC" --tx-ip="$E2E_ADDR4,$E2E_GW4" \
		--tx-udp="$UDP_SRC_PORT,$UDP_DST_PORT") \
		</dev/null >"$E2E_WORK/testpmd.log" 2>&1 &
	TESTPMD_PID=$!
	E2E_PIDS="$E2E_PIDS $TESTPMD_PID"
}

# Prints the memory PID owns, in KiB: VmRSS less RssShmem.  The shared
# part is the front-end's memory (testpmd's mbufs) that the backend has
# mapped and touched; it grows as testpmd cycles through its pool, which
# is not the backend allocating.  Prints nothing when PID is gone.
own_rss_kib() {
	awk '/^VmRSS:/ { rss = $2 } /^RssShmem:/ { shm = $2 }
		END { if (rss != "") print rss - shm }' "/proc/$1/status" 2>/dev/null
}

# Waits (bounded) until testpmd has started forwarding; fails, setting
# E2E_WHY, when it ended or did not get there in FORWARD_WAIT_S.
wait_forwarding() {
	local i=0
	until grep -q 'start packet forwarding' "$E2E_WORK/testpmd.log"; do
		if ! kill -0 "$TESTPMD_PID" 2>/dev/null; then
			E2E_WHY="testpmd ended before forwarding"
			return 1
		fi
		if [ $i -ge $((FORWARD_WAIT_S * 10)) ]; then
			E2E_WHY="testpmd did not start forwarding within $FORWARD_WAIT_S s"
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
}

# Stops testpmd (SIGINT: it stops forwarding, prints its statistics and
# closes its port; timeout(1) passes the signal on and kills it if that
# takes over 10 s) and waits for it; sets TESTPMD_STATUS.
stop_testpmd() {
	kill -INT "$TESTPMD_PID" 2>/dev/null
	wait "$TESTPMD_PID"
	TESTPMD_STATUS=$?
	e2e_forget_pid "$TESTPMD_PID"
	e2e_log "testpmd exit status: $TESTPMD_STATUS"
}

# Prints the frames testpmd counted as sent on port 0 (its final forward
# statistics), or fails.
testpmd_tx_packets() {
	awk '/Forward statistics for port 0/ { block = 1; next }
		block && $1 == "TX-packets:" { print $2; found = 1; exit }
		END { exit !found }' "$E2E_WORK/testpmd.log"
}

# counter NAME: the value of NAME in the backend's last counters line.
counter() {
	grep 'counters:' "$E2E_WORK/backend.log" | tail -n 1 |
		tr ' ' '\n' | awk -F= -v n="$1" '$1 == n { print $2; found = 1 }
			END { exit !found }'
}

check_handshake() {
	if ! grep -q 'Port 0 Link up' "$E2E_WORK/testpmd.log"; then
		e2e_fail handshake "testpmd never reported its port's link up: $(grep -m 1 -E 'Cause|[Ee]rror|[Ff]ail' "$E2E_WORK/testpmd.log")"
		return 1
	fi
	if ! grep -q 'front-end connected' "$E2E_WORK/backend.log"; then
		e2e_fail handshake "backend log shows no front-end connection"
		return 1
	fi
	e2e_pass handshake
}

check_traffic() {
	local tx frames bytes name n drops=0 malformed=
	if ! tx=$(testpmd_tx_packets); then
		e2e_fail traffic_counted "testpmd printed no forward statistics (exit status $TESTPMD_STATUS)"
		return 1
	fi
	if ! frames=$(counter frames_from_guest) || ! bytes=$(counter bytes_from_guest); then
		e2e_fail traffic_counted "backend logged no counters line"
		return 1
	fi
	e2e_log "testpmd sent $tx frames; backend received $frames frames, $bytes bytes"
	for name in $MALFORMED_DROPS; do
		n=$(counter "$name") || n=missing
		[ "$n" = 0 ] || malformed="$malformed $name=$n"
	done
	for name in $GUEST_DROPS; do
		n=$(counter "$name") && drops=$((drops + n))
	done
	if [ "$tx" -lt "$MIN_FRAMES" ]; then
		e2e_fail traffic_counted "testpmd sent only $tx frames in $TRAFFIC_S s (ring stalled?)"
	elif [ "$frames" -gt "$tx" ] || [ "$frames" -lt $((tx - QUEUE_SIZE)) ]; then
		e2e_fail traffic_counted "testpmd sent $tx frames, backend counted $frames (allowed: $((tx - QUEUE_SIZE))..$tx)"
	elif [ "$bytes" -ne $((frames * FRAME_BYTES)) ]; then
		e2e_fail traffic_counted "backend counted $bytes bytes for $frames frames of $FRAME_BYTES bytes"
	elif [ -n "$malformed" ]; then
		e2e_fail traffic_counted "well-formed frames counted as malformed:$malformed"
	elif [ "$drops" -gt "$frames" ]; then
		e2e_fail traffic_counted "backend counted $drops drops of guest frames but received only $frames"
	else
		e2e_pass traffic_counted
		return 0
	fi
	return 1
}

# check_memory EARLY_KIB LATE_KIB
check_memory() {
	if [ -z "$1" ] || [ -z "$2" ]; then
		e2e_fail memory_steady "no traffic, or backend gone before its memory could be sampled at ${RSS_EARLY_S} s and ${RSS_LATE_S} s"
		return 1
	fi
	e2e_log "backend's own memory (VmRSS - RssShmem): $1 KiB at ${RSS_EARLY_S} s, $2 KiB at ${RSS_LATE_S} s of traffic"
	if [ $(($2 - $1)) -ge "$RSS_GROWTH_MAX_KIB" ]; then
		e2e_fail memory_steady "backend's own memory grew from $1 to $2 KiB under traffic (limit $RSS_GROWTH_MAX_KIB KiB)"
		return 1
	fi
	e2e_pass memory_steady
}

check_backend_exit() {
	local report
	if ! grep -q 'front-end connected' "$E2E_WORK/backend.log"; then
		e2e_fail backend_exit "no front-end ever connected, so -1 could not end the backend"
		return 1
	fi
	report=$(grep -m 1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: .*Sanitizer' "$E2E_WORK/backend.log")
	if [ -n "$report" ]; then
		e2e_fail backend_exit "sanitizer report in the backend log: $report"
		return 1
	fi
	e2e_report_backend_exit backend_exit
}

run_test() {
	local early='' late='' ok=0 c
	e2e_log "==== vhost-user, front-end $TESTPMD, backend $VUNET_E2E_BACKEND"
	if ! e2e_start_backend vhost-user; then
		if [ "$E2E_BACKEND_MISSING" -eq 1 ]; then
			e2e_skip_all "$E2E_WHY" $CASES
		fi
		for c in $CASES; do
			e2e_fail "$c" "$E2E_WHY"
		done
		e2e_stop_backend
		e2e_show_diagnostics dpdk
		return
	fi
	start_testpmd
	if wait_forwarding; then
		sleep "$RSS_EARLY_S"
		early=$(own_rss_kib "$E2E_BACKEND_PID")
		sleep $((RSS_LATE_S - RSS_EARLY_S))
		late=$(own_rss_kib "$E2E_BACKEND_PID")
		sleep $((TRAFFIC_S - RSS_LATE_S))
	else
		e2e_log "$E2E_WHY"
	fi
	stop_testpmd
	e2e_stop_backend
	check_handshake || ok=1
	check_traffic || ok=1
	check_memory "$early" "$late" || ok=1
	check_backend_exit || ok=1
	if [ "$ok" -ne 0 ]; then
		e2e_show_diagnostics dpdk
		e2e_log "---- dpdk: testpmd log (last 40 lines)"
		tail -n 40 "$E2E_WORK/testpmd.log" >&2
	fi
}

main() {
	local why
	if why=$(dpdk_missing); then
		e2e_skip_all "$why" $CASES
	fi
	e2e_enter_namespace $CASES -- "$@"
	e2e_make_workdir || e2e_skip_all "cannot create a work directory" $CASES
	e2e_setup_network || e2e_skip_all "cannot set up the test namespace" $CASES
	run_test
}

main "$@"
