#!/usr/bin/env bash
# run-all.sh - run every benchmark in bench/ (`make bench` calls this).  Root.
# Each benchmark writes its raw results into bench/results/<stamp>-<name>/ and
# prints its markdown tables; sizes come from the environment (see each script).
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STAMP=$(date +%Y%m%d-%H%M%S)
mkdir -p "$BENCH/results"

"$BENCH/process.sh" -o "$BENCH/results/$STAMP-process"
echo
"$BENCH/file.sh" -o "$BENCH/results/$STAMP-file"
echo
"$BENCH/xdp.sh" -o "$BENCH/results/$STAMP-xdp"
echo
"$BENCH/net.sh" -o "$BENCH/results/$STAMP-net"
echo
"$BENCH/policy.sh" -o "$BENCH/results/$STAMP-policy"
echo
"$BENCH/flame.sh" -o "$BENCH/results/$STAMP-flame"
echo
"$BENCH/metrics.sh" -o "$BENCH/results/$STAMP-metrics"
echo
"$BENCH/profile.sh" | tee "$BENCH/results/$STAMP-profile.txt"
echo
"$BENCH/sched.sh" | tee "$BENCH/results/$STAMP-sched.txt"
echo
"$BENCH/bpfwatch.sh" | tee "$BENCH/results/$STAMP-bpfwatch.txt"
"$BENCH/gpu.sh" | tee "$BENCH/results/$STAMP-gpu.txt"
"$BENCH/uprobe.sh" | tee "$BENCH/results/$STAMP-uprobe.txt"
echo
"$BENCH/tls.sh" | tee "$BENCH/results/$STAMP-tls.txt"
