// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * cgaction.c - throttle, freeze and quarantine one process in a cgroup of
 * its own, and put it back.  See cgaction.h.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgaction.h"
#include "fsutil.h"
#include "log.h"
#include "netctl.h"

#define PF_KTHREAD	0x00200000	/* include/linux/sched.h */
#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE	6
#endif
#define KTHREADD_PID	2
#define NAME_LEN_MAX	64
#define FREEZE_POLL_MS	5
#define MOVE_PASSES	16	/* rounds of moving a directory's processes out */
#define RMDIR_WAIT_MS	1000	/* an exited process can keep a cgroup busy briefly */

enum hier { H_V2, H_CPU, H_FREEZER, H_MAX };

#define HBIT(h)	(1u << (h))

static const char *const hier_label[H_MAX] = {
	[H_V2] = "cgroup v2",
	[H_CPU] = "cgroup v1 cpu",
	[H_FREEZER] = "cgroup v1 freezer",
};

struct hierarchy {
	char mnt[PATH_MAX];	/* mount point; "" when not mounted */
	char root[PATH_MAX];	/* the cgroup mounted there, as /proc/PID/cgroup names it */
	char base[PATH_MAX];	/* <mnt>/<name> */
};

struct target {
	uint32_t pid;			/* thread group id */
	unsigned long long start;	/* starttime (/proc/PID/stat): tells pid reuse */
	unsigned int actions;		/* VG_CGACTION_* in force */
	unsigned int dirs;		/* HBIT(h): <base>/pid-<pid> exists, made by us */
	unsigned int moved;		/* HBIT(h): the process was moved in; origin[h] set */
	enum hier throttle_h, freeze_h;
	unsigned int cpu_percent;
	uint64_t scope;			/* cgroup v2 id the netctl links are on; 0: none */
	char *origin[H_MAX];		/* directory it came from */
};

struct vg_cgaction {
	char name[NAME_LEN_MAX + 1];
	uint32_t self;
	bool prefer_v1;
	struct hierarchy h[H_MAX];
	struct target **t;
	size_t n, cap;
};

/* --- small helpers ----------------------------------------------------- */

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Is `word` one of the `sep`-separated items of `list`? */
static bool has_word(const char *list, const char *word, char sep)
{
	size_t n = strlen(word);

	for (const char *p = list; p && *p; p = strchr(p, sep), p = p ? p + 1 : NULL) {
		if (!strncmp(p, word, n) && (p[n] == sep || p[n] == '\0' || p[n] == '\n'))
			return true;
	}
	return false;
}

static void put_how(char *how, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void put_how(char *how, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!how || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(how, len, fmt, ap);
	va_end(ap);
}

/* --- /proc ------------------------------------------------------------- */

struct proc_stat {
	char state;
	uint32_t ppid;
	unsigned long flags;
	unsigned long long start;
};

/* /proc/<pid>/<file> into buf; returns the length or -errno. */
static ssize_t read_proc(uint32_t pid, const char *file, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/%s", pid, file);
	return vg_read_file(path, buf, len);
}

static int read_stat(uint32_t pid, struct proc_stat *st)
{
	char buf[1024];
	const char *p;
	ssize_t n;

	n = read_proc(pid, "stat", buf, sizeof(buf));
	if (n < 0)
		return n;
	/* comm may hold spaces and parentheses: the fields follow the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %u %*d %*d %*d %*d %lu %*u %*u %*u %*u %*u %*u "
			 "%*d %*d %*d %*d %*d %*d %llu",
			 &st->state, &st->ppid, &st->flags, &st->start) != 4)
		return -EINVAL;
	return 0;
}

/* The thread group of pid (a process or thread id). */
static int read_tgid(uint32_t pid, uint32_t *tgid)
{
	char buf[4096];
	const char *p;
	ssize_t n;

	n = read_proc(pid, "status", buf, sizeof(buf));
	if (n < 0)
		return n;
	p = strstr(buf, "\nTgid:");
	if (!p || sscanf(p + 6, "%u", tgid) != 1)
		return -EINVAL;
	return 0;
}

/* pid's start time, or 0 when it is gone. */
static unsigned long long start_of(uint32_t pid)
{
	struct proc_stat st;

	return read_stat(pid, &st) ? 0 : st.start;
}

/* --- guardrails -------------------------------------------------------- */

static bool is_ancestor(uint32_t tgid, uint32_t self)
{
	struct proc_stat st;
	uint32_t p = self;

	for (int depth = 0; depth < 4096 && p > 1; depth++) {
		if (read_stat(p, &st))
			return false;
		if (st.ppid == tgid)
			return true;
		p = st.ppid;
	}
	return false;
}

int vg_guard_check(uint32_t pid, uint32_t self, const char **reason)
{
	const char *why = NULL;
	struct proc_stat st;
	uint32_t tgid = 0;

	if (pid == 1)
		why = "pid 1";
	else if (!pid || read_stat(pid, &st) || read_tgid(pid, &tgid))
		why = "no such process";
	else if (pid == KTHREADD_PID || (st.flags & PF_KTHREAD) || st.ppid == KTHREADD_PID)
		why = "kernel thread";
	else if (tgid == 1)
		why = "pid 1";
	else if (pid == self || tgid == self)
		why = "vigil itself";
	else if (is_ancestor(tgid, self))
		why = "vigil's parent/ancestor";
	if (reason)
		*reason = why;
	return why ? -EPERM : 0;
}

/* --- mounts and paths -------------------------------------------------- */

/* Undo mountinfo's octal escapes (\040 for a space, ...) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static void set_mount(struct hierarchy *h, const char *root, const char *mnt)
{
	/* The first mount of a hierarchy wins, unless a later one mounts its root. */
	if (h->mnt[0] && (!strcmp(h->root, "/") || strcmp(root, "/")))
		return;
	if (strlen(root) >= sizeof(h->root) || strlen(mnt) >= sizeof(h->mnt))
		return;
	strcpy(h->root, root);
	strcpy(h->mnt, mnt);
}

/*
 * /proc/self/mountinfo: "id parent maj:min root mountpoint opts [tags] -
 * fstype source superopts".  v1 controllers are in the super-block options.
 */
static int find_mounts(struct vg_cgaction *a)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *sep = strstr(line, " - "), *save = NULL, *root, *mnt, *type, *opts;

		if (!sep)
			continue;
		*sep = '\0';
		if (!strtok_r(line, " ", &save) || !strtok_r(NULL, " ", &save) ||
		    !strtok_r(NULL, " ", &save))
			continue;
		root = strtok_r(NULL, " ", &save);
		mnt = strtok_r(NULL, " ", &save);
		save = NULL;
		type = strtok_r(sep + 3, " ", &save);
		if (!root || !mnt || !type || !strtok_r(NULL, " ", &save))
			continue;
		opts = strtok_r(NULL, " \n", &save);
		unescape(root);
		unescape(mnt);
		if (!strcmp(type, "cgroup2")) {
			set_mount(&a->h[H_V2], root, mnt);
		} else if (!strcmp(type, "cgroup") && opts) {
			if (has_word(opts, "cpu", ','))
				set_mount(&a->h[H_CPU], root, mnt);
			if (has_word(opts, "freezer", ','))
				set_mount(&a->h[H_FREEZER], root, mnt);
		}
	}
	free(line);
	fclose(f);
	return 0;
}

/*
 * Paths are short (mount points are checked in vg_cgaction_new()): one
 * that does not fit becomes "" and fails with ENOENT where used.
 */
static void dir_path(const struct vg_cgaction *a, enum hier h, uint32_t pid, char *buf,
		     size_t len)
{
	if ((size_t)snprintf(buf, len, "%s/pid-%u", a->h[h].base, pid) >= len)
		buf[0] = '\0';
}

static void file_path(const char *dir, const char *file, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, file) >= len)
		buf[0] = '\0';
}

static int write_in(const char *dir, const char *file, const char *s)
{
	char path[PATH_MAX];

	file_path(dir, file, path, sizeof(path));
	return vg_write_file(path, s);
}

/* The line of /proc/PID/cgroup for hierarchy h: its path into buf. */
static int proc_cgroup(uint32_t pid, enum hier h, char *buf, size_t len)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	int err = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *ctrl = strchr(line, ':'), *p;
		bool match;

		if (!ctrl || !(p = strchr(ctrl + 1, ':')))
			continue;
		*ctrl++ = '\0';
		*p++ = '\0';
		p[strcspn(p, "\n")] = '\0';
		if (h == H_V2)
			match = !strcmp(line, "0") && !*ctrl;
		else
			match = has_word(ctrl, h == H_CPU ? "cpu" : "freezer", ',');
		if (!match)
			continue;
		err = strlen(p) < len ? 0 : -ENAMETOOLONG;
		if (!err)
			strcpy(buf, p);
		break;
	}
	free(line);
	fclose(f);
	return err;
}

static struct target *find(const struct vg_cgaction *a, uint32_t pid, size_t *idx)
{
	for (size_t i = 0; i < a->n; i++) {
		if (a->t[i]->pid == pid) {
			if (idx)
				*idx = i;
			return a->t[i];
		}
	}
	return NULL;
}

/*
 * The directory pid is in now in hierarchy h, as a path under the mount.
 * A process already in a vigil directory (a child forked by a process we
 * moved) takes over the origin of that directory's owner, so it goes back
 * where the family came from, never into one of our directories.
 */
static int origin_dir(const struct vg_cgaction *a, enum hier h, uint32_t pid, char *buf,
		      size_t len)
{
	const struct hierarchy *hy = &a->h[h];
	char cg[PATH_MAX];
	const char *rest;
	size_t rl = strlen(hy->root), bl = strlen(hy->base);
	const struct target *owner;
	unsigned int owner_pid;
	int err;

	err = proc_cgroup(pid, h, cg, sizeof(cg));
	if (err)
		return err;
	if (strstr(cg, "/..") || cg[0] != '/')
		return -EXDEV;		/* outside our cgroup namespace */
	if (!strcmp(hy->root, "/"))
		rest = cg;
	else if (!strncmp(cg, hy->root, rl) && (cg[rl] == '/' || !cg[rl]))
		rest = cg + rl;
	else
		return -EXDEV;		/* not below what is mounted */
	if ((size_t)snprintf(buf, len, "%s%s", hy->mnt, strcmp(rest, "/") ? rest : "") >= len)
		return -ENAMETOOLONG;
	if (strncmp(buf, hy->base, bl) || (buf[bl] != '/' && buf[bl]))
		return 0;
	if (sscanf(buf + bl, "/pid-%u", &owner_pid) != 1 ||
	    !(owner = find(a, owner_pid, NULL)) || !(owner->moved & HBIT(h)))
		return -EBUSY;		/* in <base> but not in a directory we track */
	if (strlen(owner->origin[h]) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, owner->origin[h]);
	return 0;
}

/* --- limits ------------------------------------------------------------ */

/* cpu_percent 0: no limit. */
static int set_quota(enum hier h, const char *dir, unsigned int pct)
{
	char val[64];
	int err;

	if (h == H_V2) {
		if (pct)
			snprintf(val, sizeof(val), "%u %u", pct * (VG_CGACTION_PERIOD_US / 100),
				 VG_CGACTION_PERIOD_US);
		else
			snprintf(val, sizeof(val), "max %u", VG_CGACTION_PERIOD_US);
		return write_in(dir, "cpu.max", val);
	}
	if (pct) {
		snprintf(val, sizeof(val), "%u", VG_CGACTION_PERIOD_US);
		err = write_in(dir, "cpu.cfs_period_us", val);
		if (err)
			return err;
		snprintf(val, sizeof(val), "%u", pct * (VG_CGACTION_PERIOD_US / 100));
	} else {
		snprintf(val, sizeof(val), "-1");
	}
	return write_in(dir, "cpu.cfs_quota_us", val);
}

static int set_frozen(enum hier h, const char *dir, bool on)
{
	if (h == H_V2)
		return write_in(dir, "cgroup.freeze", on ? "1" : "0");
	return write_in(dir, "freezer.state", on ? "FROZEN" : "THAWED");
}

/* 1 frozen, 0 not yet, -errno. */
static int is_frozen(enum hier h, const char *dir)
{
	char path[PATH_MAX], buf[512];
	ssize_t n;

	file_path(dir, h == H_V2 ? "cgroup.events" : "freezer.state", path, sizeof(path));
	n = vg_read_file(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (h == H_V2)
		return strstr(buf, "frozen 1") != NULL;
	return !strncmp(buf, "FROZEN", 6);
}

static int wait_frozen(enum hier h, const char *dir)
{
	for (int ms = 0;; ms += FREEZE_POLL_MS) {
		int r = is_frozen(h, dir);

		if (r)
			return r < 0 ? r : 0;
		if (ms >= VG_CGACTION_FREEZE_MS)
			return -ETIMEDOUT;
		sleep_ms(FREEZE_POLL_MS);
	}
}

static int netctl_drop(uint64_t scope)
{
	struct vg_netctl nc;
	int err;

	if (!scope)
		return 0;	/* 0 would mean every cgroup */
	err = vg_netctl_open(&nc, false);
	if (err)
		return err == -ENOENT ? 0 : err;
	err = vg_netctl_detach(&nc, scope, NULL);
	vg_netctl_close(&nc);
	return err;
}

/* Attach the netctl programs to dir and deny everything there. */
static int netctl_block(const char *dir, uint64_t *scope, uint32_t ids[2])
{
	static const char *const all[2] = { "0.0.0.0/0", "::/0" };
	struct vg_netctl nc;
	char why[128];
	int err;

	err = vg_netctl_open(&nc, true);
	if (err)
		return err;
	err = vg_netctl_attach(&nc, dir, VG_NETCTL_HOOKS_ALL, scope);
	for (int i = 0; !err && i < 2; i++) {
		struct vg_netctl_rule r = { .scope = *scope, .hooks = VG_NETCTL_HOOKS_ALL };

		err = vg_netctl_parse_cidr(all[i], &r, why, sizeof(why));
		if (!err) {
			err = vg_netctl_add(&nc, &r);
			if (err == -EEXIST)
				err = 0;
			else if (err)
				vg_error("cannot add rule '%s' for '%s': %s", all[i], dir,
					 strerror(-err));
		}
		ids[i] = r.id;
	}
	vg_netctl_close(&nc);
	return err;
}

/* Neutral settings for a directory we did not make (left by a dead run). */
static void reset_dir(enum hier h, const char *dir)
{
	struct stat st;

	if (h == H_V2) {
		write_in(dir, "cgroup.freeze", "0");
		write_in(dir, "cpu.max", "max");
		if (!stat(dir, &st))
			netctl_drop(st.st_ino);
	} else if (h == H_CPU) {
		set_quota(h, dir, 0);
	} else {
		set_frozen(h, dir, false);
	}
}

/* --- moving processes -------------------------------------------------- */

static int ensure_base(struct vg_cgaction *a, enum hier h)
{
	const char *base = a->h[h].base;

	if (!a->h[h].mnt[0])
		return -ENODEV;
	if (mkdir(base, 0755) && errno != EEXIST) {
		int err = -errno;

		vg_error("cannot create cgroup '%s': %s", base, strerror(-err));
		return err;
	}
	return 0;
}

static void drop_base_if_unused(struct vg_cgaction *a, enum hier h)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->t[i]->dirs & HBIT(h))
			return;
	if (a->h[h].mnt[0] && rmdir(a->h[h].base) && errno != ENOENT)
		vg_debug("cannot remove '%s': %s", a->h[h].base, strerror(errno));
}

static int list_procs(const char *dir, uint32_t *out, int max);

static int ensure_dir(struct vg_cgaction *a, struct target *t, enum hier h)
{
	char dir[PATH_MAX];
	uint32_t pid;
	int err;

	if (t->dirs & HBIT(h))
		return 0;
	err = ensure_base(a, h);
	if (err)
		return err;
	dir_path(a, h, t->pid, dir, sizeof(dir));
	if (mkdir(dir, 0755)) {
		err = -errno;
		if (err != -EEXIST) {
			vg_error("cannot create cgroup '%s': %s", dir, strerror(-err));
			drop_base_if_unused(a, h);
			return err;
		}
		if (list_procs(dir, &pid, 1) > 0) {
			vg_error("cannot use cgroup '%s': it holds processes left by an "
				 "earlier run", dir);
			return -EBUSY;
		}
		vg_warn("cgroup '%s' already exists (left by an earlier run?): reusing it", dir);
		reset_dir(h, dir);
	}
	t->dirs |= HBIT(h);
	return 0;
}

static int move_pid(const char *dir, uint32_t pid)
{
	char val[16];

	snprintf(val, sizeof(val), "%u", pid);
	return write_in(dir, "cgroup.procs", val);
}

/*
 * Find where pid is now in hierarchy h (t->origin[h]), before anything is
 * created or limited: a process we cannot place back is not moved.
 */
static int plan_move(struct vg_cgaction *a, struct target *t, enum hier h)
{
	char origin[PATH_MAX];
	int err;

	if (t->moved & HBIT(h))
		return 0;
	err = origin_dir(a, h, t->pid, origin, sizeof(origin));
	if (err) {
		vg_error("cannot find the %s cgroup of pid %u: %s", hier_label[h], t->pid,
			 err == -EXDEV ? "outside vigil's view of the hierarchy" :
			 err == -EBUSY ? "in a vigil cgroup this instance did not make "
					 "(left by an earlier run?)" :
			 strerror(-err));
		return err;
	}
	free(t->origin[h]);
	t->origin[h] = strdup(origin);
	return t->origin[h] ? 0 : -ENOMEM;
}

static int move_in(struct vg_cgaction *a, struct target *t, enum hier h)
{
	char dir[PATH_MAX];
	int err;

	if (t->moved & HBIT(h))
		return 0;
	dir_path(a, h, t->pid, dir, sizeof(dir));
	err = move_pid(dir, t->pid);
	if (err) {
		vg_error("cannot move pid %u into '%s': %s", t->pid, dir, strerror(-err));
		return err;
	}
	t->moved |= HBIT(h);
	return 0;
}

/* Pids listed in dir/cgroup.procs into out[]; returns how many or -errno. */
static int list_procs(const char *dir, uint32_t *out, int max)
{
	char path[PATH_MAX], *buf, *p, *end;
	ssize_t len;
	int n = 0;

	buf = malloc(65536);
	if (!buf)
		return -ENOMEM;
	file_path(dir, "cgroup.procs", path, sizeof(path));
	len = vg_read_file(path, buf, 65536);
	if (len < 0) {
		free(buf);
		return len;
	}
	for (p = buf; n < max; p = end) {
		unsigned long v = strtoul(p, &end, 10);

		if (end == p)
			break;
		out[n++] = v;
	}
	free(buf);
	return n;
}

/* Move everything in dir (the process, what it forked) to `origin`. */
static int move_out(const char *dir, const char *origin)
{
	char dest[PATH_MAX];
	uint32_t pids[256];
	int err = 0;

	/* An origin removed meanwhile: its nearest existing ancestor. */
	snprintf(dest, sizeof(dest), "%s", origin);
	while (!is_dir(dest)) {
		char *slash = strrchr(dest, '/');

		if (!slash || slash == dest)
			return -ENOENT;
		*slash = '\0';
	}
	if (strcmp(dest, origin))
		vg_warn("cgroup '%s' is gone: moving its processes back to '%s'", origin, dest);

	for (int pass = 0; pass < MOVE_PASSES; pass++) {
		int n = list_procs(dir, pids, 256), moved = 0;

		if (n <= 0)
			return n == -ENOENT ? 0 : n;
		for (int i = 0; i < n; i++) {
			int e = move_pid(dest, pids[i]);

			if (!e)
				moved++;
			else if (e != -ESRCH && !err)	/* ESRCH: it exited */
				err = e;
		}
		if (err) {
			vg_error("cannot move processes of '%s' to '%s': %s", dir, dest,
				 strerror(-err));
			return err;
		}
		if (!moved)
			break;	/* only exiting processes left */
	}
	return 0;
}

/* Is pid on its way out: a zombie, exiting, or with SIGKILL pending (a
 * process killed while frozen still has to run to exit once thawed)? */
static bool dying(uint32_t pid)
{
	char path[64], line[256];
	bool yes = true;	/* gone already */
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	yes = false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long mask;

		if (!strncmp(line, "State:", 6))
			yes = yes || strchr(line, 'Z') || strchr(line, 'X');
		else if ((sscanf(line, "SigPnd: %llx", &mask) == 1 ||
			  sscanf(line, "ShdPnd: %llx", &mask) == 1) && (mask & (1ULL << (SIGKILL - 1))))
			yes = true;
	}
	fclose(f);
	return yes;
}

static int remove_dir(const char *dir)
{
	uint32_t pid;

	for (int ms = 0;; ms += 10) {
		if (!rmdir(dir) || errno == ENOENT)
			return 0;
		/* Busy while a dying process is torn down, not while one lives. */
		if (errno != EBUSY || ms >= RMDIR_WAIT_MS ||
		    (list_procs(dir, &pid, 1) > 0 && !dying(pid)))
			break;
		sleep_ms(10);
	}
	vg_error("cannot remove cgroup '%s': %s", dir, strerror(errno));
	return -errno;
}

/* Leave hierarchy h: processes back to their origin, directory removed. */
static int leave(struct vg_cgaction *a, struct target *t, enum hier h)
{
	char dir[PATH_MAX];
	int err = 0;

	dir_path(a, h, t->pid, dir, sizeof(dir));
	if (t->moved & HBIT(h)) {
		err = move_out(dir, t->origin[h]);
		if (err)
			return err;
		free(t->origin[h]);
		t->origin[h] = NULL;
		t->moved &= ~HBIT(h);
	}
	free(t->origin[h]);	/* planned, never moved */
	t->origin[h] = NULL;
	if (t->dirs & HBIT(h)) {
		err = remove_dir(dir);
		if (err)
			return err;
		t->dirs &= ~HBIT(h);
	}
	drop_base_if_unused(a, h);
	return 0;
}

static unsigned int needed(const struct target *t)
{
	unsigned int need = 0;

	if (t->actions & VG_CGACTION_THROTTLE)
		need |= HBIT(t->throttle_h);
	if (t->actions & VG_CGACTION_FREEZE)
		need |= HBIT(t->freeze_h);
	if (t->actions & VG_CGACTION_QUARANTINE)
		need |= HBIT(H_V2);
	return need;
}

static void drop_target(struct vg_cgaction *a, size_t idx)
{
	struct target *t = a->t[idx];

	for (int h = 0; h < H_MAX; h++)
		free(t->origin[h]);
	free(t);
	a->t[idx] = a->t[--a->n];
}

/*
 * Leave every hierarchy no action in force needs, and forget the target
 * when nothing is left.  t may be freed.
 */
static int settle(struct vg_cgaction *a, struct target *t)
{
	unsigned int planned = 0, extra;
	size_t idx;
	int err = 0;

	for (int h = 0; h < H_MAX; h++)
		if (t->origin[h])
			planned |= HBIT(h);
	extra = (t->dirs | t->moved | planned) & ~needed(t);

	for (int h = 0; h < H_MAX; h++) {
		if (extra & HBIT(h)) {
			int e = leave(a, t, h);

			if (e && !err)
				err = e;
		}
	}
	if (!t->actions && !t->dirs && !t->moved && !t->scope && find(a, t->pid, &idx))
		drop_target(a, idx);
	return err;
}

/* Lift every limit on t and leave every hierarchy; t may be freed. */
static int release_target(struct vg_cgaction *a, struct target *t, unsigned int *lifted)
{
	char dir[PATH_MAX];
	int e;

	if (lifted)
		*lifted = t->actions;
	/* A failed lift is harmless once the process has left the directory. */
	if (t->actions & VG_CGACTION_FREEZE) {
		dir_path(a, t->freeze_h, t->pid, dir, sizeof(dir));
		e = set_frozen(t->freeze_h, dir, false);
		if (e && e != -ENOENT)
			vg_warn("cannot thaw '%s': %s", dir, strerror(-e));
	}
	if (t->actions & VG_CGACTION_THROTTLE) {
		dir_path(a, t->throttle_h, t->pid, dir, sizeof(dir));
		e = set_quota(t->throttle_h, dir, 0);
		if (e && e != -ENOENT)
			vg_warn("cannot lift the cpu quota of '%s': %s", dir, strerror(-e));
	}
	if (t->scope) {
		e = netctl_drop(t->scope);
		if (e)
			vg_warn("cannot detach the quarantine of pid %u: %s", t->pid,
				strerror(-e));
		else
			t->scope = 0;
	}
	t->actions = 0;
	return settle(a, t);
}

/*
 * The record for pid (guardrails first), made when missing.  A record of an
 * earlier process with the same pid is released first.
 */
static int get_target(struct vg_cgaction *a, uint32_t pid, const char *verb,
		      struct target **out)
{
	unsigned long long start;
	struct target *t, **grown;
	const char *why;
	uint32_t tgid;
	int err;

	err = vg_guard_check(pid, a->self, &why);
	if (err) {
		vg_error("refusing to %s pid %u: %s", verb, pid, why);
		return err;
	}
	if (!read_tgid(pid, &tgid) && tgid != pid) {
		vg_debug("%s: %u is a thread of process %u: acting on the process", verb, pid,
			 tgid);
		pid = tgid;
	}
	start = start_of(pid);
	t = find(a, pid, NULL);
	if (t && t->start != start) {
		vg_info("pid %u is a new process: releasing what was done to the earlier one",
			pid);
		release_target(a, t, NULL);
		t = find(a, pid, NULL);
		if (t)
			return vg_error("cannot %s pid %u: the earlier process's cgroups "
					"could not be released", verb, pid), -EBUSY;
	}
	if (!t) {
		if (a->n >= VG_CGACTION_MAX_PIDS)
			return vg_error("cannot %s pid %u: %d processes already acted on",
					verb, pid, VG_CGACTION_MAX_PIDS), -ENOSPC;
		if (a->n == a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 16;

			grown = realloc(a->t, cap * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			a->t = grown;
			a->cap = cap;
		}
		t = calloc(1, sizeof(*t));
		if (!t)
			return -ENOMEM;
		t->pid = pid;
		t->start = start;
		a->t[a->n++] = t;
	}
	*out = t;
	return 0;
}

/* --- the actions ------------------------------------------------------- */

static bool v2_has_cpu(const struct vg_cgaction *a)
{
	char path[PATH_MAX], buf[256];

	if (!a->h[H_V2].mnt[0])
		return false;
	file_path(a->h[H_V2].mnt, "cgroup.subtree_control", path, sizeof(path));
	return vg_read_file(path, buf, sizeof(buf)) > 0 && has_word(buf, "cpu", ' ');
}

int vg_cgaction_throttle(struct vg_cgaction *a, uint32_t pid, unsigned int cpu_percent,
			 char *how, size_t len)
{
	char dir[PATH_MAX], val[16];
	struct target *t;
	enum hier h = H_CPU;
	bool had, limited = false;
	int err, policy;

	if (!cpu_percent || cpu_percent > 100)
		return vg_error("cannot throttle pid %u to %u%%: not 1-100", pid, cpu_percent),
		       -EINVAL;
	err = get_target(a, pid, "throttle", &t);
	if (err)
		return err;
	had = t->actions & VG_CGACTION_THROTTLE;
	policy = sched_getscheduler(t->pid);
	if (policy == SCHED_FIFO || policy == SCHED_RR || policy == SCHED_DEADLINE) {
		/* CFS bandwidth does not apply to them, and with RT group
		 * scheduling a new v1 cpu cgroup has no RT runtime to take them. */
		err = -EINVAL;
		vg_error("cannot throttle pid %u: a real-time task (policy %d) is not limited by "
			 "a CPU quota; freeze it instead", t->pid, policy);
		goto fail;
	}
	if (had)
		h = t->throttle_h;
	else if (!a->prefer_v1 && v2_has_cpu(a))
		h = H_V2;
	else if (a->h[H_CPU].mnt[0])
		h = H_CPU;
	else {
		err = -ENODEV;
		vg_error("cannot throttle pid %u: no cgroup v1 cpu hierarchy, and cgroup v2 "
			 "has no cpu controller for its children", t->pid);
		goto fail;
	}
	err = plan_move(a, t, h);
	if (!err)
		err = ensure_dir(a, t, h);
	if (!err && h == H_V2) {
		/* cpu.max exists where the parent hands the controller down. */
		err = write_in(a->h[h].base, "cgroup.subtree_control", "+cpu");
		if (err)
			vg_error("cannot enable the cpu controller in '%s': %s", a->h[h].base,
				 strerror(-err));
	}
	dir_path(a, h, t->pid, dir, sizeof(dir));
	if (!err) {
		err = set_quota(h, dir, cpu_percent);
		if (err)
			vg_error("cannot set a cpu quota of %u%% on '%s': %s", cpu_percent, dir,
				 strerror(-err));
		limited = !err;
	}
	if (!err)
		err = move_in(a, t, h);
	if (err)
		goto fail;
	t->actions |= VG_CGACTION_THROTTLE;
	t->throttle_h = h;
	t->cpu_percent = cpu_percent;
	snprintf(val, sizeof(val), "%u%%", cpu_percent);
	put_how(how, len, "%s %s %s of one CPU (%s)", hier_label[h],
		h == H_V2 ? "cpu.max" : "quota", val, dir);
	vg_info("throttled pid %u: %s %s quota %u%%", t->pid, hier_label[h], dir, cpu_percent);
	return 0;
fail:
	if (limited && !had)
		set_quota(h, dir, 0);
	settle(a, t);
	return err;
}

int vg_cgaction_freeze(struct vg_cgaction *a, uint32_t pid, char *how, size_t len)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct target *t;
	enum hier h = H_V2;
	bool had, limited = false;
	int err;

	err = get_target(a, pid, "freeze", &t);
	if (err)
		return err;
	had = t->actions & VG_CGACTION_FREEZE;
	if (had) {
		h = t->freeze_h;
	} else {
		/* cgroup.freeze: in every non-root v2 cgroup since 5.2. */
		bool v2 = false;

		if (!a->prefer_v1 && !ensure_base(a, H_V2)) {
			file_path(a->h[H_V2].base, "cgroup.freeze", path, sizeof(path));
			v2 = !access(path, W_OK);
			if (!v2)
				drop_base_if_unused(a, H_V2);
		}
		if (v2) {
			h = H_V2;
		} else if (a->h[H_FREEZER].mnt[0]) {
			h = H_FREEZER;
		} else {
			err = -ENODEV;
			vg_error("cannot freeze pid %u: no cgroup v2 freezer and no cgroup v1 "
				 "freezer hierarchy", t->pid);
			goto fail;
		}
	}
	dir_path(a, h, t->pid, dir, sizeof(dir));
	err = plan_move(a, t, h);
	if (!err)
		err = ensure_dir(a, t, h);
	if (!err) {
		err = set_frozen(h, dir, true);
		if (err)
			vg_error("cannot freeze '%s': %s", dir, strerror(-err));
		limited = !err;
	}
	if (!err)
		err = move_in(a, t, h);
	if (!err) {
		err = wait_frozen(h, dir);
		if (err == -ETIMEDOUT)
			vg_error("cannot freeze pid %u in '%s': not frozen after %d ms", t->pid,
				 dir, VG_CGACTION_FREEZE_MS);
		else if (err)
			vg_error("cannot freeze pid %u in '%s': %s", t->pid, dir, strerror(-err));
	}
	if (err)
		goto fail;
	t->actions |= VG_CGACTION_FREEZE;
	t->freeze_h = h;
	put_how(how, len, "%s %s (%s)", hier_label[h], h == H_V2 ? "freeze" : "FROZEN", dir);
	vg_info("froze pid %u: %s %s", t->pid, hier_label[h], dir);
	return 0;
fail:
	if (limited && !had)
		set_frozen(h, dir, false);
	settle(a, t);
	return err;
}

int vg_cgaction_quarantine(struct vg_cgaction *a, uint32_t pid, char *how, size_t len)
{
	char dir[PATH_MAX];
	uint32_t ids[2] = {};
	uint64_t scope = 0;
	struct target *t;
	bool had;
	int err;

	err = get_target(a, pid, "quarantine", &t);
	if (err)
		return err;
	had = t->actions & VG_CGACTION_QUARANTINE;
	dir_path(a, H_V2, t->pid, dir, sizeof(dir));
	if (!a->h[H_V2].mnt[0]) {
		err = -ENODEV;
		vg_error("cannot quarantine pid %u: no cgroup v2 hierarchy", t->pid);
		goto fail;
	}
	err = plan_move(a, t, H_V2);
	if (!err)
		err = ensure_dir(a, t, H_V2);
	if (err)
		goto fail;
	/* Again when already in force: puts back rules someone flushed. */
	err = netctl_block(dir, &scope, ids);
	if (scope && !t->scope)
		t->scope = scope;
	if (err) {
		vg_error("cannot quarantine pid %u in '%s': %s", t->pid, dir, strerror(-err));
		goto fail;
	}
	err = move_in(a, t, H_V2);
	if (err)
		goto fail;
	t->actions |= VG_CGACTION_QUARANTINE;
	put_how(how, len, "%s connect/sendmsg/bind denied to 0.0.0.0/0 and ::/0, netctl "
		"rules %u and %u (%s)", hier_label[H_V2], ids[0], ids[1], dir);
	vg_info("quarantined pid %u: %s, netctl rules %u and %u", t->pid, dir, ids[0], ids[1]);
	return 0;
fail:
	if (!had && t->scope && !netctl_drop(t->scope))
		t->scope = 0;
	settle(a, t);
	return err;
}

/* "throttle, freeze", "nothing". */
static const char *action_names(unsigned int actions, char *buf, size_t len)
{
	static const char *const names[] = { "throttle", "freeze", "quarantine" };
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < 3; i++) {
		if (!(actions & (1u << i)))
			continue;
		used += snprintf(buf + used, len - used, "%s%s", used ? ", " : "", names[i]);
		if (used >= len)
			break;
	}
	return buf[0] ? buf : "nothing";
}

int vg_cgaction_release(struct vg_cgaction *a, uint32_t pid, char *how, size_t len)
{
	char names[64];
	unsigned int lifted = 0;
	struct target *t;
	uint32_t tgid;
	bool alive;
	int err;

	t = find(a, pid, NULL);
	if (!t && !read_tgid(pid, &tgid))
		t = find(a, tgid, NULL);
	if (!t)
		return -ENOENT;
	pid = t->pid;
	alive = start_of(pid) == t->start;
	err = release_target(a, t, &lifted);
	put_how(how, len, "lifted %s; pid %u %s", action_names(lifted, names, sizeof(names)),
		pid, err ? "still in a vigil cgroup" :
		alive ? "back in its cgroups" : "had exited");
	if (err)
		vg_error("cannot release pid %u completely: %s", pid, strerror(-err));
	else
		vg_info("released pid %u", pid);
	return err;
}

unsigned int vg_cgaction_active(const struct vg_cgaction *a, uint32_t pid)
{
	const struct target *t = find(a, pid, NULL);
	unsigned long long start;
	uint32_t tgid;

	if (!t && !read_tgid(pid, &tgid))
		t = find(a, tgid, NULL);
	if (!t)
		return 0;
	start = start_of(t->pid);
	/* The pid now names another process: nothing is done to that one. */
	if (start && start != t->start)
		return 0;
	return t->actions;
}

size_t vg_cgaction_count(const struct vg_cgaction *a)
{
	return a->n;
}

void vg_cgaction_prefer_v1(struct vg_cgaction *a, bool v1)
{
	a->prefer_v1 = v1;
}

/* --- lifetime ---------------------------------------------------------- */

/* Limits left in <base> by a run that died: lift them, remove what is empty. */
static void sweep(struct vg_cgaction *a, enum hier h)
{
	const char *base = a->h[h].base;
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	d = opendir(base);
	if (!d)
		return;
	while ((de = readdir(d))) {
		unsigned int pid;

		if (sscanf(de->d_name, "pid-%u", &pid) != 1)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", base, de->d_name);
		if (!is_dir(dir))
			continue;
		reset_dir(h, dir);
		if (rmdir(dir))
			vg_warn("cgroup '%s' (left by an earlier run) still has processes: "
				"limits lifted, they stay there", dir);
		else
			vg_info("removed cgroup '%s' left by an earlier run", dir);
	}
	closedir(d);
	if (rmdir(base) && errno != ENOTEMPTY && errno != EBUSY)
		vg_debug("cannot remove '%s': %s", base, strerror(errno));
}

int vg_cgaction_new(struct vg_cgaction **out, const char *name)
{
	struct vg_cgaction *a;
	bool any = false;
	int err;

	*out = NULL;
	if (!name || !*name || strlen(name) > NAME_LEN_MAX || strchr(name, '/') ||
	    !strcmp(name, ".") || !strcmp(name, ".."))
		return vg_error("cannot use '%s' as a cgroup name: one path component of "
				"1-%d characters", name ? name : "", NAME_LEN_MAX), -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	strcpy(a->name, name);
	a->self = getpid();
	err = find_mounts(a);
	if (err) {
		vg_error("cannot read '/proc/self/mountinfo': %s", strerror(-err));
		free(a);
		return err;
	}
	for (int h = 0; h < H_MAX; h++) {
		struct hierarchy *hy = &a->h[h];
		const char *mnt = hy->mnt;

		if (!mnt[0])
			continue;
		any = true;
		/* Room for "/pid-<pid>/<control file>" in a PATH_MAX buffer. */
		if (strlen(mnt) + strlen(name) + 1 >= sizeof(hy->base) - 64) {
			vg_error("cannot use '%s/%s': path too long", mnt, name);
			free(a);
			return -ENAMETOOLONG;
		}
		strcpy(hy->base, mnt);
		strcat(hy->base, "/");
		strcat(hy->base, name);
		vg_debug("%s: '%s'", hier_label[h], mnt);
	}
	if (!any) {
		free(a);
		return vg_error("cannot act on cgroups: no cgroup hierarchy is mounted"), -ENODEV;
	}
	for (int h = 0; h < H_MAX; h++)
		if (a->h[h].mnt[0])
			sweep(a, h);
	*out = a;
	return 0;
}

void vg_cgaction_free(struct vg_cgaction *a)
{
	if (!a)
		return;
	while (a->n) {
		size_t n = a->n;

		release_target(a, a->t[n - 1], NULL);
		if (a->n == n) {	/* could not: forget it, it was logged */
			vg_warn("giving up on pid %u: left in its vigil cgroups", a->t[n - 1]->pid);
			drop_target(a, n - 1);
		}
	}
	for (int h = 0; h < H_MAX; h++)
		if (a->h[h].mnt[0] && rmdir(a->h[h].base) && errno != ENOENT)
			vg_warn("cannot remove cgroup '%s': %s", a->h[h].base, strerror(errno));
	free(a->t);
	free(a);
}
