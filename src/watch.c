// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "log.h"
#include "pathnorm.h"
#include "vigil/event.h"
#include "vigil/watch.h"
#include "watch.h"

void vg_watchlist_init(struct vg_watchlist *wl)
{
	memset(wl, 0, sizeof(*wl));
}

void vg_watchlist_release(struct vg_watchlist *wl)
{
	for (size_t i = 0; i < wl->n; i++)
		free(wl->items[i].path);
	free(wl->items);
	vg_watchlist_init(wl);
}

/* realpath() of the directory part when it exists; the lexical form otherwise. */
static char *canonical(const char *spec, bool *is_dir)
{
	char buf[PATH_MAX], real[PATH_MAX], *slash, *out = NULL;
	struct stat st;

	if (strlen(spec) >= sizeof(buf))
		return NULL;
	strcpy(buf, spec);
	vg_path_normalize(buf);
	*is_dir = false;
	if (!stat(buf, &st) && S_ISDIR(st.st_mode)) {
		*is_dir = true;
		return realpath(buf, NULL);
	}
	slash = strrchr(buf, '/');
	*slash = '\0';
	if (realpath(*buf ? buf : "/", real)) {
		if (asprintf(&out, "%s/%s", strcmp(real, "/") ? real : "", slash + 1) < 0)
			out = NULL;
		return out;
	}
	*slash = '/';
	return strdup(buf);
}

int vg_watchlist_add(struct vg_watchlist *wl, const char *spec, const char *origin)
{
	size_t len = strlen(spec);
	bool subtree = len > 0 && spec[len - 1] == '/', is_dir;
	struct vg_watch *items;
	char *path;

	if (spec[0] != '/')
		return vg_error("%s: '%s' is not an absolute path", origin, spec), -EINVAL;
	if (len >= PATH_MAX)
		return vg_error("%s: path too long (%zu bytes)", origin, len), -EINVAL;
	path = canonical(spec, &is_dir);
	if (!path)
		return vg_error("%s: cannot resolve '%s': %s", origin, spec, strerror(errno)), -EINVAL;
	subtree = subtree || is_dir;
	for (size_t i = 0; i < wl->n; i++)
		if (wl->items[i].subtree == subtree && !strcmp(wl->items[i].path, path)) {
			free(path);	/* already there */
			return 0;
		}
	if (!subtree && strlen(strrchr(path, '/') + 1) >= VG_WATCH_NAME_LEN)
		vg_warn("%s: file name in '%s' is longer than %d bytes: opens of it are matched "
			"by path only", origin, path, VG_WATCH_NAME_LEN - 1);
	if (wl->n == wl->cap) {
		size_t cap = wl->cap ? wl->cap * 2 : 16;

		items = realloc(wl->items, cap * sizeof(*items));
		if (!items) {
			free(path);
			return -ENOMEM;
		}
		wl->items = items;
		wl->cap = cap;
	}
	if (wl->n >= VG_WATCH_MAX) {
		free(path);
		return vg_error("%s: more than %d watches", origin, VG_WATCH_MAX), -EINVAL;
	}
	wl->items[wl->n++] = (struct vg_watch){ .path = path, .subtree = subtree };
	return 0;
}

int vg_watchlist_copy(struct vg_watchlist *dst, const struct vg_watchlist *src,
		      const char *origin)
{
	char spec[PATH_MAX + 1];
	int err;

	for (size_t i = 0; i < src->n; i++) {
		snprintf(spec, sizeof(spec), "%s%s", src->items[i].path,
			 src->items[i].subtree && strcmp(src->items[i].path, "/") ? "/" : "");
		err = vg_watchlist_add(dst, spec, origin);
		if (err)
			return err;
	}
	return 0;
}

static uint32_t kernel_dev(dev_t dev)
{
	return (major(dev) << 20) | minor(dev);
}

static int lpm_put(int fd, const char *s, size_t len, uint32_t id, uint32_t match)
{
	struct vg_lpm_key key = {};
	struct vg_watch_val val = { .id = id, .match = match };

	if (len > VG_WATCH_KEY_LEN)
		len = VG_WATCH_KEY_LEN;
	memcpy(key.data, s, len);
	key.prefixlen = len * 8;
	return bpf_map_update_elem(fd, &key, &val, BPF_ANY) ? -errno : 0;
}

static int dir_flag(int fd, const struct stat *st, uint32_t flag)
{
	struct vg_inode_key key = { .ino = st->st_ino, .dev = kernel_dev(st->st_dev) };
	uint32_t flags = 0;

	bpf_map_lookup_elem(fd, &key, &flags);
	flags |= flag;
	return bpf_map_update_elem(fd, &key, &flags, BPF_ANY) ? -errno : 0;
}

static int install_subtree(const struct vg_watch *w, uint32_t id, const struct vg_watch_maps *m)
{
	char prefix[PATH_MAX + 1];
	struct stat st;
	int err;

	/* "/dir/" for everything below, "/dir\0" for the directory itself */
	snprintf(prefix, sizeof(prefix), "%s/", strcmp(w->path, "/") ? w->path : "");
	err = lpm_put(m->lpm, prefix, strlen(prefix), id, VG_MATCH_PREFIX);
	if (!err)
		err = lpm_put(m->lpm, w->path, strlen(w->path) + 1, id, VG_MATCH_PREFIX);
	if (!err && !stat(w->path, &st))
		err = dir_flag(m->dirs, &st, VG_WATCH_SUBTREE);
	else if (!err)
		vg_warn("watch '%s/': directory does not exist yet: only path-named operations "
			"are matched until vigil restarts", w->path);
	return err;
}

static int install_exact(const struct vg_watch *w, uint32_t id, const struct vg_watch_maps *m)
{
	const char *name = strrchr(w->path, '/') + 1;
	char dir[PATH_MAX];
	struct vg_name_key nk = {};
	struct vg_watch_val val = { .id = id, .match = VG_MATCH_EXACT };
	struct stat st;
	int err;

	err = lpm_put(m->lpm, w->path, strlen(w->path) + 1, id, VG_MATCH_EXACT);
	if (err)
		return err;
	snprintf(dir, sizeof(dir), "%.*s", (int)(name - w->path - 1), w->path);
	if (stat(*dir ? dir : "/", &st)) {
		vg_warn("watch '%s': directory does not exist: only path-named operations are "
			"matched", w->path);
		return 0;
	}
	err = dir_flag(m->dirs, &st, VG_WATCH_CHILDREN);
	if (err)
		return err;
	nk.dir_ino = st.st_ino;
	nk.dev = kernel_dev(st.st_dev);
	strncpy(nk.name, name, sizeof(nk.name) - 1);
	if (bpf_map_update_elem(m->names, &nk, &val, BPF_ANY))
		return -errno;
	/* An existing file: writes through fds opened before vigil are caught too. */
	if (!stat(w->path, &st) && S_ISREG(st.st_mode)) {
		struct vg_inode_key ik = { .ino = st.st_ino, .dev = kernel_dev(st.st_dev) };

		if (bpf_map_update_elem(m->inodes, &ik, &val, BPF_ANY))
			return -errno;
	}
	return 0;
}

int vg_watchlist_install(const struct vg_watchlist *wl, const struct vg_watch_maps *m)
{
	uint32_t zero = 0, gen = 0;
	int err = 0;

	for (size_t i = 0; i < wl->n && !err; i++)
		err = wl->items[i].subtree ? install_subtree(&wl->items[i], i, m)
					   : install_exact(&wl->items[i], i, m);
	if (err)
		return vg_error("cannot install the watch list: %s", strerror(-err)), err;
	bpf_map_lookup_elem(m->gen, &zero, &gen);
	gen++;
	return bpf_map_update_elem(m->gen, &zero, &gen, BPF_ANY) ? -errno : 0;
}

static bool has_watch(const struct vg_watchlist *wl, const struct vg_watch *w)
{
	for (size_t i = 0; i < wl->n; i++)
		if (wl->items[i].subtree == w->subtree && !strcmp(wl->items[i].path, w->path))
			return true;
	return false;
}

/* Is some exact watch of wl in directory dir (a prefix of length n)? */
static bool has_exact_in(const struct vg_watchlist *wl, const char *dir, size_t n)
{
	for (size_t i = 0; i < wl->n; i++) {
		const char *p = wl->items[i].path, *slash = strrchr(p, '/');

		if (!wl->items[i].subtree && (size_t)(slash - p) == n && !strncmp(p, dir, n))
			return true;
	}
	return false;
}

static void lpm_del(int fd, const char *s, size_t len)
{
	struct vg_lpm_key key = {};

	if (len > VG_WATCH_KEY_LEN)
		len = VG_WATCH_KEY_LEN;
	memcpy(key.data, s, len);
	key.prefixlen = len * 8;
	bpf_map_delete_elem(fd, &key);
}

static void dir_unflag(int fd, const char *dir, uint32_t flag)
{
	struct vg_inode_key key = {};
	uint32_t flags = 0;
	struct stat st;

	if (stat(*dir ? dir : "/", &st))
		return;
	key.ino = st.st_ino;
	key.dev = kernel_dev(st.st_dev);
	if (bpf_map_lookup_elem(fd, &key, &flags))
		return;
	flags &= ~flag;
	if (flags)
		bpf_map_update_elem(fd, &key, &flags, BPF_ANY);
	else
		bpf_map_delete_elem(fd, &key);
}

/* Take the kernel entries of one watch of `old` that `now` lacks. */
static void remove_watch(const struct vg_watch *w, const struct vg_watchlist *now,
			 const struct vg_watch_maps *m)
{
	char buf[PATH_MAX + 1];

	if (w->subtree) {
		snprintf(buf, sizeof(buf), "%s/", strcmp(w->path, "/") ? w->path : "");
		lpm_del(m->lpm, buf, strlen(buf));
		lpm_del(m->lpm, w->path, strlen(w->path) + 1);
		dir_unflag(m->dirs, w->path, VG_WATCH_SUBTREE);
	} else {
		const char *name = strrchr(w->path, '/') + 1;
		size_t dlen = (size_t)(name - w->path - 1);
		struct vg_name_key nk = {};
		struct stat st;

		lpm_del(m->lpm, w->path, strlen(w->path) + 1);
		snprintf(buf, sizeof(buf), "%.*s", (int)dlen, w->path);
		if (!stat(*buf ? buf : "/", &st)) {
			nk.dir_ino = st.st_ino;
			nk.dev = kernel_dev(st.st_dev);
			strncpy(nk.name, name, sizeof(nk.name) - 1);
			bpf_map_delete_elem(m->names, &nk);
		}
		if (!has_exact_in(now, w->path, dlen))
			dir_unflag(m->dirs, buf, VG_WATCH_CHILDREN);
		if (!stat(w->path, &st) && S_ISREG(st.st_mode)) {
			struct vg_inode_key ik = { .ino = st.st_ino, .dev = kernel_dev(st.st_dev) };

			bpf_map_delete_elem(m->inodes, &ik);
		}
	}
}

int vg_watchlist_replace(const struct vg_watchlist *old, const struct vg_watchlist *now,
			 const struct vg_watch_maps *m)
{
	uint32_t zero = 0, gen = 0;
	int err;

	err = vg_watchlist_install(now, m);
	if (err)
		return err;
	for (size_t i = 0; old && i < old->n; i++)
		if (!has_watch(now, &old->items[i]))
			remove_watch(&old->items[i], now, m);
	/* the entries now installed may still be the old ids: reinstall */
	err = vg_watchlist_install(now, m);
	if (err)
		return err;
	bpf_map_lookup_elem(m->gen, &zero, &gen);
	gen++;
	return bpf_map_update_elem(m->gen, &zero, &gen, BPF_ANY) ? -errno : 0;
}

unsigned int vg_watchlist_match(const struct vg_watchlist *wl, const char *path)
{
	unsigned int match = 0;

	for (size_t i = 0; i < wl->n; i++) {
		const struct vg_watch *w = &wl->items[i];

		if (w->subtree && vg_path_under(path, w->path))
			match |= VG_MATCH_PREFIX;
		else if (!w->subtree && !strcmp(path, w->path))
			match |= VG_MATCH_EXACT;
	}
	return match;
}

/* The open flags of /proc/PID/fdinfo/FD ("flags:\t0100002", octal), or -1. */
static long fd_flags(const char *proc_root, const char *pid, const char *fd)
{
	char path[PATH_MAX], line[128];
	long flags = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/fdinfo/%s", proc_root, pid, fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "flags: %lo", &flags) == 1)
			break;
	fclose(f);
	return flags;
}

static int gate_fd_if_watched(const struct vg_watchlist *wl, const struct vg_watch_maps *m,
			      const char *proc_root, const char *pid, const char *fd)
{
	char link[PATH_MAX], target[PATH_MAX];
	struct vg_watch_val val = {};
	struct vg_inode_key key = {};
	uint32_t tgid = (uint32_t)strtoul(pid, NULL, 10), one = 1;
	struct stat st;
	long flags;
	ssize_t n;

	snprintf(link, sizeof(link), "%s/%s/fd/%s", proc_root, pid, fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0 || target[0] != '/')
		return 0;	/* sockets, pipes, anonymous inodes */
	target[n] = '\0';
	val.match = vg_watchlist_match(wl, target);
	if (!val.match)
		return 0;
	flags = fd_flags(proc_root, pid, fd);
	if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY)
		return 0;
	if (stat(link, &st) || !S_ISREG(st.st_mode))
		return 0;
	key.ino = st.st_ino;
	key.dev = kernel_dev(st.st_dev);
	if (bpf_map_update_elem(m->inodes, &key, &val, BPF_ANY) ||
	    bpf_map_update_elem(m->gate, &tgid, &one, BPF_ANY))
		return -errno;
	return 1;
}

int vg_watchlist_gate_existing_writers(const struct vg_watchlist *wl,
				       const struct vg_watch_maps *m, const char *proc_root)
{
	DIR *procs = opendir(proc_root), *fds;
	struct dirent *p, *f;
	char path[PATH_MAX];
	int n = 0, r;

	if (!procs)
		return -errno;
	while ((p = readdir(procs))) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/fd", proc_root, p->d_name);
		fds = opendir(path);
		if (!fds)
			continue;	/* exited, or a kernel thread */
		while ((f = readdir(fds))) {
			if (f->d_name[0] == '.')
				continue;
			r = gate_fd_if_watched(wl, m, proc_root, p->d_name, f->d_name);
			if (r > 0)
				n++;
		}
		closedir(fds);
	}
	closedir(procs);
	return n;
}
