/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * usyms.h - user-space addresses of other processes to names.
 *
 * An address is looked up in a snapshot of its process's executable
 * mappings (/proc/PID/maps, taken while the process lives), which gives a
 * file and an offset in it; the file's symbols (elfsym.h) give the name.
 * Files are read once, cached by device and inode, and opened through
 * /proc/PID/map_files/ while the process lives (the very file it mapped,
 * even when deleted or in another mount namespace), by path otherwise.
 *
 * What cannot be named prints as "module+0xOFF" (the file's base name and
 * the offset in the file: `addr2line -e` needs the ELF address, which is
 * the same for most executables and libraries), as "[vdso]" and the like
 * for the kernel's special mappings, or as "[unknown]" (no mapping: the
 * process exited before its mappings were read, or anonymous memory such
 * as JIT-compiled code without a /tmp/perf-PID.map).
 */
#ifndef VIGIL_USYMS_H
#define VIGIL_USYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One executable mapping of /proc/PID/maps. */
struct vg_map {
	uint64_t start, end;	/* [start, end) */
	uint64_t offset;	/* file offset of start */
	uint64_t dev;		/* makedev(major, minor) */
	uint64_t ino;
	char *path;		/* as the kernel printed it ("... (deleted)" kept);
				 * "[vdso]" and such; NULL when anonymous */
};

struct vg_maps {
	struct vg_map *v;	/* sorted by start */
	size_t n;
};

/* Parse the text of /proc/PID/maps, keeping executable mappings only.
 * Returns 0, -EINVAL on a malformed line, or -ENOMEM. */
int vg_maps_parse(const char *text, struct vg_maps *m);

/* The mapping holding addr, or NULL. */
const struct vg_map *vg_maps_find(const struct vg_maps *m, uint64_t addr);

void vg_maps_release(struct vg_maps *m);

struct vg_usyms;

/* NULL with errno ENOMEM.  `proc` is the procfs mount (NULL: "/proc"). */
struct vg_usyms *vg_usyms_new(const char *proc);
void vg_usyms_free(struct vg_usyms *u);

/*
 * Read /proc/<tgid>/maps now, replacing an earlier snapshot.  Returns 0,
 * -ENOMEM, or -ESRCH when the process is gone or its maps cannot be read:
 * then an earlier snapshot is kept, and without one the process becomes
 * known as one without mappings (not read again by vg_usyms_known() users).
 */
int vg_usyms_snapshot(struct vg_usyms *u, uint32_t tgid);

/* Has tgid a snapshot? */
bool vg_usyms_known(const struct vg_usyms *u, uint32_t tgid);

/* The name of addr in tgid into buf (see above for the forms); returns
 * true when it is a symbol name. */
bool vg_usyms_resolve(struct vg_usyms *u, uint32_t tgid, uint64_t addr, char *buf,
		      size_t len);

struct vg_usyms_stats {
	size_t processes;	/* snapshots */
	size_t files;		/* files whose symbols were read */
	size_t files_failed;	/* files that could not be read */
};

void vg_usyms_stats(const struct vg_usyms *u, struct vg_usyms_stats *st);

#endif /* VIGIL_USYMS_H */
