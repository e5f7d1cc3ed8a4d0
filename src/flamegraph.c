// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * flamegraph.c - the SVG flame graph writer.  See flamegraph.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph.h"

#define FONT_SIZE	12.0
#define FONT_WIDTH	0.59	/* average glyph width / font size */
#define FRAME_HEIGHT	16.0
#define YPAD_TOP	(FONT_SIZE * 3)		/* title, buttons */
#define YPAD_TOP_SUB	(FONT_SIZE * 4.5)	/* with a subtitle */
#define YPAD_BOTTOM	(FONT_SIZE * 2 + 10)	/* details line */

/* ---- XML -------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid;
 * U+FFFE and U+FFFF, not allowed in XML, count as invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (c == 0xef && s[1] == 0xbf && (s[2] == 0xbe || s[2] == 0xbf))
		return 0;
	return len;
}

void vg_xml_escape(struct vg_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n;

		switch (c) {
		case '&':
			vg_buf_adds(b, "&amp;");
			break;
		case '<':
			vg_buf_adds(b, "&lt;");
			break;
		case '>':
			vg_buf_adds(b, "&gt;");
			break;
		case '"':
			vg_buf_adds(b, "&quot;");
			break;
		case '\'':
			vg_buf_adds(b, "&apos;");
			break;
		default:
			if (c < 0x80) {
				vg_buf_addc(b, c < 0x20 && c != '\t' && c != '\n' ? '?' : (char)c);
				break;
			}
			n = utf8_seq(p + i, len - i);
			if (!n) {
				vg_buf_adds(b, "&#xFFFD;");
				break;
			}
			vg_buf_add(b, p + i, n);
			i += n;
			continue;
		}
		i++;
	}
}

/* ---- the tree --------------------------------------------------------------- */

struct node {
	const char *name;
	size_t len;
	uint64_t value;
	struct node *kids;
	size_t n_kids, cap_kids;
};

static void node_release(struct node *n)
{
	for (size_t i = 0; i < n->n_kids; i++)
		node_release(&n->kids[i]);
	free(n->kids);
}

static struct node *node_child(struct node *n, const char *name, size_t len)
{
	struct node *k;

	for (size_t i = 0; i < n->n_kids; i++)
		if (n->kids[i].len == len && !memcmp(n->kids[i].name, name, len))
			return &n->kids[i];
	if (n->n_kids == n->cap_kids) {
		size_t ncap = n->cap_kids ? n->cap_kids * 2 : 4;
		struct node *nk = realloc(n->kids, ncap * sizeof(*nk));

		if (!nk)
			return NULL;
		n->kids = nk;
		n->cap_kids = ncap;
	}
	k = &n->kids[n->n_kids++];
	memset(k, 0, sizeof(*k));
	k->name = name;
	k->len = len;
	return k;
}

static int tree_build(const struct vg_folded *f, struct node *root)
{
	memset(root, 0, sizeof(*root));
	root->name = "all";
	root->len = 3;
	for (size_t i = 0; i < f->n; i++) {
		const char *s = f->lines[i].stack;
		struct node *n = root;

		root->value += f->lines[i].count;
		while (*s) {
			size_t len = strcspn(s, ";");

			n = node_child(n, s, len);
			if (!n)
				return -ENOMEM;
			n->value += f->lines[i].count;
			s += len;
			if (*s)
				s++;
		}
	}
	return 0;
}

static int cmp_node(const void *a, const void *b)
{
	const struct node *x = a, *y = b;
	int c = memcmp(x->name, y->name, x->len < y->len ? x->len : y->len);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

struct layout_ctx {
	struct vg_fg_layout *l;
	size_t cap;
	double scale;		/* px per sample */
	double min_width;
};

static int lay(struct layout_ctx *c, struct node *n, unsigned int depth, double x)
{
	struct vg_fg_layout *l = c->l;
	struct vg_fg_rect *r;
	double w = (double)n->value * c->scale;

	if (w < c->min_width)
		return 0;
	if (l->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 256;
		struct vg_fg_rect *nr = realloc(l->rects, ncap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		l->rects = nr;
		c->cap = ncap;
	}
	r = &l->rects[l->n++];
	r->name = n->name;
	r->name_len = n->len;
	r->samples = n->value;
	r->depth = depth;
	r->x = x;
	r->w = w;
	if (depth > l->depth_max)
		l->depth_max = depth;
	if (n->n_kids > 1)
		qsort(n->kids, n->n_kids, sizeof(*n->kids), cmp_node);
	for (size_t i = 0; i < n->n_kids; i++) {
		int err = lay(c, &n->kids[i], depth + 1, x);

		if (err)
			return err;
		x += (double)n->kids[i].value * c->scale;
	}
	return 0;
}

static unsigned int opt_width(const struct vg_fg_opts *o)
{
	return o && o->width ? o->width : 1200;
}

int vg_flamegraph_layout(const struct vg_folded *f, const struct vg_fg_opts *o,
			 struct vg_fg_layout *l)
{
	struct layout_ctx c = { .l = l };
	struct node root;
	int err;

	memset(l, 0, sizeof(*l));
	err = tree_build(f, &root);
	l->total = root.value;
	if (!err && root.value) {
		c.scale = ((double)opt_width(o) - 2 * VG_FG_XPAD) / (double)root.value;
		c.min_width = o && o->min_width > 0 ? o->min_width : 0.1;
		err = lay(&c, &root, 0, VG_FG_XPAD);
	}
	node_release(&root);
	if (err)
		vg_flamegraph_layout_release(l);
	return err;
}

void vg_flamegraph_layout_release(struct vg_fg_layout *l)
{
	free(l->rects);
	memset(l, 0, sizeof(*l));
}

/* ---- the SVG ------------------------------------------------------------------ */

static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static bool is_kernel(const char *s, size_t len)
{
	return len >= 4 && !memcmp(s + len - 4, "_[k]", 4);
}

/* The fill colour: stable per name. */
static void frame_color(const struct vg_fg_rect *r, int rgb[3])
{
	uint32_t h = name_hash(r->name, r->name_len);
	double v1 = (double)(h & 0xff) / 255.0, v2 = (double)((h >> 8) & 0xff) / 255.0,
	       v3 = (double)((h >> 16) & 0xff) / 255.0;

	if (!r->depth) {
		rgb[0] = rgb[1] = rgb[2] = 200;
	} else if (is_kernel(r->name, r->name_len)) {
		rgb[0] = 200 + (int)(55 * v1);
		rgb[1] = 110 + (int)(60 * v1);
		rgb[2] = (int)(40 * v2);
	} else {
		rgb[0] = 205 + (int)(50 * v3);
		rgb[1] = (int)(230 * v1);
		rgb[2] = (int)(55 * v2);
	}
}

/* As much of the name as fits in w px, ".." marking a cut; "" under 3 chars. */
static void frame_label(struct vg_buf *b, const struct vg_fg_rect *r)
{
	double chars = (r->w - 3) / (FONT_SIZE * FONT_WIDTH);
	size_t fit = chars > 0 ? (size_t)chars : 0, n;

	if (fit < 3)
		return;
	if (r->name_len <= fit) {
		vg_xml_escape(b, r->name, r->name_len);
		return;
	}
	n = fit - 2;
	/* not inside a UTF-8 sequence */
	while (n && ((unsigned char)r->name[n] & 0xc0) == 0x80)
		n--;
	vg_xml_escape(b, r->name, n);
	vg_buf_adds(b, "..");
}

/*
 * The script: init() finds the frames and remembers where they are; zoom()
 * widens one frame to the full width (what is above it scales with it, its
 * ancestors span the width faded, the rest hides); search() colours the
 * frames whose name matches and adds up the width they cover.
 */
static const char fg_script[] =
	"var svg, frames, details, matched, unzoombtn, searchbtn, searching = false;\n"
	"var W;\n"
	"function init(evt) {\n"
	"  svg = document.documentElement;\n"
	"  W = parseFloat(svg.getAttribute(\"width\"));\n"
	"  details = document.getElementById(\"details\").firstChild;\n"
	"  matched = document.getElementById(\"matched\");\n"
	"  unzoombtn = document.getElementById(\"unzoom\");\n"
	"  searchbtn = document.getElementById(\"search\");\n"
	"  frames = [];\n"
	"  var gs = document.getElementById(\"frames\").getElementsByTagName(\"g\");\n"
	"  for (var i = 0; i < gs.length; i++) {\n"
	"    var g = gs[i], r = g.getElementsByTagName(\"rect\")[0];\n"
	"    var info = g.getElementsByTagName(\"title\")[0].textContent;\n"
	"    var f = { g: g, r: r, t: g.getElementsByTagName(\"text\")[0], info: info,\n"
	"      name: info.replace(/ \\([^()]*\\)$/, \"\"), fill: r.getAttribute(\"fill\"),\n"
	"      x: parseFloat(r.getAttribute(\"x\")), w: parseFloat(r.getAttribute(\"width\")),\n"
	"      y: parseFloat(r.getAttribute(\"y\")) };\n"
	"    g.vgFrame = f;\n"
	"    frames.push(f);\n"
	"    g.addEventListener(\"click\", function (e) { zoom(this.vgFrame); });\n"
	"    g.addEventListener(\"mouseover\", function () { details.nodeValue = this.vgFrame.info; });\n"
	"    g.addEventListener(\"mouseout\", function () { details.nodeValue = \" \"; });\n"
	"  }\n"
	"  unzoombtn.addEventListener(\"click\", unzoom);\n"
	"  searchbtn.addEventListener(\"click\", searchPrompt);\n"
	"  window.addEventListener(\"keydown\", function (e) {\n"
	"    if ((e.ctrlKey || e.metaKey) && (e.key === \"f\" || e.key === \"F\")) {\n"
	"      e.preventDefault(); searchPrompt();\n"
	"    } else if (e.key === \"Escape\") { unzoom(); }\n"
	"  });\n"
	"}\n"
	"function label(f, w) {\n"
	"  var n = Math.floor((w - 3) / (FS * FW));\n"
	"  f.t.textContent = n < 3 ? \"\" : f.name.length <= n ? f.name : f.name.substring(0, n - 2) + \"..\";\n"
	"}\n"
	"function place(f, x, w) {\n"
	"  f.r.setAttribute(\"x\", x.toFixed(2)); f.r.setAttribute(\"width\", w.toFixed(2));\n"
	"  f.t.setAttribute(\"x\", (x + 3).toFixed(2)); label(f, w);\n"
	"}\n"
	"function zoom(z) {\n"
	"  var ratio = (W - 2 * PAD) / z.w, eps = 1e-6;\n"
	"  for (var i = 0; i < frames.length; i++) {\n"
	"    var f = frames[i];\n"
	"    if (f.y > z.y) {\n"
	"      var anc = f.x <= z.x + eps && f.x + f.w >= z.x + z.w - eps;\n"
	"      f.g.style.display = anc ? \"\" : \"none\"; f.g.style.opacity = anc ? \"0.5\" : \"\";\n"
	"      if (anc) place(f, PAD, W - 2 * PAD);\n"
	"    } else if (f.x >= z.x - eps && f.x + f.w <= z.x + z.w + eps) {\n"
	"      f.g.style.display = \"\"; f.g.style.opacity = \"\";\n"
	"      place(f, PAD + (f.x - z.x) * ratio, f.w * ratio);\n"
	"    } else {\n"
	"      f.g.style.display = \"none\";\n"
	"    }\n"
	"  }\n"
	"  unzoombtn.style.opacity = \"1\";\n"
	"}\n"
	"function unzoom() {\n"
	"  for (var i = 0; i < frames.length; i++) {\n"
	"    var f = frames[i];\n"
	"    f.g.style.display = \"\"; f.g.style.opacity = \"\"; place(f, f.x, f.w);\n"
	"  }\n"
	"  unzoombtn.style.opacity = \"0\";\n"
	"}\n"
	"function searchPrompt() {\n"
	"  if (searching) { resetSearch(); return; }\n"
	"  var term = prompt(\"Search frames (regular expression):\", \"\");\n"
	"  if (term) search(term);\n"
	"}\n"
	"function resetSearch() {\n"
	"  for (var i = 0; i < frames.length; i++) frames[i].r.setAttribute(\"fill\", frames[i].fill);\n"
	"  matched.textContent = \"\"; searchbtn.textContent = \"Search\"; searching = false;\n"
	"}\n"
	"function search(term) {\n"
	"  var re, spans = [], covered = 0, end = -1;\n"
	"  try { re = new RegExp(term); } catch (e) { matched.textContent = \"bad expression\"; return; }\n"
	"  for (var i = 0; i < frames.length; i++) {\n"
	"    var f = frames[i];\n"
	"    if (re.test(f.name)) {\n"
	"      f.r.setAttribute(\"fill\", \"rgb(230,0,230)\"); spans.push([f.x, f.x + f.w]);\n"
	"    } else {\n"
	"      f.r.setAttribute(\"fill\", f.fill);\n"
	"    }\n"
	"  }\n"
	"  spans.sort(function (a, b) { return a[0] - b[0]; });\n"
	"  for (var j = 0; j < spans.length; j++) {\n"
	"    var s = Math.max(spans[j][0], end);\n"
	"    if (spans[j][1] > s) covered += spans[j][1] - s;\n"
	"    end = Math.max(end, spans[j][1]);\n"
	"  }\n"
	"  searching = true; searchbtn.textContent = \"Reset search\";\n"
	"  matched.textContent = \"Matched: \" + (100 * covered / (W - 2 * PAD)).toFixed(1) + \"%\";\n"
	"}\n";

int vg_flamegraph_write(const struct vg_folded *f, const struct vg_fg_opts *o, FILE *out)
{
	const char *title = o && o->title ? o->title : "Flame Graph";
	const char *subtitle = o ? o->subtitle : NULL;
	unsigned int width = opt_width(o);
	double top = subtitle ? YPAD_TOP_SUB : YPAD_TOP, height;
	struct vg_fg_layout l;
	struct vg_buf b;
	int err;

	err = vg_flamegraph_layout(f, o, &l);
	if (err)
		return err;
	height = top + (l.n ? l.depth_max + 1 : 1) * FRAME_HEIGHT + YPAD_BOTTOM;
	vg_buf_init(&b);
	vg_buf_addf(&b,
		    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		    "<svg version=\"1.1\" width=\"%u\" height=\"%.0f\" viewBox=\"0 0 %u %.0f\" "
		    "xmlns=\"http://www.w3.org/2000/svg\" onload=\"init(evt)\">\n"
		    "<style type=\"text/css\">\n"
		    "text { font-family: Verdana, sans-serif; font-size: %.0fpx; fill: rgb(0,0,0); }\n"
		    "#title { text-anchor: middle; font-size: %.0fpx; }\n"
		    "#subtitle { text-anchor: middle; fill: rgb(100,100,100); }\n"
		    "#frames > g:hover > rect { stroke: rgb(0,0,0); stroke-width: 0.5; cursor: pointer; }\n"
		    "#unzoom, #search { cursor: pointer; }\n"
		    "</style>\n<script type=\"text/ecmascript\"><![CDATA[\n",
		    width, height, width, height, FONT_SIZE, FONT_SIZE + 5);
	vg_buf_addf(&b, "\"use strict\";\nvar PAD = %.1f, FS = %.1f, FW = %.2f;\n", VG_FG_XPAD, FONT_SIZE,
		    FONT_WIDTH);
	vg_buf_adds(&b, fg_script);
	vg_buf_addf(&b, "]]></script>\n"
		    "<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%.0f\" fill=\"rgb(250,250,240)\"/>\n"
		    "<text id=\"title\" x=\"%.1f\" y=\"%.0f\">",
		    width, height, width / 2.0, FONT_SIZE * 2);
	vg_xml_escape(&b, title, strlen(title));
	vg_buf_adds(&b, "</text>\n");
	if (subtitle) {
		vg_buf_addf(&b, "<text id=\"subtitle\" x=\"%.1f\" y=\"%.0f\">", width / 2.0,
			    FONT_SIZE * 3.5);
		vg_xml_escape(&b, subtitle, strlen(subtitle));
		vg_buf_adds(&b, "</text>\n");
	}
	vg_buf_addf(&b,
		    "<text id=\"unzoom\" x=\"%.1f\" y=\"%.0f\" style=\"opacity:0\">Reset Zoom</text>\n"
		    "<text id=\"search\" x=\"%.1f\" y=\"%.0f\">Search</text>\n"
		    "<text id=\"matched\" x=\"%.1f\" y=\"%.0f\"></text>\n"
		    "<text id=\"details\" x=\"%.1f\" y=\"%.0f\"> </text>\n",
		    VG_FG_XPAD, FONT_SIZE * 2, width - VG_FG_XPAD - 100, FONT_SIZE * 2,
		    width - VG_FG_XPAD - 100, height - FONT_SIZE / 2 - 5, VG_FG_XPAD,
		    height - FONT_SIZE / 2 - 5);
	if (!l.n)
		vg_buf_addf(&b, "<text x=\"%.1f\" y=\"%.0f\">no samples</text>\n", VG_FG_XPAD,
			    top + FRAME_HEIGHT - 4);
	vg_buf_adds(&b, "<g id=\"frames\">\n");
	for (size_t i = 0; i < l.n; i++) {
		const struct vg_fg_rect *r = &l.rects[i];
		double y = height - YPAD_BOTTOM - (r->depth + 1) * FRAME_HEIGHT;
		int rgb[3];

		frame_color(r, rgb);
		vg_buf_adds(&b, "<g><title>");
		vg_xml_escape(&b, r->name, r->name_len);
		vg_buf_addf(&b, " (%" PRIu64 " sample%s, %.2f%%)</title>", r->samples,
			    r->samples == 1 ? "" : "s", 100.0 * (double)r->samples / (double)l.total);
		vg_buf_addf(&b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
			    "fill=\"rgb(%d,%d,%d)\" rx=\"2\" ry=\"2\"/><text x=\"%.2f\" y=\"%.1f\">",
			    r->x, y, r->w, FRAME_HEIGHT - 1, rgb[0], rgb[1], rgb[2], r->x + 3,
			    y + FRAME_HEIGHT - 5);
		frame_label(&b, r);
		vg_buf_adds(&b, "</text></g>\n");
	}
	vg_buf_adds(&b, "</g>\n</svg>\n");
	vg_flamegraph_layout_release(&l);
	if (b.oom) {
		vg_buf_release(&b);
		return -ENOMEM;
	}
	err = 0;
	if (fwrite(b.data, 1, b.len, out) != b.len || fflush(out))
		err = -(errno ? errno : EIO);
	vg_buf_release(&b);
	return err;
}
