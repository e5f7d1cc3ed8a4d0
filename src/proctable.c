// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigil/event.h"
#include "proctable.h"

struct vg_proctable {
	struct vg_proc **buckets;
	size_t mask;		/* buckets - 1; a power of two minus one */
	size_t capacity;
	size_t entries;
	struct vg_proc *lru_head;	/* most recently used */
	struct vg_proc *lru_tail;	/* next to be evicted */
	uint64_t evicted;
	uint64_t removed;
};

struct vg_proctable *vg_proctable_new(size_t capacity)
{
	struct vg_proctable *pt;
	size_t n = 16;

	if (!capacity) {
		errno = EINVAL;
		return NULL;
	}
	/* Load factor at most 1/2 when full. */
	while (n / 2 < capacity) {
		if (n > SIZE_MAX / 2 / sizeof(struct vg_proc *)) {
			errno = ENOMEM;
			return NULL;
		}
		n *= 2;
	}
	pt = calloc(1, sizeof(*pt));
	if (!pt)
		return NULL;
	pt->buckets = calloc(n, sizeof(*pt->buckets));
	if (!pt->buckets) {
		free(pt);
		return NULL;
	}
	pt->mask = n - 1;
	pt->capacity = capacity;
	return pt;
}

static void proc_free(struct vg_proc *p)
{
	free(p->exe);
	free(p->cgroup);
	free(p->args);
	free(p);
}

void vg_proctable_free(struct vg_proctable *pt)
{
	struct vg_proc *p, *next;

	if (!pt)
		return;
	for (p = pt->lru_head; p; p = next) {
		next = p->lru_next;
		proc_free(p);
	}
	free(pt->buckets);
	free(pt);
}

static size_t pid_bucket(const struct vg_proctable *pt, uint32_t pid)
{
	/* Fibonacci hashing: pids are dense and sequential. */
	return (size_t)((pid * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & pt->mask;
}

static struct vg_proc *lookup(const struct vg_proctable *pt, uint32_t pid)
{
	struct vg_proc *p;

	for (p = pt->buckets[pid_bucket(pt, pid)]; p; p = p->hash_next)
		if (p->pid == pid)
			return p;
	return NULL;
}

static void lru_unlink(struct vg_proctable *pt, struct vg_proc *p)
{
	if (p->lru_prev)
		p->lru_prev->lru_next = p->lru_next;
	else
		pt->lru_head = p->lru_next;
	if (p->lru_next)
		p->lru_next->lru_prev = p->lru_prev;
	else
		pt->lru_tail = p->lru_prev;
	p->lru_prev = p->lru_next = NULL;
}

static void lru_push_front(struct vg_proctable *pt, struct vg_proc *p)
{
	p->lru_prev = NULL;
	p->lru_next = pt->lru_head;
	if (pt->lru_head)
		pt->lru_head->lru_prev = p;
	else
		pt->lru_tail = p;
	pt->lru_head = p;
}

static void lru_touch(struct vg_proctable *pt, struct vg_proc *p)
{
	if (pt->lru_head == p)
		return;
	lru_unlink(pt, p);
	lru_push_front(pt, p);
}

/* Take p out of the hash chain and the LRU list, and free it. */
static void drop(struct vg_proctable *pt, struct vg_proc *p)
{
	struct vg_proc **pp = &pt->buckets[pid_bucket(pt, p->pid)];

	while (*pp != p)
		pp = &(*pp)->hash_next;
	*pp = p->hash_next;
	lru_unlink(pt, p);
	pt->entries--;
	proc_free(p);
}

struct vg_proc *vg_proctable_get(struct vg_proctable *pt, uint32_t pid)
{
	struct vg_proc *p = lookup(pt, pid);

	if (p)
		lru_touch(pt, p);
	return p;
}

struct vg_proc *vg_proctable_upsert(struct vg_proctable *pt, uint32_t pid)
{
	struct vg_proc *p = lookup(pt, pid);
	size_t b;

	if (p) {
		lru_touch(pt, p);
		return p;
	}
	/* Allocate first: a failed upsert must not cost an entry. */
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	if (pt->entries == pt->capacity) {
		drop(pt, pt->lru_tail);
		pt->evicted++;
	}
	b = pid_bucket(pt, pid);
	p->hash_next = pt->buckets[b];
	pt->buckets[b] = p;
	lru_push_front(pt, p);
	pt->entries++;
	return p;
}

int vg_proc_set_str(char **field, const char *s, size_t len)
{
	char *copy = NULL;

	if (s) {
		if (len == SIZE_MAX)
			return -ENOMEM;
		copy = malloc(len + 1);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, s, len);
		copy[len] = '\0';
	}
	free(*field);
	*field = copy;
	return 0;
}

void vg_proctable_remove(struct vg_proctable *pt, uint32_t pid)
{
	struct vg_proc *p = lookup(pt, pid);

	if (!p)
		return;
	drop(pt, p);
	pt->removed++;
}

void vg_proctable_get_stats(const struct vg_proctable *pt, struct vg_proctable_stats *st)
{
	st->entries = pt->entries;
	st->capacity = pt->capacity;
	st->evicted = pt->evicted;
	st->removed = pt->removed;
}

/* --- seeding from /proc ------------------------------------------------- */

/*
 * Read up to `cap` bytes of dirfd/name.  *more is set when the file holds
 * more than that.  Returns the byte count or -errno.
 */
static ssize_t read_at(int dirfd, const char *name, char *buf, size_t cap, bool *more)
{
	size_t len = 0;
	ssize_t n;
	char extra;
	int fd, err = 0;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < cap) {
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto cleanup;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	if (more) {
		*more = false;
		if (len == cap) {
			do
				n = read(fd, &extra, 1);
			while (n < 0 && errno == EINTR);
			*more = n > 0;
		}
	}
cleanup:
	close(fd);
	return err ? err : (ssize_t)len;
}

struct stat_fields {
	uint32_t ppid;
	uint64_t start_ticks;
	char comm[16];
};

/*
 * "pid (comm) state ppid ... starttime ...": comm may hold spaces and
 * parentheses, so the fields start after the *last* ')'.  Counting from
 * there, state is field 3, ppid 4 and starttime 22.
 */
static int parse_stat(char *line, size_t len, struct stat_fields *f)
{
	char *open, *close, *p, *end;
	unsigned long long v;
	size_t clen;
	int field;

	line[len] = '\0';
	open = memchr(line, '(', len);
	close = memrchr(line, ')', len);
	if (!open || !close || close < open)
		return -EINVAL;
	clen = (size_t)(close - open - 1);
	if (clen >= sizeof(f->comm))
		clen = sizeof(f->comm) - 1;
	memcpy(f->comm, open + 1, clen);
	f->comm[clen] = '\0';

	p = close + 1;
	for (field = 3; field <= 22; field++) {
		while (*p == ' ')
			p++;
		if (!*p)
			return -EINVAL;
		if (field == 4 || field == 22) {
			errno = 0;
			v = strtoull(p, &end, 10);
			if (end == p || errno || (*end && *end != ' ' && *end != '\n'))
				return -EINVAL;
			if (field == 4) {
				if (v > UINT32_MAX)
					return -EINVAL;
				f->ppid = (uint32_t)v;
			} else {
				f->start_ticks = v;
			}
		}
		while (*p && *p != ' ')
			p++;
	}
	return 0;
}

static int read_stat(int dirfd, struct stat_fields *f)
{
	char line[1024];
	ssize_t n;

	n = read_at(dirfd, "stat", line, sizeof(line) - 1, NULL);
	if (n < 0)
		return (int)n;
	return parse_stat(line, (size_t)n, f);
}

static uint64_t ticks_to_ns(uint64_t ticks)
{
	static long hz;

	if (!hz) {
		hz = sysconf(_SC_CLK_TCK);
		if (hz <= 0)
			hz = 100;
	}
	return ticks / (uint64_t)hz * 1000000000u +
	       ticks % (uint64_t)hz * 1000000000u / (uint64_t)hz;
}

/* "Uid:\treal\teffective\tsaved\tfs" (or Gid:) of /proc/PID/status. */
static void status_ids(const char *text, const char *key, uint32_t *real, uint32_t *eff)
{
	const char *p = strstr(text, key);
	unsigned int r, e;

	if (p && sscanf(p + strlen(key), "%u %u", &r, &e) == 2) {
		*real = r;
		*eff = e;
	}
}

int vg_proc_task_ctx(uint32_t pid, struct vg_task_ctx *t)
{
	char path[64], text[2048];
	struct stat_fields f = { 0 };
	ssize_t n;
	int dirfd;

	snprintf(path, sizeof(path), "/proc/%u", pid);
	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	n = read_stat(dirfd, &f);
	if (n < 0) {
		close(dirfd);
		return (int)n;
	}
	t->pid = pid;
	t->ppid = f.ppid;
	t->start_ns = ticks_to_ns(f.start_ticks);
	memcpy(t->comm, f.comm, sizeof(t->comm));
	n = read_at(dirfd, "status", text, sizeof(text) - 1, NULL);
	if (n > 0) {
		text[n] = '\0';
		status_ids(text, "\nUid:", &t->uid, &t->euid);
		status_ids(text, "\nGid:", &t->gid, &t->egid);
	}
	t->loginuid = (uint32_t)-1;
	n = read_at(dirfd, "loginuid", text, sizeof(text) - 1, NULL);
	if (n > 0) {
		text[n] = '\0';
		t->loginuid = (uint32_t)strtoul(text, NULL, 10);
	}
	close(dirfd);
	return 0;
}

/* The path of the "0::" (cgroup v2) line, or NULL if there is none. */
static const char *cgroup_v2_path(char *text, size_t len, size_t *plen)
{
	char *line = text, *end = text + len, *nl;

	while (line < end) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			nl = end;
		if (nl - line >= 3 && !memcmp(line, "0::", 3)) {
			*plen = (size_t)(nl - line - 3);
			return line + 3;
		}
		line = nl + 1;
	}
	return NULL;
}

struct seed_scratch {
	char exe[PATH_MAX];
	char args[VG_ARGS_LEN];
	char cgroup[16384];
};

/*
 * Read one /proc/<pid>.  Returns 1 if added, 0 if skipped (gone, not a
 * process, already known), -ENOMEM.  Everything is read through a directory
 * fd, which stays bound to this process even if the pid is reused meanwhile;
 * exe, cmdline and cgroup are each optional (kernel threads have no exe,
 * unprivileged readers may be refused it), and stat is read again at the end
 * so that a process that died while we read it is skipped.
 */
static int seed_one(struct vg_proctable *pt, int rootfd, const char *name, uint32_t pid,
		    struct seed_scratch *s)
{
	const char *cg = NULL;
	struct stat_fields f = { 0 }, again;
	ssize_t exe_len, args_len, cg_len;
	size_t cg_plen = 0;
	bool args_more = false;
	struct vg_proc *p;
	int dirfd, err = 0;

	if (lookup(pt, pid))
		return 0;	/* events already told us; they are newer */
	dirfd = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return 0;
	if (read_stat(dirfd, &f) < 0)
		goto cleanup;

	exe_len = readlinkat(dirfd, "exe", s->exe, sizeof(s->exe));
	if (exe_len == (ssize_t)sizeof(s->exe))
		exe_len = -1;	/* cut short: better unknown than wrong */
	args_len = read_at(dirfd, "cmdline", s->args, sizeof(s->args), &args_more);
	cg_len = read_at(dirfd, "cgroup", s->cgroup, sizeof(s->cgroup), NULL);
	if (cg_len > 0)
		cg = cgroup_v2_path(s->cgroup, (size_t)cg_len, &cg_plen);

	if (read_stat(dirfd, &again) < 0 || again.start_ticks != f.start_ticks)
		goto cleanup;

	p = vg_proctable_upsert(pt, pid);
	if (!p) {
		err = -ENOMEM;
		goto cleanup;
	}
	p->ppid = f.ppid;
	p->start_ns = ticks_to_ns(f.start_ticks);
	memcpy(p->comm, f.comm, sizeof(p->comm));
	if ((exe_len > 0 && vg_proc_set_str(&p->exe, s->exe, (size_t)exe_len)) ||
	    (args_len >= 0 && vg_proc_set_str(&p->args, s->args, (size_t)args_len)) ||
	    (cg && vg_proc_set_str(&p->cgroup, cg, cg_plen))) {
		drop(pt, p);
		err = -ENOMEM;
		goto cleanup;
	}
	p->args_len = args_len > 0 ? (size_t)args_len : 0;
	p->args_truncated = args_more;
	err = 1;
cleanup:
	close(dirfd);
	return err;
}

static bool parse_pid(const char *name, uint32_t *pid)
{
	unsigned long v = 0;
	const char *c;

	if (!*name)
		return false;
	for (c = name; *c; c++) {
		if (*c < '0' || *c > '9')
			return false;
		v = v * 10 + (unsigned long)(*c - '0');
		if (v > UINT32_MAX)
			return false;
	}
	if (!v)
		return false;
	*pid = (uint32_t)v;
	return true;
}

int vg_proctable_seed(struct vg_proctable *pt, const char *proc_root)
{
	struct seed_scratch *s;
	struct dirent *de;
	uint32_t pid;
	DIR *dir;
	int added = 0, ret;

	dir = opendir(proc_root);
	if (!dir)
		return -errno;
	s = malloc(sizeof(*s));
	if (!s) {
		added = -ENOMEM;
		goto cleanup;
	}
	while ((errno = 0, de = readdir(dir))) {
		if (!parse_pid(de->d_name, &pid))
			continue;
		ret = seed_one(pt, dirfd(dir), de->d_name, pid, s);
		if (ret < 0) {
			added = ret;
			goto cleanup;
		}
		if (added < INT_MAX)
			added += ret;
	}
	if (errno)
		added = -errno;
cleanup:
	free(s);
	closedir(dir);
	return added;
}
