# Guest half of tests/e2e/test-supervise.sh: a guest whose backend the
# host kills while it runs.
#
# Sourced by /init once eth0 is up.  Reports dhcp_lease (the lease has
# the address the host expects, e2e_addr4), then serves a page with
# busybox httpd on port 80, which the host fetches through the
# interface's forwarded port before and after it kills the backend: the
# host measures when networking is back, the guest does nothing special.
# Then the guest stays up for at most e2e_stay seconds (capped at 300),
# until the host kills QEMU or shuts the domain down.

SUPERVISE_PAGE=e2e-supervise-page

supervise_lease() {
	local addr
	timeout 30 udhcpc -i eth0 -f -q -n -t 5 -T 2 -O mtu -s /etc/udhcpc.sh >/dev/null 2>&1
	addr=$(sed -n 's/^ip=//p' /tmp/lease 2>/dev/null)
	if [ -n "$addr" ] && [ "$addr" = "$(e2e_arg addr4)" ]; then
		e2e_result dhcp_lease ok "address $addr"
	else
		e2e_result dhcp_lease fail "address '$addr', expected '$(e2e_arg addr4)'"
	fi
}

supervise_serve() {
	mkdir -p /www
	echo "$SUPERVISE_PAGE" > /www/index.html
	if httpd -p 80 -h /www; then
		echo "E2E-SERVING"
	else
		e2e_result serve fail "busybox httpd did not start"
	fi
}

supervise_stay() {
	local stay i=0
	stay=$(e2e_arg stay) || return 0
	[ "$stay" -gt 300 ] 2>/dev/null && stay=300
	while [ $i -lt "$stay" ]; do
		sleep 1
		i=$((i + 1))
	done
}

supervise_lease
supervise_serve
supervise_stay
