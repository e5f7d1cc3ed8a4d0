// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <string.h>

#include "container.h"

struct comp {
	const char *p;
	size_t len;
};

/*
 * Step back one path component: the one ending at *end.  Components are
 * walked from the innermost out because nested containers (docker in docker,
 * a container's own sub-cgroups) put the answer nearest the leaf.
 */
static bool comp_prev(const char *path, const char **end, struct comp *c)
{
	const char *e = *end, *s;

	while (e > path && e[-1] == '/')
		e--;
	if (e == path)
		return false;
	for (s = e; s > path && s[-1] != '/'; s--)
		;
	c->p = s;
	c->len = (size_t)(e - s);
	*end = s;
	return true;
}

static bool comp_eq(const struct comp *c, const char *s)
{
	size_t n = strlen(s);

	return c->len == n && !memcmp(c->p, s, n);
}

static bool comp_starts(const struct comp *c, const char *s)
{
	size_t n = strlen(s);

	return c->len >= n && !memcmp(c->p, s, n);
}

/* Container ids are lowercase only: that is what every runtime writes. */
static bool is_lhex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
}

static bool is_id(const char *p, size_t len)
{
	size_t i;

	if (len != VG_CONTAINER_ID_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!is_lhex(p[i]))
			return false;
	return true;
}

static const struct {
	const char *prefix;
	enum vg_runtime rt;
} id_prefixes[] = {
	{ "docker-", VG_RT_DOCKER },
	{ "cri-containerd-", VG_RT_CONTAINERD },
	{ "crio-", VG_RT_CRIO },
	{ "libpod-", VG_RT_PODMAN },
};

/*
 * "<prefix><64hex>" or "<prefix><64hex>.scope".  The monitors that sit
 * beside containers ("crio-conmon-<id>.scope", "libpod-conmon-<id>.scope")
 * fail here because "conmon-..." is not 64 hex digits.
 */
static enum vg_runtime match_prefixed(const struct comp *c, const char **id)
{
	size_t i, n, rest;

	for (i = 0; i < sizeof(id_prefixes) / sizeof(id_prefixes[0]); i++) {
		if (!comp_starts(c, id_prefixes[i].prefix))
			continue;
		n = strlen(id_prefixes[i].prefix);
		rest = c->len - n;
		if (rest != VG_CONTAINER_ID_LEN &&
		    !(rest == VG_CONTAINER_ID_LEN + 6 &&
		      !memcmp(c->p + n + VG_CONTAINER_ID_LEN, ".scope", 6)))
			continue;
		if (!is_id(c->p + n, VG_CONTAINER_ID_LEN))
			continue;
		*id = c->p + n;
		return id_prefixes[i].rt;
	}
	return VG_RT_NONE;
}

static bool under_kubepods(const char *path, const char *end)
{
	struct comp c;

	while (comp_prev(path, &end, &c))
		if (comp_starts(&c, "kubepods"))
			return true;
	return false;
}

/*
 * Pod uid from "pod<uid>" (cgroupfs driver) or
 * "kubepods[-<qos>]-pod<uid>.slice" (systemd driver, which writes the uid's
 * dashes as underscores).  Uids are UUIDs, or 32 hex digits for static pods.
 */
static bool parse_pod_uid(const struct comp *c, char *out, size_t outsz)
{
	const char *u = NULL;
	size_t len = 0, i;

	if (comp_starts(c, "pod")) {
		u = c->p + 3;
		len = c->len - 3;
	} else if (comp_starts(c, "kubepods") && c->len > 6 &&
		   !memcmp(c->p + c->len - 6, ".slice", 6)) {
		for (i = c->len - 6; i >= 4; i--) {
			if (!memcmp(c->p + i - 4, "-pod", 4)) {
				u = c->p + i;
				break;
			}
		}
		if (!u)
			return false;
		len = (size_t)(c->p + c->len - 6 - u);
	} else {
		return false;
	}
	if (len < 32 || len > 36 || len >= outsz)
		return false;
	for (i = 0; i < len; i++)
		if (!is_lhex(u[i]) && u[i] != '-' && u[i] != '_')
			return false;
	for (i = 0; i < len; i++)
		out[i] = u[i] == '_' ? '-' : u[i];
	out[len] = '\0';
	return true;
}

static void find_pod_uid(const char *path, const char *end, struct vg_container *c)
{
	struct comp comp;

	if (!under_kubepods(path, end))
		return;
	while (comp_prev(path, &end, &comp))
		if (parse_pod_uid(&comp, c->pod_uid, sizeof(c->pod_uid)))
			return;
}

bool vg_container_from_cgroup(const char *cgroup_path, struct vg_container *c)
{
	const char *end, *pend, *id = NULL;
	struct comp comp, parent;
	enum vg_runtime rt;

	memset(c, 0, sizeof(*c));
	if (!cgroup_path)
		return false;

	end = cgroup_path + strlen(cgroup_path);
	while (comp_prev(cgroup_path, &end, &comp)) {
		rt = match_prefixed(&comp, &id);
		if (!rt && is_id(comp.p, comp.len)) {
			/* A bare id: only trusted where a runtime puts one. */
			pend = end;
			if (comp_prev(cgroup_path, &pend, &parent) && comp_eq(&parent, "docker"))
				rt = VG_RT_DOCKER;
			else if (under_kubepods(cgroup_path, end))
				rt = VG_RT_KUBERNETES;
			id = comp.p;
		}
		if (!rt)
			continue;
		c->runtime = rt;
		memcpy(c->id, id, VG_CONTAINER_ID_LEN);
		c->id[VG_CONTAINER_ID_LEN] = '\0';
		find_pod_uid(cgroup_path, end, c);
		return true;
	}
	return false;
}

const char *vg_runtime_name(enum vg_runtime rt)
{
	switch (rt) {
	case VG_RT_DOCKER:	return "docker";
	case VG_RT_CONTAINERD:	return "containerd";
	case VG_RT_CRIO:	return "cri-o";
	case VG_RT_PODMAN:	return "podman";
	case VG_RT_KUBERNETES:	return "kubernetes";
	case VG_RT_NONE:	break;
	}
	return "";
}
