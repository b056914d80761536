#!/bin/bash
# e2e: "make demo" works: examples/demo.sh, run non-interactively, shows
# every step it promises and leaves nothing behind.
#
# Theory of operation: the demo is the user's first contact with vunet,
# so this test runs the very script make demo runs (with VUNET_BUILD's
# binaries), bounded by DEMO_TIMEOUT_S, and reads its step lines the way
# a person would: each step's "ok:" line is one case.
#   dhcp          the guest got its address over DHCP
#   guest_fetch   the guest read the host's page through the gateway
#   port_forward  the host read the guest's page on the forwarded port
#   shutdown      vunet shutdown: the guest powered off by itself
#   nothing_left  QEMU and vunetd gone, no state; the demo's work
#                 directory removed, its web server stopped
#   demo_ok       the demo's own verdict (exit status 0, "DEMO OK")
# The demo runs on the host's network as the demo does for a user (its
# traffic stays on 127.0.0.1 and the guest).  Its output goes to stderr
# when something failed.  Skipped when the machine lacks QEMU, a kernel
# in /boot or busybox, or the build is missing.
set -u
NAME=test-demo
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VUNET_BUILD=${VUNET_BUILD:-$REPO/build}
DEMO_TIMEOUT_S=400
CASES="dhcp guest_fetch port_forward shutdown nothing_left demo_ok"

pass() { echo "PASS e2e/$NAME/$1"; }
fail() { echo "FAIL e2e/$NAME/$1: $2"; }

skip_all() {
	local c
	for c in $CASES; do
		echo "SKIP e2e/$NAME/$c: $1"
	done
	exit 0
}

missing_prerequisite() {
	local tool
	for tool in qemu-system-x86_64 busybox setpriv timeout cpio gzip modprobe ss; do
		command -v "$tool" >/dev/null || { echo "$tool not installed"; return 0; }
	done
	ls /boot/vmlinuz-* >/dev/null 2>&1 || { echo "no kernel in /boot"; return 0; }
	if [ ! -x "$VUNET_BUILD/vunet" ] || [ ! -x "$VUNET_BUILD/vunetd" ]; then
		echo "no vunet/vunetd in $VUNET_BUILD"
		return 0
	fi
	return 1
}

# expect CASE STEP_PATTERN: the case passes when an "ok:" line matching
# the pattern appears in the demo's output.
expect() {
	local c=$1 pattern=$2
	if grep -qE "^    ok: $pattern" "$LOG"; then
		pass "$c"
	else
		fail "$c" "$(grep -m 1 'FAILED' "$LOG" || echo "no '$pattern' step line")"
	fi
}

main() {
	local why status work
	why=$(missing_prerequisite) && skip_all "$why"
	LOG=$(mktemp)
	trap 'rm -f "$LOG"' EXIT
	VUNET_BUILD=$VUNET_BUILD timeout -k 10 "$DEMO_TIMEOUT_S" \
		"$REPO/examples/demo.sh" > "$LOG" 2>&1 </dev/null
	status=$?
	expect dhcp "the guest got ip="
	expect guest_fetch "the guest read: Hello from the host"
	expect port_forward "http://127.0.0.1:[0-9]+/ answered: Hello from the vunet demo guest"
	expect shutdown ".*the guest saw the ACPI power button and powered off"
	work=$(sed -n 's/.*busybox initramfs in \(\/var\/tmp\/vunet-demo\.[A-Za-z0-9]*\).*/\1/p' "$LOG")
	if ! grep -q "^    ok: QEMU and vunetd are gone" "$LOG"; then
		fail nothing_left "$(grep -m 1 'FAILED' "$LOG" || echo 'no clean-up line')"
	elif [ -z "$work" ] || [ -e "$work" ]; then
		fail nothing_left "work directory '$work' not removed"
	elif pgrep -f -- "$work/" >/dev/null; then
		fail nothing_left "processes of $work still running"
	else
		pass nothing_left
	fi
	if [ "$status" -eq 0 ] && grep -q '^DEMO OK' "$LOG"; then
		pass demo_ok
	else
		fail demo_ok "demo exited with status $status"
	fi
	if [ "$status" -ne 0 ]; then
		echo "e2e/$NAME: demo output:" >&2
		cat "$LOG" >&2
	fi
}

main "$@"
