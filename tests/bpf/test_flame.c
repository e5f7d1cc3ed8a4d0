// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_flame.c - `vigil flame` on real workloads (src/flame.c,
 * bpf/flame/sample.bpf.c, docs/flame.md).
 *
 * The workload is build/tests/bpf/progs/flame_hot (tests/bpf/progs/
 * flame_hot.c, built with frame pointers): under a name of the test's
 * choosing it spends ~80 % of its time in vg_test_hot_spin and ~20 % in
 * vg_test_cold_spin, both called from vg_test_hot_caller, or ("kernel")
 * reads /dev/zero.  Each test starts its workloads, waits until they have
 * named themselves, runs build/vigil (or $VIGIL) flame on them and checks
 * the folded stacks line by line and the SVG with xmllint.  Workloads are
 * killed and the test cgroup removed after every test, pass or fail; the
 * temporary directory at exit.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"

#define MAX_CHILDREN	4

static struct {
	char dir[64];
	char vigil[PATH_MAX];
	char hot[PATH_MAX];
	char cgroup[PATH_MAX];		/* created by the current test; "" if none */
	pid_t children[MAX_CHILDREN];
	int n_children;
} fx;

/* ---- fixture --------------------------------------------------------------------- */

static void kill_children(void)
{
	for (int i = 0; i < fx.n_children; i++) {
		kill(fx.children[i], SIGKILL);
		waitpid(fx.children[i], NULL, 0);
	}
	fx.n_children = 0;
}

/* After each test: its workloads, then its cgroup (empty once they are reaped). */
static void test_cleanup(void)
{
	kill_children();
	if (fx.cgroup[0] && rmdir(fx.cgroup) && errno != ENOENT)
		printf("  cannot remove cgroup %s: %s\n", fx.cgroup, strerror(errno));
	fx.cgroup[0] = '\0';
}

static void teardown(void)
{
	char cmd[128];

	test_cleanup();
	if (!fx.dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx.dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", fx.dir);
	fx.dir[0] = '\0';
}

static bool fixture(void)
{
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (fx.dir[0])
		return true;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (!ASSERT_GE(n, 1, "readlink /proc/self/exe"))
		return false;
	self[n] = '\0';
	slash = strrchr(self, '/');
	/* build/tests/bpf/test_flame -> build/vigil, build/tests/bpf/progs/flame_hot */
	if (getenv("VIGIL"))
		snprintf(fx.vigil, sizeof(fx.vigil), "%s", getenv("VIGIL"));
	else
		snprintf(fx.vigil, sizeof(fx.vigil), "%.*s/../../vigil", (int)(slash - self), self);
	snprintf(fx.hot, sizeof(fx.hot), "%.*s/progs/flame_hot", (int)(slash - self), self);
	if (!ASSERT_OK(access(fx.vigil, X_OK) ? -errno : 0, "vigil binary is there") ||
	    !ASSERT_OK(access(fx.hot, X_OK) ? -errno : 0,
		       "build/tests/bpf/progs/flame_hot is there (make integration)"))
		return false;
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/vigil-test-flame-XXXXXX");
	if (!ASSERT_OK_PTR(mkdtemp(fx.dir), "mkdtemp")) {
		fx.dir[0] = '\0';
		return false;
	}
	atexit(teardown);
	return true;
}

static void path_in(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", fx.dir, name);
}

/*
 * Start flame_hot NAME SECONDS MODE; return its pid once it has named
 * itself (it prints its pid then), or -1.  With cgroup_procs, move it
 * there first.
 */
static pid_t start_hot(const char *name, const char *seconds, const char *mode,
		       const char *cgroup_procs)
{
	char line[32] = "";
	int p[2];
	pid_t pid;
	ssize_t n;

	if (fx.n_children == MAX_CHILDREN || pipe(p))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execl(fx.hot, fx.hot, name, seconds, mode, (char *)NULL);
		_exit(127);
	}
	fx.children[fx.n_children++] = pid;
	close(p[1]);
	if (cgroup_procs) {
		char s[16];
		int fd = open(cgroup_procs, O_WRONLY);

		snprintf(s, sizeof(s), "%d", pid);
		if (!ASSERT_TRUE(fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s),
				 "move the workload into the test cgroup")) {
			if (fd >= 0)
				close(fd);
			close(p[0]);
			return -1;
		}
		close(fd);
	}
	n = read(p[0], line, sizeof(line) - 1);
	close(p[0]);
	if (!ASSERT_GE(n, 1, "the workload started") || !ASSERT_EQ(atol(line), pid, "its pid"))
		return -1;
	return pid;
}

struct run {
	int code;		/* exit code, or 128 + signal */
	char err[8192];		/* stderr */
	double seconds;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

/* Start argv, stdin /dev/null, stdout to DIR/run.out, stderr to DIR/run.err. */
static pid_t start_argv(char *const argv[])
{
	char outp[PATH_MAX], errp[PATH_MAX];
	pid_t pid;

	path_in(outp, sizeof(outp), "run.out");
	path_in(errp, sizeof(errp), "run.err");
	fflush(stdout);
	pid = fork();
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
	return pid;
}

/* Wait for the run of start_argv() that began at t0, at most 60 s (then
 * SIGKILL).  With sigint_after_ready, SIGINT it that long after its ready
 * file DIR/ready appears. */
static void wait_run(pid_t pid, double t0, struct run *r, double sigint_after_ready)
{
	char errp[PATH_MAX], ready[PATH_MAX];
	double ready_at = 0;
	int status = 0;

	path_in(errp, sizeof(errp), "run.err");
	path_in(ready, sizeof(ready), "ready");
	for (;;) {
		struct timespec ts = { 0, 20 * 1000000L };
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (now_s() - t0 > 60) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		if (sigint_after_ready > 0) {
			if (!ready_at && !access(ready, F_OK))
				ready_at = now_s();
			if (ready_at && now_s() - ready_at >= sigint_after_ready) {
				kill(pid, SIGINT);
				sigint_after_ready = 0;
			}
		}
		nanosleep(&ts, NULL);
	}
	r->seconds = now_s() - t0;
	r->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	slurp(errp, r->err, sizeof(r->err));
}

/* Run argv to its end (see start_argv() and wait_run()). */
static void run_argv(char *const argv[], struct run *r, double sigint_after_ready)
{
	char ready[PATH_MAX];
	double t0 = now_s();
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->code = -1;
	path_in(ready, sizeof(ready), "ready");
	unlink(ready);
	pid = start_argv(argv);
	if (pid > 0)
		wait_run(pid, t0, r, sigint_after_ready);
}

#define RUN(r, ...) do { \
	char *_argv[] = { __VA_ARGS__, NULL }; \
	run_argv(_argv, r, 0); \
} while (0)

static void show(const char *what, const struct run *r)
{
	printf("  %s: exit %d after %.1f s\n  stderr: %.3000s\n", what, r->code, r->seconds,
	       r->err);
}

/* ---- folded stacks --------------------------------------------------------------- */

#define MAX_LINES 4096

struct folded {
	char *stack[MAX_LINES];
	long count[MAX_LINES];
	int n;
	long total;
};

static void folded_free(struct folded *f)
{
	for (int i = 0; i < f->n; i++)
		free(f->stack[i]);
	f->n = 0;
}

/* Read a .folded file; false (and a failed check) when a line is malformed. */
static bool folded_read(const char *path, struct folded *f)
{
	char line[16384];
	FILE *in = fopen(path, "re");
	bool ok = true;

	memset(f, 0, sizeof(*f));
	if (!ASSERT_OK_PTR(in, "open the folded output"))
		return false;
	while (fgets(line, sizeof(line), in) && f->n < MAX_LINES) {
		char *sp = strrchr(line, ' '), *end;
		long c;

		line[strcspn(line, "\n")] = '\0';
		c = sp ? strtol(sp + 1, &end, 10) : 0;
		if (!ASSERT_TRUE(sp && sp > line && c > 0 && !*end, "folded line is 'STACK COUNT'")) {
			printf("  line: %s\n", line);
			ok = false;
			break;
		}
		*sp = '\0';
		f->stack[f->n] = strdup(line);
		f->count[f->n++] = c;
		f->total += c;
	}
	fclose(in);
	return ok;
}

static void folded_print(const struct folded *f, int max)
{
	for (int i = 0; i < f->n && i < max; i++)
		printf("    %s %ld\n", f->stack[i], f->count[i]);
}

static const char *leaf(const char *stack)
{
	const char *p = strrchr(stack, ';');

	return p ? p + 1 : stack;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/*
 * The checks every user-mode profile of flame_hot named `comm` passes: the
 * first (hottest) line is comm's, ends in main;vg_test_hot_caller;
 * vg_test_hot_spin (the leaf named from the symbol table, its callers
 * unwound through frame pointers) and holds most of comm's samples; the
 * cold function is there with fewer.
 */
static void check_hot_profile(const struct folded *f, const char *comm, long min_samples)
{
	long mine = 0, cold = 0;
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "%s;", comm);
	for (int i = 0; i < f->n; i++) {
		if (!starts_with(f->stack[i], prefix))
			continue;
		mine += f->count[i];
		if (!strcmp(leaf(f->stack[i]), "vg_test_cold_spin"))
			cold += f->count[i];
	}
	printf("  %s: %ld samples, hottest stack %ld, cold function %ld\n", comm, mine,
	       f->n ? f->count[0] : 0, cold);
	if (!ASSERT_GE(f->n, 1, "at least one stack"))
		return;
	ASSERT_GE(mine, min_samples, "samples of the workload");
	ASSERT_TRUE(starts_with(f->stack[0], prefix), "the hottest stack is the workload's");
	ASSERT_STREQ(leaf(f->stack[0]), "vg_test_hot_spin", "the hottest stack's leaf");
	ASSERT_TRUE(ends_with(f->stack[0], ";main;vg_test_hot_caller;vg_test_hot_spin"),
		    "its callers, unwound by frame pointers");
	ASSERT_GE(f->count[0] * 2, mine, "the hot function has most of the samples");
	ASSERT_GE(cold, 1, "the cold function has samples too");
	ASSERT_TRUE(cold < f->count[0], "fewer than the hot one");
	for (int i = 1; i < f->n; i++)
		ASSERT_LE(f->count[i], f->count[0], "hottest first");
	if (vg_test_failed_now)
		folded_print(f, 12);
}

static bool xml_well_formed(const char *path)
{
	struct run r;

	if (access("/usr/bin/xmllint", X_OK)) {
		printf("  (xmllint not installed: SVG not validated)\n");
		return true;
	}
	RUN(&r, "/usr/bin/xmllint", "--noout", (char *)path);
	if (r.code)
		show("xmllint", &r);
	return r.code == 0;
}

static bool file_contains(const char *path, const char *needle)
{
	static char buf[4 << 20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return strstr(buf, needle) != NULL;
}

/* ---- tests ---------------------------------------------------------------------------- */

/* --pid: the target's hot function on top, another busy process left out, an SVG too. */
static void test_pid_puts_the_hot_function_on_top(void)
{
	char folded[PATH_MAX], svg[PATH_MAX], pidarg[16];
	struct folded f;
	struct run r;
	pid_t pid, other;

	if (!fixture())
		return;
	pid = start_hot("vgflame_hot", "20", "user", NULL);
	other = start_hot("vgflame_other", "20", "user", NULL);
	if (pid < 0 || other < 0)
		goto out;
	path_in(folded, sizeof(folded), "pid.folded");
	path_in(svg, sizeof(svg), "pid.svg");
	snprintf(pidarg, sizeof(pidarg), "%d", pid);
	RUN(&r, fx.vigil, "flame", "--pid", pidarg, "--duration", "2", "-o", folded, "-o", svg);
	if (!ASSERT_EQ(r.code, 0, "vigil flame exits 0")) {
		show("flame", &r);
		goto out;
	}
	ASSERT_TRUE(strstr(r.err, "sampling 2 CPUs at 99 Hz with ") || strstr(r.err, "sampling 1 CPU "),
		    "says which event and frequency it samples with");
	if (!folded_read(folded, &f))
		goto out;
	/* 2 s at 99 Hz is ~198 samples when it has a CPU to itself; it shares two */
	check_hot_profile(&f, "vgflame_hot", 40);
	for (int i = 0; i < f.n; i++)
		if (!ASSERT_FALSE(starts_with(f.stack[i], "vgflame_other;"), "other process left out"))
			break;
	ASSERT_TRUE(xml_well_formed(svg), "the SVG is well-formed XML");
	ASSERT_TRUE(file_contains(svg, "<title>vg_test_hot_spin ("), "the SVG has the hot frame");
	ASSERT_TRUE(file_contains(svg, "function zoom("), "the SVG has its script");
	folded_free(&f);
out:
	test_cleanup();
}

/* Kernel frames: named from kallsyms, "_[k]", above the user frames. */
static void test_kernel_frames_are_named(void)
{
	char folded[PATH_MAX], pidarg[16];
	bool vfs_read = false, unknown_k = false;
	struct folded f;
	struct run r;
	pid_t pid;

	if (!fixture())
		return;
	pid = start_hot("vgflame_kern", "20", "kernel", NULL);
	if (pid < 0)
		goto out;
	path_in(folded, sizeof(folded), "kern.folded");
	snprintf(pidarg, sizeof(pidarg), "%d", pid);
	RUN(&r, fx.vigil, "flame", "--pid", pidarg, "--duration", "2", "-o", folded);
	if (!ASSERT_EQ(r.code, 0, "vigil flame exits 0")) {
		show("flame", &r);
		goto out;
	}
	if (!folded_read(folded, &f))
		goto out;
	for (int i = 0; i < f.n; i++) {
		vfs_read |= strstr(f.stack[i], ";vfs_read_[k]") != NULL;
		unknown_k |= strstr(f.stack[i], "[unknown]_[k]") != NULL;
	}
	ASSERT_GE(f.total, 40, "samples of the workload");
	ASSERT_TRUE(starts_with(f.stack[0], "vgflame_kern;"), "the hottest stack is the workload's");
	ASSERT_TRUE(ends_with(f.stack[0], "_[k]"), "it is in the kernel");
	ASSERT_TRUE(strstr(f.stack[0], ";main;") && strstr(f.stack[0], "_[k]") >
		    strstr(f.stack[0], ";main;"), "user frames first, then kernel frames");
	ASSERT_TRUE(vfs_read, "vfs_read is among the kernel frames");
	ASSERT_FALSE(unknown_k, "every kernel frame is named");
	if (vg_test_failed_now)
		folded_print(&f, 12);
	folded_free(&f);
out:
	test_cleanup();
}

/* Create the test's cgroup (removed by test_cleanup()); its name below the
 * cgroup v2 mount into rel, its cgroup.procs into procs.  false: skipped or failed. */
static bool make_cgroup(char *rel, size_t rel_len, char *procs, size_t procs_len)
{
	char mnt[PATH_MAX] = "", line[1024], dev[256], dir[PATH_MAX], type[64];
	FILE *m = fopen("/proc/self/mounts", "re");

	while (m && fgets(line, sizeof(line), m))
		if (sscanf(line, "%255s %4095s %63s", dev, dir, type) == 3 && !strcmp(type, "cgroup2")) {
			snprintf(mnt, sizeof(mnt), "%s", dir);
			break;
		}
	if (m)
		fclose(m);
	if (!mnt[0]) {
		test__skip("no cgroup v2 mount");
		return false;
	}
	snprintf(rel, rel_len, "vigil-test-flame-%d", getpid());
	snprintf(fx.cgroup, sizeof(fx.cgroup), "%s/%s", mnt, rel);
	if (!ASSERT_OK(mkdir(fx.cgroup, 0755) ? -errno : 0, "create the test cgroup")) {
		fx.cgroup[0] = '\0';
		return false;
	}
	snprintf(procs, procs_len, "%s/cgroup.procs", fx.cgroup);
	return true;
}

/* --cgroup: relative to the cgroup v2 mount and absolute; only that cgroup's processes. */
static void test_cgroup_keeps_only_its_processes(void)
{
	char rel[64], procs[PATH_MAX + 32], folded[PATH_MAX];
	const char *const forms[] = { rel, fx.cgroup };
	struct folded f;
	struct run r;

	if (!fixture() || !make_cgroup(rel, sizeof(rel), procs, sizeof(procs)))
		return;
	if (start_hot("vgflame_in", "20", "user", procs) < 0 ||
	    start_hot("vgflame_out", "20", "user", NULL) < 0)
		goto out;
	path_in(folded, sizeof(folded), "cg.folded");
	for (size_t k = 0; k < 2; k++) {
		RUN(&r, fx.vigil, "flame", "--cgroup", (char *)forms[k], "--duration", "2", "-o",
		    folded);
		printf("  --cgroup %s\n", forms[k]);
		if (!ASSERT_EQ(r.code, 0, "vigil flame exits 0")) {
			show("flame", &r);
			goto out;
		}
		if (!folded_read(folded, &f))
			goto out;
		check_hot_profile(&f, "vgflame_in", 40);
		for (int i = 0; i < f.n; i++)
			if (!ASSERT_TRUE(starts_with(f.stack[i], "vgflame_in;"),
					 "only the cgroup's process")) {
				folded_print(&f, 12);
				break;
			}
		folded_free(&f);
	}
out:
	test_cleanup();
}

/*
 * A process that starts after sampling did and lives 0.7 s, less than the
 * 1 s between scans of the counts map: named all the same, because the
 * program announces it on its first sample and its maps are read then.
 */
static void test_short_lived_process_is_named(void)
{
	char rel[64], procs[PATH_MAX + 32], folded[PATH_MAX], ready[PATH_MAX];
	double t0 = now_s();
	struct folded f;
	struct run r = { .code = -1 };
	pid_t vigil;

	if (!fixture() || !make_cgroup(rel, sizeof(rel), procs, sizeof(procs)))
		return;
	path_in(folded, sizeof(folded), "short.folded");
	path_in(ready, sizeof(ready), "ready");
	unlink(ready);
	vigil = start_argv((char *[]){ fx.vigil, "flame", "--cgroup", rel, "--duration", "3",
				       "--ready-file", ready, "-o", folded, NULL });
	if (!ASSERT_GE(vigil, 1, "start vigil flame"))
		goto out;
	while (access(ready, F_OK) && now_s() - t0 < 20)
		usleep(20000);
	if (!ASSERT_OK(access(ready, F_OK) ? -errno : 0, "sampling started")) {
		kill(vigil, SIGKILL);
		waitpid(vigil, NULL, 0);
		goto out;
	}
	start_hot("vgflame_short", "0.7", "user", procs);
	wait_run(vigil, t0, &r, 0);
	if (!ASSERT_EQ(r.code, 0, "vigil flame exits 0")) {
		show("flame", &r);
		goto out;
	}
	if (!folded_read(folded, &f))
		goto out;
	check_hot_profile(&f, "vgflame_short", 15);
	folded_free(&f);
out:
	test_cleanup();
}

/* A process that exits before sampling ends is still named (maps read while it ran). */
static void test_process_that_exits_meanwhile_keeps_its_names(void)
{
	char folded[PATH_MAX], pidarg[16];
	struct folded f;
	struct run r;
	pid_t pid;

	if (!fixture())
		return;
	pid = start_hot("vgflame_brief", "2.5", "user", NULL);
	if (pid < 0)
		goto out;
	path_in(folded, sizeof(folded), "brief.folded");
	snprintf(pidarg, sizeof(pidarg), "%d", pid);
	RUN(&r, fx.vigil, "flame", "--pid", pidarg, "--duration", "4", "-o", folded);
	if (!ASSERT_EQ(r.code, 0, "vigil flame exits 0")) {
		show("flame", &r);
		goto out;
	}
	if (!folded_read(folded, &f))
		goto out;
	/* gone (a zombie: no maps) when sampling ended */
	check_hot_profile(&f, "vgflame_brief", 30);
	folded_free(&f);
out:
	test_cleanup();
}

/* Without a filter: every process, the workload among them. */
static void test_system_wide_profile_includes_the_workload(void)
{
	char folded[PATH_MAX];
	long mine = 0;
	int first = -1;
	struct folded f;
	struct run r;

	if (!fixture())
		return;
	if (start_hot("vgflame_sys", "20", "user", NULL) < 0)
		goto out;
	path_in(folded, sizeof(folded), "sys.folded");
	RUN(&r, fx.vigil, "flame", "--duration", "2", "--frequency", "199", "-o", folded);
	if (!ASSERT_EQ(r.code, 0, "vigil flame exits 0")) {
		show("flame", &r);
		goto out;
	}
	if (!folded_read(folded, &f))
		goto out;
	for (int i = 0; i < f.n; i++)
		if (starts_with(f.stack[i], "vgflame_sys;")) {
			mine += f.count[i];
			if (first < 0)
				first = i;
		}
	ASSERT_GE(mine, 80, "the workload's samples at 199 Hz");
	if (ASSERT_GE(first, 0, "the workload is there"))
		ASSERT_STREQ(leaf(f.stack[first]), "vg_test_hot_spin", "its hottest stack's leaf");
	ASSERT_TRUE(strstr(r.err, " idle; ") != NULL, "the summary counts idle samples");
	if (vg_test_failed_now)
		folded_print(&f, 12);
	folded_free(&f);
out:
	test_cleanup();
}

/* SIGINT ends sampling early; the output is still written. */
static void test_sigint_stops_early_and_writes(void)
{
	char folded[PATH_MAX], ready[PATH_MAX], pidarg[16];
	char *argv[16];
	struct folded f;
	struct run r;
	pid_t pid;
	int n = 0;

	if (!fixture())
		return;
	pid = start_hot("vgflame_int", "20", "user", NULL);
	if (pid < 0)
		goto out;
	path_in(folded, sizeof(folded), "int.folded");
	path_in(ready, sizeof(ready), "ready");
	snprintf(pidarg, sizeof(pidarg), "%d", pid);
	argv[n++] = fx.vigil;
	argv[n++] = "flame";
	argv[n++] = "--pid";
	argv[n++] = pidarg;
	argv[n++] = "--duration";
	argv[n++] = "60";
	argv[n++] = "--ready-file";
	argv[n++] = ready;
	argv[n++] = "-o";
	argv[n++] = folded;
	argv[n] = NULL;
	run_argv(argv, &r, 1.0);
	if (!ASSERT_EQ(r.code, 0, "vigil flame exits 0 on SIGINT")) {
		show("flame", &r);
		goto out;
	}
	ASSERT_TRUE(r.seconds < 20, "it stopped early");
	if (folded_read(folded, &f)) {
		ASSERT_GE(f.total, 20, "samples of the second it ran");
		folded_free(&f);
	}
out:
	test_cleanup();
}

/* Nothing stays loaded: no sampler program once vigil flame has exited. */
static void test_nothing_left_behind(void)
{
	char out[PATH_MAX];
	struct run r;

	if (!fixture())
		return;
	if (access("/usr/sbin/bpftool", X_OK)) {
		test__skip("bpftool not installed");
		return;
	}
	path_in(out, sizeof(out), "run.out");
	RUN(&r, "/usr/sbin/bpftool", "prog", "show");
	ASSERT_EQ(r.code, 0, "bpftool prog show");
	ASSERT_FALSE(file_contains(out, "vg_flame_sample"), "no sampler program loaded");
}

/* Usage errors exit 2 and say why; failures exit 1 in one line. */
static void test_usage_and_errors(void)
{
	char out[PATH_MAX], f[PATH_MAX];
	struct run r;

	if (!fixture())
		return;
	path_in(out, sizeof(out), "run.out");
	path_in(f, sizeof(f), "x.folded");
	RUN(&r, fx.vigil, "flame", "--help");
	ASSERT_EQ(r.code, 0, "--help exits 0");
	ASSERT_TRUE(file_contains(out, "usage: vigil flame"), "--help prints the usage");

	RUN(&r, fx.vigil, "flame", "--bogus", "--duration", "1", "-o", f);
	ASSERT_EQ(r.code, 2, "unknown option exits 2");
	ASSERT_TRUE(strstr(r.err, "unknown option '--bogus'") != NULL, "and names it");
	RUN(&r, fx.vigil, "flame", "--duration", "1", "-o", "/tmp/x.txt");
	ASSERT_EQ(r.code, 2, "-o of another kind exits 2");
	ASSERT_TRUE(strstr(r.err, "ends neither in .svg nor in .folded") != NULL, "and says why");
	RUN(&r, fx.vigil, "flame", "-o", f);
	ASSERT_EQ(r.code, 2, "no --duration exits 2");
	RUN(&r, fx.vigil, "flame", "--duration", "1");
	ASSERT_EQ(r.code, 2, "no -o exits 2");
	RUN(&r, fx.vigil, "flame", "--duration", "1x", "-o", f);
	ASSERT_EQ(r.code, 2, "a bad duration exits 2");
	RUN(&r, fx.vigil, "flame", "--duration", "1", "--frequency", "0", "-o", f);
	ASSERT_EQ(r.code, 2, "--frequency 0 exits 2");
	RUN(&r, fx.vigil, "flame", "--duration", "1", "--event", "bogus", "-o", f);
	ASSERT_EQ(r.code, 2, "a bad --event exits 2");
	RUN(&r, fx.vigil, "flame", "--pid", "4194305", "--duration", "1", "-o", f);
	ASSERT_EQ(r.code, 1, "a missing process exits 1");
	ASSERT_TRUE(strstr(r.err, "no process 4194305") != NULL, "and says so");
	RUN(&r, fx.vigil, "flame", "--cgroup", "/nonexistent-vigil", "--duration", "1", "-o", f);
	ASSERT_EQ(r.code, 1, "a missing cgroup exits 1");
	ASSERT_TRUE(strstr(r.err, "cannot use cgroup '/nonexistent-vigil'") != NULL, "and says so");
	RUN(&r, fx.vigil, "flame", "--duration", "60", "-o", "/nonexistent-vigil/x.svg");
	ASSERT_EQ(r.code, 1, "an output that cannot be written exits 1");
	ASSERT_TRUE(r.seconds < 10, "before sampling, not after the duration");
	ASSERT_TRUE(strstr(r.err, "cannot write '/nonexistent-vigil/x.svg'") != NULL, "and says so");
	ASSERT_TRUE(access(f, F_OK) != 0, "no output written on errors");

	if (!access("/usr/bin/setpriv", X_OK)) {
		RUN(&r, "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
		    fx.vigil, "flame", "--duration", "1", "-o", "/tmp/vigil-flame-nobody.folded");
		ASSERT_EQ(r.code, 1, "not root exits 1");
		ASSERT_TRUE(strstr(r.err, "must run as root") != NULL, "and says so in one line");
		if (vg_test_failed_now)
			show("as nobody", &r);
	}
}

static const struct vg_test tests[] = {
	VG_TEST(test_pid_puts_the_hot_function_on_top),
	VG_TEST(test_kernel_frames_are_named),
	VG_TEST(test_cgroup_keeps_only_its_processes),
	VG_TEST(test_process_that_exits_meanwhile_keeps_its_names),
	VG_TEST(test_short_lived_process_is_named),
	VG_TEST(test_system_wide_profile_includes_the_workload),
	VG_TEST(test_sigint_stops_early_and_writes),
	VG_TEST(test_nothing_left_behind),
	VG_TEST(test_usage_and_errors),
	{},
};

VG_TEST_MAIN(tests)
