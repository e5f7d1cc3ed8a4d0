// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * sock.bpf.c - net sensor: connect, accept, accept4, bind, listen, at
 * syscall exit (so each carries its result), for inet, inet6 and unix
 * sockets.
 *
 * The address the caller named (connect: the remote end, bind: the local
 * one) comes from its sockaddr in user memory, so a failed call is reported
 * with it too; everything else from the kernel's struct sock (for accept:
 * the new socket).  A successful (or in-progress) TCP connect and a TCP
 * accept also record the connection's owner for its flow (flow.bpf.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "lib/sock.bpf.h"

/*
 * connect(fd, addr, len) and bind(fd, addr, len): start the record with the
 * socket's kind and the address the caller passed (the remote end for
 * connect, the local one for bind).  NULL when not reported.
 */
static __always_inline struct vg_net *sockaddr_op_begin(struct trace_event_raw_sys_exit *ctx,
						       __u16 op, bool remote,
						       struct vg_sys_args *args, struct sock **skp)
{
	struct vg_net *n;
	struct sock *sk;
	__u16 family;

	vg_sys_args_read(args, ctx);
	n = vg_net_begin(op, args);
	if (!n)
		return NULL;
	n->fd = (int)args->a[0];
	sk = vg_fd_sock(n->fd);
	if (sk)
		vg_net_sock_kind(n, sk);
	family = vg_net_user_sockaddr(n, (const void *)args->a[1], (__u32)args->a[2], remote);
	if (!sk)
		n->family = family;
	*skp = sk;
	return n;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int vg_net_connect(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sys_args args;
	struct vg_net *n;
	struct sock *sk;

	n = sockaddr_op_begin(ctx, VG_NET_CONNECT, true, &args, &sk);
	if (!n)
		return 0;
	if (sk && (args.ret == 0 || args.ret == -VG_EINPROGRESS)) {
		vg_sock_local(sk, n->family, n->saddr, &n->sport);
		vg_flow_track(sk, n, 0);
	}
	vg_net_emit(n);
	return 0;
}

static __always_inline int handle_accept(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sys_args args;
	struct vg_net *n;
	struct sock *sk;

	vg_sys_args_read(&args, ctx);
	n = vg_net_begin(VG_NET_ACCEPT, &args);
	if (!n)
		return 0;
	/* the new socket; on failure, the listening one */
	n->fd = args.ret >= 0 ? (int)args.ret : -1;
	sk = vg_fd_sock(args.ret >= 0 ? (int)args.ret : (int)args.a[0]);
	if (sk) {
		vg_net_sock_kind(n, sk);
		vg_sock_local(sk, n->family, n->saddr, &n->sport);
		if (args.ret >= 0) {
			vg_sock_remote(sk, n->family, n->daddr, &n->dport);
			vg_flow_track(sk, n, VG_FLOW_INBOUND);
		}
		if (n->family == VG_AF_UNIX)
			vg_sock_unix_path(n, sk);
	}
	vg_net_emit(n);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int vg_net_accept(struct trace_event_raw_sys_exit *ctx)
{
	return handle_accept(ctx);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int vg_net_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return handle_accept(ctx);
}

SEC("tracepoint/syscalls/sys_exit_bind")
int vg_net_bind(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sys_args args;
	struct vg_net *n;
	struct sock *sk;

	n = sockaddr_op_begin(ctx, VG_NET_BIND, false, &args, &sk);
	if (!n)
		return 0;
	/* what the kernel bound (port 0 asks it to choose) */
	if (sk && args.ret == 0)
		vg_sock_local(sk, n->family, n->saddr, &n->sport);
	vg_net_emit(n);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_listen")
int vg_net_listen(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sys_args args;
	struct vg_net *n;
	struct sock *sk;

	vg_sys_args_read(&args, ctx);
	n = vg_net_begin(VG_NET_LISTEN, &args);
	if (!n)
		return 0;
	n->fd = (int)args.a[0];
	n->backlog = (__u32)args.a[1];
	sk = vg_fd_sock(n->fd);
	if (sk) {
		vg_net_sock_kind(n, sk);
		vg_sock_local(sk, n->family, n->saddr, &n->sport);
		if (n->family == VG_AF_UNIX)
			vg_sock_unix_path(n, sk);
	}
	vg_net_emit(n);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
