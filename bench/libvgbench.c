// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libvgbench.c - the probed functions of bench/uprobe.sh, in a shared
 * library as a real probed function would be (built by the script, -O2).
 *
 * What a uprobe hit costs depends on the probed instruction: the kernel
 * emulates a few (push, nop, jmp/call) right in the breakpoint trap, and
 * executes any other out of line under single-step, a second trap.  The two
 * functions differ in that: vg_bench_step starts with `lea` (single-
 * stepped, as OpenSSL's SSL_read/SSL_write, which start with `sub $N,%rsp`,
 * and bash's readline do), vg_bench_step_fp (built -O0 for its frame pointer)
 * with `push %rbp` (emulated).
 */
__attribute__((noinline)) long vg_bench_step(long x)
{
	return x * 3 + 1;
}

__attribute__((noinline, optimize("O0"))) long vg_bench_step_fp(long x)
{
	return x * 3 + 1;
}
