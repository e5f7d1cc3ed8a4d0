/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * engine_int.h - what the policy engine's files share (not an API).
 *
 * A struct eng_state is one compiled policy set: the rules flattened, what
 * the kernel decides (exec/file/syscall entries), what the backends enforce
 * (fanotify marks, connection-control and XDP rules) and the watch list the
 * file sensor needs.  A reload compiles a new state next to the running one
 * and swaps them (engine_kernel.c).
 */
#ifndef VIGIL_ENGINE_INT_H
#define VIGIL_ENGINE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "netctl.h"
#include "policy.h"
#include "sensor.h"
#include "uprobe.h"
#include "watch.h"
#include "xdp.h"
#include "vigil/policy.h"

struct vg_fadeny;
struct vg_cgaction;

struct eng_window {
	uint64_t start_ns;
	uint32_t used;
};

struct eng_rule {
	const struct vg_policy *policy;
	const struct vg_policy_rule *rule;
	size_t policy_idx;
	uint32_t id;			/* kernel rule id: index + 1 */
	enum vg_policy_mode mode;	/* effective (--mode overrides) */
	bool by_backend;		/* enforce deny/drop: done and reported by fanotify,
					 * connection control or XDP, not on sensor events */
	uint32_t probe_id;		/* kind uprobe, installed: its probe's id (0: none) */
	struct eng_window window;	/* the rule's rateLimit */
};

struct eng_exec_key {
	uint32_t kind;			/* enum vg_pol_key_kind */
	char *s;
	struct vg_pol_action act;
};

struct eng_sys {
	uint32_t nr;
	struct vg_pol_sys v;
};

struct eng_mark {
	char *path;
	unsigned int kinds;		/* enum vg_fadeny_kind */
};

struct eng_net {
	size_t rule;			/* index in rules */
	struct vg_netctl_rule r;
	uint32_t id;			/* installed: the netctl rule id; 0 none */
};

struct eng_xdp {
	size_t rule;
	struct vg_xdp_rule r;
	uint32_t *ids;			/* per interface; 0 none */
	uint64_t *seen;			/* per interface: packets reported so far */
};

/* A uprobe rule's probe (kind uprobe): what to attach. */
struct eng_uprobe {
	size_t rule;			/* index in rules */
	struct vg_uprobe_spec spec;	/* path and symbol point into the policy */
};

struct eng_state {
	struct vg_policy_set set;
	struct eng_rule *rules;
	size_t n_rules;
	struct eng_window *windows;	/* per policy: spec.rateLimit */
	struct eng_exec_key *exec;
	size_t n_exec;
	struct vg_pol_file_rule file[VG_POL_FILE_MAX];
	uint32_t n_file;
	struct eng_sys *sys;
	size_t n_sys;
	char **syscalls;		/* names to attach, unique */
	size_t n_syscalls;
	struct eng_mark *marks;
	size_t n_marks;
	struct eng_net *net;
	size_t n_net;
	unsigned int net_hooks;		/* VG_NETCTL_HOOK_BIT set */
	struct eng_xdp *xdp;
	size_t n_xdp;
	struct eng_uprobe *ups;
	size_t n_ups;
	struct vg_uprobes up_links;	/* ups attached (engine_kernel.c) */
	bool ups_attached;
	struct vg_watchlist watches;
	bool file_all;
	unsigned int exec_kinds;	/* 1 << enum vg_pol_key_kind present */
	/* user-space matching: the rules of each kind; exec rules whose every
	 * selector names exact binaries are found by the exe (sorted, bsearch) */
	size_t *by_kind[VG_PK_MAX];
	size_t n_by_kind[VG_PK_MAX];
	struct eng_exe_index *exe_index;
	size_t n_exe_index;
};

struct eng_exe_index {
	const char *exe;		/* the policy's string */
	size_t rule;
};

struct eng_link {
	char *name;
	struct bpf_link *link;
};

struct eng_release {
	uint32_t pid;
	uint64_t at_ns;			/* monotonic */
};

#define ENG_FA_QUEUE 1024

/* A fanotify decision waiting to be reported (names copied: a reload may
 * free the rules before the report goes out). */
struct eng_fa_report {
	char *policy, *rule, *severity, *mode, *message, *path, *exe;
	uint32_t pid;
	bool exec;
	uint64_t time_ns;
};

struct vg_engine {
	struct vg_engine_opts o;
	pthread_rwlock_t lock;		/* st, against the fanotify thread */
	struct eng_state *st;
	struct vg_agent *agent;
	bool installed;
	struct vg_pol_maps maps;
	struct eng_link *links;
	size_t n_links;
	struct vg_fadeny *fa;
	struct vg_cgaction *cg;
	char net_dir[4096];		/* the engine's connection-control rule set */
	bool net_used;			/* it exists: remove it at the end */
	uint64_t net_scope;
	struct vg_xdp *xdp;		/* one per o.xdp_ifaces */
	bool *xdp_open;
	struct eng_release *releases;
	size_t n_releases;
	pthread_mutex_t fa_mu;		/* fa_queue */
	struct eng_fa_report fa_queue[ENG_FA_QUEUE];
	size_t fa_n;
	uint64_t fa_dropped;		/* reports lost to a full queue */
	uint64_t fa_dropped_warned;
	struct vg_watchlist base;	/* the watch list besides the policies' */
	bool file_all_running;		/* the file sensor reports every operation */
	uint64_t files_sig;		/* the policy files as last loaded */
	uint64_t last_check_ns;
};

/* engine_compile.c */
struct eng_state *eng_compile(const struct vg_engine_opts *o, struct vg_policy_set *set);
void eng_state_free(struct eng_state *st);
const char *eng_action_name(enum vg_policy_action_type t);

/* engine_kernel.c */
int eng_install(struct vg_engine *e, struct eng_state *st, struct eng_state *old);
void eng_uninstall(struct vg_engine *e, struct eng_state *st);

uint64_t eng_now_ns(void);	/* CLOCK_MONOTONIC */

/* engine.c: the fanotify listener's decision (struct vg_fadeny_req) */
struct vg_fadeny_req;
int eng_fa_decide(const struct vg_fadeny_req *req, void *ctx);

#endif /* VIGIL_ENGINE_INT_H */
