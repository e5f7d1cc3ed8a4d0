// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * guard_caller - a workload for test_uprobe.
 *
 *   guard_caller LIB copy N MARKER   dlopen LIB, copy N bytes into a 30-byte
 *                                    buffer followed by a canary, then write
 *                                    MARKER ("returned=N canary=intact|smashed")
 *
 * The buffer and its canary live in a shared mapping of the file
 * MARKER.victim, so that a test can read the canary after the process was
 * killed: an overflow that happened before the kill would be in the file.
 *   guard_caller LIB greet TIMES NAME  call vg_guard_greet(TIMES, NAME)
 *
 * The library is opened only now, after the test attached its probes: the
 * probes must cover a library mapped after they were attached.
 * Exits 0, or 3 when the canary was overwritten, 2 on bad usage.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#define CANARY "vigil-canary-ok"	/* 15 bytes + NUL */

struct victim {
	char buf[30];
	char canary[16];
};

typedef int (*copy_fn)(char *dst, const char *src, size_t n);
typedef long (*greet_fn)(int times, const char *name);

static int run_copy(void *lib, size_t n, const char *marker)
{
	copy_fn copy = (copy_fn)dlsym(lib, "vg_guard_copy");
	struct victim *v;
	char src[64], path[4096];
	int r, fd, intact;
	char line[64];

	if (!copy || n > sizeof(src))
		return 2;
	snprintf(path, sizeof(path), "%s.victim", marker);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, sizeof(*v)))
		return 2;
	v = mmap(NULL, sizeof(*v), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (v == MAP_FAILED)
		return 2;
	memset(src, 'A', sizeof(src));
	memset(v->buf, 0, sizeof(v->buf));
	memcpy(v->canary, CANARY, sizeof(v->canary));
	r = copy(v->buf, src, n);
	intact = !memcmp(v->canary, CANARY, sizeof(v->canary));
	snprintf(line, sizeof(line), "returned=%d canary=%s\n", r, intact ? "intact" : "smashed");
	fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, line, strlen(line)) < 0)
		return 2;
	close(fd);
	fputs(line, stdout);
	return intact ? 0 : 3;
}

int main(int argc, char **argv)
{
	void *lib;

	if (argc != 5)
		return 2;
	lib = dlopen(argv[1], RTLD_NOW);
	if (!lib) {
		fprintf(stderr, "guard_caller: %s\n", dlerror());
		return 2;
	}
	if (!strcmp(argv[2], "copy"))
		return run_copy(lib, strtoul(argv[3], NULL, 10), argv[4]);
	if (!strcmp(argv[2], "greet")) {
		greet_fn greet = (greet_fn)dlsym(lib, "vg_guard_greet");

		if (!greet)
			return 2;
		printf("%ld\n", greet(atoi(argv[3]), argv[4]));
		return 0;
	}
	return 2;
}
