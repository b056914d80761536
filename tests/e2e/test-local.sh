#!/bin/bash
# e2e: a guest of an offline host (the backend's local mode, as passt's).
#
# Theory of operation: the test namespace is an offline host (lib.sh's
# e2e_setup_offline_network: only lo, no route off it), where the backend
# finds no template interface and switches to local mode.  busybox httpd
# serves a token on the namespace's 127.0.0.1 and ::1.  For each way QEMU
# can reach the backend (vhost-user, "stream"), one guest boots and its
# half (guest/tests/local.sh) checks:
#   dhcp_lease       its lease is 169.254.2.1/16 via 169.254.2.2
#   ipv6_link_local  no global IPv6 address, a default route via fe80::1
#   http_host4       169.254.2.2 leads to the host's 127.0.0.1 (wget)
#   http_host6       fe80::1 leads to the host's ::1 (wget)
#   backend_exit     host side: the backend exits by itself (-1), status 0
# The backend is $VUNET_BUILD/vunetd, or passt with VUNET_E2E_BACKEND=passt.

# Case and check lists are blank-separated words, split on purpose.
# shellcheck disable=SC2046,SC2086
set -u
. "$(dirname "$0")/lib.sh"

MODES=${VUNET_E2E_MODES:-vhost-user stream}
CHECKS="dhcp_lease ipv6_link_local http_host4 http_host6"
PORT_HTTP=8765
TOKEN=local-$RANDOM$RANDOM

all_cases() {
	e2e_mode_cases "$MODES" $CHECKS backend_exit
}

# busybox httpd on the host's loopback, both families; E2E_WHY if not.
start_httpd() {
	local www=$E2E_WORK/www
	command -v busybox >/dev/null || { E2E_WHY="busybox not installed"; return 1; }
	mkdir -p "$www"
	echo "$TOKEN" > "$www/id"
	busybox httpd -f -p "127.0.0.1:$PORT_HTTP" -h "$www" &
	E2E_PIDS="$E2E_PIDS $!"
	busybox httpd -f -p "[::1]:$PORT_HTTP" -h "$www" &
	E2E_PIDS="$E2E_PIDS $!"
}

guest_cmdline() {
	echo "e2e_test=local e2e_addr4=169.254.2.1 e2e_prefix4=16" \
		"e2e_gw4=169.254.2.2 e2e_gw6=fe80::1 e2e_http=$PORT_HTTP" \
		"e2e_token=$TOKEN"
}


main() {
	local m
	e2e_enter_namespace $(all_cases) -- "$@"
	e2e_make_workdir || e2e_skip_all "cannot create a work directory" $(all_cases)
	e2e_setup_offline_network || e2e_skip_all "cannot set up the test namespace" $(all_cases)
	start_httpd || e2e_skip_all "$E2E_WHY" $(all_cases)
	e2e_prepare_guest || e2e_skip_all "$E2E_WHY" $(all_cases)
	for m in $MODES; do
		e2e_run_mode "$m" guest_cmdline $CHECKS
	done
}

main "$@"
