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

supervise_serve() {
	mkdir -p /www
	echo "$SUPERVISE_PAGE" > /www/index.html
	if httpd -p 80 -h /www; then
		echo "E2E-SERVING"
	else
		e2e_result serve fail "busybox httpd did not start"
	fi
}

e2e_check_lease
supervise_serve
e2e_stay
