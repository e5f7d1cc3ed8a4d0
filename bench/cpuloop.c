/*
 * cpuloop.c - a CPU-bound workload for bench/flame.sh: J threads, each
 * running a fixed amount of pure computation (N rounds of
 * cpuloop_work(), an integer hash chain, no syscalls, no memory traffic),
 * so that its time is what the CPU gives it and nothing else.
 *
 * usage: cpuloop [-j THREADS] N
 * prints "threads=J rounds=N elapsed_ns=T cpu_ns=C" (wall time of the
 * whole run; user+system CPU of the process).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WORK_STEPS 100000

static unsigned long rounds;
static volatile unsigned long sink;

__attribute__((noinline)) unsigned long cpuloop_work(unsigned long x)
{
	for (int i = 0; i < WORK_STEPS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

static void *worker(void *arg)
{
	unsigned long x = (unsigned long)(uintptr_t)arg | 1;

	for (unsigned long r = 0; r < rounds; r++)
		x = cpuloop_work(x);
	sink = x;
	return NULL;
}

static long long ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	int threads = 1, a = 1;
	pthread_t t[256];
	long long t0, t1;

	if (argc > 2 && !strcmp(argv[1], "-j")) {
		threads = atoi(argv[2]);
		a = 3;
	}
	if (argc != a + 1 || threads < 1 || threads > 256 ||
	    (rounds = strtoul(argv[a], NULL, 10)) == 0) {
		fprintf(stderr, "usage: cpuloop [-j THREADS] N\n");
		return 2;
	}
	t0 = ns(CLOCK_MONOTONIC);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1)))
			return 1;
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	t1 = ns(CLOCK_MONOTONIC);
	printf("threads=%d rounds=%lu elapsed_ns=%lld cpu_ns=%lld\n", threads, rounds, t1 - t0,
	       ns(CLOCK_PROCESS_CPUTIME_ID));
	return 0;
}
