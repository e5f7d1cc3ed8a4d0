/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * priv_config.bpf.h - privilege sensor settings fixed at load time
 * (const volatile: set by user space between skeleton open and load).
 */
#ifndef VIGIL_PRIV_CONFIG_BPF_H
#define VIGIL_PRIV_CONFIG_BPF_H

/*
 * Report a credential change across any syscall (bpf/priv/anysys.bpf.c,
 * `vigil trace priv --all-syscalls`).  Off by default; user space also
 * leaves those programs unloaded unless it is on (src/sensor.c), so the
 * default costs nothing.
 */
const volatile bool vg_priv_all_syscalls __weak = false;

#endif /* VIGIL_PRIV_CONFIG_BPF_H */
