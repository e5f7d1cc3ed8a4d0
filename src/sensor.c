// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "buf.h"
#include "log.h"
#include "mounts.h"
#include "sensor.h"
#include "watch.h"
#include "vigil.skel.h"

#define DEFAULT_VERIFIER_LOG_DIR "/var/log/vigil"
#define DEFAULT_RINGBUF_BYTES (8u << 20)

static const char *const loss_names[VG_LOSS_MAX] = {
	[VG_LOSS_RINGBUF_FULL] = "ringbuf_full",
	[VG_LOSS_SCRATCH] = "scratch",
	[VG_LOSS_ARGS_READ] = "args_read",
	[VG_LOSS_EXE_READ] = "exe_read",
	[VG_LOSS_CGROUP_READ] = "cgroup_read",
	[VG_LOSS_PENDING_FULL] = "pending_full",
	[VG_LOSS_PATH_READ] = "path_read",
	[VG_LOSS_FLOW_TRACK] = "flow_track",
	[VG_LOSS_PROFILE_FULL] = "profile_full",
};

const char *vg_loss_reason_name(enum vg_loss_reason r)
{
	return r < VG_LOSS_MAX ? loss_names[r] : "unknown";
}

const char *vg_backend_name(enum vg_attach_backend b)
{
	switch (b) {
	case VG_BACKEND_TP_BTF:
		return "tp_btf";
	case VG_BACKEND_RAW_TP:
		return "raw_tp";
	default:
		return "auto";
	}
}

/* libbpf's messages during a load: kept to save the verifier log on failure. */
static struct vg_buf load_log;

__attribute__((format(printf, 2, 0)))
static int capture_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *text = NULL;

	/* Everything, debug included: the verifier log comes at warn level (as
	 * one long string), the relocation details that explain a CO-RE
	 * failure at debug level. */
	if (vasprintf(&text, fmt, ap) < 0)
		return 0;
	vg_buf_adds(&load_log, text);
	free(text);
	return 0;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Which sensor a program belongs to, from its name. */
static unsigned int program_sensor(const char *name)
{
	if (has_prefix(name, "vg_file_"))
		return VG_SENSOR_FILE;
	if (has_prefix(name, "vg_priv_"))
		return VG_SENSOR_PRIV;
	if (has_prefix(name, "vg_net_"))
		return VG_SENSOR_NET;
	if (has_prefix(name, "vg_pol_"))
		return VG_SENSOR_POLICY;
	if (has_prefix(name, "vg_prof_"))
		return VG_SENSOR_PROFILE;
	if (has_prefix(name, "vg_sched_") || has_prefix(name, "vg_oom_"))
		return VG_SENSOR_SCHED;
	if (has_prefix(name, "vg_bio_"))
		return VG_SENSOR_BLOCK;
	if (has_prefix(name, "vg_up_"))
		return VG_SENSOR_UPROBE;
	if (has_prefix(name, "vg_sysc_"))
		return VG_SENSOR_SYSCOUNT;
	if (has_prefix(name, "vg_bpfw_"))
		return VG_SENSOR_BPF;
	if (has_prefix(name, "vg_gpu_"))
		return VG_SENSOR_GPU;
	if (has_prefix(name, "vg_tls_"))
		return VG_SENSOR_TLS;
	if (has_prefix(name, "vg_shell_"))
		return VG_SENSOR_SHELL;
	return VG_SENSOR_PROCESS;
}

/* Does the kernel have this tracepoint?  (tracefs is mounted by then) */
static bool have_tracepoint(const char *category, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/%s", category, name);
	return access(path, F_OK) == 0;
}

/*
 * Load only the enabled sensors' programs, and of programs that come in a
 * tp_btf and a raw_tp variant (names ending _btf / _raw), only the chosen one.
 * The priv sensor's any-syscall programs (vg_priv_anysys_*, on every syscall
 * of every task) load only when asked for; their task-storage map is not
 * even created otherwise (kernels before 5.11 have none).
 */
static void select_programs(struct vigil_bpf *skel, unsigned int sensors, enum vg_attach_backend b,
			    bool priv_all_syscalls, bool flow_updates, bool tls_syscalls)
{
	/* the TLS sensor learns sockets from the sock tracepoints (v6.3+), else
	 * from the read/write syscalls (bpf/tls/tls.bpf.c) */
	bool tls_sock_tp = (sensors & VG_SENSOR_TLS) && !tls_syscalls &&
			   have_tracepoint("sock", "sock_send_length") &&
			   have_tracepoint("sock", "sock_recv_length");
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		bool load = sensors & program_sensor(name);

		if (has_prefix(name, "vg_priv_anysys_"))
			load = load && priv_all_syscalls;
		if (!strcmp(name, "vg_net_flow_iter"))
			load = load && flow_updates;
		if (has_prefix(name, "vg_tls_sock_"))
			load = load && tls_sock_tp;
		else if (has_prefix(name, "vg_tls_sys_"))
			load = load && !tls_sock_tp;
		if (has_suffix(name, "_btf"))
			load = load && b == VG_BACKEND_TP_BTF;
		else if (has_suffix(name, "_raw"))
			load = load && b == VG_BACKEND_RAW_TP;
		bpf_program__set_autoload(prog, load);
	}
	bpf_map__set_autocreate(skel->maps.vg_priv_anysys,
				priv_all_syscalls && (sensors & VG_SENSOR_PRIV));
	/* the flow owner map is preallocated (LRU): only with the net sensor */
	bpf_map__set_autocreate(skel->maps.vg_net_flows, sensors & VG_SENSOR_NET);
	/* so are the scheduler's and block I/O's (about 5 MB together) */
	bpf_map__set_autocreate(skel->maps.vg_sched_procs, sensors & VG_SENSOR_SCHED);
	bpf_map__set_autocreate(skel->maps.vg_sched_total, sensors & VG_SENSOR_SCHED);
	bpf_map__set_autocreate(skel->maps.vg_sched_wake,
				(sensors & VG_SENSOR_SCHED) && b == VG_BACKEND_RAW_TP);
	bpf_map__set_autocreate(skel->maps.vg_sched_wake_ts,
				(sensors & VG_SENSOR_SCHED) && b == VG_BACKEND_TP_BTF);
	bpf_map__set_autocreate(skel->maps.vg_sched_oncpu, sensors & VG_SENSOR_SCHED);
	bpf_map__set_autocreate(skel->maps.vg_block_inflight, sensors & VG_SENSOR_BLOCK);
	bpf_map__set_autocreate(skel->maps.vg_block_devs, sensors & VG_SENSOR_BLOCK);
	bpf_map__set_autocreate(skel->maps.vg_block_procs, sensors & VG_SENSOR_BLOCK);
	bpf_map__set_autocreate(skel->maps.vg_sysc_procs, sensors & VG_SENSOR_SYSCOUNT);
	bpf_map__set_autocreate(skel->maps.vg_sysc_missed, sensors & VG_SENSOR_SYSCOUNT);
	bpf_map__set_autocreate(skel->maps.vg_bpfw_pending, sensors & VG_SENSOR_BPF);
	bpf_map__set_autocreate(skel->maps.vg_bpfw_scratch, sensors & VG_SENSOR_BPF);
	/* an iterator over vg_net_flows: attached with the map, by hand */
	bpf_program__set_autoattach(skel->progs.vg_net_flow_iter, false);
	/* attached per syscall that a policy names (vg_sensor_attach_syscall) */
	bpf_program__set_autoattach(skel->progs.vg_pol_syscall, false);
	/* attached per probed function (src/uprobe.c) */
	bpf_map__set_autocreate(skel->maps.vg_up_scratch, sensors & VG_SENSOR_UPROBE);
	bpf_program__set_autoattach(skel->progs.vg_up_entry, false);
	bpf_program__set_autoattach(skel->progs.vg_up_return, false);
	/* attached to the CUDA driver library (src/gpu.c) */
	bpf_map__set_autocreate(skel->maps.vg_gpu_procs, sensors & VG_SENSOR_GPU);
	bpf_map__set_autocreate(skel->maps.vg_gpu_allocs, sensors & VG_SENSOR_GPU);
	bpf_map__set_autocreate(skel->maps.vg_gpu_inflight, sensors & VG_SENSOR_GPU);
	bpf_map__set_autocreate(skel->maps.vg_gpu_drops, sensors & VG_SENSOR_GPU);
	bpf_object__for_each_program(prog, skel->obj)
		if (has_prefix(bpf_program__name(prog), "vg_gpu_"))
			bpf_program__set_autoattach(prog, false);
	/* presets: uprobes attached per library / binary (src/preset.c); the
	 * TLS sys_enter programs attach with the sensor */
	bpf_map__set_autocreate(skel->maps.vg_tls_calls, sensors & VG_SENSOR_TLS);
	bpf_map__set_autocreate(skel->maps.vg_tls_socks, sensors & VG_SENSOR_TLS);
	bpf_map__set_autocreate(skel->maps.vg_tls_scratch, sensors & VG_SENSOR_TLS);
	bpf_program__set_autoattach(skel->progs.vg_tls_entry, false);
	bpf_program__set_autoattach(skel->progs.vg_tls_return, false);
	bpf_map__set_autocreate(skel->maps.vg_shell_scratch, sensors & VG_SENSOR_SHELL);
	bpf_program__set_autoattach(skel->progs.vg_shell_readline, false);
}

static int configure(struct vigil_bpf *skel, const struct vg_sensor_opts *o)
{
	uint32_t rb = o->ringbuf_bytes ? o->ringbuf_bytes : DEFAULT_RINGBUF_BYTES;
	int err;

	if (rb < 4096 || (rb & (rb - 1)))
		return vg_error("ring buffer size %u is not a power of two >= 4096", rb), -EINVAL;
	err = bpf_map__set_max_entries(skel->maps.vg_events, rb);
	if (err)
		return err;
	skel->rodata->vg_filter_pid = o->filter_pid;
	skel->rodata->vg_self_pid = o->self_pid;
	skel->rodata->vg_wakeup_bytes = o->wakeup_bytes;
	skel->rodata->vg_file_all = o->file_all;
	skel->rodata->vg_priv_all_syscalls = o->priv_all_syscalls;
	skel->rodata->vg_flow_update_ns = o->flow_update_s * 1000000000ULL;
	skel->rodata->vg_prof_enabled = (o->sensors & VG_SENSOR_PROFILE) != 0;
	skel->rodata->vg_block_slow_ns = o->block_slow_ns;
	if (o->bpf_cmds & ~VG_BPF_CMDS_CONTROL)
		return vg_error("bpf sensor: commands %#llx are not control commands",
				(unsigned long long)(o->bpf_cmds & ~VG_BPF_CMDS_CONTROL)), -EINVAL;
	skel->rodata->vg_bpfw_cmds = o->bpf_cmds ? o->bpf_cmds : VG_BPF_CMDS_CONTROL;
	if (o->tls_max_bytes > VG_TLS_DATA_LEN)
		return vg_error("TLS capture of %u bytes: at most %d", o->tls_max_bytes,
				VG_TLS_DATA_LEN), -EINVAL;
	skel->rodata->vg_tls_max_bytes = o->tls_max_bytes ? o->tls_max_bytes : VG_TLS_DATA_DEFAULT;
	if (o->filter_comm)
		strncpy((char *)skel->rodata->vg_filter_comm, o->filter_comm,
			sizeof(skel->rodata->vg_filter_comm) - 1);
	return 0;
}

/* Save what libbpf said during the failed load; returns the file name or NULL. */
static char *save_verifier_log(const char *dir)
{
	char *path = NULL;
	int fd;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return NULL;
	if (asprintf(&path, "%s/verifier-%ld.log", dir, (long)time(NULL)) < 0)
		return NULL;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, load_log.data, load_log.len) != (ssize_t)load_log.len) {
		if (fd >= 0)
			close(fd);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

/* Open, configure and load with one backend; NULL and -errno in *err on failure. */
static struct vigil_bpf *try_load(const struct vg_sensor_opts *o, enum vg_attach_backend b,
				  int *err)
{
	struct vigil_bpf *skel = vigil_bpf__open();

	if (!skel) {
		*err = -errno;
		return NULL;
	}
	select_programs(skel, o->sensors ? o->sensors : VG_SENSOR_ALL, b, o->priv_all_syscalls,
			o->flow_update_s > 0, o->tls_syscalls);
	*err = configure(skel, o);
	if (!*err)
		*err = vigil_bpf__load(skel);
	if (*err) {
		vigil_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static int check_prerequisites(void)
{
	int err;

	if (geteuid() != 0)
		return vg_error("must run as root: loading BPF programs needs CAP_BPF and CAP_PERFMON "
				"(or CAP_SYS_ADMIN)"), -EPERM;
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return vg_error("kernel BTF missing: cannot read '/sys/kernel/btf/vmlinux' "
				"(vigil needs a kernel built with CONFIG_DEBUG_INFO_BTF=y)"), -ENOENT;
	/* Syscall tracepoints are attached by id, read from tracefs. */
	err = vg_mount_tracefs();
	if (err)
		return vg_error("cannot mount tracefs at /sys/kernel/tracing: %s", strerror(-err)), err;
	return 0;
}

int vg_sensor_start(struct vg_sensor *s, const struct vg_sensor_opts *o)
{
	enum vg_attach_backend b = o->backend == VG_BACKEND_AUTO ? VG_BACKEND_TP_BTF : o->backend;
	libbpf_print_fn_t prev;
	int err;

	memset(s, 0, sizeof(*s));
	err = check_prerequisites();
	if (err)
		return err;

	vg_buf_init(&load_log);
	prev = libbpf_set_print(capture_print);
	s->skel = try_load(o, b, &err);
	if (!s->skel && o->backend == VG_BACKEND_AUTO) {
		vg_debug("tp_btf programs did not load (%s), falling back to raw_tp",
			 strerror(-err));
		vg_buf_adds(&load_log, "\n==== retrying with the raw_tp backend ====\n");
		b = VG_BACKEND_RAW_TP;
		s->skel = try_load(o, b, &err);
	}
	libbpf_set_print(prev);
	if (!s->skel) {
		const char *dir = o->verifier_log_dir ?: getenv("VIGIL_LOG_DIR") ?: DEFAULT_VERIFIER_LOG_DIR;
		char *log = save_verifier_log(dir);

		vg_error("cannot load BPF programs (%s): %s (libbpf and verifier log: %s)",
			 o->backend == VG_BACKEND_AUTO ? "tried tp_btf, then raw_tp" : vg_backend_name(b),
			 strerror(-err), log ? log : "could not be saved");
		free(log);
		vg_buf_release(&load_log);
		return err;
	}
	vg_buf_release(&load_log);
	s->backend = b;

	if (o->watches) {
		struct vg_watch_maps maps;

		vg_sensor_watch_maps(s, &maps);
		err = vg_watchlist_install(o->watches, &maps);
		if (err) {
			vg_sensor_destroy(s);
			return err;
		}
		err = vg_watchlist_gate_existing_writers(o->watches, &maps, "/proc");
		if (err < 0)
			vg_warn("cannot scan /proc for open watched files: %s", strerror(-err));
		else if (err)
			vg_debug("%d watched files were already open for writing", err);
	}
	err = vigil_bpf__attach(s->skel);
	if (err) {
		vg_error("cannot attach BPF programs (%s backend): %s", vg_backend_name(b),
			 strerror(-err));
		vg_sensor_destroy(s);
		return err;
	}
	if (bpf_program__autoload(s->skel->progs.vg_net_flow_iter)) {
		DECLARE_LIBBPF_OPTS(bpf_iter_attach_opts, io);
		union bpf_iter_link_info li = {};

		li.map.map_fd = bpf_map__fd(s->skel->maps.vg_net_flows);
		io.link_info = &li;
		io.link_info_len = sizeof(li);
		s->flow_iter = bpf_program__attach_iter(s->skel->progs.vg_net_flow_iter, &io);
		if (!s->flow_iter) {
			err = -errno;
			vg_error("cannot attach the flow update iterator: %s", strerror(-err));
			vg_sensor_destroy(s);
			return err;
		}
	}
	return 0;
}

void vg_sensor_sched_maps(const struct vg_sensor *s, struct vg_sched_maps *m)
{
	bool sched = bpf_program__autoload(s->skel->progs.vg_sched_switch_btf) ||
		     bpf_program__autoload(s->skel->progs.vg_sched_switch_raw);
	bool block = bpf_program__autoload(s->skel->progs.vg_bio_done_btf) ||
		     bpf_program__autoload(s->skel->progs.vg_bio_done_raw);
	bool sysc = bpf_program__autoload(s->skel->progs.vg_sysc_enter_btf) ||
		    bpf_program__autoload(s->skel->progs.vg_sysc_enter_raw);

	m->procs = sched ? bpf_map__fd(s->skel->maps.vg_sched_procs) : -1;
	m->total = sched ? bpf_map__fd(s->skel->maps.vg_sched_total) : -1;
	m->oncpu = sched ? bpf_map__fd(s->skel->maps.vg_sched_oncpu) : -1;
	m->block_devs = block ? bpf_map__fd(s->skel->maps.vg_block_devs) : -1;
	m->block_procs = block ? bpf_map__fd(s->skel->maps.vg_block_procs) : -1;
	m->sysc_procs = sysc ? bpf_map__fd(s->skel->maps.vg_sysc_procs) : -1;
	m->sysc_missed = sysc ? bpf_map__fd(s->skel->maps.vg_sysc_missed) : -1;
}

void vg_sensor_profile_maps(const struct vg_sensor *s, struct vg_prof_maps *m)
{
	bool on = bpf_program__autoload(s->skel->progs.vg_prof_sys_btf) ||
		  bpf_program__autoload(s->skel->progs.vg_prof_sys_raw);

	m->exe = on ? bpf_map__fd(s->skel->maps.vg_prof_exe) : -1;
	m->tasks = on ? bpf_map__fd(s->skel->maps.vg_prof_tasks) : -1;
	m->ngrams = on ? bpf_map__fd(s->skel->maps.vg_prof_ngrams) : -1;
	m->learn = on ? bpf_map__fd(s->skel->maps.vg_prof_learn) : -1;
	m->scopes = on ? bpf_map__fd(s->skel->maps.vg_prof_scopes) : -1;
	m->modes = on ? bpf_map__fd(s->skel->maps.vg_prof_modes) : -1;
	m->next = on ? bpf_map__fd(s->skel->maps.vg_prof_next) : -1;
	m->gen = on ? bpf_map__fd(s->skel->maps.vg_prof_gen) : -1;
}

void vg_sensor_policy_maps(const struct vg_sensor *s, struct vg_pol_maps *m)
{
	m->state = bpf_map__fd(s->skel->maps.vg_pol_state);
	m->exec = bpf_map__fd(s->skel->maps.vg_pol_exec);
	m->file = bpf_map__fd(s->skel->maps.vg_pol_file);
	m->sys = bpf_map__fd(s->skel->maps.vg_pol_sys);
}

struct bpf_link *vg_sensor_attach_syscall(struct vg_sensor *s, const char *name)
{
	struct bpf_program *prog = s->skel->progs.vg_pol_syscall;
	char tp[128];

	if (!bpf_program__autoload(prog)) {
		errno = ENOTSUP;
		return NULL;
	}
	snprintf(tp, sizeof(tp), "sys_enter_%s", name);
	return bpf_program__attach_tracepoint(prog, "syscalls", tp);
}

void vg_sensor_uprobe(const struct vg_sensor *s, struct vg_up_sensor *u)
{
	bool on = bpf_program__autoload(s->skel->progs.vg_up_entry);

	u->probes = on ? bpf_map__fd(s->skel->maps.vg_up_probes) : -1;
	u->entry = on ? s->skel->progs.vg_up_entry : NULL;
	u->ret = on ? s->skel->progs.vg_up_return : NULL;
}

void vg_sensor_gpu(const struct vg_sensor *s, struct vg_gpu_sensor *g)
{
	struct vigil_bpf *k = s->skel;
	bool on = bpf_program__autoload(k->progs.vg_gpu_launch_entry);
	struct bpf_program *entry[VG_GPU_FN_MAX] = {
		[VG_GPU_LAUNCH_KERNEL] = k->progs.vg_gpu_launch_entry,
		[VG_GPU_MEM_ALLOC] = k->progs.vg_gpu_alloc_entry,
		[VG_GPU_MEM_FREE] = k->progs.vg_gpu_free_entry,
		[VG_GPU_CTX_SYNC] = k->progs.vg_gpu_sync_entry,
	};
	struct bpf_program *ret[VG_GPU_FN_MAX] = {
		[VG_GPU_LAUNCH_KERNEL] = k->progs.vg_gpu_launch_ret,
		[VG_GPU_MEM_ALLOC] = k->progs.vg_gpu_alloc_ret,
		[VG_GPU_MEM_FREE] = k->progs.vg_gpu_free_ret,
		[VG_GPU_CTX_SYNC] = k->progs.vg_gpu_sync_ret,
	};

	g->procs = on ? bpf_map__fd(k->maps.vg_gpu_procs) : -1;
	g->allocs = on ? bpf_map__fd(k->maps.vg_gpu_allocs) : -1;
	g->drops = on ? bpf_map__fd(k->maps.vg_gpu_drops) : -1;
	for (int i = 0; i < VG_GPU_FN_MAX; i++) {
		g->entry[i] = on ? entry[i] : NULL;
		g->ret[i] = on ? ret[i] : NULL;
	}
}

void vg_sensor_presets(const struct vg_sensor *s, struct vg_preset_sensor *p)
{
	bool tls = bpf_program__autoload(s->skel->progs.vg_tls_entry);
	bool shell = bpf_program__autoload(s->skel->progs.vg_shell_readline);

	p->tls_entry = tls ? s->skel->progs.vg_tls_entry : NULL;
	p->tls_return = tls ? s->skel->progs.vg_tls_return : NULL;
	p->shell_return = shell ? s->skel->progs.vg_shell_readline : NULL;
}

int vg_sensor_flow_update(struct vg_sensor *s)
{
	char buf[64];
	ssize_t r;
	int fd;

	if (!s->flow_iter)
		return 0;
	fd = bpf_iter_create(bpf_link__fd(s->flow_iter));
	if (fd < 0)
		return -errno;
	/* the program writes nothing: read() returns 0 at the end of the walk */
	do {
		r = read(fd, buf, sizeof(buf));
	} while (r > 0 || (r < 0 && errno == EINTR));
	r = r < 0 ? -errno : 0;
	close(fd);
	return (int)r;
}

#define DETACH_THREADS 16

struct detach_batch {
	struct bpf_link **links;
	size_t n, stride, first;
};

static void *detach_some(void *arg)
{
	struct detach_batch *b = arg;

	for (size_t i = b->first; i < b->n; i += b->stride)
		bpf_link__destroy(b->links[i]);
	return NULL;
}

/*
 * Detach every attached program.  Each tracepoint detach waits for an RCU
 * grace period (~70 ms here), so one after the other ~60 links took 4-6 s;
 * detached from several threads the waits overlap.
 */
static void detach_all(struct vigil_bpf *skel)
{
	const struct bpf_object_skeleton *sk = skel->skeleton;
	struct detach_batch b[DETACH_THREADS];
	pthread_t tid[DETACH_THREADS];
	bool started[DETACH_THREADS] = { false };
	struct bpf_link **links;
	size_t n = 0;

	links = calloc((size_t)sk->prog_cnt, sizeof(*links));
	if (!links)
		return;		/* vigil_bpf__destroy() detaches them, slowly */
	for (int i = 0; i < sk->prog_cnt; i++) {
		struct bpf_link **l = sk->progs[i].link;

		if (l && *l) {
			links[n++] = *l;
			*l = NULL;
		}
	}
	for (size_t t = 0; t < DETACH_THREADS; t++) {
		b[t] = (struct detach_batch){ .links = links, .n = n, .stride = DETACH_THREADS,
					      .first = t };
		started[t] = t < n && !pthread_create(&tid[t], NULL, detach_some, &b[t]);
		if (t < n && !started[t])
			detach_some(&b[t]);
	}
	for (size_t t = 0; t < DETACH_THREADS; t++)
		if (started[t])
			pthread_join(tid[t], NULL);
	free(links);
}

void vg_sensor_destroy(struct vg_sensor *s)
{
	bpf_link__destroy(s->flow_iter);
	s->flow_iter = NULL;
	if (s->skel)
		detach_all(s->skel);
	vigil_bpf__destroy(s->skel);
	s->skel = NULL;
}

int vg_sensor_ringbuf_fd(const struct vg_sensor *s)
{
	return bpf_map__fd(s->skel->maps.vg_events);
}

void vg_sensor_watch_maps(const struct vg_sensor *s, struct vg_watch_maps *m)
{
	m->dirs = bpf_map__fd(s->skel->maps.vg_watch_dirs);
	m->names = bpf_map__fd(s->skel->maps.vg_watch_names);
	m->lpm = bpf_map__fd(s->skel->maps.vg_watch_lpm);
	m->gen = bpf_map__fd(s->skel->maps.vg_watch_gen);
	m->inodes = bpf_map__fd(s->skel->maps.vg_watched_inodes);
	m->gate = bpf_map__fd(s->skel->maps.vg_write_gate);
}

/* Sum one per-CPU array map into out[0..n). */
static int sum_percpu(struct bpf_map *map, uint64_t *out, uint32_t n)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;
	int fd = bpf_map__fd(map);

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (uint32_t k = 0; k < n; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(fd, &k, vals)) {
			free(vals);
			return -errno;
		}
		for (int c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
	free(vals);
	return 0;
}

int vg_sensor_read_counters(const struct vg_sensor *s, struct vg_counters *c)
{
	int err = sum_percpu(s->skel->maps.vg_sent, c->sent, VG_EV_TYPE_MAX);

	if (!err)
		err = sum_percpu(s->skel->maps.vg_loss, c->lost, VG_LOSS_MAX);
	return err;
}
