# shellcheck shell=dash
# Guest half of the demo (examples/demo.sh): runs inside the demo VM.
#
# Theory of operation: examples/demo.sh adds this file to the e2e test
# guest's initramfs as /tests/demo.sh (with the ACPI power button driver
# and evdev as /demo/*.ko) and names it on the kernel command line
# (e2e_test=demo); the e2e /init sources it once eth0 is up.  It shows,
# on the serial console, what the host then reports to the user:
#   DEMO-LEASE ip=A/MASK router=R mtu=M   the DHCP lease vunetd handed out
#   DEMO-FETCHED <first line of the page> the host's web server, reached
#                                         through the gateway address
#   DEMO-SERVING                          busybox httpd listens on port 80
#   DEMO-POWEROFF                         the ACPI power button was pressed
#   DEMO-<STEP>-FAILED <why>              that step failed (the host says so)
#   DEMO-BUTTON <event device>            the power button being watched
# (busybox 1.35's static wget crashes with -T: timeout(1) bounds it.)
# The host's web server port comes as e2e_hostport=P.  After serving,
# the guest waits (at most STAY_S seconds) for the power button, which
# "vunet shutdown" presses through QMP, and then powers off cleanly.
# Every wait here is bounded; when the stay ends without a press, /init
# resets the machine, which ends QEMU.

DEMO_STAY_S=300

demo_lease() {
	local ip router mtu mask
	timeout 30 udhcpc -i eth0 -f -q -n -t 5 -T 2 -O mtu -s /etc/udhcpc.sh \
		>/dev/null 2>&1
	ip=$(sed -n 's/^ip=//p' /tmp/lease 2>/dev/null)
	mask=$(sed -n 's/^mask=//p' /tmp/lease 2>/dev/null)
	router=$(sed -n 's/^router=//p' /tmp/lease 2>/dev/null)
	mtu=$(sed -n 's/^mtu=//p' /tmp/lease 2>/dev/null)
	if [ -z "$ip" ]; then
		echo "DEMO-LEASE-FAILED no DHCP lease within 30 s"
		return 1
	fi
	echo "DEMO-LEASE ip=$ip/$mask router=${router%% *} mtu=$mtu"
}

demo_fetch_from_host() {
	local router port
	router=$(sed -n 's/^router=//p' /tmp/lease)
	router=${router%% *}
	port=$(e2e_arg hostport) || port=80
	local try=0 err
	while [ $try -lt 3 ]; do
		if err=$(timeout 15 wget -q -O /tmp/host-page "http://$router:$port/" 2>&1); then
			echo "DEMO-FETCHED $(head -n 1 /tmp/host-page)"
			return 0
		fi
		try=$((try + 1))
		sleep 1
	done
	echo "DEMO-FETCHED-FAILED http://$router:$port/: $err"
}

demo_serve() {
	local ip
	ip=$(sed -n 's/^ip=//p' /tmp/lease)
	mkdir -p /www
	echo "Hello from the vunet demo guest ($ip, kernel $(uname -r)), answering on its port 80" \
		> /www/index.html
	if httpd -p 80 -h /www; then
		echo "DEMO-SERVING"
	else
		echo "DEMO-SERVING-FAILED httpd did not start"
	fi
}

# Starts one reader per "Power Button" input device; a reader that gets
# an event (a press) writes to /tmp/pressed.
demo_watch_power_button() {
	local dev name i=0
	# evdev gives the button its /dev/input/event* node.
	insmod /demo/evdev.ko || echo "DEMO-BUTTON-FAILED insmod evdev.ko"
	insmod /demo/button.ko || echo "DEMO-BUTTON-FAILED insmod button.ko"
	# The driver registers its input devices shortly after insmod.
	while ! grep -qs "Power Button" /sys/class/input/event*/device/name &&
		[ $i -lt 30 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	for dev in /sys/class/input/event*; do
		[ -e "$dev" ] || continue
		name=$(cat "$dev/device/name" 2>/dev/null)
		case $name in
		*"Power Button"*)
			echo "DEMO-BUTTON ${dev##*/}"
			head -c 1 "/dev/input/${dev##*/}" > /tmp/pressed 2>/dev/null &
			;;
		esac
	done
}

demo_wait_for_power_off() {
	local i=0
	while [ $i -lt $((DEMO_STAY_S * 2)) ]; do
		if [ -s /tmp/pressed ]; then
			echo "DEMO-POWEROFF"
			sync
			poweroff -f
		fi
		sleep 0.5
		i=$((i + 1))
	done
}

# The button is watched first: the host may shut down as soon as it sees
# DEMO-SERVING.
demo_watch_power_button
if demo_lease; then
	demo_fetch_from_host
	demo_serve
fi
demo_wait_for_power_off
