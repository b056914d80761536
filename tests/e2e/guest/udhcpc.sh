#!/bin/sh
# udhcpc event script of the e2e guest.
#
# udhcpc hands each event ($1: deconfig, bound, renew, leasefail, nak) and
# the lease's options (environment: ip, mask, subnet, router, dns, mtu,
# lease, domain) to this script.  It applies the lease the way a
# distribution's script would, including the MTU option (busybox leaves
# that to the script), and records the raw values in /tmp/lease so that a
# test can compare exactly what the DHCP server sent with what it expects.

case $1 in
deconfig)
	ip -4 addr flush dev "$interface"
	;;
bound|renew)
	ip -4 addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	[ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
	for gw in $router; do
		ip route replace default via "$gw" dev "$interface"
		break
	done
	{
		echo "ip=$ip"
		echo "mask=$mask"
		echo "subnet=$subnet"
		echo "router=$router"
		echo "dns=$dns"
		echo "mtu=$mtu"
		echo "lease=$lease"
	} > /tmp/lease
	;;
esac
exit 0
