#!/usr/bin/env bash
# test_gpu.sh - the GPU driver sensor as a user runs it: `vigil trace gpu`
# records (JSON) for known call sequences against the fake driver
# (build/tests/bpf/progs/libfakecuda.so, SONAME libcuda.so.1) and its client
# gpu_caller; a missing library (an error for `trace gpu`, a warning for
# `run --gpu`); and `vigil run --gpu --metrics`: every vigil_gpu_* series
# against what the clients did, counters kept after a client exits,
# `promtool check metrics`.  Needs root, curl, jq; promtool (Debian package
# `prometheus`) or its check is skipped.  Build first: make integration.
# Ends with "N passed, N failed, N skipped".
#
# Only what this test creates is touched: its processes (by pid) and a temp dir.
set -u
VIGIL=$(realpath "${VIGIL:-build/vigil}")
PROGS=$(dirname "$VIGIL")/tests/bpf/progs
LIB=$PROGS/libfakecuda.so
CALLER=$PROGS/gpu_caller
TMP=$(mktemp -d /tmp/vigil-gpu-XXXXXX)
passed=0 failed=0 skipped=0
vigil_pid= client_pid=
MiB=1048576

cleanup() {
	[[ -n $client_pid ]] && kill -KILL "$client_pid" 2>/dev/null && wait "$client_pid" 2>/dev/null
	[[ -n $vigil_pid ]] && kill -TERM "$vigil_pid" 2>/dev/null && wait "$vigil_pid" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ok()   { passed=$((passed + 1)); echo "#$1:OK"; }
fail() { failed=$((failed + 1)); echo "  FAIL $1: $2"; echo "#$1:FAIL"; }
skip() { skipped=$((skipped + 1)); echo "  SKIP $1: $2"; }

if [[ ! -x $CALLER || ! -r $LIB ]]; then
	echo "gpu_caller and libfakecuda.so are not built (make integration)"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
LIB=$(realpath "$LIB")
have_promtool=1
command -v promtool >/dev/null || have_promtool=0

free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# start_vigil CMD...: vigil CMD --ready-file, in the background; wait until ready
start_vigil() {
	rm -f "$TMP/ready"
	"$VIGIL" "$@" --ready-file "$TMP/ready" 2>"$TMP/vigil.err" &
	vigil_pid=$!
	for _ in $(seq 150); do
		[[ -e $TMP/ready ]] && return 0
		kill -0 "$vigil_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "  vigil did not become ready: $(tail -5 "$TMP/vigil.err")"
	vigil_pid=
	return 1
}

stop_vigil() {
	[[ -n $vigil_pid ]] || return 1
	kill -TERM "$vigil_pid"
	wait "$vigil_pid"
	local rc=$?
	vigil_pid=
	return $rc
}

# client_start MODE: gpu_caller -w, held alive on a fifo; returns once its
# calls are made ("done"); $client_pid
client_start() {
	rm -f "$TMP/in" "$TMP/out"
	mkfifo "$TMP/in"
	"$CALLER" -w "$LIB" "$1" <"$TMP/in" >"$TMP/out" &
	client_pid=$!
	exec 3>"$TMP/in"
	echo go >&3
	for _ in $(seq 100); do
		grep -q '^done$' "$TMP/out" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# client_stop: let it exit; its exit status
client_stop() {
	exec 3>&-
	wait "$client_pid"
	local rc=$?
	client_pid=
	return $rc
}

# value FILE SERIES-REGEX: the value of the first series matching
value() {
	grep -E "^$2 " "$1" | head -1 | awk '{ print $NF }'
}

scrape() {
	curl -s --max-time 5 -o "$2" "http://127.0.0.1:$1/metrics"
}

# ---- no library ------------------------------------------------------------
name=trace_gpu_missing_library
"$VIGIL" trace gpu --lib /nonexistent/libcuda.so.1 >"$TMP/out" 2>"$TMP/err"
rc=$?
if [[ $rc != 1 ]]; then
	fail $name "exit $rc, expected 1: $(head -c 300 "$TMP/err")"
elif [[ $(wc -l <"$TMP/err") != 1 ]] ||
	! grep -q "^vigil: error: cannot trace GPU driver calls: '/nonexistent/libcuda.so.1' not found" "$TMP/err"; then
	fail $name "expected one clear line: $(cat "$TMP/err")"
else
	ok $name
fi

name=trace_gpu_default_library
if out=$(env -u LD_LIBRARY_PATH ldconfig -p 2>/dev/null | grep -F 'libcuda.so.1 '); [[ -n $out ]]; then
	skip $name "this machine has a libcuda.so.1 ($out)"
else
	env -u LD_LIBRARY_PATH "$VIGIL" trace gpu >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [[ $rc == 1 ]] && grep -q "'libcuda.so.1' not found" "$TMP/err"; then
		ok $name
	else
		fail $name "exit $rc: $(head -c 300 "$TMP/err")"
	fi
fi

name=trace_gpu_lib_without_the_functions
"$VIGIL" trace gpu --lib /bin/true >"$TMP/out" 2>"$TMP/err"
rc=$?
if [[ $rc == 1 ]] && grep -q "error: cannot probe any CUDA driver function in '/usr/bin/true': No such file or directory (is it libcuda?)" "$TMP/err"; then
	ok $name
else
	fail $name "exit $rc: $(grep -v '^libbpf' "$TMP/err" | head -c 400)"
fi

# ---- vigil trace gpu: the records ----------------------------------------------
# A process's records, summed: calls per function must be exact; the last
# record (exited) has the allocation gauges.
name=trace_gpu_json
if start_vigil trace gpu --lib "$LIB" -o json --output "$TMP/trace.jsonl" --interval 200ms; then
	a_rc=1
	client_start standard && a_pid=$client_pid && sleep 0.5 && client_stop && a_rc=0
	"$CALLER" "$LIB" threads &
	b_pid=$!
	wait $b_pid
	b_rc=$?
	sleep 0.5
	stop_vigil
	v_rc=$?
	# per pid: sums of the interval records, and the last record
	jq -s -c --argjson pid "$a_pid" '[.[] | select(.kind == "gpu" and .process.pid == $pid)] |
		{n: length, launch: (map(.gpu.functions.cuLaunchKernel.calls) | add),
		 alloc: (map(.gpu.functions.cuMemAlloc_v2.calls) | add),
		 alloc_err: (map(.gpu.functions.cuMemAlloc_v2.errors) | add),
		 free: (map(.gpu.functions.cuMemFree_v2.calls) | add),
		 sync: (map(.gpu.functions.cuCtxSynchronize.calls) | add),
		 sync_p99_ok: (map(.gpu.functions.cuCtxSynchronize.p99_ns) | max |
			. >= 32768000 and . <= 131072000),
		 bytes: (map(.gpu.alloc_bytes) | add), failed: (map(.gpu.alloc_failed_bytes) | add),
		 last: .[-1].gpu | {exited, allocated_bytes, allocations},
		 comm: .[0].process.comm, exe: .[0].process.exe}' "$TMP/trace.jsonl" >"$TMP/a.json"
	want_a=$(jq -n -c --arg exe "$CALLER" --argjson mib $MiB '{launch: 5, alloc: 4, alloc_err: 1, free: 2, sync: 2,
		sync_p99_ok: true, bytes: (21 * $mib), failed: (2048 * $mib),
		last: {exited: true, allocated_bytes: (16 * $mib), allocations: 1},
		comm: "gpu_caller", exe: $exe}')
	b=$(jq -s -c --argjson pid "$b_pid" '[.[] | select(.kind == "gpu" and .process.pid == $pid)] |
		{launch: (map(.gpu.functions.cuLaunchKernel.calls) | add),
		 sync: (map(.gpu.functions.cuCtxSynchronize.calls) | add),
		 alloc: (map(.gpu.functions.cuMemAlloc_v2.calls) | add), exited: .[-1].gpu.exited}' \
		"$TMP/trace.jsonl")
	if [[ $a_rc != 0 || $b_rc != 0 || $v_rc != 0 ]]; then
		fail $name "exit statuses: standard $a_rc, threads $b_rc, vigil $v_rc"
	elif [[ $(jq -c 'del(.n)' "$TMP/a.json") != "$want_a" ]]; then
		fail $name "standard client: $(cat "$TMP/a.json"), expected $want_a"
	elif [[ $b != '{"launch":40,"sync":4,"alloc":0,"exited":true}' ]]; then
		fail $name "threads client: $b"
	elif [[ $(jq -s '[.[] | select(.kind == "gpu")] | length' "$TMP/trace.jsonl") != \
		$(( $(jq .n "$TMP/a.json") + $(jq -s --argjson pid "$b_pid" '[.[] | select(.kind == "gpu" and .process.pid == $pid)] | length' "$TMP/trace.jsonl") )) ]]; then
		fail $name "gpu records of other processes: $(jq -c 'select(.kind == "gpu") | .process.pid' "$TMP/trace.jsonl" | sort -u | tr '\n' ' ')"
	else
		ok $name
	fi
else
	fail $name "vigil trace gpu did not start"
fi

name=trace_gpu_text
if start_vigil trace gpu --lib "$LIB" --output "$TMP/trace.txt"; then
	"$CALLER" "$LIB" standard
	sleep 0.3
	stop_vigil
	if grep -Eq " gpu +pid=[0-9]+ .*comm=gpu_caller .* cuLaunchKernel=5\\(p99<=[0-9]+us\\) cuMemAlloc_v2=4/1err(\\(p99<=[0-9]+us\\))? cuMemFree_v2=2(\\(p99<=[0-9]+us\\))? cuCtxSynchronize=2\\(p99<=(32768|65536|131072)us\\) alloc_bytes=22020096 allocated_bytes=16777216 exited" "$TMP/trace.txt"; then
		ok $name
	else
		fail $name "$(grep ' gpu ' "$TMP/trace.txt" | head -3)"
	fi
else
	fail $name "vigil trace gpu did not start"
fi

# ---- vigil run --gpu --metrics ---------------------------------------------------
gpu_metrics() {
	local name=run_gpu_metrics port m1=$TMP/m1.txt m2=$TMP/m2.txt errs="" s
	port=$(free_port) || { fail $name "no free port"; return; }
	if ! start_vigil run --no-policy --alerts-only --output "$TMP/run.jsonl" --stats-interval 0 \
		--gpu --gpu-lib "$LIB" --metrics "127.0.0.1:$port"; then
		fail $name "vigil run --gpu did not start"
		return
	fi
	grep -q "info: gpu: 4 CUDA driver functions probed in $LIB" "$TMP/vigil.err" ||
		errs+="no 'probed' line; "
	client_start standard || errs+="standard client did not run; "
	sleep 0.2	# a scrape may be served values up to 100 ms old (metrics_http.c)
	scrape "$port" "$m1"
	s='vigil_gpu_calls_total\{function="cuLaunchKernel",comm="gpu_caller"\}'
	[[ $(value "$m1" "$s") == 5 ]] || errs+="launches '$(value "$m1" "$s")'; "
	s='vigil_gpu_calls_total\{function="cuMemAlloc_v2",comm="gpu_caller"\}'
	[[ $(value "$m1" "$s") == 4 ]] || errs+="allocs '$(value "$m1" "$s")'; "
	s='vigil_gpu_calls_total\{function="cuMemFree_v2",comm="gpu_caller"\}'
	[[ $(value "$m1" "$s") == 2 ]] || errs+="frees '$(value "$m1" "$s")'; "
	s='vigil_gpu_calls_total\{function="cuCtxSynchronize",comm="gpu_caller"\}'
	[[ $(value "$m1" "$s") == 2 ]] || errs+="syncs '$(value "$m1" "$s")'; "
	s='vigil_gpu_call_errors_total\{function="cuMemAlloc_v2",comm="gpu_caller"\}'
	[[ $(value "$m1" "$s") == 1 ]] || errs+="alloc errors '$(value "$m1" "$s")'; "
	[[ $(grep -E '^vigil_gpu_call_errors_total\{' "$m1" | awk '{ s += $NF } END { print s }') == 1 ]] ||
		errs+="errors: $(grep '^vigil_gpu_call_errors_total{' "$m1" | tr '\n' ' '); "
	s='vigil_gpu_alloc_bytes_total\{comm="gpu_caller"\}'
	[[ $(value "$m1" "$s") == $((21 * MiB)) ]] || errs+="alloc bytes '$(value "$m1" "$s")'; "
	s='vigil_gpu_allocated_bytes\{comm="gpu_caller"\}'
	[[ $(value "$m1" "$s") == $((16 * MiB)) ]] || errs+="allocated '$(value "$m1" "$s")'; "
	[[ $(value "$m1" vigil_gpu_processes) == 1 ]] || errs+="processes '$(value "$m1" vigil_gpu_processes)'; "
	s='vigil_gpu_call_duration_seconds_bucket\{function="cuCtxSynchronize",le="0.016384"\}'
	[[ $(value "$m1" "$s") == 0 ]] || errs+="sync <= 16.4 ms '$(value "$m1" "$s")'; "
	# 20 ms syncs: <= 32.8 ms on an idle machine, <= 131 ms on a loaded one
	s='vigil_gpu_call_duration_seconds_bucket\{function="cuCtxSynchronize",le="0.131072"\}'
	[[ $(value "$m1" "$s") == 2 ]] || errs+="sync <= 131 ms '$(value "$m1" "$s")'; "
	s='vigil_gpu_call_duration_seconds_bucket\{function="cuCtxSynchronize",le="\+Inf"\}'
	[[ $(value "$m1" "$s") == 2 ]] || errs+="sync +Inf '$(value "$m1" "$s")'; "
	s='vigil_gpu_call_duration_seconds_count\{function="cuLaunchKernel"\}'
	[[ $(value "$m1" "$s") == 5 ]] || errs+="launch count '$(value "$m1" "$s")'; "
	s='vigil_gpu_call_duration_seconds_sum\{function="cuCtxSynchronize"\}'
	awk -v v="$(value "$m1" "$s")" 'BEGIN { exit !(v >= 0.04 && v < 0.263) }' ||
		errs+="sync sum '$(value "$m1" "$s")'; "
	[[ $(grep -c '^vigil_gpu_untracked_total{reason="[a-z_]*"} 0$' "$m1") == 6 ]] ||
		errs+="untracked: $(grep '^vigil_gpu_untracked' "$m1" | tr '\n' ' '); "
	if (( have_promtool )) && ! promtool check metrics <"$m1" >"$TMP/pc.out" 2>&1; then
		errs+="promtool: $(head -c 400 "$TMP/pc.out"); "
	fi
	# the client exits; another with the same comm: counters go on, the gauge drops
	client_stop || errs+="standard client exit status; "
	"$CALLER" "$LIB" threads || errs+="threads client exit status; "
	sleep 1.3	# the sweep: exits are seen within a second
	scrape "$port" "$m2"
	s='vigil_gpu_calls_total\{function="cuLaunchKernel",comm="gpu_caller"\}'
	[[ $(value "$m2" "$s") == 45 ]] || errs+="launches after exit '$(value "$m2" "$s")'; "
	s='vigil_gpu_call_duration_seconds_bucket\{function="cuCtxSynchronize",le="0.131072"\}'
	[[ $(value "$m2" "$s") == 6 ]] || errs+="syncs after exit '$(value "$m2" "$s")'; "
	s='vigil_gpu_allocated_bytes\{comm="gpu_caller"\}'
	[[ $(value "$m2" "$s") == 0 ]] || errs+="allocated after exit '$(value "$m2" "$s")'; "
	s='vigil_gpu_alloc_bytes_total\{comm="gpu_caller"\}'
	[[ $(value "$m2" "$s") == $((21 * MiB)) ]] || errs+="alloc bytes after exit '$(value "$m2" "$s")'; "
	[[ $(value "$m2" vigil_gpu_processes) == 0 ]] || errs+="processes after exit '$(value "$m2" vigil_gpu_processes)'; "
	s='vigil_bpf_program_runs_total\{program="vg_gpu_launch_ret"\}'
	awk -v v="$(value "$m2" "$s")" 'BEGIN { exit !(v >= 45) }' || errs+="program runs '$(value "$m2" "$s")'; "
	[[ $(grep -c '^vigil_gpu_calls_total{' "$m2") == 4 ]] ||
		errs+="series: $(grep '^vigil_gpu_calls_total{' "$m2" | tr '\n' ' '); "
	if (( have_promtool )) && ! promtool check metrics <"$m2" >"$TMP/pc.out" 2>&1; then
		errs+="promtool: $(head -c 400 "$TMP/pc.out"); "
	fi
	stop_vigil || errs+="vigil run did not exit 0; "
	[[ -n $errs ]] && fail $name "$errs" || ok $name
}
gpu_metrics

name=run_gpu_without_library
port=$(free_port)
if start_vigil run --no-policy --alerts-only --output /dev/null --stats-interval 0 \
	--gpu --gpu-lib /nonexistent/libcuda.so.1 --metrics "127.0.0.1:$port"; then
	scrape "$port" "$TMP/m3.txt"
	stop_vigil
	rc=$?
	if [[ $rc != 0 ]]; then
		fail $name "vigil run exit $rc: $(tail -3 "$TMP/vigil.err")"
	elif ! grep -q "^vigil: warning: --gpu: '/nonexistent/libcuda.so.1' not found: GPU driver calls are not traced" "$TMP/vigil.err"; then
		fail $name "no warning: $(grep -v info: "$TMP/vigil.err" | head -3)"
	elif grep -q '^vigil_gpu_' "$TMP/m3.txt" || ! grep -q '^vigil_events_total' "$TMP/m3.txt"; then
		fail $name "metrics: $(grep -c '^vigil_gpu_' "$TMP/m3.txt") gpu series, events $(grep -c '^vigil_events_total' "$TMP/m3.txt")"
	else
		ok $name
	fi
else
	fail $name "vigil run --gpu without the library did not start: $(tail -3 "$TMP/vigil.err")"
fi

echo "$passed passed, $failed failed, $skipped skipped"
(( failed == 0 ))
