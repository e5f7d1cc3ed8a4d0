/*
 * sysloop.c - a syscall-heavy loop for bench/profile.sh: N iterations of
 * four cheap syscalls (getppid, getuid, getgid, umask), each a fixed
 * sequence, so the in-kernel n-gram check sees only known windows.
 *
 * usage: sysloop N     prints "syscalls=4N elapsed_ns=T"
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	unsigned long n;

	if (argc != 2 || (n = strtoul(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: sysloop N\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < n; i++) {
		syscall(SYS_getppid);
		syscall(SYS_getuid);
		syscall(SYS_getgid);
		syscall(SYS_umask, 022);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("syscalls=%lu elapsed_ns=%lld\n", 4 * n,
	       (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
	return 0;
}
