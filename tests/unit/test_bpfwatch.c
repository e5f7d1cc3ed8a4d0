// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_bpfwatch - the bpf event's names (the kernel's enums), which fields
 * each command fills, `--cmd` lists, the decoder's checks, and the JSON and
 * text rendering.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <cmocka.h>

#include "bpfwatch.h"
#include "event.h"
#include "output.h"

/* The names follow the UAPI numbers this system's headers have too. */
static void names_follow_the_kernel_enums(void **state)
{
	assert_string_equal(vg_bpf_cmd_name(BPF_MAP_CREATE), "map_create");
	assert_string_equal(vg_bpf_cmd_name(BPF_PROG_LOAD), "prog_load");
	assert_string_equal(vg_bpf_cmd_name(BPF_OBJ_GET_INFO_BY_FD), "obj_get_info_by_fd");
	assert_string_equal(vg_bpf_cmd_name(BPF_RAW_TRACEPOINT_OPEN), "raw_tracepoint_open");
	assert_string_equal(vg_bpf_cmd_name(BPF_LINK_DETACH), "link_detach");
	assert_string_equal(vg_bpf_cmd_name(36), "token_create");	/* newer than these headers */
	assert_null(vg_bpf_cmd_name(38));
	assert_null(vg_bpf_cmd_name(UINT32_MAX));
	assert_string_equal(vg_bpf_prog_type_name(BPF_PROG_TYPE_SOCKET_FILTER), "socket_filter");
	assert_string_equal(vg_bpf_prog_type_name(BPF_PROG_TYPE_CGROUP_SOCK_ADDR), "cgroup_sock_addr");
	assert_string_equal(vg_bpf_prog_type_name(BPF_PROG_TYPE_LSM), "lsm");
	assert_string_equal(vg_bpf_prog_type_name(32), "netfilter");
	assert_null(vg_bpf_prog_type_name(33));
	assert_string_equal(vg_bpf_map_type_name(BPF_MAP_TYPE_HASH), "hash");
	assert_string_equal(vg_bpf_map_type_name(BPF_MAP_TYPE_RINGBUF), "ringbuf");
	assert_string_equal(vg_bpf_map_type_name(33), "arena");
	assert_null(vg_bpf_map_type_name(34));
	assert_string_equal(vg_bpf_attach_type_name(BPF_CGROUP_INET_INGRESS), "cgroup_inet_ingress");
	assert_string_equal(vg_bpf_attach_type_name(BPF_TRACE_FENTRY), "trace_fentry");
	assert_string_equal(vg_bpf_attach_type_name(BPF_PERF_EVENT), "perf_event");
	assert_string_equal(vg_bpf_attach_type_name(57), "trace_uprobe_session");
	assert_null(vg_bpf_attach_type_name(58));
	/* the event's command numbers are the kernel's */
	assert_int_equal(VG_BPF_PROG_LOAD, BPF_PROG_LOAD);
	assert_int_equal(VG_BPF_LINK_CREATE, BPF_LINK_CREATE);
	assert_int_equal(VG_BPF_ENABLE_STATS, BPF_ENABLE_STATS);
	assert_int_equal(VG_BPF_LINK_DETACH, BPF_LINK_DETACH);
	assert_int_equal(vg_bpf_cmd_parse("prog_load"), BPF_PROG_LOAD);
	assert_int_equal(vg_bpf_cmd_parse("prog_loads"), -1);
	assert_int_equal(vg_bpf_prog_type_parse("xdp"), BPF_PROG_TYPE_XDP);
	assert_int_equal(vg_bpf_prog_type_parse("XDP"), -1);
}

/* Only control commands are reported: never a per-operation one. */
static void reported_commands_are_the_control_ones(void **state)
{
	static const unsigned int hot[] = {
		BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM, BPF_MAP_GET_NEXT_KEY,
		BPF_PROG_TEST_RUN, BPF_PROG_GET_NEXT_ID, BPF_MAP_GET_NEXT_ID, BPF_OBJ_GET_INFO_BY_FD,
		BPF_MAP_LOOKUP_BATCH, BPF_MAP_UPDATE_BATCH, BPF_LINK_GET_NEXT_ID, BPF_BTF_GET_NEXT_ID,
		BPF_PROG_GET_FD_BY_ID, BPF_MAP_GET_FD_BY_ID,
	};

	for (size_t i = 0; i < sizeof(hot) / sizeof(hot[0]); i++)
		if (vg_bpf_cmd_reported(hot[i]))
			fail_msg("%s is reported", vg_bpf_cmd_name(hot[i]));
	assert_true(vg_bpf_cmd_reported(BPF_PROG_LOAD));
	assert_true(vg_bpf_cmd_reported(BPF_OBJ_PIN));
	assert_false(vg_bpf_cmd_reported(64));
	assert_string_equal(vg_bpf_reported_cmds_str(),
			    "map_create, prog_load, obj_pin, obj_get, prog_attach, prog_detach, "
			    "raw_tracepoint_open, btf_load, link_create, link_update, enable_stats, "
			    "link_detach, token_create");
}

static void cmds_parse_lists_and_refusals(void **state)
{
	uint64_t m;
	char bad[64];

	assert_int_equal(vg_bpf_cmds_parse("prog_load", &m, bad, sizeof(bad)), 0);
	assert_int_equal(m, 1ULL << BPF_PROG_LOAD);
	assert_int_equal(vg_bpf_cmds_parse("prog_load,map_create,token_create", &m, bad,
					   sizeof(bad)), 0);
	assert_int_equal(m, (1ULL << BPF_PROG_LOAD) | (1ULL << BPF_MAP_CREATE) | (1ULL << 36));
	assert_int_equal(vg_bpf_cmds_parse("prog_load,map_update_elem", &m, bad, sizeof(bad)),
			 -EINVAL);
	assert_string_equal(bad, "map_update_elem");
	assert_int_equal(vg_bpf_cmds_parse("prog_lod", &m, bad, sizeof(bad)), -EINVAL);
	assert_string_equal(bad, "prog_lod");
	assert_int_equal(vg_bpf_cmds_parse("prog_load,", &m, bad, sizeof(bad)), -EINVAL);
	assert_string_equal(bad, "");
	assert_int_equal(vg_bpf_cmds_parse("", &m, bad, sizeof(bad)), -EINVAL);
}

static void prog_load(struct vg_bpf *r)
{
	memset(r, 0, sizeof(*r));
	r->hdr.type = VG_EV_BPF;
	r->hdr.version = VG_BPF_VERSION;
	r->hdr.size = sizeof(*r);
	r->hdr.task.pid = r->hdr.task.tid = 42;
	memcpy(r->hdr.task.comm, "loader", 7);
	r->cmd = BPF_PROG_LOAD;
	r->attr_size = 144;
	r->result = 7;
	r->duration_ns = 1234;
	r->prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	r->insn_cnt = 4;
	strcpy(r->name, "vg_test_prog");
}

static void fields_per_command(void **state)
{
	struct vg_bpf r;
	unsigned int f;

	prog_load(&r);
	f = vg_bpf_event_fields(&r);
	assert_int_equal(f, VG_BPFF_PROG_TYPE | VG_BPFF_INSN_CNT | VG_BPFF_NAME | VG_BPFF_FLAGS);
	/* 0 is cgroup_inet_ingress for a cgroup skb program: said */
	r.prog_type = BPF_PROG_TYPE_CGROUP_SKB;
	assert_true(vg_bpf_event_fields(&r) & VG_BPFF_ATTACH_TYPE);
	r.prog_type = BPF_PROG_TYPE_TRACING;
	r.attach_type = BPF_TRACE_FENTRY;
	r.attach_btf_id = 1234;
	assert_true(vg_bpf_event_fields(&r) & VG_BPFF_ATTACH_TYPE);
	assert_true(vg_bpf_event_fields(&r) & VG_BPFF_ATTACH_BTF_ID);
	r.flags = VG_BPF_ATTR_FAULT;
	assert_int_equal(vg_bpf_event_fields(&r), 0);
	r.flags = 0;
	r.cmd = BPF_OBJ_PIN;
	assert_int_equal(vg_bpf_event_fields(&r), VG_BPFF_PATH | VG_BPFF_BPF_FD | VG_BPFF_FLAGS);
	r.cmd = BPF_OBJ_GET;
	assert_int_equal(vg_bpf_event_fields(&r), VG_BPFF_PATH | VG_BPFF_FLAGS);
	r.cmd = BPF_RAW_TRACEPOINT_OPEN;
	assert_int_equal(vg_bpf_event_fields(&r), VG_BPFF_TRACEPOINT | VG_BPFF_PROG_FD);
	r.cmd = BPF_MAP_CREATE;
	assert_int_equal(vg_bpf_event_fields(&r),
			 VG_BPFF_MAP_TYPE | VG_BPFF_MAP_SIZES | VG_BPFF_NAME | VG_BPFF_FLAGS);
	r.cmd = BPF_MAP_UPDATE_ELEM;	/* never sent; nothing to say if it were */
	assert_int_equal(vg_bpf_event_fields(&r), 0);
}

static void event_check_wants_terminated_strings(void **state)
{
	struct vg_bpf r;
	const char *why = NULL;

	prog_load(&r);
	assert_int_equal(vg_event_check(&r, sizeof(r), &why), 0);
	assert_string_equal(vg_event_kind(VG_EV_BPF), "bpf");
	memset(r.name, 'x', sizeof(r.name));
	assert_int_equal(vg_event_check(&r, sizeof(r), &why), -EINVAL);
	assert_string_equal(why, "bpf: name or path not terminated");
	prog_load(&r);
	memset(r.path, 'x', sizeof(r.path));
	assert_int_equal(vg_event_check(&r, sizeof(r), &why), -EINVAL);
	prog_load(&r);
	assert_int_equal(vg_event_check(&r, sizeof(r) - 8, &why), -EINVAL);
}

static char *render(enum vg_format fmt, const struct vg_bpf *r)
{
	static char out[4096];
	struct vg_event_view v = { 0 };
	struct vg_buf b;

	v.hdr = &r->hdr;
	v.bpf = r;
	v.proc.task = &r->hdr.task;
	v.proc.exe = "/usr/bin/loader";
	v.proc.cgroup = "";
	v.proc.parent_exe = "";
	vg_buf_init(&b);
	vg_render_event(&b, fmt, &v);
	assert_false(b.oom);
	assert_true(b.len < sizeof(out));
	memcpy(out, b.data, b.len);
	out[b.len] = '\0';
	vg_buf_release(&b);
	return out;
}

static void render_json_and_text(void **state)
{
	struct vg_bpf r;

	prog_load(&r);
	assert_non_null(strstr(render(VG_FMT_JSON, &r), "\"kind\":\"bpf\""));
	assert_non_null(strstr(render(VG_FMT_JSON, &r),
			       "\"bpf\":{\"cmd\":\"prog_load\",\"result\":7,\"errno\":null,"
			       "\"duration_ns\":1234,\"attr_size\":144,\"prog_type\":\"socket_filter\","
			       "\"name\":\"vg_test_prog\",\"insn_cnt\":4,\"flags\":0}}"));
	assert_non_null(strstr(render(VG_FMT_TEXT, &r),
			       " cmd=prog_load prog_type=socket_filter name=vg_test_prog insns=4 "
			       "result=7 "));

	/* numbers without a name, a refusal, an unnamed program */
	r.prog_type = 77;
	r.result = -EACCES;
	r.name[0] = '\0';
	assert_non_null(strstr(render(VG_FMT_JSON, &r),
			       "\"result\":-13,\"errno\":\"EACCES\",\"duration_ns\":1234,"
			       "\"attr_size\":144,\"prog_type\":77,\"name\":null,"));
	assert_non_null(strstr(render(VG_FMT_TEXT, &r), " prog_type=77 name=- insns=4 result=-13 "
						       "(EACCES)"));
	r.cmd = 99;
	assert_non_null(strstr(render(VG_FMT_JSON, &r), "\"bpf\":{\"cmd\":99,\"result\":-13,"));

	/* a pin: the path, the pinned fd */
	prog_load(&r);
	r.cmd = BPF_OBJ_PIN;
	r.result = 0;
	r.bpf_fd = 7;
	r.flags = VG_BPF_PATH_TRUNCATED;
	strcpy(r.path, "/sys/fs/bpf/a \"b\"");
	assert_non_null(strstr(render(VG_FMT_JSON, &r),
			       "\"bpf\":{\"cmd\":\"obj_pin\",\"result\":0,\"errno\":null,"
			       "\"duration_ns\":1234,\"attr_size\":144,\"flags\":0,\"bpf_fd\":7,"
			       "\"path\":\"/sys/fs/bpf/a \\\"b\\\"\",\"path_truncated\":true}"));

	/* a link: fds and the attach type */
	prog_load(&r);
	r.cmd = BPF_LINK_CREATE;
	r.prog_fd = 5;
	r.target_fd = 6;
	r.attach_type = BPF_CGROUP_INET_EGRESS;
	assert_non_null(strstr(render(VG_FMT_JSON, &r),
			       "\"attr_size\":144,\"attach_type\":\"cgroup_inet_egress\","
			       "\"flags\":0,\"prog_fd\":5,\"target_fd\":6}"));
	assert_non_null(strstr(render(VG_FMT_TEXT, &r), " cmd=link_create "
			       "attach_type=cgroup_inet_egress prog_fd=5 target_fd=6 result=7"));

	/* an attr that could not be read: only what the syscall itself says */
	prog_load(&r);
	r.flags = VG_BPF_ATTR_FAULT;
	r.result = -EFAULT;
	assert_non_null(strstr(render(VG_FMT_JSON, &r),
			       "\"attr_size\":144,\"attr_unreadable\":true}"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_follow_the_kernel_enums),
		cmocka_unit_test(reported_commands_are_the_control_ones),
		cmocka_unit_test(cmds_parse_lists_and_refusals),
		cmocka_unit_test(fields_per_command),
		cmocka_unit_test(event_check_wants_terminated_strings),
		cmocka_unit_test(render_json_and_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
