/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * sock.bpf.h - building and sending struct vg_net records, and the socket
 * facts the net sensor reads: fd -> struct sock, its local and remote
 * addresses, a user sockaddr, and the flow owner map (vg_net_flows).
 *
 * Like the file sensor, every syscall program runs at exit and reads the
 * arguments from the task's saved user registers (lib/file.bpf.h).
 */
#ifndef VIGIL_SOCK_BPF_H
#define VIGIL_SOCK_BPF_H

#include "file.bpf.h"

#define VG_AF_UNIX	1
#define VG_AF_INET	2
#define VG_AF_INET6	10
#define VG_IPPROTO_TCP	6
#define VG_S_IFSOCK	0140000
#define VG_EINPROGRESS	115

/* The socket behind fd in the current task, or NULL (no such fd, or not a
 * socket: a socket file's inode is S_IFSOCK and its private_data is the
 * struct socket). */
static __always_inline struct sock *vg_fd_sock(int fd)
{
	struct file *file = vg_fd_file(bpf_get_current_task_btf(), fd);
	struct socket *sock;
	umode_t mode;

	if (!file)
		return NULL;
	mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & VG_S_IFMT) != VG_S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	return BPF_CORE_READ(sock, sk);
}

/* Family, protocol and type of sk. */
static __always_inline void vg_net_sock_kind(struct vg_net *n, struct sock *sk)
{
	n->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	n->protocol = BPF_CORE_READ(sk, sk_protocol);
	n->sock_type = BPF_CORE_READ(sk, sk_type);
}

/* Local end of an inet socket: bound address (skc_rcv_saddr) and port. */
static __always_inline void vg_sock_local(struct sock *sk, __u16 family, __u8 addr[16], __u16 *port)
{
	if (family == VG_AF_INET) {
		__u32 a = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);

		__builtin_memcpy(addr, &a, 4);
	} else if (family == VG_AF_INET6) {
		bpf_core_read(addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
	} else {
		return;
	}
	*port = BPF_CORE_READ(sk, __sk_common.skc_num);
}

/* Remote end of an inet socket (the peer; zero when unconnected). */
static __always_inline void vg_sock_remote(struct sock *sk, __u16 family, __u8 addr[16],
					   __u16 *port)
{
	if (family == VG_AF_INET) {
		__u32 a = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memcpy(addr, &a, 4);
	} else if (family == VG_AF_INET6) {
		bpf_core_read(addr, 16, &sk->__sk_common.skc_v6_daddr);
	} else {
		return;
	}
	*port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
}

/* A length for unix_path: at most VG_UNIX_PATH_LEN - 1, checked on the very
 * register the caller passes on (clang otherwise tests a copy). */
static __always_inline __u64 vg_unix_len_clamp(__u64 sz)
{
	if (sz > VG_UNIX_PATH_LEN - 1)
		sz = VG_UNIX_PATH_LEN - 1;
	barrier_var(sz);
	return sz;
}

/* A unix socket's bound name (for accept: the listener's, which the new
 * socket shares), into n->unix_path. */
static __always_inline void vg_sock_unix_path(struct vg_net *n, struct sock *sk)
{
	struct unix_address *ua = BPF_CORE_READ((struct unix_sock *)sk, addr);
	const char *name;
	char c0 = 0;
	__u64 sz;
	long r;

	if (!ua)
		return;
	sz = (__u64)(__u32)BPF_CORE_READ(ua, len);	/* sizeof(sa_family_t) + name */
	name = (const char *)ua->name[0].sun_path;
	if (sz <= 2)
		return;
	sz -= 2;
	bpf_probe_read_kernel(&c0, 1, name);
	if (c0 == '\0') {
		/* abstract: the name is the bytes after the leading NUL */
		sz = vg_unix_len_clamp(sz - 1);
		if (sz && sz < VG_UNIX_PATH_LEN && !bpf_probe_read_kernel(n->unix_path, sz, name + 1)) {
			n->flags |= VG_NET_UNIX_ABSTRACT;
			n->unix_path_len = sz;
		}
		return;
	}
	sz = vg_unix_len_clamp(sz + 1);
	if (sz && sz < VG_UNIX_PATH_LEN) {
		r = bpf_probe_read_kernel_str(n->unix_path, sz, name);
		n->unix_path_len = r > 0 ? r - 1 : 0;
	}
}

/*
 * The user's sockaddr (addr, len) into the remote (remote = true, connect)
 * or local (bind) end of n.  Returns the address family, 0 if unreadable.
 */
static __always_inline __u16 vg_net_user_sockaddr(struct vg_net *n, const void *uaddr, __u32 len,
						  bool remote)
{
	__u16 family = 0;
	__u8 *addr = remote ? n->daddr : n->saddr;
	__u16 *port = remote ? &n->dport : &n->sport;

	if (!uaddr || len < 2 || bpf_probe_read_user(&family, sizeof(family), uaddr))
		return 0;
	if (family == VG_AF_INET && len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in sin = {};

		bpf_probe_read_user(&sin, sizeof(sin), uaddr);
		__builtin_memcpy(addr, &sin.sin_addr.s_addr, 4);
		*port = bpf_ntohs(sin.sin_port);
	} else if (family == VG_AF_INET6 && len >= 24 /* SIN6_LEN_RFC2133 */) {
		struct sockaddr_in6 sin6 = {};

		bpf_probe_read_user(&sin6, 24, uaddr);
		__builtin_memcpy(addr, sin6.sin6_addr.in6_u.u6_addr8, 16);
		*port = bpf_ntohs(sin6.sin6_port);
	} else if (family == VG_AF_UNIX && len > 2) {
		const char *path = (const char *)uaddr + 2;
		__u64 sz = (__u64)len - 2;
		char c0 = 0;
		long r;

		bpf_probe_read_user(&c0, 1, path);
		if (c0 == '\0') {
			/* abstract: every byte after the NUL, up to len, is the name */
			n->flags |= VG_NET_UNIX_ABSTRACT;
			sz = vg_unix_len_clamp(sz - 1);
			if (sz && sz < VG_UNIX_PATH_LEN && !bpf_probe_read_user(n->unix_path, sz, path + 1))
				n->unix_path_len = sz;
		} else {
			sz = vg_unix_len_clamp(sz + 1);
			if (sz && sz < VG_UNIX_PATH_LEN) {
				r = bpf_probe_read_user_str(n->unix_path, sz, path);
				n->unix_path_len = r > 0 ? r - 1 : 0;
			}
		}
	}
	return family;
}

/* Start a record in the scratch space; NULL when this task is not reported. */
static __always_inline struct vg_net *vg_net_begin(__u16 op, const struct vg_sys_args *args)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vg_net *n;
	__u32 zero = 0;

	if (!vg_task_wanted(task))
		return NULL;
	n = bpf_map_lookup_elem(&vg_net_scratch, &zero);
	if (!n) {
		vg_count_loss(VG_LOSS_SCRATCH);
		return NULL;
	}
	__builtin_memset(n, 0, sizeof(*n));
	n->hdr.type = VG_EV_NET;
	n->hdr.version = VG_NET_VERSION;
	n->hdr.size = sizeof(*n);
	n->hdr.ts_ns = bpf_ktime_get_boot_ns();
	vg_task_fill(&n->hdr.task, task);
	n->syscall = args->nr;
	n->op = op;
	n->result = args->ret;
	n->fd = -1;
	return n;
}

static __always_inline void vg_net_emit(struct vg_net *n)
{
	vg_emit(n, sizeof(*n), VG_EV_NET);
}

/* Local port in host order from inet_sport, which, unlike skc_num, the
 * kernel does not clear when it releases the port at TCP_CLOSE. */
static __always_inline __u16 vg_sock_sport(struct sock *sk)
{
	return bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
}

/* Both ports, as they stay until the socket is freed. */
static __always_inline __u32 vg_sock_portpair(struct sock *sk)
{
	return (__u32)BPF_CORE_READ(sk, __sk_common.skc_dport) |
	       (__u32)BPF_CORE_READ((struct inet_sock *)sk, inet_sport) << 16;
}

/* Remember who owns a TCP connection, for its flow record at close. */
static __always_inline void vg_flow_track(struct sock *sk, const struct vg_net *n, __u32 flags)
{
	struct vg_flow_owner o = {};
	__u64 key = (__u64)sk;

	if (n->protocol != VG_IPPROTO_TCP ||
	    (n->family != VG_AF_INET && n->family != VG_AF_INET6))
		return;
	/* already closed (a peer's reset raced the syscall's return) */
	if (BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_CLOSE)
		return;
	o.task = n->hdr.task;
	o.start_ns = n->hdr.ts_ns;
	o.flags = flags;
	o.portpair = vg_sock_portpair(sk);
	if (bpf_map_update_elem(&vg_net_flows, &key, &o, BPF_ANY))
		vg_count_loss(VG_LOSS_FLOW_TRACK);
}

/*
 * Payload bytes each way.  bytes_acked and bytes_received count sequence
 * space: an active open's SYN (acked by the peer) is in bytes_acked, our FIN
 * once acked is in bytes_acked, the peer's FIN once received is in
 * bytes_received.  Take them out so the totals are what the applications
 * wrote and read.  oldstate: the state the socket is leaving at close
 * (flow.bpf.c), or the one it is in for a periodic update (flow_update.bpf.c):
 * either way our FIN counts only from FIN_WAIT1 on, once acknowledged.
 */
static __always_inline void vg_flow_bytes(struct vg_flow *f, struct sock *sk, int oldstate,
					  bool known, bool inbound)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	__u64 acked = BPF_CORE_READ(tp, bytes_acked);
	__u64 rcvd = BPF_CORE_READ(tp, bytes_received);
	unsigned long flags = BPF_CORE_READ(sk, __sk_common.skc_flags);
	__u64 syn = 0, fin = 0;

	if ((oldstate == TCP_FIN_WAIT1 || oldstate == TCP_FIN_WAIT2 || oldstate == TCP_CLOSING ||
	     oldstate == TCP_LAST_ACK) &&
	    BPF_CORE_READ(tp, snd_una) == BPF_CORE_READ(tp, write_seq))
		fin = 1;
	if (known) {
		syn = !inbound;
	} else if (bpf_core_field_exists(tp->bytes_sent)) {
		/* direction unknown: data acked never exceeds data sent, so
		 * an excess is the SYN */
		syn = acked - fin > BPF_CORE_READ(tp, bytes_sent);
	}
	if (acked >= syn + fin)
		acked -= syn + fin;
	f->bytes_sent = acked;
	if (rcvd && (flags & (1UL << bpf_core_enum_value(enum sock_flags, SOCK_DONE))))
		rcvd--;		/* tcp_fin() set SOCK_DONE */
	f->bytes_received = rcvd;
	f->packets_sent = BPF_CORE_READ(tp, segs_out);
	f->packets_received = BPF_CORE_READ(tp, segs_in);
}

#endif /* VIGIL_SOCK_BPF_H */
