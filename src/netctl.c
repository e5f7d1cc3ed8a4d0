// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * netctl.c - connection control: the pinned rule maps, cgroup links and
 * their life cycle (see netctl.h and docs/netctl.md).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "mounts.h"
#include "netctl.h"
#include "netctl.skel.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

#define CGROUP_WALK_DEPTH 64

/* Map pins, in the order of the fds in struct vg_netctl. */
static const char *const map_pins[] = { "rules4", "rules6", "counters", "events" };

static const char *const prog_names[VG_NETCTL_PROG_MAX] = {
	[VG_NETCTL_PROG_CONNECT4] = "connect4",
	[VG_NETCTL_PROG_CONNECT6] = "connect6",
	[VG_NETCTL_PROG_SENDMSG4] = "sendmsg4",
	[VG_NETCTL_PROG_SENDMSG6] = "sendmsg6",
	[VG_NETCTL_PROG_BIND4] = "bind4",
	[VG_NETCTL_PROG_BIND6] = "bind6",
};

static const char *const hook_names[VG_NETCTL_HOOK_MAX] = {
	[VG_NETCTL_CONNECT] = "connect",
	[VG_NETCTL_SENDMSG] = "sendmsg",
	[VG_NETCTL_BIND] = "bind",
};

/* The hook each program serves. */
static enum vg_netctl_hook prog_hook(enum vg_netctl_prog p)
{
	return p <= VG_NETCTL_PROG_CONNECT6 ? VG_NETCTL_CONNECT
	       : p <= VG_NETCTL_PROG_SENDMSG6 ? VG_NETCTL_SENDMSG
					      : VG_NETCTL_BIND;
}

const char *vg_netctl_prog_name(enum vg_netctl_prog p)
{
	return p < VG_NETCTL_PROG_MAX ? prog_names[p] : "?";
}

const char *vg_netctl_hook_name(enum vg_netctl_hook h)
{
	return h > 0 && h < VG_NETCTL_HOOK_MAX ? hook_names[h] : "?";
}

const char *vg_netctl_proto_name(uint8_t proto)
{
	switch (proto) {
	case 0:
		return "any";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	default:
		return "proto";
	}
}

const char *vg_netctl_dir(void)
{
	const char *d = getenv("VIGIL_NETCTL_DIR");

	return d && *d ? d : VG_NETCTL_DIR;
}

/* ---- parsing ------------------------------------------------------------ */

int vg_netctl_parse_cidr(const char *s, struct vg_netctl_rule *r, char *why, size_t len)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long plen;
	unsigned int max;
	char *end;

	if (alen == 0 || alen >= sizeof(addr))
		goto bad_addr;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	memset(r->addr, 0, sizeof(r->addr));
	if (inet_pton(AF_INET, addr, r->addr) == 1) {
		r->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, r->addr) == 1) {
		r->family = AF_INET6;
		max = 128;
	} else {
		goto bad_addr;
	}
	plen = max;
	if (slash) {
		errno = 0;
		plen = strtoul(slash + 1, &end, 10);
		/* Digits only: strtoul() would skip blanks and take a sign. */
		if (errno || end == slash + 1 || *end || slash[1] < '0' || slash[1] > '9' ||
		    plen > max) {
			snprintf(why, len, "prefix length 0-%u for %s", max,
				 max == 32 ? "IPv4" : "IPv6");
			return -EINVAL;
		}
	}
	r->prefixlen = (uint8_t)plen;
	/* Clear the host bits: 10.1.2.3/8 is 10.0.0.0/8. */
	for (unsigned int bit = r->prefixlen; bit < max; bit++)
		r->addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	return 0;

bad_addr:
	snprintf(why, len, "expected ADDRESS[/PREFIX], IPv4 or IPv6");
	return -EINVAL;
}

int vg_netctl_parse_proto(const char *s, uint8_t *proto)
{
	if (!strcmp(s, "tcp"))
		*proto = IPPROTO_TCP;
	else if (!strcmp(s, "udp"))
		*proto = IPPROTO_UDP;
	else if (!strcmp(s, "any"))
		*proto = 0;
	else
		return -EINVAL;
	return 0;
}

int vg_netctl_parse_hooks(const char *s, unsigned int *hooks)
{
	unsigned int h = 0;
	const char *p = s;

	while (*p) {
		size_t n = strcspn(p, ",");
		bool found = false;

		if (n == 3 && !strncmp(p, "all", 3)) {
			h |= VG_NETCTL_HOOKS_ALL;
			found = true;
		}
		for (int i = 1; i < VG_NETCTL_HOOK_MAX && !found; i++)
			if (strlen(hook_names[i]) == n && !strncmp(p, hook_names[i], n)) {
				h |= VG_NETCTL_HOOK_BIT(i);
				found = true;
			}
		if (!found)
			return -EINVAL;
		p += n;
		if (*p == ',' && *++p == '\0')
			return -EINVAL;
	}
	if (!h)
		return -EINVAL;
	*hooks = h;
	return 0;
}

const char *vg_netctl_cidr_str(const struct vg_netctl_rule *r, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(r->family, r->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, r->prefixlen);
	return buf;
}

/* ---- cgroups ------------------------------------------------------------ */

static int cgroup2_root(char *path, size_t len)
{
	return vg_mount_find("cgroup2", path, len);
}

/* Is `path` a directory of cgroup v2?  Fills its id (the kernfs inode). */
static int cgroup2_dir(const char *path, uint64_t *id)
{
	struct statfs sfs;
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (statfs(path, &sfs))
		return -errno;
	if (sfs.f_type != CGROUP2_SUPER_MAGIC)
		return -EINVAL;
	*id = st.st_ino;
	return 0;
}

int vg_netctl_cgroup(const char *arg, char *path, size_t len, uint64_t *id)
{
	char root[PATH_MAX], buf[PATH_MAX], real[PATH_MAX];
	int err, err2;

	err = cgroup2_root(root, sizeof(root));
	if (err)
		return err == -ENOENT ? -ENODEV : err;
	if (!arg)
		arg = root;
	err = realpath(arg, real) ? cgroup2_dir(real, id) : -errno;
	if (err && arg != root) {
		/* Relative to the mount, as /proc/PID/cgroup writes it. */
		if ((size_t)snprintf(buf, sizeof(buf), "%s/%s", root, arg) >= sizeof(buf))
			return -ENAMETOOLONG;
		err2 = realpath(buf, real) ? cgroup2_dir(real, id) : -errno;
		if (!err2 && strncmp(real, root, strlen(root)))
			err2 = -EINVAL;	/* ".." out of the hierarchy */
		if (!err2 || err == -ENOENT)
			err = err2;
	}
	if (err)
		return err;
	if (strlen(real) >= len)
		return -ENAMETOOLONG;
	snprintf(path, len, "%s", real);
	return 0;
}

static int find_ino(char *path, size_t len, uint64_t id, int depth)
{
	size_t base = strlen(path);
	struct dirent *d;
	DIR *dir;
	int err = -ENOENT;

	if (depth > CGROUP_WALK_DEPTH)
		return -ENOENT;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while (err == -ENOENT && (d = readdir(dir))) {
		if (d->d_type != DT_DIR || !strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (base + 1 + strlen(d->d_name) >= len)
			continue;
		snprintf(path + base, len - base, "/%s", d->d_name);
		if (d->d_ino == id)
			err = 0;
		else
			err = find_ino(path, len, id, depth + 1);
		if (err)
			path[base] = '\0';
	}
	closedir(dir);
	return err;
}

int vg_netctl_cgroup_path(uint64_t id, char *path, size_t len)
{
	uint64_t root_id;
	int err;

	err = cgroup2_root(path, len);
	if (err)
		return err;
	if (!cgroup2_dir(path, &root_id) && root_id == id)
		return 0;
	return find_ino(path, len, id, 0);
}

/* ---- pins and the lock -------------------------------------------------- */

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static void pin_path(const struct vg_netctl *nc, char *buf, size_t len, const char *sub,
		     const char *name)
{
	snprintf(buf, len, "%s/%s/%s", nc->dir, sub, name);
}

static void link_pin(const struct vg_netctl *nc, char *buf, size_t len, uint64_t scope,
		     enum vg_netctl_prog p)
{
	snprintf(buf, len, "%s/links/%llu-%s", nc->dir, (unsigned long long)scope, prog_names[p]);
}

static int *map_fd(struct vg_netctl *nc, size_t i)
{
	int *fds[] = { &nc->rules4_fd, &nc->rules6_fd, &nc->counters_fd, &nc->events_fd };

	return fds[i];
}

static void close_maps(struct vg_netctl *nc)
{
	for (size_t i = 0; i < 4; i++) {
		int *fd = map_fd(nc, i);

		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
}

static bool any_link_pinned(const struct vg_netctl *nc)
{
	char path[PATH_MAX];
	struct dirent *d;
	bool any = false;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/links", nc->dir);
	dir = opendir(path);
	if (!dir)
		return false;
	while (!any && (d = readdir(dir)))
		any = d->d_name[0] != '.';
	closedir(dir);
	return any;
}

static void unpin_maps(const struct vg_netctl *nc)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < 4; i++) {
		pin_path(nc, path, sizeof(path), "maps", map_pins[i]);
		if (unlink(path) && errno != ENOENT)
			vg_warn("cannot remove '%s': %s", path, strerror(errno));
	}
}

/*
 * Open the object with its maps pinned under <dir>/maps: libbpf reuses a
 * compatible pin and creates (and pins) what is missing.  `scope` is the
 * cgroup the programs will serve; `load_progs` false loads maps only.
 */
static struct vigil_netctl *skel_load(struct vg_netctl *nc, uint64_t scope, bool load_progs)
{
	struct vigil_netctl *skel;
	struct bpf_program *prog;
	struct bpf_map *maps[4];
	char path[PATH_MAX];
	int err;

	skel = vigil_netctl__open();
	if (!skel) {
		err = -errno;
		vg_error("cannot open the connection-control programs: %s", strerror(-err));
		errno = -err;
		return NULL;
	}
	maps[0] = skel->maps.vg_nc_rules4;
	maps[1] = skel->maps.vg_nc_rules6;
	maps[2] = skel->maps.vg_nc_counters;
	maps[3] = skel->maps.vg_nc_events;
	for (size_t i = 0; i < 4; i++) {
		pin_path(nc, path, sizeof(path), "maps", map_pins[i]);
		err = bpf_map__set_pin_path(maps[i], path);
		if (err)
			goto fail;
	}
	skel->rodata->vg_nc_scope = scope;
	if (!load_progs)
		bpf_object__for_each_program(prog, skel->obj)
			bpf_program__set_autoload(prog, false);
	err = vigil_netctl__load(skel);
	if (!err)
		return skel;
fail:
	vigil_netctl__destroy(skel);
	errno = err < 0 ? -err : EINVAL;
	return NULL;
}

/* Create (or reuse) the pinned maps; replace an incompatible set when
 * nothing uses it. */
static int create_maps(struct vg_netctl *nc)
{
	struct vigil_netctl *skel = skel_load(nc, 0, false);
	int err;

	if (skel) {
		vigil_netctl__destroy(skel);
		return 0;
	}
	err = -errno;
	if (any_link_pinned(nc)) {
		vg_error("cannot reuse the maps pinned in '%s/maps' (%s) while programs are "
			 "attached: run `vigil net detach --all` first", nc->dir, strerror(-err));
		return -EEXIST;
	}
	vg_warn("maps pinned in '%s/maps' do not fit this vigil (%s): replacing them",
		nc->dir, strerror(-err));
	unpin_maps(nc);
	skel = skel_load(nc, 0, false);
	if (!skel) {
		err = -errno;
		vg_error("cannot create the connection-control maps in '%s': %s", nc->dir,
			 strerror(-err));
		return err;
	}
	vigil_netctl__destroy(skel);
	return 0;
}

static int open_maps(struct vg_netctl *nc)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < 4; i++) {
		int *fd = map_fd(nc, i);

		pin_path(nc, path, sizeof(path), "maps", map_pins[i]);
		*fd = bpf_obj_get(path);
		if (*fd < 0)
			return -errno;
	}
	return 0;
}

/* Lock <dir>; retry if it was removed (by a detach) while we waited. */
static int lock_dir(struct vg_netctl *nc)
{
	for (int tries = 0; tries < 10; tries++) {
		struct stat a, b;

		nc->dir_fd = open(nc->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (nc->dir_fd < 0)
			return -errno;
		if (flock(nc->dir_fd, LOCK_EX))
			return -errno;
		if (!fstat(nc->dir_fd, &a) && !stat(nc->dir, &b) && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			return 0;
		close(nc->dir_fd);
		nc->dir_fd = -1;
	}
	return -EAGAIN;
}

int vg_netctl_open(struct vg_netctl *nc, bool create)
{
	return vg_netctl_open_dir(nc, vg_netctl_dir(), create);
}

int vg_netctl_open_dir(struct vg_netctl *nc, const char *dir, bool create)
{
	char path[PATH_MAX];
	int err;

	memset(nc, 0, sizeof(*nc));
	nc->dir_fd = nc->rules4_fd = nc->rules6_fd = nc->counters_fd = nc->events_fd = -1;
	if ((size_t)snprintf(nc->dir, sizeof(nc->dir), "%s", dir) >= sizeof(nc->dir))
		return vg_error("cannot use '%s': path too long", dir), -ENAMETOOLONG;
	for (;;) {
		if (create) {
			struct statfs sfs;

			err = vg_mount_bpffs();
			if (err) {
				vg_error("cannot mount bpffs on '%s': %s", VG_BPFFS_PATH,
					 strerror(-err));
				return err;
			}
			snprintf(path, sizeof(path), "%s/maps", nc->dir);
			err = mkdir_p(path);
			snprintf(path, sizeof(path), "%s/links", nc->dir);
			if (!err)
				err = mkdir_p(path);
			if (err) {
				vg_error("cannot create '%s': %s", path, strerror(-err));
				return err;
			}
			if (statfs(nc->dir, &sfs) || sfs.f_type != BPF_FS_MAGIC) {
				vg_error("cannot pin in '%s': not on a bpf file system", nc->dir);
				return -EINVAL;
			}
		}
		err = lock_dir(nc);
		if (err == -ENOENT && create)
			continue;	/* removed between mkdir and open: again */
		if (err) {
			if (err != -ENOENT)
				vg_error("cannot lock '%s': %s", nc->dir, strerror(-err));
			return err;
		}
		break;
	}
	err = open_maps(nc);
	if (err && create) {
		close_maps(nc);
		err = create_maps(nc);
		if (!err)
			err = open_maps(nc);
		if (err)
			vg_error("cannot open the maps pinned in '%s/maps': %s", nc->dir,
				 strerror(-err));
	}
	if (err) {
		vg_netctl_close(nc);
		return err;
	}
	return 0;
}

int vg_netctl_open_unlocked(struct vg_netctl *nc, const char *dir)
{
	int err;

	memset(nc, 0, sizeof(*nc));
	nc->dir_fd = nc->rules4_fd = nc->rules6_fd = nc->counters_fd = nc->events_fd = -1;
	if ((size_t)snprintf(nc->dir, sizeof(nc->dir), "%s", dir) >= sizeof(nc->dir))
		return -ENAMETOOLONG;
	err = open_maps(nc);
	if (err)
		close_maps(nc);
	return err;
}

void vg_netctl_close(struct vg_netctl *nc)
{
	close_maps(nc);
	if (nc->dir_fd >= 0)
		close(nc->dir_fd);	/* releases the lock */
	nc->dir_fd = -1;
}

int vg_netctl_events_fd(void)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/maps/events", vg_netctl_dir());
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

/* ---- links -------------------------------------------------------------- */

/* Is the link pinned at `path` still attached to a cgroup? */
static bool link_live(const char *path, uint32_t *link_id, uint32_t *prog_id)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);
	bool live;

	if (fd < 0)
		return false;
	live = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_LINK_TYPE_CGROUP &&
	       info.cgroup.cgroup_id != 0;	/* 0: the cgroup was removed */
	*link_id = info.id;
	*prog_id = info.prog_id;
	close(fd);
	return live;
}

static int cmp_link(const void *a, const void *b)
{
	const struct vg_netctl_link *x = a, *y = b;

	if (x->scope != y->scope)
		return x->scope < y->scope ? -1 : 1;
	return (int)x->prog - (int)y->prog;
}

int vg_netctl_links(struct vg_netctl *nc, struct vg_netctl_link **out, size_t *n)
{
	struct vg_netctl_link *v = NULL, *nv;
	char path[PATH_MAX];
	struct dirent *d;
	size_t cnt = 0;
	DIR *dir;

	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/links", nc->dir);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(dir))) {
		unsigned long long scope;
		char name[32];
		int p;

		if (d->d_name[0] == '.')
			continue;
		if (sscanf(d->d_name, "%llu-%31s", &scope, name) != 2)
			continue;
		for (p = 0; p < VG_NETCTL_PROG_MAX; p++)
			if (!strcmp(name, prog_names[p]))
				break;
		if (p == VG_NETCTL_PROG_MAX)
			continue;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			closedir(dir);
			return -ENOMEM;
		}
		v = nv;
		memset(&v[cnt], 0, sizeof(v[cnt]));
		v[cnt].scope = scope;
		v[cnt].prog = p;
		link_pin(nc, path, sizeof(path), scope, p);
		v[cnt].defunct = !link_live(path, &v[cnt].link_id, &v[cnt].prog_id);
		cnt++;
	}
	closedir(dir);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_link);
	*out = v;
	*n = cnt;
	return 0;
}

int vg_netctl_attach(struct vg_netctl *nc, const char *cgroup_path, unsigned int hooks,
		     uint64_t *scope)
{
	struct bpf_program *progs[VG_NETCTL_PROG_MAX];
	struct bpf_link *links[VG_NETCTL_PROG_MAX] = {};
	struct vigil_netctl *skel = NULL;
	bool need[VG_NETCTL_PROG_MAX] = {}, any = false;
	char path[PATH_MAX];
	uint32_t lid, pid;
	int err, cg_fd;

	err = cgroup2_dir(cgroup_path, scope);
	if (err) {
		vg_error("cannot attach to '%s': %s", cgroup_path,
			 err == -EINVAL ? "not a cgroup v2 directory" : strerror(-err));
		return err;
	}
	for (int p = 0; p < VG_NETCTL_PROG_MAX; p++) {
		if (!(hooks & VG_NETCTL_HOOK_BIT(prog_hook(p))))
			continue;
		link_pin(nc, path, sizeof(path), *scope, p);
		if (link_live(path, &lid, &pid))
			continue;
		/* A pin whose cgroup went away (an id is never reused while
		 * the old cgroup is referenced, so it is stale): replace it. */
		if (unlink(path) && errno != ENOENT)
			vg_warn("cannot remove stale link pin '%s': %s", path, strerror(errno));
		need[p] = any = true;
	}
	if (!any)
		return 0;

	cg_fd = open(cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		err = -errno;
		vg_error("cannot open cgroup '%s': %s", cgroup_path, strerror(-err));
		return err;
	}
	skel = skel_load(nc, *scope, true);
	if (!skel) {
		err = -errno;
		vg_error("cannot load the connection-control programs: %s", strerror(-err));
		goto cleanup;
	}
	progs[VG_NETCTL_PROG_CONNECT4] = skel->progs.vg_netctl_connect4;
	progs[VG_NETCTL_PROG_CONNECT6] = skel->progs.vg_netctl_connect6;
	progs[VG_NETCTL_PROG_SENDMSG4] = skel->progs.vg_netctl_sendmsg4;
	progs[VG_NETCTL_PROG_SENDMSG6] = skel->progs.vg_netctl_sendmsg6;
	progs[VG_NETCTL_PROG_BIND4] = skel->progs.vg_netctl_bind4;
	progs[VG_NETCTL_PROG_BIND6] = skel->progs.vg_netctl_bind6;
	for (int p = 0; p < VG_NETCTL_PROG_MAX; p++) {
		if (!need[p])
			continue;
		links[p] = bpf_program__attach_cgroup(progs[p], cg_fd);
		if (!links[p]) {
			err = -errno;
			vg_error("cannot attach cgroup/%s to '%s': %s", prog_names[p], cgroup_path,
				 strerror(-err));
			goto cleanup;
		}
		link_pin(nc, path, sizeof(path), *scope, p);
		err = bpf_link__pin(links[p], path);
		if (err) {
			vg_error("cannot pin link '%s': %s", path, strerror(-err));
			goto cleanup;
		}
	}
	err = 0;
cleanup:
	for (int p = 0; p < VG_NETCTL_PROG_MAX; p++) {
		/* On failure, undo this call's links: nothing half attached. */
		if (err && links[p] && bpf_link__pin_path(links[p]))
			bpf_link__unpin(links[p]);
		bpf_link__destroy(links[p]);	/* a pinned link stays attached */
	}
	vigil_netctl__destroy(skel);
	close(cg_fd);
	return err;
}

/* ---- rules -------------------------------------------------------------- */

/* One trie entry, either family. */
struct entry {
	int family;
	struct vg_netctl_key6 key;	/* key4 shares the layout up to addr */
	uint32_t key_size;
	struct vg_netctl_val val;
};

static int trie_fd(struct vg_netctl *nc, int family)
{
	return family == AF_INET ? nc->rules4_fd : nc->rules6_fd;
}

static int collect(struct vg_netctl *nc, struct entry **out, size_t *n)
{
	struct entry *v = NULL, *nv;
	size_t cnt = 0, cap = 0;
	int families[2] = { AF_INET, AF_INET6 };

	for (int f = 0; f < 2; f++) {
		struct vg_netctl_key6 key, next;
		uint32_t ks = families[f] == AF_INET ? sizeof(struct vg_netctl_key4)
						     : sizeof(struct vg_netctl_key6);
		int fd = trie_fd(nc, families[f]);
		void *prev = NULL;

		while (!bpf_map_get_next_key(fd, prev, &next)) {
			if (cnt == cap) {
				cap = cap ? 2 * cap : 64;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
			}
			memset(&v[cnt], 0, sizeof(v[cnt]));
			memcpy(&v[cnt].key, &next, ks);
			v[cnt].family = families[f];
			v[cnt].key_size = ks;
			if (!bpf_map_lookup_elem(fd, &next, &v[cnt].val))
				cnt++;
			memcpy(&key, &next, ks);
			prev = &key;
		}
		if (errno != ENOENT) {
			int err = -errno;

			free(v);
			return err;
		}
	}
	*out = v;
	*n = cnt;
	return 0;
}

static void entry_key(struct entry *e, const struct vg_netctl_rule *r, enum vg_netctl_hook h)
{
	memset(e, 0, sizeof(*e));
	e->family = r->family;
	e->key_size = r->family == AF_INET ? sizeof(struct vg_netctl_key4)
					   : sizeof(struct vg_netctl_key6);
	e->key.prefixlen = VG_NETCTL_KEY_FIXED_BITS + r->prefixlen;
	e->key.hook = (uint8_t)h;
	e->key.proto = r->proto;
	e->key.port = htons(r->port);
	e->key.scope = r->scope;
	memcpy(e->key.addr, r->addr, r->family == AF_INET ? 4 : 16);
}

static bool same_key(const struct entry *a, const struct entry *b)
{
	return a->family == b->family && !memcmp(&a->key, &b->key, a->key_size);
}

static int zero_counter(struct vg_netctl *nc, uint32_t id)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *zeros;
	int err;

	if (ncpu < 0)
		return ncpu;
	zeros = calloc((size_t)ncpu, sizeof(*zeros));
	if (!zeros)
		return -ENOMEM;
	err = bpf_map_update_elem(nc->counters_fd, &id, zeros, BPF_ANY) ? -errno : 0;
	free(zeros);
	return err;
}

static uint64_t read_counter(struct vg_netctl *nc, uint32_t id)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals, sum = 0;

	if (ncpu < 0)
		return 0;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return 0;
	if (!bpf_map_lookup_elem(nc->counters_fd, &id, vals))
		for (int i = 0; i < ncpu; i++)
			sum += vals[i];
	free(vals);
	return sum;
}

uint64_t vg_netctl_lost(struct vg_netctl *nc)
{
	return read_counter(nc, VG_NETCTL_LOST_SLOT);
}

static int delete_entry(struct vg_netctl *nc, const struct entry *e)
{
	if (bpf_map_delete_elem(trie_fd(nc, e->family), &e->key) && errno != ENOENT)
		return -errno;
	return 0;
}

int vg_netctl_add(struct vg_netctl *nc, struct vg_netctl_rule *r)
{
	struct entry *all = NULL, want[VG_NETCTL_HOOK_MAX];
	unsigned int max = r->family == AF_INET ? 32 : 128;
	bool used[VG_NETCTL_MAX_RULES] = {};
	unsigned int found_hooks = 0, same_rule_hooks = 0;
	uint32_t found_id = 0, id;
	size_t n = 0;
	int err;

	if ((r->family != AF_INET && r->family != AF_INET6) || r->prefixlen > max ||
	    !r->hooks || (r->hooks & ~VG_NETCTL_HOOKS_ALL) || !r->scope)
		return vg_error("cannot add a connection rule: invalid rule"), -EINVAL;
	err = collect(nc, &all, &n);
	if (err) {
		vg_error("cannot read the connection rules: %s", strerror(-err));
		return err;
	}
	for (int h = 1; h < VG_NETCTL_HOOK_MAX; h++)
		if (r->hooks & VG_NETCTL_HOOK_BIT(h))
			entry_key(&want[h], r, h);
	for (size_t i = 0; i < n; i++) {
		used[all[i].val.rule_id % VG_NETCTL_MAX_RULES] = true;
		for (int h = 1; h < VG_NETCTL_HOOK_MAX; h++)
			if ((r->hooks & VG_NETCTL_HOOK_BIT(h)) && same_key(&all[i], &want[h])) {
				found_hooks |= VG_NETCTL_HOOK_BIT(h);
				found_id = all[i].val.rule_id;
			}
	}
	if (found_id) {
		for (size_t i = 0; i < n; i++)
			if (all[i].val.rule_id == found_id)
				same_rule_hooks |= VG_NETCTL_HOOK_BIT(all[i].key.hook);
		free(all);
		r->id = found_id;
		return found_hooks == r->hooks && same_rule_hooks == r->hooks ? -EEXIST : -EBUSY;
	}
	free(all);
	for (id = 1; id < VG_NETCTL_MAX_RULES && used[id]; id++)
		;
	if (id == VG_NETCTL_MAX_RULES)
		return -ENOSPC;
	err = zero_counter(nc, id);
	if (err) {
		vg_error("cannot reset the counter of rule %u: %s", id, strerror(-err));
		return err;
	}
	for (int h = 1; h < VG_NETCTL_HOOK_MAX; h++) {
		struct vg_netctl_val val = { .rule_id = id };

		if (!(r->hooks & VG_NETCTL_HOOK_BIT(h)))
			continue;
		if (bpf_map_update_elem(trie_fd(nc, r->family), &want[h].key, &val, BPF_NOEXIST)) {
			err = -errno;
			vg_error("cannot add rule %u: %s", id, strerror(-err));
			/* Roll back: a rule is all its hooks or nothing. */
			for (int u = 1; u < h; u++)
				if (r->hooks & VG_NETCTL_HOOK_BIT(u))
					delete_entry(nc, &want[u]);
			return err;
		}
	}
	r->id = id;
	return 0;
}

/* Delete the entries of rule `id` (0: any) scoped to `scope` (0: any). */
static int delete_where(struct vg_netctl *nc, uint32_t id, uint64_t scope, size_t *rules)
{
	bool gone[VG_NETCTL_MAX_RULES] = {};
	struct entry *all = NULL;
	size_t n = 0, cnt = 0;
	int err;

	err = collect(nc, &all, &n);
	if (err) {
		vg_error("cannot read the connection rules: %s", strerror(-err));
		return err;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t rid = all[i].val.rule_id;

		if ((id && rid != id) || (scope && all[i].key.scope != scope))
			continue;
		err = delete_entry(nc, &all[i]);
		if (err) {
			vg_error("cannot delete rule %u: %s", rid, strerror(-err));
			break;
		}
		if (rid < VG_NETCTL_MAX_RULES && !gone[rid]) {
			gone[rid] = true;
			cnt++;
			zero_counter(nc, rid);
		}
	}
	free(all);
	if (rules)
		*rules = cnt;
	return err;
}

int vg_netctl_delete(struct vg_netctl *nc, uint32_t id)
{
	size_t n = 0;
	int err;

	if (!id)
		return -ENOENT;
	err = delete_where(nc, id, 0, &n);
	if (err)
		return err;
	return n ? 0 : -ENOENT;
}

int vg_netctl_flush(struct vg_netctl *nc, uint64_t scope, size_t *removed)
{
	return delete_where(nc, 0, scope, removed);
}

static int cmp_rule(const void *a, const void *b)
{
	const struct vg_netctl_rule *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int vg_netctl_list(struct vg_netctl *nc, struct vg_netctl_rule **out, size_t *n)
{
	struct vg_netctl_rule *rules = NULL;
	struct entry *all = NULL;
	size_t cnt = 0, na = 0;
	int err;

	*out = NULL;
	*n = 0;
	err = collect(nc, &all, &na);
	if (err) {
		vg_error("cannot read the connection rules: %s", strerror(-err));
		return err;
	}
	rules = calloc(na ? na : 1, sizeof(*rules));
	if (!rules) {
		free(all);
		return -ENOMEM;
	}
	for (size_t i = 0; i < na; i++) {
		const struct entry *e = &all[i];
		struct vg_netctl_rule *r = NULL;

		for (size_t j = 0; j < cnt && !r; j++)
			if (rules[j].id == e->val.rule_id)
				r = &rules[j];
		if (!r) {
			r = &rules[cnt++];
			r->id = e->val.rule_id;
			r->scope = e->key.scope;
			r->family = e->family;
			memcpy(r->addr, e->key.addr, e->family == AF_INET ? 4 : 16);
			r->prefixlen = (uint8_t)(e->key.prefixlen - VG_NETCTL_KEY_FIXED_BITS);
			r->proto = e->key.proto;
			r->port = ntohs(e->key.port);
			r->hits = r->id < VG_NETCTL_MAX_RULES ? read_counter(nc, r->id) : 0;
		}
		if (e->key.hook < VG_NETCTL_HOOK_MAX)
			r->hooks |= VG_NETCTL_HOOK_BIT(e->key.hook);
	}
	free(all);
	qsort(rules, cnt, sizeof(*rules), cmp_rule);
	*out = rules;
	*n = cnt;
	return 0;
}

/* ---- detach ------------------------------------------------------------- */

static void remove_all_pins(struct vg_netctl *nc)
{
	char path[PATH_MAX], parent[PATH_MAX];
	char *slash;

	close_maps(nc);
	unpin_maps(nc);
	snprintf(path, sizeof(path), "%s/maps", nc->dir);
	if (rmdir(path) && errno != ENOENT)
		vg_warn("cannot remove '%s': %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/links", nc->dir);
	if (rmdir(path) && errno != ENOENT)
		vg_warn("cannot remove '%s': %s", path, strerror(errno));
	if (rmdir(nc->dir) && errno != ENOENT)
		vg_warn("cannot remove '%s': %s", nc->dir, strerror(errno));
	/* /sys/fs/bpf/vigil too, unless something else of vigil's is there. */
	snprintf(parent, sizeof(parent), "%s", nc->dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent && !strcmp(nc->dir, VG_NETCTL_DIR)) {
		*slash = '\0';
		rmdir(parent);
	}
}

int vg_netctl_detach(struct vg_netctl *nc, uint64_t scope, size_t *removed)
{
	struct vg_netctl_link *links = NULL;
	char path[PATH_MAX];
	size_t n = 0, cnt = 0, left = 0;
	int err;

	err = vg_netctl_links(nc, &links, &n);
	if (err) {
		vg_error("cannot list '%s/links': %s", nc->dir, strerror(-err));
		return err;
	}
	for (size_t i = 0; i < n; i++) {
		const struct vg_netctl_link *l = &links[i];

		if (!l->defunct && scope && l->scope != scope) {
			left++;
			continue;
		}
		link_pin(nc, path, sizeof(path), l->scope, l->prog);
		if (!l->defunct) {
			int fd = bpf_obj_get(path);

			/* Detach now, whoever else holds the link. */
			if (fd >= 0) {
				if (bpf_link_detach(fd))
					vg_warn("cannot detach link '%s': %s", path,
						strerror(errno));
				close(fd);
			}
			cnt++;
		}
		if (unlink(path) && errno != ENOENT) {
			err = -errno;
			vg_error("cannot unpin '%s': %s", path, strerror(-err));
			left++;
		}
	}
	/* Rules of the cgroups no longer attached would never apply again. */
	if (!err)
		err = vg_netctl_flush(nc, scope, NULL);
	for (size_t i = 0; !err && scope && i < n; i++) {
		bool still = false;

		if (!links[i].defunct)
			continue;
		for (size_t j = 0; j < n; j++)
			still |= !links[j].defunct && links[j].scope == links[i].scope;
		if (!still)
			err = vg_netctl_flush(nc, links[i].scope, NULL);
	}
	free(links);
	if (removed)
		*removed = cnt;
	if (!err && !left)
		remove_all_pins(nc);
	return err;
}
