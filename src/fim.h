/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * fim.h - file integrity monitoring: the state of watched files (content
 * SHA-256 for regular files up to a size limit, mode, owner, size), kept
 * per path so each modification can be reported as before -> after.
 *
 * `before` is what vigil last saw: at start (vg_fim_seed) or after the
 * previous event for that path.  `after` is read when the event is
 * processed (shortly after the syscall: a later change in between is
 * folded into it).
 */
#ifndef VIGIL_FIM_H
#define VIGIL_FIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VG_FIM_DEFAULT_LIMIT (1 << 20)	/* bytes: larger files get no digest */

struct vg_fim_state {
	bool known;		/* vigil had seen this path */
	bool exists;
	bool has_digest;	/* regular file within the size limit, read fully */
	uint8_t sha256[32];
	mode_t mode;		/* st_mode */
	uid_t uid;
	gid_t gid;
	off_t size;
};

struct vg_fim;

/* NULL and errno set on failure.  size_limit 0: VG_FIM_DEFAULT_LIMIT. */
struct vg_fim *vg_fim_new(size_t size_limit);
void vg_fim_free(struct vg_fim *fim);

/* Record the current state of path (a file, or every regular file below a
 * directory, at most max_files).  Returns the number of paths recorded. */
int vg_fim_seed(struct vg_fim *fim, const char *path, size_t max_files);

/* *before = the recorded state of path (known = false if none); *after =
 * its state now, which becomes the recorded state.  Returns 0 or -errno
 * (allocation). */
int vg_fim_observe(struct vg_fim *fim, const char *path, struct vg_fim_state *before,
		   struct vg_fim_state *after);

/*
 * vg_fim_observe, at most once per path per min_interval_ns (a burst of
 * writes to a big watched file would otherwise be hashed once per write):
 * within the interval nothing is read, *before and *after are the recorded
 * state (after->has_digest false) and 1 is returned.  Times are any
 * monotonic ns.
 */
int vg_fim_observe_coalesced(struct vg_fim *fim, const char *path, uint64_t now_ns,
			     uint64_t min_interval_ns, struct vg_fim_state *before,
			     struct vg_fim_state *after);

/* Forget path (renamed away, unlinked); *before = what was recorded. */
void vg_fim_forget(struct vg_fim *fim, const char *path, struct vg_fim_state *before);

/* Read the state of path now, without recording it. */
void vg_fim_stat(const struct vg_fim *fim, const char *path, struct vg_fim_state *st);

/* Lowercase hex of a digest into out[65]. */
void vg_fim_hex(const uint8_t sha256[32], char out[65]);

#endif /* VIGIL_FIM_H */
