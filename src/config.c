// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <string.h>

#include "bpfwatch.h"
#include "config.h"
#include "log.h"
#include "probe.h"

#define DEFAULT_STATS_INTERVAL_S 60

static const char *const default_watches[] = {
	"/etc/shadow", "/etc/gshadow", "/etc/passwd", "/etc/group", "/etc/sudoers",
	"/etc/sudoers.d/", "/root/.ssh/",
};

int vg_config_default_watches(struct vg_watchlist *wl)
{
	for (size_t i = 0; i < sizeof(default_watches) / sizeof(default_watches[0]); i++) {
		int err = vg_watchlist_add(wl, default_watches[i], "built-in watch list");

		if (err)
			return err;
	}
	return 0;
}

void vg_config_defaults(struct vg_cli_opts *o)
{
	*o = (struct vg_cli_opts){
		.filter = {
			.kinds = VG_KIND_BIT(VG_EV_EXEC) | VG_KIND_BIT(VG_EV_FORK) |
				 VG_KIND_BIT(VG_EV_EXIT) | VG_KIND_BIT(VG_EV_FILE) |
				 VG_KIND_BIT(VG_EV_PRIV) | VG_KIND_BIT(VG_EV_NET) |
				 VG_KIND_BIT(VG_EV_FLOW) | VG_KIND_BIT(VG_EV_BPF),
		},
		.fmt = VG_FMT_JSON,
		.backend = VG_BACKEND_AUTO,
		.stats_interval_s = DEFAULT_STATS_INTERVAL_S,
		.sensors = VG_SENSOR_ALL | VG_SENSOR_BPF,
		.fim = true,
	};
	vg_watchlist_init(&o->watches);
}

void vg_config_print(FILE *f, const struct vg_cli_opts *o)
{
	fprintf(f, "# vigil %s effective configuration\n", VIGIL_VERSION);
	fprintf(f, "sensors:\n");
	fprintf(f, "  process:\n");
	fprintf(f, "    events: [exec, fork, exit]\n");
	fprintf(f, "    backend: %s\n", vg_backend_name(o->backend));
	fprintf(f, "  file:\n");
	fprintf(f, "    integrity: %s\n", o->fim ? "sha256, mode, owner (files up to 1 MiB)" : "off");
	fprintf(f, "    watch:\n");
	for (size_t i = 0; i < o->watches.n; i++)
		fprintf(f, "      - %s%s\n", o->watches.items[i].path,
			o->watches.items[i].subtree && strcmp(o->watches.items[i].path, "/") ? "/" : "");
	fprintf(f, "  priv:\n");
	fprintf(f, "    events: [setuid, setgid, setreuid, setregid, setresuid, setresgid, setfsuid,"
		   " setfsgid, capset, exec]\n");
	fprintf(f, "  net:\n");
	fprintf(f, "    events: [connect, accept, bind, listen, flow]\n");
	if (o->flow_interval_s)
		fprintf(f, "    flows: tcp, one record at close and an update every %u s\n",
			o->flow_interval_s);
	else
		fprintf(f, "    flows: tcp, one record at close (no periodic updates)\n");
	if (o->sensors & VG_SENSOR_BPF)
		fprintf(f, "  bpf:\n    events: [%s]\n", vg_bpf_reported_cmds_str());
	if (o->gpu)
		fprintf(f, "  gpu:\n    library: %s\n    interval_s: %llu\n",
			o->gpu_lib ? o->gpu_lib : "libcuda.so.1",
			(unsigned long long)(o->gpu_interval_ns / 1000000000ULL));
	if (o->sensors & VG_SENSOR_TLS) {
		fprintf(f, "  tls:\n");
		fprintf(f, "    max_bytes: %u\n",
			o->tls_max_bytes ? o->tls_max_bytes : VG_TLS_DATA_DEFAULT);
		fprintf(f, "    libraries:%s\n", o->n_tls_libs ? "" : " default");
		for (size_t i = 0; i < o->n_tls_libs; i++)
			fprintf(f, "      - %s\n", o->tls_libs[i]);
	}
	if (o->sensors & VG_SENSOR_SHELL) {
		fprintf(f, "  shell:\n");
		fprintf(f, "    bash:%s\n", o->n_shell_paths ? "" : " /bin/bash");
		for (size_t i = 0; i < o->n_shell_paths; i++)
			fprintf(f, "      - %s\n", o->shell_paths[i]);
	}
	fprintf(f, "output:\n");
	fprintf(f, "  format: %s\n", o->fmt == VG_FMT_JSON ? "json" : "text");
	fprintf(f, "  file: %s\n", o->output_path ? o->output_path : "stdout");
	fprintf(f, "  stats_interval_s: %u\n", o->stats_interval_s);
	fprintf(f, "metrics:\n");
	if (o->metrics_addr)
		fprintf(f, "  listen: %s\n  bpf_stats: %s\n", o->metrics_addr,
			o->no_bpf_stats ? "off" : "on");
	else
		fprintf(f, "  listen: off\n");
}

void vg_config_log_backends(const struct vg_cli_opts *o)
{
	struct vg_probe p;

	if (vg_probe_run(&p))
		return;		/* not root: vg_sensor_start() says so */
	for (int j = 0; j < VG_JOB_MAX; j++)
		vg_info("backend for %s: %s", vg_job_name(j), vg_probe_backend(&p, j));
	if (o->backend == VG_BACKEND_AUTO && !vg_probe_has(&p, VG_FEAT_TP_BTF))
		vg_info("tp_btf unavailable: the process sensor will use raw_tp");
}
