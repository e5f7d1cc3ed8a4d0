// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * anysys.bpf.c - privilege sensor, opt-in: a credential change across any
 * other syscall (unshare(CLONE_NEWUSER), setgroups, keyctl, prctl, ...),
 * reported as VG_PRIV_OTHER with the credentials before and after.
 *
 * Entry remembers the thread's real_cred pointer, the syscall number and
 * the values behind the pointer in task-local storage; exit compares the
 * pointer (commit_creds() always installs a new struct cred) and reports
 * when it changed.  The values must be copied at entry: the old struct
 * cred is freed after an RCU grace period, which may well have passed by
 * the time the syscall exits.
 *
 * Cost (every syscall of every task, so off by default and not even loaded
 * unless enabled, see lib/priv_config.bpf.h): two raw tracepoint programs,
 * a task-storage lookup each (no hash update), and at entry 13 direct loads
 * through BTF pointers, no helper calls.  Measured on a 2-vCPU VM, kernel
 * 6.18, with kernel.bpf_stats_enabled: entry ~15 ns and exit ~8 ns more than
 * empty programs on the same hooks, copying the values ~10 ns of the entry's
 * share (so they are always copied).  A getpid loop goes from ~120 ns to
 * ~220-260 ns per call: nearly all of it is the price of hooking every
 * syscall at all (raw_syscalls tracepoints), not of this work.
 *
 * Not reported here: the syscalls that bpf/priv/setid.bpf.c and exec.bpf.c
 * report themselves (set*id, capset, execve, execveat), so no change is
 * sent twice.  32-bit (ia32) syscalls, which those programs never see, are
 * all reported here, with their ia32 number; an ia32 exec only when an id
 * or capability changed (an exec always installs a new struct cred).
 * A change made outside a syscall (keyctl(KEYCTL_SESSION_TO_PARENT) takes
 * effect in the parent on its way back to user space) is not seen.
 *
 * Needs task storage and bpf_get_current_task_btf() (Linux 5.11+); the
 * raw_tp attachment works with either backend, so there is one variant.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/emit.bpf.h"
#include "lib/task.bpf.h"
#include "lib/creds.bpf.h"
#include "lib/priv_config.bpf.h"

#if defined(__TARGET_ARCH_x86)
/* arch/x86/entry/syscalls/syscall_64.tbl */
#define NR_SETUID	105
#define NR_SETGID	106
#define NR_SETREUID	113
#define NR_SETREGID	114
#define NR_SETRESUID	117
#define NR_SETRESGID	119
#define NR_SETFSUID	122
#define NR_SETFSGID	123
#define NR_CAPSET	126
#define NR_EXECVE	59
#define NR_EXECVEAT	322
/* arch/x86/entry/syscalls/syscall_32.tbl */
#define NR_IA32_EXECVE		11
#define NR_IA32_EXECVEAT	358
#define TS_COMPAT		0x0002	/* arch/x86/include/asm/thread_info.h */
#elif defined(__TARGET_ARCH_arm64)
/* include/uapi/asm-generic/unistd.h */
#define NR_SETUID	146
#define NR_SETGID	144
#define NR_SETREUID	145
#define NR_SETREGID	143
#define NR_SETRESUID	147
#define NR_SETRESGID	149
#define NR_SETFSUID	151
#define NR_SETFSGID	152
#define NR_CAPSET	91
#define NR_EXECVE	221
#define NR_EXECVEAT	281
#else
#error "anysys.bpf.c: add this architecture's syscall numbers"
#endif

/* Reported by setid.bpf.c / exec.bpf.c (native syscalls only). */
static __always_inline bool reported_elsewhere(__u32 nr)
{
	switch (nr) {
	case NR_SETUID: case NR_SETGID: case NR_SETREUID: case NR_SETREGID:
	case NR_SETRESUID: case NR_SETRESGID: case NR_SETFSUID: case NR_SETFSGID:
	case NR_CAPSET: case NR_EXECVE: case NR_EXECVEAT:
		return true;
	default:
		return false;
	}
}

static __always_inline bool is_compat_exec(__u32 nr)
{
#if defined(__TARGET_ARCH_x86)
	return nr == NR_IA32_EXECVE || nr == NR_IA32_EXECVEAT;
#else
	return false;
#endif
}

/* Is the current syscall a 32-bit one (whose numbers differ)? */
static __always_inline __u32 syscall_is_compat(struct task_struct *t)
{
#if defined(__TARGET_ARCH_x86)
	return (t->thread_info.status & TS_COMPAT) != 0;
#else
	return 0;	/* arm64 compat: not handled (x86-64 is the supported target) */
#endif
}

/* vg_creds_read() with direct loads through the BTF pointer: no helper calls. */
static __always_inline void creds_load(struct vg_creds *c, const struct cred *cred)
{
	c->uid = cred->uid.val;
	c->gid = cred->gid.val;
	c->euid = cred->euid.val;
	c->egid = cred->egid.val;
	c->suid = cred->suid.val;
	c->sgid = cred->sgid.val;
	c->fsuid = cred->fsuid.val;
	c->fsgid = cred->fsgid.val;
	if (bpf_core_field_exists(cred->cap_effective.val)) {
		c->cap_effective = cred->cap_effective.val;
		c->cap_permitted = cred->cap_permitted.val;
		c->cap_inheritable = cred->cap_inheritable.val;
	} else {
		const struct cred___old *o = (const void *)cred;

		c->cap_effective = vg_cap_join(o->cap_effective.cap[0], o->cap_effective.cap[1]);
		c->cap_permitted = vg_cap_join(o->cap_permitted.cap[0], o->cap_permitted.cap[1]);
		c->cap_inheritable = vg_cap_join(o->cap_inheritable.cap[0],
						 o->cap_inheritable.cap[1]);
	}
}

SEC("raw_tp/sys_enter")
int BPF_PROG(vg_priv_anysys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *t;
	struct vg_priv_anysys_state *s;
	const struct cred *cred;

	if (!vg_priv_all_syscalls)
		return 0;
	t = bpf_get_current_task_btf();
	s = bpf_task_storage_get(&vg_priv_anysys, t, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s)
		return 0;	/* no memory for this task's entry: nothing to compare at exit */
	cred = t->real_cred;
	s->cred = (__u64)cred;
	s->nr = (__u32)id;
	s->compat = syscall_is_compat(t);
	creds_load(&s->old, cred);
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(vg_priv_anysys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *t;
	struct vg_priv_anysys_state *s;
	const struct cred *cred;
	struct vg_priv p = {};
	__u64 old;

	if (!vg_priv_all_syscalls)
		return 0;
	t = bpf_get_current_task_btf();
	/* No entry: a new task's first return (from fork), or storage full. */
	s = bpf_task_storage_get(&vg_priv_anysys, t, NULL, 0);
	if (!s || !s->cred)
		return 0;
	old = s->cred;
	/* Consumed: an exit without an entry (a syscall skipped by seccomp or
	 * ptrace still exits) must not compare against a stale pointer. */
	s->cred = 0;
	cred = t->real_cred;
	if ((__u64)cred == old)
		return 0;

	if (!s->compat && reported_elsewhere(s->nr))
		return 0;
	creds_load(&p.new, cred);
	p.old = s->old;
	if (s->compat && is_compat_exec(s->nr) && !vg_creds_differ(&p.old, &p.new))
		return 0;
	if (!vg_task_wanted(t))
		return 0;
	p.hdr.type = VG_EV_PRIV;
	p.hdr.version = VG_PRIV_VERSION;
	p.hdr.size = sizeof(p);
	p.hdr.ts_ns = bpf_ktime_get_boot_ns();
	vg_task_fill(&p.hdr.task, t);	/* the credentials after the call */
	p.syscall = s->nr;
	p.op = VG_PRIV_OTHER;
	p.result = ret;
	vg_emit(&p, sizeof(p), VG_EV_PRIV);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
