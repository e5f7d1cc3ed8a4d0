// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "config.h"
#include "log.h"
#include "probe.h"

#define DEFAULT_STATS_INTERVAL_S 60

void vg_config_defaults(struct vg_cli_opts *o)
{
	*o = (struct vg_cli_opts){
		.filter = {
			.kinds = VG_KIND_BIT(VG_EV_EXEC) | VG_KIND_BIT(VG_EV_FORK) |
				 VG_KIND_BIT(VG_EV_EXIT),
		},
		.fmt = VG_FMT_JSON,
		.backend = VG_BACKEND_AUTO,
		.stats_interval_s = DEFAULT_STATS_INTERVAL_S,
	};
}

void vg_config_print(FILE *f, const struct vg_cli_opts *o)
{
	fprintf(f, "# vigil %s effective configuration\n", VIGIL_VERSION);
	fprintf(f, "sensors:\n");
	fprintf(f, "  process:\n");
	fprintf(f, "    events: [exec, fork, exit]\n");
	fprintf(f, "    backend: %s\n", vg_backend_name(o->backend));
	fprintf(f, "output:\n");
	fprintf(f, "  format: %s\n", o->fmt == VG_FMT_JSON ? "json" : "text");
	fprintf(f, "  file: %s\n", o->output_path ? o->output_path : "stdout");
	fprintf(f, "  stats_interval_s: %u\n", o->stats_interval_s);
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
