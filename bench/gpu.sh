#!/usr/bin/env bash
# gpu.sh - cost of the GPU driver sensor per call: a loop of N calls of the
# fake driver's cuLaunchKernel (tests/bpf/progs/libfakecuda.c, a no-op: the
# worst case, nothing to hide the probes behind) by gpu_caller, with no
# monitor, under `vigil trace gpu` (uprobe + uretprobe, aggregated in the
# kernel) and, for comparison, under `vigil trace uprobe --ret` on the same
# function (the generic sensor: two events per call to user space, written
# as JSON).  ns per call and the ratio against the no-monitor runs just
# before and after each run, ROUNDS interleaved rounds; the A/A line is the
# no-monitor run against its neighbours (the noise floor).  With
# kernel.bpf_stats_enabled on during the gpu runs, the two programs' own
# run time per call (put back afterwards).
#
# usage: sudo bench/gpu.sh        environment: ROUNDS [5], N [100000], VIGIL_BIN
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
: "${ROUNDS:=5}" "${N:=100000}"
VIGIL=${VIGIL_BIN:-$ROOT/build/vigil}
TMP=$(mktemp -d /tmp/vigil-bench-gpu.XXXXXX)
LIB=$TMP/libcuda.so.1
CALLER=$TMP/gpu_caller
bg=
stats_was=$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || echo 0)
trap 'echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null;
      [[ -n $bg ]] && kill -TERM $bg 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

[[ $(id -u) == 0 ]] || { echo "must run as root" >&2; exit 1; }
${CC:-cc} -O2 -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$LIB" "$ROOT/tests/bpf/progs/libfakecuda.c"
${CC:-cc} -O2 -o "$CALLER" "$ROOT/tests/bpf/progs/gpu_caller.c"

run() { "$CALLER" "$LIB" launch "$N" | sed -n 's/.*ns_per_call=\([0-9.]*\).*/\1/p'; }

start() {	# start TARGET ARGS...: vigil trace TARGET, wait until ready
	rm -f "$TMP/ready"
	"$VIGIL" trace "$@" -o json --output "$TMP/out.jsonl" --ready-file "$TMP/ready" \
		2>"$TMP/vigil.err" &
	bg=$!
	for _ in $(seq 150); do [[ -e $TMP/ready ]] && return 0; sleep 0.1; done
	echo "vigil did not start: $(tail -3 "$TMP/vigil.err")" >&2
	exit 1
}
stop() { kill -TERM "$bg"; wait "$bg" || true; bg=; }

# prog_stats NAME: "run_time_ns run_cnt" of the loaded program NAME ("0 0": none)
prog_stats() {
	bpftool prog show -j 2>/dev/null |
		jq -r --arg n "$1" '.[] | select(.name == $n) | "\(.run_time_ns // 0) \(.run_cnt // 0)"' |
		head -1 | grep . || echo "0 0"
}

declare -A ratios ns_over
prog_ns=
for r in $(seq "$ROUNDS"); do
	for cfg in aa gpu uprobe; do
		b1=$(run)
		case $cfg in
		gpu)
			start gpu --lib "$LIB"
			echo 1 >/proc/sys/kernel/bpf_stats_enabled
			;;
		uprobe)
			start uprobe --path "$LIB" --symbol cuLaunchKernel --ret
			;;
		esac
		m=$(run)
		if [[ $cfg == gpu ]]; then
			read -r te ce < <(prog_stats vg_gpu_launch_entry)
			read -r tr cr < <(prog_stats vg_gpu_launch_ret)
			echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled
			prog_ns+="$(awk -v a="$te" -v b="$ce" -v c="$tr" -v d="$cr" \
				'BEGIN { if (b && d) printf "%.0f", a / b + c / d }') "
		fi
		[[ $cfg == aa ]] || stop
		b2=$(run)
		ratio=$(awk -v m="$m" -v a="$b1" -v b="$b2" 'BEGIN { printf "%.1f", 2 * m / (a + b) }')
		over=$(awk -v m="$m" -v a="$b1" -v b="$b2" 'BEGIN { printf "%.0f", m - (a + b) / 2 }')
		ratios[$cfg]+="$ratio "
		ns_over[$cfg]+="$over "
		printf 'round %d %-6s baseline %6.1f ns/call  monitored %8.1f ns/call  ratio %7s  (%+d ns per call)\n' \
			"$r" "$cfg" "$(awk -v a="$b1" -v b="$b2" 'BEGIN{print (a+b)/2}')" "$m" "$ratio" "$over"
	done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
range() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk 'NR==1{lo=$1} {hi=$1} END {print lo "-" hi}'; }
echo
echo "| config | ratio median [range] | added ns per call, median [range] |"
echo "|---|---|---|"
for cfg in aa gpu uprobe; do
	printf '| %s | %sx [%s] | %s [%s] |\n' "$cfg" "$(median "${ratios[$cfg]}")" "$(range "${ratios[$cfg]}")" \
		"$(median "${ns_over[$cfg]}")" "$(range "${ns_over[$cfg]}")"
done
[[ -n ${prog_ns// /} ]] &&
	echo "gpu: the entry and return programs themselves: $(median "$prog_ns") ns per call, median [$(range "$prog_ns")]"
echo "(N=$N calls per run, $ROUNDS rounds; kernel $(uname -r), $(nproc) CPUs)"
