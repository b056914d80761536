# Guest half of tests/e2e/test-launcher.sh: a guest started by "vunet start".
#
# Sourced by /init once eth0 is up.  Reports one check, dhcp_lease: the
# backend vunet started gives this guest a DHCPv4 lease with the address
# the host expects (e2e_addr4).  Then, when e2e_stay=S is given, the guest
# stays up for at most S seconds (capped at 300) so the host can list,
# shut down or destroy it; otherwise /init resets the machine at once,
# which ends QEMU (the domain runs with <on_reboot>destroy</on_reboot>).

launcher_lease() {
	local addr
	timeout 30 udhcpc -i eth0 -f -q -n -t 5 -T 2 -O mtu -s /etc/udhcpc.sh >/dev/null 2>&1
	addr=$(sed -n 's/^ip=//p' /tmp/lease 2>/dev/null)
	if [ -n "$addr" ] && [ "$addr" = "$(e2e_arg addr4)" ]; then
		e2e_result dhcp_lease ok "address $addr"
	else
		e2e_result dhcp_lease fail "address '$addr', expected '$(e2e_arg addr4)'"
	fi
}

launcher_stay() {
	local stay i=0
	stay=$(e2e_arg stay) || return 0
	[ "$stay" -gt 300 ] 2>/dev/null && stay=300
	echo "E2E-STAYING $stay"
	while [ $i -lt "$stay" ]; do
		sleep 1
		i=$((i + 1))
	done
}

launcher_lease
launcher_stay
