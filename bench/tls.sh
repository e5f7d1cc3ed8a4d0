#!/usr/bin/env bash
# tls.sh - cost of the TLS preset (`vigil trace tls`): OpenSSL throughput
# over loopback between two processes (bench/tlsbench.c: the client sends
# MiB in SSL_write calls of 16 KiB, a full TLS record, and of 1 KiB; the
# server SSL_reads them) with no monitor and with the preset on, capturing
# the default 256 bytes and 4096 bytes per call (one event per SSL_write and
# per SSL_read, JSON written by vigil); and what a process doing no TLS pays
# while the preset is on: a loop of 1-byte writes and reads on a unix socket
# pair (each passes a sock tracepoint program: one hash lookup; file and
# pipe I/O passes nothing).
# Ratios (time monitored / no monitor) against the no-monitor runs just
# before and after each run, ROUNDS interleaved rounds; A/A: the no-monitor
# run against its neighbours (the noise floor).  Also the workload's own CPU
# time per operation (user+system of client and server: the traps and BPF
# programs run in it, vigil's decoding and JSON do not).
#
# usage: sudo bench/tls.sh
# environment: ROUNDS [5], MIB_16K [256], MIB_1K [32], N_RW [1000000], VIGIL_BIN
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
: "${ROUNDS:=5}" "${MIB_16K:=256}" "${MIB_1K:=32}" "${N_RW:=1000000}"
VIGIL=${VIGIL_BIN:-$ROOT/build/vigil}
TMP=$(mktemp -d /tmp/vigil-bench-tls.XXXXXX)
TB=$TMP/tlsbench
bg=
trap '[[ -n $bg ]] && kill -TERM $bg 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

[[ $(id -u) == 0 ]] || { echo "must run as root" >&2; exit 1; }
${CC:-cc} -O2 -o "$TB" "$BENCH/tlsbench.c" -lssl -lcrypto
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=bench -days 1 \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1

# run WORKLOAD: the workload's output line
run() {
	case $1 in
	16k) "$TB" tls "$TMP/cert.pem" "$TMP/key.pem" "$MIB_16K" 16384 ;;
	1k) "$TB" tls "$TMP/cert.pem" "$TMP/key.pem" "$MIB_1K" 1024 ;;
	rw) "$TB" rw "$N_RW" ;;
	esac
}
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$2"; }

start() {	# start ARGS...: vigil trace tls, wait until ready
	rm -f "$TMP/ready" "$TMP/out.jsonl"
	"$VIGIL" trace tls -o json --output "$TMP/out.jsonl" --ready-file "$TMP/ready" "$@" \
		2>"$TMP/vigil.err" &
	bg=$!
	for _ in $(seq 150); do [[ -e $TMP/ready ]] && return 0; sleep 0.1; done
	echo "vigil did not start: $(tail -3 "$TMP/vigil.err")" >&2
	exit 1
}
stop() { kill -TERM "$bg"; wait "$bg" || true; bg=; }

declare -A ratios extra cpu
CASES=("16k aa" "16k tls" "16k tls4k" "1k aa" "1k tls" "1k tls4k" "rw aa" "rw tls")
for r in $(seq "$ROUNDS"); do
	for c in "${CASES[@]}"; do
		read -r w cfg <<<"$c"
		l1=$(run "$w")
		case $cfg in
		tls) start ;;
		tls4k) start --max-bytes 4096 ;;
		esac
		line=$(run "$w")
		note=
		if [[ $cfg != aa ]]; then
			sleep 0.5	# let vigil drain
			stop
			ev=$(grep -c '"kind":"tls"' "$TMP/out.jsonl" || true)
			lost=$(grep '"kind":"stats"' "$TMP/out.jsonl" | tail -1 |
				sed -n 's/.*"lost":{"total":\([0-9]*\).*/\1/p')
			note="  events $ev lost ${lost:-?}"
		fi
		l2=$(run "$w")
		b1=$(field elapsed_ns "$l1") b2=$(field elapsed_ns "$l2") m=$(field elapsed_ns "$line")
		c1=$(field cpu_ns "$l1") c2=$(field cpu_ns "$l2") cm=$(field cpu_ns "$line")
		if [[ $w == rw ]]; then
			ops=$(field syscalls "$line") unit=syscall
		else
			ops=$(( $(field writes "$line") + $(field reads "$line") )) unit="SSL call"
			note+=" of $ops calls"
		fi
		ratio=$(awk -v m="$m" -v a="$b1" -v b="$b2" 'BEGIN { printf "%.2f", 2 * m / (a + b) }')
		ns=$(awk -v m="$m" -v a="$b1" -v b="$b2" -v n="$ops" \
			'BEGIN { printf "%.0f", (m - (a + b) / 2) / n }')
		cns=$(awk -v m="$cm" -v a="$c1" -v b="$c2" -v n="$ops" \
			'BEGIN { printf "%.0f", (m - (a + b) / 2) / n }')
		ratios[$w.$cfg]+="$ratio "
		extra[$w.$cfg]+="$ns "
		cpu[$w.$cfg]+="$cns "
		if [[ $w == rw ]]; then
			printf 'round %d %-3s %-6s baseline %7.3f s  monitored %7.3f s  ratio %5.2f  (%+d ns per %s, CPU %+d ns)%s\n' \
				"$r" "$w" "$cfg" "$(awk -v a="$b1" -v b="$b2" 'BEGIN{print (a+b)/2e9}')" \
				"$(awk -v m="$m" 'BEGIN{print m/1e9}')" "$ratio" "$ns" "$unit" "$cns" "$note"
		else
			mib=$(( $(field bytes "$line") >> 20 ))
			printf 'round %d %-3s %-6s baseline %6.0f MiB/s  monitored %6.0f MiB/s  ratio %5.2f  (%+d ns per %s, CPU %+d ns)%s\n' \
				"$r" "$w" "$cfg" "$(awk -v a="$b1" -v b="$b2" -v s="$mib" 'BEGIN{print s/((a+b)/2e9)}')" \
				"$(awk -v m="$m" -v s="$mib" 'BEGIN{print s/(m/1e9)}')" "$ratio" "$ns" "$unit" "$cns" "$note"
		fi
	done
done
med() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rng() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk 'NR==1{lo=$1} {hi=$1} END {print lo "-" hi}'; }
for c in "${CASES[@]}"; do
	read -r w cfg <<<"$c"
	printf '%-3s %-6s time ratio median %s [%s]  extra per op: wall %s ns [%s], CPU %s ns [%s]\n' \
		"$w" "$cfg" "$(med "${ratios[$w.$cfg]}")" "$(rng "${ratios[$w.$cfg]}")" \
		"$(med "${extra[$w.$cfg]}")" "$(rng "${extra[$w.$cfg]}")" \
		"$(med "${cpu[$w.$cfg]}")" "$(rng "${cpu[$w.$cfg]}")"
done
