/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * profile.bpf.h - which profile an exec'ing task gets (include/vigil/profile.h).
 */
#ifndef VIGIL_PROFILE_BPF_H
#define VIGIL_PROFILE_BPF_H

#include "emit.bpf.h"

/* Profiling is on: user space sets this before load when it has profiles
 * (or learns); otherwise exec does not even look. */
const volatile bool vg_prof_enabled __weak = false;

/* An executable run in a cgroup learned as a whole (vg_prof_scopes) gets a
 * profile of its own: the next id, the scope's template, and a key
 * (cgroup, path) so its later execs find it.  Two tasks racing for one key
 * both get the winner's. */
static __always_inline struct vg_prof_exe_val *vg_prof_new_in_scope(struct vg_prof_exe_key *k,
								     struct vg_prof_exe_val *nv)
{
	struct vg_prof_exe_val *tmpl = bpf_map_lookup_elem(&vg_prof_scopes, &k->cgroup_id);
	__u32 zero = 0, id, *next;

	if (!tmpl)
		return NULL;
	next = bpf_map_lookup_elem(&vg_prof_next, &zero);
	if (!next)
		return NULL;
	id = __sync_fetch_and_add(next, 1);
	if (id < 1 || id > VG_PROF_EXE_MAX)
		return NULL;	/* out of ids: not profiled (user space sees the count) */
	*nv = *tmpl;
	nv->profile_id = id;
	bpf_map_update_elem(&vg_prof_modes, &id, nv, BPF_ANY);
	if (!bpf_map_update_elem(&vg_prof_exe, k, nv, BPF_NOEXIST))
		return nv;
	return bpf_map_lookup_elem(&vg_prof_exe, k);
}

/*
 * After an exec record is built in s->exec (the current task's new image):
 * give the task its executable's profile, or mark it as having none.
 */
static __always_inline void vg_prof_exec(struct vg_scratch *s)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct vg_prof_exe_key *k = &s->prof_key;
	struct vg_prof_exe_val *v = NULL, nv;
	struct vg_prof_task *pt;
	__u32 len = s->exec.exe_len;

	if (!vg_prof_enabled)
		return;
	if (len && len < VG_PROF_KEY_LEN) {
		__builtin_memset(k, 0, sizeof(*k));
		barrier_var(len);
		len &= VG_PROF_KEY_LEN - 1;
		if (!bpf_probe_read_kernel(k->path, len, s->exec.exe)) {
			k->cgroup_id = s->exec.hdr.task.cgroup_id;
			v = bpf_map_lookup_elem(&vg_prof_exe, k);
			if (!v)
				v = vg_prof_new_in_scope(k, &nv);
			if (!v) {
				k->cgroup_id = 0;
				v = bpf_map_lookup_elem(&vg_prof_exe, k);
			}
		}
	}
	pt = bpf_task_storage_get(&vg_prof_tasks, t, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!pt)
		return;
	__builtin_memset(pt, 0, sizeof(*pt));
	if (v) {
		__u32 zero = 0, *gen = bpf_map_lookup_elem(&vg_prof_gen, &zero);

		pt->p = *v;
		if (gen)	/* CPUs that cached this task as unprofiled: forget it */
			__sync_fetch_and_add(gen, 1);
	}
	/* else mode VG_PROF_NONE: checked, none */
}

/* Is the current task profiled (learning or detecting)?  Its file
 * operations are all reported, watched or not: they are what its profile
 * holds. */
static __always_inline bool vg_prof_current_profiled(void)
{
	struct vg_prof_task *pt;

	if (!vg_prof_enabled)
		return false;
	pt = bpf_task_storage_get(&vg_prof_tasks, bpf_get_current_task_btf(), NULL, 0);
	return pt && pt->p.profile_id != 0;
}

#endif /* VIGIL_PROFILE_BPF_H */
