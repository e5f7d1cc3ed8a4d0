#!/usr/bin/env bash
# metrics.sh - what `vigil run --metrics` costs: the kernel's BPF run-time
# statistics per program run (bench/bpfstats.c: an open+close loop with the
# statistics off / on / off, interleaved, while `vigil run --no-policy` runs
# vg_file_openat on every open), and a scrape (curl, sequential) with the
# collection time vigil reports.  Run as root.  See docs/metrics.md.
#
# usage: bench/metrics.sh [-o RESDIR]
# environment: ROUNDS [10], N [300000] opens per loop, SCRAPES [200],
#              VIGIL_BIN [build/vigil]
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
ROUNDS=${ROUNDS:-10}
N=${N:-300000}
SCRAPES=${SCRAPES:-200}
VIGIL_BIN=${VIGIL_BIN:-$ROOT/build/vigil}
RES=$BENCH/results/$(date +%Y%m%d-%H%M%S)-metrics
while getopts "o:" opt; do
	case $opt in
	o) RES=$OPTARG ;;
	*) sed -n '2,10p' "$0" >&2; exit 2 ;;
	esac
done
[[ $(id -u) == 0 ]] || { echo "metrics.sh: needs root" >&2; exit 1; }
[[ -x $VIGIL_BIN ]] || { echo "metrics.sh: no $VIGIL_BIN (run make)" >&2; exit 1; }
mkdir -p "$RES" "$ROOT/build/bench"
cc -O2 -Wall -o "$ROOT/build/bench/bpfstats" "$BENCH/bpfstats.c" -lbpf
vigil_pid=
trap '[[ -n $vigil_pid ]] && kill -TERM "$vigil_pid" 2>/dev/null && wait "$vigil_pid" 2>/dev/null' EXIT
touch "$RES/file"

# start ARGS...: vigil run --no-policy ARGS, wait until ready
start() {
	rm -f "$RES/ready"
	"$VIGIL_BIN" run --no-policy --output /dev/null --ready-file "$RES/ready" "$@" \
		2>>"$RES/vigil.err" &
	vigil_pid=$!
	for _ in $(seq 150); do [[ -e $RES/ready ]] && return 0; sleep 0.1; done
	echo "metrics.sh: vigil did not start: $(tail -3 "$RES/vigil.err")" >&2
	exit 1
}
stop() { kill -TERM "$vigil_pid"; wait "$vigil_pid" || true; vigil_pid=; }

{
	echo "date: $(date -u +%FT%TZ)"
	echo "kernel: $(uname -r)"
	echo "cpus: $(nproc)"
	echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	echo "bpf_stats_enabled before: $(cat /proc/sys/kernel/bpf_stats_enabled)"
} >"$RES/env.txt"

# 1. the statistics: off/on/off around one loop each, ROUNDS times
start
"$ROOT/build/bench/bpfstats" "$RES/file" "$N" "$ROUNDS" >"$RES/bpfstats.tsv"
stop

# 2. scrapes
port=$((20000 + RANDOM % 40000))
start --metrics "127.0.0.1:$port"
t0=$(date +%s%N)
for _ in $(seq "$SCRAPES"); do
	curl -s -o /dev/null "http://127.0.0.1:$port/metrics"
done
t1=$(date +%s%N)
curl -s "http://127.0.0.1:$port/metrics" >"$RES/scrape.txt"
stop
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RES/env.txt"

awk -F'\t' '{ d = $3 - ($2 + $4) / 2; print d }' "$RES/bpfstats.tsv" | sort -g >"$RES/diff.txt"
n=$(wc -l <"$RES/diff.txt")
median=$(awk -v n="$n" 'NR == int((n + 1) / 2) { a = $1 } NR == int(n / 2) + 1 { b = $1 }
	END { printf "%.0f", (a + b) / 2 }' "$RES/diff.txt")
echo "## vigil run --metrics: costs ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| | |"
echo "|---|---|"
printf '| open+close, statistics off (median of %d) | %.0f ns |\n' "$n" \
	"$(cut -f2 "$RES/bpfstats.tsv" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
printf '| BPF statistics on - off, per program run: median of %d rounds | %s ns |\n' "$n" "$median"
printf '| ... range over the rounds | %.0f .. %.0f ns |\n' "$(head -1 "$RES/diff.txt")" "$(tail -1 "$RES/diff.txt")"
printf '| scrape, curl round trip (mean of %d) | %.2f ms |\n' "$SCRAPES" \
	"$(awk -v a="$t0" -v b="$t1" -v n="$SCRAPES" 'BEGIN { print (b - a) / n / 1e6 }')"
printf '| collection, vigil_metrics_collect_duration_seconds | %.2f ms |\n' \
	"$(awk '/^vigil_metrics_collect_duration_seconds / { print $2 * 1000 }' "$RES/scrape.txt")"
printf '| scrape size | %d bytes, %d series |\n' "$(wc -c <"$RES/scrape.txt")" \
	"$(grep -vc '^#' "$RES/scrape.txt")"
echo
echo "raw: $RES"
