#!/usr/bin/env bash
# file.sh - file-sensor benchmark: open/close and write loops under
# `vigil trace file` with a 100-entry watch list that does not match the
# workload's file, against no monitor and against a private auditd watching the
# same 100 paths; plus a write loop on a file vigil does watch, and the
# in-kernel time per run of the file programs.  Run as root.  See bench/README.md.
#
# usage: bench/file.sh [-o RESDIR]
#   -o RESDIR   raw results (default bench/results/YYYYmmdd-HHMMSS-file)
# environment (defaults in brackets):
#   ROUNDS [5]            interleaved rounds; per round B M B M B M (B = no
#                         monitor), monitor order rotated every round
#   MONITORS ["vigil auditd vigil-watched"]
#                         vigil:  the 100 non-matching watches (open, write)
#                         auditd: the same 100 paths as `-w PATH -p wa` rules
#                         vigil-watched: the 100 + an exact watch on the
#                                 watched-write workload's file (wwrite only)
#   N_open [1000000]      open(O_RDONLY)+close iterations
#   N_write [2000000]     4 KiB writes (lseek to 0 every 256)
#   N_wwrite [10000]      4 KiB writes to the watched file (every one is an
#                         event with a SHA-256 of the 1 MiB file before/after)
#   BPF_STATS [1]         1: after the rounds, one open, write and wwrite run
#                         each with kernel.bpf_stats_enabled=1 (put back on
#                         exit): ns per run of vigil's programs; 0 skips it
#   GAP [0.3]             idle seconds before every measured run
#   KEEP [0]              1: keep vigil's JSON output and auditd's log
#   INSTALL_AUDITD [1]    1: `apt-get install -y auditd` if it is missing
#                         (the distribution's service is kept from starting
#                         and disabled; the benchmark runs its own auditd -n)
#   VIGIL_BIN [build/vigil]
#
# The watch list: WD=$(mktemp -d /var/tmp/vigil-bench-watch.XXXXXX) with
# 50 exact files WD/etc-NN/conf (one per directory) and 50 subtree directories
# WD/tree-NN/ (each holding a file), all existing.  The open/write workloads
# use /tmp/vwl.PID/f|w: not under any of them.  The watched-write workload
# writes WD/watched/w (in the B blocks too, with nothing watching it).
#
# A monitored run's wall ratio = its loop time / mean of the same workload's
# loop time in the baseline blocks just before and after it.  Every monitor is
# started fresh for each run, attached, then the run, then drained, stopped.
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
: "${ROUNDS:=5}" "${N_open:=1000000}" "${N_write:=2000000}" "${N_wwrite:=10000}"
: "${MONITORS:=vigil auditd vigil-watched}" "${BPF_STATS:=1}" "${GAP:=0.3}" "${KEEP:=0}"
: "${INSTALL_AUDITD:=1}"
VIGIL=${VIGIL_BIN:-$ROOT/build/vigil}
WL=$ROOT/build/bench/workload
CLK_TCK=$(getconf CLK_TCK)
KEY=vigil_bench_file

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $(id -u) == 0 ]] || die "must run as root"
[[ -x $VIGIL ]] || die "$VIGIL not found (run make)"
mkdir -p "$ROOT/build/bench"
if [[ ! -x $WL || $BENCH/workload.c -nt $WL ]]; then
	${CC:-cc} -O2 -g -std=gnu11 -Wall -Wextra -Werror -o "$WL" "$BENCH/workload.c"
fi
RES=${RES:-$BENCH/results/$(date +%Y%m%d-%H%M%S)-file}
mkdir -p "$RES/raw"; RES=$(cd "$RES" && pwd)

# ---- auditd: installed?  (never start the distribution's service) -----------
if [[ " $MONITORS " == *" auditd "* ]] && ! dpkg -s auditd >/dev/null 2>&1; then
	(( INSTALL_AUDITD )) || die "auditd is not installed (INSTALL_AUDITD=0); drop it from MONITORS"
	log "installing auditd (apt-get); its service is kept from starting and disabled"
	prc=''
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; prc=1
	fi
	pid_before=$(auditctl -s 2>/dev/null | awk '$1 == "pid" { print $2 }' || true)
	rc=0; DEBIAN_FRONTEND=noninteractive apt-get install -y auditd >"$RES/apt.log" 2>&1 || rc=$?
	[[ -n $prc ]] && rm -f /usr/sbin/policy-rc.d
	(( rc == 0 )) || die "apt-get install auditd failed (see $RES/apt.log)"
	# not at boot either: this machine had no audit daemon before
	systemctl disable auditd >>"$RES/apt.log" 2>&1 || update-rc.d auditd disable >>"$RES/apt.log" 2>&1 || true
	pid_now=$(auditctl -s | awk '$1 == "pid" { print $2 }')
	if [[ ${pid_before:-0} == 0 && $pid_now != 0 ]]; then
		log "stopping the auditd service the installation started (pid $pid_now)"
		invoke-rc.d auditd stop >>"$RES/apt.log" 2>&1 || systemctl stop auditd >>"$RES/apt.log" 2>&1 || true
	fi
fi

# ---- process control: everything started here is stopped on exit -----------
VPID='' WPID='' APID='' STATS_OLD='' AUDIT_SNAP='' RULES_LOADED='' WD=''
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
audit_stat() { auditctl -s | awk -v k="$1" '$1 == k { print $2 }'; }
# delete exactly our rules, put the kernel audit settings back
audit_restore() {
	if [[ -n $RULES_LOADED ]]; then
		local l
		while read -r l; do
			[[ $l == -w\ * ]] && eval "auditctl -W ${l#-w }" >/dev/null 2>&1
		done <"$RES/auditd.rules"
		RULES_LOADED=''
	fi
	if [[ -n $AUDIT_SNAP ]]; then
		local b=$AUDIT_SNAP
		g() { awk -v k="$1" '$1 == k { print $2 }' "$b"; }
		auditctl -e "$(g enabled)" -f "$(g failure)" -b "$(g backlog_limit)" \
			-r "$(g rate_limit)" --backlog_wait_time "$(g backlog_wait_time)" >/dev/null
		[[ $(g lost) == 0 ]] && auditctl --reset-lost >/dev/null 2>&1
		[[ $(g backlog_wait_time_actual) == 0 ]] && auditctl --reset_backlog_wait_time_actual >/dev/null 2>&1
		if ! diff -q <(auditctl -l) "$RES/audit.rules.before" >/dev/null; then
			log "WARNING: audit rules differ from the snapshot taken at start:"
			diff <(auditctl -l) "$RES/audit.rules.before" >&2 || true
		fi
		AUDIT_SNAP=''
	fi
}
cleanup() {
	# Ctrl-C on `... | tee log` kills the reader too: ignore SIGPIPE and
	# errors from here on, so that nothing stops the restore half-way
	trap '' INT TERM HUP PIPE
	set +e
	[[ -n $WPID ]] && stop_pid TERM 5 "$WPID"
	[[ -n $VPID ]] && stop_pid TERM 60 "$VPID"
	[[ -n $APID ]] && stop_pid TERM 15 "$APID"
	audit_restore
	[[ -n $STATS_OLD ]] && echo "$STATS_OLD" >/proc/sys/kernel/bpf_stats_enabled
	[[ -n $WD && -d $WD ]] && rm -rf "$WD"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

cpu_ticks() {   # utime+stime (clock ticks) of PIDs
	local p s sum=0
	for p in "$@"; do
		read -r s 2>/dev/null <"/proc/$p/stat" || continue
		s=${s##*) }
		# shellcheck disable=SC2086
		set -- $s
		sum=$(( sum + ${12} + ${13} ))
	done
	echo "$sum"
}
run_ns() {      # on-CPU ns of PIDs, all threads (schedstat)
	local p f a sum=0
	for p in "$@"; do
		for f in /proc/"$p"/task/*/schedstat; do
			read -r a _ 2>/dev/null <"$f" || continue
			sum=$(( sum + a ))
		done
	done
	echo "$sum"
}
settle() {      # wait until PIDs gained no CPU tick in two consecutive 0.25 s windows
	local end=$(( SECONDS + 120 )) prev cur quiet=0
	prev=$(cpu_ticks "$@")
	while (( quiet < 2 )); do
		(( SECONDS >= end )) && { log "WARNING: monitor did not settle in 120 s"; return 0; }
		sleep 0.25
		cur=$(cpu_ticks "$@")
		if (( cur == prev )); then quiet=$((quiet + 1)); else quiet=0; fi
		prev=$cur
	done
}
kv() {
	local w
	for w in $2; do [[ $w == "$1="* ]] && { printf '%s\n' "${w#*=}"; return 0; }; done
	echo -
}

# ---- the watch list -----------------------------------------------------------
WD=$(mktemp -d /var/tmp/vigil-bench-watch.XXXXXX)
WATCH=()
for ((i = 0; i < 50; i++)); do
	printf -v nn '%02d' "$i"
	mkdir "$WD/etc-$nn" "$WD/tree-$nn"
	: >"$WD/etc-$nn/conf"; : >"$WD/tree-$nn/file"
	WATCH+=("$WD/etc-$nn/conf" "$WD/tree-$nn/")
done
mkdir "$WD/watched"; : >"$WD/watched/w"
WFILE=$WD/watched/w
VARGS=(); for p in "${WATCH[@]}"; do VARGS+=(--path "$p"); done
{
	echo "-b 8192"
	echo "-f 1"
	for p in "${WATCH[@]}"; do echo "-w $p -p wa -k $KEY"; done
} >"$RES/auditd.rules"
printf '%s\n' "${WATCH[@]}" >"$RES/watchlist.txt"

# ---- monitors -------------------------------------------------------------------
# mon_start CFG DIR: start a fresh monitor, wait until attached; sets MPIDS
mon_start() {
	local cfg=$1 d=$2 end=$(( SECONDS + 60 ))
	case $cfg in
	vigil|vigil-watched)
		local extra=(); [[ $cfg == vigil-watched ]] && extra=(--path "$WFILE")
		rm -f "$d/ready" "$d/vigil.jsonl"
		"$VIGIL" trace file "${VARGS[@]}" "${extra[@]}" -o json --output "$d/vigil.jsonl" \
			--ready-file "$d/ready" >/dev/null 2>"$d/vigil.err" &
		VPID=$!; MPIDS=("$VPID")
		until [[ -e $d/ready ]]; do
			alive "$VPID" || die "vigil exited: $(tail -3 "$d/vigil.err")"
			(( SECONDS < end )) || die "vigil not attached after 60 s"
			sleep 0.05
		done
		;;
	auditd)
		local other; other=$(audit_stat pid)
		[[ $other == 0 ]] || die "an audit daemon (pid $other) is already registered; leaving it alone"
		auditctl -s >"$d/audit.status.before"
		[[ -f $RES/audit.rules.before ]] || auditctl -l >"$RES/audit.rules.before"
		AUDIT_SNAP=$d/audit.status.before
		mkdir -p "$d/auditd.d/plugins.d"
		# the shared harness's private auditd: log here, no rotation, no plugins
		cat >"$d/auditd.d/auditd.conf" <<-CONF
		local_events = yes
		write_logs = yes
		log_file = $d/audit.log
		log_group = root
		log_format = ENRICHED
		flush = INCREMENTAL_ASYNC
		freq = 50
		max_log_file = 8
		num_logs = 5
		priority_boost = 4
		name_format = NONE
		max_log_file_action = IGNORE
		space_left = 75
		space_left_action = SYSLOG
		verify_email = no
		action_mail_acct = root
		admin_space_left = 50
		admin_space_left_action = SUSPEND
		disk_full_action = SUSPEND
		disk_error_action = SUSPEND
		use_libwrap = yes
		tcp_listen_queue = 5
		tcp_max_per_addr = 1
		tcp_client_max_idle = 0
		transport = TCP
		distribute_network = no
		q_depth = 2000
		overflow_action = SYSLOG
		max_restarts = 10
		plugin_dir = $d/auditd.d/plugins.d
		end_of_event_timeout = 2
		CONF
		chmod 0640 "$d/auditd.d/auditd.conf"
		auditd -n -s enable -c "$d/auditd.d" >"$d/auditd.out" 2>&1 &
		APID=$!
		until [[ $(audit_stat pid) == "$APID" ]]; do
			alive "$APID" || die "auditd exited: $(tail -3 "$d/auditd.out")"
			(( SECONDS < end )) || die "auditd not registered after 60 s"
			sleep 0.1
		done
		RULES_LOADED=1
		auditctl -R "$RES/auditd.rules" >"$d/auditctl.load" 2>&1 ||
			die "auditctl -R failed: $(tail -3 "$d/auditctl.load")"
		until [[ $(audit_stat enabled) == 1 && $(auditctl -l | grep -c -- "$KEY") -ge 100 && -s $d/audit.log ]]; do
			(( SECONDS < end )) || die "auditd rules not in place after 60 s"
			sleep 0.1
		done
		mapfile -t MPIDS < <(echo "$APID"; pgrep -x kauditd || true)
		;;
	esac
}
mon_stop() {    # mon_stop CFG DIR (after settle)
	case $1 in
	vigil|vigil-watched) stop_pid TERM 120 "$VPID"; VPID='' ;;
	auditd)
		until [[ $(audit_stat backlog) == 0 ]]; do sleep 0.1; done
		auditctl -s >"$2/audit.status.after"
		stop_pid TERM 15 "$APID"; APID=''
		audit_restore
		;;
	esac
}
# mon_result CFG DIR FILE_PATH: "events lost lost_rb"
#   vigil:  events = file events it printed (all of them; the watched run:
#           write events on FILE_PATH); lost = lost.total of its final stats
#   auditd: events = SYSCALL records with our key; lost = audit `lost` gained
mon_result() {
	local d=$2 ev st lost lrb
	case $1 in
	vigil|vigil-watched)
		if [[ $1 == vigil-watched ]]; then
			ev=$(grep -F '"op":"write"' "$d/vigil.jsonl" | grep -cF "\"path\":\"$3\"" || true)
		else
			ev=$(grep -cF '"kind":"file"' "$d/vigil.jsonl" || true)
		fi
		st=$(grep -F '"kind":"stats"' "$d/vigil.jsonl" | tail -1)
		[[ -n $st ]] || die "no final stats line in $d/vigil.jsonl"
		lost=$(grep -o '"lost":{"total":[0-9]*,"ringbuf_full":[0-9]*' <<<"$st" | tr -dc '0-9,' | tr ',' ' ')
		(( KEEP )) || rm -f "$d/vigil.jsonl"
		echo "$ev $lost"
		;;
	auditd)
		ev=$(grep '^type=SYSCALL ' "$d/audit.log" | grep -cF "key=\"$KEY\"" || true)
		lost=$(( $(awk '$1 == "lost" { print $2 }' "$d/audit.status.after") -
			 $(awk '$1 == "lost" { print $2 }' "$d/audit.status.before") ))
		(( KEEP )) || rm -f "$d/audit.log"
		echo "$ev $lost -"
		;;
	esac
}

run_wl() {      # run_wl DIR WORKLOAD: result line into $line (see process.sh)
	local d=$1 rc=0 args
	case $2 in
	open) args=(open "$N_open") ;;
	write) args=(write "$N_write") ;;
	wwrite) args=(-f "$WFILE" write "$N_wwrite") ;;
	esac
	"$WL" "${args[@]}" >"$d/wl.res" 2>"$d/wl.err" & WPID=$!
	wait "$WPID" || rc=$?
	WPID=''
	(( rc == 0 )) || die "workload ${args[*]} exited $rc: $(head -c 300 "$d/wl.err")"
	line=$(<"$d/wl.res")
}
n_of() { case $1 in open) echo "$N_open" ;; write) echo "$N_write" ;; wwrite) echo "$N_wwrite" ;; esac; }
wls_of() { case $1 in none) echo "open write wwrite" ;; vigil-watched) echo wwrite ;; *) echo "open write" ;; esac; }

{
	echo "date: $(date -u +%FT%TZ)"; echo "kernel: $(uname -r)"; echo "cpus: $(nproc)"
	echo "vigil: $("$VIGIL" version 2>/dev/null || echo ?)"
	echo "auditd: $(auditctl -v 2>/dev/null || echo -)"
	echo "rounds: $ROUNDS  monitors: $MONITORS  N_open=$N_open N_write=$N_write N_wwrite=$N_wwrite GAP=$GAP"
	echo "watch list: 50 exact files $WD/etc-NN/conf + 50 subtrees $WD/tree-NN/ (watchlist.txt); watched-write file $WFILE"
	echo "loadavg at start: $(cat /proc/loadavg)"
	echo "BPF programs loaded at start (others' too): $(bpftool prog show 2>/dev/null | grep -c '^[0-9]*:' || true)"
} >"$RES/env.txt"

# ---- 1. overhead: B M B M ... B ---------------------------------------------
RUNS=$RES/runs.tsv
printf '%s\n' "block	cfg	wl	n	loop_ns	wl_cpu_us	mon_cpu_ms	mon_run_us	drain_ms	events	gen	lost	lost_rb	loadavg1" >"$RUNS"
log "results in $RES"
read -ra MONS <<<"$MONITORS"
nm=${#MONS[@]}
nb=$(( 2 * ROUNDS * nm + 1 ))
for ((b = 0; b < nb; b++)); do
	cfg=none
	if (( b % 2 )); then k=$(( (b - 1) / 2 )); cfg=${MONS[(k % nm + k / nm) % nm]}; fi
	log "block $b/$((nb - 1)): $cfg"
	read -ra order <<<"$(wls_of "$cfg")"
	for ((j = 0; j < ${#order[@]}; j++)); do
		wl=${order[(j + b / 2) % ${#order[@]}]}   # rotate the order every block pair
		d=$RES/raw/b$b-$cfg-$wl; mkdir -p "$d"
		MPIDS=()
		[[ $cfg != none ]] && mon_start "$cfg" "$d"
		sleep "$GAP"
		c0=0 s0=0; (( ${#MPIDS[@]} )) && { c0=$(cpu_ticks "${MPIDS[@]}"); s0=$(run_ns "${MPIDS[@]}"); }
		run_wl "$d" "$wl"
		mcpu=- mrun=- drain=- r="- - -"
		if [[ $cfg != none ]]; then
			t_end=$EPOCHREALTIME
			settle "${MPIDS[@]}"
			drain=$(awk -v a="$t_end" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a - 0.5) * 1000 }')
			mcpu=$(( ($(cpu_ticks "${MPIDS[@]}") - c0) * 1000 / CLK_TCK ))
			mrun=$(( ($(run_ns "${MPIDS[@]}") - s0) / 1000 ))
			mon_stop "$cfg" "$d"
			r=$(mon_result "$cfg" "$d" "$(kv file_path "$line")")
		fi
		read -r ev lost lrb <<<"$r"
		gen=$(( $(kv opens "$line") + $(kv writes "$line") ))
		wcpu=$(( $(kv utime_us "$line") + $(kv stime_us "$line") ))
		printf '%s\t' "$b" "$cfg" "$wl" "$(n_of "$wl")" "$(kv loop_ns "$line")" "$wcpu" "$mcpu" "$mrun" \
			"$drain" "$ev" "$gen" "$lost" "$lrb" >>"$RUNS"
		cut -d' ' -f1 /proc/loadavg >>"$RUNS"
	done
done

# ---- 2. in-kernel cost per BPF program run (kernel.bpf_stats_enabled) --------
# deltas of run_time_ns/run_cnt (from /proc/VPID/fdinfo) around one run of each
# workload under the monitor that runs it; a separate, unmeasured run because
# the stats add two clock reads per program run
prog_stats() {  # prog_stats PID: "id run_time_ns run_cnt" per program fd
	local f
	for f in /proc/"$1"/fdinfo/*; do
		awk '/^prog_id:/ { id = $2 } /^run_time_ns:/ { t = $2 } /^run_cnt:/ { c = $2 }
		     END { if (id != "" && c != "") print id, t, c }' "$f" 2>/dev/null
	done | sort -u
}
if (( BPF_STATS )); then
	STATS_OLD=$(cat /proc/sys/kernel/bpf_stats_enabled)
	echo 1 >/proc/sys/kernel/bpf_stats_enabled
	printf '%s\n' "wl	cfg	n	prog_id	name	run_cnt	run_time_ns	ns_per_run" >"$RES/bpf.tsv"
	for wl in open write wwrite; do
		cfg=vigil; [[ $wl == wwrite ]] && cfg=vigil-watched
		[[ " $MONITORS " == *" $cfg "* ]] || continue
		log "BPF program cost: $wl x $(n_of "$wl") under $cfg with kernel.bpf_stats_enabled=1"
		d=$RES/raw/bpf-$wl; mkdir -p "$d"
		mon_start "$cfg" "$d"
		sleep "$GAP"
		prog_stats "$VPID" >"$d/before"
		run_wl "$d" "$wl"
		prog_stats "$VPID" >"$d/after"
		settle "$VPID"
		join "$d/before" "$d/after" | while read -r id t0 c0 t1 c1; do
			(( c1 > c0 )) || continue
			name=$(bpftool prog show id "$id" 2>/dev/null | awk 'NR == 1 { for (i = 1; i < NF; i++) if ($i == "name") print $(i + 1) }')
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$wl" "$cfg" "$(n_of "$wl")" "$id" "${name:-?}" \
				$(( c1 - c0 )) $(( t1 - t0 )) $(( (t1 - t0) / (c1 - c0) ))
		done >>"$RES/bpf.tsv"
		mon_stop "$cfg" "$d"
		(( KEEP )) || rm -f "$d/vigil.jsonl"
	done
	echo "$STATS_OLD" >/proc/sys/kernel/bpf_stats_enabled; STATS_OLD=''
fi
echo "loadavg at end: $(cat /proc/loadavg)" >>"$RES/env.txt"

"$BENCH/file-summary.sh" "$RES" | tee "$RES/summary.md"
