// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "detect.h"
#include "gpu.h"
#include "policy.h"
#include "sched_sampler.h"
#include "workload.h"
#include "engine.h"
#include "cmd.h"
#include "log.h"
#include "metrics.h"
#include "metrics_agent.h"
#include "metrics_gpu.h"
#include "metrics_http.h"
#include "metrics_sched.h"
#include "preset.h"

#define DEFAULT_WAKEUP_BYTES (256 * 1024)

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

int vg_cli_parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	/* strtoul skips blanks and takes a sign ("-1" wraps): digits only. */
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int vg_cli_parse_backend(const char *s, enum vg_attach_backend *b)
{
	if (!strcmp(s, "auto"))
		*b = VG_BACKEND_AUTO;
	else if (!strcmp(s, "tp_btf"))
		*b = VG_BACKEND_TP_BTF;
	else if (!strcmp(s, "raw_tp"))
		*b = VG_BACKEND_RAW_TP;
	else
		return -1;
	return 0;
}

int vg_cli_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fputs("vigil: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage);
	return VG_EXIT_USAGE;
}

bool vg_cli_filter_match(const struct vg_cli_filter *f, const struct vg_event_view *ev)
{
	const struct vg_task_ctx *t = ev->proc.task;

	if (!(f->kinds & VG_KIND_BIT(ev->hdr->type)))
		return false;
	if (f->pid && t->pid != f->pid)
		return false;
	if (f->comm && strncmp(t->comm, f->comm, sizeof(t->comm)))
		return false;
	if (f->exe_glob && fnmatch(f->exe_glob, ev->proc.exe, 0))
		return false;
	if (f->container && (!ev->proc.container ||
			     strncmp(ev->proc.container->id, f->container, strlen(f->container))))
		return false;
	return true;
}

int vg_cli_push(char ***v, size_t *n, char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return -1;
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

int vg_cli_parse_tls_bytes(const char *s, uint32_t *out)
{
	if (vg_cli_parse_u32(s, out) || *out < 1 || *out > VG_TLS_DATA_LEN)
		return -EINVAL;
	return 0;
}

/* The TLS and shell presets, once their sensors are loaded. */
static int stream_presets(const struct vg_cli_opts *o, struct vg_agent *agent,
			  unsigned int sensors, struct vg_presets *p)
{
	struct vg_preset_sensor ps;
	int err = 0;

	vg_sensor_presets(&agent->sensor, &ps);
	/* --pid: the uprobes themselves in that process only, so that no other
	 * process takes the breakpoint traps */
	p->pid = o->filter.pid ? (int)o->filter.pid : -1;
	if (sensors & VG_SENSOR_TLS) {
		err = vg_presets_tls(p, &ps, (const char *const *)o->tls_libs, o->n_tls_libs);
		if (err)
			return err;
		vg_warn("tls: the output holds the first %u bytes of every TLS read and write "
			"(passwords, tokens, personal data): protect it like the traffic itself",
			o->tls_max_bytes ? o->tls_max_bytes : VG_TLS_DATA_DEFAULT);
	}
	if (sensors & VG_SENSOR_SHELL)
		err = vg_presets_shell(p, &ps, (const char *const *)o->shell_paths, o->n_shell_paths);
	return err;
}

int64_t vg_cli_parse_duration_ms(const char *s)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (v == 0 || v > 1000000)
		return -1;
	if (!*end || !strcmp(end, "s"))
		return (int64_t)v * 1000;
	if (!strcmp(end, "ms"))
		return (int64_t)v;
	if (!strcmp(end, "m"))
		return (int64_t)v * 60000;
	if (!strcmp(end, "h"))
		return (int64_t)v * 3600000;
	return -1;
}

/* Block I/O rules see requests at least this slow unless --slow-io-ms says. */
#define DEFAULT_SLOW_IO_NS (10 * 1000000ULL)

struct stream {
	const struct vg_cli_opts *opts;
	struct vg_output out;
	struct vg_engine *engine;	/* NULL: no policies */
	struct vg_detect *detect;	/* NULL: no profiles */
	struct vg_workloads *workloads;	/* NULL: no profiles */
	struct vg_agent *agent;
	struct vg_sched_sampler *sched;	/* NULL: no sched sensor */
	struct vg_metrics_http *http;	/* NULL: no --metrics */
	struct vg_metrics *metrics;
	struct vg_agent_metrics *agent_metrics;
	struct vg_sched_metrics *sched_metrics;
	struct vg_gpu_tracker *gpu;	/* NULL: no GPU sensor */
	struct vg_gpu_metrics *gpu_metrics;
};

static uint64_t boot_ns(void);

static int stream_event(const struct vg_event_view *ev, void *ctx)
{
	struct stream *s = ctx;

	/* a GPU process's last record, while the process table still knows it */
	if (s->gpu && ev->hdr->type == VG_EV_EXIT)
		vg_gpu_on_exit(s->gpu, ev->hdr->task.pid, boot_ns());

	if (s->detect) {
		vg_workloads_on_event(s->workloads, ev);
		vg_detect_on_event(s->detect, ev);
		if (ev->hdr->type == VG_EV_ANOMALY)
			return 0;	/* reported by the detector, scored */
	}
	if (s->engine)
		vg_engine_on_event(s->engine, ev);
	if (s->opts->alerts_only || !vg_cli_filter_match(&s->opts->filter, ev))
		return 0;
	return vg_output_event(&s->out, ev);
}

/* The detector's anomaly: printed, and matched by the policies. */
static void stream_anomaly(const struct vg_event_view *ev, void *ctx)
{
	struct stream *s = ctx;
	struct vg_anomaly_view av = *ev->anomaly_view;
	struct vg_event_view v = *ev;

	av.mode = vg_workloads_on_anomaly(s->workloads, ev);
	v.anomaly_view = &av;
	vg_agent_metrics_on_anomaly(s->agent_metrics, av.profile);
	vg_output_event(&s->out, &v);
	if (s->engine)
		vg_engine_on_event(s->engine, &v);
}

/* A workload moved between learn, audit and enforce. */
static void stream_workload(const struct vg_workload_change *c, void *ctx)
{
	struct stream *s = ctx;

	vg_output_workload(&s->out, c);
}

static void stream_report(const struct vg_engine_report *r, void *ctx)
{
	struct stream *s = ctx;

	vg_agent_metrics_on_report(s->agent_metrics, r);
	vg_output_report(&s->out, r);
}

/* A sched summary: into the pipeline like a kernel record. */
static void stream_sched(struct vg_sched *rec, void *ctx)
{
	struct stream *s = ctx;

	vg_agent_inject(s->agent, rec, sizeof(*rec));
}

/* A gpu summary: into the pipeline like a kernel record. */
static void stream_gpu(struct vg_gpu *rec, void *ctx)
{
	struct stream *s = ctx;

	vg_agent_inject(s->agent, rec, sizeof(*rec));
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int stream_tick(void *ctx)
{
	struct stream *s = ctx;

	vg_sched_tick(s->sched, boot_ns());
	vg_gpu_tick(s->gpu, boot_ns());
	vg_workloads_tick(s->workloads);
	vg_agent_metrics_tick(s->agent_metrics);
	if (!s->engine)
		return vg_output_flush(&s->out);
	if (reload_requested) {
		reload_requested = 0;
		vg_info("SIGHUP: reloading the policies");
		vg_engine_reload(s->engine);
	}
	vg_engine_tick(s->engine);
	return vg_output_flush(&s->out);
}

/* The engine for `vigil run`, its watches added to wl; NULL on failure. */
static struct vg_engine *stream_engine(struct stream *s, struct vg_watchlist *wl, bool *file_all)
{
	const struct vg_cli_opts *o = s->opts;
	struct vg_engine_opts eo = {
		.paths = o->policy_paths,
		.n_paths = o->n_policy_paths,
		.mode = o->policy_mode,
		.self_pid = (uint32_t)getpid(),
		.net_cgroup = o->net_cgroup,
		.xdp_ifaces = o->xdp_ifaces,
		.n_xdp_ifaces = o->n_xdp_ifaces,
		.cg_name = o->action_cgroup,
		.report = stream_report,
		.ctx = s,
	};

	return vg_engine_open(&eo, wl, file_all);
}

static void stream_stats(const struct vg_agent_stats *st, uint64_t real_ns, void *ctx)
{
	struct stream *s = ctx;

	vg_output_stats(&s->out, st, real_ns);
}

static int stream_flush(void *ctx)
{
	struct stream *s = ctx;

	return vg_output_flush(&s->out);
}

static int signal_ready(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return vg_error("cannot create ready file '%s': %s", path, strerror(errno)), -errno;
	close(fd);
	return 0;
}

/* --metrics: bind now, so that a port in use fails before anything loads. */
static int stream_metrics_listen(struct stream *s)
{
	struct vg_metrics_addr a;
	char why[160];

	if (!s->opts->metrics_addr)
		return 0;
	if (vg_metrics_addr_parse(s->opts->metrics_addr, &a, why, sizeof(why)))
		return vg_error("--metrics: %s", why), -EINVAL;
	s->http = vg_metrics_http_listen(&a);
	return s->http ? 0 : -errno;
}

/* --metrics: the registry, its first values, then the server. */
static int stream_metrics_serve(struct stream *s, struct vg_agent *agent)
{
	struct vg_agent_metrics_opts mo = { .bpf_stats = !s->opts->no_bpf_stats };

	if (!s->http)
		return 0;
	s->metrics = vg_metrics_new();
	if (!s->metrics)
		return vg_error("cannot create the metrics registry: %s", strerror(ENOMEM)), -ENOMEM;
	s->agent_metrics = vg_agent_metrics_new(s->metrics, agent, &mo);
	if (!s->agent_metrics)
		return -ENOMEM;
	s->sched_metrics = vg_sched_metrics_new(s->metrics, &agent->sensor, s->sched);
	if (!s->sched_metrics)
		return vg_error("cannot register the scheduler metrics: %s", strerror(errno)), -ENOMEM;
	if (s->gpu) {
		s->gpu_metrics = vg_gpu_metrics_new(s->metrics, s->gpu);
		if (!s->gpu_metrics)
			return vg_error("cannot register the GPU metrics: %s", strerror(errno)), -ENOMEM;
	}
	vg_agent_metrics_collect(s->agent_metrics);
	if (vg_metrics_http_serve(s->http, s->metrics))
		return -EIO;
	vg_info("metrics: serving http://%s/metrics", vg_metrics_http_addr(s->http));
	return 0;
}

/* The server first: it renders the registry from its own thread. */
static void stream_metrics_free(struct stream *s)
{
	vg_metrics_http_free(s->http);
	s->http = NULL;
	vg_agent_metrics_free(s->agent_metrics);
	s->agent_metrics = NULL;
	vg_metrics_free(s->metrics);
	s->metrics = NULL;
	vg_sched_metrics_free(s->sched_metrics);
	s->sched_metrics = NULL;
	vg_gpu_metrics_free(s->gpu_metrics);
	s->gpu_metrics = NULL;
}

/* The driver library for the GPU sensor into path; false (after saying so)
 * when there is none: an error for `trace gpu`, a warning for `run --gpu`. */
static bool stream_gpu_lib(const struct vg_cli_opts *o, char *path, size_t len, int *err)
{
	const char *lib = o->gpu_lib ? o->gpu_lib : VG_GPU_DEFAULT_LIB;
	int e = vg_gpu_find_lib(lib, path, len);

	*err = 0;
	if (!e)
		return true;
	if (o->gpu_required) {
		vg_error("cannot trace GPU driver calls: '%s' %s (no NVIDIA driver here? --lib PATH "
			 "names the library)", lib, e == -ENOENT ? "not found" : strerror(-e));
		*err = e;
	} else {
		vg_warn("--gpu: '%s' %s: GPU driver calls are not traced (--gpu-lib PATH names the "
			"library)", lib, e == -ENOENT ? "not found" : strerror(-e));
	}
	return false;
}

/* Attach the GPU sensor to the library and start its tracker. */
static int stream_gpu_start(struct stream *s, struct vg_agent *agent, struct vg_gpu_probes *gp,
			    const char *path)
{
	const struct vg_cli_opts *o = s->opts;
	struct vg_gpu_opts go = {
		.interval_ns = o->gpu_interval_ns,
		.emit = stream_gpu,
		.ctx = s,
	};
	struct vg_gpu_sensor gs;
	int n;

	vg_sensor_gpu(&agent->sensor, &gs);
	n = vg_gpu_attach(gp, &gs, path);
	if (n < 0 && o->gpu_required)
		return vg_error("cannot probe any CUDA driver function in '%s': %s (is it libcuda?)",
				path, strerror(-n)), n;
	if (n < 0)
		return vg_warn("--gpu: cannot probe any CUDA driver function in '%s': %s: GPU "
			       "driver calls are not traced", path, strerror(-n)), 0;
	s->gpu = vg_gpu_tracker_new(&go, &gs, boot_ns());
	if (!s->gpu)
		return vg_error("cannot track GPU driver calls: %s", strerror(ENOMEM)), -ENOMEM;
	vg_info("gpu: %d CUDA driver functions probed in %s", n, path);
	return 0;
}

int vg_cli_stream(const struct vg_cli_opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct stream s = { .opts = o };
	struct vg_agent agent;
	struct vg_watchlist wl;
	struct vg_uprobes ups;
	struct vg_gpu_probes gps = { 0 };
	char gpu_path[PATH_MAX];
	bool gpu = false;
	struct vg_presets presets;
	bool file_all = o->file_all;
	struct vg_agent_opts ao = {
		.sensor = {
			.backend = o->backend,
			.filter_pid = o->filter.pid,
			.filter_comm = o->filter.comm,
			.self_pid = (uint32_t)getpid(),
			.wakeup_bytes = DEFAULT_WAKEUP_BYTES,
			.sensors = o->sensors,
			.file_all = o->file_all,
			.priv_all_syscalls = o->priv_all_syscalls,
			.flow_update_s = o->flow_interval_s,
			.block_slow_ns = o->block_slow_ns,
			.bpf_cmds = o->bpf_cmds,
			.tls_max_bytes = o->tls_max_bytes,
		},
		.watches = o->watches.n ? &o->watches : NULL,
		.fim = o->fim,
		.stats_interval_s = o->stats_interval_s,
		.on_event = stream_event,
		.on_stats = stream_stats,
		.on_batch = stream_flush,
		.on_tick = stream_tick,
		.ctx = &s,
	};
	int err;

	vg_watchlist_init(&wl);
	vg_uprobes_init(&ups);
	vg_presets_init(&presets);
	err = vg_output_open(&s.out, o->output_path, o->fmt);
	if (err) {
		vg_error("cannot open output '%s': %s", o->output_path, strerror(-err));
		return VG_EXIT_FAIL;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (o->gpu) {
		gpu = stream_gpu_lib(o, gpu_path, sizeof(gpu_path), &err);
		if (err) {
			vg_output_close(&s.out);
			return VG_EXIT_FAIL;
		}
	}
	err = stream_metrics_listen(&s);
	if (!err)
		err = vg_watchlist_copy(&wl, &o->watches, "watch list");
	if (!err && o->policies) {
		s.engine = stream_engine(&s, &wl, &file_all);
		err = s.engine ? 0 : -EINVAL;
	}
	if (err) {
		stream_metrics_free(&s);
		vg_watchlist_release(&wl);
		vg_output_close(&s.out);
		return VG_EXIT_FAIL;
	}
	ao.watches = wl.n ? &wl : NULL;
	ao.sensor.file_all = file_all;
	if (s.engine) {
		unsigned int k = vg_engine_kinds(s.engine), more = 0;

		if (k & (VG_POLICY_KIND_BIT(VG_PK_SCHED) | VG_POLICY_KIND_BIT(VG_PK_OOM)))
			more |= VG_SENSOR_SCHED;
		if (k & VG_POLICY_KIND_BIT(VG_PK_UPROBE))
			more |= VG_SENSOR_UPROBE;
		if (k & VG_POLICY_KIND_BIT(VG_PK_TLS))
			more |= VG_SENSOR_TLS;		/* libssl (--tls-lib PATH) */
		if (k & VG_POLICY_KIND_BIT(VG_PK_SHELL))
			more |= VG_SENSOR_SHELL;	/* bash's readline (--shell-bash PATH) */
		if (k & VG_POLICY_KIND_BIT(VG_PK_BLOCK)) {
			more |= VG_SENSOR_BLOCK;
			if (!ao.sensor.block_slow_ns)
				ao.sensor.block_slow_ns = DEFAULT_SLOW_IO_NS;
		}
		if (k & VG_POLICY_KIND_BIT(VG_PK_BPF))
			more |= VG_SENSOR_BPF;
		if (more)
			ao.sensor.sensors = (ao.sensor.sensors ? ao.sensor.sensors : VG_SENSOR_ALL) | more;
	}
	if (gpu)
		ao.sensor.sensors = (ao.sensor.sensors ? ao.sensor.sensors : VG_SENSOR_ALL) |
				    VG_SENSOR_GPU;
	if (o->profile_dir) {
		struct vg_detect_opts dopt = { .report_score = o->anomaly_score,
					       .report = stream_anomaly, .ctx = &s };

		ao.sensor.sensors = (ao.sensor.sensors ? ao.sensor.sensors : VG_SENSOR_ALL) |
				    VG_SENSOR_PROFILE;
		s.detect = vg_detect_new(&dopt);
		if (!s.detect) {
			stream_metrics_free(&s);
			vg_engine_free(s.engine);
			vg_watchlist_release(&wl);
			vg_output_close(&s.out);
			return VG_EXIT_FAIL;
		}
	}
	err = vg_agent_start(&agent, &ao);
	if (err) {
		stream_metrics_free(&s);
		vg_detect_free(s.detect);
		vg_engine_free(s.engine);
		vg_watchlist_release(&wl);
		vg_output_close(&s.out);
		return VG_EXIT_FAIL;
	}
	s.agent = &agent;
	if (ao.sensor.sensors & VG_SENSOR_SCHED) {
		struct vg_sched_opts so = {
			.interval_ns = o->sched_interval_ns,
			.min_percent = o->sched_min_percent,
			.emit = stream_sched,
			.ctx = &s,
		};
		struct vg_sched_maps sm;

		vg_sensor_sched_maps(&agent.sensor, &sm);
		s.sched = vg_sched_new(&so, &sm);
		if (!s.sched) {
			err = -ENOMEM;
			goto cleanup;
		}
		vg_sched_tick(s.sched, boot_ns());	/* the first interval starts now */
	}
	if (s.engine) {
		err = vg_engine_install(s.engine, &agent);
		if (err) {
			vg_error("cannot put the policies into effect");
			goto cleanup;
		}
	}
	if (s.detect) {
		struct vg_workloads_opts wo = {
			.dir = o->profile_dir,
			.threshold = o->anomaly_threshold,
			.promote_ns = o->promote_ns,
			.budget = o->alarm_budget,
			.budget_ns = o->alarm_budget_ns,
			.on_change = stream_workload,
			.ctx = &s,
		};

		s.workloads = vg_workloads_load(&wo, &agent.sensor, s.detect);
		if (!s.workloads) {
			err = -EINVAL;
			goto cleanup;
		}
		vg_info("profiles: %zu loaded from %s", vg_workloads_count(s.workloads),
			o->profile_dir);
	}
	if (o->n_uprobes) {
		struct vg_up_sensor us;

		vg_sensor_uprobe(&agent.sensor, &us);
		for (size_t i = 0; i < o->n_uprobes; i++) {
			int id = vg_uprobes_attach(&ups, &us, &o->uprobes[i]);

			if (id < 0) {
				err = id;
				goto cleanup;
			}
		}
	}
	if (gpu) {
		err = stream_gpu_start(&s, &agent, &gps, gpu_path);
		if (err)
			goto cleanup;
	}
	if (ao.sensor.sensors & (VG_SENSOR_TLS | VG_SENSOR_SHELL)) {
		err = stream_presets(o, &agent, ao.sensor.sensors, &presets);
		if (err)
			goto cleanup;
	}
	err = stream_metrics_serve(&s, &agent);
	if (err)
		goto cleanup;
	vg_info("ready: sensors attached (%s backend for scheduler hooks, %zu file watches%s)",
		vg_backend_name(agent.sensor.backend), wl.n,
		file_all ? ", every file operation" : "");
	if (o->ready_file && signal_ready(o->ready_file)) {
		err = -EIO;
		goto cleanup;
	}
	err = vg_agent_run(&agent, &stop_requested);
	if (err == -EPIPE)
		err = 0;	/* the reader went away: a normal way to stop */
	else if (err)
		vg_error("event loop failed: %s", strerror(-err));
cleanup:
	if (s.engine)
		vg_engine_tick(s.engine);	/* the last decisions' reports */
	vg_engine_free(s.engine);
	vg_uprobes_release(&ups);
	vg_gpu_detach(&gps);
	vg_gpu_flush(s.gpu, boot_ns());	/* the calls since the last records */
	vg_presets_release(&presets);
	vg_agent_stop(&agent);
	vg_workloads_free(s.workloads);
	vg_detect_free(s.detect);
	vg_watchlist_release(&wl);
	stream_metrics_free(&s);
	vg_sched_free(s.sched);
	vg_gpu_tracker_free(s.gpu);
	vg_output_close(&s.out);
	return err ? VG_EXIT_FAIL : VG_EXIT_OK;
}
