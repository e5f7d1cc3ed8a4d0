// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * profile_kernel.c - behaviour profiles in the kernel's maps.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "mounts.h"
#include "profile_kernel.h"

/* Give a running process (its thread group leader) the profile, and make
 * every CPU forget it cached the task as having none. */
static int seed_task(const struct vg_prof_maps *m, pid_t pid, const struct vg_prof_exe_val *v)
{
	struct vg_prof_task t = { .p = *v };
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), err = 0;
	uint32_t zero = 0, gen = 0;

	if (pidfd < 0)
		return -errno;
	if (bpf_map_update_elem(m->tasks, &pidfd, &t, BPF_ANY))
		err = -errno;
	close(pidfd);
	if (m->gen >= 0 && !bpf_map_lookup_elem(m->gen, &zero, &gen)) {
		gen++;
		bpf_map_update_elem(m->gen, &zero, &gen, BPF_ANY);
	}
	return err;
}

uint64_t vg_prof_proc_cgroup_id(pid_t pid)
{
	static char root[PATH_MAX];
	char file[64], line[PATH_MAX], path[2 * PATH_MAX];
	uint64_t id = 0;
	struct stat st;
	FILE *f;

	if (!root[0] && vg_mount_find("cgroup2", root, sizeof(root)))
		return 0;
	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	f = fopen(file, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, sizeof(path), "%s%s", root, line + 3);
		if (!stat(path, &st))
			id = st.st_ino;
		break;
	}
	fclose(f);
	return id;
}

/* Each running process (pid, its executable) of cgroup `cgroup_id` (0: any):
 * fn(pid, exe, ctx). */
static void each_process(uint64_t cgroup_id, void (*fn)(pid_t, const char *, void *), void *ctx)
{
	char link[64], target[VG_PROF_KEY_LEN + 16];
	struct dirent *de;
	DIR *d = opendir("/proc");

	if (!d)
		return;	/* new execs are covered; running ones not */
	while ((de = readdir(d))) {
		ssize_t len;
		pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (cgroup_id && vg_prof_proc_cgroup_id(pid) != cgroup_id)
			continue;
		fn(pid, target, ctx);
	}
	closedir(d);
}

struct seed_exe {
	const struct vg_prof_maps *m;
	const char *exe;
	const struct vg_prof_exe_val *v;
	size_t n;
};

static void seed_exe(pid_t pid, const char *exe, void *ctx)
{
	struct seed_exe *s = ctx;

	if (!strcmp(exe, s->exe) && !seed_task(s->m, pid, s->v))
		s->n++;
}

static int exe_key(struct vg_prof_exe_key *k, const char *exe, uint64_t cgroup_id)
{
	memset(k, 0, sizeof(*k));
	if (strlen(exe) >= sizeof(k->path))
		return -ENAMETOOLONG;
	memcpy(k->path, exe, strlen(exe));
	k->cgroup_id = cgroup_id;
	return 0;
}

int vg_prof_kernel_set_mode(const struct vg_prof_maps *m, const struct vg_prof_exe_val *v)
{
	uint32_t id = v->profile_id;

	if (m->modes < 0)
		return -ENOTSUP;
	if (id < 1 || id > VG_PROF_EXE_MAX)
		return -EINVAL;
	return bpf_map_update_elem(m->modes, &id, v, BPF_ANY) ? -errno : 0;
}

int vg_prof_kernel_set_exe(const struct vg_prof_maps *m, const char *exe, uint64_t cgroup_id,
			   const struct vg_prof_exe_val *v, size_t *seeded)
{
	struct seed_exe s = { .m = m, .exe = exe, .v = v };
	struct vg_prof_exe_key k;
	int err;

	if (seeded)
		*seeded = 0;
	if (m->exe < 0)
		return -ENOTSUP;
	err = exe_key(&k, exe, cgroup_id);
	if (!err)
		err = vg_prof_kernel_set_mode(m, v);
	if (err)
		return err;
	if (bpf_map_update_elem(m->exe, &k, v, BPF_ANY))
		return -errno;
	each_process(cgroup_id, seed_exe, &s);
	if (seeded)
		*seeded = s.n;
	return 0;
}

struct seed_scope {
	const struct vg_prof_maps *m;
	uint64_t cgroup_id;
	const struct vg_prof_exe_val *tmpl;
	uint32_t *next;
	size_t n;
	int err;
};

/* A process already in a learned cgroup: its executable's profile (a new
 * user id the first time), then the process. */
static void seed_scope(pid_t pid, const char *exe, void *ctx)
{
	struct seed_scope *s = ctx;
	struct vg_prof_exe_key k;
	struct vg_prof_exe_val v;

	if (s->err || exe_key(&k, exe, s->cgroup_id))
		return;
	if (bpf_map_lookup_elem(s->m->exe, &k, &v)) {
		if (*s->next > VG_PROF_USER_IDS) {
			s->err = -ENOSPC;
			return;
		}
		v = *s->tmpl;
		v.profile_id = (*s->next)++;
		if (vg_prof_kernel_set_mode(s->m, &v) ||
		    bpf_map_update_elem(s->m->exe, &k, &v, BPF_NOEXIST)) {
			s->err = -errno;
			return;
		}
	}
	if (!seed_task(s->m, pid, &v))
		s->n++;
}

int vg_prof_kernel_add_scope(const struct vg_prof_maps *m, uint64_t cgroup_id,
			     const struct vg_prof_exe_val *tmpl, uint32_t *next_user_id,
			     size_t *seeded)
{
	struct seed_scope s = { .m = m, .cgroup_id = cgroup_id, .tmpl = tmpl, .next = next_user_id };
	uint32_t zero = 0, next;

	if (seeded)
		*seeded = 0;
	if (m->scopes < 0 || m->next < 0)
		return -ENOTSUP;
	if (!cgroup_id)
		return -EINVAL;
	/* the kernel's ids start above user space's */
	if (bpf_map_lookup_elem(m->next, &zero, &next))
		return -errno;
	if (next <= VG_PROF_USER_IDS) {
		next = VG_PROF_USER_IDS + 1;
		if (bpf_map_update_elem(m->next, &zero, &next, BPF_ANY))
			return -errno;
	}
	if (bpf_map_update_elem(m->scopes, &cgroup_id, tmpl, BPF_ANY))
		return errno == E2BIG ? -ENOSPC : -errno;
	each_process(cgroup_id, seed_scope, &s);
	if (seeded)
		*seeded = s.n;
	return s.err;
}

int vg_prof_kernel_read_exes(const struct vg_prof_maps *m, vg_prof_exe_fn fn, void *ctx)
{
	struct vg_prof_exe_key key, next;
	struct vg_prof_exe_val v;
	void *prev = NULL;
	int ret;

	if (m->exe < 0)
		return -ENOTSUP;
	while (!bpf_map_get_next_key(m->exe, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(m->exe, &key, &v))
			continue;
		key.path[sizeof(key.path) - 1] = '\0';
		ret = fn(key.cgroup_id, key.path, v.profile_id, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

int vg_prof_kernel_add_ngrams(const struct vg_prof_maps *m, uint32_t id, const uint64_t *keys,
			      size_t n)
{
	uint8_t one = 1;

	if (m->ngrams < 0)
		return -ENOTSUP;
	for (size_t i = 0; i < n; i++) {
		struct vg_prof_ngram_key k = { .profile_id = id, .hash = keys[i] };

		if (bpf_map_update_elem(m->ngrams, &k, &one, BPF_ANY))
			return errno == E2BIG || errno == ENOMEM ? -ENOSPC : -errno;
	}
	return 0;
}

int vg_prof_kernel_read_learned(const struct vg_prof_maps *m, vg_prof_learned_fn fn, void *ctx)
{
	struct vg_prof_ngram_key key, next;
	struct vg_prof_learn_val v;
	void *prev = NULL;
	int ret;

	if (m->learn < 0)
		return -ENOTSUP;
	while (!bpf_map_get_next_key(m->learn, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(m->learn, &key, &v))
			continue;	/* cannot happen: nothing deletes while learning */
		if (v.len < 1 || v.len > VG_NGRAM_MAX)
			continue;
		ret = fn(key.profile_id, v.nrs, v.len, v.count, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

int vg_prof_kernel_take_learned(const struct vg_prof_maps *m, uint32_t id, vg_prof_learned_fn fn,
				void *ctx)
{
	struct vg_prof_ngram_key key, next, *keys = NULL, *nk;
	struct vg_prof_learn_val v;
	size_t n = 0, cap = 0;
	void *prev = NULL;
	int ret = 0;

	if (m->learn < 0)
		return -ENOTSUP;
	while (!bpf_map_get_next_key(m->learn, prev, &next)) {
		key = next;
		prev = &key;
		if (key.profile_id != id)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			nk = realloc(keys, cap * sizeof(*keys));
			if (!nk) {
				free(keys);
				return -ENOMEM;
			}
			keys = nk;
		}
		keys[n++] = key;
	}
	/* the task keeps counting until its mode changes: read, then delete */
	for (size_t i = 0; i < n; i++) {
		if (!ret && !bpf_map_lookup_elem(m->learn, &keys[i], &v) && v.len >= 1 &&
		    v.len <= VG_NGRAM_MAX)
			ret = fn(id, v.nrs, v.len, v.count, ctx);
		bpf_map_delete_elem(m->learn, &keys[i]);
	}
	free(keys);
	return ret;
}
