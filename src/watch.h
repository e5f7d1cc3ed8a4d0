/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * watch.h - the file watch list: parsed from --path options or the built-in
 * defaults, canonicalised, and compiled into the kernel maps described in
 * include/vigil/watch.h.
 */
#ifndef VIGIL_SRC_WATCH_H
#define VIGIL_SRC_WATCH_H

#include <stdbool.h>
#include <stddef.h>

struct vg_watch {
	char *path;	/* canonical, no trailing '/' (except "/") */
	bool subtree;	/* a directory and everything below it */
};

struct vg_watchlist {
	struct vg_watch *items;
	size_t n, cap;
};

void vg_watchlist_init(struct vg_watchlist *wl);
void vg_watchlist_release(struct vg_watchlist *wl);

/*
 * Add a watch.  `spec` must be absolute; a trailing '/' or an existing
 * directory makes it a subtree watch, anything else an exact path (which
 * need not exist yet).  The directory part is resolved with realpath(3)
 * when it exists, so /etc/../etc/shadow and symlinked directories name the
 * real path.  Returns 0, or -EINVAL with a message naming `origin` (e.g.
 * "--path") and the problem.
 */
int vg_watchlist_add(struct vg_watchlist *wl, const char *spec, const char *origin);

/* Add every watch of src to dst (a watch already in dst is not added twice). */
int vg_watchlist_copy(struct vg_watchlist *dst, const struct vg_watchlist *src,
		      const char *origin);

/* The maps to compile into (fds). */
struct vg_watch_maps {
	int dirs, names, lpm, gen, inodes, gate;
};

/* Fill the maps from wl and bump the generation.  Returns 0 or -errno. */
int vg_watchlist_install(const struct vg_watchlist *wl, const struct vg_watch_maps *m);

/*
 * Replace the installed list `old` (NULL: none) by `now`: the new entries
 * are added first, then the entries only `old` had are removed, so a path
 * in both is never unwatched in between.  Returns 0 or -errno.
 */
int vg_watchlist_replace(const struct vg_watchlist *old, const struct vg_watchlist *now,
			 const struct vg_watch_maps *m);

/*
 * Processes that already hold a watched regular file open for writing (read
 * from /proc/PID/fd and fdinfo): mark the file's inode and let the process
 * through the write gate, so its writes are reported like those of a process
 * that opens the file after vigil started.  Returns the number of such fds.
 */
int vg_watchlist_gate_existing_writers(const struct vg_watchlist *wl,
				       const struct vg_watch_maps *m, const char *proc_root);

/* VG_MATCH_EXACT / VG_MATCH_PREFIX if a normalised absolute path is watched,
 * else 0 (what the kernel does for resolved paths, for the ones it could
 * not normalise). */
unsigned int vg_watchlist_match(const struct vg_watchlist *wl, const char *path);

#endif /* VIGIL_SRC_WATCH_H */
