// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fadeny.c - the fanotify deny backend: inode marks on files and directory
 * trees, the listener thread that answers every permission event, and the
 * inotify watches that extend the marks to new directories (see fadeny.h).
 *
 * The one rule everything here follows: an event the listener has read is
 * answered before the listener does anything else that could wait, and on
 * any doubt the answer is FAN_ALLOW.  So the listener never blocks on the
 * mutex (it try-locks), keeps answering events while it walks a new
 * directory tree, and opens nothing but directories (never reported: no
 * FAN_ONDIR) and /proc files (never marked).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/openat2.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "fadeny.h"
#include "log.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

#define READ_EVENTS	32		/* events (and so event fds) per read */
#define READS_PER_ROUND	64		/* then back to poll, so stop stays prompt */
#define POLL_MS		1000
#define RETRY_LOCK_MS	10		/* mutex busy: retry the inotify queue after this */
#define STOP_WAIT_MS	1000		/* then stop releases the waiting opens itself */
#define SLOW_DECIDE_NS	(50ull * 1000000)
#define WARN_EVERY_NS	(10ull * 1000000000)
#define WATCH_MASK	(IN_CREATE | IN_MOVED_TO | IN_ONLYDIR)

/* A marked directory.  path is where it was when marked (or last walked). */
struct fadeny_dir {
	char *path;
	dev_t dev;
	ino_t ino;
	int wd;			/* inotify watch; -1 when none could be added */
	unsigned int kinds;
	unsigned int gen;	/* the last walk that visited it */
};

struct fadeny_file {
	dev_t dev;
	ino_t ino;
	unsigned int kinds;
};

struct vg_fadeny {
	int fan_fd, in_fd, stop_fd, null_fd;
	vg_fadeny_decide_fn fn;
	void *ctx;
	pthread_t thread;
	bool started;
	atomic_bool stopping;
	atomic_bool neutralized;	/* fan_fd is /dev/null now: stop gave up waiting */

	pthread_mutex_t lock;		/* the tables below and the marks themselves */
	struct fadeny_dir *dirs;
	size_t ndirs, dirs_cap;
	struct fadeny_file *files;
	size_t nfiles, files_cap;
	unsigned int gen;
	bool limit_logged;
	uint64_t warn_watch;

	/* listener thread only */
	uint64_t warn_read, warn_answer, warn_slow, warn_moved;

	_Atomic uint64_t events, allowed, denied, failed_open, read_errors, marks;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* At most one message per WARN_EVERY_NS for each `last`. */
static bool warn_due(uint64_t *last)
{
	uint64_t t = now_ns();

	if (*last && t - *last < WARN_EVERY_NS)
		return false;
	*last = t;
	return true;
}

static uint64_t kinds_mask(unsigned int kinds)
{
	uint64_t mask = 0;

	if (kinds & VG_FADENY_OPEN)
		mask |= FAN_OPEN_PERM;
	if (kinds & VG_FADENY_EXEC)
		mask |= FAN_OPEN_EXEC_PERM;
	return mask;
}

static void sync_marks(struct vg_fadeny *f)
{
	atomic_store(&f->marks, (uint64_t)(f->ndirs + f->nfiles));
}

/* ---- answering events (listener thread, no lock) ----------------------- */

/* A small /proc file into buf (NUL-terminated); -1 when it cannot be read. */
static int read_proc(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* "\nKey:\t<number>" from a /proc/PID/status text. */
static int status_field(const char *status, const char *key, uint32_t *v)
{
	const char *p = strstr(status, key);
	char *end;
	unsigned long n;

	if (!p)
		return -1;
	p += strlen(key);
	errno = 0;
	n = strtoul(p, &end, 10);
	if (errno || end == p)
		return -1;
	*v = (uint32_t)n;
	return 0;
}

/* "Uid:\t<real>\t<effective>\t<saved>\t<fs>" */
static int status_uids(const char *status, uint32_t *uid, uint32_t *euid)
{
	const char *p = strstr(status, "\nUid:\t");
	char *end, *end2;
	unsigned long r, e;

	if (!p)
		return -1;
	p += strlen("\nUid:\t");
	r = strtoul(p, &end, 10);
	e = strtoul(end, &end2, 10);
	if (end == p || end2 == end)
		return -1;
	*uid = (uint32_t)r;
	*euid = (uint32_t)e;
	return 0;
}

/*
 * Everything decide gets.  -1 (answer allow, failed_open) when the file's
 * path or the opener's status cannot be read; exe, comm and loginuid are
 * best effort.
 */
static int fill_req(const struct fanotify_event_metadata *m, struct vg_fadeny_req *req,
		    char *path, char *exe)
{
	char link[64], status[4096], small[32];
	uint32_t pid = m->pid > 0 ? (uint32_t)m->pid : 0;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", m->fd);
	n = readlink(link, path, PATH_MAX);
	if (n <= 0 || n >= PATH_MAX)
		return -1;
	path[n] = '\0';

	snprintf(link, sizeof(link), "/proc/%u/status", pid);
	if (!pid || read_proc(link, status, sizeof(status)) ||
	    status_field(status, "\nPPid:\t", &req->ppid) ||
	    status_uids(status, &req->uid, &req->euid))
		return -1;

	snprintf(link, sizeof(link), "/proc/%u/exe", pid);
	n = readlink(link, exe, PATH_MAX);
	exe[n > 0 && n < PATH_MAX ? n : 0] = '\0';

	snprintf(link, sizeof(link), "/proc/%u/comm", pid);
	if (!read_proc(link, small, sizeof(small))) {
		size_t len = strcspn(small, "\n");

		if (len >= sizeof(req->comm))
			len = sizeof(req->comm) - 1;
		memcpy(req->comm, small, len);
		req->comm[len] = '\0';
	}

	req->loginuid = (uint32_t)-1;
	snprintf(link, sizeof(link), "/proc/%u/loginuid", pid);
	if (!read_proc(link, small, sizeof(small)))
		req->loginuid = (uint32_t)strtoul(small, NULL, 10);

	req->pid = pid;
	req->exec = !!(m->mask & FAN_OPEN_EXEC_PERM);
	req->path = path;
	req->exe = exe;
	return 0;
}

/* 0: `response` was written; -1: it was not, FAN_ALLOW was tried instead. */
static int answer(struct vg_fadeny *f, int fd, uint32_t response)
{
	struct fanotify_response r = { .fd = fd, .response = response };
	int err;

	if (write(f->fan_fd, &r, sizeof(r)) == (ssize_t)sizeof(r))
		return 0;
	err = errno;
	if (response != FAN_ALLOW) {
		r.response = FAN_ALLOW;
		if (write(f->fan_fd, &r, sizeof(r)) < 0) {
			/* nothing else to try: closing the group allows it */
		}
	}
	if (!atomic_load(&f->neutralized) && warn_due(&f->warn_answer))
		vg_error("cannot answer a fanotify permission event: %s", strerror(err));
	return -1;
}

static void handle_event(struct vg_fadeny *f, const struct fanotify_event_metadata *m)
{
	char path[PATH_MAX], exe[PATH_MAX];
	struct vg_fadeny_req req = {};
	_Atomic uint64_t *outcome = &f->failed_open;
	uint32_t response = FAN_ALLOW;

	/* FAN_NOFD: a queue overflow notice (the kernel allows permission
	 * events it cannot queue); no fd, nothing to answer. */
	if (m->fd < 0)
		return;
	if (!(m->mask & (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM))) {
		close(m->fd);
		return;
	}
	atomic_fetch_add(&f->events, 1);
	if (!atomic_load(&f->stopping) && !fill_req(m, &req, path, exe)) {
		uint64_t t0 = now_ns(), took;
		int verdict = f->fn(&req, f->ctx);

		took = now_ns() - t0;
		if (took > SLOW_DECIDE_NS && warn_due(&f->warn_slow))
			vg_warn("deny decision for '%s' took %" PRIu64 " ms: every marked open waits for it",
				path, took / 1000000);
		response = verdict ? FAN_DENY : FAN_ALLOW;
		outcome = verdict ? &f->denied : &f->allowed;
	}
	/* Counted before the answer releases the opener, so whoever sees its
	 * open return also sees the count. */
	atomic_fetch_add(outcome, 1);
	if (answer(f, m->fd, response) && outcome != &f->failed_open) {
		atomic_fetch_sub(outcome, 1);
		atomic_fetch_add(&f->failed_open, 1);
	}
	close(m->fd);
}

/* Read and answer what is queued (bounded, so stop stays prompt). */
static void serve_events(struct vg_fadeny *f)
{
	struct fanotify_event_metadata buf[READ_EVENTS];

	for (int round = 0; round < READS_PER_ROUND; round++) {
		struct fanotify_event_metadata *m = buf;
		ssize_t n;

		/* Stopping: what is still queued is allowed when the fd closes. */
		if (atomic_load(&f->stopping))
			return;
		n = read(f->fan_fd, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			/* The kernel denied the event it could not hand over. */
			atomic_fetch_add(&f->read_errors, 1);
			if (!atomic_load(&f->neutralized) && warn_due(&f->warn_read))
				vg_error("cannot read fanotify events: %s%s", strerror(errno),
					 errno == EMFILE || errno == ENFILE
						 ? " (the kernel denied that open: no fd free)" : "");
			return;
		}
		if (n == 0)	/* neutralized: /dev/null */
			return;
		for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			if (m->vers != FANOTIFY_METADATA_VERSION) {
				/* Cannot happen with this kernel ABI; still answer it. */
				if (m->fd >= 0) {
					answer(f, m->fd, FAN_ALLOW);
					close(m->fd);
				}
				continue;
			}
			handle_event(f, m);
		}
	}
}

/* ---- marks (f->lock held) ---------------------------------------------- */

static struct fadeny_dir *find_dir(struct vg_fadeny *f, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < f->ndirs; i++)
		if (f->dirs[i].ino == ino && f->dirs[i].dev == dev)
			return &f->dirs[i];
	return NULL;
}

static struct fadeny_dir *find_wd(struct vg_fadeny *f, int wd)
{
	for (size_t i = 0; i < f->ndirs; i++)
		if (f->dirs[i].wd == wd)
			return &f->dirs[i];
	return NULL;
}

/* An inotify watch on the directory open at fd (by fd when /proc allows). */
static int add_watch(struct vg_fadeny *f, int fd, const char *path)
{
	char link[64];
	int wd;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	wd = inotify_add_watch(f->in_fd, link, WATCH_MASK);
	if (wd < 0 && errno == ENOENT)
		wd = inotify_add_watch(f->in_fd, path, WATCH_MASK | IN_DONT_FOLLOW);
	if (wd < 0 && warn_due(&f->warn_watch))
		vg_warn("cannot watch '%s' for new directories (they will not be marked): %s",
			path, strerror(errno));
	return wd;
}

/*
 * Mark the directory open at fd (FAN_EVENT_ON_CHILD: its files) and watch
 * it; *out gets its table entry.  -E2BIG (not logged) at the limit.  The
 * mark and the watch are (re)added even when the table knows the inode: the
 * entry may be a deleted directory whose number was reused and whose
 * IN_IGNORED is still queued (both calls are idempotent otherwise).
 */
static int mark_dir(struct vg_fadeny *f, int fd, const char *path, const struct stat *st,
		    unsigned int kinds, struct fadeny_dir **out)
{
	struct fadeny_dir *d = find_dir(f, st->st_dev, st->st_ino);
	uint64_t mask = kinds_mask(kinds) | FAN_EVENT_ON_CHILD;
	char *copy = NULL;

	if (!d || strcmp(d->path, path)) {	/* new, or renamed within the tree */
		copy = strdup(path);
		if (!copy)
			return -ENOMEM;
	}
	if (!d && f->ndirs + f->nfiles >= VG_FADENY_MAX_MARKS) {
		free(copy);
		return -E2BIG;
	}
	if (!d && f->ndirs == f->dirs_cap) {
		size_t cap = f->dirs_cap ? 2 * f->dirs_cap : 16;
		struct fadeny_dir *p = realloc(f->dirs, cap * sizeof(*p));

		if (!p) {
			free(copy);
			return -ENOMEM;
		}
		f->dirs = p;
		f->dirs_cap = cap;
	}
	if (fanotify_mark(f->fan_fd, FAN_MARK_ADD | FAN_MARK_ONLYDIR, mask, fd, NULL)) {
		int err = -errno;

		free(copy);
		return err;
	}
	if (!d) {
		d = &f->dirs[f->ndirs++];
		*d = (struct fadeny_dir){ .dev = st->st_dev, .ino = st->st_ino };
		sync_marks(f);
	}
	if (copy) {
		free(d->path);
		d->path = copy;
	}
	d->kinds |= kinds;
	d->wd = add_watch(f, fd, path);
	*out = d;
	return 0;
}

static void forget_dir(struct vg_fadeny *f, struct fadeny_dir *d)
{
	free(d->path);
	*d = f->dirs[--f->ndirs];
	sync_marks(f);
}

/* A directory below rootfd: no symlinks followed, nothing outside it. */
static int open_beneath(int rootfd, const char *rel)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* a + "/" + b into buf; b "." is a itself. */
static int join(char *buf, size_t len, const char *a, const char *b)
{
	int n;

	if (!strcmp(b, "."))
		n = snprintf(buf, len, "%s", a);
	else
		n = snprintf(buf, len, "%s%s%s", a, strcmp(a, "/") ? "/" : "", b);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

struct queue {
	char **items;
	size_t head, tail, cap;
};

static int push(struct queue *q, const char *rel, const char *name)
{
	char buf[PATH_MAX];
	char *s;

	if (join(buf, sizeof(buf), rel, name))
		return -ENAMETOOLONG;
	if (q->tail == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 64;
		char **p = realloc(q->items, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		q->items = p;
		q->cap = cap;
	}
	s = strdup(buf);
	if (!s)
		return -ENOMEM;
	q->items[q->tail++] = s;
	return 0;
}

/* Queue the subdirectories of the directory open at fd (as rel/<name>). */
static int queue_subdirs(struct queue *q, int fd, const char *rel)
{
	char buf[8192] __attribute__((aligned(8)));
	ssize_t n;
	int err = 0;

	while ((n = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			struct stat st;
			bool dir;

			off += de->d_reclen;
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			dir = de->d_type == DT_DIR ||
			      (de->d_type == DT_UNKNOWN &&
			       !fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode));
			if (!dir)
				continue;
			/* More queued than can ever be marked: the walk will hit the limit. */
			if (q->tail - q->head >= VG_FADENY_MAX_MARKS)
				return -E2BIG;
			err = push(q, rel, de->d_name);
			if (err)
				return err;
		}
	}
	return n < 0 ? -errno : err;
}

/*
 * Mark the directory open at rootfd (whose path is rootpath) and every
 * directory below it, breadth first, skipping those this walk (f->gen)
 * already visited (bind-mount loops).  With `serve`, answer queued events
 * between directories (the listener walks).  Logs its errors; returns the
 * first (-E2BIG stops the walk).
 */
static int walk(struct vg_fadeny *f, int rootfd, const char *rootpath, unsigned int kinds,
		bool serve)
{
	struct queue q = {};
	int err = push(&q, ".", ".");

	while (!err && q.head < q.tail) {
		char *rel = q.items[q.head++], path[PATH_MAX];
		struct fadeny_dir *d = NULL;
		struct statfs sfs;
		struct stat st;
		int fd, r;

		if (atomic_load(&f->stopping)) {
			err = -ECANCELED;
			free(rel);
			break;
		}
		if (serve)
			serve_events(f);
		fd = open_beneath(rootfd, rel);
		if (fd < 0) {
			/* Gone or replaced by a symlink since it was listed:
			 * where it went, if marked, an inotify event says. */
			if (!strcmp(rel, ".")) {
				err = fd;
				vg_error("cannot mark '%s': %s", rootpath, strerror(-err));
			}
			free(rel);
			continue;
		}
		r = join(path, sizeof(path), rootpath, rel);
		if (!r && (fstat(fd, &st) || fstatfs(fd, &sfs)))
			r = -errno;
		if (!r && sfs.f_type == PROC_SUPER_MAGIC) {
			vg_warn("not marking '%s': procfs is never marked", path);
			goto next;
		}
		if (!r && (d = find_dir(f, st.st_dev, st.st_ino)) && d->gen == f->gen)
			goto next;
		if (!r)
			r = mark_dir(f, fd, path, &st, kinds, &d);
		if (!r) {
			d->gen = f->gen;
			r = queue_subdirs(&q, fd, rel);
		}
		if (r == -E2BIG) {
			err = r;
			if (!f->limit_logged)
				vg_error("cannot mark every directory under '%s': more than %d marks",
					 rootpath, VG_FADENY_MAX_MARKS);
			f->limit_logged = true;
		} else if (r) {
			vg_error("cannot mark '%s%s%s': %s", rootpath, strcmp(rel, ".") ? "/" : "",
				 strcmp(rel, ".") ? rel : "", strerror(-r));
			/* The root, or out of marks/memory: no point going on. */
			if (!strcmp(rel, ".") || r == -ENOSPC || r == -ENOMEM)
				err = r;
		}
next:
		close(fd);
		free(rel);
	}
	while (q.head < q.tail)
		free(q.items[q.head++]);
	free(q.items);
	return err;
}

/* Reopen a marked directory by its path; -ESTALE when something else is there now. */
static int reopen_dir(const struct fadeny_dir *d)
{
	struct stat st;
	int fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_dev != d->dev || st.st_ino != d->ino) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/* Inotify lost events: walk every marked directory again. */
static void rescan(struct vg_fadeny *f)
{
	f->gen++;
	for (size_t i = 0; i < f->ndirs && !atomic_load(&f->stopping); i++) {
		struct fadeny_dir *d = &f->dirs[i];
		char *path;
		unsigned int kinds = d->kinds;
		int fd;

		if (d->gen == f->gen)
			continue;
		fd = reopen_dir(d);
		if (fd < 0)
			continue;
		path = strdup(d->path);		/* walk may move the table */
		if (path)
			walk(f, fd, path, kinds, true);
		free(path);
		close(fd);
	}
}

static void handle_inotify(struct vg_fadeny *f, const struct inotify_event *ev)
{
	struct fadeny_dir *d;
	char parent[PATH_MAX], path[PATH_MAX];
	unsigned int kinds;
	int pfd, fd;

	if (ev->mask & IN_Q_OVERFLOW) {
		vg_warn("inotify queue overflow: walking every marked directory again");
		rescan(f);
		return;
	}
	d = find_wd(f, ev->wd);
	if (!d)
		return;
	if (ev->mask & IN_IGNORED) {	/* removed: its fanotify mark went with it */
		forget_dir(f, d);
		return;
	}
	if (!(ev->mask & IN_ISDIR) || !(ev->mask & (IN_CREATE | IN_MOVED_TO)) || !ev->len)
		return;
	kinds = d->kinds;
	snprintf(parent, sizeof(parent), "%s", d->path);
	pfd = reopen_dir(d);
	if (pfd < 0) {
		if (warn_due(&f->warn_moved))
			vg_warn("cannot mark new directory '%s' in '%s': %s", ev->name, parent,
				pfd == -ESTALE ? "the directory was moved" : strerror(-pfd));
		return;
	}
	fd = open_beneath(pfd, ev->name);
	if (fd >= 0 && !join(path, sizeof(path), parent, ev->name)) {
		f->gen++;
		walk(f, fd, path, kinds, true);
	}
	if (fd >= 0)
		close(fd);
	close(pfd);
}

/* Handle the inotify queue if the mutex is free; false when it was not. */
static bool serve_inotify(struct vg_fadeny *f)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	if (pthread_mutex_trylock(&f->lock))
		return false;
	while ((n = read(f->in_fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			const struct inotify_event *ev = (const void *)(buf + off);

			off += sizeof(*ev) + ev->len;
			handle_inotify(f, ev);
		}
		serve_events(f);	/* a burst of creations must not delay answers */
	}
	pthread_mutex_unlock(&f->lock);
	return true;
}

static void *listen_main(void *arg)
{
	struct vg_fadeny *f = arg;
	bool inotify_waiting = false;

	while (!atomic_load(&f->stopping)) {
		struct pollfd p[3] = {
			{ .fd = f->fan_fd, .events = POLLIN },
			{ .fd = f->stop_fd, .events = POLLIN },
			{ .fd = inotify_waiting ? -1 : f->in_fd, .events = POLLIN },
		};
		int n = poll(p, 3, inotify_waiting ? RETRY_LOCK_MS : POLL_MS);

		if (atomic_load(&f->stopping))
			break;
		if (n < 0) {
			if (errno != EINTR && warn_due(&f->warn_read))
				vg_error("fanotify listener: poll: %s", strerror(errno));
			if (errno != EINTR)
				nanosleep(&(struct timespec){ .tv_nsec = RETRY_LOCK_MS * 1000000 }, NULL);
			continue;
		}
		if (p[0].revents)
			serve_events(f);
		if (inotify_waiting || p[2].revents)
			inotify_waiting = !serve_inotify(f);
	}
	return NULL;
}

/* ---- API ---------------------------------------------------------------- */

static void destroy(struct vg_fadeny *f)
{
	int fds[] = { f->fan_fd, f->in_fd, f->stop_fd, f->null_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	for (size_t i = 0; i < f->ndirs; i++)
		free(f->dirs[i].path);
	free(f->dirs);
	free(f->files);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

int vg_fadeny_start(struct vg_fadeny **out, vg_fadeny_decide_fn fn, void *ctx)
{
	struct vg_fadeny *f;
	sigset_t all, old;
	int err;

	*out = NULL;
	if (!fn)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->fan_fd = f->in_fd = f->stop_fd = f->null_fd = -1;
	f->fn = fn;
	f->ctx = ctx;
	pthread_mutex_init(&f->lock, NULL);

	f->fan_fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK,
				  O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (f->fan_fd < 0) {
		err = -errno;
		vg_error("cannot start the deny listener: fanotify_init: %s%s", strerror(-err),
			 err == -EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		goto cleanup;
	}
	f->in_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	f->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	f->null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (f->in_fd < 0 || f->stop_fd < 0 || f->null_fd < 0) {
		err = -errno;
		vg_error("cannot start the deny listener: %s", strerror(-err));
		goto cleanup;
	}

	/* Signals go to the other threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&f->thread, NULL, listen_main, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		vg_error("cannot start the deny listener thread: %s", strerror(-err));
		goto cleanup;
	}
	f->started = true;
	*out = f;
	return 0;
cleanup:
	destroy(f);
	return err;
}

/*
 * Mark a file (any non-directory) by path.  Always (re)marked: a table
 * entry may be a deleted file whose inode number was reused.
 */
static int mark_file(struct vg_fadeny *f, const char *path, const char *real,
		     const struct stat *st, unsigned int kinds)
{
	struct fadeny_file *fl = NULL;

	for (size_t i = 0; i < f->nfiles; i++)
		if (f->files[i].ino == st->st_ino && f->files[i].dev == st->st_dev)
			fl = &f->files[i];
	if (!fl && f->ndirs + f->nfiles >= VG_FADENY_MAX_MARKS) {
		vg_error("cannot mark '%s': more than %d marks", path, VG_FADENY_MAX_MARKS);
		return -E2BIG;
	}
	if (!fl && f->nfiles == f->files_cap) {
		size_t cap = f->files_cap ? 2 * f->files_cap : 16;
		struct fadeny_file *p = realloc(f->files, cap * sizeof(*p));

		if (!p) {
			vg_error("cannot mark '%s': %s", path, strerror(ENOMEM));
			return -ENOMEM;
		}
		f->files = p;
		f->files_cap = cap;
	}
	if (fanotify_mark(f->fan_fd, FAN_MARK_ADD, kinds_mask(kinds), AT_FDCWD, real)) {
		int err = -errno;

		vg_error("cannot mark '%s': fanotify_mark: %s", path, strerror(-err));
		return err;
	}
	if (fl) {
		fl->kinds |= kinds;
		return 0;
	}
	f->files[f->nfiles++] = (struct fadeny_file){
		.dev = st->st_dev, .ino = st->st_ino, .kinds = kinds,
	};
	sync_marks(f);
	return 0;
}

int vg_fadeny_mark(struct vg_fadeny *f, const char *path, unsigned int kinds)
{
	struct statfs sfs;
	struct stat st;
	char *real = NULL;
	int err = 0, fd = -1;

	if (!kinds || (kinds & ~(unsigned int)(VG_FADENY_OPEN | VG_FADENY_EXEC))) {
		vg_error("cannot mark '%s': bad kinds %#x", path, kinds);
		return -EINVAL;
	}
	/* realpath(3), stat(2), statfs(2): lookups, no open to be reported */
	real = realpath(path, NULL);
	if (!real || stat(real, &st) || statfs(real, &sfs)) {
		err = -errno;
		vg_error("cannot mark '%s': %s", path, strerror(-err));
		goto cleanup;
	}
	if (sfs.f_type == PROC_SUPER_MAGIC) {
		err = -EINVAL;
		vg_error("cannot mark '%s': procfs is never marked (the listener reads it)", path);
		goto cleanup;
	}

	pthread_mutex_lock(&f->lock);
	if (S_ISDIR(st.st_mode)) {
		fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			vg_error("cannot mark '%s': %s", path, strerror(-err));
		} else {
			f->gen++;
			err = walk(f, fd, real, kinds, false);
		}
	} else {
		err = mark_file(f, path, real, &st, kinds);
	}
	pthread_mutex_unlock(&f->lock);
cleanup:
	if (fd >= 0)
		close(fd);
	free(real);
	return err;
}

int vg_fadeny_clear(struct vg_fadeny *f)
{
	int err = 0;

	pthread_mutex_lock(&f->lock);
	if (fanotify_mark(f->fan_fd, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL)) {
		err = -errno;
		vg_error("cannot remove the deny marks: fanotify_mark: %s", strerror(-err));
		goto unlock;
	}
	for (size_t i = 0; i < f->ndirs; i++) {
		/* EINVAL: already gone (removed directory, IN_IGNORED queued) */
		if (f->dirs[i].wd >= 0)
			inotify_rm_watch(f->in_fd, f->dirs[i].wd);
		free(f->dirs[i].path);
	}
	f->ndirs = f->nfiles = 0;
	f->limit_logged = false;
	sync_marks(f);
unlock:
	pthread_mutex_unlock(&f->lock);
	return err;
}

void vg_fadeny_get_stats(struct vg_fadeny *f, struct vg_fadeny_stats *st)
{
	st->events = atomic_load_explicit(&f->events, memory_order_relaxed);
	st->allowed = atomic_load_explicit(&f->allowed, memory_order_relaxed);
	st->denied = atomic_load_explicit(&f->denied, memory_order_relaxed);
	st->failed_open = atomic_load_explicit(&f->failed_open, memory_order_relaxed);
	st->read_errors = atomic_load_explicit(&f->read_errors, memory_order_relaxed);
	st->marks = atomic_load_explicit(&f->marks, memory_order_relaxed);
}

void vg_fadeny_stop(struct vg_fadeny *f)
{
	struct timespec deadline;
	uint64_t one = 1;

	if (!f)
		return;
	if (f->started) {
		atomic_store(&f->stopping, true);
		if (write(f->stop_fd, &one, sizeof(one)) < 0) {
			/* the listener still sees `stopping` within POLL_MS */
		}
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += STOP_WAIT_MS / 1000;
		deadline.tv_nsec += (STOP_WAIT_MS % 1000) * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		if (pthread_timedjoin_np(f->thread, NULL, &deadline)) {
			/*
			 * decide is stuck.  Replacing the fanotify fd drops the
			 * group's last reference (the listener is not in a
			 * syscall on it): the kernel allows every pending event
			 * and removes the marks.  The listener's late answer
			 * goes to /dev/null.
			 */
			vg_error("deny listener did not stop within %d ms (a decision is stuck): "
				 "allowing every waiting open", STOP_WAIT_MS);
			atomic_store(&f->neutralized, true);
			if (dup3(f->null_fd, f->fan_fd, O_CLOEXEC) < 0)
				vg_error("cannot release the fanotify group: %s", strerror(errno));
			pthread_join(f->thread, NULL);
		}
	}
	destroy(f);
}
