# Guest half of tests/e2e/test-data.sh: TCP and UDP through the backend.
#
# Sourced by /init (which provides e2e_arg and e2e_result) once eth0 is up.
# Two phases, so the host and the guest never test at the same time (a
# TCG guest is slow enough without competing with itself):
#  1. inbound: get the addresses (DHCP, SLAAC), start the services the
#     host reaches through forwarded ports (busybox httpd on e2e_web1 and
#     e2e_web2 serving /www/id = e2e_token and /www/big, 16 MiB whose
#     SHA-256 it prints as "E2E-SHA www_big SHA", e2e-net udp-echo on e2e_udpfwd,
#     all on IPv4 and IPv6), print E2E-READY, then wait (bounded) until the
#     host connects to e2e_doneport to say it has finished its checks;
#  2. outbound, over IPv4 (gateway e2e_gw4) then IPv6 (e2e_gw6), each a
#     check with an E2E-RESULT line, suffixed 4 or 6:
#       http_download   wget of /file from the host's httpd (e2e_http)
#                       has the SHA-256 the host computed (e2e_http_sha)
#       tcp_refused     a connect to a closed host port (e2e_closed) is
#                       refused within E2E_REFUSED_MAX_MS
#       udp_request     a datagram to the host's UDP echo (e2e_udp) comes
#                       back unchanged
#       dns_forward     nslookup of e2e_dns_name through the --dns-forward
#                       address (e2e_dnsfwd4/6) gives e2e_dns_addr4/6
#       tcp_200_conns   200 simultaneous connections to the host's echo
#                       service (e2e_echo) all complete
#       bulk_to_guest   16 MiB received over one connection (e2e_bulk)
#                       while 16 MiB are sent on it: the received SHA-256
#                       matches the host's file (e2e_bulk_sha); the sent
#                       data's SHA-256 is printed as "E2E-SENT bulkN SHA"
#                       for the host to compare with what it received.
# Every wait is bounded (timeouts below, or e2e-net's own limits).

E2E_REFUSED_MAX_MS=1000
E2E_BULK_MIB=16

usable_ipv6_address() {
	ip -6 addr show dev eth0 scope global 2>/dev/null |
		grep -v -e tentative -e dadfailed |
		sed -n 's/.*inet6 \([0-9a-f:]*\)\/.*/\1/p' | head -n 1
}

bring_up_network() {
	local i=0
	timeout 30 udhcpc -i eth0 -f -q -n -t 5 -T 2 -O mtu -s /etc/udhcpc.sh
	while [ -z "$(usable_ipv6_address)" ] && [ $i -lt 40 ]; do
		sleep 0.5
		i=$((i + 1))
	done
	# Inbound IPv6 goes to the address the backend last saw the guest
	# use (as passt does): the SLAAC address, not the host's, so the
	# guest shows it once before the host connects.
	ping6 -c 1 -w 5 "$(e2e_arg gw6)" >/dev/null
	ip addr show dev eth0
	ip route
	ip -6 route
}

start_services() {
	mkdir -p /www
	e2e_arg token > /www/id
	# For the host's download through the forwarded port (fwd_tcp_bulk).
	dd if=/dev/urandom of=/www/big bs=1M count=$E2E_BULK_MIB 2>/dev/null
	echo "E2E-SHA www_big $(sha256sum /www/big | cut -d' ' -f1)"
	httpd -p "$(e2e_arg web1)" -h /www
	httpd -p "$(e2e_arg web2)" -h /www
	local i=0
	e2e-net udp-echo "$(e2e_arg udpfwd)" 170 > /tmp/udp-echo.log &
	# READY must not come before the echo service has its sockets.
	while ! grep -q listening /tmp/udp-echo.log 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	timeout 170 nc -l -p "$(e2e_arg doneport)" > /tmp/host-done &
	done_listener=$!
}

wait_for_host() {
	local i=0
	echo "E2E-READY"
	# The host's inbound checks take a few seconds; give up after 150 s.
	while kill -0 "$done_listener" 2>/dev/null && [ $i -lt 1500 ] &&
		! grep -q "done" /tmp/host-done 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	kill "$done_listener" 2>/dev/null
	echo "e2e-data: host said: $(cat /tmp/host-done 2>/dev/null)"
}

sha_of() {
	sha256sum "$1" | cut -d' ' -f1
}

check_http_download() {
	# check_http_download CASE URL_HOST
	local got
	rm -f /tmp/download
	if ! timeout 60 wget -q -O /tmp/download "http://$2:$(e2e_arg http)/file"; then
		e2e_result "$1" fail "wget http://$2:$(e2e_arg http)/file failed"
		return
	fi
	got=$(sha_of /tmp/download)
	if [ "$got" = "$(e2e_arg http_sha)" ]; then
		e2e_result "$1" ok "$(wc -c < /tmp/download) bytes, SHA-256 matches"
	else
		e2e_result "$1" fail "SHA-256 $got, host has $(e2e_arg http_sha)"
	fi
}

check_refused() {
	# check_refused CASE GATEWAY
	local out ms
	out=$(e2e-net tcp-connect "$2" "$(e2e_arg closed)" 10)
	ms=$(echo "$out" | sed -n 's/.* after \([0-9]*\) ms/\1/p')
	case $out in
	"Connection refused after "*)
		if [ "${ms:-99999}" -le $E2E_REFUSED_MAX_MS ]; then
			e2e_result "$1" ok "$out"
		else
			e2e_result "$1" fail "$out (limit $E2E_REFUSED_MAX_MS ms)"
		fi
		;;
	*) e2e_result "$1" fail "connect to closed port $(e2e_arg closed): $out" ;;
	esac
}

check_udp_request() {
	local want="datagram-from-guest-$1" got
	got=$(e2e-net udp-ask "$2" "$(e2e_arg udp)" "$want")
	if [ "$got" = "$want" ]; then
		e2e_result "$1" ok "echoed by $2 port $(e2e_arg udp)"
	else
		e2e_result "$1" fail "sent '$want', got '$got'"
	fi
}

check_dns() {
	# check_dns CASE SERVER WANT
	local out
	out=$(timeout 20 nslookup "$(e2e_arg dns_name)" "$2" 2>&1)
	echo "$out"
	case $out in
	*"Address: $3"*) e2e_result "$1" ok "$(e2e_arg dns_name) is $3 via $2" ;;
	*) e2e_result "$1" fail "no $3 for $(e2e_arg dns_name) via $2: $(echo "$out" | tail -n 2 | tr '\n' ' ')" ;;
	esac
}

check_many() {
	local out
	out=$(e2e-net tcp-many "$2" "$(e2e_arg echo)" 200 60)
	if [ $? -eq 0 ]; then
		e2e_result "$1" ok "$out"
	else
		e2e_result "$1" fail "$out"
	fi
}

check_bulk() {
	# check_bulk FAMILY GATEWAY
	local out got
	[ -f /tmp/send ] ||
		dd if=/dev/urandom of=/tmp/send bs=1M count=$E2E_BULK_MIB 2>/dev/null
	echo "E2E-SENT bulk$1 $(sha_of /tmp/send)"
	rm -f /tmp/recv
	out=$(e2e-net tcp-bulk "$2" "$(e2e_arg bulk)" /tmp/send /tmp/recv 90)
	echo "e2e-data: bulk$1: $out"
	got=$(sha_of /tmp/recv)
	if [ "$got" = "$(e2e_arg bulk_sha)" ]; then
		e2e_result "bulk_to_guest$1" ok "$out; SHA-256 matches"
	else
		e2e_result "bulk_to_guest$1" fail "$out; SHA-256 $got, host sent $(e2e_arg bulk_sha)"
	fi
	rm -f /tmp/recv
}

check_family() {
	# check_family 4|6 GATEWAY DNS_FORWARD_ADDRESS WANTED_DNS_ANSWER
	local url_host=$2
	[ "$1" = 6 ] && url_host="[$2]"
	check_http_download "http_download$1" "$url_host"
	check_refused "tcp_refused$1" "$2"
	check_udp_request "udp_request$1" "$2"
	check_dns "dns_forward$1" "$3" "$4"
	check_many "tcp_200_conns$1" "$2"
	check_bulk "$1" "$2"
}

bring_up_network
start_services
wait_for_host
check_family 4 "$(e2e_arg gw4)" "$(e2e_arg dnsfwd4)" "$(e2e_arg dns_addr4)"
check_family 6 "$(e2e_arg gw6)" "$(e2e_arg dnsfwd6)" "$(e2e_arg dns_addr6)"
