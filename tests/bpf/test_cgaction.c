// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_cgaction.c - throttle, freeze, quarantine and release real processes.
 *
 * Every process acted on is a child of the test.  Each child first moves
 * itself into "origin" cgroups the test creates (<mount>/vigil-test-cga-
 * <pid>-origin in cgroup v2, v1 cpu and v1 freezer), so release is checked
 * to put it back exactly there, not in some default.  vigil's directories
 * are <mount>/vigil-test-cga-<pid>/pid-N; netctl pins live in a private
 * VIGIL_NETCTL_DIR and the sockets in a private network namespace.
 * Everything (children, vigil's cgroups, origin cgroups, links, pins) is
 * removed at exit, whatever failed.
 *
 * CPU use is measured as the growth of utime + stime in /proc/PID/stat over
 * a wall-clock interval, in percent of one CPU.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"
#include "netif.h"
#include "cgaction.h"
#include "mounts.h"
#include "netctl.h"

enum { CG_V2, CG_CPU, CG_FREEZER, CG_MAX };

static const char *const cg_key[CG_MAX] = { "", "cpu", "freezer" };	/* /proc/PID/cgroup */

#define MAX_KIDS 32

static struct {
	bool ready;
	char name[64];			/* vigil's directory name */
	char mnt[CG_MAX][256];		/* "" when that hierarchy is not mounted */
	char origin[CG_MAX][PATH_MAX];	/* where the children start */
	char pins[PATH_MAX];
	struct vg_cgaction *a;
	pid_t kids[MAX_KIDS];		/* children and grandchildren to kill */
} fx;

/* ---- small helpers ------------------------------------------------------ */

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		err = -errno;
	close(fd);
	return err;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* utime + stime of pid, in clock ticks (all threads). */
static long long cpu_ticks(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long ut, st;
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)) || !(p = strrchr(buf, ')')))
		return -1;
	if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
		   &st) != 2)
		return -1;
	return ut + st;
}

/* pid's CPU use over the next `ms`, in percent of one CPU. */
static double cpu_share(pid_t pid, long ms)
{
	long long t0 = cpu_ticks(pid), t1;
	double s0 = now_s(), s1;

	sleep_ms(ms);
	t1 = cpu_ticks(pid);
	s1 = now_s();
	if (t0 < 0 || t1 < 0)
		return -1;
	return 100.0 * (t1 - t0) / sysconf(_SC_CLK_TCK) / (s1 - s0);
}

/*
 * At least `min` percent in one of three windows: the baseline of an
 * unlimited burner, which other load on this 2-CPU machine can dent.
 */
static double cpu_share_at_least(pid_t pid, long ms, double min)
{
	double best = -1;

	for (int i = 0; i < 3 && best < min; i++) {
		double s = cpu_share(pid, ms);

		if (s > best)
			best = s;
	}
	return best;
}

/* pid's cgroup in hierarchy `h` as /proc/PID/cgroup writes it, into buf. */
static const char *cgroup_of(pid_t pid, int h, char *buf, size_t len)
{
	char path[64], line[PATH_MAX + 64];
	FILE *f;

	snprintf(buf, len, "?");
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	f = fopen(path, "re");
	if (!f)
		return buf;
	while (fgets(line, sizeof(line), f)) {
		char *ctrl = strchr(line, ':'), *p;

		if (!ctrl || !(p = strchr(ctrl + 1, ':')))
			continue;
		*ctrl++ = '\0';
		*p++ = '\0';
		p[strcspn(p, "\n")] = '\0';
		if (h == CG_V2 ? (!strcmp(line, "0") && !*ctrl) : !strcmp(ctrl, cg_key[h])) {
			snprintf(buf, len, "%s", p);
			break;
		}
	}
	fclose(f);
	return buf;
}

/* The path under the mount of a directory below it ("/x/y"). */
static const char *rel(int h, const char *dir)
{
	return dir + strlen(fx.mnt[h]);
}

static void vigil_dir(int h, pid_t pid, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/pid-%d", fx.mnt[h], fx.name, pid);
}

static void vigil_base(int h, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", fx.mnt[h], fx.name);
}

/* Is pid in `dir` of hierarchy h? */
static bool in_cgroup(pid_t pid, int h, const char *dir)
{
	char cur[PATH_MAX];

	return !strcmp(cgroup_of(pid, h, cur, sizeof(cur)), rel(h, dir));
}

/* ---- children ----------------------------------------------------------- */

static void add_kid(pid_t pid)
{
	for (int i = 0; i < MAX_KIDS; i++) {
		if (!fx.kids[i]) {
			fx.kids[i] = pid;
			return;
		}
	}
}

/* Kill a child (or grandchild) and reap it when it is ours. */
static void reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	for (int i = 0; i < MAX_KIDS; i++)
		if (fx.kids[i] == pid)
			fx.kids[i] = 0;
}

/* Each child's first step: into the origin cgroups, so the test knows where it belongs. */
static void join_origin(void)
{
	char path[PATH_MAX + 16];

	for (int h = 0; h < CG_MAX; h++) {
		if (!fx.origin[h][0])
			continue;
		snprintf(path, sizeof(path), "%s/cgroup.procs", fx.origin[h]);
		if (write_file(path, "0"))
			_exit(200);
	}
}

/* Fork a child that joins the origin cgroups, then runs body(arg). */
static pid_t spawn(void (*body)(long), long arg)
{
	int p[2];
	pid_t pid;
	char c;

	fflush(stdout);
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		join_origin();
		if (write(p[1], "r", 1) != 1)
			_exit(201);
		close(p[1]);
		body(arg);
		_exit(0);
	}
	add_kid(pid);
	close(p[1]);
	if (read(p[0], &c, 1) != 1) {
		reap(pid);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

static void *burn_thread(void *arg)
{
	for (volatile unsigned long i = 0;; i++)
		;
	return arg;
}

/* Burn CPU on `threads` threads (the main one included). */
static void burn(long threads)
{
	pthread_t t;

	for (long i = 1; i < threads; i++)
		pthread_create(&t, NULL, burn_thread, NULL);
	burn_thread(NULL);
}

/* ---- fixture ------------------------------------------------------------ */

static void teardown(void)
{
	char path[PATH_MAX];
	struct vg_netctl nc;

	for (int i = 0; i < MAX_KIDS; i++)
		if (fx.kids[i] > 0)
			kill(fx.kids[i], SIGKILL);
	/* Thaws what is frozen, so the killed children can die. */
	vg_cgaction_free(fx.a);
	fx.a = NULL;
	for (int i = 0; i < MAX_KIDS; i++)
		reap(fx.kids[i]);
	for (int h = 0; h < CG_MAX; h++) {
		if (!fx.mnt[h][0])
			continue;
		for (int i = 0; i < 2; i++) {	/* leftovers of a failed test */
			snprintf(path, sizeof(path), "%s/%s", fx.origin[h], "sub");
			rmdir(path);
			vigil_base(h, path, sizeof(path));
			rmdir(path);
		}
		if (fx.origin[h][0])
			rmdir(fx.origin[h]);
	}
	if (fx.pins[0] && !vg_netctl_open(&nc, false)) {
		vg_netctl_detach(&nc, 0, NULL);	/* the private directory: only ours */
		vg_netctl_close(&nc);
	}
	if (fx.pins[0])
		rmdir(fx.pins);
}

static void on_fatal_signal(int sig)
{
	teardown();
	signal(sig, SIG_DFL);
	raise(sig);
}

static bool fixture(void)
{
	if (fx.ready)
		return true;
	snprintf(fx.name, sizeof(fx.name), "vigil-test-cga-%d", getpid());
	snprintf(fx.pins, sizeof(fx.pins), "/sys/fs/bpf/vigil-test-cgaction-%d", getpid());
	setenv("VIGIL_NETCTL_DIR", fx.pins, 1);
	atexit(teardown);
	signal(SIGINT, on_fatal_signal);
	signal(SIGTERM, on_fatal_signal);
	signal(SIGSEGV, on_fatal_signal);
	signal(SIGABRT, on_fatal_signal);
	if (vg_mount_find("cgroup2", fx.mnt[CG_V2], sizeof(fx.mnt[CG_V2])))
		fx.mnt[CG_V2][0] = '\0';
	if (vg_mount_find_cgroup_v1("cpu", fx.mnt[CG_CPU], sizeof(fx.mnt[CG_CPU])))
		fx.mnt[CG_CPU][0] = '\0';
	if (vg_mount_find_cgroup_v1("freezer", fx.mnt[CG_FREEZER], sizeof(fx.mnt[CG_FREEZER])))
		fx.mnt[CG_FREEZER][0] = '\0';
	for (int h = 0; h < CG_MAX; h++) {
		if (!fx.mnt[h][0])
			continue;
		snprintf(fx.origin[h], sizeof(fx.origin[h]), "%s/%s-origin", fx.mnt[h], fx.name);
		if (!ASSERT_OK(mkdir(fx.origin[h], 0755) ? -errno : 0, "mkdir origin cgroup"))
			return false;
	}
	if (!ASSERT_TRUE(fx.mnt[CG_V2][0], "cgroup v2 is mounted"))
		return false;
	/*
	 * Unlimited burners are measured against "most of a CPU": weight the
	 * origin cgroup so that other work on this small machine (builds run
	 * beside the tests) does not dent that baseline.  Quotas still bind.
	 */
	if (fx.mnt[CG_CPU][0]) {
		char shares[PATH_MAX + 16];

		snprintf(shares, sizeof(shares), "%s/cpu.shares", fx.origin[CG_CPU]);
		write_file(shares, "8192");
	}
	/* Sockets exist only in this private namespace from here on. */
	if (!ASSERT_OK(unshare(CLONE_NEWNET) ? -errno : 0, "unshare(CLONE_NEWNET)"))
		return false;
	if (!ASSERT_OK(vg_link_up("lo"), "bring lo up in the private netns"))
		return false;
	fx.ready = true;
	return true;
}

/* A fresh vg_cgaction for one test (the previous one is freed). */
static struct vg_cgaction *fresh(void)
{
	vg_cgaction_free(fx.a);
	fx.a = NULL;
	if (!ASSERT_OK(vg_cgaction_new(&fx.a, fx.name), "vg_cgaction_new"))
		return NULL;
	return fx.a;
}

static void done(void)
{
	vg_cgaction_free(fx.a);
	fx.a = NULL;
}

/* ---- tests -------------------------------------------------------------- */

/* The quota set on pid's throttle cgroup, in µs per 100 ms; -1 when unreadable. */
static long quota_of(bool v1, const char *dir)
{
	char path[PATH_MAX + 32], buf[64];
	long quota, period;

	if (v1) {
		snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
		if (read_file(path, buf, sizeof(buf)) || atol(buf) != 100000)
			return -1;
		snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
		return read_file(path, buf, sizeof(buf)) ? -1 : atol(buf);
	}
	snprintf(path, sizeof(path), "%s/cpu.max", dir);
	if (read_file(path, buf, sizeof(buf)) || sscanf(buf, "%ld %ld", &quota, &period) != 2 ||
	    period != 100000)
		return -1;
	return quota;
}

static void test_throttle_limits_cpu_and_release_lifts_it(void)
{
	char how[512], dir[PATH_MAX], path[PATH_MAX];
	double before, during, after;
	struct vg_cgaction *a;
	bool v1;
	int h;
	pid_t pid;

	if (!fixture() || !(a = fresh()))
		return;
	pid = spawn(burn, 1);
	if (!ASSERT_GE(pid, 1, "spawn burner"))
		goto out;
	before = cpu_share_at_least(pid, 1000, 70);
	printf("  burner before throttle: %.1f%% of one CPU\n", before);
	ASSERT_GE(before, 70, "an unlimited burner uses most of a CPU");

	if (!ASSERT_OK(vg_cgaction_throttle(a, pid, 20, how, sizeof(how)), "throttle to 20%"))
		goto out;
	printf("  how: %s\n", how);
	/* v1 cpu on this machine; cgroup v2 cpu.max where v2 has the controller. */
	v1 = strstr(how, "cgroup v1 cpu quota") != NULL;
	h = v1 ? CG_CPU : CG_V2;
	vigil_dir(h, pid, dir, sizeof(dir));
	ASSERT_TRUE((v1 || strstr(how, "cgroup v2 cpu.max")) && strstr(how, "20%") &&
		    strstr(how, dir), "how names the mechanism, 20% and the directory");
	ASSERT_EQ(vg_cgaction_active(a, pid), VG_CGACTION_THROTTLE, "active: throttle");
	ASSERT_TRUE(in_cgroup(pid, h, dir), "burner moved into its own cpu cgroup");
	ASSERT_EQ(quota_of(v1, dir), 20000, "quota 20000 µs per 100000");
	if (v1)
		ASSERT_TRUE(in_cgroup(pid, CG_V2, fx.origin[CG_V2]),
			    "v2 cgroup untouched by a v1 throttle");
	during = cpu_share(pid, 2000);
	printf("  burner throttled to 20%%: %.1f%% of one CPU\n", during);
	ASSERT_LE(during, 30, "throttled burner stays under 30%");
	ASSERT_GE(during, 5, "throttled burner still runs");

	/* Again: the quota is updated in place. */
	ASSERT_OK(vg_cgaction_throttle(a, pid, 50, how, sizeof(how)), "throttle again to 50%");
	ASSERT_EQ(quota_of(v1, dir), 50000, "quota updated to 50000");
	ASSERT_EQ(vg_cgaction_count(a), 1, "one pid tracked");

	if (!ASSERT_OK(vg_cgaction_release(a, pid, how, sizeof(how)), "release"))
		goto out;
	printf("  how: %s\n", how);
	snprintf(path, sizeof(path), "lifted throttle; pid %d back in its cgroups", pid);
	ASSERT_STREQ(how, path, "release says what it lifted");
	ASSERT_EQ(vg_cgaction_active(a, pid), 0, "nothing active after release");
	ASSERT_EQ(vg_cgaction_count(a), 0, "nothing tracked after release");
	ASSERT_TRUE(in_cgroup(pid, h, fx.origin[h]), "burner back in its cpu origin");
	ASSERT_FALSE(exists(dir), "vigil's cpu cgroup removed");
	vigil_base(h, path, sizeof(path));
	ASSERT_FALSE(exists(path), "vigil's base directory removed");
	after = cpu_share_at_least(pid, 1000, 70);
	printf("  burner after release: %.1f%% of one CPU\n", after);
	ASSERT_GE(after, 70, "released burner uses most of a CPU again");
out:
	reap(pid);
	done();
}

static void sleeper(long unused)
{
	for (;;)
		pause();
}

static void test_throttle_refuses_realtime_task(void)
{
	struct sched_param sp = { .sched_priority = 1 };
	char how[256], rt[PATH_MAX + 32];
	struct vg_cgaction *a;
	pid_t pid;

	if (!fixture() || !(a = fresh()))
		return;
	/* With RT group scheduling, a cgroup needs RT runtime for a FIFO task. */
	snprintf(rt, sizeof(rt), "%s/cpu.rt_runtime_us", fx.origin[CG_CPU]);
	if (fx.mnt[CG_CPU][0] && exists(rt))
		ASSERT_OK(write_file(rt, "10000"), "RT runtime for the origin cgroup");
	pid = spawn(sleeper, 0);
	if (!ASSERT_GE(pid, 1, "spawn sleeper") ||
	    !ASSERT_OK(sched_setscheduler(pid, SCHED_FIFO, &sp) ? -errno : 0, "SCHED_FIFO"))
		goto out;
	ASSERT_EQ(vg_cgaction_throttle(a, pid, 20, how, sizeof(how)), -EINVAL,
		  "a CPU quota cannot limit a real-time task");
	ASSERT_EQ(vg_cgaction_count(a), 0, "nothing tracked");
	if (fx.mnt[CG_CPU][0])
		ASSERT_TRUE(in_cgroup(pid, CG_CPU, fx.origin[CG_CPU]), "left where it was");
	ASSERT_OK(vg_cgaction_freeze(a, pid, how, sizeof(how)), "a real-time task can be frozen");
	ASSERT_OK(vg_cgaction_release(a, pid, how, sizeof(how)), "release");
out:
	reap(pid);
	done();
	if (fx.mnt[CG_CPU][0] && exists(rt))
		write_file(rt, "0");
}

/* Freeze a two-thread burner with `v1` or the default mechanism. */
static void freeze_and_release(bool v1)
{
	char how[512], dir[PATH_MAX], path[PATH_MAX + 32], buf[256];
	int h = v1 ? CG_FREEZER : CG_V2;
	double frozen, after;
	struct vg_cgaction *a;
	pid_t pid;

	if (!fixture() || !(a = fresh()))
		return;
	if (v1 && !fx.mnt[CG_FREEZER][0]) {
		test__skip("no cgroup v1 freezer hierarchy");
		return;
	}
	vg_cgaction_prefer_v1(a, v1);
	pid = spawn(burn, 2);
	if (!ASSERT_GE(pid, 1, "spawn burner"))
		goto out;
	if (!ASSERT_OK(vg_cgaction_freeze(a, pid, how, sizeof(how)), "freeze"))
		goto out;
	printf("  how: %s\n", how);
	vigil_dir(h, pid, dir, sizeof(dir));
	ASSERT_TRUE(strstr(how, v1 ? "cgroup v1 freezer FROZEN" : "cgroup v2 freeze") &&
		    strstr(how, dir), "how names the mechanism and the directory");
	ASSERT_EQ(vg_cgaction_active(a, pid), VG_CGACTION_FREEZE, "active: freeze");
	ASSERT_TRUE(in_cgroup(pid, h, dir), "burner moved into its own cgroup");
	snprintf(path, sizeof(path), "%s/%s", dir, v1 ? "freezer.state" : "cgroup.events");
	ASSERT_TRUE(!read_file(path, buf, sizeof(buf)) &&
		    strstr(buf, v1 ? "FROZEN" : "frozen 1"), "the kernel says frozen");
	/* Both threads stopped: the process-wide counters stand still. */
	frozen = cpu_share(pid, 500);
	printf("  frozen two-thread burner: %.1f%% of one CPU\n", frozen);
	ASSERT_LE(frozen, 2, "a frozen burner uses no CPU");
	ASSERT_OK(vg_cgaction_freeze(a, pid, how, sizeof(how)), "freeze again: no-op");

	if (!ASSERT_OK(vg_cgaction_release(a, pid, how, sizeof(how)), "release"))
		goto out;
	printf("  how: %s\n", how);
	ASSERT_TRUE(in_cgroup(pid, h, fx.origin[h]), "burner back in its origin");
	ASSERT_FALSE(exists(dir), "vigil's cgroup removed");
	after = cpu_share_at_least(pid, 500, 70);
	printf("  thawed two-thread burner: %.1f%% of one CPU\n", after);
	ASSERT_GE(after, 70, "a thawed burner runs again");
out:
	reap(pid);
	done();
}

static void test_freeze_v2_stops_every_thread(void)
{
	freeze_and_release(false);
}

static void test_freeze_v1_stops_every_thread(void)
{
	freeze_and_release(true);
}

/* SIGKILL sent while frozen: v1 delivers it at release, v2 at once. */
static void test_frozen_process_killed_is_released(void)
{
	char how[512], dir[PATH_MAX];
	struct vg_cgaction *a;
	pid_t pid, got = 0;
	int status = 0;

	if (!fixture() || !(a = fresh()))
		return;
	vg_cgaction_prefer_v1(a, fx.mnt[CG_FREEZER][0] != '\0');
	pid = spawn(burn, 1);
	if (!ASSERT_GE(pid, 1, "spawn burner"))
		goto out;
	if (!ASSERT_OK(vg_cgaction_freeze(a, pid, how, sizeof(how)), "freeze"))
		goto out;
	printf("  how: %s\n", how);
	vigil_dir(fx.mnt[CG_FREEZER][0] ? CG_FREEZER : CG_V2, pid, dir, sizeof(dir));
	kill(pid, SIGKILL);
	ASSERT_OK(vg_cgaction_release(a, pid, how, sizeof(how)), "release");
	printf("  how: %s\n", how);
	for (int i = 0; i < 200 && got == 0; i++) {
		got = waitpid(pid, &status, WNOHANG);
		if (!got)
			sleep_ms(10);
	}
	if (ASSERT_EQ(got, pid, "killed child reaped within 2 s")) {
		ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "died of SIGKILL");
		for (int i = 0; i < MAX_KIDS; i++)
			if (fx.kids[i] == pid)
				fx.kids[i] = 0;
		pid = 0;
	}
	ASSERT_FALSE(exists(dir), "vigil's freezer cgroup removed");
out:
	reap(pid);
	done();
}

/* ---- quarantine --------------------------------------------------------- */

struct attempt {
	int tcp4, tcp6, udp4;	/* 0 or errno */
};

static int q_report = -1;	/* the child's end of the result pipe */
static uint16_t q_port;		/* listeners' port (TCP 127.0.0.1 and ::1, UDP 127.0.0.1) */

static int try_once(int family, int type)
{
	struct sockaddr_storage ss = {};
	socklen_t len;
	int fd, r;

	if (family == AF_INET) {
		struct sockaddr_in *in = (void *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(q_port);
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (void *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(q_port);
		in6->sin6_addr = in6addr_loopback;
		len = sizeof(*in6);
	}
	fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (type == SOCK_STREAM)
		r = connect(fd, (void *)&ss, len) ? errno : 0;
	else
		r = sendto(fd, "x", 1, 0, (void *)&ss, len) == 1 ? 0 : errno;
	close(fd);
	return r;
}

/* Child: a new socket per attempt, every 20 ms, results through the pipe. */
static void connect_loop(long unused)
{
	for (;;) {
		struct attempt at = {
			.tcp4 = try_once(AF_INET, SOCK_STREAM),
			.tcp6 = try_once(AF_INET6, SOCK_STREAM),
			.udp4 = try_once(AF_INET, SOCK_DGRAM),
		};

		if (write(q_report, &at, sizeof(at)) != sizeof(at))
			_exit(1);
		sleep_ms(20);
	}
}

static int listen_on(int family, int type)
{
	struct sockaddr_storage ss = {};
	socklen_t len;
	int fd, one = 1;

	if (family == AF_INET) {
		struct sockaddr_in *in = (void *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(q_port);
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (void *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(q_port);
		in6->sin6_addr = in6addr_loopback;
		len = sizeof(*in6);
	}
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (void *)&ss, len) || (type == SOCK_STREAM && listen(fd, 128))) {
		close(fd);
		return -1;
	}
	return fd;
}

struct listeners {
	int tcp4, tcp6, udp4;
};

static void drain(const struct listeners *l)
{
	char b[64];
	int c;

	while ((c = accept4(l->tcp4, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		close(c);
	while ((c = accept4(l->tcp6, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		close(c);
	while (recv(l->udp4, b, sizeof(b), MSG_DONTWAIT) > 0)
		;
}

/* The child's next attempt (within 1 s), draining the listeners meanwhile. */
static bool next_attempt(int fd, const struct listeners *l, struct attempt *at)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	drain(l);
	if (poll(&p, 1, 1000) != 1)
		return false;
	return read(fd, at, sizeof(*at)) == sizeof(*at);
}

static bool all_are(const struct attempt *at, int want)
{
	return at->tcp4 == want && at->tcp6 == want && at->udp4 == want;
}

/*
 * Wait (2 s at most) for an attempt where everything gives `want`, then
 * check that the next five do too: one attempt may have begun before the
 * change.
 */
static bool settles_to(int fd, const struct listeners *l, int want, const char *what)
{
	struct attempt at = {};
	double end = now_s() + 2;
	bool ok = false;

	while (!ok && now_s() < end && next_attempt(fd, l, &at))
		ok = all_are(&at, want);
	if (!ASSERT_TRUE(ok, what)) {
		printf("  last attempt: tcp4 %d tcp6 %d udp4 %d\n", at.tcp4, at.tcp6, at.udp4);
		return false;
	}
	for (int i = 0; i < 5; i++) {
		if (!ASSERT_TRUE(next_attempt(fd, l, &at), "child keeps reporting") ||
		    !ASSERT_TRUE(all_are(&at, want), what)) {
			printf("  attempt: tcp4 %d tcp6 %d udp4 %d\n", at.tcp4, at.tcp6, at.udp4);
			return false;
		}
	}
	return true;
}

static void test_quarantine_cuts_network_and_release_restores_it(void)
{
	struct listeners l = { -1, -1, -1 };
	struct vg_netctl_rule *rules = NULL;
	char how[512], dir[PATH_MAX];
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct vg_cgaction *a;
	struct vg_netctl nc;
	int pfd[2] = { -1, -1 };
	size_t n = 0;
	struct stat st;
	pid_t pid = 0;

	if (!fixture() || !(a = fresh()))
		return;
	/* One free port for all three listeners. */
	l.tcp4 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sin = (struct sockaddr_in){ .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (!ASSERT_TRUE(l.tcp4 >= 0 && !bind(l.tcp4, (void *)&sin, sizeof(sin)) &&
			 !getsockname(l.tcp4, (void *)&sin, &slen), "pick a port"))
		goto out;
	q_port = ntohs(sin.sin_port);
	close(l.tcp4);
	l.tcp4 = listen_on(AF_INET, SOCK_STREAM);
	l.tcp6 = listen_on(AF_INET6, SOCK_STREAM);
	l.udp4 = listen_on(AF_INET, SOCK_DGRAM);
	if (!ASSERT_TRUE(l.tcp4 >= 0 && l.tcp6 >= 0 && l.udp4 >= 0, "listeners on loopback"))
		goto out;
	if (!ASSERT_OK(pipe2(pfd, O_CLOEXEC), "pipe"))
		goto out;
	q_report = pfd[1];
	pid = spawn(connect_loop, 0);
	close(pfd[1]);
	pfd[1] = -1;
	if (!ASSERT_GE(pid, 1, "spawn connect loop"))
		goto out;
	if (!settles_to(pfd[0], &l, 0, "connects and sends succeed before quarantine"))
		goto out;

	if (!ASSERT_OK(vg_cgaction_quarantine(a, pid, how, sizeof(how)), "quarantine"))
		goto out;
	printf("  how: %s\n", how);
	vigil_dir(CG_V2, pid, dir, sizeof(dir));
	ASSERT_TRUE(strstr(how, "0.0.0.0/0") && strstr(how, "::/0") && strstr(how, dir),
		    "how names the rules and the directory");
	ASSERT_EQ(vg_cgaction_active(a, pid), VG_CGACTION_QUARANTINE, "active: quarantine");
	ASSERT_TRUE(in_cgroup(pid, CG_V2, dir), "child moved into its own v2 cgroup");
	if (ASSERT_OK(vg_netctl_open(&nc, false), "netctl state in the private dir")) {
		ASSERT_OK(vg_netctl_list(&nc, &rules, &n), "list rules");
		ASSERT_EQ(n, 2, "two rules: IPv4 and IPv6");
		ASSERT_OK(stat(dir, &st) ? -errno : 0, "stat vigil's v2 cgroup");
		for (size_t i = 0; i < n; i++) {
			ASSERT_EQ(rules[i].scope, st.st_ino, "rule scoped to vigil's cgroup");
			ASSERT_EQ(rules[i].prefixlen, 0, "rule covers every address");
			ASSERT_EQ(rules[i].hooks, VG_NETCTL_HOOKS_ALL, "connect, sendmsg, bind");
		}
		free(rules);
		vg_netctl_close(&nc);
	}
	settles_to(pfd[0], &l, EPERM, "quarantined: TCP4, TCP6 connect and UDP send give EPERM");
	ASSERT_GE(cpu_ticks(pid), 0, "the quarantined child still runs");
	ASSERT_OK(vg_cgaction_quarantine(a, pid, how, sizeof(how)), "quarantine again: no-op");

	if (!ASSERT_OK(vg_cgaction_release(a, pid, how, sizeof(how)), "release"))
		goto out;
	printf("  how: %s\n", how);
	ASSERT_TRUE(in_cgroup(pid, CG_V2, fx.origin[CG_V2]), "child back in its v2 origin");
	ASSERT_FALSE(exists(dir), "vigil's v2 cgroup removed");
	ASSERT_EQ(vg_netctl_open(&nc, false), -ENOENT, "no netctl links or pins left");
	settles_to(pfd[0], &l, 0, "released: connects and sends succeed again");
out:
	reap(pid);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (l.tcp4 >= 0)
		close(l.tcp4);
	if (l.tcp6 >= 0)
		close(l.tcp6);
	if (l.udp4 >= 0)
		close(l.udp4);
	done();
}

/* ---- guardrails --------------------------------------------------------- */

static void *idle_thread(void *arg)
{
	*(volatile pid_t *)arg = syscall(SYS_gettid);
	pause();
	return NULL;
}

/* A kernel thread other than kthreadd: a child of pid 2. */
static pid_t some_kthread(void)
{
	char path[64], buf[512];
	const char *p;

	for (pid_t pid = 3; pid < 4096; pid++) {
		int ppid;

		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		if (read_file(path, buf, sizeof(buf)) || !(p = strrchr(buf, ')')))
			continue;
		if (sscanf(p + 1, " %*c %d", &ppid) == 1 && ppid == 2)
			return pid;
	}
	return 0;
}

static void guard_is(pid_t pid, const char *want, const char *what)
{
	const char *why = NULL;
	int err = vg_guard_check(pid, getpid(), &why);

	if (!want) {
		ASSERT_OK(err, what);
		ASSERT_TRUE(why == NULL, what);
		return;
	}
	ASSERT_EQ(err, -EPERM, what);
	ASSERT_STREQ(why, want, what);
}

static void test_guardrails_refuse_what_must_not_be_touched(void)
{
	char how[256] = "", path[PATH_MAX], buf[32];
	volatile pid_t tid = 0;
	struct vg_cgaction *a;
	pid_t kt, pid = 0;
	long pid_max = 4194304;
	pthread_t th;

	if (!fixture() || !(a = fresh()))
		return;
	guard_is(1, "pid 1", "pid 1");
	guard_is(getpid(), "vigil itself", "vigil itself");
	guard_is(2, "kernel thread", "kthreadd");
	kt = some_kthread();
	if (ASSERT_NEQ(kt, 0, "find a kernel thread"))
		guard_is(kt, "kernel thread", "a child of kthreadd");
	guard_is(getppid(), "vigil's parent/ancestor", "vigil's parent");
	if (!read_file("/proc/sys/kernel/pid_max", buf, sizeof(buf)))
		pid_max = atol(buf);
	guard_is(pid_max + 1, "no such process", "a pid above pid_max");
	guard_is(0, "no such process", "pid 0");
	if (ASSERT_OK(pthread_create(&th, NULL, idle_thread, (void *)&tid), "thread")) {
		for (int i = 0; i < 100 && !tid; i++)
			sleep_ms(10);
		guard_is(tid, "vigil itself", "one of vigil's threads");
		pthread_cancel(th);
		pthread_join(th, NULL);
	}
	pid = spawn(burn, 1);
	if (ASSERT_GE(pid, 1, "spawn child"))
		guard_is(pid, NULL, "a child of vigil may be acted on");

	/* The actions check too, and leave nothing behind. */
	ASSERT_EQ(vg_cgaction_throttle(a, 1, 20, how, sizeof(how)), -EPERM, "throttle pid 1");
	ASSERT_EQ(vg_cgaction_freeze(a, getpid(), how, sizeof(how)), -EPERM, "freeze vigil");
	ASSERT_EQ(vg_cgaction_quarantine(a, getppid(), how, sizeof(how)), -EPERM,
		  "quarantine vigil's parent");
	ASSERT_EQ(vg_cgaction_freeze(a, 2, how, sizeof(how)), -EPERM, "freeze kthreadd");
	ASSERT_EQ(vg_cgaction_throttle(a, pid, 0, how, sizeof(how)), -EINVAL, "throttle to 0%");
	ASSERT_EQ(vg_cgaction_throttle(a, pid, 101, how, sizeof(how)), -EINVAL,
		  "throttle to 101%");
	ASSERT_EQ(vg_cgaction_count(a), 0, "nothing tracked");
	for (int h = 0; h < CG_MAX; h++) {
		if (!fx.mnt[h][0])
			continue;
		vigil_base(h, path, sizeof(path));
		ASSERT_FALSE(exists(path), "no vigil cgroup created by refused actions");
	}
	reap(pid);
	done();
}

/* ---- release, free, exits ----------------------------------------------- */

static void test_release_unknown_pid_is_enoent(void)
{
	struct vg_cgaction *a;
	char how[256];
	pid_t pid;

	if (!fixture() || !(a = fresh()))
		return;
	pid = spawn(burn, 1);
	if (ASSERT_GE(pid, 1, "spawn child"))
		ASSERT_EQ(vg_cgaction_release(a, pid, how, sizeof(how)), -ENOENT,
			  "release of a child never acted on");
	ASSERT_EQ(vg_cgaction_release(a, 1, how, sizeof(how)), -ENOENT, "release of pid 1");
	ASSERT_EQ(vg_cgaction_active(a, pid), 0, "nothing active");
	reap(pid);
	done();
}

/* Every vigil cgroup (directories and bases) is gone in every hierarchy. */
static void assert_no_vigil_cgroups(pid_t p1, pid_t p2)
{
	char path[PATH_MAX];
	pid_t pids[2] = { p1, p2 };

	for (int h = 0; h < CG_MAX; h++) {
		if (!fx.mnt[h][0])
			continue;
		for (int i = 0; i < 2; i++) {
			vigil_dir(h, pids[i], path, sizeof(path));
			ASSERT_FALSE(exists(path), "vigil's pid cgroup removed");
		}
		vigil_base(h, path, sizeof(path));
		if (!ASSERT_FALSE(exists(path), "vigil's base cgroup removed"))
			printf("  still there: %s\n", path);
	}
}

static void test_free_releases_everything(void)
{
	struct vg_netctl nc;
	struct vg_cgaction *a;
	pid_t p1, p2 = 0;
	double share;

	if (!fixture() || !(a = fresh()))
		return;
	p1 = spawn(burn, 1);
	if (!ASSERT_GE(p1, 1, "spawn burner 1"))
		goto out;
	p2 = spawn(burn, 1);
	if (!ASSERT_GE(p2, 1, "spawn burner 2"))
		goto out;
	ASSERT_OK(vg_cgaction_throttle(a, p1, 20, NULL, 0), "throttle 1");
	ASSERT_OK(vg_cgaction_freeze(a, p1, NULL, 0), "freeze 1");
	ASSERT_OK(vg_cgaction_quarantine(a, p2, NULL, 0), "quarantine 2");
	ASSERT_OK(vg_cgaction_throttle(a, p2, 30, NULL, 0), "throttle 2");
	ASSERT_EQ(vg_cgaction_active(a, p1), VG_CGACTION_THROTTLE | VG_CGACTION_FREEZE,
		  "active on 1: throttle, freeze");
	ASSERT_EQ(vg_cgaction_active(a, p2), VG_CGACTION_THROTTLE | VG_CGACTION_QUARANTINE,
		  "active on 2: throttle, quarantine");
	ASSERT_EQ(vg_cgaction_count(a), 2, "two pids tracked");

	vg_cgaction_free(a);
	fx.a = NULL;
	assert_no_vigil_cgroups(p1, p2);
	ASSERT_EQ(vg_netctl_open(&nc, false), -ENOENT, "no netctl links or pins left");
	for (int h = 0; h < CG_MAX; h++) {
		if (!fx.mnt[h][0])
			continue;
		ASSERT_TRUE(in_cgroup(p1, h, fx.origin[h]), "burner 1 back in its origin");
		ASSERT_TRUE(in_cgroup(p2, h, fx.origin[h]), "burner 2 back in its origin");
	}
	reap(p2);	/* p1 alone, so only its limits could hold it back */
	p2 = 0;
	share = cpu_share_at_least(p1, 500, 70);
	printf("  burner 1 after free: %.1f%% of one CPU\n", share);
	ASSERT_GE(share, 70, "burner 1 thawed and unthrottled");
out:
	reap(p1);
	reap(p2);
	done();
}

static void test_exited_process_is_cleaned_up(void)
{
	char how[512], dir[PATH_MAX];
	struct vg_netctl nc;
	struct vg_cgaction *a;
	pid_t p1, p2 = 0;

	if (!fixture() || !(a = fresh()))
		return;
	p1 = spawn(burn, 1);
	if (!ASSERT_GE(p1, 1, "spawn burner 1"))
		goto out;
	if (!ASSERT_OK(vg_cgaction_throttle(a, p1, 20, NULL, 0), "throttle"))
		goto out;
	reap(p1);	/* exits (and is reaped) while throttled */
	ASSERT_OK(vg_cgaction_release(a, p1, how, sizeof(how)), "release after exit");
	printf("  how: %s\n", how);
	ASSERT_TRUE(strstr(how, "had exited") != NULL, "how says it had exited");
	ASSERT_EQ(vg_cgaction_count(a), 0, "nothing tracked");
	for (int h = 0; h < CG_MAX; h++) {
		if (!fx.mnt[h][0])
			continue;
		vigil_dir(h, p1, dir, sizeof(dir));
		ASSERT_FALSE(exists(dir), "vigil's cgroup removed");
	}

	/* Every action at once, then exit, then free. */
	p2 = spawn(burn, 1);
	if (!ASSERT_GE(p2, 1, "spawn burner 2"))
		goto out;
	ASSERT_OK(vg_cgaction_throttle(a, p2, 20, NULL, 0), "throttle");
	ASSERT_OK(vg_cgaction_freeze(a, p2, NULL, 0), "freeze");
	ASSERT_OK(vg_cgaction_quarantine(a, p2, NULL, 0), "quarantine");
	reap(p2);	/* SIGKILL ends a v2-frozen process at once */
	vg_cgaction_free(a);
	fx.a = NULL;
	assert_no_vigil_cgroups(p1, p2);
	ASSERT_EQ(vg_netctl_open(&nc, false), -ENOENT, "no netctl links or pins left");
out:
	reap(p1);
	reap(p2);
	done();
}

/* ---- a run that died ---------------------------------------------------- */

static void test_new_lifts_limits_left_by_a_dead_run(void)
{
	char base[CG_MAX][PATH_MAX], empty[CG_MAX][PATH_MAX + 16], busy[PATH_MAX + 16];
	char path[PATH_MAX + 64], buf[64], pidstr[16];
	struct vg_cgaction *a;
	double share;
	pid_t pid = 0;

	if (!fixture())
		return;
	done();
	if (!fx.mnt[CG_FREEZER][0] || !fx.mnt[CG_CPU][0]) {
		test__skip("no cgroup v1 cpu or freezer hierarchy");
		return;
	}
	busy[0] = '\0';
	/* What a dead run leaves: an empty frozen v2 cgroup, an empty
	 * throttled cpu cgroup, a frozen v1 freezer cgroup with a process. */
	for (int h = 0; h < CG_MAX; h++) {
		vigil_base(h, base[h], sizeof(base[h]));
		if (snprintf(empty[h], sizeof(empty[h]), "%s/pid-999999", base[h]) >=
		    (int)sizeof(empty[h]))
			goto out;
		if (!ASSERT_OK(mkdir(base[h], 0755) || mkdir(empty[h], 0755) ? -errno : 0,
			       "mkdir leftover cgroups"))
			goto out;
	}
	snprintf(path, sizeof(path), "%s/cgroup.freeze", empty[CG_V2]);
	ASSERT_OK(write_file(path, "1"), "leftover v2 frozen");
	snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", empty[CG_CPU]);
	ASSERT_OK(write_file(path, "10000"), "leftover cpu quota");
	pid = spawn(burn, 1);
	if (!ASSERT_GE(pid, 1, "spawn burner"))
		goto out;
	snprintf(busy, sizeof(busy), "%s/pid-%d", base[CG_FREEZER], pid);
	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	snprintf(path, sizeof(path), "%s/cgroup.procs", busy);
	if (!ASSERT_OK(mkdir(busy, 0755) ? -errno : 0, "mkdir leftover freezer cgroup") ||
	    !ASSERT_OK(write_file(path, pidstr), "burner into it"))
		goto out;
	snprintf(path, sizeof(path), "%s/freezer.state", busy);
	ASSERT_OK(write_file(path, "FROZEN"), "leftover freezer frozen");
	share = cpu_share(pid, 300);
	ASSERT_LE(share, 2, "burner frozen by the dead run");

	if (!(a = fresh()))
		goto out;
	for (int h = 0; h < CG_MAX; h++)
		ASSERT_FALSE(exists(empty[h]), "an empty leftover cgroup is removed");
	ASSERT_TRUE(exists(busy), "a leftover cgroup with a process stays");
	ASSERT_TRUE(!read_file(path, buf, sizeof(buf)) && !strncmp(buf, "THAWED", 6),
		    "but its limit is lifted");
	share = cpu_share_at_least(pid, 500, 50);
	printf("  burner left frozen by a dead run, after vg_cgaction_new: %.1f%% of one CPU\n",
	       share);
	ASSERT_GE(share, 50, "it runs again");

	/* Where it came from is unknown: acting on it again is refused, untouched. */
	vg_cgaction_prefer_v1(a, true);
	ASSERT_EQ(vg_cgaction_freeze(a, pid, NULL, 0), -EBUSY,
		  "freeze a process in a leftover vigil cgroup");
	ASSERT_TRUE(!read_file(path, buf, sizeof(buf)) && !strncmp(buf, "THAWED", 6),
		    "the leftover cgroup was not frozen again");
	ASSERT_EQ(vg_cgaction_count(a), 0, "nothing tracked");
out:
	if (pid > 0 && fx.origin[CG_FREEZER][0]) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", fx.origin[CG_FREEZER]);
		write_file(path, pidstr);
	}
	reap(pid);
	if (busy[0])
		rmdir(busy);
	done();
	if (busy[0])
		rmdir(busy);
	for (int h = 0; h < CG_MAX; h++) {
		if (!fx.mnt[h][0])
			continue;
		rmdir(empty[h]);
		rmdir(base[h]);
	}
}

/* ---- children follow, and go back with their parent --------------------- */

static int fk_cmd = -1, fk_reply = -1;	/* the forker child's ends */

/* Child: on each byte read, fork a burner and write its pid back. */
static void forker(long unused)
{
	char c;

	while (read(fk_cmd, &c, 1) == 1) {
		pid_t g = fork();

		if (g == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			burn(1);
		}
		if (write(fk_reply, &g, sizeof(g)) != sizeof(g))
			break;
	}
	_exit(0);
}

static void test_children_follow_and_go_back(void)
{
	char how[512], dir[PATH_MAX], gdir[PATH_MAX], sub[PATH_MAX + 8], path[PATH_MAX + 32];
	int cmd[2] = { -1, -1 }, reply[2] = { -1, -1 };
	struct vg_cgaction *a;
	pid_t pid = 0, gc = 0;
	char pidstr[16];
	double share;

	if (!fixture() || !(a = fresh()))
		return;
	if (!fx.mnt[CG_CPU][0]) {
		test__skip("no cgroup v1 cpu hierarchy");
		done();
		return;
	}
	if (!ASSERT_OK(pipe2(cmd, O_CLOEXEC) || pipe2(reply, O_CLOEXEC) ? -errno : 0, "pipes"))
		goto out;
	fk_cmd = cmd[0];
	fk_reply = reply[1];
	pid = spawn(forker, 0);
	if (!ASSERT_GE(pid, 1, "spawn forker"))
		goto out;
	/* It starts in <cpu origin>/sub, which goes away while it is throttled. */
	snprintf(sub, sizeof(sub), "%s/sub", fx.origin[CG_CPU]);
	snprintf(path, sizeof(path), "%s/cgroup.procs", sub);
	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	if (!ASSERT_OK(mkdir(sub, 0755) ? -errno : 0, "mkdir origin/sub") ||
	    !ASSERT_OK(write_file(path, pidstr), "forker into origin/sub"))
		goto out;

	ASSERT_OK(vg_cgaction_throttle(a, pid, 20, NULL, 0), "throttle forker");
	ASSERT_OK(vg_cgaction_quarantine(a, pid, NULL, 0), "quarantine forker");
	ASSERT_OK(rmdir(sub) ? -errno : 0, "remove the forker's old cpu cgroup");
	if (!ASSERT_EQ(write(cmd[1], "f", 1), 1, "ask for a fork") ||
	    !ASSERT_EQ(read(reply[0], &gc, sizeof(gc)), sizeof(gc), "grandchild pid"))
		goto out;
	add_kid(gc);
	vigil_dir(CG_CPU, pid, dir, sizeof(dir));
	ASSERT_TRUE(in_cgroup(gc, CG_CPU, dir), "grandchild born in the forker's cpu cgroup");
	vigil_dir(CG_V2, pid, path, sizeof(path));
	ASSERT_TRUE(in_cgroup(gc, CG_V2, path), "grandchild born in the forker's v2 cgroup");
	share = cpu_share(gc, 1000);
	printf("  grandchild of a throttled (20%%) process: %.1f%% of one CPU\n", share);
	ASSERT_LE(share, 30, "the grandchild shares the throttle");

	/* Acting on the grandchild: it belongs with the family's origin, not in pid-<forker>. */
	if (!ASSERT_OK(vg_cgaction_freeze(a, gc, how, sizeof(how)), "freeze grandchild"))
		goto out;
	vigil_dir(CG_V2, gc, gdir, sizeof(gdir));
	ASSERT_TRUE(in_cgroup(gc, CG_V2, gdir), "grandchild in its own v2 cgroup");

	ASSERT_OK(vg_cgaction_release(a, pid, how, sizeof(how)), "release forker");
	printf("  how: %s\n", how);
	ASSERT_TRUE(in_cgroup(pid, CG_CPU, fx.origin[CG_CPU]),
		    "forker back in the nearest existing ancestor of its cpu origin");
	ASSERT_TRUE(in_cgroup(gc, CG_CPU, fx.origin[CG_CPU]),
		    "the grandchild left the throttle with its parent");
	ASSERT_TRUE(in_cgroup(pid, CG_V2, fx.origin[CG_V2]), "forker back in its v2 origin");
	ASSERT_FALSE(exists(dir), "forker's cpu cgroup removed");
	ASSERT_FALSE(exists(path), "forker's v2 cgroup removed");
	ASSERT_EQ(vg_cgaction_active(a, gc), VG_CGACTION_FREEZE, "grandchild still frozen");

	ASSERT_OK(vg_cgaction_release(a, gc, how, sizeof(how)), "release grandchild");
	ASSERT_TRUE(in_cgroup(gc, CG_V2, fx.origin[CG_V2]), "grandchild back in the v2 origin");
	ASSERT_FALSE(exists(gdir), "grandchild's v2 cgroup removed");
	ASSERT_EQ(vg_cgaction_count(a), 0, "nothing tracked");
out:
	reap(gc);
	reap(pid);
	for (int i = 0; i < 2; i++) {
		if (cmd[i] >= 0)
			close(cmd[i]);
		if (reply[i] >= 0)
			close(reply[i]);
	}
	rmdir(sub);
	done();
}

static const struct vg_test tests[] = {
	VG_TEST(test_guardrails_refuse_what_must_not_be_touched),
	VG_TEST(test_release_unknown_pid_is_enoent),
	VG_TEST(test_throttle_limits_cpu_and_release_lifts_it),
	VG_TEST(test_throttle_refuses_realtime_task),
	VG_TEST(test_freeze_v2_stops_every_thread),
	VG_TEST(test_freeze_v1_stops_every_thread),
	VG_TEST(test_frozen_process_killed_is_released),
	VG_TEST(test_quarantine_cuts_network_and_release_restores_it),
	VG_TEST(test_new_lifts_limits_left_by_a_dead_run),
	VG_TEST(test_children_follow_and_go_back),
	VG_TEST(test_exited_process_is_cleaned_up),
	VG_TEST(test_free_releases_everything),
	{}
};

VG_TEST_MAIN(tests)
