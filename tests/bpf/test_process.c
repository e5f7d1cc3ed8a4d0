// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_process.c - the process sensor against the real kernel: real children,
 * every field of every expected event, and no event lost.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"
#include "collect.h"
#include "argv.h"
#include "clock.h"

/* ---- what the test process knows about itself ---------------------------- */

static uint32_t ns_inode(const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	return stat(path, &st) ? 0 : (uint32_t)st.st_ino;
}

/* Our cgroup v2 path ("0::" line of /proc/self/cgroup). */
static void self_cgroup(char *out, size_t len)
{
	char line[PATH_MAX];
	FILE *f = fopen("/proc/self/cgroup", "r");

	out[0] = '\0';
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, len, "%s", line + 3);
		}
	if (f)
		fclose(f);
}

static uint64_t cgroup_id_of(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", cgroup2_root(), rel);
	return stat(path, &st) ? 0 : st.st_ino;
}

static uint64_t now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Check args against the expected list. */
static void assert_args(const struct got_event *g, const char *const *want, size_t n)
{
	struct vg_str got[VG_ARGS_MAX];
	bool cut = false;
	size_t argc;

	if (!ASSERT_OK_PTR(g->args, "args present"))
		return;
	argc = vg_argv_split(g->args, g->args_len, got, VG_ARGS_MAX, &cut);
	ASSERT_EQ(argc, n, "argc");
	ASSERT_FALSE(cut || g->args_truncated, "args not truncated");
	for (size_t i = 0; i < argc && i < n; i++) {
		char buf[256];

		snprintf(buf, sizeof(buf), "%.*s", (int)got[i].len, got[i].ptr);
		ASSERT_STREQ(buf, want[i], "arg");
	}
}

/* The context every event about one of our direct children must carry. */
static void assert_child_ctx(const struct got_event *g, pid_t child, const char *comm)
{
	const struct vg_task_ctx *t = &g->hdr->task;
	char cg[PATH_MAX], self_exe[PATH_MAX];
	ssize_t n;

	self_cgroup(cg, sizeof(cg));
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	self_exe[n > 0 ? n : 0] = '\0';

	ASSERT_EQ(t->pid, child, "pid");
	ASSERT_EQ(t->tid, child, "tid");
	ASSERT_EQ(t->ppid, getpid(), "ppid");
	ASSERT_EQ(t->uid, getuid(), "uid");
	ASSERT_EQ(t->gid, getgid(), "gid");
	ASSERT_EQ(t->euid, geteuid(), "euid");
	ASSERT_EQ(t->egid, getegid(), "egid");
	ASSERT_EQ(t->loginuid, self_loginuid(), "loginuid");
	ASSERT_STREQ(t->comm, comm, "comm");
	ASSERT_EQ(t->pid_ns, ns_inode("pid"), "pid namespace");
	ASSERT_EQ(t->mnt_ns, ns_inode("mnt"), "mnt namespace");
	ASSERT_EQ(t->net_ns, ns_inode("net"), "net namespace");
	ASSERT_EQ(t->cgroup_id, cgroup_id_of(cg), "cgroup id");
	ASSERT_STREQ(g->cgroup, cg, "cgroup path");
	ASSERT_FALSE(g->in_container, "not in a container");
	ASSERT_STREQ(g->parent_exe, self_exe, "parent exe");
	ASSERT_NEQ(t->start_ns, 0, "start time");
}

static void assert_no_loss(struct collector *c)
{
	struct vg_agent_stats st;

	ASSERT_OK(vg_agent_read_stats(&c->agent, &st), "read stats");
	for (int r = 0; r < VG_LOSS_MAX; r++)
		ASSERT_EQ(st.kernel.lost[r], 0, vg_loss_reason_name(r));
	ASSERT_EQ(st.decode_errors, 0, "decode errors");
	for (int t = 1; t < VG_EV_TYPE_MAX; t++)
		ASSERT_LE(st.received[t], st.kernel.sent[t], "received <= sent");
}

static pid_t spawn(const char *path, char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		execv(path, argv);
		_exit(127);
	}
	return pid;
}

static int wait_status(pid_t pid)
{
	int st = -1;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

/* ---- tests ---------------------------------------------------------------- */

static void check_exec_true(enum vg_attach_backend backend)
{
	static const char *const want[] = { "/bin/true", "vigil-test", "a b", "", "--x=\"q\"" };
	char *argv[] = { "/bin/true", "vigil-test", "a b", "", "--x=\"q\"", NULL };
	struct collector c;
	struct got_event *e, *x, *f;
	uint64_t t0, t1;
	pid_t pid;

	if (!ASSERT_OK(collector_start(&c, backend), "start agent"))
		return;
	ASSERT_EQ(c.agent.sensor.backend, backend, "backend in use");
	t0 = now_real();
	pid = spawn("/bin/true", argv);
	ASSERT_EQ(wait_status(pid), 0, "child exit status");
	t1 = now_real();

	e = collector_wait(&c, VG_EV_EXEC, pid, 3000);
	x = collector_wait(&c, VG_EV_EXIT, pid, 3000);
	f = collector_find(&c, VG_EV_FORK, pid);
	if (ASSERT_OK_PTR(e, "exec event")) {
		const struct vg_exec *ex = e->rec;

		assert_child_ctx(e, pid, "true");
		ASSERT_STREQ(e->exe, "/usr/bin/true", "exe (through the /bin symlink)");
		ASSERT_STREQ(ex->exe, "/usr/bin/true", "exe in the record");
		assert_args(e, want, 5);
		ASSERT_EQ(ex->args_total, 10 + 11 + 4 + 1 + 8, "argv block size");
		ASSERT_EQ(ex->old_tid, pid, "old tid");
		ASSERT_EQ(ex->flags, 0, "no truncation flags");
		ASSERT_GE(e->time_ns, t0 - 50000000ULL, "time after start (50 ms clock slack)");
		ASSERT_LE(e->time_ns, t1 + 50000000ULL, "time before end");
	}
	if (ASSERT_OK_PTR(f, "fork event")) {
		const struct vg_fork *fk = f->rec;

		ASSERT_EQ(fk->parent_pid, getpid(), "fork parent pid");
		ASSERT_EQ(fk->parent_tid, syscall(SYS_gettid), "fork parent tid");
		ASSERT_TRUE(f->hdr->ts_ns <= e->hdr->ts_ns, "fork before exec");
	}
	if (ASSERT_OK_PTR(x, "exit event")) {
		const struct vg_exit *ex = x->rec;

		assert_child_ctx(x, pid, "true");
		ASSERT_STREQ(x->exe, "/usr/bin/true", "exit: exe from the process table");
		assert_args(x, want, 5);
		ASSERT_EQ(ex->exit_code, 0, "exit code");
		ASSERT_EQ(ex->signal, 0, "signal");
		ASSERT_GE(ex->lifetime_ns, 1, "lifetime");
		ASSERT_LE(ex->lifetime_ns, t1 - t0 + 50000000ULL, "lifetime within the run");
		ASSERT_TRUE(e && e->hdr->ts_ns <= x->hdr->ts_ns, "exec before exit");
	}
	ASSERT_EQ(collector_count(&c, VG_EV_EXEC, pid), 1, "one exec event");
	ASSERT_EQ(collector_count(&c, VG_EV_EXIT, pid), 1, "one exit event");
	assert_no_loss(&c);
	collector_stop(&c);
}

static void test_exec_true_tp_btf(void)
{
	check_exec_true(VG_BACKEND_TP_BTF);
}

static void test_exec_true_raw_tp(void)
{
	check_exec_true(VG_BACKEND_RAW_TP);
}

static void test_exit_code_3(void)
{
	char *argv[] = { "/bin/sh", "-c", "exit 3", NULL };
	struct collector c;
	struct got_event *x;
	pid_t pid;
	int st;

	if (!ASSERT_OK(collector_start(&c, VG_BACKEND_AUTO), "start agent"))
		return;
	pid = spawn("/bin/sh", argv);
	st = wait_status(pid);
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 3, "child exited 3");
	x = collector_wait(&c, VG_EV_EXIT, pid, 3000);
	if (ASSERT_OK_PTR(x, "exit event")) {
		const struct vg_exit *ex = x->rec;

		assert_child_ctx(x, pid, "sh");
		ASSERT_EQ(ex->exit_code, 3, "exit code");
		ASSERT_EQ(ex->signal, 0, "no signal");
		ASSERT_EQ(ex->core_dumped, 0, "no core");
		ASSERT_STREQ(x->exe, "/usr/bin/dash", "exe");
	}
	assert_no_loss(&c);
	collector_stop(&c);
}

static void test_killed_by_sigterm(void)
{
	char *argv[] = { "/bin/sleep", "30", NULL };
	struct collector c;
	struct got_event *x;
	pid_t pid;
	int st;

	if (!ASSERT_OK(collector_start(&c, VG_BACKEND_AUTO), "start agent"))
		return;
	pid = spawn("/bin/sleep", argv);
	ASSERT_OK_PTR(collector_wait(&c, VG_EV_EXEC, pid, 3000), "exec event");
	kill(pid, SIGTERM);
	st = wait_status(pid);
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "child killed by SIGTERM");
	x = collector_wait(&c, VG_EV_EXIT, pid, 3000);
	if (ASSERT_OK_PTR(x, "exit event")) {
		const struct vg_exit *ex = x->rec;
		static const char *const want[] = { "/bin/sleep", "30" };

		assert_child_ctx(x, pid, "sleep");
		ASSERT_EQ(ex->exit_code, -1, "no exit code");
		ASSERT_EQ(ex->signal, SIGTERM, "signal");
		ASSERT_STREQ(x->exe, "/usr/bin/sleep", "exe");
		assert_args(x, want, 2);
	}
	assert_no_loss(&c);
	collector_stop(&c);
}

static void test_fork_without_exec(void)
{
	char self_exe[PATH_MAX];
	struct collector c;
	struct got_event *f, *x;
	ssize_t n;
	pid_t pid;

	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	self_exe[n > 0 ? n : 0] = '\0';
	if (!ASSERT_OK(collector_start(&c, VG_BACKEND_AUTO), "start agent"))
		return;
	pid = fork();
	if (pid == 0)
		_exit(7);
	ASSERT_EQ(WEXITSTATUS(wait_status(pid)), 7, "child exit status");
	f = collector_wait(&c, VG_EV_FORK, pid, 3000);
	x = collector_wait(&c, VG_EV_EXIT, pid, 3000);
	if (ASSERT_OK_PTR(f, "fork event")) {
		const struct vg_fork *fk = f->rec;

		assert_child_ctx(f, pid, "test_process");
		ASSERT_EQ(fk->parent_pid, getpid(), "parent pid");
		ASSERT_STREQ(f->exe, self_exe, "exe inherited from the parent");
		ASSERT_OK_PTR(f->args, "args inherited from the parent");
	}
	if (ASSERT_OK_PTR(x, "exit event")) {
		ASSERT_EQ(((const struct vg_exit *)x->rec)->exit_code, 7, "exit code");
		ASSERT_STREQ(x->exe, self_exe, "exit: exe");
	}
	ASSERT_EQ(collector_count(&c, VG_EV_EXEC, pid), 0, "no exec event");
	assert_no_loss(&c);
	collector_stop(&c);
}

/* 40 arguments of 250 bytes: beyond the 8 KiB argv capture. */
static void test_args_truncated(void)
{
	char *argv[42], big[40][251];
	struct collector c;
	struct got_event *e;
	struct vg_str got[VG_ARGS_MAX];
	bool cut = false;
	size_t argc;
	pid_t pid;

	argv[0] = "/bin/true";
	for (int i = 0; i < 40; i++) {
		memset(big[i], 'a' + i % 26, 250);
		big[i][250] = '\0';
		argv[i + 1] = big[i];
	}
	argv[41] = NULL;
	if (!ASSERT_OK(collector_start(&c, VG_BACKEND_AUTO), "start agent"))
		return;
	pid = spawn("/bin/true", argv);
	wait_status(pid);
	e = collector_wait(&c, VG_EV_EXEC, pid, 3000);
	if (ASSERT_OK_PTR(e, "exec event")) {
		const struct vg_exec *ex = e->rec;

		ASSERT_EQ(ex->args_total, 10 + 40 * 251, "full argv size reported");
		ASSERT_EQ(ex->args_len, VG_ARGS_LEN, "captured the first 8 KiB");
		ASSERT_TRUE(ex->flags & VG_EXEC_ARGS_TRUNCATED, "truncation flag");
		ASSERT_TRUE(e->args_truncated, "view says truncated");
		argc = vg_argv_split(e->args, e->args_len, got, VG_ARGS_MAX, &cut);
		ASSERT_EQ(argc, 1 + (VG_ARGS_LEN - 10) / 251 + 1, "whole args + the cut one");
		ASSERT_TRUE(cut, "last argument cut");
		ASSERT_EQ(got[1].len, 250, "first big arg intact");
		ASSERT_EQ(got[32].len, 250, "32nd big arg intact");
	}
	assert_no_loss(&c);
	collector_stop(&c);
}

/* 64 short arguments fit whole. */
static void test_many_args_complete(void)
{
	char *argv[66], num[64][8];
	const char *want[65];
	struct collector c;
	struct got_event *e;
	pid_t pid;

	argv[0] = "/bin/true";
	want[0] = "/bin/true";
	for (int i = 0; i < 64; i++) {
		snprintf(num[i], sizeof(num[i]), "arg%d", i);
		argv[i + 1] = num[i];
		want[i + 1] = num[i];
	}
	argv[65] = NULL;
	if (!ASSERT_OK(collector_start(&c, VG_BACKEND_AUTO), "start agent"))
		return;
	pid = spawn("/bin/true", argv);
	wait_status(pid);
	e = collector_wait(&c, VG_EV_EXEC, pid, 3000);
	if (ASSERT_OK_PTR(e, "exec event"))
		assert_args(e, want, 65);
	assert_no_loss(&c);
	collector_stop(&c);
}

/* A process started before vigil: its exit still carries exe and args. */
static void test_preexisting_process_context(void)
{
	char *argv[] = { "/bin/sleep", "31", NULL };
	static const char *const want[] = { "/bin/sleep", "31" };
	struct collector c;
	struct got_event *x;
	pid_t pid;

	pid = spawn("/bin/sleep", argv);
	usleep(100000);		/* let it exec before the agent starts */
	if (!ASSERT_OK(collector_start(&c, VG_BACKEND_AUTO), "start agent")) {
		kill(pid, SIGKILL);
		wait_status(pid);
		return;
	}
	kill(pid, SIGKILL);
	wait_status(pid);
	x = collector_wait(&c, VG_EV_EXIT, pid, 3000);
	if (ASSERT_OK_PTR(x, "exit event")) {
		assert_child_ctx(x, pid, "sleep");
		ASSERT_STREQ(x->exe, "/usr/bin/sleep", "exe from /proc seeding");
		assert_args(x, want, 2);
		ASSERT_EQ(((const struct vg_exit *)x->rec)->signal, SIGKILL, "signal");
	}
	ASSERT_EQ(collector_count(&c, VG_EV_EXEC, pid), 0, "exec happened before vigil");
	assert_no_loss(&c);
	collector_stop(&c);
}

/* exec through a relative path and a symlink in a temp dir. */
static void test_exe_relative_symlink(void)
{
	char dir[] = "/tmp/vigil-test-XXXXXX", link[PATH_MAX], copy[PATH_MAX];
	char *argv[] = { "./vg-true-link", NULL };
	struct collector c;
	struct got_event *e;
	pid_t pid;
	int in, out;
	char buf[65536];
	ssize_t n;

	if (!ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp"))
		return;
	snprintf(link, sizeof(link), "%s/vg-true-link", dir);
	snprintf(copy, sizeof(copy), "%s/vg-true-copy", dir);
	/* a copy of true, and a symlink to the copy */
	in = open("/bin/true", O_RDONLY);
	out = open(copy, O_WRONLY | O_CREAT, 0755);
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			break;
	close(in);
	close(out);
	ASSERT_OK(symlink("vg-true-copy", link), "symlink");

	if (ASSERT_OK(collector_start(&c, VG_BACKEND_AUTO), "start agent")) {
		pid = fork();
		if (pid == 0) {
			if (chdir(dir) == 0)
				execv(argv[0], argv);
			_exit(127);
		}
		ASSERT_EQ(wait_status(pid), 0, "child ran");
		e = collector_wait(&c, VG_EV_EXEC, pid, 3000);
		if (ASSERT_OK_PTR(e, "exec event")) {
			ASSERT_STREQ(e->exe, copy, "exe is the absolute resolved path");
			ASSERT_STREQ(e->hdr->task.comm, "vg-true-link", "comm is the name run");
		}
		assert_no_loss(&c);
		collector_stop(&c);
	}
	unlink(link);
	unlink(copy);
	rmdir(dir);
}

/* A child moved into a docker-style cgroup that this test creates. */
static void test_container_from_cgroup(void)
{
	static const char id[] = "4f9a1c2b3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeef";
	char parent[PATH_MAX], scope[PATH_MAX], procs[PATH_MAX + 32], rel[PATH_MAX / 2];
	char *argv[] = { "/bin/true", NULL };
	struct collector c;
	struct got_event *e;
	int pipefd[2];
	pid_t pid;

	if (!*cgroup2_root()) {
		test__skip("no cgroup v2 mount");
		return;
	}
	snprintf(rel, sizeof(rel), "/vigil-test-%d/docker-%s.scope", getpid(), id);
	snprintf(parent, sizeof(parent), "%s/vigil-test-%d", cgroup2_root(), getpid());
	snprintf(scope, sizeof(scope), "%s%s", cgroup2_root(), rel);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", scope);
	if (!ASSERT_OK(mkdir(parent, 0755), "mkdir test cgroup") ||
	    !ASSERT_OK(mkdir(scope, 0755), "mkdir scope cgroup"))
		goto cleanup;
	if (!ASSERT_OK(collector_start(&c, VG_BACKEND_AUTO), "start agent"))
		goto cleanup;
	if (pipe(pipefd))
		goto stop;
	pid = fork();
	if (pid == 0) {
		char go;
		int fd = open(procs, O_WRONLY);

		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(126);
		close(fd);
		if (read(pipefd[0], &go, 1) != 1)
			_exit(125);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[0]);
	ASSERT_EQ(write(pipefd[1], "g", 1), 1, "release child");
	close(pipefd[1]);
	ASSERT_EQ(wait_status(pid), 0, "child ran in the cgroup");
	e = collector_wait(&c, VG_EV_EXEC, pid, 3000);
	if (ASSERT_OK_PTR(e, "exec event")) {
		ASSERT_STREQ(e->cgroup, rel, "cgroup path");
		ASSERT_EQ(e->hdr->task.cgroup_id, cgroup_id_of(rel), "cgroup id");
		ASSERT_TRUE(e->in_container, "in a container");
		ASSERT_STREQ(e->container.id, id, "container id");
		ASSERT_EQ(e->container.runtime, VG_RT_DOCKER, "runtime");
	}
	assert_no_loss(&c);
stop:
	collector_stop(&c);
cleanup:
	rmdir(scope);
	rmdir(parent);
}

/* A burst of 500 fork+exec+exit: every event arrives, none lost. */
static void test_burst_no_loss(void)
{
	char *argv[] = { "/bin/true", NULL };
	pid_t pids[500];
	struct collector c;
	size_t missing = 0;

	if (!ASSERT_OK(collector_start(&c, VG_BACKEND_AUTO), "start agent"))
		return;
	for (int i = 0; i < 500; i++) {
		pids[i] = spawn("/bin/true", argv);
		wait_status(pids[i]);
	}
	collector_wait(&c, VG_EV_EXIT, pids[499], 5000);
	for (int i = 0; i < 500; i++)
		missing += !collector_find(&c, VG_EV_EXEC, pids[i]) ||
			   !collector_find(&c, VG_EV_FORK, pids[i]) ||
			   !collector_find(&c, VG_EV_EXIT, pids[i]);
	ASSERT_EQ(missing, 0, "children with a missing event");
	assert_no_loss(&c);
	collector_stop(&c);
}

static const struct vg_test tests[] = {
	VG_TEST(test_exec_true_tp_btf),
	VG_TEST(test_exec_true_raw_tp),
	VG_TEST(test_exit_code_3),
	VG_TEST(test_killed_by_sigterm),
	VG_TEST(test_fork_without_exec),
	VG_TEST(test_args_truncated),
	VG_TEST(test_many_args_complete),
	VG_TEST(test_preexisting_process_context),
	VG_TEST(test_exe_relative_symlink),
	VG_TEST(test_container_from_cgroup),
	VG_TEST(test_burst_no_loss),
	{},
};

VG_TEST_MAIN(tests)
