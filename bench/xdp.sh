#!/usr/bin/env bash
# xdp.sh - XDP drop rate against nftables drop rules on the same veth, one
# core.  Run as root.  See bench/README.md.
#
# usage: bench/xdp.sh [-o RESDIR]
#   -o RESDIR   raw results (default bench/results/YYYYmmdd-HHMMSS-xdp)
# environment (defaults in brackets):
#   ROUNDS [5]      interleaved rounds; each runs every config once, order
#                   rotated per round
#   SECONDS_RUN [3] seconds of flood per run
#   CONFIGS ["xdp nft-ingress nft-prerouting none"]
#                   xdp:            vigil xdp drop --proto udp --port 9 (native on veth)
#                   nft-ingress:    netdev table, ingress hook on the veth, priority -500,
#                                   `udp dport 9 counter drop`
#                   nft-prerouting: inet table, prerouting hook, priority -300 (before
#                                   conntrack), `udp dport 9 counter drop`
#                   none:           no filter: the stack finds no socket on port 9
#                                   (counted as Udp NoPorts; replies rate-limited)
#   CPU [1]         the core the flood generator is pinned to
#   GENMODE [packet] packet: prebuilt frames on an AF_PACKET socket with
#                   PACKET_QDISC_BYPASS (least sender cost, so the receive
#                   path weighs most); udp: a UDP socket (adds the UDP/IP
#                   send path to every packet)
#   INSTALL_NFT [1] 1: `apt-get install -y nftables` if nft is missing
#   VIGIL_BIN [build/vigil]
#
# Setup: netns vgxb-a-PID and vgxb-b-PID joined by a veth pair, 10.202.0.1 ->
# 10.202.0.2.  The generator (C, built into build/bench/xdp-flood) floods
# 64-byte UDP datagrams to 10.202.0.2:9 from A with sendmmsg() batches of 64
# (GENMODE), pinned to one core.  veth delivers to B in a NAPI poll on the sending CPU,
# so the sender and the whole receive path (XDP, or the stack up to the nft
# hook) share that one core: the drop rate is what one core sustains, send
# cost included (the same in every config).  Rate = packets the filter
# dropped (its own counter) / run seconds.  Ratios are per round (the XDP run
# over the nft run of the same round), median and [min-max] over rounds.
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
ROUNDS=${ROUNDS:-5}
SECONDS_RUN=${SECONDS_RUN:-3}
CONFIGS=${CONFIGS:-"xdp nft-ingress nft-prerouting none"}
CPU=${CPU:-1}
GENMODE=${GENMODE:-packet}
INSTALL_NFT=${INSTALL_NFT:-1}
VIGIL_BIN=${VIGIL_BIN:-$ROOT/build/vigil}
RES=$BENCH/results/$(date +%Y%m%d-%H%M%S)-xdp
while getopts "o:" opt; do
	case $opt in
	o) RES=$OPTARG ;;
	*) sed -n '2,30p' "$0" >&2; exit 2 ;;
	esac
done
[[ $(id -u) == 0 ]] || { echo "xdp.sh: needs root" >&2; exit 1; }
[[ -x $VIGIL_BIN ]] || { echo "xdp.sh: no $VIGIL_BIN (run make)" >&2; exit 1; }
if ! command -v nft >/dev/null; then
	if [[ $INSTALL_NFT == 1 ]]; then
		apt-get install -y nftables >/dev/null
	else
		echo "xdp.sh: nft missing (INSTALL_NFT=1 installs it)" >&2; exit 1
	fi
fi
mkdir -p "$RES" "$ROOT/build/bench"

NA=vgxb-a-$$ NB=vgxb-b-$$ IA=vgxba$$ IB=vgxbb$$
IA=${IA:0:15} IB=${IB:0:15}
GEN=$ROOT/build/bench/xdp-flood
gen_pid=

cleanup() {
	[[ -n $gen_pid ]] && kill "$gen_pid" 2>/dev/null || true
	ip netns del "$NA" 2>/dev/null || true
	ip netns del "$NB" 2>/dev/null || true	# takes the veth, the XDP link and nft tables
	# the now-dead pins go at the next vigil xdp command; run one
	"$VIGIL_BIN" xdp list >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the flood generator ------------------------------------------------------
cat >"$GEN.c" <<'EOF'
/* xdp-flood udp|packet IFACE DST_MAC SRC_IP DST_IP PORT SECONDS: 64-byte UDP
 * payloads in sendmmsg batches of 64, through a UDP socket or as prebuilt
 * Ethernet frames on an AF_PACKET socket (PACKET_QDISC_BYPASS); prints
 * "sent N seconds S". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned short csum(const void *p, int len)
{
	const unsigned short *w = p;
	unsigned int sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

int main(int argc, char **argv)
{
	static unsigned char frame[14 + 20 + 8 + 64];
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	struct mmsghdr msgs[64];
	struct iovec iov;
	struct ifreq ifr = { 0 };
	struct ether_header *eth = (void *)frame;
	struct iphdr *ip = (void *)(frame + 14);
	struct udphdr *udp = (void *)(frame + 34);
	int packet, s, n, one = 1;
	unsigned long long sent = 0;
	double t0, end, t;

	if (argc != 8)
		return 2;
	packet = !strcmp(argv[1], "packet");
	to.sin_port = htons(atoi(argv[6]));
	inet_pton(AF_INET, argv[5], &to.sin_addr);
	if (packet) {
		s = socket(AF_PACKET, SOCK_RAW, 0);
		setsockopt(s, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[2]);
		ioctl(s, SIOCGIFHWADDR, &ifr);
		memcpy(eth->ether_shost, ifr.ifr_hwaddr.sa_data, 6);
		sscanf(argv[3], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &eth->ether_dhost[0],
		       &eth->ether_dhost[1], &eth->ether_dhost[2], &eth->ether_dhost[3],
		       &eth->ether_dhost[4], &eth->ether_dhost[5]);
		eth->ether_type = htons(ETHERTYPE_IP);
		ip->ihl = 5;
		ip->version = 4;
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->tot_len = htons(20 + 8 + 64);
		inet_pton(AF_INET, argv[4], &ip->saddr);
		ip->daddr = to.sin_addr.s_addr;
		ip->check = csum(ip, 20);
		udp->source = htons(40000);
		udp->dest = to.sin_port;
		udp->len = htons(8 + 64);
		ll.sll_ifindex = if_nametoindex(argv[2]);
		memcpy(ll.sll_addr, eth->ether_dhost, 6);
		iov = (struct iovec){ frame, sizeof(frame) };
	} else {
		s = socket(AF_INET, SOCK_DGRAM, 0);
		iov = (struct iovec){ frame, 64 };
	}
	if (s < 0) {
		perror("socket");
		return 1;
	}
	for (int i = 0; i < 64; i++)
		msgs[i] = (struct mmsghdr){ .msg_hdr = {
			.msg_name = packet ? (void *)&ll : (void *)&to,
			.msg_namelen = packet ? sizeof(ll) : sizeof(to),
			.msg_iov = &iov, .msg_iovlen = 1 } };
	t0 = now();
	end = t0 + atof(argv[7]);
	do {
		n = sendmmsg(s, msgs, 64, 0);
		if (n > 0)
			sent += n;
	} while ((t = now()) < end);
	printf("sent %llu seconds %.6f\n", sent, t - t0);
	return 0;
}
EOF
cc -O2 -o "$GEN" "$GEN.c"

# --- namespaces ---------------------------------------------------------------
ip netns add "$NA"
ip netns add "$NB"
ip link add "$IA" type veth peer name "$IB"
ip link set "$IA" netns "$NA"
ip link set "$IB" netns "$NB"
ip -n "$NA" addr add 10.202.0.1/24 dev "$IA"
ip -n "$NB" addr add 10.202.0.2/24 dev "$IB"
ip -n "$NA" link set "$IA" up
ip -n "$NB" link set "$IB" up
# a permanent neighbour entry: no ARP in the measurement
MAC_B=$(ip -n "$NB" -o link show "$IB" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
ip -n "$NA" neigh replace 10.202.0.2 lladdr "$MAC_B" dev "$IA" nud permanent
INB() { nsenter --net="/run/netns/$NB" "$@"; }

{
	echo "date: $(date -u +%FT%TZ)"
	echo "kernel: $(uname -r)"
	echo "cpus: $(nproc) ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1))"
	echo "vigil: $("$VIGIL_BIN" version 2>/dev/null || echo '?')"
	echo "nft: $(nft --version)"
	echo "rounds: $ROUNDS  seconds: $SECONDS_RUN  cpu: $CPU  generator: $GENMODE  configs: $CONFIGS"
} >"$RES/env.txt"

udp_noports() { INB awk '/^Udp:/ && ++n == 2 {print $3}' /proc/net/snmp; }

# filter_on CONFIG / filter_count CONFIG / filter_off CONFIG
filter_on() {
	case $1 in
	xdp) INB "$VIGIL_BIN" xdp drop --dev "$IB" --proto udp --port 9 >"$RES/raw-vigil.out" ;;
	nft-ingress)
		INB nft -f - <<-EOF
		table netdev vgbench {
			chain in { type filter hook ingress device "$IB" priority -500; udp dport 9 counter drop; }
		}
		EOF
		;;
	nft-prerouting)
		INB nft -f - <<-EOF
		table inet vgbench {
			chain pre { type filter hook prerouting priority -300; udp dport 9 counter drop; }
		}
		EOF
		;;
	none) ;;
	esac
}
filter_count() {
	case $1 in
	xdp) INB "$VIGIL_BIN" xdp stats --dev "$IB" -o json |
		sed -n 's/.*"dropped":\([0-9]*\).*/\1/p' ;;
	nft-*) INB nft list ruleset | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -1 ;;
	none) udp_noports ;;
	esac
}
filter_off() {
	case $1 in
	xdp) INB "$VIGIL_BIN" xdp detach --dev "$IB" >/dev/null ;;
	nft-ingress) INB nft delete table netdev vgbench ;;
	nft-prerouting) INB nft delete table inet vgbench ;;
	none) ;;
	esac
}

printf 'round\tconfig\tdropped\tseconds\trate_pps\tsent\tsend_pps\n' >"$RES/runs.tsv"
read -r -a cfgs <<<"$CONFIGS"
for ((r = 0; r < ROUNDS; r++)); do
	n=${#cfgs[@]}
	for ((k = 0; k < n; k++)); do
		c=${cfgs[$(((k + r) % n))]}
		filter_on "$c"
		sleep 0.3
		before=$(filter_count "$c")
		ip netns exec "$NA" taskset -c "$CPU" "$GEN" "$GENMODE" "$IA" "$MAC_B" 10.202.0.1 \
			10.202.0.2 9 "$SECONDS_RUN" \
			>"$RES/raw-gen.out" &
		gen_pid=$!
		wait "$gen_pid"
		gen_pid=
		after=$(filter_count "$c")
		read -r _ sent _ secs <"$RES/raw-gen.out"
		filter_off "$c"
		awk -v r="$r" -v c="$c" -v d=$((after - before)) -v s="$secs" -v sent="$sent" \
			'BEGIN { printf "%d\t%s\t%d\t%.3f\t%.0f\t%d\t%.0f\n", r, c, d, s, d / s, sent, sent / s }' \
			>>"$RES/runs.tsv"
		tail -1 "$RES/runs.tsv" >&2
	done
done

# --- summary ------------------------------------------------------------------
awk -F'\t' -v configs="$CONFIGS" '
function median(a, n,    i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
function minmax(a, n,    i) { lo = a[1]; hi = a[1]; for (i = 2; i <= n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] } }
NR > 1 { rate[$2, $1] = $5; send[$2, $1] = $7; if ($1 + 1 > rounds) rounds = $1 + 1 }
END {
	nc = split(configs, cfg, " ")
	print "| config | dropped/s, one core (median) | [min-max] | ns per packet on the core | sender packets/s (median) |"
	print "|---|---:|---|---:|---:|"
	for (i = 1; i <= nc; i++) {
		c = cfg[i]; n = 0; m = 0
		for (r = 0; r < rounds; r++) if ((c, r) in rate) { v[++n] = rate[c, r]; w[++m] = send[c, r] }
		if (!n) continue
		minmax(v, n); med = median(v, n)
		printf "| %s | %.0f | [%.0f-%.0f] | %.0f | %.0f |\n", c, med, lo, hi, 1e9 / med, median(w, m)
	}
	print ""
	print "| ratio (same round) | median | [min-max] |"
	print "|---|---:|---|"
	for (i = 1; i <= nc; i++) {
		c = cfg[i]
		if (c == "xdp") continue
		n = 0
		for (r = 0; r < rounds; r++)
			if (("xdp", r) in rate && (c, r) in rate && rate[c, r] > 0) v[++n] = rate["xdp", r] / rate[c, r]
		if (!n) continue
		minmax(v, n)
		printf "| xdp / %s | %.2f | [%.2f-%.2f] |\n", c, median(v, n), lo, hi
	}
}' "$RES/runs.tsv" | tee "$RES/summary.md"
echo "raw results: $RES" >&2
