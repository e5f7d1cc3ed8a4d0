#!/usr/bin/env bash
# net.sh - net-sensor benchmark: loopback TCP throughput and connection rate
# with no monitor, with `vigil trace exec` (process sensor only: no socket
# programs, no flow tracking) and with `vigil trace net` (socket events and
# flow tracking: one connect/accept record per connection, one flow record per
# end at close).  Run as root.  See bench/README.md, "Network sensor".
#
# usage: bench/net.sh [-o RESDIR]
#   -o RESDIR   raw results (default bench/results/YYYYmmdd-HHMMSS-net)
# environment (defaults in brackets):
#   ROUNDS [5]          interleaved rounds; each runs every mode once, in an
#                       order rotated every round
#   BYTES [1073741824]  stream: one connection sending this many bytes
#   CONNS [20000]       conn: sequential connections, each: connect, send one
#                       byte, the server reads it and closes, the client
#                       waits for that EOF and closes (closed loop)
#   VIGIL_BIN [build/vigil]
#
# The workloads run in a network namespace of their own (unshare -n, lo up):
# only 127.0.0.1 of that namespace is used; the host's interfaces are never
# touched.  vigil runs in the host namespace (tracepoints see every
# namespace).  A run's ratio = its time / the no-monitor time of the same
# round; the tables show the median over the rounds.
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)

RES=''
while getopts "o:h" o; do
	case $o in
	o) RES=$OPTARG ;;
	*) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
	esac
done
: "${ROUNDS:=5}" "${BYTES:=1073741824}" "${CONNS:=20000}"
VIGIL=${VIGIL_BIN:-$ROOT/build/vigil}
NL=$ROOT/build/bench/netload

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $(id -u) == 0 ]] || die "must run as root"
[[ -x $VIGIL ]] || die "$VIGIL not found (run make)"
RES=${RES:-$BENCH/results/$(date +%Y%m%d-%H%M%S)-net}
mkdir -p "$RES/raw" "$ROOT/build/bench"; RES=$(cd "$RES" && pwd)

# ---- the workload: a loopback client and server in one binary ---------------
if [[ ! -x $NL || $0 -nt $NL ]]; then
	cat >"$ROOT/build/bench/netload.c" <<'C'
// netload stream BYTES | conn N: prints "seconds" on stdout
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char buf[256 * 1024];

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)a, sizeof(*a)) || listen(fd, 512) ||
	    getsockname(fd, (struct sockaddr *)a, &len)) {
		perror("listen");
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	long long n = argc > 2 ? atoll(argv[2]) : 0;
	int lfd, st;
	double t0;
	pid_t srv;

	if (argc != 3 || n <= 0)
		return fprintf(stderr, "usage: netload stream BYTES | conn N\n"), 2;
	lfd = listener(&a);
	srv = fork();
	if (srv == 0) {
		long long want = strcmp(argv[1], "conn") ? 1 : n, got = 0;

		for (long long i = 0; i < want; i++) {
			int fd = accept(lfd, NULL, NULL);
			ssize_t r;

			if (fd < 0)
				_exit(1);
			/* conn: one byte, then close (the client waits for it) */
			while ((r = read(fd, buf, sizeof(buf))) > 0) {
				got += r;
				if (want > 1)
					break;
			}
			close(fd);
		}
		_exit(strcmp(argv[1], "conn") && got != n ? 3 : 0);
	}
	close(lfd);
	t0 = now();
	if (!strcmp(argv[1], "stream")) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		long long left = n;

		if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
			return perror("connect"), 1;
		while (left > 0) {
			ssize_t w = write(fd, buf, left < (long long)sizeof(buf) ? (size_t)left : sizeof(buf));

			if (w <= 0)
				return perror("write"), 1;
			left -= w;
		}
		close(fd);
	} else {
		for (long long i = 0; i < n; i++) {
			int fd = socket(AF_INET, SOCK_STREAM, 0);

			if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
				return perror("connect"), 1;
			if (write(fd, "x", 1) != 1)
				return perror("write"), 1;
			/* closed loop: the next connect only after the server closed */
			if (read(fd, buf, 1) != 0)
				return perror("read"), 1;
			close(fd);
		}
	}
	waitpid(srv, &st, 0);
	if (st)
		return fprintf(stderr, "server failed: %d\n", st), 1;
	printf("%.6f\n", now() - t0);
	return 0;
}
C
	${CC:-cc} -O2 -std=gnu11 -Wall -Wextra -Werror -o "$NL" "$ROOT/build/bench/netload.c"
fi

# ---- monitors ----------------------------------------------------------------
VPID=''
cleanup() {
	if [[ -n $VPID ]]; then kill -TERM "$VPID" 2>/dev/null || true; wait "$VPID" 2>/dev/null || true; fi
}
trap cleanup EXIT

start_vigil() {   # start_vigil TARGET DIR
	rm -f "$2/ready"
	"$VIGIL" trace "$1" -o json --output "$2/vigil.jsonl" --ready-file "$2/ready" 2>"$2/vigil.err" &
	VPID=$!
	for _ in $(seq 200); do
		[[ -e $2/ready ]] && return 0
		kill -0 "$VPID" 2>/dev/null || break
		sleep 0.05
	done
	die "vigil did not start: $(tail -3 "$2/vigil.err")"
}

stop_vigil() {
	kill -TERM "$VPID"; wait "$VPID" || die "vigil exited non-zero"
	VPID=''
}

# run MODE WORKLOAD ARG ROUND: one measured run; appends to runs.tsv
run() {
	local mode=$1 wl=$2 arg=$3 r=$4 dir=$RES/raw/r$4-$1-$2 t
	mkdir -p "$dir"
	case $mode in
	none) ;;
	exec) start_vigil exec "$dir" ;;
	net) start_vigil net "$dir" ;;
	esac
	sleep 0.3
	t=$(unshare -n sh -c 'ip link set lo up && exec "$0" "$1" "$2"' "$NL" "$wl" "$arg")
	[[ $mode == none ]] || stop_vigil
	printf '%s\t%s\t%s\t%s\n' "$r" "$mode" "$wl" "$t" >>"$RES/runs.tsv"
	if [[ $mode == net ]]; then
		jq -r 'select(.kind == "stats") | .stats.lost.total' "$dir/vigil.jsonl" | tail -1 >"$dir/lost"
		jq -c 'select(.kind == "flow")' "$dir/vigil.jsonl" | wc -l >"$dir/flows"
	fi
}

{
	echo "date: $(date -Is)"; uname -a; nproc; "$VIGIL" version | head -1
	echo "ROUNDS=$ROUNDS BYTES=$BYTES CONNS=$CONNS"
} >"$RES/env.txt"
: >"$RES/runs.tsv"
modes=(none exec net)
for ((r = 0; r < ROUNDS; r++)); do
	log "round $((r + 1))/$ROUNDS"
	for ((i = 0; i < 3; i++)); do
		m=${modes[(i + r) % 3]}
		run "$m" stream "$BYTES" "$r"
		run "$m" conn "$CONNS" "$r"
	done
done

# ---- summary -------------------------------------------------------------------
lost=$(cat "$RES"/raw/*-net-*/lost 2>/dev/null | awk '{s += $1} END {print s + 0}')
flows=$(cat "$RES"/raw/*-net-conn/flows 2>/dev/null | awk '{s += $1; n++} END {printf "%d", n ? s / n : 0}')
awk -F'\t' -v bytes="$BYTES" -v conns="$CONNS" -v lost="$lost" -v flows="$flows" '
function median(arr, n,    i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
	return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}
{ t[$1, $2, $3] = $4; rounds[$1] = 1 }
END {
	printf "| workload | monitor | median time (s) | median rate | median ratio vs none |\n"
	printf "|---|---|---:|---:|---:|\n"
	split("stream conn", wls, " "); split("none exec net", ms, " ")
	for (w = 1; w <= 2; w++) for (m = 1; m <= 3; m++) {
		n = 0
		for (r in rounds) { n++; tt[n] = t[r, ms[m], wls[w]]; rr[n] = t[r, ms[m], wls[w]] / t[r, "none", wls[w]] }
		mt = median(tt, n); mr = median(rr, n)
		rate = wls[w] == "stream" ? sprintf("%.2f GB/s", bytes / mt / 1e9) : sprintf("%.0f conn/s", conns / mt)
		printf "| %s | %s | %.3f | %s | %.3f |\n", wls[w], ms[m] == "exec" ? "vigil trace exec (flows off)" : ms[m] == "net" ? "vigil trace net (flows on)" : "none", mt, rate, mr
	}
	printf "\nvigil trace net: %d events lost in all runs; %d flow records per conn run (2 per connection expected: %d)\n", lost, flows, 2 * conns
}' "$RES/runs.tsv" | tee "$RES/summary.md"
