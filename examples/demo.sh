#!/bin/bash
# The demo behind "make demo": a VM with vunet networking, shown working.
#
# Theory of operation.  make has installed the packages and built
# build/vunet and build/vunetd (VUNET_BUILD overrides the directory).
# This script then, with every step printed as one short line:
#   1. builds the guest on the spot: tests/e2e/build-guest.sh makes a
#      Debian kernel + busybox initramfs from installed packages; a second
#      cpio archive appended to it adds examples/guest/demo.sh (the guest's
#      part, see there) and the ACPI power button and evdev drivers;
#   2. starts a tiny web server (busybox httpd) on the host's 127.0.0.1;
#   3. starts examples/demo.xml through "vunet start" as an ordinary user:
#      the invoking user, or, run as root, the system user vunet-demo
#      (created once, no login; setpriv switches to it).  Kernel, initrd,
#      the forwarded port, the serial console (to a file) and the kernel
#      command line are filled into a copy of demo.xml;
#   4. reports from the guest's console: its DHCP lease, and the host's
#      page it fetched through the gateway address (which vunetd maps to
#      the host's loopback);
#   5. fetches http://127.0.0.1:PORT/ on the host: the <portForward> to
#      the guest's port 80, where busybox httpd answers;
#   6. "vunet shutdown": the guest sees the ACPI power button and powers
#      off; then checks that nothing is left running.
# Everything lives in one private work directory under /var/tmp (binaries
# copied there too, so the demo user can run them wherever the repository
# is).  Host ports are free ones picked at random.  Every wait is bounded;
# the EXIT trap destroys the domain, stops the web server and removes the
# work directory, whatever happened.  Traffic goes only to 127.0.0.1 and
# to the guest.  Exit status 0 when every step worked.
set -u
cd "$(dirname "$0")/.." || exit 1
REPO=$(pwd)
BUILD=${VUNET_BUILD:-$REPO/build}
DEMO_USER=vunet-demo
DOMAIN=vunet-demo
QEMU=qemu-system-x86_64
# Seconds: a TCG guest boots in about 5 s; a sanitizer build is slower.
GUEST_WAIT_S=120
SHUTDOWN_TIMEOUT_S=30
VUNET_TIMEOUT_S=120

WORK=
HTTPD_PID=
STARTED=0
FAILED=0
RUN_AS=()
LINE=

step() { echo "==> $*"; }
ok() { echo "    ok: $*"; }
bad() {
	echo "    FAILED: $*"
	FAILED=1
}
die() {
	bad "$*"
	exit 1
}

# as_user CMD...: runs CMD as the demo's unprivileged user.
as_user() {
	"${RUN_AS[@]}" "$@"
}

# The domain log (NAME.log) goes to $WORK/log: the demo user may have no
# home directory for the default ~/.cache/vunet/log.
vunet() {
	as_user timeout -k 5 "$VUNET_TIMEOUT_S" "$WORK/bin/vunet" "$1" \
		--state-dir "$WORK/state" "${@:2}" </dev/null
}

# Runs from the EXIT trap.
# shellcheck disable=SC2317
cleanup() {
	local _
	if [ "$STARTED" = 1 ]; then
		vunet destroy "$DOMAIN" >/dev/null 2>&1
	fi
	if [ -n "$HTTPD_PID" ]; then
		kill "$HTTPD_PID" 2>/dev/null
		for _ in $(seq 30); do
			kill -0 "$HTTPD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$HTTPD_PID" 2>/dev/null
	fi
	if [ -n "$WORK" ] && [ -d "$WORK" ]; then
		if [ -n "${VUNET_DEMO_KEEP:-}" ]; then
			echo "(keeping $WORK)"
		else
			rm -rf "$WORK"
		fi
	fi
}

check_tools() {
	local tool
	for tool in "$QEMU" busybox setpriv timeout cpio gzip modprobe ss; do
		command -v "$tool" >/dev/null ||
			die "$tool is missing (make demo installs it: scripts/install-deps all)"
	done
	if [ ! -x "$BUILD/vunet" ] || [ ! -x "$BUILD/vunetd" ]; then
		die "no $BUILD/vunet or $BUILD/vunetd (run: make demo)"
	fi
}

# The unprivileged user the domain runs as.
choose_user() {
	if [ "$(id -u)" -ne 0 ]; then
		RUN_AS=(env)
		ok "running the domain as $(id -un)"
		return
	fi
	if ! getent passwd "$DEMO_USER" >/dev/null; then
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin --user-group "$DEMO_USER" ||
			getent passwd "$DEMO_USER" >/dev/null ||
			die "cannot create the user $DEMO_USER"
		ok "created the system user $DEMO_USER (no login)"
	fi
	RUN_AS=(setpriv --reuid="$DEMO_USER" --regid="$DEMO_USER" --clear-groups
		--inh-caps=-all -- env HOME=/nonexistent)
	ok "root: running the domain as the unprivileged user $DEMO_USER"
}

make_work_dir() {
	WORK=$(mktemp -d /var/tmp/vunet-demo.XXXXXX) || die "cannot create a work directory"
	chmod 755 "$WORK"
	mkdir -p "$WORK/bin" "$WORK/state" "$WORK/console" "$WORK/www" \
		"$WORK/overlay/tests" "$WORK/overlay/demo"
	# vunet wants its state directory private to the user it runs as.
	chmod 700 "$WORK/state"
	mkdir -m 700 "$WORK/log"
	cp "$BUILD/vunet" "$BUILD/vunetd" "$WORK/bin/"
	chmod 755 "$WORK/bin/vunet" "$WORK/bin/vunetd"
	[ "$(id -u)" -ne 0 ] || chown "$DEMO_USER:$DEMO_USER" "$WORK/state" "$WORK/console" "$WORK/log"
}

# Copies the (possibly compressed) module MODULE of kernel VERSION to FILE.
copy_module() {
	local version=$1 module=$2 out=$3 src
	src=$(modprobe --show-depends -S "$version" "$module" 2>/dev/null |
		awk '$1 == "insmod" {f = $2} END {print f}')
	case $src in
	*.ko.xz) xz -dc "$src" > "$out" ;;
	*.ko.zst) zstd -qdc "$src" > "$out" ;;
	*.ko.gz) gzip -dc "$src" > "$out" ;;
	*.ko) cp "$src" "$out" ;;
	*) return 1 ;;
	esac
}

build_guest() {
	local guest version
	guest=$(tests/e2e/build-guest.sh) || die "building the guest failed"
	version=$(basename "$guest")
	version=${version#guest-}
	version=${version%-*}
	cp "$guest/vmlinuz" "$WORK/vmlinuz"
	cp examples/guest/demo.sh "$WORK/overlay/tests/demo.sh"
	copy_module "$version" evdev "$WORK/overlay/demo/evdev.ko" &&
		copy_module "$version" button "$WORK/overlay/demo/button.ko" ||
		echo "    (no evdev/button module for $version: shutdown will stop QEMU after ${SHUTDOWN_TIMEOUT_S}s)"
	# The kernel unpacks concatenated archives in order; the second adds
	# the demo's files to the e2e guest.
	{
		cat "$guest/initramfs.gz"
		(cd "$WORK/overlay" && find . -print0 | sort -z |
			cpio --null -o -H newc --owner=0:0 --quiet | gzip -9)
	} > "$WORK/initrd.img"
	chmod 644 "$WORK/vmlinuz" "$WORK/initrd.img"
	rm -rf "$WORK/overlay"
	ok "kernel $version + busybox initramfs in $WORK"
}

# Prints a TCP port no socket uses, listening or not (a port a client's
# connection holds cannot be bound either).  It is picked at random below
# the kernel's ephemeral range, where connections to elsewhere do not
# take ports, so it stays free until the demo binds it.
free_port() {
	local _ port first=32768 last=60999 lo=10000 hi
	read -r first last < /proc/sys/net/ipv4/ip_local_port_range
	hi=$first
	if [ "$hi" -le $((lo + 1000)) ]; then
		lo=$((last + 1)) # a range that starts low: above it
		hi=65536
	fi
	for _ in $(seq 50); do
		port=$((lo + RANDOM % (hi - lo)))
		if [ -z "$(ss -Hatn "sport = :$port" 2>/dev/null)" ]; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

start_host_server() {
	local port _
	echo "Hello from the host: the page on 127.0.0.1, fetched by the guest through vunetd" \
		> "$WORK/www/index.html"
	chmod 644 "$WORK/www/index.html"
	for _ in 1 2 3; do
		port=$(free_port) || break
		busybox httpd -f -p "127.0.0.1:$port" -h "$WORK/www" &
		HTTPD_PID=$!
		sleep 0.3
		if kill -0 "$HTTPD_PID" 2>/dev/null; then
			HOST_PORT=$port
			ok "busybox httpd on 127.0.0.1:$HOST_PORT (pid $HTTPD_PID)"
			return
		fi
		HTTPD_PID=
	done
	die "could not start busybox httpd on a free port of 127.0.0.1"
}

# demo.xml with this run's paths, port, console file and guest command.
write_domain() {
	local cmdline="console=ttyS0 panic=-1 no_timer_check quiet e2e_test=demo e2e_hostport=$HOST_PORT"
	FORWARD_PORT=$(free_port) || die "no free port for the forward"
	sed -e "s|/var/tmp/vunet-demo/|$WORK/|g" \
		-e "s|start='8080'|start='$FORWARD_PORT'|" \
		-e "s|<cmdline>.*</cmdline>|<cmdline>$cmdline</cmdline>|" \
		-e "s|<serial type='pty'/>|<serial type='file'><source path='$WORK/console/serial.log'/></serial>|" \
		-e "/<console type='pty'\/>/d" \
		examples/demo.xml > "$WORK/demo.xml"
	chmod 644 "$WORK/demo.xml"
}

start_domain() {
	local out
	if ! out=$(vunet start --log-dir "$WORK/log" "$WORK/demo.xml" 2>&1); then
		printf '    %s\n' "$out"
		die "vunet start failed"
	fi
	STARTED=1
	ok "$out (vunetd serves its vhost-user interface; host port $FORWARD_PORT -> guest port 80)"
}

# console_line TAG: sets LINE to the first console line starting with TAG
# (without it), waiting for it at most GUEST_WAIT_S seconds; fails, with
# the reason in LINE, on TAG-FAILED or the timeout.  It runs in this shell
# (not in a command substitution) so a signal's trap runs within 0.2 s.
console_line() {
	local tag=$1 _
	for _ in $(seq $((GUEST_WAIT_S * 5))); do
		LINE=$(tr -d '\r' < "$WORK/console/serial.log" 2>/dev/null |
			grep -m 1 -E "^$tag(-FAILED)?( |\$)")
		case $LINE in
		"$tag-FAILED"*) LINE="guest: ${LINE#"$tag-FAILED "}"; return 1 ;;
		"$tag"*) LINE=${LINE#"$tag"}; return 0 ;;
		esac
		sleep 0.2
	done
	LINE="the guest did not report $tag within ${GUEST_WAIT_S}s"
	return 1
}

show_console_tail() {
	echo "    last lines of the guest's console:"
	tr -d '\r' < "$WORK/console/serial.log" 2>/dev/null | tail -n 15 | sed 's/^/      | /'
	echo "    last lines of the domain's log ($DOMAIN.log: vunet, QEMU, the supervisor):"
	tail -n 15 "$WORK/log/$DOMAIN.log" 2>/dev/null | sed 's/^/      | /'
}

fetch_from_guest() {
	local _ page
	for _ in $(seq 10); do
		page=$(timeout 6 busybox wget -q -O - "http://127.0.0.1:$FORWARD_PORT/" 2>/dev/null) &&
			break
		page=
		sleep 1
	done
	if [ -n "$page" ]; then
		ok "http://127.0.0.1:$FORWARD_PORT/ answered: $page"
	else
		bad "no answer from http://127.0.0.1:$FORWARD_PORT/"
	fi
}

shutdown_domain() {
	local out
	out=$(vunet shutdown --timeout "$SHUTDOWN_TIMEOUT_S" "$DOMAIN" 2>&1) ||
		{ bad "vunet shutdown: $out"; return; }
	STARTED=0
	if tr -d '\r' < "$WORK/console/serial.log" | grep -q '^DEMO-POWEROFF'; then
		ok "$out: the guest saw the ACPI power button and powered off"
	else
		bad "$out, but the guest did not power off by itself (QEMU was stopped)"
	fi
}

check_nothing_left() {
	local left
	left=$(pgrep -f -- "$WORK/(bin|state|vmlinuz)" 2>/dev/null | tr '\n' ' ')
	[ -z "$left" ] || { bad "processes still running: $left"; return; }
	left=$(cd "$WORK/state" && find . -mindepth 1 ! -name ids ! -name passt |
		tr '\n' ' ')
	[ -z "$left" ] || { bad "state left behind: $left"; return; }
	ok "QEMU and vunetd are gone, no sockets or state left"
}

main() {
	trap cleanup EXIT
	trap 'echo "interrupted: stopping the domain and cleaning up"; exit 130' INT TERM HUP
	echo "vunet demo: a QEMU guest networked by vunetd, started by vunet as an ordinary user"
	step "Checking tools and choosing the user"
	check_tools
	choose_user
	make_work_dir
	step "Building the guest (Debian kernel + busybox initramfs, from installed packages)"
	build_guest
	step "Starting a web server on the host's loopback"
	start_host_server
	step "Starting the domain: vunet start (demo.xml)"
	write_domain
	start_domain
	step "The guest asks for an address over DHCP"
	if console_line DEMO-LEASE; then
		ok "the guest got$LINE"
	else
		bad "$LINE"
		show_console_tail
		exit 1
	fi
	step "The guest fetches the host's page through the gateway address"
	if console_line DEMO-FETCHED; then
		ok "the guest read:$LINE"
	else
		bad "$LINE"
	fi
	step "The host fetches the guest's page through the forwarded port"
	if console_line DEMO-SERVING; then
		fetch_from_guest
	else
		bad "$LINE"
	fi
	step "vunet list"
	vunet list 2>&1 | sed 's/^/    /'
	step "Shutting down: vunet shutdown $DOMAIN"
	shutdown_domain
	check_nothing_left
	echo
	if [ "$FAILED" = 0 ]; then
		echo "DEMO OK: an unprivileged QEMU guest got its address by DHCP from vunetd," \
			"reached the host's 127.0.0.1 through its gateway, was reached on a" \
			"forwarded host port, and shut down cleanly."
		exit 0
	fi
	show_console_tail
	echo "DEMO FAILED: see the FAILED lines above."
	exit 1
}

main "$@"
