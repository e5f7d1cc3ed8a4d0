/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * sensor.h - load, configure and attach vigil's BPF programs.
 *
 * Lifecycle: vg_sensor_open() -> vg_sensor_load_attach() -> use the ring
 * buffer fd / counters -> vg_sensor_destroy().
 */
#ifndef VIGIL_SENSOR_H
#define VIGIL_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/event.h"
#include "vigil/gpu.h"

enum vg_attach_backend {
	VG_BACKEND_AUTO = 0,	/* tp_btf, falling back to raw_tp */
	VG_BACKEND_TP_BTF,	/* BTF-typed raw tracepoints (v5.5+) */
	VG_BACKEND_RAW_TP,	/* raw tracepoints (v4.17+) */
};

/* Sensors, by the prefix of their BPF program names. */
enum vg_sensor_set {
	VG_SENSOR_PROCESS = 1 << 0,	/* vg_exec_*, vg_fork_*, vg_exit_* */
	VG_SENSOR_FILE = 1 << 1,	/* vg_file_* */
	VG_SENSOR_PRIV = 1 << 2,	/* vg_priv_* */
	VG_SENSOR_NET = 1 << 3,		/* vg_net_*: sockets and TCP flows */
	VG_SENSOR_POLICY = 1 << 4,	/* vg_pol_*: policy syscall rules (attached on demand) */
	VG_SENSOR_ALL = (1 << 5) - 1,	/* the above; not: */
	VG_SENSOR_PROFILE = 1 << 5,	/* vg_prof_*: syscall n-grams of profiled tasks (every
					 * syscall passes it: only to learn or detect) */
	VG_SENSOR_SCHED = 1 << 6,	/* vg_sched_*, vg_oom_*: CPU, run queues, OOM kills (every
					 * context switch passes it) */
	VG_SENSOR_BLOCK = 1 << 7,	/* vg_bio_*: block I/O latency and size */
	VG_SENSOR_UPROBE = 1 << 8,	/* vg_up_*: user-space function probes (attached on
					 * demand, src/uprobe.h) */
	VG_SENSOR_SYSCOUNT = 1 << 9,	/* vg_sysc_*: syscalls per process (every syscall
					 * passes it: only `vigil top` loads it) */
	VG_SENSOR_BPF = 1 << 10,	/* vg_bpfw_*: bpf(2) control commands of other
					 * processes (only bpf() calls pass it) */
	VG_SENSOR_TLS = 1 << 11,	/* vg_tls_*: OpenSSL plaintext (uprobes attached on
					 * demand, src/preset.h; every socket send/receive
					 * passes a sock tracepoint program while loaded) */
	VG_SENSOR_SHELL = 1 << 12,	/* vg_shell_*: bash command lines (uretprobe attached
					 * on demand, src/preset.h) */
	VG_SENSOR_GPU = 1 << 13,	/* vg_gpu_*: CUDA driver calls per process (attached on
					 * demand to libcuda, src/gpu.h) */
};

struct vg_sensor_opts {
	enum vg_attach_backend backend;
	unsigned int sensors;		/* enum vg_sensor_set mask; 0: all */
	uint32_t filter_pid;		/* 0: all */
	const char *filter_comm;	/* NULL: all */
	uint32_t self_pid;		/* never reported; 0: none */
	uint64_t wakeup_bytes;		/* batch wakeups (see lib/emit.bpf.h); 0: every event */
	uint32_t ringbuf_bytes;		/* power of two, >= 4096; 0: default 8 MiB */
	const char *verifier_log_dir;	/* where a failed load's log goes; NULL: $VIGIL_LOG_DIR,
					 * else /var/log/vigil */
	bool file_all;			/* file sensor: every operation, no watch list */
	bool priv_all_syscalls;		/* priv sensor: also a credential change across any
					 * syscall (vg_priv_anysys_*: loaded only then) */
	const struct vg_watchlist *watches; /* installed between load and attach */
	uint64_t block_slow_ns;		/* block sensor: an event per request this slow; 0: none */
	uint64_t bpf_cmds;		/* bpf sensor: 1 << enum bpf_cmd of the commands to
					 * report, within VG_BPF_CMDS_CONTROL; 0: all of those */
	uint32_t tls_max_bytes;		/* TLS sensor: plaintext bytes per event (1 to
					 * VG_TLS_DATA_LEN); 0: VG_TLS_DATA_DEFAULT */
	bool tls_syscalls;		/* TLS sensor: find sockets through the read/write
					 * syscalls even where the sock tracepoints exist
					 * (the fallback for kernels before 6.3; tests) */
	uint32_t flow_update_s;		/* net sensor: "still open" flow records for
					 * connections this old, when vg_sensor_flow_update
					 * runs (the agent: every flow_update_s); 0: none */
};

struct vg_counters {
	uint64_t sent[VG_EV_TYPE_MAX];	/* per enum vg_event_type */
	uint64_t lost[VG_LOSS_MAX];	/* per enum vg_loss_reason */
};

struct vigil_bpf;
struct vg_watchlist;

struct bpf_link;

struct vg_sensor {
	struct vigil_bpf *skel;
	enum vg_attach_backend backend;	/* the one in use after load */
	struct bpf_link *flow_iter;	/* flow updates' iterator; NULL: off */
};

/*
 * Check the prerequisites (root, kernel BTF), open, load and attach.
 * On failure prints one line saying what and why (the verifier log, if any,
 * is saved to a file that the line names) and returns -errno.
 */
int vg_sensor_start(struct vg_sensor *s, const struct vg_sensor_opts *opts);
void vg_sensor_destroy(struct vg_sensor *s);

int vg_sensor_ringbuf_fd(const struct vg_sensor *s);

/* Send a flow update (close "open") for every tracked TCP connection at
 * least flow_update_s old, into the ring buffer: runs the iterator to its
 * end.  0 (also when updates are off) or -errno. */
int vg_sensor_flow_update(struct vg_sensor *s);

struct vg_watch_maps;
/* The file sensor's watch-list maps (src/watch.c fills them). */
void vg_sensor_watch_maps(const struct vg_sensor *s, struct vg_watch_maps *m);
int vg_sensor_read_counters(const struct vg_sensor *s, struct vg_counters *c);

/* The policy maps (include/vigil/policy.h); -1 fds when the policy sensor
 * is not loaded. */
struct vg_pol_maps {
	int state, exec, file, sys;
};

/* The profile maps (include/vigil/profile.h); -1 when not loaded. */
struct vg_prof_maps {
	int exe, tasks, ngrams, learn, scopes, modes, next, gen;
};
void vg_sensor_profile_maps(const struct vg_sensor *s, struct vg_prof_maps *m);

/* The scheduler, block I/O and syscall count maps (include/vigil/sched.h,
 * bpf/maps.bpf.h); -1 when not loaded. */
struct vg_sched_maps {
	int procs, total, oncpu;		/* VG_SENSOR_SCHED */
	int block_devs, block_procs;		/* VG_SENSOR_BLOCK */
	int sysc_procs, sysc_missed;		/* VG_SENSOR_SYSCOUNT */
};
void vg_sensor_sched_maps(const struct vg_sensor *s, struct vg_sched_maps *m);
void vg_sensor_policy_maps(const struct vg_sensor *s, struct vg_pol_maps *m);

/* Attach the policy syscall program to syscalls:sys_enter_<name>.  NULL
 * (errno set, nothing logged) when the policy sensor is not loaded or the
 * kernel has no such tracepoint. */
struct bpf_link *vg_sensor_attach_syscall(struct vg_sensor *s, const char *name);

/* The uprobe sensor's probe map and programs; NULL / -1 when not loaded. */
struct bpf_program;
struct vg_up_sensor {
	int probes;			/* vg_up_probes fd */
	struct bpf_program *entry;	/* vg_up_entry */
	struct bpf_program *ret;	/* vg_up_return */
};
void vg_sensor_uprobe(const struct vg_sensor *s, struct vg_up_sensor *u);

/* The GPU driver sensor's maps (include/vigil/gpu.h) and its entry and
 * return programs by enum vg_gpu_fn; -1 / NULL when not loaded. */
struct vg_gpu_sensor {
	int procs, allocs, drops;	/* vg_gpu_procs, vg_gpu_allocs, vg_gpu_drops */
	struct bpf_program *entry[VG_GPU_FN_MAX];
	struct bpf_program *ret[VG_GPU_FN_MAX];
};
void vg_sensor_gpu(const struct vg_sensor *s, struct vg_gpu_sensor *g);
/* The TLS and shell presets' uprobe programs; NULL when not loaded. */
struct vg_preset_sensor {
	struct bpf_program *tls_entry;		/* vg_tls_entry */
	struct bpf_program *tls_return;		/* vg_tls_return */
	struct bpf_program *shell_return;	/* vg_shell_readline */
};
void vg_sensor_presets(const struct vg_sensor *s, struct vg_preset_sensor *p);

const char *vg_backend_name(enum vg_attach_backend b);
const char *vg_loss_reason_name(enum vg_loss_reason r);

#endif /* VIGIL_SENSOR_H */
