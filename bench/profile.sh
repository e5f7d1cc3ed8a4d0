#!/usr/bin/env bash
# profile.sh - cost of the in-kernel syscall n-gram check: a syscall-heavy
# loop (bench/sysloop.c, 4 syscalls per iteration) with no monitor, under
# `vigil run` without profiles (the sys_enter program is not loaded), and
# under `vigil run --profile` with the loop's own learned profile (every
# syscall of the loop goes through the check: task-storage lookup, window
# hash, one map lookup; all known, so no event), and the same vigil with a
# copy of the loop at another path (not profiled: what every other process
# pays while a profile is loaded: one task-storage lookup per syscall).  Ratios against the
# no-monitor runs just before and after each run, ROUNDS interleaved rounds.
#
# usage: sudo bench/profile.sh        environment: ROUNDS [5], N [2000000], VIGIL_BIN
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
: "${ROUNDS:=5}" "${N:=2000000}"
VIGIL=${VIGIL_BIN:-$ROOT/build/vigil}
TMP=$(mktemp -d /tmp/vigil-bench-prof.XXXXXX)
LOOP=$TMP/sysloop
OTHER=$TMP/other-sysloop
bg=
trap '[[ -n $bg ]] && kill -TERM $bg 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

[[ $(id -u) == 0 ]] || { echo "must run as root" >&2; exit 1; }
${CC:-cc} -O2 -o "$LOOP" "$BENCH/sysloop.c"
cp "$LOOP" "$OTHER"

run_loop() { "${1:-$LOOP}" "$N" | sed -n 's/.*elapsed_ns=\([0-9]*\).*/\1/p'; }

start() {	# start ARGS...: vigil run, wait until ready
	rm -f "$TMP/ready"
	"$VIGIL" run --no-policy --alerts-only --stats-interval 0 --output "$TMP/out.jsonl" \
		--ready-file "$TMP/ready" "$@" 2>"$TMP/vigil.err" &
	bg=$!
	for _ in $(seq 150); do [[ -e $TMP/ready ]] && return 0; sleep 0.1; done
	echo "vigil did not start: $(tail -3 "$TMP/vigil.err")" >&2
	exit 1
}
stop() { kill -TERM "$bg"; wait "$bg" || true; bg=; }

# learn the loop's profile
rm -f "$TMP/ready"
"$VIGIL" learn --exe "$LOOP" --duration 4 --out "$TMP/prof" --ready-file "$TMP/ready" \
	2>"$TMP/learn.err" &
bg=$!
for _ in $(seq 150); do [[ -e $TMP/ready ]] && break; sleep 0.1; done
"$LOOP" 20000 >/dev/null
wait "$bg"; bg=

declare -A ratios
for r in $(seq "$ROUNDS"); do
	for cfg in sensors profile other; do
		b1=$(run_loop)
		if [[ $cfg != sensors ]]; then start --profile "$TMP/prof"; else start; fi
		if [[ $cfg == other ]]; then m=$(run_loop "$OTHER"); else m=$(run_loop); fi
		anomalies=$(grep -c '"kind":"anomaly"' "$TMP/out.jsonl" || true)
		stop
		b2=$(run_loop)
		ratio=$(awk -v m="$m" -v a="$b1" -v b="$b2" 'BEGIN { printf "%.3f", 2 * m / (a + b) }')
		ns=$(awk -v m="$m" -v a="$b1" -v b="$b2" -v n="$N" \
			'BEGIN { printf "%.1f", (m - (a + b) / 2) / (4 * n) }')
		ratios[$cfg]+="$ratio "
		printf 'round %d %-8s baseline %.3f s  monitored %.3f s  ratio %s  (%+.1f ns/syscall, %s anomalies)\n' \
			"$r" "$cfg" "$(awk -v a="$b1" -v b="$b2" 'BEGIN{print (a+b)/2e9}')" \
			"$(awk -v m="$m" 'BEGIN{print m/1e9}')" "$ratio" "$ns" "$anomalies"
	done
done
for cfg in sensors profile other; do
	printf '%-8s ratio median %s [%s]\n' "$cfg" \
		"$(tr ' ' '\n' <<<"${ratios[$cfg]}" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" \
		"$(tr ' ' '\n' <<<"${ratios[$cfg]}" | grep . | sort -n | awk 'NR==1{lo=$1} {hi=$1} END {print lo "-" hi}')"
done
