// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vigil xdp drop|ratelimit|stats|list|delete|detach - the XDP ingress filter
 * (src/xdp.c, docs/xdp.md).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "json.h"
#include "log.h"
#include "output.h"
#include "xdp.h"

static const char xdp_usage[] =
	"usage: vigil xdp drop --dev IFACE [--src CIDR] [--proto P] [--port N]\n"
	"       vigil xdp ratelimit --dev IFACE --pps N [--burst N] [--src CIDR] [--proto P] [--port N]\n"
	"       vigil xdp stats [--dev IFACE] [-o text|json]\n"
	"       vigil xdp list [--dev IFACE] [-o text|json]\n"
	"       vigil xdp delete --dev IFACE RULE_ID\n"
	"       vigil xdp detach --dev IFACE\n"
	"\n"
	"An XDP program on IFACE drops, or rate-limits per source address (token\n"
	"bucket), packets matching a rule; native mode where the driver supports it,\n"
	"generic otherwise.  It stays attached after the command exits (pinned under\n"
	"/sys/fs/bpf/vigil/xdp/) until `vigil xdp detach`; rules change at run time.\n"
	"Rules are tried in id order; the first that matches decides.\n"
	"\n"
	"drop       add a rule dropping matching packets (attaches on first use)\n"
	"ratelimit  add a rule passing at most --pps packets/s per source address,\n"
	"           with bursts of up to --burst packets; the excess is dropped\n"
	"stats      per rule: packets, bytes, passed, dropped; frames per reason; mode\n"
	"list       the rules (same as stats, without counters)\n"
	"delete     remove rule RULE_ID\n"
	"detach     remove the program, its rules and its pins from IFACE\n"
	"\n"
	"  --dev IFACE      network interface (of the current network namespace)\n"
	"  --src CIDR       source address or prefix: 10.0.0.0/8, 192.0.2.1, 2001:db8::/32\n"
	"                   (default: any IPv4 or IPv6 source)\n"
	"  --proto P        tcp, udp, icmp, icmpv6, sctp or a number 1-255 (default: any)\n"
	"  --port N         destination port 1-65535 (tcp, udp or sctp; without --proto:\n"
	"                   any of the three)\n"
	"  --pps N          ratelimit: packets per second per source, 1-10000000\n"
	"  --burst N        ratelimit: bucket size in packets (default: the --pps value)\n"
	"  -o, --format F   text (default) or json (one object per interface per line)\n"
	"  -v, --verbose    more diagnostics on stderr\n"
	"  -h, --help       this help\n";

enum { OPT_DEV = 256, OPT_SRC, OPT_PROTO, OPT_PORT, OPT_PPS, OPT_BURST };

static const struct option xdp_options[] = {
	{ "dev", required_argument, NULL, OPT_DEV },
	{ "src", required_argument, NULL, OPT_SRC },
	{ "proto", required_argument, NULL, OPT_PROTO },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "pps", required_argument, NULL, OPT_PPS },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "format", required_argument, NULL, 'o' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

enum verb { V_DROP, V_RATELIMIT, V_STATS, V_LIST, V_DELETE, V_DETACH };

static const char *const verbs[] = {
	[V_DROP] = "drop", [V_RATELIMIT] = "ratelimit", [V_STATS] = "stats",
	[V_LIST] = "list", [V_DELETE] = "delete", [V_DETACH] = "detach",
};

struct xdp_opts {
	enum verb verb;
	const char *dev;
	struct vg_xdp_rule rule;
	bool has_pps, has_burst, has_rule_opt;
	uint32_t pps, burst, id;
	enum vg_format fmt;
};

static int parse(int argc, char **argv, struct xdp_opts *o)
{
	bool adds = o->verb == V_DROP || o->verb == V_RATELIMIT;
	uint32_t v;
	int c;

	while ((c = getopt_long(argc, argv, ":o:vh", xdp_options, NULL)) != -1) {
		if ((c == OPT_SRC || c == OPT_PROTO || c == OPT_PORT) && !adds)
			return vg_cli_usage_error(xdp_usage, "%s: only for 'xdp drop' and 'xdp ratelimit'",
						  argv[optind - 1]);
		if ((c == OPT_PPS || c == OPT_BURST) && o->verb != V_RATELIMIT)
			return vg_cli_usage_error(xdp_usage, "%s: only for 'xdp ratelimit'",
						  argv[optind - 1]);
		switch (c) {
		case OPT_DEV:
			if (!*optarg || strlen(optarg) >= IF_NAMESIZE || strchr(optarg, '/'))
				return vg_cli_usage_error(xdp_usage, "--dev: '%s' is not an interface name",
							  optarg);
			o->dev = optarg;
			break;
		case OPT_SRC:
			if (vg_xdp_parse_cidr(optarg, &o->rule))
				return vg_cli_usage_error(xdp_usage,
					"--src: '%s' is not an address or CIDR (10.0.0.0/8, 2001:db8::/32)",
					optarg);
			break;
		case OPT_PROTO:
			if (vg_xdp_parse_proto(optarg, &o->rule.proto))
				return vg_cli_usage_error(xdp_usage,
					"--proto: '%s' is not tcp, udp, icmp, icmpv6, sctp or 1-255", optarg);
			break;
		case OPT_PORT:
			if (vg_cli_parse_u32(optarg, &v) || v < 1 || v > 65535)
				return vg_cli_usage_error(xdp_usage, "--port: '%s' is not a port (1-65535)",
							  optarg);
			o->rule.dport = (uint16_t)v;
			break;
		case OPT_PPS:
			if (vg_cli_parse_u32(optarg, &o->pps) || o->pps < 1 || o->pps > VG_XDP_PPS_MAX)
				return vg_cli_usage_error(xdp_usage,
					"--pps: '%s' is not a rate (1-%u packets/s)", optarg, VG_XDP_PPS_MAX);
			o->has_pps = true;
			break;
		case OPT_BURST:
			if (vg_cli_parse_u32(optarg, &o->burst) || o->burst < 1 ||
			    o->burst > VG_XDP_BURST_MAX)
				return vg_cli_usage_error(xdp_usage,
					"--burst: '%s' is not a burst (1-%u packets)", optarg,
					VG_XDP_BURST_MAX);
			o->has_burst = true;
			break;
		case 'o':
			if (o->verb != V_STATS && o->verb != V_LIST)
				return vg_cli_usage_error(xdp_usage, "-o: only for 'xdp stats' and 'xdp list'");
			if (vg_format_parse(optarg, &o->fmt))
				return vg_cli_usage_error(xdp_usage,
							  "-o: unknown format '%s' (json or text)", optarg);
			break;
		case 'v':
			vg_log_more_verbose();
			break;
		case 'h':
			fputs(xdp_usage, stdout);
			return -1;
		case ':':
			return vg_cli_usage_error(xdp_usage, "option '%s' needs a value",
						  argv[optind - 1]);
		default:
			return vg_cli_usage_error(xdp_usage, "unknown option '%s'", argv[optind - 1]);
		}
	}

	if (o->verb == V_DELETE) {
		if (optind >= argc)
			return vg_cli_usage_error(xdp_usage, "xdp delete: missing RULE_ID");
		if (vg_cli_parse_u32(argv[optind], &o->id) || o->id < 1 || o->id > VG_XDP_RULES_MAX)
			return vg_cli_usage_error(xdp_usage, "RULE_ID: '%s' is not a rule id (1-%d)",
						  argv[optind], VG_XDP_RULES_MAX);
		optind++;
	}
	if (optind < argc)
		return vg_cli_usage_error(xdp_usage, "unexpected argument '%s'", argv[optind]);
	if (!o->dev && o->verb != V_STATS && o->verb != V_LIST)
		return vg_cli_usage_error(xdp_usage, "xdp %s: --dev is required", verbs[o->verb]);
	if (o->rule.dport && o->rule.proto && o->rule.proto != 6 && o->rule.proto != 17 &&
	    o->rule.proto != 132)
		return vg_cli_usage_error(xdp_usage, "--port: only with --proto tcp, udp or sctp");
	if (o->rule.family == 4 && o->rule.proto == 58)
		return vg_cli_usage_error(xdp_usage, "--proto icmpv6 never matches an IPv4 --src");
	if (o->rule.family == 6 && o->rule.proto == 1)
		return vg_cli_usage_error(xdp_usage, "--proto icmp never matches an IPv6 --src "
					  "(use icmpv6)");
	if (o->verb == V_RATELIMIT) {
		if (!o->has_pps)
			return vg_cli_usage_error(xdp_usage, "xdp ratelimit: --pps is required");
		if (vg_xdp_rule_set_rate(&o->rule, o->pps, o->has_burst ? o->burst : 0))
			return vg_cli_usage_error(xdp_usage, "--pps/--burst: out of range");
		o->rule.action = VG_XDP_ACT_RATELIMIT;
	} else if (o->verb == V_DROP) {
		o->rule.action = VG_XDP_ACT_DROP;
	}
	return 0;
}

/* xdp drop / ratelimit: attach if needed, add the rule. */
static int do_add(struct xdp_opts *o)
{
	struct vg_xdp x;
	char desc[160];
	bool existed;
	uint32_t id;
	int err;

	err = vg_xdp_open(&x, o->dev, true);
	if (err)
		return err == -ENODEV ? VG_EXIT_USAGE : VG_EXIT_FAIL;
	if (x.created)
		printf("attached xdp filter to %s (ifindex %d) in %s mode\n", x.ifname, x.ifindex,
		       vg_xdp_mode_name(x.mode));
	err = vg_xdp_rule_add(&x, &o->rule, &id, &existed);
	if (!err) {
		vg_xdp_rule_str(&o->rule, desc, sizeof(desc));
		printf("rule %u on %s (%s mode): %s%s\n", id, x.ifname, vg_xdp_mode_name(x.mode),
		       desc, existed ? " (already present)" : "");
	}
	vg_xdp_close(&x);
	return err ? VG_EXIT_FAIL : VG_EXIT_OK;
}

static int do_delete(struct xdp_opts *o)
{
	struct vg_xdp x;
	int err;

	err = vg_xdp_open(&x, o->dev, false);
	if (err)
		return err == -ENODEV ? VG_EXIT_USAGE : VG_EXIT_FAIL;
	err = vg_xdp_rule_delete(&x, o->id);
	if (err == -ENOENT)
		vg_error("no rule %u on '%s'", o->id, o->dev);
	else if (!err)
		printf("rule %u on %s deleted\n", o->id, x.ifname);
	vg_xdp_close(&x);
	return err ? VG_EXIT_FAIL : VG_EXIT_OK;
}

static int do_detach(struct xdp_opts *o)
{
	struct vg_xdp x;
	int err;

	err = vg_xdp_open(&x, o->dev, false);
	if (err)
		return err == -ENODEV ? VG_EXIT_USAGE : VG_EXIT_FAIL;
	err = vg_xdp_detach(&x);
	if (!err)
		printf("detached xdp filter from %s\n", o->dev);
	return err ? VG_EXIT_FAIL : VG_EXIT_OK;
}

static void render_text(struct vg_buf *b, struct vg_xdp *x, bool counters,
			const uint64_t stats[VG_XDP_STAT_MAX])
{
	struct vg_xdp_rule r;
	struct vg_xdp_counter c;
	char desc[160], when[32];
	time_t t = (time_t)(x->meta.attached_ns / 1000000000ull);
	struct tm tm;
	int n = 0;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	vg_buf_addf(b, "%s: ifindex %d, %s mode, attached %s\n", x->ifname, x->ifindex,
		    vg_xdp_mode_name(x->mode), when);
	if (counters)
		vg_buf_addf(b, "  %3s %12s %14s %12s %12s  %s\n", "ID", "PACKETS", "BYTES",
			    "PASSED", "DROPPED", "RULE");
	for (uint32_t id = 1; id <= VG_XDP_RULES_MAX; id++) {
		if (vg_xdp_rule_get(x, id, &r, counters ? &c : NULL))
			continue;
		vg_xdp_rule_str(&r, desc, sizeof(desc));
		n++;
		if (counters)
			vg_buf_addf(b, "  %3u %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %12" PRIu64
				    "  %s\n", id, (uint64_t)c.packets, (uint64_t)c.bytes,
				    (uint64_t)c.passed, (uint64_t)c.dropped, desc);
		else
			vg_buf_addf(b, "  %3u  %s\n", id, desc);
	}
	if (!n)
		vg_buf_adds(b, "  (no rules)\n");
	if (counters) {
		vg_buf_adds(b, "  frames:");
		for (int s = 0; s < VG_XDP_STAT_MAX; s++)
			vg_buf_addf(b, " %s %" PRIu64, vg_xdp_stat_name(s), stats[s]);
		vg_buf_addc(b, '\n');
	}
}

static void render_json(struct vg_buf *b, struct vg_xdp *x, bool counters,
			const uint64_t stats[VG_XDP_STAT_MAX])
{
	struct vg_xdp_rule r;
	struct vg_xdp_counter c;
	char pbuf[8], sbuf[64];
	bool first = true;

	vg_buf_adds(b, "{\"dev\":");
	vg_json_cstr(b, x->ifname);
	vg_buf_addf(b, ",\"ifindex\":%d,\"mode\":\"%s\",\"attached_ns\":%" PRIu64 ",\"rules\":[",
		    x->ifindex, vg_xdp_mode_name(x->mode), (uint64_t)x->meta.attached_ns);
	for (uint32_t id = 1; id <= VG_XDP_RULES_MAX; id++) {
		if (vg_xdp_rule_get(x, id, &r, counters ? &c : NULL))
			continue;
		vg_buf_addf(b, "%s{\"id\":%u,\"action\":\"%s\",\"src\":\"%s\",\"proto\":\"%s\","
			    "\"port\":%u", first ? "" : ",", id, vg_xdp_action_name(r.action),
			    vg_xdp_src_str(&r, sbuf, sizeof(sbuf)),
			    vg_xdp_proto_name(r.proto, pbuf, sizeof(pbuf)), r.dport);
		if (r.action == VG_XDP_ACT_RATELIMIT)
			vg_buf_addf(b, ",\"pps\":%u,\"burst\":%u", r.pps, r.burst);
		if (counters)
			vg_buf_addf(b, ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"passed\":%"
				    PRIu64 ",\"dropped\":%" PRIu64, (uint64_t)c.packets,
				    (uint64_t)c.bytes, (uint64_t)c.passed, (uint64_t)c.dropped);
		vg_buf_addc(b, '}');
		first = false;
	}
	vg_buf_addc(b, ']');
	if (counters) {
		vg_buf_adds(b, ",\"frames\":{");
		for (int s = 0; s < VG_XDP_STAT_MAX; s++)
			vg_buf_addf(b, "%s\"%s\":%" PRIu64, s ? "," : "", vg_xdp_stat_name(s),
				    stats[s]);
		vg_buf_addc(b, '}');
	}
	vg_buf_adds(b, "}\n");
}

struct show_ctx {
	const struct xdp_opts *o;
	int shown;
};

static int show_one(const char *ifname, void *ctx)
{
	struct show_ctx *s = ctx;
	bool counters = s->o->verb == V_STATS;
	uint64_t stats[VG_XDP_STAT_MAX] = {};
	struct vg_xdp x;
	struct vg_buf b;
	int err;

	err = vg_xdp_open(&x, ifname, false);
	if (err == -ENODEV && !s->o->dev)
		return 0;	/* pinned for a name this namespace no longer has */
	if (err)
		return err;
	if (counters && (err = vg_xdp_stats_read(&x, stats))) {
		vg_error("cannot read xdp stats of '%s': %s", ifname, strerror(-err));
		vg_xdp_close(&x);
		return err;
	}
	vg_buf_init(&b);
	if (s->o->fmt == VG_FMT_JSON)
		render_json(&b, &x, counters, stats);
	else
		render_text(&b, &x, counters, stats);
	vg_xdp_close(&x);
	if (b.oom) {
		vg_buf_release(&b);
		return -ENOMEM;
	}
	fputs(b.data, stdout);
	vg_buf_release(&b);
	s->shown++;
	return 0;
}

static int do_show(struct xdp_opts *o)
{
	struct show_ctx s = { .o = o };
	int err;

	if (o->dev)
		err = show_one(o->dev, &s);
	else
		err = vg_xdp_foreach(show_one, &s);
	if (err == -ENODEV)
		return VG_EXIT_USAGE;
	if (err)
		return VG_EXIT_FAIL;
	if (!s.shown && o->fmt == VG_FMT_TEXT)
		printf("no vigil xdp filters in this network namespace\n");
	return VG_EXIT_OK;
}

int cmd_xdp(int argc, char **argv)
{
	struct xdp_opts o = { .fmt = VG_FMT_TEXT };
	size_t v;
	int err;

	optind = 1;
	opterr = 0;
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		if (argc < 2)
			return vg_cli_usage_error(xdp_usage, "xdp: missing what to do");
		fputs(xdp_usage, stdout);
		return VG_EXIT_OK;
	}
	for (v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (!strcmp(argv[1], verbs[v]))
			break;
	if (v == sizeof(verbs) / sizeof(verbs[0]))
		return vg_cli_usage_error(xdp_usage, "xdp: unknown command '%s'", argv[1]);
	o.verb = (enum verb)v;
	err = parse(argc - 1, argv + 1, &o);
	if (err < 0)
		return VG_EXIT_OK;	/* --help */
	if (err)
		return err;
	if (geteuid() != 0) {
		vg_error("xdp %s needs root", verbs[o.verb]);
		return VG_EXIT_FAIL;
	}
	switch (o.verb) {
	case V_DROP:
	case V_RATELIMIT:
		return do_add(&o);
	case V_DELETE:
		return do_delete(&o);
	case V_DETACH:
		return do_detach(&o);
	default:
		return do_show(&o);
	}
}
