// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_sandbox.c - `vigil sandbox` on real processes, and the OCI profiles
 * it writes (src/sandbox.c, src/seccomp_gen.c, docs/sandbox.md).
 *
 * The allow-lists are never written by hand: each comes from a first run of
 * the same workload under `vigil sandbox --learn`.  The workloads are
 * /bin/cat, sh, and this test binary re-executed as a child (argv[1] is
 * CHILD_FLAG, see child_main()): "plain" prints its pid and exits; "extra"
 * does the same plus one syscall plain never makes, tee(7, 8, 9, 10) with
 * 11 and 12 in the unused argument registers, so that the report can be
 * checked field by field; "thread-*" do it from a second thread; "reexec"
 * execs "plain" again.  vigil is build/vigil next to build/tests/bpf/ (or
 * $VIGIL); jq checks the JSON.  Everything lives in a temporary directory
 * removed at exit.
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"
#include "log.h"
#include "seccomp_gen.h"

#define CHILD_FLAG	"--vigil-sandbox-test-child"

/* ---- the child workloads (before main: the harness never runs in them) --------- */

/*
 * The thread modes make the same syscalls on every run, whatever the
 * scheduling: main never blocks in pthread_join (a futex wait only when the
 * thread is slower) but spins until the thread says it is done, and the
 * thread never returns (its exit would race with main's exit_group).
 */
static int thread_done;

static void *child_thread(void *arg)
{
	long r;

	if (arg) {
		r = syscall(SYS_tee, 7L, 8L, 9L, 10L, 11L, 12L);
		printf("tid=%ld tee=%ld errno=%d\n", (long)syscall(SYS_gettid), r,
		       r < 0 ? errno : 0);
	} else {
		printf("tid=%ld\n", (long)syscall(SYS_gettid));
	}
	__atomic_store_n(&thread_done, 1, __ATOMIC_RELEASE);
	for (;;)
		;
	return NULL;
}

/* Exit 0 when tee failed with EPERM (or was not made), 1 otherwise. */
__attribute__((constructor)) static void child_main(int argc, char **argv, char **envp)
{
	const char *mode;
	pthread_t t;
	long r;

	if (argc < 3 || strcmp(argv[1], CHILD_FLAG))
		return;
	mode = argv[2];
	printf("pid=%d\n", getpid());
	fflush(stdout);
	if (!strcmp(mode, "extra")) {
		r = syscall(SYS_tee, 7L, 8L, 9L, 10L, 11L, 12L);
		printf("tee=%ld errno=%d\n", r, r < 0 ? errno : 0);
		fflush(stdout);
		_exit(r < 0 && errno == EPERM ? 0 : 1);
	}
	if (!strncmp(mode, "thread-", 7)) {
		if (pthread_create(&t, NULL, child_thread, strcmp(mode, "thread-extra") ? NULL :
				   (void *)1))
			_exit(2);
		while (!__atomic_load_n(&thread_done, __ATOMIC_ACQUIRE))
			;
		fflush(stdout);
		_exit(0);
	}
	if (!strcmp(mode, "reexec")) {
		char *args[] = { argv[0], CHILD_FLAG, "plain", NULL };

		execve("/proc/self/exe", args, envp);
		printf("execve errno=%d\n", errno);
		fflush(stdout);
		_exit(errno == EPERM ? 0 : 1);
	}
	fflush(stdout);
	_exit(0);
}

/* ---- fixture -------------------------------------------------------------------- */

static struct {
	char dir[64];
	char vigil[PATH_MAX];
	char self[PATH_MAX];
	char data[PATH_MAX];		/* a file for cat */
} fx;

static void path_in(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", fx.dir, name);
}

static void teardown(void)
{
	char cmd[128];

	if (!fx.dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx.dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", fx.dir);
	fx.dir[0] = '\0';
}

static bool fixture(void)
{
	ssize_t n;
	FILE *f;

	if (fx.dir[0])
		return true;
	n = readlink("/proc/self/exe", fx.self, sizeof(fx.self) - 1);
	if (!ASSERT_GE(n, 1, "readlink /proc/self/exe"))
		return false;
	fx.self[n] = '\0';
	if (getenv("VIGIL")) {
		snprintf(fx.vigil, sizeof(fx.vigil), "%s", getenv("VIGIL"));
	} else {
		/* build/tests/bpf/test_sandbox -> build/vigil */
		char *slash = strrchr(fx.self, '/');

		snprintf(fx.vigil, sizeof(fx.vigil), "%.*s/../../vigil",
			 (int)(slash - fx.self), fx.self);
	}
	if (!ASSERT_OK(access(fx.vigil, X_OK) ? -errno : 0, "vigil binary is there"))
		return false;
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/vigil-test-sandbox-XXXXXX");
	if (!ASSERT_OK_PTR(mkdtemp(fx.dir), "mkdtemp")) {
		fx.dir[0] = '\0';
		return false;
	}
	atexit(teardown);
	path_in(fx.data, sizeof(fx.data), "data.txt");
	f = fopen(fx.data, "we");
	if (!ASSERT_OK_PTR(f, "create data file"))
		return false;
	for (int i = 0; i < 200; i++)
		fprintf(f, "line %d: the quick brown fox\n", i);
	fclose(f);
	return true;
}

/* ---- running things ------------------------------------------------------------- */

struct run {
	int status;		/* wait status; -1 if not run */
	int code;		/* exit code, or 128 + signal */
	char out[16384];	/* stdout, NUL-terminated (truncated) */
	char err[8192];		/* stderr */
};

static void slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

/*
 * Run argv with stdout and stderr into files; stdin /dev/null.  With
 * signal_after_ms > 0, send SIGTERM to it after that long.
 */
static void run_argv(char *const argv[], struct run *r, long signal_after_ms)
{
	char outp[PATH_MAX], errp[PATH_MAX];
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	path_in(outp, sizeof(outp), "run.out");
	path_in(errp, sizeof(errp), "run.err");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (in < 0 || o < 0 || e < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 ||
		    dup2(e, 2) < 0)
			_exit(250);
		execv(argv[0], argv);
		_exit(251);
	}
	if (signal_after_ms > 0) {
		struct timespec ts = { signal_after_ms / 1000, (signal_after_ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
		kill(pid, SIGTERM);
	}
	if (waitpid(pid, &r->status, 0) != pid)
		return;
	r->code = WIFEXITED(r->status) ? WEXITSTATUS(r->status) : 128 + WTERMSIG(r->status);
	slurp(outp, r->out, sizeof(r->out));
	slurp(errp, r->err, sizeof(r->err));
}

#define RUN(r, ...) do { \
	char *_argv[] = { __VA_ARGS__, NULL }; \
	run_argv(_argv, r, 0); \
} while (0)

/* vigil's stderr when a check fails, to see why. */
static void show(const char *what, const struct run *r)
{
	printf("  %s: exit %d\n  stdout: %.2000s\n  stderr: %.2000s\n", what, r->code, r->out,
	       r->err);
}

/* jq -e FILTER FILE: true when jq's last output is (a record per input). */
static bool jq(const char *file, const char *filter)
{
	struct run r;

	RUN(&r, "/usr/bin/jq", "-e", (char *)filter, (char *)file);
	if (r.code) {
		printf("  jq '%s' %s: exit %d: %s%s\n", filter, file, r.code, r.out, r.err);
		return false;
	}
	return true;
}

/* The same over every record at once: FILTER sees the array of them. */
static bool jq_all(const char *file, const char *filter)
{
	char all[PATH_MAX + 1024];
	struct run r;

	snprintf(all, sizeof(all), "[inputs] | %s", filter);
	RUN(&r, "/usr/bin/jq", "-n", "-e", all, (char *)file);
	if (r.code) {
		printf("  jq -n '%s' %s: exit %d: %s%s\n", all, file, r.code, r.out, r.err);
		return false;
	}
	return true;
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long)st.st_size;
}

/* Does the list file (NAME [COUNT] lines) name this syscall? */
static bool list_has(const char *path, const char *name)
{
	char line[256];
	bool found = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = line[0] != '#' && !strncmp(line, name, strlen(name)) &&
			line[strlen(name)] == ' ';
	fclose(f);
	return found;
}

/* Learn argv's syscalls into list; the run must succeed. */
static bool learn(const char *list, char *const argv[], struct run *r)
{
	char *args[32] = { fx.vigil, "sandbox", "--learn", (char *)list, "--" };
	size_t n = 5;

	for (size_t i = 0; argv[i] && n < 31; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	run_argv(args, r, 0);
	if (!ASSERT_EQ(r->code, 0, "learn run exits 0")) {
		show("learn", r);
		return false;
	}
	return ASSERT_TRUE(list_has(list, "execve") && list_has(list, "exit_group"),
			   "the learned list has the command's execve and exit_group");
}

/* pid=N from a child's output; -1 if none. */
static long out_pid(const char *out)
{
	const char *p = strstr(out, "pid=");

	return p ? atol(p + 4) : -1;
}

/* ---- tests ---------------------------------------------------------------------- */

/* (a) + (b): learn /bin/cat FILE, then the same command under the learned list. */
static void test_cat_runs_unchanged_under_its_learned_list(void)
{
	char list[PATH_MAX], rep[PATH_MAX], expect[16384];
	struct run plain, r;

	if (!fixture())
		return;
	path_in(list, sizeof(list), "cat.list");
	path_in(rep, sizeof(rep), "cat.reports");
	RUN(&plain, "/bin/cat", fx.data);
	if (!ASSERT_EQ(plain.code, 0, "cat alone") || !ASSERT_GE(strlen(plain.out), 1000, "cat output"))
		return;
	snprintf(expect, sizeof(expect), "%s", plain.out);

	if (!learn(list, (char *[]){ "/bin/cat", fx.data, NULL }, &r))
		return;
	ASSERT_STREQ(r.out, expect, "learn mode: cat's output unchanged");
	ASSERT_TRUE(list_has(list, "openat") && list_has(list, "mmap"),
		    "the learned list has cat's openat and mmap");

	RUN(&r, fx.vigil, "sandbox", "--syscalls", list, "--output", rep, "--", "/bin/cat", fx.data);
	if (!ASSERT_EQ(r.code, 0, "cat under its learned list exits 0"))
		show("enforce", &r);
	ASSERT_STREQ(r.out, expect, "same output");
	ASSERT_EQ(file_size(rep), 0, "no violation reported");
	ASSERT_TRUE(!strstr(r.err, "outside the allow-list"), "no violation counted");
}

/* (c): one syscall the learned run never made: EPERM, and reported field by field. */
static void test_extra_syscall_gets_eperm_and_is_reported(void)
{
	char list[PATH_MAX], rep[PATH_MAX], filter[PATH_MAX + 512];
	struct run r;
	long pid;

	if (!fixture())
		return;
	path_in(list, sizeof(list), "child.list");
	path_in(rep, sizeof(rep), "extra.reports");
	if (!learn(list, (char *[]){ fx.self, CHILD_FLAG, "plain", NULL }, &r))
		return;
	ASSERT_FALSE(list_has(list, "tee"), "plain never calls tee");

	/* The same list, plain: nothing to report. */
	RUN(&r, fx.vigil, "sandbox", "--syscalls", list, "--output", rep, "--", fx.self,
	    CHILD_FLAG, "plain");
	ASSERT_EQ(r.code, 0, "plain under its list");
	ASSERT_EQ(file_size(rep), 0, "plain: nothing reported");

	RUN(&r, fx.vigil, "sandbox", "--syscalls", list, "--output", rep, "--", fx.self,
	    CHILD_FLAG, "extra");
	if (!ASSERT_EQ(r.code, 0, "extra: tee failed with EPERM (the child checks errno)"))
		show("extra", &r);
	ASSERT_TRUE(strstr(r.out, "tee=-1 errno=1\n") != NULL, "the child saw -1/EPERM");
	pid = out_pid(r.out);
	ASSERT_GE(pid, 1, "child pid");
	snprintf(filter, sizeof(filter),
		 "length == 1 and (.[0] | .kind == \"seccomp\" and "
		 ".syscall == \"tee\" and .nr == %d and .arch == \"x86_64\" and "
		 ".args == [7,8,9,10,11,12] and .action == \"errno\" and .pid == %ld and "
		 ".tid == %ld and .comm == \"test_sandbox\" and .exe == \"%s\" and "
		 "(.time | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$\")))",
		 SYS_tee, pid, pid, fx.self);
	ASSERT_TRUE(jq_all(rep, filter), "exactly one record: tee, its number, args, pid, comm, exe");
	ASSERT_TRUE(strstr(r.err, "1 call outside the allow-list") != NULL,
		    "vigil counts it on stderr");
}

/* --on-violation kill: the process dies at the call, nothing after it runs. */
static void test_on_violation_kill_kills(void)
{
	char list[PATH_MAX], rep[PATH_MAX];
	struct run r;

	if (!fixture())
		return;
	path_in(list, sizeof(list), "child.list");
	path_in(rep, sizeof(rep), "kill.reports");
	if (file_size(list) <= 0 &&
	    !learn(list, (char *[]){ fx.self, CHILD_FLAG, "plain", NULL }, &r))
		return;
	RUN(&r, fx.vigil, "sandbox", "--syscalls", list, "--on-violation", "kill", "--output", rep,
	    "--", fx.self, CHILD_FLAG, "extra");
	ASSERT_EQ(r.code, 128 + SIGKILL, "vigil exits 128+SIGKILL, the command's fate");
	ASSERT_TRUE(strstr(r.out, "pid=") != NULL, "the child ran up to the call");
	ASSERT_TRUE(strstr(r.out, "tee=") == NULL, "and not one step further");
	ASSERT_TRUE(jq(rep, "select(.syscall == \"tee\") | .action == \"kill\""),
		    "reported with action kill");
}

/* Threads and forked children inherit the filter; vigil answers them too. */
static void test_threads_and_children_are_supervised(void)
{
	char list[PATH_MAX], rep[PATH_MAX], filter[256], cmd[PATH_MAX + 64];
	struct run r;
	long pid, tid = -1;
	const char *p;

	if (!fixture())
		return;
	path_in(list, sizeof(list), "thread.list");
	path_in(rep, sizeof(rep), "thread.reports");
	if (!learn(list, (char *[]){ fx.self, CHILD_FLAG, "thread-plain", NULL }, &r))
		return;
	RUN(&r, fx.vigil, "sandbox", "--syscalls", list, "--output", rep, "--", fx.self,
	    CHILD_FLAG, "thread-extra");
	ASSERT_EQ(r.code, 0, "thread-extra exits 0");
	pid = out_pid(r.out);
	if ((p = strstr(r.out, "tid=")))
		tid = atol(p + 4);
	ASSERT_TRUE(strstr(r.out, "tee=-1 errno=1") != NULL, "the thread saw EPERM");
	ASSERT_NEQ(tid, pid, "the call came from a second thread");
	snprintf(filter, sizeof(filter), ".syscall == \"tee\" and .pid == %ld and .tid == %ld",
		 pid, tid);
	ASSERT_TRUE(jq(rep, filter), "reported with the process's pid and the thread's tid");

	/* sh forks and execs the child: a grandchild of vigil. */
	path_in(list, sizeof(list), "sh.list");
	path_in(rep, sizeof(rep), "sh.reports");
	snprintf(cmd, sizeof(cmd), "'%s' " CHILD_FLAG " plain; echo sh-done", fx.self);
	if (!learn(list, (char *[]){ "/bin/sh", "-c", cmd, NULL }, &r))
		return;
	snprintf(cmd, sizeof(cmd), "'%s' " CHILD_FLAG " extra; echo sh-done $?", fx.self);
	RUN(&r, fx.vigil, "sandbox", "--syscalls", list, "--output", rep, "--", "/bin/sh", "-c",
	    cmd);
	ASSERT_EQ(r.code, 0, "sh exits 0");
	ASSERT_TRUE(strstr(r.out, "sh-done 0") != NULL, "the grandchild saw EPERM (exit 0)");
	pid = out_pid(r.out);
	snprintf(filter, sizeof(filter),
		 "length == 1 and .[0].syscall == \"tee\" and .[0].pid == %ld", pid);
	ASSERT_TRUE(jq_all(rep, filter), "one record, from the grandchild");
}

/*
 * vigil's own execve of the command is not the command's: a list without
 * execve still starts it, and the command's own execve is then reported.
 */
static void test_command_execve_is_judged_by_the_list(void)
{
	char list[PATH_MAX], nolist[PATH_MAX], rep[PATH_MAX], line[256];
	FILE *in, *out;
	struct run r;

	if (!fixture())
		return;
	path_in(list, sizeof(list), "child.list");
	path_in(nolist, sizeof(nolist), "child-noexec.list");
	path_in(rep, sizeof(rep), "exec.reports");
	if (file_size(list) <= 0 &&
	    !learn(list, (char *[]){ fx.self, CHILD_FLAG, "plain", NULL }, &r))
		return;
	in = fopen(list, "re");
	out = fopen(nolist, "we");
	if (!ASSERT_OK_PTR(in, "open list") || !ASSERT_OK_PTR(out, "create list")) {
		if (in)
			fclose(in);
		if (out)
			fclose(out);
		return;
	}
	while (fgets(line, sizeof(line), in))
		if (strncmp(line, "execve ", 7))
			fputs(line, out);
	fclose(in);
	fclose(out);

	RUN(&r, fx.vigil, "sandbox", "--syscalls", nolist, "--output", rep, "--", fx.self,
	    CHILD_FLAG, "plain");
	ASSERT_EQ(r.code, 0, "starts without execve in the list");
	ASSERT_EQ(file_size(rep), 0, "vigil's exec of it is not reported");

	RUN(&r, fx.vigil, "sandbox", "--syscalls", nolist, "--output", rep, "--", fx.self,
	    CHILD_FLAG, "reexec");
	ASSERT_EQ(r.code, 0, "the command's own execve failed with EPERM");
	ASSERT_TRUE(jq_all(rep, "length == 1 and .[0].syscall == \"execve\" and "
			       ".[0].action == \"errno\""), "and was reported");
}

/* The OCI writer: valid JSON with exactly the fields and names expected. */
static void test_oci_profile_is_valid_with_expected_fields(void)
{
	static const char *const names[] = { "write", "read", "exit_group", "read", "openat" };
	char path[PATH_MAX], list[PATH_MAX], f2[PATH_MAX], bad[PATH_MAX];
	struct run r;
	FILE *f;

	if (!fixture())
		return;
	path_in(path, sizeof(path), "api.json");
	f = fopen(path, "we");
	if (!ASSERT_OK_PTR(f, "create api.json"))
		return;
	ASSERT_OK(vg_seccomp_write_oci(f, names, 5, VG_SECCOMP_ERRNO), "vg_seccomp_write_oci");
	fclose(f);
	ASSERT_TRUE(jq(path, "keys == [\"architectures\", \"defaultAction\", \"defaultErrnoRet\", "
			     "\"syscalls\"]"), "exactly the four fields");
	ASSERT_TRUE(jq(path, ".defaultAction == \"SCMP_ACT_ERRNO\" and .defaultErrnoRet == 1"),
		    "default errno EPERM");
	ASSERT_TRUE(jq(path, ".architectures == [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", "
			     "\"SCMP_ARCH_X32\"]"), "architectures");
	ASSERT_TRUE(jq(path, ".syscalls == [{\"names\": [\"exit_group\", \"openat\", \"read\", "
			     "\"write\"], \"action\": \"SCMP_ACT_ALLOW\"}]"),
		    "one allow entry, names sorted, duplicates dropped");

	f = fopen(path, "we");
	if (!ASSERT_OK_PTR(f, "create api.json"))
		return;
	ASSERT_OK(vg_seccomp_write_oci(f, names, 5, VG_SECCOMP_KILL_PROCESS), "kill profile");
	fclose(f);
	ASSERT_TRUE(jq(path, ".defaultAction == \"SCMP_ACT_KILL_PROCESS\" and "
			     "(has(\"defaultErrnoRet\") | not)"), "kill: no defaultErrnoRet");
	f = fopen(path, "we");
	if (!ASSERT_OK_PTR(f, "create api.json"))
		return;
	ASSERT_OK(vg_seccomp_write_oci(f, names, 0, VG_SECCOMP_LOG), "empty log profile");
	fclose(f);
	ASSERT_TRUE(jq(path, ".defaultAction == \"SCMP_ACT_LOG\" and .syscalls == []"),
		    "no names: no entry (the schema wants at least one name)");

	/* An unknown name: an error that names it, nothing written. */
	f = fopen(path, "we");
	if (!ASSERT_OK_PTR(f, "create api.json"))
		return;
	vg_log_set_level(VG_LOG_NONE);		/* the error message is the CLI test's */
	ASSERT_EQ(vg_seccomp_write_oci(f, (const char *const[]){ "read", "nosuchcall" }, 2,
				       VG_SECCOMP_ERRNO), -EINVAL, "unknown name refused");
	vg_log_set_level(VG_LOG_INFO);
	fclose(f);
	ASSERT_EQ(file_size(path), 0, "nothing written");

	/* The CLI: a learned list, with and without the startup set. */
	path_in(list, sizeof(list), "cat.list");
	if (file_size(list) <= 0 && !learn(list, (char *[]){ "/bin/cat", fx.data, NULL }, &r))
		return;
	RUN(&r, fx.vigil, "sandbox", "--syscalls", list, "--write-oci", path);
	ASSERT_EQ(r.code, 0, "--write-oci");
	ASSERT_TRUE(jq(path, ".syscalls[0].names | . == sort and . == unique and "
			     "index(\"openat\") != null and index(\"execve\") != null"),
		    "the learned names, sorted and unique");
	RUN(&r, fx.vigil, "sandbox", "--allow-startup", "--write-oci", path, "--default-action",
	    "kill");
	ASSERT_EQ(r.code, 0, "--allow-startup --write-oci");
	ASSERT_TRUE(jq(path, ".defaultAction == \"SCMP_ACT_KILL_PROCESS\" and "
			     "(.syscalls[0].names | length) == " "21"),
		    "the startup set alone");
	ASSERT_EQ((long)vg_seccomp_startup_len, 21, "startup set size");

	path_in(bad, sizeof(bad), "bad.list");
	f = fopen(bad, "we");
	if (!ASSERT_OK_PTR(f, "create bad.list"))
		return;
	fputs("read 3\n# a comment\nnosuchcall\nwrite x\n", f);
	fclose(f);
	path_in(f2, sizeof(f2), "bad.json");
	RUN(&r, fx.vigil, "sandbox", "--syscalls", bad, "--write-oci", f2);
	ASSERT_EQ(r.code, 1, "a bad list fails --write-oci");
	ASSERT_TRUE(strstr(r.err, "bad.list:3: unknown syscall 'nosuchcall'") != NULL,
		    "the unknown name, with file and line");
	ASSERT_TRUE(strstr(r.err, "bad.list:4: count 'x' is not a number") != NULL,
		    "the bad count, with file and line");
	ASSERT_EQ(file_size(f2), -1, "nothing written");
	RUN(&r, fx.vigil, "sandbox", "--syscalls", bad, "--", "/bin/true");
	ASSERT_EQ(r.code, 125, "a bad list: vigil fails before running anything");
}

/* --seccomp: the profile vigil wrote, and a Docker-style one, as allow-lists. */
static void test_oci_profile_runs_the_command(void)
{
	char list[PATH_MAX], oci[PATH_MAX], rep[PATH_MAX], docker[PATH_MAX], expect[16384];
	struct run r;
	FILE *f;

	if (!fixture())
		return;
	path_in(list, sizeof(list), "cat.list");
	path_in(oci, sizeof(oci), "cat.json");
	path_in(rep, sizeof(rep), "oci.reports");
	if (file_size(list) <= 0 && !learn(list, (char *[]){ "/bin/cat", fx.data, NULL }, &r))
		return;
	RUN(&r, "/bin/cat", fx.data);
	snprintf(expect, sizeof(expect), "%s", r.out);
	RUN(&r, fx.vigil, "sandbox", "--syscalls", list, "--write-oci", oci);
	if (!ASSERT_EQ(r.code, 0, "--write-oci"))
		return;
	RUN(&r, fx.vigil, "sandbox", "--seccomp", oci, "--output", rep, "--", "/bin/cat", fx.data);
	ASSERT_EQ(r.code, 0, "cat under the OCI profile");
	ASSERT_STREQ(r.out, expect, "same output");
	ASSERT_EQ(file_size(rep), 0, "nothing reported");

	/*
	 * Docker's layout: tabs, the old single "name", conditional entries
	 * (left out, with a warning), empty includes, a KILL default (so
	 * violations kill unless --on-violation says otherwise).
	 */
	path_in(docker, sizeof(docker), "docker.json");
	f = fopen(docker, "we");
	if (!ASSERT_OK_PTR(f, "create docker.json"))
		return;
	fputs("{\n\t\"defaultAction\": \"SCMP_ACT_KILL_THREAD\",\n"
	      "\t\"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": "
	      "[\"SCMP_ARCH_X86\"]}],\n\t\"syscalls\": [\n"
	      "\t\t{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\", "
	      "\"args\": [], \"comment\": \"\", \"includes\": {}, \"excludes\": {}},\n"
	      "\t\t{\"name\": \"close\", \"action\": \"SCMP_ACT_ALLOW\"},\n"
	      "\t\t{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
	      "[{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]},\n"
	      "\t\t{\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "
	      "{\"caps\": [\"CAP_SYS_PTRACE\"]}},\n"
	      "\t\t{\"names\": [\"tee\"], \"action\": \"SCMP_ACT_ERRNO\"},\n"
	      "\t\t{\"names\": [\"no_such_call_in_any_abi\"], \"action\": \"SCMP_ACT_ALLOW\"}\n"
	      "\t]\n}\n", f);
	fclose(f);
	RUN(&r, fx.vigil, "sandbox", "--seccomp", docker, "--write-oci", oci);
	ASSERT_EQ(r.code, 0, "a Docker-style profile reads");
	ASSERT_TRUE(jq(oci, ".syscalls[0].names == [\"close\", \"read\", \"write\"]"),
		    "only the unconditional allows");
	ASSERT_TRUE(strstr(r.err, "'personality': this entry allows it only under conditions "
				  "(\"args\")") != NULL, "args entry left out, said");
	ASSERT_TRUE(strstr(r.err, "'ptrace': this entry allows it only under conditions "
				  "(\"includes\")") != NULL, "includes entry left out, said");
	ASSERT_TRUE(strstr(r.err, "unknown syscall 'no_such_call_in_any_abi' skipped") != NULL,
		    "unknown name skipped, said");

	/* KILL_THREAD default: the run is killed at its first unlisted call. */
	RUN(&r, fx.vigil, "sandbox", "--seccomp", docker, "--output", rep, "--", fx.self,
	    CHILD_FLAG, "plain");
	ASSERT_EQ(r.code, 128 + SIGKILL, "killed, as the profile's defaultAction says");
	ASSERT_TRUE(jq_all(rep, "length == 1 and .[0].action == \"kill\""),
		    "one record, action kill");

	f = fopen(docker, "we");
	if (!ASSERT_OK_PTR(f, "create docker.json"))
		return;
	fputs("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"tee\"],"
	      "\"action\":\"SCMP_ACT_ERRNO\"}]}", f);
	fclose(f);
	RUN(&r, fx.vigil, "sandbox", "--seccomp", docker, "--", "/bin/true");
	ASSERT_EQ(r.code, 125, "a deny-list profile is refused");
	ASSERT_TRUE(strstr(r.err, "defaultAction SCMP_ACT_ALLOW allows every syscall") != NULL,
		    "and says why");
}

/* Exit codes: the command's, 128+signal, 127 not found; signals are passed on. */
static void test_exit_status_and_signals(void)
{
	char list[PATH_MAX];
	struct run r;

	if (!fixture())
		return;
	path_in(list, sizeof(list), "any.list");
	RUN(&r, fx.vigil, "sandbox", "--learn", list, "--", "/bin/sh", "-c", "exit 3");
	ASSERT_EQ(r.code, 3, "exit 3 passed through");
	ASSERT_TRUE(list_has(list, "exit_group"), "learn list written on failure too");
	RUN(&r, fx.vigil, "sandbox", "--learn", list, "--", "/bin/sh", "-c", "kill -TERM $$");
	ASSERT_EQ(r.code, 128 + SIGTERM, "killed by SIGTERM: 143");
	RUN(&r, fx.vigil, "sandbox", "--learn", list, "--", "no-such-command-vigil");
	ASSERT_EQ(r.code, 127, "not found: 127");
	ASSERT_TRUE(strstr(r.err, "cannot run 'no-such-command-vigil'") != NULL, "and says so");
	RUN(&r, fx.vigil, "sandbox", "--learn", list, "--", "/etc/passwd");
	ASSERT_EQ(r.code, 126, "not executable: 126");
	RUN(&r, fx.vigil, "sandbox", "--", "/bin/true");
	ASSERT_EQ(r.code, 2, "no list: usage error");

	/* SIGTERM to vigil reaches the command (sleep dies of it, vigil reports 143). */
	{
		char *argv[] = { fx.vigil, "sandbox", "--learn", list, "--", "/bin/sleep", "10",
				 NULL };
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		run_argv(argv, &r, 300);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ASSERT_EQ(r.code, 128 + SIGTERM, "sleep killed by the forwarded SIGTERM");
		ASSERT_LE(t1.tv_sec - t0.tv_sec, 5, "well before its 10 s");
	}
}

static const struct vg_test tests[] = {
	VG_TEST(test_cat_runs_unchanged_under_its_learned_list),
	VG_TEST(test_extra_syscall_gets_eperm_and_is_reported),
	VG_TEST(test_on_violation_kill_kills),
	VG_TEST(test_threads_and_children_are_supervised),
	VG_TEST(test_command_execve_is_judged_by_the_list),
	VG_TEST(test_oci_profile_is_valid_with_expected_fields),
	VG_TEST(test_oci_profile_runs_the_command),
	VG_TEST(test_exit_status_and_signals),
	{}
};

VG_TEST_MAIN(tests)
