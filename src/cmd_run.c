// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vigil run - the agent: every sensor, the embedded default configuration.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "log.h"
#include "config.h"
#include "metrics_http.h"

static const char run_usage[] =
	"usage: vigil run [options]\n"
	"\n"
	"Run the agent with every sensor enabled and the policy engine, and print\n"
	"events and policy decisions as they happen.  Without options it uses the\n"
	"default configuration and policy set built into the binary\n"
	"(`vigil run --show-config` prints the configuration; policies/ holds the set).\n"
	"\n"
	"  --policy PATH           load policies from a YAML file or a directory of them\n"
	"                          (repeatable) instead of the embedded default set;\n"
	"                          SIGHUP or a change to the files reloads them\n"
	"  --no-policy             no policies at all (sensors and events only)\n"
	"  --mode MODE             audit or enforce: override every policy's own mode\n"
	"  --alerts-only           print policy decisions and stats, not every event\n"
	"  --net-cgroup PATH       cgroup v2 whose processes socket deny rules cover\n"
	"                          (default: the root, every process)\n"
	"  --xdp-iface IFACE       interface for packet rules (repeatable)\n"
	"  --profile DIR           detect deviations from the learned profiles in DIR\n"
	"                          (vigil learn); anomalies are \"kind\": \"anomaly\" records\n"
	"                          and policies of kind anomaly act on them\n"
	"  --anomaly-threshold N   unseen syscall windows of the last 32 that make the\n"
	"                          kernel report (default 4)\n"
	"  --anomaly-score S       report a process once its score reaches S (default 1)\n"
	"  --sched                 CPU and run-queue summaries (kind sched) each second for\n"
	"                          processes using 1 %+ of a CPU, and OOM kills (kind oom);\n"
	"                          on by itself when a policy selects sched or oom\n"
	"  --block-io              block I/O latency and size histograms; with\n"
	"  --slow-io-ms MS         an event (kind block) per request this slow (default 10\n"
	"                          when a policy selects block)\n"
	"  --gpu                   CUDA driver calls per process (cuLaunchKernel,\n"
	"                          cuMemAlloc_v2, cuMemFree_v2, cuCtxSynchronize): a gpu\n"
	"                          record per active process every 10 s, and with --metrics\n"
	"                          the vigil_gpu_* metrics (docs/gpu.md); without the\n"
	"                          library: a warning, and the rest runs\n"
	"  --gpu-lib PATH          with --gpu: the driver library (default libcuda.so.1,\n"
	"                          found as the dynamic loader would)\n"
	"  --tls                   TLS plaintext (kind tls): OpenSSL reads and writes in\n"
	"                          every process, first 256 bytes each, with the socket\n"
	"                          (docs/tls.md; the output then holds secrets)\n"
	"  --tls-lib PATH          a libssl to probe (repeatable; implies --tls; default:\n"
	"                          the system's libssl.so.3 and libssl.so.1.1)\n"
	"  --tls-max-bytes N       plaintext bytes per TLS event, 1 to 4096 (implies --tls)\n"
	"  --shell                 interactive bash command lines (kind shell) with tty\n"
	"                          and login uid\n"
	"  --shell-bash PATH       a bash binary to probe (repeatable; implies --shell;\n"
	"                          default /bin/bash)\n"
	"  --promote D             move workloads on by themselves: learn for D, then\n"
	"                          audit for D, then enforce (30s, 10m, 24h)\n"
	"  --alarm-budget N/D      more than N anomaly reports of a workload within D\n"
	"                          move it back: enforce -> audit (-> learn with\n"
	"                          --promote); e.g. 3/1h\n"
	"  --action-cgroup NAME    cgroup directory name for throttle/freeze/quarantine\n"
	"                          (default: vigil)\n"
	"  -o, --format FMT        json (default) or text\n"
	"  --output FILE           write events to FILE (created 0600, appended)\n"
	"  --stats-interval SEC    emit a stats event every SEC seconds (0: only at exit\n"
	"                          and when events are lost)\n"
	"  --flow-interval SEC     also a flow record with close \"open\" and the totals so\n"
	"                          far every SEC seconds for each TCP connection open that\n"
	"                          long (0, the default: flows only at close)\n"
	"  --backend B             auto (default), tp_btf or raw_tp\n"
	"  --ready-file FILE       create FILE once the sensors are attached\n"
	"  --metrics HOST:PORT     serve Prometheus metrics at http://HOST:PORT/metrics\n"
	"                          (127.0.0.1:9090, [::1]:9090; docs/metrics.md); turns\n"
	"                          on the kernel's BPF run-time statistics (~20 ns per\n"
	"                          program run) for the per-program metrics\n"
	"  --no-bpf-stats          with --metrics: leave the BPF statistics off\n"
	"  --show-config           print the effective configuration and exit\n"
	"  -v, --verbose           more diagnostics on stderr (twice: libbpf debug)\n"
	"  -h, --help              this help\n";

enum { OPT_OUTPUT = 256, OPT_STATS, OPT_BACKEND, OPT_READY, OPT_SHOW, OPT_FLOW_INTERVAL,
       OPT_POLICY, OPT_NO_POLICY, OPT_PROFILE, OPT_ANOMALY_THRESHOLD, OPT_ANOMALY_SCORE, OPT_MODE, OPT_ALERTS, OPT_NET_CGROUP, OPT_XDP, OPT_ACTION_CGROUP,
       OPT_PROMOTE, OPT_BUDGET, OPT_SCHED, OPT_BLOCK_IO, OPT_SLOW_IO, OPT_METRICS,
       OPT_NO_BPF_STATS, OPT_GPU, OPT_GPU_LIB, OPT_TLS, OPT_TLS_LIB, OPT_TLS_MAX_BYTES,
       OPT_SHELL, OPT_SHELL_BASH };

/* vigil run's gpu records: a training job calls the driver all the time */
#define RUN_GPU_INTERVAL_NS (10 * 1000000000ULL)

static const struct option run_options[] = {
	{ "format", required_argument, NULL, 'o' },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "stats-interval", required_argument, NULL, OPT_STATS },
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "flow-interval", required_argument, NULL, OPT_FLOW_INTERVAL },
	{ "ready-file", required_argument, NULL, OPT_READY },
	{ "show-config", no_argument, NULL, OPT_SHOW },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "no-policy", no_argument, NULL, OPT_NO_POLICY },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "anomaly-threshold", required_argument, NULL, OPT_ANOMALY_THRESHOLD },
	{ "anomaly-score", required_argument, NULL, OPT_ANOMALY_SCORE },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "alerts-only", no_argument, NULL, OPT_ALERTS },
	{ "net-cgroup", required_argument, NULL, OPT_NET_CGROUP },
	{ "xdp-iface", required_argument, NULL, OPT_XDP },
	{ "action-cgroup", required_argument, NULL, OPT_ACTION_CGROUP },
	{ "promote", required_argument, NULL, OPT_PROMOTE },
	{ "sched", no_argument, NULL, OPT_SCHED },
	{ "block-io", no_argument, NULL, OPT_BLOCK_IO },
	{ "slow-io-ms", required_argument, NULL, OPT_SLOW_IO },
	{ "alarm-budget", required_argument, NULL, OPT_BUDGET },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "no-bpf-stats", no_argument, NULL, OPT_NO_BPF_STATS },
	{ "gpu", no_argument, NULL, OPT_GPU },
	{ "gpu-lib", required_argument, NULL, OPT_GPU_LIB },
	{ "tls", no_argument, NULL, OPT_TLS },
	{ "tls-lib", required_argument, NULL, OPT_TLS_LIB },
	{ "tls-max-bytes", required_argument, NULL, OPT_TLS_MAX_BYTES },
	{ "shell", no_argument, NULL, OPT_SHELL },
	{ "shell-bash", required_argument, NULL, OPT_SHELL_BASH },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

static int run(struct vg_cli_opts *o, int argc, char **argv);

int cmd_run(int argc, char **argv)
{
	struct vg_cli_opts o;
	int ret;

	vg_config_defaults(&o);
	o.policies = true;
	o.policy_mode = -1;
	ret = run(&o, argc, argv);
	free(o.policy_paths);
	free(o.xdp_ifaces);
	free(o.tls_libs);
	free(o.shell_paths);
	vg_watchlist_release(&o.watches);
	return ret;
}

static int run(struct vg_cli_opts *o, int argc, char **argv)
{
	bool show = false;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:vh", run_options, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (vg_format_parse(optarg, &o->fmt))
				return vg_cli_usage_error(run_usage,
							  "-o: unknown format '%s' (json or text)", optarg);
			break;
		case OPT_OUTPUT:
			o->output_path = optarg;
			break;
		case OPT_STATS:
			if (vg_cli_parse_u32(optarg, &o->stats_interval_s))
				return vg_cli_usage_error(run_usage,
							  "--stats-interval: '%s' is not a number of seconds",
							  optarg);
			break;
		case OPT_FLOW_INTERVAL:
			if (vg_cli_parse_u32(optarg, &o->flow_interval_s))
				return vg_cli_usage_error(run_usage,
							  "--flow-interval: '%s' is not a number of seconds",
							  optarg);
			break;
		case OPT_BACKEND:
			if (vg_cli_parse_backend(optarg, &o->backend))
				return vg_cli_usage_error(run_usage, "--backend: unknown backend '%s'",
							  optarg);
			break;
		case OPT_READY:
			o->ready_file = optarg;
			break;
		case OPT_SHOW:
			show = true;
			break;
		case OPT_POLICY:
			if (vg_cli_push(&o->policy_paths, &o->n_policy_paths, optarg))
				return VG_EXIT_FAIL;
			break;
		case OPT_PROFILE:
			o->profile_dir = optarg;
			break;
		case OPT_ANOMALY_THRESHOLD:
			if (vg_cli_parse_u32(optarg, &o->anomaly_threshold) ||
			    o->anomaly_threshold < 1 || o->anomaly_threshold > 32)
				return vg_cli_usage_error(run_usage, "--anomaly-threshold: '%s' is not "
							  "a number from 1 to 32", optarg);
			break;
		case OPT_ANOMALY_SCORE: {
			char *end;

			o->anomaly_score = strtod(optarg, &end);
			if (*end || end == optarg || !(o->anomaly_score > 0) || o->anomaly_score > 1e6)
				return vg_cli_usage_error(run_usage, "--anomaly-score: '%s' is not a "
							  "positive number", optarg);
			break;
		}
		case OPT_SCHED:
			o->sensors = (o->sensors ? o->sensors : VG_SENSOR_ALL) | VG_SENSOR_SCHED;
			break;
		case OPT_BLOCK_IO:
			o->sensors = (o->sensors ? o->sensors : VG_SENSOR_ALL) | VG_SENSOR_BLOCK;
			break;
		case OPT_TLS_LIB:
			if (!*optarg)
				return vg_cli_usage_error(run_usage, "--tls-lib: empty path");
			if (vg_cli_push(&o->tls_libs, &o->n_tls_libs, optarg))
				return VG_EXIT_FAIL;
			/* fall through */
		case OPT_TLS:
			o->sensors = (o->sensors ? o->sensors : VG_SENSOR_ALL) | VG_SENSOR_TLS;
			o->filter.kinds |= VG_KIND_BIT(VG_EV_TLS);
			break;
		case OPT_TLS_MAX_BYTES:
			if (vg_cli_parse_tls_bytes(optarg, &o->tls_max_bytes))
				return vg_cli_usage_error(run_usage, "--tls-max-bytes: '%s' is not a "
							  "number from 1 to %d", optarg, VG_TLS_DATA_LEN);
			o->sensors = (o->sensors ? o->sensors : VG_SENSOR_ALL) | VG_SENSOR_TLS;
			o->filter.kinds |= VG_KIND_BIT(VG_EV_TLS);
			break;
		case OPT_SHELL_BASH:
			if (!*optarg)
				return vg_cli_usage_error(run_usage, "--shell-bash: empty path");
			if (vg_cli_push(&o->shell_paths, &o->n_shell_paths, optarg))
				return VG_EXIT_FAIL;
			/* fall through */
		case OPT_SHELL:
			o->sensors = (o->sensors ? o->sensors : VG_SENSOR_ALL) | VG_SENSOR_SHELL;
			o->filter.kinds |= VG_KIND_BIT(VG_EV_SHELL);
			break;
		case OPT_SLOW_IO: {
			uint32_t ms;

			if (vg_cli_parse_u32(optarg, &ms) || !ms)
				return vg_cli_usage_error(run_usage, "--slow-io-ms: '%s' is not a positive "
							  "number of milliseconds", optarg);
			o->block_slow_ns = (uint64_t)ms * 1000000ULL;
			o->sensors = (o->sensors ? o->sensors : VG_SENSOR_ALL) | VG_SENSOR_BLOCK;
			break;
		}
		case OPT_PROMOTE: {
			int64_t ms = vg_cli_parse_duration_ms(optarg);

			if (ms < 0)
				return vg_cli_usage_error(run_usage, "--promote: '%s' is not a duration "
							  "(30s, 10m, 24h)", optarg);
			o->promote_ns = (uint64_t)ms * 1000000ULL;
			break;
		}
		case OPT_BUDGET: {
			char *slash = strchr(optarg, '/'), num[16];
			int64_t ms = slash ? vg_cli_parse_duration_ms(slash + 1) : -1;

			if (!slash || (size_t)(slash - optarg) >= sizeof(num) || ms < 0)
				return vg_cli_usage_error(run_usage, "--alarm-budget: '%s' is not N/D "
							  "(3/1h: at most 3 reports an hour)", optarg);
			snprintf(num, sizeof(num), "%.*s", (int)(slash - optarg), optarg);
			if (vg_cli_parse_u32(num, &o->alarm_budget) && strcmp(num, "0"))
				return vg_cli_usage_error(run_usage, "--alarm-budget: '%s' is not a "
							  "count", num);
			o->alarm_budget_ns = (uint64_t)ms * 1000000ULL;
			break;
		}
		case OPT_NO_POLICY:
			o->policies = false;
			break;
		case OPT_MODE:
			if (!strcmp(optarg, "audit"))
				o->policy_mode = 0;
			else if (!strcmp(optarg, "enforce"))
				o->policy_mode = 1;
			else
				return vg_cli_usage_error(run_usage, "--mode: unknown mode '%s' (audit or "
							  "enforce)", optarg);
			break;
		case OPT_ALERTS:
			o->alerts_only = true;
			break;
		case OPT_NET_CGROUP:
			o->net_cgroup = optarg;
			break;
		case OPT_XDP:
			if (vg_cli_push(&o->xdp_ifaces, &o->n_xdp_ifaces, optarg))
				return VG_EXIT_FAIL;
			break;
		case OPT_ACTION_CGROUP:
			o->action_cgroup = optarg;
			break;
		case OPT_METRICS: {
			struct vg_metrics_addr a;
			char why[160];

			if (vg_metrics_addr_parse(optarg, &a, why, sizeof(why)))
				return vg_cli_usage_error(run_usage, "--metrics: %s", why);
			o->metrics_addr = optarg;
			break;
		}
		case OPT_NO_BPF_STATS:
			o->no_bpf_stats = true;
			break;
		case OPT_GPU:
			o->gpu = true;
			o->gpu_interval_ns = RUN_GPU_INTERVAL_NS;
			break;
		case OPT_GPU_LIB:
			if (!*optarg)
				return vg_cli_usage_error(run_usage, "--gpu-lib: empty path");
			o->gpu_lib = optarg;
			break;
		case 'v':
			vg_log_more_verbose();
			break;
		case 'h':
			fputs(run_usage, stdout);
			return VG_EXIT_OK;
		case ':':
			return vg_cli_usage_error(run_usage, "option '%s' needs a value",
						  argv[optind - 1]);
		default:
			return vg_cli_usage_error(run_usage, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return vg_cli_usage_error(run_usage, "unexpected argument '%s'", argv[optind]);
	if (o->no_bpf_stats && !o->metrics_addr)
		return vg_cli_usage_error(run_usage, "--no-bpf-stats without --metrics");
	if (o->gpu_lib && !o->gpu)
		return vg_cli_usage_error(run_usage, "--gpu-lib without --gpu");
	if (!o->policies && (o->n_policy_paths || o->policy_mode >= 0))
		return vg_cli_usage_error(run_usage, "--no-policy with --policy or --mode");
	if (vg_config_default_watches(&o->watches))
		return VG_EXIT_FAIL;
	if (show) {
		vg_config_print(stdout, o);
		return VG_EXIT_OK;
	}
	vg_config_log_backends(o);
	return vg_cli_stream(o);
}
