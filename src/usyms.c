// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * usyms.c - user-space symbolisation: maps snapshots, ELF files cached by
 * inode, the vDSO, /tmp/perf-PID.map for JIT code.  See usyms.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "buf.h"
#include "elfsym.h"
#include "usyms.h"

#define DELETED_SUFFIX	" (deleted)"

/* ---- /proc/PID/maps ------------------------------------------------------- */

static int map_push(struct vg_maps *m, size_t *cap, const struct vg_map *x)
{
	if (m->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		struct vg_map *n = realloc(m->v, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		m->v = n;
		*cap = ncap;
	}
	m->v[m->n++] = *x;
	return 0;
}

static int cmp_map(const void *a, const void *b)
{
	const struct vg_map *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* One line, NUL-terminated without its newline. */
static int parse_map_line(const char *line, struct vg_map *x, bool *exec)
{
	unsigned long long start, end, off, ino;
	unsigned int major, minor;
	char perms[8];
	int pos = -1;

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu%n", &start, &end, perms, &off, &major,
		   &minor, &ino, &pos) < 7 || pos < 0 || end <= start || strlen(perms) != 4)
		return -EINVAL;
	line += pos;
	while (*line == ' ' || *line == '\t')
		line++;
	memset(x, 0, sizeof(*x));
	x->start = start;
	x->end = end;
	x->offset = off;
	x->dev = makedev(major, minor);
	x->ino = ino;
	*exec = perms[2] == 'x';
	if (*exec && *line) {
		x->path = strdup(line);
		if (!x->path)
			return -ENOMEM;
	}
	return 0;
}

int vg_maps_parse(const char *text, struct vg_maps *m)
{
	size_t cap = 0;
	char *line = NULL;
	int err = 0;

	m->v = NULL;
	m->n = 0;
	while (*text) {
		size_t len = strcspn(text, "\n");
		struct vg_map x;
		bool exec;

		line = strndup(text, len);
		if (!line) {
			err = -ENOMEM;
			goto cleanup;
		}
		text += len + (text[len] == '\n');
		if (!*line) {
			free(line);
			continue;
		}
		err = parse_map_line(line, &x, &exec);
		free(line);
		if (err)
			goto cleanup;
		if (!exec)
			continue;
		err = map_push(m, &cap, &x);
		if (err) {
			free(x.path);
			goto cleanup;
		}
	}
	if (m->n > 1)
		qsort(m->v, m->n, sizeof(*m->v), cmp_map);
cleanup:
	if (err)
		vg_maps_release(m);
	return err;
}

const struct vg_map *vg_maps_find(const struct vg_maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->v[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr >= m->v[lo - 1].end)
		return NULL;
	return &m->v[lo - 1];
}

void vg_maps_release(struct vg_maps *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* ---- the symboliser -------------------------------------------------------- */

struct perfmap_sym {
	uint64_t start, size;
	size_t name;		/* offset into proc.perfmap_names */
};

struct proc {
	uint32_t tgid;
	struct vg_maps maps;
	/* /tmp/perf-TGID.map, read on first need */
	bool perfmap_read;
	struct perfmap_sym *perfmap;
	size_t n_perfmap;
	struct vg_buf perfmap_names;
};

struct file {
	uint64_t dev, ino;
	struct vg_elfsym elf;
	int err;		/* of loading; elf is empty unless 0 */
};

struct vg_usyms {
	char proc_root[PATH_MAX];
	struct proc *procs;	/* sorted by tgid */
	size_t n_procs, cap_procs;
	struct file **files;
	size_t n_files, cap_files;
	/* our own vDSO: every 64-bit process maps the same image */
	bool vdso_tried;
	int vdso_err;
	uint64_t vdso_size;
	struct vg_elfsym vdso;
};

struct vg_usyms *vg_usyms_new(const char *proc)
{
	struct vg_usyms *u = calloc(1, sizeof(*u));

	if (!u) {
		errno = ENOMEM;
		return NULL;
	}
	snprintf(u->proc_root, sizeof(u->proc_root), "%s", proc ? proc : "/proc");
	return u;
}

static void proc_release(struct proc *p)
{
	vg_maps_release(&p->maps);
	free(p->perfmap);
	vg_buf_release(&p->perfmap_names);
}

void vg_usyms_free(struct vg_usyms *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n_procs; i++)
		proc_release(&u->procs[i]);
	free(u->procs);
	for (size_t i = 0; i < u->n_files; i++) {
		vg_elfsym_release(&u->files[i]->elf);
		free(u->files[i]);
	}
	free(u->files);
	if (u->vdso_tried && !u->vdso_err)
		vg_elfsym_release(&u->vdso);
	free(u);
}

/* Index of tgid, or of where it would go (*found false). */
static size_t proc_index(const struct vg_usyms *u, uint32_t tgid, bool *found)
{
	size_t lo = 0, hi = u->n_procs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (u->procs[mid].tgid < tgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < u->n_procs && u->procs[lo].tgid == tgid;
	return lo;
}

static struct proc *proc_find(struct vg_usyms *u, uint32_t tgid)
{
	bool found;
	size_t i = proc_index(u, tgid, &found);

	return found ? &u->procs[i] : NULL;
}

bool vg_usyms_known(const struct vg_usyms *u, uint32_t tgid)
{
	bool found;

	proc_index(u, tgid, &found);
	return found;
}

/* The whole of a procfs file (their size is not known in advance). */
static int read_all(const char *path, struct vg_buf *b)
{
	char chunk[16384];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			vg_buf_add(b, chunk, (size_t)n);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	return b->oom ? -ENOMEM : 0;
}

int vg_usyms_snapshot(struct vg_usyms *u, uint32_t tgid)
{
	char path[PATH_MAX + 32];
	struct vg_maps maps;
	struct vg_buf text;
	struct proc *p;
	bool found;
	size_t i;
	int err;

	snprintf(path, sizeof(path), "%s/%u/maps", u->proc_root, tgid);
	vg_buf_init(&text);
	err = read_all(path, &text);
	/* a process that has exited (a zombie) reads as empty */
	if (!err && !text.len)
		err = -ESRCH;
	if (!err)
		err = vg_maps_parse(text.data, &maps);
	vg_buf_release(&text);
	if (err == -ENOMEM)
		return err;
	i = proc_index(u, tgid, &found);
	if (found) {
		if (err)
			return -ESRCH;
		vg_maps_release(&u->procs[i].maps);
		u->procs[i].maps = maps;
		return 0;
	}
	/* a process gone before its first snapshot is known as one without maps */
	if (err) {
		maps.v = NULL;
		maps.n = 0;
	}
	if (u->n_procs == u->cap_procs) {
		size_t ncap = u->cap_procs ? u->cap_procs * 2 : 64;
		struct proc *n = realloc(u->procs, ncap * sizeof(*n));

		if (!n) {
			vg_maps_release(&maps);
			return -ENOMEM;
		}
		u->procs = n;
		u->cap_procs = ncap;
	}
	memmove(&u->procs[i + 1], &u->procs[i], (u->n_procs - i) * sizeof(*u->procs));
	u->n_procs++;
	p = &u->procs[i];
	memset(p, 0, sizeof(*p));
	p->tgid = tgid;
	p->maps = maps;
	vg_buf_init(&p->perfmap_names);
	return err ? -ESRCH : 0;
}

/* The file mapped at m in process tgid, read on first use. */
static struct file *file_get(struct vg_usyms *u, uint32_t tgid, const struct vg_map *m)
{
	char path[PATH_MAX * 2 + 64], clean[PATH_MAX];
	size_t len = strlen(m->path);
	struct file *f;
	struct stat st;
	int fd;

	for (size_t i = 0; i < u->n_files; i++)
		if (u->files[i]->dev == m->dev && u->files[i]->ino == m->ino)
			return u->files[i];
	if (u->n_files == u->cap_files) {
		size_t ncap = u->cap_files ? u->cap_files * 2 : 32;
		struct file **n = realloc(u->files, ncap * sizeof(*n));

		if (!n)
			return NULL;
		u->files = n;
		u->cap_files = ncap;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->dev = m->dev;
	f->ino = m->ino;
	u->files[u->n_files++] = f;

	/* the very file mapped, while the process lives */
	snprintf(path, sizeof(path), "%s/%u/map_files/%" PRIx64 "-%" PRIx64, u->proc_root, tgid,
		 m->start, m->end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		/*
		 * By path: in its mount namespace, else in ours.  The inode must
		 * match (not the device: overlayfs shows the lower layer's in maps).
		 */
		if (len > strlen(DELETED_SUFFIX) &&
		    !strcmp(m->path + len - strlen(DELETED_SUFFIX), DELETED_SUFFIX))
			len -= strlen(DELETED_SUFFIX);
		snprintf(clean, sizeof(clean), "%.*s", (int)len, m->path);
		snprintf(path, sizeof(path), "%s/%u/root%s", u->proc_root, tgid, clean);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fd = open(clean, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && (fstat(fd, &st) || st.st_ino != m->ino)) {
			close(fd);
			fd = -1;
			errno = ESTALE;		/* replaced since it was mapped */
		}
	}
	if (fd < 0) {
		f->err = -errno;
		vg_elfsym_release(&f->elf);
		return f;
	}
	f->err = vg_elfsym_load_fd(&f->elf, fd);
	close(fd);
	return f;
}

/* Our vDSO image: its address from the auxiliary vector, its size from our maps. */
static struct vg_elfsym *vdso_get(struct vg_usyms *u)
{
	uint64_t base = getauxval(AT_SYSINFO_EHDR);
	struct vg_maps self = { 0 };
	const struct vg_map *m;
	struct vg_buf text;
	char path[PATH_MAX + 16];

	if (u->vdso_tried)
		return u->vdso_err ? NULL : &u->vdso;
	u->vdso_tried = true;
	u->vdso_err = -ENOENT;
	if (!base)
		return NULL;
	vg_buf_init(&text);
	snprintf(path, sizeof(path), "%s/self/maps", u->proc_root);
	if (!read_all(path, &text) && !vg_maps_parse(text.data, &self) &&
	    (m = vg_maps_find(&self, base)) && m->start == base) {
		u->vdso_size = m->end - m->start;
		u->vdso_err = vg_elfsym_load_mem(&u->vdso, (const void *)(uintptr_t)base,
						 u->vdso_size);
	}
	vg_maps_release(&self);
	vg_buf_release(&text);
	return u->vdso_err ? NULL : &u->vdso;
}

static int cmp_perfmap(const void *a, const void *b)
{
	const struct perfmap_sym *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* /tmp/perf-TGID.map: "START SIZE NAME" lines in hex, written by JITs. */
static void perfmap_read(struct proc *p)
{
	char path[64], line[4096];
	size_t cap = 0;
	FILE *f;

	p->perfmap_read = true;
	snprintf(path, sizeof(path), "/tmp/perf-%u.map", p->tgid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, size;
		int pos = -1;

		if (sscanf(line, "%llx %llx %n", &start, &size, &pos) < 2 || pos < 0 || !size)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (p->n_perfmap == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct perfmap_sym *n = realloc(p->perfmap, ncap * sizeof(*n));

			if (!n)
				break;
			p->perfmap = n;
			cap = ncap;
		}
		p->perfmap[p->n_perfmap].start = start;
		p->perfmap[p->n_perfmap].size = size;
		p->perfmap[p->n_perfmap].name = p->perfmap_names.len;
		vg_buf_adds(&p->perfmap_names, line + pos);
		vg_buf_addc(&p->perfmap_names, '\0');
		p->n_perfmap++;
	}
	fclose(f);
	if (p->perfmap_names.oom)
		p->n_perfmap = 0;
	if (p->n_perfmap > 1)
		qsort(p->perfmap, p->n_perfmap, sizeof(*p->perfmap), cmp_perfmap);
}

static const char *perfmap_lookup(struct proc *p, uint64_t addr)
{
	size_t lo = 0, hi;

	if (!p->perfmap_read)
		perfmap_read(p);
	hi = p->n_perfmap;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->perfmap[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr - p->perfmap[lo - 1].start >= p->perfmap[lo - 1].size)
		return NULL;
	return p->perfmap_names.data + p->perfmap[lo - 1].name;
}

/* "libc.so.6" of "/usr/lib/x86_64-linux-gnu/libc.so.6 (deleted)" */
static void module_name(const char *path, char *buf, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > strlen(DELETED_SUFFIX) && !strcmp(base + n - strlen(DELETED_SUFFIX), DELETED_SUFFIX))
		n -= strlen(DELETED_SUFFIX);
	snprintf(buf, len, "%.*s", (int)n, base);
}

bool vg_usyms_resolve(struct vg_usyms *u, uint32_t tgid, uint64_t addr, char *buf, size_t len)
{
	struct proc *p = proc_find(u, tgid);
	const struct vg_map *m = p ? vg_maps_find(&p->maps, addr) : NULL;
	const char *name;
	struct vg_elfsym *e;
	char mod[256];
	uint64_t off, vaddr;
	struct file *f;

	if (!m) {
		snprintf(buf, len, "[unknown]");
		return false;
	}
	off = addr - m->start + m->offset;
	if (!m->path) {
		name = perfmap_lookup(p, addr);
		snprintf(buf, len, "%s", name ? name : "[unknown]");
		return name != NULL;
	}
	if (m->path[0] == '[') {
		e = strcmp(m->path, "[vdso]") ? NULL : vdso_get(u);
		if (e && m->end - m->start == u->vdso_size && !vg_elfsym_vaddr(e, off, &vaddr) &&
		    (name = vg_elfsym_lookup(e, vaddr, NULL))) {
			snprintf(buf, len, "%s", name);
			return true;
		}
		snprintf(buf, len, "%s", m->path);
		return false;
	}
	f = file_get(u, tgid, m);
	if (f && !f->err && !vg_elfsym_vaddr(&f->elf, off, &vaddr) &&
	    (name = vg_elfsym_lookup(&f->elf, vaddr, NULL))) {
		snprintf(buf, len, "%s", name);
		return true;
	}
	module_name(m->path, mod, sizeof(mod));
	snprintf(buf, len, "%s+0x%" PRIx64, mod, off);
	return false;
}

void vg_usyms_stats(const struct vg_usyms *u, struct vg_usyms_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->processes = u->n_procs;
	for (size_t i = 0; i < u->n_files; i++) {
		if (u->files[i]->err)
			st->files_failed++;
		else
			st->files++;
	}
}
