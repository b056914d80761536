# Guest half of tests/e2e/test-hotplug.sh: a NIC plugged in and out live.
#
# Sourced by /init once eth0 is up.  The host attaches a second
# interface after the guest reported its eth0 lease, then detaches it
# after the guest reported the eth1 lease.  Checks (E2E-RESULT lines):
#   dhcp_lease   eth0's lease carries the expected address (e2e_addr4)
#   eth1_lease   the hot-plugged eth1 appears and gets the same lease
#   eth1_gone    eth1 disappears once the host detached it
# Every wait is bounded (HOTPLUG_WAIT_S); after the last check the guest
# stays up at most e2e_stay seconds so the host can inspect and destroy.

HOTPLUG_WAIT_S=120

hotplug_lease() {
	local dev=$1 check=$2 addr
	rm -f /tmp/lease
	timeout 30 udhcpc -i "$dev" -f -q -n -t 5 -T 2 -O mtu -s /etc/udhcpc.sh >/dev/null 2>&1
	addr=$(sed -n 's/^ip=//p' /tmp/lease 2>/dev/null)
	if [ -n "$addr" ] && [ "$addr" = "$(e2e_arg addr4)" ]; then
		e2e_result "$check" ok "address $addr on $dev"
	else
		e2e_result "$check" fail "address '$addr' on $dev, expected '$(e2e_arg addr4)'"
	fi
}

# hotplug_wait_for PRESENT|ABSENT: polls /sys for eth1, up to the limit.
hotplug_wait_for() {
	local want=$1 i=0
	while [ $i -lt $((HOTPLUG_WAIT_S * 10)) ]; do
		if [ -e /sys/class/net/eth1 ]; then
			[ "$want" = present ] && return 0
		else
			[ "$want" = absent ] && return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

hotplug_stay() {
	local stay i=0
	stay=$(e2e_arg stay) || return 0
	[ "$stay" -gt 300 ] 2>/dev/null && stay=300
	while [ $i -lt "$stay" ]; do
		sleep 1
		i=$((i + 1))
	done
}

hotplug_lease eth0 dhcp_lease
echo "E2E-WAITING-ETH1"
if hotplug_wait_for present; then
	ip link set eth1 up
	hotplug_lease eth1 eth1_lease
	if hotplug_wait_for absent; then
		e2e_result eth1_gone ok "eth1 removed"
	else
		e2e_result eth1_gone fail "eth1 still present after $HOTPLUG_WAIT_S s"
	fi
else
	e2e_result eth1_lease fail "no eth1 within $HOTPLUG_WAIT_S s: $(echo /sys/class/net/*)"
	e2e_result eth1_gone fail "eth1 never appeared"
fi
hotplug_stay
