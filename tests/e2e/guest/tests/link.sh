# Guest half of tests/e2e/test-link.sh: link-level configuration.
#
# Sourced by /init (which provides e2e_arg and e2e_result) once eth0 is up.
# Checks what a user of the guest would see right after boot: a DHCPv4
# lease with the address, prefix, gateway, MTU and DNS server the host
# expects (the host passes those in as e2e_addr4, e2e_prefix4, e2e_gw4,
# e2e_mtu, e2e_dns4), an IPv6 address from the router advertisement in
# the expected /64 (e2e_prefix6, e.g. 2001:db8::), and echo replies from
# the gateway over IPv4 and IPv6 (e2e_gw6).  Each check prints one
# E2E-RESULT line; a failed check does not stop the later ones, so one run
# shows everything that is wrong.  All waits are bounded.

lease_value() {
	sed -n "s/^$1=//p" /tmp/lease 2>/dev/null
}

expect_equal() {
	# expect_equal CASE WHAT GOT WANT
	if [ "$3" = "$4" ]; then
		e2e_result "$1" ok "$2 $3"
	else
		e2e_result "$1" fail "$2 is '$3', expected '$4'"
	fi
}

get_dhcp_lease() {
	# 5 discovers, 2 s apart: under TCG the first one can go out before
	# the backend has seen the queue start.  The outer timeout covers a
	# client stuck on a broken transmit queue.
	if timeout 30 udhcpc -i eth0 -f -q -n -t 5 -T 2 -O mtu -s /etc/udhcpc.sh; then
		ip -4 addr show dev eth0
		ip -4 route
		cat /tmp/lease
	fi
}

check_dhcp() {
	local got_mtu
	get_dhcp_lease
	if [ ! -s /tmp/lease ]; then
		e2e_result dhcp_lease fail "no DHCP lease obtained"
		e2e_result dhcp_mtu fail "no DHCP lease obtained"
		e2e_result dhcp_dns fail "no DHCP lease obtained"
		return
	fi
	expect_equal dhcp_lease "address/prefix via gateway" \
		"$(lease_value ip)/$(lease_value mask) via $(lease_value router)" \
		"$(e2e_arg addr4)/$(e2e_arg prefix4) via $(e2e_arg gw4)"
	got_mtu=$(cat /sys/class/net/eth0/mtu)
	expect_equal dhcp_mtu "lease MTU/eth0 MTU" \
		"$(lease_value mtu)/$got_mtu" "$(e2e_arg mtu)/$(e2e_arg mtu)"
	case " $(lease_value dns) " in
	*" $(e2e_arg dns4) "*) e2e_result dhcp_dns ok "DNS $(lease_value dns)" ;;
	*) e2e_result dhcp_dns fail "DNS is '$(lease_value dns)', expected '$(e2e_arg dns4)'" ;;
	esac
}

# Prints the first global address that passed duplicate address detection
# (a tentative address is not usable yet; a "dadfailed" one never will be,
# which is what a backend answering for the guest's own address causes).
usable_ipv6_address() {
	ip -6 addr show dev eth0 scope global 2>/dev/null |
		grep -v -e tentative -e dadfailed |
		sed -n 's/.*inet6 \([0-9a-f:]*\)\/\([0-9]*\).*/\1\/\2/p' | head -n 1
}

check_slaac() {
	local i=0 addr want
	want=$(e2e_arg prefix6)
	# Router solicitation, advertisement and duplicate address detection
	# take a few seconds under TCG; give up after 20 s.
	addr=$(usable_ipv6_address)
	while [ -z "$addr" ] && [ $i -lt 40 ]; do
		sleep 0.5
		i=$((i + 1))
		addr=$(usable_ipv6_address)
	done
	ip -6 addr show dev eth0
	ip -6 route
	case $addr in
	"")
		e2e_result slaac_address fail "no usable global IPv6 address after 20 s"
		;;
	"$want"*/64)
		e2e_result slaac_address ok "$addr"
		;;
	*)
		e2e_result slaac_address fail "address '$addr' is not in $want/64"
		;;
	esac
}

# Echo requests sent by check_ping; every one must be answered, since
# nothing on this virtual link should lose a packet.
PING_COUNT=3

check_ping() {
	# check_ping CASE PROGRAM ADDRESS
	local out received
	if [ -z "$3" ]; then
		e2e_result "$1" fail "no address to ping"
		return
	fi
	out=$(timeout 20 "$2" -c $PING_COUNT -w 10 "$3" 2>&1)
	echo "$out"
	received=$(echo "$out" | sed -n 's/.* \([0-9]*\) packets received.*/\1/p')
	if [ "${received:-0}" -eq $PING_COUNT ]; then
		e2e_result "$1" ok "$3 answered $PING_COUNT of $PING_COUNT echo requests"
	else
		e2e_result "$1" fail "$3 answered ${received:-0} of $PING_COUNT echo requests" \
			"($(echo "$out" | grep 'round-trip' || echo 'no round-trip times'))"
	fi
}

check_dhcp
check_slaac
check_ping ping_gateway4 ping "$(e2e_arg gw4)"
check_ping ping_gateway6 ping6 "$(e2e_arg gw6)"
