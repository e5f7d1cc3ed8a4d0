#!/usr/bin/env bash
# policy.sh - policy-engine benchmark: what loaded rules that never match cost
# the open/close and exec loops under `vigil run`, with 0 (--no-policy), 10
# and 1,000 generated rules, as ratios against no monitor in the same run.
# Run as root.  See bench/README.md.
#
# usage: bench/policy.sh [-o RESDIR]
#   -o RESDIR   raw results (default bench/results/YYYYmmdd-HHMMSS-policy)
# environment (defaults in brackets):
#   ROUNDS [5]            interleaved rounds; per round B M B M B M (B = no
#                         monitor), configuration order rotated every round
#   CONFIGS ["rules0 rules10 rules1000"]
#                         rules0: `vigil run --no-policy` (sensors only);
#                         rulesN (N >= 1): `vigil run --policy DIR` with N
#                         generated rules that never match (see below)
#   N_open [1000000]      open(O_RDONLY)+close iterations
#   N_exec [3000]         fork+execve(/bin/true)+waitpid iterations
#   GAP [0.3]             idle seconds before every measured run
#   KEEP [0]              1: keep vigil's output (decisions + stats only)
#   VIGIL_BIN [build/vigil]
#
# Every monitored run starts a fresh
#   vigil run --alerts-only --output FILE --ready-file F --stats-interval 0
#             {--no-policy | --policy RES/policies/rulesN}
# waits for the ready file, runs the workload, waits until vigil is idle, reads
# its CPU time and stops it with SIGTERM (its final stats line gives lost.total).
# A monitored run's wall ratio = its loop time / mean of the same workload's
# loop time in the baseline blocks just before and after it.
#
# The generated rules (RES/policies/rulesN/, one policy of at most 10 rules per
# file; a policy has one mode, so the enforce and audit rules are in separate
# files), rule i by i mod 10:
#   0-3  exec, enforce, kill, binary exact /opt/vigil-bench/nomatch/bin-K
#        (the kernel's exec kill map: one hash lookup per exec)
#   4-7  file.open/write/unlink, audit, path exact PD/dir-M/file-K, 10 files
#        per directory; PD=$(mktemp -d /var/tmp/vigil-bench-pol.XXXXXX) with
#        every directory and (empty) file created beforehand, removed on exit
#        (watch-list entries; the list is capped at 4096)
#   8    connect, audit, alert, address 198.51.100.K/32 (then 203.0.113.K,
#        192.0.2.K): user space only
#   9    syscall, audit, alert, a rarely used syscall (ptrace, swapon, ...; at
#        most 8 rules per syscall) with syscallArgs [{index: 0, op: eq,
#        value: 0x7f000000+K}]: a sys_enter program on each named syscall
# The set is checked with `vigil policy check` before the first round.
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
: "${ROUNDS:=5}" "${N_open:=1000000}" "${N_exec:=3000}" "${GAP:=0.3}" "${KEEP:=0}"
: "${CONFIGS:=rules0 rules10 rules1000}"
VIGIL=${VIGIL_BIN:-$ROOT/build/vigil}
WL=$ROOT/build/bench/workload
WORKLOADS="open exec"
CLK_TCK=$(getconf CLK_TCK)
# rarely used syscalls the workloads (and, normally, nothing else) never make;
# the ones without a syscalls:sys_enter_ tracepoint on this kernel are dropped,
# and so are syscalls without arguments (vhangup, ...): vigil's syscall program
# reads the syscall number as 8 bytes at offset 8 of the record, and the record
# of a 0-argument syscall is 12 bytes, so the kernel refuses the attachment
# (`vigil run`: "cannot attach the policy program to syscall 'vhangup' ...:
# Permission denied", although `vigil policy check` accepts the rule)
SYSCALLS="ptrace swapon swapoff pivot_root acct reboot settimeofday sethostname
	setdomainname quotactl chroot iopl ioperm"
SYS_PER_NAME=8

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $(id -u) == 0 ]] || die "must run as root"
[[ -x $VIGIL ]] || die "$VIGIL not found (run make)"
read -ra CFGS <<<"$CONFIGS"
for c in "${CFGS[@]}"; do [[ $c =~ ^rules[0-9]+$ ]] || die "CONFIGS: '$c' is not rulesN"; done
mkdir -p "$ROOT/build/bench"
if [[ ! -x $WL || $BENCH/workload.c -nt $WL ]]; then
	${CC:-cc} -O2 -g -std=gnu11 -Wall -Wextra -Werror -o "$WL" "$BENCH/workload.c"
fi
RES=${RES:-$BENCH/results/$(date +%Y%m%d-%H%M%S)-policy}
mkdir -p "$RES/raw"; RES=$(cd "$RES" && pwd)

# ---- process control: everything started here is stopped on exit -----------
VPID='' WPID='' PD=''
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
	# errors from here on, so that nothing stops the clean-up half-way
	trap '' INT TERM HUP PIPE
	set +e
	[[ -n $WPID ]] && stop_pid TERM 5 "$WPID"
	[[ -n $VPID ]] && stop_pid TERM 60 "$VPID"
	[[ -n $PD && -d $PD ]] && rm -rf "$PD"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

cpu_ticks() {   # utime+stime of PID in clock ticks
	local s
	read -r s 2>/dev/null <"/proc/$1/stat" || { echo 0; return; }
	s=${s##*) }
	# shellcheck disable=SC2086
	set -- $s
	echo $(( ${12} + ${13} ))
}
run_ns() {      # on-CPU ns of PID, all threads (schedstat: precise)
	local f a sum=0
	for f in /proc/"$1"/task/*/schedstat; do
		read -r a _ 2>/dev/null <"$f" || continue
		sum=$(( sum + a ))
	done
	echo "$sum"
}
settle() {      # wait until PID gained no CPU tick in two consecutive 0.25 s windows
	local end=$(( SECONDS + 120 )) prev cur quiet=0
	prev=$(cpu_ticks "$1")
	while (( quiet < 2 )); do
		(( SECONDS >= end )) && { log "WARNING: vigil did not settle in 120 s"; return 0; }
		sleep 0.25
		cur=$(cpu_ticks "$1")
		if (( cur == prev )); then quiet=$((quiet + 1)); else quiet=0; fi
		prev=$cur
	done
}
kv() {
	local w
	for w in $2; do [[ $w == "$1="* ]] && { printf '%s\n' "${w#*=}"; return 0; }; done
	echo -
}

# ---- the generated policies ---------------------------------------------------
SYSNAMES=()
for s in $SYSCALLS; do
	for t in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		f=$t/events/syscalls/sys_enter_$s/format
		[[ -r $f ]] || continue
		# at least one argument after __syscall_nr (see SYSCALLS above)
		grep -A1000 -F '__syscall_nr' "$f" | grep -q 'field:.*offset:16;' && SYSNAMES+=("$s")
		break
	done
done
(( ${#SYSNAMES[@]} )) || die "none of the syscalls ($SYSCALLS) has a sys_enter tracepoint"
PD=$(mktemp -d /var/tmp/vigil-bench-pol.XXXXXX)

# rule_yaml I: the YAML of rule I of a set (its kind is I mod 10, see the top);
# K numbers the rules of one kind (the file a file rule names is created by
# gen_set)
rule_yaml() {
	local i=$1 k=$(( $1 / 10 )) slot=$(( $1 % 10 )) n
	if (( slot < 4 )); then
		n=$(( k * 4 + slot ))
		printf '    - name: exec-%d\n      kinds: [exec]\n' "$n"
		printf '      selectors:\n        - binary: {exact: [/opt/vigil-bench/nomatch/bin-%d]}\n' "$n"
		printf '      action: kill\n'
	elif (( slot < 8 )); then
		n=$(( k * 4 + slot - 4 ))
		printf '    - name: file-%d\n      kinds: [file.open, file.write, file.unlink]\n' "$n"
		printf '      selectors:\n        - path: {exact: [%s/dir-%d/file-%d]}\n' "$PD" $(( n / 10 )) "$n"
		printf '      action: alert\n'
	elif (( slot == 8 )); then
		local nets=(198.51.100 203.0.113 192.0.2)
		(( k < 254 * 3 )) || die "too many connect rules (at most 762)"
		printf '    - name: connect-%d\n      kinds: [connect]\n' "$k"
		printf '      selectors:\n        - address: [%s.%d/32]\n' "${nets[k / 254]}" $(( k % 254 + 1 ))
		printf '      action: alert\n'
	else
		(( k < ${#SYSNAMES[@]} * SYS_PER_NAME )) ||
			die "too many syscall rules (at most $SYS_PER_NAME on each of ${SYSNAMES[*]})"
		printf '    - name: syscall-%d\n      kinds: [syscall]\n' "$k"
		printf '      selectors:\n        - syscall: [%s]\n' "${SYSNAMES[k % ${#SYSNAMES[@]}]}"
		printf '          syscallArgs: [{index: 0, op: eq, value: 0x%x}]\n' $(( 0x7f000000 + k ))
		printf '      action: alert\n'
	fi
}
# policy_file DIR MODE RULES: the next MODE-NNN.yaml of DIR, one policy
policy_file() {
	local cnt f
	cnt=$(find "$1" -name "$2-*.yaml" | wc -l)
	printf -v f '%s/%s-%03d.yaml' "$1" "$2" "$cnt"
	{
		echo "apiVersion: vigil.dev/v1alpha1"
		echo "kind: Policy"
		echo "metadata:"
		printf '  name: bench-%s-%03d\n' "$2" "$cnt"
		echo "spec:"
		echo "  description: bench/policy.sh - rules that never match the benchmark's workloads"
		echo "  mode: $2"
		echo "  rules:"
		printf '%s' "$3"
	} >"$f"
}
# gen_set N DIR: N rules, enforce (exec) and audit (the rest) policies of at
# most 10 rules, one per file
gen_set() {
	local n=$1 dir=$2 i mode fn
	local -A rules=([enforce]='' [audit]='') nr=([enforce]=0 [audit]=0)
	mkdir -p "$dir"
	for ((i = 0; i < n; i++)); do
		mode=audit; (( i % 10 < 4 )) && mode=enforce
		rules[$mode]+=$(rule_yaml "$i")$'\n'
		nr[$mode]=$(( nr[$mode] + 1 ))
		if (( i % 10 >= 4 && i % 10 < 8 )); then   # the file rule's file
			fn=$(( i / 10 * 4 + i % 10 - 4 ))
			mkdir -p "$PD/dir-$(( fn / 10 ))"; : >"$PD/dir-$(( fn / 10 ))/file-$fn"
		fi
		if (( nr[$mode] == 10 )); then
			policy_file "$dir" "$mode" "${rules[$mode]}"
			rules[$mode]=''; nr[$mode]=0
		fi
	done
	for mode in enforce audit; do
		(( nr[$mode] )) && policy_file "$dir" "$mode" "${rules[$mode]}"
	done
	return 0
}
rm -rf "$RES/policies"
for c in "${CFGS[@]}"; do
	n=${c#rules}
	(( n > 0 )) || continue
	log "generating $n rules into $RES/policies/$c"
	gen_set "$n" "$RES/policies/$c"
	"$VIGIL" policy check "$RES/policies/$c" >"$RES/policies/$c.check" 2>&1 ||
		die "vigil policy check $RES/policies/$c failed: $(tail -5 "$RES/policies/$c.check")"
	log "  $(tail -1 "$RES/policies/$c.check")"
done

# ---- vigil ----------------------------------------------------------------------
# vigil_start CFG DIR: a fresh `vigil run`, wait for the ready file; sets
# VPID and START_MS (from exec to ready)
vigil_start() {
	local cfg=$1 d=$2 end=$(( SECONDS + 120 )) t0=$EPOCHREALTIME pol
	if [[ $cfg == rules0 ]]; then pol=(--no-policy); else pol=(--policy "$RES/policies/$cfg"); fi
	rm -f "$d/ready" "$d/vigil.jsonl"
	"$VIGIL" run "${pol[@]}" --alerts-only --output "$d/vigil.jsonl" --ready-file "$d/ready" \
		--stats-interval 0 >/dev/null 2>"$d/vigil.err" &
	VPID=$!
	until [[ -e $d/ready ]]; do
		if ! alive "$VPID"; then
			wait "$VPID" 2>/dev/null || true; VPID=''
			die "vigil run ($cfg) exited: $(grep -v ': info: ' "$d/vigil.err" | tail -5)"
		fi
		(( SECONDS < end )) || die "vigil run ($cfg) not ready after 120 s"
		sleep 0.02
	done
	START_MS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
}
# vigil_result DIR: "lost decisions sent_exec sent_file sent_syscall sent_total"
# (sent_*: records the kernel sent over vigil's whole life, every process's)
vigil_result() {
	local f=$1/vigil.jsonl st
	st=$(grep -F '"kind":"stats"' "$f" | tail -1)
	[[ -n $st ]] || die "no final stats line in $f"
	printf '%s %s ' "$(jq -r '.stats.lost.total' <<<"$st")" "$(grep -cF '"kind":"policy"' "$f" || true)"
	jq -r '"\(.stats.sent.exec) \(.stats.sent.file) \(.stats.sent.syscall) \([.stats.sent[]] | add)"' <<<"$st"
	(( KEEP )) || rm -f "$f"
}

run_wl() {      # run_wl DIR WORKLOAD: result line into $line (see process.sh)
	local d=$1 rc=0 args
	case $2 in
	open) args=(open "$N_open") ;;
	exec) args=(exec "$N_exec") ;;
	esac
	"$WL" "${args[@]}" >"$d/wl.res" 2>"$d/wl.err" & WPID=$!
	wait "$WPID" || rc=$?
	WPID=''
	(( rc == 0 )) || die "workload ${args[*]} exited $rc: $(head -c 300 "$d/wl.err")"
	line=$(<"$d/wl.res")
}
n_of() { case $1 in open) echo "$N_open" ;; exec) echo "$N_exec" ;; esac; }

{
	echo "date: $(date -u +%FT%TZ)"; echo "kernel: $(uname -r)"; echo "cpus: $(nproc)"
	echo "vigil: $("$VIGIL" version 2>/dev/null || echo ?)"
	echo "rounds: $ROUNDS  configs: $CONFIGS  N_open=$N_open N_exec=$N_exec GAP=$GAP"
	echo "policy paths under: $PD (removed on exit); syscalls for syscall rules: ${SYSNAMES[*]}"
	for c in "${CFGS[@]}"; do
		[[ -f $RES/policies/$c.check ]] && echo "$c: $(find "$RES/policies/$c" -name '*.yaml' | wc -l) files, policy check: $(tail -1 "$RES/policies/$c.check")"
	done
	echo "loadavg at start: $(cat /proc/loadavg)"
	echo "BPF programs loaded at start (others' too): $(bpftool prog show 2>/dev/null | grep -c '^[0-9]*:' || true)"
	echo "vigil processes running at start: $(pgrep -x vigil | tr '\n' ' ' || true)"
} >"$RES/env.txt"
# another monitor on the machine makes "none" a monitored baseline
if pgrep -x vigil >/dev/null; then
	log "WARNING: other vigil processes are running ($(pgrep -x vigil | tr '\n' ' ')): the baseline is not 'no monitor'"
fi

# ---- overhead: B M B M ... B ----------------------------------------------------
RUNS=$RES/runs.tsv
printf '%s\n' "block	cfg	wl	n	loop_ns	wl_cpu_us	start_ms	vigil_cpu_run_ms	vigil_run_us	vigil_cpu_total_ms	lost	decisions	sent_exec	sent_file	sent_syscall	sent_total	watches	loadavg1" >"$RUNS"
log "results in $RES"
nm=${#CFGS[@]}
nb=$(( 2 * ROUNDS * nm + 1 ))
for ((b = 0; b < nb; b++)); do
	cfg=none
	if (( b % 2 )); then k=$(( (b - 1) / 2 )); cfg=${CFGS[(k % nm + k / nm) % nm]}; fi
	log "block $b/$((nb - 1)): $cfg"
	read -ra order <<<"$WORKLOADS"
	for ((j = 0; j < ${#order[@]}; j++)); do
		wl=${order[(j + b / 2) % ${#order[@]}]}   # rotate the order every block pair
		d=$RES/raw/b$b-$cfg-$wl; mkdir -p "$d"
		START_MS=-
		[[ $cfg != none ]] && vigil_start "$cfg" "$d"
		sleep "$GAP"
		c0=0 s0=0; [[ $cfg != none ]] && { c0=$(cpu_ticks "$VPID"); s0=$(run_ns "$VPID"); }
		run_wl "$d" "$wl"
		vcpu=- vrun=- vtot=- r="- - - - - -"
		if [[ $cfg != none ]]; then
			settle "$VPID"
			vtot=$(cpu_ticks "$VPID")
			vcpu=$(( (vtot - c0) * 1000 / CLK_TCK ))
			vtot=$(( vtot * 1000 / CLK_TCK ))
			vrun=$(( ($(run_ns "$VPID") - s0) / 1000 ))
			stop_pid TERM 60 "$VPID"; VPID=''
			r=$(vigil_result "$d")
		fi
		read -r lost dec sx sfile ssys stot <<<"$r"
		watches=-; [[ $cfg != none ]] && watches=$(grep -o '[0-9]* file watches' "$d/vigil.err" | cut -d' ' -f1 || true)
		wcpu=$(( $(kv utime_us "$line") + $(kv stime_us "$line") + $(kv child_utime_us "$line") + $(kv child_stime_us "$line") ))
		printf '%s\t' "$b" "$cfg" "$wl" "$(n_of "$wl")" "$(kv loop_ns "$line")" "$wcpu" "$START_MS" \
			"$vcpu" "$vrun" "$vtot" "$lost" "$dec" "$sx" "$sfile" "$ssys" "$stot" "${watches:--}" >>"$RUNS"
		cut -d' ' -f1 /proc/loadavg >>"$RUNS"
	done
done
echo "loadavg at end: $(cat /proc/loadavg)" >>"$RES/env.txt"

"$BENCH/policy-summary.sh" "$RES" | tee "$RES/summary.md"
