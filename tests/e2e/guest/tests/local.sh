# Guest half of tests/e2e/test-local.sh: a guest of an offline host.
#
# Sourced by /init (which provides e2e_arg and e2e_result) once eth0 is up.
# The backend runs in local mode (no route off the host), as passt would:
#   dhcp_lease      DHCP gives 169.254.2.1/16 via 169.254.2.2 (e2e_addr4,
#                   e2e_prefix4, e2e_gw4)
#   ipv6_link_local the router advertisement gives no global address, but
#                   a default route via fe80::1 (e2e_gw6) on eth0
#   http_host4      wget through the gateway reaches the host's httpd on
#                   127.0.0.1 (port e2e_http, body e2e_token)
#   http_host6      ... and through fe80::1 the one on ::1
# Each check prints one E2E-RESULT line; all waits are bounded.

lease_value() {
	sed -n "s/^$1=//p" /tmp/lease 2>/dev/null
}

check_lease() {
	local got want
	timeout 30 udhcpc -i eth0 -f -q -n -t 5 -T 2 -O mtu -s /etc/udhcpc.sh
	ip -4 addr show dev eth0
	ip -4 route
	got="$(lease_value ip)/$(lease_value mask) via $(lease_value router)"
	want="$(e2e_arg addr4)/$(e2e_arg prefix4) via $(e2e_arg gw4)"
	if [ "$got" = "$want" ]; then
		e2e_result dhcp_lease ok "$got"
	else
		e2e_result dhcp_lease fail "lease is '$got', expected '$want'"
	fi
}

# The default route the router advertisement installs, once it came.
ipv6_default_route() {
	ip -6 route show default dev eth0 2>/dev/null | head -n 1
}

check_ipv6() {
	local i=0 global
	# Router solicitations, advertisement: a few seconds under TCG.
	while [ -z "$(ipv6_default_route)" ] && [ $i -lt 40 ]; do
		sleep 0.5
		i=$((i + 1))
	done
	ip -6 addr show dev eth0
	ip -6 route
	global=$(ip -6 addr show dev eth0 scope global | grep inet6)
	case "$(ipv6_default_route)" in
	"default via $(e2e_arg gw6) "*)
		if [ -z "$global" ]; then
			e2e_result ipv6_link_local ok "$(ipv6_default_route)"
		else
			e2e_result ipv6_link_local fail "global address: $global"
		fi
		;;
	*)
		e2e_result ipv6_link_local fail \
			"default route '$(ipv6_default_route)', expected via $(e2e_arg gw6)"
		;;
	esac
}

check_http() {
	# check_http CASE URL
	local got
	got=$(timeout 30 wget -q -O - "$2" 2>&1)
	if [ "$got" = "$(e2e_arg token)" ]; then
		e2e_result "$1" ok "$2 gave the host's token"
	else
		e2e_result "$1" fail "$2 gave '$got', expected '$(e2e_arg token)'"
	fi
}

check_lease
check_ipv6
check_http http_host4 "http://$(e2e_arg gw4):$(e2e_arg http)/id"
check_http http_host6 "http://[$(e2e_arg gw6)%eth0]:$(e2e_arg http)/id"
