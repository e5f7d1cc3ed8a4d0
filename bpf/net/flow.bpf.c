// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * flow.bpf.c - net sensor: one flow record per TCP connection, when it
 * reaches TCP_CLOSE (sock:inet_sock_set_state), with its totals and the
 * process that connected or accepted it (vg_net_flows, filled by
 * sock.bpf.c).  Not per packet: one map lookup per state change.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "lib/sock.bpf.h"

#define VG_ECONNRESET	104

/* Orderly or not, from the state the connection closed from: after a FIN
 * exchange it left FIN_WAIT*, CLOSING or LAST_ACK; from ESTABLISHED,
 * CLOSE_WAIT or a handshake state only a reset or an abort (linger 0,
 * unread data, timeout) closes it. */
static __always_inline __u8 close_reason(struct sock *sk, int oldstate)
{
	switch (oldstate) {
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
	case TCP_TIME_WAIT:
		return BPF_CORE_READ(sk, sk_err) == VG_ECONNRESET ? VG_FLOW_CLOSE_RESET
								  : VG_FLOW_CLOSE_FIN;
	case TCP_ESTABLISHED:
	case TCP_SYN_SENT:
	case TCP_SYN_RECV:
	case TCP_CLOSE_WAIT:
		return VG_FLOW_CLOSE_RESET;
	default:
		return VG_FLOW_CLOSE_OTHER;
	}
}

static __always_inline int handle_state(struct sock *sk, int oldstate, int newstate)
{
	struct vg_flow_owner *o;
	struct vg_flow f = {};
	__u64 key = (__u64)sk, now;
	bool known;

	if (newstate != TCP_CLOSE && newstate != TCP_ESTABLISHED)
		return 0;
	if (BPF_CORE_READ(sk, sk_protocol) != VG_IPPROTO_TCP)
		return 0;
	o = bpf_map_lookup_elem(&vg_net_flows, &key);
	now = bpf_ktime_get_boot_ns();
	if (newstate == TCP_ESTABLISHED) {
		/* a non-blocking connect completed: it starts now */
		if (o && oldstate == TCP_SYN_SENT)
			o->start_ns = now;
		return 0;
	}
	if (oldstate == TCP_LISTEN || oldstate == TCP_CLOSE)
		return 0;
	if (o && o->portpair != vg_sock_portpair(sk)) {
		/* left behind by an earlier socket at this address */
		bpf_map_delete_elem(&vg_net_flows, &key);
		o = NULL;
	}
	known = o != NULL;
	if (!known) {
		/* never established, or someone else's under a task filter */
		if (oldstate == TCP_SYN_SENT || oldstate == TCP_SYN_RECV)
			return 0;
		if (vg_filter_pid || vg_filter_comm[0])
			return 0;
	}

	f.hdr.type = VG_EV_FLOW;
	f.hdr.version = VG_FLOW_VERSION;
	f.hdr.size = sizeof(f);
	f.hdr.ts_ns = now;
	f.family = BPF_CORE_READ(sk, __sk_common.skc_family);
	f.protocol = VG_IPPROTO_TCP;
	f.close = close_reason(sk, oldstate);
	vg_sock_local(sk, f.family, f.saddr, &f.sport);
	vg_sock_remote(sk, f.family, f.daddr, &f.dport);
	f.sport = vg_sock_sport(sk);	/* skc_num is already released */
	if (known) {
		f.hdr.task = o->task;
		f.flags = o->flags;
		f.start_ns = o->start_ns;
		f.duration_ns = now - o->start_ns;
	} else {
		f.flags = VG_FLOW_OWNER_UNKNOWN;
	}
	vg_flow_bytes(&f, sk, oldstate, known, f.flags & VG_FLOW_INBOUND);
	vg_emit(&f, sizeof(f), VG_EV_FLOW);
	if (known)
		bpf_map_delete_elem(&vg_net_flows, &key);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(vg_net_state_btf, const struct sock *sk, const int oldstate, const int newstate)
{
	return handle_state((struct sock *)sk, oldstate, newstate);
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(vg_net_state_raw, const struct sock *sk, const int oldstate, const int newstate)
{
	return handle_state((struct sock *)sk, oldstate, newstate);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
