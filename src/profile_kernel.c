// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * profile_kernel.c - behaviour profiles in the kernel's maps.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "profile_kernel.h"

/* Give a running process (its thread group leader) the profile. */
static int seed_task(int tasks_fd, pid_t pid, const struct vg_prof_exe_val *v)
{
	struct vg_prof_task t = { .p = *v };
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), err = 0;

	if (pidfd < 0)
		return -errno;
	if (bpf_map_update_elem(tasks_fd, &pidfd, &t, BPF_ANY))
		err = -errno;
	close(pidfd);
	return err;
}

int vg_prof_kernel_set_exe(const struct vg_prof_maps *m, const char *exe,
			   const struct vg_prof_exe_val *v, size_t *seeded)
{
	struct vg_prof_exe_key k = {};
	char link[64], target[VG_PROF_KEY_LEN + 16];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (seeded)
		*seeded = 0;
	if (m->exe < 0)
		return -ENOTSUP;
	if (strlen(exe) >= sizeof(k.path))
		return -ENAMETOOLONG;
	memcpy(k.path, exe, strlen(exe));
	if (bpf_map_update_elem(m->exe, &k, v, BPF_ANY))
		return -errno;
	d = opendir("/proc");
	if (!d)
		return 0;	/* new execs are covered; running ones not */
	while ((de = readdir(d))) {
		ssize_t len;
		pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);

		if (pid <= 0)
			continue;
		snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (!strcmp(target, exe) && !seed_task(m->tasks, pid, v))
			n++;
	}
	closedir(d);
	if (seeded)
		*seeded = n;
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
