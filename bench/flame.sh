#!/usr/bin/env bash
# flame.sh - overhead of the CPU profiler: a CPU-bound workload
# (bench/cpuloop.c, one thread per CPU, fixed work, no syscalls) with no
# monitor, and under `vigil flame` sampling every CPU system-wide at FREQ Hz
# (started before the loop, ready file waited for; SIGINT after it, which
# symbolises and writes the folded stacks).  Interleaved B M B M ... B:
# each monitored run's wall ratio is against the mean of the no-monitor
# runs just before and after it; A/A is each no-monitor run against the
# one before (the noise floor).  Also per round: vigil's own time on CPU
# during the loop (schedstat), the time from SIGINT to its exit (reading the
# maps back, symbolising, writing), and from the folded output how many
# samples the workload got and how many of them named its hot function.  Last, one more
# monitored run with kernel.bpf_stats_enabled=1 gives the sampler program's
# own cost per sample (run_time_ns / run_cnt; the perf interrupt around it is
# not included), kept apart because the stats add two clock reads per run.
#
# usage: sudo bench/flame.sh [-o DIR]   (DIR/summary.md: a copy of the output)
# environment: ROUNDS [5], N [15000] (calls of cpuloop_work per thread),
#   JOBS [online CPUs], FREQ [99], GAP [0.3 s idle before each run],
#   BPF_STATS [1; 0 skips the program cost run], VIGIL_BIN [build/vigil]
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
: "${ROUNDS:=5}" "${N:=15000}" "${JOBS:=$(nproc)}" "${FREQ:=99}" "${GAP:=0.3}" "${BPF_STATS:=1}"
VIGIL=${VIGIL_BIN:-$ROOT/build/vigil}
TMP=$(mktemp -d /tmp/vigil-bench-flame.XXXXXX)
LOOP=$TMP/cpuloop
bg=
STATS_OLD=
cleanup() {
	[[ -n $bg ]] && kill -TERM "$bg" 2>/dev/null
	wait 2>/dev/null
	[[ -n $STATS_OLD ]] && echo "$STATS_OLD" >/proc/sys/kernel/bpf_stats_enabled
	rm -rf "$TMP"
}
trap cleanup EXIT

if [[ ${1:-} == -o && -n ${2:-} ]]; then
	mkdir -p "$2"
	exec > >(tee "$2/summary.md")
fi
[[ $(id -u) == 0 ]] || { echo "must run as root" >&2; exit 1; }
[[ -x $VIGIL ]] || { echo "no $VIGIL: run make first" >&2; exit 1; }
${CC:-cc} -O2 -pthread -o "$LOOP" "$BENCH/cpuloop.c"

# run_loop: the loop's wall time in ns
run_loop() { "$LOOP" -j "$JOBS" "$N" | sed -n 's/.*elapsed_ns=\([0-9]*\).*/\1/p'; }
# on_cpu PID: ns on CPU of every thread of PID so far
on_cpu() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {print s + 0}'; }

start_flame() {	# vigil flame in the background, sampling once this returns
	rm -f "$TMP/ready"
	"$VIGIL" flame --duration 1h --frequency "$FREQ" --ready-file "$TMP/ready" \
		-o "$TMP/out.folded" 2>"$TMP/vigil.err" &
	bg=$!
	for _ in $(seq 200); do [[ -e $TMP/ready ]] && break; sleep 0.05; done
	[[ -e $TMP/ready ]] || { echo "vigil flame did not start: $(tail -3 "$TMP/vigil.err")" >&2; exit 1; }
}

echo "# vigil flame overhead: cpuloop -j $JOBS $N, $FREQ Hz system-wide, $ROUNDS rounds"
echo "# $(uname -r), $(nproc) CPUs, $("$VIGIL" version 2>/dev/null | head -1), $(date -u +%FT%TZ)"
base=()
mon=()
sleep "$GAP"
base+=("$(run_loop)")
for r in $(seq "$ROUNDS"); do
	sleep "$GAP"
	start_flame
	c0=$(on_cpu "$bg")
	m=$(run_loop)
	c1=$(on_cpu "$bg")
	t_stop=$(date +%s%N)
	kill -INT "$bg"
	wait "$bg"
	t_end=$(date +%s%N)
	bg=
	mon+=("$m")
	samples=$(sed -n 's/.*info: \([0-9]*\) samples in.*/\1/p' "$TMP/vigil.err")
	mine=$(awk '$0 ~ /^cpuloop;/ {n += $NF} END {print n + 0}' "$TMP/out.folded")
	hot=$(awk '$0 ~ /^cpuloop;/ && $0 ~ /cpuloop_work( [0-9]+)$/ {n += $NF} END {print n + 0}' "$TMP/out.folded")
	lost=$(grep -c 'lost:' "$TMP/vigil.err" || true)
	sleep "$GAP"
	base+=("$(run_loop)")
	b1=${base[-2]} b2=${base[-1]}
	printf 'round %d: none %.3f s, flame %.3f s, none %.3f s: ratio %.4f, A/A %.4f; vigil on CPU %.1f ms during the loop, stop to exit %.0f ms, %s samples (%s cpuloop, %s in cpuloop_work), lost lines %s\n' \
		"$r" "$(awk -v a="$b1" 'BEGIN{print a/1e9}')" "$(awk -v a="$m" 'BEGIN{print a/1e9}')" \
		"$(awk -v a="$b2" 'BEGIN{print a/1e9}')" \
		"$(awk -v m="$m" -v a="$b1" -v b="$b2" 'BEGIN{print 2*m/(a+b)}')" \
		"$(awk -v a="$b1" -v b="$b2" 'BEGIN{print b/a}')" \
		"$(awk -v a="$c0" -v b="$c1" 'BEGIN{print (b-a)/1e6}')" \
		"$(awk -v a="$t_stop" -v b="$t_end" 'BEGIN{print (b-a)/1e6}')" \
		"$samples" "$mine" "$hot" "$lost" | tee -a "$TMP/rounds.txt"
	echo "$(awk -v m="$m" -v a="$b1" -v b="$b2" 'BEGIN{print 2*m/(a+b)}') $(awk -v a="$b1" -v b="$b2" 'BEGIN{print b/a}') $(awk -v a="$c0" -v b="$c1" -v m="$m" 'BEGIN{print (b-a)/m}')" >>"$TMP/ratios"
done
# median [min-max] of a column of $TMP/ratios
stat_col() {
	awk -v c="$1" '{print $c}' "$TMP/ratios" | sort -g | awk '{a[NR]=$1} END {
		printf "%.4f [%.4f-%.4f]", (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2), a[1], a[NR] }'
}
echo
echo "| workload | baseline (median) | wall, flame / none | wall, none / none (A/A) | vigil on CPU during the loop |"
echo "|---|---:|---|---|---|"
printf '| cpuloop -j %s %s | %.2f s | %s | %s | %s %% of wall |\n' "$JOBS" "$N" \
	"$(printf '%s\n' "${base[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]/1e9}')" \
	"$(stat_col 1)" "$(stat_col 2)" \
	"$(awk '{print $3 * 100}' "$TMP/ratios" | sort -g | awk '{a[NR]=$1} END {printf "%.3f [%.3f-%.3f]", a[int((NR+1)/2)], a[1], a[NR]}')"
echo "(median [min-max] over $ROUNDS rounds; $FREQ Hz per CPU, $(grep -o 'with [a-z-]*' "$TMP/vigil.err" | head -1 | cut -d' ' -f2) event)"

if [[ $BPF_STATS == 1 ]]; then
	STATS_OLD=$(cat /proc/sys/kernel/bpf_stats_enabled)
	echo 1 >/proc/sys/kernel/bpf_stats_enabled
	sleep "$GAP"
	start_flame
	run_loop >/dev/null
	for f in /proc/"$bg"/fdinfo/*; do
		awk '/^prog_type:/ { p = 1 } /^run_time_ns:/ { t = $2 } /^run_cnt:/ { c = $2 }
		     END { if (p && c) printf "%d %d\n", c, t }' "$f" 2>/dev/null
	done >"$TMP/bpf"
	kill -INT "$bg"
	wait "$bg"
	bg=
	echo "$STATS_OLD" >/proc/sys/kernel/bpf_stats_enabled
	STATS_OLD=
	read -r cnt tns <"$TMP/bpf" || { echo "no BPF stats read" >&2; exit 1; }
	awk -v c="$cnt" -v t="$tns" -v f="$FREQ" -v j="$(nproc)" 'BEGIN {
		printf "sampler program (kernel.bpf_stats_enabled, one run of the loop): %d runs, %.0f ns per sample: %.3f %% of each CPU at %d Hz\n",
			c, t / c, 100 * (t / c) * f / 1e9, f }'
fi
