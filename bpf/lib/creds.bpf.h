/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * creds.bpf.h - read struct vg_creds from a task's credentials (CO-RE only).
 */
#ifndef VIGIL_CREDS_BPF_H
#define VIGIL_CREDS_BPF_H

#include "vigil/event.h"

/*
 * kernel_cap_t before v6.3: two 32-bit words.  Commit f122a08b197d
 * ("capability: just use a 'u64' instead of a 'u32[2]' array") made it
 * `struct { u64 val; }`, which is what vmlinux.h has on newer kernels.
 */
struct kernel_cap_struct___old {
	__u32 cap[2];
};

struct cred___old {
	struct kernel_cap_struct___old cap_inheritable;
	struct kernel_cap_struct___old cap_permitted;
	struct kernel_cap_struct___old cap_effective;
} __attribute__((preserve_access_index));

static __always_inline __u64 vg_cap_join(__u32 lo, __u32 hi)
{
	return (__u64)hi << 32 | lo;
}

/*
 * The task's objective credentials (real_cred: what others see and what
 * vg_task_fill reports), so old and new compare like with like.
 */
static __always_inline void vg_creds_read(struct vg_creds *c, struct task_struct *t)
{
	const struct cred *cred = BPF_CORE_READ(t, real_cred);

	c->uid = BPF_CORE_READ(cred, uid.val);
	c->gid = BPF_CORE_READ(cred, gid.val);
	c->euid = BPF_CORE_READ(cred, euid.val);
	c->egid = BPF_CORE_READ(cred, egid.val);
	c->suid = BPF_CORE_READ(cred, suid.val);
	c->sgid = BPF_CORE_READ(cred, sgid.val);
	c->fsuid = BPF_CORE_READ(cred, fsuid.val);
	c->fsgid = BPF_CORE_READ(cred, fsgid.val);
	if (bpf_core_field_exists(cred->cap_effective.val)) {
		c->cap_effective = BPF_CORE_READ(cred, cap_effective.val);
		c->cap_permitted = BPF_CORE_READ(cred, cap_permitted.val);
		c->cap_inheritable = BPF_CORE_READ(cred, cap_inheritable.val);
	} else {
		const struct cred___old *o = (const void *)cred;

		c->cap_effective = vg_cap_join(BPF_CORE_READ(o, cap_effective.cap[0]),
					       BPF_CORE_READ(o, cap_effective.cap[1]));
		c->cap_permitted = vg_cap_join(BPF_CORE_READ(o, cap_permitted.cap[0]),
					       BPF_CORE_READ(o, cap_permitted.cap[1]));
		c->cap_inheritable = vg_cap_join(BPF_CORE_READ(o, cap_inheritable.cap[0]),
						 BPF_CORE_READ(o, cap_inheritable.cap[1]));
	}
}

/* Do two snapshots differ in any id or capability set? */
static __always_inline bool vg_creds_differ(const struct vg_creds *a, const struct vg_creds *b)
{
	return a->uid != b->uid || a->gid != b->gid || a->euid != b->euid ||
	       a->egid != b->egid || a->suid != b->suid || a->sgid != b->sgid ||
	       a->fsuid != b->fsuid || a->fsgid != b->fsgid ||
	       a->cap_effective != b->cap_effective || a->cap_permitted != b->cap_permitted ||
	       a->cap_inheritable != b->cap_inheritable;
}

#endif /* VIGIL_CREDS_BPF_H */
