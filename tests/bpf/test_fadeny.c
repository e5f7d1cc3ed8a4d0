// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_fadeny.c - the fanotify deny backend against the real kernel, on a
 * temp tree the test creates ("only a binary named mysqld may open the
 * files of a data directory"):
 *
 *   T/data/            marked VG_FADENY_OPEN (setup)
 *   T/data/table.ibd   CONTENT, opened O_RDONLY before marking (data_fd),
 *                      so the test can check it without an open event
 *   T/data/sub/row     CONTENT2, in a directory that existed at marking
 *   T/bin/mysqld       a copy of /bin/cat: the one allowed binary
 *   T/bin/true-copy    a copy of /bin/true (exec tests)
 *   T/stage/           unmarked: files are made here and link(2)ed or
 *                      rename(2)d into the marked tree (neither is an open)
 *
 * Children are real fork+exec processes; the decide callback denies unless
 * basename(exe) is "mysqld" and records every request.  Every test tears
 * down (listener, marks, children, tree) whatever failed; a listener that
 * hung would only hang opens under T, and the test binary dying releases
 * them (the fanotify fd closes).
 */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"
#include "fadeny.h"

#define PATHF(buf, ...) \
	do { \
		if (snprintf(buf, sizeof(buf), __VA_ARGS__) >= (int)sizeof(buf)) \
			abort(); \
	} while (0)

#define CHILD_TIMEOUT_MS 5000

static const char CONTENT[] = "id=1 name=alpha\nid=2 name=beta\n";
static const char CONTENT2[] = "row in a subdirectory\n";

static char T[PATH_MAX];
static char DATA_DIR[PATH_MAX + 32], DATA[PATH_MAX + 32], SUB[PATH_MAX + 32],
	SUBROW[PATH_MAX + 32], BIN[PATH_MAX + 32], MYSQLD[PATH_MAX + 32],
	TRUE_COPY[PATH_MAX + 32], STAGE[PATH_MAX + 32];
static char CAT_EXE[PATH_MAX], SELF_EXE[PATH_MAX];
static int data_fd = -1;
static struct vg_fadeny *fa;

/* ---- the decide callback ------------------------------------------------ */

#define MAX_RECORDS 64

struct record {
	uint32_t pid, ppid, uid, euid, loginuid;
	bool exec, denied;
	char comm[16];
	char exe[PATH_MAX];
	char path[PATH_MAX];
};

static struct {
	atomic_int calls, allows, denies, returned;
	atomic_int sleep_ms_once;	/* the next call sleeps this long first */
	struct record rec[MAX_RECORDS];
} dc;

static int decide_mysqld(const struct vg_fadeny_req *req, void *ctx)
{
	const char *base = strrchr(req->exe, '/');
	int n, ms = atomic_exchange(&dc.sleep_ms_once, 0);
	bool deny;

	base = base ? base + 1 : req->exe;
	deny = strcmp(base, "mysqld") != 0;
	n = atomic_load(&dc.calls);
	if (n < MAX_RECORDS) {
		struct record *r = &dc.rec[n];

		*r = (struct record){
			.pid = req->pid, .ppid = req->ppid, .uid = req->uid, .euid = req->euid,
			.loginuid = req->loginuid, .exec = req->exec, .denied = deny,
		};
		memcpy(r->comm, req->comm, sizeof(r->comm));
		snprintf(r->exe, sizeof(r->exe), "%s", req->exe);
		snprintf(r->path, sizeof(r->path), "%s", req->path);
	}
	atomic_fetch_add(&dc.calls, 1);	/* publishes the record */
	if (ms)
		nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L },
			  NULL);
	atomic_fetch_add(deny ? &dc.denies : &dc.allows, 1);
	atomic_fetch_add(&dc.returned, 1);
	return deny;
}

/* The last request decided for `pid`, or NULL. */
static const struct record *record_of(pid_t pid)
{
	int n = atomic_load(&dc.calls);

	for (int i = (n < MAX_RECORDS ? n : MAX_RECORDS) - 1; i >= 0; i--)
		if (dc.rec[i].pid == (uint32_t)pid)
			return &dc.rec[i];
	return NULL;
}

/* ---- helpers ------------------------------------------------------------ */

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	nanosleep(&(struct timespec){ .tv_nsec = ms * 1000000L }, NULL);
}

static int write_file(const char *path, const char *content, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ssize_t len = (ssize_t)strlen(content);

	if (fd < 0)
		return -errno;
	if (write(fd, content, len) != len) {
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in = open(from, O_RDONLY | O_CLOEXEC), out, err = 0;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0) {
		close(in);
		return -errno;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			err = -EIO;
			break;
		}
	close(in);
	close(out);
	return err;
}

/* The content behind data_fd (opened before marking: no event). */
static bool data_intact(void)
{
	char buf[256] = "";
	struct stat st;
	ssize_t n = pread(data_fd, buf, sizeof(buf) - 1, 0);

	if (fstat(data_fd, &st) || st.st_size != (off_t)strlen(CONTENT) || n < 0)
		return false;
	buf[n] = '\0';
	return !strcmp(buf, CONTENT);
}

/* Ours (children inherit it); (uint32_t)-1 when unset. */
static uint32_t self_loginuid(void)
{
	char buf[32] = "";
	int fd = open("/proc/self/loginuid", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	return n > 0 ? (uint32_t)strtoul(buf, NULL, 10) : (uint32_t)-1;
}

/* ---- children ----------------------------------------------------------- */

static pid_t kids[16];

static void kid_add(pid_t pid)
{
	for (size_t i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		if (!kids[i]) {
			kids[i] = pid;
			return;
		}
}

static void kid_forget(pid_t pid)
{
	for (size_t i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		if (kids[i] == pid)
			kids[i] = 0;
}

/* Exit status (WEXITSTATUS, or 128+signal) within timeout_ms, else -1 (killed). */
static int wait_kid(pid_t pid, int timeout_ms)
{
	uint64_t end = ms_now() + (uint64_t)timeout_ms;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0)
			return -1;
		if (ms_now() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			kid_forget(pid);
			return -1;
		}
		sleep_ms(2);
	}
	kid_forget(pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct run {
	pid_t pid;
	int out_fd, err_fd;
	int status;
	char out[4096], err[4096];
};

/* fork + execv(argv[0]) with stdout/stderr on pipes; collect with run_wait. */
static bool run_start(struct run *r, char *const argv[])
{
	int out[2], err[2];

	memset(r, 0, sizeof(*r));
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return false;
	r->pid = fork();
	if (r->pid < 0)
		return false;
	if (r->pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	kid_add(r->pid);
	close(out[1]);
	close(err[1]);
	r->out_fd = out[0];
	r->err_fd = err[0];
	return true;
}

/* Read both pipes to EOF and reap; status -1 on timeout. */
static int run_wait(struct run *r, int timeout_ms)
{
	uint64_t end = ms_now() + (uint64_t)timeout_ms;
	size_t olen = 0, elen = 0;
	struct pollfd p[2] = { { .fd = r->out_fd, .events = POLLIN },
			       { .fd = r->err_fd, .events = POLLIN } };

	while ((p[0].fd >= 0 || p[1].fd >= 0) && ms_now() < end) {
		if (poll(p, 2, 20) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			char *buf = i ? r->err : r->out;
			size_t *len = i ? &elen : &olen;
			ssize_t n;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, buf + *len, sizeof(r->out) - 1 - *len);
			if (n <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
			} else {
				*len += (size_t)n;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	r->out[olen] = r->err[elen] = '\0';
	r->status = wait_kid(r->pid, (int)(end > ms_now() ? end - ms_now() : 0));
	return r->status;
}

static int run(struct run *r, char *const argv[])
{
	if (!run_start(r, argv))
		return -1;
	return run_wait(r, CHILD_TIMEOUT_MS);
}

/* A child that runs fn without exec; its fds (the fanotify one too) closed. */
static pid_t fork_fn(int (*fn)(const char *), const char *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		close_range(3, ~0U, 0);
		_exit(fn(arg));
	}
	if (pid > 0)
		kid_add(pid);
	return pid;
}

static int child_open_trunc(const char *path)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	return fd >= 0 ? 0 : 100 + errno;
}

static int child_creat(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	return fd >= 0 ? 0 : 100 + errno;
}

static int child_exec(const char *path)
{
	execl(path, path, (char *)NULL);
	return 100 + errno;
}

/* Wait (up to 2 s) until pid sleeps in a fanotify permission wait. */
static bool wait_blocked(pid_t pid)
{
	char path[64], buf[4096];
	uint64_t end = ms_now() + 2000;

	PATHF(path, "/proc/%d/stack", pid);
	while (ms_now() < end) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = '\0';
			if (strstr(buf, "fanotify"))
				return true;
		}
		sleep_ms(2);
	}
	return false;
}

/* Wait (up to 2 s) until the instance holds `want` marks. */
static bool wait_marks(uint64_t want)
{
	struct vg_fadeny_stats st;
	uint64_t end = ms_now() + 2000;

	do {
		vg_fadeny_get_stats(fa, &st);
		if (st.marks == want)
			return true;
		sleep_ms(2);
	} while (ms_now() < end);
	printf("  marks %" PRIu64 ", expected %" PRIu64 "\n", st.marks, want);
	return false;
}

/* events = allowed + denied + failed_open, and they match what decide did. */
static void check_stats(const char *what)
{
	struct vg_fadeny_stats st;

	vg_fadeny_get_stats(fa, &st);
	ASSERT_EQ(st.events, st.allowed + st.denied + st.failed_open, what);
	ASSERT_EQ(st.denied, atomic_load(&dc.denies), what);
	ASSERT_EQ(st.allowed, atomic_load(&dc.allows), what);
	ASSERT_EQ(st.failed_open, 0, what);
	ASSERT_EQ(st.read_errors, 0, what);
	if (vg_test_failed_now)
		for (int i = 0; i < atomic_load(&dc.calls) && i < MAX_RECORDS; i++)
			printf("  decided #%d: pid %u exe %s path %s exec %d -> %s\n", i, dc.rec[i].pid,
			       dc.rec[i].exe, dc.rec[i].path, dc.rec[i].exec,
			       dc.rec[i].denied ? "deny" : "allow");
}

/* ---- fixture ------------------------------------------------------------ */

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	return remove(p);
}

static void teardown(void)
{
	for (size_t i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		if (kids[i] > 0) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
			kids[i] = 0;
		}
	vg_fadeny_stop(fa);
	fa = NULL;
	if (data_fd >= 0)
		close(data_fd);
	data_fd = -1;
	if (T[0])
		nftw(T, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	T[0] = '\0';
}

/* The tree, data_fd, and (with `listen`) a listener with T/data marked. */
static bool setup(bool listen)
{
	char tmpl[] = "/tmp/vigil-fadeny-XXXXXX";
	bool ok = true;

	memset(&dc, 0, sizeof(dc));
	if (!ASSERT_OK_PTR(mkdtemp(tmpl), "mkdtemp"))
		return false;
	PATHF(T, "%s", tmpl);
	PATHF(DATA_DIR, "%s/data", T);
	PATHF(DATA, "%s/table.ibd", DATA_DIR);
	PATHF(SUB, "%s/sub", DATA_DIR);
	PATHF(SUBROW, "%s/row", SUB);
	PATHF(BIN, "%s/bin", T);
	PATHF(MYSQLD, "%s/mysqld", BIN);
	PATHF(TRUE_COPY, "%s/true-copy", BIN);
	PATHF(STAGE, "%s/stage", T);
	ok = ok && ASSERT_OK(mkdir(DATA_DIR, 0755), "mkdir data");
	ok = ok && ASSERT_OK(mkdir(SUB, 0755), "mkdir sub");
	ok = ok && ASSERT_OK(mkdir(BIN, 0755), "mkdir bin");
	ok = ok && ASSERT_OK(mkdir(STAGE, 0755), "mkdir stage");
	ok = ok && ASSERT_OK(write_file(DATA, CONTENT, 0644), "data file");
	ok = ok && ASSERT_OK(write_file(SUBROW, CONTENT2, 0644), "sub file");
	ok = ok && ASSERT_OK(copy_file("/bin/cat", MYSQLD), "copy cat to mysqld");
	ok = ok && ASSERT_OK(copy_file("/bin/true", TRUE_COPY), "copy true");
	if (!ok)
		return false;
	data_fd = open(DATA, O_RDONLY | O_CLOEXEC);
	if (!ASSERT_TRUE(data_fd >= 0, "open data before marking"))
		return false;
	if (!listen)
		return true;
	if (!ASSERT_OK(vg_fadeny_start(&fa, decide_mysqld, NULL), "start"))
		return false;
	return ASSERT_OK(vg_fadeny_mark(fa, DATA_DIR, VG_FADENY_OPEN), "mark data dir") &&
	       ASSERT_TRUE(wait_marks(2), "data and sub marked");
}

/* ---- tests -------------------------------------------------------------- */

/* 1: cat of the data file is refused; the request carries the opener. */
static void test_cat_denied(void)
{
	struct run r;
	const struct record *rec;

	if (!setup(true))
		goto out;
	run(&r, (char *[]){ "/bin/cat", DATA, NULL });
	ASSERT_EQ(r.status, 1, "cat exit status");
	ASSERT_TRUE(strstr(r.err, "Operation not permitted") != NULL, "cat says EPERM");
	ASSERT_STREQ(r.out, "", "cat printed nothing");
	ASSERT_TRUE(data_intact(), "data unchanged");

	rec = record_of(r.pid);
	if (ASSERT_OK_PTR(rec, "decide saw the cat")) {
		ASSERT_STREQ(rec->path, DATA, "req path");
		ASSERT_STREQ(rec->exe, CAT_EXE, "req exe");
		ASSERT_STREQ(rec->comm, "cat", "req comm");
		ASSERT_FALSE(rec->exec, "req exec");
		ASSERT_EQ(rec->uid, getuid(), "req uid");
		ASSERT_EQ(rec->euid, geteuid(), "req euid");
		ASSERT_EQ(rec->ppid, getpid(), "req ppid");
		ASSERT_EQ(rec->loginuid, self_loginuid(), "req loginuid");
		ASSERT_TRUE(rec->denied, "decided deny");
	}

	/* A file in a subdirectory that existed when the tree was marked. */
	run(&r, (char *[]){ "/bin/cat", SUBROW, NULL });
	ASSERT_EQ(r.status, 1, "cat of sub/row refused");

	/* Another thread of the listener's own process: decided, no deadlock. */
	errno = 0;
	ASSERT_EQ(open(DATA, O_RDONLY | O_CLOEXEC), -1, "own open refused");
	ASSERT_EQ(errno, EPERM, "own open errno");
	rec = record_of(getpid());
	ASSERT_TRUE(rec && !strcmp(rec->exe, SELF_EXE), "own open decided with our exe");

	/* Directories themselves are not intercepted: listing works. */
	run(&r, (char *[]){ "/bin/ls", DATA_DIR, NULL });
	ASSERT_EQ(r.status, 0, "ls of the data dir");
	ASSERT_TRUE(strstr(r.out, "table.ibd") != NULL, "ls lists the file");
	check_stats("stats");
out:
	teardown();
}

/* 2: open(O_WRONLY | O_TRUNC) is refused before truncation. */
static void test_trunc_denied_before_truncation(void)
{
	pid_t pid;

	if (!setup(true))
		goto out;
	pid = fork_fn(child_open_trunc, DATA);
	ASSERT_EQ(wait_kid(pid, CHILD_TIMEOUT_MS), 100 + EPERM, "O_TRUNC open gets EPERM");
	ASSERT_TRUE(data_intact(), "content and size intact after the refused O_TRUNC");
	ASSERT_TRUE(record_of(pid) && record_of(pid)->denied, "decided for the child");
	check_stats("stats");
out:
	teardown();
}

/* O_CREAT of a new file: created first, then the open is refused. */
static void test_creat_creates_then_denied(void)
{
	char path[PATH_MAX + 64];
	struct stat st;
	pid_t pid;

	if (!setup(true))
		goto out;
	PATHF(path, "%s/new.ibd", DATA_DIR);
	pid = fork_fn(child_creat, path);
	ASSERT_EQ(wait_kid(pid, CHILD_TIMEOUT_MS), 100 + EPERM, "O_CREAT open gets EPERM");
	if (ASSERT_OK(stat(path, &st), "the file exists anyway"))
		ASSERT_EQ(st.st_size, 0, "empty");
	check_stats("stats");
out:
	teardown();
}

/* Path operations that open nothing are not covered (documented limit). */
static void test_path_ops_not_covered(void)
{
	char path[PATH_MAX + 64], path2[PATH_MAX + 64];
	struct stat st;

	if (!setup(true))
		goto out;
	PATHF(path, "%s/scratch", STAGE);
	PATHF(path2, "%s/scratch", DATA_DIR);
	if (!ASSERT_OK(write_file(path, CONTENT, 0644), "scratch") ||
	    !ASSERT_OK(link(path, path2), "link into the marked dir"))
		goto out;
	ASSERT_OK(truncate(path2, 1), "truncate(2) by path is not an open");
	ASSERT_OK(stat(path2, &st), "stat");
	ASSERT_EQ(st.st_size, 1, "truncated");
	ASSERT_OK(unlink(path2), "unlink is not an open");
	ASSERT_EQ(atomic_load(&dc.calls), 0, "no decision asked");
out:
	teardown();
}

/*
 * fanotify reports regular files (and directories) only: a FIFO in a
 * marked directory is not intercepted (nor are device nodes or sockets).
 */
static void test_fifo_not_covered(void)
{
	char fifo[PATH_MAX + 64];
	struct run r, w;

	if (!setup(true))
		goto out;
	PATHF(fifo, "%s/pipe", DATA_DIR);
	if (!ASSERT_OK(mkfifo(fifo, 0644), "mkfifo") ||
	    !ASSERT_TRUE(run_start(&r, (char *[]){ "/bin/cat", fifo, NULL }), "reader"))
		goto out;
	run(&w, (char *[]){ "/bin/sh", "-c", "echo x > \"$0\"", fifo, NULL });
	ASSERT_EQ(w.status, 0, "writer");
	ASSERT_EQ(run_wait(&r, CHILD_TIMEOUT_MS), 0, "reader");
	ASSERT_STREQ(r.out, "x\n", "through the FIFO");
	ASSERT_EQ(atomic_load(&dc.calls), 0, "no decision asked");
out:
	teardown();
}

/*
 * A file mark is on the inode: a hard link elsewhere is covered, but a
 * file replaced by rename(2) (editors, sed -i, passwd, upgrades) is a new
 * inode and is not (mark its directory to cover the name).
 */
static void test_file_mark_follows_inode(void)
{
	char conf[PATH_MAX + 64], alias[PATH_MAX + 64], next[PATH_MAX + 64];
	struct run r;

	if (!setup(true))
		goto out;
	PATHF(conf, "%s/my.cnf", BIN);
	PATHF(alias, "%s/alias.cnf", STAGE);
	PATHF(next, "%s/my.cnf.new", BIN);
	if (!ASSERT_OK(write_file(conf, CONTENT, 0644), "conf") ||
	    !ASSERT_OK(link(conf, alias), "hard link") ||
	    !ASSERT_OK(vg_fadeny_mark(fa, conf, VG_FADENY_OPEN), "mark the file"))
		goto out;
	run(&r, (char *[]){ "/bin/cat", conf, NULL });
	ASSERT_EQ(r.status, 1, "cat of the marked file refused");
	run(&r, (char *[]){ "/bin/cat", alias, NULL });
	ASSERT_EQ(r.status, 1, "cat through a hard link elsewhere refused");
	if (!ASSERT_OK(write_file(next, CONTENT2, 0644), "replacement") ||
	    !ASSERT_OK(rename(next, conf), "rename over"))
		goto out;
	run(&r, (char *[]){ "/bin/cat", conf, NULL });
	ASSERT_EQ(r.status, 0, "the replacement is not marked");
	ASSERT_STREQ(r.out, CONTENT2, "replacement content");
	check_stats("stats");
out:
	teardown();
}

/* 3: the binary named mysqld reads the data (and the subdirectory). */
static void test_mysqld_allowed(void)
{
	struct run r;
	const struct record *rec;

	if (!setup(true))
		goto out;
	run(&r, (char *[]){ MYSQLD, DATA, NULL });
	ASSERT_EQ(r.status, 0, "mysqld exit status");
	ASSERT_STREQ(r.out, CONTENT, "mysqld read the content");
	rec = record_of(r.pid);
	if (ASSERT_OK_PTR(rec, "decide saw mysqld")) {
		ASSERT_STREQ(rec->exe, MYSQLD, "req exe");
		ASSERT_STREQ(rec->comm, "mysqld", "req comm");
		ASSERT_FALSE(rec->denied, "decided allow");
	}
	run(&r, (char *[]){ MYSQLD, SUBROW, NULL });
	ASSERT_EQ(r.status, 0, "mysqld reads sub/row");
	ASSERT_STREQ(r.out, CONTENT2, "sub/row content");
	check_stats("stats");
out:
	teardown();
}

/* 4: directories made or moved in after marking are marked too. */
static void test_new_subdirs_marked(void)
{
	char n1[PATH_MAX + 64], n2[PATH_MAX + 64], n3[PATH_MAX + 64], f3[PATH_MAX + 80],
		staged[PATH_MAX + 64], moved[PATH_MAX + 64], mf[PATH_MAX + 80], st_dir[PATH_MAX + 64],
		st_deep[PATH_MAX + 64], st_file[PATH_MAX + 80];
	struct run r;

	if (!setup(true))
		goto out;
	/* A chain made faster than the listener can react to each mkdir. */
	PATHF(n1, "%s/n1", DATA_DIR);
	PATHF(n2, "%s/n2", n1);
	PATHF(n3, "%s/n3", n2);
	PATHF(f3, "%s/f", n3);
	PATHF(staged, "%s/f", STAGE);
	if (!ASSERT_OK(mkdir(n1, 0755), "mkdir n1") || !ASSERT_OK(mkdir(n2, 0755), "mkdir n2") ||
	    !ASSERT_OK(mkdir(n3, 0755), "mkdir n3"))
		goto out;
	if (!ASSERT_TRUE(wait_marks(5), "n1, n2, n3 marked"))
		goto out;
	/* A file with content, put there without opening it there. */
	if (!ASSERT_OK(write_file(staged, CONTENT2, 0644), "staged file") ||
	    !ASSERT_OK(link(staged, f3), "link into n3") || !ASSERT_OK(unlink(staged), "unlink staged"))
		goto out;
	run(&r, (char *[]){ "/bin/cat", f3, NULL });
	ASSERT_EQ(r.status, 1, "cat of n1/n2/n3/f refused");
	run(&r, (char *[]){ MYSQLD, f3, NULL });
	ASSERT_EQ(r.status, 0, "mysqld reads n1/n2/n3/f");
	ASSERT_STREQ(r.out, CONTENT2, "n1/n2/n3/f content");

	/* A tree renamed in: it and its subdirectory get marked. */
	PATHF(st_dir, "%s/tree", STAGE);
	PATHF(st_deep, "%s/deeper", st_dir);
	PATHF(st_file, "%s/f", st_deep);
	PATHF(moved, "%s/moved", DATA_DIR);
	PATHF(mf, "%s/deeper/f", moved);
	if (!ASSERT_OK(mkdir(st_dir, 0755), "mkdir staged tree") ||
	    !ASSERT_OK(mkdir(st_deep, 0755), "mkdir staged deeper") ||
	    !ASSERT_OK(write_file(st_file, CONTENT, 0644), "staged deep file") ||
	    !ASSERT_OK(rename(st_dir, moved), "rename the tree in"))
		goto out;
	if (!ASSERT_TRUE(wait_marks(7), "moved and moved/deeper marked"))
		goto out;
	run(&r, (char *[]){ "/bin/cat", mf, NULL });
	ASSERT_EQ(r.status, 1, "cat of moved/deeper/f refused");

	/* Removed directories leave the table (IN_IGNORED). */
	if (ASSERT_OK(unlink(f3), "unlink n3/f") && ASSERT_OK(rmdir(n3), "rmdir n3"))
		ASSERT_TRUE(wait_marks(6), "n3 forgotten");
	check_stats("stats");
out:
	teardown();
}

/* 5: exec of a file marked VG_FADENY_EXEC fails with EPERM. */
static void test_exec_denied(void)
{
	char in_data[PATH_MAX + 64], true2[PATH_MAX + 64];
	const struct record *rec;
	struct run r;
	pid_t pid;
	int calls;

	if (!setup(true))
		goto out;
	if (!ASSERT_OK(vg_fadeny_mark(fa, TRUE_COPY, VG_FADENY_EXEC), "mark true-copy for exec"))
		goto out;
	pid = fork_fn(child_exec, TRUE_COPY);
	ASSERT_EQ(wait_kid(pid, CHILD_TIMEOUT_MS), 100 + EPERM, "exec of true-copy gets EPERM");
	rec = record_of(pid);
	if (ASSERT_OK_PTR(rec, "decide saw the exec")) {
		ASSERT_TRUE(rec->exec, "req exec");
		ASSERT_STREQ(rec->path, TRUE_COPY, "req path is the executable");
		ASSERT_STREQ(rec->exe, SELF_EXE, "req exe is the caller's image");
	}
	pid = fork_fn(child_exec, "/bin/true");
	ASSERT_EQ(wait_kid(pid, CHILD_TIMEOUT_MS), 0, "exec of /bin/true works");

	/* EXEC alone: reading the file is no event. */
	calls = atomic_load(&dc.calls);
	run(&r, (char *[]){ "/bin/cat", TRUE_COPY, NULL });
	ASSERT_EQ(r.status, 0, "cat of true-copy works");
	ASSERT_EQ(atomic_load(&dc.calls), calls, "no decision for a read of an EXEC-only mark");

	/* OPEN alone (the data dir) sees an exec as an open. */
	PATHF(true2, "%s/true2", BIN);
	PATHF(in_data, "%s/true2", DATA_DIR);
	if (ASSERT_OK(copy_file("/bin/true", true2), "copy true2") &&
	    ASSERT_OK(link(true2, in_data), "link true2 into data")) {
		pid = fork_fn(child_exec, in_data);
		ASSERT_EQ(wait_kid(pid, CHILD_TIMEOUT_MS), 100 + EPERM, "exec in data dir gets EPERM");
		rec = record_of(pid);
		ASSERT_TRUE(rec && !rec->exec, "an open event, exec false");
	}
	check_stats("stats");
out:
	teardown();
}

/* 6: clear and stop give the files back; marking again takes them again. */
static void test_clear_and_stop(void)
{
	struct vg_fadeny_stats st;
	struct run r;
	int calls;

	if (!setup(true))
		goto out;
	run(&r, (char *[]){ "/bin/cat", DATA, NULL });
	ASSERT_EQ(r.status, 1, "refused while marked");

	ASSERT_OK(vg_fadeny_clear(fa), "clear");
	vg_fadeny_get_stats(fa, &st);
	ASSERT_EQ(st.marks, 0, "no marks after clear");
	calls = atomic_load(&dc.calls);
	run(&r, (char *[]){ "/bin/cat", DATA, NULL });
	ASSERT_EQ(r.status, 0, "cat works after clear");
	ASSERT_STREQ(r.out, CONTENT, "content after clear");
	ASSERT_EQ(atomic_load(&dc.calls), calls, "no decision after clear");

	ASSERT_OK(vg_fadeny_mark(fa, DATA_DIR, VG_FADENY_OPEN), "mark again");
	ASSERT_TRUE(wait_marks(2), "marked again");
	run(&r, (char *[]){ "/bin/cat", DATA, NULL });
	ASSERT_EQ(r.status, 1, "refused after marking again");
	run(&r, (char *[]){ MYSQLD, DATA, NULL });
	ASSERT_EQ(r.status, 0, "mysqld allowed");

	vg_fadeny_get_stats(fa, &st);
	ASSERT_EQ(st.events, 3, "three events");
	ASSERT_EQ(st.denied, 2, "two denied");
	ASSERT_EQ(st.allowed, 1, "one allowed");
	check_stats("stats");

	vg_fadeny_stop(fa);
	fa = NULL;
	run(&r, (char *[]){ "/bin/cat", DATA, NULL });
	ASSERT_EQ(r.status, 0, "cat works after stop");
	ASSERT_STREQ(r.out, CONTENT, "content after stop");
	ASSERT_TRUE(data_intact(), "data intact");
out:
	teardown();
}

/*
 * 7: stop while a decision is in progress (200 ms) and a second open waits
 * unread in the queue: stop returns once the decision is answered, the
 * second open is allowed by the kernel when the fd closes, nothing hangs.
 */
static void test_stop_during_decision(void)
{
	struct run a, b;
	uint64_t t0, took;

	if (!setup(true))
		goto out;
	atomic_store(&dc.sleep_ms_once, 200);
	if (!ASSERT_TRUE(run_start(&a, (char *[]){ "/bin/cat", DATA, NULL }), "start a"))
		goto out;
	for (uint64_t end = ms_now() + 2000; !atomic_load(&dc.calls) && ms_now() < end;)
		sleep_ms(1);
	if (!ASSERT_EQ(atomic_load(&dc.calls), 1, "a is being decided") ||
	    !ASSERT_TRUE(run_start(&b, (char *[]){ "/bin/cat", SUBROW, NULL }), "start b"))
		goto out;
	ASSERT_TRUE(wait_blocked(b.pid), "b waits in fanotify");
	ASSERT_EQ(atomic_load(&dc.returned), 0, "a still being decided");

	t0 = ms_now();
	vg_fadeny_stop(fa);
	fa = NULL;
	took = ms_now() - t0;
	ASSERT_LE(took, 400, "stop ms (decision had <= 200 ms left)");
	ASSERT_EQ(run_wait(&a, 2000), 1, "a got its answer: denied");
	ASSERT_EQ(run_wait(&b, 2000), 0, "b allowed by the kernel at close");
	ASSERT_STREQ(b.out, CONTENT2, "b read the content");
	ASSERT_EQ(atomic_load(&dc.calls), 1, "b was never decided");
out:
	teardown();
}

static void *stop_thread(void *arg)
{
	vg_fadeny_stop(arg);
	return NULL;
}

/*
 * A decision stuck (1.5 s) past stop's patience (1 s): stop releases the
 * fanotify group itself, so both the open being decided and the queued one
 * go through before decide returns.
 */
static void test_stop_stuck_decision(void)
{
	struct run a, b;
	pthread_t th;
	uint64_t t0;

	if (!setup(true))
		goto out;
	atomic_store(&dc.sleep_ms_once, 1500);
	if (!ASSERT_TRUE(run_start(&a, (char *[]){ "/bin/cat", DATA, NULL }), "start a"))
		goto out;
	for (uint64_t end = ms_now() + 2000; !atomic_load(&dc.calls) && ms_now() < end;)
		sleep_ms(1);
	if (!ASSERT_EQ(atomic_load(&dc.calls), 1, "a is being decided") ||
	    !ASSERT_TRUE(run_start(&b, (char *[]){ "/bin/cat", SUBROW, NULL }), "start b"))
		goto out;
	ASSERT_TRUE(wait_blocked(b.pid), "b waits in fanotify");

	t0 = ms_now();
	if (!ASSERT_OK(pthread_create(&th, NULL, stop_thread, fa), "stop thread"))
		goto out;
	fa = NULL;
	ASSERT_EQ(run_wait(&b, 1400), 0, "b allowed");
	ASSERT_EQ(run_wait(&a, 200), 0, "a allowed (its decision never came)");
	ASSERT_EQ(atomic_load(&dc.returned), 0, "both done while decide still sleeps");
	ASSERT_LE(ms_now() - t0, 1400, "released within stop's patience");
	ASSERT_STREQ(a.out, CONTENT, "a read the content");
	pthread_join(th, NULL);
	ASSERT_EQ(atomic_load(&dc.returned), 1, "stop waited for decide to return");
out:
	teardown();
}

struct start_args {
	struct vg_fadeny *fa;
	int err;
	bool skipped;
};

/* Start the listener from a thread whose mount namespace has no procfs. */
static void *start_without_proc(void *arg)
{
	struct start_args *s = arg;

	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/proc", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16k")) {
		s->skipped = true;
		return NULL;
	}
	s->err = vg_fadeny_start(&s->fa, decide_mysqld, NULL);
	return NULL;
}

/* The listener cannot read /proc: it allows without asking decide. */
static void test_fail_open_without_proc(void)
{
	struct start_args s = {};
	struct vg_fadeny_stats st;
	struct run r;
	pthread_t th;

	if (!setup(false))
		goto out;
	if (!ASSERT_OK(pthread_create(&th, NULL, start_without_proc, &s), "thread"))
		goto out;
	pthread_join(th, NULL);
	if (s.skipped) {
		test__skip("cannot make a private mount namespace");
		goto out;
	}
	fa = s.fa;
	if (!ASSERT_OK(s.err, "start") ||
	    !ASSERT_OK(vg_fadeny_mark(fa, DATA_DIR, VG_FADENY_OPEN), "mark"))
		goto out;
	run(&r, (char *[]){ "/bin/cat", DATA, NULL });
	ASSERT_EQ(r.status, 0, "cat allowed (fail-open)");
	ASSERT_STREQ(r.out, CONTENT, "content");
	ASSERT_EQ(atomic_load(&dc.calls), 0, "decide never asked");
	vg_fadeny_get_stats(fa, &st);
	ASSERT_GE(st.failed_open, 1, "failed_open counted");
	ASSERT_EQ(st.events, st.failed_open, "every event failed open");
	/* Our own procfs is untouched. */
	ASSERT_OK(access("/proc/self/status", R_OK), "host /proc still there");
out:
	teardown();
}

/* Errors: bad kinds, missing path, procfs, and the mark limit. */
static void test_mark_errors_and_limit(void)
{
	char big[PATH_MAX + 64], d[PATH_MAX + 96];
	struct vg_fadeny_stats st;

	if (!setup(true))
		goto out;
	ASSERT_EQ(vg_fadeny_mark(fa, DATA_DIR, 0), -EINVAL, "no kinds");
	ASSERT_EQ(vg_fadeny_mark(fa, DATA_DIR, 1 << 5), -EINVAL, "unknown kind");
	ASSERT_EQ(vg_fadeny_mark(fa, "/nonexistent/vigil", VG_FADENY_OPEN), -ENOENT, "missing");
	ASSERT_EQ(vg_fadeny_mark(fa, "/proc/self", VG_FADENY_OPEN), -EINVAL, "procfs");
	ASSERT_OK(vg_fadeny_mark(fa, DATA, VG_FADENY_OPEN | VG_FADENY_EXEC), "a file");
	ASSERT_OK(vg_fadeny_mark(fa, DATA, VG_FADENY_OPEN), "the same file again");
	ASSERT_TRUE(wait_marks(3), "file counted once");

	PATHF(big, "%s/big", T);
	if (!ASSERT_OK(mkdir(big, 0755), "mkdir big"))
		goto out;
	for (int i = 0; i < VG_FADENY_MAX_MARKS; i++) {
		PATHF(d, "%s/d%04d", big, i);
		if (!ASSERT_OK(mkdir(d, 0755), "mkdir d"))
			goto out;
	}
	ASSERT_EQ(vg_fadeny_mark(fa, big, VG_FADENY_OPEN), -E2BIG, "over the limit");
	vg_fadeny_get_stats(fa, &st);
	ASSERT_EQ(st.marks, VG_FADENY_MAX_MARKS, "marked up to the limit");
	ASSERT_OK(vg_fadeny_clear(fa), "clear");
	vg_fadeny_get_stats(fa, &st);
	ASSERT_EQ(st.marks, 0, "cleared");
out:
	teardown();
}

static const struct vg_test tests[] = {
	VG_TEST(test_cat_denied),
	VG_TEST(test_trunc_denied_before_truncation),
	VG_TEST(test_creat_creates_then_denied),
	VG_TEST(test_path_ops_not_covered),
	VG_TEST(test_mysqld_allowed),
	VG_TEST(test_fifo_not_covered),
	VG_TEST(test_file_mark_follows_inode),
	VG_TEST(test_new_subdirs_marked),
	VG_TEST(test_exec_denied),
	VG_TEST(test_clear_and_stop),
	VG_TEST(test_stop_during_decision),
	VG_TEST(test_stop_stuck_decision),
	VG_TEST(test_fail_open_without_proc),
	VG_TEST(test_mark_errors_and_limit),
	{}
};

/* Paths the records are compared with, resolved once. */
__attribute__((constructor)) static void resolve_exes(void)
{
	ssize_t n;

	if (!realpath("/bin/cat", CAT_EXE))
		CAT_EXE[0] = '\0';
	n = readlink("/proc/self/exe", SELF_EXE, sizeof(SELF_EXE) - 1);
	SELF_EXE[n > 0 ? n : 0] = '\0';
}

VG_TEST_MAIN(tests)
