/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * flamegraph.h - folded stacks (folded.h) as a self-contained, interactive
 * SVG flame graph, in the manner of Brendan Gregg's flamegraph.pl.
 *
 * The stacks are merged into a tree: one frame per distinct path from the
 * root, siblings in name order, each as wide as its samples (the root,
 * "all", is every sample).  Frames narrower than min_width pixels are left
 * out with everything above them.  The SVG needs nothing else: an inline
 * script zooms into a frame on click (Esc or "Reset Zoom" undoes), searches
 * frame names by regular expression (Ctrl-F or "Search"; the share of
 * samples matched is shown), and prints a frame's name and samples when
 * hovered; each frame also has a <title> tooltip.  Kernel frames ("_[k]")
 * are orange, the others in the classic red-yellow palette.
 */
#ifndef VIGIL_FLAMEGRAPH_H
#define VIGIL_FLAMEGRAPH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "folded.h"

struct vg_fg_opts {
	const char *title;	/* NULL: "Flame Graph" */
	const char *subtitle;	/* NULL: none */
	unsigned int width;	/* of the image, px; 0: 1200 */
	double min_width;	/* px; <= 0: 0.1 */
};

#define VG_FG_XPAD	10.0	/* px left and right of the frames */

struct vg_fg_rect {
	const char *name;	/* name_len bytes, not NUL-terminated; "all" for the root */
	size_t name_len;
	uint64_t samples;
	unsigned int depth;	/* 0: the root */
	double x, w;		/* px; x from the image's left edge */
};

struct vg_fg_layout {
	struct vg_fg_rect *rects;	/* parents before their children */
	size_t n;
	unsigned int depth_max;
	uint64_t total;
};

/*
 * Lay the stacks of f out (f's lines must outlive the layout: names point
 * into them).  Returns 0 or -ENOMEM.
 */
int vg_flamegraph_layout(const struct vg_folded *f, const struct vg_fg_opts *o,
			 struct vg_fg_layout *l);
void vg_flamegraph_layout_release(struct vg_fg_layout *l);

/* Write the SVG.  Returns 0, -ENOMEM, or the stream's -errno. */
int vg_flamegraph_write(const struct vg_folded *f, const struct vg_fg_opts *o, FILE *out);

/*
 * Append s[0..len) as XML character data or attribute text: & < > " '
 * as entities, control characters other than tab and newline (not allowed
 * in XML 1.0) as '?', bytes that are not valid UTF-8 as U+FFFD.
 */
void vg_xml_escape(struct vg_buf *b, const char *s, size_t len);

#endif /* VIGIL_FLAMEGRAPH_H */
