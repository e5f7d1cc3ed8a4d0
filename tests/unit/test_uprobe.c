// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_uprobe - `vigil trace uprobe` argument and guard specs, the uprobe
 * event's decoder checks and its JSON and text rendering.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "event.h"
#include "output.h"
#include "uprobe.h"

static void parse_arg_accepts_int_str_buf(void **state)
{
	struct vg_up_arg_spec a;
	const char *why = NULL;

	assert_int_equal(vg_uprobe_parse_arg("0:int", &a, &why), 0);
	assert_int_equal(a.index, 0);
	assert_int_equal(a.kind, VG_UP_ARG_INT);
	assert_int_equal(vg_uprobe_parse_arg("1:str", &a, &why), 0);
	assert_int_equal(a.kind, VG_UP_ARG_STR);
	assert_int_equal(a.max, VG_UP_DATA_LEN);
	assert_int_equal(vg_uprobe_parse_arg("5:str:16", &a, &why), 0);
	assert_int_equal(a.index, 5);
	assert_int_equal(a.max, 16);
	assert_int_equal(vg_uprobe_parse_arg("1:buf:2:64", &a, &why), 0);
	assert_int_equal(a.kind, VG_UP_ARG_BUF);
	assert_int_equal(a.len_index, 2);
	assert_int_equal(a.max, 64);
}

static void parse_arg_rejects_bad_specs(void **state)
{
	static const char *const bad[] = {
		"", "6:int", "x:int", "0", "0:long", "0:int:8", "1:str:0", "1:str:65",
		"1:buf", "1:buf:9", "1:str:8:9", "-1:int", "0:intx",
	};
	struct vg_up_arg_spec a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;

		if (vg_uprobe_parse_arg(bad[i], &a, &why) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(why);
	}
}

static void parse_guard_ops(void **state)
{
	struct vg_up_probe p = { 0 };
	const char *why = NULL;

	assert_int_equal(vg_uprobe_parse_guard("2:gt:30", &p, &why), 0);
	assert_int_equal(p.guard_op, VG_UP_GUARD_GT);
	assert_int_equal(p.guard_index, 2);
	assert_int_equal(p.guard_value, 30);
	assert_int_equal(vg_uprobe_parse_guard("0:ne:0x10", &p, &why), 0);
	assert_int_equal(p.guard_op, VG_UP_GUARD_NE);
	assert_int_equal(p.guard_value, 16);
	assert_int_equal(vg_uprobe_parse_guard("1:strlen_gt:255", &p, &why), 0);
	assert_int_equal(p.guard_op, VG_UP_GUARD_STRLEN_GT);
	assert_string_equal(vg_uprobe_guard_op_name(VG_UP_GUARD_STRLEN_GT), "strlen_gt");
	assert_null(vg_uprobe_guard_op_name(VG_UP_GUARD_OP_MAX));
}

static void parse_guard_rejects_bad_specs(void **state)
{
	static const char *const bad[] = {
		"2:gt", "2:gt:", "2:gt:x", "7:gt:1", "2:bigger:1", "1:strlen_gt:256", "2:gt:1:2",
	};
	struct vg_up_probe p = { 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;

		if (vg_uprobe_parse_guard(bad[i], &p, &why) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(why);
	}
}

static void killed_event(struct vg_uprobe *u)
{
	memset(u, 0, sizeof(*u));
	u->hdr.type = VG_EV_UPROBE;
	u->hdr.version = VG_UPROBE_VERSION;
	u->hdr.size = sizeof(*u);
	u->hdr.task.pid = 42;
	memcpy(u->hdr.task.comm, "caller", 7);
	u->probe_id = 1;
	u->flags = VG_UPROBE_GUARD | VG_UPROBE_KILLED;
	u->n_args = 2;
	u->args[0] = 40;
	u->arg_kind[0] = VG_UP_ARG_INT;
	u->arg_index[0] = 2;
	u->arg_kind[1] = VG_UP_ARG_BUF;
	u->arg_index[1] = 1;
	u->data_len[1] = 2;
	memcpy(u->data[1], "\x01\xff", 2);
	strcpy(u->symbol, "vg_guard_copy");
	strcpy(u->rule, "cve-guard");
}

static void event_check_validates_lengths(void **state)
{
	struct vg_uprobe u;
	const char *why;

	killed_event(&u);
	assert_int_equal(vg_event_check(&u, sizeof(u), &why), 0);
	assert_string_equal(vg_event_kind(VG_EV_UPROBE), "uprobe");
	u.n_args = 7;
	assert_int_equal(vg_event_check(&u, sizeof(u), &why), -EINVAL);
	killed_event(&u);
	u.data_len[3] = VG_UPROBE_DATA_LEN + 1;
	assert_int_equal(vg_event_check(&u, sizeof(u), &why), -EINVAL);
	killed_event(&u);
	memset(u.rule, 'x', sizeof(u.rule));
	assert_int_equal(vg_event_check(&u, sizeof(u), &why), -EINVAL);
	killed_event(&u);
	assert_int_equal(vg_event_check(&u, sizeof(u) - 8, &why), -EINVAL);
}

static void render_json_and_text(void **state)
{
	struct vg_event_view v = { 0 };
	struct vg_uprobe u;
	struct vg_buf b;

	killed_event(&u);
	v.hdr = &u.hdr;
	v.uprobe = &u;
	v.proc.task = &u.hdr.task;
	v.proc.exe = "/bin/caller";
	v.proc.cgroup = "";
	v.proc.parent_exe = "";
	vg_buf_init(&b);
	vg_render_event(&b, VG_FMT_JSON, &v);
	assert_false(b.oom);
	assert_non_null(strstr(b.data, "\"kind\":\"uprobe\""));
	assert_non_null(strstr(b.data, "\"uprobe\":{\"probe_id\":1,\"symbol\":\"vg_guard_copy\","
				       "\"site\":\"entry\",\"ret\":null,\"args\":["
				       "{\"index\":2,\"type\":\"int\",\"value\":40},"
				       "{\"index\":1,\"type\":\"buf\",\"value\":0,\"hex\":\"01ff\"}],"
				       "\"guard\":true,\"killed\":true,\"rule\":\"cve-guard\"}"));
	vg_buf_release(&b);

	vg_buf_init(&b);
	vg_render_event(&b, VG_FMT_TEXT, &v);
	assert_non_null(strstr(b.data, " symbol=vg_guard_copy entry args=0x28,"));
	assert_non_null(strstr(b.data, " guard=cve-guard killed"));
	vg_buf_release(&b);

	u.flags = VG_UPROBE_RETURN;
	u.ret = -5;
	vg_buf_init(&b);
	vg_render_event(&b, VG_FMT_JSON, &v);
	assert_non_null(strstr(b.data, "\"site\":\"return\",\"ret\":-5,"));
	assert_non_null(strstr(b.data, "\"guard\":false,\"killed\":false,\"rule\":\"cve-guard\""));
	vg_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_arg_accepts_int_str_buf),
		cmocka_unit_test(parse_arg_rejects_bad_specs),
		cmocka_unit_test(parse_guard_ops),
		cmocka_unit_test(parse_guard_rejects_bad_specs),
		cmocka_unit_test(event_check_validates_lengths),
		cmocka_unit_test(render_json_and_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
