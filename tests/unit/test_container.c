// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "container.h"

/* Ids and uids in the shapes runtimes and kubelet really write. */
#define ID_A	"3f4e1a2b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"
#define ID_B	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID_UP	"3F4E1A2B9C8D7E6F5A4B3C2D1E0F9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F"
#define ID_G	"3f4e1a2b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2g"
#define UID	"8f2d7a3c-1b4e-4c9a-9e6f-2a5b8c1d4e7f"
#define UID_	"8f2d7a3c_1b4e_4c9a_9e6f_2a5b8c1d4e7f"
#define STATIC_UID "4f0ccbdbb38b7de8e17e2c3b53bd2b2d"	/* static pods: a hash */

struct cg_case {
	const char *path;
	enum vg_runtime rt;	/* VG_RT_NONE: not a container */
	const char *id;
	const char *pod;
};

static const struct cg_case cases[] = {
	/* docker, cgroupfs and systemd drivers */
	{ "/docker/" ID_A, VG_RT_DOCKER, ID_A, "" },
	{ "/docker/" ID_A "/", VG_RT_DOCKER, ID_A, "" },
	{ "/system.slice/docker-" ID_A ".scope", VG_RT_DOCKER, ID_A, "" },
	{ "/system.slice/docker-" ID_A ".scope/init.scope", VG_RT_DOCKER, ID_A, "" },
	/* docker in docker: the innermost wins */
	{ "/docker/" ID_A "/docker/" ID_B, VG_RT_DOCKER, ID_B, "" },
	{ "/system.slice/docker-" ID_A ".scope/docker/" ID_B, VG_RT_DOCKER, ID_B, "" },

	/* kubernetes, cgroupfs driver: runtime unknown from the path */
	{ "/kubepods/besteffort/pod" UID "/" ID_A, VG_RT_KUBERNETES, ID_A, UID },
	{ "/kubepods/burstable/pod" UID "/" ID_A, VG_RT_KUBERNETES, ID_A, UID },
	{ "/kubepods/pod" UID "/" ID_A, VG_RT_KUBERNETES, ID_A, UID },	/* guaranteed */
	{ "/kubepods/burstable/pod" UID "/crio-" ID_A, VG_RT_CRIO, ID_A, UID },

	/* kubernetes, systemd driver: underscores in the uid */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/cri-containerd-" ID_A ".scope", VG_RT_CONTAINERD, ID_A, UID },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/crio-" ID_A ".scope", VG_RT_CRIO, ID_A, UID },
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID_A ".scope",
	  VG_RT_CONTAINERD, ID_A, UID },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/docker-" ID_A ".scope", VG_RT_DOCKER, ID_A, UID },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" STATIC_UID
	  ".slice/cri-containerd-" ID_A ".scope", VG_RT_CONTAINERD, ID_A, STATIC_UID },
	/* a pod uid that is not one is left out, the container still found */
	{ "/kubepods/burstable/podNOT-A-UID/" ID_A, VG_RT_KUBERNETES, ID_A, "" },
	/* conmon is cri-o's monitor, not the container */
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/crio-conmon-" ID_A ".scope", VG_RT_NONE, NULL, NULL },

	/* podman */
	{ "/machine.slice/libpod-" ID_A ".scope", VG_RT_PODMAN, ID_A, "" },
	{ "/machine.slice/libpod-" ID_A ".scope/container", VG_RT_PODMAN, ID_A, "" },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID_A ".scope",
	  VG_RT_PODMAN, ID_A, "" },
	{ "/libpod_parent/libpod-" ID_A, VG_RT_PODMAN, ID_A, "" },
	{ "/machine.slice/libpod-conmon-" ID_A ".scope", VG_RT_NONE, NULL, NULL },

	/* not containers */
	{ "/", VG_RT_NONE, NULL, NULL },
	{ "", VG_RT_NONE, NULL, NULL },
	{ "//", VG_RT_NONE, NULL, NULL },
	{ "/docker", VG_RT_NONE, NULL, NULL },
	{ "/system.slice/containerd.service", VG_RT_NONE, NULL, NULL },
	{ "/system.slice/docker.service", VG_RT_NONE, NULL, NULL },
	{ "/user.slice/user-1000.slice/session-2.scope", VG_RT_NONE, NULL, NULL },
	{ "/init.scope", VG_RT_NONE, NULL, NULL },
	{ "/kubepods.slice/kubepods-besteffort.slice", VG_RT_NONE, NULL, NULL },
	/* a bare id means nothing outside /docker and kubepods */
	{ "/" ID_A, VG_RT_NONE, NULL, NULL },
	{ "/system.slice/" ID_A, VG_RT_NONE, NULL, NULL },

	/* malformed ids */
	{ "/docker/0123abcd", VG_RT_NONE, NULL, NULL },
	{ "/docker/" ID_UP, VG_RT_NONE, NULL, NULL },
	{ "/docker/" ID_G, VG_RT_NONE, NULL, NULL },
	{ "/docker/" ID_A "0", VG_RT_NONE, NULL, NULL },
	{ "/system.slice/docker-" ID_UP ".scope", VG_RT_NONE, NULL, NULL },
	{ "/system.slice/docker-0123abcd.scope", VG_RT_NONE, NULL, NULL },
	{ "/system.slice/docker-" ID_A ".scope.bak", VG_RT_NONE, NULL, NULL },
	{ "/system.slice/docker-" ID_A ".scopex", VG_RT_NONE, NULL, NULL },
	{ "/system.slice/docker-" ID_A "x", VG_RT_NONE, NULL, NULL },
	{ "/system.slice/docker-" ID_A ".slice", VG_RT_NONE, NULL, NULL },
	{ "/system.slice/xdocker-" ID_A ".scope", VG_RT_NONE, NULL, NULL },
	{ "/system.slice/docker-" ID_A ".scope" "junk", VG_RT_NONE, NULL, NULL },
};

static void check_case(const struct cg_case *tc)
{
	struct vg_container c;
	bool ok;

	memset(&c, 0xa5, sizeof(c));
	ok = vg_container_from_cgroup(tc->path, &c);
	if (ok != (tc->rt != VG_RT_NONE) || c.runtime != tc->rt)
		fail_msg("'%s': got %d runtime %d, want runtime %d", tc->path, ok,
			 c.runtime, tc->rt);
	if (!ok) {
		assert_string_equal(c.id, "");
		assert_string_equal(c.pod_uid, "");
		return;
	}
	if (strcmp(c.id, tc->id))
		fail_msg("'%s': id '%s', want '%s'", tc->path, c.id, tc->id);
	if (strcmp(c.pod_uid, tc->pod))
		fail_msg("'%s': pod uid '%s', want '%s'", tc->path, c.pod_uid, tc->pod);
}

static void test_container_recognises_real_world_cgroup_paths(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

static void test_container_null_path_is_no_container(void **state)
{
	struct vg_container c;

	memset(&c, 0xa5, sizeof(c));
	assert_false(vg_container_from_cgroup(NULL, &c));
	assert_int_equal(c.runtime, VG_RT_NONE);
	assert_string_equal(c.id, "");
}

static void test_container_pod_uid_comes_from_nearest_pod_ancestor(void **state)
{
	struct vg_container c;

	/* pod component after the container (impossible, but) is ignored */
	assert_true(vg_container_from_cgroup("/kubepods/pod" UID "/" ID_A "/pod"
					     STATIC_UID, &c));
	assert_string_equal(c.pod_uid, UID);
	/* pod<uid> outside kubepods is not a pod */
	assert_true(vg_container_from_cgroup("/pod" UID "/docker/" ID_A, &c));
	assert_string_equal(c.pod_uid, "");
}

static void test_container_runtime_names(void **state)
{
	assert_string_equal(vg_runtime_name(VG_RT_NONE), "");
	assert_string_equal(vg_runtime_name(VG_RT_DOCKER), "docker");
	assert_string_equal(vg_runtime_name(VG_RT_CONTAINERD), "containerd");
	assert_string_equal(vg_runtime_name(VG_RT_CRIO), "cri-o");
	assert_string_equal(vg_runtime_name(VG_RT_PODMAN), "podman");
	assert_string_equal(vg_runtime_name(VG_RT_KUBERNETES), "kubernetes");
	assert_string_equal(vg_runtime_name((enum vg_runtime)99), "");
}

/* Ids are taken from long paths without bounds trouble. */
static void test_container_handles_deep_paths(void **state)
{
	char path[8192];
	struct vg_container c;
	size_t n = 0;

	while (n < sizeof(path) - 200)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "/a.slice");
	snprintf(path + n, sizeof(path) - n, "/docker-%s.scope/x", ID_B);
	assert_true(vg_container_from_cgroup(path, &c));
	assert_int_equal(c.runtime, VG_RT_DOCKER);
	assert_string_equal(c.id, ID_B);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_container_recognises_real_world_cgroup_paths),
		cmocka_unit_test(test_container_null_path_is_no_container),
		cmocka_unit_test(test_container_pod_uid_comes_from_nearest_pod_ancestor),
		cmocka_unit_test(test_container_runtime_names),
		cmocka_unit_test(test_container_handles_deep_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
