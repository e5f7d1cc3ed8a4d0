// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * gpu_caller - a CUDA driver API client for test_gpu, tests/gpu/test_gpu.sh
 * and bench/gpu.sh, run against libfakecuda.so (or any libcuda).
 *
 *   gpu_caller [-w] LIB MODE [N]
 *
 * dlopen()s LIB only now (with -w: only after a line was read from stdin,
 * so that a process already running when vigil attached maps the library
 * later) and calls, by MODE:
 *
 *   standard  5 x cuLaunchKernel; cuMemAlloc_v2 of 1 MiB, 4 MiB, 16 MiB and
 *             2 GiB (the last fails: CUDA_ERROR_OUT_OF_MEMORY); cuMemFree_v2 of
 *             the 1 MiB and 4 MiB ones; 2 x cuCtxSynchronize (20 ms each).
 *             Left allocated: 16 MiB in 1 allocation.
 *   threads   4 threads at once, each 10 x cuLaunchKernel and 1 x
 *             cuCtxSynchronize (their syncs overlap).
 *   nested    cuCtxSynchronize, and 5 ms into it a signal handler on the same
 *             thread calls cuCtxSynchronize again: the inner call takes 20 ms,
 *             the outer one about 40 ms.
 *   launch N  N x cuLaunchKernel, timed: prints "calls=N ns_per_call=X".
 *
 * With -w it then prints "done" and waits for end of input before exiting,
 * so a test can look at the live process.  Exits 0, 2 on bad usage, 3 when
 * a call did not return what the fake driver returns.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;
typedef CUresult (*launch_fn)(void *f, unsigned int, unsigned int, unsigned int, unsigned int,
			      unsigned int, unsigned int, unsigned int, void *, void **, void **);
typedef CUresult (*alloc_fn)(CUdeviceptr *dptr, size_t bytesize);
typedef CUresult (*free_fn)(CUdeviceptr dptr);
typedef CUresult (*sync_fn)(void);

static launch_fn launch;
static alloc_fn alloc;
static free_fn dfree;
static sync_fn sync_ctx;
static int bad;			/* calls that did not return what they should */
static volatile sig_atomic_t inner_result = -1;

static void *fake_function = &fake_function;	/* a non-NULL CUfunction */

static void launch_one(void)
{
	if (launch(fake_function, 1, 1, 1, 32, 1, 1, 0, NULL, NULL, NULL) != 0)
		bad++;
}

static void run_standard(void)
{
	static const size_t sizes[] = { 1u << 20, 4u << 20, 16u << 20, 2ULL << 30 };
	CUdeviceptr p[4] = { 0 };

	for (int i = 0; i < 5; i++)
		launch_one();
	for (int i = 0; i < 4; i++)
		if (alloc(&p[i], sizes[i]) != (i < 3 ? 0 : 2))
			bad++;
	if (dfree(p[0]) || dfree(p[1]))
		bad++;
	for (int i = 0; i < 2; i++)
		if (sync_ctx())
			bad++;
}

static void *thread_main(__attribute__((unused)) void *arg)
{
	for (int i = 0; i < 10; i++)
		launch_one();
	if (sync_ctx())
		__atomic_add_fetch(&bad, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void run_threads(void)
{
	pthread_t t[4];

	for (int i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, thread_main, NULL))
			bad++;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
}

static void on_alarm(__attribute__((unused)) int sig)
{
	inner_result = sync_ctx();
}

static void run_nested(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { 0, 5000 } };

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	if (sync_ctx() || inner_result != 0)
		bad++;
}

static int run_launch(unsigned long n)
{
	struct timespec a, b;
	double ns;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (unsigned long i = 0; i < n; i++)
		launch_one();
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("calls=%lu elapsed_ns=%.0f ns_per_call=%.1f\n", n, ns, n ? ns / (double)n : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	bool wait = argc > 1 && !strcmp(argv[1], "-w");
	char line[64];
	void *lib;

	argv += wait;
	argc -= wait;
	if (argc < 3)
		return 2;
	if (wait && !fgets(line, sizeof(line), stdin))
		return 2;
	lib = dlopen(argv[1], RTLD_NOW);
	if (!lib) {
		fprintf(stderr, "gpu_caller: %s\n", dlerror());
		return 2;
	}
	launch = (launch_fn)dlsym(lib, "cuLaunchKernel");
	alloc = (alloc_fn)dlsym(lib, "cuMemAlloc_v2");
	dfree = (free_fn)dlsym(lib, "cuMemFree_v2");
	sync_ctx = (sync_fn)dlsym(lib, "cuCtxSynchronize");
	if (!launch || !alloc || !dfree || !sync_ctx)
		return 2;
	if (!strcmp(argv[2], "standard"))
		run_standard();
	else if (!strcmp(argv[2], "threads"))
		run_threads();
	else if (!strcmp(argv[2], "nested"))
		run_nested();
	else if (!strcmp(argv[2], "launch") && argc > 3)
		run_launch(strtoul(argv[3], NULL, 10));
	else
		return 2;
	if (wait) {
		printf("done\n");
		fflush(stdout);
		while (fgets(line, sizeof(line), stdin))
			;
	}
	return bad ? 3 : 0;
}
