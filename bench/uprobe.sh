#!/usr/bin/env bash
# uprobe.sh - cost per uprobe hit: a tight loop calling a function of a test
# library (bench/uprobeloop.c, bench/libvgbench.c; a few ns per call
# unprobed) with no monitor and under `vigil trace uprobe` on that function.
# Two functions, because the probed instruction decides the price: the
# kernel emulates `push %rbp` (vg_bench_step_fp) in the breakpoint trap, but
# single-steps `lea` (vg_bench_step) out of line: a second trap, as for
# OpenSSL's SSL_read/SSL_write and bash's readline.  Configurations:
#   hit       an entry probe whose guard never holds (--report-if ... --guard-only):
#             the breakpoint trap and the entry program, no event
#   hit+ret   the same with --ret: also the return (uretprobe) and its program
#   event     --arg 0:int: an event per call, written as JSON by vigil (N_EVENT
#             calls; lost events, if the ring buffer overflows, are counted)
# Ratios and ns per call against the no-monitor runs just before and after
# each run, ROUNDS interleaved rounds; the A/A line is the no-monitor run
# against its neighbours (the noise floor).  Two measures: wall time, and the
# loop's own CPU time (user+system: the traps and BPF programs run in it;
# vigil's decoding and JSON run on another CPU and, on a small machine, show
# in the wall time only as competition for the CPUs).
#
# usage: sudo bench/uprobe.sh
# environment: ROUNDS [5], N [1000000] (emulated), N_SS [100000] (single-stepped),
#              N_EVENT [100000], VIGIL_BIN
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
: "${ROUNDS:=5}" "${N:=1000000}" "${N_SS:=100000}" "${N_EVENT:=100000}"
VIGIL=${VIGIL_BIN:-$ROOT/build/vigil}
TMP=$(mktemp -d /tmp/vigil-bench-uprobe.XXXXXX)
bg=
trap '[[ -n $bg ]] && kill -TERM $bg 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

[[ $(id -u) == 0 ]] || { echo "must run as root" >&2; exit 1; }
${CC:-cc} -O2 -shared -fPIC -o "$TMP/libvgbench.so" "$BENCH/libvgbench.c"
${CC:-cc} -O2 -o "$TMP/uprobeloop" "$BENCH/uprobeloop.c" -L"$TMP" -lvgbench -Wl,-rpath,"$TMP"

# run N FN: "ELAPSED_NS CPU_NS" of one loop
run() { "$TMP/uprobeloop" "$1" "$2" | sed -n 's/.*elapsed_ns=\([0-9]*\) cpu_ns=\([0-9]*\).*/\1 \2/p'; }

start() {	# start SYMBOL ARGS...: vigil trace uprobe on SYMBOL, wait until ready
	local sym=$1
	shift
	rm -f "$TMP/ready" "$TMP/out.jsonl"
	"$VIGIL" trace uprobe --path "$TMP/libvgbench.so" --symbol "$sym" "$@" -o json \
		--output "$TMP/out.jsonl" --ready-file "$TMP/ready" 2>"$TMP/vigil.err" &
	bg=$!
	for _ in $(seq 150); do [[ -e $TMP/ready ]] && return 0; sleep 0.1; done
	echo "vigil did not start: $(tail -3 "$TMP/vigil.err")" >&2
	exit 1
}
stop() { kill -TERM "$bg"; wait "$bg" || true; bg=; }

# name  function (fp: push, emulated; ss: lea, single-stepped)  vigil options
CONFIGS=(
	"aa fp"
	"hit fp --report-if 0:gt:1000000 --guard-only"
	"hit+ret fp --report-if 0:gt:1000000 --guard-only --ret"
	"event fp --arg 0:int"
	"hit-ss ss --report-if 0:gt:1000000 --guard-only"
	"hit+ret-ss ss --report-if 0:gt:1000000 --guard-only --ret"
)
declare -A ratios extra cpu
for r in $(seq "$ROUNDS"); do
	for c in "${CONFIGS[@]}"; do
		read -r cfg fn opts <<<"$c"
		n=$N sym=vg_bench_step_fp
		[[ $fn == ss ]] && n=$N_SS sym=vg_bench_step
		[[ $cfg == event ]] && n=$N_EVENT
		read -r b1 c1 <<<"$(run "$n" "$fn")"
		# shellcheck disable=SC2086
		[[ $cfg == aa ]] || start "$sym" $opts
		read -r m cm <<<"$(run "$n" "$fn")"
		note=
		if [[ $cfg != aa ]]; then
			sleep 0.5	# let vigil drain
			stop
			ev=$(grep -c '"kind":"uprobe"' "$TMP/out.jsonl" || true)
			lost=$(grep '"kind":"stats"' "$TMP/out.jsonl" | tail -1 |
				sed -n 's/.*"lost":{"total":\([0-9]*\).*/\1/p')
			note="  events $ev lost ${lost:-?}"
		fi
		read -r b2 c2 <<<"$(run "$n" "$fn")"
		ratio=$(awk -v m="$m" -v a="$b1" -v b="$b2" 'BEGIN { printf "%.1f", 2 * m / (a + b) }')
		ns=$(awk -v m="$m" -v a="$b1" -v b="$b2" -v n="$n" \
			'BEGIN { printf "%.0f", (m - (a + b) / 2) / n }')
		cns=$(awk -v m="$cm" -v a="$c1" -v b="$c2" -v n="$n" \
			'BEGIN { printf "%.0f", (m - (a + b) / 2) / n }')
		ratios[$cfg]+="$ratio "
		extra[$cfg]+="$ns "
		cpu[$cfg]+="$cns "
		printf 'round %d %-10s baseline %5.1f ns/call  monitored %8.1f ns/call  ratio %7.1f  (%+d ns per call, CPU %+d ns)%s\n' \
			"$r" "$cfg" "$(awk -v a="$b1" -v b="$b2" -v n="$n" 'BEGIN{print (a+b)/2/n}')" \
			"$(awk -v m="$m" -v n="$n" 'BEGIN{print m/n}')" "$ratio" "$ns" "$cns" "$note"
	done
done
med() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rng() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk 'NR==1{lo=$1} {hi=$1} END {print lo "-" hi}'; }
for c in "${CONFIGS[@]}"; do
	read -r cfg _ <<<"$c"
	printf '%-10s ratio median %s [%s]  extra per call: wall %s ns [%s], CPU %s ns [%s]\n' "$cfg" \
		"$(med "${ratios[$cfg]}")" "$(rng "${ratios[$cfg]}")" \
		"$(med "${extra[$cfg]}")" "$(rng "${extra[$cfg]}")" \
		"$(med "${cpu[$cfg]}")" "$(rng "${cpu[$cfg]}")"
done
