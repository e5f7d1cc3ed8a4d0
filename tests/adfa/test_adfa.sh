#!/usr/bin/env bash
# test_adfa.sh - the anomaly detector on public data (ADFA-LD), and the tools
# around it: scripts/roc-eval on hand-computed examples; `vigil learn` on the
# training traces; `vigil score` of the validation (normal) and attack
# traces with the chosen method (lm) and with the STIDE(6) baseline, both
# measured in this run; the chosen method must beat AUC 0.84, a detection
# rate of 15 % at 1 % false alarms, and STIDE on every figure.  Also `vigil
# score` errors on a bad trace and `vigil profile show|diff|merge` on the
# learned profile.  Prints learning and scoring speed.
#
# The data: ${ADFA_DIR:-../shared/data/adfa-ld} relative to the repository
# root (docs/profiles.md, "Evaluation").  Missing data is a failure, not a
# skip.  No root needed.  Ends with "N passed, N failed, N skipped".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
VIGIL=${VIGIL:-build/vigil}
ADFA_DIR=${ADFA_DIR:-../shared/data/adfa-ld}
TMP=$(mktemp -d /tmp/vigil-adfa-XXXXXX)
passed=0 failed=0

trap 'rm -rf "$TMP"' EXIT

ok()   { passed=$((passed + 1)); echo "#$1:OK"; }
fail() { failed=$((failed + 1)); echo "  FAIL $1: $2"; echo "#$1:FAIL"; }
finish() {
	echo "$passed passed, $failed failed, 0 skipped"
	exit $((failed > 0))
}

# field FILE KEY: a roc-eval figure
field() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

# --- roc-eval on hand-computed examples -------------------------------------
# normals 1 2 3 4 5, attacks 3 6.  Ranks: 1 2 [3 3 -> 3.5 3.5] 4->5 5->6
# 6->7; attack rank sum 10.5, U = 10.5 - 3 = 7.5, AUC = 7.5 / 10 = 0.75.
# 1 % and 5 % of 5 normals: no false alarm allowed, threshold 5 (highest
# normal), attacks above it: 6 -> 0.5.  90 % of 2 attacks: ceil(1.8) = 2,
# threshold the 2nd highest attack, 3; normals >= 3: 3 of 5 -> 0.6.
printf 'n1 1\nn2 2\nn3 3\nn4 4\nn5 5' >"$TMP/n"	# no trailing newline
printf 'a1 3\n\na2 6.0\n' >"$TMP/a"
printf 'normals 5\nattacks 2\nauc 0.7500\ndr_at_1fa 0.5000\ndr_at_5fa 0.5000\nfa_at_90dr 0.6000\n' >"$TMP/want"
if scripts/roc-eval "$TMP/n" "$TMP/a" >"$TMP/got" 2>&1 && cmp -s "$TMP/got" "$TMP/want"; then
	ok roc_eval_ties_and_thresholds
else
	fail roc_eval_ties_and_thresholds "$(cat "$TMP/got")"
fi
# normals 1..20, attacks 0.5 19.5 25.  AUC: attack 0.5 beats none, 19.5
# beats 19, 25 beats 20: (0 + 19 + 20) / 60 = 0.65.  1 %: floor(0.2) = 0,
# threshold 20 -> only 25: 1/3.  5 %: floor(1) = 1 false alarm, threshold
# the 2nd highest normal, 19 -> 19.5 and 25: 2/3.  90 %: ceil(2.7) = 3,
# threshold 0.5 -> every normal: 1.
seq 1 20 | awk '{ print "n" $1, $1 }' >"$TMP/n"
printf 'a 0.5\nb 19.5\nc 25\n' >"$TMP/a"
printf 'normals 20\nattacks 3\nauc 0.6500\ndr_at_1fa 0.3333\ndr_at_5fa 0.6667\nfa_at_90dr 1.0000\n' >"$TMP/want"
if scripts/roc-eval "$TMP/n" "$TMP/a" >"$TMP/got" 2>&1 && cmp -s "$TMP/got" "$TMP/want"; then
	ok roc_eval_false_alarm_budget
else
	fail roc_eval_false_alarm_budget "$(cat "$TMP/got")"
fi
printf 'x 1\ny 1e5\n' >"$TMP/bad"
scripts/roc-eval "$TMP/n" "$TMP/bad" >/dev/null 2>"$TMP/err"
rc=$?
if (( rc == 1 )) && grep -q "$TMP/bad:2: score \"1e5\" is not a decimal number" "$TMP/err"; then
	ok roc_eval_refuses_bad_scores
else
	fail roc_eval_refuses_bad_scores "exit $rc: $(cat "$TMP/err")"
fi
scripts/roc-eval "$TMP/n" >/dev/null 2>&1
rc=$?
if (( rc == 2 )); then ok roc_eval_usage; else fail roc_eval_usage "exit $rc, expected 2"; fi

# --- the data -----------------------------------------------------------------
for d in Training_Data_Master Validation_Data_Master Attack_Data_Master; do
	if [[ ! -d $ADFA_DIR/$d ]]; then
		fail adfa_data "no $ADFA_DIR/$d: ADFA-LD is expected at \${ADFA_DIR:-../shared/data/adfa-ld} relative to $ROOT (see docs/profiles.md, Evaluation)"
		finish
	fi
done
ok adfa_data
if [[ ! -x $VIGIL ]]; then
	fail vigil_binary "no $VIGIL (make build/vigil)"
	finish
fi

# speed SECTION LOG: the "(N syscalls/s)" of a vigil summary line
speed() { sed -n 's/.*(\([0-9]*\) syscalls\/s).*/\1/p' "$2" | tail -1; }

# --- learn and score ------------------------------------------------------------
if "$VIGIL" learn --from-traces "$ADFA_DIR/Training_Data_Master" --out "$TMP/adfa.profile" \
	--window 8 2>"$TMP/learn.log"; then
	ok learn_training_traces
else
	fail learn_training_traces "$(cat "$TMP/learn.log")"
	finish
fi
learn_speed=$(speed learn "$TMP/learn.log")

# score NAME ARGS...: validation and attack scores, then roc-eval
score() {
	local name=$1 set
	shift
	for set in Validation Attack; do
		if ! "$VIGIL" score --profile "$TMP/adfa.profile" \
			--from-traces "$ADFA_DIR/${set}_Data_Master" "$@" \
			>"$TMP/$name.$set" 2>"$TMP/$name.$set.log"; then
			fail "score_$name" "$set: $(cat "$TMP/$name.$set.log")"
			return 1
		fi
	done
	if ! scripts/roc-eval "$TMP/$name.Validation" "$TMP/$name.Attack" >"$TMP/$name.roc" 2>&1; then
		fail "score_$name" "roc-eval: $(cat "$TMP/$name.roc")"
		return 1
	fi
	ok "score_$name"
}
score lm --method lm || finish
score stide --method stide --order 6 || finish
lm_speed=$(speed lm "$TMP/lm.Validation.log")
stide_speed=$(speed stide "$TMP/stide.Validation.log")

n_val=$(wc -l <"$TMP/lm.Validation")
n_att=$(wc -l <"$TMP/lm.Attack")
if (( n_val == $(find "$ADFA_DIR/Validation_Data_Master" -type f ! -name '.*' | wc -l) &&
      n_att == $(find "$ADFA_DIR/Attack_Data_Master" -type f ! -name '.*' | wc -l) )); then
	ok one_score_per_trace
else
	fail one_score_per_trace "$n_val validation and $n_att attack scores"
fi

echo
echo "ADFA-LD: trained on $(grep -c . <(find "$ADFA_DIR/Training_Data_Master" -type f)) traces; $n_val normal (validation) and $n_att attack traces"
printf '%-26s %7s %9s %9s %10s\n' method AUC DR@1%FA DR@5%FA FA@90%DR
for m in lm stide; do
	label=$([[ $m == lm ]] && echo "lm (KN 8-gram, p=1.5)" || echo "STIDE(6)")
	printf '%-26s %7s %9s %9s %10s\n' "$label" "$(field "$TMP/$m.roc" auc)" \
		"$(field "$TMP/$m.roc" dr_at_1fa)" "$(field "$TMP/$m.roc" dr_at_5fa)" \
		"$(field "$TMP/$m.roc" fa_at_90dr)"
done
echo "speed: learn $learn_speed syscalls/s, score lm $lm_speed syscalls/s, score stide $stide_speed syscalls/s"
echo

# check NAME CONDITION-AWK: a comparison of figures, in awk
check() {
	local name=$1 cond=$2
	if awk -v lauc="$(field "$TMP/lm.roc" auc)" -v ldr1="$(field "$TMP/lm.roc" dr_at_1fa)" \
		-v ldr5="$(field "$TMP/lm.roc" dr_at_5fa)" -v lfa="$(field "$TMP/lm.roc" fa_at_90dr)" \
		-v sauc="$(field "$TMP/stide.roc" auc)" -v sdr1="$(field "$TMP/stide.roc" dr_at_1fa)" \
		-v sdr5="$(field "$TMP/stide.roc" dr_at_5fa)" -v sfa="$(field "$TMP/stide.roc" fa_at_90dr)" \
		"BEGIN { exit !($cond) }"; then
		ok "$name"
	else
		fail "$name" "not ($cond)"
	fi
}
check lm_auc_above_0.84 'lauc > 0.84'
check lm_dr_at_1fa_above_15pc 'ldr1 > 0.15'
check lm_beats_stide_auc 'lauc > sauc'
check lm_beats_stide_dr_at_1fa 'ldr1 > sdr1'
check lm_beats_stide_dr_at_5fa 'ldr5 > sdr5'
check lm_beats_stide_fa_at_90dr 'lfa < sfa'
check stide_is_the_known_baseline 'sauc > 0.80 && sauc < 0.87'

# --- errors and profile tools on the learned profile ---------------------------
mkdir -p "$TMP/traces/sub"
printf '1 2 3' >"$TMP/traces/a"
printf '4 5 6\n7 x8 9\n' >"$TMP/traces/sub/b"
"$VIGIL" score --profile "$TMP/adfa.profile" --from-traces "$TMP/traces" >"$TMP/out" 2>"$TMP/err"
rc=$?
if (( rc == 1 )) && grep -q "'$TMP/traces/sub/b': token 5 'x8' is not a syscall number" "$TMP/err" &&
	[[ ! -s $TMP/out ]]; then
	ok score_bad_token_names_file_and_position
else
	fail score_bad_token_names_file_and_position "exit $rc: $(cat "$TMP/err")"
fi
rm "$TMP/traces/sub/b"
ln -s "$TMP/nowhere" "$TMP/traces/sub/b"
"$VIGIL" score --profile "$TMP/adfa.profile" --from-traces "$TMP/traces" >"$TMP/out" 2>"$TMP/err"
rc=$?
if (( rc == 1 )) && grep -q "cannot stat '$TMP/traces/sub/b': No such file" "$TMP/err"; then
	ok score_unreadable_trace_is_an_error
else
	fail score_unreadable_trace_is_an_error "exit $rc: $(cat "$TMP/err")"
fi
"$VIGIL" score --profile "$TMP/adfa.profile" --from-traces "$TMP/traces" --order 9 >/dev/null 2>&1
rc=$?
if (( rc == 2 )); then ok score_usage_error; else fail score_usage_error "exit $rc, expected 2"; fi

# usage_error NAME ARGS...: exit 2 and a "vigil: " message
usage_error() {
	local name=$1 rc
	shift
	"$VIGIL" "$@" >/dev/null 2>"$TMP/err"
	rc=$?
	if (( rc == 2 )) && grep -q '^vigil: ' "$TMP/err"; then
		ok "$name"
	else
		fail "$name" "exit $rc, expected 2: $(head -2 "$TMP/err")"
	fi
}
usage_error learn_without_out learn --from-traces "$TMP/traces"
usage_error learn_bad_window learn --from-traces "$TMP/traces" --out "$TMP/x" --window 0
usage_error score_unknown_method score --profile "$TMP/adfa.profile" --from-traces "$TMP/traces" --method hmm
usage_error profile_unknown_subcommand profile frobnicate
usage_error profile_merge_without_out profile merge "$TMP/adfa.profile"
printf 'vigil-profile 1\nworkload exe /bin/x\nscope exe\nwindow 2\nngram 1 2 3 1\n' >"$TMP/bad.profile"
"$VIGIL" profile show "$TMP/bad.profile" >/dev/null 2>"$TMP/err"
rc=$?
if (( rc == 1 )) && grep -qx "vigil: error: $TMP/bad.profile:5: ngram: 3 numbers but window is 2 (an n-gram has 1 to window numbers)" "$TMP/err"; then
	ok profile_refused_with_file_and_line
else
	fail profile_refused_with_file_and_line "exit $rc: $(cat "$TMP/err")"
fi

"$VIGIL" profile show "$TMP/adfa.profile" >"$TMP/show" 2>&1
if grep -q "^workload: traces $ADFA_DIR/Training_Data_Master" "$TMP/show" &&
	grep -q '^processes: 833$' "$TMP/show" && grep -q '^syscalls: 308077$' "$TMP/show" &&
	grep -q '^window: 8$' "$TMP/show" && grep -q '^n-grams: [0-9]* (length 1: ' "$TMP/show"; then
	ok profile_show
else
	fail profile_show "$(head -20 "$TMP/show")"
fi
"$VIGIL" profile merge "$TMP/adfa.profile" "$TMP/adfa.profile" -o "$TMP/twice.profile" 2>"$TMP/err" &&
	"$VIGIL" profile diff "$TMP/adfa.profile" "$TMP/adfa.profile" >"$TMP/same" 2>&1
rc=$?
"$VIGIL" profile diff "$TMP/adfa.profile" "$TMP/twice.profile" >"$TMP/diff" 2>&1
drc=$?
if (( rc == 0 && drc == 1 )) && [[ ! -s $TMP/same ]] &&
	grep -q '^~ processes 833 -> 1666$' "$TMP/diff" &&
	grep -q '^~ syscalls 308077 -> 616154$' "$TMP/diff" &&
	! grep -q '^[-+] ' "$TMP/diff"; then
	ok profile_merge_and_diff
else
	fail profile_merge_and_diff "merge/diff-same exit $rc, diff exit $drc: $(head -5 "$TMP/diff")"
fi
finish
