/*
 * workload.c - fixed amounts of process-creation and file work for the
 * process- and file-sensor benchmarks (bench/process.sh, bench/file.sh).
 *
 * usage: workload [-d DIR] [-f FILE] [-j JOBS] [-r RATE] [-t SECONDS]
 *                 {exec|fork|open|write} N
 *
 *   exec N   fork + execve("DIR/vwl.PID/true" -> /bin/true) + waitpid, N times
 *                                                   -> N fork, N exec, N exit
 *   fork N   fork + _exit(0) in the child + waitpid, N times
 *                                                   -> N fork, N exit, no exec
 *   open N   open("DIR/vwl.PID/f", O_RDONLY) + close, N times   -> N openat
 *            (the file is created with mknod, so the loop's opens are its
 *            only opens)
 *   write N  write(fd, 4 KiB) N times to "DIR/vwl.PID/w", opened once
 *            O_WRONLY|O_CREAT|O_TRUNC before the loop; lseek to 0 every 256
 *            writes, so the file stays <= 1 MiB         -> N write (+1 openat)
 *
 *   -f FILE     open/write: use FILE as the target instead of DIR/vwl.PID/f|w
 *               (created if missing, left in place), e.g. a watched path
 *
 *   -j JOBS     run the loop in JOBS worker processes at once (default 1: the
 *               loop runs in this process); N is the total over all workers
 *   -r RATE     pace the loop to RATE iterations/s in total (absolute schedule,
 *               a worker that falls behind runs flat out until it catches up)
 *   -t SECONDS  stop after SECONDS even if N is not reached; N = 0 means "until
 *               the deadline" (-t required)
 *
 * The exec target is a symlink whose path contains this process's PID, so each
 * run's exec events can be told apart in a monitor's output: argv[0] of every
 * exec is exec_path (the kernel resolves the exe to /usr/bin/true).
 *
 * On success prints ONE line on stdout, key=value separated by spaces:
 *   workload=exec n=.. jobs=.. rate=.. pid=.. exec_path=.. execs=.. forks=..
 *   fails=.. loop_ns=.. achieved_per_s=.. utime_us=.. stime_us=..
 *   child_utime_us=.. child_stime_us=.. file_path=.. opens=.. writes=..
 * (achieved_per_s is iterations/s; file_path is "-" for exec and fork)
 * loop_ns covers only the measured loop (all workers, start to last reaped);
 * child_* includes the workers and every process they created.
 * Exit status: 0 ok, 1 a syscall failed, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct counters {
	unsigned long execs, forks, fails, opens, writes;
};

enum mode { M_EXEC, M_FORK, M_OPEN, M_WRITE };

static char dir_path[4096], exec_path[4200], file_path[4200];
static int own_file;		/* file_path is ours to remove */
static int wfd = -1;
static char wbuf[4096];
static pid_t main_pid;

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* one iteration; counts into c */
static void step(enum mode m, unsigned long i, struct counters *c)
{
	int exec = m == M_EXEC;
	pid_t pid;

	if (m == M_OPEN) {
		int fd = open(file_path, O_RDONLY);

		if (fd < 0) {
			c->fails++;
			return;
		}
		close(fd);
		c->opens++;
		return;
	}
	if (m == M_WRITE) {
		if (i % 256 == 0 && lseek(wfd, 0, SEEK_SET) < 0)
			die("lseek");
		if (write(wfd, wbuf, sizeof(wbuf)) != (ssize_t)sizeof(wbuf))
			c->fails++;
		else
			c->writes++;
		return;
	}
	pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (exec) {
			char *argv[] = { exec_path, NULL };
			char *envp[] = { NULL };

			execve(exec_path, argv, envp);
			_exit(127);
		}
		_exit(0);
	}
	c->forks++;
	if (reap(pid))
		c->execs += exec;
	else
		c->fails++;
}

/*
 * The loop of one worker: n iterations (0: unlimited) until deadline (0: none),
 * one every interval_ns on an absolute schedule from t0 (0: flat out).
 */
static void loop(enum mode m, unsigned long n, unsigned long long t0,
		 unsigned long long interval_ns, unsigned long long deadline,
		 struct counters *c)
{
	unsigned long i;

	for (i = 0; n == 0 || i < n; i++) {
		if (deadline && now_ns() >= deadline)
			break;
		if (interval_ns) {
			unsigned long long due = t0 + i * interval_ns;
			struct timespec ts = { due / 1000000000ull, due % 1000000000ull };

			if (now_ns() < due)
				while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
					;
		}
		step(m, i, c);
	}
}

static void cleanup(void)
{
	if (getpid() != main_pid)
		return;
	unlink(exec_path);
	if (own_file)
		unlink(file_path);
	rmdir(dir_path);
}

/* stopped by the script: remove the run's directory, then die */
static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static long tv_us(struct timeval tv) { return tv.tv_sec * 1000000L + tv.tv_usec; }

int main(int argc, char **argv)
{
	const char *base = "/tmp", *mode, *file_opt = NULL;
	unsigned long n, jobs = 1, j;
	double rate = 0, seconds = 0;
	unsigned long long t0, t1, interval_ns = 0, deadline = 0;
	struct counters *shared, total = { 0 };
	int opt, exec;
	enum mode m;

	while ((opt = getopt(argc, argv, "d:f:j:r:t:")) != -1) {
		switch (opt) {
		case 'd': base = optarg; break;
		case 'f': file_opt = optarg; break;
		case 'j': jobs = strtoul(optarg, NULL, 10); break;
		case 'r': rate = strtod(optarg, NULL); break;
		case 't': seconds = strtod(optarg, NULL); break;
		default: goto usage;
		}
	}
	if (argc - optind != 2 || jobs < 1 || jobs > 256 || rate < 0 || seconds < 0)
		goto usage;
	mode = argv[optind];
	n = strtoul(argv[optind + 1], NULL, 10);
	if (!strcmp(mode, "exec"))
		m = M_EXEC;
	else if (!strcmp(mode, "fork"))
		m = M_FORK;
	else if (!strcmp(mode, "open"))
		m = M_OPEN;
	else if (!strcmp(mode, "write"))
		m = M_WRITE;
	else
		goto usage;
	if (n == 0 && seconds == 0)
		goto usage;
	/* one fd / one file: the file loops run in this process only */
	if ((m == M_OPEN || m == M_WRITE) && jobs != 1)
		goto usage;
	exec = m == M_EXEC;
	main_pid = getpid();

	snprintf(dir_path, sizeof(dir_path), "%s/vwl.%d", base, (int)main_pid);
	snprintf(exec_path, sizeof(exec_path), "%s/true", dir_path);
	if (mkdir(dir_path, 0700) < 0)
		die("mkdir");
	atexit(cleanup);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGHUP, on_signal);
	if (exec && symlink("/bin/true", exec_path) < 0)
		die("symlink");
	if (m == M_OPEN || m == M_WRITE) {
		if (file_opt) {
			snprintf(file_path, sizeof(file_path), "%s", file_opt);
		} else {
			snprintf(file_path, sizeof(file_path), "%s/%s", dir_path,
				 m == M_OPEN ? "f" : "w");
			own_file = 1;
		}
	}
	if (m == M_OPEN) {
		/* mknod, not open(O_CREAT): the only openat()s of it are the loop's */
		if (mknod(file_path, S_IFREG | 0600, 0) < 0 && !(file_opt && errno == EEXIST))
			die("create open target");
	} else if (m == M_WRITE) {
		memset(wbuf, 'x', sizeof(wbuf));
		wfd = open(file_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (wfd < 0)
			die("create write target");
	}

	shared = mmap(NULL, jobs * sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		die("mmap");
	memset(shared, 0, jobs * sizeof(*shared));
	if (rate > 0)
		interval_ns = (unsigned long long)(1e9 * jobs / rate);

	t0 = now_ns();
	if (seconds > 0)
		deadline = t0 + (unsigned long long)(seconds * 1e9);
	if (jobs == 1) {
		loop(m, n, t0, interval_ns, deadline, &shared[0]);
	} else {
		pid_t pids[256];

		for (j = 0; j < jobs; j++) {
			/* spread the total N; stagger paced workers over one interval */
			unsigned long nj = n ? n / jobs + (j < n % jobs) : 0;

			pids[j] = fork();
			if (pids[j] < 0)
				die("fork worker");
			if (pids[j] == 0) {
				/* die with the parent (e.g. the script stopped it) */
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				if (getppid() != main_pid)
					_exit(1);
				loop(m, nj, t0 + j * interval_ns / jobs, interval_ns,
				     deadline, &shared[j]);
				_exit(0);
			}
		}
		for (j = 0; j < jobs; j++)
			if (!reap(pids[j]))
				shared[j].fails++;
	}
	t1 = now_ns();
	for (j = 0; j < jobs; j++) {
		total.execs += shared[j].execs;
		total.forks += shared[j].forks;
		total.fails += shared[j].fails;
		total.opens += shared[j].opens;
		total.writes += shared[j].writes;
	}
	if (wfd >= 0)
		close(wfd);

	struct rusage ru, rc;
	getrusage(RUSAGE_SELF, &ru);
	getrusage(RUSAGE_CHILDREN, &rc);
	printf("workload=%s n=%lu jobs=%lu rate=%.0f pid=%d exec_path=%s execs=%lu forks=%lu "
	       "fails=%lu loop_ns=%llu achieved_per_s=%.0f utime_us=%ld stime_us=%ld "
	       "child_utime_us=%ld child_stime_us=%ld file_path=%s opens=%lu writes=%lu\n",
	       mode, n, jobs, rate, (int)main_pid, exec ? exec_path : "-", total.execs,
	       total.forks, total.fails, t1 - t0,
	       (total.forks + total.opens + total.writes) * 1e9 / (double)(t1 - t0),
	       tv_us(ru.ru_utime), tv_us(ru.ru_stime), tv_us(rc.ru_utime), tv_us(rc.ru_stime),
	       file_path[0] ? file_path : "-", total.opens, total.writes);
	fflush(stdout);
	return total.fails ? 1 : 0;

usage:
	fprintf(stderr, "usage: %s [-d DIR] [-f FILE] [-j JOBS] [-r RATE] [-t SECONDS] "
		"{exec|fork|open|write} N\n(open and write: -j 1 only)\n", argv[0]);
	return 2;
}
