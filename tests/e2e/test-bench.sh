#!/bin/bash
# e2e: the benchmark's load generator still works against vunetd.
#
# Theory of operation: bench/vunet-bench (built in $VUNET_BUILD) starts
# $VUNET_BUILD/vunetd with passt's command line, plays VMM and guest over
# vhost-user, and runs each scenario for about two seconds (a short warm-up
# and one one-second run).  A case passes when the generator exits 0, its
# RESULT line shows data moved (Gbit/s or transactions/s above zero) and
# the back-end exited by itself once the front-end left.  No speed is
# asserted: this machine's load varies too much, and speed is what
# "make bench" reports.  Traffic goes to 127.0.0.1 only.
#   PASS e2e/test-bench/<scenario>[_mtu1500|_4flows]
# Cases are skipped with the reason when the programs are not built.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${VUNET_BUILD:-$here/../../build}
gen=$build/bench/vunet-bench
vunetd=$build/vunetd
cases=(
	"tcp_stream_g2h 65520 1" "tcp_stream_h2g 65520 1" "udp_stream 65520 1"
	"tcp_rr 65520 1" "tcp_crr 65520 1" "udp_rr 65520 1"
	"tcp_stream_g2h 1500 1" "tcp_stream_h2g 1500 4" "loopback 65520 1"
)

case_name() {
	local n=$1
	[ "$2" = 65520 ] || n=${n}_mtu$2
	[ "$3" = 1 ] || n=${n}_${3}flows
	echo "$n"
}

# check NAME MTU FLOWS: one case, one result line.
check() {
	local name=$1 mtu=$2 flows=$3 id out rc v args
	id=e2e/test-bench/$(case_name "$@")
	args=("$name" --mtu "$mtu" --flows "$flows" --warmup 0.5 --duration 1 --runs 1)
	[ "$name" = loopback ] || args+=(--backend "$vunetd")
	out=$(timeout 60 "$gen" "${args[@]}" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/    /' >&2
	if [ "$rc" -ne 0 ]; then
		echo "FAIL $id: vunet-bench exited $rc: $(echo "$out" | grep -v '^  run' | tail -n 1)"
		return
	fi
	if echo "$out" | grep -q "did not exit"; then
		echo "FAIL $id: vunetd did not exit after the front-end left"
		return
	fi
	v=$(echo "$out" | sed -n 's/^RESULT.* \(gbps\|tps\)=\([0-9.]*\).*/\2/p')
	if [ -z "$v" ] || ! awk -v v="$v" 'BEGIN { exit !(v > 0) }'; then
		echo "FAIL $id: no data moved ($(echo "$out" | grep '^RESULT'))"
		return
	fi
	echo "PASS $id"
}

for c in "${cases[@]}"; do
	read -r name mtu flows <<<"$c"
	if [ ! -x "$gen" ] || [ ! -x "$vunetd" ]; then
		echo "SKIP e2e/test-bench/$(case_name "$name" "$mtu" "$flows"): $gen or $vunetd not built"
		continue
	fi
	check "$name" "$mtu" "$flows"
done
exit 0
