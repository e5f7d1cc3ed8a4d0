// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * engine_kernel.c - put a compiled policy state into effect, and take it
 * out: the policy maps (generation flip, include/vigil/policy.h), the
 * syscall tracepoint links, fanotify marks, connection-control rules and
 * XDP rules.  On a reload the new state goes in before the old comes out,
 * so nothing the two share is ever unenforced in between.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent.h"
#include "engine_int.h"
#include "fadeny.h"
#include "log.h"

uint64_t eng_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- policy maps ----------------------------------------------------------- */

static int state_read(const struct vg_pol_maps *m, struct vg_pol_state *s)
{
	uint32_t zero = 0;

	memset(s, 0, sizeof(*s));
	return bpf_map_lookup_elem(m->state, &zero, s) ? -errno : 0;
}

static int state_write(const struct vg_pol_maps *m, const struct vg_pol_state *s)
{
	uint32_t zero = 0;

	return bpf_map_update_elem(m->state, &zero, s, BPF_ANY) ? -errno : 0;
}

/* Delete every key of a hash map whose leading __u32 (the generation) is gen. */
static void delete_gen(int fd, size_t key_size, uint32_t gen)
{
	char key[sizeof(struct vg_pol_exec_key)], next[sizeof(struct vg_pol_exec_key)];
	bool first = true;

	for (;;) {
		if (bpf_map_get_next_key(fd, first ? NULL : key, next))
			break;
		first = false;
		memcpy(key, next, key_size);
		if (*(uint32_t *)next == gen) {
			bpf_map_delete_elem(fd, next);
			first = true;	/* the walk restarts: deleting may reorder buckets */
		}
	}
}

static int maps_fill(const struct vg_pol_maps *m, const struct eng_state *st, uint32_t gen)
{
	for (size_t i = 0; i < st->n_exec; i++) {
		struct vg_pol_exec_key k = { .gen = gen, .kind = st->exec[i].kind };

		strncpy(k.s, st->exec[i].s, sizeof(k.s) - 1);
		if (bpf_map_update_elem(m->exec, &k, &st->exec[i].act, BPF_ANY))
			return -errno;
	}
	for (uint32_t i = 0; i < st->n_file; i++) {
		uint32_t idx = gen * VG_POL_FILE_MAX + i;

		if (bpf_map_update_elem(m->file, &idx, &st->file[i], BPF_ANY))
			return -errno;
	}
	for (size_t i = 0; i < st->n_sys; i++) {
		struct vg_pol_sys_key k = { .gen = gen, .nr = st->sys[i].nr };

		if (bpf_map_update_elem(m->sys, &k, &st->sys[i].v, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* Fill the inactive generation with st (NULL: nothing), make it active,
 * empty the old one. */
static int maps_swap(const struct vg_pol_maps *m, const struct eng_state *st)
{
	struct vg_pol_state s;
	uint32_t old, gen;
	int err;

	err = state_read(m, &s);
	if (err)
		return err;
	old = s.gen & 1;
	gen = !old;
	delete_gen(m->exec, sizeof(struct vg_pol_exec_key), gen);	/* leftovers */
	delete_gen(m->sys, sizeof(struct vg_pol_sys_key), gen);
	if (st) {
		err = maps_fill(m, st, gen);
		if (err)
			return err;
	}
	s.gen = gen;
	s.n_file[gen] = st ? st->n_file : 0;
	s.exec_keys[gen] = st ? st->exec_kinds : 0;
	err = state_write(m, &s);
	if (err)
		return err;
	/* programs now read `gen`; the old generation can go */
	s.n_file[old] = 0;
	s.exec_keys[old] = 0;
	err = state_write(m, &s);
	delete_gen(m->exec, sizeof(struct vg_pol_exec_key), old);
	delete_gen(m->sys, sizeof(struct vg_pol_sys_key), old);
	return err;
}

/* ---- syscall links ------------------------------------------------------- */

static bool strv_has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static int links_add(struct vg_engine *e, const struct eng_state *st)
{
	for (size_t i = 0; i < st->n_syscalls; i++) {
		const char *name = st->syscalls[i];
		struct eng_link *nl;
		struct bpf_link *l;
		bool have = false;

		for (size_t j = 0; j < e->n_links; j++)
			have = have || !strcmp(e->links[j].name, name);
		if (have)
			continue;
		l = vg_sensor_attach_syscall(&e->agent->sensor, name);
		if (!l) {
			int err = -errno;

			vg_error("cannot attach the policy program to syscall '%s' "
				 "(syscalls:sys_enter_%s): %s", name, name, strerror(-err));
			return err;
		}
		nl = realloc(e->links, (e->n_links + 1) * sizeof(*nl));
		if (!nl) {
			bpf_link__destroy(l);
			return -ENOMEM;
		}
		e->links = nl;
		nl[e->n_links].name = strdup(name);
		nl[e->n_links].link = l;
		e->n_links++;
	}
	return 0;
}

/* Detach the links st does not name (st NULL: all). */
static void links_prune(struct vg_engine *e, const struct eng_state *st)
{
	size_t k = 0;

	for (size_t i = 0; i < e->n_links; i++) {
		if (st && strv_has(st->syscalls, st->n_syscalls, e->links[i].name)) {
			e->links[k++] = e->links[i];
			continue;
		}
		bpf_link__destroy(e->links[i].link);
		free(e->links[i].name);
	}
	e->n_links = k;
}

/* ---- fanotify ------------------------------------------------------------ */

static int marks_add(struct vg_engine *e, const struct eng_state *st)
{
	int err;

	if (!st->n_marks)
		return 0;
	if (!e->fa) {
		err = vg_fadeny_start(&e->fa, eng_fa_decide, e);
		if (err)
			return vg_error("cannot start the fanotify listener: %s", strerror(-err)), err;
	}
	for (size_t i = 0; i < st->n_marks; i++) {
		err = vg_fadeny_mark(e->fa, st->marks[i].path, st->marks[i].kinds);
		if (err)
			return vg_error("cannot mark '%s' for fanotify: %s", st->marks[i].path,
					strerror(-err)), err;
	}
	return 0;
}

/* ---- connection control -------------------------------------------------- */

/*
 * The engine's socket deny rules are a connection-control rule set of their
 * own, pinned apart from `vigil net`'s (<netctl dir>-policy): everything in
 * it is the engine's, so a start clears what a crashed run left, and exit
 * removes all of it.  It is opened (and locked) only for each change.
 */
static const char *net_dir(struct vg_engine *e)
{
	if (!e->net_dir[0])
		snprintf(e->net_dir, sizeof(e->net_dir), "%s-policy", vg_netctl_dir());
	return e->net_dir;
}

static int net_add(struct vg_engine *e, struct eng_state *st)
{
	struct vg_netctl nc;
	char path[4096];
	size_t stale = 0;
	int err;

	if (!st->n_net)
		return 0;
	err = vg_netctl_cgroup(e->o.net_cgroup, path, sizeof(path), &e->net_scope);
	if (err)
		return vg_error("connection control: cgroup '%s': %s",
				e->o.net_cgroup ? e->o.net_cgroup : "/", strerror(-err)), err;
	err = vg_netctl_open_dir(&nc, net_dir(e), true);
	if (err)
		return err;
	if (!e->net_used) {
		/* a crashed run's rules and links */
		if (!vg_netctl_detach(&nc, 0, &stale) && stale)
			vg_warn("connection control: removed %zu links left by an earlier run", stale);
		vg_netctl_close(&nc);
		err = vg_netctl_open_dir(&nc, net_dir(e), true);
		if (err)
			return err;
	}
	err = vg_netctl_attach(&nc, path, st->net_hooks, &e->net_scope);
	for (size_t i = 0; i < st->n_net && !err; i++) {
		struct vg_netctl_rule r = st->net[i].r;

		r.id = 0;
		r.scope = e->net_scope;
		err = vg_netctl_add(&nc, &r);
		if (err == -EEXIST)
			err = 0;	/* the running state's: shared */
		else if (err)
			vg_error("connection control: cannot add a rule: %s",
				 err == -EBUSY ? "it overlaps another rule on some hooks"
					       : strerror(-err));
		st->net[i].id = r.id;
	}
	if (!err && !e->net_used) {
		vg_agent_add_ring_fd(e->agent, dup(nc.events_fd));
		e->net_used = true;
	}
	vg_netctl_close(&nc);
	return err;
}

/* Delete old's rules that now does not use (now NULL: all of them). */
static void net_prune(struct vg_engine *e, struct eng_state *old, const struct eng_state *now)
{
	struct vg_netctl nc;

	if (!e->net_used || !old || !old->n_net || vg_netctl_open_dir(&nc, net_dir(e), false))
		return;
	for (size_t i = 0; i < old->n_net; i++) {
		bool kept = false;

		for (size_t j = 0; now && j < now->n_net; j++)
			kept = kept || now->net[j].id == old->net[i].id;
		if (!kept && old->net[i].id)
			vg_netctl_delete(&nc, old->net[i].id);
		old->net[i].id = 0;
	}
	vg_netctl_close(&nc);
}

static void net_remove_all(struct vg_engine *e)
{
	struct vg_netctl nc;

	if (!e->net_used || vg_netctl_open_dir(&nc, net_dir(e), false))
		return;
	vg_netctl_detach(&nc, 0, NULL);	/* every link, rule and pin */
	vg_netctl_close(&nc);
	e->net_used = false;
}

/* ---- XDP ---------------------------------------------------------------- */

static int xdp_add(struct vg_engine *e, struct eng_state *st)
{
	int err;

	for (size_t f = 0; f < e->o.n_xdp_ifaces && st->n_xdp; f++) {
		if (!e->xdp_open[f]) {
			err = vg_xdp_open(&e->xdp[f], e->o.xdp_ifaces[f], true);
			if (err)
				return err;
			e->xdp_open[f] = true;
			vg_info("XDP filter on %s (%s mode)", e->o.xdp_ifaces[f],
				vg_xdp_mode_name(e->xdp[f].mode));
		}
		for (size_t i = 0; i < st->n_xdp; i++) {
			bool existed = false;

			err = vg_xdp_rule_add(&e->xdp[f], &st->xdp[i].r, &st->xdp[i].ids[f], &existed);
			if (err)
				return vg_error("XDP on %s: cannot add a rule: %s", e->o.xdp_ifaces[f],
						strerror(-err)), err;
		}
	}
	return 0;
}

static void xdp_prune(struct vg_engine *e, struct eng_state *old, const struct eng_state *now)
{
	for (size_t f = 0; old && f < e->o.n_xdp_ifaces; f++) {
		if (!e->xdp_open[f])
			continue;
		for (size_t i = 0; i < old->n_xdp; i++) {
			bool kept = false;

			for (size_t j = 0; now && j < now->n_xdp; j++)
				kept = kept || now->xdp[j].ids[f] == old->xdp[i].ids[f];
			if (!kept && old->xdp[i].ids[f])
				vg_xdp_rule_delete(&e->xdp[f], old->xdp[i].ids[f]);
			old->xdp[i].ids[f] = 0;
		}
	}
}

/* ---- uprobes ---------------------------------------------------------------- */

/* Attach the state's probes (once: a failed reload puts the old state back
 * with its probes still attached).  The old state's go with it. */
static int uprobes_add(struct vg_engine *e, struct eng_state *st)
{
	struct vg_up_sensor us;

	if (st->ups_attached || !st->n_ups)
		return 0;
	vg_sensor_uprobe(&e->agent->sensor, &us);
	for (size_t i = 0; i < st->n_ups; i++) {
		struct eng_rule *er = &st->rules[st->ups[i].rule];
		int id = vg_uprobes_attach(&st->up_links, &us, &st->ups[i].spec);

		if (id < 0) {
			vg_error("%s:%u: policy '%s' rule '%s': the probe could not be attached",
				 er->policy->file, er->rule->line, er->policy->name, er->rule->name);
			vg_uprobes_release(&st->up_links);
			return id;
		}
		er->probe_id = (uint32_t)id;
	}
	st->ups_attached = true;
	return 0;
}

static void uprobes_remove(struct eng_state *st)
{
	if (!st)
		return;
	vg_uprobes_release(&st->up_links);
	st->ups_attached = false;
	for (size_t i = 0; i < st->n_ups; i++)
		st->rules[st->ups[i].rule].probe_id = 0;
}

/* ---- the whole state ------------------------------------------------------ */

int eng_install(struct vg_engine *e, struct eng_state *st, struct eng_state *old)
{
	int err;

	err = links_add(e, st);
	if (!err && e->maps.state >= 0) {
		err = maps_swap(&e->maps, st);
		if (err)
			vg_error("cannot write the policy maps: %s", strerror(-err));
	}
	if (!err)
		err = marks_add(e, st);
	if (!err)
		err = net_add(e, st);
	if (!err)
		err = xdp_add(e, st);
	if (!err && e->agent)
		err = uprobes_add(e, st);
	if (err)
		return err;
	if (old != st)
		uprobes_remove(old);
	links_prune(e, st);
	net_prune(e, old, st);
	xdp_prune(e, old, st);
	return 0;
}

void eng_uninstall(struct vg_engine *e, struct eng_state *st)
{
	if (e->maps.state >= 0 && e->installed)
		maps_swap(&e->maps, NULL);
	links_prune(e, NULL);
	uprobes_remove(st);
	free(e->links);
	e->links = NULL;
	if (e->fa) {
		vg_fadeny_stop(e->fa);
		e->fa = NULL;
	}
	net_remove_all(e);
	xdp_prune(e, st, NULL);
	for (size_t f = 0; f < e->o.n_xdp_ifaces; f++) {
		if (!e->xdp_open[f])
			continue;
		if (e->xdp[f].created)
			vg_xdp_detach(&e->xdp[f]);
		else
			vg_xdp_close(&e->xdp[f]);
		e->xdp_open[f] = false;
	}
}
