#!/bin/bash
# Runs the whole test suite and ends with "N passed, N failed, N skipped".
#
# Every test program and e2e script prints one line per case:
#   PASS name | FAIL name: why | SKIP name: reason
# This script runs them, keeps the full output in build/test-logs/, and
# counts those lines.  Unit tests run on the plain build and again on the
# sanitizer build (ASan + UBSan); the VM (e2e) tests run once, on the
# sanitizer build, one guest at a time, each with its own time limit.
#
# Usage: tests/run.sh [unit|e2e|all] [FILTER]
set -u
cd "$(dirname "$0")/.."
top=$PWD
what=${1:-all}
filter=${2:-}
logdir=$top/build/test-logs
mkdir -p "$logdir"
results=$logdir/results.txt
: > "$results"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=23}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:exitcode=24}
export VUNET_SHARED=${VUNET_SHARED:-$top/../shared}

# A unit-test program that runs longer than this has hung.
UNIT_TIMEOUT_S=600

run_unit() {
	local build=$1 t name
	for t in "$build"/tests/*/test-*; do
		[ -x "$t" ] && [ -f "$t" ] || continue
		name=$(basename "$t")
		echo "== $build: $name"
		# Prefix each result with the build so the two runs stay distinct.
		timeout -k 10 "$UNIT_TIMEOUT_S" "$t" $filter 2>"$logdir/$name.$(basename "$build").stderr" |
			sed -u -E "s#^(PASS|FAIL|SKIP) #\1 $(basename "$build"):#" |
			tee -a "$results"
		local rc=${PIPESTATUS[0]}
		if [ "$rc" -ne 0 ] && ! grep -q "^FAIL $(basename "$build"):$name/" "$results"; then
			echo "FAIL $(basename "$build"):$name: exited $rc without a result line" | tee -a "$results"
		fi
		if grep -q "^FAIL $(basename "$build"):$name/" "$results"; then
			sed 's/^/    /' "$logdir/$name.$(basename "$build").stderr" | tail -n 40
		fi
	done
}

run_e2e() {
	local t name
	for t in tests/e2e/test-*.sh; do
		[ -x "$t" ] || continue
		name=$(basename "$t" .sh)
		[ -n "$filter" ] && [[ $name != *"$filter"* ]] && continue
		echo "== e2e: $name"
		# Each script enforces its own per-step timeouts; this is the last resort.
		VUNET_BUILD=$top/build-asan timeout -k 10 1500 "$t" 2>"$logdir/$name.stderr" |
			tee -a "$results"
		local rc=${PIPESTATUS[0]}
		if [ "$rc" -ne 0 ] && ! grep -q "^FAIL e2e/$name" "$results"; then
			echo "FAIL e2e/$name: exited $rc without a result line" | tee -a "$results"
		fi
		if grep -q "^FAIL e2e/$name" "$results"; then
			tail -n 60 "$logdir/$name.stderr" | sed 's/^/    /'
		fi
	done
}

case $what in
unit) run_unit build; run_unit build-asan ;;
e2e) run_e2e ;;
all) run_unit build; run_unit build-asan; run_e2e ;;
*) echo "usage: $0 [unit|e2e|all] [FILTER]" >&2; exit 2 ;;
esac

passed=$(grep -c '^PASS ' "$results")
failed=$(grep -c '^FAIL ' "$results")
skipped=$(grep -c '^SKIP ' "$results")
if [ "$skipped" -gt 0 ]; then
	echo "skipped:"
	grep '^SKIP ' "$results" | sed 's/^/  /'
fi
if [ "$failed" -gt 0 ]; then
	echo "failed:"
	grep '^FAIL ' "$results" | sed 's/^/  /'
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
