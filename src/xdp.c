// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * xdp.c - the XDP ingress filter, user side: attach and pin, rules into the
 * pinned maps, counters, detach, stale-state clean-up.  See xdp.h.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "mounts.h"
#include "xdp.h"
#include "xdp.skel.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

/* Pin names inside a filter's directory; "link" is pinned last. */
static const char *const map_pins[] = {
	"rules", "src4", "src6", "counters", "stats", "buckets", "meta",
};
#define N_MAP_PINS (sizeof(map_pins) / sizeof(map_pins[0]))

static int *map_fd_slot(struct vg_xdp *x, size_t i)
{
	int *slots[] = {
		&x->rules_fd, &x->src4_fd, &x->src6_fd, &x->counters_fd,
		&x->stats_fd, &x->buckets_fd, &x->meta_fd,
	};

	return slots[i];
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void xdp_init(struct vg_xdp *x)
{
	memset(x, 0, sizeof(*x));
	x->lock_fd = x->link_fd = -1;
	for (size_t i = 0; i < N_MAP_PINS; i++)
		*map_fd_slot(x, i) = -1;
}

static void close_maps(struct vg_xdp *x)
{
	close_fd(&x->link_fd);
	for (size_t i = 0; i < N_MAP_PINS; i++)
		close_fd(map_fd_slot(x, i));
}

/* --- where the pins live ---------------------------------------------- */

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && (unsigned long)st.f_type == BPF_FS_MAGIC;
}

static int ns_ino(const char *path, unsigned long long *ino)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	*ino = st.st_ino;
	return 0;
}

/*
 * The bpffs to pin in.  `ip netns exec` runs commands in a private mount
 * namespace with a fresh /sys and no bpffs: a bpffs mounted there would die
 * with the command, and the filter with it.  So when /sys/fs/bpf is not a
 * bpffs: in PID 1's mount namespace, mount one; elsewhere use PID 1's
 * through /proc/1/root if we may; else fail with advice.
 */
static int bpffs_base(char *out, size_t len)
{
	unsigned long long self = 0, init = 1;
	bool init_known, in_init;
	int err;

	if (is_bpffs(VG_BPFFS_PATH)) {
		snprintf(out, len, "%s", VG_BPFFS_PATH);
		return 0;
	}
	init_known = !ns_ino("/proc/self/ns/mnt", &self) && !ns_ino("/proc/1/ns/mnt", &init);
	in_init = init_known && self == init;
	if (!in_init && is_bpffs("/proc/1/root" VG_BPFFS_PATH)) {
		vg_debug("no bpffs on %s here: pinning in PID 1's, /proc/1/root%s",
			 VG_BPFFS_PATH, VG_BPFFS_PATH);
		snprintf(out, len, "/proc/1/root%s", VG_BPFFS_PATH);
		return 0;
	}
	if (init_known && !in_init) {
		vg_error("no bpffs on %s in this mount namespace, which is not the host's "
			 "(`ip netns exec` gives commands a private /sys): pins made here would "
			 "vanish with this command; run vigil with `nsenter --net=/run/netns/NAME` "
			 "instead, or mount bpffs on %s", VG_BPFFS_PATH, VG_BPFFS_PATH);
		return -ENOENT;
	}
	if (!init_known)
		vg_warn("no bpffs on %s; mounting one, but PID 1's mount namespace is unreadable: "
			"if this one is private (`ip netns exec`), the filter goes when the command "
			"exits (use `nsenter --net=/run/netns/NAME`)", VG_BPFFS_PATH);
	err = vg_mount_bpffs();
	if (err)
		return vg_error("cannot mount bpffs on '%s': %s", VG_BPFFS_PATH, strerror(-err)), err;
	snprintf(out, len, "%s", VG_BPFFS_PATH);
	return 0;
}

static int mkdir_p2(const char *base, char *out, size_t len)
{
	if ((size_t)snprintf(out, len, "%s/vigil", base) >= len)
		return -ENAMETOOLONG;
	if (mkdir(out, 0700) < 0 && errno != EEXIST)
		return -errno;
	if ((size_t)snprintf(out, len, "%s/" VG_XDP_PIN_SUBDIR, base) >= len)
		return -ENAMETOOLONG;
	if (mkdir(out, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Open and flock <bpffs>/vigil/xdp; its path goes to `root`. */
static int lock_root(char *root, size_t len)
{
	char base[PATH_MAX - 64];
	int fd, err;

	err = bpffs_base(base, sizeof(base));
	if (err)
		return err;
	err = mkdir_p2(base, root, len);
	if (err)
		return vg_error("cannot create '%s': %s", root, strerror(-err)), err;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return vg_error("cannot open '%s': %s", root, strerror(errno)), -errno;
	if (flock(fd, LOCK_EX) < 0) {
		err = -errno;
		close(fd);
		return vg_error("cannot lock '%s': %s", root, strerror(-err)), err;
	}
	return fd;
}

/* "<ifname>" in PID 1's network namespace, "<ifname>@ns<inode>" elsewhere;
 * the suffix alone (possibly "") into `suffix`. */
static int netns_suffix(char *suffix, size_t len, unsigned long long *ino_out)
{
	unsigned long long self, init;
	int err;

	err = ns_ino("/proc/self/ns/net", &self);
	if (err)
		return err;
	*ino_out = self;
	if (ns_ino("/proc/1/ns/net", &init) || init != self)
		snprintf(suffix, len, "@ns%llu", self);
	else
		suffix[0] = '\0';
	return 0;
}

/* out = dir + "/" + name */
static int pin_path(char *out, size_t len, const char *dir, const char *name)
{
	size_t dlen = strlen(dir), nlen = strlen(name);

	if (dlen + 1 + nlen + 1 > len)
		return -ENAMETOOLONG;
	memcpy(out, dir, dlen);
	out[dlen] = '/';
	memcpy(out + dlen + 1, name, nlen + 1);
	return 0;
}

static int remove_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int err = 0;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (pin_path(path, sizeof(path), dir, de->d_name))
			continue;
		if (unlink(path) < 0 && errno != ENOENT)
			err = -errno;
	}
	closedir(d);
	if (rmdir(dir) < 0 && errno != ENOENT)
		err = -errno;
	return err;
}

/* Is the filter pinned in `dir` alive?  1 yes, 0 stale (why in `why`). */
static int pin_alive(const char *dir, const char **why)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, alive;

	if (pin_path(path, sizeof(path), dir, "link"))
		return 1;	/* cannot be ours: leave it */
	fd = bpf_obj_get(path);
	if (fd < 0) {
		*why = "no pinned link (an earlier command stopped half way)";
		return 0;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		*why = "link info unreadable";
		alive = 0;
	} else if (info.type != BPF_LINK_TYPE_XDP) {
		*why = "not an XDP link";
		alive = 0;
	} else if (!info.xdp.ifindex) {
		*why = "link detached (interface gone)";
		alive = 0;
	} else {
		alive = 1;
	}
	close(fd);
	return alive;
}

/* Remove every stale filter directory under `root` (any netns). */
static void gc(const char *root)
{
	char dir[PATH_MAX];
	struct dirent *de;
	const char *why;
	DIR *d;

	d = opendir(root);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (pin_path(dir, sizeof(dir), root, de->d_name))
			continue;
		if (pin_alive(dir, &why))
			continue;
		vg_info("removing stale xdp filter pins '%s': %s", dir, why);
		if (remove_dir(dir))
			vg_warn("cannot remove '%s': %s", dir, strerror(errno));
	}
	closedir(d);
}

/* --- attach ------------------------------------------------------------ */

static int open_pinned(struct vg_xdp *x)
{
	char path[PATH_MAX];
	__u32 zero = 0;
	int err;

	for (size_t i = 0; i < N_MAP_PINS; i++) {
		pin_path(path, sizeof(path), x->dir, map_pins[i]);
		*map_fd_slot(x, i) = bpf_obj_get(path);
		if (*map_fd_slot(x, i) < 0) {
			err = -errno;
			return vg_error("cannot open pinned map '%s': %s", path, strerror(-err)), err;
		}
	}
	pin_path(path, sizeof(path), x->dir, "link");
	x->link_fd = bpf_obj_get(path);
	if (x->link_fd < 0) {
		err = -errno;
		return vg_error("cannot open pinned link '%s': %s", path, strerror(-err)), err;
	}
	if (bpf_map_lookup_elem(x->meta_fd, &zero, &x->meta)) {
		err = -errno;
		return vg_error("cannot read '%s/meta': %s", x->dir, strerror(-err)), err;
	}
	if (x->meta.abi != VG_XDP_ABI) {
		vg_error("the filter pinned in '%s' is from another vigil version (abi %u, this is %u): "
			 "detach it first", x->dir, x->meta.abi, VG_XDP_ABI);
		return -ESTALE;
	}
	if ((int)x->meta.ifindex != x->ifindex) {
		vg_error("the filter pinned in '%s' is on ifindex %u, '%s' is now ifindex %d",
			 x->dir, x->meta.ifindex, x->ifname, x->ifindex);
		return -ESTALE;
	}
	x->mode = x->meta.mode;
	return 0;
}

static int link_xdp(int prog_fd, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	int fd;

	fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	return fd < 0 ? -errno : fd;
}

/*
 * Load, pin the maps, attach (native, else generic), write meta, pin the
 * link.  On failure nothing stays: the pins are removed and the link fd,
 * its only reference, is closed.
 */
static int attach_new(struct vg_xdp *x, unsigned long long netns)
{
	struct bpf_map *maps[N_MAP_PINS];
	struct vigil_xdp *skel;
	struct vg_xdp_meta meta = {};
	struct timespec ts;
	char path[PATH_MAX];
	int link_fd = -1, prog_fd, err, native_err;
	__u32 zero = 0;
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	err = bpf_xdp_query(x->ifindex, 0, &q);
	if (!err && q.attach_mode != XDP_ATTACHED_NONE) {
		vg_error("'%s' already has an XDP program (id %u) that vigil did not attach: "
			 "not attaching a second one", x->ifname,
			 q.prog_id ? q.prog_id : q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id);
		return -EBUSY;
	}

	skel = vigil_xdp__open_and_load();
	if (!skel) {
		err = -errno;
		return vg_error("cannot load the xdp filter: %s", strerror(-err)), err;
	}
	if (mkdir(x->dir, 0700) < 0) {
		err = -errno;
		vg_error("cannot create '%s': %s", x->dir, strerror(-err));
		goto cleanup_skel;
	}
	maps[0] = skel->maps.vg_xdp_rules;
	maps[1] = skel->maps.vg_xdp_src4;
	maps[2] = skel->maps.vg_xdp_src6;
	maps[3] = skel->maps.vg_xdp_counters;
	maps[4] = skel->maps.vg_xdp_stats;
	maps[5] = skel->maps.vg_xdp_buckets;
	maps[6] = skel->maps.vg_xdp_meta;
	for (size_t i = 0; i < N_MAP_PINS; i++) {
		pin_path(path, sizeof(path), x->dir, map_pins[i]);
		if (bpf_obj_pin(bpf_map__fd(maps[i]), path)) {
			err = -errno;
			vg_error("cannot pin '%s': %s", path, strerror(-err));
			goto cleanup;
		}
	}

	/* Native first; the driver may not implement it (lo, some NICs). */
	prog_fd = bpf_program__fd(skel->progs.vg_xdp_filter);
	link_fd = link_xdp(prog_fd, x->ifindex, XDP_FLAGS_DRV_MODE);
	x->mode = VG_XDP_MODE_NATIVE;
	if (link_fd < 0) {
		native_err = link_fd;
		link_fd = link_xdp(prog_fd, x->ifindex, XDP_FLAGS_SKB_MODE);
		x->mode = VG_XDP_MODE_GENERIC;
		if (link_fd < 0) {
			err = link_fd;
			vg_error("cannot attach xdp to '%s': native: %s, generic: %s", x->ifname,
				 strerror(-native_err), strerror(-err));
			goto cleanup;
		}
		vg_info("native xdp unavailable on '%s' (%s): attached in generic mode",
			x->ifname, strerror(-native_err));
	}

	meta.abi = VG_XDP_ABI;
	meta.mode = x->mode;
	meta.ifindex = x->ifindex;
	meta.netns_ino = netns;
	clock_gettime(CLOCK_REALTIME, &ts);
	meta.attached_ns = (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	snprintf(meta.ifname, sizeof(meta.ifname), "%s", x->ifname);
	meta.next_gen = 1;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.vg_xdp_meta), &zero, &meta, BPF_ANY)) {
		err = -errno;
		vg_error("cannot write xdp meta: %s", strerror(-err));
		goto cleanup;
	}
	pin_path(path, sizeof(path), x->dir, "link");
	if (bpf_obj_pin(link_fd, path)) {
		err = -errno;
		vg_error("cannot pin '%s': %s", path, strerror(-err));
		goto cleanup;
	}
	err = 0;
	x->created = true;
cleanup:
	if (err)
		remove_dir(x->dir);
	if (link_fd >= 0)
		close(link_fd);	/* the pin holds it now, or nothing does */
cleanup_skel:
	vigil_xdp__destroy(skel);
	return err;
}

int vg_xdp_open(struct vg_xdp *x, const char *ifname, bool attach)
{
	char root[PATH_MAX - 64], suffix[32];
	unsigned long long netns;
	struct stat st;
	int err;

	xdp_init(x);
	if (!*ifname || strlen(ifname) >= sizeof(x->ifname))
		return vg_error("bad interface name '%s'", ifname), -EINVAL;
	snprintf(x->ifname, sizeof(x->ifname), "%s", ifname);
	x->ifindex = if_nametoindex(ifname);
	if (!x->ifindex)
		return vg_error("no interface '%s' in this network namespace", ifname), -ENODEV;
	err = netns_suffix(suffix, sizeof(suffix), &netns);
	if (err)
		return vg_error("cannot read network namespace: %s", strerror(-err)), err;

	x->lock_fd = lock_root(root, sizeof(root));
	if (x->lock_fd < 0) {
		err = x->lock_fd;
		x->lock_fd = -1;
		return err;
	}
	gc(root);
	if ((size_t)snprintf(x->dir, sizeof(x->dir), "%s/%s%s", root, ifname, suffix) >=
	    sizeof(x->dir)) {
		vg_xdp_close(x);
		return -ENAMETOOLONG;
	}

	if (stat(x->dir, &st) == 0) {
		err = open_pinned(x);
	} else if (!attach) {
		vg_error("no vigil xdp filter on '%s'", ifname);
		err = -ENOENT;
	} else {
		err = attach_new(x, netns);
		if (!err)
			err = open_pinned(x);
	}
	if (err)
		vg_xdp_close(x);
	return err;
}

void vg_xdp_close(struct vg_xdp *x)
{
	close_maps(x);
	close_fd(&x->lock_fd);	/* releases the flock */
}

int vg_xdp_detach(struct vg_xdp *x)
{
	int err = 0;

	/* Detach now, whoever else holds the link (a running `xdp stats`). */
	if (x->link_fd >= 0 && bpf_link_detach(x->link_fd)) {
		err = -errno;
		vg_error("cannot detach the xdp link of '%s': %s", x->ifname, strerror(-err));
	}
	close_maps(x);
	if (remove_dir(x->dir)) {
		err = err ? err : -errno;
		vg_error("cannot remove '%s': %s", x->dir, strerror(errno));
	}
	vg_xdp_close(x);
	return err;
}

/* --- rules ------------------------------------------------------------- */

static int read_rules(struct vg_xdp *x, struct vg_xdp_rule rules[VG_XDP_RULES_MAX])
{
	for (__u32 i = 0; i < VG_XDP_RULES_MAX; i++)
		if (bpf_map_lookup_elem(x->rules_fd, &i, &rules[i]))
			return vg_error("cannot read xdp rule slot %u: %s", i, strerror(errno)), -errno;
	return 0;
}

static bool same_match(const struct vg_xdp_rule *a, const struct vg_xdp_rule *b)
{
	return a->action == b->action && a->family == b->family &&
	       a->prefixlen == b->prefixlen && a->proto == b->proto && a->dport == b->dport &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr)) && a->pps == b->pps &&
	       a->burst == b->burst;
}

/* Does prefix (a, alen) contain prefix (b, blen)? */
static bool prefix_contains(const __u8 *a, unsigned int alen, const __u8 *b, unsigned int blen)
{
	unsigned int full = alen / 8, rest = alen % 8;

	if (alen > blen)
		return false;
	if (memcmp(a, b, full))
		return false;
	if (rest) {
		__u8 mask = (__u8)(0xff << (8 - rest));

		if ((a[full] & mask) != (b[full] & mask))
			return false;
	}
	return true;
}

struct prefix {
	__u32 len;
	__u8 addr[16];
	__u64 rules;
};

/*
 * Rewrite one LPM trie from the rules: each distinct prefix maps to the bits
 * of all rules whose CIDR contains it (so the longest match for an address
 * carries every rule that contains the address).  New values are written
 * before stale keys are deleted.
 */
static int rebuild_family(int fd, const struct vg_xdp_rule rules[VG_XDP_RULES_MAX], int family)
{
	struct prefix pfx[VG_XDP_RULES_MAX];
	unsigned int n = 0, alen = family == 4 ? 4 : 16;
	struct vg_xdp_src6_key key, next;	/* the v4 key is a prefix of it */
	size_t ksize = family == 4 ? sizeof(struct vg_xdp_src4_key) : sizeof(key);
	void *prev = NULL;

	for (unsigned int i = 0; i < VG_XDP_RULES_MAX; i++) {
		const struct vg_xdp_rule *r = &rules[i];
		__u32 len = r->family ? r->prefixlen : 0;
		unsigned int j;

		if (r->action == VG_XDP_ACT_NONE || (r->family && r->family != family))
			continue;
		for (j = 0; j < n; j++)
			if (pfx[j].len == len && !memcmp(pfx[j].addr, r->addr, alen))
				break;
		if (j == n) {
			pfx[n].len = len;
			memcpy(pfx[n].addr, r->addr, sizeof(pfx[n].addr));
			if (!r->family)
				memset(pfx[n].addr, 0, sizeof(pfx[n].addr));
			n++;
		}
	}
	for (unsigned int j = 0; j < n; j++) {
		struct vg_xdp_src_val val = {};

		for (unsigned int i = 0; i < VG_XDP_RULES_MAX; i++) {
			const struct vg_xdp_rule *r = &rules[i];

			if (r->action == VG_XDP_ACT_NONE || (r->family && r->family != family))
				continue;
			if (!r->family || prefix_contains(r->addr, r->prefixlen, pfx[j].addr, pfx[j].len))
				val.rules |= 1ull << i;
		}
		memset(&key, 0, sizeof(key));
		key.prefixlen = pfx[j].len;
		memcpy(key.addr, pfx[j].addr, alen);
		if (bpf_map_update_elem(fd, &key, &val, BPF_ANY))
			return -errno;
	}
	/* Delete keys no rule has any more (restart after each delete). */
	for (;;) {
		bool deleted = false;

		prev = NULL;
		while (!bpf_map_get_next_key(fd, prev, &next)) {
			bool keep = false;

			for (unsigned int j = 0; j < n && !keep; j++)
				keep = pfx[j].len == next.prefixlen && !memcmp(pfx[j].addr, next.addr, alen);
			if (!keep) {
				if (bpf_map_delete_elem(fd, &next) && errno != ENOENT)
					return -errno;
				deleted = true;
				break;
			}
			memcpy(&key, &next, ksize);
			prev = &key;
		}
		if (!deleted)
			return 0;
	}
}

static int rebuild_lpm(struct vg_xdp *x, const struct vg_xdp_rule rules[VG_XDP_RULES_MAX])
{
	int err;

	err = rebuild_family(x->src4_fd, rules, 4);
	if (!err)
		err = rebuild_family(x->src6_fd, rules, 6);
	if (err)
		vg_error("cannot update the xdp source tries: %s", strerror(-err));
	return err;
}

static int zero_counters(struct vg_xdp *x, __u32 slot)
{
	int ncpu = libbpf_num_possible_cpus();
	struct vg_xdp_counter *zeros;
	int err = 0;

	if (ncpu < 0)
		return ncpu;
	zeros = calloc(ncpu, sizeof(*zeros));
	if (!zeros)
		return -ENOMEM;
	if (bpf_map_update_elem(x->counters_fd, &slot, zeros, BPF_ANY))
		err = -errno;
	free(zeros);
	return err;
}

int vg_xdp_rule_add(struct vg_xdp *x, const struct vg_xdp_rule *r, uint32_t *id, bool *existed)
{
	struct vg_xdp_rule rules[VG_XDP_RULES_MAX];
	__u32 slot = VG_XDP_RULES_MAX, zero = 0;
	int err;

	*existed = false;
	err = read_rules(x, rules);
	if (err)
		return err;
	for (__u32 i = 0; i < VG_XDP_RULES_MAX; i++) {
		if (rules[i].action != VG_XDP_ACT_NONE && same_match(&rules[i], r)) {
			*id = i + 1;
			*existed = true;
			return 0;
		}
		if (rules[i].action == VG_XDP_ACT_NONE && slot == VG_XDP_RULES_MAX)
			slot = i;
	}
	if (slot == VG_XDP_RULES_MAX)
		return vg_error("'%s' has %d xdp rules already: delete one first", x->ifname,
				VG_XDP_RULES_MAX), -ENOSPC;

	rules[slot] = *r;
	rules[slot].gen = x->meta.next_gen++;
	if (bpf_map_update_elem(x->meta_fd, &zero, &x->meta, BPF_ANY)) {
		err = -errno;
		return vg_error("cannot write xdp meta: %s", strerror(-err)), err;
	}
	/* Counters first, then the rule, then the tries that make it reachable. */
	err = zero_counters(x, slot);
	if (err)
		return vg_error("cannot reset counters of rule %u: %s", slot + 1, strerror(-err)), err;
	if (bpf_map_update_elem(x->rules_fd, &slot, &rules[slot], BPF_ANY)) {
		err = -errno;
		return vg_error("cannot write xdp rule %u: %s", slot + 1, strerror(-err)), err;
	}
	err = rebuild_lpm(x, rules);
	if (err)
		return err;
	*id = slot + 1;
	return 0;
}

int vg_xdp_rule_delete(struct vg_xdp *x, uint32_t id)
{
	struct vg_xdp_rule rules[VG_XDP_RULES_MAX], empty = {};
	__u32 slot = id - 1;
	int err;

	if (id < 1 || id > VG_XDP_RULES_MAX)
		return -ENOENT;
	err = read_rules(x, rules);
	if (err)
		return err;
	if (rules[slot].action == VG_XDP_ACT_NONE)
		return -ENOENT;
	/* Unreachable first, then empty. */
	rules[slot] = empty;
	err = rebuild_lpm(x, rules);
	if (err)
		return err;
	if (bpf_map_update_elem(x->rules_fd, &slot, &empty, BPF_ANY)) {
		err = -errno;
		return vg_error("cannot clear xdp rule %u: %s", id, strerror(-err)), err;
	}
	return 0;
}

int vg_xdp_rule_get(struct vg_xdp *x, uint32_t id, struct vg_xdp_rule *r,
		    struct vg_xdp_counter *c)
{
	int ncpu = libbpf_num_possible_cpus();
	struct vg_xdp_counter *per;
	__u32 slot = id - 1;
	int err = 0;

	if (id < 1 || id > VG_XDP_RULES_MAX)
		return -ENOENT;
	if (bpf_map_lookup_elem(x->rules_fd, &slot, r))
		return -errno;
	if (r->action == VG_XDP_ACT_NONE)
		return -ENOENT;
	if (!c)
		return 0;
	if (ncpu < 0)
		return ncpu;
	per = calloc(ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	memset(c, 0, sizeof(*c));
	if (bpf_map_lookup_elem(x->counters_fd, &slot, per)) {
		err = -errno;
	} else {
		for (int i = 0; i < ncpu; i++) {
			c->packets += per[i].packets;
			c->bytes += per[i].bytes;
			c->dropped += per[i].dropped;
			c->passed += per[i].passed;
		}
	}
	free(per);
	return err;
}

int vg_xdp_stats_read(struct vg_xdp *x, uint64_t stats[VG_XDP_STAT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *per;
	int err = 0;

	if (ncpu < 0)
		return ncpu;
	per = calloc(ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	for (__u32 s = 0; s < VG_XDP_STAT_MAX; s++) {
		stats[s] = 0;
		if (bpf_map_lookup_elem(x->stats_fd, &s, per)) {
			err = -errno;
			break;
		}
		for (int i = 0; i < ncpu; i++)
			stats[s] += per[i];
	}
	free(per);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vg_xdp_foreach(int (*fn)(const char *ifname, void *ctx), void *ctx)
{
	char root[PATH_MAX - 64], suffix[32];
	unsigned long long netns;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int lock_fd, err;
	DIR *d;

	err = netns_suffix(suffix, sizeof(suffix), &netns);
	if (err)
		return vg_error("cannot read network namespace: %s", strerror(-err)), err;
	lock_fd = lock_root(root, sizeof(root));
	if (lock_fd < 0)
		return lock_fd;
	gc(root);
	d = opendir(root);
	if (!d) {
		err = -errno;
		close(lock_fd);
		return err;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name), slen = strlen(suffix);
		char *at = strchr(de->d_name, '@');

		if (de->d_name[0] == '.' || len <= slen)
			continue;
		/* ours: "<ifname><suffix>" with no other '@ns' part */
		if (slen ? strcmp(de->d_name + len - slen, suffix) : at != NULL)
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? 2 * cap : 8) * sizeof(*names));

			if (!nn) {
				err = -ENOMEM;
				break;
			}
			names = nn;
		}
		names[n] = strndup(de->d_name, len - slen);
		if (!names[n]) {
			err = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	close(lock_fd);	/* fn opens each filter, which takes the lock again */
	if (!err)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (!err)
			err = fn(names[i], ctx);
		free(names[i]);
	}
	free(names);
	return err;
}

/* --- pure helpers ------------------------------------------------------ */

int vg_xdp_parse_cidr(const char *s, struct vg_xdp_rule *r)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long plen;
	unsigned int max, full, rest;
	__u8 addr[16] = {};
	char *end;
	int family;

	if (!hlen || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, addr) == 1) {
		family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, host, addr) == 1) {
		family = 6;
		max = 128;
	} else {
		return -EINVAL;
	}
	plen = max;
	if (slash) {
		/* Digits only: strtoul() would skip blanks and take a sign. */
		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		errno = 0;
		plen = strtoul(slash + 1, &end, 10);
		if (errno || *end || plen > max)
			return -EINVAL;
	}
	full = plen / 8;
	rest = plen % 8;
	if (rest)
		addr[full++] &= (__u8)(0xff << (8 - rest));
	memset(addr + full, 0, sizeof(addr) - full);
	r->family = family;
	r->prefixlen = plen;
	memcpy(r->addr, addr, sizeof(r->addr));
	return 0;
}

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {
	{ "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "icmpv6", 58 }, { "sctp", 132 },
};

int vg_xdp_parse_proto(const char *s, uint8_t *proto)
{
	unsigned long v;
	char *end;

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (!strcasecmp(s, protos[i].name)) {
			*proto = protos[i].proto;
			return 0;
		}
	}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < 1 || v > 255)
		return -EINVAL;
	*proto = (uint8_t)v;
	return 0;
}

int vg_xdp_rule_set_rate(struct vg_xdp_rule *r, uint32_t pps, uint32_t burst)
{
	if (pps < 1 || pps > VG_XDP_PPS_MAX || burst > VG_XDP_BURST_MAX)
		return -EINVAL;
	if (!burst)
		burst = pps;
	r->pps = pps;
	r->burst = burst;
	r->interval_ns = 1000000000ull / pps;
	r->tolerance_ns = (uint64_t)(burst - 1) * r->interval_ns;
	return 0;
}

const char *vg_xdp_proto_name(uint8_t proto, char *buf, size_t len)
{
	if (!proto)
		return "any";
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	snprintf(buf, len, "%u", proto);
	return buf;
}

const char *vg_xdp_src_str(const struct vg_xdp_rule *r, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	if (!r->family)
		return "any";
	inet_ntop(r->family == 4 ? AF_INET : AF_INET6, r->addr, addr, sizeof(addr));
	snprintf(buf, len, "%s/%u", addr, r->prefixlen);
	return buf;
}

const char *vg_xdp_action_name(enum vg_xdp_action a)
{
	switch (a) {
	case VG_XDP_ACT_DROP:
		return "drop";
	case VG_XDP_ACT_RATELIMIT:
		return "ratelimit";
	default:
		return "none";
	}
}

const char *vg_xdp_mode_name(enum vg_xdp_mode m)
{
	switch (m) {
	case VG_XDP_MODE_NATIVE:
		return "native";
	case VG_XDP_MODE_GENERIC:
		return "generic";
	default:
		return "none";
	}
}

const char *vg_xdp_stat_name(enum vg_xdp_stat s)
{
	static const char *const names[VG_XDP_STAT_MAX] = {
		[VG_XDP_STAT_SEEN] = "seen",
		[VG_XDP_STAT_NOT_IP] = "not_ip",
		[VG_XDP_STAT_TRUNCATED] = "truncated",
		[VG_XDP_STAT_NO_MATCH] = "no_match",
		[VG_XDP_STAT_BUCKET_FAIL] = "bucket_fail",
		[VG_XDP_STAT_CONTENDED] = "contended",
	};

	return s < VG_XDP_STAT_MAX ? names[s] : "unknown";
}

void vg_xdp_rule_str(const struct vg_xdp_rule *r, char *buf, size_t len)
{
	char pbuf[8], sbuf[64], port[16] = "";
	int n;

	if (r->dport)
		snprintf(port, sizeof(port), " port %u", r->dport);
	n = snprintf(buf, len, "%s %s%s from %s", vg_xdp_action_name(r->action),
		     vg_xdp_proto_name(r->proto, pbuf, sizeof(pbuf)), port,
		     vg_xdp_src_str(r, sbuf, sizeof(sbuf)));
	if (r->action == VG_XDP_ACT_RATELIMIT && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " %u pps burst %u", r->pps, r->burst);
}

/* --- read-only access for metrics -------------------------------------- */

/* Open the pinned maps and link of x->dir without logging; 0 or -errno. */
static int open_pinned_quiet(struct vg_xdp *x)
{
	char path[PATH_MAX];
	__u32 zero = 0;

	for (size_t i = 0; i < N_MAP_PINS; i++) {
		if (pin_path(path, sizeof(path), x->dir, map_pins[i]))
			return -ENAMETOOLONG;
		*map_fd_slot(x, i) = bpf_obj_get(path);
		if (*map_fd_slot(x, i) < 0)
			return -errno;
	}
	if (pin_path(path, sizeof(path), x->dir, "link"))
		return -ENAMETOOLONG;
	x->link_fd = bpf_obj_get(path);
	if (x->link_fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(x->meta_fd, &zero, &x->meta))
		return -errno;
	if (x->meta.abi != VG_XDP_ABI || (int)x->meta.ifindex != x->ifindex)
		return -ESTALE;
	x->mode = x->meta.mode;
	return 0;
}

int vg_xdp_foreach_unlocked(int (*fn)(struct vg_xdp *x, void *ctx), void *ctx)
{
	char root[PATH_MAX - 64], suffix[32];
	unsigned long long netns;
	struct dirent *de;
	int err = 0;
	DIR *d;

	if (is_bpffs(VG_BPFFS_PATH))
		snprintf(root, sizeof(root), "%s/" VG_XDP_PIN_SUBDIR, VG_BPFFS_PATH);
	else if (is_bpffs("/proc/1/root" VG_BPFFS_PATH))
		snprintf(root, sizeof(root), "/proc/1/root%s/" VG_XDP_PIN_SUBDIR, VG_BPFFS_PATH);
	else
		return 0;
	if (netns_suffix(suffix, sizeof(suffix), &netns))
		return 0;
	d = opendir(root);
	if (!d)
		return 0;
	while (!err && (de = readdir(d))) {
		size_t len = strlen(de->d_name), slen = strlen(suffix);
		struct vg_xdp x;

		if (de->d_name[0] == '.' || len <= slen || len - slen >= sizeof(x.ifname))
			continue;
		if (slen ? strcmp(de->d_name + len - slen, suffix) : strchr(de->d_name, '@') != NULL)
			continue;
		xdp_init(&x);
		memcpy(x.ifname, de->d_name, len - slen);
		x.ifname[len - slen] = '\0';
		x.ifindex = (int)if_nametoindex(x.ifname);
		if (!x.ifindex ||
		    (size_t)snprintf(x.dir, sizeof(x.dir), "%s/%s", root, de->d_name) >= sizeof(x.dir))
			continue;
		if (!open_pinned_quiet(&x))
			err = fn(&x, ctx);
		close_maps(&x);
	}
	closedir(d);
	return err;
}
