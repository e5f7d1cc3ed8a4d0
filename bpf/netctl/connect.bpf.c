// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * connect.bpf.c - connection control: cgroup sock_addr hooks that refuse
 * connect, unconnected-UDP sendmsg and bind by CIDR, port and protocol.
 *
 * Rules live in two LPM tries (include/vigil/netctl.h), written by
 * src/netctl.c at any time; the programs are generic and loaded once per
 * scope (the cgroup they are attached to, vg_nc_scope).  Returning 0 makes
 * the syscall fail with EPERM; each denial is counted per rule and reported
 * as a struct vg_net (VG_NET_DENIED) on this object's own ring buffer, which
 * is pinned so that it outlives `vigil net deny` and the agent picks it up.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include "vigil/event.h"
#include "vigil/netctl.h"
#include "lib/task.bpf.h"

#define AF_INET		2
#define AF_INET6	10
#define EPERM		1

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The cgroup v2 id these programs are attached to: the rules they apply. */
const volatile __u64 vg_nc_scope = 0;

/* IPv4 rules.  Writer: src/netctl.c.  Reader: these programs. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4 * VG_NETCTL_MAX_RULES);
	__type(key, struct vg_netctl_key4);
	__type(value, struct vg_netctl_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} vg_nc_rules4 SEC(".maps");

/* IPv6 rules.  Writer: src/netctl.c.  Reader: these programs. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4 * VG_NETCTL_MAX_RULES);
	__type(key, struct vg_netctl_key6);
	__type(value, struct vg_netctl_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} vg_nc_rules6 SEC(".maps");

/* Denials per rule id; slot VG_NETCTL_LOST_SLOT: events lost.  Writer:
 * these programs.  Reader: src/netctl.c (`vigil net list`), which also
 * zeroes a rule's slot when it gives the id out. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_NETCTL_MAX_RULES);
	__type(key, __u32);
	__type(value, __u64);
} vg_nc_counters SEC(".maps");

/* Denial events (struct vg_net).  Reader: the agent (src/agent.c,
 * vg_agent_add_ring) when it finds the pin. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} vg_nc_events SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&vg_nc_counters, &slot);

	if (v)
		*v += 1;	/* per-CPU slot: no atomics needed */
}

/* (proto, port), (proto, any), (any, port), (any, any): first match wins. */
static __always_inline __u32 match4(__u8 hook, __u8 proto, __u16 port, __u32 addr)
{
	struct vg_netctl_key4 k = {
		.prefixlen = VG_NETCTL_KEY_FIXED_BITS + 32,
		.hook = hook,
		.scope = vg_nc_scope,
	};
	struct vg_netctl_val *v;

	__builtin_memcpy(k.addr, &addr, 4);
#pragma unroll
	for (int i = 0; i < 4; i++) {
		k.proto = i < 2 ? proto : 0;
		k.port = (i & 1) ? 0 : port;
		v = bpf_map_lookup_elem(&vg_nc_rules4, &k);
		if (v)
			return v->rule_id;
	}
	return 0;
}

static __always_inline __u32 match6(__u8 hook, __u8 proto, __u16 port, const __u32 *addr)
{
	struct vg_netctl_key6 k = {
		.prefixlen = VG_NETCTL_KEY_FIXED_BITS + 128,
		.hook = hook,
		.scope = vg_nc_scope,
	};
	struct vg_netctl_val *v;

	__builtin_memcpy(k.addr, addr, 16);
#pragma unroll
	for (int i = 0; i < 4; i++) {
		k.proto = i < 2 ? proto : 0;
		k.port = (i & 1) ? 0 : port;
		v = bpf_map_lookup_elem(&vg_nc_rules6, &k);
		if (v)
			return v->rule_id;
	}
	return 0;
}

/* Four words of an address, each read at a constant offset (see check6). */
static __always_inline void copy_ip6(__u8 *dst, __u32 w0, __u32 w1, __u32 w2, __u32 w3)
{
	__builtin_memcpy(dst, &w0, 4);
	__builtin_memcpy(dst + 4, &w1, 4);
	__builtin_memcpy(dst + 8, &w2, 4);
	__builtin_memcpy(dst + 12, &w3, 4);
}

/* Fill the common header from the current task: the programs run in the
 * caller's context, so `current` is the process being refused. */
static __always_inline void fill_hdr(struct vg_net *e)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();

	e->hdr.type = VG_EV_NET;
	e->hdr.version = VG_NET_VERSION;
	e->hdr.size = sizeof(*e);
	e->hdr.ts_ns = bpf_ktime_get_boot_ns();
	vg_task_fill(&e->hdr.task, t);
}

/* Count the denial and report it; the caller returns 0 (EPERM). */
static __always_inline void report(struct bpf_sock_addr *ctx, __u16 op, __u32 rule_id,
				   __u16 family)
{
	struct bpf_sock *sk = ctx->sk;
	struct vg_net *e;

	count(rule_id);
	e = bpf_ringbuf_reserve(&vg_nc_events, sizeof(*e), 0);
	if (!e) {
		count(VG_NETCTL_LOST_SLOT);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(e);
	e->op = op;
	e->family = family;
	e->result = -EPERM;
	e->protocol = ctx->protocol;
	e->sock_type = ctx->type;
	e->fd = -1;
	e->flags = VG_NET_DENIED;
	e->rule_id = rule_id;

	if (op == VG_NET_BIND) {
		/* The local address asked for; there is no remote end. */
		e->sport = bpf_ntohs((__u16)ctx->user_port);
		if (family == AF_INET) {
			__u32 a = ctx->user_ip4;

			__builtin_memcpy(e->saddr, &a, 4);
		} else {
			copy_ip6(e->saddr, ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2],
				 ctx->user_ip6[3]);
		}
		goto submit;
	}

	e->dport = bpf_ntohs((__u16)ctx->user_port);
	if (family == AF_INET) {
		__u32 a = ctx->user_ip4;

		__builtin_memcpy(e->daddr, &a, 4);
		a = op == VG_NET_SENDMSG ? ctx->msg_src_ip4 : 0;
		if (!a && sk)
			a = sk->src_ip4;
		__builtin_memcpy(e->saddr, &a, 4);
	} else {
		copy_ip6(e->daddr, ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2],
			 ctx->user_ip6[3]);
		if (op == VG_NET_SENDMSG)
			copy_ip6(e->saddr, ctx->msg_src_ip6[0], ctx->msg_src_ip6[1],
				 ctx->msg_src_ip6[2], ctx->msg_src_ip6[3]);
		else if (sk)
			copy_ip6(e->saddr, sk->src_ip6[0], sk->src_ip6[1], sk->src_ip6[2],
				 sk->src_ip6[3]);
	}
	if (sk)
		e->sport = sk->src_port;	/* host order already; 0 while unbound */
submit:
	bpf_ringbuf_submit(e, 0);
}

static __always_inline int check4(struct bpf_sock_addr *ctx, __u8 hook, __u16 op)
{
	__u32 id = match4(hook, ctx->protocol, (__u16)ctx->user_port, ctx->user_ip4);

	if (!id)
		return 1;
	report(ctx, op, id, AF_INET);
	return 0;
}

static __always_inline int check6(struct bpf_sock_addr *ctx, __u8 hook, __u16 op)
{
	/* Context fields are read one constant offset at a time: the
	 * verifier refuses a ctx pointer moved by a loop. */
	__u32 addr[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3] };
	__u32 id;

	id = match6(hook, ctx->protocol, (__u16)ctx->user_port, addr);
	/* An IPv4-mapped address (::ffff:a.b.c.d) from an IPv6 socket reaches
	 * IPv4 without passing the connect4/sendmsg4/bind4 hooks. */
	if (!id && addr[0] == 0 && addr[1] == 0 && addr[2] == bpf_htonl(0xffff))
		id = match4(hook, ctx->protocol, (__u16)ctx->user_port, addr[3]);
	if (!id)
		return 1;
	report(ctx, op, id, AF_INET6);
	return 0;
}

SEC("cgroup/connect4")
int vg_netctl_connect4(struct bpf_sock_addr *ctx)
{
	return check4(ctx, VG_NETCTL_CONNECT, VG_NET_CONNECT);
}

SEC("cgroup/connect6")
int vg_netctl_connect6(struct bpf_sock_addr *ctx)
{
	return check6(ctx, VG_NETCTL_CONNECT, VG_NET_CONNECT);
}

SEC("cgroup/sendmsg4")
int vg_netctl_sendmsg4(struct bpf_sock_addr *ctx)
{
	return check4(ctx, VG_NETCTL_SENDMSG, VG_NET_SENDMSG);
}

SEC("cgroup/sendmsg6")
int vg_netctl_sendmsg6(struct bpf_sock_addr *ctx)
{
	return check6(ctx, VG_NETCTL_SENDMSG, VG_NET_SENDMSG);
}

SEC("cgroup/bind4")
int vg_netctl_bind4(struct bpf_sock_addr *ctx)
{
	return check4(ctx, VG_NETCTL_BIND, VG_NET_BIND);
}

SEC("cgroup/bind6")
int vg_netctl_bind6(struct bpf_sock_addr *ctx)
{
	return check6(ctx, VG_NETCTL_BIND, VG_NET_BIND);
}
