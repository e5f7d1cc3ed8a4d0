/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * output.h - events as JSON lines (schema: docs/events.md) or compact text.
 */
#ifndef VIGIL_OUTPUT_H
#define VIGIL_OUTPUT_H

#include <stdio.h>

#include "agent.h"
#include "buf.h"
#include "engine.h"
#include "event.h"
#include "workload.h"

enum vg_format {
	VG_FMT_JSON = 0,
	VG_FMT_TEXT,
};

/* Parse "json" / "text"; -EINVAL otherwise. */
int vg_format_parse(const char *s, enum vg_format *fmt);

/* "read", "write", "flush", "discard", "other" (enum vg_block_op). */
const char *vg_block_op_name(uint32_t op);

/* Render one event or a stats record, with a trailing newline, into b. */
void vg_render_event(struct vg_buf *b, enum vg_format fmt, const struct vg_event_view *ev);
void vg_render_stats(struct vg_buf *b, enum vg_format fmt, const struct vg_agent_stats *st,
		     uint64_t real_ns);

struct vg_output {
	FILE *f;
	bool owned;		/* opened by us: close it */
	enum vg_format fmt;
	struct vg_buf buf;
	int err;		/* first write error, sticky */
};

/*
 * Write to `path` (created 0600, appended to; an existing file is made
 * 0600), or stdout when path is NULL or "-".  Returns 0 or -errno.
 */
int vg_output_open(struct vg_output *o, const char *path, enum vg_format fmt);
int vg_output_event(struct vg_output *o, const struct vg_event_view *ev);
/* A policy decision (engine.h) as a "kind": "policy" record. */
void vg_render_report(struct vg_buf *b, enum vg_format fmt, const struct vg_engine_report *r);
int vg_output_report(struct vg_output *o, const struct vg_engine_report *r);
void vg_render_workload(struct vg_buf *b, enum vg_format fmt, const struct vg_workload_change *c);
int vg_output_workload(struct vg_output *o, const struct vg_workload_change *c);
int vg_output_stats(struct vg_output *o, const struct vg_agent_stats *st, uint64_t real_ns);
int vg_output_flush(struct vg_output *o);
void vg_output_close(struct vg_output *o);

#endif /* VIGIL_OUTPUT_H */
