#!/usr/bin/env bash
# test_scope.sh - scoped profiles and the workloads' lifecycle, live:
#   (a) `vigil learn --scope cgroup`: one workload (a copy of bash) run in
#       two cgroups the test makes, doing different things, gives one
#       profile per cgroup, each with only what it did there; a run outside
#       both is in neither;
#   (b) detection by scope: the workload doing cgroup b's thing in cgroup
#       a is an anomaly; the same in b, or anything outside both, is not;
#   (c) `vigil learn --scope container`: a docker-style cgroup is learned as
#       a container (scope container ID) and detected as one;
#   (d) lifecycle: audit (a kill policy bound to anomalies only reports) ->
#       enforce after the promotion period (the variant is killed) ->
#       back to audit when more processes are reported than the alarm
#       budget allows; the profile file follows the mode;
#   (e) learn mode: what the workload does while learning is reported
#       nowhere and joins the profile (no anomaly after promotion), a new
#       thing in audit is reported; over the budget, audit -> learn.
# Needs root, jq and cgroup v2.  Ends with "N passed, N failed, N skipped".
set -u
VIGIL=$(realpath "${VIGIL:-build/vigil}")
TMP=$(mktemp -d /tmp/vigil-scope-XXXXXX)
V2=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
CGREL=/vigil-test-scope-$$
CG=$V2$CGREL
CID=$(printf 'cafe%060d' $$)
passed=0 failed=0 skipped=0
bg_pid=

cleanup() {
	[[ -n $bg_pid ]] && kill -TERM "$bg_pid" 2>/dev/null && wait "$bg_pid" 2>/dev/null
	pkill -KILL -f "$TMP/bin/" 2>/dev/null
	for d in "$CG"/*/ "$CG"; do
		[[ -d $d ]] || continue
		while read -r p; do echo "$p" >"$V2/cgroup.procs"; done <"$d/cgroup.procs" 2>/dev/null
		rmdir "$d" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
# shellcheck source=tests/profile/lib.sh
source "$(dirname "$0")/lib.sh"

if [[ -z $V2 ]] || ! mkdir -p "$CG/a" "$CG/b" "$CG/c" "$CG/docker-$CID.scope"; then
	echo "cgroup v2 not usable here"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
mkdir -p "$TMP/bin" "$TMP/prof"
cp /bin/bash "$TMP/bin/wl"
WL=$TMP/bin/wl
for f in da db dx dy dz; do echo data >"$TMP/$f"; done
SPIN='SECONDS=0; while (( SECONDS < 2 )); do :; done'

# in CGROUP-DIR CMD: the workload runs CMD inside the cgroup (moved, then exec'd)
run_in() {
	sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" -c "$3"' sh "$1" "$WL" "$2"
}

# wait_for FILE JQ-FILTER: up to 10 s for a record
wait_for() {
	for _ in $(seq 100); do
		jq -e -s "map(select($2)) | length > 0" "$1" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

learn_bg() {	# learn_bg OUTDIR ARGS...
	local out=$1
	shift
	rm -f "$TMP/ready"
	"$VIGIL" learn --out "$out" --ready-file "$TMP/ready" "$@" 2>"$TMP/vigil.err" &
	bg_pid=$!
	wait_ready
}

# ---- (a) ----
scope_cgroup_learn() {
	local name=scope_cgroup_learn pa pb errs="" rc
	learn_bg "$TMP/prof" --scope cgroup --cgroup "$CGREL/a" --cgroup "$CG/b" --duration 4 ||
		{ fail $name "learn did not start"; bg_pid=; return 1; }
	for _ in 1 2 3; do
		run_in "$CG/a" "read x < $TMP/da"
		run_in "$CG/b" "read x < $TMP/db; /bin/true; :"
		run_in "$CG/c" "read x < $TMP/dx"
		"$WL" -c "read x < $TMP/dy"
	done
	wait "$bg_pid"
	rc=$?
	bg_pid=
	pa=$TMP/prof/$(basename "$(ls "$TMP"/prof/*_a__*wl.profile 2>/dev/null | head -1)")
	pb=$TMP/prof/$(basename "$(ls "$TMP"/prof/*_b__*wl.profile 2>/dev/null | head -1)")
	(( rc == 0 )) || errs+="vigil learn exited $rc: $(tail -3 "$TMP/vigil.err"); "
	[[ -f $pa && -f $pb ]] || errs+="profiles: $(ls "$TMP/prof"); "
	grep -qx "scope cgroup $CGREL/a" "$pa" 2>/dev/null || errs+="a: no 'scope cgroup $CGREL/a'; "
	grep -qx "scope cgroup $CGREL/b" "$pb" 2>/dev/null || errs+="b: no 'scope cgroup $CGREL/b'; "
	grep -qx "workload exe $WL" "$pa" 2>/dev/null || errs+="a: no 'workload exe $WL'; "
	grep -q "^file read $TMP/da " "$pa" 2>/dev/null || errs+="a lacks da; "
	grep -q "^file read $TMP/db " "$pb" 2>/dev/null || errs+="b lacks db; "
	grep -q "^exec /usr/bin/true " "$pb" 2>/dev/null || errs+="b lacks its child; "
	grep -q "^processes 3$" "$pa" 2>/dev/null || errs+="a: not 3 processes; "
	grep -qE "$TMP/d[bxy]|/usr/bin/true" "$pa" 2>/dev/null && errs+="a has what ran elsewhere; "
	grep -qE "$TMP/d[axy]" "$pb" 2>/dev/null && errs+="b has what ran elsewhere; "
	ls "$TMP"/prof/*_b__usr_bin_true.profile >/dev/null 2>&1 ||
		errs+="no profile of the child /usr/bin/true in b; "
	ls "$TMP"/prof/ | grep -q "_c__" && errs+="cgroup c was learned; "
	ls "$TMP"/prof/ | grep -qv "^cgroup_" && errs+="a profile outside the scopes: $(ls "$TMP/prof"); "
	[[ -z $errs ]] && ok $name || fail $name "$errs"
	[[ -z $errs ]]
}

start_run() {	# start_run OUT PROFILE-DIR ARGS...
	local out=$1 dir=$2
	shift 2
	rm -f "$TMP/ready"
	"$VIGIL" run --alerts-only --stats-interval 0 --output "$out" \
		--ready-file "$TMP/ready" --profile "$dir" "$@" 2>"$TMP/vigil.err" &
	bg_pid=$!
	wait_ready
}

# ---- (b) ----
scope_cgroup_detect() {
	local name=scope_cgroup_detect out=$TMP/detect.jsonl errs="" n
	start_run "$out" "$TMP/prof" --no-policy || { fail $name "vigil run did not start"; return; }
	run_in "$CG/a" "read x < $TMP/da"		# a's own behaviour
	run_in "$CG/b" "read x < $TMP/db; /bin/true; :"	# b's own behaviour
	run_in "$CG/c" "read x < /etc/shadow"	# no profile in c
	"$WL" -c "read x < /etc/shadow"		# nor outside
	run_in "$CG/a" "read x < $TMP/db"		# b's behaviour in a
	sleep 1
	stop_bg
	n=$(anomalies "$out" | wc -l)
	anomalies "$out" ".process.cgroup == \"$CGREL/a\" and (.anomaly.reasons |
		any(. == \"new file read $TMP/db\"))" | grep -q . ||
		errs+="no anomaly for b's behaviour in a; "
	anomalies "$out" ".process.cgroup != \"$CGREL/a\"" | grep -q . &&
		errs+="an anomaly outside a: $(anomalies "$out" ".process.cgroup != \"$CGREL/a\"" | head -2); "
	anomalies "$out" ".anomaly.reasons | any(test(\"$TMP/da\"))" | grep -q . &&
		errs+="a's own file reported; "
	(( n >= 1 )) || errs+="$n anomalies; "
	[[ -z $errs ]] && ok $name || fail $name "$errs"
}

# ---- (c) ----
scope_container() {
	local name=scope_container out=$TMP/cont.jsonl errs="" p rc
	mkdir -p "$TMP/cprof"
	learn_bg "$TMP/cprof" --scope container --container "${CID:0:12}" --exe "$WL" --duration 3 ||
		{ fail $name "learn did not start"; bg_pid=; return; }
	run_in "$CG/docker-$CID.scope" "read x < $TMP/da"
	run_in "$CG/a" "read x < $TMP/dx"
	wait "$bg_pid"
	rc=$?
	bg_pid=
	p=$(ls "$TMP"/cprof/*.profile 2>/dev/null)
	(( rc == 0 )) || errs+="vigil learn exited $rc: $(tail -3 "$TMP/vigil.err"); "
	[[ $(wc -l <<<"$p") == 1 && -f $p ]] || errs+="profiles: $(ls "$TMP/cprof"); "
	grep -qx "scope container $CID" "$p" 2>/dev/null || errs+="no 'scope container $CID'; "
	grep -q "^file read $TMP/da " "$p" 2>/dev/null || errs+="da missing; "
	grep -q "$TMP/dx" "$p" 2>/dev/null && errs+="what ran outside the container is in it; "
	if [[ -z $errs ]]; then
		start_run "$out" "$TMP/cprof" --no-policy || { fail $name "vigil run did not start"; return; }
		run_in "$CG/docker-$CID.scope" "read x < $TMP/da"
		run_in "$CG/docker-$CID.scope" "read x < $TMP/dz"
		run_in "$CG/a" "read x < $TMP/dz"
		sleep 1
		stop_bg
		anomalies "$out" ".process.container.id == \"$CID\" and (.anomaly.reasons |
			any(. == \"new file read $TMP/dz\"))" | grep -q . || errs+="no anomaly in the container; "
		(( $(anomalies "$out" | wc -l) == 1 )) || errs+="anomalies: $(anomalies "$out" | head -3); "
	fi
	[[ -z $errs ]] && ok $name || fail $name "$errs"
}

kill_policy() {
	cat >"$TMP/kill.yaml" <<EOF
apiVersion: vigil.dev/v1alpha1
kind: Policy
metadata: {name: contain}
spec:
  mode: enforce
  rules:
    - name: kill-on-anomaly
      kinds: [anomaly]
      selectors:
        - score: {ge: 2}
          profile: ["$WL"]
      action: kill
EOF
}

# ---- (d) ----
lifecycle_promote_demote() {
	local name=lifecycle out=$TMP/lc.jsonl errs="" rc dir=$TMP/lc p
	mkdir -p "$dir"
	p=$dir/a.profile
	cp "$(ls "$TMP"/prof/*_a__*wl.profile | head -1)" "$p"
	kill_policy
	start_run "$out" "$dir" --policy "$TMP/kill.yaml" --promote 3s --alarm-budget 1/60s ||
		{ fail $name "vigil run did not start"; return; }
	run_in "$CG/a" "read x < $TMP/db; $SPIN"
	rc=$?
	(( rc == 0 )) || errs+="audit: the variant exited $rc; "
	wait_for "$out" '.kind == "policy" and .mode == "audit" and .action == "none" and
		.event.anomaly.mode == "audit"' || errs+="audit: no audit decision; "
	wait_for "$out" '.kind == "profile_mode" and .profile_mode.from == "audit" and
		.profile_mode.to == "enforce"' || errs+="not promoted to enforce; "
	grep -qx "mode enforce" "$p" || errs+="the file does not say enforce; "
	run_in "$CG/a" "read x < $TMP/dx; $SPIN"
	rc=$?
	(( rc == 137 )) || errs+="enforce: the variant exited $rc, not killed; "
	run_in "$CG/a" "read x < $TMP/dy; $SPIN"	# the second process reported: over the budget
	rc=$?
	(( rc == 137 )) || errs+="enforce: the second variant exited $rc, not killed; "
	wait_for "$out" '.kind == "profile_mode" and .profile_mode.from == "enforce" and
		.profile_mode.to == "audit" and (.profile_mode.reason | test("over the budget of 1"))' ||
		errs+="not demoted to audit; "
	run_in "$CG/a" "read x < $TMP/dz; $SPIN"
	rc=$?
	(( rc == 0 )) || errs+="audit again: the variant exited $rc; "
	sleep 0.5
	stop_bg
	grep -qx "mode audit" "$p" || errs+="the file does not say audit; "
	jq -e -s '[.[] | select(.kind == "policy" and .action == "kill")] | length == 2' "$out" \
		>/dev/null || errs+="kills: $(jq -c 'select(.kind == "policy") | [.mode, .action]' "$out" | tr '\n' ' '); "
	[[ -n $errs ]] && jq -c '[.kind, .mode, .action, .event.process.pid, .process.pid, .anomaly.score, .anomaly.mode, .anomaly.reasons, .event.anomaly.mode,
		.event.anomaly.reasons, .profile_mode.to, .profile_mode.reason]' "$out" >&2
	[[ -z $errs ]] && ok $name || fail $name "$errs"
}

# ---- (e) ----
lifecycle_learn() {
	local name=lifecycle_learn out=$TMP/ll.jsonl errs="" dir=$TMP/ll p
	mkdir -p "$dir"
	p=$dir/a.profile
	sed 's/^mode .*//' "$(ls "$TMP"/prof/*_a__*wl.profile | head -1)" >"$p"
	sed -i 's/^window /mode learn\nwindow /' "$p"
	start_run "$out" "$dir" --no-policy --promote 3s --alarm-budget 1/60s ||
		{ fail $name "vigil run did not start"; return; }
	run_in "$CG/a" "read x < $TMP/dx"		# learned
	wait_for "$out" '.kind == "profile_mode" and .profile_mode.from == "learn" and
		.profile_mode.to == "audit"' || errs+="learn did not end; "
	run_in "$CG/a" "read x < $TMP/dx"		# known now
	run_in "$CG/a" "read x < $TMP/dy"		# new: reported
	run_in "$CG/a" "read x < $TMP/dz"		# new, a second process: over the budget
	wait_for "$out" '.kind == "profile_mode" and .profile_mode.from == "audit" and
		.profile_mode.to == "learn"' || errs+="not sent back to learn; "
	stop_bg
	anomalies "$out" '.anomaly.reasons | any(test("/dx"))' | grep -q . &&
		errs+="what was learned is reported: $(anomalies "$out" | head -2); "
	anomalies "$out" ".anomaly.mode == \"audit\" and (.anomaly.reasons |
		any(. == \"new file read $TMP/dy\"))" | grep -q . || errs+="no audit anomaly for dy; "
	grep -q "^file read $TMP/dx " "$p" || errs+="the profile file lacks what was learned; "
	grep -qx "mode learn" "$p" || errs+="the file does not say learn; "
	[[ -z $errs ]] && ok $name || fail $name "$errs"
}

if scope_cgroup_learn; then
	scope_cgroup_detect
	lifecycle_promote_demote
	lifecycle_learn
fi
scope_container
echo "$passed passed, $failed failed, $skipped skipped"
(( failed == 0 ))
