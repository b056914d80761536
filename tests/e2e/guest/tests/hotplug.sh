# Guest half of tests/e2e/test-hotplug.sh: NICs plugged in and out live.
#
# Sourced by /init once eth0 is up.  First check (E2E-RESULT line):
#   dhcp_lease   eth0's lease carries the expected address (e2e_addr4)
# Then the guest watches its NICs.  Whenever the set of MAC addresses
# changes (and has stayed the same for a moment), it brings every NIC up,
# asks for a DHCP lease on each, and prints one line:
#   E2E-NICS <seq> <mac>=ok|fail <mac>=ok|fail ...
# A lease is answered by that NIC's own backend, so "ok" means the device
# and its backend still belong together.  The host waits for the line
# listing exactly the NICs it expects after each attach or detach; the
# MACs tell which device went, whatever the kernel named the others.
# The watch is bounded by e2e_stay (at most HOTPLUG_STAY_MAX_S); the host
# destroys the domain when it is done.

HOTPLUG_STAY_MAX_S=300
# A hot-plugged NIC appears in steps (PCI device, then netdev): wait this
# long for the set of MACs to settle before leasing.
HOTPLUG_SETTLE_S=1

# hotplug_lease DEV: "ok" if DEV leases the expected address, else "fail".
hotplug_lease() {
	if e2e_lease "$1"; then
		echo ok
	else
		echo fail
	fi
}

# The NICs as "DEV=MAC ..." in name order.
hotplug_nics() {
	local d
	for d in /sys/class/net/eth*; do
		[ -e "$d/address" ] && printf '%s=%s ' "${d##*/}" "$(cat "$d/address")"
	done
}

hotplug_report() {
	local seq=$1 nic line=""
	for nic in $(hotplug_nics); do
		ip link set "${nic%%=*}" up
		line="$line ${nic#*=}=$(hotplug_lease "${nic%%=*}")"
	done
	echo "E2E-NICS $seq$line"
}

hotplug_watch() {
	local stay start now seen="" current seq=0
	stay=$(e2e_arg stay) || stay=60
	[ "$stay" -gt "$HOTPLUG_STAY_MAX_S" ] 2>/dev/null && stay=$HOTPLUG_STAY_MAX_S
	start=$(cut -d. -f1 /proc/uptime)
	now=$start
	while [ $((now - start)) -lt "$stay" ]; do
		current=$(hotplug_nics)
		if [ "$current" != "$seen" ]; then
			sleep "$HOTPLUG_SETTLE_S"
			if [ "$(hotplug_nics)" = "$current" ]; then
				seq=$((seq + 1))
				hotplug_report "$seq"
				seen=$current
			fi
		fi
		sleep 0.2
		now=$(cut -d. -f1 /proc/uptime)
	done
}

addr=$(hotplug_lease eth0)
if [ "$addr" = ok ]; then
	e2e_result dhcp_lease ok "address $(e2e_arg addr4) on eth0"
else
	e2e_result dhcp_lease fail "no lease of $(e2e_arg addr4) on eth0"
fi
hotplug_watch
