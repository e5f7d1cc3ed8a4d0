// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * filter.bpf.c - XDP ingress filter: drop, or rate-limit per source address,
 * by source CIDR, IP protocol and destination port (include/vigil/xdp.h,
 * docs/xdp.md).
 *
 * The program is generic: every rule arrives through maps written by
 * src/xdp.c, so rules change at run time without reloading or re-attaching.
 * Its maps are pinned under /sys/fs/bpf/vigil/xdp/<ifname>/ with the link.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "vigil/xdp.h"

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88A8

#define NEXTHDR_HOP	0
#define NEXTHDR_ROUTING	43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_AUTH	51
#define NEXTHDR_DEST	60
#define IPV6_EXT_MAX	4	/* extension headers walked before giving up on ports */

#define IP_OFFSET_MASK	0x1fff
#define BUCKET_TRIES	8

/* Rules by slot.  Writer: src/xdp.c.  Reader: this program. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VG_XDP_RULES_MAX);
	__type(key, __u32);
	__type(value, struct vg_xdp_rule);
} vg_xdp_rules SEC(".maps");

/* Source prefix -> rules whose CIDR contains it.  Writer: src/xdp.c. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, VG_XDP_PREFIXES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vg_xdp_src4_key);
	__type(value, struct vg_xdp_src_val);
} vg_xdp_src4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, VG_XDP_PREFIXES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vg_xdp_src6_key);
	__type(value, struct vg_xdp_src_val);
} vg_xdp_src6 SEC(".maps");

/* Per-rule counters.  Writer: this program (src/xdp.c zeroes a slot before
 * reusing it).  Reader: src/xdp.c. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_XDP_RULES_MAX);
	__type(key, __u32);
	__type(value, struct vg_xdp_counter);
} vg_xdp_counters SEC(".maps");

/* Frames per reason (enum vg_xdp_stat).  Writer: this program. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_XDP_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} vg_xdp_stats SEC(".maps");

/* Token buckets.  Writer and reader: this program. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VG_XDP_BUCKETS_MAX);
	__type(key, struct vg_xdp_bucket_key);
	__type(value, struct vg_xdp_bucket);
} vg_xdp_buckets SEC(".maps");

/* What is attached where.  Writer and reader: src/xdp.c only. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_xdp_meta);
} vg_xdp_meta SEC(".maps");

struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

struct pkt {
	__u8 family;		/* 4 or 6 */
	__u8 proto;
	__u8 has_port;
	__u16 dport;
	__u8 saddr[16];
};

static __always_inline void stat_inc(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&vg_xdp_stats, &reason);

	if (n)
		*n += 1;
}

/* Parse the headers of the frame; 0 when it is IP, else the stat to count. */
static __always_inline int parse(void *data, void *end, struct pkt *p)
{
	struct ethhdr *eth = data;
	void *l4;
	__u16 h_proto;
	__u8 later_fragment = 0;

	if ((void *)(eth + 1) > end)
		return VG_XDP_STAT_TRUNCATED;
	h_proto = eth->h_proto;
	l4 = eth + 1;
	if (h_proto == bpf_htons(ETH_P_8021Q) || h_proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_tag *vt = l4;

		if ((void *)(vt + 1) > end)
			return VG_XDP_STAT_TRUNCATED;
		h_proto = vt->proto;
		l4 = vt + 1;
	}

	if (h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l4;
		__u32 ihl;

		if ((void *)(ip + 1) > end)
			return VG_XDP_STAT_TRUNCATED;
		ihl = ip->ihl * 4;
		if (ihl < sizeof(*ip))
			return VG_XDP_STAT_TRUNCATED;
		p->family = 4;
		p->proto = ip->protocol;
		__builtin_memcpy(p->saddr, &ip->saddr, 4);
		later_fragment = !!(ip->frag_off & bpf_htons(IP_OFFSET_MASK));
		l4 = (void *)ip + ihl;
	} else if (h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l4;
		__u8 nexthdr;
		int i;

		if ((void *)(ip6 + 1) > end)
			return VG_XDP_STAT_TRUNCATED;
		p->family = 6;
		__builtin_memcpy(p->saddr, &ip6->saddr, 16);
		nexthdr = ip6->nexthdr;
		l4 = ip6 + 1;
		for (i = 0; i < IPV6_EXT_MAX; i++) {
			__u8 *h = l4;

			if (nexthdr != NEXTHDR_HOP && nexthdr != NEXTHDR_ROUTING &&
			    nexthdr != NEXTHDR_DEST && nexthdr != NEXTHDR_FRAGMENT &&
			    nexthdr != NEXTHDR_AUTH)
				break;
			if ((void *)(h + 8) > end)
				return VG_XDP_STAT_TRUNCATED;
			if (nexthdr == NEXTHDR_FRAGMENT) {
				later_fragment = !!(*(__be16 *)(h + 2) & bpf_htons(0xfff8));
				l4 = h + 8;
			} else if (nexthdr == NEXTHDR_AUTH) {
				l4 = h + ((__u32)h[1] + 2) * 4;
			} else {
				l4 = h + ((__u32)h[1] + 1) * 8;
			}
			nexthdr = h[0];
		}
		p->proto = nexthdr;
	} else {
		return VG_XDP_STAT_NOT_IP;
	}

	if (later_fragment)
		return 0;	/* no L4 header: only rules without a port match */
	if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP || p->proto == IPPROTO_SCTP) {
		/* source and destination port are the first 4 bytes of all three */
		__be16 *ports = l4;

		if ((void *)(ports + 2) > end)
			return VG_XDP_STAT_TRUNCATED;
		p->dport = bpf_ntohs(ports[1]);
		p->has_port = 1;
	}
	return 0;
}

/* Every rule whose source CIDR contains the packet's source address. */
static __always_inline __u64 rules_for_source(const struct pkt *p)
{
	struct vg_xdp_src_val *v;

	if (p->family == 4) {
		struct vg_xdp_src4_key k = { .prefixlen = 32 };

		__builtin_memcpy(k.addr, p->saddr, 4);
		v = bpf_map_lookup_elem(&vg_xdp_src4, &k);
	} else {
		struct vg_xdp_src6_key k = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, p->saddr, 16);
		v = bpf_map_lookup_elem(&vg_xdp_src6, &k);
	}
	return v ? v->rules : 0;
}

/* GCRA token bucket of (rule, source): does this packet conform? */
static __always_inline int bucket_conform(const struct vg_xdp_rule *r, __u32 slot,
					  const struct pkt *p)
{
	struct vg_xdp_bucket_key k = { .slot = slot, .gen = r->gen };
	struct vg_xdp_bucket *b, fresh;
	__u64 interval = r->interval_ns, tolerance = r->tolerance_ns;
	__u64 now = bpf_ktime_get_ns();
	int i;

	__builtin_memcpy(k.addr, p->saddr, 16);
	b = bpf_map_lookup_elem(&vg_xdp_buckets, &k);
	if (!b) {
		/* A full bucket; this packet takes the first token. */
		fresh.tat = now + interval;
		if (!bpf_map_update_elem(&vg_xdp_buckets, &k, &fresh, BPF_NOEXIST))
			return 1;
		b = bpf_map_lookup_elem(&vg_xdp_buckets, &k);	/* another CPU won */
		if (!b) {
			stat_inc(VG_XDP_STAT_BUCKET_FAIL);
			return 1;
		}
	}
	for (i = 0; i < BUCKET_TRIES; i++) {
		__u64 old = *(volatile __u64 *)&b->tat;
		__u64 tat = old > now ? old : now;

		if (tat - now > tolerance)
			return 0;
		if (__sync_val_compare_and_swap(&b->tat, old, tat + interval) == old)
			return 1;
	}
	stat_inc(VG_XDP_STAT_CONTENDED);
	return 0;
}

SEC("xdp")
int vg_xdp_filter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct vg_xdp_counter *c;
	struct vg_xdp_rule *r, *match = NULL;
	struct pkt p = {};
	__u32 slot, key = 0;
	__u64 rules;
	int reason;

	stat_inc(VG_XDP_STAT_SEEN);
	reason = parse(data, end, &p);
	if (reason) {
		stat_inc(reason);
		return XDP_PASS;
	}
	rules = rules_for_source(&p);
	for (slot = 0; slot < VG_XDP_RULES_MAX; slot++) {
		if (!(rules & (1ULL << slot)))
			continue;
		key = slot;
		r = bpf_map_lookup_elem(&vg_xdp_rules, &key);
		if (!r || r->action == VG_XDP_ACT_NONE)
			continue;
		if (r->proto && r->proto != p.proto)
			continue;
		if (r->dport && (!p.has_port || r->dport != p.dport))
			continue;
		match = r;
		break;
	}
	if (!match) {
		stat_inc(VG_XDP_STAT_NO_MATCH);
		return XDP_PASS;
	}

	c = bpf_map_lookup_elem(&vg_xdp_counters, &key);
	if (c) {
		c->packets++;
		c->bytes += end - data;
	}
	if (match->action == VG_XDP_ACT_RATELIMIT && bucket_conform(match, key, &p)) {
		if (c)
			c->passed++;
		return XDP_PASS;
	}
	if (c)
		c->dropped++;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
