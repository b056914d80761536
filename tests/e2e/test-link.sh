#!/bin/bash
# e2e: what a guest sees of its link right after boot, through the backend.
#
# Theory of operation: for each way QEMU can reach the backend (vhost-user,
# and QEMU's "stream" socket protocol), start the backend under test in
# the test namespace (see lib.sh: host address 192.0.2.10/24 and
# 2001:db8::10/64, gateways .1 and ::1, DNS 192.0.2.53), boot one guest
# against it, and let the guest half (guest/tests/link.sh) check that:
#   dhcp_lease      DHCP gives it the host's address, prefix and gateway
#   dhcp_mtu        the lease carries MTU 65520, and the guest applied it
#   dhcp_dns        the lease names the host's DNS server
#   slaac_address   the router advertisement gives it an address in the
#                   host's /64
#   ping_gateway4   the gateway answers echo requests over IPv4
#   ping_gateway6   ... and over IPv6 (the backend maps the gateway to
#                   the host's loopback)
#   backend_exit    host side: once QEMU has gone, the backend exits by
#                   itself (-1) with status 0 (no crash, no sanitizer report)
# Each check of each mode is one PASS/FAIL line:
#   PASS e2e/test-link/<mode>/<check>
# The backend is $VUNET_BUILD/vunetd, or the reference passt with
# VUNET_E2E_BACKEND=passt.  Run one mode with VUNET_E2E_MODES=stream.
# One guest at a time, each bounded by VUNET_E2E_GUEST_TIMEOUT_S.

# Case and check lists are blank-separated words, split on purpose.
# shellcheck disable=SC2046,SC2086
set -u
. "$(dirname "$0")/lib.sh"

MODES=${VUNET_E2E_MODES:-vhost-user stream}
CHECKS="dhcp_lease dhcp_mtu dhcp_dns slaac_address ping_gateway4 ping_gateway6"

all_cases() {
	e2e_mode_cases "$MODES" $CHECKS backend_exit
}

guest_cmdline() {
	echo "e2e_test=link e2e_addr4=$E2E_ADDR4 e2e_prefix4=$E2E_PREFIX4" \
		"e2e_gw4=$E2E_GW4 e2e_mtu=$E2E_MTU e2e_dns4=$E2E_DNS4" \
		"e2e_prefix6=$E2E_PREFIX6 e2e_gw6=$E2E_GW6"
}


main() {
	local m
	e2e_begin $(all_cases) -- "$@"
	for m in $MODES; do
		e2e_run_mode "$m" guest_cmdline $CHECKS
	done
}

main "$@"
