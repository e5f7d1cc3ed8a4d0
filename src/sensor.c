// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
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
#include "sensor.h"
#include "vigil.skel.h"

#define DEFAULT_VERIFIER_LOG_DIR "/var/log/vigil"
#define DEFAULT_RINGBUF_BYTES (8u << 20)

static const char *const loss_names[VG_LOSS_MAX] = {
	[VG_LOSS_RINGBUF_FULL] = "ringbuf_full",
	[VG_LOSS_SCRATCH] = "scratch",
	[VG_LOSS_ARGS_READ] = "args_read",
	[VG_LOSS_EXE_READ] = "exe_read",
	[VG_LOSS_CGROUP_READ] = "cgroup_read",
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

static void select_backend(struct vigil_bpf *skel, enum vg_attach_backend b)
{
	bool btf = b == VG_BACKEND_TP_BTF;

	bpf_program__set_autoload(skel->progs.vg_exec_btf, btf);
	bpf_program__set_autoload(skel->progs.vg_fork_btf, btf);
	bpf_program__set_autoload(skel->progs.vg_exit_btf, btf);
	bpf_program__set_autoload(skel->progs.vg_exec_raw, !btf);
	bpf_program__set_autoload(skel->progs.vg_fork_raw, !btf);
	bpf_program__set_autoload(skel->progs.vg_exit_raw, !btf);
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
	select_backend(skel, b);
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
	if (geteuid() != 0)
		return vg_error("must run as root: loading BPF programs needs CAP_BPF and CAP_PERFMON "
				"(or CAP_SYS_ADMIN)"), -EPERM;
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return vg_error("kernel BTF missing: cannot read '/sys/kernel/btf/vmlinux' "
				"(vigil needs a kernel built with CONFIG_DEBUG_INFO_BTF=y)"), -ENOENT;
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
		const char *dir = o->verifier_log_dir ? o->verifier_log_dir : DEFAULT_VERIFIER_LOG_DIR;
		char *log = save_verifier_log(dir);

		vg_error("cannot load BPF programs (%s backend): %s (libbpf and verifier log: %s)",
			 vg_backend_name(b), strerror(-err), log ? log : "could not be saved");
		free(log);
		vg_buf_release(&load_log);
		return err;
	}
	vg_buf_release(&load_log);
	s->backend = b;

	err = vigil_bpf__attach(s->skel);
	if (err) {
		vg_error("cannot attach BPF programs (%s backend): %s", vg_backend_name(b),
			 strerror(-err));
		vg_sensor_destroy(s);
		return err;
	}
	return 0;
}

void vg_sensor_destroy(struct vg_sensor *s)
{
	vigil_bpf__destroy(s->skel);
	s->skel = NULL;
}

int vg_sensor_ringbuf_fd(const struct vg_sensor *s)
{
	return bpf_map__fd(s->skel->maps.vg_events);
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
