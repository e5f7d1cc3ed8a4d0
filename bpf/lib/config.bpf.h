/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * config.bpf.h - settings fixed at load time (const volatile: set by user
 * space between skeleton open and load, then constant to the verifier).
 */
#ifndef VIGIL_CONFIG_BPF_H
#define VIGIL_CONFIG_BPF_H

/* Wake the reader only once this many bytes are waiting; user space also
 * polls on a timer, so latency is bounded by its flush interval.  0: wake on
 * every event. */
const volatile __u64 vg_wakeup_bytes __weak = 0;

/* Only report this process (tgid); 0: all. */
const volatile __u32 vg_filter_pid __weak = 0;

/* Never report this process (vigil itself); 0: none. */
const volatile __u32 vg_self_pid __weak = 0;

/* Only report tasks whose comm equals this; empty: all. */
const volatile char vg_filter_comm[16] __weak = {};

/* File sensor: report every file operation, not only watched paths. */
const volatile bool vg_file_all __weak = false;

#endif /* VIGIL_CONFIG_BPF_H */
