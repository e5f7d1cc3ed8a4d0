/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * vigil/netctl.h - connection control: the rule maps shared by the cgroup
 * programs (bpf/netctl/connect.bpf.c) and user space (src/netctl.c).
 *
 * A rule denies one CIDR, optionally narrowed to a port and a protocol, on
 * some of the hooks (connect, sendmsg, bind), for the processes of one
 * cgroup subtree (its "scope": the cgroup v2 id the programs are attached
 * to).  A rule is stored as one LPM-trie entry per hook, keyed by
 *
 *     { prefixlen | hook, proto, port, scope, addr }
 *
 * hook, proto, port and scope are matched exactly (they are in front of the
 * address and always covered by the prefix), the address by its longest
 * prefix.  The kernel looks up (proto, port), (proto, any), (any, port) and
 * (any, any) in turn: any matching rule denies.  User space finds the rules
 * again by walking the tries (no separate rule table to keep in sync).
 */
#ifndef VIGIL_NETCTL_H
#define VIGIL_NETCTL_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Hooks, as stored in the key.  A rule's hook set is 1 << hook. */
enum vg_netctl_hook {
	VG_NETCTL_CONNECT = 1,	/* cgroup/connect4, cgroup/connect6: the remote end */
	VG_NETCTL_SENDMSG = 2,	/* cgroup/sendmsg4, cgroup/sendmsg6: unconnected UDP destination */
	VG_NETCTL_BIND = 3,	/* cgroup/bind4, cgroup/bind6: the local address being bound */
	VG_NETCTL_HOOK_MAX,
};

#define VG_NETCTL_HOOK_BIT(h)	(1u << (h))
#define VG_NETCTL_HOOKS_ALL	(VG_NETCTL_HOOK_BIT(VG_NETCTL_CONNECT) | \
				 VG_NETCTL_HOOK_BIT(VG_NETCTL_SENDMSG) | \
				 VG_NETCTL_HOOK_BIT(VG_NETCTL_BIND))

/* Rule ids are 1 .. VG_NETCTL_MAX_RULES - 1 and index the hit counters. */
#define VG_NETCTL_MAX_RULES	1024
/* Counter slot 0: denial events lost (ring buffer full). */
#define VG_NETCTL_LOST_SLOT	0

/* Bits of the key in front of the address: hook, proto, port, _pad, scope. */
#define VG_NETCTL_KEY_FIXED_BITS	96

struct vg_netctl_key4 {
	__u32 prefixlen;	/* VG_NETCTL_KEY_FIXED_BITS + CIDR prefix length */
	__u8 hook;		/* enum vg_netctl_hook */
	__u8 proto;		/* IPPROTO_TCP, IPPROTO_UDP; 0: any */
	__u16 port;		/* network order; 0: any */
	__u64 scope;		/* cgroup v2 id the rule applies under */
	__u8 addr[4];		/* network order */
} __attribute__((packed, aligned(4)));	/* no tail padding: the trie compares every key byte */

struct vg_netctl_key6 {
	__u32 prefixlen;
	__u8 hook;
	__u8 proto;
	__u16 port;
	__u64 scope;
	__u8 addr[16];
} __attribute__((packed, aligned(4)));

struct vg_netctl_val {
	__u32 rule_id;
	__u32 flags;		/* reserved, 0 */
};

_Static_assert(sizeof(struct vg_netctl_key4) == 4 + 12 + 4, "vg_netctl_key4 layout changed");
_Static_assert(sizeof(struct vg_netctl_key6) == 4 + 12 + 16, "vg_netctl_key6 layout changed");
_Static_assert(__builtin_offsetof(struct vg_netctl_key4, addr) * 8 ==
	       32 + VG_NETCTL_KEY_FIXED_BITS, "netctl key: fixed part is not what the prefix covers");
_Static_assert(__builtin_offsetof(struct vg_netctl_key6, addr) * 8 ==
	       32 + VG_NETCTL_KEY_FIXED_BITS, "netctl key: fixed part is not what the prefix covers");
_Static_assert(sizeof(struct vg_netctl_val) == 8, "vg_netctl_val layout changed");

#endif /* VIGIL_NETCTL_H */
