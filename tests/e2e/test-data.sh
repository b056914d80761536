#!/bin/bash
# e2e: TCP and UDP through the backend, both ways, IPv4 and IPv6.
#
# Theory of operation: in the test namespace (lib.sh) this script runs,
# as root and on the namespace's loopback only (127.0.0.1, ::1), the
# peers the guest talks to: busybox httpd (a 1 MiB random file),
# host-servers.py (TCP echo, UDP echo, a 16 MiB bulk peer) and dnsmasq
# (one name, e2e.test, with an A and an AAAA record).  The backend gets
# -t/-u forwards into the guest and --dns-forward addresses whose queries
# go to that dnsmasq.  For each transport (vhost-user, stream) one guest
# boots (guest/tests/data.sh) and:
#  - inbound, checked here once the guest prints E2E-READY:
#      fwd_tcp4/6        the host reaches the guest's httpd through a
#                        forwarded port (-t PORT)
#      fwd_tcp_remap4/6  ... and through a remapped one (-t HOST:GUEST)
#      fwd_udp4/6        a datagram to a forwarded UDP port (-u) comes
#                        back from the guest's echo service
#      fwd_tcp_bulk4/6   16 MiB downloaded from the guest's httpd through
#                        the forwarded port have the SHA-256 the guest
#                        printed for them
#    then this script connects to one more forwarded port to let the
#    guest go on;
#  - outbound, checked by the guest (see guest/tests/data.sh):
#      http_download, tcp_refused, udp_request, dns_forward,
#      tcp_200_conns, bulk_to_guest (each with suffix 4 and 6), plus,
#      checked here, bulk_from_guest4/6: what the bulk peer received has
#      the SHA-256 the guest printed for what it sent;
#  - backend_exit: the backend left by itself with status 0 after QEMU.
# Each check is one PASS/FAIL/SKIP line (PASS e2e/test-data/<mode>/<check>).
# The backend is $VUNET_BUILD/vunetd, or the reference passt with
# VUNET_E2E_BACKEND=passt.  Run one mode with VUNET_E2E_MODES=stream.

# Case and check lists are blank-separated words, split on purpose.
# shellcheck disable=SC2046,SC2086
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

MODES=${VUNET_E2E_MODES:-vhost-user stream}
HOST_CHECKS="fwd_tcp4 fwd_tcp_remap4 fwd_udp4 fwd_tcp_bulk4"
HOST_CHECKS="$HOST_CHECKS fwd_tcp6 fwd_tcp_remap6 fwd_udp6 fwd_tcp_bulk6"
GUEST_CHECKS=""
for f in 4 6; do
	GUEST_CHECKS="$GUEST_CHECKS http_download$f tcp_refused$f udp_request$f"
	GUEST_CHECKS="$GUEST_CHECKS dns_forward$f tcp_200_conns$f bulk_to_guest$f"
done
BULK_CHECKS="bulk_from_guest4 bulk_from_guest6"
ALL_CHECKS="$HOST_CHECKS $GUEST_CHECKS $BULK_CHECKS backend_exit"

# Host ports (on 127.0.0.1 and ::1) of the services the guest uses.
PORT_HTTP=8080
PORT_ECHO=5001
PORT_UDP=5002
PORT_BULK=5003
PORT_CLOSED=5009
# Forwarded into the guest: host port -> guest port.
FWD_WEB=8000		# -t 8000: same port in the guest
FWD_REMAP_HOST=9080	# -t 9080:8080: remapped
FWD_REMAP_GUEST=8080
FWD_UDP=7000		# -u 7000
FWD_DONE=9999		# -t 9999: "host checks done"
# DNS: the addresses the guest asks, forwarded to dnsmasq on the loopback.
DNS_FWD4=192.0.2.3
DNS_FWD6=2001:db8::3
DNS_NAME=e2e.test
DNS_ADDR4=192.0.2.77
DNS_ADDR6=2001:db8::77
HTTP_BYTES=$((1024 * 1024))
BULK_BYTES=$((16 * 1024 * 1024))
# A guest run: boot ~5 s, four 16 MiB transfers at ~25 Mbit/s (~25 s),
# the rest a few seconds each; a sanitizer build is slower.
# shellcheck disable=SC2034  # read by lib.sh's e2e_run_guest
E2E_GUEST_TIMEOUT_S=${VUNET_E2E_GUEST_TIMEOUT_S:-240}
HOST_READY_WAIT_S=120

all_cases() {
	e2e_mode_cases "$MODES" $ALL_CHECKS
}

backend_args() {
	echo "-t $FWD_WEB -t $FWD_REMAP_HOST:$FWD_REMAP_GUEST -t $FWD_DONE -u $FWD_UDP" \
		"--dns-forward $DNS_FWD4 --dns-forward $DNS_FWD6" \
		"--dns-host 127.0.0.1 --dns-host ::1"
}

sha_of() {
	sha256sum "$1" | cut -d' ' -f1
}

# Starts the host-side peers; fails with E2E_WHY when one cannot run.
start_host_services() {
	local www=$E2E_WORK/www i=0
	for tool in python3 dnsmasq busybox; do
		command -v $tool >/dev/null || { E2E_WHY="$tool not installed"; return 1; }
	done
	mkdir -p "$www"
	head -c $HTTP_BYTES /dev/urandom > "$www/file"
	head -c $BULK_BYTES /dev/urandom > "$E2E_WORK/bulk.bin"
	busybox httpd -f -p "127.0.0.1:$PORT_HTTP" -h "$www" &
	E2E_PIDS="$E2E_PIDS $!"
	busybox httpd -f -p "[::1]:$PORT_HTTP" -h "$www" &
	E2E_PIDS="$E2E_PIDS $!"
	python3 "$E2E_DIR/host-servers.py" serve "$E2E_WORK" $PORT_ECHO $PORT_UDP \
		$PORT_BULK "$E2E_WORK/bulk.bin" > "$E2E_WORK/servers.log" 2>&1 &
	E2E_PIDS="$E2E_PIDS $!"
	dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
		--bind-interfaces --listen-address=127.0.0.1 --listen-address=::1 \
		--user=root --pid-file= --log-facility=- \
		--address=/$DNS_NAME/$DNS_ADDR4 --address=/$DNS_NAME/$DNS_ADDR6 \
		> "$E2E_WORK/dnsmasq.log" 2>&1 &
	E2E_PIDS="$E2E_PIDS $!"
	while ! grep -q ready "$E2E_WORK/servers.log"; do
		[ $i -lt 100 ] || { E2E_WHY="host-servers.py did not start: $(tail -n 1 "$E2E_WORK/servers.log")"; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
}

guest_cmdline() {
	echo "e2e_test=data e2e_gw4=$E2E_GW4 e2e_gw6=$E2E_GW6" \
		"e2e_token=guest-$RANDOM$RANDOM e2e_web1=$FWD_WEB e2e_web2=$FWD_REMAP_GUEST" \
		"e2e_udpfwd=$FWD_UDP e2e_doneport=$FWD_DONE" \
		"e2e_http=$PORT_HTTP e2e_http_sha=$(sha_of "$E2E_WORK/www/file")" \
		"e2e_closed=$PORT_CLOSED e2e_udp=$PORT_UDP e2e_echo=$PORT_ECHO" \
		"e2e_dnsfwd4=$DNS_FWD4 e2e_dnsfwd6=$DNS_FWD6 e2e_dns_name=$DNS_NAME" \
		"e2e_dns_addr4=$DNS_ADDR4 e2e_dns_addr6=$DNS_ADDR6" \
		"e2e_bulk=$PORT_BULK e2e_bulk_sha=$(sha_of "$E2E_WORK/bulk.bin")"
}

# host_result CASE ok|fail DETAIL: one inbound verdict, kept for later.
host_result() {
	echo "$*" >> "$E2E_WORK/host-results"
}

check_fwd_tcp() {
	# check_fwd_tcp CASE ADDRESS PORT TOKEN
	local url="http://$2:$3/id" got status
	got=$(timeout 30 busybox wget -O - "$url" 2>"$E2E_WORK/wget.err")
	status=$?
	if [ "$got" = "$4" ]; then
		host_result "$1" ok "$url served the guest's token"
	else
		host_result "$1" fail "$url gave '$got', expected '$4' (status $status: $(tail -n 1 "$E2E_WORK/wget.err"))"
	fi
}

check_fwd_udp() {
	local want="datagram-from-host-$1" got
	got=$(timeout 20 python3 "$E2E_DIR/host-servers.py" udp-ask "$2" $FWD_UDP "$want" 2>&1)
	if [ "$got" = "$want" ]; then
		host_result "$1" ok "echoed by the guest via $2 port $FWD_UDP"
	else
		host_result "$1" fail "sent '$want' to $2 port $FWD_UDP, got '$got'"
	fi
}

check_fwd_tcp_bulk() {
	# check_fwd_tcp_bulk CASE ADDRESS
	local url="http://$2:$FWD_WEB/big" want got
	want=$(tr -d '\r' < "$E2E_WORK/console.log" |
		awk '$1 == "E2E-SHA" && $2 == "www_big" { print $3; exit }')
	rm -f "$E2E_WORK/big"
	if ! timeout 90 busybox wget -q -O "$E2E_WORK/big" "$url" 2>"$E2E_WORK/wget.err"; then
		host_result "$1" fail "$url: $(tail -n 1 "$E2E_WORK/wget.err")"
		return
	fi
	got=$(sha_of "$E2E_WORK/big")
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		host_result "$1" ok "$(wc -c < "$E2E_WORK/big") bytes from $url, SHA-256 matches"
	else
		host_result "$1" fail "$url: SHA-256 $got, guest has '$want' ($(wc -c < "$E2E_WORK/big") bytes)"
	fi
	rm -f "$E2E_WORK/big"
}

# Tells the guest the inbound checks are over (it waits for this before
# its own checks); retried while the guest's listener is not up yet.
release_guest() {
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		echo "done" | timeout 5 busybox nc 127.0.0.1 $FWD_DONE >/dev/null 2>&1 && return 0
		sleep 1
	done
	e2e_log "could not tell the guest the host checks are done (port $FWD_DONE)"
}

# Runs in the background while the guest boots: waits for E2E-READY on
# the console, runs the inbound checks, releases the guest.
host_side() {
	local token=$1 i=0
	while ! grep -q '^E2E-READY' "$E2E_WORK/console.log" 2>/dev/null; do
		if [ $i -ge $((HOST_READY_WAIT_S * 10)) ]; then
			e2e_log "the guest never printed E2E-READY"
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	check_fwd_tcp fwd_tcp4 127.0.0.1 $FWD_WEB "$token"
	check_fwd_tcp fwd_tcp_remap4 127.0.0.1 $FWD_REMAP_HOST "$token"
	check_fwd_udp fwd_udp4 127.0.0.1
	check_fwd_tcp_bulk fwd_tcp_bulk4 127.0.0.1
	check_fwd_tcp fwd_tcp6 "[::1]" $FWD_WEB "$token"
	check_fwd_tcp fwd_tcp_remap6 "[::1]" $FWD_REMAP_HOST "$token"
	check_fwd_udp fwd_udp6 ::1
	check_fwd_tcp_bulk fwd_tcp_bulk6 "[::1]"
	release_guest
}

report_host_checks() {
	local mode=$1 missing=$2 c verdict failed=0
	for c in $HOST_CHECKS; do
		verdict=$(awk -v c="$c" '$1 == c { $1 = ""; sub(/^ /, ""); print; exit }' \
			"$E2E_WORK/host-results" 2>/dev/null)
		case $verdict in
		ok*) e2e_pass "$mode/$c" ;;
		fail*) e2e_fail "$mode/$c" "${verdict#fail }"; failed=1 ;;
		*) e2e_fail "$mode/$c" "not checked: $missing"; failed=1 ;;
		esac
	done
	return $failed
}

report_bulk_from_guest() {
	local mode=$1 f sent got failed=0
	for f in 4 6; do
		sent=$(tr -d '\r' < "$E2E_WORK/console.log" | awk -v c="bulk$f" \
			'$1 == "E2E-SENT" && $2 == c { print $3; exit }')
		got=$(cat "$E2E_WORK/bulk-$f.sha" 2>/dev/null)
		if [ -z "$sent" ]; then
			e2e_fail "$mode/bulk_from_guest$f" "the guest never sent its bulk data"
			failed=1
		elif [ "$sent" = "$got" ]; then
			e2e_pass "$mode/bulk_from_guest$f"
		else
			e2e_fail "$mode/bulk_from_guest$f" "host received SHA-256 '${got:-nothing}', guest sent $sent"
			failed=1
		fi
	done
	return $failed
}

run_mode() {
	local mode=$1 missing="guest reported no result for this check" ok=0
	local cmdline token host_pid
	e2e_log "==== $mode, backend $VUNET_E2E_BACKEND"
	rm -f "$E2E_WORK/host-results" "$E2E_WORK"/bulk-?.sha
	e2e_start_mode_backend "$mode" $ALL_CHECKS || return
	cmdline=$(guest_cmdline)
	token=$(echo "$cmdline" | sed -n 's/.*e2e_token=\([^ ]*\).*/\1/p')
	: > "$E2E_WORK/console.log"
	host_side "$token" &
	host_pid=$!
	E2E_PIDS="$E2E_PIDS $host_pid"
	e2e_run_guest "$mode" "$cmdline" || missing=$E2E_WHY
	e2e_wait_exit "$host_pid" 30 || kill "$host_pid" 2>/dev/null
	wait "$host_pid" 2>/dev/null
	e2e_forget_pid "$host_pid"
	e2e_stop_backend
	report_host_checks "$mode" "$missing" || ok=1
	e2e_report "$mode" "$missing" $GUEST_CHECKS || ok=1
	report_bulk_from_guest "$mode" || ok=1
	e2e_report_backend_exit "$mode/backend_exit" || ok=1
	[ "$ok" -eq 0 ] || e2e_show_diagnostics "$mode"
}

main() {
	local m
	e2e_begin $(all_cases) -- "$@"
	start_host_services || e2e_skip_all "$E2E_WHY" $(all_cases)
	VUNET_E2E_BACKEND_ARGS="$(backend_args) ${VUNET_E2E_BACKEND_ARGS:-}"
	for m in $MODES; do
		run_mode "$m"
	done
}

main "$@"
