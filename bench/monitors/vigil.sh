# monitors/vigil.sh - vigil as one configuration of the shared monitor-comparison
# harness (/work/shared/bench: peers.sh, overhead.sh).  Copy it into that
# harness's monitors/ directory; see bench/README.md, "Shared harness".
#
#   vigil trace exec -o json --output OUTDIR/vigil.jsonl --ready-file OUTDIR/vigil.ready
#
# Covers exec only (the process sensor: exec/fork/exit are traced, exec events
# are printed); open and connect are reported as not covered ("-").
# Environment: VIGIL_BIN (default: vigil in PATH), VIGIL_ARGS (extra options
# for `vigil trace exec`, e.g. "--backend raw_tp").
# shellcheck shell=bash
VIGIL_BIN=${VIGIL_BIN:-vigil}
VIGIL_ARGS=${VIGIL_ARGS:-}
MON_DESC="$($VIGIL_BIN version 2>/dev/null | head -1): trace exec -o json --output file ${VIGIL_ARGS}"

mon_start() {
	command -v "$VIGIL_BIN" >/dev/null || die "$VIGIL_BIN not found (set VIGIL_BIN)"
	# shellcheck disable=SC2086
	"$VIGIL_BIN" trace exec -o json --output "$OUTDIR/vigil.jsonl" \
		--ready-file "$OUTDIR/vigil.ready" $VIGIL_ARGS >"$OUTDIR/vigil.log" 2>&1 &
	MON_PIDS=($!)
}

# vigil creates the ready file once every program is attached
mon_ready() {
	alive "${MON_PIDS[0]}" || die "vigil exited: $(tail -5 "$OUTDIR/vigil.log")"
	[[ -e $OUTDIR/vigil.ready ]]
}

# drained = no CPU tick in two 0.25 s windows; then wait out vigil's once-a-second
# loss check, so a loss in this run is already in the output when mon_drops reads it
mon_settle() { settle_cpu 60 "${MON_PIDS[@]}" && sleep 1.1; }

# vigil checks its loss counters once a second and, when they grew, writes a
# stats event with the cumulative total (and always one at exit)
mon_drops() {
	local t
	t=$(grep -F '"kind":"stats"' "$OUTDIR/vigil.jsonl" 2>/dev/null | tail -1 |
		grep -o '"lost":{"total":[0-9]*' | tr -dc '0-9')
	echo "${t:-0}"
}

# SIGTERM: vigil drains the ring buffer, writes its final stats line, detaches
mon_stop() {
	local p=${MON_PIDS[0]:-}
	[[ -n $p ]] && alive "$p" || return 0
	settle_cpu 60 "$p" || true
	stop_pid TERM 30 "$p"
}

# exec events are {"kind":"exec","process":{...,"exe":"/usr/bin/true","args":[ARGV0,...]}}:
# the workload execs the symlink exec_path -> /bin/true with argv[0] = exec_path,
# so the exe resolves to /usr/bin/true and only args[0] identifies the run
mon_count() {
	local f=$OUTDIR/vigil.jsonl ep e=-
	ep=$(kv exec_path "$1")
	if [[ $ep != - ]]; then
		e=$(grep -F '"kind":"exec"' "$f" 2>/dev/null | grep -cF "\"args\":[\"$ep\"" || true)
	fi
	echo "open=- exec=$e connect=-"
}
