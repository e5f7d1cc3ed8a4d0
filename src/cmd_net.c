// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vigil net deny|list|delete|flush|detach - connection-control rules
 * (src/netctl.c, docs/netctl.md).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "log.h"
#include "netctl.h"

#define NET_SYNOPSIS \
	"usage: vigil net deny CIDR [--port N] [--proto tcp|udp] [--cgroup PATH]\n" \
	"                           [--hooks connect,sendmsg,bind]\n" \
	"       vigil net list\n" \
	"       vigil net delete RULE_ID\n" \
	"       vigil net flush [--cgroup PATH]\n" \
	"       vigil net detach [--cgroup PATH | --all]\n"

/* After a usage error: the synopsis only (--help has the rest). */
static const char net_synopsis[] = NET_SYNOPSIS "`vigil net --help` for more.\n";

static const char net_usage[] =
	NET_SYNOPSIS
	"\n"
	"Connection control: refuse connect(2), unconnected UDP sendmsg(2) and bind(2)\n"
	"with EPERM for the processes of a cgroup, by CIDR, port and protocol.  Rules and\n"
	"programs are pinned in bpffs (" VG_NETCTL_DIR "): they stay in force after\n"
	"the command exits, with or without `vigil run`, and change without reloading.\n"
	"Each denial is counted per rule and reported as a net event (action \"deny\").\n"
	"\n"
	"  deny     add a rule; prints its id.  CIDR: 10.0.0.0/8, 192.0.2.1, fd00::/8, ::1\n"
	"  list     rules with their hit counts, and where the programs are attached\n"
	"  delete   remove one rule\n"
	"  flush    remove every rule (of one cgroup with --cgroup); programs stay attached\n"
	"  detach   detach the programs from a cgroup (all with --all or without --cgroup)\n"
	"           and drop its rules; the pins go when nothing is attached any more\n"
	"\n"
	"  --port N           only this port (1-65535): remote for connect/sendmsg, local\n"
	"                     for bind; default any\n"
	"  --proto P          tcp, udp or any (default)\n"
	"  --cgroup PATH      a cgroup v2 directory, absolute or relative to the cgroup v2\n"
	"                     mount (as /proc/PID/cgroup shows it); the rule applies to its\n"
	"                     processes and those of its descendants.  deny default: the\n"
	"                     root, i.e. every process\n"
	"  --hooks LIST       which calls the rule refuses: connect, sendmsg, bind or all,\n"
	"                     comma-separated; default connect,sendmsg\n"
	"  --all              (detach) every cgroup\n"
	"  -v, --verbose      more diagnostics on stderr (twice: libbpf debug)\n"
	"  -h, --help         this help\n";

enum { OPT_PORT = 256, OPT_PROTO, OPT_CGROUP, OPT_HOOKS, OPT_ALL };

static const struct option net_options[] = {
	{ "port", required_argument, NULL, OPT_PORT },
	{ "proto", required_argument, NULL, OPT_PROTO },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "hooks", required_argument, NULL, OPT_HOOKS },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

struct net_args {
	const char *sub;
	const char *cidr;	/* deny */
	const char *rule_id;	/* delete */
	const char *cgroup;
	bool has_port, has_proto, has_hooks, all;
	uint16_t port;
	uint8_t proto;
	unsigned int hooks;
};

static bool is_sub(const struct net_args *a, const char *name)
{
	return !strcmp(a->sub, name);
}

/* Options and operands; returns -1 to go on, else an exit status. */
static int parse(int argc, char **argv, struct net_args *a)
{
	const char *positional = NULL;
	uint32_t v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh", net_options, NULL)) != -1) {
		switch (c) {
		case OPT_PORT:
			if (vg_cli_parse_u32(optarg, &v) || v < 1 || v > 65535)
				return vg_cli_usage_error(net_synopsis,
							  "net %s: --port '%s' is not a port (1-65535)",
							  a->sub, optarg);
			a->port = (uint16_t)v;
			a->has_port = true;
			break;
		case OPT_PROTO:
			if (vg_netctl_parse_proto(optarg, &a->proto))
				return vg_cli_usage_error(net_synopsis,
							  "net %s: --proto '%s' is not a protocol "
							  "(tcp, udp or any)", a->sub, optarg);
			a->has_proto = true;
			break;
		case OPT_CGROUP:
			a->cgroup = optarg;
			break;
		case OPT_HOOKS:
			if (vg_netctl_parse_hooks(optarg, &a->hooks))
				return vg_cli_usage_error(net_synopsis,
							  "net %s: --hooks '%s' is not a hook list "
							  "(connect, sendmsg, bind, all; comma-separated)",
							  a->sub, optarg);
			a->has_hooks = true;
			break;
		case OPT_ALL:
			a->all = true;
			break;
		case 'v':
			vg_log_more_verbose();
			break;
		case 'h':
			fputs(net_usage, stdout);
			return VG_EXIT_OK;
		case ':':
			return vg_cli_usage_error(net_synopsis, "net %s: %s needs an argument", a->sub,
						  argv[optind - 1]);
		default:
			return vg_cli_usage_error(net_synopsis, "net %s: unknown option '%s'", a->sub,
						  argv[optind - 1]);
		}
	}
	if (optind < argc)
		positional = argv[optind++];
	if (optind < argc)
		return vg_cli_usage_error(net_synopsis, "net %s: unexpected argument '%s'", a->sub,
					  argv[optind]);

	if (is_sub(a, "deny")) {
		if (!positional)
			return vg_cli_usage_error(net_synopsis, "net deny: missing CIDR");
		if (a->all)
			return vg_cli_usage_error(net_synopsis, "net deny: --all is only for detach");
		a->cidr = positional;
		if (!a->has_hooks)
			a->hooks = VG_NETCTL_HOOK_BIT(VG_NETCTL_CONNECT) |
				   VG_NETCTL_HOOK_BIT(VG_NETCTL_SENDMSG);
		return -1;
	}
	if (a->has_port || a->has_proto || a->has_hooks)
		return vg_cli_usage_error(net_synopsis, "net %s: --port, --proto and --hooks are only "
					  "for deny", a->sub);
	if (is_sub(a, "delete")) {
		if (!positional)
			return vg_cli_usage_error(net_synopsis, "net delete: missing RULE_ID");
		a->rule_id = positional;
	} else if (positional) {
		return vg_cli_usage_error(net_synopsis, "net %s: unexpected argument '%s'", a->sub,
					  positional);
	}
	if (a->cgroup && !is_sub(a, "flush") && !is_sub(a, "detach"))
		return vg_cli_usage_error(net_synopsis, "net %s: --cgroup is only for deny, flush and "
					  "detach", a->sub);
	if (a->all && !is_sub(a, "detach"))
		return vg_cli_usage_error(net_synopsis, "net %s: --all is only for detach", a->sub);
	if (a->all && a->cgroup)
		return vg_cli_usage_error(net_synopsis, "net detach: --all and --cgroup exclude each "
					  "other");
	return -1;
}

/* --cgroup → path and id; a usage error (exit 2) when it is not one. */
static int resolve_cgroup(const struct net_args *a, char *path, size_t len, uint64_t *id)
{
	int err = vg_netctl_cgroup(a->cgroup, path, len, id);

	if (!err)
		return -1;
	if (err == -ENODEV) {
		vg_error("net %s: no cgroup v2 mounted", a->sub);
		return VG_EXIT_FAIL;
	}
	if (!a->cgroup) {
		vg_error("net %s: cannot use the cgroup v2 root: %s", a->sub, strerror(-err));
		return VG_EXIT_FAIL;
	}
	return vg_cli_usage_error(net_synopsis, "net %s: --cgroup '%s' is not a cgroup v2 "
				  "directory (%s)", a->sub, a->cgroup,
				  err == -EINVAL ? "not on the cgroup2 file system" : strerror(-err));
}

static void hooks_str(unsigned int hooks, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int h = 1; h < VG_NETCTL_HOOK_MAX; h++)
		if (hooks & VG_NETCTL_HOOK_BIT(h))
			off += snprintf(buf + off, len - off, "%s%s", off ? "," : "",
					vg_netctl_hook_name(h));
}

static void rule_str(const struct vg_netctl_rule *r, char *buf, size_t len)
{
	char cidr[64], port[16], hooks[64];

	hooks_str(r->hooks, hooks, sizeof(hooks));
	if (r->port)
		snprintf(port, sizeof(port), "%u", r->port);
	else
		snprintf(port, sizeof(port), "any");
	snprintf(buf, len, "%s port %s proto %s hooks %s",
		 vg_netctl_cidr_str(r, cidr, sizeof(cidr)), port, vg_netctl_proto_name(r->proto),
		 hooks);
}

static const char *scope_path(uint64_t scope, char *buf, size_t len)
{
	if (vg_netctl_cgroup_path(scope, buf, len))
		snprintf(buf, len, "(cgroup id %llu, removed)", (unsigned long long)scope);
	return buf;
}

static int net_deny(const struct net_args *a)
{
	struct vg_netctl_rule r = { .hooks = a->hooks, .proto = a->proto, .port = a->port };
	char why[96], cg[PATH_MAX], desc[256];
	struct vg_netctl nc;
	int err, rc;

	if (vg_netctl_parse_cidr(a->cidr, &r, why, sizeof(why)))
		return vg_cli_usage_error(net_synopsis, "net deny: '%s' is not a CIDR (%s)", a->cidr,
					  why);
	rc = resolve_cgroup(a, cg, sizeof(cg), &r.scope);
	if (rc >= 0)
		return rc;
	if (geteuid() != 0) {
		vg_error("net deny: needs root (CAP_SYS_ADMIN and CAP_BPF)");
		return VG_EXIT_FAIL;
	}
	if (!a->cgroup)
		fprintf(stderr, "vigil: net deny: no --cgroup: the rule applies to every process "
			"(cgroup v2 root '%s')\n", cg);
	if (vg_netctl_open(&nc, true))
		return VG_EXIT_FAIL;
	err = vg_netctl_attach(&nc, cg, r.hooks, &r.scope);
	if (!err)
		err = vg_netctl_add(&nc, &r);
	rule_str(&r, desc, sizeof(desc));
	if (!err) {
		printf("rule %u: deny %s in cgroup '%s'\n", r.id, desc, cg);
	} else if (err == -EEXIST) {
		printf("rule %u: deny %s in cgroup '%s' (already there)\n", r.id, desc, cg);
		err = 0;
	} else if (err == -EBUSY) {
		vg_error("net deny: %s overlaps rule %u on some of its hooks: delete rule %u first",
			 a->cidr, r.id, r.id);
	} else if (err == -ENOSPC) {
		vg_error("net deny: no free rule id (at most %d rules)", VG_NETCTL_MAX_RULES - 1);
	}
	vg_netctl_close(&nc);
	return err ? VG_EXIT_FAIL : VG_EXIT_OK;
}

enum { OPENED, NOTHING_THERE, OPEN_FAILED };

/* The existing rule set, for every command but deny (which creates it). */
static int open_existing(struct vg_netctl *nc, const char *sub)
{
	int err;

	if (geteuid() != 0) {
		vg_error("net %s: needs root (CAP_SYS_ADMIN and CAP_BPF)", sub);
		return OPEN_FAILED;
	}
	err = vg_netctl_open(nc, false);
	if (err == -ENOENT)
		return NOTHING_THERE;
	return err ? OPEN_FAILED : OPENED;
}

static int net_list(const struct net_args *a)
{
	struct vg_netctl_link *links = NULL;
	struct vg_netctl_rule *rules = NULL;
	char desc[256], cg[PATH_MAX];
	size_t nr = 0, nl = 0;
	struct vg_netctl nc;
	int rc;

	rc = open_existing(&nc, a->sub);
	if (rc == NOTHING_THERE) {
		printf("no connection rules (nothing pinned in '%s')\n", vg_netctl_dir());
		return VG_EXIT_OK;
	}
	if (rc != OPENED)
		return VG_EXIT_FAIL;
	rc = VG_EXIT_FAIL;
	if (vg_netctl_list(&nc, &rules, &nr) || vg_netctl_links(&nc, &links, &nl))
		goto cleanup;
	if (!nr)
		printf("no connection rules\n");
	else
		printf("%-5s %-10s %s\n", "RULE", "HITS", "DENY");
	for (size_t i = 0; i < nr; i++) {
		rule_str(&rules[i], desc, sizeof(desc));
		printf("%-5u %-10llu %s in '%s'\n", rules[i].id, (unsigned long long)rules[i].hits,
		       desc, scope_path(rules[i].scope, cg, sizeof(cg)));
	}
	if (vg_netctl_lost(&nc))
		printf("denial events lost (ring buffer full): %llu\n",
		       (unsigned long long)vg_netctl_lost(&nc));
	printf("\nattached:%s\n", nl ? "" : " nothing");
	for (size_t i = 0; i < nl; i++) {
		printf("  %-9s %s%s\n", vg_netctl_prog_name(links[i].prog),
		       scope_path(links[i].scope, cg, sizeof(cg)),
		       links[i].defunct ? " (defunct: cgroup removed; `vigil net detach` cleans up)"
					: "");
	}
	rc = VG_EXIT_OK;
cleanup:
	free(rules);
	free(links);
	vg_netctl_close(&nc);
	return rc;
}

static int net_delete(const struct net_args *a)
{
	struct vg_netctl nc;
	uint32_t id;
	int rc, err;

	if (vg_cli_parse_u32(a->rule_id, &id) || !id)
		return vg_cli_usage_error(net_synopsis, "net delete: '%s' is not a rule id",
					  a->rule_id);
	rc = open_existing(&nc, a->sub);
	if (rc == NOTHING_THERE) {
		vg_error("net delete: no rule %u", id);
		return VG_EXIT_FAIL;
	}
	if (rc != OPENED)
		return VG_EXIT_FAIL;
	err = vg_netctl_delete(&nc, id);
	if (err == -ENOENT)
		vg_error("net delete: no rule %u", id);
	else if (!err)
		printf("rule %u deleted\n", id);
	vg_netctl_close(&nc);
	return err ? VG_EXIT_FAIL : VG_EXIT_OK;
}

/*
 * flush (remove rules) and detach (remove programs, and their rules): both
 * optionally scoped to one cgroup, both fine when nothing is there.
 */
static int net_remove(const struct net_args *a, bool detach)
{
	char cg[PATH_MAX];
	struct vg_netctl nc;
	uint64_t scope = 0;
	size_t n = 0;
	int rc, err;

	if (a->cgroup) {
		rc = resolve_cgroup(a, cg, sizeof(cg), &scope);
		if (rc >= 0)
			return rc;
	}
	rc = open_existing(&nc, a->sub);
	if (rc == NOTHING_THERE) {
		printf(detach ? "nothing attached\n" : "removed 0 rules\n");
		return VG_EXIT_OK;
	}
	if (rc != OPENED)
		return VG_EXIT_FAIL;
	err = detach ? vg_netctl_detach(&nc, scope, &n) : vg_netctl_flush(&nc, scope, &n);
	if (!err && detach)
		printf("detached %zu program%s%s%s%s\n", n, n == 1 ? "" : "s",
		       scope ? " from '" : "", scope ? cg : "", scope ? "'" : "");
	else if (!err)
		printf("removed %zu rule%s\n", n, n == 1 ? "" : "s");
	vg_netctl_close(&nc);
	return err ? VG_EXIT_FAIL : VG_EXIT_OK;
}

int cmd_net(int argc, char **argv)
{
	struct net_args a = {};
	int rc;

	if (argc < 2) {
		fputs(net_synopsis, stderr);
		return VG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(net_usage, stdout);
		return VG_EXIT_OK;
	}
	a.sub = argv[1];
	if (!is_sub(&a, "deny") && !is_sub(&a, "list") && !is_sub(&a, "delete") &&
	    !is_sub(&a, "flush") && !is_sub(&a, "detach"))
		return vg_cli_usage_error(net_synopsis, "net: unknown command '%s'", a.sub);
	rc = parse(argc - 1, argv + 1, &a);
	if (rc >= 0)
		return rc;
	if (is_sub(&a, "deny"))
		return net_deny(&a);
	if (is_sub(&a, "list"))
		return net_list(&a);
	if (is_sub(&a, "delete"))
		return net_delete(&a);
	if (is_sub(&a, "flush"))
		return net_remove(&a, false);
	return net_remove(&a, true);
}
