// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * probe.c - kernel capability probe.
 *
 * Config options and version numbers lie (backports, distro patches,
 * lockdown, seccomp, a missing PMU), so every probe performs the operation
 * the agent would perform, on the smallest possible object: a program of two
 * instructions, a temporary cgroup, a temporary file, a private network
 * namespace in a child process.  Each probe owns its cleanup and records
 * either success or the first step that failed with its errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "fsutil.h"
#include "log.h"
#include "mounts.h"
#include "netif.h"
#include "probe.h"

/* Raw instructions: every probe program is "r0 = imm; exit". */
#define INSN_MOV64_IMM(dst, val) \
	((struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = (dst), .imm = (val) })
#define INSN_EXIT() \
	((struct bpf_insn){ .code = BPF_JMP | BPF_EXIT })

#define PROBE_PREFIX	"vigil-probe-"
#define TP_ID_PATH	VG_TRACEFS_PATH "/events/syscalls/sys_enter_getpid/id"
#define LSM_PATH	VG_SECURITYFS_PATH "/lsm"
#define LOCKDOWN_PATH	VG_SECURITYFS_PATH "/lockdown"
#define PMU_DIR		"/sys/bus/event_source/devices"
#define KPROBE_FUNC	"do_unlinkat"	/* traced by fentry/fexit/kprobe */
#define XDP_CHILD_TIMEOUT_MS 3000

static const char *const feature_names[VG_FEAT_MAX] = {
	[VG_FEAT_BTF] = "btf",
	[VG_FEAT_TRACEPOINT] = "tracepoint",
	[VG_FEAT_RAW_TP] = "raw_tp",
	[VG_FEAT_TP_BTF] = "tp_btf",
	[VG_FEAT_KPROBE] = "kprobe",
	[VG_FEAT_FENTRY] = "fentry",
	[VG_FEAT_FEXIT] = "fexit",
	[VG_FEAT_LSM] = "lsm",
	[VG_FEAT_UPROBE] = "uprobe",
	[VG_FEAT_XDP_GENERIC] = "xdp_generic",
	[VG_FEAT_XDP_NATIVE] = "xdp_native",
	[VG_FEAT_CGROUP_SKB] = "cgroup_skb",
	[VG_FEAT_CGROUP_SOCK_ADDR] = "cgroup_sock_addr",
	[VG_FEAT_RINGBUF] = "ringbuf",
	[VG_FEAT_SEND_SIGNAL] = "send_signal",
	[VG_FEAT_FANOTIFY_PERM] = "fanotify_perm",
	[VG_FEAT_CGROUP_V1_CPU] = "cgroup_v1_cpu",
	[VG_FEAT_CGROUP_V1_FREEZER] = "cgroup_v1_freezer",
	[VG_FEAT_CGROUP_V2_CPU] = "cgroup_v2_cpu",
	[VG_FEAT_CGROUP_V2_FREEZE] = "cgroup_v2_freeze",
};

static const char *const job_names[VG_JOB_MAX] = {
	[VG_JOB_PROCESS_SENSOR] = "process_sensor",
	[VG_JOB_KILL] = "kill",
	[VG_JOB_FILE_DENY] = "file_deny",
	[VG_JOB_EXEC_DENY] = "exec_deny",
	[VG_JOB_CONNECT_DENY] = "connect_deny",
	[VG_JOB_PACKET_DROP] = "packet_drop",
	[VG_JOB_THROTTLE] = "throttle",
	[VG_JOB_FREEZE] = "freeze",
};

const char *vg_feature_name(enum vg_feature f)
{
	return (unsigned int)f < VG_FEAT_MAX ? feature_names[f] : "unknown";
}

const char *vg_job_name(enum vg_job j)
{
	return (unsigned int)j < VG_JOB_MAX ? job_names[j] : "unknown";
}

bool vg_probe_has(const struct vg_probe *p, enum vg_feature f)
{
	return (unsigned int)f < VG_FEAT_MAX && p->feat[f].available;
}

const char *vg_probe_backend(const struct vg_probe *p, enum vg_job j)
{
	switch (j) {
	case VG_JOB_PROCESS_SENSOR:
		if (vg_probe_has(p, VG_FEAT_TP_BTF))
			return "tp_btf";
		if (vg_probe_has(p, VG_FEAT_RAW_TP))
			return "raw_tp";
		break;
	case VG_JOB_KILL:
		if (vg_probe_has(p, VG_FEAT_SEND_SIGNAL))
			return "bpf_send_signal";
		break;
	case VG_JOB_FILE_DENY:
	case VG_JOB_EXEC_DENY:
		if (vg_probe_has(p, VG_FEAT_LSM))
			return "bpf_lsm";
		if (vg_probe_has(p, VG_FEAT_FANOTIFY_PERM))
			return "fanotify";
		break;
	case VG_JOB_CONNECT_DENY:
		if (vg_probe_has(p, VG_FEAT_CGROUP_SOCK_ADDR))
			return "cgroup_sock_addr";
		break;
	case VG_JOB_PACKET_DROP:
		if (vg_probe_has(p, VG_FEAT_XDP_NATIVE))
			return "xdp_native";
		if (vg_probe_has(p, VG_FEAT_XDP_GENERIC))
			return "xdp_generic";
		break;
	case VG_JOB_THROTTLE:
		if (vg_probe_has(p, VG_FEAT_CGROUP_V2_CPU))
			return "cgroup_v2_cpu";
		if (vg_probe_has(p, VG_FEAT_CGROUP_V1_CPU))
			return "cgroup_v1_cpu";
		break;
	case VG_JOB_FREEZE:
		if (vg_probe_has(p, VG_FEAT_CGROUP_V2_FREEZE))
			return "cgroup_v2_freeze";
		if (vg_probe_has(p, VG_FEAT_CGROUP_V1_FREEZER))
			return "cgroup_v1_freezer";
		break;
	case VG_JOB_MAX:
		break;
	}
	return "unavailable";
}

/* --- small helpers ----------------------------------------------------- */

/* Record the outcome of a probe; returns `err` for `return note(...)`. */
static int note(struct vg_feature_result *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int note(struct vg_feature_result *r, int err, const char *fmt, ...)
{
	va_list ap;

	r->available = err == 0;
	r->err = err;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	return err;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Read a small file into `buf`, trailing newline removed; 0 or -errno. */
static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n = vg_read_file(path, buf, len);

	if (n < 0)
		return (int)n;
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* path = dir/name */
static int join(char *path, size_t len, const char *dir, const char *name)
{
	int n = snprintf(path, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int read_int_file(const char *path, long *val)
{
	char buf[32], *end;
	int err;

	err = read_file(path, buf, sizeof(buf));
	if (err)
		return err;
	errno = 0;
	*val = strtol(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

/* Is `word` one of the whitespace/comma separated words of `list`? */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *s = list;

	while ((s = strstr(s, word))) {
		bool start = s == list || s[-1] == ' ' || s[-1] == ',' || s[-1] == '\n';
		bool end = s[n] == '\0' || s[n] == ' ' || s[n] == ',' || s[n] == '\n';

		if (start && end)
			return true;
		s += n;
	}
	return false;
}

/* Load "r0 = ret; exit" as a GPL program; returns the fd or -errno. */
static int load_prog(enum bpf_prog_type type, enum bpf_attach_type attach_type,
		     __u32 attach_btf_id, int ret)
{
	const struct bpf_insn insns[] = {
		INSN_MOV64_IMM(BPF_REG_0, ret),
		INSN_EXIT(),
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		.expected_attach_type = attach_type,
		.attach_btf_id = attach_btf_id,
	);
	int fd;

	fd = bpf_prog_load(type, "vigil_probe", "GPL", insns,
			   sizeof(insns) / sizeof(insns[0]), &opts);
	return fd < 0 ? -errno : fd;
}

static int perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu)
{
	long fd;

	fd = syscall(__NR_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

/* The dynamic PMU type of "kprobe" or "uprobe", or -errno. */
static int pmu_type(const char *pmu)
{
	char path[128];
	long type;
	int err;

	snprintf(path, sizeof(path), PMU_DIR "/%s/type", pmu);
	err = read_int_file(path, &type);
	return err ? err : (int)type;
}

static int btf_id(const struct btf *btf, const char *name, int kind)
{
	int id;

	if (!btf)
		return -ENOENT;
	id = btf__find_by_name_kind(btf, name, kind);
	return id < 0 ? -ENOENT : id;
}

/* --- tracing ----------------------------------------------------------- */

static struct btf *probe_btf(struct vg_feature_result *r)
{
	struct btf *btf;

	btf = btf__load_vmlinux_btf();
	if (!btf) {
		note(r, -errno, "load vmlinux btf: %s", strerror(errno));
		return NULL;
	}
	note(r, 0, "vmlinux btf loaded, %u types", btf__type_cnt(btf) - 1);
	return btf;
}

static int probe_tracepoint(struct vg_feature_result *r)
{
	struct perf_event_attr attr = {};
	int prog = -1, pfd = -1, err;
	long id;

	err = vg_mount_tracefs();
	if (err) {
		note(r, err, "mount tracefs: %s", strerror(-err));
		goto cleanup;
	}
	err = read_int_file(TP_ID_PATH, &id);
	if (err) {
		note(r, err, "read '%s': %s", TP_ID_PATH, strerror(-err));
		goto cleanup;
	}
	prog = load_prog(BPF_PROG_TYPE_TRACEPOINT, 0, 0, 0);
	if (prog < 0) {
		err = note(r, prog, "load: %s", strerror(-prog));
		goto cleanup;
	}
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.size = sizeof(attr);
	attr.config = id;
	attr.sample_period = 1;
	attr.wakeup_events = 1;
	pfd = perf_event_open(&attr, -1, 0);
	if (pfd < 0) {
		err = note(r, pfd, "perf_event_open: %s", strerror(-pfd));
		goto cleanup;
	}
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog) < 0) {
		err = note(r, -errno, "attach: %s", strerror(errno));
		goto cleanup;
	}
	err = note(r, 0, "attach to sys_enter_getpid ok");
cleanup:
	close_fd(&pfd);
	close_fd(&prog);
	return err;
}

static int probe_raw_tp(struct vg_feature_result *r)
{
	int prog, link = -1, err;

	prog = load_prog(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, 0);
	if (prog < 0) {
		err = note(r, prog, "load: %s", strerror(-prog));
		goto cleanup;
	}
	link = bpf_raw_tracepoint_open("sys_enter", prog);
	if (link < 0) {
		err = note(r, -errno, "attach: %s", strerror(errno));
		goto cleanup;
	}
	err = note(r, 0, "attach to sys_enter ok");
cleanup:
	close_fd(&link);
	close_fd(&prog);
	return err;
}

/*
 * BTF-based tracing programs (tp_btf, fentry, fexit, lsm): load against the
 * BTF id of `target`, attach with BPF_RAW_TRACEPOINT_OPEN (which serves all
 * of them since 5.5), detach.
 */
static int probe_tracing(struct vg_feature_result *r, const struct btf *btf,
			 enum bpf_prog_type type, enum bpf_attach_type attach_type,
			 const char *target, int kind, const char *what)
{
	int prog = -1, link = -1, id, err;

	id = btf_id(btf, target, kind);
	if (id < 0) {
		err = note(r, id, "%s", btf ? "target not in vmlinux btf" : "no vmlinux btf");
		goto cleanup;
	}
	prog = load_prog(type, attach_type, id, 0);
	if (prog < 0) {
		err = note(r, prog, "load: %s", strerror(-prog));
		goto cleanup;
	}
	link = bpf_raw_tracepoint_open(NULL, prog);
	if (link < 0) {
		err = note(r, -errno, "attach: %s", strerror(errno));
		goto cleanup;
	}
	err = note(r, 0, "attach to %s ok", what);
cleanup:
	close_fd(&link);
	close_fd(&prog);
	return err;
}

static int probe_lsm(struct vg_feature_result *r, const struct btf *btf)
{
	char lsms[256] = "";
	int err, lsm_err;

	/* Attaching can succeed while the bpf LSM is inactive: check both. */
	lsm_err = vg_mount_securityfs();
	if (!lsm_err)
		lsm_err = read_file(LSM_PATH, lsms, sizeof(lsms));
	err = probe_tracing(r, btf, BPF_PROG_TYPE_LSM, BPF_LSM_MAC, "bpf_lsm_file_open",
			    BTF_KIND_FUNC, "lsm/file_open");
	if (err)
		return err;
	if (lsm_err)
		return note(r, lsm_err, "read '%s': %s", LSM_PATH, strerror(-lsm_err));
	if (!has_word(lsms, "bpf"))
		return note(r, -EOPNOTSUPP, "attach ok, but bpf is not an active lsm (%s)", lsms);
	return 0;
}

static int probe_kprobe(struct vg_feature_result *r)
{
	struct perf_event_attr attr = {};
	int prog = -1, pfd = -1, type, err;

	prog = load_prog(BPF_PROG_TYPE_KPROBE, 0, 0, 0);
	if (prog < 0) {
		err = note(r, prog, "load: %s", strerror(-prog));
		goto cleanup;
	}
	type = pmu_type("kprobe");
	if (type < 0) {
		err = note(r, type, "no kprobe pmu in " PMU_DIR " (kernel without kprobe events)");
		goto cleanup;
	}
	attr.type = type;
	attr.size = sizeof(attr);
	attr.config1 = (__u64)(uintptr_t)KPROBE_FUNC;	/* kprobe_func */
	attr.config2 = 0;				/* probe_offset */
	pfd = perf_event_open(&attr, -1, 0);
	if (pfd < 0) {
		err = note(r, pfd, "perf_event_open: %s", strerror(-pfd));
		goto cleanup;
	}
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog) < 0) {
		err = note(r, -errno, "attach: %s", strerror(errno));
		goto cleanup;
	}
	err = note(r, 0, "attach to " KPROBE_FUNC " ok");
cleanup:
	close_fd(&pfd);
	close_fd(&prog);
	return err;
}

/* The uprobe target: a function of our own executable. */
__attribute__((noinline)) void vg_probe_uprobe_target(void);
__attribute__((noinline)) void vg_probe_uprobe_target(void)
{
	__asm__ __volatile__("" ::: "memory");
}

/*
 * File offset of `addr` in the file mapped there, from /proc/self/maps; this
 * works for PIE and non-PIE executables and for stripped ones.
 */
static int file_offset(uintptr_t addr, char *path, size_t len, unsigned long *offset)
{
	unsigned long start, end, off;
	char line[4096];
	int pos, err = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		pos = 0;
		if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %n", &start, &end, &off, &pos) < 3 || !pos)
			continue;
		if (addr < start || addr >= end)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (line[pos] != '/') {
			err = -ENOENT;
		} else if (strlen(line + pos) >= len) {
			err = -ENAMETOOLONG;
		} else {
			strcpy(path, line + pos);
			*offset = addr - start + off;
			err = 0;
		}
		break;
	}
	fclose(f);
	return err;
}

static int probe_uprobe(struct vg_feature_result *r)
{
	struct perf_event_attr attr = {};
	int prog = -1, pfd = -1, type, err;
	unsigned long offset = 0;
	char path[4096];

	prog = load_prog(BPF_PROG_TYPE_KPROBE, 0, 0, 0);
	if (prog < 0) {
		err = note(r, prog, "load: %s", strerror(-prog));
		goto cleanup;
	}
	type = pmu_type("uprobe");
	if (type < 0) {
		err = note(r, type, "no uprobe pmu in " PMU_DIR " (kernel without uprobe events)");
		goto cleanup;
	}
	err = file_offset((uintptr_t)vg_probe_uprobe_target, path, sizeof(path), &offset);
	if (err) {
		note(r, err, "find own function in /proc/self/maps: %s", strerror(-err));
		goto cleanup;
	}
	attr.type = type;
	attr.size = sizeof(attr);
	attr.config1 = (__u64)(uintptr_t)path;	/* uprobe_path */
	attr.config2 = offset;			/* probe_offset */
	pfd = perf_event_open(&attr, 0, -1);	/* this process only */
	if (pfd < 0) {
		err = note(r, pfd, "perf_event_open: %s", strerror(-pfd));
		goto cleanup;
	}
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog) < 0) {
		err = note(r, -errno, "attach: %s", strerror(errno));
		goto cleanup;
	}
	vg_probe_uprobe_target();	/* fire it once */
	err = note(r, 0, "attach to own function at offset 0x%lx ok", offset);
cleanup:
	close_fd(&pfd);
	close_fd(&prog);
	return err;
}

/* --- XDP, in a child in a private network namespace --------------------- */

struct xdp_report {
	struct vg_feature_result generic;
	struct vg_feature_result native;
};

struct nl_req {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
	char attrs[256];
};

static struct rtattr *nl_attr(struct nlmsghdr *nh, unsigned short type,
			      const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static void nl_nest_end(struct nlmsghdr *nh, struct rtattr *nest)
{
	nest->rta_len = (char *)nh + nh->nlmsg_len - (char *)nest;
}

/* Create veth pair `name` <-> `peer` in the current netns via rtnetlink. */
static int veth_create(const char *name, const char *peer)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nl_req req = {};
	struct rtattr *linkinfo, *data, *peer_attr;
	struct ifinfomsg peer_ifi = { .ifi_family = AF_UNSPEC };
	char reply[1024];
	struct nlmsghdr *rh;
	ssize_t n;
	int fd, err;

	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	req.nh.nlmsg_type = RTM_NEWLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	nl_attr(&req.nh, IFLA_IFNAME, name, strlen(name) + 1);
	linkinfo = nl_attr(&req.nh, IFLA_LINKINFO, NULL, 0);
	nl_attr(&req.nh, IFLA_INFO_KIND, "veth", 4);
	data = nl_attr(&req.nh, IFLA_INFO_DATA, NULL, 0);
	/* VETH_INFO_PEER carries a struct ifinfomsg followed by attributes. */
	peer_attr = nl_attr(&req.nh, VETH_INFO_PEER, &peer_ifi, sizeof(peer_ifi));
	nl_attr(&req.nh, IFLA_IFNAME, peer, strlen(peer) + 1);
	nl_nest_end(&req.nh, peer_attr);
	nl_nest_end(&req.nh, data);
	nl_nest_end(&req.nh, linkinfo);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		goto cleanup;
	}
	n = recv(fd, reply, sizeof(reply), 0);
	if (n < 0) {
		err = -errno;
		goto cleanup;
	}
	rh = (struct nlmsghdr *)reply;
	if (!NLMSG_OK(rh, (size_t)n) || rh->nlmsg_type != NLMSG_ERROR) {
		err = -EPROTO;
		goto cleanup;
	}
	err = ((struct nlmsgerr *)NLMSG_DATA(rh))->error;	/* 0 or -errno */
cleanup:
	close(fd);
	return err;
}


static int xdp_try(struct vg_feature_result *r, int prog, const char *ifname, __u32 mode)
{
	int ifindex, err;

	ifindex = if_nametoindex(ifname);
	if (!ifindex)
		return note(r, -errno, "find %s: %s", ifname, strerror(errno));
	err = bpf_xdp_attach(ifindex, prog, mode | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (err)
		return note(r, err, "attach to %s: %s", ifname, strerror(-err));
	err = bpf_xdp_detach(ifindex, mode, NULL);
	if (err)
		return note(r, err, "detach from %s: %s", ifname, strerror(-err));
	return note(r, 0, "attach to %s in private netns ok", ifname);
}

/*
 * Runs in the forked child.  Nothing here may touch the parent's network
 * namespace: if unshare() fails, nothing is attached.
 */
static void xdp_child(int prog, struct xdp_report *rep)
{
	int err;

	if (unshare(CLONE_NEWNET) < 0) {
		err = -errno;
		note(&rep->generic, err, "unshare netns: %s", strerror(-err));
		note(&rep->native, err, "unshare netns: %s", strerror(-err));
		return;
	}
	err = vg_link_up("lo");
	if (err)
		note(&rep->generic, err, "bring up lo: %s", strerror(-err));
	else
		xdp_try(&rep->generic, prog, "lo", XDP_FLAGS_SKB_MODE);

	err = veth_create("vgprobe0", "vgprobe1");
	if (err)
		note(&rep->native, err, "create veth: %s", strerror(-err));
	else
		xdp_try(&rep->native, prog, "vgprobe0", XDP_FLAGS_DRV_MODE);
}

static int read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;
	int ret;

	while (got < len) {
		ret = poll(&pfd, 1, timeout_ms);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -errno;
		if (ret == 0)
			return -ETIMEDOUT;
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		got += n;
	}
	return 0;
}

static int probe_xdp(struct vg_feature_result *generic, struct vg_feature_result *native)
{
	struct xdp_report rep = {};
	int prog, pipefd[2] = { -1, -1 }, err;
	pid_t pid = -1;

	prog = load_prog(BPF_PROG_TYPE_XDP, 0, 0, XDP_PASS);
	if (prog < 0) {
		err = note(generic, prog, "load: %s", strerror(-prog));
		note(native, prog, "load: %s", strerror(-prog));
		goto cleanup;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		err = note(generic, -errno, "pipe: %s", strerror(errno));
		note(native, err, "pipe: %s", strerror(-err));
		goto cleanup;
	}
	pid = fork();
	if (pid < 0) {
		err = note(generic, -errno, "fork: %s", strerror(errno));
		note(native, err, "fork: %s", strerror(-err));
		goto cleanup;
	}
	if (pid == 0) {
		/*
		 * The child must not return into the caller: it reports and
		 * leaves with _exit(), its namespace and veth pair going with it.
		 */
		close(pipefd[0]);
		xdp_child(prog, &rep);
		_exit(write(pipefd[1], &rep, sizeof(rep)) == sizeof(rep) ? 0 : 1);
	}
	close_fd(&pipefd[1]);
	err = read_full(pipefd[0], &rep, sizeof(rep), XDP_CHILD_TIMEOUT_MS);
	if (err) {
		kill(pid, SIGKILL);
		note(generic, err, "no report from netns child: %s", strerror(-err));
		note(native, err, "no report from netns child: %s", strerror(-err));
		goto cleanup;
	}
	*generic = rep.generic;
	*native = rep.native;
	err = generic->err ? generic->err : native->err;
cleanup:
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	close_fd(&pipefd[0]);
	close_fd(&pipefd[1]);
	close_fd(&prog);
	return err;
}

/* --- cgroups ----------------------------------------------------------- */

/* Make a fresh, empty child cgroup `<parent>/vigil-probe-<pid>`. */
static int cgroup_mkdir(const char *parent, char *path, size_t len)
{
	char name[64];
	int err;

	snprintf(name, sizeof(name), PROBE_PREFIX "%d", (int)getpid());
	err = join(path, len, parent, name);
	if (err)
		return err;
	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	/* Left over by an earlier run with our pid: reuse it only if empty. */
	if (rmdir(path) < 0 || mkdir(path, 0755) < 0)
		return -errno;
	return 0;
}

static int cgroup_attach(struct vg_feature_result *r, int cgfd, enum bpf_prog_type type,
			 enum bpf_attach_type attach_type, const char *what)
{
	int prog, err;

	prog = load_prog(type, attach_type, 0, 1);	/* 1: allow */
	if (prog < 0)
		return note(r, prog, "load: %s", strerror(-prog));
	err = bpf_prog_attach(prog, cgfd, attach_type, 0);
	if (err) {
		note(r, err, "attach: %s", strerror(-err));
		goto cleanup;
	}
	err = bpf_prog_detach2(prog, cgfd, attach_type);
	if (err) {
		note(r, err, "detach: %s", strerror(-err));
		goto cleanup;
	}
	note(r, 0, "attach %s to a temporary cgroup ok", what);
cleanup:
	close(prog);
	return err;
}

static int file_exists(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int err;

	err = join(path, sizeof(path), dir, name);
	if (err)
		return err;
	return access(path, F_OK) == 0 ? 0 : -errno;
}

static int cgroup_write(const char *dir, const char *name, const char *val)
{
	char path[PATH_MAX];
	int err;

	err = join(path, sizeof(path), dir, name);
	return err ? err : vg_write_file(path, val);
}

static int cgroup_read(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	int err;

	err = join(path, sizeof(path), dir, name);
	return err ? err : read_file(path, buf, len);
}

static int probe_v2_freeze(struct vg_feature_result *r, const char *cg)
{
	char events[256];
	int err;

	err = cgroup_write(cg, "cgroup.freeze", "1");
	if (err)
		return note(r, err, "write cgroup.freeze: %s", strerror(-err));
	/* An empty cgroup is frozen at once. */
	err = cgroup_read(cg, "cgroup.events", events, sizeof(events));
	if (!err && !strstr(events, "frozen 1"))
		err = -EAGAIN;
	cgroup_write(cg, "cgroup.freeze", "0");
	if (err)
		return note(r, err, "cgroup.events does not say frozen: %s", strerror(-err));
	return note(r, 0, "freeze and thaw a temporary cgroup ok");
}

static int probe_v2_cpu(struct vg_feature_result *r, const char *root, const char *cg)
{
	char ctrl[256];
	int err;

	err = cgroup_read(root, "cgroup.controllers", ctrl, sizeof(ctrl));
	if (err)
		return note(r, err, "read cgroup.controllers: %s", strerror(-err));
	if (!has_word(ctrl, "cpu"))
		return note(r, -ENOENT, "no cpu in cgroup.controllers (\"%s\")", ctrl);
	/* vigil does not enable controllers in the root: that is the admin's. */
	if (file_exists(cg, "cpu.max"))
		return note(r, -ENOENT, "cpu not enabled in the root's cgroup.subtree_control");
	err = cgroup_write(cg, "cpu.max", "max");
	if (err)
		return note(r, err, "write cpu.max: %s", strerror(-err));
	return note(r, 0, "cpu.max of a temporary cgroup writable");
}

static void probe_cgroup_v2(struct vg_probe *p)
{
	struct vg_feature_result *skb = &p->feat[VG_FEAT_CGROUP_SKB];
	struct vg_feature_result *sa = &p->feat[VG_FEAT_CGROUP_SOCK_ADDR];
	struct vg_feature_result *cpu = &p->feat[VG_FEAT_CGROUP_V2_CPU];
	struct vg_feature_result *frz = &p->feat[VG_FEAT_CGROUP_V2_FREEZE];
	char root[PATH_MAX], cg[PATH_MAX];
	int cgfd = -1, err;
	bool made = false;

	err = vg_mount_find("cgroup2", root, sizeof(root));
	if (err) {
		note(skb, err, "no cgroup2 mount: %s", strerror(-err));
		goto fail_all;
	}
	err = cgroup_mkdir(root, cg, sizeof(cg));
	if (err) {
		note(skb, err, "mkdir in '%s': %s", root, strerror(-err));
		goto fail_all;
	}
	made = true;
	cgfd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		err = -errno;
		note(skb, err, "open '%s': %s", cg, strerror(-err));
		goto fail_all;
	}
	cgroup_attach(skb, cgfd, BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS,
		      "cgroup_skb/egress");
	cgroup_attach(sa, cgfd, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT,
		      "cgroup/connect4");
	probe_v2_cpu(cpu, root, cg);
	if (file_exists(cg, "cgroup.freeze"))
		note(frz, -ENOENT, "no cgroup.freeze in a child cgroup (kernel < 5.2)");
	else
		probe_v2_freeze(frz, cg);
	goto cleanup;
fail_all:
	*sa = *cpu = *frz = *skb;
cleanup:
	close_fd(&cgfd);
	if (made && rmdir(cg) < 0)
		vg_warn("cannot remove cgroup '%s': %s", cg, strerror(errno));
}

/*
 * A v1 hierarchy with `controller`: make a child, write `val` to `file`, read
 * it back, write `restore` (when not NULL), remove the child.
 */
static int probe_cgroup_v1(struct vg_feature_result *r, const char *controller,
			   const char *file, const char *val, const char *restore)
{
	char root[PATH_MAX], cg[PATH_MAX], back[64];
	bool made = false;
	int err;

	err = vg_mount_find_cgroup_v1(controller, root, sizeof(root));
	if (err) {
		note(r, err, "no cgroup v1 %s hierarchy mounted", controller);
		goto cleanup;
	}
	err = cgroup_mkdir(root, cg, sizeof(cg));
	if (err) {
		note(r, err, "mkdir in '%s': %s", root, strerror(-err));
		goto cleanup;
	}
	made = true;
	err = cgroup_write(cg, file, val);
	if (err) {
		note(r, err, "write %s: %s", file, strerror(-err));
		goto cleanup;
	}
	err = cgroup_read(cg, file, back, sizeof(back));
	if (!err && strcmp(back, val) != 0)
		err = -EAGAIN;
	if (err) {
		note(r, err, "%s does not read back %s", file, val);
		goto cleanup;
	}
	note(r, 0, "set %s=%s in a temporary cgroup of '%s' ok", file, val, root);
cleanup:
	if (made && restore)
		cgroup_write(cg, file, restore);
	if (made && rmdir(cg) < 0)
		vg_warn("cannot remove cgroup '%s': %s", cg, strerror(errno));
	return err;
}

/* --- the rest ---------------------------------------------------------- */

static int probe_ringbuf(struct vg_feature_result *r)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "vigil_probe", 0, 0,
			    page > 0 ? page : 4096, NULL);
	if (fd < 0)
		return note(r, -errno, "create: %s", strerror(errno));
	close(fd);
	return note(r, 0, "create ringbuf map ok");
}

static int probe_send_signal(struct vg_feature_result *r)
{
	int ret;

	ret = libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_send_signal, NULL);
	if (ret < 0)
		return note(r, ret, "probe: %s", strerror(-ret));
	if (ret == 0)
		return note(r, -EOPNOTSUPP, "helper rejected by the verifier");
	return note(r, 0, "helper accepted in a tracepoint program");
}

static int probe_fanotify(struct vg_feature_result *r)
{
	char path[] = "/tmp/" PROBE_PREFIX "XXXXXX";
	int tmp, fan = -1, err;

	tmp = mkostemp(path, O_CLOEXEC);
	if (tmp < 0)
		return note(r, -errno, "create '%s': %s", path, strerror(errno));
	fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);
	if (fan < 0) {
		err = note(r, -errno, "fanotify_init: %s", strerror(errno));
		goto cleanup;
	}
	/* A mark on our own file only; nobody opens it while it exists. */
	if (fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM,
			  AT_FDCWD, path) < 0) {
		err = note(r, -errno, "fanotify_mark: %s", strerror(errno));
		goto cleanup;
	}
	err = note(r, 0, "open_perm and open_exec_perm mark on a temporary file ok");
cleanup:
	close_fd(&fan);
	close(tmp);
	unlink(path);
	return err;
}

static void probe_lockdown(struct vg_probe *p)
{
	char buf[128], *open_br, *close_br;

	snprintf(p->lockdown, sizeof(p->lockdown), "unknown");
	if (vg_mount_securityfs() || read_file(LOCKDOWN_PATH, buf, sizeof(buf)))
		return;
	open_br = strchr(buf, '[');
	close_br = open_br ? strchr(open_br, ']') : NULL;
	if (!close_br || close_br - open_br - 1 >= (long)sizeof(p->lockdown))
		return;
	*close_br = '\0';
	snprintf(p->lockdown, sizeof(p->lockdown), "%s", open_br + 1);
}

int vg_probe_run(struct vg_probe *p)
{
	struct utsname u;
	struct btf *btf;
	int f;

	memset(p, 0, sizeof(*p));
	if (uname(&u) == 0)
		snprintf(p->kernel, sizeof(p->kernel), "%s", u.release);
	snprintf(p->lockdown, sizeof(p->lockdown), "unknown");
	if (geteuid() != 0) {
		for (f = 0; f < VG_FEAT_MAX; f++)
			note(&p->feat[f], -EPERM, "not probed: needs root");
		return -EPERM;
	}
	probe_lockdown(p);

	btf = probe_btf(&p->feat[VG_FEAT_BTF]);
	probe_tracepoint(&p->feat[VG_FEAT_TRACEPOINT]);
	probe_raw_tp(&p->feat[VG_FEAT_RAW_TP]);
	probe_tracing(&p->feat[VG_FEAT_TP_BTF], btf, BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP,
		      "btf_trace_sched_process_fork", BTF_KIND_TYPEDEF,
		      "tp_btf/sched_process_fork");
	probe_kprobe(&p->feat[VG_FEAT_KPROBE]);
	probe_tracing(&p->feat[VG_FEAT_FENTRY], btf, BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY,
		      KPROBE_FUNC, BTF_KIND_FUNC, "fentry/" KPROBE_FUNC);
	probe_tracing(&p->feat[VG_FEAT_FEXIT], btf, BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT,
		      KPROBE_FUNC, BTF_KIND_FUNC, "fexit/" KPROBE_FUNC);
	probe_lsm(&p->feat[VG_FEAT_LSM], btf);
	probe_uprobe(&p->feat[VG_FEAT_UPROBE]);
	probe_xdp(&p->feat[VG_FEAT_XDP_GENERIC], &p->feat[VG_FEAT_XDP_NATIVE]);
	probe_cgroup_v2(p);
	probe_ringbuf(&p->feat[VG_FEAT_RINGBUF]);
	probe_send_signal(&p->feat[VG_FEAT_SEND_SIGNAL]);
	probe_fanotify(&p->feat[VG_FEAT_FANOTIFY_PERM]);
	probe_cgroup_v1(&p->feat[VG_FEAT_CGROUP_V1_CPU], "cpu", "cpu.cfs_quota_us", "-1", NULL);
	probe_cgroup_v1(&p->feat[VG_FEAT_CGROUP_V1_FREEZER], "freezer", "freezer.state",
			"FROZEN", "THAWED");
	btf__free(btf);

	for (f = 0; f < VG_FEAT_MAX; f++)
		vg_debug("probe %s: %s: %s", vg_feature_name(f),
			 p->feat[f].available ? "yes" : "no", p->feat[f].detail);
	return 0;
}
