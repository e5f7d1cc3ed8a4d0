#!/usr/bin/env bash
# process.sh - process-sensor benchmark: exec/fork loop overhead of
# `vigil trace exec -o json`, event completeness, and the highest exec rate
# vigil keeps up with without losing events.  Run as root.  See bench/README.md.
#
# usage: bench/process.sh [-o RESDIR]
#   -o RESDIR   raw results (default bench/results/YYYYmmdd-HHMMSS-process)
# environment (defaults in brackets):
#   ROUNDS [9]            interleaved rounds (B M B M ... B, one M per round)
#   N_exec [2000]         iterations of the exec workload (fork+execve+waitpid)
#   N_fork [10000]        iterations of the fork workload (fork+_exit+waitpid)
#   RATES ["500 1000 1500 2000 max:2 max:4"]
#                         exec-rate steps: a number = paced total execs/s over
#                         2 workers; max:J = J workers flat out
#   RATE_SECONDS [3]      seconds per rate step
#   STALL_SECONDS [4]     seconds of max-rate exec while vigil is SIGSTOPped
#                         (ring-buffer headroom); 0 skips it
#   BPF_STATS [1]         1: one extra exec run with kernel.bpf_stats_enabled=1
#                         for the in-kernel time per BPF program run (the
#                         sysctl is put back on exit); 0 skips it
#   GAP [0.3]             idle seconds before every measured run
#   KEEP [0]              1: keep vigil's JSON output (tens of MB)
#   VIGIL_BIN [build/vigil]
#
# Per round, each workload runs once without a monitor (B) and once with a
# fresh `vigil trace exec -o json --output FILE` started, attached, then the run,
# then vigil drained (no CPU tick in two 0.25 s windows) and stopped with
# SIGTERM (M).  A monitored run's wall ratio = its loop time / mean of the same
# workload's loop time in the baseline blocks just before and after it.
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)

RES=''
while getopts "o:h" o; do
	case $o in
	o) RES=$OPTARG ;;
	*) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
	esac
done
: "${ROUNDS:=9}" "${N_exec:=2000}" "${N_fork:=10000}" "${BPF_STATS:=1}" "${RATE_SECONDS:=3}" "${STALL_SECONDS:=4}"
: "${RATES:=500 1000 1500 2000 max:2 max:4}" "${GAP:=0.3}" "${KEEP:=0}"
VIGIL=${VIGIL_BIN:-$ROOT/build/vigil}
WL=$ROOT/build/bench/workload
WORKLOADS="exec fork"
CLK_TCK=$(getconf CLK_TCK)

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $(id -u) == 0 ]] || die "must run as root"
[[ -x $VIGIL ]] || die "$VIGIL not found (run make)"
mkdir -p "$ROOT/build/bench"
if [[ ! -x $WL || $BENCH/workload.c -nt $WL ]]; then
	${CC:-cc} -O2 -g -std=gnu11 -Wall -Wextra -Werror -o "$WL" "$BENCH/workload.c"
fi
RES=${RES:-$BENCH/results/$(date +%Y%m%d-%H%M%S)-process}
mkdir -p "$RES/raw"; RES=$(cd "$RES" && pwd)

# ---- process control: everything started here is stopped on exit -----------
VPID='' WPID='' STATS_OLD=''
alive() {
	local s
	read -r s 2>/dev/null <"/proc/$1/stat" || return 1
	s=${s##*) }
	[[ ${s:0:1} != Z ]]
}
stop_pid() {   # stop_pid SIGNAL TIMEOUT_S PID
	alive "$3" || { wait "$3" 2>/dev/null || true; return 0; }
	kill -CONT "$3" 2>/dev/null || true
	kill -"$1" "$3" 2>/dev/null || true
	local end=$(( SECONDS + $2 ))
	while alive "$3"; do
		if (( SECONDS >= end )); then
			log "WARNING: pid $3 ignored SIG$1 for $2 s, sending SIGKILL"
			kill -KILL "$3" 2>/dev/null || true
		fi
		sleep 0.1
	done
	wait "$3" 2>/dev/null || true
}
cleanup() {
	# Ctrl-C on `... | tee log` kills the reader too: ignore SIGPIPE and
	# errors from here on, so that nothing stops the restore half-way
	trap '' INT TERM HUP PIPE
	set +e
	[[ -n $WPID ]] && stop_pid TERM 5 "$WPID"      # its workers die with it
	[[ -n $VPID ]] && stop_pid TERM 20 "$VPID"
	[[ -n $STATS_OLD ]] && echo "$STATS_OLD" >/proc/sys/kernel/bpf_stats_enabled
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# utime+stime of PID in clock ticks
cpu_ticks() {
	local s
	read -r s 2>/dev/null <"/proc/$1/stat" || { echo 0; return; }
	s=${s##*) }
	# shellcheck disable=SC2086
	set -- $s
	echo $(( ${12} + ${13} ))
}
# on-CPU time of PID in ns, all threads (scheduler's sum_exec_runtime: precise,
# where utime+stime are sampled at the 100 Hz tick)
run_ns() {
	local f a sum=0
	for f in /proc/"$1"/task/*/schedstat; do
		read -r a _ 2>/dev/null <"$f" || continue
		sum=$(( sum + a ))
	done
	echo "$sum"
}
# wait until PID gained no CPU tick in two consecutive 0.25 s windows
settle() {
	local end=$(( SECONDS + 60 )) prev cur quiet=0
	prev=$(cpu_ticks "$1")
	while (( quiet < 2 )); do
		(( SECONDS >= end )) && { log "WARNING: vigil did not settle"; return 0; }
		sleep 0.25
		cur=$(cpu_ticks "$1")
		if (( cur == prev )); then quiet=$((quiet + 1)); else quiet=0; fi
		prev=$cur
	done
}
kv() {   # kv KEY LINE
	local w
	for w in $2; do [[ $w == "$1="* ]] && { printf '%s\n' "${w#*=}"; return 0; }; done
	echo -
}

# vigil_start DIR: start a fresh vigil writing DIR/vigil.jsonl, wait until attached
vigil_start() {
	rm -f "$1/ready" "$1/vigil.jsonl"
	"$VIGIL" trace exec -o json --output "$1/vigil.jsonl" --ready-file "$1/ready" \
		>/dev/null 2>"$1/vigil.err" &
	VPID=$!
	local end=$(( SECONDS + 60 ))
	until [[ -e $1/ready ]]; do
		alive "$VPID" || die "vigil exited: $(tail -3 "$1/vigil.err")"
		(( SECONDS < end )) || die "vigil not attached after 60 s"
		sleep 0.05
	done
}
# vigil_stop: drain, SIGTERM (vigil drains and prints its final stats line)
vigil_stop() {
	settle "$VPID"
	stop_pid TERM 30 "$VPID"; VPID=''
}
# vigil_result DIR EXEC_PATH: "seen sent_exec sent_fork lost_total lost_ringbuf_full"
vigil_result() {
	local f=$1/vigil.jsonl seen=0 st sent lost
	if [[ $2 != - ]]; then
		seen=$(grep -cF "\"args\":[\"$2\"" "$f" || true)
	fi
	st=$(grep -F '"kind":"stats"' "$f" | tail -1)
	[[ -n $st ]] || die "no final stats line in $f"
	sent=$(grep -o '"sent":{"exec":[0-9]*,"fork":[0-9]*' <<<"$st" | tr -dc '0-9,' | tr ',' ' ')
	lost=$(grep -o '"lost":{"total":[0-9]*,"ringbuf_full":[0-9]*' <<<"$st" | tr -dc '0-9,' | tr ',' ' ')
	(( KEEP )) || rm -f "$f"
	echo "$seen $sent $lost"
}

# run_wl DIR ARGS...: run the workload, its result line into $line.  Not in a
# $(...) subshell: the trap must know WPID, and a background job + wait lets a
# signal interrupt the wait (bash defers traps until a foreground child exits)
run_wl() {
	local d=$1 rc=0; shift
	"$WL" "$@" >"$d/wl.res" 2>"$d/wl.err" & WPID=$!
	wait "$WPID" || rc=$?
	WPID=''
	(( rc == 0 )) || die "workload $* exited $rc: $(head -c 300 "$d/wl.err")"
	line=$(<"$d/wl.res")
}

{
	echo "date: $(date -u +%FT%TZ)"; echo "kernel: $(uname -r)"; echo "cpus: $(nproc)"
	echo "vigil: $("$VIGIL" version 2>/dev/null || echo ?)"
	echo "rounds: $ROUNDS  N_exec=$N_exec N_fork=$N_fork  RATES=$RATES RATE_SECONDS=$RATE_SECONDS STALL_SECONDS=$STALL_SECONDS GAP=$GAP"
	echo "loadavg at start: $(cat /proc/loadavg)"
} >"$RES/env.txt"

# ---- 1. overhead: B M B M ... B ---------------------------------------------
RUNS=$RES/runs.tsv
printf '%s\n' "block	cfg	wl	n	loop_ns	wl_cpu_us	vigil_cpu_ms	vigil_run_us	seen	gen_exec	gen_fork	sent_exec	sent_fork	lost	lost_rb	loadavg1" >"$RUNS"
log "results in $RES"
nb=$(( 2 * ROUNDS + 1 ))
for ((b = 0; b < nb; b++)); do
	cfg=none; (( b % 2 )) && cfg=vigil
	log "block $b/$((nb - 1)): $cfg"
	order=($WORKLOADS)
	for ((k = 0; k < ${#order[@]}; k++)); do
		wl=${order[(k + b / 2) % ${#order[@]}]}   # rotate the order every round
		v=N_$wl; n=${!v}
		d=$RES/raw/b$b-$cfg-$wl; mkdir -p "$d"
		[[ $cfg == vigil ]] && vigil_start "$d"
		sleep "$GAP"
		c0=0 s0=0; [[ $cfg == vigil ]] && { c0=$(cpu_ticks "$VPID"); s0=$(run_ns "$VPID"); }
		run_wl "$d" "$wl" "$n"
		vcpu=- vrun=- r="- - - - -"
		if [[ $cfg == vigil ]]; then
			settle "$VPID"
			vcpu=$(( ($(cpu_ticks "$VPID") - c0) * 1000 / CLK_TCK ))
			vrun=$(( ($(run_ns "$VPID") - s0) / 1000 ))
			vigil_stop
			r=$(vigil_result "$d" "$(kv exec_path "$line")")
		fi
		read -r seen sx sf lost lrb <<<"$r"
		wcpu=$(( $(kv utime_us "$line") + $(kv stime_us "$line") + $(kv child_utime_us "$line") + $(kv child_stime_us "$line") ))
		printf '%s\t' "$b" "$cfg" "$wl" "$n" "$(kv loop_ns "$line")" "$wcpu" "$vcpu" "$vrun" \
			"$seen" "$(kv execs "$line")" "$(kv forks "$line")" "$sx" "$sf" "$lost" "$lrb" >>"$RUNS"
		cut -d' ' -f1 /proc/loadavg >>"$RUNS"
	done
done

# ---- 2. exec rate steps, 3. ring-buffer headroom with the consumer stopped ----
RATE=$RES/rate.tsv
printf '%s\n' "step	jobs	target_per_s	seconds	achieved_per_s	execs	seen	lost	lost_rb	vigil_cpu_ms	vigil_run_us	vigil_cpu_pct" >"$RATE"
rate_step() {   # rate_step NAME JOBS TARGET SECONDS STALL
	local name=$1 jobs=$2 target=$3 secs=$4 stall=$5 d line c0 s0 vcpu vrun r seen sx sf lost lrb args
	d=$RES/raw/rate-$name; mkdir -p "$d"
	vigil_start "$d"
	sleep "$GAP"
	c0=$(cpu_ticks "$VPID"); s0=$(run_ns "$VPID")
	(( stall )) && kill -STOP "$VPID"
	args=(-j "$jobs" -t "$secs"); [[ $target != max ]] && args+=(-r "$target")
	run_wl "$d" "${args[@]}" exec 0
	(( stall )) && kill -CONT "$VPID"
	settle "$VPID"
	vcpu=$(( ($(cpu_ticks "$VPID") - c0) * 1000 / CLK_TCK ))
	vrun=$(( ($(run_ns "$VPID") - s0) / 1000 ))
	vigil_stop
	r=$(vigil_result "$d" "$(kv exec_path "$line")")
	read -r seen sx sf lost lrb <<<"$r"
	printf '%s\t' "$name" "$jobs" "$target" "$secs" "$(kv achieved_per_s "$line")" \
		"$(kv execs "$line")" "$seen" "$lost" "$lrb" "$vcpu" "$vrun" >>"$RATE"
	awk -v us="$vrun" -v ns="$(kv loop_ns "$line")" 'BEGIN { printf "%.1f\n", us * 1e5 / ns }' >>"$RATE"
}
for s in $RATES; do
	if [[ $s == max:* ]]; then j=${s#max:}; t=max; else j=2; t=$s; fi
	log "rate step $s ($j workers, $RATE_SECONDS s)"
	rate_step "$s" "$j" "$t" "$RATE_SECONDS" 0
done
if [[ $STALL_SECONDS != 0 ]]; then
	log "headroom: $STALL_SECONDS s of max-rate exec while vigil is stopped (SIGSTOP)"
	rate_step stalled 2 max "$STALL_SECONDS" 1
fi

# ---- 4. in-kernel cost per BPF program run (kernel.bpf_stats_enabled) --------
# run_time_ns/run_cnt come from /proc/VPID/fdinfo of vigil's program fds; the
# stats add two clock reads per run, so this is a separate, unmeasured run
if (( BPF_STATS )); then
	log "BPF program cost: exec x $N_exec with kernel.bpf_stats_enabled=1"
	d=$RES/raw/bpf-stats; mkdir -p "$d"
	STATS_OLD=$(cat /proc/sys/kernel/bpf_stats_enabled)
	echo 1 >/proc/sys/kernel/bpf_stats_enabled
	vigil_start "$d"
	run_wl "$d" exec "$N_exec"
	settle "$VPID"
	printf '%s\n' "prog_id	name	run_cnt	run_time_ns	ns_per_run" >"$RES/bpf.tsv"
	for f in /proc/"$VPID"/fdinfo/*; do
		awk '/^prog_id:/ { id = $2 } /^run_time_ns:/ { t = $2 } /^run_cnt:/ { c = $2 }
		     END { if (id != "" && c != "") print id "\t" t "\t" c }' "$f" 2>/dev/null
	done | sort -u | while IFS=$'\t' read -r id t c; do
		name=$(bpftool prog show id "$id" 2>/dev/null | awk 'NR == 1 { for (i = 1; i < NF; i++) if ($i == "name") print $(i + 1) }')
		printf '%s\t%s\t%s\t%s\t%s\n' "$id" "${name:-?}" "$c" "$t" "$(( c ? t / c : 0 ))"
	done >>"$RES/bpf.tsv"
	vigil_stop
	echo "$STATS_OLD" >/proc/sys/kernel/bpf_stats_enabled; STATS_OLD=''
	(( KEEP )) || rm -f "$d/vigil.jsonl"
fi
echo "loadavg at end: $(cat /proc/loadavg)" >>"$RES/env.txt"

"$BENCH/process-summary.sh" "$RES" | tee "$RES/summary.md"
