#!/usr/bin/env bash
# sched.sh - cost of the scheduler sensor on a context-switch-heavy workload:
# a pipe ping-pong between two processes pinned to one CPU (bench/pingpong.c,
# every pass a context switch and a wakeup), with no monitor and under
# `vigil trace sched` (sched_switch + sched_wakeup aggregated in the kernel,
# one summary a second), and the block I/O sensor (`vigil trace io`, which
# must cost nothing here: no I/O).  Ratios against the no-monitor runs just
# before and after each run, ROUNDS interleaved rounds; the A/A line is the
# no-monitor run against its neighbours (the noise floor).
#
# usage: sudo bench/sched.sh        environment: ROUNDS [5], N [200000], VIGIL_BIN
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
: "${ROUNDS:=5}" "${N:=200000}"
VIGIL=${VIGIL_BIN:-$ROOT/build/vigil}
TMP=$(mktemp -d /tmp/vigil-bench-sched.XXXXXX)
PP=$TMP/pingpong
bg=
trap '[[ -n $bg ]] && kill -TERM $bg 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

[[ $(id -u) == 0 ]] || { echo "must run as root" >&2; exit 1; }
${CC:-cc} -O2 -o "$PP" "$BENCH/pingpong.c"

run() { "$PP" "$N" 1 | sed -n 's/.*elapsed_ns=\([0-9]*\).*/\1/p'; }

start() {	# start TARGET: vigil trace TARGET, wait until ready
	rm -f "$TMP/ready"
	"$VIGIL" trace "$1" -o json --output "$TMP/out.jsonl" --ready-file "$TMP/ready" \
		2>"$TMP/vigil.err" &
	bg=$!
	for _ in $(seq 150); do [[ -e $TMP/ready ]] && return 0; sleep 0.1; done
	echo "vigil did not start: $(tail -3 "$TMP/vigil.err")" >&2
	exit 1
}
stop() { kill -TERM "$bg"; wait "$bg" || true; bg=; }

declare -A ratios
for r in $(seq "$ROUNDS"); do
	for cfg in aa sched io; do
		b1=$(run)
		[[ $cfg == aa ]] || start "$cfg"
		m=$(run)
		[[ $cfg == aa ]] || stop
		b2=$(run)
		ratio=$(awk -v m="$m" -v a="$b1" -v b="$b2" 'BEGIN { printf "%.3f", 2 * m / (a + b) }')
		ns=$(awk -v m="$m" -v a="$b1" -v b="$b2" -v n="$N" \
			'BEGIN { printf "%.0f", (m - (a + b) / 2) / (2 * n) }')
		ratios[$cfg]+="$ratio "
		printf 'round %d %-6s baseline %.3f s  monitored %.3f s  ratio %s  (%+d ns per switch)\n' \
			"$r" "$cfg" "$(awk -v a="$b1" -v b="$b2" 'BEGIN{print (a+b)/2e9}')" \
			"$(awk -v m="$m" 'BEGIN{print m/1e9}')" "$ratio" "$ns"
	done
done
for cfg in aa sched io; do
	printf '%-6s ratio median %s [%s]\n' "$cfg" \
		"$(tr ' ' '\n' <<<"${ratios[$cfg]}" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" \
		"$(tr ' ' '\n' <<<"${ratios[$cfg]}" | grep . | sort -n | awk 'NR==1{lo=$1} {hi=$1} END {print lo "-" hi}')"
done
