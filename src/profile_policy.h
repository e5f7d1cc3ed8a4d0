/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * profile_policy.h - a vigil policy derived from a behaviour profile
 * (`vigil profile policy`): the programs, peers, listening ports and
 * effective uids the workload was seen to use are allowed; a rule per
 * dimension acts (enforce: kill; audit: alert) on anything else.
 */
#ifndef VIGIL_PROFILE_POLICY_H
#define VIGIL_PROFILE_POLICY_H

#include <stdbool.h>
#include <stdio.h>

struct vg_profile;

/* Write the policy (YAML) for profile p, read from `source` (named in a
 * comment).  -EINVAL unless p is a profile of an executable; -EIO. */
int vg_profile_policy_write(FILE *f, const struct vg_profile *p, const char *source,
			    bool enforce);

#endif /* VIGIL_PROFILE_POLICY_H */
