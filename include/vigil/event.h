/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * vigil/event.h - the kernel/user event ABI, defined once.
 *
 * Included by the BPF programs (after vmlinux.h) and by user space (which
 * gets the __uN types from <linux/types.h>).  Every record in the ring buffer starts
 * with struct vg_event_hdr; the decoder in src/event.c checks `size` against
 * the type's minimum before it looks at anything else.
 *
 * Schema rule (Falco's): an existing event may only gain fields at its end
 * and bump its version; anything else is a new event type.
 */
#ifndef VIGIL_EVENT_H
#define VIGIL_EVENT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VG_COMM_LEN	16
#define VG_EXE_LEN	1024	/* resolved executable path */
#define VG_CGROUP_LEN	512	/* cgroup v2 path, root-relative */
#define VG_ARGS_LEN	8192	/* argv block as the kernel holds it (NUL-separated) */
#define VG_ARGS_MAX	256	/* user space splits at most this many args */

enum vg_event_type {
	VG_EV_EXEC = 1,
	VG_EV_FORK = 2,
	VG_EV_EXIT = 3,
	VG_EV_FILE = 4,
	VG_EV_PRIV = 5,
	VG_EV_NET = 6,
	VG_EV_FLOW = 7,
	VG_EV_SYSCALL = 8,
	VG_EV_ANOMALY = 9,
	VG_EV_OOM = 10,		/* the OOM killer chose a victim */
	VG_EV_BLOCK = 11,	/* a block I/O slower than the threshold completed */
	VG_EV_SCHED = 12,	/* user space: a process's CPU and run-queue summary (src/sched_sampler.h) */
	VG_EV_UPROBE = 13,	/* a probed user-space function was entered or returned */
	VG_EV_BPF = 14,		/* a bpf(2) control command (load, create, attach, pin) returned */
	VG_EV_TLS = 15,		/* TLS plaintext read or written through OpenSSL (bpf/tls/) */
	VG_EV_SHELL = 16,	/* a command line an interactive bash read (bpf/shell/) */
	VG_EV_GPU = 17,		/* user space: a process's CUDA driver calls in an interval (src/gpu.h) */
	VG_EV_TYPE_MAX,
};

/* Current version of each event type's layout. */
#define VG_EXEC_VERSION	1
#define VG_FORK_VERSION	1
#define VG_EXIT_VERSION	1
#define VG_FILE_VERSION	1
#define VG_PRIV_VERSION	1
#define VG_NET_VERSION	1
#define VG_FLOW_VERSION	1
#define VG_SYSCALL_VERSION	1
#define VG_ANOMALY_VERSION	1
#define VG_OOM_VERSION	1
#define VG_BLOCK_VERSION	1
#define VG_SCHED_VERSION	1
#define VG_UPROBE_VERSION	1
#define VG_BPF_VERSION	1
#define VG_GPU_VERSION	1
#define VG_TLS_VERSION	1
#define VG_SHELL_VERSION	1

/*
 * Why an event, or part of one, did not reach user space.  Counted per CPU
 * in the kernel (map vg_loss), summed and reported by user space.
 */
enum vg_loss_reason {
	VG_LOSS_RINGBUF_FULL = 0,	/* bpf_ringbuf_output/reserve failed */
	VG_LOSS_SCRATCH,		/* per-CPU scratch lookup failed */
	VG_LOSS_ARGS_READ,		/* argv could not be read (event sent without) */
	VG_LOSS_EXE_READ,		/* exe path walk failed (event sent without) */
	VG_LOSS_CGROUP_READ,		/* cgroup path walk failed (event sent without) */
	VG_LOSS_PENDING_FULL,		/* enter/exit pairing map full: event dropped */
	VG_LOSS_PATH_READ,		/* file path could not be read (event sent without) */
	VG_LOSS_FLOW_TRACK,		/* flow owner map update failed: the flow's owner is unknown */
	VG_LOSS_PROFILE_FULL,		/* learning: a new syscall sequence did not fit the map */
	VG_LOSS_MAX,
};

/* Flags in vg_exec.flags */
enum vg_exec_flags {
	VG_EXEC_ARGS_TRUNCATED = 1 << 0,	/* argv longer than VG_ARGS_LEN */
	VG_EXEC_EXE_TRUNCATED = 1 << 1,		/* exe path deeper/longer than we walk */
	VG_EXEC_CGROUP_TRUNCATED = 1 << 2,	/* cgroup path deeper/longer than we walk */
	VG_EXEC_POLICY_KILLED = 1 << 3,		/* a policy's in-kernel kill was sent (policy_rule) */
};

/*
 * Who did it: filled from `current` (or, for fork, the child) in the kernel.
 * Credentials are the task's real/effective ids in the initial user ns.
 * loginuid is (u32)-1 when unset.
 */
struct vg_task_ctx {
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 ppid;		/* real parent's tgid */
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 loginuid;
	__u64 cgroup_id;	/* cgroup v2 (default hierarchy) id */
	__u64 start_ns;		/* task start, ns since boot (identifies a pid's incarnation) */
	__u32 pid_ns;		/* namespace inode numbers */
	__u32 mnt_ns;
	__u32 net_ns;
	char comm[VG_COMM_LEN];
	__u32 _pad;
};

/* Common header of every ring-buffer record. */
struct vg_event_hdr {
	__u16 type;		/* enum vg_event_type */
	__u16 version;
	__u32 size;		/* bytes of the whole record, header included */
	__u64 ts_ns;		/* bpf_ktime_get_boot_ns(); user space adds the realtime offset */
	struct vg_task_ctx task;
};

/*
 * exec: sent from sched_process_exec, after the new image is in place.
 * Variable size: the record ends `args_len` bytes into `args`.
 */
struct vg_exec {
	struct vg_event_hdr hdr;
	__u32 flags;		/* enum vg_exec_flags */
	__u32 old_tid;		/* tid before exec (a non-leader thread may exec) */
	__u16 exe_len;		/* bytes in exe, without NUL */
	__u16 cgroup_len;	/* bytes in cgroup, without NUL */
	__u32 args_len;		/* bytes in args, trailing NUL included */
	__u32 args_total;	/* full size of the argv block in the process */
	__u32 policy_rule;	/* VG_EXEC_POLICY_KILLED: the kernel rule id (include/vigil/policy.h) */
	char exe[VG_EXE_LEN];
	char cgroup[VG_CGROUP_LEN];
	char args[VG_ARGS_LEN];
};

/* fork: a new process (threads are not reported); task = the child. */
struct vg_fork {
	struct vg_event_hdr hdr;
	__u32 parent_pid;	/* the forking process (tgid) */
	__u32 parent_tid;
	__u32 clone_flags_lo;	/* reserved: 0 until a clone sensor fills it */
	__u32 _pad;
};

/* exit: the last thread of a process exited. */
struct vg_exit {
	struct vg_event_hdr hdr;
	__s32 exit_code;	/* WEXITSTATUS if exited normally, else -1 */
	__u32 signal;		/* terminating signal, 0 if none */
	__u32 core_dumped;
	__u32 _pad;
	__u64 lifetime_ns;
};

/* ---- file ------------------------------------------------------------- */

enum vg_file_op {
	VG_FILE_OPEN = 1,	/* open, openat, openat2, creat */
	VG_FILE_WRITE,		/* write, pwrite64, writev, pwritev(2) on a watched file */
	VG_FILE_TRUNCATE,	/* truncate, ftruncate */
	VG_FILE_UNLINK,		/* unlink, unlinkat */
	VG_FILE_RMDIR,		/* rmdir, unlinkat(AT_REMOVEDIR) */
	VG_FILE_MKDIR,		/* mkdir, mkdirat */
	VG_FILE_RENAME,		/* rename, renameat, renameat2: path -> new_path */
	VG_FILE_LINK,		/* link, linkat: path (existing) -> new_path (new name) */
	VG_FILE_SYMLINK,	/* symlink, symlinkat: path (new link) -> new_path (target text) */
	VG_FILE_CHMOD,		/* chmod, fchmod, fchmodat, fchmodat2 */
	VG_FILE_CHOWN,		/* chown, fchown, lchown, fchownat */
	VG_FILE_OP_MAX,
};

/* How the event matched the watch list (vg_file.match). */
enum vg_file_match {
	VG_MATCH_EXACT = 1 << 0,	/* an exact watched path */
	VG_MATCH_PREFIX = 1 << 1,	/* under a watched directory */
	VG_MATCH_ALL = 1 << 2,		/* --all: no watch list */
	VG_MATCH_UNNORMALIZED = 1 << 3,	/* path has "." or ".." components: user space decides */
	VG_MATCH_NEW_PATH = 1 << 4,	/* matched on new_path (rename/link destination) */
};

enum vg_file_flags {
	VG_FILE_PATH_TRUNCATED = 1 << 0,
	VG_FILE_NEW_PATH_TRUNCATED = 1 << 1,
	VG_FILE_PATH_CANONICAL = 1 << 2,	/* path from the kernel's dentries (symlinks resolved) */
	VG_FILE_WRITE_INTENT = 1 << 3,		/* open for writing, or O_TRUNC */
	VG_FILE_POLICY_KILLED = 1 << 4,		/* a policy's in-kernel kill was sent */
};

#define VG_FILE_PATH_LEN 1024	/* each of path and new_path, NUL included */

/*
 * file: a file-system operation on a watched path (or any, with --all),
 * sent at syscall exit so it carries the result.  Variable size: the record
 * ends after path's NUL, or after new_path's NUL when new_path_len > 0.
 */
struct vg_file {
	struct vg_event_hdr hdr;
	__u32 syscall;		/* syscall number */
	__u16 op;		/* enum vg_file_op */
	__u16 match;		/* enum vg_file_match */
	__s64 result;		/* return value, or -errno */
	__u32 flags;		/* open flags, AT_* flags, RENAME_* flags */
	__u32 mode;		/* open/creat/mkdir/chmod mode */
	__u32 uid;		/* chown: requested owner ((u32)-1: unchanged) */
	__u32 gid;
	__s32 fd;		/* fd-based ops, writes, the fd an open returned; -1 otherwise */
	__u32 file_flags;	/* enum vg_file_flags */
	__u64 ino;		/* target inode, when known (0 otherwise) */
	__u32 dev;		/* target device (kernel encoding: major << 20 | minor) */
	__u32 i_mode;		/* target's type and permission bits, when known */
	__u64 count;		/* write: bytes requested; truncate: new length */
	__s64 offset;		/* pwrite*: position; -1 otherwise */
	__u16 path_len;		/* bytes in path, without NUL */
	__u16 new_path_len;	/* bytes in new_path, without NUL; 0: none */
	__u32 policy_rule;	/* VG_FILE_POLICY_KILLED: the kernel rule id */
	char path[VG_FILE_PATH_LEN];
	char new_path[VG_FILE_PATH_LEN];
};

/* ---- priv ------------------------------------------------------------- */

enum vg_priv_op {
	VG_PRIV_SETUID = 1,
	VG_PRIV_SETGID,
	VG_PRIV_SETREUID,
	VG_PRIV_SETREGID,
	VG_PRIV_SETRESUID,
	VG_PRIV_SETRESGID,
	VG_PRIV_SETFSUID,
	VG_PRIV_SETFSGID,
	VG_PRIV_CAPSET,
	VG_PRIV_EXEC,		/* exec changed credentials (set-user/group-ID binary, file caps) */
	VG_PRIV_OTHER,		/* credentials changed across another syscall */
	VG_PRIV_OP_MAX,
};

struct vg_creds {
	__u32 uid, gid, euid, egid, suid, sgid, fsuid, fsgid;
	__u64 cap_effective;
	__u64 cap_permitted;
	__u64 cap_inheritable;
};

/*
 * priv: a credential-changing syscall (sent at exit, with the result and
 * the credentials before and after), or an exec / other syscall that
 * changed credentials.
 */
struct vg_priv {
	struct vg_event_hdr hdr;
	__u32 syscall;		/* syscall number (execve/execveat for VG_PRIV_EXEC) */
	__u16 op;		/* enum vg_priv_op */
	__u16 _pad;
	__s64 result;		/* return value, or -errno */
	__u64 args[3];		/* the ids requested, as passed */
	struct vg_creds old;
	struct vg_creds new;
};

/* ---- net ------------------------------------------------------------- */

enum vg_net_op {
	VG_NET_CONNECT = 1,	/* connect(2), or a cgroup connect hook's denial */
	VG_NET_ACCEPT,		/* accept, accept4 */
	VG_NET_BIND,		/* bind(2), or a cgroup bind hook's denial */
	VG_NET_LISTEN,		/* listen(2) */
	VG_NET_SENDMSG,		/* a cgroup sendmsg hook's denial (unconnected UDP) */
	VG_NET_OP_MAX,
};

enum vg_net_flags {
	VG_NET_DENIED = 1 << 0,		/* refused by a connection-control rule (rule_id) */
	VG_NET_UNIX_ABSTRACT = 1 << 1,	/* unix_path is in the abstract namespace */
};

#define VG_UNIX_PATH_LEN 108

/*
 * net: a socket operation (from syscall exit tracepoints), or a connection
 * refused by a cgroup hook (flags & VG_NET_DENIED; result -EPERM).
 * Addresses: IPv4 in the first 4 bytes of saddr/daddr; ports in host order.
 * "s" is the local end, "d" the remote end (for accept: the peer).
 */
struct vg_net {
	struct vg_event_hdr hdr;
	__u32 syscall;		/* syscall number; 0 for a cgroup-hook denial */
	__u16 op;		/* enum vg_net_op */
	__u16 family;		/* AF_INET, AF_INET6, AF_UNIX */
	__s64 result;		/* return value, or -errno */
	__u16 protocol;		/* IPPROTO_TCP, IPPROTO_UDP, ... (0 if unknown) */
	__u16 sock_type;	/* SOCK_STREAM, SOCK_DGRAM, ... (0 if unknown) */
	__u16 sport;
	__u16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
	__s32 fd;		/* the socket (accept: the new one); -1 if none */
	__u32 flags;		/* enum vg_net_flags */
	__u32 rule_id;		/* the denying rule when VG_NET_DENIED */
	__u32 backlog;		/* listen */
	__u16 unix_path_len;
	__u16 _pad[3];
	char unix_path[VG_UNIX_PATH_LEN];
	__u32 _pad2;
};

enum vg_flow_close {
	VG_FLOW_OPEN = 0,	/* a periodic update: the connection is still open */
	VG_FLOW_CLOSE_FIN,	/* orderly close (FIN exchange) */
	VG_FLOW_CLOSE_RESET,	/* reset or abort */
	VG_FLOW_CLOSE_OTHER,
};

enum vg_flow_flags {
	VG_FLOW_INBOUND = 1 << 0,	/* accepted (the local end listened) */
	VG_FLOW_OWNER_UNKNOWN = 1 << 1,	/* no connect/accept seen: task ctx is empty */
};

/*
 * flow: a TCP connection's totals, sent when it closes (and, if asked, as
 * periodic updates).  The header's task context is the process that
 * connected or accepted it, not whoever runs when the state changes.
 */
struct vg_flow {
	struct vg_event_hdr hdr;
	__u16 family;
	__u8 protocol;
	__u8 close;		/* enum vg_flow_close */
	__u16 sport;		/* local, host order */
	__u16 dport;		/* remote, host order */
	__u8 saddr[16];
	__u8 daddr[16];
	__u64 bytes_sent;	/* payload bytes acknowledged by the peer */
	__u64 bytes_received;	/* payload bytes received */
	__u64 packets_sent;	/* segments out */
	__u64 packets_received;	/* segments in */
	__u64 start_ns;		/* boot ns when established */
	__u64 duration_ns;
	__u32 flags;		/* enum vg_flow_flags */
	__u32 _pad;
};

/* ---- syscall (policy) ------------------------------------------------- */

enum vg_syscall_flags {
	VG_SYSCALL_POLICY_KILLED = 1 << 0,	/* the rule's in-kernel kill was sent */
};

/*
 * syscall: a syscall named by a loaded policy rule whose in-kernel argument
 * comparisons held (sent from that syscall's sys_enter tracepoint, so it
 * carries the arguments, not a result).
 */
struct vg_syscall {
	struct vg_event_hdr hdr;
	__u32 nr;		/* syscall number */
	__u32 flags;		/* enum vg_syscall_flags */
	__u32 policy_rule;	/* the kernel rule id whose comparisons held */
	__u32 _pad;
	__u64 args[6];
};

/* ---- anomaly (profiles) ------------------------------------------------ */

/*
 * anomaly: a profiled task's recent syscall windows were unseen in its
 * profile often enough (include/vigil/profile.h).  nrs is the window that
 * tipped the frame, oldest first; its last entry is the syscall being made.
 */
struct vg_anomaly {
	struct vg_event_hdr hdr;
	__u32 profile_id;
	__u32 misses;		/* unseen windows in the last VG_PROF_FRAME */
	__u32 window;		/* entries of nrs in use */
	__u32 suppressed;	/* anomalies of this task not sent since the previous one */
	__u64 syscalls;		/* syscalls of this task seen so far */
	__u16 nrs[8];		/* VG_NGRAM_MAX */
};

/* ---- scheduling and storage (include/vigil/sched.h has the aggregates) ---- */

#define VG_SCHED_HISTORY	60	/* intervals of CPU use a sched record carries */

/* oom: the OOM killer marked a victim; task = the victim. */
struct vg_oom {
	struct vg_event_hdr hdr;
	__u64 total_vm_kb;	/* the victim's address space */
	__u64 rss_kb;		/* resident: anon + file + shmem */
	__s32 oom_score_adj;
	__u32 _pad;
};

enum vg_block_op {
	VG_BLOCK_READ = 1,
	VG_BLOCK_WRITE,
	VG_BLOCK_FLUSH,
	VG_BLOCK_DISCARD,
	VG_BLOCK_OTHER,
};

/*
 * block: one block I/O request that took at least the slow threshold from
 * issue to completion.  task = the process it is attributed to (the one
 * that started it: pid, tid, comm, cgroup; other fields are zero); the
 * kernel completes I/O in interrupt context, not in that process.
 */
struct vg_block {
	struct vg_event_hdr hdr;
	__u32 dev;		/* major << 20 | minor */
	__u32 op;		/* enum vg_block_op */
	__u64 sector;
	__u32 bytes;
	__s32 error;		/* blk_status_t; 0: success */
	__u64 queue_ns;		/* start (accounted) to issue to the driver */
	__u64 latency_ns;	/* issue to completion */
	char disk[32];		/* "vda", "loop0" */
};

/*
 * sched: made by user space (src/sched_sampler.c) from the kernel's aggregates,
 * once per interval for each process that ran: its CPU use and how long
 * its threads waited in run queues.  task = the process (what the
 * aggregates hold: pid, comm, cgroup).
 */
struct vg_sched {
	struct vg_event_hdr hdr;
	__u64 interval_ns;
	__u64 cpu_ns;		/* CPU time in the interval */
	__u64 runq_count;	/* times a thread of it waited to run */
	__u64 runq_p50_ns, runq_p99_ns, runq_max_ns;	/* from log2 buckets: upper bounds */
	__u64 others_runq_p99_ns;	/* the other processes' waits in the interval */
	__u64 switches;		/* context switches (voluntary + involuntary) */
	__u64 involuntary;	/* of which preempted */
	__u32 history_len;	/* intervals in cpu_history */
	__u32 cpu_history[VG_SCHED_HISTORY];	/* CPU percent x100 per interval, newest first */
};

/* ---- uprobe (include/vigil/uprobe.h) ------------------------------------ */

#define VG_UPROBE_ARGS		6	/* = VG_UP_ARGS_MAX */
#define VG_UPROBE_DATA_LEN	64	/* = VG_UP_DATA_LEN */
#define VG_UPROBE_NAME_LEN	64	/* = VG_UP_NAME_LEN */

enum vg_uprobe_flags {
	VG_UPROBE_RETURN = 1 << 0,	/* from the uretprobe: ret is set, args are not */
	VG_UPROBE_GUARD = 1 << 1,	/* the probe's guard condition held */
	VG_UPROBE_KILLED = 1 << 2,	/* ... and SIGKILL was sent before the function ran */
};

/*
 * uprobe: arg_kind[i] says what args[i] / data[i] hold (enum vg_up_arg_kind);
 * data_len[i] bytes of data[i] are valid (a string without its NUL).
 */
struct vg_uprobe {
	struct vg_event_hdr hdr;
	__u32 probe_id;		/* the probe (vigil's attachment) */
	__u32 flags;		/* enum vg_uprobe_flags */
	__u32 rule_id;		/* VG_UPROBE_GUARD: the guard's rule id (0: none) */
	__u32 n_args;
	__s64 ret;		/* VG_UPROBE_RETURN: the return register */
	__u64 args[VG_UPROBE_ARGS];	/* register values, by argument index */
	__u8 arg_kind[VG_UPROBE_ARGS];
	__u8 arg_index[VG_UPROBE_ARGS];
	__u16 data_len[VG_UPROBE_ARGS];
	char data[VG_UPROBE_ARGS][VG_UPROBE_DATA_LEN];
	char symbol[VG_UPROBE_NAME_LEN];
	char rule[VG_UPROBE_NAME_LEN];	/* VG_UPROBE_GUARD: the guard's rule name */
};

/* ---- bpf: bpf(2) control commands (bpf/bpfwatch/, docs/bpfwatch.md) ---- */

/*
 * The kernel's enum bpf_cmd numbers (UAPI: they never change) of the
 * commands the bpf sensor reports: the ones that create, load, attach or
 * pin something.  Spelled out here because user space builds against older
 * UAPI headers (Debian 12's have no BPF_TOKEN_CREATE).
 */
enum vg_bpf_cmd {
	VG_BPF_MAP_CREATE = 0,
	VG_BPF_PROG_LOAD = 5,
	VG_BPF_OBJ_PIN = 6,
	VG_BPF_OBJ_GET = 7,
	VG_BPF_PROG_ATTACH = 8,
	VG_BPF_PROG_DETACH = 9,
	VG_BPF_RAW_TRACEPOINT_OPEN = 17,
	VG_BPF_BTF_LOAD = 18,
	VG_BPF_LINK_CREATE = 28,
	VG_BPF_LINK_UPDATE = 29,
	VG_BPF_ENABLE_STATS = 32,
	VG_BPF_LINK_DETACH = 34,
	VG_BPF_TOKEN_CREATE = 36,
};

/* 1 << cmd for every command above: what the sensor reports unless told
 * otherwise.  The per-operation commands (map lookups and updates,
 * *_GET_NEXT_ID, OBJ_GET_INFO_BY_FD, PROG_TEST_RUN, ...) are never reported. */
#define VG_BPF_CMDS_CONTROL						\
	((1ULL << VG_BPF_MAP_CREATE) | (1ULL << VG_BPF_PROG_LOAD) |	\
	 (1ULL << VG_BPF_OBJ_PIN) | (1ULL << VG_BPF_OBJ_GET) |		\
	 (1ULL << VG_BPF_PROG_ATTACH) | (1ULL << VG_BPF_PROG_DETACH) |	\
	 (1ULL << VG_BPF_RAW_TRACEPOINT_OPEN) | (1ULL << VG_BPF_BTF_LOAD) | \
	 (1ULL << VG_BPF_LINK_CREATE) | (1ULL << VG_BPF_LINK_UPDATE) |	\
	 (1ULL << VG_BPF_ENABLE_STATS) | (1ULL << VG_BPF_LINK_DETACH) |	\
	 (1ULL << VG_BPF_TOKEN_CREATE))

#define VG_BPF_NAME_LEN	16	/* = BPF_OBJ_NAME_LEN: 15 bytes and a NUL */
#define VG_BPF_PATH_LEN	256

enum vg_bpf_flags {
	VG_BPF_ATTR_FAULT = 1 << 0,	/* the attr could not be read: fields are zero */
	VG_BPF_PATH_FAULT = 1 << 1,	/* path could not be read (empty) */
	VG_BPF_PATH_TRUNCATED = 1 << 2,	/* path filled the buffer: it may be longer */
};

/*
 * bpf: one bpf(2) control command, sent when it returns.  What the caller
 * passed in its union bpf_attr, read at entry (at most attr_size bytes;
 * fields past it are zero, as the kernel reads them), and the result.
 * Which fields a command fills (the others are zero):
 *
 *   prog_load            prog_type, attach_type (expected_attach_type),
 *                        insn_cnt, attach_btf_id, obj_flags (prog_flags), name
 *   map_create           map_type, key_size, value_size, max_entries,
 *                        obj_flags (map_flags), name
 *   link_create          prog_fd, target_fd, attach_type, obj_flags,
 *                        attach_btf_id (target_btf_id)
 *   prog_attach/detach   target_fd, prog_fd (attach_bpf_fd), attach_type,
 *                        obj_flags (attach_flags)
 *   obj_pin              path, bpf_fd, obj_flags (file_flags)
 *   obj_get              path, obj_flags (file_flags)
 *   raw_tracepoint_open  path (the tracepoint's name), prog_fd
 *   btf_load             btf_size
 *   link_update          bpf_fd (link_fd), prog_fd (new_prog_fd), obj_flags
 *   link_detach          bpf_fd (link_fd)
 *   enable_stats         attach_type (the statistics type)
 *   token_create         target_fd (bpffs_fd), obj_flags
 */
struct vg_bpf {
	struct vg_event_hdr hdr;	/* ts_ns: when the call returned */
	__s64 result;		/* the return value: a new fd, 0, or -errno */
	__u64 duration_ns;	/* entry to return (for prog_load mostly the verifier) */
	__u32 cmd;		/* enum bpf_cmd (enum vg_bpf_cmd) */
	__u32 attr_size;	/* the size argument the caller passed */
	__u32 flags;		/* enum vg_bpf_flags */
	__u32 prog_type;	/* enum bpf_prog_type */
	__u32 map_type;		/* enum bpf_map_type */
	__u32 attach_type;	/* enum bpf_attach_type */
	__u32 insn_cnt;
	__u32 attach_btf_id;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u32 obj_flags;
	__s32 prog_fd;
	__s32 target_fd;
	__s32 bpf_fd;
	__u32 btf_size;
	char name[VG_BPF_NAME_LEN];	/* NUL-terminated */
	char path[VG_BPF_PATH_LEN];	/* NUL-terminated */
};

/* ---- gpu (include/vigil/gpu.h has the aggregates) ------------------------ */

#define VG_GPU_FNS	4	/* = VG_GPU_FN_MAX: cuLaunchKernel, cuMemAlloc_v2, cuMemFree_v2,
				 * cuCtxSynchronize, in that order */

enum vg_gpu_flags {
	VG_GPU_EXITED = 1 << 0,		/* the process exited: its last record */
};

/* One function's calls in the interval. */
struct vg_gpu_calls {
	__u64 calls;		/* returns */
	__u64 errors;		/* of which CUresult != 0 */
	__u64 latency_ns;	/* entry to return, summed over the timed calls */
	__u64 p50_ns, p99_ns, max_ns;	/* of the timed calls: upper bounds of log2
					 * microsecond buckets; 0: none timed */
};

/*
 * gpu: made by user space (src/gpu.c) from the kernel's aggregates, once per
 * interval for each process that called the CUDA driver API in it, and a
 * last one (VG_GPU_EXITED) when such a process exits.  task = the process
 * (pid, parent, uids, comm, cgroup as the kernel saw them at its first call).
 */
struct vg_gpu {
	struct vg_event_hdr hdr;
	__u64 interval_ns;	/* since the process's previous record (the first: since the
				 * process started, or since vigil attached if later) */
	struct vg_gpu_calls fn[VG_GPU_FNS];
	__u64 alloc_bytes;	/* cuMemAlloc_v2: bytes of the successful calls in the interval */
	__u64 alloc_failed_bytes;	/* ... bytes asked for by the failed ones */
	__s64 allocated_bytes;	/* now: tracked allocations not freed (since vigil attached) */
	__s64 allocations;	/* how many */
	__u32 flags;		/* enum vg_gpu_flags */
	__u32 _pad;
};


/* ---- tls (docs/tls.md) ------------------------------------------------ */

#define VG_TLS_DATA_LEN		4096	/* most plaintext bytes one event carries (power of two) */
#define VG_TLS_DATA_DEFAULT	256	/* bytes captured unless --max-bytes says */

enum vg_tls_op {
	VG_TLS_READ = 1,	/* plaintext the application received (SSL_read*) */
	VG_TLS_WRITE,		/* plaintext the application sent (SSL_write*) */
};

/* The probed function; also each attachment's BPF cookie. */
enum vg_tls_func {
	VG_TLS_FN_READ = 1,	/* int SSL_read(SSL *, void *buf, int num) */
	VG_TLS_FN_READ_EX,	/* int SSL_read_ex(SSL *, void *buf, size_t num, size_t *readbytes) */
	VG_TLS_FN_WRITE,	/* int SSL_write(SSL *, const void *buf, int num) */
	VG_TLS_FN_WRITE_EX,	/* int SSL_write_ex(SSL *, const void *buf, size_t num, size_t *written) */
	VG_TLS_FN_MAX,
};

enum vg_tls_flags {
	VG_TLS_TRUNCATED = 1 << 0,	/* len > data_len: only the first bytes are in data */
	VG_TLS_SOCK_CACHED = 1 << 1,	/* no socket I/O in this call (data already buffered):
					 * the socket last seen under this SSL * */
	VG_TLS_DATA_UNREADABLE = 1 << 2,	/* the buffer could not be read (data_len 0) */
};

/*
 * tls: one SSL_read/SSL_read_ex/SSL_write/SSL_write_ex call that moved
 * plaintext, sent at its return.  The socket is the one the calling thread
 * read or wrote during the call (fd -1, family 0 when none was seen and none
 * is cached for this SSL *).  Addresses as in vg_net: IPv4 in the first 4
 * bytes, ports in host order, "s" the local end.  Variable size: the record
 * ends after data_len bytes of data.
 */
struct vg_tls {
	struct vg_event_hdr hdr;
	__u64 ssl;		/* the SSL * (one connection within the process) */
	__u64 duration_ns;	/* function entry to return */
	__s32 ret;		/* the function's return value */
	__s32 fd;		/* the socket's fd; -1: unknown */
	__u32 len;		/* plaintext bytes read or written by the call */
	__u32 data_len;		/* of which the first data_len are in data */
	__u8 op;		/* enum vg_tls_op */
	__u8 func;		/* enum vg_tls_func */
	__u16 flags;		/* enum vg_tls_flags */
	__u16 family;		/* AF_INET, AF_INET6, AF_UNIX; 0: unknown */
	__u16 sport;
	__u16 dport;
	__u16 _pad[3];
	__u8 saddr[16];
	__u8 daddr[16];
	char data[VG_TLS_DATA_LEN];
};

/* ---- shell (docs/tls.md) ---------------------------------------------- */

#define VG_SHELL_LINE_LEN	1024	/* command line bytes, NUL included (power of two) */
#define VG_SHELL_TTY_LEN	32

enum vg_shell_flags {
	VG_SHELL_LINE_TRUNCATED = 1 << 0,	/* the line is longer than VG_SHELL_LINE_LEN - 1 */
};

/*
 * shell: readline() returned a line to bash (an interactive command line,
 * as typed, without its newline).  tty is the kernel's name of the
 * controlling terminal ("pts3", "tty1"; "" without one).  Variable size:
 * the record ends after line's NUL.
 */
struct vg_shell {
	struct vg_event_hdr hdr;
	__u32 sessionid;	/* audit session id; (u32)-1: unset */
	__u16 line_len;		/* bytes in line, without NUL */
	__u16 flags;		/* enum vg_shell_flags */
	char tty[VG_SHELL_TTY_LEN];
	char line[VG_SHELL_LINE_LEN];
};

#define VG_TLS_FIXED_SIZE	((__u32)__builtin_offsetof(struct vg_tls, data))
#define VG_SHELL_FIXED_SIZE	((__u32)__builtin_offsetof(struct vg_shell, line))
#define VG_FILE_FIXED_SIZE	((__u32)__builtin_offsetof(struct vg_file, path))
#define VG_FILE_NEW_PATH_OFF	((__u32)__builtin_offsetof(struct vg_file, new_path))
#define VG_EXEC_FIXED_SIZE	((__u32)__builtin_offsetof(struct vg_exec, args))
/* A net record may end after unix_path_len bytes of unix_path (the kernel
 * sensor sends the whole struct). */
#define VG_NET_FIXED_SIZE	((__u32)__builtin_offsetof(struct vg_net, unix_path))

_Static_assert(sizeof(struct vg_task_ctx) == 80, "vg_task_ctx layout changed");
_Static_assert(sizeof(struct vg_oom) == 120, "vg_oom layout changed");
_Static_assert(sizeof(struct vg_block) == 168, "vg_block layout changed");
_Static_assert(sizeof(struct vg_event_hdr) == 96, "vg_event_hdr layout changed");
_Static_assert(sizeof(struct vg_fork) == 112, "vg_fork layout changed");
_Static_assert(sizeof(struct vg_exit) == 120, "vg_exit layout changed");
_Static_assert(__builtin_offsetof(struct vg_exec, args) % 8 == 0, "vg_exec args misaligned");
_Static_assert((VG_ARGS_LEN & (VG_ARGS_LEN - 1)) == 0, "VG_ARGS_LEN must be a power of two");
_Static_assert(sizeof(struct vg_creds) == 56, "vg_creds layout changed");
_Static_assert(sizeof(struct vg_net) % 8 == 0, "vg_net must be 8-byte sized");
_Static_assert(sizeof(struct vg_flow) % 8 == 0, "vg_flow must be 8-byte sized");
_Static_assert(sizeof(struct vg_net) == 288, "vg_net layout changed");
_Static_assert(sizeof(struct vg_syscall) == 96 + 16 + 48, "vg_syscall layout changed");
_Static_assert(sizeof(struct vg_anomaly) == 96 + 24 + 16, "vg_anomaly layout changed");
_Static_assert(sizeof(struct vg_flow) == 192, "vg_flow layout changed");
_Static_assert(sizeof(struct vg_priv) == 96 + 40 + 112, "vg_priv layout changed");
_Static_assert(__builtin_offsetof(struct vg_file, path) == 96 + 80, "vg_file layout changed");
_Static_assert((VG_FILE_PATH_LEN & (VG_FILE_PATH_LEN - 1)) == 0, "VG_FILE_PATH_LEN must be a power of two");
_Static_assert(__builtin_offsetof(struct vg_tls, data) == 96 + 80, "vg_tls layout changed");
_Static_assert((VG_TLS_DATA_LEN & (VG_TLS_DATA_LEN - 1)) == 0, "VG_TLS_DATA_LEN must be a power of two");
_Static_assert(__builtin_offsetof(struct vg_shell, line) == 96 + 8 + 32, "vg_shell layout changed");
_Static_assert((VG_SHELL_LINE_LEN & (VG_SHELL_LINE_LEN - 1)) == 0,
	       "VG_SHELL_LINE_LEN must be a power of two");
_Static_assert(sizeof(struct vg_uprobe) == 96 + 24 + 48 + 24 + 6 * 64 + 2 * 64,
	       "vg_uprobe layout changed");
_Static_assert(sizeof(struct vg_bpf) == 96 + 16 + 64 + VG_BPF_NAME_LEN + VG_BPF_PATH_LEN,
	       "vg_bpf layout changed");
_Static_assert(sizeof(struct vg_gpu) == 96 + 8 + VG_GPU_FNS * 48 + 40, "vg_gpu layout changed");

#endif /* VIGIL_EVENT_H */
