// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_probe.c - `vigil probe` against the real kernel: every result agrees
 * with what the machine really offers, the backend choice follows from the
 * results, and a run leaves nothing behind (fds, cgroups, links, netns
 * children, XDP or cgroup attachments, BPF programs, temporary files).
 */
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <net/if.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "mounts.h"
#include "probe.h"

#define PREFIX "vigil-probe-"

static struct vg_probe probe_result;
static int probe_err = 1;	/* 1: not run yet */

static const struct vg_probe *probe_once(void)
{
	if (probe_err == 1)
		probe_err = vg_probe_run(&probe_result);
	return probe_err ? NULL : &probe_result;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static bool file_has_word(const char *path, const char *word)
{
	char buf[512] = "", *tok, *save;
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	for (tok = strtok_r(buf, " ,\n", &save); tok; tok = strtok_r(NULL, " ,\n", &save))
		if (!strcmp(tok, word))
			return true;
	return false;
}

static int count_dir(const char *path, const char *prefix)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && (!prefix || !strncmp(de->d_name, prefix, strlen(prefix))))
			n++;
	closedir(d);
	return n;
}

/* Loaded BPF programs named like the probe's ("vigil_probe"). */
static int count_probe_progs(void)
{
	__u32 id = 0;
	int n = 0;

	while (bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    !strcmp(info.name, "vigil_probe"))
			n++;
		close(fd);
	}
	return n;
}

static int cgroup_prog_count(const char *cg, enum bpf_attach_type type)
{
	__u32 ids[64], cnt = 64, flags = 0;
	int fd, err;

	fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = bpf_prog_query(fd, type, 0, &flags, ids, &cnt);
	close(fd);
	return err ? err : (int)cnt;
}

struct snapshot {
	int fds;
	char netns[64];
	int links;
	__u32 xdp[64];		/* prog id per host link index (as listed) */
	int cg_connect, cg_egress;
	int probe_progs;
};

static void snap(struct snapshot *s, const char *v2)
{
	struct if_nameindex *ifs, *i;
	ssize_t n;
	int k = 0;

	memset(s, 0, sizeof(*s));
	s->fds = count_dir("/proc/self/fd", NULL);
	n = readlink("/proc/self/ns/net", s->netns, sizeof(s->netns) - 1);
	if (n > 0)
		s->netns[n] = '\0';
	ifs = if_nameindex();
	for (i = ifs; i && i->if_index; i++, k++) {
		LIBBPF_OPTS(bpf_xdp_query_opts, q);

		if (k < 64 && bpf_xdp_query(i->if_index, 0, &q) == 0)
			s->xdp[k] = q.prog_id;
	}
	s->links = k;
	if (ifs)
		if_freenameindex(ifs);
	s->cg_connect = cgroup_prog_count(v2, BPF_CGROUP_INET4_CONNECT);
	s->cg_egress = cgroup_prog_count(v2, BPF_CGROUP_INET_EGRESS);
	s->probe_progs = count_probe_progs();
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A run creates and attaches things; afterwards none of them is left. */
static void test_probe_leaves_nothing_behind(void)
{
	char v2[4096], v1cpu[4096], v1frz[4096];
	struct snapshot before, after;
	struct vg_probe p;
	glob_t g = {};
	double t0, ms;
	int err, tries;

	if (!ASSERT_OK(vg_mount_find("cgroup2", v2, sizeof(v2)), "cgroup2 mount"))
		return;
	ASSERT_OK(vg_mount_find_cgroup_v1("cpu", v1cpu, sizeof(v1cpu)), "v1 cpu mount");
	ASSERT_OK(vg_mount_find_cgroup_v1("freezer", v1frz, sizeof(v1frz)), "v1 freezer mount");
	vg_probe_run(&p);		/* mounts tracefs/securityfs once */
	snap(&before, v2);

	t0 = now_ms();
	err = vg_probe_run(&p);
	ms = now_ms() - t0;
	ASSERT_OK(err, "vg_probe_run");
	ASSERT_LE(ms, 1000, "run time (ms)");

	/* Program release can trail the close() by an RCU grace period. */
	for (tries = 0; tries < 100; tries++) {
		snap(&after, v2);
		if (after.probe_progs <= before.probe_progs)
			break;
		usleep(20 * 1000);
	}
	ASSERT_EQ(after.fds, before.fds, "open fds");
	ASSERT_EQ(after.probe_progs, 0, "bpf programs named vigil_probe still loaded");
	ASSERT_STREQ(after.netns, before.netns, "own network namespace");
	ASSERT_EQ(after.links, before.links, "host links");
	for (int i = 0; i < before.links && i < 64; i++)
		ASSERT_EQ(after.xdp[i], before.xdp[i], "xdp prog on a host link");
	ASSERT_EQ(if_nametoindex("vgprobe0"), 0, "veth vgprobe0 in the host netns");
	ASSERT_EQ(after.cg_connect, before.cg_connect, "connect4 progs on the v2 root");
	ASSERT_EQ(after.cg_egress, before.cg_egress, "egress progs on the v2 root");
	ASSERT_EQ(count_dir(v2, PREFIX), 0, "probe cgroups left in v2");
	ASSERT_EQ(count_dir(v1cpu, PREFIX), 0, "probe cgroups left in v1 cpu");
	ASSERT_EQ(count_dir(v1frz, PREFIX), 0, "probe cgroups left in v1 freezer");
	/* The netns child was reaped; its namespace and veth went with it. */
	errno = 0;
	ASSERT_EQ(waitpid(-1, NULL, WNOHANG), -1, "children left");
	ASSERT_EQ(errno, ECHILD, "waitpid errno");
	ASSERT_EQ(glob("/tmp/" PREFIX "*", 0, NULL, &g), GLOB_NOMATCH, "temporary files left");
	globfree(&g);
}

/* What this machine offers (kernel 6.18, hybrid cgroups, see docs/probe.md). */
static void test_probe_available_here(void)
{
	static const enum vg_feature want[] = {
		VG_FEAT_BTF, VG_FEAT_TRACEPOINT, VG_FEAT_RAW_TP, VG_FEAT_TP_BTF,
		VG_FEAT_UPROBE, VG_FEAT_XDP_GENERIC, VG_FEAT_XDP_NATIVE,
		VG_FEAT_CGROUP_SKB, VG_FEAT_CGROUP_SOCK_ADDR, VG_FEAT_RINGBUF,
		VG_FEAT_SEND_SIGNAL, VG_FEAT_FANOTIFY_PERM, VG_FEAT_CGROUP_V1_CPU,
		VG_FEAT_CGROUP_V1_FREEZER,
	};
	const struct vg_probe *p = probe_once();

	if (!ASSERT_OK_PTR(p, "vg_probe_run"))
		return;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct vg_feature_result *r = &p->feat[want[i]];

		if (!vg_test_check(r->available && r->err == 0, __FILE__, __LINE__,
				   vg_feature_name(want[i]), "unavailable: %s", r->detail))
			continue;
		ASSERT_TRUE(vg_probe_has(p, want[i]), vg_feature_name(want[i]));
		ASSERT_NEQ(strlen(r->detail), 0, "detail");
	}
}

/* Every result is consistent with what the kernel exposes. */
static void test_probe_consistent(void)
{
	const struct vg_probe *p = probe_once();
	char v2[4096];

	if (!ASSERT_OK_PTR(p, "vg_probe_run"))
		return;
	ASSERT_TRUE(*p->kernel, "kernel release");
	ASSERT_EQ(vg_probe_has(p, VG_FEAT_BTF), exists("/sys/kernel/btf/vmlinux"), "btf");
	if (!vg_probe_has(p, VG_FEAT_BTF)) {
		ASSERT_FALSE(vg_probe_has(p, VG_FEAT_TP_BTF), "tp_btf without btf");
		ASSERT_FALSE(vg_probe_has(p, VG_FEAT_FENTRY), "fentry without btf");
	}

	/* Kprobes need the kprobe PMU, which kernels without kprobes lack. */
	if (!exists("/sys/bus/event_source/devices/kprobe")) {
		ASSERT_FALSE(vg_probe_has(p, VG_FEAT_KPROBE), "kprobe without pmu");
		ASSERT_EQ(p->feat[VG_FEAT_KPROBE].err, -ENOENT, "kprobe err");
		ASSERT_TRUE(strstr(p->feat[VG_FEAT_KPROBE].detail, "no kprobe pmu"), "kprobe detail");
	}
	if (!exists("/sys/bus/event_source/devices/uprobe"))
		ASSERT_FALSE(vg_probe_has(p, VG_FEAT_UPROBE), "uprobe without pmu");

	/* Every failure carries its errno, and its text is in the detail. */
	for (int f = 0; f < VG_FEAT_MAX; f++) {
		const struct vg_feature_result *r = &p->feat[f];

		ASSERT_NEQ(strlen(r->detail), 0, vg_feature_name(f));
		if (r->available) {
			ASSERT_EQ(r->err, 0, vg_feature_name(f));
			continue;
		}
		ASSERT_LE(r->err, -1, vg_feature_name(f));
		if (r->err != -ENOENT && r->err != -EOPNOTSUPP)
			vg_test_check(strstr(r->detail, strerror(-r->err)) != NULL, __FILE__,
				      __LINE__, vg_feature_name(f), "errno %d not in \"%s\"",
				      -r->err, r->detail);
	}

	/* fentry and fexit share the trampoline: both work or neither. */
	ASSERT_EQ(vg_probe_has(p, VG_FEAT_FENTRY), vg_probe_has(p, VG_FEAT_FEXIT), "fentry/fexit");
	/* The BPF LSM needs both the trampoline and "bpf" among active LSMs. */
	if (vg_probe_has(p, VG_FEAT_LSM)) {
		ASSERT_TRUE(vg_probe_has(p, VG_FEAT_FENTRY), "lsm without trampoline");
		ASSERT_TRUE(file_has_word("/sys/kernel/security/lsm", "bpf"), "lsm list");
	} else if (exists("/sys/kernel/security/lsm") &&
		   !file_has_word("/sys/kernel/security/lsm", "bpf")) {
		ASSERT_TRUE(p->feat[VG_FEAT_LSM].err != 0, "lsm err");
	}

	if (ASSERT_OK(vg_mount_find("cgroup2", v2, sizeof(v2)), "cgroup2 mount")) {
		char path[4200];

		snprintf(path, sizeof(path), "%s/cgroup.controllers", v2);
		if (!file_has_word(path, "cpu"))
			ASSERT_FALSE(vg_probe_has(p, VG_FEAT_CGROUP_V2_CPU), "v2 cpu");
	}

	/* Lockdown: the bracketed word of the securityfs file. */
	if (exists("/sys/kernel/security/lockdown")) {
		char buf[128] = "", want[32] = "";
		FILE *f = fopen("/sys/kernel/security/lockdown", "re");

		if (f && fgets(buf, sizeof(buf), f))
			sscanf(strchr(buf, '[') ? strchr(buf, '[') + 1 : buf, "%31[a-z]", want);
		if (f)
			fclose(f);
		ASSERT_STREQ(p->lockdown, want, "lockdown");
	} else {
		ASSERT_STREQ(p->lockdown, "unknown", "lockdown");
	}
}

/* The v2 freezer is there exactly when a child cgroup has cgroup.freeze. */
static void test_probe_v2_freeze_matches_kernel(void)
{
	const struct vg_probe *p = probe_once();
	char v2[4096], dir[4200], file[4300];
	bool has;

	if (!ASSERT_OK_PTR(p, "vg_probe_run"))
		return;
	if (!ASSERT_OK(vg_mount_find("cgroup2", v2, sizeof(v2)), "cgroup2 mount"))
		return;
	snprintf(dir, sizeof(dir), "%s/vigil-test-%d", v2, (int)getpid());
	if (!ASSERT_OK(mkdir(dir, 0755) ? -errno : 0, "mkdir test cgroup"))
		return;
	snprintf(file, sizeof(file), "%s/cgroup.freeze", dir);
	has = exists(file);
	rmdir(dir);
	ASSERT_EQ(vg_probe_has(p, VG_FEAT_CGROUP_V2_FREEZE), has, "cgroup_v2_freeze");
}

static void test_probe_backends_here(void)
{
	const struct vg_probe *p = probe_once();

	if (!ASSERT_OK_PTR(p, "vg_probe_run"))
		return;
	ASSERT_STREQ(vg_probe_backend(p, VG_JOB_PROCESS_SENSOR), "tp_btf", "process sensor");
	ASSERT_STREQ(vg_probe_backend(p, VG_JOB_FILE_DENY), "fanotify", "file deny");
	ASSERT_STREQ(vg_probe_backend(p, VG_JOB_EXEC_DENY), "fanotify", "exec deny");
	ASSERT_STREQ(vg_probe_backend(p, VG_JOB_KILL), "bpf_send_signal", "kill");
	ASSERT_STREQ(vg_probe_backend(p, VG_JOB_CONNECT_DENY), "cgroup_sock_addr", "connect deny");
	ASSERT_STREQ(vg_probe_backend(p, VG_JOB_PACKET_DROP), "xdp_native", "packet drop");
	ASSERT_STREQ(vg_probe_backend(p, VG_JOB_THROTTLE),
		     vg_probe_has(p, VG_FEAT_CGROUP_V2_CPU) ? "cgroup_v2_cpu" : "cgroup_v1_cpu",
		     "throttle");
	ASSERT_STREQ(vg_probe_backend(p, VG_JOB_FREEZE),
		     vg_probe_has(p, VG_FEAT_CGROUP_V2_FREEZE) ? "cgroup_v2_freeze"
							       : "cgroup_v1_freezer",
		     "freeze");
}

/* The fallback chains, on made-up results. */
static void test_probe_backend_fallbacks(void)
{
	struct vg_probe p = {};

	for (int j = 0; j < VG_JOB_MAX; j++)
		ASSERT_STREQ(vg_probe_backend(&p, j), "unavailable", vg_job_name(j));
	p.feat[VG_FEAT_RAW_TP].available = true;
	p.feat[VG_FEAT_XDP_GENERIC].available = true;
	p.feat[VG_FEAT_FANOTIFY_PERM].available = true;
	p.feat[VG_FEAT_CGROUP_V1_FREEZER].available = true;
	ASSERT_STREQ(vg_probe_backend(&p, VG_JOB_PROCESS_SENSOR), "raw_tp", "process");
	ASSERT_STREQ(vg_probe_backend(&p, VG_JOB_PACKET_DROP), "xdp_generic", "packet drop");
	ASSERT_STREQ(vg_probe_backend(&p, VG_JOB_EXEC_DENY), "fanotify", "exec deny");
	ASSERT_STREQ(vg_probe_backend(&p, VG_JOB_FREEZE), "cgroup_v1_freezer", "freeze");
	p.feat[VG_FEAT_LSM].available = true;
	p.feat[VG_FEAT_CGROUP_V2_CPU].available = true;
	ASSERT_STREQ(vg_probe_backend(&p, VG_JOB_FILE_DENY), "bpf_lsm", "file deny");
	ASSERT_STREQ(vg_probe_backend(&p, VG_JOB_THROTTLE), "cgroup_v2_cpu", "throttle");
	ASSERT_STREQ(vg_probe_backend(&p, VG_JOB_MAX), "unavailable", "out of range job");
	ASSERT_FALSE(vg_probe_has(&p, VG_FEAT_MAX), "out of range feature");
}

static void test_probe_names_unique(void)
{
	for (int i = 0; i < VG_FEAT_MAX; i++) {
		ASSERT_TRUE(vg_feature_name(i) && strcmp(vg_feature_name(i), "unknown"), "name");
		for (int j = 0; j < i; j++)
			ASSERT_TRUE(strcmp(vg_feature_name(i), vg_feature_name(j)), "unique");
	}
	for (int i = 0; i < VG_JOB_MAX; i++)
		ASSERT_TRUE(vg_job_name(i) && strcmp(vg_job_name(i), "unknown"), "job name");
	ASSERT_STREQ(vg_feature_name(VG_FEAT_TP_BTF), "tp_btf", "tp_btf name");
}

/* Mounting twice mounts once. */
static void test_mounts_idempotent(void)
{
	int before, after;
	char line[512];
	FILE *f;

	ASSERT_OK(vg_mount_tracefs(), "tracefs");
	ASSERT_OK(vg_mount_securityfs(), "securityfs");
	before = after = 0;
	f = fopen("/proc/self/mounts", "re");
	while (f && fgets(line, sizeof(line), f))
		before += !!strstr(line, " " VG_TRACEFS_PATH " tracefs ");
	if (f)
		fclose(f);
	ASSERT_OK(vg_mount_tracefs(), "tracefs again");
	ASSERT_OK(vg_mount_securityfs(), "securityfs again");
	f = fopen("/proc/self/mounts", "re");
	while (f && fgets(line, sizeof(line), f))
		after += !!strstr(line, " " VG_TRACEFS_PATH " tracefs ");
	if (f)
		fclose(f);
	ASSERT_EQ(before, 1, "tracefs mounts");
	ASSERT_EQ(after, before, "tracefs mounts after a second call");
	ASSERT_TRUE(exists(VG_TRACEFS_PATH "/events"), "tracefs content");
	ASSERT_TRUE(exists(VG_SECURITYFS_PATH "/lsm"), "securityfs content");
}

static const struct vg_test tests[] = {
	VG_TEST(test_mounts_idempotent),
	VG_TEST(test_probe_names_unique),
	VG_TEST(test_probe_backend_fallbacks),
	VG_TEST(test_probe_leaves_nothing_behind),
	VG_TEST(test_probe_available_here),
	VG_TEST(test_probe_consistent),
	VG_TEST(test_probe_v2_freeze_matches_kernel),
	VG_TEST(test_probe_backends_here),
	{},
};

VG_TEST_MAIN(tests)
