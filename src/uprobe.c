// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * uprobe.c - parse, store and attach user-space function probes.
 *
 * Symbols are resolved by libbpf (bpf_uprobe_opts.func_name: .symtab and
 * .dynsym of the file).  Attaching with pid -1 puts the breakpoint in the
 * file's page cache copy, so it covers every process that maps the file,
 * including processes that dlopen() a library after the probe was attached.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "sensor.h"
#include "uprobe.h"

static const char *const guard_ops[VG_UP_GUARD_OP_MAX] = {
	[VG_UP_GUARD_GT] = "gt", [VG_UP_GUARD_GE] = "ge", [VG_UP_GUARD_LT] = "lt",
	[VG_UP_GUARD_LE] = "le", [VG_UP_GUARD_EQ] = "eq", [VG_UP_GUARD_NE] = "ne",
	[VG_UP_GUARD_STRLEN_GT] = "strlen_gt",
};

const char *vg_uprobe_guard_op_name(uint32_t op)
{
	return op < VG_UP_GUARD_OP_MAX ? guard_ops[op] : NULL;
}

/* A decimal or 0x number in [0, max] ending at a ':' or the end; advances *s. */
static int parse_num(const char **s, uint64_t max, uint64_t *out)
{
	char *end;

	if (**s < '0' || **s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(*s, &end, 0);
	if (errno || *out > max || (*end && *end != ':'))
		return -EINVAL;
	*s = *end ? end + 1 : end;
	return 0;
}

static bool take_word(const char **s, const char *w)
{
	size_t n = strlen(w);

	if (strncmp(*s, w, n) || ((*s)[n] && (*s)[n] != ':'))
		return false;
	*s += n + ((*s)[n] == ':');
	return true;
}

int vg_uprobe_parse_arg(const char *s, struct vg_up_arg_spec *a, const char **why)
{
	uint64_t idx, len_idx = 0, max = VG_UP_DATA_LEN;
	bool had_max;

	memset(a, 0, sizeof(*a));
	if (parse_num(&s, VG_UP_ARGS_MAX - 1, &idx))
		return *why = "argument index must be 0 to 5", -EINVAL;
	if (take_word(&s, "int")) {
		a->kind = VG_UP_ARG_INT;
	} else if (take_word(&s, "str")) {
		a->kind = VG_UP_ARG_STR;
	} else if (take_word(&s, "buf")) {
		a->kind = VG_UP_ARG_BUF;
		if (parse_num(&s, VG_UP_ARGS_MAX - 1, &len_idx))
			return *why = "buf needs the index (0 to 5) of its length argument", -EINVAL;
	} else {
		return *why = "type must be int, str or buf", -EINVAL;
	}
	had_max = *s != '\0';
	if (had_max && (a->kind == VG_UP_ARG_INT || parse_num(&s, VG_UP_DATA_LEN, &max) ||
			max == 0 || *s))
		return *why = "the byte count must be 1 to 64 (int takes none)", -EINVAL;
	a->index = (uint8_t)idx;
	a->len_index = (uint8_t)len_idx;
	a->max = (uint8_t)max;
	return 0;
}

int vg_uprobe_parse_guard(const char *s, struct vg_up_probe *p, const char **why)
{
	uint64_t idx, v;
	uint32_t op = 0;

	if (parse_num(&s, VG_UP_ARGS_MAX - 1, &idx))
		return *why = "argument index must be 0 to 5", -EINVAL;
	for (uint32_t i = 1; i < VG_UP_GUARD_OP_MAX && !op; i++)
		if (take_word(&s, guard_ops[i]))
			op = i;
	if (!op)
		return *why = "operator must be gt, ge, lt, le, eq, ne or strlen_gt", -EINVAL;
	if (parse_num(&s, UINT64_MAX, &v) || *s)
		return *why = "value must be a number", -EINVAL;
	if (op == VG_UP_GUARD_STRLEN_GT && v > VG_UP_GUARD_STR_MAX)
		return *why = "strlen_gt value must be at most 255", -EINVAL;
	p->guard_op = op;
	p->guard_index = (uint32_t)idx;
	p->guard_value = v;
	return 0;
}

void vg_uprobes_init(struct vg_uprobes *u)
{
	memset(u, 0, sizeof(*u));
}

/* The lowest id not in the probe map; 0 when it is full. */
static uint32_t free_id(int map)
{
	struct vg_up_probe p;

	for (uint32_t id = 1; id < VG_UP_PROBES_MAX; id++)
		if (bpf_map_lookup_elem(map, &id, &p) && errno == ENOENT)
			return id;
	return 0;
}

static int push_id(struct vg_uprobes *u, uint32_t id)
{
	if (u->n_ids == u->cap_ids) {
		size_t cap = u->cap_ids ? 2 * u->cap_ids : 8;
		uint32_t *v = realloc(u->ids, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		u->ids = v;
		u->cap_ids = cap;
	}
	u->ids[u->n_ids++] = id;
	return 0;
}

static int push_link(struct vg_uprobes *u, struct bpf_link *l)
{
	if (u->n == u->cap) {
		size_t cap = u->cap ? 2 * u->cap : 8;
		struct bpf_link **v = realloc(u->links, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		u->links = v;
		u->cap = cap;
	}
	u->links[u->n++] = l;
	return 0;
}

static struct bpf_link *attach_one(struct bpf_program *prog, const struct vg_uprobe_spec *spec,
				   uint32_t id, bool ret)
{
	LIBBPF_OPTS(bpf_uprobe_opts, o, .bpf_cookie = id, .retprobe = ret,
		    .func_name = spec->symbol);

	return bpf_program__attach_uprobe_opts(prog, spec->pid, spec->path,
					       (size_t)spec->offset, &o);
}

int vg_uprobes_attach(struct vg_uprobes *u, const struct vg_up_sensor *s,
		      const struct vg_uprobe_spec *spec)
{
	const char *what = spec->symbol ? spec->symbol : "(offset)";
	struct vg_up_probe p = spec->probe;
	struct bpf_link *entry = NULL, *ret = NULL;
	uint32_t id;
	int err;

	if (s->probes < 0 || !s->entry)
		return vg_error("cannot probe '%s': the uprobe sensor is not loaded", what), -ENOTSUP;
	id = free_id(s->probes);
	if (!id)
		return vg_error("cannot probe '%s': at most %d probes", what, VG_UP_PROBES_MAX - 1),
		       -ENOSPC;
	if (spec->symbol)
		snprintf(p.symbol, sizeof(p.symbol), "%s", spec->symbol);
	else
		snprintf(p.symbol, sizeof(p.symbol), "0x%llx", (unsigned long long)spec->offset);
	if (push_id(u, id))
		return vg_error("cannot probe '%s': out of memory", what), -ENOMEM;
	u->map = s->probes;
	if (bpf_map_update_elem(s->probes, &id, &p, BPF_NOEXIST)) {
		err = -errno;
		u->n_ids--;
		return vg_error("cannot store probe '%s': %s", what, strerror(-err)), err;
	}
	entry = attach_one(s->entry, spec, id, false);
	if (!entry) {
		err = -errno;
		vg_error("cannot attach a uprobe to '%s' in '%s': %s", what, spec->path,
			 strerror(-err));
		goto cleanup;
	}
	if (spec->ret) {
		ret = attach_one(s->ret, spec, id, true);
		if (!ret) {
			err = -errno;
			vg_error("cannot attach a uretprobe to '%s' in '%s': %s", what, spec->path,
				 strerror(-err));
			goto cleanup;
		}
	}
	err = push_link(u, entry);
	if (err)
		goto cleanup;
	entry = NULL;
	if (ret) {
		err = push_link(u, ret);
		if (err)
			goto cleanup;
	}
	vg_debug("uprobe %u: '%s' in '%s'%s", id, what, spec->path, spec->ret ? " (and returns)" : "");
	return (int)id;
cleanup:
	bpf_link__destroy(entry);
	bpf_link__destroy(ret);
	bpf_map_delete_elem(s->probes, &id);
	u->n_ids--;
	return err;
}

void vg_uprobes_release(struct vg_uprobes *u)
{
	for (size_t i = 0; i < u->n; i++)
		bpf_link__destroy(u->links[i]);
	for (size_t i = 0; i < u->n_ids; i++)
		bpf_map_delete_elem(u->map, &u->ids[i]);
	free(u->links);
	free(u->ids);
	memset(u, 0, sizeof(*u));
}
