// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_policy - the policy parser, validator and compiler on arbitrary
 * bytes: never crashes, never leaks (LeakSanitizer), and either loads
 * policies or says why not: a failed load has at least one diagnostic,
 * every diagnostic is formattable, a successful one has none and only
 * well-formed rules.  What loads is then compiled for the kernel and the
 * backends (engine_compile.c) in enforce mode, where the most checks are.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "log.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_policy_set s;
	char line[2048];
	int ret;

	vg_policy_set_init(&s);
	ret = vg_policy_load_buffer(&s, "fuzz.yaml", (const char *)data, size);
	if ((ret == 0) != (s.n_diags == 0))
		abort();
	for (size_t i = 0; i < s.n_diags; i++) {
		vg_policy_diag_format(&s.diags[i], line, sizeof(line));
		if (!s.diags[i].msg[0])
			abort();
	}
	for (size_t i = 0; i < s.n; i++) {
		if (!s.v[i].name || !s.v[i].n_rules)
			abort();
		for (size_t j = 0; j < s.v[i].n_rules; j++) {
			const struct vg_policy_rule *r = &s.v[i].rules[j];

			if (!r->name || !r->kinds || r->kinds >> VG_PK_MAX ||
			    (unsigned int)r->action.type >= VG_ACT_MAX)
				abort();
			for (size_t k = 0; k < r->n_selectors; k++)
				if (!r->selectors[k].n)
					abort();
		}
	}
	{
		char *ifaces[] = { "fuzz0" };
		struct vg_engine_opts o = { .mode = VG_POLICY_ENFORCE, .xdp_ifaces = ifaces,
					    .n_xdp_ifaces = 1 };
		struct eng_state *st;

		vg_log_set_level(VG_LOG_NONE);
		st = eng_compile(&o, &s);	/* takes s */
		if (st && st->n_rules != vg_policy_set_rule_count(&st->set))
			abort();
		eng_state_free(st);
	}
	vg_policy_set_release(&s);
	return 0;
}
