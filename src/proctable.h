/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * proctable.h - user-space table of live processes, giving context (exe,
 * args, cgroup path, parent exe) to events about processes that exec'd
 * before vigil started or whose exec event carried only part of it.
 *
 * Seeded from /proc at start, updated from fork/exec events, entries removed
 * on exit.  Bounded: when full, the least recently used entry is evicted and
 * counted.  Keyed by pid; `start_ns` tells incarnations of a pid apart.
 */
#ifndef VIGIL_PROCTABLE_H
#define VIGIL_PROCTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_proc {
	uint32_t pid;
	uint32_t ppid;
	uint64_t start_ns;	/* ns since boot, as task->start_boottime */
	uint64_t cgroup_id;
	char comm[16];
	char *exe;		/* owned; NULL if unknown */
	char *cgroup;		/* owned; cgroup v2 path, NULL if unknown */
	char *args;		/* owned; NUL-separated block as the kernel holds it */
	size_t args_len;
	bool args_truncated;
	/* private: LRU and hash links */
	struct vg_proc *lru_prev, *lru_next, *hash_next;
};

struct vg_proctable;
struct vg_task_ctx;

/* Fill t's pid, ppid, start_ns, comm, uid/euid/gid/egid and loginuid from
 * /proc/PID (namespaces and cgroup are left alone); 0 or -errno. */
int vg_proc_task_ctx(uint32_t pid, struct vg_task_ctx *t);

struct vg_proctable_stats {
	size_t entries;
	size_t capacity;
	uint64_t evicted;	/* removed because the table was full */
	uint64_t removed;	/* removed on exit */
};

/* NULL and errno set on failure (EINVAL for a capacity of 0). */
struct vg_proctable *vg_proctable_new(size_t capacity);
void vg_proctable_free(struct vg_proctable *pt);

/* The entry for pid, or NULL.  Marks it most recently used. */
struct vg_proc *vg_proctable_get(struct vg_proctable *pt, uint32_t pid);

/*
 * The entry for pid, created (zeroed but for pid) when missing, evicting the
 * least recently used entry if the table is full.  NULL on allocation failure
 * (nothing is evicted then).  Marks it most recently used.  An entry pointer
 * stays valid until that pid is removed or evicted, so do not hold one across
 * another upsert.
 */
struct vg_proc *vg_proctable_upsert(struct vg_proctable *pt, uint32_t pid);

/*
 * Replace an owned string field with a copy of `len` bytes of `s` plus a NUL
 * (`s` may hold NULs, as args do); a NULL `s` frees the field and sets it to
 * NULL.  Returns 0 or -ENOMEM, leaving the field as it was on failure.
 */
int vg_proc_set_str(char **field, const char *s, size_t len);

/* Forget pid (on exit).  No-op if absent. */
void vg_proctable_remove(struct vg_proctable *pt, uint32_t pid);

/*
 * Add every process under `proc_root` ("/proc", or a fake tree in tests):
 * pid, ppid, comm, start time (field 22 of stat, converted to ns since boot),
 * exe (readlink), args (cmdline), cgroup (the "0::" line of cgroup).
 * Returns the number added, or -errno if proc_root cannot be read (or
 * -ENOMEM).
 *
 * Only a readable, parsable stat is required: exe is NULL where readlink
 * fails (kernel threads, no permission), args NULL where cmdline cannot be
 * read (kernel threads read as an empty block: args "" and args_len 0), and
 * args longer than VG_ARGS_LEN are cut there with args_truncated set, as in
 * exec events.  cgroup is NULL without a "0::" line.  cgroup_id is left 0.
 * Directories that are not pids, and processes that exit while being read,
 * are skipped.  A pid already in the table is left alone: what events told us
 * is newer than /proc.
 */
int vg_proctable_seed(struct vg_proctable *pt, const char *proc_root);

void vg_proctable_get_stats(const struct vg_proctable *pt, struct vg_proctable_stats *st);

#endif /* VIGIL_PROCTABLE_H */
