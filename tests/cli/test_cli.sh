#!/usr/bin/env bash
# test_cli.sh - vigil as a user runs it: usage errors, root checks, JSON and
# text output of `trace exec` for real processes, filters, `run`, `probe`.
# Needs root, jq and curl.  Ends with "N passed, N failed, N skipped".
set -u
VIGIL=${VIGIL:-build/vigil}
TMP=$(mktemp -d /tmp/vigil-cli-XXXXXX)
passed=0 failed=0
bg_pid=

cleanup() {
	[[ -n $bg_pid ]] && kill -TERM "$bg_pid" 2>/dev/null && wait "$bg_pid" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ok()   { passed=$((passed + 1)); echo "#$1:OK"; }
fail() { failed=$((failed + 1)); echo "  FAIL $1: $2"; echo "#$1:FAIL"; }

# expect NAME WANT_RC WANT_STDERR_REGEX CMD...: exit status and stderr
expect() {
	local name=$1 want=$2 re=$3 rc
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if (( rc != want )); then
		fail "$name" "exit $rc, expected $want (stderr: $(head -c 300 "$TMP/err"))"
	elif [[ -n $re ]] && ! grep -Eq -- "$re" "$TMP/err"; then
		fail "$name" "stderr does not match /$re/: $(head -c 300 "$TMP/err")"
	else
		ok "$name"
	fi
}

# start_trace OUT [TARGET] ARGS...: start `vigil trace TARGET` (default exec)
# writing to OUT, wait until attached
start_trace() {
	local out=$1 target=exec
	shift
	case ${1:-} in exec|file|priv|net|uprobe|bpf) target=$1; shift ;; esac
	case ${1:-} in exec|file|priv|net|uprobe|tls|shell) target=$1; shift ;; esac
	rm -f "$TMP/ready"
	"$VIGIL" trace "$target" --output "$out" --ready-file "$TMP/ready" "$@" 2>"$TMP/trace.err" &
	bg_pid=$!
	for _ in $(seq 100); do
		[[ -e $TMP/ready ]] && return 0
		kill -0 "$bg_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "  vigil did not become ready: $(cat "$TMP/trace.err")"
	return 1
}

stop_trace() {
	kill -TERM "$bg_pid"
	wait "$bg_pid"
	local rc=$?
	bg_pid=
	return $rc
}

# ---- usage ---------------------------------------------------------------
expect help_exits_0 0 '' "$VIGIL" --help
expect no_command_is_usage_error 2 'usage: vigil' "$VIGIL"
expect unknown_command 2 "unknown command 'frobnicate'" "$VIGIL" frobnicate
expect trace_unknown_flag 2 "unknown option '--bogus'.*" "$VIGIL" trace exec --bogus
expect trace_usage_on_error 2 'usage: vigil trace exec' "$VIGIL" trace exec --bogus
expect trace_bad_format 2 "unknown format 'yaml'" "$VIGIL" trace exec -o yaml
expect trace_bad_pid 2 "'12x' is not a pid" "$VIGIL" trace exec --pid 12x
expect trace_missing_value 2 "needs a value" "$VIGIL" trace exec --comm
expect trace_unknown_target 2 "unknown target 'files'" "$VIGIL" trace files
expect run_bad_interval 2 "is not a number of seconds" "$VIGIL" run --stats-interval abc
expect trace_uprobe_needs_path 2 "uprobe: --path is required" "$VIGIL" trace uprobe --symbol f
expect trace_uprobe_needs_symbol 2 "uprobe: --symbol or --offset is required" \
	"$VIGIL" trace uprobe --path /bin/true
expect trace_uprobe_bad_arg 2 "--arg: '7:int': argument index must be 0 to 5" \
	"$VIGIL" trace uprobe --path /bin/true --symbol main --arg 7:int
expect trace_uprobe_bad_guard 2 "--kill-if: '2:bigger:3': operator must be gt, ge, lt, le, eq, ne or strlen_gt" \
	"$VIGIL" trace uprobe --path /bin/true --symbol main --kill-if 2:bigger:3
expect trace_uprobe_guard_only_alone 2 "--guard-only needs --kill-if or --report-if" \
	"$VIGIL" trace uprobe --path /bin/true --symbol main --guard-only
expect trace_kill_if_not_uprobe 2 "--kill-if: only for 'trace uprobe'" "$VIGIL" trace exec --kill-if 1:gt:2
expect trace_bpf_cmd_not_reported 2 \
	"--cmd: 'map_update_elem' is not a reported command \(map_create, prog_load, .*token_create\)" \
	"$VIGIL" trace bpf --cmd prog_load,map_update_elem
expect trace_bpf_cmd_unknown 2 "--cmd: 'prog_lod' is not a reported command" \
	"$VIGIL" trace bpf --cmd prog_lod
expect trace_cmd_not_bpf 2 "--cmd: only for 'trace bpf'" "$VIGIL" trace exec --cmd prog_load
expect trace_lib_not_gpu 2 "--lib: only for 'trace gpu'" "$VIGIL" trace exec --lib /x
expect trace_gpu_bad_interval 2 "--interval: '10ms' is not a duration of at least 100ms" \
	"$VIGIL" trace gpu --interval 10ms
expect run_gpu_lib_without_gpu 2 "--gpu-lib without --gpu" "$VIGIL" run --gpu-lib /x
expect trace_gpu_no_library 1 "^vigil: error: cannot trace GPU driver calls: '/nonexistent/libcuda.so.1' not found" \
	"$VIGIL" trace gpu --lib /nonexistent/libcuda.so.1
expect run_unknown_flag 2 "unknown option '-x'" "$VIGIL" run -x
expect trace_lib_not_tls 2 "--lib: only for 'trace gpu' and 'trace tls'" "$VIGIL" trace exec --lib /x.so
expect trace_max_bytes_not_tls 2 "--max-bytes: only for 'trace tls'" "$VIGIL" trace shell --max-bytes 8
expect trace_bash_not_shell 2 "--bash: only for 'trace shell'" "$VIGIL" trace tls --bash /bin/bash
expect trace_tls_max_bytes_zero 2 "--max-bytes: '0' is not a number from 1 to 4096" \
	"$VIGIL" trace tls --max-bytes 0
expect trace_tls_max_bytes_too_big 2 "--max-bytes: '4097' is not a number from 1 to 4096" \
	"$VIGIL" trace tls --max-bytes 4097
expect trace_tls_lib_empty 2 "--lib: empty path" "$VIGIL" trace tls --lib ''
expect trace_tls_lib_missing 1 \
	"^vigil: error: cannot probe '/nonexistent/libssl.so.3': No such file or directory$" \
	"$VIGIL" trace tls --lib /nonexistent/libssl.so.3 --output /dev/null
expect trace_tls_lib_not_libssl 1 "cannot probe '/bin/true': no SSL_read symbol" \
	"$VIGIL" trace tls --lib /bin/true --output /dev/null
expect trace_shell_not_bash 1 "cannot probe '/bin/true': no readline symbol" \
	"$VIGIL" trace shell --bash /bin/true --output /dev/null
expect run_tls_max_bytes_bad 2 "--tls-max-bytes: '9999' is not a number from 1 to 4096" \
	"$VIGIL" run --tls-max-bytes 9999
if "$VIGIL" run --tls-lib /opt/x/libssl.so.3 --tls-max-bytes 100 --shell --show-config |
	tr '\n' ' ' | grep -q 'tls: *max_bytes: 100 *libraries: *- /opt/x/libssl.so.3 *shell: *bash: /bin/bash'; then
	ok run_tls_shell_config
else
	fail run_tls_shell_config "--show-config does not show the tls and shell presets"
fi
expect trace_flow_interval_not_net 2 "--flow-interval: only for 'trace net'" "$VIGIL" trace exec --flow-interval 1
expect trace_flow_interval_bad 2 "'1s' is not a number of seconds" "$VIGIL" trace net --flow-interval 1s
expect run_bad_mode 2 "--mode: unknown mode 'enforcing' \\(audit or enforce\\)" "$VIGIL" run --mode enforcing
expect run_policy_missing 1 "nonexistent.yaml" "$VIGIL" run --policy "$TMP/nonexistent.yaml"
expect run_flow_interval_bad 2 "'-1' is not a number of seconds" "$VIGIL" run --flow-interval -1
expect run_metrics_bad_address 2 "--metrics: 'nonsense' is not HOST:PORT" "$VIGIL" run --metrics nonsense
expect run_metrics_bad_port 2 "--metrics: '127.0.0.1:70000': the port is not a number from 0 to 65535" \
	"$VIGIL" run --metrics 127.0.0.1:70000
expect run_metrics_hostname 2 "'example.com' is not an IPv4 address" "$VIGIL" run --metrics example.com:9090
expect run_no_bpf_stats_alone 2 "--no-bpf-stats without --metrics" "$VIGIL" run --no-bpf-stats
# an address on no interface here: refused at bind, before anything is loaded
expect run_metrics_cannot_listen 1 \
	"^vigil: error: cannot listen on '192.0.2.1:9' for --metrics: Cannot assign requested address$" \
	"$VIGIL" run --metrics 192.0.2.1:9 --output /dev/null
if [[ $(grep -c 'error:' "$TMP/err") -ne 1 ]]; then
	fail run_metrics_cannot_listen_one_line "expected one error line: $(grep -v 'info:' "$TMP/err")"
else
	ok run_metrics_cannot_listen_one_line
fi
if "$VIGIL" run --metrics '[::1]:9100' --show-config | grep -q 'listen: \[::1\]:9100'; then
	ok run_metrics_config
else
	fail run_metrics_config "--show-config does not show the metrics address"
fi
if "$VIGIL" run --flow-interval 30 --show-config | grep -q 'an update every 30 s'; then
	ok run_flow_interval_config
else
	fail run_flow_interval_config "--show-config does not show the flow interval"
fi
expect probe_unknown_flag 2 "usage: vigil probe" "$VIGIL" probe --nope
expect version_runs 0 '' "$VIGIL" version
expect run_show_config 0 '' "$VIGIL" run --show-config
expect not_root_is_one_clear_line 1 '^vigil: error: must run as root' \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$VIGIL" trace exec
if [[ $(wc -l <"$TMP/err") -ne 1 ]]; then
	fail not_root_single_line "expected one line, got: $(cat "$TMP/err")"
else
	ok not_root_single_line
fi
# the kernel refuses the programs (root without CAP_BPF/CAP_SYS_ADMIN/CAP_PERFMON)
mkdir -p "$TMP/logs"
expect refused_load_is_one_line_with_log_file 1 \
	"^vigil: error: cannot load BPF programs \\(tried tp_btf, then raw_tp\\): Operation not permitted \\(libbpf and verifier log: $TMP/logs/verifier-[0-9]+\\.log\\)$" \
	env VIGIL_LOG_DIR="$TMP/logs" setpriv --bounding-set=-bpf,-sys_admin,-perfmon "$VIGIL" trace exec
log=$(ls "$TMP"/logs/verifier-*.log 2>/dev/null | head -1)
if [[ $(wc -l <"$TMP/err") -ne 1 ]]; then
	fail refused_load_log_saved "expected one line on stderr, got: $(cat "$TMP/err")"
elif [[ -z $log ]] || ! grep -q "failed to load" "$log" || [[ $(stat -c %a "$log") != 600 ]]; then
	fail refused_load_log_saved "log file missing, without libbpf's messages, or not 0600: '$log'"
else
	ok refused_load_log_saved
fi
expect output_unwritable 1 "cannot open output '/nonexistent/x'" \
	"$VIGIL" trace exec --output /nonexistent/x

# ---- trace exec, JSON ----------------------------------------------------
name=trace_exec_json_schema
if start_trace "$TMP/events.jsonl" -o json; then
	/bin/echo vigil-cli-marker "x y" >/dev/null
	sh -c 'exit 0'
	stop_trace
	line=$(grep -F 'vigil-cli-marker' "$TMP/events.jsonl" | head -1)
	mode=$(stat -c %a "$TMP/events.jsonl")
	if [[ $mode != 600 ]]; then
		fail $name "output file mode $mode, expected 600"
	elif ! jq -e . "$TMP/events.jsonl" >/dev/null 2>&1; then
		fail $name "output is not valid JSON lines"
	elif [[ -z $line ]]; then
		fail $name "no event for the marker command"
	elif ! jq -e --argjson me $$ '
		.kind == "exec"
		and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z$"))
		and .process.args == ["/bin/echo", "vigil-cli-marker", "x y"]
		and .process.exe == "/usr/bin/echo"
		and .process.comm == "echo"
		and .process.ppid == $me
		and (.process.pid | type) == "number"
		and .process.uid == 0
		and .process.container == null
		and (.process.cgroup | type) == "string"
		and (.parent.exe | endswith("bash"))
		and .process.args_truncated == false' <<<"$line" >/dev/null; then
		fail $name "unexpected event: $line"
	elif ! tail -1 "$TMP/events.jsonl" | jq -e '.kind == "stats" and .stats.lost.total == 0' >/dev/null; then
		fail $name "last line is not a stats event with zero loss: $(tail -1 "$TMP/events.jsonl")"
	elif grep -q '"kind":"fork"\|"kind":"exit"' "$TMP/events.jsonl"; then
		fail $name "trace exec printed other kinds"
	else
		ok $name
	fi
else
	fail $name "vigil did not start"
fi

# ---- filters -------------------------------------------------------------
name=trace_filter_comm
if start_trace "$TMP/comm.jsonl" -o json --comm true; then
	/bin/echo vigil-cli-comm >/dev/null
	/bin/true vigil-cli-comm
	stop_trace
	n_true=$(grep -c '"vigil-cli-comm"' "$TMP/comm.jsonl")
	n_echo=$(grep -F '"vigil-cli-comm"' "$TMP/comm.jsonl" | grep -c '"comm":"echo"')
	if [[ $n_true != 1 || $n_echo != 0 ]]; then
		fail $name "expected only the true exec, got $n_true lines ($n_echo echo)"
	else
		ok $name
	fi
else
	fail $name "vigil did not start"
fi

name=trace_filter_exe_glob
if start_trace "$TMP/exe.jsonl" -o json --exe '*/ech?'; then
	/bin/echo vigil-cli-exe >/dev/null
	/bin/true vigil-cli-exe
	stop_trace
	if [[ $(grep -c '"vigil-cli-exe"' "$TMP/exe.jsonl") != 1 ]] ||
	   ! grep -F '"vigil-cli-exe"' "$TMP/exe.jsonl" | jq -e '.process.exe == "/usr/bin/echo"' >/dev/null; then
		fail $name "expected exactly the echo exec: $(cat "$TMP/exe.jsonl")"
	else
		ok $name
	fi
else
	fail $name "vigil did not start"
fi

name=trace_filter_pid
( while [[ ! -e $TMP/go ]]; do sleep 0.05; done; exec /bin/true vigil-cli-pid-target ) &
target=$!
if start_trace "$TMP/pid.jsonl" -o json --pid "$target"; then
	/bin/true vigil-cli-pid-other
	touch "$TMP/go"
	wait "$target"
	sleep 0.2
	stop_trace
	if ! grep -q 'vigil-cli-pid-target' "$TMP/pid.jsonl" || grep -q 'vigil-cli-pid-other' "$TMP/pid.jsonl"; then
		fail $name "expected only pid $target: $(cat "$TMP/pid.jsonl")"
	else
		ok $name
	fi
else
	fail $name "vigil did not start"
	kill "$target" 2>/dev/null
fi

name=trace_filter_container_excludes_host
if start_trace "$TMP/ctr.jsonl" -o json --container 4f9a; then
	/bin/true vigil-cli-ctr
	stop_trace
	if grep -q 'vigil-cli-ctr' "$TMP/ctr.jsonl"; then
		fail $name "a host process passed the container filter"
	else
		ok $name
	fi
else
	fail $name "vigil did not start"
fi

# ---- text ------------------------------------------------------------------
name=trace_exec_text
if start_trace "$TMP/events.txt" -o text; then
	/bin/echo vigil-cli-text "a b" >/dev/null
	stop_trace
	if ! grep -Eq '^[0-9-]{10}T[0-9:.]{18}Z exec +pid=[0-9]+ ppid=[0-9]+ uid=0 comm=echo exe=/usr/bin/echo args=\[/bin/echo vigil-cli-text "a b"\]' "$TMP/events.txt"; then
		fail $name "no matching text line: $(grep vigil-cli-text "$TMP/events.txt")"
	else
		ok $name
	fi
else
	fail $name "vigil did not start"
fi

# ---- run -------------------------------------------------------------------
name=run_reports_exec_fork_exit
rm -f "$TMP/ready"
mport=$((20000 + RANDOM % 40000))
"$VIGIL" run --output "$TMP/run.jsonl" --ready-file "$TMP/ready" --metrics "127.0.0.1:$mport" \
	2>"$TMP/run.err" &
bg_pid=$!
for _ in $(seq 100); do [[ -e $TMP/ready ]] && break; sleep 0.1; done
sh -c '/bin/true vigil-cli-run; exit 4'
# --metrics (tests/metrics has the rest): 200, 404 elsewhere, 405 for other methods
codes="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/metrics")"
codes+=" $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/nothing")"
codes+=" $(curl -s -o /dev/null -w '%{http_code}' -X PUT -d x "http://127.0.0.1:$mport/metrics")"
if [[ $codes == "200 404 405" ]]; then
	ok run_metrics_status_codes
else
	fail run_metrics_status_codes "GET /metrics, GET /nothing, PUT /metrics: $codes (200 404 405)"
fi
child_kinds=
if stop_trace; then
	sh_pid=$(jq -r 'select(.kind == "exec" and .process.args == ["/bin/true", "vigil-cli-run"]) | .process.ppid' \
		"$TMP/run.jsonl" | head -1)
	kinds=$(jq -r --argjson p "${sh_pid:-0}" 'select(.process.pid == $p) | .kind' "$TMP/run.jsonl" | sort | tr '\n' ' ')
	code=$(jq -r --argjson p "${sh_pid:-0}" 'select(.process.pid == $p and .kind == "exit") | .exit.code' "$TMP/run.jsonl")
	if [[ $kinds != "exec exit fork " || $code != 4 ]]; then
		fail $name "sh events: '$kinds' exit code '$code'"
	elif ! grep -q 'backend for process_sensor: tp_btf' "$TMP/run.err"; then
		fail $name "run did not say which backends it chose: $(head -5 "$TMP/run.err")"
	else
		ok $name
	fi
else
	fail $name "vigil run did not exit 0 on SIGTERM: $(tail -3 "$TMP/run.err")"
fi

# ---- trace file / priv --------------------------------------------------------
expect file_relative_path_rejected 2 "--path: 'etc/shadow' is not an absolute path" \
	"$VIGIL" trace file --path etc/shadow
expect file_all_and_path_conflict 2 "exclude each other" "$VIGIL" trace file --all --path /etc/shadow
expect path_only_for_file 2 "only for 'trace file'" "$VIGIL" trace exec --path /etc/shadow

name=trace_file_json_fim
mkdir -p "$TMP/w/sub"
printf 'one\n' >"$TMP/w/watched"
printf 'x\n' >"$TMP/w/unwatched"
if start_trace "$TMP/file.jsonl" file -o json --path "$TMP/w/watched" --path "$TMP/w/sub/"; then
	( cd "$TMP/w" && printf 'two\n' >>watched && printf 'y\n' >>unwatched && touch sub/new )
	stop_trace
	w=$(jq -c 'select(.kind == "file" and .file.op == "write")' "$TMP/file.jsonl" | head -1)
	before=$(printf 'one\n' | sha256sum | cut -d' ' -f1)
	after=$(printf 'one\ntwo\n' | sha256sum | cut -d' ' -f1)
	if [[ -z $w ]]; then
		fail $name "no write event: $(head -c 600 "$TMP/file.jsonl")"
	elif ! jq -e --arg p "$TMP/w/watched" --arg b "$before" --arg a "$after" '
		.file.path == $p and .file.result == 4 and .file.count == 4
		and .file.change == "write" and .file.sha256_before == $b and .file.sha256_after == $a
		and .file.match == "exact" and .process.comm == "bash"
		and .file.before.size == 4 and .file.after.size == 8' <<<"$w" >/dev/null; then
		fail $name "unexpected write event: $w"
	elif ! jq -e -s --arg p "$TMP/w/sub/new" 'any(.[]; .file.path == $p and .file.op == "open"
		and .file.match == "prefix" and any(.file.open_flags[]; . == "O_CREAT"))' \
		"$TMP/file.jsonl" >/dev/null; then
		fail $name "no open(O_CREAT) event for the subtree: $(jq -c 'select(.kind == "file")
			| [.file.op, .file.path, .file.match]' "$TMP/file.jsonl")"
	elif grep -q unwatched "$TMP/file.jsonl"; then
		fail $name "an unwatched file was reported"
	else
		ok $name
	fi
else
	fail $name "vigil did not start"
fi

name=trace_file_all_reports_unwatched_paths
if start_trace "$TMP/all.jsonl" file -o json --all; then
	( cd "$TMP" && mkdir all-dir && printf 'z' >all-dir/f && mv all-dir/f all-dir/g )
	stop_trace
	if ! jq -e -s --arg d "$TMP/all-dir" '
		any(.[]; .file.op == "mkdir" and .file.path == $d and .file.match == "all")
		and any(.[]; .file.op == "write" and .file.path == ($d + "/f") and .file.result == 1)
		and any(.[]; .file.op == "rename" and .file.new_path == ($d + "/g"))
		and (map(select(.kind == "stats")) | last | .stats.lost.total) == 0' \
		"$TMP/all.jsonl" >/dev/null; then
		fail $name "missing mkdir/write/rename events or losses: $(jq -c 'select(.kind == "stats") | .stats.lost' "$TMP/all.jsonl")"
	else
		ok $name
	fi
else
	fail $name "vigil did not start"
fi

name=trace_priv_keeps_loginuid_across_setuid
if start_trace "$TMP/priv.jsonl" priv -o json; then
	# a login session (loginuid 1000) whose root shell drops to nobody, as sudo -u would
	( echo 1000 >/proc/self/loginuid &&
	  exec setpriv --reuid=65534 --regid=65534 --clear-groups /bin/true vigil-cli-priv )
	stop_trace
	ev=$(jq -c 'select(.kind == "priv" and .priv.new.uid == 65534 and .priv.op != "setresgid"
		and .priv.op != "setgid" and .priv.op != "setregid")' "$TMP/priv.jsonl" | head -1)
	if [[ -z $ev ]]; then
		fail $name "no uid-changing priv event: $(head -c 600 "$TMP/priv.jsonl")"
	elif ! jq -e '.process.loginuid == 1000 and .priv.old.uid == 0 and .priv.old.euid == 0
		and .priv.new.euid == 65534 and .priv.result == 0 and .process.uid == 65534
		and (.priv.op | test("^set(res|re)?uid$"))' <<<"$ev" >/dev/null; then
		fail $name "unexpected priv event: $ev"
	else
		ok $name
	fi
else
	fail $name "vigil did not start"
fi

name=run_watches_etc_shadow_by_default
rm -f "$TMP/ready"
"$VIGIL" run --output "$TMP/run2.jsonl" --ready-file "$TMP/ready" 2>"$TMP/run2.err" &
bg_pid=$!
for _ in $(seq 100); do [[ -e $TMP/ready ]] && break; sleep 0.1; done
cat /etc/shadow >/dev/null	# a read: nothing is modified
if stop_trace && jq -e -s 'any(.[]; .kind == "file" and .file.path == "/etc/shadow"
	and .file.op == "open" and .process.comm == "cat" and .file.match == "exact")' \
	"$TMP/run2.jsonl" >/dev/null; then
	ok $name
else
	fail $name "no open event for /etc/shadow: $(jq -c 'select(.kind == "file" or .kind == "stats")
		| [.kind, .process.comm, .file.path, .stats.sent, .stats.lost.total]' "$TMP/run2.jsonl")"
fi

# ---- trace net ---------------------------------------------------------------
# A connect to a closed port on 127.0.0.1, in a network namespace of its own
# (nothing listens there; the host's interfaces are never touched).
name=trace_net_connect_refused_json
if start_trace "$TMP/net.jsonl" net -o json; then
	unshare -n bash -c 'ip link set lo up && exec 3<>/dev/tcp/127.0.0.1/9' 2>/dev/null
	stop_trace
	ev=$(jq -c 'select(.kind == "connect" and .net.dport == 9)' "$TMP/net.jsonl" | head -1)
	if [[ -z $ev ]]; then
		fail $name "no connect event: $(head -c 600 "$TMP/net.jsonl")"
	elif ! jq -e '.net.op == "connect" and .net.errno == "ECONNREFUSED" and .net.result == -111
		and .net.family == "ipv4" and .net.protocol == "tcp" and .net.sock_type == "stream"
		and .net.daddr == "127.0.0.1" and (.net.fd | type) == "number"
		and .process.comm == "bash" and (.net | has("action") | not)' <<<"$ev" >/dev/null; then
		fail $name "unexpected connect event: $ev"
	elif jq -e -s 'any(.[]; .kind != "stats" and .kind != "connect" and .kind != "bind"
		and .kind != "accept" and .kind != "listen" and .kind != "flow")' \
		"$TMP/net.jsonl" >/dev/null; then
		fail $name "trace net printed other kinds: $(jq -c .kind "$TMP/net.jsonl" | sort -u)"
	else
		ok $name
	fi
else
	fail $name "vigil did not start"
fi

# ---- trace uprobe: the CVE guard from the command line -------------------------
# (tests/bpf/test_uprobe checks every field; this checks the CLI's wiring)
name=trace_uprobe_kill_if
progs=$(dirname "$VIGIL")/tests/bpf/progs
if [[ ! -x $progs/guard_caller || ! -f $progs/libvgguard.so ]]; then
	fail $name "$progs/guard_caller or libvgguard.so missing (make integration)"
elif start_trace "$TMP/uprobe.jsonl" uprobe -o json --path "$(realpath "$progs/libvgguard.so")" \
	--symbol vg_guard_copy --arg 2:int --kill-if 2:gt:30 --rule cli-guard; then
	"$progs/guard_caller" "$progs/libvgguard.so" copy 30 "$TMP/m30" >/dev/null
	rc30=$?
	"$progs/guard_caller" "$progs/libvgguard.so" copy 40 "$TMP/m40" >/dev/null 2>&1
	rc40=$?
	sleep 0.3
	stop_trace
	if (( rc30 != 0 || rc40 != 137 )) || [[ ! -e $TMP/m30 || -e $TMP/m40 ]]; then
		fail $name "exit 30 bytes: $rc30 (want 0), 40 bytes: $rc40 (want 137, SIGKILL); markers: $(ls "$TMP" | grep -c '^m[34]0$')"
	elif ! jq -e -s '
		(map(select(.kind == "uprobe" and .uprobe.args[0].value == 30)) | length == 1
		 and (.[0].uprobe | .guard == false and .killed == false and .rule == null))
		and (map(select(.kind == "uprobe" and .uprobe.args[0].value == 40)) | length == 1
		 and (.[0].uprobe | .guard and .killed and .rule == "cli-guard"
		      and .symbol == "vg_guard_copy" and .site == "entry")
		 and .[0].process.comm == "guard_caller")' "$TMP/uprobe.jsonl" >/dev/null; then
		fail $name "unexpected events: $(grep uprobe "$TMP/uprobe.jsonl" | jq -c .uprobe)"
	else
		ok $name
	fi
else
	fail $name "vigil trace uprobe did not start"
fi

# ---- trace bpf: another process's program loads, filtered in the kernel --------
# (tests/bpf/test_bpfwatch checks every field; this checks the CLI's wiring)
name=trace_bpf_prog_load
if start_trace "$TMP/bpf.jsonl" bpf -o json --cmd prog_load; then
	"$VIGIL" probe -o json >/dev/null 2>&1 &	# loads, attaches and links test programs
	loader=$!
	wait $loader
	sleep 0.3
	stop_trace
	if ! jq -e -s --argjson p "$loader" '
		(map(select(.process.pid == $p)) | length > 0
		 and all(.bpf.cmd == "prog_load")
		 and any(.bpf.name == "vigil_probe" and (.bpf.prog_type | type == "string")
			 and .bpf.insn_cnt > 0 and .process.comm == "vigil"))
		and all(.kind == "bpf" or .kind == "stats")' "$TMP/bpf.jsonl" >/dev/null; then
		fail $name "unexpected events: $(jq -c 'select(.kind == "bpf") | [.process.pid, .bpf.cmd, .bpf.name]' "$TMP/bpf.jsonl" | head -20)"
	else
		ok $name
	fi
else
	fail $name "vigil trace bpf did not start"
fi

# ---- trace tls / shell: the presets from the command line ------------------------
# (tests/bpf/test_tls and test_shell check every field; this checks the wiring,
# the JSON and the filters)
name=trace_tls_json
if [[ ! -x $progs/tls_peer ]]; then
	fail $name "$progs/tls_peer missing (make integration)"
elif ! openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=test -days 1 \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1; then
	fail $name "openssl req failed"
elif start_trace "$TMP/tls.jsonl" tls -o json --max-bytes 8 --exe '*/tls_peer'; then
	peer=$("$progs/tls_peer" "$TMP/cert.pem" "$TMP/key.pem")
	cp "$progs/tls_peer" "$TMP/other_peer"	# the same calls from another exe: filtered out
	"$TMP/other_peer" "$TMP/cert.pem" "$TMP/key.pem" >/dev/null
	sleep 0.3
	stop_trace
	port=${peer##*port=}
	if ! jq -e -s --argjson port "${port:-0}" '
		map(select(.kind == "tls")) as $t
		| ($t | length == 9) and ($t | all(.process.exe | endswith("/tls_peer")))
		and ($t | map(select(.tls.function == "SSL_write_ex")) | length == 1
		     and (.[0].tls | .op == "write" and .ret == 1 and .len == 19 and .captured == 8
			  and .truncated and .data == "vigil-ex" and .data_hex == null
			  and .family == "ipv6" and .daddr == "::1" and .dport == $port
			  and (.fd | type) == "number"))
		and ($t | map(select(.tls.function == "SSL_read" and .tls.len == 4000))
		     | length == 1 and .[0].tls.socket_cached and .[0].tls.sport == $port)' \
		"$TMP/tls.jsonl" >/dev/null; then
		fail $name "unexpected events ($peer): $(grep '"tls"' "$TMP/tls.jsonl" | jq -c '[.process.comm, .tls.function, .tls.len, .tls.data]' | head -12)"
	elif ! grep -q 'tls: the output holds the first 8 bytes of every TLS read and write' \
		"$TMP/trace.err"; then
		fail $name "no warning about plaintext in the output: $(cat "$TMP/trace.err")"
	else
		ok $name
	fi
else
	fail $name "vigil trace tls did not start"
fi

name=trace_shell_json
if start_trace "$TMP/shell.jsonl" shell -o json --comm bash; then
	(sleep 0.5; echo 'echo vigil-cli-$((40+2))'; sleep 0.5; echo exit) |
		TERM=dumb script -qc 'bash --norc --noprofile -i' /dev/null >/dev/null 2>&1
	sleep 0.3
	stop_trace
	if ! jq -e -s '
		map(select(.kind == "shell")) as $s
		| ($s | map(.shell.line) == ["echo vigil-cli-$((40+2))", "exit"])
		and ($s | all(.process.comm == "bash" and (.shell.tty | test("^pts/[0-9]+$"))
			      and .shell.line_truncated == false
			      and .shell.loginuid == .process.loginuid))' "$TMP/shell.jsonl" >/dev/null; then
		fail $name "unexpected events: $(grep '"shell"' "$TMP/shell.jsonl" | jq -c .shell)"
	else
		ok $name
	fi
else
	fail $name "vigil trace shell did not start"
fi

# ---- policy check --------------------------------------------------------------
expect policy_check_defaults_ok 0 '' "$VIGIL" policy check policies/
if ! grep -Eq '^[0-9]+ policies, [0-9]+ rules: OK$' "$TMP/out"; then
	fail policy_check_summary "unexpected summary: $(cat "$TMP/out")"
else
	ok policy_check_summary
fi
cat >"$TMP/bad.yaml" <<'YAML'
apiVersion: vigil.dev/v1alpha1
kind: Policy
metadata:
  name: typo
spec:
  rules:
    - name: r
      kinds: [exce]
      action: alert
YAML
expect policy_check_names_file_line_column 1 \
	"^$TMP/bad.yaml:8:[0-9]+: spec.rules\\[0\\]\\.kinds.*exce.*exec" "$VIGIL" policy check "$TMP/bad.yaml"
expect policy_check_usage 2 'usage: vigil policy' "$VIGIL" policy check

# ---- probe -------------------------------------------------------------------
name=probe_json
if "$VIGIL" probe -o json >"$TMP/probe.json" 2>"$TMP/probe.err" &&
   jq -e '.features.btf.available == true and .features.ringbuf.available == true
	  and .backends.process_sensor == "tp_btf"' "$TMP/probe.json" >/dev/null; then
	ok $name
else
	fail $name "$(head -c 400 "$TMP/probe.json") $(cat "$TMP/probe.err")"
fi

echo "$passed passed, $failed failed, 0 skipped"
(( failed == 0 ))
