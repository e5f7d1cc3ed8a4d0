// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vigil top - a live per-process table: CPU, syscalls, run-queue p99, block
 * I/O, network and write bytes, anomalies and policy decisions
 * (docs/top.md).  This file is the command: options, the agent with the
 * sensors top needs, the policy engine and detector as `vigil run` runs
 * them, and the loop; top_collect.c takes the samples, top_model.c keeps
 * the table, top_view.c draws it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "agent.h"
#include "cli.h"
#include "cmd.h"
#include "detect.h"
#include "engine.h"
#include "log.h"
#include "policy.h"
#include "sched_sampler.h"
#include "top_collect.h"
#include "top_model.h"
#include "top_view.h"
#include "watch.h"
#include "workload.h"

#define DEFAULT_INTERVAL_MS 1000
#define MIN_INTERVAL_MS 100
#define TICK_MS 100			/* the loop's longest sleep: keys, events */
#define MESSAGE_NS (10 * 1000000000ULL)	/* a logged line stays in the footer this long */
#define LOG_KEEP (64 * 1024)		/* logged while the screen was ours: replayed at exit */

static const char top_usage[] =
	"usage: vigil top [options]\n"
	"\n"
	"A live table of processes: CPU share, syscalls per second, run-queue wait\n"
	"p99, block I/O, network and file-write bytes per second, anomalies and\n"
	"policy decisions.  Keys: c s r i n w a p sort (cpu, syscalls, runq, io, net,\n"
	"writes, anomalies, pid); / filters by comm or exe (Enter keeps, Esc clears);\n"
	"arrows, PgUp/PgDn scroll; q quits.  Counting syscalls hooks every syscall of\n"
	"every process while top runs (docs/top.md: costs).\n"
	"\n"
	"  --interval D        time between samples: 1s (default), 500ms, 2s (>= 100ms)\n"
	"  --sort KEY          cpu (default), syscalls, runq, io, net, writes, anomalies, pid\n"
	"  --filter TEXT       only processes whose comm or exe contains TEXT (any case)\n"
	"  --once              print one sample as text after one interval and exit (also\n"
	"                      when stdout is not a terminal)\n"
	"  --policy PATH       run these policies (file or directory, repeatable) instead\n"
	"                      of the embedded default set; ACT counts their decisions\n"
	"  --no-policy         no policy engine (ACT stays 0)\n"
	"  --profile DIR       detect deviations from the profiles in DIR, as\n"
	"                      `vigil run --profile` (ANOM counts the reports)\n"
	"  --ready-file FILE   create FILE once the sensors are attached\n"
	"  -v, --verbose       more diagnostics (shown in the footer, and after exit)\n"
	"  -h, --help          this help\n";

enum { OPT_INTERVAL = 256, OPT_SORT, OPT_FILTER, OPT_ONCE, OPT_POLICY, OPT_NO_POLICY,
       OPT_PROFILE, OPT_READY };

static const struct option top_options[] = {
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "sort", required_argument, NULL, OPT_SORT },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "no-policy", no_argument, NULL, OPT_NO_POLICY },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "ready-file", required_argument, NULL, OPT_READY },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

struct top_opts {
	uint64_t interval_ns;
	enum vg_top_sort sort;
	const char *filter;
	bool once;
	bool policies;
	char **policy_paths;
	size_t n_policy_paths;
	const char *profile_dir;
	const char *ready_file;
	bool verbose;
};

/* Lines logged while curses has the terminal: stderr goes into a pipe. */
struct log_capture {
	int saved_fd;			/* the real stderr; -1: not capturing */
	int pipe_rd;
	char kept[LOG_KEEP];		/* the latest lines, replayed at exit */
	size_t n_kept;
	char partial[256];		/* a line not ended yet */
	size_t n_partial;
	char last[256];			/* the last whole line */
	uint64_t last_ns;
};

struct top {
	const struct top_opts *o;
	struct vg_agent agent;
	struct vg_engine *engine;	/* NULL: --no-policy */
	struct vg_detect *detect;	/* NULL: no --profile */
	struct vg_workloads *workloads;
	struct vg_top model;
	struct vg_top_collect collect;
	bool collecting;
	uint64_t events;		/* events handled, in total */
	uint64_t events_at_sample;
	double events_per_s;
	struct log_capture log;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = 1;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- the agent's callbacks ------------------------------------------------------- */

static void count_flow(struct top *t, const struct vg_event_view *ev)
{
	const struct vg_flow *f = ev->flow;
	struct vg_top_flow_key k = { .family = f->family, .sport = f->sport, .dport = f->dport };
	uint32_t pid = f->flags & VG_FLOW_OWNER_UNKNOWN ? 0 : ev->hdr->task.pid;

	memcpy(k.saddr, f->saddr, sizeof(k.saddr));
	memcpy(k.daddr, f->daddr, sizeof(k.daddr));
	vg_top_flow(&t->model, pid, &k, f->bytes_sent + f->bytes_received,
		    f->close != VG_FLOW_OPEN);
}

static int top_event(const struct vg_event_view *ev, void *ctx)
{
	struct top *t = ctx;

	t->events++;
	if (t->detect) {
		vg_workloads_on_event(t->workloads, ev);
		vg_detect_on_event(t->detect, ev);
		if (ev->hdr->type == VG_EV_ANOMALY)
			return 0;	/* counted when the detector reports it */
	}
	if (t->engine)
		vg_engine_on_event(t->engine, ev);
	if (!t->collecting)
		return 0;
	if (ev->hdr->type == VG_EV_FLOW)
		count_flow(t, ev);
	else if (ev->hdr->type == VG_EV_EXIT)
		vg_top_exit(&t->model, ev->hdr->task.pid);
	return 0;
}

/* The detector's anomaly: counted, and matched by the policies. */
static void top_anomaly(const struct vg_event_view *ev, void *ctx)
{
	struct top *t = ctx;
	struct vg_anomaly_view av = *ev->anomaly_view;
	struct vg_event_view v = *ev;

	av.mode = vg_workloads_on_anomaly(t->workloads, ev);
	v.anomaly_view = &av;
	vg_top_anomaly(&t->model, ev->hdr->task.pid, ev->hdr->task.comm, ev->proc.exe);
	if (t->engine)
		vg_engine_on_event(t->engine, &v);
}

static void top_report(const struct vg_engine_report *r, void *ctx)
{
	struct top *t = ctx;
	const char *comm = r->ev ? r->ev->proc.task->comm : NULL;
	const char *exe = r->ev ? r->ev->proc.exe : r->exe;

	vg_top_action(&t->model, r->pid, comm, exe);
}

/* A sched summary for the policies: into the pipeline like a kernel record. */
static void top_sched(struct vg_sched *rec, void *ctx)
{
	struct top *t = ctx;

	vg_agent_inject(&t->agent, rec, sizeof(*rec));
}

static void top_workload(const struct vg_workload_change *c, void *ctx)
{
	vg_warn("workload '%s' moved from %s to %s: %s", c->profile, c->from, c->to, c->reason);
}

static int top_tick(void *ctx)
{
	struct top *t = ctx;

	vg_workloads_tick(t->workloads);
	if (t->engine)
		vg_engine_tick(t->engine);
	return 0;
}

/* ---- stderr while the screen is ours ----------------------------------------------- */

static int log_capture_start(struct log_capture *l)
{
	int p[2];

	l->saved_fd = -1;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	fflush(stderr);
	l->saved_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (l->saved_fd < 0 || dup2(p[1], STDERR_FILENO) < 0) {
		if (l->saved_fd >= 0)
			close(l->saved_fd);
		l->saved_fd = -1;
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	close(p[1]);
	l->pipe_rd = p[0];
	return 0;
}

static void log_keep(struct log_capture *l, const char *s, size_t n)
{
	if (n > sizeof(l->kept))
		return;
	if (l->n_kept + n > sizeof(l->kept)) {
		size_t drop = l->n_kept + n - sizeof(l->kept);

		memmove(l->kept, l->kept + drop, l->n_kept - drop);
		l->n_kept -= drop;
	}
	memcpy(l->kept + l->n_kept, s, n);
	l->n_kept += n;
}

/* Read what was logged; the last whole line becomes the footer message. */
static void log_capture_drain(struct log_capture *l, uint64_t now_ns)
{
	char buf[4096];
	ssize_t n;

	if (l->saved_fd < 0)
		return;
	while ((n = read(l->pipe_rd, buf, sizeof(buf))) > 0) {
		log_keep(l, buf, (size_t)n);
		for (ssize_t i = 0; i < n; i++) {
			char c = buf[i];

			if (c == '\n') {
				l->partial[l->n_partial] = '\0';
				snprintf(l->last, sizeof(l->last), "%s", l->partial);
				l->last_ns = now_ns;
				l->n_partial = 0;
			} else if (l->n_partial + 1 < sizeof(l->partial)) {
				l->partial[l->n_partial++] = c >= 0x20 && c < 0x7f ? c : '?';
			}
		}
	}
}

static void log_capture_stop(struct log_capture *l)
{
	if (l->saved_fd < 0)
		return;
	log_capture_drain(l, 0);
	fflush(stderr);
	dup2(l->saved_fd, STDERR_FILENO);
	close(l->saved_fd);
	close(l->pipe_rd);
	l->saved_fd = -1;
	if (l->n_kept && write(STDERR_FILENO, l->kept, l->n_kept) < 0)
		return;		/* nowhere to say it */
}

/* ---- setup -------------------------------------------------------------------------- */

static struct vg_engine *top_engine(struct top *t, struct vg_watchlist *wl, bool *file_all)
{
	struct vg_engine_opts eo = {
		.paths = t->o->policy_paths,
		.n_paths = t->o->n_policy_paths,
		.mode = -1,
		.self_pid = (uint32_t)getpid(),
		.report = top_report,
		.ctx = t,
	};

	return vg_engine_open(&eo, wl, file_all);
}

/* The sensors: what the columns need, and what policies and profiles need. */
static unsigned int top_sensors(const struct top *t, uint64_t *block_slow_ns)
{
	unsigned int s = VG_SENSOR_PROCESS | VG_SENSOR_NET | VG_SENSOR_SCHED | VG_SENSOR_BLOCK |
			 VG_SENSOR_SYSCOUNT;

	*block_slow_ns = 0;
	if (t->engine) {
		s |= VG_SENSOR_ALL;
		if (vg_engine_kinds(t->engine) & VG_POLICY_KIND_BIT(VG_PK_UPROBE))
			s |= VG_SENSOR_UPROBE;
		if (vg_engine_kinds(t->engine) & VG_POLICY_KIND_BIT(VG_PK_BLOCK))
			*block_slow_ns = 10 * 1000000ULL;	/* as `vigil run` */
		if (vg_engine_kinds(t->engine) & VG_POLICY_KIND_BIT(VG_PK_BPF))
			s |= VG_SENSOR_BPF;			/* as `vigil run` */
	}
	if (t->detect)
		s |= VG_SENSOR_ALL | VG_SENSOR_PROFILE;
	return s;
}

static int signal_ready(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return vg_error("cannot create ready file '%s': %s", path, strerror(errno)), -errno;
	close(fd);
	return 0;
}

/* ---- the loop ----------------------------------------------------------------------- */

static void fill_status(struct top *t, struct vg_top_status *st, char *clock, size_t len)
{
	struct vg_agent_stats as;
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(clock, len, "%H:%M:%S", &tm);
	memset(st, 0, sizeof(*st));
	st->clock = clock;
	st->interval_ns = t->o->interval_ns;
	st->events_per_s = t->events_per_s;
	if (!vg_agent_read_stats(&t->agent, &as))
		st->lost = vg_agent_stats_lost(&as);
	st->lost += t->collect.sysc_missed;
	st->sort = t->o->sort;
	st->filter = t->o->filter;
	st->shown = t->model.n;
	st->total = t->model.n;
}

/* A sample: flows' running totals first, so the interval has its bytes. */
static int take_sample(struct top *t)
{
	uint64_t now;
	int err = vg_sensor_flow_update(&t->agent.sensor);

	if (err)
		vg_warn("flow updates: cannot run the iterator: %s", strerror(-err));
	err = vg_agent_poll(&t->agent, 0);
	if (err < 0)
		return err;
	now = boot_ns();
	err = vg_top_collect_sample(&t->collect, now);
	if (err)
		vg_warn("cannot list processes: %s", strerror(-err));
	t->events_per_s = t->model.interval_ns ?
			  (double)(t->events - t->events_at_sample) * 1e9 /
			  (double)t->model.interval_ns : 0.0;
	t->events_at_sample = t->events;
	return 0;
}

/* Handle events (and keys, when fd_in >= 0) until deadline_ns. */
static int wait_until(struct top *t, uint64_t deadline_ns, int fd_in)
{
	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = ring_buffer__epoll_fd(t->agent.rb), .events = POLLIN },
			{ .fd = fd_in, .events = POLLIN },
		};
		uint64_t now = boot_ns();
		int ms, n, err;

		if (now >= deadline_ns || stop_requested)
			return 0;
		ms = (int)((deadline_ns - now + 999999) / 1000000);
		if (ms > TICK_MS)
			ms = TICK_MS;
		n = poll(fds, fd_in >= 0 ? 2 : 1, ms);
		if (n < 0 && errno != EINTR)
			return -errno;
		err = vg_agent_poll(&t->agent, 0);
		if (err < 0)
			return err;
		if (n < 0 && fd_in >= 0)
			return 1;	/* a signal: SIGWINCH makes a KEY_RESIZE */
		if (fd_in >= 0 && (fds[1].revents & (POLLHUP | POLLERR)))
			return -EPIPE;	/* the terminal went away */
		if (fd_in >= 0 && (fds[1].revents & POLLIN))
			return 1;	/* a key */
	}
}

static int print_once(struct top *t)
{
	struct vg_top_opts vo = { .sort = t->o->sort, .filter = t->o->filter };
	struct vg_top_status st;
	struct winsize ws;
	char clock[16], *line;
	int width = 80;

	if (isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col)
		width = ws.ws_col;
	line = malloc((size_t)width * 4 + 1);
	if (!line || vg_top_view(&t->model, &vo)) {
		free(line);
		return -ENOMEM;
	}
	fill_status(t, &st, clock, sizeof(clock));
	st.shown = t->model.n_view;
	vg_top_fmt_status(line, width, &st);
	printf("%s\n", line);
	vg_top_fmt_header(line, width, t->o->sort, NULL, NULL);
	printf("%s\n", line);
	for (size_t i = 0; i < t->model.n_view; i++) {
		vg_top_fmt_row(line, width, t->model.view[i], false);
		printf("%s\n", line);
	}
	free(line);
	return fflush(stdout) ? -errno : 0;
}

static int run_once(struct top *t)
{
	int err = wait_until(t, boot_ns() + t->o->interval_ns, -1);

	if (err < 0 || stop_requested)
		return err;
	err = take_sample(t);
	return err ? err : print_once(t);
}

static int run_screen(struct top *t)
{
	struct vg_top_ui ui;
	struct vg_top_status st;
	char clock[16];
	uint64_t next = boot_ns() + t->o->interval_ns;
	bool draw = true;
	int err = 0;

	vg_top_ui_init(&ui, t->o->sort, t->o->filter);
	if (log_capture_start(&t->log))
		vg_warn("cannot capture messages: they may garble the screen");
	if (vg_top_ui_start(&ui)) {
		log_capture_stop(&t->log);
		return vg_error("cannot use the terminal (TERM='%s')", getenv("TERM") ?: ""), -ENOTTY;
	}
	while (!stop_requested) {
		uint64_t now = boot_ns();
		enum vg_top_key_result k;

		if (now >= next) {
			err = take_sample(t);
			if (err < 0)
				break;
			now = boot_ns();
			next += t->o->interval_ns;
			if (next <= now)	/* fell behind (suspended): start afresh */
				next = now + t->o->interval_ns;
			draw = true;
		}
		log_capture_drain(&t->log, now);
		k = vg_top_ui_read_keys(&ui);
		if (k == VG_TOP_KEY_QUIT)
			break;
		if (k == VG_TOP_KEY_REDRAW)
			draw = true;
		if (draw) {
			bool msg = t->log.last[0] && now - t->log.last_ns < MESSAGE_NS;

			snprintf(ui.message, sizeof(ui.message), "%s", msg ? t->log.last : "");
			fill_status(t, &st, clock, sizeof(clock));
			vg_top_ui_draw(&ui, &t->model, &st);
			draw = false;
		}
		err = wait_until(t, next, STDIN_FILENO);
		if (err < 0)
			break;
		err = 0;
	}
	vg_top_ui_stop(&ui);
	log_capture_stop(&t->log);
	return err;
}

static int top_run(const struct top_opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct top t = { .o = o, .log = { .saved_fd = -1 } };
	struct vg_watchlist wl;
	bool file_all = false;
	struct vg_agent_opts ao = {
		.sensor = {
			.self_pid = (uint32_t)getpid(),
			.wakeup_bytes = 256 * 1024,
			.flow_update_s = 1,	/* the age for updates; top runs them at each sample */
		},
		.on_event = top_event,
		.on_tick = top_tick,
		.ctx = &t,
	};
	struct vg_sched_maps maps;
	vg_sched_fn emit = NULL;
	bool agent_started = false;
	int err = 0;

	vg_top_init(&t.model);
	vg_watchlist_init(&wl);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (o->policies) {
		t.engine = top_engine(&t, &wl, &file_all);
		if (!t.engine) {
			err = -EINVAL;
			goto cleanup;
		}
	}
	if (o->profile_dir) {
		struct vg_detect_opts dopt = { .report = top_anomaly, .ctx = &t };

		t.detect = vg_detect_new(&dopt);
		if (!t.detect) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	ao.sensor.sensors = top_sensors(&t, &ao.sensor.block_slow_ns);
	ao.sensor.file_all = file_all;
	ao.watches = wl.n ? &wl : NULL;
	err = vg_agent_start(&t.agent, &ao);
	if (err)
		goto cleanup;
	agent_started = true;
	/* top runs the flow iterator itself, right before each sample */
	t.agent.opts.sensor.flow_update_s = 0;
	if (t.engine) {
		err = vg_engine_install(t.engine, &t.agent);
		if (err) {
			vg_error("cannot put the policies into effect");
			goto cleanup;
		}
	}
	if (t.detect) {
		struct vg_workloads_opts wo = { .dir = o->profile_dir, .on_change = top_workload,
						.ctx = &t };

		t.workloads = vg_workloads_load(&wo, &t.agent.sensor, t.detect);
		if (!t.workloads) {
			err = -EINVAL;
			goto cleanup;
		}
	}
	vg_sensor_sched_maps(&t.agent.sensor, &maps);
	/* policies of kind sched see the sampler's records, as in `vigil run` */
	if (t.engine && (vg_engine_kinds(t.engine) & (VG_POLICY_KIND_BIT(VG_PK_SCHED) |
						      VG_POLICY_KIND_BIT(VG_PK_OOM))))
		emit = top_sched;
	err = vg_top_collect_init(&t.collect, &t.model, &maps, t.agent.procs, "/proc", emit, &t,
				  boot_ns());
	if (err) {
		vg_error("cannot take the first sample: %s", strerror(-err));
		goto cleanup;
	}
	t.collecting = true;
	if (o->ready_file && signal_ready(o->ready_file)) {
		err = -EIO;
		goto cleanup;
	}
	err = o->once ? run_once(&t) : run_screen(&t);
	vg_debug("top: %u samples, %llu /proc files read, %llu syscalls not counted",
		 t.model.samples, (unsigned long long)t.collect.proc_reads,
		 (unsigned long long)t.collect.sysc_missed);
	if (err == -EPIPE)
		err = 0;	/* the terminal went away: a normal way to stop */
	else if (err < 0 && err != -ENOTTY)	/* (ENOTTY: said already) */
		vg_error("vigil top failed: %s", strerror(-err));
cleanup:
	if (t.engine && agent_started)
		vg_engine_tick(t.engine);	/* the last decisions */
	vg_engine_free(t.engine);
	if (agent_started)
		vg_agent_stop(&t.agent);
	vg_top_collect_release(&t.collect);
	vg_workloads_free(t.workloads);
	vg_detect_free(t.detect);
	vg_top_release(&t.model);
	vg_watchlist_release(&wl);
	return err ? VG_EXIT_FAIL : VG_EXIT_OK;
}

int cmd_top(int argc, char **argv)
{
	struct top_opts o = { .interval_ns = DEFAULT_INTERVAL_MS * 1000000ULL,
			      .sort = VG_TOP_SORT_CPU, .policies = true };
	bool no_policy = false;
	int c, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh", top_options, NULL)) != -1) {
		switch (c) {
		case OPT_INTERVAL: {
			int64_t ms = vg_cli_parse_duration_ms(optarg);

			if (ms < MIN_INTERVAL_MS) {
				ret = vg_cli_usage_error(top_usage, "--interval: '%s' is not a duration "
							 "of 100ms or more (500ms, 1s, 2s)", optarg);
				goto out;
			}
			o.interval_ns = (uint64_t)ms * 1000000ULL;
			break;
		}
		case OPT_SORT: {
			int s = vg_top_sort_parse(optarg);

			if (s < 0) {
				ret = vg_cli_usage_error(top_usage, "--sort: unknown key '%s' (cpu, "
							 "syscalls, runq, io, net, writes, anomalies, "
							 "pid)", optarg);
				goto out;
			}
			o.sort = (enum vg_top_sort)s;
			break;
		}
		case OPT_FILTER:
			if (strlen(optarg) >= VG_TOP_FILTER_MAX) {
				ret = vg_cli_usage_error(top_usage, "--filter: longer than %d bytes",
							 VG_TOP_FILTER_MAX - 1);
				goto out;
			}
			o.filter = optarg;
			break;
		case OPT_ONCE:
			o.once = true;
			break;
		case OPT_POLICY:
			if (vg_cli_push(&o.policy_paths, &o.n_policy_paths, optarg)) {
				ret = VG_EXIT_FAIL;
				goto out;
			}
			break;
		case OPT_NO_POLICY:
			no_policy = true;
			o.policies = false;
			break;
		case OPT_PROFILE:
			o.profile_dir = optarg;
			break;
		case OPT_READY:
			o.ready_file = optarg;
			break;
		case 'v':
			o.verbose = true;
			vg_log_more_verbose();
			break;
		case 'h':
			fputs(top_usage, stdout);
			ret = VG_EXIT_OK;
			goto out;
		case ':':
			ret = vg_cli_usage_error(top_usage, "option '%s' needs a value",
						 argv[optind - 1]);
			goto out;
		default:
			ret = vg_cli_usage_error(top_usage, "unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	if (optind < argc) {
		ret = vg_cli_usage_error(top_usage, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (no_policy && o.n_policy_paths) {
		ret = vg_cli_usage_error(top_usage, "--no-policy with --policy");
		goto out;
	}
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))
		o.once = true;
	if (!o.verbose)
		vg_log_set_level(VG_LOG_WARN);	/* the screen says what info lines would */
	ret = top_run(&o);
out:
	free(o.policy_paths);
	return ret;
}
