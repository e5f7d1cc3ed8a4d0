#!/usr/bin/env bash
# test_scenarios.sh - the policy engine as users write policies for it: each
# test starts `vigil run --policy ...` on real workloads and checks both the
# outcome (killed, EPERM, file intact, CPU share) and the report vigil wrote.
# Needs root, jq, iproute2.  Ends with "N passed, N failed, N skipped".
#
# Only objects this test creates are acted on: its own binaries, files,
# cgroups (under $CG2/vigil-test-*), network namespaces and veth pair.
set -u
VIGIL=$(realpath "${VIGIL:-build/vigil}")
TMP=$(mktemp -d /tmp/vigil-pol-XXXXXX)
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
TAG=vigil-test-$$
passed=0 failed=0 skipped=0
bg_pid=

cleanup() {
	[[ -n $bg_pid ]] && kill -TERM "$bg_pid" 2>/dev/null && wait "$bg_pid" 2>/dev/null
	pkill -KILL -f "$TMP/bin/" 2>/dev/null
	ip netns del "$TAG-a" 2>/dev/null
	ip netns del "$TAG-b" 2>/dev/null
	for d in "$CG2/$TAG"/*/ "$CG2/$TAG"/; do
		[[ -d $d ]] || continue
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	done
	sleep 0.2
	find "$CG2/$TAG" -depth -type d -exec rmdir {} + 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ok()   { passed=$((passed + 1)); echo "#$1:OK"; }
fail() { failed=$((failed + 1)); echo "  FAIL $1: $2"; echo "#$1:FAIL"; }
skip() { skipped=$((skipped + 1)); echo "  SKIP $1: $2"; }

mkdir -p "$TMP/bin"

# start_vigil OUT ARGS...: `vigil run --alerts-only` writing to OUT, wait until ready
start_vigil() {
	local out=$1
	shift
	rm -f "$TMP/ready"
	"$VIGIL" run --alerts-only --output "$out" --ready-file "$TMP/ready" --stats-interval 0 \
		"$@" 2>"$TMP/vigil.err" &
	bg_pid=$!
	for _ in $(seq 150); do
		[[ -e $TMP/ready ]] && return 0
		kill -0 "$bg_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "  vigil did not become ready: $(tail -5 "$TMP/vigil.err")"
	bg_pid=
	return 1
}

stop_vigil() {
	[[ -n $bg_pid ]] || return 1
	kill -TERM "$bg_pid"
	wait "$bg_pid"
	local rc=$?
	bg_pid=
	return $rc
}

# reports OUT JQ-FILTER: the policy reports that match the filter, one per line
reports() {
	jq -c "select(.kind == \"policy\") | select($2)" "$1" 2>/dev/null
}

policy() {	# policy FILE NAME MODE RULES-YAML
	cat >"$1" <<EOF
apiVersion: vigil.dev/v1alpha1
kind: Policy
metadata: {name: $2}
spec:
  mode: $3
  message: "{process.exe} ({process.pid}) uid {process.uid}: {kind} {rule}"
  rules:
$4
EOF
}

# ---- 1. a write to a protected file: alert naming process, user, container ----
test_protected_write() {
	local name=protected_write out=$TMP/1.jsonl id cg r
	mkdir -p "$TMP/etc"
	echo secret >"$TMP/etc/shadow"
	policy "$TMP/p1.yaml" fim-test audit "    - name: written
      kinds: [file.write]
      selectors:
        - path: {exact: [$TMP/etc/shadow]}
      action: alert"
	chmod 755 "$TMP" "$TMP/etc"
	chmod 666 "$TMP/etc/shadow"
	start_vigil "$out" --policy "$TMP/p1.yaml" || { fail $name "vigil did not start"; return; }
	# the writer: uid 4242, in a docker-style cgroup of its own
	id=$(printf 'c0ffee%058d' 1)
	cg=$CG2/$TAG/docker-$id.scope
	mkdir -p "$cg"
	sh -c "echo \$\$ > $cg/cgroup.procs; exec setpriv --reuid=4242 --regid=4242 --clear-groups sh -c 'echo pwned >> $TMP/etc/shadow'"
	sleep 0.5
	stop_vigil
	r=$(reports "$out" '.policy == "fim-test" and .rule == "written"' | head -1)
	if [[ -z $r ]]; then
		fail $name "no report: $(head -c 600 "$out")"
	elif ! jq -e --arg id "$id" '.event.process.uid == 4242 and .event.process.comm == "sh"
		and .event.process.container.id == $id and .event.process.container.runtime == "docker"
		and .event.file.path != null and .mode == "audit" and .action == "none"
		and (.message | test("uid 4242"))' <<<"$r" >/dev/null; then
		fail $name "report lacks process/user/container: $r"
	else
		ok $name
	fi
}

# ---- 2. netcat: alert (default set); killed before its first instruction (enforce) ----
test_netcat_default_alert() {
	local name=netcat_default_alert out=$TMP/2a.jsonl
	cp /bin/true "$TMP/bin/nc"
	start_vigil "$out" || { fail $name "vigil did not start"; return; }
	"$TMP/bin/nc"
	sleep 0.5
	stop_vigil
	if reports "$out" ".policy == \"netcat-exec\" and .event.process.exe == \"$TMP/bin/nc\"" |
		grep -q .; then
		ok $name
	else
		fail $name "no netcat-exec report from the embedded default set: $(head -c 600 "$out")"
	fi
}

test_netcat_kill() {
	local name=netcat_kill out=$TMP/2b.jsonl rc r
	cp /bin/touch "$TMP/bin/nc"		# its first act would be to create the marker
	policy "$TMP/p2.yaml" no-netcat enforce "    - name: exec
      kinds: [exec]
      selectors:
        - binary: {glob: ['*/nc', '*/ncat', '*/netcat']}
      action: kill"
	start_vigil "$out" --policy "$TMP/p2.yaml" || { fail $name "vigil did not start"; return; }
	"$TMP/bin/nc" "$TMP/marker"
	rc=$?
	sleep 0.5
	stop_vigil
	r=$(reports "$out" '.policy == "no-netcat"' | head -1)
	if (( rc != 137 )); then
		fail $name "nc exited $rc, expected 137 (SIGKILL)"
	elif [[ -e $TMP/marker ]]; then
		fail $name "the marker exists: the program ran before it was killed"
	elif ! jq -e '.action == "kill" and .by == "kernel" and .mode == "enforce"' <<<"$r" >/dev/null; then
		fail $name "report: $r"
	else
		ok $name
	fi
}

# ---- 3. only mysqld may open the data directory ----
test_mysqld_only() {
	local name=mysqld_only out=$TMP/3.jsonl errs="" r
	mkdir -p "$TMP/data/db"
	echo "row 1" >"$TMP/data/db/table.ibd"
	cp /bin/cat "$TMP/bin/mysqld"
	policy "$TMP/p3.yaml" mysql-data enforce "    - name: not-mysqld
      kinds: [file.open]
      selectors:
        - path: {prefix: [$TMP/data/]}
          notBinary: {glob: ['*/mysqld']}
      action: deny"
	start_vigil "$out" --policy "$TMP/p3.yaml" || { fail $name "vigil did not start"; return; }
	cat "$TMP/data/db/table.ibd" >/dev/null 2>"$TMP/cat.err" && errs+="cat could read; "
	grep -q "Operation not permitted" "$TMP/cat.err" || errs+="cat: $(cat "$TMP/cat.err"); "
	sh -c ": > $TMP/data/db/table.ibd" 2>/dev/null && errs+="O_TRUNC open succeeded; "
	[[ $("$TMP/bin/mysqld" "$TMP/data/db/table.ibd") == "row 1" ]] || errs+="mysqld could not read; "
	sleep 0.5
	stop_vigil
	[[ $(cat "$TMP/data/db/table.ibd") == "row 1" ]] || errs+="the file was changed; "
	r=$(reports "$out" '.policy == "mysql-data" and .action == "deny"' | head -1)
	jq -e --arg p "$TMP/data/db/table.ibd" '.by == "fanotify" and .file.path == $p and
		.process.exe == "/usr/bin/cat"' <<<"$r" >/dev/null 2>&1 || errs+="report: $r; "
	reports "$out" '.process.exe != null and (.process.exe | endswith("/mysqld"))' | grep -q . &&
		errs+="mysqld was reported; "
	[[ -z $errs ]] && ok $name || fail $name "$errs"
}

# ---- 4. deletion under a protected directory: reported, process killed ----
test_delete_kill() {
	local name=delete_kill out=$TMP/4.jsonl rc r
	mkdir -p "$TMP/keep"
	echo x >"$TMP/keep/ledger"
	policy "$TMP/p4.yaml" keep enforce "    - name: no-delete
      kinds: [file.unlink, file.rmdir, file.rename]
      selectors:
        - path: {prefix: [$TMP/keep/]}
      action: kill"
	start_vigil "$out" --policy "$TMP/p4.yaml" || { fail $name "vigil did not start"; return; }
	rm "$TMP/keep/ledger"
	rc=$?
	sleep 0.5
	stop_vigil
	r=$(reports "$out" '.policy == "keep"' | head -1)
	if (( rc != 137 )); then
		fail $name "rm exited $rc, expected 137 (killed)"
	elif ! jq -e --arg p "$TMP/keep/ledger" '.action == "kill" and .by == "kernel" and
		.event.file.path == $p and .event.file.op == "unlink" and .event.process.comm == "rm"' \
		<<<"$r" >/dev/null; then
		fail $name "report: $r"
	else
		ok $name	# the unlink itself happened: see docs/policies.md
	fi
}

# ---- 5a. connect to a denied CIDR: EPERM, for the processes of one cgroup ----
test_connect_deny() {
	local name=connect_deny out=$TMP/5a.jsonl cg=$CG2/$TAG/net err r
	mkdir -p "$cg"
	policy "$TMP/p5.yaml" egress enforce "    - name: test-net
      kinds: [connect]
      selectors:
        - address: [192.0.2.0/24]
          protocol: [tcp]
      action: deny"
	start_vigil "$out" --policy "$TMP/p5.yaml" --net-cgroup "$cg" ||
		{ fail $name "vigil did not start"; return; }
	err=$(sh -c "echo \$\$ > $cg/cgroup.procs; exec timeout 5 bash -c 'exec 3<>/dev/tcp/192.0.2.7/80'" 2>&1)
	sleep 0.5
	stop_vigil
	r=$(reports "$out" '.policy == "egress"' | head -1)
	if [[ -e /sys/fs/bpf/vigil/netctl-policy ]]; then
		fail $name "the engine's connection-control rules outlived vigil"
	elif ! grep -q "Operation not permitted" <<<"$err"; then
		fail $name "connect was not refused with EPERM: $err"
	elif ! jq -e '.action == "deny" and .by == "cgroup hook" and .event.net.daddr == "192.0.2.7"' \
		<<<"$r" >/dev/null; then
		fail $name "report: $r"
	else
		ok $name
	fi
}

# ---- 5b. ICMP dropped at XDP ----
test_icmp_drop() {
	local name=icmp_drop out=$TMP/5b.jsonl a=$TAG-a b=$TAG-b r
	ip netns add "$a" && ip netns add "$b" || { fail $name "cannot create netns"; return; }
	ip link add vta type veth peer name vtb || { fail $name "cannot create veth"; return; }
	ip link set vta netns "$a" && ip link set vtb netns "$b"
	ip -n "$a" addr add 10.253.0.1/24 dev vta && ip -n "$a" link set vta up
	ip -n "$b" addr add 10.253.0.2/24 dev vtb && ip -n "$b" link set vtb up
	if ! ip netns exec "$b" ping -c 1 -W 2 10.253.0.1 >/dev/null; then
		fail $name "no connectivity before the policy"
		return
	fi
	cat >"$TMP/p5b.yaml" <<EOF
apiVersion: vigil.dev/v1alpha1
kind: Policy
metadata: {name: no-ping}
spec:
  mode: enforce
  rules:
    - name: icmp
      kinds: [packet]
      selectors:
        - protocol: [icmp]
      action: drop
EOF
	rm -f "$TMP/ready"
	nsenter --net="/run/netns/$a" "$VIGIL" run --alerts-only --output "$out" \
		--ready-file "$TMP/ready" --stats-interval 0 --policy "$TMP/p5b.yaml" \
		--xdp-iface vta 2>"$TMP/vigil.err" &
	bg_pid=$!
	for _ in $(seq 150); do [[ -e $TMP/ready ]] && break; sleep 0.1; done
	if [[ ! -e $TMP/ready ]]; then
		fail $name "vigil did not start: $(tail -5 "$TMP/vigil.err")"
		bg_pid=
		return
	fi
	if ip netns exec "$b" ping -c 3 -i 0.3 -W 1 10.253.0.1 >/dev/null; then
		fail $name "ping got through the drop policy"
		stop_vigil
		return
	fi
	sleep 1.5	# packet counters are reported every second
	stop_vigil
	r=$(reports "$out" '.policy == "no-ping"' | head -1)
	if ! jq -e '.action == "drop" and .by == "xdp" and .count >= 1 and .detail == "vta"' \
		<<<"$r" >/dev/null; then
		fail $name "report: $r ($(tail -3 "$TMP/vigil.err"))"
	elif ! ip netns exec "$b" ping -c 1 -W 2 10.253.0.1 >/dev/null; then
		fail $name "ping still dropped after vigil stopped (filter left attached)"
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

# ---- 5c. a CPU burner matching a throttle rule drops below its quota ----
test_throttle() {
	local name=throttle out=$TMP/5c.jsonl pid share r
	cp /bin/dash "$TMP/bin/burner"
	policy "$TMP/p5c.yaml" runaway enforce "    - name: burner
      kinds: [exec]
      selectors:
        - binary: {glob: ['*/burner']}
      action: {type: throttle, cpuPercent: 20}"
	start_vigil "$out" --policy "$TMP/p5c.yaml" --action-cgroup "$TAG-act" ||
		{ fail $name "vigil did not start"; return; }
	"$TMP/bin/burner" -c 'while :; do :; done' &
	pid=$!
	sleep 0.5
	share=$(cpu_share $pid 3)
	r=$(reports "$out" '.policy == "runaway"' | head -1)
	stop_vigil
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	if (( share > 30 )); then
		fail $name "the burner used ${share}% of a CPU under a 20% throttle"
	elif ! jq -e '.action == "throttle" and .by == "cgroup" and (.detail | length > 0)' \
		<<<"$r" >/dev/null; then
		fail $name "report: $r"
	else
		echo "  burner CPU share under throttle: ${share}%"
		ok $name
	fi
}

# ---- 5d. a process holding > 80 % of a CPU for 3 s while the others wait
# > 100 ms in the run queue (p99) is throttled to 20 %; alone (nobody
# waiting) it is left alone.  The threshold is far above what an otherwise
# idle machine shows and far below what the nice 10 victims wait (~500 ms) ----
test_sched_throttle() {
	local name=sched_throttle out=$TMP/5d.jsonl hog v1 v2 share n0 r errs=""
	cp /bin/dash "$TMP/bin/hog"
	cp /bin/dash "$TMP/bin/victim"
	policy "$TMP/p5d.yaml" runaway enforce "    - name: hog
      kinds: [sched]
      selectors:
        - binary: {glob: ['*/bin/hog']}
          cpuPercent: {gt: 80}
          cpuSeconds: 3
          othersRunqueueP99Ms: {gt: 100}
      action: {type: throttle, cpuPercent: 20}"
	start_vigil "$out" --policy "$TMP/p5d.yaml" --action-cgroup "$TAG-sched" ||
		{ fail $name "vigil did not start"; return; }
	# the hog alone on CPU 1 (high priority), then two low-priority victims join it
	taskset -c 1 nice -n -10 "$TMP/bin/hog" -c 'while :; do :; done' &
	hog=$!
	sleep 4.5
	n0=$(reports "$out" '.policy == "runaway"' | wc -l)
	taskset -c 1 nice -n 10 "$TMP/bin/victim" -c 'while :; do :; done' &
	v1=$!
	taskset -c 1 nice -n 10 "$TMP/bin/victim" -c 'while :; do :; done' &
	v2=$!
	for _ in $(seq 80); do
		reports "$out" '.policy == "runaway"' | grep -q . && break
		sleep 0.1
	done
	sleep 0.5
	share=$(cpu_share $hog 2)
	r=$(reports "$out" '.policy == "runaway"' | head -1)
	stop_vigil
	kill -KILL $hog $v1 $v2 2>/dev/null
	wait $hog $v1 $v2 2>/dev/null
	(( n0 == 0 )) || errs+="acted on the hog while nobody waited ($n0 decisions); "
	(( share <= 30 )) || errs+="the hog used ${share}% of a CPU under a 20% throttle; "
	jq -e --argjson pid "$hog" '.action == "throttle" and .event.kind == "sched" and
		.event.process.pid == $pid and .event.sched.cpu_percent > 80 and
		.event.sched.others_runq_p99_ns > 100000000' <<<"$r" >/dev/null ||
		errs+="report: $r; "
	if [[ -z $errs ]]; then
		echo "  hog share under throttle: ${share}%"
		ok $name
	else
		fail $name "$errs"
	fi
}

# ---- 6a. audit mode: nothing done, the would-be action reported ----
test_audit_mode() {
	local name=audit_mode out=$TMP/6a.jsonl rc r
	cp /bin/touch "$TMP/bin/nc"
	rm -f "$TMP/marker"
	start_vigil "$out" --policy "$TMP/p2.yaml" --mode audit ||
		{ fail $name "vigil did not start"; return; }
	"$TMP/bin/nc" "$TMP/marker"
	rc=$?
	sleep 0.5
	stop_vigil
	r=$(reports "$out" '.policy == "no-netcat"' | head -1)
	if (( rc != 0 )) || [[ ! -e $TMP/marker ]]; then
		fail $name "the process was acted on in audit mode (exit $rc)"
	elif ! jq -e '.mode == "audit" and .action == "none" and .intended == "kill"' \
		<<<"$r" >/dev/null; then
		fail $name "report: $r"
	else
		ok $name
	fi
}

# ---- 6b. hot reload mid-stream (file change, then SIGHUP): no event lost, stale rules
# gone, a bad policy rejected with the old set kept ----
test_hot_reload() {
	local name=hot_reload out=$TMP/6b.jsonl n errs="" writer
	echo start >"$TMP/journal"
	mkdir -p "$TMP/pol6"
	policy "$TMP/pol6/p.yaml" journal audit "    - name: write
      kinds: [file.write]
      selectors:
        - path: {exact: [$TMP/journal]}
      action: alert
    - name: old-rule
      kinds: [exec]
      selectors:
        - binary: {glob: ['*/marker-old']}
      action: alert"
	cp /bin/true "$TMP/bin/marker-old"
	start_vigil "$out" --policy "$TMP/pol6" || { fail $name "vigil did not start"; return; }
	"$TMP/bin/marker-old"
	# 300 writes, 10 ms apart, while the policy is replaced twice
	bash -c "for i in \$(seq 300); do echo \$i >&3; sleep 0.01; done" 3>>"$TMP/journal" &
	writer=$!
	sleep 0.8
	policy "$TMP/pol6/p.yaml" journal audit "    - name: write
      kinds: [file.write]
      selectors:
        - path: {exact: [$TMP/journal]}
      action: alert
    - name: new-rule
      kinds: [exec]
      selectors:
        - binary: {glob: ['*/marker-new']}
      action: alert"
	sleep 1.5	# no signal: the change to the file is noticed (checked every second)
	printf 'apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata: {name: broken}\nspec: {rules: [{name: x, kinds: [exce]}]}\n' \
		>"$TMP/pol6/zz-bad.yaml"
	kill -HUP "$bg_pid"
	wait $writer
	cp /bin/true "$TMP/bin/marker-new"
	"$TMP/bin/marker-old"
	"$TMP/bin/marker-new"
	sleep 0.5
	stop_vigil
	n=$(reports "$out" '.policy == "journal" and .rule == "write"' | wc -l)
	(( n == 300 )) || errs+="$n write reports, expected 300; "
	(( $(reports "$out" '.rule == "old-rule"' | wc -l) == 1 )) ||
		errs+="old-rule reported after the reload (stale rule) or never; "
	(( $(reports "$out" '.rule == "new-rule"' | wc -l) == 1 )) || errs+="new-rule not in force; "
	grep -q "unknown kind 'exce'" "$TMP/vigil.err" || errs+="the bad policy's error was not logged; "
	grep -q "stay unchanged" "$TMP/vigil.err" || errs+="no 'stay unchanged' after the bad reload; "
	grep -q "policy files changed: reloading" "$TMP/vigil.err" || errs+="the file change went unnoticed; "
	grep -q "SIGHUP: reloading" "$TMP/vigil.err" || errs+="SIGHUP did not reload; "
	jq -e 'select(.kind == "stats") | .stats.lost.total == 0' "$out" >/dev/null ||
		errs+="events were lost; "
	[[ -z $errs ]] && ok $name || fail $name "$errs"
}

# ---- bad input: run refuses an enforce policy it cannot carry out ----
test_refuse_impossible() {
	local name=refuse_impossible
	policy "$TMP/p7.yaml" impossible enforce "    - name: deny-syscall
      kinds: [syscall]
      selectors:
        - syscall: [setsockopt]
      action: deny"
	if "$VIGIL" run --policy "$TMP/p7.yaml" --output /dev/null 2>"$TMP/p7.err"; then
		fail $name "vigil run accepted a syscall deny"
	elif ! grep -q "p7.yaml:[0-9]*: spec.rules\[0\]: .*not on syscalls on this kernel" "$TMP/p7.err"; then
		fail $name "unclear error: $(cat "$TMP/p7.err")"
	else
		ok $name
	fi
}

# ---- a CVE-style guard: kill at syscall entry when an argument is too large ----
test_syscall_guard() {
	local name=syscall_guard out=$TMP/9.jsonl small big r errs=""
	policy "$TMP/p9.yaml" cve-guard enforce "    - name: setsockopt-optlen
      kinds: [syscall]
      selectors:
        - syscall: [setsockopt]
          syscallArgs:
            - {index: 4, op: gt, value: 4096}
      action: kill
    - name: vhangup
      kinds: [syscall]
      selectors:
        - syscall: [vhangup]
      action: alert"
	start_vigil "$out" --policy "$TMP/p9.yaml" || { fail $name "vigil did not start"; return; }
	perl -e 'use Socket; socket(S, PF_INET, SOCK_STREAM, 0) or die;
		setsockopt(S, SOL_SOCKET, SO_SNDBUF, pack("i", 65536) . ("\0" x 60)) or die "$!"'
	small=$?
	perl -e 'use Socket; socket(S, PF_INET, SOCK_STREAM, 0) or die;
		setsockopt(S, SOL_SOCKET, SO_SNDBUF, pack("i", 65536) . ("\0" x 8188)); exit 3'
	big=$?
	setsid perl -e 'syscall(153)'	# vhangup: no arguments; no controlling tty here
	sleep 0.5
	stop_vigil
	(( small == 0 )) || errs+="a 64-byte optlen was stopped (exit $small); "
	(( big == 137 )) || errs+="an 8192-byte optlen was not killed (exit $big); "
	r=$(reports "$out" '.rule == "setsockopt-optlen"' | head -1)
	jq -e '.action == "kill" and .by == "kernel" and .event.syscall.name == "setsockopt" and
		.event.syscall.args[4] == 8192 and .event.syscall.killed' <<<"$r" >/dev/null ||
		errs+="report: $r; "
	(( $(reports "$out" '.rule == "setsockopt-optlen"' | wc -l) == 1 )) ||
		errs+="the small setsockopt was reported; "
	reports "$out" '.rule == "vhangup" and .event.syscall.name == "vhangup"' | grep -q . ||
		errs+="no report for a syscall without arguments; "
	[[ -z $errs ]] && ok $name || fail $name "$errs"
}

# ---- the default bpf-load policy: a program load (bpf sensor) by a non-loader ----
test_bpf_load_alert() {
	local name=bpf_load_alert out=$TMP/8.jsonl r
	start_vigil "$out" || { fail $name "vigil did not start"; return; }
	"$VIGIL" probe -o json >/dev/null 2>&1	# loads programs; not in the loader list at this path
	sleep 0.5
	stop_vigil
	# probe names its programs "vigil_probe" (libbpf's own feature probes load others)
	r=$(reports "$out" '.policy == "bpf-load" and .event.bpf.name == "vigil_probe"' | head -1)
	if ! jq -e --arg v "$VIGIL" '.event.bpf.prog_type as $t | .event.kind == "bpf" and
		.event.bpf.cmd == "prog_load" and ($t | type == "string") and
		.event.bpf.insn_cnt > 0 and .event.process.exe == $v and
		(.message | test("loaded eBPF program .vigil_probe. \\(" + $t + ", "))' \
		<<<"$r" >/dev/null; then
		fail $name "report: ${r:-none}"
	elif reports "$out" '.policy == "bpf-load" and .event.bpf.cmd != "prog_load"' | grep -q .; then
		fail $name "a command other than prog_load was reported"
	else
		ok $name
	fi
}

# ---- a CVE guard as a policy: kill a caller of a library function before
# the function runs, when its length argument exceeds the buffer ----
test_uprobe_guard() {
	local name=uprobe_guard out=$TMP/10.jsonl progs r rc30 rc40 rca errs="" canary
	progs=$(dirname "$VIGIL")/tests/bpf/progs
	cp "$progs/guard_caller" "$progs/libvgguard.so" "$TMP/bin/" ||
		{ fail $name "test programs not built"; return; }
	policy "$TMP/p10.yaml" cve-2099-0001 enforce "    - name: copy-overflow
      kinds: [uprobe]
      uprobe:
        path: $TMP/bin/libvgguard.so
        symbol: vg_guard_copy
        args: [{index: 2, type: int}, {index: 1, type: buf, length: 2, max: 16}]
      selectors:
        - uprobeArgs: [{index: 2, op: gt, value: 30}]
      action: kill
      message: \"{process.comm} called {uprobe.symbol} with n={uprobe.arg2}\"
    - name: long-greeting
      kinds: [uprobe]
      uprobe:
        path: $TMP/bin/libvgguard.so
        symbol: vg_guard_greet
        args: [{index: 1, type: str, max: 32}]
      selectors:
        - uprobeArgs: [{index: 1, op: strlenGt, value: 8}]
      message: \"greeting {uprobe.arg1}\""
	start_vigil "$out" --policy "$TMP/p10.yaml" || { fail $name "vigil did not start"; return; }
	"$TMP/bin/guard_caller" "$TMP/bin/libvgguard.so" copy 30 "$TMP/m30" >/dev/null
	rc30=$?
	rc40=$( { "$TMP/bin/guard_caller" "$TMP/bin/libvgguard.so" copy 40 "$TMP/m40"; } \
		>/dev/null 2>&1; echo $?) 2>/dev/null
	"$TMP/bin/guard_caller" "$TMP/bin/libvgguard.so" greet 2 short >/dev/null
	"$TMP/bin/guard_caller" "$TMP/bin/libvgguard.so" greet 2 a-much-longer-name >/dev/null
	sleep 0.5
	stop_vigil
	(( rc30 == 0 )) && grep -q 'returned=30 canary=intact' "$TMP/m30" ||
		errs+="the 30-byte copy did not run normally (exit $rc30); "
	(( rc40 == 137 )) || errs+="the 40-byte caller was not killed (exit $rc40); "
	[[ -e $TMP/m40 ]] && errs+="the 40-byte caller returned from the call; "
	canary=$(dd if="$TMP/m40.victim" bs=1 skip=30 count=15 2>/dev/null)
	[[ $canary == vigil-canary-ok ]] || errs+="the canary was overwritten ('$canary'); "
	r=$(reports "$out" '.rule == "copy-overflow"')
	(( $(grep -c . <<<"$r") == 1 )) || errs+="copy-overflow reports: $(grep -c . <<<"$r"); "
	jq -e '.policy == "cve-2099-0001" and .action == "kill" and .by == "kernel" and
		.event.uprobe.killed and .event.uprobe.rule == "cve-2099-0001" and
		.event.uprobe.args[0].value == 40 and
		.event.uprobe.args[1].hex == "41414141414141414141414141414141" and
		(.message | endswith("called vg_guard_copy with n=40"))' <<<"$r" >/dev/null ||
		errs+="kill report: $r; "
	r=$(reports "$out" '.rule == "long-greeting"')
	(( $(grep -c . <<<"$r") == 1 )) && jq -e '.action == "alert" and
		.message == "greeting a-much-longer-name"' <<<"$r" >/dev/null ||
		errs+="strlenGt reports: $r; "
	# the same policy in audit mode: reported, not killed
	rm -f "$TMP/m40"
	start_vigil "$out.audit" --policy "$TMP/p10.yaml" --mode audit ||
		{ fail $name "vigil did not start (audit)"; return; }
	"$TMP/bin/guard_caller" "$TMP/bin/libvgguard.so" copy 40 "$TMP/m40" >/dev/null 2>&1
	rca=$?
	sleep 0.5
	stop_vigil
	(( rca == 3 )) || errs+="audit mode: the caller exit $rca, want 3 (ran, smashed); "
	reports "$out.audit" '.rule == "copy-overflow" and .mode == "audit" and
		.intended == "kill" and .action != "kill" and (.event.uprobe.killed | not)' |
		grep -q . || errs+="audit mode: no report; "
	[[ -z $errs ]] && ok $name || fail $name "$errs"
}

# ---- typed shell commands: a policy on what someone types into bash ----
test_shell_alert() {
	local name=shell_alert out=$TMP/11.jsonl r errs=""
	policy "$TMP/p11.yaml" typed-commands audit "    - name: download-and-run
      kinds: [shell]
      selectors:
        - line: {contains: ['| sh', '|sh']}
        - line: {prefix: ['echo vigil-typed']}
          notLine: {contains: [harmless]}
      message: \"{process.comm} on {shell.tty} (loginuid {process.loginuid}): {shell.line}\""
	start_vigil "$out" --policy "$TMP/p11.yaml" || { fail $name "vigil did not start"; return; }
	(sleep 0.5; echo 'echo vigil-typed-42'; sleep 0.3; echo 'echo vigil-typed harmless'
	 sleep 0.3; echo 'true | sh'; sleep 0.3; echo exit) |
		TERM=dumb script -qc 'bash --norc --noprofile -i' /dev/null >/dev/null 2>&1
	sleep 0.5
	stop_vigil
	r=$(reports "$out" '.policy == "typed-commands"')
	[[ $(jq -r '.event.shell.line' <<<"$r" | tr '\n' ';') == "echo vigil-typed-42;true | sh;" ]] ||
		errs+="reported lines: $(jq -c '.event.shell.line' <<<"$r" | tr '\n' ' '); "
	jq -e -s 'all(.event.kind == "shell" and .event.process.comm == "bash" and
		(.message | test("^bash on pts/[0-9]+ \\(loginuid ([0-9]+|[?])\\): ")))' <<<"$r" >/dev/null ||
		errs+="reports: $r; "
	[[ -z $errs ]] && ok $name || fail $name "$errs"
}

# ---- TLS plaintext: a secret written to a peer, seen before encryption ----
test_tls_leak() {
	local name=tls_leak out=$TMP/12.jsonl progs r peer port errs=""
	progs=$(dirname "$VIGIL")/tests/bpf/progs
	[[ -x $progs/tls_peer ]] || { fail $name "tls_peer not built"; return; }
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=test -days 1 \
		-keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1 ||
		{ fail $name "openssl req failed"; return; }
	policy "$TMP/p12.yaml" tls-leak audit "    - name: plain-write-to-loopback
      kinds: [tls]
      selectors:
        - data: {contains: [plain-write]}
          direction: [write]
          address: ['::1']
      message: \"{process.comm} sent '{tls.data}' ({tls.len} bytes, {tls.function}) to [{tls.daddr}]:{tls.dport}\"
    - name: never
      kinds: [tls]
      selectors:
        - direction: [read]
          port: [1]"
	start_vigil "$out" --policy "$TMP/p12.yaml" || { fail $name "vigil did not start"; return; }
	peer=$("$progs/tls_peer" "$TMP/cert.pem" "$TMP/key.pem")
	sleep 0.5
	stop_vigil
	port=${peer##*port=}
	r=$(reports "$out" '.policy == "tls-leak"')
	(( $(grep -c . <<<"$r") == 1 )) || errs+="$(grep -c . <<<"$r") reports; "
	jq -e --arg m "tls_peer sent 'vigil-plain-write-pong' (22 bytes, SSL_write) to [::1]:$port" '
		.rule == "plain-write-to-loopback" and .message == $m and .event.kind == "tls" and
		.event.tls.op == "write"' <<<"$r" >/dev/null || errs+="report: $r; "
	grep -q 'the output holds' "$TMP/vigil.err" || errs+="no warning about plaintext; "
	[[ -z $errs ]] && ok $name || fail $name "$errs ($peer)"
}

ALL="protected_write netcat_default_alert netcat_kill mysqld_only delete_kill connect_deny
     icmp_drop throttle sched_throttle audit_mode hot_reload refuse_impossible syscall_guard bpf_load_alert
     uprobe_guard shell_alert tls_leak"
for t in ${*:-$ALL}; do
	"test_$t"
done

echo "$passed passed, $failed failed, $skipped skipped"
(( failed == 0 ))
