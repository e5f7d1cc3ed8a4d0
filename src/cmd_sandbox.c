// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vigil sandbox - run a command under a seccomp allow-list and report every
 * call outside it (src/sandbox.c, src/seccomp_gen.c, docs/sandbox.md).
 *
 * Each source of allowed names (--syscalls, --seccomp, --allow-startup)
 * adds to one struct vg_sysnames; the sandbox and the OCI writer only ever
 * see that list of names.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "sandbox.h"
#include "seccomp_gen.h"

/* vigil's own failure before the command ran (as env(1) and timeout(1) use it). */
#define SANDBOX_EXIT_FAIL	125
#define SANDBOX_EXIT_NOEXEC	126
#define SANDBOX_EXIT_NOTFOUND	127

#define SANDBOX_SYNOPSIS \
	"usage: vigil sandbox (--syscalls FILE | --profile P | --seccomp OCI.json)...\n" \
	"                     [--allow-startup] [--on-violation errno|kill] [--output FILE] [--wait-all]\n" \
	"                     -- CMD [ARGS...]\n" \
	"       vigil sandbox --learn OUT [--wait-all] -- CMD [ARGS...]\n" \
	"       vigil sandbox (--syscalls FILE | --seccomp OCI.json)... [--allow-startup]\n" \
	"                     --write-oci OUT [--default-action errno|kill|log]\n"

static const char sandbox_synopsis[] = SANDBOX_SYNOPSIS "`vigil sandbox --help` for more.\n";

static const char sandbox_usage[] =
	SANDBOX_SYNOPSIS
	"\n"
	"Run CMD under a seccomp filter that allows exactly the listed syscalls.  Every\n"
	"other call - of CMD, its threads and every process it starts - is stopped in\n"
	"the kernel and handed to vigil (seccomp user notification), which reports it\n"
	"as one JSON line and fails it with EPERM, or kills the process.  Exits with\n"
	"CMD's status (128+N when signal N killed it).\n"
	"\n"
	"  --syscalls FILE        allow the syscalls in FILE: one NAME [COUNT] per line,\n"
	"                         '#' comments (what --learn writes)\n"
	"  --profile FILE         allow the syscalls a learned behaviour profile saw\n"
	"                         (vigil learn; docs/profiles.md)\n"
	"  --seccomp FILE         allow what an OCI / Docker seccomp profile allows\n"
	"                         unconditionally (SCMP_ACT_ALLOW entries without args)\n"
	"  --allow-startup        also allow what any dynamically linked program needs to\n"
	"                         start and exit (execve, brk, mmap, ...: docs/sandbox.md)\n"
	"  --on-violation ACTION  errno (default): the call fails with EPERM;\n"
	"                         kill: the process that made it is killed (SIGKILL).\n"
	"                         With --seccomp the default follows its defaultAction\n"
	"  --output FILE          reports go to FILE (created 0600, appended), not stdout\n"
	"  --wait-all             supervise until every process under the filter is gone,\n"
	"                         not only until CMD exits\n"
	"  --learn OUT            allow everything, and write the syscalls CMD and its\n"
	"                         children made to OUT (the --syscalls format)\n"
	"  --write-oci OUT        write the allow-list as an OCI seccomp profile to OUT\n"
	"                         ('-': stdout) and exit; runs nothing\n"
	"  --default-action A     with --write-oci: what the profile does with other calls:\n"
	"                         errno (EPERM, default), kill (the process), log (allow)\n"
	"  -v, --verbose          more diagnostics on stderr\n"
	"  -h, --help             this help\n"
	"\n"
	"Reports: {\"time\":...,\"kind\":\"seccomp\",\"pid\":N,\"tid\":N,\"comm\":...,\"exe\":...,\n"
	"\"syscall\":\"NAME\",\"nr\":N,\"arch\":\"x86_64\",\"args\":[6 numbers],\"action\":\"errno\"}\n"
	"\n"
	"Exit status: CMD's; 2 usage error; 125 vigil failed before CMD ran (a bad list\n"
	"included); 126 CMD cannot be run; 127 CMD not found.  --write-oci: 0 written,\n"
	"1 failed.\n";

enum {
	OPT_SYSCALLS = 256, OPT_PROFILE, OPT_SECCOMP, OPT_ALLOW_STARTUP, OPT_ON_VIOLATION, OPT_OUTPUT,
	OPT_WAIT_ALL, OPT_LEARN, OPT_WRITE_OCI, OPT_DEFAULT_ACTION,
};

static const struct option sandbox_options[] = {
	{ "syscalls", required_argument, NULL, OPT_SYSCALLS },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "seccomp", required_argument, NULL, OPT_SECCOMP },
	{ "allow-startup", no_argument, NULL, OPT_ALLOW_STARTUP },
	{ "on-violation", required_argument, NULL, OPT_ON_VIOLATION },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "wait-all", no_argument, NULL, OPT_WAIT_ALL },
	{ "learn", required_argument, NULL, OPT_LEARN },
	{ "write-oci", required_argument, NULL, OPT_WRITE_OCI },
	{ "default-action", required_argument, NULL, OPT_DEFAULT_ACTION },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

/* "vigil: sandbox: <what> '<arg>'" and the synopsis; exit status 2. */
static int usage_error(const char *what, const char *arg)
{
	if (arg)
		fprintf(stderr, "vigil: sandbox: %s '%s'\n", what, arg);
	else
		fprintf(stderr, "vigil: sandbox: %s\n", what);
	fputs(sandbox_synopsis, stderr);
	return VG_EXIT_USAGE;
}

/* Create (0600) or append to a file of ours; O_NOFOLLOW as vg_output_open does. */
static int open_out(const char *path, bool truncate)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
		      (truncate ? O_TRUNC : O_APPEND), 0600);

	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0600)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int write_oci(const char *out, const struct vg_sysnames *allow,
		     enum vg_seccomp_default def)
{
	FILE *f = stdout;
	int err, fd;

	if (strcmp(out, "-")) {
		fd = open_out(out, true);
		if (fd < 0 || !(f = fdopen(fd, "w"))) {
			vg_error("cannot create '%s': %s", out, strerror(fd < 0 ? -fd : errno));
			if (fd >= 0)
				close(fd);
			return VG_EXIT_FAIL;
		}
	}
	err = vg_seccomp_write_oci(f, (const char *const *)allow->v, allow->n, def);
	if (f != stdout && fclose(f) && !err)
		err = -errno;
	if (err) {
		vg_error("cannot write '%s': %s", out, strerror(-err));
		return VG_EXIT_FAIL;
	}
	return VG_EXIT_OK;
}

static int write_learned(const char *out, const struct vg_sandbox_result *res,
			 char *const argv[])
{
	int fd = open_out(out, true), err;
	FILE *f;

	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		vg_error("cannot create '%s': %s", out, strerror(fd < 0 ? -fd : errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	err = vg_sandbox_write_learned(f, res, argv);
	if (fclose(f) && !err)
		err = -errno;
	if (err)
		vg_error("cannot write '%s': %s", out, strerror(-err));
	return err;
}

int cmd_sandbox(int argc, char **argv)
{
	const char *learn = NULL, *write_oci_path = NULL, *output = NULL;
	enum vg_seccomp_default def = VG_SECCOMP_ERRNO, oci_def = VG_SECCOMP_ERRNO;
	struct vg_sandbox_opts o = { .report_fd = STDOUT_FILENO };
	struct vg_sandbox_result res;
	bool startup = false, have_list = false, have_default = false, have_violation = false;
	bool have_oci = false, bad_input = false;
	struct vg_sysnames allow;
	int c, err, rc, out_fd = -1;

	vg_sysnames_init(&allow);
	optind = 1;
	opterr = 0;
	/* '+': stop at CMD, whose own options are not ours. */
	while ((c = getopt_long(argc, argv, "+vh", sandbox_options, NULL)) != -1) {
		switch (c) {
		case OPT_SYSCALLS:
			have_list = true;
			if (vg_sysnames_load(&allow, optarg))
				bad_input = true;
			break;
		case OPT_PROFILE:
			have_list = true;
			if (vg_sysnames_add_profile(&allow, optarg))
				bad_input = true;
			break;
		case OPT_SECCOMP:
			have_list = have_oci = true;
			if (vg_seccomp_read_oci(optarg, &allow, &oci_def))
				bad_input = true;
			break;
		case OPT_ALLOW_STARTUP:
			startup = true;
			break;
		case OPT_ON_VIOLATION:
			have_violation = true;
			if (!strcmp(optarg, "errno"))
				o.on_violation = VG_SANDBOX_ERRNO;
			else if (!strcmp(optarg, "kill"))
				o.on_violation = VG_SANDBOX_KILL;
			else {
				rc = usage_error("--on-violation: expected errno or kill, not",
						 optarg);
				goto out;
			}
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		case OPT_WAIT_ALL:
			o.wait_all = true;
			break;
		case OPT_LEARN:
			learn = optarg;
			break;
		case OPT_WRITE_OCI:
			write_oci_path = optarg;
			break;
		case OPT_DEFAULT_ACTION:
			have_default = true;
			if (vg_seccomp_default_parse(optarg, &def)) {
				rc = usage_error("--default-action: expected errno, kill or log, not",
						 optarg);
				goto out;
			}
			break;
		case 'v':
			vg_log_more_verbose();
			break;
		case 'h':
			fputs(sandbox_usage, stdout);
			rc = VG_EXIT_OK;
			goto out;
		default:
			rc = usage_error(optopt ? "option needs a value:" : "unknown option",
					 argv[optind - 1]);
			goto out;
		}
	}
	if (bad_input) {	/* each problem is logged */
		rc = write_oci_path ? VG_EXIT_FAIL : SANDBOX_EXIT_FAIL;
		goto out;
	}
	if (startup && vg_sysnames_add_startup(&allow)) {
		rc = SANDBOX_EXIT_FAIL;
		goto out;
	}

	if (write_oci_path) {
		if (learn || optind < argc || output || have_violation || o.wait_all) {
			rc = usage_error("--write-oci runs nothing: no CMD, --learn, --output, "
					 "--on-violation or --wait-all with it", NULL);
			goto out;
		}
		if (!have_list && !startup) {
			rc = usage_error("--write-oci: give the allow-list (--syscalls, --seccomp or "
					 "--allow-startup)", NULL);
			goto out;
		}
		rc = write_oci(write_oci_path, &allow, def);
		goto out;
	}
	if (have_default) {
		rc = usage_error("--default-action goes with --write-oci", NULL);
		goto out;
	}
	if (optind >= argc) {
		rc = usage_error("missing CMD (after --)", NULL);
		goto out;
	}
	if (learn) {
		if (have_list || startup || have_violation) {
			rc = usage_error("--learn allows everything: no --syscalls, --seccomp, "
					 "--allow-startup or --on-violation with it", NULL);
			goto out;
		}
		o.mode = VG_SANDBOX_LEARN;
	} else if (!have_list && !startup) {
		rc = usage_error("give the allow-list (--syscalls, --seccomp, --allow-startup) "
				 "or --learn", NULL);
		goto out;
	}
	if (have_oci && !have_violation && oci_def == VG_SECCOMP_KILL_PROCESS)
		o.on_violation = VG_SANDBOX_KILL;
	if (output) {
		out_fd = open_out(output, false);
		if (out_fd < 0) {
			vg_error("cannot open '%s': %s", output, strerror(-out_fd));
			rc = SANDBOX_EXIT_FAIL;
			goto out;
		}
		o.report_fd = out_fd;
	}
	o.allow = (const char *const *)allow.v;
	o.n_allow = allow.n;

	err = vg_sandbox_run(&o, argv + optind, &res);
	if (err) {
		rc = err == -ENOENT ? SANDBOX_EXIT_NOTFOUND :
		     err == -EACCES || err == -ENOEXEC ? SANDBOX_EXIT_NOEXEC : SANDBOX_EXIT_FAIL;
		goto out;
	}
	rc = res.exit_code;
	if (res.violations)
		vg_info("sandbox: %llu call%s outside the allow-list (%s)",
			(unsigned long long)res.violations, res.violations == 1 ? "" : "s",
			o.on_violation == VG_SANDBOX_KILL ? "killed" : "failed with EPERM");
	if (res.reports_dropped)
		vg_warn("sandbox: %llu report%s could not be written",
			(unsigned long long)res.reports_dropped,
			res.reports_dropped == 1 ? "" : "s");
	if (learn && write_learned(learn, &res, argv + optind))
		rc = SANDBOX_EXIT_FAIL;
	vg_sandbox_result_release(&res);
out:
	if (out_fd >= 0)
		close(out_fd);
	vg_sysnames_release(&allow);
	return rc;
}
