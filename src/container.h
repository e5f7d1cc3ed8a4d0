/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * container.h - which container, if any, a cgroup path names.
 *
 * Recognised (cgroup v1 or v2 paths, cgroupfs or systemd driver):
 *   docker      /docker/<64hex>, /system.slice/docker-<64hex>.scope
 *   containerd  /.../cri-containerd-<64hex>.scope
 *   cri-o       /.../crio-<64hex>.scope, crio-conmon-<id>.scope excluded
 *   podman      /machine.slice/libpod-<64hex>.scope, /libpod_parent/libpod-<64hex>
 *               (rootless: .../user@<uid>.service/.../libpod-<64hex>.scope);
 *               libpod-conmon-<id>.scope excluded
 *   kubernetes  a bare <64hex> anywhere under a kubepods* component, e.g.
 *               /kubepods/burstable/pod<uid>/<64hex> (cgroupfs driver): the
 *               path does not say whether containerd or dockershim made it
 * A prefixed id may end in ".scope" or nothing; anything else after the 64
 * digits (".scope.bak", "x") is rejected, as are ids that are short, long,
 * uppercase or not hex.  A bare <64hex> counts only under /docker or
 * kubepods.  The innermost matching component wins (nested containers,
 * docker in docker), so a container's own sub-cgroups
 * (/machine.slice/libpod-<64hex>.scope/container) still name it.
 *
 * The pod uid comes from the nearest ancestor "pod<uid>" or
 * "kubepods-<qos>-pod<uid>.slice" under kubepods, for any runtime; the
 * systemd driver's underscores are turned back into dashes.  Accepted uids
 * are 32 to 36 lowercase hex digits and dashes (static pods have 32 hex
 * digits).
 */
#ifndef VIGIL_CONTAINER_H
#define VIGIL_CONTAINER_H

#include <stdbool.h>

enum vg_runtime {
	VG_RT_NONE = 0,
	VG_RT_DOCKER,
	VG_RT_CONTAINERD,
	VG_RT_CRIO,
	VG_RT_PODMAN,
	VG_RT_KUBERNETES,	/* kubepods path whose runtime prefix is unknown */
};

#define VG_CONTAINER_ID_LEN	64

struct vg_container {
	enum vg_runtime runtime;
	char id[VG_CONTAINER_ID_LEN + 1];	/* full id, lowercase hex */
	char pod_uid[40];			/* kubernetes pod uid, "" if none */
};

/*
 * Fills *c and returns true if `cgroup_path` names a container; otherwise
 * *c is zeroed (runtime VG_RT_NONE) and false returned.  NULL is no container.
 */
bool vg_container_from_cgroup(const char *cgroup_path, struct vg_container *c);

/* "docker", "containerd", "cri-o", "podman", "kubernetes"; "" for VG_RT_NONE. */
const char *vg_runtime_name(enum vg_runtime rt);

#endif /* VIGIL_CONTAINER_H */
