// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The pure parsers behind `vigil net` and `vigil xdp`: CIDRs (both parsers,
 * which must agree), protocols, hook lists, rates, the names and strings
 * printed back, and vg_cli_parse_u32() as --port uses it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "cli.h"
#include "netctl.h"
#include "xdp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* An accepted CIDR and how both printers write it back. */
struct cidr_ok {
	const char *in;
	const char *canon;	/* "ADDR/PLEN", host bits cleared */
};

static const struct cidr_ok valid_cidrs[] = {
	{ "10.0.0.0/8", "10.0.0.0/8" },
	{ "0.0.0.0/0", "0.0.0.0/0" },
	{ "255.255.255.255/32", "255.255.255.255/32" },
	{ "192.168.1.7", "192.168.1.7/32" },		/* bare address: /32 */
	{ "192.168.1.7/32", "192.168.1.7/32" },
	{ "1.2.3.5/31", "1.2.3.4/31" },
	{ "10.1.2.3/8", "10.0.0.0/8" },			/* host bits cleared */
	{ "10.255.255.255/9", "10.128.0.0/9" },
	{ "255.255.255.255/0", "0.0.0.0/0" },
	{ "172.31.255.255/12", "172.16.0.0/12" },
	{ "::1/128", "::1/128" },
	{ "::1", "::1/128" },				/* bare address: /128 */
	{ "::/0", "::/0" },
	{ "ffff::1/0", "::/0" },
	{ "2001:db8::/32", "2001:db8::/32" },
	{ "2001:DB8::/32", "2001:db8::/32" },
	{ "2001:db8:ffff::1/33", "2001:db8:8000::/33" },
	{ "fd00::/8", "fd00::/8" },
	{ "fe80::1/127", "fe80::/127" },
	{ "8000::/1", "8000::/1" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128" },
	/* A v4-mapped address stays IPv6: it is a /128 of AF_INET6. */
	{ "::ffff:10.0.0.1", "::ffff:10.0.0.1/128" },
	{ "::ffff:10.0.0.1/96", "::ffff:0.0.0.0/96" },
};

static const char *const invalid_addrs[] = {
	"", "/8", "/", "a", "any", "300.1.1.1/8", "256.0.0.0", "10.0.0/8", "10.0.0.0.0/8",
	"010.0.0.0/8", "0x0a.0.0.0/8", " 10.0.0.0/8", "10.0.0.0 /8", "10.0.0.0\t/8",
	"1::2::3", ":::/8", "fe80::1%eth0/64", "::ffff:300.0.0.1", "2001:db8::g/32",
	"-10.0.0.0/8", "0000:0000:0000:0000:0000:0000:0000:0000:0/8",
	"1111:2222:3333:4444:5555:6666:7777:8888:9999/128",
};

/* The address is fine; the prefix length is not. */
static const char *const invalid_prefixes4[] = {
	"10.0.0.0/", "10.0.0.0/33", "10.0.0.0/8x", "10.0.0.0/-8", "10.0.0.0/-0",
	"10.0.0.0/+8", "10.0.0.0/ 8", "10.0.0.0/\t8", "10.0.0.0/\n8", "10.0.0.0/8 ",
	"10.0.0.0/8/8", "10.0.0.0//8", "10.0.0.0/0x8", "10.0.0.0/4294967304",
	"10.0.0.0/18446744073709551616", "10.0.0.0/ -18446744073709551615",
	"10.0.0.0/-18446744073709551615", "10.0.0.0/ +8",
};

static const char *const invalid_prefixes6[] = {
	"::1/", "::/129", "2001:db8::/32x", "2001:db8::/-1", "2001:db8::/ 32",
	"2001:db8::/32 ", "::/256", "::/ -18446744073709551615",
};

/* The bytes and prefix length `canon` stands for. */
static void canon_value(const char *canon, int *family, uint8_t addr[16], unsigned int *plen)
{
	char host[64];
	const char *slash = strchr(canon, '/');

	assert_non_null(slash);
	assert_true((size_t)(slash - canon) < sizeof(host));
	memcpy(host, canon, slash - canon);
	host[slash - canon] = '\0';
	memset(addr, 0, 16);
	*family = strchr(host, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(*family, host, addr), 1);
	*plen = (unsigned int)atoi(slash + 1);
}

static void test_netctl_cidr_accepts_and_clears_host_bits(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(valid_cidrs); i++) {
		const struct cidr_ok *c = &valid_cidrs[i];
		struct vg_netctl_rule r;
		char why[96] = "", buf[64];
		uint8_t want[16];
		unsigned int plen;
		int family;

		memset(&r, 0xa5, sizeof(r));
		canon_value(c->canon, &family, want, &plen);
		if (vg_netctl_parse_cidr(c->in, &r, why, sizeof(why)))
			fail_msg("'%s' rejected: %s", c->in, why);
		assert_int_equal(r.family, family);
		assert_int_equal(r.prefixlen, plen);
		assert_memory_equal(r.addr, want, 16);
		assert_string_equal(vg_netctl_cidr_str(&r, buf, sizeof(buf)), c->canon);
	}
}

static void test_xdp_cidr_accepts_and_clears_host_bits(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(valid_cidrs); i++) {
		const struct cidr_ok *c = &valid_cidrs[i];
		struct vg_xdp_rule r;
		uint8_t want[16];
		unsigned int plen;
		char buf[64];
		int family;

		memset(&r, 0xa5, sizeof(r));
		canon_value(c->canon, &family, want, &plen);
		if (vg_xdp_parse_cidr(c->in, &r))
			fail_msg("'%s' rejected", c->in);
		assert_int_equal(r.family, family == AF_INET ? 4 : 6);
		assert_int_equal(r.prefixlen, plen);
		assert_memory_equal(r.addr, want, 16);
		assert_string_equal(vg_xdp_src_str(&r, buf, sizeof(buf)), c->canon);
	}
}

static void test_cidr_printed_form_parses_back_to_the_same_rule(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(valid_cidrs); i++) {
		struct vg_netctl_rule n1 = {}, n2 = {};
		struct vg_xdp_rule x1 = {}, x2 = {};
		char why[96], buf[64];

		assert_int_equal(vg_netctl_parse_cidr(valid_cidrs[i].in, &n1, why, sizeof(why)), 0);
		vg_netctl_cidr_str(&n1, buf, sizeof(buf));
		assert_int_equal(vg_netctl_parse_cidr(buf, &n2, why, sizeof(why)), 0);
		assert_int_equal(n2.family, n1.family);
		assert_int_equal(n2.prefixlen, n1.prefixlen);
		assert_memory_equal(n2.addr, n1.addr, 16);

		assert_int_equal(vg_xdp_parse_cidr(valid_cidrs[i].in, &x1), 0);
		vg_xdp_src_str(&x1, buf, sizeof(buf));
		assert_int_equal(vg_xdp_parse_cidr(buf, &x2), 0);
		assert_int_equal(x2.family, x1.family);
		assert_int_equal(x2.prefixlen, x1.prefixlen);
		assert_memory_equal(x2.addr, x1.addr, 16);
	}
}

static void assert_both_reject(const char *in, const char *want_why)
{
	struct vg_netctl_rule n = {};
	struct vg_xdp_rule x = {};
	char why[96] = "";

	if (vg_netctl_parse_cidr(in, &n, why, sizeof(why)) != -EINVAL)
		fail_msg("netctl accepted '%s'", in);
	if (strcmp(why, want_why))
		fail_msg("netctl '%s': why '%s', want '%s'", in, why, want_why);
	if (vg_xdp_parse_cidr(in, &x) != -EINVAL)
		fail_msg("xdp accepted '%s'", in);
}

static void test_cidr_rejects_bad_addresses_saying_what_is_expected(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(invalid_addrs); i++)
		assert_both_reject(invalid_addrs[i], "expected ADDRESS[/PREFIX], IPv4 or IPv6");
}

static void test_cidr_rejects_bad_ipv4_prefix_giving_the_range(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(invalid_prefixes4); i++)
		assert_both_reject(invalid_prefixes4[i], "prefix length 0-32 for IPv4");
}

static void test_cidr_rejects_bad_ipv6_prefix_giving_the_range(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(invalid_prefixes6); i++)
		assert_both_reject(invalid_prefixes6[i], "prefix length 0-128 for IPv6");
}

static void test_cidr_rejects_an_address_too_long_for_any_family(void **state)
{
	char in[128];

	memset(in, '1', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	assert_both_reject(in, "expected ADDRESS[/PREFIX], IPv4 or IPv6");
	memcpy(in + 60, "/8", 3);
	assert_both_reject(in, "expected ADDRESS[/PREFIX], IPv4 or IPv6");
}

static void test_netctl_cidr_why_is_cut_to_its_buffer(void **state)
{
	struct vg_netctl_rule r;
	char why[8];

	memset(why, 'x', sizeof(why));
	assert_int_equal(vg_netctl_parse_cidr("10.0.0.0/33", &r, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "prefix ");
	assert_int_equal(vg_netctl_parse_cidr("nope", &r, NULL, 0), -EINVAL);
}

static void test_netctl_cidr_str_of_unknown_family_is_a_question_mark(void **state)
{
	struct vg_netctl_rule r = { .family = 0, .prefixlen = 8 };
	char buf[64];

	assert_string_equal(vg_netctl_cidr_str(&r, buf, sizeof(buf)), "?/8");
}

static void test_xdp_src_str_of_family_zero_is_any(void **state)
{
	struct vg_xdp_rule r = { .family = 0 };
	char buf[64];

	assert_string_equal(vg_xdp_src_str(&r, buf, sizeof(buf)), "any");
}

/* ---- protocols ---------------------------------------------------------- */

struct proto_case {
	const char *in;
	int err;
	uint8_t proto;
};

static void test_netctl_proto_takes_tcp_udp_any_only(void **state)
{
	static const struct proto_case cases[] = {
		{ "tcp", 0, IPPROTO_TCP }, { "udp", 0, IPPROTO_UDP }, { "any", 0, 0 },
		{ "icmp", -EINVAL, 0 }, { "icmpv6", -EINVAL, 0 }, { "TCP", -EINVAL, 0 },
		{ "6", -EINVAL, 0 }, { "17", -EINVAL, 0 }, { "", -EINVAL, 0 },
		{ "tcp ", -EINVAL, 0 }, { " tcp", -EINVAL, 0 }, { "tcpx", -EINVAL, 0 },
		{ "tc", -EINVAL, 0 }, { "all", -EINVAL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t p = 0xee;
		int err = vg_netctl_parse_proto(cases[i].in, &p);

		if (err != cases[i].err)
			fail_msg("'%s': %d, want %d", cases[i].in, err, cases[i].err);
		assert_int_equal(p, cases[i].err ? 0xee : cases[i].proto);
	}
}

static void test_xdp_proto_takes_names_any_case_and_numbers_1_to_255(void **state)
{
	static const struct proto_case cases[] = {
		{ "tcp", 0, 6 }, { "udp", 0, 17 }, { "icmp", 0, 1 }, { "icmpv6", 0, 58 },
		{ "sctp", 0, 132 }, { "TCP", 0, 6 }, { "IcmpV6", 0, 58 }, { "1", 0, 1 },
		{ "6", 0, 6 }, { "47", 0, 47 }, { "255", 0, 255 }, { "0047", 0, 47 },
		{ "0", -EINVAL, 0 }, { "256", -EINVAL, 0 }, { "-1", -EINVAL, 0 },
		{ "+6", -EINVAL, 0 }, { " 6", -EINVAL, 0 }, { "6 ", -EINVAL, 0 },
		{ "6x", -EINVAL, 0 }, { "0x6", -EINVAL, 0 }, { "", -EINVAL, 0 },
		{ "any", -EINVAL, 0 }, { "tcp ", -EINVAL, 0 }, { "icmp6", -EINVAL, 0 },
		{ "18446744073709551617", -EINVAL, 0 }, { "4294967302", -EINVAL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t p = 0xee;
		int err = vg_xdp_parse_proto(cases[i].in, &p);

		if (err != cases[i].err)
			fail_msg("'%s': %d, want %d", cases[i].in, err, cases[i].err);
		assert_int_equal(p, cases[i].err ? 0xee : cases[i].proto);
	}
}

static void test_netctl_proto_name_round_trips_what_it_parses(void **state)
{
	static const uint8_t protos[] = { 0, IPPROTO_TCP, IPPROTO_UDP };

	for (size_t i = 0; i < ARRAY_SIZE(protos); i++) {
		uint8_t p = 0xee;

		assert_int_equal(vg_netctl_parse_proto(vg_netctl_proto_name(protos[i]), &p), 0);
		assert_int_equal(p, protos[i]);
	}
	assert_string_equal(vg_netctl_proto_name(IPPROTO_ICMP), "proto");
	assert_string_equal(vg_netctl_proto_name(255), "proto");
}

static void test_xdp_proto_name_round_trips_every_protocol(void **state)
{
	char buf[8];
	uint8_t p;

	assert_string_equal(vg_xdp_proto_name(0, buf, sizeof(buf)), "any");
	assert_string_equal(vg_xdp_proto_name(58, buf, sizeof(buf)), "icmpv6");
	assert_string_equal(vg_xdp_proto_name(47, buf, sizeof(buf)), "47");
	for (unsigned int v = 1; v <= 255; v++) {
		p = 0;
		assert_int_equal(vg_xdp_parse_proto(vg_xdp_proto_name((uint8_t)v, buf, sizeof(buf)),
						    &p), 0);
		assert_int_equal(p, v);
	}
}

/* ---- hooks -------------------------------------------------------------- */

static void test_netctl_hooks_takes_a_comma_list_of_known_hooks(void **state)
{
	static const struct {
		const char *in;
		int err;
		unsigned int hooks;
	} cases[] = {
		{ "connect", 0, VG_NETCTL_HOOK_BIT(VG_NETCTL_CONNECT) },
		{ "sendmsg", 0, VG_NETCTL_HOOK_BIT(VG_NETCTL_SENDMSG) },
		{ "bind", 0, VG_NETCTL_HOOK_BIT(VG_NETCTL_BIND) },
		{ "connect,bind", 0,
		  VG_NETCTL_HOOK_BIT(VG_NETCTL_CONNECT) | VG_NETCTL_HOOK_BIT(VG_NETCTL_BIND) },
		{ "bind,bind", 0, VG_NETCTL_HOOK_BIT(VG_NETCTL_BIND) },
		{ "all", 0, VG_NETCTL_HOOKS_ALL },
		{ "all,connect", 0, VG_NETCTL_HOOKS_ALL },
		{ "", -EINVAL, 0 }, { ",", -EINVAL, 0 }, { "connect,", -EINVAL, 0 },
		{ ",connect", -EINVAL, 0 }, { "connect,,bind", -EINVAL, 0 },
		{ "Connect", -EINVAL, 0 }, { "con", -EINVAL, 0 }, { "connects", -EINVAL, 0 },
		{ "connect bind", -EINVAL, 0 }, { "connect, bind", -EINVAL, 0 },
		{ "allx", -EINVAL, 0 }, { "any", -EINVAL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned int h = 0xdead;
		int err = vg_netctl_parse_hooks(cases[i].in, &h);

		if (err != cases[i].err)
			fail_msg("'%s': %d, want %d", cases[i].in, err, cases[i].err);
		assert_int_equal(h, cases[i].err ? 0xdead : cases[i].hooks);
	}
}

static void test_netctl_names_are_question_marks_out_of_range(void **state)
{
	assert_string_equal(vg_netctl_hook_name(VG_NETCTL_CONNECT), "connect");
	assert_string_equal(vg_netctl_hook_name(VG_NETCTL_BIND), "bind");
	assert_string_equal(vg_netctl_hook_name(0), "?");
	assert_string_equal(vg_netctl_hook_name(VG_NETCTL_HOOK_MAX), "?");
	assert_string_equal(vg_netctl_prog_name(VG_NETCTL_PROG_CONNECT4), "connect4");
	assert_string_equal(vg_netctl_prog_name(VG_NETCTL_PROG_BIND6), "bind6");
	assert_string_equal(vg_netctl_prog_name(VG_NETCTL_PROG_MAX), "?");
}

/* ---- ports (vg_cli_parse_u32, range checked by the commands) ------------ */

static void test_port_argument_parses_as_decimal_u32_only(void **state)
{
	static const struct {
		const char *in;
		int err;
		uint32_t v;
	} cases[] = {
		{ "1", 0, 1 }, { "80", 0, 80 }, { "65535", 0, 65535 },
		/* In range for u32: the commands reject them as ports. */
		{ "0", 0, 0 }, { "65536", 0, 65536 }, { "4294967295", 0, UINT32_MAX },
		{ "4294967296", -EINVAL, 0 }, { "18446744073709551616", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 }, { "-0", -EINVAL, 0 }, { "80x", -EINVAL, 0 },
		{ "x80", -EINVAL, 0 }, { "", -EINVAL, 0 }, { "0x50", -EINVAL, 0 },
		{ "80 ", -EINVAL, 0 }, { "8 0", -EINVAL, 0 }, { "http", -EINVAL, 0 },
		/* strtoul would skip the blank or take the sign (and wrap): refused */
		{ " 80", -EINVAL, 0 }, { "+80", -EINVAL, 0 }, { "\t80", -EINVAL, 0 },
		{ " -18446744073709551615", -EINVAL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint32_t v = 0xdeadbeef;
		int err = vg_cli_parse_u32(cases[i].in, &v);

		if (err != cases[i].err)
			fail_msg("'%s': %d, want %d", cases[i].in, err, cases[i].err);
		assert_int_equal(v, cases[i].err ? 0xdeadbeef : cases[i].v);
	}
}

/* ---- rates and rule strings --------------------------------------------- */

static void test_xdp_rate_bounds_pps_and_burst(void **state)
{
	static const struct {
		uint32_t pps, burst;
		int err;
	} cases[] = {
		{ 1, 0, 0 }, { 1, 1, 0 }, { 1000, 100, 0 }, { 100, 1000, 0 },
		{ VG_XDP_PPS_MAX, 0, 0 }, { VG_XDP_PPS_MAX, VG_XDP_BURST_MAX, 0 },
		{ 0, 0, -EINVAL }, { 0, 10, -EINVAL }, { VG_XDP_PPS_MAX + 1, 0, -EINVAL },
		{ UINT32_MAX, 0, -EINVAL }, { 1, VG_XDP_BURST_MAX + 1, -EINVAL },
		{ 1, UINT32_MAX, -EINVAL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct vg_xdp_rule r = {}, before;
		int err = vg_xdp_rule_set_rate(&r, cases[i].pps, cases[i].burst);

		if (err != cases[i].err)
			fail_msg("pps %u burst %u: %d, want %d", cases[i].pps, cases[i].burst, err,
				 cases[i].err);
		if (err) {
			memset(&before, 0, sizeof(before));
			assert_memory_equal(&r, &before, sizeof(r));
		}
	}
}

static void test_xdp_rate_sets_gcra_interval_and_tolerance(void **state)
{
	struct vg_xdp_rule r = {};

	assert_int_equal(vg_xdp_rule_set_rate(&r, 1000, 100), 0);
	assert_int_equal(r.pps, 1000);
	assert_int_equal(r.burst, 100);
	assert_int_equal(r.interval_ns, 1000000);
	assert_int_equal(r.tolerance_ns, 99 * 1000000ull);

	assert_int_equal(vg_xdp_rule_set_rate(&r, 1, 1), 0);
	assert_int_equal(r.interval_ns, 1000000000ull);
	assert_int_equal(r.tolerance_ns, 0);

	/* burst 0 means one second's worth: burst = pps */
	assert_int_equal(vg_xdp_rule_set_rate(&r, 50, 0), 0);
	assert_int_equal(r.burst, 50);
	assert_int_equal(r.interval_ns, 20000000);
	assert_int_equal(r.tolerance_ns, 49 * 20000000ull);

	assert_int_equal(vg_xdp_rule_set_rate(&r, VG_XDP_PPS_MAX, VG_XDP_BURST_MAX), 0);
	assert_int_equal(r.interval_ns, 100);
	assert_int_equal(r.tolerance_ns, (VG_XDP_BURST_MAX - 1) * 100ull);
}

static void test_xdp_rule_str_describes_the_rule(void **state)
{
	struct vg_xdp_rule drop = { .action = VG_XDP_ACT_DROP, .proto = 17, .dport = 53 };
	struct vg_xdp_rule rl = { .action = VG_XDP_ACT_RATELIMIT, .proto = 1 };
	struct vg_xdp_rule v6 = { .action = VG_XDP_ACT_DROP, .proto = 47 };
	char buf[128];

	assert_int_equal(vg_xdp_parse_cidr("10.1.2.3/8", &drop), 0);
	vg_xdp_rule_str(&drop, buf, sizeof(buf));
	assert_string_equal(buf, "drop udp port 53 from 10.0.0.0/8");

	assert_int_equal(vg_xdp_rule_set_rate(&rl, 1000, 100), 0);
	vg_xdp_rule_str(&rl, buf, sizeof(buf));
	assert_string_equal(buf, "ratelimit icmp from any 1000 pps burst 100");

	assert_int_equal(vg_xdp_parse_cidr("2001:db8::1/32", &v6), 0);
	vg_xdp_rule_str(&v6, buf, sizeof(buf));
	assert_string_equal(buf, "drop 47 from 2001:db8::/32");
}

static void test_xdp_rule_str_is_cut_to_its_buffer(void **state)
{
	struct vg_xdp_rule rl = { .action = VG_XDP_ACT_RATELIMIT, .proto = 6, .dport = 65535 };
	static const char full[] =
		"ratelimit tcp port 65535 from ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128 "
		"10000000 pps burst 10000000";

	assert_int_equal(vg_xdp_parse_cidr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &rl), 0);
	assert_int_equal(vg_xdp_rule_set_rate(&rl, VG_XDP_PPS_MAX, VG_XDP_BURST_MAX), 0);
	for (size_t len = 1; len <= sizeof(full) + 1; len++) {
		char *buf = malloc(len);	/* exact size: ASan sees overruns */

		assert_non_null(buf);
		vg_xdp_rule_str(&rl, buf, len);
		assert_true(strlen(buf) < len);
		/* Whatever fits is a prefix of the full text (the rate part is
		 * dropped whole when the rest already filled the buffer). */
		assert_memory_equal(buf, full, strlen(buf));
		if (len >= sizeof(full))
			assert_string_equal(buf, full);
		free(buf);
	}
}

static void test_xdp_names_fall_back_out_of_range(void **state)
{
	assert_string_equal(vg_xdp_action_name(VG_XDP_ACT_DROP), "drop");
	assert_string_equal(vg_xdp_action_name(VG_XDP_ACT_RATELIMIT), "ratelimit");
	assert_string_equal(vg_xdp_action_name(VG_XDP_ACT_NONE), "none");
	assert_string_equal(vg_xdp_action_name((enum vg_xdp_action)99), "none");
	assert_string_equal(vg_xdp_mode_name(VG_XDP_MODE_NATIVE), "native");
	assert_string_equal(vg_xdp_mode_name(VG_XDP_MODE_GENERIC), "generic");
	assert_string_equal(vg_xdp_mode_name((enum vg_xdp_mode)99), "none");
	assert_string_equal(vg_xdp_stat_name(VG_XDP_STAT_SEEN), "seen");
	assert_string_equal(vg_xdp_stat_name(VG_XDP_STAT_CONTENDED), "contended");
	assert_string_equal(vg_xdp_stat_name(VG_XDP_STAT_MAX), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netctl_cidr_accepts_and_clears_host_bits),
		cmocka_unit_test(test_xdp_cidr_accepts_and_clears_host_bits),
		cmocka_unit_test(test_cidr_printed_form_parses_back_to_the_same_rule),
		cmocka_unit_test(test_cidr_rejects_bad_addresses_saying_what_is_expected),
		cmocka_unit_test(test_cidr_rejects_bad_ipv4_prefix_giving_the_range),
		cmocka_unit_test(test_cidr_rejects_bad_ipv6_prefix_giving_the_range),
		cmocka_unit_test(test_cidr_rejects_an_address_too_long_for_any_family),
		cmocka_unit_test(test_netctl_cidr_why_is_cut_to_its_buffer),
		cmocka_unit_test(test_netctl_cidr_str_of_unknown_family_is_a_question_mark),
		cmocka_unit_test(test_xdp_src_str_of_family_zero_is_any),
		cmocka_unit_test(test_netctl_proto_takes_tcp_udp_any_only),
		cmocka_unit_test(test_xdp_proto_takes_names_any_case_and_numbers_1_to_255),
		cmocka_unit_test(test_netctl_proto_name_round_trips_what_it_parses),
		cmocka_unit_test(test_xdp_proto_name_round_trips_every_protocol),
		cmocka_unit_test(test_netctl_hooks_takes_a_comma_list_of_known_hooks),
		cmocka_unit_test(test_netctl_names_are_question_marks_out_of_range),
		cmocka_unit_test(test_port_argument_parses_as_decimal_u32_only),
		cmocka_unit_test(test_xdp_rate_bounds_pps_and_burst),
		cmocka_unit_test(test_xdp_rate_sets_gcra_interval_and_tolerance),
		cmocka_unit_test(test_xdp_rule_str_describes_the_rule),
		cmocka_unit_test(test_xdp_rule_str_is_cut_to_its_buffer),
		cmocka_unit_test(test_xdp_names_fall_back_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
