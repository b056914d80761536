# Helpers the guest halves of the e2e tests (tests/*.sh) share.
#
# build-guest.sh puts this file in the image as /lib/e2e.sh, and /init
# sources it, after defining e2e_arg and e2e_result, just before the test
# script.  Every wait in here is bounded, as in /init.

# The longest a guest stays up for the host (e2e_stay), whatever it asks.
E2E_STAY_MAX_S=300

# e2e_lease DEV: asks for a DHCP lease on DEV (at most 30 s); true when
# it gives the address the host expects (e2e_addr4).  The address leased,
# if any, is left in E2E_LEASED.
e2e_lease() {
	rm -f /tmp/lease
	timeout 30 udhcpc -i "$1" -f -q -n -t 5 -T 2 -O mtu -s /etc/udhcpc.sh >/dev/null 2>&1
	E2E_LEASED=$(sed -n 's/^ip=//p' /tmp/lease 2>/dev/null)
	[ -n "$E2E_LEASED" ] && [ "$E2E_LEASED" = "$(e2e_arg addr4)" ]
}

# e2e_check_lease: the dhcp_lease check: eth0 leases the expected address.
e2e_check_lease() {
	if e2e_lease eth0; then
		e2e_result dhcp_lease ok "address $E2E_LEASED"
	else
		e2e_result dhcp_lease fail "address '$E2E_LEASED', expected '$(e2e_arg addr4)'"
	fi
}

# e2e_stay: stays up for e2e_stay seconds (at most E2E_STAY_MAX_S) so the
# host can work with the running guest; returns at once without e2e_stay.
e2e_stay() {
	local stay i=0
	stay=$(e2e_arg stay) || return 0
	[ "$stay" -gt "$E2E_STAY_MAX_S" ] 2>/dev/null && stay=$E2E_STAY_MAX_S
	echo "E2E-STAYING $stay"
	while [ $i -lt "$stay" ]; do
		sleep 1
		i=$((i + 1))
	done
}
