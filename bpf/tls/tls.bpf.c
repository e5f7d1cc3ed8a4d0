// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * tls.bpf.c - the TLS preset: OpenSSL plaintext with process and socket
 * context (docs/tls.md).
 *
 * src/preset.c attaches vg_tls_entry and vg_tls_return to SSL_read,
 * SSL_read_ex, SSL_write and SSL_write_ex of each libssl, the attach cookie
 * saying which (enum vg_tls_func).  A read's plaintext exists only when the
 * function returns, so the entry program saves the arguments per thread and
 * the return program reads the buffer, sized by the return value (or by
 * *readbytes / *written for the _ex forms), and reports the call.
 *
 * The socket: libssl does its socket I/O from inside the call, on the same
 * thread, so while a thread is inside one of these functions the programs
 * below note the socket of any send or receive it makes: on the sock
 * tracepoints sock_send_length / sock_recv_length (v6.3+; they fire for
 * socket I/O only, so other processes' file and pipe I/O pays nothing), or,
 * on older kernels, the sys_enter tracepoints of read, write, send*, recv*
 * (every such syscall of every process passes a hash lookup).  src/sensor.c
 * loads one set or the other.  Calls that find the plaintext already
 * buffered make no syscall: each SSL * remembers the last socket seen under
 * it (vg_tls_socks).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "lib/sock.bpf.h"

#define VG_TLS_CALLS_MAX	10240	/* threads inside an SSL call at once */
#define VG_TLS_SOCKS_MAX	16384	/* connections (SSL *) remembered */

/* Bytes of plaintext captured per call (1..VG_TLS_DATA_LEN), --max-bytes. */
const volatile __u32 vg_tls_max_bytes = VG_TLS_DATA_DEFAULT;

struct tls_sock {
	__s32 fd;		/* -1: unknown */
	__u16 family;		/* 0: no socket seen */
	__u16 sport;
	__u16 dport;
	__u16 _pad[3];
	__u8 saddr[16];
	__u8 daddr[16];
};

/* A call in progress.  Key: pid_tgid.  Writer: vg_tls_entry (insert),
 * vg_tls_sys_* (sock).  Reader and deleter: vg_tls_return.  LRU: a thread
 * that dies inside a call (or a call that never returns, longjmp) leaves an
 * entry behind that ages out instead of filling the map. */
struct tls_call {
	__u64 ssl;
	__u64 buf;
	__u64 len_ptr;		/* _ex: size_t *readbytes / *written */
	__u64 start_ns;
	__u64 sk;		/* struct sock * of sock, 0: none yet */
	__u32 func;		/* enum vg_tls_func */
	__u32 _pad;
	struct tls_sock sock;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VG_TLS_CALLS_MAX);
	__type(key, __u64);
	__type(value, struct tls_call);
} vg_tls_calls SEC(".maps");

/* The socket last seen under an SSL *.  Writer and reader: vg_tls_return. */
struct tls_sock_key {
	__u64 ssl;
	__u32 tgid;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VG_TLS_SOCKS_MAX);
	__type(key, struct tls_sock_key);
	__type(value, struct tls_sock);
} vg_tls_socks SEC(".maps");

/* The record being built: larger than the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_tls);
} vg_tls_scratch SEC(".maps");

SEC("uprobe")
int vg_tls_entry(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 func = (__u32)bpf_get_attach_cookie(ctx);
	struct tls_call c = {};

	if (!vg_task_wanted(bpf_get_current_task_btf()))
		return 0;
	c.ssl = PT_REGS_PARM1(ctx);
	c.buf = PT_REGS_PARM2(ctx);
	if (func == VG_TLS_FN_READ_EX || func == VG_TLS_FN_WRITE_EX)
		c.len_ptr = PT_REGS_PARM4(ctx);
	c.func = func;
	c.start_ns = bpf_ktime_get_boot_ns();
	c.sock.fd = -1;
	if (bpf_map_update_elem(&vg_tls_calls, &id, &c, BPF_ANY))
		vg_count_loss(VG_LOSS_PENDING_FULL);
	return 0;
}

/* Note the socket sk (its fd: fd, or -1) of a thread inside an SSL call. */
static __always_inline void tls_note(struct tls_call *c, struct sock *sk, long fd)
{
	__builtin_memset(&c->sock, 0, sizeof(c->sock));
	c->sk = (__u64)sk;
	c->sock.family = BPF_CORE_READ(sk, __sk_common.skc_family);
	vg_sock_local(sk, c->sock.family, c->sock.saddr, &c->sock.sport);
	vg_sock_remote(sk, c->sock.family, c->sock.daddr, &c->sock.dport);
	c->sock.fd = (__s32)fd;
}

/* sock_send_length / sock_recv_length: a send or receive on sk by the
 * current task.  Its fd is the first argument of the syscall it is in
 * (read, write, send*, recv*), checked against the task's fd table. */
static __always_inline int tls_sock_io(struct sock *sk)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tls_call *c = bpf_map_lookup_elem(&vg_tls_calls, &id);
	struct task_struct *t;
	struct pt_regs *regs;
	long fd;

	if (!c || c->sk == (__u64)sk || !sk)
		return 0;
	t = bpf_get_current_task_btf();
	regs = (struct pt_regs *)bpf_task_pt_regs(t);
	fd = (long)(int)PT_REGS_PARM1_CORE_SYSCALL(regs);
	tls_note(c, sk, vg_fd_sock((int)fd) == sk ? fd : -1);
	return 0;
}

SEC("raw_tp/sock_send_length")
int vg_tls_sock_send(struct bpf_raw_tracepoint_args *ctx)
{
	return tls_sock_io((struct sock *)ctx->args[0]);
}

SEC("raw_tp/sock_recv_length")
int vg_tls_sock_recv(struct bpf_raw_tracepoint_args *ctx)
{
	return tls_sock_io((struct sock *)ctx->args[0]);
}

/* Before v6.3: a read/write/send/recv syscall on fd, inside an SSL call. */
static __always_inline int tls_fd_seen(long fd)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tls_call *c = bpf_map_lookup_elem(&vg_tls_calls, &id);
	struct sock *sk;

	if (!c || (c->sk && c->sock.fd == (__s32)fd))
		return 0;
	sk = vg_fd_sock((int)fd);
	if (sk)		/* else not a socket (a BIO on a pipe or file) */
		tls_note(c, sk, fd);
	return 0;
}

/* The syscalls OpenSSL's socket BIO uses (read/write), kTLS and datagram
 * BIOs (sendmsg/recvmsg, sendto/recvfrom), and vectored custom BIOs. */
SEC("tracepoint/syscalls/sys_enter_read")
int vg_tls_sys_read(struct trace_event_raw_sys_enter *ctx)
{
	return tls_fd_seen(ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_write")
int vg_tls_sys_write(struct trace_event_raw_sys_enter *ctx)
{
	return tls_fd_seen(ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_readv")
int vg_tls_sys_readv(struct trace_event_raw_sys_enter *ctx)
{
	return tls_fd_seen(ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_writev")
int vg_tls_sys_writev(struct trace_event_raw_sys_enter *ctx)
{
	return tls_fd_seen(ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_recvfrom")
int vg_tls_sys_recvfrom(struct trace_event_raw_sys_enter *ctx)
{
	return tls_fd_seen(ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int vg_tls_sys_sendto(struct trace_event_raw_sys_enter *ctx)
{
	return tls_fd_seen(ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_recvmsg")
int vg_tls_sys_recvmsg(struct trace_event_raw_sys_enter *ctx)
{
	return tls_fd_seen(ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int vg_tls_sys_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	return tls_fd_seen(ctx->args[0]);
}

/* Plaintext bytes the call moved: SSL_read/SSL_write return them, the _ex
 * forms return 1 and store them through their last argument. */
static __always_inline __u64 tls_moved(const struct tls_call *c, long ret)
{
	__u64 n = 0;

	if (c->func == VG_TLS_FN_READ || c->func == VG_TLS_FN_WRITE)
		return ret > 0 ? (__u64)ret : 0;
	if (ret != 1 || !c->len_ptr || bpf_probe_read_user(&n, sizeof(n), (const void *)c->len_ptr))
		return 0;
	return n;
}

SEC("uretprobe")
int vg_tls_return(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tls_call *cp = bpf_map_lookup_elem(&vg_tls_calls, &id);
	struct tls_sock_key key = {};
	long ret = (long)(int)PT_REGS_RC(ctx);
	struct tls_sock *cached;
	struct tls_call c;
	struct vg_tls *e;
	__u32 zero = 0, n;
	__u64 len;

	if (!cp)
		return 0;
	c = *cp;
	bpf_map_delete_elem(&vg_tls_calls, &id);
	key.ssl = c.ssl;
	key.tgid = (__u32)(id >> 32);
	/* remember the socket even for a call that moved nothing: the next
	 * one may find its plaintext buffered and make no syscall */
	if (c.sk)
		bpf_map_update_elem(&vg_tls_socks, &key, &c.sock, BPF_ANY);
	len = tls_moved(&c, ret);
	if (!len)
		return 0;
	e = bpf_map_lookup_elem(&vg_tls_scratch, &zero);
	if (!e) {
		vg_count_loss(VG_LOSS_SCRATCH);
		return 0;
	}
	e->hdr.type = VG_EV_TLS;
	e->hdr.version = VG_TLS_VERSION;
	e->hdr.ts_ns = bpf_ktime_get_boot_ns();
	vg_task_fill(&e->hdr.task, bpf_get_current_task_btf());
	e->ssl = c.ssl;
	e->duration_ns = e->hdr.ts_ns - c.start_ns;
	e->ret = (__s32)ret;
	e->len = len > 0xffffffffULL ? 0xffffffffU : (__u32)len;
	e->op = c.func == VG_TLS_FN_READ || c.func == VG_TLS_FN_READ_EX ? VG_TLS_READ :
								      VG_TLS_WRITE;
	e->func = (__u8)c.func;
	e->flags = 0;
	if (!c.sk) {
		cached = bpf_map_lookup_elem(&vg_tls_socks, &key);
		if (cached) {
			c.sock = *cached;
			e->flags |= VG_TLS_SOCK_CACHED;
		}
	}
	e->fd = c.sock.fd;
	e->family = c.sock.family;
	e->sport = c.sock.sport;
	e->dport = c.sock.dport;
	__builtin_memset(e->_pad, 0, sizeof(e->_pad));
	__builtin_memcpy(e->saddr, c.sock.saddr, 16);
	__builtin_memcpy(e->daddr, c.sock.daddr, 16);

	n = vg_tls_max_bytes;
	if (len < n)
		n = (__u32)len;
	if (n > VG_TLS_DATA_LEN)
		n = VG_TLS_DATA_LEN;
	barrier_var(n);
	if (n && n <= VG_TLS_DATA_LEN && bpf_probe_read_user(e->data, n, (const void *)c.buf)) {
		e->flags |= VG_TLS_DATA_UNREADABLE;
		n = 0;
	}
	if (len > n)
		e->flags |= VG_TLS_TRUNCATED;
	e->data_len = n;
	n &= 2 * VG_TLS_DATA_LEN - 1;
	if (n > VG_TLS_DATA_LEN)
		n = VG_TLS_DATA_LEN;
	e->hdr.size = VG_TLS_FIXED_SIZE + n;
	vg_emit(e, VG_TLS_FIXED_SIZE + n, VG_EV_TLS);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
