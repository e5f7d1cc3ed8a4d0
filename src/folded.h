/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * folded.h - stacks in the "folded" format of Brendan Gregg's FlameGraph
 * tools: one line per distinct stack, frames root first separated by ';',
 * a space, and the number of samples:
 *
 *     flame_hot;main;vg_test_hot_caller;vg_test_hot_spin 412
 *     cat;read;entry_SYSCALL_64_[k];do_syscall_64_[k];ksys_read_[k] 3
 *
 * `vigil flame` puts the thread's name first, then the user frames, then
 * the kernel frames with the suffix "_[k]".  flamegraph.pl, speedscope and
 * inferno read it; vigil's own SVG writer is flamegraph.h.
 */
#ifndef VIGIL_FOLDED_H
#define VIGIL_FOLDED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct vg_folded_line {
	char *stack;		/* frames joined by ';', without the count */
	uint64_t count;
};

struct vg_folded {
	struct vg_folded_line *lines;
	size_t n, cap;
	uint64_t total;		/* samples over all lines */
};

void vg_folded_init(struct vg_folded *f);
void vg_folded_release(struct vg_folded *f);

/*
 * Add `count` samples of the stack frames[0] (root) .. frames[n - 1]
 * (leaf).  In each frame ';' and control characters, which would break
 * the format, become '_'; an empty frame becomes "[unknown]".  Returns 0,
 * -EINVAL for n == 0, or -ENOMEM.
 */
int vg_folded_add(struct vg_folded *f, const char *const *frames, size_t n, uint64_t count);

/* Merge identical stacks, then order: most samples first, ties by stack. */
void vg_folded_finish(struct vg_folded *f);

/* Write the lines; 0 or -errno of the stream. */
int vg_folded_write(const struct vg_folded *f, FILE *out);

#endif /* VIGIL_FOLDED_H */
