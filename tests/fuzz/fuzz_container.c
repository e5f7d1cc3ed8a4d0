// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_container - vg_container_from_cgroup on arbitrary strings: a match
 * always carries a 64-digit lowercase hex id found in the path and a known
 * runtime; a pod uid, when present, is lowercase hex and dashes; a miss
 * leaves *c zeroed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_container c;
	size_t uid_len;
	char *path;

	path = malloc(size + 1);	/* exact size: ASan sees overreads */
	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';

	memset(&c, 0xa5, sizeof(c));
	if (vg_container_from_cgroup(path, &c)) {
		if (c.runtime <= VG_RT_NONE || c.runtime > VG_RT_KUBERNETES ||
		    !*vg_runtime_name(c.runtime))
			abort();
		if (strlen(c.id) != VG_CONTAINER_ID_LEN ||
		    strspn(c.id, "0123456789abcdef") != VG_CONTAINER_ID_LEN ||
		    !strstr(path, c.id))
			abort();
		uid_len = strnlen(c.pod_uid, sizeof(c.pod_uid));
		if (uid_len == sizeof(c.pod_uid) ||
		    strspn(c.pod_uid, "0123456789abcdef-") != uid_len ||
		    (uid_len && (uid_len < 32 || uid_len > 36)))
			abort();
	} else {
		if (c.runtime != VG_RT_NONE || c.id[0] || c.pod_uid[0])
			abort();
	}
	free(path);
	return 0;
}
