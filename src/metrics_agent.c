// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * metrics_agent.c - the collectors of `vigil run --metrics`.  See
 * metrics_agent.h; every metric is listed in docs/metrics.md.
 *
 * The hot path is untouched: the agent already counts events and losses in
 * plain integers and per-CPU maps, the kernel counts program runs, XDP and
 * connection-control rules count in their pinned maps.  When a scrape asks
 * (vg_metrics_wanted), the collectors copy those counts into the registry,
 * on the agent's thread, between two polls: nothing is collected while
 * nobody scrapes.  Only policy decisions
 * and anomalies (rare, and not counted anywhere else) are counted here as
 * they are reported.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent.h"
#include "clock.h"
#include "engine.h"
#include "log.h"
#include "metrics.h"
#include "metrics_agent.h"
#include "netctl.h"
#include "xdp.h"
#include "vigil.skel.h"

struct vg_agent_metrics {
	struct vg_metrics *reg;
	struct vg_agent *agent;
	int stats_fd;			/* bpf_enable_stats(); -1: off */
	double start_time_s;		/* realtime, for vigil_process_start_time_seconds */
	struct vg_metric *build_info;
	struct vg_metric *events, *lost, *file_filtered, *procs, *procs_evicted;
	struct vg_metric *policy_matches, *anomalies;
	struct vg_metric *bpf_stats_on, *prog_runs, *prog_seconds;
	struct vg_metric *xdp_packets, *xdp_bytes, *xdp_dropped, *xdp_passed, *xdp_info,
		*xdp_frames;
	struct vg_metric *net_denials, *net_info, *net_lost;
	struct vg_metric *cpu, *rss, *vsize, *fds, *start_time;
	struct vg_metric *collect_seconds;
};

/* ---- events and losses ---------------------------------------------------- */

static void collect_events(struct vg_metrics *reg, void *ctx)
{
	struct vg_agent_metrics *am = ctx;
	struct vg_agent_stats st;
	const char *v[1];

	if (vg_agent_read_stats(am->agent, &st))
		return;
	for (int t = 1; t < VG_EV_TYPE_MAX; t++) {
		v[0] = vg_event_kind((uint16_t)t);
		if (v[0])
			vg_metrics_set(am->events, v, (double)st.received[t]);
	}
	for (int r = 0; r < VG_LOSS_MAX; r++) {
		v[0] = vg_loss_reason_name((enum vg_loss_reason)r);
		vg_metrics_set(am->lost, v, (double)st.kernel.lost[r]);
	}
	v[0] = "decode";
	vg_metrics_set(am->lost, v, (double)st.decode_errors);
	vg_metrics_set(am->file_filtered, NULL, (double)st.file_filtered);
	vg_metrics_set(am->procs, NULL, (double)st.procs.entries);
	vg_metrics_set(am->procs_evicted, NULL, (double)st.procs.evicted);
}

/* ---- BPF programs ---------------------------------------------------------- */

static void prog_stats(struct vg_agent_metrics *am, int fd, const char *name)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	const char *v[] = { name };

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return;
	vg_metrics_set(am->prog_runs, v, (double)info.run_cnt);
	vg_metrics_set(am->prog_seconds, v, (double)info.run_time_ns / 1e9);
}

static void collect_programs(struct vg_metrics *reg, void *ctx)
{
	struct vg_agent_metrics *am = ctx;
	struct bpf_program *prog;

	vg_metrics_set(am->bpf_stats_on, NULL, am->stats_fd >= 0);
	/* rebuilt each time: collect_xdp adds the XDP filters, which come and go */
	vg_metrics_clear(am->prog_runs);
	vg_metrics_clear(am->prog_seconds);
	if (!am->agent->sensor.skel)
		return;
	bpf_object__for_each_program(prog, am->agent->sensor.skel->obj) {
		int fd = bpf_program__fd(prog);

		if (fd >= 0)	/* loaded */
			prog_stats(am, fd, bpf_program__name(prog));
	}
}

/* ---- XDP ---------------------------------------------------------------- */

static int xdp_one(struct vg_xdp *x, void *ctx)
{
	struct vg_agent_metrics *am = ctx;
	uint64_t stats[VG_XDP_STAT_MAX];
	struct bpf_link_info li = {};
	__u32 len = sizeof(li);
	char id[16], desc[160], prog[IF_NAMESIZE + 8];

	for (uint32_t r = 1; r <= VG_XDP_RULES_MAX; r++) {
		struct vg_xdp_counter c;
		struct vg_xdp_rule rule;
		const char *v[] = { x->ifname, id, NULL, NULL };

		if (vg_xdp_rule_get(x, r, &rule, &c))
			continue;
		snprintf(id, sizeof(id), "%u", r);
		vg_metrics_set(am->xdp_packets, v, (double)c.packets);
		vg_metrics_set(am->xdp_bytes, v, (double)c.bytes);
		vg_metrics_set(am->xdp_dropped, v, (double)c.dropped);
		vg_metrics_set(am->xdp_passed, v, (double)c.passed);
		vg_xdp_rule_str(&rule, desc, sizeof(desc));
		v[2] = vg_xdp_action_name(rule.action);
		v[3] = desc;
		vg_metrics_set(am->xdp_info, v, 1);
	}
	if (!vg_xdp_stats_read(x, stats))
		for (int s = 0; s < VG_XDP_STAT_MAX; s++) {
			const char *v[] = { x->ifname, vg_xdp_stat_name((enum vg_xdp_stat)s) };

			vg_metrics_set(am->xdp_frames, v, (double)stats[s]);
		}
	/* the filter's program, by its link */
	if (!bpf_obj_get_info_by_fd(x->link_fd, &li, &len) && li.prog_id) {
		int fd = bpf_prog_get_fd_by_id(li.prog_id);

		if (fd >= 0) {
			snprintf(prog, sizeof(prog), "xdp:%s", x->ifname);
			prog_stats(am, fd, prog);
			close(fd);
		}
	}
	return 0;
}

static void collect_xdp(struct vg_metrics *reg, void *ctx)
{
	struct vg_agent_metrics *am = ctx;

	/* rules and filters come and go: rebuilt each time */
	vg_metrics_clear(am->xdp_packets);
	vg_metrics_clear(am->xdp_bytes);
	vg_metrics_clear(am->xdp_dropped);
	vg_metrics_clear(am->xdp_passed);
	vg_metrics_clear(am->xdp_info);
	vg_metrics_clear(am->xdp_frames);
	vg_xdp_foreach_unlocked(xdp_one, am);
}

/* ---- connection control ------------------------------------------------------ */

static void net_rule_str(const struct vg_netctl_rule *r, char *buf, size_t len)
{
	char cidr[64], port[8], hooks[64] = "";
	size_t off = 0;

	for (int h = 1; h < VG_NETCTL_HOOK_MAX; h++)
		if (r->hooks & VG_NETCTL_HOOK_BIT(h))
			off += (size_t)snprintf(hooks + off, sizeof(hooks) - off, "%s%s",
						off ? "," : "", vg_netctl_hook_name(h));
	if (r->port)
		snprintf(port, sizeof(port), "%u", r->port);
	else
		snprintf(port, sizeof(port), "any");
	snprintf(buf, len, "%s port %s proto %s hooks %s cgroup %llu",
		 vg_netctl_cidr_str(r, cidr, sizeof(cidr)), port, vg_netctl_proto_name(r->proto),
		 hooks, (unsigned long long)r->scope);
}

static void net_set(struct vg_agent_metrics *am, const char *set, const char *dir)
{
	struct vg_netctl_rule *rules = NULL;
	struct vg_netctl nc;
	char id[16], desc[256];
	const char *v[] = { set, id, desc };
	size_t n = 0;

	if (vg_netctl_open_unlocked(&nc, dir))
		return;		/* nothing pinned */
	if (!vg_netctl_list(&nc, &rules, &n)) {
		for (size_t i = 0; i < n; i++) {
			snprintf(id, sizeof(id), "%u", rules[i].id);
			vg_metrics_set(am->net_denials, v, (double)rules[i].hits);
			net_rule_str(&rules[i], desc, sizeof(desc));
			vg_metrics_set(am->net_info, v, 1);
		}
	}
	vg_metrics_set(am->net_lost, v, (double)vg_netctl_lost(&nc));
	free(rules);
	vg_netctl_close(&nc);
}

static void collect_netctl(struct vg_metrics *reg, void *ctx)
{
	struct vg_agent_metrics *am = ctx;
	char dir[PATH_MAX];

	vg_metrics_clear(am->net_denials);
	vg_metrics_clear(am->net_info);
	vg_metrics_clear(am->net_lost);
	net_set(am, "net", vg_netctl_dir());
	/* the policy engine's rule set (engine_kernel.c, net_dir()) */
	snprintf(dir, sizeof(dir), "%s-policy", vg_netctl_dir());
	net_set(am, "policy", dir);
}

/* ---- vigil itself ----------------------------------------------------------- */

static void collect_process(struct vg_metrics *reg, void *ctx)
{
	struct vg_agent_metrics *am = ctx;
	unsigned long long size, resident;
	long page = sysconf(_SC_PAGESIZE);
	struct rusage ru;
	struct dirent *de;
	FILE *f;
	DIR *d;
	int n = 0;

	if (!getrusage(RUSAGE_SELF, &ru))
		vg_metrics_set(am->cpu, NULL,
			       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	f = fopen("/proc/self/statm", "re");
	if (f) {
		if (fscanf(f, "%llu %llu", &size, &resident) == 2) {
			vg_metrics_set(am->rss, NULL, (double)resident * (double)page);
			vg_metrics_set(am->vsize, NULL, (double)size * (double)page);
		}
		fclose(f);
	}
	d = opendir("/proc/self/fd");
	if (d) {
		while ((de = readdir(d)))
			n += de->d_name[0] != '.';
		closedir(d);
		vg_metrics_set(am->fds, NULL, n - 1);	/* not the one reading the directory */
	}
	if (am->start_time_s > 0)
		vg_metrics_set(am->start_time, NULL, am->start_time_s);
}

/* When this process started, in seconds since the epoch (0: unknown). */
static double process_start_time(void)
{
	unsigned long long start_ticks = 0, btime = 0;
	char line[1024], *p;
	FILE *f;
	int field;

	f = fopen("/proc/self/stat", "re");
	if (!f)
		return 0;
	p = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
	fclose(f);
	/* after "pid (comm)": field 3 is the state; starttime is field 22 */
	for (field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start_ticks) != 1)
		return 0;
	f = fopen("/proc/stat", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %llu", &btime) == 1)
			break;
	fclose(f);
	if (!btime)
		return 0;
	return (double)btime + (double)start_ticks / (double)sysconf(_SC_CLK_TCK);
}

/* ---- decisions ----------------------------------------------------------------- */

void vg_agent_metrics_on_report(struct vg_agent_metrics *am, const struct vg_engine_report *r)
{
	const char *v[] = { r->policy, r->rule, r->action, r->mode };

	if (am)	/* a packet rule's report stands for that many packets */
		vg_metrics_add(am->policy_matches, v, r->count ? (double)r->count : 1);
}

void vg_agent_metrics_on_anomaly(struct vg_agent_metrics *am, const char *profile)
{
	const char *v[] = { profile };

	if (am)
		vg_metrics_add(am->anomalies, v, 1);
}

/* ---- lifecycle ---------------------------------------------------------------- */

static bool register_all(struct vg_agent_metrics *am)
{
	struct vg_metrics *reg = am->reg;

	am->build_info = vg_metrics_gauge(reg, "vigil_build_info",
		"Always 1; the version of the running vigil.", "version");
	am->events = vg_metrics_counter(reg, "vigil_events_total",
		"Event records that reached user space, by kind.", "kind");
	am->lost = vg_metrics_counter(reg, "vigil_events_lost_total",
		"Events, or parts of events, lost, by reason (kernel counters; decode: "
		"records user space rejected).", "reason");
	am->file_filtered = vg_metrics_counter(reg, "vigil_file_events_filtered_total",
		"File records dropped in user space: their normalised path matched no watch.", "");
	am->procs = vg_metrics_gauge(reg, "vigil_proctable_entries",
		"Processes in vigil's process table.", "");
	am->procs_evicted = vg_metrics_counter(reg, "vigil_proctable_evictions_total",
		"Processes evicted from the full process table.", "");
	am->policy_matches = vg_metrics_counter(reg, "vigil_policy_matches_total",
		"Policy decisions reported, by policy, rule, what was done (action; none when "
		"nothing) and mode; a packet rule counts its packets.", "policy,rule,action,mode");
	am->anomalies = vg_metrics_counter(reg, "vigil_anomalies_total",
		"Anomalies reported by the detector, by profile (workload).", "profile");
	am->bpf_stats_on = vg_metrics_gauge(reg, "vigil_bpf_stats_enabled",
		"1 when vigil holds the kernel's BPF run-time statistics on.", "");
	am->prog_runs = vg_metrics_counter(reg, "vigil_bpf_program_runs_total",
		"Runs of each of vigil's BPF programs while statistics were on.", "program");
	am->prog_seconds = vg_metrics_counter(reg, "vigil_bpf_program_run_seconds_total",
		"Time spent in each of vigil's BPF programs while statistics were on.", "program");
	am->xdp_packets = vg_metrics_counter(reg, "vigil_xdp_rule_packets_total",
		"Packets that matched an XDP rule.", "interface,rule");
	am->xdp_bytes = vg_metrics_counter(reg, "vigil_xdp_rule_bytes_total",
		"Frame bytes of the packets that matched an XDP rule.", "interface,rule");
	am->xdp_dropped = vg_metrics_counter(reg, "vigil_xdp_rule_dropped_packets_total",
		"Packets an XDP rule dropped.", "interface,rule");
	am->xdp_passed = vg_metrics_counter(reg, "vigil_xdp_rule_passed_packets_total",
		"Packets a rate-limit XDP rule let through.", "interface,rule");
	am->xdp_info = vg_metrics_gauge(reg, "vigil_xdp_rule_info",
		"Always 1; what an XDP rule matches.", "interface,rule,action,match");
	am->xdp_frames = vg_metrics_counter(reg, "vigil_xdp_frames_total",
		"Frames seen by an XDP filter, by outcome (seen: every frame).", "interface,reason");
	am->net_denials = vg_metrics_counter(reg, "vigil_netctl_rule_denials_total",
		"Connections, sends and binds a connection-control rule denied (set: net for "
		"`vigil net`, policy for the policy engine).", "set,rule");
	am->net_info = vg_metrics_gauge(reg, "vigil_netctl_rule_info",
		"Always 1; what a connection-control rule matches.", "set,rule,match");
	am->net_lost = vg_metrics_counter(reg, "vigil_netctl_events_lost_total",
		"Denial events of a connection-control rule set lost (ring buffer full).", "set");
	am->cpu = vg_metrics_counter(reg, "vigil_process_cpu_seconds_total",
		"CPU time of the vigil process, user and system.", "");
	am->rss = vg_metrics_gauge(reg, "vigil_process_resident_memory_bytes",
		"Resident memory of the vigil process.", "");
	am->vsize = vg_metrics_gauge(reg, "vigil_process_virtual_memory_bytes",
		"Virtual memory of the vigil process.", "");
	am->fds = vg_metrics_gauge(reg, "vigil_process_open_fds",
		"Open file descriptors of the vigil process.", "");
	am->start_time = vg_metrics_gauge(reg, "vigil_process_start_time_seconds",
		"When the vigil process started, in seconds since the epoch.", "");
	am->collect_seconds = vg_metrics_gauge(reg, "vigil_metrics_collect_duration_seconds",
		"How long the last collection of these metrics took.", "");
	return am->build_info && am->events && am->lost && am->file_filtered && am->procs &&
	       am->procs_evicted && am->policy_matches && am->anomalies && am->bpf_stats_on &&
	       am->prog_runs && am->prog_seconds && am->xdp_packets && am->xdp_bytes &&
	       am->xdp_dropped && am->xdp_passed && am->xdp_info && am->xdp_frames &&
	       am->net_denials && am->net_info && am->net_lost && am->cpu && am->rss &&
	       am->vsize && am->fds && am->start_time && am->collect_seconds;
}

struct vg_agent_metrics *vg_agent_metrics_new(struct vg_metrics *reg, struct vg_agent *agent,
					      const struct vg_agent_metrics_opts *o)
{
	struct vg_agent_metrics *am = calloc(1, sizeof(*am));
	const char *version[] = { VIGIL_VERSION };

	if (!am)
		return NULL;
	am->reg = reg;
	am->agent = agent;
	am->stats_fd = -1;
	if (!register_all(am)) {
		vg_error("cannot register the metrics: %s", strerror(errno));
		free(am);
		return NULL;
	}
	vg_metrics_set(am->build_info, version, 1);
	am->start_time_s = process_start_time();
	if (o->bpf_stats) {
		/* on while the fd is open; the kernel counts for everyone meanwhile */
		am->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (am->stats_fd < 0)
			vg_warn("cannot turn on BPF run-time statistics: %s "
				"(vigil_bpf_program_* stay 0 unless kernel.bpf_stats_enabled=1)",
				strerror(errno));
	}
	/* Collectors run in this order at each collection.  More collectors
	 * (a new sensor's histograms: metrics.h) are registered here. */
	if (vg_metrics_add_collector(reg, collect_events, am) ||
	    vg_metrics_add_collector(reg, collect_programs, am) ||
	    vg_metrics_add_collector(reg, collect_xdp, am) ||	/* after collect_programs */
	    vg_metrics_add_collector(reg, collect_netctl, am) ||
	    vg_metrics_add_collector(reg, collect_process, am)) {
		vg_agent_metrics_free(am);
		return NULL;
	}
	return am;
}

void vg_agent_metrics_collect(struct vg_agent_metrics *am)
{
	uint64_t t0 = vg_clock_now_boot();

	vg_metrics_collect(am->reg);
	/* seen by the next scrape */
	vg_metrics_set(am->collect_seconds, NULL, (double)(vg_clock_now_boot() - t0) / 1e9);
}

void vg_agent_metrics_tick(struct vg_agent_metrics *am)
{
	if (am && vg_metrics_wanted(am->reg))
		vg_agent_metrics_collect(am);
}

void vg_agent_metrics_free(struct vg_agent_metrics *am)
{
	if (!am)
		return;
	if (am->stats_fd >= 0)
		close(am->stats_fd);
	free(am);
}
