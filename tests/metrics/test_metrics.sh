#!/usr/bin/env bash
# test_metrics.sh - `vigil run --metrics`: scrape /metrics while real
# workloads run and check each series against what happened (events by
# kind, losses, policy decisions, BPF program run counts, vigil's own CPU and
# memory, XDP and connection-control rule counters), `promtool check
# metrics` on the scraped text, status codes, a port in use; then a real
# Prometheus server scrapes vigil and its query API must return the series.
# Needs root, curl, jq, iproute2; prometheus and promtool (Debian package
# `prometheus`) or those parts are skipped.  Ends with "N passed, N failed,
# N skipped".
#
# Only what this test creates is touched: its processes (by pid), a temp
# dir, a cgroup under $CG2/vigil-mtest-*, two network namespaces and the
# veth pair between them.
set -u
VIGIL=$(realpath "${VIGIL:-build/vigil}")
TMP=$(mktemp -d /tmp/vigil-metrics-XXXXXX)
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
TAG=vigil-mtest-$$
passed=0 failed=0 skipped=0
vigil_pid= prom_pid=
scrape_ns=	# network namespace to scrape in (phase 2); empty: this one

cleanup() {
	[[ -n $prom_pid ]] && kill -TERM "$prom_pid" 2>/dev/null && wait "$prom_pid" 2>/dev/null
	[[ -n $vigil_pid ]] && kill -TERM "$vigil_pid" 2>/dev/null && wait "$vigil_pid" 2>/dev/null
	ip netns del "$TAG-a" 2>/dev/null
	ip netns del "$TAG-b" 2>/dev/null
	if [[ -d $CG2/$TAG ]]; then
		for p in $(cat "$CG2/$TAG"/*/cgroup.procs 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		sleep 0.2
		find "$CG2/$TAG" -depth -type d -exec rmdir {} + 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

ok()   { passed=$((passed + 1)); echo "#$1:OK"; }
fail() { failed=$((failed + 1)); echo "  FAIL $1: $2"; echo "#$1:FAIL"; }
skip() { skipped=$((skipped + 1)); echo "  SKIP $1: $2"; }

have_prometheus=1
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
	have_prometheus=0
	echo "prometheus/promtool not installed (Debian package 'prometheus'): their tests are skipped"
fi

# free_port: a TCP port nothing listens on
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		if ! ss -Htln "sport = :$p" | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# in_ns CMD...: run CMD in the namespace being scraped
in_ns() {
	if [[ -n $scrape_ns ]]; then
		nsenter --net="/run/netns/$scrape_ns" "$@"
	else
		"$@"
	fi
}

# scrape PORT OUT: GET /metrics into OUT (headers into OUT.h)
scrape() {
	in_ns curl -s --max-time 5 -D "$2.h" -o "$2" "http://127.0.0.1:$1/metrics"
}

# value FILE SERIES-REGEX: the value of the first series matching
# ^SERIES-REGEX<space> (extended regex, braces escaped by the caller)
value() {
	grep -E "^$2 " "$1" | head -1 | awk '{ print $NF }'
}

# ge A B: A is a number >= B
ge() {
	[[ -n $1 ]] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'
}

# wait_value PORT OUT SERIES-REGEX MIN: scrape until the series reaches MIN (10 s)
wait_value() {
	for _ in $(seq 50); do
		scrape "$1" "$2" && ge "$(value "$2" "$3")" "$4" && return 0
		sleep 0.2
	done
	return 1
}

# start_vigil PORT OUT ARGS...: `vigil run --metrics` (in $scrape_ns if set), wait until ready
start_vigil() {
	local port=$1 out=$2 ns=()
	shift 2
	rm -f "$TMP/ready"
	# nsenter execs vigil: $! is vigil's pid
	[[ -n $scrape_ns ]] && ns=(nsenter --net="/run/netns/$scrape_ns")
	"${ns[@]}" "$VIGIL" run --alerts-only --output "$out" --ready-file "$TMP/ready" \
		--stats-interval 0 --metrics "127.0.0.1:$port" "$@" 2>"$TMP/vigil.err" &
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

mkdir -p "$TMP/bin"
cp /bin/true "$TMP/bin/nc"	# the default set's netcat-exec rule reports it

# ==== phase 1: the embedded default policies, this network namespace ====
P1=$(free_port) || { echo "no free port"; exit 1; }
M1=$TMP/m1.txt
if ! start_vigil "$P1" "$TMP/p1.jsonl"; then
	fail vigil_starts_with_metrics "vigil run --metrics did not start"
	echo "$passed passed, $failed failed, $skipped skipped"
	exit 1
fi
for _ in 1 2 3 4 5; do /bin/true; done
for _ in 1 2 3; do "$TMP/bin/nc"; done
cat /etc/shadow >/dev/null	# a watched file: a file event
NC_SERIES='vigil_policy_matches_total\{policy="netcat-exec",rule="exec",action="none",mode="audit"\}'
wait_value "$P1" "$M1" "$NC_SERIES" 3
wait_value "$P1" "$M1" 'vigil_events_total\{kind="exec"\}' 8

name=serving_logged
if grep -q "info: metrics: serving http://127.0.0.1:$P1/metrics" "$TMP/vigil.err"; then
	ok $name
else
	fail $name "no 'serving' line: $(grep metrics "$TMP/vigil.err")"
fi

name=content_type
if grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8' "$M1.h" &&
	head -1 "$M1.h" | grep -q ' 200'; then
	ok $name
else
	fail $name "headers: $(cat "$M1.h")"
fi

name=events_by_kind
exec_n=$(value "$M1" 'vigil_events_total\{kind="exec"\}')
kinds=$(grep -Ec '^vigil_events_total\{kind="(exec|fork|exit|file|priv|net|flow|syscall|anomaly)"\} [0-9]+$' "$M1")
if ! ge "$exec_n" 8; then
	fail $name "exec events $exec_n, expected >= 8 (5 true + 3 nc)"
elif ! ge "$(value "$M1" 'vigil_events_total\{kind="fork"\}')" 8 ||
	! ge "$(value "$M1" 'vigil_events_total\{kind="exit"\}')" 8 ||
	! ge "$(value "$M1" 'vigil_events_total\{kind="file"\}')" 1; then
	fail $name "fork/exit/file: $(grep '^vigil_events_total' "$M1" | tr '\n' ' ')"
elif [[ $kinds != 9 ]]; then
	fail $name "expected one series per kind (9), got $kinds"
else
	ok $name
fi

name=events_lost_by_reason
reasons=$(grep -Ec '^vigil_events_lost_total\{reason="(ringbuf_full|scratch|args_read|exe_read|cgroup_read|pending_full|path_read|flow_track|profile_full|decode)"\} [0-9]+$' "$M1")
if [[ $reasons != 10 ]]; then
	fail $name "expected 10 reasons, got $reasons: $(grep '^vigil_events_lost' "$M1" | tr '\n' ' ')"
elif [[ $(value "$M1" 'vigil_events_lost_total\{reason="ringbuf_full"\}') != 0 ||
	$(value "$M1" 'vigil_events_lost_total\{reason="decode"\}') != 0 ]]; then
	fail $name "losses in a quiet run: $(grep '^vigil_events_lost' "$M1" | tr '\n' ' ')"
else
	ok $name
fi

name=policy_matches
matches=$(value "$M1" "$NC_SERIES")
reports=$(jq -c 'select(.kind == "policy" and .policy == "netcat-exec")' "$TMP/p1.jsonl" | wc -l)
if [[ $matches != 3 || $reports != 3 ]]; then
	fail $name "netcat-exec: metric '$matches', JSON reports $reports, expected 3 each"
else
	ok $name
fi

name=bpf_program_stats
exec_runs=$(grep -E '^vigil_bpf_program_runs_total\{program="vg_exec_[a-z]+"\} ' "$M1" | awk '{ print $NF }' | sort -n | tail -1)
exec_secs=$(grep -E '^vigil_bpf_program_run_seconds_total\{program="vg_exec_[a-z]+"\} ' "$M1" | awk '{ print $NF }' | sort -g | tail -1)
n_runs=$(grep -c '^vigil_bpf_program_runs_total{' "$M1")
n_secs=$(grep -c '^vigil_bpf_program_run_seconds_total{' "$M1")
if [[ $(value "$M1" vigil_bpf_stats_enabled) != 1 ]]; then
	fail $name "vigil_bpf_stats_enabled is not 1"
elif ! ge "$exec_runs" 8 || ! awk -v s="$exec_secs" 'BEGIN { exit !(s > 0 && s < 1) }'; then
	fail $name "exec program: $exec_runs runs, $exec_secs s"
elif (( n_runs < 10 || n_runs != n_secs )); then
	fail $name "$n_runs run counts, $n_secs run times"
else
	ok $name
fi

name=process_cpu_memory
rss=$(value "$M1" vigil_process_resident_memory_bytes)
kernel_rss=$(awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$vigil_pid/status")
start=$(value "$M1" vigil_process_start_time_seconds)
if ! awk -v c="$(value "$M1" vigil_process_cpu_seconds_total)" 'BEGIN { exit !(c > 0 && c < 60) }'; then
	fail $name "cpu seconds: $(value "$M1" vigil_process_cpu_seconds_total)"
elif ! awk -v r="$rss" -v k="$kernel_rss" 'BEGIN { exit !(r > 1e6 && r < 2 * k && k < 2 * r) }'; then
	fail $name "rss $rss, the kernel says $kernel_rss"
elif ! awk -v s="$start" -v now="$(date +%s)" 'BEGIN { exit !(s <= now + 1 && s > now - 120) }'; then
	fail $name "start time $start, now $(date +%s)"
elif ! ge "$(value "$M1" vigil_process_open_fds)" 10; then
	fail $name "open fds: $(value "$M1" vigil_process_open_fds)"
else
	ok $name
fi

name=promtool_check_metrics
if (( ! have_prometheus )); then
	skip $name "promtool not installed"
elif promtool check metrics <"$M1" >"$TMP/promtool.out" 2>&1 && [[ ! -s $TMP/promtool.out ]]; then
	ok $name
else
	fail $name "$(head -c 600 "$TMP/promtool.out")"
fi

name=http_status_codes
c404=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P1/")
c405=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "http://127.0.0.1:$P1/metrics")
chead=$(curl -s -o /dev/null -w '%{http_code}' -I "http://127.0.0.1:$P1/metrics")
if [[ $c404 != 404 || $c405 != 405 || $chead != 200 ]]; then
	fail $name "GET / $c404 (404), POST /metrics $c405 (405), HEAD /metrics $chead (200)"
else
	ok $name
fi

name=port_in_use
t0=$(date +%s)
timeout 20 "$VIGIL" run --metrics "127.0.0.1:$P1" --output /dev/null 2>"$TMP/busy.err"
rc=$?
if [[ $rc != 1 ]]; then
	fail $name "exit $rc, expected 1: $(tail -3 "$TMP/busy.err")"
elif [[ $(grep -c 'error:' "$TMP/busy.err") != 1 ]] ||
	! grep -q "^vigil: error: cannot listen on '127.0.0.1:$P1' for --metrics: Address already in use$" "$TMP/busy.err"; then
	fail $name "expected one clear error line: $(grep -v info: "$TMP/busy.err")"
elif (( $(date +%s) - t0 > 10 )); then
	fail $name "took $(( $(date +%s) - t0 )) s: the port should be checked before loading"
else
	ok $name
fi

# ---- a real Prometheus server scrapes vigil ----
name=prometheus_scrapes_vigil
if (( ! have_prometheus )); then
	skip $name "prometheus not installed"
else
	P3=$(free_port)
	cat >"$TMP/prometheus.yml" <<PROM
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: vigil
    static_configs:
      - targets: ['127.0.0.1:$P1']
PROM
	prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/prom-data" \
		--web.listen-address="127.0.0.1:$P3" >"$TMP/prometheus.log" 2>&1 &
	prom_pid=$!
	# query Q: the API's answer
	query() {
		curl -s --max-time 2 --get --data-urlencode "query=$1" \
			"http://127.0.0.1:$P3/api/v1/query"
	}
	# prom_ok: every expected answer at once (a scrape's own samples and
	# its `up` are committed separately: poll until both are there)
	prom_ok() {
		query 'vigil_events_total{kind="exec"}' | jq -e '.status == "success" and
			(.data.result | length) == 1 and .data.result[0].metric.job == "vigil" and
			(.data.result[0].value[1] | tonumber) >= 8' >/dev/null 2>&1 &&
		query 'up{job="vigil"}' | jq -e '.data.result[0].value[1] == "1"' >/dev/null 2>&1 &&
		query 'vigil_policy_matches_total{policy="netcat-exec"}' |
			jq -e '.data.result[0].value[1] == "3" and .data.result[0].metric.mode == "audit"
				and .data.result[0].metric.action == "none"' >/dev/null 2>&1 &&
		query 'sum(vigil_bpf_program_runs_total)' |
			jq -e '(.data.result[0].value[1] | tonumber) > 0' >/dev/null 2>&1
	}
	got=
	# Prometheus applies a new target list 5 s after start: up to ~7 s
	for _ in $(seq 100); do
		kill -0 "$prom_pid" 2>/dev/null || break
		if prom_ok; then
			got=1
			break
		fi
		sleep 0.2
	done
	if [[ -n $got ]]; then
		ok $name
	else
		fail $name "expected answers missing: exec $(query 'vigil_events_total{kind="exec"}' | head -c 300); up $(query 'up' | head -c 200); policy $(query 'vigil_policy_matches_total' | head -c 300); $(tail -2 "$TMP/prometheus.log")"
	fi
	kill -TERM "$prom_pid"
	wait "$prom_pid" 2>/dev/null
	prom_pid=
fi

name=vigil_stops_cleanly
if stop_vigil; then
	ok $name
else
	fail $name "vigil run did not exit 0: $(tail -3 "$TMP/vigil.err")"
fi

# ==== phase 2: XDP and connection control, vigil in a test netns ====
# vigil runs in netns A with an XDP drop rule on its veth end (the engine
# holds the filter open, and its lock, the whole time) and a connect deny
# rule for a test cgroup; B pings A, a process in the cgroup connects.
a=$TAG-a b=$TAG-b cg=$CG2/$TAG/net
M2=$TMP/m2.txt
phase2() {
	ip netns add "$a" && ip netns add "$b" || return 1
	ip link add "vm$$a" type veth peer name "vm$$b" || return 1
	ip link set "vm$$a" netns "$a" && ip link set "vm$$b" netns "$b" || return 1
	ip -n "$a" link set lo up
	ip -n "$a" addr add 10.254.7.1/24 dev "vm$$a" && ip -n "$a" link set "vm$$a" up || return 1
	ip -n "$b" addr add 10.254.7.2/24 dev "vm$$b" && ip -n "$b" link set "vm$$b" up || return 1
	ip netns exec "$b" ping -c 1 -W 2 10.254.7.1 >/dev/null || return 1
	mkdir -p "$cg" || return 1
	cat >"$TMP/no-ping.yaml" <<POL
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
POL
	cat >"$TMP/egress.yaml" <<POL
apiVersion: vigil.dev/v1alpha1
kind: Policy
metadata: {name: egress}
spec:
  mode: enforce
  rules:
    - name: test-net
      kinds: [connect]
      selectors:
        - address: [192.0.2.0/24]
          protocol: [tcp]
      action: deny
POL
}
P2=$(free_port)
if ! phase2; then
	fail xdp_rule_counters "cannot set up the test namespaces, veth or cgroup"
else
	scrape_ns=$a
	if ! start_vigil "$P2" "$TMP/p2.jsonl" --policy "$TMP/no-ping.yaml" \
		--policy "$TMP/egress.yaml" --xdp-iface "vm$$a" --net-cgroup "$cg"; then
		fail xdp_rule_counters "vigil did not start in the test netns"
	else
		ip netns exec "$b" ping -c 4 -i 0.2 -W 1 10.254.7.1 >/dev/null 2>&1
		err=$(sh -c "echo \$\$ > $cg/cgroup.procs; exec timeout 5 bash -c 'exec 3<>/dev/tcp/192.0.2.7/80'" 2>&1)
		PING_SERIES='vigil_policy_matches_total\{policy="no-ping",rule="icmp",action="drop",mode="enforce"\}'
		wait_value "$P2" "$M2" "$PING_SERIES" 4
		iface=vm$$a

		name=xdp_rule_counters
		pk=$(value "$M2" "vigil_xdp_rule_packets_total\\{interface=\"$iface\",rule=\"[0-9]+\"\\}")
		dr=$(value "$M2" "vigil_xdp_rule_dropped_packets_total\\{interface=\"$iface\",rule=\"[0-9]+\"\\}")
		by=$(value "$M2" "vigil_xdp_rule_bytes_total\\{interface=\"$iface\",rule=\"[0-9]+\"\\}")
		seen=$(value "$M2" "vigil_xdp_frames_total\\{interface=\"$iface\",reason=\"seen\"\\}")
		if ! ge "$pk" 4 || [[ $dr != "$pk" ]] || ! ge "$by" $((pk * 60)); then
			fail $name "rule packets '$pk' dropped '$dr' bytes '$by' (4 pings dropped)"
		elif ! grep -Eq "^vigil_xdp_rule_info\\{interface=\"$iface\",rule=\"[0-9]+\",action=\"drop\",match=\"drop icmp[^\"]*\"\\} 1$" "$M2"; then
			fail $name "no rule info: $(grep xdp_rule_info "$M2")"
		elif ! ge "$seen" "$pk"; then
			fail $name "frames seen '$seen' < rule packets '$pk'"
		elif ! ge "$(value "$M2" "vigil_bpf_program_runs_total\\{program=\"xdp:$iface\"\\}")" "$pk"; then
			fail $name "xdp program runs: $(grep "xdp:" "$M2")"
		else
			ok $name
		fi

		name=policy_packet_matches
		if [[ $(value "$M2" "$PING_SERIES") != "$pk" ]]; then
			fail $name "no-ping matches '$(value "$M2" "$PING_SERIES")', expected the $pk dropped packets"
		else
			ok $name
		fi

		name=netctl_rule_denials
		den=$(value "$M2" 'vigil_netctl_rule_denials_total\{set="policy",rule="[0-9]+"\}')
		if ! grep -q "Operation not permitted" <<<"$err"; then
			fail $name "connect was not refused: $err"
		elif [[ $den != 1 ]]; then
			fail $name "denials '$den', expected 1: $(grep netctl "$M2")"
		elif ! grep -Eq '^vigil_netctl_rule_info\{set="policy",rule="[0-9]+",match="192\.0\.2\.0/24 port any proto tcp hooks [a-z,]*connect[^"]*"\} 1$' "$M2"; then
			fail $name "no rule info: $(grep netctl_rule_info "$M2")"
		elif [[ $(value "$M2" 'vigil_policy_matches_total\{policy="egress",rule="test-net",action="deny",mode="enforce"\}') != 1 ]]; then
			fail $name "egress matches: $(grep 'policy="egress"' "$M2")"
		else
			ok $name
		fi

		name=promtool_check_metrics_xdp
		if (( ! have_prometheus )); then
			skip $name "promtool not installed"
		elif promtool check metrics <"$M2" >"$TMP/promtool.out" 2>&1 && [[ ! -s $TMP/promtool.out ]]; then
			ok $name
		else
			fail $name "$(head -c 600 "$TMP/promtool.out")"
		fi
		if stop_vigil; then
			ok vigil_stops_cleanly_netns
		else
			fail vigil_stops_cleanly_netns "vigil run did not exit 0: $(tail -3 "$TMP/vigil.err")"
		fi
	fi
	scrape_ns=
fi

# ==== the scheduler's and block I/O's histograms (vigil run --sched --block-io) ====
sched_block_metrics() {
	local name=sched_block_metrics port out=$TMP/m3.txt loopf=$TMP/loop.img dev="" errs="" n
	port=$(free_port) || { fail $name "no free port"; return; }
	truncate -s 8M "$loopf"
	dev=$(losetup -f --show "$loopf" 2>/dev/null) || { skip $name "no loop device"; return; }
	if ! start_vigil "$port" "$TMP/p3.jsonl" --no-policy --sched --block-io; then
		fail $name "vigil did not start"
		losetup -d "$dev"
		return
	fi
	dd if="$dev" of=/dev/null bs=4096 count=100 iflag=direct status=none
	timeout 1.5 sh -c 'while :; do :; done'
	sleep 1.2	# a sampler interval: the cgroup sums
	scrape "$port" "$out"
	stop_vigil
	losetup -d "$dev"
	n=$(value "$out" 'vigil_runqueue_latency_seconds_count')
	ge "$n" 1 || errs+="run-queue histogram count '$n'; "
	grep -q '^vigil_runqueue_latency_seconds_bucket{le="+Inf"}' "$out" || errs+="no +Inf bucket; "
	grep -Eq '^vigil_cgroup_cpu_seconds_total\{cgroup_id="[0-9]+"\} ' "$out" ||
		errs+="no per-cgroup CPU series; "
	n=$(value "$out" "vigil_block_io_requests_total\\{disk=\"${dev#/dev/}\",direction=\"read\"\\}")
	ge "$n" 100 || errs+="${dev#/dev/} reads '$n' (want >= 100); "
	n=$(value "$out" "vigil_block_io_latency_seconds_count\\{disk=\"${dev#/dev/}\"\\}")
	ge "$n" 100 || errs+="${dev#/dev/} latency count '$n'; "
	if (( have_prometheus )) && ! promtool check metrics <"$out" >"$TMP/pc3.out" 2>&1; then
		errs+="promtool: $(head -c 400 "$TMP/pc3.out"); "
	fi
	[[ -z $errs ]] && ok $name || fail $name "$errs"
}
sched_block_metrics

# ==== the Grafana dashboard: valid JSON, every query parses, every metric is vigil's ====
name=grafana_dashboard
DASH=$(dirname "$0")/../../deploy/grafana/vigil-dashboard.json
if ! jq -e '.schemaVersion >= 36 and (.templating.list | map(.type) | index("datasource"))' \
	"$DASH" >/dev/null 2>&1; then
	fail $name "not valid JSON with a datasource variable: $DASH"
elif (( ! have_prometheus )); then
	skip $name "promtool not installed (queries not checked)"
else
	# each query, Grafana's variables replaced, as a recording rule (JSON is YAML)
	jq '{groups: [{name: "dashboard", rules: [.panels[] | select(.targets) | .targets[].expr |
		gsub("\\$__rate_interval"; "1m") | gsub("\\$__range"; "1h") | gsub("\\$instance"; ".*")] |
		to_entries | map({record: "q\(.key)", expr: .value})}]}' "$DASH" >"$TMP/dashboard-rules.yml"
	missing=
	for m in $(jq -r '.panels[] | select(.targets) | .targets[].expr' "$DASH" |
		grep -Eo 'vigil_[a-z0-9_]+' | sed -E 's/_bucket$//' | sort -u); do
		grep -rqF "\"$m\"" "$(dirname "$0")/../../src" || missing+=" $m"
	done
	if ! promtool check rules "$TMP/dashboard-rules.yml" >"$TMP/rules.out" 2>&1; then
		fail $name "a query does not parse: $(head -c 600 "$TMP/rules.out")"
	elif [[ -n $missing ]]; then
		fail $name "metrics in the dashboard that vigil does not register (src/):$missing"
	else
		ok $name
	fi
fi

echo "$passed passed, $failed failed, $skipped skipped"
(( failed == 0 ))
