#!/usr/bin/env bash
# test_live.sh - learned profiles on a live workload: `vigil learn` on a test
# workload (a copy of bash at a path of the test's own, running a fixed
# script), then `vigil run --profile`:
#   (a) the same workload: no anomaly;
#   (b) variants that spawn a shell, read a credential file, connect out:
#       one anomaly each, naming exactly that behaviour;
#   (c) a policy of kind anomaly that kills: the variant dies (SIGKILL)
#       instead of running to its end, and the decision is reported; an
#       escalation ladder: score 2 throttles (CPU share measured), score 5
#       kills;
#   (d) the profile as a seccomp allow-list (vigil sandbox --profile): the
#       workload runs unchanged, a variant's one new syscall gets EPERM and
#       is reported by name; `vigil profile seccomp` writes it as OCI JSON;
#   (e) `vigil profile policy --enforce`: accepted by `vigil policy check`;
#       loaded, the learned workload runs untouched and a new child is killed.
# Needs root and jq.  Ends with "N passed, N failed, N skipped".
set -u
VIGIL=$(realpath "${VIGIL:-build/vigil}")
TMP=$(mktemp -d /tmp/vigil-prof-XXXXXX)
passed=0 failed=0 skipped=0
bg_pid=

cleanup() {
	[[ -n $bg_pid ]] && kill -TERM "$bg_pid" 2>/dev/null && wait "$bg_pid" 2>/dev/null
	pkill -KILL -f "$TMP/bin/" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
# shellcheck source=tests/profile/lib.sh
source "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/bin" "$TMP/prof"
cp /bin/bash "$TMP/bin/wl"
WL=$TMP/bin/wl
echo "some data" >"$TMP/data"
NORMAL="read x < $TMP/data; echo \"\$x\" > /dev/null; y=\$((1 + 2)); test -d /tmp"

# ---- learn ----
learn() {
	local name=learn
	rm -f "$TMP/ready"
	"$VIGIL" learn --exe "$WL" --duration 6 --out "$TMP/prof" --ready-file "$TMP/ready" \
		2>"$TMP/vigil.err" &
	bg_pid=$!
	wait_ready || { fail $name "learn did not start"; bg_pid=; return 1; }
	for _ in $(seq 8); do "$WL" -c "$NORMAL"; done
	wait "$bg_pid"
	local rc=$?
	bg_pid=
	local p
	p=$TMP/prof/$(echo "${WL#/}" | tr '/' '_').profile
	if (( rc != 0 )); then
		fail $name "vigil learn exited $rc: $(tail -3 "$TMP/vigil.err")"
		return 1
	elif [[ ! -s $p ]]; then
		fail $name "no profile written ($(ls "$TMP/prof"))"
		return 1
	elif ! grep -q "^workload exe $WL$" "$p" || ! grep -q "^ngram " "$p" ||
		! grep -q "^file read $TMP/data " "$p" || ! grep -q "^processes 8$" "$p"; then
		fail $name "the profile lacks what the workload did: $(head -20 "$p")"
		return 1
	fi
	ok $name
}

start_run() {	# start_run OUT ARGS...
	local out=$1
	shift
	rm -f "$TMP/ready"
	"$VIGIL" run --alerts-only --no-policy --stats-interval 0 --output "$out" \
		--ready-file "$TMP/ready" --profile "$TMP/prof" "$@" 2>"$TMP/vigil.err" &
	bg_pid=$!
	wait_ready
}

# ---- (a) and (b) ----
detect() {
	local out=$TMP/detect.jsonl errs="" port=47619
	start_run "$out" || { fail same_workload "vigil run did not start"; return; }
	for _ in $(seq 3); do "$WL" -c "$NORMAL"; done
	sleep 0.5
	(( $(anomalies "$out" | wc -l) == 0 )) ||
		fail same_workload "anomalies for the learned workload: $(anomalies "$out" | head -3)"
	(( $(anomalies "$out" | wc -l) == 0 )) && ok same_workload

	"$WL" -c "$NORMAL; /bin/sh -c true; :"	# not last: bash forks, then the child execs
	"$WL" -c "$NORMAL; read x < /etc/shadow"
	"$WL" -c "$NORMAL; exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
	sleep 1
	stop_bg
	anomalies "$out" '.anomaly.reasons | any(. == "new child /usr/bin/dash")' | grep -q . ||
		errs+="no 'new child /usr/bin/dash'; "
	anomalies "$out" '.anomaly.reasons | any(. == "new file read /etc/shadow")' | grep -q . ||
		errs+="no 'new file read /etc/shadow'; "
	anomalies "$out" ".anomaly.reasons | any(. == \"new peer tcp 127.0.0.1 $port\")" |
		grep -q . || errs+="no 'new peer tcp 127.0.0.1 $port'; "
	anomalies "$out" ".anomaly.profile != \"$WL\" or .anomaly.score < 1" | grep -q . &&
		errs+="an anomaly without its profile or score; "
	# the learned behaviour is never a reason
	anomalies "$out" ".anomaly.reasons | any(test(\"$TMP/data\"))" | grep -q . &&
		errs+="the learned file was reported; "
	[[ -z $errs ]] && ok variants_named || fail variants_named "$errs $(anomalies "$out" | head -5)"
}

# ---- (c) a policy kills the anomalous process ----
closed_loop() {
	local name=closed_loop out=$TMP/loop.jsonl rc r
	cat >"$TMP/kill.yaml" <<EOF
apiVersion: vigil.dev/v1alpha1
kind: Policy
metadata: {name: contain}
spec:
  mode: enforce
  message: "{process.exe} {anomaly.reasons}"
  rules:
    - name: kill-on-anomaly
      kinds: [anomaly]
      selectors:
        - score: {ge: 2}
          profile: ["$WL"]
      action: kill
EOF
	rm -f "$TMP/ready"
	"$VIGIL" run --alerts-only --stats-interval 0 --output "$out" --ready-file "$TMP/ready" \
		--profile "$TMP/prof" --policy "$TMP/kill.yaml" 2>"$TMP/vigil.err" &
	bg_pid=$!
	wait_ready || { fail $name "vigil run did not start"; bg_pid=; return; }
	# reads a credential file, then would spin for 10 s
	timeout 10 "$WL" -c "$NORMAL; read x < /etc/shadow; SECONDS=0; while (( SECONDS < 9 )); do :; done"
	rc=$?
	sleep 0.5
	stop_bg
	r=$(jq -c 'select(.kind == "policy" and .policy == "contain")' "$out" | head -1)
	if (( rc != 137 )); then
		fail $name "the workload exited $rc, expected 137 (killed by the policy)"
	elif ! jq -e '.action == "kill" and .by == "user space" and .event.kind == "anomaly" and
		(.message | test("new file read /etc/shadow"))' <<<"$r" >/dev/null; then
		fail $name "decision: $r"
	else
		ok $name
	fi
}

# cpu_share PID SECONDS: the process's CPU use over SECONDS, in percent of one CPU
cpu_share() {
	local t0 t1 hz
	hz=$(getconf CLK_TCK)
	t0=$(awk '{print $14 + $15}' "/proc/$1/stat")
	sleep "$2"
	t1=$(awk '{print $14 + $15}' "/proc/$1/stat")
	echo $(( (t1 - t0) * 100 / hz / $2 ))
}

# ---- (c') an escalation ladder: a new file read (score 2) throttles the
# process to 20 % of a CPU (measured), a new peer on top (score 5) kills it ----
escalation() {
	local name=escalation out=$TMP/esc.jsonl pid rc share errs="" port=47620
	cat >"$TMP/ladder.yaml" <<EOF
apiVersion: vigil.dev/v1alpha1
kind: Policy
metadata: {name: ladder}
spec:
  mode: enforce
  rules:
    - name: slow-down
      kinds: [anomaly]
      selectors:
        - score: {ge: 2, lt: 5}
          profile: ["$WL"]
      action: {type: throttle, cpuPercent: 20}
    - name: stop
      kinds: [anomaly]
      selectors:
        - score: {ge: 5}
          profile: ["$WL"]
      action: kill
EOF
	rm -f "$TMP/ready"
	"$VIGIL" run --alerts-only --stats-interval 0 --output "$out" --ready-file "$TMP/ready" \
		--profile "$TMP/prof" --policy "$TMP/ladder.yaml" --action-cgroup "vigil-test-ladder-$$" \
		2>"$TMP/vigil.err" &
	bg_pid=$!
	wait_ready || { fail $name "vigil run did not start"; bg_pid=; return; }
	"$WL" -c "$NORMAL; read x < /etc/shadow; SECONDS=0; while (( SECONDS < 4 )); do :; done;
		: 3<>/dev/tcp/127.0.0.1/$port; SECONDS=0; while (( SECONDS < 4 )); do :; done" \
		2>/dev/null &
	pid=$!
	sleep 0.7
	share=$(cpu_share $pid 2)
	wait $pid
	rc=$?
	sleep 0.5
	stop_bg
	(( share <= 30 )) || errs+="CPU share ${share}% under a 20% throttle; "
	(( rc == 137 )) || errs+="exited $rc, not killed at score 5; "
	jq -e -s '[.[] | select(.kind == "policy")] | (map(.rule) | index("slow-down")) <
		(map(.rule) | index("stop"))' "$out" >/dev/null ||
		errs+="decisions: $(jq -c 'select(.kind == "policy") | [.rule, .action, .skipped]' "$out" | tr '\n' ' '); "
	jq -e -s 'any(.[]; .kind == "policy" and .rule == "slow-down" and .action == "throttle")' \
		"$out" >/dev/null || errs+="no throttle decision; "
	jq -e -s 'any(.[]; .kind == "policy" and .rule == "stop" and .action == "kill")' \
		"$out" >/dev/null || errs+="no kill decision; "
	[[ -z $errs ]] && { echo "  throttled share: ${share}%"; ok $name; } || fail $name "$errs"
}

# ---- seccomp from the profile: the workload runs unchanged, one new syscall is refused ----
sandbox() {
	local name=sandbox_from_profile p out=$TMP/sb.jsonl rc errs=""
	p=$TMP/prof/$(echo "${WL#/}" | tr '/' '_').profile
	"$VIGIL" sandbox --profile "$p" --output "$out" -- "$WL" -c "$NORMAL; echo same" >"$TMP/sb1" 2>&1
	rc=$?
	(( rc == 0 )) && [[ $(cat "$TMP/sb1") == same ]] || errs+="the learned workload failed ($rc: $(head -c 300 "$TMP/sb1")); "
	[[ -s $out ]] && errs+="the learned workload was reported: $(head -c 300 "$out"); "
	"$VIGIL" sandbox --profile "$p" --output "$out" -- "$WL" -c "$NORMAL; kill -0 \$\$; echo rc=\$?" \
		>"$TMP/sb2" 2>&1
	grep -q "rc=1" "$TMP/sb2" || errs+="kill(2) was not refused: $(head -c 300 "$TMP/sb2"); "
	jq -e -s 'length == 1 and .[0].syscall == "kill" and .[0].action == "errno"' "$out" >/dev/null ||
		errs+="reports: $(head -c 400 "$out"); "
	"$VIGIL" profile seccomp "$p" -o "$TMP/oci.json" 2>/dev/null &&
		jq -e '.defaultAction == "SCMP_ACT_ERRNO" and (.syscalls[0].names | index("read") != null)' \
		"$TMP/oci.json" >/dev/null || errs+="vigil profile seccomp: $(head -c 300 "$TMP/oci.json" 2>&1); "
	[[ -z $errs ]] && ok $name || fail $name "$errs"
}

# ---- a policy generated from the profile ----
generated_policy() {
	local name=generated_policy p out=$TMP/gen.jsonl errs="" r
	p=$TMP/prof/$(echo "${WL#/}" | tr '/' '_').profile
	if ! "$VIGIL" profile policy "$p" --enforce -o "$TMP/gen.yaml" 2>"$TMP/gen.err" ||
		! "$VIGIL" policy check "$TMP/gen.yaml" >/dev/null 2>>"$TMP/gen.err"; then
		fail $name "generated policy not accepted: $(cat "$TMP/gen.err")"
		return
	fi
	rm -f "$TMP/ready"
	"$VIGIL" run --alerts-only --stats-interval 0 --output "$out" --ready-file "$TMP/ready" \
		--policy "$TMP/gen.yaml" 2>"$TMP/vigil.err" &
	bg_pid=$!
	wait_ready || { fail $name "vigil run did not start"; bg_pid=; return; }
	"$WL" -c "$NORMAL; echo untouched" >"$TMP/g1" 2>&1
	[[ $(cat "$TMP/g1") == untouched ]] || errs+="the learned workload was disturbed: $(cat "$TMP/g1"); "
	"$WL" -c "$NORMAL; /bin/sleep 5; echo rc=\$?" >"$TMP/g2" 2>&1
	sleep 0.5
	stop_bg
	grep -q "rc=137" "$TMP/g2" || errs+="the new child was not killed: $(cat "$TMP/g2"); "
	r=$(jq -c 'select(.kind == "policy")' "$out")
	(( $(grep -c . <<<"$r") == 1 )) || errs+="decisions: $r; "
	jq -e '.rule == "new-child" and .action == "kill" and .event.process.exe == "/usr/bin/sleep"' \
		<<<"$r" >/dev/null || errs+="decision: $r; "
	[[ -z $errs ]] && ok $name || fail $name "$errs"
}

if learn; then
	detect
	closed_loop
	escalation
	sandbox
	generated_policy
fi
echo "$passed passed, $failed failed, $skipped skipped"
(( failed == 0 ))
