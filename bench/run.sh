#!/bin/bash
# Side-by-side benchmark of vunetd and passt over vhost-user ("make bench").
#
# Theory of operation: for every scenario, bench/vunet-bench (the vhost-user
# load generator: it is the VMM and the guest, see bench/vunet_bench.c) runs
# once against vunetd and right after against passt, each started fresh with
# passt's command line; each result is the median of RUNS intervals after a
# warm-up.  The host's own loopback TCP (two sockets, no back-end) is
# measured in the same run as the ceiling.  Each table row is one
# vunetd/passt pair from this run, so the ratio compares like with like.
# The generator asks for the offloads a Linux guest asks for; the last
# column says which each back-end granted (checksum offload and TSO change
# the per-byte work a great deal).
#
# passt with vhost-user comes from the shared tools (reference-passt, which
# fetches Debian 13's passt); it is looked up in $VUNET_SHARED, then
# <repo>/../shared.  Without it the table shows vunetd alone and says why.
#
# Environment: VUNET_BUILD (default <repo>/build), VUNET_BENCH_DURATION
# (seconds per run, 2), VUNET_BENCH_RUNS (3), VUNET_BENCH_QUICK=1 (only the
# first four scenarios), VUNET_BENCH_OUT (markdown file, default
# <build>/bench.md).  Prints the markdown table on stdout as well.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
build=${VUNET_BUILD:-$repo/build}
gen=$build/bench/vunet-bench
vunetd=$build/vunetd
duration=${VUNET_BENCH_DURATION:-2}
runs=${VUNET_BENCH_RUNS:-3}
out=${VUNET_BENCH_OUT:-$build/bench.md}

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$gen" ] || die "$gen not built (ninja -C $build)"
[ -x "$vunetd" ] || die "$vunetd not built (ninja -C $build)"

find_passt() {
	local shared tool
	for shared in "${VUNET_SHARED:-}" "$repo/../shared"; do
		tool=$shared/tools/reference-passt
		[ -n "$shared" ] && [ -x "$tool" ] || continue
		"$tool" 2>/dev/null | tail -n 1
		return
	done
}
passt=$(find_passt)
passt_note=""
if [ -z "$passt" ] || ! "$passt" --help 2>&1 | grep -q -- --vhost-user; then
	passt_note="passt with --vhost-user could not be had (reference-passt missing or failed): vunetd alone."
	passt=""
fi

# run_gen SCENARIO BACKEND MTU FLOWS: prints the RESULT line, or nothing.
run_gen() {
	local args=("$1" --mtu "$3" --flows "$4" --duration "$duration" --runs "$runs")
	[ "$2" = none ] || args+=(--backend "$2")
	timeout $((20 + (runs + 1) * ${duration%.*} * 2)) "$gen" "${args[@]}" 2>/dev/null |
		grep '^RESULT' | tail -n 1
}

# field RESULT_LINE NAME: the value of NAME=... in a RESULT line.
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

# fmt RESULT_LINE: the headline figure with its unit.
fmt() {
	local r=$1 v
	[ -n "$r" ] || { echo "failed"; return; }
	v=$(field "$r" gbps)
	if [ -n "$v" ]; then echo "$v Gbit/s"; return; fi
	echo "$(field "$r" tps) tr/s, p50 $(field "$r" p50_us) us, p99 $(field "$r" p99_us) us"
}

headline() { local v; v=$(field "$1" gbps); [ -n "$v" ] || v=$(field "$1" tps); echo "$v"; }

ratio() {
	local a b
	a=$(headline "$1"); b=$(headline "$2")
	[ -n "$a" ] && [ -n "$b" ] || { echo "-"; return; }
	awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
}

# percpu RESULT_LINE: bytes (or transactions) per back-end CPU-second.
percpu() {
	local v u=B
	v=$(field "$1" per_cpu_s)
	[ -n "$v" ] || { echo "-"; return; }
	[ -z "$(field "$1" tps)" ] || u=tr
	awk -v v="$v" -v u="$u" 'BEGIN {
		if (u == "B") printf "%.2f GB", v / 1e9; else printf "%.0f tr", v }'
}

scenarios=(
	"tcp_stream_g2h 65520 1" "tcp_stream_h2g 65520 1"
	"udp_stream 65520 1" "tcp_rr 65520 1"
	"tcp_stream_g2h 1500 1" "tcp_stream_h2g 1500 1" "udp_stream 1500 1"
	"tcp_stream_g2h 65520 4" "tcp_stream_h2g 65520 4"
	"tcp_crr 65520 1" "udp_rr 65520 1"
)
[ "${VUNET_BENCH_QUICK:-0}" = 1 ] && scenarios=("${scenarios[@]:0:4}")

echo "bench: loopback ceiling..." >&2
loop1=$(run_gen loopback none 65520 1)
loop4=$(run_gen loopback none 65520 4)

{
	echo "| scenario | MTU | flows | vunetd | passt | ratio vunetd/passt | loopback ceiling | per back-end CPU-s vunetd / passt | retransmits vunetd / passt | offloads vunetd / passt |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
} > "$out.tmp"
for s in "${scenarios[@]}"; do
	read -r name mtu flows <<<"$s"
	echo "bench: $name mtu $mtu flows $flows..." >&2
	rv=$(run_gen "$name" "$vunetd" "$mtu" "$flows")
	rp=""
	[ -z "$passt" ] || rp=$(run_gen "$name" "$passt" "$mtu" "$flows")
	ceiling="-"
	case $name in
	tcp_stream_*) [ "$flows" = 1 ] && ceiling=$(fmt "$loop1") || ceiling=$(fmt "$loop4") ;;
	esac
	pfmt="n/a"; [ -z "$passt" ] || pfmt=$(fmt "$rp")
	echo "| $name | $mtu | $flows | $(fmt "$rv") | $pfmt | $(ratio "$rv" "$rp") | $ceiling | $(percpu "$rv") / $(percpu "$rp") | $(field "$rv" retransmits) / $(field "$rp" retransmits) | $(field "$rv" offloads) / $(field "$rp" offloads) |" >> "$out.tmp"
done
{
	echo
	[ -z "$passt_note" ] || { echo "$passt_note"; echo; }
	echo "Machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), Linux $(uname -r), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo "Method: each figure is the median of $runs runs of $duration s after a 1 s warm-up; vunet-bench (bench/) is the VMM and the guest, back-ends started as BACKEND --vhost-user -f -1 -q --socket S -a 10.0.2.15 -n 24 -g 10.0.2.2 -m MTU -t PORT; passt: ${passt:-none}."
} >> "$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
