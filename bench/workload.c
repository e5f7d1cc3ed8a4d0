/*
 * workload.c - fixed amounts of process-creation work for the process-sensor
 * benchmark (bench/process.sh).
 *
 * usage: workload [-d DIR] [-j JOBS] [-r RATE] [-t SECONDS] {exec|fork} N
 *
 *   exec N   fork + execve("DIR/vwl.PID/true" -> /bin/true) + waitpid, N times
 *                                                   -> N fork, N exec, N exit
 *   fork N   fork + _exit(0) in the child + waitpid, N times
 *                                                   -> N fork, N exit, no exec
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
 *   child_utime_us=.. child_stime_us=..
 * loop_ns covers only the measured loop (all workers, start to last reaped);
 * child_* includes the workers and every process they created.
 * Exit status: 0 ok, 1 a syscall failed, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
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
	unsigned long execs, forks, fails;
};

static char dir_path[4096], exec_path[4200];
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
static void step(int exec, struct counters *c)
{
	pid_t pid = fork();

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
static void loop(int exec, unsigned long n, unsigned long long t0,
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
		step(exec, c);
	}
}

static void cleanup(void)
{
	if (getpid() != main_pid)
		return;
	unlink(exec_path);
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
	const char *base = "/tmp", *mode;
	unsigned long n, jobs = 1, j;
	double rate = 0, seconds = 0;
	unsigned long long t0, t1, interval_ns = 0, deadline = 0;
	struct counters *shared, total = { 0 };
	int opt, exec;

	while ((opt = getopt(argc, argv, "d:j:r:t:")) != -1) {
		switch (opt) {
		case 'd': base = optarg; break;
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
	if (strcmp(mode, "exec") && strcmp(mode, "fork"))
		goto usage;
	if (n == 0 && seconds == 0)
		goto usage;
	exec = !strcmp(mode, "exec");
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
		loop(exec, n, t0, interval_ns, deadline, &shared[0]);
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
				loop(exec, nj, t0 + j * interval_ns / jobs, interval_ns,
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
	}

	struct rusage ru, rc;
	getrusage(RUSAGE_SELF, &ru);
	getrusage(RUSAGE_CHILDREN, &rc);
	printf("workload=%s n=%lu jobs=%lu rate=%.0f pid=%d exec_path=%s execs=%lu forks=%lu "
	       "fails=%lu loop_ns=%llu achieved_per_s=%.0f utime_us=%ld stime_us=%ld "
	       "child_utime_us=%ld child_stime_us=%ld\n",
	       mode, n, jobs, rate, (int)main_pid, exec ? exec_path : "-", total.execs,
	       total.forks, total.fails, t1 - t0, total.forks * 1e9 / (double)(t1 - t0),
	       tv_us(ru.ru_utime), tv_us(ru.ru_stime), tv_us(rc.ru_utime), tv_us(rc.ru_stime));
	fflush(stdout);
	return total.fails ? 1 : 0;

usage:
	fprintf(stderr, "usage: %s [-d DIR] [-j JOBS] [-r RATE] [-t SECONDS] {exec|fork} N\n",
		argv[0]);
	return 2;
}
