/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * cli.h - what `vigil trace` and `vigil run` share: output options,
 * filters, signal handling and the loop that prints events.
 */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent.h"
#include "output.h"
#include "uprobe.h"
#include "watch.h"

/* Which event kinds a command prints (1 << enum vg_event_type). */
#define VG_KIND_BIT(t) (1u << (t))

struct vg_cli_filter {
	unsigned int kinds;		/* VG_KIND_BIT mask */
	uint32_t pid;			/* 0: any (also applied in the kernel) */
	const char *comm;		/* NULL: any (also applied in the kernel) */
	const char *exe_glob;		/* NULL: any; fnmatch(3) on the exe path */
	const char *container;		/* NULL: any; prefix of the container id */
};

struct vg_cli_opts {
	struct vg_cli_filter filter;
	enum vg_format fmt;
	const char *output_path;	/* NULL: stdout */
	enum vg_attach_backend backend;
	unsigned int stats_interval_s;
	const char *ready_file;		/* created once attached; NULL: none */
	unsigned int sensors;		/* enum vg_sensor_set; 0: all */
	struct vg_watchlist watches;	/* file sensor watch list */
	bool file_all;			/* file sensor: every operation */
	bool priv_all_syscalls;		/* priv sensor: changes across any syscall */
	bool fim;			/* digests and before/after of watched files */
	uint32_t flow_interval_s;	/* net: "still open" flow records every SEC; 0: off */
	uint64_t sched_interval_ns;	/* sched sensor: a summary per busy process each; 0: 1 s */
	double sched_min_percent;	/* ... of processes at or above this CPU share; 0: 1 % */
	uint64_t block_slow_ns;		/* block sensor: an event per I/O this slow; 0: none */
	uint64_t bpf_cmds;		/* bpf sensor: 1 << bpf_cmd to report; 0: every control one */
	const struct vg_uprobe_spec *uprobes;	/* attached once the sensors are (uprobe sensor) */
	size_t n_uprobes;
	/* CUDA driver calls (vigil trace gpu, vigil run --gpu; docs/gpu.md) */
	bool gpu;			/* attach the GPU sensor to the driver library */
	bool gpu_required;		/* trace gpu: no library is an error (run: a warning) */
	const char *gpu_lib;		/* NULL: libcuda.so.1 on the loader's search path */
	uint64_t gpu_interval_ns;	/* a gpu record per active process each; 0: 1 s */
	/* presets (src/preset.h): attached with VG_SENSOR_TLS / VG_SENSOR_SHELL in sensors */
	char **tls_libs;		/* libssl files; none: the default ones that exist */
	size_t n_tls_libs;
	uint32_t tls_max_bytes;		/* plaintext bytes per event; 0: VG_TLS_DATA_DEFAULT */
	char **shell_paths;		/* bash files; none: /bin/bash */
	size_t n_shell_paths;
	/* policies (vigil run) */
	bool policies;			/* run the policy engine */
	char **policy_paths;		/* --policy; none: the embedded default set */
	size_t n_policy_paths;
	int policy_mode;		/* --mode: -1 each policy's own, else enum vg_policy_mode */
	const char *net_cgroup;		/* --net-cgroup: scope of socket deny rules */
	char **xdp_ifaces;		/* --xdp-iface */
	size_t n_xdp_ifaces;
	const char *action_cgroup;	/* --action-cgroup: cgroup name for throttle/freeze */
	bool alerts_only;		/* print policy reports (and stats), not every event */
	/* learned profiles (vigil run --profile) */
	const char *profile_dir;	/* NULL: no detection */
	uint32_t anomaly_threshold;	/* unseen windows of the last 32; 0: default */
	double anomaly_score;		/* report at this score; 0: default */
	uint64_t promote_ns;		/* --promote: learn/audit periods; 0: no promotion */
	uint32_t alarm_budget;		/* --alarm-budget N/PERIOD */
	uint64_t alarm_budget_ns;	/* 0: no budget */
	/* Prometheus metrics (vigil run --metrics) */
	const char *metrics_addr;	/* HOST:PORT to serve /metrics on; NULL: none */
	bool no_bpf_stats;		/* --no-bpf-stats: leave the kernel's BPF stats off */
};

/* Does the event pass the user-space filters? */
bool vg_cli_filter_match(const struct vg_cli_filter *f, const struct vg_event_view *ev);

/* "auto" / "tp_btf" / "raw_tp"; -1 otherwise. */
int vg_cli_parse_backend(const char *s, enum vg_attach_backend *b);

/* Parse a pid / a positive integer option; -EINVAL on junk. */
int vg_cli_parse_u32(const char *s, uint32_t *out);

/* Append s to an array of n strings (grown with realloc); -1 when out of memory. */
int vg_cli_push(char ***v, size_t *n, char *s);

/* --max-bytes N of the TLS preset: 1 to VG_TLS_DATA_LEN; -EINVAL otherwise. */
int vg_cli_parse_tls_bytes(const char *s, uint32_t *out);

/* "90", "90s", "500ms", "5m", "2h" -> milliseconds (positive); -1 on junk. */
int64_t vg_cli_parse_duration_ms(const char *s);

/* Start the agent, print events until SIGINT/SIGTERM, then final stats.
 * Returns the exit status. */
int vg_cli_stream(const struct vg_cli_opts *o);

/* Print "usage" text for a command to stderr (bad usage) and return 2. */
int vg_cli_usage_error(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* VIGIL_CLI_H */
