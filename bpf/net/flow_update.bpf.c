// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * flow_update.bpf.c - net sensor: periodic "still open" flow records
 * (close = VG_FLOW_OPEN) with the running totals of long-lived TCP
 * connections.
 *
 * A BPF iterator over the flow owner map (vg_net_flows), not over TCP
 * sockets: an iter/tcp iterator walks only the sockets of the network
 * namespace of the process that creates it, and vigil must see every
 * container's connections.  Walking the map also visits only the
 * connections vigil tracks (those of the reported tasks), never a
 * listener or a connection opened before vigil started.  User space
 * (vg_sensor_flow_update) creates an iterator fd and reads it to the end
 * every --flow-interval seconds; nothing is written to the seq file: the
 * records go to the event ring buffer like any other.
 *
 * Not auto-attached (the map is given at attach time) and loaded only when
 * updates are enabled.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "lib/sock.bpf.h"

/* Only connections at least this old get an update (set by user space to
 * the interval: younger ones were reported by their connect/accept). */
const volatile __u64 vg_flow_update_ns = 0;

SEC("iter/bpf_map_elem")
int vg_net_flow_iter(struct bpf_iter__bpf_map_elem *ctx)
{
	struct vg_flow_owner *o = ctx->value;
	__u64 *key = ctx->key;
	struct vg_flow f = {};
	struct sock *sk;
	__u64 now;
	int state;

	if (!key || !o)
		return 0;	/* the end of the walk */
	now = bpf_ktime_get_boot_ns();
	if (now - o->start_ns < vg_flow_update_ns)
		return 0;
	/* The socket is read without a reference: TCP sockets are
	 * SLAB_TYPESAFE_BY_RCU and the walk runs under RCU, so the memory is
	 * a TCP socket, if perhaps a newer one at the same address; the port
	 * pair tells (as at close). */
	sk = (struct sock *)*key;
	if (vg_sock_portpair(sk) != o->portpair)
		return 0;
	state = BPF_CORE_READ(sk, __sk_common.skc_state);
	switch (state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		break;
	default:
		return 0;	/* a handshake not done (its start is not), or closed */
	}

	f.hdr.type = VG_EV_FLOW;
	f.hdr.version = VG_FLOW_VERSION;
	f.hdr.size = sizeof(f);
	f.hdr.ts_ns = now;
	f.hdr.task = o->task;
	f.family = BPF_CORE_READ(sk, __sk_common.skc_family);
	f.protocol = VG_IPPROTO_TCP;
	f.close = VG_FLOW_OPEN;
	vg_sock_local(sk, f.family, f.saddr, &f.sport);
	vg_sock_remote(sk, f.family, f.daddr, &f.dport);
	f.flags = o->flags;
	f.start_ns = o->start_ns;
	f.duration_ns = now - o->start_ns;
	vg_flow_bytes(&f, sk, state, true, o->flags & VG_FLOW_INBOUND);
	vg_emit(&f, sizeof(f), VG_EV_FLOW);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
