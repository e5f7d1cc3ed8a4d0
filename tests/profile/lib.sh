# lib.sh - what the live profile tests share (sourced; needs TMP, bg_pid,
# passed, failed set by the test).

ok()   { passed=$((passed + 1)); echo "#$1:OK"; }
fail() { failed=$((failed + 1)); echo "  FAIL $1: $2"; echo "#$1:FAIL"; }

# wait_ready: until vigil (bg_pid) creates $TMP/ready, up to 15 s
wait_ready() {
	for _ in $(seq 150); do
		[[ -e $TMP/ready ]] && return 0
		kill -0 "$bg_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "  vigil did not become ready: $(tail -5 "$TMP/vigil.err")"
	return 1
}

# stop_bg: SIGTERM to vigil, and wait for it
stop_bg() {
	[[ -n $bg_pid ]] || return 0
	kill -TERM "$bg_pid"
	wait "$bg_pid"
	bg_pid=
}

anomalies() {	# anomalies FILE [JQ-FILTER]
	jq -c "select(.kind == \"anomaly\") | select(${2:-true})" "$1" 2>/dev/null
}
