#!/usr/bin/env bash
# test_top.sh - `vigil top` as a user sees it: the test starts known
# workloads (tests/top/load.c, copied under the names top must show), runs
# `vigil top` in a detached tmux session of exactly 80x24, presses keys with
# `tmux send-keys` and reads the screen with `tmux capture-pane`:
#   - the busy loop vigil-test-hog is the first row sorted by CPU (c), the
#     getppid() loop vigil-test-sysc sorted by syscalls (s), the O_DIRECT
#     writer vigil-test-io by block I/O (i), the page-cache writer
#     vigil-test-wr by written bytes (w), the TCP pair vigil-test-net /
#     vigil-test-nrx (in a network namespace of the test's) by network
#     bytes (n); pid sort (p) is ascending; runq (r) says so;
#   - "/hog" Enter leaves only the hog, Esc brings the others back;
#   - a copy of sleep named nc (the embedded default policies report it)
#     gets ACT 1;
#   - every screen is 24 lines, none wider than 80; smaller windows (60x12,
#     20x5) still show the losses; q quits with status 0;
#   - `--once` prints a plain table (also when stdout is not a terminal);
#   - with a profile learned by `vigil learn` on a copy of bash, a variant
#     that runs a new child gets ANOM >= 1 (`--once --profile`).
# Needs root, tmux, cc, iproute2.  Ends with "N passed, N failed, N skipped".
#
# Only what this test starts is touched: its processes (by pid), its tmux
# server (its own socket), its network namespace and its temporary directory.
set -u
export LC_ALL=C.UTF-8
VIGIL=$(realpath "${VIGIL:-build/vigil}")
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/vigil-top-XXXXXX)
TAG=vigil-test-top-$$
SOCK=$TAG			# tmux -L: a server of our own
SESS=top
NS=$TAG
passed=0 failed=0 skipped=0
pids=()
top_pid=

cleanup() {
	local p
	exec 2>/dev/null	# not bash's "Killed" for each workload
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	if [[ -n $top_pid ]] && kill -0 "$top_pid" 2>/dev/null; then
		kill -TERM "$top_pid" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$top_pid" 2>/dev/null || break; sleep 0.1; done
	fi
	tmux -L "$SOCK" kill-server 2>/dev/null
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ok()   { passed=$((passed + 1)); echo "#$1:OK"; }
fail() { failed=$((failed + 1)); echo "  FAIL $1: $2"; echo "#$1:FAIL"; }
skip() { skipped=$((skipped + 1)); echo "  SKIP $1: $2"; }

finish() {
	echo "$passed passed, $failed failed, $skipped skipped"
	exit $((failed ? 1 : 0))
}

screen() { tmux -L "$SOCK" capture-pane -p -t "$SESS"; }
keys()   { tmux -L "$SOCK" send-keys -t "$SESS" "$@"; }
# type_filter TEXT: "/" TEXT Enter
type_filter() { keys /; keys -l "$1"; keys Enter; sleep 0.4; }
# the screen's line N (1-based)
line()   { screen | sed -n "${1}p"; }
# field F of the first process row (3rd line): 2 comm, 3 cpu, 4 sysc, ... 10 act
first()  { line 3 | awk -v f="$1" '{ print $f }'; }

# value NARROW: "1.2k" -> 1200, "3.4M" -> 3400000 (k/K 1e3, M 1e6, G 1e9)
value() {
	awk -v v="$1" 'BEGIN {
		m = 1; s = substr(v, length(v));
		if (s == "k" || s == "K") m = 1e3; else if (s == "M") m = 1e6; else if (s == "G") m = 1e9;
		if (m > 1) v = substr(v, 1, length(v) - 1);
		printf "%d\n", v * m }'
}

# wait_for REGEX SECONDS: until the screen matches
wait_for() {
	local i
	for i in $(seq $(($2 * 10))); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# shape NAME WIDTH HEIGHT: the screen has HEIGHT lines, none wider than WIDTH
shape() {
	local s n w
	s=$(screen)
	n=$(printf '%s\n' "$s" | wc -l)
	w=$(printf '%s\n' "$s" | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
	if (( n != $3 || w > $2 )); then
		fail "$1" "screen is $n lines, widest $w (want $3 x <= $2): $(printf '%s\n' "$s" | head -5)"
		return 1
	fi
	return 0
}

# sorted NAME KEY WANT...: after KEY, the first row is one of WANT
sorted() {
	local name=$1 key=$2 c
	shift 2
	keys "$key"
	sleep 0.4
	c=$(first 2)
	for w in "$@"; do
		if [[ $c == "$w" ]]; then
			return 0
		fi
	done
	fail "$name" "first row is '$c', not $*: $(screen | head -6)"
	return 1
}

if [[ $(id -u) != 0 ]]; then
	echo "needs root"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
for t in tmux cc ip; do
	if ! command -v "$t" >/dev/null; then
		fail setup "$t is missing (scripts/install-deps)"
		finish
	fi
done

# ---- workloads -------------------------------------------------------------
mkdir -p "$TMP/bin"
if ! cc -O2 -Wall -Werror -D_GNU_SOURCE "$HERE/load.c" -o "$TMP/load"; then
	fail setup "cannot build tests/top/load.c"
	finish
fi
for n in hog sysc wr io net nrx; do cp "$TMP/load" "$TMP/bin/vigil-test-$n"; done
cp "$(command -v sleep)" "$TMP/bin/nc"
"$TMP/bin/vigil-test-hog" hog & pids+=($!)
"$TMP/bin/vigil-test-sysc" sysc & pids+=($!)
"$TMP/bin/vigil-test-wr" write "$TMP/wr.dat" & pids+=($!)
"$TMP/bin/vigil-test-io" io "$TMP/io.dat" & pids+=($!)
if ip netns add "$NS" && ip -n "$NS" link set lo up; then
	ip netns exec "$NS" "$TMP/bin/vigil-test-nrx" netsrv 47123 & pids+=($!)
	net_ok=1
else
	net_ok=0
fi

# ---- vigil top in an 80x24 terminal ----------------------------------------
# (a shell in the pane waits for vigil and writes its exit status)
tmux -L "$SOCK" -f /dev/null new-session -d -s "$SESS" -x 80 -y 24 \
	"'$VIGIL' top --interval 500ms; echo \$? > '$TMP/exit'; sleep 60"
pane_pid=$(tmux -L "$SOCK" list-panes -t "$SESS" -F '#{pane_pid}')
for _ in $(seq 50); do
	top_pid=$(cat "/proc/$pane_pid/task/$pane_pid/children" 2>/dev/null)
	top_pid=${top_pid%% *}
	[[ -n $top_pid ]] && break
	sleep 0.1
done
if ! wait_for '^ +PID COMM +CPU%' 20; then
	fail start "no table after 20 s: $(screen | head -5)"
	finish
fi
# the client connects once top sees flows (the connect must be seen to be counted)
if (( net_ok )); then
	ip netns exec "$NS" "$TMP/bin/vigil-test-net" netcli 47123 & pids+=($!)
fi
"$TMP/bin/nc" 30 & pids+=($!)
nc_pid=$!
sleep 2.5			# a few samples with everything running

# ---- the screen -------------------------------------------------------------
name=screen_80x24
if shape $name 80 24; then
	s=$(screen)
	if ! grep -Eq '^vigil top [0-9:]{8}  lost [0-9]+  events/s ' <<<"$s"; then
		fail $name "status line: $(line 1)"
	elif ! grep -Eq '^ +PID COMM +CPU% SYSC/s RUNQ99 +IO/s +NET/s +WR/s +ANOM +ACT$' <<<"$s"; then
		fail $name "column header: $(line 2)"
	elif ! line 24 | grep -q '^c cpu  s sysc'; then
		fail $name "footer: $(line 24)"
	else
		ok $name
	fi
fi

# the rest looks at our processes: "/vigil-test-" Enter
type_filter vigil-test-
name=cpu_sort
if sorted $name c vigil-test-hog; then
	cpu=$(first 3)
	if ! awk -v c="$cpu" 'BEGIN { exit !(c >= 40) }'; then
		fail $name "the hog at $cpu % of a CPU (>= 40 expected)"
	elif ! line 1 | grep -Eq "sort cpu  (filter 'vigil-test-'|/vigil-test-)"; then
		fail $name "status: $(line 1)"
	else
		ok $name
		echo "  hog: $cpu % CPU"
	fi
fi

name=syscall_sort
if sorted $name s vigil-test-sysc; then
	v=$(value "$(first 4)")
	if (( v < 20000 )); then
		fail $name "$(first 4) syscalls/s (>= 20k expected): $(line 3)"
	else
		ok $name
		echo "  sysc: $(first 4) syscalls/s"
	fi
fi

name=io_sort
if sorted $name i vigil-test-io; then
	v=$(value "$(first 6)")
	if (( v < 500000 )); then
		fail $name "$(first 6) block I/O bytes/s (~2 MiB/s expected): $(line 3)"
	else
		ok $name
		echo "  io: $(first 6) B/s block I/O"
	fi
fi

name=writes_sort
if sorted $name w vigil-test-wr; then
	v=$(value "$(first 8)")
	if (( v < 2000000 )); then
		fail $name "$(first 8) written bytes/s (~8 MiB/s expected): $(line 3)"
	else
		ok $name
		echo "  wr: $(first 8) B/s written"
	fi
fi

name=net_sort
if (( ! net_ok )); then
	skip $name "cannot make a network namespace"
elif sorted $name n vigil-test-net vigil-test-nrx; then
	v=$(value "$(first 7)")
	if (( v < 300000 )); then
		fail $name "$(first 7) network bytes/s (~1 MiB/s expected): $(line 3)"
	else
		ok $name
		echo "  net: $(first 7) B/s ($(first 2))"
	fi
fi

name=runq_and_pid_sort
keys r
sleep 0.3
if ! line 1 | grep -q 'sort runq'; then
	fail $name "r: $(line 1)"
else
	keys p
	sleep 0.3
	col=$(screen | sed -n '3,23p' | awk 'NF { print $1 }')
	if [[ -z $col ]] || [[ $col != "$(sort -n <<<"$col")" ]]; then
		fail $name "pids not ascending: $col"
	else
		ok $name
	fi
fi

name=filter_hides_others
keys Escape
sleep 0.3
type_filter hog
rows=$(screen | sed -n '3,23p' | grep -c .)
if ! line 1 | grep -Eq "procs 1/[0-9]+ .*(filter 'hog'|/hog)"; then
	fail $name "status: $(line 1)"
elif (( rows != 1 )) || [[ $(first 2) != vigil-test-hog ]]; then
	fail $name "$rows rows: $(screen | sed -n '3,6p')"
else
	keys Escape
	sleep 0.4
	rows=$(screen | sed -n '3,23p' | grep -c .)
	if (( rows < 15 )); then
		fail $name "Esc: only $rows rows back"
	elif shape $name 80 24; then
		ok $name
	fi
fi

name=policy_decision_counted
type_filter "$(basename "$TMP")/bin/nc"
sleep 0.4
r=$(line 3)
if [[ $(first 1) != "$nc_pid" ]]; then
	fail $name "no row for nc ($nc_pid): $(screen | sed -n '1,4p')"
elif [[ $(first 10) != 1 ]]; then
	fail $name "ACT is '$(first 10)', not 1 (netcat-exec of the default set): $r"
else
	ok $name
fi
keys Escape

name=small_windows
resize() { tmux -L "$SOCK" resize-window -t "$SESS" -x "$1" -y "$2"; sleep 0.6; }
resize 60 12
if ! shape $name 60 12; then
	:
elif ! line 1 | grep -q 'lost [0-9]'; then
	fail $name "60x12: status $(line 1)"
elif ! line 2 | grep -q 'NET/s$'; then
	fail $name "60x12: columns cut in the middle: $(line 2)"
else
	resize 20 5
	if ! shape $name 20 5; then
		:
	elif ! line 1 | grep -q '^lost [0-9]'; then
		fail $name "20x5: the losses are not first: $(line 1)"
	else
		resize 80 24
		shape $name 80 24 && ok $name
	fi
fi
resize 80 24

name=quit
keys q
for _ in $(seq 150); do [[ -s $TMP/exit ]] && break; sleep 0.1; done
if [[ ! -s $TMP/exit ]]; then
	fail $name "vigil top still running 15 s after q: $(ps -o stat=,wchan= -p "$top_pid")"
elif [[ $(cat "$TMP/exit") != 0 ]]; then
	fail $name "exit status $(cat "$TMP/exit")"
else
	ok $name
	top_pid=
fi

# ---- --once, and stdout not a terminal ------------------------------------------
name=once_plain_text
out=$("$VIGIL" top --once --no-policy --interval 500ms --sort cpu --filter vigil-test-hog \
	2>"$TMP/once.err")
rc=$?
if (( rc != 0 )); then
	fail $name "exit $rc: $(head -3 "$TMP/once.err")"
elif ! grep -Eq '^(vigil top )?[0-9:]{8}  lost [0-9]+ .*procs 1/[0-9]+' <<<"$out" ||
	! grep -Eq '^ +PID COMM' <<<"$out" ||
	! grep -Eq '^ *[0-9]+ vigil-test-hog +[0-9.]+ ' <<<"$out"; then
	fail $name "output: $out"
elif (( $(wc -l <<<"$out") != 3 )) || grep -q $'\e' <<<"$out" ||
	awk 'length($0) > 80 { exit 0 } END { exit 1 }' <<<"$out"; then
	fail $name "not 3 plain lines of <= 80: $out"
else
	ok $name
fi

# ---- anomalies: a profile learned here, a variant that runs a new child --------------
name=anomaly_counted
WL=$TMP/bin/vigil-test-wl
cp "$(command -v bash)" "$WL"
echo "some data" >"$TMP/data"
NORMAL="read x < $TMP/data; y=\$((1 + 2)); test -d /tmp"
mkdir -p "$TMP/prof"
# wait_file FILE PID: until FILE exists (PID still running), 15 s at most
wait_file() {
	for _ in $(seq 150); do
		[[ -e $1 ]] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
"$VIGIL" learn --exe "$WL" --duration 3 --out "$TMP/prof" --ready-file "$TMP/learn.ready" \
	2>"$TMP/learn.err" &
lp=$!
pids+=("$lp")
if ! wait_file "$TMP/learn.ready" "$lp"; then
	fail $name "vigil learn did not start: $(tail -3 "$TMP/learn.err")"
else
	for _ in 1 2 3 4; do "$WL" -c "$NORMAL"; done
	wait "$lp"
	"$VIGIL" top --once --no-policy --profile "$TMP/prof" --interval 2s --sort anomalies \
		--filter vigil-test-wl --ready-file "$TMP/top.ready" >"$TMP/anom.out" \
		2>"$TMP/anom.err" &
	tp=$!
	pids+=("$tp")
	if ! wait_file "$TMP/top.ready" "$tp"; then
		fail $name "vigil top --profile did not start: $(tail -3 "$TMP/anom.err")"
	else
		"$WL" -c "$NORMAL; cat /etc/hostname > /dev/null"	# a new child: /usr/bin/cat
		wait "$tp"
		r=$(grep -E '^ *[0-9]+ vigil-test-wl ' "$TMP/anom.out" | head -1)
		if [[ -z $r ]]; then
			fail $name "no row: $(cat "$TMP/anom.out" "$TMP/anom.err")"
		elif (( $(awk '{ print $9 }' <<<"$r") < 1 )); then
			fail $name "ANOM < 1: $r"
		else
			ok $name
		fi
	fi
fi

finish
