/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * maps.bpf.h - every map vigil's programs share.
 *
 * Definitions are __weak so each program file can include this header and
 * `bpftool gen object` links them into one map each.
 */
#ifndef VIGIL_MAPS_BPF_H
#define VIGIL_MAPS_BPF_H

#include "vigil/event.h"
#include "vigil/policy.h"
#include "vigil/profile.h"
#include "vigil/sched.h"
#include "vigil/watch.h"

/* Events to user space.  Writer: every sensor (lib/emit.bpf.h).
 * Reader: src/ringbuf.c.  Size set by user space before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} vg_events SEC(".maps") __weak;

/* Lost events and lost event parts, per reason (enum vg_loss_reason).
 * Writer: lib/emit.bpf.h and the sensors.  Reader: src/stats.c. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_LOSS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} vg_loss SEC(".maps") __weak;

/* Events emitted, per type.  Writer: lib/emit.bpf.h.  Reader: src/stats.c. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_EV_TYPE_MAX);
	__type(key, __u32);
	__type(value, __u64);
} vg_sent SEC(".maps") __weak;

/* Per-CPU scratch space for records too large for the 512-byte BPF stack.
 * Writer and reader: the program running on that CPU, within one run. */
#define VG_PATH_BUF	1024	/* power of two; >= VG_EXE_LEN and VG_CGROUP_LEN */

/* State of a path walk (lib/path.bpf.h).  Kept here, not on the stack: the
 * verifier treats values loaded from a map as unknown, so a bpf_loop step
 * is verified once instead of once per distinct offset. */
struct vg_walk {
	__u64 dentry;		/* struct dentry * */
	__u64 vfsmnt;		/* struct vfsmount * */
	__u64 mnt;		/* struct mount * */
	__u64 kn;		/* struct kernfs_node * */
	__u32 off;
	__u32 truncated;
};

struct vg_scratch {
	struct vg_exec exec;
	struct vg_file file;
	struct vg_walk walk;
	struct vg_lpm_key lpm;
	struct vg_name_key name_key;
	char path[2 * VG_PATH_BUF];
	char name[256];
	struct vg_pol_exec_key pol_key;	/* lib/policy.bpf.h */
	struct vg_syscall syscall;	/* policy/syscall.bpf.c */
	__u32 pol_slash;		/* lib/policy.bpf.h: offset of the exe's last '/' */
	struct vg_prof_exe_key prof_key;	/* lib/profile.bpf.h */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_scratch);
} vg_scratch_map SEC(".maps") __weak;

/* ---- file sensor: the watch list (include/vigil/watch.h) --------------
 * Writer: src/watch.c.  Readers: lib/watch.bpf.h. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_WATCH_MAX);
	__type(key, struct vg_inode_key);
	__type(value, __u32);		/* enum vg_watch_dir_flags */
} vg_watch_dirs SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_WATCH_MAX);
	__type(key, struct vg_name_key);
	__type(value, struct vg_watch_val);
} vg_watch_names SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 2 * VG_WATCH_MAX);
	__type(key, struct vg_lpm_key);
	__type(value, struct vg_watch_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} vg_watch_lpm SEC(".maps") __weak;

/* Generation of the watch list; bumped by user space on every change so
 * cached verdicts expire.  Key 0. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} vg_watch_gen SEC(".maps") __weak;

/* Verdict per directory dentry (struct dentry * as key).  Writer and reader:
 * lib/watch.bpf.h. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct vg_dir_verdict);
} vg_dir_verdicts SEC(".maps") __weak;

/* Inodes of watched regular files that were opened for writing (kernel,
 * at open) or exist at start (user space): writes to them are reported. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vg_inode_key);
	__type(value, struct vg_watch_val);
} vg_watched_inodes SEC(".maps") __weak;

/* Processes that may hold a watched file open for writing: a write by any
 * other process costs one lookup and no more.  Writer: open (kernel), fork
 * (child inherits), user space at start.  Key tgid, value unused. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u32);
} vg_write_gate SEC(".maps") __weak;

/* Privilege sensor: the record being built, from syscall entry (old
 * credentials, arguments) to exit (result, new credentials), by thread id.
 * Writer: bpf/priv enter programs.  Reader and deleter: the exit programs. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct vg_priv);
} vg_priv_pending SEC(".maps") __weak;

/* Privilege sensor, opt-in "any syscall" mode (bpf/priv/anysys.bpf.c):
 * what a thread's credentials were when its current syscall entered.
 * Task-local storage, found through the task itself: no hash lookup or
 * update per syscall, freed with the task, never full.  Writer:
 * vg_priv_anysys_enter.  Reader: vg_priv_anysys_exit.  Created (and the
 * programs loaded) only with --all-syscalls: src/sensor.c. */
struct vg_priv_anysys_state {
	__u64 cred;		/* struct cred * (real_cred) at entry; 0: no syscall in flight */
	__u32 nr;		/* syscall number at entry */
	__u32 compat;		/* nr is a 32-bit (ia32) syscall number */
	struct vg_creds old;	/* the values behind `cred` at entry */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vg_priv_anysys_state);
} vg_priv_anysys SEC(".maps") __weak;

/* ---- net sensor -------------------------------------------------------- */

/* Scratch for a struct vg_net (288 bytes: too much for the stack next to
 * the sockaddr being read).  Writer and reader: the bpf/net program running
 * on that CPU, within one run. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_net);
} vg_net_scratch SEC(".maps") __weak;

/* Who owns a TCP connection, for its flow record.  Key: struct sock *.
 * Writer: vg_net_connect / vg_net_accept(4) at syscall exit (and
 * vg_net_state_* sets start_ns when a non-blocking connect completes).
 * Reader and deleter: vg_net_state_* when the socket reaches TCP_CLOSE.
 * LRU: a connection whose entry was evicted is reported with
 * VG_FLOW_OWNER_UNKNOWN.  Created only with the net sensor (src/sensor.c). */
struct vg_flow_owner {
	struct vg_task_ctx task;
	__u64 start_ns;		/* boot ns: connect/accept returned, or the handshake completed */
	__u32 flags;		/* enum vg_flow_flags (VG_FLOW_INBOUND) */
	__u32 portpair;		/* skc_portpair when stored: a reused struct sock is not mistaken */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32768);
	__type(key, __u64);
	__type(value, struct vg_flow_owner);
} vg_net_flows SEC(".maps") __weak;

/* ---- policies (include/vigil/policy.h) --------------------------------
 * Writer: src/engine_maps.c.  Readers: lib/policy.bpf.h, policy/. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_pol_state);
} vg_pol_state SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_POL_EXEC_MAX);
	__type(key, struct vg_pol_exec_key);
	__type(value, struct vg_pol_action);
} vg_pol_exec SEC(".maps") __weak;

/* index gen * VG_POL_FILE_MAX + i */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * VG_POL_FILE_MAX);
	__type(key, __u32);
	__type(value, struct vg_pol_file_rule);
} vg_pol_file SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_POL_SYS_MAX);
	__type(key, struct vg_pol_sys_key);
	__type(value, struct vg_pol_sys);
} vg_pol_sys SEC(".maps") __weak;

/* ---- behaviour profiles (include/vigil/profile.h) ----------------------
 * Writers: src/profile_kernel.c (exe, scopes, modes, next, ngrams),
 * lib/profile.bpf.h (exe, modes, next: ids for a scope's executables),
 * profile/ (learn, tasks).
 * Readers: lib/profile.bpf.h, profile/, src/profile_kernel.c (learn). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_PROF_EXE_MAX);
	__type(key, struct vg_prof_exe_key);
	__type(value, struct vg_prof_exe_val);
} vg_prof_exe SEC(".maps") __weak;

/* Cgroups learned as a whole: cgroup v2 id -> the template of the profiles
 * their executables get (mode, window, threshold). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_PROF_SCOPES_MAX);
	__type(key, __u64);
	__type(value, struct vg_prof_exe_val);
} vg_prof_scopes SEC(".maps") __weak;

/* Profile id -> what it does now (profile_id, mode, window, threshold). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VG_PROF_EXE_MAX + 1);
	__type(key, __u32);
	__type(value, struct vg_prof_exe_val);
} vg_prof_modes SEC(".maps") __weak;

/* Per CPU: the last task without a profile (include/vigil/profile.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_prof_cpu);
} vg_prof_cpu SEC(".maps") __weak;

/* [0]: bumped whenever a running task may have been given a profile. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} vg_prof_gen SEC(".maps") __weak;

/* [0]: the next profile id the kernel hands out (user space sets it). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} vg_prof_next SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vg_prof_task);
} vg_prof_tasks SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, VG_PROF_NGRAMS_MAX);
	__type(key, struct vg_prof_ngram_key);
	__type(value, __u8);
} vg_prof_ngrams SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, VG_PROF_LEARN_MAX);
	__type(key, struct vg_prof_ngram_key);
	__type(value, struct vg_prof_learn_val);
} vg_prof_learn SEC(".maps") __weak;

/* ---- scheduling and block I/O (include/vigil/sched.h) -------------------
 * Writers: sched/, block/.  Readers: src/sched_sampler.c.  Created
 * only with their sensor (src/sensor.c). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VG_SCHED_PROCS_MAX);
	__type(key, __u32);
	__type(value, struct vg_sched_stat);
} vg_sched_procs SEC(".maps") __weak;

/* [0]: the whole machine (per CPU; user space sums). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_sched_stat);
} vg_sched_total SEC(".maps") __weak;

/* Per task (tp_btf programs): when it became runnable; 0: not waiting. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} vg_sched_wake_ts SEC(".maps") __weak;

/* tid -> when it became runnable (raw_tp programs: no task storage there). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VG_SCHED_WAKE_MAX);
	__type(key, __u32);
	__type(value, __u64);
} vg_sched_wake SEC(".maps") __weak;

/* Per CPU: the running task and when it got the CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_sched_oncpu);
} vg_sched_oncpu SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_BLOCK_INFLIGHT_MAX);
	__type(key, __u64);		/* struct request * */
	__type(value, struct vg_block_inflight);
} vg_block_inflight SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_BLOCK_DEVS_MAX);
	__type(key, __u32);		/* dev */
	__type(value, struct vg_block_stat);
} vg_block_devs SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VG_BLOCK_PROCS_MAX);
	__type(key, __u32);		/* tgid */
	__type(value, struct vg_block_stat);
} vg_block_procs SEC(".maps") __weak;

/* ---- syscall counts (VG_SENSOR_SYSCOUNT, `vigil top`) ------------------
 * tgid -> syscalls entered since the entry was made.  Writer:
 * sched/syscount.bpf.c (atomic add).  Reader and deleter (exited
 * processes): src/top_collect.c.  A hash, not an LRU: a live process's
 * count is never evicted; when the map is full a new process's syscalls
 * are counted in vg_sysc_missed instead.  Created only with the sensor. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_SYSC_PROCS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} vg_sysc_procs SEC(".maps") __weak;

/* [0]: syscalls not counted (vg_sysc_procs full), per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} vg_sysc_missed SEC(".maps") __weak;

/* ---- bpf(2) control commands (VG_SENSOR_BPF, bpf/bpfwatch/) -------------
 * The record being built, from sys_enter_bpf (the caller's attr) to
 * sys_exit_bpf (the result), by thread id.  Writer: vg_bpfw_enter.  Reader
 * and deleter: vg_bpfw_exit.  Created only with the sensor (src/sensor.c). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct vg_bpf);
} vg_bpfw_pending SEC(".maps") __weak;

/* Per CPU: the record and the caller's attr while vg_bpfw_enter builds them
 * (too large for the stack together).  Writer and reader: vg_bpfw_enter,
 * within one run. */
struct vg_bpfw_build {
	struct vg_bpf ev;
	union {
		union bpf_attr attr;
		char attr_room[256];	/* a copy's size is masked with 0xff */
	};
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_bpfw_build);
} vg_bpfw_scratch SEC(".maps") __weak;

#endif /* VIGIL_MAPS_BPF_H */
