/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * vigil/xdp.h - the XDP ingress filter as the kernel sees it: rule, counter
 * and token-bucket layouts shared by bpf/xdp/filter.bpf.c (reader) and
 * src/xdp.c (writer).  See docs/xdp.md.
 *
 * A rule lives in slot 0..VG_XDP_RULES_MAX-1 of vg_xdp_rules (its user-facing
 * id is slot + 1).  Its source CIDR is compiled into the LPM tries
 * vg_xdp_src4/vg_xdp_src6: each prefix P stored there maps to the bit set of
 * every rule whose CIDR contains P, so the one longest-prefix lookup for a
 * packet's source address yields every rule whose CIDR contains that address.
 * The program then takes the lowest-numbered of those rules whose protocol
 * and destination port match: first match by id wins.
 */
#ifndef VIGIL_XDP_H
#define VIGIL_XDP_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VG_XDP_ABI		1	/* bump when a pinned map's layout changes */
#define VG_XDP_RULES_MAX	64	/* one bit each in struct vg_xdp_src_val */
#define VG_XDP_PREFIXES_MAX	(2 * VG_XDP_RULES_MAX)
#define VG_XDP_BUCKETS_MAX	65536	/* (rule, source) token buckets, LRU */
#define VG_XDP_PPS_MAX		10000000u
#define VG_XDP_BURST_MAX	10000000u

enum vg_xdp_action {
	VG_XDP_ACT_NONE = 0,	/* empty slot */
	VG_XDP_ACT_DROP = 1,
	VG_XDP_ACT_RATELIMIT = 2,	/* token bucket per (rule, source address) */
};

enum vg_xdp_mode {
	VG_XDP_MODE_NONE = 0,
	VG_XDP_MODE_NATIVE = 1,		/* XDP_FLAGS_DRV_MODE */
	VG_XDP_MODE_GENERIC = 2,	/* XDP_FLAGS_SKB_MODE */
};

/* A rule.  family 0 matches IPv4 and IPv6 (any source), 4 or 6 one family
 * with addr/prefixlen; proto 0 any IP protocol; dport 0 any port, otherwise
 * only TCP/UDP/SCTP packets (not later IP fragments) whose destination port is
 * dport (host byte order). */
struct vg_xdp_rule {
	__u8 action;		/* enum vg_xdp_action */
	__u8 family;		/* 0, 4 or 6 */
	__u8 prefixlen;
	__u8 proto;		/* IPPROTO_*, 0: any */
	__u16 dport;		/* host byte order, 0: any */
	__u16 _pad;
	__u32 gen;		/* bumped each time the slot is (re)used: buckets of an
				 * earlier rule in the same slot are not reused */
	__u32 _pad2;
	__u8 addr[16];		/* network byte order; IPv4 in the first 4 bytes */
	__u64 interval_ns;	/* ratelimit: 1e9 / pps (GCRA emission interval) */
	__u64 tolerance_ns;	/* ratelimit: (burst - 1) * interval_ns */
	__u32 pps;		/* as configured, for display */
	__u32 burst;
};

/* LPM trie keys and value. */
struct vg_xdp_src4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct vg_xdp_src6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

struct vg_xdp_src_val {
	__u64 rules;		/* bit n: rule in slot n */
};

/* Per-rule counters, per CPU (user space sums them). */
struct vg_xdp_counter {
	__u64 packets;		/* matched the rule */
	__u64 bytes;		/* frame bytes of those packets */
	__u64 dropped;
	__u64 passed;		/* ratelimit: conforming packets */
};

/* Packets seen by the program, per reason (per-CPU array vg_xdp_stats). */
enum vg_xdp_stat {
	VG_XDP_STAT_SEEN = 0,		/* every frame */
	VG_XDP_STAT_NOT_IP,		/* neither IPv4 nor IPv6 (ARP, ...): passed */
	VG_XDP_STAT_TRUNCATED,		/* headers cut short: passed */
	VG_XDP_STAT_NO_MATCH,		/* IP, no rule matched: passed */
	VG_XDP_STAT_BUCKET_FAIL,	/* token bucket could not be created: passed */
	VG_XDP_STAT_CONTENDED,		/* bucket update lost its race 8 times: dropped */
	VG_XDP_STAT_MAX
};

/* Token bucket of one (rule, source) pair, as GCRA: tat is the theoretical
 * arrival time of the next packet; a packet conforms when
 * tat - now <= tolerance_ns, and then tat = max(tat, now) + interval_ns,
 * updated with compare-and-swap, so exact on any number of CPUs. */
struct vg_xdp_bucket_key {
	__u32 slot;
	__u32 gen;
	__u8 addr[16];		/* IPv4 in the first 4 bytes */
};

struct vg_xdp_bucket {
	__u64 tat;		/* bpf_ktime_get_ns() clock */
};

/* What is attached where: one entry, written once by the attaching command. */
struct vg_xdp_meta {
	__u32 abi;		/* VG_XDP_ABI */
	__u32 mode;		/* enum vg_xdp_mode */
	__u32 ifindex;
	__u32 _pad;
	__u64 netns_ino;	/* inode of the network namespace */
	__u64 attached_ns;	/* CLOCK_REALTIME, ns */
	char ifname[16];
	__u32 next_gen;		/* generation for the next rule added */
	__u32 _pad2;
};

_Static_assert(sizeof(struct vg_xdp_rule) == 56, "vg_xdp_rule layout");
_Static_assert(sizeof(struct vg_xdp_counter) == 32, "vg_xdp_counter layout");
_Static_assert(sizeof(struct vg_xdp_bucket_key) == 24, "vg_xdp_bucket_key layout");
_Static_assert(sizeof(struct vg_xdp_meta) == 56, "vg_xdp_meta layout");
_Static_assert(sizeof(struct vg_xdp_src6_key) == 20, "vg_xdp_src6_key layout");

#endif /* VIGIL_XDP_H */
