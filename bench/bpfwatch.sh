#!/usr/bin/env bash
# bpfwatch.sh - cost of the bpf sensor (`vigil trace bpf`) on bpf(2) itself:
# a map-update loop (bench/bpfloop.c update: the per-operation path, which
# the sensor drops at syscall entry after one mask test, plus a lookup that
# finds nothing at exit) and a program-load loop (bpfloop load: the reported
# path, one event per load), each with no monitor and under the sensor.
# Ratios against the no-monitor runs just before and after each run, ROUNDS
# interleaved rounds; the A/A line is the no-monitor run against its
# neighbours (the noise floor).  Then, once, the sensor programs' own run
# time per run from the kernel's BPF statistics (on only during that loop):
# what each bpf() call pays in the programs, without the rest of the noise.
#
# usage: sudo bench/bpfwatch.sh     environment: ROUNDS [5], N [500000] updates,
#                                   LOADS [5000] program loads, VIGIL_BIN
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
: "${ROUNDS:=5}" "${N:=500000}" "${LOADS:=5000}"
VIGIL=${VIGIL_BIN:-$ROOT/build/vigil}
TMP=$(mktemp -d /tmp/vigil-bench-bpfw.XXXXXX)
LOOP=$TMP/bpfloop
bg=
trap '[[ -n $bg ]] && kill -TERM $bg 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

[[ $(id -u) == 0 ]] || { echo "must run as root" >&2; exit 1; }
${CC:-cc} -O2 -o "$LOOP" "$BENCH/bpfloop.c"

run() {	# run MODE COUNT [stats]: the loop's elapsed ns
	"$LOOP" "$@" | sed -n 's/.*elapsed_ns=\([0-9]*\).*/\1/p'
}

start() {	# vigil trace bpf, wait until ready
	rm -f "$TMP/ready"
	"$VIGIL" trace bpf -o json --output "$TMP/out.jsonl" --ready-file "$TMP/ready" \
		2>"$TMP/vigil.err" &
	bg=$!
	for _ in $(seq 150); do [[ -e $TMP/ready ]] && return 0; sleep 0.1; done
	echo "vigil did not start: $(tail -3 "$TMP/vigil.err")" >&2
	exit 1
}
stop() { kill -TERM "$bg"; wait "$bg" || true; bg=; }

declare -A ratios
for r in $(seq "$ROUNDS"); do
	for cfg in aa-update update aa-load load; do
		mode=${cfg#aa-}
		count=$N
		[[ $mode == load ]] && count=$LOADS
		b1=$(run "$mode" "$count")
		[[ $cfg == aa-* ]] || start
		m=$(run "$mode" "$count")
		[[ $cfg == aa-* ]] || stop
		b2=$(run "$mode" "$count")
		ratio=$(awk -v m="$m" -v a="$b1" -v b="$b2" 'BEGIN { printf "%.3f", 2 * m / (a + b) }')
		ns=$(awk -v m="$m" -v a="$b1" -v b="$b2" -v n="$count" \
			'BEGIN { printf "%.0f", (m - (a + b) / 2) / n }')
		ratios[$cfg]+="$ratio "
		printf 'round %d %-9s baseline %6.0f ns/call  monitored %6.0f ns/call  ratio %s  (%+d ns per call)\n' \
			"$r" "$cfg" "$(awk -v a="$b1" -v b="$b2" -v n="$count" 'BEGIN{print (a+b)/2/n}')" \
			"$(awk -v m="$m" -v n="$count" 'BEGIN{print m/n}')" "$ratio" "$ns"
	done
done
# progstats NAME: "run_cnt run_time_ns" of the loaded program NAME
progstats() {
	bpftool -j prog show name "$1" 2>/dev/null |
		jq -r 'if type == "array" then .[0] else . end | "\(.run_cnt // 0) \(.run_time_ns // 0)"'
}

echo
start
for mode in update load; do
	count=$N
	[[ $mode == load ]] && count=$LOADS
	read -r ec0 et0 <<<"$(progstats vg_bpfw_enter)"
	read -r xc0 xt0 <<<"$(progstats vg_bpfw_exit)"
	run "$mode" "$count" stats >/dev/null
	read -r ec1 et1 <<<"$(progstats vg_bpfw_enter)"
	read -r xc1 xt1 <<<"$(progstats vg_bpfw_exit)"
	awk -v m="$mode" -v ec=$((ec1 - ec0)) -v et=$((et1 - et0)) -v xc=$((xc1 - xc0)) \
		-v xt=$((xt1 - xt0)) 'BEGIN { printf "program run time (%s): vg_bpfw_enter %.0f ns x %d, " \
		"vg_bpfw_exit %.0f ns x %d\n", m, ec ? et / ec : 0, ec, xc ? xt / xc : 0, xc }'
done
stop
echo
for cfg in aa-update update aa-load load; do
	printf '%-9s ratio median %s [%s]\n' "$cfg" \
		"$(tr ' ' '\n' <<<"${ratios[$cfg]}" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" \
		"$(tr ' ' '\n' <<<"${ratios[$cfg]}" | grep . | sort -n | awk 'NR==1{lo=$1} {hi=$1} END {print lo "-" hi}')"
done
